
/*
 * Copyright (C) ngx_news_module authors
 *
 * The stats endpoint: per-region views from the readership database, as
 * JSON made by SQLite's JSON functions, or as the "stats" template with
 * tables and an SVG bar chart drawn here, filtered by article, region and
 * days.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_sqlite.h"


#define NGX_HTTP_NEWS_STATS_FILTER                                           \
    " FROM readership WHERE kind = 'view'"                                   \
    " AND (?1 IS NULL OR info_code = ?1) AND (?2 IS NULL OR region = ?2)"    \
    " AND (?3 IS NULL OR day >= ?3) AND (?4 IS NULL OR day <= ?4)"

#define NGX_HTTP_NEWS_STATS_SUMS                                             \
    " coalesce(sum(CASE WHEN bot = 0 THEN count END), 0),"                   \
    " coalesce(sum(CASE WHEN bot = 1 THEN count END), 0)"

#define NGX_HTTP_NEWS_STATS_SUMS_AS                                          \
    " coalesce(sum(CASE WHEN bot = 0 THEN count END), 0) AS views,"          \
    " coalesce(sum(CASE WHEN bot = 1 THEN count END), 0) AS bot_views"


#define NGX_HTTP_NEWS_STATS_REGIONS_SQL                                      \
    "SELECT region, NULL," NGX_HTTP_NEWS_STATS_SUMS                          \
    NGX_HTTP_NEWS_STATS_FILTER                                               \
    " GROUP BY region ORDER BY 3 DESC, region LIMIT 500"

#define NGX_HTTP_NEWS_STATS_ARTICLES_SQL                                     \
    "SELECT info_code, region," NGX_HTTP_NEWS_STATS_SUMS                     \
    NGX_HTTP_NEWS_STATS_FILTER                                               \
    " GROUP BY info_code, region ORDER BY 3 DESC, info_code, region"         \
    " LIMIT 1000"

#define NGX_HTTP_NEWS_STATS_TOP_SQL                                          \
    "SELECT info_code, NULL," NGX_HTTP_NEWS_STATS_SUMS                       \
    NGX_HTTP_NEWS_STATS_FILTER                                               \
    " GROUP BY info_code ORDER BY 3 DESC, info_code LIMIT 20"


enum {
    NGX_HTTP_NEWS_STATS_REGIONS = 0,
    NGX_HTTP_NEWS_STATS_ARTICLES,
    NGX_HTTP_NEWS_STATS_TOP,
    NGX_HTTP_NEWS_STATS_JSON,
    NGX_HTTP_NEWS_STATS_MAX
};

/* the lists of the HTML page */
#define NGX_HTTP_NEWS_STATS_LISTS  NGX_HTTP_NEWS_STATS_JSON


/* the worker's reading connection, opened on first use */
struct ngx_http_news_stats_db_s {
    sqlite3                    *conn;
    sqlite3_stmt               *stmt[NGX_HTTP_NEWS_STATS_MAX];
};


/* the filters of a request, NULL data where not given */
typedef struct {
    ngx_str_t                   arg[4];     /* infoCode, region, from, to */
    ngx_uint_t                  html;
} ngx_http_news_stats_query_t;


typedef struct {
    ngx_str_t                   key;        /* region or info_code */
    ngx_str_t                   region;
    int64_t                     views;
    int64_t                     bot_views;
} ngx_http_news_stats_row_t;


static ngx_int_t ngx_http_news_stats_args(ngx_http_request_t *r,
    ngx_http_news_stats_query_t *q);
