
/*
 * Copyright (C) ngx_news_module authors
 *
 * A feed's document: RSS 2.0 or Atom (RFC 4287) from its items, every
 * text XML-escaped (ngx_http_news_out_xml()), the dates the posts' own.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_feed.h"


static void ngx_http_news_out_rfc822(ngx_http_news_out_t *out,
    ngx_str_t *at);
static void ngx_http_news_out_w3c(ngx_http_news_out_t *out, ngx_str_t *at);


static char  *ngx_http_news_months[] = { "Jan", "Feb", "Mar", "Apr", "May",
                                         "Jun", "Jul", "Aug", "Sep", "Oct",
                                         "Nov", "Dec" };

static char  *ngx_http_news_wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
                                        "Fri", "Sat" };


/* RSS 2.0, with content:encoded for the body and dc:creator the author */

void
ngx_http_news_feed_rss(ngx_http_news_out_t *out, ngx_http_request_t *r,
    ngx_http_news_feed_t *feed, ngx_array_t *items, ngx_str_t *updated)
{
    ngx_str_t                 *tag;
    ngx_uint_t                 i, j;
    ngx_http_news_item_t      *item;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_http_news_out_lit(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                          "<rss version=\"2.0\" "
                          "xmlns:atom=\"http://www.w3.org/2005/Atom\" "
                          "xmlns:content="
                          "\"http://purl.org/rss/1.0/modules/content/\" "
                          "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
                          "<channel>\n<title>");
    ngx_http_news_out_xml(out, &feed->title);
    ngx_http_news_out_lit(out, "</title>\n<link>");
    ngx_http_news_out_xml(out, &feed->link);
    ngx_http_news_out_lit(out, "</link>\n<description>");
    ngx_http_news_out_xml(out, &feed->title);
    ngx_http_news_out_lit(out, "</description>\n<language>");
    ngx_http_news_out_xml(out, &nlcf->language);
    ngx_http_news_out_lit(out, "</language>\n<atom:link rel=\"self\" "
                          "type=\"application/rss+xml\" href=\"");
    ngx_http_news_out_xml(out, &feed->self);
    ngx_http_news_out_lit(out, "\"/>\n");

    if (nlcf->websub_hub.len) {
        ngx_http_news_out_lit(out, "<atom:link rel=\"hub\" href=\"");
        ngx_http_news_out_xml(out, &nlcf->websub_hub);
        ngx_http_news_out_lit(out, "\"/>\n");
    }

    if (updated->len) {
        ngx_http_news_out_lit(out, "<lastBuildDate>");
        ngx_http_news_out_rfc822(out, updated);
        ngx_http_news_out_lit(out, "</lastBuildDate>\n");
    }

    item = items->elts;

    for (i = 0; i < items->nelts; i++) {
        ngx_http_news_out_lit(out, "<item>\n<title>");
        ngx_http_news_out_xml(out, &item[i].post.title);
        ngx_http_news_out_lit(out, "</title>\n<link>");
        ngx_http_news_out_xml(out, &item[i].url);
        ngx_http_news_out_lit(out, "</link>\n<guid isPermaLink=\"true\">");
        ngx_http_news_out_xml(out, &item[i].url);
        ngx_http_news_out_lit(out, "</guid>\n<pubDate>");
        ngx_http_news_out_rfc822(out, &item[i].post.published_at);
        ngx_http_news_out_lit(out, "</pubDate>\n");

        if (item[i].post.author.len) {
            ngx_http_news_out_lit(out, "<dc:creator>");
            ngx_http_news_out_xml(out, &item[i].post.author);
            ngx_http_news_out_lit(out, "</dc:creator>\n");
        }

        if (item[i].post.category_name.len) {
            ngx_http_news_out_lit(out, "<category>");
            ngx_http_news_out_xml(out, &item[i].post.category_name);
            ngx_http_news_out_lit(out, "</category>\n");
        }

        tag = item[i].tags.elts;

        for (j = 0; j < item[i].tags.nelts; j++) {
            ngx_http_news_out_lit(out, "<category>");
            ngx_http_news_out_xml(out, &tag[j]);
            ngx_http_news_out_lit(out, "</category>\n");
        }

        ngx_http_news_out_lit(out, "<description>");
        ngx_http_news_out_xml(out, &item[i].post.summary);
        ngx_http_news_out_lit(out, "</description>\n<content:encoded>");
        ngx_http_news_out_xml(out, &item[i].post.body);
        ngx_http_news_out_lit(out, "</content:encoded>\n");

        if (item[i].image.len) {
            /* the size is not known: 0, as RSS 2.0 readers take it */
            ngx_http_news_out_lit(out, "<enclosure url=\"");
            ngx_http_news_out_xml(out, &item[i].image);
            ngx_http_news_out_lit(out, "\" length=\"0\" "
                                  "type=\"image/jpeg\"/>\n");
        }

        ngx_http_news_out_lit(out, "</item>\n");
    }

    ngx_http_news_out_lit(out, "</channel>\n</rss>\n");
}


