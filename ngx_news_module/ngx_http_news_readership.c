
/*
 * Copyright (C) ngx_news_module authors
 *
 * Readership: each article view and share redirect is counted, in the
 * log phase, in shared memory by (day, article, region, kind, bot), and
 * the counts are added to a SQLite file of their own in batches, off the
 * request path: from a thread when nginx has threads, every "flush"
 * interval, and at a worker's exit.  This file holds the directives, the
 * counting and the flush's timing; the zone is ngx_http_news_rs_zone.c's,
 * the file ngx_http_news_rs_file.c's.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_readership.h"


static ngx_int_t ngx_http_news_readership_log(ngx_http_request_t *r);
static void ngx_http_news_count(ngx_http_request_t *r, ngx_str_t *code,
    ngx_uint_t kind);
static ngx_int_t ngx_http_news_is_bot(ngx_http_request_t *r,
    ngx_http_news_main_conf_t *mcf);
static void ngx_http_news_rs_flush_handler(ngx_event_t *ev);
#if (NGX_THREADS)
static void ngx_http_news_rs_written(ngx_event_t *ev);
#endif
static char *ngx_http_news_rs_check_path(ngx_conf_t *cf,
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
 * news_readership db= must not be a news_db: writing to it would make it
 * no content database.  The same path, or the same file by another name
 * (a symbolic or hard link) when it exists.
 */

static char *
ngx_http_news_rs_check_path(ngx_conf_t *cf, ngx_http_news_main_conf_t *mcf)
{
    ngx_str_t            *path;
    ngx_uint_t            i, exists;
    ngx_file_info_t       rfi, dfi;
    ngx_http_news_rs_t   *rs;
    ngx_http_news_db_t  **dbp;

    rs = mcf->rs;

    exists = (ngx_file_info(rs->path.data, &rfi) != NGX_FILE_ERROR);

    dbp = mcf->dbs.elts;

    for (i = 0; i < mcf->dbs.nelts; i++) {

        path = ngx_http_news_db_path(dbp[i]);

        if ((path->len == rs->path.len
             && ngx_strncmp(path->data, rs->path.data, rs->path.len) == 0)
            || (exists
                && ngx_file_info(path->data, &dfi) != NGX_FILE_ERROR
                && ngx_file_uniq(&dfi) == ngx_file_uniq(&rfi)
                && dfi.st_dev == rfi.st_dev))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"news_readership\" db=\"%V\" is the file "
                               "of \"news_db %V\": readership needs a "
                               "database of its own",
                               &rs->path, path);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


ngx_str_t *
ngx_http_news_readership_path(ngx_http_request_t *r)
{
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_news_module);

    return mcf->rs ? &mcf->rs->path : NULL;
}
