
/*
 * Copyright (C) ngx_news_module authors
 *
 * The stats endpoint: per-region and per-day views from the readership
 * database, filtered by article, region and days, with the regions' names
 * in the site's language (region_names) and, where the location has a
 * news_db, the posts' titles; as JSON made by SQLite's JSON functions, or
 * as the page (ngx_http_news_stats_html.c).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_sqlite.h"
#include "ngx_http_news_stats.h"


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


/*
 * a region's name in the site's language (?5), for a Chinese one in
 * zh-CN (?6, the only Chinese of GeoIP2), else in English: NULL when the
 * readership file knows none
 */
#define NGX_HTTP_NEWS_STATS_NAME(col)                                        \
    " coalesce("                                                             \
    "(SELECT n.name FROM region_names n"                                     \
    " WHERE n.region = " col " AND n.lang = ?5),"                            \
    "(SELECT n.name FROM region_names n"                                     \
    " WHERE n.region = " col " AND n.lang = ?6),"                            \
    "(SELECT n.name FROM region_names n"                                     \
    " WHERE n.region = " col " AND n.lang = 'en'))"

/*
 * views a day over the range: from (or the first day with views) to (or
 * the last), the last 366 days of it at most, days without views as 0
 */
#define NGX_HTTP_NEWS_STATS_DAYS_SQL                                         \
    "WITH RECURSIVE"                                                         \
    " span (lo, hi) AS (SELECT max(coalesce(?3, min(day)),"                  \
    "   date(coalesce(?4, max(day)), '-365 days')), coalesce(?4, max(day))"  \
    NGX_HTTP_NEWS_STATS_FILTER "),"                                          \
    " d (day) AS (SELECT lo FROM span WHERE lo <= hi"                        \
    "   UNION ALL SELECT date(day, '+1 day') FROM d, span WHERE day < hi),"  \
    " v (day, views, bot_views) AS (SELECT day," NGX_HTTP_NEWS_STATS_SUMS    \
    NGX_HTTP_NEWS_STATS_FILTER " GROUP BY day)"                              \
    " SELECT d.day AS key, coalesce(v.views, 0) AS views,"                   \
    " coalesce(v.bot_views, 0) AS bot_views"                                 \
    " FROM d LEFT JOIN v ON v.day = d.day ORDER BY d.day"

/* each list: key, region, views, bot views, the region's name */

#define NGX_HTTP_NEWS_STATS_REGIONS_SQL                                      \
    "SELECT region, NULL," NGX_HTTP_NEWS_STATS_SUMS ","                      \
    NGX_HTTP_NEWS_STATS_NAME("readership.region")                            \
    NGX_HTTP_NEWS_STATS_FILTER                                               \
    " GROUP BY region ORDER BY 3 DESC, region LIMIT 500"

#define NGX_HTTP_NEWS_STATS_ARTICLES_SQL                                     \
    "SELECT info_code, region," NGX_HTTP_NEWS_STATS_SUMS ","                 \
    NGX_HTTP_NEWS_STATS_NAME("readership.region")                            \
    NGX_HTTP_NEWS_STATS_FILTER                                               \
    " GROUP BY info_code, region ORDER BY 3 DESC, info_code, region"         \
    " LIMIT 1000"

#define NGX_HTTP_NEWS_STATS_TOP_SQL                                          \
    "SELECT info_code, NULL," NGX_HTTP_NEWS_STATS_SUMS ", NULL"              \
    NGX_HTTP_NEWS_STATS_FILTER                                               \
    " GROUP BY info_code ORDER BY 3 DESC, info_code LIMIT 20"

#define NGX_HTTP_NEWS_STATS_DAYS_LIST_SQL                                    \
    "SELECT key, NULL, views, bot_views, NULL FROM ("                        \
    NGX_HTTP_NEWS_STATS_DAYS_SQL ")"


/* the worker's reading connection, opened on first use */
struct ngx_http_news_stats_db_s {
    sqlite3                    *conn;
    sqlite3_stmt               *stmt[NGX_HTTP_NEWS_STATS_MAX];
};


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
static sqlite3_stmt *ngx_http_news_stats_bind(ngx_http_request_t *r,
    ngx_http_news_stats_db_t *db, ngx_uint_t which,
    ngx_http_news_stats_query_t *q);
static ngx_int_t ngx_http_news_stats_done(ngx_http_request_t *r,
    ngx_http_news_stats_db_t *db, sqlite3_stmt *stmt, ngx_int_t rc);


