
/*
 * Copyright (C) ngx_news_module authors
 *
 * The site's URLs, the one place that builds or parses them: the base
 * URL of absolute links (news_base_url, or the request's scheme and a
 * name of the server, kept here from the server's configuration),
 * article paths, category and tag paths, a list's pages, share links and
 * QR codes of posts, and the infoCode a share link or an article path
 * carries.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static ngx_str_t *ngx_http_news_server_name(ngx_http_request_t *r,
    ngx_uint_t *vetted);
static void ngx_http_news_out_date_path(ngx_http_news_out_t *out,
    ngx_str_t *published);
static ngx_int_t ngx_http_news_code_url(ngx_http_request_t *r,
    ngx_str_t *base, ngx_str_t *path, ngx_str_t *code, ngx_str_t *url);


ngx_str_t  ngx_http_news_home_url = ngx_string("/");


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


void
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

    /*
     * a code as it may stand in a URL, a Location header and HTML: what a
     * bypassed constraint lets in is percent-encoded
     */

    ngx_http_news_out_uri(out, &post->info_code);
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


/*
 * a post's share link as readers pass it on, absolute: "<base URL><share
 * path>?infoCode=<code>", what its QR code says
 */

ngx_int_t
ngx_http_news_share_url(ngx_http_request_t *r, ngx_str_t *share,
    ngx_str_t *code, ngx_str_t *url)
{
    ngx_str_t  base;

    if (ngx_http_news_base_url(r, &base) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_news_code_url(r, &base, share, code, url);
}


/* "<QR location>?infoCode=<code>": the image of a post's QR code */

ngx_int_t
ngx_http_news_qr_path(ngx_http_request_t *r, ngx_str_t *qr, ngx_str_t *code,
    ngx_str_t *path)
{
    ngx_str_t  none;

    ngx_str_null(&none);

    return ngx_http_news_code_url(r, &none, qr, code, path);
}


/*
 * the paths are the configuration's, checked when it was read; the code
 * is percent-encoded as in article paths
 */

static ngx_int_t
ngx_http_news_code_url(ngx_http_request_t *r, ngx_str_t *base,
    ngx_str_t *path, ngx_str_t *code, ngx_str_t *url)
{
    ngx_http_news_out_t  out;

    ngx_http_news_out_init(&out, r->pool,
                           base->len + path->len + 3 * code->len + 16);

    ngx_http_news_out_add(&out, base->data, base->len);
    ngx_http_news_out_add(&out, path->data, path->len);
    ngx_http_news_out_lit(&out, "?infoCode=");
    ngx_http_news_out_uri(&out, code);

    return ngx_http_news_out_str(&out, url);
}


/*
 * the matched code must be the whole argument: a pattern without anchors
 * still cannot let extra bytes through
 */

ngx_int_t
ngx_http_news_info_code_valid(ngx_http_request_t *r, ngx_str_t *code)
{
    int                        captures[3];
    ngx_int_t                  rc;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    rc = ngx_regex_exec(nlcf->info_code_re, code, captures, 3);

    if (rc >= 0 && captures[0] == 0 && captures[1] == (int) code->len) {
        return 1;
    }

    if (rc < NGX_REGEX_NO_MATCHED) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      ngx_regex_exec_n " failed: %i on \"%V\"", rc, code);

    } else {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: invalid infoCode \"%V\"", code);
    }

    return 0;
}


/*
 * /category/<slug>.html[?page=N], the slug escaped for where the path
 * goes: HTML, a JSON string, or nothing for a slug already known valid
 */

void
ngx_http_news_out_category_path(ngx_http_news_out_t *out, ngx_str_t *slug,
    ngx_uint_t page, ngx_uint_t escape)
{
    ngx_http_news_out_lit(out, "/category/");

    switch (escape) {

    case NGX_HTTP_NEWS_ESCAPE_HTML:
        ngx_http_news_out_html(out, slug);
        break;

    case NGX_HTTP_NEWS_ESCAPE_JSON:
        ngx_http_news_out_json(out, slug);
        break;

    default:
        ngx_http_news_out_add(out, slug->data, slug->len);
    }

    ngx_http_news_out_lit(out, ".html");
    ngx_http_news_out_page_path(out, NULL, page);
}


/* a list's page: its first page's path (already escaped), "?page=N" */

void
ngx_http_news_out_page_path(ngx_http_news_out_t *out, ngx_str_t *path,
    ngx_uint_t page)
{
    if (path != NULL) {
        ngx_http_news_out_add(out, path->data, path->len);
    }

    if (page > 1) {
        ngx_http_news_out_lit(out, "?page=");
        ngx_http_news_out_uint(out, page);
    }
}


/*
 * /tag/<name>.html[?page=N], the name percent-encoded but for RFC 3986's
 * unreserved bytes: as it is for HTML, JSON and a Location header alike
 */

void
ngx_http_news_out_tag_path(ngx_http_news_out_t *out, ngx_str_t *name,
    ngx_uint_t page)
{
    ngx_http_news_out_lit(out, "/tag/");
    ngx_http_news_out_reserve(out, 3 * name->len);

    if (!out->failed) {
        out->pos += news_tag_escape(out->pos, name->data, name->len);
    }

    ngx_http_news_out_lit(out, ".html");
    ngx_http_news_out_page_path(out, NULL, page);
}


