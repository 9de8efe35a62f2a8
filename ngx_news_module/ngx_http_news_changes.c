
/*
 * Copyright (C) ngx_news_module authors
 *
 * What a commit changed: the content database's change_log, kept by the
 * schema's triggers whatever writes the file, read when a worker sees the
 * file change, past the last row it or another worker read (the pages
 * the workers share are current up to there).  Each row becomes the
 * dependencies (NGX_HTTP_NEWS_DEP_*) of the pages it touches, and the
 * render cache forgets those pages and keeps the rest: an edit every few
 * seconds no longer empties it.  When the log cannot tell (a category or
 * a tag changed, rows were pruned before this worker read them, more rows
 * than are worth reading, a commit that logged nothing, the log itself
 * unreadable) every page is forgotten, as before the log.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_db.h"


/* past this many rows since the last read, every page goes */
#define NGX_HTTP_NEWS_CHANGES_MAX  1000

/* a category's ancestors followed up to this depth, as the breadcrumb */
#define NGX_HTTP_NEWS_CHANGES_UP   32


typedef struct {
    int64_t                     a;
    int64_t                     b;
    uint32_t                    code;       /* crc32 of an info_code */
    u_char                      what;       /* 'p', 't', 'c' */
} ngx_http_news_change_t;


static ngx_int_t ngx_http_news_changes_read(ngx_http_news_db_t *db,
    ngx_log_t *log, ngx_array_t *rows, int64_t current);
static ngx_int_t ngx_http_news_changes_post(ngx_http_news_db_t *db,
    ngx_log_t *log, ngx_http_news_change_t *c, ngx_array_t *deps);
static ngx_int_t ngx_http_news_changes_add(ngx_array_t *deps,
    ngx_uint_t type, uint64_t id);
static ngx_int_t ngx_http_news_changes_last(ngx_http_news_db_t *db,
    ngx_log_t *log);


/*
 * NGX_OK: the pages the new rows touch are forgotten; NGX_DECLINED: the
 * caller forgets every page
 */

ngx_int_t
ngx_http_news_db_changes(ngx_http_news_db_t *db, ngx_log_t *log)
{
    ngx_int_t                rc;
    int64_t                  current;
    ngx_uint_t               i;
    ngx_pool_t              *pool;
    ngx_array_t              rows, deps;
    ngx_http_news_change_t  *c;

    /*
     * the rows up to where the pages the workers share are current were
     * read by another worker, or by this one before, and their pages are
     * gone: read on past them
     */

    current = ngx_http_news_cache_current(&db->cache);

    if (db->change_seen < 0 && current < 0) {
        /*
         * just opened, and the cache has no pages of this file: the log
         * is read from here on
         */
        (void) ngx_http_news_changes_last(db, log);
        return NGX_DECLINED;
    }

    pool = ngx_create_pool(4096, log);
    if (pool == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_array_init(&rows, pool, 16, sizeof(ngx_http_news_change_t))
        != NGX_OK
        || ngx_array_init(&deps, pool, 64, sizeof(uint64_t)) != NGX_OK)
    {
        ngx_destroy_pool(pool);
        return NGX_DECLINED;
    }

    rc = ngx_http_news_changes_read(db, log, &rows, current);

    if (rc != NGX_OK) {
        ngx_destroy_pool(pool);
        return NGX_DECLINED;
    }

    c = rows.elts;

    for (i = 0; i < rows.nelts; i++) {

        switch (c[i].what) {

        case 'p':
            rc = ngx_http_news_changes_post(db, log, &c[i], &deps);
            break;

        case 't':
            /* the post's tags, and the tag's list of posts */
            rc = ngx_http_news_changes_add(&deps, NGX_HTTP_NEWS_DEP_TAGS,
                                           c[i].a);
            if (rc == NGX_OK) {
                rc = ngx_http_news_changes_add(&deps,
                                               NGX_HTTP_NEWS_DEP_TAG_LIST,
                                               c[i].b);
            }
            break;

        default: /* 'c' */
            rc = ngx_http_news_changes_add(&deps, NGX_HTTP_NEWS_DEP_CODE,
                                           c[i].code);
            break;
        }

        if (rc != NGX_OK) {
            ngx_destroy_pool(pool);
            return NGX_DECLINED;
        }
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, log, 0,
                   "news changes: %ui rows, %ui dependencies",
                   rows.nelts, deps.nelts);

    ngx_http_news_cache_forget(&db->cache, deps.elts, deps.nelts);

    ngx_destroy_pool(pool);

    return NGX_OK;
}


/*
 * the rows past change_seen and the cache's current row, which
 * change_seen moves past: NGX_DECLINED when they cannot tell which pages
 * they touch
 */

