
/*
 * Copyright (C) ngx_news_module authors
 *
 * The search index file (sql/search.sql): made when missing, and kept
 * current from the content database, attached read-only, by passes.  A
 * pass, in one transaction, looks at the published posts whose
 * updated_at is at or after the newest one the pass before indexed (one
 * search of category_listing_by_update per category), indexes again
 * those whose updated_at or publication changed, and, when it is a full
 * pass (asked for, or the first over another content file than the one
 * indexed), also removes the posts that are no longer published.  The same
 * code for nginx (a thread of its worker) and for "newsctl reindex": like
 * news_fts5.c it includes sqlite3.h, and no nginx header.
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <news_search.h>
#include <news_search_sql.h>


/* the index's own file id and version, as sql/search.sql sets them */
#define NEWS_SEARCH_INDEX_ID       1314345801
#define NEWS_SEARCH_INDEX_VERSION  1


/* a doc_id: the publication instant, then the post's id, in 63 bits */
#define NEWS_SEARCH_ID_BITS        31


enum {
    NEWS_SX_CHANGED = 0,
    NEWS_SX_POST,
    NEWS_SX_DOC,
    NEWS_SX_DEL_TEXT,
    NEWS_SX_DEL_DOC,
    NEWS_SX_ADD_TEXT,
    NEWS_SX_ADD_DOC,
    NEWS_SX_STALE,
    NEWS_SX_GET_STATE,
    NEWS_SX_SET_STATE,
    NEWS_SX_MAX
};


/* news_search.h's NEWS_SEARCH_INDEX_STMTS must be the statements here */
typedef char  news_search_index_stmts_t[
    (NEWS_SX_MAX == NEWS_SEARCH_INDEX_STMTS) ? 1 : -1];


static const char  *news_search_index_sql[NEWS_SX_MAX] = {

    /* the published posts (a scheduled one too) changed since ?1 */
    "SELECT DISTINCT cl.post_id FROM content.categories c"
    " JOIN content.category_listing cl"
    " ON cl.category_id = c.id AND cl.updated_ts >= ?1",

    "SELECT p.title, p.summary, p.body_html, p.published_ts,"
    " coalesce(unixepoch(p.updated_at), 0), p.status = 'published'"
    " FROM content.posts p WHERE p.id = ?1",

    "SELECT doc_id, updated_ts, indexed_ts FROM search_docs"
    " WHERE post_id = ?1",

    "DELETE FROM search_text WHERE rowid = ?1",

    "DELETE FROM search_docs WHERE post_id = ?1",

    "INSERT INTO search_text (rowid, title, body) VALUES (?1, ?2, ?3)",

    "INSERT INTO search_docs (post_id, doc_id, updated_ts, indexed_ts)"
    " VALUES (?1, ?2, ?3, ?4)",

    /* the indexed posts no longer published, or no longer there */
    "SELECT d.post_id FROM search_docs d WHERE NOT EXISTS"
    " (SELECT 1 FROM content.posts p WHERE p.id = d.post_id"
    " AND p.status = 'published')",

    "SELECT value FROM search_state WHERE name = ?1",

    "INSERT OR REPLACE INTO search_state (name, value) VALUES (?1, ?2)",
};


static int news_search_index_schema(news_search_index_t *ix);
static int news_search_index_state(news_search_index_t *ix, const char *name,
    int64_t *value);
static int news_search_index_keep(news_search_index_t *ix, const char *name,
    int64_t value);
static int news_search_index_ids(news_search_index_t *ix, sqlite3_stmt *stmt,
    int64_t **ids, size_t *size, size_t *n, const char *what);
static int news_search_index_post(news_search_index_t *ix, int64_t id,
    long *indexed);
static int news_search_index_remove(news_search_index_t *ix, int64_t id);
static int news_search_index_abandon(news_search_index_t *ix,
    const char *what);
static int news_search_index_fail(news_search_index_t *ix, const char *what);
static char *news_search_index_uri(const char *path);


