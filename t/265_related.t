#!/usr/bin/perl

# {{related}}: the newest published posts sharing the article's category
# or one of its tags, five at most, newest first; never the post itself,
# a draft, a deleted post or one scheduled for later; escaped, valid
# HTML5, and fresh after an edit.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my @c = $t->add_posts(
    # the article: category a, tags x and y
    { title => 'Self', categories => 'a', tags => [qw(x y)],
      date => '2022-03-10 10:00:00 +0800' },
    { title => 'A old', categories => 'a', date => '2022-03-01 10:00:00 +0800' },
    { title => 'B tag x', categories => 'b', tags => 'x',
      date => '2022-03-05 10:00:00 +0800' },
    { title => 'C tag y <b>&</b>', categories => 'c', tags => 'y',
      date => '2022-03-07 10:00:00 +0800' },
    { title => 'D no share', categories => 'b', tags => 'z',
      date => '2022-03-09 10:00:00 +0800' },
    { title => 'E draft', categories => 'a', date => '2022-03-08 10:00:00 +0800' },
    { title => 'F deleted', categories => 'b', tags => 'x',
      date => '2022-03-08 11:00:00 +0800' },
    { title => 'G later', categories => 'a', date => '2099-01-01 10:00:00 +0800' },
    { title => 'H newer', categories => 'a', date => '2022-03-11 10:00:00 +0800' });
my ($self, $a, $b, $cc, $d, $e, $f, $g, $h) = @c;
$t->sql("UPDATE posts SET status = 'draft' WHERE info_code = '$e';"
    . "UPDATE posts SET status = 'deleted' WHERE info_code = '$f';");

$t->write_conf($t->conf_server);
$t->run;

sub related {
    my ($code) = @_;
    my $r = $t->get($t->article_path($code));
    my ($ul) = $r->{body} =~ m{<ul class="related">(.*?)</ul>}s;
    return (undef, $r) unless defined $ul;
    return (join(' ', $ul =~ m{<a href="/[^"]*/([A-Z0-9]+)\.html">}g), $r);
}

my ($got, $r) = related($self);
is($got, "$h $cc $b $a", 'category and tags, newest first, only what is out')
    or diag($r->{body});
like($r->{body}, qr{<h2>相关文章</h2>\s*<ul class="related">}, 'its heading');
like($r->{body}, qr{>C tag y &lt;b&gt;&amp;&lt;/b&gt;</a>}, 'titles escaped');
$t->valid_html($r->{body}, 'article with related posts: valid HTML5');

# D shares nothing with the others but its category b, with B (and F)
($got) = related($d);
is($got, $b, 'a post of category b, no shared tag: B only');

# five at most
$t->add_posts(map { { title => "more $_", categories => 'a',
    date => "2022-03-2$_ 10:00:00 +0800" } } 1 .. 6);
($got) = related($self);
my @n = split / /, $got // '';
is(scalar @n, 5, 'five at most, after an edit of the database');
unlike($got, qr/\Q$self\E/, 'never the post itself');

# a post alone in its category with no tags: nothing, and no heading shown
my $lone = $t->add_posts({ title => 'Lone', categories => 'lone',
    date => '2022-03-04 10:00:00 +0800' });
($got, $r) = related($lone);
is($got, undef, 'a post with nothing related: no list');
like($r->{body}, qr{<h2>相关文章</h2>\s*</section>},
    'the heading alone, which the theme hides');
$t->valid_html($r->{body}, 'article without related posts: valid HTML5');

done_testing;
