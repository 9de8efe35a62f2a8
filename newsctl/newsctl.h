/*
 * newsctl.h: what the files of newsctl share, and no one else: exit
 * codes, the command table's shape, the options and the SQLite helpers.
 *
 *   newsctl.c             main, options, usage, the SQLite helpers
 *   newsctl_init.c        init: a new content database
 *   newsctl_import.c      import: Jekyll posts into it
 *   newsctl_migrate.c     migrate: an older schema brought up to date
 *   newsctl_check.c       check: what got past the constraints anyway
 *                         (newsctl_check_schema.c, newsctl_check_cycles.c,
 *                         its parts; newsctl_check.h)
 *   newsctl_publish.c     publish: a copy put in place of the served file
 *   newsctl_readership.c  merge-readership: nodes' readership files
 *   newsctl_ship.c        ship-readership: a node's counts to PostgreSQL
 *   newsctl_new.c         new: a post with a fresh infoCode
 *   newsctl_preview.c     preview-url: a signed link to a post not public
 */

#ifndef NEWSCTL_H
#define NEWSCTL_H

#include <sqlite3.h>

#include "news_defs.h"


#define NEWSCTL_OK              0
/* --help was asked for and answered */
#define NEWSCTL_HELP           -1
#define NEWSCTL_FAILED          1
#define NEWSCTL_USAGE           2

/*
 * the user_version of sql/schema.sql; older files are migrated to it: read
 * from the SQL, as are the readership file's pragmas (sql/gen_defs.sh)
 */
#define NEWSCTL_SCHEMA_VERSION  NEWS_SCHEMA_VERSION

/* a number as a string, for SQL that must say it */
#define NEWSCTL_STR(n)          NEWSCTL_STR_(n)
#define NEWSCTL_STR_(n)         #n
/* long enough to wait out nginx's readers and another import */
#define NEWSCTL_BUSY_TIMEOUT    5000

/* sql/readership.sql's pragmas; the application_id is "NEWS" in ASCII */
#define NEWSCTL_READERSHIP_ID       NEWS_READERSHIP_APP_ID
#define NEWSCTL_READERSHIP_VERSION  NEWS_READERSHIP_VERSION


typedef struct newsctl_command_s  newsctl_command_t;


/*
 * the file option every command has, the target file of those that have
 * one, and the positional arguments
 */
#define NEWSCTL_NAMED_MAX       8

typedef struct {
    const char     *db;
    const char     *to;
    char          **args;
    int             nargs;
    /* the values of the command's named options, NULL when not given */
    const char     *named[NEWSCTL_NAMED_MAX];
} newsctl_opts_t;


struct newsctl_command_s {
    const char     *name;
    int           (*handler)(newsctl_command_t *cmd, newsctl_opts_t *opts);
    /* the option naming the database the command works on: --db, --into */
    const char     *file_option;
    /* the option naming the file it writes to, "--to"; NULL: none */
    const char     *to_option;
    /* what the positional arguments are, "post files"; NULL: none taken */
    const char     *operands;
    const char     *args;
    const char     *help;
    /* more options taking a value, "--title", NULL-terminated */
    const char     *named[NEWSCTL_NAMED_MAX];
};


/* one file of sql/migrations/, as gen_migrations.sh embeds it */
typedef struct {
    int             version;        /* the user_version it leaves */
    const char     *name;           /* "002_redirects" */
    const char     *sql;
} newsctl_migration_t;


extern const char  *newsctl_name;


int newsctl_init(newsctl_command_t *cmd, newsctl_opts_t *opts);
int newsctl_import(newsctl_command_t *cmd, newsctl_opts_t *opts);
int newsctl_migrate(newsctl_command_t *cmd, newsctl_opts_t *opts);
int newsctl_check(newsctl_command_t *cmd, newsctl_opts_t *opts);
int newsctl_merge_readership(newsctl_command_t *cmd, newsctl_opts_t *opts);
int newsctl_ship_readership(newsctl_command_t *cmd, newsctl_opts_t *opts);
int newsctl_publish(newsctl_command_t *cmd, newsctl_opts_t *opts);
int newsctl_new(newsctl_command_t *cmd, newsctl_opts_t *opts);
int newsctl_preview_url(newsctl_command_t *cmd, newsctl_opts_t *opts);
int newsctl_reindex(newsctl_command_t *cmd, newsctl_opts_t *opts);
int newsctl_search(newsctl_command_t *cmd, newsctl_opts_t *opts);

/*
 * opens path with the flags of sqlite3_open_v2(); without
 * SQLITE_OPEN_CREATE a missing file is an error that says how to make one
 */
int newsctl_open(const char *path, int flags, sqlite3 **db);
int newsctl_int(sqlite3 *db, const char *path, const char *sql, int *value);
int newsctl_exec(sqlite3 *db, const char *path, const char *sql);
void newsctl_rollback(sqlite3 *db);

/*
 * the user_version of a content database; a file that is none (version
 * 0, a readership file, someone else's) is NEWSCTL_FAILED, said on stderr
 */
int newsctl_schema_version(sqlite3 *db, const char *path, int *version);
/* NEWSCTL_OK for the version this newsctl writes, else says what to do */
int newsctl_schema_current(sqlite3 *db, const char *path);


#endif /* NEWSCTL_H */
