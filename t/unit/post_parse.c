/*
 * post_parse: unit tests of newsctl's post parser (newsctl/news_post*.c),
 * printing TAP for prove.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "news_post.h"
#include "tap.h"


#define SHARE  "<http://finews.zning.xyz/html_News/NewsShare.html" \
               "?infoCode=NW202203042297567012>\n"
#define CRUMB  "[\xE8\xBF\x94\xE5\x9B\x9E\xE6\x96\xB0\xE5\x8D\x8E\xE7\xBD" \
               "\x91\xE6\x96\xB0\xE9\x97\xBB](//finews.withounder.com/" \
               "category/xinhuawang.html)\xEF\xBD\x9C[\xE8\xBF\x94\xE5\x9B" \
               "\x9E\xE9\xA6\x96\xE9\xA1\xB5](//finews.withounder.com/)"
#define FM     "---\nlayout: post\ntitle: \"Hello\"\n" \
               "date: 2022-03-04 20:46:41 +0800\ncategories: xinhuawang\n" \
               "tags: news\n---\n"
#define BODY   "<p>First paragraph.</p>\n <p>Second. " \
               "\xEF\xBC\x88\xE6\x96\x87\xE7\xAB\xA0\xE6\x9D\xA5\xE6\xBA" \
               "\x90\xEF\xBC\x9A\xE6\x96\xB0\xE5\x8D\x8E\xE7\xBD\x91\xEF" \
               "\xBC\x89</p>\n"
#define POST   FM BODY "\n" SHARE "\n" CRUMB

/* "新华网新闻" and "新华网" */
#define XHW_NEWS  "\xE6\x96\xB0\xE5\x8D\x8E\xE7\xBD\x91\xE6\x96\xB0\xE9\x97\xBB"
#define XHW       "\xE6\x96\xB0\xE5\x8D\x8E\xE7\xBD\x91"




static int eq(news_post_str_t *s, const char *want);
static int parse(news_post_t *post, const char *src);
static void parse_ok(const char *src, const char *name);
static void parse_err(const char *src, size_t line, const char *msg,
    const char *name);
static char *crlf(const char *src);
static void test_seed_like(void);
static void test_line_ends(void);
static void test_values(void);
static void test_lists(void);
static void test_dates(void);
static void test_slugs(void);
static void test_trailer(void);
static void test_errors(void);
static void test_summary_source(void);
static void test_robust(void);


int
main(void)
{
    test_seed_like();
    test_line_ends();
    test_values();
    test_lists();
    test_dates();
    test_slugs();
    test_trailer();
    test_errors();
    test_summary_source();
    test_robust();

    return tap_done();
}


static int
eq(news_post_str_t *s, const char *want)
{
    size_t  len;

    len = strlen(want);

    if (s->len == len && (len == 0 || memcmp(s->data, want, len) == 0)) {
        return 1;
    }

    printf("# got \"%.*s\", want \"%s\"\n", (int) s->len,
           s->data ? s->data : "", want);

    return 0;
}


static int
parse(news_post_t *post, const char *src)
{
    int  rc;

    rc = news_post_parse(post, src, strlen(src));
    if (rc != NEWS_POST_OK) {
        printf("# error at line %zu: %s\n", post->err_line, post->err);
    }

    return rc;
}


static void
parse_ok(const char *src, const char *name)
{
    news_post_t  post;

    ok(parse(&post, src) == NEWS_POST_OK, "%s parses", name);
    news_post_free(&post);
}


static void
parse_err(const char *src, size_t line, const char *msg, const char *name)
{
    int          rc;
    news_post_t  post;

    rc = news_post_parse(&post, src, strlen(src));

    if (rc == NEWS_POST_OK || post.err_line != line
        || strstr(post.err, msg) == NULL)
    {
        printf("# rc %d, line %zu, \"%s\"; want line %zu, \"%s\"\n", rc,
               post.err_line, post.err, line, msg);
        rc = NEWS_POST_OK;
    }

    ok(rc != NEWS_POST_OK, "%s: error at line %zu", name, line);
    news_post_free(&post);
}


