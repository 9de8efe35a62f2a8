package NewsReadership;

# The readership database of a test's nginx (news_readership db=...), read
# with the sqlite3 shell while nginx may be writing it.  Counts arrive a
# flush period after the requests, so the tests wait for a total.
#
#   my $rs = NewsReadership->new($t, $t->prefix . '/readership.db');
#   $rs->wait_total(19);                  # true when exactly 19 arrived
#   my %v = $rs->hash('SELECT region, views, bot_views FROM region_views');
#   # %v = ('GB-ENG' => '7|3', ...)
#
# The file is not opened before it exists: the shell would create it, and
# the test would no longer see whether nginx did.
#
#   my $lock = $rs->lock('BEGIN IMMEDIATE');   # another writer holds it
#   my @pids = NewsReadership::workers($t->pid);
#   my $ok = NewsReadership::load($t, 3, @uris);   # 200s got in 3 s
#   $rs->release($lock);

use strict;
use warnings;

use NewsTest ();
use Errno qw(EINTR);
use IO::Socket::INET;
use POSIX ();
use Socket qw(AF_INET AF_INET6 inet_pton);
use Time::HiRes qw(sleep time);

# the sqlite3 shells holding a lock, killed at the end whatever happens
my %LOCKERS;
END { kill 'KILL', $_ for keys %LOCKERS; }

sub new {
    my ($class, $t, $path) = @_;
    return bless { t => $t, path => $path }, $class;
}

sub path { $_[0]{path} }

sub present { -e $_[0]{path} }

# the shell's output, rows as "a|b|c" lines; dies on an error, or with
# "missing" when the file does not exist yet
sub sql {
    my ($self, $sql) = @_;
    my ($out, $err) = $self->try_sql($sql);
    die "sqlite3 $self->{path}: $err\nSQL: $sql\n" if defined $err;
    return $out;
}

# (output, undef) or (undef, error): for the waits, where a database still
# missing or still without its tables is no failure yet
sub try_sql {
    my ($self, $sql) = @_;
    return (undef, 'missing') unless -e $self->{path};
    # nginx may hold the write lock for a moment: wait for it, as a reader
    # of a rollback-journal database must
    my ($rc, $out, $err) = $self->{t}->run_cmd(".timeout 3000\n$sql\n",
        $NewsTest::SQLITE3, '-bail', $self->{path});
    return (undef, "($rc) $err") if $rc || $err =~ /\S/;
    return ($out, undef);
}

sub value {
    my ($self, $sql) = @_;
    my $v = $self->sql($sql);
    $v =~ s/\n\z//;
    return $v;
}

# rows as arrayrefs
sub rows {
    my ($self, $sql) = @_;
    return map { [split /\|/, $_, -1] } split /\n/, $self->sql($sql);
}

# rows as a hash: the first column => the others joined with "|"
sub hash {
    my ($self, $sql) = @_;
    my %h;
    for my $line (split /\n/, $self->sql($sql)) {
        my ($k, $v) = split /\|/, $line, 2;
        $h{$k} = $v;
    }
    return %h;
}

# every request counted: by article and region, or as lost
sub total {
    my ($self) = @_;
    my ($out) = $self->try_sql('SELECT '
        . '(SELECT coalesce(sum(count), 0) FROM readership) + '
        . '(SELECT coalesce(sum(count), 0) FROM readership_lost);');
    return 0 unless defined $out;
    chomp $out;
    return $out;
}

sub lost {
    my ($self) = @_;
    return $self->value('SELECT coalesce(sum(count), 0) '
        . 'FROM readership_lost;');
}

# waits up to $timeout seconds (default 3) for the total to reach $n; true
# when it is exactly $n then.  A total past $n (something counted twice or
# what should not count) returns at once, false.
sub wait_total {
    my ($self, $n, $timeout) = @_;
    my $deadline = time + ($timeout || 3);
    my $got;
    while (1) {
        $got = $self->total;
        last if $got >= $n || time >= $deadline;
        sleep 0.05;
    }
    $self->{last_total} = $got;
    return $got == $n;
}

# the total wait_total saw last, for a failure's message
sub last_total { $_[0]{last_total} }

