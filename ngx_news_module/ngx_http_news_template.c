
/*
 * Copyright (C) ngx_news_module authors
 *
 * Page templates: named by news_template (or the defaults next to
 * nginx.conf), read and compiled at configuration time into literal
 * segments and {{placeholders}}; a page is a chain of buffers pointing at
 * the literals and at the values a handler computed.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>

#include <ngx_http_news_templates.h>


#define NGX_HTTP_NEWS_TPL_SIZE_MAX  (1024 * 1024)

#define NEWS_A  (1 << NGX_HTTP_NEWS_TPL_ARTICLE)
#define NEWS_C  (1 << NGX_HTTP_NEWS_TPL_CATEGORY)
#define NEWS_I  (1 << NGX_HTTP_NEWS_TPL_INDEX)
#define NEWS_E  (1 << NGX_HTTP_NEWS_TPL_ERROR)
#define NEWS_S  (1 << NGX_HTTP_NEWS_TPL_STATS)
#define NEWS_T  (1 << NGX_HTTP_NEWS_TPL_TAG)
#define NEWS_Q  (1 << NGX_HTTP_NEWS_TPL_SEARCH)


typedef struct {
    ngx_str_t                   name;
    ngx_uint_t                  var;
    ngx_uint_t                  kinds;      /* templates that may use it */
} ngx_http_news_placeholder_t;


typedef struct {
    ngx_str_t                   text;       /* a literal */
    uint32_t                    hash;       /* its part of the ETag */
    ngx_uint_t                  var;        /* or a placeholder */
} ngx_http_news_tpl_seg_t;


struct ngx_http_news_tpl_s {
    ngx_str_t                   file;
    time_t                      mtime;
    ngx_array_t                 segs;       /* ngx_http_news_tpl_seg_t */
};


