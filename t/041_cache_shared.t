#!/usr/bin/perl

# The render cache is one zone the workers share: a page one worker
# rendered is a HIT in the other; an edit forgotten by the worker that
# sees it first is gone for both, and shows on the next request whichever
# worker answers; renders from before a commit that finish after another
# worker forgot its pages are not kept (two workers under load while an
# admin edits, then every answer the last title); a reload starts an
# empty zone (a template changed by the reload shows at once); a replaced
# file's pages are not served from the old file's.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use POSIX ();
use Time::HiRes qw(sleep time);

my $t = NewsTest->new;
$t->skip_unless_built;

my $p = $t->prefix;

$t->db_init;
my @codes = $t->add_posts(map { { title => "shared post $_",
    categories => 'finance', category_name => '财经' } } 1 .. 20);
my ($apart) = $t->add_posts({ title => 'apart', categories => 'tech' });
my @paths = map { $t->article_path($_) } @codes;
my $apart_path = $t->article_path($apart);

# the article template, which the reload below changes
my $tpl = "$p/article.html";
my $orig = $t->read_file(NewsTest->templates . '/article.html');
$t->write_file($tpl, $orig);

# reuseport: the kernel hands each new connection to one worker's socket
$t->write_conf($t->conf_server('',
    server => 'add_header X-Cache $news_cache_status always;'
        . ' add_header X-Pid $pid always;',
    http => 'news_cache 4m;',
    template => { article => $tpl }));
$t->set_workers(2, reuseport => 1);
$t->run;

is($t->wait_workers(2), 2, 'two workers');

# a GET answered by the worker wanted (or by another than the one named)
sub get_from {
    my ($uri, %o) = @_;
    for (1 .. 400) {
        my $r = $t->get($uri);
        my $pid = $r->{headers}{'x-pid'} // '';
        return $r if defined $o{pid} && $pid eq $o{pid};
        return $r if defined $o{not} && $pid ne '' && $pid ne $o{not};
    }
    return { status => 0, headers => {}, body => '' };
}

sub title_of {
    my ($r) = @_;
    return $r->{body} =~ m{<h1[^>]*>([^<]*)</h1>} ? $1 : '';
}

# one worker renders, the other finds it
my $first = $t->get($paths[0]);
is($first->{headers}{'x-cache'}, 'MISS', 'first request: MISS');
my $pid_a = $first->{headers}{'x-pid'};
my $other = get_from($paths[0], not => $pid_a);
my $pid_b = $other->{headers}{'x-pid'} // '';
ok($pid_b ne '' && $pid_b ne $pid_a, 'the other worker answered')
    or diag("pids: $pid_a, $pid_b");
is($other->{headers}{'x-cache'}, 'HIT',
    'a page one worker rendered is a HIT in the other');
is($other->{body}, $first->{body}, 'the same bytes');

# an edit seen by one worker is gone for both; each first answer is the
# new title, whichever worker gives it
for my $n (1 .. 6) {
    my ($from, $then) = $n % 2 ? ($pid_a, $pid_b) : ($pid_b, $pid_a);
    for my $path (@paths[0 .. 2], $apart_path) {
        # both workers have the page before the edit
        get_from($path, pid => $pid_a);
        get_from($path, pid => $pid_b);
    }
    $t->sql("UPDATE posts SET title = 'edit $n' WHERE info_code = "
        . "'$codes[1]';");
    my $r0 = $t->get($paths[1]);
    is(title_of($r0), "edit $n", "edit $n: shown on the next request");
    is($r0->{headers}{'x-cache'}, 'MISS', "edit $n: rendered again");
    my $r1 = get_from($paths[1], pid => $from);
    is(title_of($r1), "edit $n", "edit $n: shown by one worker");
    my $r2 = get_from($paths[1], pid => $then);
    is(title_of($r2), "edit $n", "edit $n: shown by the other worker");
    is($r2->{headers}{'x-cache'}, 'HIT',
        "edit $n: one render for both workers");
    my $r3 = get_from($apart_path, pid => $then);
    is($r3->{headers}{'x-cache'}, 'HIT',
        "edit $n: a page the edit did not touch stays");
}

# under load from both workers while an admin edits: once the edits stop,
# every answer from either worker is the last title
{
    my @kids;
    my $parent = $$;
    END { kill 'KILL', @kids if @kids && $$ == $parent; }
    my $stop = "$p/load.stop";
    for my $k (1 .. 4) {
        my $pid = fork;
        die "fork: $!\n" unless defined $pid;
        if ($pid == 0) {
            my $end = time + 20;
            while (!-e $stop && time < $end) {
                $t->get($paths[($k + int(rand 3)) % 3]);
            }
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    for my $n (1 .. 40) {
        $t->sql("UPDATE posts SET title = 'race $n' WHERE info_code IN "
            . "('$codes[0]', '$codes[1]', '$codes[2]');");
        sleep 0.02;
    }
    $t->write_file($stop, '');
    waitpid $_, 0 for @kids;
    @kids = ();

    my %seen;
    for my $i (0 .. 2) {
        for my $pid ($pid_a, $pid_b) {
            for (1 .. 3) {
                my $r = get_from($paths[$i], pid => $pid);
                $seen{title_of($r)}++;
            }
        }
    }
    is(join(',', sort keys %seen), 'race 40',
        'after the edits, both workers answer the last title only');
}

# a reload starts an empty zone: the page made by the changed template
my $marked = $orig;
$marked =~ s{</body>}{<!-- after the reload --></body>}
    or die "no </body> in the article template\n";
$t->write_file($tpl, $marked);
ok($t->reload, 'reloaded');
my $after = $t->get($paths[3]);
like($after->{body}, qr/after the reload/,
    'after a reload, pages are made by the new templates');
is($after->{headers}{'x-cache'}, 'MISS', 'after a reload: MISS');
my ($pa) = $after->{headers}{'x-pid'};
my $after2 = get_from($paths[3], not => $pa);
like($after2->{body}, qr/after the reload/, 'in the other new worker too');

# a replaced file: both workers serve its pages, none from the old file
{
    my $copy = "$p/news.db.new";
    $t->sql(".backup '$copy'");
    my $live = $t->db;
    $t->db($copy);
    $t->sql("UPDATE posts SET title = 'replaced' WHERE info_code = "
        . "'$codes[4]';");
    $t->db($live);
    for my $pid ($pa, $after2->{headers}{'x-pid'} // '') {
        get_from($paths[4], pid => $pid);
    }
    rename $copy, $live or die "rename: $!\n";
    sleep 1.2;
    my %seen;
    for (1 .. 20) {
        $seen{title_of($t->get($paths[4]))}++;
    }
    is(join(',', sort keys %seen), 'replaced',
        'a replaced file: every answer from the new file');
}

is(scalar(() = $t->error_log =~ /\[(?:alert|crit|emerg)\]/g), 0,
    'no alerts');

$t->stop;
$t->end_checks;

done_testing();
