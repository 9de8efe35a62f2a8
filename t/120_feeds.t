#!/usr/bin/perl

# Feeds (news_feed rss|atom): the newest published posts, read by a real
# feed reader (Debian's feedparser: no bozo error) and a strict XML parser;
# dates the posts' own (pubDate in the post's offset, lastBuildDate and
# <updated> the newest updated_at, never the time of the request); a title
# and body with "]]>", "<", "&", a NUL and U+FFFE still well-formed XML;
# drafts, scheduled and deleted posts absent; validated and cached like
# pages; every page links the feeds.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use JSON::PP;

my $t = NewsTest->new;
$t->skip_unless_built;

my ($rc) = $t->run_cmd(undef, $NewsTest::PYTHON, '-c', 'import feedparser');
plan(skip_all => "feedparser not importable by $NewsTest::PYTHON (make deps "
    . 'installs python3-feedparser)') if $rc;

$t->db_init;
my ($old, $hostile, $new, $draft, $later, $gone) = $t->add_posts(
    { title => 'old post', date => '2022-03-01 10:00:00 +0800' },
    { title => 'hostile', date => '2022-03-02 10:00:00 +0800',
      tags => [ 'A&B', '<i>' ], author => '王 <明>',
      image => '/images/a.jpg' },
    { title => 'new post', date => '2022-03-03 10:00:00 -0500' },
    { title => 'draft', date => '2022-03-04 10:00:00 +0800' },
    { title => 'later', date => '2099-03-04 10:00:00 +0800' },
    { title => 'gone', date => '2022-03-05 10:00:00 +0800' },
);
$t->sql(<<"EOF");
UPDATE posts SET status = 'draft' WHERE info_code = '$draft';
UPDATE posts SET status = 'deleted' WHERE info_code = '$gone';
UPDATE posts SET title = 'x ]]> <y> & z' || char(0) || 'end' || char(65534),
    body_html = '<p>a ]]> b & c</p>' || char(0) || char(11),
    summary = 'sum & <mary>'
    WHERE info_code = '$hostile';
UPDATE posts SET updated_at = '2022-03-09 01:02:03+00:00'
    WHERE info_code = '$hostile';
UPDATE posts SET updated_at = '2022-03-08 00:00:00+00:00'
    WHERE info_code IN ('$old', '$new');
EOF

$t->write_conf($t->conf_server(<<'EOF',
        location = /feed.xml { news_feed rss; }
        location = /atom.xml { news_feed atom; }
        location /small/ {
            news_feed_size 1;
            news_websub_hub https://hub.example/;
            location = /small/feed.xml { news_feed rss; }
            location = /small/atom.xml { news_feed atom; }
        }
EOF
    server => 'news_base_url https://news.example.com;'
        . ' news_site_name "新闻 & <网>";'
        . ' news_feed_links rss=/feed.xml atom=/atom.xml;'));
$t->run;

sub feed {
    my ($uri) = @_;
    my $r = $t->get($uri);
    my ($c, $out, $err) = $t->run_cmd($r->{body}, $NewsTest::PYTHON,
        $t->repo . '/t/lib/feedcheck.py');
    die "feedcheck.py failed: $err\n" if $c;
    return ($r, JSON::PP->new->utf8->decode($out));
}

sub u { Encode::decode('UTF-8', $_[0]) }
use Encode ();

my $base = 'https://news.example.com';

for my $kind (qw(rss atom)) {
    my $uri = $kind eq 'rss' ? '/feed.xml' : '/atom.xml';
    my ($r, $f) = feed($uri);
    is($r->{status}, 200, "$kind: 200");
    like($r->{headers}{'content-type'},
        qr{^application/\Q$kind\E\+xml; charset=utf-8$}, "$kind: its type");
    is($f->{xml_error}, undef, "$kind: well-formed XML")
        or diag($r->{body});
    is($f->{bozo}, 0, "$kind: feedparser reports no error")
        or diag($f->{bozo_exception});
    like($f->{version}, $kind eq 'rss' ? qr/^rss20$/ : qr/^atom10$/,
        "$kind: the version feedparser sees");
    is($f->{feed}{title}, u('新闻 & <网>'), "$kind: the site's name");

    my @e = @{ $f->{entries} };
    is(join(' ', map { $_->{title} =~ /^x / ? 'hostile' : $_->{title} } @e),
        'new post hostile old post',
        "$kind: the published posts, newest first, no draft, later or gone");
    is($e[0]{link}, $base . $t->article_path($new),
        "$kind: the canonical link");
    is($e[0]{id}, $base . $t->article_path($new), "$kind: its id");
    is($e[0]{published}, 1646319600, "$kind: the instant of publication");
    is($e[1]{title}, "x ]]> <y> & zend",
        "$kind: the hostile title intact, the forbidden characters gone");
    like($e[1]{content} // '', qr{^<p>a \]\]> b & c</p>$},
        "$kind: the body as HTML");
    is($e[1]{author}, u('王 <明>'), "$kind: the author");
    is_deeply([ sort grep { /&|</ } @{ $e[1]{tags} } ], [ '<i>', 'A&B' ],
        "$kind: the tags as categories");
    unlike($r->{body}, qr/CDATA/, "$kind: no CDATA");

    my $etag = $r->{headers}{etag};
    ok($etag, "$kind: an ETag");
    is($t->get($uri, 'If-None-Match' => $etag)->{status}, 304,
        "$kind: 304 on If-None-Match");
}