static char *
crlf(const char *src)
{
    char    *out, *p;
    size_t   len;

    len = strlen(src);
    out = malloc(len * 2 + 1);
    if (out == NULL) {
        abort();
    }

    for (p = out; *src; src++) {
        if (*src == '\n') {
            *p++ = '\r';
        }

        *p++ = *src;
    }

    *p = '\0';

    return out;
}


static void
test_seed_like(void)
{
    news_post_t  post;

    ok(parse(&post, POST) == NEWS_POST_OK, "seed-like post parses");
    ok(eq(&post.title, "Hello"), "title");
    ok(strcmp(post.published_at, "2022-03-04 20:46:41+08:00") == 0,
       "published_at %s", post.published_at);
    ok(eq(&post.info_code, "NW202203042297567012"), "info code from share");
    ok(post.ncategories == 1 && eq(&post.categories[0], "xinhuawang"),
       "category path");
    ok(eq(&post.category_name, XHW_NEWS), "category name from breadcrumb");
    ok(post.has_breadcrumb && post.has_share_link, "trailer lines seen");
    ok(post.ntags == 1 && eq(&post.tags[0], "news"), "tags");
    ok(eq(&post.source_name, XHW), "source from the body");
    ok(eq(&post.summary, "First paragraph."), "summary from first <p>");
    ok(post.published == 1, "published by default");
    ok(post.body.len > 0 && post.body.data[post.body.len - 1] == '>'
       && memcmp(post.body.data, "<p>First", 8) == 0,
       "body starts and ends right");
    ok(memchr(post.body.data, '[', post.body.len) == NULL
       && strstr(post.body.data, "infoCode") != post.body.data,
       "body holds no trailer line");
    ok(post.body.len == strlen(BODY) - 1, "body is the body without its "
       "final newline");
    news_post_free(&post);

    /* "---" at the end of the front matter may carry blanks */
    parse_ok("---   \ntitle: t\ndate: 2022-01-01 00:00\n---\t\n" SHARE CRUMB,
             "fences with trailing blanks");
}


static void
test_line_ends(void)
{
    char         *src;
    news_post_t   a, b;

    parse(&a, POST);

    src = crlf(POST);
    ok(parse(&b, src) == NEWS_POST_OK, "CRLF post parses");
    ok(b.body.len == a.body.len
       && memcmp(a.body.data, b.body.data, a.body.len) == 0,
       "CRLF body is stored with LF");
    ok(eq(&b.title, "Hello") && eq(&b.category_name, XHW_NEWS)
       && eq(&b.info_code, "NW202203042297567012")
       && eq(&b.summary, "First paragraph."),
       "CRLF values are the same");
    news_post_free(&b);

    src = realloc(src, strlen(POST) + 4);
    if (src == NULL) {
        abort();
    }

    memcpy(src, "\xEF\xBB\xBF", 3);
    memcpy(src + 3, POST, strlen(POST) + 1);

    ok(parse(&b, src) == NEWS_POST_OK, "BOM post parses");
    ok(b.body.len == a.body.len
       && memcmp(a.body.data, b.body.data, a.body.len) == 0
       && eq(&b.title, "Hello"), "BOM post is the same");
    news_post_free(&b);
    free(src);

    /* blank lines before the body and around the trailer go */
    ok(parse(&b, FM "\n\n  \n<p>x</p>\n\n\n" SHARE "\n\n" CRUMB "\n\n")
       == NEWS_POST_OK && eq(&b.body, "<p>x</p>"),
       "leading and trailing blank lines are trimmed");
    news_post_free(&b);

    news_post_free(&a);
}


