#!/usr/bin/perl

# Deep and past-the-end category pages cost what a first page costs: the
# ends of a category's pages are found in one pass, once per database
# change, and kept; a page past the end is known to be past it.  Errors
# (404, 410) are kept like pages, in a budget of their own that made-up
# URLs cannot grow past, so they never evict the pages readers read.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($honest) = $t->add_posts({ title => 'an honest page',
    categories => 'big', category_name => 'Big' });

# 1,999 more posts in one category, some at the same instant (the id
# orders those), a few drafts and one scheduled for tomorrow in between
$t->sql(<<'EOF');
WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2002)
INSERT INTO posts (info_code, title, published_at, category_id, status)
SELECT printf('NW2022%014d', i), 'bulk ' || i,
       datetime(1600000000 + (i / 3) * 60, 'unixepoch') || '+00:00',
       (SELECT id FROM categories WHERE slug = 'big'),
       CASE WHEN i % 500 = 0 THEN 'draft' ELSE 'published' END
FROM n;
UPDATE posts SET published_at = datetime('now', '+1 day') || '+00:00'
    WHERE info_code = 'NW202200000000000007';
EOF

$t->write_conf($t->conf_server(<<'EOF', http => 'news_cache 256k;'));
        error_log %%PREFIX%%/debug.log debug;
EOF
$t->run;

my $pages = $t->sql_value("SELECT (count(*) + 19) / 20 FROM posts"
    . " WHERE status = 'published' AND published_ts <= unixepoch();");
is($pages, 100, 'the category has 100 pages of 20');

sub expected {
    my ($page) = @_;
    my $off = ($page - 1) * 20;
    return [ split /\n/, $t->sql_value(<<"EOF") ];
SELECT group_concat(info_code, char(10)) FROM (SELECT info_code FROM posts
    WHERE status = 'published' AND published_ts <= unixepoch()
      AND category_id = (SELECT id FROM categories WHERE slug = 'big')
    ORDER BY published_ts DESC, id DESC LIMIT 20 OFFSET $off);
EOF
}

sub got {
    my ($page) = @_;
    my $r = $t->get('/category/big.html' . ($page > 1 ? "?page=$page" : ''));
    return $r->{status} unless $r->{status} == 200;
    return [ $r->{body} =~ m{/big/\d{4}/\d\d/\d\d/(\w+)\.html}g ];
}

sub debug_log { $t->read_file('debug.log') }

sub count_of {
    my ($re) = @_;
    my @m = debug_log() =~ /$re/g;
    return scalar @m;
}

my $ends = qr/news page ends of "(?:\/tree\/)?big": \d+ pages found/;

# deep pages asked for directly, in no order, then past the end
for my $n (57, 2, 100, 99, 3, 50) {
    is_deeply(got($n), expected($n), "page $n");
}
is(got(101), 404, 'page 101: past the end');
is(got(100000), 404, 'page 100000: past the end');
is(count_of($ends), 1, 'one pass found where every page starts');

# an edit moves every page: one pass again, and the pages follow
$t->sql("INSERT INTO posts (info_code, title, published_at, category_id)"
    . " VALUES ('NW202299999999999999', 'newest', '2030-01-01 00:00:00+00:00',"
    . " (SELECT id FROM categories WHERE slug = 'big'));"
    . "UPDATE posts SET published_at = '2020-01-01 00:00:00+00:00'"
    . " WHERE info_code = 'NW202299999999999999';");
for my $n (100, 2, 51) {
    is_deeply(got($n), expected($n), "after an edit: page $n");
}
is(got(102), 404, 'after an edit: page 102 past the end');
is(count_of($ends), 2, 'after an edit: one pass more');

# errors are kept: asked again, answered as found before
my $mark = length debug_log();
for my $uri ('/category/nope.html', '/category/big.html?page=5000',
    '/big/2022/03/04/NW20220304999999.html')
{
    is($t->get($uri)->{status}, 404, "$uri: 404");
    is($t->get($uri)->{status}, 404, "$uri again: 404");
}
my @again = substr(debug_log(), $mark)
    =~ /\[info\].*news: "[^"]*" is 404, as found before/g;
is(scalar @again, 3, 'each error asked again came from the cache');

# a flood of made-up URLs only evicts other errors: the honest page stays
my $path = $t->article_path($honest);
is($t->get($path)->{status}, 200, 'an honest page');
for my $i (1 .. 300) {
    $t->get(sprintf '/big/2022/03/04/NW2022030488%06d.html', $i);
}
my $before = length debug_log();
is($t->get($path)->{status}, 200, 'the honest page after 300 made-up URLs');
like(substr(debug_log(), $before), qr/news cache hit: \d+ bytes, status 0/,
    'the honest page came from the cache');

done_testing;
