/*
 * news_post.c: parses a Jekyll post (front matter, HTML body, the share
 * link and breadcrumb trailer lines) into a news_post_t.
 *
 * The front matter is the small YAML subset Jekyll posts use: "key: value"
 * lines, plain, "double" and 'single' quoted scalars, [flow] and "- block"
 * lists.  Anything richer is rejected with a line number rather than
 * guessed at.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "news_post.h"


/* decoded values never outgrow their source; the slack is the summary */
#define NEWS_POST_ARENA_SLACK    1024
#define NEWS_POST_MAX_ITEMS      64
#define NEWS_POST_MAX_NAME       200
#define NEWS_POST_MAX_SOURCE     100

#define NEWS_POST_BOM            "\xEF\xBB\xBF"
#define NEWS_POST_FULLWIDTH_BAR  "\xEF\xBD\x9C"    /* U+FF5C */
#define NEWS_POST_FULLWIDTH_LP   "\xEF\xBC\x88"    /* U+FF08 */
#define NEWS_POST_FULLWIDTH_RP   "\xEF\xBC\x89"    /* U+FF09 */
#define NEWS_POST_FULLWIDTH_CO   "\xEF\xBC\x9A"    /* U+FF1A */
#define NEWS_POST_BACK           "\xE8\xBF\x94\xE5\x9B\x9E"  /* "返回" */
#define NEWS_POST_ARTICLE        "\xE6\x96\x87\xE7\xAB\xA0"  /* "文章" */
#define NEWS_POST_SOURCE         "\xE6\x9D\xA5\xE6\xBA\x90"  /* "来源" */
#define NEWS_POST_ELLIPSIS       "\xE2\x80\xA6"    /* U+2026 */


typedef enum {
    NEWS_POST_F_NONE = 0,
    NEWS_POST_F_TITLE,
    NEWS_POST_F_DATE,
    NEWS_POST_F_CATEGORIES,
    NEWS_POST_F_TAGS,
    NEWS_POST_F_SUMMARY,
    NEWS_POST_F_SOURCE,
    NEWS_POST_F_SOURCE_URL,
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
    const char         *name;
    news_post_field_e   field;
} news_post_key_t;


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


#if defined(__GNUC__)
static int news_post_error(news_post_t *post, size_t line, const char *fmt,
    ...) __attribute__ ((format (printf, 3, 4)));
#else
static int news_post_error(news_post_t *post, size_t line, const char *fmt,
    ...);
#endif
static const char *news_post_show(char *buf, size_t size, const char *p,
    size_t len);
static size_t news_post_line_of(const char *buf, size_t off);
static size_t news_post_utf8_check(const unsigned char *p, size_t len);
static int news_post_next_line(news_post_lines_t *ls,
    news_post_line_t *line);
static news_post_str_t news_post_trim(const char *p, size_t len);
static int news_post_is_fence(news_post_line_t *line);
static int news_post_front_matter(news_post_t *post, news_post_lines_t *ls);
static int news_post_fm_line(news_post_t *post, news_post_value_t *v,
    news_post_line_t *line, unsigned *seen);
static int news_post_fm_key(news_post_t *post, news_post_value_t *v,
    news_post_line_t *line, unsigned *seen);
static int news_post_fm_inline(news_post_t *post, news_post_value_t *v,
    const char *p, const char *end, size_t number);
static int news_post_fm_item(news_post_t *post, news_post_value_t *v,
    const char *p, const char *end, size_t number);
static int news_post_add_item(news_post_t *post, news_post_value_t *v,
    news_post_str_t *s, size_t number);
static int news_post_flow_list(news_post_t *post, news_post_value_t *v,
    const char *p, const char *end, size_t number);
static int news_post_scalar(news_post_t *post, const char **pp,
    const char *end, int flow, news_post_str_t *out, size_t number);
static int news_post_dquote(news_post_t *post, const char **pp,
    const char *end, news_post_str_t *out, size_t number);
static int news_post_squote(news_post_t *post, const char **pp,
    const char *end, news_post_str_t *out, size_t number);
static int news_post_hex4(const char *p, const char *end, unsigned *code);
static size_t news_post_utf8_encode(unsigned code, char *out);
static int news_post_commit(news_post_t *post, news_post_value_t *v);
static int news_post_one(news_post_t *post, news_post_value_t *v,
    news_post_str_t *s);
static int news_post_path(news_post_t *post, news_post_value_t *v,
    int slugs);
static int news_post_path_add(news_post_t *post, news_post_value_t *v,
    int slugs, const char *p, size_t len, size_t number);
static int news_post_content(news_post_t *post, news_post_lines_t *ls,
    size_t fm_end);
static int news_post_share_line(news_post_line_t *line,
    news_post_str_t *code);
static int news_post_crumb_line(news_post_line_t *line,
    news_post_str_t *slug, news_post_str_t *name);
static void news_post_body(news_post_t *post, const char *start,
    const char *end);
static void news_post_derive_summary(news_post_t *post);
static size_t news_post_text(news_post_t *post, const char *p,
    const char *end);
static size_t news_post_entity(const char *p, const char *end, char *out,
    size_t *used);
static void news_post_derive_source(news_post_t *post);
static const char *news_post_date(const char *p, size_t len, char *out);
static int news_post_digits(const char **pp, const char *end, size_t min,
    size_t max, int *value);
static char *news_post_put(char *p, int value, size_t width);


static news_post_key_t  news_post_keys[] = {
    { "title", NEWS_POST_F_TITLE },
    { "date", NEWS_POST_F_DATE },
    { "categories", NEWS_POST_F_CATEGORIES },
    { "category", NEWS_POST_F_CATEGORIES },
    { "tags", NEWS_POST_F_TAGS },
    { "tag", NEWS_POST_F_TAGS },
    { "summary", NEWS_POST_F_SUMMARY },
    { "description", NEWS_POST_F_SUMMARY },
    { "excerpt", NEWS_POST_F_SUMMARY },
    { "source", NEWS_POST_F_SOURCE },
    { "source_url", NEWS_POST_F_SOURCE_URL },
    { "published", NEWS_POST_F_PUBLISHED },
    { "info_code", NEWS_POST_F_INFO_CODE },
    { NULL, NEWS_POST_F_NONE }
};


