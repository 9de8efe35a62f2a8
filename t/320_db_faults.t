#!/usr/bin/perl

# Database faults: a content database missing at start, replaced by
# rename, overwritten with garbage, truncated, of an older schema, locked
# by a writer (rollback journal) or written in WAL mode; and a readership
# database locked or unwritable.  Pages are 503 with Retry-After while the
# content cannot be read, and come back within a couple of seconds of a good
# file, all without a reload; nothing waits longer than the busy timeout.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsReadership;
use File::Copy qw(copy);
use POSIX ();
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
$t->skip_unless_built;

my $p = $t->prefix;
my $live = $t->db;                  # news_db: <prefix>/news.db
my $D = '2022/03/04';
my $code = 'NW2022030410000001';
my $other = 'NW2022030410000002';
my $path = "/finance/$D/$code.html";
my $share = '/html_News/NewsShare.html';

my $HTTP = "news_db_busy_timeout 50ms;\n";

# a database built aside, as deploys do: init and import into another path
sub build_db {
    my ($file, $title) = @_;
    unlink $file;
    my $keep = $t->db;
    $t->db($file);
    $t->db_init;
    $t->add_posts(
        { info_code => $code, title => $title, categories => 'finance',
          category_name => '财经' },
        { info_code => $other, title => 'other', categories => 'finance',
          category_name => '财经' },
    );
    $t->db($keep);
    return $file;
}

sub swap_in {
    my ($file) = @_;
    rename $file, $live or die "rename $file: $!\n";
}

# polls a condition for up to $secs seconds: the seconds it took, or undef
sub wait_for {
    my ($secs, $cond) = @_;
    my $t0 = time;
    while (1) {
        return time - $t0 if $cond->();
        return undef if time - $t0 > $secs;
        sleep 0.05;
    }
}

sub title_of {
    my ($r) = @_;
    my ($h) = $r->{body} =~ m{<h1[^>]*>\s*(.*?)\s*</h1>}s;
    return $h // '';
}

# every page kind answers 503 with Retry-After
sub all_503 {
    my ($name) = @_;
    for my $uri ($path, "$share?infoCode=$code", '/category/finance.html',
        '/')
    {
        my $r = $t->get($uri);
        is($r->{status}, 503, "$name: $uri 503");
        like($r->{headers}{'retry-after'} // '', qr/^\d+$/,
            "$name: $uri Retry-After");
    }
}

sub starts {
    my @s = $t->error_log =~ /start worker process \d+/g;
    return scalar @s;
}

# a background sqlite3 running $sql and then holding its transaction open
# until release(); killed at the end whatever happens
my %HOLDERS;
END { kill 'KILL', $_ for keys %HOLDERS; }

sub hold {
    my ($db, $sql) = @_;
    my $ready = "$p/temp/holder.out";
    unlink $ready;
    pipe(my $r, my $w) or die "pipe: $!\n";
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        close $w;
        open STDIN, '<&', $r or POSIX::_exit(126);
        open STDOUT, '>', $ready or POSIX::_exit(126);
        open STDERR, '>', "$p/temp/holder.err" or POSIX::_exit(126);
        { no warnings q(exec); exec $NewsTest::SQLITE3, $db; }
        POSIX::_exit(127);
    }
    close $r;
    $HOLDERS{$pid} = 1;
    $w->autoflush(1);
    print $w ".timeout 3000\n$sql\nSELECT 'holding';\n";
    my $ok = wait_for(3, sub { $t->read_file($ready) =~ /holding/ });
    my $h = { pid => $pid, w => $w };
    return $h if defined $ok;
    diag('holder: ' . $t->read_file("$p/temp/holder.err"));
    release($h);
    return undef;
}

