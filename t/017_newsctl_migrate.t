#!/usr/bin/perl

# newsctl migrate: a version 1 database, built with the sqlite3 shell from
# t/data/schema-v1.sql and filled by SQL, brought to the current version by the
# migrations newsctl carries: then it is a fresh "newsctl init" database
# with the old rows, and the triggers of versions 2 and 3 work on it.  Files it
# must not touch are refused; a migration that fails leaves the file as
# it was.  No nginx runs here.

use strict;
use warnings;

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
my $V1 = $t->read_file($t->repo . '/t/data/schema-v1.sql');

###############################################################################

# the harness's sqlite3 shell on another file: rows as "a|b" lines
sub sql {
    my ($db, $text) = @_;
    $t->db($db);
    return $t->sql_value($text);
}

sub newsctl { return $t->run_cmd(undef, $NEWSCTL, @_) }

# what an editor had put in by hand; "中国" is a category name
my $DATA = <<"SQL";
INSERT INTO categories (id, slug, name, parent_id, updated_at) VALUES
    (1, 'news', 'News', NULL, '2022-01-01 00:00:00+00:00'),
    (2, 'china', '\xE4\xB8\xAD\xE5\x9B\xBD', 1, '2022-01-02 00:00:00+00:00'),
    (3, 'tech', 'Tech', NULL, '2022-01-03 00:00:00+00:00');
INSERT INTO posts (id, info_code, title, published_at, updated_at,
    category_id, summary, body_html, source_name, source_url, status) VALUES
    (1, 'NW202203042297567012', 'First', '2022-03-04 20:46:41+08:00',
     '2022-03-05 00:00:00+00:00', 2, 'One', '<p>one</p>', 'Xinhua',
     'http://example.com/1', 'published'),
    (2, 'NW202203052297567013', 'Second', '2022-03-05 08:00:00+08:00',
     '2022-03-06 00:00:00+00:00', 3, '', '<p>two</p>', '', '', 'draft'),
    (3, 'NW202203062297567014', 'Third', '2022-03-06 08:00:00-05:00',
     '2022-03-07 00:00:00+00:00', 1, '', '', '', '', 'deleted');
INSERT INTO tags (id, name) VALUES (1, 'economy'), (2, 'ai');
INSERT INTO post_tags (post_id, tag_id) VALUES (1, 1), (1, 2), (2, 2);
SQL

# a version 1 file as an older newsctl left it, and an editor filled it
sub v1_db {
    my ($name, $extra) = @_;
    my $db = "$dir/$name";
    sql($db, $V1 . $DATA . ($extra || ''));
    return $db;
}

# every row of every content table, in order, in the columns of version 1
# (the later ones' are checked on their own)
sub rows {
    my ($db) = @_;
    return sql($db, join("\n",
        'SELECT id, slug, name, parent_id, updated_at FROM categories'
        . ' ORDER BY id;',
        'SELECT id, info_code, title, published_at, published_ts,'
        . ' updated_at, category_id, summary, body_html, source_name,'
        . ' source_url, status FROM posts ORDER BY id;',
        'SELECT * FROM tags ORDER BY id;',
        'SELECT * FROM post_tags ORDER BY post_id, tag_id;'));
}

# the schema, each statement's white space folded
sub schema {
    my ($db) = @_;
    my @rows = split /\n/, sql($db, "SELECT type, name, tbl_name,"
        . " replace(replace(sql, char(10), ' '), char(13), ' ')"
        . " FROM sqlite_master ORDER BY type, name;");
    s/\s+/ /g for @rows;
    return \@rows;
}

###############################################################################

# version 1 to 5

my $v1 = v1_db('v1.db');
is(sql($v1, 'PRAGMA user_version'), 1, 'the fixture is version 1');
my $before = rows($v1);

