
/*
 * Copyright (C) ngx_news_module authors
 *
 * The search page, news_search: /search?q=...&page=N&sort=relevance.  The
 * reader's words become an FTS5 phrase query (news_search_query(): what
 * they type is text, never FTS5 syntax) over the location's search index
 * (news_search_index); a page of matches, newest first or by relevance,
 * each checked against the content database (a post unpublished there
 * leaves the results at once), with its title and a snippet marked.
 * Never cached; a page reads no more posts than it shows, and no query
 * more than a bounded number of matches.  {{search}} is the search box.
 * The page's HTML is ngx_http_news_search_html.c's.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_search.h"


/* pages a query, matches ranked by relevance */
#define NGX_HTTP_NEWS_SEARCH_PAGES     50
#define NGX_HTTP_NEWS_SEARCH_RANKED    1000

/* the longest q read: 100 characters of 4 bytes, each %-encoded */
#define NGX_HTTP_NEWS_SEARCH_ARG_MAX   (3 * 4 * NEWS_SEARCH_QUERY_CHARS)


static ngx_int_t ngx_http_news_search_args(ngx_http_request_t *r,
    ngx_str_t *q, ngx_uint_t *page, ngx_uint_t *relevance);
static ngx_int_t ngx_http_news_search_find(ngx_http_request_t *r,
    ngx_http_news_search_t *search, ngx_str_t *match, ngx_uint_t page,
    ngx_uint_t relevance, ngx_array_t *results);


/* the reader's errors, as news_search_query() says them */

static ngx_str_t  ngx_http_news_search_errors[][2] = {
    { ngx_string("搜索词太长，最多100个字"),
      ngx_string("The search is too long: 100 characters at most") },
    { ngx_string("搜索词不是有效的文字"),
      ngx_string("The search is not valid text") },
    { ngx_string("请输入要搜索的文字"),
      ngx_string("Nothing to search for: type a word") },
    { ngx_string("搜索词太多"),
      ngx_string("Too many words to search for") },
};


ngx_int_t
ngx_http_news_search_handler(ngx_http_request_t *r)
{
    int                        qrc;
    size_t                     len;
    u_char                    *match_data;
    ngx_int_t                  rc;
    ngx_str_t                  q, match, message;
    ngx_uint_t                 page, relevance, more, en;
    ngx_array_t                results;
    ngx_http_news_loc_conf_t  *nlcf;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);
    en = nlcf->chinese ? 0 : 1;

    if (nlcf->search == NULL || nlcf->db == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "news: news_search without news_search_index "
                      "and news_db");
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    /* the content database: the masthead's sections, the results' posts */

    if (ngx_http_news_db_ready(nlcf->db, r->connection->log) != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    ngx_http_news_db_begin(r, nlcf->db);

    if (ngx_array_init(&results, r->pool, NGX_HTTP_NEWS_SEARCH_PAGE + 1,
                       sizeof(ngx_http_news_result_t))
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_null(&message);

    rc = ngx_http_news_search_args(r, &q, &page, &relevance);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_DECLINED) {
        /* said in the log by ngx_http_news_search_args() */
        message = ngx_http_news_search_errors[0][en];
        return ngx_http_news_search_page(r, &q, &message, &results, 1, 0, 0,
                                         NGX_HTTP_BAD_REQUEST);
    }

    if (q.len == 0) {
        /* the form alone */
        return ngx_http_news_search_page(r, &q, &message, &results, 1, 0, 0,
                                         NGX_HTTP_OK);
    }

    match_data = ngx_pnalloc(r->pool, NEWS_SEARCH_QUERY_SIZE);
    if (match_data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    qrc = news_search_query(match_data, NEWS_SEARCH_QUERY_SIZE, q.data, q.len,
                            &len);

    if (qrc != NEWS_SEARCH_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: search refused: %s",
                      news_search_strerror(qrc));

        if (qrc < NEWS_SEARCH_TOO_MANY || qrc > NEWS_SEARCH_TOO_LONG) {
            /* NO_ROOM: the buffer is NEWS_SEARCH_QUERY_SIZE, never */
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        message = ngx_http_news_search_errors[NEWS_SEARCH_TOO_LONG - qrc][en];

        if (qrc == NEWS_SEARCH_INVALID) {
            /* not text: never written back into the page */
            ngx_str_null(&q);
        }

        return ngx_http_news_search_page(r, &q, &message, &results, 1, 0, 0,
                                         NGX_HTTP_BAD_REQUEST);
    }

    match.data = match_data;
    match.len = len;

    if (ngx_http_news_search_open(nlcf->search, r->connection->log)
        != NGX_OK)
    {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    rc = ngx_http_news_search_find(r, nlcf->search, &match, page, relevance,
                                   &results);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    more = (results.nelts > NGX_HTTP_NEWS_SEARCH_PAGE
            && page < NGX_HTTP_NEWS_SEARCH_PAGES);

    if (results.nelts > NGX_HTTP_NEWS_SEARCH_PAGE) {
        results.nelts = NGX_HTTP_NEWS_SEARCH_PAGE;
    }

    if (results.nelts == 0 && page > 1) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: the search has no page %ui", page);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    return ngx_http_news_search_page(r, &q, &message, &results, page,
                                     relevance, more, NGX_HTTP_OK);
}


/*
 * q decoded ("+" a space, as forms send it), page, sort: NGX_DECLINED,
 * said in the log, for a q too long to read, a page or a sort that is
 * none
 */

static ngx_int_t
ngx_http_news_search_args(ngx_http_request_t *r, ngx_str_t *q,
    ngx_uint_t *page, ngx_uint_t *relevance)
{
    u_char     *src, *dst;
    ngx_str_t   arg;
    ngx_uint_t  i;

    ngx_str_null(q);
    *page = 1;
    *relevance = 0;

    if (ngx_http_news_page_arg(r, page) != NGX_OK) {
        *page = 1;
        return NGX_DECLINED;
    }

    if (*page > NGX_HTTP_NEWS_SEARCH_PAGES) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: search page %ui past the last, %d", *page,
                      NGX_HTTP_NEWS_SEARCH_PAGES);
        *page = 1;
        return NGX_DECLINED;
    }

    if (ngx_http_arg(r, (u_char *) "sort", 4, &arg) == NGX_OK) {
        if (arg.len == 9 && ngx_strncmp(arg.data, "relevance", 9) == 0) {
            *relevance = 1;

        } else if (!(arg.len == 6 && ngx_strncmp(arg.data, "newest", 6) == 0))
        {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "news: invalid search sort \"%V\"", &arg);
            return NGX_DECLINED;
        }
    }

    if (ngx_http_arg(r, (u_char *) "q", 1, &arg) != NGX_OK) {
        return NGX_OK;
    }

    if (arg.len > NGX_HTTP_NEWS_SEARCH_ARG_MAX) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: search of %uz bytes refused", arg.len);
        return NGX_DECLINED;
    }

    src = ngx_pnalloc(r->pool, 2 * arg.len + 1);
    if (src == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < arg.len; i++) {
        src[i] = (arg.data[i] == '+') ? ' ' : arg.data[i];
    }

    dst = src + arg.len;
    q->data = dst;

    ngx_unescape_uri(&dst, &src, arg.len, 0);

    q->len = dst - q->data;

    /* only white space is no query: the form again, not an error */

    for (i = 0; i < q->len; i++) {
        if (q->data[i] != ' ' && q->data[i] != '\t') {
            return NGX_OK;
        }
    }

    q->len = 0;

    return NGX_OK;
}


