/*
 * newsctl check, category cycles: the categories read once and each
 * parent chain walked once, so a 10,000-level tree takes milliseconds; a
 * cycle (which the triggers refuse, but a session with them dropped can
 * make) is reported once, by its categories.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "newsctl.h"
#include "newsctl_check.h"


/* a category as the cycle check walks it */
typedef struct {
    sqlite3_int64       id;
    /* the row of its parent, -1 for none or one that does not exist */
    long                parent;
    char               *slug;
    /* 0: not walked yet, 1: on the walk now, 2: walked */
    unsigned char       state;
    unsigned char       cycle;
} newsctl_check_cat_t;


static long newsctl_check_cats_read(newsctl_check_t *chk,
    newsctl_check_cat_t **cats);
static void newsctl_check_cycle_line(newsctl_check_t *chk,
    newsctl_check_cat_t *cats, long i);


/*
 * "category cycle": each category that is its own ancestor.  A category
 * has one parent at most, so a walk up from each one not walked yet, that
 * stops at the first one walked before, sees every category once: the
 * check is linear in the rows (and the lookup of a parent logarithmic),
 * however long the chains and cycles are.  A walk that comes back to a
 * category on itself has found a cycle.
 */
void
newsctl_check_cycles(newsctl_check_t *chk)
{
    long                  i, j, k, n;
    unsigned long         found;
    newsctl_check_cat_t  *cats;

    n = newsctl_check_cats_read(chk, &cats);
    if (n < 0) {
        return;
    }

    for (i = 0; i < n; i++) {
        if (cats[i].state != 0) {
            continue;
        }

        for (j = i; j != -1 && cats[j].state == 0; j = cats[j].parent) {
            cats[j].state = 1;
        }

        if (j != -1 && cats[j].state == 1) {
            k = j;

            do {
                cats[k].cycle = 1;
                k = cats[k].parent;
            } while (k != j);
        }

        for (j = i; j != -1 && cats[j].state == 1; j = cats[j].parent) {
            cats[j].state = 2;
        }
    }

    found = 0;

    for (i = 0; i < n; i++) {
        if (cats[i].cycle && found++ < NEWSCTL_CHECK_LINES) {
            newsctl_check_cycle_line(chk, cats, i);
        }
    }

    if (found > NEWSCTL_CHECK_LINES) {
        printf("%s: category cycle: and %lu more (%lu in all)\n", chk->path,
               found - NEWSCTL_CHECK_LINES, found);
    }

    chk->problems += found;

    for (i = 0; i < n; i++) {
        sqlite3_free(cats[i].slug);
    }

    sqlite3_free(cats);
}


/* the categories in the order of id, each with the row of its parent */
static long
newsctl_check_cats_read(newsctl_check_t *chk, newsctl_check_cat_t **cats)
{
    int                   rc, len;
    long                  i, n, size, lo, hi, mid;
    const char           *msg;
    sqlite3_int64        *parents, *ids;
    sqlite3_stmt         *stmt;
    newsctl_check_cat_t  *c, *more;
    const unsigned char  *slug;

    *cats = NULL;
    parents = NULL;
    n = 0;
    size = 0;
    msg = NULL;

    rc = sqlite3_prepare_v2(chk->db, "SELECT id, parent_id, slug"
                            " FROM categories ORDER BY id", -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
        goto failed;
    }

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (n == size) {
            size = size ? 2 * size : 256;
            more = sqlite3_realloc64(*cats, size * sizeof(*c));
            if (more == NULL) {
                msg = "out of memory";
                goto failed;
            }

            *cats = more;

            ids = sqlite3_realloc64(parents, size * sizeof(*parents));
            if (ids == NULL) {
                msg = "out of memory";
                goto failed;
            }

            parents = ids;
        }

        c = &(*cats)[n];
        memset(c, 0, sizeof(*c));
        c->id = sqlite3_column_int64(stmt, 0);

        /* a parent_id that is no integer names no row: orphan category */
        parents[n] = (sqlite3_column_type(stmt, 1) == SQLITE_INTEGER)
                     ? sqlite3_column_int64(stmt, 1) : 0;
        c->parent = (sqlite3_column_type(stmt, 1) == SQLITE_INTEGER) ? 0 : -1;

        slug = sqlite3_column_text(stmt, 2);
        len = sqlite3_column_bytes(stmt, 2);
        n++;

        if (slug != NULL) {
            c->slug = sqlite3_malloc(len + 1);
            if (c->slug == NULL) {
                msg = "out of memory";
                goto failed;
            }

            memcpy(c->slug, slug, len + 1);
        }
    }

    if (rc != SQLITE_DONE) {
        goto failed;
    }

    sqlite3_finalize(stmt);

    /* ORDER BY id: the parent of each is found by bisection */
    for (i = 0; i < n; i++) {
        if ((*cats)[i].parent == -1) {
            continue;
        }

        (*cats)[i].parent = -1;
        lo = 0;
        hi = n;

        while (lo < hi) {
            mid = lo + (hi - lo) / 2;

            if ((*cats)[mid].id < parents[i]) {
                lo = mid + 1;

            } else {
                hi = mid;
            }
        }

        if (lo < n && (*cats)[lo].id == parents[i]) {
            (*cats)[i].parent = lo;
        }
    }

    sqlite3_free(parents);

    return n;

failed:

    printf("%s: category cycle: cannot check: %s\n", chk->path,
           msg ? msg : sqlite3_errmsg(chk->db));
    chk->problems++;

    sqlite3_finalize(stmt);
    sqlite3_free(parents);

    for (i = 0; i < n; i++) {
        sqlite3_free((*cats)[i].slug);
    }

    sqlite3_free(*cats);
    *cats = NULL;

    return -1;
}


/*
 * "category 1 (news) is its own ancestor: 'news' -> 'china' -> 'news'";
 * a long cycle shows its first steps and how many it has in all
 */
static void
newsctl_check_cycle_line(newsctl_check_t *chk, newsctl_check_cat_t *cats,
    long i)
{
    long          j, len, shown;
    sqlite3_str  *s;

    len = 0;
    j = i;

    do {
        len++;
        j = cats[j].parent;
    } while (j != i);

    s = sqlite3_str_new(NULL);

    sqlite3_str_appendf(s, "category %lld (%s) is its own ancestor",
                        cats[i].id, cats[i].slug);

    if (len > 2 * NEWSCTL_CHECK_LINES) {
        sqlite3_str_appendf(s, ", %ld levels up", len);
    }

    sqlite3_str_appendf(s, ": %Q", cats[i].slug);

    shown = 1;

    for (j = cats[i].parent; j != i; j = cats[j].parent) {
        if (len > 2 * NEWSCTL_CHECK_LINES && shown == NEWSCTL_CHECK_LINES) {
            sqlite3_str_appendf(s, " -> ... %ld more", len - shown);
            break;
        }

        sqlite3_str_appendf(s, " -> %Q", cats[j].slug);
        shown++;
    }

    sqlite3_str_appendf(s, " -> %Q", cats[i].slug);

    if (sqlite3_str_errcode(s) != SQLITE_OK) {
        sqlite3_free(sqlite3_str_finish(s));
        printf("%s: category cycle: category %lld: out of memory\n",
               chk->path, cats[i].id);
        return;
    }

    len = sqlite3_str_length(s);
    newsctl_check_line(chk, "category cycle",
                       (unsigned char *) sqlite3_str_value(s), (size_t) len);
    sqlite3_free(sqlite3_str_finish(s));
}
