exec './objs/unit/post_parse' or die "objs/unit/post_parse: $!";
