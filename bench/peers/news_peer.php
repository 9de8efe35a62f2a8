<?php
/*
 * bench/peers/news_peer.php: the benchmark's PHP peer (d).  What the news
 * module does for article pages, share links and category pages, written
 * the way one would with PHP-FPM and the SQLite3 extension: the same SQL
 * as prepared statements, the same templates (conf/templates/*.html), the
 * same escaping, ETag and Last-Modified.  PHP keeps nothing between
 * requests, so each one opens the database and prepares what it uses.
 *
 * nginx passes NEWS_DB and NEWS_TEMPLATES as fastcgi_param.
 */

const PAGE_SIZE = 20;
const HOME = '首页';

const SQL_POST = 'SELECT p.id, p.title, p.published_at, p.summary,'
    . ' p.body_html, p.source_name, p.source_url, p.status, p.category_id,'
    . ' c.slug, c.name, max(coalesce(unixepoch(p.updated_at), 0),'
    . ' coalesce(unixepoch(c.updated_at), 0)) AS updated'
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

const SQL_CATEGORY = 'SELECT id, slug, name FROM categories'
    . ' WHERE slug = :slug';

const SQL_CHILDREN = 'SELECT id, slug, name FROM categories'
    . ' WHERE parent_id = :id ORDER BY name LIMIT 500';

const SQL_POSTS = 'SELECT p.info_code, p.title, p.published_at, c.slug,'
    . ' p.summary FROM posts p LEFT JOIN categories c ON c.id = p.category_id'
    . " WHERE p.category_id = :id AND p.status = 'published'"
    . ' ORDER BY p.published_ts DESC, p.id DESC LIMIT :lim OFFSET :off';

function h(string $s): string
{
    return htmlspecialchars($s, ENT_COMPAT | ENT_SUBSTITUTE, 'UTF-8');
}

function j(string $s): string
{
    $e = json_encode($s, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES
                         | JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS);
    return substr($e, 1, -1);
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
    $tpl = file_get_contents($_SERVER['NEWS_TEMPLATES'] . "/$kind.html");
    $map = [];
    foreach ($vars as $k => $v) {
        $map['{{' . $k . '}}'] = $v;
    }
    /* placeholders the page does not fill render empty, as in the module */
    $body = preg_replace('/\{\{[a-z_]+\}\}/', '', strtr($tpl, $map));

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

function fail(int $status): void
{
    $msg = [400 => 'Bad Request', 404 => 'Not Found', 410 => 'Gone',
            503 => 'Service Unavailable'][$status];
    http_response_code($status);
    send('error', ['status' => (string) $status, 'message' => $msg,
                   'home_url' => '/']);
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

function valid_code(?string $code): bool
{
    return $code !== null && preg_match('/^[A-Z]{2}[0-9]{8,30}$/', $code);
}

function find_post(SQLite3 $db, string $code, ?int &$status): ?array
{
    $r = rows($db, SQL_POST, [':code' => $code]);
    if (!$r) {
        $status = 404;
        return null;
    }
    $post = $r[0];
    if ($post['status'] !== 'published') {
        $status = $post['status'] === 'deleted' ? 410 : 404;
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
    $post = find_post($db, $code, $status);
    if ($post === null) {
        fail($status);
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

    $base = base_url();
    $canonical = $base . $path;

    $tag_html = '';
    if ($tags) {
        $tag_html = '<ul class="tags">';
        foreach ($tags as $t) {
            $tag_html .= '<li>' . h($t['name']) . '</li>';
        }
        $tag_html .= '</ul>';
    }

    $source = h($post['source_name'] !== '' ? $post['source_name']
                                            : $post['source_url']);
    if (preg_match('#^https?://.#i', $post['source_url'])) {
        $source = '<a href="' . h($post['source_url'])
            . '" rel="nofollow noopener">' . $source . '</a>';
    }

    [$nav, $ld] = breadcrumb($chain, $base, $post['title'], $canonical);

    send('article', [
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
        'category_name' => h($post['name'] ?? $post['slug'] ?? HOME),
        'category_url' => $post['slug'] !== null
                          ? '/category/' . h($post['slug']) . '.html' : '/',
        'home_url' => '/',
    ], $post['updated']);
}

function share(SQLite3 $db): void
{
    $code = $_GET['infoCode'] ?? '';
    if ($code === '' || strlen($code) > 64 || !valid_code($code)) {
        fail(400);
        return;
    }

    $post = find_post($db, $code, $status);
    if ($post === null) {
        fail($status);
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

    $chain = rows($db, SQL_CHAIN, [':id' => $cat['id']]);
    $children = rows($db, SQL_CHILDREN, [':id' => $cat['id']]);
    $posts = rows($db, SQL_POSTS, [':id' => $cat['id'],
                                   ':lim' => PAGE_SIZE + 1,
                                   ':off' => ($page - 1) * PAGE_SIZE]);

    if ($page > 1 && !$posts) {
        fail(404);
        return;
    }

    $base = base_url();
    $canonical = "$base/category/$slug.html"
        . ($page > 1 ? "?page=$page" : '');
    [$nav, $ld] = breadcrumb($chain, $base);

    $sub = '';
    if ($children) {
        $sub = "<ul class=\"categories\">\n";
        foreach ($children as $c) {
            $sub .= '<li class="depth-0"><a href="/category/' . h($c['slug'])
                . '.html">' . h($c['name']) . "</a></li>\n";
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

    $pager = '';
    $more = count($posts) > PAGE_SIZE;
    if ($page > 1 || $more) {
        $pager = '<nav class="pager">';
        if ($page > 1) {
            $pager .= "<a rel=\"prev\" href=\"/category/$slug.html"
                . ($page > 2 ? '?page=' . ($page - 1) : '') . '">上一页</a> ';
        }
        if ($more) {
            $pager .= "<a rel=\"next\" href=\"/category/$slug.html?page="
                . ($page + 1) . '">下一页</a>';
        }
        $pager .= '</nav>';
    }

    send('category', [
        'title' => h($cat['name']),
        'canonical_url' => h($canonical),
        'page' => (string) $page,
        'breadcrumb' => $nav,
        'breadcrumb_jsonld' => $ld,
        'subcategories' => $sub,
        'posts' => $list,
        'pager' => $pager,
        'home_url' => '/',
    ]);
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
