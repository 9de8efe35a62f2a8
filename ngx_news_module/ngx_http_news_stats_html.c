
/*
 * Copyright (C) ngx_news_module authors
 *
 * The stats page: the values of the "stats" template, in the site's
 * language (Chinese for a zh-* news_language, else English): the day
 * range form, the filters, a trend of views a day and a bar chart of
 * views by region as SVG drawn here (no script, scaled to the screen by
 * their viewBox), and the tables, every text from the files escaped.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_http_news.h>
#include "ngx_http_news_stats.h"


/* the page's texts, one a row of ngx_http_news_stats_text[] */
enum {
    NGX_HTTP_NEWS_T_TITLE = 0,
    NGX_HTTP_NEWS_T_TREND,
    NGX_HTTP_NEWS_T_REGIONS,
    NGX_HTTP_NEWS_T_TOP,
    NGX_HTTP_NEWS_T_ARTICLES,
    NGX_HTTP_NEWS_T_ARTICLE,
    NGX_HTTP_NEWS_T_REGION,
    NGX_HTTP_NEWS_T_FROM,
    NGX_HTTP_NEWS_T_TO,
    NGX_HTTP_NEWS_T_VIEWS,
    NGX_HTTP_NEWS_T_BOT_VIEWS,
    NGX_HTTP_NEWS_T_SHOW,
    NGX_HTTP_NEWS_T_UNKNOWN,
    NGX_HTTP_NEWS_T_NONE
};


typedef struct {
    ngx_str_t                   en;
    ngx_str_t                   zh;
} ngx_http_news_stats_text_t;


static ngx_http_news_stats_text_t  ngx_http_news_stats_text[] = {
    { ngx_string("Readership"), ngx_string("阅读统计") },
    { ngx_string("Human views a day"),
      ngx_string("每日阅读量（真人）") },
    { ngx_string("Human views by region"),
      ngx_string("各地区阅读量（真人）") },
    { ngx_string("Top articles"), ngx_string("热门文章") },
    { ngx_string("Articles by region"), ngx_string("文章的地区分布") },
    { ngx_string("article"), ngx_string("文章") },
    { ngx_string("region"), ngx_string("地区") },
    { ngx_string("from"), ngx_string("起始日期") },
    { ngx_string("to"), ngx_string("截止日期") },
    { ngx_string("views"), ngx_string("阅读量") },
    { ngx_string("bot views"), ngx_string("机器人访问") },
    { ngx_string("Show"), ngx_string("查看") },
    { ngx_string("unknown"), ngx_string("未知") },
    { ngx_string("No views in this range."),
      ngx_string("此范围内没有阅读记录。") }
};


/* the filters' texts and query names, in ngx_http_news_stats_query_t's order */
static ngx_uint_t  ngx_http_news_stats_filter_text[] = {
    NGX_HTTP_NEWS_T_ARTICLE, NGX_HTTP_NEWS_T_REGION,
    NGX_HTTP_NEWS_T_FROM, NGX_HTTP_NEWS_T_TO
};

static ngx_str_t  ngx_http_news_stats_args[] = {
    ngx_string("infoCode"), ngx_string("region"),
    ngx_string("from"), ngx_string("to")
};


#define ngx_http_news_stats_t(zh, t)                                        \
    ((zh) ? &ngx_http_news_stats_text[t].zh : &ngx_http_news_stats_text[t].en)


static void ngx_http_news_stats_form(ngx_http_news_out_t *out, ngx_uint_t zh,
    ngx_http_news_stats_query_t *q);
static void ngx_http_news_stats_trend(ngx_http_news_out_t *out,
    ngx_uint_t zh, ngx_array_t *days);
static void ngx_http_news_stats_bars(ngx_http_news_out_t *out, ngx_uint_t zh,
    ngx_array_t *regions);
static void ngx_http_news_stats_table(ngx_http_news_out_t *out,
    ngx_uint_t zh, ngx_uint_t caption, ngx_array_t *rows, ngx_uint_t region);
static void ngx_http_news_stats_article(ngx_http_news_out_t *out,
    ngx_http_news_stats_row_t *row);
static void ngx_http_news_stats_region(ngx_http_news_out_t *out,
    ngx_uint_t zh, ngx_str_t *code, ngx_str_t *name);


/* the values of the "stats" template, in the site's language */

