/*
 * news_post_front_matter.c: the front matter of a post, the small YAML
 * subset Jekyll posts use: "key: value" lines whose values are scalars or
 * lists (news_post_yaml.c reads those).  Anything richer is rejected with
 * a line number rather than guessed at.  Here the keys are known, and
 * each value is checked and stored in the post once all its lines are
 * read.
 */

#include <string.h>
#include <strings.h>

#include "news_defs.h"
#include "news_parse.h"
#include "news_post_int.h"


typedef struct {
    const char         *name;
    news_post_field_e   field;
} news_post_key_t;


static int news_post_fm_fence(news_post_line_t *line);
static int news_post_fm_line(news_post_t *post, news_post_value_t *v,
    news_post_line_t *line, unsigned *seen);
static int news_post_fm_key(news_post_t *post, news_post_value_t *v,
    news_post_line_t *line, unsigned *seen);
static int news_post_fm_commit(news_post_t *post, news_post_value_t *v);
static int news_post_fm_one(news_post_t *post, news_post_value_t *v,
    news_post_str_t *s);
static int news_post_fm_path(news_post_t *post, news_post_value_t *v,
    int slugs);
static int news_post_fm_path_add(news_post_t *post, news_post_value_t *v,
    int slugs, const char *p, size_t len, size_t number);


static const char *news_post_fm_url(news_post_str_t *s, int path);


static news_post_key_t  news_post_keys[] = {
    { "title", NEWS_POST_F_TITLE },
    { "date", NEWS_POST_F_DATE },
    { "categories", NEWS_POST_F_CATEGORIES },
    { "category", NEWS_POST_F_CATEGORIES },
    { "tags", NEWS_POST_F_TAGS },
    { "tag", NEWS_POST_F_TAGS },
    { "summary", NEWS_POST_F_SUMMARY },
    { "description", NEWS_POST_F_SUMMARY },
    { "excerpt", NEWS_POST_F_SUMMARY },
    { "source", NEWS_POST_F_SOURCE },
    { "source_url", NEWS_POST_F_SOURCE_URL },
    { "image", NEWS_POST_F_IMAGE },
    { "image_url", NEWS_POST_F_IMAGE },
    { "author", NEWS_POST_F_AUTHOR },
    { "published", NEWS_POST_F_PUBLISHED },
    { "info_code", NEWS_POST_F_INFO_CODE },
    { NULL, NEWS_POST_F_NONE }
};


int
news_post_front_matter(news_post_t *post, news_post_lines_t *ls)
{
    size_t              first;
    unsigned            seen;
    news_post_line_t    line;
    news_post_value_t   v;

    if (!news_post_next_line(ls, &line) || !news_post_fm_fence(&line)) {
        return news_post_error(post, 1, "a post starts with a \"---\" line "
                               "opening its front matter");
    }

    first = line.number;
    seen = 0;
    v.field = NEWS_POST_F_NONE;
    v.state = NEWS_POST_V_EMPTY;
    v.n = 0;
    v.is_list = 0;

    for ( ;; ) {
        if (!news_post_next_line(ls, &line)) {
            return news_post_error(post, first, "front matter is not "
                                   "terminated: no closing \"---\" line");
        }

        if (news_post_fm_fence(&line)) {
            break;
        }

        if (news_post_fm_line(post, &v, &line, &seen) != NEWS_POST_OK) {
            return NEWS_POST_ERROR;
        }
    }

    if (news_post_fm_commit(post, &v) != NEWS_POST_OK) {
        return NEWS_POST_ERROR;
    }

    if (!(seen & (1u << NEWS_POST_F_TITLE))) {
        return news_post_error(post, line.number,
                               "front matter has no title");
    }

    if (!(seen & (1u << NEWS_POST_F_DATE))) {
        return news_post_error(post, line.number,
                               "front matter has no date");
    }

    return NEWS_POST_OK;
}


