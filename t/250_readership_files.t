#!/usr/bin/perl

# The readership file under the feet of nginx: removed while serving (it
# is made again, and the counts after go to it), read-only when opened
# and writable again later (opened again, the counts kept meanwhile
# arrive), in a directory the workers cannot write (said to be impossible
# to create), the content database itself (refused by nginx -t, by any
# name), and another SQLite database (refused, never modified).

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsReadership;
use Digest::SHA qw(sha256_hex);
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
$t->skip_unless_built;

my $p = $t->prefix;
$t->db_init;
my @codes = $t->add_posts(map { { title => "post $_" } } 1 .. 10);
my @paths = map { $t->article_path($_) } @codes;

# root writes read-only files: the workers run as nobody then, and the
# readership files are in a directory of theirs
my ($uid, $gid) = (getpwnam('nobody'))[2, 3];
my $as_nobody = $> == 0 && defined $uid;
my $dir = "$p/rs";
mkdir $dir or die "mkdir: $!\n";
chown $uid, $gid, $dir or die "chown: $!\n" if $as_nobody;

sub conf {
    my ($readership) = @_;
    $t->write_conf($t->conf_server('', http => <<"EOF2"));
    news_readership $readership;
    news_timezone UTC;
EOF2
    return unless $as_nobody;
    my $conf = $t->read_file('nginx.conf');
    $conf =~ s/^user root;$/user nobody nogroup;/m
        or die "no user line in nginx.conf\n";
    $t->write_file('nginx.conf', $conf);
}

sub pages {
    my @st = map { $t->get($paths[$_ % @paths])->{status} } 1 .. $_[0];
    return "@st";
}

sub log_lines {
    my ($mark, $re) = @_;
    return scalar(grep { /$re/ } split /\n/, $t->error_log_since($mark));
}

###############################################################################

# removed while nginx serves: made again at the next flush

{
    my $rs = NewsReadership->new($t, "$dir/removed.db");
    conf("zone=r:1m db=$dir/removed.db flush=200ms");
    $t->run;

    is(pages(3), '200 200 200', 'removed: pages before');
    ok($rs->wait_total(3), 'removed: counted before');

    my $mark = $t->log_mark;
    unlink glob "$dir/removed.db*";
    ok(!$rs->present, 'removed: the file is gone');

    is(pages(4), '200 200 200 200', 'removed: pages after');
    ok($rs->wait_total(4, 4), 'removed: made again, the counts after in it')
        or diag('total ' . $rs->last_total);
    $t->stop;

    is($rs->total, 4, 'removed: exactly, after quit');
    my $said = qr/news: readership database "\Q$dir\/removed.db\E" was /;
    like($t->error_log_since($mark), qr/${said}removed or replaced/,
        'removed: said so');
}

###############################################################################

# read-only when nginx opens it, writable again a moment later

SKIP: {
    skip 'root writes read-only files and there is no user nobody', 6
        if $> == 0 && !$as_nobody;

    my $rs = NewsReadership->new($t, "$dir/readonly.db");
    conf("zone=r:1m db=$dir/readonly.db flush=200ms");
    $t->run;
    is(pages(1), '200', 'read-only: a page while writable');
    ok($rs->wait_total(1), 'read-only: counted');
    $t->stop;

    chmod 0444, $rs->path or die "chmod: $!\n";
    my $mark = $t->log_mark;
    $t->run;
    is(pages(3), '200 200 200', 'read-only: pages');

    my $deadline = time + 3;
    sleep 0.05 until log_lines($mark, qr/news:.*readonly\.db/) >= 2
        || time > $deadline;
    ok(log_lines($mark, qr/news:.*readonly\.db/) >= 2,
        'read-only: the error logged');

    chmod 0644, $rs->path or die "chmod: $!\n";
    ok($rs->wait_total(4, 4), 'read-only: opened again, the counts arrive')
        or diag('total ' . $rs->last_total . "\n"
            . $t->error_log_since($mark));
    $t->stop;
    is($rs->total, 4, 'read-only: exactly, after quit');
}

###############################################################################

# a readership file of before readership_batch and region_names: opened,
# the tables added, its rows kept and added to

