#!/usr/bin/perl

# The site's identity: news_language (default zh-CN) is the pages' lang
# and picks the texts of the error pages (Chinese for zh-*, English
# otherwise); news_site_name and news_footer are values every template
# may print, escaped; a language that is no language tag fails nginx -t.

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

$t->write_file('site.html', "<p>{{site_name}}|{{language}}|{{footer}}</p>\n");

my $english = NewsTest::_free_port();

# no news_language: the default; a second server in English
$t->write_conf($t->conf_server(<<'EOF') . <<"EOF2");
        location /site/ {
            rewrite ^/site(/.*)$ $1 break;
            news_article;
            news_site_name "新闻 <网> & \"co\"";
            news_footer "京ICP备12345678号 <b>";
            news_template article %%PREFIX%%/site.html;
        }
EOF
    server {
        listen 127.0.0.1:$english;
        server_name localhost;
        news_db %%DB%%;
        news_language en;
        location / { news_article; }
    }
EOF2
$t->run;


my $path = $t->article_path($code);
my $missing = '/xinhuawang/2022/03/04/NW20220304999999.html';

like($t->get($path)->{body}, qr/<html lang="zh-CN">/,
    'default: the page is zh-CN');
my $r = $t->get($missing);
is($r->{status}, 404, 'default: 404');
like($r->{body}, qr/<html lang="zh-CN">/, 'default: the error page is zh-CN');
like($r->{body}, qr/页面不存在/, 'default: its text in Chinese');
like($t->get($t->article_path($gone))->{body}, qr/文章已删除/,
    'default: 410 in Chinese');

like($t->get_at($english, $path)->{body}, qr/<html lang="en">/,
    'news_language en: the page is en');
$r = $t->get_at($english, $missing);
like($r->{body}, qr/Not Found/, 'news_language en: 404 in English');
unlike($r->{body}, qr/页面不存在/, 'news_language en: no Chinese text');

is($t->get("/site$path")->{body},
    "<p>新闻 &lt;网&gt; &amp; &quot;co&quot;|zh-CN|"
    . "京ICP备12345678号 &lt;b&gt;</p>\n",
    'site name, language and footer in a template, escaped');

# a language that is no language tag
my $bad = NewsTest->new;
$bad->db_init;
$bad->write_conf($bad->conf_server('', server => 'news_language "zh CN";'));
my ($rc, $out) = $bad->test_conf;
isnt($rc, 0, 'a bad news_language: nginx -t fails');
like($out, qr/invalid "news_language" "zh CN"/, 'a bad news_language: named');

done_testing;