static ngx_http_news_placeholder_t  ngx_http_news_placeholders[] = {
    { ngx_string("title"), NGX_HTTP_NEWS_V_TITLE,
      NEWS_A|NEWS_C|NEWS_S|NEWS_T|NEWS_Q },
    { ngx_string("description"), NGX_HTTP_NEWS_V_DESCRIPTION,
      NEWS_A|NEWS_C },
    { ngx_string("canonical_url"), NGX_HTTP_NEWS_V_CANONICAL_URL,
      NEWS_A|NEWS_C|NEWS_I|NEWS_T },
    { ngx_string("published"), NGX_HTTP_NEWS_V_PUBLISHED, NEWS_A },
    { ngx_string("published_iso"), NGX_HTTP_NEWS_V_PUBLISHED_ISO, NEWS_A },
    { ngx_string("source"), NGX_HTTP_NEWS_V_SOURCE, NEWS_A },
    { ngx_string("body"), NGX_HTTP_NEWS_V_BODY, NEWS_A },
    { ngx_string("tags"), NGX_HTTP_NEWS_V_TAGS, NEWS_A },
    { ngx_string("breadcrumb"), NGX_HTTP_NEWS_V_BREADCRUMB,
      NEWS_A|NEWS_C|NEWS_T },
    { ngx_string("breadcrumb_jsonld"), NGX_HTTP_NEWS_V_BREADCRUMB_JSONLD,
      NEWS_A|NEWS_C|NEWS_T },
    { ngx_string("category_name"), NGX_HTTP_NEWS_V_CATEGORY_NAME, NEWS_A },
    { ngx_string("category_url"), NGX_HTTP_NEWS_V_CATEGORY_URL, NEWS_A },
    { ngx_string("home_url"), NGX_HTTP_NEWS_V_HOME_URL,
      NEWS_A|NEWS_C|NEWS_I|NEWS_E|NEWS_T|NEWS_Q },
    { ngx_string("subcategories"), NGX_HTTP_NEWS_V_SUBCATEGORIES, NEWS_C },
    { ngx_string("posts"), NGX_HTTP_NEWS_V_POSTS,
      NEWS_C|NEWS_I|NEWS_T|NEWS_Q },
    { ngx_string("pager"), NGX_HTTP_NEWS_V_PAGER,
      NEWS_C|NEWS_I|NEWS_T|NEWS_Q },
    { ngx_string("page"), NGX_HTTP_NEWS_V_PAGE,
      NEWS_C|NEWS_I|NEWS_T|NEWS_Q },
    { ngx_string("categories"), NGX_HTTP_NEWS_V_CATEGORIES, NEWS_I },
    { ngx_string("status"), NGX_HTTP_NEWS_V_STATUS, NEWS_E },
    { ngx_string("message"), NGX_HTTP_NEWS_V_MESSAGE, NEWS_E|NEWS_Q },
    { ngx_string("filters"), NGX_HTTP_NEWS_V_FILTERS, NEWS_S },
    { ngx_string("chart"), NGX_HTTP_NEWS_V_CHART, NEWS_S },
    { ngx_string("top"), NGX_HTTP_NEWS_V_TOP, NEWS_S },
    { ngx_string("articles"), NGX_HTTP_NEWS_V_ARTICLES, NEWS_S },
    { ngx_string("form"), NGX_HTTP_NEWS_V_FORM, NEWS_S },
    { ngx_string("trend"), NGX_HTTP_NEWS_V_TREND, NEWS_S },
    { ngx_string("site_name"), NGX_HTTP_NEWS_V_SITE_NAME,
      NEWS_A|NEWS_C|NEWS_I|NEWS_E|NEWS_S|NEWS_T|NEWS_Q },
    { ngx_string("language"), NGX_HTTP_NEWS_V_LANGUAGE,
      NEWS_A|NEWS_C|NEWS_I|NEWS_E|NEWS_S|NEWS_T|NEWS_Q },
    { ngx_string("footer"), NGX_HTTP_NEWS_V_FOOTER,
      NEWS_A|NEWS_C|NEWS_I|NEWS_E|NEWS_S|NEWS_T|NEWS_Q },
    { ngx_string("nav"), NGX_HTTP_NEWS_V_NAV,
      NEWS_A|NEWS_C|NEWS_I|NEWS_T|NEWS_Q },
    { ngx_string("locale"), NGX_HTTP_NEWS_V_LOCALE,
      NEWS_A|NEWS_C|NEWS_I|NEWS_E|NEWS_S|NEWS_T|NEWS_Q },
    { ngx_string("modified_iso"), NGX_HTTP_NEWS_V_MODIFIED_ISO, NEWS_A },
    { ngx_string("author"), NGX_HTTP_NEWS_V_AUTHOR, NEWS_A },
    { ngx_string("byline"), NGX_HTTP_NEWS_V_BYLINE, NEWS_A },
    { ngx_string("image_url"), NGX_HTTP_NEWS_V_IMAGE_URL,
      NEWS_A|NEWS_C|NEWS_I|NEWS_T },
    { ngx_string("image_meta"), NGX_HTTP_NEWS_V_IMAGE_META,
      NEWS_A|NEWS_C|NEWS_I|NEWS_T },
    { ngx_string("lead_image"), NGX_HTTP_NEWS_V_LEAD_IMAGE, NEWS_A },
    { ngx_string("article_jsonld"), NGX_HTTP_NEWS_V_ARTICLE_JSONLD, NEWS_A },
    { ngx_string("robots"), NGX_HTTP_NEWS_V_ROBOTS, NEWS_A },
    { ngx_string("feed_links"), NGX_HTTP_NEWS_V_FEED_LINKS,
      NEWS_A|NEWS_C|NEWS_I|NEWS_T|NEWS_Q },
    { ngx_string("page_feeds"), NGX_HTTP_NEWS_V_PAGE_FEEDS, NEWS_C|NEWS_T },
    { ngx_string("share_qr"), NGX_HTTP_NEWS_V_SHARE_QR, NEWS_A },
    { ngx_string("back"), NGX_HTTP_NEWS_V_BACK, NEWS_E },
    { ngx_string("most_read"), NGX_HTTP_NEWS_V_MOST_READ, NEWS_A|NEWS_I },
    { ngx_string("related"), NGX_HTTP_NEWS_V_RELATED, NEWS_A },
    { ngx_string("search"), NGX_HTTP_NEWS_V_SEARCH,
      NEWS_A|NEWS_C|NEWS_I|NEWS_E|NEWS_T|NEWS_Q },
    { ngx_string("style"), NGX_HTTP_NEWS_V_STYLE,
      NEWS_A|NEWS_C|NEWS_I|NEWS_E|NEWS_S|NEWS_T|NEWS_Q },
    { ngx_null_string, 0, 0 }
};


