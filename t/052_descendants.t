#!/usr/bin/perl

# Archives: a category page lists the published posts of the category and
# of all its descendants, newest first, paged, from one index
# (category_listing, kept by triggers); news_category_descendants off lists
# the category's own posts only.  Edits show at once: a post moved,
# published, deleted, a category moved under another.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my @posts = (
    [ 'top', 'finance', '2022-03-01' ],
    [ 'bank', [qw(finance banking)], '2022-03-03' ],
    [ 'digital', [qw(finance banking digital)], '2022-03-05' ],
    [ 'bank2', [qw(finance banking)], '2022-03-04' ],
    [ 'tech', 'tech', '2022-03-06' ],
    [ 'draft', [qw(finance banking)], '2022-03-07' ],
    [ 'later', [qw(finance banking digital)], '2099-03-07' ],
);
my %code;
@code{ map { $_->[0] } @posts } = $t->add_posts(map { +{ title => $_->[0],
    categories => $_->[1], date => "$_->[2] 12:00:00 +0800" } } @posts);
$t->sql("UPDATE posts SET status = 'draft' WHERE title = 'draft';");

my $own = NewsTest::_free_port();

$t->write_conf($t->conf_server('', category => 'news_page_size 2;')
    . <<"EOF");
    server {
        listen 127.0.0.1:$own;
        server_name localhost;
        news_db %%DB%%;
        news_category_descendants off;
        location /category/ { news_category; }
    }
EOF
$t->run;

# the titles a category page lists, in order, all its pages
sub titles {
    my ($slug, $port) = @_;
    my @out;
    for my $page (1 .. 20) {
        my $uri = "/category/$slug.html" . ($page > 1 ? "?page=$page" : '');
        my $r = $port ? $t->get_at($port, $uri) : $t->get($uri);
        last if $r->{status} == 404 && $page > 1;
        return "status $r->{status}" if $r->{status} != 200;
        my ($list) = $r->{body} =~ m{<ul class="posts">(.*?)</ul>}s;
        push @out, ($list // '') =~ m{<li><a href="[^"]+">([^<]+)</a>}g;
    }
    return join ' ', @out;
}

is(titles('finance'), 'digital bank2 bank top',
    'finance: its own and every descendant\'s, newest first');
is(titles('banking'), 'digital bank2 bank', 'banking: with digital');
is(titles('digital'), 'digital', 'digital: a leaf');
is(titles('finance', $own), 'top', 'descendants off: the category\'s own');
is(titles('banking', $own), 'bank2 bank', 'descendants off: banking');

# a deep page is a page of the whole list
my $r = $t->get('/category/finance.html?page=2');
is($r->{status}, 200, 'finance page 2: 200');
is($t->get('/category/finance.html?page=3')->{status}, 404,
    'finance page 3: past the end');

# edits show at once
$t->sql("UPDATE posts SET status = 'published' WHERE title = 'draft';");
is(titles('finance'), 'draft digital bank2 bank top', 'a post published');
$t->sql("UPDATE posts SET category_id = (SELECT id FROM categories"
    . " WHERE slug = 'tech') WHERE title = 'bank2';");
is(titles('finance'), 'draft digital bank top', 'a post moved out');
is(titles('tech'), 'tech bank2', 'and into tech');
$t->sql("UPDATE categories SET parent_id = (SELECT id FROM categories"
    . " WHERE slug = 'tech') WHERE slug = 'banking';");
is(titles('finance'), 'top', 'banking moved under tech: gone from finance');
is(titles('tech'), 'draft tech digital bank2 bank',
    'and listed under tech with its descendants');
$t->sql("DELETE FROM posts WHERE title = 'digital';");
is(titles('tech'), 'draft tech bank2 bank', 'a post deleted from the table');
$t->sql("UPDATE posts SET status = 'deleted' WHERE title = 'draft';");
is(titles('banking'), 'bank', 'a post marked deleted');
$t->sql("UPDATE posts SET published_at = '2022-03-09 12:00:00+08:00'"
    . " WHERE title = 'later';");
is(titles('tech'), 'later tech bank2 bank', 'a post redated to the past');

# what the triggers keep is what the tree says
is($t->sql_value(<<'EOF'), 0, 'category_listing: exactly the published posts '
WITH RECURSIVE pairs (cat, anc) AS (
    SELECT id, id FROM categories
    UNION
    SELECT pairs.cat, c.parent_id FROM pairs
        JOIN categories c ON c.id = pairs.anc WHERE c.parent_id IS NOT NULL),
want AS (SELECT a.anc, p.published_ts, p.id FROM posts p
    JOIN pairs a ON a.cat = p.category_id WHERE p.status = 'published'),
have AS (SELECT category_id, published_ts, post_id FROM category_listing)
SELECT (SELECT count(*) FROM (SELECT * FROM want EXCEPT SELECT * FROM have))
     + (SELECT count(*) FROM (SELECT * FROM have EXCEPT SELECT * FROM want));
EOF
    . 'under each of their categories\' ancestors');

done_testing;
