
/*
 * Copyright (C) ngx_news_module authors
 *
 * Metrics for Prometheus: counters in a zone of their own, added to with
 * an atomic add and never a lock on the request path, and "news_metrics;"
 * answering them in the Prometheus text format (version 0.0.4).  What is
 * counted: requests by page kind and status and what the render cache did
 * for them (as $news_cache_status says), pages evicted, the cache's bytes
 * and pages, database opens, reopens and faults, GeoIP lookups by result,
 * readership counts pending, flushed and lost and the flushes' time, and
 * views by country (two letters: at most 676 series, never one an
 * article).  The zone outlives a reload: counters go on.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_readership.h"


/* the zone's size: the counters and the slab pool's own pages */
#define NGX_HTTP_NEWS_METRICS_ZONE                                            \
    (sizeof(ngx_http_news_metrics_t) + 8 * ngx_pagesize)


typedef struct {
    ngx_http_handler_pt         handler;
    ngx_str_t                   name;
} ngx_http_news_metrics_kind_t;


static ngx_int_t ngx_http_news_metrics_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_news_metrics_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_news_metrics_write(ngx_http_request_t *r,
    ngx_http_news_out_t *out);
static void ngx_http_news_metrics_family(ngx_http_news_out_t *out,
    char *name, char *help, char *type);
static void ngx_http_news_metrics_one(ngx_http_news_out_t *out, char *name,
    char *help, char *type, ngx_atomic_uint_t value);


ngx_http_news_metrics_t  *ngx_http_news_metrics;


static ngx_http_news_metrics_kind_t  ngx_http_news_metrics_kinds[] = {
    { ngx_http_news_article_handler, ngx_string("article") },
    { ngx_http_news_share_handler, ngx_string("share") },
    { ngx_http_news_category_handler, ngx_string("category") },
    { ngx_http_news_index_handler, ngx_string("home") },
    { ngx_http_news_tag_handler, ngx_string("tag") },
    { ngx_http_news_feed_handler, ngx_string("feed") },
    { ngx_http_news_sitemap_handler, ngx_string("sitemap") },
    { ngx_http_news_sitemap_news_handler, ngx_string("news_sitemap") },
    { ngx_http_news_robots_handler, ngx_string("robots") },
    { ngx_http_news_search_handler, ngx_string("search") },
    { ngx_http_news_qr_handler, ngx_string("qr") },
    { ngx_http_news_stats_handler, ngx_string("stats") }
};


/* the statuses counted apart; any other is "other" */
static ngx_uint_t  ngx_http_news_metrics_statuses[] = {
    200, 301, 302, 304, 400, 403, 404, 405, 410, 412, 413, 414, 500, 503
};


static u_char *ngx_http_news_metrics_cache[] = {
    (u_char *) "HIT", (u_char *) "MISS", (u_char *) "BYPASS"
};


/* flush times' histogram buckets, in microseconds */
static ngx_uint_t  ngx_http_news_metrics_buckets[] = {
    1000, 10000, 100000, 1000000, 10000000
};


/* at configuration: the zone */

ngx_int_t
ngx_http_news_metrics_zone(ngx_conf_t *cf)
{
    ngx_str_t        name = ngx_string("news_metrics");
    ngx_shm_zone_t  *shm_zone;

    shm_zone = ngx_shared_memory_add(cf, &name, NGX_HTTP_NEWS_METRICS_ZONE,
                                     &ngx_http_news_module);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    shm_zone->init = ngx_http_news_metrics_init_zone;

    return NGX_OK;
}


static ngx_int_t
ngx_http_news_metrics_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t          *shpool;
    ngx_http_news_metrics_t  *m;

    if (data != NULL
        && ((ngx_http_news_metrics_t *) data)->size
           == sizeof(ngx_http_news_metrics_t))
    {
        /* a reload: the counters go on */
        shm_zone->data = data;
        ngx_http_news_metrics = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    m = ngx_slab_calloc(shpool, sizeof(ngx_http_news_metrics_t));
    if (m == NULL) {
        return NGX_ERROR;
    }

    m->size = sizeof(ngx_http_news_metrics_t);

    shm_zone->data = m;
    ngx_http_news_metrics = m;

    return NGX_OK;
}


/* a request of a news location answered: its kind, status, cache's part */

