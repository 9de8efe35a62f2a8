/*
 * news_post_int.h: what the files of newsctl's post parser share, and no
 * one else: the lines of a post, the value of a front matter key while its
 * lines are read, and the functions one file calls in another.
 *
 *   news_post.c               the post: its lines, body and trailer
 *   news_post_front_matter.c  the front matter keys and their meaning
 *   news_post_yaml.c          YAML scalars and lists as Jekyll writes them
 *   news_post_date.c          the date key
 *   news_post_text.c          UTF-8, the derived summary and source
 */

#ifndef NEWS_POST_INT_H
#define NEWS_POST_INT_H

#include <stddef.h>

#include "news_post.h"


#define NEWS_POST_MAX_ITEMS      64


typedef enum {
    NEWS_POST_F_NONE = 0,
    NEWS_POST_F_TITLE,
    NEWS_POST_F_DATE,
    NEWS_POST_F_CATEGORIES,
    NEWS_POST_F_TAGS,
    NEWS_POST_F_SUMMARY,
    NEWS_POST_F_SOURCE,
    NEWS_POST_F_SOURCE_URL,
    NEWS_POST_F_IMAGE,
    NEWS_POST_F_AUTHOR,
    NEWS_POST_F_PUBLISHED,
    NEWS_POST_F_INFO_CODE,
    NEWS_POST_F_OTHER
} news_post_field_e;


typedef enum {
    NEWS_POST_V_EMPTY = 0,      /* "key:" alone: items may follow */
    NEWS_POST_V_INLINE,         /* the value was on the key's line */
    NEWS_POST_V_BLOCK           /* "- item" lines */
} news_post_state_e;


typedef struct {
    const char         *pos;
    const char         *end;
    size_t              number;
} news_post_lines_t;


typedef struct {
    const char         *data;
    size_t              len;
    size_t              number;
} news_post_line_t;


/* the value of one front matter key while its lines are read */
typedef struct {
    news_post_str_t     items[NEWS_POST_MAX_ITEMS];
    size_t              item_lines[NEWS_POST_MAX_ITEMS];
    size_t              n;
    const char         *key;
    size_t              line;
    news_post_field_e   field;
    news_post_state_e   state;
    unsigned            is_list:1;
} news_post_value_t;


/* news_post.c */
#if defined(__GNUC__)
int news_post_error(news_post_t *post, size_t line, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
#else
int news_post_error(news_post_t *post, size_t line, const char *fmt, ...);
#endif
const char *news_post_show(char *buf, size_t size, const char *p,
    size_t len);
int news_post_next_line(news_post_lines_t *ls, news_post_line_t *line);
news_post_str_t news_post_trim(const char *p, size_t len);

/* news_post_front_matter.c */
int news_post_front_matter(news_post_t *post, news_post_lines_t *ls);

/* news_post_yaml.c */
int news_post_yaml_inline(news_post_t *post, news_post_value_t *v,
    const char *p, const char *end, size_t number);
int news_post_yaml_item(news_post_t *post, news_post_value_t *v,
    const char *p, const char *end, size_t number);

/* news_post_date.c */
const char *news_post_date(const char *p, size_t len, char *out);

/* news_post_text.c */
size_t news_post_utf8_encode(unsigned code, char *out);
int news_post_hex(const char *p, const char *end, size_t n, unsigned *value);
void news_post_derive_summary(news_post_t *post);
void news_post_derive_source(news_post_t *post);


#endif /* NEWS_POST_INT_H */
