/*
 * newsctl publish: a consistent copy of a content database put in place
 * of the file nginx serves, safely whatever journal mode either is in.
 *
 * A plain rename is not safe: SQLite opens an existing "-wal" next to a
 * database whatever the header of the database says, so the "-wal" of the
 * file replaced is applied to the new one (old content, or "malformed
 * database schema" until someone deletes it).  publish
 *
 *   1. copies SRC with VACUUM INTO to a temporary file in DEST's folder,
 *      in rollback-journal mode, checks it (quick_check, schema version)
 *      and fsyncs it;
 *   2. locks the new file exclusively, so that whoever opens DEST from
 *      the rename on waits (a few milliseconds: nginx's busy timeout)
 *      until step 4 is done;
 *   3. checkpoints DEST's "-wal" into DEST (TRUNCATE) and takes DEST's
 *      write lock, so that no one writes DEST meanwhile;
 *   4. renames the new file over DEST, removes DEST-wal, DEST-shm and
 *      DEST-journal, and releases the locks; then fsyncs the folder.
 *
 * Why in this order, for each one who may have DEST open:
 *
 *   - nginx workers reading the old file keep it, and its -wal and -shm,
 *     open by descriptor: they serve the old content, consistently, until
 *     their stat() once a second sees the new inode and they reopen.
 *     Removing the names does not touch what they read.
 *   - anyone opening DEST after the rename gets the new inode, which is
 *     locked until the side files are gone: the first look for a -wal,
 *     which SQLite takes under its shared lock, finds none, and the new
 *     file is read in rollback mode as it is.  Before the rename they get
 *     the old file, complete.
 *   - a writer of the old file (an admin's sqlite3): the write lock of
 *     step 3 makes it wait or makes publish refuse (DEST untouched), so no
 *     transaction of it is half way during step 4.  After the release its
 *     writes go to the old inode and are lost with it: SQLite refuses to
 *     create a rollback journal for a file that was moved, and a closing
 *     WAL connection neither checkpoints nor deletes the -wal of a moved
 *     file, so nothing lands next to the new DEST.
 *   - the checkpoint leaves the old -wal empty: if publish dies between
 *     the rename and the removal, the -wal left is empty, not stale.
 *
 * A DEST that cannot be opened (corrupt, not a database) is replaced as
 * it is: that is how a broken file is repaired.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "newsctl.h"


static int newsctl_publish_copy(const char *src, const char *tmp);
static int newsctl_publish_verify(const char *tmp, const char *src);
static int newsctl_publish_fsync(const char *path, int dir);
static sqlite3 *newsctl_publish_hold_dest(const char *dest, int *busy);
static int newsctl_publish_unlink(const char *base, const char *suffix);
static void newsctl_publish_cleanup(const char *tmp);


int
newsctl_publish(newsctl_command_t *cmd, newsctl_opts_t *opts)
{
    int           busy, rc;
    char         *tmp, *dir, *copy;
    sqlite3      *lock, *old;
    const char   *src, *dest;

    src = opts->db;
    dest = opts->to;
    lock = NULL;
    old = NULL;
    copy = NULL;
    rc = NEWSCTL_FAILED;

    /* in DEST's folder, so that the rename is atomic */
    tmp = sqlite3_mprintf("%s.publish-%d", dest, (int) getpid());
    if (tmp == NULL) {
        fprintf(stderr, "%s: out of memory\n", dest);
        return NEWSCTL_FAILED;
    }

    newsctl_publish_cleanup(tmp);

    if (newsctl_publish_copy(src, tmp) != NEWSCTL_OK
        || newsctl_publish_verify(tmp, src) != NEWSCTL_OK
        || newsctl_publish_fsync(tmp, 0) != NEWSCTL_OK)
    {
        goto failed;
    }

    /*
     * step 2; from here on no descriptor of the new file is opened or
     * closed but SQLite's: closing one would drop its POSIX locks
     */
    if (newsctl_open(tmp, SQLITE_OPEN_READWRITE, &lock) != NEWSCTL_OK
        || newsctl_exec(lock, tmp, "BEGIN EXCLUSIVE") != NEWSCTL_OK)
    {
        goto failed;
    }

    /* step 3 */
    busy = 0;
    old = newsctl_publish_hold_dest(dest, &busy);

    if (busy) {
        goto failed;
    }

    /* step 4 */
    if (rename(tmp, dest) != 0) {
        fprintf(stderr, "%s: cannot rename %s over it: %s\n", dest, tmp,
                strerror(errno));
        goto failed;
    }

    if (newsctl_publish_unlink(dest, "-wal") != NEWSCTL_OK
        || newsctl_publish_unlink(dest, "-shm") != NEWSCTL_OK
        || newsctl_publish_unlink(dest, "-journal") != NEWSCTL_OK)
    {
        /* DEST is the new file; a side file left is for the admin to see */
        fprintf(stderr, "%s: published, but remove the file above before "
                "anyone opens %s\n", dest, dest);
    }

    newsctl_rollback(lock);
    sqlite3_close(lock);
    lock = NULL;

    if (old != NULL) {
        newsctl_rollback(old);
        sqlite3_close(old);
        old = NULL;
    }

    copy = strdup(dest);
    if (copy == NULL) {
        fprintf(stderr, "%s: out of memory\n", dest);
        goto done;
    }

    dir = dirname(copy);

    if (newsctl_publish_fsync(dir, 1) != NEWSCTL_OK) {
        goto done;
    }

    printf("published %s to %s\n", src, dest);
    rc = NEWSCTL_OK;

    goto done;

