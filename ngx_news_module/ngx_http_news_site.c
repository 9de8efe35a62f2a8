
/*
 * Copyright (C) ngx_news_module authors
 *
 * The site's identity: its name, language and footer as every template
 * prints them, checked and escaped once at configuration, and the texts
 * of the error pages in the site's language.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static ngx_int_t ngx_http_news_site_feeds(ngx_conf_t *cf,
    ngx_http_news_loc_conf_t *conf);


typedef struct {
    ngx_uint_t                  status;
    ngx_str_t                   code;
    ngx_str_t                   en;
    ngx_str_t                   zh;
} ngx_http_news_error_text_t;


static ngx_http_news_error_text_t  ngx_http_news_error_text[] = {

    { NGX_HTTP_BAD_REQUEST, ngx_string("400"), ngx_string("Bad Request"),
      ngx_string("请求有误") },

    { NGX_HTTP_NOT_FOUND, ngx_string("404"), ngx_string("Not Found"),
      ngx_string("页面不存在") },

    { NGX_HTTP_NOT_ALLOWED, ngx_string("405"),
      ngx_string("Method Not Allowed"),
      ngx_string("不支持该请求方法") },

    { NGX_HTTP_NEWS_GONE, ngx_string("410"), ngx_string("Gone"),
      ngx_string("文章已删除") },

    { NGX_HTTP_SERVICE_UNAVAILABLE, ngx_string("503"),
      ngx_string("Service Unavailable"),
      ngx_string("服务暂时不可用") },

    { 0, ngx_null_string, ngx_null_string, ngx_null_string }
};


/*
 * the site's name, language and footer as every page prints them, escaped
 * once here; the language is a BCP 47 tag, and a Chinese one (zh, zh-CN,
 * zh-Hant ...) also picks the texts of the error pages
 */

