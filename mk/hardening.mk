# Hardening: the test suite under sanitizers, and fuzzers for the parsers
# that read outside input.  Included by the root Makefile, whose variables
# (NGX_SRC, NGINX, WARN, MODULE_SRCS, NEWSCTL_SRCS, UNIT_SRCS, UNIT_LIBS_*)
# it uses.
#
#   make test-asan     module, newsctl and the C unit tests built with
#                      AddressSanitizer and UndefinedBehaviorSanitizer in
#                      objs/asan/, then prove -r t against them; fails on
#                      any report of ours in objs/asan/logs/
#   make fuzz          libFuzzer targets in objs/fuzz/: replay corpus and
#                      regression inputs, then fuzz each target for
#                      FUZZ_SECONDS (default 30); a crash fails and its
#                      input is saved in fuzz/regress/<target>/
#   make fuzz-regress  replay fuzz/corpus and fuzz/regress only (fast)
#
# Both build with clang: GCC 12's UBSan runtime, beside its ASan runtime,
# ignores log_path and writes to stderr, which nginx has redirected to an
# error log that the test removes; clang's one runtime reports both kinds
# to the same files.

HARDEN_PKGS  = clang-14 libclang-rt-14-dev llvm-14
SAN_CC       = clang-14
SAN_FLAGS    = -g -O1 -fno-omit-frame-pointer \
               -fsanitize=address,undefined -fno-sanitize-recover=undefined
# the module defines its own ngx_modules, which nginx exports too: without
# ODR indicators ASan registers nginx's array with the module's size and
# then reports nginx's own memcpy of it on reload
ASAN_CC_OPT  = $(SAN_FLAGS) -fPIC -fsanitize-address-use-odr-indicator
SAN_LD_OPT   = -fsanitize=address,undefined
SYMBOLIZER   = /usr/lib/llvm-14/bin/llvm-symbolizer

# installs only what is missing, as deps does
hardening-deps: deps
	@$(call deb_install,$(HARDEN_PKGS))


###############################################################################
# test-asan

ASAN_DIR     = objs/asan
ASAN_LOGS    = $(CURDIR)/$(ASAN_DIR)/logs
ASAN_UNITS   = $(patsubst t/unit/%.c,$(ASAN_DIR)/unit/%,$(UNIT_SRCS))
ASAN_BUILD   = $(ASAN_DIR)/ngx_http_news_module.so $(ASAN_DIR)/newsctl \
               $(ASAN_UNITS) $(ASAN_DIR)/nodlclose.so \
               $(ASAN_DIR)/canary $(ASAN_DIR)/canary.so
PROVE_JOBS  ?= 2

# Debian's nginx is not instrumented: the runtime must come first in its
# library list, and so is preloaded (into nginx alone: NewsTest.pm)
ASAN_RT      = $(shell $(SAN_CC) -print-file-name=libclang_rt.asan-x86_64.so)
ASAN_PRELOAD = $(ASAN_RT):$(CURDIR)/$(ASAN_DIR)/nodlclose.so

# Reports go to files, asan.PID, whatever the process did with its stderr.
# exitcode=0: a leak found at exit leaves the exit code alone, or every
# "nginx -t" would fail (nginx never frees the cycle it tests); errors
# still stop the process, with abort_on_error, and every report is judged
# by mk/hardening/asan-report.pl after the run.  fast_unwind_on_malloc=0:
# the frame-pointer unwinder stops in nginx, built without frame pointers,
# so a leak's stack would never reach the module that called nginx.
#
# LeakSanitizer, and what it can and cannot say about "no leaks across
# reloads": the master destroys the old cycle on every reload, running the
# module's pool cleanups, so a handle (sqlite3, MMDB_s) or ngx_alloc()
# memory of ours that the cleanups miss is unreachable once the tests stop
# nginx and is reported with the stack that allocated it; in workers, the
# same holds for request-time malloc (readership batches) whose pointer is
# lost.  Nginx's own exit-time leaks carry no frame of ours and are
# counted, not failed.  LeakSanitizer cannot see memory that stays
# reachable while it grows (a list that only ever gets longer, a cache
# without a bound), nor leaks on paths the tests do not take.
ASAN_OPTS    = log_path=$(ASAN_LOGS)/asan:detect_leaks=1:exitcode=0:$\
               abort_on_error=1:fast_unwind_on_malloc=0:$\
               malloc_context_size=64:detect_stack_use_after_return=1:$\
               external_symbolizer_path=$(SYMBOLIZER)
UBSAN_OPTS   = log_path=$(ASAN_LOGS)/asan:print_stacktrace=1:$\
               halt_on_error=1:abort_on_error=1
LSAN_OPTS    = suppressions=$(CURDIR)/mk/hardening/lsan.supp:$\
               print_suppressions=0
ASAN_ENV     = ASAN_OPTIONS=$(ASAN_OPTS) UBSAN_OPTIONS=$(UBSAN_OPTS) \
               LSAN_OPTIONS=$(LSAN_OPTS)

