
/*
 * Copyright (C) ngx_news_module authors
 *
 * Sitemaps, news_sitemap: at its URI (/sitemap.xml) a sitemap of every
 * URL of the site while there are news_sitemap_size of them or fewer,
 * else an index of parts at <stem>-<n>.xml.  The articles come first,
 * oldest first, news_sitemap_size a part, so that a full part stays as it
 * is when a post arrives; after them the lists (categories, tags, the
 * home page), whose lastmod moves with every post.  Where each part of
 * articles starts is found in one pass over posts_by_date, once per
 * database change, and kept in the render cache, as pages.c keeps the
 * ends of a list's pages: a part is then one index range scan.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_db.h"


/* the protocol's bounds: URLs in a sitemap, sitemaps in an index */
#define NGX_HTTP_NEWS_SITEMAP_MAX    50000

#define NGX_HTTP_NEWS_SITEMAP_XMLNS                                          \
    "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\""


/* the cached ends: the counts, then the last post of each full part */
typedef struct {
    uint64_t                    articles;
    uint64_t                    lists;
} ngx_http_news_sitemap_ends_t;


static ngx_int_t ngx_http_news_sitemap_uri(ngx_http_request_t *r,
    ngx_str_t *stem, ngx_uint_t *part);
static ngx_int_t ngx_http_news_sitemap_ends(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_str_t *value);
static ngx_int_t ngx_http_news_sitemap_index(ngx_http_request_t *r,
    ngx_str_t *stem, ngx_uint_t parts, ngx_http_news_out_t *out);


/* the articles' order, oldest first, for the parts' ends; ?3 now */

const char  ngx_http_news_sitemap_ends_sql[] =
    "SELECT p.published_ts, p.id FROM posts p"
    " WHERE p.status = 'published' AND p.published_ts <= ?3"
    " ORDER BY p.published_ts, p.id";


