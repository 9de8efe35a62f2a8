
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
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_search.h"


/* results a page, pages a query, matches ranked by relevance */
#define NGX_HTTP_NEWS_SEARCH_PAGE      10
#define NGX_HTTP_NEWS_SEARCH_PAGES     50
#define NGX_HTTP_NEWS_SEARCH_RANKED    1000

/* the longest q read: 100 characters of 4 bytes, each %-encoded */
#define NGX_HTTP_NEWS_SEARCH_ARG_MAX   (3 * 4 * NEWS_SEARCH_QUERY_CHARS)


typedef struct {
    ngx_http_news_post_t        post;
    int64_t                     doc_id;
    ngx_str_t                   title;      /* marked */
    ngx_str_t                   snippet;
} ngx_http_news_result_t;


static ngx_int_t ngx_http_news_search_args(ngx_http_request_t *r,
    ngx_str_t *q, ngx_uint_t *page, ngx_uint_t *relevance);
static ngx_int_t ngx_http_news_search_find(ngx_http_request_t *r,
    ngx_http_news_search_t *search, ngx_str_t *match, ngx_uint_t page,
    ngx_uint_t relevance, ngx_array_t *results);
static ngx_int_t ngx_http_news_search_page(ngx_http_request_t *r,
    ngx_str_t *q, ngx_str_t *message, ngx_array_t *results, ngx_uint_t page,
    ngx_uint_t relevance, ngx_uint_t more, ngx_uint_t status);
static void ngx_http_news_out_marked(ngx_http_news_out_t *out, ngx_str_t *s);
static void ngx_http_news_search_link(ngx_http_news_out_t *out,
    ngx_str_t *uri, ngx_str_t *q, ngx_uint_t page, ngx_uint_t relevance);


/* the page's words, Chinese and English, as the site's language is */

enum {
    NGX_HTTP_NEWS_SEARCH_T_SEARCH = 0,
    NGX_HTTP_NEWS_SEARCH_T_COLON,
    NGX_HTTP_NEWS_SEARCH_T_NONE,
    NGX_HTTP_NEWS_SEARCH_T_NONE_END,
    NGX_HTTP_NEWS_SEARCH_T_PREV,
    NGX_HTTP_NEWS_SEARCH_T_NEXT
};

static ngx_str_t  ngx_http_news_search_texts[][2] = {
    { ngx_string("搜索"), ngx_string("Search") },
    { ngx_string("："), ngx_string(": ") },
    { ngx_string("没有找到与“"), ngx_string("No posts found for “") },
    { ngx_string("”相关的文章"), ngx_string("”") },
    { ngx_string("上一页"), ngx_string("Previous") },
    { ngx_string("下一页"), ngx_string("Next") },
};

#define ngx_http_news_search_say(out, t, en)                                 \
    ngx_http_news_out_add(out, ngx_http_news_search_texts[t][en].data,       \
                          ngx_http_news_search_texts[t][en].len)


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


/* the search page, or the form with what was wrong */

