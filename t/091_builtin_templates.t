#!/usr/bin/perl

# The default templates are compiled into the module: a bare configuration
# (load_module, news_db and the locations, no template file anywhere)
# serves the whole site, byte for byte as with conf/templates/ named; a
# news_template still overrides one kind.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($code) = $t->add_posts({ title => 'a post', categories => 'world',
    category_name => 'World' });

my $dir = $t->repo . '/conf/templates';
my $port2 = NewsTest::_free_port();
$t->write_file('mine.html', "<p>my own {{title}}</p>\n");

# no news_template at all in the first server; the second names the files
$t->write_conf(<<"END");
    news_db %%DB%%;

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;

        location = /html_News/NewsShare.html { news_share; }
        location /category/ { news_category; }
        location = / { news_index; }
        location / { news_article; }
        location /mine/ {
            rewrite ^/mine(/.*)\$ \$1 break;
            news_article;
            news_template article %%PREFIX%%/mine.html;
        }
    }

    server {
        listen 127.0.0.1:$port2;
        server_name localhost;
        news_template article $dir/article.html;
        news_template category $dir/category.html;
        news_template index $dir/index.html;
        news_template error $dir/error.html;

        location /category/ { news_category; }
        location = / { news_index; }
        location / { news_article; }
    }
END

my ($rc, $out) = $t->test_conf;
is($rc, 0, 'a configuration without a template file passes nginx -t')
    or diag($out);
$t->run;


my $path = $t->article_path($code);
for my $uri ($path, '/category/world.html', '/',
    '/world/2022/03/04/NW20220304999999.html')
{
    my $built = $t->get($uri);
    my $files = $t->get_at($port2, $uri);
    like($built->{status}, qr/^(200|404)$/,
        "$uri: answered ($built->{status})");
    is($built->{status}, $files->{status}, "$uri: the same status");
    is($built->{body}, $files->{body},
        "$uri: the built-in template gives the bytes conf/templates/ does");
}

is($t->get('/html_News/NewsShare.html?infoCode=' . $code)->{status}, 302,
    'the share link redirects');

my $r = $t->get("/mine$path");
is($r->{body}, "<p>my own a post</p>\n", 'news_template overrides one kind');

done_testing;