failed:

    if (old != NULL) {
        newsctl_rollback(old);
        sqlite3_close(old);
    }

    if (lock != NULL) {
        newsctl_rollback(lock);
        sqlite3_close(lock);
    }

    newsctl_publish_cleanup(tmp);

    fprintf(stderr, "%s: not published; %s is as it was\n", src, dest);

done:

    free(copy);
    sqlite3_free(tmp);

    return rc;
}


/* step 1: SRC, as one read transaction sees it, into the new file tmp */
static int
newsctl_publish_copy(const char *src, const char *tmp)
{
    int            rc;
    sqlite3       *db;
    sqlite3_stmt  *stmt;

    /*
     * read-write, though nothing is written: on a read-only connection
     * SQLite 3.40 leaves the generated column posts.published_ts out of
     * the schema, and VACUUM INTO fails on it
     */
    if (newsctl_open(src, SQLITE_OPEN_READWRITE, &db) != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    /* refused before any copy: another file than a news DB of ours */
    if (newsctl_schema_current(db, src) != NEWSCTL_OK) {
        sqlite3_close(db);
        return NEWSCTL_FAILED;
    }

    rc = sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &stmt, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, tmp, -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt);
        rc = (rc == SQLITE_DONE) ? SQLITE_OK : rc;
    }

    if (rc != SQLITE_OK) {
        fprintf(stderr, "%s: cannot copy to %s: %s\n", src, tmp,
                sqlite3_errmsg(db));
    }

    sqlite3_finalize(stmt);
    sqlite3_close(db);

    return (rc == SQLITE_OK) ? NEWSCTL_OK : NEWSCTL_FAILED;
}


