#!/usr/bin/perl

# newsctl ship-readership: two nodes' readership files (one written by
# nginx itself) shipped to a throwaway PostgreSQL; the central views equal
# the merge of the node files; a shipper stopped between PostgreSQL's
# commit and its own mark, then run again, counts nothing twice; two
# shippers at once; an old copy of a file shipped again; PostgreSQL down
# for a while, the counts meanwhile waiting in the outbox; the shipping
# rate of 100,000 rows printed.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsPg;
use NewsReadership;
use File::Copy qw(copy);
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
$t->skip_unless_built;

my $pg = NewsPg->new($t);
plan(skip_all => NewsPg::why_not()) unless $pg;
END { $pg->stop if $pg }

my $p = $t->prefix;
my $url = $pg->url;

sub newsctl { return $t->run_cmd(undef, $t->newsctl, @_) }

sub ship {
    my ($db, %env) = @_;
    local @ENV{keys %env} = values %env;
    my ($rc, $out, $err) = newsctl('ship-readership', '--db', $db,
                                   '--to', $url);
    return ($rc, $out . $err);
}

# SQL on a node's file
sub on {
    my ($db, $sql) = @_;
    my $keep = $t->db;
    $t->db($db);
    my $out = $t->sql($sql);
    $t->db($keep);
    chomp $out;
    return $out;
}

# counts added as nginx adds them
sub add {
    my ($db, $node, @rows) = @_;
    on($db, join '', map {
        my ($day, $code, $region, $kind, $bot, $n) = @$_;
        "INSERT INTO readership (node, day, info_code, region, kind, bot, "
        . "count) VALUES ('$node', '$day', '$code', '$region', '$kind', "
        . "$bot, $n) ON CONFLICT (node, day, info_code, region, kind, bot) "
        . "DO UPDATE SET count = count + excluded.count;"
    } @rows);
}

# the same query on PostgreSQL and on the merge of the node files
my $VIEWS = join ' UNION ALL ',
    "SELECT 'rv', region, '', views, bot_views FROM region_views",
    "SELECT 'arv', info_code, region, views, bot_views "
        . 'FROM article_region_views',
    "SELECT 'drv', day, region, views, bot_views FROM daily_region_views",
    "SELECT 'ars', info_code, region, clicks, bot_clicks "
        . 'FROM article_region_shares',
    "SELECT 'lost', node, day, count, 0 FROM readership_lost";

sub central { return $pg->psql("SELECT * FROM ($VIEWS) v ORDER BY 1, 2, 3") }

sub merged {
    my (@dbs) = @_;
    my $all = "$p/all.db";
    unlink $all;
    my ($rc, $out, $err) = newsctl('merge-readership', '--into', $all, @dbs);
    die "merge-readership: $err\n" if $rc;
    return on($all, "SELECT * FROM ($VIEWS) v ORDER BY 1, 2, 3;");
}

###############################################################################

# node a: a file nginx writes, from real requests
$t->db_init;
my ($code) = $t->add_posts({ title => 'read everywhere' });
my $article = $t->article_path($code);
my $a_db = "$p/a.db";
my $rs = NewsReadership->new($t, $a_db);
$t->write_conf($t->conf_server('', http => <<"EOF"));
    news_readership zone=readers:1m db=$a_db flush=100ms;
    news_node node-a;
EOF
$t->run;
$t->get($article) for 1 .. 5;
$t->get("/html_News/NewsShare.html?infoCode=$code") for 1 .. 2;
my $deadline = time + 5;
sleep 0.1 while time < $deadline
    && (on($a_db, 'SELECT coalesce(sum(count), 0) FROM readership;') || 0)
       < 7;
is(on($a_db, 'SELECT sum(count) FROM readership;'), 7,
    'node a: nginx counted 7 requests');

# node b: a file of the same schema, counts added as nginx adds them
my $b_db = "$p/b.db";
my $SCHEMA = $t->read_file($t->repo . '/sql/readership.sql');
on($b_db, $SCHEMA);
add($b_db, 'node-b', ['2026-11-30', $code, 'CN-22', 'view', 0, 40],
    ['2026-11-30', $code, 'CN-22', 'view', 1, 4],
    ['2026-12-01', 'NW00000000000000000002', 'JP', 'share', 0, 3]);
on($b_db, "INSERT INTO readership_lost (node, day, count) "
    . "VALUES ('node-b', '2026-12-01', 2);");

# the first shipments
my ($rc, $out) = ship($a_db);
is($rc, 0, 'node a shipped') or diag($out);
like($out, qr/shipped 1 shipments/, 'node a: one shipment');
($rc, $out) = ship($b_db);
is($rc, 0, 'node b shipped') or diag($out);
is($pg->psql('SELECT sum(count) FROM readership'), 7 + 40 + 4 + 3,
    'PostgreSQL has every count of both nodes');
