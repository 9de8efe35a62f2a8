
/*
 * Copyright (C) ngx_news_module authors
 *
 * libFuzzer target: the arguments a share link passes on to the article's
 * URL, ngx_http_news_share_args() of ngx_http_news_share.c, on any bytes
 * as the query string.  The function is static and takes a request, so
 * this file includes the module's source whole and gives it the two nginx
 * functions it calls, ngx_pnalloc() and ngx_strncasecmp().  What the rest
 * of the file (the handler, which needs a running nginx) calls is never
 * called here: the build makes those references weak (objcopy), and they
 * link as null addresses.
 *
 * Checked against a reference written here: the output is the input's
 * arguments in order, without empty ones and without infoCode (any case,
 * with or without a value), joined by '&', each byte a Location header
 * must not carry -- controls, space, DEL, bytes above it, '"', '<', '>',
 * '\', '`', '#' -- as %XX; it fits the 3 * len bytes allocated for it.
 */


#include <ngx_http_news_share.c>

#include "fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t ref_share_args(u_char *dst, const u_char *p, size_t len);


/* the pool: one allocation at a time, exactly as large as asked */
static void  *fuzz_alloc;


void *
ngx_pnalloc(ngx_pool_t *pool, size_t size)
{
    free(fuzz_alloc);
    fuzz_alloc = malloc(size ? size : 1);

    return fuzz_alloc;
}


/* as nginx's own: ASCII letters caseless, a NUL ends the comparison */
ngx_int_t
ngx_strncasecmp(u_char *s1, u_char *s2, size_t n)
{
    ngx_uint_t  c1, c2;

    while (n) {
        c1 = (ngx_uint_t) *s1++;
        c2 = (ngx_uint_t) *s2++;

        c1 = (c1 >= 'A' && c1 <= 'Z') ? (c1 | 0x20) : c1;
        c2 = (c2 >= 'A' && c2 <= 'Z') ? (c2 | 0x20) : c2;

        if (c1 == c2) {
            if (c1) {
                n--;
                continue;
            }

            return 0;
        }

        return c1 - c2;
    }

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ngx_http_request_t  r;
    ngx_str_t           args;
    u_char             *want;
    size_t              i, n;

    ngx_memzero(&r, sizeof(ngx_http_request_t));

    /* an allocation of exactly size bytes: ASan sees a read past it */
    r.args.data = malloc(size ? size : 1);
    want = malloc(3 * size + 1);
    if (r.args.data == NULL || want == NULL) {
        free(r.args.data);
        free(want);
        return 0;
    }

    ngx_memcpy(r.args.data, data, size);
    r.args.len = size;

    ngx_str_set(&args, "unset");

    fuzz_check(ngx_http_news_share_args(&r, &args) == NGX_OK, "NGX_OK");
    fuzz_check(args.len <= 3 * size, "the output fits 3 * len");

    for (i = 0; i < args.len; i++) {
        fuzz_check(args.data[i] > 0x20 && args.data[i] < 0x7f
                   && ngx_strchr("\"<>\\`#", args.data[i]) == NULL,
                   "no byte a Location header must not carry");
    }

    n = ref_share_args(want, data, size);

    fuzz_check(args.len == n
               && (n == 0 || ngx_memcmp(args.data, want, n) == 0),
               "ngx_http_news_share_args() agrees with the reference");

    free(fuzz_alloc);
    fuzz_alloc = NULL;
    free(r.args.data);
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