int
news_search_index_open(news_search_index_t *ix, const char *index_path,
    const char *content_path)
{
    int           rc, i;
    char         *uri, *sql;
    struct stat   st;

    memset(ix, 0, sizeof(news_search_index_t));

    /*
     * the content file's identity: another file by that name (newsctl
     * publish renames a new one into place) is indexed by a full pass
     */

    if (stat(content_path, &st) != 0) {
        snprintf(ix->err, sizeof(ix->err), "%s: %s", content_path,
                 strerror(errno));
        return -1;
    }

    ix->content = ((int64_t) st.st_dev << 40) ^ (int64_t) st.st_ino;

    rc = sqlite3_open_v2(index_path, &ix->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                         | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL);
    if (rc != SQLITE_OK) {
        snprintf(ix->err, sizeof(ix->err), "%s: %s", index_path,
                 ix->db ? sqlite3_errmsg(ix->db) : sqlite3_errstr(rc));
        news_search_index_close(ix);
        return -1;
    }

    /* a writer in the thread of one worker, readers in every worker */

    (void) sqlite3_busy_timeout(ix->db, 5000);

    if (news_fts5_register(ix->db) != SQLITE_OK) {
        return news_search_index_abandon(ix, "the search tokenizer");
    }

    if (news_search_index_schema(ix) != 0) {
        news_search_index_close(ix);
        return -1;
    }

    uri = news_search_index_uri(content_path);
    if (uri == NULL) {
        snprintf(ix->err, sizeof(ix->err), "out of memory");
        news_search_index_close(ix);
        return -1;
    }

    sql = sqlite3_mprintf("ATTACH %Q AS content", uri);
    free(uri);

    if (sql == NULL) {
        snprintf(ix->err, sizeof(ix->err), "out of memory");
        news_search_index_close(ix);
        return -1;
    }

    rc = sqlite3_exec(ix->db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);

    if (rc != SQLITE_OK) {
        return news_search_index_abandon(ix, content_path);
    }

    for (i = 0; i < NEWS_SX_MAX; i++) {
        rc = sqlite3_prepare_v3(ix->db, news_search_index_sql[i], -1,
                                SQLITE_PREPARE_PERSISTENT, &ix->stmt[i],
                                NULL);
        if (rc != SQLITE_OK) {
            /* a content database of another schema version, most likely */
            return news_search_index_abandon(ix, content_path);
        }
    }

    ix->stale = (news_search_index_state(ix, "content", &ix->indexed) != 0
                 || ix->indexed != ix->content);

    return 0;
}


/* a value the last pass kept; -1 when there is none */

static int
news_search_index_state(news_search_index_t *ix, const char *name,
    int64_t *value)
{
    int            rc;
    sqlite3_stmt  *stmt;

    stmt = ix->stmt[NEWS_SX_GET_STATE];
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);

    rc = sqlite3_step(stmt);

    if (rc == SQLITE_ROW) {
        *value = sqlite3_column_int64(stmt, 0);
    }

    sqlite3_reset(stmt);

    return rc == SQLITE_ROW ? 0 : -1;
}


static int
news_search_index_keep(news_search_index_t *ix, const char *name,
    int64_t value)
{
    int            rc;
    sqlite3_stmt  *stmt;

    stmt = ix->stmt[NEWS_SX_SET_STATE];
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, value);

    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);

    return rc == SQLITE_DONE ? 0 : news_search_index_fail(ix, "its state");
}


/*
 * the file made when it is empty; one made by another version of the
 * index, which only ever holds what the content database gives again,
 * emptied and made anew; any other database refused, never written
 */

