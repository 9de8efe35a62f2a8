#!/usr/bin/perl

# newsctl merge-readership: the readership files of two nodes, built with
# the sqlite3 shell from sql/readership.sql as nginx would write them,
# folded into one; merging again, or a newer copy, never counts twice; the
# files it must not touch are refused by name.  No nginx runs here.

use strict;
use warnings;

use Test::More;
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
my $SCHEMA = $t->read_file($t->repo . '/sql/readership.sql');
my $APP_ID = 1314150990;

###############################################################################

# rows as "a|b" lines without the last newline; dies on an error
sub sql {
    my ($db, $text) = @_;
    my ($rc, $out, $err) = $t->run_cmd($text, $SQLITE3, '-bail', $db);
    die "sqlite3 $db failed ($rc): $err\nSQL: $text\n"
        if $rc || $err =~ /\S/;
    $out =~ s/\n\z//;
    return $out;
}

sub merge { return $t->run_cmd(undef, $NEWSCTL, 'merge-readership', @_) }

# a node's file: the schema, then its rows [day, code, region, kind, bot,
# count] and lost counts [day, count]; in WAL mode, as nginx keeps it
sub node_db {
    my ($name, $node, $rows, $lost) = @_;
    my $db = "$dir/$name";
    my $text = $SCHEMA . "PRAGMA journal_mode = WAL;\n";
    for my $r (@$rows) {
        $text .= "INSERT INTO readership VALUES ('$node', '$r->[0]',"
            . " '$r->[1]', '$r->[2]', '$r->[3]', $r->[4], $r->[5]);\n";
    }
    for my $l (@{ $lost || [] }) {
        $text .= "INSERT INTO readership_lost VALUES ('$node', '$l->[0]',"
            . " $l->[1]);\n";
    }
    sql($db, $text);
    return $db;
}

# a view as { key columns => "views|bot_views" }
sub view {
    my ($db, $query) = @_;
    my %h;
    for my $line (split /\n/, sql($db, $query)) {
        my @f = split /\|/, $line, -1;
        my @counts = splice(@f, -2);
        $h{ join('|', @f) } = join('|', @counts);
    }
    return \%h;
}

# two views added key by key, as the merged file must show them
sub added {
    my ($x, $y) = @_;
    my %sum;
    for my $h ($x, $y) {
        for my $k (keys %$h) {
            my @x = split /\|/, $h->{$k};
            my @s = split /\|/, defined $sum{$k} ? $sum{$k} : '0|0';
            $sum{$k} = ($x[0] + $s[0]) . '|' . ($x[1] + $s[1]);
        }
    }
    return \%sum;
}

my $REGION = 'SELECT region, views, bot_views FROM region_views';
my $ARTICLE = 'SELECT info_code, region, views, bot_views'
    . ' FROM article_region_views';
my $ROWS = 'SELECT node, day, info_code, region, kind, bot, count'
    . ' FROM readership ORDER BY 1, 2, 3, 4, 5, 6';
my $LOST = 'SELECT node, day, count FROM readership_lost ORDER BY 1, 2';

###############################################################################

# two nodes that saw the same articles, days and regions

my $node_a = node_db('a.db', 'a', [
    [ '2024-03-01', 'NW100000000001', 'CN-22', 'view', 0, 10 ],
    [ '2024-03-01', 'NW100000000001', 'CN-22', 'view', 1, 3 ],
    [ '2024-03-01', 'NW100000000002', 'JP', 'view', 0, 7 ],
    [ '2024-03-02', 'NW100000000001', 'CN-22', 'view', 0, 5 ],
    [ '2024-03-02', 'NW100000000001', 'ZZ', 'share', 0, 2 ],
], [ [ '2024-03-01', 3 ] ]);

my $node_b = node_db('b.db', 'b', [
    [ '2024-03-01', 'NW100000000001', 'CN-22', 'view', 0, 20 ],
    [ '2024-03-01', 'NW100000000002', 'CN-11', 'view', 0, 4 ],
    [ '2024-03-02', 'NW100000000002', 'JP', 'view', 1, 6 ],
    [ '2024-03-02', 'NW100000000001', 'CN-22', 'share', 0, 1 ],
], [ [ '2024-03-01', 2 ] ]);

my $all = "$dir/all.db";

# the views of the merged file, the sums of the nodes' views
sub sums_ok {
    my ($name) = @_;
    for my $q ([ region_views => $REGION ],
        [ article_region_views => $ARTICLE ])
    {
        is_deeply(view($all, $q->[1]),
            added(view($node_a, $q->[1]), view($node_b, $q->[1])),
            "$name: $q->[0] the sum of both nodes");
    }
}
my $a_bytes = $t->read_file($node_a);

