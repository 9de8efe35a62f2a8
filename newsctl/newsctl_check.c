/*
 * newsctl check: what got past the schema's constraints and triggers
 * anyway, by the ways admins get around them: PRAGMA foreign_keys = OFF,
 * a dropped trigger, PRAGMA ignore_check_constraints, bytes cast to TEXT;
 * and the schema objects themselves, against sql/schema.sql as newsctl
 * carries it: a dropped or changed trigger checks nothing from then on.
 *
 * The file is opened read-only and read in one transaction.  Each problem
 * is a line "FILE: what: detail" on stdout naming the rows, at most
 * NEWSCTL_CHECK_LINES of a kind and then their count; exit 1 if there is
 * any, as for a file that cannot be read.
 */

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "newsctl.h"
#include "newsctl_check.h"
#include "news_post.h"


static void newsctl_check_text_run(newsctl_check_t *chk);
static void newsctl_check_utf8(sqlite3_context *ctx, int argc,
    sqlite3_value **argv);


/*
 * every schema: the file's own view of itself.  Foreign keys the row
 * checks below name better (?1 = 1 when they run) are left to them.
 */
static const newsctl_check_query_t  newsctl_check_file[] = {

    { "integrity",
      "SELECT integrity_check FROM pragma_integrity_check"
      " WHERE integrity_check <> 'ok'" },

    { "foreign key",
      "SELECT printf('%s row %s: %s points to no row of %s', fk.\"table\","
      " ifnull(fk.rowid, '(without rowid)'), l.\"from\", fk.parent)"
      " FROM pragma_foreign_key_check AS fk"
      " JOIN pragma_foreign_key_list(fk.\"table\") AS l"
      " ON l.id = fk.fkid AND l.seq = 0"
      " WHERE ?1 = 0 OR (fk.\"table\", l.\"from\") NOT IN (VALUES"
      " ('posts', 'category_id'), ('categories', 'parent_id'),"
      " ('post_tags', 'post_id'), ('post_tags', 'tag_id'),"
      " ('info_code_redirects', 'post_id'),"
      " ('category_redirects', 'category_id'))" },

    { NULL, NULL }
};


/*
 * schema version NEWSCTL_SCHEMA_VERSION: the rows, named.  SQLite does
 * not load CHECK constraints on a read-only connection, so integrity_check
 * cannot see them here: the constraint checks are sql/schema.sql's CHECKs,
 * word for word.
 */
