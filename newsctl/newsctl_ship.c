/*
 * newsctl ship-readership: a node's readership counts added, exactly once,
 * to PostgreSQL, where every node's are gathered (sql/postgresql/).
 *
 * The node's file keeps an outbox (sql/readership.sql): its triggers write
 * what each count gained in the transaction that adds it, whoever adds it
 * (nginx's flush, a merge), once shipping is on; the first run turns it on
 * and puts the counts so far in the outbox, in one transaction.  Then
 *
 *   1. the rows in no shipment yet become one, a node's each: a seq of the
 *      file's, never used twice (AUTOINCREMENT), with the file's epoch (a
 *      random number made with the file) naming it everywhere;
 *   2. each shipment not yet shipped goes to PostgreSQL in one
 *      transaction: its (node, epoch, seq) into the ledger, ON CONFLICT DO
 *      NOTHING, and only if that added a row, its counts, each added to
 *      what is there (ON CONFLICT ... DO UPDATE SET count = count + ...);
 *   3. then, in the node's file, its rows go and it is marked shipped.
 *
 * A shipper that dies between 2 and 3 ships the shipment again the next
 * time, and the ledger says it is there: nothing counts twice.  So for a
 * copy of the file shipped again, two shippers at once (the second waits
 * on the ledger's row and finds it), a PostgreSQL that is down (nothing is
 * marked, the rows wait).  This process, never an nginx worker, opens the
 * network connection.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <libpq-fe.h>

#include "newsctl.h"
#include "news_pg_schema.h"
#include "news_readership.h"


/* PostgreSQL's advisory lock while the schema is made: "NEWS" */
#define NEWSCTL_SHIP_LOCK  "1314150990"


/* a growing string: an array literal for PostgreSQL */
typedef struct {
    char           *data;
    size_t          len;
    size_t          size;
    int             failed;
} newsctl_buf_t;


static int newsctl_ship_start(sqlite3 *db, const char *path);
static int newsctl_ship_assign(sqlite3 *db, const char *path);
static int newsctl_ship_one(sqlite3 *db, const char *path, PGconn *pg,
    sqlite3_int64 epoch, sqlite3_int64 seq, const char *node, int *again,
    long long *rows);
static int newsctl_ship_counts(sqlite3 *db, const char *path, PGconn *pg,
    sqlite3_int64 seq, const char *node, int lost, long long *rows,
    long long *total);
static int newsctl_ship_mark(sqlite3 *db, const char *path,
    sqlite3_int64 seq);
static int newsctl_pg(PGconn *pg, const char *sql, int n,
    const char *const *values, char *tuples, size_t tsize);
static void newsctl_buf_add(newsctl_buf_t *b, const char *s, size_t len);
static void newsctl_buf_elt(newsctl_buf_t *b, const char *s, int first);


