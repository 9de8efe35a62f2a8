
/*
 * Copyright (C) ngx_news_module authors
 *
 * The setters of the content directives that take more than a slot
 * (news_db, the handlers, news_share_redirect, news_info_code_pattern,
 * news_cache), and what the content and readership directives share: a
 * regular expression compiled at configuration time, its error named in
 * the "nginx -t" line.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


/* the schema's CHECK on posts.info_code, as a regex (sql/gen_defs.sh) */
#define NGX_HTTP_NEWS_DEFAULT_PATTERN  NEWS_INFO_CODE_PATTERN


ngx_regex_t *
ngx_http_news_regex_compile(ngx_conf_t *cf, ngx_str_t *pattern,
    ngx_int_t options)
{
    u_char               errstr[NGX_MAX_CONF_ERRSTR];
    ngx_regex_compile_t  rc;

    ngx_memzero(&rc, sizeof(ngx_regex_compile_t));

    rc.pattern = *pattern;
    rc.options = options;
    rc.pool = cf->pool;
    rc.err.len = NGX_MAX_CONF_ERRSTR;
    rc.err.data = errstr;

    if (ngx_regex_compile(&rc) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%V", &rc.err);
        return NULL;
    }

    return rc.regex;
}


char *
ngx_http_news_db(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   snapshot;

    if (nlcf->db != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    snapshot = 0;

    if (cf->args->nelts == 3) {
        if (ngx_strcmp(value[2].data, "snapshot") != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\", it must be "
                               "\"snapshot\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        snapshot = 1;
    }

    nlcf->db = ngx_http_news_db_add(cf, &value[1], snapshot);
    if (nlcf->db == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_news_handler_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (nlcf->handler != NULL) {
        return "is duplicate";
    }

    nlcf->handler = (ngx_http_handler_pt) cmd->post;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = nlcf->handler;

    return NGX_CONF_OK;
}


char *
ngx_http_news_share_redirect(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (nlcf->share_redirect != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        nlcf->share_redirect = 0;
        return NGX_CONF_OK;
    }

    n = ngx_atoi(value[1].data, value[1].len);

    if (n != NGX_HTTP_MOVED_PERMANENTLY
        && n != NGX_HTTP_MOVED_TEMPORARILY
        && n != NGX_HTTP_TEMPORARY_REDIRECT)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", "
                           "it must be 301, 302, 307 or \"off\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    nlcf->share_redirect = n;

    return NGX_CONF_OK;
}


char *
ngx_http_news_info_code_pattern(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t  *value;

    if (nlcf->info_code_re != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    nlcf->info_code_re = ngx_http_news_info_code_regex(cf, &value[1]);
    if (nlcf->info_code_re == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* pattern NULL: the default pattern, compiled once per configuration */

ngx_regex_t *
ngx_http_news_info_code_regex(ngx_conf_t *cf, ngx_str_t *pattern)
{
    ngx_str_t                   dflt;
    ngx_http_news_main_conf_t  *mcf;

    if (pattern != NULL) {
        return ngx_http_news_regex_compile(cf, pattern, 0);
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_news_module);

    if (mcf->default_re == NULL) {
        ngx_str_set(&dflt, NGX_HTTP_NEWS_DEFAULT_PATTERN);
        mcf->default_re = ngx_http_news_regex_compile(cf, &dflt, 0);
    }

    return mcf->default_re;
}


char *
ngx_http_news_cache_size(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_main_conf_t *mcf = conf;

    ssize_t     size;
    ngx_str_t  *value;

    if (mcf->cache_size != NGX_CONF_UNSET_SIZE) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        mcf->cache_size = 0;
        return NGX_CONF_OK;
    }

    size = ngx_parse_size(&value[1]);

    if (size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", it must be a size "
                           "or \"off\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    mcf->cache_size = size;

    return NGX_CONF_OK;
}
