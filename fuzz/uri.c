
/*
 * Copyright (C) ngx_news_module authors
 *
 * libFuzzer target: what news_parse.c reads from a request, on any bytes:
 * news_parse_article_uri(), news_slug_valid() and news_parse_day(), each
 * against a reference written here from the rules in news_parse.h; and
 * news_json_escape(), whose output must be exactly as long as it counted,
 * hold no raw '<', '>', '&', control character, U+2028 or U+2029, be
 * valid UTF-8, be a valid JSON string body, and decode back to the input
 * with each byte that is not UTF-8 replaced by U+FFFD.
 */


#include <string.h>

#include <news_parse.h>

#include "fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ref_slug_valid(const unsigned char *p, size_t len);
static int ref_day_valid(int y, int m, int d);
static int ref_digits(const unsigned char *p, size_t n, int *v);
static void check_article_uri(const unsigned char *p, size_t len);
static void check_category_uri(const unsigned char *p, size_t len);
static void check_day(const unsigned char *p, size_t len);
static void check_json_escape(const unsigned char *p, size_t len);
static void check_category_feed_uri(const unsigned char *p, size_t len);
static size_t json_string_decode(const unsigned char *p, size_t len,
    unsigned char *out);
static uint32_t json_hex4(const unsigned char *p);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char  *copy;

    /* an allocation of exactly size bytes: ASan sees a read past it */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    fuzz_check(news_slug_valid(copy, size) == ref_slug_valid(copy, size),
               "news_slug_valid() agrees with the reference");

    check_article_uri(copy, size);
    check_category_uri(copy, size);
    check_category_feed_uri(copy, size);
    check_day(copy, size);
    check_json_escape(copy, size);

    free(copy);

    return 0;
}


static int
ref_slug_valid(const unsigned char *p, size_t len)
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
ref_digits(const unsigned char *p, size_t n, int *v)
{
    size_t  i;

    *v = 0;

    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return 0;
        }

        *v = *v * 10 + (p[i] - '0');
    }

    return 1;
}


static int
ref_day_valid(int y, int m, int d)
{
    int  leap, mdays;

    static const int  days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                 30, 31 };

    if (m < 1 || m > 12 || d < 1) {
        return 0;
    }

    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    mdays = days[m - 1] + (m == 2 && leap);

    return d <= mdays;
}


/* /category/<slug>.html: accepted exactly when it is that, slug valid */

static void
check_category_uri(const unsigned char *p, size_t len)
{
    size_t                n;
    const unsigned char  *slug;
    int                   want;

    n = 0;
    slug = news_parse_category_uri(p, len, &n);

    want = len > 15 && memcmp(p, "/category/", 10) == 0
           && memcmp(p + len - 5, ".html", 5) == 0
           && ref_slug_valid(p + 10, len - 15);

    fuzz_check((slug != NULL) == want,
               "news_parse_category_uri() agrees with the reference");

    if (slug != NULL) {
        fuzz_check(slug == p + 10 && n == len - 15,
                   "the slug is the bytes between prefix and suffix");
    }
}


/* /category/<slug>.xml and .atom: exactly those, slug valid */

static void
check_category_feed_uri(const unsigned char *p, size_t len)
{
    int                   atom, want, want_atom;
    size_t                n, suffix;
    const unsigned char  *slug;

    n = 0;
    atom = -1;
    slug = news_parse_category_feed_uri(p, len, &n, &atom);

    want_atom = len > 5 && memcmp(p + len - 5, ".atom", 5) == 0;
    suffix = want_atom ? 5 : 4;

    want = (want_atom || (len > 4 && memcmp(p + len - 4, ".xml", 4) == 0))
           && len > 10 + suffix && memcmp(p, "/category/", 10) == 0
           && ref_slug_valid(p + 10, len - 10 - suffix);

    fuzz_check((slug != NULL) == want,
               "news_parse_category_feed_uri() agrees with the reference");

    if (slug != NULL) {
        fuzz_check(slug == p + 10 && n == len - 10 - suffix
                   && atom == want_atom,
                   "the feed's slug and format are the reference's");
    }
}