int
newsctl_ship_readership(newsctl_command_t *cmd, newsctl_opts_t *opts)
{
    int             rc, again, shipped, there, app_id;
    char            node[256];
    PGconn         *pg;
    sqlite3        *db;
    long long       rows, all;
    sqlite3_int64   epoch, seq;
    sqlite3_stmt   *stmt;
    const char     *path;

    (void) cmd;

    path = opts->db;
    pg = NULL;
    stmt = NULL;

    if (newsctl_open(path, SQLITE_OPEN_READWRITE, &db) != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    if (newsctl_int(db, path, "PRAGMA application_id", &app_id)
        != NEWSCTL_OK)
    {
        goto failed;
    }

    if (app_id != NEWSCTL_READERSHIP_ID) {
        fprintf(stderr, "%s: not a readership file (news_readership db=)\n",
                path);
        goto failed;
    }

    /* the outbox's tables and triggers, for a file made before them */

    if (newsctl_exec(db, path, "BEGIN IMMEDIATE") != NEWSCTL_OK
        || newsctl_exec(db, path, news_readership_sql) != NEWSCTL_OK
        || newsctl_exec(db, path, "COMMIT") != NEWSCTL_OK
        || newsctl_ship_start(db, path) != NEWSCTL_OK
        || newsctl_ship_assign(db, path) != NEWSCTL_OK)
    {
        newsctl_rollback(db);
        goto failed;
    }

    pg = PQconnectdb(opts->to);

    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "%s: cannot connect to PostgreSQL: %s"
                "the counts wait in the outbox for the next run\n",
                path, PQerrorMessage(pg));
        goto failed;
    }

    /* the central schema, once at a time: CREATE ... IF NOT EXISTS races */

    if (newsctl_pg(pg, "BEGIN", 0, NULL, NULL, 0) != NEWSCTL_OK
        || newsctl_pg(pg, "SELECT pg_advisory_xact_lock(" NEWSCTL_SHIP_LOCK
                          ")", 0, NULL, NULL, 0) != NEWSCTL_OK
        || newsctl_pg(pg, news_pg_schema_sql, 0, NULL, NULL, 0)
           != NEWSCTL_OK
        || newsctl_pg(pg, "COMMIT", 0, NULL, NULL, 0) != NEWSCTL_OK)
    {
        goto failed;
    }

    if (sqlite3_prepare_v2(db, "SELECT epoch FROM readership_file", -1,
                           &stmt, NULL) != SQLITE_OK
        || sqlite3_step(stmt) != SQLITE_ROW)
    {
        fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
        goto failed;
    }

    epoch = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);

    if (sqlite3_prepare_v2(db, "SELECT seq, node FROM readership_shipment"
                               " WHERE shipped IS NULL ORDER BY seq", -1,
                           &stmt, NULL) != SQLITE_OK)
    {
        fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
        goto failed;
    }

    shipped = 0;
    there = 0;
    all = 0;

    for ( ;; ) {
        rc = sqlite3_step(stmt);

        if (rc == SQLITE_DONE) {
            break;
        }

        if (rc != SQLITE_ROW) {
            fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
            goto failed;
        }

        seq = sqlite3_column_int64(stmt, 0);
        snprintf(node, sizeof(node), "%s", sqlite3_column_text(stmt, 1));

        if (newsctl_ship_one(db, path, pg, epoch, seq, node, &again, &rows)
            != NEWSCTL_OK)
        {
            goto failed;
        }

        if (again) {
            there++;

        } else {
            shipped++;
            all += rows;
        }
    }

    sqlite3_finalize(stmt);
    PQfinish(pg);
    sqlite3_close(db);

    printf("shipped %d shipments, %lld rows; %d were there already\n",
           shipped, all, there);

    return NEWSCTL_OK;

failed:

    sqlite3_finalize(stmt);
    PQfinish(pg);
    sqlite3_close(db);

    return NEWSCTL_FAILED;
}


/* shipping on, with the counts so far as the outbox's first rows */

static int
newsctl_ship_start(sqlite3 *db, const char *path)
{
    int  shipping;

    if (newsctl_exec(db, path, "BEGIN IMMEDIATE") != NEWSCTL_OK
        || newsctl_int(db, path, "SELECT shipping FROM readership_file",
                       &shipping)
           != NEWSCTL_OK)
    {
        return NEWSCTL_FAILED;
    }

    if (!shipping
        && (newsctl_exec(db, path,
                "INSERT INTO readership_outbox"
                " (node, day, info_code, region, kind, bot, count)"
                " SELECT node, day, info_code, region, kind, bot, count"
                " FROM readership WHERE count > 0;"
                "INSERT INTO readership_outbox"
                " (node, day, info_code, region, kind, bot, count)"
                " SELECT node, day, '', '', 'lost', 0, count"
                " FROM readership_lost WHERE count > 0;"
                "UPDATE readership_file SET shipping = 1")
            != NEWSCTL_OK))
    {
        return NEWSCTL_FAILED;
    }

    return newsctl_exec(db, path, "COMMIT");
}


/* the rows in no shipment yet: a shipment of each node's */

static int
newsctl_ship_assign(sqlite3 *db, const char *path)
{
    return newsctl_exec(db, path,
        "BEGIN IMMEDIATE;"
        "INSERT INTO readership_shipment (node, made)"
        " SELECT DISTINCT node, unixepoch() FROM readership_outbox"
        " WHERE shipment IS NULL ORDER BY node;"
        "UPDATE readership_outbox SET shipment ="
        " (SELECT max(seq) FROM readership_shipment s"
        "  WHERE s.node = readership_outbox.node AND s.shipped IS NULL)"
        " WHERE shipment IS NULL;"
        "COMMIT");
}


/* one shipment in one PostgreSQL transaction, then marked shipped here */