static void
test_values(void)
{
    news_post_t  post;

    ok(parse(&post, "---\ntitle: \"a \\\"q\\\" \\\\ \\n\\t\\u00e9\\ud83d"
             "\\ude00\" # c\ndate: 2022-03-04 20:46\nsource: 'it''s'\n"
             "source_url: https://example.com/a?b=c\n"
             "summary: plain#not a comment# # a comment\n"
             "published: false\ninfo_code: AB12345678\n"
             "category: news\n---\nbody\n") == NEWS_POST_OK,
       "quoted and plain values parse");
    ok(eq(&post.title, "a \"q\" \\ \n\t\xC3\xA9\xF0\x9F\x98\x80"),
       "double-quoted escapes");
    ok(eq(&post.source_name, "it's"), "single-quoted ''");
    ok(eq(&post.summary, "plain#not a comment#"), "# after a blank ends a "
       "plain value");
    ok(eq(&post.source_url, "https://example.com/a?b=c"), "source_url");
    ok(post.published == 0, "published: false is a draft");
    ok(eq(&post.info_code, "AB12345678"), "info_code from front matter");
    ok(eq(&post.category_name, "news") && post.ncategories == 1,
       "category from front matter names itself");
    ok(!post.has_breadcrumb && !post.has_share_link, "no trailer lines");
    ok(eq(&post.body, "body"), "body");
    ok(strcmp(post.published_at, "2022-03-04 20:46:00+00:00") == 0,
       "no seconds, no offset");
    news_post_free(&post);

    ok(parse(&post, "---\ntitle:\n  'next line'\ndate: 2022-03-04 20:46\n"
             "editor:\n  name: x\n  - y\nunknown: [ \"\n"
             "info_code: AB12345678\ncategories: a\n---\n") == NEWS_POST_OK
       && eq(&post.title, "next line"),
       "value on the next line; unknown keys are skipped whatever they hold");
    news_post_free(&post);

    ok(parse(&post, "---\ntitle: t\ndate: 2022-03-04 20:46\n"
             "author: 新华社记者 王明\nimage: /img/a.jpg\n"
             "info_code: AB12345678\ncategories: a\n---\n") == NEWS_POST_OK
       && eq(&post.author, "新华社记者 王明")
       && eq(&post.image_url, "/img/a.jpg"),
       "author and image");
    news_post_free(&post);

    ok(parse(&post, "---\ntitle: t\ndate: 2022-03-04 20:46\n"
             "image: \"https://x.example/a.jpg\"\n"
             "info_code: AB12345678\ncategories: a\n---\n") == NEWS_POST_OK
       && eq(&post.image_url, "https://x.example/a.jpg"),
       "an absolute image URL");
    news_post_free(&post);

    ok(parse(&post, "---\ntitle: t\ndate: 2022-03-04 20:46\n"
             "image: javascript:alert(1)\n"
             "info_code: AB12345678\ncategories: a\n---\n") == NEWS_POST_ERROR
       && post.err_line == 4 && strstr(post.err, "image must be") != NULL,
       "an image that is no URL: error at its line");
    news_post_free(&post);

    ok(parse(&post, "---\ntitle: t\ndate: 2022-03-04 20:46\n"
             "image: '/a\"><script>'\n"
             "info_code: AB12345678\ncategories: a\n---\n") == NEWS_POST_ERROR
       && strstr(post.err, "quote") != NULL,
       "an image with a quote: error");
    news_post_free(&post);
}


