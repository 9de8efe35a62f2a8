
/*
 * Copyright (C) ngx_news_module authors
 *
 * The canary of make test-asan: proves that each kind of report the run
 * looks for reaches the log directory and is told ours, in the setting
 * nginx runs in.  Built twice: with CANARY_MAIN and no sanitizers as the
 * program, like Debian's nginx, and with the sanitizers as a shared
 * object, like the module, that the program dlopen()s and dlclose()s while
 * the runtime comes from LD_PRELOAD.
 *
 *   canary OBJECT ubsan|asan|leak
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#if (CANARY_MAIN)

#include <dlfcn.h>


int
main(int argc, char **argv)
{
    int    rc;
    void  *h;
    int  (*f)(int);

    if (argc != 3) {
        fprintf(stderr, "usage: canary OBJECT ubsan|asan|leak\n");
        return 2;
    }

    h = dlopen(argv[1], RTLD_NOW);
    if (h == NULL) {
        fprintf(stderr, "canary: %s\n", dlerror());
        return 2;
    }

    f = (int (*)(int)) dlsym(h, "canary");
    if (f == NULL) {
        fprintf(stderr, "canary: %s\n", dlerror());
        return 2;
    }

    rc = f(strcmp(argv[2], "ubsan") == 0 ? 1
           : strcmp(argv[2], "asan") == 0 ? 2 : 3);

    /* as nginx does with its cycle: the report must still name canary.c */
    dlclose(h);

    return rc;
}

#else

int canary(int what);


/* where the leaks are kept, then lost: the compiler cannot drop them */
static char *volatile  canary_sink;


int
canary(int what)
{
    int             i;
    char           *p;
    volatile int    big, sum;

    switch (what) {

    case 1:
        big = 0x7fffffff;
        sum = big + what;           /* signed overflow */
        return sum & 1;

    case 2:
        p = malloc(8);
        if (p == NULL) {
            return 2;
        }
        memset(p, 'x', 8);
        free(p);
        sum = p[what];              /* use after free */
        return sum & 1;

    default:
        /*
         * lost pointers: several, since a stale copy in a register or on
         * the stack can hide one from the leak check
         */
        for (i = 0; i < 16; i++) {
            p = malloc(64 + i);
            if (p == NULL) {
                return 2;
            }
            p[0] = (char) i;
            canary_sink = p;
        }
        canary_sink = NULL;
        return 0;
    }
}

#endif
