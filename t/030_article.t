#!/usr/bin/perl

# Article pages: the canonical URL, head metadata (title, canonical,
# Open Graph), the breadcrumb on a three-level hierarchy with its schema.org
# JSON-LD, the body as stored, tags, the closing line; hostile titles,
# category names, tags and sources escaped everywhere.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

my $BODY = qq{<p class="lead">Hello <b>world</b> &amp; "friends"</p>\n}
    . qq{<p><a href="http://example.com/?a=1&amp;b=2">link</a> <i>x</i></p>}
    . qq{<script>var x = 1 < 2;</script>};

$t->db_init;
my ($top, $mid, $leaf, $bad, $west) = $t->add_posts(
    { title => 'top post', categories => 'finance', category_name => '财经' },
    { title => 'mid post', categories => [qw(finance banking)],
      category_name => '银行业' },
    { title => '数字银行的新进展', categories => [qw(finance banking
      digital-banking)], category_name => '数字银行',
      tags => ['数字化', 'fintech'], body => $BODY },
    { title => 'hostile placeholder', categories => [qw(finance hostile)],
      category_name => 'hostile', body => '<p>plain</p>' },
    { title => 'west', date => '2022-03-04 23:30:00 -0500',
      categories => 'finance', category_name => '财经' },
);

my $HT = q{<script>alert("t")</script> & 'Co'};
my $HC = q{Q&A "<b>" cat};
my $HG = q{<i>tag</i>&};
my $HS = q{S&P "<em>"};

# names can be anything; the importer only validates slugs
(my $sql_t = $HT) =~ s/'/''/g;
$t->sql(<<"EOF");
UPDATE posts SET title = '$sql_t', source_name = '$HS' WHERE info_code = '$bad';
UPDATE categories SET name = '$HC' WHERE slug = 'hostile';
INSERT INTO tags (name) VALUES ('$HG');
INSERT INTO post_tags (post_id, tag_id)
    SELECT p.id, t.id FROM posts p, tags t
    WHERE p.info_code = '$bad' AND t.name = '$HG';
UPDATE posts SET source_name = 'Test Source Agency' WHERE info_code = '$leaf';
EOF

# a second name of the server, which absolute URLs take from the Host
$t->write_conf($t->conf_server('', server => 'server_name news.example;'));
$t->run;

###############################################################################

# the leaf post

my $path = "/digital-banking/2022/03/04/$leaf.html";
is($t->article_path($leaf), $path, 'stored date and slug as expected');

my $r = $t->get($path);
is($r->{status}, 200, 'article: 200');
like($r->{headers}{'content-type'}, qr{^text/html;\s*charset=utf-8$}i,
    'article: content type');

my $html = $r->{body};
like($html, qr/^\s*<!DOCTYPE html>/i, 'doctype');
like($html,
    qr{<html[^>]*>.*<head[^>]*>.*</head>.*<body[^>]*>.*</body>\s*</html>}s,
    'html, head and body');
like($html, qr{<title>[^<]*数字银行的新进展[^<]*</title>}, 'title');

my $canonical = NewsTest::link_rel($html, 'canonical');
like($canonical, qr{^${\ $t->url_re($path)}$}, 'canonical: absolute URL');

