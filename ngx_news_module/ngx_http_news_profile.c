
/*
 * Copyright (C) ngx_news_module authors
 *
 * Profiles, at config time: locations whose settings render a page alike
 * share one number, part of their pages' cache keys.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>


static ngx_uint_t ngx_http_news_profile_strs(ngx_str_t *a, ngx_str_t *b,
    ngx_uint_t n);


/*
 * locations that render alike share their cached pages; any setting that
 * changes a page's bytes makes another profile, and so other cache keys
 */

ngx_int_t
ngx_http_news_profile(ngx_conf_t *cf, ngx_http_news_loc_conf_t *conf)
{
    ngx_uint_t                  i;
    ngx_http_news_profile_t    *pr;
    ngx_http_news_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_news_module);

    pr = mcf->profiles.elts;

    for (i = 0; i < mcf->profiles.nelts; i++) {
        if (ngx_memcmp(pr[i].tpl, conf->tpl, sizeof(conf->tpl)) == 0
            && pr[i].base_url == conf->base_url
            && pr[i].page_size == conf->page_size
            && pr[i].descendants == conf->descendants
            && pr[i].feed_size == conf->feed_size
            && ngx_http_news_profile_strs(pr[i].websub_hub,
                                          &conf->websub_hub, 1)
            && ngx_http_news_profile_strs(pr[i].site_vars, conf->site_vars,
                                          6)
            && ngx_http_news_profile_strs(pr[i].default_image,
                                          &conf->default_image, 1)
            && ngx_http_news_profile_strs(pr[i].share_qr, conf->share_qr, 2))
        {
            conf->profile = i;
            return NGX_OK;
        }
    }

    pr = ngx_array_push(&mcf->profiles);
    if (pr == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(pr->tpl, conf->tpl, sizeof(conf->tpl));
    pr->base_url = conf->base_url;
    pr->page_size = conf->page_size;
    pr->descendants = conf->descendants;
    pr->feed_size = conf->feed_size;
    pr->websub_hub = &conf->websub_hub;
    pr->site_vars = conf->site_vars;
    pr->default_image = &conf->default_image;
    pr->share_qr = conf->share_qr;

    conf->profile = mcf->profiles.nelts - 1;

    return NGX_OK;
}


/* the site's name, language, footer, default image: the same text */

static ngx_uint_t
ngx_http_news_profile_strs(ngx_str_t *a, ngx_str_t *b, ngx_uint_t n)
{
    ngx_uint_t  i;

    for (i = 0; i < n; i++) {
        /* an empty value may have no data at all */

        if (a[i].len != b[i].len
            || (a[i].len && ngx_memcmp(a[i].data, b[i].data, a[i].len) != 0))
        {
            return 0;
        }
    }

    return 1;
}