static const newsctl_check_query_t  newsctl_check_rows[] = {

    { "orphan post",
      "SELECT printf('post %d (%s): category_id %s does not exist',"
      " id, info_code, category_id) FROM posts AS p"
      " WHERE NOT EXISTS (SELECT 1 FROM categories AS c"
      " WHERE c.id = p.category_id) ORDER BY id" },

    { "orphan category",
      "SELECT printf('category %d (%s): parent_id %s does not exist',"
      " id, slug, parent_id) FROM categories AS c"
      " WHERE parent_id IS NOT NULL AND NOT EXISTS (SELECT 1"
      " FROM categories AS p WHERE p.id = c.parent_id) ORDER BY id" },

    { "orphan post tag",
      "SELECT printf('post_tags row (post %s, tag %s): %s', pt.post_id,"
      " pt.tag_id, CASE WHEN p.id IS NULL AND t.id IS NULL"
      " THEN 'neither exists' WHEN p.id IS NULL"
      " THEN 'the post does not exist' ELSE 'the tag does not exist' END)"
      " FROM post_tags AS pt LEFT JOIN posts AS p ON p.id = pt.post_id"
      " LEFT JOIN tags AS t ON t.id = pt.tag_id"
      " WHERE p.id IS NULL OR t.id IS NULL"
      " ORDER BY pt.post_id, pt.tag_id" },

    { "orphan redirect",
      "SELECT printf('info_code redirect %s: post %s does not exist',"
      " old_info_code, post_id) FROM info_code_redirects AS r"
      " WHERE NOT EXISTS (SELECT 1 FROM posts AS p WHERE p.id = r.post_id)"
      " UNION ALL"
      " SELECT printf('category redirect %s: category %s does not exist',"
      " old_slug, category_id) FROM category_redirects AS r"
      " WHERE NOT EXISTS (SELECT 1 FROM categories AS c"
      " WHERE c.id = r.category_id)" },

    { "empty title",
      "SELECT printf('post %d (%s): title %Q', id, info_code, title)"
      " FROM posts WHERE NOT (length(trim(title)) > 0) ORDER BY id" },

    { "bad info_code",
      "SELECT printf('post %d: info_code %Q does not match "
      NEWS_INFO_CODE_PATTERN "', id, info_code) FROM posts"
      " WHERE NOT (length(info_code) BETWEEN "
      NEWSCTL_STR(NEWS_INFO_CODE_MIN_LEN) " AND "
      NEWSCTL_STR(NEWS_INFO_CODE_MAX_LEN)
      " AND info_code GLOB '[A-Z][A-Z][0-9]*'"
      " AND substr(info_code, 3) NOT GLOB '*[^0-9]*') ORDER BY id" },

    { "bad published_at",
      "SELECT printf('post %d (%s): published_at %Q is not"
      " YYYY-MM-DD HH:MM:SS+HH:MM', id, info_code, published_at)"
      " FROM posts WHERE NOT ("
      " published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-'"
      " || '[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'"
      " || '[+-][0-9][0-9]:[0-9][0-9]'"
      " AND unixepoch(published_at) IS NOT NULL) ORDER BY id" },

    { "bad status",
      "SELECT printf('post %d (%s): status %Q is not published, draft or"
      " deleted', id, info_code, status) FROM posts"
      " WHERE NOT (status IN ('published', 'draft', 'deleted'))"
      " ORDER BY id" },

    { "bad source_url",
      "SELECT printf('post %d (%s): source_url %Q is not http(s)',"
      " id, info_code, substr(source_url, 1, 80)) FROM posts"
      " WHERE NOT (source_url = '' OR source_url GLOB 'http://*'"
      " OR source_url GLOB 'https://*') ORDER BY id" },

    { "bad slug",
      "SELECT printf('category %d: slug %Q %s', id, slug,"
      " CASE WHEN slug = 'category' THEN 'is reserved'"
      " ELSE 'does not match ^[a-z0-9_-]{1,64}$' END) FROM categories"
      " WHERE NOT (length(slug) BETWEEN 1 AND 64"
      " AND slug NOT GLOB '*[^a-z0-9_-]*'"
      " AND slug <> 'category') ORDER BY id" },

    { "empty category name",
      "SELECT printf('category %d (%s): name %Q', id, slug, name)"
      " FROM categories WHERE NOT (length(trim(name)) > 0) ORDER BY id" },

    { "empty tag name",
      "SELECT printf('tag %d: name %Q', id, name)"
      " FROM tags WHERE NOT (length(trim(name)) > 0) ORDER BY id" },

    { "bad redirect",
      "SELECT printf('info_code redirect %Q -> post %s: not 1 to 64 bytes',"
      " old_info_code, post_id) FROM info_code_redirects"
      " WHERE NOT (length(old_info_code) BETWEEN 1 AND 64)"
      " UNION ALL"
      " SELECT printf('category redirect %Q -> category %s: not 1 to 64"
      " bytes', old_slug, category_id) FROM category_redirects"
      " WHERE NOT (length(old_slug) BETWEEN 1 AND 64)" },

    { NULL, NULL }
};


/* the tables whose text is checked to be UTF-8, and how a row is named */
static const struct {
    const char  *table;
    const char  *row;
} newsctl_check_text[] = {
    { "posts", "printf('post %d (%s)', id, info_code)" },
    { "categories", "printf('category %d (%s)', id, slug)" },
    { "tags", "printf('tag %d', id)" },
    { NULL, NULL }
};


