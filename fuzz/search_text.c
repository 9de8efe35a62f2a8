
/*
 * Copyright (C) ngx_news_module authors
 *
 * libFuzzer target: news_search_text(), the text of a post's HTML for the
 * search index, on any bytes.  Its output: no longer than the input,
 * written inside a buffer of the input's size; valid UTF-8 with no NUL,
 * no 0x01 or 0x02 (snippet markers) and no control character; single
 * spaces between text only.  Input with no '<' and no '&' matches a
 * reference written here (invalid bytes dropped, white space and control
 * characters collapsed), and plain text comes out as it went in.
 *
 * Idempotence does not hold in general: "&lt;p&gt;" gives "<p>", markup
 * the next pass drops.  What holds: an output with no '<' and no '&' is
 * its own text, and any output, its '&' and '<' escaped for HTML, reads
 * back as itself.  And a complete tag before or after the input changes
 * nothing: the scanner keeps no state across markup but the separator.
 */


#include <string.h>

#include <news_search.h>

#include "fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t text(unsigned char **out, const unsigned char *p, size_t len);
static void check_output(const unsigned char *p, size_t len);
static void check_plain(const unsigned char *in, size_t len,
    const unsigned char *out, size_t n);
static int is_plain(const unsigned char *p, size_t len);
static void check_again(const unsigned char *out, size_t n);
static void check_wrapped(const unsigned char *in, size_t len,
    const unsigned char *out, size_t n);
static int is_sep(uint32_t c);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t          n;
    unsigned char  *out;

    n = text(&out, data, size);
    if (out == NULL) {
        return 0;
    }

    check_output(out, n);
    check_plain(data, size, out, n);
    check_again(out, n);
    check_wrapped(data, size, out, n);

    free(out);

    return 0;
}


/*
 * news_search_text() of a copy of p into a buffer of exactly len bytes,
 * both allocated so that ASan sees an access past either; *out NULL if
 * there is no memory
 */

static size_t
text(unsigned char **out, const unsigned char *p, size_t len)
{
    size_t          n;
    unsigned char  *copy, *dst;

    copy = malloc(len ? len : 1);
    dst = malloc(len ? len : 1);

    if (copy == NULL || dst == NULL) {
        free(copy);
        free(dst);
        *out = NULL;
        return 0;
    }

    memcpy(copy, p, len);

    n = news_search_text(dst, copy, len);

    fuzz_check(n <= len, "the output is no longer than the input");

    free(copy);

    *out = dst;

    return n;
}


static void
check_output(const unsigned char *p, size_t len)
{
    size_t    i, n;
    uint32_t  c;

    for (i = 0; i < len; i += n) {
        n = fuzz_utf8_seq(p + i, len - i, &c);

        fuzz_check(n != 0, "the output is valid UTF-8");
        fuzz_check(c == ' ' || !is_sep(c),
                   "no NUL, 0x01, 0x02 or other control character");

        if (c == ' ') {
            fuzz_check(i > 0 && i + 1 < len, "no space at either end");
            fuzz_check(p[i + 1] != ' ', "no two spaces together");
        }
    }
}


/*
 * input without markup: invalid bytes dropped, each run of white space
 * and control characters one space if text is on both sides; and if it
 * is already that, unchanged
 */

static void
check_plain(const unsigned char *in, size_t len, const unsigned char *out,
    size_t n)
{
    int             space;
    size_t          i, k, m;
    uint32_t        c;
    unsigned char  *ref;

    if (memchr(in, '<', len) != NULL || memchr(in, '&', len) != NULL) {
        return;
    }

    ref = malloc(len ? len : 1);
    if (ref == NULL) {
        return;
    }

    k = 0;
    space = 0;

    for (i = 0; i < len; i += m) {
        m = fuzz_utf8_seq(in + i, len - i, &c);

        if (m == 0) {
            m = 1;
            continue;
        }

        if (is_sep(c)) {
            space = 1;
            continue;
        }

        if (space && k > 0) {
            ref[k++] = ' ';
        }

        space = 0;
        memcpy(ref + k, in + i, m);
        k += m;
    }

    fuzz_check(n == k && memcmp(out, ref, k) == 0,
               "text without markup is the reference's");

    if (is_plain(in, len)) {
        fuzz_check(n == len && memcmp(out, in, len) == 0,
                   "plain text comes out as it went in");
    }

    free(ref);
}


/*
 * valid UTF-8, no control character, spaces single and between text;
 * the caller knows there is no '<' and no '&'
 */

static int
is_plain(const unsigned char *p, size_t len)
{
    size_t    i, n;
    uint32_t  c;

    for (i = 0; i < len; i += n) {
        n = fuzz_utf8_seq(p + i, len - i, &c);

        if (n == 0 || (c != ' ' && is_sep(c))) {
            return 0;
        }

        if (c == ' ' && (i == 0 || i + 1 == len || p[i + 1] == ' ')) {
            return 0;
        }
    }

    return 1;
}


/*
 * the output as text again: with its '&' and '<' escaped ("&amp;",
 * "&lt;"), itself always; as it is, itself if it has neither, and output
 * as any other if it has
 */

static void
check_again(const unsigned char *out, size_t n)
{
    size_t          i, k, m;
    unsigned char  *esc, *again;

    esc = malloc(5 * n + 1);
    if (esc == NULL) {
        return;
    }

    k = 0;

    for (i = 0; i < n; i++) {
        if (out[i] == '&') {
            memcpy(esc + k, "&amp;", 5);
            k += 5;

        } else if (out[i] == '<') {
            memcpy(esc + k, "&lt;", 4);
            k += 4;

        } else {
            esc[k++] = out[i];
        }
    }

    m = text(&again, esc, k);

    if (again != NULL) {
        fuzz_check(m == n && memcmp(again, out, n) == 0,
                   "the output, escaped for HTML, reads back as itself");
        free(again);
    }

    free(esc);

    m = text(&again, out, n);

    if (again == NULL) {
        return;
    }

    check_output(again, m);

    if (k == n) {
        fuzz_check(m == n && memcmp(again, out, n) == 0,
                   "an output without '<' and '&' is its own text");
    }

    free(again);
}


/* a paragraph's tag before the input, a line break's after: the same */

static void
check_wrapped(const unsigned char *in, size_t len, const unsigned char *out,
    size_t n)
{
    size_t          m;
    unsigned char  *w, *again;

    w = malloc(len + 9);
    if (w == NULL) {
        return;
    }

    memcpy(w, "<p>", 3);
    memcpy(w + 3, in, len);
    memcpy(w + 3 + len, "<br />", 6);

    m = text(&again, w, len + 9);

    if (again != NULL) {
        fuzz_check(m == n && memcmp(again, out, n) == 0,
                   "block tags around the input add nothing");
        free(again);
    }

    free(w);
}


/* what separates: white space, NUL, the other C0 controls, DEL and C1 */

static int
is_sep(uint32_t c)
{
    return c <= 0x20 || (c >= 0x7f && c <= 0x9f);
}
