#!/usr/bin/perl

# What a share preview and Google News read: og:image (the post's image,
# made absolute with news_base_url, or news_default_image), og:site_name,
# og:locale, article:modified_time, the Twitter card, and a NewsArticle
# JSON-LD that is valid JSON with "<" as \u003c; the importer's image and
# author; a category's description; servers with other site names never
# share cached pages.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use Encode qw(decode);

my $t = NewsTest->new;
$t->skip_unless_built;

my $HT = '<script>alert("t")</script> & Co';

$t->db_init;
my ($pic, $abs, $plain) = $t->add_posts(
    { title => 'a post with a picture', image => '/images/a.jpg',
      author => '新华社记者 王明', date => '2022-03-04 20:46:41 +0800' },
    { title => 'an absolute picture',
      image => 'https://cdn.example.org/b.jpg?x=1&y=2',
      date => '2022-03-05 08:00:00 +0800' },
    { title => 'plain', date => '2022-03-06 08:00:00 -0500' },
);
$t->sql(<<"EOF");
UPDATE posts SET title = '$HT', author = '<b>"A"</b>',
    updated_at = '2022-03-07 01:02:03+00:00' WHERE info_code = '$abs';
UPDATE categories SET description = '新华网 <新闻> & "更多"'
    WHERE slug = 'xinhuawang';
EOF

my $english = NewsTest::_free_port();

$t->write_conf(<<"EOF");
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        news_db %%DB%%;
        news_base_url https://news.example.com;
        news_site_name "新华 <网>";
        location /category/ { news_category; }
        location = / { news_index; }
        location / { news_article; }
        location /other/ {
            rewrite ^/other(/.*)\$ \$1 break;
            news_article;
            news_site_name "另一个网站";
        }
    }
    server {
        listen 127.0.0.1:$english;
        server_name localhost;
        news_db %%DB%%;
        news_base_url https://news.example.com;
        news_language en-GB;
        news_site_name "The Daily";
        news_default_image /images/default.png;
        location /category/ { news_category; }
        location / { news_article; }
    }
EOF
$t->run;

# the importer kept the image and the author
is($t->sql_value("SELECT image_url || '|' || author FROM posts"
    . " WHERE info_code = '$pic'"), '/images/a.jpg|新华社记者 王明',
    'import: image and author stored');

# a post with an image on the site
my $r = $t->get($t->article_path($pic));
is($r->{status}, 200, 'article: 200');
my $b = $r->{body};
like($b, qr{<meta property="og:image" content="https://news\.example\.com/images/a\.jpg">},
    'og:image: the path made absolute with the base URL');
like($b, qr{<meta name="twitter:card" content="summary_large_image">},
    'twitter card: a large image');
like($b, qr{<meta name="twitter:image" content="https://news\.example\.com/images/a\.jpg">},
    'twitter:image');
like($b, qr{<meta property="og:site_name" content="新华 &lt;网&gt;">},
    'og:site_name, escaped');
like($b, qr{<meta property="og:locale" content="zh_CN">}, 'og:locale zh_CN');
like($b, qr{<figure class="lead"><img src="https://news\.example\.com/images/a\.jpg" alt="a post with a picture"></figure>},
    'the lead image on the page');
like($b, qr{<span class="author">作者：新华社记者 王明</span>}, 'the byline');
my $updated = $t->sql_value("SELECT replace(updated_at, ' ', 'T') FROM posts"
    . " WHERE info_code = '$pic'");
like($b, qr{<meta property="article:modified_time" content="\Q$updated\E">},
    'article:modified_time: the post\'s updated_at');

$t->valid_html($b, 'an article with a picture and a byline: valid HTML');

my ($ld) = article_ld($b);
ok($ld, 'NewsArticle JSON-LD parses') or diag($b);
$ld //= {};
is($ld->{headline}, 'a post with a picture', 'JSON-LD headline');
is($ld->{datePublished}, '2022-03-04T20:46:41+08:00',
    'JSON-LD datePublished with its offset');
is($ld->{dateModified}, $updated, 'JSON-LD dateModified');
is_deeply($ld->{author}, [{ '@type' => 'Person', name => u('新华社记者 王明') }],
    'JSON-LD author');
is_deeply($ld->{image}, ['https://news.example.com/images/a.jpg'],
    'JSON-LD image');
is_deeply($ld->{publisher},
    { '@type' => 'Organization', name => u('新华 <网>') },
    'JSON-LD publisher: the site');