static ngx_str_t  ngx_http_news_tpl_names[] = {
    ngx_string("article"),
    ngx_string("category"),
    ngx_string("index"),
    ngx_string("error"),
    ngx_string("stats"),
    ngx_string("tag"),
    ngx_string("search")
};


static ngx_int_t ngx_http_news_template_read(ngx_conf_t *cf, ngx_str_t *path,
    ngx_str_t *text, time_t *mtime);
static ngx_int_t ngx_http_news_template_compile(ngx_conf_t *cf,
    ngx_http_news_tpl_t *tpl, ngx_str_t *text, ngx_uint_t kind);
static char *ngx_http_news_template_builtin(ngx_conf_t *cf, ngx_uint_t kind,
    ngx_http_news_tpl_t **tplp);
static ngx_int_t ngx_http_news_template_style(ngx_conf_t *cf,
    ngx_http_news_tpl_seg_t *seg);
static uint32_t ngx_http_news_tpl_hash(u_char *p, size_t len);


char *
ngx_http_news_template_load(ngx_conf_t *cf, ngx_str_t *path, ngx_uint_t kind,
    ngx_http_news_tpl_t **tplp)
{
    ngx_str_t             text;
    ngx_http_news_tpl_t  *tpl;

    tpl = ngx_pcalloc(cf->pool, sizeof(ngx_http_news_tpl_t));
    if (tpl == NULL) {
        return NGX_CONF_ERROR;
    }

    tpl->file = *path;

    if (ngx_conf_full_name(cf->cycle, &tpl->file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_news_template_read(cf, &tpl->file, &text, &tpl->mtime)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_news_template_compile(cf, tpl, &text, kind) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    *tplp = tpl;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_news_template_read(ngx_conf_t *cf, ngx_str_t *path, ngx_str_t *text,
    time_t *mtime)
{
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_int_t        rc;
    ngx_file_t       file;
    ngx_file_info_t  fi;

    rc = NGX_ERROR;

    fd = ngx_open_file(path->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " news template \"%V\" failed",
                           path);
        return NGX_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%V\" failed", path);
        goto done;
    }

    if (!ngx_is_file(&fi) || ngx_file_size(&fi) > NGX_HTTP_NEWS_TPL_SIZE_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "news template \"%V\" is not a file "
                           "of at most 1m", path);
        goto done;
    }

    /* a page made from an edited template is newer than the edit */
    *mtime = ngx_file_mtime(&fi);

    text->len = ngx_file_size(&fi);
    text->data = ngx_pnalloc(cf->pool, text->len + 1);
    if (text->data == NULL) {
        goto done;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.fd = fd;
    file.name = *path;
    file.log = cf->log;

    n = ngx_read_file(&file, text->data, text->len, 0);

    if (n != (ssize_t) text->len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "cannot read news template \"%V\"", path);
        goto done;
    }

    rc = NGX_OK;

done:

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", path);
    }

    return rc;
}


/*
 * the text of a template, a file's or a built-in one, into its segments;
 * an unknown placeholder, or one the kind does not offer, is an error
 * naming the template and the line
 */

