<?php
/*
 * bench/peers/news_peer.php: the benchmark's PHP peer (d).  What the news
 * module does for article pages, share links and category pages, written
 * the way one would with PHP-FPM and the SQLite3 extension: the same SQL
 * as prepared statements, the same templates (conf/templates/*.html) with
 * the theme's style sheet (news.css) inline, the same escaping, ETag and
 * Last-Modified, the share previews' tags (og:image, the Twitter card,
 * og:locale, article:modified_time), the NewsArticle JSON-LD, the tags
 * linked to their pages, category pages with their descendants' posts
 * (category_listing) and articles' related posts (the category's or the
 * tags', the module's statement).  The most-read list stays empty:
 * bench/conf/module.conf sets no news_most_read.  PHP keeps nothing
 * between requests, so each one opens the database, prepares what it uses
 * and reads the template and the style sheet.
 *
 * nginx passes NEWS_DB and NEWS_TEMPLATES as fastcgi_param.
 */

const PAGE_SIZE = 20;
const RELATED_MAX = 5;
const HOME = '首页';

/* the module's defaults: bench/conf/module.conf sets no news_site_name,
 * news_language, news_footer or news_default_image; og:locale writes the
 * language zh_CN */
const SITE = ['site_name' => '新闻', 'language' => 'zh-CN', 'footer' => '',
              'locale' => 'zh_CN'];
const DEFAULT_IMAGE = '';

const SQL_POST = 'SELECT p.id, p.title, p.published_at, p.summary,'
    . ' p.body_html, p.source_name, p.source_url, p.status, p.category_id,'
    . ' c.slug, c.name, max(coalesce(unixepoch(p.updated_at), 0),'
    . ' coalesce(unixepoch(c.updated_at), 0)) AS updated,'
    . ' p.image_url, p.author, p.updated_at'
    . ' FROM posts p LEFT JOIN categories c ON c.id = p.category_id'
    . ' WHERE p.info_code = :code';

const SQL_TAGS = 'SELECT t.name FROM post_tags pt'
    . ' JOIN tags t ON t.id = pt.tag_id'
    . ' WHERE pt.post_id = :id ORDER BY t.name LIMIT 100';

const SQL_CHAIN = 'WITH RECURSIVE up (id, slug, name, parent_id, depth) AS ('
    . ' SELECT id, slug, name, parent_id, 0 FROM categories WHERE id = :id'
    . ' UNION ALL'
    . ' SELECT c.id, c.slug, c.name, c.parent_id, up.depth + 1'
    . ' FROM categories c JOIN up ON c.id = up.parent_id'
    . ' WHERE up.depth < 31)'
    . ' SELECT id, slug, name, depth FROM up ORDER BY depth DESC';

const SQL_CATEGORY = 'SELECT id, slug, name, description FROM categories'
    . ' WHERE slug = :slug';

const SQL_CHILDREN = 'SELECT id, slug, name FROM categories'
    . ' WHERE parent_id = :id ORDER BY name LIMIT 500';

/* the masthead's sections, on every page as in the module */
const SQL_SECTIONS = 'SELECT id, slug, name FROM categories'
    . ' WHERE parent_id IS NULL ORDER BY name LIMIT 500';

/*
 * a category's posts and its descendants', from category_listing (a row
 * for each published post under its category and each ancestor, kept by
 * the schema's triggers), each post by its primary key; :now: a post
 * scheduled for later is not there yet
 */
const SQL_POSTS = 'SELECT p.info_code, p.title, p.published_at, c.slug,'
    . ' p.summary, cl.published_ts, cl.post_id'
    . ' FROM category_listing cl JOIN posts p ON p.id = cl.post_id'
    . ' LEFT JOIN categories c ON c.id = p.category_id'
    . ' WHERE cl.category_id = :id AND cl.published_ts <= :now'
    . " AND p.status = 'published'"
    . ' ORDER BY cl.published_ts DESC, cl.post_id DESC'
    . ' LIMIT :lim OFFSET :off';

/*
 * the pager's last page, past page 1: the module has it from the list's
 * cached page ends, found in one pass over category_listing alone; a peer
 * counts the same rows on every such page
 */
const SQL_COUNT = 'SELECT count(*) AS n FROM category_listing'
    . ' WHERE category_id = :id AND published_ts <= :now';

