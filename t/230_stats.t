#!/usr/bin/perl

# The stats endpoint (news_stats): JSON by default, an HTML page with an
# SVG bar chart on ?format=html; regions, articles by region and the top
# articles from the readership database, filtered by infoCode, region and
# a day range; 400 for bad parameters.  The counts are those flushed:
# pages read here and rows of other nodes and days put in the database.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsMMDB;
use NewsReadership;
use JSON::PP;
use POSIX qw(strftime);
use Time::HiRes qw(time);

my $t = NewsTest->new;
$t->skip_unless_built;
plan(skip_all => NewsMMDB::why_not()) unless NewsMMDB::available();

my $p = $t->prefix;
$t->db_init;
my ($A, $B, $C, @T) = $t->add_posts(map { { title => "post $_" } } 1 .. 28);

NewsMMDB::write("$p/city.mmdb", {
    '81.2.69.142/32' => { country => 'GB', subdivision => 'ENG' },
    '216.160.83.56/32' => { country => 'US', subdivision => 'WA' },
    '2001:218::/32' => { country => 'JP' },
});

$t->write_conf($t->conf_server(<<'EOF', http => <<"EOF2"));
        location = /stats {
            allow 127.0.0.1;
            deny all;
            news_stats;
        }
EOF
    news_geoip_db $p/city.mmdb;
    news_readership zone=readers:1m db=%%PREFIX%%/readership.db flush=200ms;
    news_timezone UTC;
    news_node n1;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
EOF2
my $t0 = time;
$t->run;

my $rs = NewsReadership->new($t, "$p/readership.db");
my $GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; '
    . '+http://www.google.com/bot.html)';