static int
newsctl_ship_one(sqlite3 *db, const char *path, PGconn *pg,
    sqlite3_int64 epoch, sqlite3_int64 seq, const char *node, int *again,
    long long *rows)
{
    char         epoch_s[32], seq_s[32], rows_s[32], total_s[32];
    char         tuples[16];
    long long    n, total, n_lost, total_lost;
    const char  *values[5];

    *again = 0;

    snprintf(epoch_s, sizeof(epoch_s), "%lld", (long long) epoch);
    snprintf(seq_s, sizeof(seq_s), "%lld", (long long) seq);

    values[0] = node;
    values[1] = epoch_s;
    values[2] = seq_s;
    values[3] = "0";
    values[4] = "0";

    /*
     * the ledger's row first: a shipper shipping the same shipment waits
     * here for this one's transaction, and then finds the row
     */

    if (newsctl_pg(pg, "BEGIN", 0, NULL, NULL, 0) != NEWSCTL_OK
        || newsctl_pg(pg, "INSERT INTO readership_ledger"
                          " (node, epoch, seq, rows, count)"
                          " VALUES ($1, $2, $3, $4, $5)"
                          " ON CONFLICT DO NOTHING",
                      5, values, tuples, sizeof(tuples))
           != NEWSCTL_OK)
    {
        goto failed;
    }

    n = 0;
    n_lost = 0;

    if (strcmp(tuples, "1") != 0) {
        /* shipped before (a copy, a retry, another shipper) */
        *again = 1;

        if (newsctl_pg(pg, "ROLLBACK", 0, NULL, NULL, 0) != NEWSCTL_OK) {
            return NEWSCTL_FAILED;
        }

    } else {
        if (newsctl_ship_counts(db, path, pg, seq, node, 0, &n, &total)
            != NEWSCTL_OK
            || newsctl_ship_counts(db, path, pg, seq, node, 1, &n_lost,
                                   &total_lost)
               != NEWSCTL_OK)
        {
            goto failed;
        }

        snprintf(rows_s, sizeof(rows_s), "%lld", n + n_lost);
        snprintf(total_s, sizeof(total_s), "%lld", total + total_lost);

        values[3] = rows_s;
        values[4] = total_s;

        if (newsctl_pg(pg, "UPDATE readership_ledger SET rows = $4,"
                           " count = $5"
                           " WHERE node = $1 AND epoch = $2 AND seq = $3",
                       5, values, NULL, 0)
            != NEWSCTL_OK
            || newsctl_pg(pg, "COMMIT", 0, NULL, NULL, 0) != NEWSCTL_OK)
        {
            goto failed;
        }
    }

    *rows = n + n_lost;

    if (getenv("NEWSCTL_TEST_STOP_AFTER_COMMIT") != NULL) {
        /* the tests' way to stop here, as if killed */
        _exit(3);
    }

    return newsctl_ship_mark(db, path, seq);

failed:

    (void) newsctl_pg(pg, "ROLLBACK", 0, NULL, NULL, 0);

    return NEWSCTL_FAILED;
}


/*
 * a shipment's counts (lost: its readership_lost counts), summed by key,
 * added in one statement from arrays
 */

