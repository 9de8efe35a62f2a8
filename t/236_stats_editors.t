#!/usr/bin/perl

# The stats page as editors read it: regions by their names in the site's
# language (learned from the MaxMind DB when readers are counted, kept in
# the readership file's region_names), falling back to English, then to
# the code; posts by their titles, linked to their articles and escaped;
# a trend of views a day for a from/to range, zero days included; the
# range form; zh-CN and en texts; bad dates 400 with one log line.  And
# "newsctl merge-readership" carries the names along.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsMMDB;
use NewsReadership;
use JSON::PP;
use Encode qw(decode encode);

my $t = NewsTest->new;
$t->skip_unless_built;
plan(skip_all => NewsMMDB::why_not()) unless NewsMMDB::available();

my $p = $t->prefix;
$t->db_init;

my $EVIL = 'Flood <script>alert(1)</script> & "rain"';
my ($A, $B) = $t->add_posts({ title => $EVIL }, { title => '长春的春天' });
my $GONE = 'NW20200101000009';      # counted, not in the content DB

sub u { decode('UTF-8', $_[0]) }    # this file's bytes as characters

NewsMMDB::write("$p/city.mmdb", {
    '175.16.199.0/24' => { country => 'CN', subdivision => '22',
        country_names => { en => 'China', 'zh-CN' => u('中国') },
        subdivision_names => { en => 'Jilin Sheng', 'zh-CN' => u('吉林') } },
    '81.2.69.142/32' => { country => 'GB', subdivision => 'ENG',
        subdivision_names => { en => 'England' } },
    '2001:218::/32' => { country => 'JP',
        country_names => { en => 'Japan', 'zh-CN' => u('日本'),
            ja => u('日本国') } },
    # a record with no names at all: the code is all there is
    '192.0.2.0/24' => { data => { country => { iso_code => 'FR' } } },
});

