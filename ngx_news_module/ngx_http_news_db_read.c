
/*
 * Copyright (C) ngx_news_module authors
 *
 * Reading the content database: a statement's step, with its faults
 * logged once a second at most and a broken file closed to be reopened,
 * its result, and the reads of one page in one read transaction.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_db.h"


static ngx_uint_t ngx_http_news_db_fault(ngx_http_news_db_t *db,
    ngx_str_t *more);
static void ngx_http_news_db_end_handler(void *data);


/*
 * one step, as the SQLite edge gives it (NGX_OK: a row, NGX_DONE: no more,
 * NGX_AGAIN: locked, NGX_ERROR); a fault is logged once here, and a file
 * that turned out to be broken is closed so that it is reopened, and
 * checked, a second later
 */

ngx_int_t
ngx_http_news_db_step(ngx_http_news_db_t *db, sqlite3_stmt *stmt,
    ngx_log_t *log)
{
    int        err;
    ngx_int_t  rc;
    ngx_str_t  more;

    rc = ngx_http_news_sqlite_step(stmt, &err);

    switch (rc) {

    case NGX_OK:
    case NGX_DONE:
        return rc;

    case NGX_AGAIN:
        if (ngx_http_news_db_fault(db, &more)) {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "news: \"%V\" is locked: %s%*s", &db->path,
                          sqlite3_errmsg(db->conn), more.len, more.data);
        }

        return NGX_AGAIN;

    default:
        if (ngx_http_news_db_fault(db, &more)) {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "news: reading \"%V\" failed: %s%*s", &db->path,
                          sqlite3_errmsg(db->conn), more.len, more.data);
        }

        if (err == SQLITE_CORRUPT || err == SQLITE_NOTADB
            || err == SQLITE_IOERR || err == SQLITE_SCHEMA)
        {
            ngx_http_news_db_close(db);
        }

        return NGX_ERROR;
    }
}


/*
 * a fault is logged when it is first seen, then at most once a second
 * with the number of failures left out meanwhile: a broken file under load
 * must not write a line a request; "more" is the text to end the line with
 */

static ngx_uint_t
ngx_http_news_db_fault(ngx_http_news_db_t *db, ngx_str_t *more)
{
    time_t  now;

    ngx_http_news_metric_add(db_faults, 1);

    now = ngx_time();

    if (now == db->fault_logged) {
        db->faults_left_out++;
        return 0;
    }

    db->fault_logged = now;

    if (db->faults_left_out == 0) {
        ngx_str_set(more, "");
        return 1;
    }

    more->data = db->fault_text;
    more->len = ngx_snprintf(db->fault_text, sizeof(db->fault_text),
                             " (and %ui times since the last such line)",
                             db->faults_left_out)
                - db->fault_text;

    db->faults_left_out = 0;

    return 1;
}


/*
 * the statement reset after a query: NGX_OK when it ended with a row or
 * with none, NGX_AGAIN or NGX_ERROR as it failed
 */

ngx_int_t
ngx_http_news_db_result(ngx_http_news_db_t *db, sqlite3_stmt *stmt,
    ngx_int_t rc)
{
    if (db->conn != NULL) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }

    return (rc == NGX_OK || rc == NGX_DONE) ? NGX_OK : rc;
}


/*
 * the reads of one page in one transaction: one snapshot, and the file
 * locks taken and dropped once, not once a statement; ended before the
 * page is sent, and at the latest with the request
 */

void
ngx_http_news_db_begin(ngx_http_request_t *r, ngx_http_news_db_t *db)
{
    sqlite3_stmt        *stmt;
    ngx_pool_cleanup_t  *cln;

    if (db->conn == NULL || !sqlite3_get_autocommit(db->conn)) {
        return;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return;
    }

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_BEGIN];

    if (sqlite3_step(stmt) != SQLITE_DONE) {
        /* each statement then reads on its own, as without it */
        sqlite3_reset(stmt);
        return;
    }

    sqlite3_reset(stmt);

    cln->handler = ngx_http_news_db_end_handler;
    cln->data = db;
}


void
ngx_http_news_db_end(ngx_http_news_db_t *db)
{
    sqlite3_stmt  *stmt;

    if (db == NULL || db->conn == NULL || sqlite3_get_autocommit(db->conn)) {
        return;
    }

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_COMMIT];

    (void) sqlite3_step(stmt);
    sqlite3_reset(stmt);
}


static void
ngx_http_news_db_end_handler(void *data)
{
    ngx_http_news_db_end(data);
}
