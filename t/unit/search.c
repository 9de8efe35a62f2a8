/*
 * search: unit tests of the search tokenizer and query builder
 * (common/news_search.c) and of the tokenizer inside FTS5
 * (common/news_fts5.c, an in-memory SQLite), printing TAP for prove.
 *
 * The point of the tokenizer is that a phrase of Han characters finds
 * what a substring search finds: test_fts5_substring() checks it on
 * generated documents, for queries of 1, 2, 3 and 6 characters.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "news_search.h"
#include "tap.h"


#define NDOCS     200
#define NHAN      (sizeof(han) / sizeof(han[0]))
#define NLATIN    (sizeof(latin) / sizeof(latin[0]))


typedef struct {
    char      title[512];
    char      body[2048];
    unsigned  words;        /* a bit for each word of latin[] it holds */
} doc_t;


typedef struct {
    char    *p;
    size_t   left;
} out_t;


/* the generated documents' characters: few, so that short queries hit */
static const char  *han[] = {
    "中", "国", "基", "站", "测", "试", "发", "布", "新", "闻",
    "𠀀", "豈", "あ", "カ", "한"
};

static const char  *seps[] = {
    "，", "。", " ", "、", "😀", "\xe3\x80\x80", "（", "-", "\n", "·"
};

/* a word as written, and as the tokenizer folds it */
static const char  *latin[][2] = {
    { "5G", "5g" }, { "iPhone", "iphone" }, { "LTE", "lte" },
    { "data", "data" }, { "５Ｇ", "5g" }, { "Ｄａｔａ", "data" }
};

static uint32_t  seed = 2463534242u;
static doc_t     docs[NDOCS + 1];


static int collect(void *data, int kind, const unsigned char *token,
    size_t len, size_t start, size_t end);
static int tokens_are(const char *text, const char *want);
static int tokens_are_n(const char *text, size_t len, const char *want);
static int stop_at_first(void *data, int kind, const unsigned char *token,
    size_t len, size_t start, size_t end);
static int query_is(const char *q, const char *want);
static int query_fails(const char *q, size_t len, int want);
static uint32_t rnd(uint32_t n);
static void gen_text(char *dst, size_t size, size_t items, unsigned *words);
static int match_rows(sqlite3 *db, const char *sql, const char *arg,
    size_t len, char *hit);
static int han_query(sqlite3 *db, const char *q);
static size_t han_at(const char *p);
static int text_is(sqlite3 *db, const char *sql, const char *q,
    const char *want);
static void test_tokens(void);
static void test_long_words(void);
static void test_stop(void);
static void test_query(void);
static void test_query_errors(void);
static void test_fts5_register(sqlite3 *db);
static void test_fts5_substring(sqlite3 *db);
static void test_fts5_words(sqlite3 *db);
static void test_fts5_syntax(sqlite3 *db);
static void test_fts5_highlight(sqlite3 *db);


int
main(void)
{
    sqlite3  *db;

    test_tokens();
    test_long_words();
    test_stop();
    test_query();
    test_query_errors();

    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        printf("Bail out! sqlite3_open: %s\n", sqlite3_errmsg(db));
        return 1;
    }

    test_fts5_register(db);
    test_fts5_substring(db);
    test_fts5_words(db);
    test_fts5_syntax(db);
    test_fts5_highlight(db);

    sqlite3_close(db);

    return tap_done();
}


/* tokens as "token@start-end", a gap as "_@start-end", space-separated */
static int
collect(void *data, int kind, const unsigned char *token, size_t len,
    size_t start, size_t end)
{
    int     n;
    out_t  *out = data;

    if (kind == NEWS_SEARCH_GAP) {
        n = snprintf(out->p, out->left, "%s_@%zu-%zu",
                     out->p[-1] ? " " : "", start, end);

    } else {
        n = snprintf(out->p, out->left, "%s%.*s@%zu-%zu",
                     out->p[-1] ? " " : "", (int) len, token, start, end);
    }

    if (n < 0 || (size_t) n >= out->left) {
        return -1;
    }

    out->p += n;
    out->left -= n;

    return 0;
}


static int
tokens_are(const char *text, const char *want)
{
    return tokens_are_n(text, strlen(text), want);
}


