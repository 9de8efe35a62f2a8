
/*
 * Copyright (C) ngx_news_module authors
 *
 * List pages: a category, /category/<slug>.html?page=N, with its
 * breadcrumb, subcategories and posts, and the home page, /?page=N, with
 * the newest posts and the category tree.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static ngx_int_t ngx_http_news_category_moved(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_str_t *slug);


ngx_int_t
ngx_http_news_category_handler(ngx_http_request_t *r)
{
    int                        atom;
    ngx_int_t                  rc;
    ngx_str_t                  vars[NGX_HTTP_NEWS_V_MAX];
    ngx_str_t                  slug, base, key, path;
    ngx_uint_t                 page, pages;
    ngx_array_t                chain, children, sections, posts;
    ngx_http_news_out_t        out;
    ngx_http_news_cat_t        cat;
    ngx_http_news_list_t       list;
    ngx_http_news_loc_conf_t  *nlcf;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    /* the category's feed, /category/<slug>.xml or .atom */

    slug.data = (u_char *) news_parse_category_feed_uri(r->uri.data,
                                                        r->uri.len,
                                                        &slug.len, &atom);
    if (slug.data != NULL) {
        return ngx_http_news_category_feed(r, &slug, atom);
    }

    if (ngx_http_news_category_slug(r, &slug) != NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: \"%V\" is not a category URL", &r->uri);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    if (ngx_http_news_page_arg(r, &page) != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_BAD_REQUEST);
    }

    rc = ngx_http_news_send_cached(r, NGX_HTTP_NEWS_CACHE_CATEGORY, &slug,
                                   page, &key);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_news_db_category(r, nlcf->db, &slug, &cat);

    if (rc == NGX_DECLINED) {
        rc = ngx_http_news_category_moved(r, nlcf->db, &slug);

        if (rc == NGX_DECLINED) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "news: no category \"%V\"", &slug);
            return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
        }

        return rc;
    }

    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    /* an error page from here on links back to the category */
    ngx_http_news_set_back(r, &cat.slug, &cat.name);

    if (ngx_array_init(&chain, r->pool, 4, sizeof(ngx_http_news_cat_t))
        != NGX_OK
        || ngx_array_init(&children, r->pool, 8, sizeof(ngx_http_news_cat_t))
           != NGX_OK
        || ngx_array_init(&sections, r->pool, 16,
                          sizeof(ngx_http_news_cat_t))
           != NGX_OK
        || ngx_array_init(&posts, r->pool, nlcf->page_size + 1,
                          sizeof(ngx_http_news_post_t))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_news_db_chain(r, nlcf->db, cat.id, &chain);

    if (rc == NGX_OK) {
        rc = ngx_http_news_db_children(r, nlcf->db, cat.id, &children);
    }

    if (rc == NGX_OK) {
        rc = ngx_http_news_db_children(r, nlcf->db, 0, &sections);
    }

    list.type = nlcf->descendants ? NGX_HTTP_NEWS_LIST_TREE
                                  : NGX_HTTP_NEWS_LIST_CATEGORY;
    list.id = cat.id;
    list.name = slug;

    /* set by ngx_http_news_list_page() too, which a compiler cannot see */
    pages = 0;

    if (rc == NGX_OK) {
        rc = ngx_http_news_list_page(r, nlcf->db, &list, page, &posts,
                                     &pages);
    }

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: category \"%V\" has no page %ui", &slug, page);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    ngx_memzero(vars, sizeof(vars));

    vars[NGX_HTTP_NEWS_V_HOME_URL] = ngx_http_news_home_url;

    if (ngx_http_news_base_url(r, &base) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, base.len + slug.len + 64);
    ngx_http_news_out_html(&out, &base);
    ngx_http_news_out_category_path(&out, &slug, page,
                                    NGX_HTTP_NEWS_ESCAPE_HTML);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_CANONICAL_URL])
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, slug.len + 16);
    ngx_http_news_out_category_path(&out, &slug, 0,
                                    NGX_HTTP_NEWS_ESCAPE_HTML);

    if (ngx_http_news_out_str(&out, &path) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, NGX_INT_T_LEN);
    ngx_http_news_out_uint(&out, page);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_PAGE]) != NGX_OK
        || ngx_http_news_html(r->pool, cat.name.len ? &cat.name : &cat.slug,
                              &vars[NGX_HTTP_NEWS_V_TITLE]) != NGX_OK
        || ngx_http_news_render_breadcrumb(r, &base, &chain, NULL, NULL,
                                           vars)
           != NGX_OK
        || ngx_http_news_render_category_list(r, &children,
                                   &vars[NGX_HTTP_NEWS_V_SUBCATEGORIES])
           != NGX_OK
        || ngx_http_news_render_post_list(r, &posts, nlcf->page_size,
                                          &vars[NGX_HTTP_NEWS_V_POSTS])
           != NGX_OK
        || ngx_http_news_render_pager(r, &path, page, pages,
                                      posts.nelts > nlcf->page_size,
                                      &vars[NGX_HTTP_NEWS_V_PAGER])
           != NGX_OK
        || ngx_http_news_render_nav(r, &sections,
                                    ngx_http_news_section(&chain),
                                    &vars[NGX_HTTP_NEWS_V_NAV])
           != NGX_OK
        || ngx_http_news_html(r->pool, &cat.description,
                              &vars[NGX_HTTP_NEWS_V_DESCRIPTION])
           != NGX_OK
        || ngx_http_news_render_meta(r, NULL, &base, NULL, vars) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the category's own feeds, which this location serves */

    ngx_http_news_out_init(&out, r->pool, 2 * slug.len + 192);

    ngx_http_news_out_lit(&out, "<link rel=\"alternate\" "
                          "type=\"application/rss+xml\" href=\"/category/");
    ngx_http_news_out_add(&out, slug.data, slug.len);
    ngx_http_news_out_lit(&out, ".xml\">\n<link rel=\"alternate\" "
                          "type=\"application/atom+xml\" "
                          "href=\"/category/");
    ngx_http_news_out_add(&out, slug.data, slug.len);
    ngx_http_news_out_lit(&out, ".atom\">\n");

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_PAGE_FEEDS])
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_set_cache_tags(r, NULL, &chain);

    return ngx_http_news_send(r, NGX_HTTP_NEWS_TPL_CATEGORY, vars, 0, &key,
                              NULL);
}


