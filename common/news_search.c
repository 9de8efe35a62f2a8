
/*
 * Copyright (C) ngx_news_module authors
 *
 * The tokenizer of full-text search and the FTS5 query made from a
 * reader's words (news_search.h says the rules).  Pure code: no nginx,
 * no SQLite, no allocation; fuzzed (fuzz/search.c).
 *
 * Chinese has no spaces between words, and a segmenter's words do not
 * align with a reader's query, so each Han character is a token and a
 * query is the phrase of its characters: FTS5 then finds the documents
 * where those characters stand side by side, which is what a substring
 * search finds, for queries of any length.
 */


#include <news_parse.h>
#include <news_search.h>
#include <stdint.h>
#include <string.h>


#define NEWS_SEARCH_SEP    0
#define NEWS_SEARCH_SPACE  4     /* a separator that splits a query */


typedef struct {
    news_search_token_pt   handler;
    void                  *data;
    int                    last;       /* the kind of the last token */
    int                    dropped;    /* bytes dropped since then */
    size_t                 last_end;
    size_t                 word_len;
    size_t                 word_start;
    size_t                 word_end;
    unsigned char          word[NEWS_SEARCH_TOKEN_MAX];
} news_search_ctx_t;


typedef struct {
    unsigned char         *pos;
    unsigned char         *end;
    size_t                 tokens;
    int                    phrases;
    int                    open;       /* a phrase's quote written */
    int                    last;       /* the kind of its last token */
    int                    rc;
} news_search_query_t;


static int news_search_class(uint32_t c, unsigned char *fold);
static int news_search_word_end(news_search_ctx_t *ctx);
static int news_search_query_token(void *data, int kind,
    const unsigned char *token, size_t len, size_t start, size_t end);
static int news_search_query_close(news_search_query_t *qb);
static int news_search_query_byte(news_search_query_t *qb, unsigned char c);
static int news_search_query_put(news_search_query_t *qb,
    const unsigned char *p, size_t len);


int
news_search_tokenize(const unsigned char *text, size_t len,
    news_search_token_pt handler, void *data)
{
    int                 rc, cls;
    size_t              i, n, flen;
    uint32_t            c;
    unsigned char       fold;
    news_search_ctx_t   ctx;

    ctx.handler = handler;
    ctx.data = data;
    ctx.last = 0;
    ctx.dropped = 0;
    ctx.last_end = 0;
    ctx.word_len = 0;
    ctx.word_start = 0;
    ctx.word_end = 0;

    for (i = 0; i < len; i += n) {

        n = news_utf8_decode(text + i, len - i, &c);

        if (n == 0) {
            /* an invalid byte is a separator, and alone */
            n = 1;
            cls = NEWS_SEARCH_SEP;
            fold = 0;

        } else {
            cls = news_search_class(c, &fold);
        }

        if (cls == NEWS_SEARCH_WORD) {
            flen = fold ? 1 : n;

            if (ctx.word_len + flen > NEWS_SEARCH_TOKEN_MAX) {
                rc = news_search_word_end(&ctx);
                if (rc != 0) {
                    return rc;
                }
            }

            if (ctx.word_len == 0) {
                ctx.word_start = i;
            }

            if (fold) {
                ctx.word[ctx.word_len] = fold;

            } else {
                memcpy(ctx.word + ctx.word_len, text + i, n);
            }

            ctx.word_len += flen;
            ctx.word_end = i + n;

            continue;
        }

        rc = news_search_word_end(&ctx);
        if (rc != 0) {
            return rc;
        }

        if (cls != NEWS_SEARCH_CJK) {
            ctx.dropped = 1;
            continue;
        }

        if (ctx.last == NEWS_SEARCH_CJK && ctx.dropped) {
            rc = handler(data, NEWS_SEARCH_GAP,
                         (const unsigned char *) NEWS_SEARCH_GAP_TOKEN,
                         sizeof(NEWS_SEARCH_GAP_TOKEN) - 1, ctx.last_end, i);
            if (rc != 0) {
                return rc;
            }
        }

        rc = handler(data, NEWS_SEARCH_CJK, text + i, n, i, i + n);
        if (rc != 0) {
            return rc;
        }

        ctx.last = NEWS_SEARCH_CJK;
        ctx.dropped = 0;
        ctx.last_end = i + n;
    }

    return news_search_word_end(&ctx);
}


