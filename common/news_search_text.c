
/*
 * Copyright (C) ngx_news_module authors
 *
 * The text a post's body gives the search index: what a reader sees of
 * the body's HTML (news_search.h says the rules).  Pure code: no nginx,
 * no SQLite, no allocation; fuzzed (fuzz/search_text.c).
 *
 * The body is the admin's HTML, trusted: this is no sanitizer and no
 * HTML parser, only a scanner that knows where the HTML tokenizer sees
 * markup (tags with quoted values, comments, the elements whose content
 * is never shown) so that neither markup nor hidden text reaches the
 * index, and words that stand in separate blocks are not joined.
 *
 * The output is never longer than the input, and so fits in a buffer of
 * the input's size: each rule writes no more than it reads.
 *   - a character of text is copied, its own bytes, or dropped;
 *   - markup (tags, comments, hidden content) writes nothing;
 *   - a reference is at least 4 bytes ("&lt;", "&#9;") and becomes at
 *     most 4 (any code point in UTF-8), or nothing;
 *   - a separator (white space, a control character, a block tag, a
 *     reference to a space or control) writes nothing itself: at most one
 *     space is written for a run of them, and only before the next text,
 *     so each space written stands for at least one byte read that wrote
 *     nothing else.
 */


#include <news_parse.h>
#include <news_search.h>
#include <stdint.h>
#include <string.h>


/* what a tag's name makes of it */
#define NEWS_TEXT_INLINE   0     /* nothing: "北<b>京</b>" is "北京" */
#define NEWS_TEXT_BLOCK    1     /* a separator */
#define NEWS_TEXT_HIDDEN   2     /* the element and its content dropped */
#define NEWS_TEXT_NESTED   3     /* hidden, and may nest (template) */

/* the longest name in the table below */
#define NEWS_TEXT_NAME_MAX  10


typedef struct {
    unsigned char         *pos;
    unsigned char         *start;
    int                    space;      /* a separator since the last text */
} news_search_text_t;


typedef struct {
    size_t                 len;
    const char            *name;
    int                    kind;
} news_search_tag_t;


static size_t news_search_text_markup(const unsigned char *p, size_t len,
    int *sep);
static size_t news_search_text_name(const unsigned char *p, size_t len,
    size_t i, int *kind);
static size_t news_search_text_tag_end(const unsigned char *p, size_t len,
    size_t i);
static size_t news_search_text_hidden(const unsigned char *p, size_t len,
    size_t i, const unsigned char *name, size_t n, int nested);
static int news_search_text_is_tag(const unsigned char *p, size_t len,
    size_t i, const unsigned char *name, size_t n);
static size_t news_search_text_past(const unsigned char *p, size_t len,
    size_t i, const char *s, size_t n);
static int news_search_text_sep(uint32_t c);
static void news_search_text_put(news_search_text_t *t,
    const unsigned char *p, size_t n);


/*
 * Block-level elements (and the replaced ones, whose picture or player
 * stands between the words on either side) separate words; the hidden
 * ones are never displayed, whatever they hold.  A name not here, known
 * or not, is inline.
 */

