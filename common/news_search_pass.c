
/*
 * Copyright (C) ngx_news_module authors
 *
 * The passes that keep the search index current from the content
 * database.  A pass looks at the published posts whose updated_at is at
 * or after the newest one the pass before indexed (one search of
 * category_listing_by_update per category), indexes again those whose
 * updated_at or publication changed, and, when it is a full pass (asked
 * for, or the first over another content file than the one indexed),
 * also removes the posts that are no longer published.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include "news_search_index_int.h"


/* a doc_id: the publication instant, then the post's id, in 63 bits */
#define NEWS_SEARCH_ID_BITS        31


static int news_search_index_ids(news_search_index_t *ix, sqlite3_stmt *stmt,
    int64_t **ids, size_t *size, size_t *n, const char *what);
static int news_search_index_post(news_search_index_t *ix, int64_t id,
    long *indexed);
static int news_search_index_remove(news_search_index_t *ix, int64_t id);


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
