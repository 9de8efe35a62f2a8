
/*
 * Copyright (C) ngx_news_module authors
 *
 * The content database's queries: their SQL, prepared once per open
 * file, and what each row becomes (posts, tags, where an old name now
 * leads; the categories are query_cats.c's, the lists of posts
 * query_list.c's).  Every value a
 * request gives is bound, never written into SQL.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_db.h"


#define NGX_HTTP_NEWS_TAGS_MAX      100


static ngx_int_t ngx_http_news_db_post_by_code(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_str_t *code, ngx_http_news_post_t *post);
static int ngx_libc_cdecl ngx_http_news_tag_cmp(const void *one,
    const void *two);
static ngx_int_t ngx_http_news_db_post_row(ngx_http_request_t *r,
    ngx_http_news_db_t *db, sqlite3_stmt *stmt, int64_t id,
    ngx_http_news_post_t *post);


const char  *ngx_http_news_sql[NGX_HTTP_NEWS_STMT_LISTS] = {

    /* NGX_HTTP_NEWS_STMT_POST */
    "SELECT p.id, p.title, p.published_at, p.summary, p.body_html,"
    " p.source_name, p.source_url, p.status, p.category_id, c.slug, c.name,"
    " max(coalesce(unixepoch(p.updated_at), 0),"
    "     coalesce(unixepoch(c.updated_at), 0)),"
    " p.published_ts, p.image_url, p.author, p.updated_at"
    " FROM posts p LEFT JOIN categories c ON c.id = p.category_id"
    " WHERE p.info_code = ?1",

    /*
     * NGX_HTTP_NEWS_STMT_TAGS: sorted by name in C, db_tags(); an ORDER BY
     * here built a temporary B-tree a render (34k instructions of 221k)
     */
    "SELECT t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id"
    " WHERE pt.post_id = ?1 LIMIT 10000",

    /*
     * NGX_HTTP_NEWS_STMT_CHAIN: a category and its parent, asked for each
     * step up; a recursive CTE cost three times as much
     */
    "SELECT id, slug, name, parent_id FROM categories WHERE id = ?1",

    /* NGX_HTTP_NEWS_STMT_CATEGORY */
    "SELECT id, slug, name, 0, description FROM categories WHERE slug = ?1",

    /* NGX_HTTP_NEWS_STMT_CHILDREN */
    "SELECT id, slug, name, 0 FROM categories WHERE parent_id IS ?1"
    " ORDER BY name LIMIT 500",

    /*
     * NGX_HTTP_NEWS_STMT_CATEGORIES: every category, made a tree in C,
     * db_categories(); a recursive CTE ordered by the names' path cost a
     * million instructions a home page
     */
    "SELECT id, slug, name, parent_id FROM categories LIMIT 100000",

    /* NGX_HTTP_NEWS_STMT_DATA_VERSION */
    "PRAGMA data_version",

    /* NGX_HTTP_NEWS_STMT_CODE_REDIRECT: the current code of an old one */
    "SELECT p.info_code FROM info_code_redirects r"
    " JOIN posts p ON p.id = r.post_id WHERE r.old_info_code = ?1",

    /* NGX_HTTP_NEWS_STMT_SLUG_REDIRECT */
    "SELECT c.slug FROM category_redirects r"
    " JOIN categories c ON c.id = r.category_id WHERE r.old_slug = ?1",

    /* NGX_HTTP_NEWS_STMT_NEXT_LIVE: when the next scheduled post goes live */
    "SELECT min(published_ts) FROM posts"
    " WHERE status = 'published' AND published_ts > ?1",

    /* NGX_HTTP_NEWS_STMT_BEGIN: deferred, no lock until the first read */
    "BEGIN",

    /* NGX_HTTP_NEWS_STMT_COMMIT */
    "COMMIT",

    /* NGX_HTTP_NEWS_STMT_POST_LINK: what a link to a post needs, no body */
    "SELECT p.title, p.published_at, c.slug, p.status, p.published_ts"
    " FROM posts p LEFT JOIN categories c ON c.id = p.category_id"
    " WHERE p.info_code = ?1",

    /* NGX_HTTP_NEWS_STMT_RELATED_*: with their code, related.c */
    ngx_http_news_related_category_sql,
    ngx_http_news_related_tags_sql,
    ngx_http_news_related_tag_sql,

    /* NGX_HTTP_NEWS_STMT_POST_BY_ID: a search result, if it is out */
    "SELECT p.info_code, p.title, p.published_at, c.slug, c.name"
    " FROM posts p LEFT JOIN categories c ON c.id = p.category_id"
    " WHERE p.id = ?1 AND p.status = 'published' AND p.published_ts <= ?2",

    /*
     * NGX_HTTP_NEWS_STMT_LISTED_POST: a post a listing gave (a related
     * post), which holds published posts only, each with its instant: no
     * status read, which lies past the body, on its overflow pages
     */
    "SELECT p.info_code, p.title, p.published_at, c.slug, c.name"
    " FROM posts p LEFT JOIN categories c ON c.id = p.category_id"
    " WHERE p.id = ?1",

    /* NGX_HTTP_NEWS_STMT_CHANGES: what commits changed, changes.c */
    "SELECT id, what, a, b, code FROM change_log WHERE id > ?1"
    " ORDER BY id LIMIT ?2",

    /* NGX_HTTP_NEWS_STMT_CHANGE_LAST */
    "SELECT coalesce(max(id), 0) FROM change_log",

    /* NGX_HTTP_NEWS_STMT_SITEMAP_*: ngx_http_news_sitemap*.c */
    ngx_http_news_sitemap_ends_sql,
    ngx_http_news_sitemap_part_sql,
    ngx_http_news_sitemap_tree_sql,
    ngx_http_news_sitemap_categories_sql,
    ngx_http_news_sitemap_tags_sql,
    ngx_http_news_sitemap_news_sql
};


