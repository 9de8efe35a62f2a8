/*
 * newsctl check, the schema objects: the file's triggers, indexes, views
 * and tables against those sql/schema.sql makes, built in memory from the
 * copy newsctl carries; a dropped or changed trigger checks nothing from
 * then on, and nothing else would tell.
 */

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "newsctl.h"
#include "newsctl_check.h"
#include "news_schema.h"


static void newsctl_check_squeeze(sqlite3_context *ctx, int argc,
    sqlite3_value **argv);


/*
 * schema version NEWSCTL_SCHEMA_VERSION: its objects against those
 * sql/schema.sql makes (temp.newsctl_schema), by type and name, the SQL
 * text compared with its white space squeezed.  SQLite's own objects
 * (autoindexes, sqlite_stat1) are left out; a table of the admin's own,
 * and what is on it, is the admin's business, but an index or trigger
 * added to one of ours is reported: it changes what edits do.
 */
static const newsctl_check_query_t  newsctl_check_schema_query = {
    "schema",
    "SELECT line FROM ("
    " SELECT 1 AS k, e.type AS type, e.name AS name,"
    " printf('%s %s is missing (sql/schema.sql has it)', e.type, e.name)"
    " AS line FROM temp.newsctl_schema AS e"
    " WHERE NOT EXISTS (SELECT 1 FROM main.sqlite_schema AS s"
    " WHERE s.type = e.type AND s.name = e.name)"
    " UNION ALL"
    " SELECT 2, e.type, e.name,"
    " printf('%s %s differs from the one sql/schema.sql has', e.type,"
    " e.name) FROM temp.newsctl_schema AS e JOIN main.sqlite_schema AS s"
    " ON s.type = e.type AND s.name = e.name"
    " WHERE s.tbl_name IS NOT e.tbl_name"
    " OR newsctl_squeeze(s.sql) IS NOT newsctl_squeeze(e.sql)"
    " UNION ALL"
    " SELECT 3, s.type, s.name,"
    " printf('%s %s on %s is not in sql/schema.sql', s.type, s.name,"
    " s.tbl_name) FROM main.sqlite_schema AS s"
    " WHERE s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    " AND s.tbl_name IN (SELECT name FROM temp.newsctl_schema"
    " WHERE type = 'table')"
    " AND NOT EXISTS (SELECT 1 FROM temp.newsctl_schema AS e"
    " WHERE e.type = s.type AND e.name = s.name))"
    " ORDER BY k, type, name"
};


/*
 * temp.newsctl_schema: the objects of the embedded sql/schema.sql, as
 * SQLite stores them when it runs the file on an empty database.  Made
 * before the read transaction: after a corrupt page has failed a read in
 * it, SQLite refuses to create a table even in temp.
 */
int
newsctl_check_expected(newsctl_check_t *chk)
{
    int            i, rc;
    char          *err;
    sqlite3       *mem;
    const char    *msg;
    sqlite3_stmt  *get, *put;

    mem = NULL;
    get = NULL;
    put = NULL;
    err = NULL;
    msg = NULL;

    rc = sqlite3_create_function_v2(chk->db, "newsctl_squeeze", 1,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC
                                    | SQLITE_DIRECTONLY,
                                    NULL, newsctl_check_squeeze, NULL, NULL,
                                    NULL);

    if (rc != SQLITE_OK
        || sqlite3_exec(chk->db, "CREATE TEMP TABLE newsctl_schema"
                        " (type TEXT, name TEXT, tbl_name TEXT, sql TEXT)",
                        NULL, NULL, NULL)
           != SQLITE_OK)
    {
        msg = sqlite3_errmsg(chk->db);
        goto failed;
    }

    rc = sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_exec(mem, news_schema_sql, NULL, NULL, &err);
    }

    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(mem, "SELECT type, name, tbl_name, sql"
                                " FROM sqlite_schema"
                                " WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                                -1, &get, NULL);
    }

    if (rc != SQLITE_OK) {
        msg = err ? err : (mem ? sqlite3_errmsg(mem) : sqlite3_errstr(rc));
        goto failed;
    }

    rc = sqlite3_prepare_v2(chk->db, "INSERT INTO temp.newsctl_schema"
                            " VALUES (?1, ?2, ?3, ?4)", -1, &put, NULL);
    if (rc != SQLITE_OK) {
        msg = sqlite3_errmsg(chk->db);
        goto failed;
    }

    while ((rc = sqlite3_step(get)) == SQLITE_ROW) {
        for (i = 0; i < 4; i++) {
            sqlite3_bind_text(put, i + 1,
                              (const char *) sqlite3_column_text(get, i),
                              sqlite3_column_bytes(get, i),
                              SQLITE_TRANSIENT);
        }

        if (sqlite3_step(put) != SQLITE_DONE) {
            msg = sqlite3_errmsg(chk->db);
            goto failed;
        }

        sqlite3_reset(put);
    }

    if (rc != SQLITE_DONE) {
        msg = sqlite3_errmsg(mem);
        goto failed;
    }

    sqlite3_finalize(get);
    sqlite3_finalize(put);
    sqlite3_close(mem);

    return NEWSCTL_OK;

failed:

    printf("%s: schema: cannot check: %s\n", chk->path,
           msg ? msg : "out of memory");
    chk->problems++;

    sqlite3_free(err);
    sqlite3_finalize(get);
    sqlite3_finalize(put);
    sqlite3_close(mem);

    return NEWSCTL_FAILED;
}


/* the file's objects that differ from the expected ones, one line each */

void
newsctl_check_schema(newsctl_check_t *chk)
{
    newsctl_check_run(chk, &newsctl_check_schema_query);
}


/* newsctl_squeeze(sql): each run of white space one space, none at the ends */
static void
newsctl_check_squeeze(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int                   n, space;
    char                 *out;
    const unsigned char  *p, *end;

    p = sqlite3_value_text(argv[0]);

    if (p == NULL) {
        return;
    }

    end = p + sqlite3_value_bytes(argv[0]);

    out = sqlite3_malloc64(end - p + 1);
    if (out == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }

    n = 0;
    space = 0;

    for ( /* void */ ; p < end; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'
            || *p == '\f' || *p == '\v')
        {
            space = 1;
            continue;
        }

        if (space && n > 0) {
            out[n++] = ' ';
        }

        space = 0;
        out[n++] = (char) *p;
    }

    sqlite3_result_text(ctx, out, n, sqlite3_free);
}
