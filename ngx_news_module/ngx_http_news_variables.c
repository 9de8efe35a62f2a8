
/*
 * Copyright (C) ngx_news_module authors
 *
 * The $news_* variables, for log_format and anything else: the country
 * and region of the reader (looked up on first use), the infoCode the
 * request is about, and whether the render cache answered it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static ngx_int_t ngx_http_news_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_news_vars[] = {

    { ngx_string("news_country"), NULL, ngx_http_news_variable,
      offsetof(ngx_http_news_ctx_t, country), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("news_region"), NULL, ngx_http_news_variable,
      offsetof(ngx_http_news_ctx_t, region), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("news_info_code"), NULL, ngx_http_news_variable,
      offsetof(ngx_http_news_ctx_t, info_code), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("news_cache_status"), NULL, ngx_http_news_variable,
      offsetof(ngx_http_news_ctx_t, cache_status), NGX_HTTP_VAR_NOCACHEABLE,
      0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_news_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_news_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_news_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    ngx_str_t            *s;
    ngx_http_news_ctx_t  *ctx;

    if (data == offsetof(ngx_http_news_ctx_t, info_code)
        || data == offsetof(ngx_http_news_ctx_t, cache_status))
    {
        ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

    } else {
        ctx = ngx_http_news_locate(r);
    }

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    s = (ngx_str_t *) ((char *) ctx + data);

    v->len = s->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = s->data;

    return NGX_OK;
}
