#!/usr/bin/perl

# Templates: nginx -t refuses an unknown placeholder (naming the template
# file and line), a placeholder of another kind and a missing file; custom
# templates with every placeholder of their kind are used; templates are
# read at config time.  Bad directive values are t/005_config.t's.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
my ($code) = $t->add_posts(
    { title => 'custom <title>', categories => 'finance',
      category_name => '财经', tags => ['t1', 't2'],
      body => '<p id="raw">raw & body</p>' },
);
$t->sql("UPDATE posts SET source_name = 'Src' WHERE info_code = '$code';");

my %vars = (
    article => [qw(title description canonical_url published published_iso
        source body tags breadcrumb breadcrumb_jsonld category_name
        category_url home_url)],
    category => [qw(title canonical_url breadcrumb breadcrumb_jsonld
        subcategories posts pager page home_url)],
    index => [qw(canonical_url posts categories home_url)],
    error => [qw(status message home_url)],
);

# a template naming every placeholder of its kind, each value between
# @@name@@ and @@end@@
sub template {
    my ($kind, @extra) = @_;
    my $marker = uc($kind) . '-MARKER';
    return "<!DOCTYPE html>\n<html><head><title>$marker</title>\n"
        . "<style>p { color: red; }</style></head><body>\n"
        . "<p>$marker</p>\n"
        . join('', map { "\@\@$_\@\@{{$_}}\@\@end\@\@\n" } @{ $vars{$kind} })
        . "<script>function f(){ return {a: 1}; }</script>\n"
        . join('', @extra)
        . "</body></html>\n";
}

my %custom;
for my $kind (keys %vars) {
    $custom{$kind} = $t->write_file("$kind.html", template($kind));
}

# nginx -t with a server using these templates
sub check {
    my (%tpl) = @_;
    $t->write_conf($t->conf_server('', template => { %custom, %tpl }));
    return $t->test_conf;
}

###############################################################################

# the shipped templates load

$t->write_conf($t->conf_server);
my ($rc, $out) = $t->test_conf;
is($rc, 0, 'default templates: nginx -t passes') or diag($out);

# every placeholder of each kind is known

($rc, $out) = check();
is($rc, 0, 'all placeholders: nginx -t passes') or diag($out);

# an unknown placeholder: file and line

my $bad = $t->write_file('bad.html',
    "<html>\n<body>\n<p>{{nope}}</p>\n</body>\n</html>\n");
($rc, $out) = check(article => $bad);
isnt($rc, 0, 'unknown placeholder: nginx -t fails');
like($out, qr/nope/, 'unknown placeholder: named');
like($out, qr/\Q$bad\E:3\b/, 'unknown placeholder: file and line');
like($out, qr/\[emerg\]/, 'unknown placeholder: emerg');

# the same for the other kinds, on other lines

for my $kind (qw(category index error)) {
    my $f = $t->write_file("bad-$kind.html",
        "<p>ok {{home_url}}</p>\n<p>{{nope_$kind}}</p>\n");
    ($rc, $out) = check($kind => $f);
    isnt($rc, 0, "$kind: unknown placeholder fails");
    like($out, qr/\Q$f\E:2\b/, "$kind: file and line");
}

# a placeholder of another kind is unknown here

my $other = $t->write_file('other.html',
    "<p>{{status}}</p>\n<p>{{message}}</p>\n\n<h1>{{title}}</h1>\n");
($rc, $out) = check(error => $other);
isnt($rc, 0, 'error template with {{title}}: fails');
like($out, qr/\Q$other\E:4\b/, 'error template with {{title}}: line 4');

$other = $t->write_file('other2.html', "<p>{{posts}}</p>\n");
($rc, $out) = check(article => $other);
isnt($rc, 0, 'article template with {{posts}}: fails');

# a missing file

my $missing = $t->prefix . '/no-such-template.html';
($rc, $out) = check(category => $missing);
isnt($rc, 0, 'missing template: nginx -t fails');
like($out, qr/\Q$missing\E/, 'missing template: path named');

###############################################################################

# custom templates in use

$t->write_conf($t->conf_server('', template => \%custom));
$t->run;

