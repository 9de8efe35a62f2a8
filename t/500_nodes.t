#!/usr/bin/perl

# Many nodes: the primary is edited with sqlite3 in WAL mode (a writer
# bumping a generation in a post's title every 100 ms); a publisher loop
# makes a snapshot with "newsctl publish" and ships it to three nodes with
# rsync (its temporary file, then a rename); each node's nginx opens its
# file with "news_db ... snapshot" (immutable=1).  Checkers on every node
# find only 200s, a generation that never goes back, and each new one
# within a few seconds (lag p50/p99 printed).  Then a publisher killed
# with SIGKILL in the middle of a (slowed) rsync leaves every node
# serving a file that passes quick_check, and the next publish lands.

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

my ($RSYNC) = grep { -x } map { "$_/rsync" } split /:/, $ENV{PATH} // '';
plan(skip_all => 'rsync not installed (Debian package rsync; make deps)')
    unless $RSYNC;
plan(skip_all => "no $NewsTest::SQLITE3 command")
    unless system("$NewsTest::SQLITE3 -version >/dev/null 2>&1") == 0;

my $p = $t->prefix;
my $primary = "$p/primary.db";
my $stage = "$p/stage";
mkdir $stage or die "mkdir $stage: $!\n";

# the primary: the first node's harness makes it, then it moves aside
$t->db_init;
my ($code) = $t->add_posts({ title => 'gen 0', categories => 'finance' });
my $path = $t->article_path($code);
$t->sql("PRAGMA journal_mode = WAL;");
rename $t->db, $primary or die "rename: $!\n";
unlink map { $t->db . $_ } qw(-wal -shm);

# each node's harness keeps its own file, <prefix>/news.db
my @nodes = ($t, NewsTest->new, NewsTest->new);

# SQL on the primary, through the first node's harness
sub primary_sql {
    my ($sql) = @_;
    my $keep = $t->db;
    $t->db($primary);
    my $out = $t->sql($sql);
    $t->db($keep);
    return $out;
}

sub newsctl { return $t->run_cmd(undef, $t->newsctl, @_) }

sub publish_all {
    my (@rsync_args) = @_;
    my ($rc, $out, $err) = newsctl('publish', '--db', $primary,
                                   '--to', "$stage/news.db");
    return "publish: $err" if $rc;
    # --ignore-times: a snapshot of the same size made in the same second
    # as the last is still sent
    for my $n (@nodes) {
        system($RSYNC, '-a', '--ignore-times', @rsync_args,
               "$stage/news.db", $n->db) == 0
            or return "rsync failed: $?";
    }
    return '';
}

is(publish_all(), '', 'the first snapshot on every node');

for my $n (@nodes) {
    $n->write_conf($n->conf_server('', db => '%%DB%% snapshot'));
    $n->run;
}

is(join(' ', map { $_->get($path)->{status} } @nodes), '200 200 200',
    'every node serves the snapshot');

# the children: a writer, a publisher, a checker per node; all stopped by
# the stop file, or killed at the end whatever happens
my @kids;
my $parent = $$;
END { kill 'KILL', @kids if @kids && $$ == $parent; }
my $stop = "$p/stop";

sub child {
    my ($code_ref) = @_;
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        POSIX::setpgid(0, 0);
        $code_ref->();
        POSIX::_exit(0);
    }
    push @kids, $pid;
    return $pid;
}

my $writer = child(sub {
    open my $log, '>', "$p/gens.log" or POSIX::_exit(1);
    $log->autoflush(1);
    my $end = time + 20;
    for (my $gen = 1; !-e $stop && time < $end; $gen++) {
        primary_sql("UPDATE posts SET title = 'gen $gen' "
            . "WHERE info_code = '$code';");
        print $log "$gen ", time, "\n";
        sleep 0.1;
    }
});

my $publisher = child(sub {
    my $end = time + 25;
    while (!-e $stop && time < $end) {
        my $why = publish_all();
        if ($why) {
            open my $f, '>>', "$p/publish.err";
            print $f "$why\n";
        }
        sleep 0.2;
    }
});

