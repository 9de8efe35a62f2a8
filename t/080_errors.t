#!/usr/bin/perl

# Errors: 400/404/405/410 pages from the error template with a log line at
# the level they deserve; 503 with Retry-After while the database is
# missing or broken, and pages as soon as it appears, without a reload;
# hostile requests never get a 500 nor crash a worker.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($code, $draft, $deleted) = $t->add_posts(
    { title => 'error post', categories => 'finance',
      category_name => '财经' },
    { title => 'draft', categories => 'finance', category_name => '财经' },
    { title => 'deleted', categories => 'finance', category_name => '财经' },
);
$t->sql("UPDATE posts SET status = 'draft' WHERE info_code = '$draft';"
    . "UPDATE posts SET status = 'deleted' WHERE info_code = '$deleted';");

$t->write_conf($t->conf_server);
$t->run;

my $share = '/html_News/NewsShare.html';
my $article = "/finance/2022/03/04/$code.html";

# an error answer: its status, an html page from the error template naming
# the status, and what the error log got meanwhile
sub check_error {
    my ($n, $status, $method, $uri, $log_re) = @_;

    my $m = $t->log_mark;
    my $r = $t->request($method, $uri);
    is($r->{status}, $status, "$n: $status");
    like($r->{headers}{'content-type'} // '',
        qr{^text/html;\s*charset=utf-8$}i, "$n: html");
    like($r->{body}, qr/<html/i, "$n: a page");
    like($r->{body}, qr/\b$status\b/, "$n: names $status");
    unlike($r->{body}, qr/<center>nginx<\/center>/, "$n: not nginx's page");

    # a client's mistake is no server error
    my $log = $t->error_log_since($m);
    unlike($log, qr/\[(?:error|crit|alert|emerg)\]/, "$n: not logged loud")
        if $status < 500;
    like($log, $log_re, "$n: logged") if $log_re;
    return $r;
}

my $info = qr/\[info\].*news: /;

check_error('bad infoCode', 400, 'GET', "$share?infoCode=nw1", $info);
check_error('no infoCode', 400, 'GET', $share, $info);
check_error('long infoCode', 400, 'GET', "$share?infoCode=NW" . ('1' x 63),
    $info);
check_error('unknown infoCode', 404, 'GET', "$share?infoCode=NW12345678901");
check_error('draft share', 404, 'GET', "$share?infoCode=$draft");
check_error('deleted share', 410, 'GET', "$share?infoCode=$deleted");
check_error('unknown article', 404, 'GET',
    '/finance/2022/03/04/NW12345678901.html');
check_error('draft article', 404, 'GET', "/finance/2022/03/04/$draft.html");
check_error('deleted article', 410, 'GET',
    "/finance/2022/03/04/$deleted.html");
check_error('unknown category', 404, 'GET', '/category/nope.html');
check_error('bad page', 400, 'GET', '/category/finance.html?page=abc');
check_error('method', 405, 'POST', $article);

# malformed article paths

for my $p ('/foo/bar', '/foo', '/finance', '/finance/2022/03/04',
    "/finance/2022/13/04/$code.html", "/finance/2022/03/32/$code.html",
    "/finance/2022/02/30/$code.html", "/finance/2022/00/04/$code.html",
    "/finance/22/03/04/$code.html", "/finance/2022/3/4/$code.html",
    "/finance/2022/03/04/$code.htm", "/finance/2022/03/04/$code",
    "/finance/2022/03/04/$code.html/", "/finance/2022/03/04/x/$code.html",
    "/2022/03/04/$code.html", "/Finance/2022/03/04/$code.html",
    "/finance/2022/03/04/nw1.html", "/finance/2022/03/04/.html",
    '/index.html', '/favicon.ico', '/robots.txt')
{
    is($t->get($p)->{status}, 404, "malformed $p: 404");
}

# hostile requests: any answer but a 500, and no worker dies

my @hostile = (
    "$share?infoCode=%00", "$share?infoCode=NW2022%0003042297567012",
    "$share?infoCode=" . ('A' x 6000), "$share?" . ('x' x 6000),
    "$share?infoCode[]=$code", "$share?infoCode%5B%5D=$code",
    "$share?infoCode=$code&infoCode=NW99999999999",
    "$share?infoCode=NW99999999999&infoCode=$code",
    "$share?infoCode=%E4%B8%AD%E6%96%87", "$share?infoCode=中文",
    "$share?infoCode=..%2F..%2Fetc%2Fpasswd", "$share?infoCode=%",
    "$share?infoCode=%zz", "$share?infoCode=$code&x=%", "$share?&&&=&",
    "$share?infoCode=$code&" . ('u=' . 'v' x 100 . '&') x 40,
    "$share?infoCode=$code%27%20OR%201=1--",
    "$share?infoCode=$code;DROP%20TABLE%20posts",
    '/%00', '/..%2f..%2fetc/passwd', '/../../etc/passwd',
    "$article%00", "/finance/2022/03/04/../../../../etc/passwd",
    "/finance/2022/03/04/%2e%2e/$code.html", "/%66inance/2022/03/04/$code.html",
    '/中文/2022/03/04/NW12345678901.html', '/category/中文.html',
    '/category/%00.html', '/category/%2e%2e.html', '/category/../../x',
    '/category/' . ('a' x 3000) . '.html', '/' . ('a' x 3000),
    "/finance/2022/03/04/NW" . ('9' x 3000) . ".html",
    "/finance/9999/99/99/$code.html", "/finance/0000/00/00/$code.html",
    '/category/finance.html?page=%00', '/category/finance.html?page=',
    '/category/finance.html?page=1e3', '/category/finance.html?page=1&page=2',
    '/category/finance.html?page=99999999999999999999999999999',
    '/category/finance.html?page=18446744073709551617',
    '/category/finance.html?page=9223372036854775807',
    '/category/finance.html?page=-9223372036854775808',
    '/category/finance.html?page[]=2', '/?page=-1', "/?infoCode=$code",
);

