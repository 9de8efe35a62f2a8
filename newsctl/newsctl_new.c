/*
 * newsctl new: a post with a fresh infoCode, made by running the admin
 * recipe sql/admin/add_post.sql (carried in newsctl) with the options
 * bound to its parameters: the recipe and the command cannot drift apart.
 * Prints the code and the post's share link.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "newsctl.h"
#include "news_post.h"
#include "news_add_post.h"


/* the order of the command's named options in newsctl.c */
enum {
    NEWSCTL_NEW_CATEGORY = 0,
    NEWSCTL_NEW_TITLE,
    NEWSCTL_NEW_BODY,
    NEWSCTL_NEW_PUBLISH_AT,
    NEWSCTL_NEW_STATUS,
    NEWSCTL_NEW_BASE
};


static int newsctl_new_run(sqlite3 *db, const char *path, const char **bind,
    char *code, size_t size);
static void newsctl_readfile(sqlite3_context *ctx, int argc,
    sqlite3_value **argv);


int
newsctl_new(newsctl_command_t *cmd, newsctl_opts_t *opts)
{
    int          rc;
    char         at[NEWS_POST_DATE_LEN + 1], code[64];
    FILE        *f;
    sqlite3     *db;
    const char  *bind[5], *status, *base;

    if (opts->named[NEWSCTL_NEW_CATEGORY] == NULL
        || opts->named[NEWSCTL_NEW_TITLE] == NULL)
    {
        fprintf(stderr, "%s %s: --category and --title are required\n",
                newsctl_name, cmd->name);
        return NEWSCTL_USAGE;
    }

    status = opts->named[NEWSCTL_NEW_STATUS];

    if (status != NULL && strcmp(status, "draft") != 0
        && strcmp(status, "published") != 0)
    {
        fprintf(stderr, "%s %s: --status is \"draft\" or \"published\", "
                "not \"%s\"\n", newsctl_name, cmd->name, status);
        return NEWSCTL_USAGE;
    }

    bind[0] = opts->named[NEWSCTL_NEW_CATEGORY];
    bind[1] = opts->named[NEWSCTL_NEW_TITLE];
    bind[2] = opts->named[NEWSCTL_NEW_BODY];
    bind[3] = NULL;
    bind[4] = status;

    if (opts->named[NEWSCTL_NEW_PUBLISH_AT] != NULL) {
        if (news_post_parse_date(opts->named[NEWSCTL_NEW_PUBLISH_AT],
                                 strlen(opts->named[NEWSCTL_NEW_PUBLISH_AT]),
                                 at)
            != NEWS_POST_OK)
        {
            fprintf(stderr, "%s %s: --publish-at \"%s\" is not a time like "
                    "\"2024-10-15 08:50 +0800\"\n", newsctl_name, cmd->name,
                    opts->named[NEWSCTL_NEW_PUBLISH_AT]);
            return NEWSCTL_USAGE;
        }

        bind[3] = at;
    }

    /* a body that cannot be read is said before anything is written */

    if (bind[2] != NULL) {
        f = fopen(bind[2], "rb");
        if (f == NULL) {
            fprintf(stderr, "%s: %s\n", bind[2], strerror(errno));
            return NEWSCTL_FAILED;
        }

        fclose(f);
    }

    if (newsctl_open(opts->db, SQLITE_OPEN_READWRITE, &db) != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    rc = newsctl_schema_current(db, opts->db);

    if (rc == NEWSCTL_OK) {
        rc = newsctl_new_run(db, opts->db, bind, code, sizeof(code));
    }

    sqlite3_close(db);

    if (rc != NEWSCTL_OK) {
        return rc;
    }

    base = opts->named[NEWSCTL_NEW_BASE] ? opts->named[NEWSCTL_NEW_BASE] : "";

    printf("%s\n%s/html_News/NewsShare.html?infoCode=%s\n", code, base, code);

    return NEWSCTL_OK;
}


/*
 * the recipe statement by statement, its dot-commands (the sqlite3
 * shell's) left out, its parameters bound by name; the code is the row of
 * its one SELECT.  A failure rolls the recipe's transaction back.
 */
static int
newsctl_new_run(sqlite3 *db, const char *path, const char **bind,
    char *code, size_t size)
{
    int            i, rc, idx;
    char          *text, *p;
    const char    *sql, *tail, *line, *eol;
    sqlite3_stmt  *st;

    static const char  *names[] = {
        ":category", ":title", ":body_file", ":published_at", ":status"
    };

    if (sqlite3_create_function(db, "readfile", 1, SQLITE_UTF8, NULL,
                                newsctl_readfile, NULL, NULL)
        != SQLITE_OK)
    {
        fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
        return NEWSCTL_FAILED;
    }

    /* the lines of the shell's own, ".bail on", left out */

    text = malloc(sizeof(news_add_post_sql));
    if (text == NULL) {
        fprintf(stderr, "%s: out of memory\n", path);
        return NEWSCTL_FAILED;
    }

    p = text;

    for (line = news_add_post_sql; *line; line = eol) {
        eol = strchr(line, '\n');
        eol = eol ? eol + 1 : line + strlen(line);

        if (line[0] != '.') {
            memcpy(p, line, eol - line);
            p += eol - line;
        }
    }

    *p = '\0';

    code[0] = '\0';
    sql = text;

    while (*sql) {
        if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK) {
            fprintf(stderr, "%s: add_post.sql: %s\n", path,
                    sqlite3_errmsg(db));
            goto failed;
        }

        sql = tail;

        if (st == NULL) {
            continue;
        }

        for (i = 0; i < 5; i++) {
            idx = sqlite3_bind_parameter_index(st, names[i]);
            if (idx > 0 && bind[i] != NULL) {
                sqlite3_bind_text(st, idx, bind[i], -1, SQLITE_STATIC);
            }
        }

        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (sqlite3_column_type(st, 0) == SQLITE_TEXT) {
                snprintf(code, size, "%s", sqlite3_column_text(st, 0));
            }
        }

        if (rc != SQLITE_DONE) {
            fprintf(stderr, "%s: the post is refused: %s\n", path,
                    sqlite3_errmsg(db));
            sqlite3_finalize(st);
            goto failed;
        }

        sqlite3_finalize(st);
    }

    free(text);

    if (code[0] == '\0') {
        fprintf(stderr, "%s: add_post.sql made no post\n", path);
        return NEWSCTL_FAILED;
    }

    return NEWSCTL_OK;

failed:

    free(text);
    newsctl_rollback(db);

    return NEWSCTL_FAILED;
}


/* the sqlite3 shell's readfile(): a file's bytes as a blob, NULL if none */
static void
newsctl_readfile(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    long         n;
    FILE        *f;
    char        *buf;
    const char  *name;

    name = (const char *) sqlite3_value_text(argv[0]);

    if (name == NULL || (f = fopen(name, "rb")) == NULL) {
        return;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fclose(f);
        return;
    }

    buf = sqlite3_malloc64(n + 1);
    if (buf == NULL) {
        fclose(f);
        sqlite3_result_error_nomem(ctx);
        return;
    }

    if (fread(buf, 1, n, f) != (size_t) n) {
        fclose(f);
        sqlite3_free(buf);
        return;
    }

    fclose(f);

    sqlite3_result_blob(ctx, buf, n, sqlite3_free);
}
