
/*
 * Copyright (C) ngx_news_module authors
 *
 * Readership counted in the log phase, once the answer is known: a view
 * or a share of a post, by day, region and human or bot, added to the
 * zone under its key; a region this worker counts for the first time has
 * its names learned from the MaxMind DB, for the flush to write.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_readership.h"


static void ngx_http_news_count(ngx_http_request_t *r, ngx_str_t *code,
    ngx_uint_t kind);
static ngx_uint_t ngx_http_news_is_bot(ngx_http_request_t *r,
    ngx_http_news_rs_t *rs);
static void ngx_http_news_learn_names(ngx_http_request_t *r,
    ngx_http_news_rs_t *rs, ngx_str_t *region, uint32_t hash);


/*
 * counting is done here, in the log phase, once the answer is known (as
 * nginx-module-vts does): the page handlers only record what a request is
 * to be counted as; a view counts when a GET was answered 200 or 304, a
 * share when it was redirected
 */

ngx_int_t
ngx_http_news_readership_log(ngx_http_request_t *r)
{
    ngx_uint_t            status, kind;
    ngx_http_news_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

    if (ctx == NULL || ctx->counted == 0) {
        return NGX_OK;
    }

    /* the status as the access log has it */

    status = r->err_status ? r->err_status : r->headers_out.status;
    kind = ctx->counted - 1;

    if (kind == NGX_HTTP_NEWS_VIEW
        ? (status == NGX_HTTP_OK || status == NGX_HTTP_NOT_MODIFIED)
        : (status == NGX_HTTP_MOVED_PERMANENTLY
           || status == NGX_HTTP_MOVED_TEMPORARILY
           || status == NGX_HTTP_TEMPORARY_REDIRECT))
    {
        ngx_http_news_count(r, &ctx->counted_code, kind);
    }

    return NGX_OK;
}


/*
 * counts one view or share of an article; the zone is locked for a tree
 * lookup and, the first time a key is seen that day, one allocation
 */

static void
ngx_http_news_count(ngx_http_request_t *r, ngx_str_t *code, ngx_uint_t kind)
{
    u_char                     *p;
    time_t                      now;
    uint32_t                    hash;
    ngx_int_t                   rc;
    ngx_uint_t                  log_full, bot;
    ngx_http_news_rs_t         *rs;
    ngx_http_news_ctx_t        *ctx;
    ngx_http_news_main_conf_t  *mcf;
    u_char                      key[NGX_HTTP_NEWS_RS_KEY_MAX];

    mcf = ngx_http_get_module_main_conf(r, ngx_http_news_module);
    rs = mcf->rs;

    if (rs == NULL || r->method != NGX_HTTP_GET
        || code->len > NEWS_INFO_CODE_MAX)
    {
        return;
    }

    ctx = ngx_http_news_locate(r);
    if (ctx == NULL) {
        return;
    }

    /* a region known to this worker costs a lookup in its own memory */

    hash = ngx_crc32_short(ctx->region.data, ctx->region.len);

    if (ngx_str_rbtree_lookup(&rs->known, &ctx->region, hash) == NULL) {
        ngx_http_news_learn_names(r, rs, &ctx->region, hash);
    }

    now = ngx_time();
    bot = ngx_http_news_is_bot(r, rs);

    p = key;
    *p++ = (u_char) ('0' + kind);
    *p++ = (u_char) ('0' + bot);
    ngx_http_news_day(mcf, now, p);
    p += NGX_HTTP_NEWS_DAY_LEN;
    *p++ = (u_char) code->len;
    p = ngx_cpymem(p, code->data, code->len);
    p = ngx_cpymem(p, ctx->region.data,
                   ngx_min(ctx->region.len, NGX_HTTP_NEWS_REGION_LEN));

    log_full = 0;

    ngx_shmtx_lock(&rs->shpool->mutex);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news count: kind %ui, \"%V\" in %V",
                   kind, code, &ctx->region);

    rc = ngx_http_news_rs_add_locked(rs, key, p - key, 1);

    if (rc == NGX_DECLINED
        && now - rs->sh->full_logged >= NGX_HTTP_NEWS_RS_FULL_LOG)
    {
        rs->sh->full_logged = now;
        log_full = 1;
    }

    ngx_shmtx_unlock(&rs->shpool->mutex);

    if (kind == NGX_HTTP_NEWS_VIEW) {
        ngx_http_news_metrics_view(&ctx->country, bot);
    }

    if (rc == NGX_DECLINED) {
        ngx_http_news_metric_add(rs_lost, 1);

    } else if (rc == NGX_BUSY) {
        /* the zone fills: this worker's flush now, not at its time */
        ngx_http_news_rs_flush_soon(rs);
    }

    if (log_full) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "news: readership zone \"%V\" is full, views are "
                      "counted in readership_lost until the next flush",
                      &rs->shm_zone->shm.name);
    }
}


