
/*
 * Copyright (C) ngx_news_module authors
 *
 * The news module: its configuration's making and merging, the log
 * phase's handlers, and the worker start and exit that open and close
 * the content databases (the directives are in ngx_http_news_commands.c).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static ngx_int_t ngx_http_news_init_process(ngx_cycle_t *cycle);
static void ngx_http_news_exit_process(ngx_cycle_t *cycle);
static void *ngx_http_news_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_news_init_main_conf(ngx_conf_t *cf, void *conf);
static ngx_int_t ngx_http_news_postconf(ngx_conf_t *cf);
static void *ngx_http_news_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_news_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);


static ngx_http_module_t  ngx_http_news_module_ctx = {
    ngx_http_news_add_variables,           /* preconfiguration */
    ngx_http_news_postconf,                /* postconfiguration */

    ngx_http_news_create_main_conf,        /* create main configuration */
    ngx_http_news_init_main_conf,          /* init main configuration */

    ngx_http_news_create_srv_conf,         /* create server configuration */
    ngx_http_news_merge_srv_conf,          /* merge server configuration */

    ngx_http_news_create_loc_conf,         /* create location configuration */
    ngx_http_news_merge_loc_conf           /* merge location configuration */
};


ngx_module_t  ngx_http_news_module = {
    NGX_MODULE_V1,
    &ngx_http_news_module_ctx,             /* module context */
    ngx_http_news_commands,                /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_news_init_process,            /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_news_exit_process,            /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_news_init_process(ngx_cycle_t *cycle)
{
    /* SQLite and MaxMind handles never cross fork(): each worker opens */

    if (ngx_http_news_db_open_all(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_news_geo_open(cycle);

    if (ngx_http_news_search_init_worker(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_news_readership_init_worker(cycle);
}


static void
ngx_http_news_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_news_readership_exit_worker(cycle);
    ngx_http_news_search_exit_worker(cycle);
    ngx_http_news_stats_close(cycle);
    ngx_http_news_geo_close(cycle);
    ngx_http_news_db_close_all(cycle);
}


static void *
ngx_http_news_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_news_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    /* before any connection of this configuration is opened */
    ngx_http_news_sqlite_configure();

    if (ngx_array_init(&mcf->dbs, cf->pool, 1, sizeof(ngx_http_news_db_t *))
        != NGX_OK
        || ngx_array_init(&mcf->profiles, cf->pool, 4,
                          sizeof(ngx_http_news_profile_t))
           != NGX_OK
        || ngx_array_init(&mcf->searches, cf->pool, 1,
                          sizeof(ngx_http_news_search_t *))
           != NGX_OK)
    {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     mcf->default_re = NULL;
     *     mcf->default_tpl[] = NULL;
     *     mcf->geo = NULL;
     *     mcf->rs = NULL;
     *     mcf->bot_re = NULL;
     *     mcf->node = { 0, NULL };
     *     mcf->tz_local = 0;
     */

    mcf->tz_offset = NGX_CONF_UNSET;
    mcf->busy_timeout = NGX_CONF_UNSET_MSEC;
    mcf->cache_size = NGX_CONF_UNSET_SIZE;

    return mcf;
}


static char *
ngx_http_news_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_news_main_conf_t *mcf = conf;

    /* a locked database is waited for this long, blocking the worker */
    ngx_conf_init_msec_value(mcf->busy_timeout, 50);
    ngx_conf_init_size_value(mcf->cache_size, 16 * 1024 * 1024);

    if (ngx_http_news_db_cache_zones(cf, mcf->cache_size) != NGX_OK
        || ngx_http_news_metrics_zone(cf) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_news_readership_init_conf(cf, mcf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_news_most_read_init_conf(cf, mcf);
}


/*
 * the log phase's handlers: requests counted for news_metrics, and views
 * and shares when news_readership is on (rs_count.c)
 */

static ngx_int_t
ngx_http_news_postconf(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_news_main_conf_t  *mcf;
    ngx_http_core_main_conf_t  *cmcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_news_module);
    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_news_metrics_log;

    if (mcf->rs == NULL) {
        /* nothing is counted: no readership handler in the log phase */
        return NGX_OK;
    }

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_news_readership_log;

    return NGX_OK;
}


static void *
ngx_http_news_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_news_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_news_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->db = NULL;
     *     conf->info_code_re = NULL;
     *     conf->tpl[] = NULL;
     *     conf->handler = NULL;
     */

    conf->base_url = NGX_CONF_UNSET_PTR;
    conf->cache_tags = NGX_CONF_UNSET;
    conf->descendants = NGX_CONF_UNSET;
    conf->feed_size = NGX_CONF_UNSET_UINT;
    conf->feed_links = NGX_CONF_UNSET_PTR;
    conf->share_redirect = NGX_CONF_UNSET_UINT;
    conf->page_size = NGX_CONF_UNSET_UINT;
    conf->most_read_days = NGX_CONF_UNSET_UINT;
    conf->sitemap_size = NGX_CONF_UNSET;
    conf->robots_sitemaps = NGX_CONF_UNSET_PTR;
    conf->search = NGX_CONF_UNSET_PTR;
    conf->metrics_kind = NGX_HTTP_NEWS_METRICS_KINDS;

    return conf;
}


static char *
ngx_http_news_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_news_loc_conf_t *prev = parent;
    ngx_http_news_loc_conf_t *conf = child;

    ngx_uint_t                  i, kinds;
    ngx_http_news_main_conf_t  *mcf;

    if (conf->db == NULL) {
        conf->db = prev->db;
    }

    if (conf->info_code_re == NULL) {
        conf->info_code_re = prev->info_code_re;
    }

    ngx_conf_merge_ptr_value(conf->base_url, prev->base_url, NULL);
    ngx_conf_merge_value(conf->cache_tags, prev->cache_tags, 0);
    ngx_conf_merge_value(conf->descendants, prev->descendants, 1);
    ngx_conf_merge_uint_value(conf->feed_size, prev->feed_size, 20);
    ngx_conf_merge_str_value(conf->websub_hub, prev->websub_hub, "");
    ngx_conf_merge_ptr_value(conf->feed_links, prev->feed_links, NULL);
    ngx_conf_merge_str_value(conf->site_name, prev->site_name, "");
    ngx_conf_merge_str_value(conf->language, prev->language, "zh-CN");
    ngx_conf_merge_str_value(conf->footer, prev->footer, "");
    ngx_conf_merge_str_value(conf->default_image, prev->default_image, "");
    ngx_conf_merge_str_value(conf->share_qr[0], prev->share_qr[0], "");
    ngx_conf_merge_str_value(conf->share_qr[1], prev->share_qr[1],
                             "/html_News/NewsShare.html");

    if (conf->preview_secret.data == NULL) {
        conf->preview_secret = prev->preview_secret;
    }

    for (i = 0; i < 3; i++) {
        if (conf->cache_control[i].data == NULL) {
            conf->cache_control[i] = prev->cache_control[i];
        }
    }
    ngx_conf_merge_uint_value(conf->share_redirect, prev->share_redirect,
                              NGX_HTTP_MOVED_TEMPORARILY);
    ngx_conf_merge_uint_value(conf->page_size, prev->page_size, 20);
    ngx_conf_merge_value(conf->sitemap_size, prev->sitemap_size, 50000);
    ngx_conf_merge_ptr_value(conf->robots_sitemaps, prev->robots_sitemaps,
                             NULL);

    if (conf->robots_extra.data == NULL) {
        conf->robots_extra = prev->robots_extra;
        conf->robots_time = prev->robots_time;
    }

    if (conf->most_read_days == NGX_CONF_UNSET_UINT) {
        conf->most_read_days = prev->most_read_days;
        conf->most_read_count = prev->most_read_count;
        conf->most_read_region = prev->most_read_region;
    }

    if (conf->most_read_days == NGX_CONF_UNSET_UINT) {
        conf->most_read_days = 0;
    }

    for (i = 0; i < NGX_HTTP_NEWS_TPL_MAX; i++) {
        if (conf->tpl[i] == NULL) {
            conf->tpl[i] = prev->tpl[i];
        }
    }

    ngx_conf_merge_str_value(conf->search_form, prev->search_form, "");

    if (ngx_http_news_search_merge(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    /* what its requests count as in news_metrics, found once */
    conf->metrics_kind = ngx_http_news_metrics_kind(conf->handler);

    if (conf->handler == NULL) {
        return NGX_CONF_OK;
    }

    if (ngx_http_news_site_conf(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_news_module);

    if (conf->handler == ngx_http_news_stats_handler && mcf->rs == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"news_stats\" requires \"news_readership\"");
        return NGX_CONF_ERROR;
    }

    if (conf->handler == ngx_http_news_search_handler
        && conf->search == NULL)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"news_search\" requires \"news_search_index\"");
        return NGX_CONF_ERROR;
    }

    if (conf->db == NULL && conf->handler != ngx_http_news_stats_handler) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "news location requires \"news_db\"");
        return NGX_CONF_ERROR;
    }

    if (conf->info_code_re == NULL) {
        conf->info_code_re = ngx_http_news_info_code_regex(cf, NULL);
        if (conf->info_code_re == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    /* the stats page needs its own template and the error page only */

    kinds = (conf->handler == ngx_http_news_stats_handler)
            ? (1 << NGX_HTTP_NEWS_TPL_STATS) | (1 << NGX_HTTP_NEWS_TPL_ERROR)
            : (1 << NGX_HTTP_NEWS_TPL_ARTICLE)
              | (1 << NGX_HTTP_NEWS_TPL_CATEGORY)
              | (1 << NGX_HTTP_NEWS_TPL_INDEX)
              | (1 << NGX_HTTP_NEWS_TPL_TAG)
              | (1 << NGX_HTTP_NEWS_TPL_SEARCH)
              | (1 << NGX_HTTP_NEWS_TPL_ERROR);

    if (ngx_http_news_default_templates(cf, conf, kinds) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_news_profile(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
