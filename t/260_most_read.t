#!/usr/bin/perl

# {{most_read}} (news_most_read): the most viewed articles from real
# counted views, human views only, over the last day or week, of all
# readers or of the reader's region; refreshed into shared memory by the
# flush with no reload, and the cached pages forgotten when it changes; a
# deleted post leaves it at once; escaped, valid HTML5; what nginx -t
# refuses.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsMMDB;
use NewsReadership;
use POSIX qw(strftime);
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
$t->skip_unless_built;
plan(skip_all => NewsMMDB::why_not()) unless NewsMMDB::available();

my $BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 '
    . '(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
my $GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; '
    . '+http://www.google.com/bot.html)';
my %ADDR = (GB => '81.2.69.142', JP => '2001:218::1');

my $p = $t->prefix;
$t->db_init;
my @c = $t->add_posts(
    { title => 'Alpha', date => '2022-03-01 10:00:00 +0800' },
    { title => 'Bravo', date => '2022-03-02 10:00:00 +0800' },
    { title => '<script>alert("x")</script> & Charlie',
      date => '2022-03-03 10:00:00 +0800' },
    { title => 'Delta', date => '2022-03-04 10:00:00 +0800' },
    { title => 'Echo', date => '2022-03-05 10:00:00 +0800' },
    { title => 'Reader', date => '2022-03-06 10:00:00 +0800' });
my ($ca, $cb, $cc, $cd, $ce, $cr) = @c;
NewsMMDB::write("$p/city.mmdb", {
    '81.2.69.142/32' => { country => 'GB', subdivision => 'ENG' },
    '2001:218::/32' => { country => 'JP' },
});

$t->write_conf($t->conf_server(<<'EOF',
        location = /regional {
            news_index;
            news_most_read period=1d count=3 region;
        }
EOF
    index => 'news_most_read period=7d count=3;',
    article => 'news_most_read period=1d count=3;',
    http => <<"EOF"));
    news_geoip_db $p/city.mmdb;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    news_readership zone=readers:1m db=%%PREFIX%%/readership.db flush=200ms;
    news_most_read_refresh 1s;
    news_timezone UTC;
EOF

my $rs = NewsReadership->new($t, "$p/readership.db");
$t->run;

my %path = map { $_ => $t->article_path($_) } @c;
my %title = ($ca => 'Alpha', $cb => 'Bravo', $cd => 'Delta', $ce => 'Echo',
    $cr => 'Reader', $cc => '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
        . ' &amp; Charlie');
my %code_of = reverse %title;

sub hit {
    my ($code, $from, $n, $ua) = @_;
    my @st;
    for (1 .. $n) {
        push @st, $t->get($path{$code}, 'User-Agent' => $ua || $BROWSER,
            'X-Forwarded-For' => $ADDR{$from})->{status};
    }
    return join ' ', @st;
}

# the list on a page: the codes in order, from the links' paths; undef
# without a list.  Asked as a bot: a look is no human view of its own.
sub listed {
    my ($uri, $from) = @_;
    my $r = $t->get($uri, 'User-Agent' => $GOOGLEBOT,
        $from ? ('X-Forwarded-For' => $ADDR{$from}) : ());
    my ($ol) = $r->{body} =~ m{<ol class="most-read">(.*?)</ol>}s;
    return undef unless defined $ol;
    my @codes = $ol =~ m{<li><a href="/[^"]*/([A-Z0-9]+)\.html">}g;
    return join ' ', @codes;
}

# waits up to $secs for the list on $uri to be $want
sub wait_list {
    my ($uri, $from, $want, $secs) = @_;
    my $deadline = time + ($secs || 6);
    my $got;
    while (1) {
        $got = listed($uri, $from);
        return (1, $got) if defined $got && $got eq $want;
        return (0, $got) if time >= $deadline;
        sleep 0.2;
    }
}

# nothing counted yet: no list, the heading hidden by the theme
my $r = $t->get($path{$cr}, 'User-Agent' => $GOOGLEBOT);
is($r->{status}, 200, 'article before any view');
unlike($r->{body}, qr/class="most-read"/, 'no list while nothing is known');
like($r->{body}, qr{<h2>阅读排行</h2>\s*</section>},
    'the heading alone, which the theme hides');
$t->valid_html($r->{body}, 'article without a list: valid HTML5');

# views: A 5, B 3, C 2 from GB; D 4 from JP; E 9 by a bot
is(hit($ca, 'GB', 5), join(' ', (200) x 5), 'views of A');
is(hit($cb, 'GB', 3), join(' ', (200) x 3), 'views of B');
is(hit($cc, 'GB', 2), join(' ', (200) x 2), 'views of C');
is(hit($cd, 'JP', 4), join(' ', (200) x 4), 'views of D');
is(hit($ce, 'GB', 9, $GOOGLEBOT), join(' ', (200) x 9), 'bot views of E');
ok($rs->wait_total(5 + 3 + 2 + 4 + 9 + 1), 'the views reached the file')
    or diag('total ' . $rs->last_total);