ngx_int_t
ngx_http_news_sitemap_handler(ngx_http_request_t *r)
{
    time_t                         last_modified;
    ngx_int_t                      rc;
    ngx_str_t                      stem, key, gzip_key, what, ends, body;
    ngx_str_t                      none;
    ngx_uint_t                     part, size, articles, parts, count, gzip;
    ngx_http_news_out_t            out;
    ngx_http_news_cache_t         *cache;
    ngx_http_news_page_t          *cached;
    ngx_http_news_anchor_t         after, *start;
    ngx_http_news_loc_conf_t      *nlcf;
    ngx_http_news_sitemap_ends_t   hdr;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);
    size = nlcf->sitemap_size;

    rc = ngx_http_news_sitemap_uri(r, &stem, &part);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: \"%V\" is not a sitemap URL", &r->uri);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    rc = ngx_http_news_db_ready(nlcf->db, r->connection->log);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    /* the document depends on the part size and, in an index, the URI */

    ngx_http_news_out_init(&out, r->pool, r->uri.len + NGX_INT_T_LEN + 1);
    ngx_http_news_out_uint(&out, size);
    ngx_http_news_out_add(&out, r->uri.data, r->uri.len);

    if (ngx_http_news_out_str(&out, &what) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /*
     * a document kept as it is, or compressed, when it is too big for
     * that and the client takes gzip; the key made last is the request's,
     * where an error is kept
     */

    cache = ngx_http_news_db_cache(nlcf->db);
    gzip = ngx_http_news_gzip_wanted(r, cache);

    if ((ngx_http_news_cache_keeps(cache, 1)
         && ngx_http_news_cache_key(r, NGX_HTTP_NEWS_CACHE_GZIP, &what, 0,
                                    &gzip_key)
            != NGX_OK)
        || ngx_http_news_cache_key(r, NGX_HTTP_NEWS_CACHE_SITEMAP, &what, 0,
                                   &key)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cached = ngx_http_news_cache_get(r, cache, &key);

    if (cached != NULL) {
        return ngx_http_news_send_page(r, cached);
    }

    /* kept compressed: as it is, or decompressed for this client */

    cached = ngx_http_news_cache_keeps(cache, 1)
             ? ngx_http_news_cache_get(r, cache, &gzip_key) : NULL;

    if (cached != NULL) {
        if (gzip) {
            return ngx_http_news_send_page(r, cached);
        }

        rc = ngx_http_news_send_gunzipped(r, cached, &key);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    ngx_http_news_db_begin(r, nlcf->db);

    rc = ngx_http_news_sitemap_ends(r, nlcf->db, &ends);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    ngx_memcpy(&hdr, ends.data, sizeof(ngx_http_news_sitemap_ends_t));

    articles = (hdr.articles + size - 1) / size;
    parts = ngx_min(articles + (hdr.lists + size - 1) / size,
                    NGX_HTTP_NEWS_SITEMAP_MAX);

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news sitemap part %ui of %ui, %uL articles, %uL lists",
                   part, parts, hdr.articles, hdr.lists);

    if (part
        && (part > parts || hdr.articles + hdr.lists <= size
            || (part <= articles && part > 1
                && sizeof(ngx_http_news_sitemap_ends_t)
                   + (part - 1) * sizeof(ngx_http_news_anchor_t)
                   > ends.len)))
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: the sitemap has no part %ui", part);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    ngx_http_news_out_init(&out, r->pool, 64 * 1024);

    ngx_http_news_out_lit(&out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");

    last_modified = 0;

    if (part == 0 && hdr.articles + hdr.lists > size) {
        rc = ngx_http_news_sitemap_index(r, &stem, parts, &out);
        goto done;
    }

    ngx_http_news_out_lit(&out, "<urlset " NGX_HTTP_NEWS_SITEMAP_XMLNS ">\n");

    if (part == 0) {
        /* all of the site's URLs in one */
        rc = ngx_http_news_sitemap_articles(r, nlcf->db, NULL, size, &out,
                                            &last_modified);
        if (rc == NGX_OK) {
            rc = ngx_http_news_sitemap_lists(r, nlcf->db, 0, size, &out,
                                             &count);
        }

    } else if (part <= articles) {
        start = NULL;

        if (part > 1) {
            ngx_memcpy(&after, ends.data
                               + sizeof(ngx_http_news_sitemap_ends_t)
                               + (part - 2) * sizeof(ngx_http_news_anchor_t),
                       sizeof(ngx_http_news_anchor_t));
            start = &after;
        }

        rc = ngx_http_news_sitemap_articles(r, nlcf->db, start, size, &out,
                                            &last_modified);

    } else {
        rc = ngx_http_news_sitemap_lists(r, nlcf->db,
                                         (part - articles - 1) * size, size,
                                         &out, &count);
    }

    ngx_http_news_out_lit(&out, "</urlset>\n");

done:

    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    if (ngx_http_news_out_str(&out, &body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (gzip && !ngx_http_news_cache_keeps(cache, body.len)) {
        ngx_http_news_db_end(nlcf->db);

        rc = ngx_http_news_send_gzip(r, cache, NGX_HTTP_NEWS_KIND_XML, &body,
                                     last_modified, &gzip_key);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    ngx_str_null(&none);

    return ngx_http_news_send_body(r, NGX_HTTP_NEWS_KIND_XML, &body,
                                   last_modified, &key, &none);
}


/*
 * the sitemap's stem and which part the URI names: "/sitemap.xml" is
 * the stem "/sitemap" and part 0 (the sitemap or the index), and
 * "/sitemap-3.xml" part 3 of it; NGX_DECLINED for a part number that is
 * not one ("-0", "-03"), so that each part has one URL
 */

static ngx_int_t
ngx_http_news_sitemap_uri(ngx_http_request_t *r, ngx_str_t *stem,
    ngx_uint_t *part)
{
    u_char      *p, *digits, *end;
    ngx_uint_t   n;

    *stem = r->uri;
    *part = 0;

    if (stem->len > 4
        && ngx_strncmp(stem->data + stem->len - 4, ".xml", 4) == 0)
    {
        stem->len -= 4;
    }

    end = stem->data + stem->len;

    for (digits = end;
         digits > stem->data && digits[-1] >= '0' && digits[-1] <= '9';
         digits--)
    {
        /* void */
    }

    if (digits == end || digits - 1 <= stem->data || digits[-1] != '-') {
        return NGX_OK;
    }

    if (*digits == '0' || end - digits > 5) {
        return NGX_DECLINED;
    }

    n = 0;

    for (p = digits; p < end; p++) {
        n = n * 10 + (*p - '0');
    }

    *part = n;
    stem->len = digits - 1 - stem->data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_news_sitemap_index(ngx_http_request_t *r, ngx_str_t *stem,
    ngx_uint_t parts, ngx_http_news_out_t *out)
{
    ngx_str_t   base;
    ngx_uint_t  i;

    if (ngx_http_news_base_url(r, &base) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_news_out_lit(out, "<sitemapindex " NGX_HTTP_NEWS_SITEMAP_XMLNS
                               ">\n");

    for (i = 1; i <= parts; i++) {
        ngx_http_news_out_lit(out, "<sitemap><loc>");
        ngx_http_news_out_xml(out, &base);
        ngx_http_news_out_xml(out, stem);
        ngx_http_news_out_lit(out, "-");
        ngx_http_news_out_uint(out, i);
        ngx_http_news_out_lit(out, ".xml</loc></sitemap>\n");
    }

    ngx_http_news_out_lit(out, "</sitemapindex>\n");

    return out->failed ? NGX_ERROR : NGX_OK;
}


/* where each part of the articles starts: from the cache, or found */

static ngx_int_t
ngx_http_news_sitemap_ends(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_str_t *value)
{
    u_char                        *p;
    uint64_t                       n;
    ngx_int_t                      rc;
    ngx_str_t                      key, what, none, page_key;
    ngx_uint_t                     size, lists;
    ngx_array_t                    ends;
    sqlite3_stmt                  *stmt;
    ngx_http_news_ctx_t           *ctx;
    ngx_http_news_out_t            out;
    ngx_http_news_page_t          *cached;
    ngx_http_news_anchor_t        *end;
    ngx_http_news_loc_conf_t      *nlcf;
    ngx_http_news_sitemap_ends_t   hdr;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);
    size = nlcf->sitemap_size;

    /* no URI starts so: the ends are never taken for a document */

    ngx_http_news_out_init(&out, r->pool, NGX_INT_T_LEN + 8);
    ngx_http_news_out_lit(&out, "ends:");
    ngx_http_news_out_uint(&out, size);

    /* the document's own key stays the request's: its 404 is kept there */

    ctx = ngx_http_news_get_ctx(r);
    page_key = ctx ? ctx->page_key : (ngx_str_t) ngx_null_string;

    if (ngx_http_news_out_str(&out, &what) != NGX_OK
        || ngx_http_news_cache_key(r, NGX_HTTP_NEWS_CACHE_SITEMAP, &what, 0,
                                   &key)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ctx != NULL) {
        ctx->page_key = page_key;
    }

    cached = ngx_http_news_cache_get(r, ngx_http_news_db_cache(db), &key);

    if (cached != NULL
        && cached->body.len >= sizeof(ngx_http_news_sitemap_ends_t))
    {
        *value = cached->body;
        return NGX_OK;
    }

    if (ngx_array_init(&ends, r->pool, 16, sizeof(ngx_http_news_anchor_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    stmt = db->stmt[NGX_HTTP_NEWS_STMT_SITEMAP_ENDS];

    ngx_http_news_depends(r, NGX_HTTP_NEWS_DEP_LIST, 0);

    sqlite3_bind_int64(stmt, 3, ngx_time());

    n = 0;

    for ( ;; ) {
        rc = ngx_http_news_db_step(db, stmt, r->connection->log);
        if (rc != NGX_OK) {
            break;
        }

        if (++n % size || ends.nelts == NGX_HTTP_NEWS_SITEMAP_MAX) {
            continue;
        }

        end = ngx_array_push(&ends);
        if (end == NULL) {
            rc = NGX_ERROR;
            break;
        }

        end->published_ts = sqlite3_column_int64(stmt, 0);
        end->id = sqlite3_column_int64(stmt, 1);
    }

    rc = ngx_http_news_db_result(db, stmt, rc);
    if (rc != NGX_OK) {
        return rc;
    }

    rc = ngx_http_news_sitemap_lists(r, db, 0, 0, NULL, &lists);
    if (rc != NGX_OK) {
        return rc;
    }

    hdr.articles = n;
    hdr.lists = lists;

    value->len = sizeof(ngx_http_news_sitemap_ends_t)
                 + ends.nelts * sizeof(ngx_http_news_anchor_t);
    value->data = ngx_pnalloc(r->pool, value->len);
    if (value->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(value->data, &hdr, sizeof(ngx_http_news_sitemap_ends_t));

    if (ends.nelts) {
        ngx_memcpy(p, ends.elts, ends.nelts * sizeof(ngx_http_news_anchor_t));
    }

    ngx_str_null(&none);

    (void) ngx_http_news_cache_put_str(r, ngx_http_news_db_cache(db), &key,
                                       value, &none);

    return NGX_OK;
}


/* a part of the articles, or all of them: <url>s with their lastmod */


/* "YYYY-MM-DD HH:MM:SS+HH:MM", as the schema keeps times */

ngx_uint_t
ngx_http_news_w3c_datetime(ngx_str_t *s)
{
    ngx_uint_t         i;
    static const char  shape[] = "dddd-dd-dd dd:dd:dd+dd:dd";

    if (s->len != NGX_HTTP_NEWS_W3C_LEN) {
        return 0;
    }

    for (i = 0; i < s->len; i++) {
        if (shape[i] == 'd') {
            if (s->data[i] < '0' || s->data[i] > '9') {
                return 0;
            }

        } else if (shape[i] == '+') {
            if (s->data[i] != '+' && s->data[i] != '-') {
                return 0;
            }

        } else if (s->data[i] != (u_char) shape[i]) {
            return 0;
        }
    }

    return 1;
}


/* news_sitemap [news]; */

char *
ngx_http_news_sitemap(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (nlcf->handler != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 1) {
        nlcf->handler = ngx_http_news_sitemap_handler;

    } else if (ngx_strcmp(value[1].data, "news") == 0) {
        nlcf->handler = ngx_http_news_sitemap_news_handler;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = nlcf->handler;

    return NGX_CONF_OK;
}
