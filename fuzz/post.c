
/*
 * Copyright (C) ngx_news_module authors
 *
 * libFuzzer target: newsctl's post parser, news_post_parse() of
 * newsctl/news_post.h, on any bytes: posts come from authors' files and
 * whatever converted them.
 *
 * Checked for each input, beyond ASan and UBSan: the result is OK or
 * ERROR; an error has a message, NUL-terminated, and a line inside the
 * file; a parsed post keeps the header's promises: every string is a
 * slice of the input or of the used part of its arena, valid UTF-8
 * without NUL; at least one category, every one a valid slug; the info
 * code valid; counts within their maximums; published_at in the form
 * "YYYY-MM-DD HH:MM:SS+HH:MM".
 */


#include <string.h>

#include "news_post.h"
#include "fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const news_post_t *post, const news_post_str_t *s,
    const char *buf, size_t size, const char *what);
static void check_date(const char *d);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    news_post_t   post;
    size_t        i, lines;
    char         *buf;
    int           rc;

    /* an allocation of exactly size bytes: ASan sees a read past it */
    buf = malloc(size ? size : 1);
    if (buf == NULL) {
        return 0;
    }

    memcpy(buf, data, size);

    lines = 1;
    for (i = 0; i < size; i++) {
        lines += (buf[i] == '\n');
    }

    rc = news_post_parse(&post, buf, size);

    fuzz_check(rc == NEWS_POST_OK || rc == NEWS_POST_ERROR, "the result");
    fuzz_check(post.arena_used <= post.arena_size, "the arena");

    if (rc == NEWS_POST_ERROR) {
        fuzz_check(memchr(post.err, '\0', sizeof(post.err)) != NULL
                   && post.err[0] != '\0', "an error says why");
        fuzz_check(post.err_line <= lines, "an error's line is in the file");
        goto done;
    }

    fuzz_check(post.lines <= lines, "the post's lines");

    check_str(&post, &post.info_code, buf, size, "info_code");
    check_str(&post, &post.title, buf, size, "title");
    check_str(&post, &post.summary, buf, size, "summary");
    check_str(&post, &post.body, buf, size, "body");
    check_str(&post, &post.source_name, buf, size, "source_name");
    check_str(&post, &post.source_url, buf, size, "source_url");
    check_str(&post, &post.category_name, buf, size, "category_name");

    fuzz_check(news_post_valid_info_code(post.info_code.data,
                                         post.info_code.len),
               "a valid info code");
    fuzz_check(post.title.len <= NEWS_POST_MAX_TITLE, "the title's length");

    fuzz_check(post.ncategories >= 1
               && post.ncategories <= NEWS_POST_MAX_CATEGORIES,
               "one category or more, not too many");

    for (i = 0; i < post.ncategories; i++) {
        check_str(&post, &post.categories[i], buf, size, "category");
        fuzz_check(news_post_valid_slug(post.categories[i].data,
                                        post.categories[i].len),
                   "categories are valid slugs");
    }

    fuzz_check(post.ntags <= NEWS_POST_MAX_TAGS, "not too many tags");

    for (i = 0; i < post.ntags; i++) {
        check_str(&post, &post.tags[i], buf, size, "tag");
    }

    fuzz_check(post.categories_line <= lines, "the categories' line");

    check_date(post.published_at);

done:

    news_post_free(&post);
    free(buf);

    return 0;
}


static void
check_str(const news_post_t *post, const news_post_str_t *s,
    const char *buf, size_t size, const char *what)
{
    int  in_buf, in_arena;

    if (s->len == 0) {
        return;
    }

    in_buf = s->data >= buf && s->data <= buf + size
             && s->len <= (size_t) (buf + size - s->data);

    in_arena = post->arena != NULL && s->data >= post->arena
               && s->data <= post->arena + post->arena_used
               && s->len <= (size_t) (post->arena + post->arena_used
                                      - s->data);

    if (!in_buf && !in_arena) {
        fprintf(stderr, "post: %s outside the input and the arena\n", what);
        abort();
    }

    if (memchr(s->data, '\0', s->len) != NULL) {
        fprintf(stderr, "post: NUL in %s\n", what);
        abort();
    }

    if (!fuzz_utf8_valid((const unsigned char *) s->data, s->len)) {
        fprintf(stderr, "post: %s is not UTF-8\n", what);
        abort();
    }
}


/* "YYYY-MM-DD HH:MM:SS+HH:MM" */

static void
check_date(const char *d)
{
    size_t       i;
    const char  *form = "dddd-dd-dd dd:dd:dd+dd:dd";

    fuzz_check(strlen(d) == NEWS_POST_DATE_LEN, "published_at's length");

    for (i = 0; i < NEWS_POST_DATE_LEN; i++) {
        if (form[i] == 'd') {
            fuzz_check(d[i] >= '0' && d[i] <= '9', "published_at's form");

        } else if (form[i] == '+') {
            fuzz_check(d[i] == '+' || d[i] == '-', "published_at's form");

        } else {
            fuzz_check(d[i] == form[i], "published_at's form");
        }
    }
}
