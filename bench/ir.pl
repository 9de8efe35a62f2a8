#!/usr/bin/perl

# bench/ir.pl: "make bench-ir", instructions per request with callgrind.
# Deterministic: the same binaries and data give the same counts, on a
# busy machine too.  Read bench/README.md ("Instructions per request");
# in short:
#
#   1. the data sets of IR_SIZES (objs/bench/db, as "make bench" builds
#      them), a GeoIP2-City file, 16 reader addresses
#   2. the pages measured, fetched once from the module: an article, its
#      share link, a category page, the home page; written as files for
#      the static peer and into floor-<N>.db for the floor peer
#      (bench/peers/floor: one SELECT, the same bytes)
#   3. each server alone under valgrind (nginx, one process), N1 then N2
#      keepalive requests of one path, each with a browser User-Agent
#      (or none, where the table says so) and the next X-Forwarded-For;
#      (total(N2) - total(N1)) / (N2 - N1): start and exit cancel out
#   4. the table, then "target NAME RATIO GOAL met|missed" lines, on
#      stdout and in objs/bench/ir.md
#
# Environment: IR_SIZES ("1000 100000"), MODULE, FLOOR (the floor's .so,
# which mk/bench.mk builds), IR_N ("100 1100": cached pages and static
# files), IR_N_UNCACHED ("20 220"), BENCH_KEEP=1 keeps objs/bench/ir/.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

use lib dirname(abs_path($0)) . '/lib';
use Bench qw(sh sql free_port make_mmdb);

$| = 1;

my $ROOT = abs_path(dirname(abs_path($0)) . '/..');
my $OUT = "$ROOT/objs/bench";
my $DIR = "$OUT/ir";

