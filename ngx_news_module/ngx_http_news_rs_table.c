
/*
 * Copyright (C) ngx_news_module authors
 *
 * The readership zone's table: most keys in 24 bytes, where a node of
 * the zone's tree takes 128.  A key whose infoCode is two bytes and up to
 * 19 digits (every code of the default pattern) is kept as those bytes
 * and a number, its day and region as small indexes into the zone's own
 * lists of them, in one open-addressed table made with the zone in three
 * quarters of it: 35 bytes a key with its index and its share of the
 * table's free room, 46 bytes of the zone.  Any other key
 * (a code of a pattern of the site's own, a ninth day, a 1,025th region)
 * goes to the tree as before.  The zone is locked around every call.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_readership.h"


/* of the zone's bytes, what the table takes: the rest is the slab's */
#define NGX_HTTP_NEWS_RS_TABLE_SHARE(size)  ((size) / 4 * 3)

/* slots in use at most, in tenths: probes stay short */
#define NGX_HTTP_NEWS_RS_TABLE_LOAD   8

/* offsets in a key, as ngx_http_news_count() writes it */
#define NGX_HTTP_NEWS_RS_KEY_DAY      2
#define NGX_HTTP_NEWS_RS_KEY_CODE     (2 + NGX_HTTP_NEWS_DAY_LEN)


static ngx_int_t ngx_http_news_rs_pack(ngx_http_news_rs_sh_t *sh,
    u_char *key, size_t len, ngx_http_news_rs_slot_t *slot);
static ngx_int_t ngx_http_news_rs_region(ngx_http_news_rs_sh_t *sh,
    u_char *region, size_t len);
static ngx_uint_t ngx_http_news_rs_slot_hash(ngx_http_news_rs_sh_t *sh,
    ngx_http_news_rs_slot_t *slot);
static ngx_uint_t ngx_http_news_rs_unpack(ngx_http_news_rs_sh_t *sh,
    ngx_http_news_rs_slot_t *slot, u_char *key);
static void ngx_http_news_rs_place(ngx_http_news_rs_sh_t *sh,
    ngx_http_news_rs_slot_t *slot);


/*
 * a new zone's table, in a share of what the slab has free; none in a
 * zone too small for one, whose keys all go to the tree
 */

void
ngx_http_news_rs_table_init(ngx_http_news_rs_t *rs)
{
    size_t                  bytes;
    ngx_uint_t              n;
    ngx_http_news_rs_sh_t  *sh;

    sh = rs->sh;
    bytes = NGX_HTTP_NEWS_RS_TABLE_SHARE(rs->shpool->pfree * ngx_pagesize);

    /* a slot and, for each slot that may be used, its index */
    n = bytes / (sizeof(ngx_http_news_rs_slot_t)
                 + sizeof(uint32_t) * NGX_HTTP_NEWS_RS_TABLE_LOAD / 10);

    sh->slots = NULL;
    sh->nused = 0;

    if (n < 64) {
        return;
    }

    sh->nslots = n;
    sh->max_used = n * NGX_HTTP_NEWS_RS_TABLE_LOAD / 10;

    sh->slots = ngx_slab_calloc(rs->shpool,
                                n * sizeof(ngx_http_news_rs_slot_t));
    sh->used = ngx_slab_alloc(rs->shpool, sh->max_used * sizeof(uint32_t));

    if (sh->slots == NULL || sh->used == NULL) {
        if (sh->slots) {
            ngx_slab_free(rs->shpool, sh->slots);
        }

        if (sh->used) {
            ngx_slab_free(rs->shpool, sh->used);
        }

        sh->slots = NULL;
    }
}


/*
 * adds count to the key's slot, made if missing: NGX_OK; NGX_DECLINED
 * when the key is not kept in the table, or the table is full (the tree
 * is tried then); NGX_BUSY as NGX_OK, and the table is half full: a flush
 * is due now, not at its time
 */

ngx_int_t
ngx_http_news_rs_table_add(ngx_http_news_rs_t *rs, u_char *key, size_t len,
    uint64_t count)
{
    ngx_uint_t                i;
    ngx_http_news_rs_sh_t    *sh;
    ngx_http_news_rs_slot_t   want, *s;

    sh = rs->sh;

    if (sh->slots == NULL || count > NGX_MAX_UINT32_VALUE
        || ngx_http_news_rs_pack(sh, key, len, &want) != NGX_OK)
    {
        return NGX_DECLINED;
    }

    i = ngx_http_news_rs_slot_hash(sh, &want);

    for ( ;; ) {
        s = &sh->slots[i];

        if (s->region == 0) {
            break;
        }

        if (s->digits == want.digits && s->region == want.region
            && s->day == want.day && s->kind == want.kind
            && s->ndigits == want.ndigits
            && s->letters[0] == want.letters[0]
            && s->letters[1] == want.letters[1])
        {
            if (s->count > NGX_MAX_UINT32_VALUE - count) {
                /* never in one flush period; counted lost, not wrapped */
                sh->lost += count;
                return NGX_OK;
            }

            s->count += (uint32_t) count;
            return NGX_OK;
        }

        if (++i == sh->nslots) {
            i = 0;
        }
    }

    if (sh->nused == sh->max_used) {
        return NGX_DECLINED;
    }

    want.count = (uint32_t) count;
    want.inflight = 0;
    *s = want;

    sh->used[sh->nused++] = (uint32_t) i;

    return (sh->nused >= sh->max_used / 2) ? NGX_BUSY : NGX_OK;
}


