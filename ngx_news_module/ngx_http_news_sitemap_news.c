
/*
 * Copyright (C) ngx_news_module authors
 *
 * The Google News sitemap, news_sitemap news: the articles published in
 * the last 48 hours, newest first, at most 1,000, as Google News reads
 * them.  The window moves with the clock and not with the database: the
 * document is kept in the render cache for the minute it was made in.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_db.h"


#define NGX_HTTP_NEWS_NEWS_WINDOW  (48 * 60 * 60)
#define NGX_HTTP_NEWS_NEWS_MAX     1000


static ngx_int_t ngx_http_news_sitemap_news(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_http_news_out_t *out, time_t *last_modified);


/*
 * posts_by_date from now back 48 hours: ?1 now minus the window, ?2 now,
 * ?3 how many
 */

const char  ngx_http_news_sitemap_news_sql[] =
    "SELECT p.info_code, p.published_at, c.slug, p.title,"
    " unixepoch(p.updated_at)"
    " FROM posts p LEFT JOIN categories c ON c.id = p.category_id"
    " WHERE p.status = 'published' AND p.published_ts > ?1"
    " AND p.published_ts <= ?2"
    " ORDER BY p.published_ts DESC, p.id DESC LIMIT ?3";


ngx_int_t
ngx_http_news_sitemap_news_handler(ngx_http_request_t *r)
{
    time_t                     last_modified;
    ngx_int_t                  rc;
    ngx_str_t                  key, what, body, none;
    ngx_http_news_out_t        out;
    ngx_http_news_page_t      *cached;
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

    /*
     * a post leaves the document within a minute of its 48 hours, and an
     * edit (the cache is emptied by a change) on the next request
     */

    ngx_http_news_out_init(&out, r->pool, NGX_INT_T_LEN + 8);
    ngx_http_news_out_lit(&out, "news:");
    ngx_http_news_out_uint(&out, ngx_time() / 60);

    if (ngx_http_news_out_str(&out, &what) != NGX_OK
        || ngx_http_news_cache_key(r, NGX_HTTP_NEWS_CACHE_SITEMAP, &what, 0,
                                   &key)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cached = ngx_http_news_cache_get(r, ngx_http_news_db_cache(nlcf->db),
                                     &key);

    if (cached != NULL) {
        return ngx_http_news_send_page(r, cached);
    }

    ngx_http_news_db_begin(r, nlcf->db);

    ngx_http_news_out_init(&out, r->pool, 64 * 1024);

    ngx_http_news_out_lit(&out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\""
        " xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n");

    last_modified = 0;

    rc = ngx_http_news_sitemap_news(r, nlcf->db, &out, &last_modified);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    ngx_http_news_out_lit(&out, "</urlset>\n");

    if (ngx_http_news_out_str(&out, &body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_null(&none);

    return ngx_http_news_send_body(r, NGX_HTTP_NEWS_KIND_XML, &body,
                                   last_modified, &key, &none);
}


static ngx_int_t
ngx_http_news_sitemap_news(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_http_news_out_t *out, time_t *last_modified)
{
    time_t                     now;
    ngx_int_t                  rc;
    ngx_str_t                  base, s, title, publication;
    ngx_http_news_out_t        path;
    ngx_http_news_post_t       post;
    sqlite3_stmt              *stmt;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (ngx_http_news_base_url(r, &base) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the same for every item: made once */

    ngx_http_news_out_init(&path, r->pool, 256);
    ngx_http_news_out_lit(&path, "<news:publication><news:name>");
    ngx_http_news_out_add(&path, nlcf->site_xml.data, nlcf->site_xml.len);
    ngx_http_news_out_lit(&path, "</news:name><news:language>");
    ngx_http_news_out_reserve(&path, nlcf->language.len);

    if (!path.failed) {
        ngx_strlow(path.pos, nlcf->language.data, nlcf->language.len);
        path.pos += nlcf->language.len;
    }

    ngx_http_news_out_lit(&path, "</news:language></news:publication>");

    if (ngx_http_news_out_str(&path, &publication) != NGX_OK) {
        return NGX_ERROR;
    }

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_SITEMAP_NEWS];

    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_LIST, 0);

    now = ngx_time();

    sqlite3_bind_int64(stmt, 1, now - NGX_HTTP_NEWS_NEWS_WINDOW);
    sqlite3_bind_int64(stmt, 2, now);
    sqlite3_bind_int64(stmt, 3, NGX_HTTP_NEWS_NEWS_MAX);

    ngx_http_news_out_init(&path, r->pool, 256);
    ngx_memzero(&post, sizeof(ngx_http_news_post_t));

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, r->connection->log);
        if (rc != NGX_OK) {
            break;
        }

        post.info_code.data = (u_char *) sqlite3_column_text(stmt, 0);
        post.info_code.len = sqlite3_column_bytes(stmt, 0);
        post.published_at.data = (u_char *) sqlite3_column_text(stmt, 1);
        post.published_at.len = sqlite3_column_bytes(stmt, 1);
        post.category_slug.data = (u_char *) sqlite3_column_text(stmt, 2);
        post.category_slug.len = sqlite3_column_bytes(stmt, 2);
        post.has_category = (sqlite3_column_type(stmt, 2) != SQLITE_NULL);
        title.data = (u_char *) sqlite3_column_text(stmt, 3);
        title.len = sqlite3_column_bytes(stmt, 3);

        if (post.info_code.data == NULL || title.data == NULL
            || !ngx_http_news_w3c_datetime(&post.published_at))
        {
            continue;
        }

        path.pos = path.start;
        ngx_http_news_out_post_path(&path, &post);

        s.data = path.start;
        s.len = path.failed ? 0 : (size_t) (path.pos - path.start);

        ngx_http_news_out_lit(out, "<url><loc>");
        ngx_http_news_out_xml(out, &base);
        ngx_http_news_out_xml(out, &s);
        ngx_http_news_out_lit(out, "</loc><news:news>");
        ngx_http_news_out_add(out, publication.data, publication.len);

        /* the post's own offset, as it was published */
        ngx_http_news_out_lit(out, "<news:publication_date>");
        ngx_http_news_out_add(out, post.published_at.data, 10);
        ngx_http_news_out_lit(out, "T");
        ngx_http_news_out_add(out, post.published_at.data + 11,
                              post.published_at.len - 11);
        ngx_http_news_out_lit(out, "</news:publication_date><news:title>");
        ngx_http_news_out_xml(out, &title);
        ngx_http_news_out_lit(out, "</news:title></news:news></url>\n");

        *last_modified = ngx_max(*last_modified,
                                 (time_t) sqlite3_column_int64(stmt, 4));
    }

    rc = ngx_http_news_db_result(db, stmt, rc);

    if (rc == NGX_OK && (out->failed || path.failed)) {
        return NGX_ERROR;
    }

    return rc;
}
