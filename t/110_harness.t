#!/usr/bin/perl

# The test harness itself, against nginx without the news module: start,
# requests (GET, HEAD, raw, chunked, gzip), nginx -t, reload, stop, the
# post files and the configuration it writes, and the end-state checks it
# makes of every test (tiny test files of its own run here, with nginx
# logging an alert it was or was not told to expect).  It needs no build,
# so it tells a broken harness from a broken module.

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

# the refusal of the reload is an [emerg] line of the master
$t->expect_alerts(qr/unknown directive "bogus_directive"/);
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

$t->expect_alerts('unknown directive "nope"');
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

###############################################################################

# the end-state checks: tiny test files run with perl, each with an nginx
# of its own; their TAP says what the harness asserted at their end

my $LIB = "$FindBin::Bin/lib";
my $CHILD = 0;

# a test file: NewsTest, $t an instance without the module (new's options
# %new), the lines @head before it is made (a plan), then $body;
# done_testing unless there is a plan
sub child {
    my ($body, %o) = @_;
    my $new = $o{new} || '';
    my @head = $o{head} ? ($o{head}) : ();
    my $code = join "\n", 'use strict;', 'use warnings;', 'use Test::More;',
        'use Time::HiRes qw(sleep time);', "use lib '$LIB';", 'use NewsTest;',
        @head, "my \$t = NewsTest->new(module => 0$new);", $body,
        @head ? () : 'done_testing;', '';
    my $file = $t->write_file('child' . ++$CHILD . '.t', $code);
    my ($rc, $out, $err) = $t->run_cmd(undef, $^X, $file);
    return { rc => $rc, out => $out, err => $err };
}

# its end-state results of that name ("x: " before it for an instance
# named x), in order: "ok" or "not ok" for each
sub end_state {
    my ($c, $name) = @_;
    my @got = $c->{out}
        =~ /^(ok|not ok) \d+ - \Q$name\E \(end state\)$/mg;
    return join ' ', @got;
}

sub out {
    my ($c) = @_;
    return "rc $c->{rc}\n$c->{out}$c->{err}";
}

my $CRASH = 'no worker crashed';
my $ALERT = 'no [alert] or [emerg] in the error log';

my $serve = <<'EOF';
$t->write_conf("server { listen 127.0.0.1:%%PORT%%; "
    . "location / { return 200 ok; } }");
EOF

# a worker that cannot raise its file limit that far (past fs.nr_open:
# root cannot either) says so at [alert]
my $alert = $serve . <<'EOF';
$t->write_file('nginx.conf', "worker_rlimit_nofile 2000000000;\n"
    . $t->read_file('nginx.conf'));
$t->run;
is($t->get('/')->{status}, 200, 'served');
my $deadline = time + 5;
sleep 0.05 until $t->error_log =~ /setrlimit/ || time > $deadline;
EOF

# a worker killed by the test, its end seen by the master
my $kill = $serve . <<'EOF';
$t->run;
my $deadline = time + 5;
my $w;
sleep 0.05 until ($w) = $t->error_log =~ /start worker process (\d+)/
    or time > $deadline;
kill 'KILL', $w or die "no worker to kill";
sleep 0.05 until $t->error_log =~ /exited on signal 9/ || time > $deadline;
is($t->get('/')->{status}, 200, 'served by the next worker');
EOF

my $clean = $serve . <<'EOF';
$t->run;
is($t->get('/')->{status}, 200, 'served');
EOF

my $c = child($clean);
is($c->{rc}, 0, 'clean: passes') or diag(out($c));
is(end_state($c, $CRASH), 'ok', 'clean: crashes checked, once');
is(end_state($c, $ALERT), 'ok', 'clean: alerts checked, once');

