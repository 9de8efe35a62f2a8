#!/usr/bin/perl

# newsctl init and import: the built objs/newsctl against real SQLite files,
# checked with the sqlite3 command line.  Run from the repository root.

use strict;
use warnings;

use File::Temp qw(tempdir);
use POSIX ();
use Test::More;

my $NEWSCTL = $ENV{TEST_NEWS_NEWSCTL} || './objs/newsctl';
my $SQLITE3 = $ENV{TEST_NEWS_SQLITE3} || 'sqlite3';

# the schema version sql/schema.sql declares
my ($V) = do {
    open my $fh, '<', 'sql/schema.sql' or die "sql/schema.sql: $!\n";
    map { /^PRAGMA user_version = (\d+);/ ? $1 : () } <$fh>;
};

plan(skip_all => "$NEWSCTL not built (make objs/newsctl)")
    unless -x $NEWSCTL;
plan(skip_all => "no $SQLITE3 command")
    unless system("$SQLITE3 -version >/dev/null 2>&1") == 0;

my $dir = tempdir('newsctl-test-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $seq = 0;

my $SEED_NAME = '000_8b4145f71217bda2.txt';
my $SHARED = defined $ENV{NEWS_SHARED} ? $ENV{NEWS_SHARED} : '../shared';
my @SEEDS = grep { -f } ("$SHARED/seeds/$SEED_NAME", "sample/posts/$SEED_NAME");

# "新华网新闻", "新华网", "返回": the test keeps bytes, as sqlite3 prints them
my $XHW_NEWS = "\xE6\x96\xB0\xE5\x8D\x8E\xE7\xBD\x91\xE6\x96\xB0\xE9\x97\xBB";
my $XHW = "\xE6\x96\xB0\xE5\x8D\x8E\xE7\xBD\x91";
my $BACK = "\xE8\xBF\x94\xE5\x9B\x9E";
my $BAR = "\xEF\xBD\x9C";

###############################################################################

sub write_file {
    my ($name, $text) = @_;
    my $path = "$dir/$name";
    open my $fh, '>:raw', $path or die "$path: $!\n";
    print $fh $text;
    close $fh or die "$path: $!\n";
    return $path;
}

sub read_file {
    my ($path) = @_;
    open my $fh, '<:raw', $path or die "$path: $!\n";
    local $/;
    my $text = <$fh>;
    return defined $text ? $text : '';
}

# (exit code, stdout, stderr), no shell in between
sub run {
    my (@argv) = @_;
    my $id = ++$seq;
    my ($out, $err) = ("$dir/run$id.out", "$dir/run$id.err");

    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null' or POSIX::_exit(126);
        open STDOUT, '>', $out or POSIX::_exit(126);
        open STDERR, '>', $err or POSIX::_exit(126);
        { no warnings 'exec'; exec { $argv[0] } @argv; }
        POSIX::_exit(127);
    }
    waitpid($pid, 0);
    my $rc = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    my @res = ($rc, read_file($out), read_file($err));
    unlink $out, $err;
    return @res;
}

sub newsctl { return run($NEWSCTL, @_) }

# one value, or rows joined by "\n" with columns joined by "|"
sub sql {
    my ($db, $query) = @_;
    my ($rc, $out, $err) = run($SQLITE3, '-batch', '-noheader',
        '-separator', '|', $db, $query);
    die "sqlite3 $db \"$query\": $err" if $rc;
    $out =~ s/\n\z//;
    return $out;
}

sub new_db {
    my ($name) = @_;
    my $db = "$dir/$name.db";
    my ($rc, $out, $err) = newsctl('init', '--db', $db);
    die "newsctl init --db $db: $rc $err" if $rc;
    return $db;
}