static ngx_http_news_stats_db_t *ngx_http_news_stats_open(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_news_stats_rows(ngx_http_request_t *r,
    ngx_http_news_stats_db_t *db, ngx_uint_t which,
    ngx_http_news_stats_query_t *q, ngx_array_t *rows);
static ngx_int_t ngx_http_news_stats_json(ngx_http_request_t *r,
    ngx_http_news_stats_db_t *db, ngx_http_news_stats_query_t *q,
    ngx_str_t *json);
static ngx_int_t ngx_http_news_stats_html(ngx_http_request_t *r,
    ngx_http_news_stats_query_t *q, ngx_array_t *rows, ngx_str_t *vars);
static void ngx_http_news_stats_svg(ngx_http_news_out_t *out,
    ngx_array_t *regions);
static sqlite3_stmt *ngx_http_news_stats_bind(ngx_http_news_stats_db_t *db,
    ngx_uint_t which, ngx_http_news_stats_query_t *q);
static ngx_int_t ngx_http_news_stats_done(ngx_http_request_t *r,
    ngx_http_news_stats_db_t *db, sqlite3_stmt *stmt, ngx_int_t rc);


static const char  *ngx_http_news_stats_sql[NGX_HTTP_NEWS_STATS_MAX] = {

    NGX_HTTP_NEWS_STATS_REGIONS_SQL,
    NGX_HTTP_NEWS_STATS_ARTICLES_SQL,
    NGX_HTTP_NEWS_STATS_TOP_SQL,

    /*
     * NGX_HTTP_NEWS_STATS_JSON: the whole answer, escaped by SQLite; a
     * list through a subquery loses its JSON subtype, json() gives it back
     */
    "SELECT json_object("
    " 'info_code', ?1, 'region', ?2, 'from', ?3, 'to', ?4,"
    " 'regions', json((SELECT json_group_array(json_object("
    "   'region', key, 'views', views, 'bot_views', bot_views))"
    "   FROM (SELECT region AS key," NGX_HTTP_NEWS_STATS_SUMS_AS
    NGX_HTTP_NEWS_STATS_FILTER
    "   GROUP BY region ORDER BY views DESC, region LIMIT 500))),"
    " 'articles', json((SELECT json_group_array(json_object("
    "   'info_code', key, 'region', region, 'views', views,"
    "   'bot_views', bot_views))"
    "   FROM (SELECT info_code AS key, region," NGX_HTTP_NEWS_STATS_SUMS_AS
    NGX_HTTP_NEWS_STATS_FILTER
    "   GROUP BY info_code, region"
    "   ORDER BY views DESC, info_code, region LIMIT 1000))),"
    " 'top', json((SELECT json_group_array(json_object("
    "   'info_code', key, 'views', views))"
    "   FROM (SELECT info_code AS key," NGX_HTTP_NEWS_STATS_SUMS_AS
    NGX_HTTP_NEWS_STATS_FILTER
    "   GROUP BY info_code ORDER BY views DESC, info_code LIMIT 20))))"
};


static char  *ngx_http_news_stats_names[] = {
    "info_code", "region", "from", "to"
};


ngx_int_t
ngx_http_news_stats_handler(ngx_http_request_t *r)
{
    off_t                         len;
    uint32_t                      crc;
    ngx_int_t                     rc;
    ngx_str_t                     text, vars[NGX_HTTP_NEWS_V_MAX];
    ngx_uint_t                    i;
    ngx_chain_t                  *out;
    ngx_array_t                   rows[NGX_HTTP_NEWS_STATS_LISTS];
    ngx_http_news_stats_db_t     *db;
    ngx_http_news_loc_conf_t     *nlcf;
    ngx_http_news_stats_query_t   q;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    rc = ngx_http_news_stats_args(r, &q);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    db = ngx_http_news_stats_open(r);
    if (db == NULL) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    if (!q.html) {
        if (ngx_http_news_stats_json(r, db, &q, &text) != NGX_OK) {
            return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
        }

        out = ngx_http_news_chain(r, text.data, text.len, 1);
        if (out == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        len = text.len;
        ngx_str_set(&r->headers_out.content_type, "application/json");
        r->headers_out.content_type_len = r->headers_out.content_type.len;

        goto send;
    }

    for (i = 0; i < NGX_HTTP_NEWS_STATS_LISTS; i++) {
        if (ngx_array_init(&rows[i], r->pool, 16,
                           sizeof(ngx_http_news_stats_row_t))
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ngx_http_news_stats_rows(r, db, i, &q, &rows[i]) != NGX_OK) {
            return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
        }
    }

    ngx_memzero(vars, sizeof(vars));

    if (ngx_http_news_stats_html(r, &q, rows, vars) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_http_news_site_vars(r, vars);

    if (ngx_http_news_template_render(r, nlcf->tpl[NGX_HTTP_NEWS_TPL_STATS],
                                      vars, &out, &len, &crc)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_set(&r->headers_out.content_type, "text/html; charset=utf-8");
    r->headers_out.content_type_len = sizeof("text/html") - 1;

send:

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, out);
}


/* NGX_OK, or 400 for a filter that is not what it should be */

static ngx_int_t
ngx_http_news_stats_args(ngx_http_request_t *r,
    ngx_http_news_stats_query_t *q)
{
    u_char     *p;
    ngx_str_t   format;
    ngx_uint_t  i;

    static ngx_str_t  names[] = {
        ngx_string("infoCode"), ngx_string("region"),
        ngx_string("from"), ngx_string("to")
    };

    ngx_memzero(q, sizeof(ngx_http_news_stats_query_t));

    if (ngx_http_arg(r, (u_char *) "format", 6, &format) == NGX_OK) {
        if (format.len == 4 && ngx_strncmp(format.data, "html", 4) == 0) {
            q->html = 1;

        } else if (format.len != 4
                   || ngx_strncmp(format.data, "json", 4) != 0)
        {
            goto invalid;
        }
    }

    for (i = 0; i < 4; i++) {
        if (ngx_http_arg(r, names[i].data, names[i].len, &q->arg[i])
            != NGX_OK)
        {
            ngx_str_null(&q->arg[i]);
            continue;
        }

        switch (i) {

        case 0:
            if (q->arg[i].len == 0 || q->arg[i].len > NEWS_INFO_CODE_MAX
                || !ngx_http_news_info_code_valid(r, &q->arg[i]))
            {
                goto invalid;
            }

            break;

        case 1:
            if (q->arg[i].len == 0
                || q->arg[i].len > NGX_HTTP_NEWS_REGION_LEN)
            {
                goto invalid;
            }

            for (p = q->arg[i].data; p < q->arg[i].data + q->arg[i].len; p++)
            {
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
                      || *p == '-'))
                {
                    goto invalid;
                }
            }

            break;

        default:
            if (!news_parse_day(q->arg[i].data, q->arg[i].len)) {
                goto invalid;
            }
        }
    }

    return NGX_OK;

invalid:

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "news: invalid stats query \"%V\"", &r->args);

    return NGX_HTTP_BAD_REQUEST;
}


