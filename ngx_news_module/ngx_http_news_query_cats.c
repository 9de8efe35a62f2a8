
/*
 * Copyright (C) ngx_news_module authors
 *
 * The categories' queries (their SQL is in query.c's table): a
 * category's breadcrumb chain, a category by slug, its children, the
 * whole tree, where an old slug now leads.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_db.h"


#define NGX_HTTP_NEWS_CHAIN_MAX     32
#define NGX_HTTP_NEWS_TREE_MAX      1000
#define NGX_HTTP_NEWS_TREE_TOP      INT64_MIN


/* a category of the tree as read, before its place in the walk is known */
typedef struct {
    ngx_http_news_cat_t         cat;
    int64_t                     parent;     /* NGX_HTTP_NEWS_TREE_TOP */
} ngx_http_news_tree_cat_t;


static ngx_int_t ngx_http_news_db_cats(ngx_http_request_t *r,
    ngx_http_news_db_t *db, sqlite3_stmt *stmt, ngx_array_t *cats);
static int ngx_libc_cdecl ngx_http_news_tree_cmp(const void *one,
    const void *two);


/*
 * the category's chain from the top level down to it; a cycle an admin
 * made with triggers off is cut where it repeats
 */

ngx_int_t
ngx_http_news_db_chain(ngx_http_request_t *r, ngx_http_news_db_t *db,
    int64_t category_id, ngx_array_t *chain)
{
    int64_t               id;
    ngx_int_t             rc;
    ngx_uint_t            i, n;
    sqlite3_stmt         *stmt;
    ngx_http_news_cat_t   up[NGX_HTTP_NEWS_CHAIN_MAX], *c;

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_CHAIN];
    id = category_id;

    for (n = 0; n < NGX_HTTP_NEWS_CHAIN_MAX; n++) {

        for (i = 0; i < n; i++) {
            if (up[i].id == id) {
                ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                              "news: category \"%V\" is its own ancestor, "
                              "breadcrumb cut", &up[i].slug);
                goto cut;
            }
        }

        sqlite3_bind_int64(stmt, 1, id);

        rc = ngx_http_news_db_step(db, stmt, r->connection->log);

        if (rc != NGX_OK) {
            rc = ngx_http_news_db_result(db, stmt, rc);

            if (rc != NGX_OK) {
                return rc;
            }

            break;
        }

        up[n].id = sqlite3_column_int64(stmt, 0);
        ngx_str_null(&up[n].description);

        if (ngx_http_news_sqlite_text(r->pool, stmt, 1, &up[n].slug)
            != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 2, &up[n].name)
               != NGX_OK)
        {
            (void) ngx_http_news_db_result(db, stmt, NGX_DONE);
            return NGX_ERROR;
        }

        ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_CATEGORY, up[n].id);

        if (sqlite3_column_type(stmt, 3) == SQLITE_NULL) {
            (void) ngx_http_news_db_result(db, stmt, NGX_DONE);
            n++;
            break;
        }

        id = sqlite3_column_int64(stmt, 3);

        (void) ngx_http_news_db_result(db, stmt, NGX_DONE);
    }

