#!/usr/bin/perl

# The verdict of make test-asan on the sanitizer reports of a run: each
# file in LOGDIR is one process's log_path output (asan.PID).
#
#   asan-report.pl REPO LOGDIR              fail on any report of ours
#   asan-report.pl --canary REPO LOGDIR     the canary's three reports
#
# Any AddressSanitizer or UndefinedBehaviorSanitizer error, a fatal error
# of LeakSanitizer, or text this script does not know fails the run and is
# printed whole.  A leak fails it when its allocation stack has a frame of
# ours: a file under REPO (module, newsctl and the nginx headers inlined
# into them), the module's .so, or "<unknown module>" (code unmapped
# before the report).  Leaks with no frame of ours are nginx's own: it
# does not free what it keeps until exit (the cycle of "nginx -t", the
# connection arrays of a worker), and they are counted, not failed; so
# are the blocks of a pool nginx never freed, whichever call of ours
# asked for the block (the module makes no pool of its own).
# mk/hardening/lsan.supp removes the few nginx leaks that pass through a
# call of ours.

use strict;
use warnings;

my $canary = @ARGV && $ARGV[0] eq '--canary' ? shift : undef;
my ($repo, $dir) = @ARGV;
die "usage: $0 [--canary] REPO LOGDIR\n" unless defined $dir;

opendir my $dh, $dir or die "$dir: $!\n";
my @files = sort grep { -f "$dir/$_" } readdir $dh;
closedir $dh;

my ($failed, $ignored, %seen, %first) = (0, 0);

for my $name (@files) {
    my $path = "$dir/$name";
    open my $fh, '<', $path or die "$path: $!\n";
    my @lines = <$fh>;
    close $fh;

    my ($text, $bad, @ours) = (join('', @lines), 0);

    # leak records: a "Direct/Indirect leak" line, its frames, a blank line
    my ($rec, @rest);
    for my $line (@lines) {
        if ($line =~ /^(?:Direct|Indirect) leak of \d+ byte/) {
            $rec = [$line];
            next;
        }
        if ($rec) {
            if ($line =~ /^\s+#\d+ /) {
                push @$rec, $line;
                next;
            }
            if (ours($rec)) {
                push @ours, join('', @$rec);
            } else {
                $ignored++;
            }
            undef $rec;
        }
        push @rest, $line;
    }
    if ($rec) {
        ours($rec) ? push(@ours, join('', @$rec)) : $ignored++;
    }

    # what is left of a leak-only file is its frame: "====", the ERROR
    # line, SUMMARY and blank lines
    for my $line (@rest) {
        next if $line =~ /^\s*$/ || $line =~ /^=+$/
            || $line =~ /^==\d+==ERROR: LeakSanitizer: detected memory leaks$/
            || $line =~ /^SUMMARY: AddressSanitizer: \d+ byte\(s\) leaked/
            || $line =~ /^-+$/ || $line =~ /^Suppressions used:/
            || $line =~ /^\s+count\s+bytes\s+template/
            || $line =~ /^\s+\d+\s+\d+\s+\S+$/;
        $bad = 1;
        last;
    }

    $seen{ubsan}++ if $text =~ /runtime error:.*/ && $text =~ /canary\.c/;
    $seen{asan}++ if $text =~ /ERROR: AddressSanitizer: heap-use-after-free/
        && $text =~ /canary\.c/;
    $seen{leak}++ if grep { /canary\.c/ } @ours;

    next unless $bad || @ours;
    next if $canary;

    $failed++;

    # one report the first time, a reference to it later: a fault on a
    # common path shows in every nginx process of every test
    my $report = $bad ? $text : join("\n", @ours);
    my $key = signature($report);
    if ($first{$key}) {
        print "==== $path: the same as $first{$key}\n";
        next;
    }
    $first{$key} = $path;
    print "==== $path\n$report\n";
}

if ($canary) {
    my @missing = grep { !$seen{$_} } qw(ubsan asan leak);
    if (@missing) {
        print "asan canary: no report of: @missing in $dir\n";
        exit 1;
    }
    print "asan canary: ubsan, asan and leak reports seen\n";
    exit 0;
}

printf "asan: %d report file(s), %d of them failing; %d leak record(s) "
    . "of nginx itself ignored\n", scalar @files, $failed, $ignored;
exit($failed ? 1 : 0);

# what tells one fault from another: the error line and the first frame of
# ours, without addresses and pids
sub signature {
    my ($report) = @_;
    my @key;
    for my $line (split /\n/, $report) {
        push @key, $line if !@key
            && $line =~ /runtime error:|ERROR: \w+Sanitizer|leak of/;
        if ($line =~ /^\s+#\d+ / && ours([undef, $line])) {
            push @key, $line;
            last;
        }
    }
    my $key = @key ? join("\n", @key) : $report;
    $key =~ s/0x[0-9a-f]+|==\d+==|\d+ byte\(s\) in \d+ object\(s\)//g;
    return $key;
}

sub ours {
    my ($rec) = @_;
    return 0 if pool_block($rec);
    return grep {
        index($_, "$repo/") >= 0 || /ngx_http_news_module\.so/
            || /\(<unknown module>\)/
    } @$rec[1 .. $#$rec];
}

# a block of an nginx pool (posix_memalign, ngx_memalign, then the pool's
# own ngx_palloc_block, unnamed in Debian's stripped nginx) is lost only
# with its pool, and the module makes no pool of its own: such a pool is
# nginx's, never freed until exit (the cycle of "nginx -t"), whichever call
# of ours happened to need its next block
#
# A large allocation of a pool (malloc, ngx_alloc, the pool's own
# ngx_palloc_large, unnamed too, then the pool function that needed it) is
# freed with its pool in the same way.
sub pool_block {
    my ($rec) = @_;
    my @f = grep { defined && /^\s+#\d+ / } @$rec;
    my $nginx_own = qr/^\s+#2 0x[0-9a-f]+  \(\S*nginx\+0x[0-9a-f]+\)/;
    my $pool_call = qr/[ ]in[ ]ngx_(?:palloc|pnalloc|pcalloc|pmemalign
        |array_push|array_push_n|array_create|list_push)[ ]/x;
    return 0 if @f < 3;
    return 1 if $f[0] =~ /\bposix_memalign\b/
        && $f[1] =~ / in ngx_memalign /
        && ($f[2] =~ / in ngx_palloc_block / || $f[2] =~ $nginx_own);
    return @f >= 4
        && $f[0] =~ /malloc /
        && $f[1] =~ / in ngx_alloc /
        && ($f[2] =~ / in ngx_palloc_large / || $f[2] =~ $nginx_own)
        && $f[3] =~ $pool_call;
}
