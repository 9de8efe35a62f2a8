
/*
 * Copyright (C) ngx_news_module authors
 *
 * Text escaped for the languages pages are written in: HTML, JSON inside
 * a <script> element, and XML 1.0 for feeds and sitemaps.  Pure code,
 * fuzzed.
 */


#include <news_parse.h>
#include <string.h>




/*
 * HTML text or a double-quoted attribute value: the bytes of
 * ngx_escape_html() ("<", ">", "&" and '"' as references, the rest as it
 * is), written a run of plain bytes at a time: a title or a summary in
 * Chinese is one memcpy() where the byte-at-a-time switch cost ten
 * instructions a byte, twice.  With dst NULL only the length is counted.
 */

static const unsigned char  news_html_extra[256] = {
    ['"'] = 5, ['&'] = 4, ['<'] = 3, ['>'] = 3
};

size_t
news_html_escape(unsigned char *dst, const unsigned char *src, size_t len)
{
    const unsigned char  *p, *end, *run;
    size_t                size;

    end = src + len;

    if (dst == NULL) {
        size = len;

        for (p = src; p < end; p++) {
            size += news_html_extra[*p];
        }

        return size;
    }

    size = 0;
    p = src;

    while (p < end) {
        run = p;

        while (p < end && news_html_extra[*p] == 0) {
            p++;
        }

        memcpy(dst + size, run, p - run);
        size += p - run;

        if (p == end) {
            break;
        }

        switch (*p++) {
        case '"':
            memcpy(dst + size, "&quot;", 6);
            size += 6;
            break;
        case '&':
            memcpy(dst + size, "&amp;", 5);
            size += 5;
            break;
        case '<':
            memcpy(dst + size, "&lt;", 4);
            size += 4;
            break;
        default: /* '>' */
            memcpy(dst + size, "&gt;", 4);
            size += 4;
            break;
        }
    }

    return size;
}


/*
 * JSON string contents for a <script> element: "<", ">" and "&" as \u00XX
 * so the text can never close the element, U+2028/9 escaped for old
 * parsers, and invalid UTF-8 replaced with U+FFFD so the JSON stays valid.
 * With dst NULL only the length is counted.
 */

/* ASCII written as it is in JSON: not a control, '"', '\\', "<>&'" */
static const unsigned char  news_json_plain[128] = {
    [0x20] = 1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
};

size_t
news_json_escape(unsigned char *dst, const unsigned char *src, size_t len)
{
    static const char     hex[] = "0123456789abcdef";
    const unsigned char  *p, *end, *run;
    unsigned char         esc[6];
    size_t                n, size, k;
    uint32_t              cp;

    p = src;
    end = src + len;
    size = 0;

    while (p < end) {

        /*
         * a run written as it is: plain ASCII, and CJK (U+3000 to U+9FFF,
         * lead bytes e3 to e9, valid whatever follows them but for their
         * continuation bytes), which is most of a Chinese site's text
         */

        run = p;

        for ( ;; ) {
            if (p < end && *p < 0x80 && news_json_plain[*p]) {
                p++;

            } else if (end - p >= 3 && p[0] >= 0xe3 && p[0] <= 0xe9
                       && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80)
            {
                p += 3;

            } else {
                break;
            }
        }

        if (p != run) {
            if (dst) {
                memcpy(dst + size, run, p - run);
            }

            size += p - run;

            if (p == end) {
                break;
            }
        }

        if (*p >= 0x80) {
            k = news_utf8_decode(p, end - p, &cp);

            if (k == 0) {
                memcpy(esc, "\\ufffd", 6);
                n = 6;
                p++;

            } else if (k == 3 && p[0] == 0xe2 && p[1] == 0x80
                       && (p[2] == 0xa8 || p[2] == 0xa9))
            {
                memcpy(esc, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
                n = 6;
                p += 3;

            } else {
                if (dst) {
                    memcpy(dst + size, p, k);
                }

                size += k;
                p += k;
                continue;
            }

        } else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&'
                   || *p == '\'')
        {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 0xf];
            n = 6;
            p++;

        } else if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = *p;
            n = 2;
            p++;

        } else {
            if (dst) {
                dst[size] = *p;
            }

            size++;
            p++;
            continue;
        }

        if (dst) {
            memcpy(dst + size, esc, n);
        }

        size += n;
    }

    return size;
}


/*
 * the length of the well-formed UTF-8 sequence at p (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), avail > 0, and
 * its code point in *cp; 0 for none.  The one decoder of the pure code:
 * the escapes, the search tokenizer and its text
 */

size_t
news_utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp)
{
    size_t    n, i;
    uint32_t  c, min;

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


/* c, a valid code point, in UTF-8 at p (room for 4 bytes): its length */

size_t
news_utf8_encode(unsigned char *p, uint32_t c)
{
    if (c < 0x80) {
        p[0] = (unsigned char) c;
        return 1;
    }

    if (c < 0x800) {
        p[0] = (unsigned char) (0xc0 | (c >> 6));
        p[1] = (unsigned char) (0x80 | (c & 0x3f));
        return 2;
    }

    if (c < 0x10000) {
        p[0] = (unsigned char) (0xe0 | (c >> 12));
        p[1] = (unsigned char) (0x80 | ((c >> 6) & 0x3f));
        p[2] = (unsigned char) (0x80 | (c & 0x3f));
        return 3;
    }

    p[0] = (unsigned char) (0xf0 | (c >> 18));
    p[1] = (unsigned char) (0x80 | ((c >> 12) & 0x3f));
    p[2] = (unsigned char) (0x80 | ((c >> 6) & 0x3f));
    p[3] = (unsigned char) (0x80 | (c & 0x3f));

    return 4;
}


/*
 * XML 1.0 character data and attribute values: "&", "<", ">", '"' and
 * "'" as entities; the characters XML 1.0 forbids (controls but tab, LF
 * and CR; U+FFFE, U+FFFF) dropped, for no entity makes them legal; and
 * invalid UTF-8 replaced with U+FFFD.  No CDATA: "]]>" is text like any
 * other.  With dst NULL only the length is counted.
 */

size_t
news_xml_escape(unsigned char *dst, const unsigned char *src, size_t len)
{
    const unsigned char  *p, *end, *rep;
    size_t                n, size, k;
    uint32_t              cp;

    p = src;
    end = src + len;
    size = 0;

    while (p < end) {

        if (*p >= 0x80) {
            k = news_utf8_decode(p, end - p, &cp);

            if (k == 0) {
                rep = (const unsigned char *) "\xef\xbf\xbd";
                n = 3;
                p++;

            } else if (k == 3 && p[0] == 0xef && p[1] == 0xbf
                       && (p[2] == 0xbe || p[2] == 0xbf))
            {
                p += 3;
                continue;

            } else {
                rep = p;
                n = k;
                p += k;
            }

        } else if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
            p++;
            continue;

        } else {
            switch (*p) {
            case '&':
                rep = (const unsigned char *) "&amp;";
                n = 5;
                break;
            case '<':
                rep = (const unsigned char *) "&lt;";
                n = 4;
                break;
            case '>':
                rep = (const unsigned char *) "&gt;";
                n = 4;
                break;
            case '"':
                rep = (const unsigned char *) "&quot;";
                n = 6;
                break;
            case '\'':
                rep = (const unsigned char *) "&apos;";
                n = 6;
                break;
            default:
                rep = p;
                n = 1;
            }

            p++;
        }

        if (dst) {
            memcpy(dst + size, rep, n);
        }

        size += n;
    }

    return size;
}
