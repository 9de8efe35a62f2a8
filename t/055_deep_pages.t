#!/usr/bin/perl

# Deep category pages: a page reached from the one before it starts where
# that one ended (an index seek, however deep), a page asked for directly
# counts from the top; both give the same posts, ties on the publication
# instant included, and an edit in between is seen.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;

# 23 posts, in groups of three sharing one instant: ids break the ties
$t->add_posts(map {
    +{ title => "p$_", categories => 'deep', category_name => 'Deep',
       date => sprintf('2022-04-%02d 10:00:00 +0800', 1 + int($_ / 3)) }
} 0 .. 22);

$t->write_conf($t->conf_server('', category => 'news_page_size 4;'));
$t->run;

sub expected {
    my @codes = split /\n/, $t->sql(<<'EOF');
SELECT info_code FROM posts WHERE status = 'published'
    ORDER BY published_ts DESC, id DESC;
EOF
    my @pages;
    push @pages, [splice @codes, 0, 4] while @codes;
    return @pages;
}

sub page_codes {
    my ($page) = @_;
    my $r = $t->get('/category/deep.html' . ($page > 1 ? "?page=$page" : ''));
    return $r->{status} unless $r->{status} == 200;
    my @codes = $r->{body} =~ m{/deep/\d{4}/\d\d/\d\d/(\w+)\.html}g;
    return \@codes;
}

my @want = expected();
is(scalar @want, 6, 'six pages of four');

# walking forward: each page after the one before
for my $n (1 .. 6) {
    is_deeply(page_codes($n), $want[$n - 1], "page $n walked to");
}
is(page_codes(7), 404, 'past the end');

# the same pages asked for out of order, deepest first
for my $n (reverse 1 .. 6) {
    is_deeply(page_codes($n), $want[$n - 1], "page $n asked for");
}

# a new post moves every page by one: no page may be served from before
$t->sql(<<'EOF');
INSERT INTO posts (info_code, title, published_at, category_id)
    VALUES ('NW20220430000099', 'newest', '2022-04-30 10:00:00+08:00',
            (SELECT id FROM categories WHERE slug = 'deep'));
EOF

@want = expected();
is(scalar @want, 6, 'still six pages');
for my $n (4 .. 6) {
    is_deeply(page_codes($n), $want[$n - 1], "page $n after an edit");
}
for my $n (1 .. 6) {
    is_deeply(page_codes($n), $want[$n - 1], "page $n walked after an edit");
}

done_testing();
