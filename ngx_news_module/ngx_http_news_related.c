
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


/* a candidate: a listing's row, the post's instant and id */
typedef struct {
    int64_t  ts;
    int64_t  id;
} ngx_http_news_near_t;


/*
 * the candidates come from the listings alone, which hold published posts
 * only, each with its instant: the category's newest (with its
 * descendants', category_listing) and the newest of each of the post's
 * tags (tag_listing), each list read backwards along its primary key and
 * cut at ?4, so that a tag with thousands of posts costs what a small one
 * does.  Merged here, newest first, rather than in SQL: a UNION and an
 * ORDER BY over it built two temporary B-trees a render, four times the
 * cost of the reads.  No post row is read until the few shown are known,
 * and then only its columns before the body (its status lies past it, on
 * overflow pages: the listings have only published posts).  ?1 the
 * category or the tag, ?2 the post, ?3 now, ?4 how many.
 */

const char  ngx_http_news_related_category_sql[] =
    "SELECT published_ts, post_id FROM category_listing"
    " WHERE category_id = ?1 AND published_ts <= ?3 AND post_id <> ?2"
    " ORDER BY published_ts DESC, post_id DESC LIMIT ?4";

const char  ngx_http_news_related_tags_sql[] =
    "SELECT tag_id FROM post_tags WHERE post_id = ?1";

const char  ngx_http_news_related_tag_sql[] =
    "SELECT published_ts, post_id FROM tag_listing"
    " WHERE tag_id = ?1 AND published_ts <= ?3 AND post_id <> ?2"
    " ORDER BY published_ts DESC, post_id DESC LIMIT ?4";


static ngx_int_t ngx_http_news_related_near(ngx_http_news_db_t *db,
    sqlite3_stmt *stmt, int64_t list, int64_t post, ngx_log_t *log,
    ngx_http_news_near_t *near, ngx_uint_t *n);


static ngx_str_t  ngx_http_news_related_ul = ngx_string("ul class=\"related\"");


ngx_int_t
ngx_http_news_render_related(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_http_news_post_t *post, ngx_str_t *html)
{
    int64_t                tag;
    ngx_int_t              rc;
    ngx_uint_t             i, n;
    ngx_array_t            posts, tags;
    sqlite3_stmt          *stmt;
    ngx_http_news_post_t  *p;
    ngx_http_news_near_t   near[NGX_HTTP_NEWS_RELATED_MAX];

    ngx_str_null(html);

    if (ngx_array_init(&posts, r->pool, NGX_HTTP_NEWS_RELATED_MAX,
                       sizeof(ngx_http_news_post_t))
        != NGX_OK
        || ngx_array_init(&tags, r->pool, 4, sizeof(int64_t)) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the list follows the category's posts, and posts of the same tags */

    if (post->has_category) {
        ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_LIST, post->category_id);
    }

    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_TAGS, post->id);
    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_RELATED, post->id);

    n = 0;

    if (post->has_category) {
        rc = ngx_http_news_related_near(db,
                 db->stmt[NGX_HTTP_NEWS_STMT_RELATED_CATEGORY],
                 post->category_id, post->id, r->connection->log, near, &n);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    /* the post's tags first: one statement is not stepped inside another */

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_RELATED_TAGS];
    sqlite3_bind_int64(stmt, 1, post->id);

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, r->connection->log);
        if (rc != NGX_OK) {
            break;
        }

        tag = sqlite3_column_int64(stmt, 0);

        if (ngx_array_push(&tags) == NULL) {
            rc = NGX_ERROR;
            break;
        }

        ((int64_t *) tags.elts)[tags.nelts - 1] = tag;
    }

    rc = ngx_http_news_db_result(db, stmt, rc);
    if (rc != NGX_OK) {
        return rc;
    }

    for (i = 0; i < tags.nelts; i++) {
        /* a post newly in one of the tags may now come first */
        ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_TAG_LIST,
                              ((int64_t *) tags.elts)[i]);

        rc = ngx_http_news_related_near(db,
                 db->stmt[NGX_HTTP_NEWS_STMT_RELATED_TAG],
                 ((int64_t *) tags.elts)[i], post->id, r->connection->log,
                 near, &n);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    /* the few shown, each as its row is now */

    for (i = 0; i < n; i++) {
        p = ngx_array_push(&posts);
        if (p == NULL) {
            return NGX_ERROR;
        }

        rc = ngx_http_news_db_listed_post(r, db, near[i].id, p);

        if (rc == NGX_DECLINED) {
            posts.nelts--;
            continue;
        }

        if (rc != NGX_OK) {
            return rc;
        }

        ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_POST, p->id);
    }

    if (posts.nelts == 0) {
        return NGX_OK;
    }

    return ngx_http_news_render_links(r, &posts, &ngx_http_news_related_ul,
                                      html);
}


/*
 * one list's newest rows merged into near[], newest first (the instant,
 * then the id), each post once, at most NGX_HTTP_NEWS_RELATED_MAX
 */

static ngx_int_t
ngx_http_news_related_near(ngx_http_news_db_t *db, sqlite3_stmt *stmt,
    int64_t list, int64_t post, ngx_log_t *log, ngx_http_news_near_t *near,
    ngx_uint_t *n)
{
    int64_t     ts, id;
    ngx_int_t   rc;
    ngx_uint_t  i, j;

    sqlite3_bind_int64(stmt, 1, list);
    sqlite3_bind_int64(stmt, 2, post);
    sqlite3_bind_int64(stmt, 3, ngx_time());
    sqlite3_bind_int64(stmt, 4, NGX_HTTP_NEWS_RELATED_MAX);

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, log);
        if (rc != NGX_OK) {
            break;
        }

        ts = sqlite3_column_int64(stmt, 0);
        id = sqlite3_column_int64(stmt, 1);

        for (i = 0; i < *n; i++) {
            if (near[i].id == id
                || near[i].ts < ts || (near[i].ts == ts && near[i].id < id))
            {
                break;
            }
        }

        if (i < *n && near[i].id == id) {
            continue;
        }

        if (i == NGX_HTTP_NEWS_RELATED_MAX) {
            /* older than all kept: so are the rest of this list */
            break;
        }

        j = (*n < NGX_HTTP_NEWS_RELATED_MAX) ? (*n)++ : *n - 1;

        for ( /* void */ ; j > i; j--) {
            near[j] = near[j - 1];
        }

        near[i].ts = ts;
        near[i].id = id;
    }

    return ngx_http_news_db_result(db, stmt, rc);
}
