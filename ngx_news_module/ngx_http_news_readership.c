
/*
 * Copyright (C) ngx_news_module authors
 *
 * Readership: each article view and share redirect is counted in shared
 * memory by (day, article, region, kind, bot), and the counts are added
 * to a SQLite file of their own in batches, off the request path: from a
 * thread when nginx has threads, every "flush" interval, and at a worker's
 * exit.  A batch stays in the zone, marked in flight, until its commit;
 * one that cannot be written is given back, and one whose worker died is
 * taken up by the next flush of another.  The transaction that adds a
 * batch records it in readership_batch, so that a batch taken up after
 * its writer committed it is not added twice.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>

#include <ngx_http_news_readership_sql.h>


#define NGX_HTTP_NEWS_RS_APP_ID       1314150990
#define NGX_HTTP_NEWS_RS_KEY_MAX                                             \
    (3 + NGX_HTTP_NEWS_DAY_LEN + NEWS_INFO_CODE_MAX                       \
     + NGX_HTTP_NEWS_REGION_LEN)
#define NGX_HTTP_NEWS_RS_FULL_LOG     60

/* a batch in flight this long is taken up even from a live worker */
#define NGX_HTTP_NEWS_RS_STALE        60

/* the batches of a zone kept in readership_batch, and for how long */
#define NGX_HTTP_NEWS_RS_KEEP         64
#define NGX_HTTP_NEWS_RS_KEEP_TIME    86400

/* how long a worker's exit waits for another's batch, in 10ms steps */
#define NGX_HTTP_NEWS_RS_EXIT_WAIT    200

#define NGX_HTTP_NEWS_RS_ADD          0
#define NGX_HTTP_NEWS_RS_ADD_LOST     1
#define NGX_HTTP_NEWS_RS_DONE         2
#define NGX_HTTP_NEWS_RS_MARK         3
#define NGX_HTTP_NEWS_RS_PRUNE        4
#define NGX_HTTP_NEWS_RS_STMT_MAX     5

#define NGX_HTTP_NEWS_BOT_PATTERN                                            \
    "bot|crawl|spider|slurp|archiver|facebookexternalhit|facebookcatalog"   \
    "|embedly|whatsapp|telegram|slack|discord|linkedin|skypeuripreview"     \
    "|pinterest|vkshare|bingpreview|yahoo|baidu|yandex|sogou|bytespider"    \
    "|petalbot|headlesschrome|lighthouse|preview"


/*
 * a key is kind, bot, day, the code's length, the code and the region:
 * "0 0 2026-11-26 20 NW202203042297567012 CN-22" without the spaces
 */

typedef struct {
    ngx_str_node_t              sn;         /* the key, in the node */
    ngx_queue_t                 queue;
    uint64_t                    count;      /* not in a batch yet */
    uint64_t                    inflight;   /* in the batch in flight */
    u_char                      key[1];
} ngx_http_news_rs_node_t;


/*
 * the one batch being written, kept in the zone so that it outlives its
 * writer: one batch at a time, as SQLite has one writer at a time anyway
 */
typedef struct {
    ngx_pid_t                   pid;        /* its writer; 0: none */
    time_t                      taken;
    uint64_t                    seq;
    uint64_t                    lost;
    ngx_uint_t                  n;          /* its keys */
    u_char                      day[NGX_HTTP_NEWS_DAY_LEN];
} ngx_http_news_rs_flight_t;


typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 queue;
    ngx_uint_t                  nodes;
    uint64_t                    lost;       /* found the zone full */
    time_t                      full_logged;
    uint64_t                    epoch;      /* names the zone on disk */
    uint64_t                    seq;        /* the last batch taken */
    ngx_http_news_rs_flight_t   flight;
} ngx_http_news_rs_sh_t;


/* a count of the batch in flight, copied on its way to the database */
typedef struct {
    uint64_t                    count;
    u_char                      len;
    u_char                      key[NGX_HTTP_NEWS_RS_KEY_MAX];
} ngx_http_news_rs_rec_t;


typedef struct {
    ngx_http_news_rs_rec_t     *recs;
    ngx_uint_t                  n;
    uint64_t                    lost;
    uint64_t                    epoch;
    uint64_t                    seq;
    ngx_pid_t                   from;       /* the dead writer taken from */
    u_char                      day[NGX_HTTP_NEWS_DAY_LEN];
} ngx_http_news_rs_batch_t;


struct ngx_http_news_rs_s {
    ngx_shm_zone_t             *shm_zone;
    ngx_http_news_rs_sh_t      *sh;
    ngx_slab_pool_t            *shpool;
    ngx_str_t                   path;       /* null-terminated */
    ngx_msec_t                  flush;
    ngx_str_t                   node;
    ngx_http_news_main_conf_t  *mcf;
    sqlite3                    *conn;       /* this worker's writer */
    sqlite3_stmt               *stmt[NGX_HTTP_NEWS_RS_STMT_MAX];
    ngx_file_uniq_t             uniq;       /* the file conn has open */
    dev_t                       dev;
    ngx_file_uniq_t             refused_uniq;
    dev_t                       refused_dev;
    ngx_event_t                 timer;
    ngx_log_t                  *log;
    ngx_http_news_rs_batch_t    batch;
#if (NGX_THREADS)
    ngx_thread_pool_t          *thread_pool;
    ngx_thread_task_t          *task;
#endif
    ngx_uint_t                  busy;       /* a batch is being written */
};