int
news_post_parse(news_post_t *post, const char *buf, size_t len)
{
    size_t              off;
    const char         *nul;
    news_post_lines_t   ls;

    memset(post, 0, sizeof(news_post_t));
    post->published = 1;

    if (buf == NULL) {
        buf = "";
        len = 0;
    }

    /* checked once for the whole file, so every slice is clean text */
    nul = (len > 0) ? memchr(buf, '\0', len) : NULL;
    if (nul != NULL) {
        return news_post_error(post, news_post_line_of(buf, nul - buf),
                               "NUL byte in the file");
    }

    off = news_post_utf8_check((const unsigned char *) buf, len);
    if (off != len) {
        return news_post_error(post, news_post_line_of(buf, off),
                               "invalid UTF-8");
    }

    post->arena_size = len + NEWS_POST_ARENA_SLACK;
    post->arena = malloc(post->arena_size);
    if (post->arena == NULL) {
        post->arena_size = 0;
        return news_post_error(post, 0, "out of memory");
    }

    ls.pos = buf;
    ls.end = buf + len;
    ls.number = 1;

    if (len >= 3 && memcmp(buf, NEWS_POST_BOM, 3) == 0) {
        ls.pos += 3;
    }

    if (news_post_front_matter(post, &ls) != NEWS_POST_OK) {
        return NEWS_POST_ERROR;
    }

    return news_post_content(post, &ls, ls.number - 1);
}


void
news_post_free(news_post_t *post)
{
    free(post->arena);
    post->arena = NULL;
    post->arena_size = 0;
    post->arena_used = 0;
}


int
news_post_valid_slug(const char *p, size_t len)
{
    size_t  i;

    if (len < 1 || len > 64) {
        return 0;
    }

    /* "category" would shadow the /category/ URL prefix */
    if (len == 8 && memcmp(p, "category", 8) == 0) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9')
              || p[i] == '_' || p[i] == '-'))
        {
            return 0;
        }
    }

    return 1;
}


int
news_post_valid_info_code(const char *p, size_t len)
{
    size_t  i;

    if (len < 10 || len > 32) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (i < 2) {
            if (p[i] < 'A' || p[i] > 'Z') {
                return 0;
            }

        } else if (p[i] < '0' || p[i] > '9') {
            return 0;
        }
    }

    return 1;
}


int
news_post_parse_date(const char *p, size_t len,
    char out[NEWS_POST_DATE_LEN + 1])
{
    return news_post_date(p, len, out) == NULL ? NEWS_POST_OK
                                               : NEWS_POST_ERROR;
}


static int
news_post_error(news_post_t *post, size_t line, const char *fmt, ...)
{
    va_list  args;

    post->err_line = line;

    va_start(args, fmt);
    vsnprintf(post->err, sizeof(post->err), fmt, args);
    va_end(args);

    return NEWS_POST_ERROR;
}


/* input text in a message: short, one line, no control bytes */
static const char *
news_post_show(char *buf, size_t size, const char *p, size_t len)
{
    size_t  i, n;

    n = len;
    if (n > size - 4) {
        n = size - 4;

        /* never end inside a character */
        while (n > 0 && ((unsigned char) p[n] & 0xC0) == 0x80) {
            n--;
        }
    }

    for (i = 0; i < n; i++) {
        buf[i] = ((unsigned char) p[i] < 0x20 || p[i] == 0x7F) ? '?' : p[i];
    }

    if (n < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }

    buf[n] = '\0';

    return buf;
}


static size_t
news_post_line_of(const char *buf, size_t off)
{
    size_t  i, line;

    line = 1;

    for (i = 0; i < off; i++) {
        if (buf[i] == '\n') {
            line++;
        }
    }

    return line;
}


/* returns the offset of the first byte that is not UTF-8, or len */
static size_t
news_post_utf8_check(const unsigned char *p, size_t len)
{
    size_t         i, n, k;
    unsigned char  c, lo, hi;

    i = 0;

    while (i < len) {
        c = p[i];

        if (c < 0x80) {
            i++;
            continue;
        }

        lo = 0x80;
        hi = 0xBF;

        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;

        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0) {
                lo = 0xA0;         /* overlong */
            } else if (c == 0xED) {
                hi = 0x9F;         /* surrogates */
            }

        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0) {
                lo = 0x90;
            } else if (c == 0xF4) {
                hi = 0x8F;         /* beyond U+10FFFF */
            }

        } else {
            return i;
        }

        if (len - i <= n) {
            return i;
        }

        if (p[i + 1] < lo || p[i + 1] > hi) {
            return i;
        }

        for (k = 2; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                return i;
            }
        }

        i += n + 1;
    }

    return len;
}


static int
news_post_next_line(news_post_lines_t *ls, news_post_line_t *line)
{
    const char  *nl;

    if (ls->pos >= ls->end) {
        return 0;
    }

    nl = memchr(ls->pos, '\n', ls->end - ls->pos);

    line->data = ls->pos;
    line->len = (nl != NULL ? nl : ls->end) - ls->pos;
    line->number = ls->number;

    /* CRLF and LF files read the same */
    if (line->len > 0 && line->data[line->len - 1] == '\r') {
        line->len--;
    }

    ls->pos = (nl != NULL) ? nl + 1 : ls->end;
    ls->number++;

    return 1;
}


static news_post_str_t
news_post_trim(const char *p, size_t len)
{
    news_post_str_t  s;

    while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\r'
                       || *p == '\f' || *p == '\v'))
    {
        p++;
        len--;
    }

    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'
                       || p[len - 1] == '\r' || p[len - 1] == '\f'
                       || p[len - 1] == '\v'))
    {
        len--;
    }

    s.data = p;
    s.len = len;

    return s;
}


static int
news_post_is_fence(news_post_line_t *line)
{
    news_post_str_t  s;

    /* trailing blanks are invisible in an editor, so they are forgiven */
    if (line->len < 3 || memcmp(line->data, "---", 3) != 0) {
        return 0;
    }

    s = news_post_trim(line->data + 3, line->len - 3);

    return s.len == 0;
}


static int
news_post_front_matter(news_post_t *post, news_post_lines_t *ls)
{
    size_t              first;
    unsigned            seen;
    news_post_line_t    line;
    news_post_value_t   v;

    if (!news_post_next_line(ls, &line) || !news_post_is_fence(&line)) {
        return news_post_error(post, 1, "a post starts with a \"---\" line "
                               "opening its front matter");
    }

    first = line.number;
    seen = 0;
    v.field = NEWS_POST_F_NONE;
    v.state = NEWS_POST_V_EMPTY;
    v.n = 0;
    v.is_list = 0;

    for ( ;; ) {
        if (!news_post_next_line(ls, &line)) {
            return news_post_error(post, first, "front matter is not "
                                   "terminated: no closing \"---\" line");
        }

        if (news_post_is_fence(&line)) {
            break;
        }

        if (news_post_fm_line(post, &v, &line, &seen) != NEWS_POST_OK) {
            return NEWS_POST_ERROR;
        }
    }

    if (news_post_commit(post, &v) != NEWS_POST_OK) {
        return NEWS_POST_ERROR;
    }

    if (!(seen & (1u << NEWS_POST_F_TITLE))) {
        return news_post_error(post, line.number,
                               "front matter has no title");
    }

    if (!(seen & (1u << NEWS_POST_F_DATE))) {
        return news_post_error(post, line.number,
                               "front matter has no date");
    }

    return NEWS_POST_OK;
}


