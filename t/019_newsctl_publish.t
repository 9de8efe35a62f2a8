#!/usr/bin/perl

# newsctl publish: a primary in WAL mode, with an edit still in its -wal,
# published over the file a running nginx serves, that file in WAL mode
# too and open in an admin's sqlite3 with an edit of its own in its -wal
# (which a plain rename would apply to the new file).  The new content is
# served within 2 s, never a 503 nor "malformed" meanwhile (polled every
# 50 ms), the file passes quick_check in rollback mode with no -wal
# beside it; several times over.  Files that are no news database of this
# version are refused and the served file is left as it was.

use strict;
use warnings;

use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;
plan(skip_all => "no $NewsTest::SQLITE3 command")
    unless system("$NewsTest::SQLITE3 -version >/dev/null 2>&1") == 0;

my $p = $t->prefix;
my $live = $t->db;                  # news_db: <prefix>/news.db
my $primary = "$p/primary.db";
my $code = 'NW2022030410000001';
my $path = "/finance/2022/03/04/$code.html";

sub newsctl { return $t->run_cmd(undef, $t->newsctl, @_) }

sub sql_on {
    my ($db, $text) = @_;
    my $keep = $t->db;
    $t->db($db);
    my $v = $t->sql_value($text);
    $t->db($keep);
    return $v;
}

sub title_of {
    my ($r) = @_;
    my ($h) = $r->{body} =~ m{<h1[^>]*>\s*(.*?)\s*</h1>}s;
    return $h // '';
}

# a background sqlite3 on db that runs sql and stays connected, as an
# admin's session does, until release(); killed at the end in any case
my %HOLDERS;
END { kill 'KILL', $_ for keys %HOLDERS; }

sub hold {
    my ($db, $sql) = @_;
    my $out = "$p/temp/holder.$$." . (keys(%HOLDERS) + 1);
    pipe(my $r, my $w) or die "pipe: $!\n";
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        close $w;
        open STDIN, '<&', $r or POSIX::_exit(126);
        open STDOUT, '>', $out or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(126);
        { no warnings q(exec); exec $NewsTest::SQLITE3, $db; }
        POSIX::_exit(127);
    }
    close $r;
    $HOLDERS{$pid} = 1;
    $w->autoflush(1);
    print $w ".timeout 3000\n$sql\nSELECT 'holding';\n";
    my $t0 = time;
    sleep 0.02 until $t->read_file($out) =~ /holding/ || time - $t0 > 3;
    return { pid => $pid, w => $w, out => $out };
}

# more SQL for a holder; what it printed since it started
sub tell_holder {
    my ($h, $sql) = @_;
    my $w = $h->{w};
    print $w "$sql\nSELECT 'told';\n";
    my $t0 = time;
    sleep 0.02 until $t->read_file($h->{out}) =~ /told/ || time - $t0 > 3;
    return $t->read_file($h->{out});
}

sub release {
    my ($h) = @_;
    my $w = $h->{w};
    close $w;
    waitpid($h->{pid}, 0);
    delete $HOLDERS{$h->{pid}};
    unlink $h->{out};
}

###############################################################################

# the primary: WAL mode, the last edit in its -wal (a session keeps it
# open, so nothing checkpoints it away)

$t->db($primary);
$t->db_init;
$t->add_posts({ info_code => $code, title => 'Primary 0',
    categories => 'finance', category_name => 'Finance' });
$t->db($live);
is(sql_on($primary, 'PRAGMA journal_mode = WAL;'), 'wal', 'primary: WAL');

# the served file: a first publish of the primary, then WAL mode as an
# admin sets it

{
    my ($rc, $out, $err) = newsctl('publish', '--db', $primary, '--to',
        $live);
    is($rc, 0, 'first publish: exit 0') or diag($err);
    is($out, "published $primary to $live\n", 'first publish: says so');
}

$t->write_conf($t->conf_server);
$t->run;
is(title_of($t->get($path)), 'Primary 0', 'served: the first copy');

