
/*
 * Copyright (C) ngx_news_module authors
 *
 * The stats' own types, shared by the endpoint (ngx_http_news_stats.c:
 * filters, queries, JSON), the posts' titles (ngx_http_news_stats_posts.c)
 * and the page (ngx_http_news_stats_html.c).
 */


#ifndef _NGX_HTTP_NEWS_STATS_H_INCLUDED_
#define _NGX_HTTP_NEWS_STATS_H_INCLUDED_


/* the lists read for the page, and the JSON answer */
enum {
    NGX_HTTP_NEWS_STATS_REGIONS = 0,
    NGX_HTTP_NEWS_STATS_ARTICLES,
    NGX_HTTP_NEWS_STATS_TOP,
    NGX_HTTP_NEWS_STATS_DAYS,
    NGX_HTTP_NEWS_STATS_JSON,
    NGX_HTTP_NEWS_STATS_MAX
};

#define NGX_HTTP_NEWS_STATS_LISTS  NGX_HTTP_NEWS_STATS_JSON

#define NGX_HTTP_NEWS_STATS_INFO_CODE  0
#define NGX_HTTP_NEWS_STATS_REGION     1
#define NGX_HTTP_NEWS_STATS_FROM       2
#define NGX_HTTP_NEWS_STATS_TO         3


/* the filters of a request, NULL data where not given */
typedef struct {
    ngx_str_t                   arg[4];     /* infoCode, region, from, to */
    ngx_uint_t                  html;
} ngx_http_news_stats_query_t;


typedef struct {
    ngx_str_t                   key;        /* region, info_code or day */
    ngx_str_t                   region;
    ngx_str_t                   name;       /* the region's, or "" */
    ngx_str_t                   title;      /* the post's, or "" */
    ngx_str_t                   url;        /* the article's, or "" */
    int64_t                     views;
    int64_t                     bot_views;
} ngx_http_news_stats_row_t;


/* ngx_http_news_stats_posts.c */
void ngx_http_news_stats_titles(ngx_http_request_t *r, ngx_array_t *rows);

/* ngx_http_news_stats_html.c */
ngx_int_t ngx_http_news_stats_page(ngx_http_request_t *r,
    ngx_http_news_stats_query_t *q, ngx_array_t *rows, ngx_str_t *vars);


#endif /* _NGX_HTTP_NEWS_STATS_H_INCLUDED_ */