my %C = (
    sizes    => [sort { $a <=> $b } split ' ',
                 $ENV{IR_SIZES} // '1000 100000'],
    module   => abs_path($ENV{MODULE} // "$ROOT/objs/ngx_http_news_module.so"),
    floor    => $ENV{FLOOR} // '',
    newsctl  => "$ROOT/objs/newsctl",
    nginx    => $ENV{NGINX} // '/usr/sbin/nginx',
    n        => [split ' ', $ENV{IR_N} // '100 1100'],
    n_render => [split ' ', $ENV{IR_N_UNCACHED} // '20 220'],
    host     => 'finews.bench',
    ua       => 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36'
                . ' (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
);

my $MAIN = $C{sizes}[0];
my $START = time;
my %PID;

die "ir.pl: IR_SIZES must be numbers of 30 or more\n"
    if !@{$C{sizes}} || grep { !/^\d+$/ || $_ < 30 } @{$C{sizes}};
die "ir.pl: FLOOR must name the floor peer's .so (make bench-ir)\n"
    unless $C{floor} && -e $C{floor};
$C{floor} = abs_path($C{floor});

for my $f ($C{module}, $C{newsctl}, $C{nginx}) {
    die "ir.pl: $f is missing (make bench-ir builds it)\n" unless -e $f;
}
die "ir.pl: valgrind is missing (make bench-ir installs it)\n"
    if system('valgrind --version >/dev/null 2>&1') != 0;

$SIG{INT} = $SIG{TERM} = sub { die "ir.pl: interrupted\n" };

END {
    my $rc = $?;
    stop($_) for keys %PID;
    remove_tree($DIR) unless $ENV{BENCH_KEEP};
    $? = $rc;
}

say_("instructions per request: sizes @{$C{sizes}}, requests"
     . " @{$C{n}} (cached, static), @{$C{n_render}} (rendered)");

remove_tree($DIR);
make_path($DIR);

# step 1: the sets, as "make bench" builds and keeps them
sh("BENCH_DATA_ONLY=1 SIZES='@{$C{sizes}}' MODULE='$C{module}'"
   . " perl '$ROOT/bench/run.pl'");

make_mmdb($ROOT, "$DIR/geo.mmdb");

my @XFF = map { sprintf('11.%d.%d.%d', $_ % 20, 7 * $_ % 256, 1 + $_) }
          0 .. 13;
push @XFF, '12.1.2.3', '12.200.100.50';

my (%IR, @ROWS, @TARGETS);

for my $n (@{$C{sizes}}) {
    my $db = "$OUT/db/news-$n.db";
    my %path = paths($db);
    my $pages = fetch_pages($n, $db, \%path);

    make_static($n, $pages) if $n == $MAIN;
    make_floor($n, $db, $pages);

    my %srv = (
        cached   => module_conf($n, $db, ''),
        uncached => module_conf($n, $db, 'news_cache off;'),
        floor    => floor_conf($n),
        static   => static_conf($n, $path{share_target}),
    );

    my @plan;

    for my $kind (qw(article share category home)) {
        push @plan, ['floor', $kind, 1], ['uncached', $kind, 1];
    }

    if ($n == $MAIN) {
        push @plan, ['static', 'article', 1], ['static', 'article', 0],
                    ['static', 'share', 1],
                    ['cached', 'article', 1], ['cached', 'article', 0],
                    ['cached', 'share', 1], ['cached', 'category', 1],
                    ['cached', 'home', 1];
    }

    for my $p (@plan) {
        my ($server, $kind, $ua) = @$p;
        my $ns = $server eq 'uncached' || $server eq 'floor'
                 ? $C{n_render} : $C{n};
        my $uri = $path{$kind};

        my $a = total($srv{$server}, $uri, $ua, $ns->[0]);
        my $b = total($srv{$server}, $uri, $ua, $ns->[1]);
        my $ir = int(($b - $a) / ($ns->[1] - $ns->[0]) + 0.5);

        $IR{$n}{$server}{$kind}{$ua} = $ir;
        say_(sprintf('%7d posts  %-8s %-8s %-5s %9d', $n, $server, $kind,
                     $ua ? 'UA' : 'no UA', $ir));
    }
}

print "\n", report();

exit 0;


sub say_ { print "ir: @_\n" }

# raw bytes, as the module sent them
sub spew_raw {
    my ($f, $text) = @_;
    open my $fh, '>:raw', $f or die "$f: $!\n";
    print $fh $text;
    close $fh or die "$f: $!\n";
}

# the measured paths of a set: its middle post's article and share link,
# the first page of that post's category, the home page
sub paths {
    my ($db) = @_;
    my ($row) = sql($db, 'SELECT c.slug, replace(substr(p.published_at, 1,'
                         . " 10), '-', '/'), p.info_code FROM posts p"
                         . ' JOIN categories c ON c.id = p.category_id'
                         . " WHERE p.status = 'published'"
                         . ' ORDER BY p.id LIMIT 1 OFFSET'
                         . ' (SELECT count(*) / 2 FROM posts)');
    my ($slug, $day, $code) = @$row;

    return (
        article      => "/$slug/$day/$code.html",
        share        => "/html_News/NewsShare.html?infoCode=$code",
        share_target => "/$slug/$day/$code.html",
        category     => "/category/$slug.html",
        home         => '/',
    );
}

# --- servers ------------------------------------------------------------

# one nginx process (no master), everything under its own prefix
sub nginx_conf {
    my ($name, $load, $http, $server) = @_;
    my $prefix = "$DIR/$name";
    my $port = free_port();
    my $user = $> == 0 ? 'user root root;' : '';

    make_path($prefix);
    spew_raw("$prefix/nginx.conf", <<END);
$load
daemon off;
master_process off;
worker_processes 1;
$user
pid $prefix/nginx.pid;
error_log $prefix/error.log error;
pcre_jit on;
events { worker_connections 64; }
http {
    access_log off;
    keepalive_requests 100000;
    client_body_temp_path $prefix/body;
    proxy_temp_path $prefix/proxy;
    fastcgi_temp_path $prefix/fastcgi;
    uwsgi_temp_path $prefix/uwsgi;
    scgi_temp_path $prefix/scgi;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
$http
    server {
        listen 127.0.0.1:$port;
        server_name $C{host};
$server
    }
}
END

    return { name => $name, prefix => $prefix, port => $port };
}

# as bench/conf/module.conf: readership and GeoIP on
sub module_conf {
    my ($n, $db, $cache) = @_;
    my $t = "$ROOT/conf/templates";
    my $name = ($cache ? 'uncached' : 'cached') . "-$n";

    return nginx_conf($name, "load_module $C{module};", <<END, <<END);
    $cache
    news_geoip_db $DIR/geo.mmdb;
    news_readership zone=readership:16m db=$DIR/$name/readership.db;
    news_db $db;
    news_template article $t/article.html;
    news_template category $t/category.html;
    news_template index $t/index.html;
    news_template error $t/error.html;
END
        location = /html_News/NewsShare.html { news_share; }
        location /category/ { news_category; }
        location = / { news_index; }
        location / { news_article; }
END
}

sub floor_conf {
    my ($n) = @_;
    return nginx_conf("floor-$n", "load_module $C{floor};", '', <<END);
        location / { news_floor $DIR/floor-$n.db; }
END
}

# as bench/conf/static.conf
sub static_conf {
    my ($n, $target) = @_;
    return nginx_conf("static-$n", '', <<END, <<END);
    include /etc/nginx/mime.types;
    charset utf-8;
    sendfile on;
    tcp_nopush on;
    open_file_cache max=1000 inactive=120s;
    open_file_cache_valid 120s;
    open_file_cache_errors on;
END
        root $DIR/static;
        location = /html_News/NewsShare.html { return 302 $target; }
        location /category/ { try_files \$uri/\$arg_page.html =404; }
        location = / { try_files /index.html =404; }
        location / { }
END
}

sub start {
    my ($srv, @pre) = @_;
    my $pid = fork // die "ir.pl: fork: $!\n";

    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$srv->{prefix}/stdout";
        open STDERR, '>&', \*STDOUT;
        exec @pre, $C{nginx}, '-p', "$srv->{prefix}/", '-c',
             "$srv->{prefix}/nginx.conf" or POSIX::_exit(127);
    }

    $PID{$pid} = 1;

    my $until = time + 60;

    while (time < $until) {
        die "ir.pl: $srv->{name} exited at start, see $srv->{prefix}\n"
            if waitpid($pid, WNOHANG) == $pid;
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $srv->{port},
                                      Proto => 'tcp');
        if ($s) {
            close $s;
            return $pid;
        }
        sleep 0.1;
    }

    die "ir.pl: $srv->{name} did not listen on $srv->{port}\n";
}

# TERM, again every half second until it is taken (under valgrind the
# first was at times lost, and QUIT too): nginx exits, callgrind writes
# its counts; KILL only when it will not
sub stop {
    my ($pid) = @_;
    my $until = time + 60;
    my $next = 0;

    while (time < $until) {
        if (time >= $next) {
            kill 'TERM', $pid;
            $next = time + 0.5;
        }

        if (waitpid($pid, WNOHANG) != 0) {
            delete $PID{$pid};
            return;
        }

        sleep 0.05;
    }

    kill 'KILL', $pid;
    waitpid($pid, 0);
    delete $PID{$pid};
}

# N keepalive requests of URI, each answer read whole; the status of each
# must be that of the first
sub client {
    my ($port, $uri, $ua, $n) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 120)
        or die "ir.pl: connect to $port: $!\n";
    my $first;

    for my $i (0 .. $n - 1) {
        print $s "GET $uri HTTP/1.1\r\nHost: $C{host}\r\n"
            . ($ua ? "User-Agent: $C{ua}\r\n" : '')
            . "Accept: text/html\r\n"
            . "X-Forwarded-For: $XFF[$i % @XFF]\r\n\r\n";

        my $head = '';
        while (defined(my $line = <$s>)) {
            $head .= $line;
            last if $line eq "\r\n";
        }

        my ($status) = $head =~ m{^HTTP/1\.1 (\d+)}
            or die "ir.pl: no answer to $uri on $port\n";
        my ($len) = $head =~ /\r\nContent-Length: (\d+)/i;
        read($s, my $body, $len) if $len;

        $first //= $status;
        die "ir.pl: $uri answered $status after $first\n"
            if $status != $first;
    }

    close $s;
    return $first;
}

# callgrind's total for N requests of URI on a fresh server
sub total {
    my ($srv, $uri, $ua, $n) = @_;
    my $out = "$srv->{prefix}/callgrind.out";

    unlink $out, glob("$srv->{prefix}/readership.db*");

    my $pid = start($srv, 'valgrind', '--tool=callgrind',
                    "--callgrind-out-file=$out");
    my $status = client($srv->{port}, $uri, $ua, $n);
    stop($pid);

    die "ir.pl: $srv->{name} answered $status for $uri\n"
        unless $status == 200 || $status == 302;

    open my $fh, '<', $out or die "ir.pl: $out: $!\n";
    while (<$fh>) {
        return $1 if /^totals:\s*(\d+)/;
    }
    die "ir.pl: $out has no total\n";
}

# --- the pages ----------------------------------------------------------

# each measured path's answer from the module, for the peers
sub fetch_pages {
    my ($n, $db, $path) = @_;
    my $srv = module_conf($n, $db, '');
    my $pid = start($srv);
    my %pages;

    for my $kind (qw(article share category home)) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $srv->{port},
                                      Proto => 'tcp', Timeout => 30)
            or die "ir.pl: connect: $!\n";
        print $s "GET $path->{$kind} HTTP/1.1\r\nHost: $C{host}\r\n"
            . "X-Forwarded-For: 11.0.0.1\r\nConnection: close\r\n\r\n";
        local $/;
        my $resp = <$s>;
        close $s;

        my ($head, $body) = split /\r\n\r\n/, $resp, 2;
        my ($status) = $head =~ m{^HTTP/1\.1 (\d+)};
        my %h = map { /^([^:]+):\s*(.*)$/ ? (lc $1, $2) : () }
                split /\r\n/, $head;

        die "ir.pl: the module answered $status for $path->{$kind}\n"
            unless $status == ($kind eq 'share' ? 302 : 200);

        $pages{$kind} = { uri => $path->{$kind}, status => $status,
                          location => $h{location}, etag => $h{etag},
                          last_modified => $h{'last-modified'},
                          body => $body // '' };
    }

    stop($pid);
    return \%pages;
}

