
/*
 * Copyright (C) ngx_news_module authors
 *
 * A readership batch written to the file, in one transaction with its
 * row in readership_batch and the regions' names learned meanwhile: a
 * batch taken up after its writer committed it is found there and not
 * added twice; one that cannot be written goes back to the zone, and the
 * file is reopened unless it was only locked.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_sqlite.h"
#include "ngx_http_news_readership.h"


static ngx_msec_int_t ngx_http_news_rs_usec(void);
static ngx_int_t ngx_http_news_rs_write_names(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_batch_t *batch, sqlite3_stmt **failed);


/*
 * writes rs->batch in one transaction: in a thread of the pool, or at exit;
 * on failure the batch goes back to the zone for the next flush
 */

void
ngx_http_news_rs_write(void *data, ngx_log_t *log)
{
    ngx_http_news_rs_t *rs = data;

    int                        err;
    u_char                    *k;
    uint64_t                   total;
    ngx_int_t                  rc;
    ngx_msec_int_t             start;
    ngx_uint_t                 i;
    sqlite3_stmt              *stmt;
    ngx_http_news_rs_rec_t    *rec;
    ngx_http_news_rs_batch_t  *batch;

    batch = &rs->batch;
    stmt = NULL;

    /* a thread's: the event loop's clock does not move here */
    start = ngx_http_news_rs_usec();

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, log, 0,
                   "news readership flush: batch %uL of %ui keys",
                   (uint64_t) batch->seq, batch->n);

    if (rs->conn != NULL && ngx_http_news_rs_moved(rs, log)) {
        ngx_http_news_rs_close(rs);
    }

    if (rs->conn == NULL && ngx_http_news_rs_open(rs, log) != NGX_OK) {
        goto failed;
    }

    if (ngx_http_news_rs_exec(rs, "BEGIN IMMEDIATE", log) != NGX_OK) {
        goto reopen;
    }

    /* a batch taken up from a killed worker may be on disk already */

    stmt = rs->stmt[NGX_HTTP_NEWS_RS_DONE];

    sqlite3_bind_text(stmt, 1, (char *) rs->node.data, rs->node.len,
                      SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64) batch->epoch);
    sqlite3_bind_int64(stmt, 3, (sqlite3_int64) batch->seq);

    rc = ngx_http_news_sqlite_step(stmt, &err);

    if (rc == NGX_OK) {
        sqlite3_reset(stmt);
        (void) ngx_http_news_rs_exec(rs, "ROLLBACK", log);

        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "news: readership batch %uL of exited worker %P "
                      "was written before it exited, not added again",
                      batch->seq, batch->from);

        ngx_http_news_rs_release(rs, batch, 1);
        return;
    }

    if (rc != NGX_DONE) {
        goto rollback;
    }

    sqlite3_reset(stmt);

    stmt = rs->stmt[NGX_HTTP_NEWS_RS_ADD];
    total = 0;

    for (i = 0; i < batch->n; i++) {
        rec = &batch->recs[i];
        k = rec->key;
        total += rec->count;

        /* kind, bot, day, code length, code, region */

        sqlite3_bind_text(stmt, 1, (char *) rs->node.data, rs->node.len,
                          SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, (char *) k + 2, NGX_HTTP_NEWS_DAY_LEN,
                          SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, (char *) k + 13, k[12], SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, (char *) k + 13 + k[12],
                          rec->len - 13 - k[12], SQLITE_STATIC);
        sqlite3_bind_text(stmt, 5, k[0] == '0' ? "view" : "share", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int(stmt, 6, k[1] - '0');
        sqlite3_bind_int64(stmt, 7, (sqlite3_int64) rec->count);

        if (ngx_http_news_sqlite_step(stmt, &err) != NGX_DONE) {
            goto rollback;
        }

        sqlite3_reset(stmt);
    }

    if (ngx_http_news_rs_write_names(rs, batch, &stmt) != NGX_OK) {
        goto rollback;
    }

    if (batch->lost) {
        stmt = rs->stmt[NGX_HTTP_NEWS_RS_ADD_LOST];
        total += batch->lost;

        sqlite3_bind_text(stmt, 1, (char *) rs->node.data, rs->node.len,
                          SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, (char *) batch->day,
                          NGX_HTTP_NEWS_DAY_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 3, (sqlite3_int64) batch->lost);

        if (ngx_http_news_sqlite_step(stmt, &err) != NGX_DONE) {
            goto rollback;
        }

        sqlite3_reset(stmt);
    }

    stmt = rs->stmt[NGX_HTTP_NEWS_RS_MARK];

    sqlite3_bind_text(stmt, 1, (char *) rs->node.data, rs->node.len,
                      SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64) batch->epoch);
    sqlite3_bind_int64(stmt, 3, (sqlite3_int64) batch->seq);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64) time(NULL));
    sqlite3_bind_int64(stmt, 5, (sqlite3_int64) total);

    if (ngx_http_news_sqlite_step(stmt, &err) != NGX_DONE) {
        goto rollback;
    }

    sqlite3_reset(stmt);

    /*
     * the batches before this one are over, but a writer that was taken
     * for dead may yet try to commit one of the last few
     */

    stmt = rs->stmt[NGX_HTTP_NEWS_RS_PRUNE];

    sqlite3_bind_text(stmt, 1, (char *) rs->node.data, rs->node.len,
                      SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64) batch->epoch);
    sqlite3_bind_int64(stmt, 3, (sqlite3_int64) batch->seq
                                - NGX_HTTP_NEWS_RS_KEEP);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64) time(NULL)
                                - NGX_HTTP_NEWS_RS_KEEP_TIME);

    if (ngx_http_news_sqlite_step(stmt, &err) != NGX_DONE) {
        goto rollback;
    }

    sqlite3_reset(stmt);
    stmt = NULL;

    if (ngx_http_news_rs_exec(rs, "COMMIT", log) != NGX_OK) {
        goto rollback;
    }

    ngx_http_news_metrics_flush(batch->n, ngx_http_news_rs_usec() - start, 1);

    ngx_http_news_rs_release(rs, batch, 1);

    return;

