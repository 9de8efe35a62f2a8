
/*
 * Copyright (C) ngx_news_module authors
 *
 * The content database: opened read-only in each worker, statements
 * prepared once and reset after each use, reopened when the file is
 * replaced and retried while it is missing or broken; whether it changed
 * since the last request, when the next scheduled post goes live; one
 * read transaction a page; and the SQLite edge of it all: a step, its
 * result as NGX_* codes, a fault logged once a second.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_db.h"


/*
 * where a SQLite header has its file format versions (1: rollback journal,
 * 2: WAL) and, 6 bytes on, its file change counter
 */
#define NGX_HTTP_NEWS_HDR_VERSIONS  18


static void ngx_http_news_db_changed(ngx_http_news_db_t *db, time_t now,
    ngx_uint_t commit, ngx_log_t *log);
static void ngx_http_news_db_next_live(ngx_http_news_db_t *db, ngx_log_t *log);
static void ngx_http_news_db_live(ngx_http_news_db_t *db, time_t now,
    ngx_log_t *log);
static ngx_int_t ngx_http_news_db_open(ngx_http_news_db_t *db, ngx_log_t *log);


ngx_http_news_db_t *
ngx_http_news_db_add(ngx_conf_t *cf, ngx_str_t *path, ngx_uint_t snapshot)
{
    u_char                     *p;
    ngx_str_t                   full;
    ngx_uint_t                  i;
    ngx_http_news_db_t         *db, **dbp;
    ngx_http_news_main_conf_t  *mcf;

    full = *path;

    if (ngx_conf_full_name(cf->cycle, &full, 1) != NGX_OK) {
        return NULL;
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_news_module);

    dbp = mcf->dbs.elts;

    for (i = 0; i < mcf->dbs.nelts; i++) {
        if (dbp[i]->path.len == full.len
            && ngx_strncmp(dbp[i]->path.data, full.data, full.len) == 0)
        {
            if ((dbp[i]->uri.len != 0) != (snapshot != 0)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "news_db \"%V\" is a snapshot in one "
                                   "place and not in another", &full);
                return NULL;
            }

            return dbp[i];
        }
    }

    db = ngx_pcalloc(cf->pool, sizeof(ngx_http_news_db_t));
    if (db == NULL) {
        return NULL;
    }

    /* ngx_conf_full_name() leaves the name null-terminated */
    db->path = full;
    db->fd = NGX_INVALID_FILE;

    db->wal_path.len = full.len + sizeof("-wal") - 1;
    db->wal_path.data = ngx_pnalloc(cf->pool, db->wal_path.len + 1);
    if (db->wal_path.data == NULL) {
        return NULL;
    }

    ngx_sprintf(db->wal_path.data, "%V-wal%Z", &full);

    if (snapshot) {
        /*
         * a file that only ever arrives whole, by rename: opened with
         * immutable=1, no locks and no change checks (the rename is still
         * seen).  The path as a URI, its '%', '?' and '#' escaped.
         */

        db->uri.len = sizeof("file:") - 1 + full.len
                      + 2 * ngx_escape_uri(NULL, full.data, full.len,
                                           NGX_ESCAPE_URI)
                      + sizeof("?immutable=1") - 1;

        db->uri.data = ngx_pnalloc(cf->pool, db->uri.len + 1);
        if (db->uri.data == NULL) {
            return NULL;
        }

        p = ngx_cpymem(db->uri.data, "file:", sizeof("file:") - 1);
        p = (u_char *) ngx_escape_uri(p, full.data, full.len,
                                      NGX_ESCAPE_URI);
        p = ngx_cpymem(p, "?immutable=1", sizeof("?immutable=1"));

        db->uri.len = p - 1 - db->uri.data;
    }

    if (access((char *) full.data, R_OK) != 0) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, ngx_errno,
                           "news_db \"%V\" is not readable now, "
                           "pages will be 503 until it is", &full);
    }

    dbp = ngx_array_push(&mcf->dbs);
    if (dbp == NULL) {
        return NULL;
    }

    *dbp = db;

    return db;
}


/* at configuration: each database's render cache, a zone of news_cache */