static ngx_int_t
ngx_http_news_search_page(ngx_http_request_t *r, ngx_str_t *q,
    ngx_str_t *message, ngx_array_t *results, ngx_uint_t page,
    ngx_uint_t relevance, ngx_uint_t more, ngx_uint_t status)
{
    ngx_str_t                  vars[NGX_HTTP_NEWS_V_MAX], iso, title;
    ngx_uint_t                 i, en;
    ngx_array_t                sections;
    ngx_http_news_out_t        out;
    ngx_http_news_result_t    *res;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);
    en = nlcf->chinese ? 0 : 1;

    ngx_memzero(vars, sizeof(vars));

    vars[NGX_HTTP_NEWS_V_HOME_URL] = ngx_http_news_home_url;

    if (ngx_array_init(&sections, r->pool, 16, sizeof(ngx_http_news_cat_t))
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_news_db_children(r, nlcf->db, 0, &sections) != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    if (ngx_http_news_render_nav(r, &sections, 0, &vars[NGX_HTTP_NEWS_V_NAV])
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the title: the words searched for */

    ngx_http_news_out_init(&out, r->pool, 2 * q->len + 32);

    ngx_http_news_search_say(&out, NGX_HTTP_NEWS_SEARCH_T_SEARCH, en);

    if (q->len) {
        ngx_http_news_search_say(&out, NGX_HTTP_NEWS_SEARCH_T_COLON, en);
        ngx_http_news_out_html(&out, q);
    }

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_TITLE]) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the message: what was wrong, or what was found */

    ngx_http_news_out_init(&out, r->pool, 2 * q->len + 128);

    if (message->len) {
        ngx_http_news_out_lit(&out, "<p class=\"search-error\">");
        ngx_http_news_out_html(&out, message);
        ngx_http_news_out_lit(&out, "</p>");

    } else if (q->len && results->nelts == 0) {
        ngx_http_news_out_lit(&out, "<p class=\"empty\">");
        ngx_http_news_search_say(&out, NGX_HTTP_NEWS_SEARCH_T_NONE, en);
        ngx_http_news_out_html(&out, q);
        ngx_http_news_search_say(&out, NGX_HTTP_NEWS_SEARCH_T_NONE_END, en);
        ngx_http_news_out_lit(&out, "</p>");
    }

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_MESSAGE])
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the results */

    ngx_http_news_out_init(&out, r->pool, 1024 * (results->nelts + 1));

    res = results->elts;

    if (results->nelts) {
        ngx_http_news_out_lit(&out, "<ol class=\"posts results\">\n");
    }

    for (i = 0; i < results->nelts; i++) {
        title = res[i].title.len ? res[i].title : res[i].post.title;

        ngx_http_news_out_lit(&out, "<li><a href=\"");
        ngx_http_news_out_post_path(&out, &res[i].post);
        ngx_http_news_out_lit(&out, "\">");
        ngx_http_news_out_marked(&out, &title);
        ngx_http_news_out_lit(&out, "</a> <time datetime=\"");

        iso = res[i].post.published_at;
        ngx_http_news_out_html(&out, &iso);
        ngx_http_news_out_lit(&out, "\">");
        iso.len = ngx_min(iso.len, 10);
        ngx_http_news_out_html(&out, &iso);
        ngx_http_news_out_lit(&out, "</time>");

        if (res[i].post.has_category && res[i].post.category_name.len) {
            ngx_http_news_out_lit(&out, " <a class=\"category\" href=\"");
            ngx_http_news_out_category_path(&out, &res[i].post.category_slug,
                                            0, NGX_HTTP_NEWS_ESCAPE_HTML);
            ngx_http_news_out_lit(&out, "\">");
            ngx_http_news_out_html(&out, &res[i].post.category_name);
            ngx_http_news_out_lit(&out, "</a>");
        }

        if (res[i].snippet.len) {
            ngx_http_news_out_lit(&out, "<p>");
            ngx_http_news_out_marked(&out, &res[i].snippet);
            ngx_http_news_out_lit(&out, "</p>");
        }

        ngx_http_news_out_lit(&out, "</li>\n");
    }

    if (results->nelts) {
        ngx_http_news_out_lit(&out, "</ol>");
    }

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_POSTS]) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the pager: the page before and the one after */

    ngx_http_news_out_init(&out, r->pool, 6 * q->len + 256);

    if (page > 1 || more) {
        ngx_http_news_out_lit(&out, "<nav class=\"pager\">");

        if (page > 1) {
            ngx_http_news_out_lit(&out, "<a rel=\"prev\" href=\"");
            ngx_http_news_search_link(&out, &r->uri, q, page - 1, relevance);
            ngx_http_news_out_lit(&out, "\">");
            ngx_http_news_search_say(&out, NGX_HTTP_NEWS_SEARCH_T_PREV, en);
            ngx_http_news_out_lit(&out, "</a> ");
        }

        if (more) {
            ngx_http_news_out_lit(&out, "<a rel=\"next\" href=\"");
            ngx_http_news_search_link(&out, &r->uri, q, page + 1, relevance);
            ngx_http_news_out_lit(&out, "\">");
            ngx_http_news_search_say(&out, NGX_HTTP_NEWS_SEARCH_T_NEXT, en);
            ngx_http_news_out_lit(&out, "</a>");
        }

        ngx_http_news_out_lit(&out, "</nav>");
    }

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_PAGER]) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, NGX_INT_T_LEN);
    ngx_http_news_out_uint(&out, page);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_PAGE]) != NGX_OK
        || ngx_http_news_render_search_form(r, q, &r->uri,
                                            &vars[NGX_HTTP_NEWS_V_SEARCH])
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (status != NGX_HTTP_OK) {
        r->headers_out.status = status;
    }

    return ngx_http_news_send(r, NGX_HTTP_NEWS_TPL_SEARCH, vars, 0, NULL,
                              NULL);
}


/*
 * what FTS5 marked with 0x01 and 0x02 as <mark>, the rest escaped: the
 * text is the post's, and never HTML here
 */

static void
ngx_http_news_out_marked(ngx_http_news_out_t *out, ngx_str_t *s)
{
    u_char      *p, *last, *start;
    ngx_str_t    run;
    ngx_uint_t   open;

    open = 0;
    last = s->data + s->len;

    for (p = s->data, start = p; p <= last; p++) {

        if (p < last && *p != 0x01 && *p != 0x02) {
            continue;
        }

        run.data = start;
        run.len = p - start;
        ngx_http_news_out_html(out, &run);

        if (p < last) {
            if (*p == 0x01 && !open) {
                ngx_http_news_out_lit(out, "<mark>");
                open = 1;

            } else if (*p == 0x02 && open) {
                ngx_http_news_out_lit(out, "</mark>");
                open = 0;
            }
        }

        start = p + 1;
    }

    if (open) {
        ngx_http_news_out_lit(out, "</mark>");
    }
}


/* the search's own URI with q, the page and the sort, for HTML */

static void
ngx_http_news_search_link(ngx_http_news_out_t *out, ngx_str_t *uri,
    ngx_str_t *q, ngx_uint_t page, ngx_uint_t relevance)
{
    ngx_http_news_out_html(out, uri);
    ngx_http_news_out_lit(out, "?q=");
    ngx_http_news_out_uri(out, q);

    if (relevance) {
        ngx_http_news_out_lit(out, "&amp;sort=relevance");
    }

    if (page > 1) {
        ngx_http_news_out_lit(out, "&amp;page=");
        ngx_http_news_out_uint(out, page);
    }
}