static const char  *ngx_http_news_rs_sql[NGX_HTTP_NEWS_RS_STMT_MAX] = {

    /* NGX_HTTP_NEWS_RS_ADD */
    "INSERT INTO readership (node, day, info_code, region, kind, bot, count)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT (node, day, info_code, region, kind, bot)"
    " DO UPDATE SET count = count + excluded.count",

    /* NGX_HTTP_NEWS_RS_ADD_LOST */
    "INSERT INTO readership_lost (node, day, count) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (node, day) DO UPDATE SET count = count + excluded.count",

    /* NGX_HTTP_NEWS_RS_DONE */
    "SELECT 1 FROM readership_batch"
    " WHERE node = ?1 AND epoch = ?2 AND seq = ?3",

    /* NGX_HTTP_NEWS_RS_MARK */
    "INSERT INTO readership_batch (node, epoch, seq, written, count)"
    " VALUES (?1, ?2, ?3, ?4, ?5)",

    /* NGX_HTTP_NEWS_RS_PRUNE */
    "DELETE FROM readership_batch WHERE node = ?1"
    " AND ((epoch = ?2 AND seq < ?3) OR (epoch != ?2 AND written < ?4))"
};


static ngx_int_t ngx_http_news_rs_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_news_rs_add_locked(ngx_http_news_rs_t *rs,
    u_char *key, size_t len, uint64_t count);
static ngx_int_t ngx_http_news_rs_take(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_batch_t *batch);
static ngx_uint_t ngx_http_news_rs_writer_alive(
    ngx_http_news_rs_flight_t *f);
static void ngx_http_news_rs_release(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_batch_t *batch, ngx_uint_t written);
static char *ngx_http_news_rs_check_path(ngx_conf_t *cf,
    ngx_http_news_main_conf_t *mcf);
static void ngx_http_news_rs_flush_handler(ngx_event_t *ev);
static void ngx_http_news_rs_write(void *data, ngx_log_t *log);
#if (NGX_THREADS)
static void ngx_http_news_rs_written(ngx_event_t *ev);
#endif
static ngx_int_t ngx_http_news_rs_open(ngx_http_news_rs_t *rs,
    ngx_log_t *log);
static ngx_int_t ngx_http_news_rs_create(ngx_http_news_rs_t *rs,
    ngx_log_t *log);
static ngx_int_t ngx_http_news_rs_header(ngx_http_news_rs_t *rs,
    ngx_file_info_t *fi, ngx_log_t *log);
static ngx_int_t ngx_http_news_rs_schema(ngx_http_news_rs_t *rs,
    ngx_file_info_t *fi, ngx_log_t *log);
static void ngx_http_news_rs_refuse(ngx_http_news_rs_t *rs,
    ngx_file_info_t *fi, const char *why, ngx_log_t *log);
static ngx_uint_t ngx_http_news_rs_moved(ngx_http_news_rs_t *rs,
    ngx_log_t *log);
static ngx_int_t ngx_http_news_rs_int(ngx_http_news_rs_t *rs,
    const char *sql, int *value);
static void ngx_http_news_rs_close(ngx_http_news_rs_t *rs);
static ngx_int_t ngx_http_news_rs_exec(ngx_http_news_rs_t *rs,
    const char *sql, ngx_log_t *log);
static ngx_int_t ngx_http_news_readership_log(ngx_http_request_t *r);
static void ngx_http_news_count(ngx_http_request_t *r, ngx_str_t *code,
    ngx_uint_t kind);
static ngx_int_t ngx_http_news_is_bot(ngx_http_request_t *r,
    ngx_http_news_main_conf_t *mcf);


