
/*
 * Copyright (C) ngx_news_module authors
 *
 * Feeds: the newest posts of the site (news_feed rss|atom), of a category
 * (/category/<slug>.xml, .atom) or of a tag (/tag/<name>.xml) as RSS 2.0
 * or Atom, news_feed_size of them, rendered at request time, kept in the render
 * cache and validated like pages.  Dates are the posts' own: pubDate in
 * its offset, lastBuildDate and <updated> the newest item's updated_at,
 * never the time of the request, so that readers neither skip nor repeat
 * items.  Every text is XML-escaped, the characters XML 1.0 forbids
 * dropped (news_xml_escape()); there is no CDATA to break.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


#define NGX_HTTP_NEWS_FEED_RSS   1
#define NGX_HTTP_NEWS_FEED_ATOM  2


/* which feed: its list, title, and the page it is the feed of */
typedef struct {
    ngx_uint_t                  format;
    ngx_http_news_list_t        list;
    ngx_str_t                   title;
    ngx_str_t                   page;       /* the page's path */
    ngx_str_t                   link;       /* and its absolute URL */
    ngx_str_t                   self;       /* the feed's own */
    ngx_str_t                   key;        /* its cache key */
} ngx_http_news_feed_t;


typedef struct {
    ngx_http_news_post_t        post;
    ngx_array_t                 tags;       /* ngx_str_t */
    ngx_str_t                   url;        /* canonical */
    ngx_str_t                   image;      /* absolute, or empty */
} ngx_http_news_item_t;


static ngx_int_t ngx_http_news_feed_cached(ngx_http_request_t *r,
    ngx_http_news_feed_t *feed);
static ngx_int_t ngx_http_news_feed_send(ngx_http_request_t *r,
    ngx_http_news_feed_t *feed);
static ngx_int_t ngx_http_news_feed_items(ngx_http_request_t *r,
    ngx_http_news_list_t *list, ngx_str_t *base, ngx_array_t *items,
    ngx_str_t *updated);
static void ngx_http_news_feed_rss(ngx_http_news_out_t *out,
    ngx_http_request_t *r, ngx_http_news_feed_t *feed, ngx_array_t *items,
    ngx_str_t *updated);
static void ngx_http_news_feed_atom(ngx_http_news_out_t *out,
    ngx_http_request_t *r, ngx_http_news_feed_t *feed, ngx_array_t *items,
    ngx_str_t *updated);
static void ngx_http_news_out_rfc822(ngx_http_news_out_t *out,
    ngx_str_t *at);
static void ngx_http_news_out_w3c(ngx_http_news_out_t *out, ngx_str_t *at);


static char  *ngx_http_news_months[] = { "Jan", "Feb", "Mar", "Apr", "May",
                                         "Jun", "Jul", "Aug", "Sep", "Oct",
                                         "Nov", "Dec" };

static char  *ngx_http_news_wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
                                        "Fri", "Sat" };


/* the site's feed, at a news_feed location */

ngx_int_t
ngx_http_news_feed_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_http_news_feed_t       feed;
    ngx_http_news_loc_conf_t  *nlcf;

    rc = ngx_http_news_check_method(r);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, rc);
    }

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_memzero(&feed, sizeof(ngx_http_news_feed_t));

    feed.format = nlcf->feed;
    feed.list.type = NGX_HTTP_NEWS_LIST_ALL;
    feed.title = nlcf->site_text;
    ngx_str_set(&feed.page, "/");

    rc = ngx_http_news_feed_cached(r, &feed);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    return ngx_http_news_feed_send(r, &feed);
}


/*
 * a category's feed, /category/<slug>.xml or .atom, which the category
 * location serves: its posts and its descendants' as its page lists them
 */

