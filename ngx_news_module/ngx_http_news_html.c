
/*
 * Copyright (C) ngx_news_module authors
 *
 * The HTML fragments pages are made of: breadcrumbs and their JSON-LD,
 * the masthead's sections, post and category lists, tags, the source
 * line, the pager, dates.
 * Every text from the database is escaped here; the article body never
 * passes through.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


#define NGX_HTTP_NEWS_HOME_NAME  "首页"


static ngx_str_t *ngx_http_news_cat_name(ngx_http_news_cat_t *cat);
static void ngx_http_news_pager_link(ngx_http_news_out_t *out,
    ngx_str_t *path, ngx_uint_t page);


/* the display and ISO 8601 forms of published_at */

ngx_int_t
ngx_http_news_published(ngx_http_request_t *r, ngx_http_news_post_t *post,
    ngx_str_t *vars)
{
    ngx_str_t  *iso, *at;

    at = &post->published_at;
    iso = &vars[NGX_HTTP_NEWS_V_PUBLISHED_ISO];

    if (at->len < 16) {
        vars[NGX_HTTP_NEWS_V_PUBLISHED] = *at;
        *iso = *at;
        return ngx_http_news_html(r->pool, at, iso);
    }

    vars[NGX_HTTP_NEWS_V_PUBLISHED].data = at->data;
    vars[NGX_HTTP_NEWS_V_PUBLISHED].len = 16;

    if (ngx_http_news_html(r->pool, at, iso) != NGX_OK) {
        return NGX_ERROR;
    }

    if (iso->len > 10 && iso->data[10] == ' ') {
        iso->data[10] = 'T';
    }

    return ngx_http_news_html(r->pool, &vars[NGX_HTTP_NEWS_V_PUBLISHED],
                              &vars[NGX_HTTP_NEWS_V_PUBLISHED]);
}


static ngx_str_t *
ngx_http_news_cat_name(ngx_http_news_cat_t *cat)
{
    /* an empty name, which the schema forbids, falls back to the slug */
    return cat->name.len ? &cat->name : &cat->slug;
}


/*
 * the breadcrumb nav, Home > ... > category, and its schema.org
 * BreadcrumbList, which ends with the page itself when leaf_name is given
 */

