
/*
 * Copyright (C) ngx_news_module authors
 *
 * How every news page leaves: the method check, a page rendered from its
 * template and kept in the render cache, a cached page, an error page, a
 * redirect; with ETag and Last-Modified (the headers for caches in front
 * are ngx_http_news_cdn.c's).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


#define NGX_HTTP_NEWS_RETRY_AFTER  "5"

/* a value the pool got from the heap on its own, which it can free */
#define NGX_HTTP_NEWS_LARGE_VALUE  (64 * 1024)


static ngx_int_t ngx_http_news_send_chain(ngx_http_request_t *r,
    ngx_chain_t *out, off_t len, uint32_t crc, time_t last_modified,
    ngx_uint_t kind, ngx_str_t *tags, ngx_str_t *keys);
static ngx_int_t ngx_http_news_send_gzipped(ngx_http_request_t *r);
static ngx_uint_t ngx_http_news_error_page(ngx_http_request_t *r,
    ngx_uint_t status);


/* NGX_OK, or the status to answer with, for ngx_http_news_error() */

ngx_int_t
ngx_http_news_check_method(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        /*
         * what is left of a body nginx could not read must never be taken
         * for the next request on this connection
         */
        r->keepalive = 0;
        return rc;
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: method \"%V\" not allowed", &r->method_name);
        return NGX_HTTP_NOT_ALLOWED;
    }

    return NGX_OK;
}


/*
 * renders a page and sends it; a 200 with a cache key is kept in the
 * render cache and sent from there
 */

