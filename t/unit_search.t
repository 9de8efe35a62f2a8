#!/usr/bin/perl

# The C unit tests of the search tokenizer, its query builder and its FTS5
# glue (t/unit/search.c): the TAP of objs/unit/search, which "make unit"
# builds; skipped while it is not built.

use strict;
use warnings;

use FindBin;

my $bin = "$FindBin::Bin/../objs/unit/search";

unless (-f $bin && -x _) {
    require Test::More;
    Test::More::plan(skip_all =>
        'objs/unit/search not built (run make unit)');
}

{ no warnings q(exec); exec { $bin } $bin; }
die "cannot run $bin: $!\n";
