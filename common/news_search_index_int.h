
/*
 * Copyright (C) ngx_news_module authors
 *
 * The search index file's insides, for the two files of it: the file
 * itself, its statements and its state (news_search_index.c), and the
 * passes that keep it current (news_search_pass.c).
 */


#ifndef _NEWS_SEARCH_INDEX_INT_H_INCLUDED_
#define _NEWS_SEARCH_INDEX_INT_H_INCLUDED_


#include <stdint.h>
#include <sqlite3.h>
#include <news_search.h>


/* the statements, prepared when the index is opened */
enum {
    NEWS_SX_CHANGED = 0,
    NEWS_SX_POST,
    NEWS_SX_DOC,
    NEWS_SX_DEL_TEXT,
    NEWS_SX_DEL_DOC,
    NEWS_SX_ADD_TEXT,
    NEWS_SX_ADD_DOC,
    NEWS_SX_STALE,
    NEWS_SX_GET_STATE,
    NEWS_SX_SET_STATE,
    NEWS_SX_MAX
};


int news_search_index_state(news_search_index_t *ix, const char *name,
    int64_t *value);
int news_search_index_keep(news_search_index_t *ix, const char *name,
    int64_t value);
int news_search_index_fail(news_search_index_t *ix, const char *what);


#endif /* _NEWS_SEARCH_INDEX_INT_H_INCLUDED_ */
