
/*
 * Copyright (C) ngx_news_module authors
 *
 * The render cache: pages rendered from a database are kept, per worker,
 * until what they are made of changes.  PRAGMA data_version, read on
 * every request, moves with every commit of another connection; the
 * commit's rows in the change log (ngx_http_news_changes.c) say which
 * pages it touched, and those are forgotten, so that an admin's edit
 * shows on the next request and the rest of the cache stays.  A page being
 * sent is referenced and outlives its eviction until the request ends.
 *
 * Error pages (404, 410) are kept too, in a budget of their own, so that
 * a client asking for made-up URLs only ever evicts other errors; so are
 * the ends of list pages, which cost a pass over the list to find again.
 * A page too big to keep is still shared, while it is being sent, by every
 * request for it: twenty slow readers of a 100 MB article hold one copy.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static ngx_int_t ngx_http_news_cache_hold(ngx_http_request_t *r,
    ngx_http_news_page_t *page);
static void ngx_http_news_cache_release(void *data);
static ngx_uint_t ngx_http_news_cache_admit(ngx_http_news_cache_t *cache,
    uint32_t hash);
static ngx_queue_t *ngx_http_news_cache_queue(ngx_http_news_cache_t *cache,
    ngx_http_news_page_t *page);


void
ngx_http_news_cache_init(ngx_http_news_cache_t *cache, size_t max)
{
    ngx_rbtree_init(&cache->rbtree, &cache->sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&cache->lru);
    ngx_queue_init(&cache->errors);
    ngx_queue_init(&cache->ends);
    ngx_queue_init(&cache->sending);

    cache->size = 0;
    cache->errors_size = 0;
    cache->ends_size = 0;
    cache->max = max;
}


/*
 * "<kind><profile>\0<base URL>\0<what>[?page]": a page is shaped by the
 * location's settings (its profile: templates, page size, base URL) and,
 * unless news_base_url is a constant, by the scheme and host its absolute
 * URLs carry; a share link's target and a list's anchors are paths and
 * positions, the same for any location and host
 */

ngx_int_t
ngx_http_news_cache_key(ngx_http_request_t *r, u_char kind, ngx_str_t *what,
    ngx_uint_t page, ngx_str_t *key)
{
    ngx_str_t                  base;
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_str_null(&base);

    if (kind != NGX_HTTP_NEWS_CACHE_SHARE
        && kind != NGX_HTTP_NEWS_CACHE_ANCHOR
        && ngx_http_news_base_url_varies(r)
        && ngx_http_news_base_url(r, &base) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (base.len) {
        ctx = ngx_http_news_get_ctx(r);

        if (ctx == NULL || ctx->base_unvetted) {
            /* an empty key: neither looked up nor kept */
            ngx_str_null(key);
            return NGX_OK;
        }
    }

    ngx_http_news_out_init(&out, r->pool, base.len + what->len + 48);

    ngx_http_news_out_add(&out, &kind, 1);

    if (kind == NGX_HTTP_NEWS_CACHE_ANCHOR) {
        /* where a page ends depends on the page size alone */
        ngx_http_news_out_uint(&out, nlcf->page_size);

    } else if (kind != NGX_HTTP_NEWS_CACHE_SHARE) {
        ngx_http_news_out_uint(&out, nlcf->profile);
    }

    ngx_http_news_out_add(&out, (u_char *) "", 1);
    ngx_http_news_out_add(&out, base.data, base.len);
    ngx_http_news_out_add(&out, (u_char *) "", 1);
    ngx_http_news_out_add(&out, what->data, what->len);

    if (page) {
        ngx_http_news_out_lit(&out, "?");
        ngx_http_news_out_uint(&out, page);
    }

    /* what else the page shows varies with: a most-read list's settings */

    ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);

    if ((kind == NGX_HTTP_NEWS_CACHE_ARTICLE
         || kind == NGX_HTTP_NEWS_CACHE_RENDER
         || kind == NGX_HTTP_NEWS_CACHE_INDEX)
        && ctx != NULL && ctx->cache_variant.len)
    {
        ngx_http_news_out_add(&out, ctx->cache_variant.data,
                              ctx->cache_variant.len);
    }

    if (ngx_http_news_out_str(&out, key) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news cache key: \"%V\"", what);

    /* the page's own key: an error it ends in is kept under it */

    if (kind != NGX_HTTP_NEWS_CACHE_ANCHOR) {
        ctx = ngx_http_news_get_ctx(r);

        if (ctx != NULL) {
            ctx->page_key = *key;
        }
    }

    return NGX_OK;
}


/* a cached page, held until the request ends, or NULL */

ngx_http_news_page_t *
ngx_http_news_cache_get(ngx_http_request_t *r, ngx_http_news_cache_t *cache,
    ngx_str_t *key)
{
    ngx_http_news_page_t   *page;

    if (cache->max == 0 || key->len == 0) {
        return NULL;
    }

    page = (ngx_http_news_page_t *)
               ngx_str_rbtree_lookup(&cache->rbtree, key,
                                     ngx_crc32_short(key->data, key->len));
    if (page == NULL) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "news cache miss");
        return NULL;
    }

    if (ngx_http_news_cache_hold(r, page) != NGX_OK) {
        return NULL;
    }

    if (!page->transient) {
        ngx_queue_remove(&page->lru);
        ngx_queue_insert_head(ngx_http_news_cache_queue(cache, page),
                              &page->lru);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news cache hit: %uz bytes, status %ui",
                   page->body.len, page->status);

    return page;
}


