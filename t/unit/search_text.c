/*
 * search_text: unit tests of the text a post's HTML gives the search
 * index (common/news_search_text.c), printing TAP for prove.
 *
 * Every case also checks what holds for any input: the output fits in
 * the input's length (the bytes past it in dst untouched), and is the
 * same when the input is escaped for HTML and read again.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "news_search.h"
#include "tap.h"


#define GUARD     16
#define NITEMS(a) (sizeof(a) / sizeof(a[0]))




static int text_is(const char *html, const char *want);
static int text_is_n(const char *html, size_t len, const char *want);
static size_t run(const char *html, size_t len, char *out, size_t size);
static void test_tags(void);
static void test_attributes(void);
static void test_lone_lt(void);
static void test_hidden(void);
static void test_comments(void);
static void test_unterminated(void);
static void test_entities(void);
static void test_numeric(void);
static void test_space(void);
static void test_bytes(void);
static void test_article(void);


int
main(void)
{
    test_tags();
    test_attributes();
    test_lone_lt();
    test_hidden();
    test_comments();
    test_unterminated();
    test_entities();
    test_numeric();
    test_space();
    test_bytes();
    test_article();

    return tap_done();
}


static int
text_is(const char *html, const char *want)
{
    return text_is_n(html, strlen(html), want);
}


/*
 * html's text is want; and the text, with its '&' and '<' escaped, is
 * its own text: what the index holds reads back as itself
 */

static int
text_is_n(const char *html, size_t len, const char *want)
{
    char    *out, *esc, *again;
    size_t   n, i, k, m;
    int      rc;

    out = malloc(len + GUARD);
    esc = malloc(5 * len + 1);
    again = malloc(5 * len + GUARD);

    if (out == NULL || esc == NULL || again == NULL) {
        printf("Bail out! out of memory\n");
        exit(1);
    }

    rc = 1;

    n = run(html, len, out, len);
    if (n == (size_t) -1) {
        rc = 0;
        goto done;
    }

    if (n != strlen(want) || memcmp(out, want, n) != 0) {
        printf("# got \"%.*s\"\n# want \"%s\"\n", (int) n, out, want);
        rc = 0;
        goto done;
    }

    k = 0;

    for (i = 0; i < n; i++) {
        if (out[i] == '&') {
            memcpy(esc + k, "&amp;", 5);
            k += 5;

        } else if (out[i] == '<') {
            memcpy(esc + k, "&lt;", 4);
            k += 4;

        } else {
            esc[k++] = out[i];
        }
    }

    m = run(esc, k, again, 5 * len);

    if (m != n || memcmp(again, out, n) != 0) {
        printf("# escaped again, got \"%.*s\"\n", (int) m, again);
        rc = 0;
    }

done:

    free(again);
    free(esc);
    free(out);

    return rc;
}


/*
 * news_search_text() into out, which holds size bytes and a guard after
 * them that must stay as it is; the length, or -1
 */

static size_t
run(const char *html, size_t len, char *out, size_t size)
{
    size_t  n, i;

    memset(out, 0xa5, size + GUARD);

    n = news_search_text((unsigned char *) out, (const unsigned char *) html,
                         len);

    if (n > len) {
        printf("# %zu bytes out of %zu in\n", n, len);
        return (size_t) -1;
    }

    for (i = size; i < size + GUARD; i++) {
        if ((unsigned char) out[i] != 0xa5) {
            printf("# written past the input's length, at %zu\n", i);
            return (size_t) -1;
        }
    }

    return n;
}