char *
ngx_http_news_readership(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_main_conf_t *mcf = conf;

    u_char              *p;
    ssize_t              size;
    ngx_str_t           *value, name, s;
    ngx_int_t            flush;
    ngx_uint_t           i;
    ngx_http_news_rs_t  *rs;

    if (mcf->rs != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    rs = ngx_pcalloc(cf->pool, sizeof(ngx_http_news_rs_t));
    if (rs == NULL) {
        return NGX_CONF_ERROR;
    }

    size = 0;
    ngx_str_null(&name);
    rs->flush = 5000;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {

            name.data = value[i].data + 5;
            p = (u_char *) ngx_strchr(name.data, ':');

            if (p == NULL) {
                goto invalid;
            }

            name.len = p - name.data;

            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            size = ngx_parse_size(&s);

            if (name.len == 0 || size == NGX_ERROR) {
                goto invalid;
            }

            if (size < (ssize_t) (8 * ngx_pagesize)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "zone \"%V\" is too small", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "db=", 3) == 0) {

            rs->path.len = value[i].len - 3;
            rs->path.data = value[i].data + 3;

            if (rs->path.len == 0
                || ngx_conf_full_name(cf->cycle, &rs->path, 1) != NGX_OK)
            {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "flush=", 6) == 0) {

            s.len = value[i].len - 6;
            s.data = value[i].data + 6;

            flush = ngx_parse_time(&s, 0);

            if (flush == NGX_ERROR || flush < 100) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid value \"%V\", "
                                   "it must be a time of 100ms or more",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            rs->flush = flush;
            continue;
        }

        goto invalid;
    }

    if (name.len == 0 || rs->path.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"zone=\" and \"db=\"",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    rs->shm_zone = ngx_shared_memory_add(cf, &name, size,
                                         &ngx_http_news_module);
    if (rs->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (rs->shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is already used", &name);
        return NGX_CONF_ERROR;
    }

    rs->shm_zone->init = ngx_http_news_rs_init_zone;
    rs->shm_zone->data = rs;

#if (NGX_THREADS)
    /* the default pool, which nginx then creates if nothing else did */
    if (ngx_thread_pool_add(cf, NULL) == NULL) {
        return NGX_CONF_ERROR;
    }
#endif

    mcf->rs = rs;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


char *
ngx_http_news_timezone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_main_conf_t *mcf = conf;

    u_char     *p;
    ngx_int_t   h, m;
    ngx_str_t  *value;

    if (mcf->tz_offset != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    p = value[1].data;

    if (ngx_strcmp(p, "local") == 0) {
        mcf->tz_local = 1;
        mcf->tz_offset = 0;
        return NGX_CONF_OK;
    }

    if (ngx_strcasecmp(p, (u_char *) "UTC") == 0) {
        mcf->tz_offset = 0;
        return NGX_CONF_OK;
    }

    if (value[1].len != 6 || (p[0] != '+' && p[0] != '-') || p[3] != ':') {
        goto invalid;
    }

    h = ngx_atoi(p + 1, 2);
    m = ngx_atoi(p + 4, 2);

    if (h == NGX_ERROR || m == NGX_ERROR || h > 14 || m > 59) {
        goto invalid;
    }

    mcf->tz_offset = (p[0] == '-' ? -1 : 1) * (h * 60 + m);

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\", it must be \"local\", "
                       "\"UTC\" or an offset like \"+08:00\"", &value[1]);

    return NGX_CONF_ERROR;
}


char *
ngx_http_news_bot_pattern(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_main_conf_t *mcf = conf;

    ngx_str_t  *value;

    if (mcf->bot_re != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    /* bot patterns ignore case: user agents are written any which way */
    mcf->bot_re = ngx_http_news_regex_compile(cf, &value[1],
                                              NGX_REGEX_CASELESS);

    return mcf->bot_re ? NGX_CONF_OK : NGX_CONF_ERROR;
}


/* called when the http block is done: defaults of the main directives */

char *
ngx_http_news_readership_init_conf(ngx_conf_t *cf,
    ngx_http_news_main_conf_t *mcf)
{
    ngx_str_t  pattern;

    if (mcf->tz_offset == NGX_CONF_UNSET) {
        mcf->tz_local = 1;
        mcf->tz_offset = 0;
    }

    if (mcf->node.data == NULL) {
        mcf->node = cf->cycle->hostname;
    }

    if (mcf->rs == NULL) {
        return NGX_CONF_OK;
    }

    mcf->rs->node = mcf->node;
    mcf->rs->mcf = mcf;

    if (ngx_http_news_rs_check_path(cf, mcf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    if (mcf->bot_re == NULL) {
        ngx_str_set(&pattern, NGX_HTTP_NEWS_BOT_PATTERN);

        mcf->bot_re = ngx_http_news_regex_compile(cf, &pattern,
                                                  NGX_REGEX_CASELESS);
        if (mcf->bot_re == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_news_rs_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_news_rs_t  *ors = data;

    size_t               len;
    ngx_time_t          *tp;
    ngx_http_news_rs_t  *rs;

    rs = shm_zone->data;

    if (ors) {
        /* a reload keeps the counts that were not written yet */
        rs->sh = ors->sh;
        rs->shpool = ors->shpool;
        return NGX_OK;
    }

    rs->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        rs->sh = rs->shpool->data;
        return NGX_OK;
    }

    rs->sh = ngx_slab_alloc(rs->shpool, sizeof(ngx_http_news_rs_sh_t));
    if (rs->sh == NULL) {
        return NGX_ERROR;
    }

    rs->shpool->data = rs->sh;

    ngx_rbtree_init(&rs->sh->rbtree, &rs->sh->sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&rs->sh->queue);

    /*
     * the batches of this zone are told from those of an earlier one (an
     * nginx started before) by the time it was made and the master's pid
     */
    tp = ngx_timeofday();
    rs->sh->epoch = ((uint64_t) tp->sec * 1000 + tp->msec) * 100000
                    + (uint64_t) ngx_pid % 100000;

    len = sizeof(" in news_readership zone \"\"") + shm_zone->shm.name.len;

    rs->shpool->log_ctx = ngx_slab_alloc(rs->shpool, len);
    if (rs->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(rs->shpool->log_ctx, " in news_readership zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone is reported by the module, once a minute at most */
    rs->shpool->log_nomem = 0;

    return NGX_OK;
}


/* adds count to the key's node, made if missing; the zone is locked */

static ngx_int_t
ngx_http_news_rs_add_locked(ngx_http_news_rs_t *rs, u_char *key, size_t len,
    uint64_t count)
{
    uint32_t                  hash;
    ngx_str_t                 k;
    ngx_http_news_rs_node_t  *rn;

    k.data = key;
    k.len = len;
    hash = ngx_crc32_short(key, len);

    rn = (ngx_http_news_rs_node_t *) ngx_str_rbtree_lookup(&rs->sh->rbtree,
                                                           &k, hash);
    if (rn != NULL) {
        rn->count += count;
        return NGX_OK;
    }

    rn = ngx_slab_alloc_locked(rs->shpool,
                               offsetof(ngx_http_news_rs_node_t, key) + len);
    if (rn == NULL) {
        rs->sh->lost += count;
        return NGX_DECLINED;
    }

    /* all workers map the zone at one address: the pointer holds */

    ngx_memcpy(rn->key, key, len);
    rn->sn.str.data = rn->key;
    rn->sn.str.len = len;
    rn->sn.node.key = hash;
    rn->count = count;
    rn->inflight = 0;

    ngx_rbtree_insert(&rs->sh->rbtree, &rn->sn.node);
    ngx_queue_insert_head(&rs->sh->queue, &rn->queue);
    rs->sh->nodes++;

    return NGX_OK;
}


/*
 * counting is done here, in the log phase, once the answer is known (as
 * nginx-module-vts does): the page handlers only record what a request is
 * to be counted as; a view counts when a GET was answered 200 or 304, a
 * share when it was redirected
 */

ngx_int_t
ngx_http_news_readership_postconf(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_news_main_conf_t  *mcf;
    ngx_http_core_main_conf_t  *cmcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_news_module);

    if (mcf->rs == NULL) {
        /* nothing is counted: no handler in every request's log phase */
        return NGX_OK;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_news_readership_log;

    return NGX_OK;
}


static ngx_int_t
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
    ngx_int_t                   rc;
    ngx_uint_t                  log_full;
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

    now = ngx_time();

    p = key;
    *p++ = (u_char) ('0' + kind);
    *p++ = (u_char) ('0' + ngx_http_news_is_bot(r, mcf));
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

    if (log_full) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "news: readership zone \"%V\" is full, views are "
                      "counted in readership_lost until the next flush",
                      &rs->shm_zone->shm.name);
    }
}


static ngx_int_t
ngx_http_news_is_bot(ngx_http_request_t *r, ngx_http_news_main_conf_t *mcf)
{
    if (r->headers_in.user_agent == NULL || mcf->bot_re == NULL) {
        return 0;
    }

    return ngx_regex_exec(mcf->bot_re, &r->headers_in.user_agent->value,
                          NULL, 0)
           >= 0;
}


/* "YYYY-MM-DD" of a moment in news_timezone, worked out once a second */

void
ngx_http_news_day(ngx_http_news_main_conf_t *mcf, time_t now, u_char *day)
{
    ngx_tm_t   tm;
    ngx_int_t  offset;

    if (now != mcf->day_time) {
        offset = mcf->tz_local ? ngx_cached_time->gmtoff : mcf->tz_offset;

        ngx_gmtime(now + offset * 60, &tm);

        (void) ngx_sprintf(mcf->day, "%04d-%02d-%02d", tm.ngx_tm_year,
                           tm.ngx_tm_mon, tm.ngx_tm_mday);

        mcf->day_time = now;
    }

    ngx_memcpy(day, mcf->day, NGX_HTTP_NEWS_DAY_LEN);
}


ngx_int_t
ngx_http_news_readership_init_worker(ngx_cycle_t *cycle)
{
    ngx_http_news_rs_t         *rs;
    ngx_http_news_main_conf_t  *mcf;
#if (NGX_THREADS)
    ngx_str_t                   name = ngx_string("default");
#endif

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_news_module);

    if (mcf == NULL || mcf->rs == NULL) {
        return NGX_OK;
    }

    rs = mcf->rs;
    rs->log = cycle->log;

#if (NGX_THREADS)
    rs->thread_pool = ngx_thread_pool_get(cycle, &name);

    rs->task = ngx_thread_task_alloc(cycle->pool, 0);
    if (rs->task == NULL) {
        return NGX_ERROR;
    }

    rs->task->ctx = rs;
    rs->task->handler = ngx_http_news_rs_write;
    rs->task->event.data = rs;
    rs->task->event.handler = ngx_http_news_rs_written;
#endif

    /* the first worker makes the file, so that the stats page has it */
    if (ngx_worker == 0) {
        (void) ngx_http_news_rs_open(rs, cycle->log);
    }

    rs->timer.handler = ngx_http_news_rs_flush_handler;
    rs->timer.data = rs;
    rs->timer.log = cycle->log;
    rs->timer.cancelable = 1;

    ngx_add_timer(&rs->timer, rs->flush);

    return NGX_OK;
}


/*
 * a graceful reload or quit: what is left in the zone is written now; the
 * thread pool has finished any batch in flight by this time
 */

void
ngx_http_news_readership_exit_worker(ngx_cycle_t *cycle)
{
    ngx_int_t                   rc;
    ngx_pid_t                   from;
    ngx_uint_t                  i;
    ngx_http_news_rs_t         *rs;
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_news_module);

    if (mcf == NULL || mcf->rs == NULL || mcf->rs->sh == NULL) {
        return;
    }

    rs = mcf->rs;

    if (rs->busy) {
        /*
         * the thread wrote the batch or gave it back, but its completion
         * never ran in the event loop that ended
         */
        ngx_free(rs->batch.recs);
        rs->batch.recs = NULL;
        rs->busy = 0;
    }

    /*
     * another worker's batch in flight is waited for, a dead worker's is
     * written first: the counts left after it are taken next
     */
    for (i = 0; i < NGX_HTTP_NEWS_RS_EXIT_WAIT; i++) {
        rc = ngx_http_news_rs_take(rs, &rs->batch);

        if (rc == NGX_AGAIN) {
            ngx_msleep(10);
            continue;
        }

        if (rc != NGX_OK) {
            break;
        }

        from = rs->batch.from;

        ngx_http_news_rs_write(rs, cycle->log);

        ngx_free(rs->batch.recs);
        rs->batch.recs = NULL;

        if (from == 0) {
            break;
        }
    }

    ngx_http_news_rs_close(rs);
}


static void
ngx_http_news_rs_flush_handler(ngx_event_t *ev)
{
    ngx_http_news_rs_t  *rs;

    rs = ev->data;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    ngx_add_timer(ev, rs->flush);

    if (rs->busy || ngx_http_news_rs_take(rs, &rs->batch) != NGX_OK) {
        return;
    }

    rs->busy = 1;

#if (NGX_THREADS)
    if (rs->thread_pool != NULL
        && ngx_thread_task_post(rs->thread_pool, rs->task) == NGX_OK)
    {
        return;
    }
#endif

    ngx_http_news_rs_write(rs, ev->log);

    ngx_free(rs->batch.recs);
    rs->batch.recs = NULL;
    rs->busy = 0;
}


#if (NGX_THREADS)

static void
ngx_http_news_rs_written(ngx_event_t *ev)
{
    ngx_http_news_rs_t  *rs;

    rs = ev->data;

    ngx_free(rs->batch.recs);
    rs->batch.recs = NULL;
    rs->busy = 0;
}

#endif


/*
 * copies the zone's counts into a batch and marks them in flight: new
 * counts go on beside them while the batch is written, and the batch stays
 * in the zone until it is committed.  A batch a dead worker left in flight
 * is taken up as it was.  NGX_DECLINED when there is nothing to write,
 * NGX_AGAIN when another worker's batch is in flight.
 */

static ngx_int_t
ngx_http_news_rs_take(ngx_http_news_rs_t *rs, ngx_http_news_rs_batch_t *batch)
{
    u_char                      day[NGX_HTTP_NEWS_DAY_LEN];
    ngx_uint_t                  n, max, empty;
    ngx_queue_t                *q;
    ngx_http_news_rs_sh_t      *sh;
    ngx_http_news_rs_rec_t     *rec;
    ngx_http_news_rs_node_t    *rn;
    ngx_http_news_rs_flight_t  *f;

    sh = rs->sh;
    f = &sh->flight;

    ngx_shmtx_lock(&rs->shpool->mutex);
    max = sh->nodes;
    empty = (f->pid == 0 && max == 0 && sh->lost == 0);
    ngx_shmtx_unlock(&rs->shpool->mutex);

    if (empty) {
        return NGX_DECLINED;
    }

    batch->recs = ngx_alloc((max ? max : 1) * sizeof(ngx_http_news_rs_rec_t),
                            rs->log);
    if (batch->recs == NULL) {
        return NGX_ERROR;
    }

    /* counts lost to a full zone are filed under the day they are taken */
    ngx_http_news_day(rs->mcf, ngx_time(), day);

    n = 0;

    ngx_shmtx_lock(&rs->shpool->mutex);

    if (f->pid != 0) {

        if (ngx_http_news_rs_writer_alive(f) || f->n > max) {
            ngx_shmtx_unlock(&rs->shpool->mutex);
            goto again;
        }

        for (q = ngx_queue_head(&sh->queue);
             q != ngx_queue_sentinel(&sh->queue);
             q = ngx_queue_next(q))
        {
            rn = ngx_queue_data(q, ngx_http_news_rs_node_t, queue);

            if (rn->inflight == 0 || n == max) {
                continue;
            }

            rec = &batch->recs[n++];
            rec->count = rn->inflight;
            rec->len = (u_char) rn->sn.str.len;
            ngx_memcpy(rec->key, rn->key, rn->sn.str.len);
        }

        batch->from = f->pid;

    } else {

        for (q = ngx_queue_last(&sh->queue);
             q != ngx_queue_sentinel(&sh->queue) && n < max;
             q = ngx_queue_prev(q))
        {
            rn = ngx_queue_data(q, ngx_http_news_rs_node_t, queue);

            rec = &batch->recs[n++];
            rec->count = rn->count;
            rec->len = (u_char) rn->sn.str.len;
            ngx_memcpy(rec->key, rn->key, rn->sn.str.len);

            rn->inflight = rn->count;
            rn->count = 0;
        }

        f->seq = ++sh->seq;
        f->lost = sh->lost;
        f->n = n;
        ngx_memcpy(f->day, day, NGX_HTTP_NEWS_DAY_LEN);
        sh->lost = 0;

        batch->from = 0;
    }

    f->pid = ngx_pid;
    f->taken = ngx_time();

    batch->seq = f->seq;
    batch->lost = f->lost;
    ngx_memcpy(batch->day, f->day, NGX_HTTP_NEWS_DAY_LEN);

    ngx_shmtx_unlock(&rs->shpool->mutex);

    batch->n = n;
    batch->epoch = sh->epoch;

    if (batch->from) {
        ngx_log_error(NGX_LOG_NOTICE, rs->log, 0,
                      "news: readership batch %uL of exited worker %P "
                      "taken up: %ui keys", batch->seq, batch->from, n);
    }

    return NGX_OK;

again:

    ngx_free(batch->recs);
    batch->recs = NULL;

    return NGX_AGAIN;
}


/*
 * whether the writer of the batch in flight may still commit it; the zone
 * is locked.  A batch under this worker's pid is not this worker's (it
 * takes none while writing one): a killed worker's pid came back.  A pid
 * taken by another process looks alive, so a batch is taken up after a
 * while even then; the batch's row in readership_batch keeps it from being
 * added twice should its writer commit it after all.
 */

static ngx_uint_t
ngx_http_news_rs_writer_alive(ngx_http_news_rs_flight_t *f)
{
    if (f->pid == ngx_pid || ngx_time() - f->taken >= NGX_HTTP_NEWS_RS_STALE)
    {
        return 0;
    }

    if (kill(f->pid, 0) == -1 && ngx_errno == NGX_ESRCH) {
        return 0;
    }

    return 1;
}


/*
 * the batch is over: its counts leave the zone when they were written, or
 * go back to the counts of the next batch; nothing when another worker
 * took the batch up meanwhile, as it is that worker's now
 */

static void
ngx_http_news_rs_release(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_batch_t *batch, ngx_uint_t written)
{
    ngx_queue_t                *q, *next;
    ngx_http_news_rs_sh_t      *sh;
    ngx_http_news_rs_node_t    *rn;
    ngx_http_news_rs_flight_t  *f;

    sh = rs->sh;
    f = &sh->flight;

    ngx_shmtx_lock(&rs->shpool->mutex);

    if (f->pid != ngx_pid || f->seq != batch->seq) {
        ngx_shmtx_unlock(&rs->shpool->mutex);
        return;
    }

    for (q = ngx_queue_head(&sh->queue);
         q != ngx_queue_sentinel(&sh->queue);
         q = next)
    {
        next = ngx_queue_next(q);
        rn = ngx_queue_data(q, ngx_http_news_rs_node_t, queue);

        if (!written) {
            rn->count += rn->inflight;
        }

        rn->inflight = 0;

        if (rn->count == 0) {
            ngx_queue_remove(q);
            ngx_rbtree_delete(&sh->rbtree, &rn->sn.node);
            ngx_slab_free_locked(rs->shpool, rn);
            sh->nodes--;
        }
    }

    if (!written) {
        sh->lost += f->lost;
    }

    f->pid = 0;
    f->lost = 0;
    f->n = 0;

    ngx_shmtx_unlock(&rs->shpool->mutex);
}


/*
 * writes rs->batch in one transaction: in a thread of the pool, or at exit;
 * on failure the batch goes back to the zone for the next flush
 */

static void
ngx_http_news_rs_write(void *data, ngx_log_t *log)
{
    ngx_http_news_rs_t *rs = data;

    int                        err;
    u_char                    *k;
    uint64_t                   total;
    ngx_uint_t                 i;
    sqlite3_stmt              *stmt;
    ngx_http_news_rs_rec_t    *rec;
    ngx_http_news_rs_batch_t  *batch;

    batch = &rs->batch;
    stmt = NULL;

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

    err = sqlite3_step(stmt);

    if (err == SQLITE_ROW) {
        sqlite3_reset(stmt);
        (void) ngx_http_news_rs_exec(rs, "ROLLBACK", log);

        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "news: readership batch %uL of exited worker %P "
                      "was written before it exited, not added again",
                      batch->seq, batch->from);

        ngx_http_news_rs_release(rs, batch, 1);
        return;
    }

    if (err != SQLITE_DONE) {
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

        if (sqlite3_step(stmt) != SQLITE_DONE) {
            goto rollback;
        }

        sqlite3_reset(stmt);
    }

    if (batch->lost) {
        stmt = rs->stmt[NGX_HTTP_NEWS_RS_ADD_LOST];
        total += batch->lost;

        sqlite3_bind_text(stmt, 1, (char *) rs->node.data, rs->node.len,
                          SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, (char *) batch->day,
                          NGX_HTTP_NEWS_DAY_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 3, (sqlite3_int64) batch->lost);

        if (sqlite3_step(stmt) != SQLITE_DONE) {
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

    if (sqlite3_step(stmt) != SQLITE_DONE) {
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

    if (sqlite3_step(stmt) != SQLITE_DONE) {
        goto rollback;
    }

    sqlite3_reset(stmt);
    stmt = NULL;

    if (ngx_http_news_rs_exec(rs, "COMMIT", log) != NGX_OK) {
        goto rollback;
    }

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

    ngx_http_news_rs_release(rs, batch, 0);
}


/* the path no longer leads to the file open: removed, or replaced */

static ngx_uint_t
ngx_http_news_rs_moved(ngx_http_news_rs_t *rs, ngx_log_t *log)
{
    ngx_file_info_t  fi;

    if (ngx_file_info(rs->path.data, &fi) != NGX_FILE_ERROR
        && ngx_file_uniq(&fi) == rs->uniq && fi.st_dev == rs->dev)
    {
        return 0;
    }

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "news: readership database \"%V\" was removed or "
                  "replaced, opening it again", &rs->path);

    return 1;
}


/*
 * opens the readership file, making it when missing; a file that is not
 * a readership database is never written, whatever is in it
 */

static ngx_int_t
ngx_http_news_rs_open(ngx_http_news_rs_t *rs, ngx_log_t *log)
{
    ngx_uint_t       i;
    ngx_err_t        err;
    ngx_file_info_t  fi;

    if (ngx_file_info(rs->path.data, &fi) == NGX_FILE_ERROR) {
        err = ngx_errno;

        if (err != NGX_ENOENT) {
            ngx_log_error(NGX_LOG_ERR, log, err,
                          "news: cannot open readership database \"%V\": "
                          ngx_file_info_n " failed", &rs->path);
            return NGX_ERROR;
        }

        if (ngx_http_news_rs_create(rs, log) != NGX_OK) {
            return NGX_ERROR;
        }

        if (ngx_file_info(rs->path.data, &fi) == NGX_FILE_ERROR) {
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "news: cannot open readership database \"%V\": "
                          ngx_file_info_n " failed", &rs->path);
            return NGX_ERROR;
        }
    }

    if (!ngx_is_file(&fi)) {
        ngx_http_news_rs_refuse(rs, &fi, "is not a file", log);
        return NGX_ERROR;
    }

    /* its first bytes are read before SQLite may write anything to it */
    if (ngx_file_size(&fi) > 0
        && ngx_http_news_rs_header(rs, &fi, log) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (sqlite3_open_v2((char *) rs->path.data, &rs->conn,
                        SQLITE_OPEN_READWRITE|SQLITE_OPEN_NOMUTEX, NULL)
        != SQLITE_OK)
    {
        goto failed;
    }

    if (sqlite3_db_readonly(rs->conn, "main") == 1) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "news: readership database \"%V\" is read-only, "
                      "counts are kept until it can be written",
                      &rs->path);
        ngx_http_news_rs_close(rs);
        return NGX_ERROR;
    }

    /* a busy file is retried at the next flush, not waited for */
    sqlite3_busy_timeout(rs->conn, 100);

    if (ngx_http_news_rs_schema(rs, &fi, log) != NGX_OK) {
        ngx_http_news_rs_close(rs);
        return NGX_ERROR;
    }

    /* readers of the stats page never wait for a flush */
    (void) ngx_http_news_rs_exec(rs, "PRAGMA journal_mode = WAL", log);
    (void) ngx_http_news_rs_exec(rs, "PRAGMA synchronous = NORMAL", log);

    for (i = 0; i < NGX_HTTP_NEWS_RS_STMT_MAX; i++) {
        if (sqlite3_prepare_v2(rs->conn, ngx_http_news_rs_sql[i], -1,
                               &rs->stmt[i], NULL)
            != SQLITE_OK)
        {
            goto failed;
        }
    }

    rs->uniq = ngx_file_uniq(&fi);
    rs->dev = fi.st_dev;

    return NGX_OK;

failed:

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "news: cannot open readership database \"%V\": %s",
                  &rs->path, rs->conn ? sqlite3_errmsg(rs->conn)
                                      : "out of memory");

    ngx_http_news_rs_close(rs);

    return NGX_ERROR;
}


/*
 * a missing file is made whole under a name of this worker's, then linked
 * to its path: another worker sees it complete or not at all, and a file
 * made meanwhile under the path is left alone
 */

static ngx_int_t
ngx_http_news_rs_create(ngx_http_news_rs_t *rs, ngx_log_t *log)
{
    u_char    *tmp;
    sqlite3   *conn;
    ngx_fd_t   fd;
    ngx_err_t  err;
    ngx_int_t  rc;

    tmp = ngx_alloc(rs->path.len + sizeof(".new-") + NGX_INT64_LEN, log);
    if (tmp == NULL) {
        return NGX_ERROR;
    }

    (void) ngx_sprintf(tmp, "%V.new-%P%Z", &rs->path, ngx_pid);

    rc = NGX_ERROR;
    conn = NULL;

    fd = ngx_open_file(tmp, NGX_FILE_WRONLY, NGX_FILE_TRUNCATE,
                       NGX_FILE_DEFAULT_ACCESS);

    if (fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "news: readership database \"%V\" cannot be "
                      "created: " ngx_open_file_n " \"%s\" failed",
                      &rs->path, tmp);
        goto done;
    }

    (void) ngx_close_file(fd);

    if (sqlite3_open_v2((char *) tmp, &conn,
                        SQLITE_OPEN_READWRITE|SQLITE_OPEN_NOMUTEX, NULL)
        != SQLITE_OK
        || sqlite3_exec(conn, news_readership_sql, NULL, NULL, NULL)
           != SQLITE_OK)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "news: readership database \"%V\" cannot be "
                      "created: %s", &rs->path,
                      conn ? sqlite3_errmsg(conn) : "out of memory");
        goto remove;
    }

    if (link((char *) tmp, (char *) rs->path.data) == -1) {
        err = ngx_errno;

        if (err != NGX_EEXIST) {
            ngx_log_error(NGX_LOG_ERR, log, err,
                          "news: readership database \"%V\" cannot be "
                          "created: link() \"%s\" failed", &rs->path, tmp);
            goto remove;
        }

    } else {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "news: created readership database \"%V\"",
                      &rs->path);
    }

    rc = NGX_OK;

