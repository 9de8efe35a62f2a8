#!/usr/bin/perl

# A page knows what it is made of: the queries record each row and list
# they read for it, and the render cache keeps that list with the page
# (seen in the debug log), so that an edit can one day forget exactly the
# pages it touches.  An article depends on its post, its code, its tags
# and every category of its breadcrumb; a category page on the category,
# its ancestors, its subcategories and its list; the home page on the list
# of all posts and the category tree; a 404 on the code it looked for.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($code) = $t->add_posts({ title => 'a post',
    categories => [qw(world asia china)], category_name => 'China',
    tags => [qw(one two)] });

$t->write_conf($t->conf_server(<<'EOF'));
        error_log %%PREFIX%%/debug.log debug;
EOF
$t->run;

my %id = map { $_ => $t->sql_value(
    "SELECT id FROM categories WHERE slug = '$_';") } qw(world asia china);
my $post = $t->sql_value("SELECT id FROM posts WHERE info_code = '$code';");

# the dependencies the debug log shows for the page a request put in the
# cache, as "type:id"
sub deps_of {
    my ($uri) = @_;
    my $before = -s $t->prefix . '/debug.log';
    is($t->get($uri)->{status} =~ /^(200|404)$/ ? 1 : 0, 1, "$uri answered");
    my $log = substr($t->read_file('debug.log'), $before);
    my ($put) = $log =~ /((?:.*news cache put: depends on .*\n)+)/;
    my %d = map { $_ => 1 } ($put // '') =~ /depends on (\d+:\d+)/g;
    return \%d;
}

# the types: NGX_HTTP_NEWS_DEP_* of include/ngx_http_news.h
my ($POST, $CODE, $CATEGORY, $SLUG, $TAGS, $CHILDREN, $LIST, $TREE)
    = (1 .. 8);
my $ARCHIVE = 11;

my $d = deps_of($t->article_path($code));
ok($d->{"$POST:$post"}, 'article: its post');
ok($d->{"$TAGS:$post"}, 'article: its tags');
ok($d->{"$CATEGORY:$id{$_}"}, "article: category $_ of its breadcrumb")
    for qw(world asia china);
ok((grep { /^$CODE:/ } keys %$d), 'article: the code it was asked by');

$d = deps_of('/category/asia.html');
ok($d->{"$CATEGORY:$id{asia}"}, 'category page: the category');
ok($d->{"$CATEGORY:$id{world}"}, 'category page: its parent');
ok($d->{"$CHILDREN:$id{asia}"}, 'category page: its subcategories');
ok($d->{"$ARCHIVE:$id{asia}"},
    'category page: its list, with its descendants\' posts');
ok((grep { /^$SLUG:/ } keys %$d), 'category page: the slug it was asked by');
ok(!$d->{"$POST:$post"}, 'category page: no post of another category');

$d = deps_of('/');
ok($d->{"$LIST:0"}, 'home page: the list of all posts');
ok($d->{"$TREE:0"}, 'home page: the category tree');

$d = deps_of('/world/2022/03/04/NW20220304999999.html');
ok((grep { /^$CODE:/ } keys %$d), 'a 404: the code it looked for');
ok(!(grep { /^$POST:/ } keys %$d), 'a 404: no post');

done_testing;