my ($ok, $got) = wait_list($path{$cr}, 'GB', "$ca $cd $cb");
ok($ok, 'article: the 3 most read of the day, bots left out')
    or diag("got: " . ($got // 'no list'));

$r = $t->get($path{$cr}, 'User-Agent' => $GOOGLEBOT);
like($r->{body}, qr{<ol class="most-read">\n<li><a href="/xinhuawang/2022/03/01/$ca\.html">Alpha</a></li>\n},
    'a link to the article with its title');
$t->valid_html($r->{body}, 'article with a list: valid HTML5');

# the index's is the week's: an old day counts there and not in the day's
my $old = strftime('%Y-%m-%d', gmtime(time - 3 * 86400));
my $older = strftime('%Y-%m-%d', gmtime(time - 10 * 86400));
$rs->sql("INSERT INTO readership VALUES ('other-node', '$old', '$cb',"
    . " 'GB-ENG', 'view', 0, 50), ('other-node', '$older', '$ce',"
    . " 'GB-ENG', 'view', 0, 500), ('other-node', '$old', '$ce',"
    . " 'GB-ENG', 'view', 1, 900), ('other-node', '$old', '$ce',"
    . " 'GB-ENG', 'share', 0, 900);");

($ok, $got) = wait_list('/', undef, "$cb $ca $cd");
ok($ok, 'index: the week, 3 days ago counted, 10 days ago not, '
    . 'nor bots or shares') or diag("got: " . ($got // 'no list'));
($ok, $got) = wait_list($path{$cr}, undef, "$ca $cd $cb", 1);
ok($ok, 'article: the day, 3 days ago not counted')
    or diag("got: " . ($got // 'no list'));
$t->valid_html($t->get('/', 'User-Agent' => $GOOGLEBOT)->{body},
    'index with a list: valid HTML5');

# the region's own: GB readers see GB's, JP readers JP's, from one
# location, each cached apart
is(listed('/regional', 'GB'), "$ca $cb $cc", 'region: GB-ENG readers');
is(listed('/regional', 'JP'), $cd, 'region: JP readers');
is(listed('/regional', 'GB'), "$ca $cb $cc", 'region: GB-ENG again');
is(listed('/regional'), undef, 'region: a reader of no known region');

# hostile titles are escaped
$r = $t->get('/regional', 'X-Forwarded-For' => $ADDR{GB},
    'User-Agent' => $GOOGLEBOT);
like($r->{body}, qr{\Q>$title{$cc}</a></li>\E}, 'a hostile title escaped');
unlike($r->{body}, qr{<script>alert}, 'no script from a title');
$t->valid_html($r->{body}, 'regional index: valid HTML5');

# more views change the list without a reload, within the refresh
is(hit($cc, 'GB', 8), join(' ', (200) x 8), 'C read more');
my $t0 = time;
($ok, $got) = wait_list($path{$cr}, undef, "$cc $ca $cd", 8);
ok($ok, 'the list follows the views, no reload')
    or diag("got: " . ($got // 'no list'));
cmp_ok(time - $t0, '<', 4, 'within the refresh, a flush and a second');

# a deleted post leaves it on the next request (the content DB changed),
# and the next in line takes its place
$t->sql("UPDATE posts SET status = 'deleted' WHERE info_code = '$cc';");
is(listed($path{$cr}), "$ca $cd $cb", 'deleted: gone at once');
$t->sql("UPDATE posts SET status = 'draft' WHERE info_code = '$ca';");
is(listed($path{$cr}), "$cd $cb", 'a draft: gone; nothing past the kept');

# what nginx -t refuses
for my $bad (['news_most_read period=2d;', qr/invalid parameter "period=2d"/],
    ['news_most_read count=0;', qr/invalid value "count=0"/],
    ['news_most_read count=51;', qr/invalid value "count=51"/],
    ['news_most_read region nope;', qr/invalid parameter "nope"/])
{
    my $t2 = NewsTest->new;
    $t2->db_init;
    $t2->write_conf($t2->conf_server('', article => $bad->[0],
        http => "news_readership zone=r:1m db=%%PREFIX%%/rs.db;"));
    my ($rc, $out) = $t2->test_conf;
    ok($rc && $out =~ $bad->[1], "nginx -t refuses $bad->[0]")
        or diag($out);
}

my $t3 = NewsTest->new;
$t3->db_init;
$t3->write_conf($t3->conf_server('', article => 'news_most_read;'));
my ($rc, $out) = $t3->test_conf;
ok($rc && $out =~ /"news_most_read" needs "news_readership"/,
    'nginx -t: no most read without readership') or diag($out);

$t3->write_conf($t3->conf_server('', article => 'news_most_read off;'));
($rc, $out) = $t3->test_conf;
is($rc, 0, 'news_most_read off needs nothing') or diag($out);

done_testing;
