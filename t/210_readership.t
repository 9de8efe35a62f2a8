#!/usr/bin/perl

# Readership counts (news_readership): article views and share redirects by
# region, human or bot, flushed from the shared zone to the readership
# database; exact after a flush period, after reloads and after quit;
# never a raw address in the files; the node name and the day in
# news_timezone on every row.  The values nginx -t refuses are
# t/005_config.t's.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsMMDB;
use NewsReadership;
use POSIX qw(strftime);
use Sys::Hostname qw(hostname);
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
$t->skip_unless_built;
plan(skip_all => NewsMMDB::why_not()) unless NewsMMDB::available();

my $BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 '
    . '(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
my $GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; '
    . '+http://www.google.com/bot.html)';

my %ADDR = (
    GB => '81.2.69.142',
    JP => '2001:218::1',
    JP2 => '2001:218:5::77',
    US => '216.160.83.56',
);

# what the tests of this file share: the posts, the GeoIP DB, the config
sub setup {
    my ($t, $http) = @_;
    my $p = $t->prefix;
    $t->db_init;
    my @codes = $t->add_posts(map { { title => "post $_" } } 1 .. 3);
    NewsMMDB::write("$p/city.mmdb", {
        '81.2.69.142/32' => { country => 'GB', subdivision => 'ENG' },
        '216.160.83.56/32' => { country => 'US', subdivision => 'WA' },
        '2001:218::/32' => { country => 'JP' },
    });
    $t->write_conf(conf($t, $http));
    return @codes;
}

sub conf {
    my ($t, $http) = @_;
    my $p = $t->prefix;
    return $t->conf_server(<<'EOF', http => <<"EOF2");
        location = /soff { news_share; news_share_redirect off; }
EOF
    news_geoip_db $p/city.mmdb;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    $http
EOF2
}

# one request from a region (a key of %ADDR, or undef: 127.0.0.1), with a
# User-Agent; its status
sub hit {
    my ($t, $uri, $from, $ua, %h) = @_;
    $h{'X-Forwarded-For'} = $ADDR{$from} if defined $from;
    $h{'User-Agent'} = $ua || $BROWSER;
    my $method = delete $h{-method} || 'GET';
    return $t->request($method, $uri, %h)->{status};
}

# the UTC dates a request made between $t0 and now could be filed under,
# in a zone $offset hours east
sub days {
    my ($t0, $offset) = @_;
    my %d = map { strftime('%Y-%m-%d', gmtime($_ + $offset * 3600)) => 1 }
        $t0, time;
    return keys %d;
}

###############################################################################

# the counts, flushed every 200ms

my $rs = NewsReadership->new($t, $t->prefix . '/readership.db');
my ($ca, $cb, $cc) = setup($t, <<'EOF');
    news_readership zone=readers:1m db=%%PREFIX%%/readership.db flush=200ms;
    news_timezone UTC;
    news_node test-node-1;
EOF
my $t0 = time;
$t->run;

my $pa = $t->article_path($ca);
my $pb = $t->article_path($cb);
my $pc = $t->article_path($cc);
my $share = '/html_News/NewsShare.html?infoCode=';

my @st;
push @st, hit($t, $pa, 'GB') for 1 .. 4;
push @st, hit($t, $pb, 'GB') for 1 .. 3;
push @st, hit($t, $pa, $_ % 2 ? 'JP' : 'JP2') for 1 .. 5;
push @st, hit($t, $pa, 'GB', $GOOGLEBOT) for 1 .. 3;
is("@st", join(' ', (200) x 15), 'article views: 200');

is(hit($t, "$share$cb", 'US'), 302, 'share redirect');
is(hit($t, "$share$cb", 'US'), 302, 'share redirect again');
is(hit($t, "$share$cb", 'US', 'Twitterbot/1.0'), 302, 'share redirect, bot');
is(hit($t, "/soff?infoCode=$ca", 'JP'), 200, 'share rendered: a view');