{
    my ($rc, $out, $err) = merge('--into', $all, $node_a, $node_b);
    is($rc, 0, 'merge into a new file: exit 0') or diag($err);
    is($out, "merged 2 files: 11 rows\n", 'merge: files and rows counted');
    is(sql($all, 'PRAGMA application_id'), $APP_ID,
        'the new file: a readership database');
    is(sql($all, 'PRAGMA user_version'), 1, 'the new file: version 1');

    sums_ok('merge');
    is(sql($all, $ROWS), join("\n", grep { length } sql($node_a, $ROWS),
        sql($node_b, $ROWS)), 'every row of both nodes, as it was');
    is(sql($all, $LOST), "a|2024-03-01|3\nb|2024-03-01|2",
        'readership_lost of both nodes');
    is($t->read_file($node_a), $a_bytes, 'a node file is only read');
}

# again: nothing changes

{
    my $before = sql($all, $ROWS) . sql($all, $LOST);
    my ($rc, $out, $err) = merge('--into', $all, $node_a, $node_b, $node_a);
    is($rc, 0, 'merge again: exit 0') or diag($err);
    is(sql($all, $ROWS) . sql($all, $LOST), $before,
        'merge again, one file twice: unchanged');
}

# node a counted on: its new totals replace its old ones

{
    sql($node_a, "UPDATE readership SET count = 15 WHERE day = '2024-03-01'"
        . " AND info_code = 'NW100000000001' AND bot = 0;"
        . " INSERT INTO readership VALUES ('a', '2024-03-03',"
        . " 'NW100000000003', 'US-CA', 'view', 0, 1);"
        . " UPDATE readership_lost SET count = 4;");

    my ($rc, $out, $err) = merge('--into', $all, $node_a);
    is($rc, 0, 'merge a newer node a: exit 0') or diag($err);
    sums_ok('newer node a');
    is(view($all, $REGION)->{'CN-22'}, '40|3',
        'newer node a: CN-22 is 15 + 5 + 20 views, not counted twice');
    is(sql($all, $LOST), "a|2024-03-01|4\nb|2024-03-01|2",
        'newer node a: its lost count replaced');

    # a copy of the same file, under another name, merges the same
    my $copy = $t->write_file("$dir/a-copy.db", $t->read_file($node_a));
    my $before = sql($all, $ROWS);
    ($rc, $out, $err) = merge("--into=$all", $copy);
    is($rc, 0, 'a copy of node a, --into=FILE: exit 0') or diag($err);
    is(sql($all, $ROWS), $before, 'a copy of node a: unchanged');
}

# rows of other nodes, and a path that is no plain URI

{
    my $c = node_db('node c?x=1#%20.db', 'c',
        [ [ '2024-03-01', 'NW100000000001', 'CN-22', 'view', 0, 100 ] ]);
    my ($rc, $out, $err) = merge('--into', $all, $c);
    is($rc, 0, 'a file named with " ?#%": exit 0') or diag($err);
    is($out, "merged 1 files: 1 rows\n", 'node c: one row');
    is(sql($all, 'SELECT group_concat(DISTINCT node) FROM'
        . ' (SELECT node FROM readership ORDER BY node)'), 'a,b,c',
        'the rows of the nodes not merged this time are kept');
    is(view($all, $REGION)->{'CN-22'}, '140|3', 'node c added to CN-22');
}

# what merge-readership refuses