sub release {
    my ($h, $end) = @_;
    my $w = $h->{w};
    print $w ($end // 'COMMIT') . ";\n";
    close $w;
    waitpid($h->{pid}, 0);
    delete $HOLDERS{$h->{pid}};
    return $?;
}

###############################################################################

# missing at start: nginx -t warns naming the file, nginx starts, pages are
# 503 until a database is renamed into place

$t->write_conf($t->conf_server('', http => $HTTP));
ok(!-e $live, 'missing: no database yet');
my ($rc, $out) = $t->test_conf;
is($rc, 0, 'missing: nginx -t succeeds');
like($out, qr/\[warn\].*\Q$live\E/, 'missing: nginx -t warns, naming it');

$t->run;
all_503('missing');
like($t->error_log, qr/news: .*\Q$live\E/, 'missing: logged, naming it');

my $good = build_db("$p/deploy.db", 'First Title');
copy($good, "$p/good.db") or die "copy: $!\n";
swap_in($good);
my $took = wait_for(3, sub { $t->get($path)->{status} == 200 });
ok(defined $took, 'missing: 200 once it is there')
    or diag($t->get($path)->{status});
diag(sprintf 'appeared after %.2fs', $took) if defined $took && $took > 2;
is(title_of($t->get($path)), 'First Title', 'missing: its content');
is($t->get('/')->{status}, 200, 'missing: home 200 now');

# replaced by rename while running

build_db("$p/second.db", 'Second Title');
swap_in("$p/second.db");
$took = wait_for(3, sub { title_of($t->get($path)) eq 'Second Title' });
ok(defined $took, 'replaced: the new title is served');
is($t->get($path)->{status}, 200, 'replaced: 200');

# overwritten in place with garbage, then a good file renamed in

my $mark = $t->log_mark;
{
    my $size = -s $live;
    open my $fh, '+<:raw', $live or die "open $live: $!\n";
    print $fh substr('this is not an SQLite database. ' x (1 + $size / 32),
        0, $size);
    close $fh or die "close: $!\n";
}
$took = wait_for(3, sub { $t->get($path)->{status} == 503 });
ok(defined $took, 'garbage: 503');
all_503('garbage');
like($t->error_log_since($mark), qr/\[error\].*news: .*\Q$live\E/,
    'garbage: an error naming the file');

copy("$p/good.db", "$p/restore.db") or die "copy: $!\n";
swap_in("$p/restore.db");
$took = wait_for(3, sub { $t->get($path)->{status} == 200 });
ok(defined $took, 'garbage: 200 again after a good file');
is(title_of($t->get($path)), 'First Title', 'garbage: the good content');

# a truncated copy renamed into place

$mark = $t->log_mark;
copy("$p/good.db", "$p/short.db") or die "copy: $!\n";
truncate "$p/short.db", 4096 or die "truncate: $!\n";
swap_in("$p/short.db");
$took = wait_for(3, sub { $t->get($path)->{status} == 503 });
ok(defined $took, 'truncated: 503');
all_503('truncated');
like($t->error_log_since($mark), qr/\[error\].*news: .*\Q$live\E/,
    'truncated: an error naming the file');

# a zero-byte file: 503, and the log says it is empty, not to migrate it

$mark = $t->log_mark;
{
    open my $fh, '>', "$p/empty.db" or die "open: $!\n";
    close $fh;
}
swap_in("$p/empty.db");
$took = wait_for(3, sub {
    $t->get($path)->{status} == 503
        && $t->error_log_since($mark) =~ /is empty or not a news database/ });
ok(defined $took, 'zero bytes: 503, the log says empty');
all_503('zero bytes');
unlike($t->error_log_since($mark), qr/migrate/,
    'zero bytes: the log does not say to migrate it');

# an older schema: 503 and the log says what to run

$mark = $t->log_mark;
copy("$p/good.db", "$p/old.db") or die "copy: $!\n";
($rc) = $t->run_cmd("PRAGMA user_version = 1;\n", $NewsTest::SQLITE3,
    "$p/old.db");
is($rc, 0, 'old schema: user_version set to 1');
swap_in("$p/old.db");
$took = wait_for(3, sub {
    $t->get($path)->{status} == 503
        && $t->error_log_since($mark) =~ /schema version 1/ });
ok(defined $took, 'old schema: 503');
all_503('old schema');
my ($line) = grep { /schema version 1/ } split /\n/,
    $t->error_log_since($mark);
like($line // '', qr/news: .*\Q$live\E/, 'old schema: log names the file');
like($line // '', qr/newsctl migrate/, 'old schema: log says newsctl migrate');

copy("$p/good.db", "$p/restore.db") or die "copy: $!\n";
swap_in("$p/restore.db");
ok(defined wait_for(3, sub { $t->get($path)->{status} == 200 }),
    'old schema: 200 after a migrated file');

###############################################################################

# rollback journal: a writer's exclusive lock makes pages that need the
# database 503 within about the busy timeout; they come back when it ends.
# A page in the render cache is still served: the lock changed nothing.

is($t->sql_value('PRAGMA journal_mode;'), 'delete', 'lock: rollback journal');
is($t->get($path)->{status}, 200, 'lock: a page rendered before');
$mark = $t->log_mark;
my $h = hold($live, 'BEGIN EXCLUSIVE;');
ok($h, 'lock: another process holds an exclusive lock');
is(title_of($t->get($path)), 'First Title',
    'lock: a page rendered before is served from the cache');
my ($slowest, @st, @retry) = (0);
my $t0 = time;
for (1 .. 8) {
    my $t1 = time;
    my $r = $t->get("/finance/$D/$other.html");
    my $d = time - $t1;
    $slowest = $d if $d > $slowest;
    push @st, $r->{status};
    push @retry, $r->{headers}{'retry-after'} // '-';
    sleep 0.1;
}
is("@st", join(' ', (503) x 8), 'lock: 503 while locked');
unlike("@retry", qr/-/, 'lock: each with Retry-After');
ok($slowest < 0.8, 'lock: each answer in well under a second')
    or diag("slowest ${slowest}s");
like($t->error_log_since($mark), qr/news: .*\Q$live\E.*locked/,
    'lock: logged');
sleep 0.05 while time < $t0 + 1.5;
release($h) if $h;
is($t->get($path)->{status}, 200, 'lock: 200 once released');

# WAL: a writer's open transaction never stops readers; its commit shows

$t->stop;
is($t->sql_value('PRAGMA journal_mode = WAL;'), 'wal', 'wal: set');
$t->run;
is(title_of($t->get($path)), 'First Title', 'wal: served');

$h = hold($live, "BEGIN IMMEDIATE;\nUPDATE posts SET title = 'WAL Title' "
    . "WHERE info_code = '$code';");
ok($h, 'wal: a writer holds a write transaction');
($slowest, @st) = (0);
my @titles;
for (1 .. 8) {
    my $t1 = time;
    my $r = $t->get($path);
    my $d = time - $t1;
    $slowest = $d if $d > $slowest;
    push @st, $r->{status};
    push @titles, title_of($r);
    sleep 0.1;
}
is("@st", join(' ', (200) x 8), 'wal: readers 200 meanwhile');
is_deeply(\@titles, [ ('First Title') x 8 ], 'wal: the old content');
ok($slowest < 0.8, 'wal: readers fast') or diag("slowest ${slowest}s");
is($h ? release($h) : -1, 0, 'wal: the writer commits');
is(title_of($t->get($path)), 'WAL Title', 'wal: new content after COMMIT');

###############################################################################

# the readership database locked: pages go on, the counts arrive after

$t->stop;
$t->write_conf($t->conf_server('', http => $HTTP
    . "    news_readership zone=r:1m db=%%PREFIX%%/rs.db flush=200ms;\n"));
$t->run;

my $rs = NewsReadership->new($t, "$p/rs.db");
is($t->get($path)->{status}, 200, 'readership: a first view');
ok($rs->wait_total(1), 'readership: written') or diag($rs->last_total);

$mark = $t->log_mark;
my $N = 20;
$h = hold("$p/rs.db", 'BEGIN EXCLUSIVE;');
ok($h, 'readership lock: held');
($slowest, @st) = (0);
$t0 = time;
for my $n (1 .. $N) {
    my $t1 = time;
    push @st, $t->get($n % 2 ? $path : "/finance/$D/$other.html")->{status};
    my $d = time - $t1;
    $slowest = $d if $d > $slowest;
    sleep 0.05;
}
sleep 0.05 while time < $t0 + 2;
is("@st", join(' ', (200) x $N), 'readership lock: pages 200');
ok($slowest < 0.5, 'readership lock: pages fast')
    or diag("slowest ${slowest}s");
is($rs->total, 1, 'readership lock: nothing written meanwhile') if $h;
release($h) if $h;
ok($rs->wait_total(1 + $N, 4), "readership lock: the $N views arrive")
    or diag('total ' . $rs->last_total);
sleep 0.5;
is($rs->value('SELECT sum(count) FROM readership;'), 1 + $N,
    'readership lock: exactly, none twice');

# the readership database in a directory the workers cannot write

SKIP: {
    skip 'running as root, whom a 0555 directory does not stop '
        . '(t/220 covers a directory that is a file)', 5 if $> == 0;

    my $dir = "$p/ro";
    mkdir $dir or die "mkdir: $!\n";
    chmod 0555, $dir or die "chmod: $!\n";
    my $ro = NewsReadership->new($t, "$dir/rs.db");

    $t->stop;
    $t->write_conf($t->conf_server('', http => $HTTP
        . "    news_readership zone=r:1m db=$dir/rs.db flush=200ms;\n"));
    $mark = $t->log_mark;
    $t->run;
    ($slowest, @st) = (0);
    for (1 .. 5) {
        my $t1 = time;
        push @st, $t->get($path)->{status};
        my $d = time - $t1;
        $slowest = $d if $d > $slowest;
        sleep 0.1;
    }
    is("@st", '200 200 200 200 200', 'unwritable: pages 200');
    ok($slowest < 0.5, 'unwritable: pages fast');
    ok(defined wait_for(2, sub {
        $t->error_log_since($mark) =~ /news: .*\Q$dir\E/ }),
        'unwritable: logged, naming the path');
    chmod 0755, $dir or die "chmod: $!\n";
    ok($ro->wait_total(5, 4), 'unwritable: the counts arrive after')
        or diag('total ' . $ro->last_total);
    unlike($t->error_log_since($mark), qr/exited on signal|\[alert\]/,
        'unwritable: no crash, no alert');
}

###############################################################################

is($t->get($path)->{status}, 200, 'still serving');
unlike($t->error_log, qr/reconfiguring/, 'never reloaded');

done_testing;
