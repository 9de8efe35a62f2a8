#!/usr/bin/perl

# The home page: newest published posts first (no drafts, no deleted
# posts), links to the categories, each link working.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($old, $mid, $new, $west, $draft, $deleted, $deep) = $t->add_posts(
    { title => 'oldest', categories => 'finance', category_name => '财经',
      date => '2022-01-01 08:00:00 +0800' },
    { title => 'middle', categories => 'world', category_name => '国际',
      date => '2022-02-01 08:00:00 +0800' },
    # 2022-02-28 21:00 UTC
    { title => 'march', categories => 'sports', category_name => '体育',
      date => '2022-03-01 05:00:00 +0800' },
    # 2022-03-01 07:00 UTC: the newest instant, though its text sorts
    # before the "2022-03-01" post's
    { title => 'west', categories => 'world', category_name => '国际',
      date => '2022-02-28 23:00:00 -0800' },
    { title => 'draft one', categories => 'world', category_name => '国际',
      date => '2022-04-01 08:00:00 +0800' },
    { title => 'deleted one', categories => 'world', category_name => '国际',
      date => '2022-04-02 08:00:00 +0800' },
    { title => 'deep one', categories => [qw(finance banking)],
      category_name => '银行业', date => '2021-12-01 08:00:00 +0800' },
);
$t->sql("UPDATE posts SET status = 'draft' WHERE info_code = '$draft';"
    . "UPDATE posts SET status = 'deleted' WHERE info_code = '$deleted';"
    . "UPDATE posts SET title = '<script>\"home\"</script>' "
    . "WHERE info_code = '$old';");

$t->write_conf($t->conf_server);
$t->run;

my $r = $t->get('/');
is($r->{status}, 200, 'home: 200');
like($r->{headers}{'content-type'}, qr{^text/html;\s*charset=utf-8$}i,
    'home: content type');
my $html = $r->{body};
like($html, qr/^\s*<!DOCTYPE html>/i, 'home: doctype');
like(NewsTest::link_rel($html, 'canonical') // '',
    qr{^${\ $t->url_re('/')}$}, 'home: canonical');

my @links = grep { defined } map { $t->local_path($_) }
    NewsTest::links($html);

# posts, newest instant first, each linked at its canonical URL

my (@codes, %seen);
for (@links) {
    my ($code) = m{^/[a-z0-9_-]+/\d{4}/\d\d/\d\d/(\w+)\.html$} or next;
    push @codes, $code unless $seen{$code}++;
}
is_deeply(\@codes, [ $west, $new, $mid, $old, $deep ],
    'home: published posts, newest first');
ok(!$seen{$draft}, 'home: no draft');
ok(!$seen{$deleted}, 'home: no deleted post');

ok((grep { $_ eq "/sports/2022/03/01/$new.html" } @links),
    'home: canonical article link');
ok((grep { $_ eq "/world/2022/02/28/$west.html" } @links),
    'home: link date in the post offset');

like($html, qr/>\s*march\s*</, 'home: title shown');
like($html, qr/&lt;script&gt;&quot;home&quot;&lt;\/script&gt;/,
    'home: titles escaped');
unlike($html, qr/<script>"home"/, 'home: no raw title');

# categories

my %cats = map { m{^/category/([a-z0-9_-]+)\.html$} ? ($1 => 1) : () }
    @links;
ok($cats{$_}, "home: links category $_") for qw(finance world sports);

# every link on the page works

my %done;
for my $l (grep { !$done{$_}++ } @links) {
    is($t->get($l)->{status}, 200, "home: link $l works");
}

# the home page follows edits

$t->sql("UPDATE posts SET status = 'published' WHERE info_code = '$draft';");
$r = $t->get('/');
like($r->{body}, qr{/world/2022/04/01/\Q$draft\E\.html},
    'home: a post published in SQL shows at once');

done_testing;
