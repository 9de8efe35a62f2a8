
/*
 * Copyright (C) ngx_news_module authors
 *
 * news_html_escape(): the bytes ngx_escape_html() writes (the four
 * characters it escapes, everything else as it is); news_json_escape():
 * its runs written as they are, the rest a code point at a time.  Each
 * counted and written alike, over fixed cases and a million pseudo-random
 * strings weighted to what is escaped, compared with a reference that
 * takes one byte or code point at a time.
 */


#include <news_parse.h>
#include <string.h>
#include <stdlib.h>
#include "tap.h"


/* the reference: one byte at a time, as ngx_escape_html() does */

static size_t
reference(unsigned char *dst, const unsigned char *src, size_t len)
{
    size_t       i, n;
    const char  *r;

    n = 0;

    for (i = 0; i < len; i++) {
        switch (src[i]) {
        case '<': r = "&lt;"; break;
        case '>': r = "&gt;"; break;
        case '&': r = "&amp;"; break;
        case '"': r = "&quot;"; break;
        default: dst[n++] = src[i]; continue;
        }

        memcpy(dst + n, r, strlen(r));
        n += strlen(r);
    }

    return n;
}


/* the JSON reference: a code point at a time */

static size_t
json_reference(unsigned char *dst, const unsigned char *src, size_t len)
{
    size_t    i, k, n;
    uint32_t  cp;

    n = 0;

    for (i = 0; i < len; i += k) {
        k = news_utf8_decode(src + i, len - i, &cp);

        if (k == 0) {
            memcpy(dst + n, "\\ufffd", 6);
            n += 6;
            k = 1;

        } else if (cp == 0x2028 || cp == 0x2029) {
            n += sprintf((char *) dst + n, "\\u%04x", (unsigned) cp);

        } else if (cp < 0x20 || cp == '<' || cp == '>' || cp == '&'
                   || cp == '\'')
        {
            n += sprintf((char *) dst + n, "\\u%04x", (unsigned) cp);

        } else if (cp == '"' || cp == '\\') {
            dst[n++] = '\\';
            dst[n++] = (unsigned char) cp;

        } else {
            memcpy(dst + n, src + i, k);
            n += k;
        }
    }

    return n;
}


static int
same(const char *in, const char *want)
{
    size_t          n, m;
    unsigned char   out[256];

    n = news_html_escape(NULL, (const unsigned char *) in, strlen(in));
    m = news_html_escape(out, (const unsigned char *) in, strlen(in));

    return n == m && m == strlen(want) && memcmp(out, want, m) == 0;
}


typedef size_t (*escape_pt)(unsigned char *dst, const unsigned char *src,
    size_t len);


/*
 * a million strings of the alphabet's bytes, each escaped by escape (its
 * length counted, then written) and by the reference: how many differ
 */

static int
differ(escape_pt escape, escape_pt ref, const unsigned char *alphabet,
    size_t size, unsigned int *seed)
{
    int            bad;
    size_t         i, len, n, m, r;
    unsigned char  in[64], out[6 * 64], want[6 * 64];

    bad = 0;

    for (i = 0; i < 1000000; i++) {
        *seed = *seed * 1103515245 + 12345;
        len = (*seed >> 16) % sizeof(in);

        for (n = 0; n < len; n++) {
            *seed = *seed * 1103515245 + 12345;
            in[n] = alphabet[(*seed >> 16) % size];
        }

        n = escape(NULL, in, len);
        m = escape(out, in, len);
        r = ref(want, in, len);

        if (n != r || m != r || memcmp(out, want, r) != 0) {
            bad++;
        }
    }

    return bad;
}


int
main(void)
{
    unsigned int                seed;
    static const unsigned char  alphabet[] = "<>&\"'a \xe4\xb8\xad\x00\x80";
    static const unsigned char  utf8[] = "\xe3\xe9\xe2\x80\xa8\xa9\xbf\xed"
                                         "\xa0\xc2\xf0\x90\x01\\\"a<";

    ok(same("", ""), "nothing is nothing");
    ok(same("新闻", "新闻"), "Chinese as it is");
    ok(same("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c'"),
       "the four characters, the apostrophe left");
    ok(same("<<<", "&lt;&lt;&lt;"), "runs of them");
    ok(same("&amp;", "&amp;amp;"), "a reference escaped again");
    ok(same("x\"", "x&quot;"), "at the end");

    seed = 7;

    ok(differ(news_html_escape, reference, alphabet, sizeof(alphabet) - 1,
              &seed) == 0,
       "a million strings as the reference writes them");

    ok(differ(news_json_escape, json_reference, utf8, sizeof(utf8) - 1,
              &seed) == 0,
       "JSON: a million strings of UTF-8 and its faults as the"
       " reference writes them");

    return tap_done();
}
