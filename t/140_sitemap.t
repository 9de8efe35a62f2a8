#!/usr/bin/perl

# Sitemaps, news_sitemap: every document parsed with a real XML parser.
# With news_sitemap_size 3 the site's URLs do not fit one sitemap and
# /sitemap.xml is an index of /sitemap-<n>.xml, the articles oldest first,
# then the categories, the tags with a published post and the home page;
# with the default size the same URLs are one sitemap.  Each loc is
# absolute (news_base_url) and answers 200; lastmod is the post's
# updated_at, a list's the newest of its posts'; drafts, deleted and
# scheduled posts are absent, and a scheduled one appears at its time.  A
# full part stays byte for byte when a post arrives; a deleted post
# leaves; 304 on If-None-Match; parts that are not 404.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsSitemap;
use POSIX qw(strftime);

my $t = NewsTest->new;
$t->skip_unless_built;

my $BASE = 'https://news.example.com';

sub at {
    my ($secs) = @_;
    return strftime('%Y-%m-%d %H:%M:%S +0800',
        gmtime(time + $secs + 8 * 3600));
}

$t->db_init;

# five published posts, published in this order, in two categories, with
# tags; a draft, a deleted post, one scheduled for tomorrow
my @codes = $t->add_posts(map {
    +{ title => "post $_", categories => ($_ % 2 ? 'world' : 'sport'),
       category_name => ($_ % 2 ? 'World' : 'Sport'),
       tags => ($_ < 3 ? ['alpha', 'a&b'] : ['beta']),
       date => sprintf('2022-05-%02d 10:00:00 +0800', 1 + $_) }
} 0 .. 4);

my ($draft, $deleted, $scheduled) = $t->add_posts(
    { title => 'a draft', categories => 'world', category_name => 'World',
      tags => ['draftonly'], date => '2022-06-01 10:00:00 +0800' },
    { title => 'deleted', categories => 'world', category_name => 'World',
      date => '2022-06-02 10:00:00 +0800' },
    { title => 'tomorrow', categories => 'world', category_name => 'World',
      tags => ['later'], date => at(86400) },
);

$t->sql("UPDATE posts SET status = 'draft' WHERE info_code = '$draft';"
    . "UPDATE posts SET status = 'deleted' WHERE info_code = '$deleted';");

# updated_at known to the second, one of them edited later than others
for my $i (0 .. 4) {
    $t->sql("UPDATE posts SET updated_at = '2023-01-0" . ($i + 1)
        . " 08:00:00+00:00' WHERE info_code = '$codes[$i]';");
}
$t->sql("UPDATE posts SET updated_at = '2023-02-01 09:30:00+00:00'"
    . " WHERE info_code = '$codes[1]';");

$t->write_conf($t->conf_server(undef, server => <<'EOF'));
        news_base_url https://news.example.com;

        location ~ ^/sitemap(-\d+)?\.xml$ {
            news_sitemap;
            news_sitemap_size 3;
        }

        location ~ ^/all(-\d+)?\.xml$ {
            news_sitemap;
        }
EOF
$t->run;

sub doc {
    my ($uri) = @_;
    my $r = $t->get($uri);
    is($r->{status}, 200, "$uri: 200") or return;
    is($r->{headers}{'content-type'}, 'application/xml; charset=utf-8',
        "$uri: content type");
    my ($d, $why) = NewsSitemap::parse($t, $r->{body});
    ok($d, "$uri: well-formed") or diag $why;
    return ($d, $r);
}

sub lastmods {
    my ($d) = @_;
    return { map { $_->{loc} => $_->{lastmod} } @{ $d->{urls} } };
}

my $tree = 'category_listing';

# the whole site in one sitemap with the default size
my ($all) = doc('/all.xml');
is($all->{root}, 'urlset', 'default size: one sitemap');
is($all->{ns}, 'http://www.sitemaps.org/schemas/sitemap/0.9', 'namespace');