/* the copy in rollback-journal mode, whole, of our schema version */
static int
newsctl_publish_verify(const char *tmp, const char *src)
{
    int                   rc;
    sqlite3              *db;
    sqlite3_stmt         *stmt;
    const unsigned char  *row;

    if (newsctl_open(tmp, SQLITE_OPEN_READWRITE, &db) != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    stmt = NULL;

    rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = DELETE", -1, &stmt,
                            NULL);

    if (rc != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW
        || (row = sqlite3_column_text(stmt, 0)) == NULL
        || strcmp((const char *) row, "delete") != 0)
    {
        fprintf(stderr, "%s: the copy cannot be put in rollback-journal "
                "mode: %s\n", src, sqlite3_errmsg(db));
        goto failed;
    }

    sqlite3_finalize(stmt);
    stmt = NULL;

    rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "%s: quick_check: %s\n", src, sqlite3_errmsg(db));
        goto failed;
    }

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        row = sqlite3_column_text(stmt, 0);

        if (row == NULL || strcmp((const char *) row, "ok") != 0) {
            fprintf(stderr, "%s: quick_check of the copy: %s\n", src,
                    row ? (const char *) row : "NULL");
            rc = SQLITE_CORRUPT;
            break;
        }
    }

    if (rc != SQLITE_DONE) {
        if (rc != SQLITE_CORRUPT) {
            fprintf(stderr, "%s: quick_check of the copy: %s\n", src,
                    sqlite3_errmsg(db));
        }

        goto failed;
    }

    sqlite3_finalize(stmt);
    stmt = NULL;

    if (newsctl_schema_current(db, tmp) != NEWSCTL_OK) {
        goto failed;
    }

    if (sqlite3_close(db) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", tmp, sqlite3_errmsg(db));
        return NEWSCTL_FAILED;
    }

    return NEWSCTL_OK;

failed:

    sqlite3_finalize(stmt);
    sqlite3_close(db);

    return NEWSCTL_FAILED;
}


static int
newsctl_publish_fsync(const char *path, int dir)
{
    int  fd, rc;

    fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd == -1) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return NEWSCTL_FAILED;
    }

    rc = fsync(fd);

    if (rc != 0) {
        fprintf(stderr, "%s: fsync: %s\n", path, strerror(errno));
    }

    close(fd);

    return (rc == 0) ? NEWSCTL_OK : NEWSCTL_FAILED;
}


/*
 * step 3: DEST's -wal checkpointed into it and emptied, and DEST's write
 * lock held (the WAL write lock, or RESERVED in rollback mode, which also
 * rolls back a hot journal first).  NULL with *busy 0 when there is no
 * DEST or it cannot be read: nothing to hold.  *busy 1: another
 * connection keeps a write transaction open; publish gives up.
 */
static sqlite3 *
newsctl_publish_hold_dest(const char *dest, int *busy)
{
    int           rc;
    sqlite3      *db;
    struct stat   st;

    *busy = 0;

    if (stat(dest, &st) != 0) {
        return NULL;
    }

    if (sqlite3_open_v2(dest, &db, SQLITE_OPEN_READWRITE, NULL)
        != SQLITE_OK)
    {
        fprintf(stderr, "%s: cannot be opened (%s); replaced as it is\n",
                dest, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }

    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, NEWSCTL_BUSY_TIMEOUT);

    /* readers that keep the checkpoint from truncating leave it as is */
    (void) sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
                        NULL);

    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

    if (rc == SQLITE_OK) {
        return db;
    }

    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
        fprintf(stderr, "%s: another connection is writing it (%s); "
                "try again when it is done\n", dest, sqlite3_errmsg(db));
        *busy = 1;

    } else {
        fprintf(stderr, "%s: cannot be read (%s); replaced as it is\n",
                dest, sqlite3_errmsg(db));
    }

    sqlite3_close(db);

    return NULL;
}


static int
newsctl_publish_unlink(const char *base, const char *suffix)
{
    int    rc;
    char  *path;

    path = sqlite3_mprintf("%s%s", base, suffix);
    if (path == NULL) {
        fprintf(stderr, "%s%s: out of memory\n", base, suffix);
        return NEWSCTL_FAILED;
    }

    rc = unlink(path);

    if (rc != 0 && errno != ENOENT) {
        fprintf(stderr, "%s: cannot remove: %s\n", path, strerror(errno));
        sqlite3_free(path);
        return NEWSCTL_FAILED;
    }

    sqlite3_free(path);

    return NEWSCTL_OK;
}


/* the temporary file and whatever SQLite made beside it */
static void
newsctl_publish_cleanup(const char *tmp)
{
    (void) unlink(tmp);
    (void) newsctl_publish_unlink(tmp, "-journal");
    (void) newsctl_publish_unlink(tmp, "-wal");
    (void) newsctl_publish_unlink(tmp, "-shm");
}