static int
news_post_fm_line(news_post_t *post, news_post_value_t *v,
    news_post_line_t *line, unsigned *seen)
{
    const char  *p, *end;

    p = line->data;
    end = p + line->len;

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p == end || *p == '#') {
        return NEWS_POST_OK;
    }

    if (*p == '-' && (p + 1 == end || p[1] == ' ' || p[1] == '\t')) {

        if (v->field == NEWS_POST_F_NONE) {
            return news_post_error(post, line->number,
                                   "a list item before any key");
        }

        if (v->field == NEWS_POST_F_OTHER) {
            return NEWS_POST_OK;
        }

        if (v->state == NEWS_POST_V_INLINE) {
            return news_post_error(post, line->number, "a list item after "
                                   "the value of \"%s\"", v->key);
        }

        v->state = NEWS_POST_V_BLOCK;
        v->is_list = 1;

        return news_post_fm_item(post, v, p + 1, end, line->number);
    }

    if (p != line->data) {

        /* the lines of a key we ignore are none of our business */
        if (v->field == NEWS_POST_F_OTHER) {
            return NEWS_POST_OK;
        }

        if (v->field != NEWS_POST_F_NONE && v->state == NEWS_POST_V_EMPTY) {
            v->state = NEWS_POST_V_INLINE;
            return news_post_fm_inline(post, v, p, end, line->number);
        }

        if (v->field == NEWS_POST_F_NONE) {
            return news_post_error(post, line->number,
                                   "unexpected indented line");
        }

        return news_post_error(post, line->number, "multi-line values are "
                               "not supported: write \"%s\" on one line",
                               v->key);
    }

    if (news_post_commit(post, v) != NEWS_POST_OK) {
        return NEWS_POST_ERROR;
    }

    return news_post_fm_key(post, v, line, seen);
}


static int
news_post_fm_key(news_post_t *post, news_post_value_t *v,
    news_post_line_t *line, unsigned *seen)
{
    char              show[48];
    size_t            n;
    const char       *p, *end, *key;
    news_post_key_t  *k;

    key = line->data;
    end = key + line->len;

    for (p = key; p < end; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'
              || *p == '.'))
        {
            break;
        }
    }

    n = p - key;

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (n == 0 || p == end || *p != ':'
        || (p + 1 < end && p[1] != ' ' && p[1] != '\t'))
    {
        return news_post_error(post, line->number,
                               "expected \"key: value\", not \"%s\"",
                               news_post_show(show, sizeof(show), line->data,
                                              line->len));
    }

    p++;

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    v->field = NEWS_POST_F_OTHER;
    v->key = "";
    v->line = line->number;
    v->n = 0;
    v->is_list = 0;

    for (k = news_post_keys; k->name != NULL; k++) {
        if (strlen(k->name) == n && memcmp(k->name, key, n) == 0) {
            v->field = k->field;
            v->key = k->name;
            break;
        }
    }

    if (v->field != NEWS_POST_F_OTHER) {
        if (*seen & (1u << v->field)) {
            return news_post_error(post, line->number,
                                   "\"%s\" is given twice (or with an "
                                   "alias)", v->key);
        }

        *seen |= 1u << v->field;
    }

    if (p == end || *p == '#') {
        v->state = NEWS_POST_V_EMPTY;
        return NEWS_POST_OK;
    }

    v->state = NEWS_POST_V_INLINE;

    if (v->field == NEWS_POST_F_OTHER) {
        return NEWS_POST_OK;
    }

    return news_post_fm_inline(post, v, p, end, line->number);
}


static int
news_post_fm_inline(news_post_t *post, news_post_value_t *v,
    const char *p, const char *end, size_t number)
{
    news_post_str_t  s;

    if (*p == '[') {
        v->is_list = 1;
        return news_post_flow_list(post, v, p, end, number);
    }

    if (*p == '{') {
        return news_post_error(post, number, "\"%s\" cannot be a mapping",
                               v->key);
    }

    if (*p == '|' || *p == '>') {
        return news_post_error(post, number, "block scalars (| and >) are "
                               "not supported: write \"%s\" on one line",
                               v->key);
    }

    if (news_post_scalar(post, &p, end, 0, &s, number) != NEWS_POST_OK) {
        return NEWS_POST_ERROR;
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p < end && *p != '#') {
        return news_post_error(post, number, "unexpected text after the "
                               "value of \"%s\"", v->key);
    }

    return news_post_add_item(post, v, &s, number);
}


static int
news_post_fm_item(news_post_t *post, news_post_value_t *v,
    const char *p, const char *end, size_t number)
{
    news_post_str_t  s;

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p < end && (*p == '[' || *p == '{' || *p == '|' || *p == '>'
                    || (*p == '-' && (p + 1 == end || p[1] == ' '))))
    {
        return news_post_error(post, number, "nested values in the list "
                               "of \"%s\" are not supported", v->key);
    }

    if (news_post_scalar(post, &p, end, 0, &s, number) != NEWS_POST_OK) {
        return NEWS_POST_ERROR;
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p < end && *p != '#') {
        return news_post_error(post, number, "unexpected text after a "
                               "list item of \"%s\"", v->key);
    }

    return news_post_add_item(post, v, &s, number);
}


static int
news_post_add_item(news_post_t *post, news_post_value_t *v,
    news_post_str_t *s, size_t number)
{
    if (v->n == NEWS_POST_MAX_ITEMS) {
        return news_post_error(post, number, "more than %d items in \"%s\"",
                               NEWS_POST_MAX_ITEMS, v->key);
    }

    v->items[v->n] = *s;
    v->item_lines[v->n] = number;
    v->n++;

    return NEWS_POST_OK;
}


static int
news_post_flow_list(news_post_t *post, news_post_value_t *v,
    const char *p, const char *end, size_t number)
{
    news_post_str_t  s;

    p++;

    for ( ;; ) {
        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        if (p == end || *p == '#') {
            return news_post_error(post, number, "the list of \"%s\" must "
                                   "close with \"]\" on its line", v->key);
        }

        if (*p == ']') {
            p++;
            break;
        }

        if (*p == ',') {
            return news_post_error(post, number, "empty item in the list "
                                   "of \"%s\"", v->key);
        }

        if (*p == '[' || *p == '{') {
            return news_post_error(post, number, "nested values in the "
                                   "list of \"%s\" are not supported",
                                   v->key);
        }

        if (news_post_scalar(post, &p, end, 1, &s, number) != NEWS_POST_OK) {
            return NEWS_POST_ERROR;
        }

        if (news_post_add_item(post, v, &s, number) != NEWS_POST_OK) {
            return NEWS_POST_ERROR;
        }

        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        if (p < end && *p == ',') {
            p++;
            continue;
        }

        if (p < end && *p == ']') {
            p++;
            break;
        }

        if (p == end) {
            return news_post_error(post, number, "the list of \"%s\" must "
                                   "close with \"]\" on its line", v->key);
        }

        return news_post_error(post, number, "expected \",\" or \"]\" in "
                               "the list of \"%s\"", v->key);
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p < end && *p != '#') {
        return news_post_error(post, number, "unexpected text after the "
                               "list of \"%s\"", v->key);
    }

    return NEWS_POST_OK;
}


