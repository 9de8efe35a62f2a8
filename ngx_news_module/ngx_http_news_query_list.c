
/*
 * Copyright (C) ngx_news_module authors
 *
 * The lists of posts, newest first by the instant of publication: all
 * of them (the home page), a category's and a tag's.  A page is read by
 * offset, or after the last post of the page before it, which is one
 * index seek however deep the page is; and where every page of a list
 * ends is found in one pass over its index (pages.c keeps that).  Each
 * list is read from an index in its order, never sorted: EXPLAIN QUERY
 * PLAN shows a SEARCH with no "USE TEMP B-TREE".
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_db.h"


#define NGX_HTTP_NEWS_POSTS      0
#define NGX_HTTP_NEWS_AFTER      1
#define NGX_HTTP_NEWS_ENDS       2

#define ngx_http_news_list_stmt(list, which)                                 \
    (NGX_HTTP_NEWS_STMT_LISTS + (list)->type * 3 + (which))

#define NGX_HTTP_NEWS_LIST_SQL                                               \
    "SELECT p.info_code, p.title, p.published_at, c.slug, p.summary,"       \
    " p.published_ts, p.id"                                                  \
    " FROM posts p LEFT JOIN categories c ON c.id = p.category_id"

/*
 * a tag's posts by tag_listing, in its order: a row for each tag of each
 * published post, kept by the schema's triggers; the post's own status is
 * checked too, should a trigger have been off
 */
#define NGX_HTTP_NEWS_TAG_SQL                                                \
    "SELECT p.info_code, p.title, p.published_at, c.slug, p.summary,"       \
    " tl.published_ts, tl.post_id"                                           \
    " FROM tag_listing tl JOIN posts p ON p.id = tl.post_id"                 \
    " LEFT JOIN categories c ON c.id = p.category_id"

#define NGX_HTTP_NEWS_TREE_SQL                                               \
    "SELECT p.info_code, p.title, p.published_at, c.slug, p.summary,"       \
    " cl.published_ts, cl.post_id"                                           \
    " FROM category_listing cl JOIN posts p ON p.id = cl.post_id"            \
    " LEFT JOIN categories c ON c.id = p.category_id"


/*
 * bound: ?1 the category's or tag's id, ?2 the limit, ?3 the offset,
 * ?4 and ?5 the anchor, ?6 now (a post scheduled for later is not there
 * yet); after an anchor, a post already out, everything is out too: a
 * second bound on published_ts would have the index searched by that
 * one, and the rows before the anchor walked
 */

