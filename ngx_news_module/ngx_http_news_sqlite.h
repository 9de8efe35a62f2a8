
/*
 * Copyright (C) ngx_news_module authors
 *
 * The SQLite edge (ngx_http_news_sqlite.c), for the files that talk to
 * SQLite: the content database's, the readership file's, the stats
 * reader's.  Nothing else of the module includes sqlite3.h.
 */


#ifndef _NGX_HTTP_NEWS_SQLITE_H_INCLUDED_
#define _NGX_HTTP_NEWS_SQLITE_H_INCLUDED_


#include <sqlite3.h>


/* ngx_http_news_sqlite.c */
ngx_int_t ngx_http_news_sqlite_step(sqlite3_stmt *stmt, int *err);
ngx_int_t ngx_http_news_sqlite_text(ngx_pool_t *pool, sqlite3_stmt *stmt,
    int col, ngx_str_t *s);
void ngx_http_news_sqlite_close(sqlite3 **conn, sqlite3_stmt **stmt,
    ngx_uint_t n);


#endif /* _NGX_HTTP_NEWS_SQLITE_H_INCLUDED_ */
