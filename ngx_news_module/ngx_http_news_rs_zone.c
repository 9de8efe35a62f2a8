
/*
 * Copyright (C) ngx_news_module authors
 *
 * The readership zone: counts by key in shared memory, limit_req style
 * (a slab pool, a zone reused across reloads): most keys in the zone's
 * table (ngx_http_news_rs_table.c), the others as ngx_str_node_t nodes.  A
 * batch stays in the zone, marked in flight with its writer's pid, until
 * its commit; one that cannot be written is given back, and one whose
 * worker died is taken up by the next flush of another.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_readership.h"


static ngx_uint_t ngx_http_news_rs_writer_alive(ngx_http_news_rs_flight_t *f);


ngx_int_t
ngx_http_news_rs_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_news_rs_t  *ors = data;

    size_t               len;
    ngx_time_t          *tp;
    ngx_http_news_rs_t  *rs;

    rs = shm_zone->data;

    if (ors) {
        /* a reload keeps the counts that were not written yet */
        rs->sh = ors->sh;
        rs->shpool = ors->shpool;
        return NGX_OK;
    }

    rs->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        rs->sh = rs->shpool->data;
        return NGX_OK;
    }

    rs->sh = ngx_slab_calloc(rs->shpool, sizeof(ngx_http_news_rs_sh_t));
    if (rs->sh == NULL) {
        return NGX_ERROR;
    }

    rs->shpool->data = rs->sh;

    ngx_rbtree_init(&rs->sh->rbtree, &rs->sh->sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&rs->sh->queue);
    ngx_queue_init(&rs->sh->names);
    ngx_memzero(&rs->sh->most_read, sizeof(ngx_http_news_mr_sh_t));

    /*
     * the batches of this zone are told from those of an earlier one (an
     * nginx started before) by the time it was made and the master's pid
     */
    tp = ngx_timeofday();
    rs->sh->epoch = ((uint64_t) tp->sec * 1000 + tp->msec) * 100000
                    + (uint64_t) ngx_pid % 100000;

    len = sizeof(" in news_readership zone \"\"") + shm_zone->shm.name.len;

    rs->shpool->log_ctx = ngx_slab_alloc(rs->shpool, len);
    if (rs->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(rs->shpool->log_ctx, " in news_readership zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone is reported by the module, once a minute at most */
    rs->shpool->log_nomem = 0;

    ngx_http_news_rs_table_init(rs);

    return NGX_OK;
}


/*
 * adds count to the key's slot in the table, or to its node in the tree,
 * made if missing; the zone is locked.  NGX_BUSY: added, and the zone
 * fills, a flush is due now; NGX_DECLINED: no room, the count is lost.
 */

ngx_int_t
ngx_http_news_rs_add_locked(ngx_http_news_rs_t *rs, u_char *key, size_t len,
    uint64_t count)
{
    uint32_t                  hash;
    ngx_int_t                 rc;
    ngx_str_t                 k;
    ngx_http_news_rs_node_t  *rn;

    rc = ngx_http_news_rs_table_add(rs, key, len, count);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    k.data = key;
    k.len = len;
    hash = ngx_crc32_short(key, len);

    rn = (ngx_http_news_rs_node_t *) ngx_str_rbtree_lookup(&rs->sh->rbtree,
                                                           &k, hash);
    if (rn != NULL) {
        rn->count += count;
        return NGX_OK;
    }

    rn = ngx_slab_alloc_locked(rs->shpool,
                               offsetof(ngx_http_news_rs_node_t, key) + len);
    if (rn == NULL) {
        rs->sh->lost += count;
        return NGX_DECLINED;
    }

    /* all workers map the zone at one address: the pointer holds */

    ngx_memcpy(rn->key, key, len);
    rn->sn.str.data = rn->key;
    rn->sn.str.len = len;
    rn->sn.node.key = hash;
    rn->count = count;
    rn->inflight = 0;

    ngx_rbtree_insert(&rs->sh->rbtree, &rn->sn.node);
    ngx_queue_insert_head(&rs->sh->queue, &rn->queue);
    rs->sh->nodes++;

    return NGX_OK;
}


/*
 * copies the zone's counts into a batch and marks them in flight: new
 * counts go on beside them while the batch is written, and the batch stays
 * in the zone until it is committed.  A batch a dead worker left in flight
 * is taken up as it was.  NGX_DECLINED when there is nothing to write,
 * NGX_AGAIN when another worker's batch is in flight.
 */

ngx_int_t
ngx_http_news_rs_take(ngx_http_news_rs_t *rs, ngx_http_news_rs_batch_t *batch)
{
    u_char                      day[NGX_HTTP_NEWS_DAY_LEN];
    size_t                      size;
    ngx_uint_t                  n, max, empty;
    ngx_queue_t                *q;
    ngx_http_news_rs_sh_t      *sh;
    ngx_http_news_rs_rec_t     *rec;
    ngx_http_news_rs_node_t    *rn;
    ngx_http_news_rs_names_t   *names;
    ngx_http_news_rs_flight_t  *f;

    sh = rs->sh;
    f = &sh->flight;
    size = 0;

    ngx_shmtx_lock(&rs->shpool->mutex);

    max = sh->nodes + ngx_http_news_rs_table_keys(rs);
    empty = (f->pid == 0 && max == 0 && sh->lost == 0
             && ngx_queue_empty(&sh->names));

    for (q = ngx_queue_head(&sh->names);
         q != ngx_queue_sentinel(&sh->names);
         q = ngx_queue_next(q))
    {
        names = ngx_queue_data(q, ngx_http_news_rs_names_t, queue);
        size += names->len;
    }

    ngx_shmtx_unlock(&rs->shpool->mutex);

    if (empty) {
        return NGX_DECLINED;
    }

    /* the counts, then the names: one block, freed at once */

    batch->recs = ngx_alloc((max ? max : 1) * sizeof(ngx_http_news_rs_rec_t)
                            + size, rs->log);
    if (batch->recs == NULL) {
        return NGX_ERROR;
    }

    batch->names = (u_char *) &batch->recs[max ? max : 1];
    batch->names_len = 0;
    batch->names_seq = 0;

    /* counts lost to a full zone are filed under the day they are taken */
    ngx_http_news_day(rs->mcf, ngx_time(), day);

    n = 0;

    ngx_shmtx_lock(&rs->shpool->mutex);

    if (f->pid != 0) {

        if (ngx_http_news_rs_writer_alive(f) || f->n > max) {
            ngx_shmtx_unlock(&rs->shpool->mutex);
            goto again;
        }

        for (q = ngx_queue_head(&sh->queue);
             q != ngx_queue_sentinel(&sh->queue);
             q = ngx_queue_next(q))
        {
            rn = ngx_queue_data(q, ngx_http_news_rs_node_t, queue);

            if (rn->inflight == 0 || n == max) {
                continue;
            }

            rec = &batch->recs[n++];
            rec->count = rn->inflight;
            rec->len = (u_char) rn->sn.str.len;
            ngx_memcpy(rec->key, rn->key, rn->sn.str.len);
        }

        n += ngx_http_news_rs_table_take(rs, batch->recs + n, max - n, 1);

        batch->from = f->pid;

    } else {

        for (q = ngx_queue_last(&sh->queue);
             q != ngx_queue_sentinel(&sh->queue) && n < max;
             q = ngx_queue_prev(q))
        {
            rn = ngx_queue_data(q, ngx_http_news_rs_node_t, queue);

            rec = &batch->recs[n++];
            rec->count = rn->count;
            rec->len = (u_char) rn->sn.str.len;
            ngx_memcpy(rec->key, rn->key, rn->sn.str.len);

            rn->inflight = rn->count;
            rn->count = 0;
        }

        n += ngx_http_news_rs_table_take(rs, batch->recs + n, max - n, 0);

        f->seq = ++sh->seq;
        f->lost = sh->lost;
        f->n = n;
        ngx_memcpy(f->day, day, NGX_HTTP_NEWS_DAY_LEN);
        sh->lost = 0;

        batch->from = 0;
    }

    /*
     * every name waiting, whoever's batch this is: names are written as
     * they are, so a batch written twice writes them twice, harmlessly
     */

    for (q = ngx_queue_head(&sh->names);
         q != ngx_queue_sentinel(&sh->names);
         q = ngx_queue_next(q))
    {
        names = ngx_queue_data(q, ngx_http_news_rs_names_t, queue);

        if (batch->names_len + names->len > size) {
            break;
        }

        ngx_memcpy(batch->names + batch->names_len, names->data, names->len);
        batch->names_len += names->len;
        batch->names_seq = names->seq;
    }

    f->pid = ngx_pid;
    f->taken = ngx_time();

    batch->seq = f->seq;
    batch->lost = f->lost;
    ngx_memcpy(batch->day, f->day, NGX_HTTP_NEWS_DAY_LEN);

    ngx_shmtx_unlock(&rs->shpool->mutex);

    batch->n = n;
    batch->epoch = sh->epoch;

    if (batch->from) {
        ngx_log_error(NGX_LOG_NOTICE, rs->log, 0,
                      "news: readership batch %uL of exited worker %P "
                      "taken up: %ui keys", batch->seq, batch->from, n);
    }

    return NGX_OK;

again:

    ngx_free(batch->recs);
    batch->recs = NULL;

    return NGX_AGAIN;
}


/*
 * whether the writer of the batch in flight may still commit it; the zone
 * is locked.  A batch under this worker's pid is not this worker's (it
 * takes none while writing one): a killed worker's pid came back.  A pid
 * taken by another process looks alive, so a batch is taken up after a
 * while even then; the batch's row in readership_batch keeps it from being
 * added twice should its writer commit it after all.
 */

static ngx_uint_t
ngx_http_news_rs_writer_alive(ngx_http_news_rs_flight_t *f)
{
    if (f->pid == ngx_pid || ngx_time() - f->taken >= NGX_HTTP_NEWS_RS_STALE)
    {
        return 0;
    }

    if (kill(f->pid, 0) == -1 && ngx_errno == NGX_ESRCH) {
        return 0;
    }

    return 1;
}


/*
 * the batch is over: its counts leave the zone when they were written, or
 * go back to the counts of the next batch; nothing when another worker
 * took the batch up meanwhile, as it is that worker's now
 */

void
ngx_http_news_rs_release(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_batch_t *batch, ngx_uint_t written)
{
    ngx_queue_t                *q, *next;
    ngx_http_news_rs_sh_t      *sh;
    ngx_http_news_rs_node_t    *rn;
    ngx_http_news_rs_names_t   *names;
    ngx_http_news_rs_flight_t  *f;

    sh = rs->sh;
    f = &sh->flight;

    ngx_shmtx_lock(&rs->shpool->mutex);

    /* names written leave the zone even if the batch is another's now */

    while (written && !ngx_queue_empty(&sh->names)) {
        q = ngx_queue_head(&sh->names);
        names = ngx_queue_data(q, ngx_http_news_rs_names_t, queue);

        if (names->seq > batch->names_seq) {
            break;
        }

        ngx_queue_remove(q);
        ngx_slab_free_locked(rs->shpool, names);
    }

    if (f->pid != ngx_pid || f->seq != batch->seq) {
        ngx_shmtx_unlock(&rs->shpool->mutex);
        return;
    }

    for (q = ngx_queue_head(&sh->queue);
         q != ngx_queue_sentinel(&sh->queue);
         q = next)
    {
        next = ngx_queue_next(q);
        rn = ngx_queue_data(q, ngx_http_news_rs_node_t, queue);

        if (!written) {
            rn->count += rn->inflight;
        }

        rn->inflight = 0;

        if (rn->count == 0) {
            ngx_queue_remove(q);
            ngx_rbtree_delete(&sh->rbtree, &rn->sn.node);
            ngx_slab_free_locked(rs->shpool, rn);
            sh->nodes--;
        }
    }

    ngx_http_news_rs_table_release(rs, written);

    if (!written) {
        sh->lost += f->lost;
    }

    f->pid = 0;
    f->lost = 0;
    f->n = 0;

    ngx_shmtx_unlock(&rs->shpool->mutex);
}


/*
 * a region's names, for the next batch to write; NGX_DECLINED when the
 * zone is full (the worker tries again with the region's next reader)
 */

ngx_int_t
ngx_http_news_rs_add_names(ngx_http_news_rs_t *rs, u_char *data, size_t len)
{
    ngx_http_news_rs_names_t  *names;

    ngx_shmtx_lock(&rs->shpool->mutex);

    names = ngx_slab_alloc_locked(rs->shpool,
                                  offsetof(ngx_http_news_rs_names_t, data)
                                  + len);
    if (names == NULL) {
        ngx_shmtx_unlock(&rs->shpool->mutex);
        return NGX_DECLINED;
    }

    ngx_memcpy(names->data, data, len);
    names->len = len;
    names->seq = ++rs->sh->names_seq;

    ngx_queue_insert_tail(&rs->sh->names, &names->queue);

    ngx_shmtx_unlock(&rs->shpool->mutex);

    return NGX_OK;
}


/* "YYYY-MM-DD" of a moment in news_timezone, worked out once a second */

void
ngx_http_news_day(ngx_http_news_main_conf_t *mcf, time_t now, u_char *day)
{
    ngx_tm_t   tm;
    ngx_int_t  offset;

    if (now != mcf->day_time) {
        offset = mcf->tz_local ? ngx_cached_time->gmtoff : mcf->tz_offset;

        ngx_gmtime(now + offset * 60, &tm);

        (void) ngx_sprintf(mcf->day, "%04d-%02d-%02d", tm.ngx_tm_year,
                           tm.ngx_tm_mon, tm.ngx_tm_mday);

        mcf->day_time = now;
    }

    ngx_memcpy(day, mcf->day, NGX_HTTP_NEWS_DAY_LEN);
}
