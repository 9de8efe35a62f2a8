
/*
 * Copyright (C) ngx_news_module authors
 *
 * Tag pages, /tag/<name>.html?page=N, the name percent-encoded: the
 * tag's published posts newest first, paged as a category's are, with
 * the breadcrumb Home > tag.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static ngx_int_t ngx_http_news_render_tag(ngx_http_request_t *r,
    ngx_http_news_list_t *tag, ngx_uint_t page, ngx_uint_t pages,
    ngx_array_t *posts, ngx_array_t *sections, ngx_str_t *vars);


ngx_int_t
ngx_http_news_tag_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_str_t                  vars[NGX_HTTP_NEWS_V_MAX];
    ngx_str_t                  name, key, path;
    ngx_uint_t                 page, pages, feed;
    ngx_array_t                sections, posts;
    ngx_http_news_out_t        out;
    ngx_http_news_list_t       tag;
    ngx_http_news_loc_conf_t  *nlcf;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    rc = ngx_http_news_tag_name(r, &name, &feed);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: \"%V\" is not a tag URL", &r->uri);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    if (feed) {
        return ngx_http_news_tag_feed(r, &name);
    }

    if (ngx_http_news_page_arg(r, &page) != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_BAD_REQUEST);
    }

    rc = ngx_http_news_send_cached(r, NGX_HTTP_NEWS_CACHE_TAG, &name, page,
                                   &key);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_news_db_tag(r, nlcf->db, &name, &tag);

    if (rc == NGX_DECLINED) {
        /* the name as sent, escaped in the log as nginx escapes it */
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: no tag \"%V\"", &name);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    /* an error page from here on links back to the tag */

    ngx_http_news_out_init(&out, r->pool, 3 * name.len + 16);
    ngx_http_news_out_tag_path(&out, &tag.name, 0);

    if (ngx_http_news_out_str(&out, &path) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_set_back_path(r, &path, &tag.name);

    if (ngx_array_init(&sections, r->pool, 16, sizeof(ngx_http_news_cat_t))
        != NGX_OK
        || ngx_array_init(&posts, r->pool, nlcf->page_size + 1,
                          sizeof(ngx_http_news_post_t))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_news_db_children(r, nlcf->db, 0, &sections);

    /* set by ngx_http_news_list_page() too, which a compiler cannot see */
    pages = 0;

    if (rc == NGX_OK) {
        rc = ngx_http_news_list_page(r, nlcf->db, &tag, page, &posts,
                                     &pages);
    }

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: tag \"%V\" has no page %ui", &name, page);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    ngx_memzero(vars, sizeof(vars));

    if (ngx_http_news_render_tag(r, &tag, page, pages, &posts, &sections,
                                 vars)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the tag's feed, which this location serves too */

    ngx_http_news_out_init(&out, r->pool, 3 * tag.name.len + 96);
    ngx_http_news_out_lit(&out, "<link rel=\"alternate\" "
                          "type=\"application/rss+xml\" href=\"/tag/");
    ngx_http_news_out_reserve(&out, 3 * tag.name.len);

    if (!out.failed) {
        out.pos += news_tag_escape(out.pos, tag.name.data, tag.name.len);
    }

    ngx_http_news_out_lit(&out, ".xml\">\n");

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_PAGE_FEEDS])
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_set_tag_cache_tags(r, &tag.name);

    return ngx_http_news_send(r, NGX_HTTP_NEWS_TPL_TAG, vars, 0, &key, NULL);
}


static ngx_int_t
ngx_http_news_render_tag(ngx_http_request_t *r, ngx_http_news_list_t *tag,
    ngx_uint_t page, ngx_uint_t pages, ngx_array_t *posts,
    ngx_array_t *sections, ngx_str_t *vars)
{
    ngx_str_t                  base, path;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    vars[NGX_HTTP_NEWS_V_HOME_URL] = ngx_http_news_home_url;

    if (ngx_http_news_base_url(r, &base) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the path is percent-encoded: as it is in HTML and in JSON */

    ngx_http_news_out_init(&out, r->pool, 3 * tag->name.len + 16);
    ngx_http_news_out_tag_path(&out, &tag->name, 0);

    if (ngx_http_news_out_str(&out, &path) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, base.len + path.len + 32);
    ngx_http_news_out_html(&out, &base);
    ngx_http_news_out_page_path(&out, &path, page);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_CANONICAL_URL])
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, NGX_INT_T_LEN);
    ngx_http_news_out_uint(&out, page);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_PAGE]) != NGX_OK
        || ngx_http_news_html(r->pool, &tag->name,
                              &vars[NGX_HTTP_NEWS_V_TITLE]) != NGX_OK
        || ngx_http_news_render_tag_breadcrumb(r, &base, &tag->name, &path,
                                               vars)
           != NGX_OK
        || ngx_http_news_render_post_list(r, posts, nlcf->page_size,
                                          &vars[NGX_HTTP_NEWS_V_POSTS])
           != NGX_OK
        || ngx_http_news_render_pager(r, &path, page, pages,
                                      posts->nelts > nlcf->page_size,
                                      &vars[NGX_HTTP_NEWS_V_PAGER])
           != NGX_OK
        || ngx_http_news_render_nav(r, sections, 0,
                                    &vars[NGX_HTTP_NEWS_V_NAV])
           != NGX_OK
        || ngx_http_news_render_meta(r, NULL, &base, NULL, vars) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}
