#!/usr/bin/perl

# Readership under faults: a shared zone too small for the keys counts the
# rest in readership_lost (and says so once); a broken MaxMind DB is either
# refused by nginx -t or read as ZZ with an error logged, never a crash; a
# readership database that cannot be written (no directory, locked) slows
# no page, and the counts arrive once it can be written again.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsMMDB;
use NewsReadership;
use POSIX ();
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
$t->skip_unless_built;
plan(skip_all => NewsMMDB::why_not()) unless NewsMMDB::available();

my $SHARED = $ENV{NEWS_SHARED} // $t->repo . '/../shared';
my $MAXMIND = "$SHARED/testdata/maxmind";

my $p = $t->prefix;
$t->db_init;
my @codes = $t->add_posts(map { { title => "post $_" } } 1 .. 40);
my @paths = map { "/xinhuawang/2022/03/04/$_.html" } @codes;
is($t->article_path($codes[0]), $paths[0], 'article paths as expected');

# 20 regions, one address each
my @REGIONS = qw(GB-ENG GB-SCT GB-WLS GB-NIR US-WA US-CA US-NY US-TX CN-22
    CN-11 CN-31 JP SE-E SE-AB DE-BE DE-BY FR-IDF BT BR-SP IN-MH);
my %net;
for my $i (0 .. $#REGIONS) {
    my ($c, $s) = split /-/, $REGIONS[$i];
    $net{"203.0.113.$i/32"} = { country => $c, subdivision => $s };
}
NewsMMDB::write("$p/regions.mmdb", \%net);

sub conf {
    my ($mmdb, $readership) = @_;
    return $t->conf_server('', http => <<"EOF");
    news_geoip_db $mmdb;
    news_readership $readership;
    news_timezone UTC;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
EOF
}