static void
test_lists(void)
{
    news_post_t  post;

    ok(parse(&post, "---\ntitle: t\ndate: 2022-03-04 20:46\n"
             "categories: [finance, \"banking\", 'digital-banking']\n"
             "tags:\n  - one tag  # c\n  - \"two\"\n-   'three'\n"
             "info_code: AB12345678\n---\n<p>b</p>\n"
             "[\xE8\xBF\x94\xE5\x9B\x9E" "Digital](/category/"
             "digital-banking.html) | [home](/)\n") == NEWS_POST_OK,
       "flow and block lists parse");
    ok(post.ncategories == 3 && eq(&post.categories[0], "finance")
       && eq(&post.categories[1], "banking")
       && eq(&post.categories[2], "digital-banking"), "category path");
    ok(eq(&post.category_name, "Digital"), "leaf named by the breadcrumb");
    ok(post.ntags == 3 && eq(&post.tags[0], "one tag")
       && eq(&post.tags[1], "two") && eq(&post.tags[2], "three"),
       "block list of tags");
    news_post_free(&post);

    ok(parse(&post, "---\ntitle: t\ndate: 2022-03-04 20:46\n"
             "categories: a  b\tc\ntags: x y  z\n"
             "info_code: AB12345678\n---\n") == NEWS_POST_OK
       && post.ncategories == 3 && eq(&post.categories[2], "c")
       && post.ntags == 3 && eq(&post.tags[1], "y"),
       "scalars split on blanks as Jekyll does");
    news_post_free(&post);

    ok(parse(&post, "---\ntitle: t\ndate: 2022-03-04 20:46\n"
             "categories: []\ntags: [a, b, ]\n"
             "info_code: AB12345678\n---\n" CRUMB) == NEWS_POST_OK
       && post.ncategories == 1 && post.ntags == 2,
       "empty list and a trailing comma");
    news_post_free(&post);

    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\ntags: [a, b\n---\n",
              4, "must close", "unclosed flow list");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\ntags: [a, [b]]\n"
              "---\n", 4, "nested", "nested flow list");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\ntags:\n - a\n"
              " - [b]\n---\n", 6, "nested", "nested block list");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\ntags: x\n  - a\n"
              "---\n", 5, "list item after", "list item after a value");
    parse_err("---\ntitle: [a, b]\ndate: 2022-03-04 20:46\n---\n", 2,
              "not a list", "a list for a scalar key");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\ncategories:\n"
              "  - good\n  - Bad\n---\n", 6, "bad category slug",
              "a bad slug in a block list names its line");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\ncategories: "
              "a b c d e f g h i j k l m n o p q\n---\n", 4, "deeper",
              "category path too deep");
}


/* the module's rule (news_slug_valid), and "category" refused on top */
static void
test_slugs(void)
{
    size_t  i;
    char    long_slug[66];

    static const char  *good[] = {
        "a", "xinhuawang", "digital-banking", "a_b", "0", "categorya",
        "categor", "-"
    };

    static const char  *bad[] = {
        "", "category", "Xinhua", "a b", "a/b", "a.b",
        "\xE6\x96\xB0"
    };

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ok(news_post_valid_slug(good[i], strlen(good[i])),
           "slug \"%s\" is valid", good[i]);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ok(!news_post_valid_slug(bad[i], strlen(bad[i])),
           "slug \"%s\" is not", bad[i]);
    }

    memset(long_slug, 'a', sizeof(long_slug));

    ok(news_post_valid_slug(long_slug, 64),
       "a slug of 64 characters is valid");
    ok(!news_post_valid_slug(long_slug, 65),
       "a slug of 65 is not");
}


static void
test_dates(void)
{
    size_t  i;
    char    out[NEWS_POST_DATE_LEN + 1];

    static const char  *good[][2] = {
        { "2022-03-04 20:46:41 +0800", "2022-03-04 20:46:41+08:00" },
        { "2022-03-04 20:46:41 +08:00", "2022-03-04 20:46:41+08:00" },
        { "2022-03-04 20:46:41+08:00", "2022-03-04 20:46:41+08:00" },
        { "2022-03-04T20:46:41Z", "2022-03-04 20:46:41+00:00" },
        { "2022-03-04 20:46", "2022-03-04 20:46:00+00:00" },
        { "2022-03-04 20:46 -0530", "2022-03-04 20:46:00-05:30" },
        { "2022-03-04 20:46 -00:00", "2022-03-04 20:46:00+00:00" },
        { "2022-03-04 9:05:01 +14:00", "2022-03-04 09:05:01+14:00" },
        { "2020-02-29 00:00:00", "2020-02-29 00:00:00+00:00" },
        { "2000-02-29 23:59:59 +08", "2000-02-29 23:59:59+08:00" }
    };

    static const char  *bad[] = {
        "2022-13-01 00:00", "2022-00-01 00:00", "2021-02-29 00:00",
        "1900-02-29 00:00", "2022-04-31 00:00", "2022-03-04 24:00",
        "2022-03-04 23:60", "2022-03-04 23:59:60", "2022-03-04 20:46 +1401",
        "2022-03-04 20:46 +1260", "2022-03-04", "2022-3-4 20:46",
        "2022-03-04 20:46:41 +08:", "2022-03-04 20:46:41 CST",
        "2022-03-04 20:46:41.5", "0000-01-01 00:00", "yesterday", ""
    };

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        memset(out, 0, sizeof(out));
        ok(news_post_parse_date(good[i][0], strlen(good[i][0]), out)
           == NEWS_POST_OK && strcmp(out, good[i][1]) == 0,
           "date \"%s\" is \"%s\" (got \"%s\")", good[i][0], good[i][1],
           out);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ok(news_post_parse_date(bad[i], strlen(bad[i]), out)
           == NEWS_POST_ERROR, "date \"%s\" is refused", bad[i]);
    }

    parse_err("---\ntitle: t\ndate: 2022-02-30 10:00\n---\n", 3,
              "bad date", "a bad date names its line");
}


