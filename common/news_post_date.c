/*
 * news_post_date.c: the date of a post in the forms Jekyll front matter
 * writes, checked (no 30 February, no offset beyond 14 hours) and written
 * again in the one form posts.published_at stores.
 */

#include <stddef.h>

#include "news_post_int.h"


static int news_post_date_digits(const char **pp, const char *end,
    size_t min, size_t max, int *value);
static char *news_post_date_put(char *p, int value, size_t width);


int
news_post_parse_date(const char *p, size_t len,
    char out[NEWS_POST_DATE_LEN + 1])
{
    return news_post_date(p, len, out) == NULL ? NEWS_POST_OK
                                               : NEWS_POST_ERROR;
}


/*
 * "YYYY-MM-DD HH:MM[:SS][ ][Z|+HHMM|+HH:MM|+HH]" into
 * "YYYY-MM-DD HH:MM:SS+HH:MM"; returns why not, or NULL
 */
const char *
news_post_date(const char *p, size_t len, char *out)
{
    int          year, month, day, hour, min, sec, oh, om, sign, mdays;
    char        *o;
    const char  *end;

    static const int  days[] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    end = p + len;
    sec = 0;
    oh = 0;
    om = 0;
    sign = '+';

    if (news_post_date_digits(&p, end, 4, 4, &year) != NEWS_POST_OK
        || p == end || *p++ != '-'
        || news_post_date_digits(&p, end, 2, 2, &month) != NEWS_POST_OK
        || p == end || *p++ != '-'
        || news_post_date_digits(&p, end, 2, 2, &day) != NEWS_POST_OK)
    {
        return "expected YYYY-MM-DD HH:MM:SS +HHMM";
    }

    if (p == end) {
        return "a time HH:MM[:SS] is required after the day";
    }

    if (*p == 'T' || *p == 't') {
        p++;

    } else if (*p == ' ' || *p == '\t') {
        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

    } else {
        return "expected a blank or T after the day";
    }

    if (news_post_date_digits(&p, end, 1, 2, &hour) != NEWS_POST_OK
        || p == end || *p++ != ':'
        || news_post_date_digits(&p, end, 2, 2, &min) != NEWS_POST_OK)
    {
        return "expected a time HH:MM[:SS]";
    }

    if (p < end && *p == ':') {
        p++;

        if (news_post_date_digits(&p, end, 2, 2, &sec) != NEWS_POST_OK) {
            return "expected seconds after HH:MM:";
        }
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p < end) {
        if (*p == 'Z' || *p == 'z') {
            p++;

        } else if (*p == '+' || *p == '-') {
            sign = *p++;

            if (news_post_date_digits(&p, end, 2, 2, &oh) != NEWS_POST_OK) {
                return "expected an offset +HHMM, +HH:MM or Z";
            }

            if (p < end && *p == ':') {
                p++;

                if (news_post_date_digits(&p, end, 2, 2, &om) != NEWS_POST_OK) {
                    return "expected an offset +HHMM, +HH:MM or Z";
                }

            } else if (p < end
                       && news_post_date_digits(&p, end, 2, 2, &om)
                          != NEWS_POST_OK)
            {
                return "expected an offset +HHMM, +HH:MM or Z";
            }

        } else {
            return "expected an offset +HHMM, +HH:MM or Z after the time";
        }

        if (p != end) {
            return "unexpected text after the offset";
        }
    }

    if (year < 1 || year > 9998) {
        return "year out of range 0001-9998";
    }

    if (month < 1 || month > 12) {
        return "month out of range";
    }

    mdays = days[month - 1];
    if (month == 2
        && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
    {
        mdays = 29;
    }

    if (day < 1 || day > mdays) {
        return "no such day in that month";
    }

    if (hour > 23 || min > 59 || sec > 59) {
        return "time out of range";
    }

    if (om > 59 || oh * 60 + om > 14 * 60) {
        return "offset out of range (at most 14:00)";
    }

    if (oh == 0 && om == 0) {
        sign = '+';
    }

    o = out;
    o = news_post_date_put(o, year, 4);
    *o++ = '-';
    o = news_post_date_put(o, month, 2);
    *o++ = '-';
    o = news_post_date_put(o, day, 2);
    *o++ = ' ';
    o = news_post_date_put(o, hour, 2);
    *o++ = ':';
    o = news_post_date_put(o, min, 2);
    *o++ = ':';
    o = news_post_date_put(o, sec, 2);
    *o++ = (char) sign;
    o = news_post_date_put(o, oh, 2);
    *o++ = ':';
    o = news_post_date_put(o, om, 2);
    *o = '\0';

    return NULL;
}


static int
news_post_date_digits(const char **pp, const char *end, size_t min, size_t max,
    int *value)
{
    int          v;
    size_t       n;
    const char  *p;

    p = *pp;
    v = 0;

    for (n = 0; n < max && p < end && *p >= '0' && *p <= '9'; n++) {
        v = v * 10 + (*p++ - '0');
    }

    if (n < min) {
        return NEWS_POST_ERROR;
    }

    *pp = p;
    *value = v;

    return NEWS_POST_OK;
}


static char *
news_post_date_put(char *p, int value, size_t width)
{
    size_t  i;

    for (i = width; i > 0; i--) {
        p[i - 1] = (char) ('0' + value % 10);
        value /= 10;
    }

    return p + width;
}
