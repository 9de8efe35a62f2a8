#!/usr/bin/perl

# Bad rows: what admins get past the schema (foreign keys off, dropped
# triggers, ignored CHECK constraints, invalid UTF-8, a huge body, dates
# SQLite normalizes) still renders safely: no 500, no hang, no crash, valid
# JSON-LD, escaped HTML, URLs that resolve in a few redirects at most.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use Time::HiRes qw(time);

# the 50 MB page takes a moment to read
my $t = NewsTest->new(timeout => 15);
$t->skip_unless_built;

my $D = '2022/03/04';

$t->db_init;
my ($ok, $orphan, $leafp, $ca, $cb, $selfp, $deepp, $blank, $odd, $crlf,
    $yday, $feb30, $m13, $foo, $badslug, $utf, $empty, $js, $big)
    = $t->add_posts(
    { title => 'control', categories => 'finance', category_name => '财经' },
    { title => 'orphan', categories => 'doomed', category_name => 'Doomed' },
    { title => 'leaf post', categories => [qw(mid leaf)],
      category_name => 'Leaf' },
    { title => 'in ca', categories => 'ca', category_name => 'CA' },
    { title => 'in cb', categories => [qw(ca cb)], category_name => 'CB' },
    { title => 'in selfie', categories => 'selfie',
      category_name => 'Selfie' },
    { title => 'deep post', categories => 'd00', category_name => 'D00' },
    { title => 'blank title', categories => 'finance',
      category_name => '财经' },
    { title => 'odd code', categories => 'finance', category_name => '财经' },
    { title => 'crlf code', categories => 'finance',
      category_name => '财经' },
    { title => 'yesterday', categories => 'finance',
      category_name => '财经' },
    { title => 'february 30', categories => 'finance',
      category_name => '财经' },
    { title => 'month 13', categories => 'finance', category_name => '财经' },
    { title => 'status foo', categories => 'finance',
      category_name => '财经' },
    { title => 'bad slug', categories => 'badslug',
      category_name => 'Bad' },
    { title => 'utf8 post', categories => 'utf', category_name => 'UTF',
      tags => [qw(goodtag)] },
    { title => 'empty fields', categories => 'finance',
      category_name => '财经' },
    { title => 'js source', categories => 'finance',
      category_name => '财经' },
    { title => 'big body', categories => 'finance',
      category_name => '财经' },
);

$t->write_conf($t->conf_server);
$t->run;

my $share = '/html_News/NewsShare.html';

# a GET bounded in time: (response, seconds)
sub timed_get {
    my ($uri) = @_;
    my $t0 = time;
    my $r = $t->get($uri);
    return ($r, time - $t0);
}

# a GET that must answer, without a 500, in a few seconds
sub get_ok {
    my ($name, $uri) = @_;
    my ($r, $s) = timed_get($uri);
    ok($r->{status} && $r->{status} < 500, "$name: answered, no 5xx")
        or diag("status $r->{status}" . ($r->{error} ? ": $r->{error}" : ''));
    ok($s < 3, "$name: in ${\ sprintf '%.2f', $s}s");
    return $r;
}

# follows redirects on this server, three at most: (final status, final
# path, hops)
sub follow {
    my ($uri) = @_;
    my @hops;
    for my $n (0 .. 3) {
        my ($r) = timed_get($uri);
        return ($r->{status}, $uri, \@hops)
            unless $r->{status} =~ /^30[1278]$/;
        last if $n == 3;
        my $next = $t->local_path($r->{headers}{location});
        return ($r->{status}, $uri, \@hops) unless defined $next;
        push @hops, "$r->{status} $next";
        $uri = $next;
    }
    return ('too many redirects', $uri, \@hops);
}

# an article URL that must lead, in at most three redirects, to a stable
# URL that serves 200; that URL
sub resolves {
    my ($name, $uri) = @_;
    my ($status, $final, $hops) = follow($uri);
    is($status, 200, "$name: $uri resolves to 200")
        or diag(join "\n", 'hops:', @$hops);
    my ($again) = follow($final);
    is($again, 200, "$name: the URL it resolved to is stable");
    return $final;
}

# every JSON-LD block of a page parses as UTF-8 JSON
sub jsonld_ok {
    my ($name, $html) = @_;
    my @ld = NewsTest::jsonld($html);
    ok(@ld, "$name: JSON-LD present");
    for my $ld (@ld) {
        ok(defined $ld->[1], "$name: JSON-LD parses") or diag($@);
    }
}

