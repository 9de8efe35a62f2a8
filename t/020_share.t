#!/usr/bin/perl

# Share links: /html_News/NewsShare.html?infoCode=... redirects to the
# article's canonical URL (302 by default, 301/307 when configured, the
# article itself with "off"), keeps the other query arguments, stays on the
# site, and refuses bad, unknown, draft and deleted codes.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

my $SEED = 'NW202203042297567012';

# the seed post as shipped in sample/posts, and posts of our own
$t->db_init;
$t->import_posts($t->repo . '/sample/posts/000_8b4145f71217bda2.txt');
my ($draft, $deleted, $late, $west, $short) = $t->add_posts(
    { title => 'draft post' },
    { title => 'deleted post' },
    # the URL date is the post's own, not UTC's: 03-04 17:30 UTC
    { title => 'after midnight', date => '2022-03-05 01:30:00 +0800' },
    # 03-05 04:30 UTC
    { title => 'west', date => '2022-03-04 23:30:00 -0500' },
    # the shortest code the default pattern allows
    { title => 'short code', info_code => 'NW20220305' },
);
$t->sql("UPDATE posts SET status = 'draft' WHERE info_code = '$draft';"
    . "UPDATE posts SET status = 'deleted' WHERE info_code = '$deleted';");

$t->write_conf($t->conf_server(<<'EOF'));
        location = /s301 { news_share; news_share_redirect 301; }
        location = /s302 { news_share; news_share_redirect 302; }
        location = /s307 { news_share; news_share_redirect 307; }
        location = /soff { news_share; news_share_redirect off; }

        # a pattern must match the whole code, not a part of it
        location = /partial {
            news_share;
            news_info_code_pattern "[A-Z]{2}[0-9]{8}";
        }
        location = /strict {
            news_share;
            news_info_code_pattern "^NW2022030[0-9]$";
        }
EOF
$t->run;

my $share = '/html_News/NewsShare.html';
my $port = $t->port;
my $canon = "/xinhuawang/2022/03/04/$SEED.html";

# the Location of a redirect as a path on this server, or undef
sub location {
    my ($r) = @_;
    return $t->local_path($r->{headers}{location});
}

###############################################################################

# the seed's own share link