static int
news_search_index_schema(news_search_index_t *ix)
{
    int            id, version, tables;
    sqlite3_stmt  *stmt;

    if (sqlite3_prepare_v2(ix->db, "SELECT (SELECT application_id FROM"
                           " pragma_application_id), (SELECT user_version"
                           " FROM pragma_user_version), (SELECT count(*)"
                           " FROM sqlite_schema)", -1, &stmt, NULL)
        != SQLITE_OK)
    {
        return news_search_index_fail(ix, "the index's header");
    }

    if (sqlite3_step(stmt) != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return news_search_index_fail(ix, "the index's header");
    }

    id = sqlite3_column_int(stmt, 0);
    version = sqlite3_column_int(stmt, 1);
    tables = sqlite3_column_int(stmt, 2);

    sqlite3_finalize(stmt);

    if (id == NEWS_SEARCH_INDEX_ID && version == NEWS_SEARCH_INDEX_VERSION) {
        return 0;
    }

    if (id != NEWS_SEARCH_INDEX_ID && (id != 0 || tables != 0)) {
        snprintf(ix->err, sizeof(ix->err), "%s is not a search index "
                 "(application_id %d), refused", sqlite3_db_filename(ix->db,
                 "main"), id);
        news_search_index_close(ix);
        return -1;
    }

    if (id == NEWS_SEARCH_INDEX_ID
        && sqlite3_exec(ix->db, "DROP TABLE IF EXISTS search_text;"
                        "DROP TABLE IF EXISTS search_docs;"
                        "DROP TABLE IF EXISTS search_state;",
                        NULL, NULL, NULL)
           != SQLITE_OK)
    {
        return news_search_index_fail(ix, "an old index emptied");
    }

    /* readers go on reading while a pass writes */

    if (sqlite3_exec(ix->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL)
        != SQLITE_OK
        || sqlite3_exec(ix->db, news_search_sql, NULL, NULL, NULL)
           != SQLITE_OK)
    {
        return news_search_index_fail(ix, "the index made");
    }

    return 0;
}


/*
 * one pass: the changed posts listed first, then indexed in transactions
 * of NEWS_SEARCH_BATCH posts, so that a first pass over a big site
 * neither holds the index for long nor grows its WAL without bound;
 * *indexed the posts indexed or removed.  0, or -1 with ix->err said; 1
 * when another pass holds the index.  What the next pass starts from is
 * never later than this one's start: a post edited while it runs, with
 * the clock the admin's session and nginx share, is looked at again.
 */

#define NEWS_SEARCH_BATCH  256

int
news_search_index_pass(news_search_index_t *ix, int full, long *indexed,
    int *was_full)
{
    int            rc;
    size_t         n, size, i;
    int64_t        since, *ids, start;
    sqlite3_stmt  *stmt;

    *indexed = 0;
    *was_full = 0;
    start = (int64_t) time(NULL);
    ix->now = start;

    rc = sqlite3_exec(ix->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_BUSY) {
        return 1;
    }

    if (rc != SQLITE_OK) {
        return news_search_index_fail(ix, "BEGIN");
    }

    /* a full pass when asked for, or for another content file */

    full = full || ix->stale;
    since = 0;

    if (!full && news_search_index_state(ix, "high_water", &since) != 0) {
        since = 0;
    }

    ix->high_water = since;

    /* the changed posts */

    ids = NULL;
    size = 0;

    stmt = ix->stmt[NEWS_SX_CHANGED];
    sqlite3_bind_int64(stmt, 1, since);

    if (news_search_index_ids(ix, stmt, &ids, &size, &n, "the changed posts")
        != 0)
    {
        goto failed;
    }

    for (i = 0; i < n; i++) {
        if (news_search_index_post(ix, ids[i], indexed) != 0) {
            goto failed;
        }

        if ((i + 1) % NEWS_SEARCH_BATCH == 0) {
            if (sqlite3_exec(ix->db, "COMMIT; BEGIN IMMEDIATE", NULL, NULL,
                             NULL)
                != SQLITE_OK)
            {
                news_search_index_fail(ix, "a batch committed");
                goto failed;
            }
        }
    }

    if (full) {
        if (news_search_index_ids(ix, ix->stmt[NEWS_SX_STALE], &ids, &size,
                                  &n, "the posts no longer published")
            != 0)
        {
            goto failed;
        }

        for (i = 0; i < n; i++) {
            if (news_search_index_remove(ix, ids[i]) != 0) {
                goto failed;
            }

            (*indexed)++;
        }
    }

    free(ids);
    ids = NULL;

    if (ix->high_water > start) {
        ix->high_water = start;
    }

    if (news_search_index_keep(ix, "high_water", ix->high_water) != 0
        || news_search_index_keep(ix, "content", ix->content) != 0)
    {
        goto failed;
    }

    if (sqlite3_exec(ix->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        news_search_index_fail(ix, "COMMIT");
        goto failed;
    }

    ix->stale = 0;
    *was_full = full;

    return 0;

failed:

    free(ids);

    (void) sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);

    return -1;
}


