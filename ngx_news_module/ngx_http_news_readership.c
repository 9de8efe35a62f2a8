
/*
 * Copyright (C) ngx_news_module authors
 *
 * Readership: each article view and share redirect is counted in shared
 * memory by (day, article, region, kind, bot), and the counts are added
 * to a SQLite file of their own in batches, off the request path: from a
 * thread when nginx has threads, every "flush" interval, and at a worker's
 * exit.  A batch that cannot be written goes back into the zone.
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

#define NGX_HTTP_NEWS_RS_ADD          0
#define NGX_HTTP_NEWS_RS_ADD_LOST     1
#define NGX_HTTP_NEWS_RS_STMT_MAX     2

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
    uint64_t                    count;
    u_char                      key[1];
} ngx_http_news_rs_node_t;


typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 queue;
    ngx_uint_t                  nodes;
    uint64_t                    lost;       /* found the zone full */
    time_t                      full_logged;
} ngx_http_news_rs_sh_t;


/* a count taken out of the zone, on its way to the database */
typedef struct {
    uint64_t                    count;
    u_char                      len;
    u_char                      key[NGX_HTTP_NEWS_RS_KEY_MAX];
} ngx_http_news_rs_rec_t;


typedef struct {
    ngx_http_news_rs_rec_t     *recs;
    ngx_uint_t                  n;
    uint64_t                    lost;
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
    " ON CONFLICT (node, day) DO UPDATE SET count = count + excluded.count"
};


static ngx_int_t ngx_http_news_rs_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_news_rs_add_locked(ngx_http_news_rs_t *rs,
    u_char *key, size_t len, uint64_t count);
static ngx_int_t ngx_http_news_rs_take(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_batch_t *batch);
static void ngx_http_news_rs_give_back(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_batch_t *batch);
static void ngx_http_news_rs_flush_handler(ngx_event_t *ev);
static void ngx_http_news_rs_write(void *data, ngx_log_t *log);
#if (NGX_THREADS)
static void ngx_http_news_rs_written(ngx_event_t *ev);
#endif
static ngx_int_t ngx_http_news_rs_open(ngx_http_news_rs_t *rs,
    ngx_log_t *log);
static void ngx_http_news_rs_close(ngx_http_news_rs_t *rs);
static ngx_int_t ngx_http_news_rs_exec(ngx_http_news_rs_t *rs,
    const char *sql, ngx_log_t *log);
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

    ngx_rbtree_insert(&rs->sh->rbtree, &rn->sn.node);
    ngx_queue_insert_head(&rs->sh->queue, &rn->queue);
    rs->sh->nodes++;

    return NGX_OK;
}


/*
 * counts one view or share of an article; the zone is locked for a tree
 * lookup and, the first time a key is seen that day, one allocation
 */

void
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

    if (ngx_http_news_rs_take(rs, &rs->batch) == NGX_OK) {
        ngx_http_news_rs_write(rs, cycle->log);
    }

    ngx_free(rs->batch.recs);
    rs->batch.recs = NULL;

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
 * moves the zone's counts into a batch, so that the zone is free for new
 * counts while the batch is written; NGX_DECLINED when there is nothing
 */

static ngx_int_t
ngx_http_news_rs_take(ngx_http_news_rs_t *rs, ngx_http_news_rs_batch_t *batch)
{
    ngx_uint_t                n, max;
    ngx_queue_t              *q;
    ngx_http_news_rs_rec_t   *rec;
    ngx_http_news_rs_node_t  *rn;

    ngx_shmtx_lock(&rs->shpool->mutex);
    max = rs->sh->nodes;
    n = rs->sh->lost;
    ngx_shmtx_unlock(&rs->shpool->mutex);

    if (max == 0 && n == 0) {
        return NGX_DECLINED;
    }

    batch->recs = NULL;

    if (max) {
        batch->recs = ngx_alloc(max * sizeof(ngx_http_news_rs_rec_t),
                                rs->log);
        if (batch->recs == NULL) {
            return NGX_ERROR;
        }
    }

    n = 0;

    ngx_shmtx_lock(&rs->shpool->mutex);

    while (n < max && !ngx_queue_empty(&rs->sh->queue)) {
        q = ngx_queue_last(&rs->sh->queue);
        rn = ngx_queue_data(q, ngx_http_news_rs_node_t, queue);

        rec = &batch->recs[n++];
        rec->count = rn->count;
        rec->len = (u_char) rn->sn.str.len;
        ngx_memcpy(rec->key, rn->key, rn->sn.str.len);

        ngx_queue_remove(q);
        ngx_rbtree_delete(&rs->sh->rbtree, &rn->sn.node);
        ngx_slab_free_locked(rs->shpool, rn);
        rs->sh->nodes--;
    }

    batch->lost = rs->sh->lost;
    rs->sh->lost = 0;

    ngx_shmtx_unlock(&rs->shpool->mutex);

    batch->n = n;

    /* counts lost to a full zone are filed under the day they are written */
    ngx_http_news_day(rs->mcf, ngx_time(), batch->day);

    return NGX_OK;
}