static ngx_http_news_stats_db_t *
ngx_http_news_stats_open(ngx_http_request_t *r)
{
    ngx_str_t                  *path;
    ngx_uint_t                  i;
    ngx_http_news_stats_db_t   *db;
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_news_module);

    if (mcf->stats == NULL) {
        mcf->stats = ngx_pcalloc(ngx_cycle->pool,
                                 sizeof(ngx_http_news_stats_db_t));
        if (mcf->stats == NULL) {
            return NULL;
        }
    }

    db = mcf->stats;

    if (db->conn != NULL) {
        return db;
    }

    path = ngx_http_news_readership_path(r);

    if (path == NULL
        || sqlite3_open_v2((char *) path->data, &db->conn,
                           SQLITE_OPEN_READONLY|SQLITE_OPEN_NOMUTEX, NULL)
           != SQLITE_OK)
    {
        goto failed;
    }

    sqlite3_busy_timeout(db->conn, 100);

    for (i = 0; i < NGX_HTTP_NEWS_STATS_MAX; i++) {
        if (sqlite3_prepare_v3(db->conn, ngx_http_news_stats_sql[i], -1,
                               SQLITE_PREPARE_PERSISTENT, &db->stmt[i], NULL)
            != SQLITE_OK)
        {
            goto failed;
        }
    }

    return db;

failed:

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "news: cannot read readership database \"%V\": %s",
                  path, db->conn ? sqlite3_errmsg(db->conn) : "no memory");

    ngx_http_news_sqlite_close(&db->conn, db->stmt, NGX_HTTP_NEWS_STATS_MAX);

    return NULL;
}


void
ngx_http_news_stats_close(ngx_cycle_t *cycle)
{
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_news_module);

    if (mcf != NULL && mcf->stats != NULL) {
        ngx_http_news_sqlite_close(&mcf->stats->conn, mcf->stats->stmt,
                                   NGX_HTTP_NEWS_STATS_MAX);
    }
}