static void
test_trailer(void)
{
    news_post_t  post;

    ok(parse(&post, FM "<p>b</p>\n" CRUMB "\n" SHARE) == NEWS_POST_OK
       && eq(&post.body, "<p>b</p>") && post.has_breadcrumb
       && post.has_share_link, "trailer lines in the other order");
    news_post_free(&post);

    ok(parse(&post, FM "<p>b</p>\n"
             "https://other.example/x?a=1&infoCode=XY0123456789#top\n"
             "[Other](https://h.example/category/xinhuawang.html?x#y)\n")
       == NEWS_POST_OK && eq(&post.info_code, "XY0123456789")
       && eq(&post.category_name, "Other") && eq(&post.body, "<p>b</p>"),
       "any scheme and host, no brackets, no separator");
    news_post_free(&post);

    ok(parse(&post, "---\ntitle: t\ndate: 2022-03-04 20:46\n---\n"
             "<p>b</p>\n" SHARE CRUMB) == NEWS_POST_OK
       && post.ncategories == 1 && eq(&post.categories[0], "xinhuawang"),
       "category from the breadcrumb alone");
    news_post_free(&post);

    ok(parse(&post, "---\ntitle: t\ndate: 2022-03-04 20:46\n"
             "info_code: NW202203042297567012\ncategory: xinhuawang\n---\n"
             "<p>b</p>\n" SHARE CRUMB) == NEWS_POST_OK,
       "front matter and trailer agreeing");
    news_post_free(&post);

    ok(parse(&post, FM SHARE CRUMB) == NEWS_POST_OK && post.body.len == 0
       && post.summary.len == 0 && post.source_name.len == 0,
       "empty body");
    news_post_free(&post);

    parse_err(FM "<p>b</p>\n" SHARE SHARE CRUMB, 9, "second share",
              "two share links");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\n"
              "info_code: NW202203042297567013\n---\n<p>b</p>\n" SHARE CRUMB,
              7, "differs", "info codes disagree");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\ncategories: [a, b]\n"
              "---\n<p>b</p>\n" SHARE CRUMB, 8, "differs",
              "breadcrumb and categories disagree");
    parse_err(FM "<p>b</p>\n<http://h/x?infoCode=nw123>\n" CRUMB, 9,
              "bad infoCode", "bad infoCode");
    parse_err(FM "<p>b</p>\n" SHARE "[x](/category/Bad.html)\n", 10,
              "bad category slug", "bad breadcrumb slug");
    parse_err(FM "<p>b</p>\n" SHARE "[x](/category/category.html)\n", 10,
              "bad category slug", "\"category\" is no slug");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\n---\n<p>b</p>\n"
              CRUMB "\n\n", 7, "no info code", "no info code");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\n---\n<p>b</p>\n"
              SHARE, 6, "no category", "no category");
}


