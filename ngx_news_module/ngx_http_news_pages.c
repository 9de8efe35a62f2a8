
/*
 * Copyright (C) ngx_news_module authors
 *
 * Where the pages of a list start: all posts (the home page), a
 * category's or a tag's.  The ends of all its pages
 * are found in one pass over the index, once per database change, and
 * kept in the render cache: any page, however deep, is then one index
 * seek, and a page past the end is known to be past it without reading a
 * row.  A client asking for ?page=99999 of a large category costs what a
 * first page costs.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


/* the cached value: how many posts, then the last post of each page */
typedef struct {
    uint64_t                    count;
} ngx_http_news_ends_t;


static ngx_int_t ngx_http_news_page_ends(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_http_news_list_t *list, ngx_str_t *ends);
static void ngx_http_news_list_what(ngx_http_news_out_t *out,
    ngx_http_news_list_t *list);


/*
 * a page of a list, and one post more, which tells whether there is a
 * next page: NGX_OK; NGX_DECLINED when the list has no such page;
 * NGX_AGAIN when the database is locked; NGX_ERROR.  A deep page starts
 * after the last post of the page before it, known from the list's page
 * ends: one index seek, and a page past the end costs no read at all;
 * without a render cache to keep the ends, the page is counted to by
 * offset.  *pages is how many the list has, or 0 when that is not known
 * (on a first page, or without a cache).
 */

ngx_int_t
ngx_http_news_list_page(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_http_news_list_t *list, ngx_uint_t page, ngx_array_t *posts,
    ngx_uint_t *pages)
{
    ngx_int_t                  rc;
    ngx_http_news_anchor_t     start, *after;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    after = NULL;
    *pages = 0;

    if (page > 1) {
        /* a page past the end is one until the list grows */
        ngx_http_news_list_depends(r, list);

        rc = ngx_http_news_page_start(r, db, list, page, &start, pages);

        if (rc == NGX_OK) {
            after = &start;

        } else if (rc != NGX_AGAIN) {
            return rc;
        }
    }

    rc = ngx_http_news_db_posts(r, db, list, nlcf->page_size + 1,
                                (page - 1) * nlcf->page_size, after, posts);
    if (rc != NGX_OK) {
        return rc == NGX_AGAIN ? NGX_AGAIN : NGX_ERROR;
    }

    if (page > 1 && posts->nelts == 0) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * NGX_OK: the page starts after *after, and the list has *pages pages;
 * NGX_DECLINED: the list has no such page; NGX_AGAIN: not known without a
 * render cache (the caller counts its way there); NGX_ERROR: the database
 * failed
 */

ngx_int_t
ngx_http_news_page_start(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_http_news_list_t *list, ngx_uint_t page,
    ngx_http_news_anchor_t *after, ngx_uint_t *npages)
{
    ngx_int_t                  rc;
    ngx_str_t                  ends;
    ngx_uint_t                 pages;
    ngx_http_news_ends_t       hdr;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    rc = ngx_http_news_page_ends(r, db, list, &ends);
    if (rc != NGX_OK) {
        return rc;
    }

    /* the value's bytes in the cache may sit at any alignment */

    ngx_memcpy(&hdr, ends.data, sizeof(ngx_http_news_ends_t));

    pages = (hdr.count + nlcf->page_size - 1) / nlcf->page_size;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news page %ui of %ui, %uL posts",
                   page, pages, hdr.count);

    if (page > pages
        || sizeof(ngx_http_news_ends_t)
           + (page - 1) * sizeof(ngx_http_news_anchor_t) > ends.len)
    {
        return NGX_DECLINED;
    }

    ngx_memcpy(after, ends.data + sizeof(ngx_http_news_ends_t)
                      + (page - 2) * sizeof(ngx_http_news_anchor_t),
               sizeof(ngx_http_news_anchor_t));

    *npages = pages;

    return NGX_OK;
}


/* the ends of the list's pages: from the cache, or found and kept there */

static ngx_int_t
ngx_http_news_page_ends(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_http_news_list_t *list, ngx_str_t *value)
{
    u_char                    *p;
    ngx_int_t                  rc;
    ngx_str_t                  key, none, what;
    ngx_uint_t                 count;
    ngx_array_t                ends;
    ngx_http_news_out_t        out;
    ngx_http_news_page_t      *cached;
    ngx_http_news_ends_t       hdr;
    ngx_http_news_loc_conf_t  *nlcf;

    static time_t              too_big;

    if (ngx_http_news_db_cache(db)->max == 0) {
        return NGX_AGAIN;
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_http_news_out_init(&out, r->pool, list->name.len + 8);
    ngx_http_news_list_what(&out, list);

    if (ngx_http_news_out_str(&out, &what) != NGX_OK
        || ngx_http_news_cache_key(r, NGX_HTTP_NEWS_CACHE_ANCHOR, &what, 0,
                                   &key)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    cached = ngx_http_news_cache_get(r, ngx_http_news_db_cache(db), &key);

    if (cached != NULL && cached->body.len >= sizeof(ngx_http_news_ends_t)) {
        *value = cached->body;
        return NGX_OK;
    }

    if (ngx_array_init(&ends, r->pool, 64, sizeof(ngx_http_news_anchor_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    rc = ngx_http_news_db_page_ends(r, db, list, nlcf->page_size,
                                    NGX_HTTP_NEWS_PAGE_MAX, &ends, &count);
    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    value->len = sizeof(ngx_http_news_ends_t)
                 + ends.nelts * sizeof(ngx_http_news_anchor_t);
    value->data = ngx_pnalloc(r->pool, value->len);
    if (value->data == NULL) {
        return NGX_ERROR;
    }

    hdr.count = count;

    p = ngx_cpymem(value->data, &hdr, sizeof(ngx_http_news_ends_t));

    if (ends.nelts) {
        ngx_memcpy(p, ends.elts, ends.nelts * sizeof(ngx_http_news_anchor_t));
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news page ends of \"%V\": %ui pages found",
                   &what, ends.nelts + 1);

    ngx_str_null(&none);

    if (ngx_http_news_cache_put_str(r, ngx_http_news_db_cache(db), &key,
                                    value, &none)
        == NULL
        && too_big != ngx_time() / 60)
    {
        too_big = ngx_time() / 60;

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "news: where the %ui pages of list \"%V\" start "
                      "does not fit in news_cache: its deep pages are "
                      "found anew each time", ends.nelts + 1, &what);
    }

    return NGX_OK;
}


/*
 * which list, in the key of its ends: a category's slug as it is (no
 * slug has a '/'), a tag's name after "/tag/", all posts "/"
 */

static void
ngx_http_news_list_what(ngx_http_news_out_t *out, ngx_http_news_list_t *list)
{
    switch (list->type) {

    case NGX_HTTP_NEWS_LIST_CATEGORY:
        break;

    case NGX_HTTP_NEWS_LIST_TAG:
        ngx_http_news_out_lit(out, "/tag/");
        break;

    case NGX_HTTP_NEWS_LIST_TREE:
        ngx_http_news_out_lit(out, "/tree/");
        break;

    default:
        ngx_http_news_out_lit(out, "/");
        return;
    }

    ngx_http_news_out_add(out, list->name.data, list->name.len);
}