{
    my $rs = NewsReadership->new($t, "$dir/old.db");
    open my $fh, '<', $t->repo . '/sql/readership.sql' or die "open: $!\n";
    my $schema = do { local $/; <$fh> };
    close $fh;
    my ($rc, $out, $err) = $t->run_cmd($schema
        . "DROP TABLE readership_batch;\nDROP TABLE region_names;\n"
        . "INSERT INTO readership VALUES ('old', '2020-01-01', 'NW1', 'JP',"
        . " 'view', 0, 5);\n", $NewsTest::SQLITE3, $rs->path);
    die "sqlite3 old.db: $err" if $rc;
    chown $uid, $gid, $rs->path or die "chown: $!\n" if $as_nobody;

    conf("zone=r:1m db=$dir/old.db flush=200ms");
    $t->run;
    is(pages(2), '200 200', 'old file: pages');
    ok($rs->wait_total(7), 'old file: counts added to its rows')
        or diag('total ' . $rs->last_total);
    $t->stop;
    is($rs->value("SELECT count(*) FROM sqlite_master "
        . "WHERE name = 'readership_batch';"), 1, 'old file: table added');
    is($rs->value("SELECT count(*) FROM sqlite_master "
        . "WHERE name = 'region_names';"), 1, 'old file: region_names added');
    is($rs->value('PRAGMA user_version;'), 1, 'old file: same version');
}

###############################################################################

# a directory the workers cannot write: the file cannot be created, and
# the log says so, not that the file is of another kind

SKIP: {
    skip 'root writes anywhere and there is no user nobody', 3
        if $> == 0 && !$as_nobody;

    my $ro = "$p/ro-dir";
    mkdir $ro or die "mkdir: $!\n";
    chmod 0555, $ro or die "chmod: $!\n";

    my $mark = $t->log_mark;
    conf("zone=r:1m db=$ro/rs.db flush=200ms");
    $t->run;
    is(pages(2), '200 200', 'read-only directory: pages');
    my $deadline = time + 3;
    sleep 0.05 until log_lines($mark, qr/news:.*ro-dir/) || time > $deadline;
    $t->stop;

    my $log = $t->error_log_since($mark);
    my $said = qr/news: readership database "\Q$ro\/rs.db\E" /;
    like($log, qr/${said}cannot be created/,
        'read-only directory: cannot be created, it says');
    unlike($log, qr/not a readership database/,
        'read-only directory: not "not a readership database"');
    chmod 0755, $ro;
}

###############################################################################

# the content database as db=, by any name: nginx -t refuses it, naming
# both directives

symlink $t->db, "$p/link.db" or die "symlink: $!\n";
link $t->db, "$p/hard.db" or die "link: $!\n";
mkdir "$p/sub" or die "mkdir: $!\n";

for my $case (['the same path', '%%DB%%'], ['a symbolic link', 'link.db'],
    ['a hard link', 'hard.db'], ['a relative path', 'sub/../news.db'],
    ['a path with ./', "$p/./news.db"])
{
    my ($name, $db) = @$case;
    my $before = sha256_hex($t->read_file('news.db'));
    conf("zone=r:1m db=$db");
    my ($rc, $out) = $t->test_conf;
    isnt($rc, 0, "content database ($name): nginx -t fails");
    like($out, qr/"news_readership" db=.*"news_db \Q${\ $t->db}\E"/,
        "content database ($name): naming both directives")
        or diag($out);
    is(sha256_hex($t->read_file('news.db')), $before,
        "content database ($name): not modified");
}

###############################################################################

# another SQLite database as db=, one the workers could write: refused
# once in the log, never modified; the pages are served

{
    $t->write_file('rs/copy.db', $t->read_file('news.db'));
    my ($rc, $out, $err) = $t->run_cmd("CREATE TABLE notes (x);\n"
        . "INSERT INTO notes VALUES ('mine');\n", $NewsTest::SQLITE3,
        "$dir/other.db");
    die "sqlite3 other.db: $err" if $rc;
    ($rc, $out, $err) = $t->run_cmd("PRAGMA application_id = 42;\n"
        . "CREATE TABLE readership (x);\n", $NewsTest::SQLITE3,
        "$dir/other-id.db");
    die "sqlite3 other-id.db: $err" if $rc;
    $t->write_file('rs/text.db', "not a database at all\n" x 20);
    if ($as_nobody) {
        chown $uid, $gid, glob "$dir/*.db" or die "chown: $!\n";
    }
}

for my $file (qw(copy.db other.db other-id.db text.db)) {
    my $before = sha256_hex($t->read_file("rs/$file"));
    my $mark = $t->log_mark;
    conf("zone=r:1m db=$dir/$file flush=100ms");
    $t->run;
    is(pages(3), '200 200 200', "$file: pages");
    sleep 0.5;
    $t->stop;

    is(sha256_hex($t->read_file("rs/$file")), $before,
        "$file: not modified");
    ok(!-e "$dir/$file-wal" && !-e "$dir/$file-journal",
        "$file: no journal made for it");
    my $refused = qr/news: "\Q$dir\/$file\E" .*not a readership database/;
    is(log_lines($mark, $refused), 1, "$file: refused, said once")
        or diag($t->error_log_since($mark));
}

done_testing;
