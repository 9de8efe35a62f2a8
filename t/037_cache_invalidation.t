#!/usr/bin/perl

# The render cache forgets only the pages a commit touched, as the change
# log (schema version 8) tells: an edit of a post sends its page, its
# lists and its neighbours' pages to MISS and keeps the rest a HIT; a new
# tag on a post, a moved code, likewise.  What the log cannot tell empties
# the cache, as before: a category or a tag renamed, a commit that logs
# nothing, rows pruned before a worker read them, a bulk edit past 1,000
# rows.  Every edit shows on the next request.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;

# two branches: finance > banking (a1, a2; tag money), tech (b1; tag chips)
my ($a1, $a2, $b1) = $t->add_posts(
    { title => 'alpha one', categories => [qw(finance banking)],
      tags => [qw(money)], date => '2022-03-04 10:00:00 +0800' },
    { title => 'alpha two', categories => [qw(finance banking)],
      tags => [qw(money)], date => '2022-03-05 10:00:00 +0800' },
    { title => 'beta one', categories => 'tech', tags => [qw(chips)],
      date => '2022-03-06 10:00:00 +0800' },
);

$t->write_conf($t->conf_server('',
    server => 'add_header X-Cache $news_cache_status always;'));
$t->run;

my %page = (
    a1      => $t->article_path($a1),
    a2      => $t->article_path($a2),
    b1      => $t->article_path($b1),
    b1share => "/html_News/NewsShare.html?infoCode=$b1",
    banking => '/category/banking.html',
    finance => '/category/finance.html',
    tech    => '/category/tech.html',
    home    => '/',
    money   => '/tag/money.html',
    chips   => '/tag/chips.html',
    nopage  => '/category/tech.html?page=2',
);

# each page's X-Cache, in the order of the names given
sub states {
    my (@names) = @_;
    return join ' ', map {
        my $r = $t->get($page{$_});
        "$_:" . ($r->{headers}{'x-cache'} // '-')
    } @names;
}

sub expect {
    my ($miss, $what) = @_;
    my %m = map { $_ => 1 } @$miss;
    my @all = sort keys %page;
    is(states(@all), join(' ', map { "$_:" . ($m{$_} ? 'MISS' : 'HIT') }
                                   @all), $what);
}

my @all = sort keys %page;
states(@all);
expect([], 'warm: every page a HIT');

# a post's title: its page, its category's and ancestors' lists, the home
# page, its tag's page, its neighbour (whose related list shows it)
$t->sql("UPDATE posts SET title = 'alpha renamed' WHERE info_code = '$a1';");
expect([qw(a1 a2 banking finance home money)],
    'a title edited: the post, its lists, its neighbour; the rest kept');
like($t->get($page{a1})->{body}, qr/alpha renamed/, 'the edit shows');
like($t->get($page{banking})->{body}, qr/alpha renamed/,
    'in its category too');

# a commit that logs nothing (a table the log does not follow): every page
$t->sql("CREATE TABLE notes (x); INSERT INTO notes VALUES (1);");
expect([@all], 'a commit that logs nothing: every page forgotten');

# a tag given: the post, the tag's page, the posts whose related lists
# follow that tag; nothing of the lists
$t->sql("INSERT INTO post_tags (post_id, tag_id) SELECT p.id, t.id"
    . " FROM posts p, tags t WHERE p.info_code = '$b1'"
    . " AND t.name = 'money';");
expect([qw(a1 a2 b1 money)],
    'a tag given: the post, the tag\'s page, its related lists');
like($t->get($page{b1})->{body}, qr{/tag/money\.html}, 'the tag shows');

# a post moved to tech and dated anew: both branches' lists, the page past
# the end of tech's, the related lists that follow them
$t->sql("UPDATE posts SET category_id = (SELECT id FROM categories"
    . " WHERE slug = 'tech'), published_at = '2022-03-07 10:00:00+08:00'"
    . " WHERE info_code = '$a2';");
my $old = $page{a2};
$page{a2} = $t->article_path($a2);
expect([qw(a1 a2 b1 banking finance home money nopage tech)],
    'a post moved: both branches\' lists, its old and new neighbours');
like($t->get($page{tech})->{body}, qr/alpha two/, 'it is listed in tech');
is($t->get($old)->{status}, 301, 'its old path leads to the new');

# a category renamed: every page
$t->sql("UPDATE categories SET name = 'Technology' WHERE slug = 'tech';");
expect([@all], 'a category renamed: every page forgotten');

# rows pruned before this worker read them (a row taken back here): every
# page
$t->sql("BEGIN; INSERT INTO change_log (what, code) VALUES ('code', 'X');"
    . " DELETE FROM change_log WHERE id = (SELECT max(id) FROM change_log);"
    . " UPDATE posts SET title = 'beta renamed' WHERE info_code = '$b1';"
    . " COMMIT;");
expect([@all], 'a gap in the log: every page forgotten');
like($t->get($page{b1})->{body}, qr/beta renamed/, 'and the edit shows');

# a bulk edit, more than 1,000 rows: every page; the log is read on from
# its end
$t->sql("BEGIN; "
    . ("UPDATE posts SET summary = summary || 'x' WHERE info_code = '$b1'; "
       x 600)
    . "COMMIT;");
expect([@all], 'a bulk edit: every page forgotten');

$t->sql("UPDATE posts SET title = 'beta again' WHERE info_code = '$b1';");
expect([qw(a1 a2 b1 b1share chips home money nopage tech)],
    'after it, an edit forgets its own pages and lists only');
like($t->get($page{b1share})->{headers}{location} // '', qr/\Q$b1\E/,
    'the share link still leads to the post');

cmp_ok($t->sql_value('SELECT count(*) FROM change_log'), '<=', 10000,
    'the log keeps at most 10,000 rows');

$t->stop;


done_testing;