static int
tokens_are_n(const char *text, size_t len, const char *want)
{
    int    rc;
    char   buf[4096];
    out_t  out;

    buf[0] = '\0';
    out.p = buf + 1;
    out.left = sizeof(buf) - 1;
    out.p[0] = '\0';

    rc = news_search_tokenize((const unsigned char *) text, len, collect,
                              &out);

    if (rc != 0 || strcmp(buf + 1, want) != 0) {
        printf("# rc %d, got \"%s\"\n# want \"%s\"\n", rc, buf + 1, want);
        return 0;
    }

    return 1;
}


static void
test_tokens(void)
{
    ok(tokens_are("5G 基站", "5g@0-2 基@3-6 站@6-9"), "5G 基站");
    ok(tokens_are("iPhone15 发布", "iphone15@0-8 发@9-12 布@12-15"),
       "iPhone15 发布: a word of letters and digits, lower case");
    ok(tokens_are("５Ｇ", "5g@0-6"), "５Ｇ is 5g");
    ok(tokens_are("ＡＢＣ ａｂｃ１２３", "abc@0-9 abc123@10-28"),
       "full-width letters and digits fold to ASCII");
    ok(tokens_are("5G基站", "5g@0-2 基@2-5 站@5-8"),
       "a word ends where a Han character starts");
    ok(tokens_are("ひらがなカタカナ",
                  "ひ@0-3 ら@3-6 が@6-9 な@9-12 カ@12-15 タ@15-18 "
                  "カ@18-21 ナ@21-24"),
       "hiragana and katakana: one token each");
    ok(tokens_are("한국어", "한@0-3 국@3-6 어@6-9"),
       "Hangul syllables: one token each");
    ok(tokens_are("㐀豈𠀀", "㐀@0-3 豈@3-6 𠀀@6-10"),
       "Extension A, compatibility and supplementary ideographs");
    ok(tokens_are("〇々", "〇@0-3 々@3-6"),
       "〇 and 々 are ideographs, not punctuation");
    ok(tokens_are("a😀b", "a@0-1 b@5-6"), "an emoji is dropped");
    ok(tokens_are("Hello, world! (x) -y_z",
                  "hello@0-5 world@7-12 x@15-16 y@19-20 z@21-22"),
       "ASCII punctuation is dropped");
    ok(tokens_are("测试，测试。",
                  "测@0-3 试@3-6 _@6-9 测@9-12 试@12-15"),
       "CJK punctuation is dropped, a gap left between Han characters");
    ok(tokens_are("基😀站", "基@0-3 _@3-7 站@7-10"),
       "an emoji between Han characters leaves a gap");
    ok(tokens_are("基\xe3\x80\x80站\xe2\x80\x94闻",
                  "基@0-3 _@3-6 站@6-9 _@9-12 闻@12-15"),
       "U+3000 and U+2014 leave gaps");
    ok(tokens_are("基 5G 站", "基@0-3 5g@4-6 站@7-10"),
       "no gap between a Han character and a word");
    ok(tokens_are("（ａ）！ＸＹ？", "a@3-6 xy@12-18"),
       "full-width punctuation is dropped");
    ok(tokens_are("Café Москва Ελλάδα",
                  "café@0-5 Москва@6-18 Ελλάδα@19-31"),
       "Latin-1, Cyrillic, Greek letters are word letters, not folded");
    ok(tokens_are("a×b÷c", "a@0-1 b@3-4 c@6-7"),
       "× and ÷ are not letters");
    ok(tokens_are("a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d",
                  "a@0-1 b@2-3 c@5-6 d@9-10"),
       "invalid UTF-8, overlong and surrogate bytes separate");
    ok(tokens_are("基\xe5\x9f" "站", "基@0-3 _@3-5 站@5-8"),
       "a truncated sequence between Han characters is a gap");
    ok(tokens_are("\xe5\x9f", ""), "a truncated sequence alone: nothing");
    ok(tokens_are_n("ab\0cd", 5, "ab@0-2 cd@3-5"), "a NUL separates");
    ok(tokens_are("", ""), "empty text: no token");
    ok(tokens_are("，。！ ", ""), "punctuation only: no token");
}


