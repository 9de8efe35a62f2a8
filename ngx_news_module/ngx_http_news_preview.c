
/*
 * Copyright (C) ngx_news_module authors
 *
 * Previews: a share link with "&preview=EXPIRY.SIG" shows a draft or a
 * scheduled post as it will look, to whoever holds the link.  SIG is the
 * hex HMAC-SHA256 of "CODE.EXPIRY" keyed with news_preview_secret, as
 * "newsctl preview-url" makes it.  A preview is never cached, counted or
 * indexed; a wrong or expired link is the 404 of an unknown post.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>


#define NGX_HTTP_NEWS_SECRET_MIN  32
#define NGX_HTTP_NEWS_SECRET_MAX  4096
#define NGX_HTTP_NEWS_SIG_LEN     NEWS_PREVIEW_SIG_LEN  /* SHA-256, hex */


static const char *ngx_http_news_preview_check(ngx_http_request_t *r,
    ngx_str_t *code, ngx_str_t *arg);


/* the share handler's "preview" argument: the post, or an error page */

ngx_int_t
ngx_http_news_preview(ngx_http_request_t *r, ngx_str_t *code, ngx_str_t *arg)
{
    ngx_int_t                  rc;
    const char                *refused;
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_post_t       post;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    refused = ngx_http_news_preview_check(r, code, arg);

    if (refused != NULL) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: preview of \"%V\" refused: %s", code, refused);

        /* the same page as for a post that does not exist: no oracle */
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    ctx = ngx_http_news_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->preview = 1;

    ngx_http_news_db_begin(r, nlcf->db);

    ngx_memzero(&post, sizeof(ngx_http_news_post_t));

    rc = ngx_http_news_db_post(r, nlcf->db, code, &post);

    if (rc == NGX_OK
        && (post.status == NGX_HTTP_NEWS_STATUS_DRAFT
            || post.status == NGX_HTTP_NEWS_STATUS_SCHEDULED))
    {
        /* shown as it will look once it is out */
        post.status = NGX_HTTP_NEWS_STATUS_PUBLISHED;
    }

    rc = ngx_http_news_post_status(r, &post, rc, code);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "news: preview of \"%V\"", code);

    return ngx_http_news_render_article(r, &post, NULL);
}


/* NULL for a link signed with the secret and not expired, else why not */

static const char *
ngx_http_news_preview_check(ngx_http_request_t *r, ngx_str_t *code,
    ngx_str_t *arg)
{
    u_char                    *p, msg[NEWS_INFO_CODE_MAX + 32];
    u_char                     sig[NGX_HTTP_NEWS_SIG_LEN];
    u_char                     md[EVP_MAX_MD_SIZE];
    long long                  expiry;
    unsigned int               len;
    const u_char              *given;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (code->len > NEWS_INFO_CODE_MAX
        || !news_parse_preview(arg->data, arg->len, &expiry, &given))
    {
        return "malformed";
    }

    if (expiry < (long long) ngx_time()) {
        return "expired";
    }

    p = ngx_sprintf(msg, "%V.%*s", code, given - 1 - arg->data, arg->data);

    if (HMAC(EVP_sha256(), nlcf->preview_secret.data,
             (int) nlcf->preview_secret.len, msg, p - msg, md, &len)
        == NULL
        || 2 * len != NGX_HTTP_NEWS_SIG_LEN)
    {
        return "HMAC-SHA256 failed";
    }

    ngx_hex_dump(sig, md, len);

    /* in constant time: how much matched must not show in the timing */

    if (CRYPTO_memcmp(sig, given, NGX_HTTP_NEWS_SIG_LEN) != 0) {
        return "bad signature";
    }

    return NULL;
}


/* news_preview_secret file: read once, when the configuration is */

char *
ngx_http_news_preview_secret(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ssize_t           n;
    ngx_fd_t          fd;
    ngx_str_t        *value, name;
    ngx_file_info_t   fi;

    if (nlcf->preview_secret.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &name);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) < NGX_HTTP_NEWS_SECRET_MIN
        || ngx_file_size(&fi) > NGX_HTTP_NEWS_SECRET_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"news_preview_secret\" file \"%V\" must hold "
                           "%d to %d bytes (head -c 32 /dev/urandom > "
                           "file)", &name, NGX_HTTP_NEWS_SECRET_MIN,
                           NGX_HTTP_NEWS_SECRET_MAX);
        (void) ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    nlcf->preview_secret.len = ngx_file_size(&fi);
    nlcf->preview_secret.data = ngx_pnalloc(cf->pool,
                                            nlcf->preview_secret.len);
    if (nlcf->preview_secret.data == NULL) {
        (void) ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_fd(fd, nlcf->preview_secret.data, nlcf->preview_secret.len);

    (void) ngx_close_file(fd);

    if (n != (ssize_t) nlcf->preview_secret.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "cannot read \"%V\"", &name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