ngx_int_t
ngx_http_news_db_cache_zones(ngx_conf_t *cf, size_t size)
{
    ngx_uint_t                  i;
    ngx_http_news_db_t        **dbp;
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_news_module);

    dbp = mcf->dbs.elts;

    for (i = 0; i < mcf->dbs.nelts; i++) {
        if (ngx_http_news_cache_zone(cf, &dbp[i]->cache, &dbp[i]->path, size)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_news_db_open_all(ngx_cycle_t *cycle)
{
    ngx_uint_t                  i;
    ngx_http_news_db_t        **dbp;
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_news_module);
    if (mcf == NULL) {
        return NGX_OK;
    }

    dbp = mcf->dbs.elts;

    for (i = 0; i < mcf->dbs.nelts; i++) {
        /* a missing or broken file is not fatal: it is retried later */
        dbp[i]->busy_timeout = mcf->busy_timeout;
        dbp[i]->checked = ngx_time();
        ngx_http_news_cache_init(&dbp[i]->cache);
        (void) ngx_http_news_db_open(dbp[i], cycle->log);
    }

    return NGX_OK;
}


void
ngx_http_news_db_close_all(ngx_cycle_t *cycle)
{
    ngx_uint_t                  i;
    ngx_http_news_db_t        **dbp;
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_news_module);
    if (mcf == NULL) {
        return;
    }

    dbp = mcf->dbs.elts;

    for (i = 0; i < mcf->dbs.nelts; i++) {
        ngx_http_news_db_close(dbp[i]);
    }
}


/*
 * makes sure the database is open and is the file now at its path: once a
 * second at most it is stat()ed, reopened when replaced (deploys and
 * replication rename a new file into place), and retried when missing
 */