/*
 * NGX_OK: found; NGX_DECLINED: no such post; NGX_AGAIN: locked;
 * NGX_ERROR: the database failed
 */

ngx_int_t
ngx_http_news_db_post(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_str_t *code, ngx_http_news_post_t *post)
{
    ngx_int_t  rc;
    ngx_str_t  current;

    rc = ngx_http_news_db_post_by_code(r, db, code, post);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    /* an old code of a post whose code changed: the post it is now */

    rc = ngx_http_news_db_redirect(r, db, NGX_HTTP_NEWS_STMT_CODE_REDIRECT,
                                   code, &current);
    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_news_db_post_by_code(r, db, &current, post);
}


/*
 * the row a statement finds by its one text key, ?1: NGX_OK with the row
 * to read, NGX_DECLINED when there is none (the statement reset), or the
 * failure
 */

ngx_int_t
ngx_http_news_db_find(ngx_http_request_t *r, ngx_http_news_db_t *db,
    sqlite3_stmt *stmt, ngx_str_t *key)
{
    ngx_int_t  rc;

    if (sqlite3_bind_text(stmt, 1, (char *) key->data, key->len,
                          SQLITE_STATIC)
        != SQLITE_OK)
    {
        return ngx_http_news_db_result(db, stmt, NGX_ERROR);
    }

    rc = ngx_http_news_db_step(db, stmt, r->connection->log);

    if (rc != NGX_OK) {
        if (ngx_http_news_db_result(db, stmt, rc) == NGX_OK) {
            return NGX_DECLINED;
        }

        return rc;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_news_db_post_by_code(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_str_t *code, ngx_http_news_post_t *post)
{
    ngx_int_t       rc;
    ngx_str_t       status;
    ngx_pool_t     *pool;
    sqlite3_stmt   *stmt;

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_POST];
    pool = r->pool;

    /* found or not, the page follows what the code leads to */
    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_CODE,
                          ngx_crc32_short(code->data, code->len));

    rc = ngx_http_news_db_find(r, db, stmt, code);
    if (rc != NGX_OK) {
        return rc;
    }

    post->id = sqlite3_column_int64(stmt, 0);
    post->info_code = *code;

    if (ngx_http_news_sqlite_text(pool, stmt, 1, &post->title) != NGX_OK
        || ngx_http_news_sqlite_text(pool, stmt, 2, &post->published_at)
           != NGX_OK
        || ngx_http_news_sqlite_text(pool, stmt, 3, &post->summary) != NGX_OK
        || ngx_http_news_sqlite_text(pool, stmt, 4, &post->body) != NGX_OK
        || ngx_http_news_sqlite_text(pool, stmt, 5, &post->source_name)
           != NGX_OK
        || ngx_http_news_sqlite_text(pool, stmt, 6, &post->source_url) != NGX_OK
        || ngx_http_news_sqlite_text(pool, stmt, 7, &status) != NGX_OK
        || ngx_http_news_sqlite_text(pool, stmt, 9, &post->category_slug)
           != NGX_OK
        || ngx_http_news_sqlite_text(pool, stmt, 10, &post->category_name)
           != NGX_OK
        || ngx_http_news_sqlite_text(pool, stmt, 13, &post->image_url)
           != NGX_OK
        || ngx_http_news_sqlite_text(pool, stmt, 14, &post->author) != NGX_OK
        || ngx_http_news_sqlite_text(pool, stmt, 15, &post->updated_at)
           != NGX_OK)
    {
        (void) ngx_http_news_db_result(db, stmt, NGX_DONE);
        return NGX_ERROR;
    }

    post->category_id = sqlite3_column_int64(stmt, 8);

    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_POST, post->id);
    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_CATEGORY, post->category_id);
    post->has_category = (sqlite3_column_type(stmt, 9) != SQLITE_NULL);
    post->updated = (time_t) sqlite3_column_int64(stmt, 11);

    post->published_ts = sqlite3_column_int64(stmt, 12);

    if (status.len == 9 && ngx_strncmp(status.data, "published", 9) == 0) {
        post->status = (post->published_ts > ngx_time())
                       ? NGX_HTTP_NEWS_STATUS_SCHEDULED
                       : NGX_HTTP_NEWS_STATUS_PUBLISHED;

    } else if (status.len == 7 && ngx_strncmp(status.data, "deleted", 7) == 0)
    {
        post->status = NGX_HTTP_NEWS_STATUS_DELETED;

    } else {
        /* a draft, or whatever else an admin wrote: not served */
        post->status = NGX_HTTP_NEWS_STATUS_DRAFT;
    }

    return ngx_http_news_db_result(db, stmt, NGX_DONE);
}