/*
 * a page of matches, one more than shown to know there is a next page,
 * each kept if the content database has it out, with its marks
 */

static ngx_int_t
ngx_http_news_search_find(ngx_http_request_t *r,
    ngx_http_news_search_t *search, ngx_str_t *match, ngx_uint_t page,
    ngx_uint_t relevance, ngx_array_t *results)
{
    int                        src;
    ngx_int_t                  rc;
    ngx_uint_t                 i, n;
    sqlite3_stmt              *stmt;
    ngx_http_news_result_t    *res;
    ngx_http_news_loc_conf_t  *nlcf;
    struct {
        int64_t                post_id;
        int64_t                doc_id;
    }                          found[NGX_HTTP_NEWS_SEARCH_PAGE + 1];

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    stmt = search->stmt[relevance ? NGX_HTTP_NEWS_SEARCH_RELEVANT
                                  : NGX_HTTP_NEWS_SEARCH_NEWEST];

    sqlite3_bind_text(stmt, 1, (char *) match->data, match->len,
                      SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, NGX_HTTP_NEWS_SEARCH_PAGE + 1);
    sqlite3_bind_int64(stmt, 3, (page - 1) * NGX_HTTP_NEWS_SEARCH_PAGE);

    if (relevance) {
        sqlite3_bind_int64(stmt, 4, NGX_HTTP_NEWS_SEARCH_RANKED);
    }

    n = 0;

    while ((src = sqlite3_step(stmt)) == SQLITE_ROW
           && n < NGX_HTTP_NEWS_SEARCH_PAGE + 1)
    {
        found[n].post_id = sqlite3_column_int64(stmt, 0);
        found[n].doc_id = sqlite3_column_int64(stmt, 1);
        n++;
    }

    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);

    if (src != SQLITE_DONE && src != SQLITE_ROW) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "news: search index \"%V\": %s", &search->path,
                      sqlite3_errmsg(search->conn));
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        res = ngx_array_push(results);
        if (res == NULL) {
            return NGX_ERROR;
        }

        rc = ngx_http_news_db_post_by_id(r, nlcf->db, found[i].post_id,
                                         &res->post);
        if (rc == NGX_DECLINED) {
            /* unpublished, deleted or not yet out: not a result */
            results->nelts--;
            continue;
        }

        if (rc != NGX_OK) {
            return NGX_ERROR;
        }

        res->doc_id = found[i].doc_id;
        ngx_str_null(&res->title);
        ngx_str_null(&res->snippet);

        if (results->nelts > NGX_HTTP_NEWS_SEARCH_PAGE) {
            /* the one more: only to know there is a next page */
            continue;
        }

        stmt = search->stmt[NGX_HTTP_NEWS_SEARCH_MARKS];

        sqlite3_bind_text(stmt, 1, (char *) match->data, match->len,
                          SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 2, res->doc_id);

        src = sqlite3_step(stmt);

        if (src == SQLITE_ROW
            && (ngx_http_news_sqlite_text(r->pool, stmt, 0, &res->title)
                != NGX_OK
                || ngx_http_news_sqlite_text(r->pool, stmt, 1, &res->snippet)
                   != NGX_OK))
        {
            sqlite3_reset(stmt);
            return NGX_ERROR;
        }

        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);

        if (src != SQLITE_ROW && src != SQLITE_DONE) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "news: search index \"%V\": %s", &search->path,
                          sqlite3_errmsg(search->conn));
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}
