#!/usr/bin/perl

# bench/site.pl: "make bench-site", the traffic of a real site (issue 14).
# Read bench/README.md ("The site scenario"); in short:
#
#   1. the data set of SITE_SIZE posts, objs/bench/db/news-<N>.db, made or
#      reused by "BENCH_DATA_ONLY=1 SIZES=<N> perl bench/run.pl"
#   2. the URL lists: every article in a fixed random order (the Zipf
#      rank order, most read first), every category's first 10 pages and
#      the home page's
#   3. the static peer's tree, objs/bench/site-static-<N>/: every page the
#      scenario can ask for, fetched once from the module and kept while
#      the set and the module's pages stay the same
#   4. the static peer and the module, two workers each, both warmed up,
#      then driven in turn by wrk with bench/site.lua and the same seeds
#      (SITE_ROUNDS times); during the module's runs an admin edits a
#      popular article's title every 5 s with sqlite3 and asks for it at
#      once
#   5. CPU per request, latency, the render cache's hit rate (from the
#      access log's $news_cache_status) against the ideal top-k of the
#      same bytes, the admin's edits, worker RSS; the table to stdout and
#      objs/bench/site.md, with "target ..." lines at its end
#
# Environment: SITE_SIZE (1000000), DURATION (60s), WARMUP (10s),
# SITE_ROUNDS (1), SITE_RATE (none: as fast as the server answers),
# SITE_CONNECTIONS (32), SITE_THREADS (2), BENCH_KEEP=1 keeps
# objs/bench/site-run/, BENCH_TIME_LIMIT (seconds), MODULE.

use strict;
use warnings;
use utf8;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

use lib dirname(abs_path($0)) . '/lib';
use Bench qw(sh sql slurp spew warm_file write_addrs free_port fill_conf
             spawn wait_port stop_pids http_get proc_status children_of
             reset_hwm cpu_ticks busy_ticks median);

binmode STDOUT, ':encoding(UTF-8)';
binmode STDERR, ':encoding(UTF-8)';
$| = 1;

my $ROOT = abs_path(dirname(abs_path($0)) . '/..');
my $BENCH = "$ROOT/bench";
my $OUT = "$ROOT/objs/bench";
my $RUN = "$OUT/site-run";

my %C = (
    n         => $ENV{SITE_SIZE} // 1_000_000,
    duration  => $ENV{DURATION} // '60s',
    warmup    => $ENV{WARMUP} // '10s',
    rounds    => $ENV{SITE_ROUNDS} // 1,
    rate      => $ENV{SITE_RATE},
    conns     => $ENV{SITE_CONNECTIONS} // 32,
    threads   => $ENV{SITE_THREADS} // 2,
    workers   => 2,
    module    => $ENV{MODULE} // "$ROOT/objs/ngx_http_news_module.so",
    nginx     => $ENV{NGINX} // '/usr/sbin/nginx',
    host      => 'finews.bench',
    max_pages => 10,
    # bench/conf/site.conf's news_cache, one zone of both workers
    cache     => 32 << 20,
    edit_every => 5,
    # the popular articles the admin edits in turn: Zipf ranks 1..this
    edit_ranks => 10,
    admin_addr => '10.9.9.9',
    check     => 40,
);

my $N = $C{n};
my $CLK_TCK = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;
my $START = time;
my $TREE = "$OUT/site-static-$N";
my $DB = "$OUT/db/news-$N.db";
my $RESTORE = "$OUT/site-restore-$N.sql";

die "site.pl: SITE_SIZE must be a number of 30 or more\n"
    unless $N =~ /^\d+$/ && $N >= 30;
die "site.pl: DURATION and WARMUP are wrk durations (20s, 1m)\n"
    unless seconds($C{duration}) && seconds($C{warmup});
die "site.pl: SITE_ROUNDS must be 1 or more\n"
    unless $C{rounds} =~ /^[1-9]\d*$/;
die "site.pl: SITE_RATE is requests a second, more than 0\n"
    if defined $C{rate} && !($C{rate} =~ /^\d+(?:\.\d+)?$/ && $C{rate} > 0);

# SITE_RATE: each connection pauses between an answer and its next
# request, so that the connections ask for about that many a second
$C{think_ms} = 1000 * $C{conns} / $C{rate} if $C{rate};

# a whole run stays bounded: the static tree of a million articles takes
# a while to make the first time, so the default grows with the set
$C{limit} = $ENV{BENCH_TIME_LIMIT}
    // int(1200 + 0.004 * $N
           + 2 * $C{rounds} * seconds($C{duration})
           + 2 * seconds($C{warmup}));

my (%SERVER, @KIDS, %STEP, %RES);
my $WRK;

$SIG{ALRM} = sub { die "site.pl: over $C{limit}s, stopping\n" };
$SIG{INT} = $SIG{TERM} = sub { die "site.pl: interrupted\n" };
alarm $C{limit};

END {
    my $rc = $?;
    # the forked tree fetchers leave with POSIX::_exit, never through here
    kill 'TERM', $WRK if $WRK;
    waitpid($WRK, 0) if $WRK;
    kill 'TERM', @KIDS if @KIDS;
    waitpid($_, 0) for @KIDS;
    stop_all();
    restore_edits();
    remove_tree("$TREE.tmp") if -e "$TREE.tmp";
    remove_tree($RUN) unless $ENV{BENCH_KEEP};
    $? = $rc;
}

say_("site scenario: $N posts, wrk -t$C{threads} -c$C{conns} for "
     . "$C{duration} after $C{warmup} of warm-up, $C{workers} workers "
     . "each, time limit $C{limit}s");

preflight();

step('data', sub {
    sh("BENCH_DATA_ONLY=1 SIZES=$N perl '$BENCH/run.pl'");
});

# an earlier run stopped before it could put the edited titles back
restore_edits();

unless (-e $DB) {
    skip("the data set of $N posts was not built (run.pl says why above)");
}

remove_tree($RUN);
make_path($RUN);

# the module as built now, for the whole run (as run.pl does)
sh("cp '$C{module}' '$RUN/ngx_http_news_module.so'");
$C{module_sum} = (split ' ', `sha1sum '$RUN/ngx_http_news_module.so'`)[0];
$C{module} = "$RUN/ngx_http_news_module.so";

Bench::make_mmdb($ROOT, "$RUN/geo.mmdb");
write_addrs("$RUN/addrs.txt");

my (@RANKED, @LISTS);
step('lists', \&url_lists);
step('tree', \&static_tree);