/* the table's part of a batch: as ngx_http_news_rs_take() */

ngx_uint_t
ngx_http_news_rs_table_take(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_rec_t *recs, ngx_uint_t max, ngx_uint_t taking_up)
{
    ngx_uint_t                i, n;
    ngx_http_news_rs_sh_t    *sh;
    ngx_http_news_rs_rec_t   *rec;
    ngx_http_news_rs_slot_t  *s;

    sh = rs->sh;
    n = 0;

    for (i = 0; i < sh->nused && n < max; i++) {
        s = &sh->slots[sh->used[i]];

        if (taking_up) {
            /* a dead writer's batch, as it was */
            if (s->inflight == 0) {
                continue;
            }

            rec = &recs[n++];
            rec->count = s->inflight;

        } else {
            if (s->count == 0) {
                continue;
            }

            rec = &recs[n++];
            rec->count = s->count;
            s->inflight = s->count;
            s->count = 0;
        }

        rec->len = (u_char) ngx_http_news_rs_unpack(sh, s, rec->key);
    }

    return n;
}


/*
 * the batch is over, as ngx_http_news_rs_release(): the counts written
 * leave the table, those not go back; the table is made again from what
 * is left, which is little (what was counted while the batch was written)
 */

void
ngx_http_news_rs_table_release(ngx_http_news_rs_t *rs, ngx_uint_t written)
{
    u_char                     days[NGX_HTTP_NEWS_RS_DAYS]
                                   [NGX_HTTP_NEWS_DAY_LEN];
    u_char                     map[NGX_HTTP_NEWS_RS_DAYS];
    ngx_uint_t                 i, n, ndays;
    ngx_http_news_rs_sh_t     *sh;
    ngx_http_news_rs_slot_t   *s, *left;

    sh = rs->sh;

    if (sh->slots == NULL) {
        return;
    }

    left = ngx_alloc((sh->nused ? sh->nused : 1)
                     * sizeof(ngx_http_news_rs_slot_t), rs->log);
    if (left == NULL) {
        /* nothing moves: the counts stay, the table as it is */
        for (i = 0; i < sh->nused; i++) {
            s = &sh->slots[sh->used[i]];

            if (!written) {
                s->count += s->inflight;
            }

            s->inflight = 0;
        }

        return;
    }

    n = 0;
    ndays = 0;
    ngx_memset(map, 0xff, sizeof(map));

    for (i = 0; i < sh->nused; i++) {
        s = &sh->slots[sh->used[i]];

        if (!written) {
            s->count += s->inflight;
        }

        s->inflight = 0;

        if (s->count) {
            /* the days still in use only: the list stays short */
            if (map[s->day] == 0xff) {
                map[s->day] = (u_char) ndays;
                ngx_memcpy(days[ndays++], sh->days[s->day],
                           NGX_HTTP_NEWS_DAY_LEN);
            }

            left[n] = *s;
            left[n].day = map[s->day];
            n++;
        }

        ngx_memzero(s, sizeof(ngx_http_news_rs_slot_t));
    }

    ngx_memcpy(sh->days, days, ndays * NGX_HTTP_NEWS_DAY_LEN);
    sh->ndays = ndays;
    sh->nused = 0;

    for (i = 0; i < n; i++) {
        ngx_http_news_rs_place(sh, &left[i]);
    }

    ngx_free(left);
}


/* keys in the table: for the size of a batch */

ngx_uint_t
ngx_http_news_rs_table_keys(ngx_http_news_rs_t *rs)
{
    return rs->sh->slots ? rs->sh->nused : 0;
}


/* a key as a slot; NGX_DECLINED when it is not kept in the table */