static void
test_tags(void)
{
    char        in[128], want[128];
    size_t      i, bad;
    const char  *s;

    static const char  *block[] = {
        "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4",
        "h5", "h6", "blockquote", "section", "article", "table", "ul", "ol",
        "hr", "figure", "figcaption", "header", "footer", "pre", "img",
        "dl", "dt", "dd", "caption", "tbody"
    };

    static const char  *inl[] = {
        "a", "strong", "em", "span", "b", "i", "u", "sup", "sub", "small",
        "font", "code", "mark", "abbr", "wbr", "q", "cite", "time",
        "my-element", "pp", "d", "tdx", "h7", "bq", "blockquotes"
    };

    ok(text_is("<p>a</p>", "a"), "tags are dropped");
    ok(text_is("北<b>京</b>", "北京"), "an inline tag is nothing");
    ok(text_is("<p>中华<strong>人民</strong>共和<a href=\"/x\">国</a>"
               "<span class=\"s\">万岁</span></p>",
               "中华人民共和国万岁"),
       "Chinese across inline tags stays one run");
    ok(text_is("<p>第一段</p><p>第二段</p>", "第一段 第二段"),
       "two paragraphs: a space between");
    ok(text_is("一<br>二<br/>三<BR />四", "一 二 三 四"),
       "br separates");
    ok(text_is("<table><tr><td>甲</td><td>乙</td></tr>"
               "<tr><th>丙</th></tr></table>", "甲 乙 丙"),
       "table cells separate");
    ok(text_is("<ul><li>一</li><li>二</li></ul>后", "一 二 后"),
       "list items separate");

    bad = 0;

    for (i = 0; i < NITEMS(block); i++) {
        s = block[i];

        snprintf(in, sizeof(in), "x<%s>y</%s>z", s, s);
        if (!text_is(in, "x y z")) {
            bad++;
        }

        snprintf(in, sizeof(in), "x<%c%s class=\"c\">y", s[0] - 0x20, s + 1);
        if (!text_is(in, "x y")) {
            bad++;
        }
    }

    ok(bad == 0, "each block tag, start or end, any case, separates");

    bad = 0;

    for (i = 0; i < NITEMS(inl); i++) {
        s = inl[i];

        snprintf(in, sizeof(in), "北<%s>京</%s>市<%s/>长", s, s, s);
        snprintf(want, sizeof(want), "北京市长");
        if (!text_is(in, want)) {
            bad++;
        }
    }

    ok(bad == 0, "inline, unknown and near-miss names are nothing");

    ok(text_is("<div><p><span>a</span></p></div><div>b</div>", "a b"),
       "nested blocks: one space");
    ok(text_is("<p<p>x", "x"), "<p<p> is one tag, named \"p<p\"");
    ok(text_is("<p>>x", ">x"), "a '>' outside a tag is text");
    ok(text_is("a<b>b</i>c</b>d", "abcd"), "misnested inline tags");
    ok(text_is("<p>a</div></span>b</p>", "a b"), "stray end tags");
    ok(text_is("a<x:y>b</x:y>c", "abc"), "a name with a colon: inline");
    ok(text_is("a<p\n>b<p\tclass=x\n>c", "a b c"),
       "white space inside tags");
}


static void
test_attributes(void)
{
    ok(text_is("<a title=\"a>b\">x</a>", "x"),
       "'>' inside a double-quoted value");
    ok(text_is("<a title='a>b'>x</a>", "x"),
       "'>' inside a single-quoted value");
    ok(text_is("<a title = \"a>b\" >x", "x"),
       "white space around '=' before the quote");
    ok(text_is("<a t=\"it's > 2\" u='say \"hi>\"'>x", "x"),
       "the other quote inside a value");
    ok(text_is("<img src=\"a.jpg\" alt=\"图>片\">说明", "说明"),
       "an img's alt is not text");
    ok(text_is("<a b=x\"y>z", "z"), "a quote in an unquoted value is its");
    ok(text_is("<p \"a>b\">", "b\">"),
       "a quote that is not a value's opens nothing");
    ok(text_is("<a b=>c", "c"), "'=' and no value");
    ok(text_is("<a href=\"/x?a=1&amp;b=2\">链接</a>", "链接"),
       "references in attributes are not text");
    ok(text_is("<p class=\"\">a</p>", "a"), "an empty value");
    ok(text_is("<a title=\"x\"y=\"z>\">w", "w"), "values with no space");
}


static void
test_lone_lt(void)
{
    ok(text_is("a < b", "a < b"), "a < b stays");
    ok(text_is("1<2", "1<2"), "1<2 stays");
    ok(text_is("a<=b", "a<=b"), "<= stays");
    ok(text_is("a <3 b", "a <3 b"), "<3 stays");
    ok(text_is("<", "<"), "a '<' alone");
    ok(text_is("a<", "a<"), "a '<' at the end");
    ok(text_is("a<<b>c", "a<c"), "a '<' before a tag");
    ok(text_is("<<>>", "<<>>"), "<<>>");
    ok(text_is("<中文>", "<中文>"),
       "'<' before a non-ASCII letter is text");
    ok(text_is("< p>x", "< p>x"), "'<' and a space: text");
}


