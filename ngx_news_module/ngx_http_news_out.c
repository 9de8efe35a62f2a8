
/*
 * Copyright (C) ngx_news_module authors
 *
 * A growing output string in the request pool, with escaping for HTML
 * and JSON, and a one-buffer chain link: what every fragment and page is
 * written with.  A failed allocation sticks: the string reports it once,
 * when it is taken.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>




void
ngx_http_news_out_init(ngx_http_news_out_t *out, ngx_pool_t *pool,
    size_t size)
{
    out->pool = pool;
    out->failed = 0;
    out->start = ngx_pnalloc(pool, size);

    if (out->start == NULL) {
        out->failed = 1;
        out->pos = NULL;
        out->end = NULL;
        return;
    }

    out->pos = out->start;
    out->end = out->start + size;
}


/* room for len more bytes at out->pos, unless out->failed */

void
ngx_http_news_out_reserve(ngx_http_news_out_t *out, size_t len)
{
    u_char  *p;
    size_t   size, used;

    if (out->failed || (size_t) (out->end - out->pos) >= len) {
        return;
    }

    used = out->pos - out->start;
    size = ngx_max(2 * (size_t) (out->end - out->start), used + len);

    p = ngx_pnalloc(out->pool, size);
    if (p == NULL) {
        out->failed = 1;
        return;
    }

    ngx_memcpy(p, out->start, used);

    out->start = p;
    out->pos = p + used;
    out->end = p + size;
}


void
ngx_http_news_out_add(ngx_http_news_out_t *out, u_char *data, size_t len)
{
    if (len == 0) {
        /* data may be NULL then, which memcpy() must not be given */
        return;
    }

    ngx_http_news_out_reserve(out, len);

    if (!out->failed) {
        out->pos = ngx_cpymem(out->pos, data, len);
    }
}


void
ngx_http_news_out_html(ngx_http_news_out_t *out, ngx_str_t *s)
{
    size_t  len;

    len = news_html_escape(NULL, s->data, s->len);

    ngx_http_news_out_reserve(out, len);

    if (!out->failed) {
        out->pos += news_html_escape(out->pos, s->data, s->len);
    }
}


void
ngx_http_news_out_json(ngx_http_news_out_t *out, ngx_str_t *s)
{
    size_t  len;

    len = news_json_escape(NULL, s->data, s->len);

    ngx_http_news_out_reserve(out, len);

    if (!out->failed) {
        out->pos += news_json_escape(out->pos, s->data, s->len);
    }
}


/* XML 1.0 text or attribute value, news_xml_escape() of news_escape.c */

void
ngx_http_news_out_xml(ngx_http_news_out_t *out, ngx_str_t *s)
{
    size_t  len;

    len = news_xml_escape(NULL, s->data, s->len);

    ngx_http_news_out_reserve(out, len);

    if (!out->failed) {
        out->pos += news_xml_escape(out->pos, s->data, s->len);
    }
}


void
ngx_http_news_out_uint(ngx_http_news_out_t *out, ngx_uint_t n)
{
    ngx_http_news_out_reserve(out, NGX_INT_T_LEN);

    if (!out->failed) {
        out->pos = ngx_sprintf(out->pos, "%ui", n);
    }
}


ngx_int_t
ngx_http_news_out_str(ngx_http_news_out_t *out, ngx_str_t *s)
{
    if (out->failed) {
        return NGX_ERROR;
    }

    s->data = out->start;
    s->len = out->pos - out->start;

    return NGX_OK;
}


ngx_int_t
ngx_http_news_html(ngx_pool_t *pool, ngx_str_t *src, ngx_str_t *dst)
{
    ngx_http_news_out_t  out;

    ngx_http_news_out_init(&out, pool, src->len + 16);
    ngx_http_news_out_html(&out, src);

    return ngx_http_news_out_str(&out, dst);
}


/*
 * a chain link of one buffer pointing at bytes that stay put while the
 * request lives (the pool, a template, a held cache page); "last" ends the
 * response
 */

ngx_chain_t *
ngx_http_news_chain(ngx_http_request_t *r, u_char *data, size_t len,
    ngx_uint_t last)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NULL;
    }

    b->pos = data;
    b->last = data;

    if (len) {
        /* no arithmetic on the NULL of an empty buffer */
        b->last += len;
        b->memory = 1;
    }

    if (last) {
        b->last_buf = (r == r->main) ? 1 : 0;
        b->last_in_chain = 1;
    }

    cl = ngx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NULL;
    }

    cl->buf = b;
    cl->next = NULL;

    return cl;
}


/* as a URI component may carry it: nginx's own escaping */

void
ngx_http_news_out_uri(ngx_http_news_out_t *out, ngx_str_t *s)
{
    size_t  len;

    len = s->len + 2 * ngx_escape_uri(NULL, s->data, s->len,
                                      NGX_ESCAPE_URI_COMPONENT);

    ngx_http_news_out_reserve(out, len);

    if (!out->failed) {
        out->pos = (u_char *) ngx_escape_uri(out->pos, s->data, s->len,
                                             NGX_ESCAPE_URI_COMPONENT);
    }
}
