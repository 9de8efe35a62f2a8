/*
 * newsctl: the admin tool of ngx_news_module.  It creates the SQLite file
 * nginx serves the site from, imports Jekyll posts into it, brings an
 * older schema up to date, reports what got past its constraints, puts a
 * copy of it in place of the file nginx serves, folds the readership
 * files of several nginx nodes into one, and ships a node's readership
 * to PostgreSQL.
 *
 * This file: the command table, options, usage, and the SQLite helpers
 * the commands share.
 *
 * Exit status: 0 done, 1 failed (a message on stderr says what), 2 usage.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "newsctl.h"


static int newsctl_options(newsctl_command_t *cmd, int argc, char **argv,
    newsctl_opts_t *opts);
static int newsctl_option(newsctl_command_t *cmd, const char *name,
    int argc, char **argv, int *i, const char **value);
static void newsctl_usage(FILE *out);
static void newsctl_command_usage(FILE *out, newsctl_command_t *cmd);


static newsctl_command_t  newsctl_commands[] = {

    { "init", newsctl_init, "--db", NULL, NULL, "--db FILE",
      "create FILE with the news schema (refuses a file that has one)",
      { NULL } },

    { "import", newsctl_import, "--db", NULL, "post files",
      "--db FILE POST...",
      "import or update Jekyll posts, each file in its own transaction",
      { NULL } },

    { "migrate", newsctl_migrate, "--db", NULL, NULL, "--db FILE",
      "bring FILE's schema up to this newsctl's version, one migration "
      "a transaction",
      { NULL } },

    { "check", newsctl_check, "--db", NULL, NULL, "--db FILE",
      "report, read-only, what got past the constraints; exit 1 if "
      "anything did",
      { NULL } },

    { "publish", newsctl_publish, "--db", "--to", NULL,
      "--db FILE --to DEST",
      "put a checked copy of FILE in place of DEST, the file nginx serves, "
      "safely in any journal mode",
      { NULL } },

    { "merge-readership", newsctl_merge_readership, "--into", NULL,
      "node files",
      "--into FILE NODE_DB...",
      "fold nodes' readership files into FILE; merging again never counts "
      "twice",
      { NULL } },

    { "ship-readership", newsctl_ship_readership, "--db", "--to", NULL,
      "--db NODE_DB --to postgresql://...",
      "add a node's new readership counts to PostgreSQL, each once "
      "however often it runs (libpq's connection string or URI)",
      { NULL } },

    { "new", newsctl_new, "--db", NULL, NULL,
      "--db FILE --category SLUG --title TITLE [--body FILE] "
      "[--publish-at TIME] [--status draft|published] [--base URL]",
      "add a post with a fresh infoCode (a draft unless --status "
      "published) and print its code and share link",
      { "--category", "--title", "--body", "--publish-at", "--status",
        "--base", NULL } },

    { "preview-url", newsctl_preview_url, "--secret", NULL, NULL,
      "--secret FILE --code CODE [--expires 1h] [--base URL]",
      "print a signed link that shows a draft or scheduled post, for "
      "news_preview_secret FILE, until it expires",
      { "--code", "--expires", "--base", NULL } },

    { "reindex", newsctl_reindex, "--db", NULL, NULL,
      "--db FILE --index INDEX",
      "make or bring up to date INDEX, the search index of FILE, as "
      "news_search_index keeps it",
      { "--index", NULL } },

    { "search", newsctl_search, "--db", NULL, NULL,
      "--db FILE --index INDEX --query TEXT",
      "print the infoCodes of the published posts TEXT finds, newest "
      "first, as the search page finds them",
      { "--index", "--query", NULL } },

    { NULL, NULL, NULL, NULL, NULL, NULL, NULL, { NULL } }
};


const char  *newsctl_name = "newsctl";

static const char  *newsctl_init_hint =
    "\"newsctl init --db FILE\" creates a database";


int
main(int argc, char **argv)
{
    int                 rc;
    newsctl_opts_t      opts;
    newsctl_command_t  *cmd;

    if (argc < 2) {
        newsctl_usage(stderr);
        return NEWSCTL_USAGE;
    }

    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
        || strcmp(argv[1], "help") == 0)
    {
        newsctl_usage(stdout);
        return NEWSCTL_OK;
    }

    for (cmd = newsctl_commands; cmd->name != NULL; cmd++) {
        if (strcmp(argv[1], cmd->name) != 0) {
            continue;
        }

        rc = newsctl_options(cmd, argc - 1, argv + 1, &opts);
        if (rc != NEWSCTL_OK) {
            return (rc == NEWSCTL_HELP) ? NEWSCTL_OK : rc;
        }

        return cmd->handler(cmd, &opts);
    }

    fprintf(stderr, "%s: unknown command \"%s\"\n", newsctl_name, argv[1]);
    newsctl_usage(stderr);

    return NEWSCTL_USAGE;
}


int
newsctl_open(const char *path, int flags, sqlite3 **db)
{
    *db = NULL;

    /* without SQLITE_OPEN_CREATE: a typo must not make an empty database */
    if (!(flags & SQLITE_OPEN_CREATE) && access(path, F_OK) != 0) {
        fprintf(stderr, "%s: %s; %s\n", path, strerror(errno),
                newsctl_init_hint);
        return NEWSCTL_FAILED;
    }

    if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: cannot open: %s\n", path,
                *db ? sqlite3_errmsg(*db) : "out of memory");
        sqlite3_close(*db);
        *db = NULL;
        return NEWSCTL_FAILED;
    }

    sqlite3_extended_result_codes(*db, 1);
    sqlite3_busy_timeout(*db, NEWSCTL_BUSY_TIMEOUT);

    /* the schema's REFERENCES mean nothing unless every connection asks */
    if (newsctl_exec(*db, path, "PRAGMA foreign_keys = ON") != NEWSCTL_OK) {
        sqlite3_close(*db);
        *db = NULL;
        return NEWSCTL_FAILED;
    }

    return NEWSCTL_OK;
}


