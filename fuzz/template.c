
/*
 * Copyright (C) ngx_news_module authors
 *
 * libFuzzer target: the template scanner, news_tpl_scan_init() and
 * news_tpl_next() of news_parse.c, on any bytes.  A template comes from
 * the site's files, not from readers, but a wrong one must fail at
 * "nginx -t" with a line number, never crash the master.
 *
 * Checked for each input: the scan ends (END, or ERROR then END) within
 * one token per byte; every token lies inside the input, after the one
 * before it; lines never decrease and are the line the token starts on;
 * literals are not empty and contain no "{{"; placeholder names are
 * [a-z0-9_]+ and sit between "{{" and "}}" with spaces only.
 */


#include <string.h>

#include <news_parse.h>

#include "fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const unsigned char  *end, *prev_end, *lp, *q;
    news_tpl_token_t      tok;
    news_tpl_scan_t       s;
    unsigned char        *copy;
    size_t                i, n, line, prev_line, ntok;

    /* an allocation of exactly size bytes: ASan sees a read past it */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    end = copy + size;
    prev_end = copy;
    prev_line = 1;
    ntok = 0;

    /* newlines counted up to lp */
    lp = copy;
    line = 1;

    news_tpl_scan_init(&s, copy, size);

    for ( ;; ) {
        memset(&tok, 0xa5, sizeof(news_tpl_token_t));
        news_tpl_next(&s, &tok);

        fuzz_check(++ntok <= size + 2, "the scan ends");
        fuzz_check(tok.line >= prev_line, "lines never decrease");

        if (tok.type == NEWS_TPL_END) {
            fuzz_check(tok.len == 0, "END is empty");
            fuzz_check(prev_end == end, "the tokens cover the input");
            break;
        }

        if (tok.type == NEWS_TPL_ERROR) {
            fuzz_check(tok.error != NULL && tok.error[0] != '\0',
                       "an error says why");
            fuzz_check(tok.line >= prev_line, "error line");

            news_tpl_next(&s, &tok);
            fuzz_check(tok.type == NEWS_TPL_END, "END after an error");
            break;
        }

        fuzz_check(tok.type == NEWS_TPL_LITERAL
                   || tok.type == NEWS_TPL_PLACEHOLDER, "a known type");
        fuzz_check(tok.data >= prev_end && tok.data <= end
                   && tok.len <= (size_t) (end - tok.data),
                   "the token lies inside the input, after the last one");

        /* the line the token starts on: no newline inside "{{ " */
        for ( /* void */ ; lp < tok.data; lp++) {
            line += (*lp == '\n');
        }

        fuzz_check(tok.line == line, "the line a token starts on");

        if (tok.type == NEWS_TPL_LITERAL) {
            fuzz_check(tok.len > 0, "a literal is not empty");
            fuzz_check(tok.data == prev_end, "literals leave no gap");

            for (i = 0; i + 1 < tok.len; i++) {
                fuzz_check(!(tok.data[i] == '{' && tok.data[i + 1] == '{'),
                           "no \"{{\" inside a literal");
            }

        } else {
            fuzz_check(tok.len > 0, "a placeholder has a name");

            for (i = 0; i < tok.len; i++) {
                fuzz_check((tok.data[i] >= 'a' && tok.data[i] <= 'z')
                           || (tok.data[i] >= '0' && tok.data[i] <= '9')
                           || tok.data[i] == '_', "a name's characters");
            }

            /* "{{", spaces, the name, spaces, "}}" */
            q = tok.data;
            while (q > prev_end && q[-1] == ' ') {
                q--;
            }
            fuzz_check(q - prev_end == 2 && prev_end[0] == '{'
                       && prev_end[1] == '{', "\"{{\" before the name");

            q = tok.data + tok.len;
            while (q < end && *q == ' ') {
                q++;
            }
            fuzz_check(end - q >= 2 && q[0] == '}' && q[1] == '}',
                       "\"}}\" after the name");

            n = (size_t) (q + 2 - prev_end);
            fuzz_check(n >= 5, "a placeholder's size");
        }

        prev_line = tok.line;
        prev_end = (tok.type == NEWS_TPL_LITERAL) ? tok.data + tok.len
                                                  : q + 2;
    }

    free(copy);

    return 0;
}
