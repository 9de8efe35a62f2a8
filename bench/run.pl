#!/usr/bin/perl

# bench/run.pl: the benchmark behind "make bench".  Read bench/README.md
# first; in short:
#
#   1. data: objs/bench/db/news-<N>.db for each N of SIZES, built once and
#      reused (gen.pl + newsctl for 1000, derive.sql for more)
#   2. servers on 127.0.0.1, one worker each: (a) static files, (b) the
#      module with readership and GeoIP, (b') without them, (b0) with its
#      render cache off, (c) Lua peer, (d) PHP peer, and the module on
#      each larger data set
#   3. checks that they answer alike, times the module's first (uncached)
#      sitemaps and feed, warms each up, then drives each with wrk,
#      interleaved, for ROUNDS rounds; the median round counts
#   4. prints the table and writes it to objs/bench/results.md; stops
#      everything it started
#
# Environment: SIZES ("1000 100000 1000000"), ROUNDS (3), DURATION (5s),
# CONNECTIONS (16), WARMUP (2s), BENCH_KEEP=1 keeps objs/bench/run/.
# BENCH_DATA_ONLY=1: only step 1, without search indexes (bench/ir.pl).

use strict;
use warnings;
use utf8;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

use lib dirname(abs_path($0)) . '/lib';
use Bench qw(sh sql slurp spew warm_file write_addrs free_port spawn
             wait_port stop_pids proc_status children_of reset_hwm
             cpu_ticks busy_ticks median);

binmode STDOUT, ':encoding(UTF-8)';
binmode STDERR, ':encoding(UTF-8)';
$| = 1;

my $ROOT = abs_path(dirname(abs_path($0)) . '/..');
my $BENCH = "$ROOT/bench";
my $OUT = "$ROOT/objs/bench";
my $DBDIR = "$OUT/db";
my $RUN = "$OUT/run";

