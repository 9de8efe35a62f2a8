#!/usr/bin/perl

# Load: wrk on article pages and share links of a WAL-mode database, two
# workers, while an admin's UPDATE runs every few milliseconds through the
# sqlite3 shell.  Readers are never refused (no 503 in WAL mode, no error
# of any kind), no worker crashes, and the last title written is the one
# served afterwards.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use POSIX ();
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
$t->skip_unless_built;

my ($WRK) = grep { -x } map { "$_/wrk" } split /:/, $ENV{PATH} // '';
plan(skip_all => 'wrk not installed (Debian package wrk; make deps)')
    unless $WRK;

my $p = $t->prefix;
my $D = '2022/03/04';

$t->db_init;
my @codes = $t->add_posts(map { { title => "load post $_",
    categories => 'finance', category_name => '财经' } } 1 .. 50);
my $hot = $codes[0];
my $hot_path = "/finance/$D/$hot.html";
is($t->article_path($hot), $hot_path, 'setup: article path');
is($t->sql_value('PRAGMA journal_mode = WAL;'), 'wal', 'setup: WAL mode');

$t->write_conf($t->conf_server);
$t->set_workers(2);
$t->run;

is($t->wait_workers(2), 2, 'two workers');
is($t->get($hot_path)->{status}, 200, 'setup: the hot page');

# wrk picks its paths round robin: the hot article often, all the others,
# and share links (302 is fine: wrk counts only 4xx and 5xx as errors)
my @paths = map { ($hot_path, "/finance/$D/$codes[$_].html",
    "/html_News/NewsShare.html?infoCode=$codes[$_]") } 0 .. $#codes;
my $lua = "local paths = {\n"
    . join('', map { "  \"$_\",\n" } @paths)
    . "}\nlocal i = 0\n"
    . "request = function()\n"
    . "  i = i % #paths + 1\n"
    . "  return wrk.format(\"GET\", paths[i])\n"
    . "end\n";
$t->write_file('paths.lua', $lua);

# the admin: an UPDATE through the shell every ~5 ms until told to stop
# (or 15 s at most); each title written is the loop's number, the last
# one that committed is in admin.last
my $stop = "$p/admin.stop";
my $parent = $$;
my $admin;
END { kill 'KILL', $admin if $admin && $$ == $parent; }
$admin = fork;
die "fork: $!\n" unless defined $admin;
if ($admin == 0) {
    open STDOUT, '>', "$p/admin.out" or POSIX::_exit(126);
    open STDERR, '>', "$p/admin.err" or POSIX::_exit(126);
    my ($n, $failed) = (0, 0);
    my $end = time + 15;
    while (!-e $stop && time < $end) {
        $n++;
        my $rc = system { $NewsTest::SQLITE3 } $NewsTest::SQLITE3,
            '-cmd', '.timeout 2000', $t->db,
            "UPDATE posts SET title = 'T' || $n WHERE info_code = '$hot';";
        if ($rc == 0) {
            $t->write_file("$p/admin.last", "$n\n");
        } else {
            $failed++;
        }
        sleep 0.005;
    }
    $t->write_file("$p/admin.count", "$n $failed\n");
    POSIX::_exit(0);
}

my ($rc, $out, $err) = $t->run_cmd(undef, $WRK, '-t', '2', '-c', '4',
    '-d', '4s', '--timeout', '2s', '-s', "$p/paths.lua",
    'http://127.0.0.1:' . $t->port . '/');

$t->write_file($stop, "stop\n");
my $waited = time + 20;
while (waitpid($admin, POSIX::WNOHANG()) == 0) {
    if (time > $waited) {
        kill 'KILL', $admin;
        waitpid($admin, 0);
        last;
    }
    sleep 0.05;
}

diag($out) if $ENV{TEST_VERBOSE};
is($rc, 0, 'wrk ran') or diag("$err$out");
my ($requests) = $out =~ /^\s*(\d+) requests in /m;
ok(($requests // 0) > 200, 'wrk: requests made (' . ($requests // 0) . ')');
my ($bad) = $out =~ /Non-2xx or 3xx responses:\s*(\d+)/;
is($bad // 0, 0, 'wrk: no non-2xx/3xx responses');
my ($sock) = $out =~ /(Socket errors:.*)/;
is($sock, undef, 'wrk: no socket errors (connect, read, write, timeout)');

my ($writes, $failed) = split ' ', $t->read_file('admin.count');
my ($last) = $t->read_file('admin.last') =~ /(\d+)/;
ok(($writes // 0) > 50, 'admin: updates made during the load ('
    . ($writes // 0) . ')');
is($failed, 0, 'admin: every update committed')
    or diag($t->read_file('admin.err'));

my $r = $t->get($hot_path);
is($r->{status}, 200, 'after: 200');
like($r->{body}, qr{<h1[^>]*>\s*T\Q${\ ($last // 'none')}\E\s*</h1>},
    'after: the last title written');

my $log = $t->error_log;
unlike($log, qr/news: .*locked/, 'no reader found the database locked');
is(scalar(() = $log =~ /start worker process \d+/g), 2,
    'no worker respawned');

done_testing;
