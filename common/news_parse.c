
/*
 * Copyright (C) ngx_news_module authors
 */


#include <news_parse.h>
#include <string.h>


static int news_is_info_code_name(const unsigned char *p);
static int news_parse_tag_path(const unsigned char *p, size_t len,
    const char *suffix, int decode, unsigned char *dst, size_t *name_len);
static int news_hex(unsigned char c);


void
news_tpl_scan_init(news_tpl_scan_t *s, const unsigned char *data, size_t len)
{
    s->pos = data;
    s->end = data + len;
    s->line = 1;
}


void
news_tpl_next(news_tpl_scan_t *s, news_tpl_token_t *tok)
{
    const unsigned char  *p, *name;

    tok->line = s->line;
    tok->error = NULL;

    if (s->pos >= s->end) {
        tok->type = NEWS_TPL_END;
        tok->data = s->pos;
        tok->len = 0;
        return;
    }

    p = s->pos;

    if (s->end - p < 2 || p[0] != '{' || p[1] != '{') {

        /* literal text up to the next "{{" */

        while (p < s->end) {
            if (*p == '{' && p + 1 < s->end && p[1] == '{') {
                break;
            }

            if (*p == '\n') {
                s->line++;
            }

            p++;
        }

        tok->type = NEWS_TPL_LITERAL;
        tok->data = s->pos;
        tok->len = p - s->pos;
        s->pos = p;
        return;
    }

    p += 2;

    while (p < s->end && *p == ' ') {
        p++;
    }

    name = p;

    while (p < s->end
           && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
               || *p == '_'))
    {
        p++;
    }

    tok->data = name;
    tok->len = p - name;

    while (p < s->end && *p == ' ') {
        p++;
    }

    if (tok->len == 0 || s->end - p < 2 || p[0] != '}' || p[1] != '}') {
        tok->type = NEWS_TPL_ERROR;
        tok->error = "\"{{\" without a placeholder name and \"}}\"";
        s->pos = s->end;
        return;
    }

    tok->type = NEWS_TPL_PLACEHOLDER;
    s->pos = p + 2;
}


int
news_slug_valid(const unsigned char *p, size_t len)
{
    size_t  i;

    if (len == 0 || len > NEWS_SLUG_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9')
              || p[i] == '-' || p[i] == '_'))
        {
            return 0;
        }
    }

    return 1;
}


static int
news_digits(const unsigned char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return 0;
        }
    }

    return 1;
}


static int
news_number(const unsigned char *p, size_t n)
{
    int     v;
    size_t  i;

    v = 0;

    for (i = 0; i < n; i++) {
        v = v * 10 + (p[i] - '0');
    }

    return v;
}


static int
news_date_valid(int year, int month, int day)
{
    static const int  days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                 30, 31 };

    if (month < 1 || month > 12 || day < 1 || day > days[month - 1]) {
        return 0;
    }

    if (month == 2 && day == 29
        && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
    {
        return 0;
    }

    return 1;
}


/* "YYYY-MM-DD", a day that exists */

int
news_parse_day(const unsigned char *p, size_t len)
{
    if (len != 10 || !news_digits(p, 4) || p[4] != '-'
        || !news_digits(p + 5, 2) || p[7] != '-' || !news_digits(p + 8, 2))
    {
        return 0;
    }

    return news_date_valid(news_number(p, 4), news_number(p + 5, 2),
                           news_number(p + 8, 2));
}


/*
 * a preview link's argument, "EXPIRY.SIG": 1 to 18 digits of a Unix time
 * (no sign, no room for an overflow), a dot, the signature as 64
 * lowercase hex digits; 1 with both found, 0 for anything else
 */

int
news_parse_preview(const unsigned char *p, size_t len, long long *expiry,
    const unsigned char **sig)
{
    size_t     i, n;
    long long  t;

    for (n = 0; n < len && p[n] >= '0' && p[n] <= '9'; n++) {
        /* void */
    }

    if (n == 0 || n > 18 || len != n + 1 + NEWS_PREVIEW_SIG_LEN
        || p[n] != '.')
    {
        return 0;
    }

    for (i = n + 1; i < len; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) {
            return 0;
        }
    }

    t = 0;

    for (i = 0; i < n; i++) {
        t = t * 10 + (p[i] - '0');
    }

    *expiry = t;
    *sig = p + n + 1;

    return 1;
}


