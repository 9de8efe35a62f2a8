
/*
 * Copyright (C) ngx_news_module authors
 *
 * Where a reader is: the connection's address (after the realip module)
 * looked up in the MaxMind DB's copy, as a region "<country>-<subdivision>",
 * the country alone, or "ZZ"; and a region's names as the file has them.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_geo.h"


static void ngx_http_news_geo_lookup(ngx_http_request_t *r,
    ngx_http_news_geo_t *geo, ngx_http_news_ctx_t *ctx);
static ngx_int_t ngx_http_news_geo_entry(ngx_http_request_t *r,
    ngx_http_news_geo_t *geo, MMDB_lookup_result_s *res);
static ngx_int_t ngx_http_news_iso_code(MMDB_entry_data_s *data,
    size_t min, size_t max);
static void ngx_http_news_geo_error(ngx_http_request_t *r,
    ngx_http_news_geo_t *geo, int status);


/* the languages of GeoIP2's names */
static const char  *ngx_http_news_geo_langs[] = {
    "en", "zh-CN", "de", "es", "fr", "ja", "pt-BR", "ru"
};


/* the request's country and region, looked up once */

ngx_http_news_ctx_t *
ngx_http_news_locate(ngx_http_request_t *r)
{
    ngx_http_news_ctx_t        *ctx;
    ngx_http_news_main_conf_t  *mcf;

    ctx = ngx_http_news_get_ctx(r);

    if (ctx == NULL || ctx->located) {
        return ctx;
    }

    ctx->located = 1;
    ngx_str_set(&ctx->country, "ZZ");
    ngx_str_set(&ctx->region, "ZZ");

    mcf = ngx_http_get_module_main_conf(r, ngx_http_news_module);

    if (mcf->geo == NULL) {
        return ctx;
    }

    ngx_http_news_geo_check(mcf->geo);

    if (mcf->geo->open) {
        ngx_http_news_geo_lookup(r, mcf->geo, ctx);
    }

    return ctx;
}