/* Atom, RFC 4287: the canonical URLs are the entries' ids */

void
ngx_http_news_feed_atom(ngx_http_news_out_t *out, ngx_http_request_t *r,
    ngx_http_news_feed_t *feed, ngx_array_t *items, ngx_str_t *updated)
{
    ngx_str_t                 *tag, *author;
    ngx_uint_t                 i, j;
    ngx_http_news_item_t      *item;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);

    ngx_http_news_out_lit(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                          "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
                          "xml:lang=\"");
    ngx_http_news_out_xml(out, &nlcf->language);
    ngx_http_news_out_lit(out, "\">\n<id>");
    ngx_http_news_out_xml(out, &feed->self);
    ngx_http_news_out_lit(out, "</id>\n<title>");
    ngx_http_news_out_xml(out, &feed->title);
    ngx_http_news_out_lit(out, "</title>\n<updated>");

    if (updated->len) {
        ngx_http_news_out_w3c(out, updated);

    } else {
        /* no post yet: a fixed instant, so that the feed's bytes hold */
        ngx_http_news_out_lit(out, "1970-01-01T00:00:00Z");
    }

    ngx_http_news_out_lit(out, "</updated>\n<author><name>");
    ngx_http_news_out_xml(out, &nlcf->site_text);
    ngx_http_news_out_lit(out, "</name></author>\n"
                          "<link rel=\"self\" "
                          "type=\"application/atom+xml\" href=\"");
    ngx_http_news_out_xml(out, &feed->self);
    ngx_http_news_out_lit(out, "\"/>\n<link rel=\"alternate\" "
                          "type=\"text/html\" href=\"");
    ngx_http_news_out_xml(out, &feed->link);
    ngx_http_news_out_lit(out, "\"/>\n");

    if (nlcf->websub_hub.len) {
        ngx_http_news_out_lit(out, "<link rel=\"hub\" href=\"");
        ngx_http_news_out_xml(out, &nlcf->websub_hub);
        ngx_http_news_out_lit(out, "\"/>\n");
    }

    item = items->elts;

    for (i = 0; i < items->nelts; i++) {
        ngx_http_news_out_lit(out, "<entry>\n<id>");
        ngx_http_news_out_xml(out, &item[i].url);
        ngx_http_news_out_lit(out, "</id>\n<title>");
        ngx_http_news_out_xml(out, &item[i].post.title);
        ngx_http_news_out_lit(out, "</title>\n<link rel=\"alternate\" "
                              "type=\"text/html\" href=\"");
        ngx_http_news_out_xml(out, &item[i].url);
        ngx_http_news_out_lit(out, "\"/>\n<published>");
        ngx_http_news_out_w3c(out, &item[i].post.published_at);
        ngx_http_news_out_lit(out, "</published>\n<updated>");
        ngx_http_news_out_w3c(out, &item[i].post.updated_at);
        ngx_http_news_out_lit(out, "</updated>\n<author><name>");

        author = item[i].post.author.len ? &item[i].post.author
                                         : &nlcf->site_text;
        ngx_http_news_out_xml(out, author);
        ngx_http_news_out_lit(out, "</name></author>\n");

        if (item[i].post.category_name.len) {
            ngx_http_news_out_lit(out, "<category term=\"");
            ngx_http_news_out_xml(out, &item[i].post.category_name);
            ngx_http_news_out_lit(out, "\"/>\n");
        }

        tag = item[i].tags.elts;

        for (j = 0; j < item[i].tags.nelts; j++) {
            ngx_http_news_out_lit(out, "<category term=\"");
            ngx_http_news_out_xml(out, &tag[j]);
            ngx_http_news_out_lit(out, "\"/>\n");
        }

        if (item[i].image.len) {
            ngx_http_news_out_lit(out, "<link rel=\"enclosure\" href=\"");
            ngx_http_news_out_xml(out, &item[i].image);
            ngx_http_news_out_lit(out, "\"/>\n");
        }

        ngx_http_news_out_lit(out, "<summary>");
        ngx_http_news_out_xml(out, &item[i].post.summary);
        ngx_http_news_out_lit(out, "</summary>\n<content type=\"html\">");
        ngx_http_news_out_xml(out, &item[i].post.body);
        ngx_http_news_out_lit(out, "</content>\n</entry>\n");
    }

    ngx_http_news_out_lit(out, "</feed>\n");
}


