
/*
 * Copyright (C) ngx_news_module authors
 *
 * Pure parsers shared by the module, the unit tests and the fuzzers: no
 * nginx, no SQLite, no allocation.  Every function reads only the bytes it
 * is given.
 */


#ifndef _NEWS_PARSE_H_INCLUDED_
#define _NEWS_PARSE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NEWS_SLUG_MAX       64
#define NEWS_INFO_CODE_MAX  64
#define NEWS_TAG_MAX        256     /* bytes of a tag name in its URL */


typedef enum {
    NEWS_TPL_END = 0,
    NEWS_TPL_LITERAL,
    NEWS_TPL_PLACEHOLDER,
    NEWS_TPL_ERROR
} news_tpl_token_e;


/* a template scanner: literal text and {{name}} placeholders */
typedef struct {
    const unsigned char  *pos;
    const unsigned char  *end;
    size_t                line;
} news_tpl_scan_t;


typedef struct {
    news_tpl_token_e      type;
    const unsigned char  *data;      /* literal text or placeholder name */
    size_t                len;
    size_t                line;      /* where the token starts */
    const char           *error;     /* with NEWS_TPL_ERROR */
} news_tpl_token_t;


/* /<slug>/<yyyy>/<mm>/<dd>/<info-code>.html */
typedef struct {
    const unsigned char  *slug;
    size_t                slug_len;
    const unsigned char  *date;      /* "yyyy/mm/dd" as in the URI */
    const unsigned char  *code;
    size_t                code_len;
} news_article_uri_t;


void news_tpl_scan_init(news_tpl_scan_t *s, const unsigned char *data,
    size_t len);
void news_tpl_next(news_tpl_scan_t *s, news_tpl_token_t *tok);

int news_parse_article_uri(const unsigned char *p, size_t len,
    news_article_uri_t *uri);
const unsigned char *news_parse_category_uri(const unsigned char *p,
    size_t len, size_t *slug_len);
int news_parse_tag_uri(const unsigned char *p, size_t len, int decode,
    unsigned char *dst, size_t *name_len);
int news_parse_tag_feed_uri(const unsigned char *p, size_t len, int decode,
    unsigned char *dst, size_t *name_len);
size_t news_tag_escape(unsigned char *dst, const unsigned char *src,
    size_t len);
const unsigned char *news_parse_category_feed_uri(const unsigned char *p,
    size_t len, size_t *slug_len, int *atom);
int news_slug_valid(const unsigned char *p, size_t len);
int news_parse_day(const unsigned char *p, size_t len);

/* a preview link's "EXPIRY.SIG": the Unix time and 64 lowercase hex */
#define NEWS_PREVIEW_SIG_LEN  64
int news_parse_preview(const unsigned char *p, size_t len,
    long long *expiry, const unsigned char **sig);

size_t news_share_args(unsigned char *dst, const unsigned char *src,
    size_t len);

/* news_html_ref.c: the bytes of "&...;" at p, its code point in *cp */
size_t news_html_reference(const unsigned char *p, size_t len,
    uint32_t *cp);

/* news_escape.c */
size_t news_utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp);
size_t news_utf8_encode(unsigned char *p, uint32_t c);
size_t news_html_escape(unsigned char *dst, const unsigned char *src,
    size_t len);
size_t news_json_escape(unsigned char *dst, const unsigned char *src,
    size_t len);
size_t news_xml_escape(unsigned char *dst, const unsigned char *src,
    size_t len);


#endif /* _NEWS_PARSE_H_INCLUDED_ */