ngx_int_t
ngx_http_news_metrics_log(ngx_http_request_t *r)
{
    ngx_uint_t                 i, kind, status;
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_metrics_t   *m;
    ngx_http_news_loc_conf_t  *nlcf;

    m = ngx_http_news_metrics;
    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);
    kind = nlcf->metrics_kind;

    if (m == NULL || kind == NGX_HTTP_NEWS_METRICS_KINDS) {
        return NGX_OK;
    }

    status = r->err_status ? r->err_status : r->headers_out.status;

    for (i = 0; i < NGX_HTTP_NEWS_METRICS_STATUSES - 1; i++) {
        if (ngx_http_news_metrics_statuses[i] == status) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&m->requests[kind][i], 1);

    ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

    if (ctx == NULL || ctx->cache_status.len == 0) {
        return NGX_OK;
    }

    /* HIT, MISS, BYPASS */

    switch (ctx->cache_status.data[0]) {

    case 'H':
        (void) ngx_atomic_fetch_add(&m->cache[0], 1);
        break;

    case 'M':
        (void) ngx_atomic_fetch_add(&m->cache[1], 1);
        break;

    default:
        (void) ngx_atomic_fetch_add(&m->cache[2], 1);
    }

    return NGX_OK;
}


/*
 * at configuration: the page kind of a location's handler, counted as;
 * NGX_HTTP_NEWS_METRICS_KINDS for none (not a news page)
 */

ngx_uint_t
ngx_http_news_metrics_kind(ngx_http_handler_pt handler)
{
    ngx_uint_t  kind;

    for (kind = 0; kind < NGX_HTTP_NEWS_METRICS_KINDS; kind++) {
        if (handler != NULL
            && ngx_http_news_metrics_kinds[kind].handler == handler)
        {
            break;
        }
    }

    return kind;
}


/* a view counted by readership, by the reader's country */

void
ngx_http_news_metrics_view(ngx_str_t *country, ngx_uint_t bot)
{
    ngx_uint_t  i;

    if (ngx_http_news_metrics == NULL) {
        return;
    }

    if (country->len == 2
        && country->data[0] >= 'A' && country->data[0] <= 'Z'
        && country->data[1] >= 'A' && country->data[1] <= 'Z')
    {
        i = (country->data[0] - 'A') * 26 + (country->data[1] - 'A');

    } else {
        /* ZZ: not found */
        i = 25 * 26 + 25;
    }

    (void) ngx_atomic_fetch_add(&ngx_http_news_metrics->views[i][bot ? 1 : 0],
                                1);
}


/* a flush of readership done, in usec microseconds */

void
ngx_http_news_metrics_flush(ngx_uint_t rows, ngx_msec_int_t usec,
    ngx_uint_t ok)
{
    ngx_uint_t                i;
    ngx_http_news_metrics_t  *m;

    m = ngx_http_news_metrics;

    if (m == NULL) {
        return;
    }

    if (!ok) {
        (void) ngx_atomic_fetch_add(&m->rs_flush_failed, 1);
        return;
    }

    (void) ngx_atomic_fetch_add(&m->rs_flushes, 1);
    (void) ngx_atomic_fetch_add(&m->rs_rows, rows);
    (void) ngx_atomic_fetch_add(&m->rs_flush_usec, usec);

    for (i = 0; i < NGX_HTTP_NEWS_METRICS_BUCKETS; i++) {
        if ((ngx_uint_t) usec <= ngx_http_news_metrics_buckets[i]) {
            (void) ngx_atomic_fetch_add(&m->rs_flush_le[i], 1);
        }
    }
}