static int
newsctl_ship_counts(sqlite3 *db, const char *path, PGconn *pg,
    sqlite3_int64 seq, const char *node, int lost, long long *rows,
    long long *total)
{
    int             i, rc;
    const char     *values[7];
    sqlite3_stmt   *stmt;
    newsctl_buf_t   col[6];

    *rows = 0;
    *total = 0;

    if (sqlite3_prepare_v2(db,
            lost ? "SELECT day, sum(count) FROM readership_outbox"
                   " WHERE shipment = ?1 AND kind = 'lost'"
                   " GROUP BY day"
                 : "SELECT day, info_code, region, kind, bot, sum(count)"
                   " FROM readership_outbox"
                   " WHERE shipment = ?1 AND kind != 'lost'"
                   " GROUP BY day, info_code, region, kind, bot",
            -1, &stmt, NULL)
        != SQLITE_OK)
    {
        fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
        return NEWSCTL_FAILED;
    }

    sqlite3_bind_int64(stmt, 1, seq);

    memset(col, 0, sizeof(col));

    for (i = 0; i < 6; i++) {
        newsctl_buf_add(&col[i], "{", 1);
    }

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        for (i = 0; i < sqlite3_column_count(stmt); i++) {
            newsctl_buf_elt(&col[i],
                            (const char *) sqlite3_column_text(stmt, i),
                            *rows == 0);
        }

        *total += sqlite3_column_int64(stmt, sqlite3_column_count(stmt) - 1);
        (*rows)++;
    }

    if (rc != SQLITE_DONE) {
        fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_finalize(stmt);
        goto failed;
    }

    sqlite3_finalize(stmt);

    for (i = 0; i < 6; i++) {
        newsctl_buf_add(&col[i], "}", 2);     /* and its '\0' */

        if (col[i].failed) {
            fprintf(stderr, "%s: out of memory\n", path);
            goto failed;
        }
    }

    if (*rows == 0) {
        rc = NEWSCTL_OK;
        goto done;
    }

    values[0] = node;

    for (i = 0; i < 6; i++) {
        values[1 + i] = col[i].data;
    }

    rc = newsctl_pg(pg,
            lost ? "INSERT INTO readership_lost (node, day, count)"
                   " SELECT $1, d, n FROM unnest($2::text[], $3::bigint[])"
                   " AS u (d, n)"
                   " ON CONFLICT (node, day)"
                   " DO UPDATE SET count = readership_lost.count"
                   " + EXCLUDED.count"
                 : "INSERT INTO readership"
                   " (node, day, info_code, region, kind, bot, count)"
                   " SELECT $1, d, c, r, k, b, n FROM unnest($2::text[],"
                   " $3::text[], $4::text[], $5::text[], $6::integer[],"
                   " $7::bigint[]) AS u (d, c, r, k, b, n)"
                   " ON CONFLICT (node, day, info_code, region, kind, bot)"
                   " DO UPDATE SET count = readership.count"
                   " + EXCLUDED.count",
            lost ? 3 : 7, values, NULL, 0);

done:

    for (i = 0; i < 6; i++) {
        free(col[i].data);
    }

    return rc;

failed:

    for (i = 0; i < 6; i++) {
        free(col[i].data);
    }

    return NEWSCTL_FAILED;
}


/* shipped: its rows go, its seq stays taken */

static int
newsctl_ship_mark(sqlite3 *db, const char *path, sqlite3_int64 seq)
{
    char  sql[256];

    snprintf(sql, sizeof(sql),
             "BEGIN IMMEDIATE;"
             "DELETE FROM readership_outbox WHERE shipment = %lld;"
             "UPDATE readership_shipment SET shipped = unixepoch()"
             " WHERE seq = %lld;"
             "COMMIT", (long long) seq, (long long) seq);

    if (newsctl_exec(db, path, sql) != NEWSCTL_OK) {
        newsctl_rollback(db);
        return NEWSCTL_FAILED;
    }

    return NEWSCTL_OK;
}


/* one statement, its parameters bound; the rows it touched into tuples */

static int
newsctl_pg(PGconn *pg, const char *sql, int n, const char *const *values,
    char *tuples, size_t tsize)
{
    PGresult        *res;
    ExecStatusType   st;

    res = (n || tuples) ? PQexecParams(pg, sql, n, NULL, values, NULL, NULL,
                                       0)
                        : PQexec(pg, sql);

    st = PQresultStatus(res);

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "PostgreSQL: %s", PQerrorMessage(pg));
        PQclear(res);
        return NEWSCTL_FAILED;
    }

    if (tuples) {
        snprintf(tuples, tsize, "%s", PQcmdTuples(res));
    }

    PQclear(res);

    return NEWSCTL_OK;
}


static void
newsctl_buf_add(newsctl_buf_t *b, const char *s, size_t len)
{
    char    *p;
    size_t   size;

    if (b->failed) {
        return;
    }

    if (b->len + len > b->size) {
        size = (b->size ? b->size * 2 : 4096) + len;
        p = realloc(b->data, size);

        if (p == NULL) {
            b->failed = 1;
            return;
        }

        b->data = p;
        b->size = size;
    }

    memcpy(b->data + b->len, s, len);
    b->len += len;
}


/* an element of an array literal, double-quoted, its '"' and '\' escaped */

static void
newsctl_buf_elt(newsctl_buf_t *b, const char *s, int first)
{
    if (!first) {
        newsctl_buf_add(b, ",", 1);
    }

    newsctl_buf_add(b, "\"", 1);

    for ( /* void */ ; s != NULL && *s; s++) {
        if (*s == '"' || *s == '\\') {
            newsctl_buf_add(b, "\\", 1);
        }

        newsctl_buf_add(b, s, 1);
    }

    newsctl_buf_add(b, "\"", 1);
}