/*
 * the name of a tag page's URI: NGX_OK, or NGX_DECLINED.  It is read
 * from the URI as the client sent it, before nginx decodes it, so that a
 * name with "%2F" or "%25" in it comes out as it went in; after a
 * rewrite or an internal redirect only nginx's decoded URI is left
 */

ngx_int_t
ngx_http_news_tag_name(ngx_http_request_t *r, ngx_str_t *name,
    ngx_uint_t *feed)
{
    u_char  *p, *q;
    size_t   len;
    int      decode;

    name->data = ngx_pnalloc(r->pool, NEWS_TAG_MAX);
    if (name->data == NULL) {
        return NGX_ERROR;
    }

    decode = r->valid_unparsed_uri;

    if (decode) {
        p = r->unparsed_uri.data;
        len = r->unparsed_uri.len;

        q = ngx_strlchr(p, p + len, '?');
        if (q != NULL) {
            len = q - p;
        }

    } else {
        p = r->uri.data;
        len = r->uri.len;
    }

    *feed = 0;

    if (news_parse_tag_uri(p, len, decode, name->data, &name->len)) {
        return NGX_OK;
    }

    if (news_parse_tag_feed_uri(p, len, decode, name->data, &name->len)) {
        *feed = 1;
        return NGX_OK;
    }

    return NGX_DECLINED;
}


/*
 * a list's page number, ?page=N: NGX_OK with 1 when there is none,
 * NGX_DECLINED for anything but 1..NGX_HTTP_NEWS_PAGE_MAX
 */

ngx_int_t
ngx_http_news_page_arg(ngx_http_request_t *r, ngx_uint_t *page)
{
    ngx_int_t  n;
    ngx_str_t  arg;

    *page = 1;

    if (ngx_http_arg(r, (u_char *) "page", 4, &arg) != NGX_OK) {
        return NGX_OK;
    }

    n = ngx_atoi(arg.data, arg.len);

    if (n < 1 || n > NGX_HTTP_NEWS_PAGE_MAX) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: invalid page \"%V\"", &arg);
        return NGX_DECLINED;
    }

    *page = n;

    return NGX_OK;
}


/*
 * the ?infoCode= of a share link or a QR code (what, for the log), checked
 * against news_info_code_pattern and kept in the request's context;
 * NGX_DECLINED, said in the log, when there is none or it is no code
 */

ngx_int_t
ngx_http_news_info_code_arg(ngx_http_request_t *r, char *what,
    ngx_str_t *code)
{
    if (ngx_http_arg(r, (u_char *) "infoCode", 8, code) != NGX_OK
        || code->len == 0)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: %s without infoCode", what);
        return NGX_DECLINED;
    }

    if (code->len > NEWS_INFO_CODE_MAX) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: infoCode of %uz bytes is too long", code->len);
        return NGX_DECLINED;
    }

    if (!ngx_http_news_info_code_valid(r, code)) {
        return NGX_DECLINED;
    }

    ngx_http_news_set_info_code(r, code);

    return NGX_OK;
}


/* the slug of a category page's URI: NGX_OK, or NGX_DECLINED */

ngx_int_t
ngx_http_news_category_slug(ngx_http_request_t *r, ngx_str_t *slug)
{
    slug->data = (u_char *) news_parse_category_uri(r->uri.data, r->uri.len,
                                                    &slug->len);

    return slug->data ? NGX_OK : NGX_DECLINED;
}


/*
 * the scheme and host of every absolute URL the site writes, without a
 * trailing slash: "https://news.example.com", or with variables,
 * "$scheme://$host"
 */

char *
ngx_http_news_set_base_url(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    if (nlcf->base_url != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    while (value[1].len && value[1].data[value[1].len - 1] == '/') {
        value[1].len--;
    }

    if (ngx_strncmp(value[1].data, "http://", 7) != 0
        && ngx_strncmp(value[1].data, "https://", 8) != 0
        && value[1].data[0] != '$')
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", it must start with "
                           "\"http://\", \"https://\" or a variable",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    nlcf->base_url = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (nlcf->base_url == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = nlcf->base_url;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


void *
ngx_http_news_create_srv_conf(ngx_conf_t *cf)
{
    ngx_http_news_srv_conf_t  *nscf;

    nscf = ngx_pcalloc(cf->pool, sizeof(ngx_http_news_srv_conf_t));
    if (nscf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&nscf->names, cf->pool, 1, sizeof(ngx_str_t))
        != NGX_OK)
    {
        return NULL;
    }

    return nscf;
}


/*
 * the server's exact names, which absolute URLs may take from the Host:
 * nginx keeps its own list only while it reads the configuration
 */

char *
ngx_http_news_merge_srv_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_news_srv_conf_t *conf = child;

    ngx_str_t                 *name;
    ngx_uint_t                 i;
    ngx_http_server_name_t    *sn;
    ngx_http_core_srv_conf_t  *cscf;

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);

    sn = cscf->server_names.elts;

    for (i = 0; i < cscf->server_names.nelts; i++) {

#if (NGX_PCRE)
        if (sn[i].regex != NULL) {
            continue;
        }
#endif

        if (sn[i].name.len == 0
            || ngx_strlchr(sn[i].name.data,
                           sn[i].name.data + sn[i].name.len, '*')
            || sn[i].name.data[0] == '.')
        {
            continue;
        }

        name = ngx_array_push(&conf->names);
        if (name == NULL) {
            return NGX_CONF_ERROR;
        }

        name->len = sn[i].name.len;
        name->data = ngx_pstrdup(cf->pool, &sn[i].name);
        if (name->data == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}
