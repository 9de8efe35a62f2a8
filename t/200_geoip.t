#!/usr/bin/perl

# Regions from a MaxMind DB (news_geoip_db): $news_country, $news_region and
# $news_info_code in an access log, for the address realip found in
# X-Forwarded-For: IPv4 with a subdivision, IPv6, IPv4-mapped IPv6 (unmapped
# before the lookup), addresses not in the database, a Country database,
# no database at all; nginx -t refusing a missing or bad file; MaxMind's
# own test database when ../shared has it.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsMMDB;
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
$t->skip_unless_built;
plan(skip_all => NewsMMDB::why_not()) unless NewsMMDB::available();

my $SHARED = $ENV{NEWS_SHARED} // $t->repo . '/../shared';
my $MAXMIND = "$SHARED/testdata/maxmind";

$t->db_init;
my ($code, $other) = $t->add_posts({ title => 'geo' }, { title => 'other' });
my $article = $t->article_path($code);
my $share = "/html_News/NewsShare.html?infoCode=$code";
my $p = $t->prefix;

NewsMMDB::write("$p/city.mmdb", {
    '81.2.69.142/32' => { country => 'GB', subdivision => 'ENG' },
    '175.16.199.0/24' => { country => 'CN', subdivision => '22' },
    '216.160.83.56/32' => { country => 'US', subdivision => 'WA' },
    # the largest subdivision first, as GeoIP2 has them
    '89.160.20.112/28' => { country => 'SE', subdivision => ['E', 'X1'] },
    '67.43.156.0/24' => { country => 'BT' },
    '2001:218::/32' => { country => 'JP' },
    '2a02:c7f:0:1::/64' => { country => 'GB', subdivision => 'SCT' },
    # a record without a country: nothing to file a region under
    '198.51.100.0/24' => { data => { city => { names => { en => 'x' } } } },
});

# no IPv4 aliases: ::ffff:81.2.69.142 is found only when unmapped first
NewsMMDB::write("$p/noalias.mmdb", {
    '81.2.69.142/32' => { country => 'GB', subdivision => 'ENG' },
    '2001:218::/32' => { country => 'JP' },
}, alias => 0);

NewsMMDB::write("$p/country.mmdb", {
    '81.2.69.0/24' => { country => 'GB' },
    '2001:218::/32' => { country => 'JP' },
}, type => 'GeoIP2-Country');

# each request carries a tag the log line starts with
my $LOG = "$p/geo.log";
my $seq = 0;

sub conf {
    my ($mmdb) = @_;
    my $db = defined $mmdb ? "news_geoip_db $mmdb;" : '';
    return $t->conf_server(<<'EOF', http => <<"EOF2",
        location = /soff { news_share; news_share_redirect off; }
EOF
    $db
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    log_format geo
        '\$http_x_tag|\$news_country|\$news_region|\$news_info_code|\$status';
EOF2
        server => "access_log $LOG geo;");
}

sub start {
    my ($mmdb) = @_;
    $t->stop;
    $t->write_conf(conf($mmdb));
    $t->run;
}

# "country|region|info_code|status" of one request from $addr (none: from
# 127.0.0.1 itself); an empty info code may be logged as "-"
sub probe {
    my ($uri, $addr, %h) = @_;
    my $tag = ++$seq;
    $h{'X-Tag'} = $tag;
    $h{'X-Forwarded-For'} = $addr if defined $addr;
    $t->get($uri, %h);

    # the log line is written as the request ends, by then or a moment later
    my $deadline = time + 2;
    while (1) {
        for my $line (split /\n/, $t->read_file($LOG)) {
            my ($tg, @f) = split /\|/, $line, -1;
            next unless $tg eq $tag;
            $f[2] = '' if $f[2] eq '-';
            return join '|', @f;
        }
        return "no log line for request $tag" if time > $deadline;
        sleep 0.02;
    }
}

###############################################################################

# a City database

start("$p/city.mmdb");

is(probe($article, '81.2.69.142'), "GB|GB-ENG|$code|200",
    'city: IPv4 with a subdivision');
is(probe($article, '175.16.199.1'), "CN|CN-22|$code|200",
    'city: numeric subdivision');
is(probe($article, '175.16.199.254'), "CN|CN-22|$code|200",
    'city: another address of the network');
is(probe($article, '216.160.83.56'), "US|US-WA|$code|200", 'city: US-WA');
is(probe($article, '89.160.20.113'), "SE|SE-E|$code|200",
    'city: the first subdivision of two');
is(probe($article, '67.43.156.7'), "BT|BT|$code|200",
    'city: no subdivision, the country alone');
is(probe($article, '2001:218::1'), "JP|JP|$code|200", 'city: IPv6');
is(probe($article, '2001:218:ffff:1::abcd'), "JP|JP|$code|200",
    'city: IPv6, another address of the network');
is(probe($article, '2a02:c7f:0:1::5'), "GB|GB-SCT|$code|200",
    'city: IPv6 with a subdivision');
is(probe($article, '::ffff:81.2.69.142'), "GB|GB-ENG|$code|200",
    'city: IPv4-mapped IPv6');
is(probe($article, '1.1.1.1'), "ZZ|ZZ|$code|200", 'city: IPv4 not found');
is(probe($article, '81.2.69.143'), "ZZ|ZZ|$code|200",
    'city: the next address not found');
