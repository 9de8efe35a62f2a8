#!/usr/bin/perl

# newsctl check: a clean database passes; then each kind of damage, made
# with the sqlite3 shell the ways admins get around the schema (PRAGMA
# foreign_keys = OFF, DROP TRIGGER, PRAGMA ignore_check_constraints = ON,
# CAST(X'...' AS TEXT)), is reported on a line of its own that names the
# row, with exit 1, and nothing else is.  No nginx runs here.

use strict;
use warnings;

use File::Copy qw(copy);
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
my $V = NewsTest::schema_version();
my $NEWSCTL = $t->newsctl;
my $SQLITE3 = $NewsTest::SQLITE3;

plan(skip_all => "$NEWSCTL not built (make objs/newsctl)")
    unless -x $NEWSCTL;
plan(skip_all => "no $SQLITE3 command")
    unless system("$SQLITE3 -version >/dev/null 2>&1") == 0;

my $dir = $t->prefix;

###############################################################################

# the harness's sqlite3 shell on another file: rows as "a|b" lines
sub sql {
    my ($db, $text) = @_;
    $t->db($db);
    return $t->sql_value($text);
}

# (exit code, the problem lines without "FILE: ", the summary, stderr)
sub check {
    my ($db) = @_;
    my ($rc, $out, $err) = $t->run_cmd(undef, $NEWSCTL, 'check', '--db',
        $db);
    my @lines = split /\n/, $out;
    my $summary = pop @lines;
    s/^\Q$db\E: // or $_ = "(not FILE: ) $_" for @lines, $summary;
    return ($rc, \@lines, $summary, $err);
}

# a site's worth of rows, as newsctl import and the admin recipes leave
# them: three categories, three posts, two tags, a redirect of each kind
my $good = "$dir/good.db";
{
    my ($rc, $out, $err) = $t->run_cmd(undef, $NEWSCTL, 'init', '--db',
        $good);
    die "newsctl init: $err" if $rc;
}
sql($good, <<'SQL');
INSERT INTO categories (id, slug, name, parent_id) VALUES
    (1, 'news', 'News', NULL), (2, 'china', 'China', 1),
    (3, 'tech', 'Tech', NULL);
INSERT INTO posts (id, info_code, title, published_at, category_id,
    source_url, status) VALUES
    (1, 'NW202203042297567012', 'First', '2022-03-04 20:46:41+08:00', 2,
     'http://example.com/1', 'published'),
    (2, 'NW202203052297567013', 'Second', '2022-03-05 08:00:00+08:00', 3,
     '', 'draft'),
    (3, 'NW202203062297567014', 'Third', '2022-03-06 08:00:00-05:00', 1,
     'https://example.com/3', 'deleted');
INSERT INTO tags (id, name) VALUES (1, 'economy'), (2, 'ai');
INSERT INTO post_tags (post_id, tag_id) VALUES (1, 1), (1, 2), (2, 2);
UPDATE posts SET info_code = 'NW202203062297567099' WHERE id = 3;
UPDATE categories SET slug = 'technology' WHERE id = 3;
SQL

my $seq = 0;

# a copy of the good file, damaged by sql
sub damaged {
    my ($sql) = @_;
    my $db = sprintf("%s/damaged%02d.db", $dir, ++$seq);
    copy($good, $db) or die "copy: $!\n";
    sql($db, $sql);
    return $db;
}

# the damage is reported as exactly these lines, and the file fails
sub reported {
    my ($name, $sql, @expect) = @_;
    my $db = damaged($sql);
    my ($rc, $lines, $summary, $err) = check($db);
    is($rc, 1, "$name: exit 1") or diag($err);
    is_deeply($lines, \@expect, "$name: reported, the row named")
        or diag(join("\n", @$lines));
    my $n = @expect;
    is($summary, $n == 1 ? '1 problem found' : "$n problems found",
        "$name: counted");
    is($err, '', "$name: nothing on stderr");
}

###############################################################################

# clean

{
    my ($rc, $lines, $summary, $err) = check($good);
    is($rc, 0, 'a clean file: exit 0') or diag(join("\n", @$lines), $err);
    is_deeply($lines, [], 'a clean file: no problem lines');
    is($summary, 'no problems found', 'a clean file: says so');
}

# orphans: rows pointing nowhere, left by sessions with foreign keys off

reported('posts of a deleted category',
    "PRAGMA foreign_keys = OFF;\nDELETE FROM categories WHERE id = 3;",
    'orphan post: post 2 (NW202203052297567013): category_id 3 does not'
    . ' exist');

