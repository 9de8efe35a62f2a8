
/*
 * Copyright (C) ngx_news_module authors
 *
 * robots.txt, news_robots: every crawler allowed everywhere, the lines
 * of news_robots_extra (read when the configuration is), and a Sitemap
 * line for each news_robots_sitemap, absolute, as the protocol wants.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


/* more is not a robots.txt: Google reads the first 500 KiB */
#define NGX_HTTP_NEWS_ROBOTS_MAX  (500 * 1024)


ngx_int_t
ngx_http_news_robots_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_str_t                  base, key, body, none, *uri;
    ngx_uint_t                 i;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    /*
     * made from the configuration alone, in no time: not kept in the
     * render cache, where two locations' files could not be told apart
     */

    ngx_str_null(&key);

    if (ngx_http_news_base_url(r, &base) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, 256 + nlcf->robots_extra.len);

    ngx_http_news_out_lit(&out, "User-agent: *\nAllow: /\n");
    ngx_http_news_out_add(&out, nlcf->robots_extra.data,
                          nlcf->robots_extra.len);

    if (nlcf->robots_sitemaps != NULL) {
        /* a Sitemap line belongs to no group of user agents */
        ngx_http_news_out_lit(&out, "\n");

        uri = nlcf->robots_sitemaps->elts;

        for (i = 0; i < nlcf->robots_sitemaps->nelts; i++) {
            ngx_http_news_out_lit(&out, "Sitemap: ");

            if (uri[i].data[0] == '/') {
                ngx_http_news_out_add(&out, base.data, base.len);
            }

            ngx_http_news_out_add(&out, uri[i].data, uri[i].len);
            ngx_http_news_out_lit(&out, "\n");
        }
    }

    if (ngx_http_news_out_str(&out, &body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_null(&none);

    /* as new as the configuration: the file's lines were read with it */

    return ngx_http_news_send_body(r, NGX_HTTP_NEWS_KIND_TEXT, &body,
                                   nlcf->robots_time, &key, &none);
}


/* news_robots_sitemap uri; a path on the site or an absolute URL */

char *
ngx_http_news_robots_sitemap(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t   *value, *uri;
    ngx_uint_t   i;

    value = cf->args->elts;

    for (i = 0; i < value[1].len; i++) {
        if (value[1].data[i] <= ' ' || value[1].data[i] == 0x7f) {
            break;
        }
    }

    if (i < value[1].len
        || !((value[1].len > 1 && value[1].data[0] == '/'
              && value[1].data[1] != '/')
             || ngx_strncmp(value[1].data, "http://", 7) == 0
             || ngx_strncmp(value[1].data, "https://", 8) == 0))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", it must be a path or an "
                           "http or https URL", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (nlcf->robots_sitemaps == NGX_CONF_UNSET_PTR) {
        nlcf->robots_sitemaps = ngx_array_create(cf->pool, 2,
                                                 sizeof(ngx_str_t));
        if (nlcf->robots_sitemaps == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    uri = ngx_array_push(nlcf->robots_sitemaps);
    if (uri == NULL) {
        return NGX_CONF_ERROR;
    }

    *uri = value[1];

    return NGX_CONF_OK;
}


/*
 * news_robots_extra file; its lines as they are, each ended by a newline;
 * read now: a robots.txt answered from the worker costs no file read
 */

char *
ngx_http_news_robots_extra(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    u_char           *p;
    ssize_t           n;
    ngx_str_t        *value, name;
    ngx_file_t        file;
    ngx_file_info_t   fi;

    if (nlcf->robots_extra.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));

    file.name = name;
    file.log = cf->log;

    file.fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &name);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%V\" failed", &name);
        goto failed;
    }

    if (ngx_file_size(&fi) > NGX_HTTP_NEWS_ROBOTS_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is larger than %d bytes", &name,
                           NGX_HTTP_NEWS_ROBOTS_MAX);
        goto failed;
    }

    p = ngx_pnalloc(cf->pool, ngx_file_size(&fi) + 1);
    if (p == NULL) {
        goto failed;
    }

    n = ngx_read_file(&file, p, ngx_file_size(&fi), 0);

    if (n == NGX_ERROR) {
        goto failed;
    }

    if (ngx_strlchr(p, p + n, '\0') != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not a text file", &name);
        goto failed;
    }

    /* the last line ended, so that the Sitemap lines start their own */

    if (n > 0 && p[n - 1] != '\n') {
        p[n++] = '\n';
    }

    nlcf->robots_extra.data = p;
    nlcf->robots_extra.len = n;
    nlcf->robots_time = ngx_file_mtime(&fi);

    if (ngx_close_file(file.fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &name);
    }

    return NGX_CONF_OK;

failed:

    if (ngx_close_file(file.fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &name);
    }

    return NGX_CONF_ERROR;
}
