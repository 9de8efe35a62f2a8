/*
 * newsctl reindex: the search index file of a content database made, or
 * brought up to date, by a full pass (common/news_search_index.c, the
 * code nginx's news_search_index runs too); newsctl search: what a query
 * finds there, newest first, as infoCodes, the way the search page
 * finds it (the published posts only), for admins and tests.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <news_search.h>

#include "newsctl.h"


enum {
    NEWSCTL_SEARCH_INDEX = 0,
    NEWSCTL_SEARCH_QUERY
};


/* the search page's own query, but for the page's bounds */
static const char  newsctl_search_sql[] =
    "SELECT p.info_code FROM search_text t"
    " JOIN search_docs d ON d.doc_id = t.rowid"
    " JOIN content.posts p ON p.id = d.post_id"
    " WHERE search_text MATCH ?1 AND p.status = 'published'"
    " AND p.published_ts <= ?2 ORDER BY t.rowid DESC";


int
newsctl_reindex(newsctl_command_t *cmd, newsctl_opts_t *opts)
{
    int                   rc, full;
    long                  indexed;
    const char           *index;
    news_search_index_t   ix;

    index = opts->named[NEWSCTL_SEARCH_INDEX];

    if (index == NULL || index[0] == '\0') {
        fprintf(stderr, "%s %s: --index is required\n", newsctl_name,
                cmd->name);
        return NEWSCTL_USAGE;
    }

    if (news_search_index_open(&ix, index, opts->db) != 0) {
        fprintf(stderr, "%s %s: %s\n", newsctl_name, cmd->name, ix.err);
        return NEWSCTL_FAILED;
    }

    rc = news_search_index_pass(&ix, 1, &indexed, &full);

    if (rc == 1) {
        fprintf(stderr, "%s %s: %s: another pass holds the index, try "
                "again\n", newsctl_name, cmd->name, index);

    } else if (rc != 0) {
        fprintf(stderr, "%s %s: %s\n", newsctl_name, cmd->name, ix.err);

    } else {
        printf("%s: %ld post(s) indexed or removed\n", index, indexed);
    }

    news_search_index_close(&ix);

    return rc == 0 ? NEWSCTL_OK : NEWSCTL_FAILED;
}


int
newsctl_search(newsctl_command_t *cmd, newsctl_opts_t *opts)
{
    int                   rc;
    size_t                len;
    const char           *index, *q;
    sqlite3_stmt         *stmt;
    unsigned char         match[NEWS_SEARCH_QUERY_SIZE];
    news_search_index_t   ix;

    index = opts->named[NEWSCTL_SEARCH_INDEX];
    q = opts->named[NEWSCTL_SEARCH_QUERY];

    if (index == NULL || index[0] == '\0' || q == NULL) {
        fprintf(stderr, "%s %s: --index and --query are required\n",
                newsctl_name, cmd->name);
        return NEWSCTL_USAGE;
    }

    rc = news_search_query(match, sizeof(match), (const unsigned char *) q,
                           strlen(q), &len);
    if (rc != NEWS_SEARCH_OK) {
        fprintf(stderr, "%s %s: --query: %s\n", newsctl_name, cmd->name,
                news_search_strerror(rc));
        return NEWSCTL_USAGE;
    }

    if (access(index, R_OK) != 0) {
        fprintf(stderr, "%s %s: %s: no index (\"newsctl reindex\" makes "
                "it)\n", newsctl_name, cmd->name, index);
        return NEWSCTL_FAILED;
    }

    if (news_search_index_open(&ix, index, opts->db) != 0) {
        fprintf(stderr, "%s %s: %s\n", newsctl_name, cmd->name, ix.err);
        return NEWSCTL_FAILED;
    }

    if (sqlite3_prepare_v2(ix.db, newsctl_search_sql, -1, &stmt, NULL)
        != SQLITE_OK)
    {
        fprintf(stderr, "%s %s: %s\n", newsctl_name, cmd->name,
                sqlite3_errmsg(ix.db));
        news_search_index_close(&ix);
        return NEWSCTL_FAILED;
    }

    sqlite3_bind_text(stmt, 1, (char *) match, (int) len, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64) time(NULL));

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        printf("%s\n", (const char *) sqlite3_column_text(stmt, 0));
    }

    if (rc != SQLITE_DONE) {
        fprintf(stderr, "%s %s: %s\n", newsctl_name, cmd->name,
                sqlite3_errmsg(ix.db));
    }

    sqlite3_finalize(stmt);
    news_search_index_close(&ix);

    return rc == SQLITE_DONE ? NEWSCTL_OK : NEWSCTL_FAILED;
}
