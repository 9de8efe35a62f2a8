#!/usr/bin/perl

# QR codes of share links: a news_qr location answers ?infoCode=... with
# an SVG (valid XML, one path, a quiet zone) that zbarimg decodes to the
# post's absolute share URL, with news_base_url and a share path of its
# own too; kept in the render cache with an ETag, so a second scan is a
# hit and a revalidation a 304; bad, unknown, draft and deleted codes
# answer as share links do.  An article with news_share_qr shows the code
# and the link beside it, escaped, and stays valid HTML5; without the
# directive, or with "off", nothing.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

my $zbarimg = '/usr/bin/zbarimg';
plan skip_all => "no $zbarimg (Debian's zbar-tools)" unless -x $zbarimg;

my $SEED = 'NW202203042297567012';

$t->db_init;
$t->import_posts($t->repo . '/sample/posts/000_8b4145f71217bda2.txt');
my ($draft, $deleted) = $t->add_posts(
    { title => 'draft post' },
    { title => 'deleted post' },
);
$t->sql("UPDATE posts SET status = 'draft' WHERE info_code = '$draft';"
    . "UPDATE posts SET status = 'deleted' WHERE info_code = '$deleted';");

# two servers on one database, with the built-in templates: their pages
# differ by news_share_qr alone, and must not be taken for each other's
my $bare = NewsTest::_free_port();

$t->write_conf(<<'EOF' . <<"EOF2");
    news_db %%DB%%;

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;

        news_share_qr /html_News/NewsQR.svg;

        location = /html_News/NewsShare.html { news_share; }
        location / { news_article; }

        location = /html_News/NewsQR.svg {
            news_qr;
            error_log %%PREFIX%%/debug.log debug;
        }

        # a site behind a CDN, with its share links at a path of its own
        location = /cdn/qr.svg {
            news_qr /s&hare.html;
            news_base_url https://news.example.com;
        }

        location = /shared {
            news_share;
            news_share_redirect off;
            news_share_qr /cdn/qr.svg /s&hare.html;
            news_base_url https://news.example.com;
        }

        location = /plain {
            news_share;
            news_share_redirect off;
            news_share_qr off;
        }
    }
EOF
    server {
        listen 127.0.0.1:$bare;
        server_name localhost;
        location / { news_article; }
    }
EOF2
$t->run;

my $qr = '/html_News/NewsQR.svg';
my $share_url = "http://localhost/html_News/NewsShare.html"
    . "?infoCode=$SEED";

# the SVG's modules as a picture zbarimg reads: a PGM of 4 pixels a
# module, drawn from the path's strokes ("M x y.5 h n m dx 0 h n ...")
sub decode {
    my ($svg, $name) = @_;

    my ($w, $h) = $svg =~ /viewBox="0 0 (\d+) (\d+)"/ or return undef;
    my ($d) = $svg =~ /<path [^>]*\bd="([^"]*)"/ or return undef;
    my $s = 4;
    my @px = (255) x ($w * $h * $s * $s);
    my ($x, $y) = (0, 0);

    while ($d =~ /\G([MmHh])\s*(-?[\d.]+)(?:[ ,](-?[\d.]+))?/gc) {
        my ($op, $a, $b) = ($1, $2, $3);
        if ($op eq 'M') { ($x, $y) = ($a, $b) }
        elsif ($op eq 'm') { $x += $a; $y += $b }
        else {
            my $to = $op eq 'H' ? $a : $x + $a;
            my $row = int($y);
            for my $cx ($x .. $to - 1) {
                for my $py ($row * $s .. $row * $s + $s - 1) {
                    for my $pxx ($cx * $s .. $cx * $s + $s - 1) {
                        $px[$py * $w * $s + $pxx] = 0;
                    }
                }
            }
            $x = $to;
        }
    }
    return undef unless (pos($d) // 0) == length $d;

    my $file = $t->prefix . "/$name.pgm";
    $t->write_file("$name.pgm", "P5\n" . ($w * $s) . ' ' . ($h * $s)
        . "\n255\n" . pack('C*', @px));
    my ($rc, $out) = $t->run_cmd(undef, $zbarimg, '--raw', '-q', $file);
    return undef if $rc;
    $out =~ s/\n\z//;
    return $out;
}

sub xml_ok {
    my ($svg, $name) = @_;
    my ($rc, $out, $err) = $t->run_cmd($svg, 'python3', '-c',
        'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.stdin)');
    ok($rc == 0, "$name: well-formed XML") or diag($err);
}

sub debug_log { $t->read_file('debug.log') }

###############################################################################

# the seed's QR code

my $r = $t->get("$qr?infoCode=$SEED");
is($r->{status}, 200, 'qr: 200');
is($r->{headers}{'content-type'}, 'image/svg+xml', 'qr: image/svg+xml');
my $svg = $r->{body};
xml_ok($svg, 'qr');
like($svg, qr{^<svg\ xmlns="http://www\.w3\.org/2000/svg"
    \ viewBox="0\ 0\ (\d+)\ \1"}x, 'qr: svg with a square viewBox');
like($svg, qr/shape-rendering="crispEdges"/, 'qr: crisp edges');
my @paths = $svg =~ /<path\b/g;
is(scalar @paths, 1, 'qr: one path');
like($svg, qr/ d="M4 4\.5h7[m"]/, 'qr: the finder pattern, 4 modules in');
cmp_ok(length $svg, '<', 4096, 'qr: under 4 KB (' . length($svg) . ')');
is(decode($svg, 'seed'), $share_url, 'qr: decodes to the share URL');
like($r->{headers}{etag}, qr/^"[0-9a-f]{8}-[0-9a-f]+"$/, 'qr: ETag');