cut:

    for (i = n; i > 0; i--) {
        c = ngx_array_push(chain);
        if (c == NULL) {
            return NGX_ERROR;
        }

        *c = up[i - 1];
        c->depth = n - i;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_news_db_category(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_str_t *slug, ngx_http_news_cat_t *cat)
{
    ngx_int_t     rc;
    ngx_array_t   cats;

    if (ngx_array_init(&cats, r->pool, 1, sizeof(ngx_http_news_cat_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_SLUG,
                          ngx_crc32_short(slug->data, slug->len));

    sqlite3_bind_text(db->stmt[NGX_HTTP_NEWS_STMT_CATEGORY], 1,
                      (char *) slug->data, slug->len, SQLITE_STATIC);

    rc = ngx_http_news_db_cats(r, db, db->stmt[NGX_HTTP_NEWS_STMT_CATEGORY],
                               &cats);
    if (rc != NGX_OK) {
        return rc;
    }

    if (cats.nelts == 0) {
        return NGX_DECLINED;
    }

    *cat = *(ngx_http_news_cat_t *) cats.elts;

    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_CATEGORY, cat->id);

    return NGX_OK;
}


ngx_int_t
ngx_http_news_db_children(ngx_http_request_t *r, ngx_http_news_db_t *db,
    int64_t category_id, ngx_array_t *cats)
{
    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_CHILDREN, category_id);

    /* 0: the top level, the site's sections */

    if (category_id) {
        sqlite3_bind_int64(db->stmt[NGX_HTTP_NEWS_STMT_CHILDREN], 1,
                           category_id);

    } else {
        sqlite3_bind_null(db->stmt[NGX_HTTP_NEWS_STMT_CHILDREN], 1);
    }

    return ngx_http_news_db_cats(r, db, db->stmt[NGX_HTTP_NEWS_STMT_CHILDREN],
                                 cats);
}


/*
 * the tree, depth first, siblings by name (as SQLite's BINARY collation
 * orders them, then by id), at most 1,000 categories 32 levels deep; a
 * cycle an admin made with triggers off is not reachable from the top
 * level, and so is left out
 */

ngx_int_t
ngx_http_news_db_categories(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_array_t *cats)
{
    ngx_int_t                  rc;
    ngx_uint_t                 i, n, top, lo, hi, mid;
    sqlite3_stmt              *stmt;
    ngx_array_t                all;
    ngx_http_news_cat_t       *c;
    ngx_http_news_tree_cat_t  *t, *stack[NGX_HTTP_NEWS_CHAIN_MAX];
    ngx_uint_t                 next[NGX_HTTP_NEWS_CHAIN_MAX];

    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_TREE, 0);

    if (ngx_array_init(&all, r->pool, 64, sizeof(ngx_http_news_tree_cat_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_CATEGORIES];

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, r->connection->log);
        if (rc != NGX_OK) {
            break;
        }

        t = ngx_array_push(&all);
        if (t == NULL) {
            rc = NGX_ERROR;
            break;
        }

        t->cat.id = sqlite3_column_int64(stmt, 0);
        t->parent = sqlite3_column_type(stmt, 3) == SQLITE_NULL
                    ? NGX_HTTP_NEWS_TREE_TOP : sqlite3_column_int64(stmt, 3);
        ngx_str_null(&t->cat.description);

        if (ngx_http_news_sqlite_text(r->pool, stmt, 1, &t->cat.slug)
            != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 2, &t->cat.name)
               != NGX_OK)
        {
            rc = NGX_ERROR;
            break;
        }
    }

    rc = ngx_http_news_db_result(db, stmt, rc);
    if (rc != NGX_OK) {
        return rc;
    }

    /* by parent, then name: each category's children are a run */

    t = all.elts;
    n = all.nelts;

    ngx_qsort(t, n, sizeof(ngx_http_news_tree_cat_t),
              ngx_http_news_tree_cmp);

    /* the walk starts at the top level, whose parent sorts first */

    top = 0;
    next[0] = 0;
    stack[0] = NULL;

    while (cats->nelts < NGX_HTTP_NEWS_TREE_MAX) {

        /* the next child of the category at the top of the stack */

        i = next[top];

        if (i >= n
            || t[i].parent != (stack[top] ? stack[top]->cat.id
                                          : NGX_HTTP_NEWS_TREE_TOP))
        {
            if (top == 0) {
                break;
            }

            top--;
            continue;
        }

        next[top] = i + 1;

        c = ngx_array_push(cats);
        if (c == NULL) {
            return NGX_ERROR;
        }

        *c = t[i].cat;
        c->depth = top;

        if (top + 1 == NGX_HTTP_NEWS_CHAIN_MAX) {
            continue;
        }

        /* its children's run, found by binary search on the parent */

        lo = 0;
        hi = n;

        while (lo < hi) {
            mid = lo + (hi - lo) / 2;

            if (t[mid].parent < t[i].cat.id) {
                lo = mid + 1;

            } else {
                hi = mid;
            }
        }

        top++;
        stack[top] = &t[i];
        next[top] = lo;
    }

    return NGX_OK;
}


static int ngx_libc_cdecl
ngx_http_news_tree_cmp(const void *one, const void *two)
{
    const ngx_http_news_tree_cat_t  *a = one, *b = two;

    int  rc;

    if (a->parent != b->parent) {
        return a->parent < b->parent ? -1 : 1;
    }

    rc = ngx_memn2cmp(a->cat.name.data, b->cat.name.data, a->cat.name.len,
                      b->cat.name.len);
    if (rc != 0) {
        return rc;
    }

    return (a->cat.id > b->cat.id) - (a->cat.id < b->cat.id);
}


/* rows of (id, slug, name, depth[, description]) */

static ngx_int_t
ngx_http_news_db_cats(ngx_http_request_t *r, ngx_http_news_db_t *db,
    sqlite3_stmt *stmt, ngx_array_t *cats)
{
    ngx_int_t             rc;
    ngx_http_news_cat_t  *cat;

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, r->connection->log);
        if (rc != NGX_OK) {
            break;
        }

        cat = ngx_array_push(cats);
        if (cat == NULL) {
            rc = NGX_ERROR;
            break;
        }

        cat->id = sqlite3_column_int64(stmt, 0);
        cat->depth = sqlite3_column_int(stmt, 3);

        if (ngx_http_news_sqlite_text(r->pool, stmt, 1, &cat->slug) != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 2, &cat->name)
               != NGX_OK)
        {
            rc = NGX_ERROR;
            break;
        }

        ngx_str_null(&cat->description);

        if (sqlite3_column_count(stmt) > 4
            && ngx_http_news_sqlite_text(r->pool, stmt, 4, &cat->description)
               != NGX_OK)
        {
            rc = NGX_ERROR;
            break;
        }
    }

    return ngx_http_news_db_result(db, stmt, rc);
}


/* where a renamed category's old slug now leads, as db_redirect() */

ngx_int_t
ngx_http_news_db_category_moved(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_str_t *old, ngx_str_t *current)
{
    return ngx_http_news_db_redirect(r, db, NGX_HTTP_NEWS_STMT_SLUG_REDIRECT,
                                     old, current);
}
