
/*
 * Copyright (C) ngx_news_module authors
 *
 * Article pages, /<category>/<yyyy>/<mm>/<dd>/<infoCode>.html: the path
 * parsed, the post looked up, moved posts redirected to where they are
 * now, the page rendered with its tags and breadcrumb.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


ngx_int_t
ngx_http_news_article_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_str_t                  code, path, key;
    news_article_uri_t         uri;
    ngx_http_news_page_t      *page;
    ngx_http_news_post_t       post;
    ngx_http_news_loc_conf_t  *nlcf;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (!news_parse_article_uri(r->uri.data, r->uri.len, &uri)) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: \"%V\" is not an article URL", &r->uri);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    code.data = (u_char *) uri.code;
    code.len = uri.code_len;

    if (!ngx_http_news_info_code_valid(r, &code)) {
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    ngx_http_news_set_info_code(r, &code);

    rc = ngx_http_news_db_ready(nlcf->db, r->connection->log);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    /* only canonical URLs of published posts are ever cached */

    if (ngx_http_news_most_read_variant(r) != NGX_OK
        || ngx_http_news_cache_key(r, NGX_HTTP_NEWS_CACHE_ARTICLE, &r->uri,
                                   0, &key)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    page = ngx_http_news_cache_get(r, ngx_http_news_db_cache(nlcf->db),
                                   &key);

    if (page != NULL) {
        if (page->status == 0) {
            ngx_http_news_set_counted(r, &page->info_code,
                                      NGX_HTTP_NEWS_VIEW);
        }

        return ngx_http_news_send_page(r, page);
    }

    ngx_http_news_db_begin(r, nlcf->db);

    ngx_memzero(&post, sizeof(ngx_http_news_post_t));

    rc = ngx_http_news_db_post(r, nlcf->db, &code, &post);

    rc = ngx_http_news_post_status(r, &post, rc, &code);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    if (ngx_http_news_article_path(r, &post, &path) != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    if (path.len != r->uri.len
        || ngx_strncmp(path.data, r->uri.data, path.len) != 0)
    {
        /* the post was moved or redated: its old URLs live on */
        return ngx_http_news_redirect(r, NGX_HTTP_MOVED_PERMANENTLY, &path);
    }

    return ngx_http_news_render_article(r, &post, &key);
}


/*
 * NGX_OK for a published post, or the status to answer with, for
 * ngx_http_news_error()
 */

ngx_int_t
ngx_http_news_post_status(ngx_http_request_t *r, ngx_http_news_post_t *post,
    ngx_int_t rc, ngx_str_t *code)
{
    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: no post \"%V\"", code);
        return NGX_HTTP_NOT_FOUND;
    }

    if (rc != NGX_OK) {
        /* locked, missing or broken: logged where it was found */
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    switch (post->status) {

    case NGX_HTTP_NEWS_STATUS_PUBLISHED:
        return NGX_OK;

    case NGX_HTTP_NEWS_STATUS_SCHEDULED:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: post \"%V\" is scheduled for later", code);
        return NGX_HTTP_NOT_FOUND;

    case NGX_HTTP_NEWS_STATUS_DELETED:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: post \"%V\" is deleted", code);

        /* a reader of a removed post is pointed at its category */
        ngx_http_news_set_back(r, &post->category_slug, &post->category_name);

        return NGX_HTTP_NEWS_GONE;

    default:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: post \"%V\" is not published", code);
        return NGX_HTTP_NOT_FOUND;
    }
}


