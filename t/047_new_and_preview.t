#!/usr/bin/perl

# An editor's new post and its preview: newsctl new and the recipe it runs
# (sql/admin/add_post.sql) make a post with a fresh infoCode in the house
# format; newsctl preview-url signs a link that shows a draft or a
# scheduled post, uncached, uncounted, noindex; a wrong, tampered or
# expired link is the same 404 as an unknown post.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use Digest::SHA qw(hmac_sha256_hex);

my $t = NewsTest->new;
$t->skip_unless_built;

my $p = $t->prefix;
my $NEWSCTL = $t->newsctl;

$t->db_init;
my ($old) = $t->add_posts({ title => 'an old post', categories => 'finance',
    category_name => '财经' });

sub newsctl { $t->run_cmd(undef, $NEWSCTL, @_) }

# newsctl new
$t->write_file('body.html', "<p>正文 & more</p>\n");
my ($rc, $out, $err) = newsctl('new', '--db', $t->db, '--category', 'finance',
    '--title', '新的 <文章>', '--body', "$p/body.html",
    '--publish-at', '2024-10-15 02:50 +0800',
    '--base', 'https://news.example.com');
is($rc, 0, 'new: exit 0') or diag($err);
my ($draft, $link) = split /\n/, $out;
like($draft // '', qr/^NW20241015\d{10}$/,
    'new: NW, the date in its own offset, ten digits');