static ngx_int_t
ngx_http_news_template_compile(ngx_conf_t *cf, ngx_http_news_tpl_t *tpl,
    ngx_str_t *text, ngx_uint_t kind)
{
    news_tpl_scan_t               scan;
    news_tpl_token_t              tok;
    ngx_http_news_tpl_seg_t      *seg;
    ngx_http_news_placeholder_t  *ph;

    if (ngx_array_init(&tpl->segs, cf->pool, 16,
                       sizeof(ngx_http_news_tpl_seg_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    news_tpl_scan_init(&scan, text->data, text->len);

    for ( ;; ) {
        news_tpl_next(&scan, &tok);

        if (tok.type == NEWS_TPL_END) {
            return NGX_OK;
        }

        if (tok.type == NEWS_TPL_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s in news template \"%V:%uz\"",
                               tok.error, &tpl->file, tok.line);
            return NGX_ERROR;
        }

        seg = ngx_array_push(&tpl->segs);
        if (seg == NULL) {
            return NGX_ERROR;
        }

        if (tok.type == NEWS_TPL_LITERAL) {
            seg->var = NGX_HTTP_NEWS_V_LITERAL;
            seg->text.len = tok.len;
            seg->text.data = (u_char *) tok.data;
            seg->hash = ngx_http_news_tpl_hash(seg->text.data, seg->text.len);
            continue;
        }

        for (ph = ngx_http_news_placeholders; ph->name.len; ph++) {
            if (ph->name.len == tok.len
                && ngx_strncmp(ph->name.data, tok.data, tok.len) == 0)
            {
                break;
            }
        }

        if (ph->name.len == 0 || !(ph->kinds & (1 << kind))) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "unknown placeholder \"{{%*s}}\" "
                               "in news template \"%V:%uz\"",
                               tok.len, tok.data, &tpl->file, tok.line);
            return NGX_ERROR;
        }

        if (ph->var == NGX_HTTP_NEWS_V_STYLE) {
            if (ngx_http_news_template_style(cf, seg) != NGX_OK) {
                return NGX_ERROR;
            }

            continue;
        }

        seg->var = ph->var;
        ngx_str_null(&seg->text);
    }
}


/*
 * {{style}}: the default theme's style sheet, conf/templates/news.css,
 * inline, so that a page needs no second request and nothing is shipped
 * beside the module; the same for every page, it is a literal
 */

static ngx_int_t
ngx_http_news_template_style(ngx_conf_t *cf, ngx_http_news_tpl_seg_t *seg)
{
    /* "<style>\n...</style>\n" as config made it, without the last "\n" */

    seg->text.data = (u_char *) ngx_http_news_builtin_style;
    seg->text.len = sizeof(ngx_http_news_builtin_style) - 2;

    seg->var = NGX_HTTP_NEWS_V_LITERAL;
    seg->hash = ngx_http_news_tpl_hash(seg->text.data, seg->text.len);

    return NGX_OK;
}


/*
 * the default of a kind, compiled into the module from conf/templates/
 * (config makes ngx_http_news_templates.h): a bare configuration serves
 * the whole site with no file but the database
 */