static int
news_post_fm_fence(news_post_line_t *line)
{
    news_post_str_t  s;

    /* trailing blanks are invisible in an editor, so they are forgiven */
    if (line->len < 3 || memcmp(line->data, "---", 3) != 0) {
        return 0;
    }

    s = news_post_trim(line->data + 3, line->len - 3);

    return s.len == 0;
}


static int
news_post_fm_line(news_post_t *post, news_post_value_t *v,
    news_post_line_t *line, unsigned *seen)
{
    const char  *p, *end;

    p = line->data;
    end = p + line->len;

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p == end || *p == '#') {
        return NEWS_POST_OK;
    }

    if (*p == '-' && (p + 1 == end || p[1] == ' ' || p[1] == '\t')) {

        if (v->field == NEWS_POST_F_NONE) {
            return news_post_error(post, line->number,
                                   "a list item before any key");
        }

        if (v->field == NEWS_POST_F_OTHER) {
            return NEWS_POST_OK;
        }

        if (v->state == NEWS_POST_V_INLINE) {
            return news_post_error(post, line->number, "a list item after "
                                   "the value of \"%s\"", v->key);
        }

        v->state = NEWS_POST_V_BLOCK;
        v->is_list = 1;

        return news_post_yaml_item(post, v, p + 1, end, line->number);
    }

    if (p != line->data) {

        /* the lines of a key we ignore are none of our business */
        if (v->field == NEWS_POST_F_OTHER) {
            return NEWS_POST_OK;
        }

        if (v->field != NEWS_POST_F_NONE && v->state == NEWS_POST_V_EMPTY) {
            v->state = NEWS_POST_V_INLINE;
            return news_post_yaml_inline(post, v, p, end, line->number);
        }

        if (v->field == NEWS_POST_F_NONE) {
            return news_post_error(post, line->number,
                                   "unexpected indented line");
        }

        return news_post_error(post, line->number, "multi-line values are "
                               "not supported: write \"%s\" on one line",
                               v->key);
    }

    if (news_post_fm_commit(post, v) != NEWS_POST_OK) {
        return NEWS_POST_ERROR;
    }

    return news_post_fm_key(post, v, line, seen);
}


static int
news_post_fm_key(news_post_t *post, news_post_value_t *v,
    news_post_line_t *line, unsigned *seen)
{
    char              show[48];
    size_t            n;
    const char       *p, *end, *key;
    news_post_key_t  *k;

    key = line->data;
    end = key + line->len;

    for (p = key; p < end; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'
              || *p == '.'))
        {
            break;
        }
    }

    n = p - key;

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (n == 0 || p == end || *p != ':'
        || (p + 1 < end && p[1] != ' ' && p[1] != '\t'))
    {
        return news_post_error(post, line->number,
                               "expected \"key: value\", not \"%s\"",
                               news_post_show(show, sizeof(show), line->data,
                                              line->len));
    }

    p++;

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    v->field = NEWS_POST_F_OTHER;
    v->key = "";
    v->line = line->number;
    v->n = 0;
    v->is_list = 0;

    for (k = news_post_keys; k->name != NULL; k++) {
        if (strlen(k->name) == n && memcmp(k->name, key, n) == 0) {
            v->field = k->field;
            v->key = k->name;
            break;
        }
    }

    if (v->field != NEWS_POST_F_OTHER) {
        if (*seen & (1u << v->field)) {
            return news_post_error(post, line->number,
                                   "\"%s\" is given twice (or with an "
                                   "alias)", v->key);
        }

        *seen |= 1u << v->field;
    }

    if (p == end || *p == '#') {
        v->state = NEWS_POST_V_EMPTY;
        return NEWS_POST_OK;
    }

    v->state = NEWS_POST_V_INLINE;

    if (v->field == NEWS_POST_F_OTHER) {
        return NEWS_POST_OK;
    }

    return news_post_yaml_inline(post, v, p, end, line->number);
}


