
/*
 * Copyright (C) ngx_news_module authors
 *
 * What a sitemap part holds, read from SQLite and written as <url>
 * elements: the articles after the last post of the part before, one
 * index range scan, and the lists (categories, tags, the home page) with
 * the newest updated_at of the posts they show, one index search each
 * (schema version 7).  Which part, and where it starts, is
 * ngx_http_news_sitemap.c's.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_db.h"


static void ngx_http_news_sitemap_url(ngx_http_news_out_t *out,
    ngx_str_t *base, ngx_http_news_out_t *path, time_t updated);


/*
 * the articles, oldest first, after the last post of the part before
 * (posts_by_date scanned from its end); ?1 and ?2 the anchor, ?3 now, ?4
 * how many
 */

const char  ngx_http_news_sitemap_part_sql[] =
    "SELECT p.info_code, p.published_at, c.slug, unixepoch(p.updated_at)"
    " FROM posts p LEFT JOIN categories c ON c.id = p.category_id"
    " WHERE p.status = 'published' AND (p.published_ts, p.id) > (?1, ?2)"
    " AND p.published_ts <= ?3"
    " ORDER BY p.published_ts, p.id LIMIT ?4";

/*
 * the lists with the newest updated_at of the posts they show, as an
 * instant, NULL for a list with none: a category's with its descendants'
 * posts (category_listing) or its own (posts_by_category), as
 * news_category_descendants has its page; a tag's by tag_listing.  The
 * listings' newest is one search of their *_by_update index, past the
 * few scheduled posts; a category's own posts are all read.  ?1 now
 */

const char  ngx_http_news_sitemap_tree_sql[] =
    "SELECT c.slug, (SELECT cl.updated_ts FROM category_listing cl"
    " WHERE cl.category_id = c.id AND cl.published_ts <= ?1"
    " ORDER BY cl.updated_ts DESC LIMIT 1),"
    " c.id FROM categories c ORDER BY c.id";

const char  ngx_http_news_sitemap_categories_sql[] =
    "SELECT c.slug, (SELECT max(coalesce(unixepoch(p.updated_at), 0))"
    " FROM posts p WHERE p.category_id = c.id AND p.status = 'published'"
    " AND p.published_ts <= ?1),"
    " c.id FROM categories c ORDER BY c.id";

const char  ngx_http_news_sitemap_tags_sql[] =
    "SELECT t.name, (SELECT tl.updated_ts FROM tag_listing tl"
    " WHERE tl.tag_id = t.id AND tl.published_ts <= ?1"
    " ORDER BY tl.updated_ts DESC LIMIT 1),"
    " t.id FROM tags t ORDER BY t.id";


ngx_int_t
ngx_http_news_sitemap_articles(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_http_news_anchor_t *after, ngx_uint_t limit, ngx_http_news_out_t *out,
    time_t *last_modified)
{
    time_t                 updated;
    ngx_int_t              rc;
    ngx_str_t              base;
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
        updated = (time_t) sqlite3_column_int64(stmt, 3);

        if (post.info_code.data == NULL || post.published_at.data == NULL) {
            continue;
        }

        path.pos = path.start;
        ngx_http_news_out_post_path(&path, &post);
        ngx_http_news_sitemap_url(out, &base, &path, updated);

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
    time_t                     updated, newest;
    ngx_int_t                  rc;
    ngx_str_t                  base, name;
    ngx_uint_t                 n, i, shown;
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

    newest = 0;
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
            shown = (sqlite3_column_type(stmt, 1) != SQLITE_NULL);
            updated = (time_t) sqlite3_column_int64(stmt, 1);

            if (name.data == NULL
                || (i == 1 && !shown)
                || (i == 0 && !news_slug_valid(name.data, name.len)))
            {
                continue;
            }

            if (i == 1) {
                ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_TAG_LIST,
                                      sqlite3_column_int64(stmt, 2));
            }

            newest = ngx_max(newest, updated);

            if (out != NULL && n >= skip && n < skip + limit) {
                path.pos = path.start;

                if (i == 0) {
                    ngx_http_news_out_category_path(&path, &name, 0,
                                                    NGX_HTTP_NEWS_ESCAPE_NONE);

                } else {
                    ngx_http_news_out_tag_path(&path, &name, 0);
                }

                ngx_http_news_sitemap_url(out, &base, &path, updated);
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
        ngx_http_news_sitemap_url(out, &base, &path, newest);
    }

    *count = n + 1;

    if ((out != NULL && out->failed) || path.failed) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * <url><loc>, and <lastmod> when the time is one (0: an updated_at that
 * is no time), as a W3C datetime in UTC: "2024-05-01T08:30:00+00:00"
 */

static void
ngx_http_news_sitemap_url(ngx_http_news_out_t *out, ngx_str_t *base,
    ngx_http_news_out_t *path, time_t updated)
{
    ngx_tm_t   tm;
    ngx_str_t  s;

    s.data = path->start;
    s.len = path->failed ? 0 : (size_t) (path->pos - path->start);

    ngx_http_news_out_lit(out, "<url><loc>");
    ngx_http_news_out_xml(out, base);
    ngx_http_news_out_xml(out, &s);
    ngx_http_news_out_lit(out, "</loc>");

    if (updated > 0) {
        ngx_gmtime(updated, &tm);

        ngx_http_news_out_reserve(out, sizeof("<lastmod></lastmod>") - 1
                                       + NGX_HTTP_NEWS_W3C_LEN);

        if (!out->failed) {
            out->pos = ngx_sprintf(out->pos,
                                   "<lastmod>%4d-%02d-%02dT%02d:%02d:%02d"
                                   "+00:00</lastmod>",
                                   tm.ngx_tm_year, tm.ngx_tm_mon,
                                   tm.ngx_tm_mday, tm.ngx_tm_hour,
                                   tm.ngx_tm_min, tm.ngx_tm_sec);
        }
    }

    ngx_http_news_out_lit(out, "</url>\n");
}