step('warm', sub {
    say_("warming the page cache with news-$N.db");
    warm_file($DB);
});

step('runs', \&measure);

restore_edits();

my $table = report();
print "\n", $table;
spew("$OUT/site.md", $table);

say_(sprintf('done in %.0fs; the table is in objs/bench/site.md',
             time - $START));

exit 0;


sub say_ { print "site: @_\n" }

sub step {
    my ($name, $code) = @_;
    my $t0 = time;
    $code->();
    $STEP{$name} = time - $t0;
}

sub seconds {
    my ($d) = @_;
    return undef unless defined $d && $d =~ /^(\d+(?:\.\d+)?)([smh]?)$/;
    return $1 * { '' => 1, s => 1, m => 60, h => 3600 }->{$2};
}

sub preflight {
    my @missing;

    for my $f ($C{module}, $C{nginx}, "$ROOT/objs/newsctl") {
        push @missing, $f unless -e $f;
    }

    for my $cmd (qw(wrk sqlite3)) {
        push @missing, $cmd
            unless grep { -x "$_/$cmd" } split /:/, $ENV{PATH};
    }

    push @missing, 'MaxMind::DB::Writer (libmaxmind-db-writer-perl)'
        unless eval { require MaxMind::DB::Writer::Tree; 1 };

    die "site.pl: missing: @missing (make bench-site installs them)\n"
        if @missing;
}

# no table to make: say why, in the table's place too
sub skip {
    my ($why) = @_;
    my $text = "# The site scenario (make bench-site)\n\n"
        . "Not run at $N posts: $why.\n";
    spew("$OUT/site.md", $text);
    say_("skipped: $why");
    exit 0;
}


# --- the URL lists ------------------------------------------------------

# every article, in a fixed random order: the first line is Zipf rank 1.
# The lists: the home page and each category's, page 1 at its own path
# (as the module links it) and ?page=2.. up to max_pages, as many as the
# posts fill (a category lists its descendants' posts too)
sub url_lists {
    my @posts = sql($DB, "SELECT p.id, '/' || c.slug || '/' ||"
                         . " replace(substr(p.published_at, 1, 10), '-',"
                         . " '/') || '/' || p.info_code || '.html'"
                         . " FROM posts p JOIN categories c"
                         . " ON c.id = p.category_id"
                         . " WHERE p.status = 'published' ORDER BY p.id");

    die "site.pl: news-$N.db has " . scalar(@posts) . " published posts\n"
        unless @posts == $N;

    # Fisher-Yates with a fixed seed: the same ranks every run
    srand(14);
    my @r = @posts;
    for (my $i = $#r; $i > 0; $i--) {
        my $j = int(rand($i + 1));
        @r[$i, $j] = @r[$j, $i];
    }
    @RANKED = @r;
    $RES{by_id} = \@posts;

    spew("$RUN/articles.txt", join('', map { "$_->[1]\n" } @RANKED));

    my ($home) = sql($DB, "SELECT count(*) FROM posts"
                          . " WHERE status = 'published'"
                          . " AND published_ts <= unixepoch()");
    my @cats = sql($DB, "SELECT c.slug, (SELECT count(*)"
                        . " FROM category_listing cl"
                        . " WHERE cl.category_id = c.id"
                        . " AND cl.published_ts <= unixepoch())"
                        . " FROM categories c ORDER BY c.id");

    my $pages = sub {
        my ($count, $first, $fmt) = @_;
        my $last = int(($count + 19) / 20) || 1;
        $last = $C{max_pages} if $last > $C{max_pages};
        return ($first, map { sprintf($fmt, $_) } 2 .. $last);
    };

    @LISTS = ($pages->($home->[0], '/', '/?page=%d'),
              map { $pages->($_->[1], "/category/$_->[0].html",
                             "/category/$_->[0].html?page=%d") } @cats);

    spew("$RUN/lists.txt", join('', map { "$_\n" } @LISTS));

    say_(sprintf('URL lists: %d articles, %d category and home pages',
                 scalar @RANKED, scalar @LISTS));
}

