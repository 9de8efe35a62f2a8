
/*
 * Copyright (C) ngx_news_module authors
 *
 * The search tokenizer (news_search.c) registered with SQLite's FTS5 as
 * "news", for tables made with tokenize='news'.  The one file under
 * common/ that includes sqlite3.h: what links it links -lsqlite3, and the
 * pure code stays free of SQLite (the fuzzers link without it).
 */


#include <sqlite3.h>
#include <news_search.h>


typedef int (*news_fts5_token_pt)(void *ctx, int flags, const char *token,
    int len, int start, int end);


typedef struct {
    news_fts5_token_pt   token;
    void                *ctx;
} news_fts5_call_t;


static int news_fts5_create(void *data, const char **argv, int argc,
    Fts5Tokenizer **out);
static void news_fts5_delete(Fts5Tokenizer *tok);
static int news_fts5_tokenize(Fts5Tokenizer *tok, void *ctx, int flags,
    const char *text, int len, news_fts5_token_pt token);
static int news_fts5_token(void *data, int kind, const unsigned char *token,
    size_t len, size_t start, size_t end);


/* the tokenizer has no state: every table shares this one instance */
static char  news_fts5_instance;


/*
 * fts5_api is reached the documented way, through "SELECT fts5(?1)" and a
 * pointer bound as "fts5_api_ptr"; an SQLite result code is returned, for
 * the caller to log with sqlite3_errstr()
 */

int
news_fts5_register(sqlite3 *db)
{
    int                     rc;
    fts5_api               *api;
    sqlite3_stmt           *stmt;
    static fts5_tokenizer   tokenizer = {
        news_fts5_create, news_fts5_delete, news_fts5_tokenize
    };

    api = NULL;

    rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
        /* "no such function": an SQLite built without FTS5 */
        return rc;
    }

    rc = sqlite3_bind_pointer(stmt, 1, (void *) &api, "fts5_api_ptr", NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        rc = (rc == SQLITE_ROW) ? SQLITE_OK : rc;
    }

    sqlite3_finalize(stmt);

    if (rc != SQLITE_OK) {
        return rc;
    }

    if (api == NULL || api->iVersion < 2) {
        return SQLITE_ERROR;
    }

    return api->xCreateTokenizer(api, "news", NULL, &tokenizer, NULL);
}


/* no arguments: tokenize='news' alone, so that every table agrees */

static int
news_fts5_create(void *data, const char **argv, int argc,
    Fts5Tokenizer **out)
{
    if (argc != 0) {
        return SQLITE_ERROR;
    }

    *out = (Fts5Tokenizer *) &news_fts5_instance;

    return SQLITE_OK;
}


static void
news_fts5_delete(Fts5Tokenizer *tok)
{
    /* the instance is static */
}


/*
 * documents, queries and auxiliary functions (snippet(), highlight()) are
 * tokenized alike: the positions highlight() finds must be those indexed,
 * and a prefix query ("x"*) has no meaning of its own here
 */

static int
news_fts5_tokenize(Fts5Tokenizer *tok, void *ctx, int flags,
    const char *text, int len, news_fts5_token_pt token)
{
    news_fts5_call_t  call;

    if (text == NULL || len <= 0) {
        return SQLITE_OK;
    }

    call.token = token;
    call.ctx = ctx;

    return news_search_tokenize((const unsigned char *) text, (size_t) len,
                                news_fts5_token, &call);
}


/* FTS5's own codes pass back through news_search_tokenize() */

static int
news_fts5_token(void *data, int kind, const unsigned char *token,
    size_t len, size_t start, size_t end)
{
    news_fts5_call_t  *call = data;

    return call->token(call->ctx, 0, (const char *) token, (int) len,
                       (int) start, (int) end);
}
