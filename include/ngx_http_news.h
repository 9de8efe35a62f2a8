
/*
 * Copyright (C) ngx_news_module authors
 *
 * What the files of ngx_http_news_module share.  A request flows
 * parse URL -> look up -> render -> send -> (log phase) count:
 *
 *   ngx_http_news_module.c      directives, merging, worker start and exit
 *   ngx_http_news_conf.c        directive setters, a compiled regex
 *   ngx_http_news_article.c     article pages          (handlers: parse,
 *   ngx_http_news_list.c        category and home pages  look up, render)
 *   ngx_http_news_tag.c         tag pages
 *   ngx_http_news_share.c       share links
 *   ngx_http_news_preview.c     signed previews of posts not yet public
 *   ngx_http_news_feed.c        RSS and Atom feeds: which, their items
 *   ngx_http_news_feed_xml.c    and their documents
 *   ngx_http_news_qr.c          QR codes of share links, as SVG
 *   ngx_http_news_urls.c        every URL the site builds or parses
 *   ngx_http_news_query.c       the content queries and their rows
 *   ngx_http_news_query_list.c  the lists' queries: a page, its ends, a tag
 *   ngx_http_news_db.c          the content file: open, fresh, scheduled
 *   ngx_http_news_sqlite.c      the SQLite edge, NGX_* codes
 *   ngx_http_news_pages.c       where each page of a list starts
 *   ngx_http_news_cache.c       the render cache
 *   ngx_http_news_html.c        HTML fragments
 *   ngx_http_news_meta.c        og:image, Twitter card, NewsArticle
 *   ngx_http_news_template.c    templates, news_template
 *   ngx_http_news_out.c         the output string, escaping
 *   ngx_http_news_send.c        pages, errors, redirects out, validators
 *   ngx_http_news_cdn.c         Cache-Control, Cache-Tag for caches in front
 *   ngx_http_news_site.c        site name, language, footer, error texts
 *   ngx_http_news_request.c     the request context
 *   ngx_http_news_geo.c         the MaxMind DB: its private copy
 *   ngx_http_news_geo_lookup.c  the reader's region, a region's names
 *   ngx_http_news_variables.c   the $news_* variables
 *   ngx_http_news_readership.c  readership: directives, flush timing
 *   ngx_http_news_rs_count.c    readership: the log-phase count
 *   ngx_http_news_rs_zone.c     readership: the shared zone
 *   ngx_http_news_rs_file.c     readership: the SQLite file, its checks
 *   ngx_http_news_rs_write.c    readership: a batch written to the file
 *   ngx_http_news_stats.c       the stats endpoint: filters, queries
 *   ngx_http_news_stats_posts.c the stats' posts: titles, links
 *   ngx_http_news_stats_html.c  the stats page: tables, charts, texts
 *   ngx_http_news_most_read.c   most read: refreshed off the request path
 *   ngx_http_news_most_read_update.c  the lists made in the flush thread
 *   ngx_http_news_related.c     an article's related posts
 *   ngx_http_news_sitemap.c     sitemaps: the index, its parts
 *   ngx_http_news_sitemap_parts.c  what a part holds
 *   ngx_http_news_sitemap_news.c the Google News sitemap
 *   ngx_http_news_robots.c      robots.txt
 *
 * Private to their files: ngx_http_news_db.h (the content database's
 * insides), ngx_http_news_sqlite.h (sqlite3.h and the edge, for the
 * files that talk to SQLite), ngx_http_news_readership.h (the zone and
 * the writer), ngx_http_news_geo.h (the MaxMind DB's copy),
 * ngx_http_news_stats.h (the stats' rows, for its files).  Neither
 * sqlite3.h nor maxminddb.h is included here.
 */


#ifndef _NGX_HTTP_NEWS_H_INCLUDED_
#define _NGX_HTTP_NEWS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <news_parse.h>
#include <news_defs.h>


/* the user_version of sql/schema.sql, read from it (sql/gen_defs.sh) */
#define NGX_HTTP_NEWS_SCHEMA_VERSION  NEWS_SCHEMA_VERSION

#define NGX_HTTP_NEWS_PAGE_MAX          100000

#define NGX_HTTP_NEWS_STATUS_PUBLISHED  0
#define NGX_HTTP_NEWS_STATUS_DRAFT      1
#define NGX_HTTP_NEWS_STATUS_DELETED    2
#define NGX_HTTP_NEWS_STATUS_SCHEDULED  3

#define NGX_HTTP_NEWS_GONE              410


typedef enum {
    NGX_HTTP_NEWS_TPL_ARTICLE = 0,
    NGX_HTTP_NEWS_TPL_CATEGORY,
    NGX_HTTP_NEWS_TPL_INDEX,
    NGX_HTTP_NEWS_TPL_ERROR,
    NGX_HTTP_NEWS_TPL_STATS,
    NGX_HTTP_NEWS_TPL_TAG,
    NGX_HTTP_NEWS_TPL_SEARCH,
    NGX_HTTP_NEWS_TPL_MAX
} ngx_http_news_tpl_kind_e;

/* a page made without a template: the SVG of a QR code (news_qr) */
#define NGX_HTTP_NEWS_KIND_SVG  NGX_HTTP_NEWS_TPL_MAX
#define NGX_HTTP_NEWS_KIND_RSS   (NGX_HTTP_NEWS_TPL_MAX + 1)
#define NGX_HTTP_NEWS_KIND_ATOM  (NGX_HTTP_NEWS_TPL_MAX + 2)
/* sitemaps (application/xml), robots.txt (text/plain) */
#define NGX_HTTP_NEWS_KIND_XML   (NGX_HTTP_NEWS_TPL_MAX + 3)
#define NGX_HTTP_NEWS_KIND_TEXT  (NGX_HTTP_NEWS_TPL_MAX + 4)


