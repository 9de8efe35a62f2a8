# make bench: the benchmark, bench/run.pl (how it measures and how to read
# it: bench/README.md).  It is never part of "make test": it takes minutes
# and wants the machine to itself.
#
#   make bench                      all sizes, 3 rounds
#   make bench SIZES=1000 ROUNDS=1  a quick look
#   make bench PROFILE=1            also perf profiles of the module
#   make bench-clean                drops the data sets and the site
#                                   scenario's static trees (12 + 26 GB)
#   make bench-ir                   instructions per request (callgrind),
#                                   bench/ir.pl: deterministic, a few minutes
#   make bench-site                 the traffic of a real site at 1M posts
#                                   against static files, bench/site.pl
#   make bench-site SITE_SIZE=100000 DURATION=20s   a shorter look

BENCH_PKGS   = wrk libnginx-mod-http-lua lua-dbi-sqlite3 \
               php8.2-fpm php8.2-sqlite3 linux-perf

# installs only what is missing, as "make deps" does
bench-deps:
	@$(call deb_install,$(BENCH_PKGS))

bench: deps
	$(MAKE) all bench-deps
	perl bench/run.pl
	$(MAKE) bench-site

# the site scenario: SITE_SIZE posts (the data set is run.pl's), DURATION
# a run (60s), and the rest of bench/site.pl's variables from the
# environment or the command line (bench/README.md)
SITE_SIZE   ?= 1000000

bench-site: deps
	$(MAKE) all
	@$(call deb_install,wrk)
	SITE_SIZE=$(SITE_SIZE) perl bench/site.pl

bench-clean:
	rm -rf objs/bench

# the floor peer of bench-ir, bench/peers/floor/: a dynamic module built
# against the same configure tree as ours, in a tree of its own
FLOOR_SO     = objs/floor/nginx/objs/ngx_http_news_floor_module.so

$(FLOOR_SO): bench/peers/floor/config \
             bench/peers/floor/ngx_http_news_floor_module.c
	rm -rf objs/floor
	mkdir -p objs/floor
	cp -r $(NGX_SRC) objs/floor/nginx
	cd objs/floor/nginx && . ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="$(NGX_CC_OPT)" \
	        --add-dynamic-module=$(CURDIR)/bench/peers/floor \
	        >configure.log 2>&1 \
	    || { tail -20 configure.log; exit 1; }
	$(MAKE) -C objs/floor/nginx -f objs/Makefile modules

bench-ir: deps
	$(MAKE) all
	@$(call deb_install,valgrind)
	$(MAKE) $(FLOOR_SO)
	FLOOR=$(FLOOR_SO) perl bench/ir.pl

.PHONY: bench bench-deps bench-clean bench-ir bench-site
