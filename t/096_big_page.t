#!/usr/bin/perl

# A page too big for the render cache (a 16 MB body, news_cache 16m) read
# by many slow readers at once: the worker holds one copy of it, shared by
# the connections sending it, not one (or two) per connection; every
# reader gets the whole page; and the copy is gone once they are done.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use IO::Socket::INET;
use IO::Select;
use Time::HiRes qw(time sleep);

my $t = NewsTest->new(timeout => 10);
$t->skip_unless_built;

my $MB = 1024 * 1024;

# AddressSanitizer keeps what was freed in quarantine, so RSS says nothing
# then, and it is slow: a smaller page, and no memory checks
my $asan = ($ENV{TEST_NEWS_PRELOAD} // '') =~ /asan/;
my $page = $asan ? 4 : 16;
my $READERS = 20;

$t->db_init;
my ($code) = $t->add_posts({ title => 'a very long article',
    categories => 'big', category_name => 'Big' });
$t->sql("UPDATE posts SET body_html = '<p>' || hex(zeroblob($page / 2 * $MB))"
    . " || '</p>' WHERE info_code = '$code';");

$t->write_conf($t->conf_server);
$t->run;

my $path = $t->article_path($code);

# the worker's resident memory, in MB
sub worker_rss {
    my ($pid) = `pgrep -P ${\ $t->pid }` =~ /(\d+)/ or return undef;
    open my $fh, '<', "/proc/$pid/status" or return undef;
    my ($kb) = join('', <$fh>) =~ /^VmRSS:\s+(\d+) kB/m;
    return $kb / 1024;
}

is($t->get('/')->{status}, 200, 'the site is up');
my $base = worker_rss();
ok(defined $base, "the worker's memory is known: ${\ int($base // 0) } MB");

# readers that send their request and then read nothing for a while
my @socks;
for (1 .. $READERS) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port, Proto => 'tcp', Timeout => 5)
        or die "connect: $!\n";
    print $s "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    push @socks, $s;
}

# the worker takes every request and is then stuck sending: its peak
my $peak = 0;
for (1 .. 15) {
    sleep 0.1;
    my $rss = worker_rss() // 0;
    $peak = $rss if $rss > $peak;
}


SKIP: {
skip 'memory under AddressSanitizer is not the module\'s', 1 if $asan;
ok($peak - $base < 4 * $page,
    sprintf('%d slow readers of a %d MB page: the worker grew by %d MB',
        $READERS, $page, $peak - $base))
    or diag("base $base MB, peak $peak MB");
}

# every reader gets all of the page, as many bytes of body (the headers
# may differ: no Last-Modified in the second the file was written)
my (%len, %buf, %head);
my $sel = IO::Select->new(@socks);
my $deadline = time + 120;
while ($sel->count && time < $deadline) {
    for my $s ($sel->can_read(1)) {
        my $n = sysread($s, my $chunk, 1024 * 1024);
        if (!$n) {
            $sel->remove($s);
            next;
        }
        if (!defined $head{$s}) {
            my $at = index($chunk, "\r\n\r\n");
            $head{$s} = $at + 4 if $at >= 0;
        }
        $len{$s} += $n;
        $buf{$s} = substr(($buf{$s} // '') . $chunk, -64);
    }
}
my @lens = map { ($len{$_} // 0) - ($head{$_} // 0) } @socks;
my %distinct = map { $_ => 1 } @lens;
is(scalar keys %distinct, 1, 'every reader got as many bytes of body')
    or diag("lengths: @lens");
ok($lens[0] > $page * $MB, "each got the whole page: $lens[0] bytes");
like($buf{ $socks[0] } // '', qr{</html>\s*$}, 'the page ends as pages do');
close $_ for @socks;

# done: the copy is gone, and the page is rendered afresh for the next one
sleep 0.3;
my $after = worker_rss() // 0;
SKIP: {
skip 'memory under AddressSanitizer is not the module\'s', 1 if $asan;
ok($after - $base < 2 * $page,
    sprintf('after the readers: %d MB over the start', $after - $base));
}
is($t->get($path)->{status}, 200, 'the page again: 200');

done_testing;