static void
test_hidden(void)
{
    ok(text_is("a<script>var s = \"</p>\";</script>b", "ab"),
       "a script with </p> in a string");
    ok(text_is("a<script type=\"t>x\">if (a<b) x();</script>b", "ab"),
       "a script with '<' and a '>' in its attribute");
    ok(text_is("<script>x</SCRIPT >y", "y"), "</SCRIPT > ends a script");
    ok(text_is("<script>if (a</scripts) {}</script>z", "z"),
       "</scripts does not end a script");
    ok(text_is("<script>x</script/>y", "y"), "</script/> ends it");
    ok(text_is("<ScRiPt>x</sCrIpT>y", "y"), "any case");
    ok(text_is("<script/>x</script>y", "y"),
       "<script/> is not empty: HTML ignores the slash");
    ok(text_is("<style>p { color: red }</style>正文", "正文"),
       "style is dropped");
    ok(text_is("<style>a::after { content: \"<p>\" }</style>b", "b"),
       "markup inside style is its text");
    ok(text_is("<noscript>请开启脚本</noscript>正文", "正文"),
       "noscript is dropped");
    ok(text_is("<template><p>隐藏</p></template>显示", "显示"),
       "template is dropped");
    ok(text_is("<template><template>内</template>"
               "还是隐藏</template>显示", "显示"),
       "a template inside a template");
    ok(text_is("<template><templatex></template>a", "a"),
       "<templatex> is not a template");
    ok(text_is("<title>标题</title>正文", "正文"), "title is dropped");
    ok(text_is("<iframe src=\"x\">不支持</iframe>正文", "正文"),
       "iframe is dropped");
    ok(text_is("a</script>b", "ab"), "an end tag alone is nothing");
    ok(text_is("<p>a</p><script>b</script><p>c</p>", "a c"),
       "blocks around a script");
    ok(text_is("a<script>b", "a"), "an unclosed script drops the rest");
    ok(text_is("a<script>b</script", "a"), "</script at the end");
    ok(text_is("a<script>b</scrip", "a"), "</scrip at the end");
}


static void
test_comments(void)
{
    ok(text_is("a<!-- <p>x</p> -->b", "ab"), "a comment is dropped");
    ok(text_is("a<!---->b", "ab"), "<!---->");
    ok(text_is("a<!-->b", "ab"), "<!--> is an empty comment");
    ok(text_is("a<!--->b", "ab"), "<!---> is an empty comment");
    ok(text_is("a<!-- -- > --->b", "ab"), "dashes inside a comment");
    ok(text_is("a<![CDATA[x<y]]>b", "ab"), "CDATA is dropped");
    ok(text_is("a<![CDATA[x]]b]]>c", "ac"), "]] inside CDATA");
    ok(text_is("<!DOCTYPE html><p>x", "x"), "<!DOCTYPE> is dropped");
    ok(text_is("<?xml version=\"1.0\"?>x", "x"), "<?...?> is dropped");
    ok(text_is("a<!x>b", "ab"), "a bogus comment is dropped");
    ok(text_is("a</ x>b", "ab"), "</ x> is a bogus comment");
    ok(text_is("a</>b", "ab"), "</> is nothing");
    ok(text_is("a<!-- x", "a"), "an unclosed comment drops the rest");
    ok(text_is("a<![CDATA[x", "a"), "an unclosed CDATA drops the rest");
}


static void
test_unterminated(void)
{
    ok(text_is("a<p class=\"x", "a"), "<p class=\"x at the end");
    ok(text_is("a<p class=\"x>b", "a"),
       "an unclosed quote hides the '>' and drops the rest");
    ok(text_is("a<b", "a"), "<b at the end");
    ok(text_is("a<p ", "a"), "<p and a space at the end");
    ok(text_is("a</", "a"), "</ at the end");
    ok(text_is("a</p", "a"), "</p at the end");
    ok(text_is("a<!", "a"), "<! at the end");
    ok(text_is("a<!-", "a"), "<!- at the end");
    ok(text_is("a<?xml", "a"), "<?xml at the end");
}


