#!/usr/bin/perl

# The stats page is a template like the others ("news_template stats"),
# its JSON made by SQLite's JSON functions, and a configuration that only
# serves stats needs no page templates: only its own and the error page.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsReadership;
use JSON::PP;

my $t = NewsTest->new;
$t->skip_unless_built;

my $p = $t->prefix;
my $dir = $t->repo . '/conf/templates';

# a stats template of the site's own
(my $tpl = $t->read_file("$dir/stats.html"))
    =~ s{<body>}{<body><p id="site">our own stats page</p>};
$t->write_file('stats.html', $tpl);

# no news_db, no article, category or index template anywhere
$t->write_conf(<<"EOF");
    news_readership zone=readers:1m db=%%PREFIX%%/readership.db flush=200ms;
    news_template error $dir/error.html;

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;

        location = /stats {
            news_template stats %%PREFIX%%/stats.html;
            news_stats;
        }
        location = /plain {
            news_template stats $dir/stats.html;
            news_stats;
        }
    }
EOF

my ($rc, $out) = $t->test_conf;
is($rc, 0, 'a stats-only configuration passes nginx -t')
    or diag($out);
$t->run;

# the readership file is made by the first flush; rows of our own then
my $rs = NewsReadership->new($t, "$p/readership.db");
for (1 .. 50) {
    my (undef, $err) = $rs->try_sql('SELECT 1 FROM readership;');
    last unless defined $err;
    select undef, undef, undef, 0.1;
}
ok($rs->present, 'the readership file is there');
$rs->sql(q{INSERT INTO readership VALUES
    ('n1', '2020-01-01', 'NW20200101000001', 'GB-ENG', 'view', 0, 5),
    ('n1', '2020-01-01', 'NW20200101000001', 'GB-ENG', 'view', 1, 2),
    ('n1', '2020-01-02', 'NW20200101000002', 'X"<&>\\', 'view', 0, 3);});

my $r = $t->get('/stats?format=html');
is($r->{status}, 200, 'the site\'s stats template: 200');
like($r->{body}, qr{<p id="site">our own stats page</p>},
    'the site\'s stats template: used');
like($r->{body}, qr/<svg\b/, 'the site\'s stats template: the chart in it');
like($r->{body}, qr/NW20200101000001/, 'the site\'s stats template: the top');
like($r->{body}, qr/X&quot;&lt;&amp;&gt;\\/,
    'the site\'s stats template: a region escaped for HTML');

$r = $t->get('/plain?format=html');
unlike($r->{body}, qr/our own stats page/, 'the shipped template elsewhere');
like($r->{body}, qr{<title>阅读统计 - [^<]+</title>},
    'the shipped template: its title, in the site\'s language (zh-CN)');

# JSON from SQLite: valid, typed, escaped, in order
$r = $t->get('/stats');
my $d = eval { JSON::PP->new->utf8->decode($r->{body}) };
ok($d, 'JSON that parses') or diag($@, $r->{body});
is_deeply($d->{regions}, [
    { region => 'GB-ENG', name => undef, views => 5, bot_views => 2 },
    { region => 'X"<&>\\', name => undef, views => 3, bot_views => 0 } ],
    'JSON: regions, most views first, a region with quotes as it is');
is_deeply($d->{top}, [
    { info_code => 'NW20200101000001', views => 5 },
    { info_code => 'NW20200101000002', views => 3 } ], 'JSON: the top');
is(scalar @{ $d->{articles} }, 2, 'JSON: articles by region');
ok(!JSON::PP::is_bool($d->{regions}[0]{views})
    && $r->{body} =~ /"views":5\b/, 'JSON: counts are numbers');
is($d->{info_code}, undef, 'JSON: no filter given, null');

$r = $t->get('/stats?infoCode=NW20200101000002');
$d = eval { JSON::PP->new->utf8->decode($r->{body}) };
is($d->{info_code}, 'NW20200101000002', 'JSON: the filter echoed');
is(scalar @{ $d->{regions} }, 1, 'JSON: filtered');

done_testing;