static void
test_long_words(void)
{
    char    text[512], want[512], a64[65];
    size_t  i, n;

    memset(text, 'A', 100);
    memset(a64, 'a', 64);
    a64[64] = '\0';

    snprintf(want, sizeof(want), "%s@0-64 %.36s@64-100", a64, a64);
    ok(tokens_are_n(text, 100, want), "a 100-letter word: 64 bytes, then 36");

    snprintf(want, sizeof(want), "%s@0-64", a64);
    ok(tokens_are_n(text, 64, want), "a word of exactly 64 bytes is one token");

    /* "a" and 40 "é": 63 bytes fit, the next é does not */
    n = 0;
    text[n++] = 'a';
    for (i = 0; i < 40; i++) {
        text[n++] = (char) 0xc3;
        text[n++] = (char) 0xa9;
    }

    n = 0;
    want[n++] = 'a';
    for (i = 0; i < 31; i++) {
        want[n++] = (char) 0xc3;
        want[n++] = (char) 0xa9;
    }

    n += sprintf(want + n, "@0-63 ");

    for (i = 0; i < 9; i++) {
        want[n++] = (char) 0xc3;
        want[n++] = (char) 0xa9;
    }

    sprintf(want + n, "@63-81");
    ok(tokens_are_n(text, 81, want),
       "a word is cut on a character boundary, at 63 bytes when 65 would "
       "split a character");

    /* 70 full-width Ａ: 64 folded bytes from 192 bytes of text */
    for (i = 0; i < 70; i++) {
        memcpy(text + 3 * i, "Ａ", 3);
    }

    snprintf(want, sizeof(want), "%s@0-192 %.6s@192-210", a64, a64);
    ok(tokens_are_n(text, 210, want),
       "the bound counts the folded bytes: 64 full-width letters");
}


static int
stop_at_first(void *data, int kind, const unsigned char *token, size_t len,
    size_t start, size_t end)
{
    (*(int *) data)++;

    return 7;
}


static void
test_stop(void)
{
    int  n, rc;

    n = 0;
    rc = news_search_tokenize((const unsigned char *) "ab 基站 cd", 12,
                              stop_at_first, &n);
    ok(rc == 7 && n == 1, "the callback stops the tokenizer (rc %d, %d "
       "calls)", rc, n);

    n = 0;
    rc = news_search_tokenize((const unsigned char *) "基站", 6,
                              stop_at_first, &n);
    ok(rc == 7 && n == 1, "... at a Han character too");
}


static int
query_is(const char *q, const char *want)
{
    int            rc;
    size_t         n;
    unsigned char  buf[NEWS_SEARCH_QUERY_SIZE];

    n = 0;
    rc = news_search_query(buf, sizeof(buf), (const unsigned char *) q,
                           strlen(q), &n);

    if (rc != NEWS_SEARCH_OK || n != strlen(want)
        || memcmp(buf, want, n) != 0)
    {
        printf("# rc %d, got '%.*s', want '%s'\n", rc,
               rc == NEWS_SEARCH_OK ? (int) n : 0, buf, want);
        return 0;
    }

    return 1;
}


static void
test_query(void)
{
    ok(query_is("5G 基站", "\"5g\" \"基站\""), "5G 基站");
    ok(query_is("iPhone15 发布", "\"iphone15\" \"发布\""),
       "iPhone15 发布");
    ok(query_is("５Ｇ基站", "\"5g 基站\""),
       "５Ｇ基站: one phrase, a space after the word");
    ok(query_is("基站5G", "\"基站 5g\""), "基站5G");
    ok(query_is("测试", "\"测试\""), "Han characters side by side");
    ok(query_is("  北京\xe3\x80\x80上海\t", "\"北京\" \"上海\""),
       "ASCII whitespace and U+3000 split, at the ends too");
    ok(query_is("北京，上海", "\"北京\" \"上海\""),
       "punctuation between Han characters splits as a space does");
    ok(query_is("hello,world", "\"hello world\""),
       "punctuation between words keeps the phrase");
    ok(query_is("\"测试\"", "\"测试\""), "quotes are dropped");
    ok(query_is("a\"b", "\"a b\""), "a quote inside a word is dropped");
    ok(query_is("c*", "\"c\""), "* is not a prefix query");
    ok(query_is("NEAR(a b, 2)", "\"near a\" \"b\" \"2\""),
       "NEAR is a word");
    ok(query_is("-foo", "\"foo\""), "- is not NOT");
    ok(query_is("title:基站", "\"title 基站\""),
       ": is not a column filter");
    ok(query_is("(a OR b)", "\"a\" \"or\" \"b\""), "OR and ( are words");
    ok(query_is("^abc", "\"abc\""), "^ is not an initial-token query");
    ok(query_is("a AND b NOT c", "\"a\" \"and\" \"b\" \"not\" \"c\""),
       "AND and NOT are words");
    ok(query_is("+{x}", "\"x\""), "+ and {} are dropped");
}