/* the one integer a statement of ours answers, a pragma or a count */
int
newsctl_int(sqlite3 *db, const char *path, const char *sql, int *value)
{
    sqlite3_stmt  *stmt;

    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK
        || sqlite3_step(stmt) != SQLITE_ROW)
    {
        fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_finalize(stmt);
        return NEWSCTL_FAILED;
    }

    *value = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);

    return NEWSCTL_OK;
}


int
newsctl_exec(sqlite3 *db, const char *path, const char *sql)
{
    char  *err;

    err = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", path, err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return NEWSCTL_FAILED;
    }

    return NEWSCTL_OK;
}


/* after a failure: some errors have rolled the transaction back already */
void
newsctl_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db)) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
}


int
newsctl_schema_version(sqlite3 *db, const char *path, int *version)
{
    int  app_id, posts;

    if (newsctl_int(db, path, "PRAGMA user_version", version) != NEWSCTL_OK
        || newsctl_int(db, path, "PRAGMA application_id", &app_id)
           != NEWSCTL_OK
        || newsctl_int(db, path, "SELECT count(*) FROM sqlite_master"
                       " WHERE type = 'table' AND name = 'posts'", &posts)
           != NEWSCTL_OK)
    {
        return NEWSCTL_FAILED;
    }

    if (app_id == NEWSCTL_READERSHIP_ID) {
        fprintf(stderr, "%s: is a readership database, not a content "
                "database; %s\n", path, newsctl_init_hint);
        return NEWSCTL_FAILED;
    }

    if (*version == 0) {
        fprintf(stderr, "%s: no news schema (user_version is 0); %s\n",
                path, newsctl_init_hint);
        return NEWSCTL_FAILED;
    }

    if (!posts) {
        fprintf(stderr, "%s: user_version is %d but there is no posts "
                "table: not a news content database; %s\n", path, *version,
                newsctl_init_hint);
        return NEWSCTL_FAILED;
    }

    return NEWSCTL_OK;
}


