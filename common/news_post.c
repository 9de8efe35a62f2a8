/*
 * news_post.c: parses a Jekyll post (front matter, HTML body, the share
 * link and breadcrumb trailer lines) into a news_post_t.
 *
 * This file reads the post's lines and what follows the front matter: the
 * body, and the trailer lines that name the post's info code and
 * category.  The front matter is news_post_front_matter.c's.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "news_defs.h"
#include "news_parse.h"
#include "news_post_int.h"


/* decoded values never outgrow their source; the slack is the summary */
#define NEWS_POST_ARENA_SLACK    1024
#define NEWS_POST_MAX_NAME       200

#define NEWS_POST_BOM            "\xEF\xBB\xBF"
#define NEWS_POST_FULLWIDTH_BAR  "\xEF\xBD\x9C"    /* U+FF5C */
#define NEWS_POST_BACK           "\xE8\xBF\x94\xE5\x9B\x9E"  /* "返回" */


static size_t news_post_line_of(const char *buf, size_t off);
static int news_post_content(news_post_t *post, news_post_lines_t *ls,
    size_t fm_end);
static int news_post_share_line(news_post_line_t *line,
    news_post_str_t *code);
static int news_post_crumb_line(news_post_line_t *line,
    news_post_str_t *slug, news_post_str_t *name);
static void news_post_body(news_post_t *post, const char *start,
    const char *end);


int
news_post_parse(news_post_t *post, const char *buf, size_t len)
{
    size_t              off;
    const char         *nul;
    news_post_lines_t   ls;

    memset(post, 0, sizeof(news_post_t));
    post->published = 1;

    if (buf == NULL) {
        buf = "";
        len = 0;
    }

    /* checked once for the whole file, so every slice is clean text */
    nul = (len > 0) ? memchr(buf, '\0', len) : NULL;
    if (nul != NULL) {
        return news_post_error(post, news_post_line_of(buf, nul - buf),
                               "NUL byte in the file");
    }

    off = news_post_utf8_check((const unsigned char *) buf, len);
    if (off != len) {
        return news_post_error(post, news_post_line_of(buf, off),
                               "invalid UTF-8");
    }

    post->arena_size = len + NEWS_POST_ARENA_SLACK;
    post->arena = malloc(post->arena_size);
    if (post->arena == NULL) {
        post->arena_size = 0;
        return news_post_error(post, 0, "out of memory");
    }

    ls.pos = buf;
    ls.end = buf + len;
    ls.number = 1;

    if (len >= 3 && memcmp(buf, NEWS_POST_BOM, 3) == 0) {
        ls.pos += 3;
    }

    if (news_post_front_matter(post, &ls) != NEWS_POST_OK) {
        return NEWS_POST_ERROR;
    }

    return news_post_content(post, &ls, ls.number - 1);
}


void
news_post_free(news_post_t *post)
{
    free(post->arena);
    post->arena = NULL;
    post->arena_size = 0;
    post->arena_used = 0;
}


/* the characters and length are the module's rule, news_slug_valid() */
int
news_post_valid_slug(const char *p, size_t len)
{
    /* "category" would shadow the /category/ URL prefix */
    if (len == 8 && memcmp(p, "category", 8) == 0) {
        return 0;
    }

    return news_slug_valid((const unsigned char *) p, len);
}


int
news_post_valid_info_code(const char *p, size_t len)
{
    size_t  i;

    /* the rule of sql/schema.sql's CHECK, as sql/gen_defs.sh read it */

    if (len < NEWS_INFO_CODE_LETTERS + NEWS_INFO_CODE_MIN_DIGITS
        || len > NEWS_INFO_CODE_LETTERS + NEWS_INFO_CODE_MAX_DIGITS)
    {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (i < NEWS_INFO_CODE_LETTERS) {
            if (p[i] < 'A' || p[i] > 'Z') {
                return 0;
            }

        } else if (p[i] < '0' || p[i] > '9') {
            return 0;
        }
    }

    return 1;
}


