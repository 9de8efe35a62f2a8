#!/usr/bin/perl

# A MaxMind DB overwritten in place while nginx serves (news_geoip_db):
# "cp other.mmdb current.mmdb", "truncate -s 0", garbage bytes, a good
# database again, under a little load.  No worker dies (libmaxminddb maps
# the file, and a mapping of a file cut short faults): every request is
# answered 200 and counted.  Workers look up in a private copy of the file;
# a changed file that opens as a MaxMind DB is picked up within a second or
# two, one that does not (cut short, half written, garbage) leaves the copy
# in use, said once in the error log.

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

my $p = $t->prefix;
$t->db_init;
my ($code) = $t->add_posts({ title => 'overwritten' });
my $article = $t->article_path($code);

# "big": thousands of records, so that the file spans many pages and a
# lookup reads far past the end of any smaller file written over it
my %big = (
    '81.2.69.142/32' => { country => 'GB', subdivision => 'ENG' },
    '2001:218::/32' => { country => 'JP' },
);
my @FAR;
for my $i (0 .. 3999) {
    my $sub = join '', map { ('A' .. 'Z', 0 .. 9)[$_] }
        int($i / 1296) % 36, int($i / 36) % 36, $i % 36;
    my $addr = '100.64.' . int($i / 256) . '.' . ($i % 256);
    $big{"$addr/32"} = { country => 'US', subdivision => $sub };
    push @FAR, [$addr, "US-$sub"] if $i % 1000 == 999;
}
NewsMMDB::write("$p/big.mmdb", \%big);

# "small": another database, the same address in another region
NewsMMDB::write("$p/small.mmdb", {
    '81.2.69.142/32' => { country => 'GB', subdivision => 'SCT' },
    '2001:218::/32' => { country => 'JP' },
});
ok(-s "$p/big.mmdb" > 20 * -s "$p/small.mmdb",
    'the first database is much larger than the second');

my $DB = "$p/current.mmdb";
copy_over("$p/big.mmdb");

my $rs = NewsReadership->new($t, "$p/readership.db");
$t->write_conf($t->conf_server('', http => <<"EOF",
    news_geoip_db $DB;
    news_readership zone=readers:1m db=%%PREFIX%%/readership.db flush=200ms;
    news_timezone UTC;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    log_format geo '\$http_x_tag|\$news_region|\$status';
EOF
    server => "access_log $p/geo.log geo;"));
$t->run;

# "cp file current.mmdb": the same inode, truncated, then written
sub copy_over {
    my ($from) = @_;
    system('cp', $from, $DB) == 0 or die "cp $from $DB: $?\n";
}