reported('a category whose parent is deleted',
    "PRAGMA foreign_keys = OFF;\nDELETE FROM categories WHERE id = 1;",
    'orphan post: post 3 (NW202203062297567099): category_id 1 does not'
    . ' exist',
    'orphan category: category 2 (china): parent_id 1 does not exist');

reported('post_tags of a deleted tag',
    "PRAGMA foreign_keys = OFF;\nDELETE FROM tags WHERE id = 2;",
    'orphan post tag: post_tags row (post 1, tag 2): the tag does not exist',
    'orphan post tag: post_tags row (post 2, tag 2): the tag does not'
    . ' exist');

reported('post_tags of a deleted post',
    "PRAGMA foreign_keys = OFF;\nDELETE FROM posts WHERE id = 1;",
    'orphan post tag: post_tags row (post 1, tag 1): the post does not'
    . ' exist',
    'orphan post tag: post_tags row (post 1, tag 2): the post does not'
    . ' exist');

reported('redirects of a deleted post and a made-up category',
    "DROP TRIGGER posts_deleted_redirects;\nPRAGMA foreign_keys = OFF;\n"
    . "DELETE FROM posts WHERE id = 3;\n"
    . "INSERT INTO category_redirects VALUES ('old', 42);",
    'schema: trigger posts_deleted_redirects is missing (sql/schema.sql has'
    . ' it)',
    'orphan redirect: info_code redirect NW202203062297567014: post 3 does'
    . ' not exist',
    'orphan redirect: category redirect old: category 42 does not exist');

# a foreign key of an admin's own table: SQLite's foreign_key_check says it

reported('a table of the admin\'s with a foreign key',
    "CREATE TABLE featured (post_id INTEGER REFERENCES posts (id));\n"
    . "PRAGMA foreign_keys = OFF;\nINSERT INTO featured VALUES (42);",
    'foreign key: featured row 1: post_id points to no row of posts');

# category cycles, past the dropped trigger that refuses them

reported('a category cycle',
    "DROP TRIGGER categories_no_cycle_update;\n"
    . "UPDATE categories SET parent_id = 2 WHERE id = 1;",
    'schema: trigger categories_no_cycle_update is missing (sql/schema.sql'
    . ' has it)',
    "category cycle: category 1 (news) is its own ancestor: 'news' ->"
    . " 'china' -> 'news'",
    "category cycle: category 2 (china) is its own ancestor: 'china' ->"
    . " 'news' -> 'china'");

reported('a category its own parent',
    "DROP TRIGGER categories_no_cycle_update;\n"
    . "PRAGMA ignore_check_constraints = ON;\n"
    . "UPDATE categories SET parent_id = id WHERE id = 3;",
    'schema: trigger categories_no_cycle_update is missing (sql/schema.sql'
    . ' has it)',
    "category cycle: category 3 (technology) is its own ancestor:"
    . " 'technology' -> 'technology'");

# schema objects against sql/schema.sql: a trigger, index or table that
# is missing, changed, or added to one of the schema's tables; what the
# admin adds on tables of their own is theirs

reported('a dropped trigger (Last-Modified would stay old)',
    "DROP TRIGGER posts_touch;",
    'schema: trigger posts_touch is missing (sql/schema.sql has it)');

reported('a dropped index',
    "DROP INDEX posts_by_date;",
    'schema: index posts_by_date is missing (sql/schema.sql has it)');

reported('a changed trigger',
    "DROP TRIGGER posts_touch;\n"
    . "CREATE TRIGGER posts_touch AFTER UPDATE OF title ON posts\n"
    . "BEGIN\n    SELECT 1;\nEND;",
    'schema: trigger posts_touch differs from the one sql/schema.sql has');

reported('a changed table',
    "ALTER TABLE posts ADD COLUMN notes TEXT;",
    'schema: table posts differs from the one sql/schema.sql has');

reported('a trigger and an index added to posts',
    "CREATE INDEX posts_by_title ON posts (title);\n"
    . "CREATE TRIGGER posts_keep BEFORE UPDATE ON posts\n"
    . "BEGIN\n    SELECT RAISE(IGNORE);\nEND;",
    'schema: index posts_by_title on posts is not in sql/schema.sql',
    'schema: trigger posts_keep on posts is not in sql/schema.sql');