# a 304 is a view as well
my $r = $t->get($pb, 'X-Forwarded-For' => $ADDR{JP}, 'User-Agent' => $BROWSER);
is($r->{status}, 200, 'view before a conditional one');
is(hit($t, $pb, 'JP', undef, 'If-None-Match' => $r->{headers}{etag} // '"x"'),
    304, 'conditional view: 304');

# none of these is counted
is(hit($t, $pa, 'GB', undef, -method => 'HEAD'), 200, 'HEAD: 200');
is(hit($t, $pa =~ s/\Q$ca\E/NW20220304999999/r, 'GB'), 404,
    'unknown article: 404');
is(hit($t, "${share}NW20220304999999", 'US'), 404, 'unknown share: 404');
is(hit($t, "${share}nope", 'US'), 400, 'bad share: 400');
is(hit($t, '/', 'GB'), 200, 'index: 200');
is(hit($t, '/category/xinhuawang.html', 'GB'), 200, 'category: 200');

# the default bot pattern, from 127.0.0.1 (ZZ) on the third post
my @bots = ('Mozilla/5.0 (compatible; bingbot/2.0; '
        . '+http://www.bing.com/bingbot.htm)',
    'Mozilla/5.0 (compatible; Baiduspider/2.0; '
        . '+http://www.baidu.com/search/spider.html)',
    'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)',
    'facebookexternalhit/1.1 '
        . '(+http://www.facebook.com/externalhit_uatext.php)',
    'Twitterbot/1.0',
    'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
    'WhatsApp/2.23.20.0 A',
    'TelegramBot (like TwitterBot)',
    'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
    'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient '
        . '+http://www.linkedin.com)',
    'SomeNewCrawler/0.1',
    'my-little-spider',
    'AcmeBOT',
    $GOOGLEBOT);
my @humans = ($BROWSER,
    'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) '
        . 'AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 '
        . 'Mobile/15E148 Safari/604.1');
hit($t, $pc, undef, $_) for @bots, @humans;

# 4 + 3 + 5 + 3 views from GB and JP, 3 shares, 1 rendered share, a 200
# and a 304, then the third post's
my $total = 15 + 3 + 1 + 2 + @bots + @humans;
ok($rs->wait_total($total), "flushed: $total requests counted")
    or diag('total ' . $rs->last_total);

my %want_views = (
    "$ca GB-ENG" => '4|3',
    "$cb GB-ENG" => '3|0',
    "$ca JP" => '6|0',
    "$cb JP" => '2|0',
    "$cc ZZ" => scalar(@humans) . '|' . scalar(@bots),
);
my %views = $rs->hash("SELECT info_code || ' ' || region, views, bot_views "
    . 'FROM article_region_views;');
is_deeply(\%views, \%want_views, 'article_region_views exact');

my %regions = $rs->hash('SELECT region, views, bot_views FROM region_views;');
is_deeply(\%regions, { 'GB-ENG' => '7|3', JP => '8|0',
    ZZ => scalar(@humans) . '|' . scalar(@bots) }, 'region_views exact');

my %shares = $rs->hash("SELECT info_code || ' ' || region, clicks, "
    . 'bot_clicks FROM article_region_shares;');
is_deeply(\%shares, { "$cb US-WA" => '2|1' }, 'article_region_shares exact');

is($rs->value('SELECT group_concat(DISTINCT node) FROM readership;'),
    'test-node-1', 'news_node on every row');
my @utc = days($t0, 0);
like($rs->value('SELECT group_concat(DISTINCT day) FROM readership;'),
    qr/^(?:${\ join '|', @utc})$/, 'news_timezone UTC: the UTC day');
is($rs->value('SELECT count(*) FROM readership_lost;'), 0, 'nothing lost');

is($rs->value('PRAGMA application_id;'), 1314150990,
    'readership db: application_id');
is($rs->value('PRAGMA user_version;'), 1, 'readership db: user_version');

# a few flush periods later, nothing was added twice
sleep 0.6;
is($rs->total, $total, 'no count flushed twice');

is_deeply([$rs->raw_addresses(values %ADDR)], [],
    'no raw address in the files while running');

# a reload with counts pending, then quit: still exact

@st = ();
push @st, hit($t, $pa, 'US') for 1 .. 3;
ok($t->reload, 'reload');
push @st, hit($t, $pa, 'US') for 1 .. 2;
is("@st", '200 200 200 200 200', 'views around the reload: 200');
$t->stop;
$total += 5;
is($rs->total, $total, 'after a reload and quit: exact total');
is($rs->value("SELECT views FROM article_region_views "
    . "WHERE info_code = '$ca' AND region = 'US-WA';"), 5,
    'after a reload and quit: the new views');

is_deeply([$rs->raw_addresses(values %ADDR)], [],
    'no raw address in the files after quit');

###############################################################################

# a flush period longer than the test: only reload and quit write

my $t2 = NewsTest->new(name => 'reloads');
my $rs2 = NewsReadership->new($t2, $t2->prefix . '/readership.db');
($ca, $cb) = setup($t2, <<'EOF');
    news_readership zone=readers:1m db=%%PREFIX%%/readership.db flush=60s;
    news_node node-2;
EOF
$t2->run;
$pa = $t2->article_path($ca);
$pb = $t2->article_path($cb);

hit($t2, $pa, 'GB') for 1 .. 5;
sleep 0.3;
is($rs2->total, 0, 'flush=60s: nothing written yet');

ok($t2->reload, 'reload with 5 pending');
ok($rs2->wait_total(5), 'reload flushed the 5') or diag($rs2->last_total);

hit($t2, $pa, 'JP') for 1 .. 4;
ok($t2->reload, 'reload with 4 more pending');
ok($rs2->wait_total(9), 'second reload flushed them, once')
    or diag($rs2->last_total);

hit($t2, $pb, 'GB', $GOOGLEBOT) for 1 .. 3;
$t2->stop;
is($rs2->total, 12, 'quit flushed the last 3');

%views = $rs2->hash("SELECT info_code || ' ' || region, views, bot_views "
    . 'FROM article_region_views;');
is_deeply(\%views, { "$ca GB-ENG" => '5|0', "$ca JP" => '4|0',
    "$cb GB-ENG" => '0|3' }, 'reloads: article_region_views exact');

# started and stopped again without a request: nothing added
$t2->run;
$t2->stop;
is($rs2->total, 12, 'a restart adds nothing');

is_deeply([$rs2->raw_addresses(values %ADDR)], [],
    'reloads: no raw address in the files');

###############################################################################

# the day in news_timezone, the node by default the host name, a bot
# pattern of one's own

my %day;
for my $tz ('+14:00', '-12:00', 'local') {
    my $tt = NewsTest->new(name => "news_timezone $tz");
    my $rt = NewsReadership->new($tt, $tt->prefix . '/readership.db');
    my ($code) = setup($tt, <<"EOF");
    news_readership zone=readers:1m db=%%PREFIX%%/readership.db flush=60s;
    news_timezone $tz;
    news_bot_pattern "curious-reader|\\(x11;";
EOF
    my $path = $tt->article_path($code);

    # "local" is the server's: 14 hours east of UTC here
    my $t1 = time;
    {
        local $ENV{TZ} = 'EAST-14';
        $tt->run;
    }
    hit($tt, $path, 'GB', 'Curious-Reader/2.0');
    hit($tt, $path, 'GB', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0');
    hit($tt, $path, 'GB', $GOOGLEBOT);
    $tt->stop;

    my $offset = $tz eq '-12:00' ? -12 : 14;
    my @want = days($t1, $offset);
    $day{$tz} = $rt->value('SELECT group_concat(DISTINCT day) '
        . 'FROM readership;');
    like($day{$tz}, qr/^(?:${\ join '|', @want})$/,
        "news_timezone $tz: the day $offset hours from UTC");

    is_deeply({ $rt->hash('SELECT region, views, bot_views '
        . 'FROM region_views;') }, { 'GB-ENG' => '1|2' },
        "news_bot_pattern ($tz): its own pattern, case-insensitive");

    next unless $tz eq 'local';
    # nginx keeps the host name in lower case
    is(lc $rt->value('SELECT group_concat(DISTINCT node) FROM readership;'),
        lc hostname(), 'news_node: the host name by default');
}
isnt($day{'+14:00'}, $day{'-12:00'}, '+14:00 and -12:00: different days');

done_testing;