ngx_int_t
ngx_http_news_render_breadcrumb(ngx_http_request_t *r, ngx_str_t *base,
    ngx_array_t *chain, ngx_str_t *leaf_name, ngx_str_t *leaf_url,
    ngx_str_t *vars)
{
    ngx_str_t             home;
    ngx_uint_t            i;
    ngx_http_news_out_t   nav, ld;
    ngx_http_news_cat_t  *cat;

    ngx_str_set(&home, NGX_HTTP_NEWS_HOME_NAME);

    ngx_http_news_out_init(&nav, r->pool, 512);
    ngx_http_news_out_init(&ld, r->pool, 512);

    ngx_http_news_out_lit(&nav, "<nav class=\"breadcrumb\" "
                                "aria-label=\"breadcrumb\">"
                                "<a href=\"/\">" NGX_HTTP_NEWS_HOME_NAME
                                "</a>");

    ngx_http_news_out_lit(&ld, "<script type=\"application/ld+json\">"
                               "{\"@context\":\"https://schema.org\","
                               "\"@type\":\"BreadcrumbList\","
                               "\"itemListElement\":["
                               "{\"@type\":\"ListItem\",\"position\":1,"
                               "\"name\":\"" NGX_HTTP_NEWS_HOME_NAME "\","
                               "\"item\":\"");
    ngx_http_news_out_json(&ld, base);
    ngx_http_news_out_lit(&ld, "/\"}");

    cat = chain->elts;

    for (i = 0; i < chain->nelts; i++) {
        ngx_http_news_out_lit(&nav, " &gt; <a href=\"");
        ngx_http_news_out_category_path(&nav, &cat[i].slug, 0,
                                        NGX_HTTP_NEWS_ESCAPE_HTML);
        ngx_http_news_out_lit(&nav, "\">");
        ngx_http_news_out_html(&nav, ngx_http_news_cat_name(&cat[i]));
        ngx_http_news_out_lit(&nav, "</a>");

        ngx_http_news_out_lit(&ld, ",{\"@type\":\"ListItem\",\"position\":");
        ngx_http_news_out_uint(&ld, i + 2);
        ngx_http_news_out_lit(&ld, ",\"name\":\"");
        ngx_http_news_out_json(&ld, ngx_http_news_cat_name(&cat[i]));
        ngx_http_news_out_lit(&ld, "\",\"item\":\"");
        ngx_http_news_out_json(&ld, base);
        ngx_http_news_out_category_path(&ld, &cat[i].slug, 0,
                                        NGX_HTTP_NEWS_ESCAPE_JSON);
        ngx_http_news_out_lit(&ld, "\"}");
    }

    if (leaf_name != NULL) {
        ngx_http_news_out_lit(&ld, ",{\"@type\":\"ListItem\",\"position\":");
        ngx_http_news_out_uint(&ld, chain->nelts + 2);
        ngx_http_news_out_lit(&ld, ",\"name\":\"");
        ngx_http_news_out_json(&ld, leaf_name);
        ngx_http_news_out_lit(&ld, "\",\"item\":\"");
        ngx_http_news_out_json(&ld, leaf_url);
        ngx_http_news_out_lit(&ld, "\"}");
    }

    ngx_http_news_out_lit(&nav, "</nav>");
    ngx_http_news_out_lit(&ld, "]}</script>");

    if (ngx_http_news_out_str(&nav, &vars[NGX_HTTP_NEWS_V_BREADCRUMB])
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_news_out_str(&ld, &vars[NGX_HTTP_NEWS_V_BREADCRUMB_JSONLD]);
}


/*
 * a tag page's breadcrumb, Home > tag, the tag its page's own: the
 * breadcrumb of no category with the tag put at its end
 */

ngx_int_t
ngx_http_news_render_tag_breadcrumb(ngx_http_request_t *r, ngx_str_t *base,
    ngx_str_t *name, ngx_str_t *path, ngx_str_t *vars)
{
    ngx_str_t            *nav, url;
    ngx_array_t           none;
    ngx_http_news_out_t   out;

    ngx_http_news_out_init(&out, r->pool, base->len + path->len);
    ngx_http_news_out_add(&out, base->data, base->len);
    ngx_http_news_out_add(&out, path->data, path->len);

    if (ngx_http_news_out_str(&out, &url) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_memzero(&none, sizeof(ngx_array_t));

    if (ngx_http_news_render_breadcrumb(r, base, &none, name, &url, vars)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    nav = &vars[NGX_HTTP_NEWS_V_BREADCRUMB];

    ngx_http_news_out_init(&out, r->pool, nav->len + path->len
                                          + 6 * name->len + 64);
    ngx_http_news_out_add(&out, nav->data, nav->len - (sizeof("</nav>") - 1));
    ngx_http_news_out_lit(&out, " &gt; <a href=\"");
    ngx_http_news_out_add(&out, path->data, path->len);
    ngx_http_news_out_lit(&out, "\" aria-current=\"page\">");
    ngx_http_news_out_html(&out, name);
    ngx_http_news_out_lit(&out, "</a></nav>");

    return ngx_http_news_out_str(&out, nav);
}


/* a list of posts with links to their canonical URLs, newest first */

ngx_int_t
ngx_http_news_render_post_list(ngx_http_request_t *r, ngx_array_t *posts,
    ngx_uint_t limit, ngx_str_t *html)
{
    ngx_str_t              iso;
    ngx_uint_t             i;
    ngx_http_news_out_t    out;
    ngx_http_news_post_t  *post;

    post = posts->elts;

    ngx_http_news_out_init(&out, r->pool, 256 * (ngx_min(limit, 64) + 1));

    if (posts->nelts == 0) {
        ngx_http_news_out_lit(&out, "<p class=\"empty\">暂无文章</p>");
        return ngx_http_news_out_str(&out, html);
    }

    ngx_http_news_out_lit(&out, "<ul class=\"posts\">\n");

    for (i = 0; i < posts->nelts && i < limit; i++) {
        ngx_http_news_out_lit(&out, "<li><a href=\"");
        ngx_http_news_out_post_path(&out, &post[i]);
        ngx_http_news_out_lit(&out, "\">");
        ngx_http_news_out_html(&out, &post[i].title);
        ngx_http_news_out_lit(&out, "</a> <time datetime=\"");

        iso = post[i].published_at;
        ngx_http_news_out_html(&out, &iso);
        ngx_http_news_out_lit(&out, "\">");
        iso.len = ngx_min(iso.len, 10);
        ngx_http_news_out_html(&out, &iso);
        ngx_http_news_out_lit(&out, "</time>");

        if (post[i].summary.len) {
            ngx_http_news_out_lit(&out, "<p>");
            ngx_http_news_out_html(&out, &post[i].summary);
            ngx_http_news_out_lit(&out, "</p>");
        }

        ngx_http_news_out_lit(&out, "</li>\n");
    }

    ngx_http_news_out_lit(&out, "</ul>");

    return ngx_http_news_out_str(&out, html);
}


/*
 * categories as links: a list, or with depths (the tree, depth first) a
 * list of nested lists, one level a step whatever depth a row claims
 */

ngx_int_t
ngx_http_news_render_category_list(ngx_http_request_t *r, ngx_array_t *cats,
    ngx_str_t *html)
{
    ngx_uint_t            i, depth, open;
    ngx_http_news_out_t   out;
    ngx_http_news_cat_t  *cat;

    cat = cats->elts;

    if (cats->nelts == 0) {
        ngx_str_null(html);
        return NGX_OK;
    }

    ngx_http_news_out_init(&out, r->pool, 128 * (cats->nelts + 1));
    ngx_http_news_out_lit(&out, "<ul class=\"categories\">\n");

    open = 0;

    for (i = 0; i < cats->nelts; i++) {
        depth = (i == 0) ? 0 : ngx_min(cat[i].depth, open + 1);

        if (i > 0 && depth > open) {
            ngx_http_news_out_lit(&out, "\n<ul>\n");

        } else if (i > 0) {
            ngx_http_news_out_lit(&out, "</li>\n");

            for ( /* void */ ; open > depth; open--) {
                ngx_http_news_out_lit(&out, "</ul></li>\n");
            }
        }

        open = depth;

        ngx_http_news_out_lit(&out, "<li><a href=\"");
        ngx_http_news_out_category_path(&out, &cat[i].slug, 0,
                                        NGX_HTTP_NEWS_ESCAPE_HTML);
        ngx_http_news_out_lit(&out, "\">");
        ngx_http_news_out_html(&out, ngx_http_news_cat_name(&cat[i]));
        ngx_http_news_out_lit(&out, "</a>");
    }

    ngx_http_news_out_lit(&out, "</li>\n");

    for ( /* void */ ; open > 0; open--) {
        ngx_http_news_out_lit(&out, "</ul></li>\n");
    }

    ngx_http_news_out_lit(&out, "</ul>");

    return ngx_http_news_out_str(&out, html);
}


/* the section a breadcrumb chain is in: its top-level category, or 0 */

int64_t
ngx_http_news_section(ngx_array_t *chain)
{
    return chain->nelts ? ((ngx_http_news_cat_t *) chain->elts)->id : 0;
}


/*
 * the masthead's navigation: the top-level categories (the rows of depth
 * 0), the one the page is in marked as current
 */

ngx_int_t
ngx_http_news_render_nav(ngx_http_request_t *r, ngx_array_t *cats,
    int64_t current, ngx_str_t *html)
{
    ngx_uint_t            i;
    ngx_http_news_out_t   out;
    ngx_http_news_cat_t  *cat;

    cat = cats->elts;

    ngx_http_news_out_init(&out, r->pool, 96 * (cats->nelts + 1));
    ngx_http_news_out_lit(&out, "<nav class=\"sections\">");

    for (i = 0; i < cats->nelts; i++) {
        if (cat[i].depth != 0) {
            continue;
        }

        ngx_http_news_out_lit(&out, "<a href=\"");
        ngx_http_news_out_category_path(&out, &cat[i].slug, 0,
                                        NGX_HTTP_NEWS_ESCAPE_HTML);

        if (cat[i].id == current) {
            ngx_http_news_out_lit(&out, "\" aria-current=\"true");
        }

        ngx_http_news_out_lit(&out, "\">");
        ngx_http_news_out_html(&out, ngx_http_news_cat_name(&cat[i]));
        ngx_http_news_out_lit(&out, "</a>");
    }

    ngx_http_news_out_lit(&out, "</nav>");

    return ngx_http_news_out_str(&out, html);
}


ngx_int_t
ngx_http_news_render_tags(ngx_http_request_t *r, ngx_array_t *tags,
    ngx_str_t *html)
{
    ngx_str_t            *tag;
    ngx_uint_t            i;
    ngx_http_news_out_t   out;

    if (tags->nelts == 0) {
        ngx_str_null(html);
        return NGX_OK;
    }

    tag = tags->elts;

    ngx_http_news_out_init(&out, r->pool, 64 * (tags->nelts + 1));
    ngx_http_news_out_lit(&out, "<ul class=\"tags\">");

    for (i = 0; i < tags->nelts; i++) {
        ngx_http_news_out_lit(&out, "<li><a rel=\"tag\" href=\"");
        ngx_http_news_out_tag_path(&out, &tag[i], 0);
        ngx_http_news_out_lit(&out, "\">");
        ngx_http_news_out_html(&out, &tag[i]);
        ngx_http_news_out_lit(&out, "</a></li>");
    }

    ngx_http_news_out_lit(&out, "</ul>");

    return ngx_http_news_out_str(&out, html);
}


ngx_int_t
ngx_http_news_render_source(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *html)
{
    ngx_str_t            *name;
    ngx_http_news_out_t   out;

    name = post->source_name.len ? &post->source_name : &post->source_url;

    if (name->len == 0) {
        ngx_str_null(html);
        return NGX_OK;
    }

    ngx_http_news_out_init(&out, r->pool, 2 * name->len + 96);
    ngx_http_news_out_lit(&out, "<span class=\"source\">来源：");

    /* only http(s) links: an admin's "javascript:" never becomes one */

    if ((post->source_url.len > 7
         && ngx_strncasecmp(post->source_url.data, (u_char *) "http://", 7)
            == 0)
        || (post->source_url.len > 8
            && ngx_strncasecmp(post->source_url.data, (u_char *) "https://",
                               8) == 0))
    {
        ngx_http_news_out_lit(&out, "<a href=\"");
        ngx_http_news_out_html(&out, &post->source_url);
        ngx_http_news_out_lit(&out, "\" rel=\"nofollow noopener\">");
        ngx_http_news_out_html(&out, name);
        ngx_http_news_out_lit(&out, "</a>");

    } else {
        ngx_http_news_out_html(&out, name);
    }

    ngx_http_news_out_lit(&out, "</span>");

    return ngx_http_news_out_str(&out, html);
}


/*
 * the pager: previous, the first page, the pages around this one, the
 * last when the number of pages is known (pages > 0), next
 */

ngx_int_t
ngx_http_news_render_pager(ngx_http_request_t *r, ngx_str_t *path,
    ngx_uint_t page, ngx_uint_t pages, ngx_uint_t more, ngx_str_t *html)
{
    ngx_uint_t           n, from, to;
    ngx_http_news_out_t  out;

    if (page == 1 && !more) {
        ngx_str_null(html);
        return NGX_OK;
    }

    from = (page > 3) ? page - 2 : 1;
    to = more ? page + (pages ? 2 : 1) : page;

    if (pages && to > pages) {
        to = pages;
    }

    ngx_http_news_out_init(&out, r->pool, 256 + 64 * (to - from + 3));
    ngx_http_news_out_lit(&out, "<nav class=\"pager\">");

    if (page > 1) {
        ngx_http_news_out_lit(&out, "<a rel=\"prev\" href=\"");
        ngx_http_news_out_page_path(&out, path, page - 1);
        ngx_http_news_out_lit(&out, "\">上一页</a>");
    }

    if (from > 1) {
        ngx_http_news_pager_link(&out, path, 1);

        if (from > 2) {
            ngx_http_news_out_lit(&out, "<span class=\"gap\">…</span>");
        }
    }

    for (n = from; n <= to; n++) {
        if (n == page) {
            ngx_http_news_out_lit(&out, "<span aria-current=\"page\">");
            ngx_http_news_out_uint(&out, n);
            ngx_http_news_out_lit(&out, "</span>");
            continue;
        }

        ngx_http_news_pager_link(&out, path, n);
    }

    if (pages > to) {
        if (pages > to + 1) {
            ngx_http_news_out_lit(&out, "<span class=\"gap\">…</span>");
        }

        ngx_http_news_pager_link(&out, path, pages);
    }

    if (more) {
        ngx_http_news_out_lit(&out, "<a rel=\"next\" href=\"");
        ngx_http_news_out_page_path(&out, path, page + 1);
        ngx_http_news_out_lit(&out, "\">下一页</a>");
    }

    ngx_http_news_out_lit(&out, "</nav>");

    return ngx_http_news_out_str(&out, html);
}


static void
ngx_http_news_pager_link(ngx_http_news_out_t *out, ngx_str_t *path,
    ngx_uint_t page)
{
    ngx_http_news_out_lit(out, "<a href=\"");
    ngx_http_news_out_page_path(out, path, page);
    ngx_http_news_out_lit(out, "\">");
    ngx_http_news_out_uint(out, page);
    ngx_http_news_out_lit(out, "</a>");
}


/*
 * posts as a list of links and nothing more (most read, related): open is
 * the list's tag with its attributes, "ol class=\"most-read\""
 */

ngx_int_t
ngx_http_news_render_links(ngx_http_request_t *r, ngx_array_t *posts,
    ngx_str_t *open, ngx_str_t *html)
{
    u_char                *p;
    ngx_uint_t             i;
    ngx_http_news_out_t    out;
    ngx_http_news_post_t  *post;

    post = posts->elts;

    ngx_http_news_out_init(&out, r->pool, 160 * (posts->nelts + 1));

    ngx_http_news_out_lit(&out, "<");
    ngx_http_news_out_add(&out, open->data, open->len);
    ngx_http_news_out_lit(&out, ">\n");

    for (i = 0; i < posts->nelts; i++) {
        ngx_http_news_out_lit(&out, "<li><a href=\"");
        ngx_http_news_out_post_path(&out, &post[i]);
        ngx_http_news_out_lit(&out, "\">");
        ngx_http_news_out_html(&out, &post[i].title);
        ngx_http_news_out_lit(&out, "</a></li>\n");
    }

    p = ngx_strlchr(open->data, open->data + open->len, ' ');

    ngx_http_news_out_lit(&out, "</");
    ngx_http_news_out_add(&out, open->data,
                          (p ? p : open->data + open->len) - open->data);
    ngx_http_news_out_lit(&out, ">");

    return ngx_http_news_out_str(&out, html);
}