/*
 * a category's feed, /category/<slug>.xml (RSS) or /category/<slug>.atom
 * (*atom set): the slug, or NULL
 */

const unsigned char *
news_parse_category_feed_uri(const unsigned char *p, size_t len,
    size_t *slug_len, int *atom)
{
    size_t  suffix;

    static const char  prefix[] = "/category/";

    if (len > 4 && memcmp(p + len - 4, ".xml", 4) == 0) {
        suffix = 4;
        *atom = 0;

    } else if (len > 5 && memcmp(p + len - 5, ".atom", 5) == 0) {
        suffix = 5;
        *atom = 1;

    } else {
        return NULL;
    }

    if (len <= sizeof(prefix) - 1 + suffix
        || memcmp(p, prefix, sizeof(prefix) - 1) != 0
        || !news_slug_valid(p + sizeof(prefix) - 1,
                            len - (sizeof(prefix) - 1) - suffix))
    {
        return NULL;
    }

    *slug_len = len - (sizeof(prefix) - 1) - suffix;

    return p + sizeof(prefix) - 1;
}


/* /category/<slug>.html: the slug, or NULL */

const unsigned char *
news_parse_category_uri(const unsigned char *p, size_t len, size_t *slug_len)
{
    static const char  prefix[] = "/category/";

    if (len <= sizeof(prefix) - 1 + 5
        || memcmp(p, prefix, sizeof(prefix) - 1) != 0
        || memcmp(p + len - 5, ".html", 5) != 0
        || !news_slug_valid(p + sizeof(prefix) - 1,
                            len - (sizeof(prefix) - 1) - 5))
    {
        return NULL;
    }

    *slug_len = len - (sizeof(prefix) - 1) - 5;

    return p + sizeof(prefix) - 1;
}


/*
 * /tag/<name>.html: the name into dst (room for NEWS_TAG_MAX bytes) and
 * its length, or 0.  With decode, the name is percent-encoded as
 * news_tag_escape() writes it (a '%' must start "%XX", either case; other
 * bytes stand for themselves, as a client may send UTF-8 raw); without,
 * it is taken as is (nginx's own decoded URI).  A name is 1..NEWS_TAG_MAX
 * bytes, none of them NUL.
 */

int
news_parse_tag_uri(const unsigned char *p, size_t len, int decode,
    unsigned char *dst, size_t *name_len)
{
    return news_parse_tag_path(p, len, ".html", decode, dst, name_len);
}


/* /tag/<name>.xml, the tag's feed: as news_parse_tag_uri() */

int
news_parse_tag_feed_uri(const unsigned char *p, size_t len, int decode,
    unsigned char *dst, size_t *name_len)
{
    return news_parse_tag_path(p, len, ".xml", decode, dst, name_len);
}


static int
news_parse_tag_path(const unsigned char *p, size_t len, const char *suffix,
    int decode, unsigned char *dst, size_t *name_len)
{
    int                   hi, lo;
    size_t                n, slen;
    const unsigned char  *end;

    static const char  prefix[] = "/tag/";

    slen = strlen(suffix);

    if (len <= sizeof(prefix) - 1 + slen
        || memcmp(p, prefix, sizeof(prefix) - 1) != 0
        || memcmp(p + len - slen, suffix, slen) != 0)
    {
        return 0;
    }

    end = p + len - slen;
    p += sizeof(prefix) - 1;
    n = 0;

    while (p < end) {

        if (n == NEWS_TAG_MAX) {
            return 0;
        }

        if (*p == '%' && decode) {
            if (end - p < 3
                || (hi = news_hex(p[1])) < 0 || (lo = news_hex(p[2])) < 0)
            {
                return 0;
            }

            dst[n] = (unsigned char) (hi << 4 | lo);
            p += 3;

        } else {
            dst[n] = *p++;
        }

        if (dst[n++] == '\0') {
            return 0;
        }
    }

    *name_len = n;

    return 1;
}


