#!/usr/bin/perl

# Tag pages, /tag/<name>.html: an article's tags link to them, whatever
# the name (Chinese, blanks, '/', '?', '&', '%', quotes, markup) the link
# leads back to the very tag and the name is escaped on the page; the
# tag's published posts newest first, paged, deep pages by the page ends,
# past the end and unknown tags 404, bad pages 400; kept in the render
# cache and forgotten after an edit of post_tags or of a post; Cache-Tag.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;

# 14 posts: three share each instant (ids break the ties), their text
# dates in other offsets than their order
my @codes = $t->add_posts(map {
    +{ title => "t$_", categories => 'c', category_name => 'C',
       date => sprintf('2022-05-%02d 10:00:00 +0800', 1 + int($_ / 3)) }
} 0 .. 13);

my @hostile = (
    '中文 标签', 'a/b', 'q?x&y=1#f', '100%', '%2F', qq{"dq" & 'sq'},
    '<script>alert(1)</script>', 'x.html', '+plus', './dot', 'a//b',
    "tab\tin", 'big',
);

sub q_sql { my ($s) = @_; $s =~ s/'/''/g; return "'$s'" }

# every hostile tag on the first post; "big" on all but the last, which
# is kept for later
$t->sql(join '', map { "INSERT INTO tags (name) VALUES (" . q_sql($_)
    . ");\n" } @hostile);
$t->sql(join '', map {
    "INSERT INTO post_tags (post_id, tag_id) SELECT p.id, t.id FROM posts p,"
    . " tags t WHERE p.info_code = '$codes[0]' AND t.name = " . q_sql($_)
    . ";\n" } grep { $_ ne 'big' } @hostile);
$t->sql(join '', map {
    "INSERT INTO post_tags (post_id, tag_id) SELECT p.id, t.id FROM posts p,"
    . " tags t WHERE p.info_code = '$_' AND t.name = 'big';\n"
} @codes[0 .. 12]);

# a draft, a deleted post and one scheduled for tomorrow are not listed
$t->sql(<<"EOF");
UPDATE posts SET status = 'draft' WHERE info_code = '$codes[4]';
UPDATE posts SET status = 'deleted' WHERE info_code = '$codes[7]';
UPDATE posts SET published_at = datetime('now', '+1 day') || '+00:00'
    WHERE info_code = '$codes[9]';
EOF

$t->write_conf($t->conf_server(
    "        error_log %%PREFIX%%/debug.log debug;\n",
    tag => "news_page_size 3;\n            news_cache_tags on;",
    http => 'news_cache 1m;'));
$t->run;

sub debug_log { $t->read_file('debug.log') }

sub count_of {
    my ($re) = @_;
    my @m = debug_log() =~ /$re/g;
    return scalar @m;
}

###############################################################################

# the links of the first post's tags, by the name they show

my $r = $t->get($t->article_path($codes[0]));
is($r->{status}, 200, 'article: 200');
my ($ul) = $r->{body} =~ m{(<ul class="tags">.*?</ul>)}s;
ok($ul, 'article: its tags');
my %href;
for my $li (($ul // '') =~ m{<li>(.*?)</li>}gs) {
    my ($href, $text) = $li =~ m{^<a rel="tag" href="([^"]*)">(.*)</a>$}s
        or next;
    $href{ NewsTest::unescape_html($text) } = $href;
}
is_deeply([ sort keys %href ], [ sort @hostile ],
    'article: each tag is a link, its name escaped');
unlike($ul // '', qr/<script>/, 'article: no markup of a tag gets through');

for my $name (@hostile) {
    my $href = $href{$name} // next;
    like($href, qr{^/tag/(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})+\.html$},
        "\"$name\": the link is percent-encoded");
    my $page = $t->get($t->local_path($href));
    is($page->{status}, 200, "\"$name\": its page is 200");
    my ($h1) = $page->{body} =~ m{<h1>标签：(.*?)</h1>}s;
    is(NewsTest::unescape_html($h1), $name, "\"$name\": the page's tag");
    is($t->local_path(NewsTest::link_rel($page->{body}, 'canonical')),
        $href, "\"$name\": canonical");
    my @crumbs = map { $t->local_path($_) }
        NewsTest::links(NewsTest::breadcrumb($page->{body}) // '');
    is_deeply(\@crumbs, [ '/', $href ], "\"$name\": breadcrumb home > tag");
    my ($ld) = grep { ref $_->[1] eq 'HASH'
        && ($_->[1]{'@type'} // '') eq 'BreadcrumbList' }
        NewsTest::jsonld($page->{body});
    is($ld ? $ld->[1]{itemListElement}[1]{name} : undef,
        NewsTest::chars($name), "\"$name\": JSON-LD names the tag");
    unlike($ld ? $ld->[0] : '<', qr/</, "\"$name\": JSON-LD has no <");
    unlike($page->{body}, qr/<script>alert/, "\"$name\": no markup gets in");
    is($page->{headers}{'cache-tag'}, 'tag-' . substr($href, 5, -5),
        "\"$name\": Cache-Tag");
    $t->valid_html($page->{body}, "\"$name\": valid HTML5");
}

# other spellings of the same name: lower-case hex, raw UTF-8

like($t->get('/tag/%e4%b8%ad%e6%96%87%20%e6%a0%87%e7%ad%be.html')->{body},
    qr{<h1>标签：中文 标签</h1>}, 'lower-case hex escapes');
$t->sql("INSERT INTO tags (name) VALUES ('中文');");
$r = $t->get('/tag/中文.html');
like($r->{body}, qr{<h1>标签：中文</h1>}, 'raw UTF-8 in the request line');
like($r->{body}, qr{<p class="empty">}, 'a tag of no posts: an empty list');

###############################################################################

# order and paging: the tag's published posts, newest first

sub expected {
    my @c = split /\n/, $t->sql(<<'EOF');
SELECT p.info_code FROM posts p JOIN post_tags pt ON pt.post_id = p.id
    JOIN tags t ON t.id = pt.tag_id
    WHERE t.name = 'big' AND p.status = 'published'
      AND p.published_ts <= unixepoch()
    ORDER BY p.published_ts DESC, p.id DESC;
EOF
    my @pages;
    push @pages, [splice @c, 0, 3] while @c;
    return @pages;
}

sub got {
    my ($page) = @_;
    my $r = $t->get('/tag/big.html' . (defined $page ? "?page=$page" : ''));
    return $r->{status} unless $r->{status} == 200;
    return [ $r->{body} =~ m{<li><a href="/c/\d{4}/\d\d/\d\d/(\w+)\.html"}g ];
}

my @want = expected();
is(scalar @want, 4, 'big: four pages of three (10 posts listed)');

my $ends = qr/news page ends of "\/tag\/big": \d+ pages found/;

is_deeply(got(), $want[0], 'big: page 1');
for my $n (3, 2, 4, 1) {
    is_deeply(got($n), $want[$n - 1], "big: page $n");
}
is(got(5), 404, 'big: page 5 is past the end');
is(got(100000), 404, 'big: page 100000 is past the end');
is(count_of($ends), 1, 'big: one pass found where every page starts');
is(count_of(qr/news page \d+ of 4, 10 posts/), 5,
    'big: the pages past the end were known from the ends');

$r = $t->get('/tag/big.html?page=5');
like($r->{body}, qr{<a href="/tag/big\.html">返回big</a>},
    'big: past the end links back to the tag');
is(count_of(qr/\[info\].*news: tag "big" has no page 5/), 1,
    'big: past the end logged once at info, then answered from the cache');

for my $p ('0', 'abc', '-1', '100001') {
    is(got($p), 400, "big: page=$p is 400");
}

$r = $t->get('/tag/big.html?page=2');
like($r->{body}, qr{<a rel="prev" href="/tag/big\.html">},
    'big: page 2 links back to page 1');
like($r->{body}, qr{<a rel="next" href="/tag/big\.html\?page=3">},
    'big: and on to page 3');
like(NewsTest::link_rel($r->{body}, 'canonical'),
    qr{/tag/big\.html\?page=2$}, 'big: canonical of page 2');
$t->valid_html($r->{body}, 'big: page 2 is valid HTML5');

# unknown tags and URLs that are no tag's

my $mark = length debug_log();
is($t->get('/tag/nope.html')->{status}, 404, 'an unknown tag: 404');
is(scalar(() = substr(debug_log(), $mark)
    =~ /\[info\].*news: no tag "nope"/g), 1, 'an unknown tag: one info line');
for my $u ('/tag/.html', '/tag/x', '/tag/' . ('%41' x 257) . '.html') {
    is($t->get($u)->{status}, 404, "$u: 404");
}

# what nginx itself refuses before any location (the parser refuses them
# too, fuzz/tag.c)
for my $u ('/tag/%zz.html', '/tag/x%2.html', '/tag/%00.html') {
    is($t->get($u)->{status}, 400, "$u: nginx's 400");
}

###############################################################################

# the cache: a page once rendered is kept, and forgotten after an edit

$mark = length debug_log();
got(2);
like(substr(debug_log(), $mark), qr/news cache hit: \d+ bytes, status 0/,
    'big: page 2 again came from the cache');

$t->sql("INSERT INTO post_tags (post_id, tag_id) SELECT p.id, t.id"
    . " FROM posts p, tags t WHERE p.info_code = '$codes[13]'"
    . " AND t.name = 'big';");
@want = expected();
is($want[0][0], $codes[13], 'the newest post tagged');
is_deeply(got(), $want[0], 'after INSERT INTO post_tags: page 1');
is_deeply(got(4), $want[3], 'after INSERT INTO post_tags: page 4');

$t->sql("UPDATE posts SET status = 'draft' WHERE info_code = '$codes[13]';");
@want = expected();
isnt($want[0][0], $codes[13], 'the newest post unpublished');
is_deeply(got(), $want[0], 'after a post became a draft: page 1');

$t->sql("UPDATE posts SET published_at = '2021-01-01 00:00:00+00:00'"
    . " WHERE info_code = '$codes[12]';");
@want = expected();
is($want[-1][-1], $codes[12], 'a post moved back in time');
is_deeply(got(4), $want[3], 'after a post moved back: the last page');

$t->sql("UPDATE post_tags SET tag_id = (SELECT id FROM tags"
    . " WHERE name = 'a/b') WHERE tag_id = (SELECT id FROM tags"
    . " WHERE name = 'big') AND post_id = (SELECT id FROM posts"
    . " WHERE info_code = '$codes[12]');");
@want = expected();
is(scalar @want, 3, 'an UPDATE of post_tags: three pages left');
is(got(4), 404, 'after an UPDATE of post_tags: page 4 is past the end');
is_deeply(got(3), $want[2], 'after an UPDATE of post_tags: page 3');

done_testing;