{
    my ($rc, $out, $err) = newsctl('migrate', '--db', $v1);
    is($rc, 0, 'migrate: exit 0') or diag($err);
    is($out, "$v1: version 1 -> 2 (002_redirects)\n"
        . "$v1: version 2 -> 3 (003_cycles_any_length)\n"
        . "$v1: version 3 -> 4 (004_image_author)\n"
        . "$v1: version 4 -> 5 (005_tag_pages)\n"
        . "$v1: version 5 -> 6 (006_category_listing)\n"
        . "$v1: version 6 -> 7 (007_listing_updates)\n"
        . "$v1: version 7 -> 8 (008_change_log)\n"
        . "$v1: version 8 -> 9 (009_replace_logged)\n",
        'migrate: says which migration took it where');
    is($err, '', 'migrate: nothing on stderr');
    is(sql($v1, 'PRAGMA user_version'), $V, "migrate: user_version $V");
}

my $fresh = "$dir/fresh.db";
{
    my ($rc, $out, $err) = newsctl('init', '--db', $fresh);
    is($rc, 0, 'init of a fresh database') or diag($err);
}

is_deeply(schema($v1), schema($fresh),
    'the migrated schema is that of a fresh init');
ok(grep({ /^trigger\|posts_info_code_moved\|/ } @{ schema($v1) }),
    'the migrated schema has the redirect triggers');
is(rows($v1), $before, 'every row as it was, updated_at included');
is(sql($v1, "SELECT count(*) FROM posts WHERE image_url = '' AND author = ''"
    . " UNION ALL SELECT count(*) FROM categories WHERE description = ''"),
    "3\n3", 'version 4: no image, author or description yet');
is(sql($v1, 'SELECT group_concat(tag_id || ":" || post_id, " ") FROM'
    . ' (SELECT * FROM tag_listing ORDER BY tag_id, post_id)'),
    sql($v1, 'SELECT group_concat(tag_id || ":" || post_id, " ") FROM'
    . ' (SELECT pt.* FROM post_tags pt JOIN posts p ON p.id = pt.post_id'
    . " WHERE p.status = 'published' ORDER BY tag_id, post_id)"),
    'version 5: tag_listing lists the tags of the published posts');
is(sql($v1, 'SELECT count(*) FROM tag_listing') > 0, 1,
    'version 5: tag_listing is not empty');
is(sql($v1, 'SELECT group_concat(category_id || ":" || post_id, " ") FROM'
    . ' (SELECT * FROM category_listing ORDER BY category_id, post_id)'),
    '1:1 2:1', 'version 6: category_listing files the published post under'
    . ' its category and its parent');
is(sql($v1, 'SELECT group_concat(n, " ") FROM (SELECT count(*) AS n'
    . ' FROM category_listing l JOIN posts p ON p.id = l.post_id'
    . ' WHERE l.updated_ts = unixepoch(p.updated_at) UNION ALL'
    . ' SELECT count(*) FROM tag_listing l JOIN posts p ON p.id = l.post_id'
    . ' WHERE l.updated_ts = unixepoch(p.updated_at))'),
    sql($v1, 'SELECT (SELECT count(*) FROM category_listing) || " "'
    . ' || (SELECT count(*) FROM tag_listing)'),
    'version 7: every listing row carries its post\'s updated_at');
is(sql($v1, 'UPDATE posts SET title = title || \'!\' WHERE id = 1;'
    . ' SELECT group_concat(what || " " || a, ",") FROM (SELECT what, a'
    . ' FROM change_log ORDER BY id DESC LIMIT 2)'),
    'post 1,post 1', 'version 8: an edit of a post is in the change log');
is(sql($v1, 'PRAGMA integrity_check'), 'ok', 'integrity_check: ok');

{
    my ($rc, $out, $err) = newsctl('check', '--db', $v1);
    is($rc, 0, 'check of the migrated file: exit 0') or diag($out . $err);
}

# again: nothing to do

{
    my $bytes = $t->read_file($v1);
    my ($rc, $out, $err) = newsctl('migrate', '--db', $v1);
    is($rc, 0, 'migrate again: exit 0') or diag($err);
    is($out, "$v1: already at version $V, nothing to do\n",
        'migrate again: says so');
    ok($t->read_file($v1) eq $bytes, 'migrate again: the file unchanged');
}

# the triggers of version 2 work on the migrated file