const char  *ngx_http_news_list_sql[NGX_HTTP_NEWS_STMT_MAX
                                   - NGX_HTTP_NEWS_STMT_LISTS] = {

    /* all posts: posts_by_date */
    NGX_HTTP_NEWS_LIST_SQL
    " WHERE p.status = 'published' AND p.published_ts <= ?6"
    " ORDER BY p.published_ts DESC, p.id DESC LIMIT ?2 OFFSET ?3",

    NGX_HTTP_NEWS_LIST_SQL
    " WHERE p.status = 'published' AND (p.published_ts, p.id) < (?4, ?5)"
    " ORDER BY p.published_ts DESC, p.id DESC LIMIT ?2",

    "SELECT p.published_ts, p.id FROM posts p"
    " WHERE p.status = 'published' AND p.published_ts <= ?6"
    " ORDER BY p.published_ts DESC, p.id DESC",

    /* a category's: posts_by_category */
    NGX_HTTP_NEWS_LIST_SQL
    " WHERE p.category_id = ?1 AND p.status = 'published'"
    " AND p.published_ts <= ?6"
    " ORDER BY p.published_ts DESC, p.id DESC LIMIT ?2 OFFSET ?3",

    NGX_HTTP_NEWS_LIST_SQL
    " WHERE p.category_id = ?1 AND p.status = 'published'"
    " AND (p.published_ts, p.id) < (?4, ?5)"
    " ORDER BY p.published_ts DESC, p.id DESC LIMIT ?2",

    "SELECT p.published_ts, p.id FROM posts p"
    " WHERE p.category_id = ?1 AND p.status = 'published'"
    " AND p.published_ts <= ?6"
    " ORDER BY p.published_ts DESC, p.id DESC",

    /* a tag's: tag_listing, each post by its primary key */
    NGX_HTTP_NEWS_TAG_SQL
    " WHERE tl.tag_id = ?1 AND tl.published_ts <= ?6"
    " AND p.status = 'published'"
    " ORDER BY tl.published_ts DESC, tl.post_id DESC LIMIT ?2 OFFSET ?3",

    NGX_HTTP_NEWS_TAG_SQL
    " WHERE tl.tag_id = ?1 AND (tl.published_ts, tl.post_id) < (?4, ?5)"
    " AND p.status = 'published'"
    " ORDER BY tl.published_ts DESC, tl.post_id DESC LIMIT ?2",

    /*
     * the ends from tag_listing alone, as a category's from its index: a
     * fifth of the time of a pass joined to posts (3 ms for 49,000
     * posts); should a trigger have been off, a page is one post short
     */
    "SELECT tl.published_ts, tl.post_id FROM tag_listing tl"
    " WHERE tl.tag_id = ?1 AND tl.published_ts <= ?6"
    " ORDER BY tl.published_ts DESC, tl.post_id DESC",

    /*
     * a category's with its descendants': category_listing, which files
     * each published post under its category and every ancestor; each
     * post by its primary key
     */
    NGX_HTTP_NEWS_TREE_SQL
    " WHERE cl.category_id = ?1 AND cl.published_ts <= ?6"
    " AND p.status = 'published'"
    " ORDER BY cl.published_ts DESC, cl.post_id DESC LIMIT ?2 OFFSET ?3",

    NGX_HTTP_NEWS_TREE_SQL
    " WHERE cl.category_id = ?1 AND (cl.published_ts, cl.post_id) < (?4, ?5)"
    " AND p.status = 'published'"
    " ORDER BY cl.published_ts DESC, cl.post_id DESC LIMIT ?2",

    "SELECT cl.published_ts, cl.post_id FROM category_listing cl"
    " WHERE cl.category_id = ?1 AND cl.published_ts <= ?6"
    " ORDER BY cl.published_ts DESC, cl.post_id DESC",

    /* NGX_HTTP_NEWS_STMT_TAG: a tag by its name */
    "SELECT id, name FROM tags WHERE name = ?1"
};


/* the page being made follows this list's posts, as a page of it does */

void
ngx_http_news_list_depends(ngx_http_request_t *r, ngx_http_news_list_t *list)
{
    if (list->type == NGX_HTTP_NEWS_LIST_TAG) {
        ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_TAG_LIST, list->id);

    } else if (list->type == NGX_HTTP_NEWS_LIST_TREE) {
        ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_ARCHIVE, list->id);

    } else {
        /* a category's posts, or with 0 all of them */
        ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_LIST,
                              list->type == NGX_HTTP_NEWS_LIST_ALL
                              ? 0 : list->id);
    }
}


/*
 * a page of the list's posts; after an anchor the page is found by the
 * index alone, however deep it is, and by offset otherwise
 */

