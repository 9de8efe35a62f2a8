
/*
 * Copyright (C) ngx_news_module authors
 *
 * What a sitemap part holds, read from SQLite and written as <url>
 * elements: the articles after the last post of the part before, one
 * index range scan, and the lists (categories, tags, the home page) with
 * the newest updated_at of the posts they show.  Which part, and where it
 * starts, is ngx_http_news_sitemap.c's.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_db.h"


static void ngx_http_news_sitemap_url(ngx_http_news_out_t *out,
    ngx_str_t *base, ngx_http_news_out_t *path, ngx_str_t *updated);


/*
 * the articles, oldest first, after the last post of the part before
 * (posts_by_date scanned from its end); ?1 and ?2 the anchor, ?3 now, ?4
 * how many
 */

const char  ngx_http_news_sitemap_part_sql[] =
    "SELECT p.info_code, p.published_at, c.slug, p.updated_at,"
    " unixepoch(p.updated_at)"
    " FROM posts p LEFT JOIN categories c ON c.id = p.category_id"
    " WHERE p.status = 'published' AND (p.published_ts, p.id) > (?1, ?2)"
    " AND p.published_ts <= ?3"
    " ORDER BY p.published_ts, p.id LIMIT ?4";

/*
 * the lists with the newest updated_at of the posts they show, each by
 * a search of its own index: a category's with its descendants' posts
 * (category_listing) or its own (posts_by_category), as
 * news_category_descendants has its page; a tag's by tag_listing.  ?1 now
 */

const char  ngx_http_news_sitemap_tree_sql[] =
    "SELECT c.slug, (SELECT max(p.updated_at) FROM category_listing cl"
    " JOIN posts p ON p.id = cl.post_id WHERE cl.category_id = c.id"
    " AND cl.published_ts <= ?1 AND p.status = 'published'),"
    " c.id FROM categories c ORDER BY c.id";

const char  ngx_http_news_sitemap_categories_sql[] =
    "SELECT c.slug, (SELECT max(p.updated_at) FROM posts p"
    " WHERE p.category_id = c.id AND p.status = 'published'"
    " AND p.published_ts <= ?1),"
    " c.id FROM categories c ORDER BY c.id";

const char  ngx_http_news_sitemap_tags_sql[] =
    "SELECT t.name, (SELECT max(p.updated_at) FROM tag_listing tl"
    " JOIN posts p ON p.id = tl.post_id WHERE tl.tag_id = t.id"
    " AND tl.published_ts <= ?1 AND p.status = 'published'),"
    " t.id FROM tags t ORDER BY t.id";


ngx_int_t
ngx_http_news_sitemap_articles(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_http_news_anchor_t *after, ngx_uint_t limit, ngx_http_news_out_t *out,
    time_t *last_modified)
{
    time_t                 updated;
    ngx_int_t              rc;
    ngx_str_t              base, updated_at;
    sqlite3_stmt          *stmt;
    ngx_http_news_out_t    path;
    ngx_http_news_post_t   post;

    if (ngx_http_news_base_url(r, &base) != NGX_OK) {
        return NGX_ERROR;
    }

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_SITEMAP_PART];

    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_LIST, 0);

    sqlite3_bind_int64(stmt, 1, after ? after->published_ts : INT64_MIN);
    sqlite3_bind_int64(stmt, 2, after ? after->id : INT64_MIN);
    sqlite3_bind_int64(stmt, 3, ngx_time());
    sqlite3_bind_int64(stmt, 4, limit);

    ngx_http_news_out_init(&path, r->pool, 256);
    ngx_memzero(&post, sizeof(ngx_http_news_post_t));

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, r->connection->log);
        if (rc != NGX_OK) {
            break;
        }

        /* the row's text is read in place, before the next step */

        post.info_code.data = (u_char *) sqlite3_column_text(stmt, 0);
        post.info_code.len = sqlite3_column_bytes(stmt, 0);
        post.published_at.data = (u_char *) sqlite3_column_text(stmt, 1);
        post.published_at.len = sqlite3_column_bytes(stmt, 1);
        post.category_slug.data = (u_char *) sqlite3_column_text(stmt, 2);
        post.category_slug.len = sqlite3_column_bytes(stmt, 2);
        post.has_category = (sqlite3_column_type(stmt, 2) != SQLITE_NULL);
        updated_at.data = (u_char *) sqlite3_column_text(stmt, 3);
        updated_at.len = sqlite3_column_bytes(stmt, 3);
        updated = (time_t) sqlite3_column_int64(stmt, 4);

        if (post.info_code.data == NULL || post.published_at.data == NULL) {
            continue;
        }

        path.pos = path.start;
        ngx_http_news_out_post_path(&path, &post);
        ngx_http_news_sitemap_url(out, &base, &path, &updated_at);

        *last_modified = ngx_max(*last_modified, updated);
    }

    rc = ngx_http_news_db_result(db, stmt, rc);

    if (rc == NGX_OK && (out->failed || path.failed)) {
        return NGX_ERROR;
    }

    return rc;
}