# a post in the seed's shape; %f overrides its parts
sub post {
    my (%f) = @_;
    my $code = $f{code} || 'NW202203042297567012';
    my $fm = defined $f{fm} ? $f{fm}
        : "title: \"Hello\"\ndate: 2022-03-04 20:46:41 +0800\n"
        . "categories: xinhuawang\ntags: $XHW_NEWS\n";
    my $body = defined $f{body} ? $f{body}
        : "<p>First paragraph.</p>\n <p>More. \xEF\xBC\x88\xE6\x96\x87"
        . "\xE7\xAB\xA0\xE6\x9D\xA5\xE6\xBA\x90\xEF\xBC\x9A$XHW"
        . "\xEF\xBC\x89</p>";
    my $share = defined $f{share} ? $f{share}
        : "<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=$code>";
    my $crumb = defined $f{crumb} ? $f{crumb}
        : "[$BACK$XHW_NEWS](//finews.withounder.com/category/xinhuawang.html)"
        . "$BAR\[${BACK}\xE9\xA6\x96\xE9\xA1\xB5](//finews.withounder.com/)";
    return "---\nlayout: post\n$fm---\n$body\n\n$share\n\n$crumb\n";
}

sub crlf {
    my ($text) = @_;
    (my $t = $text) =~ s/\n/\r\n/g;
    return $t;
}

# what a post looks like in the database, to compare imports
sub post_row {
    my ($db, $code) = @_;
    return sql($db, "SELECT p.title, p.published_at, p.summary, p.body_html,"
        . " p.source_name, p.source_url, p.status, c.slug, c.name,"
        . " (SELECT group_concat(t.name, ',') FROM (SELECT t.name FROM"
        . " post_tags pt JOIN tags t ON t.id = pt.tag_id"
        . " WHERE pt.post_id = p.id ORDER BY t.name) t)"
        . " FROM posts p JOIN categories c ON c.id = p.category_id"
        . " WHERE p.info_code = '$code'");
}

###############################################################################

# usage

{
    my ($rc, $out, $err) = newsctl('--help');
    is($rc, 0, '--help exits 0');
    like($out, qr/usage:\ newsctl.*\binit\b.*\bimport\b.*\bmigrate\b
        .*\bcheck\b.*\bmerge-readership\b/sx, '--help: usage');

    ($rc, $out, $err) = newsctl();
    is($rc, 2, 'no command: exit 2');
    like($err, qr/usage:/, 'no command: usage on stderr');

    ($rc, $out, $err) = newsctl('frobnicate');
    is($rc, 2, 'unknown command: exit 2');
    like($err, qr/unknown command/, 'unknown command: says so');

    ($rc, $out, $err) = newsctl('import', "$dir/x.md");
    is($rc, 2, 'import without --db: exit 2');
    like($err, qr/--db/, 'import without --db: says so');

    ($rc, $out, $err) = newsctl('import', '--db', "$dir/x.db");
    is($rc, 2, 'import without posts: exit 2');

    ($rc, $out, $err) = newsctl('init', '--db');
    is($rc, 2, 'init --db without a file: exit 2');

    ($rc, $out, $err) = newsctl('init', '--db', "$dir/x.db", '--bogus');
    is($rc, 2, 'unknown option: exit 2');
    ok(!-e "$dir/x.db", 'a usage error creates nothing');

    ($rc, $out, $err) = newsctl('import', '--help');
    is($rc, 0, 'import --help exits 0');
    like($out, qr/usage: newsctl import/, 'import --help: its usage');
}

# init

{
    my $db = "$dir/init.db";
    my ($rc, $out, $err) = newsctl('init', '--db', $db);
    is($rc, 0, 'init: exit 0') or diag($err);
    is(sql($db, 'PRAGMA user_version'), $V, "init: user_version $V");
    is(sql($db, "SELECT group_concat(name, ',') FROM (SELECT name FROM"
        . " sqlite_master WHERE type = 'table' ORDER BY name)"),
        'categories,category_listing,category_redirects,change_log,'
        . 'info_code_redirects,post_tags,posts,sqlite_sequence,tag_listing,'
        . 'tags', 'init: the tables');

    ($rc, $out, $err) = newsctl('init', '--db', $db);
    is($rc, 1, 'init again: exit 1');
    like($err, qr/already has a schema/, 'init again: says why');
    is(sql($db, 'PRAGMA user_version'), $V, 'init again: database intact');

    my $other = "$dir/other.db";
    sql($other, 'CREATE TABLE mine (x)');
    ($rc, $out, $err) = newsctl('init', '--db', $other);
    is($rc, 1, 'init of a database with a table: exit 1');
    is(sql($other, "SELECT count(*) FROM sqlite_master"), 1,
        'init of a database with a table: untouched');

    write_file('empty.db', '');
    ($rc, $out, $err) = newsctl('init', '--db', "$dir/empty.db");
    is($rc, 0, 'init of an empty file: exit 0') or diag($err);

    write_file('junk.db', "not a database\n" x 100);
    ($rc, $out, $err) = newsctl('init', '--db', "$dir/junk.db");
    is($rc, 1, 'init of a non-database: exit 1');
    ok(-s "$dir/junk.db", 'init of a non-database: file kept');
}