static int
query_fails(const char *q, size_t len, int want)
{
    int            rc;
    size_t         n;
    unsigned char  buf[NEWS_SEARCH_QUERY_SIZE];

    rc = news_search_query(buf, sizeof(buf), (const unsigned char *) q, len,
                           &n);
    if (rc != want) {
        printf("# rc %d (%s), want %d\n", rc, news_search_strerror(rc),
               want);
        return 0;
    }

    return 1;
}


static void
test_query_errors(void)
{
    int            rc;
    char           q[16384];
    size_t         i, n;
    unsigned char  small[8];

    memset(q, 'a', 101);
    ok(query_fails(q, 101, NEWS_SEARCH_TOO_LONG), "101 characters: too long");
    ok(query_fails(q, 100, NEWS_SEARCH_OK), "100 characters: searched");

    for (i = 0; i < 100; i++) {
        memcpy(q + 3 * i, i % 2 ? "，" : "中", 3);
    }

    memcpy(q + 300, "中", 3);
    ok(query_fails(q, 303, NEWS_SEARCH_TOO_LONG),
       "101 Han characters and punctuation: too long");

    memset(q, 'x', 10240);
    ok(query_fails(q, 10240, NEWS_SEARCH_TOO_LONG), "10 KB: too long");

    ok(query_fails("ab\xff", 3, NEWS_SEARCH_INVALID), "invalid UTF-8");
    ok(query_fails("\xe4\xb8", 2, NEWS_SEARCH_INVALID),
       "a truncated sequence");
    ok(query_fails("\xc0\x80", 2, NEWS_SEARCH_INVALID),
       "an overlong NUL");
    ok(query_fails("ab\0cd", 5, NEWS_SEARCH_INVALID), "a NUL");

    ok(query_fails("", 0, NEWS_SEARCH_NOTHING), "empty: nothing to search");
    ok(query_fails("  \xe3\x80\x80 ", 6, NEWS_SEARCH_NOTHING),
       "whitespace: nothing to search");
    ok(query_fails("\"*-:()^ ，。😀", 18, NEWS_SEARCH_NOTHING),
       "syntax, punctuation and emoji: nothing to search");

    for (i = 0; i < 33; i++) {
        memcpy(q + 3 * i, "中", 3);
    }

    ok(query_fails(q, 96, NEWS_SEARCH_OK), "32 Han characters: searched");
    ok(query_fails(q, 99, NEWS_SEARCH_TOO_MANY),
       "33 Han characters: too many tokens");

    for (i = 0, n = 0; i < 33; i++) {
        q[n++] = 'a';
        q[n++] = ' ';
    }

    ok(query_fails(q, n - 2, NEWS_SEARCH_OK), "32 words: searched");
    ok(query_fails(q, n, NEWS_SEARCH_TOO_MANY), "33 words: too many tokens");

    rc = news_search_query(small, sizeof(small),
                           (const unsigned char *) "abcdefgh", 8, &n);
    ok(rc == NEWS_SEARCH_NO_ROOM, "a small buffer: no room (rc %d)", rc);

    rc = news_search_query(small, sizeof(small),
                           (const unsigned char *) "abcdef", 6, &n);
    ok(rc == NEWS_SEARCH_OK && n == 8 && memcmp(small, "\"abcdef\"", 8) == 0,
       "a buffer of exactly the query's size");

    ok(strcmp(news_search_strerror(NEWS_SEARCH_TOO_LONG), "too long") == 0
       && strcmp(news_search_strerror(NEWS_SEARCH_NOTHING),
                 "nothing to search") == 0
       && news_search_strerror(NEWS_SEARCH_INVALID) != NULL
       && news_search_strerror(NEWS_SEARCH_TOO_MANY) != NULL,
       "each error has its reason");
}