static char *
ngx_http_news_template_builtin(ngx_conf_t *cf, ngx_uint_t kind,
    ngx_http_news_tpl_t **tplp)
{
    ngx_str_t             text;
    ngx_http_news_tpl_t  *tpl;

    tpl = ngx_pcalloc(cf->pool, sizeof(ngx_http_news_tpl_t));
    if (tpl == NULL) {
        return NGX_CONF_ERROR;
    }

    tpl->file.len = sizeof("built-in .html") - 1
                    + ngx_http_news_tpl_names[kind].len;
    tpl->file.data = ngx_pnalloc(cf->pool, tpl->file.len);
    if (tpl->file.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_sprintf(tpl->file.data, "built-in %V.html",
                &ngx_http_news_tpl_names[kind]);

    /* as new as the templates the module was built from */
    tpl->mtime = NGX_HTTP_NEWS_TPL_BUILT;

    text.data = (u_char *) ngx_http_news_builtin[kind];
    text.len = ngx_strlen(ngx_http_news_builtin[kind]);

    if (ngx_http_news_template_compile(cf, tpl, &text, kind) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    *tplp = tpl;

    return NGX_CONF_OK;
}


/* when the template was written, for the Last-Modified of its pages */

time_t
ngx_http_news_template_mtime(ngx_http_news_tpl_t *tpl)
{
    return tpl->mtime;
}


/*
 * a part's share of the ETag: eight bytes a step, a multiply and a fold
 * each (CRC32 took a byte a step, MurmurHash2 four, and was still 9% of
 * an uncached article); it tells versions of a page apart, it is no
 * defence against anyone choosing content to collide
 */

static uint32_t
ngx_http_news_tpl_hash(u_char *p, size_t len)
{
    u_char    *end;
    uint64_t   h, w;

    h = 0x9e3779b97f4a7c15ULL ^ len;
    end = p + (len & ~(size_t) 7);

    for ( /* void */ ; p < end; p += 8) {
        ngx_memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }

    w = 0;
    ngx_memcpy(&w, p, len & 7);

    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;

    return (uint32_t) h;
}


/*
 * the page as a chain: literals are sent from the template's own memory,
 * values from the request pool; *crc is the ETag's checksum of it all:
 * tpl_hash() of each part (the literals' worked out at load), chained
 */

ngx_int_t
ngx_http_news_template_render(ngx_http_request_t *r, ngx_http_news_tpl_t *tpl,
    ngx_str_t *vars, ngx_chain_t **out, off_t *len, uint32_t *crc)
{
    uint32_t                  sum;
    ngx_str_t                *s;
    ngx_uint_t                i;
    ngx_chain_t              *cl, **ll;
    ngx_http_news_tpl_seg_t  *seg;

    seg = tpl->segs.elts;
    ll = out;
    *len = 0;

    sum = 2166136261;

    for (i = 0; i < tpl->segs.nelts; i++) {

        s = (seg[i].var == NGX_HTTP_NEWS_V_LITERAL) ? &seg[i].text
                                                    : &vars[seg[i].var];
        if (s->len == 0) {
            continue;
        }

        cl = ngx_http_news_chain(r, s->data, s->len, 0);
        if (cl == NULL) {
            return NGX_ERROR;
        }

        *ll = cl;
        ll = &cl->next;

        *len += s->len;
        sum = (sum ^ (seg[i].var == NGX_HTTP_NEWS_V_LITERAL
                      ? seg[i].hash : ngx_http_news_tpl_hash(s->data, s->len)))
              * 16777619;
    }

    /* an empty last buffer keeps a page of empty values valid */

    *ll = ngx_http_news_chain(r, NULL, 0, 1);
    if (*ll == NULL) {
        return NGX_ERROR;
    }

    *crc = sum;

    return NGX_OK;
}


char *
ngx_http_news_template(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i;

    value = cf->args->elts;

    for (i = 0; i < NGX_HTTP_NEWS_TPL_MAX; i++) {
        if (value[1].len == ngx_http_news_tpl_names[i].len
            && ngx_strncmp(value[1].data, ngx_http_news_tpl_names[i].data,
                           value[1].len) == 0)
        {
            break;
        }
    }

    if (i == NGX_HTTP_NEWS_TPL_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", it must be \"article\", "
                           "\"category\", \"index\", \"tag\", \"error\" "
                           "or \"stats\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (nlcf->tpl[i] != NULL) {
        return "is duplicate";
    }

    return ngx_http_news_template_load(cf, &value[2], i, &nlcf->tpl[i]);
}


/*
 * a location that serves pages and names no template uses the default
 * one, "templates/<kind>.html" next to nginx.conf as in conf/, loaded once
 * for all such locations
 */

char *
ngx_http_news_default_templates(ngx_conf_t *cf, ngx_http_news_loc_conf_t *conf,
    ngx_uint_t kinds)
{
    ngx_uint_t                  i;
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_news_module);

    for (i = 0; i < NGX_HTTP_NEWS_TPL_MAX; i++) {

        if (conf->tpl[i] != NULL || !(kinds & (1 << i))) {
            continue;
        }

        if (mcf->default_tpl[i] == NULL
            && ngx_http_news_template_builtin(cf, i, &mcf->default_tpl[i])
               != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }

        conf->tpl[i] = mcf->default_tpl[i];
    }

    return NGX_CONF_OK;
}