static void
test_errors(void)
{
    size_t  i;
    char    title[1024];

    parse_err("", 1, "starts with", "empty file");
    parse_err("title: t\n", 1, "starts with", "no front matter");
    parse_err("\n---\ntitle: t\n", 1, "starts with", "blank first line");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\n", 1,
              "not terminated", "unterminated front matter");
    parse_err("---\ndate: 2022-03-04 20:46\n---\n" SHARE CRUMB, 3,
              "no title", "missing title");
    parse_err("---\ntitle: t\n---\n" SHARE CRUMB, 3, "no date",
              "missing date");
    parse_err("---\ntitle: '  '\ndate: 2022-03-04 20:46\n---\n", 2,
              "empty", "blank title");
    parse_err("---\ntitle: t\ntitle: u\n---\n", 3, "twice",
              "duplicate key");
    parse_err("---\ntags: a\ntag: b\n---\n", 3, "twice",
              "duplicate key through an alias");
    parse_err("---\ntitle: \"open\n---\n", 2, "unterminated",
              "unterminated double quote");
    parse_err("---\ntitle: 'open\n---\n", 2, "unterminated",
              "unterminated single quote");
    parse_err("---\ntitle: \"a\\qb\"\n---\n", 2, "unknown escape",
              "unknown escape");
    parse_err("---\ntitle: \"\\ud800\"\n---\n", 2, "surrogate",
              "lone surrogate escape");
    parse_err("---\ntitle: \"\\u0000\"\n---\n", 2, "NUL", "\\u0000");
    parse_err("---\ntitle: \"a\" b\n---\n", 2, "unexpected text",
              "text after a quoted value");
    parse_err("---\ntitle: |\n  a\n---\n", 2, "block scalars",
              "block scalar");
    parse_err("---\ntitle: a\n  b\n---\n", 3, "multi-line",
              "plain multi-line value");
    parse_err("---\ntitle: t\nnot a key\n---\n", 3, "key: value",
              "line without a key");
    parse_err("---\ntitle: t\nurl:http://x\n---\n", 3, "key: value",
              "key without a blank after the colon");
    parse_err("---\n- a\n---\n", 2, "before any key", "item without key");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\npublished: maybe\n"
              "---\n", 4, "true or false", "published not a boolean");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\n"
              "source_url: ftp://x/y\n---\n", 4, "http", "ftp source_url");
    parse_err("---\ntitle: t\ndate: 2022-03-04 20:46\n"
              "info_code: nw12345678\n---\n", 4, "bad info_code",
              "bad info_code");
    parse_err("---\ntitle: t\n\xC3\x28\n---\n", 3, "UTF-8",
              "invalid UTF-8");
    parse_err("---\ntitle: t\n\xED\xA0\x80\n---\n", 3, "UTF-8",
              "UTF-8 surrogate");
    parse_err("---\ntitle: t\n\xE0\x80\xAF\n---\n", 3, "UTF-8",
              "overlong UTF-8");
    parse_err("---\ntitle: t\n\xF0\x9F\x98\n", 3, "UTF-8",
              "truncated UTF-8 at the end");

    {
        news_post_t  post;
        const char   src[] = "---\ntitle: t\nx\0y\n---\n";

        ok(news_post_parse(&post, src, sizeof(src) - 1) == NEWS_POST_ERROR
           && post.err_line == 3 && strstr(post.err, "NUL") != NULL,
           "NUL byte: error at line 3");
        news_post_free(&post);
    }

    memcpy(title, "---\ntitle: ", 11);
    for (i = 11; i < 11 + 501; i++) {
        title[i] = 'x';
    }
    strcpy(title + i, "\ndate: 2022-03-04 20:46\n---\n");
    parse_err(title, 2, "longer than", "title of 501 bytes");

    strcpy(title + 11 + 500, "\ndate: 2022-03-04 20:46\n---\n" SHARE CRUMB);
    parse_ok(title, "title of 500 bytes");
}


