
/*
 * Copyright (C) ngx_news_module authors
 *
 * QR codes of share links, ?infoCode=... at a news_qr location: the code
 * is checked and looked up as a share link's is, and the answer is an SVG
 * of the post's absolute share URL, made with libqrencode and kept in the
 * render cache, so that a storm of scans costs one rendering a change;
 * and news_share_qr's figure of it beside every article.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>

#include <qrencode.h>


/* the light margin around the symbol, in modules, as the standard asks */
#define NGX_HTTP_NEWS_QR_QUIET  4

/* pixels a module where the SVG is shown on its own */
#define NGX_HTTP_NEWS_QR_SCALE  4


static ngx_int_t ngx_http_news_qr_svg(ngx_http_request_t *r, ngx_str_t *text,
    ngx_str_t *svg);
static char *ngx_http_news_qr_conf_path(ngx_conf_t *cf, ngx_str_t *value,
    ngx_str_t *path);


ngx_int_t
ngx_http_news_qr_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_str_t                  code, key, url, svg;
    ngx_http_news_page_t      *page;
    ngx_http_news_post_t       post;
    ngx_http_news_loc_conf_t  *nlcf;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (ngx_http_news_info_code_arg(r, "QR code", &code) != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_BAD_REQUEST);
    }

    rc = ngx_http_news_db_ready(nlcf->db, r->connection->log);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    /*
     * the share URL the request names is all the image depends on: its
     * key, with the base URL in it when that varies by request
     */

    if (ngx_http_news_share_url(r, &nlcf->share_qr[1], &code, &url) != NGX_OK
        || ngx_http_news_cache_key(r, NGX_HTTP_NEWS_CACHE_QR, &url, 0, &key)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    page = ngx_http_news_cache_get(r, ngx_http_news_db_cache(nlcf->db),
                                   &key);

    if (page != NULL) {
        return ngx_http_news_send_page(r, page);
    }

    ngx_http_news_db_begin(r, nlcf->db);

    ngx_memzero(&post, sizeof(ngx_http_news_post_t));

    rc = ngx_http_news_db_post(r, nlcf->db, &code, &post);

    rc = ngx_http_news_post_status(r, &post, rc, &code);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    /* an old code of the post scans as the post's own share link */

    if (ngx_http_news_share_url(r, &nlcf->share_qr[1], &post.info_code,
                                &url)
        != NGX_OK
        || ngx_http_news_qr_svg(r, &url, &svg) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_set_cache_tags(r, &post.info_code, NULL);

    return ngx_http_news_send_body(r, NGX_HTTP_NEWS_KIND_SVG, &svg,
                                   post.updated, &key, &post.info_code);
}


/*
 * the symbol at error correction level M (15% of it may be lost: a
 * crumpled print, a glare on a screen), as one path: each row's runs of
 * dark modules are strokes one module wide, "M4 4.5h7m2 0h1...", which
 * keeps a typical share link's SVG near 2 KB
 */

static ngx_int_t
ngx_http_news_qr_svg(ngx_http_request_t *r, ngx_str_t *text, ngx_str_t *svg)
{
    int                   x, y, x0, pen, size;
    u_char               *s, *row;
    QRcode               *qr;
    ngx_http_news_out_t   out;

    /* libqrencode reads a C string and allocates for itself */

    s = ngx_pnalloc(r->pool, text->len + 1);
    if (s == NULL) {
        return NGX_ERROR;
    }

    *ngx_cpymem(s, text->data, text->len) = '\0';

    qr = QRcode_encodeString((char *) s, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

    if (qr == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno,
                      "news: QRcode_encodeString() failed for \"%V\"",
                      text);
        return NGX_ERROR;
    }

    size = qr->width + 2 * NGX_HTTP_NEWS_QR_QUIET;

    ngx_http_news_out_init(&out, r->pool, 256 + 4 * qr->width * qr->width / 5);

    ngx_http_news_out_lit(&out, "<svg xmlns=\"http://www.w3.org/2000/svg\""
                                " viewBox=\"0 0 ");
    ngx_http_news_out_uint(&out, size);
    ngx_http_news_out_lit(&out, " ");
    ngx_http_news_out_uint(&out, size);
    ngx_http_news_out_lit(&out, "\" width=\"");
    ngx_http_news_out_uint(&out, size * NGX_HTTP_NEWS_QR_SCALE);
    ngx_http_news_out_lit(&out, "\" height=\"");
    ngx_http_news_out_uint(&out, size * NGX_HTTP_NEWS_QR_SCALE);

    /*
     * the light modules are painted too: on a page in a dark scheme a
     * transparent image would show dark modules on a dark ground
     */

    ngx_http_news_out_lit(&out, "\" shape-rendering=\"crispEdges\">"
                                "<rect width=\"100%\" height=\"100%\""
                                " fill=\"#fff\"/><path stroke=\"#000\" d=\"");

    for (y = 0; y < qr->width; y++) {
        row = qr->data + y * qr->width;
        pen = -1;

        for (x = 0; x < qr->width; /* void */) {

            if (!(row[x] & 1)) {
                x++;
                continue;
            }

            x0 = x;

            while (x < qr->width && (row[x] & 1)) {
                x++;
            }

            if (pen < 0) {
                ngx_http_news_out_lit(&out, "M");
                ngx_http_news_out_uint(&out, x0 + NGX_HTTP_NEWS_QR_QUIET);
                ngx_http_news_out_lit(&out, " ");
                ngx_http_news_out_uint(&out, y + NGX_HTTP_NEWS_QR_QUIET);
                ngx_http_news_out_lit(&out, ".5h");

            } else {
                ngx_http_news_out_lit(&out, "m");
                ngx_http_news_out_uint(&out, x0 - pen);
                ngx_http_news_out_lit(&out, " 0h");
            }

            ngx_http_news_out_uint(&out, x - x0);
            pen = x;
        }
    }

    ngx_http_news_out_lit(&out, "\"/></svg>\n");

    QRcode_free(qr);

    return ngx_http_news_out_str(&out, svg);
}


/* news_qr [share_path]; */

char *
ngx_http_news_qr(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (nlcf->handler != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2
        && ngx_http_news_qr_conf_path(cf, &value[1], &nlcf->share_qr[1])
           != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    nlcf->handler = ngx_http_news_qr_handler;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_news_qr_handler;

    return NGX_CONF_OK;
}


/* news_share_qr qr_path [share_path]; */

char *
ngx_http_news_share_qr(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t  *value;

    if (nlcf->share_qr[0].data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        /* set, and empty: no QR code, whatever the level above says */
        ngx_str_set(&nlcf->share_qr[0], "");
        return NGX_CONF_OK;
    }

    if (ngx_http_news_qr_conf_path(cf, &value[1], &nlcf->share_qr[0])
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts == 3) {
        return ngx_http_news_qr_conf_path(cf, &value[2], &nlcf->share_qr[1]);
    }

    return NGX_CONF_OK;
}


/*
 * a path on the site, to which "?infoCode=..." is added: no query or
 * fragment of its own, nothing a URL must escape
 */

static char *
ngx_http_news_qr_conf_path(ngx_conf_t *cf, ngx_str_t *value, ngx_str_t *path)
{
    ngx_uint_t  i;

    if (path->data != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "the share path is duplicate");
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < value->len; i++) {
        if (value->data[i] <= ' ' || value->data[i] >= 0x7f
            || value->data[i] == '?' || value->data[i] == '#'
            || value->data[i] == '"' || value->data[i] == '<'
            || value->data[i] == '>' || value->data[i] == '\\')
        {
            break;
        }
    }

    if (value->len < 2 || value->data[0] != '/' || value->data[1] == '/'
        || i < value->len)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", it must be a path "
                           "without arguments", value);
        return NGX_CONF_ERROR;
    }

    *path = *value;

    return NGX_CONF_OK;
}


