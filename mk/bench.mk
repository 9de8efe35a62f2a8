# make bench: the benchmark, bench/run.pl (how it measures and how to read
# it: bench/README.md).  It is never part of "make test": it takes minutes
# and wants the machine to itself.
#
#   make bench                      all sizes, 3 rounds
#   make bench SIZES=1000 ROUNDS=1  a quick look
#   make bench PROFILE=1            also perf profiles of the module
#   make bench-clean                drops the data sets (about 12 GB)

BENCH_PKGS   = wrk libnginx-mod-http-lua lua-dbi-sqlite3 \
               php8.2-fpm php8.2-sqlite3 linux-perf

# installs only what is missing, as "make deps" does
bench-deps:
	@$(call deb_install,$(BENCH_PKGS))

bench: deps
	$(MAKE) all bench-deps
	perl bench/run.pl

bench-clean:
	rm -rf objs/bench

.PHONY: bench bench-deps bench-clean
