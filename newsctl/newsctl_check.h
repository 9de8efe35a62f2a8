/*
 * newsctl_check.h: what the files of "newsctl check" share: the check's
 * state, its queries' shape, and how a problem is printed.
 *
 *   newsctl_check.c         the command, the row and text checks
 *   newsctl_check_schema.c  the schema objects against sql/schema.sql
 *   newsctl_check_cycles.c  category cycles, in one linear walk
 */

#ifndef NEWSCTL_CHECK_H
#define NEWSCTL_CHECK_H

#include <stddef.h>

#include <sqlite3.h>


/* lines of one kind of problem before they are only counted */
#define NEWSCTL_CHECK_LINES   10


typedef struct {
    const char         *what;
    const char         *sql;
} newsctl_check_query_t;


typedef struct {
    sqlite3            *db;
    const char         *path;
    unsigned long       problems;
    /* the schema is the one the row checks are written for */
    int                 rows;
} newsctl_check_t;


/* newsctl_check.c */
void newsctl_check_run(newsctl_check_t *chk, const newsctl_check_query_t *q);
void newsctl_check_line(newsctl_check_t *chk, const char *what,
    const unsigned char *p, size_t len);

/* newsctl_check_schema.c */
int newsctl_check_expected(newsctl_check_t *chk);
void newsctl_check_schema(newsctl_check_t *chk);

/* newsctl_check_cycles.c */
void newsctl_check_cycles(newsctl_check_t *chk);

#endif /* NEWSCTL_CHECK_H */
