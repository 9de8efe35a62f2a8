
/*
 * Copyright (C) ngx_news_module authors
 *
 * The most-read lists made, in the flush's thread once a refresh
 * interval: read from the readership file, then put into the readership
 * zone with a new generation when they changed.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_sqlite.h"
#include "ngx_http_news_readership.h"
#include "ngx_http_news_most_read.h"


/* the lists being made, in the thread: heap memory */
typedef struct {
    u_char                     *start;
    u_char                     *pos;
    u_char                     *end;
    ngx_uint_t                  failed;
} ngx_http_news_mr_buf_t;


static ngx_int_t ngx_http_news_mr_query(ngx_http_news_rs_t *rs,
    ngx_uint_t period, ngx_uint_t by_region, ngx_http_news_mr_buf_t *buf,
    ngx_log_t *log);
static u_char *ngx_http_news_mr_reserve(ngx_http_news_mr_buf_t *buf,
    size_t len);
static void ngx_http_news_mr_publish(ngx_http_news_rs_t *rs,
    ngx_http_news_mr_buf_t *buf, ngx_log_t *log);


/*
 * a day's counts are filed under the day, so "the last day" is today and
 * the day before it, weighted by the part of the last 24 hours it still
 * covers (?3); "the last week" likewise, seven days and the one before
 */

static const char  *ngx_http_news_mr_sql[2] = {

    "SELECT '', info_code FROM readership"
    " WHERE day BETWEEN ?1 AND ?2 AND kind = 'view' AND bot = 0"
    " GROUP BY info_code"
    " ORDER BY sum(CASE WHEN day = ?1 THEN count * ?3 ELSE count END) DESC,"
    " info_code LIMIT ?4",

    "SELECT region, info_code FROM ("
    " SELECT region, info_code, row_number() OVER (PARTITION BY region"
    "  ORDER BY sum(CASE WHEN day = ?1 THEN count * ?3 ELSE count END) DESC,"
    "  info_code) AS place"
    " FROM readership"
    " WHERE day BETWEEN ?1 AND ?2 AND kind = 'view' AND bot = 0"
    " GROUP BY region, info_code)"
    " WHERE place <= ?4 ORDER BY region, place"
};


/* files made before the lists existed lack the index their query uses */

static const char  ngx_http_news_mr_index_sql[] =
    "CREATE INDEX IF NOT EXISTS readership_by_day ON readership (day)";


/*
 * in the flush's thread (or its event loop), after the batch: the lists
 * read from the readership file, then put in the zone if they changed
 */

void
ngx_http_news_most_read_update(ngx_http_news_rs_t *rs, ngx_log_t *log)
{
    ngx_uint_t                  period;
    ngx_http_news_mr_buf_t      buf;
    ngx_http_news_most_read_t  *mr;

    mr = rs->mcf->most_read;

    if (rs->conn == NULL && ngx_http_news_rs_open(rs, log) != NGX_OK) {
        return;
    }

    if (!mr->indexed
        && ngx_http_news_rs_exec(rs, ngx_http_news_mr_index_sql, log)
           == NGX_OK)
    {
        mr->indexed = 1;
    }

    buf.start = ngx_alloc(4096, log);
    if (buf.start == NULL) {
        return;
    }

    buf.pos = buf.start;
    buf.end = buf.start + 4096;
    buf.failed = 0;

    for (period = 0; period < 2; period++) {

        if ((mr->lists & (NGX_HTTP_NEWS_MR_ALL << (2 * period)))
            && ngx_http_news_mr_query(rs, period, 0, &buf, log) != NGX_OK)
        {
            goto done;
        }

        if ((mr->lists & (NGX_HTTP_NEWS_MR_REGION << (2 * period)))
            && ngx_http_news_mr_query(rs, period, 1, &buf, log) != NGX_OK)
        {
            goto done;
        }
    }

    if (!buf.failed) {
        ngx_http_news_mr_publish(rs, &buf, log);
    }

done:

    ngx_free(buf.start);
}


/*
 * one period's lists as records (see ngx_http_news_mr_sh_t): one of all
 * regions, or one a region.  Prepared each time: it runs once a
 * refresh interval, on a connection rs_file.c may reopen.
 */