# a page's breadcrumb category names, in order
sub crumb_names {
    my ($html) = @_;
    my $nav = NewsTest::breadcrumb($html) // '';
    my @names = $nav =~ m{<a\b[^>]*>([^<]*)</a>}g;
    shift @names;    # 首页
    return @names;
}

# a page without something: on failure, the line that has it
sub lacks {
    my ($html, $re, $name) = @_;
    my @lines = grep { /$re/ } split /\n/, $html;
    ok(!@lines, $name) or diag("found in: $lines[0]");
}

# after each case: no crash or alert since the mark, the site answers
sub alive {
    my ($name, $mark) = @_;
    my $log = $t->error_log_since($mark);
    unlike($log, qr/exited on signal/, "$name: no worker crashed");
    unlike($log, qr/\[alert\]/, "$name: no alerts");
    is($t->get("/finance/$D/$ok.html")->{status}, 200,
        "$name: nginx still answers");
}

###############################################################################

# foreign keys off: a category deleted under its posts, and a parent
# deleted under a category

my $mark = $t->log_mark;
$t->sql("PRAGMA foreign_keys = OFF;\n"
    . "DELETE FROM categories WHERE slug IN ('doomed', 'mid');");
is($t->sql_value("SELECT count(*) FROM posts "
    . "WHERE info_code IN ('$orphan', '$leafp');"), 2,
    'orphans: the posts are left');

my $final = resolves('orphan', "/doomed/$D/$orphan.html");
my $r = get_ok('orphan page', $final);
is($r->{status}, 200, 'orphan: 200');
is(join('>', crumb_names($r->{body})), '', 'orphan: breadcrumb of home');
jsonld_ok('orphan', $r->{body});
like($r->{body}, qr/返回首页/, 'orphan: closing line');
$r = get_ok('orphan share', "$share?infoCode=$orphan");
is($t->local_path($r->{headers}{location}), $final,
    'orphan: share link to the same URL');
is(get_ok('orphan category', '/category/doomed.html')->{status}, 404,
    'orphan: its category page 404');
is(get_ok('orphan home', '/')->{status}, 200, 'orphan: home 200');

$r = get_ok('orphan parent', "/leaf/$D/$leafp.html");
is($r->{status}, 200, 'parent gone: 200');
is(join('>', crumb_names($r->{body})), 'Leaf', 'parent gone: breadcrumb');
jsonld_ok('parent gone', $r->{body});
is(get_ok('parent gone category', '/category/leaf.html')->{status}, 200,
    'parent gone: category page 200');
alive('foreign keys off', $mark);

# dropped cycle triggers: a -> b -> a, and a category its own parent

$mark = $t->log_mark;
$t->sql("DROP TRIGGER categories_no_cycle_update;\n"
    . "UPDATE categories SET parent_id = "
    . "(SELECT id FROM categories WHERE slug = 'cb') WHERE slug = 'ca';\n"
    . "PRAGMA ignore_check_constraints = ON;\n"
    . "UPDATE categories SET parent_id = id WHERE slug = 'selfie';");

for my $c ([ 'ca', $ca, 'CA', 'CB' ], [ 'cb', $cb, 'CB', 'CA' ]) {
    my ($slug, $code, $own, $other) = @$c;
    my $r = get_ok("cycle $slug article", "/$slug/$D/$code.html");
    is($r->{status}, 200, "cycle $slug: article 200");
    my @names = crumb_names($r->{body});
    is(join('>', @names), "$other>$own", "cycle $slug: breadcrumb cut");
    jsonld_ok("cycle $slug article", $r->{body});

    $r = get_ok("cycle $slug category", "/category/$slug.html");
    is($r->{status}, 200, "cycle $slug: category page 200");
    is(join('>', crumb_names($r->{body})), "$other>$own",
        "cycle $slug: category breadcrumb cut");
    jsonld_ok("cycle $slug category", $r->{body});
}
like($t->error_log_since($mark), qr/news: .*own ancestor/,
    'cycle: logged');

$r = get_ok('self parent', "/selfie/$D/$selfp.html");
is($r->{status}, 200, 'self parent: article 200');
is(join('>', crumb_names($r->{body})), 'Selfie', 'self parent: breadcrumb');
is(get_ok('self parent category', '/category/selfie.html')->{status}, 200,
    'self parent: category page 200');
