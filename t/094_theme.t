#!/usr/bin/perl

# The default theme: every built-in page carries its style sheet inline
# (no other request, no external font or script, at most 6 KB), a
# masthead with the site's name and the top-level categories (the page's
# own marked), a footer; the home page's category tree nested as the
# categories are; lists with dates; a pager with page numbers; error
# pages with the masthead and a link back to the category when the
# request found one.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my @codes = $t->add_posts(
    { title => 'digital post', categories => [qw(finance banking digital)],
      category_name => '数字银行', date => '2022-03-20 12:00:00 +0800' },
    { title => 'tech post', categories => 'tech', category_name => '科技',
      date => '2022-03-19 12:00:00 +0800' },
    { title => 'gone post', categories => 'tech', category_name => '科技',
      date => '2022-03-18 12:00:00 +0800' },
    map { +{ title => "list post $_", date =>
        sprintf('2022-02-%02d 12:00:00 +0800', $_) } } 1 .. 21,
);
my ($digital, $tech, $gone) = @codes;
$t->sql(<<"EOF");
UPDATE categories SET name = '财经' WHERE slug = 'finance';
UPDATE categories SET name = '银行业' WHERE slug = 'banking';
UPDATE posts SET status = 'deleted' WHERE info_code = '$gone';
UPDATE posts SET source_name = '新华网' WHERE info_code = '$tech';
EOF

my $english = NewsTest::_free_port();

# built-in templates (no news_template), two posts a page; a second
# server in English with a name and a footer
$t->write_conf(<<"EOF");
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        news_db %%DB%%;
        news_page_size 2;
        location /category/ { news_category; }
        location = / { news_index; }
        location / { news_article; }
    }
    server {
        listen 127.0.0.1:$english;
        server_name localhost;
        news_db %%DB%%;
        news_language en;
        news_site_name "Daily <News>";
        news_footer "(c) Daily News & co";
        location /category/ { news_category; }
        location / { news_article; }
    }
EOF
$t->run;

my $home = $t->get('/');
is($home->{status}, 200, 'home: 200');

# the style sheet: inline, small, nothing fetched from elsewhere
my ($css) = $home->{body} =~ m{<style>(.*?)</style>}s;
ok(defined $css, 'home: the style sheet is inline');
$css = '' unless defined $css;
cmp_ok(length $css, '>', 1000, 'the style sheet is the theme');
cmp_ok(length $css, '<=', 6 * 1024, 'the style sheet is at most 6 KB')
    or diag(length $css);
