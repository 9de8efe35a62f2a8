#!/usr/bin/perl

# robots.txt, news_robots: text/plain, "User-agent: *" and "Allow: /",
# the lines of news_robots_extra as the file has them (read at
# configuration time: an edit of the file shows after a reload), then a
# Sitemap line for each news_robots_sitemap, absolute from news_base_url
# (an absolute URL as it is); inherited from the server level; 304 on
# If-None-Match; bad values refused by nginx -t.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;

my $extra = $t->prefix . '/robots-extra.txt';
$t->write_file($extra, "Disallow: /html_News/\n\nUser-agent: BadBot\n"
    . "Disallow: /");

$t->write_conf($t->conf_server(undef, server => <<"EOF"));
        news_base_url https://news.example.com;
        news_robots_sitemap /sitemap.xml;
        news_robots_sitemap /news-sitemap.xml;

        location = /robots.txt {
            news_robots;
            news_robots_extra $extra;
        }

        location = /bare/robots.txt {
            news_robots;
            news_robots_sitemap https://cdn.example.net/sitemap.xml;
        }
EOF
$t->run;

my $r = $t->get('/robots.txt');
is($r->{status}, 200, '200');
is($r->{headers}{'content-type'}, 'text/plain; charset=utf-8', 'text/plain');
is($r->{body}, "User-agent: *\nAllow: /\n"
    . "Disallow: /html_News/\n\nUser-agent: BadBot\nDisallow: /\n"
    . "\nSitemap: https://news.example.com/sitemap.xml\n"
    . "Sitemap: https://news.example.com/news-sitemap.xml\n",
    'the lines, the extra file\'s, the Sitemap lines absolute');

my @sm = $r->{body} =~ /^Sitemap: (\S+)$/mg;
is(scalar(grep { m{^https://} } @sm), 2, 'every Sitemap URL absolute');

my $etag = $r->{headers}{etag};
ok($etag, 'an ETag');
is($t->get('/robots.txt', 'If-None-Match' => $etag)->{status}, 304,
    'If-None-Match: 304');

# a location's own list replaces the server's
is($t->get('/bare/robots.txt')->{body}, "User-agent: *\nAllow: /\n"
    . "\nSitemap: https://cdn.example.net/sitemap.xml\n",
    'its own Sitemap line, no extra file');

# read at configuration time: an edit shows after a reload
$t->write_file($extra, "Disallow: /private/\n");
like($t->get('/robots.txt')->{body}, qr{Disallow: /html_News/},
    'the file as it was read');
$t->reload;
like($t->get('/robots.txt')->{body}, qr{^Disallow: /private/$}m,
    'after a reload, the file as it is');

# refused at configuration time
for my $bad ('news_robots_sitemap "sitemap.xml";',
    'news_robots_sitemap "/a b.xml";',
    'news_robots_sitemap //evil.example/x;',
    'news_robots_extra /nonexistent/robots.txt;',
    'news_sitemap_size 50001;', 'news_sitemap_size 0;')
{
    my $bt = NewsTest->new;
    $bt->db_init;
    $bt->write_conf($bt->conf_server(undef, server => "        $bad\n"
        . "        location = /robots.txt { news_robots; }\n"));
    my ($rc, $out, $err) = $bt->test_conf;
    ok($rc, "nginx -t refuses $bad") or diag $err;
}

done_testing;
