
/*
 * Copyright (C) ngx_news_module authors
 *
 * What the caches in front of the site read of a page besides its body:
 * Cache-Control by the kind of page (news_cache_control; a preview's own),
 * Cache-Tag and Surrogate-Key (news_cache_tags), so that a purge by tag
 * after an edit refreshes exactly the pages it touches.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static void ngx_http_news_cache_tags_out(ngx_http_request_t *r,
    ngx_http_news_ctx_t *ctx, ngx_http_news_out_t *out);


/* a response header of the page's, the key a literal */

ngx_table_elt_t *
ngx_http_news_add_header(ngx_http_request_t *r, char *key, ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value = *value;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return h;
}


/*
 * what a CDN or nginx's proxy_cache in front is told: news_cache_control
 * for the kind of page (an article, a list, an error other than 503, which
 * a cache must not keep), and with news_cache_tags the page's tags as
 * Cache-Tag and Surrogate-Key, so that a purge by tag after an edit
 * refreshes the pages it touches
 */

ngx_int_t
ngx_http_news_cdn_headers(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_str_t *tags, ngx_str_t *keys)
{
    ngx_str_t                  *cc, v;
    ngx_http_news_ctx_t        *ctx;
    ngx_http_news_loc_conf_t   *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

    if (ctx != NULL && ctx->preview) {
        /* a preview is for its reader alone, and for no index */

        ngx_str_set(&v, "private, no-store");

        if (ngx_http_news_add_header(r, "Cache-Control", &v) == NULL) {
            return NGX_ERROR;
        }

        ngx_str_set(&v, "noindex");

        return ngx_http_news_add_header(r, "X-Robots-Tag", &v) ? NGX_OK
                                                              : NGX_ERROR;
    }

    switch (kind) {

    case NGX_HTTP_NEWS_TPL_ARTICLE:
    case NGX_HTTP_NEWS_KIND_SVG:
        /* a QR code lives as long as the article it links to */
        cc = &nlcf->cache_control[0];
        break;

    case NGX_HTTP_NEWS_TPL_CATEGORY:
    case NGX_HTTP_NEWS_TPL_INDEX:
        cc = &nlcf->cache_control[1];
        break;

    case NGX_HTTP_NEWS_TPL_ERROR:
        cc = (r->headers_out.status == NGX_HTTP_SERVICE_UNAVAILABLE)
             ? NULL : &nlcf->cache_control[2];
        break;

    default:
        cc = NULL;
    }

    if (cc != NULL && cc->len
        && ngx_http_news_add_header(r, "Cache-Control", cc) == NULL)
    {
        return NGX_ERROR;
    }

    if (!nlcf->cache_tags || tags == NULL || tags->len == 0) {
        return NGX_OK;
    }

    if (ngx_http_news_add_header(r, "Cache-Tag", tags) == NULL
        || ngx_http_news_add_header(r, "Surrogate-Key", keys) == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * the page's tags: "post-<code>" for an article, and "category-<slug>"
 * for each category of its breadcrumb, from the top level down; "home"
 * alone for the home page
 */

void
ngx_http_news_set_cache_tags(ngx_http_request_t *r, ngx_str_t *code,
    ngx_array_t *chain)
{
    ngx_uint_t                 i;
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_out_t        out;
    ngx_http_news_cat_t       *cat;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (!nlcf->cache_tags) {
        return;
    }

    ctx = ngx_http_news_get_ctx(r);
    if (ctx == NULL) {
        return;
    }

    ngx_http_news_out_init(&out, r->pool, 128);

    if (code != NULL) {
        ngx_http_news_out_lit(&out, "post-");
        ngx_http_news_out_uri(&out, code);
    }

    if (chain != NULL) {
        cat = chain->elts;

        for (i = 0; i < chain->nelts; i++) {
            if (out.pos != out.start) {
                ngx_http_news_out_lit(&out, ",");
            }

            ngx_http_news_out_lit(&out, "category-");
            ngx_http_news_out_uri(&out, &cat[i].slug);
        }
    }

    if (code == NULL && chain == NULL) {
        ngx_http_news_out_lit(&out, "home");
    }

    ngx_http_news_cache_tags_out(r, ctx, &out);
}


/* a tag page's: "tag-<name>", the name as in the tag's URL */

void
ngx_http_news_set_tag_cache_tags(ngx_http_request_t *r, ngx_str_t *name)
{
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ctx = ngx_http_news_get_ctx(r);

    if (!nlcf->cache_tags || ctx == NULL) {
        return;
    }

    ngx_http_news_out_init(&out, r->pool, 3 * name->len + 32);
    ngx_http_news_out_lit(&out, "tag-");
    ngx_http_news_out_reserve(&out, 3 * name->len);

    if (!out.failed) {
        out.pos += news_tag_escape(out.pos, name->data, name->len);
    }

    ngx_http_news_cache_tags_out(r, ctx, &out);
}


static void
ngx_http_news_cache_tags_out(ngx_http_request_t *r, ngx_http_news_ctx_t *ctx,
    ngx_http_news_out_t *out)
{
    ngx_uint_t  i;

    if (ngx_http_news_out_str(out, &ctx->cache_tags) != NGX_OK) {
        ngx_str_null(&ctx->cache_tags);
        return;
    }

    /* Fastly's form, made once with the page: the keys space-separated */

    ctx->cache_keys.len = ctx->cache_tags.len;
    ctx->cache_keys.data = ngx_pnalloc(r->pool, ctx->cache_keys.len);
    if (ctx->cache_keys.data == NULL) {
        ngx_str_null(&ctx->cache_tags);
        ngx_str_null(&ctx->cache_keys);
        return;
    }

    for (i = 0; i < ctx->cache_tags.len; i++) {
        ctx->cache_keys.data[i] = (ctx->cache_tags.data[i] == ',')
                                  ? ' ' : ctx->cache_tags.data[i];
    }
}


char *
ngx_http_news_cache_control(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i;

    static ngx_str_t  kinds[] = {
        ngx_string("article"), ngx_string("list"), ngx_string("error")
    };

    value = cf->args->elts;

    for (i = 0; i < 3; i++) {
        if (value[1].len == kinds[i].len
            && ngx_strncmp(value[1].data, kinds[i].data, kinds[i].len) == 0)
        {
            break;
        }
    }

    if (i == 3) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", it must be \"article\", "
                           "\"list\" or \"error\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (nlcf->cache_control[i].data != NULL) {
        return "is duplicate";
    }

    nlcf->cache_control[i] = value[2];

    if (ngx_strcmp(value[2].data, "off") == 0) {
        /* set, and empty: nothing is sent, whatever the level above says */
        nlcf->cache_control[i].len = 0;
    }

    return NGX_CONF_OK;
}
