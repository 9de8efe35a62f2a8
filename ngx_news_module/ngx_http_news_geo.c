
/*
 * Copyright (C) ngx_news_module authors
 *
 * Where a reader is: the connection's address (after the realip module)
 * is looked up in a MaxMind DB (ngx_http_news_geo_lookup.c); this file
 * keeps the DB: the directive, the private copy, a changed file.
 *
 * libmaxminddb maps the file it opens, and a mapped file cut short under
 * the mapping (cp or truncate over it) kills the process that next reads
 * a page past its new end.  So nobody looks up in the file itself: the
 * master copies it into a sealed memfd at configuration time, which the
 * workers inherit and map (one copy in memory for all of them); a worker
 * that finds the file changed (checked at most once a second) copies it
 * again for itself, and keeps the copy it has when the new file is not a
 * whole MaxMind DB.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_geo.h"


static char *ngx_http_news_geo_copy(ngx_str_t *path, ngx_fd_t *copy,
    ngx_http_news_geo_stamp_t *stamp, ngx_err_t *err);
static int ngx_http_news_geo_mmdb_open(ngx_fd_t fd, MMDB_s *mmdb);
static void ngx_http_news_geo_stamp(ngx_file_info_t *fi,
    ngx_http_news_geo_stamp_t *stamp);
static void ngx_http_news_geo_cleanup(void *data);


char *
ngx_http_news_geoip_db(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_news_main_conf_t *mcf = conf;

    int                   status;
    char                 *failed;
    ngx_err_t             err;
    ngx_str_t            *value;
    ngx_pool_cleanup_t   *cln;
    ngx_http_news_geo_t  *geo;

    if (mcf->geo != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    geo = ngx_pcalloc(cf->pool, sizeof(ngx_http_news_geo_t));
    if (geo == NULL) {
        return NGX_CONF_ERROR;
    }

    geo->fd = NGX_INVALID_FILE;
    geo->path = value[1];

    if (ngx_conf_full_name(cf->cycle, &geo->path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* the copy goes with the cycle: a reload copies the file anew */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_news_geo_cleanup;
    cln->data = geo;

    failed = ngx_http_news_geo_copy(&geo->path, &geo->fd, &geo->copied, &err);

    if (failed != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, err,
                           "news_geoip_db \"%V\": %s", &geo->path, failed);
        return NGX_CONF_ERROR;
    }

    /* opened once here so that "nginx -t" names a bad file */

    status = ngx_http_news_geo_mmdb_open(geo->fd, &geo->mmdb);

    if (status != MMDB_SUCCESS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf,
                           status == MMDB_IO_ERROR ? ngx_errno : 0,
                           "news_geoip_db \"%V\": %s", &geo->path,
                           MMDB_strerror(status));
        return NGX_CONF_ERROR;
    }

    MMDB_close(&geo->mmdb);

    mcf->geo = geo;

    return NGX_CONF_OK;
}


/*
 * the file's bytes as they are now, in a memfd sealed against any change:
 * nobody, not even its owner, can cut it short under a mapping.  Returns
 * NULL, or what failed with *err.
 */

static char *
ngx_http_news_geo_copy(ngx_str_t *path, ngx_fd_t *copy,
    ngx_http_news_geo_stamp_t *stamp, ngx_err_t *err)
{
#if (NGX_LINUX)
    char             *failed;
    u_char           *p, buf[65536];
    ssize_t           n, w;
    ngx_fd_t          fd, mfd;
    ngx_file_info_t   fi;

    *err = 0;
    failed = NULL;
    mfd = NGX_INVALID_FILE;

    fd = ngx_open_file(path->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        *err = ngx_errno;
        return ngx_open_file_n " failed";
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        *err = ngx_errno;
        failed = ngx_fd_info_n " failed";
        goto done;
    }

    /* a FIFO or a device could be read for ever */

    if (!ngx_is_file(&fi)) {
        failed = "not a regular file";
        goto done;
    }

    mfd = memfd_create("news_geoip_db", MFD_CLOEXEC | MFD_ALLOW_SEALING);

    if (mfd == -1) {
        *err = ngx_errno;
        failed = "memfd_create() failed";
        goto done;
    }

    /* to the end of the file as it is now, whatever fstat() said */

    for ( ;; ) {
        n = read(fd, buf, sizeof(buf));

        if (n == -1) {
            *err = ngx_errno;

            if (*err == NGX_EINTR) {
                continue;
            }

            failed = "read() failed";
            goto done;
        }

        if (n == 0) {
            break;
        }

        for (p = buf; n > 0; p += w, n -= w) {
            w = write(mfd, p, n);

            if (w == -1) {
                *err = ngx_errno;

                if (*err == NGX_EINTR) {
                    w = 0;
                    continue;
                }

                failed = "write() to memfd failed";
                goto done;
            }
        }
    }

    if (fcntl(mfd, F_ADD_SEALS,
              F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)
        == -1)
    {
        *err = ngx_errno;
        failed = "fcntl(F_ADD_SEALS) failed";
        goto done;
    }

    ngx_http_news_geo_stamp(&fi, stamp);

    *copy = mfd;
    mfd = NGX_INVALID_FILE;

done:

    if (mfd != NGX_INVALID_FILE) {
        (void) ngx_close_file(mfd);
    }

    (void) ngx_close_file(fd);

    return failed;

#else

    /* libmaxminddb opens a path only, and only Linux names a memfd */

    *err = 0;
    return "a private copy of the database needs Linux (memfd_create())";

#endif
}


