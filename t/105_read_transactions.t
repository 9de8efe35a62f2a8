#!/usr/bin/perl

# A page's reads share one read transaction, which must be over before the
# answer goes out, on every path: after pages, redirects and errors, a
# writer with no busy timeout at all gets its exclusive lock at once.

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
    { title => 'one', categories => 'finance', category_name => '财经',
      date => '2022-03-04 10:00:00 +0800' },
    { title => 'two', categories => 'finance', category_name => '财经',
      date => '2022-03-05 10:00:00 +0800' },
);
is($t->sql_value('PRAGMA journal_mode;'), 'delete', 'rollback journal');

$t->write_conf($t->conf_server(''));
$t->run;

my $share = '/html_News/NewsShare.html';

# each request, then a writer that must not wait: sqlite3 without .timeout
my @cases = (
    [ "/finance/2022/03/04/$code.html", 200 ],
    [ "/finance/2022/03/01/$code.html", 301 ],
    [ "$share?infoCode=$other", 302 ],
    [ "$share?infoCode=NW99999999999", 404 ],
    [ '/category/finance.html', 200 ],
    [ '/category/nope.html', 404 ],
    [ '/category/finance.html?page=9', 404 ],
    [ '/', 200 ],
);

my $n = 0;
for my $case (@cases) {
    my ($uri, $status) = @$case;

    # an edit first, so that nothing comes from the render cache
    $n++;
    $t->sql("UPDATE posts SET title = 'edit $n' WHERE info_code = '$other';");

    is($t->get($uri)->{status}, $status, "$uri: $status");

    my ($rc, $out, $err) = $t->run_cmd(
        "BEGIN EXCLUSIVE; UPDATE posts SET summary = 's$n'; COMMIT;\n",
        $NewsTest::SQLITE3, '-bail', $t->db);
    is($rc, 0, "$uri: a writer is not kept waiting")
        or diag($err);
}

is($t->get("/finance/2022/03/05/$other.html")->{status}, 200,
    'pages still served');
like($t->get("/finance/2022/03/05/$other.html")->{body}, qr/edit $n/,
    'with the last edit');

done_testing();