# pages read now: (info code, address, user agent) a time
my @live = (
    ([$A, '81.2.69.142']) x 3,
    [$A, '81.2.69.142', $GOOGLEBOT],
    ([$B, '2001:218::1']) x 2,
    [$A, '2001:218::7'],
);
for my $v (@live) {
    my ($code, $addr, $ua) = @$v;
    $t->get($t->article_path($code), 'X-Forwarded-For' => $addr,
        'User-Agent' => $ua // 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121');
}
$t->get("/html_News/NewsShare.html?infoCode=$B",
    'X-Forwarded-For' => '216.160.83.56') for 1 .. 2;
ok($rs->wait_total(9), 'the pages read are flushed')
    or diag('total ' . $rs->last_total);

my $today = $rs->value('SELECT group_concat(DISTINCT day) FROM readership;');
my %utc = map { strftime('%Y-%m-%d', gmtime $_) => 1 } $t0, time;
ok($utc{$today}, "the pages read today ($today)");

# the rows as the module should have them, and rows of another node and
# other days: [day, info_code, region, kind, bot, count]
my @rows = (
    [$today, $A, 'GB-ENG', 'view', 0, 3],
    [$today, $A, 'GB-ENG', 'view', 1, 1],
    [$today, $B, 'JP', 'view', 0, 2],
    [$today, $A, 'JP', 'view', 0, 1],
    [$today, $B, 'US-WA', 'share', 0, 2],
);
my @other = (
    ['2020-01-01', $A, 'GB-ENG', 'view', 0, 10],
    ['2020-01-02', $A, 'CN-22', 'view', 0, 5],
    ['2020-01-02', $B, 'CN-22', 'view', 1, 4],
    ['2020-01-03', $B, 'US-WA', 'view', 0, 2],
    ['2020-01-03', $B, 'US-WA', 'share', 0, 7],
    # 25 articles read in one region, and one only crawled there
    (map { ['2019-06-01', $T[$_], 'SE-E', 'view', 0, $_ + 1] } 0 .. $#T),
    ['2019-06-01', $C, 'SE-E', 'view', 1, 1000],
    # a region that must be escaped in HTML
    ['2019-06-02', $C, 'Q<b>&', 'view', 0, 1],
);
is($rs->value("SELECT group_concat(x, ',') FROM (SELECT info_code || '/' "
    . "|| region || '/' || kind || '/' || bot || '/' || count AS x "
    . 'FROM readership ORDER BY 1);'),
    join(',', sort map { join '/', @$_[1 .. 5] } @rows),
    'the module\'s rows');

$rs->sql('BEGIN;' . join('', map { sprintf("INSERT INTO readership VALUES "
    . "('other', '%s', '%s', '%s', '%s', %d, %d);", @$_) } @other)
    . 'COMMIT;');
push @rows, @other;

# what the endpoint should answer for a filter, from @rows
sub expect {
    my (%f) = @_;
    my (%reg, %art, %top);
    for my $r (@rows) {
        my ($day, $code, $region, $kind, $bot, $n) = @$r;
        next unless $kind eq 'view';
        next if defined $f{infoCode} && $code ne $f{infoCode};
        next if defined $f{region} && $region ne $f{region};
        next if defined $f{from} && $day lt $f{from};
        next if defined $f{to} && $day gt $f{to};
        my $k = $bot ? 'bot_views' : 'views';
        $reg{$region}{$k} += $n;
        $art{"$code $region"}{$k} += $n;
        $top{$code} += $bot ? 0 : $n;
    }
    return (\%reg, \%art, \%top);
}

sub get_json {
    my ($q) = @_;
    my $r = $t->get("/stats$q");
    my $data = eval { JSON::PP->new->utf8->decode($r->{body}) };
    return ($r, $data);
}

# the answer for a query string and its filter, all lists checked
sub check {
    my ($q, %f) = @_;
    my ($r, $d) = get_json($q);
    my $name = "stats$q";

    is($r->{status}, 200, "$name: 200");
    like($r->{headers}{'content-type'} // '', qr{^application/json\b},
        "$name: application/json");
    ok($d, "$name: JSON") or return diag($@ // '', $r->{body});

    for my $k (qw(from to info_code region)) {
        my $given = $f{$k eq 'info_code' ? 'infoCode' : $k};
        is($d->{$k}, $given, "$name: $k echoed");
    }

    my ($reg, $art, $top) = expect(%f);

    my @regions = @{ $d->{regions} || [] };
    is_deeply({ map { $_->{region} => "$_->{views}/$_->{bot_views}" }
        @regions }, { map { $_ => ($reg->{$_}{views} // 0) . '/'
        . ($reg->{$_}{bot_views} // 0) } keys %$reg }, "$name: regions");
    is(scalar @regions, scalar keys %$reg, "$name: each region once");
    ok(sorted_desc(map { $_->{views} } @regions),
        "$name: regions, most views first");

    my @articles = @{ $d->{articles} || [] };
    is_deeply({ map { "$_->{info_code} $_->{region}"
        => "$_->{views}/$_->{bot_views}" } @articles },
        { map { $_ => ($art->{$_}{views} // 0) . '/'
        . ($art->{$_}{bot_views} // 0) } keys %$art }, "$name: articles");
    is(scalar @articles, scalar keys %$art, "$name: each article once");

    # ties may come in any order: the views, in order, and each article's
    my @top = @{ $d->{top} || [] };
    my @want = grep { $_ } sort { $b <=> $a } values %$top;
    splice(@want, 20) if @want > 20;
    is(join(' ', grep { $_ } map { $_->{views} } @top), "@want",
        "$name: top views");
    ok(@top <= 20, "$name: top, 20 at most");
    my @wrong = grep { ($top->{$_->{info_code}} // -1) != $_->{views} } @top;
    is(scalar @wrong, 0, "$name: top, each article's views");
    my %seen;
    is(scalar(grep { $seen{$_->{info_code}}++ } @top), 0,
        "$name: top, each article once");

    return $d;
}

sub sorted_desc {
    my @v = @_;
    for my $i (1 .. $#v) {
        return 0 if $v[$i] > $v[$i - 1];
    }
    return 1;
}

###############################################################################

# JSON

my $d = check('');
is($d->{regions}[0]{region}, 'SE-E', 'stats: SE-E has most views');
is($d->{top}[0]{info_code}, $T[-1], 'stats: the most read article first');
ok(!grep({ $_->{info_code} eq $C } @{ $d->{top} }),
    'stats: an article only bots read is not in the top');

check('?format=json');
check("?infoCode=$A", infoCode => $A);
check("?infoCode=$B&format=json", infoCode => $B);
check('?region=GB-ENG', region => 'GB-ENG');
check('?region=SE-E', region => 'SE-E');
check('?region=CN-22', region => 'CN-22');
check('?from=2020-01-02&to=2020-01-03', from => '2020-01-02',
    to => '2020-01-03');
check('?from=2020-01-02&to=2020-01-02', from => '2020-01-02',
    to => '2020-01-02');
check('?from=2020-01-01', from => '2020-01-01');
check('?to=2020-01-01', to => '2020-01-01');
check("?from=$today&to=$today", from => $today, to => $today);
check("?infoCode=$B&region=US-WA", infoCode => $B, region => 'US-WA');
check("?region=JP&from=$today", region => 'JP', from => $today);

# a filter nothing matches
$d = check('?infoCode=NW20990101000001', infoCode => 'NW20990101000001');
is_deeply([@$d{qw(regions articles top)}], [[], [], []],
    'stats: nothing for an unknown article');
check('?from=2030-01-01', from => '2030-01-01');

# bad parameters

for my $q ('?from=2026-13-45', '?to=2026-13-45', '?from=20260101',
    '?from=2026-1-1', '?region=%3Cscript%3E', '?region=<script>',
    '?infoCode=nope', '?infoCode=%3Cscript%3E', '?format=xml',
    '?format=html%3Cscript%3E')
{
    my $r = $t->get("/stats$q");
    is($r->{status}, 400, "stats$q: 400");
    unlike($r->{body}, qr/<script/i, "stats$q: not echoed");
}

###############################################################################

# HTML

sub check_html {
    my ($q, %f) = @_;
    my $r = $t->get("/stats$q");
    my $name = "stats$q";
    is($r->{status}, 200, "$name: 200");
    like($r->{headers}{'content-type'} // '',
        qr{^text/html;\s*charset=utf-8$}i, "$name: html");
    my $html = $r->{body};
    like($html, qr/<svg\b/, "$name: an svg chart");
    unlike($html, qr/<script/i, "$name: no script");

    my ($reg) = expect(%f);
    my @rects = $html =~ /<rect\b/g;
    is(scalar @rects, scalar keys %$reg, "$name: a rect per region");
    my @missing = grep { index($html, esc($_)) < 0 } sort keys %$reg;
    is("@missing", '', "$name: every region named");
    return $html;
}

sub esc {
    my ($s) = @_;
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    return $s;
}

my $html = check_html('?format=html');
unlike($html, qr/Q<b>/, 'stats html: a region escaped');
check_html('?format=html&region=GB-ENG', region => 'GB-ENG');
check_html("?format=html&from=2020-01-01&to=2020-01-03", from => '2020-01-01',
    to => '2020-01-03');

# the stats read the database: a row added there is in the next answer
$rs->sql("INSERT INTO readership VALUES "
    . "('other', '2020-01-01', '$A', 'BT', 'view', 0, 6);");
push @rows, ['2020-01-01', $A, 'BT', 'view', 0, 6];
check('?region=BT', region => 'BT');

done_testing;