/* a plain or quoted scalar at *pp; in a flow list "," and "]" end it */
static int
news_post_scalar(news_post_t *post, const char **pp, const char *end,
    int flow, news_post_str_t *out, size_t number)
{
    const char  *p, *start;

    p = *pp;

    if (p < end && *p == '"') {
        return news_post_dquote(post, pp, end, out, number);
    }

    if (p < end && *p == '\'') {
        return news_post_squote(post, pp, end, out, number);
    }

    start = p;

    while (p < end) {
        if (flow && (*p == ',' || *p == ']')) {
            break;
        }

        if (*p == '#' && p > start && (p[-1] == ' ' || p[-1] == '\t')) {
            break;
        }

        p++;
    }

    *out = news_post_trim(start, p - start);
    *pp = p;

    return NEWS_POST_OK;
}


static int
news_post_dquote(news_post_t *post, const char **pp, const char *end,
    news_post_str_t *out, size_t number)
{
    char        *dst, *start;
    unsigned     code, low;
    const char  *p;

    p = *pp + 1;

    /* the decoded text is never longer than the rest of the line */
    if (post->arena_size - post->arena_used < (size_t) (end - p)) {
        return news_post_error(post, number, "internal error: arena full");
    }

    start = post->arena + post->arena_used;
    dst = start;

    for ( ;; ) {
        if (p == end) {
            return news_post_error(post, number, "unterminated \"string\": "
                                   "the closing quote must be on the same "
                                   "line");
        }

        if (*p == '"') {
            p++;
            break;
        }

        if (*p != '\\') {
            *dst++ = *p++;
            continue;
        }

        p++;

        if (p == end) {
            continue;
        }

        switch (*p) {

        case '"':
        case '\\':
        case '/':
            *dst++ = *p++;
            break;

        case 'n':
            *dst++ = '\n';
            p++;
            break;

        case 't':
            *dst++ = '\t';
            p++;
            break;

        case 'r':
            *dst++ = '\r';
            p++;
            break;

        case 'u':
            if (news_post_hex4(p + 1, end, &code) != NEWS_POST_OK) {
                return news_post_error(post, number, "\\u takes four hex "
                                       "digits");
            }

            p += 5;

            if (code >= 0xD800 && code <= 0xDBFF) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u'
                    || news_post_hex4(p + 2, end, &low) != NEWS_POST_OK
                    || low < 0xDC00 || low > 0xDFFF)
                {
                    return news_post_error(post, number, "\\u escape of "
                                           "an unpaired surrogate");
                }

                p += 6;
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);

            } else if (code >= 0xDC00 && code <= 0xDFFF) {
                return news_post_error(post, number, "\\u escape of an "
                                       "unpaired surrogate");
            }

            if (code == 0) {
                return news_post_error(post, number, "\\u0000: NUL is not "
                                       "allowed");
            }

            dst += news_post_utf8_encode(code, dst);
            break;

        default:
            if ((unsigned char) *p > 0x20 && (unsigned char) *p < 0x7F) {
                return news_post_error(post, number, "unknown escape "
                                       "\"\\%c\" in a \"string\"", *p);
            }

            return news_post_error(post, number, "unknown escape in a "
                                   "\"string\"");
        }
    }

    out->data = start;
    out->len = dst - start;
    post->arena_used += dst - start;
    *pp = p;

    return NEWS_POST_OK;
}


static int
news_post_squote(news_post_t *post, const char **pp, const char *end,
    news_post_str_t *out, size_t number)
{
    char        *dst, *start;
    const char  *p;

    p = *pp + 1;

    if (post->arena_size - post->arena_used < (size_t) (end - p)) {
        return news_post_error(post, number, "internal error: arena full");
    }

    start = post->arena + post->arena_used;
    dst = start;

    for ( ;; ) {
        if (p == end) {
            return news_post_error(post, number, "unterminated 'string': "
                                   "the closing quote must be on the same "
                                   "line");
        }

        if (*p == '\'') {
            if (p + 1 < end && p[1] == '\'') {
                *dst++ = '\'';
                p += 2;
                continue;
            }

            p++;
            break;
        }

        *dst++ = *p++;
    }

    out->data = start;
    out->len = dst - start;
    post->arena_used += dst - start;
    *pp = p;

    return NEWS_POST_OK;
}


static int
news_post_hex4(const char *p, const char *end, unsigned *code)
{
    int       i;
    unsigned  c;

    if (end - p < 4) {
        return NEWS_POST_ERROR;
    }

    c = 0;

    for (i = 0; i < 4; i++) {
        c <<= 4;

        if (p[i] >= '0' && p[i] <= '9') {
            c |= p[i] - '0';

        } else if (p[i] >= 'a' && p[i] <= 'f') {
            c |= p[i] - 'a' + 10;

        } else if (p[i] >= 'A' && p[i] <= 'F') {
            c |= p[i] - 'A' + 10;

        } else {
            return NEWS_POST_ERROR;
        }
    }

    *code = c;

    return NEWS_POST_OK;
}


static size_t
news_post_utf8_encode(unsigned code, char *out)
{
    if (code < 0x80) {
        out[0] = (char) code;
        return 1;
    }

    if (code < 0x800) {
        out[0] = (char) (0xC0 | (code >> 6));
        out[1] = (char) (0x80 | (code & 0x3F));
        return 2;
    }

    if (code < 0x10000) {
        out[0] = (char) (0xE0 | (code >> 12));
        out[1] = (char) (0x80 | ((code >> 6) & 0x3F));
        out[2] = (char) (0x80 | (code & 0x3F));
        return 3;
    }

    out[0] = (char) (0xF0 | (code >> 18));
    out[1] = (char) (0x80 | ((code >> 12) & 0x3F));
    out[2] = (char) (0x80 | ((code >> 6) & 0x3F));
    out[3] = (char) (0x80 | (code & 0x3F));

    return 4;
}