int
newsctl_schema_current(sqlite3 *db, const char *path)
{
    int  version;

    if (newsctl_schema_version(db, path, &version) != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    if (version == NEWSCTL_SCHEMA_VERSION) {
        return NEWSCTL_OK;
    }

    fprintf(stderr, "%s: schema version (user_version) is %d, this newsctl "
            "needs %d; %s\n", path, version, NEWSCTL_SCHEMA_VERSION,
            (version < NEWSCTL_SCHEMA_VERSION)
            ? "run \"newsctl migrate --db FILE\" first"
            : "the file is newer than this newsctl");

    return NEWSCTL_FAILED;
}


/*
 * "--db FILE" or "--db=FILE" (--into for merge-readership, and --to DEST
 * for publish) anywhere, "--" ends the options; the positional arguments
 * are counted against what the command takes
 */
static int
newsctl_options(newsctl_command_t *cmd, int argc, char **argv,
    newsctl_opts_t *opts)
{
    int          i, k, n, rc;
    char        *a;
    const char  *opt;

    opts->db = NULL;
    opts->to = NULL;
    memset(opts->named, 0, sizeof(opts->named));
    opts->args = argv + 1;
    opts->nargs = 0;
    n = 0;

    for (i = 1; i < argc; i++) {
        a = argv[i];

        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++) {
                opts->args[n++] = argv[i];
            }

            break;
        }

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            newsctl_command_usage(stdout, cmd);
            return NEWSCTL_HELP;
        }

        rc = newsctl_option(cmd, cmd->file_option, argc, argv, &i,
                            &opts->db);

        if (rc == NEWSCTL_FAILED && cmd->to_option != NULL) {
            rc = newsctl_option(cmd, cmd->to_option, argc, argv, &i,
                                &opts->to);
        }

        for (k = 0; rc == NEWSCTL_FAILED && cmd->named[k] != NULL; k++) {
            rc = newsctl_option(cmd, cmd->named[k], argc, argv, &i,
                                &opts->named[k]);
        }

        if (rc == NEWSCTL_OK) {
            continue;
        }

        if (rc == NEWSCTL_USAGE) {
            goto usage;
        }

        if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "%s %s: unknown option \"%s\"\n", newsctl_name,
                    cmd->name, a);
            goto usage;
        }

        opts->args[n++] = a;
    }

    opts->nargs = n;

    if (opts->db == NULL || opts->db[0] == '\0') {
        fprintf(stderr, "%s %s: %s FILE is required\n", newsctl_name,
                cmd->name, cmd->file_option);
        goto usage;
    }

    opt = cmd->to_option;

    if (opt != NULL && (opts->to == NULL || opts->to[0] == '\0')) {
        fprintf(stderr, "%s %s: %s FILE is required\n", newsctl_name,
                cmd->name, opt);
        goto usage;
    }

    if (cmd->operands == NULL && n != 0) {
        fprintf(stderr, "%s %s: unexpected argument \"%s\"\n", newsctl_name,
                cmd->name, opts->args[0]);
        goto usage;
    }

    if (cmd->operands != NULL && n == 0) {
        fprintf(stderr, "%s %s: no %s given\n", newsctl_name, cmd->name,
                cmd->operands);
        goto usage;
    }

    return NEWSCTL_OK;

usage:

    newsctl_command_usage(stderr, cmd);

    return NEWSCTL_USAGE;
}


/*
 * argv[*i] as "NAME FILE" (*i moves past FILE) or "NAME=FILE":
 * NEWSCTL_OK, NEWSCTL_USAGE without FILE, NEWSCTL_FAILED for another one
 */
static int
newsctl_option(newsctl_command_t *cmd, const char *name, int argc,
    char **argv, int *i, const char **value)
{
    char    *a;
    size_t   len;

    a = argv[*i];
    len = strlen(name);

    if (strcmp(a, name) == 0) {
        if (*i + 1 == argc) {
            fprintf(stderr, "%s %s: %s needs a value\n", newsctl_name,
                    cmd->name, a);
            return NEWSCTL_USAGE;
        }

        *value = argv[++*i];
        return NEWSCTL_OK;
    }

    if (strncmp(a, name, len) == 0 && a[len] == '=') {
        *value = a + len + 1;
        return NEWSCTL_OK;
    }

    return NEWSCTL_FAILED;
}


static void
newsctl_usage(FILE *out)
{
    newsctl_command_t  *cmd;

    fprintf(out, "usage: %s COMMAND [ARGS]\n\ncommands:\n", newsctl_name);

    for (cmd = newsctl_commands; cmd->name != NULL; cmd++) {
        fprintf(out, "  %s %s\n      %s\n", cmd->name, cmd->args, cmd->help);
    }

    fprintf(out, "\n%s COMMAND --help shows the usage of one command\n",
            newsctl_name);
}


static void
newsctl_command_usage(FILE *out, newsctl_command_t *cmd)
{
    fprintf(out, "usage: %s %s %s\n  %s\n", newsctl_name, cmd->name,
            cmd->args, cmd->help);
}