ngx_int_t
ngx_http_news_category_feed(ngx_http_request_t *r, ngx_str_t *slug,
    ngx_uint_t atom)
{
    ngx_int_t                  rc;
    ngx_http_news_cat_t        cat;
    ngx_http_news_out_t        out;
    ngx_http_news_feed_t       feed;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_memzero(&feed, sizeof(ngx_http_news_feed_t));

    feed.format = atom ? NGX_HTTP_NEWS_FEED_ATOM : NGX_HTTP_NEWS_FEED_RSS;

    rc = ngx_http_news_feed_cached(r, &feed);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_news_db_category(r, nlcf->db, slug, &cat);

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: no category \"%V\" for a feed", slug);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    feed.list.type = nlcf->descendants ? NGX_HTTP_NEWS_LIST_TREE
                                       : NGX_HTTP_NEWS_LIST_CATEGORY;
    feed.list.id = cat.id;
    feed.list.name = *slug;

    /* "财经 - 新闻": the category's name, then the site's */

    ngx_http_news_out_init(&out, r->pool, cat.name.len + 8
                                          + nlcf->site_text.len);
    ngx_http_news_out_add(&out, cat.name.data, cat.name.len);
    ngx_http_news_out_lit(&out, " - ");
    ngx_http_news_out_add(&out, nlcf->site_text.data, nlcf->site_text.len);

    if (ngx_http_news_out_str(&out, &feed.title) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, slug->len + 32);
    ngx_http_news_out_category_path(&out, slug, 0, NGX_HTTP_NEWS_ESCAPE_NONE);

    if (ngx_http_news_out_str(&out, &feed.page) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_news_feed_send(r, &feed);
}


/* a tag's feed, /tag/<name>.xml, which the tag location serves */

ngx_int_t
ngx_http_news_tag_feed(ngx_http_request_t *r, ngx_str_t *name)
{
    ngx_int_t                  rc;
    ngx_http_news_out_t        out;
    ngx_http_news_feed_t       feed;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_memzero(&feed, sizeof(ngx_http_news_feed_t));

    feed.format = NGX_HTTP_NEWS_FEED_RSS;

    rc = ngx_http_news_feed_cached(r, &feed);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_news_db_tag(r, nlcf->db, name, &feed.list);

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "news: no tag \"%V\" for a feed", name);
        return ngx_http_news_error(r, NGX_HTTP_NOT_FOUND);
    }

    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    ngx_http_news_out_init(&out, r->pool, name->len + 8
                                          + nlcf->site_text.len);
    ngx_http_news_out_add(&out, feed.list.name.data, feed.list.name.len);
    ngx_http_news_out_lit(&out, " - ");
    ngx_http_news_out_add(&out, nlcf->site_text.data, nlcf->site_text.len);

    if (ngx_http_news_out_str(&out, &feed.title) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, 3 * name->len + 32);
    ngx_http_news_out_tag_path(&out, &feed.list.name, 0);

    if (ngx_http_news_out_str(&out, &feed.page) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_news_feed_send(r, &feed);
}


/*
 * the feed from the cache (a response), or NGX_DECLINED with its key
 * made and a read transaction begun, to render it
 */

