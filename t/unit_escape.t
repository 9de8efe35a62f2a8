#!/usr/bin/perl

# The C unit tests of the HTML escaper
# (t/unit/escape.c): the TAP of objs/unit/escape, which "make unit"
# builds; skipped while it is not built.

use strict;
use warnings;

use FindBin;

my $bin = "$FindBin::Bin/../objs/unit/escape";

unless (-f $bin && -x _) {
    require Test::More;
    Test::More::plan(skip_all =>
        'objs/unit/escape not built (run make unit)');
}

{ no warnings q(exec); exec { $bin } $bin; }
die "cannot run $bin: $!\n";
