
/*
 * Copyright (C) ngx_news_module authors
 *
 * A search index's insides, for the search files: the index file a
 * location names (news_search_index), the worker's read-only connection
 * that the search page queries (ngx_http_news_search.c), the passes of
 * worker 0's thread that keep it current (ngx_http_news_search_index.c),
 * and the results the page shows (ngx_http_news_search_html.c).
 */


#ifndef _NGX_HTTP_NEWS_SEARCH_H_INCLUDED_
#define _NGX_HTTP_NEWS_SEARCH_H_INCLUDED_


#include "ngx_http_news_sqlite.h"
#include <news_search.h>


typedef enum {
    NGX_HTTP_NEWS_SEARCH_NEWEST = 0,    /* a page of matches, newest first */
    NGX_HTTP_NEWS_SEARCH_RELEVANT,      /* of the newest ones, by bm25 */
    NGX_HTTP_NEWS_SEARCH_MARKS,         /* one match's title and snippet */
    NGX_HTTP_NEWS_SEARCH_STMT_MAX
} ngx_http_news_search_stmt_e;


struct ngx_http_news_search_s {
    ngx_str_t                   path;       /* null-terminated */
    ngx_http_news_db_t         *db;         /* the content it indexes */

    /* the worker's reader */
    sqlite3                    *conn;
    sqlite3_stmt               *stmt[NGX_HTTP_NEWS_SEARCH_STMT_MAX];
    time_t                      open_failed;
    time_t                      checked;    /* the file last stat()ed */
    ngx_file_uniq_t             uniq;       /* the file the reader has */

    /* the writer: worker 0's passes, in a thread of nginx's pool */
#if (NGX_THREADS)
    ngx_thread_pool_t          *thread_pool;
    ngx_thread_task_t          *task;
#endif
    ngx_event_t                 timer;
    ngx_uint_t                  busy;
    news_search_index_t         ix;
    ngx_file_uniq_t             content_uniq;
    ngx_file_uniq_t             index_uniq;
    int64_t                     data_version;

    /* what the last pass did, for the event loop to log */
    ngx_int_t                   rc;
    long                        indexed;
    ngx_msec_t                  took;
    ngx_uint_t                  full;
    time_t                      logged;
    ngx_log_t                  *log;
};


/* results a page */
#define NGX_HTTP_NEWS_SEARCH_PAGE      10


/* a result: its post, its row in the index, what matched marked */
typedef struct {
    ngx_http_news_post_t        post;
    int64_t                     doc_id;
    ngx_str_t                   title;      /* marked */
    ngx_str_t                   snippet;
} ngx_http_news_result_t;


/* ngx_http_news_search_index.c */
ngx_int_t ngx_http_news_search_open(ngx_http_news_search_t *search,
    ngx_log_t *log);

/* ngx_http_news_search_html.c */
ngx_int_t ngx_http_news_search_page(ngx_http_request_t *r, ngx_str_t *q,
    ngx_str_t *message, ngx_array_t *results, ngx_uint_t page,
    ngx_uint_t relevance, ngx_uint_t more, ngx_uint_t status);


#endif /* _NGX_HTTP_NEWS_SEARCH_H_INCLUDED_ */
