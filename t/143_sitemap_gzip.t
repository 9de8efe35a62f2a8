#!/usr/bin/perl

# A sitemap too big for the render cache (a full part of 50,000 URLs is
# some 6.5 MB; here news_cache 256k keeps 64 KB at most, and 900 posts
# make some 100 KB) is kept gzip-compressed for the clients that take
# gzip: Content-Encoding: gzip and Vary: Accept-Encoding, its own ETag,
# the same document once decompressed, the second request a cache hit
# with nothing rendered, a 304 on its ETag; a client that does not take
# gzip gets the document as it is; an edit shows on the next request in
# both; a client that does not take gzip gets the kept one decompressed;
# gzip_disable is nginx's and applies; a small sitemap stays as it is,
# for every client.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsSitemap;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;

my ($first) = $t->add_posts({ title => 'first', categories => 'world',
    category_name => 'World', date => '2020-01-01 10:00:00 +0800' });

$t->sql("WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
    . " WHERE i < 900)"
    . " INSERT INTO posts (info_code, title, published_at, category_id,"
    . " updated_at)"
    . " SELECT printf('BK%010d', i), 'bulk ' || i,"
    . " strftime('%Y-%m-%d %H:%M:%S+00:00', '2021-01-01', '+' || i"
    . " || ' hours'), (SELECT id FROM categories LIMIT 1),"
    . " '2022-01-01 00:00:00+00:00' FROM n;");

$t->write_conf($t->conf_server(<<'EOF', http => <<'EOH'));
        news_base_url https://news.example.com;

        location = /sitemap.xml {
            news_sitemap;
        }

        location = /small.xml {
            news_sitemap;
            news_sitemap_size 3;
        }

        location = /old.xml {
            news_sitemap;
            gzip_disable "OldBot";
        }
EOF
    news_cache 256k;
    error_log %%PREFIX%%/debug.log debug;
EOH
$t->run;

sub debug_log { $t->read_file('debug.log') }

sub inflate {
    my ($body) = @_;
    my $out;
    gunzip(\$body => \$out) or return "gunzip: $GunzipError";
    return $out;
}

my $plain = $t->get('/sitemap.xml');
is($plain->{status}, 200, 'plain: 200');
ok(!$plain->{headers}{'content-encoding'}, 'plain: no Content-Encoding');
ok(length $plain->{body} > 64 * 1024, 'plain: more than the cache keeps')
    or diag length $plain->{body};
my ($d, $why) = NewsSitemap::parse($t, $plain->{body});
ok($d, 'plain: well-formed') or diag $why;
is(scalar @{ $d->{urls} }, 901 + 2, '901 articles, a category, home');

my $mark = length debug_log();
my $gz = $t->get('/sitemap.xml', 'Accept-Encoding' => 'gzip, deflate');
is($gz->{status}, 200, 'gzip: 200');
is($gz->{headers}{'content-encoding'}, 'gzip', 'gzip: Content-Encoding');
is($gz->{headers}{vary}, 'Accept-Encoding', 'gzip: Vary');
is($gz->{headers}{'content-type'}, 'application/xml; charset=utf-8',
    'gzip: content type');
is($gz->{headers}{'content-length'}, length $gz->{body},
    'gzip: Content-Length of the compressed bytes');
ok(length $gz->{body} < length($plain->{body}) / 5,
    'gzip: a fifth or less') or diag length $gz->{body};
is(inflate($gz->{body}), $plain->{body}, 'gzip: the same document');
ok($gz->{headers}{etag}, 'gzip: an ETag');
isnt($gz->{headers}{etag}, $plain->{headers}{etag},
    'gzip: not the ETag of the document as it is');
like(substr(debug_log(), $mark), qr/news cache put: \d+ bytes, status 0\n/,
    'gzip: kept');

$mark = length debug_log();
my $again = $t->get('/sitemap.xml', 'Accept-Encoding' => 'gzip');
is($again->{body}, $gz->{body}, 'gzip again: the same bytes');
is($again->{headers}{etag}, $gz->{headers}{etag}, 'gzip again: its ETag');
like(substr(debug_log(), $mark), qr/news cache hit: \d+ bytes, status 0/,
    'gzip again: a cache hit');
unlike(substr(debug_log(), $mark), qr/news cache put/,
    'gzip again: nothing rendered');

my $r = $t->get('/sitemap.xml', 'Accept-Encoding' => 'gzip',
    'If-None-Match' => $gz->{headers}{etag});
is($r->{status}, 304, 'gzip: 304 on its ETag');
$r = $t->get('/sitemap.xml', 'If-None-Match' => $gz->{headers}{etag});
is($r->{status}, 200, 'its ETag is not the plain one\'s');
ok(!$r->{headers}{'content-encoding'}, 'and that answer is plain');

# a client without gzip: the kept one decompressed, not rendered again
$mark = length debug_log();
$r = $t->get('/sitemap.xml');
is($r->{body}, $plain->{body}, 'no gzip, once kept: the same document');
is($r->{headers}{etag}, $plain->{headers}{etag}, 'and its ETag');
ok(!$r->{headers}{'content-encoding'}, 'as it is');
my ($hit) = substr(debug_log(), $mark) =~ /news cache hit: (\d+) bytes/;
ok($hit && $hit >= length $gz->{body} && $hit < length $plain->{body},
    'from the kept compressed one') or diag $hit;

# nginx's own judgement: gzip_disable, HTTP/1.0 (gzip_http_version 1.1)
$r = $t->get('/old.xml', 'Accept-Encoding' => 'gzip',
    'User-Agent' => 'OldBot');
is($r->{status}, 200, 'gzip_disable: 200');
ok(!$r->{headers}{'content-encoding'}, 'gzip_disable: plain');
$r = $t->raw("GET /sitemap.xml HTTP/1.0\r\nHost: localhost\r\n"
    . "Accept-Encoding: gzip\r\n\r\n");
ok(!$r->{headers}{'content-encoding'}, 'HTTP/1.0: plain');
is($r->{body}, $plain->{body}, 'HTTP/1.0: the document');

# an edit, on the next request, compressed or not
$t->sql("UPDATE posts SET updated_at = '2023-05-06 07:08:09+00:00'"
    . " WHERE info_code = '$first';");
$gz = $t->get('/sitemap.xml', 'Accept-Encoding' => 'gzip');
my $edited = qr{\Q$first\E\.html</loc><lastmod>2023-05-06T07:08:09\+00:00<};
like(inflate($gz->{body}), $edited, 'an edit: in the compressed one');
like($t->get('/sitemap.xml')->{body}, $edited, 'an edit: in the plain one');

# a document the cache keeps as it is stays so for gzip clients too
$r = $t->get('/small.xml', 'Accept-Encoding' => 'gzip');
is($r->{status}, 200, 'small: 200');
ok(!$r->{headers}{'content-encoding'}, 'small: as it is');
like($r->{body}, qr/<sitemapindex/, 'small: the index');

done_testing;