/*
 * "2022-03-04 20:46:41+08:00" as RFC 822 in its own offset, "Fri, 04 Mar
 * 2022 20:46:41 +0800"; the day of the week from the date (days since
 * the epoch by the civil calendar's rule); anything else as text
 */

static void
ngx_http_news_out_rfc822(ngx_http_news_out_t *out, ngx_str_t *at)
{
    u_char     *d, *p, buf[48];
    ngx_int_t   y, m, day, era, yoe, doy, doe, days;

    d = at->data;

    if (at->len != 25 || d[4] != '-' || d[7] != '-' || d[10] != ' '
        || (d[19] != '+' && d[19] != '-') || d[22] != ':')
    {
        ngx_http_news_out_xml(out, at);
        return;
    }

    y = ngx_atoi(d, 4);
    m = ngx_atoi(d + 5, 2);
    day = ngx_atoi(d + 8, 2);

    if (y == NGX_ERROR || m < 1 || m > 12 || day < 1 || day > 31) {
        ngx_http_news_out_xml(out, at);
        return;
    }

    y -= (m <= 2);
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + doe - 719468;

    p = ngx_sprintf(buf, "%s, %*s %s %04i %*s %c%*s%*s",
                    ngx_http_news_wdays[(days % 7 + 11) % 7], (size_t) 2,
                    d + 8, ngx_http_news_months[m - 1], y + (m <= 2),
                    (size_t) 8, d + 11, d[19], (size_t) 2, d + 20,
                    (size_t) 2, d + 23);

    ngx_http_news_out_add(out, buf, p - buf);
}


/* "2022-03-04 20:46:41+08:00" as W3C / RFC 3339, "2022-03-04T20:46:41+08:00" */

static void
ngx_http_news_out_w3c(ngx_http_news_out_t *out, ngx_str_t *at)
{
    ngx_str_t  date, rest;

    if (at->len > 11 && at->data[10] == ' ') {
        date.data = at->data;
        date.len = 10;
        rest.data = at->data + 11;
        rest.len = at->len - 11;

        ngx_http_news_out_xml(out, &date);
        ngx_http_news_out_lit(out, "T");
        ngx_http_news_out_xml(out, &rest);
        return;
    }

    ngx_http_news_out_xml(out, at);
}