# a second scan: from the render cache, the same bytes and ETag, and a
# revalidation 304

my $mark = length debug_log();
my $again = $t->get("$qr?infoCode=$SEED");
is($again->{status}, 200, 'qr again: 200');
is($again->{body}, $svg, 'qr again: the same SVG');
is($again->{headers}{etag}, $r->{headers}{etag}, 'qr again: the same ETag');
like(substr(debug_log(), $mark), qr/news cache hit: \d+ bytes, status 0/,
    'qr again: a cache hit');
unlike(substr(debug_log(), $mark), qr/news cache put/,
    'qr again: nothing rendered');

$r = $t->get("$qr?infoCode=$SEED", 'If-None-Match' => $r->{headers}{etag});
is($r->{status}, 304, 'qr: 304 on If-None-Match');

$r = $t->head("$qr?infoCode=$SEED");
is($r->{status}, 200, 'qr: HEAD 200');
is($r->{headers}{'content-type'}, 'image/svg+xml', 'qr: HEAD svg');

# the base URL and share path of news_base_url and news_qr, kept apart in
# the cache from the other location's

$r = $t->get("/cdn/qr.svg?infoCode=$SEED");
is($r->{status}, 200, 'qr base: 200');
xml_ok($r->{body}, 'qr base');
is(decode($r->{body}, 'base'),
    "https://news.example.com/s&hare.html?infoCode=$SEED",
    'qr base: decodes to the configured share URL');

# what is not a published post answers as its share link does

for my $case (
    [ "?infoCode=NW20220399999999999", 404, 'unknown code' ],
    [ "?infoCode=$draft", 404, 'draft' ],
    [ "?infoCode=$deleted", 410, 'deleted' ],
    [ "?infoCode=nw2022", 400, 'bad code' ],
    [ "?infoCode=", 400, 'empty code' ],
    [ "", 400, 'no code' ],
    [ "?infoCode=NW" . ('1' x 70), 400, 'long code' ],
)
{
    my ($args, $status, $name) = @$case;
    for my $n (1, 2) {
        $r = $t->get("$qr$args");
        is($r->{status}, $status, "qr $name: $status ($n)");
        like($r->{headers}{'content-type'}, qr{^text/html},
            "qr $name: an error page ($n)");
        ok(!defined $r->{headers}{etag}, "qr $name: no ETag ($n)");
    }
}

$r = $t->request('POST', "$qr?infoCode=$SEED", -body => 'x=1');
is($r->{status}, 405, 'qr POST: 405');
is($r->{headers}{allow}, 'GET, HEAD', 'qr POST: Allow');

###############################################################################

# the article shows its QR code and its share link

my $canon = "/xinhuawang/2022/03/04/$SEED.html";
$r = $t->get($canon);
is($r->{status}, 200, 'article: 200');
my $html = $r->{body};
like($html, qr{<figure class="share-qr"><img src="\Q$qr?infoCode=$SEED\E"},
    'article: the QR code');
like($html, qr{<figcaption>扫码分享\ <a\ href="\Q$share_url\E">
    \Q$share_url\E</a></figcaption>}x, 'article: the share link beside it');
like($html, qr{alt="[^"]+" width="160" height="160"}, 'article: alt, size');
like($html, qr{</figure>\s*<p class="back">},
    'article: the QR code at the end');
$t->valid_html($html, 'article: valid HTML5');

my ($src) = $html =~ /<figure class="share-qr"><img src="([^"]+)"/;
$r = $t->get(NewsTest::unescape_html($src // ''));
is($r->{status}, 200, 'article: its QR code answers');
is(decode($r->{body}, 'article'), $share_url, 'article: its QR code decodes');

# a location of its own: the paths and base URL escaped

$r = $t->get("/shared?infoCode=$SEED");
is($r->{status}, 200, 'shared: 200');
$html = $r->{body};
my $based = "https://news.example.com/s&amp;hare.html?infoCode=$SEED";
like($html, qr{<img src="/cdn/qr\.svg\?infoCode=$SEED"},
    'shared: its own QR location');
like($html, qr{<a href="\Q$based\E">\Q$based\E</a>},
    'shared: the share URL escaped');
unlike($html, qr{s&hare}, 'shared: no bare &');
$t->valid_html($html, 'shared: valid HTML5');

# "off", and a server without the directive

$r = $t->get_at($bare, $canon);
is($r->{status}, 200, 'bare: 200');
unlike($r->{body}, qr{share-qr"}, 'bare: no QR code from the cache');

$r = $t->get("/plain?infoCode=$SEED");
is($r->{status}, 200, 'plain: 200');
unlike($r->{body}, qr{share-qr"}, 'plain: no QR code');

###############################################################################

# nginx -t refuses paths it could not add "?infoCode=" to

for my $case (
    [ 'location = /q { news_qr share.html; }', 'relative share path' ],
    [ 'location = /q { news_qr /s.html?x=1; }', 'share path with args' ],
    [ 'location = /q { news_qr; news_qr; }', 'news_qr twice' ],
    [ 'news_share_qr "/q r.svg";', 'QR path with a blank' ],
    [ 'news_share_qr //evil.example/q.svg;', 'QR path of another host' ],
    [ 'news_share_qr /q.svg; news_share_qr /r.svg;', 'news_share_qr twice' ],
)
{
    my ($conf, $name) = @$case;
    my $c = NewsTest->new;
    $c->db_init;
    $c->write_conf($c->conf_server("        $conf\n"));
    my ($rc, $out) = $c->test_conf;
    isnt($rc, 0, "$name: nginx -t fails");
    like($out, qr/nginx\.conf:\d+/, "$name: file and line");
}

done_testing;