# import refuses databases it does not know

{
    my $post = write_file('plain.md', post());

    my ($rc, $out, $err) = newsctl('import', '--db', "$dir/none.db", $post);
    is($rc, 1, 'import into a missing file: exit 1');
    ok(!-e "$dir/none.db", 'import into a missing file: creates none');

    my $v0 = "$dir/v0.db";
    sql($v0, 'CREATE TABLE x (y)');
    ($rc, $out, $err) = newsctl('import', '--db', $v0, $post);
    is($rc, 1, 'import into user_version 0: exit 1');
    like($err, qr/user_version\)? is 0/, 'import into user_version 0: says 0');

    # a version 1 file needs newsctl migrate first (t/017)
    my $v1 = new_db('v1');
    sql($v1, 'PRAGMA user_version = 1');
    ($rc, $out, $err) = newsctl('import', '--db', $v1, $post);
    is($rc, 1, 'import into user_version 1: exit 1');
    like($err, qr/is 1, this newsctl needs $V; run "newsctl migrate/,
        "import into user_version 1: says 1 and $V, and what migrates it");

    my $newer = new_db('newer');
    sql($newer, 'PRAGMA user_version = ' . ($V + 1));
    ($rc, $out, $err) = newsctl('import', '--db', $newer, $post);
    is($rc, 1, 'import into a newer user_version: exit 1');
    like($err, qr/is ${\ ($V + 1)}\b/, 'import into a newer one: says it');
    is(sql($newer, 'SELECT count(*) FROM posts'), 0,
        'import into a newer user_version: nothing imported');
}

# the seed, as is

SKIP: {
    skip("no seed post ($SHARED/seeds or sample/posts)", 9) unless @SEEDS;

    for my $seed (@SEEDS) {
        my $db = new_db('seed' . ++$seq);
        my ($rc, $out, $err) = newsctl('import', '--db', $db, $seed);
        is($rc, 0, "seed $seed: imports") or diag($err);
        is($out, "imported 1 posts, 0 failed\n", 'seed: summary line');

        my $row = sql($db, "SELECT info_code, title, published_at, status,"
            . " source_name, source_url FROM posts");
        is($row, "NW202203042297567012|\xE4\xBA\xA4\xE9\x80\x9A\xE9\x93\xB6"
            . "\xE8\xA1\x8C\xE6\x90\xBA\xE6\x89\x8B\xE4\xB8\x96\xE7\x95\x8C"
            . "\xE6\x8A\x80\xE8\x83\xBD\xE5\xA4\xA7\xE8\xB5\x9B\xE5\x8A\xA9"
            . "\xE5\x8A\x9B\xE6\x9C\x89\xE6\x8A\x80\xE9\x9D\x92\xE5\xB9\xB4"
            . "\xE4\xB8\x80\xE5\xB1\x95\xE6\x89\x80\xE9\x95\xBF"
            . "|2022-03-04 20:46:41+08:00|published|$XHW|",
            'seed: info code, title, date, status, source');
        is(sql($db, 'SELECT slug, name, parent_id IS NULL FROM categories'),
            "xinhuawang|$XHW_NEWS|1", 'seed: category xinhuawang, named');
        is(sql($db, 'SELECT name FROM tags'), $XHW_NEWS, 'seed: tag');

        my $body = sql($db, 'SELECT body_html FROM posts');
        like($body, qr/\A<p>\xE5\xB8\xA6\xE5\xAE\x9D\xE5\xAE\x9D/,
            'seed: body starts with <p>' . "\xE5\xB8\xA6\xE5\xAE\x9D"
            . "\xE5\xAE\x9D");
        like($body, qr/\xEF\xBC\x88\xE6\x96\x87\xE7\xAB\xA0\xE6\x9D\xA5\xE6
            \xBA\x90\xEF\xBC\x9A$XHW\xEF\xBC\x89<\/p>\z/x,
            'seed: body ends with the source paragraph');
        unlike($body, qr/infoCode|\Q$BACK\E|\r/,
            'seed: no trailer line, no CR in the body');
        like(sql($db, 'SELECT summary FROM posts'),
            qr/\A\xE5\xB8\xA6\xE5\xAE\x9D\xE5\xAE\x9D\S/,
            'seed: summary from the first paragraph');
    }
}