int
news_post_error(news_post_t *post, size_t line, const char *fmt, ...)
{
    va_list  args;

    post->err_line = line;

    va_start(args, fmt);
    vsnprintf(post->err, sizeof(post->err), fmt, args);
    va_end(args);

    return NEWS_POST_ERROR;
}


/* input text in a message: short, one line, no control bytes */
const char *
news_post_show(char *buf, size_t size, const char *p, size_t len)
{
    size_t  i, n;

    n = len;
    if (n > size - 4) {
        n = size - 4;

        /* never end inside a character */
        while (n > 0 && ((unsigned char) p[n] & 0xC0) == 0x80) {
            n--;
        }
    }

    for (i = 0; i < n; i++) {
        buf[i] = ((unsigned char) p[i] < 0x20 || p[i] == 0x7F) ? '?' : p[i];
    }

    if (n < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }

    buf[n] = '\0';

    return buf;
}


static size_t
news_post_line_of(const char *buf, size_t off)
{
    size_t  i, line;

    line = 1;

    for (i = 0; i < off; i++) {
        if (buf[i] == '\n') {
            line++;
        }
    }

    return line;
}


int
news_post_next_line(news_post_lines_t *ls, news_post_line_t *line)
{
    const char  *nl;

    if (ls->pos >= ls->end) {
        return 0;
    }

    nl = memchr(ls->pos, '\n', ls->end - ls->pos);

    line->data = ls->pos;
    line->len = (nl != NULL ? nl : ls->end) - ls->pos;
    line->number = ls->number;

    /* CRLF and LF files read the same */
    if (line->len > 0 && line->data[line->len - 1] == '\r') {
        line->len--;
    }

    ls->pos = (nl != NULL) ? nl + 1 : ls->end;
    ls->number++;

    return 1;
}


news_post_str_t
news_post_trim(const char *p, size_t len)
{
    news_post_str_t  s;

    while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\r'
                       || *p == '\f' || *p == '\v'))
    {
        p++;
        len--;
    }

    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'
                       || p[len - 1] == '\r' || p[len - 1] == '\f'
                       || p[len - 1] == '\v'))
    {
        len--;
    }

    s.data = p;
    s.len = len;

    return s;
}


/*
 * the body and the trailer: the last non-blank lines may be the share
 * link and the breadcrumb, in either order; what precedes is the body
 */
