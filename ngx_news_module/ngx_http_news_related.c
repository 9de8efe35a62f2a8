
/*
 * Copyright (C) ngx_news_module authors
 *
 * {{related}}: the newest published posts that share an article's
 * category or one of its tags, the article itself left out.  Read when
 * the article is rendered, which the render cache keeps; its statement is
 * prepared with the others (ngx_http_news_query.c's table).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_db.h"


#define NGX_HTTP_NEWS_RELATED_MAX  5


/*
 * the candidates come from the listings alone, which hold published posts
 * only, each with its instant: the category's newest (with its
 * descendants', category_listing) and the newest of each of the post's
 * tags (tag_listing, from the ?4-th newest of the tag up), so that a tag
 * with thousands of posts costs what a small one does, and no post row
 * is read until the few shown are known (a row's status lies past its
 * body, on overflow pages).  ?1 the category (-1: none), ?2 the post, ?3
 * now, ?4 how many.
 */

const char  ngx_http_news_related_sql[] =
    "WITH near (ts, id) AS ("
    " SELECT published_ts, post_id FROM (SELECT cl.published_ts, cl.post_id"
    "  FROM category_listing cl WHERE cl.category_id = ?1"
    "  AND cl.published_ts <= ?3 AND cl.post_id <> ?2"
    "  ORDER BY cl.published_ts DESC, cl.post_id DESC LIMIT ?4)"
    " UNION"
    " SELECT tl.published_ts, tl.post_id FROM post_tags mine"
    "  JOIN tag_listing tl ON tl.tag_id = mine.tag_id"
    "  AND tl.published_ts <= ?3 AND tl.post_id <> ?2"
    "  AND tl.published_ts >= coalesce((SELECT x.published_ts"
    "   FROM tag_listing x WHERE x.tag_id = mine.tag_id"
    "   AND x.published_ts <= ?3 AND x.post_id <> ?2"
    "   ORDER BY x.published_ts DESC, x.post_id DESC"
    "   LIMIT 1 OFFSET ?4 - 1), 0)"
    "  WHERE mine.post_id = ?2)"
    " SELECT p.info_code, p.title, p.published_at, c.slug, p.id"
    " FROM (SELECT ts, id FROM near ORDER BY ts DESC, id DESC LIMIT ?4) n"
    " CROSS JOIN posts p ON p.id = n.id"
    " LEFT JOIN categories c ON c.id = p.category_id"
    " WHERE p.status = 'published'"
    " ORDER BY n.ts DESC, n.id DESC";


static ngx_str_t  ngx_http_news_related_ul = ngx_string("ul class=\"related\"");


ngx_int_t
ngx_http_news_render_related(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_http_news_post_t *post, ngx_str_t *html)
{
    ngx_int_t              rc;
    ngx_array_t            posts;
    sqlite3_stmt          *stmt;
    ngx_http_news_post_t  *p;

    ngx_str_null(html);

    if (ngx_array_init(&posts, r->pool, NGX_HTTP_NEWS_RELATED_MAX,
                       sizeof(ngx_http_news_post_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the list follows the category's posts, and posts of the same tags */

    if (post->has_category) {
        ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_LIST, post->category_id);
    }

    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_TAGS, post->id);
    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_RELATED, post->id);

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_RELATED];

    sqlite3_bind_int64(stmt, 1, post->has_category ? post->category_id : -1);
    sqlite3_bind_int64(stmt, 2, post->id);
    sqlite3_bind_int64(stmt, 3, ngx_time());
    sqlite3_bind_int64(stmt, 4, NGX_HTTP_NEWS_RELATED_MAX);

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, r->connection->log);
        if (rc != NGX_OK) {
            break;
        }

        p = ngx_array_push(&posts);
        if (p == NULL) {
            rc = NGX_ERROR;
            break;
        }

        ngx_memzero(p, sizeof(ngx_http_news_post_t));

        if (ngx_http_news_sqlite_text(r->pool, stmt, 0, &p->info_code)
            != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 1, &p->title)
               != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 2, &p->published_at)
               != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 3, &p->category_slug)
               != NGX_OK)
        {
            rc = NGX_ERROR;
            break;
        }

        p->has_category = (sqlite3_column_type(stmt, 3) != SQLITE_NULL);
        p->id = sqlite3_column_int64(stmt, 4);

        ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_POST, p->id);
    }

    rc = ngx_http_news_db_result(db, stmt, rc);

    if (rc != NGX_OK || posts.nelts == 0) {
        return rc;
    }

    return ngx_http_news_render_links(r, &posts, &ngx_http_news_related_ul,
                                      html);
}