remove:

    if (conn != NULL) {
        sqlite3_close(conn);
    }

    (void) ngx_delete_file(tmp);

done:

    ngx_free(tmp);

    return rc;
}


/* a file with data is written to only when it says it is ours */

static ngx_int_t
ngx_http_news_rs_header(ngx_http_news_rs_t *rs, ngx_file_info_t *fi,
    ngx_log_t *log)
{
    u_char    *p;
    ssize_t    n;
    ngx_fd_t   fd;
    u_char     header[100];

    fd = ngx_open_file(rs->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "news: cannot open readership database \"%V\": "
                      ngx_open_file_n " failed", &rs->path);
        return NGX_ERROR;
    }

    n = ngx_read_fd(fd, header, sizeof(header));

    (void) ngx_close_file(fd);

    if (n != (ssize_t) sizeof(header)
        || ngx_memcmp(header, "SQLite format 3", 16) != 0)
    {
        ngx_http_news_rs_refuse(rs, fi, "is not an SQLite database", log);
        return NGX_ERROR;
    }

    /* the application id, big-endian at offset 68 */
    p = &header[68];

    if (((uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
         | (uint32_t) p[2] << 8 | p[3])
        != NGX_HTTP_NEWS_RS_APP_ID)
    {
        ngx_http_news_rs_refuse(rs, fi, "is an SQLite database of "
                                "another kind", log);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * an empty file gets the schema, and a readership file of an earlier
 * version the tables it lacks; checked again in the write transaction, as
 * another worker may be doing the same
 */

static ngx_int_t
ngx_http_news_rs_schema(ngx_http_news_rs_t *rs, ngx_file_info_t *fi,
    ngx_log_t *log)
{
    int  app_id, objects, batches;

    if (ngx_http_news_rs_int(rs, "SELECT count(*) FROM sqlite_master"
                             " WHERE name = 'readership_batch'", &batches)
        != NGX_OK)
    {
        goto failed;
    }

    if (batches) {
        return NGX_OK;
    }

    if (ngx_http_news_rs_exec(rs, "BEGIN IMMEDIATE", log) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_news_rs_int(rs, "PRAGMA application_id", &app_id) != NGX_OK
        || ngx_http_news_rs_int(rs, "SELECT count(*) FROM sqlite_master",
                                &objects)
           != NGX_OK)
    {
        goto failed;
    }

    if (app_id != NGX_HTTP_NEWS_RS_APP_ID && (app_id != 0 || objects != 0)) {
        (void) sqlite3_exec(rs->conn, "ROLLBACK", NULL, NULL, NULL);
        ngx_http_news_rs_refuse(rs, fi, "is an SQLite database of "
                                "another kind", log);
        return NGX_ERROR;
    }

    if (sqlite3_exec(rs->conn, news_readership_sql, NULL, NULL, NULL)
        != SQLITE_OK
        || sqlite3_exec(rs->conn, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
        goto failed;
    }

    if (objects == 0) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "news: created readership database \"%V\"",
                      &rs->path);
    }

    return NGX_OK;

failed:

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "news: cannot open readership database \"%V\": %s",
                  &rs->path, sqlite3_errmsg(rs->conn));

    (void) sqlite3_exec(rs->conn, "ROLLBACK", NULL, NULL, NULL);

    return NGX_ERROR;
}