/*
 * {{related}}, ngx_http_news_related.c's statement as it is: the
 * category's newest posts and the newest 50 of each of the post's tags,
 * the newest of those out first; ?1 the category (-1: none), ?2 the post,
 * ?3 now, ?4 how many
 */
const SQL_RELATED = 'WITH near (ts, id) AS ('
    . ' SELECT published_ts, post_id FROM (SELECT cl.published_ts, cl.post_id'
    . '  FROM category_listing cl WHERE cl.category_id = ?1'
    . '  AND cl.published_ts <= ?3 AND cl.post_id <> ?2'
    . '  ORDER BY cl.published_ts DESC, cl.post_id DESC LIMIT ?4)'
    . ' UNION'
    . ' SELECT tl.published_ts, tl.post_id FROM post_tags mine'
    . '  JOIN tag_listing tl ON tl.tag_id = mine.tag_id'
    . '  AND tl.published_ts <= ?3 AND tl.post_id <> ?2'
    . '  AND tl.published_ts >= coalesce((SELECT x.published_ts'
    . '   FROM tag_listing x WHERE x.tag_id = mine.tag_id'
    . '   AND x.published_ts <= ?3 AND x.post_id <> ?2'
    . '   ORDER BY x.published_ts DESC, x.post_id DESC'
    . '   LIMIT 1 OFFSET ?4 - 1), 0)'
    . '  WHERE mine.post_id = ?2)'
    . ' SELECT p.info_code, p.title, p.published_at, c.slug, p.id'
    . ' FROM (SELECT ts, id FROM near ORDER BY ts DESC, id DESC LIMIT ?4) n'
    . ' CROSS JOIN posts p ON p.id = n.id'
    . ' LEFT JOIN categories c ON c.id = p.category_id'
    . " WHERE p.status = 'published'"
    . ' ORDER BY n.ts DESC, n.id DESC';

function h(string $s): string
{
    return htmlspecialchars($s, ENT_COMPAT | ENT_SUBSTITUTE, 'UTF-8');
}

/*
 * the module's JSON escaping: control characters, <, >, & and ' as \u00xx
 * (json_encode() would write \n and \u003C), U+2028 and U+2029 escaped
 */
function j(string $s): string
{
    static $map = null;

    if ($map === null) {
        $map = ['"' => '\\"', '\\' => '\\\\',
                "\u{2028}" => '\\u2028', "\u{2029}" => '\\u2029'];
        foreach ([...range(0, 31), 0x3c, 0x3e, 0x26, 0x27] as $c) {
            $map[chr($c)] = sprintf('\\u%04x', $c);
        }
    }

    return strtr($s, $map);
}

function rows(SQLite3 $db, string $sql, array $bind): array
{
    $st = $db->prepare($sql);
    foreach ($bind as $k => $v) {
        $st->bindValue($k, $v, is_int($v) ? SQLITE3_INTEGER : SQLITE3_TEXT);
    }
    $res = $st->execute();
    $out = [];
    while (($row = $res->fetchArray(SQLITE3_ASSOC)) !== false) {
        $out[] = $row;
    }
    $st->close();
    return $out;
}

function send(string $kind, array $vars, ?int $updated = null): void
{
    $dir = $_SERVER['NEWS_TEMPLATES'];
    $tpl = file_get_contents("$dir/$kind.html");

    /*
     * placeholders the page does not fill render empty, as in the module;
     * one strtr() pass, so that a value is never searched again (the
     * style sheet's comment names {{style}}, a body may have braces)
     */
    preg_match_all('/\{\{[a-z0-9_]+\}\}/', $tpl, $m);
    $map = array_fill_keys($m[0], '');
    $map['{{style}}'] = "<style>\n" . file_get_contents("$dir/news.css")
                        . '</style>';
    foreach ($vars + SITE as $k => $v) {
        $map['{{' . $k . '}}'] = $v;
    }
    $body = strtr($tpl, $map);

    header('Content-Type: text/html; charset=utf-8');
    header('Content-Length: ' . strlen($body));
    if (http_response_code() === 200) {
        header(sprintf('ETag: "%08x-%x"', crc32($body), strlen($body)));
        if ($updated !== null) {
            header('Last-Modified: '
                   . gmdate('D, d M Y H:i:s', $updated) . ' GMT');
        }
    }
    echo $body;
}

