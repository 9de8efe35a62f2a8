
/*
 * Copyright (C) ngx_news_module authors
 *
 * The HTML fragments pages are made of: breadcrumbs and their JSON-LD,
 * post and category lists, URLs.  Every text from the database is
 * escaped here, except the article body.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


#define NGX_HTTP_NEWS_HOME_NAME  "首页"


static void ngx_http_news_out_grow(ngx_http_news_out_t *out, size_t len);
static void ngx_http_news_out_date_path(ngx_http_news_out_t *out,
    ngx_str_t *published_at);
static void ngx_http_news_out_code(ngx_http_news_out_t *out,
    ngx_str_t *code);
static void ngx_http_news_out_post_path(ngx_http_news_out_t *out,
    ngx_http_news_post_t *post);
static ngx_str_t *ngx_http_news_cat_name(ngx_http_news_cat_t *cat);
static ngx_str_t *ngx_http_news_server_name(ngx_http_request_t *r,
    ngx_uint_t *vetted);


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


static void
ngx_http_news_out_grow(ngx_http_news_out_t *out, size_t len)
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

    ngx_http_news_out_grow(out, len);

    if (!out->failed) {
        out->pos = ngx_cpymem(out->pos, data, len);
    }
}


void
ngx_http_news_out_html(ngx_http_news_out_t *out, ngx_str_t *s)
{
    size_t  len;

    len = s->len + ngx_escape_html(NULL, s->data, s->len);

    ngx_http_news_out_grow(out, len);

    if (!out->failed) {
        out->pos = (u_char *) ngx_escape_html(out->pos, s->data, s->len);
    }
}


void
ngx_http_news_out_json(ngx_http_news_out_t *out, ngx_str_t *s)
{
    size_t  len;

    len = news_json_escape(NULL, s->data, s->len);

    ngx_http_news_out_grow(out, len);

    if (!out->failed) {
        out->pos += news_json_escape(out->pos, s->data, s->len);
    }
}


void
ngx_http_news_out_uint(ngx_http_news_out_t *out, ngx_uint_t n)
{
    ngx_http_news_out_grow(out, NGX_INT_T_LEN);

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


/*
 * "scheme://host[:port]" of the site's absolute URLs, worked out once a
 * request: news_base_url, or the request's scheme and Host when that is a
 * name of the server (its first name otherwise), so that a client making
 * up Host values gets the site's own name back, never a page per name
 */

