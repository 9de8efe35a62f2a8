
/*
 * Copyright (C) ngx_news_module authors
 *
 * Most read: the articles with the most human views over the last day or
 * week, of all readers or of the reader's region (news_most_read).  The
 * lists are made off the request path: once a refresh interval one
 * worker's flush, in the flush's thread, reads them from the readership
 * file into the readership zone and moves a generation, which every
 * worker looks at once a second to forget its cached pages when it moved.
 * The zone holds infoCodes only: a render looks their titles up in its
 * content database, so a post deleted or unpublished is never listed.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_sqlite.h"
#include "ngx_http_news_readership.h"
#include "ngx_http_news_most_read.h"


static ngx_http_news_most_read_t *ngx_http_news_most_read_get(
    ngx_conf_t *cf);
static void ngx_http_news_most_read_check(ngx_event_t *ev);
static ngx_int_t ngx_http_news_mr_codes(ngx_http_request_t *r,
    ngx_http_news_rs_t *rs, ngx_uint_t days, ngx_str_t *region,
    ngx_array_t *codes);


static ngx_str_t  ngx_http_news_mr_ol = ngx_string("ol class=\"most-read\"");


char *
ngx_http_news_most_read(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t                  *value, s;
    ngx_int_t                   n;
    ngx_uint_t                  i, days, count, region;
    ngx_http_news_most_read_t  *mr;

    if (nlcf->most_read_days != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        nlcf->most_read_days = 0;
        return NGX_CONF_OK;
    }

    days = 1;
    count = 10;
    region = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strcmp(value[i].data, "period=1d") == 0) {
            days = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "period=7d") == 0) {
            days = 7;
            continue;
        }

        if (ngx_strncmp(value[i].data, "count=", 6) == 0) {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            n = ngx_atoi(s.data, s.len);

            if (n < 1 || n > NGX_HTTP_NEWS_MR_COUNT_MAX) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid value \"%V\", it must be "
                                   "a number from 1 to %d", &value[i],
                                   NGX_HTTP_NEWS_MR_COUNT_MAX);
                return NGX_CONF_ERROR;
            }

            count = n;
            continue;
        }

        if (ngx_strcmp(value[i].data, "region") == 0) {
            region = 1;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    mr = ngx_http_news_most_read_get(cf);
    if (mr == NULL) {
        return NGX_CONF_ERROR;
    }

    /* what the refresh makes: the lists some location shows, long enough */

    mr->lists |= (region ? NGX_HTTP_NEWS_MR_REGION : NGX_HTTP_NEWS_MR_ALL)
                 << (days == 1 ? 0 : 2);
    mr->count = ngx_max(mr->count, count + NGX_HTTP_NEWS_MR_SLACK);

    nlcf->most_read_days = days;
    nlcf->most_read_count = count;
    nlcf->most_read_region = region;

    return NGX_CONF_OK;
}


char *
ngx_http_news_most_read_refresh(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_str_t                  *value;
    ngx_msec_t                  refresh;
    ngx_http_news_most_read_t  *mr;

    mr = ngx_http_news_most_read_get(cf);
    if (mr == NULL) {
        return NGX_CONF_ERROR;
    }

    if (mr->refresh != NGX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;

    refresh = ngx_parse_time(&value[1], 0);

    if (refresh == (ngx_msec_t) NGX_ERROR || refresh < 1000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", "
                           "it must be a time of 1s or more", &value[1]);
        return NGX_CONF_ERROR;
    }

    mr->refresh = refresh;

    return NGX_CONF_OK;
}


static ngx_http_news_most_read_t *
ngx_http_news_most_read_get(ngx_conf_t *cf)
{
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_news_module);

    if (mcf->most_read == NULL) {
        mcf->most_read = ngx_pcalloc(cf->pool,
                                     sizeof(ngx_http_news_most_read_t));
        if (mcf->most_read == NULL) {
            return NULL;
        }

        /*
         * set by ngx_pcalloc():
         *
         *     mr->lists = 0;
         *     mr->count = 0;
         *     mr->rs = NULL;
         */

        mcf->most_read->refresh = NGX_CONF_UNSET_MSEC;
    }

    return mcf->most_read;
}


