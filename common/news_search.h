
/*
 * Copyright (C) ngx_news_module authors
 *
 * news_search.h: the tokenizer of full-text search, the FTS5 query
 * built from a reader's words, and the text a post's HTML gives the
 * index.  Pure C (news_search.c, news_search_text.c: no nginx, no
 * SQLite, no allocation), fuzzed; but news_fts5_register(), whose file,
 * news_fts5.c, hands the tokenizer to SQLite's FTS5 and links -lsqlite3
 * (this header needs no sqlite3.h).
 *
 * Tokens: one per CJK character (Han, kana, Hangul syllables); a run of
 * letters and digits is one word, ASCII and full-width forms folded to
 * lower-case ASCII, other letters (Latin-1, Latin Extended, Greek,
 * Cyrillic) kept as they are, not folded; everything else separates and
 * is dropped.  Between two CJK characters that something was dropped
 * between, a gap token keeps them apart, so that a phrase of Han
 * characters matches exactly where the characters are adjacent in the
 * text: a substring search.
 */


#ifndef _NEWS_SEARCH_H_INCLUDED_
#define _NEWS_SEARCH_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/*
 * bytes of a token: a longer word is cut before the character that would
 * pass the bound, and the rest starts the next token
 */
#define NEWS_SEARCH_TOKEN_MAX     64

/* a query's characters (code points) and tokens */
#define NEWS_SEARCH_QUERY_CHARS   100
#define NEWS_SEARCH_QUERY_TOKENS  32

/*
 * room for any query news_search_query() accepts: its tokens are no
 * longer than their characters, at most 4 bytes each, and each token
 * adds at most a space and a phrase's two quotes and space
 */
#define NEWS_SEARCH_QUERY_SIZE                                               \
    (4 * NEWS_SEARCH_QUERY_CHARS + 4 * NEWS_SEARCH_QUERY_TOKENS)

/* what a token is, for the callback */
#define NEWS_SEARCH_WORD          1
#define NEWS_SEARCH_CJK           2
#define NEWS_SEARCH_GAP           3

/* the gap's token: a space, which no text can yield as a token */
#define NEWS_SEARCH_GAP_TOKEN     " "

/* news_search_query() results; the errors are the reader's but NO_ROOM */
#define NEWS_SEARCH_OK             0
#define NEWS_SEARCH_TOO_LONG      -1     /* over NEWS_SEARCH_QUERY_CHARS */
#define NEWS_SEARCH_INVALID       -2     /* invalid UTF-8 or a NUL */
#define NEWS_SEARCH_NOTHING       -3     /* no token to search for */
#define NEWS_SEARCH_TOO_MANY      -4     /* over NEWS_SEARCH_QUERY_TOKENS */
#define NEWS_SEARCH_NO_ROOM       -5     /* dst smaller than the query */


/*
 * called for each token in text order: its kind, its bytes (valid UTF-8,
 * 1..NEWS_SEARCH_TOKEN_MAX, good only during the call) and the offsets
 * [start, end) of the text it came from (a gap's are the bytes dropped);
 * a non-zero return stops the tokenizer, which returns it
 */
typedef int (*news_search_token_pt)(void *data, int kind,
    const unsigned char *token, size_t len, size_t start, size_t end);


int news_search_tokenize(const unsigned char *text, size_t len,
    news_search_token_pt handler, void *data);

/*
 * q, as the reader sent it, as an FTS5 MATCH expression in dst: each
 * whitespace-separated chunk a quoted phrase of its tokens, the phrases
 * ANDed; nothing the reader types is FTS5 syntax
 */
int news_search_query(unsigned char *dst, size_t size,
    const unsigned char *q, size_t len, size_t *out_len);

/* a short English reason for a news_search_query() error */
const char *news_search_strerror(int rc);


/*
 * news_search_text.c: the visible text of the HTML html (len bytes) into
 * dst, which must hold len bytes and not overlap html: the output is
 * never longer than the input.  Returns the length written.
 *
 *   - tags are dropped, a '>' inside a quoted attribute value with them;
 *     a block-level tag (p, div, br, li, td, h1, table, img, ...) is a
 *     separator, an inline one (a, b, span, ...) nothing: "北<b>京</b>"
 *     is "北京";
 *   - script, style, template, noscript, title, iframe, noembed and
 *     noframes are dropped with what they hold, so are comments, CDATA
 *     sections, <!DOCTYPE ...> and <?...>; markup that the input ends in
 *     before it closes drops the rest;
 *   - a '<' not followed by a letter, '/', '!' or '?' is text ("a < b");
 *   - references with their ';' are decoded: &#NNN; and &#xHH;, &amp;
 *     &lt; &gt; &quot; &apos; &nbsp; (a separator) and a few named ones
 *     (&mdash; &hellip; &ldquo; &middot; &copy; ...); one to U+0000, a
 *     surrogate or past U+10FFFF is dropped, one to a control character
 *     is a separator; others are kept as they are ("&foo;", "&amp");
 *   - white space and control characters (C0, DEL, C1: 0x01 and 0x02
 *     mark a snippet's matches) separate, and bytes that are not UTF-8
 *     are dropped;
 *   - a run of separators is one space, none at either end.
 *
 * The output is valid UTF-8 with no control character and no NUL.  It
 * may hold a '<' or a '&' (from "&lt;", or text's own): escaped for HTML
 * again, those two only, it gives itself back.
 */
size_t news_search_text(unsigned char *dst, const unsigned char *html,
    size_t len);


/* news_fts5.c: the tokenizer as FTS5's "news", for one connection */
struct sqlite3;
int news_fts5_register(struct sqlite3 *db);


/*
 * news_search_index.c, news_search_pass.c: the index file (sql/search.sql)
 * opened, made when missing, the content database attached read-only,
 * and kept current by passes; 0, or -1 with err said (a pass: 1 when
 * another one is under way)
 */

#define NEWS_SEARCH_INDEX_STMTS   10

struct sqlite3_stmt;

typedef struct {
    struct sqlite3       *db;
    struct sqlite3_stmt  *stmt[NEWS_SEARCH_INDEX_STMTS];
    int64_t               high_water;
    int64_t               now;        /* when the pass began */
    int64_t               content;    /* the content file's identity */
    int                   stale;      /* not the one indexed: a full pass */
    char                  err[512];
} news_search_index_t;

int news_search_index_open(news_search_index_t *ix, const char *index_path,
    const char *content_path);
int news_search_index_pass(news_search_index_t *ix, int full, long *indexed,
    int *was_full);
void news_search_index_close(news_search_index_t *ix);


#endif /* _NEWS_SEARCH_H_INCLUDED_ */
