#!/usr/bin/perl

# make demo's script, conf/demo.sh, run as a user would, in a folder and on
# a port of this test's (DEMO_DIR, PORT): the banner comes only once the
# home page answers 200; every URL it names answers; the edit it suggests
# is of a post on the home page and shows there; the region example is
# counted as a share and as a view, and its requests are in the access
# log with their region; the error log is at notice (no keepalive lines);
# an INT to the script stops nginx and leaves nothing running.  On a port
# already taken the script says so and prints no banner.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsMMDB;
use NewsReadership;
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
my $repo = $t->repo;
plan(skip_all => 'objs/ not built (run make)')
    unless -f "$repo/objs/ngx_http_news_module.so" && -x "$repo/objs/newsctl";
plan(skip_all => NewsMMDB::why_not()) unless NewsMMDB::available();

my $p = $t->prefix;
my $demo = "$p/demo";

# the scripts started, by pid: each leads a process group of its own,
# whose processes END stops, by pid, whatever happened (nginx outliving
# its script among them)
my %DEMOS;
END {
    local $?;
    for my $pgid (keys %DEMOS) {
        for my $sig (qw(TERM KILL)) {
            my @left = group_members($pgid) or last;
            kill $sig, @left;
            my $deadline = time + 3;
            while (time < $deadline && group_members($pgid)) {
                waitpid($pgid, WNOHANG);
                sleep 0.05;
            }
        }
        waitpid($pgid, WNOHANG);
    }
}
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);
$SIG{PIPE} = 'IGNORE';

# conf/demo.sh on a port, its stdout and stderr in files of the prefix
sub start_demo {
    my ($port, $name) = @_;
    my ($out, $err) = ("$p/$name.out", "$p/$name.err");
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        setpgrp(0, 0);
        $SIG{$_} = 'DEFAULT' for qw(INT TERM HUP PIPE);
        open STDIN, '<', '/dev/null' or POSIX::_exit(126);
        # appended to: nginx opens /dev/stdout, the same file, for itself
        open STDOUT, '>>', $out or POSIX::_exit(126);
        open STDERR, '>>', $err or POSIX::_exit(126);
        $ENV{PORT} = $port;
        $ENV{DEMO_DIR} = $demo;
        exec 'sh', "$repo/conf/demo.sh" or POSIX::_exit(127);
    }
    $DEMOS{$pid} = 1;
    return { pid => $pid, out => $out, err => $err, port => $port };
}

# waits for the script to end: its exit code, or undef after $secs
sub wait_exit {
    my ($d, $secs) = @_;
    my $deadline = time + $secs;
    while (time < $deadline) {
        if (waitpid($d->{pid}, WNOHANG) == $d->{pid}) {
            return $? & 127 ? 128 + ($? & 127) : $? >> 8;
        }
        sleep 0.05;
    }
    return undef;
}

# the processes of a process group, from /proc
sub group_members {
    my ($pgid) = @_;
    my @pids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh>;
        close $fh;
        next unless defined $line;
        my @f = split ' ', substr($line, rindex($line, ')') + 2);
        push @pids, $stat =~ m{/proc/(\d+)/} if $f[2] == $pgid;
    }
    return @pids;
}

sub listening {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $port, Proto => 'tcp', Timeout => 1);
    close $s if $s;
    return !!$s;
}

###############################################################################

my $port = NewsTest::_free_port();
my $d = start_demo($port, 'demo');
my $url = "http://127.0.0.1:$port";

# the banner: and at once the home page must answer
my ($banner, $home);
my $deadline = time + 30;
while (time < $deadline) {
    my $text = $t->read_file($d->{out});
    if ($text =~ /^The demo site runs on \Q$url\E\/ /m) {
        $home = $t->get_at($port, '/');
        $banner = $text;
        last;
    }
    last if waitpid($d->{pid}, WNOHANG) == $d->{pid};
    sleep 0.05;
}
ok(defined $banner, "the banner, with the port $port")
    or BAIL_OUT("no banner:\n" . $t->read_file($d->{out})
        . $t->read_file($d->{err}));
is($home->{status}, 200, 'the home page answers 200 when the banner is out');
# the script's own GET (HTTP/1.0; the test's are 1.1), answered and logged
# before the banner was printed
like($banner, qr{^127\.0\.0\.1 ZZ .*"GET / HTTP/1\.0" 200 .*\n(?s:.*)^The demo site runs}m,
    'the banner comes after a 200 for the home page, in the access log')
    or diag($banner);
my $master = $t->read_file("$demo/nginx.pid");
chomp $master;
like($master, qr/^\d+$/, "nginx's pid file");

# the URLs of the banner's list, by what they are
my %urls = $banner =~ m{^  (\w[\w ]*?)\s+\Q$url\E(/\S*)$}mg;
is_deeply([sort keys %urls], [sort 'home page', 'share link', 'category',
    'second page', 'nested category', 'readership', 'search'],
    'the URLs listed')
    or diag($banner);
for my $what (sort keys %urls) {
    my $r = $t->get_at($port, $urls{$what}, Host => "127.0.0.1:$port");
    if ($what eq 'share link') {
        is($r->{status}, 302, "$what $urls{$what}: 302");
        my $to = $r->{headers}{location} || '';
        $to =~ s{^\Q$url\E}{};
        like($to, qr{^/[a-z-]+/\d{4}/\d\d/\d\d/NW\d+\.html\?utm_source=demo$},
            "$what: to the article");
        is($t->get_at($port, $to)->{status}, 200, "$what: the article, 200");
    } else {
        is($r->{status}, 200, "$what $urls{$what}: 200");
    }
}