for my $round (1 .. 3) {
    my $title = "Primary $round";

    # an edit on the primary, left in its -wal by an open session
    my $editor = hold($primary, "UPDATE posts SET title = '$title'"
        . " WHERE info_code = '$code';");
    ok(-s "$primary-wal", "round $round: the primary's edit is in its -wal");

    # the served file in WAL mode, an admin's edit in its -wal, the admin
    # still connected
    is(sql_on($live, 'PRAGMA journal_mode = WAL;'), 'wal',
        "round $round: the served file in WAL mode");
    my $admin = hold($live, "UPDATE posts SET title = 'Stale $round'"
        . " WHERE info_code = '$code';");
    ok(-s "$live-wal", "round $round: a stale edit in the served -wal");
    my $took = undef;
    my $t0 = time;
    while (time - $t0 < 2) {
        if (title_of($t->get($path)) eq "Stale $round") {
            $took = 1;
            last;
        }
        sleep 0.05;
    }
    ok($took, "round $round: nginx serves the WAL file");

    my $mark = $t->log_mark;
    my $ino = (stat $live)[1];

    # publish in the background; poll every 50 ms meanwhile
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        open STDOUT, '>', "$p/temp/publish.out" or POSIX::_exit(126);
        open STDERR, '>', "$p/temp/publish.err" or POSIX::_exit(126);
        { no warnings q(exec);
          exec $t->newsctl, 'publish', '--db', $primary, '--to', $live; }
        POSIX::_exit(127);
    }

    my (@bad, $seen, $new_at);
    $t0 = time;
    while (time - $t0 < 3) {
        my $r = $t->get($path);
        push @bad, "$r->{status} " . title_of($r)
            if $r->{status} != 200 || $r->{body} =~ /malformed/i;
        if (title_of($r) eq $title) {
            $new_at //= time - $t0;
            last if ++$seen >= 5;
        }
        sleep 0.05;
    }
    waitpid($pid, 0);
    is($? >> 8, 0, "round $round: publish: exit 0")
        or diag($t->read_file("$p/temp/publish.err"));

    ok(defined $new_at && $new_at < 2,
        "round $round: the new content within 2 s")
        or diag(defined $new_at ? sprintf('%.2fs', $new_at) : 'never');
    is_deeply(\@bad, [], "round $round: never a 503 nor malformed");
    unlike($t->error_log_since($mark), qr/malformed|\[error\]/,
        "round $round: no error logged");

    isnt((stat $live)[1], $ino, "round $round: a new file in place");
    ok(!-e "$live-wal" && !-e "$live-shm",
        "round $round: no -wal nor -shm beside it");
    is(sql_on($live, 'PRAGMA quick_check;'), 'ok',
        "round $round: quick_check ok");
    is(sql_on($live, 'PRAGMA journal_mode;'), 'delete',
        "round $round: rollback-journal mode");
    my @left = glob("$live.publish*");
    is("@left", '', "round $round: no temporary file left");

    # the admin, still on the old file, writes: the new file never sees it
    tell_holder($admin, "UPDATE posts SET title = 'Lost $round'"
        . " WHERE info_code = '$code';");
    release($admin);
    release($editor);
    ok(!-e "$live-wal" && !-e "$live-journal",
        "round $round: the old session left nothing beside the new file");
    is(sql_on($live, 'PRAGMA quick_check;'), 'ok',
        "round $round: quick_check ok after the old session ended");
    is(title_of($t->get($path)), $title,
        "round $round: still the published content");
}

###############################################################################

# WAL back to rollback mode while nginx reads it: PRAGMA journal_mode fails
# ("database is locked": nginx's WAL readers hold a shared lock), publishing
# the file onto itself does it

{
    is(sql_on($live, 'PRAGMA journal_mode = WAL;'), 'wal',
        'flip: WAL mode');
    sql_on($live, "UPDATE posts SET title = 'In WAL' WHERE info_code"
        . " = '$code';");
    my $t0 = time;
    sleep 0.05 until title_of($t->get($path)) eq 'In WAL' || time - $t0 > 2;
    my ($rc, $out, $err) = $t->run_cmd("PRAGMA journal_mode = DELETE;\n",
        $NewsTest::SQLITE3, $live);
    like($out . $err, qr/database is locked/,
        'flip: PRAGMA journal_mode = DELETE refused while nginx reads');

    ($rc, $out, $err) = newsctl('publish', '--db', $live, '--to', $live);
    is($rc, 0, 'flip: publish onto itself: exit 0') or diag($err);
    is(sql_on($live, 'PRAGMA journal_mode;'), 'delete',
        'flip: rollback-journal mode');
    $t0 = time;
    my @st;
    while (time - $t0 < 1.5) {
        my $r = $t->get($path);
        push @st, $r->{status} if $r->{status} != 200;
        sleep 0.05;
    }
    is("@st", '', 'flip: 200 throughout');
    is(title_of($t->get($path)), 'In WAL', 'flip: the same content');
}

###############################################################################

# refused: the served file stays as it was

{
    my $bytes = $t->read_file($live);
    my $ino = (stat $live)[1];

    my $v2 = "$p/v2.db";
    system('cp', $primary, $v2) == 0 or die "cp: $?\n";
    sql_on($v2, 'PRAGMA user_version = 2;');

    my $readership = "$p/readership.db";
    sql_on($readership, $t->read_file($t->repo . '/sql/readership.sql'));

    my $junk = $t->write_file("$p/junk.db", "not a database\n" x 500);

    my $broken = "$p/broken.db";
    system('cp', $live, $broken) == 0 or die "cp: $?\n";
    {
        my $page = sql_on($broken, 'PRAGMA page_size;');
        my $root = sql_on($broken, "SELECT rootpage FROM sqlite_master"
            . " WHERE name = 'posts_by_date'");
        open my $fh, '+<:raw', $broken or die "$broken: $!\n";
        seek($fh, ($root - 1) * $page, 0) or die "seek: $!\n";
        print $fh "\xff" x $page;
        close $fh or die "$broken: $!\n";
    }

    for my $bad (
        [ 'an older schema version', $v2, qr/user_version\) is 2.*migrate/ ],
        [ 'a readership file', $readership, qr/readership database/ ],
        [ 'a file that is no database', $junk, qr/not a database/ ],
        [ 'a missing file', "$p/none.db", qr/none\.db/ ],
        [ 'a damaged file', $broken, qr/quick_check|malformed/ ])
    {
        my ($what, $src, $why) = @$bad;
        my ($rc, $out, $err) = newsctl('publish', '--db', $src, '--to',
            $live);
        is($rc, 1, "$what: exit 1");
        like($err, $why, "$what: says why") or diag($err);
        like($err, qr/not published; \Q$live\E is as it was/,
            "$what: says nothing changed");
        is((stat $live)[1], $ino, "$what: the same file in place");
        ok($t->read_file($live) eq $bytes, "$what: its bytes unchanged");
        my @left = glob("$live.publish*");
        is("@left", '', "$what: no temporary file left");
    }

    ok(!-e "$p/none.db", 'a missing file: none created');

    my ($rc, $out, $err) = newsctl('publish', '--db', $primary);
    is($rc, 2, 'no --to: exit 2');
    like($err, qr/--to FILE is required/, 'no --to: says so');
}

is(title_of($t->get($path)), 'In WAL', 'still served after the refusals');

done_testing();
