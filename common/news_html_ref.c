
/*
 * Copyright (C) ngx_news_module authors
 *
 * HTML character references, for the text a post's body gives the search
 * index (news_search_text.c): "&amp;", "&#39;", "&#x4E2D;" and the named
 * ones Chinese news uses.  Pure and fuzzed with it.
 */


#include <news_parse.h>
#include <stdint.h>
#include <string.h>


/* the longest name in the table below */
#define NEWS_HTML_NAME_MAX  6


typedef struct {
    size_t                 len;
    const char            *name;
    uint32_t               cp;
} news_html_reference_t;


/*
 * Named references decoded: the XML five, the no-break space, and what
 * Chinese news pasted from word processors uses.  Each reference is at
 * least 4 bytes ("&lt;") and each code point at most 3 in UTF-8: none
 * makes the text longer.  Names are case-sensitive, as in HTML.
 */

static const news_html_reference_t  news_html_references[] = {
    { 2, "gt", '>' },
    { 2, "lt", '<' },
    { 3, "amp", '&' },
    { 3, "deg", 0xb0 },
    { 3, "reg", 0xae },
    { 3, "yen", 0xa5 },
    { 4, "apos", '\'' },
    { 4, "bull", 0x2022 },
    { 4, "copy", 0xa9 },
    { 4, "nbsp", 0xa0 },
    { 4, "quot", '"' },
    { 5, "ldquo", 0x201c },
    { 5, "laquo", 0xab },
    { 5, "lsquo", 0x2018 },
    { 5, "mdash", 0x2014 },
    { 5, "ndash", 0x2013 },
    { 5, "raquo", 0xbb },
    { 5, "rdquo", 0x201d },
    { 5, "rsquo", 0x2019 },
    { 5, "times", 0xd7 },
    { 5, "trade", 0x2122 },
    { 6, "divide", 0xf7 },
    { 6, "hellip", 0x2026 },
    { 6, "middot", 0xb7 }
};


/*
 * the bytes of the character reference at p, p[0] being '&', with its
 * code point in *cp, or 0 if it is none we decode: the ';' is required.
 * A numeric one's value stops growing past U+10FFFF, so that any number
 * of digits is the invalid code point it is, without overflow.
 */

size_t
news_html_reference(const unsigned char *p, size_t len, uint32_t *cp)
{
    size_t    i, start, k;
    uint32_t  c, d, base;

    if (len > 1 && p[1] == '#') {
        base = 10;
        start = 2;

        if (len > 2 && (p[2] == 'x' || p[2] == 'X')) {
            base = 16;
            start = 3;
        }

        c = 0;

        for (i = start; i < len; i++) {
            if (p[i] >= '0' && p[i] <= '9') {
                d = p[i] - '0';

            } else if (base == 16 && (p[i] | 0x20) >= 'a'
                       && (p[i] | 0x20) <= 'f')
            {
                d = (p[i] | 0x20) - 'a' + 10;

            } else {
                break;
            }

            c = c * base + d;

            if (c > 0x10ffff) {
                c = 0x110000;
            }
        }

        if (i == start || i == len || p[i] != ';') {
            return 0;
        }

        *cp = c;

        return i + 1;
    }

    for (i = 1; i < len && i <= NEWS_HTML_NAME_MAX; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')
              || (p[i] >= '0' && p[i] <= '9')))
        {
            break;
        }
    }

    if (i == 1 || i == len || p[i] != ';') {
        return 0;
    }

    for (k = 0;
         k < sizeof(news_html_references) / sizeof(news_html_references[0]);
         k++)
    {
        if (news_html_references[k].len == i - 1
            && memcmp(news_html_references[k].name, p + 1, i - 1) == 0)
        {
            *cp = news_html_references[k].cp;
            return i + 1;
        }
    }

    return 0;
}