static uint32_t
rnd(uint32_t n)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;

    return seed % n;
}


/*
 * items mostly Han characters, some separators, some words; a space
 * between two words, which would otherwise run into one
 */
static void
gen_text(char *dst, size_t size, size_t items, unsigned *words)
{
    size_t       i, n;
    uint32_t     r, w;
    const char  *s;
    int          word;

    n = 0;
    word = 0;

    for (i = 0; i < items; i++) {
        r = rnd(100);

        if (r < 72) {
            s = han[rnd(NHAN)];
            word = 0;

        } else if (r < 92) {
            s = seps[rnd(sizeof(seps) / sizeof(seps[0]))];
            word = 0;

        } else {
            if (word && n + 1 < size) {
                dst[n++] = ' ';
            }

            w = rnd(NLATIN);
            s = latin[w][0];
            *words |= 1u << w;
            word = 1;
        }

        if (n + strlen(s) + 2 > size) {
            break;
        }

        memcpy(dst + n, s, strlen(s));
        n += strlen(s);
    }

    dst[n] = '\0';
}


/* the rowids a statement with one text argument returns, in hit[] */
static int
match_rows(sqlite3 *db, const char *sql, const char *arg, size_t len,
    char *hit)
{
    int            rc;
    sqlite3_int64  id;
    sqlite3_stmt  *stmt;

    memset(hit, 0, NDOCS + 1);

    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        printf("# %s: %s\n", sql, sqlite3_errmsg(db));
        return -1;
    }

    sqlite3_bind_text(stmt, 1, arg, (int) len, SQLITE_STATIC);

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        id = sqlite3_column_int64(stmt, 0);
        if (id >= 1 && id <= NDOCS) {
            hit[id] = 1;
        }
    }

    sqlite3_finalize(stmt);

    if (rc != SQLITE_DONE) {
        printf("# '%.*s': %s\n", (int) len, arg, sqlite3_errmsg(db));
        return -1;
    }

    return 0;
}


static void
test_fts5_register(sqlite3 *db)
{
    int    rc;
    char  *err;

    rc = news_fts5_register(db);
    ok(rc == SQLITE_OK, "news_fts5_register(): %s", sqlite3_errstr(rc));

    rc = sqlite3_exec(db, "CREATE VIRTUAL TABLE doc USING fts5(title, body, "
                      "tokenize='news')", NULL, NULL, &err);
    ok(rc == SQLITE_OK, "an FTS5 table with tokenize='news': %s",
       err ? err : "ok");
    sqlite3_free(err);

    err = NULL;
    rc = sqlite3_exec(db, "CREATE VIRTUAL TABLE bad USING fts5(x, "
                      "tokenize='news extra')", NULL, NULL, &err);
    ok(rc != SQLITE_OK, "the tokenizer takes no argument: %s",
       err ? err : "accepted");
    sqlite3_free(err);
}


/*
 * 1 for a Han query whose MATCH rows are its substring rows (one row of
 * either missing from the other is printed), -1 when the two are both
 * empty, 0 on a difference
 */
static int
han_query(sqlite3 *db, const char *q)
{
    int            rc, i;
    char           fts[NDOCS + 1], sub[NDOCS + 1];
    size_t         n;
    unsigned char  expr[NEWS_SEARCH_QUERY_SIZE];

    rc = news_search_query(expr, sizeof(expr), (const unsigned char *) q,
                           strlen(q), &n);
    if (rc != NEWS_SEARCH_OK) {
        printf("# '%s': %s\n", q, news_search_strerror(rc));
        return 0;
    }

    if (match_rows(db, "SELECT rowid FROM doc WHERE doc MATCH ?1",
                   (char *) expr, n, fts) != 0
        || match_rows(db, "SELECT rowid FROM doc "
                      "WHERE instr(lower(title || ' ' || body), ?1) > 0",
                      q, strlen(q), sub) != 0)
    {
        return 0;
    }

    if (memcmp(fts, sub, sizeof(fts)) != 0) {
        for (i = 1; i <= NDOCS; i++) {
            if (fts[i] != sub[i]) {
                printf("# '%s' (%.*s): row %d %s\n", q, (int) n, expr, i,
                       fts[i] ? "matched, not a substring"
                              : "a substring, not matched");
                break;
            }
        }

        return 0;
    }

    return memchr(sub + 1, 1, NDOCS) ? 1 : -1;
}