/* said once for each file refused, not at every flush */

static void
ngx_http_news_rs_refuse(ngx_http_news_rs_t *rs, ngx_file_info_t *fi,
    const char *why, ngx_log_t *log)
{
    if (rs->refused_uniq == ngx_file_uniq(fi) && rs->refused_dev == fi->st_dev)
    {
        return;
    }

    rs->refused_uniq = ngx_file_uniq(fi);
    rs->refused_dev = fi->st_dev;

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "news: \"%V\" %s, not a readership database: it is left "
                  "as it is and nothing is counted to it; counts are kept "
                  "until news_readership db= names a file of its own",
                  &rs->path, why);
}


static ngx_int_t
ngx_http_news_rs_int(ngx_http_news_rs_t *rs, const char *sql, int *value)
{
    int            rc;
    sqlite3_stmt  *stmt;

    if (sqlite3_prepare_v2(rs->conn, sql, -1, &stmt, NULL) != SQLITE_OK) {
        return NGX_ERROR;
    }

    rc = sqlite3_step(stmt);

    if (rc == SQLITE_ROW) {
        *value = sqlite3_column_int(stmt, 0);
    }

    sqlite3_finalize(stmt);

    return rc == SQLITE_ROW ? NGX_OK : NGX_ERROR;
}


/*
 * news_readership db= must not be a news_db: writing to it would make it
 * no content database.  The same path, or the same file by another name
 * (a symbolic or hard link) when it exists.
 */