/* /<slug>/<yyyy>/<mm>/<dd>/<info-code>.html */

static void
check_article_uri(const unsigned char *p, size_t len)
{
    const unsigned char  *q, *slash, *code, *end;
    news_article_uri_t    uri;
    size_t                i, n;
    int                   ok, want, y, m, d;

    memset(&uri, 0, sizeof(news_article_uri_t));
    ok = news_parse_article_uri(p, len, &uri);

    /* the reference */

    want = 0;
    end = p + len;

    if (len > 0 && p[0] == '/') {
        q = p + 1;
        slash = memchr(q, '/', end - q);

        if (slash != NULL && ref_slug_valid(q, slash - q)) {
            q = slash + 1;

            if (end - q >= 11 && ref_digits(q, 4, &y) && q[4] == '/'
                && ref_digits(q + 5, 2, &m) && q[7] == '/'
                && ref_digits(q + 8, 2, &d) && q[10] == '/'
                && ref_day_valid(y, m, d))
            {
                code = q + 11;
                n = (end - code >= 5) ? (size_t) (end - code) - 5 : 0;

                want = end - code >= 6 && memcmp(end - 5, ".html", 5) == 0
                       && n <= NEWS_INFO_CODE_MAX;

                for (i = 0; want && i < n; i++) {
                    want = (code[i] >= 'A' && code[i] <= 'Z')
                           || (code[i] >= 'a' && code[i] <= 'z')
                           || (code[i] >= '0' && code[i] <= '9');
                }
            }
        }
    }

    fuzz_check(ok == want, "news_parse_article_uri() agrees with the "
               "reference");

    if (!ok) {
        return;
    }

    /* the parts are slices of the input that spell it again */

    fuzz_check(uri.slug == p + 1 && ref_slug_valid(uri.slug, uri.slug_len),
               "the slug");
    fuzz_check(uri.date == uri.slug + uri.slug_len + 1, "the date");
    fuzz_check(uri.code == uri.date + 11 && uri.code_len > 0
               && uri.code_len <= NEWS_INFO_CODE_MAX, "the code");
    fuzz_check(uri.code + uri.code_len + 5 == end, "the code ends the URI");
}


/* "YYYY-MM-DD", a day that exists */

static void
check_day(const unsigned char *p, size_t len)
{
    int  want, y, m, d;

    want = len == 10 && ref_digits(p, 4, &y) && p[4] == '-'
           && ref_digits(p + 5, 2, &m) && p[7] == '-'
           && ref_digits(p + 8, 2, &d) && ref_day_valid(y, m, d);

    fuzz_check(news_parse_day(p, len) == want,
               "news_parse_day() agrees with the reference");
}


static void
check_json_escape(const unsigned char *p, size_t len)
{
    unsigned char  *out, *dec, *exp;
    uint32_t        c;
    size_t          n, i, k, dlen, elen;

    n = news_json_escape(NULL, p, len);

    fuzz_check(n >= len && n <= 6 * len, "the counted length");

    /* exactly n bytes: a longer write is a heap overflow ASan reports */
    out = malloc(n ? n : 1);
    dec = malloc(n + 1);            /* decoding never grows */
    exp = malloc(len * 3 + 1);
    if (out == NULL || dec == NULL || exp == NULL) {
        free(out);
        free(dec);
        free(exp);
        return;
    }

    fuzz_check(news_json_escape(out, p, len) == n,
               "the output is as long as counted");

    for (i = 0; i < n; i++) {
        fuzz_check(out[i] >= 0x20 && out[i] != '<' && out[i] != '>'
                   && out[i] != '&', "no raw '<', '>', '&' or control "
                   "character");
    }

    fuzz_check(fuzz_utf8_valid(out, n), "the output is UTF-8");

    for (i = 0; i + 2 < n; i++) {
        fuzz_check(!(out[i] == 0xe2 && out[i + 1] == 0x80
                     && (out[i + 2] == 0xa8 || out[i + 2] == 0xa9)),
                   "no raw U+2028 or U+2029");
    }

    dlen = json_string_decode(out, n, dec);

    /* the input, each byte that starts no UTF-8 sequence as U+FFFD */
    elen = 0;
    for (i = 0; i < len; i += k) {
        k = fuzz_utf8_seq(p + i, len - i, &c);

        if (k == 0) {
            memcpy(exp + elen, "\xef\xbf\xbd", 3);
            elen += 3;
            k = 1;
            continue;
        }

        memcpy(exp + elen, p + i, k);
        elen += k;
    }

    fuzz_check(dlen == elen && memcmp(dec, exp, elen) == 0,
               "the JSON string decodes to the input");

    free(out);
    free(dec);
    free(exp);
}


