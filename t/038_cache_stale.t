#!/usr/bin/perl

# The render cache against fresh renders (issue 14): one nginx with the
# render cache serves the sample site at two posts a page; a second nginx
# with the same configuration reads the same file and is restarted before
# every look, so that each of its pages is rendered afresh.  After each of
# a run of edits drawn with a fixed seed (a post's title, summary, body,
# status, date, category, infoCode, image, author and source; tags added
# and removed; categories and tags renamed, re-slugged and moved; posts
# inserted and deleted; two commits in a row; the journal switched to WAL
# half way), every page of both is fetched (each article, its share link,
# every page of the home page, of every category and tag, one page past
# each end, unknown and old URLs) and compared, status, Location and body,
# byte for byte.  The cached pages were fetched twice before the edit.
#
# Last, the cases an attack on the change log found stale, now fresh: a
# scheduled post that goes live while no request comes, and the first
# request after it also sees a commit (every page goes then, as the clock
# brought what no row names); and posts removed by a REPLACE conflict
# resolution, whose delete triggers do not fire (schema version 9 logs
# them before they go).

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use POSIX qw(strftime);

my $t = NewsTest->new;
$t->skip_unless_built;

# the reference: the same configuration, the same file, a cold cache
my $f = NewsTest->new;

$t->db_init;
$t->import_posts(sort glob($t->repo . '/sample/posts/*.txt'));

my $db = $t->db;

$t->write_conf($t->conf_server('', http => 'news_page_size 2;'));
$f->write_conf($f->conf_server('', db => $db, http => 'news_page_size 2;'));
$t->run;
$f->run;

srand(38);

sub pick { $_[int rand @_] }
sub word { join '', map { pick('a' .. 'z') } 1 .. 3 + int rand 5 }

# rows of a query, tab-separated fields
sub rows {
    my ($sql) = @_;
    return map { [split /\t/, $_, -1] }
        split /\n/, $t->sql(".mode tabs\n$sql\n");
}

sub ids { map { $_->[0] } rows($_[0]) }