my $r = $t->get("$share?infoCode=$SEED");
is($r->{status}, 302, 'share: 302 by default');
is(location($r), $canon, 'share: Location is the canonical path');
like($r->{headers}{location}, qr{^(?:http://localhost(?::$port)?)?/[^/]},
    'share: Location on this host');

is(location($t->get("$share?infoCode=$late")),
    "/xinhuawang/2022/03/05/$late.html", 'share: date in the post offset');
is(location($t->get("$share?infoCode=$west")),
    "/xinhuawang/2022/03/04/$west.html", 'share: date in a west offset');
is(location($t->get("$share?infoCode=$short")),
    "/xinhuawang/2022/03/04/$short.html", 'share: 10-character code');

# the other query arguments go along, in order, without infoCode

is(location($t->get("$share?utm_source=wx&infoCode=$SEED&utm_medium=a")),
    "$canon?utm_source=wx&utm_medium=a", 'share: args around infoCode kept');
is(location($t->get("$share?infoCode=$SEED&from=timeline&isappinstalled=0")),
    "$canon?from=timeline&isappinstalled=0", 'share: args after kept');
is(location($t->get("$share?a=1&infoCode=$SEED")), "$canon?a=1",
    'share: args before kept');
is(location($t->get("$share?infoCode=$SEED&")), $canon,
    'share: trailing & dropped');

# configured redirect codes

$r = $t->get("/s301?infoCode=$SEED");
is($r->{status}, 301, 'share: news_share_redirect 301');
is(location($r), $canon, 'share: 301 Location');

$r = $t->get("/s302?infoCode=$SEED");
is($r->{status}, 302, 'share: news_share_redirect 302');

$r = $t->get("/s307?infoCode=$SEED&x=1");
is($r->{status}, 307, 'share: news_share_redirect 307');
is(location($r), "$canon?x=1", 'share: 307 Location');

# off: the article in place, pointing at its canonical URL

$r = $t->get("/soff?infoCode=$SEED&utm_source=wx");
is($r->{status}, 200, 'share off: 200');
ok(!defined $r->{headers}{location}, 'share off: no Location');
like($r->{headers}{'content-type'}, qr{^text/html;\s*charset=utf-8$}i,
    'share off: html');
my $href = NewsTest::link_rel($r->{body}, 'canonical');
like($href, qr{^${\ $t->url_re($canon)}$}, 'share off: canonical link');
my $seed_title = '交通银行携手世界技能大赛助力有技青年一展所长';
like($r->{body}, qr{<h1[^>]*>\s*$seed_title\s*</h1>},
    'share off: the seed title');
like($r->{body}, qr{<p><strong>普惠金融，更好服务多元需求</strong></p>},
    'share off: the seed body');
like($r->{body}, $t->link_re('/category/xinhuawang.html', '返回新华网新闻'),
    'share off: the seed closing line');
unlike($r->{body}, qr{finews\.zning\.xyz|finews\.withounder\.com},
    'share off: the trailer lines are not body');

# bad codes: 400 before any lookup

for my $q ('', '?', '?infoCode=', '?infoCode', '?foo=bar',
    '?infoCode=nw1', '?infoCode=nw202203042297567012',
    '?infoCode=NW12%3Cscript%3E', '?infoCode=NW12<script>',
    '?infoCode=NW1234567', '?infoCode=N1234567890',
    '?infoCode=' . 'NW' . ('1' x 31), '?infoCode=' . 'NW' . ('1' x 63),
    '?infoCode=' . ('N' x 2) . ('9' x 200),
    '?infoCode=%20' . $SEED, '?infoCode=' . $SEED . '%20',
    '?infoCode=' . $SEED . '%0d%0aSet-Cookie:%20a=b',
    '?infoCode=//evil.example/', '?infoCode=http://evil.example/x',
    '?infoCode=..%2F..%2Fetc%2Fpasswd')
{
    my $r = $t->get("$share$q");
    is($r->{status}, 400, "share: 400 for '$q'");
    ok(!defined $r->{headers}{location}, "share: no Location for '$q'");
}

ok(!defined $t->get("$share?infoCode=$SEED%0d%0aSet-Cookie:%20a=b")
    ->{headers}{'set-cookie'}, 'share: no header injection');

# custom patterns, matched against the whole code

is($t->get("/partial?infoCode=NW20220305")->{status}, 302,
    'pattern: full match accepted');
is($t->get("/partial?infoCode=$SEED")->{status}, 400,
    'pattern: a partial match is not a match');
is($t->get("/strict?infoCode=NW20220305")->{status}, 302,
    'pattern: custom pattern accepts');
is($t->get("/strict?infoCode=$SEED")->{status}, 400,
    'pattern: custom pattern refuses a code the default takes');

# unknown, draft, deleted

is($t->get("$share?infoCode=NW99999999999")->{status}, 404, 'unknown: 404');
is($t->get("$share?infoCode=XY202203042297567012")->{status}, 404,
    'unknown prefix: 404');
is($t->get("$share?infoCode=$draft")->{status}, 404, 'draft: 404');
is($t->get("$share?infoCode=$deleted")->{status}, 410, 'deleted: 410');
is($t->get("/soff?infoCode=$draft")->{status}, 404, 'off draft: 404');
is($t->get("/soff?infoCode=$deleted")->{status}, 410, 'off deleted: 410');
ok(!defined $t->get("$share?infoCode=$draft")->{headers}{location},
    'draft: no Location');

# the redirect target serves the article

is($t->get($canon)->{status}, 200, 'share target: 200');

# a Host header names the host of an absolute Location; nothing from the
# query string can

$r = $t->get("$share?infoCode=$SEED&next=http://evil.example/",
    Host => 'news.example');
like($r->{headers}{location},
    qr{^(?:http://news\.example(?::$port)?)?
       \Q$canon\E\?next=http://evil\.example/$}x,
    'share: Location host from the request');

done_testing;
