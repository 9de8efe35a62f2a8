
/*
 * Copyright (C) ngx_news_module authors
 *
 * The search page as HTML (ngx_http_news_search.c finds what it shows):
 * its title and message, the results with what matched in <mark>, the
 * pager of the search's own links, the box holding the words; Chinese or
 * English as the site's language is.  And the search box every page has
 * with news_search_form, made once at config time (ngx_http_news_site.c).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_search.h"


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


/* the search page, or the form with what was wrong */

ngx_int_t
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


/*
 * the search box: a GET form to the search page (news_search_form, or the
 * search page's own URI), with the words searched for when there are
 */

void
ngx_http_news_out_search_form(ngx_http_news_out_t *out, ngx_str_t *action,
    ngx_str_t *q, ngx_uint_t chinese)
{
    ngx_http_news_out_lit(out, "<form class=\"search\" role=\"search\" "
                          "method=\"get\" action=\"");
    ngx_http_news_out_html(out, action);
    ngx_http_news_out_lit(out, "\"><input type=\"search\" name=\"q\" "
                          "maxlength=\"100\" aria-label=\"");
    if (chinese) {
        ngx_http_news_out_lit(out, "搜索文章");

    } else {
        ngx_http_news_out_lit(out, "Search the posts");
    }

    ngx_http_news_out_lit(out, "\"");

    if (q != NULL && q->len) {
        ngx_http_news_out_lit(out, " value=\"");
        ngx_http_news_out_html(out, q);
        ngx_http_news_out_lit(out, "\"");
    }

    ngx_http_news_out_lit(out, "><button type=\"submit\">");
    if (chinese) {
        ngx_http_news_out_lit(out, "搜索");

    } else {
        ngx_http_news_out_lit(out, "Search");
    }

    ngx_http_news_out_lit(out, "</button></form>");
}


ngx_int_t
ngx_http_news_render_search_form(ngx_http_request_t *r, ngx_str_t *q,
    ngx_str_t *action, ngx_str_t *html)
{
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_http_news_out_init(&out, r->pool, 256 + 6 * (q->len + action->len));
    ngx_http_news_out_search_form(&out, action, q, nlcf->chinese);

    return ngx_http_news_out_str(&out, html);
}