# the search: the index made by nginx at its start, the demo's posts found
{
    my $found = 0;
    for (1 .. 50) {
        my $body = $t->get_at($port, $urls{search})->{body};
        $found = () = $body =~ m{<li><a href="/[^"]+/NW\d+\.html">}g;
        last if $found;
        select undef, undef, undef, 0.1;
    }
    ok($found, "search: the demo's posts found ($found)");
}

# the region example: curl -L, a share then a view, in the access log
my ($curl) = $banner =~ /^  (curl .*?\\\n.*?)$/ms;
ok(defined $curl, 'a curl command in the banner') or diag($banner);
$curl //= '';
like($curl, qr/^curl -\w*L\w* /, 'the curl command follows the redirect');
my ($xff) = $curl =~ /X-Forwarded-For: ([0-9.]+)/;
my ($share, $code) = $curl
    =~ m{'\Q$url\E(/html_News/NewsShare\.html\?infoCode=(\w+))'};
ok($xff && $share, 'its address and share link') or diag($curl);
$code //= '';
if (system('sh', '-c', 'command -v curl >/dev/null') == 0) {
    is(system('sh', '-c', $curl), 0, 'the curl command runs');
} else {
    # the same requests without curl
    my $r = $t->get_at($port, $share, 'X-Forwarded-For' => $xff);
    (my $to = $r->{headers}{location} // '/') =~ s{^\Q$url\E}{};
    $t->get_at($port, $to, 'X-Forwarded-For' => $xff);
}
my $rs = NewsReadership->new($t, "$demo/readership.db");
my ($counts, $want) = ('', 'share:1,view:1');
# flushed every 2 s; a loaded machine (the sanitizers) may take longer
$deadline = time + 20;
while (time < $deadline) {
    ($counts) = $rs->try_sql("SELECT group_concat(k, ',') FROM (SELECT "
        . "kind || ':' || sum(count) AS k FROM readership WHERE region = "
        . "'CN-22' AND info_code = '$code' GROUP BY kind ORDER BY kind);");
    $counts //= '';
    chomp $counts;
    last if $counts eq $want;
    sleep 0.2;
}
is($counts, $want, 'the region example: a share and a view in CN-22');

my $log = $t->read_file($d->{out});
like($log, qr{^\Q$xff\E CN-22 .*"GET /html_News/NewsShare\.html\?infoCode=$code }m,
    'the access log: the share link, with its region');
like($log, qr{^\Q$xff\E CN-22 .*"GET /[^ ]*/$code\.html HTTP/1\.1" 200 }m,
    'the access log: the article, with its region');

# the edit: a post of the home page, shown there on the next request
my ($sql) = $banner =~ /^  (sqlite3 .*)$/m;
ok(defined $sql, 'an sqlite3 command in the banner') or diag($banner);
$sql //= 'false';
my ($edited) = $sql =~ /info_code = '(\w+)'/;
my $before = $t->get_at($port, '/')->{body};
ok($edited && $before =~ /\Q$edited\E\.html/, 'the post to edit is on the '
    . 'home page') or diag($sql);
unlike($before, qr/Edited/, 'no post is called Edited yet');
is(system('sh', '-c', $sql), 0, 'the sqlite3 command runs');
like($t->get_at($port, '/')->{body},
    qr{<a href="[^"]*\Q$edited\E\.html">Edited</a>},
    'the home page shows the edit at once');

# the edited post has a picture: shown, previewed, and served by nginx
{
    my ($path) = $t->get_at($port, '/')->{body}
        =~ m{<a href="([^"]*\Q$edited\E\.html)">Edited</a>};
    my $page = $t->get_at($port, $path // '/')->{body};
    my ($img) = $page =~ m{<figure class="lead"><img src="([^"]+)"};
    ok($img, 'the newest demo post shows its picture') or diag($page);
    like($page, qr{<meta property="og:image" content="\Q${\($img // '')}\E">},
        'and previews it');
    my ($local) = ($img // '') =~ m{^https?://[^/]+(/images/.*)$};
    my $r = $t->get_at($port, $local // '/images/none');
    is($r->{status}, 200, 'the picture is served');
    like($r->{headers}{'content-type'} // '', qr{^image/},
        'the picture is an image');
}

# a keepalive connection the client closes: a line at info, none at notice
{
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $port, Proto => 'tcp') or die "connect: $@\n";
    print $s "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    my $buf;
    sysread($s, $buf, 1);
    sleep 0.2;
    close $s;
    sleep 0.3;
}
my @info = grep { /\[(info|debug)\]/ } split /\n/, $t->read_file($d->{err});
is(scalar @info, 0, 'the error log has no line under notice')
    or diag(join "\n", @info[0 .. ($#info < 5 ? $#info : 5)]);

# INT to the script: nginx stops, and so does the script, cleanly
ok(kill('INT', $d->{pid}), 'INT to the script');
my $rc = wait_exit($d, 10);
is($rc, 0, 'the script ends, exit code 0');
ok(!kill(0, $master), "nginx's master $master is gone");
is_deeply([group_members($d->{pid})], [], 'no process of the demo is left');
ok(!listening($port), "nothing listens on $port");

###############################################################################

# the port taken: no banner, the script says why and ends; nothing left
my $taken = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
    Proto => 'tcp', Listen => 5, ReuseAddr => 1) or die "listen: $@\n";
my $busy = start_demo($taken->sockport, 'busy');
$rc = wait_exit($busy, 20);
ok(defined $rc && $rc != 0, 'a port taken: the script fails')
    or diag("exit code " . ($rc // 'none: still running'));
unlike($t->read_file($busy->{out}), qr/The demo site runs/,
    'a port taken: no banner');
like($t->read_file($busy->{err}), qr/nginx exited .* before answering/,
    'a port taken: said');
is_deeply([group_members($busy->{pid})], [],
    'a port taken: no process left');
close $taken;

done_testing;