ngx_int_t
ngx_http_news_render_article(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *cache_key)
{
    ngx_str_t                  vars[NGX_HTTP_NEWS_V_MAX];
    ngx_str_t                  base, path, canonical, slug;
    ngx_array_t                tags, chain, sections;
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_memzero(vars, sizeof(vars));

    if (ngx_array_init(&tags, r->pool, 4, sizeof(ngx_str_t)) != NGX_OK
        || ngx_array_init(&chain, r->pool, 4, sizeof(ngx_http_news_cat_t))
           != NGX_OK
        || ngx_array_init(&sections, r->pool, 16,
                          sizeof(ngx_http_news_cat_t))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_news_db_tags(r, nlcf->db, post->id, &tags) != NGX_OK
        || ngx_http_news_db_children(r, nlcf->db, 0, &sections) != NGX_OK
        || ngx_http_news_render_related(r, nlcf->db, post,
                                        &vars[NGX_HTTP_NEWS_V_RELATED])
           != NGX_OK
        || ngx_http_news_render_most_read(r, nlcf->db,
                                          &vars[NGX_HTTP_NEWS_V_MOST_READ])
           != NGX_OK)
    {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    if (post->has_category
        && ngx_http_news_db_chain(r, nlcf->db, post->category_id, &chain)
           != NGX_OK)
    {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    if (ngx_http_news_base_url(r, &base) != NGX_OK
        || ngx_http_news_article_path(r, post, &path) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    canonical.len = base.len + path.len;
    canonical.data = ngx_pnalloc(r->pool, canonical.len);
    if (canonical.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(ngx_cpymem(canonical.data, base.data, base.len),
               path.data, path.len);

    vars[NGX_HTTP_NEWS_V_BODY] = post->body;
    vars[NGX_HTTP_NEWS_V_HOME_URL] = ngx_http_news_home_url;

    if (chain.nelts) {
        slug = ((ngx_http_news_cat_t *) chain.elts)[chain.nelts - 1].slug;

        ngx_http_news_out_init(&out, r->pool, slug.len + 32);
        ngx_http_news_out_category_path(&out, &slug, 0,
                                        NGX_HTTP_NEWS_ESCAPE_HTML);

        if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_CATEGORY_URL])
            != NGX_OK
            || ngx_http_news_html(r->pool, post->category_name.len
                                           ? &post->category_name : &slug,
                                  &vars[NGX_HTTP_NEWS_V_CATEGORY_NAME])
               != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

    } else {
        vars[NGX_HTTP_NEWS_V_CATEGORY_URL] = ngx_http_news_home_url;
        ngx_str_set(&vars[NGX_HTTP_NEWS_V_CATEGORY_NAME], "首页");
    }

    if (ngx_http_news_html(r->pool, &post->title, &vars[NGX_HTTP_NEWS_V_TITLE])
        != NGX_OK
        || ngx_http_news_html(r->pool, &post->summary,
                              &vars[NGX_HTTP_NEWS_V_DESCRIPTION]) != NGX_OK
        || ngx_http_news_html(r->pool, &canonical,
                              &vars[NGX_HTTP_NEWS_V_CANONICAL_URL]) != NGX_OK
        || ngx_http_news_published(r, post, vars) != NGX_OK
        || ngx_http_news_render_source(r, post, &vars[NGX_HTTP_NEWS_V_SOURCE])
           != NGX_OK
        || ngx_http_news_render_tags(r, &tags, &vars[NGX_HTTP_NEWS_V_TAGS])
           != NGX_OK
        || ngx_http_news_render_breadcrumb(r, &base, &chain, &post->title,
                                           &canonical, vars) != NGX_OK
        || ngx_http_news_render_nav(r, &sections,
                                    ngx_http_news_section(&chain),
                                    &vars[NGX_HTTP_NEWS_V_NAV])
           != NGX_OK
        || ngx_http_news_render_meta(r, post, &base, &canonical, vars)
           != NGX_OK
        || ngx_http_news_render_share_qr(r, post,
                                         &vars[NGX_HTTP_NEWS_V_SHARE_QR])
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

    if (ctx != NULL && ctx->preview) {
        /* not public yet: kept out of search engines, and not counted */
        ngx_str_set(&vars[NGX_HTTP_NEWS_V_ROBOTS],
                    "<meta name=\"robots\" content=\"noindex\">");

    } else {
        ngx_http_news_set_counted(r, &post->info_code, NGX_HTTP_NEWS_VIEW);
        ngx_http_news_set_cache_tags(r, &post->info_code, &chain);
    }

    return ngx_http_news_send(r, NGX_HTTP_NEWS_TPL_ARTICLE, vars,
                              post->updated, cache_key, &post->info_code);
}