static ngx_int_t
ngx_http_news_mr_query(ngx_http_news_rs_t *rs, ngx_uint_t period,
    ngx_uint_t by_region, ngx_http_news_mr_buf_t *buf, ngx_log_t *log)
{
    int                         err;
    u_char                     *p;
    size_t                      at, rlen;
    ngx_int_t                   rc;
    ngx_str_t                   region, code;
    ngx_uint_t                  open;
    sqlite3_stmt               *stmt;
    ngx_http_news_most_read_t  *mr;

    mr = rs->mcf->most_read;
    stmt = NULL;

    if (sqlite3_prepare_v2(rs->conn, ngx_http_news_mr_sql[by_region], -1,
                           &stmt, NULL)
        != SQLITE_OK)
    {
        goto failed;
    }

    sqlite3_bind_text(stmt, 1, (char *) mr->first[period],
                      NGX_HTTP_NEWS_DAY_LEN, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, (char *) mr->today, NGX_HTTP_NEWS_DAY_LEN,
                      SQLITE_STATIC);
    sqlite3_bind_double(stmt, 3, mr->weight);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64) mr->count);

    /* the open record, by offsets: the buffer may move as it grows */
    open = 0;
    at = 0;
    rlen = 0;

    for ( ;; ) {
        rc = ngx_http_news_sqlite_step(stmt, &err);

        if (rc == NGX_DONE) {
            break;
        }

        if (rc != NGX_OK) {
            goto failed;
        }

        region.data = (u_char *) sqlite3_column_text(stmt, 0);
        region.len = sqlite3_column_bytes(stmt, 0);
        code.data = (u_char *) sqlite3_column_text(stmt, 1);
        code.len = sqlite3_column_bytes(stmt, 1);

        if (region.len > NGX_HTTP_NEWS_REGION_LEN || code.len == 0
            || code.len > NEWS_INFO_CODE_MAX)
        {
            /* no reader was counted under such a key */
            continue;
        }

        if (!open || region.len != rlen
            || ngx_memcmp(region.data, buf->start + at + 2, rlen) != 0)
        {
            /* a new record: the days, the region, the count of codes */

            p = ngx_http_news_mr_reserve(buf, 3 + region.len);
            if (p == NULL) {
                goto failed;
            }

            at = p - buf->start;
            rlen = region.len;
            open = 1;

            *p++ = (u_char) (period ? 7 : 1);
            *p++ = (u_char) region.len;
            p = ngx_cpymem(p, region.data, region.len);
            *p = 0;
        }

        p = ngx_http_news_mr_reserve(buf, 1 + code.len);
        if (p == NULL) {
            goto failed;
        }

        *p++ = (u_char) code.len;
        ngx_memcpy(p, code.data, code.len);

        buf->start[at + 2 + rlen]++;
    }

    sqlite3_finalize(stmt);

    return NGX_OK;

failed:

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "news: most-read lists from \"%V\" failed: %s",
                  &rs->path, sqlite3_errmsg(rs->conn));

    if (stmt != NULL) {
        sqlite3_finalize(stmt);
    }

    return NGX_ERROR;
}


static u_char *
ngx_http_news_mr_reserve(ngx_http_news_mr_buf_t *buf, size_t len)
{
    u_char  *p, *start;
    size_t   size;

    if ((size_t) (buf->end - buf->pos) < len) {
        size = 2 * (buf->end - buf->start) + len;

        start = ngx_alloc(size, ngx_cycle->log);
        if (start == NULL) {
            buf->failed = 1;
            return NULL;
        }

        ngx_memcpy(start, buf->start, buf->pos - buf->start);

        buf->pos = start + (buf->pos - buf->start);
        buf->end = start + size;
        ngx_free(buf->start);
        buf->start = start;
    }

    p = buf->pos;
    buf->pos += len;

    return p;
}


/*
 * the lists into the zone, and the generation moved, when they changed; a
 * quarter of the zone at most, so that counting never runs out for them
 */

static void
ngx_http_news_mr_publish(ngx_http_news_rs_t *rs, ngx_http_news_mr_buf_t *buf,
    ngx_log_t *log)
{
    u_char                 *p;
    size_t                  len;
    ngx_http_news_mr_sh_t  *sh;

    len = buf->pos - buf->start;
    sh = &rs->sh->most_read;

    if (len > rs->shm_zone->shm.size / 4) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "news: most-read lists of %uz bytes do not fit "
                      "in a quarter of news_readership zone \"%V\", "
                      "the older lists are kept",
                      len, &rs->shm_zone->shm.name);
        return;
    }

    ngx_shmtx_lock(&rs->shpool->mutex);

    if (len == sh->len
        && (len == 0 || ngx_memcmp(sh->lists, buf->start, len) == 0))
    {
        ngx_shmtx_unlock(&rs->shpool->mutex);
        return;
    }

    p = NULL;

    if (len) {
        p = ngx_slab_alloc_locked(rs->shpool, len);
        if (p == NULL) {
            ngx_shmtx_unlock(&rs->shpool->mutex);

            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "news: no room for most-read lists in "
                          "news_readership zone \"%V\"",
                          &rs->shm_zone->shm.name);
            return;
        }

        ngx_memcpy(p, buf->start, len);
    }

    if (sh->lists != NULL) {
        ngx_slab_free_locked(rs->shpool, sh->lists);
    }

    sh->lists = p;
    sh->len = len;
    sh->gen++;

    ngx_shmtx_unlock(&rs->shpool->mutex);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, log, 0,
                   "news most read: lists of %uz bytes", len);
}