for my $uri (@hostile) {
    my $r = $t->get($uri);
    ok($r->{status} >= 200 && $r->{status} != 500 && $r->{status} < 600,
        'hostile ' . substr($uri, 0, 60) . ": no 500 ($r->{status})");
}

for my $raw (
    "GET $share?infoCode=$code HTTP/1.0\r\n\r\n",
    "GET $article HTTP/1.0\r\n\r\n",
    "GET $article HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n",
    "GET $article HTTP/1.1\r\nHost: " . ('h' x 200)
        . "\r\nConnection: close\r\n\r\n",
    "GET $share?infoCode=$code HTTP/1.1\r\nHost: a\"b<c>\r\n"
        . "Connection: close\r\n\r\n",
    "GET http://evil.example$share?infoCode=$code HTTP/1.1\r\n"
        . "Host: localhost\r\nConnection: close\r\n\r\n",
    "HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    "GET $article HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: "
        . ('"x", ' x 500) . "\r\nConnection: close\r\n\r\n",
    "GET $article HTTP/1.1\r\nHost: localhost\r\nIf-Modified-Since: "
        . "garbage\r\nConnection: close\r\n\r\n",
)
{
    my $r = $t->raw($raw);
    ok($r->{status} >= 200 && $r->{status} != 500 && $r->{status} < 600,
        'raw ' . substr($raw =~ s/\r\n.*//sr, 0, 60)
        . ": no 500 ($r->{status})");
}

# pages built from a request's Host never carry markup from it
my $r = $t->raw("GET $article HTTP/1.1\r\nHost: a\"b<c>\r\n"
    . "Connection: close\r\n\r\n");
unlike($r->{body}, qr/a"b<c>/, 'Host header not echoed raw');

is($t->get($article)->{status}, 200, 'still serving');

###############################################################################

# the database missing at start: nginx starts, pages are 503 with
# Retry-After, and the DB appearing later serves pages without a reload

my $m = NewsTest->new(name => 'no DB');
$m->db($m->prefix . '/later.db');
$m->write_conf($m->conf_server);
$m->run;

for my $uri ('/', '/category/finance.html', $article,
    "$share?infoCode=$code")
{
    my $r = $m->get($uri);
    is($r->{status}, 503, "no DB $uri: 503");
    like($r->{headers}{'retry-after'} // '', qr/^\d+$/,
        "no DB $uri: Retry-After");
    like($r->{headers}{'content-type'} // '',
        qr{^text/html;\s*charset=utf-8$}i, "no DB $uri: html");
    like($r->{body}, qr/\b503\b/, "no DB $uri: page names 503");
}
# logged when an open fails (at most once a second), not each request
like($m->error_log, qr/\[(?:error|crit|alert|warn)\].*news: .*later\.db/,
    'no DB: the log names the file');
is($m->head('/')->{status}, 503, 'no DB: HEAD 503');
is($m->get("$share?infoCode=nw1")->{status}, 400,
    'no DB: a bad code is still 400');

$m->db_init;
$m->add_posts({ title => 'error post', categories => 'finance',
    category_name => '财经', info_code => $code });

my $status = 0;
for (1 .. 40) {
    $status = $m->get($article)->{status};
    last if $status == 200;
    Time::HiRes::sleep(0.1);
}
is($status, 200, 'DB created later: article 200 without a reload');
is($m->get('/')->{status}, 200, 'DB created later: home 200');
is($m->get('/category/finance.html')->{status}, 200,
    'DB created later: category 200');
unlike($m->error_log, qr/reconfiguring/, 'no reload happened');
$m->stop;

# files that are not a news database

for my $case (
    [ 'garbage', "this is not an SQLite database\n" x 100 ],
    [ 'empty', '' ],
)
{
    my ($name, $content) = @$case;
    my $g = NewsTest->new(name => "$name DB");
    $g->write_file('news.db', $content);
    $g->write_conf($g->conf_server);
    $g->run;

    for my $uri ('/', '/category/finance.html', $article,
        "$share?infoCode=$code")
    {
        my $r = $g->get($uri);
        is($r->{status}, 503, "$name DB $uri: 503");
        like($r->{headers}{'retry-after'} // '', qr/^\d+$/,
            "$name DB $uri: Retry-After");
    }
    like($g->error_log, qr/news: /, "$name DB: logged");
}

done_testing;