is(probe($article, '2001:db8::1'), "ZZ|ZZ|$code|200", 'city: IPv6 not found');
is(probe($article, '198.51.100.7'), "ZZ|ZZ|$code|200",
    'city: a record without a country');
is(probe($article), "ZZ|ZZ|$code|200", 'city: 127.0.0.1 itself');

# what the request is about, whatever the page

is(probe($share, '81.2.69.142'), "GB|GB-ENG|$code|302",
    'share redirect: the share link\'s code');
is(probe("/soff?infoCode=$other", '2001:218::1'), "JP|JP|$other|200",
    'share rendered: its code');
is(probe('/', '81.2.69.142'), 'GB|GB-ENG||200', 'index: no info code');
is(probe('/category/xinhuawang.html', '2001:218::1'), 'JP|JP||200',
    'category: no info code');
my $gone = $article =~ s/\Q$code\E/NW20220304999999/r;
like(probe($gone, '81.2.69.142'), qr/^GB\|GB-ENG\|(?:NW20220304999999)?\|404$/,
    'unknown article: 404, still located');

###############################################################################

# without IPv4 aliases in the database: the mapped form must be unmapped

start("$p/noalias.mmdb");

is(probe($article, '81.2.69.142'), "GB|GB-ENG|$code|200",
    'no alias: IPv4 in the IPv6 tree');
is(probe($article, '::ffff:81.2.69.142'), "GB|GB-ENG|$code|200",
    'no alias: IPv4-mapped IPv6 unmapped first');
is(probe($article, '::ffff:1.1.1.1'), "ZZ|ZZ|$code|200",
    'no alias: mapped address not found');
is(probe($article, '2001:218::1'), "JP|JP|$code|200", 'no alias: IPv6');

# a Country database: the country is the region

start("$p/country.mmdb");

is(probe($article, '81.2.69.142'), "GB|GB|$code|200", 'country db: IPv4');
is(probe($article, '81.2.69.1'), "GB|GB|$code|200",
    'country db: the network');
is(probe($article, '2001:218::1'), "JP|JP|$code|200", 'country db: IPv6');
is(probe($article, '1.1.1.1'), "ZZ|ZZ|$code|200", 'country db: not found');

# no news_geoip_db: everything is ZZ, the info code is still known

start(undef);

is(probe($article, '81.2.69.142'), "ZZ|ZZ|$code|200", 'no db: ZZ');
is(probe($share, '2001:218::1'), "ZZ|ZZ|$code|302", 'no db: share ZZ');

$t->stop;

###############################################################################

# nginx -t refuses what is not a MaxMind DB, naming it

$t->write_file('text.mmdb', "not a MaxMind database\n");
$t->write_file('empty.mmdb', '');
{
    # a real database cut short: its metadata is at the end
    my $db = $t->read_file('city.mmdb');
    $t->write_file('cut.mmdb', substr($db, 0, int(length($db) / 2)));
}
mkdir "$p/dir.mmdb" or die "mkdir: $!\n";

my @refused = qw(missing.mmdb text.mmdb empty.mmdb cut.mmdb dir.mmdb);

# root reads any file: an unreadable one can only be tried by others
if ($> != 0) {
    $t->write_file('unreadable.mmdb', $t->read_file('city.mmdb'));
    chmod 0000, "$p/unreadable.mmdb" or die "chmod: $!\n";
    push @refused, 'unreadable.mmdb';
}

for my $f (@refused) {
    $t->write_conf(conf("$p/$f"));
    my ($rc, $out) = $t->test_conf;
    isnt($rc, 0, "nginx -t: $f refused");
    like($out, qr/\Q$p\/$f\E/, "nginx -t: $f named");
}

$t->write_conf(conf("$p/city.mmdb"));
my ($rc, $out) = $t->test_conf;
is($rc, 0, 'nginx -t: a good database accepted') or diag($out);

###############################################################################

# MaxMind's test databases

SKIP: {
    skip "no $MAXMIND", 15 unless -r "$MAXMIND/GeoIP2-City-Test.mmdb";

    start("$MAXMIND/GeoIP2-City-Test.mmdb");

    my %rows = (
        '2.125.160.216' => 'GB|GB-ENG',
        '81.2.69.142' => 'GB|GB-ENG',
        '::ffff:81.2.69.142' => 'GB|GB-ENG',
        '89.160.20.112' => 'SE|SE-E',
        '175.16.199.1' => 'CN|CN-22',
        '216.160.83.56' => 'US|US-WA',
        '2001:218::1' => 'JP|JP',
        '67.43.156.1' => 'BT|BT',
        '1.1.1.1' => 'ZZ|ZZ',
        '2001:db8::1' => 'ZZ|ZZ',
    );
    for my $addr (sort keys %rows) {
        is(probe($article, $addr), "$rows{$addr}|$code|200",
            "GeoIP2-City-Test: $addr");
    }

    start("$MAXMIND/GeoIP2-Country-Test.mmdb");

    is(probe($article, '2.125.160.216'), "GB|GB|$code|200",
        'GeoIP2-Country-Test: GB');
    is(probe($article, '89.160.20.112'), "SE|SE|$code|200",
        'GeoIP2-Country-Test: SE, no subdivision');
    is(probe($article, '2001:218::1'), "JP|JP|$code|200",
        'GeoIP2-Country-Test: IPv6');

    $t->stop;
}

done_testing;