is(NewsTest::meta($html, 'og:title'), '数字银行的新进展', 'og:title');
ok(length(NewsTest::meta($html, 'og:description') // ''),
    'og:description');
is(NewsTest::meta($html, 'og:url'), $canonical, 'og:url is canonical');
is(NewsTest::meta($html, 'og:type'), 'article', 'og:type');
is(NewsTest::meta($html, 'article:published_time'),
    '2022-03-04T20:46:41+08:00', 'article:published_time');

like($html, qr{<h1[^>]*>\s*数字银行的新进展\s*</h1>}, 'h1');

my ($main) = $html =~ m{<body[^>]*>(.*)</body>}s;
$main //= '';
like($main, qr/2022-03-04|2022年0?3月0?4日/, 'date shown');
like($main, qr/Test Source Agency/, 'source shown');

my $stored = $t->sql_bytes("SELECT body_html FROM posts "
    . "WHERE info_code = '$leaf'");
like($stored, qr/<b>world<\/b>/, 'body stored');
ok(index($html, $stored) >= 0, 'body exactly as stored, not escaped');

like($main, qr/数字化/, 'tag shown');
like($main, qr/fintech/, 'second tag shown');

# the breadcrumb: home, then each category from the top down

my $nav = NewsTest::breadcrumb($html);
ok($nav, 'breadcrumb nav');
$nav //= '';

my @crumbs = map { $t->local_path($_) } NewsTest::links($nav);
is_deeply([ @crumbs[0 .. 3] ],
    [ '/', '/category/finance.html', '/category/banking.html',
      '/category/digital-banking.html' ], 'breadcrumb links in order');
like(NewsTest::text_of($nav), qr/首页.*财经.*银行业.*数字银行/,
    'breadcrumb names in order');

for my $link (grep { defined } @crumbs) {
    is($t->get($link)->{status}, 200, "breadcrumb link $link works");
}

# schema.org BreadcrumbList

my @ld = NewsTest::jsonld($html);
my ($list) = grep { ref $_->[1] eq 'HASH'
    && ($_->[1]{'@type'} // '') eq 'BreadcrumbList' } @ld;
ok($list, 'JSON-LD BreadcrumbList parses') or diag(join "\n", map {
    $_->[0] } @ld);
$list //= ['', {}];
my $ld = $list->[1];

is($ld->{'@context'}, 'https://schema.org', 'JSON-LD @context');
my @items = @{ $ld->{itemListElement} || [] };
is(scalar @items, 5, 'JSON-LD: home, three categories, the article');
is_deeply([ map { $_->{position} } @items ], [ 1 .. 5 ],
    'JSON-LD positions 1..n');
is_deeply([ map { $_->{'@type'} } @items ], [ ('ListItem') x 5 ],
    'JSON-LD ListItems');
is_deeply([ map { $_->{name} } @items ],
    [ map { NewsTest::chars($_) } qw(首页 财经 银行业 数字银行),
      '数字银行的新进展' ], 'JSON-LD names');
like($items[0]{item} // '', qr{^${\ $t->url_re('/')}$}, 'JSON-LD home URL');
like($items[1]{item} // '', qr{^${\ $t->url_re('/category/finance.html')}$},
    'JSON-LD top category URL');
like($items[3]{item} // '',
    qr{^${\ $t->url_re('/category/digital-banking.html')}$},
    'JSON-LD own category URL');
is($items[4]{item}, $canonical, 'JSON-LD last item is the article')
    if defined $items[4]{item};
unlike($list->[0], qr/</, 'JSON-LD text has no <');

# the closing line of the seed: 返回<category>｜返回首页

like($main, $t->link_re('/category/digital-banking.html', '返回数字银行'),
    'closing line: category link');
like($main, $t->link_re('/', '返回首页'), 'closing line: home link');
like(NewsTest::text_of($main), qr/返回数字银行\s*｜\s*返回首页/,
    'closing line text');

# absolute URLs follow the request's Host when it names the server

$r = $t->get($path, Host => 'news.example');
like(NewsTest::link_rel($r->{body}, 'canonical') // '',
    qr{^${\ $t->url_re($path, 'news.example')}$}, 'canonical: from Host');
like(NewsTest::meta($r->{body}, 'og:url') // '',
    qr{^${\ $t->url_re($path, 'news.example')}$}, 'og:url: from Host');

# the upper levels have pages of their own, with shorter breadcrumbs

$r = $t->get("/banking/2022/03/04/$mid.html");
is($r->{status}, 200, 'mid article: 200');
$nav = NewsTest::breadcrumb($r->{body});
is_deeply([ map { $t->local_path($_) } NewsTest::links($nav // '') ],
    [ '/', '/category/finance.html', '/category/banking.html' ],
    'mid breadcrumb');

$r = $t->get("/finance/2022/03/04/$top.html");
is($r->{status}, 200, 'top article: 200');
($list) = grep { ref $_->[1] && ($_->[1]{'@type'} // '') eq 'BreadcrumbList' }
    NewsTest::jsonld($r->{body});
is(scalar @{ $list->[1]{itemListElement} || [] }, 3,
    'top JSON-LD: home, category, article');

# the URL date is the post's own: 23:30 -05:00 is 04:30 UTC the next day

$r = $t->get("/finance/2022/03/04/$west.html");
is($r->{status}, 200, 'west article at its own date');
is(NewsTest::meta($r->{body}, 'article:published_time'),
    '2022-03-04T23:30:00-05:00', 'west published_time keeps the offset');
is($t->get("/finance/2022/03/05/$west.html")->{status}, 301,
    'the UTC date redirects');

###############################################################################

# hostile names

$path = "/hostile/2022/03/04/$bad.html";
$r = $t->get($path);
is($r->{status}, 200, 'hostile: 200');
$html = $r->{body};

my $et = '&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; ';
my $ec = 'Q&amp;A &quot;&lt;b&gt;&quot; cat';

unlike($html, qr/<script>alert/, 'hostile: no raw script from the title');
unlike($html, qr/"<b>" cat/, 'hostile: no raw category name');
unlike($html, qr/<i>tag/, 'hostile: no raw tag markup');
unlike($html, qr/"<em>"/, 'hostile: no raw source markup');

like($html, qr{<title>[^<]*\Q$et\E}, 'hostile: title escaped');
like($html, qr{<h1[^>]*>\s*\Q$et\E}, 'hostile: h1 escaped');
is(NewsTest::unescape_html(NewsTest::meta($html, 'og:title')), $HT,
    'hostile: og:title escaped and intact');
like(NewsTest::meta($html, 'og:title') // '', qr/^\Q$et\E/,
    'hostile: og:title quotes escaped');

$nav = NewsTest::breadcrumb($html);
like($nav // '', qr/\Q$ec\E/, 'hostile: category name escaped in breadcrumb');
like($html, qr/返回\Q$ec\E/, 'hostile: category name escaped at the end');
like($html, qr/&lt;i&gt;tag&lt;\/i&gt;&amp;/, 'hostile: tag escaped');
like($html, qr/S&amp;P &quot;&lt;em&gt;&quot;/, 'hostile: source escaped');

($list) = grep { ref $_->[1] eq 'HASH'
    && ($_->[1]{'@type'} // '') eq 'BreadcrumbList' } NewsTest::jsonld($html);
ok($list, 'hostile: JSON-LD parses');
$list //= ['', {}];
unlike($list->[0], qr/</, 'hostile: no < in the JSON-LD text');
like($list->[0], qr/\\u003c/i, 'hostile: < written as \u003c');
unlike($list->[0], qr{</script}i, 'hostile: JSON-LD cannot close its script');
my @names = map { $_->{name} } @{ $list->[1]{itemListElement} || [] };
is($names[-1], $HT, 'hostile: JSON-LD title intact');
is($names[-2], $HC, 'hostile: JSON-LD category name intact');

# a title with a backslash and quotes survives the front matter

my ($q) = $t->add_posts({ title => 'say "hi" \\ ok', categories => 'finance',
    category_name => '财经' });
$r = $t->get($t->article_path($q));
like($r->{body}, qr{<h1[^>]*>\s*say &quot;hi&quot; \\ ok\s*</h1>},
    'quoted title from front matter');

done_testing;