rollback:

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "news: writing readership to \"%V\" failed: %s",
                  &rs->path, sqlite3_errmsg(rs->conn));

    err = sqlite3_errcode(rs->conn);

    if (stmt != NULL) {
        sqlite3_reset(stmt);
    }

    (void) sqlite3_exec(rs->conn, "ROLLBACK", NULL, NULL, NULL);

    if (err != SQLITE_BUSY && err != SQLITE_LOCKED) {
        ngx_http_news_rs_close(rs);
    }

    goto failed;

reopen:

    /*
     * a file locked by another writer is retried as it is; any other
     * error (a file made read-only, or replaced) is reopened at the next
     * flush, as the connection would go on failing
     */

    err = sqlite3_errcode(rs->conn);

    if (err != SQLITE_BUSY && err != SQLITE_LOCKED) {
        ngx_http_news_rs_close(rs);
    }

failed:

    ngx_log_error(NGX_LOG_WARN, log, 0,
                  "news: %ui readership counts kept for the next flush",
                  batch->n);

    ngx_http_news_metrics_flush(0, 0, 0);

    ngx_http_news_rs_release(rs, batch, 0);
}


static ngx_msec_int_t
ngx_http_news_rs_usec(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (ngx_msec_int_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


/*
 * the regions' names of the batch, each record as the zone keeps it (see
 * ngx_http_news_rs_names_t); *failed is the statement that failed
 */

static ngx_int_t
ngx_http_news_rs_write_names(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_batch_t *batch, sqlite3_stmt **failed)
{
    int            err;
    u_char        *p, *last, *region;
    ngx_uint_t     n, rlen;
    sqlite3_stmt  *stmt;

    stmt = rs->stmt[NGX_HTTP_NEWS_RS_NAME];
    p = batch->names;
    last = p + batch->names_len;

    /* the records were made by this module: their lengths hold */

    while (p + 2 <= last) {
        rlen = *p++;
        region = p;
        p += rlen;
        n = *p++;

        while (n-- && p < last) {
            sqlite3_bind_text(stmt, 1, (char *) region, rlen, SQLITE_STATIC);
            sqlite3_bind_text(stmt, 2, (char *) p + 1, p[0], SQLITE_STATIC);
            p += 1 + p[0];
            sqlite3_bind_text(stmt, 3, (char *) p + 1, p[0], SQLITE_STATIC);
            p += 1 + p[0];

            if (ngx_http_news_sqlite_step(stmt, &err) != NGX_DONE) {
                *failed = stmt;
                return NGX_ERROR;
            }

            sqlite3_reset(stmt);
        }
    }

    return NGX_OK;
}
