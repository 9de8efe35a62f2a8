#!/usr/bin/perl

# The test harness itself, against nginx without the news module: start,
# requests (GET, HEAD, raw, chunked, gzip), nginx -t, reload, stop, the
# post files and the configuration it writes.  It needs no build, so it
# tells a broken harness from a broken module.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new(module => 0);

ok(-d $t->prefix, 'prefix exists');
is((stat $t->prefix)[2] & 0777, 0755, 'prefix is 0755');
like($t->port, qr/^\d+$/, 'port picked');
ok(-f $t->repo . '/Makefile', 'repo root found');
is($t->module, $ENV{TEST_NEWS_MODULE}
    || $t->repo . '/objs/ngx_http_news_module.so', 'module path');
is($t->newsctl, $ENV{TEST_NEWS_NEWSCTL} || $t->repo . '/objs/newsctl',
    'newsctl path');

# a post file in the seed's format

my $f = $t->post_file(
    title => 'say "hi" \\ <b>',
    categories => [qw(finance banking)],
    category_name => '银行业',
    tags => ['a', 'b'],
    info_code => 'NW2022030400000001',
    body => '<p>x</p>',
);
my $text = $t->read_file($f);
like($text, qr/^---\nlayout: post\n/, 'post: front matter');
like($text, qr/^title: "say \\"hi\\" \\\\ <b>"$/m, 'post: title escaped');
like($text, qr/^date: 2022-03-04 20:46:41 \+0800$/m, 'post: default date');
like($text, qr/^categories: \[finance, banking\]$/m, 'post: categories');
like($text, qr/^tags: \[a, b\]$/m, 'post: tags');
my $share = '<http://finews.zning.xyz/html_News/NewsShare.html'
    . '?infoCode=NW2022030400000001>';
like($text, qr{^\Q$share\E$}m, 'post: share line');
my $crumb = '[返回银行业](//finews.withounder.com/category/banking.html)'
    . '｜[返回首页](//finews.withounder.com/)';
like($text, qr{^\Q$crumb\E$}m, 'post: breadcrumb line');

my $g = $t->post_file(quote => 'single', title => "it's");
like($t->read_file($g), qr/^title: 'it''s'$/m, 'post: single quotes');
like($t->read_file($g), qr/^categories: xinhuawang$/m, 'post: default cat');
like($t->read_file($g), qr/infoCode=NW20220304\d{6}>/, 'post: default code');

# configuration and nginx -t

$t->write_conf(<<'EOF');
    gzip on;
    gzip_types text/plain;
    gzip_min_length 0;

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;

        location = /text { default_type text/plain; return 200 "%%PREFIX%%\n"; }
        location = /gone { return 410; }
        location /static/ { root %%PREFIX%%; }
    }
EOF

my $conf = $t->read_file('nginx.conf');
unlike($conf, qr/load_module/, 'no load_module without the module');
unlike($conf, qr/%%/, 'placeholders expanded');
like($conf, qr/listen 127\.0\.0\.1:${\ $t->port};/, 'port expanded');

my ($rc, $out) = $t->test_conf;
is($rc, 0, 'nginx -t passes') or diag($out);
like($out, qr/test is successful/, 'nginx -t output');

mkdir $t->prefix . '/static';
$t->write_file('static/page.html', 'static page' x 100);

$t->run;
ok(kill(0, $t->pid), 'nginx running');

my $r = $t->get('/text');
is($r->{status}, 200, 'GET status');
is($r->{body}, $t->prefix . "\n", 'GET body, chunked or not');
is($r->{headers}{'content-type'}, 'text/plain', 'header names lower case');

$r = $t->get('/text', 'Accept-Encoding' => 'gzip');
is($r->{headers}{'content-encoding'}, 'gzip', 'gzip applies (HTTP/1.1)');
is(NewsTest::gunzip($r->{body}), $t->prefix . "\n", 'gunzip');

$r = $t->head('/static/page.html');
is($r->{status}, 200, 'HEAD status');
is($r->{headers}{'content-length'}, 1100, 'HEAD content-length');
is($r->{body}, '', 'HEAD no body');
ok($r->{headers}{etag}, 'static etag');

$r = $t->get('/static/page.html', 'If-None-Match' => $r->{headers}{etag});
is($r->{status}, 304, 'conditional GET');

is($t->get('/gone')->{status}, 410, 'return 410');
is($t->request('DELETE', '/static/page.html')->{status}, 405, 'DELETE');
is($t->get('/nope')->{status}, 404, 'missing file');

$r = $t->raw("GET /text HTTP/1.0\r\nHost: localhost\r\n\r\n");
is($r->{status}, 200, 'raw request');
$r = $t->raw("garbage\r\n\r\n");
is($r->{status}, 400, 'raw garbage is 400');

like($t->error_log, qr/start worker process/, 'error log read');

# reload: a new worker; a broken config is refused and the old one serves

my $m = $t->log_mark;
ok($t->reload, 'reload');
like($t->error_log_since($m), qr/reconfiguring/, 'reload logged');
is($t->get('/text')->{status}, 200, 'serves after reload');

$t->write_conf("server { listen 127.0.0.1:%%PORT%%; bogus_directive; }");
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'nginx -t fails on a bad config');
like($out, qr/unknown directive "bogus_directive" in \S+nginx\.conf:\d+/,
    'nginx -t names file and line');
ok(!$t->reload, 'reload refused');
is($t->get('/text')->{status}, 200, 'old config still serves');

# stop

my $pid = $t->pid;
$t->stop;
ok(!$t->pid, 'stopped');
ok(!kill(0, $pid), 'master gone');
is($t->get('/text')->{status}, 0, 'nothing listens');

# a config that cannot start dies with the log

$t->write_conf("server { listen 127.0.0.1:%%PORT%%; location / { nope; } }");
eval { $t->run };
like($@, qr/nginx exited.*unknown directive "nope"/s, 'run dies with log');
ok(!$t->pid, 'no pid after failed start');

# two instances side by side, each stopped by DESTROY

{
    my $one = NewsTest->new(module => 0);
    my $two = NewsTest->new(module => 0);
    isnt($one->port, $two->port, 'own ports');
    isnt($one->prefix, $two->prefix, 'own prefixes');
    for my $x ($one, $two) {
        $x->write_conf("server { listen 127.0.0.1:%%PORT%%; "
            . "location / { return 200 %%PORT%%; } }");
        $x->run;
    }
    is($one->get(q(/))->{body}, $one->port, 'first instance');
    is($two->get(q(/))->{body}, $two->port, 'second instance');
    $pid = $two->pid;
}
ok(!kill(0, $pid), 'DESTROY stopped nginx');

done_testing;