char *
ngx_http_news_most_read_init_conf(ngx_conf_t *cf,
    ngx_http_news_main_conf_t *mcf)
{
    ngx_http_news_most_read_t  *mr;

    mr = mcf->most_read;

    if (mr == NULL) {
        return NGX_CONF_OK;
    }

    ngx_conf_init_msec_value(mr->refresh, 60000);

    if (mr->lists && mcf->rs == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"news_most_read\" needs \"news_readership\"");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


void
ngx_http_news_most_read_init_worker(ngx_cycle_t *cycle)
{
    ngx_http_news_most_read_t  *mr;
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_news_module);

    mr = mcf->most_read;

    if (mr == NULL || mr->lists == 0 || mcf->rs == NULL
        || mcf->rs->sh == NULL)
    {
        return;
    }

    mr->rs = mcf->rs;

    /* a worker starts with an empty cache: no page shows an older list */
    mr->gen = mr->rs->sh->most_read.gen;

    mr->check.handler = ngx_http_news_most_read_check;
    mr->check.data = mr;
    mr->check.log = cycle->log;
    mr->check.cancelable = 1;

    ngx_add_timer(&mr->check, NGX_HTTP_NEWS_MR_CHECK);
}


/*
 * once a second: the lists changed, so the pages that show them go, as on
 * a change of the content database; a word read without the lock, as its
 * writer moves it with the lock held
 */

static void
ngx_http_news_most_read_check(ngx_event_t *ev)
{
    ngx_uint_t                  i;
    ngx_atomic_uint_t           gen;
    ngx_http_news_db_t        **dbp;
    ngx_http_news_most_read_t  *mr;

    mr = ev->data;

    gen = mr->rs->sh->most_read.gen;

    if (gen != mr->gen) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                       "news most read: generation %uA, was %uA: "
                       "cache emptied", gen, mr->gen);

        mr->gen = gen;
        dbp = mr->rs->mcf->dbs.elts;

        for (i = 0; i < mr->rs->mcf->dbs.nelts; i++) {
            ngx_http_news_cache_flush(ngx_http_news_db_cache(dbp[i]));
        }
    }

    ngx_add_timer(ev, NGX_HTTP_NEWS_MR_CHECK);
}


/*
 * at a flush: whether this worker refreshes the lists now; the first of
 * the workers to flush after the interval does, once.  The days and the
 * weight are worked out here, in the event loop, for the thread.
 */

ngx_uint_t
ngx_http_news_most_read_due(ngx_http_news_rs_t *rs)
{
    time_t                      now;
    ngx_int_t                   offset;
    ngx_uint_t                  due;
    ngx_http_news_mr_sh_t      *sh;
    ngx_http_news_most_read_t  *mr;

    mr = rs->mcf->most_read;

    if (mr == NULL || mr->lists == 0) {
        return 0;
    }

    now = ngx_time();
    sh = &rs->sh->most_read;

    ngx_shmtx_lock(&rs->shpool->mutex);

    due = (now >= sh->next);

    if (due) {
        sh->next = now + (time_t) (mr->refresh / 1000);
    }

    ngx_shmtx_unlock(&rs->shpool->mutex);

    if (!due) {
        return 0;
    }

    ngx_http_news_day(rs->mcf, now - 86400, mr->first[0]);
    ngx_http_news_day(rs->mcf, now - 7 * 86400, mr->first[1]);
    ngx_http_news_day(rs->mcf, now, mr->today);

    offset = rs->mcf->tz_local ? ngx_cached_time->gmtoff
                               : rs->mcf->tz_offset;

    mr->weight = 1.0 - (double) ((now + offset * 60) % 86400) / 86400;

    return 1;
}


/*
 * what a page with a list is kept under, beside its URL: the list's
 * settings, and the reader's region when the list is the region's; left
 * in the request's context for ngx_http_news_cache_key(), which the
 * handlers of such pages call next
 */

ngx_int_t
ngx_http_news_most_read_variant(ngx_http_request_t *r)
{
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (nlcf->most_read_days == 0) {
        return NGX_OK;
    }

    ctx = nlcf->most_read_region ? ngx_http_news_locate(r)
                                 : ngx_http_news_get_ctx(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, 64);

    ngx_http_news_out_lit(&out, "\0m");
    ngx_http_news_out_uint(&out, nlcf->most_read_days);
    ngx_http_news_out_lit(&out, ".");
    ngx_http_news_out_uint(&out, nlcf->most_read_count);

    if (nlcf->most_read_region) {
        ngx_http_news_out_lit(&out, "\0");
        ngx_http_news_out_add(&out, ctx->region.data, ctx->region.len);
    }

    return ngx_http_news_out_str(&out, &ctx->cache_variant);
}


/*
 * {{most_read}}: the list's codes from the zone, their posts from the
 * content database (a render is cached: a point lookup a code, on a miss
 * only); codes of posts not out, or not in this database, are passed
 * over, and an old code that leads to a post listed already
 */

