#!/usr/bin/perl

# An editor's whole day with the recipes and newsctl only: a new post as a
# draft, previewed with a signed link, tagged, scheduled, live by itself
# at its time, then found on its tag page, on its category's ancestors'
# pages and on a later page of the home page.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use POSIX qw(strftime);
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
$t->skip_unless_built;

my $p = $t->prefix;
my $ADMIN = $t->repo . '/sql/admin';

$t->db_init;
$t->add_posts({ title => 'a bank post', categories => [qw(finance banking
    digital)], category_name => '数字银行', date => '2022-03-01 10:00:00 +0800' });


$t->write_file('preview.key', 'k' x 32);
$t->write_file('body.html', "<p>今日要闻。</p>\n");
$t->write_conf($t->conf_server('',
    server => 'news_preview_secret %%PREFIX%%/preview.key;'
        . ' news_page_size 2;'));
$t->run;

sub recipe {
    my ($name, %p) = @_;
    my @cmd = map { ('-cmd', ".parameter set :$_ \"'$p{$_}'\"") } sort keys %p;
    my ($rc, $out, $err) = $t->run_cmd($t->read_file("$ADMIN/$name.sql"),
        $NewsTest::SQLITE3, $t->db, @cmd);
    is($rc, 0, "$name: exit 0") or diag($err);
    return $out;
}

# 1. a draft
my ($rc, $out, $err) = $t->run_cmd(undef, $t->newsctl, 'new', '--db', $t->db,
    '--category', 'digital', '--title', '编辑的新文章',
    '--body', "$p/body.html");
is($rc, 0, 'newsctl new: a draft') or diag($err);
my ($code) = split /\n/, $out;
my $share = "/html_News/NewsShare.html?infoCode=$code";
is($t->get($share)->{status}, 404, 'the draft is not public');

# 2. previewed with a signed link
($rc, $out) = $t->run_cmd(undef, $t->newsctl, 'preview-url', '--secret',
    "$p/preview.key", '--code', $code, '--expires', '10m');
chomp $out;
my $r = $t->get($out);
is($r->{status}, 200, 'the preview: 200');
like($r->{body}, qr/今日要闻/, 'the preview shows the draft');

# 3. tagged, and scheduled three seconds ahead (in Beijing time)
recipe('add_tag', code => $code, tag => '要闻');
my $at = time + 3;
my $when = strftime('%Y-%m-%d %H:%M:%S', gmtime(int($at) + 8 * 3600))
    . '+08:00';
is(recipe('schedule', code => $code, published_at => $when), "1\n",
    'schedule: one post');
is($t->get($share)->{status}, 404, 'scheduled: not yet');
unlike($t->get('/tag/%E8%A6%81%E9%97%BB.html')->{body}, qr/\Q$code\E/,
    'scheduled: not on its tag page yet');

# 4. live by itself at its time, no edit, no reload
my $status = 0;
while (time < $at + 5) {
    $status = $t->get($share)->{status};
    last if $status == 302;
    sleep 0.25;
}
is($status, 302, 'at its time the share link leads to the article');
cmp_ok(time, '>=', int($at), 'not before its time');
my $path = $t->get($share)->{headers}{location} // '';
$path = $t->local_path($path) // $path;
like($t->get($path)->{body}, qr/编辑的新文章/, 'the article is live');

# 5. found on its tag page, its category's ancestors' pages, and a later
#    page of the home page
like($t->get('/tag/%E8%A6%81%E9%97%BB.html')->{body}, qr/\Q$code\E/,
    'on its tag page');
for my $slug (qw(digital banking finance)) {
    like($t->get("/category/$slug.html")->{body}, qr/\Q$code\E/,
        "on /category/$slug.html");
}
like($t->get('/')->{body}, qr/\Q$code\E/, 'on the home page, the newest');

# two stories more come in: it moves to the home page's second page
sleep 1.1;
for my $n (1, 2) {
    ($rc, undef, $err) = $t->run_cmd(undef, $t->newsctl, 'new', '--db',
        $t->db, '--category', 'finance', '--title', "later story $n",
        '--status', 'published');
    is($rc, 0, "newsctl new --status published: story $n") or diag($err);
}
unlike($t->get('/')->{body}, qr/\Q$code\E/, 'not on the home page\'s first');
like($t->get('/?page=2')->{body}, qr/\Q$code\E/, 'on the home page\'s second');

done_testing;
