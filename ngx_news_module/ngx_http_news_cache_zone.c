
/*
 * Copyright (C) ngx_news_module authors
 *
 * The render cache's zone, one for each database, shared by the workers:
 * its making at configuration, which file its pages are of and up to
 * which row of the change log they are current, the room a page to keep
 * is made (each budget's oldest pages go; a page asked for less often
 * than they were, while the cache is full, is not kept), and pages
 * removed, one or all.
 * Everything in it is read and changed with the zone locked.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static ngx_int_t ngx_http_news_cache_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_uint_t ngx_http_news_cache_frequency(ngx_http_news_cache_sh_t *sh,
    uint32_t hash);
static ngx_uint_t ngx_http_news_cache_admit(ngx_http_news_cache_sh_t *sh,
    uint32_t hash, size_t size, size_t max);


/*
 * at configuration: a database's zone, "news_cache <path>", of max bytes
 * of pages and the room the other budgets, its index and slab pages take
 * beside them; a new zone at each reload, as pages are made by the
 * configuration too
 */

ngx_int_t
ngx_http_news_cache_zone(ngx_conf_t *cf, ngx_http_news_cache_t *cache,
    ngx_str_t *path, size_t max)
{
    size_t           size;
    ngx_str_t        name;
    ngx_shm_zone_t  *shm_zone;

    cache->max = max;

    if (max == 0) {
        return NGX_OK;
    }

    name.len = sizeof("news_cache ") - 1 + path->len;
    name.data = ngx_pnalloc(cf->pool, name.len);
    if (name.data == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(name.data, "news_cache %V", path);

    /*
     * the pages' budget, the ends' (an eighth) and the errors' (a
     * sixteenth) beside it, and an eighth for the slab's rounding and
     * what pages being sent hold after their eviction: a zone short of
     * them would evict pages to make room for ends and errors
     */

    size = max + max / 8 + max / 16 + max / 8
           + sizeof(ngx_http_news_cache_sh_t) + 8 * ngx_pagesize;

    shm_zone = ngx_shared_memory_add(cf, &name, size, &ngx_http_news_module);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    shm_zone->init = ngx_http_news_cache_init_zone;
    shm_zone->data = cache;
    shm_zone->noreuse = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_news_cache_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_news_cache_t  *cache = shm_zone->data;

    ngx_uint_t                 i;
    ngx_slab_pool_t           *shpool;
    ngx_http_news_cache_sh_t  *sh;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_news_cache_sh_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    ngx_rbtree_init(&sh->rbtree, &sh->sentinel, ngx_str_rbtree_insert_value);

    sh->seen = -1;

    for (i = 0; i < NGX_HTTP_NEWS_CACHE_BUDGETS; i++) {
        ngx_queue_init(&sh->lru[i]);
    }

    shpool->data = sh;

    /* a full zone is not an error: older pages make room */
    shpool->log_nomem = 0;

    cache->sh = sh;
    cache->shpool = shpool;

    return NGX_OK;
}


/* in each worker: its own pages too big to keep */

void
ngx_http_news_cache_init(ngx_http_news_cache_t *cache)
{
    ngx_rbtree_init(&cache->rbtree, &cache->sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&cache->sending);
}


/*
 * the worker opened the file: the zone is emptied if it had another
 * file's pages.  A worker that still reads a file replaced since keeps
 * nothing it renders from it.
 */

void
ngx_http_news_cache_open(ngx_http_news_cache_t *cache, ngx_file_uniq_t uniq,
    dev_t dev)
{
    ngx_uint_t  other;

    cache->uniq = uniq;
    cache->dev = dev;

    if (cache->max == 0) {
        return;
    }

    ngx_shmtx_lock(&cache->shpool->mutex);

    other = (cache->sh->uniq != uniq || cache->sh->dev != dev);

    if (other) {
        cache->sh->uniq = uniq;
        cache->sh->dev = dev;
        cache->sh->seen = -1;
    }

    ngx_shmtx_unlock(&cache->shpool->mutex);

    if (other) {
        ngx_http_news_cache_flush(cache);
    }
}


/*
 * the change log's row up to which the pages in the zone are current,
 * from which a worker that just opened the file reads the log; -1 when
 * no worker has read it yet, or reads another file
 */

int64_t
ngx_http_news_cache_current(ngx_http_news_cache_t *cache)
{
    int64_t  seen;

    if (cache->max == 0) {
        return -1;
    }

    ngx_shmtx_lock(&cache->shpool->mutex);

    seen = (cache->uniq == cache->sh->uniq && cache->dev == cache->sh->dev)
           ? cache->sh->seen : -1;

    ngx_shmtx_unlock(&cache->shpool->mutex);

    return seen;
}


/* the bytes and pages kept, for news_metrics */

void
ngx_http_news_cache_usage(ngx_http_news_cache_t *cache, size_t *bytes,
    ngx_uint_t *pages)
{
    ngx_uint_t  i;

    if (cache->max == 0) {
        return;
    }

    ngx_shmtx_lock(&cache->shpool->mutex);

    for (i = 0; i < NGX_HTTP_NEWS_CACHE_BUDGETS; i++) {
        *bytes += cache->sh->used[i];
    }

    *pages += cache->sh->pages;

    ngx_shmtx_unlock(&cache->shpool->mutex);
}


/* the worker forgot what the log's rows up to id touched */

void
ngx_http_news_cache_seen(ngx_http_news_cache_t *cache, int64_t id)
{
    if (cache->max == 0 || id < 0) {
        return;
    }

    ngx_shmtx_lock(&cache->shpool->mutex);

    if (cache->uniq == cache->sh->uniq && cache->dev == cache->sh->dev
        && id > cache->sh->seen)
    {
        cache->sh->seen = id;
    }

    ngx_shmtx_unlock(&cache->shpool->mutex);
}


/*
 * a block of the zone for a page to keep, its room made by the budget's
 * oldest pages (and, when the zone is fragmented, any budget's); NULL
 * when the page is not to be kept: too big, or asked for less often than
 * what it would evict while the cache is full
 */

ngx_http_news_page_t *
ngx_http_news_cache_alloc(ngx_http_news_cache_t *cache, ngx_uint_t budget,
    size_t size, uint32_t hash)
{
    size_t                     max;
    ngx_uint_t                 i;
    ngx_queue_t               *q;
    ngx_http_news_page_t      *page;
    ngx_http_news_cache_sh_t  *sh;

    switch (budget) {

    case NGX_HTTP_NEWS_CACHE_B_ERRORS:
        max = cache->max / 16;
        break;

    case NGX_HTTP_NEWS_CACHE_B_ENDS:
        max = cache->max / 8;
        break;

    default:
        max = cache->max;
    }

    if (size > cache->max / 4 || size > max) {
        return NULL;
    }

    sh = cache->sh;
    page = NULL;

    ngx_shmtx_lock(&cache->shpool->mutex);

    if (budget == NGX_HTTP_NEWS_CACHE_B_PAGES
        && sh->used[budget] + size > max
        && !ngx_http_news_cache_admit(sh, hash, size, max))
    {
        goto done;
    }

    while (sh->used[budget] + size > max && !ngx_queue_empty(&sh->lru[budget]))
    {
        q = ngx_queue_last(&sh->lru[budget]);
        ngx_http_news_cache_remove(cache,
                             ngx_queue_data(q, ngx_http_news_page_t, lru));
        ngx_http_news_metric_add(cache_evictions, 1);
    }

    for ( ;; ) {
        page = ngx_slab_alloc_locked(cache->shpool, size);

        if (page != NULL) {
            sh->used[budget] += size;
            break;
        }

        for (i = budget; i < budget + NGX_HTTP_NEWS_CACHE_BUDGETS; i++) {
            if (!ngx_queue_empty(&sh->lru[i % NGX_HTTP_NEWS_CACHE_BUDGETS])) {
                break;
            }
        }

        if (i == budget + NGX_HTTP_NEWS_CACHE_BUDGETS) {
            break;
        }

        q = ngx_queue_last(&sh->lru[i % NGX_HTTP_NEWS_CACHE_BUDGETS]);
        ngx_http_news_cache_remove(cache,
                             ngx_queue_data(q, ngx_http_news_page_t, lru));
        ngx_http_news_metric_add(cache_evictions, 1);
    }

done:

    ngx_shmtx_unlock(&cache->shpool->mutex);

    return page;
}


/* the database changed or was reopened: every page may be stale */

void
ngx_http_news_cache_flush(ngx_http_news_cache_t *cache)
{
    ngx_uint_t             i;
    ngx_queue_t           *q;

    if (cache->max == 0) {
        return;
    }

    ngx_shmtx_lock(&cache->shpool->mutex);

    for (i = 0; i < NGX_HTTP_NEWS_CACHE_BUDGETS; i++) {
        while (!ngx_queue_empty(&cache->sh->lru[i])) {
            q = ngx_queue_head(&cache->sh->lru[i]);
            ngx_http_news_cache_remove(cache,
                                 ngx_queue_data(q, ngx_http_news_page_t, lru));
        }
    }

    cache->sh->epoch++;

    ngx_shmtx_unlock(&cache->shpool->mutex);

    while (!ngx_queue_empty(&cache->sending)) {
        q = ngx_queue_head(&cache->sending);
        ngx_http_news_cache_remove(cache,
                             ngx_queue_data(q, ngx_http_news_page_t, lru));
    }
}


/*
 * how often keys are asked for: a count-min sketch, each key counted in
 * one byte of each row (the crc32 of its key times a row's odd constant,
 * the top bits), its frequency the least of its four counts; all halved
 * every NGX_HTTP_NEWS_CACHE_SAMPLE lookups, so that what readers asked
 * for long ago fades
 */

static uint32_t  ngx_http_news_cache_rows[4] = {
    0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f
};


void
ngx_http_news_cache_count(ngx_http_news_cache_sh_t *sh, uint32_t hash)
{
    u_char      *c;
    ngx_uint_t   i, j;

    for (i = 0; i < 4; i++) {
        c = (u_char *) sh->sketch[i]
            + ((uint32_t) (hash * ngx_http_news_cache_rows[i])
               >> (32 - NGX_HTTP_NEWS_CACHE_SKETCH_BITS));

        if (*c != 0xff) {
            (*c)++;
        }
    }

    if (++sh->looked < NGX_HTTP_NEWS_CACHE_SAMPLE) {
        return;
    }

    sh->looked = 0;

    for (i = 0; i < 4; i++) {
        for (j = 0; j < NGX_HTTP_NEWS_CACHE_SKETCH / 8; j++) {
            sh->sketch[i][j] = (sh->sketch[i][j] >> 1)
                               & 0x7f7f7f7f7f7f7f7fULL;
        }
    }
}


static ngx_uint_t
ngx_http_news_cache_frequency(ngx_http_news_cache_sh_t *sh, uint32_t hash)
{
    u_char      *c;
    ngx_uint_t   i, f;

    f = 0xff;

    for (i = 0; i < 4; i++) {
        c = (u_char *) sh->sketch[i]
            + ((uint32_t) (hash * ngx_http_news_cache_rows[i])
               >> (32 - NGX_HTTP_NEWS_CACHE_SKETCH_BITS));

        f = ngx_min(f, *c);
    }

    return f;
}


/*
 * whether a page is worth what it evicts, when the cache is full (a
 * TinyLFU admission): only if it is asked for more often than each of
 * the oldest pages it would evict.  A crawler's walk of the archive, a
 * reader's one look at an old article, evict nothing readers come back
 * to; a page not kept is still sent from its one copy.
 */

static ngx_uint_t
ngx_http_news_cache_admit(ngx_http_news_cache_sh_t *sh, uint32_t hash,
    size_t size, size_t max)
{
    size_t                 room, used;
    ngx_uint_t             f;
    ngx_queue_t           *q, *lru;
    ngx_http_news_page_t  *victim;

    f = ngx_http_news_cache_frequency(sh, hash);

    lru = &sh->lru[NGX_HTTP_NEWS_CACHE_B_PAGES];
    used = sh->used[NGX_HTTP_NEWS_CACHE_B_PAGES];
    room = (used < max) ? max - used : 0;

    for (q = ngx_queue_last(lru);
         room < size && q != ngx_queue_sentinel(lru);
         q = ngx_queue_prev(q))
    {
        victim = ngx_queue_data(q, ngx_http_news_page_t, lru);

        if (ngx_http_news_cache_frequency(sh, victim->sn.node.key) >= f) {
            return 0;
        }

        room += victim->size;
    }

    return 1;
}


/*
 * out of the cache, the zone locked for a kept page; freed now, or when
 * the last request sending it ends
 */

void
ngx_http_news_cache_remove(ngx_http_news_cache_t *cache,
    ngx_http_news_page_t *page)
{
    ngx_queue_remove(&page->lru);

    if (page->transient) {
        ngx_rbtree_delete(&cache->rbtree, &page->sn.node);

    } else {
        ngx_rbtree_delete(&cache->sh->rbtree, &page->sn.node);
        cache->sh->used[page->budget] -= page->size;
        cache->sh->pages--;
    }

    if (page->refs) {
        page->dead = 1;
        return;
    }

    ngx_http_news_cache_free(cache, page);
}


void
ngx_http_news_cache_free(ngx_http_news_cache_t *cache,
    ngx_http_news_page_t *page)
{
    if (page->transient) {
        ngx_free(page);

    } else {
        ngx_slab_free_locked(cache->shpool, page);
    }
}
