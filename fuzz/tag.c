
/*
 * Copyright (C) ngx_news_module authors
 *
 * libFuzzer target: tag page paths, on any bytes.  news_parse_tag_uri()
 * against a decoder written here from the rules in news_parse.c, with and
 * without percent-decoding; news_tag_escape() writes only unreserved
 * bytes and "%XX", exactly as many as it says, and its path parses back
 * to the very name it escaped: any name, however hostile, round-trips.
 */


#include <string.h>

#include <news_parse.h>

#include "fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ref_parse(const unsigned char *p, size_t len, int decode,
    unsigned char *dst, size_t *n);
static int ref_hex(unsigned char c);
static int ref_unreserved(unsigned char c);
static void check_parse(const unsigned char *p, size_t len, int decode);
static void check_round_trip(const unsigned char *p, size_t len);
static void check_feed(const unsigned char *p, size_t len);


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

    check_parse(copy, size, 1);
    check_parse(copy, size, 0);
    check_round_trip(copy, size);
    check_feed(copy, size);

    free(copy);

    return 0;
}


static int
ref_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}


static int
ref_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || strchr("-._~", c) != NULL;
}


/* "/tag/" name ".html", the name 1..NEWS_TAG_MAX bytes, no NUL */

static int
ref_parse(const unsigned char *p, size_t len, int decode, unsigned char *dst,
    size_t *n)
{
    size_t  i, end;

    if (len < 11 || memcmp(p, "/tag/", 5) != 0
        || memcmp(p + len - 5, ".html", 5) != 0)
    {
        return 0;
    }

    end = len - 5;
    *n = 0;

    for (i = 5; i < end; i++) {
        if (*n >= NEWS_TAG_MAX) {
            return 0;
        }

        if (decode && p[i] == '%') {
            if (i + 2 >= end || ref_hex(p[i + 1]) < 0
                || ref_hex(p[i + 2]) < 0)
            {
                return 0;
            }

            dst[*n] = (unsigned char) (ref_hex(p[i + 1]) * 16
                                       + ref_hex(p[i + 2]));
            i += 2;

        } else {
            dst[*n] = p[i];
        }

        if (dst[(*n)++] == 0) {
            return 0;
        }
    }

    return 1;
}


static void
check_parse(const unsigned char *p, size_t len, int decode)
{
    int            ok, want;
    size_t         n, m;
    unsigned char  got[NEWS_TAG_MAX], ref[NEWS_TAG_MAX];

    n = m = 0;

    ok = news_parse_tag_uri(p, len, decode, got, &n);
    want = ref_parse(p, len, decode, ref, &m);

    fuzz_check(ok == want, "news_parse_tag_uri() agrees with the reference");

    if (ok) {
        fuzz_check(n == m && n >= 1 && n <= NEWS_TAG_MAX
                   && memcmp(got, ref, n) == 0,
                   "the decoded name is the reference's");
    }
}


static void
check_round_trip(const unsigned char *p, size_t len)
{
    int             ok;
    size_t          i, n, e;
    unsigned char  *path, name[NEWS_TAG_MAX];

    path = malloc(3 * len + 10);
    if (path == NULL) {
        return;
    }

    memcpy(path, "/tag/", 5);
    e = news_tag_escape(path + 5, p, len);

    fuzz_check(e <= 3 * len, "news_tag_escape() stays within 3 * len");

    for (i = 0; i < e; i++) {
        if (path[5 + i] == '%') {
            fuzz_check(i + 2 < e && ref_hex(path[6 + i]) >= 0
                       && ref_hex(path[7 + i]) >= 0,
                       "a '%' starts \"%XX\"");
            i += 2;
            continue;
        }

        fuzz_check(ref_unreserved(path[5 + i]),
                   "only unreserved bytes stand for themselves");
    }

    memcpy(path + 5 + e, ".html", 5);

    n = 0;
    ok = news_parse_tag_uri(path, e + 10, 1, name, &n);

    fuzz_check(ok == (len >= 1 && len <= NEWS_TAG_MAX
                      && memchr(p, 0, len) == NULL),
               "an escaped name parses exactly when it is a name");

    if (ok) {
        fuzz_check(n == len && memcmp(name, p, len) == 0,
                   "the name round-trips");
    }

    free(path);
}


/*
 * /tag/<name>.xml is the feed of the tag /tag/<name>.html names: the same
 * name found, or none, for the same bytes before the suffix
 */
static void
check_feed(const unsigned char *p, size_t len)
{
    int             got, want;
    size_t          n, m;
    unsigned char  *page, a[NEWS_TAG_MAX], b[NEWS_TAG_MAX];

    n = 0;
    got = news_parse_tag_feed_uri(p, len, 1, a, &n);

    if (len < 4 || memcmp(p + len - 4, ".xml", 4) != 0) {
        fuzz_check(!got, "no feed path without .xml");
        return;
    }

    page = malloc(len + 1);
    if (page == NULL) {
        return;
    }

    memcpy(page, p, len - 4);
    memcpy(page + len - 4, ".html", 5);

    m = 0;
    want = ref_parse(page, len + 1, 1, b, &m);

    fuzz_check(got == want, "a tag's feed path is found as its page's");
    fuzz_check(!got || (n == m && memcmp(a, b, n) == 0),
               "a tag's feed names the tag its page names");

    free(page);
}