/* $back: the category the page was in, when the request found one */
function fail(int $status, ?array $back = null): void
{
    /* the module's texts for a Chinese site */
    $msg = [400 => '请求有误', 404 => '页面不存在', 410 => '文章已删除',
            503 => '服务暂时不可用'][$status];
    $links = '<p class="back">';
    if ($back !== null && ($back['slug'] ?? '') !== '') {
        $links .= '<a href="' . category_path($back['slug'], 1) . '">返回'
            . h(($back['name'] ?? '') !== '' ? $back['name'] : $back['slug'])
            . '</a>｜';
    }
    $links .= '<a href="/">返回首页</a></p>';

    http_response_code($status);
    send('error', ['status' => (string) $status, 'message' => $msg,
                   'home_url' => '/', 'back' => $links]);
}

function base_url(): string
{
    return 'http://' . ($_SERVER['HTTP_HOST'] ?? $_SERVER['SERVER_NAME']);
}

function post_path(?string $slug, string $at, string $code): string
{
    return '/' . ($slug ?? '_') . '/' . substr($at, 0, 4) . '/'
        . substr($at, 5, 2) . '/' . substr($at, 8, 2) . "/$code.html";
}

function category_path(string $slug, int $page): string
{
    return '/category/' . h($slug) . '.html'
        . ($page > 1 ? "?page=$page" : '');
}

/*
 * posts as a list of links and nothing more, as the module's
 * ngx_http_news_render_links(); no posts, no list
 */
function links(array $posts, string $tag, string $attrs): string
{
    if (!$posts) {
        return '';
    }

    $out = "<$tag$attrs>\n";
    foreach ($posts as $p) {
        $out .= '<li><a href="'
            . post_path($p['slug'], $p['published_at'], $p['info_code'])
            . '">' . h($p['title']) . "</a></li>\n";
    }
    return $out . "</$tag>";
}

function cat_name(array $c): string
{
    return $c['name'] !== '' ? $c['name'] : $c['slug'];
}

/*
 * the masthead's sections, the one the page is in (its top-level category,
 * the chain's first) marked
 */
function sections(SQLite3 $db, array $chain): string
{
    $current = $chain[0]['id'] ?? null;
    $nav = '<nav class="sections">';
    foreach (rows($db, SQL_SECTIONS, []) as $c) {
        $nav .= '<a href="' . category_path($c['slug'], 1)
            . ($c['id'] === $current ? '" aria-current="true' : '') . '">'
            . h(cat_name($c)) . '</a>';
    }
    return $nav . '</nav>';
}

/*
 * the pager as the module's: previous, the first page, two either side of
 * this one, the last when the number of pages is known ($pages > 0: the
 * module knows it past page 1), next
 */
function pager(string $slug, int $page, int $pages, bool $more): string
{
    if ($page === 1 && !$more) {
        return '';
    }

    $from = $page > 3 ? $page - 2 : 1;
    $to = $more ? $page + ($pages ? 2 : 1) : $page;
    if ($pages && $to > $pages) {
        $to = $pages;
    }

    $link = fn(int $n): string
        => '<a href="' . category_path($slug, $n) . "\">$n</a>";

    $out = '<nav class="pager">';

    if ($page > 1) {
        $out .= '<a rel="prev" href="' . category_path($slug, $page - 1)
            . '">上一页</a>';
    }

    if ($from > 1) {
        $out .= $link(1);
        if ($from > 2) {
            $out .= '<span class="gap">…</span>';
        }
    }

    for ($n = $from; $n <= $to; $n++) {
        $out .= $n === $page ? "<span aria-current=\"page\">$n</span>"
                             : $link($n);
    }

    if ($pages > $to) {
        if ($pages > $to + 1) {
            $out .= '<span class="gap">…</span>';
        }
        $out .= $link($pages);
    }

    if ($more) {
        $out .= '<a rel="next" href="' . category_path($slug, $page + 1)
            . '">下一页</a>';
    }

    return $out . '</nav>';
}