is($ld->{mainEntityOfPage}{'@id'},
    'https://news.example.com' . $t->article_path($pic),
    'JSON-LD: the canonical URL');

# hostile values: escaped in HTML, intact in JSON, no "<" in the script
$r = $t->get($t->article_path($abs));
$b = $r->{body};
like($b, qr{<meta property="og:image" content="https://cdn\.example\.org/b\.jpg\?x=1&amp;y=2">},
    'og:image: an absolute URL as is, escaped');
unlike($b, qr{<script>alert}, 'the hostile title is never markup');
$t->valid_html($b, 'hostile values: valid HTML');
like($b, qr{<span class="author">作者：&lt;b&gt;&quot;A&quot;&lt;/b&gt;</span>},
    'the byline escaped');
my ($text) = $b =~ m{<script type="application/ld\+json">(\{[^<]*"NewsArticle".*?)</script>}s;
ok(defined $text && $text !~ /</, 'JSON-LD: no "<" in the script');
($ld) = article_ld($b);
$ld //= {};
is($ld->{headline}, $HT, 'JSON-LD headline intact');
is($ld->{author}[0]{name}, '<b>"A"</b>', 'JSON-LD author intact');
is($ld->{dateModified}, '2022-03-07T01:02:03+00:00',
    'JSON-LD dateModified as the row says');

# no image, no author: a small card, the site as the author
$r = $t->get($t->article_path($plain));
$b = $r->{body};
unlike($b, qr/og:image|twitter:image|class="lead"/, 'no image: none shown');
like($b, qr{<meta name="twitter:card" content="summary">}, 'no image: summary card');
unlike($b, qr/class="author"/, 'no author: no byline');
($ld) = article_ld($b);
is_deeply(($ld // {})->{author},
    [{ '@type' => 'Organization', name => u('新华 <网>') }],
    'no author: the site is the author');
ok(!exists(($ld // {})->{image}), 'no image: none in the JSON-LD');
is(($ld // {})->{datePublished}, '2022-03-06T08:00:00-05:00',
    'JSON-LD datePublished keeps a western offset');

# the English server: its locale, its default image, its name
$r = $t->get_at($english, $t->article_path($plain));
$b = $r->{body};
like($b, qr{<meta property="og:locale" content="en_GB">}, 'og:locale en_GB');
like($b, qr{<meta property="og:image" content="https://news\.example\.com/images/default\.png">},
    'news_default_image for a post without one');
unlike($b, qr/class="lead"/, 'the default image is not the post\'s picture');
($ld) = article_ld($b);
is(($ld // {})->{publisher}{name}, 'The Daily', 'JSON-LD publisher: its name');
like($t->get_at($english, $t->article_path($pic))->{body},
    qr{<span class="author">By 新华社记者 王明</span>}, 'English byline');
like($t->get_at($english, '/category/xinhuawang.html')->{body},
    qr{<meta property="og:image" content="https://news\.example\.com/images/default\.png">},
    'a list page: the default image');

# a category's description
$b = $t->get('/category/xinhuawang.html')->{body};
like($b, qr{<meta name="description" content="新华网 &lt;新闻&gt; &amp; &quot;更多&quot;">},
    'category: its description, escaped');
like($b, qr{<meta name="twitter:card" content="summary">},
    'category without a default image: summary card');

# the same database, templates and base URL under another site name: its
# own pages, never the other location's cached ones
like($t->get('/other' . $t->article_path($pic))->{body},
    qr{<a class="site" href="/">另一个网站</a>},
    'another site name: its own page, not a cached one');

# news_default_image must be a URL or a path
my $bad = NewsTest->new;
$bad->db_init;
$bad->write_conf($bad->conf_server('',
    server => 'news_default_image "javascript:alert(1)";'));
my ($rc, $out) = $bad->test_conf;
isnt($rc, 0, 'a bad news_default_image: nginx -t fails');
like($out, qr/invalid "news_default_image" "javascript:alert\(1\)"/,
    'a bad news_default_image: named');

done_testing;

# the text of a UTF-8 literal, as JSON::PP decodes it
sub u { decode('UTF-8', $_[0]) }

sub article_ld {
    my ($html) = @_;
    return map { $_->[1] } grep { ref $_->[1] eq 'HASH'
        && ($_->[1]{'@type'} // '') eq 'NewsArticle' } NewsTest::jsonld($html);
}