/*
 * a tag name as it stands in a path: every byte but the unreserved ones
 * of RFC 3986 as "%XX", which also makes it safe in HTML, in JSON and in
 * a Location header; dst has room for 3 * len bytes
 */

size_t
news_tag_escape(unsigned char *dst, const unsigned char *src, size_t len)
{
    size_t  i, n;

    static const char  hex[] = "0123456789ABCDEF";

    n = 0;

    for (i = 0; i < len; i++) {
        if ((src[i] >= 'A' && src[i] <= 'Z') || (src[i] >= 'a' && src[i] <= 'z')
            || (src[i] >= '0' && src[i] <= '9') || src[i] == '-'
            || src[i] == '.' || src[i] == '_' || src[i] == '~')
        {
            dst[n++] = src[i];
            continue;
        }

        dst[n++] = '%';
        dst[n++] = hex[src[i] >> 4];
        dst[n++] = hex[src[i] & 0x0f];
    }

    return n;
}


static int
news_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


int
news_parse_article_uri(const unsigned char *p, size_t len,
    news_article_uri_t *uri)
{
    const unsigned char  *end, *slash, *code;

    end = p + len;

    if (len < 1 || *p != '/') {
        return 0;
    }

    p++;
    slash = memchr(p, '/', end - p);

    if (slash == NULL || !news_slug_valid(p, slash - p)) {
        return 0;
    }

    uri->slug = p;
    uri->slug_len = slash - p;
    p = slash + 1;

    /* "yyyy/mm/dd/" */

    if (end - p < 11
        || !news_digits(p, 4) || p[4] != '/'
        || !news_digits(p + 5, 2) || p[7] != '/'
        || !news_digits(p + 8, 2) || p[10] != '/')
    {
        return 0;
    }

    if (!news_date_valid(news_number(p, 4), news_number(p + 5, 2),
                         news_number(p + 8, 2)))
    {
        return 0;
    }

    uri->date = p;
    code = p + 11;

    if (end - code < 6 || memcmp(end - 5, ".html", 5) != 0) {
        return 0;
    }

    uri->code = code;
    uri->code_len = (end - 5) - code;

    if (uri->code_len > NEWS_INFO_CODE_MAX) {
        return 0;
    }

    for (p = code; p < end - 5; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
              || (*p >= '0' && *p <= '9')))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * a share link's query for the article URL it redirects to: the arguments
 * in order without infoCode (any case, with or without a value) and empty
 * ones, and every byte a Location header should not carry percent-encoded,
 * so that nothing in the request can steer the redirect; dst has room for
 * 3 * len bytes
 */

size_t
news_share_args(unsigned char *dst, const unsigned char *src, size_t len)
{
    size_t                n;
    const unsigned char  *p, *end, *next, *c;

    static const char  hex[] = "0123456789ABCDEF";

    n = 0;
    end = src + len;

    for (p = src; p < end; p = next + 1) {

        next = memchr(p, '&', end - p);
        if (next == NULL) {
            next = end;
        }

        if (next == p
            || (next - p >= 8 && news_is_info_code_name(p)
                && (next - p == 8 || p[8] == '=')))
        {
            continue;
        }

        if (n) {
            dst[n++] = '&';
        }

        for (c = p; c < next; c++) {
            if (*c <= 0x20 || *c >= 0x7f || *c == '"' || *c == '<'
                || *c == '>' || *c == '\\' || *c == '`' || *c == '#')
            {
                dst[n++] = '%';
                dst[n++] = hex[*c >> 4];
                dst[n++] = hex[*c & 0xf];
                continue;
            }

            dst[n++] = *c;
        }
    }

    return n;
}


/* "infoCode" in any case */

static int
news_is_info_code_name(const unsigned char *p)
{
    size_t  i;

    for (i = 0; i < 8; i++) {
        if ((p[i] | 0x20) != (unsigned char) "infocode"[i]) {
            return 0;
        }
    }

    return 1;
}
