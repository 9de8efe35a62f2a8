/*
 * news_post_text.c: the post as text: UTF-8 checked and encoded, the
 * summary derived from the body's first paragraph, the source from its
 * source line ("（文章来源：...）").  Both derived values are for posts
 * whose front matter does not give them.
 */

#include <stddef.h>
#include <string.h>

#include "news_post_int.h"


#define NEWS_POST_MAX_SOURCE     100

#define NEWS_POST_FULLWIDTH_LP   "\xEF\xBC\x88"    /* U+FF08 */
#define NEWS_POST_FULLWIDTH_RP   "\xEF\xBC\x89"    /* U+FF09 */
#define NEWS_POST_FULLWIDTH_CO   "\xEF\xBC\x9A"    /* U+FF1A */
#define NEWS_POST_ARTICLE        "\xE6\x96\x87\xE7\xAB\xA0"  /* "文章" */
#define NEWS_POST_SOURCE         "\xE6\x9D\xA5\xE6\xBA\x90"  /* "来源" */
#define NEWS_POST_ELLIPSIS       "\xE2\x80\xA6"    /* U+2026 */


static size_t news_post_summary_text(news_post_t *post, const char *p,
    const char *end);
static size_t news_post_entity(const char *p, const char *end, char *out,
    size_t *used);


/* returns the offset of the first byte that is not UTF-8, or len */
size_t
news_post_utf8_check(const unsigned char *p, size_t len)
{
    size_t         i, n, k;
    unsigned char  c, lo, hi;

    i = 0;

    while (i < len) {
        c = p[i];

        if (c < 0x80) {
            i++;
            continue;
        }

        lo = 0x80;
        hi = 0xBF;

        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;

        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0) {
                lo = 0xA0;         /* overlong */
            } else if (c == 0xED) {
                hi = 0x9F;         /* surrogates */
            }

        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0) {
                lo = 0x90;
            } else if (c == 0xF4) {
                hi = 0x8F;         /* beyond U+10FFFF */
            }

        } else {
            return i;
        }

        if (len - i <= n) {
            return i;
        }

        if (p[i + 1] < lo || p[i + 1] > hi) {
            return i;
        }

        for (k = 2; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                return i;
            }
        }

        i += n + 1;
    }

    return len;
}


size_t
news_post_utf8_encode(unsigned code, char *out)
{
    if (code < 0x80) {
        out[0] = (char) code;
        return 1;
    }

    if (code < 0x800) {
        out[0] = (char) (0xC0 | (code >> 6));
        out[1] = (char) (0x80 | (code & 0x3F));
        return 2;
    }

    if (code < 0x10000) {
        out[0] = (char) (0xE0 | (code >> 12));
        out[1] = (char) (0x80 | ((code >> 6) & 0x3F));
        out[2] = (char) (0x80 | (code & 0x3F));
        return 3;
    }

    out[0] = (char) (0xF0 | (code >> 18));
    out[1] = (char) (0x80 | ((code >> 12) & 0x3F));
    out[2] = (char) (0x80 | ((code >> 6) & 0x3F));
    out[3] = (char) (0x80 | (code & 0x3F));

    return 4;
}


/* the text of the body's first paragraph that has any */
void
news_post_derive_summary(news_post_t *post)
{
    size_t       n;
    const char  *p, *end, *c, *q;

    if (post->body.len == 0) {
        return;
    }

    p = post->body.data;
    end = p + post->body.len;

    while (p < end) {
        p = memchr(p, '<', end - p);
        if (p == NULL) {
            return;
        }

        if (end - p < 3 || (p[1] != 'p' && p[1] != 'P')
            || !(p[2] == '>' || p[2] == ' ' || p[2] == '\t' || p[2] == '\n'))
        {
            p++;
            continue;
        }

        c = memchr(p, '>', end - p);
        if (c == NULL) {
            return;
        }

        c++;

        for (q = c; q < end; q++) {
            if (*q == '<' && end - q >= 3 && q[1] == '/'
                && (q[2] == 'p' || q[2] == 'P'))
            {
                break;
            }
        }

        n = news_post_summary_text(post, c, q);
        if (n > 0) {
            return;
        }

        p = q;
    }
}