is(get_ok('cycle home', '/')->{status}, 200, 'cycle: home 200');
alive('cycles', $mark);

# a chain of 40 categories: the page answers with a bounded breadcrumb

$mark = $t->log_mark;
$t->sql(join '', map {
    sprintf("INSERT INTO categories (slug, name, parent_id) VALUES "
        . "('d%02d', 'D%02d', (SELECT id FROM categories "
        . "WHERE slug = 'd%02d'));\n", $_, $_, $_ - 1) } 1 .. 40);
$t->sql("UPDATE posts SET category_id = (SELECT id FROM categories "
    . "WHERE slug = 'd40') WHERE info_code = '$deepp';");
$r = get_ok('deep', "/d40/$D/$deepp.html");
is($r->{status}, 200, 'deep: 200');
my @deep = crumb_names($r->{body});
ok(@deep >= 1 && @deep <= 41, 'deep: ' . scalar(@deep) . ' crumbs');
is($deep[-1], 'D40', 'deep: ends with its own category');
jsonld_ok('deep', $r->{body});
is(get_ok('deep home', '/')->{status}, 200, 'deep: home 200');
alive('deep', $mark);

###############################################################################

# CHECK constraints ignored

$mark = $t->log_mark;
my $odd_code = 'NW12"><b>odd</b>';
$t->sql(<<"EOF");
PRAGMA ignore_check_constraints = ON;
UPDATE posts SET title = '   ' WHERE info_code = '$blank';
UPDATE posts SET info_code = '$odd_code' WHERE info_code = '$odd';
UPDATE posts SET info_code = 'NW1' || char(13, 10) || 'Set-Cookie: a=b'
    WHERE info_code = '$crlf';
UPDATE posts SET published_at = 'yesterday' WHERE info_code = '$yday';
UPDATE posts SET published_at = '2022-13-45 10:00:00+08:00'
    WHERE info_code = '$m13';
UPDATE posts SET status = 'foo' WHERE info_code = '$foo';
UPDATE categories SET slug = 'A B/"c<' WHERE slug = 'badslug';
UPDATE posts SET source_name = 'src', source_url = 'javascript:alert(1)'
    WHERE info_code = '$js';
EOF
# SQLite takes February 30 as March 2: the schema lets it through as is
$t->sql("UPDATE posts SET published_at = '2022-02-30 10:00:00+08:00' "
    . "WHERE info_code = '$feb30';");

$r = get_ok('blank title', "/finance/$D/$blank.html");
is($r->{status}, 200, 'blank title: 200');
jsonld_ok('blank title', $r->{body});

for my $page ('/', '/category/finance.html') {
    $r = get_ok("odd code on $page", $page);
    is($r->{status}, 200, "odd code: $page 200");
    lacks($r->{body}, qr{<b>odd</b>},
        "odd code: $page carries no markup from the code");
}
is(get_ok('odd code share', "$share?infoCode=NW12%22%3E%3Cb%3E")->{status},
    400, 'odd code: its share link refused');