my $path = "/finance/2022/03/04/$code.html";
my $r = $t->get($path);
is($r->{status}, 200, 'custom article: 200');
my $html = $r->{body};
like($html, qr/<p>ARTICLE-MARKER<\/p>/, 'custom article template used');
like($html, qr/\Q<script>function f(){ return {a: 1}; }<\/script>\E/,
    'single braces are literal text');
like($html, qr/\Q<style>p { color: red; }<\/style>\E/, 'css kept');

# the values each placeholder gets
my %v = $html =~ /\@\@(\w+)\@\@(.*?)\@\@end\@\@/sg;
is($v{title}, 'custom &lt;title&gt;', 'title: escaped');
ok(length $v{description}, 'description');
like($v{canonical_url}, qr{^${\ $t->url_re($path)}$}, 'canonical_url');
like($v{published}, qr/2022-03-04|2022年0?3月0?4日/, 'published');
is($v{published_iso}, '2022-03-04T20:46:41+08:00', 'published_iso');
like($v{source}, qr/Src/, 'source');
is($v{body}, '<p id="raw">raw & body</p>', 'body as stored');
like($v{tags}, qr/t1.*t2/s, 'tags');
like($v{breadcrumb}, qr{/category/finance\.html}, 'breadcrumb');
my $j = $v{breadcrumb_jsonld} // '';
$j = qq{<script type="application/ld+json">$j</script>}
    unless $j =~ /<script/;
my ($ld) = grep { ref $_->[1] eq 'HASH' } NewsTest::jsonld($j);
ok($ld, 'breadcrumb_jsonld parses');
is($v{category_name}, '财经', 'category_name');
is($t->local_path($v{category_url}), '/category/finance.html',
    'category_url');
is($t->local_path($v{home_url}), '/', 'home_url');

$r = $t->get('/category/finance.html');
is($r->{status}, 200, 'custom category: 200');
like($r->{body}, qr/<p>CATEGORY-MARKER<\/p>/, 'custom category template used');
%v = $r->{body} =~ /\@\@(\w+)\@\@(.*?)\@\@end\@\@/sg;
like($v{title}, qr/财经/, 'category title');
is($v{page}, '1', 'category page');
like($v{posts}, qr/\Q$code\E\.html/, 'category posts');
like($v{canonical_url},
    qr{^${\ $t->url_re('/category/finance.html')}$}, 'category canonical');
is($t->local_path($v{home_url}), '/', 'category home_url');

$r = $t->get('/');
is($r->{status}, 200, 'custom index: 200');
like($r->{body}, qr/<p>INDEX-MARKER<\/p>/, 'custom index template used');
%v = $r->{body} =~ /\@\@(\w+)\@\@(.*?)\@\@end\@\@/sg;
like($v{posts}, qr/\Q$code\E\.html/, 'index posts');
like($v{categories}, qr{/category/finance\.html}, 'index categories');

for my $case ([ '/category/nope.html', 404 ],
    [ '/html_News/NewsShare.html?infoCode=x', 400 ])
{
    my ($uri, $status) = @$case;
    $r = $t->get($uri);
    is($r->{status}, $status, "custom error $status");
    like($r->{body}, qr/<p>ERROR-MARKER<\/p>/, "custom error template used");
    %v = $r->{body} =~ /\@\@(\w+)\@\@(.*?)\@\@end\@\@/sg;
    is($v{status}, $status, "error status $status");
    ok(length($v{message} // ''), "error message $status");
    is($t->local_path($v{home_url}), '/', "error home_url $status");
}

# templates are read at config time: an edit shows after a reload only

$t->write_file('index.html', template('index', "<p>EDITED</p>\n"));
unlike($t->get('/')->{body}, qr/EDITED/, 'template edit: not before reload');
ok($t->reload, 'reload');
like($t->get('/')->{body}, qr/EDITED/, 'template edit: after reload');

# a broken template on reload keeps the old one serving; the master says
# why at [emerg], which the end-state checks let pass

$t->expect_alerts(qr/\[emerg\] .*unknown placeholder "\{\{broken\}\}"/);
$t->write_file('index.html', "{{broken}}\n");
ok(!$t->reload, 'reload with a broken template refused');
like($t->get('/')->{body}, qr/EDITED/, 'old template still serves');

done_testing;
