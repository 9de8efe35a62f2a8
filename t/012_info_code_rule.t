#!/usr/bin/perl

# One infoCode rule: the schema's CHECK on posts.info_code, newsctl's post
# parser and the module's default news_info_code_pattern accept exactly
# the same codes (the last two are generated from the first by
# sql/gen_defs.sh), checked here on a table of codes at and around the
# rule's edges.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

# code => accepted by the rule: two letters A-Z, then 8 to 30 digits
my @codes = (
    [ 'NW12345678', 1 ],                    # the shortest
    [ 'AB' . ('9' x 30), 1 ],               # the longest
    [ 'NW202203042297567012', 1 ],          # the seed's
    [ 'ZZ00000000', 1 ],
    [ 'NW1234567', 0 ],                     # a digit short
    [ 'AB' . ('9' x 31), 0 ],               # a digit too many
    [ 'nw12345678', 0 ],                    # lower case
    [ 'Nw12345678', 0 ],
    [ 'N112345678', 0 ],                    # one letter
    [ 'NWA2345678', 0 ],                    # three
    [ 'NW1234567A', 0 ],                    # a letter among the digits
    [ 'NW1234-5678', 0 ],
    [ 'NW_12345678', 0 ],
    [ 'NW12345678.', 0 ],
    [ '1212345678', 0 ],                    # no letters
);

# the schema: an INSERT into a database of its own
my $scratch = $t->prefix . '/scratch.db';
my ($rc) = $t->run_cmd(undef, $t->newsctl, 'init', '--db', $scratch);
is($rc, 0, 'a scratch database');
$t->run_cmd("INSERT INTO categories (slug, name) VALUES ('c', 'C');\n",
    $NewsTest::SQLITE3, $scratch);

sub schema_accepts {
    my ($code) = @_;
    my ($rc, undef, $err) = $t->run_cmd("INSERT INTO posts (info_code, title,"
        . " published_at, category_id) VALUES ('$code', 't',"
        . " '2022-03-04 10:00:00+08:00', 1);\n", $NewsTest::SQLITE3,
        $scratch);
    return ($rc == 0 && $err eq '') ? 1 : 0;
}

# newsctl: a post file carrying the code in its share link
$t->db_init;

sub newsctl_accepts {
    my ($code) = @_;
    my $file = $t->post_file(title => "post $code", info_code => $code,
        file => "rule-$code.md");
    my ($rc) = $t->run_cmd(undef, $t->newsctl, 'import', '--db', $t->db,
        $file);
    return $rc == 0 ? 1 : 0;
}

my (%schema, %newsctl);
for my $c (@codes) {
    $schema{ $c->[0] } = schema_accepts($c->[0]);
    $newsctl{ $c->[0] } = newsctl_accepts($c->[0]);
}

# the module: a share link with the code, refused (400) or looked up
$t->write_conf($t->conf_server);
$t->run;

for my $c (@codes) {
    my ($code, $want) = @$c;
    my $st = $t->get("/html_News/NewsShare.html?infoCode=$code")->{status};
    is($schema{$code}, $want, "$code: the schema's CHECK "
        . ($want ? 'accepts' : 'refuses') . ' it');
    is($newsctl{$code}, $want, "$code: newsctl import "
        . ($want ? 'accepts' : 'refuses') . ' it');
    is($st == 400 ? 0 : 1, $want, "$code: the module's default pattern "
        . ($want ? 'accepts' : 'refuses') . " it ($st)");
    is($st, 302, "$code: imported, so its share link redirects") if $want;
}

# the generated definitions say what the schema says
my $defs = $t->read_file($t->repo . '/objs/news_defs.h');
like($defs, qr/NEWS_INFO_CODE_PATTERN\s+"\^\[A-Z\]\{2\}\[0-9\]\{8,30\}\$"/,
    'news_defs.h: the pattern of the schema\'s lengths');
my $version = $t->sql_value('PRAGMA user_version;');
like($defs, qr/NEWS_SCHEMA_VERSION\s+$version\b/,
    "news_defs.h: the schema version newsctl init wrote ($version)");

done_testing;