/* template placeholders; ngx_http_news_template.c names them */
typedef enum {
    NGX_HTTP_NEWS_V_LITERAL = 0,
    NGX_HTTP_NEWS_V_TITLE,
    NGX_HTTP_NEWS_V_DESCRIPTION,
    NGX_HTTP_NEWS_V_CANONICAL_URL,
    NGX_HTTP_NEWS_V_PUBLISHED,
    NGX_HTTP_NEWS_V_PUBLISHED_ISO,
    NGX_HTTP_NEWS_V_SOURCE,
    NGX_HTTP_NEWS_V_BODY,
    NGX_HTTP_NEWS_V_TAGS,
    NGX_HTTP_NEWS_V_BREADCRUMB,
    NGX_HTTP_NEWS_V_BREADCRUMB_JSONLD,
    NGX_HTTP_NEWS_V_CATEGORY_NAME,
    NGX_HTTP_NEWS_V_CATEGORY_URL,
    NGX_HTTP_NEWS_V_HOME_URL,
    NGX_HTTP_NEWS_V_SUBCATEGORIES,
    NGX_HTTP_NEWS_V_POSTS,
    NGX_HTTP_NEWS_V_PAGER,
    NGX_HTTP_NEWS_V_PAGE,
    NGX_HTTP_NEWS_V_CATEGORIES,
    NGX_HTTP_NEWS_V_STATUS,
    NGX_HTTP_NEWS_V_MESSAGE,
    NGX_HTTP_NEWS_V_FILTERS,
    NGX_HTTP_NEWS_V_CHART,
    NGX_HTTP_NEWS_V_TOP,
    NGX_HTTP_NEWS_V_ARTICLES,
    NGX_HTTP_NEWS_V_FORM,
    NGX_HTTP_NEWS_V_TREND,
    NGX_HTTP_NEWS_V_SITE_NAME,
    NGX_HTTP_NEWS_V_LANGUAGE,
    NGX_HTTP_NEWS_V_FOOTER,
    NGX_HTTP_NEWS_V_NAV,
    NGX_HTTP_NEWS_V_BACK,
    NGX_HTTP_NEWS_V_LOCALE,
    NGX_HTTP_NEWS_V_MODIFIED_ISO,
    NGX_HTTP_NEWS_V_AUTHOR,
    NGX_HTTP_NEWS_V_BYLINE,
    NGX_HTTP_NEWS_V_IMAGE_URL,
    NGX_HTTP_NEWS_V_IMAGE_META,
    NGX_HTTP_NEWS_V_LEAD_IMAGE,
    NGX_HTTP_NEWS_V_ARTICLE_JSONLD,
    NGX_HTTP_NEWS_V_ROBOTS,
    NGX_HTTP_NEWS_V_FEED_LINKS,
    NGX_HTTP_NEWS_V_PAGE_FEEDS,
    NGX_HTTP_NEWS_V_SHARE_QR,
    NGX_HTTP_NEWS_V_MOST_READ,
    NGX_HTTP_NEWS_V_RELATED,
    NGX_HTTP_NEWS_V_SEARCH,
    NGX_HTTP_NEWS_V_MAX,
    /* the theme's style sheet: a literal, put in when a template compiles */
    NGX_HTTP_NEWS_V_STYLE
} ngx_http_news_var_e;


/* a compiled template: template.c's */
typedef struct ngx_http_news_tpl_s  ngx_http_news_tpl_t;


/*
 * what a page is made of: each row or list a query read for it, recorded
 * by the queries themselves and kept with the page, so that a change can
 * forget the pages it touches and no others (ngx_http_news_changes.c)
 */
#define NGX_HTTP_NEWS_DEP_POST      1       /* a post's row, by id */
#define NGX_HTTP_NEWS_DEP_CODE      2       /* an infoCode looked up, crc32 */
#define NGX_HTTP_NEWS_DEP_CATEGORY  3       /* a category's row, by id */
#define NGX_HTTP_NEWS_DEP_SLUG      4       /* a slug looked up, crc32 */
#define NGX_HTTP_NEWS_DEP_TAGS      5       /* a post's tags, by post id */
#define NGX_HTTP_NEWS_DEP_CHILDREN  6       /* a category's subcategories */
#define NGX_HTTP_NEWS_DEP_LIST      7       /* a category's posts; 0: all */
#define NGX_HTTP_NEWS_DEP_TREE      8       /* the category tree */
#define NGX_HTTP_NEWS_DEP_TAG       9       /* a tag name looked up, crc32 */
#define NGX_HTTP_NEWS_DEP_TAG_LIST  10      /* a tag's posts, by tag id */
#define NGX_HTTP_NEWS_DEP_ARCHIVE   11      /* with its descendants' posts */
#define NGX_HTTP_NEWS_DEP_RELATED   12      /* posts near a post, by id */

#define ngx_http_news_dep(type, id)                                          \
    (((uint64_t) (type) << 56) | ((uint64_t) (id) & 0x00ffffffffffffffULL))
#define ngx_http_news_dep_type(dep)  ((ngx_uint_t) ((dep) >> 56))
#define ngx_http_news_dep_id(dep)    ((dep) & 0x00ffffffffffffffULL)


#define NGX_HTTP_NEWS_CACHE_ARTICLE   'A'
#define NGX_HTTP_NEWS_CACHE_RENDER    'R'
#define NGX_HTTP_NEWS_CACHE_SHARE     'S'
#define NGX_HTTP_NEWS_CACHE_CATEGORY  'C'
#define NGX_HTTP_NEWS_CACHE_INDEX     'I'
#define NGX_HTTP_NEWS_CACHE_ANCHOR    'P'
#define NGX_HTTP_NEWS_CACHE_QR        'Q'
#define NGX_HTTP_NEWS_CACHE_FEED      'F'
#define NGX_HTTP_NEWS_CACHE_TAG       'T'
#define NGX_HTTP_NEWS_CACHE_SITEMAP   'M'     /* and robots.txt */
#define NGX_HTTP_NEWS_CACHE_GZIP      'Z'     /* a document, compressed */


