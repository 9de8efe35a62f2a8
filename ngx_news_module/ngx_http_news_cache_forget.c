
/*
 * Copyright (C) ngx_news_module authors
 *
 * What a commit changed, forgotten by the render cache: the pages made of
 * the rows and lists it names (ngx_http_news_changes.c reads them from
 * the change log), each page tested against what it keeps it is made of.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static ngx_uint_t ngx_http_news_cache_stale(ngx_http_news_page_t *page,
    uint64_t *deps, ngx_uint_t n);
static int ngx_libc_cdecl ngx_http_news_dep_cmp(const void *one,
    const void *two);


/*
 * a commit changed the rows and lists deps[] names: the pages made of any
 * of them are forgotten, the others kept
 */

void
ngx_http_news_cache_forget(ngx_http_news_cache_t *cache, uint64_t *deps,
    ngx_uint_t n)
{
    ngx_queue_t           *q, *next, *queue;
    ngx_uint_t             i;
    ngx_http_news_page_t  *page;

    if (cache->max == 0) {
        return;
    }

    ngx_qsort(deps, n, sizeof(uint64_t), ngx_http_news_dep_cmp);

    ngx_shmtx_lock(&cache->shpool->mutex);

    for (i = 0; i <= NGX_HTTP_NEWS_CACHE_BUDGETS; i++) {

        if (i == NGX_HTTP_NEWS_CACHE_BUDGETS) {
            /* this worker's pages too big to keep, which need no lock */
            ngx_shmtx_unlock(&cache->shpool->mutex);
            queue = &cache->sending;

        } else {
            queue = &cache->sh->lru[i];
        }

        for (q = ngx_queue_head(queue);
             q != ngx_queue_sentinel(queue);
             q = next)
        {
            next = ngx_queue_next(q);
            page = ngx_queue_data(q, ngx_http_news_page_t, lru);

            if (ngx_http_news_cache_stale(page, deps, n)) {
                ngx_http_news_cache_remove(cache, page);
            }
        }

        if (i == NGX_HTTP_NEWS_CACHE_BUDGETS - 1) {
            /* what another worker renders from before is not kept */
            cache->sh->epoch++;
        }
    }
}


/*
 * whether a page is made of what changed; pages of the kinds whose every
 * row and list read is recorded (articles, share links, category, home
 * and tag pages, the ends of their lists' pages) can tell, the others
 * (feeds, sitemaps, QR codes) go at every change
 */

static ngx_uint_t
ngx_http_news_cache_stale(ngx_http_news_page_t *page, uint64_t *deps,
    ngx_uint_t n)
{
    ngx_uint_t  i, lo, hi, mid;

    switch (page->sn.str.data[0]) {

    case NGX_HTTP_NEWS_CACHE_ARTICLE:
    case NGX_HTTP_NEWS_CACHE_RENDER:
    case NGX_HTTP_NEWS_CACHE_SHARE:
    case NGX_HTTP_NEWS_CACHE_CATEGORY:
    case NGX_HTTP_NEWS_CACHE_INDEX:
    case NGX_HTTP_NEWS_CACHE_TAG:
    case NGX_HTTP_NEWS_CACHE_ANCHOR:
        break;

    default:
        return 1;
    }

    if (page->ndeps == 0) {
        return 1;
    }

    for (i = 0; i < page->ndeps; i++) {
        lo = 0;
        hi = n;

        while (lo < hi) {
            mid = lo + (hi - lo) / 2;

            if (deps[mid] < page->deps[i]) {
                lo = mid + 1;

            } else {
                hi = mid;
            }
        }

        if (lo < n && deps[lo] == page->deps[i]) {
            return 1;
        }
    }

    return 0;
}


static int ngx_libc_cdecl
ngx_http_news_dep_cmp(const void *one, const void *two)
{
    uint64_t  a = *(uint64_t *) one, b = *(uint64_t *) two;

    return (a > b) - (a < b);
}
