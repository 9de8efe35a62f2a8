
/*
 * Copyright (C) ngx_news_module authors
 *
 * What the fuzz targets share: a check that stops the run with a message,
 * and a strict UTF-8 decoder written apart from the code under test, so
 * that the two can be compared.
 */


#ifndef _NEWS_FUZZ_H_INCLUDED_
#define _NEWS_FUZZ_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>


/* a broken promise is a crash: libFuzzer saves the input */
#define fuzz_check(cond, what)                                               \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: check failed: %s (%s)\n",                \
                    __FILE__, __LINE__, what, #cond);                        \
            abort();                                                         \
        }                                                                    \
    } while (0)


/*
 * the length of the well-formed UTF-8 sequence at p (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0; its code
 * point in *cp
 */
static inline size_t
fuzz_utf8_seq(const unsigned char *p, size_t avail, uint32_t *cp)
{
    size_t    n, i;
    uint32_t  c, min;

    if (avail == 0) {
        return 0;
    }

    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }

    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2;
        c = p[0] & 0x1f;
        min = 0x80;

    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        c = p[0] & 0x0f;
        min = 0x800;

    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        c = p[0] & 0x07;
        min = 0x10000;

    } else {
        return 0;
    }

    if (avail < n) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }

        c = (c << 6) | (p[i] & 0x3f);
    }

    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }

    *cp = c;

    return n;
}


static inline int
fuzz_utf8_valid(const unsigned char *p, size_t len)
{
    size_t    i, n;
    uint32_t  c;

    for (i = 0; i < len; i += n) {
        n = fuzz_utf8_seq(p + i, len - i, &c);
        if (n == 0) {
            return 0;
        }
    }

    return 1;
}


#endif /* _NEWS_FUZZ_H_INCLUDED_ */
