
/*
 * Copyright (C) ngx_news_module authors
 *
 * Where a reader is: the connection's address (after the realip module)
 * looked up in a MaxMind DB, as a region "<country>-<subdivision>", the
 * country alone, or "ZZ"; and the $news_* variables.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static void ngx_http_news_geo_lookup(ngx_http_request_t *r,
    ngx_http_news_geo_t *geo, ngx_http_news_ctx_t *ctx);
static ngx_int_t ngx_http_news_iso_code(MMDB_entry_data_s *data,
    size_t min, size_t max);
static void ngx_http_news_geo_error(ngx_http_request_t *r,
    ngx_http_news_geo_t *geo, int status);
static ngx_int_t ngx_http_news_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_news_vars[] = {

    { ngx_string("news_country"), NULL, ngx_http_news_variable,
      offsetof(ngx_http_news_ctx_t, country), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("news_region"), NULL, ngx_http_news_variable,
      offsetof(ngx_http_news_ctx_t, region), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("news_info_code"), NULL, ngx_http_news_variable,
      offsetof(ngx_http_news_ctx_t, info_code), NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


char *
ngx_http_news_geoip_db(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_main_conf_t *mcf = conf;

    int                   status;
    ngx_str_t            *value;
    ngx_http_news_geo_t  *geo;

    if (mcf->geo != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    geo = ngx_pcalloc(cf->pool, sizeof(ngx_http_news_geo_t));
    if (geo == NULL) {
        return NGX_CONF_ERROR;
    }

    geo->path = value[1];

    if (ngx_conf_full_name(cf->cycle, &geo->path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* opened once here so that "nginx -t" names a missing or bad file */

    status = MMDB_open((char *) geo->path.data, MMDB_MODE_MMAP, &geo->mmdb);

    if (status != MMDB_SUCCESS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf,
                           status == MMDB_IO_ERROR ? ngx_errno : 0,
                           "news_geoip_db \"%V\": %s", &geo->path,
                           MMDB_strerror(status));
        return NGX_CONF_ERROR;
    }

    MMDB_close(&geo->mmdb);

    mcf->geo = geo;

    return NGX_CONF_OK;
}


void
ngx_http_news_geo_open(ngx_cycle_t *cycle)
{
    int                         status;
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_news_module);

    if (mcf == NULL || mcf->geo == NULL) {
        return;
    }

    status = MMDB_open((char *) mcf->geo->path.data, MMDB_MODE_MMAP,
                       &mcf->geo->mmdb);

    if (status != MMDB_SUCCESS) {
        /* readers are still served and counted, as "ZZ" */
        ngx_log_error(NGX_LOG_ERR, cycle->log,
                      status == MMDB_IO_ERROR ? ngx_errno : 0,
                      "news: cannot open GeoIP database \"%V\": %s",
                      &mcf->geo->path, MMDB_strerror(status));
        return;
    }

    mcf->geo->open = 1;
}


void
ngx_http_news_geo_close(ngx_cycle_t *cycle)
{
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_news_module);

    if (mcf == NULL || mcf->geo == NULL || !mcf->geo->open) {
        return;
    }

    MMDB_close(&mcf->geo->mmdb);
    mcf->geo->open = 0;
}


ngx_int_t
ngx_http_news_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_news_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


ngx_http_news_ctx_t *
ngx_http_news_get_ctx(ngx_http_request_t *r)
{
    ngx_http_news_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_news_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_news_module);
    }

    return ctx;
}


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

    if (mcf->geo != NULL && mcf->geo->open) {
        ngx_http_news_geo_lookup(r, mcf->geo, ctx);
    }

    return ctx;
}


static void
ngx_http_news_geo_lookup(ngx_http_request_t *r, ngx_http_news_geo_t *geo,
    ngx_http_news_ctx_t *ctx)
{
    int                    mmdb_error, status;
    u_char                *p;
    struct sockaddr       *sa;
    MMDB_entry_data_s      country, sub;
    MMDB_lookup_result_s   res;
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
        return;
    }

    res = MMDB_lookup_sockaddr(&geo->mmdb, sa, &mmdb_error);

    if (mmdb_error != MMDB_SUCCESS) {
        ngx_http_news_geo_error(r, geo, mmdb_error);
        return;
    }

    if (!res.found_entry) {
        return;
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
        return;
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
        return;
    }

    *p++ = '-';
    p = ngx_cpymem(p, sub.utf8_string, sub.data_size);

    ctx->region.len = p - ctx->region_buf;
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
    if (geo->error_logged) {
        return;
    }

    geo->error_logged = 1;

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "news: GeoIP lookup in \"%V\" failed: %s, "
                  "readers are counted as \"ZZ\"",
                  &geo->path, MMDB_strerror(status));
}


static ngx_int_t
ngx_http_news_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    ngx_str_t            *s;
    ngx_http_news_ctx_t  *ctx;

    if (data == offsetof(ngx_http_news_ctx_t, info_code)) {
        ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

    } else {
        ctx = ngx_http_news_locate(r);
    }

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    s = (ngx_str_t *) ((char *) ctx + data);

    v->len = s->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = s->data;

    return NGX_OK;
}
