#!/usr/bin/perl

# $news_cache_status, for log_format: MISS for a page rendered and kept by
# this request, HIT for one sent from the render cache (a 304 on it
# too), BYPASS for what is sent without it (a search, news_cache off);
# empty where the module answered nothing ("-" in the log).

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($code) = $t->add_posts({ title => 'a post' });

my $locations = <<'EOF';
        location = /search {
            news_search_index search.db;
            news_search;
        }
        location = /static { return 204; }
EOF
my $format = q{    log_format st '$request_uri $status $news_cache_status';};

$t->write_conf($t->conf_server($locations, http => $format,
    server => 'access_log %%PREFIX%%/st.log st;'));
$t->run;

my $path = $t->article_path($code);
my $none = '/nowhere/2022/03/04/NW2022030400000099.html';

my $r = $t->get($path);
is($r->{status}, 200, 'the article');
$t->get($path);
$t->get($path, 'If-None-Match' => $r->{headers}{etag});
$t->get($none);
$t->get($none);
$t->get('/static');
$t->get('/search');

is_deeply([ split /\n/, $t->read_file('st.log') ], [
    "$path 200 MISS",
    "$path 200 HIT",
    "$path 304 HIT",
    "$none 404 MISS",
    "$none 404 HIT",
    '/static 204 -',
    '/search 200 BYPASS',
], 'MISS, HIT, a 304 from the cache, an error kept, not the module\'s,'
    . ' a search');

$t->stop;

# without the cache, every page is a BYPASS
$t->write_conf($t->conf_server(undef, http => "    news_cache off;\n$format",
    server => 'access_log %%PREFIX%%/off.log st;'));
$t->run;

$t->get($path);
$t->get($path);

is_deeply([ split /\n/, $t->read_file('off.log') ],
    [ "$path 200 BYPASS", "$path 200 BYPASS" ], 'news_cache off: BYPASS');

done_testing;
