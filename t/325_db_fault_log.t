#!/usr/bin/perl

# A database fault under load is logged once, then at most once a second
# with the number of failures left out: a broken schema must not write an
# error-log line a request (DROP TABLE posts under load once wrote 108k
# lines in 5 s).

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use Time::HiRes qw(time);

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($code) = $t->add_posts({ title => 'a post' });

$t->write_conf($t->conf_server);
$t->run;

my $uri = "/html_News/NewsShare.html?infoCode=$code";
is($t->get($uri)->{status}, 302, 'before: the share link works');

# the statements nginx prepared now meet a schema without its table
$t->sql('DROP TABLE post_tags; DROP TABLE posts;');

my $mark = $t->log_mark;
my ($n, %st) = (0);
my $start = time;
while (time - $start < 2.5 && $n < 100000) {
    $st{ $t->get($uri)->{status} }++;
    $n++;
}
my $secs = time - $start;

is_deeply([ keys %st ], [ 503 ], "$n requests: all 503");

my @lines = grep { /news: .*\Q${\ $t->db }\E/ }
    split /\n/, $t->error_log_since($mark);

# one line when the fault is first seen, then one a second at most
ok(@lines >= 1 && @lines <= int($secs) + 2,
    scalar(@lines) . " lines in ${secs}s for $n failing requests")
    or diag(join "\n", @lines[0 .. ($#lines < 5 ? $#lines : 5)]);

like("@lines", qr/no such table: posts/, 'the line says what failed');
like("@lines", qr/and \d+ times since the last such line/,
    'a later line counts the failures left out');

done_testing;