my %C = (
    sizes     => [sort { $a <=> $b } split ' ',
                  $ENV{SIZES} // '1000 100000 1000000'],
    rounds    => $ENV{ROUNDS} // 3,
    duration  => $ENV{DURATION} // '5s',
    warmup    => $ENV{WARMUP} // '2s',
    conns     => $ENV{CONNECTIONS} // 16,
    module    => $ENV{MODULE} // "$ROOT/objs/ngx_http_news_module.so",
    newsctl   => "$ROOT/objs/newsctl",
    nginx     => $ENV{NGINX} // '/usr/sbin/nginx',
    php_fpm   => $ENV{PHP_FPM} // '/usr/sbin/php-fpm8.2',
    base      => 1000,
    sample    => 100_000,
    max_pages => 10,
    host      => 'finews.bench',
    limit     => $ENV{BENCH_TIME_LIMIT} // 1500,
);

my $MAIN = $C{sizes}[0];
my $CLK_TCK = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;

my $START = time;
my (%SERVER, @ORDER, %RES);

# the servers of the main set that run the module-only tests too
my @MODULE_ONLY = ('b', 'b_off', 'b_nocache');

die "run.pl: SIZES must be numbers\n"
    if !@{$C{sizes}} || grep { !/^\d+$/ || $_ < 30 } @{$C{sizes}};
die "run.pl: ROUNDS must be 1 or more\n" unless $C{rounds} =~ /^[1-9]\d*$/;

# a whole run stays bounded: past the limit it stops what it started
$SIG{ALRM} = sub { die "run.pl: over $C{limit}s, stopping\n" };
$SIG{INT} = $SIG{TERM} = sub { die "run.pl: interrupted\n" };
alarm $C{limit};

END {
    my $rc = $?;
    stop_all();
    remove_tree($RUN, "$OUT/static") unless $ENV{BENCH_KEEP};
    $? = $rc;
}

preflight() unless $ENV{BENCH_DATA_ONLY};

say_("ngx_news_module benchmark: sizes @{$C{sizes}}, $C{rounds} rounds of "
     . "$C{duration}, $C{conns} connections, wrk -t1");

remove_tree($RUN, "$OUT/static");
make_path($RUN, $DBDIR);

# the module as built now, for the whole run: a rebuild meanwhile (make
# replaces the file) changes nothing here, and perf can name its symbols
sh("cp '$C{module}' '$RUN/ngx_http_news_module.so'");
$C{module_sum} = (split ' ', `sha1sum '$RUN/ngx_http_news_module.so'`)[0];
$C{module} = "$RUN/ngx_http_news_module.so";

my %DATA;
for my $n (@{$C{sizes}}) {
    my $why = cannot_build($n);

    if ($why) {
        say_("skipping $n articles: $why");
        $RES{skipped}{$n} = $why;
        next;
    }

    $DATA{$n} = dataset($n);
}

$C{sizes} = [grep { $DATA{$_} } @{$C{sizes}}];

exit 0 if $ENV{BENCH_DATA_ONLY};

Bench::make_mmdb($ROOT, "$RUN/geo.mmdb");
write_addrs("$RUN/addrs.txt");

for my $n (@{$C{sizes}}) {
    say_("warming the page cache with news-$n.db");
    warm_file($DATA{$n}{db});
}

url_lists($MAIN, 1);
url_lists($_, 0) for grep { $_ != $MAIN } @{$C{sizes}};

start_servers();
check_servers();
first_renders();
measure();
collect_rss();
profile() if $ENV{PROFILE};

my $table = report();
print "\n", $table;

open my $fh, '>:encoding(UTF-8)', "$OUT/results.md"
    or die "$OUT/results.md: $!\n";
print $fh $table;
close $fh;

say_(sprintf("done in %.0fs; the table is in objs/bench/results.md",
             time - $START));

exit 0;


sub say_ { print "bench: @_\n" }


sub preflight {
    my @missing;

    for my $f ($C{module}, $C{newsctl}, $C{nginx}, $C{php_fpm},
               '/usr/lib/nginx/modules/ngx_http_lua_module.so',
               '/usr/share/lua/5.1/DBI.lua',
               '/usr/lib/x86_64-linux-gnu/lua/5.1/dbd/sqlite3.so')
    {
        push @missing, $f unless -e $f;
    }

    for my $cmd (qw(wrk sqlite3)) {
        push @missing, $cmd
            unless grep { -x "$_/$cmd" } split /:/, $ENV{PATH};
    }

    push @missing, 'PHP sqlite3 extension'
        unless `php -m 2>/dev/null` =~ /^sqlite3$/m;

    push @missing, 'MaxMind::DB::Writer (libmaxmind-db-writer-perl)'
        unless eval { require MaxMind::DB::Writer::Tree; 1 };

    die "run.pl: missing: @missing (make bench installs them)\n" if @missing;
}


# --- data ---------------------------------------------------------------

sub schema_version {
    open my $fh, '<', "$ROOT/sql/schema.sql" or die "sql/schema.sql: $!\n";
    while (my $line = <$fh>) {
        return $1 if $line =~ /^\s*PRAGMA\s+user_version\s*=\s*(\d+)/i;
    }
    return 0;
}

# a set is reused when it holds N posts of the schema version the module
# expects now; anything else is built again
sub dataset {
    my ($n) = @_;
    my $db = "$DBDIR/news-$n.db";
    my $log = "$DBDIR/news-$n.log";
    my $want = schema_version();

    if (-e $db) {
        my ($v) = eval { sql($db, 'PRAGMA user_version') };
        my ($c) = eval { sql($db, 'SELECT count(*) FROM posts') };

        if ($v && $c && $v->[0] == $want && $c->[0] == $n) {
            my $how = -e $log ? slurp($log) : '';
            chomp $how;
            say_("news-$n.db: reused ($how)");
            return { db => $db, how => "$how, reused",
                     search => search_index($n, $db) };
        }

        say_("news-$n.db: not $n posts of schema $want, building again");
        unlink $db;
    }

    my $how;

    if ($n <= $C{base}) {
        my $posts = "$OUT/posts-$n";
        my $t0 = time;

        remove_tree($posts);
        sh("perl '$BENCH/gen.pl' --count $n --out '$posts'");
        my $t1 = time;

        sh("'$C{newsctl}' init --db '$db.tmp' >/dev/null");
        sh("cd '$posts' && ls | xargs '$C{newsctl}' import --db '$db.tmp'"
           . " >/dev/null");
        my $t2 = time;

        $how = sprintf('gen.pl %.1fs, newsctl import %.1fs',
                       $t1 - $t0, $t2 - $t1);

    } else {
        my $base = dataset_path($C{base});
        my $t0 = time;

        sh("cp '$base' '$db.tmp'");
        sh("sqlite3 -batch '$db.tmp' -cmd '.parameter set :n $n'"
           . " < '$BENCH/derive.sql' >/dev/null");

        $how = sprintf('derived from %d in SQL %.0fs', $C{base}, time - $t0);
    }

    rename "$db.tmp", $db or die "$db: $!\n";
    spew($log, "$how\n");
    say_("news-$n.db: built ($how)");

    return { db => $db, how => $how, search => search_index($n, $db) };
}

# the set's search index (news_search_index), made by newsctl reindex when
# it is missing or older than the set; its size and the time it took go
# to the report
sub search_index {
    my ($n, $db) = @_;

    return undef if $ENV{BENCH_DATA_ONLY};

    my $index = "$DBDIR/news-$n.search.db";
    my $log = "$DBDIR/news-$n.search.log";

    if (!-e $index || !-e $log || (stat $index)[9] < (stat $db)[9]) {
        unlink $index, "$index-wal", "$index-shm";
        my $t0 = time;
        sh("'$C{newsctl}' reindex --db '$db' --index '$index' >/dev/null");
        spew($log, sprintf("newsctl reindex %.0fs\n", time - $t0));
    }

    my $how = slurp($log);
    chomp $how;
    my $mb = ((-s $index) + (-s "$index-wal" // 0)) / (1 << 20);

    push @{$RES{checks}}, sprintf('%d articles: the search index is %.0f MB'
                                  . ' (%s)', $n, $mb, $how);
    say_("news-$n.search.db: $how, " . sprintf('%.0f MB', $mb));

    return $index;
}

# a set too big for the disk is left out, and the report says so
sub cannot_build {
    my ($n) = @_;

    return '' if -e "$DBDIR/news-$n.db" || $n <= $C{base};

    # 11 KB a post (10.9 GB for 1M here) and a margin of 2 GB
    my $need = $n * 11 * 1024 + (2 << 30);
    my ($avail) = `df -Pk '$DBDIR'` =~ /\n\S+\s+\d+\s+\d+\s+(\d+)/;

    return '' unless defined $avail;
    return sprintf('it needs about %.1f GB on the disk of objs/bench, '
                   . '%.1f GB are free', $need / (1 << 30), $avail / (1 << 20))
        if $avail * 1024 < $need;

    return '';
}

sub dataset_path {
    my ($n) = @_;
    my $d = $DATA{$n} // dataset($n);
    $DATA{$n} = $d;
    return $d->{db};
}

# the paths wrk asks for: every article of a set (a sample of
# $C{sample} of a larger one), every category's pages up to
# $C{max_pages}, and for the main set the articles' share links (the
# sitemaps' paths come from the servers: first_renders())
sub url_lists {
    my ($n, $main) = @_;
    my $db = $DATA{$n}{db};

    my $where = $n > $C{sample}
        ? "WHERE p.id IN (SELECT id FROM posts ORDER BY"
          . " (id * 2654435761) % 1000003 LIMIT $C{sample})"
        : '';

    my @posts = sql($db, "SELECT c.slug, replace(substr(p.published_at, 1,"
                         . " 10), '-', '/'), p.info_code FROM posts p"
                         . " JOIN categories c ON c.id = p.category_id"
                         . " $where ORDER BY p.id");

    spew("$RUN/article-$n.txt",
         join('', map { "/$_->[0]/$_->[1]/$_->[2].html\n" } @posts));

    $DATA{$n}{articles} = [map { "/$_->[0]/$_->[1]/$_->[2].html" } @posts];

    spew("$RUN/share.txt",
         join('', map { "/html_News/NewsShare.html?infoCode=$_->[2]\n" }
                  @posts))
        if $main;

    # a category page lists its descendants' posts too: as many as
    # category_listing files under it (news_category_descendants)
    my @cats = sql($db, "SELECT c.slug, (SELECT count(*)"
                        . " FROM category_listing cl"
                        . " WHERE cl.category_id = c.id"
                        . " AND cl.published_ts <= unixepoch())"
                        . " FROM categories c ORDER BY c.id");
    my @pages;

    for my $c (@cats) {
        my $last = int(($c->[1] + 19) / 20) || 1;
        $last = $C{max_pages} if $last > $C{max_pages};
        push @pages, map { "/category/$c->[0].html?page=$_" } 1 .. $last;
    }

    # the larger sets' category pages are the module's only, the row the
    # sitemaps there are compared with
    spew($main ? "$RUN/category.txt" : "$RUN/category-$n.txt",
         join('', map { "$_\n" } @pages));
    $DATA{$n}{pages} = \@pages;
}


# --- servers ------------------------------------------------------------

sub conf_text {
    my ($name, %v) = @_;

    $v{TEMPLATES} //= "$ROOT/conf/templates";
    $v{MODULE} //= $C{module};
    $v{HOST} //= $C{host};

    return Bench::fill_conf($BENCH, $name, %v);
}

sub start_nginx {
    my ($key, %s) = @_;
    my $prefix = "$RUN/$key";

    make_path($prefix);

    my $port = free_port();
    my $conf = conf_text($s{conf}, %{$s{vars} // {}}, PREFIX => $prefix,
                         PORT => $port);

    spew("$prefix/nginx.conf", $conf);

    my $pid = spawn($C{nginx}, '-p', "$prefix/", '-c', "$prefix/nginx.conf",
                    '-e', "$prefix/error.log");

    $SERVER{$key} = { %s, key => $key, port => $port, pid => $pid,
                      prefix => $prefix };

    wait_port($port, $pid, "nginx for $key");

    return $SERVER{$key};
}

sub start_php {
    my $prefix = "$RUN/php";
    make_path($prefix);

    my ($user, $group) = $> == 0 ? ('root', 'root')
                                 : (scalar getpwuid($>), scalar getgrgid($)));

    spew("$prefix/php-fpm.conf",
         conf_text('php-fpm.conf', PREFIX => $prefix, PHPUSER => $user,
                   PHPGROUP => $group));

    my @cmd = ($C{php_fpm}, '-F', '-y', "$prefix/php-fpm.conf");
    push @cmd, '-R' if $> == 0;

    my $pid = spawn(@cmd);
    my $until = time + 15;

    until (-S "$prefix/php-fpm.sock") {
        die "run.pl: php-fpm exited at start, see $prefix/php-fpm.log\n"
            if waitpid($pid, WNOHANG) == $pid;
        die "run.pl: php-fpm did not start\n" if time > $until;
        sleep 0.05;
    }

    return $pid;
}

sub start_servers {
    my $db = $DATA{$MAIN}{db};
    my $readership = "    news_geoip_db $RUN/geo.mmdb;\n"
        . "    news_readership zone=readership:16m"
        . " db=%s/readership.db;\n";

    my %module = (conf => 'module.conf');

    my $search = $DATA{$MAIN}{search};

    start_nginx('b', %module, label => '(b) module',
                vars => { DB => $db, CACHE => '', SEARCH => $search,
                          READERSHIP => sprintf($readership, "$RUN/b") });

    start_nginx('b_off', %module, label => "(b') module, readership off",
                vars => { DB => $db, CACHE => '', READERSHIP => '',
                          SEARCH => $search });

    start_nginx('b_nocache', %module, label => '(b0) module, cache off',
                vars => { DB => $db, CACHE => '    news_cache off;',
                          SEARCH => $search,
                          READERSHIP => sprintf($readership,
                                                "$RUN/b_nocache") });

    for my $n (grep { $_ != $MAIN } @{$C{sizes}}) {
        start_nginx("b_$n", %module, label => "(b) module, $n",
                    vars => { DB => $DATA{$n}{db}, CACHE => '',
                              SEARCH => $DATA{$n}{search},
                              READERSHIP => sprintf($readership,
                                                    "$RUN/b_$n") });
    }

    make_static($SERVER{b}{port});

    start_nginx('a', conf => 'static.conf', label => '(a) static files',
                vars => { ROOT => "$OUT/static" });

    start_nginx('c', conf => 'lua.conf', label => '(c) Lua peer',
                vars => { DB => $db });

    my $php = start_php();

    start_nginx('d', conf => 'php.conf', label => '(d) PHP peer',
                vars => { DB => $db, PHPSOCK => "$RUN/php/php-fpm.sock" },
                php => $php);

    @ORDER = ('a', 'b', 'b_off', 'b_nocache', 'c', 'd');
}

sub stop_all {
    stop_pids(map { ($_->{pid}, $_->{php}) } values %SERVER);
    %SERVER = ();
}

# Bench::http_get with our Host
sub http_get {
    my ($port, $path, $more) = @_;
    return Bench::http_get($port, $C{host}, $path, $more);
}

# (a): what (b) renders, byte for byte, at the paths it was asked for
sub make_static {
    my ($port) = @_;
    my $root = "$OUT/static";
    my $t0 = time;
    my $n = 0;

    remove_tree($root);

    for my $path (@{$DATA{$MAIN}{articles}}, @{$DATA{$MAIN}{pages}}) {
        my ($status, $h, $body) = http_get($port, $path);

        die "run.pl: the module answered $status for $path\n"
            if $status != 200;

        my $file = $path;
        $file =~ s{^(/category/[^?]+)\?page=(\d+)$}{$1/$2.html};

        make_path(dirname("$root$file"));

        open my $fh, '>:raw', "$root$file" or die "$root$file: $!\n";
        print $fh $body;
        close $fh;
        $n++;
    }

    say_(sprintf('static tree: %d pages fetched from (b) in %.1fs', $n,
                 time - $t0));
}

# the peers must serve the same pages: same status, same redirects, and
# for pages the same bytes, or nearly (their JSON escapes may differ)
sub check_servers {
    my @arts = @{$DATA{$MAIN}{articles}};
    my @pages = @{$DATA{$MAIN}{pages}};
    my (@notes, %same, %near);
    my $n = 0;

    srand(11);

    for (1 .. 20) {
        my $art = $arts[int(rand(@arts))];
        my ($code) = $art =~ m{/([A-Z0-9]+)\.html$};
        my $page = $pages[int(rand(@pages))];

        my ($sb, undef, $ref) = http_get($SERVER{b}{port}, $art);
        my ($sc, undef, $cref) = http_get($SERVER{b}{port}, $page);

        for my $k (grep { $_ ne 'b' } @ORDER) {
            my ($st, $h, $body) = http_get($SERVER{$k}{port}, $art);
            die "run.pl: $SERVER{$k}{label} answered $st for $art\n"
                if $st != 200;
            $same{$k}++ if $body eq $ref;
            $near{$k}++ if abs(length($body) - length($ref))
                           <= 0.02 * length($ref);

            ($st, $h, $body) = http_get($SERVER{$k}{port}, $page);
            die "run.pl: $SERVER{$k}{label} answered $st for $page\n"
                if $st != 200;
            $same{"$k cat"}++ if $body eq $cref;

            next if $k eq 'a';

            ($st, $h) = http_get($SERVER{$k}{port},
                                 "/html_News/NewsShare.html?infoCode=$code");
            die "run.pl: $SERVER{$k}{label}: share link answered $st\n"
                if $st != 302;
            die "run.pl: $SERVER{$k}{label}: share link to $h->{location}\n"
                unless ($h->{location} // '') =~ m{\Q$art\E$};
        }

        $n++;
    }

    for my $k (grep { $_ ne 'b' } @ORDER) {
        push @notes, sprintf('%s: %d/%d article pages and %d/%d category '
                             . 'pages byte-identical to (b)',
                             $SERVER{$k}{label}, $same{$k} // 0, $n,
                             $same{"$k cat"} // 0, $n);
    }

    say_($_) for @notes;
    unshift @notes, @{$RES{checks} // []};
    $RES{checks} = \@notes;
}


# the module's sitemaps and feed, which no other server serves: their
# paths (/sitemap.xml, and its parts when it is an index), the time of
# each one's first request on a server that has not rendered it yet (an
# uncached render, the part starts found as after a change of the
# database) and of the next one (from the cache, or rendered again when
# the document is too big to keep), for (b) and the module on each larger
# set; and (b'), (b0) must send (b)'s bytes
sub first_renders {
    my @notes;

    for my $n (@{$C{sizes}}) {
        my $k = $n == $MAIN ? 'b' : "b_$n";
        my $port = $SERVER{$k}{port};
        my @rows;

        # the worker opens the database and prepares its statements on
        # its first request: not a sitemap's cost
        http_get($port, $DATA{$n}{articles}[0]);

        my $doc = sub {
            my ($path) = @_;
            my $t0 = time;
            my ($st, undef, $body) = http_get($port, $path);
            my $t1 = time;
            die "run.pl: $SERVER{$k}{label} answered $st for $path\n"
                if $st != 200;
            my $t2 = time;
            ($st) = http_get($port, $path);
            my $t3 = time;

            # as a crawler asks: compressed and kept when it is too big
            # as it is, then from the cache; so the sitemap test starts
            # with every document made once, as a crawl after a change
            my $gz = "Accept-Encoding: gzip\r\n";
            my (undef, $h, $zbody) = http_get($port, $path, $gz);
            my $t4 = time;
            http_get($port, $path, $gz);
            push @rows, [$path, length $body, 1000 * ($t1 - $t0),
                         1000 * ($t3 - $t2), length $zbody,
                         1000 * ($t4 - $t3), 1000 * (time - $t4)];
            return $body;
        };

        my $index = $doc->('/sitemap.xml');
        my @parts = $index =~ /<sitemapindex/
            ? $index =~ m{<loc>https?://[^/<]+(/sitemap-\d+\.xml)</loc>}g
            : ();

        die "run.pl: $SERVER{$k}{label}: /sitemap.xml is neither a sitemap"
            . " nor an index of parts\n"
            unless @parts || $index =~ /<urlset/;

        $doc->($_) for @parts;
        $doc->('/feed.xml');

        spew("$RUN/sitemap-$n.txt",
             join('', map { "$_\n" } '/sitemap.xml', @parts));
        $RES{first}{$k} = \@rows;

        push @notes, sprintf('%d articles: /sitemap.xml is %s',
                             $n, @parts ? sprintf('an index of %d parts',
                                                  scalar @parts)
                                        : 'a sitemap');
    }

    spew("$RUN/feed.txt", "/feed.xml\n");

    # the search test: 2-character Han queries, as most Chinese searches
    # are, from the set's titles (each finds a post at least), newest
    # first, the first page
    my %pairs;
    for my $row (sql($DATA{$MAIN}{db}, 'SELECT title FROM posts')) {
        $pairs{$1}++ while $row->[0] =~ /(?=(\p{Han}\p{Han}))/g;
    }
    my @pairs = sort keys %pairs;
    my @q = @pairs[map { int($_ * @pairs / 100) } 0 .. 99];
    spew("$RUN/search.txt", join('', map {
        my $b = $_;
        utf8::encode($b);
        $b =~ s/(.)/sprintf('%%%02X', ord $1)/ges;
        "/search?q=$b\n";
    } @q));

    for my $k ('b_off', 'b_nocache') {
        my $same = 0;
        my @paths = ('/sitemap.xml', '/feed.xml');

        for my $path (@paths) {
            my (undef, undef, $ref) = http_get($SERVER{b}{port}, $path);
            my ($st, undef, $body) = http_get($SERVER{$k}{port}, $path);
            $same++ if $st == 200 && $body eq $ref;
        }

        push @notes, sprintf('%s: %d/%d of /sitemap.xml and /feed.xml '
                             . 'byte-identical to (b)', $SERVER{$k}{label},
                             $same, scalar @paths);
    }

    say_($_) for @notes;
    push @{$RES{checks}}, @notes;
}


# --- measuring ----------------------------------------------------------

# each path of a list asked for once, in turn, with Accept-Encoding, as a
# crawler that has just fetched the sitemaps: the test then measures
# what answering them costs once they are made (what making one costs is
# the first-request table's), not a race of 16 connections to make them;
# the article and category tests before it may have evicted them
sub crawl {
    my ($key, $list, $encoding) = @_;

    for my $path (grep { length } split /\n/, slurp($list)) {
        http_get($SERVER{$key}{port}, $path,
                 "Accept-Encoding: $encoding\r\n");
    }
}

sub wrk {
    my ($key, $list, $duration, $seed, $timeout, $encoding) = @_;
    my $s = $SERVER{$key};

    my @cmd = ('wrk', '-t1', "-c$C{conns}", "-d$duration", '--latency',
               $timeout ? ('--timeout', $timeout) : (),
               '-s', "$BENCH/wrk.lua", "http://127.0.0.1:$s->{port}", '--',
               $list, "$RUN/addrs.txt", $seed, $C{host}, $encoding // '');

    my @pids = server_pids($s);

    # each run's own peak: a sitemap part (6 MB, rendered per request)
    # must not count as the memory the pages need
    reset_hwm(@pids);

    my $cpu0 = cpu_ticks(@pids);
    my $busy0 = busy_ticks();
    my (undef, undef, $cu0, $cs0) = times;
    my $t0 = time;

    open my $p, '-|', @cmd or die "run.pl: wrk: $!\n";
    my $out = join '', <$p>;
    close $p;

    my $wall = time - $t0;
    my (undef, undef, $cu1, $cs1) = times;
    my $cpu = (cpu_ticks(@pids) - $cpu0) / $CLK_TCK;
    my $busy = (busy_ticks() - $busy0) / $CLK_TCK;
    my $hwm = 0;
    $hwm += proc_status($_)->{VmHWM} // 0 for @pids;

    my ($line) = $out =~ /^BENCH (.*)$/m
        or die "run.pl: wrk gave no result for $key:\n$out\n";

    my %r = map { split /=/, $_, 2 } split ' ', $line;
    $r{hwm} = $hwm;

    # how busy the server's workers and wrk were: a server short of 100%
    # is waiting for the client, not the other way round
    $r{cpu} = 100 * $cpu / $wall;
    $r{wrk_cpu} = 100 * ($cu1 + $cs1 - $cu0 - $cs0) / $wall;

    # and what else the machine did meanwhile (other users, the kernel's
    # own threads): the numbers are only as good as this is small
    $r{other_cpu} = 100 * $busy / $wall - $r{cpu} - $r{wrk_cpu};
    $r{other_cpu} = 0 if $r{other_cpu} < 0;
    $r{cpu_us} = $r{requests} ? 1e6 * $cpu / $r{requests} : 0;
    my $errors = $r{connect} + $r{read} + $r{write} + $r{timeout};

    if ($r{status} || $errors) {
        warn "bench: $s->{label} on $list: $r{status} error statuses, "
            . "$errors socket errors\n";
        $r{bad} = 1;
    }

    return \%r;
}

sub server_pids {
    my ($s) = @_;
    return (children_of($s->{pid}), $s->{php} ? children_of($s->{php}) : ());
}

sub tests_of {
    my ($key) = @_;
    return (['article', "$RUN/article-$MAIN.txt"],
            ['share', "$RUN/share.txt"],
            ['category', "$RUN/category.txt"]);
}

# what only the module serves, on the set of $n articles: the sitemaps
# and the feed, and on the larger sets also articles and category pages
# (the row the sitemaps are compared with).  A part of 50,000 URLs is
# about 6 MB, too big for the render cache as it is: it is asked for
# with Accept-Encoding: gzip, as crawlers do, and kept compressed (some
# 500 KB); without gzip it is rendered on every request, and 16 of them
# queued behind one worker take longer than wrk's 2 s timeout
sub module_tests {
    my ($n) = @_;
    my @t = (['sitemap', "$RUN/sitemap-$n.txt", '30s', 'gzip'],
             ['feed', "$RUN/feed.txt"],
             ['search', "$RUN/search.txt"]);

    unshift @t, ['article', "$RUN/article-$n.txt"],
                ['category', "$RUN/category-$n.txt"]
        if $n != $MAIN;

    return @t;
}

sub measure {
    my @sizes = grep { $_ != $MAIN } @{$C{sizes}};

    say_("warming up each server for $C{warmup}");

    for my $k (@ORDER) {
        wrk($k, $_->[1], $C{warmup}, 1) for tests_of($k);
    }
    for my $k (@MODULE_ONLY) {
        wrk($k, $_->[1], $C{warmup}, 1, $_->[2], $_->[3])
            for module_tests($MAIN);
    }
    for my $n (@sizes) {
        wrk("b_$n", $_->[1], $C{warmup}, 1, $_->[2], $_->[3])
            for module_tests($n);
    }

    for my $round (1 .. $C{rounds}) {
        say_("round $round of $C{rounds}");

        for my $t (tests_of()) {
            my ($test, $list) = @$t;

            for my $k (@ORDER) {
                my $r = wrk($k, $list, $C{duration}, 100 + $round);
                push @{$RES{$k}{$test}}, $r;
                progress($test, $k, $r);
            }
        }

        for my $t (module_tests($MAIN)) {
            my ($test, $list, $timeout, $encoding) = @$t;

            for my $k (@MODULE_ONLY) {
                crawl($k, $list, $encoding) if $encoding;
                my $r = wrk($k, $list, $C{duration}, 100 + $round, $timeout,
                            $encoding);
                push @{$RES{$k}{$test}}, $r;
                progress($test, $k, $r);
            }
        }

        for my $n (@sizes) {
            my $k = "b_$n";

            for my $t (module_tests($n)) {
                my ($test, $list, $timeout, $encoding) = @$t;
                crawl($k, $list, $encoding) if $encoding;
                my $r = wrk($k, $list, $C{duration}, 100 + $round, $timeout,
                            $encoding);
                push @{$RES{$k}{$test}}, $r;
                progress($test, $k, $r);
            }
        }
    }
}

sub progress {
    my ($test, $k, $r) = @_;
    printf "  %-8s %-29s %7.0f req/s  p99 %7.2f ms  cpu: server %3.0f%%"
        . "  wrk %3.0f%%  other %3.0f%%\n",
        $test, $SERVER{$k}{label}, $r->{rps}, $r->{p99_us} / 1000, $r->{cpu},
        $r->{wrk_cpu}, $r->{other_cpu};
}

# PROFILE=1: after the rounds, one more run of each module test under
# perf record (cpu-clock: this machine has no hardware counters), and its
# hottest functions in objs/bench/perf-<server>-<test>.txt
sub profile {
    my @runs = (['b', 'article'], ['b', 'share'], ['b', 'category'],
                ['b_off', 'article'], ['b_nocache', 'article'],
                ['b_nocache', 'category']);
    my %list = map { $_->[0] => $_->[1] } tests_of();

    push @runs, map { ["b_$_", 'article'] } grep { $_ != $MAIN }
                                                @{$C{sizes}};

    for my $run (@runs) {
        my ($k, $test) = @$run;
        my ($worker) = children_of($SERVER{$k}{pid});
        my $data = "$RUN/perf-$k-$test.data";
        my $list = $k =~ /^b_(\d+)$/ ? "$RUN/article-$1.txt" : $list{$test};
        my $secs = $C{duration} =~ /^(\d+)s?$/ ? $1 : 5;

        my $perf = spawn('perf', 'record', '-q', '-e', 'cpu-clock',
                         '-F', '1999', '-g', '-p', $worker, '-o', $data,
                         '--', 'sleep', $secs);
        my $r = wrk($k, $list, "${secs}s", 99);
        waitpid($perf, 0);

        my $txt = "$OUT/perf-$k-$test.txt";
        my $report = "perf report -q --stdio --no-children -g none"
                     . " -i '$data' 2>/dev/null";

        spew($txt, sprintf("# %s, %s, %.0f req/s; by library, then by "
                           . "function\n", $SERVER{$k}{label}, $test,
                           $r->{rps}));
        sh("$report --sort dso >> '$txt'");
        sh("$report --percent-limit 0.3 --sort dso,symbol >> '$txt'");
        say_(sprintf('profile of %s %s (%.0f req/s): %s', $SERVER{$k}{label},
                     $test, $r->{rps}, "objs/bench/perf-$k-$test.txt"));
    }
}

# the peak is the highest of the page tests' runs (articles, share
# links, category pages: what the targets are about), each measured
# alone; the sitemaps' and the feed's are in their own table
sub collect_rss {
    for my $k (keys %SERVER) {
        my $s = $SERVER{$k};
        my @w = children_of($s->{pid});
        push @w, children_of($s->{php}) if $s->{php};
        my %sum;
        for my $pid (@w) {
            my $st = proc_status($pid);
            $sum{$_} += $st->{$_} // 0 for qw(VmRSS VmHWM RssShmem);
        }
        my @runs = map { @{$RES{$k}{$_} // []} } qw(article share category);
        my ($peak) = sort { $b <=> $a } map { $_->{hwm} // 0 } @runs;
        $sum{VmHWM} = $peak if $peak;
        $s->{rss} = \%sum;
        $s->{workers} = scalar @w;
    }
}


# --- the report ---------------------------------------------------------

sub med {
    my ($k, $test, $what) = @_;
    my $runs = $RES{$k}{$test} or return undef;
    return median(map { $_->{$what} } @$runs);
}

sub spread {
    my ($k, $test) = @_;
    my $runs = $RES{$k}{$test} or return '';
    my @v = map { $_->{rps} } @$runs;
    my $m = median(@v) or return '';
    my ($lo, $hi) = (sort { $a <=> $b } @v)[0, -1];
    return sprintf('±%.0f%%', 50 * ($hi - $lo) / $m);
}

sub bad {
    my ($k, $test) = @_;
    return (grep { $_->{bad} } @{$RES{$k}{$test} // []}) ? ' (!)' : '';
}

sub mb { return sprintf('%.1f', ($_[0] // 0) / 1024) }

sub report {
    my @t;
    my $ratio = sub {
        my ($x, $y) = @_;
        return defined $x && defined $y && $y > 0 ? $x / $y : undef;
    };
    my $fmt = sub { defined $_[0] ? sprintf('%.2f', $_[0]) : 'n/a' };

    my $rev = `cd '$ROOT' && git describe --always --dirty 2>/dev/null`;
    chomp $rev;
    my ($cpu) = grep { /model name/ } split /\n/, slurp('/proc/cpuinfo');
    $cpu =~ s/.*:\s*//;
    my $nginx_v = `$C{nginx} -v 2>&1`;
    chomp $nginx_v;
    $nginx_v =~ s/.*: //;

    push @t, "# ngx_news_module benchmark\n\n",
        sprintf("%s; module %s; %s; %d cores (%s); %s articles; "
                . "wrk -t1 -c%d, %s a run, %d rounds interleaved, each "
                . "cell the median of the rounds.\n\n",
                scalar(gmtime) . ' UTC',
                ($rev || '?') . ' (.so sha1 ' . substr($C{module_sum}, 0, 12)
                . ')', $nginx_v,
                scalar(grep { /^processor/ } split /\n/,
                       slurp('/proc/cpuinfo')), $cpu,
                $MAIN, $C{conns}, $C{duration}, $C{rounds});

    my @other = map { $_->{other_cpu} }
                map { @{$RES{$_}{article} // []}, @{$RES{$_}{share} // []},
                      @{$RES{$_}{category} // []} } keys %SERVER;
    my $busy = median(@other);

    push @t, sprintf("**The machine was busy with other work during this "
                     . "run** (median %.0f%% of a core besides the servers "
                     . "and wrk): req/s are low and noisy; the CPU cost "
                     . "per request is the steadier measure.\n\n", $busy)
        if $busy > 25;

    my %title = (article => 'Article pages', share => 'Share redirects',
                 category => 'Category pages');

    for my $test (qw(article share category)) {
        my $a_rps = med('a', $test, 'rps');
        my $a_us = med('a', $test, 'cpu_us');

        push @t, "## $title{$test}\n\n",
            "| server | req/s | p99 ms | vs (a) | CPU µs/req | vs (a) by CPU "
            . "| CPU %: server / wrk / other |\n",
            "|---|--:|--:|--:|--:|--:|---|\n";

        for my $k (@ORDER) {
            my $rps = med($k, $test, 'rps');
            my $us = med($k, $test, 'cpu_us');
            push @t, sprintf("| %s | %.0f %s%s | %.2f | %s | %.1f | %s "
                             . "| %s |\n",
                             $SERVER{$k}{label}, $rps, spread($k, $test),
                             bad($k, $test),
                             med($k, $test, 'p99_us') / 1000,
                             $fmt->($ratio->($rps, $a_rps)), $us,
                             $fmt->($ratio->($a_us, $us)),
                             join(' / ', map {
                                 sprintf('%.0f', med($k, $test, $_))
                             } qw(cpu wrk_cpu other_cpu)));
        }

        push @t, "\n";
    }

    my @sizes = map { [$_, $_ == $MAIN ? 'b' : "b_$_"] } @{$C{sizes}};
    my $base = med('b', 'article', 'rps');
    my $base_us = med('b', 'article', 'cpu_us');

    push @t, "## The module by data set size (article pages)\n\n",
        "| articles | req/s | p99 ms | vs $MAIN | CPU µs/req "
        . "| vs $MAIN by CPU | CPU %: server / wrk / other | data set |\n",
        "|--:|--:|--:|--:|--:|--:|---|---|\n";

    for my $sz (@sizes) {
        my ($n, $k) = @$sz;
        my $rps = med($k, 'article', 'rps');
        my $us = med($k, 'article', 'cpu_us');
        push @t, sprintf("| %d | %.0f %s%s | %.2f | %s | %.1f | %s | %s "
                         . "| %s |\n",
                         $n, $rps, spread($k, 'article'), bad($k, 'article'),
                         med($k, 'article', 'p99_us') / 1000,
                         $fmt->($ratio->($rps, $base)), $us,
                         $fmt->($ratio->($base_us, $us)),
                         join(' / ', map {
                             sprintf('%.0f', med($k, 'article', $_))
                         } qw(cpu wrk_cpu other_cpu)),
                         $DATA{$n}{how});
    }

    for my $n (sort { $a <=> $b } keys %{$RES{skipped} // {}}) {
        push @t, "| $n | | | | | | | not built: $RES{skipped}{$n} |\n";
    }

    # the module only: its sitemaps and feed against its own category
    # pages on the same server (issue 12: "about the time of a category
    # page"); 1.00 is as cheap as one
    my @synd = ((map { [$_, $MAIN] } @MODULE_ONLY),
                map { [$_->[1], $_->[0]] } grep { $_->[0] != $MAIN } @sizes);
    my @said;

    push @t, "\n## Sitemaps and feed (the module only)\n\n",
        "| server | articles | test | req/s | p99 ms | KB a response "
        . "| CPU µs/req | category page µs/req | vs category by CPU "
        . "| vs category by req/s | CPU %: server / wrk / other "
        . "| worker peak MB |\n",
        "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|---|--:|\n";

    for my $sv (@synd) {
        my ($k, $n) = @$sv;
        my $c_us = med($k, 'category', 'cpu_us');
        my $c_rps = med($k, 'category', 'rps');

        for my $test (qw(sitemap feed search)) {
            my $rps = med($k, $test, 'rps');
            my $us = med($k, $test, 'cpu_us');
            next unless defined $rps;
            my $req = med($k, $test, 'requests');
            my $kb = $req ? med($k, $test, 'bytes') / $req / 1024 : 0;

            my ($peak) = sort { $b <=> $a }
                         map { $_->{hwm} // 0 } @{$RES{$k}{$test}};

            push @t, sprintf("| %s | %d | %s | %.1f %s%s | %.2f | %.1f "
                             . "| %.1f | %.1f | %s | %s | %s | %s |\n",
                             $SERVER{$k}{label}, $n, $test, $rps,
                             spread($k, $test), bad($k, $test),
                             med($k, $test, 'p99_us') / 1000, $kb, $us,
                             $c_us // 0, $fmt->($ratio->($c_us, $us)),
                             $fmt->($ratio->($rps, $c_rps)),
                             join(' / ', map {
                                 sprintf('%.0f', med($k, $test, $_))
                             } qw(cpu wrk_cpu other_cpu)), mb($peak));

            # in words: how many category pages' time one request takes
            my $x = $ratio->($us, $c_us);
            push @said, sprintf('%s: a %s request costs %.0f µs of CPU, '
                                . '%.1f times a category page (%.1f µs)',
                                $k =~ /^b_\d/ ? $SERVER{$k}{label}
                                    : "$SERVER{$k}{label}, $n articles",
                                $test eq 'feed' ? '/feed.xml' : $test,
                                $us, $x, $c_us)
                if defined $x && $k ne 'b_off';
        }
    }

    push @t, "\nThe sitemap test asks for /sitemap.xml and each of its parts "
        . "at random (one sitemap while the site has no more than "
        . "`news_sitemap_size`, 50,000, URLs; an index and its parts past "
        . "that) with `Accept-Encoding: gzip`, as crawlers do (KB a "
        . "response is then what went out, compressed where the module "
        . "keeps a part compressed), wrk's timeout 30 s; the feed test "
        . "/feed.xml "
        . "(`news_feed rss`, 20 items).  \"vs category\" is the same "
        . "server's category page test over this one: 1.00 answers in the "
        . "time of a category page, issue 12's target at 1M; (b0) renders "
        . "every request, the others keep what `news_cache` (16 MB) "
        . "takes, which is no document over a quarter of it: a bigger "
        . "sitemap is kept gzip-compressed.\n\n";
    push @t, map { "- $_\n" } @said;

    push @t, "\n## First requests of the sitemaps and feed (the module)\n\n",
        "Each document's first request on a server that had not been asked "
        . "for it (after one article page: the database open and its "
        . "statements prepared), so rendered from SQLite, the first "
        . "/sitemap.xml also finding where the parts start, as after a "
        . "change of the database; then the next request, from the cache "
        . "when it keeps the document; then two with `Accept-Encoding: "
        . "gzip`, the first of which compresses and keeps a document too "
        . "big to keep as it is.  One request each, before the "
        . "warm-up.\n\n",
        "| server | document | KB | first request ms | next request ms "
        . "| gzip KB | gzip first ms | gzip next ms |\n",
        "|---|---|--:|--:|--:|--:|--:|--:|\n";

    for my $k (map { $_->[0] == $MAIN ? 'b' : $_->[1] } @sizes) {
        for my $row (@{$RES{first}{$k} // []}) {
            push @t, sprintf("| %s | %s | %.1f | %.1f | %.1f | %.1f "
                             . "| %.1f | %.1f |\n",
                             $SERVER{$k}{label}, $row->[0],
                             $row->[1] / 1024, $row->[2], $row->[3],
                             $row->[4] / 1024, $row->[5], $row->[6]);
        }
    }

    push @t, "\n## Memory\n\n",
        "| server | worker RSS MB | peak (VmHWM) MB |\n|---|--:|--:|\n";

    for my $k (@ORDER, map { $_->[1] } grep { $_->[0] != $MAIN } @sizes) {
        my $s = $SERVER{$k};
        push @t, sprintf("| %s | %s | %s |\n",
                         $s->{label} . ($k eq 'd' ? ' (nginx + php-fpm)' : ''),
                         mb($s->{rss}{VmRSS}), mb($s->{rss}{VmHWM}));
    }

    my $largest = $C{sizes}[-1];
    my $kl = $largest == $MAIN ? 'b' : "b_$largest";
    my $by = sub {
        my ($x, $y, $test) = @_;
        $test //= 'article';
        return ($ratio->(med($x, $test, 'rps'), med($y, $test, 'rps')),
                $ratio->(med($y, $test, 'cpu_us'), med($x, $test, 'cpu_us')));
    };
    my $ge = sub { my $g = shift; sub { $_[0] >= $g } };

    my @targets = (
        ['article, readership on, vs (a)', '>= 0.95', [$by->('b', 'a')],
         $ge->(0.95)],
        ['share redirect vs return 302', '>= 0.95',
         [$by->('b', 'a', 'share')], $ge->(0.95)],
        ['category page vs (a)', '>= 0.80', [$by->('b', 'a', 'category')],
         $ge->(0.80)],
        ["module at $largest vs $MAIN articles", '>= 0.90',
         [$by->($kl, 'b')], $ge->(0.90)],
        ["worker RSS at $largest (peak), MB", '<= 64',
         [($SERVER{$kl}{rss}{VmHWM} // 0) / 1024], sub { $_[0] <= 64 }],
        ['article vs Lua peer', '>= 2x', [$by->('b', 'c')], $ge->(2)],
        ['article vs PHP peer', '>= 10x', [$by->('b', 'd')], $ge->(10)],
        ['article, readership on vs off', 'within 5%', [$by->('b', 'b_off')],
         sub { abs($_[0] - 1) <= 0.05 }],
    );

    push @t, "\n## Targets\n\n",
        "| target | goal | by req/s | | by CPU per request | |\n",
        "|---|---|--:|---|--:|---|\n";

    for my $tg (@targets) {
        my ($what, $goal, $v, $ok) = @$tg;
        my @cells;
        for my $x (@$v[0, 1]) {
            push @cells, defined $x ? sprintf('%.3f', $x) : 'n/a',
                !defined $x ? '' : $ok->($x) ? 'met' : '**missed**';
        }
        @cells[2, 3] = ('', '') if @$v == 1;
        push @t, sprintf("| %s | %s | %s |\n", $what, $goal,
                         join(' | ', @cells));
    }

    push @t, "\n(a) static files is the limit, (b) the module as deployed "
        . "(readership, GeoIP, render cache), (b') without readership and "
        . "GeoIP, (b0) with `news_cache off`: every page rendered from "
        . "SQLite.  \"vs (a) by CPU\" is (a)'s CPU time per request over "
        . "the server's: the share of the limit's efficiency, which other "
        . "load on the machine moves much less than req/s.  ±: half the "
        . "spread of the rounds around the median.  (!): a run had error "
        . "statuses or socket errors.  RSS is summed over the server's "
        . "worker processes, shared memory they touched included; the peak "
        . "is the highest of its runs of article pages, share links and "
        . "category pages, each run's peak measured alone (the sitemaps' "
        . "and the feed's are in their table).\n\n";

    push @t, map { "- $_\n" } @{$RES{checks} // []};

    return join '', @t;
}
