package Bench;

# bench/lib/Bench.pm: what bench/run.pl (make bench) and bench/site.pl
# (make bench-site) share: files, sqlite3, the GeoIP file and the
# readers' addresses, nginx configs from bench/conf/ with @NAME@ filled
# in, starting and stopping processes by pid, a small HTTP/1.1 client and
# what /proc says about a process.  Nothing here keeps state: the callers
# keep their own servers and pass what a function needs.

use strict;
use warnings;

use File::Basename qw(basename);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

use Exporter 'import';
our @EXPORT_OK = qw(sh sql slurp spew warm_file make_mmdb write_addrs
                    free_port fill_conf spawn wait_port stop_pids
                    http_get proc_status children_of reset_hwm cpu_ticks
                    busy_ticks median @REGIONS);

# the messages name the script that died
my $WHO = basename($0);

# GeoIP2-City-shaped networks, 11.<i>.0.0/16 for region i; the rest of
# the address space is ZZ
our @REGIONS = (
    ['CN', '11'], ['CN', '31'], ['CN', '44'], ['CN', '51'], ['CN', '33'],
    ['CN', '32'], ['CN', '42'], ['CN', '61'], ['HK'], ['TW'], ['JP'],
    ['KR'], ['SG'], ['US', 'CA'], ['US', 'NY'], ['GB', 'ENG'], ['DE', 'BE'],
    ['FR', 'IDF'], ['AU', 'NSW'], ['CA', 'ON'],
);


# --- files and sqlite3 ----------------------------------------------------

sub sh {
    my ($cmd) = @_;
    system('/bin/sh', '-c', $cmd) == 0 or die "$WHO: failed: $cmd\n";
}

sub sql {
    my ($db, $q) = @_;
    open my $p, '-|', 'sqlite3', '-batch', '-noheader', '-separator', "\t",
        $db, $q or die "sqlite3: $!\n";
    binmode $p, ':encoding(UTF-8)';
    my @rows = map { chomp; [split /\t/, $_, -1] } <$p>;
    close $p or die "$WHO: sqlite3 failed on $db: $q\n";
    return @rows;
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<:encoding(UTF-8)', $f or die "$f: $!\n";
    local $/;
    return <$fh>;
}

sub spew {
    my ($f, $text) = @_;
    open my $fh, '>:encoding(UTF-8)', $f or die "$f: $!\n";
    print $fh $text;
    close $fh or die "$f: $!\n";
}

# read once, so that the servers start from a warm page cache
sub warm_file {
    my ($file) = @_;
    open my $fh, '<:raw', $file or die "$file: $!\n";
    my $buf;
    1 while sysread($fh, $buf, 1 << 20);
    close $fh;
}

# a GeoIP2-City file of @REGIONS, written with t/lib/NewsMMDB.pm
sub make_mmdb {
    my ($root, $path) = @_;
    my %nets;

    require lib;
    lib->import("$root/t/lib");
    require NewsMMDB;

    for my $i (0 .. $#REGIONS) {
        my ($cc, $sub) = @{$REGIONS[$i]};
        $nets{"11.$i.0.0/16"} = { country => $cc,
                                  defined $sub ? (subdivision => $sub) : () };
    }

    NewsMMDB::write($path, \%nets);
}

# 2,000 readers' addresses, nine in ten in the GeoIP file's regions;
# the same every time
sub write_addrs {
    my ($path) = @_;
    srand(7);
    my @a;

    for (1 .. 2000) {
        if (rand() < 0.1) {
            push @a, sprintf('12.%d.%d.%d', int(rand(256)), int(rand(256)),
                             1 + int(rand(254)));
        } else {
            push @a, sprintf('11.%d.%d.%d', int(rand(@REGIONS)),
                             int(rand(256)), 1 + int(rand(254)));
        }
    }

    spew($path, join("\n", @a) . "\n");
}


# --- processes ------------------------------------------------------------

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1)
        or die "$WHO: no free port: $!\n";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# bench/conf/<name> with common.inc and temp.inc pasted in and every
# @NAME@ replaced by $v{NAME}; a name without a value is an error
sub fill_conf {
    my ($bench, $name, %v) = @_;

    my $text = slurp("$bench/conf/$name");
    my $common = slurp("$bench/conf/common.inc");
    my $temp = slurp("$bench/conf/temp.inc");

    $text =~ s/\@COMMON\@/$common/g;
    $text =~ s/\@TEMP\@/$temp/g;

    $v{USER} //= $> == 0 ? 'user root root;' : '';
    $v{WORKERS} //= 1;
    $v{BENCH} //= $bench;

    $text =~ s/\@(\w+)\@/exists $v{$1} ? $v{$1}
                          : die "$WHO: $name: no value for \@$1\@\n"/ge;

    return $text;
}