$c = child($alert);
isnt($c->{rc}, 0, 'an alert not expected: fails');
is(end_state($c, $ALERT), 'not ok', 'an alert not expected: the check');
like($c->{err}, qr/\[alert\].*setrlimit\(RLIMIT_NOFILE/,
    'an alert not expected: the line shown');
is(end_state($c, $CRASH), 'ok', 'an alert not expected: no crash');

$c = child('$t->expect_alerts(qr/setrlimit\(RLIMIT_NOFILE/);' . "\n"
    . $alert);
is($c->{rc}, 0, 'an alert expected: passes') or diag(out($c));
is(end_state($c, $ALERT), 'ok', 'an alert expected: the check');

$c = child($alert, new => ', expect_alerts => [qr/setrlimit/]');
is($c->{rc}, 0, 'an alert expected to new(): passes') or diag(out($c));

$c = child($alert, new => ', expect_alerts => qr/something else/');
isnt($c->{rc}, 0, 'another alert expected: fails');

$c = child($kill);
isnt($c->{rc}, 0, 'a worker killed, not expected: fails');
is(end_state($c, $CRASH), 'not ok', 'a worker killed, not expected: check');
like($c->{err}, qr/worker process \d+ exited on signal 9/,
    'a worker killed, not expected: the line shown');
is(end_state($c, $ALERT), 'ok',
    'a worker killed, not expected: a crash, not an alert');

$c = child('$t->expect_alerts(qr/exited on signal 9/);' . "\n" . $kill);
is($c->{rc}, 0, 'a worker killed, expected: passes') or diag(out($c));

# [emerg]: that of a refused reload counts; that of a failed nginx -t is
# the refusal the test asked for

my $bogus = $clean . <<'EOF';
$t->write_conf("server { listen 127.0.0.1:%%PORT%%; bogus_directive; }");
EOF
$c = child($bogus . "ok(!\$t->reload, 'reload refused');\n");
isnt($c->{rc}, 0, 'a refused reload, not expected: fails');
is(end_state($c, $ALERT), 'not ok', 'a refused reload: its [emerg] counts');

$c = child($bogus . "isnt((\$t->test_conf)[0], 0, 'nginx -t fails');\n");
is($c->{rc}, 0, 'a failed nginx -t: passes') or diag(out($c));
is(end_state($c, $ALERT), 'ok', 'a failed nginx -t: checked');

# an nginx -t killed by a signal has not refused the configuration: it
# crashed (here a stand-in for nginx that kills itself, with a signal
# that no sanitizer runtime preloaded into it can catch and report)
$c = child(<<'EOF');
$NewsTest::NGINX = $t->write_file('nginx', "#!/bin/sh\nkill -KILL \$\$\n");
chmod 0755, $NewsTest::NGINX or die "chmod: $!";
isnt(($t->test_conf)[0], 0, 'nginx -t fails');
EOF
isnt($c->{rc}, 0, 'nginx -t killed by a signal: fails');
is(end_state($c, $CRASH), 'not ok', 'nginx -t killed by a signal: a crash');
like($c->{err}, qr/\(\d+\) exited on signal 9 /,
    'nginx -t killed by a signal: said so');

# sanitizer reports: with the runtime preloaded into nginx
# (TEST_NEWS_PRELOAD; here the C library, which is there anyway) and a
# log_path, the reports of the test's nginx processes are judged as make
# test-asan judges them all; a stand-in for nginx -t writes one for its pid

SKIP: {
    my ($libc) = `ldd /bin/sh 2>/dev/null` =~ m{(/\S+/libc\.so\.\d+)};
    skip 'no C library to preload', 5 unless $libc && -f $libc;
    my $dir = $t->prefix . '/san';
    mkdir $dir or die "mkdir $dir: $!\n";
    local $ENV{TEST_NEWS_PRELOAD} = $libc;
    local $ENV{ASAN_OPTIONS} = "log_path=$dir/asan:detect_leaks=1";
    local $ENV{UBSAN_OPTIONS} = "log_path=$dir/asan";

    # a leak of nginx itself (no frame of ours): counted, not failed
    my $leak = ('=' x 65) . "\n"
        . "==1==ERROR: LeakSanitizer: detected memory leaks\n\n"
        . "Direct leak of 10 byte(s) in 1 object(s) allocated from:\n"
        . "    #0 0x1 in malloc (/usr/lib/libasan.so+0x1)\n"
        . "    #1 0x2 in ngx_alloc (/usr/sbin/nginx+0x2)\n\n"
        . "SUMMARY: AddressSanitizer: 10 byte(s) leaked in 1 allocation(s).\n";
    # an error in the module
    my $error = "==1==ERROR: AddressSanitizer: heap-use-after-free\n"
        . '    #0 0x1 in f ' . $t->repo . "/ngx_news_module/f.c:1:1\n";

    my $san = <<'EOF';
$NewsTest::NGINX = $t->write_file('nginx',
    "#!/bin/sh\ncat > '%s'.\$\$ <<'X'\n%sX\n");
chmod 0755, $NewsTest::NGINX or die "chmod: $!";
is(($t->test_conf)[0], 0, 'nginx -t passes');
EOF
    my $name = "no sanitizer report of ours from this test's processes";

    $c = child(sprintf($san, "$dir/asan", $leak));
    is($c->{rc}, 0, 'a report of nginx itself: passes') or diag(out($c));
    is(end_state($c, $name), 'ok', 'a report of nginx itself: judged');

    $c = child(sprintf($san, "$dir/asan", $error));
    isnt($c->{rc}, 0, 'a report of ours: fails');
    is(end_state($c, $name), 'not ok', 'a report of ours: the check');
    like($c->{err}, qr/ERROR: AddressSanitizer: heap-use-after-free/,
        'a report of ours: shown');
}

# nginx -t alone is a run of nginx, with an end state; no run, none

$c = child($serve . "is((\$t->test_conf)[0], 0, 'nginx -t passes');\n");
is($c->{rc}, 0, 'nginx -t only: passes') or diag(out($c));
is(end_state($c, $ALERT), 'ok', 'nginx -t only: checked');

$c = child("pass('nothing run');\n");
is($c->{rc}, 0, 'nginx never run: passes') or diag(out($c));
is(end_state($c, $CRASH) . end_state($c, $ALERT), '',
    'nginx never run: no end-state checks');

# a plan given beforehand: the checks say nothing when they pass, and fail
# the test when they do not

$c = child($clean, head => 'plan tests => 1;');
is($c->{rc}, 0, 'plan tests => 1: passes') or diag(out($c));
like($c->{out}, qr/^1\.\.1$/m, 'plan tests => 1: the plan as given');
like($c->{out}, qr/^# \Q$ALERT\E \(end state of .*, not counted\)$/m,
    'plan tests => 1: the checks noted');

$c = child($alert, head => 'plan tests => 1;');
isnt($c->{rc}, 0, 'plan tests => 1, an alert: fails');
is(end_state($c, $ALERT), 'not ok', 'plan tests => 1, an alert: the check');

# a child process of the test exits through END and DESTROY: it neither
# checks nor stops its parent's nginx

$c = child($clean . <<'EOF');
my $pid = fork;
die "fork: $!" unless defined $pid;
exit 0 if $pid == 0;
waitpid($pid, 0);
is($t->get('/')->{status}, 200, 'still served after the child exited');
EOF
is($c->{rc}, 0, 'a forked child: passes') or diag(out($c));
is(end_state($c, $CRASH) . ' ' . end_state($c, $ALERT), 'ok ok',
    'a forked child: checked once, by the parent');

# an instance gone before done_testing is checked then, under its name;
# one still there, at done_testing, before the plan

$c = child(<<'EOF' . $clean);
{
    my $u = NewsTest->new(module => 0, name => 'inner');
    $u->write_conf("server { listen 127.0.0.1:%%PORT%%; }");
    $u->run;
}
pass('after the inner one');
EOF
is($c->{rc}, 0, 'two instances: passes') or diag(out($c));
is(end_state($c, "inner: $CRASH") . ' ' . end_state($c, "inner: $ALERT"),
    'ok ok', 'two instances: the first checked under its name');
my @order = $c->{out} =~ /^(?:not )?ok \d+ - (.*)$/mg;
is_deeply([grep { /^after|\Q$CRASH\E/ } @order],
    ["inner: $CRASH (end state)", 'after the inner one',
        "$CRASH (end state)"], 'two instances: each checked when it went');
like($c->{out}, qr/\(end state\)\n1\.\.\d+\n\z/,
    'two instances: the checks before the plan');

# a test that dies with nginx running: END stops it and checks

$c = child($clean . <<'EOF');
note('master ' . $t->pid);
die "on purpose\n";
EOF
isnt($c->{rc}, 0, 'died: fails');
is(end_state($c, $CRASH) . ' ' . end_state($c, $ALERT), 'ok ok',
    'died: checked at END');
my ($master) = $c->{out} =~ /^# master (\d+)$/m;
ok($master && !kill(0, $master), 'died: nginx stopped');

done_testing;