function breadcrumb(array $chain, string $base, ?string $leaf_name = null,
                    ?string $leaf_url = null): array
{
    $nav = '<nav class="breadcrumb" aria-label="breadcrumb">'
        . '<a href="/">' . HOME . '</a>';
    $ld = '<script type="application/ld+json">'
        . '{"@context":"https://schema.org","@type":"BreadcrumbList",'
        . '"itemListElement":[{"@type":"ListItem","position":1,"name":"'
        . HOME . '","item":"' . j($base) . '/"}';

    foreach ($chain as $i => $c) {
        $nav .= ' &gt; <a href="/category/' . h($c['slug']) . '.html">'
            . h($c['name']) . '</a>';
        $ld .= ',{"@type":"ListItem","position":' . ($i + 2) . ',"name":"'
            . j($c['name']) . '","item":"' . j($base) . '/category/'
            . j($c['slug']) . '.html"}';
    }

    if ($leaf_name !== null) {
        $ld .= ',{"@type":"ListItem","position":' . (count($chain) + 2)
            . ',"name":"' . j($leaf_name) . '","item":"' . j($leaf_url)
            . '"}';
    }

    return [$nav . '</nav>', $ld . ']}</script>'];
}

/*
 * the rule of posts.image_url in sql/schema.sql: a value breaking it
 * (checks off) is no image, as in the module
 */
function image_valid(string $u): bool
{
    return strlen($u) <= 2048
        && preg_match('#^(https?://.|/.)#s', $u)
        && !preg_match('#[\x00- \x7f"<>\\\\]#', $u);
}

/* "2022-03-04 20:46:41+08:00" as ISO 8601, JSON-escaped */
function iso(string $at): string
{
    if (strlen($at) > 11 && $at[10] === ' ') {
        return j(substr($at, 0, 10)) . 'T' . j(substr($at, 11));
    }
    return j($at);
}

/*
 * og:image and the Twitter card of a page: the post's image, or for a
 * list page ($post null) the default one, made absolute with the base
 * URL; for an article also its lead image, byline, modification time and
 * the NewsArticle JSON-LD, into $vars
 */
function meta(array &$vars, string $base, ?array $post = null,
              ?string $canonical = null): void
{
    $own = $post !== null && $post['image_url'] !== ''
           && image_valid($post['image_url']);
    $image = $own ? $post['image_url'] : DEFAULT_IMAGE;
    $url = ($image[0] ?? '') === '/' ? $base . $image : $image;

    if ($url !== '') {
        $u = h($url);
        $vars['image_meta'] = '<meta property="og:image" content="' . $u
            . "\">\n" . '<meta name="twitter:card" '
            . 'content="summary_large_image">' . "\n"
            . '<meta name="twitter:image" content="' . $u . '">';
        $vars['image_url'] = $u;
    } else {
        $vars['image_meta'] = '<meta name="twitter:card" content="summary">';
    }

    if ($post === null) {
        return;
    }

    if ($own) {
        $vars['lead_image'] = '<figure class="lead"><img src="' . $u
            . '" alt="' . $vars['title'] . '"></figure>';
    }

    $author = $post['author'];
    if ($author !== '') {
        $vars['author'] = h($author);
        $vars['byline'] = '<span class="author">作者：' . $vars['author']
            . '</span>';
    }

    $modified = iso($post['updated_at']);
    $vars['modified_iso'] = $modified;

    $site = j(SITE['site_name']);
    $ld = '<script type="application/ld+json">'
        . '{"@context":"https://schema.org","@type":"NewsArticle",'
        . '"mainEntityOfPage":{"@type":"WebPage","@id":"' . j($canonical)
        . '"},"headline":"' . j($post['title']);
    if ($post['summary'] !== '') {
        $ld .= '","description":"' . j($post['summary']);
    }
    $ld .= '","datePublished":"' . iso($post['published_at'])
        . '","dateModified":"' . $modified . '",';
    if ($url !== '') {
        $ld .= '"image":["' . j($url) . '"],';
    }
    $ld .= $author !== ''
           ? '"author":[{"@type":"Person","name":"' . j($author)
           : '"author":[{"@type":"Organization","name":"' . $site;
    $vars['article_jsonld'] = $ld . '"}],"publisher":{"@type":'
        . '"Organization","name":"' . $site . '"}}</script>';
}