static void
test_fts5_substring(sqlite3 *db)
{
    int            rc, len, lens[] = { 1, 2, 3, 6 };
    char           q[64];
    size_t         i, k, c, tries, n, pos, gaps;
    unsigned       nq, bad, hits, empty;
    const char    *p, *s;
    sqlite3_stmt  *stmt;

    sqlite3_prepare_v2(db, "INSERT INTO doc(rowid, title, body) "
                       "VALUES (?1, ?2, ?3)", -1, &stmt, NULL);

    for (i = 1; i <= NDOCS; i++) {
        gen_text(docs[i].title, sizeof(docs[i].title), 5 + rnd(15),
                 &docs[i].words);
        gen_text(docs[i].body, sizeof(docs[i].body), 30 + rnd(200),
                 &docs[i].words);

        sqlite3_bind_int64(stmt, 1, (sqlite3_int64) i);
        sqlite3_bind_text(stmt, 2, docs[i].title, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, docs[i].body, -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);

        if (rc != SQLITE_DONE) {
            printf("# insert %zu: %s\n", i, sqlite3_errmsg(db));
            break;
        }
    }

    sqlite3_finalize(stmt);
    ok(i == NDOCS + 1, "%d generated documents indexed", NDOCS);

    for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        len = lens[k];
        nq = bad = hits = empty = 0;

        /* queries taken from the documents, so that they hit */
        for (tries = 0; nq < 60 && tries < 100000; tries++) {
            s = rnd(2) ? docs[1 + rnd(NDOCS)].title
                       : docs[1 + rnd(NDOCS)].body;
            pos = rnd((uint32_t) strlen(s) + 1);

            /* the start of the character at pos, then len Han ones */
            while (pos > 0 && ((unsigned char) s[pos] & 0xc0) == 0x80) {
                pos--;
            }

            n = 0;
            p = s + pos;

            for (i = 0; i < (size_t) len; i++) {
                c = han_at(p);
                if (c == 0) {
                    break;
                }

                memcpy(q + n, p, c);
                n += c;
                p += c;
            }

            if (i < (size_t) len) {
                continue;
            }

            q[n] = '\0';
            nq++;

            rc = han_query(db, q);
            bad += rc == 0;
            hits += rc == 1;
        }

        /* and random ones, which mostly miss */
        for (i = 0; i < 40; i++) {
            n = 0;

            for (pos = 0; pos < (size_t) len; pos++) {
                s = han[rnd(NHAN)];
                memcpy(q + n, s, strlen(s));
                n += strlen(s);
            }

            q[n] = '\0';
            nq++;

            rc = han_query(db, q);
            bad += rc == 0;
            hits += rc == 1;
            empty += rc == -1;
        }

        ok(bad == 0 && hits >= 60, "%u %d-character Han queries: MATCH "
           "finds the substring rows (%u found some, %u of the random "
           "ones none)", nq, len, hits, empty);
    }

    /* the documents hold Han characters with a separator between */
    gaps = 0;

    for (i = 1; i <= NDOCS; i++) {
        for (p = docs[i].body; *p; p++) {
            c = han_at(p);
            if (c == 0) {
                continue;
            }

            for (k = 0; k < sizeof(seps) / sizeof(seps[0]); k++) {
                if (strncmp(p + c, seps[k], strlen(seps[k])) == 0
                    && han_at(p + c + strlen(seps[k])))
                {
                    gaps++;
                }
            }
        }
    }

    ok(gaps > 100, "the documents hold %zu Han characters apart by one "
       "separator, which the queries must not join", gaps);
}


/* the length of the generator's Han character at p, or 0 */
static size_t
han_at(const char *p)
{
    size_t  k;

    for (k = 0; k < NHAN; k++) {
        if (strncmp(p, han[k], strlen(han[k])) == 0) {
            return strlen(han[k]);
        }
    }

    return 0;
}


