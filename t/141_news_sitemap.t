#!/usr/bin/perl

# The Google News sitemap, news_sitemap news, parsed with a real XML
# parser: the articles published in the last 48 hours only, newest first,
# at most 1,000; news:publication with the site's name (escaped) and its
# language lowercased (zh-cn), news:publication_date a W3C datetime with
# the post's own offset, news:title; drafts, deleted and scheduled posts
# absent; a title with "]]>", "<", "&", a NUL and U+FFFE still gives
# well-formed XML, the forbidden characters dropped; 304 on If-None-Match.

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

my ($recent, $old, $evil, $draft, $deleted, $scheduled) = $t->add_posts(
    { title => 'recent', categories => 'world', category_name => 'World',
      date => at(-47 * 3600) },
    { title => 'two days ago and more', categories => 'world',
      category_name => 'World', date => at(-49 * 3600) },
    { title => 'evil', categories => 'world', category_name => 'World',
      date => at(-3600) },
    { title => 'a draft', categories => 'world', category_name => 'World',
      date => at(-1800) },
    { title => 'deleted', categories => 'world', category_name => 'World',
      date => at(-1700) },
    { title => 'in an hour', categories => 'world', category_name => 'World',
      date => at(3600) },
);

$t->sql("UPDATE posts SET status = 'draft' WHERE info_code = '$draft';"
    . "UPDATE posts SET status = 'deleted' WHERE info_code = '$deleted';"
    . "UPDATE posts SET title = 'a ]]> b < c & d ' || char(0) || ' e '"
    . " || char(65534) || ' f' WHERE info_code = '$evil';");

$t->write_conf($t->conf_server(undef, server => <<'EOF'));
        news_base_url https://news.example.com;
        news_site_name "Example & <News>";

        location = /news-sitemap.xml {
            news_sitemap news;
        }

        location = /en/news.xml {
            news_sitemap news;
            news_site_name "";
            news_language en-GB;
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

my ($d, $r) = doc('/news-sitemap.xml');
is($d->{root}, 'urlset', 'a urlset');

my @locs = NewsSitemap::locs($d);
is_deeply(\@locs, [ map { $BASE . $t->article_path($_) } $evil, $recent ],
    'the last 48 hours only, newest first; no draft, deleted, scheduled');

my %item = map { $_->{loc} => $_->{news} } @{ $d->{urls} };
my $e = $item{ $BASE . $t->article_path($evil) };

is($e->{name}, 'Example & <News>', 'news:name, escaped in the XML');
is($e->{language}, 'zh-cn', 'news:language lowercased');
is($e->{title}, "a ]]> b < c & d  e  f",
    'news:title: "]]>", "<", "&" kept, NUL and U+FFFE dropped');
ok($r->{body} !~ /\x00|\xef\xbf\xbe/, 'no NUL or U+FFFE in the bytes');

my $pub = $t->sql_value(
    "SELECT published_at FROM posts WHERE info_code = '$evil';");
(my $w3c = $pub) =~ s/ /T/;
is($e->{publication_date}, $w3c, 'news:publication_date: W3C, own offset');
like($e->{publication_date},
    qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/, 'with its offset');

# another location's name and language
my ($en) = doc('/en/news.xml');
is($en->{urls}[0]{news}{name}, 'News', 'no news_site_name: the default');
is($en->{urls}[0]{news}{language}, 'en-gb', 'en-GB: en-gb');

# validated as pages are
my $etag = $r->{headers}{etag};
ok($etag, 'an ETag');
is($t->get('/news-sitemap.xml', 'If-None-Match' => $etag)->{status}, 304,
    'If-None-Match: 304');

# at most 1,000: 1,005 more in the window
$t->sql("WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
    . " WHERE i < 1005)"
    . " INSERT INTO posts (info_code, title, published_at, category_id)"
    . " SELECT printf('BK%010d', i), 'bulk ' || i,"
    . " strftime('%Y-%m-%d %H:%M:%S+00:00', 'now', '-' || (i + 60)"
    . " || ' seconds'), (SELECT id FROM categories LIMIT 1) FROM n;");

($d) = doc('/news-sitemap.xml');
@locs = NewsSitemap::locs($d);
is(scalar @locs, 1000, 'at most 1,000');
like($locs[0], qr/BK0000000001\.html$/, 'the newest first');
like($locs[-1], qr/BK0000001000\.html$/, 'down to the 1,000th');
ok(!(grep { /\Q$recent\E|\Q$evil\E/ } @locs), 'the older ones left out');

done_testing;
