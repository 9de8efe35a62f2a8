
/*
 * Copyright (C) ngx_news_module authors
 *
 * The most-read lists' state, shared by the file that shows them
 * (ngx_http_news_most_read.c) and the one that makes them in the flush's
 * thread (ngx_http_news_most_read_update.c): private to the two.
 */


#ifndef _NGX_HTTP_NEWS_MOST_READ_H_INCLUDED_
#define _NGX_HTTP_NEWS_MOST_READ_H_INCLUDED_


#define NGX_HTTP_NEWS_MR_COUNT_MAX    50

/* codes kept beyond a list's count, for posts that are not out */
#define NGX_HTTP_NEWS_MR_SLACK        10

/* how often a worker looks at the generation, in ms */
#define NGX_HTTP_NEWS_MR_CHECK        1000

#define NGX_HTTP_NEWS_MR_RECORD_MAX                                          \
    (3 + NGX_HTTP_NEWS_REGION_LEN                                           \
     + (NGX_HTTP_NEWS_MR_COUNT_MAX + NGX_HTTP_NEWS_MR_SLACK)                \
       * (1 + NEWS_INFO_CODE_MAX))

/* the lists wanted: overall and by region, for 1d (<< 0) and 7d (<< 2) */
#define NGX_HTTP_NEWS_MR_ALL          1
#define NGX_HTTP_NEWS_MR_REGION       2


struct ngx_http_news_most_read_s {
    ngx_msec_t                  refresh;
    ngx_uint_t                  lists;      /* NGX_HTTP_NEWS_MR_* << 0, 2 */
    ngx_uint_t                  count;      /* codes a list keeps */
    ngx_http_news_rs_t         *rs;
    ngx_event_t                 check;
    ngx_atomic_uint_t           gen;        /* what this worker's pages show */
    ngx_uint_t                  indexed;

    /* worked out in the event loop, for the thread */
    u_char                      today[NGX_HTTP_NEWS_DAY_LEN];
    u_char                      first[2][NGX_HTTP_NEWS_DAY_LEN];
    double                      weight;     /* of the first day */
};


#endif /* _NGX_HTTP_NEWS_MOST_READ_H_INCLUDED_ */