sub make_static {
    my ($n, $pages) = @_;
    my $root = "$DIR/static";

    for my $kind (qw(article category home)) {
        my $file = $pages->{$kind}{uri};
        $file = '/index.html' if $kind eq 'home';
        $file .= '/.html' if $kind eq 'category';
        make_path(dirname("$root$file"));
        spew_raw("$root$file", $pages->{$kind}{body});
    }
}

# the floor's table: a row for each post (its body, so that the table is
# the size of the set's), then the measured pages as the module sent them
sub make_floor {
    my ($n, $db, $pages) = @_;
    my $floor = "$DIR/floor-$n.db";
    my $sql = "$DIR/floor-$n.sql";
    my $text = "ATTACH '$db' AS news;\n"
        . "CREATE TABLE pages (uri TEXT PRIMARY KEY, status INTEGER,"
        . " location TEXT, etag TEXT, last_modified TEXT, body BLOB);\n"
        . "INSERT INTO pages SELECT '/p/' || id, 200, NULL, NULL, NULL,"
        . " body_html FROM news.posts;\n";

    for my $kind (sort keys %$pages) {
        my $p = $pages->{$kind};
        $text .= sprintf("INSERT OR REPLACE INTO pages VALUES"
                         . " (%s, %d, %s, %s, %s, CAST(X'%s' AS BLOB));\n",
                         quote($p->{uri}), $p->{status},
                         quote($p->{location}), quote($p->{etag}),
                         quote($p->{last_modified}),
                         unpack('H*', $p->{body}));
    }

    spew_raw($sql, $text);
    unlink $floor;
    sh("sqlite3 -batch '$floor' < '$sql'");
}