static void
test_entities(void)
{
    ok(text_is("&amp; &lt; &gt; &quot; &apos; &#39;", "& < > \" ' '"),
       "the XML references and &#39;");
    ok(text_is("a&nbsp;b", "a b"), "&nbsp; is a space");
    ok(text_is("&nbsp;a&nbsp;&nbsp; &nbsp;b&nbsp;", "a b"),
       "&nbsp; collapses with white space, and not at the ends");
    ok(text_is("&mdash;&ndash;&hellip;&ldquo;&rdquo;&lsquo;&rsquo;"
               "&middot;&copy;",
               "—–…“”‘’·©"), "the common named ones");
    ok(text_is("&reg;&trade;&times;&divide;&laquo;&raquo;&bull;&deg;"
               "&yen;", "®™×÷«»•°¥"), "the others named");
    ok(text_is("&ldquo;北京&rdquo;", "“北京”"), "quotes around Han");
    ok(text_is("&foo;", "&foo;"), "an unknown name stays");
    ok(text_is("&AMP; &Amp;", "&AMP; &Amp;"), "names are case-sensitive");
    ok(text_is("&amp", "&amp"), "no ';' at the end: stays");
    ok(text_is("&amp x", "&amp x"), "no ';': stays");
    ok(text_is("a & b", "a & b"), "a lone '&'");
    ok(text_is("&", "&"), "'&' alone");
    ok(text_is("&;", "&;"), "&;");
    ok(text_is("&&amp;", "&&"), "'&' before a reference");
    ok(text_is("&amp;lt;", "&lt;"), "decoded once");
    ok(text_is("&abcdefghijklmnop;", "&abcdefghijklmnop;"),
       "a long name stays");
    ok(text_is("&nb sp;", "&nb sp;"), "a space inside: stays");
    ok(text_is("&中;", "&中;"), "a non-ASCII name stays");
    ok(text_is("&lt;p&gt;", "<p>"), "escaped markup is text");
}


static void
test_numeric(void)
{
    ok(text_is("&#20013;&#x6587;&#X6587;&#x6Ba3;", "中文文殣"),
       "decimal and hex, any case");
    ok(text_is("&#65;&#x42;&#0067;&#x000044;", "ABCD"),
       "ASCII, leading zeros");
    ok(text_is("&#x1F600;&#128512;", "😀😀"), "beyond the BMP");
    ok(text_is("&#x10FFFF;", "\xf4\x8f\xbf\xbf"), "U+10FFFF");
    ok(text_is("a&#0;b", "ab"), "U+0000 is nothing");
    ok(text_is("a&#x0;&#00;b", "ab"), "U+0000 in hex and with zeros");
    ok(text_is("a&#xD800;b&#xdfff;c&#55296;d", "abcd"),
       "surrogates are nothing");
    ok(text_is("a&#x110000;b&#1114112;c", "abc"), "past U+10FFFF: nothing");
    ok(text_is("a&#99999999999999999999999999;b&#xffffffffffffffff;c",
               "abc"), "no overflow on many digits");
    ok(text_is("a&#1;b&#2;c&#x01;d&#x02;e", "a b c d e"),
       "&#1; and &#2; are separators, not markers");
    ok(text_is("a&#9;b&#10;c&#13;d&#32;e&#x7f;f&#x85;g&#160;h",
               "a b c d e f g h"),
       "controls and spaces by number separate");
    ok(text_is("a&#10;&#10; &#32;b", "a b"), "and collapse");
    ok(text_is("&#;", "&#;"), "&#; stays");
    ok(text_is("&#x;", "&#x;"), "&#x; stays");
    ok(text_is("&#12a;", "&#12a;"), "a letter in a decimal: stays");
    ok(text_is("&#xg;", "&#xg;"), "a non-hex digit: stays");
    ok(text_is("&#20013", "&#20013"), "no ';': stays");
    ok(text_is("&#x4e2d", "&#x4e2d"), "no ';' in hex: stays");
    ok(text_is("&# 65;", "&# 65;"), "a space after '#': stays");
}


