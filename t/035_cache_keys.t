#!/usr/bin/perl

# The render cache keys a page by everything that shapes it: the
# location's settings (templates, page size, base URL), the scheme and the
# host.  Two locations or servers on one database never serve each other's
# pages; an https reader never gets http:// URLs.  With news_base_url the
# pages do not depend on Host at all; without it, a made-up Host gets the
# server's own name and costs no cache entry of its own.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

my $p = $t->prefix;

# seven posts in one category, a minute apart, newest last
$t->db_init;
my @codes = $t->add_posts(map {
    { title => "post $_", categories => 'world', category_name => 'World',
      date => sprintf('2022-03-04 10:%02d:00 +0800', $_) } } 1 .. 7);

# two article templates that differ by one marker
my $tpl = $t->read_file($t->repo . '/conf/templates/article.html');
for my $m (qw(A B)) {
    (my $x = $tpl) =~ s{</body>}{<p id="marker">template $m</p></body>};
    $t->write_file("article-$m.html", $x);
}

# a self-signed certificate for the https listener
my ($rc, undef, $err) = $t->run_cmd(undef, 'openssl', 'req', '-x509',
    '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2',
    '-keyout', "$p/key.pem", '-out', "$p/cert.pem");
BAIL_OUT("openssl: $err") if $rc;

my %port = map { $_ => NewsTest::_free_port() }
    qw(ssl small proxy based nameless);

my $main = <<"END";
        listen 127.0.0.1:$port{ssl} ssl;
        ssl_certificate $p/cert.pem;
        ssl_certificate_key $p/key.pem;
        news_page_size 3;

        location = /in-a {
            news_share;
            news_share_redirect off;
            news_template article $p/article-A.html;
        }
        location = /in-b {
            news_share;
            news_share_redirect off;
            news_template article $p/article-B.html;
        }
END

my $others = join('', map {
    "    news_template $_ %%REPO%%/conf/templates/$_.html;\n" }
    qw(article category index error)) . <<"END";
    # the same database, pages of two posts
    server {
        listen 127.0.0.1:$port{small};
        server_name localhost;
        news_db %%DB%%;
        news_page_size 2;
        location /category/ { news_category; }
    }

    # https through nginx's own proxy: a TLS-terminating front
    server {
        listen 127.0.0.1:$port{proxy};
        location / {
            proxy_pass https://127.0.0.1:$port{ssl};
            proxy_set_header Host localhost;
        }
    }

    # one site name whatever the Host
    server {
        listen 127.0.0.1:$port{based};
        server_name localhost;
        news_db %%DB%%;
        news_base_url https://news.example.com/;
        location = /html_News/NewsShare.html { news_share; }
        location / { news_article; }
    }

    # a server with no name of its own
    server {
        listen 127.0.0.1:$port{nameless};
        server_name "";
        news_db %%DB%%;
        location / { news_article; }
    }
END

$t->write_conf($t->conf_server($main) . $others);
$t->run;


sub marker { $_[0]{body} =~ m{<p id="marker">template (\w)</p>} ? $1 : '' }
sub titles { [ $_[0]{body} =~ m{<li><a href="[^"]*">(post \d)</a>}g ] }
sub canonical { NewsTest::link_rel($_[0]{body}, 'canonical') // '' }

# any edit empties the cache, so each order starts afresh
sub touch {
    $t->sql("UPDATE posts SET summary = summary || ' ' WHERE id = 1;");
}

my $code = $codes[0];
my $path = $t->article_path($code);

# two in-place share locations, two templates: each its own, both ways
for my $order ([qw(a b)], [qw(b a)]) {
    for my $loc (@$order) {
        is(marker($t->get("/in-$loc?infoCode=$codes[1]")), uc $loc,
            "in-place share /in-$loc, asked in order @$order: its template");
    }
    touch();
}

# one database, two page sizes: page 2 has each server's own boundaries
for my $order ([qw(big small)], [qw(small big)]) {
    my %got;
    for my $s (@$order) {
        my $r = $s eq 'big' ? $t->get('/category/world.html?page=2')
            : $t->get_at($port{small}, '/category/world.html?page=2');
        $got{$s} = titles($r);
    }
    is_deeply($got{big}, [ 'post 4', 'post 3', 'post 2' ],
        "page size 3, asked in order @$order: page 2");
    is_deeply($got{small}, [ 'post 5', 'post 4' ],
        "page size 2, asked in order @$order: page 2");
    touch();
}

# http and https readers of one page, either first
for my $order ([qw(http https)], [qw(https http)]) {
    my %got;
    for my $s (@$order) {
        my $r = $s eq 'http' ? $t->get($path)
            : $t->get_at($port{proxy}, $path);
        is($r->{status}, 200, "$s reader, order @$order: 200");
        $got{$s} = [ canonical($r), NewsTest::meta($r->{body}, 'og:url') ];
    }
    like($got{http}[0], qr{^http://localhost(?::\d+)?\Q$path\E$},
        "order @$order: the http reader's canonical is http://");
    is($got{https}[0], "https://localhost$path",
        "order @$order: the https reader's canonical is https://");
    is($got{https}[1], $got{https}[0], "order @$order: og:url likewise");
    touch();
}

# news_base_url: the same bytes whatever the Host, absolute share links
{
    my @pages = map { $t->get_at($port{based}, $path, Host => $_) }
        ('localhost', 'evil.example', 'x' x 200 . '.example');
    is(canonical($pages[0]), "https://news.example.com$path",
        'base URL: the canonical names the configured site');
    is_deeply([ map { $_->{body} } @pages[1, 2] ],
        [ $pages[0]{body}, $pages[0]{body} ],
        'base URL: the same page for any Host');
    my $r = $t->get_at($port{based},
        "/html_News/NewsShare.html?infoCode=$code&utm_source=x",
        Host => 'backend:8080');
    is($r->{headers}{location}, "https://news.example.com$path?utm_source=x",
        'base URL: the share redirect names the site, not the backend');
}

# no base URL: a Host that is no name of the server gets the server's name
{
    my $r = $t->get($path, Host => 'made-up.example');
    like(canonical($r), qr{^http://localhost\Q$path\E$},
        'a made-up Host: the canonical names the server');
    $r = $t->get($path, Host => ('a' x 7000) . '.example');
    is($r->{status}, 200, 'a 7000-byte Host: 200');
    unlike($r->{body}, qr/a{100}/, 'a 7000-byte Host is not in the page');
}

# a server with no name: the Host is used (up to 255 bytes), uncached
{
    my $r = $t->get_at($port{nameless}, $path, Host => 'one.example');
    like(canonical($r), qr{^http://one\.example\Q$path\E$},
        'nameless server: the Host names the page');
    $r = $t->get_at($port{nameless}, $path, Host => 'two.example');
    like(canonical($r), qr{^http://two\.example\Q$path\E$},
        'nameless server: another Host, another page');
    $r = $t->get_at($port{nameless}, $path, Host => ('b' x 300) . '.example');
    like(canonical($r), qr{^http://localhost\Q$path\E$},
        'nameless server: a Host longer than a DNS name is not used');
}

done_testing;
