
/*
 * Copyright (C) ngx_news_module authors
 *
 * The readership file: opened (made when missing, refused when it is
 * not a readership database), checked before each flush, reopened when
 * replaced or after a write error, and written one batch a transaction.
 * The transaction records the batch in readership_batch, so that a batch
 * taken up after its writer committed it is not added twice.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_sqlite.h"
#include "ngx_http_news_readership.h"

#include <ngx_http_news_readership_sql.h>


static ngx_int_t ngx_http_news_rs_create(ngx_http_news_rs_t *rs,
    ngx_log_t *log);
static ngx_int_t ngx_http_news_rs_header(ngx_http_news_rs_t *rs,
    ngx_file_info_t *fi, ngx_log_t *log);
static ngx_int_t ngx_http_news_rs_schema(ngx_http_news_rs_t *rs,
    ngx_file_info_t *fi, ngx_log_t *log);
static void ngx_http_news_rs_refuse(ngx_http_news_rs_t *rs,
    ngx_file_info_t *fi, const char *why, ngx_log_t *log);
static ngx_int_t ngx_http_news_rs_int(ngx_http_news_rs_t *rs, const char *sql,
    int *value);


static const char  *ngx_http_news_rs_sql[NGX_HTTP_NEWS_RS_STMT_MAX] = {

    /* NGX_HTTP_NEWS_RS_ADD */
    "INSERT INTO readership (node, day, info_code, region, kind, bot, count)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT (node, day, info_code, region, kind, bot)"
    " DO UPDATE SET count = count + excluded.count",

    /* NGX_HTTP_NEWS_RS_ADD_LOST */
    "INSERT INTO readership_lost (node, day, count) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (node, day) DO UPDATE SET count = count + excluded.count",

    /* NGX_HTTP_NEWS_RS_DONE */
    "SELECT 1 FROM readership_batch"
    " WHERE node = ?1 AND epoch = ?2 AND seq = ?3",

    /* NGX_HTTP_NEWS_RS_MARK */
    "INSERT INTO readership_batch (node, epoch, seq, written, count)"
    " VALUES (?1, ?2, ?3, ?4, ?5)",

    /* NGX_HTTP_NEWS_RS_PRUNE */
    "DELETE FROM readership_batch WHERE node = ?1"
    " AND ((epoch = ?2 AND seq < ?3) OR (epoch != ?2 AND written < ?4))",

    /* NGX_HTTP_NEWS_RS_NAME: the MaxMind DB's latest word on a name */
    "INSERT INTO region_names (region, lang, name) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (region, lang) DO UPDATE SET name = excluded.name"
    " WHERE name != excluded.name"
};


/* the path no longer leads to the file open: removed, or replaced */

ngx_uint_t
ngx_http_news_rs_moved(ngx_http_news_rs_t *rs, ngx_log_t *log)
{
    ngx_file_info_t  fi;

    if (ngx_file_info(rs->path.data, &fi) != NGX_FILE_ERROR
        && ngx_file_uniq(&fi) == rs->uniq && fi.st_dev == rs->dev)
    {
        return 0;
    }

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "news: readership database \"%V\" was removed or "
                  "replaced, opening it again", &rs->path);

    return 1;
}


/*
 * opens the readership file, making it when missing; a file that is not
 * a readership database is never written, whatever is in it
 */