ngx_int_t
ngx_http_news_db_posts(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_http_news_list_t *list, ngx_uint_t limit, ngx_uint_t offset,
    ngx_http_news_anchor_t *after, ngx_array_t *posts)
{
    ngx_int_t              rc;
    sqlite3_stmt          *stmt;
    ngx_http_news_post_t  *post;

    if (after != NULL) {
        stmt = db->stmt[ngx_http_news_list_stmt(list, NGX_HTTP_NEWS_AFTER)];
        sqlite3_bind_int64(stmt, 4, after->published_ts);
        sqlite3_bind_int64(stmt, 5, after->id);

    } else {
        stmt = db->stmt[ngx_http_news_list_stmt(list, NGX_HTTP_NEWS_POSTS)];
        sqlite3_bind_int64(stmt, 3, offset);
        sqlite3_bind_int64(stmt, 6, ngx_time());
    }

    ngx_http_news_list_depends(r, list);

    if (list->type != NGX_HTTP_NEWS_LIST_ALL) {
        sqlite3_bind_int64(stmt, 1, list->id);
    }

    sqlite3_bind_int64(stmt, 2, limit);

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, r->connection->log);
        if (rc != NGX_OK) {
            break;
        }

        post = ngx_array_push(posts);
        if (post == NULL) {
            rc = NGX_ERROR;
            break;
        }

        ngx_memzero(post, sizeof(ngx_http_news_post_t));

        if (ngx_http_news_sqlite_text(r->pool, stmt, 0, &post->info_code)
            != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 1, &post->title)
               != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 2, &post->published_at)
               != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 3, &post->category_slug)
               != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 4, &post->summary)
               != NGX_OK)
        {
            rc = NGX_ERROR;
            break;
        }

        post->has_category = (sqlite3_column_type(stmt, 3) != SQLITE_NULL);
        post->published_ts = sqlite3_column_int64(stmt, 5);
        post->id = sqlite3_column_int64(stmt, 6);
    }

    return ngx_http_news_db_result(db, stmt, rc);
}


/*
 * where each page of the list ends, in one pass over its index: the last
 * post of every full page, up to max pages, and how many posts the list
 * has
 */

ngx_int_t
ngx_http_news_db_page_ends(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_http_news_list_t *list, ngx_uint_t page_size, ngx_uint_t max,
    ngx_array_t *ends, ngx_uint_t *count)
{
    ngx_int_t                rc;
    ngx_uint_t               n;
    sqlite3_stmt            *stmt;
    ngx_http_news_anchor_t  *end;

    stmt = db->stmt[ngx_http_news_list_stmt(list, NGX_HTTP_NEWS_ENDS)];

    ngx_http_news_list_depends(r, list);

    if (list->type != NGX_HTTP_NEWS_LIST_ALL) {
        sqlite3_bind_int64(stmt, 1, list->id);
    }

    sqlite3_bind_int64(stmt, 6, ngx_time());

    n = 0;

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, r->connection->log);
        if (rc != NGX_OK) {
            break;
        }

        if (++n % page_size) {
            continue;
        }

        if (ends->nelts == max) {
            /* no page after these is ever asked for */
            break;
        }

        end = ngx_array_push(ends);
        if (end == NULL) {
            rc = NGX_ERROR;
            break;
        }

        end->published_ts = sqlite3_column_int64(stmt, 0);
        end->id = sqlite3_column_int64(stmt, 1);
    }

    *count = n;

    return ngx_http_news_db_result(db, stmt, rc);
}


/*
 * a tag by its name: NGX_OK with the tag's list, NGX_DECLINED when there
 * is no such tag
 */

ngx_int_t
ngx_http_news_db_tag(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_str_t *name, ngx_http_news_list_t *list)
{
    ngx_int_t      rc;
    sqlite3_stmt  *stmt;

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_TAG];

    /* found or not, the page follows what the name leads to */
    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_TAG,
                          ngx_crc32_short(name->data, name->len));

    rc = ngx_http_news_db_find(r, db, stmt, name);
    if (rc != NGX_OK) {
        return rc;
    }

    list->type = NGX_HTTP_NEWS_LIST_TAG;
    list->id = sqlite3_column_int64(stmt, 0);

    if (ngx_http_news_sqlite_text(r->pool, stmt, 1, &list->name) != NGX_OK) {
        (void) ngx_http_news_db_result(db, stmt, NGX_DONE);
        return NGX_ERROR;
    }

    return ngx_http_news_db_result(db, stmt, NGX_DONE);
}
