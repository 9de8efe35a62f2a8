#!/usr/bin/perl

# The readership zone keeps most keys in a table of 24 bytes a key (issue
# 14): a 256k zone holds 4,000 keys (40 articles from 100 regions), where
# nodes of 128 bytes held fewer than 2,000, and loses none of them; each
# counted once, under its own article, region, kind and day.  A zone that
# fills flushes at once, not at its flush time.  A code the table cannot
# pack (more than 19 digits) is counted in the zone's tree as before.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsMMDB;
use NewsReadership;
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
$t->skip_unless_built;
plan(skip_all => NewsMMDB::why_not()) unless NewsMMDB::available();

my $p = $t->prefix;
$t->db_init;
my @codes = $t->add_posts(map { { title => "post $_" } } 1 .. 39);
push @codes, $t->add_posts({ title => 'a long code',
    info_code => 'NW' . ('1' x 24) });
my @paths = map { $t->article_path($_) } @codes;

# 100 regions, one address each: CN-00 to CN-99
my %net;
for my $i (0 .. 99) {
    $net{"198.51.100.$i/32"} = { country => 'CN',
                                 subdivision => sprintf('%02d', $i) };
}
NewsMMDB::write("$p/regions.mmdb", \%net);

$t->write_conf($t->conf_server('', http => <<"EOF"));
    news_geoip_db $p/regions.mmdb;
    news_readership zone=r:256k db=%%PREFIX%%/rs.db flush=60s;
    news_timezone UTC;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
EOF

# GETs of every article from one address, pipelined; their statuses
sub burst {
    my ($addr) = @_;
    my $req = '';
    for my $i (0 .. $#paths) {
        $req .= "GET $paths[$i] HTTP/1.1\r\nHost: localhost\r\n"
            . "X-Forwarded-For: $addr\r\n"
            . ($i == $#paths ? "Connection: close\r\n" : '') . "\r\n";
    }
    my $r = $t->raw($req);
    return $r->{raw} =~ m{^HTTP/1\.1 (\d{3})}mg;
}

my $n = @paths * 100;

# the file as the first worker makes it at its start, its tables in: a
# lock taken before would leave it empty
sub made {
    my ($rs) = @_;
    my $until = time + 5;
    while (time < $until) {
        return 1 if defined(($rs->try_sql('SELECT 1 FROM readership'))[0]);
        sleep 0.05;
    }
    return 0;
}

# 4,000 keys in a 256k zone, none flushed meanwhile
{
    my $rs = NewsReadership->new($t, "$p/rs.db");
    $t->run;
    ok(made($rs), 'the readership file made by nginx');
    my $lock = $rs->lock('BEGIN EXCLUSIVE');
    ok($lock, 'the file held locked: no flush meanwhile');

    my @st;
    push @st, burst("198.51.100.$_") for 0 .. 99;
    is(scalar(grep { $_ == 200 } @st), $n, "$n pages 200");

    $rs->release($lock) if $lock;
    $t->stop;

    is($rs->lost, 0, "$n keys in a 256k zone: none lost");
    is($rs->total, $n, 'every view counted');
    is($rs->value('SELECT count(*) FROM readership'), $n,
        'each article and region a row of its own');
    is($rs->value('SELECT count(*) FROM readership WHERE count != 1'), 0,
        'each counted once');
    is($rs->value("SELECT count(DISTINCT region) FROM readership"), 100,
        'every region');
    is($rs->value("SELECT count(*) FROM readership WHERE info_code = 'NW"
        . ('1' x 24) . "'"), 100, 'the long code, from the tree, too');
}

# a zone that fills flushes at once: rows in the file long before the
# flush time of 60s
{
    $t->write_conf($t->conf_server('', http => <<"EOF"));
    news_geoip_db $p/regions.mmdb;
    news_readership zone=r:64k db=%%PREFIX%%/early.db flush=60s;
    news_timezone UTC;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
EOF
    my $rs = NewsReadership->new($t, "$p/early.db");
    $t->run;

    burst("198.51.100.$_") for 0 .. 29;

    my $rows = 0;
    my $until = time + 10;
    while (time < $until) {
        $rows = $rs->value('SELECT count(*) FROM readership') // 0;
        last if $rows > 0;
        sleep 0.1;
    }
    ok($rows > 0, "a filling zone flushed early ($rows rows written)");

    $t->stop;
    is($rs->total, @paths * 30, 'and every view counted at the end');
}

done_testing;