/* stores the value of a key once all its lines are read */
static int
news_post_commit(news_post_t *post, news_post_value_t *v)
{
    char              show[48];
    const char       *p, *reason;
    news_post_str_t   s;
    news_post_field_e field;

    field = v->field;
    v->field = NEWS_POST_F_NONE;

    switch (field) {

    case NEWS_POST_F_NONE:
    case NEWS_POST_F_OTHER:
        return NEWS_POST_OK;

    case NEWS_POST_F_CATEGORIES:
        return news_post_path(post, v, 1);

    case NEWS_POST_F_TAGS:
        return news_post_path(post, v, 0);

    default:
        break;
    }

    if (news_post_one(post, v, &s) != NEWS_POST_OK) {
        return NEWS_POST_ERROR;
    }

    switch (field) {

    case NEWS_POST_F_TITLE:
        if (s.len == 0) {
            return news_post_error(post, v->line, "title is empty");
        }

        if (s.len > NEWS_POST_MAX_TITLE) {
            return news_post_error(post, v->line, "title is longer than %d "
                                   "bytes", NEWS_POST_MAX_TITLE);
        }

        post->title = s;
        break;

    case NEWS_POST_F_DATE:
        reason = news_post_date(s.data, s.len, post->published_at);
        if (reason != NULL) {
            return news_post_error(post, v->line, "bad date \"%s\": %s",
                                   news_post_show(show, sizeof(show), s.data,
                                                  s.len),
                                   reason);
        }

        break;

    case NEWS_POST_F_SUMMARY:
        post->summary = s;
        break;

    case NEWS_POST_F_SOURCE:
        post->source_name = s;
        break;

    case NEWS_POST_F_SOURCE_URL:
        if (s.len > 0) {
            if (!((s.len > 7 && memcmp(s.data, "http://", 7) == 0)
                  || (s.len > 8 && memcmp(s.data, "https://", 8) == 0)))
            {
                return news_post_error(post, v->line, "source_url must be "
                                       "an http:// or https:// URL");
            }

            for (p = s.data; p < s.data + s.len; p++) {
                if ((unsigned char) *p <= 0x20 || *p == 0x7F) {
                    return news_post_error(post, v->line, "source_url "
                                           "contains a blank or a control "
                                           "character");
                }
            }
        }

        post->source_url = s;
        break;

    case NEWS_POST_F_PUBLISHED:
        if ((s.len == 4 && strncasecmp(s.data, "true", 4) == 0)
            || (s.len == 3 && strncasecmp(s.data, "yes", 3) == 0)
            || (s.len == 2 && strncasecmp(s.data, "on", 2) == 0))
        {
            post->published = 1;

        } else if ((s.len == 5 && strncasecmp(s.data, "false", 5) == 0)
                   || (s.len == 2 && strncasecmp(s.data, "no", 2) == 0)
                   || (s.len == 3 && strncasecmp(s.data, "off", 3) == 0))
        {
            post->published = 0;

        } else {
            return news_post_error(post, v->line, "published must be true "
                                   "or false");
        }

        break;

    case NEWS_POST_F_INFO_CODE:
        if (s.len > 0 && !news_post_valid_info_code(s.data, s.len)) {
            return news_post_error(post, v->line, "bad info_code \"%s\": "
                                   "it must match ^[A-Z]{2}[0-9]{8,30}$",
                                   news_post_show(show, sizeof(show), s.data,
                                                  s.len));
        }

        post->info_code = s;
        break;

    default:
        break;
    }

    return NEWS_POST_OK;
}


/* the single value of a scalar key, trimmed; "" when there is none */
static int
news_post_one(news_post_t *post, news_post_value_t *v, news_post_str_t *s)
{
    if (v->is_list) {
        return news_post_error(post, v->line, "\"%s\" takes one value, "
                               "not a list", v->key);
    }

    if (v->n == 0) {
        s->data = "";
        s->len = 0;
        return NEWS_POST_OK;
    }

    *s = news_post_trim(v->items[0].data, v->items[0].len);

    return NEWS_POST_OK;
}


/*
 * categories and tags: a list, or a scalar split on blanks as Jekyll does;
 * categories are slugs, and their order is the path from the top
 */
static int
news_post_path(news_post_t *post, news_post_value_t *v, int slugs)
{
    size_t            i;
    const char       *p, *end, *word;
    news_post_str_t   s;

    if (slugs) {
        post->categories_line = v->line;
    }

    for (i = 0; i < v->n; i++) {
        s = news_post_trim(v->items[i].data, v->items[i].len);

        if (v->is_list) {
            if (news_post_path_add(post, v, slugs, s.data, s.len,
                                   v->item_lines[i])
                != NEWS_POST_OK)
            {
                return NEWS_POST_ERROR;
            }

            continue;
        }

        p = s.data;
        end = p + s.len;

        while (p < end) {
            while (p < end && (*p == ' ' || *p == '\t')) {
                p++;
            }

            word = p;

            while (p < end && *p != ' ' && *p != '\t') {
                p++;
            }

            if (news_post_path_add(post, v, slugs, word, p - word,
                                   v->item_lines[i])
                != NEWS_POST_OK)
            {
                return NEWS_POST_ERROR;
            }
        }
    }

    return NEWS_POST_OK;
}


static int
news_post_path_add(news_post_t *post, news_post_value_t *v, int slugs,
    const char *p, size_t len, size_t number)
{
    char  show[48];

    if (len == 0) {
        return NEWS_POST_OK;
    }

    if (!slugs) {
        if (post->ntags == NEWS_POST_MAX_TAGS) {
            return news_post_error(post, number, "more than %d tags",
                                   NEWS_POST_MAX_TAGS);
        }

        post->tags[post->ntags].data = p;
        post->tags[post->ntags].len = len;
        post->ntags++;

        return NEWS_POST_OK;
    }

    if (!news_post_valid_slug(p, len)) {
        return news_post_error(post, number, "bad category slug \"%s\": "
                               "slugs are 1 to 64 of a-z 0-9 _ - and not "
                               "\"category\"",
                               news_post_show(show, sizeof(show), p, len));
    }

    if (post->ncategories == NEWS_POST_MAX_CATEGORIES) {
        return news_post_error(post, number, "a category path deeper than "
                               "%d", NEWS_POST_MAX_CATEGORIES);
    }

    post->categories[post->ncategories].data = p;
    post->categories[post->ncategories].len = len;
    post->ncategories++;

    return NEWS_POST_OK;
}


/*
 * the body and the trailer: the last non-blank lines may be the share
 * link and the breadcrumb, in either order; what precedes is the body
 */
