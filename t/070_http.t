#!/usr/bin/perl

# HTTP behaviour of every news page: Last-Modified, ETag,
# 304 on If-None-Match and If-Modified-Since, HEAD like GET without a body,
# 405 with Allow for other methods, and nginx's gzip on top.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($code) = $t->add_posts(
    { title => 'http post', categories => 'finance', category_name => '财经',
      body => '<p>' . ('long body text ' x 200) . '</p>' },
);

# fixed times, so that Last-Modified is known whatever the page takes
$t->sql("UPDATE categories SET updated_at = '2022-06-01 00:00:00+00:00';"
    . "UPDATE posts SET updated_at = '2023-01-02 03:04:05+00:00';");

$t->write_conf($t->conf_server('', http => <<'EOF'));
    gzip on;
    gzip_types text/html;
    gzip_min_length 0;
EOF
$t->run;

# a page written in this very second goes out without Last-Modified (it
# could change again within the second): the checks start after it
my $mtime = (stat $t->db)[9];
Time::HiRes::sleep($mtime + 1.05 - Time::HiRes::time())
    if Time::HiRes::time() < $mtime + 1.05;

my $article = "/finance/2022/03/04/$code.html";
my %pages = (
    article => $article,
    category => '/category/finance.html',
    index => '/',
);

my $HTTP_DATE = qr/^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),[ ]\d\d[ ]
    (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[ ]\d{4}[ ]
    \d\d:\d\d:\d\d[ ]GMT$/x;

for my $name (sort keys %pages) {
    my $uri = $pages{$name};
    my $r = $t->get($uri);

    is($r->{status}, 200, "$name: 200");
    my $lm = $r->{headers}{'last-modified'};
    my $etag = $r->{headers}{etag};
    like($lm // '', $HTTP_DATE, "$name: Last-Modified");
    like($etag // '', qr/^(?:W\/)?"[^"]+"$/, "$name: ETag");

    # conditional requests

    my $c = $t->get($uri, 'If-None-Match' => $etag // '"x"');
    is($c->{status}, 304, "$name: If-None-Match 304");
    is($c->{body}, '', "$name: 304 has no body");
    is($c->{headers}{etag}, $etag, "$name: 304 keeps the ETag");

    is($t->get($uri, 'If-None-Match' => '"no-such-etag"')->{status}, 200,
        "$name: other ETag 200");
    is($t->get($uri, 'If-None-Match' => "\"a\", " . ($etag // ''))
        ->{status}, 304, "$name: ETag in a list 304");

    is($t->get($uri, 'If-Modified-Since' => $lm // 'x')->{status}, 304,
        "$name: If-Modified-Since 304");
    is($t->get($uri, 'If-Modified-Since' => 'Thu, 01 Jan 1970 00:00:01 GMT')
        ->{status}, 200, "$name: older If-Modified-Since 200");

    # HEAD: the same status and headers, no body

    my $h = $t->head($uri);
    is($h->{status}, 200, "$name: HEAD 200");
    is($h->{body}, '', "$name: HEAD no body");
    for my $hdr ('content-type', 'etag', 'last-modified', 'content-length') {
        is($h->{headers}{$hdr}, $r->{headers}{$hdr}, "$name: HEAD $hdr");
    }
    if (defined $h->{headers}{'content-length'}) {
        is($h->{headers}{'content-length'}, length $r->{body},
            "$name: HEAD length is the GET body's");
    }

    # other methods

    for my $m (qw(POST PUT DELETE PATCH OPTIONS)) {
        my $x = $t->request($m, $uri, -body => 'a=b',
            'Content-Type' => 'application/x-www-form-urlencoded');
        is($x->{status}, 405, "$name: $m 405");
        like($x->{headers}{allow} // '', qr/^GET, HEAD$/, "$name: $m Allow");
    }

    # gzip

    my $z = $t->get($uri, 'Accept-Encoding' => 'gzip');
    is($z->{status}, 200, "$name: gzip 200");
    is($z->{headers}{'content-encoding'}, 'gzip', "$name: gzipped");
    my $plain = eval { NewsTest::gunzip($z->{body}) };
    is($plain, $r->{body}, "$name: gunzips to the page");
    my $zetag = $z->{headers}{etag};
    is($t->get($uri, 'Accept-Encoding' => 'gzip',
        'If-None-Match' => $zetag // '"x"')->{status}, 304,
        "$name: gzip ETag 304");
}

# Last-Modified: the post's updated_at (2023) is older than the last write
# to the file, which a page's bytes may follow whatever the triggers did

is($t->get($article)->{headers}{'last-modified'}, http_date($mtime),
    'article: Last-Modified is the last write to the database');

sub http_date {
    my @g = gmtime $_[0];
    return sprintf '%s, %02d %s %04d %02d:%02d:%02d GMT',
        (qw(Sun Mon Tue Wed Thu Fri Sat))[$g[6]], $g[3],
        (qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec))[$g[4]],
        $g[5] + 1900, @g[2, 1, 0];
}

# the share redirect: HEAD like GET, 405 for others

my $share = "/html_News/NewsShare.html?infoCode=$code";
my $g = $t->get($share);
my $h = $t->head($share);
is($h->{status}, $g->{status}, 'share: HEAD status');
is($h->{headers}{location}, $g->{headers}{location}, 'share: HEAD Location');
is($h->{body}, '', 'share: HEAD no body');
my $p = $t->request('POST', $share, -body => '');
is($p->{status}, 405, 'share: POST 405');
like($p->{headers}{allow} // '', qr/^GET, HEAD$/, 'share: Allow');

# errors under HEAD: status kept, no body

$h = $t->head('/finance/2022/03/04/NW99999999999.html');
is($h->{status}, 404, 'HEAD 404');
is($h->{body}, '', 'HEAD 404 no body');

# a 405 page is the error page

$p = $t->request('DELETE', $article);
like($p->{headers}{'content-type'} // '', qr{^text/html;\s*charset=utf-8$}i,
    '405 page: html');
like($p->{body}, qr/405/, '405 page: names the status');

done_testing;