ngx_int_t
ngx_http_news_base_url(ngx_http_request_t *r, ngx_str_t *url)
{
    ngx_str_t                 *host;
    ngx_uint_t                 vetted;
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    ctx = ngx_http_news_get_ctx(r);

    if (ctx != NULL && ctx->base_url.data != NULL) {
        *url = ctx->base_url;
        return NGX_OK;
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (nlcf->base_url != NULL) {
        if (ngx_http_complex_value(r, nlcf->base_url, url) != NGX_OK) {
            return NGX_ERROR;
        }

        while (url->len && url->data[url->len - 1] == '/') {
            url->len--;
        }

    } else {
        ngx_http_news_out_init(&out, r->pool, 64);

#if (NGX_HTTP_SSL)
        if (r->connection->ssl) {
            ngx_http_news_out_lit(&out, "https://");

        } else
#endif
        {
            ngx_http_news_out_lit(&out, "http://");
        }

        host = ngx_http_news_server_name(r, &vetted);

        if (ctx != NULL) {
            ctx->base_unvetted = !vetted;
        }

        ngx_http_news_out_add(&out, host->data, host->len);

        if (ngx_http_news_out_str(&out, url) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (ctx != NULL) {
        ctx->base_url = *url;
    }

    return NGX_OK;
}


/*
 * the Host when it names this server, else the server's own first name;
 * a server with no usable name takes any Host, "vetted" 0 then: pages for
 * such a name are not cached, so made-up names cannot crowd out others
 */

static ngx_str_t *
ngx_http_news_server_name(ngx_http_request_t *r, ngx_uint_t *vetted)
{
    ngx_str_t                 *server, *name;
    ngx_uint_t                 i;
    ngx_http_news_srv_conf_t  *nscf;

    static ngx_str_t  localhost = ngx_string("localhost");

    *vetted = 1;

    server = &r->headers_in.server;
    nscf = ngx_http_get_module_srv_conf(r, ngx_http_news_module);

    name = nscf->names.elts;

    for (i = 0; i < nscf->names.nelts; i++) {
        if (name[i].len == server->len
            && ngx_strncasecmp(name[i].data, server->data, server->len) == 0
            && r->headers_in.host != NULL)
        {
            /* as the client wrote it, the port too */
            return &r->headers_in.host->value;
        }
    }

    if (nscf->names.nelts && name[0].data[0] != '_') {
        return &name[0];
    }

    /* a server with no usable name: any Host, up to a DNS name's length */

    *vetted = 0;

    if (r->headers_in.host != NULL && r->headers_in.host->value.len <= 255) {
        return &r->headers_in.host->value;
    }

    return &localhost;
}


/*
 * whether pages differ from one request to another by their base URL:
 * when they do, the base URL is part of their cache keys
 */

ngx_uint_t
ngx_http_news_base_url_varies(ngx_http_request_t *r)
{
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    return nlcf->base_url == NULL || nlcf->base_url->lengths != NULL;
}


/* "/yyyy/mm/dd" of published_at, in the post's own offset */

static void
ngx_http_news_out_date_path(ngx_http_news_out_t *out, ngx_str_t *published)
{
    u_char  *p;

    p = published->data;

    if (published->len < 10 || !news_parse_day(p, 10)) {
        /* an admin's bad date still gives a stable URL that resolves */
        ngx_http_news_out_lit(out, "/1970/01/01");
        return;
    }

    ngx_http_news_out_lit(out, "/");
    ngx_http_news_out_add(out, p, 4);
    ngx_http_news_out_lit(out, "/");
    ngx_http_news_out_add(out, p + 5, 2);
    ngx_http_news_out_lit(out, "/");
    ngx_http_news_out_add(out, p + 8, 2);
}


/*
 * a code as it may stand in a URL, a Location header and HTML: anything
 * but letters and digits, which only a bypassed constraint lets in, is
 * percent-encoded
 */

static void
ngx_http_news_out_code(ngx_http_news_out_t *out, ngx_str_t *code)
{
    u_char      *p, *end;
    u_char       esc[3];

    static u_char  hex[] = "0123456789ABCDEF";

    end = code->data + code->len;

    for (p = code->data; p < end; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
            || (*p >= '0' && *p <= '9'))
        {
            ngx_http_news_out_add(out, p, 1);
            continue;
        }

        esc[0] = '%';
        esc[1] = hex[*p >> 4];
        esc[2] = hex[*p & 0xf];
        ngx_http_news_out_add(out, esc, 3);
    }
}


static void
ngx_http_news_out_post_path(ngx_http_news_out_t *out,
    ngx_http_news_post_t *post)
{
    ngx_http_news_out_lit(out, "/");

    if (post->has_category
        && news_slug_valid(post->category_slug.data, post->category_slug.len))
    {
        ngx_http_news_out_add(out, post->category_slug.data,
                              post->category_slug.len);

    } else {
        /* a post whose category is gone still has a URL */
        ngx_http_news_out_lit(out, "_");
    }

    ngx_http_news_out_date_path(out, &post->published_at);
    ngx_http_news_out_lit(out, "/");
    ngx_http_news_out_code(out, &post->info_code);
    ngx_http_news_out_lit(out, ".html");
}


ngx_int_t
ngx_http_news_article_path(ngx_http_request_t *r, ngx_http_news_post_t *post,
    ngx_str_t *path)
{
    ngx_http_news_out_t  out;

    ngx_http_news_out_init(&out, r->pool, 128);
    ngx_http_news_out_post_path(&out, post);

    return ngx_http_news_out_str(&out, path);
}


/* the display and ISO 8601 forms of published_at */

ngx_int_t
ngx_http_news_published(ngx_http_request_t *r, ngx_http_news_post_t *post,
    ngx_str_t *vars)
{
    ngx_str_t  *iso, *at;

    at = &post->published_at;
    iso = &vars[NGX_HTTP_NEWS_V_PUBLISHED_ISO];

    if (at->len < 16) {
        vars[NGX_HTTP_NEWS_V_PUBLISHED] = *at;
        *iso = *at;
        return ngx_http_news_html(r->pool, at, iso);
    }

    vars[NGX_HTTP_NEWS_V_PUBLISHED].data = at->data;
    vars[NGX_HTTP_NEWS_V_PUBLISHED].len = 16;

    if (ngx_http_news_html(r->pool, at, iso) != NGX_OK) {
        return NGX_ERROR;
    }

    if (iso->len > 10 && iso->data[10] == ' ') {
        iso->data[10] = 'T';
    }

    return ngx_http_news_html(r->pool, &vars[NGX_HTTP_NEWS_V_PUBLISHED],
                              &vars[NGX_HTTP_NEWS_V_PUBLISHED]);
}


static ngx_str_t *
ngx_http_news_cat_name(ngx_http_news_cat_t *cat)
{
    /* an empty name, which the schema forbids, falls back to the slug */
    return cat->name.len ? &cat->name : &cat->slug;
}


/*
 * the breadcrumb nav, Home > ... > category, and its schema.org
 * BreadcrumbList, which ends with the page itself when leaf_name is given
 */

ngx_int_t
ngx_http_news_render_breadcrumb(ngx_http_request_t *r, ngx_str_t *base,
    ngx_array_t *chain, ngx_str_t *leaf_name, ngx_str_t *leaf_url,
    ngx_str_t *vars)
{
    ngx_str_t             home;
    ngx_uint_t            i;
    ngx_http_news_out_t   nav, ld;
    ngx_http_news_cat_t  *cat;

    ngx_str_set(&home, NGX_HTTP_NEWS_HOME_NAME);

    ngx_http_news_out_init(&nav, r->pool, 512);
    ngx_http_news_out_init(&ld, r->pool, 512);

    ngx_http_news_out_lit(&nav, "<nav class=\"breadcrumb\" "
                                "aria-label=\"breadcrumb\">"
                                "<a href=\"/\">" NGX_HTTP_NEWS_HOME_NAME
                                "</a>");

    ngx_http_news_out_lit(&ld, "<script type=\"application/ld+json\">"
                               "{\"@context\":\"https://schema.org\","
                               "\"@type\":\"BreadcrumbList\","
                               "\"itemListElement\":["
                               "{\"@type\":\"ListItem\",\"position\":1,"
                               "\"name\":\"" NGX_HTTP_NEWS_HOME_NAME "\","
                               "\"item\":\"");
    ngx_http_news_out_json(&ld, base);
    ngx_http_news_out_lit(&ld, "/\"}");

    cat = chain->elts;

    for (i = 0; i < chain->nelts; i++) {
        ngx_http_news_out_lit(&nav, " &gt; <a href=\"/category/");
        ngx_http_news_out_html(&nav, &cat[i].slug);
        ngx_http_news_out_lit(&nav, ".html\">");
        ngx_http_news_out_html(&nav, ngx_http_news_cat_name(&cat[i]));
        ngx_http_news_out_lit(&nav, "</a>");

        ngx_http_news_out_lit(&ld, ",{\"@type\":\"ListItem\",\"position\":");
        ngx_http_news_out_uint(&ld, i + 2);
        ngx_http_news_out_lit(&ld, ",\"name\":\"");
        ngx_http_news_out_json(&ld, ngx_http_news_cat_name(&cat[i]));
        ngx_http_news_out_lit(&ld, "\",\"item\":\"");
        ngx_http_news_out_json(&ld, base);
        ngx_http_news_out_lit(&ld, "/category/");
        ngx_http_news_out_json(&ld, &cat[i].slug);
        ngx_http_news_out_lit(&ld, ".html\"}");
    }

    if (leaf_name != NULL) {
        ngx_http_news_out_lit(&ld, ",{\"@type\":\"ListItem\",\"position\":");
        ngx_http_news_out_uint(&ld, chain->nelts + 2);
        ngx_http_news_out_lit(&ld, ",\"name\":\"");
        ngx_http_news_out_json(&ld, leaf_name);
        ngx_http_news_out_lit(&ld, "\",\"item\":\"");
        ngx_http_news_out_json(&ld, leaf_url);
        ngx_http_news_out_lit(&ld, "\"}");
    }

    ngx_http_news_out_lit(&nav, "</nav>");
    ngx_http_news_out_lit(&ld, "]}</script>");

    if (ngx_http_news_out_str(&nav, &vars[NGX_HTTP_NEWS_V_BREADCRUMB])
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_news_out_str(&ld, &vars[NGX_HTTP_NEWS_V_BREADCRUMB_JSONLD]);
}


/* a list of posts with links to their canonical URLs, newest first */

ngx_int_t
ngx_http_news_render_post_list(ngx_http_request_t *r, ngx_array_t *posts,
    ngx_uint_t limit, ngx_str_t *html)
{
    ngx_str_t              iso;
    ngx_uint_t             i;
    ngx_http_news_out_t    out;
    ngx_http_news_post_t  *post;

    post = posts->elts;

    ngx_http_news_out_init(&out, r->pool, 256 * (ngx_min(limit, 64) + 1));

    if (posts->nelts == 0) {
        ngx_http_news_out_lit(&out, "<p class=\"empty\">暂无文章</p>");
        return ngx_http_news_out_str(&out, html);
    }

    ngx_http_news_out_lit(&out, "<ul class=\"posts\">\n");

    for (i = 0; i < posts->nelts && i < limit; i++) {
        ngx_http_news_out_lit(&out, "<li><a href=\"");
        ngx_http_news_out_post_path(&out, &post[i]);
        ngx_http_news_out_lit(&out, "\">");
        ngx_http_news_out_html(&out, &post[i].title);
        ngx_http_news_out_lit(&out, "</a> <time datetime=\"");

        iso = post[i].published_at;
        ngx_http_news_out_html(&out, &iso);
        ngx_http_news_out_lit(&out, "\">");
        iso.len = ngx_min(iso.len, 10);
        ngx_http_news_out_html(&out, &iso);
        ngx_http_news_out_lit(&out, "</time>");

        if (post[i].summary.len) {
            ngx_http_news_out_lit(&out, "<p>");
            ngx_http_news_out_html(&out, &post[i].summary);
            ngx_http_news_out_lit(&out, "</p>");
        }

        ngx_http_news_out_lit(&out, "</li>\n");
    }

    ngx_http_news_out_lit(&out, "</ul>");

    return ngx_http_news_out_str(&out, html);
}


/* categories as links; depth gives a class for indenting the tree */

ngx_int_t
ngx_http_news_render_category_list(ngx_http_request_t *r, ngx_array_t *cats,
    ngx_str_t *html)
{
    ngx_uint_t            i;
    ngx_http_news_out_t   out;
    ngx_http_news_cat_t  *cat;

    cat = cats->elts;

    if (cats->nelts == 0) {
        ngx_str_null(html);
        return NGX_OK;
    }

    ngx_http_news_out_init(&out, r->pool, 128 * (cats->nelts + 1));
    ngx_http_news_out_lit(&out, "<ul class=\"categories\">\n");

    for (i = 0; i < cats->nelts; i++) {
        ngx_http_news_out_lit(&out, "<li class=\"depth-");
        ngx_http_news_out_uint(&out, cat[i].depth);
        ngx_http_news_out_lit(&out, "\"><a href=\"/category/");
        ngx_http_news_out_html(&out, &cat[i].slug);
        ngx_http_news_out_lit(&out, ".html\">");
        ngx_http_news_out_html(&out, ngx_http_news_cat_name(&cat[i]));
        ngx_http_news_out_lit(&out, "</a></li>\n");
    }

    ngx_http_news_out_lit(&out, "</ul>");

    return ngx_http_news_out_str(&out, html);
}
