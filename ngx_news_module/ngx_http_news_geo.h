
/*
 * Copyright (C) ngx_news_module authors
 *
 * The MaxMind DB's insides, shared by the file that keeps the private
 * copy (ngx_http_news_geo.c) and the one that looks readers up in it
 * (ngx_http_news_geo_lookup.c); the rest of the module holds an opaque
 * ngx_http_news_geo_t.
 */


#ifndef _NGX_HTTP_NEWS_GEO_H_INCLUDED_
#define _NGX_HTTP_NEWS_GEO_H_INCLUDED_


#include <maxminddb.h>


/* what tells a file changed: which file, how long, when written */
typedef struct {
    dev_t                       dev;
    ino_t                       ino;
    off_t                       size;
    time_t                      mtime;
    long                        mtime_nsec;
} ngx_http_news_geo_stamp_t;


/*
 * a record's region, remembered by the record's offset in the file: most
 * readers come from a few thousand networks, and reading a record's
 * country and subdivision costs four times the tree walk that finds it
 */
#define NGX_HTTP_NEWS_GEO_MEMO  256     /* a byte's worth: the slot */

typedef struct {
    uint32_t                    offset;     /* the record's, + 1; 0: none */
    u_char                      country;    /* 2, or 0: not a country */
    u_char                      len;        /* of region[] */
    u_char                      region[NGX_HTTP_NEWS_REGION_LEN];
} ngx_http_news_geo_memo_t;


struct ngx_http_news_geo_s {
    ngx_str_t                   path;       /* null-terminated */
    ngx_fd_t                    fd;         /* the copy looked up in */
    MMDB_s                      mmdb;
    ngx_http_news_geo_stamp_t   copied;     /* the file the copy is of */
    ngx_http_news_geo_stamp_t   refused;    /* a change that did not open */
    time_t                      checked;
    ngx_http_news_geo_memo_t   *memo;       /* of the file open; or NULL */
    unsigned                    open:1;
    unsigned                    error_logged:1;
};


/* ngx_http_news_geo.c */
void ngx_http_news_geo_check(ngx_http_news_geo_t *geo);

/* ngx_http_news_geo_lookup.c */
void ngx_http_news_geo_forget(ngx_http_news_geo_t *geo, ngx_pool_t *pool);


#endif /* _NGX_HTTP_NEWS_GEO_H_INCLUDED_ */