function valid_code(?string $code): bool
{
    return $code !== null && preg_match('/^[A-Z]{2}[0-9]{8,30}$/', $code);
}

function find_post(SQLite3 $db, string $code, ?int &$status,
                   ?array &$back = null): ?array
{
    $r = rows($db, SQL_POST, [':code' => $code]);
    if (!$r) {
        $status = 404;
        return null;
    }
    $post = $r[0];
    if ($post['status'] !== 'published') {
        $status = $post['status'] === 'deleted' ? 410 : 404;
        /* a reader of a removed post is pointed at its category */
        $back = $status === 410 && $post['slug'] !== null
                ? ['slug' => $post['slug'], 'name' => $post['name']] : null;
        return null;
    }
    $post['info_code'] = $code;
    return $post;
}

function article(SQLite3 $db, string $uri): void
{
    if (!preg_match('#^/[a-z0-9_-]+/\d{4}/\d\d/\d\d/([A-Z0-9]+)\.html$#',
                    $uri, $m)
        || !valid_code($m[1]))
    {
        fail(404);
        return;
    }

    $code = $m[1];
    $post = find_post($db, $code, $status, $back);
    if ($post === null) {
        fail($status, $back);
        return;
    }

    $at = $post['published_at'];
    $path = post_path($post['slug'], $at, $code);
    if ($path !== $uri) {
        header("Location: $path", true, 301);
        return;
    }

    $tags = rows($db, SQL_TAGS, [':id' => $post['id']]);
    $chain = rows($db, SQL_CHAIN, [':id' => $post['category_id']]);
    /* a post whose category row is gone has none to share (-1) */
    $related = rows($db, SQL_RELATED,
                    [1 => $post['slug'] !== null ? $post['category_id'] : -1,
                     2 => $post['id'], 3 => time(), 4 => RELATED_MAX]);

    $base = base_url();
    $canonical = $base . $path;

    $tag_html = '';
    if ($tags) {
        $tag_html = '<ul class="tags">';
        foreach ($tags as $t) {
            /*
             * rawurlencode() is news_tag_escape(): all but RFC 3986's
             * unreserved bytes as %XX, which stands in HTML as it is
             */
            $tag_html .= '<li><a rel="tag" href="/tag/'
                . rawurlencode($t['name']) . '.html">' . h($t['name'])
                . '</a></li>';
        }
        $tag_html .= '</ul>';
    }

    $source = $post['source_name'] !== '' ? $post['source_name']
                                          : $post['source_url'];
    if ($source !== '') {
        $source = h($source);
        if (preg_match('#^https?://.#i', $post['source_url'])) {
            $source = '<a href="' . h($post['source_url'])
                . '" rel="nofollow noopener">' . $source . '</a>';
        }
        $source = '<span class="source">来源：' . $source . '</span>';
    }

    [$nav, $ld] = breadcrumb($chain, $base, $post['title'], $canonical);

    $vars = [
        'title' => h($post['title']),
        'description' => h($post['summary']),
        'canonical_url' => h($canonical),
        'published' => h(substr($at, 0, 16)),
        'published_iso' => h(substr($at, 0, 10) . 'T' . substr($at, 11)),
        'source' => $source,
        'body' => $post['body_html'],
        'tags' => $tag_html,
        'breadcrumb' => $nav,
        'breadcrumb_jsonld' => $ld,
        'nav' => sections($db, $chain),
        'related' => links($related, 'ul', ' class="related"'),
        'category_name' => h($post['name'] ?? $post['slug'] ?? HOME),
        'category_url' => $post['slug'] !== null
                          ? '/category/' . h($post['slug']) . '.html' : '/',
        'home_url' => '/',
    ];
    meta($vars, $base, $post, $canonical);

    send('article', $vars, $post['updated']);
}

function share(SQLite3 $db): void
{
    $code = $_GET['infoCode'] ?? '';
    if ($code === '' || strlen($code) > 64 || !valid_code($code)) {
        fail(400);
        return;
    }

    $post = find_post($db, $code, $status, $back);
    if ($post === null) {
        fail($status, $back);
        return;
    }

    $args = $_GET;
    unset($args['infoCode']);
    $path = post_path($post['slug'], $post['published_at'], $code);
    if ($args) {
        $path .= '?' . http_build_query($args);
    }

    header("Location: $path", true, 302);
}

