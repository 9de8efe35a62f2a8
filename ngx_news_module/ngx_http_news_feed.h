
/*
 * Copyright (C) ngx_news_module authors
 *
 * What the feed handlers (ngx_http_news_feed.c) hand their writers
 * (ngx_http_news_feed_xml.c): private to the two.
 */


#ifndef _NGX_HTTP_NEWS_FEED_H_INCLUDED_
#define _NGX_HTTP_NEWS_FEED_H_INCLUDED_


#define NGX_HTTP_NEWS_FEED_RSS   1
#define NGX_HTTP_NEWS_FEED_ATOM  2


/* which feed: its list, title, and the page it is the feed of */
typedef struct {
    ngx_uint_t                  format;
    ngx_http_news_list_t        list;
    ngx_str_t                   title;
    ngx_str_t                   page;       /* the page's path */
    ngx_str_t                   link;       /* and its absolute URL */
    ngx_str_t                   self;       /* the feed's own */
    ngx_str_t                   key;        /* its cache key */
} ngx_http_news_feed_t;


typedef struct {
    ngx_http_news_post_t        post;
    ngx_array_t                 tags;       /* ngx_str_t */
    ngx_str_t                   url;        /* canonical */
    ngx_str_t                   image;      /* absolute, or empty */
} ngx_http_news_item_t;


void ngx_http_news_feed_rss(ngx_http_news_out_t *out, ngx_http_request_t *r,
    ngx_http_news_feed_t *feed, ngx_array_t *items, ngx_str_t *updated);
void ngx_http_news_feed_atom(ngx_http_news_out_t *out, ngx_http_request_t *r,
    ngx_http_news_feed_t *feed, ngx_array_t *items, ngx_str_t *updated);


#endif /* _NGX_HTTP_NEWS_FEED_H_INCLUDED_ */