# configured like objs/nginx, with the sanitizers and clang
$(ASAN_DIR)/nginx/objs/Makefile: config sql/readership.sql sql/schema.sql \
                                 sql/to_c.sh sql/gen_defs.sh mk/hardening.mk \
                                 $(wildcard conf/templates/*.html) \
                                 conf/templates/news.css
	rm -rf $(ASAN_DIR)/nginx
	mkdir -p $(ASAN_DIR)
	cp -r $(NGX_SRC) $(ASAN_DIR)/nginx
	cd $(ASAN_DIR)/nginx && . ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" --with-cc=$(SAN_CC) \
	        --with-cc-opt="$(ASAN_CC_OPT)" --with-ld-opt="$(SAN_LD_OPT)" \
	        --add-dynamic-module=$(CURDIR) >configure.log 2>&1 \
	    || { tail -20 configure.log; exit 1; }

$(ASAN_DIR)/ngx_http_news_module.so: $(ASAN_DIR)/nginx/objs/Makefile \
                                     $(MODULE_SRCS)
	$(MAKE) -C $(ASAN_DIR)/nginx -f objs/Makefile modules
	cp $(ASAN_DIR)/nginx/objs/ngx_http_news_module.so $@.tmp
	mv $@.tmp $@

$(ASAN_DIR)/newsctl: $(NEWSCTL_SRCS) $(COMMON_DEPS) objs/news_schema.h \
                     objs/news_add_post.h \
                     objs/news_readership.h objs/news_migrations.h \
                     objs/news_pg_schema.h mk/hardening.mk
	@mkdir -p $(ASAN_DIR)
	$(SAN_CC) $(SAN_FLAGS) $(WARN) -Iobjs -Icommon -Inewsctl $(PQ_CFLAGS) \
	    -o $@ newsctl/*.c $(COMMON_SRCS) $(FTS5_SRCS) -lsqlite3 -lcrypto \
	    -lpq

$(ASAN_DIR)/unit/%: t/unit/%.c t/unit/tap.h $(COMMON_DEPS) mk/hardening.mk
	@mkdir -p $(ASAN_DIR)/unit
	$(SAN_CC) $(SAN_FLAGS) $(WARN) -Iobjs -Icommon -o $@ $< $(COMMON_SRCS) \
	    $(UNIT_LIBS_$*)

$(ASAN_DIR)/nodlclose.so: mk/hardening/nodlclose.c
	@mkdir -p $(ASAN_DIR)
	$(SAN_CC) -O2 -fPIC -shared -o $@ $<

$(ASAN_DIR)/canary: mk/hardening/canary.c
	@mkdir -p $(ASAN_DIR)
	$(SAN_CC) -O1 -DCANARY_MAIN=1 -o $@ $< -ldl

$(ASAN_DIR)/canary.so: mk/hardening/canary.c mk/hardening.mk
	@mkdir -p $(ASAN_DIR)
	$(SAN_CC) $(SAN_FLAGS) -fPIC -shared -o $@ $<

asan-build: $(ASAN_BUILD)

# 1. the canary: each kind of report reaches the logs, in nginx's setting;
# 2. the whole suite against the instrumented module and newsctl;
# 3. the C unit tests, instrumented;
# 4. the verdict on every report written meanwhile.
test-asan: hardening-deps
	$(MAKE) all unit asan-build
	rm -rf $(ASAN_LOGS) && mkdir -p $(ASAN_LOGS)
	@for m in ubsan asan leak; do \
	    ( $(ASAN_ENV) LD_PRELOAD=$(ASAN_PRELOAD) $(ASAN_DIR)/canary \
	        $(CURDIR)/$(ASAN_DIR)/canary.so $$m; true ) >/dev/null 2>&1; \
	done; \
	perl mk/hardening/asan-report.pl --canary $(CURDIR) $(ASAN_LOGS)
	rm -rf $(ASAN_LOGS) && mkdir -p $(ASAN_LOGS)
	@rc=0; \
	export $(ASAN_ENV) TEST_NEWS_PRELOAD=$(ASAN_PRELOAD); \
	TEST_NEWS_MODULE=$(CURDIR)/$(ASAN_DIR)/ngx_http_news_module.so \
	TEST_NEWS_NEWSCTL=$(CURDIR)/$(ASAN_DIR)/newsctl \
	    prove -j$(PROVE_JOBS) -r t || rc=1; \
	prove --exec '' $(ASAN_UNITS) || rc=1; \
	perl mk/hardening/asan-report.pl $(CURDIR) $(ASAN_LOGS) || rc=1; \
	exit $$rc

.PHONY: hardening-deps asan-build test-asan


###############################################################################
# fuzz

FUZZ_DIR      = objs/fuzz
FUZZ_TARGETS  = post template uri args tag search search_text
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS   = -g -O1 -fno-omit-frame-pointer \
                -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined $(WARN)
FUZZ_BINS     = $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))
$(FUZZ_BINS): $(FUZZ_DIR)/%: fuzz/%.c fuzz/fuzz.h $(COMMON_DEPS)
	@mkdir -p $(FUZZ_DIR)
	$(SAN_CC) $(FUZZ_CFLAGS) -Iobjs -Icommon -o $@ $< $(COMMON_SRCS)

fuzz-build: $(FUZZ_BINS)

FUZZ_ENV      = FUZZ_ASAN_OPTIONS=external_symbolizer_path=$(SYMBOLIZER)

# replay, then FUZZ_SECONDS of fuzzing a target; mk/hardening/fuzz-run.sh
fuzz: hardening-deps
	$(MAKE) fuzz-build
	@$(FUZZ_ENV) bash mk/hardening/fuzz-run.sh $(FUZZ_DIR) \
	    $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# replay only: seconds, for CI
fuzz-regress: hardening-deps
	$(MAKE) fuzz-build
	@$(FUZZ_ENV) bash mk/hardening/fuzz-run.sh $(FUZZ_DIR) 0 \
	    $(FUZZ_TARGETS)

.PHONY: fuzz-build fuzz fuzz-regress