# re-import updates in place

{
    my $db = new_db('reimport');
    my $file = write_file('re.md', post());

    newsctl('import', '--db', $db, $file);
    my $id = sql($db, 'SELECT id FROM posts');
    sql($db, "UPDATE posts SET updated_at = '2000-01-01 00:00:00+00:00'");

    my ($rc, $out, $err) = newsctl('import', '--db', $db, $file, $file);
    is($rc, 0, 're-import: exit 0') or diag($err);
    is(sql($db, 'SELECT count(*) FROM posts'), 1, 're-import: one post');
    is(sql($db, 'SELECT count(*) FROM categories'), 1,
        're-import: one category');
    is(sql($db, 'SELECT count(*) FROM post_tags'), 1, 're-import: one tag');
    is(sql($db, 'SELECT updated_at FROM posts'),
        '2000-01-01 00:00:00+00:00', 're-import of the same file: untouched');

    $file = write_file('re.md', post(fm => "title: Changed\n"
        . "date: 2022-03-05 08:00 +08:00\ncategories: xinhuawang\n"
        . "tags: [a, b]\n"));
    ($rc, $out, $err) = newsctl('import', '--db', $db, $file);
    is($rc, 0, 're-import changed: exit 0') or diag($err);
    is(sql($db, 'SELECT id, title, published_at FROM posts'),
        "$id|Changed|2022-03-05 08:00:00+08:00",
        're-import changed: same id, new values');
    isnt(sql($db, 'SELECT updated_at FROM posts'),
        '2000-01-01 00:00:00+00:00', 're-import changed: updated_at moves');
    is(sql($db, "SELECT group_concat(name, ',') FROM (SELECT t.name FROM"
        . " post_tags pt JOIN tags t ON t.id = pt.tag_id ORDER BY t.name)"),
        'a,b', 're-import: tag set replaced');

    # a change of tags alone is a change of the post too
    sql($db, "UPDATE posts SET updated_at = '2000-01-01 00:00:00+00:00'");
    $file = write_file('re.md', post(fm => "title: Changed\n"
        . "date: 2022-03-05 08:00 +08:00\ncategories: xinhuawang\n"
        . "tags: [a]\n"));
    ($rc, $out, $err) = newsctl('import', '--db', $db, $file);
    is(sql($db, "SELECT count(*) FROM post_tags"), 1,
        're-import: a tag dropped');
    isnt(sql($db, 'SELECT updated_at FROM posts'),
        '2000-01-01 00:00:00+00:00', 're-import: tags alone touch the post');
}

# a broken post fails alone, with its file and line