int
newsctl_check(newsctl_command_t *cmd, newsctl_opts_t *opts)
{
    int                           version, expected;
    newsctl_check_t               chk;
    const newsctl_check_query_t  *q;

    memset(&chk, 0, sizeof(newsctl_check_t));
    chk.path = opts->db;

    if (newsctl_open(chk.path, SQLITE_OPEN_READONLY, &chk.db) != NEWSCTL_OK)
    {
        return NEWSCTL_FAILED;
    }

    /* the schema check's temp table is kept in memory, not in a file */
    if (newsctl_exec(chk.db, chk.path, "PRAGMA temp_store = MEMORY")
        != NEWSCTL_OK)
    {
        sqlite3_close(chk.db);
        return NEWSCTL_FAILED;
    }

    expected = (newsctl_check_expected(&chk) == NEWSCTL_OK);

    /* one snapshot: a writer's commit halfway would be a false problem */
    if (newsctl_exec(chk.db, chk.path, "BEGIN") != NEWSCTL_OK
        || newsctl_schema_version(chk.db, chk.path, &version) != NEWSCTL_OK)
    {
        sqlite3_close(chk.db);
        return NEWSCTL_FAILED;
    }

    /* the problems the row checks find are for this newsctl's schema */
    chk.rows = (version == NEWSCTL_SCHEMA_VERSION);

    if (version < NEWSCTL_SCHEMA_VERSION) {
        printf("%s: schema version: user_version is %d, newsctl expects %d; "
               "run \"newsctl migrate --db FILE\", then check again\n",
               chk.path, version, NEWSCTL_SCHEMA_VERSION);
        chk.problems++;

    } else if (version > NEWSCTL_SCHEMA_VERSION) {
        printf("%s: schema version: user_version is %d, newer than this "
               "newsctl knows (%d); check it with a newer one\n", chk.path,
               version, NEWSCTL_SCHEMA_VERSION);
        chk.problems++;
    }

    for (q = newsctl_check_file; q->what != NULL; q++) {
        newsctl_check_run(&chk, q);
    }

    if (chk.rows) {
        if (expected) {
            newsctl_check_schema(&chk);
        }

        newsctl_check_text_run(&chk);
        newsctl_check_cycles(&chk);

        for (q = newsctl_check_rows; q->what != NULL; q++) {
            newsctl_check_run(&chk, q);
        }
    }

    sqlite3_exec(chk.db, "COMMIT", NULL, NULL, NULL);

    if (sqlite3_close(chk.db) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", chk.path, sqlite3_errmsg(chk.db));
        chk.problems++;
    }

    if (chk.problems) {
        printf("%s: %lu problem%s found\n", chk.path, chk.problems,
               chk.problems == 1 ? "" : "s");
        return NEWSCTL_FAILED;
    }

    printf("%s: no problems found\n", chk.path);

    return NEWSCTL_OK;
}


/* each row of q->sql is a problem: its first column says what */
void
newsctl_check_run(newsctl_check_t *chk, const newsctl_check_query_t *q)
{
    int                   rc;
    size_t                len;
    unsigned long         n;
    sqlite3_stmt         *stmt;
    const unsigned char  *text;

    if (sqlite3_prepare_v2(chk->db, q->sql, -1, &stmt, NULL) != SQLITE_OK) {
        goto failed;
    }

    if (sqlite3_bind_parameter_count(stmt) > 0) {
        sqlite3_bind_int(stmt, 1, chk->rows);
    }

    n = 0;

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        text = sqlite3_column_text(stmt, 0);
        len = (size_t) sqlite3_column_bytes(stmt, 0);

        if (text == NULL) {
            text = (const unsigned char *) "NULL";
            len = 4;
        }

        if (n++ < NEWSCTL_CHECK_LINES) {
            newsctl_check_line(chk, q->what, text, len);
        }
    }

    if (rc != SQLITE_DONE) {
        goto failed;
    }

    sqlite3_finalize(stmt);

    if (n > NEWSCTL_CHECK_LINES) {
        printf("%s: %s: and %lu more (%lu in all)\n", chk->path, q->what,
               n - NEWSCTL_CHECK_LINES, n);
    }

    chk->problems += n;

    return;

failed:

    /* a check that cannot run is a problem of the file's schema too */
    printf("%s: %s: cannot check: %s\n", chk->path, q->what,
           sqlite3_errmsg(chk->db));
    sqlite3_finalize(stmt);
    chk->problems++;
}


