
/*
 * Copyright (C) ngx_news_module authors
 *
 * libFuzzer target: the search tokenizer and query builder, on any bytes.
 * news_search_tokenize(): each token 1..NEWS_SEARCH_TOKEN_MAX bytes of
 * valid UTF-8, no ASCII upper case, in order, inside the input, from a
 * whole number of valid characters (a CJK token from exactly one, its own
 * bytes); a gap only between two CJK tokens, over the bytes between them;
 * every ASCII letter and digit of the input inside a word; a callback's
 * stop obeyed.  news_search_query(): the error a reference expects, no
 * overflow of NEWS_SEARCH_QUERY_SIZE, and on success quoted phrases
 * whose tokens, tokenized again, are exactly the input's tokens.
 */


#include <string.h>

#include <news_search.h>

#include "fuzz.h"


typedef struct {
    int             kind;
    size_t          start;
    size_t          end;
    size_t          len;
    unsigned char   token[NEWS_SEARCH_TOKEN_MAX];
} tok_t;


typedef struct {
    const unsigned char  *text;
    size_t                size;
    tok_t                *toks;
    size_t                n;
    size_t                max;
    size_t                stop;       /* stop at this token, 0: never */
} toks_t;


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int collect(void *data, int kind, const unsigned char *token,
    size_t len, size_t start, size_t end);
static void check_tokens(const unsigned char *p, size_t len, toks_t *t);
static void check_stop(const unsigned char *p, size_t len, size_t total);
static void check_query(const unsigned char *p, size_t len, toks_t *t);
static int ref_query_rc(const unsigned char *p, size_t len, toks_t *t);
static size_t words(toks_t *t);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    toks_t          t;
    unsigned char  *copy;

    /* an allocation of exactly size bytes: ASan sees a read past it */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    /* a token takes at least one byte, a gap too */
    t.max = size + 1;
    t.toks = malloc(t.max * sizeof(tok_t));
    if (t.toks == NULL) {
        free(copy);
        return 0;
    }

    t.n = 0;
    t.stop = 0;
    t.text = copy;
    t.size = size;

    fuzz_check(news_search_tokenize(copy, size, collect, &t) == 0,
               "the tokenizer runs to the end");

    check_tokens(copy, size, &t);
    check_stop(copy, size, t.n);
    check_query(copy, size, &t);

    free(t.toks);
    free(copy);

    return 0;
}


static int
collect(void *data, int kind, const unsigned char *token, size_t len,
    size_t start, size_t end)
{
    toks_t  *t = data;

    fuzz_check(t->n < t->max, "no more tokens than bytes");
    fuzz_check(len >= 1 && len <= NEWS_SEARCH_TOKEN_MAX,
               "a token is 1..NEWS_SEARCH_TOKEN_MAX bytes");
    fuzz_check(start < end && end <= t->size,
               "a token comes from bytes of the input");

    t->toks[t->n].kind = kind;
    t->toks[t->n].start = start;
    t->toks[t->n].end = end;
    t->toks[t->n].len = len;
    memcpy(t->toks[t->n].token, token, len);

    if (++t->n == t->stop) {
        return 42;
    }

    return 0;
}


static void
check_tokens(const unsigned char *p, size_t len, toks_t *t)
{
    size_t    i, k, prev_end, n;
    uint32_t  c;
    tok_t    *tk;
    char     *in_word;

    in_word = calloc(len ? len : 1, 1);
    if (in_word == NULL) {
        return;
    }

    prev_end = 0;

    for (i = 0; i < t->n; i++) {
        tk = &t->toks[i];

        fuzz_check(tk->start >= prev_end, "tokens in order, apart");
        fuzz_check(fuzz_utf8_valid(tk->token, tk->len),
                   "a token is valid UTF-8");

        switch (tk->kind) {

        case NEWS_SEARCH_GAP:
            fuzz_check(tk->len == 1 && tk->token[0] == ' ',
                       "a gap's token is a space");
            fuzz_check(i > 0 && t->toks[i - 1].kind == NEWS_SEARCH_CJK
                       && i + 1 < t->n
                       && t->toks[i + 1].kind == NEWS_SEARCH_CJK,
                       "a gap lies between two CJK tokens");
            fuzz_check(tk->start == t->toks[i - 1].end
                       && tk->end == t->toks[i + 1].start,
                       "a gap spans the bytes between them");
            break;

        case NEWS_SEARCH_CJK:
            n = fuzz_utf8_seq(p + tk->start, len - tk->start, &c);
            fuzz_check(n == tk->end - tk->start && n >= 3,
                       "a CJK token is one character of 3 or 4 bytes");
            fuzz_check(tk->len == n
                       && memcmp(tk->token, p + tk->start, n) == 0,
                       "a CJK token is its character's bytes");
            fuzz_check(i == 0 || t->toks[i - 1].kind != NEWS_SEARCH_CJK
                       || t->toks[i - 1].end == tk->start,
                       "CJK tokens apart have a gap between them");
            break;

        case NEWS_SEARCH_WORD:
            fuzz_check(fuzz_utf8_valid(p + tk->start, tk->end - tk->start),
                       "a word comes from whole valid characters");
            fuzz_check(tk->len <= tk->end - tk->start,
                       "folding never lengthens a word");

            for (k = 0; k < tk->len; k++) {
                fuzz_check(!(tk->token[k] >= 'A' && tk->token[k] <= 'Z')
                           && tk->token[k] != '"' && tk->token[k] != ' ',
                           "a word holds no upper case, quote or space");
            }

            for (k = tk->start; k < tk->end; k++) {
                in_word[k] = 1;
            }

            break;

        default:
            fuzz_check(0, "a token's kind is WORD, CJK or GAP");
        }

        prev_end = tk->end;
    }

    for (k = 0; k < len; k++) {
        if ((p[k] >= '0' && p[k] <= '9') || (p[k] >= 'a' && p[k] <= 'z')
            || (p[k] >= 'A' && p[k] <= 'Z'))
        {
            fuzz_check(in_word[k], "every ASCII letter and digit is in a "
                       "word");
        }
    }

    free(in_word);
}


