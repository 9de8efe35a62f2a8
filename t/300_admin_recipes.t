#!/usr/bin/perl

# Admin recipes: each sql/admin/*.sql run with the sqlite3 shell exactly as
# sql/admin/README.md shows (parameters by -cmd ".parameter set", the
# recipe on standard input) against the live database; the site follows on
# the next request, without a reload.  Edits the schema refuses fail in the
# shell with a non-zero exit and leave the database and the site as they
# were.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

my $ADMIN = $t->repo . '/sql/admin';

$t->db_init;
my ($pub, $ttl, $bdy, $mov, $del, $chg, $wld, $bnk) = $t->add_posts(
    { title => 'publish me', categories => 'finance',
      category_name => '财经' },
    { title => 'Old Title', categories => 'finance', category_name => '财经' },
    { title => 'body post', categories => 'finance', category_name => '财经',
      body => '<p>old body</p>' },
    { title => 'moving post', categories => 'finance',
      category_name => '财经' },
    { title => 'doomed post', categories => 'finance',
      category_name => '财经' },
    { title => 'renamed code', categories => 'finance',
      category_name => '财经' },
    { title => 'world post', categories => 'world', category_name => '国际' },
    { title => 'bank post', categories => [qw(finance banking)],
      category_name => '银行' },
);
$t->sql("UPDATE posts SET status = 'draft' WHERE info_code = '$pub';");
is($t->sql_value("SELECT name FROM categories WHERE slug = 'finance';"),
    '财经', 'setup: the parent keeps its name');

$t->write_conf($t->conf_server);
$t->run;

my $share = '/html_News/NewsShare.html';
my $D = '2022/03/04';

