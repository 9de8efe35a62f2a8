#!/bin/sh
# gen_migrations.sh DIR OUT: the migrations in DIR (sql/migrations) as the
# C header OUT, for "newsctl migrate", which carries them wherever it runs:
#
#   static const newsctl_migration_t  news_migrations[] =
#       { { 2, "002_redirects", "..." }, ..., { 0, NULL, NULL } };
#
# File NNN_name.sql takes a database from version NNN-1 to NNN and sets
# PRAGMA user_version = NNN itself; version 1 is the first schema, so the
# files are 002, 003, ... without a gap.  newsctl runs each in its own
# transaction: a file must not begin, commit or roll back one.  A file
# that breaks these rules fails the build, and OUT is left as it was.

set -eu

dir=$1
out=$2
to_c=$(dirname "$0")/../sql/to_c.sh
tmp=$out.tmp.$$

fail() {
    echo "gen_migrations.sh: $*" >&2
    rm -f "$tmp"
    exit 1
}

trap 'rm -f "$tmp"' EXIT

# a statement of its own, not the BEGIN of a trigger's body
sp='[[:space:]]'
txn="^$sp*(BEGIN($sp+(DEFERRED|IMMEDIATE|EXCLUSIVE))?($sp+TRANSACTION)?"
txn="$txn|COMMIT|END$sp+TRANSACTION|ROLLBACK)$sp*;"

expect=2
entries=

{
    echo "/* generated from $dir/ by newsctl/gen_migrations.sh: do not edit */"
    echo

    for f in "$dir"/*.sql; do
        [ -e "$f" ] || fail "no migrations in $dir"

        name=$(basename "$f" .sql)

        # a C string and a C identifier as they are, no quoting needed
        echo "$name" | grep -Eq '^[0-9]{3}_[a-z0-9_]+$' \
            || fail "$f: not named NNN_name.sql (lower case, digits, _)"

        version=$(echo "${name%%_*}" | sed 's/^0*//')
        version=${version:-0}

        [ "$version" -eq "$expect" ] \
            || fail "$f: version $version where $expect is next"

        grep -Eq "^PRAGMA user_version = $version;" "$f" \
            || fail "$f: does not set PRAGMA user_version = $version;"

        if grep -Eiq "$txn" "$f"; then
            fail "$f: has its own BEGIN, COMMIT or ROLLBACK;" \
                 "newsctl runs each migration in a transaction of its own"
        fi

        sh "$to_c" "news_migration_$version" "$f"
        echo

        entries="$entries    { $version, \"$name\", news_migration_$version },
"
        expect=$((version + 1))
    done

    echo "#define NEWS_MIGRATIONS_LAST  $((expect - 1))"
    echo
    echo "static const newsctl_migration_t  news_migrations[] = {"
    printf '%s' "$entries"
    echo "    { 0, NULL, NULL }"
    echo "};"
} > "$tmp"

mv "$tmp" "$out"
trap - EXIT
