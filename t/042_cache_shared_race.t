#!/usr/bin/perl

# A render from before a commit, finished after another worker forgot what
# the commit touched, is not kept in the cache the workers share.  Two
# workers, a kept-alive connection to each (reuseport spreads them); in WAL
# mode a reader does not hold a writer back:
#   worker B starts rendering a big article (tens of milliseconds);
#   meanwhile a commit retitles a post its related list shows, and worker
#   A, asked for another page, sees the commit and forgets the article;
#   B finishes with the old title.
# Every later answer, from either worker, has the new title: B's render
# was sent to its client but not kept.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
$t->skip_unless_built;

my $MB = 1024 * 1024;

$t->db_init;
my ($big, $near, $small) = $t->add_posts(
    { title => 'big one', categories => 'finance' },
    { title => 'near one', categories => 'finance' },
    { title => 'small one', categories => 'tech' });
my ($big_path, $small_path) = map { $t->article_path($_) } $big, $small;
$t->sql("UPDATE posts SET body_html = '<p>' || hex(zeroblob(12 * $MB))"
    . " || '</p>' WHERE info_code = '$big';");
is($t->sql_value('PRAGMA journal_mode = WAL;'), 'wal', 'setup: WAL mode');

$t->write_conf($t->conf_server('',
    server => 'add_header X-Cache $news_cache_status always;'
        . ' add_header X-Pid $pid always;',
    http => 'news_cache 128m;'));
$t->set_workers(2, reuseport => 1);
$t->run;

is($t->wait_workers(2), 2, 'two workers');

# a kept-alive connection, and a response read off it
sub send_get {
    my ($s, $uri) = @_;
    print $s "GET $uri HTTP/1.1\r\nHost: localhost\r\n\r\n";
}

sub read_response {
    my ($s) = @_;
    my $data = '';
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm 20;
    while (index($data, "\r\n\r\n") < 0) {
        sysread($s, $data, 65536, length $data) or die "closed\n";
    }
    my $end = index($data, "\r\n\r\n") + 4;
    my $head = substr($data, 0, $end);
    my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
    die "no Content-Length\n" unless defined $len;
    while (length($data) < $end + $len) {
        sysread($s, $data, $end + $len - length $data, length $data)
            or die "closed\n";
    }
    alarm 0;
    my %h = map { /^([^:]+):\s*(.*?)\r?$/ ? (lc $1, $2) : () }
        split /\r\n/, $head;
    my $body = substr($data, $end, $len);
    # the related post's title, as the big article lists it
    my ($title) = $body =~ /\b((?:before|after) \d+|near one)\b/;
    return { pid => $h{'x-pid'} // '', cache => $h{'x-cache'} // '',
        title => $title // '' };
}

# a connection to each worker
my %conn;
for (1 .. 200) {
    last if keys %conn == 2;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port, Proto => 'tcp') or die "connect: $@\n";
    binmode $s;
    $s->autoflush(1);
    send_get($s, $small_path);
    my $r = read_response($s);
    $conn{$r->{pid}} //= $s;
}
my ($pid_a, $pid_b) = sort keys %conn;
is(scalar(keys %conn), 2, 'a connection to each of the two workers');
my ($A, $B) = @conn{$pid_a, $pid_b};

# how long B takes to render the big article: the edit must land within
send_get($B, $big_path);
my $t0 = time;
my $r = read_response($B);
my $render = time - $t0;
is($r->{cache}, 'MISS', 'setup: the big article rendered');
is($r->{title}, 'near one', 'setup: its related list shows the near post');
diag(sprintf 'the big article: %.0f ms to render and read', $render * 1000);

my $raced = 0;
for my $n (1 .. 5) {
    # the article forgotten, so that B renders it
    $t->sql("UPDATE posts SET title = 'before $n' WHERE info_code = "
        . "'$near';");

    send_get($B, $big_path);
    sleep 0.002;
    my $c0 = time;
    $t->sql("UPDATE posts SET title = 'after $n' WHERE info_code = "
        . "'$near';");
    send_get($A, $small_path);
    my $ra = read_response($A);
    my $commit = time - $c0;
    my $rb = read_response($B);

    # B's render began before the commit: this round tells
    $raced++ if $rb->{title} eq "before $n";

    my %seen;
    for my $s ($A, $B, $A, $B) {
        send_get($s, $big_path);
        $seen{read_response($s)->{title}}++;
    }
    is(join(',', sort keys %seen), "after $n",
        "round $n: both workers answer the new title (B sent "
        . "'$rb->{title}', the edit took "
        . sprintf('%.0f ms)', $commit * 1000));
}
ok($raced, "B rendered from before the commit in $raced of 5 rounds")
    or diag('the race was not reproduced: the render was too fast');

close $_ for values %conn;

$t->stop;
$t->end_checks;

done_testing();
