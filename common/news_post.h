/*
 * news_post.h: the parser of a Jekyll post file as newsctl imports it.
 *
 * Pure C: no SQLite, no nginx.  Strings are slices of the input buffer
 * where the bytes already exist, or of one arena the parser allocates
 * for decoded values (quoted strings, a CRLF body, the summary); both
 * must outlive the use of the result.  Any input is safe: the parser
 * never reads outside the buffer and runs in linear time.
 */

#ifndef NEWS_POST_H
#define NEWS_POST_H

#include <stddef.h>


#define NEWS_POST_OK               0
#define NEWS_POST_ERROR           -1

/* a category tree deeper than this is a typo, not a site */
#define NEWS_POST_MAX_CATEGORIES   16
#define NEWS_POST_MAX_TAGS         64
#define NEWS_POST_MAX_TITLE        500
#define NEWS_POST_MAX_AUTHOR       200
#define NEWS_POST_MAX_URL          2048
/* characters of the first paragraph kept in a derived summary */
#define NEWS_POST_SUMMARY_CHARS    120

/* "YYYY-MM-DD HH:MM:SS+HH:MM" and its NUL */
#define NEWS_POST_DATE_LEN         25


typedef struct {
    const char         *data;
    size_t              len;
} news_post_str_t;


typedef struct {
    news_post_str_t     info_code;
    news_post_str_t     title;
    news_post_str_t     summary;
    news_post_str_t     body;
    news_post_str_t     source_name;
    news_post_str_t     source_url;
    news_post_str_t     image_url;      /* absolute, or a path on the site */
    news_post_str_t     author;

    /* the path from the top level down to the post's own category */
    news_post_str_t     categories[NEWS_POST_MAX_CATEGORIES];
    size_t              ncategories;
    /* the display name of the last element of categories */
    news_post_str_t     category_name;

    news_post_str_t     tags[NEWS_POST_MAX_TAGS];
    size_t              ntags;

    /* the form posts.published_at stores, NUL-terminated */
    char                published_at[NEWS_POST_DATE_LEN + 1];

    unsigned            published:1;
    unsigned            has_breadcrumb:1;
    unsigned            has_share_link:1;

    /* lines of the file the values came from, for messages; 0: none */
    size_t              categories_line;
    size_t              lines;

    /* set when news_post_parse() fails */
    size_t              err_line;
    char                err[192];

    char               *arena;
    size_t              arena_size;
    size_t              arena_used;
} news_post_t;


/*
 * parses len bytes at buf into post; NEWS_POST_ERROR sets post->err and
 * post->err_line (1-based; 0 when no line is to blame).  Call
 * news_post_free() afterwards in either case.
 */
int news_post_parse(news_post_t *post, const char *buf, size_t len);
void news_post_free(news_post_t *post);

/* exported for tests and for the module's own checks */
int news_post_valid_slug(const char *p, size_t len);
int news_post_valid_info_code(const char *p, size_t len);
int news_post_parse_date(const char *p, size_t len,
    char out[NEWS_POST_DATE_LEN + 1]);
/* the offset of the first byte that is not UTF-8, or len; newsctl check */
size_t news_post_utf8_check(const unsigned char *p, size_t len);


#endif /* NEWS_POST_H */