static void
test_space(void)
{
    ok(text_is("  a \t\r\n\f b  ", "a b"), "white space collapses, trimmed");
    ok(text_is("a\n\n\nb", "a b"), "newlines");
    ok(text_is("<p> a </p> <p> b </p>", "a b"),
       "spaces around blocks: one");
    ok(text_is("a <b> c </b> d", "a c d"), "spaces around inline tags");
    ok(text_is("<p></p><br><hr>", ""), "only separators: nothing");
    ok(text_is(" \t\n", ""), "only white space: nothing");
    ok(text_is("", ""), "empty input");
    ok(text_is("a\x0b" "b", "a b"), "a vertical tab separates");
    ok(text_is("中　文", "中　文"), "U+3000 is text, kept");
    ok(text_is("a\xc2\xa0" "b", "a\xc2\xa0" "b"),
       "a raw no-break space is kept (only &nbsp; is a space)");
}


static void
test_bytes(void)
{
    ok(text_is("a\x01" "b\x02" "c", "a b c"),
       "0x01 and 0x02 are separators, never in the output");
    ok(text_is("\x01\x02\x01", ""), "only markers: nothing");
    ok(text_is("a\x7f" "b\x1f" "c\x1b" "d", "a b c d"), "DEL, US, ESC");
    ok(text_is("a\xc2\x80" "b\xc2\x85" "c\xc2\x9f" "d", "a b c d"),
       "C1 controls separate");
    ok(text_is_n("a\0b", 3, "a b"), "a NUL separates");
    ok(text_is_n("\0\0", 2, ""), "NULs only: nothing");
    ok(text_is_n("<p\0>a", 5, "a"), "a NUL inside a tag");
    ok(text_is_n("&#65\0;", 6, "&#65 ;"), "a NUL inside a reference");
    ok(text_is("北\xff京", "北京"), "an invalid byte is dropped");
    ok(text_is("a\xc0\xaf" "b", "ab"), "an overlong form is dropped");
    ok(text_is("a\xed\xa0\x80" "b", "ab"), "a surrogate is dropped");
    ok(text_is("a\xf4\x90\x80\x80" "b", "ab"), "past U+10FFFF: dropped");
    ok(text_is("中\xe4\xb8", "中"), "a truncated sequence at the end");
    ok(text_is("\x80\xbf" "a\xfe\xff", "a"), "stray continuation bytes");
    ok(text_is("\xe4<p>\xb8\xad", ""), "no sequence made across a tag");
    ok(text_is("&am\xffp;", "&amp;"),
       "a byte dropped can make a reference's text (kept as text)");
}


static void
test_article(void)
{
    ok(text_is(
        "<!-- 来源：编辑部 -->\n"
        "<style>.news img { width: 100% }</style>\n"
        "<p style=\"text-indent:2em\">新华社北京3月4日电&nbsp;&nbsp;"
        "（记者&nbsp;王某）<strong>交通银行</strong>近日推出"
        "&ldquo;科创贷&rdquo;，为<a href=\"/tag/5G\" title=\"5G>更多\">"
        "5G</a>基站建设提供资金&mdash;&mdash;首批300万元。</p>\n"
        "<p><img src=\"/img/a.jpg\" alt=\"图片：基站\"><br>\n"
        "<span style=\"color:#666\">图为基站</span></p>\n"
        "<table class=\"data\"><tr><th>年份</th><th>金额</th></tr>\n"
        "<tr><td>2021</td><td>1,000&yen;</td></tr></table>\n"
        "<script type=\"text/javascript\">\n"
        "  var s = \"</p><p>不该出现\"; if (a < b && c) { x(); }\n"
        "</script>\n"
        "<p>A&amp;B 公司称，增长&gt;5%&hellip;<br/>"
        "（文章来源：新华网）</p>\n",
        "新华社北京3月4日电 （记者 王某）"
        "交通银行近日推出“科创贷”，"
        "为5G基站建设提供资金——"
        "首批300万元。 图为基站 年份 金额 "
        "2021 1,000¥ A&B 公司称，"
        "增长>5%… （文章来源：新华网）"),
       "an article: paragraphs, image, table, script, style, comment");
}