static int
news_post_content(news_post_t *post, news_post_lines_t *ls, size_t fm_end)
{
    char               show[48], show2[48];
    size_t             count, i, k, last;
    const char        *body_start, *body_end;
    news_post_str_t    code, slug, name, s, *leaf;
    news_post_line_t   ring[3], line, *share, *crumb;

    memset(ring, 0, sizeof(ring));
    count = 0;
    last = fm_end;
    body_start = NULL;
    body_end = NULL;

    while (news_post_next_line(ls, &line)) {
        last = line.number;

        s = news_post_trim(line.data, line.len);
        if (s.len == 0) {
            continue;
        }

        if (body_start == NULL) {
            body_start = line.data;
        }

        ring[2] = ring[1];
        ring[1] = ring[0];
        ring[0] = line;
        count++;
    }

    post->lines = last;

    share = NULL;
    crumb = NULL;
    k = 0;
    code.data = NULL;
    code.len = 0;
    slug = code;
    name = code;

    /* a third trailer-like line can only be a repeated one */
    for (i = 0; i < 3 && i < count; i++) {

        if (news_post_share_line(&ring[i], &s)) {
            if (share != NULL) {
                return news_post_error(post, ring[i].number, "a second "
                                       "share link line");
            }

            share = &ring[i];
            code = s;
            k++;
            continue;
        }

        if (news_post_crumb_line(&ring[i], &slug, &name)) {
            if (crumb != NULL) {
                return news_post_error(post, ring[i].number, "a second "
                                       "breadcrumb line");
            }

            crumb = &ring[i];
            k++;
            continue;
        }

        break;
    }

    if (count > k) {
        body_end = ring[k].data + ring[k].len;
        news_post_body(post, body_start, body_end);
    }

    if (share != NULL) {
        if (!news_post_valid_info_code(code.data, code.len)) {
            return news_post_error(post, share->number, "bad infoCode "
                                   "\"%s\" in the share link: it must "
                                   "match ^[A-Z]{2}[0-9]{8,30}$",
                                   news_post_show(show, sizeof(show),
                                                  code.data, code.len));
        }

        if (post->info_code.len > 0
            && (post->info_code.len != code.len
                || memcmp(post->info_code.data, code.data, code.len) != 0))
        {
            return news_post_error(post, share->number, "infoCode %s of "
                                   "the share link differs from info_code "
                                   "%s of the front matter",
                                   news_post_show(show, sizeof(show),
                                                  code.data, code.len),
                                   news_post_show(show2, sizeof(show2),
                                                  post->info_code.data,
                                                  post->info_code.len));
        }

        post->info_code = code;
        post->has_share_link = 1;

    } else if (post->info_code.len == 0) {
        return news_post_error(post, last, "no info code: neither a share "
                               "link line with infoCode= nor info_code in "
                               "the front matter");
    }

    if (crumb != NULL) {
        if (!news_post_valid_slug(slug.data, slug.len)) {
            return news_post_error(post, crumb->number, "bad category slug "
                                   "\"%s\" in the breadcrumb",
                                   news_post_show(show, sizeof(show),
                                                  slug.data, slug.len));
        }

        if (name.len > NEWS_POST_MAX_NAME) {
            return news_post_error(post, crumb->number, "category name in "
                                   "the breadcrumb is longer than %d bytes",
                                   NEWS_POST_MAX_NAME);
        }

        if (post->ncategories > 0) {
            leaf = &post->categories[post->ncategories - 1];

            if (leaf->len != slug.len
                || memcmp(leaf->data, slug.data, slug.len) != 0)
            {
                return news_post_error(post, crumb->number, "breadcrumb "
                                       "category \"%s\" differs from \"%s\", "
                                       "the last of the front matter "
                                       "categories",
                                       news_post_show(show, sizeof(show),
                                                      slug.data, slug.len),
                                       news_post_show(show2, sizeof(show2),
                                                      leaf->data,
                                                      leaf->len));
            }

        } else {
            post->categories[0] = slug;
            post->ncategories = 1;
            post->categories_line = crumb->number;
        }

        post->category_name = (name.len > 0) ? name : slug;
        post->has_breadcrumb = 1;

    } else if (post->ncategories == 0) {
        return news_post_error(post, last, "no category: neither a "
                               "breadcrumb line nor categories in the front "
                               "matter");

    } else {
        post->category_name = post->categories[post->ncategories - 1];
    }

    if (post->summary.len == 0) {
        news_post_derive_summary(post);
    }

    if (post->source_name.len == 0) {
        news_post_derive_source(post);
    }

    return NEWS_POST_OK;
}