static void
ngx_http_news_rs_give_back(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_batch_t *batch)
{
    ngx_uint_t  i;

    ngx_shmtx_lock(&rs->shpool->mutex);

    for (i = 0; i < batch->n; i++) {
        (void) ngx_http_news_rs_add_locked(rs, batch->recs[i].key,
                                           batch->recs[i].len,
                                           batch->recs[i].count);
    }

    rs->sh->lost += batch->lost;

    ngx_shmtx_unlock(&rs->shpool->mutex);

    batch->n = 0;
    batch->lost = 0;
}


/*
 * writes rs->batch in one transaction: in a thread of the pool, or at exit;
 * on failure the batch goes back to the zone for the next flush
 */

static void
ngx_http_news_rs_write(void *data, ngx_log_t *log)
{
    ngx_http_news_rs_t *rs = data;

    u_char                    *k;
    ngx_uint_t                 i;
    sqlite3_stmt              *stmt;
    ngx_http_news_rs_rec_t    *rec;
    ngx_http_news_rs_batch_t  *batch;

    batch = &rs->batch;

    if (rs->conn == NULL && ngx_http_news_rs_open(rs, log) != NGX_OK) {
        goto failed;
    }

    if (ngx_http_news_rs_exec(rs, "BEGIN IMMEDIATE", log) != NGX_OK) {
        goto failed;
    }

    stmt = rs->stmt[NGX_HTTP_NEWS_RS_ADD];

    for (i = 0; i < batch->n; i++) {
        rec = &batch->recs[i];
        k = rec->key;

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

    if (ngx_http_news_rs_exec(rs, "COMMIT", log) != NGX_OK) {
        goto rollback;
    }

    return;

rollback:

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "news: writing readership to \"%V\" failed: %s",
                  &rs->path, sqlite3_errmsg(rs->conn));

    sqlite3_reset(stmt);
    (void) ngx_http_news_rs_exec(rs, "ROLLBACK", log);

failed:

    ngx_log_error(NGX_LOG_WARN, log, 0,
                  "news: %ui readership counts kept for the next flush",
                  batch->n);

    ngx_http_news_rs_give_back(rs, batch);
}


static ngx_int_t
ngx_http_news_rs_open(ngx_http_news_rs_t *rs, ngx_log_t *log)
{
    int            app_id;
    ngx_uint_t     i;
    sqlite3_stmt  *stmt;

    if (sqlite3_open_v2((char *) rs->path.data, &rs->conn,
                        SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE
                        |SQLITE_OPEN_NOMUTEX, NULL)
        != SQLITE_OK)
    {
        goto failed;
    }

    /* a busy file is retried at the next flush, not waited for */
    sqlite3_busy_timeout(rs->conn, 100);

    if (sqlite3_prepare_v2(rs->conn, "PRAGMA application_id", -1, &stmt,
                           NULL)
        != SQLITE_OK)
    {
        goto failed;
    }

    app_id = (sqlite3_step(stmt) == SQLITE_ROW)
             ? sqlite3_column_int(stmt, 0) : -1;

    sqlite3_finalize(stmt);

    if (app_id == 0) {
        if (ngx_http_news_rs_exec(rs, news_readership_sql, log) != NGX_OK) {
            goto failed;
        }

        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "news: created readership database \"%V\"",
                      &rs->path);

    } else if (app_id != NGX_HTTP_NEWS_RS_APP_ID) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "news: \"%V\" is not a readership database",
                      &rs->path);
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

    return NGX_OK;

failed:

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "news: cannot open readership database \"%V\": %s",
                  &rs->path, rs->conn ? sqlite3_errmsg(rs->conn)
                                      : "out of memory");

    ngx_http_news_rs_close(rs);

    return NGX_ERROR;
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