ngx_int_t
ngx_http_news_rs_open(ngx_http_news_rs_t *rs, ngx_log_t *log)
{
    ngx_uint_t       i;
    ngx_err_t        err;
    ngx_file_info_t  fi;

    if (ngx_file_info(rs->path.data, &fi) == NGX_FILE_ERROR) {
        err = ngx_errno;

        if (err != NGX_ENOENT) {
            ngx_log_error(NGX_LOG_ERR, log, err,
                          "news: cannot open readership database \"%V\": "
                          ngx_file_info_n " failed", &rs->path);
            return NGX_ERROR;
        }

        if (ngx_http_news_rs_create(rs, log) != NGX_OK) {
            return NGX_ERROR;
        }

        if (ngx_file_info(rs->path.data, &fi) == NGX_FILE_ERROR) {
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "news: cannot open readership database \"%V\": "
                          ngx_file_info_n " failed", &rs->path);
            return NGX_ERROR;
        }
    }

    if (!ngx_is_file(&fi)) {
        ngx_http_news_rs_refuse(rs, &fi, "is not a file", log);
        return NGX_ERROR;
    }

    /* its first bytes are read before SQLite may write anything to it */
    if (ngx_file_size(&fi) > 0
        && ngx_http_news_rs_header(rs, &fi, log) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (sqlite3_open_v2((char *) rs->path.data, &rs->conn,
                        SQLITE_OPEN_READWRITE|SQLITE_OPEN_NOMUTEX, NULL)
        != SQLITE_OK)
    {
        goto failed;
    }

    if (sqlite3_db_readonly(rs->conn, "main") == 1) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "news: readership database \"%V\" is read-only, "
                      "counts are kept until it can be written",
                      &rs->path);
        ngx_http_news_rs_close(rs);
        return NGX_ERROR;
    }

    /* a busy file is retried at the next flush, not waited for */
    sqlite3_busy_timeout(rs->conn, 100);

    if (ngx_http_news_rs_schema(rs, &fi, log) != NGX_OK) {
        ngx_http_news_rs_close(rs);
        return NGX_ERROR;
    }

    /* readers of the stats page never wait for a flush */
    (void) ngx_http_news_rs_exec(rs, "PRAGMA journal_mode = WAL", log);
    (void) ngx_http_news_rs_exec(rs, "PRAGMA synchronous = NORMAL", log);

    for (i = 0; i < NGX_HTTP_NEWS_RS_STMT_MAX; i++) {
        if (sqlite3_prepare_v2(rs->conn, ngx_http_news_rs_sql[i], -1,
                               &rs->stmt[i], NULL)
            != SQLITE_OK)
        {
            goto failed;
        }
    }

    rs->uniq = ngx_file_uniq(&fi);
    rs->dev = fi.st_dev;

    return NGX_OK;

failed:

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "news: cannot open readership database \"%V\": %s",
                  &rs->path, rs->conn ? sqlite3_errmsg(rs->conn)
                                      : "out of memory");

    ngx_http_news_rs_close(rs);

    return NGX_ERROR;
}


/*
 * a missing file is made whole under a name of this worker's, then linked
 * to its path: another worker sees it complete or not at all, and a file
 * made meanwhile under the path is left alone
 */

static ngx_int_t
ngx_http_news_rs_create(ngx_http_news_rs_t *rs, ngx_log_t *log)
{
    u_char    *tmp;
    sqlite3   *conn;
    ngx_fd_t   fd;
    ngx_err_t  err;
    ngx_int_t  rc;

    tmp = ngx_alloc(rs->path.len + sizeof(".new-") + NGX_INT64_LEN, log);
    if (tmp == NULL) {
        return NGX_ERROR;
    }

    (void) ngx_sprintf(tmp, "%V.new-%P%Z", &rs->path, ngx_pid);

    rc = NGX_ERROR;
    conn = NULL;

    fd = ngx_open_file(tmp, NGX_FILE_WRONLY, NGX_FILE_TRUNCATE,
                       NGX_FILE_DEFAULT_ACCESS);

    if (fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "news: readership database \"%V\" cannot be "
                      "created: " ngx_open_file_n " \"%s\" failed",
                      &rs->path, tmp);
        goto done;
    }

    (void) ngx_close_file(fd);

    if (sqlite3_open_v2((char *) tmp, &conn,
                        SQLITE_OPEN_READWRITE|SQLITE_OPEN_NOMUTEX, NULL)
        != SQLITE_OK
        || sqlite3_exec(conn, news_readership_sql, NULL, NULL, NULL)
           != SQLITE_OK)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "news: readership database \"%V\" cannot be "
                      "created: %s", &rs->path,
                      conn ? sqlite3_errmsg(conn) : "out of memory");
        goto remove;
    }

    if (link((char *) tmp, (char *) rs->path.data) == -1) {
        err = ngx_errno;

        if (err != NGX_EEXIST) {
            ngx_log_error(NGX_LOG_ERR, log, err,
                          "news: readership database \"%V\" cannot be "
                          "created: link() \"%s\" failed", &rs->path, tmp);
            goto remove;
        }

    } else {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "news: created readership database \"%V\"",
                      &rs->path);
    }

    rc = NGX_OK;

remove:

    if (conn != NULL) {
        sqlite3_close(conn);
    }

    (void) ngx_delete_file(tmp);

done:

    ngx_free(tmp);

    return rc;
}


/* a file with data is written to only when it says it is ours */

