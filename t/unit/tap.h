
/*
 * Copyright (C) ngx_news_module authors
 *
 * What the C unit tests share: TAP as prove reads it, one "ok N - what"
 * line a check, and the plan at the end (tap_done(): the exit code).
 */


#ifndef _NEWS_TAP_H_INCLUDED_
#define _NEWS_TAP_H_INCLUDED_


#include <stdarg.h>
#include <stdio.h>


static int  tests;
static int  failures;


static void ok(int cond, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));


static void
ok(int cond, const char *fmt, ...)
{
    va_list  args;

    tests++;

    if (!cond) {
        failures++;
        printf("not ");
    }

    printf("ok %d - ", tests);

    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);

    printf("\n");
}


static int
tap_done(void)
{
    printf("1..%d\n", tests);

    return failures ? 1 : 0;
}


#endif /* _NEWS_TAP_H_INCLUDED_ */
