
/*
 * Copyright (C) ngx_news_module authors
 *
 * The readership's own types, shared by ngx_http_news_readership.c (the
 * directives, the flush's timing), ngx_http_news_rs_zone.c (the
 * shared memory), ngx_http_news_rs_count.c (the log-phase count),
 * ngx_http_news_rs_file.c (the SQLite file) and ngx_http_news_rs_write.c
 * (a batch written to it).
 */


#ifndef _NGX_HTTP_NEWS_READERSHIP_H_INCLUDED_
#define _NGX_HTTP_NEWS_READERSHIP_H_INCLUDED_


#include <sqlite3.h>


#define NGX_HTTP_NEWS_RS_APP_ID       NEWS_READERSHIP_APP_ID
#define NGX_HTTP_NEWS_RS_KEY_MAX                                             \
    (3 + NGX_HTTP_NEWS_DAY_LEN + NEWS_INFO_CODE_MAX                       \
     + NGX_HTTP_NEWS_REGION_LEN)
#define NGX_HTTP_NEWS_RS_FULL_LOG     60

/* a batch in flight this long is taken up even from a live worker */
#define NGX_HTTP_NEWS_RS_STALE        60

/* the batches of a zone kept in readership_batch, and for how long */
#define NGX_HTTP_NEWS_RS_KEEP         64
#define NGX_HTTP_NEWS_RS_KEEP_TIME    86400

/* how long a worker's exit waits for another's batch, in 10ms steps */
#define NGX_HTTP_NEWS_RS_EXIT_WAIT    200

#define NGX_HTTP_NEWS_RS_ADD          0
#define NGX_HTTP_NEWS_RS_ADD_LOST     1
#define NGX_HTTP_NEWS_RS_DONE         2
#define NGX_HTTP_NEWS_RS_MARK         3
#define NGX_HTTP_NEWS_RS_PRUNE        4
#define NGX_HTTP_NEWS_RS_NAME         5
#define NGX_HTTP_NEWS_RS_STMT_MAX     6

/*
 * the bot pattern's answers for the user agents last seen, by a slot of
 * the header's length and words: a browser's user agent is the same on
 * every request, and the pattern costs nine thousand instructions, a
 * whole cached page
 */
#define NGX_HTTP_NEWS_BOT_MEMO      64
#define NGX_HTTP_NEWS_BOT_MEMO_UA   255

typedef struct {
    uint32_t                    hash;
    u_char                      len;        /* 0: an empty slot */
    u_char                      bot;
    u_char                      ua[NGX_HTTP_NEWS_BOT_MEMO_UA];
} ngx_http_news_bot_memo_t;


#define NGX_HTTP_NEWS_BOT_PATTERN                                            \
    "bot|crawl|spider|slurp|archiver|facebookexternalhit|facebookcatalog"   \
    "|embedly|whatsapp|telegram|slack|discord|linkedin|skypeuripreview"     \
    "|pinterest|vkshare|bingpreview|yahoo|baidu|yandex|sogou|bytespider"    \
    "|petalbot|headlesschrome|lighthouse|preview"


/*
 * a key is kind, bot, day, the code's length, the code and the region:
 * "0 0 2026-11-26 20 NW202203042297567012 CN-22" without the spaces
 */

typedef struct {
    ngx_str_node_t              sn;         /* the key, in the node */
    ngx_queue_t                 queue;
    uint64_t                    count;      /* not in a batch yet */
    uint64_t                    inflight;   /* in the batch in flight */
    u_char                      key[1];
} ngx_http_news_rs_node_t;


/*
 * the one batch being written, kept in the zone so that it outlives its
 * writer: one batch at a time, as SQLite has one writer at a time anyway
 */
typedef struct {
    ngx_pid_t                   pid;        /* its writer; 0: none */
    time_t                      taken;
    uint64_t                    seq;
    uint64_t                    lost;
    ngx_uint_t                  n;          /* its keys */
    u_char                      day[NGX_HTTP_NEWS_DAY_LEN];
} ngx_http_news_rs_flight_t;


