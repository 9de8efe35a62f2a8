
/*
 * Copyright (C) ngx_news_module authors
 *
 * What a request is about, found once and kept in its context: the
 * infoCode of its article or share link, its base URL, its page's cache
 * key, what it is to be counted as, what its page is made of; and where
 * its reader is, filled in by the geo lookup.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


ngx_http_news_ctx_t *
ngx_http_news_get_ctx(ngx_http_request_t *r)
{
    ngx_http_news_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_news_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_news_module);
    }

    return ctx;
}


/* what the request is about, for $news_info_code */

void
ngx_http_news_set_info_code(ngx_http_request_t *r, ngx_str_t *code)
{
    ngx_http_news_ctx_t  *ctx;

    ctx = ngx_http_news_get_ctx(r);

    if (ctx != NULL) {
        ctx->info_code = *code;
    }
}


/*
 * what the request is to be counted as, a view or a share of a post (its
 * code now, after any old code it was asked by); the log phase counts it
 * once the answer is known
 */

void
ngx_http_news_set_counted(ngx_http_request_t *r, ngx_str_t *code,
    ngx_uint_t kind)
{
    ngx_http_news_ctx_t  *ctx;

    ctx = ngx_http_news_get_ctx(r);

    if (ctx != NULL) {
        ctx->counted_code = *code;
        ctx->counted = kind + 1;
    }
}


/* the category an error page of this request links back to */

void
ngx_http_news_set_back(ngx_http_request_t *r, ngx_str_t *slug,
    ngx_str_t *name)
{
    ngx_http_news_ctx_t  *ctx;

    ctx = ngx_http_news_get_ctx(r);

    if (ctx != NULL && slug->len) {
        ctx->back_slug = *slug;
        ctx->back_name = name->len ? *name : *slug;
    }
}


/* a page that is not a category's an error page links back to */

void
ngx_http_news_set_back_path(ngx_http_request_t *r, ngx_str_t *path,
    ngx_str_t *name)
{
    ngx_http_news_ctx_t  *ctx;

    ctx = ngx_http_news_get_ctx(r);

    if (ctx != NULL) {
        ctx->back_path = *path;
        ctx->back_name = *name;
    }
}


/* the page being made depends on this row or list (NGX_HTTP_NEWS_DEP_*) */

void
ngx_http_news_depends(ngx_http_request_t *r, ngx_uint_t type, uint64_t id)
{
    uint64_t             dep, *d;
    ngx_uint_t           i;
    ngx_http_news_ctx_t  *ctx;

    ctx = ngx_http_news_get_ctx(r);
    if (ctx == NULL) {
        return;
    }

    if (ctx->deps == NULL) {
        ctx->deps = ngx_array_create(r->pool, 8, sizeof(uint64_t));
        if (ctx->deps == NULL) {
            return;
        }
    }

    dep = ngx_http_news_dep(type, id);

    d = ctx->deps->elts;

    for (i = 0; i < ctx->deps->nelts; i++) {
        if (d[i] == dep) {
            return;
        }
    }

    d = ngx_array_push(ctx->deps);
    if (d != NULL) {
        *d = dep;
    }
}