static const news_search_tag_t  news_search_tags[] = {
    { 1, "p", NEWS_TEXT_BLOCK },
    { 2, "br", NEWS_TEXT_BLOCK },
    { 2, "dd", NEWS_TEXT_BLOCK },
    { 2, "dl", NEWS_TEXT_BLOCK },
    { 2, "dt", NEWS_TEXT_BLOCK },
    { 2, "h1", NEWS_TEXT_BLOCK },
    { 2, "h2", NEWS_TEXT_BLOCK },
    { 2, "h3", NEWS_TEXT_BLOCK },
    { 2, "h4", NEWS_TEXT_BLOCK },
    { 2, "h5", NEWS_TEXT_BLOCK },
    { 2, "h6", NEWS_TEXT_BLOCK },
    { 2, "hr", NEWS_TEXT_BLOCK },
    { 2, "li", NEWS_TEXT_BLOCK },
    { 2, "ol", NEWS_TEXT_BLOCK },
    { 2, "td", NEWS_TEXT_BLOCK },
    { 2, "th", NEWS_TEXT_BLOCK },
    { 2, "tr", NEWS_TEXT_BLOCK },
    { 2, "ul", NEWS_TEXT_BLOCK },
    { 3, "div", NEWS_TEXT_BLOCK },
    { 3, "img", NEWS_TEXT_BLOCK },
    { 3, "nav", NEWS_TEXT_BLOCK },
    { 3, "pre", NEWS_TEXT_BLOCK },
    { 4, "form", NEWS_TEXT_BLOCK },
    { 4, "main", NEWS_TEXT_BLOCK },
    { 4, "menu", NEWS_TEXT_BLOCK },
    { 5, "aside", NEWS_TEXT_BLOCK },
    { 5, "audio", NEWS_TEXT_BLOCK },
    { 5, "embed", NEWS_TEXT_BLOCK },
    { 5, "table", NEWS_TEXT_BLOCK },
    { 5, "tbody", NEWS_TEXT_BLOCK },
    { 5, "tfoot", NEWS_TEXT_BLOCK },
    { 5, "thead", NEWS_TEXT_BLOCK },
    { 5, "video", NEWS_TEXT_BLOCK },
    { 6, "center", NEWS_TEXT_BLOCK },
    { 6, "figure", NEWS_TEXT_BLOCK },
    { 6, "footer", NEWS_TEXT_BLOCK },
    { 6, "header", NEWS_TEXT_BLOCK },
    { 6, "hgroup", NEWS_TEXT_BLOCK },
    { 6, "legend", NEWS_TEXT_BLOCK },
    { 6, "object", NEWS_TEXT_BLOCK },
    { 6, "canvas", NEWS_TEXT_BLOCK },
    { 7, "address", NEWS_TEXT_BLOCK },
    { 7, "article", NEWS_TEXT_BLOCK },
    { 7, "caption", NEWS_TEXT_BLOCK },
    { 7, "details", NEWS_TEXT_BLOCK },
    { 7, "section", NEWS_TEXT_BLOCK },
    { 7, "summary", NEWS_TEXT_BLOCK },
    { 8, "fieldset", NEWS_TEXT_BLOCK },
    { 10, "blockquote", NEWS_TEXT_BLOCK },
    { 10, "figcaption", NEWS_TEXT_BLOCK },

    { 5, "style", NEWS_TEXT_HIDDEN },
    { 5, "title", NEWS_TEXT_HIDDEN },
    { 6, "iframe", NEWS_TEXT_HIDDEN },
    { 6, "script", NEWS_TEXT_HIDDEN },
    { 7, "noembed", NEWS_TEXT_HIDDEN },
    { 8, "noframes", NEWS_TEXT_HIDDEN },
    { 8, "noscript", NEWS_TEXT_HIDDEN },
    { 8, "template", NEWS_TEXT_NESTED }
};


size_t
news_search_text(unsigned char *dst, const unsigned char *html, size_t len)
{
    int                  sep;
    size_t               i, n;
    uint32_t             c;
    unsigned char        utf8[4];
    news_search_text_t   t;

    t.pos = dst;
    t.start = dst;
    t.space = 0;

    for (i = 0; i < len; i += n) {

        if (html[i] == '<') {
            n = news_search_text_markup(html + i, len - i, &sep);

            if (n == 0) {
                /* "a < b": not markup, text */
                n = 1;
                news_search_text_put(&t, html + i, 1);
                continue;
            }

            if (sep) {
                t.space = 1;
            }

            continue;
        }

        if (html[i] == '&') {
            n = news_html_reference(html + i, len - i, &c);

            if (n == 0) {
                /* unknown or unterminated: the text as it is */
                n = 1;
                news_search_text_put(&t, html + i, 1);
                continue;
            }

            /* U+0000, a surrogate, past U+10FFFF: no character at all */
            if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
                continue;
            }

            if (c == 0xa0 || news_search_text_sep(c)) {
                t.space = 1;
                continue;
            }

            news_search_text_put(&t, utf8, news_utf8_encode(utf8, c));

            continue;
        }

        n = news_utf8_decode(html + i, len - i, &c);

        if (n == 0) {
            /* a byte that is not UTF-8: dropped, it was never text */
            n = 1;
            continue;
        }

        if (news_search_text_sep(c)) {
            t.space = 1;
            continue;
        }

        news_search_text_put(&t, html + i, n);
    }

    return (size_t) (t.pos - dst);
}