is($pg->psql("SELECT views || ' ' || bot_views FROM region_views "
    . "WHERE region = 'CN-22'"), '40 4', 'its region_views');
is(central(), merged($a_db, $b_db),
    'PostgreSQL\'s views are those of the merged node files');
is($pg->psql('SELECT count(*) FROM readership_ledger'), 2,
    'the ledger has a shipment of each node');

# nothing new: nothing shipped
($rc, $out) = ship($b_db);
like($out, qr/shipped 0 shipments, 0 rows; 0 were there/,
    'nothing new, nothing shipped');

# more counts from nginx on node a, and from node b
$t->get($article) for 1 .. 3;
$deadline = time + 5;
sleep 0.1 while time < $deadline
    && on($a_db, 'SELECT sum(count) FROM readership;') < 10;
add($b_db, 'node-b', ['2026-12-01', $code, 'CN-22', 'view', 0, 6]);

# stopped between PostgreSQL's commit and the local mark, then again
($rc, $out) = ship($b_db, NEWSCTL_TEST_STOP_AFTER_COMMIT => 1);
is($rc, 3, 'the shipper stopped after its commit');
is(on($b_db, 'SELECT count(*) FROM readership_shipment '
    . 'WHERE shipped IS NULL;'), 1, 'the shipment is not marked shipped');
($rc, $out) = ship($b_db);
is($rc, 0, 'shipped again') or diag($out);
like($out, qr/1 were there already/, 'the ledger had it');
($rc, $out) = ship($a_db);
is(central(), merged($a_db, $b_db),
    'after the retry: still the merge of the node files, nothing twice');

# an old copy of a file shipped again: its shipments are in the ledger
my $old = "$p/b-old.db";
copy($b_db, $old) or die "copy: $!\n";
add($b_db, 'node-b', ['2026-12-01', $code, 'CN-22', 'view', 0, 1]);
($rc, $out) = ship($b_db);
is($rc, 0, 'node b shipped') or diag($out);
on($old, "UPDATE readership_shipment SET shipped = NULL;");
($rc, $out) = ship($old);
is($rc, 0, 'an old copy shipped') or diag($out);
like($out, qr/shipped 0 shipments, 0 rows; \d+ were there already/,
    'an old copy: every shipment already there');
is(central(), merged($a_db, $b_db), 'an old copy: nothing counted twice');

# two shippers at once
add($b_db, 'node-b', map { ['2026-12-01', sprintf('NW%020d', $_), 'GB-ENG',
    'view', 0, $_] } 1 .. 2000);
my @pids;
for (1 .. 2) {
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        my ($rc) = ship($b_db);
        POSIX::_exit($rc);
    }
    push @pids, $pid;
}
my @rcs = map { waitpid($_, 0); $? >> 8 } @pids;
ok((grep { $_ == 0 } @rcs) >= 1, 'two shippers at once: one at least done')
    or diag("exit statuses @rcs");
($rc, $out) = ship($b_db);
is($rc, 0, 'and once more');
is(central(), merged($a_db, $b_db), 'two shippers: nothing counted twice');

# PostgreSQL down: the counts wait
$pg->stop;
add($b_db, 'node-b', ['2026-12-01', $code, 'US-WA', 'view', 0, 9]);
$t->get($article) for 1 .. 2;
$deadline = time + 5;
sleep 0.1 while time < $deadline
    && on($a_db, 'SELECT sum(count) FROM readership;') < 12;
($rc, $out) = ship($b_db);
isnt($rc, 0, 'PostgreSQL down: the shipper fails');
like($out, qr/cannot connect to PostgreSQL/, 'and says so');
ok($pg->start, 'PostgreSQL back');
($rc, $out) = ship($b_db);
is($rc, 0, 'node b shipped once it is back') or diag($out);
($rc, $out) = ship($a_db);
is($rc, 0, 'node a too') or diag($out);
is(central(), merged($a_db, $b_db), 'PostgreSQL down a while: nothing lost');

# the rate: 100,000 rows in one shipment
my $big = "$p/big.db";
on($big, $SCHEMA);
ship($big);
on($big, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
    . "WHERE i < 100000) INSERT INTO readership (node, day, info_code, "
    . "region, kind, bot, count) SELECT 'node-c', '2026-12-01', "
    . "printf('NW%020d', i), 'CN-11', 'view', 0, i FROM n;");
my $t0 = time;
($rc, $out) = ship($big);
my $took = time - $t0;
is($rc, 0, '100,000 rows shipped') or diag($out);
diag(sprintf 'shipping 100,000 rows: %.2f s, %.0f rows a second',
    $took, 100000 / $took);
is($pg->psql("SELECT sum(count) FROM readership WHERE node = 'node-c'"),
    100000 * 100001 / 2, 'and all of them counted');

$t->stop;
$pg->stop;
$t->end_checks;

done_testing();