ngx_int_t
ngx_http_news_stats_page(ngx_http_request_t *r,
    ngx_http_news_stats_query_t *q, ngx_array_t *rows, ngx_str_t *vars)
{
    ngx_uint_t                 i, zh;
    ngx_http_news_out_t        out;
    ngx_http_news_loc_conf_t  *nlcf;

    nlcf = ngx_http_get_module_loc_conf(r, ngx_http_news_module);
    zh = nlcf->chinese;

    vars[NGX_HTTP_NEWS_V_TITLE] = *ngx_http_news_stats_t(zh,
                                                   NGX_HTTP_NEWS_T_TITLE);

    ngx_http_news_out_init(&out, r->pool, 256);

    for (i = 0; i < 4; i++) {
        if (q->arg[i].data != NULL) {
            ngx_http_news_out_html(&out, ngx_http_news_stats_t(zh,
                                         ngx_http_news_stats_filter_text[i]));
            ngx_http_news_out_lit(&out, ": ");
            ngx_http_news_out_html(&out, &q->arg[i]);
            ngx_http_news_out_lit(&out, " ");
        }
    }

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_FILTERS])
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, 1024);
    ngx_http_news_stats_form(&out, zh, q);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_FORM]) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, 4096);
    ngx_http_news_stats_trend(&out, zh, &rows[NGX_HTTP_NEWS_STATS_DAYS]);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_TREND]) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, 4096);
    ngx_http_news_stats_bars(&out, zh, &rows[NGX_HTTP_NEWS_STATS_REGIONS]);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_CHART]) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, 2048);
    ngx_http_news_stats_table(&out, zh, NGX_HTTP_NEWS_T_TOP,
                              &rows[NGX_HTTP_NEWS_STATS_TOP], 0);

    if (ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_TOP]) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_news_out_init(&out, r->pool, 8192);
    ngx_http_news_stats_table(&out, zh, NGX_HTTP_NEWS_T_ARTICLES,
                              &rows[NGX_HTTP_NEWS_STATS_ARTICLES], 1);

    return ngx_http_news_out_str(&out, &vars[NGX_HTTP_NEWS_V_ARTICLES]);
}


/*
 * a plain GET form for the day range: the other filters ride along as
 * hidden fields, so a new range keeps the article and region chosen
 */

static void
ngx_http_news_stats_form(ngx_http_news_out_t *out, ngx_uint_t zh,
    ngx_http_news_stats_query_t *q)
{
    ngx_uint_t  i;

    ngx_http_news_out_lit(out, "<form method=\"get\" class=\"range\">\n"
                          "<input type=\"hidden\" name=\"format\" "
                          "value=\"html\">\n");

    for (i = NGX_HTTP_NEWS_STATS_INFO_CODE;
         i <= NGX_HTTP_NEWS_STATS_REGION;
         i++)
    {
        if (q->arg[i].data != NULL) {
            ngx_http_news_out_lit(out, "<input type=\"hidden\" name=\"");
            ngx_http_news_out_html(out, &ngx_http_news_stats_args[i]);
            ngx_http_news_out_lit(out, "\" value=\"");
            ngx_http_news_out_html(out, &q->arg[i]);
            ngx_http_news_out_lit(out, "\">\n");
        }
    }

    for (i = NGX_HTTP_NEWS_STATS_FROM; i <= NGX_HTTP_NEWS_STATS_TO; i++) {
        ngx_http_news_out_lit(out, "<label>");
        ngx_http_news_out_html(out, ngx_http_news_stats_t(zh,
                                        ngx_http_news_stats_filter_text[i]));
        ngx_http_news_out_lit(out, " <input type=\"date\" name=\"");
        ngx_http_news_out_html(out, &ngx_http_news_stats_args[i]);
        ngx_http_news_out_lit(out, "\" value=\"");

        if (q->arg[i].data != NULL) {
            ngx_http_news_out_html(out, &q->arg[i]);
        }

        ngx_http_news_out_lit(out, "\"></label>\n");
    }

    ngx_http_news_out_lit(out, "<button type=\"submit\">");
    ngx_http_news_out_html(out, ngx_http_news_stats_t(zh,
                                                      NGX_HTTP_NEWS_T_SHOW));
    ngx_http_news_out_lit(out, "</button>\n</form>");
}


/*
 * human views a day as a line over the range, a point a day with its
 * count in a <title>; 640 x 200 units, drawn to the width of the page
 */

