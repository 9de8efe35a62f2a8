/*
 * newsctl: the admin tool of ngx_news_module.  It creates the SQLite file
 * nginx serves the site from, imports Jekyll posts into it, and folds the
 * readership files of several nginx nodes into one.
 *
 * Exit status: 0 done, 1 failed (a message on stderr says what), 2 usage.
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "news_post.h"
#include "news_readership.h"
#include "news_schema.h"


#define NEWSCTL_OK              0
/* --help was asked for and answered */
#define NEWSCTL_HELP           -1
#define NEWSCTL_FAILED          1
#define NEWSCTL_USAGE           2

#define NEWSCTL_SCHEMA_VERSION  2
/* long enough to wait out nginx's readers and another import */
#define NEWSCTL_BUSY_TIMEOUT    5000
/* a post is a page of HTML; anything this big is a wrong file */
#define NEWSCTL_MAX_POST        (16 * 1024 * 1024)

/* sql/readership.sql's pragmas; the application_id is "NEWS" in ASCII */
#define NEWSCTL_READERSHIP_ID       1314150990
#define NEWSCTL_READERSHIP_VERSION  1


typedef struct newsctl_command_s  newsctl_command_t;

struct newsctl_command_s {
    const char     *name;
    int           (*handler)(newsctl_command_t *cmd, int argc, char **argv);
    /* the option naming the database the command writes: --db, --into */
    const char     *file_option;
    const char     *args;
    const char     *help;
};


/* the database option every command has, and the positional arguments */
typedef struct {
    const char     *db;
    char          **args;
    int             nargs;
} newsctl_opts_t;


typedef struct {
    sqlite3        *db;
    const char     *file;           /* the post being imported */
    sqlite3_stmt   *cat_select;
    sqlite3_stmt   *cat_insert;
    sqlite3_stmt   *cat_rename;
    sqlite3_stmt   *post_upsert;
    sqlite3_stmt   *post_id;
    sqlite3_stmt   *post_touch;
    sqlite3_stmt   *tag_select;
    sqlite3_stmt   *tag_insert;
    sqlite3_stmt   *post_tag_insert;
    sqlite3_stmt   *post_tag_prune;
} newsctl_import_t;


static int newsctl_init(newsctl_command_t *cmd, int argc, char **argv);
static int newsctl_import(newsctl_command_t *cmd, int argc, char **argv);
static int newsctl_import_file(newsctl_import_t *im, const char *file);
static int newsctl_import_post(newsctl_import_t *im, news_post_t *post);
static int newsctl_import_category(newsctl_import_t *im, news_post_t *post,
    sqlite3_int64 *id);
static int newsctl_import_tags(newsctl_import_t *im, news_post_t *post,
    sqlite3_int64 post_id, int *changed);
static int newsctl_import_prepare(newsctl_import_t *im);
static void newsctl_import_finalize(newsctl_import_t *im);
static int newsctl_merge_readership(newsctl_command_t *cmd, int argc,
    char **argv);
static int newsctl_merge_target(sqlite3 *db, const char *path);
static int newsctl_merge_file(sqlite3 *db, const char *into,
    struct stat *into_st, const char *file, sqlite3_int64 *rows);
static int newsctl_readership_check(sqlite3 *db, const char *path,
    int attached);
static char *newsctl_ro_uri(const char *path);
static int newsctl_open(const char *path, int flags, sqlite3 **db);
static int newsctl_int(sqlite3 *db, const char *path, const char *sql,
    int *value);
static int newsctl_exec(sqlite3 *db, const char *path, const char *sql);
static int newsctl_step(newsctl_import_t *im, sqlite3_stmt *stmt,
    const char *what);
static void newsctl_bind(sqlite3_stmt *stmt, int n, news_post_str_t *s);
static int newsctl_read(const char *file, char **buf, size_t *len);
static int newsctl_options(newsctl_command_t *cmd, int argc, char **argv,
    newsctl_opts_t *opts);
static void newsctl_usage(FILE *out);
static void newsctl_command_usage(FILE *out, newsctl_command_t *cmd);


