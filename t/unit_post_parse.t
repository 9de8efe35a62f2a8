#!/usr/bin/perl

# The C unit tests of newsctl's post parser (t/unit/post_parse.c): the TAP
# of objs/unit/post_parse, which "make unit" builds; skipped while it is
# not built.

use strict;
use warnings;

use FindBin;

my $bin = "$FindBin::Bin/../objs/unit/post_parse";

unless (-f $bin && -x _) {
    require Test::More;
    Test::More::plan(skip_all =>
        'objs/unit/post_parse not built (run make unit)');
}

{ no warnings q(exec); exec { $bin } $bin; }
die "cannot run $bin: $!\n";