ngx_int_t
ngx_http_news_db_ready(ngx_http_news_db_t *db, ngx_log_t *log)
{
    u_char           hdr[10];
    time_t           now;
    ssize_t          n;
    int64_t          version;
    ngx_int_t        rc;
    sqlite3_stmt    *stmt;
    ngx_file_info_t  fi;

    now = ngx_time();

    if (now != db->checked) {
        db->checked = now;

        if (db->conn != NULL
            && (ngx_file_info(db->path.data, &fi) == NGX_FILE_ERROR
                || ngx_file_uniq(&fi) != db->uniq
                || fi.st_dev != db->dev))
        {
            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "news: \"%V\" was replaced or removed, reopening",
                          &db->path);
            ngx_http_news_metric_add(db_reopens, 1);
            ngx_http_news_db_close(db);
        }

        if (db->conn == NULL) {
            (void) ngx_http_news_db_open(db, log);
        }
    }

    if (db->conn == NULL) {
        return NGX_DECLINED;
    }

    if (db->uri.len) {
        /*
         * a snapshot: it changes by rename only, seen above; once opened,
         * it is looked at as after a change (its time, the log's end)
         */

        if (db->data_version == -1) {
            db->data_version = 0;
            ngx_http_news_db_changed(db, now, 1, log);

        } else {
            ngx_http_news_db_live(db, now, log);
        }

        return db->conn ? NGX_OK : NGX_DECLINED;
    }

    /*
     * in rollback-journal mode every commit moves the file change counter
     * in the header: one pread() tells, where PRAGMA data_version would
     * take and drop file locks; WAL databases, whose commits leave the
     * header alone, are asked the SQLite way
     */

    n = pread(db->fd, hdr, sizeof(hdr), NGX_HTTP_NEWS_HDR_VERSIONS);

    if (n == sizeof(hdr) && hdr[0] == 1 && hdr[1] == 1) {

        if (!db->counter_valid || ngx_memcmp(hdr + 6, db->counter, 4) != 0) {
            ngx_memcpy(db->counter, hdr + 6, 4);
            db->counter_valid = 1;
            ngx_http_news_db_changed(db, now, 1, log);

        } else {
            ngx_http_news_db_live(db, now, log);
        }

        /* a file found broken meanwhile was closed */
        return db->conn ? NGX_OK : NGX_DECLINED;
    }

    db->counter_valid = 0;

    /* an edit by another connection moves data_version */

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_DATA_VERSION];

    rc = ngx_http_news_db_step(db, stmt, log);

    if (rc == NGX_OK) {
        version = sqlite3_column_int64(stmt, 0);

        if (version != db->data_version) {
            db->data_version = version;
            sqlite3_reset(stmt);
            ngx_http_news_db_changed(db, now, 1, log);

        } else {
            sqlite3_reset(stmt);
            ngx_http_news_db_live(db, now, log);
        }
    }

    if (db->conn != NULL) {
        sqlite3_reset(stmt);
    }

    if (rc != NGX_OK || db->conn == NULL) {
        return rc == NGX_AGAIN ? NGX_AGAIN : NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * the database changed (a commit), was reopened, or the instant of a
 * scheduled post came: the pages a commit touched are forgotten, as the
 * change log tells (ngx_http_news_changes.c), every page when it cannot
 * tell; when the file was last written is found for Last-Modified, and
 * when the next scheduled post goes live
 */

static void
ngx_http_news_db_changed(ngx_http_news_db_t *db, time_t now,
    ngx_uint_t commit, ngx_log_t *log)
{
    time_t           live;
    ngx_int_t        rc;
    ngx_file_info_t  fi;

    live = db->next_live;

    /*
     * the log is read in any case, so that it is read on from here; a
     * scheduled post that went live meanwhile is in no row of it, and a
     * page of any kind may list it: every page goes then
     */

    rc = commit ? ngx_http_news_db_changes(db, log) : NGX_DECLINED;

    if (rc != NGX_OK || (live && live <= now)) {
        ngx_http_news_cache_flush(&db->cache);
    }

    /* the pages in the cache are current up to here */
    ngx_http_news_cache_seen(&db->cache, db->change_seen);

    db->changed = now;

    /*
     * the bytes of a page may change with any commit, whatever the
     * triggers did to updated_at: the file's own time, and in WAL mode its
     * log's, moves with every commit; a post that went live counts too
     */

    db->modified = (live && live <= now) ? live : 0;

    if (ngx_file_info(db->path.data, &fi) != NGX_FILE_ERROR) {
        db->modified = ngx_max(db->modified, ngx_file_mtime(&fi));
    }

    if (ngx_file_info(db->wal_path.data, &fi) != NGX_FILE_ERROR) {
        db->modified = ngx_max(db->modified, ngx_file_mtime(&fi));
    }

    ngx_http_news_db_next_live(db, log);
}


/*
 * the first instant after the last change at which a scheduled post goes
 * live: the cache forgets its pages then by itself, with no edit and no
 * reload; not known while the file is locked, and asked again a second
 * later, when a post that went live meanwhile is still found
 */

static void
ngx_http_news_db_next_live(ngx_http_news_db_t *db, ngx_log_t *log)
{
    ngx_int_t      rc;
    sqlite3_stmt  *stmt;

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_NEXT_LIVE];

    sqlite3_bind_int64(stmt, 1, db->changed);

    rc = ngx_http_news_db_step(db, stmt, log);

    db->next_live = 0;
    db->live_known = (rc == NGX_OK);

    if (rc == NGX_OK && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
        db->next_live = (time_t) sqlite3_column_int64(stmt, 0);
    }

    if (db->conn != NULL) {
        sqlite3_reset(stmt);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, log, 0,
                   "news: \"%V\": the next post goes live at %T",
                   &db->path, db->next_live);
}


/* a scheduled post's instant came, or it may have while it was unknown */

static void
ngx_http_news_db_live(ngx_http_news_db_t *db, time_t now, ngx_log_t *log)
{
    if (!db->live_known && now != db->live_asked) {
        db->live_asked = now;
        ngx_http_news_db_next_live(db, log);
    }

    if (db->next_live && now >= db->next_live) {
        ngx_http_news_db_changed(db, now, 0, log);
    }
}


