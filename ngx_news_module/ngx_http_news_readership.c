
/*
 * Copyright (C) ngx_news_module authors
 *
 * Readership: each article view and share redirect is counted, in the
 * log phase, in shared memory by (day, article, region, kind, bot), and
 * the counts are added to a SQLite file of their own in batches, off the
 * request path: from a thread when nginx has threads, every "flush"
 * interval, and at a worker's exit.  This file holds the directives and
 * the flush's timing; the counting is ngx_http_news_rs_count.c's, the zone
 * ngx_http_news_rs_zone.c's, the file ngx_http_news_rs_file.c's.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_readership.h"


static void ngx_http_news_rs_flush_handler(ngx_event_t *ev);
static void ngx_http_news_rs_work(void *data, ngx_log_t *log);
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

    ngx_rbtree_init(&rs->known, &rs->known_sentinel,
                    ngx_str_rbtree_insert_value);

#if (NGX_THREADS)
    rs->thread_pool = ngx_thread_pool_get(cycle, &name);

    rs->task = ngx_thread_task_alloc(cycle->pool, 0);
    if (rs->task == NULL) {
        return NGX_ERROR;
    }

    rs->task->ctx = rs;
    rs->task->handler = ngx_http_news_rs_work;
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

    ngx_http_news_most_read_init_worker(cycle);

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

    if (rs->busy) {
        return;
    }

    /* the most-read lists are refreshed after the batch, by one worker */
    rs->taken = (ngx_http_news_rs_take(rs, &rs->batch) == NGX_OK);
    rs->refresh = ngx_http_news_most_read_due(rs);

    if (!rs->taken && !rs->refresh) {
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

    ngx_http_news_rs_work(rs, ev->log);

    ngx_free(rs->batch.recs);
    rs->batch.recs = NULL;
    rs->busy = 0;
}


/*
 * the zone fills faster than flushes empty it: the next flush is made
 * now (by the timer, at once), unless one is being written
 */

void
ngx_http_news_rs_flush_soon(ngx_http_news_rs_t *rs)
{
    if (rs->busy || !rs->timer.timer_set
        || ngx_exiting || ngx_terminate || ngx_quit)
    {
        return;
    }

    ngx_add_timer(&rs->timer, 1);
}


/* a flush's work, in a thread of the pool or in the event loop */

static void
ngx_http_news_rs_work(void *data, ngx_log_t *log)
{
    ngx_http_news_rs_t *rs = data;

    if (rs->taken) {
        ngx_http_news_rs_write(rs, log);
    }

    if (rs->refresh) {
        ngx_http_news_most_read_update(rs, log);
    }
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