ngx_int_t
ngx_http_news_send(ngx_http_request_t *r, ngx_uint_t kind, ngx_str_t *vars,
    time_t last_modified, ngx_str_t *cache_key, ngx_str_t *info_code)
{
    off_t                      len;
    uint32_t                   crc;
    ngx_str_t                  none;
    ngx_uint_t                 i;
    ngx_chain_t               *out;
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_page_t      *page, proto;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    /* all is read: the database is not held while the page goes out */
    ngx_http_news_db_end(nlcf->db);

    last_modified = ngx_max(last_modified,
                            ngx_http_news_template_mtime(nlcf->tpl[kind]));

    ngx_http_news_site_vars(r, vars);

    if (ngx_http_news_template_render(r, nlcf->tpl[kind], vars, &out, &len,
                                      &crc)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (cache_key != NULL && nlcf->db != NULL) {

        if (info_code == NULL) {
            ngx_str_null(&none);
            info_code = &none;
        }

        ngx_memzero(&proto, sizeof(ngx_http_news_page_t));

        proto.info_code = *info_code;
        proto.status = r->headers_out.status;
        proto.crc = crc;
        proto.last_modified = last_modified;
        proto.kind = kind;

        page = ngx_http_news_cache_put(r, ngx_http_news_db_cache(nlcf->db),
                                       cache_key, out, len, &proto);

        if (page != NULL) {
            /*
             * the page is sent from its copy: the request's own large
             * values (an article body) need not live as long as a slow
             * reader takes
             */

            for (i = 0; i < NGX_HTTP_NEWS_V_MAX; i++) {
                if (vars[i].len >= NGX_HTTP_NEWS_LARGE_VALUE) {
                    (void) ngx_pfree(r->pool, vars[i].data);
                }
            }

            return ngx_http_news_send_page(r, page);
        }
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

    return ngx_http_news_send_chain(r, out, len, crc, last_modified, kind,
                                    ctx ? &ctx->cache_tags : NULL,
                                    ctx ? &ctx->cache_keys : NULL);
}


/*
 * sends a body made without a template (a QR code's SVG), kept in the
 * render cache and validated as pages are
 */

ngx_int_t
ngx_http_news_send_body(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_str_t *body, time_t last_modified, ngx_str_t *cache_key,
    ngx_str_t *info_code)
{
    uint32_t                   crc;
    ngx_chain_t               *out;
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_page_t      *page, proto;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_http_news_db_end(nlcf->db);

    crc = ngx_crc32_long(body->data, body->len);

    out = ngx_http_news_chain(r, body->data, body->len, 1);
    if (out == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&proto, sizeof(ngx_http_news_page_t));

    proto.info_code = *info_code;
    proto.crc = crc;
    proto.last_modified = last_modified;
    proto.kind = kind;

    page = ngx_http_news_cache_put(r, ngx_http_news_db_cache(nlcf->db),
                                   cache_key, out, body->len, &proto);

    if (page != NULL) {
        return ngx_http_news_send_page(r, page);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

    return ngx_http_news_send_chain(r, out, body->len, crc, last_modified,
                                    kind, ctx ? &ctx->cache_tags : NULL,
                                    ctx ? &ctx->cache_keys : NULL);
}


/*
 * the start every cached document shares: the database looked at, the
 * document's key made (what, page) and looked up; a response when it was
 * kept or the database is not there, else NGX_DECLINED with a read
 * transaction begun, to render it
 */

ngx_int_t
ngx_http_news_send_cached(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_str_t *what, ngx_uint_t page, ngx_str_t *key)
{
    ngx_int_t                  rc;
    ngx_http_news_page_t      *cached;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    rc = ngx_http_news_db_ready(nlcf->db, r->connection->log);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    if (ngx_http_news_cache_key(r, kind, what, page, key) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cached = ngx_http_news_cache_get(r, ngx_http_news_db_cache(nlcf->db),
                                     key);
    if (cached != NULL) {
        return ngx_http_news_send_page(r, cached);
    }

    ngx_http_news_db_begin(r, nlcf->db);

    return NGX_DECLINED;
}


ngx_int_t
ngx_http_news_send_page(ngx_http_request_t *r, ngx_http_news_page_t *page)
{
    ngx_chain_t          *out;
    ngx_http_news_ctx_t  *ctx;

    if (page->status && r->headers_out.status == 0) {
        /* an error kept from before: said again, as when it was found */
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: \"%V\" is %ui, as found before",
                      &r->unparsed_uri, page->status);

        if (ngx_http_news_error_page(r, page->status)) {
            return page->status;
        }

        r->headers_out.status = page->status;
    }

    if (page->gzip && ngx_http_news_send_gzipped(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = ngx_http_news_get_ctx(r);

    if (ctx != NULL) {
        if (ctx->rendered) {
            ngx_str_set(&ctx->cache_status, "MISS");

        } else {
            ngx_str_set(&ctx->cache_status, "HIT");
        }
    }

    /* the cached bytes themselves: the page is held until the request ends */

    out = ngx_http_news_chain(r, page->body.data, page->body.len, 1);
    if (out == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_news_send_chain(r, out, page->body.len, page->crc,
                                    page->last_modified, page->kind,
                                    &page->tags, &page->keys);
}


/*
 * a page kept compressed (ngx_http_news_gzip.c) says so; caches in front
 * keep it apart from the same document as it is
 */

static ngx_int_t
ngx_http_news_send_gzipped(ngx_http_request_t *r)
{
    ngx_str_t         value;
    ngx_table_elt_t  *h;

    ngx_str_set(&value, "gzip");

    h = ngx_http_news_add_header(r, "Content-Encoding", &value);
    if (h == NULL) {
        return NGX_ERROR;
    }

    r->headers_out.content_encoding = h;

    ngx_str_set(&value, "Accept-Encoding");

    if (ngx_http_news_add_header(r, "Vary", &value) == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * sends a page: status from r->headers_out.status (200 when unset), a
 * strong ETag of the bytes and Last-Modified for 200s, which nginx's
 * not_modified filter turns into 304s
 */

static ngx_int_t
ngx_http_news_send_chain(ngx_http_request_t *r, ngx_chain_t *out, off_t len,
    uint32_t crc, time_t last_modified, ngx_uint_t kind, ngx_str_t *tags,
    ngx_str_t *keys)
{
    ngx_int_t                  rc;
    ngx_str_t                  etag;
    ngx_table_elt_t           *h;
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_loc_conf_t  *nlcf;

    if (r->headers_out.status == 0) {
        r->headers_out.status = NGX_HTTP_OK;
    }

    /* sent without the render cache: too big, uncached, or no cache */

    ctx = ngx_http_news_get_ctx(r);

    if (ctx != NULL && ctx->cache_status.len == 0) {
        ngx_str_set(&ctx->cache_status, "BYPASS");
    }

    r->headers_out.content_length_n = len;

    if (kind == NGX_HTTP_NEWS_KIND_SVG) {
        ngx_str_set(&r->headers_out.content_type, "image/svg+xml");
        r->headers_out.content_type_len = sizeof("image/svg+xml") - 1;

    } else if (kind == NGX_HTTP_NEWS_KIND_RSS) {
        ngx_str_set(&r->headers_out.content_type,
                    "application/rss+xml; charset=utf-8");
        r->headers_out.content_type_len = sizeof("application/rss+xml") - 1;

    } else if (kind == NGX_HTTP_NEWS_KIND_ATOM) {
        ngx_str_set(&r->headers_out.content_type,
                    "application/atom+xml; charset=utf-8");
        r->headers_out.content_type_len = sizeof("application/atom+xml") - 1;

    } else if (kind == NGX_HTTP_NEWS_KIND_XML) {
        ngx_str_set(&r->headers_out.content_type,
                    "application/xml; charset=utf-8");
        r->headers_out.content_type_len = sizeof("application/xml") - 1;

    } else if (kind == NGX_HTTP_NEWS_KIND_TEXT) {
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; charset=utf-8");
        r->headers_out.content_type_len = sizeof("text/plain") - 1;

    } else {
        ngx_str_set(&r->headers_out.content_type,
                    "text/html; charset=utf-8");
        r->headers_out.content_type_len = sizeof("text/html") - 1;
    }

    r->headers_out.content_type_lowcase = NULL;

    if (r->headers_out.status == NGX_HTTP_OK) {
        etag.data = ngx_pnalloc(r->pool, NGX_OFF_T_LEN + 16);
        if (etag.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        etag.len = ngx_sprintf(etag.data, "\"%08xD-%xO\"", crc, len)
                   - etag.data;

        h = ngx_http_news_add_header(r, "ETag", &etag);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->headers_out.etag = h;

        /*
         * the page is as new as its own rows, its template and the last
         * write to the file, so that an edit the triggers missed still
         * moves it; a page changed in this very second could change again
         * within it, unseen by If-Modified-Since: it goes out with its
         * ETag alone
         */

        nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

        last_modified = ngx_max(last_modified,
                                ngx_http_news_db_modified(nlcf->db));

        if (last_modified < ngx_time()) {
            r->headers_out.last_modified_time = last_modified;
        }
    }

    if (ngx_http_news_cdn_headers(r, kind, tags, keys) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, out);
}


ngx_int_t
ngx_http_news_error(ngx_http_request_t *r, ngx_int_t status)
{
    ngx_str_t                  vars[NGX_HTTP_NEWS_V_MAX], retry, *key;
    ngx_table_elt_t           *h;
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_loc_conf_t  *nlcf;

    ngx_memzero(vars, sizeof(vars));

    vars[NGX_HTTP_NEWS_V_HOME_URL] = ngx_http_news_home_url;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (ngx_http_news_error_texts(r, status, vars) != NGX_OK) {
        /* what reading the request body failed with: nginx answers */
        return status;
    }

    if (status == NGX_HTTP_SERVICE_UNAVAILABLE) {
        ngx_str_set(&retry, NGX_HTTP_NEWS_RETRY_AFTER);

        if (ngx_http_news_add_header(r, "Retry-After", &retry) == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (status == NGX_HTTP_NOT_ALLOWED) {
        ngx_str_set(&retry, "GET, HEAD");

        h = ngx_http_news_add_header(r, "Allow", &retry);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (ngx_http_news_error_page(r, status)) {
        ngx_http_news_db_end(nlcf->db);
        return status;
    }

    r->headers_out.status = status;

    /*
     * a page found missing or gone stays so until the database changes:
     * kept like pages, in a budget of its own
     */

    key = NULL;

    if (status == NGX_HTTP_NOT_FOUND || status == NGX_HTTP_NEWS_GONE) {
        ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

        if (ctx != NULL && ctx->page_key.len) {
            key = &ctx->page_key;
        }
    }

    return ngx_http_news_send(r, NGX_HTTP_NEWS_TPL_ERROR, vars, 0, key,
                              NULL);
}


/*
 * a redirect to a path on this site, with the request's arguments kept
 * (utm_* and the like) but infoCode, and escaped: news_share_args() of
 * news_parse.c lets no byte through that a Location header must not carry
 */

ngx_int_t
ngx_http_news_redirect(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *path)
{
    u_char                    *p;
    size_t                     n;
    ngx_str_t                  location, base;
    ngx_table_elt_t           *h;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_http_news_db_end(nlcf->db);

    /*
     * with news_base_url, the Location is absolute and names the site as
     * configured, never the backend's host and port; otherwise it is the
     * path, which nginx completes as it does its own redirects
     */

    ngx_str_null(&base);

    if (nlcf->base_url != NULL
        && ngx_http_news_base_url(r, &base) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    location.data = ngx_pnalloc(r->pool,
                                base.len + path->len + 1 + 3 * r->args.len);
    if (location.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = location.data;

    if (base.len) {
        p = ngx_cpymem(p, base.data, base.len);
    }

    p = ngx_cpymem(p, path->data, path->len);

    n = r->args.len ? news_share_args(p + 1, r->args.data, r->args.len) : 0;

    /* nothing kept: no "?" either */
    if (n) {
        *p++ = '?';
        p += n;
    }

    location.len = p - location.data;

    ngx_http_clear_location(r);

    h = ngx_http_news_add_header(r, "Location", &location);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.location = h;

    return status;
}


/*
 * whether the location has an error_page for the status, which nginx then
 * applies as to any of its own errors, with the same conditions
 */


static ngx_uint_t
ngx_http_news_error_page(ngx_http_request_t *r, ngx_uint_t status)
{
    ngx_uint_t                 i;
    ngx_http_err_page_t       *err_page;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (r->error_page || clcf->error_pages == NULL || r->uri_changes == 0) {
        return 0;
    }

    err_page = clcf->error_pages->elts;

    for (i = 0; i < clcf->error_pages->nelts; i++) {
        if ((ngx_uint_t) err_page[i].status == status) {
            return 1;
        }
    }

    return 0;
}