ngx_int_t
ngx_http_news_render_most_read(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_str_t *html)
{
    ngx_int_t                   rc;
    ngx_str_t                  *code, region;
    ngx_uint_t                  i, j;
    ngx_array_t                 codes, posts;
    ngx_http_news_ctx_t        *ctx;
    ngx_http_news_post_t       *post, *listed;
    ngx_http_news_loc_conf_t   *nlcf;
    ngx_http_news_main_conf_t  *mcf;

    ngx_str_null(html);

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);
    mcf = ngx_http_get_module_main_conf(r, ngx_http_news_module);

    if (nlcf->most_read_days == 0 || mcf->rs == NULL || mcf->rs->sh == NULL) {
        return NGX_OK;
    }

    ngx_str_null(&region);

    if (nlcf->most_read_region) {
        ctx = ngx_http_news_locate(r);
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        region = ctx->region;
    }

    if (ngx_array_init(&codes, r->pool, 16, sizeof(ngx_str_t)) != NGX_OK
        || ngx_array_init(&posts, r->pool, nlcf->most_read_count,
                          sizeof(ngx_http_news_post_t))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_news_mr_codes(r, mcf->rs, nlcf->most_read_days, &region,
                               &codes)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    code = codes.elts;

    for (i = 0; i < codes.nelts && posts.nelts < nlcf->most_read_count; i++) {

        post = ngx_array_push(&posts);
        if (post == NULL) {
            return NGX_ERROR;
        }

        ngx_memzero(post, sizeof(ngx_http_news_post_t));

        ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_CODE,
                              ngx_crc32_short(code[i].data, code[i].len));

        rc = ngx_http_news_db_post_link(r, db, &code[i], post);

        if (rc == NGX_OK && post->status == NGX_HTTP_NEWS_STATUS_PUBLISHED) {
            listed = posts.elts;

            for (j = 0; j < posts.nelts - 1; j++) {
                if (listed[j].info_code.len == post->info_code.len
                    && ngx_strncmp(listed[j].info_code.data,
                                   post->info_code.data,
                                   post->info_code.len)
                       == 0)
                {
                    break;
                }
            }

            if (j == posts.nelts - 1) {
                continue;
            }

        } else if (rc != NGX_OK && rc != NGX_DECLINED) {
            return rc;
        }

        posts.nelts--;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news most read: %ui of %ui codes listed",
                   posts.nelts, codes.nelts);

    if (posts.nelts == 0) {
        return NGX_OK;
    }

    return ngx_http_news_render_links(r, &posts, &ngx_http_news_mr_ol, html);
}


/* the codes of a list, copied out of the zone with its lock held briefly */

static ngx_int_t
ngx_http_news_mr_codes(ngx_http_request_t *r, ngx_http_news_rs_t *rs,
    ngx_uint_t days, ngx_str_t *region, ngx_array_t *codes)
{
    u_char                  copy[NGX_HTTP_NEWS_MR_RECORD_MAX];
    u_char                 *p, *last, *q;
    size_t                  len;
    ngx_str_t              *code;
    ngx_uint_t              n;
    ngx_http_news_mr_sh_t  *sh;

    sh = &rs->sh->most_read;
    len = 0;

    ngx_shmtx_lock(&rs->shpool->mutex);

    p = sh->lists;
    last = p ? p + sh->len : NULL;

    while (p && p + 3 <= last) {
        q = p + 3 + p[1];

        for (n = p[2 + p[1]]; n; n--) {
            q += 1 + q[0];
        }

        if (p[0] == days && p[1] == region->len
            && (region->len == 0
                || ngx_memcmp(p + 2, region->data, region->len) == 0))
        {
            len = ngx_min((size_t) (q - p), sizeof(copy));
            ngx_memcpy(copy, p, len);
            break;
        }

        p = q;
    }

    ngx_shmtx_unlock(&rs->shpool->mutex);

    if (len < 3) {
        return NGX_OK;
    }

    /* made by this module, at most NGX_HTTP_NEWS_MR_RECORD_MAX: it holds */

    p = copy + 3 + copy[1];
    last = copy + len;

    for (n = copy[2 + copy[1]]; n && p < last; n--) {
        code = ngx_array_push(codes);
        if (code == NULL) {
            return NGX_ERROR;
        }

        code->len = p[0];
        code->data = ngx_pnalloc(r->pool, code->len);
        if (code->data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(code->data, p + 1, code->len);
        p += 1 + p[0];
    }

    return NGX_OK;
}
