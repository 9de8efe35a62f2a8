/*
 * newsctl migrate: an older content database brought up to the schema
 * version this newsctl writes, by the files of sql/migrations/ it carries
 * (newsctl/gen_migrations.sh embeds them), each in its own transaction.
 * A migration that fails is rolled back: the file stays at the version
 * the last good one left.
 */

#include <stdio.h>

#include <sqlite3.h>

#include "newsctl.h"
#include "news_migrations.h"


#if (NEWS_MIGRATIONS_LAST != NEWSCTL_SCHEMA_VERSION)
#error "sql/migrations/ does not end at NEWSCTL_SCHEMA_VERSION"
#endif


static int newsctl_migrate_one(sqlite3 *db, const char *path, int *version);


int
newsctl_migrate(newsctl_command_t *cmd, newsctl_opts_t *opts)
{
    int          version;
    sqlite3     *db;
    const char  *path;

    path = opts->db;

    if (newsctl_open(path, SQLITE_OPEN_READWRITE, &db) != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    if (newsctl_schema_version(db, path, &version) != NEWSCTL_OK) {
        goto failed;
    }

    if (version > NEWSCTL_SCHEMA_VERSION) {
        fprintf(stderr, "%s: schema version %d is newer than this newsctl "
                "knows (%d); it cannot be migrated back\n", path, version,
                NEWSCTL_SCHEMA_VERSION);
        goto failed;
    }

    if (version == NEWSCTL_SCHEMA_VERSION) {
        printf("%s: already at version %d, nothing to do\n", path, version);
        sqlite3_close(db);
        return NEWSCTL_OK;
    }

    /*
     * SQLite's way to change a schema: foreign keys off, which cannot be
     * done inside a transaction, and checked before each commit instead
     */
    if (newsctl_exec(db, path, "PRAGMA foreign_keys = OFF") != NEWSCTL_OK) {
        goto failed;
    }

    while (version < NEWSCTL_SCHEMA_VERSION) {
        if (newsctl_migrate_one(db, path, &version) != NEWSCTL_OK) {
            goto failed;
        }
    }

    if (sqlite3_close(db) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
        return NEWSCTL_FAILED;
    }

    return NEWSCTL_OK;

failed:

    sqlite3_close(db);

    return NEWSCTL_FAILED;
}


/* the one migration from *version, in one transaction */
static int
newsctl_migrate_one(sqlite3 *db, const char *path, int *version)
{
    int                         from, to, before, after;
    char                       *err;
    const newsctl_migration_t  *m;

    static const char  dangling[] =
        "SELECT count(*) FROM pragma_foreign_key_check";

    if (newsctl_exec(db, path, "BEGIN IMMEDIATE") != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    from = *version;

    if (newsctl_int(db, path, "PRAGMA user_version", &to) != NEWSCTL_OK) {
        goto failed;
    }

    if (to != from) {
        fprintf(stderr, "%s: user_version changed from %d to %d under "
                "newsctl migrate; run it again\n", path, from, to);
        goto failed;
    }

    for (m = news_migrations; m->name != NULL; m++) {
        if (m->version == from + 1) {
            break;
        }
    }

    if (m->name == NULL) {
        fprintf(stderr, "%s: this newsctl has no migration from version "
                "%d\n", path, from);
        goto failed;
    }

    /* rows that point nowhere already are the admin's, not the migration's */
    if (newsctl_int(db, path, dangling, &before) != NEWSCTL_OK) {
        goto failed;
    }

    err = NULL;

    if (sqlite3_exec(db, m->sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "%s: migration %s failed: %s\n", path, m->name,
                err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        goto failed;
    }

    if (sqlite3_get_autocommit(db)) {
        fprintf(stderr, "%s: migration %s ended newsctl's transaction "
                "itself; check the file's schema\n", path, m->name);
        return NEWSCTL_FAILED;
    }

    if (newsctl_int(db, path, "PRAGMA user_version", &to) != NEWSCTL_OK
        || newsctl_int(db, path, dangling, &after) != NEWSCTL_OK)
    {
        goto failed;
    }

    if (to != m->version) {
        fprintf(stderr, "%s: migration %s left user_version at %d, not "
                "%d\n", path, m->name, to, m->version);
        goto failed;
    }

    if (after > before) {
        fprintf(stderr, "%s: migration %s would leave %d rows pointing "
                "nowhere (PRAGMA foreign_key_check)\n", path, m->name,
                after - before);
        goto failed;
    }

    if (newsctl_exec(db, path, "COMMIT") != NEWSCTL_OK) {
        goto failed;
    }

    printf("%s: version %d -> %d (%s)\n", path, from, to, m->name);

    *version = to;

    return NEWSCTL_OK;

failed:

    newsctl_rollback(db);

    fprintf(stderr, "%s: rolled back; the file stays at version %d\n", path,
            from);

    return NEWSCTL_FAILED;
}