# a background sqlite3 holding a transaction ($begin: "BEGIN IMMEDIATE",
# "BEGIN EXCLUSIVE") open on the database until release(); undef when no
# lock could be seen held in 3 s
sub lock {
    my ($self, $begin) = @_;
    my $t = $self->{t};
    my $err = $t->prefix . '/locker.err';
    pipe(my $r, my $w) or die "pipe: $!\n";
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        close $w;
        open STDIN, '<&', $r or POSIX::_exit(126);
        open STDOUT, '>', '/dev/null' or POSIX::_exit(126);
        open STDERR, '>', $err or POSIX::_exit(126);
        { no warnings q(exec); exec $NewsTest::SQLITE3, $self->{path}; }
        POSIX::_exit(127);
    }
    close $r;
    $LOCKERS{$pid} = 1;
    $w->autoflush(1);
    print $w ".timeout 5000\n$begin;\n";

    # locked when another writer is refused at once
    my $l = { pid => $pid, w => $w };
    my $deadline = time + 3;
    while (time < $deadline) {
        my ($rc, $out, $e) = $t->run_cmd(".timeout 0\nBEGIN IMMEDIATE;\n",
            $NewsTest::SQLITE3, $self->{path});
        return $l if $e =~ /locked|busy/i;
        sleep 0.05;
    }
    $self->release($l);
    return undef;
}

# ends the transaction (rolled back: the lock leaves nothing behind)
sub release {
    my ($self, $l) = @_;
    my $w = $l->{w};
    print $w "ROLLBACK;\n";
    close $w;
    waitpid($l->{pid}, 0);
    delete $LOCKERS{$l->{pid}};
}

# the pids of the processes whose parent is $ppid (an nginx master's
# workers), from /proc
sub workers {
    my ($ppid) = @_;
    my @pids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh> // '';
        close $fh;
        # pid (comm) state ppid ...: comm may hold spaces and parentheses
        my ($pid, $parent) = $line =~ /^(\d+) \(.*\) \S+ (\d+) / or next;
        push @pids, $pid if $parent == $ppid;
    }
    @pids = sort { $a <=> $b } @pids;
    return @pids;
}

# GETs of @uris round robin for $seconds on keep-alive connections (one
# again after an error); the number of 200s received, each a whole
# response with its body
sub load {
    my ($t, $seconds, @uris) = @_;
    my ($ok, $i, $s, $buf) = (0, 0);
    my $end = time + $seconds;
    local $SIG{PIPE} = 'IGNORE';
    while (time < $end) {
        $s //= IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $t->port, Proto => 'tcp', Timeout => 2);
        if (!$s) {
            sleep 0.01;
            next;
        }
        $buf = '';
        my $uri = $uris[$i++ % @uris];
        my $status = 0;
        if (syswrite($s, "GET $uri HTTP/1.1\r\nHost: localhost\r\n\r\n")) {
            $status = _response($s, \$buf);
        }
        if ($status == 200) {
            $ok++;
        } else {
            close $s;
            undef $s;
        }
    }
    close $s if $s;
    return $ok;
}

# the status of one response on $s once it is whole (Content-Length), or 0
sub _response {
    my ($s, $buf) = @_;
    my $deadline = time + 2;
    while (time < $deadline) {
        my $end = index($$buf, "\r\n\r\n");
        if ($end >= 0) {
            my $head = substr($$buf, 0, $end);
            my ($status) = $head =~ m{^HTTP/1\.1 (\d{3})} or return 0;
            my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
            return 0 unless defined $len;
            return $status if length($$buf) >= $end + 4 + $len;
        }
        my $rin = '';
        vec($rin, fileno($s), 1) = 1;
        next unless select(my $rout = $rin, undef, undef, 0.5);
        my $n = sysread($s, $$buf, 65536, length $$buf);
        next if !defined $n && $! == EINTR;
        return 0 unless $n;
    }
    return 0;
}

# the database and its -wal, -shm and -journal files, joined: what a raw
# address must not be found in
sub files_content {
    my ($self) = @_;
    my $all = '';
    for my $f (map { "$self->{path}$_" } '', '-wal', '-shm', '-journal') {
        open my $fh, '<:raw', $f or next;
        local $/;
        my $data = <$fh>;
        $all .= $data if defined $data;
        close $fh;
    }
    return $all;
}

# the forms of an address a careless module could store: its text and its
# packed bytes; an IPv4 address in its IPv4-mapped IPv6 forms as well
sub address_forms {
    my ($addr) = @_;
    my @forms = ($addr);
    if ($addr =~ /:/) {
        push @forms, inet_pton(AF_INET6, $addr);
    } else {
        my $packed = inet_pton(AF_INET, $addr);
        push @forms, $packed, "::ffff:$addr",
            ("\0" x 10) . "\xff\xff" . $packed;
    }
    return @forms;
}

# the addresses (of @addrs) found in the files; () when none
sub raw_addresses {
    my ($self, @addrs) = @_;
    my $all = $self->files_content;
    my @found;
    for my $a (@addrs) {
        push @found, $a if grep { index($all, $_) >= 0 } address_forms($a);
    }
    return @found;
}

1;