static int
news_post_content(news_post_t *post, news_post_lines_t *ls, size_t fm_end)
{
    char               show[48], show2[48];
    size_t             count, i, k, last;
    const char        *body_start, *body_end;
    news_post_str_t    code, slug, name, s, *leaf;
    news_post_line_t   ring[3], line, *share, *crumb;

    memset(ring, 0, sizeof(ring));
    count = 0;
    last = fm_end;
    body_start = NULL;
    body_end = NULL;

    while (news_post_next_line(ls, &line)) {
        last = line.number;

        s = news_post_trim(line.data, line.len);
        if (s.len == 0) {
            continue;
        }

        if (body_start == NULL) {
            body_start = line.data;
        }

        ring[2] = ring[1];
        ring[1] = ring[0];
        ring[0] = line;
        count++;
    }

    post->lines = last;

    share = NULL;
    crumb = NULL;
    k = 0;
    code.data = NULL;
    code.len = 0;
    slug = code;
    name = code;

    /* a third trailer-like line can only be a repeated one */
    for (i = 0; i < 3 && i < count; i++) {

        if (news_post_share_line(&ring[i], &s)) {
            if (share != NULL) {
                return news_post_error(post, ring[i].number, "a second "
                                       "share link line");
            }

            share = &ring[i];
            code = s;
            k++;
            continue;
        }

        if (news_post_crumb_line(&ring[i], &slug, &name)) {
            if (crumb != NULL) {
                return news_post_error(post, ring[i].number, "a second "
                                       "breadcrumb line");
            }

            crumb = &ring[i];
            k++;
            continue;
        }

        break;
    }

    if (count > k) {
        body_end = ring[k].data + ring[k].len;
        news_post_body(post, body_start, body_end);
    }

    if (share != NULL) {
        if (!news_post_valid_info_code(code.data, code.len)) {
            return news_post_error(post, share->number, "bad infoCode "
                                   "\"%s\" in the share link: it must "
                                   "match " NEWS_INFO_CODE_PATTERN,
                                   news_post_show(show, sizeof(show),
                                                  code.data, code.len));
        }

        if (post->info_code.len > 0
            && (post->info_code.len != code.len
                || memcmp(post->info_code.data, code.data, code.len) != 0))
        {
            return news_post_error(post, share->number, "infoCode %s of "
                                   "the share link differs from info_code "
                                   "%s of the front matter",
                                   news_post_show(show, sizeof(show),
                                                  code.data, code.len),
                                   news_post_show(show2, sizeof(show2),
                                                  post->info_code.data,
                                                  post->info_code.len));
        }

        post->info_code = code;
        post->has_share_link = 1;

    } else if (post->info_code.len == 0) {
        return news_post_error(post, last, "no info code: neither a share "
                               "link line with infoCode= nor info_code in "
                               "the front matter");
    }

    if (crumb != NULL) {
        if (!news_post_valid_slug(slug.data, slug.len)) {
            return news_post_error(post, crumb->number, "bad category slug "
                                   "\"%s\" in the breadcrumb",
                                   news_post_show(show, sizeof(show),
                                                  slug.data, slug.len));
        }

        if (name.len > NEWS_POST_MAX_NAME) {
            return news_post_error(post, crumb->number, "category name in "
                                   "the breadcrumb is longer than %d bytes",
                                   NEWS_POST_MAX_NAME);
        }

        if (post->ncategories > 0) {
            leaf = &post->categories[post->ncategories - 1];

            if (leaf->len != slug.len
                || memcmp(leaf->data, slug.data, slug.len) != 0)
            {
                return news_post_error(post, crumb->number, "breadcrumb "
                                       "category \"%s\" differs from \"%s\", "
                                       "the last of the front matter "
                                       "categories",
                                       news_post_show(show, sizeof(show),
                                                      slug.data, slug.len),
                                       news_post_show(show2, sizeof(show2),
                                                      leaf->data,
                                                      leaf->len));
            }

        } else {
            post->categories[0] = slug;
            post->ncategories = 1;
            post->categories_line = crumb->number;
        }

        post->category_name = (name.len > 0) ? name : slug;
        post->has_breadcrumb = 1;

    } else if (post->ncategories == 0) {
        return news_post_error(post, last, "no category: neither a "
                               "breadcrumb line nor categories in the front "
                               "matter");

    } else {
        post->category_name = post->categories[post->ncategories - 1];
    }

    if (post->summary.len == 0) {
        news_post_derive_summary(post);
    }

    if (post->source_name.len == 0) {
        news_post_derive_source(post);
    }

    return NEWS_POST_OK;
}