my $rss = $t->get('/feed.xml')->{body};
like($rss, qr{<pubDate>Thu, 03 Mar 2022 10:00:00 -0500</pubDate>},
    'RSS: pubDate in the post\'s own offset');
like($rss, qr{<pubDate>Wed, 02 Mar 2022 10:00:00 \+0800</pubDate>},
    'RSS: another offset, another weekday');
like($rss, qr{<lastBuildDate>Wed, 09 Mar 2022 01:02:03 \+0000</lastBuildDate>},
    'RSS: lastBuildDate the newest updated_at');
ok(index($rss, '<atom:link rel="self" type="application/rss+xml" '
    . 'href="https://news.example.com/feed.xml"/>') >= 0,
    'RSS: atom:link self');
like($rss, qr{<enclosure url="https://news\.example\.com/images/a\.jpg"},
    'RSS: the image');
my $atom = $t->get('/atom.xml')->{body};
like($atom, qr{<updated>2022-03-09T01:02:03\+00:00</updated>\n<author>},
    'Atom: the feed updated with the newest updated_at');
like($atom, qr{<published>2022-03-02T10:00:00\+08:00</published>},
    'Atom: published with its offset');

# a category's feeds, served by news_category, with its descendants' posts
$t->sql("INSERT INTO categories (slug, name, parent_id) SELECT 'sub', 'Sub',"
    . " id FROM categories WHERE slug = 'xinhuawang';");
$t->add_posts({ title => 'in sub', categories => [qw(xinhuawang sub)],
    category_name => 'Sub', date => '2022-03-04 12:00:00 +0800' });
for my $kind (qw(xml atom)) {
    my ($r, $f) = feed("/category/xinhuawang.$kind");
    is($r->{status}, 200, "category .$kind: 200");
    is($f->{bozo}, 0, "category .$kind: feedparser reports no error")
        or diag($f->{bozo_exception});
    is($f->{feed}{title}, u('新华网新闻 - 新闻 & <网>'),
        "category .$kind: the category's and the site's name");
    is($f->{entries}[0]{title}, 'in sub',
        "category .$kind: a subcategory's post first");
    my ($sub) = feed("/category/sub.$kind");
    like($sub->{body}, qr{in sub}, "category .$kind: the subcategory's own");
}
is($t->get('/category/nothing.xml')->{status}, 404,
    'an unknown category\'s feed: 404');
my $cat_feed = qr{<link rel="alternate" type="application/rss\+xml" }
    . qr{href="/category/xinhuawang\.xml">};
like($t->get('/category/xinhuawang.html')->{body}, qr/$cat_feed/,
    'a category page links its feed');

# a tag's feed, served by news_tag, the name escaped as in its page's URL
{
    my ($r, $f) = feed('/tag/A%26B.xml');
    is($r->{status}, 200, 'tag feed: 200');
    is($f->{bozo}, 0, 'tag feed: feedparser reports no error')
        or diag($f->{bozo_exception});
    is($f->{feed}{title}, u('A&B - 新闻 & <网>'), 'tag feed: its title');
    is(join(' ', map { $_->{title} =~ /^x / ? 'hostile' : $_->{title} }
        @{ $f->{entries} }), 'hostile', 'tag feed: the tagged post only');
    is($f->{feed}{link}, "$base/tag/A%26B.html", 'tag feed: its page');
    is($t->get('/tag/nothing.xml')->{status}, 404, 'an unknown tag: 404');
    my $tag_feed = qr{<link rel="alternate" type="application/rss\+xml" }
        . qr{href="/tag/A%26B\.xml">};
    like($t->get('/tag/A%26B.html')->{body}, qr/$tag_feed/,
        'a tag page links its feed');
}

# an edit shows at once
$t->sql("UPDATE posts SET title = 'renamed' WHERE info_code = '$old';");
like($t->get('/feed.xml')->{body}, qr{<title>renamed</title>},
    'an edit shows in the feed at once');

# every page links the feeds
for my $page ('/', '/category/xinhuawang.html', $t->article_path($new)) {
    my $b = $t->get($page)->{body};
    my $rss_link = qr{<link rel="alternate" type="application/rss\+xml" }
        . qr{title="新闻 &amp; &lt;网&gt;" href="/feed\.xml">};
    like($b, qr/$rss_link/, "$page: links the RSS feed");
    my $atom_link = qr{<link rel="alternate" type="application/atom\+xml"}
        . qr{[^>]+href="/atom\.xml">};
    like($b, qr/$atom_link/, "$page: links the Atom feed");
}

# a location with another size and a WebSub hub
{
    my ($r, $f) = feed('/small/feed.xml');
    is(scalar @{ $f->{entries} }, 1, 'news_feed_size 1: one item');
    like($r->{body}, qr{<atom:link rel="hub" href="https://hub\.example/"/>},
        'RSS: the WebSub hub');
    ($r) = feed('/small/atom.xml');
    like($r->{body}, qr{<link rel="hub" href="https://hub\.example/"/>},
        'Atom: the WebSub hub');
    unlike($t->get('/feed.xml')->{body}, qr/rel="hub"/,
        'the site\'s feed has no hub');
}

# a bad directive
my $bad = NewsTest->new;
$bad->db_init;
$bad->write_conf($bad->conf_server(
    "        location = /f { news_feed json; }\n"));
my ($brc, $bout) = $bad->test_conf;
isnt($brc, 0, 'news_feed json: nginx -t fails');
like($bout, qr/invalid value "json", it must be "rss" or "atom"/,
    'news_feed json: says what it must be');

done_testing;