my @locs = NewsSitemap::locs($all);
my %lm = %{ lastmods($all) };

my @articles = map { $BASE . $t->article_path($_) } @codes;
is_deeply([ @locs[0 .. 4] ], \@articles, 'articles first, oldest first');

is($lm{ $articles[0] }, '2023-01-01T08:00:00+00:00', 'lastmod: updated_at');
is($lm{ $articles[1] }, '2023-02-01T09:30:00+00:00', 'lastmod: an edit');
is($lm{"$BASE/category/world.html"}, '2023-02-01T09:30:00+00:00',
    'category: its newest updated_at');
is($lm{"$BASE/category/sport.html"}, '2023-01-05T08:00:00+00:00',
    'the other category');
is($lm{"$BASE/tag/alpha.html"}, '2023-02-01T09:30:00+00:00', 'tag alpha');
is($lm{"$BASE/tag/beta.html"}, '2023-01-05T08:00:00+00:00', 'tag beta');
is($locs[-1], "$BASE/", 'the home page last');
is($lm{"$BASE/"}, '2023-02-01T09:30:00+00:00', 'home: the newest of all');

my @tag_amp = grep { m{/tag/a.*b\.html$} && !/alpha|beta/ } @locs;
is(scalar @tag_amp, 1, 'the tag a&b listed');

for my $code ($draft, $deleted, $scheduled) {
    ok(!(grep { /\Q$code\E/ } @locs), "$code absent");
}
ok(!(grep { m{/tag/(draftonly|later)\.html} } @locs),
    'tags of unpublished posts only: absent');

# every loc absolute and a page of the site
my $bad = 0;
for my $loc (@locs) {
    (my $path = $loc) =~ s/^\Q$BASE\E// or $bad++, next;
    my $st = $t->get($path)->{status};
    $bad++, diag("$loc: $st") unless $st == 200;
}
is($bad, 0, 'every loc is absolute and answers 200');
is(scalar @locs, 5 + 2 + 3 + 1, '5 articles, 2 categories, 3 tags, home');

# with 3 a part: an index of 4 parts, articles oldest first
my ($index, $ir) = doc('/sitemap.xml');
is($index->{root}, 'sitemapindex', 'size 3: an index');
is_deeply([ NewsSitemap::locs($index) ],
    [ map { "$BASE/sitemap-$_.xml" } 1 .. 4 ], 'its four parts');

my (@union, %part);
for my $n (1 .. 4) {
    my ($p, $r) = doc("/sitemap-$n.xml");
    is($p->{root}, 'urlset', "part $n is a sitemap");
    my @l = NewsSitemap::locs($p);
    ok(@l >= 1 && @l <= 3, "part $n: 1 to 3 URLs");
    push @union, @l;
    $part{$n} = $r;
}
is_deeply(\@union, \@locs, 'the parts hold the sitemap\'s URLs, in order');
is_deeply([ NewsSitemap::locs((NewsSitemap::parse($t,
    $part{1}{body}))[0]) ], [ @articles[0 .. 2] ], 'part 1: the oldest three');
is_deeply(lastmods((NewsSitemap::parse($t, $part{4}{body}))[0]),
    { map { $_ => $lm{$_} } @locs[8 .. 10] }, 'the last part\'s lastmods');

for my $uri ('/sitemap-0.xml', '/sitemap-01.xml', '/sitemap-5.xml',
    '/sitemap-99999.xml', '/all-1.xml')
{
    is($t->get($uri)->{status}, 404, "$uri: 404");
}

# validated as pages are
my $etag = $ir->{headers}{etag};
ok($etag, 'an ETag');
is($t->get('/sitemap.xml', 'If-None-Match' => $etag)->{status}, 304,
    'If-None-Match: 304');
is($t->get('/sitemap-2.xml',
    'If-None-Match' => $part{2}{headers}{etag})->{status}, 304,
    'a part: 304');