/* stopped at the k-th token: k calls, and the callback's code back */

static void
check_stop(const unsigned char *p, size_t len, size_t total)
{
    int     rc;
    toks_t  t;

    if (total == 0) {
        return;
    }

    t.max = total;
    t.toks = malloc(t.max * sizeof(tok_t));
    if (t.toks == NULL) {
        return;
    }

    t.n = 0;
    t.stop = 1 + (len * 7919) % total;
    t.text = p;
    t.size = len;

    rc = news_search_tokenize(p, len, collect, &t);

    fuzz_check(rc == 42 && t.n == t.stop,
               "a callback's non-zero return stops the tokenizer");

    free(t.toks);
}


static size_t
words(toks_t *t)
{
    size_t  i, n;

    for (i = 0, n = 0; i < t->n; i++) {
        n += t->toks[i].kind != NEWS_SEARCH_GAP;
    }

    return n;
}


/* what news_search_query() must answer, from the header's rules */

static int
ref_query_rc(const unsigned char *p, size_t len, toks_t *t)
{
    size_t    i, n, chars;
    uint32_t  c;

    chars = 0;

    for (i = 0; i < len; i += n) {
        n = fuzz_utf8_seq(p + i, len - i, &c);

        if (n == 0 || c == 0) {
            return NEWS_SEARCH_INVALID;
        }

        if (++chars > NEWS_SEARCH_QUERY_CHARS) {
            return NEWS_SEARCH_TOO_LONG;
        }
    }

    n = words(t);

    if (n == 0) {
        return NEWS_SEARCH_NOTHING;
    }

    if (n > NEWS_SEARCH_QUERY_TOKENS) {
        return NEWS_SEARCH_TOO_MANY;
    }

    return NEWS_SEARCH_OK;
}


static void
check_query(const unsigned char *p, size_t len, toks_t *t)
{
    int             rc;
    size_t          i, k, n, out_len, phrase, m;
    toks_t          back;
    unsigned char  *dst, *exact;

    dst = malloc(NEWS_SEARCH_QUERY_SIZE);
    if (dst == NULL) {
        return;
    }

    out_len = 0;
    rc = news_search_query(dst, NEWS_SEARCH_QUERY_SIZE, p, len, &out_len);

    fuzz_check(rc == ref_query_rc(p, len, t),
               "news_search_query() gives the reference's answer");

    if (rc != NEWS_SEARCH_OK) {
        free(dst);
        return;
    }

    fuzz_check(out_len >= 3 && out_len <= NEWS_SEARCH_QUERY_SIZE,
               "the query fits NEWS_SEARCH_QUERY_SIZE");

    back.max = NEWS_SEARCH_QUERY_SIZE;
    back.toks = malloc(back.max * sizeof(tok_t));
    if (back.toks == NULL) {
        free(dst);
        return;
    }

    back.n = 0;
    back.stop = 0;

    /* "phrase" ( " " "phrase" )*, no quote inside a phrase */
    for (i = 0; i < out_len; i = k + 2) {
        fuzz_check(dst[i] == '"', "a phrase starts with a quote");

        for (k = i + 1; k < out_len && dst[k] != '"'; k++) {
            /* void */
        }

        fuzz_check(k < out_len, "every phrase is closed");
        fuzz_check(k == out_len - 1 || dst[k + 1] == ' ',
                   "phrases are apart by a space");
        fuzz_check(k > i + 1 && dst[i + 1] != ' ' && dst[k - 1] != ' ',
                   "a phrase holds a token, no space at its ends");

        phrase = back.n;
        back.text = dst + i + 1;
        back.size = k - i - 1;

        fuzz_check(news_search_tokenize(dst + i + 1, k - i - 1, collect,
                                        &back) == 0,
                   "a phrase tokenizes");

        for (m = phrase; m < back.n; m++) {
            fuzz_check(back.toks[m].kind != NEWS_SEARCH_GAP,
                       "a phrase is its tokens, no gap between");
        }

        fuzz_check(back.n > phrase, "a phrase yields a token");
    }

    fuzz_check(back.n == words(t), "the query has the input's tokens");

    for (i = 0, n = 0; i < t->n; i++) {
        if (t->toks[i].kind == NEWS_SEARCH_GAP) {
            continue;
        }

        fuzz_check(back.toks[n].kind == t->toks[i].kind
                   && back.toks[n].len == t->toks[i].len
                   && memcmp(back.toks[n].token, t->toks[i].token,
                             t->toks[i].len) == 0,
                   "the query's tokens are the input's, in order");
        n++;
    }

    /*
     * a buffer of the query's size is enough, one byte less is not;
     * allocated to size, so that ASan sees a write past it
     */
    exact = malloc(out_len);
    if (exact != NULL) {
        rc = news_search_query(exact, out_len, p, len, &n);
        fuzz_check(rc == NEWS_SEARCH_OK && n == out_len
                   && memcmp(exact, dst, n) == 0,
                   "a buffer of exactly the query's size is enough");
        free(exact);
    }

    exact = malloc(out_len - 1);
    if (exact != NULL) {
        rc = news_search_query(exact, out_len - 1, p, len, &n);
        fuzz_check(rc == NEWS_SEARCH_NO_ROOM, "one byte less is not");
        free(exact);
    }

    free(back.toks);
    free(dst);
}
