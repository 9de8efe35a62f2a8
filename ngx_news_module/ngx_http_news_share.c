
/*
 * Copyright (C) ngx_news_module authors
 *
 * Share links, /html_News/NewsShare.html?infoCode=...: the code is checked
 * against news_info_code_pattern, looked up, and the reader is sent to the
 * article's canonical URL on this site with the other arguments kept, or
 * the article is rendered in place.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


ngx_int_t
ngx_http_news_share_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_str_t                  code, key, path, preview;
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_page_t      *page;
    ngx_http_news_post_t       post;
    ngx_http_news_loc_conf_t  *nlcf;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (ngx_http_news_info_code_arg(r, "share link", &code) != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_BAD_REQUEST);
    }

    rc = ngx_http_news_db_ready(nlcf->db, r->connection->log);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    /* a signed preview: never from or into the cache */

    if (nlcf->preview_secret.len
        && ngx_http_arg(r, (u_char *) "preview", 7, &preview) == NGX_OK)
    {
        return ngx_http_news_preview(r, &code, &preview);
    }

    /*
     * the cache keeps a rendered page, or for redirects the article's
     * path: a share link costs no database lookup while nothing changes
     */

    if ((nlcf->share_redirect == 0
         && ngx_http_news_most_read_variant(r) != NGX_OK)
        || ngx_http_news_cache_key(r, nlcf->share_redirect
                                      ? NGX_HTTP_NEWS_CACHE_SHARE
                                      : NGX_HTTP_NEWS_CACHE_RENDER,
                                   &code, 0, &key)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    page = ngx_http_news_cache_get(r, ngx_http_news_db_cache(nlcf->db),
                                   &key);

    if (page != NULL && page->status) {
        /* an unknown or deleted code, as found before */
        return ngx_http_news_send_page(r, page);
    }

    if (page != NULL && nlcf->share_redirect == 0) {
        ngx_http_news_set_counted(r, &page->info_code, NGX_HTTP_NEWS_VIEW);
        return ngx_http_news_send_page(r, page);
    }

    if (page != NULL) {
        path = page->body;

    } else {
        ngx_http_news_db_begin(r, nlcf->db);

        ngx_memzero(&post, sizeof(ngx_http_news_post_t));

        rc = ngx_http_news_db_post(r, nlcf->db, &code, &post);

        rc = ngx_http_news_post_status(r, &post, rc, &code);
        if (rc != NGX_OK) {
            return ngx_http_news_error(r, rc);
        }

        if (nlcf->share_redirect == 0) {
            return ngx_http_news_render_article(r, &post, &key);
        }

        if (ngx_http_news_article_path(r, &post, &path) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        (void) ngx_http_news_cache_put_str(r, ngx_http_news_db_cache(nlcf->db),
                                           &key, &path,
                                           &post.info_code);
    }

    ngx_http_news_set_counted(r, page ? &page->info_code : &post.info_code,
                              NGX_HTTP_NEWS_SHARE);

    /* $news_cache_status: the target path from the cache, or kept now */

    ctx = ngx_http_news_get_ctx(r);

    if (ctx != NULL) {
        if (page != NULL) {
            ngx_str_set(&ctx->cache_status, "HIT");

        } else if (ctx->rendered) {
            ngx_str_set(&ctx->cache_status, "MISS");
        }
    }

    return ngx_http_news_redirect(r, nlcf->share_redirect, &path);
}