is($t->head('/sitemap.xml')->{status}, 200, 'HEAD');
is($t->request('POST', '/sitemap.xml', -body => 'x')->{status}, 405,
    'POST: 405');

# a new post: the full parts stay as they were, byte for byte
my ($new) = $t->add_posts({ title => 'newest', categories => 'sport',
    category_name => 'Sport', date => '2022-07-01 10:00:00 +0800' });

my ($p1) = doc('/sitemap-1.xml');
is($t->get('/sitemap-1.xml')->{body}, $part{1}{body},
    'a new post: part 1 unchanged');
my $r = $t->get('/sitemap-1.xml', 'If-None-Match' => $part{1}{headers}{etag});
is($r->{status}, 304, 'and its ETag still holds');

my ($p2) = doc('/sitemap-2.xml');
is_deeply([ NewsSitemap::locs($p2) ],
    [ @articles[3, 4], $BASE . $t->article_path($new) ],
    'the new post ends part 2');

($index) = doc('/sitemap.xml');
is(scalar @{ $index->{sitemaps} }, 4, 'still four parts (3+3+3+3)');

# deleted: gone at once
$t->sql("UPDATE posts SET status = 'deleted' WHERE info_code = '$new';");
($p2) = doc('/sitemap-2.xml');
ok(!(grep { /\Q$new\E/ } NewsSitemap::locs($p2)), 'deleted: gone');

# a part past the end first after a change: its 404 is kept under its own
# URI, never taken for where the parts start
$t->sql("UPDATE posts SET updated_at = '2023-03-01 00:00:00+00:00'"
    . " WHERE info_code = '$codes[0]';");
is($t->get('/sitemap-9.xml')->{status}, 404, 'past the end, first: 404');
is($t->get('/sitemap-9.xml')->{status}, 404, 'and again, from the cache');
my ($p1b) = doc('/sitemap-1.xml');
is_deeply([ NewsSitemap::locs($p1b) ], [ @articles[0 .. 2] ],
    'then part 1 as it is');
is($p1b->{urls}[0]{lastmod}, '2023-03-01T00:00:00+00:00', 'with the edit');

# a list's lastmod follows the edits of its posts: one setting updated_at,
# and a plain one, which the schema's trigger dates now
%lm = %{ lastmods((doc('/all.xml'))[0]) };
is($lm{"$BASE/category/sport.html"}, '2023-03-01T00:00:00+00:00',
    'an edit: its category\'s lastmod');
is($lm{"$BASE/tag/alpha.html"}, '2023-03-01T00:00:00+00:00',
    'and its tag\'s');
is($lm{"$BASE/category/world.html"}, '2023-02-01T09:30:00+00:00',
    'the other category\'s as it was');

my $before = strftime('%Y-%m-%dT%H:%M:%S+00:00', gmtime(time - 1));
$t->sql("UPDATE posts SET title = 'post 3, edited'"
    . " WHERE info_code = '$codes[3]';");
%lm = %{ lastmods((doc('/all.xml'))[0]) };
ok($lm{"$BASE/category/world.html"} ge $before,
    'a plain edit: its category\'s lastmod is the edit\'s time')
    or diag $lm{"$BASE/category/world.html"};
is($lm{"$BASE/tag/beta.html"}, $lm{"$BASE/category/world.html"},
    'and its tag\'s');
is($lm{"$BASE/"}, $lm{"$BASE/category/world.html"}, 'and the home page\'s');
is($lm{"$BASE/category/sport.html"}, '2023-03-01T00:00:00+00:00',
    'the other category\'s as it was');

# the scheduled post, once its time has come
$t->sql("UPDATE posts SET published_at = '" . at(-60) =~ s/ \+0800/+08:00/r
    . "' WHERE info_code = '$scheduled';");
($all) = doc('/all.xml');
ok((grep { /\Q$scheduled\E/ } NewsSitemap::locs($all)),
    'scheduled: there at its time');

done_testing;