/*
 * keeps a page: the body as one block copied from the rendered chain;
 * older pages (errors: older errors) make room.  A page too big to keep
 * is held only while requests send it.  NULL when there is no cache.
 */

ngx_http_news_page_t *
ngx_http_news_cache_put(ngx_http_request_t *r, ngx_http_news_cache_t *cache,
    ngx_str_t *key, ngx_chain_t *body, off_t len, ngx_str_t *info_code,
    ngx_uint_t status)
{
    u_char                 *p;
    size_t                  size, budget, *used;
    uint32_t                hash;
    ngx_str_t               tags, keys;
    ngx_uint_t              transient, ndeps;
#if (NGX_DEBUG)
    ngx_uint_t              i;
#endif
    ngx_http_news_ctx_t    *ctx;
    ngx_queue_t            *q, *queue;
    ngx_chain_t            *cl;
    ngx_http_news_page_t   *page, *old;

    ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);
    ndeps = (ctx != NULL && ctx->deps != NULL) ? ctx->deps->nelts : 0;

    /* the dependencies first: they want the alignment of the page */

    ngx_str_null(&tags);
    ngx_str_null(&keys);

    if (ctx != NULL) {
        tags = ctx->cache_tags;
        keys = ctx->cache_keys;
    }

    size = sizeof(ngx_http_news_page_t) + ndeps * sizeof(uint64_t)
           + key->len + (size_t) len + info_code->len + tags.len + keys.len;

    if (cache->max == 0 || key->len == 0) {
        return NULL;
    }

    if (status) {
        queue = &cache->errors;
        used = &cache->errors_size;
        budget = cache->max / 16;

    } else if (key->data[0] == NGX_HTTP_NEWS_CACHE_ANCHOR) {
        /*
         * a list's page ends cost a pass over the list to find again (at a
         * million posts a tenth of a second for the home page's): pages
         * read once do not evict them
         */
        queue = &cache->ends;
        used = &cache->ends_size;
        budget = cache->max / 8;

    } else {
        queue = &cache->lru;
        used = &cache->size;
        budget = cache->max;
    }

    hash = ngx_crc32_short(key->data, key->len);

    transient = (size > cache->max / 4 || size > budget
                 || (queue == &cache->lru && *used + size > budget
                     && !ngx_http_news_cache_admit(cache, hash)));

    if (transient) {
        queue = &cache->sending;
        used = NULL;
    }

    old = (ngx_http_news_page_t *) ngx_str_rbtree_lookup(&cache->rbtree, key,
                                                         hash);
    if (old != NULL) {
        ngx_http_news_cache_remove(cache, old);
    }

    while (used != NULL && *used + size > budget && !ngx_queue_empty(queue)) {
        q = ngx_queue_last(queue);

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "news cache evict: %uz bytes",
                       ((ngx_http_news_page_t *)
                           ngx_queue_data(q, ngx_http_news_page_t, lru))->size);

        ngx_http_news_cache_remove(cache,
                             ngx_queue_data(q, ngx_http_news_page_t, lru));
    }

    page = ngx_alloc(size, r->connection->log);
    if (page == NULL) {
        return NULL;
    }

    ngx_memzero(page, sizeof(ngx_http_news_page_t));

    p = (u_char *) page + sizeof(ngx_http_news_page_t);

    page->deps = (uint64_t *) p;
    page->ndeps = ndeps;

    if (ndeps) {
        p = ngx_cpymem(p, ctx->deps->elts, ndeps * sizeof(uint64_t));
    }

    page->sn.str.data = p;
    page->sn.str.len = key->len;
    p = ngx_cpymem(p, key->data, key->len);

    page->body.data = p;

    for (cl = body; cl; cl = cl->next) {
        if (cl->buf->last != cl->buf->pos) {
            p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
        }
    }

    page->body.len = p - page->body.data;

    page->info_code.data = p;
    page->info_code.len = info_code->len;

    if (info_code->len) {
        p = ngx_cpymem(p, info_code->data, info_code->len);
    }

    page->tags.data = p;
    page->tags.len = tags.len;

    if (tags.len) {
        p = ngx_cpymem(p, tags.data, tags.len);
    }

    page->keys.data = p;
    page->keys.len = keys.len;

    if (keys.len) {
        ngx_memcpy(p, keys.data, keys.len);
    }

    page->size = size;
    page->sn.node.key = hash;
    page->status = status;
    page->cache = cache;
    page->transient = transient;

    ngx_rbtree_insert(&cache->rbtree, &page->sn.node);
    ngx_queue_insert_head(queue, &page->lru);

    if (ctx != NULL) {
        /* what this request sends was made for it: $news_cache_status */
        ctx->rendered = 1;
    }

    if (used != NULL) {
        *used += size;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news cache put: %uz bytes, status %ui%s", size, status,
                   transient ? ", while being sent" : "");