static int
news_search_word_end(news_search_ctx_t *ctx)
{
    int  rc;

    if (ctx->word_len == 0) {
        return 0;
    }

    rc = ctx->handler(ctx->data, NEWS_SEARCH_WORD, ctx->word, ctx->word_len,
                      ctx->word_start, ctx->word_end);

    ctx->word_len = 0;
    ctx->last = NEWS_SEARCH_WORD;
    ctx->dropped = 0;
    ctx->last_end = ctx->word_end;

    return rc;
}


/*
 * what a code point is: NEWS_SEARCH_WORD (with *fold the ASCII byte it
 * becomes, or 0 to keep its bytes), NEWS_SEARCH_CJK, NEWS_SEARCH_SPACE or
 * NEWS_SEARCH_SEP.  Scripts not named here (Arabic, Hebrew, Thai, ...)
 * are not searchable: dropped like punctuation.
 */

static int
news_search_class(uint32_t c, unsigned char *fold)
{
    *fold = 0;

    if (c < 0x80) {
        if (c >= 'A' && c <= 'Z') {
            *fold = (unsigned char) (c + 0x20);
            return NEWS_SEARCH_WORD;
        }

        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            *fold = (unsigned char) c;
            return NEWS_SEARCH_WORD;
        }

        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            return NEWS_SEARCH_SPACE;
        }

        return NEWS_SEARCH_SEP;
    }

    /* full-width digits and letters are ASCII typed in a CJK input mode */

    if (c >= 0xff10 && c <= 0xff19) {
        *fold = (unsigned char) (c - 0xff10 + '0');
        return NEWS_SEARCH_WORD;
    }

    if (c >= 0xff21 && c <= 0xff3a) {
        *fold = (unsigned char) (c - 0xff21 + 'a');
        return NEWS_SEARCH_WORD;
    }

    if (c >= 0xff41 && c <= 0xff5a) {
        *fold = (unsigned char) (c - 0xff41 + 'a');
        return NEWS_SEARCH_WORD;
    }

    if ((c >= 0x4e00 && c <= 0x9fff)         /* CJK Unified Ideographs */
        || (c >= 0x3400 && c <= 0x4dbf)      /* Extension A */
        || (c >= 0x20000 && c <= 0x3ffff)    /* Extensions B-H, compat. */
        || (c >= 0xf900 && c <= 0xfaff)      /* Compatibility Ideographs */
        || (c >= 0x3005 && c <= 0x3007)      /* 々 〆 〇: ideographic */
        || (c >= 0x3040 && c <= 0x309f)      /* Hiragana */
        || (c >= 0x30a1 && c <= 0x30ff && c != 0x30fb)  /* Katakana */
        || (c >= 0x31f0 && c <= 0x31ff)      /* Katakana extensions */
        || (c >= 0xff66 && c <= 0xff9f)      /* half-width Katakana */
        || (c >= 0xac00 && c <= 0xd7a3))     /* Hangul syllables */
    {
        return NEWS_SEARCH_CJK;
    }

    if (c == 0x3000) {
        return NEWS_SEARCH_SPACE;
    }

    /* letters of alphabetic scripts, and the accents that combine */

    if ((c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7)
        || (c >= 0x300 && c <= 0x36f)
        || (c >= 0x370 && c <= 0x3ff && c != 0x375 && c != 0x37e
            && c != 0x384 && c != 0x385 && c != 0x387)
        || (c >= 0x400 && c <= 0x52f && c != 0x482)
        || (c >= 0x1e00 && c <= 0x1fff))
    {
        return NEWS_SEARCH_WORD;
    }

    return NEWS_SEARCH_SEP;
}


/*
 * The reader's text is checked whole first (UTF-8, no NUL, its length),
 * then each whitespace-separated chunk is tokenized and written as one
 * FTS5 string: only tokens go inside the quotes, so no byte of the input
 * can end the string or reach FTS5's query syntax, and FTS5, tokenizing
 * the string again with our tokenizer, gets back exactly those tokens.
 * CJK tokens are written side by side (a space between two would be a
 * gap), any other two with a space.  A gap inside a chunk ("北京，上海")
 * ends its phrase and starts another: the two ANDed, as if the reader
 * had typed a space, rather than a phrase of the gap's token, which is
 * in nearly every document and would make FTS5 read its whole doclist.
 */

