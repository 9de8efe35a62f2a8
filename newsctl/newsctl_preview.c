/*
 * newsctl preview-url: a link that shows a post before it is public,
 *
 *   <base>/html_News/NewsShare.html?infoCode=CODE&preview=EXPIRY.SIG
 *
 * EXPIRY the Unix time it stops working, SIG the lowercase hex of
 * HMAC-SHA256 over "CODE.EXPIRY" keyed with the bytes of the file that
 * news_preview_secret names (OpenSSL's HMAC, as nginx links it).  The
 * module checks the same; anyone without the file cannot make one.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "newsctl.h"


/* the module's rule: at least this many bytes of secret */
#define NEWSCTL_SECRET_MIN      32
#define NEWSCTL_SECRET_MAX      4096
/* the longest a link may live: a year */
#define NEWSCTL_EXPIRES_MAX     (366L * 86400)


/* the order of the command's named options in newsctl.c */
enum {
    NEWSCTL_PREVIEW_CODE = 0,
    NEWSCTL_PREVIEW_EXPIRES,
    NEWSCTL_PREVIEW_BASE
};


static long newsctl_duration(const char *s);


int
newsctl_preview_url(newsctl_command_t *cmd, newsctl_opts_t *opts)
{
    int             i;
    long            ttl;
    char            msg[128], hex[2 * EVP_MAX_MD_SIZE + 1];
    FILE           *f;
    size_t          n;
    unsigned        len;
    const char     *code, *base, *p;
    unsigned char   key[NEWSCTL_SECRET_MAX + 1], md[EVP_MAX_MD_SIZE];
    long long       expiry;

    code = opts->named[NEWSCTL_PREVIEW_CODE];

    if (code == NULL || code[0] == '\0') {
        fprintf(stderr, "%s %s: --code is required\n", newsctl_name,
                cmd->name);
        return NEWSCTL_USAGE;
    }

    for (p = code; *p; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
            || p - code >= 64)
        {
            fprintf(stderr, "%s %s: --code \"%s\" is not an infoCode\n",
                    newsctl_name, cmd->name, code);
            return NEWSCTL_USAGE;
        }
    }

    ttl = 3600;

    if (opts->named[NEWSCTL_PREVIEW_EXPIRES] != NULL) {
        ttl = newsctl_duration(opts->named[NEWSCTL_PREVIEW_EXPIRES]);

        if (ttl <= 0 || ttl > NEWSCTL_EXPIRES_MAX) {
            fprintf(stderr, "%s %s: --expires \"%s\" is not a time like "
                    "30m, 1h, 2d (at most 366d)\n", newsctl_name, cmd->name,
                    opts->named[NEWSCTL_PREVIEW_EXPIRES]);
            return NEWSCTL_USAGE;
        }
    }

    f = fopen(opts->db, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", opts->db, strerror(errno));
        return NEWSCTL_FAILED;
    }

    n = fread(key, 1, sizeof(key), f);
    fclose(f);

    if (n < NEWSCTL_SECRET_MIN || n > NEWSCTL_SECRET_MAX) {
        fprintf(stderr, "%s: a preview secret is %d to %d bytes, this file "
                "has %s%zu\n", opts->db, NEWSCTL_SECRET_MIN,
                NEWSCTL_SECRET_MAX, n > NEWSCTL_SECRET_MAX ? "more than " : "",
                n > NEWSCTL_SECRET_MAX ? (size_t) NEWSCTL_SECRET_MAX : n);
        return NEWSCTL_FAILED;
    }

    expiry = (long long) time(NULL) + ttl;

    snprintf(msg, sizeof(msg), "%s.%lld", code, expiry);

    if (HMAC(EVP_sha256(), key, (int) n, (unsigned char *) msg, strlen(msg),
             md, &len)
        == NULL)
    {
        fprintf(stderr, "%s %s: HMAC-SHA256 failed\n", newsctl_name,
                cmd->name);
        return NEWSCTL_FAILED;
    }

    for (i = 0; i < (int) len; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }

    base = opts->named[NEWSCTL_PREVIEW_BASE]
           ? opts->named[NEWSCTL_PREVIEW_BASE] : "";

    printf("%s/html_News/NewsShare.html?infoCode=%s&preview=%lld.%s\n",
           base, code, expiry, hex);

    return NEWSCTL_OK;
}


/* "90", "90s", "30m", "1h", "2d" in seconds; 0 when it is none */
static long
newsctl_duration(const char *s)
{
    long   n;
    char  *end;

    errno = 0;
    n = strtol(s, &end, 10);

    if (errno || end == s || n <= 0 || n > NEWSCTL_EXPIRES_MAX) {
        return 0;
    }

    switch (*end) {
    case '\0':
    case 's':
        break;
    case 'm':
        n *= 60;
        break;
    case 'h':
        n *= 3600;
        break;
    case 'd':
        n *= 86400;
        break;
    default:
        return 0;
    }

    if (*end != '\0' && end[1] != '\0') {
        return 0;
    }

    return n;
}