/*
 * the lists, categories by id, then tags by id (those with a published
 * post: an empty tag page is no page to crawl), then the home page, as
 * new as the newest of them: the <url>s from the skip-th on, limit of
 * them, when out is not NULL; *count how many there are
 */

ngx_int_t
ngx_http_news_sitemap_lists(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_uint_t skip, ngx_uint_t limit, ngx_http_news_out_t *out,
    ngx_uint_t *count)
{
    ngx_int_t                  rc;
    ngx_str_t                  base, name, updated_at, newest;
    ngx_uint_t                 n, i;
    sqlite3_stmt              *stmt;
    ngx_http_news_out_t        path;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_str_null(&base);

    if (out != NULL && ngx_http_news_base_url(r, &base) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_TREE, 0);

    ngx_http_news_out_init(&path, r->pool, 256);

    /* a copy: the row's text is gone at the next step */
    newest.data = ngx_pnalloc(r->pool, NGX_HTTP_NEWS_W3C_LEN);
    if (newest.data == NULL) {
        return NGX_ERROR;
    }

    newest.len = 0;
    n = 0;

    for (i = 0; i < 2; i++) {

        stmt = db->stmt[i == 1 ? NGX_HTTP_NEWS_STMT_SITEMAP_TAGS
                        : nlcf->descendants ? NGX_HTTP_NEWS_STMT_SITEMAP_TREE
                        : NGX_HTTP_NEWS_STMT_SITEMAP_CATEGORIES];

        sqlite3_bind_int64(stmt, 1, ngx_time());

        for ( ;; ) {
            rc = ngx_http_news_db_step(db, stmt, r->connection->log);
            if (rc != NGX_OK) {
                break;
            }

            name.data = (u_char *) sqlite3_column_text(stmt, 0);
            name.len = sqlite3_column_bytes(stmt, 0);
            updated_at.data = (u_char *) sqlite3_column_text(stmt, 1);
            updated_at.len = sqlite3_column_bytes(stmt, 1);

            if (name.data == NULL
                || (i == 1 && updated_at.data == NULL)
                || (i == 0 && !news_slug_valid(name.data, name.len)))
            {
                continue;
            }

            if (i == 1) {
                ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_TAG_LIST,
                                      sqlite3_column_int64(stmt, 2));
            }

            /* all in UTC, in one shape: the newer sorts after */

            if (updated_at.data != NULL
                && ngx_http_news_w3c_datetime(&updated_at)
                && (newest.len == 0
                    || ngx_memcmp(updated_at.data, newest.data,
                                  NGX_HTTP_NEWS_W3C_LEN) > 0))
            {
                newest.len = ngx_cpymem(newest.data, updated_at.data,
                                        NGX_HTTP_NEWS_W3C_LEN)
                             - newest.data;
            }

            if (out != NULL && n >= skip && n < skip + limit) {
                path.pos = path.start;

                if (i == 0) {
                    ngx_http_news_out_category_path(&path, &name, 0,
                                                    NGX_HTTP_NEWS_ESCAPE_NONE);

                } else {
                    ngx_http_news_out_tag_path(&path, &name, 0);
                }

                ngx_http_news_sitemap_url(out, &base, &path, &updated_at);
            }

            n++;
        }

        rc = ngx_http_news_db_result(db, stmt, rc);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    if (out != NULL && n >= skip && n < skip + limit) {
        path.pos = path.start;
        ngx_http_news_out_add(&path, ngx_http_news_home_url.data,
                              ngx_http_news_home_url.len);
        ngx_http_news_sitemap_url(out, &base, &path, &newest);
    }

    *count = n + 1;

    if ((out != NULL && out->failed) || path.failed) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * <url><loc>, and <lastmod> when the row's updated_at is one, as a W3C
 * datetime: "2024-05-01 08:30:00+00:00" with a "T"
 */

static void
ngx_http_news_sitemap_url(ngx_http_news_out_t *out, ngx_str_t *base,
    ngx_http_news_out_t *path, ngx_str_t *updated)
{
    ngx_str_t  s;

    s.data = path->start;
    s.len = path->failed ? 0 : (size_t) (path->pos - path->start);

    ngx_http_news_out_lit(out, "<url><loc>");
    ngx_http_news_out_xml(out, base);
    ngx_http_news_out_xml(out, &s);
    ngx_http_news_out_lit(out, "</loc>");

    if (updated->data != NULL && ngx_http_news_w3c_datetime(updated)) {
        ngx_http_news_out_lit(out, "<lastmod>");
        ngx_http_news_out_add(out, updated->data, 10);
        ngx_http_news_out_lit(out, "T");
        ngx_http_news_out_add(out, updated->data + 11, updated->len - 11);
        ngx_http_news_out_lit(out, "</lastmod>");
    }

    ngx_http_news_out_lit(out, "</url>\n");
}