$t->write_conf($t->conf_server(<<'EOF', http => <<"EOF2"));
        location = /stats {
            news_stats;
        }
        location = /en/stats {
            news_language en;
            news_stats;
        }
        location = /ja/stats {
            news_language ja;
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
$t->run;

my $rs = NewsReadership->new($t, "$p/readership.db");

# readers: A from Jilin (3), England (1), Japan (1), France (1); B from
# Jilin (2)
my @reads = (([$A, '175.16.199.7']) x 3, [$A, '81.2.69.142'],
    [$A, '2001:218::5'], [$A, '192.0.2.1'], ([$B, '175.16.199.9']) x 2);
for my $v (@reads) {
    my $r = $t->get($t->article_path($v->[0]), 'X-Forwarded-For' => $v->[1],
        'User-Agent' => 'Mozilla/5.0 Firefox/121');
    is($r->{status}, 200, "read $v->[0] from $v->[1]");
}
ok($rs->wait_total(scalar @reads), 'the views are flushed')
    or diag('total ' . $rs->last_total);

###############################################################################

# the names, as the flush wrote them with the counts

is(u($rs->sql('SELECT region, lang, name FROM region_names '
    . 'ORDER BY region, lang;')), join('', map { "$_\n" }
    'CN-22|en|Jilin Sheng', u('CN-22|zh-CN|吉林'), 'GB-ENG|en|England',
    'JP|en|Japan', u('JP|ja|日本国'), u('JP|zh-CN|日本')),
    'region_names: each region\'s names, once a language; none for FR');

# rows for the trend: other days, and one of a post the content DB lacks
my $today = $rs->value('SELECT max(day) FROM readership;');
$rs->sql(q{INSERT INTO readership VALUES
    ('n2', '2020-01-01', '} . $A . q{', 'CN-22', 'view', 0, 5),
    ('n2', '2020-01-01', '} . $A . q{', 'CN-22', 'view', 1, 2),
    ('n2', '2020-01-03', '} . $B . q{', 'JP', 'view', 0, 3),
    ('n2', '2020-01-03', '} . $GONE . q{', 'GB-ENG', 'view', 0, 4),
    ('n2', '2020-01-03', '} . $B . q{', 'JP', 'share', 0, 9),
    ('n2', '2019-12-31', '} . $A . q{', 'CN-22', 'view', 0, 7);});

sub page {
    my ($uri) = @_;
    my $r = $t->get($uri);
    is($r->{status}, 200, "$uri: 200");
    like($r->{headers}{'content-type'} // '',
        qr{^text/html;\s*charset=utf-8$}i, "$uri: html");
    return $r->{body};
}

sub json {
    my ($uri) = @_;
    my $r = $t->get($uri);
    my $d = eval { JSON::PP->new->utf8->decode($r->{body}) };
    ok($d, "$uri: JSON") or diag($@ // '', $r->{body});
    return $d || {};
}

my $html = page('/stats?format=html');
like($html, qr/<html lang="zh-CN">/, 'zh-CN: lang');
like($html, qr/<meta name="viewport" content="width=device-width/,
    'zh-CN: viewport');
like($html, qr{<title>阅读统计 - [^<]+</title>}, 'zh-CN: the title in Chinese');
like($html, qr/每日阅读量/, 'zh-CN: the trend in Chinese');
like($html, qr{<td>吉林 <small>CN-22</small></td>},
    'zh-CN: a region by its Chinese name, its code beside');
like($html, qr{<td>日本 <small>JP</small></td>}, 'zh-CN: a country');
like($html, qr{<td>England <small>GB-ENG</small></td>},
    'zh-CN: no Chinese name, the English one');
like($html, qr{<td><small>FR</small></td>}, 'zh-CN: no name, the code');
like($html, qr{<text x="0" y="\d+">吉林<title>CN-22</title></text>},
    'zh-CN: the chart names the region');
unlike($html, qr/640px|width="640"/, 'no fixed 640 px');
like($html, qr/<svg [^>]*viewBox="0 0 640 \d+" width="100%"/,
    'the charts scale to the page');
unlike($html, qr/<script/i, 'no script anywhere');

$html = page('/en/stats?format=html');
like($html, qr/<html lang="en">/, 'en: lang');
like($html, qr{<title>Readership - [^<]+</title>}, 'en: the title');
like($html, qr/Human views a day/, 'en: the trend');
like($html, qr{<td>Jilin Sheng <small>CN-22</small></td>},
    'en: the English name');
like($html, qr{<td>Japan <small>JP</small></td>}, 'en: a country');

$html = page('/ja/stats?format=html');
like($html, qr{<td>日本国 <small>JP</small></td>},
    'ja: a name in another language of the file');
like($html, qr{<td>Jilin Sheng <small>CN-22</small></td>},
    'ja: none in it, the English one');

my $d = json('/stats');
my %names = map { $_->{region} => $_->{name} } @{ $d->{regions} || [] };
is_deeply(\%names, { 'CN-22' => u('吉林'), JP => u('日本'),
    'GB-ENG' => 'England', FR => undef }, 'JSON: regions\' names');
ok(!grep({ !exists $_->{name} } @{ $d->{articles} || [] }),
    'JSON: articles have the region\'s name');
$d = json('/en/stats');
is({ map { $_->{region} => $_->{name} } @{ $d->{regions} || [] }}
    ->{'CN-22'}, 'Jilin Sheng', 'JSON in English: the English name');

###############################################################################

# titles, linked and escaped

my $esc = 'Flood &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;rain&quot;'
    . "</a> <small>$A</small>";
$html = page('/stats?format=html');
my ($pa, $pb) = map { $t->article_path($_) } $A, $B;
like($html, qr{<a href="http://[^/"]+\Q$pa\E">\Q$esc\E},
    'a title linked to its article, escaped');
like($html, qr{<a href="http://[^/"]+\Q$pb\E">长春的春天</a>},
    'a Chinese title');
like($html, qr{<td>\Q$GONE\E</td>}, 'a post not in the database: its code');
unlike($html, qr/<script>alert/, 'the title\'s markup never raw');

# the link goes where the article is
my ($href) = $html =~ m{<a href="http://[^/"]+([^"]+)">Flood};
is($t->get($href)->{status}, 200, 'the link leads to the article');

###############################################################################

# the trend: a range, a point a day with its count, days without as 0

$html = page('/stats?format=html&from=2020-01-01&to=2020-01-04');
my @points = $html =~ m{<circle [^>]*><title>([^<]*)</title></circle>}g;
is("@points", '2020-01-01: 5 2020-01-02: 0 2020-01-03: 7 2020-01-04: 0',
    'trend: human views each day of the range');
like($html, qr/<polyline points="[\d, ]+"/, 'trend: a line');

$d = json('/stats?from=2020-01-01&to=2020-01-04');
is(join(' ', map { "$_->{day}:$_->{views}/$_->{bot_views}" }
    @{ $d->{days} || [] }),
    '2020-01-01:5/2 2020-01-02:0/0 2020-01-03:7/0 2020-01-04:0/0',
    'JSON: days, human and bot views');

$d = json("/stats?infoCode=$B&from=2020-01-02&to=2020-01-05");
is(join(' ', map { "$_->{day}:$_->{views}" } @{ $d->{days} || [] }),
    '2020-01-02:0 2020-01-03:3 2020-01-04:0 2020-01-05:0',
    'JSON: days of one article');

# with no bound the range is the days with views, the last 366 at most
$d = json('/stats');
is($d->{days}[-1]{day}, $today, 'JSON: to the last day with views');
is(scalar @{ $d->{days} }, 366, 'JSON: 366 days at most');
$d = json('/stats?to=2020-01-05');
is($d->{days}[0]{day}, '2019-12-31', 'JSON: from the first day with views');
is($d->{days}[-1]{day}, '2020-01-05', 'JSON: to the last day asked for');

$d = json('/stats?from=2030-01-01');
is_deeply($d->{days}, [], 'JSON: no views, no days');
$html = page('/stats?format=html&from=2030-01-01');
like($html, qr/此范围内没有阅读记录/, 'trend: none in the range, said');


###############################################################################

# the form: GET, date fields with the range, the other filters kept

$html = page("/stats?format=html&infoCode=$A&region=CN-22&from=2020-01-01");
like($html, qr{<form method="get" class="range">}, 'form: GET');
like($html, qr{<input type="hidden" name="format" value="html">},
    'form: stays HTML');
like($html, qr{<input type="hidden" name="infoCode" value="$A">},
    'form: the article kept');
like($html, qr{<input type="hidden" name="region" value="CN-22">},
    'form: the region kept');
like($html, qr{<input type="date" name="from" value="2020-01-01">},
    'form: from');
like($html, qr{<input type="date" name="to" value="">}, 'form: to, empty');
like($html, qr{<button type="submit">查看</button>}, 'form: its button');

# a field left empty is no bound
$d = json('/stats?from=&to=2020-01-01');
is(join(' ', map { "$_->{day}:$_->{views}" } @{ $d->{days} || [] }),
    '2019-12-31:7 2020-01-01:5', 'an empty from: no bound');

# bad dates: 400, one line in the log each
for my $q ('from=2020-02-30', 'to=2020-13-01', 'from=yesterday',
    'to=2020-1-1', 'from=2020-01-01%3Cb%3E')
{
    my $mark = $t->log_mark;
    my $r = $t->get("/stats?format=html&$q");
    is($r->{status}, 400, "$q: 400");
    unlike($r->{body}, qr/<b>/, "$q: not echoed");
    my @lines = grep { /news:/ } split /\n/, $t->error_log_since($mark);
    is(scalar @lines, 1, "$q: one log line") or diag(join "\n", @lines);
    like($lines[0] // '', qr/\[info\].*invalid stats query/,
        "$q: at info, saying what");
}

###############################################################################

# newsctl merge-readership: the names come along, an old file gains them

my $old = "$p/all.db";
my ($rc, $out, $err) = $t->run_cmd(
    $t->read_file($t->repo . '/sql/readership.sql')
    . "DROP TABLE region_names;\n", $NewsTest::SQLITE3, $old);
die "sqlite3: $err" if $rc;
($rc, $out, $err) = $t->run_cmd('', $t->newsctl, 'merge-readership',
    '--into', $old, "$p/readership.db");
is($rc, 0, 'merge: into a file of before region_names') or diag($err);
my $all = NewsReadership->new($t, $old);
is($all->value('SELECT count(*) FROM region_names;'), 6,
    'merge: the names merged');
is(u($all->value("SELECT name FROM region_names WHERE region = 'CN-22' "
    . "AND lang = 'zh-CN';")), u('吉林'), 'merge: a name as it was');
($rc, $out, $err) = $t->run_cmd('', $t->newsctl, 'merge-readership',
    '--into', $old, "$p/readership.db");
is($all->value('SELECT count(*) FROM region_names;'), 6,
    'merge: again, no name twice');

done_testing;