static void
ngx_http_news_stats_trend(ngx_http_news_out_t *out, ngx_uint_t zh,
    ngx_array_t *days)
{
    int64_t                     max;
    ngx_uint_t                  i, n, x, y;
    ngx_http_news_stats_row_t  *row;

    row = days->elts;
    n = days->nelts;
    max = 1;

    for (i = 0; i < n; i++) {
        max = ngx_max(max, row[i].views);
    }

    ngx_http_news_out_lit(out, "<figure class=\"trend\"><figcaption>");
    ngx_http_news_out_html(out, ngx_http_news_stats_t(zh,
                                                      NGX_HTTP_NEWS_T_TREND));
    ngx_http_news_out_lit(out, "</figcaption>\n");

    if (n == 0) {
        ngx_http_news_out_lit(out, "<p>");
        ngx_http_news_out_html(out, ngx_http_news_stats_t(zh,
                                                       NGX_HTTP_NEWS_T_NONE));
        ngx_http_news_out_lit(out, "</p></figure>");
        return;
    }

    ngx_http_news_out_lit(out, "<svg xmlns=\"http://www.w3.org/2000/svg\""
                          " viewBox=\"0 0 640 200\" width=\"100%\""
                          " role=\"img\" aria-label=\"");
    ngx_http_news_out_html(out, ngx_http_news_stats_t(zh,
                                                      NGX_HTTP_NEWS_T_TREND));
    ngx_http_news_out_lit(out, "\">\n<text x=\"0\" y=\"14\">");
    ngx_http_news_out_uint(out, (ngx_uint_t) max);
    ngx_http_news_out_lit(out, "</text><text x=\"0\" y=\"168\">0</text>\n"
                          "<polyline points=\"");

    for (i = 0; i < n; i++) {
        x = (n == 1) ? 340 : 40 + 590 * i / (n - 1);
        y = 170 - (ngx_uint_t) (160 * row[i].views / max);

        ngx_http_news_out_uint(out, x);
        ngx_http_news_out_lit(out, ",");
        ngx_http_news_out_uint(out, y);
        ngx_http_news_out_lit(out, " ");
    }

    ngx_http_news_out_lit(out, "\"/>\n");

    for (i = 0; i < n; i++) {
        x = (n == 1) ? 340 : 40 + 590 * i / (n - 1);
        y = 170 - (ngx_uint_t) (160 * row[i].views / max);

        ngx_http_news_out_lit(out, "<circle cx=\"");
        ngx_http_news_out_uint(out, x);
        ngx_http_news_out_lit(out, "\" cy=\"");
        ngx_http_news_out_uint(out, y);
        ngx_http_news_out_lit(out, "\" r=\"3\"><title>");
        ngx_http_news_out_html(out, &row[i].key);
        ngx_http_news_out_lit(out, ": ");
        ngx_http_news_out_uint(out, (ngx_uint_t) row[i].views);
        ngx_http_news_out_lit(out, "</title></circle>\n");
    }

    /* the first and the last day under the line */

    ngx_http_news_out_lit(out, "<text x=\"40\" y=\"192\">");
    ngx_http_news_out_html(out, &row[0].key);
    ngx_http_news_out_lit(out, "</text>");

    if (n > 1) {
        ngx_http_news_out_lit(out, "<text x=\"630\" y=\"192\""
                              " text-anchor=\"end\">");
        ngx_http_news_out_html(out, &row[n - 1].key);
        ngx_http_news_out_lit(out, "</text>");
    }

    ngx_http_news_out_lit(out, "\n</svg></figure>");
}


/* one bar a region, scaled to the largest, labelled with its name */

static void
ngx_http_news_stats_bars(ngx_http_news_out_t *out, ngx_uint_t zh,
    ngx_array_t *regions)
{
    int64_t                     max;
    ngx_str_t                  *label;
    ngx_uint_t                  i, y;
    ngx_http_news_stats_row_t  *row;

    row = regions->elts;
    max = 1;

    for (i = 0; i < regions->nelts; i++) {
        max = ngx_max(max, row[i].views);
    }

    ngx_http_news_out_lit(out, "<figure class=\"regions\"><figcaption>");
    ngx_http_news_out_html(out, ngx_http_news_stats_t(zh,
                                                   NGX_HTTP_NEWS_T_REGIONS));
    ngx_http_news_out_lit(out, "</figcaption>\n"
                          "<svg xmlns=\"http://www.w3.org/2000/svg\""
                          " viewBox=\"0 0 640 ");
    ngx_http_news_out_uint(out, 24 * regions->nelts + 8);
    ngx_http_news_out_lit(out, "\" width=\"100%\" role=\"img\""
                          " aria-label=\"");
    ngx_http_news_out_html(out, ngx_http_news_stats_t(zh,
                                                   NGX_HTTP_NEWS_T_REGIONS));
    ngx_http_news_out_lit(out, "\">\n");

    for (i = 0; i < regions->nelts; i++) {
        y = 24 * i + 4;
        label = row[i].name.len ? &row[i].name : &row[i].key;

        ngx_http_news_out_lit(out, "<text x=\"0\" y=\"");
        ngx_http_news_out_uint(out, y + 15);
        ngx_http_news_out_lit(out, "\">");
        ngx_http_news_out_html(out, label);
        ngx_http_news_out_lit(out, "<title>");
        ngx_http_news_out_html(out, &row[i].key);
        ngx_http_news_out_lit(out, "</title></text><rect x=\"160\" y=\"");
        ngx_http_news_out_uint(out, y);
        ngx_http_news_out_lit(out, "\" height=\"18\" width=\"");
        ngx_http_news_out_uint(out, 1 + 400 * row[i].views / max);
        ngx_http_news_out_lit(out, "\"/><text x=\"");
        ngx_http_news_out_uint(out, 166 + 400 * row[i].views / max);
        ngx_http_news_out_lit(out, "\" y=\"");
        ngx_http_news_out_uint(out, y + 15);
        ngx_http_news_out_lit(out, "\">");
        ngx_http_news_out_uint(out, row[i].views);
        ngx_http_news_out_lit(out, "</text>\n");
    }

    ngx_http_news_out_lit(out, "</svg></figure>");
}


