# ngx_news_module: build against Debian's nginx-dev, test, demo.
#
#   make deps    install the Debian packages the build and tests need
#   make         objs/ngx_http_news_module.so and objs/newsctl
#   make test    everything under t/ with prove, again under ASan and
#                UBSan, the fuzz targets for a bounded time, and the
#                Debian packages (mk/package.mk)
#   make deb     the Debian packages; make install: PREFIX, DESTDIR
#   make demo    a demo site on http://127.0.0.1:8080/ (PORT=N: another)
#   make screenshots  the README's PNGs of it (mk/screenshots.mk)

SHELL        = /bin/bash
NGX_SRC     ?= /usr/share/nginx/src
NGINX       ?= /usr/sbin/nginx
CC          ?= cc
CFLAGS      ?= -O2 -g
WARN         = -Wall -Wextra -Wno-unused-parameter -Werror
DEPS_PKGS    = nginx nginx-dev libsqlite3-dev libpcre2-dev libssl-dev \
               sqlite3 \
               libmaxminddb-dev libmaxmind-db-writer-perl \
               libjson-pp-perl perl make gcc wrk python3-html5lib \
               python3-feedparser curl libqrencode-dev zbar-tools \
               zlib1g-dev rsync libpq-dev postgresql

# libpq-fe.h, for newsctl ship-readership
PQ_CFLAGS    = -I$(shell pg_config --includedir 2>/dev/null \
                         || echo /usr/include/postgresql)

MODULE_SRCS  = $(wildcard ngx_news_module/*.[ch] include/*.h) \
               common/news_search_text.c common/news_html_ref.c \
               common/news_parse.c common/news_escape.c \
               common/news_search.c common/news_fts5.c \
               common/news_search_index.c common/news_search_pass.c \
               common/news_search_index_int.h sql/search.sql \
               common/news_parse.h common/news_search.h config
NEWSCTL_SRCS = $(wildcard newsctl/*.c newsctl/*.h)

# the pure code (no nginx, no SQLite) newsctl, the unit tests and the
# fuzzers share, and the module its parser (config): common/, but for
# search's SQLite side (news_fts5.c, the tokenizer's glue, and
# news_search_index.c and news_search_pass.c, the index file), linked
# only by what links -lsqlite3 too
FTS5_SRCS    = common/news_fts5.c common/news_search_index.c \
               common/news_search_pass.c
COMMON_SRCS  = $(filter-out $(FTS5_SRCS),$(wildcard common/*.c))
COMMON_DEPS  = $(COMMON_SRCS) $(FTS5_SRCS) $(wildcard common/*.h) \
               objs/news_defs.h objs/news_search_sql.h

all: objs/ngx_http_news_module.so objs/newsctl

# the Debian packages of $(1) that are missing, installed: a ready machine
# pays nothing (mk/*.mk use it too)
deb_install = missing=""; for p in $(1); do \
	    dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

deps:
	@$(call deb_install,$(DEPS_PKGS))

# nginx-dev ships the configure tree Debian's nginx was built with: a module
# configured with the same flags has the same binary signature
objs/nginx/objs/Makefile: config sql/readership.sql sql/schema.sql \
                          sql/search.sql \
                          sql/to_c.sh sql/gen_defs.sh \
                          $(wildcard conf/templates/*.html) \
                          conf/templates/news.css
	rm -rf objs/nginx
	mkdir -p objs
	cp -r $(NGX_SRC) objs/nginx
	cd objs/nginx && . ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="$(NGX_CC_OPT)" \
	        --add-dynamic-module=$(CURDIR) >configure.log 2>&1 \
	    || { tail -20 configure.log; exit 1; }

NGX_CC_OPT   = -g -O2 -fPIC -Werror $(NEWS_CC_OPT)

objs/ngx_http_news_module.so: objs/nginx/objs/Makefile $(MODULE_SRCS)
	$(MAKE) -C objs/nginx -f objs/Makefile modules
	@# a new inode, so that a running nginx keeps the code it mapped
	cp objs/nginx/objs/ngx_http_news_module.so $@.tmp && mv $@.tmp $@

# what the code must agree with the SQL on, read from the SQL (the module
# has its own copy, made by config)
objs/news_defs.h: sql/gen_defs.sh sql/schema.sql sql/readership.sql
	@mkdir -p objs
	sh sql/gen_defs.sh sql/schema.sql sql/readership.sql > $@.tmp
	mv $@.tmp $@

# the SQL files as C strings, for newsctl
objs/news_schema.h: sql/schema.sql sql/to_c.sh
	@mkdir -p objs
	sh sql/to_c.sh news_schema_sql $< > $@

objs/news_add_post.h: sql/admin/add_post.sql sql/to_c.sh
	@mkdir -p objs
	sh sql/to_c.sh news_add_post_sql $< > $@

objs/news_readership.h: sql/readership.sql sql/to_c.sh
	@mkdir -p objs
	sh sql/to_c.sh news_readership_sql $< > $@

objs/news_search_sql.h: sql/search.sql sql/to_c.sh
	@mkdir -p objs
	sh sql/to_c.sh news_search_sql $< > $@

# sql/migrations/ as C, for newsctl migrate
objs/news_migrations.h: newsctl/gen_migrations.sh sql/to_c.sh \
                        $(wildcard sql/migrations/*.sql)
	@mkdir -p objs
	sh newsctl/gen_migrations.sh sql/migrations $@

objs/newsctl: $(NEWSCTL_SRCS) $(COMMON_DEPS) objs/news_schema.h \
              objs/news_readership.h objs/news_migrations.h \
              objs/news_add_post.h objs/news_pg_schema.h
	$(CC) $(CFLAGS) $(WARN) -Iobjs -Icommon -Inewsctl $(PQ_CFLAGS) -o $@ \
	    newsctl/*.c $(COMMON_SRCS) $(FTS5_SRCS) -lsqlite3 -lcrypto -lpq

objs/news_pg_schema.h: sql/postgresql/schema.sql sql/to_c.sh
	@mkdir -p objs
	sh sql/to_c.sh news_pg_schema_sql $< > $@

# C unit tests: TAP programs that prove runs through t/unit_*.t
UNIT_SRCS    = $(wildcard t/unit/*.c)
UNIT_BINS    = $(patsubst t/unit/%.c,objs/unit/%,$(UNIT_SRCS))

# what a unit test links beyond the pure code: UNIT_LIBS_<test>
UNIT_LIBS_search = $(FTS5_SRCS) -lsqlite3

objs/unit/%: t/unit/%.c t/unit/tap.h $(COMMON_DEPS)
	@mkdir -p objs/unit
	$(CC) $(CFLAGS) $(WARN) -Iobjs -Icommon -o $@ $< $(COMMON_SRCS) \
	    $(UNIT_LIBS_$*)

unit: $(UNIT_BINS)

# the suite, then the suite again under ASan and UBSan, then each fuzz
# target for a bounded time (mk/hardening.mk)
test: deps
	$(MAKE) all unit
	prove -r t
	$(MAKE) test-asan
	$(MAKE) fuzz FUZZ_SECONDS=20
	$(MAKE) test-package

# the demo's port on 127.0.0.1: make demo PORT=8081
PORT        ?= 8080

demo: deps
	$(MAKE) all
	PORT=$(PORT) conf/demo.sh

clean:
	rm -rf objs

# sanitizer and fuzzing targets (test-asan, fuzz) live in mk/
-include mk/*.mk

.PHONY: all deps unit test demo clean