static int
news_post_share_line(news_post_line_t *line, news_post_str_t *code)
{
    const char       *p, *q, *end, *amp, *arg_end;
    news_post_str_t   s;

    s = news_post_trim(line->data, line->len);
    p = s.data;
    end = p + s.len;

    if (p < end && *p == '<') {
        if (end - p < 2 || end[-1] != '>') {
            return 0;
        }

        p++;
        end--;
    }

    for (q = p; q < end; q++) {
        if ((unsigned char) *q <= 0x20 || *q == 0x7F) {
            return 0;
        }
    }

    /* any scheme, or none ("//host/..."), but a host */
    if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
        p += 2;

    } else {
        q = p;

        if (q == end
            || !((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
        {
            return 0;
        }

        while (q < end
               && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')
                   || (*q >= '0' && *q <= '9') || *q == '+' || *q == '.'
                   || *q == '-'))
        {
            q++;
        }

        if (end - q < 3 || memcmp(q, "://", 3) != 0) {
            return 0;
        }

        p = q + 3;
    }

    if (p == end || *p == '/' || *p == '?') {
        return 0;
    }

    q = memchr(p, '#', end - p);
    if (q != NULL) {
        end = q;
    }

    q = memchr(p, '?', end - p);
    if (q == NULL) {
        return 0;
    }

    q++;

    while (q < end) {
        amp = memchr(q, '&', end - q);
        arg_end = (amp != NULL) ? amp : end;

        if (arg_end - q >= 9 && memcmp(q, "infoCode=", 9) == 0) {
            code->data = q + 9;
            code->len = arg_end - (q + 9);
            return 1;
        }

        q = (amp != NULL) ? amp + 1 : end;
    }

    return 0;
}


static int
news_post_crumb_line(news_post_line_t *line, news_post_str_t *slug,
    news_post_str_t *name)
{
    const char       *p, *q, *end, *text, *text_end, *t, *t_end;
    news_post_str_t   s;

    s = news_post_trim(line->data, line->len);
    p = s.data;
    end = p + s.len;

    if (p == end || *p != '[') {
        return 0;
    }

    text = p + 1;
    text_end = memchr(text, ']', end - text);
    if (text_end == NULL || text_end + 1 == end || text_end[1] != '(') {
        return 0;
    }

    t = text_end + 2;
    t_end = memchr(t, ')', end - t);
    if (t_end == NULL) {
        return 0;
    }

    /* the first link, then nothing or a separator and the home link */
    for (q = t_end + 1; q < end && (*q == ' ' || *q == '\t'); q++) {
        /* void */
    }

    if (q < end && *q != '|'
        && (end - q < 3 || memcmp(q, NEWS_POST_FULLWIDTH_BAR, 3) != 0))
    {
        return 0;
    }

    for (q = t; q < t_end; q++) {
        if (*q == '?' || *q == '#') {
            t_end = q;
            break;
        }
    }

    if (t_end - t >= 2 && t[0] == '/' && t[1] == '/') {
        t = memchr(t + 2, '/', t_end - (t + 2));
        if (t == NULL) {
            return 0;
        }

    } else if (t < t_end && *t != '/') {
        q = memchr(t, ':', t_end - t);
        if (q == NULL || t_end - q < 3 || q[1] != '/' || q[2] != '/') {
            return 0;
        }

        t = memchr(q + 3, '/', t_end - (q + 3));
        if (t == NULL) {
            return 0;
        }
    }

    if (t_end - t < 15 || memcmp(t, "/category/", 10) != 0
        || memcmp(t_end - 5, ".html", 5) != 0)
    {
        return 0;
    }

    slug->data = t + 10;
    slug->len = (t_end - 5) - (t + 10);

    s = news_post_trim(text, text_end - text);
    if (s.len >= 6 && memcmp(s.data, NEWS_POST_BACK, 6) == 0) {
        s = news_post_trim(s.data + 6, s.len - 6);
    }

    *name = s;

    return 1;
}


/* the body as stored: LF line ends, whatever the file had */
static void
news_post_body(news_post_t *post, const char *start, const char *end)
{
    char        *dst;
    const char  *p, *cr;

    post->body.data = start;
    post->body.len = end - start;

    cr = memchr(start, '\r', end - start);
    if (cr == NULL) {
        return;
    }

    /* the arena holds at least the file's size beyond what was used */
    if (post->arena_size - post->arena_used < (size_t) (end - start)) {
        return;
    }

    dst = post->arena + post->arena_used;
    post->body.data = dst;

    for (p = start; p < end; p++) {
        if (*p == '\r' && p + 1 < end && p[1] == '\n') {
            continue;
        }

        *dst++ = *p;
    }

    post->body.len = dst - post->body.data;
    post->arena_used += post->body.len;
}
