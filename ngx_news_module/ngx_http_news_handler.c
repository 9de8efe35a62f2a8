
/*
 * Copyright (C) ngx_news_module authors
 *
 * Content handlers for article, category and home pages, and the pages
 * every handler ends with: a rendered template or a short error page.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


#define NGX_HTTP_NEWS_RETRY_AFTER  "5"

/* a value the pool got from the heap on its own, which it can free */
#define NGX_HTTP_NEWS_LARGE_VALUE  (64 * 1024)


static ngx_int_t ngx_http_news_send(ngx_http_request_t *r,
    ngx_uint_t kind, ngx_str_t *vars, time_t last_modified,
    ngx_str_t *cache_key, ngx_str_t *info_code);
static ngx_int_t ngx_http_news_send_chain(ngx_http_request_t *r,
    ngx_chain_t *out, off_t len, uint32_t crc, time_t last_modified);
static ngx_int_t ngx_http_news_category_moved(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_str_t *slug);
static ngx_int_t ngx_http_news_render_tags(ngx_http_request_t *r,
    ngx_array_t *tags, ngx_str_t *html);
static ngx_int_t ngx_http_news_render_source(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *html);
static ngx_int_t ngx_http_news_render_pager(ngx_http_request_t *r,
    ngx_str_t *slug, ngx_uint_t page, ngx_uint_t more, ngx_str_t *html);
static ngx_table_elt_t *ngx_http_news_add_header(ngx_http_request_t *r,
    char *key, ngx_str_t *value);


static ngx_str_t  ngx_http_news_home_url = ngx_string("/");


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

    if (ngx_http_news_cache_key(r, NGX_HTTP_NEWS_CACHE_ARTICLE, &r->uri, 0,
                                &key)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    page = ngx_http_news_cache_get(r, nlcf->db, &key);

    if (page != NULL) {
        if (page->status == 0) {
            ngx_http_news_count(r, &page->info_code, NGX_HTTP_NEWS_VIEW);
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
    ngx_array_t                tags, chain;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_memzero(vars, sizeof(vars));

    if (ngx_array_init(&tags, r->pool, 4, sizeof(ngx_str_t)) != NGX_OK
        || ngx_array_init(&chain, r->pool, 4, sizeof(ngx_http_news_cat_t))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_news_db_tags(r, nlcf->db, post->id, &tags) != NGX_OK) {
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
        ngx_http_news_out_lit(&out, "/category/");
        ngx_http_news_out_html(&out, &slug);
        ngx_http_news_out_lit(&out, ".html");

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
                                           &canonical, vars) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_count(r, &post->info_code, NGX_HTTP_NEWS_VIEW);

    return ngx_http_news_send(r, NGX_HTTP_NEWS_TPL_ARTICLE, vars,
                              post->updated, cache_key, &post->info_code);
}


ngx_int_t
ngx_http_news_category_handler(ngx_http_request_t *r)
{
    u_char                    *p;
    ngx_int_t                  rc, page;
    ngx_str_t                  vars[NGX_HTTP_NEWS_V_MAX];
    ngx_str_t                  slug, arg, base, key;
    ngx_http_news_page_t      *cached;
    ngx_array_t                chain, children, posts;
    ngx_http_news_out_t        out;
    ngx_http_news_cat_t        cat;
    ngx_http_news_anchor_t     start, *after;
    ngx_http_news_loc_conf_t  *nlcf;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    p = r->uri.data;

    if (r->uri.len <= sizeof("/category/.html") - 1
        || ngx_strncmp(p, "/category/", 10) != 0
        || ngx_strncmp(p + r->uri.len - 5, ".html", 5) != 0
        || !news_slug_valid(p + 10, r->uri.len - 15))
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: \"%V\" is not a category URL", &r->uri);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    slug.data = p + 10;
    slug.len = r->uri.len - 15;

    page = 1;

    if (ngx_http_arg(r, (u_char *) "page", 4, &arg) == NGX_OK) {
        page = ngx_atoi(arg.data, arg.len);

        if (page < 1 || page > NGX_HTTP_NEWS_PAGE_MAX) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "news: invalid page \"%V\"", &arg);
            return ngx_http_news_error(r, NGX_HTTP_BAD_REQUEST);
        }
    }

    rc = ngx_http_news_db_ready(nlcf->db, r->connection->log);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    if (ngx_http_news_cache_key(r, NGX_HTTP_NEWS_CACHE_CATEGORY, &slug, page,
                                &key)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cached = ngx_http_news_cache_get(r, nlcf->db, &key);

    if (cached != NULL) {
        return ngx_http_news_send_page(r, cached);
    }

    ngx_http_news_db_begin(r, nlcf->db);

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

    if (ngx_array_init(&chain, r->pool, 4, sizeof(ngx_http_news_cat_t))
        != NGX_OK
        || ngx_array_init(&children, r->pool, 8, sizeof(ngx_http_news_cat_t))
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

    /*
     * a deep page starts after the last post of the page before it, known
     * from the list's page ends: one index seek, and a page past the end
     * costs no read at all; without a render cache to keep the ends, the
     * page is counted to by offset
     */

    after = NULL;

    if (rc == NGX_OK && page > 1) {
        rc = ngx_http_news_page_start(r, nlcf->db, cat.id, &slug, page,
                                      &start);

        if (rc == NGX_OK) {
            after = &start;

        } else if (rc == NGX_AGAIN) {
            rc = NGX_OK;

        } else if (rc == NGX_DECLINED) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "news: category \"%V\" has no page %i",
                          &slug, page);
            return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
        }
    }

    /* one post more than a page tells whether there is a next page */

    if (rc == NGX_OK) {
        rc = ngx_http_news_db_posts(r, nlcf->db, cat.id, nlcf->page_size + 1,
                                    (page - 1) * nlcf->page_size, after,
                                    &posts);
    }

    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    if (page > 1 && posts.nelts == 0) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: category \"%V\" has no page %i", &slug, page);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    ngx_memzero(vars, sizeof(vars));

    vars[NGX_HTTP_NEWS_V_HOME_URL] = ngx_http_news_home_url;

    if (ngx_http_news_base_url(r, &base) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, base.len + slug.len + 64);
    ngx_http_news_out_html(&out, &base);
    ngx_http_news_out_lit(&out, "/category/");
    ngx_http_news_out_add(&out, slug.data, slug.len);
    ngx_http_news_out_lit(&out, ".html");

    if (page > 1) {
        ngx_http_news_out_lit(&out, "?page=");
        ngx_http_news_out_uint(&out, page);
    }

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_CANONICAL_URL])
        != NGX_OK)
    {
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
        || ngx_http_news_render_pager(r, &slug, page,
                                      posts.nelts > nlcf->page_size,
                                      &vars[NGX_HTTP_NEWS_V_PAGER])
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_news_send(r, NGX_HTTP_NEWS_TPL_CATEGORY, vars, 0, &key,
                              NULL);
}