function category(SQLite3 $db, string $uri): void
{
    if (!preg_match('#^/category/([a-z0-9_-]+)\.html$#', $uri, $m)) {
        fail(404);
        return;
    }

    $slug = $m[1];
    $page = $_GET['page'] ?? '1';
    if (!ctype_digit($page) || $page < 1 || $page > 100000) {
        fail(400);
        return;
    }
    $page = (int) $page;

    $r = rows($db, SQL_CATEGORY, [':slug' => $slug]);
    if (!$r) {
        fail(404);
        return;
    }
    $cat = $r[0];

    /* an error page from here on links back to the category */
    $back = ['slug' => $cat['slug'], 'name' => $cat['name']];
    $now = time();

    $chain = rows($db, SQL_CHAIN, [':id' => $cat['id']]);
    $children = rows($db, SQL_CHILDREN, [':id' => $cat['id']]);
    $sections = sections($db, $chain);

    /*
     * past page 1 the module knows how many pages the list has, and a page
     * past the end is a 404 without reading a post
     */
    $pages = 0;
    if ($page > 1) {
        $n = rows($db, SQL_COUNT, [':id' => $cat['id'], ':now' => $now]);
        $pages = intdiv($n[0]['n'] + PAGE_SIZE - 1, PAGE_SIZE);
        if ($page > $pages) {
            fail(404, $back);
            return;
        }
    }

    $posts = rows($db, SQL_POSTS, [':id' => $cat['id'], ':now' => $now,
                                   ':lim' => PAGE_SIZE + 1,
                                   ':off' => ($page - 1) * PAGE_SIZE]);

    if ($page > 1 && !$posts) {
        fail(404, $back);
        return;
    }

    $base = base_url();
    $canonical = $base . category_path($slug, $page);
    [$nav, $ld] = breadcrumb($chain, $base);

    $sub = '';
    if ($children) {
        $sub = "<ul class=\"categories\">\n";
        foreach ($children as $c) {
            $sub .= '<li><a href="' . category_path($c['slug'], 1) . '">'
                . h(cat_name($c)) . "</a></li>\n";
        }
        $sub .= '</ul>';
    }

    if (!$posts) {
        $list = '<p class="empty">暂无文章</p>';
    } else {
        $list = "<ul class=\"posts\">\n";
        foreach (array_slice($posts, 0, PAGE_SIZE) as $p) {
            $at = $p['published_at'];
            $list .= '<li><a href="'
                . post_path($p['slug'], $at, $p['info_code']) . '">'
                . h($p['title']) . '</a> <time datetime="' . h($at) . '">'
                . h(substr($at, 0, 10)) . '</time>'
                . ($p['summary'] !== '' ? '<p>' . h($p['summary']) . '</p>'
                                        : '')
                . "</li>\n";
        }
        $list .= '</ul>';
    }

    $vars = [
        'title' => h(cat_name($cat)),
        'description' => h($cat['description']),
        'canonical_url' => h($canonical),
        'page' => (string) $page,
        'breadcrumb' => $nav,
        'breadcrumb_jsonld' => $ld,
        'nav' => $sections,
        'subcategories' => $sub,
        'posts' => $list,
        'pager' => pager($slug, $page, $pages, count($posts) > PAGE_SIZE),
        'home_url' => '/',
        // the category's own feeds, which the module serves beside it
        'page_feeds' => '<link rel="alternate" type="application/rss+xml" '
            . 'href="/category/' . $slug . ".xml\">\n"
            . '<link rel="alternate" type="application/atom+xml" '
            . 'href="/category/' . $slug . ".atom\">\n",
    ];
    meta($vars, $base);

    send('category', $vars);
}

$uri = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);

try {
    $db = new SQLite3($_SERVER['NEWS_DB'],
                      SQLITE3_OPEN_READONLY);
    $db->enableExceptions(true);
} catch (Exception $e) {
    error_log('peer: ' . $e->getMessage());
    fail(503);
    return;
}

if ($uri === '/html_News/NewsShare.html') {
    share($db);
} elseif (strncmp($uri, '/category/', 10) === 0) {
    category($db, $uri);
} else {
    article($db, $uri);
}

$db->close();