int
news_search_query(unsigned char *dst, size_t size, const unsigned char *q,
    size_t len, size_t *out_len)
{
    int                   rc, cls;
    size_t                i, n, chars, chunk;
    uint32_t              c;
    unsigned char         fold;
    news_search_query_t   qb;

    chars = 0;

    for (i = 0; i < len; i += n) {
        n = news_utf8_decode(q + i, len - i, &c);

        if (n == 0 || c == 0) {
            return NEWS_SEARCH_INVALID;
        }

        if (++chars > NEWS_SEARCH_QUERY_CHARS) {
            return NEWS_SEARCH_TOO_LONG;
        }
    }

    qb.pos = dst;
    qb.end = dst + size;
    qb.tokens = 0;
    qb.phrases = 0;
    qb.open = 0;
    qb.last = 0;
    qb.rc = NEWS_SEARCH_OK;

    chunk = 0;

    for (i = 0; i <= len; i += n) {

        if (i < len) {
            n = news_utf8_decode(q + i, len - i, &c);
            cls = news_search_class(c, &fold);

            if (cls != NEWS_SEARCH_SPACE) {
                continue;
            }

        } else {
            n = 1;
        }

        if (i > chunk) {
            rc = news_search_tokenize(q + chunk, i - chunk,
                                      news_search_query_token, &qb);
            if (rc != 0) {
                return qb.rc;
            }

            if (news_search_query_close(&qb) != 0) {
                return NEWS_SEARCH_NO_ROOM;
            }
        }

        chunk = i + n;
    }

    if (qb.tokens == 0) {
        return NEWS_SEARCH_NOTHING;
    }

    *out_len = (size_t) (qb.pos - dst);

    return NEWS_SEARCH_OK;
}


static int
news_search_query_token(void *data, int kind, const unsigned char *token,
    size_t len, size_t start, size_t end)
{
    news_search_query_t  *qb = data;

    if (kind == NEWS_SEARCH_GAP) {
        if (news_search_query_close(qb) != 0) {
            goto no_room;
        }

        return 0;
    }

    if (++qb->tokens > NEWS_SEARCH_QUERY_TOKENS) {
        qb->rc = NEWS_SEARCH_TOO_MANY;
        return 1;
    }

    if (!qb->open) {
        if (qb->phrases && news_search_query_byte(qb, ' ') != 0) {
            goto no_room;
        }

        if (news_search_query_byte(qb, '"') != 0) {
            goto no_room;
        }

        qb->open = 1;
        qb->phrases++;

    } else if (qb->last != NEWS_SEARCH_CJK || kind != NEWS_SEARCH_CJK) {
        if (news_search_query_byte(qb, ' ') != 0) {
            goto no_room;
        }
    }

    qb->last = kind;

    if (news_search_query_put(qb, token, len) != 0) {
        goto no_room;
    }

    return 0;

no_room:

    qb->rc = NEWS_SEARCH_NO_ROOM;

    return 1;
}


static int
news_search_query_close(news_search_query_t *qb)
{
    if (!qb->open) {
        return 0;
    }

    qb->open = 0;
    qb->last = 0;

    return news_search_query_byte(qb, '"');
}


/* a byte of the expression's own: a quote or a space */

static int
news_search_query_byte(news_search_query_t *qb, unsigned char c)
{
    if (qb->pos == qb->end) {
        return -1;
    }

    *qb->pos++ = c;

    return 0;
}


/*
 * token bytes into an FTS5 string, a quote doubled: no token holds one
 * today, but the string must stay closed whatever the tokenizer becomes
 */

static int
news_search_query_put(news_search_query_t *qb, const unsigned char *p,
    size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (p[i] == '"' && news_search_query_byte(qb, '"') != 0) {
            return -1;
        }

        if (news_search_query_byte(qb, p[i]) != 0) {
            return -1;
        }
    }

    return 0;
}


const char *
news_search_strerror(int rc)
{
    switch (rc) {
    case NEWS_SEARCH_OK:
        return "ok";
    case NEWS_SEARCH_TOO_LONG:
        return "too long";
    case NEWS_SEARCH_INVALID:
        return "not UTF-8 text";
    case NEWS_SEARCH_NOTHING:
        return "nothing to search";
    case NEWS_SEARCH_TOO_MANY:
        return "too many words";
    case NEWS_SEARCH_NO_ROOM:
        return "no room for the query";
    default:
        return "unknown error";
    }
}
