
/*
 * Copyright (C) ngx_news_module authors
 *
 * news_search_index FILE: the search index of the location's news_db, a
 * file of its own (sql/search.sql), made when missing and kept current
 * by worker 0: every second, in a thread of nginx's pool, a pass of
 * common/news_search_index.c indexes the posts the content database says
 * changed since the last one (by their updated_at), in batches, never on
 * the request path.  The first pass over another content file than the
 * one indexed (newsctl publish renames one into place), or over an index
 * made anew, is a full one, which also removes what is no longer
 * published.  The search page (ngx_http_news_search.c) reads the
 * index through each worker's read-only connection, opened here.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_search.h"


#define NGX_HTTP_NEWS_SEARCH_INTERVAL  1000


static void ngx_http_news_search_close(ngx_http_news_search_t *search);
static void ngx_http_news_search_tick(ngx_event_t *ev);
static void ngx_http_news_search_pass(void *data, ngx_log_t *log);
#if (NGX_THREADS)
static void ngx_http_news_search_passed(ngx_event_t *ev);
#endif
static void ngx_http_news_search_done(ngx_http_news_search_t *search);
static ngx_msec_t ngx_http_news_search_clock(void);


/* the page's queries: ?1 the MATCH, ?2 how many, ?3 after how many */

static const char  *ngx_http_news_search_sql[] = {

    /* NGX_HTTP_NEWS_SEARCH_NEWEST: the index's order is the newest first */
    "SELECT d.post_id, search_text.rowid FROM search_text"
    " JOIN search_docs d ON d.doc_id = search_text.rowid"
    " WHERE search_text MATCH ?1 ORDER BY search_text.rowid DESC"
    " LIMIT ?2 OFFSET ?3",

    /*
     * NGX_HTTP_NEWS_SEARCH_RELEVANT: bm25 (a title's word worth ten of
     * the body's) of the ?4 newest matches only, so that a query found
     * everywhere costs no more than a bounded amount of work
     */
    "SELECT d.post_id, m.rowid FROM (SELECT rowid,"
    " bm25(search_text, 10.0, 1.0) AS score FROM search_text"
    " WHERE search_text MATCH ?1 ORDER BY rowid DESC LIMIT ?4) m"
    " JOIN search_docs d ON d.doc_id = m.rowid"
    " ORDER BY m.score, m.rowid DESC LIMIT ?2 OFFSET ?3",

    /* NGX_HTTP_NEWS_SEARCH_MARKS: 0x01 and 0x02 around what matched */
    "SELECT highlight(search_text, 0, x'01', x'02'),"
    " snippet(search_text, 1, x'01', x'02', '…', 40)"
    " FROM search_text WHERE search_text MATCH ?1 AND rowid = ?2",
};


/* news_search_index FILE; */

