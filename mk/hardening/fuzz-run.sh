#!/bin/bash

# make fuzz and make fuzz-regress: replays each target's inputs, then
# fuzzes it for a while.
#
#   fuzz-run.sh BINDIR SECONDS TARGET...
#
# Replay: every file of fuzz/corpus/T and fuzz/regress/T (and, for post,
# sample/posts, for template, conf/templates) runs once through BINDIR/T.
# Then, unless SECONDS is 0, libFuzzer mutates from those seeds for
# SECONDS seconds, keeping what it finds in BINDIR/corpus/T, not in the
# repository.  A crash, a timeout,
# a leak or an out-of-memory fails the target; its input is copied to
# fuzz/regress/T/, where every later run replays it.  Every target runs
# even after one failed; the exit code says whether any did.

set -u

bindir=$1
seconds=$2
shift 2

# libFuzzer checks for leaks after each input that allocates
export ASAN_OPTIONS=detect_leaks=1${FUZZ_ASAN_OPTIONS:+:$FUZZ_ASAN_OPTIONS}
export UBSAN_OPTIONS=${FUZZ_UBSAN_OPTIONS:-print_stacktrace=1}

failed=""

# the failing part of a libFuzzer log: the input, the error, its stack
report() {
    awk '/^Running: / { input = $0 }
         !shown && /check failed|ERROR|runtime error|ALARM|out-of-memory/ {
             shown = 1; if (input != "") print input }
         shown && n++ < 50' "$1"
}

for t in "$@"; do

    # inputs longer than a real one add time, not coverage
    case $t in
    post)      max_len=16384 ;;    # the seed post is 13 kB
    template)  max_len=4096 ;;     # conf/templates are 1 kB
    search_text) max_len=4096 ;;   # a post's body, a few paragraphs
    *)         max_len=1024 ;;     # a URI or a query string
    esac

    seeds="fuzz/corpus/$t"
    [ "$t" = post ] && [ -d sample/posts ] && seeds="$seeds sample/posts"
    [ "$t" = template ] && seeds="$seeds conf/templates"

    log=$bindir/$t.log
    crashes=$bindir/crashes/$t
    mkdir -p "$bindir/corpus/$t" "$crashes" "fuzz/regress/$t"

    # replay: libFuzzer runs files given by name once each
    mapfile -t inputs < <(find $seeds "fuzz/regress/$t" -type f \
                               ! -name '.*' | sort)
    if [ ${#inputs[@]} -gt 0 ]; then
        if ! "$bindir/$t" -timeout=10 -rss_limit_mb=2048 \
                "${inputs[@]}" >"$log" 2>&1
        then
            echo "fuzz $t: replay FAILED, log in $log:"
            report "$log"
            failed="$failed $t"
            continue
        fi
        echo "fuzz $t: ${#inputs[@]} inputs replayed"
    fi

    [ "$seconds" = 0 ] && continue

    rm -f "$crashes"/*
    if "$bindir/$t" -max_total_time="$seconds" -max_len=$max_len \
            -timeout=10 -rss_limit_mb=2048 -dict="fuzz/$t.dict" \
            -artifact_prefix="$crashes/" -print_final_stats=1 \
            "$bindir/corpus/$t" $seeds >"$log" 2>&1
    then
        echo "fuzz $t: $(grep -m1 'stat::number_of_executed_units' "$log" \
            | awk '{print $2}') runs in ${seconds}s, $(grep -o \
            'cov: [0-9]*' "$log" | tail -1), no crash"
        continue
    fi

    failed="$failed $t"
    echo "fuzz $t: FAILED, log in $log:"
    report "$log"
    for f in "$crashes"/*; do
        [ -f "$f" ] || continue
        cp "$f" "fuzz/regress/$t/"
        echo "fuzz $t: input saved as fuzz/regress/$t/$(basename "$f")"
    done
done

if [ -n "$failed" ]; then
    echo "fuzz: FAILED:$failed"
    exit 1
fi