char *
ngx_http_news_metrics_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler != NULL) {
        return "is duplicate";
    }

    clcf->handler = ngx_http_news_metrics_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_news_metrics_handler(ngx_http_request_t *r)
{
    ngx_int_t             rc;
    ngx_str_t             body, v;
    ngx_buf_t            *b;
    ngx_chain_t           out;
    ngx_http_news_out_t   text;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_news_metrics == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    ngx_http_news_out_init(&text, r->pool, 16384);

    if (ngx_http_news_metrics_write(r, &text) != NGX_OK
        || ngx_http_news_out_str(&text, &body) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body.data;
    b->last = body.data + body.len;
    b->memory = 1;
    b->last_buf = (r == r->main);
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type,
                "text/plain; version=0.0.4; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    /* numbers of now: never from a cache */
    ngx_str_set(&v, "no-store");

    if (ngx_http_news_add_header(r, "Cache-Control", &v) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_http_news_metrics_write(ngx_http_request_t *r, ngx_http_news_out_t *out)
{
    size_t                      bytes;
    ngx_uint_t                  i, j, pages, pending;
    ngx_atomic_uint_t           n;
    ngx_http_news_db_t        **dbp;
    ngx_http_news_metrics_t    *m;
    ngx_http_news_main_conf_t  *mcf;
    u_char                     *p, country[2], num[32];

    m = ngx_http_news_metrics;
    mcf = ngx_http_get_module_main_conf(r, ngx_http_news_module);

    ngx_http_news_metrics_family(out, "news_requests_total",
        "Requests answered by news locations, by page kind and status.",
        "counter");

    for (i = 0; i < NGX_HTTP_NEWS_METRICS_KINDS; i++) {
        for (j = 0; j < NGX_HTTP_NEWS_METRICS_STATUSES; j++) {
            n = m->requests[i][j];

            if (n == 0) {
                continue;
            }

            ngx_http_news_out_lit(out, "news_requests_total{kind=\"");
            ngx_http_news_out_add(out, ngx_http_news_metrics_kinds[i].name.data,
                                  ngx_http_news_metrics_kinds[i].name.len);
            ngx_http_news_out_lit(out, "\",status=\"");

            if (j < NGX_HTTP_NEWS_METRICS_STATUSES - 1) {
                ngx_http_news_out_uint(out,
                                       ngx_http_news_metrics_statuses[j]);

            } else {
                ngx_http_news_out_lit(out, "other");
            }

            ngx_http_news_out_lit(out, "\"} ");
            ngx_http_news_out_uint(out, n);
            ngx_http_news_out_lit(out, "\n");
        }
    }

    ngx_http_news_metrics_family(out, "news_cache_requests_total",
        "Requests by what the render cache did ($news_cache_status).",
        "counter");

    for (i = 0; i < 3; i++) {
        ngx_http_news_out_lit(out, "news_cache_requests_total{status=\"");
        ngx_http_news_out_add(out, ngx_http_news_metrics_cache[i],
                              ngx_strlen(ngx_http_news_metrics_cache[i]));
        ngx_http_news_out_lit(out, "\"} ");
        ngx_http_news_out_uint(out, m->cache[i]);
        ngx_http_news_out_lit(out, "\n");
    }

    bytes = 0;
    pages = 0;
    dbp = mcf->dbs.elts;

    for (i = 0; i < mcf->dbs.nelts; i++) {
        ngx_http_news_cache_usage(ngx_http_news_db_cache(dbp[i]), &bytes,
                                  &pages);
    }

    ngx_http_news_metrics_one(out, "news_cache_evictions_total",
        "Pages evicted from the render cache to make room.", "counter",
        m->cache_evictions);

    ngx_http_news_metrics_one(out, "news_cache_bytes",
        "Bytes of the pages the render cache keeps.", "gauge", bytes);

    ngx_http_news_metrics_one(out, "news_cache_pages",
        "Pages the render cache keeps.", "gauge", pages);

    ngx_http_news_metrics_one(out, "news_db_opens_total",
        "Content databases opened by the workers.", "counter", m->db_opens);

    ngx_http_news_metrics_one(out, "news_db_reopens_total",
        "Content databases found replaced or removed, and reopened.",
        "counter", m->db_reopens);

    ngx_http_news_metrics_one(out, "news_db_faults_total",
        "Reads of a content database that failed (locked files apart).",
        "counter", m->db_faults);

    ngx_http_news_metrics_family(out, "news_geoip_lookups_total",
        "Readers' addresses looked up in the GeoIP database, by result.",
        "counter");
    ngx_http_news_out_lit(out, "news_geoip_lookups_total{result=\"found\"} ");
    ngx_http_news_out_uint(out, m->geo_found);
    ngx_http_news_out_lit(out,
                          "\nnews_geoip_lookups_total{result=\"not_found\"} ");
    ngx_http_news_out_uint(out, m->geo_not_found);
    ngx_http_news_out_lit(out, "\nnews_geoip_lookups_total{result=\"error\"} ");
    ngx_http_news_out_uint(out, m->geo_errors);

    pending = (mcf->rs != NULL && mcf->rs->sh != NULL)
              ? mcf->rs->sh->nused : 0;

    ngx_http_news_metrics_one(out, "news_readership_pending",
        "Readership counts in the zone, waiting for the next flush.",
        "gauge", pending);

    ngx_http_news_metrics_one(out, "news_readership_flushed_rows_total",
        "Readership counts written to the readership database.", "counter",
        m->rs_rows);

    ngx_http_news_metrics_one(out, "news_readership_lost_total",
        "Requests not counted by article and region: the zone was full "
        "(readership_lost).", "counter", m->rs_lost);

    ngx_http_news_metrics_one(out, "news_readership_flush_failures_total",
        "Flushes that failed, their counts kept for the next one.",
        "counter", m->rs_flush_failed);

    ngx_http_news_metrics_family(out, "news_readership_flush_seconds",
        "Time a flush took, its transaction included.", "histogram");

    for (i = 0; i < NGX_HTTP_NEWS_METRICS_BUCKETS; i++) {
        p = ngx_sprintf(num, "%.3f",
                        ngx_http_news_metrics_buckets[i] / 1e6);
        ngx_http_news_out_lit(out, "news_readership_flush_seconds_bucket"
                                   "{le=\"");
        ngx_http_news_out_add(out, num, p - num);
        ngx_http_news_out_lit(out, "\"} ");
        ngx_http_news_out_uint(out, m->rs_flush_le[i]);
        ngx_http_news_out_lit(out, "\n");
    }

    ngx_http_news_out_lit(out,
                          "news_readership_flush_seconds_bucket{le=\"+Inf\"} ");
    ngx_http_news_out_uint(out, m->rs_flushes);
    p = ngx_sprintf(num, "%.6f", m->rs_flush_usec / 1e6);
    ngx_http_news_out_lit(out, "\nnews_readership_flush_seconds_sum ");
    ngx_http_news_out_add(out, num, p - num);
    ngx_http_news_out_lit(out, "\nnews_readership_flush_seconds_count ");
    ngx_http_news_out_uint(out, m->rs_flushes);

    ngx_http_news_metrics_family(out, "news_views_total",
        "Article views counted by readership, by the reader's country "
        "(ZZ: not found) and whether a bot asked.", "counter");

    for (i = 0; i < 26 * 26; i++) {
        for (j = 0; j < 2; j++) {
            n = m->views[i][j];

            if (n == 0) {
                continue;
            }

            country[0] = (u_char) ('A' + i / 26);
            country[1] = (u_char) ('A' + i % 26);

            ngx_http_news_out_lit(out, "news_views_total{country=\"");
            ngx_http_news_out_add(out, country, 2);
            ngx_http_news_out_lit(out, "\",bot=\"");
            ngx_http_news_out_uint(out, j);
            ngx_http_news_out_lit(out, "\"} ");
            ngx_http_news_out_uint(out, n);
            ngx_http_news_out_lit(out, "\n");
        }
    }

    if (!out->failed && out->pos[-1] != '\n') {
        ngx_http_news_out_lit(out, "\n");
    }

    return out->failed ? NGX_ERROR : NGX_OK;
}


/* a metric's HELP and TYPE lines, after the previous metric's last line */

static void
ngx_http_news_metrics_family(ngx_http_news_out_t *out, char *name,
    char *help, char *type)
{
    if (out->pos > out->start && out->pos[-1] != '\n') {
        ngx_http_news_out_lit(out, "\n");
    }

    ngx_http_news_out_lit(out, "# HELP ");
    ngx_http_news_out_add(out, (u_char *) name, ngx_strlen(name));
    ngx_http_news_out_lit(out, " ");
    ngx_http_news_out_add(out, (u_char *) help, ngx_strlen(help));
    ngx_http_news_out_lit(out, "\n# TYPE ");
    ngx_http_news_out_add(out, (u_char *) name, ngx_strlen(name));
    ngx_http_news_out_lit(out, " ");
    ngx_http_news_out_add(out, (u_char *) type, ngx_strlen(type));
    ngx_http_news_out_lit(out, "\n");
}


/* a metric of one sample, without labels */

static void
ngx_http_news_metrics_one(ngx_http_news_out_t *out, char *name, char *help,
    char *type, ngx_atomic_uint_t value)
{
    ngx_http_news_metrics_family(out, name, help, type);

    ngx_http_news_out_add(out, (u_char *) name, ngx_strlen(name));
    ngx_http_news_out_lit(out, " ");
    ngx_http_news_out_uint(out, value);
    ngx_http_news_out_lit(out, "\n");
}
