
/*
 * Copyright (C) ngx_news_module authors
 *
 * What a share preview, a feed reader and Google News read of a page: its
 * image (the post's, or news_default_image) as og:image and a Twitter
 * card, the author, when it was last changed, and the NewsArticle
 * JSON-LD; escaped for HTML or for JSON (with "<" as \u003c) here.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static ngx_int_t ngx_http_news_image_url(ngx_http_request_t *r,
    ngx_str_t *image, ngx_str_t *base, ngx_str_t *url);
static void ngx_http_news_out_iso(ngx_http_news_out_t *out, ngx_str_t *at);
static ngx_int_t ngx_http_news_article_jsonld(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *canonical, ngx_str_t *image,
    ngx_str_t *html);
static ngx_uint_t ngx_http_news_image_valid(ngx_str_t *url);


/*
 * the image of a page and its tags, for an article (post) or a list (post
 * NULL: the default image only); for an article also its byline, lead
 * image, modification time and NewsArticle JSON-LD
 */

ngx_int_t
ngx_http_news_render_meta(ngx_http_request_t *r, ngx_http_news_post_t *post,
    ngx_str_t *base, ngx_str_t *canonical, ngx_str_t *vars)
{
    ngx_str_t                  url;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (ngx_http_news_meta_image(r, post, base, &url) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, 2 * url.len + 192);

    if (url.len) {
        ngx_http_news_out_lit(&out, "<meta property=\"og:image\" content=\"");
        ngx_http_news_out_html(&out, &url);
        ngx_http_news_out_lit(&out, "\">\n"
                                    "<meta name=\"twitter:card\" "
                                    "content=\"summary_large_image\">\n"
                                    "<meta name=\"twitter:image\" "
                                    "content=\"");
        ngx_http_news_out_html(&out, &url);
        ngx_http_news_out_lit(&out, "\">");

    } else {
        ngx_http_news_out_lit(&out, "<meta name=\"twitter:card\" "
                                    "content=\"summary\">");
    }

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_IMAGE_META])
        != NGX_OK
        || ngx_http_news_html(r->pool, &url, &vars[NGX_HTTP_NEWS_V_IMAGE_URL])
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (post == NULL) {
        return NGX_OK;
    }

    /* what the reader sees: the post's own image, and who wrote it */

    if (post->image_url.len) {
        ngx_http_news_out_init(&out, r->pool, 2 * url.len + 2 * post->title.len
                                              + 96);
        ngx_http_news_out_lit(&out, "<figure class=\"lead\"><img src=\"");
        ngx_http_news_out_html(&out, &url);
        ngx_http_news_out_lit(&out, "\" alt=\"");
        ngx_http_news_out_html(&out, &post->title);
        ngx_http_news_out_lit(&out, "\"></figure>");

        if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_LEAD_IMAGE])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (post->author.len) {
        ngx_http_news_out_init(&out, r->pool, 2 * post->author.len + 64);

        if (nlcf->chinese) {
            ngx_http_news_out_lit(&out, "<span class=\"author\">作者：");
        } else {
            ngx_http_news_out_lit(&out, "<span class=\"author\">By ");
        }

        ngx_http_news_out_html(&out, &post->author);
        ngx_http_news_out_lit(&out, "</span>");

        if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_BYLINE])
            != NGX_OK
            || ngx_http_news_html(r->pool, &post->author,
                                  &vars[NGX_HTTP_NEWS_V_AUTHOR])
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    ngx_http_news_out_init(&out, r->pool, 32);
    ngx_http_news_out_iso(&out, &post->updated_at);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_MODIFIED_ISO])
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_news_article_jsonld(r, post, canonical, &url,
                                        &vars[NGX_HTTP_NEWS_V_ARTICLE_JSONLD]);
}


/*
 * the absolute URL of a page's image: the post's (NULL: a list's, none),
 * else news_default_image; empty when there is none
 */

ngx_int_t
ngx_http_news_meta_image(ngx_http_request_t *r, ngx_http_news_post_t *post,
    ngx_str_t *base, ngx_str_t *url)
{
    ngx_str_t                 *image;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    /* a post's image breaking the schema's rule (checks off) is none */

    if (post != NULL && post->image_url.len
        && !ngx_http_news_image_valid(&post->image_url))
    {
        ngx_str_null(&post->image_url);
    }

    image = (post != NULL && post->image_url.len) ? &post->image_url
                                                  : &nlcf->default_image;

    return ngx_http_news_image_url(r, image, base, url);
}


/*
 * schema.org's NewsArticle, as Google News reads it: the headline, when
 * it was published and changed (with their offsets), who wrote it (the
 * site itself when no author is named), its image, the publisher
 */

