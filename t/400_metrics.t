#!/usr/bin/perl

# news_metrics: the Prometheus text format (each sample after its HELP and
# TYPE, numbers only), requests by page kind and status, what the render
# cache did, GeoIP lookups by result, views by country, readership flushed
# (a histogram whose +Inf bucket is its count), a replaced file counted as
# a reopen, counters that go on across a reload; GET and HEAD only.

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

my $p = $t->prefix;

$t->db_init;
my ($code, $other) = $t->add_posts(
    { title => 'metered', categories => 'finance' },
    { title => 'other', categories => 'finance' });
my $article = $t->article_path($code);

NewsMMDB::write("$p/city.mmdb", {
    '81.2.69.142/32' => { country => 'GB', subdivision => 'ENG' },
    '175.16.199.0/24' => { country => 'CN', subdivision => '22' },
});

$t->write_conf($t->conf_server(<<'EOF', http => <<'EOF2'));
        location = /metrics { news_metrics; }
EOF
    news_geoip_db %%PREFIX%%/city.mmdb;
    news_readership zone=readers:1m db=%%PREFIX%%/readership.db flush=100ms;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
EOF2
$t->run;

# the samples, name{labels} => value; dies on a line of no known shape
sub scrape {
    my $r = $t->get('/metrics');
    die "metrics: status $r->{status}\n" unless $r->{status} == 200;
    my (%v, %typed, @bad);
    for my $line (split /\n/, $r->{body}) {
        if ($line =~ /^# (HELP|TYPE) ([a-z_]+) (.+)$/) {
            $typed{$2}{$1} = $3;
            next;
        }
        my $label = qr/[a-z_]+="[^"\\\n]*"/;
        if ($line =~ /^([a-z_]+)(\{$label(?:,$label)*\})? (\d+(?:\.\d+)?)$/)
        {
            my ($name, $labels, $value) = ($1, $2 // '', $3);
            my $family = $name;
            $family =~ s/_(?:bucket|sum|count)$// unless $typed{$name};
            push @bad, "$line (no HELP and TYPE before it)"
                unless $typed{$family}{HELP} && $typed{$family}{TYPE};
            $v{"$name$labels"} = $value;
            next;
        }
        push @bad, $line;
    }
    return (\%v, \@bad, $r);
}

my ($v0, $bad0, $r0) = scrape();
like($r0->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4},
    'the Prometheus text format');
is($r0->{headers}{'cache-control'}, 'no-store', 'never cached');
is_deeply($bad0, [], 'every line a HELP, a TYPE or a sample');
ok(($v0->{news_db_opens_total} // 0) >= 1, 'the database was opened');

# three views from Great Britain, one from China, a bot's view, a 404, a
# share redirect, a category page
$t->get($article, 'X-Forwarded-For' => '81.2.69.142') for 1 .. 3;
$t->get($article, 'X-Forwarded-For' => '175.16.199.9');
$t->get($article, 'X-Forwarded-For' => '192.0.2.1',
    'User-Agent' => 'Mozilla/5.0 (compatible; Googlebot/2.1)');
is($t->get('/finance/2022/03/04/NW999999999999999999.html')->{status}, 404,
    'setup: a 404');
is($t->get("/html_News/NewsShare.html?infoCode=$code")->{status}, 302,
    'setup: a share redirect');
is($t->get('/category/finance.html')->{status}, 200, 'setup: a category');

# the readership flush, 100 ms after the first count
my $deadline = time + 5;
my ($v, $bad);
while (1) {
    ($v, $bad) = scrape();
    last if ($v->{news_readership_flushed_rows_total} // 0) > 0
        || time > $deadline;
    sleep 0.1;
}
is_deeply($bad, [], 'still every line of a known shape');

is($v->{'news_requests_total{kind="article",status="200"}'}, 5,
    'five article pages answered 200');
is($v->{'news_requests_total{kind="article",status="404"}'}, 1,
    'one 404');
is($v->{'news_requests_total{kind="share",status="302"}'}, 1,
    'one share redirect');
is($v->{'news_requests_total{kind="category",status="200"}'}, 1,
    'one category page');
ok(!exists $v->{'news_requests_total{kind="metrics",status="200"}'},
    'the metrics location is not counted as a page');

is($v->{'news_cache_requests_total{status="HIT"}'}, 4,
    'the article four times from the cache');
ok($v->{'news_cache_requests_total{status="MISS"}'} >= 3,
    'the article, the share link and the category rendered');
ok($v->{news_cache_pages} >= 3, 'pages kept');
ok($v->{news_cache_bytes} > 1000, 'their bytes');

is($v->{'news_geoip_lookups_total{result="found"}'}, 4,
    'four readers found in the GeoIP database');
ok($v->{'news_geoip_lookups_total{result="not_found"}'} >= 1,
    'the bot\'s address not found');

is($v->{'news_views_total{country="GB",bot="0"}'}, 3, 'three views from GB');
is($v->{'news_views_total{country="CN",bot="0"}'}, 1, 'one from CN');
is($v->{'news_views_total{country="ZZ",bot="1"}'}, 1,
    'a bot\'s view from nowhere known');

ok($v->{news_readership_flushed_rows_total} >= 3,
    'readership rows flushed');
is($v->{news_readership_lost_total}, 0, 'none lost');
ok($v->{news_readership_flush_seconds_count} >= 1, 'flushes timed');
is($v->{'news_readership_flush_seconds_bucket{le="+Inf"}'},
    $v->{news_readership_flush_seconds_count},
    'the +Inf bucket is the count');
ok($v->{'news_readership_flush_seconds_bucket{le="10.000"}'}
    <= $v->{news_readership_flush_seconds_count}, 'buckets are cumulative');
is($v->{news_db_faults_total}, 0, 'no database faults');

# a replaced file: a reopen
my $copy = "$p/news.db.new";
$t->sql(".backup '$copy'");
rename $copy, $t->db or die "rename: $!\n";
sleep 1.1;
$t->get($article);
($v) = scrape();
is($v->{news_db_reopens_total}, 1, 'a replaced file: one reopen');

# the counters go on across a reload
ok($t->reload, 'reloaded');
($v) = scrape();
is($v->{'news_requests_total{kind="article",status="200"}'}, 6,
    'after a reload, the counters go on');

is($t->request('POST', '/metrics', -body => 'x')->{status}, 405,
    'POST: 405');
is($t->head('/metrics')->{status}, 200, 'HEAD: 200');

$t->stop;
$t->end_checks;

done_testing();