static void
test_fts5_words(sqlite3 *db)
{
    int            rc;
    char           fts[NDOCS + 1], sub[NDOCS + 1];
    size_t         i, w, n, bad, found;
    unsigned char  expr[NEWS_SEARCH_QUERY_SIZE];
    static const char  *queries[][2] = {
        { "5g", "5g" }, { "5G", "5g" }, { "５Ｇ", "5g" },
        { "iphone", "iphone" }, { "IPHONE", "iphone" }, { "lte", "lte" },
        { "DATA", "data" }, { "ｄａｔａ", "data" }
    };

    bad = found = 0;

    for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        rc = news_search_query(expr, sizeof(expr),
                               (const unsigned char *) queries[i][0],
                               strlen(queries[i][0]), &n);

        if (rc != NEWS_SEARCH_OK
            || match_rows(db, "SELECT rowid FROM doc WHERE doc MATCH ?1",
                          (char *) expr, n, fts) != 0)
        {
            bad++;
            continue;
        }

        memset(sub, 0, sizeof(sub));

        for (w = 0; w < NLATIN; w++) {
            if (strcmp(latin[w][1], queries[i][1]) != 0) {
                continue;
            }

            for (n = 1; n <= NDOCS; n++) {
                if (docs[n].words & (1u << w)) {
                    sub[n] = 1;
                }
            }
        }

        if (memcmp(fts, sub, sizeof(fts)) != 0) {
            printf("# '%s': not the documents holding the word\n",
                   queries[i][0]);
            bad++;
        }

        found += memchr(fts + 1, 1, NDOCS) != NULL;
    }

    ok(bad == 0 && found == i, "%zu word queries (any case, full-width) "
       "find the documents holding the word", i);

    /* a word and Han characters: both, the word anywhere */
    rc = news_search_query(expr, sizeof(expr),
                           (const unsigned char *) "5G 基站", 9, &n);
    match_rows(db, "SELECT rowid FROM doc WHERE doc MATCH ?1",
               (char *) expr, n, fts);
    match_rows(db, "SELECT rowid FROM doc "
               "WHERE instr(title || ' ' || body, ?1) > 0", "基站", 6, sub);

    for (i = 1, bad = 0, found = 0; i <= NDOCS; i++) {
        w = sub[i] && (docs[i].words & (1u << 0 | 1u << 4));
        bad += (size_t) fts[i] != w;
        found += w;
    }

    ok(rc == NEWS_SEARCH_OK && bad == 0 && found > 0,
       "5G 基站: the documents with the word and the characters (%zu)",
       found);
}


/* FTS5's syntax, inside the quotes, is searched for: never an error */
static void
test_fts5_syntax(sqlite3 *db)
{
    int            rc;
    char           fts[NDOCS + 1];
    size_t         i, n, bad;
    unsigned char  expr[NEWS_SEARCH_QUERY_SIZE];
    static const char  *queries[] = {
        "\"基站", "基*", "NEAR(基 站)", "-基站", "title:基站",
        "(基站",
        "^基站", "基站 OR 测试", "基站 NOT 测试", "{title body}:x",
        "body:", "a\"\"b", "\"\" \"", "* 基", "基站 AND"
    };

    bad = 0;

    for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        rc = news_search_query(expr, sizeof(expr),
                               (const unsigned char *) queries[i],
                               strlen(queries[i]), &n);

        if (rc == NEWS_SEARCH_NOTHING) {
            continue;
        }

        if (rc != NEWS_SEARCH_OK
            || match_rows(db, "SELECT rowid FROM doc WHERE doc MATCH ?1",
                          (char *) expr, n, fts) != 0)
        {
            printf("# '%s': failed\n", queries[i]);
            bad++;
        }
    }

    ok(bad == 0, "%zu queries of FTS5 syntax run as text", i);

    /* "基站 NOT 测试" is the word "not" too: no document has it */
    news_search_query(expr, sizeof(expr),
                      (const unsigned char *) "基站 NOT 测试", 16, &n);
    rc = match_rows(db, "SELECT rowid FROM doc WHERE doc MATCH ?1",
                    (char *) expr, n, fts);
    ok(rc == 0 && memchr(fts + 1, 1, NDOCS) == NULL,
       "基站 NOT 测试 finds nothing: NOT is a word to find");
}