sub spawn {
    my (@cmd) = @_;
    my $pid = fork // die "$WHO: fork: $!\n";

    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        exec @cmd or POSIX::_exit(127);
    }

    return $pid;
}

sub wait_port {
    my ($port, $pid, $what) = @_;
    my $until = time + 15;

    while (time < $until) {
        if (waitpid($pid, WNOHANG) == $pid) {
            die "$WHO: $what exited at start, see its error log\n";
        }
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Proto => 'tcp');
        if ($s) {
            close $s;
            return;
        }
        sleep 0.05;
    }

    die "$WHO: $what did not listen on $port\n";
}

# stops what the caller started, by pid: QUIT first (nginx finishes its
# requests and writes pending readership), KILL after 15 s, then also
# the workers (found now, in case their master has to be killed)
sub stop_pids {
    my @pids = grep { $_ } @_;
    return unless @pids;

    my @workers = map { children_of($_) } @pids;

    kill 'QUIT', @pids;

    my $until = time + 15;
    my %left = map { $_ => 1 } @pids;

    while (%left && time < $until) {
        for my $p (keys %left) {
            delete $left{$p} if waitpid($p, WNOHANG) != 0;
        }
        sleep 0.05 if %left;
    }

    if (%left) {
        kill 'KILL', keys %left, grep { ours($_) } @workers;
        waitpid($_, 0) for keys %left;
    }
}

# a worker still there, and still nginx or php-fpm, not a reused pid
sub ours {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/cmdline" or return 0;
    my $cmd = <$fh> // '';
    return $cmd =~ /^(nginx|php-fpm)/ ? 1 : 0;
}

# a tiny HTTP/1.1 client: HTTP::Tiny will not send our own Host header.
# $more: more header lines, each ending in \r\n; the reader's address is
# 11.0.0.1 unless they name an X-Forwarded-For of their own
sub http_get {
    my ($port, $host, $path, $more) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 10)
        or die "$WHO: connect to $port: $!\n";

    $more //= '';
    $more = "X-Forwarded-For: 11.0.0.1\r\n$more"
        unless $more =~ /^X-Forwarded-For:/mi;

    print $s "GET $path HTTP/1.1\r\nHost: $host\r\n"
        . "${more}Connection: close\r\n\r\n";

    local $/;
    my $resp = <$s>;
    close $s;

    my ($head, $body) = split /\r\n\r\n/, $resp // '', 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.\d (\d+)};
    my %h;

    for (split /\r\n/, $head // '') {
        $h{lc $1} = $2 if /^([^:]+):\s*(.*)$/;
    }

    return ($status // 0, \%h, $body // '');
}


# --- /proc ----------------------------------------------------------------

sub proc_status {
    my ($pid) = @_;
    my %st;
    open my $fh, '<', "/proc/$pid/status" or return {};
    while (my $line = <$fh>) {
        $st{$1} = $2 if $line =~ /^(VmRSS|VmHWM|RssShmem):\s+(\d+) kB/;
    }
    return \%st;
}

sub children_of {
    my ($ppid) = @_;
    my @kids;
    opendir my $d, '/proc' or return;
    for my $pid (grep { /^\d+$/ } readdir $d) {
        open my $fh, '<', "/proc/$pid/stat" or next;
        my $stat = <$fh> // '';
        push @kids, $pid if $stat =~ /\) \S+ (\d+)/ && $1 == $ppid;
    }
    return @kids;
}

# VmHWM "5" in clear_refs (Linux 4.0): the peak from now on
sub reset_hwm {
    for my $pid (@_) {
        open my $fh, '>', "/proc/$pid/clear_refs" or next;
        print $fh "5\n";
        close $fh;
    }
}

# utime + stime of the processes, in clock ticks
sub cpu_ticks {
    my $ticks = 0;
    for my $pid (@_) {
        open my $fh, '<', "/proc/$pid/stat" or next;
        my ($rest) = (<$fh> // '') =~ /\) (.*)/ or next;
        my @f = split ' ', $rest;
        $ticks += $f[11] + $f[12];
    }
    return $ticks;
}

# all CPUs' busy time, from the first line of /proc/stat
sub busy_ticks {
    open my $fh, '<', '/proc/stat' or return 0;
    my ($line) = <$fh>;
    my (undef, @f) = split ' ', $line;
    my $busy = 0;
    $busy += $f[$_] // 0 for 0, 1, 2, 5, 6, 7;
    return $busy;
}

sub median {
    my @v = sort { $a <=> $b } @_;
    return 0 unless @v;
    return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

1;
