/*
 * newsctl merge-readership: the readership files of several nginx nodes
 * folded into one.  A node's file holds its running totals, so merging it
 * again, or a newer copy of it, replaces its rows and never adds them; the
 * regions' names come along.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "newsctl.h"
#include "news_readership.h"


static int newsctl_merge_target(sqlite3 *db, const char *path);
static int newsctl_merge_file(sqlite3 *db, const char *into,
    struct stat *into_st, const char *file, sqlite3_int64 *rows);
static int newsctl_readership_check(sqlite3 *db, const char *path,
    int attached);
static char *newsctl_ro_uri(const char *path);


int
newsctl_merge_readership(newsctl_command_t *cmd, newsctl_opts_t *opts)
{
    int              i, merged, failed, created;
    sqlite3         *db;
    struct stat      st;
    sqlite3_int64    rows, n;

    created = (stat(opts->db, &st) != 0);

    /* URIs, so that ATTACH opens the nodes' files read-only */
    if (newsctl_open(opts->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                               | SQLITE_OPEN_URI, &db)
        != NEWSCTL_OK)
    {
        return NEWSCTL_FAILED;
    }

    if (newsctl_merge_target(db, opts->db) != NEWSCTL_OK) {
        sqlite3_close(db);

        /* a file that is not there stays not there */
        if (created) {
            unlink(opts->db);
        }

        return NEWSCTL_FAILED;
    }

    /* who the target is, to know it again under another name */
    if (stat(opts->db, &st) != 0) {
        fprintf(stderr, "%s: %s\n", opts->db, strerror(errno));
        sqlite3_close(db);
        return NEWSCTL_FAILED;
    }

    merged = 0;
    failed = 0;
    rows = 0;

    for (i = 0; i < opts->nargs; i++) {
        if (newsctl_merge_file(db, opts->db, &st, opts->args[i], &n)
            == NEWSCTL_OK)
        {
            merged++;
            rows += n;

        } else {
            failed++;
        }
    }

    if (sqlite3_close(db) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", opts->db, sqlite3_errmsg(db));
        failed++;
    }

    if (failed) {
        printf("merged %d files: %lld rows, %d failed\n", merged,
               (long long) rows, failed);
        return NEWSCTL_FAILED;
    }

    printf("merged %d files: %lld rows\n", merged, (long long) rows);

    return NEWSCTL_OK;
}


/* FILE is a readership database already, or empty and made one */
static int
newsctl_merge_target(sqlite3 *db, const char *path)
{
    int  app_id, objects;

    /* the check and the schema in one transaction, as init does */
    if (newsctl_exec(db, path, "BEGIN IMMEDIATE") != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    if (newsctl_int(db, path, "PRAGMA application_id", &app_id)
        != NEWSCTL_OK
        || newsctl_int(db, path, "SELECT count(*) FROM sqlite_master",
                       &objects)
           != NEWSCTL_OK
        || (app_id == 0 && objects == 0
            && newsctl_exec(db, path, news_readership_sql) != NEWSCTL_OK)
        || newsctl_exec(db, path, "COMMIT") != NEWSCTL_OK)
    {
        newsctl_rollback(db);

        return NEWSCTL_FAILED;
    }

    if (newsctl_readership_check(db, path, 0) != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    /* a file of this version made before region_names gains it */
    return newsctl_exec(db, path, news_readership_sql);
}


/*
 * one node's file in one transaction; it holds the running totals of its
 * node, so its rows replace those of the same key and are never added
 */
static int
newsctl_merge_file(sqlite3 *db, const char *into, struct stat *into_st,
    const char *file, sqlite3_int64 *rows)
{
    int            rc, names;
    char          *uri, *err;
    struct stat    st;
    sqlite3_stmt  *stmt;

    if (stat(file, &st) != 0) {
        fprintf(stderr, "%s: cannot open: %s\n", file, strerror(errno));
        return NEWSCTL_FAILED;
    }

    if (st.st_dev == into_st->st_dev && st.st_ino == into_st->st_ino) {
        fprintf(stderr, "%s: is the --into file %s itself; a file is not "
                "merged into itself\n", file, into);
        return NEWSCTL_FAILED;
    }

    uri = newsctl_ro_uri(file);
    if (uri == NULL) {
        fprintf(stderr, "%s: out of memory\n", file);
        return NEWSCTL_FAILED;
    }

    rc = sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS node", -1, &stmt,
                            NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, uri, -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt);
    }

    if (rc != SQLITE_DONE) {
        fprintf(stderr, "%s: cannot open: %s\n", file, sqlite3_errmsg(db));
        sqlite3_finalize(stmt);
        free(uri);
        return NEWSCTL_FAILED;
    }

    sqlite3_finalize(stmt);
    free(uri);

    if (newsctl_readership_check(db, file, 1) != NEWSCTL_OK) {
        goto failed;
    }

    err = NULL;

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) != SQLITE_OK
        || sqlite3_exec(db,
               "INSERT INTO main.readership"
               " (node, day, info_code, region, kind, bot, count)"
               " SELECT node, day, info_code, region, kind, bot, count"
               " FROM node.readership WHERE true"
               " ON CONFLICT (node, day, info_code, region, kind, bot)"
               " DO UPDATE SET count = excluded.count",
               NULL, NULL, &err)
           != SQLITE_OK)
    {
        goto failed_sql;
    }

    *rows = sqlite3_changes(db);

    if (sqlite3_exec(db,
            "INSERT INTO main.readership_lost (node, day, count)"
            " SELECT node, day, count FROM node.readership_lost WHERE true"
            " ON CONFLICT (node, day) DO UPDATE SET count = excluded.count",
            NULL, NULL, &err)
        != SQLITE_OK)
    {
        goto failed_sql;
    }

    *rows += sqlite3_changes(db);

    /*
     * the regions' names, not a node's: the file merged last has the
     * last word; a file of before region_names has none to give
     */

    if (newsctl_int(db, file, "SELECT count(*) FROM node.sqlite_master"
                    " WHERE name = 'region_names'", &names)
        != NEWSCTL_OK)
    {
        goto failed;
    }

    if (names
        && sqlite3_exec(db,
               "INSERT INTO main.region_names (region, lang, name)"
               " SELECT region, lang, name FROM node.region_names WHERE true"
               " ON CONFLICT (region, lang) DO UPDATE SET name = excluded.name",
               NULL, NULL, &err)
           != SQLITE_OK)
    {
        goto failed_sql;
    }

    if (sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK) {
        goto failed_sql;
    }

    return newsctl_exec(db, file, "DETACH DATABASE node");