/*
 * tags stripped, entities decoded, blanks collapsed, cut after
 * NEWS_POST_SUMMARY_CHARS characters with an ellipsis; sets post->summary
 */
static size_t
news_post_summary_text(news_post_t *post, const char *p, const char *end)
{
    int          space, cut;
    char        *start, *dst, ch[4];
    size_t       chars, n, used;
    const char  *q;

    if (post->arena_size - post->arena_used
        < NEWS_POST_SUMMARY_CHARS * 4 + 8)
    {
        return 0;
    }

    start = post->arena + post->arena_used;
    dst = start;
    chars = 0;
    space = 0;
    cut = 0;

    while (p < end) {

        if (*p == '<') {
            q = memchr(p, '>', end - p);
            if (q == NULL) {
                break;
            }

            if (q - p >= 3 && (p[1] == 'b' || p[1] == 'B')
                && (p[2] == 'r' || p[2] == 'R'))
            {
                space = 1;
            }

            p = q + 1;
            continue;
        }

        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'
            || *p == '\f' || *p == '\v')
        {
            space = 1;
            p++;
            continue;
        }

        if (*p == '&') {
            n = news_post_entity(p, end, ch, &used);

        } else {
            used = 1;

            if (((unsigned char) *p & 0xE0) == 0xC0) {
                used = 2;
            } else if (((unsigned char) *p & 0xF0) == 0xE0) {
                used = 3;
            } else if (((unsigned char) *p & 0xF8) == 0xF0) {
                used = 4;
            }

            if (used > (size_t) (end - p)) {
                used = end - p;
            }

            memcpy(ch, p, used);
            n = used;
        }

        p += used;

        /* no-break and ideographic spaces indent, they say nothing */
        if ((n == 2 && memcmp(ch, "\xC2\xA0", 2) == 0)
            || (n == 3 && memcmp(ch, "\xE3\x80\x80", 3) == 0))
        {
            space = 1;
            continue;
        }

        if (space && dst > start) {
            if (chars == NEWS_POST_SUMMARY_CHARS) {
                cut = 1;
                break;
            }

            *dst++ = ' ';
            chars++;
        }

        space = 0;

        if (chars == NEWS_POST_SUMMARY_CHARS) {
            cut = 1;
            break;
        }

        memcpy(dst, ch, n);
        dst += n;
        chars++;
    }

    if (cut) {
        while (dst > start && dst[-1] == ' ') {
            dst--;
        }

        memcpy(dst, NEWS_POST_ELLIPSIS, 3);
        dst += 3;
    }

    if (dst == start) {
        return 0;
    }

    post->summary.data = start;
    post->summary.len = dst - start;
    post->arena_used += dst - start;

    return chars;
}


/* n hex digits at p, before end; n is at most 8, so nothing overflows */
int
news_post_hex(const char *p, const char *end, size_t n, unsigned *value)
{
    size_t    i;
    unsigned  c;

    if (end - p < (ptrdiff_t) n) {
        return NEWS_POST_ERROR;
    }

    c = 0;

    for (i = 0; i < n; i++) {
        c <<= 4;

        if (p[i] >= '0' && p[i] <= '9') {
            c |= p[i] - '0';

        } else if (p[i] >= 'a' && p[i] <= 'f') {
            c |= p[i] - 'a' + 10;

        } else if (p[i] >= 'A' && p[i] <= 'F') {
            c |= p[i] - 'A' + 10;

        } else {
            return NEWS_POST_ERROR;
        }
    }

    *value = c;

    return NEWS_POST_OK;
}