static void
ngx_http_news_geo_lookup(ngx_http_request_t *r, ngx_http_news_geo_t *geo,
    ngx_http_news_ctx_t *ctx)
{
    int                        status;
    u_char                    *p;
    ngx_int_t                  rc;
    MMDB_entry_data_s          country, sub;
    MMDB_lookup_result_s       res;
    ngx_http_news_geo_memo_t  *m;

    rc = ngx_http_news_geo_entry(r, geo, &res);

    if (rc != NGX_OK) {
        if (rc == NGX_DECLINED) {
            ngx_http_news_metric_add(geo_not_found, 1);
        }

        return;
    }

    m = NULL;

    if (geo->memo != NULL) {
        /* the product's high byte: its low bits are the offset's own */
        m = &geo->memo[(uint32_t) (res.entry.offset * 2654435761U) >> 24];

        if (m->offset == res.entry.offset + 1) {
            if (m->len == 0) {
                ngx_http_news_metric_add(geo_not_found, 1);

            } else {
                ngx_http_news_metric_add(geo_found, 1);
                ngx_memcpy(ctx->region_buf, m->region, m->len);
                ctx->region.data = ctx->region_buf;
                ctx->region.len = m->len;
                ctx->country.data = ctx->region_buf;
                ctx->country.len = m->country;
            }

            return;
        }

        /* remembered below once the record is read whole, not before */
        m->offset = 0;
    }

    status = MMDB_get_value(&res.entry, &country, "country", "iso_code",
                            NULL);

    if (status != MMDB_SUCCESS
        && status != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
    {
        ngx_http_news_geo_error(r, geo, status);
        return;
    }

    if (status != MMDB_SUCCESS
        || ngx_http_news_iso_code(&country, 2, 2) != NGX_OK)
    {
        goto done;
    }

    p = ngx_cpymem(ctx->region_buf, country.utf8_string, 2);

    ctx->country.data = ctx->region_buf;
    ctx->country.len = 2;
    ctx->region = ctx->country;

    status = MMDB_get_value(&res.entry, &sub, "subdivisions", "0",
                            "iso_code", NULL);

    if (status != MMDB_SUCCESS
        && status != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR
        && status != MMDB_INVALID_LOOKUP_PATH_ERROR)
    {
        /* a record that cannot be read whole is not half believed */
        ngx_str_set(&ctx->country, "ZZ");
        ngx_str_set(&ctx->region, "ZZ");
        ngx_http_news_geo_error(r, geo, status);
        return;
    }

    if (status != MMDB_SUCCESS
        || ngx_http_news_iso_code(&sub, 1, 3) != NGX_OK)
    {
        goto done;
    }

    *p++ = '-';
    p = ngx_cpymem(p, sub.utf8_string, sub.data_size);

    ctx->region.len = p - ctx->region_buf;

done:

    if (ctx->country.data == ctx->region_buf) {
        ngx_http_news_metric_add(geo_found, 1);

    } else {
        ngx_http_news_metric_add(geo_not_found, 1);
    }

    if (m == NULL) {
        return;
    }

    /* "ZZ" as none: len 0 */

    m->len = 0;

    if (ctx->country.data == ctx->region_buf) {
        m->len = (u_char) ctx->region.len;
        m->country = (u_char) ctx->country.len;
        ngx_memcpy(m->region, ctx->region.data, ctx->region.len);
    }

    m->offset = res.entry.offset + 1;
}


/* a new file: what the last one said of its records is forgotten */

void
ngx_http_news_geo_forget(ngx_http_news_geo_t *geo, ngx_pool_t *pool)
{
    if (geo->memo == NULL) {
        geo->memo = ngx_palloc(pool, NGX_HTTP_NEWS_GEO_MEMO
                                     * sizeof(*geo->memo));
        if (geo->memo == NULL) {
            return;
        }
    }

    ngx_memzero(geo->memo, NGX_HTTP_NEWS_GEO_MEMO * sizeof(*geo->memo));
}


/* the reader's record: NGX_OK when the address is in the file */

static ngx_int_t
ngx_http_news_geo_entry(ngx_http_request_t *r, ngx_http_news_geo_t *geo,
    MMDB_lookup_result_s *res)
{
    int                    mmdb_error;
    struct sockaddr       *sa;
#if (NGX_HAVE_INET6)
    u_char                *a;
    struct sockaddr_in     sin;
    struct sockaddr_in6   *sin6;
#endif

    sa = r->connection->sockaddr;

#if (NGX_HAVE_INET6)
    if (sa->sa_family == AF_INET6) {
        sin6 = (struct sockaddr_in6 *) sa;

        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            /* ::ffff:a.b.c.d is a.b.c.d, in the IPv4 part of the tree */
            a = sin6->sin6_addr.s6_addr;

            ngx_memzero(&sin, sizeof(struct sockaddr_in));
            sin.sin_family = AF_INET;
            ngx_memcpy(&sin.sin_addr.s_addr, a + 12, 4);
            sa = (struct sockaddr *) &sin;
        }
    }
#endif

    if (sa->sa_family != AF_INET
#if (NGX_HAVE_INET6)
        && sa->sa_family != AF_INET6
#endif
       )
    {
        return NGX_DECLINED;
    }

    *res = MMDB_lookup_sockaddr(&geo->mmdb, sa, &mmdb_error);

    if (mmdb_error != MMDB_SUCCESS) {
        ngx_http_news_geo_error(r, geo, mmdb_error);
        return NGX_ERROR;
    }

    return res->found_entry ? NGX_OK : NGX_DECLINED;
}


/*
 * the names of the request's region (its subdivision's, or its country's
 * when it has none) in each language the file lists, pointing into the
 * file: good until the request ends.  Looked up again, as the record is
 * not kept; asked for once a worker and region, so the cost is no matter.
 * NGX_DECLINED when the file now puts the reader elsewhere.
 */