static void
test_summary_source(void)
{
    size_t        i, chars;
    char          src[4096], *p;
    news_post_t   post;

    ok(parse(&post, FM "<div>x</div>\n<p> <img src=a> </p><P class=\"c\">"
             "a  <b>bold</b>\n&amp; &lt;tag&gt; &#x4e2d;&#25991;&nbsp;b"
             "<br>c</p>\n" SHARE CRUMB) == NEWS_POST_OK
       && eq(&post.summary, "a bold & <tag> \xE4\xB8\xAD\xE6\x96\x87 b c"),
       "summary: first <p> with text, tags stripped, entities decoded");
    news_post_free(&post);

    /* 130 three-byte characters: cut at 120 and marked */
    p = src + sprintf(src, "%s<p>", FM);
    for (i = 0; i < 130; i++) {
        memcpy(p, "\xE4\xB8\xAD", 3);
        p += 3;
    }
    strcpy(p, "</p>\n" SHARE CRUMB);

    ok(parse(&post, src) == NEWS_POST_OK, "long paragraph parses");
    for (i = 0, chars = 0; i < post.summary.len; i++) {
        if (((unsigned char) post.summary.data[i] & 0xC0) != 0x80) {
            chars++;
        }
    }
    ok(chars == 121 && post.summary.len == 120 * 3 + 3
       && memcmp(post.summary.data + 360, "\xE2\x80\xA6", 3) == 0,
       "summary cut to 120 characters and an ellipsis");
    news_post_free(&post);

    p = src + sprintf(src, "%s<p>", FM);
    for (i = 0; i < 120; i++) {
        *p++ = 'a';
    }
    strcpy(p, "</p>\n" SHARE CRUMB);
    ok(parse(&post, src) == NEWS_POST_OK && post.summary.len == 120,
       "120 characters stay uncut");
    news_post_free(&post);

    ok(parse(&post, "---\ntitle: t\ndate: 2022-03-04 20:46\n"
             "description: Given.\nsource: Mine\n---\n<p>Not this.</p>\n"
             "<p>(" XHW ")</p>\n" SHARE CRUMB) == NEWS_POST_OK
       && eq(&post.summary, "Given.") && eq(&post.source_name, "Mine"),
       "front matter summary and source win");
    news_post_free(&post);

    ok(parse(&post, FM "<p>x (\xE6\x9D\xA5\xE6\xBA\x90: People )</p>\n"
             SHARE CRUMB) == NEWS_POST_OK
       && eq(&post.source_name, "People"), "source in ASCII parentheses");
    news_post_free(&post);

    ok(parse(&post, FM "<p>\xE6\x9D\xA5\xE6\xBA\x90\xEF\xBC\x9Anowhere</p>\n"
             SHARE CRUMB) == NEWS_POST_OK && post.source_name.len == 0,
       "no source without parentheses");
    news_post_free(&post);
}


/* any bytes: never a crash, an overread (run under ASan) or a hang */
static void
test_robust(void)
{
    char          *src, *buf;
    size_t         len, i, n, survived;
    unsigned       x;
    news_post_t    post;

    src = crlf(POST "\n---\n\"'[]{}#:\\u- \n");
    len = strlen(src);

    buf = malloc(len + 1);
    if (buf == NULL) {
        abort();
    }

    survived = 0;

    /* every prefix, copied to an exact-size buffer */
    for (i = 0; i <= len; i++) {
        char  *exact;

        exact = malloc(i + 1);
        if (exact == NULL) {
            abort();
        }

        memcpy(exact, src, i);
        news_post_parse(&post, exact, i);
        news_post_free(&post);
        free(exact);
        survived++;
    }

    ok(survived == len + 1, "all %zu prefixes parse or fail cleanly", len);

    x = 2463534242u;
    survived = 0;

    for (i = 0; i < 20000; i++) {
        memcpy(buf, src, len);

        for (n = 0; n < 1 + i % 8; n++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[x % len] = (char) (x >> 24);
        }

        news_post_parse(&post, buf, len);
        news_post_free(&post);
        survived++;
    }

    ok(survived == 20000, "20000 mutated posts parse or fail cleanly");

    ok(news_post_parse(&post, NULL, 0) == NEWS_POST_ERROR,
       "NULL input fails cleanly");
    news_post_free(&post);

    free(buf);
    free(src);
}