/* stores the value of a key once all its lines are read */
static int
news_post_fm_commit(news_post_t *post, news_post_value_t *v)
{
    char              show[48];
    const char       *reason;
    news_post_str_t   s;
    news_post_field_e field;

    field = v->field;
    v->field = NEWS_POST_F_NONE;

    switch (field) {

    case NEWS_POST_F_NONE:
    case NEWS_POST_F_OTHER:
        return NEWS_POST_OK;

    case NEWS_POST_F_CATEGORIES:
        return news_post_fm_path(post, v, 1);

    case NEWS_POST_F_TAGS:
        return news_post_fm_path(post, v, 0);

    default:
        break;
    }

    if (news_post_fm_one(post, v, &s) != NEWS_POST_OK) {
        return NEWS_POST_ERROR;
    }

    switch (field) {

    case NEWS_POST_F_TITLE:
        if (s.len == 0) {
            return news_post_error(post, v->line, "title is empty");
        }

        if (s.len > NEWS_POST_MAX_TITLE) {
            return news_post_error(post, v->line, "title is longer than %d "
                                   "bytes", NEWS_POST_MAX_TITLE);
        }

        post->title = s;
        break;

    case NEWS_POST_F_DATE:
        reason = news_post_date(s.data, s.len, post->published_at);
        if (reason != NULL) {
            return news_post_error(post, v->line, "bad date \"%s\": %s",
                                   news_post_show(show, sizeof(show), s.data,
                                                  s.len),
                                   reason);
        }

        break;

    case NEWS_POST_F_SUMMARY:
        post->summary = s;
        break;

    case NEWS_POST_F_SOURCE:
        post->source_name = s;
        break;

    case NEWS_POST_F_SOURCE_URL:
        reason = news_post_fm_url(&s, 0);
        if (reason != NULL) {
            return news_post_error(post, v->line, "source_url %s", reason);
        }

        post->source_url = s;
        break;

    case NEWS_POST_F_IMAGE:
        reason = news_post_fm_url(&s, 1);
        if (reason != NULL) {
            return news_post_error(post, v->line, "image %s", reason);
        }

        post->image_url = s;
        break;

    case NEWS_POST_F_AUTHOR:
        if (s.len > NEWS_POST_MAX_AUTHOR) {
            return news_post_error(post, v->line, "author is longer than %d "
                                   "bytes", NEWS_POST_MAX_AUTHOR);
        }

        post->author = s;
        break;

    case NEWS_POST_F_PUBLISHED:
        if ((s.len == 4 && strncasecmp(s.data, "true", 4) == 0)
            || (s.len == 3 && strncasecmp(s.data, "yes", 3) == 0)
            || (s.len == 2 && strncasecmp(s.data, "on", 2) == 0))
        {
            post->published = 1;

        } else if ((s.len == 5 && strncasecmp(s.data, "false", 5) == 0)
                   || (s.len == 2 && strncasecmp(s.data, "no", 2) == 0)
                   || (s.len == 3 && strncasecmp(s.data, "off", 3) == 0))
        {
            post->published = 0;

        } else {
            return news_post_error(post, v->line, "published must be true "
                                   "or false");
        }

        break;

    case NEWS_POST_F_INFO_CODE:
        if (s.len > 0 && !news_post_valid_info_code(s.data, s.len)) {
            return news_post_error(post, v->line, "bad info_code \"%s\": "
                                   "it must match " NEWS_INFO_CODE_PATTERN,
                                   news_post_show(show, sizeof(show), s.data,
                                                  s.len));
        }

        post->info_code = s;
        break;

    default:
        break;
    }

    return NEWS_POST_OK;
}


/* the single value of a scalar key, trimmed; "" when there is none */
static int
news_post_fm_one(news_post_t *post, news_post_value_t *v, news_post_str_t *s)
{
    if (v->is_list) {
        return news_post_error(post, v->line, "\"%s\" takes one value, "
                               "not a list", v->key);
    }

    if (v->n == 0) {
        s->data = "";
        s->len = 0;
        return NEWS_POST_OK;
    }

    *s = news_post_trim(v->items[0].data, v->items[0].len);

    return NEWS_POST_OK;
}