#if (NGX_DEBUG)
    for (i = 0; i < ndeps; i++) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "news cache put: depends on %ui:%uL",
                       ngx_http_news_dep_type(page->deps[i]),
                       (uint64_t) ngx_http_news_dep_id(page->deps[i]));
    }
#endif

    if (ngx_http_news_cache_hold(r, page) != NGX_OK) {
        /* a page no request holds is not kept for one */
        if (transient) {
            ngx_http_news_cache_remove(cache, page);
        }

        return NULL;
    }

    return page;
}


/* keeps a value that is not a page: a share link's path, an anchor */

ngx_http_news_page_t *
ngx_http_news_cache_put_str(ngx_http_request_t *r,
    ngx_http_news_cache_t *cache,
    ngx_str_t *key, ngx_str_t *value, ngx_str_t *info_code)
{
    ngx_buf_t    b;
    ngx_chain_t  cl;

    ngx_memzero(&b, sizeof(ngx_buf_t));

    b.pos = value->data;
    b.last = value->data + value->len;
    cl.buf = &b;
    cl.next = NULL;

    return ngx_http_news_cache_put(r, cache, key, &cl, value->len, info_code,
                                   0);
}


/* whether a page of len bytes would be kept, not only shared while sent */

ngx_uint_t
ngx_http_news_cache_keeps(ngx_http_news_cache_t *cache, size_t len)
{
    return (cache->max != 0
            && sizeof(ngx_http_news_page_t) + len <= cache->max / 4);
}


/* the database changed or was reopened: every page may be stale */

void
ngx_http_news_cache_flush(ngx_http_news_cache_t *cache)
{
    ngx_queue_t            *q, *queue[4];
    ngx_uint_t              i;

    queue[0] = &cache->lru;
    queue[1] = &cache->errors;
    queue[2] = &cache->ends;
    queue[3] = &cache->sending;

    for (i = 0; i < 4; i++) {
        while (!ngx_queue_empty(queue[i])) {
            q = ngx_queue_head(queue[i]);
            ngx_http_news_cache_remove(cache,
                                 ngx_queue_data(q, ngx_http_news_page_t, lru));
        }
    }
}


/*
 * whether a page is worth what it evicts, when the cache is full: one
 * asked for the first time is not (a crawler's walk of the archive, a
 * reader's one look at an old article), only on its second miss since,
 * as the last keys missed remember (direct-mapped, so they age by
 * themselves).  A page not kept is still sent from the one copy.
 */

static ngx_uint_t
ngx_http_news_cache_admit(ngx_http_news_cache_t *cache, uint32_t hash)
{
    uint32_t  *slot;

    if (cache->missed == NULL) {
        /* the worker's, for its life: the cycle's pool */
        cache->missed = ngx_pcalloc(ngx_cycle->pool,
                                    NGX_HTTP_NEWS_CACHE_MISSED
                                    * sizeof(uint32_t));
        if (cache->missed == NULL) {
            return 1;
        }
    }

    /* the product's top 14 bits: NGX_HTTP_NEWS_CACHE_MISSED slots */
    slot = &cache->missed[(uint32_t) (hash * 2654435761U) >> 18];

    if (*slot == (hash | 1)) {
        return 1;
    }

    *slot = hash | 1;

    return 0;
}


/* the queue a kept page is in, by its kind */

static ngx_queue_t *
ngx_http_news_cache_queue(ngx_http_news_cache_t *cache,
    ngx_http_news_page_t *page)
{
    if (page->status) {
        return &cache->errors;
    }

    if (page->sn.str.data[0] == NGX_HTTP_NEWS_CACHE_ANCHOR) {
        return &cache->ends;
    }

    return &cache->lru;
}


/* out of the cache; freed now, or when the last request sending it ends */

void
ngx_http_news_cache_remove(ngx_http_news_cache_t *cache,
    ngx_http_news_page_t *page)
{
    ngx_rbtree_delete(&cache->rbtree, &page->sn.node);
    ngx_queue_remove(&page->lru);

    if (page->transient) {
        /* counted in no budget */

    } else if (page->status) {
        cache->errors_size -= page->size;

    } else if (page->sn.str.data[0] == NGX_HTTP_NEWS_CACHE_ANCHOR) {
        cache->ends_size -= page->size;

    } else {
        cache->size -= page->size;
    }

    if (page->refs) {
        page->dead = 1;
        return;
    }

    ngx_free(page);
}


static ngx_int_t
ngx_http_news_cache_hold(ngx_http_request_t *r, ngx_http_news_page_t *page)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_news_cache_release;
    cln->data = page;

    page->refs++;

    return NGX_OK;
}


static void
ngx_http_news_cache_release(void *data)
{
    ngx_http_news_page_t  *page = data;

    if (--page->refs) {
        return;
    }

    if (page->dead) {
        ngx_free(page);

    } else if (page->transient) {
        /* too big to keep: gone with the last request sending it */
        ngx_http_news_cache_remove(page->cache, page);
    }
}
