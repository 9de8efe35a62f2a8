#!/usr/bin/perl

# The home page's pages, /?page=N: all published posts newest first,
# news_page_size a page, a pager, a canonical URL with ?page=N past the
# first page, deep pages from the page ends (one pass), past the end 404,
# a bad page number 400; an edit is seen on every page.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;

# 17 posts in two categories, pairs sharing an instant
my @codes = $t->add_posts(map {
    +{ title => "h$_", categories => $_ % 2 ? 'odd' : 'even',
       date => sprintf('2022-06-%02d 08:00:00 +0800', 1 + int($_ / 2)) }
} 0 .. 16);

$t->sql(<<"EOF");
UPDATE posts SET status = 'draft' WHERE info_code = '$codes[3]';
UPDATE posts SET published_at = datetime('now', '+1 day') || '+00:00'
    WHERE info_code = '$codes[8]';
EOF

$t->write_conf($t->conf_server(
    "        error_log %%PREFIX%%/debug.log debug;\n",
    index => 'news_page_size 3;'));
$t->run;

sub debug_log { $t->read_file('debug.log') }

sub count_of {
    my ($re) = @_;
    my @m = debug_log() =~ /$re/g;
    return scalar @m;
}

sub expected {
    my @c = split /\n/, $t->sql(<<'EOF');
SELECT info_code FROM posts WHERE status = 'published'
    AND published_ts <= unixepoch() ORDER BY published_ts DESC, id DESC;
EOF
    my @pages;
    push @pages, [splice @c, 0, 3] while @c;
    return @pages;
}

sub got {
    my ($q) = @_;
    my $r = $t->get('/' . (defined $q ? "?page=$q" : ''));
    return $r->{status} unless $r->{status} == 200;
    return [ $r->{body}
        =~ m{<li><a href="/(?:odd|even)/\d{4}/\d\d/\d\d/(\w+)\.html"}g ];
}

my @want = expected();
is(scalar @want, 5, 'five pages of three (15 posts out)');

is_deeply(got(), $want[0], 'page 1');
for my $n (4, 2, 5, 3, 1) {
    is_deeply(got($n), $want[$n - 1], "page $n");
}
is(got(6), 404, 'page 6: past the end');
is(got(99999), 404, 'page 99999: past the end');
is(count_of(qr/news page ends of "\/": \d+ pages found/), 1,
    'one pass found where every page starts');
is(count_of(qr/\[info\].*news: the home page has no page 6/), 1,
    'past the end: one info line');

for my $p ('0', 'x', '2x', '100001', '') {
    is(got($p), 400, "page=$p: 400");
}

# the pager and the canonical URL

my $r = $t->get('/');
like(NewsTest::link_rel($r->{body}, 'canonical') // '',
    qr{^${\ $t->url_re('/')}$},
    'page 1: canonical is / without ?page');
like($r->{body}, qr{<a rel="next" href="/\?page=2">}, 'page 1: next');
unlike($r->{body}, qr{rel="prev"}, 'page 1: no prev');
$t->valid_html($r->{body}, 'page 1: valid HTML5');

$r = $t->get('/?page=3');
like(NewsTest::link_rel($r->{body}, 'canonical') // '',
    qr{^${\ $t->url_re('/?page=3')}$},
    'page 3: canonical with ?page=3');
like($r->{body}, qr{<a rel="prev" href="/\?page=2">}, 'page 3: prev');
like($r->{body}, qr{<a href="/">1</a>}, 'page 3: page 1 is /');
like($r->{body}, qr{<a href="/\?page=5">5</a>}, 'page 3: the last page');
$t->valid_html($r->{body}, 'page 3: valid HTML5');

# an edit is seen on the pages after it

$t->sql("UPDATE posts SET status = 'published'"
    . " WHERE info_code = '$codes[3]';");
@want = expected();
is(scalar @want, 6, 'a draft published: six pages');
is_deeply(got(6), $want[5], 'after an edit: page 6');
is_deeply(got(2), $want[1], 'after an edit: page 2');

done_testing;
