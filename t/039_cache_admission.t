#!/usr/bin/perl

# A full render cache keeps a page only when it is asked for more often
# than the pages it would evict (a TinyLFU admission, issue 14): a page
# asked for once, as a crawler asks for every page of the archive, does
# not evict the pages readers come back to.  The page not kept is still
# sent, whole.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

# pages of some 20 KB, a 256k cache: a dozen fit
$t->db_init;
my @codes = $t->add_posts(map { { title => "post $_",
    body => '<p>' . ('新闻' x 3000) . "</p><p>$_</p>" } } 1 .. 60);
my @paths = map { $t->article_path($_) } @codes;

$t->write_conf($t->conf_server('', http => '    news_cache 256k;',
    server => 'add_header X-Cache $news_cache_status always;'));
$t->run;

sub state {
    my ($i) = @_;
    my $r = $t->get($paths[$i]);
    return $r->{status} == 200 && $r->{body} =~ m{<p>\Q@{[$i + 1]}\E</p>}
        ? $r->{headers}{'x-cache'} : "status $r->{status}";
}

# the cache filled by pages read twice each
state($_), state($_) for 0 .. 19;
is(state(0), 'HIT', 'setup: the first page read twice is kept');

# a new page when the cache is full: kept once it is asked for more often
# than the oldest pages (twice each)
is(join(' ', map { state(20) } 1 .. 4), 'MISS MISS MISS HIT',
    'a new page in a full cache: kept on its third request');

# a page read again and again stays, while 30 pages read once go by
my @once = map { state($_) } 21 .. 50;
is(scalar(grep { $_ eq 'MISS' } @once), 30,
    'pages read once: each sent, whole');
is(state(20), 'HIT', 'the page read again is still kept');

# and each of those, read twice more, is kept then
is(join(' ', map { state(30) } 1 .. 3), 'MISS MISS HIT',
    'a page read once before: kept on its third request');

done_testing;
