#!/usr/bin/perl

# Behind a CDN or nginx's own proxy_cache: news_cache_control gives each
# kind of page (article, list, error) its Cache-Control, news_cache_tags
# the page's tags (Cache-Tag, Surrogate-Key) for a purge by tag.  With a
# real proxy_cache in front on loopback: an admin's edit reaches readers
# within the TTL, and with the origin's database broken the cache serves
# the stale page, 200.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use Time::HiRes qw(time sleep);

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($code) = $t->add_posts({ title => 'first title',
    categories => [qw(world asia)], category_name => 'Asia' });

my $front = NewsTest::_free_port();

$t->write_conf($t->conf_server(<<'EOF', server => <<'EOF2') . <<"EOF3");
        location /plain/ {
            rewrite ^/plain(/.*)$ $1 break;
            news_article;
            news_cache_control article off;
            news_cache_tags off;
        }
EOF
        news_cache_control article "public, max-age=1, stale-if-error=60";
        news_cache_control list "public, max-age=1";
        news_cache_control error "public, max-age=5";
        news_cache_tags on;
EOF2
    proxy_cache_path %%PREFIX%%/proxy_cache keys_zone=front:1m;

    server {
        listen 127.0.0.1:$front;
        location / {
            proxy_pass http://127.0.0.1:%%PORT%%;
            proxy_set_header Host localhost;
            proxy_cache front;
            proxy_cache_use_stale error timeout http_503;
            add_header X-Cache \$upstream_cache_status;
        }
    }
EOF3
$t->run;

my $path = $t->article_path($code);

# the origin's headers, kind by kind

my $r = $t->get($path);
is($r->{headers}{'cache-control'}, 'public, max-age=1, stale-if-error=60',
    'article: its Cache-Control');
is($r->{headers}{'cache-tag'}, "post-$code,category-world,category-asia",
    'article: the post and its categories, top level first');
is($r->{headers}{'surrogate-key'}, "post-$code category-world category-asia",
    'article: the same as Surrogate-Key');

# from the render cache, the same headers
$r = $t->get($path);
is($r->{headers}{'cache-tag'}, "post-$code,category-world,category-asia",
    'article from the render cache: the same tags');

$r = $t->get('/category/asia.html');
is($r->{headers}{'cache-control'}, 'public, max-age=1', 'list: its own');
is($r->{headers}{'cache-tag'}, 'category-world,category-asia',
    'category page: the category and its ancestors');
is($t->get('/')->{headers}{'cache-tag'}, 'home', 'home page: home');

$r = $t->get('/world/2022/03/04/NW20220304999999.html');
is($r->{status}, 404, 'an unknown article: 404');
is($r->{headers}{'cache-control'}, 'public, max-age=5', '404: the error one');
ok(!defined $r->{headers}{'cache-tag'}, '404: no tags');

$r = $t->get("/plain$path");
ok(!defined $r->{headers}{'cache-control'}, 'turned off: no Cache-Control');
ok(!defined $r->{headers}{'cache-tag'}, 'turned off: no tags');

# through nginx's proxy_cache


sub title { $_[0]{body} =~ m{<h1[^>]*>([^<]*)</h1>} ? $1 : '' }

$r = $t->get_at($front, $path);
is($r->{status}, 200, 'front: 200');
is(title($r), 'first title', 'front: the page');
is($t->get_at($front, $path)->{headers}{'x-cache'}, 'HIT',
    'front: then from cache');

$t->sql("UPDATE posts SET title = 'second title' WHERE info_code = '$code';");
my $start = time;
my $seen;
while (time - $start < 5) {
    $r = $t->get_at($front, $path);
    if (title($r) eq 'second title') {
        $seen = time - $start;
        last;
    }
    sleep 0.1;
}
ok(defined $seen, 'front: the edit reaches readers')
    and ok($seen < 2.5, sprintf('front: within the TTL (%.1fs)', $seen));

# the origin's database broken: 503 there, the stale page in front
rename $t->db, $t->db . '.away' or die "rename: $!\n";
my $origin;
for (1 .. 30) {
    $origin = $t->get($path)->{status};
    last if $origin == 503;
    sleep 0.1;
}
is($origin, 503, 'origin: 503 while its database is away');
ok(!defined $t->get($path)->{headers}{'cache-control'},
    'origin: a 503 is not made cacheable');
sleep 1.2;
$r = $t->get_at($front, $path);
is($r->{status}, 200, 'front: still 200');
is(title($r), 'second title', 'front: the last page it had');
is($r->{headers}{'x-cache'}, 'STALE', 'front: served stale');

done_testing;