/*
 * "bad UTF-8": one query over every text column of the tables in
 * newsctl_check_text, by the schema's own column names quoted as
 * identifiers, and newsctl_utf8_error() to read their bytes
 */
static void
newsctl_check_text_run(newsctl_check_t *chk)
{
    int                     i, rc, n;
    sqlite3_str            *s;
    const char             *col;
    sqlite3_stmt           *stmt;
    newsctl_check_query_t   q;

    memset(&q, 0, sizeof(newsctl_check_query_t));
    q.what = "bad UTF-8";

    rc = sqlite3_create_function_v2(chk->db, "newsctl_utf8_error", 1,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC
                                    | SQLITE_DIRECTONLY,
                                    NULL, newsctl_check_utf8, NULL, NULL,
                                    NULL);
    if (rc != SQLITE_OK) {
        goto failed;
    }

    rc = sqlite3_prepare_v2(chk->db,
             "SELECT name FROM pragma_table_info(?1)"
             " WHERE upper(type) GLOB '*TEXT*' OR upper(type) GLOB '*CHAR*'"
             " OR upper(type) GLOB '*CLOB*' ORDER BY cid",
             -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
        goto failed;
    }

    s = sqlite3_str_new(chk->db);
    n = 0;

    for (i = 0; rc == SQLITE_OK && newsctl_check_text[i].table != NULL; i++) {
        sqlite3_bind_text(stmt, 1, newsctl_check_text[i].table, -1,
                          SQLITE_STATIC);

        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            col = (const char *) sqlite3_column_text(stmt, 0);

            sqlite3_str_appendf(s,
                "%s SELECT printf('%%s: %%s: invalid UTF-8 at byte offset"
                " %%d', %s, %Q, newsctl_utf8_error(\"%w\")) FROM \"%w\""
                " WHERE newsctl_utf8_error(\"%w\") IS NOT NULL",
                n++ ? " UNION ALL" : "", newsctl_check_text[i].row, col, col,
                newsctl_check_text[i].table, col);
        }

        rc = (rc == SQLITE_DONE) ? SQLITE_OK : rc;
        sqlite3_reset(stmt);
    }

    sqlite3_finalize(stmt);

    rc = (rc == SQLITE_OK) ? sqlite3_str_errcode(s) : rc;
    q.sql = sqlite3_str_finish(s);

    if (rc == SQLITE_OK && q.sql != NULL) {
        newsctl_check_run(chk, &q);
    }

    sqlite3_free((char *) q.sql);

    if (rc == SQLITE_OK) {
        return;
    }

failed:

    printf("%s: %s: cannot check: %s\n", chk->path, q.what,
           sqlite3_errmsg(chk->db));
    chk->problems++;
}


/* newsctl_utf8_error(x): the offset of x's first byte not UTF-8, or NULL */
static void
newsctl_check_utf8(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int                   type;
    size_t                len, bad;
    const unsigned char  *p;

    type = sqlite3_value_type(argv[0]);

    if (type != SQLITE_TEXT && type != SQLITE_BLOB) {
        return;
    }

    /* the bytes as stored: a blob of a text value is not converted */
    p = sqlite3_value_blob(argv[0]);
    len = (size_t) sqlite3_value_bytes(argv[0]);

    if (p == NULL) {
        return;
    }

    bad = news_post_utf8_check(p, len);

    if (bad < len) {
        sqlite3_result_int64(ctx, (sqlite3_int64) bad);
    }
}


/*
 * "FILE: what: detail"; the detail quotes the database's own bytes, so
 * those that are not UTF-8 and control characters go out as \xHH
 */
void
newsctl_check_line(newsctl_check_t *chk, const char *what,
    const unsigned char *p, size_t len)
{
    size_t  i, ok;

    printf("%s: %s: ", chk->path, what);

    for ( ;; ) {
        ok = news_post_utf8_check(p, len);

        for (i = 0; i < ok; i++) {
            if (p[i] < 0x20 || p[i] == 0x7F) {
                printf("\\x%02X", p[i]);

            } else {
                putchar(p[i]);
            }
        }

        if (ok == len) {
            break;
        }

        printf("\\x%02X", p[ok]);
        p += ok + 1;
        len -= ok + 1;
    }

    putchar('\n');
}
