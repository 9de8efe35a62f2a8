
/*
 * Copyright (C) ngx_news_module authors
 *
 * What the directives of the content and the readership parts share: a
 * regular expression compiled at configuration time, its error named in
 * the "nginx -t" line.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


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
