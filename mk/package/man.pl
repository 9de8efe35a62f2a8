#!/usr/bin/perl

# mk/package/man.pl README.md OUTDIR VERSION: the man pages, made from the
# README so that the two cannot drift:
#   ngx_http_news_module.5  every "### news_*" section (the directives,
#                           one or a few a heading), wherever the README
#                           has it, in its order
#   newsctl.1               the "### newsctl" section and the commands
#                           newsctl --help lists (from objs/newsctl)
# The Markdown the README uses is turned into man(7) roff: paragraphs,
# "- " lists, fenced code, tables as they are, `code` and **bold** in bold,
# links as their text.

use strict;
use warnings;

my ($readme, $out, $version) = @ARGV;
die "usage: man.pl README.md OUTDIR VERSION [NEWSCTL]\n" unless $out;
my $newsctl = $ARGV[3] // 'objs/newsctl';
$version //= '0';

open my $fh, '<:encoding(UTF-8)', $readme or die "$readme: $!\n";
my @lines = <$fh>;
close $fh;
chomp @lines;

# the sections: [level, title, [lines]]
my (@sections, $cur);
my $fence = 0;
for my $l (@lines) {
    $fence = !$fence if $l =~ /^```/;
    if (!$fence && $l =~ /^(#{1,4}) (.*)$/) {
        $cur = [length $1, $2, []];
        push @sections, $cur;
        next;
    }
    push @{$cur->[2]}, $l if $cur;
}

my ($day) = (gmtime)[3];
my $date = sprintf '%04d-%02d-%02d', (gmtime)[5] + 1900, (gmtime)[4] + 1,
    $day;
$date = $ENV{SOURCE_DATE_EPOCH}
    ? do { my @t = gmtime $ENV{SOURCE_DATE_EPOCH};
           sprintf '%04d-%02d-%02d', $t[5] + 1900, $t[4] + 1, $t[3] }
    : $date;

sub esc {
    my ($s) = @_;
    $s =~ s/\\/\\e/g;
    $s =~ s/-/\\-/g;
    return $s;
}

# one line of Markdown text as roff
sub inline {
    my ($s) = @_;
    $s =~ s/\[([^\]]+)\]\([^)]*\)/$1/g;
    my @parts = split /(`[^`]*`)/, $s;
    my $r = '';
    for my $p (@parts) {
        if ($p =~ /^`(.*)`$/) {
            $r .= '\\fB' . esc($1) . '\\fR';
        } else {
            my $t = esc($p);
            $t =~ s/\*\*([^*]+)\*\*/\\fB$1\\fR/g;
            $r .= $t;
        }
    }
    $r =~ s/^([.'])/\\&$1/;
    return $r;
}

# a section's lines as roff: a paragraph's or an item's lines joined
# before they are turned, so that a link or `code` may span them
sub body {
    my ($lines) = @_;
    my (@r, @text);
    my ($in_code, $table, $item) = (0, 0, 0);

    my $flush = sub {
        return unless @text;
        push @r, $item ? '.IP \\(bu 2' : '.PP', inline(join ' ', @text);
        @text = ();
    };

    for my $l (@$lines) {
        if ($l =~ /^```/) {
            $flush->();
            if ($in_code) {
                push @r, '.fi', '.RE';
                $in_code = 0;
            } else {
                push @r, '.PP', '.RS 4', '.nf';
                $in_code = 1;
            }
            next;
        }
        if ($in_code) {
            my $t = esc($l);
            $t =~ s/^([.'])/\\&$1/;
            push @r, $t;
            next;
        }
        if ($l =~ /^\|/) {
            $flush->();
            push @r, '.PP', '.nf' unless $table;
            (my $t = $l) =~ s/`//g;
            push @r, esc($t);
            $table = 1;
            next;
        }
        if ($table) {
            push @r, '.fi';
            $table = 0;
        }
        if ($l =~ /^\s*$/) {
            $flush->();
            $item = 0;
            next;
        }
        if ($l =~ /^\s*(?:[-*]|\d+\.) (.*)$/) {
            $flush->();
            $item = 1;
            push @text, $1;
            next;
        }
        (my $t = $l) =~ s/^\s+//;
        push @text, $t;
    }
    $flush->();
    push @r, '.fi' if $table || $in_code;
    return @r;
}


sub write_page {
    my ($file, @text) = @_;
    open my $o, '>:encoding(UTF-8)', $file or die "$file: $!\n";
    print $o join("\n", @text), "\n";
    close $o;
}

# the module's directives

my @dirs = grep { $_->[0] == 3 && $_->[1] =~ /^news_\w+(?:, news_\w+)*$/ }
           @sections;
die "man.pl: no directive sections in $readme\n" unless @dirs;

my @m = ('.\\" made from README.md by mk/package/man.pl; do not edit',
    ".TH NGX_HTTP_NEWS_MODULE 5 \"$date\" \"ngx_news_module $version\" "
        . '"nginx modules"',
    '.SH NAME',
    'ngx_http_news_module \\- a news site from one SQLite file, '
        . 'served by nginx',
    '.SH SYNOPSIS',
    '.nf',
    'load_module modules/ngx_http_news_module.so;',
    '.fi',
    '.SH DESCRIPTION',
    'The module renders articles, category, tag and home pages, share '
        . 'links, feeds, sitemaps and search pages from a SQLite content '
        . 'database, counts readership by article, region and day, and '
        . 'answers Prometheus metrics. Its directives follow, as the '
        . 'README of the source has them.',
    '.SH DIRECTIVES');
for my $d (@dirs) {
    push @m, '.SS ' . $d->[1], body($d->[2]);
}
push @m, '.SH SEE ALSO', '\\fBnewsctl\\fR(1), \\fBnginx\\fR(8)';
write_page("$out/ngx_http_news_module.5", @m);

# newsctl

my ($ctl) = grep { $_->[0] == 3 && $_->[1] eq 'newsctl' } @sections;
die "man.pl: no \"### newsctl\" section in $readme\n" unless $ctl;

my $help = `'$newsctl' --help 2>&1`;
my @cmds;
for my $l (split /\n/, $help) {
    if ($l =~ /^  (\S.*)$/) {
        push @cmds, ['.TP', '\\fB' . esc($1) . '\\fR'];
    } elsif ($l =~ /^      (\S.*)$/ && @cmds) {
        push @{$cmds[-1]}, esc($1);
    }
}
die "man.pl: $newsctl --help lists no commands\n" unless @cmds;

my @n = ('.\\" made from README.md by mk/package/man.pl; do not edit',
    ".TH NEWSCTL 1 \"$date\" \"ngx_news_module $version\" "
        . '"User Commands"',
    '.SH NAME',
    'newsctl \\- the admin tool of ngx_news_module',
    '.SH SYNOPSIS',
    '\\fBnewsctl\\fR \\fICOMMAND\\fR [\\fIARGS\\fR]',
    '.SH COMMANDS',
    map({ @$_ } @cmds),
    '.SH DESCRIPTION',
    body($ctl->[2]),
    '.SH EXIT STATUS',
    '0 done, 1 failed (a message on standard error says what), 2 usage.',
    '.SH SEE ALSO',
    '\\fBngx_http_news_module\\fR(5), \\fBsqlite3\\fR(1)');
write_page("$out/newsctl.1", @n);
