
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
#include "ngx_http_news_feed.h"


static ngx_int_t ngx_http_news_feed_cached(ngx_http_request_t *r,
    ngx_http_news_feed_t *feed);
static ngx_int_t ngx_http_news_feed_send(ngx_http_request_t *r,
    ngx_http_news_feed_t *feed);
static ngx_int_t ngx_http_news_feed_items(ngx_http_request_t *r,
    ngx_http_news_list_t *list, ngx_str_t *base, ngx_array_t *items,
    ngx_str_t *updated);


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


/* the feed from the cache, or NGX_DECLINED to render it (its key made) */

static ngx_int_t
ngx_http_news_feed_cached(ngx_http_request_t *r, ngx_http_news_feed_t *feed)
{
    return ngx_http_news_send_cached(r, NGX_HTTP_NEWS_CACHE_FEED, &r->uri,
                                     feed->format, &feed->key);
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