/* later commands (check, migrate) slot in here */
static newsctl_command_t  newsctl_commands[] = {

    { "init", newsctl_init, "--db", "--db FILE",
      "create FILE with the news schema (refuses a file that has one)" },

    { "import", newsctl_import, "--db", "--db FILE POST...",
      "import or update Jekyll posts, each file in its own transaction" },

    { "merge-readership", newsctl_merge_readership, "--into",
      "--into FILE NODE_DB...",
      "fold nodes' readership files into FILE; merging again never counts "
      "twice" },

    { NULL, NULL, NULL, NULL, NULL }
};


static const char  *newsctl_name = "newsctl";


int
main(int argc, char **argv)
{
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
        if (strcmp(argv[1], cmd->name) == 0) {
            return cmd->handler(cmd, argc - 1, argv + 1);
        }
    }

    fprintf(stderr, "%s: unknown command \"%s\"\n", newsctl_name, argv[1]);
    newsctl_usage(stderr);

    return NEWSCTL_USAGE;
}


static int
newsctl_init(newsctl_command_t *cmd, int argc, char **argv)
{
    int              rc, version, objects, existed;
    sqlite3         *db;
    struct stat      st;
    newsctl_opts_t   opts;

    rc = newsctl_options(cmd, argc, argv, &opts);
    if (rc != NEWSCTL_OK) {
        return (rc == NEWSCTL_HELP) ? NEWSCTL_OK : rc;
    }

    if (opts.nargs != 0) {
        fprintf(stderr, "%s init: unexpected argument \"%s\"\n",
                newsctl_name, opts.args[0]);
        newsctl_command_usage(stderr, cmd);
        return NEWSCTL_USAGE;
    }

    existed = (stat(opts.db, &st) == 0);

    if (newsctl_open(opts.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db)
        != NEWSCTL_OK)
    {
        return NEWSCTL_FAILED;
    }

    /* the check and the schema in one transaction: no one slips between */
    if (newsctl_exec(db, opts.db, "BEGIN IMMEDIATE") != NEWSCTL_OK
        || newsctl_int(db, opts.db, "PRAGMA user_version", &version)
           != NEWSCTL_OK
        || newsctl_int(db, opts.db, "SELECT count(*) FROM sqlite_master",
                       &objects)
           != NEWSCTL_OK)
    {
        goto failed;
    }

    if (version != 0 || objects != 0) {
        fprintf(stderr, "%s: already has a schema (user_version %d, %d "
                "schema objects); init only creates new databases\n",
                opts.db, version, objects);
        existed = 1;
        goto failed;
    }

    if (newsctl_exec(db, opts.db, news_schema_sql) != NEWSCTL_OK
        || newsctl_exec(db, opts.db, "COMMIT") != NEWSCTL_OK)
    {
        goto failed;
    }

    if (newsctl_int(db, opts.db, "PRAGMA user_version", &version)
        != NEWSCTL_OK)
    {
        goto failed;
    }

    if (version != NEWSCTL_SCHEMA_VERSION) {
        fprintf(stderr, "%s: the embedded schema set user_version %d, "
                "expected %d\n", opts.db, version, NEWSCTL_SCHEMA_VERSION);
        goto failed;
    }

    if (sqlite3_close(db) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", opts.db, sqlite3_errmsg(db));
        return NEWSCTL_FAILED;
    }

    printf("created %s (schema version %d)\n", opts.db, version);

    return NEWSCTL_OK;

failed:

    if (!sqlite3_get_autocommit(db)) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }

    sqlite3_close(db);

    /* a failed init leaves no empty file to be mistaken for a database */
    if (!existed) {
        unlink(opts.db);
    }

    return NEWSCTL_FAILED;
}