/*
 * the body of a JSON string (RFC 8259, between the quotes) decoded into
 * out, as UTF-8; any invalid form stops the run
 */

static size_t
json_string_decode(const unsigned char *p, size_t len, unsigned char *out)
{
    size_t    i, k, o;
    uint32_t  c, lo;

    o = 0;

    for (i = 0; i < len; /* void */) {

        fuzz_check(p[i] != '"' && p[i] >= 0x20, "JSON: a raw '\"' or "
                   "control character");

        if (p[i] != '\\') {
            k = fuzz_utf8_seq(p + i, len - i, &c);
            fuzz_check(k > 0, "JSON: UTF-8");
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
            continue;
        }

        fuzz_check(i + 1 < len, "JSON: a '\\' ends the string");

        switch (p[i + 1]) {

        case '"':
        case '\\':
        case '/':
            out[o++] = p[i + 1];
            i += 2;
            continue;

        case 'b':
            out[o++] = '\b';
            i += 2;
            continue;

        case 'f':
            out[o++] = '\f';
            i += 2;
            continue;

        case 'n':
            out[o++] = '\n';
            i += 2;
            continue;

        case 'r':
            out[o++] = '\r';
            i += 2;
            continue;

        case 't':
            out[o++] = '\t';
            i += 2;
            continue;

        case 'u':
            break;

        default:
            fuzz_check(0, "JSON: an unknown escape");
        }

        fuzz_check(i + 6 <= len, "JSON: \\u and four hex digits");

        c = json_hex4(p + i + 2);
        i += 6;

        if (c >= 0xd800 && c <= 0xdbff) {
            fuzz_check(i + 6 <= len && p[i] == '\\' && p[i + 1] == 'u',
                       "JSON: a high surrogate alone");

            lo = json_hex4(p + i + 2);
            fuzz_check(lo >= 0xdc00 && lo <= 0xdfff,
                       "JSON: a high surrogate alone");

            c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;

        } else {
            fuzz_check(c < 0xdc00 || c > 0xdfff, "JSON: a low surrogate "
                       "alone");
        }

        if (c < 0x80) {
            out[o++] = (unsigned char) c;

        } else if (c < 0x800) {
            out[o++] = (unsigned char) (0xc0 | (c >> 6));
            out[o++] = (unsigned char) (0x80 | (c & 0x3f));

        } else if (c < 0x10000) {
            out[o++] = (unsigned char) (0xe0 | (c >> 12));
            out[o++] = (unsigned char) (0x80 | ((c >> 6) & 0x3f));
            out[o++] = (unsigned char) (0x80 | (c & 0x3f));

        } else {
            out[o++] = (unsigned char) (0xf0 | (c >> 18));
            out[o++] = (unsigned char) (0x80 | ((c >> 12) & 0x3f));
            out[o++] = (unsigned char) (0x80 | ((c >> 6) & 0x3f));
            out[o++] = (unsigned char) (0x80 | (c & 0x3f));
        }
    }

    return o;
}


static uint32_t
json_hex4(const unsigned char *p)
{
    size_t    k;
    uint32_t  c;

    c = 0;

    for (k = 0; k < 4; k++) {
        c <<= 4;

        if (p[k] >= '0' && p[k] <= '9') {
            c |= p[k] - '0';

        } else if (p[k] >= 'a' && p[k] <= 'f') {
            c |= p[k] - 'a' + 10;

        } else if (p[k] >= 'A' && p[k] <= 'F') {
            c |= p[k] - 'A' + 10;

        } else {
            fuzz_check(0, "JSON: a hex digit");
        }
    }

    return c;
}