char *
ngx_http_news_search_index(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t                   path, *value, *db;
    ngx_uint_t                  i;
    ngx_http_news_db_t        **dbp;
    ngx_http_news_search_t    **sp, *search;
    ngx_http_news_main_conf_t  *mcf;

    if (nlcf->search != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_news_module);

    /* never a content database: a pass would write its tables there */

    dbp = mcf->dbs.elts;

    for (i = 0; i < mcf->dbs.nelts; i++) {
        db = ngx_http_news_db_path(dbp[i]);

        if (db->len == path.len
            && ngx_strncmp(db->data, path.data, path.len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" is a news_db, not a search index",
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    sp = mcf->searches.elts;

    for (i = 0; i < mcf->searches.nelts; i++) {
        if (sp[i]->path.len == path.len
            && ngx_strncmp(sp[i]->path.data, path.data, path.len) == 0)
        {
            nlcf->search = sp[i];
            return NGX_CONF_OK;
        }
    }

    search = ngx_pcalloc(cf->pool, sizeof(ngx_http_news_search_t));
    if (search == NULL) {
        return NGX_CONF_ERROR;
    }

    /* null-terminated for SQLite */
    search->path.len = path.len;
    search->path.data = ngx_pnalloc(cf->pool, path.len + 1);
    if (search->path.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(search->path.data, path.data, path.len);
    search->path.data[path.len] = '\0';

    sp = ngx_array_push(&mcf->searches);
    if (sp == NULL) {
        return NGX_CONF_ERROR;
    }

    *sp = search;
    nlcf->search = search;

#if (NGX_THREADS)
    if (ngx_thread_pool_add(cf, NULL) == NULL) {
        return NGX_CONF_ERROR;
    }
#endif

    return NGX_CONF_OK;
}


/* an index indexes one content database: the location's news_db */

char *
ngx_http_news_search_merge(ngx_conf_t *cf, ngx_http_news_loc_conf_t *prev,
    ngx_http_news_loc_conf_t *conf)
{
    ngx_conf_merge_ptr_value(conf->search, prev->search, NULL);

    if (conf->search == NULL || conf->db == NULL) {
        return NGX_CONF_OK;
    }

    if (conf->search->db == NULL) {
        conf->search->db = conf->db;

    } else if (conf->search->db != conf->db) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "news_search_index \"%V\" is given for two "
                           "news_db files", &conf->search->path);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* worker 0 keeps each index current */

ngx_int_t
ngx_http_news_search_init_worker(ngx_cycle_t *cycle)
{
    ngx_uint_t                  i;
    ngx_http_news_search_t    **sp, *search;
    ngx_http_news_main_conf_t  *mcf;
#if (NGX_THREADS)
    ngx_str_t                   name = ngx_string("default");
#endif

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_news_module);

    if (mcf == NULL || ngx_worker != 0) {
        return NGX_OK;
    }

    sp = mcf->searches.elts;

    for (i = 0; i < mcf->searches.nelts; i++) {
        search = sp[i];

        if (search->db == NULL) {
            /* named where no news_db is: nothing to index */
            continue;
        }

        search->log = cycle->log;

#if (NGX_THREADS)
        search->thread_pool = ngx_thread_pool_get(cycle, &name);

        search->task = ngx_thread_task_alloc(cycle->pool, 0);
        if (search->task == NULL) {
            return NGX_ERROR;
        }

        search->task->ctx = search;
        search->task->handler = ngx_http_news_search_pass;
        search->task->event.data = search;
        search->task->event.handler = ngx_http_news_search_passed;
#endif

        search->timer.handler = ngx_http_news_search_tick;
        search->timer.data = search;
        search->timer.log = cycle->log;
        search->timer.cancelable = 1;

        /* the first pass at once: a new index is made before any search */
        ngx_add_timer(&search->timer, 1);
    }

    return NGX_OK;
}


void
ngx_http_news_search_exit_worker(ngx_cycle_t *cycle)
{
    ngx_uint_t                  i;
    ngx_http_news_search_t    **sp;
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_news_module);

    if (mcf == NULL) {
        return;
    }

    sp = mcf->searches.elts;

    for (i = 0; i < mcf->searches.nelts; i++) {
        ngx_http_news_search_close(sp[i]);

        /*
         * nginx's thread pool, a core module, has ended its threads by
         * now, so a pass that was under way is over (its completion will
         * never run: busy may still say 1)
         */

        news_search_index_close(&sp[i]->ix);
    }
}


/*
 * the worker's reader, opened when first searched; a failure is said
 * once and tried again at most once a second
 */

ngx_int_t
ngx_http_news_search_open(ngx_http_news_search_t *search, ngx_log_t *log)
{
    int              rc;
    ngx_uint_t       i;
    ngx_file_info_t  fi;

    /* an index removed (made again by the next pass) or replaced */

    if (search->conn != NULL && search->checked != ngx_time()) {
        search->checked = ngx_time();

        if (ngx_file_info(search->path.data, &fi) == NGX_FILE_ERROR
            || ngx_file_uniq(&fi) != search->uniq)
        {
            ngx_http_news_search_close(search);
        }
    }

    if (search->conn != NULL) {
        return NGX_OK;
    }

    if (search->open_failed == ngx_time()) {
        return NGX_ERROR;
    }

    rc = sqlite3_open_v2((char *) search->path.data, &search->conn,
                         SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);

    if (rc == SQLITE_OK) {
        rc = news_fts5_register(search->conn);
    }

    for (i = 0; rc == SQLITE_OK && i < NGX_HTTP_NEWS_SEARCH_STMT_MAX; i++) {
        rc = sqlite3_prepare_v3(search->conn, ngx_http_news_search_sql[i], -1,
                                SQLITE_PREPARE_PERSISTENT, &search->stmt[i],
                                NULL);
    }

    if (rc == SQLITE_OK
        && ngx_file_info(search->path.data, &fi) != NGX_FILE_ERROR)
    {
        search->uniq = ngx_file_uniq(&fi);
        search->checked = ngx_time();
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_ERR, log, 0,
                  "news: search index \"%V\" cannot be read: %s", &search->path,
                  search->conn ? sqlite3_errmsg(search->conn)
                               : sqlite3_errstr(rc));

    ngx_http_news_search_close(search);
    search->open_failed = ngx_time();

    return NGX_ERROR;
}


static void
ngx_http_news_search_close(ngx_http_news_search_t *search)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_NEWS_SEARCH_STMT_MAX; i++) {
        if (search->stmt[i] != NULL) {
            sqlite3_finalize(search->stmt[i]);
            search->stmt[i] = NULL;
        }
    }

    if (search->conn != NULL) {
        (void) sqlite3_close_v2(search->conn);
        search->conn = NULL;
    }
}