/*
 * the bytes of the markup at p, p[0] being '<', or 0 if it is text; *sep
 * set if it separates words.  Unterminated markup runs to the end of the
 * input, as it does in a browser.
 */

static size_t
news_search_text_markup(const unsigned char *p, size_t len, int *sep)
{
    int     kind;
    size_t  i;

    *sep = 0;

    if (len < 2) {
        return 0;
    }

    switch (p[1]) {

    case '!':
        if (len >= 4 && p[2] == '-' && p[3] == '-') {
            /* from 2: "<!-->" and "<!--->" are empty comments */
            return news_search_text_past(p, len, 2, "-->", 3);
        }

        if (len >= 9 && memcmp(p + 2, "[CDATA[", 7) == 0) {
            return news_search_text_past(p, len, 9, "]]>", 3);
        }

        /* <!DOCTYPE ...>, and anything else HTML calls a bogus comment */
        return news_search_text_past(p, len, 2, ">", 1);

    case '?':
        return news_search_text_past(p, len, 2, ">", 1);

    case '/':
        if (len == 2 || !((p[2] | 0x20) >= 'a' && (p[2] | 0x20) <= 'z')) {
            /* "</>", "</ x>": bogus, to the first '>' */
            return news_search_text_past(p, len, 2, ">", 1);
        }

        i = news_search_text_name(p, len, 2, &kind);
        *sep = (kind == NEWS_TEXT_BLOCK);

        return news_search_text_tag_end(p, len, i);

    default:
        if (!((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'z')) {
            return 0;
        }

        i = news_search_text_name(p, len, 1, &kind);
        *sep = (kind == NEWS_TEXT_BLOCK);

        /* and what it holds, to the end tag of its name */
        if (kind == NEWS_TEXT_HIDDEN || kind == NEWS_TEXT_NESTED) {
            return news_search_text_hidden(p, len,
                                           news_search_text_tag_end(p, len, i),
                                           p + 1, i - 1,
                                           kind == NEWS_TEXT_NESTED);
        }

        return news_search_text_tag_end(p, len, i);
    }
}


/*
 * the end of the tag name at p + i, which runs, as HTML has it, to white
 * space, '/' or '>'; *kind what the name makes of the tag
 */

static size_t
news_search_text_name(const unsigned char *p, size_t len, size_t i,
    int *kind)
{
    size_t         start, n, k;
    unsigned char  c, name[NEWS_TEXT_NAME_MAX];

    start = i;

    while (i < len && p[i] != '/' && p[i] != '>' && p[i] != ' '
           && p[i] != '\t' && p[i] != '\n' && p[i] != '\f' && p[i] != '\r')
    {
        i++;
    }

    *kind = NEWS_TEXT_INLINE;

    n = i - start;

    if (n > NEWS_TEXT_NAME_MAX) {
        return i;
    }

    for (k = 0; k < n; k++) {
        c = p[start + k];
        name[k] = (c >= 'A' && c <= 'Z') ? c + 0x20 : c;
    }

    for (k = 0; k < sizeof(news_search_tags) / sizeof(news_search_tags[0]);
         k++)
    {
        if (news_search_tags[k].len == n
            && memcmp(news_search_tags[k].name, name, n) == 0)
        {
            *kind = news_search_tags[k].kind;
            break;
        }
    }

    return i;
}


/*
 * past the '>' that ends the tag whose attributes start at p + i, or len:
 * a quote right after '=' (white space between or not) opens a value that
 * only the same quote closes, and a '>' inside it is the value's
 */

static size_t
news_search_text_tag_end(const unsigned char *p, size_t len, size_t i)
{
    int            eq;
    unsigned char  c;

    eq = 0;

    for ( /* void */ ; i < len; i++) {
        c = p[i];

        switch (c) {

        case '>':
            return i + 1;

        case '=':
            eq = 1;
            break;

        case ' ':
        case '\t':
        case '\n':
        case '\f':
        case '\r':
            break;

        case '"':
        case '\'':
            if (eq) {
                for (i++; i < len && p[i] != c; i++) {
                    /* void */
                }

                if (i == len) {
                    return len;
                }
            }

            eq = 0;
            break;

        default:
            eq = 0;
        }
    }

    return len;
}


/*
 * past the end tag of the hidden element whose content starts at p + i,
 * or len: its name, n bytes, matched in any case and ended by white
 * space, '/', '>' or the input's end, as HTML ends a script.  A script
 * that holds "</p>" goes on; one that holds "</script>" in a string ends
 * there, in a browser too.  A template may hold a template: those
 * counted, its end is the end tag that closes the first.
 */

static size_t
news_search_text_hidden(const unsigned char *p, size_t len, size_t i,
    const unsigned char *name, size_t n, int nested)
{
    size_t  depth;

    depth = 0;

    for ( /* void */ ; i < len; i++) {
        if (p[i] != '<') {
            continue;
        }

        if (i + 1 < len && p[i + 1] == '/'
            && news_search_text_is_tag(p, len, i + 2, name, n))
        {
            if (depth == 0) {
                return news_search_text_tag_end(p, len, i + 2 + n);
            }

            depth--;
            continue;
        }

        if (nested && news_search_text_is_tag(p, len, i + 1, name, n)) {
            depth++;
        }
    }

    return len;
}


/* whether p + i holds the tag name name (n bytes, lower case), whole */

static int
news_search_text_is_tag(const unsigned char *p, size_t len, size_t i,
    const unsigned char *name, size_t n)
{
    size_t         k;
    unsigned char  c, e;

    if (len - i < n) {
        return 0;
    }

    for (k = 0; k < n; k++) {
        c = p[i + k];
        e = name[k];

        if (c >= 'A' && c <= 'Z') {
            c += 0x20;
        }

        if (e >= 'A' && e <= 'Z') {
            e += 0x20;
        }

        if (c != e) {
            return 0;
        }
    }

    if (i + n == len) {
        return 1;
    }

    c = p[i + n];

    return c == '/' || c == '>' || c == ' ' || c == '\t' || c == '\n'
           || c == '\f' || c == '\r';
}


/* past the first s (n bytes) at or after p + i, or len if there is none */

static size_t
news_search_text_past(const unsigned char *p, size_t len, size_t i,
    const char *s, size_t n)
{
    for ( /* void */ ; i + n <= len; i++) {
        if (p[i] == (unsigned char) s[0] && memcmp(p + i, s, n) == 0) {
            return i + n;
        }
    }

    return len;
}


/*
 * white space and control characters, C0, DEL and C1: nothing a reader
 * sees, and 0x01 and 0x02 mark a snippet's matches
 */

static int
news_search_text_sep(uint32_t c)
{
    return c <= 0x20 || (c >= 0x7f && c <= 0x9f);
}


/* text: the separator seen before it, if any text came before that */

static void
news_search_text_put(news_search_text_t *t, const unsigned char *p, size_t n)
{
    if (t->space && t->pos != t->start) {
        *t->pos++ = ' ';
    }

    t->space = 0;

    memcpy(t->pos, p, n);
    t->pos += n;
}