static int
text_is(sqlite3 *db, const char *sql, const char *q, const char *want)
{
    int            rc;
    size_t         n;
    const char    *got;
    sqlite3_stmt  *stmt;
    unsigned char  expr[NEWS_SEARCH_QUERY_SIZE];

    rc = news_search_query(expr, sizeof(expr), (const unsigned char *) q,
                           strlen(q), &n);
    if (rc != NEWS_SEARCH_OK) {
        printf("# '%s': %s\n", q, news_search_strerror(rc));
        return 0;
    }

    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        printf("# %s: %s\n", sql, sqlite3_errmsg(db));
        return 0;
    }

    sqlite3_bind_text(stmt, 1, (char *) expr, (int) n, SQLITE_STATIC);

    rc = sqlite3_step(stmt);
    got = (rc == SQLITE_ROW) ? (const char *) sqlite3_column_text(stmt, 0)
                             : NULL;

    if (want == NULL ? got != NULL : got == NULL || strcmp(got, want) != 0) {
        printf("# '%s': got '%s'%s%s\n#  want '%s'\n", q,
               got ? got : "(no row)", rc == SQLITE_ROW ? "" : ": ",
               rc == SQLITE_ROW ? "" : sqlite3_errmsg(db),
               want ? want : "(no row)");
        sqlite3_finalize(stmt);
        return 0;
    }

    sqlite3_finalize(stmt);

    return 1;
}


#define HL(col)                                                              \
    "SELECT highlight(hl, " #col ", '<mark>', '</mark>') FROM hl "           \
    "WHERE hl MATCH ?1"

static void
test_fts5_highlight(sqlite3 *db)
{
    int  rc;

    rc = sqlite3_exec(db, "CREATE VIRTUAL TABLE hl USING fts5(title, body, "
                      "tokenize='news');"
                      "INSERT INTO hl VALUES ('5G基站建设', "
                      "'新的5G基站，测试。iPhone15 "
                      "发布：５Ｇ，基，站');"
                      "INSERT INTO hl VALUES ('测，试', '😀测试😀');",
                      NULL, NULL, NULL);
    ok(rc == SQLITE_OK, "two documents to highlight");

    ok(text_is(db, HL(0), "基站", "5G<mark>基站</mark>建设"),
       "highlight() marks a Han phrase in the title");
    ok(text_is(db, HL(1), "基站",
               "新的5G<mark>基站</mark>，测试。iPhone15 "
               "发布：５Ｇ，基，站"),
       "... and only where the characters are side by side");
    ok(text_is(db, HL(1), "iphone15",
               "新的5G基站，测试。<mark>iPhone15</mark> "
               "发布：５Ｇ，基，站"),
       "a word, marked as written");
    ok(text_is(db, HL(1), "5g",
               "新的<mark>5G</mark>基站，测试。iPhone15 发布："
               "<mark>５Ｇ</mark>，基，站"),
       "5g marks 5G and ５Ｇ");
    ok(text_is(db, HL(1), "站 测试",
               "新的5G基<mark>站</mark>，<mark>测试</mark>。iPhone15 "
               "发布：５Ｇ，基，<mark>站</mark>"),
       "two phrases, each instance");
    ok(text_is(db, HL(0) " AND rowid = 2", "测试", "测，试"),
       "测，试 in a title is not 测试: the body matched, not the title");
    ok(text_is(db, HL(1) " AND rowid = 2", "测试",
               "😀<mark>测试</mark>😀"),
       "emoji around a match are kept, outside the mark");
    ok(text_is(db, HL(0) " AND rowid = 2", "测，试",
               "<mark>测</mark>，<mark>试</mark>"),
       "测，试 as a query: both characters");
    ok(text_is(db, "SELECT snippet(hl, 1, '<mark>', '</mark>', '…', 4) "
               "FROM hl WHERE hl MATCH ?1", "iPhone15",
               "…试。<mark>iPhone15</mark> 发布…"),
       "snippet() around a word");
    ok(text_is(db, "SELECT snippet(hl, -1, '[', ']', '…', 3) "
               "FROM hl WHERE hl MATCH ?1 AND rowid = 1", "建设",
               "…站[建设]"),
       "snippet() of the best column, 3 tokens");
}