/*
 * a region's names, learned by a worker and waiting in the zone for the
 * next batch: the region's length and bytes, the number of names, then
 * each name's language and text, each a length byte and its bytes
 */
typedef struct {
    ngx_queue_t                 queue;
    uint64_t                    seq;
    size_t                      len;
    u_char                      data[1];
} ngx_http_news_rs_names_t;

#define NGX_HTTP_NEWS_RS_NAMES_MAX    (1 + NGX_HTTP_NEWS_REGION_LEN + 1     \
                                       + 32 * (1 + 35 + 1 + 255))


/*
 * the most-read lists, refreshed by a flush (ngx_http_news_most_read.c):
 * records of the days, the region's length and bytes (0: all regions),
 * the number of codes, then each code's length and bytes
 */
typedef struct {
    ngx_atomic_t                gen;        /* moves when the lists do */
    time_t                      next;       /* the next refresh is due */
    u_char                     *lists;      /* in the slab, or NULL */
    size_t                      len;
} ngx_http_news_mr_sh_t;


/*
 * a key of the zone's table (ngx_http_news_rs_table.c): the code as its
 * two first bytes and its digits as a number, the day and the region as
 * indexes into the zone's lists of them; 24 bytes
 */
#define NGX_HTTP_NEWS_RS_DAYS         8
#define NGX_HTTP_NEWS_RS_REGIONS      512
#define NGX_HTTP_NEWS_RS_REGION_HASH  1024

typedef struct {
    uint64_t                    digits;
    uint32_t                    count;      /* not in a batch yet */
    uint32_t                    inflight;   /* in the batch in flight */
    uint16_t                    region;     /* its index + 1; 0: empty */
    u_char                      day;
    u_char                      kind;       /* kind, and bot << 1 */
    u_char                      letters[2];
    u_char                      ndigits;
    u_char                      pad;
} ngx_http_news_rs_slot_t;


typedef struct {
    ngx_rbtree_t                rbtree;     /* the keys not in the table */
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 queue;
    ngx_queue_t                 names;      /* ngx_http_news_rs_names_t */
    uint64_t                    names_seq;
    ngx_uint_t                  nodes;
    uint64_t                    lost;       /* found the zone full */
    time_t                      full_logged;
    uint64_t                    epoch;      /* names the zone on disk */
    uint64_t                    seq;        /* the last batch taken */
    ngx_http_news_rs_flight_t   flight;
    ngx_http_news_mr_sh_t       most_read;

    /* the table, NULL in a zone too small for one */
    ngx_http_news_rs_slot_t    *slots;
    uint32_t                   *used;       /* the slots in use */
    ngx_uint_t                  nslots;
    ngx_uint_t                  nused;
    ngx_uint_t                  max_used;
    ngx_uint_t                  ndays;
    ngx_uint_t                  nregions;
    u_char                      days[NGX_HTTP_NEWS_RS_DAYS]
                                    [NGX_HTTP_NEWS_DAY_LEN];
    u_char                      regions[NGX_HTTP_NEWS_RS_REGIONS]
                                       [1 + NGX_HTTP_NEWS_REGION_LEN];
    uint16_t                    region_hash[NGX_HTTP_NEWS_RS_REGION_HASH];
} ngx_http_news_rs_sh_t;


/* a count of the batch in flight, copied on its way to the database */
typedef struct {
    uint64_t                    count;
    u_char                      len;
    u_char                      key[NGX_HTTP_NEWS_RS_KEY_MAX];
} ngx_http_news_rs_rec_t;


typedef struct {
    ngx_http_news_rs_rec_t     *recs;
    ngx_uint_t                  n;
    uint64_t                    lost;
    uint64_t                    epoch;
    uint64_t                    seq;
    ngx_pid_t                   from;       /* the dead writer taken from */
    u_char                      day[NGX_HTTP_NEWS_DAY_LEN];
    u_char                     *names;      /* records' data, one by one */
    size_t                      names_len;
    uint64_t                    names_seq;  /* the last record taken */
} ngx_http_news_rs_batch_t;