static ngx_uint_t
ngx_http_news_is_bot(ngx_http_request_t *r, ngx_http_news_rs_t *rs)
{
    uint32_t                   hash, w[3];
    ngx_str_t                 *ua;
    ngx_uint_t                 bot;
    ngx_http_news_bot_memo_t  *m;

    if (r->headers_in.user_agent == NULL || rs->mcf->bot_re == NULL) {
        return 0;
    }

    ua = &r->headers_in.user_agent->value;

    if (ua->len < 4 || ua->len > NGX_HTTP_NEWS_BOT_MEMO_UA) {
        return ngx_regex_exec(rs->mcf->bot_re, ua, NULL, 0) >= 0;
    }

    /*
     * the slot by the length and three words of the header, not a hash of
     * all of it: the whole is compared anyway, and user agents that share
     * those words only take each other's slot
     */

    ngx_memcpy(&w[0], ua->data, 4);
    ngx_memcpy(&w[1], ua->data + ua->len / 2 - 2, 4);
    ngx_memcpy(&w[2], ua->data + ua->len - 4, 4);

    hash = ((w[0] * 31 + w[1]) * 31 + w[2]) * 2654435761U ^ (uint32_t) ua->len;
    m = &rs->bot_memo[(hash >> 16) % NGX_HTTP_NEWS_BOT_MEMO];

    if (m->len == ua->len && m->hash == hash
        && ngx_memcmp(m->ua, ua->data, ua->len) == 0)
    {
        return m->bot;
    }

    bot = (ngx_regex_exec(rs->mcf->bot_re, ua, NULL, 0) >= 0);

    m->hash = hash;
    m->len = (u_char) ua->len;
    m->bot = (u_char) bot;
    ngx_memcpy(m->ua, ua->data, ua->len);

    return bot;
}


/*
 * the region's names, from the reader's record, handed to the zone for
 * the next flush, and the region remembered by this worker: each worker
 * writes a region's names once in its life (the file keeps one row a
 * region and language), so a newer MaxMind DB's names arrive after a
 * reload.  A region the zone has no room for is tried again next time.
 */

static void
ngx_http_news_learn_names(ngx_http_request_t *r, ngx_http_news_rs_t *rs,
    ngx_str_t *region, uint32_t hash)
{
    u_char                       *p;
    ngx_uint_t                    i;
    ngx_array_t                   names;
    ngx_str_node_t               *sn;
    ngx_http_news_region_name_t  *n;
    u_char                        buf[NGX_HTTP_NEWS_RS_NAMES_MAX];

    if (region->len > NGX_HTTP_NEWS_REGION_LEN
        || ngx_array_init(&names, r->pool, 8,
                          sizeof(ngx_http_news_region_name_t))
           != NGX_OK)
    {
        return;
    }

    if (ngx_http_news_region_names(r, region, &names) == NGX_ERROR) {
        return;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news region \"%V\" seen first: %ui names",
                   region, names.nelts);

    if (names.nelts) {
        p = buf;
        *p++ = (u_char) region->len;
        p = ngx_cpymem(p, region->data, region->len);
        *p++ = (u_char) names.nelts;

        n = names.elts;

        for (i = 0; i < names.nelts; i++) {
            *p++ = (u_char) n[i].lang.len;
            p = ngx_cpymem(p, n[i].lang.data, n[i].lang.len);
            *p++ = (u_char) n[i].name.len;
            p = ngx_cpymem(p, n[i].name.data, n[i].name.len);
        }

        if (ngx_http_news_rs_add_names(rs, buf, p - buf) != NGX_OK) {
            return;
        }
    }

    /* for the worker's life: regions are as many as the DB has, no more */

    sn = ngx_palloc(ngx_cycle->pool, sizeof(ngx_str_node_t) + region->len);
    if (sn == NULL) {
        return;
    }

    sn->str.data = (u_char *) (sn + 1);
    sn->str.len = region->len;
    ngx_memcpy(sn->str.data, region->data, region->len);
    sn->node.key = hash;

    ngx_rbtree_insert(&rs->known, &sn->node);
}