# where the static peer keeps a path (bench/conf/site-static.conf)
sub tree_file {
    my ($path) = @_;
    return "/_home/$1.html" if $path =~ m{^/(?:\?page=(\d+))?$} && $1;
    return '/_home/1.html' if $path eq '/';
    return "$1/" . ($2 // 1) . '.html'
        if $path =~ m{^(/category/[^?]+)(?:\?page=(\d+))?$};
    return $path;
}


# --- the static tree ----------------------------------------------------

# what identifies the set: the file (run.pl writes a new one when it
# builds a set again) and how run.pl made it
sub set_stamp {
    my @st = stat $DB or die "$DB: $!\n";
    my $how = -e "$OUT/db/news-$N.log" ? slurp("$OUT/db/news-$N.log") : '';
    chomp $how;
    return "posts $N\nfile $st[0]:$st[1]\nset $how\n";
}

# the tree is made once for a set and reused while the set is the same
# and the module still sends those bytes (a sample of pages compared);
# otherwise it is made again: every article and list page fetched from
# the module, two connections at a time (one a worker), and written
sub static_tree {
    my $s = start_nginx('fetch', 'site.conf', 'module (making the tree)',
                        { DB => $DB, GEOIP => "$RUN/geo.mmdb" });
    my $why;

    if (!-e "$TREE/.stamp") {
        $why = 'none yet';
    } elsif (slurp("$TREE/.stamp") !~ /^\Q${\ set_stamp()}\E/) {
        $why = 'the data set changed';
    } else {
        my $diff = sample_differs($s->{port});
        $why = "$diff of $C{check} sampled pages differ from the module's"
            if $diff;
    }

    if (!$why) {
        $RES{tree} = 'reused (' . (split /\n/, slurp("$TREE/.stamp"))[-1]
            . ')';
        say_("static tree: $RES{tree}");
        stop_server('fetch');
        return;
    }

    say_("static tree: making it ($why)");
    remove_tree($TREE, "$TREE.tmp");
    make_path("$TREE.tmp");

    my @jobs = ((map { $_->[1] } @{$RES{by_id}}), @LISTS);

    # the disk must hold it: the sizes of a few pages times the count,
    # and a margin of 2 GB
    my $bytes = 0;
    for my $path (@jobs[map { int($_ * $#jobs / 19) } 0 .. 19]) {
        my ($st, undef, $body) = http_get($s->{port}, $C{host}, $path);
        die "site.pl: the module answered $st for $path\n" if $st != 200;
        $bytes += length $body;
    }
    my $need = $bytes / 20 * @jobs * 1.1 + (2 << 30);
    my ($avail) = `df -Pk '$OUT'` =~ /\n\S+\s+\d+\s+\d+\s+(\d+)/;

    if (defined $avail && $avail * 1024 < $need) {
        stop_server('fetch');
        remove_tree("$TREE.tmp");
        skip(sprintf('its static tree needs about %.1f GB on the disk of '
                     . 'objs/bench, %.1f GB are free', $need / (1 << 30),
                     $avail / (1 << 20)));
    }

    my $t0 = time;
    fetch_tree($s->{port}, "$TREE.tmp", \@jobs);
    my $took = time - $t0;

    my $du = (split ' ', `du -sk '$TREE.tmp'`)[0] // 0;
    my $made = sprintf('made %s in %.0fs, %d pages, %.1f GB, module %s',
                       scalar(gmtime) . ' UTC', $took, scalar @jobs,
                       $du / (1 << 20), substr($C{module_sum}, 0, 12));
    spew("$TREE.tmp/.stamp", set_stamp() . "$made\n");
    rename "$TREE.tmp", $TREE or die "$TREE: $!\n";

    $RES{tree} = $made;
    say_("static tree: $made");
    stop_server('fetch');
}

# how many of a sample of the tree's pages are not what the module sends
sub sample_differs {
    my ($port) = @_;
    my $diff = 0;

    srand(15);
    my @paths = ((map { $RANKED[int(rand(@RANKED))][1] } 1 .. $C{check} - 10),
                 (map { $LISTS[int(rand(@LISTS))] } 1 .. 10));

    for my $path (@paths) {
        my ($st, undef, $body) = http_get($port, $C{host}, $path);
        my $file = $TREE . tree_file($path);
        my $have = '';
        if (open my $fh, '<:raw', $file) {
            local $/;
            $have = <$fh> // '';
        }
        $diff++ if $st != 200 || $body ne $have;
    }

    return $diff;
}

sub fetch_tree {
    my ($port, $root, $jobs) = @_;

    for my $k (0 .. $C{workers} - 1) {
        my $pid = fork // die "site.pl: fork: $!\n";

        if ($pid == 0) {
            my $ok = eval { fetch_part($port, $root, $jobs, $k); 1 };
            print STDERR $@ unless $ok;
            POSIX::_exit($ok ? 0 : 1);
        }

        push @KIDS, $pid;
    }

    my $failed = 0;
    while (@KIDS) {
        my $pid = shift @KIDS;
        waitpid($pid, 0);
        $failed++ if $?;
    }

    die "site.pl: making the static tree failed\n" if $failed;
}

# the jobs $k, $k + workers, ... over one keep-alive connection
sub fetch_part {
    my ($port, $root, $jobs, $k) = @_;
    my $step = $C{workers};
    my $c = { port => $port, buf => '' };
    my (%dirs, $done);
    my $total = int(@$jobs / $step);
    my $next = 0.1;
    my $t0 = time;

    $SIG{INT} = $SIG{TERM} = sub { POSIX::_exit(1) };
    $SIG{ALRM} = 'DEFAULT';

    for (my $i = $k; $i < @$jobs; $i += $step) {
        my $path = $jobs->[$i];
        my ($st, $body) = ka_get($c, $path);
        die "site.pl: the module answered $st for $path\n" if $st != 200;

        my $file = $root . tree_file($path);
        my $dir = dirname($file);
        make_path($dir) unless $dirs{$dir}++;

        open my $fh, '>:raw', $file or die "$file: $!\n";
        print $fh $body;
        close $fh or die "$file: $!\n";

        $done++;
        if ($k == 0 && $total > 10_000 && $done >= $next * $total) {
            say_(sprintf('static tree: %.0f%% in %.0fs', 100 * $next,
                         time - $t0));
            $next += 0.1;
        }
    }
}

# one GET on a keep-alive connection, (re)connected as needed: the status
# and the body (Content-Length or chunked)
sub ka_get {
    my ($c, $path) = @_;

    $c->{sock} //= IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                         PeerPort => $c->{port},
                                         Proto => 'tcp', Timeout => 30)
        or die "site.pl: connect to $c->{port}: $!\n";
    $c->{buf} = '';

    my $s = $c->{sock};
    print $s "GET $path HTTP/1.1\r\nHost: $C{host}\r\n"
        . "User-Agent: site.pl\r\nX-Forwarded-For: 11.0.0.1\r\n\r\n";

    my $more = sub {
        my $n = sysread($s, $c->{buf}, 1 << 16, length $c->{buf});
        die "site.pl: the module closed the connection on $path\n"
            unless $n;
    };

    my $i;
    $more->() while ($i = index($c->{buf}, "\r\n\r\n")) < 0;
    my $head = substr($c->{buf}, 0, $i + 4, '');
    my ($st) = $head =~ m{^HTTP/1\.\d (\d+)};
    my $body = '';

    if ($head =~ /^Content-Length:\s*(\d+)/mi) {
        my $len = $1;
        $more->() while length $c->{buf} < $len;
        $body = substr($c->{buf}, 0, $len, '');
    } elsif ($head =~ /^Transfer-Encoding:\s*chunked/mi) {
        while (1) {
            $more->() while ($i = index($c->{buf}, "\r\n")) < 0;
            my $len = hex substr($c->{buf}, 0, $i + 2, '');
            if ($len == 0) {
                $more->() while index($c->{buf}, "\r\n") < 0;
                last;
            }
            $more->() while length $c->{buf} < $len + 2;
            $body .= substr($c->{buf}, 0, $len + 2, '');
            chop $body;
            chop $body;
        }
    } else {
        die "site.pl: no length in the module's answer to $path\n";
    }

    if ($head =~ /^Connection:\s*close/mi) {
        close $s;
        delete $c->{sock};
    }

    return ($st // 0, $body);
}


# --- servers ------------------------------------------------------------

sub start_nginx {
    my ($key, $conf, $label, $vars) = @_;
    my $prefix = "$RUN/$key";

    make_path($prefix);

    my $port = free_port();
    spew("$prefix/nginx.conf",
         fill_conf($BENCH, $conf, %$vars, PREFIX => $prefix, PORT => $port,
                   WORKERS => $C{workers}, MODULE => $C{module},
                   HOST => $C{host},
                   TEMPLATES => "$ROOT/conf/templates"));

    my $pid = spawn($C{nginx}, '-p', "$prefix/", '-c', "$prefix/nginx.conf",
                    '-e', "$prefix/error.log");

    $SERVER{$key} = { key => $key, label => $label, port => $port,
                      pid => $pid, prefix => $prefix };

    wait_port($port, $pid, "nginx for $key");

    # both workers up, so that they are all measured
    my $until = time + 10;
    sleep 0.05 while children_of($pid) < $C{workers} && time < $until;

    return $SERVER{$key};
}

sub stop_server {
    my ($key) = @_;
    my $s = delete $SERVER{$key} or return;
    stop_pids($s->{pid});
}

sub stop_all {
    stop_server($_) for keys %SERVER;
}

sub rss_of {
    my ($s) = @_;
    return [map { { pid => $_, %{proc_status($_)} } }
            sort { $a <=> $b } children_of($s->{pid})];
}

# both servers started and warmed up (seed 1), then ROUNDS rounds of
# the static peer's run and the module's (seed 1 + round, the same for
# both), the module's with the admin's edits; each run's access log read
# after it, each worker's RSS when the first run starts and after the
# last
sub measure {
    my @servers = (['a', 'site-static.conf', '(a) static files',
                    { ROOT => $TREE, SHARE_TARGET => $RANKED[0][1] }],
                   ['b', 'site.conf', '(b) module',
                    { DB => $DB, GEOIP => "$RUN/geo.mmdb" }]);

    for my $sv (@servers) {
        my ($key, $conf, $label, $vars) = @$sv;
        my $s = start_nginx($key, $conf, $label, $vars);
        $RES{$key} = { label => $label, rss_fresh => rss_of($s), runs => [],
                       log => { size => [], requests => 0 } };
    }

    for my $key (qw(a b)) {
        say_("$RES{$key}{label}: warming up for $C{warmup}");
        $RES{$key}{warmup} = wrk_run($SERVER{$key}, 1, $C{warmup});
        unlink rotate_log($SERVER{$key}, 'warmup');
    }

    for my $round (1 .. $C{rounds}) {
        for my $key (qw(a b)) {
            my ($s, $r) = ($SERVER{$key}, $RES{$key});

            if ($round == 1) {
                $r->{rss_start} = rss_of($s);
                reset_hwm(map { $_->{pid} } @{$r->{rss_start}});
            }

            say_("$r->{label}: measuring for $C{duration}"
                 . ($C{rounds} > 1 ? ", round $round of $C{rounds}" : ''));
            my $run = wrk_run($s, 1 + $round, $C{duration}, $key eq 'b');
            push @{$r->{runs}}, $run;
            progress($r->{label}, $run);

            read_log(rotate_log($s, $round), $r->{log});
        }
    }

    # the module's own counters, at the end
    my (undef, undef, $metrics) = http_get($SERVER{b}{port}, $C{host},
                                           '/metrics',
                                           "X-Forwarded-For: "
                                           . "$C{admin_addr}\r\n");
    $RES{b}{metrics} = { map { /^(\w+(?:\{[^}]*\})?) (\S+)$/ ? ($1, $2) : () }
                         split /\n/, $metrics // '' };

    for my $key (qw(a b)) {
        $RES{$key}{rss_end} = rss_of($SERVER{$key});
        $RES{$key}{run} = summary(@{$RES{$key}{runs}});
        stop_server($key);
        $RES{$key}{errors} = read_error_log("$RUN/$key/error.log");
    }
}

# the access log so far moved aside, written out (the workers write their
# buffers on reopening), a new one begun; the old one's path
sub rotate_log {
    my ($s, $name) = @_;
    my $old = "$s->{prefix}/access-$name.log";

    rename "$s->{prefix}/access.log", $old or die "$old: $!\n";
    kill 'USR1', $s->{pid};

    my $until = time + 10;
    sleep 0.05 until -e "$s->{prefix}/access.log" || time > $until;
    sleep 0.5;

    return $old;
}

# the rounds of one server as one: medians, but for the counts (summed),
# the longest request and the edits (all of them)
sub summary {
    my (@runs) = @_;
    my %r;

    for my $k (qw(rps cpu_us p50_us p90_us p99_us cpu wrk_cpu other_cpu)) {
        $r{$k} = median(map { $_->{$k} } @runs);
    }
    for my $k (qw(requests bytes socket_errors status)) {
        $r{$k} += $_->{$k} for @runs;
    }
    ($r{max_us}) = sort { $b <=> $a } map { $_->{max_us} } @runs;
    $r{edits} = [map { @{$_->{edits}} } @runs];

    return \%r;
}

sub progress {
    my ($label, $r) = @_;
    say_(sprintf('%s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %.1f µs CPU a '
                 . 'request; CPU %%: server %.0f, wrk %.0f, other %.0f',
                 $label, $r->{rps}, $r->{p50_us} / 1000,
                 $r->{p99_us} / 1000, $r->{cpu_us}, $r->{cpu}, $r->{wrk_cpu},
                 $r->{other_cpu}));
}

# wrk with bench/site.lua for $duration; with $admin, an edit every
# edit_every seconds meanwhile.  The workers' CPU time from /proc, before
# and after, over the requests wrk made
sub wrk_run {
    my ($s, $seed, $duration, $admin) = @_;
    my $out = "$RUN/wrk-$s->{key}-$seed.txt";

    my @cmd = ('wrk', "-t$C{threads}", "-c$C{conns}", "-d$duration",
               '--latency', '-s', "$BENCH/site.lua",
               "http://127.0.0.1:$s->{port}", '--', "$RUN/articles.txt",
               "$RUN/lists.txt", "$RUN/addrs.txt", $seed, $C{host},
               $C{think_ms} // ());

    my @pids = children_of($s->{pid});
    my $cpu0 = cpu_ticks(@pids);
    my $busy0 = busy_ticks();
    my (undef, undef, $cu0, $cs0) = times;
    my $t0 = time;

    $WRK = fork // die "site.pl: fork: $!\n";

    if ($WRK == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }

    my $next = $t0 + $C{edit_every};
    my $end = $t0 + seconds($duration);
    my @edits;

    while (waitpid($WRK, WNOHANG) == 0) {
        if ($admin && time >= $next && time < $end - 0.5) {
            push @edits, admin_edit($s, scalar @edits + 1);
            $next += $C{edit_every};
        }
        sleep 0.02;
    }

    my $rc = $?;
    $WRK = undef;

    my $wall = time - $t0;
    my (undef, undef, $cu1, $cs1) = times;
    my $cpu = (cpu_ticks(@pids) - $cpu0) / $CLK_TCK;
    my $busy = (busy_ticks() - $busy0) / $CLK_TCK;
    my $text = slurp($out);

    my ($line) = $text =~ /^BENCH (.*)$/m
        or die "site.pl: wrk gave no result for $s->{label} (exit "
               . ($rc >> 8) . "):\n$text\n";

    my %r = map { split /=/, $_, 2 } split ' ', $line;

    $r{cpu} = 100 * $cpu / $wall;
    $r{wrk_cpu} = 100 * ($cu1 + $cs1 - $cu0 - $cs0) / $wall;
    $r{other_cpu} = 100 * $busy / $wall - $r{cpu} - $r{wrk_cpu};
    $r{other_cpu} = 0 if $r{other_cpu} < 0;
    $r{cpu_us} = $r{requests} ? 1e6 * $cpu / $r{requests} : 0;
    $r{socket_errors} = $r{connect} + $r{read} + $r{write} + $r{timeout};
    $r{edits} = \@edits;

    warn "site: $s->{label}: $r{status} error statuses, $r{socket_errors}"
         . " socket errors\n"
        if $r{status} || $r{socket_errors};

    return \%r;
}


# --- the admin ----------------------------------------------------------

# the posts the admin may edit, as they were, and the file's times: put
# back after the run (restore_edits), so that the set, its search index
# (run.pl remakes one older than its set) and the static tree stay valid
sub save_originals {
    return if -e $RESTORE;

    my @ids = map { $_->[0] } @RANKED[0 .. $C{edit_ranks} - 1];
    my @sql = map { "$_->[0]\n" }
        sql($DB, "SELECT 'UPDATE posts SET title = ' || quote(title)"
                 . " || ', updated_at = ' || quote(updated_at)"
                 . " || ' WHERE id = ' || id || ';' FROM posts"
                 . " WHERE id IN (" . join(', ', @ids) . ')');
    my @st = stat $DB;

    spew($RESTORE, "-- bench/site.pl: the posts its admin edited, as they"
                   . " were\n-- times $st[8] $st[9]\n.timeout 10000\n"
                   . join('', @sql));
}

sub restore_edits {
    return unless -e $RESTORE;

    my ($atime, $mtime) = slurp($RESTORE) =~ /^-- times (\d+) (\d+)$/m;
    system("sqlite3 -batch -bail '$DB' < '$RESTORE'") == 0
        or do { warn "site.pl: could not put the edited titles back, see "
                     . "$RESTORE\n"; return };
    utime $atime, $mtime, $DB if $mtime;
    unlink $RESTORE;
}

# a popular article's title changed by sqlite3, as an admin would, then
# the article asked for at once: the new title must be on the page
sub admin_edit {
    my ($s, $i) = @_;

    save_originals();

    my ($id, $path) = @{$RANKED[($i - 1) % $C{edit_ranks}]};
    my $mark = sprintf('[site edit %d %d]', $i, time);
    my ($orig) = grep { /WHERE id = $id;$/ } split /\n/, slurp($RESTORE);
    my ($title) = $orig =~ /^UPDATE posts SET title = ('(?:[^']|'')*')/;

    my $t0 = time;
    open my $p, '|-', 'sqlite3', '-batch', '-bail', $DB
        or die "site.pl: sqlite3: $!\n";
    binmode $p, ':encoding(UTF-8)';
    print $p ".timeout 10000\n"
        . "UPDATE posts SET title = $title || ' $mark' WHERE id = $id;\n";
    my $ok = close $p;
    my $t1 = time;

    my ($st, undef, $body) = http_get($s->{port}, $C{host}, $path,
                                      "X-Forwarded-For: $C{admin_addr}\r\n"
                                      . "User-Agent: site.pl admin\r\n");
    my $t2 = time;

    return { i => $i, id => $id, path => $path, ok => $ok ? 1 : 0,
             at => $t0,
             update_ms => 1000 * ($t1 - $t0), get_ms => 1000 * ($t2 - $t1),
             status => $st, visible => $ok && $st == 200
                                       && index($body, $mark) >= 0 ? 1 : 0 };
}


# --- logs ---------------------------------------------------------------

sub kind_of {
    my ($uri, $client) = @_;
    return 'share' if $uri =~ m{^/html_News/NewsShare\.html};
    return 'list' if $uri =~ m{^/(?:\?|$)|^/category/};
    return $client eq 'crawler' ? 'crawl' : 'article';
}

# the access log: each worker's requests in order (a number a URI, the
# crawler's negative), each URI's size (the largest body sent for it), the
# render cache's answers by kind, the statuses; the admin's own requests
# apart
sub read_log {
    my ($file, $l) = @_;
    my $ids = $l->{ids} //= {};

    open my $fh, '<', $file or die "$file: $!\n";

    while (my $line = <$fh>) {
        my ($cache, $st, $bytes, $pid, $addr, $client, $msec, $uri)
            = split ' ', $line;
        next unless defined $uri;

        if ($addr eq $C{admin_addr}) {
            push @{$l->{admin}}, { cache => $cache, status => $st,
                                   uri => $uri };
            next;
        }

        my $kind = kind_of($uri, $client);
        $l->{requests}++;
        $l->{status}{$kind}{$st}++;
        $l->{cache}{$kind}{$cache}++;
        $l->{cache}{all}{$cache}++;
        $l->{kinds}{$kind}++;
        $l->{worker}{$pid}{requests}++;
        $l->{worker}{$pid}{hits}++ if $cache eq 'HIT';

        my $id = $ids->{$uri} //= 1 + keys %$ids;
        $l->{size}[$id] = $bytes if $bytes > ($l->{size}[$id] // 0);
        push @{$l->{seq}{$pid}}, $kind eq 'crawl' ? -$id : $id;
        push @{$l->{all}}, [$msec, $kind eq 'crawl' ? -$id : $id];

        # a worker that logs nothing for a while was busy with one thing
        # (nginx's clock, $msec, moves once an event loop turn): the gaps
        # between one request's end and the next one's, per worker
        my $last = $l->{last}{$pid};
        push @{$l->{gaps}}, [$msec - $last, $last, $pid]
            if defined $last && $msec - $last >= 0.02;
        $l->{last}{$pid} = $msec;
    }

    $l->{uris} = scalar keys %$ids;
}

# error log lines by level, and the first few distinct messages
sub read_error_log {
    my ($file) = @_;
    my (%e, %seen);

    open my $fh, '<', $file or return \%e;

    while (my $line = <$fh>) {
        my ($level, $msg) = $line =~ /\[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*)/
            or next;
        $e{levels}{$level}++;
        (my $key = $msg) =~ s/\d+/N/g;
        push @{$e{first}}, "[$level] $msg"
            if !$seen{$key}++ && @{$e{first} // []} < 5;
    }

    return \%e;
}

# the ideal static top-k: the most requested pages of a sequence, by
# count, as long as their bytes fit $budget; the requests they got
sub ideal {
    my ($size, $budget, @seqs) = @_;
    my (%count, $total);

    for my $seq (@seqs) {
        $count{abs $_}++ for @$seq;
        $total += @$seq;
    }

    my ($hits, $k, $bytes) = (0, 0, 0);

    for my $id (sort { $count{$b} <=> $count{$a} || $a <=> $b }
                keys %count) {
        last if $bytes + $size->[$id] > $budget;
        $bytes += $size->[$id];
        $hits += $count{$id};
        $k++;
    }

    return { hits => $hits, total => $total, k => $k, bytes => $bytes };
}

# what a plain LRU of $budget bytes would have answered from one worker's
# requests, with no edits forgetting anything: every miss kept (as the
# module keeps every page it renders), or ($no_crawler) none of the
# crawler's, or ($second) a page kept on its second miss only.  Pages
# over a quarter of the budget are not kept, as in the module
sub lru {
    my ($size, $budget, $seq, %o) = @_;
    my (%prev, %next, %seen, $used, $hits);
    my ($head, $tail) = (0, 0);     # 0: none

    $used = 0;
    $hits = 0;

    my $unlink = sub {
        my ($id) = @_;
        my ($p, $n) = ($prev{$id}, $next{$id});
        if ($p) { $next{$p} = $n } else { $head = $n }
        if ($n) { $prev{$n} = $p } else { $tail = $p }
    };

    for my $r (@$seq) {
        my $id = abs $r;

        if (exists $prev{$id}) {
            $hits++;
            next if $head == $id;
            $unlink->($id);
            ($prev{$id}, $next{$id}) = (0, $head);
            $prev{$head} = $id if $head;
            $head = $id;
            $tail = $id unless $tail;
            next;
        }

        next if $o{no_crawler} && $r < 0;
        next if $o{second} && !$seen{$id}++;

        my $sz = $size->[$id];
        next if $sz > $budget / 4;

        while ($used + $sz > $budget && $tail) {
            my $t = $tail;
            $unlink->($t);
            delete $prev{$t};
            delete $next{$t};
            $used -= $size->[$t];
        }

        ($prev{$id}, $next{$id}) = (0, $head);
        $prev{$head} = $id if $head;
        $head = $id;
        $tail = $id unless $tail;
        $used += $sz;
    }

    return $hits;
}


# --- the report ---------------------------------------------------------

sub pct { return $_[1] ? 100 * $_[0] / $_[1] : 0 }
sub mb { return sprintf('%.1f', ($_[0] // 0) / 1024) }

sub report {
    my ($sa, $sb) = @RES{qw(a b)};
    my ($ra, $rb) = ($sa->{run}, $sb->{run});
    my $fmt = sub { defined $_[0] ? sprintf('%.2f', $_[0]) : 'n/a' };
    my $ratio = sub { $_[1] ? $_[0] / $_[1] : undef };
    my @t;

    my $rev = `cd '$ROOT' && git describe --always --dirty 2>/dev/null`;
    chomp $rev;
    my ($cpu) = grep { /model name/ } split /\n/, slurp('/proc/cpuinfo');
    $cpu =~ s/.*:\s*//;
    my $cores = grep { /^processor/ } split /\n/, slurp('/proc/cpuinfo');

    push @t, "# The site scenario (make bench-site)\n\n",
        sprintf("%s; module %s; %d cores (%s); %d posts; %d workers each; "
                . "wrk -t%d -c%d, %s after %s of warm-up%s; news_cache 32m "
                . "shared by the workers.\n\n",
                scalar(gmtime) . ' UTC',
                ($rev || '?') . ' (.so sha1 ' . substr($C{module_sum}, 0, 12)
                . ')', $cores, $cpu, $N, $C{workers}, $C{threads},
                $C{conns}, $C{duration}, $C{warmup},
                ($C{rate} ? sprintf(', each connection pausing %.2f ms '
                                    . 'on average between an answer and '
                                    . 'its next request (SITE_RATE=%s)',
                                    $C{think_ms}, $C{rate}) : '')
                . ($C{rounds} > 1 ? ", $C{rounds} rounds (static peer, then "
                                    . "module), each cell the median of the "
                                    . "rounds (counts: their sum)" : ''));

    my $other = median($ra->{other_cpu}, $rb->{other_cpu});
    push @t, sprintf("**The machine was busy with other work during this "
                     . "run** (%.0f%% of a core besides the servers and "
                     . "wrk): read CPU per request, not req/s.\n\n", $other)
        if $other > 25;

    push @t, "| | (a) static files | (b) module | (b) / (a) |\n",
        "|---|--:|--:|--:|\n";

    my $row = sub {
        my ($name, $x, $y, $f, $r) = @_;
        push @t, sprintf("| %s | $f | $f | %s |\n", $name, $x, $y,
                         $r ? $fmt->($ratio->($y, $x)) : '');
    };

    $row->('requests', $ra->{requests}, $rb->{requests}, '%d');
    $row->('req/s', $ra->{rps}, $rb->{rps}, '%.0f', 1);
    $row->('CPU µs a request (workers)', $ra->{cpu_us}, $rb->{cpu_us},
           '%.1f', 1);
    $row->('p50 ms', $ra->{p50_us} / 1000, $rb->{p50_us} / 1000, '%.2f', 1);
    $row->('p90 ms', $ra->{p90_us} / 1000, $rb->{p90_us} / 1000, '%.2f', 1);
    $row->('p99 ms', $ra->{p99_us} / 1000, $rb->{p99_us} / 1000, '%.2f', 1);
    $row->('max ms', $ra->{max_us} / 1000, $rb->{max_us} / 1000, '%.1f', 1);
    $row->('MB sent', $ra->{bytes} / 1e6, $rb->{bytes} / 1e6, '%.0f', 1);
    push @t, sprintf("| CPU %%: server / wrk / other | %s | %s | |\n",
                     map { my $r = $_; join(' / ', map {
                         sprintf('%.0f', $r->{$_}) } qw(cpu wrk_cpu
                                                       other_cpu)) }
                     $ra, $rb);
    push @t, sprintf("| socket errors, error statuses (wrk) | %d, %d "
                     . "| %d, %d | |\n", $ra->{socket_errors},
                     $ra->{status}, $rb->{socket_errors}, $rb->{status});

    my $answers = sub {
        my ($l) = @_;
        my @bad;
        for my $kind (sort keys %{$l->{status}}) {
            my $good = $kind eq 'share' ? 302 : 200;
            for my $st (sort keys %{$l->{status}{$kind}}) {
                push @bad, "$l->{status}{$kind}{$st} $kind $st"
                    if $st != $good;
            }
        }
        return @bad ? join(', ', @bad) : 'none';
    };
    push @t, sprintf("| answers other than 200 (302 for share links), "
                     . "from the access log | %s | %s | |\n",
                     $answers->($sa->{log}), $answers->($sb->{log}));

    my $errs = sub {
        my ($e) = @_;
        my $lv = $e->{levels} // {};
        return %$lv ? join(', ', map { "$lv->{$_} $_" } sort keys %$lv)
                    : 'none';
    };
    push @t, sprintf("| error log lines | %s | %s | |\n",
                     $errs->($sa->{errors}), $errs->($sb->{errors}));

    if ($C{rounds} > 1) {
        push @t, sprintf("| by round: p99 ms | %s | %s | |\n",
                         map { my $r = $_; join(', ', map {
                             sprintf('%.1f', $_->{p99_us} / 1000)
                         } @{$r->{runs}}) } $sa, $sb),
            sprintf("| by round: CPU µs a request | %s | %s | |\n",
                    map { my $r = $_; join(', ', map {
                        sprintf('%.1f', $_->{cpu_us})
                    } @{$r->{runs}}) } $sa, $sb);
    }

    my $mix = sub {
        my ($l) = @_;
        return join(' / ', map { sprintf('%.1f', pct($l->{kinds}{$_} // 0,
                                                     $l->{requests})) }
                           qw(article share list crawl));
    };
    push @t, sprintf("| requests in the access log, %% article / share / "
                     . "list / crawler | %s | %s | |\n\n",
                     $mix->($sa->{log}), $mix->($sb->{log}));

    for my $e (@{$sa->{errors}{first} // []}, @{$sb->{errors}{first} // []}) {
        push @t, "- error log: `$e`\n";
    }
    push @t, "\n" if @{$sa->{errors}{first} // []}
                     || @{$sb->{errors}{first} // []};

    # the render cache
    my $l = $sb->{log};
    my $c = $l->{cache};
    my $hit = pct($c->{all}{HIT} // 0, $l->{requests});
    my @pids = sort keys %{$l->{seq}};

    # the workers' requests in the order they ended, for the one cache
    my @seq = map { $_->[1] } sort { $a->[0] <=> $b->[0] } @{$l->{all}};

    my $pool = ideal($l->{size}, $C{cache}, \@seq);
    my $ideal = pct($pool->{hits}, $pool->{total});
    my %sum = (lru => lru($l->{size}, $C{cache}, \@seq),
               lru_nc => lru($l->{size}, $C{cache}, \@seq, no_crawler => 1),
               lru_2 => lru($l->{size}, $C{cache}, \@seq, second => 1),
               total => $pool->{total});

    # what a cache of each worker's own, half the bytes, could have done
    my %apart;
    for my $pid (@pids) {
        my $i = ideal($l->{size}, $C{cache} / @pids, $l->{seq}{$pid});
        $apart{$_} += $i->{$_} for qw(hits total);
    }

    push @t, "## The render cache\n\n",
        "| | HIT | MISS | BYPASS | other | hit rate |\n",
        "|---|--:|--:|--:|--:|--:|\n";
    for my $kind (qw(all article share list crawl)) {
        my $h = $c->{$kind} // {};
        my $n = 0;
        $n += $_ for values %$h;
        my $rest = $n - ($h->{HIT} // 0) - ($h->{MISS} // 0)
                   - ($h->{BYPASS} // 0);
        push @t, sprintf("| %s | %d | %d | %d | %d | %.1f%% |\n",
                         $kind eq 'crawl' ? 'crawler' : $kind,
                         $h->{HIT} // 0, $h->{MISS} // 0, $h->{BYPASS} // 0,
                         $rest, pct($h->{HIT} // 0, $n));
    }
    push @t, "\n",
        sprintf("%d distinct URIs were asked for. **The ideal static "
                . "top-k for the same bytes**: the most requested pages "
                . "of all requests that fit the %d MB the workers share "
                . "(%d pages, %.1f MB of pages) would have answered "
                . "**%.1f%%** of them, the module's cache %.1f%%: %.1f "
                . "points apart. Two caches of half the bytes, one a "
                . "worker, could at best have answered %.1f%%.\n\n",
                $l->{uris}, $C{cache} >> 20, $pool->{k},
                $pool->{bytes} / (1 << 20), $ideal, $hit, $ideal - $hit,
                pct($apart{hits}, $apart{total})),
        sprintf("The same requests, in the order they ended, through a "
                . "simulated LRU of the same bytes, with no edit "
                . "forgetting anything (page bytes only: the module's "
                . "entries also hold their key and dependencies): %.1f%% "
                . "when every miss is kept; %.1f%% when the crawler's "
                . "misses are not kept; %.1f%% when a page is kept on its "
                . "second miss only (the module's admission before its "
                . "frequency sketch).\n\n",
                pct($sum{lru}, $sum{total}), pct($sum{lru_nc}, $sum{total}),
                pct($sum{lru_2}, $sum{total}));
    my $m = $sb->{metrics} // {};
    push @t, sprintf("At the end (news_metrics): the cache kept %s pages, "
                     . "%.1f MB; %s pages were evicted to make room; "
                     . "readership lost %s requests to a full zone, "
                     . "flushed %s rows in %s flushes.\n\n",
                     $m->{news_cache_pages} // '?',
                     ($m->{news_cache_bytes} // 0) / (1 << 20),
                     $m->{news_cache_evictions_total} // '?',
                     $m->{news_readership_lost_total} // '?',
                     $m->{news_readership_flushed_rows_total} // '?',
                     $m->{news_readership_flush_seconds_count} // '?');
    $RES{hit} = $hit;
    $RES{ideal} = $ideal;

    # the admin
    my @ed = @{$rb->{edits} // []};
    my $vis = grep { $_->{visible} } @ed;
    my %acache;
    $acache{$_->{cache}}++ for @{$sb->{log}{admin} // []};
    push @t, "## The admin's edits\n\n",
        sprintf("%d edits of a popular article's title (Zipf ranks 1-%d "
                . "in turn), one every %d s; **%d of %d visible** on the "
                . "next request; sqlite3's UPDATE took %.0f ms (median, "
                . "max %.0f, the process included), the next request "
                . "%.1f ms (max %.1f); the module answered it %s.\n\n",
                scalar @ed, $C{edit_ranks}, $C{edit_every}, $vis,
                scalar @ed, median(map { $_->{update_ms} } @ed),
                (sort { $b <=> $a } 0, map { $_->{update_ms} } @ed)[0],
                median(map { $_->{get_ms} } @ed),
                (sort { $b <=> $a } 0, map { $_->{get_ms} } @ed)[0],
                %acache ? join(', ', map { "$acache{$_} $_" }
                                     sort keys %acache) : '(not logged)');
    for my $e (grep { !$_->{visible} } @ed) {
        push @t, sprintf("- edit %d of post %d: %s, status %s\n", $e->{i},
                         $e->{id}, $e->{ok} ? 'committed' : 'sqlite3 failed',
                         $e->{status});
    }

    # stalls: a worker that finished no request for a while
    push @t, "## Stalls\n\n",
        "The gaps between two requests a worker finished one after the "
        . "other (`\$msec` in the access log; nginx's clock moves once a "
        . "turn of its event loop, so a gap is time the worker spent on "
        . "one thing, or idle): with 16 connections a worker, a gap is "
        . "a stall of every request it holds.\n\n",
        "| | gaps of 20 ms or more | of 100 ms or more | longest (ms) |\n",
        "|---|--:|--:|---|\n";
    for my $r ($sa, $sb) {
        my @g = sort { $b->[0] <=> $a->[0] } @{$r->{log}{gaps} // []};
        push @t, sprintf("| %s | %d | %d | %s |\n", $r->{label},
                         scalar @g, scalar(grep { $_->[0] >= 0.1 } @g),
                         join(', ', map { sprintf('%.0f', 1000 * $_->[0]) }
                                    @g[0 .. ($#g < 4 ? $#g : 4)]) || '');
    }
    my @big = @{$sb->{log}{gaps} // []};
    if (@big && @ed) {
        # how far each long gap began after the latest edit's UPDATE began
        my @at = sort { $a <=> $b } map { $_->{at} } @ed;
        my $after = 0;
        for my $g (@big) {
            my ($e) = grep { $_ <= $g->[1] } reverse @at;
            $after++ if defined $e && $g->[1] - $e < 1;
        }
        push @t, "\n",
            sprintf("Of the module's %d gaps of 20 ms or more, %d began "
                    . "within 1 s after an edit's UPDATE began (the edits "
                    . "cover %.0f%% of the run's seconds that way).\n",
                    scalar @big, $after,
                    pct(scalar @ed, seconds($C{duration}) * $C{rounds}));
    }
    push @t, "\n";

    # memory
    push @t, "## Workers: RSS (MB), requests\n\n",
        "VmRSS of each worker (in brackets the part of it that is shared "
        . "memory the worker touched, RssShmem: the readership zone and "
        . "the render cache's); the "
        . "growth is from the start of the first measured run to the end "
        . "of the last, the peak VmHWM over the same time.\n\n",
        "| server | worker | started | run starts | run ends | growth "
        . "| peak | requests | cache hits |\n",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    my $rss = sub {
        my ($st) = @_;
        return sprintf('%s (%s)', mb($st->{VmRSS}), mb($st->{RssShmem}));
    };
    for my $key (qw(a b)) {
        my $r = $RES{$key};
        my %at;
        for my $when (qw(rss_fresh rss_start rss_end)) {
            $at{$when}{$_->{pid}} = $_ for @{$r->{$when}};
        }
        for my $pid (sort keys %{$at{rss_end}}) {
            my ($f, $s, $e) = map { $at{$_}{$pid} // {} }
                              qw(rss_fresh rss_start rss_end);
            my $w = $r->{log}{worker}{$pid} // {};
            push @t, sprintf("| %s | %d | %s | %s | %s | %+.1f (%+.1f) | %s "
                             . "| %d | %s |\n",
                             $r->{label}, $pid, $rss->($f), $rss->($s),
                             $rss->($e),
                             (($e->{VmRSS} // 0) - ($s->{VmRSS} // 0))
                             / 1024,
                             (($e->{RssShmem} // 0) - ($s->{RssShmem} // 0))
                             / 1024, mb($e->{VmHWM}), $w->{requests} // 0,
                             $key eq 'b' ? sprintf('%.1f%%',
                                                   pct($w->{hits} // 0,
                                                       $w->{requests}))
                                         : '');
        }
    }
    push @t, "\n";

    push @t, "## Steps (s)\n\n",
        sprintf("data %.0f, URL lists %.0f, static tree %.0f (%s), "
                . "warming the set %.0f, the servers' runs %.0f; %.0f in "
                . "all.\n\n",
                map({ $STEP{$_} // 0 } qw(data lists tree)), $RES{tree},
                map({ $STEP{$_} // 0 } qw(warm runs)),
                time - $START);

    # the targets
    my $cpu_r = $ratio->($rb->{cpu_us}, $ra->{cpu_us}) // 99;
    my $p99_r = $ratio->($rb->{p99_us}, $ra->{p99_us}) // 99;
    my $gap = $ideal - $hit;

    push @t, sprintf("target site_cpu %.3f 1.50 %s\n", $cpu_r,
                     $cpu_r <= 1.5 ? 'met' : 'missed'),
        sprintf("target site_p99 %.3f 2.00 %s\n", $p99_r,
                $p99_r <= 2 ? 'met' : 'missed'),
        sprintf("target site_edits_visible %d/%d 1.00 %s\n", $vis,
                scalar @ed, @ed && $vis == @ed ? 'met' : 'missed'),
        sprintf("target site_hit_rate_gap %.1f 5 %s\n", $gap,
                $gap <= 5 ? 'met' : 'missed');

    return join '', @t;
}
