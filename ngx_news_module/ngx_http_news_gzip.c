
/*
 * Copyright (C) ngx_news_module authors
 *
 * Documents kept compressed.  A sitemap part of 50,000 URLs is some
 * 6.5 MB: more than the render cache keeps (a quarter of it at most),
 * so it would be rendered again for every request, 150 to 250 ms of a
 * worker each time.  Compressed with gzip it is about a fourteenth of
 * that, which the cache keeps, and crawlers ask for gzip.  Whether a
 * client takes gzip is nginx's own judgement, ngx_http_gzip_ok(), as for
 * gzip_static: the gzip_http_version, gzip_proxied and gzip_disable
 * directives apply.  A client that does not take it gets the document
 * as it is: the kept one decompressed (some 15 ms for a part, a tenth of
 * a render), or rendered.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include <zlib.h>


/* rendered once a change of the database: the smaller, the more it keeps */
#define NGX_HTTP_NEWS_GZIP_LEVEL  6


static void *ngx_http_news_gzip_alloc(void *opaque, u_int items, u_int size);
static void ngx_http_news_gzip_free(void *opaque, void *address);


/* whether the client takes gzip, and the cache keeps what it would make */

ngx_uint_t
ngx_http_news_gzip_wanted(ngx_http_request_t *r, ngx_http_news_cache_t *cache)
{
#if (NGX_HTTP_GZIP)
    if (ngx_http_news_cache_keeps(cache, 1) && ngx_http_gzip_ok(r) == NGX_OK)
    {
        return 1;
    }
#endif

    return 0;
}


/*
 * a document too big to keep as it is, kept and sent compressed under its
 * gzip key; NGX_DECLINED when it is not (the compressed one too big, or
 * zlib failing): the caller sends it as it is
 */

ngx_int_t
ngx_http_news_send_gzip(ngx_http_request_t *r, ngx_http_news_cache_t *cache,
    ngx_uint_t kind, ngx_str_t *body, time_t last_modified, ngx_str_t *key)
{
    int                    rc;
    z_stream               zs;
    ngx_buf_t             *b;
    ngx_chain_t            cl;
    ngx_http_news_page_t  *page, proto;

    ngx_memzero(&zs, sizeof(z_stream));

    zs.zalloc = ngx_http_news_gzip_alloc;
    zs.zfree = ngx_http_news_gzip_free;
    zs.opaque = r->pool;

    /* windowBits + 16: a gzip header and trailer, not a zlib one */

    rc = deflateInit2(&zs, NGX_HTTP_NEWS_GZIP_LEVEL, Z_DEFLATED, MAX_WBITS + 16,
                      MAX_MEM_LEVEL - 1, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "news: deflateInit2() failed: %d", rc);
        return NGX_DECLINED;
    }

    b = ngx_create_temp_buf(r->pool, deflateBound(&zs, body->len));
    if (b == NULL) {
        (void) deflateEnd(&zs);
        return NGX_DECLINED;
    }

    zs.next_in = body->data;
    zs.avail_in = body->len;
    zs.next_out = b->pos;
    zs.avail_out = b->end - b->pos;

    rc = deflate(&zs, Z_FINISH);

    b->last = zs.next_out;

    (void) deflateEnd(&zs);

    if (rc != Z_STREAM_END) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "news: deflate() failed: %d", rc);
        return NGX_DECLINED;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news gzip: %uz bytes to %uz", body->len,
                   (size_t) (b->last - b->pos));

    if (!ngx_http_news_cache_keeps(cache, b->last - b->pos)) {
        return NGX_DECLINED;
    }

    cl.buf = b;
    cl.next = NULL;

    ngx_memzero(&proto, sizeof(ngx_http_news_page_t));

    proto.crc = ngx_crc32_long(b->pos, b->last - b->pos);
    proto.last_modified = last_modified;
    proto.kind = kind;
    proto.gzip = 1;

    page = ngx_http_news_cache_put(r, cache, key, &cl, b->last - b->pos,
                                   &proto);
    if (page == NULL) {
        return NGX_DECLINED;
    }

    return ngx_http_news_send_page(r, page);
}


/*
 * a document kept compressed, sent as it is to a client that does not
 * take gzip, shared while it is sent as a page too big to keep is; its
 * length is the gzip trailer's (ISIZE), checked against what inflates
 */

ngx_int_t
ngx_http_news_send_gunzipped(ngx_http_request_t *r,
    ngx_http_news_page_t *page, ngx_str_t *key)
{
    int        rc;
    u_char    *p;
    size_t     len;
    z_stream   zs;
    ngx_str_t  body, none;

    if (page->body.len < 18) {
        return NGX_DECLINED;
    }

    p = page->body.data + page->body.len - 4;
    len = (size_t) p[0] | (size_t) p[1] << 8 | (size_t) p[2] << 16
          | (size_t) p[3] << 24;

    body.data = ngx_pnalloc(r->pool, len + 1);
    if (body.data == NULL) {
        return NGX_DECLINED;
    }

    ngx_memzero(&zs, sizeof(z_stream));

    zs.zalloc = ngx_http_news_gzip_alloc;
    zs.zfree = ngx_http_news_gzip_free;
    zs.opaque = r->pool;

    if (inflateInit2(&zs, MAX_WBITS + 16) != Z_OK) {
        return NGX_DECLINED;
    }

    zs.next_in = page->body.data;
    zs.avail_in = page->body.len;
    zs.next_out = body.data;
    zs.avail_out = len + 1;

    rc = inflate(&zs, Z_FINISH);
    body.len = zs.next_out - body.data;

    (void) inflateEnd(&zs);

    if (rc != Z_STREAM_END || body.len != len) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "news: a kept document does not inflate: %d", rc);
        return NGX_DECLINED;
    }

    ngx_str_null(&none);

    return ngx_http_news_send_body(r, page->kind, &body, page->last_modified,
                                   key, &none);
}


static void *
ngx_http_news_gzip_alloc(void *opaque, u_int items, u_int size)
{
    return ngx_palloc(opaque, (size_t) items * size);
}


static void
ngx_http_news_gzip_free(void *opaque, void *address)
{
    /* the request's pool frees it */
}