/*
 * the share link's QR code with the link beside it (news_share_qr), for a
 * reader who passes the article from a screen to a phone: WeChat scans
 * it; empty without the directive
 */

ngx_int_t
ngx_http_news_render_share_qr(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *html)
{
    ngx_str_t                  url, src;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (nlcf->share_qr[0].len == 0) {
        ngx_str_null(html);
        return NGX_OK;
    }

    if (ngx_http_news_share_url(r, &nlcf->share_qr[1], &post->info_code,
                                &url)
        != NGX_OK
        || ngx_http_news_qr_path(r, &nlcf->share_qr[0], &post->info_code,
                                 &src)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, src.len + 2 * url.len + 256);

    ngx_http_news_out_lit(&out, "<figure class=\"share-qr\"><img src=\"");
    ngx_http_news_out_html(&out, &src);

    if (nlcf->chinese) {
        ngx_http_news_out_lit(&out, "\" alt=\"分享链接的二维码\"");

    } else {
        ngx_http_news_out_lit(&out, "\" alt=\"QR code of the share link\"");
    }

    /* any size: the SVG scales, and a QR code is square */

    ngx_http_news_out_lit(&out, " width=\"160\" height=\"160\""
                                " loading=\"lazy\"><figcaption>");

    if (nlcf->chinese) {
        ngx_http_news_out_lit(&out, "扫码分享 ");

    } else {
        ngx_http_news_out_lit(&out, "Scan to share ");
    }

    ngx_http_news_out_lit(&out, "<a href=\"");
    ngx_http_news_out_html(&out, &url);
    ngx_http_news_out_lit(&out, "\">");
    ngx_http_news_out_html(&out, &url);
    ngx_http_news_out_lit(&out, "</a></figcaption></figure>");

    return ngx_http_news_out_str(&out, html);
}