struct ngx_http_news_rs_s {
    ngx_shm_zone_t             *shm_zone;
    ngx_http_news_rs_sh_t      *sh;
    ngx_slab_pool_t            *shpool;
    ngx_str_t                   path;       /* null-terminated */
    ngx_msec_t                  flush;
    ngx_str_t                   node;
    ngx_http_news_main_conf_t  *mcf;
    sqlite3                    *conn;       /* this worker's writer */
    sqlite3_stmt               *stmt[NGX_HTTP_NEWS_RS_STMT_MAX];
    ngx_file_uniq_t             uniq;       /* the file conn has open */
    dev_t                       dev;
    ngx_file_uniq_t             refused_uniq;
    dev_t                       refused_dev;
    ngx_event_t                 timer;
    ngx_log_t                  *log;
    ngx_http_news_rs_batch_t    batch;
#if (NGX_THREADS)
    ngx_thread_pool_t          *thread_pool;
    ngx_thread_task_t          *task;
#endif
    ngx_uint_t                  busy;       /* a batch is being written */
    unsigned                    taken:1;    /* the task has a batch */
    unsigned                    refresh:1;  /* and the most-read lists */

    /* the regions whose names this worker has handed to the zone */
    ngx_rbtree_t                known;
    ngx_rbtree_node_t           known_sentinel;

    ngx_http_news_bot_memo_t    bot_memo[NGX_HTTP_NEWS_BOT_MEMO];
};


/* ngx_http_news_readership.c */
void ngx_http_news_rs_flush_soon(ngx_http_news_rs_t *rs);

/* ngx_http_news_rs_table.c */
void ngx_http_news_rs_table_init(ngx_http_news_rs_t *rs);
ngx_int_t ngx_http_news_rs_table_add(ngx_http_news_rs_t *rs, u_char *key,
    size_t len, uint64_t count);
ngx_uint_t ngx_http_news_rs_table_take(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_rec_t *recs, ngx_uint_t max, ngx_uint_t taking_up);
void ngx_http_news_rs_table_release(ngx_http_news_rs_t *rs,
    ngx_uint_t written);
ngx_uint_t ngx_http_news_rs_table_keys(ngx_http_news_rs_t *rs);

/* ngx_http_news_rs_zone.c */
ngx_int_t ngx_http_news_rs_init_zone(ngx_shm_zone_t *shm_zone, void *data);
ngx_int_t ngx_http_news_rs_add_locked(ngx_http_news_rs_t *rs, u_char *key,
    size_t len, uint64_t count);
ngx_int_t ngx_http_news_rs_take(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_batch_t *batch);
void ngx_http_news_rs_release(ngx_http_news_rs_t *rs,
    ngx_http_news_rs_batch_t *batch, ngx_uint_t written);
ngx_int_t ngx_http_news_rs_add_names(ngx_http_news_rs_t *rs, u_char *data,
    size_t len);
void ngx_http_news_day(ngx_http_news_main_conf_t *mcf, time_t now,
    u_char *day);

/* ngx_http_news_rs_file.c */
ngx_uint_t ngx_http_news_rs_moved(ngx_http_news_rs_t *rs, ngx_log_t *log);
ngx_int_t ngx_http_news_rs_open(ngx_http_news_rs_t *rs, ngx_log_t *log);
void ngx_http_news_rs_close(ngx_http_news_rs_t *rs);
ngx_int_t ngx_http_news_rs_exec(ngx_http_news_rs_t *rs, const char *sql,
    ngx_log_t *log);

/* ngx_http_news_rs_write.c */
void ngx_http_news_rs_write(void *data, ngx_log_t *log);

/* ngx_http_news_most_read.c */
ngx_uint_t ngx_http_news_most_read_due(ngx_http_news_rs_t *rs);
void ngx_http_news_most_read_update(ngx_http_news_rs_t *rs, ngx_log_t *log);


#endif /* _NGX_HTTP_NEWS_READERSHIP_H_INCLUDED_ */
