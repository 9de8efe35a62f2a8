#!/usr/bin/perl

# The validators change whenever a page's bytes do: an edit the triggers
# did not date (posts_touch dropped, a tag added, updated_at set back by
# hand) still moves Last-Modified, so a client that revalidates with
# If-Modified-Since alone never gets a 304 for a stale page; a page that
# changed in this very second goes out with its ETag alone.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use Time::HiRes qw(time sleep);
use Time::Local qw(timegm);

# an HTTP date as seconds
sub str2time {
    my ($d) = @_;
    my %mon = (Jan => 0, Feb => 1, Mar => 2, Apr => 3, May => 4, Jun => 5,
        Jul => 6, Aug => 7, Sep => 8, Oct => 9, Nov => 10, Dec => 11);
    $d =~ /^\w{3}, (\d\d) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/
        or die "not an HTTP date: $d\n";
    return timegm($6, $5, $4, $1, $mon{$2}, $3);
}

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($code) = $t->add_posts({ title => 'first title', categories => 'finance',
    category_name => 'F' });

$t->write_conf($t->conf_server);
$t->run;

my $uri = $t->article_path($code);

# the next whole second after the last write, when Last-Modified is sent
sub settle {
    my $m = (stat $t->db)[9];
    sleep($m + 1.05 - time) if time < $m + 1.05;
}

# a page, its Last-Modified, and how it answers that date alone
sub revalidate {
    my ($lm) = @_;
    return $t->get($uri, 'If-Modified-Since' => $lm);
}

my @edits = (
    [ 'posts_touch dropped, title edited',
      "DROP TRIGGER posts_touch;"
      . "UPDATE posts SET title = 'second title' WHERE info_code = '$code';",
      qr/second title/ ],
    [ 'a tag added (no trigger dates it)',
      "INSERT INTO tags (name) VALUES ('newtag');"
      . "INSERT INTO post_tags SELECT p.id, t.id FROM posts p, tags t"
      . " WHERE p.info_code = '$code' AND t.name = 'newtag';",
      qr/newtag/ ],
    [ 'updated_at set back by hand',
      "UPDATE posts SET title = 'third title',"
      . " updated_at = '2001-01-01 00:00:00+00:00'"
      . " WHERE info_code = '$code';",
      qr/third title/ ],
);

for my $e (@edits) {
    my ($name, $sql, $want) = @$e;

    settle();
    my $before = $t->get($uri);
    my $lm = $before->{headers}{'last-modified'};
    ok(defined $lm, "$name: a settled page has Last-Modified");
    is(revalidate($lm)->{status}, 304, "$name: unchanged, 304");

    $t->sql($sql);

    my $after = $t->get($uri);
    like($after->{body}, $want, "$name: the edit shows");
    isnt($after->{headers}{etag}, $before->{headers}{etag},
        "$name: the ETag moved");

    # at once, and again a second later when Last-Modified is back
    for my $when ('at once', 'a second later') {
        settle() if $when ne 'at once';
        my $r = revalidate($lm);
        is($r->{status}, 200, "$name, $when: If-Modified-Since alone 200");
        like($r->{body}, $want, "$name, $when: the new page");
        my $new = $r->{headers}{'last-modified'};
        ok(!defined $new || str2time($new) > str2time($lm),
            "$name, $when: Last-Modified later or left out")
            or diag("$lm -> $new");
        ok(!defined $new || str2time($new) < str2time($r->{headers}{date}),
            "$name, $when: never this very second");
    }
}

done_testing;