{
    my $db = new_db('broken');
    my $good1 = write_file('good1.md', post(code => 'NW100000000001'));
    my $bad = write_file('bad.md', post(code => 'NW100000000002',
        fm => "title: Bad\ndate: 2022-02-30 10:00\ncategories: badcat\n"));
    my $good2 = write_file('good2.md', post(code => 'NW100000000003'));

    my ($rc, $out, $err) = newsctl('import', '--db', $db, $good1, $bad,
        $good2);
    is($rc, 1, 'broken post: exit 1');
    like($err, qr/^\Q$bad\E:4: .*date/m, 'broken post: FILE:LINE: on stderr');
    is($out, "imported 2 posts, 1 failed\n", 'broken post: summary line');
    is(sql($db, "SELECT group_concat(info_code, ',') FROM"
        . " (SELECT info_code FROM posts ORDER BY info_code)"),
        'NW100000000001,NW100000000003', 'broken post: the others imported');
    is(sql($db, "SELECT count(*) FROM categories WHERE slug = 'badcat'"), 0,
        'broken post: nothing of it');

    # a failure inside the transaction: the categories and tags made before
    # it go with it
    sql($db, "CREATE TRIGGER refuse BEFORE INSERT ON posts"
        . " WHEN NEW.info_code = 'NW100000000004'"
        . " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    my $half = write_file('half.md', post(code => 'NW100000000004',
        fm => "title: Half\ndate: 2022-03-04 10:00\n"
        . "categories: [halfa, halfb]\ntags: [halftag]\n",
        crumb => '[x](/category/halfb.html)'));
    ($rc, $out, $err) = newsctl('import', '--db', $db, $half, $good1);
    is($rc, 1, 'failed transaction: exit 1');
    like($err, qr/^\Q$half\E: .*refused by the test/m,
        'failed transaction: names the file and the reason');
    is(sql($db, "SELECT count(*) FROM categories WHERE slug LIKE 'half%'")
        . sql($db, "SELECT count(*) FROM tags WHERE name = 'halftag'")
        . sql($db, "SELECT count(*) FROM posts"), '002',
        'failed transaction: no half post, category or tag');
    is($out, "imported 1 posts, 1 failed\n",
        'failed transaction: the other file imported');

    my $missing = "$dir/missing.md";
    ($rc, $out, $err) = newsctl('import', '--db', $db, $missing, $good2);
    is($rc, 1, 'missing file: exit 1');
    like($err, qr/^\Q$missing\E: /m, 'missing file: named');

    my @cases = (
        [ "---\ntitle: t\n", 1, 'front matter not terminated' ],
        [ "---\ndate: 2022-03-04 10:00\ncategories: a\n---\nx\n", 4,
            'missing title' ],
        [ post(fm => "title: t\ndate: 2022-03-04 10:00\ncategories: a\n",
            share => '<http://h/x?infoCode=bad>'), 10, 'bad info code' ],
        [ post(fm => "title: t\ndate: 2022-03-04 10:00\n"
            . "categories: category\n"), 5, 'slug "category"' ],
        [ post(fm => "title: \"t\xFF\"\ndate: 2022-03-04 10:00\n"), 3,
            'invalid UTF-8' ],
        [ post(fm => "title: \"t\"\ndate: 2022-03-04 10:00\x00\n"), 4,
            'NUL byte' ],
    );
    for my $c (@cases) {
        my $f = write_file('case.md', $c->[0]);
        ($rc, $out, $err) = newsctl('import', '--db', $db, $f);
        ok($rc == 1 && $err =~ /^\Q$f\E:$c->[1]: /m,
            "$c->[2]: fails at line $c->[1]") or diag($err);
    }
}

# CRLF and BOM variants import identically

{
    my @texts = (post(code => 'NW200000000001'));
    push @texts, read_file($SEEDS[0]) if @SEEDS;

    for my $text (@texts) {
        my ($code) = $text =~ /infoCode=(\w+)/;
        (my $lf = $text) =~ s/\r\n/\n/g;
        my %variants = (
            lf => $lf,
            crlf => crlf($lf),
            bom => "\xEF\xBB\xBF$lf",
            bom_crlf => "\xEF\xBB\xBF" . crlf($lf),
        );

        my %rows;
        for my $v (sort keys %variants) {
            my $db = new_db("variant_$v" . ++$seq);
            my $f = write_file("variant_$v.md", $variants{$v});
            my ($rc, $out, $err) = newsctl('import', '--db', $db, $f);
            is($rc, 0, "$code $v: imports") or diag($err);
            $rows{$v} = post_row($db, $code);
        }

        ok(length $rows{lf} > 0, "$code: imported");
        for my $v (qw(crlf bom bom_crlf)) {
            is($rows{$v}, $rows{lf}, "$code: $v imports as LF does");
        }
    }
}

# front matter forms

