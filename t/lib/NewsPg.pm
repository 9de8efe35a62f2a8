package NewsPg;

# A throwaway PostgreSQL for a test: initdb in a folder of the test's
# prefix, listening on a unix socket there only (no TCP), started with
# pg_ctl and stopped by its postmaster's pid when the object goes, even
# when the test dies.  As root (as CI runs) the server runs as Debian's
# "postgres" user, which initdb requires.
#
#   my $pg = NewsPg->new($t) or plan skip_all => NewsPg::why_not();
#   $pg->url            # libpq's connection URI, database "news"
#   $pg->psql($sql)     # the rows, "|"-separated, one a line
#   $pg->stop; $pg->start

use strict;
use warnings;

use File::Path qw(make_path);
use POSIX ();
use Time::HiRes qw(sleep time);

my $WHY = '';

sub bin_dir {
    my @dirs = sort { $b cmp $a } glob('/usr/lib/postgresql/*/bin');
    for my $d (@dirs) {
        return $d if -x "$d/initdb" && -x "$d/pg_ctl";
    }
    return undef;
}

sub why_not { $WHY }

sub new {
    my ($class, $t) = @_;

    my $bin = bin_dir();
    unless ($bin) {
        $WHY = 'PostgreSQL is not installed (Debian package postgresql; '
            . 'make deps)';
        return undef;
    }

    my $user = $> == 0 ? 'postgres' : undef;
    if ($user && !getpwnam($user)) {
        $WHY = 'running as root without a "postgres" user for the server';
        return undef;
    }

    my $dir = $t->prefix . '/pg';
    make_path($dir);
    my $self = bless { t => $t, bin => $bin, dir => $dir, user => $user,
                       data => "$dir/data", port => 5432 + 1 + int(rand 20000),
                       owner => $$ }, $class;
    if ($user) {
        my (undef, undef, $uid, $gid) = getpwnam($user);
        chown $uid, $gid, $dir or die "chown $dir: $!\n";
        # the test's prefix must be passable for the server's user
        chmod 0755, $t->prefix;
    }

    my ($rc, $out) = $self->run('initdb', '-D', $self->{data}, '-U',
        'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync');
    die "initdb failed: $out\n" if $rc;

    $self->start or die "PostgreSQL did not start: "
        . ($self->log // '') . "\n";

    ($rc, $out) = $self->run('psql', '-h', $dir, '-p', $self->{port},
        '-U', 'postgres', '-d', 'postgres', '-qAt', '-c',
        'CREATE DATABASE news');
    die "CREATE DATABASE: $out\n" if $rc;

    return $self;
}

sub url {
    my ($self) = @_;
    return "postgresql:///news?host=$self->{dir}&port=$self->{port}"
        . '&user=postgres';
}

sub log { $_[0]{t}->read_file("$_[0]{dir}/server.log") }

# a command of the server's binaries, as the server's user; (rc, output)
sub run {
    my ($self, $cmd, @args) = @_;
    my @argv = ("$self->{bin}/$cmd", @args);
    unshift @argv, 'runuser', '-u', $self->{user}, '--' if $self->{user};
    my $out = "$self->{t}{prefix}/pg.out." . $$;
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(126);
        chdir $self->{dir};
        exec @argv or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    my $rc = $? >> 8;
    my $text = $self->{t}->read_file($out) // '';
    unlink $out;
    return ($rc, $text);
}

sub start {
    my ($self) = @_;
    my ($rc, $out) = $self->run('pg_ctl', '-D', $self->{data}, '-l',
        "$self->{dir}/server.log", '-w', '-t', '30', '-o',
        "-k $self->{dir} -p $self->{port} -c listen_addresses=''"
        . ' -c fsync=off', 'start');
    return 0 if $rc;
    $self->{pid} = $self->pid;
    return 1;
}

sub pid {
    my ($self) = @_;
    my $f = "$self->{data}/postmaster.pid";
    return undef unless -e $f;
    my ($pid) = split /\n/, $self->{t}->read_file($f);
    return $pid;
}

sub stop {
    my ($self) = @_;
    my $pid = $self->{pid} // $self->pid;
    return unless $pid;
    kill 'TERM', $pid;      # "smart" would wait for clients: fast
    kill 'INT', $pid;
    my $deadline = time + 20;
    sleep 0.05 while kill(0, $pid) && time < $deadline;
    kill 'KILL', $pid if kill 0, $pid;
    delete $self->{pid};
}

sub psql {
    my ($self, $sql) = @_;
    my ($rc, $out) = $self->run('psql', '-h', $self->{dir}, '-p',
        $self->{port}, '-U', 'postgres', '-d', 'news', '-qAt',
        '-v', 'ON_ERROR_STOP=1', '-c', $sql);
    die "psql failed: $out\nSQL: $sql\n" if $rc;
    chomp $out;
    return $out;
}

sub DESTROY {
    my ($self) = @_;
    return unless $self->{owner} == $$;
    $self->stop;
}

1;