# the old codes (kept by the schema's trigger) lead to the odd ones: no
# redirect may carry what a URL cannot, nor split the header
for my $c ([ 'odd code', $odd ], [ 'crlf code', $crlf ]) {
    my ($name, $old) = @{$c};
    for my $uri ("/finance/$D/$old.html", "$share?infoCode=$old") {
        my $r = get_ok("$name by its old code", $uri);
        my $loc = $r->{headers}{location};
        ok(!defined $loc || $loc =~ m{^[!-~]+$} && $loc !~ /["<>]/,
            "$name: $uri redirects to no odd bytes")
            or diag("Location: $loc");
        ok(!defined $r->{headers}{'set-cookie'},
            "$name: $uri has no header from the code");
        ok($r->{raw} !~ /^Set-Cookie/mi, "$name: $uri header not split")
            if $name eq 'crlf code';
    }
}

resolves('yesterday', "/finance/$D/$yday.html");
resolves('yesterday, share link', "$share?infoCode=$yday");
$r = get_ok('yesterday page', (follow("/finance/$D/$yday.html"))[1]);
jsonld_ok('yesterday', $r->{body});

resolves('month 13', "/finance/$D/$m13.html");
resolves('february 30', "/finance/$D/$feb30.html");
resolves('february 30, share link', "$share?infoCode=$feb30");

is(get_ok('status foo', "/finance/$D/$foo.html")->{status}, 404,
    'status foo: 404, as a draft');
is(get_ok('status foo share', "$share?infoCode=$foo")->{status}, 404,
    'status foo: share 404');
lacks($t->get('/category/finance.html')->{body}, qr/\Q$foo\E/,
    'status foo: not listed');

$final = resolves('bad slug', "/badslug/$D/$badslug.html");
$r = get_ok('bad slug page', $final);
lacks($r->{body}, qr{"c<}, 'bad slug: escaped in the article');
jsonld_ok('bad slug', $r->{body});
$r = get_ok('bad slug home', '/');
is($r->{status}, 200, 'bad slug: home 200');
lacks($r->{body}, qr{"c<}, 'bad slug: escaped on the home page');

$r = get_ok('javascript source', "/finance/$D/$js.html");
is($r->{status}, 200, 'javascript source: 200');
lacks($r->{body}, qr/href="javascript:/i, 'javascript source: no link');
like($r->{body}, qr/src/, 'javascript source: the name shown');
alive('check constraints ignored', $mark);

# invalid UTF-8 in a title, a category name and a tag

$mark = $t->log_mark;
$t->sql(<<"EOF");
UPDATE posts SET title = CAST(X'C328FF' AS TEXT) || ' <t>'
    WHERE info_code = '$utf';
UPDATE categories SET name = CAST(X'E282' AS TEXT) || 'n' || X'FF'
    WHERE slug = 'utf';
UPDATE tags SET name = CAST(X'C328FF' AS TEXT) WHERE name = 'goodtag';
EOF
is(length $t->sql_bytes("SELECT title FROM posts WHERE info_code = '$utf'"),
    7, 'invalid utf-8: stored as bytes');
for my $page ("/utf/$D/$utf.html", '/category/utf.html', '/') {
    $r = get_ok("invalid utf-8 $page", $page);
    is($r->{status}, 200, "invalid utf-8: $page 200");
    jsonld_ok("invalid utf-8 $page", $r->{body}) unless $page eq '/';
    lacks($r->{body}, qr/<t>/, "invalid utf-8: $page escaped");
}
alive('invalid utf-8', $mark);

# empty optional fields

$mark = $t->log_mark;
$t->sql("UPDATE posts SET summary = '', source_name = '', source_url = '', "
    . "body_html = '' WHERE info_code = '$empty';");
$r = get_ok('empty fields', "/finance/$D/$empty.html");
is($r->{status}, 200, 'empty fields: 200');
is(NewsTest::meta($r->{body}, 'description'), '',
    'empty fields: empty description');
jsonld_ok('empty fields', $r->{body});
alive('empty fields', $mark);

###############################################################################

# a 50 MB body: served whole, and other requests are not held up

$mark = $t->log_mark;
$t->sql("UPDATE posts SET body_html = '<p>' || hex(zeroblob(25000000)) "
    . "|| '</p>' WHERE info_code = '$big';");
my $big_path = "/finance/$D/$big.html";

# a slow reader: the request sent, the answer read only a little
my $slow = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
    PeerPort => $t->port, Proto => 'tcp') or die "connect: $@\n";
binmode $slow;
print $slow "GET $big_path HTTP/1.1\r\nHost: localhost\r\n"
    . "Connection: close\r\n\r\n";
my $head = '';
{
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm 10;
    eval { sysread($slow, $head, 4096) };
    alarm 0;
}
like($head, qr{^HTTP/1\.1 200}, 'big body: a slow reader gets 200');

my $slowest = 0;
for my $n (1 .. 5) {
    my ($r, $s) = timed_get("/finance/$D/$ok.html");
    is($r->{status}, 200, "big body: another request meanwhile ($n)");
    $slowest = $s if $s > $slowest;
}
ok($slowest < 1, 'big body: other requests fast')
    or diag("slowest ${slowest}s");
close $slow;

my ($rb, $s) = timed_get($big_path);
is($rb->{status}, 200, 'big body: 200');
is($rb->{headers}{'content-length'}, length $rb->{body},
    'big body: Content-Length is what came');
my ($zeros) = $rb->{body} =~ m{<div class="body">\s*<p>(0*)</p>};
is(length($zeros // ''), 50_000_000, 'big body: the full length');
undef $rb;
undef $zeros;
($r, $s) = timed_get("/finance/$D/$ok.html");
ok($s < 1, 'big body: fast after');
alive('big body', $mark);

###############################################################################

unlike($t->error_log, qr/\[(?:crit|emerg)\]/, 'nothing critical logged');

done_testing;
