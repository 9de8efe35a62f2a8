
/*
 * Copyright (C) ngx_news_module authors
 *
 * The content database's insides, shared by the file that opens it and
 * keeps it fresh (ngx_http_news_db.c), the one that reads it
 * (ngx_http_news_db_read.c) and those that query it (query*.c,
 * related.c, changes.c, the sitemaps'); the rest of the module holds an
 * opaque ngx_http_news_db_t.
 */


#ifndef _NGX_HTTP_NEWS_DB_H_INCLUDED_
#define _NGX_HTTP_NEWS_DB_H_INCLUDED_


#include "ngx_http_news_sqlite.h"


typedef enum {
    NGX_HTTP_NEWS_STMT_POST = 0,
    NGX_HTTP_NEWS_STMT_TAGS,
    NGX_HTTP_NEWS_STMT_CHAIN,
    NGX_HTTP_NEWS_STMT_CATEGORY,
    NGX_HTTP_NEWS_STMT_CHILDREN,
    NGX_HTTP_NEWS_STMT_CATEGORIES,
    NGX_HTTP_NEWS_STMT_DATA_VERSION,
    NGX_HTTP_NEWS_STMT_CODE_REDIRECT,
    NGX_HTTP_NEWS_STMT_SLUG_REDIRECT,
    NGX_HTTP_NEWS_STMT_NEXT_LIVE,
    NGX_HTTP_NEWS_STMT_BEGIN,
    NGX_HTTP_NEWS_STMT_COMMIT,
    NGX_HTTP_NEWS_STMT_POST_LINK,
    NGX_HTTP_NEWS_STMT_RELATED_CATEGORY,
    NGX_HTTP_NEWS_STMT_RELATED_TAGS,
    NGX_HTTP_NEWS_STMT_RELATED_TAG,
    NGX_HTTP_NEWS_STMT_POST_BY_ID,
    NGX_HTTP_NEWS_STMT_LISTED_POST,
    NGX_HTTP_NEWS_STMT_CHANGES,
    NGX_HTTP_NEWS_STMT_CHANGE_LAST,

    /* the sitemaps', with their code in ngx_http_news_sitemap*.c */
    NGX_HTTP_NEWS_STMT_SITEMAP_ENDS,
    NGX_HTTP_NEWS_STMT_SITEMAP_PART,
    NGX_HTTP_NEWS_STMT_SITEMAP_TREE,
    NGX_HTTP_NEWS_STMT_SITEMAP_CATEGORIES,
    NGX_HTTP_NEWS_STMT_SITEMAP_TAGS,
    NGX_HTTP_NEWS_STMT_SITEMAP_NEWS,

    /*
     * the lists' statements, query_list.c's: for each list type (all, a
     * category, a tag) a page by offset, a page after an anchor, and the
     * ends of its pages, in that order
     */
    NGX_HTTP_NEWS_STMT_LISTS,
    NGX_HTTP_NEWS_STMT_TAG = NGX_HTTP_NEWS_STMT_LISTS + 4 * 3,
    NGX_HTTP_NEWS_STMT_MAX
} ngx_http_news_stmt_e;


/* one content database, opened read-only in each worker */
struct ngx_http_news_db_s {
    ngx_str_t                   path;       /* null-terminated */
    ngx_str_t                   wal_path;   /* likewise */
    ngx_str_t                   uri;        /* snapshot: "file:...", or 0 */
    sqlite3                    *conn;
    sqlite3_stmt               *stmt[NGX_HTTP_NEWS_STMT_MAX];
    ngx_fd_t                    fd;         /* for the header alone */
    u_char                      counter[4]; /* its file change counter */
    ngx_uint_t                  counter_valid;
    ngx_file_uniq_t             uniq;       /* inode of the open file */
    dev_t                       dev;
    time_t                      checked;    /* last stat() or open */
    time_t                      changed;    /* a change last seen */
    time_t                      modified;   /* the file last written */
    time_t                      next_live;  /* a scheduled post, or 0 */
    time_t                      live_asked;
    ngx_uint_t                  live_known;
    int64_t                     data_version;
    int64_t                     change_seen; /* change_log's; -1: none */
    ngx_msec_t                  busy_timeout;
    time_t                      fault_logged;
    ngx_uint_t                  faults_left_out;
    u_char                      fault_text[64];
    ngx_http_news_cache_t       cache;
};


/* ngx_http_news_db.c */
void ngx_http_news_db_close(ngx_http_news_db_t *db);

/* ngx_http_news_db_read.c */
ngx_int_t ngx_http_news_db_step(ngx_http_news_db_t *db, sqlite3_stmt *stmt,
    ngx_log_t *log);
ngx_int_t ngx_http_news_db_result(ngx_http_news_db_t *db, sqlite3_stmt *stmt,
    ngx_int_t rc);

/* ngx_http_news_changes.c */
ngx_int_t ngx_http_news_db_changes(ngx_http_news_db_t *db, ngx_log_t *log);

/* ngx_http_news_query.c */
extern const char  *ngx_http_news_sql[];

ngx_int_t ngx_http_news_db_find(ngx_http_request_t *r, ngx_http_news_db_t *db,
    sqlite3_stmt *stmt, ngx_str_t *key);

/* ngx_http_news_query_list.c */
extern const char  *ngx_http_news_list_sql[];
/* ngx_http_news_related.c */
extern const char  ngx_http_news_sitemap_ends_sql[];
extern const char  ngx_http_news_sitemap_part_sql[];
extern const char  ngx_http_news_sitemap_tree_sql[];
extern const char  ngx_http_news_sitemap_categories_sql[];
extern const char  ngx_http_news_sitemap_tags_sql[];
extern const char  ngx_http_news_sitemap_news_sql[];

/* ngx_http_news_sitemap_parts.c */
ngx_int_t ngx_http_news_sitemap_articles(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_http_news_anchor_t *after, ngx_uint_t limit,
    ngx_http_news_out_t *out, time_t *last_modified);
ngx_int_t ngx_http_news_sitemap_lists(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_uint_t skip, ngx_uint_t limit,
    ngx_http_news_out_t *out, ngx_uint_t *count);
extern const char  ngx_http_news_related_category_sql[];
extern const char  ngx_http_news_related_tags_sql[];
extern const char  ngx_http_news_related_tag_sql[];
ngx_int_t ngx_http_news_db_redirect(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_uint_t which, ngx_str_t *old,
    ngx_str_t *current);


#endif /* _NGX_HTTP_NEWS_DB_H_INCLUDED_ */
