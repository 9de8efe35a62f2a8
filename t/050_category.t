#!/usr/bin/perl

# Category pages: breadcrumbs on a three-level hierarchy (HTML and JSON-LD),
# subcategory links, the category's own published posts newest first by the
# instant of publication, news_page_size paging with rel next/prev, and the
# 400/404 answers for bad pages and slugs.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

my @bank = ([qw(finance banking)], '银行业');

$t->db_init;
my ($fin, $b1, $b2, $b3, $b4, $b5, $b6, $b7, $draft, $deleted, $digital,
    $ins) = $t->add_posts(
    { title => 'finance post', categories => 'finance',
      category_name => '财经', date => '2022-03-01 10:00:00 +0800' },
    # b1..b3: the instants order them b2, b3, b1; their text the other way
    { title => 'b1', categories => $bank[0], category_name => $bank[1],
      date => '2022-03-10 09:00:00 +0800' },
    { title => 'b2', categories => $bank[0], category_name => $bank[1],
      date => '2022-03-10 08:00:00 +0000' },
    { title => 'b3', categories => $bank[0], category_name => $bank[1],
      date => '2022-03-09 23:00:00 -0800' },
    (map { +{ title => "b$_", categories => $bank[0],
      category_name => $bank[1],
      date => sprintf('2022-03-%02d 12:00:00 +0800', 12 - $_) } } 4 .. 7),
    { title => 'draft', categories => $bank[0], category_name => $bank[1],
      date => '2022-03-11 12:00:00 +0800' },
    { title => 'deleted', categories => $bank[0], category_name => $bank[1],
      date => '2022-03-10 12:00:00 +0800' },
    { title => 'digital post', categories => [qw(finance banking
      digital-banking)], category_name => '数字银行',
      date => '2022-03-20 12:00:00 +0800' },
    { title => 'insurance post', categories => [qw(finance insurance)],
      category_name => '保险' },
);

$t->sql(<<"EOF");
UPDATE posts SET status = 'draft' WHERE info_code IN ('$draft', '$ins');
UPDATE posts SET status = 'deleted' WHERE info_code = '$deleted';
UPDATE posts SET title = '<script>x("7")</script>' WHERE info_code = '$b7';
EOF

# a category's own posts (t/052 has the lists with descendants')
$t->write_conf($t->conf_server('', category => 'news_page_size 3;'
    . ' news_category_descendants off;'));
$t->run;

# post codes linked from a page, in order, each once
sub post_codes {
    my ($html, $slug) = @_;
    my (@codes, %seen);
    for my $href (NewsTest::links($html)) {
        my $p = $t->local_path($href) // next;
        my ($code) = $p =~ m{^/\Q$slug\E/\d{4}/\d\d/\d\d/(\w+)\.html$}
            or next;
        push @codes, $code unless $seen{$code}++;
    }
    return \@codes;
}

# the path a pager link leads to from a page
sub resolve {
    my ($base, $href) = @_;
    return undef unless defined $href;
    $href = NewsTest::unescape_html($href);
    return $base . $href if $href =~ /^\?/;
    return $t->local_path($href);
}

my $u = '/category/banking.html';

###############################################################################

my $r = $t->get($u);
is($r->{status}, 200, 'category: 200');
like($r->{headers}{'content-type'}, qr{^text/html;\s*charset=utf-8$}i,
    'category: content type');
my $html = $r->{body};
like($html, qr/^\s*<!DOCTYPE html>/i, 'category: doctype');
like($html, qr{<title>[^<]*银行业}, 'category: title');
like(NewsTest::link_rel($html, 'canonical') // '',
    qr{^${\ $t->url_re($u)}$}, 'category: canonical');

# breadcrumb: home > finance > banking

my $nav = NewsTest::breadcrumb($html);
ok($nav, 'category: breadcrumb nav');
$nav //= '';
my @crumbs = map { $t->local_path($_) } NewsTest::links($nav);
is_deeply([ @crumbs[0, 1] ], [ '/', '/category/finance.html' ],
    'category: breadcrumb links');
like(NewsTest::text_of($nav), qr/首页.*财经.*银行业/,
    'category: breadcrumb names');
for my $link (grep { defined } @crumbs) {
    is($t->get($link)->{status}, 200, "category: breadcrumb $link works");
}