static ngx_int_t
ngx_http_news_rs_header(ngx_http_news_rs_t *rs, ngx_file_info_t *fi,
    ngx_log_t *log)
{
    u_char    *p;
    ssize_t    n;
    ngx_fd_t   fd;
    u_char     header[100];

    fd = ngx_open_file(rs->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "news: cannot open readership database \"%V\": "
                      ngx_open_file_n " failed", &rs->path);
        return NGX_ERROR;
    }

    n = ngx_read_fd(fd, header, sizeof(header));

    (void) ngx_close_file(fd);

    if (n != (ssize_t) sizeof(header)
        || ngx_memcmp(header, "SQLite format 3", 16) != 0)
    {
        ngx_http_news_rs_refuse(rs, fi, "is not an SQLite database", log);
        return NGX_ERROR;
    }

    /* the application id, big-endian at offset 68 */
    p = &header[68];

    if (((uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
         | (uint32_t) p[2] << 8 | p[3])
        != NGX_HTTP_NEWS_RS_APP_ID)
    {
        ngx_http_news_rs_refuse(rs, fi, "is an SQLite database of "
                                "another kind", log);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * an empty file gets the schema, and a readership file of an earlier
 * version the tables it lacks; checked again in the write transaction, as
 * another worker may be doing the same
 */

static ngx_int_t
ngx_http_news_rs_schema(ngx_http_news_rs_t *rs, ngx_file_info_t *fi,
    ngx_log_t *log)
{
    int  app_id, objects, newest;

    /* the tables the schema added since its first version */

    if (ngx_http_news_rs_int(rs, "SELECT count(*) FROM sqlite_master"
                             " WHERE name IN ('readership_batch',"
                             " 'region_names')", &newest)
        != NGX_OK)
    {
        goto failed;
    }

    if (newest == 2) {
        return NGX_OK;
    }

    if (ngx_http_news_rs_exec(rs, "BEGIN IMMEDIATE", log) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_news_rs_int(rs, "PRAGMA application_id", &app_id) != NGX_OK
        || ngx_http_news_rs_int(rs, "SELECT count(*) FROM sqlite_master",
                                &objects)
           != NGX_OK)
    {
        goto failed;
    }

    if (app_id != NGX_HTTP_NEWS_RS_APP_ID && (app_id != 0 || objects != 0)) {
        (void) sqlite3_exec(rs->conn, "ROLLBACK", NULL, NULL, NULL);
        ngx_http_news_rs_refuse(rs, fi, "is an SQLite database of "
                                "another kind", log);
        return NGX_ERROR;
    }

    if (sqlite3_exec(rs->conn, news_readership_sql, NULL, NULL, NULL)
        != SQLITE_OK
        || sqlite3_exec(rs->conn, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
        goto failed;
    }

    if (objects == 0) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "news: created readership database \"%V\"",
                      &rs->path);
    }

    return NGX_OK;

failed:

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "news: cannot open readership database \"%V\": %s",
                  &rs->path, sqlite3_errmsg(rs->conn));

    (void) sqlite3_exec(rs->conn, "ROLLBACK", NULL, NULL, NULL);

    return NGX_ERROR;
}


/* said once for each file refused, not at every flush */

static void
ngx_http_news_rs_refuse(ngx_http_news_rs_t *rs, ngx_file_info_t *fi,
    const char *why, ngx_log_t *log)
{
    if (rs->refused_uniq == ngx_file_uniq(fi) && rs->refused_dev == fi->st_dev)
    {
        return;
    }

    rs->refused_uniq = ngx_file_uniq(fi);
    rs->refused_dev = fi->st_dev;

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "news: \"%V\" %s, not a readership database: it is left "
                  "as it is and nothing is counted to it; counts are kept "
                  "until news_readership db= names a file of its own",
                  &rs->path, why);
}


static ngx_int_t
ngx_http_news_rs_int(ngx_http_news_rs_t *rs, const char *sql, int *value)
{
    int            err;
    ngx_int_t      rc;
    sqlite3_stmt  *stmt;

    if (sqlite3_prepare_v2(rs->conn, sql, -1, &stmt, NULL) != SQLITE_OK) {
        return NGX_ERROR;
    }

    rc = ngx_http_news_sqlite_step(stmt, &err);

    if (rc == NGX_OK) {
        *value = sqlite3_column_int(stmt, 0);
    }

    sqlite3_finalize(stmt);

    return rc == NGX_OK ? NGX_OK : NGX_ERROR;
}


void
ngx_http_news_rs_close(ngx_http_news_rs_t *rs)
{
    ngx_http_news_sqlite_close(&rs->conn, rs->stmt, NGX_HTTP_NEWS_RS_STMT_MAX);
}


ngx_int_t
ngx_http_news_rs_exec(ngx_http_news_rs_t *rs, const char *sql,
    ngx_log_t *log)
{
    if (sqlite3_exec(rs->conn, sql, NULL, NULL, NULL) != SQLITE_OK) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "news: readership database \"%V\": %s",
                      &rs->path, sqlite3_errmsg(rs->conn));
        return NGX_ERROR;
    }

    return NGX_OK;
}