{
    sql($v1, "UPDATE posts SET info_code = 'NW202203042297569999'"
        . " WHERE id = 1;");
    is(sql($v1, 'SELECT old_info_code, post_id FROM info_code_redirects'),
        'NW202203042297567012|1', 'a changed info_code leaves a redirect');

    sql($v1, "UPDATE categories SET slug = 'zhongguo' WHERE id = 2;");
    is(sql($v1, 'SELECT old_slug, category_id FROM category_redirects'),
        'china|2', 'a changed slug leaves a redirect');

    sql($v1, 'DELETE FROM posts WHERE id = 1;');
    is(sql($v1, 'SELECT count(*) FROM info_code_redirects'), 0,
        'a deleted post takes its redirects along');
}

# newsctl carries its migrations: no sql/ where it runs

{
    my $elsewhere = v1_db('elsewhere.db');
    my ($rc, $out, $err) = $t->run_cmd(undef, '/bin/sh', '-c',
        'cd "$1" && exec "$2" migrate --db elsewhere.db', 'sh', $dir,
        $NEWSCTL);
    is($rc, 0, 'migrate in a directory without sql/: exit 0') or diag($err);
    is(sql($elsewhere, 'PRAGMA user_version'), $V,
        "migrate in a directory without sql/: version $V");
}

# rows that pointed nowhere before are the admin's: migrate keeps going

{
    my $orphans = v1_db('orphans.db', "PRAGMA foreign_keys = OFF;\n"
        . "INSERT INTO post_tags (post_id, tag_id) VALUES (1, 99);\n");
    my ($rc, $out, $err) = newsctl('migrate', '--db', $orphans);
    is($rc, 0, 'an orphan row from before: migrated') or diag($err);
    is(sql($orphans, 'SELECT count(*) FROM post_tags WHERE tag_id = 99'), 1,
        'an orphan row from before: kept, for newsctl check to report');
}

###############################################################################

# files migrate refuses

{
    my $v5 = v1_db('newer.db', 'PRAGMA user_version = ' . ($V + 1) . ";\n");
    my $bytes = $t->read_file($v5);
    my ($rc, $out, $err) = newsctl('migrate', '--db', $v5);
    is($rc, 1, 'a newer version: exit 1');
    like($err,
        qr/^\Q$v5\E: schema version ${\ ($V + 1)} is newer than this newsctl/m,
        'a newer version: says so');
    like($err, qr/\bknows \($V\)/, 'a newer version: names the one it knows');
    ok($t->read_file($v5) eq $bytes, 'a newer version: the file unchanged');

    my $v0 = "$dir/v0.db";
    sql($v0, 'CREATE TABLE notes (x);');
    ($rc, $out, $err) = newsctl('migrate', '--db', $v0);
    is($rc, 1, 'user_version 0: exit 1');
    like($err, qr/^\Q$v0\E: .*user_version is 0.*newsctl init/m,
        'user_version 0: says newsctl init');
    is(sql($v0, "SELECT group_concat(name) FROM sqlite_master"), 'notes',
        'user_version 0: untouched');

    my $other = "$dir/other.db";
    sql($other, "CREATE TABLE notes (x);\nPRAGMA user_version = 1;");
    ($rc, $out, $err) = newsctl('migrate', '--db', $other);
    is($rc, 1, 'a database of someone else: exit 1');
    like($err, qr/^\Q$other\E: .*not a news content database.*newsctl init/m,
        'a database of someone else: says so');
    is(sql($other, 'PRAGMA user_version'), 1,
        'a database of someone else: untouched');

    my $readership = "$dir/readership.db";
    sql($readership, $t->read_file($t->repo . '/sql/readership.sql'));
    ($rc, $out, $err) = newsctl('migrate', '--db', $readership);
    is($rc, 1, 'a readership file: exit 1');
    like($err, qr/^\Q$readership\E: is a readership database/m,
        'a readership file: says so');

    ($rc, $out, $err) = newsctl('migrate', '--db', "$dir/none.db");
    is($rc, 1, 'a missing file: exit 1');
    like($err, qr/newsctl init/, 'a missing file: says newsctl init');
    ok(!-e "$dir/none.db", 'a missing file: none created');

    ($rc, $out, $err) = newsctl('migrate', '--db', $v1, 'extra');
    is($rc, 2, 'an argument too many: exit 2');
    like($err, qr/usage: newsctl migrate --db FILE/, 'usage on stderr');
}