my ($ld) = grep { ref $_->[1] eq 'HASH'
    && ($_->[1]{'@type'} // '') eq 'BreadcrumbList' } NewsTest::jsonld($html);
ok($ld, 'category: JSON-LD BreadcrumbList parses');
my @items = @{ $ld ? $ld->[1]{itemListElement} || [] : [] };
is_deeply([ map { $_->{position} } @items ], [ 1, 2, 3 ],
    'category: JSON-LD positions');
is_deeply([ map { $_->{name} } @items ],
    [ map { NewsTest::chars($_) } '首页', '财经', '银行业' ],
    'category: JSON-LD names');
unlike($ld ? $ld->[0] : '<', qr/</, 'category: JSON-LD has no <');

# a three-level breadcrumb

$r = $t->get('/category/digital-banking.html');
is($r->{status}, 200, 'third level: 200');
$nav = NewsTest::breadcrumb($r->{body});
@crumbs = map { $t->local_path($_) } NewsTest::links($nav // '');
is_deeply([ @crumbs[0 .. 2] ],
    [ '/', '/category/finance.html', '/category/banking.html' ],
    'third level: breadcrumb links');
like(NewsTest::text_of($nav // ''), qr/首页.*财经.*银行业.*数字银行/,
    'third level: breadcrumb names');
is_deeply(post_codes($r->{body}, 'digital-banking'), [ $digital ],
    'third level: its post');

# subcategories

my @sub = map { $t->local_path($_) // '' } NewsTest::links($html);
ok((grep { $_ eq '/category/digital-banking.html' } @sub),
    'banking links its subcategory');
like($html, $t->link_re('/category/digital-banking.html', '数字银行'),
    'subcategory named');

$r = $t->get('/category/finance.html');
is($r->{status}, 200, 'top level: 200');
@sub = map { $t->local_path($_) // '' } NewsTest::links($r->{body});
ok((grep { $_ eq '/category/banking.html' } @sub), 'finance links banking');
ok((grep { $_ eq '/category/insurance.html' } @sub),
    'finance links insurance');
is_deeply(post_codes($r->{body}, 'finance'), [ $fin ],
    'finance lists its own post only');
is_deeply(post_codes($r->{body}, 'banking'), [],
    'finance does not list descendants');

# posts: own category only, published only, newest instant first, paged

is_deeply(post_codes($html, 'banking'), [ $b2, $b3, $b1 ], 'page 1');
is_deeply(post_codes($html, 'digital-banking'), [],
    'no posts of a subcategory');
like($html, qr/>\s*b2\s*</, 'post titles shown');

my $next = resolve($u, NewsTest::link_rel($html, 'next'));
like($next // '', qr/[?&]page=2\b/, 'page 1: rel=next to page 2');
ok(!defined NewsTest::link_rel($html, 'prev'), 'page 1: no rel=prev');

is_deeply(post_codes($t->get("$u?page=1")->{body}, 'banking'),
    [ $b2, $b3, $b1 ], '?page=1 is page 1');

$r = $t->get($next // "$u?page=2");
is($r->{status}, 200, 'page 2: 200');
is_deeply(post_codes($r->{body}, 'banking'), [ $b4, $b5, $b6 ], 'page 2');
my $prev = resolve($u, NewsTest::link_rel($r->{body}, 'prev'));
ok(defined $prev, 'page 2: rel=prev');
is_deeply(post_codes($t->get($prev // '/none')->{body}, 'banking'),
    [ $b2, $b3, $b1 ], 'page 2: prev leads to page 1');
$next = resolve($u, NewsTest::link_rel($r->{body}, 'next'));
like($next // '', qr/[?&]page=3\b/, 'page 2: rel=next to page 3');

$r = $t->get("$u?page=3");
is($r->{status}, 200, 'page 3: 200');
is_deeply(post_codes($r->{body}, 'banking'), [ $b7 ], 'page 3: the last');
ok(!defined NewsTest::link_rel($r->{body}, 'next'), 'page 3: no rel=next');
like(resolve($u, NewsTest::link_rel($r->{body}, 'prev')) // '',
    qr/[?&]page=2\b/, 'page 3: rel=prev to page 2');
like($r->{body}, qr/&lt;script&gt;x\(&quot;7&quot;\)&lt;\/script&gt;/,
    'titles escaped in the list');
unlike($r->{body}, qr/<script>x/, 'no raw title markup');

is($t->get("$u?page=4")->{status}, 404, 'past the end: 404');
is($t->get("$u?page=1000")->{status}, 404, 'far past the end: 404');

for my $p ('0', 'abc', '-1', '1.5', '2abc', '%20', '+1', '0x2') {
    is($t->get("$u?page=$p")->{status}, 400, "page=$p: 400");
}
my $huge = $t->get("$u?page=99999999999999999999999999")->{status};
ok($huge == 400 || $huge == 404, "huge page: 400 or 404 ($huge)");

# other arguments do not matter
is_deeply(post_codes($t->get("$u?utm_source=x&page=2")->{body}, 'banking'),
    [ $b4, $b5, $b6 ], 'page among other arguments');

# an existing category without published posts

$r = $t->get('/category/insurance.html');
is($r->{status}, 200, 'empty category: 200');
is_deeply(post_codes($r->{body}, 'insurance'), [], 'empty: no posts');
is($t->get('/category/insurance.html?page=2')->{status}, 404,
    'empty: page 2 404');

# category names are escaped

$t->sql(q{UPDATE categories SET name = '<b>"保险" & Co</b>' }
    . q{WHERE slug = 'insurance';});
$r = $t->get('/category/finance.html');
like($r->{body}, qr/&lt;b&gt;&quot;保险&quot; &amp; Co&lt;\/b&gt;/,
    'subcategory name escaped');
unlike($r->{body}, qr/<b>"保险"/, 'no raw subcategory name');
$r = $t->get('/category/insurance.html');
like($r->{body}, qr{<title>[^<]*&lt;b&gt;&quot;保险&quot; &amp; Co},
    'category title escaped');

# unknown or malformed

for my $p ('/category/nope.html', '/category/', '/category/banking',
    '/category/banking.htm', '/category/Banking.html',
    '/category/banking.html/', '/category/finance/banking.html',
    '/category/.html', '/category/banking.html.html')
{
    is($t->get($p)->{status}, 404, "$p: 404");
}

done_testing;