ngx_int_t
ngx_http_news_index_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_str_t                  vars[NGX_HTTP_NEWS_V_MAX];
    ngx_str_t                  base, key;
    ngx_array_t                cats, posts;
    ngx_http_news_page_t      *page;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    rc = ngx_http_news_db_ready(nlcf->db, r->connection->log);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    if (ngx_http_news_cache_key(r, NGX_HTTP_NEWS_CACHE_INDEX,
                                &ngx_http_news_home_url, 0, &key)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    page = ngx_http_news_cache_get(r, nlcf->db, &key);

    if (page != NULL) {
        return ngx_http_news_send_page(r, page);
    }

    ngx_http_news_db_begin(r, nlcf->db);

    if (ngx_array_init(&cats, r->pool, 16, sizeof(ngx_http_news_cat_t))
        != NGX_OK
        || ngx_array_init(&posts, r->pool, nlcf->page_size,
                          sizeof(ngx_http_news_post_t))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_news_db_posts(r, nlcf->db, 0, nlcf->page_size, 0, NULL,
                                &posts);

    if (rc == NGX_OK) {
        rc = ngx_http_news_db_categories(r, nlcf->db, &cats);
    }

    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    ngx_memzero(vars, sizeof(vars));

    vars[NGX_HTTP_NEWS_V_HOME_URL] = ngx_http_news_home_url;

    if (ngx_http_news_base_url(r, &base) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, base.len + 8);
    ngx_http_news_out_html(&out, &base);
    ngx_http_news_out_lit(&out, "/");

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_CANONICAL_URL])
        != NGX_OK
        || ngx_http_news_render_post_list(r, &posts, nlcf->page_size,
                                          &vars[NGX_HTTP_NEWS_V_POSTS])
           != NGX_OK
        || ngx_http_news_render_category_list(r, &cats,
                                      &vars[NGX_HTTP_NEWS_V_CATEGORIES])
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_news_send(r, NGX_HTTP_NEWS_TPL_INDEX, vars, 0, &key,
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

    rc = ngx_http_news_db_redirect(r, db, NGX_HTTP_NEWS_STMT_SLUG_REDIRECT,
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
    ngx_http_news_out_lit(&out, "/category/");
    ngx_http_news_out_add(&out, current.data, current.len);
    ngx_http_news_out_lit(&out, ".html");

    if (ngx_http_news_out_str(&out, &path) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_news_redirect(r, NGX_HTTP_MOVED_PERMANENTLY, &path);
}


static ngx_int_t
ngx_http_news_render_tags(ngx_http_request_t *r, ngx_array_t *tags,
    ngx_str_t *html)
{
    ngx_str_t            *tag;
    ngx_uint_t            i;
    ngx_http_news_out_t   out;

    if (tags->nelts == 0) {
        ngx_str_null(html);
        return NGX_OK;
    }

    tag = tags->elts;

    ngx_http_news_out_init(&out, r->pool, 64 * (tags->nelts + 1));
    ngx_http_news_out_lit(&out, "<ul class=\"tags\">");

    for (i = 0; i < tags->nelts; i++) {
        ngx_http_news_out_lit(&out, "<li>");
        ngx_http_news_out_html(&out, &tag[i]);
        ngx_http_news_out_lit(&out, "</li>");
    }

    ngx_http_news_out_lit(&out, "</ul>");

    return ngx_http_news_out_str(&out, html);
}


static ngx_int_t
ngx_http_news_render_source(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *html)
{
    ngx_str_t            *name;
    ngx_http_news_out_t   out;

    name = post->source_name.len ? &post->source_name : &post->source_url;

    if (name->len == 0) {
        ngx_str_null(html);
        return NGX_OK;
    }

    ngx_http_news_out_init(&out, r->pool, 2 * name->len + 64);

    /* only http(s) links: an admin's "javascript:" never becomes one */

    if ((post->source_url.len > 7
         && ngx_strncasecmp(post->source_url.data, (u_char *) "http://", 7)
            == 0)
        || (post->source_url.len > 8
            && ngx_strncasecmp(post->source_url.data, (u_char *) "https://",
                               8) == 0))
    {
        ngx_http_news_out_lit(&out, "<a href=\"");
        ngx_http_news_out_html(&out, &post->source_url);
        ngx_http_news_out_lit(&out, "\" rel=\"nofollow noopener\">");
        ngx_http_news_out_html(&out, name);
        ngx_http_news_out_lit(&out, "</a>");

    } else {
        ngx_http_news_out_html(&out, name);
    }

    return ngx_http_news_out_str(&out, html);
}


static ngx_int_t
ngx_http_news_render_pager(ngx_http_request_t *r, ngx_str_t *slug,
    ngx_uint_t page, ngx_uint_t more, ngx_str_t *html)
{
    ngx_http_news_out_t  out;

    if (page == 1 && !more) {
        ngx_str_null(html);
        return NGX_OK;
    }

    ngx_http_news_out_init(&out, r->pool, 256);
    ngx_http_news_out_lit(&out, "<nav class=\"pager\">");

    if (page > 1) {
        ngx_http_news_out_lit(&out, "<a rel=\"prev\" href=\"/category/");
        ngx_http_news_out_add(&out, slug->data, slug->len);
        ngx_http_news_out_lit(&out, ".html");

        if (page > 2) {
            ngx_http_news_out_lit(&out, "?page=");
            ngx_http_news_out_uint(&out, page - 1);
        }

        ngx_http_news_out_lit(&out, "\">上一页</a> ");
    }

    if (more) {
        ngx_http_news_out_lit(&out, "<a rel=\"next\" href=\"/category/");
        ngx_http_news_out_add(&out, slug->data, slug->len);
        ngx_http_news_out_lit(&out, ".html?page=");
        ngx_http_news_out_uint(&out, page + 1);
        ngx_http_news_out_lit(&out, "\">下一页</a>");
    }

    ngx_http_news_out_lit(&out, "</nav>");

    return ngx_http_news_out_str(&out, html);
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


/* what the request is about, for $news_info_code */

void
ngx_http_news_set_info_code(ngx_http_request_t *r, ngx_str_t *code)
{
    ngx_http_news_ctx_t  *ctx;

    ctx = ngx_http_news_get_ctx(r);

    if (ctx != NULL) {
        ctx->info_code = *code;
    }
}


ngx_int_t
ngx_http_news_error(ngx_http_request_t *r, ngx_int_t status)
{
    ngx_str_t            vars[NGX_HTTP_NEWS_V_MAX], retry, *key;
    ngx_table_elt_t     *h;
    ngx_http_news_ctx_t  *ctx;

    ngx_memzero(vars, sizeof(vars));

    vars[NGX_HTTP_NEWS_V_HOME_URL] = ngx_http_news_home_url;

    switch (status) {

    case NGX_HTTP_BAD_REQUEST:
        ngx_str_set(&vars[NGX_HTTP_NEWS_V_STATUS], "400");
        ngx_str_set(&vars[NGX_HTTP_NEWS_V_MESSAGE], "Bad Request");
        break;

    case NGX_HTTP_NOT_FOUND:
        ngx_str_set(&vars[NGX_HTTP_NEWS_V_STATUS], "404");
        ngx_str_set(&vars[NGX_HTTP_NEWS_V_MESSAGE], "Not Found");
        break;

    case NGX_HTTP_NOT_ALLOWED:
        ngx_str_set(&vars[NGX_HTTP_NEWS_V_STATUS], "405");
        ngx_str_set(&vars[NGX_HTTP_NEWS_V_MESSAGE], "Method Not Allowed");
        break;

    case NGX_HTTP_NEWS_GONE:
        ngx_str_set(&vars[NGX_HTTP_NEWS_V_STATUS], "410");
        ngx_str_set(&vars[NGX_HTTP_NEWS_V_MESSAGE], "Gone");
        break;

    case NGX_HTTP_SERVICE_UNAVAILABLE:
        ngx_str_set(&vars[NGX_HTTP_NEWS_V_STATUS], "503");
        ngx_str_set(&vars[NGX_HTTP_NEWS_V_MESSAGE], "Service Unavailable");

        ngx_str_set(&retry, NGX_HTTP_NEWS_RETRY_AFTER);

        if (ngx_http_news_add_header(r, "Retry-After", &retry) == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        break;

    default:
        /* what reading the request body failed with: nginx answers */
        return status;
    }

    if (status == NGX_HTTP_NOT_ALLOWED) {
        ngx_str_set(&retry, "GET, HEAD");

        h = ngx_http_news_add_header(r, "Allow", &retry);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
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


static ngx_table_elt_t *
ngx_http_news_add_header(ngx_http_request_t *r, char *key, ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value = *value;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return h;
}


/*
 * renders a page and sends it; a 200 with a cache key is kept in the
 * render cache and sent from there
 */

static ngx_int_t
ngx_http_news_send(ngx_http_request_t *r, ngx_uint_t kind, ngx_str_t *vars,
    time_t last_modified, ngx_str_t *cache_key, ngx_str_t *info_code)
{
    off_t                      len;
    uint32_t                   crc;
    ngx_str_t                  none;
    ngx_uint_t                 i;
    ngx_chain_t               *out;
    ngx_http_news_page_t      *page;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    /* all is read: the database is not held while the page goes out */
    ngx_http_news_db_end(nlcf->db);

    last_modified = ngx_max(last_modified, nlcf->tpl[kind]->mtime);

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

        page = ngx_http_news_cache_put(r, nlcf->db, cache_key, out, len,
                                       info_code, r->headers_out.status);

        if (page != NULL) {
            page->crc = crc;
            page->last_modified = last_modified;

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

    return ngx_http_news_send_chain(r, out, len, crc, last_modified);
}


ngx_int_t
ngx_http_news_send_page(ngx_http_request_t *r, ngx_http_news_page_t *page)
{
    ngx_chain_t  *out;

    if (page->status && r->headers_out.status == 0) {
        /* an error kept from before: said again, as when it was found */
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: \"%V\" is %ui, as found before",
                      &r->unparsed_uri, page->status);

        r->headers_out.status = page->status;
    }

    /* the cached bytes themselves: the page is held until the request ends */

    out = ngx_http_news_chain(r, page->body.data, page->body.len, 1);
    if (out == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_news_send_chain(r, out, page->body.len, page->crc,
                                    page->last_modified);
}


/*
 * sends a page: status from r->headers_out.status (200 when unset), a
 * strong ETag of the bytes and Last-Modified for 200s, which nginx's
 * not_modified filter turns into 304s
 */

static ngx_int_t
ngx_http_news_send_chain(ngx_http_request_t *r, ngx_chain_t *out, off_t len,
    uint32_t crc, time_t last_modified)
{
    ngx_int_t                  rc;
    ngx_str_t                  etag;
    ngx_table_elt_t           *h;
    ngx_http_news_loc_conf_t  *nlcf;

    if (r->headers_out.status == 0) {
        r->headers_out.status = NGX_HTTP_OK;
    }

    r->headers_out.content_length_n = len;

    ngx_str_set(&r->headers_out.content_type, "text/html; charset=utf-8");
    r->headers_out.content_type_len = sizeof("text/html") - 1;
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

        last_modified = ngx_max(last_modified, nlcf->db->modified);

        if (last_modified < ngx_time()) {
            r->headers_out.last_modified_time = last_modified;
        }
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, out);
}
