
/*
 * Copyright (C) ngx_news_module authors
 *
 * The render cache: pages rendered from a database are kept, in a zone
 * the workers share, until what they are made of changes.  PRAGMA
 * data_version, read on every request, moves with every commit of another
 * connection; the commit's rows in the change log (ngx_http_news_changes.c)
 * say which pages it touched, and those are forgotten, so that an admin's
 * edit shows on the next request and the rest of the cache stays.  A page
 * being sent is referenced and outlives its eviction until the request
 * ends.
 *
 * Each worker reads the database on its own, and sees a commit when its
 * next request comes: a page rendered from before a commit must not be
 * kept after another worker forgot what the commit touched.  The zone's
 * epoch moves whenever pages are forgotten, and a request keeps what it
 * rendered only if the epoch has not moved since its first lookup, which
 * comes before its read transaction; nor if the file it read is no longer
 * the one last opened (a replaced file, which a worker finds within a
 * second).
 *
 * Error pages (404, 410) are kept too, in a budget of their own, so that
 * a client asking for made-up URLs only ever evicts other errors; so are
 * the ends of list pages, which cost a pass over the list to find again.
 * A page too big to keep is still shared, while it is being sent, by every
 * request for it in the worker: twenty slow readers of a 100 MB article
 * hold one copy.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static void ngx_http_news_cache_fill(ngx_http_news_page_t *page,
    ngx_http_news_ctx_t *ctx, ngx_str_t *key, ngx_chain_t *body,
    ngx_http_news_page_t *proto);
static ngx_int_t ngx_http_news_cache_hold(ngx_http_request_t *r,
    ngx_http_news_page_t *page);
static void ngx_http_news_cache_release(void *data);


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
    uint32_t                   hash;
    ngx_pool_cleanup_t        *cln;
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_page_t      *page;
    ngx_http_news_cache_sh_t  *sh;

    if (cache->max == 0 || key->len == 0) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    ctx = ngx_http_news_get_ctx(r);
    hash = ngx_crc32_short(key->data, key->len);
    sh = cache->sh;

    ngx_shmtx_lock(&cache->shpool->mutex);

    if (ctx != NULL && !ctx->cache_looked) {
        ctx->cache_epoch = sh->epoch;
        ctx->cache_looked = 1;
    }

    ngx_http_news_cache_count(sh, hash);

    page = (ngx_http_news_page_t *) ngx_str_rbtree_lookup(&sh->rbtree, key,
                                                          hash);
    if (page != NULL) {
        page->refs++;

        ngx_queue_remove(&page->lru);
        ngx_queue_insert_head(&sh->lru[page->budget], &page->lru);
    }

    ngx_shmtx_unlock(&cache->shpool->mutex);

    if (page == NULL) {
        page = (ngx_http_news_page_t *)
                   ngx_str_rbtree_lookup(&cache->rbtree, key, hash);

        if (page == NULL) {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "news cache miss");
            return NULL;
        }

        page->refs++;
    }

    cln->handler = ngx_http_news_cache_release;
    cln->data = page;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news cache hit: %uz bytes, status %ui",
                   page->body.len, page->status);

    return page;
}


/*
 * keeps a page: the body as one block copied from the rendered chain, the
 * rest of what it is sent with from proto; older pages (errors: older
 * errors) make room.  A page too big to keep, or rendered while the cache
 * forgot pages, is held only while requests of this worker send it.
 * NULL when there is no cache.
 */

ngx_http_news_page_t *
ngx_http_news_cache_put(ngx_http_request_t *r, ngx_http_news_cache_t *cache,
    ngx_str_t *key, ngx_chain_t *body, off_t len, ngx_http_news_page_t *proto)
{
    size_t                     size, footprint;
    uint32_t                   hash;
    ngx_uint_t                 budget, ndeps, keep;
#if (NGX_DEBUG)
    ngx_uint_t                 i;
#endif
    ngx_http_news_ctx_t       *ctx;
    ngx_http_news_page_t      *page, *old;
    ngx_http_news_cache_sh_t  *sh;

    if (cache->max == 0 || key->len == 0) {
        return NULL;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_news_module);
    ndeps = (ctx != NULL && ctx->deps != NULL) ? ctx->deps->nelts : 0;

    /* the dependencies first: they want the alignment of the page */

    size = sizeof(ngx_http_news_page_t) + ndeps * sizeof(uint64_t)
           + key->len + (size_t) len + proto->info_code.len;

    if (ctx != NULL) {
        size += ctx->cache_tags.len + ctx->cache_keys.len;
    }

    if (proto->status) {
        budget = NGX_HTTP_NEWS_CACHE_B_ERRORS;

    } else if (key->data[0] == NGX_HTTP_NEWS_CACHE_ANCHOR) {
        /*
         * a list's page ends cost a pass over the list to find again (at a
         * million posts a tenth of a second for the home page's): pages
         * read once do not evict them
         */
        budget = NGX_HTTP_NEWS_CACHE_B_ENDS;

    } else {
        budget = NGX_HTTP_NEWS_CACHE_B_PAGES;
    }

    hash = ngx_crc32_short(key->data, key->len);
    sh = cache->sh;

    keep = (ctx != NULL && ctx->cache_looked);

    /* what the block takes in the zone: whole slab pages, or a power of 2 */

    if (size > ngx_pagesize / 2) {
        footprint = ngx_align(size, ngx_pagesize);

    } else {
        for (footprint = 8; footprint < size; footprint <<= 1) {
            /* void */
        }
    }

    page = keep ? ngx_http_news_cache_alloc(cache, budget, footprint, hash)
                : NULL;

    if (page != NULL) {
        /* filled unlocked: the other workers wait for no copy */
        ngx_http_news_cache_fill(page, ctx, key, body, proto);

        page->size = footprint;
        page->budget = budget;
        page->cache = cache;

        ngx_shmtx_lock(&cache->shpool->mutex);

        keep = (ctx->cache_epoch == sh->epoch
                && cache->uniq == sh->uniq && cache->dev == sh->dev);

        if (keep) {
            old = (ngx_http_news_page_t *)
                      ngx_str_rbtree_lookup(&sh->rbtree, key, hash);
            if (old != NULL) {
                ngx_http_news_cache_remove(cache, old);
            }

            page->sn.node.key = hash;
            ngx_rbtree_insert(&sh->rbtree, &page->sn.node);
            ngx_queue_insert_head(&sh->lru[budget], &page->lru);
            sh->pages++;

            page->refs = 1;

        } else {
            sh->used[budget] -= footprint;
            ngx_slab_free_locked(cache->shpool, page);
        }

        ngx_shmtx_unlock(&cache->shpool->mutex);

        if (!keep) {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "news cache put: pages forgotten meanwhile");
            page = NULL;
        }
    }

    if (page == NULL) {
        old = (ngx_http_news_page_t *)
                  ngx_str_rbtree_lookup(&cache->rbtree, key, hash);
        if (old != NULL) {
            ngx_http_news_cache_remove(cache, old);
        }

        page = ngx_alloc(size, r->connection->log);
        if (page == NULL) {
            return NULL;
        }

        ngx_http_news_cache_fill(page, ctx, key, body, proto);

        page->size = size;
        page->cache = cache;
        page->transient = 1;
        page->sn.node.key = hash;
        page->refs = 1;

        ngx_rbtree_insert(&cache->rbtree, &page->sn.node);
        ngx_queue_insert_head(&cache->sending, &page->lru);
    }

    if (ctx != NULL) {
        /* what this request sends was made for it: $news_cache_status */
        ctx->rendered = 1;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "news cache put: %uz bytes, status %ui%s", size,
                   proto->status,
                   page->transient ? ", while being sent" : "");