{
    my $before = sql($all, $ROWS);

    my ($rc, $out, $err) = merge('--into', $all, $all);
    is($rc, 1, 'FILE into itself: exit 1');
    like($err, qr/^\Q$all\E: .*itself/m, 'FILE into itself: says so');

    symlink($all, "$dir/link.db") or die "symlink: $!\n";
    ($rc, $out, $err) = merge('--into', $all, "$dir/link.db", $node_b);
    is($rc, 1, 'FILE by another name: exit 1');
    like($err, qr/^\Q$dir\E\/link\.db: .*itself/m,
        'FILE by another name: names it');
    is($out, "merged 1 files: 5 rows, 1 failed\n",
        'FILE by another name: the other file merged');

    my $missing = "$dir/missing.db";
    ($rc, $out, $err) = merge('--into', $all, $missing);
    is($rc, 1, 'missing node file: exit 1');
    like($err, qr/^\Q$missing\E: .*No such file/m, 'missing node file: named');
    ok(!-e $missing, 'missing node file: not created');

    my $other = "$dir/other.db";
    sql($other, "PRAGMA application_id = 42; CREATE TABLE readership (x);");
    ($rc, $out, $err) = merge('--into', $all, $other);
    is($rc, 1, 'node file of another application: exit 1');
    like($err, qr/^\Q$other\E: application_id is 42, not $APP_ID/m,
        'node file of another application: names it and its id');

    my $empty = $t->write_file("$dir/empty-node.db", '');
    ($rc, $out, $err) = merge('--into', $all, $empty);
    is($rc, 1, 'empty node file: exit 1');
    like($err, qr/^\Q$empty\E: application_id is 0\b/m,
        'empty node file: not a readership database');

    my $junk = $t->write_file("$dir/junk.db", "not a database\n" x 100);
    ($rc, $out, $err) = merge('--into', $all, $junk);
    is($rc, 1, 'junk node file: exit 1');
    like($err, qr/^\Q$junk\E: .*not a database/m, 'junk node file: named');

    my $v2 = node_db('v2.db', 'v', []);
    sql($v2, 'PRAGMA user_version = 2');
    ($rc, $out, $err) = merge('--into', $all, $v2);
    is($rc, 1, 'node file of schema version 2: exit 1');
    like($err, qr/^\Q$v2\E: .*user_version\) is 2/m,
        'node file of schema version 2: says so');

    is(sql($all, $ROWS), $before, 'FILE unchanged by the refusals');

    ($rc, $out, $err) = merge('--into', $other, $node_b);
    is($rc, 1, 'FILE of another application: exit 1');
    like($err, qr/^\Q$other\E: application_id is 42, not $APP_ID/m,
        'FILE of another application: names it and its id');
    is(sql($other, 'SELECT count(*) FROM sqlite_master'), 1,
        'FILE of another application: untouched');

    my $plain = "$dir/plain.db";
    sql($plain, 'CREATE TABLE mine (x)');
    ($rc, $out, $err) = merge('--into', $plain, $node_b);
    is($rc, 1, 'FILE with tables but no application_id: exit 1');
    like($err, qr/^\Q$plain\E: application_id is 0\b/m,
        'FILE with tables but no application_id: says so');

    ($rc, $out, $err) = merge('--into', $junk, $node_b);
    is($rc, 1, 'FILE not a database: exit 1');
    is($t->read_file($junk), "not a database\n" x 100,
        'FILE not a database: kept');

    my $nodir = "$dir/nodir/all.db";
    ($rc, $out, $err) = merge('--into', $nodir, $node_b);
    is($rc, 1, 'FILE in a missing directory: exit 1');
    like($err, qr/^\Q$nodir\E: /m, 'FILE in a missing directory: named');
}

# an empty FILE becomes a readership database

{
    my $new = $t->write_file("$dir/new.db", '');
    my ($rc, $out, $err) = merge('--into', $new, $node_b);
    is($rc, 0, 'empty FILE: exit 0') or diag($err);
    is(sql($new, $ROWS), sql($node_b, $ROWS), 'empty FILE: node b merged');
}

# a failure inside one node's transaction takes all of that node with it

{
    my $into = "$dir/rollback.db";
    merge('--into', $into, $node_a);
    sql($into, "CREATE TRIGGER refuse BEFORE INSERT ON readership_lost"
        . " WHEN NEW.node = 'b'"
        . " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
    my $before = sql($into, $ROWS);

    my ($rc, $out, $err) = merge('--into', $into, $node_b, $node_a);
    is($rc, 1, 'failed transaction: exit 1');
    like($err,
        qr/^\Q$node_b\E: cannot merge into \Q$into\E: refused by the test/m,
        'failed transaction: names the file and the reason');
    is(sql($into, $ROWS), $before, 'failed transaction: no row of node b');
    like($out, qr/^merged 1 files: \d+ rows, 1 failed$/,
        'failed transaction: the other file merged');
}

# usage

{
    my ($rc, $out, $err) = merge('--into', $all);
    is($rc, 2, 'no node files: exit 2');
    like($err, qr/usage: newsctl merge-readership --into FILE NODE_DB/,
        'no node files: the usage');

    ($rc, $out, $err) = merge($node_a);
    is($rc, 2, 'no --into: exit 2');
    like($err, qr/--into FILE is required/, 'no --into: says so');

    ($rc, $out, $err) = merge('--db', $all, $node_a);
    is($rc, 2, '--db is not its option: exit 2');

    ($rc, $out, $err) = merge('--help');
    is($rc, 0, '--help: exit 0');
    like($out, qr/^usage: newsctl merge-readership/, '--help: its usage');

    ($rc, $out, $err) = $t->run_cmd(undef, $NEWSCTL, '--help');
    like($out, qr/^  merge-readership --into FILE NODE_DB\.\.\.$/m,
        'newsctl --help lists it');
}

done_testing();