ngx_int_t
ngx_http_news_site_conf(ngx_conf_t *cf, ngx_http_news_loc_conf_t *conf)
{
    u_char               *p;
    ngx_str_t             name, locale, *raw[4];
    ngx_uint_t            i;
    ngx_http_news_out_t   out;

    for (p = conf->language.data;
         p < conf->language.data + conf->language.len;
         p++)
    {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-'))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid \"news_language\" \"%V\", it must "
                               "be a language tag such as \"zh-CN\" or "
                               "\"en\"", &conf->language);
            return NGX_ERROR;
        }
    }

    if (conf->language.len == 0 || conf->language.len > 35) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"news_language\" \"%V\"",
                           &conf->language);
        return NGX_ERROR;
    }

    conf->chinese = (conf->language.len >= 2
                     && ngx_strncasecmp(conf->language.data,
                                        (u_char *) "zh", 2) == 0
                     && (conf->language.len == 2
                         || conf->language.data[2] == '-'));

    /* a site that has not named itself is still a news site */

    name = conf->site_name;

    if (name.len == 0) {
        if (conf->chinese) {
            ngx_str_set(&name, "新闻");
        } else {
            ngx_str_set(&name, "News");
        }
    }

    /* og:locale says zh_CN where the language tag says zh-CN */

    locale.len = conf->language.len;
    locale.data = ngx_pnalloc(cf->pool, locale.len);
    if (locale.data == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < locale.len; i++) {
        locale.data[i] = (conf->language.data[i] == '-')
                         ? '_' : conf->language.data[i];
    }

    conf->site_text = name;

    raw[0] = &name;
    raw[1] = &conf->language;
    raw[2] = &conf->footer;
    raw[3] = &locale;

    ngx_http_news_out_init(&out, cf->pool, name.len + 16);
    ngx_http_news_out_json(&out, &name);

    if (ngx_http_news_out_str(&out, &conf->site_json) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, cf->pool, name.len + 16);
    ngx_http_news_out_xml(&out, &name);

    if (ngx_http_news_out_str(&out, &conf->site_xml) != NGX_OK) {
        return NGX_ERROR;
    }

    for (i = 0; i < 4; i++) {
        if (ngx_http_news_html(cf->pool, raw[i], &conf->site_vars[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    /* the search box every page has with news_search_form */

    ngx_str_null(&conf->site_vars[5]);

    if (conf->search_form.len) {
        ngx_http_news_out_init(&out, cf->pool, 256 + conf->search_form.len);
        ngx_http_news_out_search_form(&out, &conf->search_form, NULL,
                                      conf->chinese);

        if (ngx_http_news_out_str(&out, &conf->site_vars[5]) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return ngx_http_news_site_feeds(cf, conf);
}


/*
 * the <link rel="alternate"> of the site's feeds (news_feed_links), for
 * {{feed_links}} in every page's head: written once, escaped
 */

static ngx_int_t
ngx_http_news_site_feeds(ngx_conf_t *cf, ngx_http_news_loc_conf_t *conf)
{
    ngx_uint_t            i;
    ngx_keyval_t         *kv;
    ngx_http_news_out_t   out;

    ngx_str_null(&conf->site_vars[4]);

    if (conf->feed_links == NULL) {
        return NGX_OK;
    }

    kv = conf->feed_links->elts;

    ngx_http_news_out_init(&out, cf->pool, 256 * conf->feed_links->nelts);

    for (i = 0; i < conf->feed_links->nelts; i++) {
        ngx_http_news_out_lit(&out, "<link rel=\"alternate\" type=\"");
        ngx_http_news_out_add(&out, kv[i].key.data, kv[i].key.len);
        ngx_http_news_out_lit(&out, "\" title=\"");
        ngx_http_news_out_html(&out, &conf->site_text);
        ngx_http_news_out_lit(&out, "\" href=\"");
        ngx_http_news_out_html(&out, &kv[i].value);
        ngx_http_news_out_lit(&out, "\">\n");
    }

    return ngx_http_news_out_str(&out, &conf->site_vars[4]);
}


/*
 * the values every template may print: site name, language, footer, and
 * the language as og:locale has it
 */

void
ngx_http_news_site_vars(ngx_http_request_t *r, ngx_str_t *vars)
{
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    vars[NGX_HTTP_NEWS_V_SITE_NAME] = nlcf->site_vars[0];
    vars[NGX_HTTP_NEWS_V_LANGUAGE] = nlcf->site_vars[1];
    vars[NGX_HTTP_NEWS_V_FOOTER] = nlcf->site_vars[2];
    vars[NGX_HTTP_NEWS_V_LOCALE] = nlcf->site_vars[3];
    vars[NGX_HTTP_NEWS_V_FEED_LINKS] = nlcf->site_vars[4];

    /* the search page's own box holds the words searched for */

    if (vars[NGX_HTTP_NEWS_V_SEARCH].data == NULL) {
        vars[NGX_HTTP_NEWS_V_SEARCH] = nlcf->site_vars[5];
    }
}


/*
 * the status, message and links of an error page, Chinese or English as
 * the site's language is: home, and the category when the request found
 * one (a page past a list's end, a removed post); NGX_DECLINED for a
 * status the module has no page for
 */

ngx_int_t
ngx_http_news_error_texts(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *vars)
{
    ngx_http_news_ctx_t         *ctx;
    ngx_http_news_out_t          out;
    ngx_http_news_loc_conf_t    *nlcf;
    ngx_http_news_error_text_t  *t;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    for (t = ngx_http_news_error_text; t->status; t++) {
        if (t->status == status) {
            break;
        }
    }

    if (t->status == 0) {
        return NGX_DECLINED;
    }

    vars[NGX_HTTP_NEWS_V_STATUS] = t->code;
    vars[NGX_HTTP_NEWS_V_MESSAGE] = nlcf->chinese ? t->zh : t->en;

    ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

    ngx_http_news_out_init(&out, r->pool, 256);
    ngx_http_news_out_lit(&out, "<p class=\"back\">");

    if (ctx != NULL && (ctx->back_slug.len || ctx->back_path.len)) {
        ngx_http_news_out_lit(&out, "<a href=\"");

        if (ctx->back_path.len) {
            /* a path made to stand in HTML as it is (a tag's) */
            ngx_http_news_out_add(&out, ctx->back_path.data,
                                  ctx->back_path.len);

        } else {
            ngx_http_news_out_category_path(&out, &ctx->back_slug, 0,
                                            NGX_HTTP_NEWS_ESCAPE_HTML);
        }

        ngx_http_news_out_lit(&out, "\">");

        if (nlcf->chinese) {
            ngx_http_news_out_lit(&out, "返回");
        } else {
            ngx_http_news_out_lit(&out, "Back to ");
        }

        ngx_http_news_out_html(&out, &ctx->back_name);
        if (nlcf->chinese) {
            ngx_http_news_out_lit(&out, "</a>｜");
        } else {
            ngx_http_news_out_lit(&out, "</a> | ");
        }
    }

    ngx_http_news_out_lit(&out, "<a href=\"/\">");

    if (nlcf->chinese) {
        ngx_http_news_out_lit(&out, "返回首页");
    } else {
        ngx_http_news_out_lit(&out, "Home page");
    }

    ngx_http_news_out_lit(&out, "</a></p>");

    return ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_BACK]);
}