/*
 * categories and tags: a list, or a scalar split on blanks as Jekyll does;
 * categories are slugs, and their order is the path from the top
 */
static int
news_post_fm_path(news_post_t *post, news_post_value_t *v, int slugs)
{
    size_t            i;
    const char       *p, *end, *word;
    news_post_str_t   s;

    if (slugs) {
        post->categories_line = v->line;
    }

    for (i = 0; i < v->n; i++) {
        s = news_post_trim(v->items[i].data, v->items[i].len);

        if (v->is_list) {
            if (news_post_fm_path_add(post, v, slugs, s.data, s.len,
                                      v->item_lines[i])
                != NEWS_POST_OK)
            {
                return NEWS_POST_ERROR;
            }

            continue;
        }

        p = s.data;
        end = p + s.len;

        while (p < end) {
            while (p < end && (*p == ' ' || *p == '\t')) {
                p++;
            }

            word = p;

            while (p < end && *p != ' ' && *p != '\t') {
                p++;
            }

            if (news_post_fm_path_add(post, v, slugs, word, p - word,
                                      v->item_lines[i])
                != NEWS_POST_OK)
            {
                return NEWS_POST_ERROR;
            }
        }
    }

    return NEWS_POST_OK;
}


static int
news_post_fm_path_add(news_post_t *post, news_post_value_t *v, int slugs,
    const char *p, size_t len, size_t number)
{
    char  show[48];

    if (len == 0) {
        return NEWS_POST_OK;
    }

    if (!slugs) {
        if (post->ntags == NEWS_POST_MAX_TAGS) {
            return news_post_error(post, number, "more than %d tags",
                                   NEWS_POST_MAX_TAGS);
        }

        post->tags[post->ntags].data = p;
        post->tags[post->ntags].len = len;
        post->ntags++;

        return NEWS_POST_OK;
    }

    if (!news_post_valid_slug(p, len)) {
        return news_post_error(post, number, "bad category slug \"%s\": "
                               "slugs are 1 to %d of a-z 0-9 _ - and not "
                               "\"category\"",
                               news_post_show(show, sizeof(show), p, len),
                               NEWS_SLUG_MAX);
    }

    if (post->ncategories == NEWS_POST_MAX_CATEGORIES) {
        return news_post_error(post, number, "a category path deeper than "
                               "%d", NEWS_POST_MAX_CATEGORIES);
    }

    post->categories[post->ncategories].data = p;
    post->categories[post->ncategories].len = len;
    post->ncategories++;

    return NEWS_POST_OK;
}


/*
 * NULL when s is empty or a URL posts can store (the schema's rules): an
 * http:// or https:// URL with no blank or control character; an image
 * may also be a path on the site, and has no quote, angle bracket or
 * backslash either; else why not
 */
static const char *
news_post_fm_url(news_post_str_t *s, int image)
{
    const char  *p;

    if (s->len == 0) {
        return NULL;
    }

    if (!((s->len > 7 && memcmp(s->data, "http://", 7) == 0)
          || (s->len > 8 && memcmp(s->data, "https://", 8) == 0)
          || (image && s->len > 1 && s->data[0] == '/')))
    {
        return image ? "must be an http:// or https:// URL or a path "
                       "starting with /"
                     : "must be an http:// or https:// URL";
    }

    if (image && s->len > NEWS_POST_MAX_URL) {
        return "is longer than 2048 bytes";
    }

    for (p = s->data; p < s->data + s->len; p++) {
        if ((unsigned char) *p <= 0x20 || *p == 0x7F) {
            return "contains a blank or a control character";
        }

        if (image && (*p == '"' || *p == '<' || *p == '>' || *p == '\\')) {
            return "contains a quote, an angle bracket or a backslash";
        }
    }

    return NULL;
}
