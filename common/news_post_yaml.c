/*
 * news_post_yaml.c: the values of front matter keys, in the YAML Jekyll
 * posts are written in: plain, "double" and 'single' quoted scalars on one
 * line, [flow] lists and "- item" lines.  Quoted scalars are decoded into
 * the post's arena; plain ones stay slices of the file.
 */

#include "news_post_int.h"


static int news_post_yaml_one(news_post_t *post, news_post_value_t *v,
    const char *p, const char *end, size_t number, const char *what);
static int news_post_yaml_done(const char *p, const char *end);
static int news_post_yaml_add(news_post_t *post, news_post_value_t *v,
    news_post_str_t *s, size_t number);
static int news_post_yaml_flow_list(news_post_t *post, news_post_value_t *v,
    const char *p, const char *end, size_t number);
static int news_post_yaml_scalar(news_post_t *post, const char **pp,
    const char *end, int flow, news_post_str_t *out, size_t number);
static int news_post_yaml_quoted(news_post_t *post, const char **pp,
    const char *end, news_post_str_t *out, size_t number);
static int news_post_yaml_escape(news_post_t *post, const char **pp,
    const char *end, char **dst, size_t number);


int
news_post_yaml_inline(news_post_t *post, news_post_value_t *v,
    const char *p, const char *end, size_t number)
{
    if (*p == '[') {
        v->is_list = 1;
        return news_post_yaml_flow_list(post, v, p, end, number);
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

    return news_post_yaml_one(post, v, p, end, number, "the value");
}


int
news_post_yaml_item(news_post_t *post, news_post_value_t *v,
    const char *p, const char *end, size_t number)
{
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p < end && (*p == '[' || *p == '{' || *p == '|' || *p == '>'
                    || (*p == '-' && (p + 1 == end || p[1] == ' '))))
    {
        return news_post_error(post, number, "nested values in the list "
                               "of \"%s\" are not supported", v->key);
    }

    return news_post_yaml_one(post, v, p, end, number, "a list item");
}


/* one scalar, and nothing after it on its line but a comment */
static int
news_post_yaml_one(news_post_t *post, news_post_value_t *v, const char *p,
    const char *end, size_t number, const char *what)
{
    news_post_str_t  s;

    if (news_post_yaml_scalar(post, &p, end, 0, &s, number) != NEWS_POST_OK) {
        return NEWS_POST_ERROR;
    }

    if (!news_post_yaml_done(p, end)) {
        return news_post_error(post, number, "unexpected text after %s of "
                               "\"%s\"", what, v->key);
    }

    return news_post_yaml_add(post, v, &s, number);
}


static int
news_post_yaml_done(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    return p == end || *p == '#';
}


static int
news_post_yaml_add(news_post_t *post, news_post_value_t *v,
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
news_post_yaml_flow_list(news_post_t *post, news_post_value_t *v,
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

        if (news_post_yaml_scalar(post, &p, end, 1, &s, number)
            != NEWS_POST_OK)
        {
            return NEWS_POST_ERROR;
        }

        if (news_post_yaml_add(post, v, &s, number) != NEWS_POST_OK) {
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

    if (!news_post_yaml_done(p, end)) {
        return news_post_error(post, number, "unexpected text after the "
                               "list of \"%s\"", v->key);
    }

    return NEWS_POST_OK;
}


/* a plain or quoted scalar at *pp; in a flow list "," and "]" end it */
static int
news_post_yaml_scalar(news_post_t *post, const char **pp, const char *end,
    int flow, news_post_str_t *out, size_t number)
{
    const char  *p, *start;

    p = *pp;

    if (p < end && (*p == '"' || *p == '\'')) {
        return news_post_yaml_quoted(post, pp, end, out, number);
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


/*
 * a "double" or 'single' quoted scalar, decoded into the arena: escapes
 * in the first, '' for a quote in the second
 */
static int
news_post_yaml_quoted(news_post_t *post, const char **pp, const char *end,
    news_post_str_t *out, size_t number)
{
    char         quote, *dst, *start;
    const char  *p;

    quote = **pp;
    p = *pp + 1;

    /* the decoded text is never longer than the rest of the line */
    if (post->arena_size - post->arena_used < (size_t) (end - p)) {
        return news_post_error(post, number, "internal error: arena full");
    }

    start = post->arena + post->arena_used;
    dst = start;

    for ( ;; ) {
        if (p == end) {
            return news_post_error(post, number, "unterminated %cstring%c: "
                                   "the closing quote must be on the same "
                                   "line", quote, quote);
        }

        if (*p == quote) {
            if (quote == '\'' && p + 1 < end && p[1] == '\'') {
                *dst++ = '\'';
                p += 2;
                continue;
            }

            p++;
            break;
        }

        if (*p == '\\' && quote == '"') {
            if (news_post_yaml_escape(post, &p, end, &dst, number)
                != NEWS_POST_OK)
            {
                return NEWS_POST_ERROR;
            }

            continue;
        }

        *dst++ = *p++;
    }

    out->data = start;
    out->len = dst - start;
    post->arena_used += out->len;
    *pp = p;

    return NEWS_POST_OK;
}


/* the escape at *pp, a backslash, decoded at *dst; both move past it */
static int
news_post_yaml_escape(news_post_t *post, const char **pp, const char *end,
    char **dst, size_t number)
{
    char        *d;
    unsigned     code, low;
    const char  *p;

    p = *pp + 1;
    d = *dst;

    /* a backslash ends the line: the string is left unterminated */
    if (p == end) {
        *pp = p;
        return NEWS_POST_OK;
    }

    switch (*p) {

    case '"':
    case '\\':
    case '/':
        *d++ = *p++;
        break;

    case 'n':
        *d++ = '\n';
        p++;
        break;

    case 't':
        *d++ = '\t';
        p++;
        break;

    case 'r':
        *d++ = '\r';
        p++;
        break;

    case 'u':
        if (news_post_hex(p + 1, end, 4, &code) != NEWS_POST_OK) {
            return news_post_error(post, number, "\\u takes four hex "
                                   "digits");
        }

        p += 5;

        if (code >= 0xD800 && code <= 0xDBFF) {
            if (end - p < 6 || p[0] != '\\' || p[1] != 'u'
                || news_post_hex(p + 2, end, 4, &low) != NEWS_POST_OK
                || low < 0xDC00 || low > 0xDFFF)
            {
                return news_post_error(post, number, "\\u escape of an "
                                       "unpaired surrogate");
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

        d += news_post_utf8_encode(code, d);
        break;

    default:
        if ((unsigned char) *p > 0x20 && (unsigned char) *p < 0x7F) {
            return news_post_error(post, number, "unknown escape "
                                   "\"\\%c\" in a \"string\"", *p);
        }

        return news_post_error(post, number, "unknown escape in a "
                               "\"string\"");
    }

    *pp = p;
    *dst = d;

    return NEWS_POST_OK;
}