static int
news_post_share_line(news_post_line_t *line, news_post_str_t *code)
{
    const char       *p, *q, *end, *amp, *arg_end;
    news_post_str_t   s;

    s = news_post_trim(line->data, line->len);
    p = s.data;
    end = p + s.len;

    if (p < end && *p == '<') {
        if (end - p < 2 || end[-1] != '>') {
            return 0;
        }

        p++;
        end--;
    }

    for (q = p; q < end; q++) {
        if ((unsigned char) *q <= 0x20 || *q == 0x7F) {
            return 0;
        }
    }

    /* any scheme, or none ("//host/..."), but a host */
    if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
        p += 2;

    } else {
        q = p;

        if (q == end
            || !((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
        {
            return 0;
        }

        while (q < end
               && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')
                   || (*q >= '0' && *q <= '9') || *q == '+' || *q == '.'
                   || *q == '-'))
        {
            q++;
        }

        if (end - q < 3 || memcmp(q, "://", 3) != 0) {
            return 0;
        }

        p = q + 3;
    }

    if (p == end || *p == '/' || *p == '?') {
        return 0;
    }

    q = memchr(p, '#', end - p);
    if (q != NULL) {
        end = q;
    }

    q = memchr(p, '?', end - p);
    if (q == NULL) {
        return 0;
    }

    q++;

    while (q < end) {
        amp = memchr(q, '&', end - q);
        arg_end = (amp != NULL) ? amp : end;

        if (arg_end - q >= 9 && memcmp(q, "infoCode=", 9) == 0) {
            code->data = q + 9;
            code->len = arg_end - (q + 9);
            return 1;
        }

        q = (amp != NULL) ? amp + 1 : end;
    }

    return 0;
}


static int
news_post_crumb_line(news_post_line_t *line, news_post_str_t *slug,
    news_post_str_t *name)
{
    const char       *p, *q, *end, *text, *text_end, *t, *t_end;
    news_post_str_t   s;

    s = news_post_trim(line->data, line->len);
    p = s.data;
    end = p + s.len;

    if (p == end || *p != '[') {
        return 0;
    }

    text = p + 1;
    text_end = memchr(text, ']', end - text);
    if (text_end == NULL || text_end + 1 == end || text_end[1] != '(') {
        return 0;
    }

    t = text_end + 2;
    t_end = memchr(t, ')', end - t);
    if (t_end == NULL) {
        return 0;
    }

    /* the first link, then nothing or a separator and the home link */
    for (q = t_end + 1; q < end && (*q == ' ' || *q == '\t'); q++) {
        /* void */
    }

    if (q < end && *q != '|'
        && (end - q < 3 || memcmp(q, NEWS_POST_FULLWIDTH_BAR, 3) != 0))
    {
        return 0;
    }

    for (q = t; q < t_end; q++) {
        if (*q == '?' || *q == '#') {
            t_end = q;
            break;
        }
    }

    if (t_end - t >= 2 && t[0] == '/' && t[1] == '/') {
        t = memchr(t + 2, '/', t_end - (t + 2));
        if (t == NULL) {
            return 0;
        }

    } else if (t < t_end && *t != '/') {
        q = memchr(t, ':', t_end - t);
        if (q == NULL || t_end - q < 3 || q[1] != '/' || q[2] != '/') {
            return 0;
        }

        t = memchr(q + 3, '/', t_end - (q + 3));
        if (t == NULL) {
            return 0;
        }
    }

    if (t_end - t < 15 || memcmp(t, "/category/", 10) != 0
        || memcmp(t_end - 5, ".html", 5) != 0)
    {
        return 0;
    }

    slug->data = t + 10;
    slug->len = (t_end - 5) - (t + 10);

    s = news_post_trim(text, text_end - text);
    if (s.len >= 6 && memcmp(s.data, NEWS_POST_BACK, 6) == 0) {
        s = news_post_trim(s.data + 6, s.len - 6);
    }

    *name = s;

    return 1;
}


/* the body as stored: LF line ends, whatever the file had */
static void
news_post_body(news_post_t *post, const char *start, const char *end)
{
    char        *dst;
    const char  *p, *cr;

    post->body.data = start;
    post->body.len = end - start;

    cr = memchr(start, '\r', end - start);
    if (cr == NULL) {
        return;
    }

    /* the arena holds at least the file's size beyond what was used */
    if (post->arena_size - post->arena_used < (size_t) (end - start)) {
        return;
    }

    dst = post->arena + post->arena_used;
    post->body.data = dst;

    for (p = start; p < end; p++) {
        if (*p == '\r' && p + 1 < end && p[1] == '\n') {
            continue;
        }

        *dst++ = *p;
    }

    post->body.len = dst - post->body.data;
    post->arena_used += post->body.len;
}


/* the text of the body's first paragraph that has any */
static void
news_post_derive_summary(news_post_t *post)
{
    size_t       n;
    const char  *p, *end, *c, *q;

    if (post->body.len == 0) {
        return;
    }

    p = post->body.data;
    end = p + post->body.len;

    while (p < end) {
        p = memchr(p, '<', end - p);
        if (p == NULL) {
            return;
        }

        if (end - p < 3 || (p[1] != 'p' && p[1] != 'P')
            || !(p[2] == '>' || p[2] == ' ' || p[2] == '\t' || p[2] == '\n'))
        {
            p++;
            continue;
        }

        c = memchr(p, '>', end - p);
        if (c == NULL) {
            return;
        }

        c++;

        for (q = c; q < end; q++) {
            if (*q == '<' && end - q >= 3 && q[1] == '/'
                && (q[2] == 'p' || q[2] == 'P'))
            {
                break;
            }
        }

        n = news_post_text(post, c, q);
        if (n > 0) {
            return;
        }

        p = q;
    }
}


/*
 * tags stripped, entities decoded, blanks collapsed, cut after
 * NEWS_POST_SUMMARY_CHARS characters with an ellipsis; sets post->summary
 */
static size_t
news_post_text(news_post_t *post, const char *p, const char *end)
{
    int          space, cut;
    char        *start, *dst, ch[4];
    size_t       chars, n, used;
    const char  *q;

    if (post->arena_size - post->arena_used
        < NEWS_POST_SUMMARY_CHARS * 4 + 8)
    {
        return 0;
    }

    start = post->arena + post->arena_used;
    dst = start;
    chars = 0;
    space = 0;
    cut = 0;

    while (p < end) {

        if (*p == '<') {
            q = memchr(p, '>', end - p);
            if (q == NULL) {
                break;
            }

            if (q - p >= 3 && (p[1] == 'b' || p[1] == 'B')
                && (p[2] == 'r' || p[2] == 'R'))
            {
                space = 1;
            }

            p = q + 1;
            continue;
        }

        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'
            || *p == '\f' || *p == '\v')
        {
            space = 1;
            p++;
            continue;
        }

        if (*p == '&') {
            n = news_post_entity(p, end, ch, &used);

        } else {
            used = 1;

            if (((unsigned char) *p & 0xE0) == 0xC0) {
                used = 2;
            } else if (((unsigned char) *p & 0xF0) == 0xE0) {
                used = 3;
            } else if (((unsigned char) *p & 0xF8) == 0xF0) {
                used = 4;
            }

            if (used > (size_t) (end - p)) {
                used = end - p;
            }

            memcpy(ch, p, used);
            n = used;
        }

        p += used;

        /* no-break and ideographic spaces indent, they say nothing */
        if ((n == 2 && memcmp(ch, "\xC2\xA0", 2) == 0)
            || (n == 3 && memcmp(ch, "\xE3\x80\x80", 3) == 0))
        {
            space = 1;
            continue;
        }

        if (space && dst > start) {
            if (chars == NEWS_POST_SUMMARY_CHARS) {
                cut = 1;
                break;
            }

            *dst++ = ' ';
            chars++;
        }

        space = 0;

        if (chars == NEWS_POST_SUMMARY_CHARS) {
            cut = 1;
            break;
        }

        memcpy(dst, ch, n);
        dst += n;
        chars++;
    }

    if (cut) {
        while (dst > start && dst[-1] == ' ') {
            dst--;
        }

        memcpy(dst, NEWS_POST_ELLIPSIS, 3);
        dst += 3;
    }

    if (dst == start) {
        return 0;
    }

    post->summary.data = start;
    post->summary.len = dst - start;
    post->arena_used += dst - start;

    return chars;
}


/* decodes the entity at p into out; unknown ones stay as they are */
static size_t
news_post_entity(const char *p, const char *end, char *out, size_t *used)
{
    size_t       len, i;
    unsigned     code;
    const char  *semi;

    static const struct {
        const char  *name;
        size_t       len;
        char         c;
    } named[] = {
        { "amp", 3, '&' }, { "lt", 2, '<' }, { "gt", 2, '>' },
        { "quot", 4, '"' }, { "apos", 4, '\'' }
    };

    *used = 1;
    out[0] = '&';

    len = end - p;
    if (len > 12) {
        len = 12;
    }

    semi = memchr(p, ';', len);
    if (semi == NULL) {
        return 1;
    }

    len = semi - (p + 1);

    for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        if (len == named[i].len && memcmp(p + 1, named[i].name, len) == 0) {
            out[0] = named[i].c;
            *used = len + 2;
            return 1;
        }
    }

    if (len == 4 && memcmp(p + 1, "nbsp", 4) == 0) {
        *used = len + 2;
        memcpy(out, "\xC2\xA0", 2);
        return 2;
    }

    if (len < 2 || p[1] != '#') {
        return 1;
    }

    code = 0;

    if (p[2] == 'x' || p[2] == 'X') {
        if (len < 3) {
            return 1;
        }

        for (i = 3; i <= len; i++) {
            code <<= 4;

            if (p[i] >= '0' && p[i] <= '9') {
                code |= p[i] - '0';
            } else if (p[i] >= 'a' && p[i] <= 'f') {
                code |= p[i] - 'a' + 10;
            } else if (p[i] >= 'A' && p[i] <= 'F') {
                code |= p[i] - 'A' + 10;
            } else {
                return 1;
            }

            if (code > 0x10FFFF) {
                return 1;
            }
        }

    } else {
        for (i = 2; i <= len; i++) {
            if (p[i] < '0' || p[i] > '9') {
                return 1;
            }

            code = code * 10 + (p[i] - '0');

            if (code > 0x10FFFF) {
                return 1;
            }
        }
    }

    if (code < 0x20 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)
        || code == 0x7F)
    {
        return 1;
    }

    *used = len + 2;

    return news_post_utf8_encode(code, out);
}