{
    # the trigger as sql/schema.sql has it, its white space changed
    my $touch = sql($good, "SELECT sql FROM sqlite_master"
        . " WHERE name = 'posts_touch'");
    $touch =~ s/\s+/\n  /g;
    my $db = damaged("DROP TRIGGER posts_touch;\n$touch;\n"
        . "CREATE TABLE featured (post_id INTEGER);\n"
        . "CREATE INDEX featured_by_post ON featured (post_id);\n"
        . "CREATE TRIGGER featured_touch AFTER INSERT ON featured\n"
        . "BEGIN\n    SELECT 1;\nEND;\n"
        . "CREATE VIEW published AS SELECT * FROM posts"
        . " WHERE status = 'published';\n"
        . "ANALYZE;");
    like(sql($db, "SELECT sql FROM sqlite_master WHERE name = 'posts_touch'"),
        qr/\n  BEGIN\n/, 'white space: the trigger recreated, reflowed');
    my ($rc, $lines, $summary, $err) = check($db);
    is($rc, 0, 'other white space and the admin\'s own objects: exit 0')
        or diag(join("\n", @$lines), $err);
    is_deeply($lines, [], 'other white space and the admin\'s own objects:'
        . ' no problem lines');
}

# bytes that are not UTF-8, in any text column; shown as \xHH

reported('bad UTF-8',
    "UPDATE posts SET title = CAST(X'C328' AS TEXT) WHERE id = 1;\n"
    . "UPDATE posts SET body_html = X'3C70FF3E' WHERE id = 2;\n"
    . "UPDATE tags SET name = CAST(X'61FF' AS TEXT) WHERE id = 2;",
    'bad UTF-8: post 1 (NW202203042297567012): title: invalid UTF-8 at byte'
    . ' offset 0',
    'bad UTF-8: post 2 (NW202203052297567013): body_html: invalid UTF-8 at'
    . ' byte offset 2',
    'bad UTF-8: tag 2: name: invalid UTF-8 at byte offset 1');

reported('bad UTF-8 in a slug',
    "PRAGMA ignore_check_constraints = ON;\n"
    . "UPDATE categories SET slug = CAST(X'6368C3' AS TEXT) WHERE id = 2;",
    'bad UTF-8: category 2 (ch\xC3): slug: invalid UTF-8 at byte offset 2',
    'bad slug: category 2: slug \'ch\xC3\' does not match'
    . ' ^[a-z0-9_-]{1,64}$');

# values the CHECK constraints refuse, past PRAGMA ignore_check_constraints

my $IGNORE = "PRAGMA ignore_check_constraints = ON;\n";

reported('an empty title',
    $IGNORE . "UPDATE posts SET title = '  ' WHERE id = 1;",
    "empty title: post 1 (NW202203042297567012): title '  '");

reported('a bad info_code',
    $IGNORE . "UPDATE posts SET info_code = 'nw2022' WHERE id = 2;",
    "bad info_code: post 2: info_code 'nw2022' does not match"
    . ' ^[A-Z]{2}[0-9]{8,30}$');

reported('a bad published_at',
    $IGNORE . "UPDATE posts SET published_at = '2022-13-45 10:00:00+08:00'"
    . " WHERE id = 1;",
    "bad published_at: post 1 (NW202203042297567012): published_at"
    . " '2022-13-45 10:00:00+08:00' is not YYYY-MM-DD HH:MM:SS+HH:MM");

reported('a bad status',
    $IGNORE . "UPDATE posts SET status = 'gone' WHERE id = 3;",
    "bad status: post 3 (NW202203062297567099): status 'gone' is not"
    . ' published, draft or deleted');

reported('a bad source_url',
    $IGNORE . "UPDATE posts SET source_url = 'ftp://example.com/x'"
    . " WHERE id = 1;",
    "bad source_url: post 1 (NW202203042297567012): source_url"
    . " 'ftp://example.com/x' is not http(s)");

reported('a bad slug',
    $IGNORE . "UPDATE categories SET slug = 'Bad Slug' WHERE id = 1;",
    "bad slug: category 1: slug 'Bad Slug' does not match"
    . ' ^[a-z0-9_-]{1,64}$');

reported('the reserved slug',
    $IGNORE . "UPDATE categories SET slug = 'category' WHERE id = 3;",
    "bad slug: category 3: slug 'category' is reserved");

reported('an empty category name',
    $IGNORE . "UPDATE categories SET name = '' WHERE id = 1;",
    "empty category name: category 1 (news): name ''");

reported('an empty tag name',
    $IGNORE . "UPDATE tags SET name = ' ' WHERE id = 1;",
    "empty tag name: tag 1: name ' '");

reported('an empty redirect',
    $IGNORE . "INSERT INTO info_code_redirects VALUES ('', 1);",
    "bad redirect: info_code redirect '' -> post 1: not 1 to 64 bytes");

# many of a kind: ten lines, then the count

