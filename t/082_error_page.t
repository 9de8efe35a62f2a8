#!/usr/bin/perl

# nginx's error_page applies to news locations as to any other: where the
# location has an error_page for the status, nginx answers with it (the
# status kept, Retry-After and Allow too); elsewhere the error template.
# A 404 kept in the render cache by one location is still answered by
# another's error_page.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($code, $gone) = $t->add_posts({ title => 'a post' },
    { title => 'a deleted post' });
$t->sql("UPDATE posts SET status = 'deleted' WHERE info_code = '$gone';");

mkdir $t->prefix . '/errors' or die "mkdir: $!\n";
$t->write_file('errors/404.html', "<p>our own not found page</p>\n");
$t->write_file('errors/other.html', "<p>our own other error page</p>\n");

$t->write_conf($t->conf_server(<<'EOF'));
        location /custom/ {
            rewrite ^/custom(/.*)$ $1 break;
            news_article;
            error_page 404 /errors/404.html;
            error_page 405 410 503 /errors/other.html;
        }
        location = /custom-share {
            news_share;
            error_page 404 /errors/404.html;
        }
        location /errors/ {
            root %%PREFIX%%;
        }
EOF
$t->run;

my $path = $t->article_path($code);
my $gone_path = $t->article_path($gone);
my $unknown = '/xinhuawang/2022/03/04/NW20220304999999.html';

# without error_page: the error template, as before
my $r = $t->get($unknown);
is($r->{status}, 404, 'no error_page: 404');
like($r->{body}, qr/<html/i, 'no error_page: the error template');

# with error_page: nginx's answer, the status kept
for my $round (1, 2) {
    $r = $t->get("/custom$unknown");
    is($r->{status}, 404, "error_page 404, round $round: 404");
    like($r->{body}, qr/our own not found page/,
        "error_page 404, round $round: the location's page");
}

$r = $t->get("/custom$gone_path");
is($r->{status}, 410, 'error_page 410: 410');
like($r->{body}, qr/our own other error page/, 'error_page 410: its page');

$r = $t->request('POST', "/custom$path", -body => '');
is($r->{status}, 405, 'error_page 405: 405');
like($r->{body}, qr/our own other error page/, 'error_page 405: its page');
like($r->{headers}{allow} // '', qr/^GET, HEAD$/, 'error_page 405: Allow');

is($t->get("/custom$path")->{status}, 200, 'the post itself: 200');

# a 404 the share location kept in the cache, answered with its page
is($t->get('/html_News/NewsShare.html?infoCode=NW20220304999999')
    ->{status}, 404, 'share without error_page: 404');
$r = $t->get('/custom-share?infoCode=NW20220304999999');
is($r->{status}, 404, 'share with error_page: 404');
like($r->{body}, qr/our own not found page/, 'share with error_page: its page');

# the database gone: 503 through error_page, Retry-After kept
rename $t->db, $t->db . '.away' or die "rename: $!\n";
for (1 .. 30) {
    $r = $t->get("/custom$path");
    last if $r->{status} == 503;
    select undef, undef, undef, 0.1;
}
is($r->{status}, 503, 'error_page 503: 503');
like($r->{body}, qr/our own other error page/, 'error_page 503: its page');
is($r->{headers}{'retry-after'}, '5', 'error_page 503: Retry-After kept');

done_testing;