# a migration that fails halfway is rolled back whole

{
    # an admin's own table by the name 002 creates second
    my $taken = v1_db('taken.db', "CREATE TABLE category_redirects (x);\n");
    my $before = rows($taken);
    my ($rc, $out, $err) = newsctl('migrate', '--db', $taken);
    is($rc, 1, 'a failing migration: exit 1');
    like($err, qr/^\Q$taken\E: migration 002_redirects failed: /m,
        'a failing migration: says which');
    like($err, qr/failed: table category_redirects already exists/,
        'a failing migration: says why');
    like($err, qr/rolled back; the file stays at version 1/,
        'a failing migration: says the file stays at version 1');
    is($out, '', 'a failing migration: no progress line');
    is(sql($taken, 'PRAGMA user_version'), 1,
        'a failing migration: user_version 1');
    is(sql($taken, "SELECT count(*) FROM sqlite_master"
        . " WHERE name = 'info_code_redirects'"), 0,
        'a failing migration: what it had made before is gone');
    is(rows($taken), $before, 'a failing migration: the rows as they were');
}

###############################################################################

# gen_migrations.sh: what it embeds, and the files it refuses

{
    my $gen = $t->repo . '/newsctl/gen_migrations.sh';

    my $gen_dir = sub {
        my ($name, %files) = @_;
        my $d = "$dir/$name";
        mkdir $d or die "mkdir $d: $!\n";
        $t->write_file("$d/$_", $files{$_}) for keys %files;
        return $d;
    };

    my $ok = $gen_dir->('gen-ok',
        '002_a.sql' => "CREATE TABLE a (x);\nPRAGMA user_version = 2;\n",
        '003_b.sql' => "CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n"
            . "    SELECT 1;\nEND;\nPRAGMA user_version = 3;\n");
    my ($rc, $out, $err) = $t->run_cmd(undef, '/bin/sh', $gen, $ok,
        "$dir/ok.h");
    is($rc, 0, 'gen_migrations.sh: exit 0') or diag($err);
    my $h = $t->read_file("$dir/ok.h");
    like($h, qr/\{\ 2,\ "002_a",\ news_migration_2\ \},\n
        \s+\{\ 3,\ "003_b",\ news_migration_3\ \},/x,
        'gen_migrations.sh: the migrations in order');
    like($h, qr/#define NEWS_MIGRATIONS_LAST  3\n/,
        'gen_migrations.sh: the last version');

    for my $bad (
        [ 'a gap', '002_a.sql' => "PRAGMA user_version = 2;\n",
          '004_c.sql' => "PRAGMA user_version = 4;\n" ],
        [ 'no user_version', '002_a.sql' => "CREATE TABLE a (x);\n" ],
        [ 'the wrong user_version', '002_a.sql' =>
          "PRAGMA user_version = 3;\n" ],
        [ 'its own transaction', '002_a.sql' =>
          "BEGIN;\nCREATE TABLE a (x);\nCOMMIT;\nPRAGMA user_version = 2;\n" ],
        [ 'a bad name', '002-a.sql' => "PRAGMA user_version = 2;\n" ])
    {
        my ($what, %files) = @$bad;
        (my $name = "gen-$what") =~ s/\W/_/g;
        my $d = $gen_dir->($name, %files);
        $t->write_file("$dir/$name.h", "kept\n");
        ($rc, $out, $err) = $t->run_cmd(undef, '/bin/sh', $gen, $d,
            "$dir/$name.h");
        is($rc, 1, "gen_migrations.sh, $what: exit 1");
        like($err, qr/gen_migrations\.sh: \Q$d\E\//,
            "gen_migrations.sh, $what: names the file");
        is($t->read_file("$dir/$name.h"), "kept\n",
            "gen_migrations.sh, $what: the header as it was");
    }
}

done_testing();