/* the post ids a statement gives, into a growing array of the caller's */

static int
news_search_index_ids(news_search_index_t *ix, sqlite3_stmt *stmt,
    int64_t **ids, size_t *size, size_t *n, const char *what)
{
    int       rc;
    int64_t  *more;

    *n = 0;

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*n == *size) {
            *size = *size ? 2 * *size : 1024;
            more = realloc(*ids, *size * sizeof(int64_t));
            if (more == NULL) {
                snprintf(ix->err, sizeof(ix->err), "out of memory");
                sqlite3_reset(stmt);
                return -1;
            }

            *ids = more;
        }

        (*ids)[(*n)++] = sqlite3_column_int64(stmt, 0);
    }

    sqlite3_reset(stmt);

    return rc == SQLITE_DONE ? 0 : news_search_index_fail(ix, what);
}


/*
 * a changed post indexed again, when its updated_at or its publication
 * moved since it was, or removed when it is no longer published
 */

static int
news_search_index_post(news_search_index_t *ix, int64_t id, long *indexed)
{
    int                   rc, published, have;
    size_t                len, n;
    int64_t               ts, updated, doc_id, old_doc, old_updated;
    int64_t               old_indexed;
    sqlite3_stmt         *stmt, *doc, *add;
    unsigned char        *text;
    const unsigned char  *summary, *body;

    stmt = ix->stmt[NEWS_SX_POST];
    sqlite3_bind_int64(stmt, 1, id);

    rc = sqlite3_step(stmt);

    if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);

        if (rc != SQLITE_DONE) {
            return news_search_index_fail(ix, "a post");
        }

        return news_search_index_remove(ix, id);
    }

    ts = sqlite3_column_int64(stmt, 3);
    updated = sqlite3_column_int64(stmt, 4);
    published = sqlite3_column_int(stmt, 5);

    if (updated > ix->high_water) {
        ix->high_water = updated;
    }

    /* the instants a doc_id holds: 1970 to 2106 */

    doc_id = (ts >= 0 && ts < ((int64_t) 1 << 32)
              && id >= 0 && id < ((int64_t) 1 << NEWS_SEARCH_ID_BITS))
             ? (ts << NEWS_SEARCH_ID_BITS) + id : -1;

    have = 0;
    old_doc = -1;
    old_updated = 0;
    old_indexed = 0;

    doc = ix->stmt[NEWS_SX_DOC];
    sqlite3_bind_int64(doc, 1, id);

    if (sqlite3_step(doc) == SQLITE_ROW) {
        have = 1;
        old_doc = sqlite3_column_int64(doc, 0);
        old_updated = sqlite3_column_int64(doc, 1);
        old_indexed = sqlite3_column_int64(doc, 2);
    }

    sqlite3_reset(doc);

    if (have && published && old_doc == doc_id && old_updated == updated
        && old_indexed > updated)
    {
        sqlite3_reset(stmt);
        return 0;
    }

    if (have && news_search_index_remove(ix, id) != 0) {
        sqlite3_reset(stmt);
        return -1;
    }

    (*indexed)++;

    if (!published || doc_id < 0) {
        sqlite3_reset(stmt);
        return 0;
    }

    /* the summary and the body as one text, tags dropped */

    summary = sqlite3_column_text(stmt, 1);
    n = sqlite3_column_bytes(stmt, 1);
    body = sqlite3_column_text(stmt, 2);
    len = sqlite3_column_bytes(stmt, 2);

    text = malloc(n + 1 + len + 1);
    if (text == NULL) {
        sqlite3_reset(stmt);
        snprintf(ix->err, sizeof(ix->err), "out of memory");
        return -1;
    }

    n = summary ? news_search_text(text, summary, n) : 0;

    if (n) {
        text[n++] = ' ';
    }

    n += body ? news_search_text(text + n, body, len) : 0;

    add = ix->stmt[NEWS_SX_ADD_TEXT];

    sqlite3_bind_int64(add, 1, doc_id);
    sqlite3_bind_value(add, 2, sqlite3_column_value(stmt, 0));
    sqlite3_bind_text(add, 3, (char *) text, (int) n, SQLITE_STATIC);

    rc = sqlite3_step(add);
    sqlite3_reset(add);
    sqlite3_clear_bindings(add);

    free(text);
    sqlite3_reset(stmt);

    if (rc != SQLITE_DONE) {
        return news_search_index_fail(ix, "a post's text indexed");
    }

    stmt = ix->stmt[NEWS_SX_ADD_DOC];
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, doc_id);
    sqlite3_bind_int64(stmt, 3, updated);
    sqlite3_bind_int64(stmt, 4, ix->now);

    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);

    if (rc != SQLITE_DONE) {
        return news_search_index_fail(ix, "a post indexed");
    }

    return 0;
}


