
/*
 * Copyright (C) ngx_news_module authors
 *
 * The posts of the stats page: each code's title and article URL, from
 * the content database of the stats location (news_db), through the
 * query and the URL functions every page uses.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_stats.h"


/* the posts already looked up for a page: title and URL by code */
typedef struct {
    ngx_str_node_t              sn;
    ngx_str_t                   title;
    ngx_str_t                   url;
} ngx_http_news_stats_post_t;


static ngx_int_t ngx_http_news_stats_post(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_rbtree_t *seen, ngx_str_t *base,
    ngx_http_news_stats_row_t *row);


/*
 * the posts' titles and URLs for the top and the articles, from the
 * location's news_db when it has one; a post that is not there, or a
 * database that cannot be read now, leaves the code alone on the page
 */

void
ngx_http_news_stats_titles(ngx_http_request_t *r, ngx_array_t *rows)
{
    ngx_str_t                   base;
    ngx_uint_t                  i, k;
    ngx_rbtree_t                seen;
    ngx_rbtree_node_t           sentinel;
    ngx_http_news_loc_conf_t   *nlcf;
    ngx_http_news_stats_row_t  *row;

    static ngx_uint_t  lists[] = {
        NGX_HTTP_NEWS_STATS_TOP, NGX_HTTP_NEWS_STATS_ARTICLES
    };

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (nlcf->db == NULL
        || ngx_http_news_db_ready(nlcf->db, r->connection->log) != NGX_OK
        || ngx_http_news_base_url(r, &base) != NGX_OK)
    {
        return;
    }

    ngx_rbtree_init(&seen, &sentinel, ngx_str_rbtree_insert_value);

    ngx_http_news_db_begin(r, nlcf->db);

    for (k = 0; k < 2; k++) {
        row = rows[lists[k]].elts;

        for (i = 0; i < rows[lists[k]].nelts; i++) {
            if (ngx_http_news_stats_post(r, nlcf->db, &seen, &base, &row[i])
                != NGX_OK)
            {
                goto done;
            }
        }
    }

done:

    ngx_http_news_db_end(nlcf->db);
}


/* one row's post, each code looked up once a page */

static ngx_int_t
ngx_http_news_stats_post(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_rbtree_t *seen, ngx_str_t *base, ngx_http_news_stats_row_t *row)
{
    uint32_t                     hash;
    ngx_int_t                    rc;
    ngx_str_t                    path;
    ngx_http_news_post_t         post;
    ngx_http_news_stats_post_t  *sp;

    hash = ngx_crc32_short(row->key.data, row->key.len);

    sp = (ngx_http_news_stats_post_t *) ngx_str_rbtree_lookup(seen, &row->key,
                                                              hash);
    if (sp != NULL) {
        row->title = sp->title;
        row->url = sp->url;
        return NGX_OK;
    }

    sp = ngx_pcalloc(r->pool, sizeof(ngx_http_news_stats_post_t));
    if (sp == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(&post, sizeof(ngx_http_news_post_t));

    rc = ngx_http_news_db_post_link(r, db, &row->key, &post);

    if (rc == NGX_OK) {
        sp->title = post.title;

        if (post.status == NGX_HTTP_NEWS_STATUS_PUBLISHED) {
            if (ngx_http_news_article_path(r, &post, &path) != NGX_OK) {
                return NGX_ERROR;
            }

            sp->url.len = base->len + path.len;
            sp->url.data = ngx_pnalloc(r->pool, sp->url.len);
            if (sp->url.data == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(ngx_cpymem(sp->url.data, base->data, base->len),
                       path.data, path.len);
        }

    } else if (rc != NGX_DECLINED) {
        /* the database failed: the rest of the page goes without titles */
        return NGX_ERROR;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news stats post \"%V\": \"%V\"", &row->key, &sp->url);

    sp->sn.str = row->key;
    sp->sn.node.key = hash;
    ngx_rbtree_insert(seen, &sp->sn.node);

    row->title = sp->title;
    row->url = sp->url;

    return NGX_OK;
}