ngx_int_t
ngx_http_news_region_names(ngx_http_request_t *r, ngx_str_t *region,
    ngx_array_t *names)
{
    int                           status;
    size_t                        i, k, len, nlangs;
    ngx_uint_t                    sub;
    const char                   *lang;
    MMDB_entry_data_s             v;
    MMDB_lookup_result_s          res;
    ngx_http_news_geo_t          *geo;
    ngx_http_news_region_name_t  *n;
    ngx_http_news_main_conf_t    *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_news_module);
    geo = mcf->geo;

    if (geo == NULL || !geo->open
        || ngx_http_news_geo_entry(r, geo, &res) != NGX_OK)
    {
        return NGX_DECLINED;
    }

    status = MMDB_get_value(&res.entry, &v, "country", "iso_code", NULL);

    if (status != MMDB_SUCCESS || ngx_http_news_iso_code(&v, 2, 2) != NGX_OK
        || region->len < 2 || ngx_strncmp(region->data, v.utf8_string, 2))
    {
        return NGX_DECLINED;
    }

    sub = (region->len > 3);

    if (sub) {
        status = MMDB_get_value(&res.entry, &v, "subdivisions", "0",
                                "iso_code", NULL);

        if (status != MMDB_SUCCESS
            || ngx_http_news_iso_code(&v, 1, 3) != NGX_OK
            || v.data_size != region->len - 3
            || ngx_strncmp(region->data + 3, v.utf8_string, v.data_size))
        {
            return NGX_DECLINED;
        }
    }

    /*
     * GeoIP2's languages, then any other the file lists: the metadata
     * need not name the keys of its maps ("zh" in MaxMind's test files,
     * whose names are "zh-CN")
     */

    nlangs = sizeof(ngx_http_news_geo_langs) / sizeof(char *);

    for (i = 0; i < nlangs + geo->mmdb.metadata.languages.count && i < 32;
         i++)
    {
        lang = (i < nlangs) ? ngx_http_news_geo_langs[i]
                            : geo->mmdb.metadata.languages.names[i - nlangs];
        len = ngx_strlen(lang);

        if (len == 0 || len > 35) {
            continue;
        }

        if (i >= nlangs) {
            for (k = 0; k < nlangs; k++) {
                if (ngx_strcmp(lang, ngx_http_news_geo_langs[k]) == 0) {
                    break;
                }
            }

            if (k < nlangs) {
                continue;
            }
        }

        status = sub ? MMDB_get_value(&res.entry, &v, "subdivisions", "0",
                                      "names", lang, NULL)
                     : MMDB_get_value(&res.entry, &v, "country", "names",
                                      lang, NULL);

        if (status != MMDB_SUCCESS || !v.has_data
            || v.type != MMDB_DATA_TYPE_UTF8_STRING
            || v.data_size == 0 || v.data_size > 255)
        {
            continue;
        }

        n = ngx_array_push(names);
        if (n == NULL) {
            return NGX_ERROR;
        }

        n->lang.data = (u_char *) lang;
        n->lang.len = len;
        n->name.data = (u_char *) v.utf8_string;
        n->name.len = v.data_size;
    }

    return NGX_OK;
}


/* what a region may be made of: upper-case letters and digits */

static ngx_int_t
ngx_http_news_iso_code(MMDB_entry_data_s *data, size_t min, size_t max)
{
    size_t       i;
    const char  *s;

    if (!data->has_data || data->type != MMDB_DATA_TYPE_UTF8_STRING
        || data->data_size < min || data->data_size > max)
    {
        return NGX_DECLINED;
    }

    s = data->utf8_string;

    for (i = 0; i < data->data_size; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
        {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


/* a broken file is said once a worker, not once a request */

static void
ngx_http_news_geo_error(ngx_http_request_t *r, ngx_http_news_geo_t *geo,
    int status)
{
    ngx_http_news_metric_add(geo_errors, 1);

    if (geo->error_logged) {
        return;
    }

    geo->error_logged = 1;

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "news: GeoIP lookup in \"%V\" failed: %s, "
                  "readers are counted as \"ZZ\"",
                  &geo->path, MMDB_strerror(status));
}

