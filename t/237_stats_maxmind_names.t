#!/usr/bin/perl

# Region names from MaxMind's own test City DB (../shared/testdata, when
# it is there): its metadata lists "zh" while its names maps say "zh-CN",
# and some regions have no Chinese name, so the page falls back to English.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsReadership;

my $t = NewsTest->new;
$t->skip_unless_built;

my $MMDB = $t->repo . '/../shared/testdata/maxmind/GeoIP2-City-Test.mmdb';
plan(skip_all => "no $MMDB") unless -r $MMDB;

my $p = $t->prefix;
$t->db_init;
my $A = $t->add_posts({ title => 'post' });

$t->write_conf($t->conf_server(<<'EOF', http => <<"EOF2"));
        location = /stats { news_stats; }
        location = /en/stats { news_language en; news_stats; }
EOF
    news_geoip_db $MMDB;
    news_readership zone=readers:1m db=%%PREFIX%%/readership.db flush=200ms;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
EOF2
$t->run;

my @ips = qw(175.16.199.1 81.2.69.142 216.160.83.56 2001:218::1 67.43.156.1);
$t->get($t->article_path($A), 'X-Forwarded-For' => $_) for @ips;
my $rs = NewsReadership->new($t, "$p/readership.db");
ok($rs->wait_total(scalar @ips), 'the views are flushed');

my $html = $t->get('/stats?format=html')->{body};
for my $want ('吉林 <small>CN-22</small>', '华盛顿州 <small>US-WA</small>',
    '日本 <small>JP</small>', '不丹 <small>BT</small>',
    'England <small>GB-ENG</small>')
{
    like($html, qr/<td>\Q$want\E<\/td>/, "zh-CN: $want");
}

$html = $t->get('/en/stats?format=html')->{body};
like($html, qr{<td>Jilin Sheng <small>CN-22</small></td>}, 'en: Jilin');
like($html, qr{<td>Bhutan <small>BT</small></td>}, 'en: Bhutan');

done_testing;