# the copies a process holds: its memfds' fds
sub memfds {
    my ($pid) = @_;
    opendir my $dh, "/proc/$pid/fd" or return;
    my @fds = grep { (readlink("/proc/$pid/fd/$_") // '') =~ /^\/memfd:/ }
        readdir $dh;
    closedir $dh;
    return @fds;
}

my $seq = 0;
my $sent = 0;
my @bad;

# the region one request from $addr was filed under ("" when no log line
# came), its status checked
sub region {
    my ($addr) = @_;
    my $tag = ++$seq;
    my $r = $t->get($article, 'X-Forwarded-For' => $addr, 'X-Tag' => $tag);
    $sent++;
    push @bad, "$addr: $r->{status}" . ($r->{error} ? " $r->{error}" : '')
        unless $r->{status} == 200;
    my $deadline = time + 2;
    while (time < $deadline) {
        for (split /\n/, $t->read_file("$p/geo.log")) {
            my ($tg, $region) = split /\|/;
            return $region if $tg eq $tag;
        }
        sleep 0.02;
    }
    return '';
}

# waits up to $timeout seconds for $addr to be found in $want
sub wait_region {
    my ($addr, $want, $timeout) = @_;
    my $deadline = time + ($timeout || 4);
    my $got;
    while (1) {
        $got = region($addr);
        return $got if $got eq $want || time > $deadline;
        sleep 0.05;
    }
}

# the load: a child sends requests from addresses all over the database,
# as fast as it can, until told to stop (bounded: 20s, 20000 requests); it
# writes its statuses to a file
my $LOAD = "$p/load.out";
my $STOP = "$p/load.stop";
my $child = fork;
die "fork: $!\n" unless defined $child;
if ($child == 0) {
    my @addrs = ('81.2.69.142', '2001:218::1', map { $_->[0] } @FAR);
    my @st;
    my $deadline = time + 20;
    while (!-e $STOP && time < $deadline && @st < 20000) {
        my $r = $t->get($article,
            'X-Forwarded-For' => $addrs[@st % @addrs]);
        push @st, $r->{status};
    }
    open my $fh, '>', $LOAD or POSIX::_exit(1);
    print $fh "@st\n";
    close $fh;
    POSIX::_exit(0);
}
END { kill 'KILL', $child if $child && $$ != $child && !-e $LOAD; }

###############################################################################

is(scalar(memfds($t->pid)), 1, 'the master holds one copy');
is(region('81.2.69.142'), 'GB-ENG', 'first database: GB-ENG');
is(region($FAR[-1][0]), $FAR[-1][1], 'first database: its last record');

# cp of a smaller database over it: in use within a second or two

my $mark = $t->log_mark;
copy_over("$p/small.mmdb");
is(wait_region('81.2.69.142', 'GB-SCT'), 'GB-SCT',
    'cp of another database: picked up');
is(region($FAR[0][0]), 'ZZ', 'cp of another database: its records only');
like($t->error_log_since($mark),
    qr/news: GeoIP database "\Q$DB\E" changed, now in use/,
    'cp of another database: logged');

# truncate -s 0: the copy in use stays, said once

$mark = $t->log_mark;
truncate($DB, 0) or die "truncate $DB: $!\n";
sleep 1.1;
is(region('81.2.69.142'), 'GB-SCT', 'truncated: the copy stays in use');
sleep 1.1;
is(region('2001:218::1'), 'JP', 'truncated: still in use a second later');
my @kept = grep { /news: GeoIP database .*current\.mmdb.*changed/ }
    split /\n/, $t->error_log_since($mark);
is(scalar @kept, 1, 'truncated: one error-log line') or diag("@kept");
like($kept[0] // '', qr/\[error\].*kept/, 'truncated: the copy is kept');

# garbage written over it

$mark = $t->log_mark;
$t->write_file($DB, join '', map { chr(($_ * 7919) % 251) } 1 .. 200000);
sleep 1.1;
is(region('81.2.69.142'), 'GB-SCT', 'garbage: the copy stays in use');
like($t->error_log_since($mark), qr/\[error\].*current\.mmdb.*kept/,
    'garbage: logged');

# a good database again

$mark = $t->log_mark;
copy_over("$p/big.mmdb");
is(wait_region('81.2.69.142', 'GB-ENG'), 'GB-ENG',
    'a good database again: picked up');
is(region($FAR[-1][0]), $FAR[-1][1], 'a good database again: all of it');
unlike($t->error_log_since($mark), qr/\[error\]/,
    'a good database again: no error')
    or diag($t->error_log_since($mark));

# a reload copies the file anew, in the master, for every worker; the
# master keeps one copy: that of the old configuration is closed

copy_over("$p/small.mmdb");
ok($t->reload, 'reload');
is(region('81.2.69.142'), 'GB-SCT', 'after a reload: the file on disk');
is(scalar(memfds($t->pid)), 1, 'after a reload: one copy in the master');

# the load ends

$t->write_file($STOP, '');
waitpid($child, 0);
my @load = split ' ', $t->read_file($LOAD);
ok(@load > 20, 'load: requests sent (' . scalar(@load) . ')');
is(join(' ', grep { $_ != 200 } @load), '', 'load: every request 200');
is("@bad", '', 'probes: every request 200');

# every view counted, once the quit has flushed them

$t->stop;
my $views = $sent + @load;
ok($rs->wait_total($views), "$views views counted")
    or diag('counted ' . $rs->last_total);
is($rs->value('SELECT coalesce(sum(count), 0) FROM readership_lost;'), 0,
    'none lost');

done_testing;