failed_sql:

    fprintf(stderr, "%s: cannot merge into %s: %s\n", file, into,
            err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);

failed:

    newsctl_rollback(db);

    sqlite3_exec(db, "DETACH DATABASE node", NULL, NULL, NULL);

    return NEWSCTL_FAILED;
}


/* the pragmas sql/readership.sql sets, of FILE or of the attached node */
static int
newsctl_readership_check(sqlite3 *db, const char *path, int attached)
{
    int  app_id, version;

    if (newsctl_int(db, path, attached ? "PRAGMA node.application_id"
                                       : "PRAGMA main.application_id",
                    &app_id)
        != NEWSCTL_OK
        || newsctl_int(db, path, attached ? "PRAGMA node.user_version"
                                          : "PRAGMA main.user_version",
                       &version)
           != NEWSCTL_OK)
    {
        return NEWSCTL_FAILED;
    }

    if (app_id != NEWSCTL_READERSHIP_ID) {
        fprintf(stderr, "%s: application_id is %d, not %d: not a "
                "readership database\n", path, app_id,
                NEWSCTL_READERSHIP_ID);
        return NEWSCTL_FAILED;
    }

    if (version != NEWSCTL_READERSHIP_VERSION) {
        fprintf(stderr, "%s: readership schema version (user_version) is "
                "%d, this newsctl knows %d\n", path, version,
                NEWSCTL_READERSHIP_VERSION);
        return NEWSCTL_FAILED;
    }

    return NEWSCTL_OK;
}


/*
 * "file:PATH?mode=ro" with PATH percent-encoded, so that no byte of a
 * file name is read as part of the URI; malloc()ed
 */
static char *
newsctl_ro_uri(const char *path)
{
    char           *uri, *p;
    const char     *s;
    unsigned char   c;

    static const char  hex[] = "0123456789ABCDEF";

    uri = malloc(sizeof("file://?mode=ro") + strlen(path) * 3);
    if (uri == NULL) {
        return NULL;
    }

    p = uri;
    memcpy(p, "file:", 5);
    p += 5;

    /* an empty authority: the path's first element is not a host */
    if (path[0] == '/') {
        memcpy(p, "//", 2);
        p += 2;
    }

    for (s = path; *s != '\0'; s++) {
        c = (unsigned char) *s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '-'
            || c == '_')
        {
            *p++ = (char) c;

        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0x0F];
        }
    }

    memcpy(p, "?mode=ro", sizeof("?mode=ro"));

    return uri;
}
