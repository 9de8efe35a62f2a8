
/*
 * Copyright (C) ngx_news_module authors
 *
 * The floor of "make bench-ir": the least a module that answers from
 * SQLite can do.  One prepared SELECT a request, by the request's URI,
 * of a row bench/ir.pl filled with what ngx_news_module sent for it (its
 * status, Location, ETag, Last-Modified and body), then the same bytes
 * out.  Nothing is rendered, escaped, counted or cached.
 *
 *     news_floor /path/to/floor.db;
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <sqlite3.h>


typedef struct {
    ngx_str_t      path;
    sqlite3       *db;
    sqlite3_stmt  *select;
} ngx_http_news_floor_loc_conf_t;


static ngx_int_t ngx_http_news_floor_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_news_floor_header(ngx_http_request_t *r,
    ngx_str_t *name, int col, sqlite3_stmt *stmt);
static void *ngx_http_news_floor_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_news_floor(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_command_t  ngx_http_news_floor_commands[] = {

    { ngx_string("news_floor"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_news_floor,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_news_floor_module_ctx = {
    NULL, NULL, NULL, NULL, NULL, NULL,
    ngx_http_news_floor_create_loc_conf,
    NULL
};


ngx_module_t  ngx_http_news_floor_module = {
    NGX_MODULE_V1,
    &ngx_http_news_floor_module_ctx,
    ngx_http_news_floor_commands,
    NGX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_news_floor_etag = ngx_string("ETag");
static ngx_str_t  ngx_http_news_floor_lm = ngx_string("Last-Modified");
static ngx_str_t  ngx_http_news_floor_location = ngx_string("Location");


static ngx_int_t
ngx_http_news_floor_handler(ngx_http_request_t *r)
{
    int                              rc;
    size_t                           len;
    ngx_buf_t                       *b;
    ngx_int_t                        status;
    ngx_chain_t                      out;
    ngx_http_news_floor_loc_conf_t  *flcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_news_floor_module);

    /* opened by each worker, at its first request, and kept */
    if (flcf->select == NULL) {
        if (sqlite3_open_v2((char *) flcf->path.data, &flcf->db,
                            SQLITE_OPEN_READONLY, NULL) != SQLITE_OK
            || sqlite3_prepare_v3(flcf->db,
                   "SELECT status, location, etag, last_modified, body"
                   " FROM pages WHERE uri = ?1", -1,
                   SQLITE_PREPARE_PERSISTENT, &flcf->select, NULL)
               != SQLITE_OK)
        {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "news_floor: %s: %s", flcf->path.data,
                          sqlite3_errmsg(flcf->db));
            return NGX_HTTP_SERVICE_UNAVAILABLE;
        }
    }

    sqlite3_bind_text(flcf->select, 1, (char *) r->unparsed_uri.data,
                      r->unparsed_uri.len, SQLITE_STATIC);

    rc = sqlite3_step(flcf->select);

    if (rc != SQLITE_ROW) {
        sqlite3_reset(flcf->select);
        return NGX_HTTP_NOT_FOUND;
    }

    status = sqlite3_column_int(flcf->select, 0);
    len = sqlite3_column_bytes(flcf->select, 4);

    b = ngx_create_temp_buf(r->pool, len ? len : 1);

    if (b == NULL
        || ngx_http_news_floor_header(r, &ngx_http_news_floor_location, 1,
                                      flcf->select) != NGX_OK
        || ngx_http_news_floor_header(r, &ngx_http_news_floor_etag, 2,
                                      flcf->select) != NGX_OK
        || ngx_http_news_floor_header(r, &ngx_http_news_floor_lm, 3,
                                      flcf->select) != NGX_OK)
    {
        sqlite3_reset(flcf->select);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->pos, sqlite3_column_blob(flcf->select, 4), len);
    b->last_buf = 1;

    sqlite3_reset(flcf->select);

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type, "text/html; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only || len == 0) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* a header from a column, none when the column is NULL */

static ngx_int_t
ngx_http_news_floor_header(ngx_http_request_t *r, ngx_str_t *name, int col,
    sqlite3_stmt *stmt)
{
    size_t            len;
    ngx_table_elt_t  *h;

    if (sqlite3_column_type(stmt, col) == SQLITE_NULL) {
        return NGX_OK;
    }

    len = sqlite3_column_bytes(stmt, col);

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key = *name;
    h->value.len = len;
    h->value.data = ngx_pnalloc(r->pool, len);

    if (h->value.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(h->value.data, sqlite3_column_text(stmt, col), len);

    return NGX_OK;
}


static void *
ngx_http_news_floor_create_loc_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_news_floor_loc_conf_t));
}


static char *
ngx_http_news_floor(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_floor_loc_conf_t *flcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    value = cf->args->elts;
    flcf->path = value[1];

    if (ngx_conf_full_name(cf->cycle, &flcf->path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_news_floor_handler;

    return NGX_CONF_OK;
}