static const char  *ngx_http_news_stats_sql[NGX_HTTP_NEWS_STATS_MAX] = {

    NGX_HTTP_NEWS_STATS_REGIONS_SQL,
    NGX_HTTP_NEWS_STATS_ARTICLES_SQL,
    NGX_HTTP_NEWS_STATS_TOP_SQL,
    NGX_HTTP_NEWS_STATS_DAYS_LIST_SQL,

    /*
     * NGX_HTTP_NEWS_STATS_JSON: the whole answer, escaped by SQLite; a
     * list through a subquery loses its JSON subtype, json() gives it back
     */
    "SELECT json_object("
    " 'info_code', ?1, 'region', ?2, 'from', ?3, 'to', ?4,"
    " 'regions', json((SELECT json_group_array(json_object("
    "   'region', key, 'name'," NGX_HTTP_NEWS_STATS_NAME("r.key") ","
    "   'views', views, 'bot_views', bot_views))"
    "   FROM (SELECT region AS key," NGX_HTTP_NEWS_STATS_SUMS_AS
    NGX_HTTP_NEWS_STATS_FILTER
    "   GROUP BY region ORDER BY views DESC, region LIMIT 500) r)),"
    " 'articles', json((SELECT json_group_array(json_object("
    "   'info_code', key, 'region', region,"
    "   'name'," NGX_HTTP_NEWS_STATS_NAME("a.region") ","
    "   'views', views, 'bot_views', bot_views))"
    "   FROM (SELECT info_code AS key, region," NGX_HTTP_NEWS_STATS_SUMS_AS
    NGX_HTTP_NEWS_STATS_FILTER
    "   GROUP BY info_code, region"
    "   ORDER BY views DESC, info_code, region LIMIT 1000) a)),"
    " 'days', json((SELECT json_group_array(json_object("
    "   'day', key, 'views', views, 'bot_views', bot_views))"
    "   FROM (" NGX_HTTP_NEWS_STATS_DAYS_SQL "))),"
    " 'top', json((SELECT json_group_array(json_object("
    "   'info_code', key, 'views', views))"
    "   FROM (SELECT info_code AS key," NGX_HTTP_NEWS_STATS_SUMS_AS
    NGX_HTTP_NEWS_STATS_FILTER
    "   GROUP BY info_code ORDER BY views DESC, info_code LIMIT 20))))"
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

    ngx_http_news_stats_titles(r, rows);

    ngx_memzero(vars, sizeof(vars));

    if (ngx_http_news_stats_page(r, &q, rows, vars) != NGX_OK) {
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
            /* the form's date field left empty: no bound */
            if (q->arg[i].len == 0) {
                ngx_str_null(&q->arg[i]);
                break;
            }

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

    stmt = ngx_http_news_stats_bind(r, db, which, q);

    while ((rc = ngx_http_news_sqlite_step(stmt, &err)) == NGX_OK) {
        row = ngx_array_push(rows);

        if (row == NULL
            || ngx_http_news_sqlite_text(r->pool, stmt, 0, &row->key)
               != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 1, &row->region)
               != NGX_OK
            || ngx_http_news_sqlite_text(r->pool, stmt, 4, &row->name)
               != NGX_OK)
        {
            rc = NGX_ABORT;
            break;
        }

        ngx_str_set(&row->title, "");
        ngx_str_set(&row->url, "");

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

    stmt = ngx_http_news_stats_bind(r, db, NGX_HTTP_NEWS_STATS_JSON, q);

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
ngx_http_news_stats_bind(ngx_http_request_t *r, ngx_http_news_stats_db_t *db,
    ngx_uint_t which, ngx_http_news_stats_query_t *q)
{
    ngx_uint_t                 i;
    sqlite3_stmt              *stmt;
    ngx_http_news_loc_conf_t  *nlcf;

    stmt = db->stmt[which];

    for (i = 0; i < 4; i++) {
        if (q->arg[i].data != NULL) {
            sqlite3_bind_text(stmt, i + 1, (char *) q->arg[i].data,
                              q->arg[i].len, SQLITE_STATIC);
        }
    }

    if (sqlite3_bind_parameter_count(stmt) < 6) {
        return stmt;
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    sqlite3_bind_text(stmt, 5, (char *) nlcf->language.data,
                      nlcf->language.len, SQLITE_STATIC);

    if (nlcf->chinese) {
        sqlite3_bind_text(stmt, 6, "zh-CN", 5, SQLITE_STATIC);
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