/*
 * where an old name now leads: NGX_OK with the current name, NGX_DECLINED
 * when it leads nowhere
 */

ngx_int_t
ngx_http_news_db_redirect(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_uint_t which, ngx_str_t *old, ngx_str_t *current)
{
    ngx_int_t      rc;
    sqlite3_stmt  *stmt;

    stmt = db->stmt[which];

    ngx_http_news_depends(r, which == NGX_HTTP_NEWS_STMT_SLUG_REDIRECT
                             ? NGX_HTTP_NEWS_DEP_SLUG : NGX_HTTP_NEWS_DEP_CODE,
                          ngx_crc32_short(old->data, old->len));

    sqlite3_bind_text(stmt, 1, (char *) old->data, old->len, SQLITE_STATIC);

    rc = ngx_http_news_db_step(db, stmt, r->connection->log);

    if (rc == NGX_OK) {
        if (ngx_http_news_sqlite_text(r->pool, stmt, 0, current) != NGX_OK) {
            rc = NGX_ERROR;

        } else if (current->len == 0
                   || (current->len == old->len
                       && ngx_strncmp(current->data, old->data, old->len)
                          == 0))
        {
            rc = NGX_DONE;
        }
    }

    if (ngx_http_news_db_result(db, stmt, rc) != NGX_OK) {
        return rc;
    }

    return rc == NGX_OK ? NGX_OK : NGX_DECLINED;
}


ngx_int_t
ngx_http_news_db_tags(ngx_http_request_t *r, ngx_http_news_db_t *db,
    int64_t post_id, ngx_array_t *tags)
{
    ngx_int_t      rc;
    ngx_str_t     *tag;
    sqlite3_stmt  *stmt;

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_TAGS];

    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_TAGS, post_id);

    sqlite3_bind_int64(stmt, 1, post_id);

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, r->connection->log);
        if (rc != NGX_OK) {
            break;
        }

        tag = ngx_array_push(tags);
        if (tag == NULL) {
            rc = NGX_ERROR;
            break;
        }

        if (ngx_http_news_sqlite_text(r->pool, stmt, 0, tag) != NGX_OK) {
            rc = NGX_ERROR;
            break;
        }
    }

    rc = ngx_http_news_db_result(db, stmt, rc);

    if (rc != NGX_OK) {
        return rc;
    }

    /* by name as SQLite's BINARY collation orders them, the first 100 */

    ngx_qsort(tags->elts, tags->nelts, sizeof(ngx_str_t),
              ngx_http_news_tag_cmp);

    if (tags->nelts > NGX_HTTP_NEWS_TAGS_MAX) {
        tags->nelts = NGX_HTTP_NEWS_TAGS_MAX;
    }

    return NGX_OK;
}


static int ngx_libc_cdecl
ngx_http_news_tag_cmp(const void *one, const void *two)
{
    const ngx_str_t  *a = one, *b = two;

    return ngx_memn2cmp(a->data, b->data, a->len, b->len);
}


/*
 * a post's title and what its path is made of, for a link to it (the
 * stats page); an old code leads to the post it now names.  Status
 * published only when it is out.  As ngx_http_news_db_post() returns.
 */

