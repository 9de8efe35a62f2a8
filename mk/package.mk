###############################################################################
# install, man pages, Debian packages (issue 16)
#
#   make install      the module, newsctl, sql/, the templates, the man
#                     pages and the systemd units under DESTDIR + PREFIX
#                     (PREFIX=/usr/local; MODDIR, the nginx modules'
#                     folder, $(PREFIX)/lib/nginx/modules)
#   make man          objs/man/: ngx_http_news_module.5 and newsctl.1,
#                     made from README.md (mk/package/man.pl)
#   make deb          objs/deb/: libnginx-mod-http-news and news-tools,
#                     with dpkg-buildpackage -us -uc -b in a copy of the
#                     tree (debian/), then lintian
#   make test-package the packages built, unpacked with dpkg-deb -x, the
#                     packaged module loaded by Debian's nginx and the
#                     packaged newsctl run by t/600_package.t; and a
#                     make install into objs/install-check looked at

VERSION     := $(shell dpkg-parsechangelog -S Version 2>/dev/null \
                   || echo 0)
PREFIX      ?= /usr/local
DESTDIR     ?=
MODDIR      ?= $(PREFIX)/lib/nginx/modules
BINDIR      ?= $(PREFIX)/bin
SHAREDIR    ?= $(PREFIX)/share/news
MANDIR      ?= $(PREFIX)/share/man
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR  ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)

PKG_DEPS     = debhelper dpkg-dev lintian

UNITS        = $(wildcard mk/package/systemd/*.service \
                          mk/package/systemd/*.timer)

man: objs/man/ngx_http_news_module.5 objs/man/newsctl.1

objs/man/ngx_http_news_module.5 objs/man/newsctl.1: README.md \
        mk/package/man.pl objs/newsctl
	@mkdir -p objs/man
	perl mk/package/man.pl README.md objs/man $(VERSION) objs/newsctl

install: all man
	install -d $(DESTDIR)$(MODDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(SHAREDIR)/sql/admin $(DESTDIR)$(SHAREDIR)/sql/migrations \
	    $(DESTDIR)$(SHAREDIR)/sql/postgresql \
	    $(DESTDIR)$(SHAREDIR)/templates $(DESTDIR)$(SHAREDIR)/examples \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/default
	install -m 644 objs/ngx_http_news_module.so $(DESTDIR)$(MODDIR)/
	install -m 755 objs/newsctl $(DESTDIR)$(BINDIR)/
	install -m 644 sql/schema.sql sql/readership.sql sql/search.sql \
	    $(DESTDIR)$(SHAREDIR)/sql/
	install -m 644 sql/admin/*.sql sql/admin/README.md \
	    $(DESTDIR)$(SHAREDIR)/sql/admin/
	install -m 644 sql/migrations/*.sql $(DESTDIR)$(SHAREDIR)/sql/migrations/
	install -m 644 sql/postgresql/*.sql $(DESTDIR)$(SHAREDIR)/sql/postgresql/
	install -m 644 conf/templates/* $(DESTDIR)$(SHAREDIR)/templates/
	install -m 644 conf/nginx.conf $(DESTDIR)$(SHAREDIR)/examples/
	install -m 755 mk/package/news-publish $(DESTDIR)$(SHAREDIR)/
	install -m 644 objs/man/newsctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 objs/man/ngx_http_news_module.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 $(UNITS) $(DESTDIR)$(UNITDIR)/
	install -m 644 mk/package/news-tools.default \
	    $(DESTDIR)$(SYSCONFDIR)/default/news-tools

# a copy of the work tree (without objs/ and .git), built there:
# dpkg-buildpackage writes its .deb files beside the tree it builds
DEB_DIR      = objs/deb
DEB_ROOT     = $(CURDIR)/$(DEB_DIR)/root
PKG_CORE_TESTS = t/010_newsctl.t t/020_share.t t/030_article.t \
               t/050_category.t t/059_home_pages.t t/210_readership.t
DEB_SRC      = $(DEB_DIR)/ngx-news-module-$(VERSION)

deb:
	@$(call deb_install,$(DEPS_PKGS) $(PKG_DEPS))
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	tar --exclude=./objs --exclude=./.git -cf - . | tar -xf - -C $(DEB_SRC)
	cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b >../build.log 2>&1 \
	    || { tail -40 ../build.log; exit 1; }
	lintian --fail-on error $(DEB_DIR)/*.changes
	ls -l $(DEB_DIR)/*.deb

test-package: deb
	rm -rf objs/install-check
	$(MAKE) install DESTDIR=$(CURDIR)/objs/install-check PREFIX=/usr/local
	TEST_NEWS_DEB_DIR=$(CURDIR)/$(DEB_DIR) \
	TEST_NEWS_INSTALL_DIR=$(CURDIR)/objs/install-check \
	    prove t/600_package.t
	@# the core tests again, against the packaged module, newsctl and
	@# templates
	rm -rf $(DEB_ROOT) && mkdir -p $(DEB_ROOT)
	for d in $(DEB_DIR)/libnginx-mod-http-news_*.deb \
	         $(DEB_DIR)/news-tools_*.deb; do \
	    dpkg-deb -x $$d $(DEB_ROOT) || exit 1; done
	TEST_NEWS_MODULE=$(DEB_ROOT)/usr/lib/nginx/modules/ngx_http_news_module.so \
	TEST_NEWS_NEWSCTL=$(DEB_ROOT)/usr/bin/newsctl \
	TEST_NEWS_TEMPLATES=$(DEB_ROOT)/usr/share/news/templates \
	    prove $(PKG_CORE_TESTS)

.PHONY: man install deb test-package
