#!/usr/bin/perl

# Moved posts: when an admin changes a post's category or date in SQL, its
# old URL answers 301 to the current canonical one (query kept), at once and
# without a reload; drafts and deleted posts are not redirected.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($p, $other, $gone) = $t->add_posts(
    { title => 'moving post', categories => 'finance',
      category_name => '财经' },
    { title => 'world post', categories => 'world', category_name => '国际' },
    { title => 'soon deleted', categories => 'finance',
      category_name => '财经' },
);

$t->write_conf($t->conf_server);
$t->run;

my $port = $t->port;

# the Location of a 301 as a path on this server
sub moved_to {
    my ($uri) = @_;
    my $r = $t->get($uri);
    return [ $r->{status}, $t->local_path($r->{headers}{location}) ];
}

my $old = "/finance/2022/03/04/$p.html";
is($t->get($old)->{status}, 200, 'before: 200 at the first URL');

# a wrong date or slug in the URL for a post that did not move

is_deeply(moved_to("/finance/2021/01/01/$p.html"), [ 301, $old ],
    'wrong date: 301 to the canonical URL');
is_deeply(moved_to("/world/2022/03/04/$p.html"), [ 301, $old ],
    'wrong category: 301 to the canonical URL');

# moved to another category

$t->sql("UPDATE posts SET category_id = "
    . "(SELECT id FROM categories WHERE slug = 'world') "
    . "WHERE info_code = '$p';");

my $new = "/world/2022/03/04/$p.html";
is_deeply(moved_to($old), [ 301, $new ], 'moved category: 301');
is_deeply(moved_to("$old?utm_source=wx&a=1"),
    [ 301, "$new?utm_source=wx&a=1" ], 'moved category: query kept');
is($t->get($new)->{status}, 200, 'moved category: new URL 200');

# bytes a Location header must not carry are escaped, as in share links
{
    my $r = $t->get(qq{$old?q="<b>"&utm_source=wx});
    is($r->{status}, 301, 'raw quote and brackets in the query: 301');
    is($t->local_path($r->{headers}{location}),
        "$new?q=%22%3Cb%3E%22&utm_source=wx",
        'raw quote and brackets in the query: escaped in Location');
}

my $r = $t->get($new);
like(NewsTest::link_rel($r->{body}, 'canonical') // '',
    qr{^${\ $t->url_re($new)}$}, 'moved: canonical is the new URL');

is_deeply([ $t->get("/html_News/NewsShare.html?infoCode=$p")->{status} ],
    [ 302 ], 'share still works');
is($t->local_path($t->get("/html_News/NewsShare.html?infoCode=$p")
    ->{headers}{location}), $new, 'share goes to the new URL');

# re-dated, to a date whose UTC day differs: the URL keeps the post's own

$t->sql("UPDATE posts SET published_at = '2022-05-06 23:30:00-05:00' "
    . "WHERE info_code = '$p';");

my $newer = "/world/2022/05/06/$p.html";
is_deeply(moved_to($new), [ 301, $newer ], 're-dated: 301');
is_deeply(moved_to($old), [ 301, $newer ], 'first URL: 301 to the newest');
is_deeply(moved_to("/world/2022/05/07/$p.html"), [ 301, $newer ],
    'the UTC date: 301');
is($t->get($newer)->{status}, 200, 're-dated: 200');

# a redirect target never leaves the site

$r = $t->get("$old?next=//evil.example/");
like($r->{headers}{location} // '',
    qr{^(?:http://localhost(?::$port)?)?/world/}, 'Location stays on site');

# draft and deleted posts are not redirected to

$t->sql("UPDATE posts SET status = 'draft' WHERE info_code = '$p';");
is($t->get($old)->{status}, 404, 'draft: old URL 404');
is($t->get($newer)->{status}, 404, 'draft: current URL 404');

$t->sql("UPDATE posts SET status = 'deleted', category_id = "
    . "(SELECT id FROM categories WHERE slug = 'world') "
    . "WHERE info_code = '$gone';");
is($t->get("/finance/2022/03/04/$gone.html")->{status}, 410,
    'deleted: old URL 410');
is($t->get("/world/2022/03/04/$gone.html")->{status}, 410,
    'deleted: current URL 410');

# the post moves back: the old URL is canonical again

$t->sql("UPDATE posts SET status = 'published', "
    . "published_at = '2022-03-04 20:46:41+08:00', category_id = "
    . "(SELECT id FROM categories WHERE slug = 'finance') "
    . "WHERE info_code = '$p';");
is($t->get($old)->{status}, 200, 'moved back: 200');
is_deeply(moved_to($newer), [ 301, $old ], 'moved back: 301 from the other');

unlike($t->error_log, qr/reconfiguring/, 'no reload happened');

done_testing;