static ngx_int_t
ngx_http_news_rs_pack(ngx_http_news_rs_sh_t *sh, u_char *key, size_t len,
    ngx_http_news_rs_slot_t *slot)
{
    u_char     *code, *day;
    size_t      clen, rlen;
    uint64_t    digits;
    ngx_int_t   region;
    ngx_uint_t  i;

    if (len < NGX_HTTP_NEWS_RS_KEY_CODE + 1
        || (key[0] != '0' && key[0] != '1')
        || (key[1] != '0' && key[1] != '1'))
    {
        return NGX_DECLINED;
    }

    clen = key[NGX_HTTP_NEWS_RS_KEY_CODE];
    code = key + NGX_HTTP_NEWS_RS_KEY_CODE + 1;

    if (clen < 3 || clen > 2 + 19
        || NGX_HTTP_NEWS_RS_KEY_CODE + 1 + clen > len)
    {
        return NGX_DECLINED;
    }

    digits = 0;

    for (i = 2; i < clen; i++) {
        if (code[i] < '0' || code[i] > '9') {
            return NGX_DECLINED;
        }

        digits = digits * 10 + (code[i] - '0');
    }

    rlen = len - (NGX_HTTP_NEWS_RS_KEY_CODE + 1 + clen);

    region = ngx_http_news_rs_region(sh, code + clen, rlen);
    if (region == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    day = key + NGX_HTTP_NEWS_RS_KEY_DAY;

    for (i = 0; i < sh->ndays; i++) {
        if (ngx_memcmp(sh->days[i], day, NGX_HTTP_NEWS_DAY_LEN) == 0) {
            break;
        }
    }

    if (i == sh->ndays) {
        if (sh->ndays == NGX_HTTP_NEWS_RS_DAYS) {
            return NGX_DECLINED;
        }

        ngx_memcpy(sh->days[sh->ndays++], day, NGX_HTTP_NEWS_DAY_LEN);
    }

    ngx_memzero(slot, sizeof(ngx_http_news_rs_slot_t));

    slot->digits = digits;
    slot->region = (uint16_t) (region + 1);
    slot->day = (u_char) i;
    slot->kind = (u_char) ((key[0] - '0') | (key[1] - '0') << 1);
    slot->letters[0] = code[0];
    slot->letters[1] = code[1];
    slot->ndigits = (u_char) (clen - 2);

    return NGX_OK;
}


/* a region's index in the zone's list, added if new; or NGX_DECLINED */

static ngx_int_t
ngx_http_news_rs_region(ngx_http_news_rs_sh_t *sh, u_char *region,
    size_t len)
{
    u_char      *r;
    uint32_t     h;
    ngx_uint_t   i;

    if (len > NGX_HTTP_NEWS_REGION_LEN) {
        return NGX_DECLINED;
    }

    /* FNV-1a: a region is a few bytes */

    h = 2166136261U;

    for (i = 0; i < len; i++) {
        h = (h ^ region[i]) * 16777619U;
    }

    i = h % NGX_HTTP_NEWS_RS_REGION_HASH;

    for ( ;; ) {
        if (sh->region_hash[i] == 0) {
            break;
        }

        r = sh->regions[sh->region_hash[i] - 1];

        if (r[0] == len && ngx_memcmp(r + 1, region, len) == 0) {
            return sh->region_hash[i] - 1;
        }

        if (++i == NGX_HTTP_NEWS_RS_REGION_HASH) {
            i = 0;
        }
    }

    if (sh->nregions == NGX_HTTP_NEWS_RS_REGIONS) {
        return NGX_DECLINED;
    }

    r = sh->regions[sh->nregions];
    r[0] = (u_char) len;
    ngx_memcpy(r + 1, region, len);

    sh->region_hash[i] = (uint16_t) ++sh->nregions;

    return sh->nregions - 1;
}


static ngx_uint_t
ngx_http_news_rs_slot_hash(ngx_http_news_rs_sh_t *sh,
    ngx_http_news_rs_slot_t *slot)
{
    uint64_t  h;

    h = slot->digits * 0x9e3779b97f4a7c15ULL;
    h ^= ((uint64_t) slot->region << 32) | ((uint64_t) slot->day << 24)
         | ((uint64_t) slot->kind << 16) | ((uint64_t) slot->letters[0] << 8)
         | slot->letters[1];
    h ^= (uint64_t) slot->ndigits << 40;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 32;

    return (ngx_uint_t) (h % sh->nslots);
}


/* the slot as the key ngx_http_news_count() wrote: its length */

static ngx_uint_t
ngx_http_news_rs_unpack(ngx_http_news_rs_sh_t *sh,
    ngx_http_news_rs_slot_t *slot, u_char *key)
{
    u_char      *p, *r;
    uint64_t     d;
    ngx_uint_t   i;

    p = key;
    *p++ = (u_char) ('0' + (slot->kind & 1));
    *p++ = (u_char) ('0' + (slot->kind >> 1));
    p = ngx_cpymem(p, sh->days[slot->day], NGX_HTTP_NEWS_DAY_LEN);
    *p++ = (u_char) (slot->ndigits + 2);
    *p++ = slot->letters[0];
    *p++ = slot->letters[1];

    d = slot->digits;

    for (i = slot->ndigits; i > 0; i--) {
        p[i - 1] = (u_char) ('0' + d % 10);
        d /= 10;
    }

    p += slot->ndigits;

    r = sh->regions[slot->region - 1];
    p = ngx_cpymem(p, r + 1, r[0]);

    return p - key;
}


/* a slot put back where it belongs, when the table is made again */

static void
ngx_http_news_rs_place(ngx_http_news_rs_sh_t *sh,
    ngx_http_news_rs_slot_t *slot)
{
    ngx_uint_t  i;

    i = ngx_http_news_rs_slot_hash(sh, slot);

    while (sh->slots[i].region != 0) {
        if (++i == sh->nslots) {
            i = 0;
        }
    }

    sh->slots[i] = *slot;
    sh->used[sh->nused++] = (uint32_t) i;
}