static ngx_int_t
ngx_http_news_stats_rows(ngx_http_request_t *r, ngx_http_news_stats_db_t *db,
    ngx_uint_t which, ngx_http_news_stats_query_t *q, ngx_array_t *rows)
{
    int                         err;
    ngx_int_t                   rc;
    sqlite3_stmt               *stmt;
    ngx_http_news_stats_row_t  *row;

    stmt = ngx_http_news_stats_bind(db, which, q);

    while ((rc = ngx_http_news_sqlite_step(stmt, &err)) == NGX_OK) {
        row = ngx_array_push(rows);

        if (row == NULL
            || ngx_http_news_sqlite_text(r->pool, stmt, 0, &row->key)
               != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 1, &row->region)
               != NGX_OK)
        {
            rc = NGX_ABORT;
            break;
        }

        row->views = sqlite3_column_int64(stmt, 2);
        row->bot_views = sqlite3_column_int64(stmt, 3);
    }

    return ngx_http_news_stats_done(r, db, stmt, rc == NGX_DONE ? NGX_OK : rc);
}


/* the JSON answer, made whole by one statement */

static ngx_int_t
ngx_http_news_stats_json(ngx_http_request_t *r, ngx_http_news_stats_db_t *db,
    ngx_http_news_stats_query_t *q, ngx_str_t *json)
{
    int            err;
    ngx_int_t      rc;
    sqlite3_stmt  *stmt;

    stmt = ngx_http_news_stats_bind(db, NGX_HTTP_NEWS_STATS_JSON, q);

    rc = ngx_http_news_sqlite_step(stmt, &err);

    if (rc == NGX_OK
        && ngx_http_news_sqlite_text(r->pool, stmt, 0, json) != NGX_OK)
    {
        rc = NGX_ABORT;
    }

    return ngx_http_news_stats_done(r, db, stmt, rc);
}


/* a statement of the stats with the request's filters bound */

static sqlite3_stmt *
ngx_http_news_stats_bind(ngx_http_news_stats_db_t *db, ngx_uint_t which,
    ngx_http_news_stats_query_t *q)
{
    ngx_uint_t     i;
    sqlite3_stmt  *stmt;

    stmt = db->stmt[which];

    for (i = 0; i < 4; i++) {
        if (q->arg[i].data != NULL) {
            sqlite3_bind_text(stmt, i + 1, (char *) q->arg[i].data,
                              q->arg[i].len, SQLITE_STATIC);
        }
    }

    return stmt;
}


/*
 * the statement reset; rc NGX_OK when it read what it should, else the
 * failure logged, and the connection closed when the file may have been
 * replaced, to be opened again next time
 */

static ngx_int_t
ngx_http_news_stats_done(ngx_http_request_t *r, ngx_http_news_stats_db_t *db,
    sqlite3_stmt *stmt, ngx_int_t rc)
{
    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "news: reading readership failed: %s",
                      rc == NGX_ABORT ? "no memory"
                                      : sqlite3_errmsg(db->conn));
    }

    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);

    if (rc == NGX_ERROR) {
        ngx_http_news_sqlite_close(&db->conn, db->stmt,
                                   NGX_HTTP_NEWS_STATS_MAX);
    }

    return rc == NGX_OK ? NGX_OK : NGX_ERROR;
}


/* the values of the "stats" template: the filters, the chart, two tables */

