/*
 * newsctl import: Jekyll posts into the content database, each file in
 * its own transaction; the categories of its path and its tags are made
 * as needed, and a re-import of an unchanged file changes nothing.
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "newsctl.h"
#include "news_post.h"


/* a post is a page of HTML; anything this big is a wrong file */
#define NEWSCTL_MAX_POST        (16 * 1024 * 1024)



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


static int newsctl_import_file(newsctl_import_t *im, const char *file);
static int newsctl_import_post(newsctl_import_t *im, news_post_t *post);
static int newsctl_import_category(newsctl_import_t *im, news_post_t *post,
    sqlite3_int64 *id);
static int newsctl_import_tags(newsctl_import_t *im, news_post_t *post,
    sqlite3_int64 post_id, int *changed);
static int newsctl_import_prepare(newsctl_import_t *im);
static void newsctl_import_finalize(newsctl_import_t *im);
static int newsctl_import_step(newsctl_import_t *im, sqlite3_stmt *stmt,
    const char *what);
static void newsctl_import_bind(sqlite3_stmt *stmt, int n,
    news_post_str_t *s);
static int newsctl_import_read(const char *file, char **buf, size_t *len);


int
newsctl_import(newsctl_command_t *cmd, newsctl_opts_t *opts)
{
    int                i, imported, failed;
    newsctl_import_t   im;

    memset(&im, 0, sizeof(newsctl_import_t));

    if (newsctl_open(opts->db, SQLITE_OPEN_READWRITE, &im.db) != NEWSCTL_OK)
    {
        return NEWSCTL_FAILED;
    }

    if (newsctl_schema_current(im.db, opts->db) != NEWSCTL_OK) {
        sqlite3_close(im.db);
        return NEWSCTL_FAILED;
    }

    im.file = opts->db;

    if (newsctl_import_prepare(&im) != NEWSCTL_OK) {
        newsctl_import_finalize(&im);
        sqlite3_close(im.db);
        return NEWSCTL_FAILED;
    }

    imported = 0;
    failed = 0;

    for (i = 0; i < opts->nargs; i++) {
        if (newsctl_import_file(&im, opts->args[i]) == NEWSCTL_OK) {
            imported++;

        } else {
            failed++;
        }
    }

    newsctl_import_finalize(&im);

    if (sqlite3_close(im.db) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", opts->db, sqlite3_errmsg(im.db));
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

    if (newsctl_import_read(file, &buf, &len) != NEWSCTL_OK) {
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

        } else {
            newsctl_rollback(im->db);
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
    newsctl_import_bind(st, 1, &post->info_code);
    newsctl_import_bind(st, 2, &post->title);
    sqlite3_bind_text(st, 3, post->published_at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, category_id);
    newsctl_import_bind(st, 5, &post->summary);
    newsctl_import_bind(st, 6, &post->body);
    newsctl_import_bind(st, 7, &post->source_name);
    newsctl_import_bind(st, 8, &post->source_url);
    newsctl_import_bind(st, 9, &status);
    newsctl_import_bind(st, 10, &post->image_url);
    newsctl_import_bind(st, 11, &post->author);

    if (newsctl_import_step(im, st, "cannot store the post") != SQLITE_DONE) {
        return NEWSCTL_FAILED;
    }

    changed = sqlite3_changes(im->db);

    st = im->post_id;
    newsctl_import_bind(st, 1, &post->info_code);

    if (newsctl_import_step(im, st, "cannot find the post") != SQLITE_ROW) {
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

        if (newsctl_import_step(im, st, "cannot touch the post")
            != SQLITE_DONE)
        {
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
        newsctl_import_bind(st, 1, slug);

        switch (newsctl_import_step(im, st, "cannot read categories")) {

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
                newsctl_import_bind(st, 2, name);

                if (newsctl_import_step(im, st, "cannot rename the category")
                    != SQLITE_DONE)
                {
                    return NEWSCTL_FAILED;
                }
            }

        } else {
            st = im->cat_insert;
            newsctl_import_bind(st, 1, slug);
            newsctl_import_bind(st, 2, name);

            if (parent != 0) {
                sqlite3_bind_int64(st, 3, parent);

            } else {
                sqlite3_bind_null(st, 3);
            }

            if (newsctl_import_step(im, st, "cannot create the category")
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
        newsctl_import_bind(st, 1, &post->tags[i]);

        switch (newsctl_import_step(im, st, "cannot read tags")) {

        case SQLITE_ROW:
            tag_id = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
            break;

        case SQLITE_DONE:
            st = im->tag_insert;
            newsctl_import_bind(st, 1, &post->tags[i]);

            if (newsctl_import_step(im, st, "cannot create the tag")
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

        if (newsctl_import_step(im, st, "cannot tag the post")
            != SQLITE_DONE)
        {
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

    if (newsctl_import_step(im, st, "cannot untag the post") != SQLITE_DONE) {
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
          " summary, body_html, source_name, source_url, status,"
          " image_url, author)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
          " ON CONFLICT (info_code) DO UPDATE SET"
          " title = excluded.title,"
          " published_at = excluded.published_at,"
          " category_id = excluded.category_id,"
          " summary = excluded.summary,"
          " body_html = excluded.body_html,"
          " source_name = excluded.source_name,"
          " source_url = excluded.source_url,"
          " status = excluded.status,"
          " image_url = excluded.image_url,"
          " author = excluded.author"
          /* a re-import of the same file changes nothing, not even time */
          " WHERE title IS NOT excluded.title"
          " OR published_at IS NOT excluded.published_at"
          " OR category_id IS NOT excluded.category_id"
          " OR summary IS NOT excluded.summary"
          " OR body_html IS NOT excluded.body_html"
          " OR source_name IS NOT excluded.source_name"
          " OR source_url IS NOT excluded.source_url"
          " OR status IS NOT excluded.status"
          " OR image_url IS NOT excluded.image_url"
          " OR author IS NOT excluded.author" },

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


/*
 * steps stmt once; a statement that is done is reset at once, a row is
 * left for the caller to read and reset
 */
static int
newsctl_import_step(newsctl_import_t *im, sqlite3_stmt *stmt,
    const char *what)
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
newsctl_import_bind(sqlite3_stmt *stmt, int n, news_post_str_t *s)
{
    /* the post and its buffers outlive the statement's use of them */
    sqlite3_bind_text(stmt, n, s->data != NULL ? s->data : "", (int) s->len,
                      SQLITE_STATIC);
}


static int
newsctl_import_read(const char *file, char **buf, size_t *len)
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

