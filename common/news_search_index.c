
/*
 * Copyright (C) ngx_news_module authors
 *
 * The search index file (sql/search.sql): opened, made when missing (one
 * of another version of it emptied and made anew, any other database
 * refused), the content database attached read-only, the statements of
 * the passes (news_search_pass.c) prepared, and what the last pass kept.
 * The same code for nginx (a thread of its worker) and for "newsctl
 * reindex": like news_fts5.c it includes sqlite3.h, and no nginx header.
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <news_search_sql.h>
#include "news_search_index_int.h"


/* the index's own file id and version, as sql/search.sql sets them */
#define NEWS_SEARCH_INDEX_ID       1314345801
#define NEWS_SEARCH_INDEX_VERSION  1


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
static int news_search_index_abandon(news_search_index_t *ix,
    const char *what);
static char *news_search_index_uri(const char *path);


int
news_search_index_open(news_search_index_t *ix, const char *index_path,
    const char *content_path)
{
    int           rc, i;
    char         *uri, *sql;
    int64_t       indexed;
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

    ix->stale = (news_search_index_state(ix, "content", &indexed) != 0
                 || indexed != ix->content);

    return 0;
}


/* a value the last pass kept; -1 when there is none */

int
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


int
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


int
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