#if (NGX_DEBUG)
    for (i = 0; i < ndeps; i++) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "news cache put: depends on %ui:%uL",
                       ngx_http_news_dep_type(page->deps[i]),
                       (uint64_t) ngx_http_news_dep_id(page->deps[i]));
    }
#endif

    /* the reference taken above is this request's */

    if (ngx_http_news_cache_hold(r, page) != NGX_OK) {
        ngx_http_news_cache_release(page);
        return NULL;
    }

    return page;
}


static void
ngx_http_news_cache_fill(ngx_http_news_page_t *page, ngx_http_news_ctx_t *ctx,
    ngx_str_t *key, ngx_chain_t *body, ngx_http_news_page_t *proto)
{
    u_char       *p;
    ngx_str_t     tags, keys;
    ngx_chain_t  *cl;

    ngx_str_null(&tags);
    ngx_str_null(&keys);

    ngx_memzero(page, sizeof(ngx_http_news_page_t));

    p = (u_char *) page + sizeof(ngx_http_news_page_t);

    page->deps = (uint64_t *) p;

    if (ctx != NULL) {
        tags = ctx->cache_tags;
        keys = ctx->cache_keys;

        if (ctx->deps != NULL && ctx->deps->nelts) {
            page->ndeps = ctx->deps->nelts;
            p = ngx_cpymem(p, ctx->deps->elts,
                           page->ndeps * sizeof(uint64_t));
        }
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

    /* memcpy() of nothing from NULL is undefined: each copied if any */

    page->info_code.data = p;
    page->info_code.len = proto->info_code.len;

    if (proto->info_code.len) {
        p = ngx_cpymem(p, proto->info_code.data, proto->info_code.len);
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

    page->status = proto->status;
    page->crc = proto->crc;
    page->last_modified = proto->last_modified;
    page->kind = proto->kind;
    page->gzip = proto->gzip;
}


/* keeps a value that is not a page: a share link's path, an anchor */

ngx_http_news_page_t *
ngx_http_news_cache_put_str(ngx_http_request_t *r,
    ngx_http_news_cache_t *cache,
    ngx_str_t *key, ngx_str_t *value, ngx_str_t *info_code)
{
    ngx_buf_t              b;
    ngx_chain_t            cl;
    ngx_http_news_page_t   proto;

    ngx_memzero(&b, sizeof(ngx_buf_t));
    ngx_memzero(&proto, sizeof(ngx_http_news_page_t));

    b.pos = value->data;
    b.last = value->data + value->len;
    cl.buf = &b;
    cl.next = NULL;

    proto.info_code = *info_code;

    return ngx_http_news_cache_put(r, cache, key, &cl, value->len, &proto);
}


/* whether a page of len bytes would be kept, not only shared while sent */

ngx_uint_t
ngx_http_news_cache_keeps(ngx_http_news_cache_t *cache, size_t len)
{
    return (cache->max != 0
            && sizeof(ngx_http_news_page_t) + len <= cache->max / 4);
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

    return NGX_OK;
}


/* a request ends: a page it held goes if it was evicted or too big */

static void
ngx_http_news_cache_release(void *data)
{
    ngx_http_news_page_t  *page = data;

    ngx_http_news_cache_t  *cache;

    cache = page->cache;

    if (page->transient) {
        if (--page->refs) {
            return;
        }

        if (page->dead) {
            ngx_http_news_cache_free(cache, page);

        } else {
            /* too big to keep: gone with the last request sending it */
            ngx_http_news_cache_remove(cache, page);
        }

        return;
    }

    ngx_shmtx_lock(&cache->shpool->mutex);

    if (--page->refs == 0 && page->dead) {
        ngx_http_news_cache_free(cache, page);
    }

    ngx_shmtx_unlock(&cache->shpool->mutex);
}