static char *
ngx_http_news_rs_check_path(ngx_conf_t *cf, ngx_http_news_main_conf_t *mcf)
{
    ngx_uint_t            i, exists;
    ngx_file_info_t       rfi, dfi;
    ngx_http_news_rs_t   *rs;
    ngx_http_news_db_t  **dbp;

    rs = mcf->rs;

    exists = (ngx_file_info(rs->path.data, &rfi) != NGX_FILE_ERROR);

    dbp = mcf->dbs.elts;

    for (i = 0; i < mcf->dbs.nelts; i++) {

        if ((dbp[i]->path.len == rs->path.len
             && ngx_strncmp(dbp[i]->path.data, rs->path.data, rs->path.len)
                == 0)
            || (exists
                && ngx_file_info(dbp[i]->path.data, &dfi) != NGX_FILE_ERROR
                && ngx_file_uniq(&dfi) == ngx_file_uniq(&rfi)
                && dfi.st_dev == rfi.st_dev))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"news_readership\" db=\"%V\" is the file "
                               "of \"news_db %V\": readership needs a "
                               "database of its own",
                               &rs->path, &dbp[i]->path);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static void
ngx_http_news_rs_close(ngx_http_news_rs_t *rs)
{
    ngx_http_news_sqlite_close(&rs->conn, rs->stmt, NGX_HTTP_NEWS_RS_STMT_MAX);
}


static ngx_int_t
ngx_http_news_rs_exec(ngx_http_news_rs_t *rs, const char *sql,
    ngx_log_t *log)
{
    if (sqlite3_exec(rs->conn, sql, NULL, NULL, NULL) != SQLITE_OK) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "news: readership database \"%V\": %s",
                      &rs->path, sqlite3_errmsg(rs->conn));
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_str_t *
ngx_http_news_readership_path(ngx_http_request_t *r)
{
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_news_module);

    return mcf->rs ? &mcf->rs->path : NULL;
}