static ngx_int_t
ngx_http_news_stats_html(ngx_http_request_t *r,
    ngx_http_news_stats_query_t *q, ngx_array_t *rows, ngx_str_t *vars)
{
    ngx_uint_t                  i;
    ngx_http_news_out_t         out;
    ngx_http_news_stats_row_t  *row;

    ngx_http_news_out_init(&out, r->pool, 256);

    for (i = 0; i < 4; i++) {
        if (q->arg[i].data != NULL) {
            ngx_http_news_out_add(&out, (u_char *) ngx_http_news_stats_names[i],
                                  ngx_strlen(ngx_http_news_stats_names[i]));
            ngx_http_news_out_lit(&out, ": ");
            ngx_http_news_out_html(&out, &q->arg[i]);
            ngx_http_news_out_lit(&out, " ");
        }
    }

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_FILTERS])
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, 4096);
    ngx_http_news_stats_svg(&out, &rows[NGX_HTTP_NEWS_STATS_REGIONS]);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_CHART]) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, 2048);
    ngx_http_news_out_lit(&out, "<table>\n"
                                "<tr><th>article</th><th>views</th></tr>\n");

    row = rows[NGX_HTTP_NEWS_STATS_TOP].elts;

    for (i = 0; i < rows[NGX_HTTP_NEWS_STATS_TOP].nelts; i++) {
        ngx_http_news_out_lit(&out, "<tr><td>");
        ngx_http_news_out_html(&out, &row[i].key);
        ngx_http_news_out_lit(&out, "</td><td>");
        ngx_http_news_out_uint(&out, row[i].views);
        ngx_http_news_out_lit(&out, "</td></tr>\n");
    }

    ngx_http_news_out_lit(&out, "</table>");

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_TOP]) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, 4096);
    ngx_http_news_out_lit(&out, "<table>\n<tr><th>article</th>"
                                "<th>region</th><th>views</th>"
                                "<th>bot views</th></tr>\n");

    row = rows[NGX_HTTP_NEWS_STATS_ARTICLES].elts;

    for (i = 0; i < rows[NGX_HTTP_NEWS_STATS_ARTICLES].nelts; i++) {
        ngx_http_news_out_lit(&out, "<tr><td>");
        ngx_http_news_out_html(&out, &row[i].key);
        ngx_http_news_out_lit(&out, "</td><td>");
        ngx_http_news_out_html(&out, &row[i].region);
        ngx_http_news_out_lit(&out, "</td><td>");
        ngx_http_news_out_uint(&out, row[i].views);
        ngx_http_news_out_lit(&out, "</td><td>");
        ngx_http_news_out_uint(&out, row[i].bot_views);
        ngx_http_news_out_lit(&out, "</td></tr>\n");
    }

    ngx_http_news_out_lit(&out, "</table>");

    return ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_ARTICLES]);
}


/* one bar a region, scaled to the largest: drawn here, no script needed */

static void
ngx_http_news_stats_svg(ngx_http_news_out_t *out, ngx_array_t *regions)
{
    int64_t                     max;
    ngx_uint_t                  i, y;
    ngx_http_news_stats_row_t  *row;

    row = regions->elts;
    max = 1;

    for (i = 0; i < regions->nelts; i++) {
        max = ngx_max(max, row[i].views);
    }

    ngx_http_news_out_lit(out, "<svg xmlns=\"http://www.w3.org/2000/svg\""
                               " width=\"640\" height=\"");
    ngx_http_news_out_uint(out, 24 * regions->nelts + 8);
    ngx_http_news_out_lit(out, "\" role=\"img\" aria-label=\"human views "
                               "by region\">\n");

    for (i = 0; i < regions->nelts; i++) {
        y = 24 * i + 4;

        ngx_http_news_out_lit(out, "<text x=\"0\" y=\"");
        ngx_http_news_out_uint(out, y + 15);
        ngx_http_news_out_lit(out, "\">");
        ngx_http_news_out_html(out, &row[i].key);
        ngx_http_news_out_lit(out, "</text><rect x=\"90\" y=\"");
        ngx_http_news_out_uint(out, y);
        ngx_http_news_out_lit(out, "\" height=\"18\" width=\"");
        ngx_http_news_out_uint(out, 1 + 440 * row[i].views / max);
        ngx_http_news_out_lit(out, "\"/><text x=\"");
        ngx_http_news_out_uint(out, 96 + 440 * row[i].views / max);
        ngx_http_news_out_lit(out, "\" y=\"");
        ngx_http_news_out_uint(out, y + 15);
        ngx_http_news_out_lit(out, "\">");
        ngx_http_news_out_uint(out, row[i].views);
        ngx_http_news_out_lit(out, "</text>\n");
    }

    ngx_http_news_out_lit(out, "</svg>");
}