/* a renamed category's old URL: 301 to its page now */

static ngx_int_t
ngx_http_news_category_moved(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_str_t *slug)
{
    ngx_int_t            rc;
    ngx_str_t            current, path;
    ngx_http_news_out_t  out;

    rc = ngx_http_news_db_category_moved(r, db,
                                   slug, &current);

    if (rc == NGX_OK && !news_slug_valid(current.data, current.len)) {
        rc = NGX_DECLINED;
    }

    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    ngx_http_news_out_init(&out, r->pool, current.len + 32);
    ngx_http_news_out_category_path(&out, &current, 0,
                                    NGX_HTTP_NEWS_ESCAPE_NONE);

    if (ngx_http_news_out_str(&out, &path) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_news_redirect(r, NGX_HTTP_MOVED_PERMANENTLY, &path);
}


ngx_int_t
ngx_http_news_index_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_str_t                  vars[NGX_HTTP_NEWS_V_MAX];
    ngx_str_t                  base, key;
    ngx_uint_t                 page, pages;
    ngx_array_t                cats, posts;
    ngx_http_news_out_t        out;
    ngx_http_news_list_t       list;
    ngx_http_news_loc_conf_t  *nlcf;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (ngx_http_news_page_arg(r, &page) != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_BAD_REQUEST);
    }

    if (ngx_http_news_most_read_variant(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the first page's key is what it was before the home page paged */

    rc = ngx_http_news_send_cached(r, NGX_HTTP_NEWS_CACHE_INDEX,
                                   &ngx_http_news_home_url,
                                   page > 1 ? page : 0, &key);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (ngx_array_init(&cats, r->pool, 16, sizeof(ngx_http_news_cat_t))
        != NGX_OK
        || ngx_array_init(&posts, r->pool, nlcf->page_size + 1,
                          sizeof(ngx_http_news_post_t))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    list.type = NGX_HTTP_NEWS_LIST_ALL;
    list.id = 0;
    ngx_str_null(&list.name);

    /* set by ngx_http_news_list_page() too, which a compiler cannot see */
    pages = 0;

    rc = ngx_http_news_list_page(r, nlcf->db, &list, page, &posts, &pages);

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: the home page has no page %ui", page);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    if (rc == NGX_OK) {
        rc = ngx_http_news_db_categories(r, nlcf->db, &cats);
    }

    ngx_memzero(vars, sizeof(vars));

    if (rc == NGX_OK) {
        rc = ngx_http_news_render_most_read(r, nlcf->db,
                                            &vars[NGX_HTTP_NEWS_V_MOST_READ]);
    }

    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    vars[NGX_HTTP_NEWS_V_HOME_URL] = ngx_http_news_home_url;

    if (ngx_http_news_base_url(r, &base) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, base.len + 32);
    ngx_http_news_out_html(&out, &base);
    ngx_http_news_out_page_path(&out, &ngx_http_news_home_url, page);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_CANONICAL_URL])
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, NGX_INT_T_LEN);
    ngx_http_news_out_uint(&out, page);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_PAGE]) != NGX_OK
        || ngx_http_news_render_post_list(r, &posts, nlcf->page_size,
                                          &vars[NGX_HTTP_NEWS_V_POSTS])
           != NGX_OK
        || ngx_http_news_render_pager(r, &ngx_http_news_home_url, page,
                                      pages, posts.nelts > nlcf->page_size,
                                      &vars[NGX_HTTP_NEWS_V_PAGER])
           != NGX_OK
        || ngx_http_news_render_category_list(r, &cats,
                                      &vars[NGX_HTTP_NEWS_V_CATEGORIES])
           != NGX_OK
        || ngx_http_news_render_nav(r, &cats, 0, &vars[NGX_HTTP_NEWS_V_NAV])
           != NGX_OK
        || ngx_http_news_render_meta(r, NULL, &base, NULL, vars) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_set_cache_tags(r, NULL, NULL);

    return ngx_http_news_send(r, NGX_HTTP_NEWS_TPL_INDEX, vars, 0, &key,
                              NULL);
}