my @checkers;
for my $i (0 .. $#nodes) {
    push @checkers, child(sub {
        open my $log, '>', "$p/check.$i" or POSIX::_exit(1);
        $log->autoflush(1);
        my $end = time + 25;
        while (!-e "$stop.checkers" && time < $end) {
            my $r = $nodes[$i]->get($path);
            my ($gen) = $r->{body} =~ m{<h1[^>]*>\s*gen (\d+)\s*</h1>};
            print $log join(' ', $r->{status}, $gen // -1, time), "\n";
            sleep 0.01;
        }
    });
}

sleep 6;
$t->write_file($stop, '');
waitpid $writer, 0;
waitpid $publisher, 0;

# the last generation written, published once more, seen by every node
my @gens = map { [split ' '] } split /\n/, $t->read_file("$p/gens.log");
my $last = $gens[-1][0];
is(publish_all(), '', 'the last publish');
my $deadline = time + 5;
sleep 0.1 while time < $deadline
    && grep { ($_->get($path)->{body} =~ /gen (\d+)/)[0] != $last } @nodes;

sleep 0.3;
$t->write_file("$stop.checkers", '');
waitpid $_, 0 for @checkers;
@kids = ();

ok($last >= 20, "the writer wrote $last generations");
is($t->read_file("$p/publish.err") // '', '', 'every publish and rsync ran')
    if -e "$p/publish.err";

my %written = map { $_->[0] => $_->[1] } @gens;
my @lags;
for my $i (0 .. $#nodes) {
    my @rows = map { [split ' '] } split /\n/, $t->read_file("$p/check.$i");
    my @bad = grep { $_->[0] != 200 } @rows;
    is(scalar(@bad), 0, "node $i: no answer but 200 in " . scalar(@rows)
        . ' requests during the swaps');

    my ($prev, $back) = (-1, 0);
    my %seen;
    for my $r (@rows) {
        $back++ if $r->[1] < $prev;
        $prev = $r->[1] if $r->[1] > $prev;
        $seen{$r->[1]} //= $r->[2];
    }
    is($back, 0, "node $i: its generation never went back");
    is($prev, $last, "node $i: the last generation reached it");
    push @lags, map { $seen{$_} - $written{$_} }
                grep { $written{$_} } keys %seen;
}

@lags = sort { $a <=> $b } @lags;
my $pct = sub { $lags[int($_[0] * $#lags)] * 1000 };
ok(@lags >= 10, scalar(@lags) . ' generations seen on the nodes');
diag(sprintf 'lag from the commit on the primary to a node serving it: '
    . 'p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d generations seen)',
    $pct->(0.5), $pct->(0.99), $lags[-1] * 1000, scalar @lags);
ok($lags[-1] < 5, 'every generation seen within 5 s of its commit');

# a publisher killed in the middle of an rsync: a bigger file, slowed
primary_sql("UPDATE posts SET body_html = '<p>' || hex(randomblob(2000000))"
    . " || '</p>', title = 'big' WHERE info_code = '$code';");
my $killed = child(sub {
    publish_all('--bwlimit=500');
});
$deadline = time + 20;
sleep 0.05 while time < $deadline
    && !grep { glob($_->prefix . '/.news.db.*') } @nodes;
sleep 0.3;
kill 'KILL', -$killed;
waitpid $killed, 0;
@kids = ();

my @temps = map { glob($_->prefix . '/.news.db.*') } @nodes;
ok(@temps >= 1, 'the killed rsync left its temporary file ('
    . scalar(@temps) . ')');

for my $i (0 .. $#nodes) {
    my $n = $nodes[$i];
    is($n->sql_value('PRAGMA quick_check;'), 'ok',
        "node $i: its file passes quick_check");
    is($n->get($path)->{status}, 200, "node $i: still serving");
}

is(publish_all(), '', 'the next publish after the kill');
$deadline = time + 5;
sleep 0.1 while time < $deadline
    && grep { $_->get($path)->{body} !~ m{<h1[^>]*>\s*big\s*</h1>} } @nodes;
is(join(' ', map { $_->get($path)->{body} =~ m{<h1[^>]*>\s*big\s*</h1>}
    ? 'big' : 'old' } @nodes), 'big big big', 'and every node has it');

for my $n (@nodes) {
    $n->stop;
    $n->end_checks;
}

done_testing();
