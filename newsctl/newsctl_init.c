/*
 * newsctl init: a new content database, with sql/schema.sql as it was
 * when newsctl was built.
 */

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "newsctl.h"
#include "news_schema.h"


int
newsctl_init(newsctl_command_t *cmd, newsctl_opts_t *opts)
{
    int           version, objects, existed;
    sqlite3      *db;
    const char   *path;
    struct stat   st;

    path = opts->db;
    existed = (stat(path, &st) == 0);

    if (newsctl_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db)
        != NEWSCTL_OK)
    {
        return NEWSCTL_FAILED;
    }

    /* the check and the schema in one transaction: no one slips between */
    if (newsctl_exec(db, path, "BEGIN IMMEDIATE") != NEWSCTL_OK
        || newsctl_int(db, path, "PRAGMA user_version", &version)
           != NEWSCTL_OK
        || newsctl_int(db, path, "SELECT count(*) FROM sqlite_master",
                       &objects)
           != NEWSCTL_OK)
    {
        goto failed;
    }

    if (version != 0 || objects != 0) {
        fprintf(stderr, "%s: already has a schema (user_version %d, %d "
                "schema objects); init only creates new databases\n",
                path, version, objects);
        existed = 1;
        goto failed;
    }

    if (newsctl_exec(db, path, news_schema_sql) != NEWSCTL_OK
        || newsctl_exec(db, path, "COMMIT") != NEWSCTL_OK)
    {
        goto failed;
    }

    if (newsctl_int(db, path, "PRAGMA user_version", &version)
        != NEWSCTL_OK)
    {
        goto failed;
    }

    if (version != NEWSCTL_SCHEMA_VERSION) {
        fprintf(stderr, "%s: the embedded schema set user_version %d, "
                "expected %d\n", path, version, NEWSCTL_SCHEMA_VERSION);
        goto failed;
    }

    if (sqlite3_close(db) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
        return NEWSCTL_FAILED;
    }

    printf("created %s (schema version %d)\n", path, version);

    return NEWSCTL_OK;

failed:

    newsctl_rollback(db);
    sqlite3_close(db);

    /* a failed init leaves no empty file to be mistaken for a database */
    if (!existed) {
        unlink(path);
    }

    return NEWSCTL_FAILED;
}