# an SQL literal as the shell's ".parameter set" takes it: text quoted for
# SQL, then for the dot-command's double quotes; undef is NULL
sub literal {
    my ($v) = @_;
    return 'NULL' unless defined $v;
    $v =~ s/'/''/g;
    $v =~ s/(["\\])/\\$1/g;
    return qq{"'$v'"};
}

# sqlite3 DB -cmd ".parameter set :k 'v'" ... < sql/admin/NAME.sql
sub recipe {
    my ($name, @params) = @_;
    my @cmd;
    while (my ($k, $v) = splice @params, 0, 2) {
        push @cmd, '-cmd', ".parameter set :$k " . literal($v);
    }
    return $t->run_cmd($t->read_file("$ADMIN/$name.sql"),
        $NewsTest::SQLITE3, $t->db, @cmd);
}

# a recipe that must work: exit 0, no complaint, "N" rows changed
sub ok_recipe {
    my ($name, $rows, @params) = @_;
    my ($rc, $out, $err) = recipe($name, @params);
    my $what = "$name(" . join(', ', map { $_ // 'NULL' } @params) . ')';
    is($rc, 0, "$what: exit 0") or diag($err);
    is($err, '', "$what: nothing on stderr");
    is($out, "$rows\n", "$what: prints $rows changed");
}

# (status, Location as a path here) of a GET
sub answer {
    my ($uri) = @_;
    my $r = $t->get($uri);
    return [ $r->{status}, $t->local_path($r->{headers}{location}) ];
}

# a page's breadcrumb as "name>name>..." and its links as "href href ..."
sub crumbs {
    my ($html) = @_;
    my $nav = NewsTest::breadcrumb($html) // '';
    my @a = $nav =~ m{<a\b[^>]*\bhref="([^"]*)"[^>]*>([^<]*)</a>}g;
    my (@names, @hrefs);
    while (my ($h, $n) = splice @a, 0, 2) {
        push @hrefs, $t->local_path($h) // $h;
        push @names, $n;
    }
    return (join('>', @names), join(' ', @hrefs));
}

# the names in the BreadcrumbList JSON-LD of a page, as "a>b>c"
sub ld_names {
    my ($html) = @_;
    for my $ld (NewsTest::jsonld($html)) {
        my $d = $ld->[1] or next;
        next unless ($d->{'@type'} // '') eq 'BreadcrumbList';
        my @n = map { $_->{name} } @{ $d->{itemListElement} };
        my $s = join '>', @n;
        utf8::encode($s);
        return $s;
    }
    return '';
}

sub h1 {
    my ($html) = @_;
    my ($h) = $html =~ m{<h1[^>]*>\s*(.*?)\s*</h1>}s;
    return $h // '';
}

###############################################################################

# publish, unpublish

is($t->get("/finance/$D/$pub.html")->{status}, 404, 'draft: 404 before');
ok_recipe('publish', 1, code => $pub);
is($t->get("/finance/$D/$pub.html")->{status}, 200, 'publish: 200');
is($t->get("$share?infoCode=$pub")->{status}, 302, 'publish: share 302');
like($t->get('/category/finance.html')->{body}, qr/\Q$pub\E/,
    'publish: on the category page');

ok_recipe('unpublish', 1, code => $pub);
is($t->get("/finance/$D/$pub.html")->{status}, 404, 'unpublish: 404');
is($t->get("$share?infoCode=$pub")->{status}, 404, 'unpublish: share 404');
unlike($t->get('/category/finance.html')->{body}, qr/\Q$pub\E/,
    'unpublish: off the category page');
unlike($t->get('/')->{body}, qr/\Q$pub\E/, 'unpublish: off the home page');

ok_recipe('publish', 0, code => 'NW99999999999');

# edit_title

my $path = "/finance/$D/$ttl.html";
my $r = $t->get($path);
my $etag = $r->{headers}{etag};
ok($etag, 'edit_title: an ETag before');
is(h1($r->{body}), 'Old Title', 'edit_title: old title before');

ok_recipe('edit_title', 1, code => $ttl, title => "新的标题 it's \"new\"");
$r = $t->get($path);
is($r->{status}, 200, 'edit_title: 200');
is(NewsTest::unescape_html(h1($r->{body})), "新的标题 it's \"new\"",
    'edit_title: new h1');
like(h1($r->{body}), qr/&quot;new&quot;/, 'edit_title: h1 escaped');
like($r->{body}, qr{<title>新的标题}, 'edit_title: new <title>');
unlike($r->{body}, qr/Old Title/, 'edit_title: old title gone');
isnt($r->{headers}{etag}, $etag, 'edit_title: new ETag');
like(ld_names($r->{body}), qr/>新的标题 it's "new"$/,
    'edit_title: the JSON-LD leaf');
like($t->get('/category/finance.html')->{body}, qr/新的标题/,
    'edit_title: on the category page');
like($t->get('/')->{body}, qr/新的标题/, 'edit_title: on the home page');

# edit_body, from a file

my $file = $t->write_file('body.html',
    "<p>fresh <b>body</b> 新的正文</p>\n<p>second</p>\n");
ok_recipe('edit_body', 1, code => $bdy, file => $file);
$r = $t->get("/finance/$D/$bdy.html");
is($r->{status}, 200, 'edit_body: 200');
like($r->{body}, qr{<p>fresh <b>body</b> 新的正文</p>\n<p>second</p>},
    'edit_body: the file, as is');
unlike($r->{body}, qr{<p>old body</p>}, 'edit_body: old body gone');

# move_post: old URL 301 with the query, new URL 200, new breadcrumbs

is(answer("/finance/$D/$mov.html")->[0], 200, 'move_post: 200 before');
ok_recipe('move_post', 1, code => $mov, category => 'banking');
my $moved = "/banking/$D/$mov.html";
is_deeply(answer("/finance/$D/$mov.html"), [ 301, $moved ],
    'move_post: old URL 301 to the new');
is_deeply(answer("/finance/$D/$mov.html?utm_source=wx&a=1"),
    [ 301, "$moved?utm_source=wx&a=1" ], 'move_post: query kept');
$r = $t->get($moved);
is($r->{status}, 200, 'move_post: new URL 200');
is_deeply([ crumbs($r->{body}) ], [ '首页>财经>银行',
    '/ /category/finance.html /category/banking.html' ],
    'move_post: breadcrumb of the new category');
is(ld_names($r->{body}), '首页>财经>银行>moving post',
    'move_post: JSON-LD of the new category');
like($r->{body}, $t->link_re('/category/banking.html', '返回银行'),
    'move_post: closing line');
like($t->get('/category/banking.html')->{body}, qr/\Q$mov\E/,
    'move_post: on the new category page');
like($t->get('/category/finance.html')->{body}, qr/\Q$mov\E/,
    'move_post: still on finance, the new category\'s parent');
is(answer("$share?infoCode=$mov")->[1], $moved, 'move_post: share link');

# delete_post: 410 for the article and its share link

ok_recipe('delete_post', 1, code => $del);
is($t->get("/finance/$D/$del.html")->{status}, 410, 'delete_post: 410');
$r = $t->get("$share?infoCode=$del");
is($r->{status}, 410, 'delete_post: share link 410');
ok(!defined $r->{headers}{location}, 'delete_post: no Location');
unlike($t->get('/category/finance.html')->{body}, qr/\Q$del\E/,
    'delete_post: off the category page');

# change_info_code: old share links and URLs lead to the new code

my $new = 'NW2022030488888801';
ok_recipe('change_info_code', 1, code => $chg, new_code => $new);
my $canon = "/finance/$D/$new.html";
$r = $t->get("$share?infoCode=$chg&utm_source=wx");
is($r->{status}, 302, 'change_info_code: old share link redirects');
is($t->local_path($r->{headers}{location}), "$canon?utm_source=wx",
    'change_info_code: to the new canonical URL, query kept');
is_deeply(answer("/finance/$D/$chg.html"), [ 301, $canon ],
    'change_info_code: old article URL 301');
is_deeply(answer("/finance/$D/$chg.html?x=1"), [ 301, "$canon?x=1" ],
    'change_info_code: old article URL, query kept');
$r = $t->get($canon);
is($r->{status}, 200, 'change_info_code: new code 200');
like(NewsTest::link_rel($r->{body}, 'canonical') // '',
    qr{^${\ $t->url_re($canon)}$}, 'change_info_code: canonical link');
is(answer("$share?infoCode=$new")->[1], $canon,
    'change_info_code: new share link');

# and again: the first code follows to the newest
my $newer = 'NW2022030488888802';
ok_recipe('change_info_code', 1, code => $new, new_code => $newer);
my $canon2 = "/finance/$D/$newer.html";
is(answer("$share?infoCode=$chg")->[1], $canon2,
    'change_info_code twice: first code to the newest');
is_deeply(answer("/finance/$D/$new.html"), [ 301, $canon2 ],
    'change_info_code twice: second code 301');
is(answer($canon2)->[0], 200, 'change_info_code twice: 200');

# add_category: top level and under a parent

ok_recipe('add_category', 1, slug => 'sports', name => '体育',
    parent => undef);
$r = $t->get('/category/sports.html');
is($r->{status}, 200, 'add_category: its page 200');
is(h1($r->{body}), '体育', 'add_category: its name');
is((crumbs($r->{body}))[0], '首页>体育', 'add_category: top level');
like($t->get('/')->{body}, $t->link_re('/category/sports.html', '体育'),
    'add_category: on the home page');

ok_recipe('add_category', 1, slug => 'asia', name => '亚洲',
    parent => 'world');
$r = $t->get('/category/asia.html');
is($r->{status}, 200, 'add_category under world: 200');
is_deeply([ crumbs($r->{body}) ],
    [ '首页>国际>亚洲', '/ /category/world.html /category/asia.html' ],
    'add_category under world: breadcrumb');
like($t->get('/category/world.html')->{body},
    $t->link_re('/category/asia.html', '亚洲'),
    'add_category under world: a subcategory of world');

# rename_category

ok_recipe('rename_category', 1, slug => 'finance', name => '金融');
$r = $t->get("/finance/$D/$ttl.html");
is((crumbs($r->{body}))[0], '首页>金融', 'rename_category: breadcrumb');
like($r->{body}, $t->link_re('/category/finance.html', '返回金融'),
    'rename_category: closing line');
unlike($r->{body}, qr/财经/, 'rename_category: old name gone');
$r = $t->get($moved);
is((crumbs($r->{body}))[0], '首页>金融>银行',
    'rename_category: breadcrumb of a child');
is(ld_names($r->{body}), '首页>金融>银行>moving post',
    'rename_category: JSON-LD of a child');
$r = $t->get('/category/finance.html');
is(h1($r->{body}), '金融', 'rename_category: category page h1');
like($r->{body}, qr{<title>金融}, 'rename_category: category page title');
unlike($t->get('/')->{body}, qr/财经/, 'rename_category: home page');

# change_category_slug: old category URL and its posts' old URLs 301

ok_recipe('change_category_slug', 1, slug => 'world', new_slug => 'intl');
is_deeply(answer('/category/world.html'), [ 301, '/category/intl.html' ],
    'change_category_slug: old category URL 301');
is_deeply(answer('/category/world.html?page=1'),
    [ 301, '/category/intl.html?page=1' ],
    'change_category_slug: query kept');
is(answer('/category/intl.html')->[0], 200,
    'change_category_slug: new category URL 200');
is_deeply(answer("/world/$D/$wld.html"), [ 301, "/intl/$D/$wld.html" ],
    'change_category_slug: old article URL 301');
$r = $t->get("/intl/$D/$wld.html");
is($r->{status}, 200, 'change_category_slug: new article URL 200');
is((crumbs($r->{body}))[1], '/ /category/intl.html',
    'change_category_slug: breadcrumb links the new slug');
is((crumbs($t->get('/category/asia.html')->{body}))[1],
    '/ /category/intl.html /category/asia.html',
    'change_category_slug: a child page links the new slug');

# move_category, and a move that would make a cycle

$r = $t->get("/banking/$D/$bnk.html");
is((crumbs($r->{body}))[0], '首页>金融>银行', 'move_category: before');
ok_recipe('move_category', 1, slug => 'banking', parent => 'intl');
$r = $t->get("/banking/$D/$bnk.html");
is_deeply([ crumbs($r->{body}) ],
    [ '首页>国际>银行', '/ /category/intl.html /category/banking.html' ],
    'move_category: new breadcrumb');
is(ld_names($r->{body}), '首页>国际>银行>bank post',
    'move_category: new JSON-LD');
is((crumbs($t->get('/category/banking.html')->{body}))[0], '首页>国际>银行',
    'move_category: category page breadcrumb');

my $before = $t->sql(".dump\n");
my $page_before = $t->get("/banking/$D/$bnk.html")->{body};
my ($rc, $out, $err) = recipe('move_category', slug => 'intl',
    parent => 'banking');
isnt($rc, 0, 'move_category cycle: sqlite3 exits non-zero');
like($err, qr/own ancestor/, 'move_category cycle: says why');
is($t->sql(".dump\n"), $before, 'move_category cycle: database unchanged');
is($t->get("/banking/$D/$bnk.html")->{body}, $page_before,
    'move_category cycle: page unchanged');
is($t->sql_value("SELECT parent_id IS NULL FROM categories "
    . "WHERE slug = 'intl';"), 1, 'move_category cycle: still top level');

# a category moved to the top level with :parent NULL
ok_recipe('move_category', 1, slug => 'banking', parent => undef);
is((crumbs($t->get("/banking/$D/$bnk.html")->{body}))[0], '首页>银行',
    'move_category to the top: breadcrumb');

###############################################################################

# set_image, set_author, add_tag, remove_tag

{
    my $path = "/finance/$D/$ttl.html";
    ok_recipe('set_image', 1, code => $ttl, image => '/images/a.jpg');
    my $b = $t->get($path)->{body};
    like($b, qr{<figure class="lead"><img src="http://localhost/images/a\.jpg"},
        'set_image: the lead image');
    like($b, qr{<meta property="og:image" content="http://localhost/images/a\.jpg">},
        'set_image: og:image');
    ok_recipe('set_image', 1, code => $ttl, image => '');
    unlike($t->get($path)->{body}, qr/og:image|class="lead"/,
        'set_image \'\': no image');

    ok_recipe('set_author', 1, code => $ttl, author => '记者 <王明>');
    like($t->get($path)->{body},
        qr{<span class="author">作者：记者 &lt;王明&gt;</span>},
        'set_author: the byline, escaped');

    ok_recipe('add_tag', 1, code => $ttl, tag => ' 数字金融 ');
    ok_recipe('add_tag', 0, code => $ttl, tag => '数字金融');
    like($t->get($path)->{body}, qr{<ul class="tags">.*数字金融}s,
        'add_tag: the tag on the page');
    is($t->sql_value("SELECT count(*) FROM tags WHERE name = '数字金融'"), 1,
        'add_tag: one tag, trimmed');
    ok_recipe('remove_tag', 1, code => $ttl, tag => '数字金融');
    unlike($t->get($path)->{body}, qr/数字金融/, 'remove_tag: gone');
    ok_recipe('remove_tag', 0, code => $ttl, tag => '数字金融');
}

###############################################################################

# refused edits: a non-zero exit, a reason, nothing changed in the database
# nor on the site

my @pages = ("/finance/$D/$ttl.html", "/banking/$D/$mov.html",
    '/category/finance.html', '/category/banking.html', '/');

sub site {
    return join "\n---\n", map {
        my $r = $t->get($_);
        "$r->{status} " . ($r->{headers}{etag} // '') . "\n$r->{body}";
    } @pages;
}

my $missing = $t->prefix . '/no-such-body.html';

my @refused = (
    [ 'empty title', [ 'edit_title', code => $ttl, title => '' ] ],
    [ 'blank title', [ 'edit_title', code => $ttl, title => '   ' ] ],
    [ 'bad info_code', [ 'change_info_code', code => $ttl,
        new_code => 'nw1' ] ],
    [ 'info_code with a slash', [ 'change_info_code', code => $ttl,
        new_code => 'NW2022/0304' ] ],
    [ 'info_code taken', [ 'change_info_code', code => $ttl,
        new_code => $newer ] ],
    [ 'post in a nonexistent category', [ 'move_post', code => $ttl,
        category => 'nope' ] ],
    [ 'body from a missing file', [ 'edit_body', code => $ttl,
        file => $missing ] ],
    [ 'an image that is no URL', [ 'set_image', code => $ttl,
        image => 'javascript:alert(1)' ] ],
    [ "slug with '/'", [ 'add_category', slug => 'a/b', name => 'AB',
        parent => undef ] ],
    [ "new slug with '/'", [ 'change_category_slug', slug => 'finance',
        new_slug => 'fin/ance' ] ],
    [ "slug 'category'", [ 'change_category_slug', slug => 'finance',
        new_slug => 'category' ] ],
    [ 'upper-case slug', [ 'add_category', slug => 'Sports2',
        name => 'x', parent => undef ] ],
    [ 'empty category name', [ 'rename_category', slug => 'finance',
        name => ' ' ] ],
    [ 'slug taken', [ 'change_category_slug', slug => 'finance',
        new_slug => 'banking' ] ],
    [ 'self parent', [ 'move_category', slug => 'finance',
        parent => 'finance' ] ],
    [ 'status foo', "UPDATE posts SET status = 'foo' "
        . "WHERE info_code = '$ttl';" ],
    [ 'bad date', "UPDATE posts SET published_at = 'yesterday' "
        . "WHERE info_code = '$ttl';" ],
    [ 'source_url javascript:', "UPDATE posts SET source_url = "
        . "'javascript:alert(1)' WHERE info_code = '$ttl';" ],
    [ 'category gone, foreign keys off', "PRAGMA foreign_keys = OFF;\n"
        . "UPDATE posts SET category_id = 9999 WHERE info_code = '$ttl';" ],
    [ 'insert into a missing category, foreign keys off',
        "PRAGMA foreign_keys = OFF;\nINSERT INTO posts (info_code, title, "
        . "published_at, category_id) VALUES ('NW2022030477777701', 'x', "
        . "'2022-03-04 10:00:00+08:00', 9999);" ],
);

my $site = site();
$before = $t->sql(".dump\n");

for my $case (@refused) {
    my ($name, $what) = @$case;
    my ($rc, $out, $err);
    if (ref $what) {
        ($rc, $out, $err) = recipe(@$what);
    } else {
        ($rc, $out, $err) = $t->run_cmd(".bail on\n$what\n",
            $NewsTest::SQLITE3, $t->db);
    }
    isnt($rc, 0, "refused ($name): sqlite3 exits non-zero");
    like($err, qr/constraint|cannot|does not exist/i,
        "refused ($name): says why") or diag($err);
    is($t->sql(".dump\n"), $before, "refused ($name): database unchanged");
}

is(site(), $site, 'refused edits: every page as it was, ETags too');

###############################################################################

# all this on the workers started once, and the site still answers

is($t->get("/finance/$D/$ttl.html")->{status}, 200, 'still serving');
my @starts = $t->error_log =~ /start worker process \d+/g;
is(scalar @starts, 1, 'one worker start: no reload, no respawn');
unlike($t->error_log, qr/reconfiguring/, 'no reload');

done_testing;