ngx_int_t
ngx_http_news_db_post_link(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_str_t *code, ngx_http_news_post_t *post)
{
    ngx_int_t      rc;
    ngx_str_t      status, current;
    ngx_uint_t     again;
    sqlite3_stmt  *stmt;

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_POST_LINK];
    current = *code;

    for (again = 1; /* void */; again = 0) {

        if (sqlite3_bind_text(stmt, 1, (char *) current.data, current.len,
                              SQLITE_STATIC)
            != SQLITE_OK)
        {
            return ngx_http_news_db_result(db, stmt, NGX_ERROR);
        }

        rc = ngx_http_news_db_step(db, stmt, r->connection->log);

        if (rc == NGX_OK) {
            break;
        }

        rc = ngx_http_news_db_result(db, stmt, rc);

        if (rc != NGX_OK) {
            return rc;
        }

        if (!again) {
            return NGX_DECLINED;
        }

        rc = ngx_http_news_db_redirect(r, db,
                                       NGX_HTTP_NEWS_STMT_CODE_REDIRECT,
                                       code, &current);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    post->info_code = current;

    if (ngx_http_news_sqlite_text(r->pool, stmt, 0, &post->title) != NGX_OK
        || ngx_http_news_sqlite_text(r->pool, stmt, 1, &post->published_at)
           != NGX_OK
        || ngx_http_news_sqlite_text(r->pool, stmt, 2, &post->category_slug)
           != NGX_OK
        || ngx_http_news_sqlite_text(r->pool, stmt, 3, &status) != NGX_OK)
    {
        (void) ngx_http_news_db_result(db, stmt, NGX_DONE);
        return NGX_ERROR;
    }

    post->has_category = (sqlite3_column_type(stmt, 2) != SQLITE_NULL);
    post->published_ts = sqlite3_column_int64(stmt, 4);

    post->status = (status.len == 9
                    && ngx_strncmp(status.data, "published", 9) == 0
                    && post->published_ts <= ngx_time())
                   ? NGX_HTTP_NEWS_STATUS_PUBLISHED
                   : NGX_HTTP_NEWS_STATUS_DRAFT;

    return ngx_http_news_db_result(db, stmt, NGX_DONE);
}


/*
 * a post by its id, when it is published and out (a search result): what
 * a link to it and its category need; NGX_DECLINED when it is not
 */

ngx_int_t
ngx_http_news_db_post_by_id(ngx_http_request_t *r, ngx_http_news_db_t *db,
    int64_t id, ngx_http_news_post_t *post)
{
    sqlite3_bind_int64(db->stmt[NGX_HTTP_NEWS_STMT_POST_BY_ID], 2,
                       ngx_time());

    return ngx_http_news_db_post_row(r, db,
                                     db->stmt[NGX_HTTP_NEWS_STMT_POST_BY_ID],
                                     id, post);
}


/* a post by the id a listing gave: as db_post_by_id(), its status taken */

ngx_int_t
ngx_http_news_db_listed_post(ngx_http_request_t *r, ngx_http_news_db_t *db,
    int64_t id, ngx_http_news_post_t *post)
{
    return ngx_http_news_db_post_row(r, db,
                                     db->stmt[NGX_HTTP_NEWS_STMT_LISTED_POST],
                                     id, post);
}


static ngx_int_t
ngx_http_news_db_post_row(ngx_http_request_t *r, ngx_http_news_db_t *db,
    sqlite3_stmt *stmt, int64_t id, ngx_http_news_post_t *post)
{
    ngx_int_t  rc;

    sqlite3_bind_int64(stmt, 1, id);

    rc = ngx_http_news_db_step(db, stmt, r->connection->log);

    if (rc != NGX_OK) {
        rc = ngx_http_news_db_result(db, stmt, rc);
        return rc == NGX_OK ? NGX_DECLINED : rc;
    }

    ngx_memzero(post, sizeof(ngx_http_news_post_t));
    post->id = id;

    if (ngx_http_news_sqlite_text(r->pool, stmt, 0, &post->info_code)
        != NGX_OK
        || ngx_http_news_sqlite_text(r->pool, stmt, 1, &post->title) != NGX_OK
        || ngx_http_news_sqlite_text(r->pool, stmt, 2, &post->published_at)
           != NGX_OK
        || ngx_http_news_sqlite_text(r->pool, stmt, 3, &post->category_slug)
           != NGX_OK
        || ngx_http_news_sqlite_text(r->pool, stmt, 4, &post->category_name)
           != NGX_OK)
    {
        (void) ngx_http_news_db_result(db, stmt, NGX_DONE);
        return NGX_ERROR;
    }

    post->has_category = (sqlite3_column_type(stmt, 3) != SQLITE_NULL);

    return ngx_http_news_db_result(db, stmt, NGX_DONE);
}
