#!/usr/bin/perl

# The Debian packages, as "make deb" built them (make test-package runs
# this with TEST_NEWS_DEB_DIR): unpacked with dpkg-deb -x, the packaged
# module loaded by Debian's nginx in a private prefix and its core pages
# checked, the packaged newsctl importing the seed post, the packaged
# templates used; the module's package depends on the nginx ABI it was
# built against, and its load snippet names it; the man pages render with
# no warning; the systemd timers are installed, not enabled.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use NewsTest ();

my $DIR = $ENV{TEST_NEWS_DEB_DIR};
plan(skip_all => 'the packages are tested by "make test-package" '
    . '(TEST_NEWS_DEB_DIR)') unless $DIR;

my ($mod_deb) = glob("$DIR/libnginx-mod-http-news_*.deb");
my ($tools_deb) = glob("$DIR/news-tools_*.deb");
ok($mod_deb && $tools_deb, 'both packages were built')
    or BAIL_OUT("no packages in $DIR");

my $root = tempdir(CLEANUP => 1);
for my $deb ($mod_deb, $tools_deb) {
    is(system('dpkg-deb', '-x', $deb, $root), 0, "dpkg-deb -x $deb");
}

my $so = "$root/usr/lib/nginx/modules/ngx_http_news_module.so";
my $newsctl = "$root/usr/bin/newsctl";
ok(-f $so, 'the module in /usr/lib/nginx/modules');
ok(-x $newsctl, 'newsctl in /usr/bin');

# the ABI and the load snippet dh_nginx made
my ($abi) = `dpkg-query -W -f='\${Provides}' nginx-common nginx 2>/dev/null`
    =~ /(nginx-abi-[\w.~+-]+)/;
my $depends = `dpkg-deb -f '$mod_deb' Depends`;
if ($abi) {
    like($depends, qr/\Q$abi\E/,
        "the module's package depends on $abi, this nginx's ABI");
} else {
    like($depends, qr/nginx-abi-/, 'the module depends on an nginx ABI');
}
like($depends, qr/libsqlite3-0/, 'and on libsqlite3');
like($depends, qr/libmaxminddb0/, 'and on libmaxminddb');
my ($snippet) = glob("$root/usr/share/nginx/modules-available/*news*.conf");
ok($snippet, 'a load snippet in modules-available');
like(`cat '$snippet'`, qr{load_module modules/ngx_http_news_module\.so;},
    'which loads the module') if $snippet;

# the rest of news-tools
ok(-f "$root/usr/share/news/sql/schema.sql", 'the schema in /usr/share/news');
ok(-f "$root/usr/share/news/sql/postgresql/schema.sql",
    'the central PostgreSQL schema');
ok(-f "$root/usr/share/news/templates/article.html",
    'the default templates, as examples');
for my $unit (qw(news-publish news-ship-readership news-check)) {
    ok(-f "$root/usr/lib/systemd/system/$unit.timer"
        && -f "$root/usr/lib/systemd/system/$unit.service",
        "the $unit timer and service");
}
my $control = tempdir(CLEANUP => 1);
system('dpkg-deb', '-e', $tools_deb, $control);
my $scripts = join '', map { `cat '$_'` } glob("$control/post*");
unlike($scripts, qr/deb-systemd-helper enable|systemctl.*start/,
    'no timer enabled or started on installation');

for my $page ("$root/usr/share/man/man1/newsctl.1.gz",
    "$root/usr/share/man/man5/ngx_http_news_module.5.gz")
{
    ok(-f $page, "man page $page");
    my $warn = `MANWIDTH=80 man --warnings -l '$page' 2>&1 >/dev/null`;
    is($warn, '', "$page renders with no warning");
}
# every directive the module defines (its command tables) has its section
my $man = `zcat '$root/usr/share/man/man5/ngx_http_news_module.5.gz'`;
my %sections = map { $_ => 1 } map { split /, / }
               $man =~ /^\.SS (news_\w+(?:, news_\w+)*)$/mg;
my $src = join '', map { local (@ARGV, $/) = $_; <> }
          grep { !/variables/ } glob(NewsTest::repo() . '/ngx_news_module/*.c');
my @directives = sort keys %{{ map { $_ => 1 }
                 $src =~ /\{ ngx_string\("(news_\w+)"\),\n\s+NGX_HTTP_/g }};
ok(@directives > 30, scalar(@directives) . ' directives in the source');
is(join(' ', grep { !$sections{$_} } @directives), '',
    'each has its section in ngx_http_news_module(5)');

# make install, PREFIX=/usr/local into a DESTDIR
SKIP: {
    my $inst = $ENV{TEST_NEWS_INSTALL_DIR};
    skip 'no make install to look at (TEST_NEWS_INSTALL_DIR)', 6
        unless $inst;
    my $u = "$inst/usr/local";
    ok(-f "$u/lib/nginx/modules/ngx_http_news_module.so",
        'make install: the module in PREFIX/lib/nginx/modules');
    ok(-x "$u/bin/newsctl", 'make install: newsctl in PREFIX/bin');
    ok(-f "$u/share/news/sql/schema.sql", 'make install: the SQL');
    ok(-f "$u/share/man/man5/ngx_http_news_module.5"
        && -f "$u/share/man/man1/newsctl.1", 'make install: the man pages');
    ok(-f "$u/lib/systemd/system/news-check.timer",
        'make install: the units');
    ok(-f "$u/etc/default/news-tools",
        'make install: the units\' settings under PREFIX/etc');
}

# the packaged module and newsctl, the packaged templates, the seed
$ENV{TEST_NEWS_MODULE} = $so;
$ENV{TEST_NEWS_NEWSCTL} = $newsctl;
$ENV{TEST_NEWS_TEMPLATES} = "$root/usr/share/news/templates";

my $t = NewsTest->new;

my $SHARED = $ENV{NEWS_SHARED} // $t->repo . '/../shared';
my ($seed) = grep { -f } "$SHARED/seeds/000_8b4145f71217bda2.txt",
    $t->repo . '/sample/posts/000_8b4145f71217bda2.txt';

$t->db_init;
$t->import_posts($seed);
my $code = 'NW202203042297567012';
my $path = $t->article_path($code);
ok($path, "the packaged newsctl imported the seed ($seed)");

$t->write_conf($t->conf_server);
$t->run;

my $r = $t->get($path);
is($r->{status}, 200, 'the packaged module serves the article');
like($r->{body}, qr/<h1[^>]*>[^<]+<\/h1>/, 'with its title');
my $s = $t->get("/html_News/NewsShare.html?infoCode=$code");
is($s->{status}, 302, 'the share link redirects');
like($s->{headers}{location} // '', qr/\Q$path\E$/, 'to the article');
is($t->get('/')->{status}, 200, 'the home page');
is($t->get('/html_News/NewsShare.html?infoCode=bad')->{status}, 400,
    'a bad code: 400');

$t->stop;
$t->end_checks;

done_testing();