typedef struct ngx_http_news_cache_s  ngx_http_news_cache_t;

/*
 * how often keys are asked for, as the render cache counts them: four
 * rows of 2^15 counters, halved every 2^18 lookups
 */
#define NGX_HTTP_NEWS_CACHE_SKETCH_BITS  15
#define NGX_HTTP_NEWS_CACHE_SKETCH       (1 << NGX_HTTP_NEWS_CACHE_SKETCH_BITS)
#define NGX_HTTP_NEWS_CACHE_SAMPLE       (8 * NGX_HTTP_NEWS_CACHE_SKETCH)


/* a rendered page, or a share link's target path, in the render cache */
typedef struct {
    ngx_str_node_t              sn;         /* the key */
    ngx_queue_t                 lru;
    ngx_str_t                   body;
    ngx_str_t                   info_code;
    uint64_t                   *deps;       /* what it is made of */
    ngx_uint_t                  ndeps;
    ngx_str_t                   tags;       /* Cache-Tag, comma-separated */
    ngx_str_t                   keys;       /* the same, space-separated */
    ngx_uint_t                  kind;       /* its template's */
    uint32_t                    crc;
    time_t                      last_modified;
    size_t                      size;       /* in its budget */
    ngx_uint_t                  status;     /* 0, or an error page's */
    ngx_uint_t                  refs;       /* requests sending it */
    ngx_http_news_cache_t      *cache;
    unsigned                    budget:2;   /* NGX_HTTP_NEWS_CACHE_B_* */
    unsigned                    dead:1;
    unsigned                    transient:1; /* too big to keep */
    unsigned                    gzip:1;     /* kept compressed */
} ngx_http_news_page_t;


/* the budgets of the pages kept: pages, error pages, list pages' ends */
#define NGX_HTTP_NEWS_CACHE_B_PAGES   0
#define NGX_HTTP_NEWS_CACHE_B_ERRORS  1
#define NGX_HTTP_NEWS_CACHE_B_ENDS    2
#define NGX_HTTP_NEWS_CACHE_BUDGETS   3


/* the pages kept, shared by the workers in the cache's zone */
typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 lru[NGX_HTTP_NEWS_CACHE_BUDGETS];
    size_t                      used[NGX_HTTP_NEWS_CACHE_BUDGETS];
    ngx_uint_t                  pages;
    ngx_uint_t                  epoch;      /* moves when pages go */
    int64_t                     seen;       /* change_log's, forgotten */
    ngx_file_uniq_t             uniq;       /* the file last opened */
    dev_t                       dev;
    ngx_uint_t                  looked;     /* lookups since halved */
    uint64_t                    sketch[4][NGX_HTTP_NEWS_CACHE_SKETCH / 8];
} ngx_http_news_cache_sh_t;


/* a database's render cache, as a worker sees it */
struct ngx_http_news_cache_s {
    ngx_http_news_cache_sh_t   *sh;
    ngx_slab_pool_t            *shpool;
    ngx_rbtree_t                rbtree;     /* this worker's pages too big */
    ngx_rbtree_node_t           sentinel;   /* to keep, while being sent */
    ngx_queue_t                 sending;
    ngx_file_uniq_t             uniq;       /* the file this worker reads */
    dev_t                       dev;
    size_t                      max;        /* 0: no cache */
};


/* one content database, opened read-only in each worker: db.c's */
typedef struct ngx_http_news_db_s  ngx_http_news_db_t;


typedef struct {
    ngx_str_t                   slug;
    ngx_str_t                   name;
    ngx_str_t                   description;    /* of a category's page */
    int64_t                     id;
    ngx_uint_t                  depth;
} ngx_http_news_cat_t;


/* a list of posts, newest first: all of them, a category's or a tag's */
#define NGX_HTTP_NEWS_LIST_ALL       0
#define NGX_HTTP_NEWS_LIST_CATEGORY  1
#define NGX_HTTP_NEWS_LIST_TAG       2
/* a category's with all its descendants', news_category_descendants */
#define NGX_HTTP_NEWS_LIST_TREE      3

typedef struct {
    ngx_uint_t                  type;
    int64_t                     id;         /* the category's, the tag's */
    ngx_str_t                   name;       /* its slug or name; "" */
} ngx_http_news_list_t;


/* where a page of a list ends: the next page starts after it */
typedef struct {
    int64_t                     published_ts;
    int64_t                     id;
} ngx_http_news_anchor_t;


typedef struct {
    int64_t                     id;
    int64_t                     published_ts;
    ngx_str_t                   info_code;
    ngx_str_t                   title;
    ngx_str_t                   published_at;
    ngx_str_t                   summary;
    ngx_str_t                   body;
    ngx_str_t                   source_name;
    ngx_str_t                   source_url;
    ngx_str_t                   image_url;      /* absolute, or a path */
    ngx_str_t                   author;
    ngx_str_t                   updated_at;     /* the post's own, UTC */
    ngx_uint_t                  status;
    time_t                      updated;
    int64_t                     category_id;
    ngx_uint_t                  has_category;
    ngx_str_t                   category_slug;
    ngx_str_t                   category_name;
} ngx_http_news_post_t;


#define NGX_HTTP_NEWS_REGION_LEN  16
#define NGX_HTTP_NEWS_DAY_LEN     10

#define NGX_HTTP_NEWS_VIEW   0
#define NGX_HTTP_NEWS_SHARE  1