static ngx_int_t
ngx_http_news_changes_read(ngx_http_news_db_t *db, ngx_log_t *log,
    ngx_array_t *rows, int64_t current)
{
    u_char                  *what;
    int64_t                  id, next, from;
    ngx_int_t                rc;
    ngx_uint_t               all;
    sqlite3_stmt            *stmt;
    ngx_http_news_change_t  *c;

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_CHANGES];

    from = ngx_max(db->change_seen, current);

    sqlite3_bind_int64(stmt, 1, from);
    sqlite3_bind_int64(stmt, 2, NGX_HTTP_NEWS_CHANGES_MAX + 1);

    next = from + 1;
    all = 0;

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, log);
        if (rc != NGX_OK) {
            break;
        }

        id = sqlite3_column_int64(stmt, 0);

        if (id != next) {
            /* rows pruned before this worker read them */
            all = 1;
        }

        next = id + 1;

        what = (u_char *) sqlite3_column_text(stmt, 1);

        if (what == NULL || what[0] == 'a') {
            all = 1;
            continue;
        }

        c = ngx_array_push(rows);
        if (c == NULL) {
            rc = NGX_ERROR;
            break;
        }

        /* 'post', 'post_tag', 'code' */
        c->what = (what[0] == 'c') ? 'c' : (what[4] == '_') ? 't' : 'p';
        c->a = sqlite3_column_int64(stmt, 2);
        c->b = sqlite3_column_int64(stmt, 3);
        c->code = 0;

        if (c->what != 't' && sqlite3_column_type(stmt, 4) == SQLITE_TEXT) {
            c->code = ngx_crc32_short(
                          (u_char *) sqlite3_column_text(stmt, 4),
                          sqlite3_column_bytes(stmt, 4));
        }
    }

    rc = ngx_http_news_db_result(db, stmt, rc);

    if (rc != NGX_OK || db->conn == NULL) {
        /* where the log stands is unknown: learnt again next time */
        db->change_seen = -1;
        return NGX_DECLINED;
    }

    if (next - 1 - from > NGX_HTTP_NEWS_CHANGES_MAX) {
        /* a bulk edit: cheaper to forget every page than to read on */
        (void) ngx_http_news_changes_last(db, log);
        return NGX_DECLINED;
    }

    if (next - 1 == from && from == db->change_seen) {
        /* a commit that logged nothing: a table the log does not follow */
        return NGX_DECLINED;
    }

    db->change_seen = next - 1;

    return all ? NGX_DECLINED : NGX_OK;
}


/*
 * a post's row as it was or is: its page and share link, the lists it is
 * in (all posts, its category's and each ancestor's, with and without
 * their descendants, its tags'), and its neighbours' related lists (which
 * follow the same lists)
 */

static ngx_int_t
ngx_http_news_changes_post(ngx_http_news_db_t *db, ngx_log_t *log,
    ngx_http_news_change_t *c, ngx_array_t *deps)
{
    int64_t        id;
    ngx_int_t      rc;
    ngx_uint_t     n;
    sqlite3_stmt  *stmt;

    if (ngx_http_news_changes_add(deps, NGX_HTTP_NEWS_DEP_POST, c->a)
        != NGX_OK
        || ngx_http_news_changes_add(deps, NGX_HTTP_NEWS_DEP_RELATED, c->a)
           != NGX_OK
        || ngx_http_news_changes_add(deps, NGX_HTTP_NEWS_DEP_TAGS, c->a)
           != NGX_OK
        || ngx_http_news_changes_add(deps, NGX_HTTP_NEWS_DEP_CODE, c->code)
           != NGX_OK
        || ngx_http_news_changes_add(deps, NGX_HTTP_NEWS_DEP_LIST, 0)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the category and its ancestors */

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_CHAIN];
    id = c->b;

    for (n = 0; n < NGX_HTTP_NEWS_CHANGES_UP; n++) {

        if (ngx_http_news_changes_add(deps, NGX_HTTP_NEWS_DEP_LIST, id)
            != NGX_OK
            || ngx_http_news_changes_add(deps, NGX_HTTP_NEWS_DEP_ARCHIVE, id)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        sqlite3_bind_int64(stmt, 1, id);

        rc = ngx_http_news_db_step(db, stmt, log);

        if (rc != NGX_OK || sqlite3_column_type(stmt, 3) == SQLITE_NULL) {
            rc = ngx_http_news_db_result(db, stmt, rc);

            if (rc != NGX_OK) {
                return rc;
            }

            break;
        }

        id = sqlite3_column_int64(stmt, 3);

        (void) ngx_http_news_db_result(db, stmt, NGX_DONE);
    }

    /* the lists of its tags as they are now (those it lost: 't' rows) */

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_RELATED_TAGS];
    sqlite3_bind_int64(stmt, 1, c->a);

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, log);
        if (rc != NGX_OK) {
            break;
        }

        if (ngx_http_news_changes_add(deps, NGX_HTTP_NEWS_DEP_TAG_LIST,
                                      sqlite3_column_int64(stmt, 0))
            != NGX_OK)
        {
            rc = NGX_ERROR;
            break;
        }
    }

    return ngx_http_news_db_result(db, stmt, rc);
}


static ngx_int_t
ngx_http_news_changes_add(ngx_array_t *deps, ngx_uint_t type, uint64_t id)
{
    uint64_t  *d;

    d = ngx_array_push(deps);
    if (d == NULL) {
        return NGX_ERROR;
    }

    *d = ngx_http_news_dep(type, id);

    return NGX_OK;
}


/* change_seen at the log's newest row */

static ngx_int_t
ngx_http_news_changes_last(ngx_http_news_db_t *db, ngx_log_t *log)
{
    ngx_int_t      rc;
    sqlite3_stmt  *stmt;

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_CHANGE_LAST];

    rc = ngx_http_news_db_step(db, stmt, log);

    db->change_seen = (rc == NGX_OK) ? sqlite3_column_int64(stmt, 0) : -1;

    return ngx_http_news_db_result(db, stmt, rc);
}