static int
newsctl_import(newsctl_command_t *cmd, int argc, char **argv)
{
    int                i, rc, version, imported, failed;
    const char        *hint;
    newsctl_opts_t     opts;
    newsctl_import_t   im;

    rc = newsctl_options(cmd, argc, argv, &opts);
    if (rc != NEWSCTL_OK) {
        return (rc == NEWSCTL_HELP) ? NEWSCTL_OK : rc;
    }

    if (opts.nargs == 0) {
        fprintf(stderr, "%s import: no post files given\n", newsctl_name);
        newsctl_command_usage(stderr, cmd);
        return NEWSCTL_USAGE;
    }

    memset(&im, 0, sizeof(newsctl_import_t));

    /* no SQLITE_OPEN_CREATE: a typo must not make an empty database */
    if (access(opts.db, F_OK) != 0) {
        fprintf(stderr, "%s: %s; \"newsctl init --db FILE\" creates a "
                "database\n", opts.db, strerror(errno));
        return NEWSCTL_FAILED;
    }

    if (newsctl_open(opts.db, SQLITE_OPEN_READWRITE, &im.db) != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    if (newsctl_int(im.db, opts.db, "PRAGMA user_version", &version)
        != NEWSCTL_OK)
    {
        sqlite3_close(im.db);
        return NEWSCTL_FAILED;
    }

    if (version != NEWSCTL_SCHEMA_VERSION) {
        hint = "";

        if (version == 0) {
            hint = "; run \"newsctl init\" first";

        } else if (version < NEWSCTL_SCHEMA_VERSION) {
            hint = "; the scripts in sql/migrations/ bring it up to date";
        }

        fprintf(stderr, "%s: schema version (user_version) is %d, this "
                "newsctl needs %d%s\n", opts.db, version,
                NEWSCTL_SCHEMA_VERSION, hint);
        sqlite3_close(im.db);
        return NEWSCTL_FAILED;
    }

    im.file = opts.db;

    if (newsctl_import_prepare(&im) != NEWSCTL_OK) {
        newsctl_import_finalize(&im);
        sqlite3_close(im.db);
        return NEWSCTL_FAILED;
    }

    imported = 0;
    failed = 0;

    for (i = 0; i < opts.nargs; i++) {
        if (newsctl_import_file(&im, opts.args[i]) == NEWSCTL_OK) {
            imported++;

        } else {
            failed++;
        }
    }

    newsctl_import_finalize(&im);

    if (sqlite3_close(im.db) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", opts.db, sqlite3_errmsg(im.db));
        failed++;
    }

    printf("imported %d posts, %d failed\n", imported, failed);

    return failed ? NEWSCTL_FAILED : NEWSCTL_OK;
}


static int
newsctl_import_file(newsctl_import_t *im, const char *file)
{
    int           rc;
    char         *buf;
    size_t        len;
    news_post_t   post;

    im->file = file;

    if (newsctl_read(file, &buf, &len) != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    if (news_post_parse(&post, buf, len) != NEWS_POST_OK) {
        if (post.err_line > 0) {
            fprintf(stderr, "%s:%zu: %s\n", file, post.err_line, post.err);

        } else {
            fprintf(stderr, "%s: %s\n", file, post.err);
        }

        news_post_free(&post);
        free(buf);
        return NEWSCTL_FAILED;
    }

    rc = NEWSCTL_FAILED;

    if (newsctl_exec(im->db, file, "BEGIN IMMEDIATE") == NEWSCTL_OK) {

        if (newsctl_import_post(im, &post) == NEWSCTL_OK
            && newsctl_exec(im->db, file, "COMMIT") == NEWSCTL_OK)
        {
            rc = NEWSCTL_OK;

        } else if (!sqlite3_get_autocommit(im->db)) {
            sqlite3_exec(im->db, "ROLLBACK", NULL, NULL, NULL);
        }
    }

    news_post_free(&post);
    free(buf);

    return rc;
}


static int
newsctl_import_post(newsctl_import_t *im, news_post_t *post)
{
    int              changed, tags_changed;
    sqlite3_int64    category_id, post_id;
    sqlite3_stmt    *st;
    news_post_str_t  status;

    if (newsctl_import_category(im, post, &category_id) != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    status.data = post->published ? "published" : "draft";
    status.len = strlen(status.data);

    st = im->post_upsert;
    newsctl_bind(st, 1, &post->info_code);
    newsctl_bind(st, 2, &post->title);
    sqlite3_bind_text(st, 3, post->published_at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, category_id);
    newsctl_bind(st, 5, &post->summary);
    newsctl_bind(st, 6, &post->body);
    newsctl_bind(st, 7, &post->source_name);
    newsctl_bind(st, 8, &post->source_url);
    newsctl_bind(st, 9, &status);

    if (newsctl_step(im, st, "cannot store the post") != SQLITE_DONE) {
        return NEWSCTL_FAILED;
    }

    changed = sqlite3_changes(im->db);

    st = im->post_id;
    newsctl_bind(st, 1, &post->info_code);

    if (newsctl_step(im, st, "cannot find the post") != SQLITE_ROW) {
        return NEWSCTL_FAILED;
    }

    post_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);

    if (newsctl_import_tags(im, post, post_id, &tags_changed) != NEWSCTL_OK) {
        return NEWSCTL_FAILED;
    }

    /* tags show on the page too: their change is a change of the post */
    if (tags_changed && !changed) {
        st = im->post_touch;
        sqlite3_bind_int64(st, 1, post_id);

        if (newsctl_step(im, st, "cannot touch the post") != SQLITE_DONE) {
            return NEWSCTL_FAILED;
        }
    }

    return NEWSCTL_OK;
}


/*
 * makes sure every category of the path exists; a new one goes under the
 * previous element, an existing one stays where it is
 */
static int
newsctl_import_category(newsctl_import_t *im, news_post_t *post,
    sqlite3_int64 *id)
{
    int               leaf, found;
    size_t            i;
    sqlite3_int64     parent, cur, cur_parent;
    sqlite3_stmt     *st;
    news_post_str_t  *slug, *name;

    parent = 0;
    cur = 0;

    for (i = 0; i < post->ncategories; i++) {
        slug = &post->categories[i];
        leaf = (i + 1 == post->ncategories);
        name = leaf ? &post->category_name : slug;

        st = im->cat_select;
        newsctl_bind(st, 1, slug);

        switch (newsctl_step(im, st, "cannot read categories")) {

        case SQLITE_ROW:
            found = 1;
            cur = sqlite3_column_int64(st, 0);
            cur_parent = sqlite3_column_int64(st, 1);
            break;

        case SQLITE_DONE:
            found = 0;
            cur_parent = 0;
            break;

        default:
            return NEWSCTL_FAILED;
        }

        sqlite3_reset(st);

        if (found) {
            if (cur_parent != parent) {
                fprintf(stderr, "%s:%zu: warning: category \"%.*s\" is "
                        "elsewhere in the tree than the path says; it "
                        "stays where it is\n", im->file,
                        post->categories_line, (int) slug->len, slug->data);
            }

            if (leaf && post->has_breadcrumb) {
                st = im->cat_rename;
                sqlite3_bind_int64(st, 1, cur);
                newsctl_bind(st, 2, name);

                if (newsctl_step(im, st, "cannot rename the category")
                    != SQLITE_DONE)
                {
                    return NEWSCTL_FAILED;
                }
            }

        } else {
            st = im->cat_insert;
            newsctl_bind(st, 1, slug);
            newsctl_bind(st, 2, name);

            if (parent != 0) {
                sqlite3_bind_int64(st, 3, parent);

            } else {
                sqlite3_bind_null(st, 3);
            }

            if (newsctl_step(im, st, "cannot create the category")
                != SQLITE_DONE)
            {
                return NEWSCTL_FAILED;
            }

            cur = sqlite3_last_insert_rowid(im->db);
        }

        parent = cur;
    }

    *id = cur;

    return NEWSCTL_OK;
}


/* the post's tags become exactly the file's */
static int
newsctl_import_tags(newsctl_import_t *im, news_post_t *post,
    sqlite3_int64 post_id, int *changed)
{
    char            ids[NEWS_POST_MAX_TAGS * 24 + 4], *p;
    size_t          i;
    sqlite3_int64   tag_id;
    sqlite3_stmt   *st;

    *changed = 0;
    p = ids;
    *p++ = '[';

    for (i = 0; i < post->ntags; i++) {
        st = im->tag_select;
        newsctl_bind(st, 1, &post->tags[i]);

        switch (newsctl_step(im, st, "cannot read tags")) {

        case SQLITE_ROW:
            tag_id = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
            break;

        case SQLITE_DONE:
            st = im->tag_insert;
            newsctl_bind(st, 1, &post->tags[i]);

            if (newsctl_step(im, st, "cannot create the tag")
                != SQLITE_DONE)
            {
                return NEWSCTL_FAILED;
            }

            tag_id = sqlite3_last_insert_rowid(im->db);
            break;

        default:
            return NEWSCTL_FAILED;
        }

        st = im->post_tag_insert;
        sqlite3_bind_int64(st, 1, post_id);
        sqlite3_bind_int64(st, 2, tag_id);

        if (newsctl_step(im, st, "cannot tag the post") != SQLITE_DONE) {
            return NEWSCTL_FAILED;
        }

        *changed += sqlite3_changes(im->db);

        /* our own integers, bound as one JSON parameter, never SQL text */
        p += snprintf(p, ids + sizeof(ids) - p, "%s%lld", i ? "," : "",
                      (long long) tag_id);
    }

    *p++ = ']';
    *p = '\0';

    st = im->post_tag_prune;
    sqlite3_bind_int64(st, 1, post_id);
    sqlite3_bind_text(st, 2, ids, -1, SQLITE_STATIC);

    if (newsctl_step(im, st, "cannot untag the post") != SQLITE_DONE) {
        return NEWSCTL_FAILED;
    }

    *changed += sqlite3_changes(im->db);

    return NEWSCTL_OK;
}


static int
newsctl_import_prepare(newsctl_import_t *im)
{
    size_t  i;

    static const struct {
        size_t       offset;
        const char  *sql;
    } stmts[] = {

        { offsetof(newsctl_import_t, cat_select),
          "SELECT id, parent_id FROM categories WHERE slug = ?1" },

        { offsetof(newsctl_import_t, cat_insert),
          "INSERT INTO categories (slug, name, parent_id)"
          " VALUES (?1, ?2, ?3)" },

        /* an unchanged name keeps updated_at, so Last-Modified holds */
        { offsetof(newsctl_import_t, cat_rename),
          "UPDATE categories SET name = ?2 WHERE id = ?1 AND name IS NOT ?2" },

        { offsetof(newsctl_import_t, post_upsert),
          "INSERT INTO posts (info_code, title, published_at, category_id,"
          " summary, body_html, source_name, source_url, status)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
          " ON CONFLICT (info_code) DO UPDATE SET"
          " title = excluded.title,"
          " published_at = excluded.published_at,"
          " category_id = excluded.category_id,"
          " summary = excluded.summary,"
          " body_html = excluded.body_html,"
          " source_name = excluded.source_name,"
          " source_url = excluded.source_url,"
          " status = excluded.status"
          /* a re-import of the same file changes nothing, not even time */
          " WHERE title IS NOT excluded.title"
          " OR published_at IS NOT excluded.published_at"
          " OR category_id IS NOT excluded.category_id"
          " OR summary IS NOT excluded.summary"
          " OR body_html IS NOT excluded.body_html"
          " OR source_name IS NOT excluded.source_name"
          " OR source_url IS NOT excluded.source_url"
          " OR status IS NOT excluded.status" },

        { offsetof(newsctl_import_t, post_id),
          "SELECT id FROM posts WHERE info_code = ?1" },

        { offsetof(newsctl_import_t, post_touch),
          "UPDATE posts SET updated_at = strftime('%Y-%m-%d %H:%M:%S+00:00')"
          " WHERE id = ?1" },

        { offsetof(newsctl_import_t, tag_select),
          "SELECT id FROM tags WHERE name = ?1" },

        { offsetof(newsctl_import_t, tag_insert),
          "INSERT INTO tags (name) VALUES (?1)" },

        { offsetof(newsctl_import_t, post_tag_insert),
          "INSERT OR IGNORE INTO post_tags (post_id, tag_id)"
          " VALUES (?1, ?2)" },

        { offsetof(newsctl_import_t, post_tag_prune),
          "DELETE FROM post_tags WHERE post_id = ?1"
          " AND tag_id NOT IN (SELECT value FROM json_each(?2))" }
    };

    for (i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
        if (sqlite3_prepare_v3(im->db, stmts[i].sql, -1,
                               SQLITE_PREPARE_PERSISTENT,
                               (sqlite3_stmt **) ((char *) im
                                                  + stmts[i].offset),
                               NULL)
            != SQLITE_OK)
        {
            fprintf(stderr, "%s: %s (is the schema version %d as it "
                    "says?)\n", im->file, sqlite3_errmsg(im->db),
                    NEWSCTL_SCHEMA_VERSION);
            return NEWSCTL_FAILED;
        }
    }

    return NEWSCTL_OK;
}


static void
newsctl_import_finalize(newsctl_import_t *im)
{
    sqlite3_finalize(im->cat_select);
    sqlite3_finalize(im->cat_insert);
    sqlite3_finalize(im->cat_rename);
    sqlite3_finalize(im->post_upsert);
    sqlite3_finalize(im->post_id);
    sqlite3_finalize(im->post_touch);
    sqlite3_finalize(im->tag_select);
    sqlite3_finalize(im->tag_insert);
    sqlite3_finalize(im->post_tag_insert);
    sqlite3_finalize(im->post_tag_prune);
}


static int
newsctl_merge_readership(newsctl_command_t *cmd, int argc, char **argv)
{
    int              i, rc, merged, failed, created;
    sqlite3         *db;
    struct stat      st;
    sqlite3_int64    rows, n;
    newsctl_opts_t   opts;

    rc = newsctl_options(cmd, argc, argv, &opts);
    if (rc != NEWSCTL_OK) {
        return (rc == NEWSCTL_HELP) ? NEWSCTL_OK : rc;
    }

    if (opts.nargs == 0) {
        fprintf(stderr, "%s %s: no node files given\n", newsctl_name,
                cmd->name);
        newsctl_command_usage(stderr, cmd);
        return NEWSCTL_USAGE;
    }

    created = (stat(opts.db, &st) != 0);

    /* URIs, so that ATTACH opens the nodes' files read-only */
    if (newsctl_open(opts.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                              | SQLITE_OPEN_URI, &db)
        != NEWSCTL_OK)
    {
        return NEWSCTL_FAILED;
    }

    if (newsctl_merge_target(db, opts.db) != NEWSCTL_OK) {
        sqlite3_close(db);

        /* a file that is not there stays not there */
        if (created) {
            unlink(opts.db);
        }

        return NEWSCTL_FAILED;
    }

    /* who the target is, to know it again under another name */
    if (stat(opts.db, &st) != 0) {
        fprintf(stderr, "%s: %s\n", opts.db, strerror(errno));
        sqlite3_close(db);
        return NEWSCTL_FAILED;
    }

    merged = 0;
    failed = 0;
    rows = 0;

    for (i = 0; i < opts.nargs; i++) {
        if (newsctl_merge_file(db, opts.db, &st, opts.args[i], &n)
            == NEWSCTL_OK)
        {
            merged++;
            rows += n;

        } else {
            failed++;
        }
    }

    if (sqlite3_close(db) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", opts.db, sqlite3_errmsg(db));
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
        if (!sqlite3_get_autocommit(db)) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        }

        return NEWSCTL_FAILED;
    }

    return newsctl_readership_check(db, path, 0);
}


/*
 * one node's file in one transaction; it holds the running totals of its
 * node, so its rows replace those of the same key and are never added
 */
static int
newsctl_merge_file(sqlite3 *db, const char *into, struct stat *into_st,
    const char *file, sqlite3_int64 *rows)
{
    int            rc;
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

    if (sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK) {
        goto failed_sql;
    }

    return newsctl_exec(db, file, "DETACH DATABASE node");

failed_sql:

    fprintf(stderr, "%s: cannot merge into %s: %s\n", file, into,
            err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);

failed:

    if (!sqlite3_get_autocommit(db)) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }

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


static int
newsctl_open(const char *path, int flags, sqlite3 **db)
{
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
static int
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


static int
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


/*
 * steps stmt once; a statement that is done is reset at once, a row is
 * left for the caller to read and reset
 */
static int
newsctl_step(newsctl_import_t *im, sqlite3_stmt *stmt, const char *what)
{
    int  rc;

    rc = sqlite3_step(stmt);

    if (rc == SQLITE_ROW) {
        return rc;
    }

    if (rc != SQLITE_DONE) {
        fprintf(stderr, "%s: %s: %s\n", im->file, what,
                sqlite3_errmsg(im->db));
    }

    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);

    return rc;
}


static void
newsctl_bind(sqlite3_stmt *stmt, int n, news_post_str_t *s)
{
    /* the post and its buffers outlive the statement's use of them */
    sqlite3_bind_text(stmt, n, s->data != NULL ? s->data : "", (int) s->len,
                      SQLITE_STATIC);
}


static int
newsctl_read(const char *file, char **buf, size_t *len)
{
    FILE    *f;
    char    *p, *np;
    size_t   n, size;

    f = fopen(file, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: cannot open: %s\n", file, strerror(errno));
        return NEWSCTL_FAILED;
    }

    size = 64 * 1024;
    n = 0;
    p = NULL;

    for ( ;; ) {
        np = realloc(p, size);
        if (np == NULL) {
            fprintf(stderr, "%s: out of memory\n", file);
            goto failed;
        }

        p = np;
        n += fread(p + n, 1, size - n, f);

        if (n < size) {
            break;
        }

        if (size > NEWSCTL_MAX_POST) {
            fprintf(stderr, "%s: larger than %d bytes: not a post\n", file,
                    NEWSCTL_MAX_POST);
            goto failed;
        }

        size *= 2;
    }

    if (ferror(f)) {
        fprintf(stderr, "%s: cannot read: %s\n", file, strerror(errno));
        goto failed;
    }

    fclose(f);

    *buf = p;
    *len = n;

    return NEWSCTL_OK;

failed:

    free(p);
    fclose(f);

    return NEWSCTL_FAILED;
}


/*
 * "--db FILE" or "--db=FILE" (--into for merge-readership) anywhere, "--"
 * ends the options
 */
static int
newsctl_options(newsctl_command_t *cmd, int argc, char **argv,
    newsctl_opts_t *opts)
{
    int      i, n;
    char    *a;
    size_t   len;

    opts->db = NULL;
    opts->args = argv + 1;
    opts->nargs = 0;
    n = 0;
    len = strlen(cmd->file_option);

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

        if (strcmp(a, cmd->file_option) == 0) {
            if (i + 1 == argc) {
                fprintf(stderr, "%s %s: %s needs a FILE\n", newsctl_name,
                        cmd->name, a);
                newsctl_command_usage(stderr, cmd);
                return NEWSCTL_USAGE;
            }

            opts->db = argv[++i];
            continue;
        }

        if (strncmp(a, cmd->file_option, len) == 0 && a[len] == '=') {
            opts->db = a + len + 1;
            continue;
        }

        if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "%s %s: unknown option \"%s\"\n", newsctl_name,
                    cmd->name, a);
            newsctl_command_usage(stderr, cmd);
            return NEWSCTL_USAGE;
        }

        opts->args[n++] = a;
    }

    opts->nargs = n;

    if (opts->db == NULL || opts->db[0] == '\0') {
        fprintf(stderr, "%s %s: %s FILE is required\n", newsctl_name,
                cmd->name, cmd->file_option);
        newsctl_command_usage(stderr, cmd);
        return NEWSCTL_USAGE;
    }

    return NEWSCTL_OK;
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
