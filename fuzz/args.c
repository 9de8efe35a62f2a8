
/*
 * Copyright (C) ngx_news_module authors
 *
 * libFuzzer target: the arguments a share link passes on to the article's
 * URL, news_share_args() of news_parse.c, on any bytes as the query
 * string.
 *
 * And on the same bytes news_parse_preview(), the "preview" argument of a
 * signed link: found exactly when they are 1 to 18 digits, a dot and 64
 * lowercase hex digits, with the time and the signature where they are.
 *
 * Checked against a reference written here: the output is the input's
 * arguments in order, without empty ones and without infoCode (any case,
 * with or without a value), joined by '&', each byte a Location header
 * must not carry -- controls, space, DEL, bytes above it, '"', '<', '>',
 * '\', '`', '#' -- as %XX; it fits the 3 * len bytes allocated for it.
 */


#include <stdlib.h>
#include <string.h>

#include <news_parse.h>

#include "fuzz.h"


typedef unsigned char  u_char;


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t ref_share_args(u_char *dst, const u_char *p, size_t len);
static void check_preview(const u_char *p, size_t len);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char  *in, *out, *want;
    size_t   i, n, m;

    /* allocations of exactly the sizes promised: ASan sees any overrun */
    in = malloc(size ? size : 1);
    out = malloc(3 * size + 1);
    want = malloc(3 * size + 1);

    if (in == NULL || out == NULL || want == NULL) {
        free(in);
        free(out);
        free(want);
        return 0;
    }

    memcpy(in, data, size);

    n = news_share_args(out, in, size);

    fuzz_check(n <= 3 * size, "the output fits 3 * len");

    for (i = 0; i < n; i++) {
        fuzz_check(out[i] > 0x20 && out[i] < 0x7f
                   && strchr("\"<>\\`#", out[i]) == NULL,
                   "no byte a Location header must not carry");
    }

    m = ref_share_args(want, data, size);

    fuzz_check(n == m && (n == 0 || memcmp(out, want, n) == 0),
               "news_share_args() agrees with the reference");

    check_preview(in, size);

    free(in);
    free(out);
    free(want);

    return 0;
}


static size_t
ref_share_args(u_char *dst, const u_char *p, size_t len)
{
    const u_char  *a;
    size_t         i, j, k, alen, n;

    static const char  hex[] = "0123456789ABCDEF";

    n = 0;

    for (i = 0; i <= len; i = j + 1) {
        for (j = i; j < len && p[j] != '&'; j++) {
            /* void */
        }

        a = p + i;
        alen = j - i;

        if (alen == 0) {
            continue;
        }

        if (alen >= 8 && (alen == 8 || a[8] == '=')) {
            for (k = 0; k < 8; k++) {
                if ((a[k] | 0x20) != "infocode"[k]) {
                    break;
                }
            }

            if (k == 8) {
                continue;
            }
        }

        if (n > 0) {
            dst[n++] = '&';
        }

        for (k = 0; k < alen; k++) {
            if (a[k] <= 0x20 || a[k] >= 0x7f || a[k] == '"' || a[k] == '<'
                || a[k] == '>' || a[k] == '\\' || a[k] == '`' || a[k] == '#')
            {
                dst[n++] = '%';
                dst[n++] = hex[a[k] >> 4];
                dst[n++] = hex[a[k] & 0xf];
                continue;
            }

            dst[n++] = a[k];
        }
    }

    return n;
}


static void
check_preview(const u_char *p, size_t len)
{
    int            ok, want;
    size_t         i, dot;
    long long      t, expiry;
    const u_char  *sig;

    for (dot = 0; dot < len && p[dot] != '.'; dot++) {
        /* void */
    }

    want = (dot >= 1 && dot <= 18 && len == dot + 1 + 64);

    for (i = 0; want && i < dot; i++) {
        want = (p[i] >= '0' && p[i] <= '9');
    }

    for (i = dot + 1; want && i < len; i++) {
        want = (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f');
    }

    sig = NULL;
    expiry = -1;
    ok = news_parse_preview(p, len, &expiry, &sig);

    fuzz_check(ok == want, "news_parse_preview() finds what it must");

    if (!ok) {
        return;
    }

    for (t = 0, i = 0; i < dot; i++) {
        t = t * 10 + (p[i] - '0');
    }

    fuzz_check(expiry == t && expiry >= 0, "the expiry as its digits say");
    fuzz_check(sig == p + dot + 1, "the signature after the dot");
}
