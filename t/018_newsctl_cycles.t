#!/usr/bin/perl

# Category cycles of any length.  The schema's triggers refuse a move or a
# replacing insert that would make a category its own ancestor however
# far up it is (3,000 levels here), on a fresh file and on one migrated
# from version 1; and newsctl check finds cycles that got in anyway (the
# triggers dropped) in time linear in the rows: a 10,000-level chain and
# a 3,000-level cycle each in well under a second.  No nginx runs here.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time);
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
my $NEWSCTL = $t->newsctl;
my $SQLITE3 = $NewsTest::SQLITE3;

plan(skip_all => "$NEWSCTL not built (make objs/newsctl)")
    unless -x $NEWSCTL;
plan(skip_all => "no $SQLITE3 command")
    unless system("$SQLITE3 -version >/dev/null 2>&1") == 0;

my $dir = $t->prefix;

###############################################################################

sub sql {
    my ($db, $text) = @_;
    $t->db($db);
    return $t->sql_value($text);
}

# (exit code, stdout, stderr) of sqlite3 on db, errors not fatal
sub try_sql {
    my ($db, $text) = @_;
    return $t->run_cmd($text, $SQLITE3, '-bail', $db);
}

sub fresh {
    my ($name) = @_;
    my $db = "$dir/$name";
    my ($rc, $out, $err) = $t->run_cmd(undef, $NEWSCTL, 'init', '--db', $db);
    die "newsctl init: $err" if $rc;
    return $db;
}

# categories 1..n, each the child of the one before: c1 at the top
sub chain {
    my ($n) = @_;
    return "INSERT INTO categories (id, slug, name, parent_id)"
        . " WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
        . " WHERE i < $n)"
        . " SELECT i, 'c' || i, 'C' || i, CASE i WHEN 1 THEN NULL"
        . " ELSE i - 1 END FROM n;";
}

# newsctl check with a bound on its time, so that a slow one fails, not
# hangs: (exit code, stdout, seconds)
sub timed_check {
    my ($db) = @_;
    my $t0 = time;
    my ($rc, $out, $err) = $t->run_cmd(undef, 'timeout', '20', $NEWSCTL,
        'check', '--db', $db);
    return ($rc, $out . $err, time - $t0);
}

###############################################################################

# the triggers, on a fresh file and on one migrated from version 1

my $v1 = "$dir/migrated.db";
sql($v1, $t->read_file($t->repo . '/t/data/schema-v1.sql'));
{
    my ($rc, $out, $err) = $t->run_cmd(undef, $NEWSCTL, 'migrate', '--db',
        $v1);
    is($rc, 0, 'a version 1 file migrated') or diag($err);
}

for my $db (fresh('fresh.db'), $v1) {
    (my $name = $db) =~ s{.*/}{};
    sql($db, chain(3000));
    is(sql($db, 'SELECT count(*) FROM categories'), 3000,
        "$name: a 3,000-level chain");

    my ($rc, $out, $err) = try_sql($db,
        'UPDATE categories SET parent_id = 3000 WHERE id = 1;');
    isnt($rc, 0, "$name: the top moved under the bottom: refused");
    like($err, qr/a category cannot be its own ancestor/,
        "$name: refused, saying why");
    is(sql($db, 'SELECT parent_id IS NULL FROM categories WHERE id = 1'), 1,
        "$name: the top stays at the top");

    ($rc, $out, $err) = try_sql($db,
        'UPDATE categories SET parent_id = 2999 WHERE id = 5;');
    isnt($rc, 0, "$name: a cycle from the middle: refused");

    ($rc, $out, $err) = try_sql($db, 'INSERT OR REPLACE INTO categories'
        . " (id, slug, name, parent_id) VALUES (1, 'c1', 'C1', 3000);");
    isnt($rc, 0, "$name: a replacing insert that closes a cycle: refused");
    like($err, qr/a category cannot be its own ancestor/,
        "$name: the insert refused, saying why");

    ($rc, $out, $err) = try_sql($db, 'INSERT INTO categories'
        . " (id, slug, name, parent_id) VALUES (1, 'c1', 'C1', 3000)"
        . ' ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id;');
    isnt($rc, 0, "$name: an upsert that closes a cycle: refused");

    # legal moves still work, deep ones included
    sql($db, 'UPDATE categories SET parent_id = 1 WHERE id = 2000;');
    is(sql($db, 'SELECT parent_id FROM categories WHERE id = 2000'), 1,
        "$name: a deep category moved to the top one");
    sql($db, "INSERT OR REPLACE INTO categories (id, slug, name, parent_id)"
        . " VALUES (3000, 'c3000', 'Renamed', 10);");
    is(sql($db, 'SELECT name FROM categories WHERE id = 3000'), 'Renamed',
        "$name: a replacing insert without a cycle");
    sql($db, "INSERT INTO categories (slug, name, parent_id)"
        . " VALUES ('leaf', 'Leaf', 3000);");
    is(sql($db, "SELECT parent_id FROM categories WHERE slug = 'leaf'"),
        3000, "$name: a new category under a deep one");

    my ($crc, $cout, $secs) = timed_check($db);
    is($crc, 0, "$name: newsctl check: no problems") or diag($cout);
}