/*
 * the top (article, views) or the articles by region (article, region,
 * views, bot views), in a box that scrolls sideways on a narrow screen
 */

static void
ngx_http_news_stats_table(ngx_http_news_out_t *out, ngx_uint_t zh,
    ngx_uint_t caption, ngx_array_t *rows, ngx_uint_t region)
{
    ngx_uint_t                  i;
    ngx_http_news_stats_row_t  *row;

    ngx_http_news_out_lit(out, "<div class=\"table\"><table>\n<caption>");
    ngx_http_news_out_html(out, ngx_http_news_stats_t(zh, caption));
    ngx_http_news_out_lit(out, "</caption>\n<tr><th>");
    ngx_http_news_out_html(out, ngx_http_news_stats_t(zh,
                                                    NGX_HTTP_NEWS_T_ARTICLE));

    if (region) {
        ngx_http_news_out_lit(out, "</th><th>");
        ngx_http_news_out_html(out, ngx_http_news_stats_t(zh,
                                                     NGX_HTTP_NEWS_T_REGION));
    }

    ngx_http_news_out_lit(out, "</th><th>");
    ngx_http_news_out_html(out, ngx_http_news_stats_t(zh,
                                                      NGX_HTTP_NEWS_T_VIEWS));

    if (region) {
        ngx_http_news_out_lit(out, "</th><th>");
        ngx_http_news_out_html(out, ngx_http_news_stats_t(zh,
                                                  NGX_HTTP_NEWS_T_BOT_VIEWS));
    }

    ngx_http_news_out_lit(out, "</th></tr>\n");

    row = rows->elts;

    for (i = 0; i < rows->nelts; i++) {
        ngx_http_news_out_lit(out, "<tr><td>");
        ngx_http_news_stats_article(out, &row[i]);

        if (region) {
            ngx_http_news_out_lit(out, "</td><td>");
            ngx_http_news_stats_region(out, zh, &row[i].region, &row[i].name);
        }

        ngx_http_news_out_lit(out, "</td><td class=\"n\">");
        ngx_http_news_out_uint(out, row[i].views);

        if (region) {
            ngx_http_news_out_lit(out, "</td><td class=\"n\">");
            ngx_http_news_out_uint(out, row[i].bot_views);
        }

        ngx_http_news_out_lit(out, "</td></tr>\n");
    }

    ngx_http_news_out_lit(out, "</table></div>");
}


/* the post's title, a link when it is out, and its code beside it */

static void
ngx_http_news_stats_article(ngx_http_news_out_t *out,
    ngx_http_news_stats_row_t *row)
{
    if (row->title.len == 0) {
        ngx_http_news_out_html(out, &row->key);
        return;
    }

    if (row->url.len) {
        ngx_http_news_out_lit(out, "<a href=\"");
        ngx_http_news_out_html(out, &row->url);
        ngx_http_news_out_lit(out, "\">");
        ngx_http_news_out_html(out, &row->title);
        ngx_http_news_out_lit(out, "</a>");

    } else {
        ngx_http_news_out_html(out, &row->title);
    }

    ngx_http_news_out_lit(out, " <small>");
    ngx_http_news_out_html(out, &row->key);
    ngx_http_news_out_lit(out, "</small>");
}


/* a region's name and its code beside it; "ZZ" is no place */

static void
ngx_http_news_stats_region(ngx_http_news_out_t *out, ngx_uint_t zh,
    ngx_str_t *code, ngx_str_t *name)
{
    if (name->len) {
        ngx_http_news_out_html(out, name);
        ngx_http_news_out_lit(out, " ");

    } else if (code->len == 2 && ngx_strncmp(code->data, "ZZ", 2) == 0) {
        ngx_http_news_out_html(out, ngx_http_news_stats_t(zh,
                                                    NGX_HTTP_NEWS_T_UNKNOWN));
        ngx_http_news_out_lit(out, " ");
    }

    ngx_http_news_out_lit(out, "<small>");
    ngx_http_news_out_html(out, code);
    ngx_http_news_out_lit(out, "</small>");
}