/* what a request is about and where it comes from, found once */
typedef struct {
    ngx_str_t                   info_code;
    ngx_str_t                   base_url;   /* worked out once */
    ngx_str_t                   page_key;   /* the page's cache key */
    ngx_str_t                   counted_code;
    ngx_uint_t                  counted;    /* 0, or a kind + 1 */
    ngx_array_t                *deps;       /* uint64_t, what was read */
    ngx_str_t                   cache_tags; /* the page's, for a CDN */
    ngx_str_t                   cache_keys; /* the same, space-separated */
    ngx_str_t                   cache_variant;  /* beside the URL, in keys */
    ngx_str_t                   back_slug;  /* an error page links to */
    ngx_str_t                   back_name;
    ngx_str_t                   back_path;  /* or a page not a category */
    ngx_str_t                   country;
    ngx_str_t                   region;
    ngx_str_t                   cache_status;   /* HIT, MISS, BYPASS */
    ngx_uint_t                  cache_epoch;    /* at its first lookup */
    u_char                      region_buf[NGX_HTTP_NEWS_REGION_LEN];
    unsigned                    located:1;
    unsigned                    rendered:1; /* a page put in the cache */
    unsigned                    preview:1;  /* never cached or counted */
    unsigned                    base_unvetted:1;
    unsigned                    cache_looked:1; /* cache_epoch is set */
} ngx_http_news_ctx_t;


/* the MaxMind DB: a private copy of the file, looked up in each worker */
typedef struct ngx_http_news_geo_s  ngx_http_news_geo_t;


/* a region's name in one language of the MaxMind DB ("en", "zh-CN") */
typedef struct {
    ngx_str_t                   lang;
    ngx_str_t                   name;
} ngx_http_news_region_name_t;


typedef struct ngx_http_news_rs_s  ngx_http_news_rs_t;
typedef struct ngx_http_news_most_read_s  ngx_http_news_most_read_t;
typedef struct ngx_http_news_stats_db_s  ngx_http_news_stats_db_t;
typedef struct ngx_http_news_search_s  ngx_http_news_search_t;


typedef struct {
    ngx_array_t                 dbs;        /* ngx_http_news_db_t * */
    ngx_array_t                 profiles;   /* ngx_http_news_profile_t */
    ngx_regex_t                *default_re;
    ngx_http_news_tpl_t        *default_tpl[NGX_HTTP_NEWS_TPL_MAX];
    ngx_http_news_geo_t        *geo;
    ngx_http_news_rs_t         *rs;
    ngx_http_news_stats_db_t   *stats;      /* this worker's reader */
    ngx_http_news_most_read_t  *most_read;  /* NULL: no news_most_read */
    ngx_array_t                 searches;   /* ngx_http_news_search_t * */
    ngx_regex_t                *bot_re;
    ngx_str_t                   node;
    ngx_int_t                   tz_offset;  /* minutes east of UTC */
    time_t                      day_time;   /* when day was worked out */
    u_char                      day[NGX_HTTP_NEWS_DAY_LEN];
    ngx_msec_t                  busy_timeout;
    size_t                      cache_size;
    ngx_uint_t                  tz_local;
} ngx_http_news_main_conf_t;


typedef struct {
    ngx_http_news_db_t         *db;
    ngx_regex_t                *info_code_re;
    ngx_http_complex_value_t   *base_url;         /* NULL: from the request */
    ngx_uint_t                  share_redirect;   /* 0: render in place */
    ngx_uint_t                  page_size;
    ngx_str_t                   cache_control[3]; /* article, list, error */
    ngx_flag_t                  cache_tags;
    ngx_flag_t                  descendants;      /* category pages' lists */

    /* the site's identity as configured, and as pages print it */
    ngx_str_t                   site_name;
    ngx_str_t                   language;
    ngx_str_t                   footer;
    ngx_str_t                   default_image;    /* news_default_image */
    ngx_str_t                   preview_secret;   /* the key's bytes */

    /* news_share_qr's QR location ("": none), the share path it encodes */
    ngx_str_t                   share_qr[2];

    ngx_str_t                   site_vars[6];     /* HTML-escaped */
    ngx_str_t                   site_text;        /* the name, as is */
    ngx_array_t                *feed_links;       /* news_feed_links */
    ngx_uint_t                  feed;             /* news_feed: rss, atom */
    ngx_uint_t                  feed_size;
    ngx_str_t                   websub_hub;       /* news_websub_hub */
    ngx_str_t                   site_json;        /* the name, for JSON */
    ngx_uint_t                  chinese;          /* language is zh-* */
    ngx_http_news_tpl_t        *tpl[NGX_HTTP_NEWS_TPL_MAX];
    ngx_http_handler_pt         handler;
    ngx_uint_t                  metrics_kind;   /* its page kind, metrics' */

    /* news_most_read: days 0 is off */
    ngx_uint_t                  most_read_days;
    ngx_uint_t                  most_read_count;
    ngx_flag_t                  most_read_region;

    /* news_search_index, news_search_form (its URI, "": no box) */
    ngx_http_news_search_t     *search;
    ngx_str_t                   search_form;

    /* news_sitemap, news_robots */
    ngx_int_t                   sitemap_size;
    ngx_array_t                *robots_sitemaps;  /* ngx_str_t */
    ngx_str_t                   robots_extra;     /* the file's lines */
    time_t                      robots_time;      /* the file's mtime */
    ngx_str_t                   site_xml;         /* the name, for XML */

    /*
     * which of the ways of rendering a page this location's settings make
     * (templates, page size, base URL): a part of every cache key
     */
    ngx_uint_t                  profile;
} ngx_http_news_loc_conf_t;


typedef struct {
    ngx_array_t                 names;      /* exact server_names */
} ngx_http_news_srv_conf_t;


/* the settings that shape a page, one set a distinct profile */
typedef struct {
    ngx_http_news_tpl_t        *tpl[NGX_HTTP_NEWS_TPL_MAX];
    ngx_http_complex_value_t   *base_url;
    ngx_uint_t                  page_size;
    ngx_flag_t                  descendants;
    ngx_uint_t                  feed_size;
    ngx_str_t                  *websub_hub;
    ngx_str_t                  *site_vars;
    ngx_str_t                  *default_image;
    ngx_str_t                  *share_qr;
} ngx_http_news_profile_t;