static ngx_int_t
ngx_http_news_db_open(ngx_http_news_db_t *db, ngx_log_t *log)
{
    int               rc, version;
    ngx_uint_t        i;
    sqlite3_stmt     *stmt;
    ngx_file_info_t   fi;

    if (ngx_file_info(db->path.data, &fi) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "news: cannot open \"%V\"", &db->path);
        return NGX_ERROR;
    }

    rc = sqlite3_open_v2(db->uri.len ? (char *) db->uri.data
                                     : (char *) db->path.data,
                         &db->conn,
                         SQLITE_OPEN_READONLY|SQLITE_OPEN_NOMUTEX
                         |(db->uri.len ? SQLITE_OPEN_URI : 0),
                         NULL);
    if (rc != SQLITE_OK) {
        goto failed;
    }

    /*
     * the header is read through a descriptor of our own, kept as long as
     * the connection: closing one would drop SQLite's POSIX locks
     */

    db->fd = ngx_open_file(db->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (db->fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "news: cannot open \"%V\"", &db->path);
        ngx_http_news_db_close(db);
        return NGX_ERROR;
    }

    sqlite3_busy_timeout(db->conn, (int) db->busy_timeout);

    rc = sqlite3_prepare_v2(db->conn, "PRAGMA user_version", -1, &stmt,
                            NULL);
    if (rc != SQLITE_OK) {
        goto failed;
    }

    rc = sqlite3_step(stmt);
    version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);

    if (rc != SQLITE_ROW) {
        goto failed;
    }

    if (version == 0) {
        /* a zero-byte file, or another program's database */
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "news: \"%V\" is empty or not a news database "
                      "(it has no schema version); make one with "
                      "\"newsctl init\"", &db->path);
        ngx_http_news_db_close(db);
        return NGX_ERROR;
    }

    if (version != NGX_HTTP_NEWS_SCHEMA_VERSION) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "news: \"%V\" has schema version %d, this module "
                      "reads version %d: %s", &db->path, version,
                      NGX_HTTP_NEWS_SCHEMA_VERSION,
                      version < NGX_HTTP_NEWS_SCHEMA_VERSION
                      ? "run \"newsctl migrate --db FILE\" on it"
                      : "upgrade the module");
        ngx_http_news_db_close(db);
        return NGX_ERROR;
    }

    for (i = 0; i < NGX_HTTP_NEWS_STMT_MAX; i++) {
        rc = sqlite3_prepare_v3(db->conn,
                                i < NGX_HTTP_NEWS_STMT_LISTS
                                ? ngx_http_news_sql[i]
                                : ngx_http_news_list_sql[i
                                               - NGX_HTTP_NEWS_STMT_LISTS],
                                -1, SQLITE_PREPARE_PERSISTENT, &db->stmt[i],
                                NULL);
        if (rc != SQLITE_OK) {
            goto failed;
        }
    }

    db->uniq = ngx_file_uniq(&fi);
    db->dev = fi.st_dev;
    db->data_version = -1;
    db->counter_valid = 0;

    db->change_seen = -1;

    ngx_http_news_cache_open(&db->cache, db->uniq, db->dev);

    ngx_log_error(NGX_LOG_INFO, log, 0, "news: opened \"%V\"", &db->path);
    ngx_http_news_metric_add(db_opens, 1);

    return NGX_OK;

failed:

    ngx_log_error(NGX_LOG_ERR, log, 0, "news: cannot open \"%V\": %s",
                  &db->path, db->conn ? sqlite3_errmsg(db->conn)
                                      : sqlite3_errstr(rc));

    ngx_http_news_db_close(db);

    return NGX_ERROR;
}


void
ngx_http_news_db_close(ngx_http_news_db_t *db)
{
    ngx_http_news_cache_flush(&db->cache);
    ngx_http_news_sqlite_close(&db->conn, db->stmt, NGX_HTTP_NEWS_STMT_MAX);

    if (db->fd != NGX_INVALID_FILE) {
        (void) ngx_close_file(db->fd);
        db->fd = NGX_INVALID_FILE;
    }
}


/* what the rest of the module may know of an opaque database */

ngx_http_news_cache_t *
ngx_http_news_db_cache(ngx_http_news_db_t *db)
{
    return &db->cache;
}


time_t
ngx_http_news_db_modified(ngx_http_news_db_t *db)
{
    return db->modified;
}


ngx_str_t *
ngx_http_news_db_path(ngx_http_news_db_t *db)
{
    return &db->path;
}
