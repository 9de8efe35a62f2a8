#!/usr/bin/perl

# The C unit tests of the text a post's HTML gives the search index
# (t/unit/search_text.c): the TAP of objs/unit/search_text, which "make unit"
# builds; skipped while it is not built.

use strict;
use warnings;

use FindBin;

my $bin = "$FindBin::Bin/../objs/unit/search_text";

unless (-f $bin && -x _) {
    require Test::More;
    Test::More::plan(skip_all =>
        'objs/unit/search_text not built (run make unit)');
}

{ no warnings q(exec); exec { $bin } $bin; }
die "cannot run $bin: $!\n";