static int
news_search_index_remove(news_search_index_t *ix, int64_t id)
{
    int            rc;
    int64_t        doc_id;
    sqlite3_stmt  *stmt;

    stmt = ix->stmt[NEWS_SX_DOC];
    sqlite3_bind_int64(stmt, 1, id);

    rc = sqlite3_step(stmt);
    doc_id = (rc == SQLITE_ROW) ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_reset(stmt);

    if (doc_id < 0) {
        return 0;
    }

    stmt = ix->stmt[NEWS_SX_DEL_TEXT];
    sqlite3_bind_int64(stmt, 1, doc_id);
    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);

    if (rc == SQLITE_DONE) {
        stmt = ix->stmt[NEWS_SX_DEL_DOC];
        sqlite3_bind_int64(stmt, 1, id);
        rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
    }

    if (rc != SQLITE_DONE) {
        return news_search_index_fail(ix, "a post removed");
    }

    return 0;
}


void
news_search_index_close(news_search_index_t *ix)
{
    int  i;

    for (i = 0; i < NEWS_SX_MAX; i++) {
        if (ix->stmt[i] != NULL) {
            sqlite3_finalize(ix->stmt[i]);
            ix->stmt[i] = NULL;
        }
    }

    if (ix->db != NULL) {
        (void) sqlite3_close_v2(ix->db);
        ix->db = NULL;
    }
}


/* an open that failed: said, and nothing of it left open */

static int
news_search_index_abandon(news_search_index_t *ix, const char *what)
{
    (void) news_search_index_fail(ix, what);
    news_search_index_close(ix);

    return -1;
}


static int
news_search_index_fail(news_search_index_t *ix, const char *what)
{
    snprintf(ix->err, sizeof(ix->err), "%s: %s", what,
             ix->db ? sqlite3_errmsg(ix->db) : "no database");

    return -1;
}


/*
 * the content database as a read-only URI: nginx never writes it; the
 * path percent-encoded but for what a path may hold as it is
 */

static char *
news_search_index_uri(const char *path)
{
    char               *uri, *p;
    size_t              len;
    const char         *s;
    unsigned char       c;
    static const char   hex[] = "0123456789ABCDEF";

    len = strlen(path);

    uri = malloc(sizeof("file:") - 1 + 3 * len + sizeof("?mode=ro"));
    if (uri == NULL) {
        return NULL;
    }

    p = uri;
    memcpy(p, "file:", 5);
    p += 5;

    for (s = path; *s; s++) {
        c = (unsigned char) *s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || strchr("/-._~", c) != NULL)
        {
            *p++ = (char) c;

        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0x0f];
        }
    }

    memcpy(p, "?mode=ro", sizeof("?mode=ro"));

    return uri;
}