sub pct {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

# every URL of the site as the file has it now, and every one seen before
my (%seen, %codes);

sub urls {
    my %u;

    for my $r (rows("SELECT p.info_code, substr(p.published_at, 1, 10),"
            . " c.slug FROM posts p JOIN categories c"
            . " ON c.id = p.category_id;"))
    {
        my ($code, $date, $slug) = @$r;
        $date =~ s{-}{/}g;
        $u{"/$slug/$date/$code.html"} = 1;
        $codes{$code} = 1;
    }

    $codes{$_} = 1 for ids("SELECT old_info_code FROM info_code_redirects;");
    $codes{NW99999999000001} = 1;
    $u{"/html_News/NewsShare.html?infoCode=$_"} = 1 for keys %codes;
    $u{'/xinhuawang/2022/03/04/NW99999999000001.html'} = 1;
    $u{'/category/nosuch.html'} = 1;
    $u{'/tag/' . pct('no such tag') . '.html'} = 1;

    my $out = "p.status = 'published' AND p.published_ts <= unixepoch()";

    my @lists = (
        ['/', rows("SELECT count(*) FROM posts p WHERE $out;")],
        (map { ["/category/$_->[0].html", $_->[1]] }
            rows("SELECT c.slug, (SELECT count(*) FROM category_listing cl"
                . " JOIN posts p ON p.id = cl.post_id"
                . " WHERE cl.category_id = c.id AND $out) FROM categories c"
                . " UNION ALL SELECT old_slug, 1 FROM category_redirects;")),
        (map { ['/tag/' . pct($_->[0]) . '.html', $_->[1]] }
            rows("SELECT t.name, (SELECT count(*) FROM tag_listing tl"
                . " JOIN posts p ON p.id = tl.post_id"
                . " WHERE tl.tag_id = t.id AND $out) FROM tags t;")),
    );

    for my $l (@lists) {
        my ($base, $n) = @$l;
        $n = $n->[0] if ref $n;
        for my $page (1 .. int(($n + 1) / 2) + 1) {
            $u{$page == 1 ? $base : "$base?page=$page"} = 1;
        }
    }

    $seen{$_} = 1 for keys %u;
    return sort keys %seen;
}

sub answer {
    my ($r, $port) = @_;
    my $s = join "\n", $r->{status}, $r->{headers}{location} // '',
        $r->{body};
    $s =~ s/:$port\b/:PORT/g;
    return $s;
}

# the pages the cache serves otherwise than a fresh render, with how
sub stale {
    my (@urls) = @_;

    $f->stop;
    $f->run;

    my @bad;

    for my $u (@urls) {
        my $a = answer($t->get($u), $t->port);
        my $b = answer($f->get($u), $f->port);
        next if $a eq $b;

        my @a = split /\n/, $a;
        my @b = split /\n/, $b;
        my $i = 0;
        $i++ while $i < @a && $i < @b && $a[$i] eq $b[$i];
        push @bad, "$u: cached " . substr($a[$i] // '', 0, 160)
            . " | fresh " . substr($b[$i] // '', 0, 160);
    }

    return @bad;
}

sub warm {
    my (@urls) = @_;
    for my $n (1, 2) {
        $t->get($_) for @urls;
    }
}

my $n = 0;

sub date {
    my $off = pick('+08:00', '+00:00', '-05:00');
    return sprintf('2031-%02d-%02d 10:00:00%s', 1 + int rand 12,
        1 + int rand 28, $off) if rand() < 0.15;
    return sprintf('20%02d-%02d-%02d %02d:%02d:%02d%s', 19 + int rand 5,
        1 + int rand 12, 1 + int rand 28, int rand 24, int rand 60,
        int rand 60, $off);
}

sub code { sprintf('NW%08d%06d', 20220000 + int rand 10000, ++$n) }

sub post { pick(ids('SELECT id FROM posts;')) }
sub cat { pick(ids('SELECT id FROM categories;')) }
sub tag { pick(ids('SELECT id FROM tags;')) }

# [weight, what, the SQL of one edit (undef: none this time)]
my @edits = (
    [3, 'title', sub {
        "UPDATE posts SET title = 'T " . word() . "' WHERE id = " . post() }],
    [2, 'summary', sub {
        "UPDATE posts SET summary = 'S " . word() . "' WHERE id = "
        . post() }],
    [2, 'body', sub {
        "UPDATE posts SET body_html = '<p>B " . word() . "</p>' WHERE id = "
        . post() }],
    [3, 'status', sub {
        "UPDATE posts SET status = '"
        . pick(qw(published published draft deleted)) . "' WHERE id = "
        . post() }],
    [3, 'published_at', sub {
        "UPDATE posts SET published_at = '" . date() . "' WHERE id = "
        . post() }],
    [3, 'category', sub {
        "UPDATE posts SET category_id = " . cat() . " WHERE id = " . post() }],
    [2, 'info_code', sub {
        "UPDATE posts SET info_code = '" . code() . "' WHERE id = "
        . post() }],
    [1, 'info_code back', sub {
        my @r = rows('SELECT old_info_code, post_id FROM info_code_redirects'
            . ' ORDER BY 1;');
        return undef unless @r;
        my $r = pick(@r);
        "UPDATE posts SET info_code = '$r->[0]' WHERE id = $r->[1]" }],
    [1, 'image', sub {
        "UPDATE posts SET image_url = '" . pick('', '/img/' . word() . '.jpg')
        . "' WHERE id = " . post() }],
    [1, 'author', sub {
        "UPDATE posts SET author = '" . pick('', 'A ' . word())
        . "' WHERE id = " . post() }],
    [1, 'source', sub {
        "UPDATE posts SET source_name = '" . word() . "', source_url ="
        . " 'https://s.example/" . word() . "' WHERE id = " . post() }],
    [3, 'tag added', sub {
        "INSERT OR IGNORE INTO post_tags VALUES (" . post() . ", " . tag()
        . ")" }],
    [1, 'new tag', sub {
        my $w = 'tg' . word();
        "INSERT OR IGNORE INTO tags (name) VALUES ('$w'); INSERT INTO"
        . " post_tags SELECT " . post() . ", id FROM tags"
        . " WHERE name = '$w'" }],
    [3, 'tag removed', sub {
        my @r = rows('SELECT post_id, tag_id FROM post_tags ORDER BY 1, 2;');
        return undef unless @r;
        my $r = pick(@r);
        "DELETE FROM post_tags WHERE post_id = $r->[0]"
        . " AND tag_id = $r->[1]" }],
    [1, 'tag renamed', sub {
        "UPDATE tags SET name = 'tn" . word() . "' WHERE id = " . tag() }],
    [1, 'category renamed', sub {
        "UPDATE categories SET name = 'C " . word() . "' WHERE id = "
        . cat() }],
    [1, 'category re-slugged', sub {
        "UPDATE categories SET slug = 'c" . word() . "' WHERE id = "
        . cat() }],
    [1, 'category moved', sub {
        "UPDATE categories SET parent_id = " . pick('NULL', cat())
        . " WHERE id = " . cat() }],
    [1, 'category described', sub {
        "UPDATE categories SET description = 'D " . word() . "' WHERE id = "
        . cat() }],
    [1, 'category added', sub {
        "INSERT INTO categories (slug, name, parent_id) VALUES ('n" . word()
        . "', 'N', " . pick('NULL', cat()) . ")" }],
    [2, 'post added', sub {
        "INSERT INTO posts (info_code, title, published_at, category_id,"
        . " summary, status) VALUES ('" . code() . "', 'New " . word()
        . "', '" . date() . "', " . cat() . ", 'sum', '"
        . pick(qw(published published draft)) . "')" }],
    [1, 'tagged post added', sub {
        my $code = code();
        "BEGIN; INSERT INTO posts (info_code, title, published_at,"
        . " category_id) VALUES ('$code', 'New " . word() . "', '" . date()
        . "', " . cat() . "); INSERT INTO post_tags SELECT id, " . tag()
        . " FROM posts WHERE info_code = '$code'; COMMIT" }],
    [1, 'post deleted', sub { "DELETE FROM posts WHERE id = " . post() }],
    [1, 'post deleted, foreign keys on', sub {
        "PRAGMA foreign_keys = ON; DELETE FROM posts WHERE id = " . post() }],
    [1, 'two posts in one commit', sub {
        "BEGIN; UPDATE posts SET title = 'M " . word() . "' WHERE id = "
        . post() . "; UPDATE posts SET published_at = '" . date()
        . "' WHERE id = " . post() . "; COMMIT" }],
    [1, 'codes swapped', sub {
        my @p = rows('SELECT id, info_code FROM posts ORDER BY id;');
        my ($x, $y) = (pick(@p), pick(@p));
        return undef if $x->[0] == $y->[0];
        "BEGIN; UPDATE posts SET info_code = 'NW00000000999999' WHERE id ="
        . " $x->[0]; UPDATE posts SET info_code = '$x->[1]' WHERE id ="
        . " $y->[0]; UPDATE posts SET info_code = '$y->[1]' WHERE id ="
        . " $x->[0]; COMMIT" }],
    [1, 'redirect row', sub {
        "INSERT OR REPLACE INTO info_code_redirects VALUES"
        . " ('NW99999999000001', " . post() . ")" }],
);

my @bag = map { ($_) x $_->[0] } @edits;

# an edit, or refused by the schema (a cycle, a taken slug): none
sub edit {
    my ($sql) = @_;
    my $ok = eval { $t->sql("$sql;\n"); 1 };
    return $ok ? $sql : undef;
}

my @urls = urls();
warm(@urls);
is(join("\n", stale(@urls)), '', 'the sample site: cached as fresh');

my $edits = 0;

for my $i (1 .. 60) {
    $t->sql("PRAGMA journal_mode = WAL;\n") if $i == 31;

    my $e = pick(@bag);
    my $sql = $e->[2]->();
    my $did = defined $sql ? edit($sql) : undef;
    my $what = "$e->[1]: " . ($did // 'none');

    if (rand() < 0.15) {
        # a second commit right after the first
        my $e2 = pick(@bag);
        my $sql2 = $e2->[2]->();
        my $did2 = defined $sql2 ? edit($sql2) : undef;
        $what .= "; then $e2->[1]: " . ($did2 // 'none');
    }

    $edits++ if defined $did;

    @urls = urls();
    is(join("\n", stale(@urls)), '', "edit $i, $what");
    warm(@urls);
}

cmp_ok($edits, '>=', 40, 'most edits were made');

# --- what is stale now -------------------------------------------------

# the published posts, by id: [id, category slug, info_code, category id]
my @pub = rows("SELECT p.id, c.slug, p.info_code, c.id FROM posts p JOIN"
    . " categories c ON c.id = p.category_id WHERE p.status = 'published'"
    . " AND p.published_ts <= unixepoch() ORDER BY p.id;");

# whether category $up is category $id or one of its ancestors
my %parent = map { $_->[0] => $_->[1] }
    rows('SELECT id, parent_id FROM categories;');

sub above {
    my ($up, $id) = @_;
    for (my ($c, $n) = ($id, 0); $c ne '' && $n < 40;
         $c = $parent{$c}, $n++)
    {
        return 1 if $c == $up;
    }
    return 0;
}

# a scheduled post goes live at an instant no request sees, and the first
# request after it finds a commit as well: the commit's pages go, and the
# pages the post is now in, or is now served as, stay what they were
{
    my $x = $pub[0];
    my ($y) = grep { !above($_->[3], $x->[3]) && !above($x->[3], $_->[3]) }
        @pub;

    my $live = time + 3;
    my $when = strftime('%Y-%m-%d %H:%M:%S+00:00', gmtime $live);
    edit("UPDATE posts SET published_at = '$when' WHERE id = $x->[0]");

    (my $day = substr($when, 0, 10)) =~ s{-}{/}g;
    my $page = "/$x->[1]/$day/$x->[2].html";
    my @its = ($page, "/html_News/NewsShare.html?infoCode=$x->[2]",
        "/category/$x->[1].html", '/');
    warm(@its);
    is($t->get($page)->{status}, 404, 'a post scheduled: 404 for now');

    select(undef, undef, undef, 0.2) while time < $live + 1;
    edit("UPDATE posts SET title = 'after " . word() . "' WHERE id ="
        . " $y->[0]");

    is(join("\n", stale(@its)), '',
        'live and another post edited at once: cached as fresh');
    is($t->get($page)->{status}, 200, 'served on a later request too');
}

# a cold cache for each case that follows
sub restart {
    $t->stop;
    $t->run;
    warm(urls());
}

# INSERT OR REPLACE: the row replaced is deleted with no delete trigger
# (recursive_triggers is off); posts_replaced logs it before it goes
{
    my $x = $pub[1];
    my ($to) = grep { !above($x->[3], $_) } sort { $a <=> $b } keys %parent;

    restart();

    edit("INSERT OR REPLACE INTO posts (id, info_code, title,"
        . " published_at, category_id) VALUES ($x->[0], '$x->[2]',"
        . " 'replaced', '2023-01-02 03:04:05+08:00', $to)");

    is(join("\n", stale(urls())), '',
        'a post replaced into another category: cached as fresh');
}

# UPDATE OR REPLACE: the post whose code another takes goes the same way;
# posts_replaced_by_update logs it
{
    my $y = $pub[-1];
    my ($x) = grep { !above($y->[3], $_->[3]) && $_->[0] != $y->[0] } @pub;

    restart();

    edit("UPDATE OR REPLACE posts SET info_code = '$y->[2]' WHERE id ="
        . " $x->[0]");

    is(join("\n", stale(urls())), '',
        'a code taken by UPDATE OR REPLACE: cached as fresh');
}

$f->stop;
$t->stop;

done_testing;
