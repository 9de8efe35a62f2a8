#!/usr/bin/perl

# Every kind of page the built-in templates make is valid HTML5: it parses
# with html5lib (t/lib/html5check.py) without a single parse error.  The
# home page, a category's first and second page, a nested category, two
# articles (one with a title and tags that must be escaped), the error
# pages 400, 404, 405, 410 and 503 (in Chinese and in English) and the
# stats page with counts in it, all from a configuration that names no
# template file.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsMMDB;
use NewsReadership;

my $t = NewsTest->new;
$t->skip_unless_built;
my $why = $t->html5_why_not;
plan(skip_all => $why) if $why;

my $p = $t->prefix;
$t->db_init;
$t->import_posts(glob($t->repo . '/sample/posts/*.txt'));
my ($odd, $gone) = $t->add_posts(
    { title => q{<odd> & "quoted" 'title'}, tags => ['a&b', '<i>tag</i>'],
        categories => [qw(world asia)], category_name => '亚洲',
        body => qq{<p>a <a href="/x?a=1&amp;b=2">link</a></p>\n} },
    { title => 'a deleted post' });
$t->sql("UPDATE posts SET status = 'deleted' WHERE info_code = '$gone';");
my $seed = $t->sql_value('SELECT info_code FROM posts ORDER BY id LIMIT 1;');

# regions with names when a City DB can be made here
my $geo = '';
if (NewsMMDB::available()) {
    NewsMMDB::write("$p/city.mmdb", {
        '81.2.69.0/24' => { country => 'GB', subdivision => 'ENG' },
        '175.16.199.0/24' => { country => 'CN', subdivision => '22' },
    });
    $geo = "news_geoip_db $p/city.mmdb;";
}

my $english = NewsTest::_free_port();
my $nodb = NewsTest::_free_port();

# no news_template anywhere: the built-in templates
$t->write_conf(<<"END");
    news_db %%DB%%;
    news_site_name "新闻 <网> & co";
    news_footer "京ICP备12345678号";
    news_page_size 10;
    $geo
    news_readership zone=readers:1m db=%%PREFIX%%/readership.db flush=200ms;
    news_timezone UTC;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;

        location = /html_News/NewsShare.html { news_share; }
        location /category/ { news_category; }
        location = / { news_index; }
        location = /stats { news_stats; }
        location / { news_article; }
    }

    server {
        listen 127.0.0.1:$english;
        server_name localhost;
        news_language en;

        location = /html_News/NewsShare.html { news_share; }
        location /category/ { news_category; }
        location = / { news_index; }
        location / { news_article; }
    }

    server {
        listen 127.0.0.1:$nodb;
        server_name localhost;
        news_db %%PREFIX%%/missing.db;

        location /category/ { news_category; }
        location = / { news_index; }
        location / { news_article; }
    }
END
$t->run;

# counts for the stats page: views and a share, flushed, and rows of
# other days and regions, one of them to be escaped
my $rs = NewsReadership->new($t, "$p/readership.db");
$t->get($t->article_path($odd), 'X-Forwarded-For' => '81.2.69.1');
$t->get($t->article_path($seed), 'X-Forwarded-For' => '175.16.199.1');
$t->get("/html_News/NewsShare.html?infoCode=$seed",
    'X-Forwarded-For' => '175.16.199.1');
ok($rs->wait_total(3), 'views flushed for the stats page')
    or diag('total ' . $rs->last_total);
$rs->sql("INSERT INTO readership VALUES "
    . "('n2', '2020-01-02', '$seed', 'JP', 'view', 0, 5), "
    . "('n2', '2020-01-03', '$odd', 'Q<b>&', 'view', 0, 2), "
    . "('n2', '2020-01-03', '$seed', 'US-WA', 'view', 1, 7);");

# [what, port (undef: the first server), method, uri, status]
my @pages = (
    ['home page', undef, 'GET', '/', 200],
    ['category page 1', undef, 'GET', '/category/xinhuawang.html', 200],
    ['category page 2', undef, 'GET', '/category/xinhuawang.html?page=2',
        200],
    ['a category with subcategories', undef, 'GET', '/category/finance.html',
        200],
    ['nested category', undef, 'GET', '/category/digital-banking.html', 200],
    ['article', undef, 'GET', $t->article_path($seed), 200],
    ['article to escape', undef, 'GET', $t->article_path($odd), 200],
    ['400 (share link without infoCode)', undef, 'GET',
        '/html_News/NewsShare.html', 400],
    ['400 (page 0)', undef, 'GET', '/category/xinhuawang.html?page=0', 400],
    ['404', undef, 'GET', '/xinhuawang/2022/03/04/NW20220304999999.html',
        404],
    ['405', undef, 'POST', '/', 405],
    ['410', undef, 'GET', $t->article_path($gone), 410],
    ['stats page', undef, 'GET', '/stats?format=html', 200],
    ['stats page filtered', undef, 'GET',
        "/stats?format=html&infoCode=$seed&from=2020-01-01", 200],
    ['stats 400', undef, 'GET', '/stats?format=html&from=2020-13-45', 400],
    ['home page (en)', $english, 'GET', '/', 200],
    ['404 (en)', $english, 'GET', '/category/nothing-here.html', 404],
    ['405 (en)', $english, 'POST', '/', 405],
    ['410 (en)', $english, 'GET', $t->article_path($gone), 410],
    ['503', $nodb, 'GET', '/', 503],
    ['503 (an article)', $nodb, 'GET', $t->article_path($seed), 503],
);

for my $pg (@pages) {
    my ($what, $port, $method, $uri, $status) = @$pg;
    my $r = $t->request($method, $uri, defined $port ? (-port => $port) : ());
    is($r->{status}, $status, "$what: $uri answers $status")
        or diag($r->{error} || substr($r->{raw}, 0, 300));
    like($r->{headers}{'content-type'} || '', qr{^text/html},
        "$what: text/html");
    $t->valid_html($r->{body}, "$what: valid HTML5");
}

# the databases the 503 server would have made are not to be there either
ok(!-e "$p/missing.db", 'the 503 server made no database');

done_testing;