/* decodes the entity at p into out; unknown ones stay as they are */
static size_t
news_post_entity(const char *p, const char *end, char *out, size_t *used)
{
    size_t       len, i;
    unsigned     code;
    const char  *semi;

    static const struct {
        const char  *name;
        size_t       len;
        char         c;
    } named[] = {
        { "amp", 3, '&' }, { "lt", 2, '<' }, { "gt", 2, '>' },
        { "quot", 4, '"' }, { "apos", 4, '\'' }
    };

    *used = 1;
    out[0] = '&';

    len = end - p;
    if (len > 12) {
        len = 12;
    }

    semi = memchr(p, ';', len);
    if (semi == NULL) {
        return 1;
    }

    len = semi - (p + 1);

    for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        if (len == named[i].len && memcmp(p + 1, named[i].name, len) == 0) {
            out[0] = named[i].c;
            *used = len + 2;
            return 1;
        }
    }

    if (len == 4 && memcmp(p + 1, "nbsp", 4) == 0) {
        *used = len + 2;
        memcpy(out, "\xC2\xA0", 2);
        return 2;
    }

    if (len < 2 || p[1] != '#') {
        return 1;
    }

    code = 0;

    if (p[2] == 'x' || p[2] == 'X') {

        /* no more than 8 digits fit before the ';': no overflow */
        if (len < 3 || news_post_hex(p + 3, semi, len - 2, &code)
                       != NEWS_POST_OK)
        {
            return 1;
        }

    } else {
        for (i = 2; i <= len; i++) {
            if (p[i] < '0' || p[i] > '9') {
                return 1;
            }

            code = code * 10 + (p[i] - '0');

            if (code > 0x10FFFF) {
                return 1;
            }
        }
    }

    if (code < 0x20 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)
        || code == 0x7F)
    {
        return 1;
    }

    *used = len + 2;

    return news_post_utf8_encode(code, out);
}


/*
 * the source line, "（文章来源：新华网）" or "(来源: ...)":
 * the last one in the body
 */
void
news_post_derive_source(news_post_t *post)
{
    const char       *p, *end, *q, *b, *a, *name;
    news_post_str_t   s;

    if (post->body.len == 0) {
        return;
    }

    p = post->body.data;
    end = p + post->body.len;
    q = p;

    while (end - q >= 6) {
        q = memchr(q, NEWS_POST_SOURCE[0], (end - q) - 5);
        if (q == NULL) {
            return;
        }

        if (memcmp(q, NEWS_POST_SOURCE, 6) != 0) {
            q++;
            continue;
        }

        b = q;
        q += 6;

        if (b - p >= 6 && memcmp(b - 6, NEWS_POST_ARTICLE, 6) == 0) {
            b -= 6;
        }

        if (!((b - p >= 3 && memcmp(b - 3, NEWS_POST_FULLWIDTH_LP, 3) == 0)
              || (b - p >= 1 && b[-1] == '(')))
        {
            continue;
        }

        a = q;

        if (end - a >= 3 && memcmp(a, NEWS_POST_FULLWIDTH_CO, 3) == 0) {
            a += 3;
        } else if (a < end && *a == ':') {
            a++;
        } else {
            continue;
        }

        name = a;

        while (a < end && a - name <= NEWS_POST_MAX_SOURCE) {
            if (*a == ')' || *a == '<' || *a == '(' || *a == '\n'
                || (end - a >= 3
                    && (memcmp(a, NEWS_POST_FULLWIDTH_RP, 3) == 0
                        || memcmp(a, NEWS_POST_FULLWIDTH_LP, 3) == 0)))
            {
                break;
            }

            a++;
        }

        if (a == end || a - name > NEWS_POST_MAX_SOURCE
            || !(*a == ')'
                 || (end - a >= 3
                     && memcmp(a, NEWS_POST_FULLWIDTH_RP, 3) == 0)))
        {
            continue;
        }

        s = news_post_trim(name, a - name);
        if (s.len > 0) {
            post->source_name = s;
        }
    }
}