/* "（文章来源：新华网）", or "(来源: ...)": the last one in the body */
static void
news_post_derive_source(news_post_t *post)
{
    const char       *p, *end, *q, *b, *a, *name;
    news_post_str_t   s;

    if (post->body.len == 0) {
        return;
    }

    p = post->body.data;
    end = p + post->body.len;
    q = p;

    while (end - q >= 6) {
        q = memchr(q, NEWS_POST_SOURCE[0], (end - q) - 5);
        if (q == NULL) {
            return;
        }

        if (memcmp(q, NEWS_POST_SOURCE, 6) != 0) {
            q++;
            continue;
        }

        b = q;
        q += 6;

        if (b - p >= 6 && memcmp(b - 6, NEWS_POST_ARTICLE, 6) == 0) {
            b -= 6;
        }

        if (!((b - p >= 3 && memcmp(b - 3, NEWS_POST_FULLWIDTH_LP, 3) == 0)
              || (b - p >= 1 && b[-1] == '(')))
        {
            continue;
        }

        a = q;

        if (end - a >= 3 && memcmp(a, NEWS_POST_FULLWIDTH_CO, 3) == 0) {
            a += 3;
        } else if (a < end && *a == ':') {
            a++;
        } else {
            continue;
        }

        name = a;

        while (a < end && a - name <= NEWS_POST_MAX_SOURCE) {
            if (*a == ')' || *a == '<' || *a == '(' || *a == '\n'
                || (end - a >= 3
                    && (memcmp(a, NEWS_POST_FULLWIDTH_RP, 3) == 0
                        || memcmp(a, NEWS_POST_FULLWIDTH_LP, 3) == 0)))
            {
                break;
            }

            a++;
        }

        if (a == end || a - name > NEWS_POST_MAX_SOURCE
            || !(*a == ')'
                 || (end - a >= 3
                     && memcmp(a, NEWS_POST_FULLWIDTH_RP, 3) == 0)))
        {
            continue;
        }

        s = news_post_trim(name, a - name);
        if (s.len > 0) {
            post->source_name = s;
        }
    }
}


/*
 * "YYYY-MM-DD HH:MM[:SS][ ][Z|+HHMM|+HH:MM|+HH]" into
 * "YYYY-MM-DD HH:MM:SS+HH:MM"; returns why not, or NULL
 */
static const char *
news_post_date(const char *p, size_t len, char *out)
{
    int          year, month, day, hour, min, sec, oh, om, sign, mdays;
    char        *o;
    const char  *end;

    static const int  days[] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    end = p + len;
    sec = 0;
    oh = 0;
    om = 0;
    sign = '+';

    if (news_post_digits(&p, end, 4, 4, &year) != NEWS_POST_OK
        || p == end || *p++ != '-'
        || news_post_digits(&p, end, 2, 2, &month) != NEWS_POST_OK
        || p == end || *p++ != '-'
        || news_post_digits(&p, end, 2, 2, &day) != NEWS_POST_OK)
    {
        return "expected YYYY-MM-DD HH:MM:SS +HHMM";
    }

    if (p == end) {
        return "a time HH:MM[:SS] is required after the day";
    }

    if (*p == 'T' || *p == 't') {
        p++;

    } else if (*p == ' ' || *p == '\t') {
        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

    } else {
        return "expected a blank or T after the day";
    }

    if (news_post_digits(&p, end, 1, 2, &hour) != NEWS_POST_OK
        || p == end || *p++ != ':'
        || news_post_digits(&p, end, 2, 2, &min) != NEWS_POST_OK)
    {
        return "expected a time HH:MM[:SS]";
    }

    if (p < end && *p == ':') {
        p++;

        if (news_post_digits(&p, end, 2, 2, &sec) != NEWS_POST_OK) {
            return "expected seconds after HH:MM:";
        }
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p < end) {
        if (*p == 'Z' || *p == 'z') {
            p++;

        } else if (*p == '+' || *p == '-') {
            sign = *p++;

            if (news_post_digits(&p, end, 2, 2, &oh) != NEWS_POST_OK) {
                return "expected an offset +HHMM, +HH:MM or Z";
            }

            if (p < end && *p == ':') {
                p++;

                if (news_post_digits(&p, end, 2, 2, &om) != NEWS_POST_OK) {
                    return "expected an offset +HHMM, +HH:MM or Z";
                }

            } else if (p < end
                       && news_post_digits(&p, end, 2, 2, &om)
                          != NEWS_POST_OK)
            {
                return "expected an offset +HHMM, +HH:MM or Z";
            }

        } else {
            return "expected an offset +HHMM, +HH:MM or Z after the time";
        }

        if (p != end) {
            return "unexpected text after the offset";
        }
    }

    if (year < 1 || year > 9998) {
        return "year out of range 0001-9998";
    }

    if (month < 1 || month > 12) {
        return "month out of range";
    }

    mdays = days[month - 1];
    if (month == 2
        && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
    {
        mdays = 29;
    }

    if (day < 1 || day > mdays) {
        return "no such day in that month";
    }

    if (hour > 23 || min > 59 || sec > 59) {
        return "time out of range";
    }

    if (om > 59 || oh * 60 + om > 14 * 60) {
        return "offset out of range (at most 14:00)";
    }

    if (oh == 0 && om == 0) {
        sign = '+';
    }

    o = out;
    o = news_post_put(o, year, 4);
    *o++ = '-';
    o = news_post_put(o, month, 2);
    *o++ = '-';
    o = news_post_put(o, day, 2);
    *o++ = ' ';
    o = news_post_put(o, hour, 2);
    *o++ = ':';
    o = news_post_put(o, min, 2);
    *o++ = ':';
    o = news_post_put(o, sec, 2);
    *o++ = (char) sign;
    o = news_post_put(o, oh, 2);
    *o++ = ':';
    o = news_post_put(o, om, 2);
    *o = '\0';

    return NULL;
}


static int
news_post_digits(const char **pp, const char *end, size_t min, size_t max,
    int *value)
{
    int          v;
    size_t       n;
    const char  *p;

    p = *pp;
    v = 0;

    for (n = 0; n < max && p < end && *p >= '0' && *p <= '9'; n++) {
        v = v * 10 + (*p++ - '0');
    }

    if (n < min) {
        return NEWS_POST_ERROR;
    }

    *pp = p;
    *value = v;

    return NEWS_POST_OK;
}


static char *
news_post_put(char *p, int value, size_t width)
{
    size_t  i;

    for (i = width; i > 0; i--) {
        p[i - 1] = (char) ('0' + value % 10);
        value /= 10;
    }

    return p + width;
}