is($link, "https://news.example.com/html_News/NewsShare.html?infoCode="
    . ($draft // ''), 'new: the share link');
is($t->sql_value("SELECT status || '|' || published_at || '|' || title"
    . " || '|' || body_html FROM posts WHERE info_code = '$draft'"),
    "draft|2024-10-15 02:50:00+08:00|新的 <文章>|<p>正文 & more</p>\n",
    'new: a draft, its time, title and body as given');

my %codes;
for (1 .. 15) {
    my ($r, $o) = newsctl('new', '--db', $t->db, '--category', 'finance',
        '--title', "post $_", '--publish-at', '2024-10-16 10:00 +0800');
    my ($c) = split /\n/, $o;
    $codes{$c // ''}++ if $r == 0;
}
is(scalar(grep { /^NW20241016\d{10}$/ } keys %codes), 15,
    'new: fifteen posts of one day, fifteen codes');
is($t->sql_value("SELECT count(*) FROM posts"), 17, 'new: all stored');

($rc, $out, $err) = newsctl('new', '--db', $t->db, '--category', 'nothing',
    '--title', 'x');
is($rc, 1, 'new: an unknown category: exit 1');
like($err, qr/category does not exist/, 'new: says why');
is($t->sql_value("SELECT count(*) FROM posts"), 17, 'new: nothing stored');
($rc) = newsctl('new', '--db', $t->db, '--category', 'finance',
    '--title', 'x', '--status', 'live');
is($rc, 2, 'new: a bad --status: usage');
($rc) = newsctl('new', '--db', $t->db, '--category', 'finance',
    '--title', 'x', '--publish-at', 'tomorrow');
is($rc, 2, 'new: a bad --publish-at: usage');
($rc, undef, $err) = newsctl('new', '--db', $t->db, '--category', 'finance',
    '--title', 'x', '--body', "$p/missing.html");
is($rc, 1, 'new: a missing body file: exit 1');
like($err, qr/missing\.html: No such file/, 'new: names the file');

# the recipe itself, with the sqlite3 shell
($rc, $out, $err) = $t->run_cmd($t->read_file($t->repo
    . '/sql/admin/add_post.sql'), $NewsTest::SQLITE3, $t->db,
    '-cmd', ".parameter set :category \"'finance'\"",
    '-cmd', ".parameter set :title \"'由菜谱添加'\"",
    '-cmd', ".parameter set :status \"'published'\"",
    '-cmd', ".parameter set :published_at \"'2024-10-17 09:00:00+08:00'\"");
is($rc, 0, 'add_post.sql: exit 0') or diag($err);
my ($live) = $out =~ /^(NW20241017\d{10})$/;
ok($live, 'add_post.sql: prints the new code') or diag($out);
$live //= 'none';
is($t->sql_value("SELECT status FROM posts WHERE info_code = '$live'"),
    'published', 'add_post.sql: published as asked');

# a scheduled post and a deleted one
my ($later) = split /\n/, (newsctl('new', '--db', $t->db, '--category',
    'finance', '--title', 'later', '--status', 'published',
    '--publish-at', '2099-01-01 08:00 +0800'))[1];
my ($gone) = split /\n/, (newsctl('new', '--db', $t->db, '--category',
    'finance', '--title', 'gone'))[1];
$t->sql("UPDATE posts SET status = 'deleted' WHERE info_code = '$gone';");

# the preview secret, a server with it and readership on, one without
$t->write_file('preview.key', join('', map { chr(($_ * 37) % 256) } 1 .. 32));
my $plain = NewsTest::_free_port();
$t->write_conf($t->conf_server(<<"EOF",
        location = /plain/html_News/NewsShare.html {
            news_share;
            news_preview_secret %%PREFIX%%/preview.key;
        }
EOF
    server => 'news_preview_secret %%PREFIX%%/preview.key;',
    http => 'news_readership zone=rs:1m db=%%PREFIX%%/rs.db flush=1s;')
    . <<"EOF");
    server {
        listen 127.0.0.1:$plain;
        server_name localhost;
        news_db %%DB%%;
        location = /html_News/NewsShare.html { news_share; }
        location / { news_article; }
    }
EOF
$t->run;

sub url {
    my ($code, %o) = @_;
    my ($r, $o, $e) = newsctl('preview-url', '--secret', "$p/preview.key",
        '--code', $code, %o);
    is($r, 0, "preview-url $code: exit 0") or diag($e);
    chomp $o;
    return $o;
}

my $share = "/html_News/NewsShare.html?infoCode=";
is($t->get("$share$draft")->{status}, 404, 'a draft: 404 to everyone');

my $preview = url($draft);
like($preview, qr{^/html_News/NewsShare\.html\?infoCode=\Q$draft\E
    &preview=\d+\.[0-9a-f]{64}$}x, 'preview-url: the signed link');
my $r = $t->get($preview);
is($r->{status}, 200, 'preview of a draft: 200');
like($r->{body}, qr{<h1>新的 &lt;文章&gt;</h1>}, 'preview: the draft shown');
like($r->{body}, qr{<meta name="robots" content="noindex">},
    'preview: noindex in the page');
is($r->{headers}{'cache-control'}, 'private, no-store',
    'preview: Cache-Control private, no-store');
is($r->{headers}{'x-robots-tag'}, 'noindex', 'preview: X-Robots-Tag');
is($t->get($preview)->{status}, 200, 'preview: again');
is($t->get("$share$draft")->{status}, 404,
    'after a preview the draft is still 404: nothing went into the cache');

$t->valid_html($r->{body}, 'preview: valid HTML');

# a scheduled post, a deleted one, a published one (not from the cache)
is($t->get("$share$later")->{status}, 404, 'a scheduled post: 404');
like($t->get(url($later))->{body}, qr{<h1>later</h1>},
    'preview of a scheduled post: shown');
is($t->get(url($gone))->{status}, 410, 'preview of a deleted post: 410');
is($t->get($t->article_path($live))->{status}, 200, 'a published post');
$r = $t->get(url($live));
like($r->{body}, qr{noindex}, 'its preview is a preview, not the cached page');

# wrong links: the 404 of an unknown post, byte for byte
my $unknown = $t->get("${share}NW20241015999999")->{body};
my ($expiry, $sig) = $preview =~ /preview=(\d+)\.([0-9a-f]+)$/;
(my $tampered = $sig) =~ s/^(.)/$1 eq 'a' ? 'b' : 'a'/e;
my $past = time - 10;
my $key = $t->read_file("$p/preview.key");
my %wrong = (
    'a tampered signature' => "$share$draft&preview=$expiry.$tampered",
    'an upper-case signature' => "$share$draft&preview=$expiry." . uc($sig),
    'another post\'s code' => "$share$live&preview=$expiry.$sig",
    'a later expiry' => "$share$draft&preview=" . ($expiry + 1) . ".$sig",
    'expired' => "$share$draft&preview=$past."
        . hmac_sha256_hex("$draft.$past", $key),
    'no signature' => "$share$draft&preview=$expiry",
    'garbage' => "$share$draft&preview=x.y",
    'empty' => "$share$draft&preview=",
);
for my $what (sort keys %wrong) {
    $r = $t->get($wrong{$what});
    is($r->{status}, 404, "$what: 404");
    ok($r->{body} eq $unknown, "$what: the page of an unknown post");
}
like($t->error_log, qr/preview of "\Q$draft\E" refused: expired/,
    'the log says why a link was refused');

# made with the same key by hand: the module and newsctl agree
my $soon = time + 600;
is($t->get("$share$draft&preview=$soon."
    . hmac_sha256_hex("$draft.$soon", $key))->{status}, 200,
    'a link signed by hand with the key: 200');

# a server without the secret: the argument means nothing
is($t->get_at($plain, $preview)->{status}, 404,
    'no news_preview_secret: a draft stays 404');

# previews are never counted; the published post's view is
$t->stop;
my $views = $NewsTest::SQLITE3 ? `$NewsTest::SQLITE3 $p/rs.db "SELECT
    info_code, sum(count) FROM readership WHERE kind = 'view'
    GROUP BY info_code ORDER BY info_code"` : '';
is($views, "$live|1\n", 'readership: the one public view, no preview');

# a secret too short
my $bad = NewsTest->new;
$bad->db_init;
$bad->write_file('short.key', 'abc');
$bad->write_conf($bad->conf_server('',
    server => 'news_preview_secret %%PREFIX%%/short.key;'));
my ($brc, $bout) = $bad->test_conf;
isnt($brc, 0, 'a short secret: nginx -t fails');
like($bout, qr/"news_preview_secret" file ".*short\.key" must hold 32/,
    'a short secret: says so');
($rc, undef, $err) = newsctl('preview-url', '--secret', $bad->prefix
    . '/short.key', '--code', $draft);
is($rc, 1, 'preview-url with a short secret: exit 1');
($rc) = newsctl('preview-url', '--secret', "$p/preview.key", '--code',
    $draft, '--expires', 'soon');
is($rc, 2, 'preview-url: a bad --expires: usage');

done_testing;