/* libmaxminddb takes a path: the copy's, as this process sees its fds */

static int
ngx_http_news_geo_mmdb_open(ngx_fd_t fd, MMDB_s *mmdb)
{
    u_char  name[sizeof("/proc/self/fd/") + NGX_INT_T_LEN];

    ngx_sprintf(name, "/proc/self/fd/%d%Z", fd);

    return MMDB_open((char *) name, MMDB_MODE_MMAP, mmdb);
}


static void
ngx_http_news_geo_stamp(ngx_file_info_t *fi, ngx_http_news_geo_stamp_t *stamp)
{
    ngx_memzero(stamp, sizeof(ngx_http_news_geo_stamp_t));

    stamp->dev = fi->st_dev;
    stamp->ino = fi->st_ino;
    stamp->size = fi->st_size;
    stamp->mtime = fi->st_mtime;
#if (NGX_LINUX)
    stamp->mtime_nsec = fi->st_mtim.tv_nsec;
#endif
}


void
ngx_http_news_geo_open(ngx_cycle_t *cycle)
{
    int                         status;
    ngx_http_news_geo_t        *geo;
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_news_module);

    if (mcf == NULL || mcf->geo == NULL) {
        return;
    }

    geo = mcf->geo;

    /* the master's copy, inherited: the same pages in every worker */

    status = ngx_http_news_geo_mmdb_open(geo->fd, &geo->mmdb);

    if (status != MMDB_SUCCESS) {
        /* readers are still served and counted, as "ZZ" */
        ngx_log_error(NGX_LOG_ERR, cycle->log,
                      status == MMDB_IO_ERROR ? ngx_errno : 0,
                      "news: cannot open the copy of GeoIP database "
                      "\"%V\": %s", &geo->path, MMDB_strerror(status));
        return;
    }

    geo->open = 1;
    geo->checked = ngx_time();
    ngx_http_news_geo_forget(geo, cycle->pool);
}


void
ngx_http_news_geo_close(ngx_cycle_t *cycle)
{
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_news_module);

    if (mcf == NULL || mcf->geo == NULL) {
        return;
    }

    if (mcf->geo->open) {
        MMDB_close(&mcf->geo->mmdb);
        mcf->geo->open = 0;
    }

    ngx_http_news_geo_cleanup(mcf->geo);
}


/*
 * a file changed since it was copied (another inode, size or mtime), and
 * whole, is copied again and used in this worker from now on; one that is
 * not whole (truncated, half written, garbage) leaves the copy in use.
 * Either is logged once.
 */

void
ngx_http_news_geo_check(ngx_http_news_geo_t *geo)
{
    int                         status;
    char                       *failed;
    MMDB_s                      mmdb;
    ngx_fd_t                    fd;
    ngx_err_t                   err;
    ngx_file_info_t             fi;
    ngx_http_news_geo_stamp_t   now, copied;

    if (geo->checked == ngx_time()) {
        return;
    }

    geo->checked = ngx_time();

    if (ngx_file_info(geo->path.data, &fi) == NGX_FILE_ERROR) {
        /* gone for a moment, or for good: the copy goes on */
        err = ngx_errno;
        ngx_memzero(&now, sizeof(ngx_http_news_geo_stamp_t));
        failed = ngx_file_info_n " failed";

    } else {
        ngx_http_news_geo_stamp(&fi, &now);
        failed = NULL;
        err = 0;
    }

    if (ngx_memcmp(&now, &geo->copied, sizeof(now)) == 0
        || ngx_memcmp(&now, &geo->refused, sizeof(now)) == 0)
    {
        return;
    }

    geo->refused = now;

    if (failed != NULL) {
        goto refused;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                   "news GeoIP database changed: \"%V\"", &geo->path);

    failed = ngx_http_news_geo_copy(&geo->path, &fd, &copied, &err);

    if (failed != NULL) {
        goto refused;
    }

    status = ngx_http_news_geo_mmdb_open(fd, &mmdb);

    if (status != MMDB_SUCCESS) {
        err = status == MMDB_IO_ERROR ? ngx_errno : 0;
        failed = (char *) MMDB_strerror(status);
        (void) ngx_close_file(fd);
        goto refused;
    }

    if (geo->open) {
        MMDB_close(&geo->mmdb);
    }

    /* the master's copy, or this worker's last one */

    if (geo->fd != NGX_INVALID_FILE) {
        (void) ngx_close_file(geo->fd);
    }

    geo->fd = fd;
    geo->mmdb = mmdb;
    geo->copied = copied;
    geo->open = 1;
    geo->error_logged = 0;
    ngx_http_news_geo_forget(geo, ngx_cycle->pool);

    ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                  "news: GeoIP database \"%V\" changed, now in use "
                  "(a copy of %O bytes in this worker until a reload)",
                  &geo->path, copied.size);
    return;

refused:

    ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, err,
                  "news: GeoIP database \"%V\" changed, the copy loaded "
                  "before is kept: %s", &geo->path, failed);
}


static void
ngx_http_news_geo_cleanup(void *data)
{
    ngx_http_news_geo_t  *geo = data;

    if (geo->fd != NGX_INVALID_FILE) {
        (void) ngx_close_file(geo->fd);
        geo->fd = NGX_INVALID_FILE;
    }
}