/* a growing output string in the request pool */
typedef struct {
    ngx_pool_t                 *pool;
    u_char                     *start;
    u_char                     *pos;
    u_char                     *end;
    ngx_uint_t                  failed;
} ngx_http_news_out_t;


extern ngx_module_t  ngx_http_news_module;
extern ngx_command_t  ngx_http_news_commands[];


/* ngx_http_news_conf.c */
ngx_regex_t *ngx_http_news_regex_compile(ngx_conf_t *cf, ngx_str_t *pattern,
    ngx_int_t options);
ngx_regex_t *ngx_http_news_info_code_regex(ngx_conf_t *cf, ngx_str_t *pattern);
char *ngx_http_news_db(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_news_handler_set(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_news_share_redirect(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_news_info_code_pattern(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_news_cache_size(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_news_db.c */
ngx_http_news_db_t *ngx_http_news_db_add(ngx_conf_t *cf, ngx_str_t *path,
    ngx_uint_t snapshot);
ngx_int_t ngx_http_news_db_cache_zones(ngx_conf_t *cf, size_t size);
ngx_int_t ngx_http_news_db_open_all(ngx_cycle_t *cycle);
void ngx_http_news_db_close_all(ngx_cycle_t *cycle);
ngx_int_t ngx_http_news_db_ready(ngx_http_news_db_t *db, ngx_log_t *log);
ngx_http_news_cache_t *ngx_http_news_db_cache(ngx_http_news_db_t *db);
time_t ngx_http_news_db_modified(ngx_http_news_db_t *db);
ngx_str_t *ngx_http_news_db_path(ngx_http_news_db_t *db);
void ngx_http_news_db_begin(ngx_http_request_t *r, ngx_http_news_db_t *db);
void ngx_http_news_db_end(ngx_http_news_db_t *db);

/* ngx_http_news_query.c */
ngx_int_t ngx_http_news_db_post(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_str_t *code, ngx_http_news_post_t *post);
ngx_int_t ngx_http_news_db_category_moved(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_str_t *old, ngx_str_t *current);
ngx_int_t ngx_http_news_db_tags(ngx_http_request_t *r, ngx_http_news_db_t *db,
    int64_t post_id, ngx_array_t *tags);
ngx_int_t ngx_http_news_db_chain(ngx_http_request_t *r, ngx_http_news_db_t *db,
    int64_t category_id, ngx_array_t *chain);
ngx_int_t ngx_http_news_db_category(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_str_t *slug, ngx_http_news_cat_t *cat);
ngx_int_t ngx_http_news_db_children(ngx_http_request_t *r,
    ngx_http_news_db_t *db, int64_t category_id, ngx_array_t *cats);
ngx_int_t ngx_http_news_db_categories(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_array_t *cats);
ngx_int_t ngx_http_news_db_post_by_id(ngx_http_request_t *r,
    ngx_http_news_db_t *db, int64_t id, ngx_http_news_post_t *post);
ngx_int_t ngx_http_news_db_listed_post(ngx_http_request_t *r,
    ngx_http_news_db_t *db, int64_t id, ngx_http_news_post_t *post);
ngx_int_t ngx_http_news_db_post_link(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_str_t *code, ngx_http_news_post_t *post);

/* ngx_http_news_query_list.c */
ngx_int_t ngx_http_news_db_posts(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_http_news_list_t *list, ngx_uint_t limit, ngx_uint_t offset,
    ngx_http_news_anchor_t *after, ngx_array_t *posts);
ngx_int_t ngx_http_news_db_page_ends(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_http_news_list_t *list, ngx_uint_t page_size,
    ngx_uint_t max, ngx_array_t *ends, ngx_uint_t *count);
ngx_int_t ngx_http_news_db_tag(ngx_http_request_t *r, ngx_http_news_db_t *db,
    ngx_str_t *name, ngx_http_news_list_t *list);

/* ngx_http_news_pages.c */
ngx_int_t ngx_http_news_list_page(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_http_news_list_t *list, ngx_uint_t page,
    ngx_array_t *posts, ngx_uint_t *pages);
ngx_int_t ngx_http_news_page_start(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_http_news_list_t *list, ngx_uint_t page,
    ngx_http_news_anchor_t *after, ngx_uint_t *pages);

/* ngx_http_news_cache.c */
ngx_int_t ngx_http_news_cache_key(ngx_http_request_t *r, u_char kind,
    ngx_str_t *what, ngx_uint_t page, ngx_str_t *key);
ngx_http_news_page_t *ngx_http_news_cache_get(ngx_http_request_t *r,
    ngx_http_news_cache_t *cache, ngx_str_t *key);
ngx_http_news_page_t *ngx_http_news_cache_put(ngx_http_request_t *r,
    ngx_http_news_cache_t *cache, ngx_str_t *key, ngx_chain_t *body, off_t len,
    ngx_http_news_page_t *proto);
ngx_http_news_page_t *ngx_http_news_cache_put_str(ngx_http_request_t *r,
    ngx_http_news_cache_t *cache, ngx_str_t *key, ngx_str_t *value,
    ngx_str_t *info_code);
ngx_uint_t ngx_http_news_cache_keeps(ngx_http_news_cache_t *cache,
    size_t len);

/* ngx_http_news_cache_zone.c */
ngx_int_t ngx_http_news_cache_zone(ngx_conf_t *cf,
    ngx_http_news_cache_t *cache, ngx_str_t *name, size_t max);
void ngx_http_news_cache_init(ngx_http_news_cache_t *cache);
void ngx_http_news_cache_open(ngx_http_news_cache_t *cache,
    ngx_file_uniq_t uniq, dev_t dev);
int64_t ngx_http_news_cache_current(ngx_http_news_cache_t *cache);
void ngx_http_news_cache_seen(ngx_http_news_cache_t *cache, int64_t id);
ngx_http_news_page_t *ngx_http_news_cache_alloc(ngx_http_news_cache_t *cache,
    ngx_uint_t budget, size_t size, uint32_t hash);
void ngx_http_news_cache_count(ngx_http_news_cache_sh_t *sh, uint32_t hash);
void ngx_http_news_cache_flush(ngx_http_news_cache_t *cache);
void ngx_http_news_cache_remove(ngx_http_news_cache_t *cache,
    ngx_http_news_page_t *page);
void ngx_http_news_cache_free(ngx_http_news_cache_t *cache,
    ngx_http_news_page_t *page);

void ngx_http_news_cache_usage(ngx_http_news_cache_t *cache, size_t *bytes,
    ngx_uint_t *pages);

/* ngx_http_news_cache_forget.c */
void ngx_http_news_cache_forget(ngx_http_news_cache_t *cache, uint64_t *deps,
    ngx_uint_t n);
ngx_int_t ngx_http_news_profile(ngx_conf_t *cf,
    ngx_http_news_loc_conf_t *conf);

/* ngx_http_news_template.c */
char *ngx_http_news_template_load(ngx_conf_t *cf, ngx_str_t *path,
    ngx_uint_t kind, ngx_http_news_tpl_t **tpl);
char *ngx_http_news_template(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_news_default_templates(ngx_conf_t *cf,
    ngx_http_news_loc_conf_t *conf, ngx_uint_t kinds);
time_t ngx_http_news_template_mtime(ngx_http_news_tpl_t *tpl);
ngx_int_t ngx_http_news_template_render(ngx_http_request_t *r,
    ngx_http_news_tpl_t *tpl, ngx_str_t *vars, ngx_chain_t **out,
    off_t *len, uint32_t *crc);

/* ngx_http_news_out.c */
void ngx_http_news_out_init(ngx_http_news_out_t *out, ngx_pool_t *pool,
    size_t size);
void ngx_http_news_out_reserve(ngx_http_news_out_t *out, size_t len);
void ngx_http_news_out_add(ngx_http_news_out_t *out, u_char *data, size_t len);
void ngx_http_news_out_html(ngx_http_news_out_t *out, ngx_str_t *s);
void ngx_http_news_out_json(ngx_http_news_out_t *out, ngx_str_t *s);
void ngx_http_news_out_xml(ngx_http_news_out_t *out, ngx_str_t *s);
void ngx_http_news_out_uint(ngx_http_news_out_t *out, ngx_uint_t n);
void ngx_http_news_out_uri(ngx_http_news_out_t *out, ngx_str_t *s);
ngx_int_t ngx_http_news_out_str(ngx_http_news_out_t *out, ngx_str_t *s);
ngx_int_t ngx_http_news_html(ngx_pool_t *pool, ngx_str_t *src, ngx_str_t *dst);
ngx_chain_t *ngx_http_news_chain(ngx_http_request_t *r, u_char *data,
    size_t len, ngx_uint_t last);

#define ngx_http_news_out_lit(out, s)                                        \
    ngx_http_news_out_add(out, (u_char *) s, sizeof(s) - 1)

/* ngx_http_news_cdn.c */
ngx_table_elt_t *ngx_http_news_add_header(ngx_http_request_t *r, char *key,
    ngx_str_t *value);
ngx_int_t ngx_http_news_cdn_headers(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_str_t *tags, ngx_str_t *keys);
void ngx_http_news_set_cache_tags(ngx_http_request_t *r, ngx_str_t *code,
    ngx_array_t *chain);
void ngx_http_news_set_tag_cache_tags(ngx_http_request_t *r, ngx_str_t *name);
char *ngx_http_news_cache_control(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_news_feed.c */
ngx_int_t ngx_http_news_feed_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_news_category_feed(ngx_http_request_t *r,
    ngx_str_t *slug, ngx_uint_t atom);
ngx_int_t ngx_http_news_tag_feed(ngx_http_request_t *r, ngx_str_t *name);
char *ngx_http_news_feed(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_news_feed_links(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_news_websub_hub(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_news_preview.c */
ngx_int_t ngx_http_news_preview(ngx_http_request_t *r, ngx_str_t *code,
    ngx_str_t *arg);
char *ngx_http_news_preview_secret(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_news_meta.c */
ngx_int_t ngx_http_news_meta_image(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *base, ngx_str_t *url);
ngx_int_t ngx_http_news_render_meta(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *base, ngx_str_t *canonical,
    ngx_str_t *vars);
char *ngx_http_news_default_image(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_news_urls.c */
extern ngx_str_t  ngx_http_news_home_url;
ngx_int_t ngx_http_news_base_url(ngx_http_request_t *r, ngx_str_t *url);
ngx_uint_t ngx_http_news_base_url_varies(ngx_http_request_t *r);
void ngx_http_news_out_post_path(ngx_http_news_out_t *out,
    ngx_http_news_post_t *post);
ngx_int_t ngx_http_news_article_path(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *path);
ngx_int_t ngx_http_news_info_code_valid(ngx_http_request_t *r, ngx_str_t *code);
void ngx_http_news_out_category_path(ngx_http_news_out_t *out, ngx_str_t *slug,
    ngx_uint_t page, ngx_uint_t escape);
ngx_int_t ngx_http_news_category_slug(ngx_http_request_t *r, ngx_str_t *slug);
ngx_int_t ngx_http_news_info_code_arg(ngx_http_request_t *r, char *what,
    ngx_str_t *code);
ngx_int_t ngx_http_news_share_url(ngx_http_request_t *r, ngx_str_t *share,
    ngx_str_t *code, ngx_str_t *url);
ngx_int_t ngx_http_news_qr_path(ngx_http_request_t *r, ngx_str_t *qr,
    ngx_str_t *code, ngx_str_t *path);
void ngx_http_news_out_page_path(ngx_http_news_out_t *out, ngx_str_t *path,
    ngx_uint_t page);
void ngx_http_news_out_tag_path(ngx_http_news_out_t *out, ngx_str_t *name,
    ngx_uint_t page);
ngx_int_t ngx_http_news_tag_name(ngx_http_request_t *r, ngx_str_t *name,
    ngx_uint_t *feed);
ngx_int_t ngx_http_news_page_arg(ngx_http_request_t *r, ngx_uint_t *page);
char *ngx_http_news_set_base_url(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void *ngx_http_news_create_srv_conf(ngx_conf_t *cf);
char *ngx_http_news_merge_srv_conf(ngx_conf_t *cf, void *parent, void *child);

#define NGX_HTTP_NEWS_ESCAPE_NONE   0
#define NGX_HTTP_NEWS_ESCAPE_HTML   1
#define NGX_HTTP_NEWS_ESCAPE_JSON   2

/* ngx_http_news_html.c */
ngx_int_t ngx_http_news_published(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *vars);
ngx_int_t ngx_http_news_render_breadcrumb(ngx_http_request_t *r,
    ngx_str_t *base, ngx_array_t *chain, ngx_str_t *leaf_name,
    ngx_str_t *leaf_url, ngx_str_t *vars);
ngx_int_t ngx_http_news_render_post_list(ngx_http_request_t *r,
    ngx_array_t *posts, ngx_uint_t limit, ngx_str_t *html);
ngx_int_t ngx_http_news_render_category_list(ngx_http_request_t *r,
    ngx_array_t *cats, ngx_str_t *html);
ngx_int_t ngx_http_news_render_tags(ngx_http_request_t *r, ngx_array_t *tags,
    ngx_str_t *html);
ngx_int_t ngx_http_news_render_source(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *html);
ngx_int_t ngx_http_news_render_pager(ngx_http_request_t *r, ngx_str_t *path,
    ngx_uint_t page, ngx_uint_t pages, ngx_uint_t more, ngx_str_t *html);
ngx_int_t ngx_http_news_render_tag_breadcrumb(ngx_http_request_t *r,
    ngx_str_t *base, ngx_str_t *name, ngx_str_t *path, ngx_str_t *vars);
int64_t ngx_http_news_section(ngx_array_t *chain);
ngx_int_t ngx_http_news_render_nav(ngx_http_request_t *r, ngx_array_t *cats,
    int64_t current, ngx_str_t *html);
ngx_int_t ngx_http_news_render_links(ngx_http_request_t *r,
    ngx_array_t *posts, ngx_str_t *open, ngx_str_t *html);

/* ngx_http_news_sqlite.c */
void ngx_http_news_sqlite_configure(void);

/* ngx_http_news_gzip.c */
ngx_uint_t ngx_http_news_gzip_wanted(ngx_http_request_t *r,
    ngx_http_news_cache_t *cache);
ngx_int_t ngx_http_news_send_gzip(ngx_http_request_t *r,
    ngx_http_news_cache_t *cache, ngx_uint_t kind, ngx_str_t *body,
    time_t last_modified, ngx_str_t *key);
ngx_int_t ngx_http_news_send_gunzipped(ngx_http_request_t *r,
    ngx_http_news_page_t *page, ngx_str_t *key);

/* ngx_http_news_search*.c */
void ngx_http_news_out_search_form(ngx_http_news_out_t *out,
    ngx_str_t *action, ngx_str_t *q, ngx_uint_t chinese);
ngx_int_t ngx_http_news_render_search_form(ngx_http_request_t *r,
    ngx_str_t *q, ngx_str_t *action, ngx_str_t *html);
ngx_int_t ngx_http_news_search_handler(ngx_http_request_t *r);
char *ngx_http_news_search_index(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_news_search_merge(ngx_conf_t *cf,
    ngx_http_news_loc_conf_t *prev, ngx_http_news_loc_conf_t *conf);
ngx_int_t ngx_http_news_search_init_worker(ngx_cycle_t *cycle);
void ngx_http_news_search_exit_worker(ngx_cycle_t *cycle);

/* ngx_http_news_send.c */
ngx_int_t ngx_http_news_check_method(ngx_http_request_t *r);
ngx_int_t ngx_http_news_send(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_str_t *vars, time_t last_modified, ngx_str_t *cache_key,
    ngx_str_t *info_code);
ngx_int_t ngx_http_news_send_cached(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_str_t *what, ngx_uint_t page, ngx_str_t *key);
ngx_int_t ngx_http_news_send_page(ngx_http_request_t *r,
    ngx_http_news_page_t *page);
ngx_int_t ngx_http_news_send_body(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_str_t *body, time_t last_modified, ngx_str_t *cache_key,
    ngx_str_t *info_code);
ngx_int_t ngx_http_news_error(ngx_http_request_t *r, ngx_int_t status);
ngx_int_t ngx_http_news_redirect(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *path);

/* ngx_http_news_site.c */
ngx_int_t ngx_http_news_site_conf(ngx_conf_t *cf,
    ngx_http_news_loc_conf_t *conf);
void ngx_http_news_site_vars(ngx_http_request_t *r, ngx_str_t *vars);
ngx_int_t ngx_http_news_error_texts(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *vars);

/* ngx_http_news_request.c */
ngx_http_news_ctx_t *ngx_http_news_get_ctx(ngx_http_request_t *r);
void ngx_http_news_set_info_code(ngx_http_request_t *r, ngx_str_t *code);
void ngx_http_news_set_back(ngx_http_request_t *r, ngx_str_t *slug,
    ngx_str_t *name);
void ngx_http_news_set_back_path(ngx_http_request_t *r, ngx_str_t *path,
    ngx_str_t *name);
void ngx_http_news_set_counted(ngx_http_request_t *r, ngx_str_t *code,
    ngx_uint_t kind);
void ngx_http_news_list_depends(ngx_http_request_t *r,
    ngx_http_news_list_t *list);
void ngx_http_news_depends(ngx_http_request_t *r, ngx_uint_t type,
    uint64_t id);

/* ngx_http_news_article.c */
ngx_int_t ngx_http_news_article_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_news_post_status(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_int_t rc, ngx_str_t *code);
ngx_int_t ngx_http_news_render_article(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *cache_key);

/* ngx_http_news_list.c */
ngx_int_t ngx_http_news_category_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_news_index_handler(ngx_http_request_t *r);

/* ngx_http_news_tag.c */
ngx_int_t ngx_http_news_tag_handler(ngx_http_request_t *r);

/* ngx_http_news_geo.c, ngx_http_news_geo_lookup.c */
char *ngx_http_news_geoip_db(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
void ngx_http_news_geo_open(ngx_cycle_t *cycle);
void ngx_http_news_geo_close(ngx_cycle_t *cycle);
ngx_http_news_ctx_t *ngx_http_news_locate(ngx_http_request_t *r);
ngx_int_t ngx_http_news_region_names(ngx_http_request_t *r, ngx_str_t *region,
    ngx_array_t *names);

/* ngx_http_news_variables.c */
ngx_int_t ngx_http_news_add_variables(ngx_conf_t *cf);

/* ngx_http_news_readership.c, ngx_http_news_rs_count.c */
char *ngx_http_news_readership(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_news_timezone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_news_bot_pattern(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_news_readership_init_conf(ngx_conf_t *cf,
    ngx_http_news_main_conf_t *mcf);
ngx_int_t ngx_http_news_readership_init_worker(ngx_cycle_t *cycle);
void ngx_http_news_readership_exit_worker(ngx_cycle_t *cycle);
ngx_int_t ngx_http_news_readership_log(ngx_http_request_t *r);

/* ngx_http_news_metrics.c */
#define NGX_HTTP_NEWS_METRICS_KINDS     12
#define NGX_HTTP_NEWS_METRICS_STATUSES  15      /* and "other" */
#define NGX_HTTP_NEWS_METRICS_BUCKETS   5

/* the counters, in the news_metrics zone: each added to atomically */
typedef struct {
    size_t                      size;       /* the layout's, at a reload */
    ngx_atomic_t                requests[NGX_HTTP_NEWS_METRICS_KINDS]
                                        [NGX_HTTP_NEWS_METRICS_STATUSES];
    ngx_atomic_t                cache[3];   /* HIT, MISS, BYPASS */
    ngx_atomic_t                cache_evictions;
    ngx_atomic_t                db_opens;
    ngx_atomic_t                db_reopens;
    ngx_atomic_t                db_faults;
    ngx_atomic_t                geo_found;
    ngx_atomic_t                geo_not_found;
    ngx_atomic_t                geo_errors;
    ngx_atomic_t                rs_rows;
    ngx_atomic_t                rs_lost;
    ngx_atomic_t                rs_flushes;
    ngx_atomic_t                rs_flush_failed;
    ngx_atomic_t                rs_flush_usec;
    ngx_atomic_t                rs_flush_le[NGX_HTTP_NEWS_METRICS_BUCKETS];
    ngx_atomic_t                views[26 * 26][2];  /* country; bot */
} ngx_http_news_metrics_t;

extern ngx_http_news_metrics_t  *ngx_http_news_metrics;

#define ngx_http_news_metric_add(field, n)                                   \
    do {                                                                     \
        if (ngx_http_news_metrics) {                                         \
            (void) ngx_atomic_fetch_add(&ngx_http_news_metrics->field, n);   \
        }                                                                    \
    } while (0)

ngx_int_t ngx_http_news_metrics_zone(ngx_conf_t *cf);
ngx_int_t ngx_http_news_metrics_log(ngx_http_request_t *r);
ngx_uint_t ngx_http_news_metrics_kind(ngx_http_handler_pt handler);
char *ngx_http_news_metrics_set(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_news_metrics_view(ngx_str_t *country, ngx_uint_t bot);
void ngx_http_news_metrics_flush(ngx_uint_t rows, ngx_msec_int_t usec,
    ngx_uint_t ok);
ngx_str_t *ngx_http_news_readership_path(ngx_http_request_t *r);

/* ngx_http_news_stats.c */
ngx_int_t ngx_http_news_stats_handler(ngx_http_request_t *r);
void ngx_http_news_stats_close(ngx_cycle_t *cycle);

/* ngx_http_news_most_read.c */
char *ngx_http_news_most_read(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_news_most_read_refresh(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_news_most_read_init_conf(ngx_conf_t *cf,
    ngx_http_news_main_conf_t *mcf);
void ngx_http_news_most_read_init_worker(ngx_cycle_t *cycle);
ngx_int_t ngx_http_news_most_read_variant(ngx_http_request_t *r);
ngx_int_t ngx_http_news_render_most_read(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_str_t *html);

/* ngx_http_news_related.c */
ngx_int_t ngx_http_news_render_related(ngx_http_request_t *r,
    ngx_http_news_db_t *db, ngx_http_news_post_t *post, ngx_str_t *html);

/* ngx_http_news_sitemap.c, ngx_http_news_sitemap_news.c */
#define NGX_HTTP_NEWS_W3C_LEN  (sizeof("2024-05-01 08:30:00+00:00") - 1)
ngx_int_t ngx_http_news_sitemap_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_news_sitemap_news_handler(ngx_http_request_t *r);
ngx_uint_t ngx_http_news_w3c_datetime(ngx_str_t *s);
char *ngx_http_news_sitemap(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

/* ngx_http_news_robots.c */
ngx_int_t ngx_http_news_robots_handler(ngx_http_request_t *r);
char *ngx_http_news_robots_sitemap(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_news_robots_extra(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_news_share.c */
ngx_int_t ngx_http_news_share_handler(ngx_http_request_t *r);

/* ngx_http_news_qr.c */
ngx_int_t ngx_http_news_qr_handler(ngx_http_request_t *r);
char *ngx_http_news_qr(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_news_share_qr(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_news_render_share_qr(ngx_http_request_t *r,
    ngx_http_news_post_t *post, ngx_str_t *html);


#endif /* _NGX_HTTP_NEWS_H_INCLUDED_ */
