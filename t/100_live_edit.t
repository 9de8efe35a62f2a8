#!/usr/bin/perl

# Live edits: an admin's SQL on the running site's database (titles,
# bodies, category names, status, new posts from newsctl) shows on the very
# next request, with a new ETag, and without a reload.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($code, $other) = $t->add_posts(
    { title => 'Old Title', categories => 'finance', category_name => '财经',
      body => '<p>old body</p>' },
    { title => 'Other', categories => 'finance', category_name => '财经',
      date => '2022-03-01 08:00:00 +0800' },
);

$t->write_conf($t->conf_server);
$t->run;

my $path = "/finance/2022/03/04/$code.html";

my $r = $t->get($path);
is($r->{status}, 200, 'before: 200');
like($r->{body}, qr{<h1[^>]*>\s*Old Title\s*</h1>}, 'before: old title');
my $etag = $r->{headers}{etag};
ok($etag, 'before: ETag');
my $cat_etag = $t->get('/category/finance.html')->{headers}{etag};
my $home_etag = $t->get('/')->{headers}{etag};

# title

$t->sql("UPDATE posts SET title = 'New Title' WHERE info_code = '$code';");

$r = $t->get($path);
is($r->{status}, 200, 'title edit: 200');
like($r->{body}, qr{<h1[^>]*>\s*New Title\s*</h1>}, 'title edit: new h1');
like($r->{body}, qr{<title>[^<]*New Title}, 'title edit: new <title>');
unlike($r->{body}, qr/Old Title/, 'title edit: old title gone');
isnt($r->{headers}{etag}, $etag, 'title edit: new ETag');
is($t->get($path, 'If-None-Match' => $etag)->{status}, 200,
    'title edit: the old ETag gets the new page');
like($t->get('/category/finance.html')->{body}, qr/New Title/,
    'title edit: category page');
like($t->get('/')->{body}, qr/New Title/, 'title edit: home page');
isnt($t->get('/category/finance.html')->{headers}{etag}, $cat_etag,
    'title edit: new category ETag');
isnt($t->get('/')->{headers}{etag}, $home_etag, 'title edit: new home ETag');

# the same edit twice within a second still changes the ETag

$etag = $t->get($path)->{headers}{etag};
$t->sql("UPDATE posts SET title = 'Newer Title' WHERE info_code = '$code';");
$r = $t->get($path);
like($r->{body}, qr/Newer Title/, 'second edit: shown');
isnt($r->{headers}{etag}, $etag, 'second edit: new ETag');

# body

$t->sql("UPDATE posts SET body_html = '<p>fresh <b>body</b></p>' "
    . "WHERE info_code = '$code';");
$r = $t->get($path);
like($r->{body}, qr{<p>fresh <b>body</b></p>}, 'body edit: shown');
unlike($r->{body}, qr{<p>old body</p>}, 'body edit: old body gone');

# category name, on the article's breadcrumb and closing line

$t->sql("UPDATE categories SET name = '金融' WHERE slug = 'finance';");
$r = $t->get($path);
like($r->{body}, qr/返回金融/, 'category rename: closing line');
my $nav = NewsTest::breadcrumb($r->{body});
like($nav // '', qr/金融/, 'category rename: breadcrumb');
unlike($r->{body}, qr/财经/, 'category rename: old name gone');

# status

$t->sql("UPDATE posts SET status = 'draft' WHERE info_code = '$code';");
is($t->get($path)->{status}, 404, 'to draft: 404');
unlike($t->get('/category/finance.html')->{body}, qr/\Q$code\E/,
    'to draft: off the category page');
unlike($t->get('/')->{body}, qr/\Q$code\E/, 'to draft: off the home page');

$t->sql("UPDATE posts SET status = 'published' WHERE info_code = '$code';");
is($t->get($path)->{status}, 200, 'published again: 200');

$t->sql("UPDATE posts SET status = 'deleted' WHERE info_code = '$code';");
is($t->get($path)->{status}, 410, 'to deleted: 410');
is($t->get("/html_News/NewsShare.html?infoCode=$code")->{status}, 410,
    'to deleted: share 410');

$t->sql("UPDATE posts SET status = 'published' WHERE info_code = '$code';");

# a post deleted from the table

$t->sql("DELETE FROM posts WHERE info_code = '$other';");
is($t->get("/finance/2022/03/01/$other.html")->{status}, 404,
    'row deleted: 404');

# a new post imported while nginx runs

my ($new) = $t->add_posts({ title => 'Fresh Import', categories => 'finance',
    category_name => '金融', date => '2022-04-01 08:00:00 +0800' });
is($t->get("/finance/2022/04/01/$new.html")->{status}, 200,
    'new import: article 200');
like($t->get('/category/finance.html')->{body}, qr/Fresh Import/,
    'new import: on the category page');
like($t->get('/')->{body}, qr/Fresh Import/, 'new import: on the home page');

# re-importing a post updates it

$t->add_posts({ info_code => $new, title => 'Fresh Import v2',
    categories => 'finance', category_name => '金融',
    date => '2022-04-01 08:00:00 +0800' });
like($t->get("/finance/2022/04/01/$new.html")->{body}, qr/Fresh Import v2/,
    're-import: shown');

# a new category and a post in it

$t->add_posts({ title => 'In sports', categories => 'sports',
    category_name => '体育' });
is($t->get('/category/sports.html')->{status}, 200, 'new category: 200');

# all this with the workers started once

my @starts = $t->error_log =~ /start worker process \d+/g;
is(scalar @starts, 1, 'one worker start: no reload, no respawn');
unlike($t->error_log, qr/reconfiguring/, 'no reload');

done_testing;