static void
ngx_http_news_search_tick(ngx_event_t *ev)
{
    ngx_http_news_search_t  *search = ev->data;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (search->busy) {
        ngx_add_timer(ev, NGX_HTTP_NEWS_SEARCH_INTERVAL);
        return;
    }

    search->busy = 1;

#if (NGX_THREADS)
    if (search->thread_pool != NULL
        && ngx_thread_task_post(search->thread_pool, search->task) == NGX_OK)
    {
        return;
    }
#endif

    /* no thread: the pass in the event loop, which it then holds */

    ngx_http_news_search_pass(search, ev->log);
    ngx_http_news_search_done(search);
}


/*
 * a pass, in a thread: the index opened the first time (made when
 * missing), then looked at only when the content database changed: a
 * commit moved its data_version, or a new file took its name
 */

static void
ngx_http_news_search_pass(void *data, ngx_log_t *log)
{
    int                      full;
    int64_t                  version;
    ngx_str_t               *content;
    ngx_msec_t               start;
    sqlite3_stmt            *stmt;
    ngx_file_info_t          fi, ifi;
    ngx_http_news_search_t  *search = data;

    start = ngx_http_news_search_clock();

    search->rc = NGX_DECLINED;
    search->indexed = 0;
    search->full = 0;

    content = ngx_http_news_db_path(search->db);

    if (ngx_file_info(content->data, &fi) == NGX_FILE_ERROR) {
        /* the content database is not there: its pages say so */
        return;
    }

    if (search->ix.db != NULL
        && (ngx_file_uniq(&fi) != search->content_uniq
            || ngx_file_info(search->path.data, &ifi) == NGX_FILE_ERROR
            || ngx_file_uniq(&ifi) != search->index_uniq))
    {
        /* the content replaced, or the index removed: both anew */
        news_search_index_close(&search->ix);
    }

    if (search->ix.db == NULL) {
        if (news_search_index_open(&search->ix, (char *) search->path.data,
                                   (char *) content->data)
            != 0)
        {
            search->rc = NGX_ERROR;
            return;
        }

        search->content_uniq = ngx_file_uniq(&fi);
        search->index_uniq = (ngx_file_info(search->path.data, &ifi)
                              != NGX_FILE_ERROR)
                             ? ngx_file_uniq(&ifi) : 0;
        search->data_version = -1;
    }

    version = -1;

    if (sqlite3_prepare_v2(search->ix.db, "PRAGMA content.data_version", -1,
                           &stmt, NULL)
        == SQLITE_OK)
    {
        if (sqlite3_step(stmt) == SQLITE_ROW) {
            version = sqlite3_column_int64(stmt, 0);
        }

        sqlite3_finalize(stmt);
    }

    if (version != -1 && version == search->data_version) {
        return;
    }

    switch (news_search_index_pass(&search->ix, 0, &search->indexed,
                                   &full))
    {
    case 0:
        search->rc = NGX_OK;
        search->data_version = version;
        search->full = full;
        break;

    case 1:
        /* newsctl reindex, most likely: the next pass sees its work */
        break;

    default:
        search->rc = NGX_ERROR;

        /*
         * opened anew next time: the content file may be another one;
         * ix.err, which the close leaves, says what went wrong
         */
        news_search_index_close(&search->ix);
    }

    search->took = ngx_http_news_search_clock() - start;
}


#if (NGX_THREADS)

static void
ngx_http_news_search_passed(ngx_event_t *ev)
{
    ngx_http_news_search_done(ev->data);
}

#endif


/* in the event loop: what the pass did said, the next one timed */

static void
ngx_http_news_search_done(ngx_http_news_search_t *search)
{
    search->busy = 0;

    if (search->rc == NGX_ERROR) {
        /* said when first seen, then once a minute */

        if (ngx_time() - search->logged >= 60) {
            ngx_log_error(NGX_LOG_ERR, search->log, 0,
                          "news: search index \"%V\": %s", &search->path,
                          search->ix.err);
            search->logged = ngx_time();
        }

    } else if (search->rc == NGX_OK && search->indexed) {
        ngx_log_error(NGX_LOG_INFO, search->log, 0,
                      "news: search index \"%V\": %l post(s) indexed or "
                      "removed in %M ms%s", &search->path, search->indexed,
                      search->took, search->full ? " (a full pass)" : "");
        search->logged = 0;
    }

    if (!(ngx_exiting || ngx_terminate || ngx_quit)) {
        ngx_add_timer(&search->timer, NGX_HTTP_NEWS_SEARCH_INTERVAL);
    }
}


/* a thread has no ngx_current_msec of its own */

static ngx_msec_t
ngx_http_news_search_clock(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (ngx_msec_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