# newsctl check stays linear

{
    my $db = fresh('chain.db');
    sql($db, chain(10000));
    my ($rc, $out, $secs) = timed_check($db);
    is($rc, 0, 'a 10,000-level chain: no problems') or diag($out);
    ok($secs < 1, 'a 10,000-level chain: checked in well under a second')
        or diag(sprintf '%.2fs', $secs);
    diag(sprintf '10,000-level chain checked in %.3fs', $secs)
        if $ENV{TEST_NEWS_TIMES};
}

{
    # made past the triggers: dropped, as an admin might
    my $db = fresh('cycle.db');
    sql($db, chain(3000) . "\nDROP TRIGGER categories_no_cycle_update;\n"
        . "UPDATE categories SET parent_id = 3000 WHERE id = 1;");
    my ($rc, $out, $secs) = timed_check($db);
    is($rc, 1, 'a 3,000-level cycle: exit 1');
    ok($secs < 1, 'a 3,000-level cycle: checked in well under a second')
        or diag(sprintf '%.2fs', $secs);
    diag(sprintf '3,000-level cycle checked in %.3fs', $secs)
        if $ENV{TEST_NEWS_TIMES};
    my @lines = grep { /category cycle/ } split /\n/, $out;
    is(scalar @lines, 11, 'a 3,000-level cycle: ten lines and the count');
    my $first = "$db: category cycle: category 1 (c1) is its own ancestor,"
        . " 3000 levels up: 'c1' -> 'c3000' -> 'c2999' -> ";
    like($lines[0] // '',
        qr/^\Q$first\E(?:'c\d+' -> ){7}\.\.\. 2990 more -> 'c1'$/,
        'a 3,000-level cycle: the first line names it, shortened')
        or diag($lines[0]);
    is($lines[-1] // '', "$db: category cycle: and 2990 more (3000 in all)",
        'a 3,000-level cycle: every category on it counted');
    like($out, qr/: 3001 problems found$/m,
        'a 3,000-level cycle: and the dropped trigger, in all');

    # categories below a cycle are not on it
    sql($db, "INSERT INTO categories (id, slug, name, parent_id)"
        . " VALUES (5000, 'below', 'Below', 1500);");
    ($rc, $out) = timed_check($db);
    like($out, qr/: 3001 problems found$/m,
        'a category hanging from a cycle is not on it');
}

{
    # two cycles and a tree, the cycles short enough to show whole
    my $db = fresh('two.db');
    sql($db, "DROP TRIGGER categories_no_cycle_update;\n" . chain(6)
        . "\nUPDATE categories SET parent_id = 3 WHERE id = 2;"
        . "\nUPDATE categories SET parent_id = 6 WHERE id = 5;"
        . "\nINSERT INTO categories (id, slug, name) VALUES (7, 'top', 'T');");
    my ($rc, $out) = timed_check($db);
    my @lines = map { s/^\Q$db\E: category cycle: //r }
        grep { /category cycle/ } split /\n/, $out;
    is_deeply(\@lines, [
        "category 2 (c2) is its own ancestor: 'c2' -> 'c3' -> 'c2'",
        "category 3 (c3) is its own ancestor: 'c3' -> 'c2' -> 'c3'",
        "category 5 (c5) is its own ancestor: 'c5' -> 'c6' -> 'c5'",
        "category 6 (c6) is its own ancestor: 'c6' -> 'c5' -> 'c6'" ],
        'two cycles: each category on them, its cycle whole')
        or diag($out);
}

done_testing();