{
    my $many = join('', map {
        sprintf("INSERT INTO posts (info_code, title, published_at,"
            . " category_id, status) VALUES ('NW1000000000%02d', 'T',"
            . " '2022-03-04 20:46:41+08:00', 1, 'x');\n", $_) } 1 .. 25);
    my $db = damaged($IGNORE . $many);
    my ($rc, $lines, $summary) = check($db);
    is($rc, 1, 'many of a kind: exit 1');
    is(scalar(grep { /^bad status: post \d+ \(NW1000000000\d\d\)/ }
        @$lines), 10, 'many of a kind: ten lines');
    is($lines->[-1], 'bad status: and 15 more (25 in all)',
        'many of a kind: then the count');
    is(scalar(@$lines), 11, 'many of a kind: nothing else');
    is($summary, '25 problems found', 'many of a kind: all counted');
}

# a damaged file: integrity_check

{
    my $db = damaged('SELECT 1;');
    my ($page_size, $root) = split /\|/, sql($db, 'SELECT'
        . ' (SELECT page_size FROM pragma_page_size), rootpage'
        . " FROM sqlite_master WHERE name = 'posts_by_date'");
    open my $fh, '+<:raw', $db or die "$db: $!\n";
    seek($fh, ($root - 1) * $page_size, 0) or die "seek: $!\n";
    print $fh "\0" x $page_size;
    close $fh or die "$db: $!\n";

    my ($rc, $lines, $summary, $err) = check($db);
    is($rc, 1, 'a broken index page: exit 1');
    ok(@$lines && !grep({ !/^integrity: / } @$lines),
        'a broken index page: integrity lines')
        or diag(join("\n", @$lines));
}

###############################################################################

# the schema version

{
    my $db = damaged("PRAGMA foreign_keys = OFF;\n"
        . "DELETE FROM categories WHERE id = 3;\nPRAGMA user_version = 1;");
    my ($rc, $lines, $summary) = check($db);
    is($rc, 1, 'version 1: exit 1');
    is_deeply($lines, [
        "schema version: user_version is 1, newsctl expects $V; run"
        . ' "newsctl migrate --db FILE", then check again',
        'foreign key: posts row 2: category_id points to no row of'
        . ' categories' ],
        'version 1: says run newsctl migrate; SQLite\'s own checks still'
        . ' run') or diag(join("\n", @$lines));

    $db = damaged('PRAGMA user_version = ' . ($V + 1) . ';');
    ($rc, $lines, $summary) = check($db);
    is($rc, 1, 'a newer version: exit 1');
    like($lines->[0] // '',
        qr/^schema version: user_version is ${\ ($V + 1)}, newer than/,
        'a newer version: says so');
}

# files that are no content database

{
    my $v0 = "$dir/v0.db";
    sql($v0, 'CREATE TABLE notes (x);');
    my ($rc, $out, $err) = $t->run_cmd(undef, $NEWSCTL, 'check', '--db',
        $v0);
    is($rc, 1, 'user_version 0: exit 1');
    like($err, qr/^\Q$v0\E: no news schema \(user_version is 0\)/m,
        'user_version 0: says so');

    my $readership = "$dir/readership.db";
    sql($readership, $t->read_file($t->repo . '/sql/readership.sql'));
    ($rc, $out, $err) = $t->run_cmd(undef, $NEWSCTL, 'check', '--db',
        $readership);
    is($rc, 1, 'a readership file: exit 1');
    like($err, qr/^\Q$readership\E: is a readership database/m,
        'a readership file: says so');

    ($rc, $out, $err) = $t->run_cmd(undef, $NEWSCTL, 'check', '--db',
        "$dir/none.db");
    is($rc, 1, 'a missing file: exit 1');
    ok(!-e "$dir/none.db", 'a missing file: none created');

    ($rc, $out, $err) = $t->run_cmd(undef, $NEWSCTL, 'check', '--db',
        $good, 'extra');
    is($rc, 2, 'an argument too many: exit 2');
}

# read-only: a file nobody may write is checked, and left as it was

{
    my $db = damaged("PRAGMA foreign_keys = OFF;\n"
        . "DELETE FROM tags WHERE id = 1;");
    my $bytes = $t->read_file($db);
    chmod 0444, $db or die "chmod: $!\n";
    chmod 0555, $dir or die "chmod: $!\n";
    my ($rc, $lines) = check($db);
    chmod 0755, $dir or die "chmod: $!\n";
    is($rc, 1, 'read-only file and directory: checked');
    is_deeply($lines, [ 'orphan post tag: post_tags row (post 1, tag 1):'
        . ' the tag does not exist' ], 'read-only: the problem found');
    ok($t->read_file($db) eq $bytes, 'read-only: the file unchanged');
    ok(!-e "$db-journal" && !-e "$db-wal", 'read-only: no journal left');
}

done_testing();