sub quote {
    my ($s) = @_;
    return 'NULL' unless defined $s;
    $s =~ s/'/''/g;
    return "'$s'";
}

# --- the report ---------------------------------------------------------

sub report {
    my $t = '';
    my $m = $IR{$MAIN};
    my @rows = (
        ['article, cached, browser UA', $m->{cached}{article}{1},
         'static file + UA', $m->{static}{article}{1}],
        ['article, cached, no UA', $m->{cached}{article}{0},
         'static file', $m->{static}{article}{0}],
        ['share redirect, cached', $m->{cached}{share}{1},
         '`return 302`', $m->{static}{share}{1}],
        ['category page, cached', $m->{cached}{category}{1},
         'floor', $m->{floor}{category}{1}],
        ['home page, cached', $m->{cached}{home}{1},
         'floor', $m->{floor}{home}{1}],
    );

    for my $n (@{$C{sizes}}) {
        my $r = $IR{$n};
        push @rows, map { ["$_, uncached, $n posts", $r->{uncached}{$_}{1},
                           'floor', $r->{floor}{$_}{1}] }
                    qw(article share category home);
    }

    $t .= "| path | Ir/req | peer | peer Ir/req | ratio |\n"
        . "|---|--:|---|--:|--:|\n";
    $t .= sprintf("| %s | %d | %s | %d | %.2f |\n", $_->[0], $_->[1],
                  $_->[2], $_->[3], $_->[1] / $_->[3])
        for @rows;

    $t .= "\n";

    my @targets = (
        ['cached_article_ua', $m->{cached}{article}{1},
         $m->{static}{article}{1}, 1.25],
        ['cached_share', $m->{cached}{share}{1}, $m->{static}{share}{1},
         1.3],
    );

    for my $n (@{$C{sizes}}) {
        my $r = $IR{$n};
        push @targets,
            ["uncached_article_$n", $r->{uncached}{article}{1},
             $r->{floor}{article}{1}, 2],
            ["uncached_share_$n", $r->{uncached}{share}{1},
             $r->{floor}{share}{1}, 1.5],
            ["uncached_category_$n", $r->{uncached}{category}{1},
             $r->{floor}{category}{1}, 3];
    }

    for my $g (@targets) {
        my $ratio = $g->[1] / $g->[2];
        $t .= sprintf("target %s %.3f %.2f %s\n", $g->[0], $ratio, $g->[3],
                      $ratio <= $g->[3] ? 'met' : 'missed');
    }

    $t .= sprintf("\nbench-ir: %s, %.0fs\n", $C{module}, time - $START);

    spew_raw("$OUT/ir.md", $t);
    return $t;
}