# GETs of @uris from one address on one connection, pipelined; their
# statuses
sub burst {
    my ($addr, @uris) = @_;
    my $req = '';
    for my $i (0 .. $#uris) {
        $req .= "GET $uris[$i] HTTP/1.1\r\nHost: localhost\r\n"
            . "X-Forwarded-For: $addr\r\n"
            . ($i == $#uris ? "Connection: close\r\n" : '') . "\r\n";
    }
    my $r = $t->raw($req);
    return $r->{raw} =~ m{^HTTP/1\.1 (\d{3})}mg;
}

###############################################################################

# a zone too small for 40 articles x 20 regions: what finds no room is
# lost, but counted.  A zone that fills flushes early, so the file is held
# locked meanwhile: no flush can empty the zone, and it fills once.

{
    my $rs = NewsReadership->new($t, "$p/small.db");
    $t->write_conf(conf("$p/regions.mmdb",
        'zone=r:32k db=%%PREFIX%%/small.db flush=60s'));
    $t->run;

    my $until = time + 5;
    sleep 0.05 until defined(($rs->try_sql('SELECT 1 FROM readership'))[0])
        || time > $until;
    my $lock = $rs->lock('BEGIN EXCLUSIVE');
    ok($lock, 'full zone: the file held locked');

    my @st;
    push @st, burst("203.0.113.$_", @paths) for 0 .. $#REGIONS;
    my $n = @paths * @REGIONS;
    is(scalar(grep { $_ == 200 } @st), $n, "full zone: $n pages 200");

    $rs->release($lock) if $lock;
    $t->stop;
    is($rs->total, $n, 'full zone: readership + readership_lost == requests');
    my $lost = $rs->lost;
    ok($lost > 0, "full zone: the zone filled ($lost lost)");
    is($rs->value('SELECT count(*) FROM readership WHERE count != 1;'), 0,
        'full zone: each article and region counted once');
    is($rs->value("SELECT count(*) FROM readership WHERE kind != 'view' "
        . 'OR bot != 0;'), 0, 'full zone: views of humans only');

    my @full = grep { /news:/ && /full/ } split /\n/, $t->error_log;
    is(scalar @full, 1, 'full zone: said once in the error log')
        or diag(join "\n", @full[0 .. ($#full > 4 ? 4 : $#full)]);
}

###############################################################################

# broken MaxMind DBs: refused by nginx -t, naming the file, or read as ZZ;
# either way never a crash

# our own database, broken two ways, for when ../shared is missing
{
    my %own = (
        '81.2.69.142/32' => { country => 'GB', subdivision => 'ENG' },
        '2001:218::/32' => { country => 'JP' },
        '175.16.199.0/24' => { country => 'CN', subdivision => '22' },
    );
    NewsMMDB::write("$p/good.mmdb", \%own);
    my $db = $t->read_file('good.mmdb');
    my $sep = index($db, "\0" x 16);
    my $meta = rindex($db, "\xab\xcd\xefMaxMind.com");
    die "cannot find the sections of good.mmdb\n"
        unless $sep > 0 && $sep % 6 == 0 && $meta > $sep;

    # the root node's records point past the data: a corrupt search tree
    (my $tree = $db) =~ s/^.{48}/"\xff" x 48/se;
    $t->write_file('own-tree.mmdb', $tree);

    # the records point at garbage: invalid data
    my $data = $db;
    substr($data, $sep + 16, $meta - $sep - 16)
        = "\xff" x ($meta - $sep - 16);
    $t->write_file('own-data.mmdb', $data);
}

# each probe address reads one article, so that its region is known
my @PROBES = ('81.2.69.142', '1.1.1.1', '2001:218::1', '175.16.199.1');
my %REAL = ('81.2.69.142' => 'GB-ENG', '2001:218::1' => 'JP',
    '175.16.199.1' => 'CN-22');

# how each database breaks: "open" (libmaxminddb cannot open it), "lookup"
# (looking a probe up, or its country, fails), "right" (the country and
# subdivision of a probe read as they should, only other fields are
# broken), "none" (its records have no country: ZZ without an error)
my @broken = (["$p/own-tree.mmdb", 'lookup'], ["$p/own-data.mmdb", 'lookup']);
if (-d $MAXMIND) {
    my %how = (
        'bad-unicode-in-map-key' => 'lookup',
        'cyclic-data-structure' => 'open',
        'invalid-bytes-length' => 'open',
        'invalid-data-record-offset' => 'open',
        'invalid-map-key-length' => 'open',
        'invalid-string-length' => 'open',
        'libmaxminddb-corrupt-search-tree' => 'none',
        'libmaxminddb-deep-array-nesting' => 'none',
        'libmaxminddb-deep-nesting' => 'none',
        'libmaxminddb-empty-array-last-in-metadata' => 'none',
        'libmaxminddb-empty-map-last-in-metadata' => 'none',
        'libmaxminddb-metadata-marker-only' => 'open',
        'libmaxminddb-offset-integer-overflow' => 'open',
        'libmaxminddb-oversized-array' => 'none',
        'libmaxminddb-oversized-map' => 'lookup',
        'libmaxminddb-separator-record-max-left' => 'lookup',
        'libmaxminddb-separator-record-min-left' => 'lookup',
        'libmaxminddb-separator-record-min-right' => 'none',
        'libmaxminddb-uint64-max-epoch' => 'none',
        'metadata-is-an-uint128' => 'open',
        'unexpected-bytes' => 'open',
    );
    for my $f (sort glob "$MAXMIND/bad/*.mmdb") {
        my ($name) = $f =~ m{([^/]+)\.mmdb$};
        push @broken, [$f, $how{$name} // 'none'];
    }
    push @broken, ["$MAXMIND/GeoIP2-City-Test-Broken-Double-Format.mmdb",
        'right'];
    push @broken, ["$MAXMIND/GeoIP2-City-Test-Invalid-Node-Count.mmdb",
        'open'];
} else {
    diag("no $MAXMIND: only our own broken databases");
}

my $i = 0;
for my $case (@broken) {
    my ($file, $how) = @$case;
    my ($name) = $file =~ m{([^/]+)$};
    $i++;

    $t->write_conf(conf($file,
        "zone=r:1m db=%%PREFIX%%/broken$i.db flush=60s"));
    my ($rc, $out) = $t->test_conf;
    if ($rc != 0) {
        like($out, qr/\Q$file\E/, "$name: nginx -t refuses it, naming it");
        next;
    }

    my $mark = $t->log_mark;
    $t->run;
    my @st = map { $t->get($paths[$_], 'X-Forwarded-For' => $PROBES[$_])
        ->{status} } 0 .. $#PROBES;
    $t->stop;
    is("@st", join(' ', (200) x @PROBES), "$name: pages 200");

    # each probe's article under ZZ, or its real region where the record
    # reads right
    my $rs = NewsReadership->new($t, "$p/broken$i.db");
    my %got = $rs->hash("SELECT info_code || ' ' || region, sum(count) "
        . 'FROM readership GROUP BY 1;');
    my @bad;
    for my $k (sort keys %got) {
        my ($code, $region) = split / /, $k;
        my ($j) = grep { $codes[$_] eq $code } 0 .. $#PROBES;
        next if defined $j && $got{$k} == 1 && ($region eq 'ZZ'
            || ($how eq 'right' && $region eq ($REAL{$PROBES[$j]} // '')));
        push @bad, "$k=$got{$k}";
    }
    is($rs->total, scalar @PROBES, "$name: every page counted");
    is("@bad", '', "$name: counted under ZZ");

    my $log = $t->error_log_since($mark);
    like($log, qr/news:/, "$name: an error logged")
        if $how eq 'open' || $how eq 'lookup';
    unlike($log, qr/exited on signal/, "$name: no worker crashed");
    unlike($log, qr/\[alert\]/, "$name: no alerts");
}

###############################################################################

# the readership database cannot be created: its directory is a file (so
# that root, who may write anywhere, cannot either); the pages do not
# wait, and the counts arrive once the directory is there

my @nodirs = ('file');
push @nodirs, 'readonly' if $> != 0;

for my $kind (@nodirs) {
    my $dir = "$p/no-$kind";
    if ($kind eq 'file') {
        $t->write_file($dir, "a file\n");
    } else {
        mkdir $dir or die "mkdir: $!\n";
        chmod 0555, $dir or die "chmod: $!\n";
    }

    my $rs = NewsReadership->new($t, "$dir/readership.db");
    $t->write_conf(conf("$p/regions.mmdb",
        "zone=r:1m db=$dir/readership.db flush=200ms"));
    my ($rc, $out) = $t->test_conf;
    if ($rc != 0) {
        like($out, qr/\Q$dir\/readership.db\E/,
            "no directory ($kind): nginx -t refuses it, naming it");
        next;
    }

    my $mark = $t->log_mark;
    $t->run;
    my ($slowest, @st) = (0);
    for my $n (1 .. 5) {
        my $t0 = time;
        push @st, $t->get($paths[$n], 'X-Forwarded-For' => '203.0.113.0')
            ->{status};
        my $d = time - $t0;
        $slowest = $d if $d > $slowest;
        sleep 0.1;
    }
    is("@st", '200 200 200 200 200', "no directory ($kind): pages 200");
    ok($slowest < 0.5, "no directory ($kind): pages fast")
        or diag("slowest ${slowest}s");

    my $deadline = time + 2;
    sleep 0.05 until $t->error_log_since($mark) =~ /news:.*\Qno-$kind\E/
        || time > $deadline;
    like($t->error_log_since($mark), qr/news:.*\Qno-$kind\E/,
        "no directory ($kind): the error logged, naming the path");

    if ($kind eq 'file') {
        unlink $dir or die "unlink: $!\n";
        mkdir $dir or die "mkdir: $!\n";
    } else {
        chmod 0755, $dir or die "chmod: $!\n";
    }
    ok($rs->wait_total(5, 4), "no directory ($kind): counts arrive after")
        or diag('total ' . $rs->last_total);
    $t->stop;
    is($rs->total, 5, "no directory ($kind): exactly, after quit");
}

###############################################################################

# the readership database locked by another writer for a while

{
    my $db = "$p/locked.db";
    my $rs = NewsReadership->new($t, $db);
    $t->write_conf(conf("$p/regions.mmdb",
        'zone=r:1m db=%%PREFIX%%/locked.db flush=200ms'));
    $t->run;

    is($t->get($paths[0], 'X-Forwarded-For' => '203.0.113.1')->{status}, 200,
        'locked: a first page');
    ok($rs->wait_total(1), 'locked: the database written before');

    my $lock = $rs->lock('BEGIN EXCLUSIVE');
    ok($lock, 'locked: another process holds the lock');

    my ($slowest, @st) = (0);
    my $t0 = time;
    for my $n (1 .. 10) {
        my $t1 = time;
        push @st, $t->get($paths[$n], 'X-Forwarded-For' => '203.0.113.1')
            ->{status};
        my $d = time - $t1;
        $slowest = $d if $d > $slowest;
        sleep 0.05;
    }
    # several flush periods with the lock held
    sleep 0.05 while time < $t0 + 0.8;
    is("@st", join(' ', (200) x 10), 'locked: pages 200');
    ok($slowest < 0.5, 'locked: pages fast') or diag("slowest ${slowest}s");

    $rs->release($lock) if $lock;
    ok($rs->wait_total(11, 4), 'locked: the counts arrive after')
        or diag('total ' . $rs->last_total);
    sleep 0.4;
    is($rs->total, 11, 'locked: none counted twice');
    is($rs->value("SELECT sum(count) FROM readership WHERE region = 'GB-SCT'"
        . " AND kind = 'view' AND bot = 0;"), 11, 'locked: by region');

    $t->stop;
    is($rs->total, 11, 'locked: exactly, after quit');
}

done_testing;