static ngx_int_t
ngx_http_news_feed_cached(ngx_http_request_t *r, ngx_http_news_feed_t *feed)
{
    ngx_int_t                  rc;
    ngx_http_news_page_t      *cached;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    rc = ngx_http_news_db_ready(nlcf->db, r->connection->log);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    if (ngx_http_news_cache_key(r, NGX_HTTP_NEWS_CACHE_FEED, &r->uri,
                                feed->format, &feed->key)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cached = ngx_http_news_cache_get(r, ngx_http_news_db_cache(nlcf->db),
                                     &feed->key);
    if (cached != NULL) {
        return ngx_http_news_send_page(r, cached);
    }

    ngx_http_news_db_begin(r, nlcf->db);

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_news_feed_send(ngx_http_request_t *r, ngx_http_news_feed_t *feed)
{
    ngx_int_t                  rc;
    ngx_str_t                  base, updated, body, none;
    ngx_array_t                items;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    if (ngx_http_news_base_url(r, &base) != NGX_OK
        || ngx_array_init(&items, r->pool, nlcf->feed_size,
                          sizeof(ngx_http_news_item_t))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_news_feed_items(r, &feed->list, &base, &items, &updated);
    if (rc != NGX_OK) {
        return ngx_http_news_error(r, NGX_HTTP_SERVICE_UNAVAILABLE);
    }

    /* the feed's own absolute URL and its page's, for links and ids */

    feed->self.len = base.len + r->uri.len;
    feed->self.data = ngx_pnalloc(r->pool, feed->self.len);
    feed->link.len = base.len + feed->page.len;
    feed->link.data = ngx_pnalloc(r->pool, feed->link.len);

    if (feed->self.data == NULL || feed->link.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(ngx_cpymem(feed->self.data, base.data, base.len),
               r->uri.data, r->uri.len);
    ngx_memcpy(ngx_cpymem(feed->link.data, base.data, base.len),
               feed->page.data, feed->page.len);

    ngx_http_news_out_init(&out, r->pool, 4096 + 16384 * items.nelts);

    if (feed->format == NGX_HTTP_NEWS_FEED_RSS) {
        ngx_http_news_feed_rss(&out, r, feed, &items, &updated);

    } else {
        ngx_http_news_feed_atom(&out, r, feed, &items, &updated);
    }

    if (ngx_http_news_out_str(&out, &body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_news_set_cache_tags(r, NULL, NULL);

    ngx_str_null(&none);

    return ngx_http_news_send_body(r, feed->format == NGX_HTTP_NEWS_FEED_RSS
                                      ? NGX_HTTP_NEWS_KIND_RSS
                                      : NGX_HTTP_NEWS_KIND_ATOM,
                                   &body, 0, &feed->key, &none);
}


/*
 * the newest posts, each with what an item carries: the whole post, its
 * tags, its canonical URL and image; *updated the newest updated_at
 */

static ngx_int_t
ngx_http_news_feed_items(ngx_http_request_t *r, ngx_http_news_list_t *list,
    ngx_str_t *base, ngx_array_t *items, ngx_str_t *updated)
{
    ngx_int_t                  rc;
    ngx_str_t                  path;
    ngx_uint_t                 i;
    ngx_array_t                posts;
    ngx_http_news_item_t      *item;
    ngx_http_news_post_t      *p;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_str_null(updated);

    if (ngx_array_init(&posts, r->pool, nlcf->feed_size,
                       sizeof(ngx_http_news_post_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    rc = ngx_http_news_db_posts(r, nlcf->db, list, nlcf->feed_size, 0, NULL,
                                &posts);
    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    p = posts.elts;

    for (i = 0; i < posts.nelts; i++) {
        item = ngx_array_push(items);
        if (item == NULL) {
            return NGX_ERROR;
        }

        ngx_memzero(item, sizeof(ngx_http_news_item_t));

        /* the list's row names the post; the item wants all of it */

        rc = ngx_http_news_db_post(r, nlcf->db, &p[i].info_code,
                                   &item->post);

        if (rc == NGX_DECLINED
            || (rc == NGX_OK
                && item->post.status != NGX_HTTP_NEWS_STATUS_PUBLISHED))
        {
            items->nelts--;
            continue;
        }

        if (rc != NGX_OK
            || ngx_array_init(&item->tags, r->pool, 4, sizeof(ngx_str_t))
               != NGX_OK
            || ngx_http_news_db_tags(r, nlcf->db, item->post.id, &item->tags)
               != NGX_OK
            || ngx_http_news_article_path(r, &item->post, &path) != NGX_OK)
        {
            return NGX_ERROR;
        }

        item->url.len = base->len + path.len;
        item->url.data = ngx_pnalloc(r->pool, item->url.len);
        if (item->url.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(ngx_cpymem(item->url.data, base->data, base->len),
                   path.data, path.len);

        if (ngx_http_news_meta_image(r, &item->post, base, &item->image)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        /* "YYYY-MM-DD HH:MM:SS+00:00" in UTC: as text, the newest sorts last */

        if (updated->len == 0
            || ngx_memn2cmp(item->post.updated_at.data, updated->data,
                            item->post.updated_at.len, updated->len) > 0)
        {
            *updated = item->post.updated_at;
        }
    }

    return NGX_OK;
}


/* RSS 2.0, with content:encoded for the body and dc:creator the author */

static void
ngx_http_news_feed_rss(ngx_http_news_out_t *out, ngx_http_request_t *r,
    ngx_http_news_feed_t *feed, ngx_array_t *items, ngx_str_t *updated)
{
    ngx_str_t                 *tag;
    ngx_uint_t                 i, j;
    ngx_http_news_item_t      *item;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_http_news_out_lit(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                          "<rss version=\"2.0\" "
                          "xmlns:atom=\"http://www.w3.org/2005/Atom\" "
                          "xmlns:content="
                          "\"http://purl.org/rss/1.0/modules/content/\" "
                          "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
                          "<channel>\n<title>");
    ngx_http_news_out_xml(out, &feed->title);
    ngx_http_news_out_lit(out, "</title>\n<link>");
    ngx_http_news_out_xml(out, &feed->link);
    ngx_http_news_out_lit(out, "</link>\n<description>");
    ngx_http_news_out_xml(out, &feed->title);
    ngx_http_news_out_lit(out, "</description>\n<language>");
    ngx_http_news_out_xml(out, &nlcf->language);
    ngx_http_news_out_lit(out, "</language>\n<atom:link rel=\"self\" "
                          "type=\"application/rss+xml\" href=\"");
    ngx_http_news_out_xml(out, &feed->self);
    ngx_http_news_out_lit(out, "\"/>\n");

    if (nlcf->websub_hub.len) {
        ngx_http_news_out_lit(out, "<atom:link rel=\"hub\" href=\"");
        ngx_http_news_out_xml(out, &nlcf->websub_hub);
        ngx_http_news_out_lit(out, "\"/>\n");
    }

    if (updated->len) {
        ngx_http_news_out_lit(out, "<lastBuildDate>");
        ngx_http_news_out_rfc822(out, updated);
        ngx_http_news_out_lit(out, "</lastBuildDate>\n");
    }

    item = items->elts;

    for (i = 0; i < items->nelts; i++) {
        ngx_http_news_out_lit(out, "<item>\n<title>");
        ngx_http_news_out_xml(out, &item[i].post.title);
        ngx_http_news_out_lit(out, "</title>\n<link>");
        ngx_http_news_out_xml(out, &item[i].url);
        ngx_http_news_out_lit(out, "</link>\n<guid isPermaLink=\"true\">");
        ngx_http_news_out_xml(out, &item[i].url);
        ngx_http_news_out_lit(out, "</guid>\n<pubDate>");
        ngx_http_news_out_rfc822(out, &item[i].post.published_at);
        ngx_http_news_out_lit(out, "</pubDate>\n");

        if (item[i].post.author.len) {
            ngx_http_news_out_lit(out, "<dc:creator>");
            ngx_http_news_out_xml(out, &item[i].post.author);
            ngx_http_news_out_lit(out, "</dc:creator>\n");
        }

        if (item[i].post.category_name.len) {
            ngx_http_news_out_lit(out, "<category>");
            ngx_http_news_out_xml(out, &item[i].post.category_name);
            ngx_http_news_out_lit(out, "</category>\n");
        }

        tag = item[i].tags.elts;

        for (j = 0; j < item[i].tags.nelts; j++) {
            ngx_http_news_out_lit(out, "<category>");
            ngx_http_news_out_xml(out, &tag[j]);
            ngx_http_news_out_lit(out, "</category>\n");
        }

        ngx_http_news_out_lit(out, "<description>");
        ngx_http_news_out_xml(out, &item[i].post.summary);
        ngx_http_news_out_lit(out, "</description>\n<content:encoded>");
        ngx_http_news_out_xml(out, &item[i].post.body);
        ngx_http_news_out_lit(out, "</content:encoded>\n");

        if (item[i].image.len) {
            /* the size is not known: 0, as RSS 2.0 readers take it */
            ngx_http_news_out_lit(out, "<enclosure url=\"");
            ngx_http_news_out_xml(out, &item[i].image);
            ngx_http_news_out_lit(out, "\" length=\"0\" "
                                  "type=\"image/jpeg\"/>\n");
        }

        ngx_http_news_out_lit(out, "</item>\n");
    }

    ngx_http_news_out_lit(out, "</channel>\n</rss>\n");
}


/* Atom, RFC 4287: the canonical URLs are the entries' ids */

static void
ngx_http_news_feed_atom(ngx_http_news_out_t *out, ngx_http_request_t *r,
    ngx_http_news_feed_t *feed, ngx_array_t *items, ngx_str_t *updated)
{
    ngx_str_t                 *tag, *author;
    ngx_uint_t                 i, j;
    ngx_http_news_item_t      *item;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_http_news_out_lit(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                          "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
                          "xml:lang=\"");
    ngx_http_news_out_xml(out, &nlcf->language);
    ngx_http_news_out_lit(out, "\">\n<id>");
    ngx_http_news_out_xml(out, &feed->self);
    ngx_http_news_out_lit(out, "</id>\n<title>");
    ngx_http_news_out_xml(out, &feed->title);
    ngx_http_news_out_lit(out, "</title>\n<updated>");

    if (updated->len) {
        ngx_http_news_out_w3c(out, updated);

    } else {
        /* no post yet: a fixed instant, so that the feed's bytes hold */
        ngx_http_news_out_lit(out, "1970-01-01T00:00:00Z");
    }

    ngx_http_news_out_lit(out, "</updated>\n<author><name>");
    ngx_http_news_out_xml(out, &nlcf->site_text);
    ngx_http_news_out_lit(out, "</name></author>\n"
                          "<link rel=\"self\" "
                          "type=\"application/atom+xml\" href=\"");
    ngx_http_news_out_xml(out, &feed->self);
    ngx_http_news_out_lit(out, "\"/>\n<link rel=\"alternate\" "
                          "type=\"text/html\" href=\"");
    ngx_http_news_out_xml(out, &feed->link);
    ngx_http_news_out_lit(out, "\"/>\n");

    if (nlcf->websub_hub.len) {
        ngx_http_news_out_lit(out, "<link rel=\"hub\" href=\"");
        ngx_http_news_out_xml(out, &nlcf->websub_hub);
        ngx_http_news_out_lit(out, "\"/>\n");
    }

    item = items->elts;

    for (i = 0; i < items->nelts; i++) {
        ngx_http_news_out_lit(out, "<entry>\n<id>");
        ngx_http_news_out_xml(out, &item[i].url);
        ngx_http_news_out_lit(out, "</id>\n<title>");
        ngx_http_news_out_xml(out, &item[i].post.title);
        ngx_http_news_out_lit(out, "</title>\n<link rel=\"alternate\" "
                              "type=\"text/html\" href=\"");
        ngx_http_news_out_xml(out, &item[i].url);
        ngx_http_news_out_lit(out, "\"/>\n<published>");
        ngx_http_news_out_w3c(out, &item[i].post.published_at);
        ngx_http_news_out_lit(out, "</published>\n<updated>");
        ngx_http_news_out_w3c(out, &item[i].post.updated_at);
        ngx_http_news_out_lit(out, "</updated>\n<author><name>");

        author = item[i].post.author.len ? &item[i].post.author
                                         : &nlcf->site_text;
        ngx_http_news_out_xml(out, author);
        ngx_http_news_out_lit(out, "</name></author>\n");

        if (item[i].post.category_name.len) {
            ngx_http_news_out_lit(out, "<category term=\"");
            ngx_http_news_out_xml(out, &item[i].post.category_name);
            ngx_http_news_out_lit(out, "\"/>\n");
        }

        tag = item[i].tags.elts;

        for (j = 0; j < item[i].tags.nelts; j++) {
            ngx_http_news_out_lit(out, "<category term=\"");
            ngx_http_news_out_xml(out, &tag[j]);
            ngx_http_news_out_lit(out, "\"/>\n");
        }

        if (item[i].image.len) {
            ngx_http_news_out_lit(out, "<link rel=\"enclosure\" href=\"");
            ngx_http_news_out_xml(out, &item[i].image);
            ngx_http_news_out_lit(out, "\"/>\n");
        }

        ngx_http_news_out_lit(out, "<summary>");
        ngx_http_news_out_xml(out, &item[i].post.summary);
        ngx_http_news_out_lit(out, "</summary>\n<content type=\"html\">");
        ngx_http_news_out_xml(out, &item[i].post.body);
        ngx_http_news_out_lit(out, "</content>\n</entry>\n");
    }

    ngx_http_news_out_lit(out, "</feed>\n");
}


/*
 * "2022-03-04 20:46:41+08:00" as RFC 822 in its own offset, "Fri, 04 Mar
 * 2022 20:46:41 +0800"; the day of the week from the date (days since
 * the epoch by the civil calendar's rule); anything else as text
 */

static void
ngx_http_news_out_rfc822(ngx_http_news_out_t *out, ngx_str_t *at)
{
    u_char     *d, *p, buf[48];
    ngx_int_t   y, m, day, era, yoe, doy, doe, days;

    d = at->data;

    if (at->len != 25 || d[4] != '-' || d[7] != '-' || d[10] != ' '
        || (d[19] != '+' && d[19] != '-') || d[22] != ':')
    {
        ngx_http_news_out_xml(out, at);
        return;
    }

    y = ngx_atoi(d, 4);
    m = ngx_atoi(d + 5, 2);
    day = ngx_atoi(d + 8, 2);

    if (y == NGX_ERROR || m < 1 || m > 12 || day < 1 || day > 31) {
        ngx_http_news_out_xml(out, at);
        return;
    }

    y -= (m <= 2);
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + doe - 719468;

    p = ngx_sprintf(buf, "%s, %*s %s %04i %*s %c%*s%*s",
                    ngx_http_news_wdays[(days % 7 + 11) % 7], (size_t) 2,
                    d + 8, ngx_http_news_months[m - 1], y + (m <= 2),
                    (size_t) 8, d + 11, d[19], (size_t) 2, d + 20,
                    (size_t) 2, d + 23);

    ngx_http_news_out_add(out, buf, p - buf);
}


/* "2022-03-04 20:46:41+08:00" as W3C / RFC 3339, "2022-03-04T20:46:41+08:00" */

static void
ngx_http_news_out_w3c(ngx_http_news_out_t *out, ngx_str_t *at)
{
    ngx_str_t  date, rest;

    if (at->len > 11 && at->data[10] == ' ') {
        date.data = at->data;
        date.len = 10;
        rest.data = at->data + 11;
        rest.len = at->len - 11;

        ngx_http_news_out_xml(out, &date);
        ngx_http_news_out_lit(out, "T");
        ngx_http_news_out_xml(out, &rest);
        return;
    }

    ngx_http_news_out_xml(out, at);
}


/* news_feed rss | atom; */

char *
ngx_http_news_feed(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (nlcf->handler != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "rss") == 0) {
        nlcf->feed = NGX_HTTP_NEWS_FEED_RSS;

    } else if (ngx_strcmp(value[1].data, "atom") == 0) {
        nlcf->feed = NGX_HTTP_NEWS_FEED_ATOM;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", it must be \"rss\" or "
                           "\"atom\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    nlcf->handler = ngx_http_news_feed_handler;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_news_feed_handler;

    return NGX_CONF_OK;
}


/*
 * news_feed_links rss=URI [atom=URI]: the feeds every page names in its
 * head, paths on the site like "/feed.xml"
 */

char *
ngx_http_news_feed_links(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    u_char        *p;
    ngx_str_t     *value;
    ngx_uint_t     i;
    ngx_keyval_t  *kv;

    if (nlcf->feed_links != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    nlcf->feed_links = ngx_array_create(cf->pool, 2, sizeof(ngx_keyval_t));
    if (nlcf->feed_links == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        kv = ngx_array_push(nlcf->feed_links);
        if (kv == NULL) {
            return NGX_CONF_ERROR;
        }

        if (ngx_strncmp(value[i].data, "rss=/", 5) == 0) {
            ngx_str_set(&kv->key, "application/rss+xml");
            p = value[i].data + 4;

        } else if (ngx_strncmp(value[i].data, "atom=/", 6) == 0) {
            ngx_str_set(&kv->key, "application/atom+xml");
            p = value[i].data + 5;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\", it must be "
                               "\"rss=/path\" or \"atom=/path\"",
                               &value[i]);
            return NGX_CONF_ERROR;
        }

        kv->value.data = p;
        kv->value.len = value[i].data + value[i].len - p;
    }

    return NGX_CONF_OK;
}


/* news_websub_hub URL: the hub subscribers are told to ask (WebSub) */

char *
ngx_http_news_websub_hub(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_loc_conf_t *nlcf = conf;

    ngx_str_t  *value;

    if (nlcf->websub_hub.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (!((value[1].len > 7
           && ngx_strncmp(value[1].data, "http://", 7) == 0)
          || (value[1].len > 8
              && ngx_strncmp(value[1].data, "https://", 8) == 0)))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"news_websub_hub\" \"%V\", it must "
                           "be an http:// or https:// URL", &value[1]);
        return NGX_CONF_ERROR;
    }

    nlcf->websub_hub = value[1];

    return NGX_CONF_OK;
}