unlike($css, qr/\@import|url\s*\(|\@font-face/i,
    'no external font or image in the style sheet');
for my $page ($home->{body}) {
    unlike($page, qr/<link[^>]+stylesheet|<script[^>]+src=/i,
        'home: no external style sheet or script');
}

# masthead: the default site name, the top-level categories only
like($home->{body},
    qr{<header class="masthead">.*<a class="site" href="/">新闻</a>}s,
    'masthead: the default site name, linked home');
my ($nav) = $home->{body} =~ m{<nav class="sections">(.*?)</nav>}s;
$nav = '' unless defined $nav;
is(join(' ', $nav =~ m{href="/category/([^"]+)\.html"}g),
    'xinhuawang tech finance', 'masthead: the top-level categories, by name');
unlike($nav, qr/aria-current/, 'home: no section is current');
like($nav, qr{<a href="/category/finance\.html">财经</a>},
    'masthead: a section by its name');

# the home page's tree, nested as the categories are
my ($tree) = $home->{body} =~ m{(<ul class="categories">.*?</aside>)}s;
$tree = '' unless defined $tree;
my $nested = qr{<li><a href="/category/finance\.html">财经</a>\s*<ul>\s*}
    . qr{<li><a href="/category/banking\.html">银行业</a>\s*<ul>\s*}
    . qr{<li><a href="/category/digital\.html">数字银行</a></li>\s*}
    . qr{</ul></li>\s*</ul></li>};
like($tree, qr/$nested/,
    'tree: banking in finance, digital in banking');
is(scalar(() = $tree =~ /<ul/g), scalar(() = $tree =~ m{</ul>}g),
    'tree: every list closed');
is(scalar(() = $tree =~ /<li>/g), scalar(() = $tree =~ m{</li>}g),
    'tree: every item closed');

# lists with dates
like($home->{body},
    qr{>digital post</a> <time datetime="2022-03-20[^"]*">2022-03-20</time>},
    'list: a post with its date');

# the article: its section current, the source line only with a source
my $r = $t->get($t->article_path($digital));
($nav) = $r->{body} =~ m{<nav class="sections">(.*?)</nav>}s;
like($nav || '', qr{<a href="/category/finance\.html" aria-current="true">},
    'article: its top-level category is current');
unlike($r->{body}, qr/来源/, 'article without a source: no source line');
like($t->get($t->article_path($tech))->{body},
    qr{<span class="source">来源：新华网</span>}, 'article: its source');
like($r->{body}, qr{<footer class="site-footer">}, 'article: a footer');

# the pager: 21 posts, two a page, 11 pages
$r = $t->get('/category/xinhuawang.html');
my ($pager) = $r->{body} =~ m{<nav class="pager">(.*?)</nav>}s;
is(pager($pager), '[1] 2 next', 'pager, page 1: itself, 2, next');
like($pager || '', qr{<a href="/category/xinhuawang\.html\?page=2">2</a>},
    'pager: a number links to its page');
($pager) = $t->get('/category/xinhuawang.html?page=6')->{body}
    =~ m{<nav class="pager">(.*?)</nav>}s;
is(pager($pager), 'prev 1 … 4 5 [6] 7 8 … 11 next',
    'pager, page 6 of 11: first, around, last');
($pager) = $t->get('/category/xinhuawang.html?page=11')->{body}
    =~ m{<nav class="pager">(.*?)</nav>}s;
is(pager($pager), 'prev 1 … 9 10 [11]', 'pager, the last page');
($pager) = $t->get('/category/xinhuawang.html?page=2')->{body}
    =~ m{<nav class="pager">(.*?)</nav>}s;
is(pager($pager), 'prev 1 [2] 3 4 … 11 next', 'pager, page 2');
like($t->get('/category/tech.html')->{body}, qr/^(?!.*class="pager").*$/s,
    'one page: no pager');

# error pages: the masthead, home, and the category when it is known
$r = $t->get('/category/xinhuawang.html?page=12');
is($r->{status}, 404, 'past the last page: 404');
like($r->{body}, qr{<a class="site" href="/">新闻</a>},
    'error page: the masthead');
my $back = qr{<p class="back"><a href="/category/xinhuawang\.html">}
    . qr{返回新华网新闻</a>｜<a href="/">返回首页</a></p>};
like($r->{body}, qr/$back/,
    'past the last page: back to the category and home');
$r = $t->get($t->article_path($gone));
is($r->{status}, 410, 'a deleted post: 410');
like($r->{body}, qr{<a href="/category/tech\.html">返回科技</a>},
    'a deleted post: back to its category');
$r = $t->get('/xinhuawang/2022/03/04/NW20220304999999.html');
is($r->{status}, 404, 'an unknown post: 404');
like($r->{body}, qr{<p class="back"><a href="/">返回首页</a></p>},
    'an unknown post: home only');
like($r->{body}, qr{<style>}, 'error page: styled');
like($r->{body}, qr{<meta name="viewport"}, 'error page: a viewport');
$r = $t->get('/category/nothing.html');
unlike($r->{body}, qr/返回nothing/, 'an unknown category: no link to it');

# the English server: its name, its footer, English links
$r = $t->get_at($english, '/category/xinhuawang.html?page=99');
is($r->{status}, 404, 'English: 404');
like($r->{body}, qr{<a class="site" href="/">Daily &lt;News&gt;</a>},
    'English: the site name, escaped');
like($r->{body}, qr{Back to 新华网新闻</a> \| <a href="/">Home page</a>},
    'English: back links');
like($r->{body}, qr{<div class="wrap">\(c\) Daily News &amp; co</div>},
    'English: the footer, escaped');
$r = $t->get_at($english, $t->article_path($tech));
like($r->{body}, qr{<title>tech post - Daily &lt;News&gt;</title>},
    'English: the site name in the title');

done_testing;

# a pager as text: numbers, [current], prev, next, …
sub pager {
    my ($html) = @_;
    return '' unless defined $html;
    my @out;
    while ($html =~ m{<a[ ]rel="prev"[^>]*>|<a[ ]rel="next"[^>]*>|
                      <a[ ]href="[^"]*">(\d+)</a>|
                      <span[ ]aria-current="page">(\d+)</span>|
                      <span[ ]class="gap">…</span>}gx)
    {
        my $m = $&;
        push @out, $m =~ /rel="prev"/ ? 'prev'
            : $m =~ /rel="next"/ ? 'next'
            : defined $1 ? $1 : defined $2 ? "[$2]" : '…';
    }
    return join ' ', @out;
}
