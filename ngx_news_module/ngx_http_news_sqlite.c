
/*
 * Copyright (C) ngx_news_module authors
 *
 * The SQLite edge: what every connection of the module (the content
 * database, the readership writer, the stats reader) does with SQLite,
 * its result codes turned into nginx's once, here: a step (NGX_OK for a
 * row, NGX_DONE, NGX_AGAIN for a lock, NGX_ERROR), a text column copied
 * into a pool, a connection closed with its statements; SQLite's set-up.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_sqlite.h"


/*
 * SQLite set up for the module before its first use: no memory
 * statistics, which take a global mutex on every allocation of every
 * statement (13,500 instructions of an uncached article's) and which the
 * module never reads.  Only possible before SQLite is initialized: a
 * reload finds it so already, and the call is refused, harmlessly.
 */

void
ngx_http_news_sqlite_configure(void)
{
    (void) sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}


ngx_int_t
ngx_http_news_sqlite_step(sqlite3_stmt *stmt, int *err)
{
    int  rc;

    rc = sqlite3_step(stmt);

    *err = rc & 0xff;

    switch (rc) {

    case SQLITE_ROW:
        return NGX_OK;

    case SQLITE_DONE:
        return NGX_DONE;

    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return NGX_AGAIN;

    default:
        return NGX_ERROR;
    }
}


ngx_int_t
ngx_http_news_sqlite_text(ngx_pool_t *pool, sqlite3_stmt *stmt, int col,
    ngx_str_t *s)
{
    const u_char  *p;

    p = sqlite3_column_text(stmt, col);
    s->len = sqlite3_column_bytes(stmt, col);

    if (p == NULL || s->len == 0) {
        s->len = 0;
        s->data = (u_char *) "";
        return NGX_OK;
    }

    s->data = ngx_pnalloc(pool, s->len);
    if (s->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(s->data, p, s->len);

    return NGX_OK;
}


/* a connection and its prepared statements, all NULL afterwards */

void
ngx_http_news_sqlite_close(sqlite3 **conn, sqlite3_stmt **stmt, ngx_uint_t n)
{
    ngx_uint_t  i;

    for (i = 0; i < n; i++) {
        if (stmt[i] != NULL) {
            sqlite3_finalize(stmt[i]);
            stmt[i] = NULL;
        }
    }

    if (*conn != NULL) {
        sqlite3_close(*conn);
        *conn = NULL;
    }
}