static ngx_int_t
ngx_http_news_article_jsonld(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *canonical, ngx_str_t *image,
    ngx_str_t *html)
{
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_http_news_out_init(&out, r->pool,
                           512 + 2 * (canonical->len + post->title.len
                                      + post->summary.len + post->author.len
                                      + image->len)
                           + 2 * nlcf->site_json.len);

    ngx_http_news_out_lit(&out, "<script type=\"application/ld+json\">"
                                "{\"@context\":\"https://schema.org\","
                                "\"@type\":\"NewsArticle\","
                                "\"mainEntityOfPage\":{\"@type\":\"WebPage\","
                                "\"@id\":\"");
    ngx_http_news_out_json(&out, canonical);
    ngx_http_news_out_lit(&out, "\"},\"headline\":\"");
    ngx_http_news_out_json(&out, &post->title);

    if (post->summary.len) {
        ngx_http_news_out_lit(&out, "\",\"description\":\"");
        ngx_http_news_out_json(&out, &post->summary);
    }

    ngx_http_news_out_lit(&out, "\",\"datePublished\":\"");
    ngx_http_news_out_iso(&out, &post->published_at);
    ngx_http_news_out_lit(&out, "\",\"dateModified\":\"");
    ngx_http_news_out_iso(&out, &post->updated_at);
    ngx_http_news_out_lit(&out, "\",");

    if (image->len) {
        ngx_http_news_out_lit(&out, "\"image\":[\"");
        ngx_http_news_out_json(&out, image);
        ngx_http_news_out_lit(&out, "\"],");
    }

    if (post->author.len) {
        ngx_http_news_out_lit(&out, "\"author\":[{\"@type\":\"Person\","
                                    "\"name\":\"");
        ngx_http_news_out_json(&out, &post->author);

    } else {
        ngx_http_news_out_lit(&out, "\"author\":[{\"@type\":\"Organization\","
                                    "\"name\":\"");
        ngx_http_news_out_add(&out, nlcf->site_json.data,
                              nlcf->site_json.len);
    }

    ngx_http_news_out_lit(&out, "\"}],\"publisher\":{\"@type\":"
                                "\"Organization\",\"name\":\"");
    ngx_http_news_out_add(&out, nlcf->site_json.data, nlcf->site_json.len);
    ngx_http_news_out_lit(&out, "\"}}</script>");

    return ngx_http_news_out_str(&out, html);
}


/* an image as an absolute URL: a path on the site gets the base URL */

static ngx_int_t
ngx_http_news_image_url(ngx_http_request_t *r, ngx_str_t *image,
    ngx_str_t *base, ngx_str_t *url)
{
    if (image->len == 0 || image->data[0] != '/') {
        *url = *image;
        return NGX_OK;
    }

    url->len = base->len + image->len;
    url->data = ngx_pnalloc(r->pool, url->len);
    if (url->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(ngx_cpymem(url->data, base->data, base->len),
               image->data, image->len);

    return NGX_OK;
}


/*
 * "2022-03-04 20:46:41+08:00" as ISO 8601, "2022-03-04T20:46:41+08:00";
 * JSON-escaped, which also makes it safe in an attribute: the schema
 * allows no quote or "<" in these columns, and an admin's odd value stays
 * text
 */

static void
ngx_http_news_out_iso(ngx_http_news_out_t *out, ngx_str_t *at)
{
    ngx_str_t  date, rest;

    if (at->len > 11 && at->data[10] == ' ') {
        date.data = at->data;
        date.len = 10;
        rest.data = at->data + 11;
        rest.len = at->len - 11;

        ngx_http_news_out_json(out, &date);
        ngx_http_news_out_lit(out, "T");
        ngx_http_news_out_json(out, &rest);
        return;
    }

    ngx_http_news_out_json(out, at);
}


/* news_default_image URL: the image of a page whose post names none */

char *
ngx_http_news_default_image(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t  *value;

    if (nlcf->default_image.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (!ngx_http_news_image_valid(&value[1])) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"news_default_image\" \"%V\", it must "
                           "be an http:// or https:// URL or a path "
                           "starting with \"/\", with no blank, quote or "
                           "angle bracket", &value[1]);
        return NGX_CONF_ERROR;
    }

    nlcf->default_image = value[1];

    return NGX_CONF_OK;
}


/* the rule of posts.image_url in sql/schema.sql */

static ngx_uint_t
ngx_http_news_image_valid(ngx_str_t *url)
{
    u_char  *p;

    if (!((url->len > 7 && ngx_strncmp(url->data, "http://", 7) == 0)
          || (url->len > 8 && ngx_strncmp(url->data, "https://", 8) == 0)
          || (url->len > 1 && url->data[0] == '/'))
        || url->len > 2048)
    {
        return 0;
    }

    for (p = url->data; p < url->data + url->len; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '<' || *p == '>'
            || *p == '\\')
        {
            return 0;
        }
    }

    return 1;
}