{
    my $db = new_db('forms');

    my $f = write_file('nested.md', post(code => 'NW300000000001',
        fm => "title: 'It''s \"quoted\"'\n"
        . "date: 2022-03-04T10:00:00Z\n"
        . "categories: [finance, \"banking\", 'digital-banking']\n"
        . "tags: [one, \"two words\", 'three']  # a comment\n"
        . "source_url: https://example.com/a\n",
        crumb => "[${BACK}Digital](//h/category/digital-banking.html)"
        . "|[home](//h/)"));
    my ($rc, $out, $err) = newsctl('import', '--db', $db, $f);
    is($rc, 0, 'nested categories: imports') or diag($err);
    is(sql($db, 'SELECT c.slug, c.name, p.slug FROM categories c'
        . ' LEFT JOIN categories p ON p.id = c.parent_id ORDER BY c.id'),
        "finance|finance|\nbanking|banking|finance\n"
        . "digital-banking|Digital|banking",
        'nested categories: the path becomes a tree, the leaf named');
    is(post_row($db, 'NW300000000001'),
        "It's \"quoted\"|2022-03-04 10:00:00+00:00|First paragraph.|"
        . "<p>First paragraph.</p>\n <p>More. \xEF\xBC\x88\xE6\x96\x87"
        . "\xE7\xAB\xA0\xE6\x9D\xA5\xE6\xBA\x90\xEF\xBC\x9A$XHW"
        . "\xEF\xBC\x89</p>|$XHW|https://example.com/a|published|"
        . "digital-banking|Digital|one,three,two words",
        'quoted values, flow lists, Z date');

    $f = write_file('block.md', post(code => 'NW300000000002',
        fm => "title: Plain title # comment\n"
        . "date: \"2022-03-04 10:00 +08:00\"\n"
        . "categories:\n  - finance\n  - banking\n"
        . "tags:\n  - x\n  - \"y z\"\n"
        . "published: false\nsource: Mine\nsummary: Given.\n",
        crumb => ''));
    ($rc, $out, $err) = newsctl('import', '--db', $db, $f);
    is($rc, 0, 'block lists: imports') or diag($err);
    is(post_row($db, 'NW300000000002'),
        "Plain title|2022-03-04 10:00:00+08:00|Given.|"
        . "<p>First paragraph.</p>\n <p>More. \xEF\xBC\x88\xE6\x96\x87"
        . "\xE7\xAB\xA0\xE6\x9D\xA5\xE6\xBA\x90\xEF\xBC\x9A$XHW"
        . "\xEF\xBC\x89</p>|Mine||draft|banking|banking|x,y z",
        'block lists, unquoted and commented values, draft');

    $f = write_file('scalar.md', post(code => 'NW300000000003',
        fm => "title: t\ndate: 2022-03-04 10:00\n"
        . "categories: finance banking\ntags: p q\n"
        . "info_code: NW300000000003\n",
        share => '', crumb => ''));
    ($rc, $out, $err) = newsctl('import', '--db', $db, $f);
    is($rc, 0, 'scalar lists, info_code in front matter: imports')
        or diag($err);
    like(post_row($db, 'NW300000000003'), qr/\|banking\|banking\|p,q\z/,
        'scalar categories and tags split on blanks');

    # an existing category keeps its place; the warning says so
    $f = write_file('moved.md', post(code => 'NW300000000004',
        fm => "title: t\ndate: 2022-03-04 10:00\n"
        . "categories: [world, banking]\n",
        crumb => "[${BACK}Banks](/category/banking.html)"));
    ($rc, $out, $err) = newsctl('import', '--db', $db, $f);
    is($rc, 0, 'existing category elsewhere: imports') or diag($err);
    like($err, qr/warning: category "banking"/, 'existing category: warned');
    is(sql($db, "SELECT p.slug, c.name FROM categories c JOIN categories p"
        . " ON p.id = c.parent_id WHERE c.slug = 'banking'"),
        'finance|Banks', 'existing category: not moved, leaf renamed');
    is(sql($db, "SELECT parent_id IS NULL FROM categories"
        . " WHERE slug = 'world'"), 1, 'new category at the top level');
}

done_testing();
