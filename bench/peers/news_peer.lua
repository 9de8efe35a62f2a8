-- bench/peers/news_peer.lua: the benchmark's Lua peer (c).  What the news
-- module does for article pages, share links and category pages, written
-- the way one would with Debian's lua-nginx-module and lua-dbi-sqlite3:
-- the same SQL, statements prepared once per worker, the same templates
-- (conf/templates/*.html) split once per worker with the theme's style
-- sheet (news.css) put in as text, the same escaping, ETag and
-- Last-Modified, the share previews' tags (og:image, the Twitter card,
-- og:locale, article:modified_time), the NewsArticle JSON-LD, the tags
-- linked to their pages, category pages with their descendants' posts
-- (category_listing) and articles' related posts (the category's or the
-- tags', the module's statement).  No cache: every request reads the
-- database, as the module does without its render cache, the masthead's
-- sections too.  The most-read list stays empty: bench/conf/module.conf
-- sets no news_most_read.

local DBI = require "DBI"

local _M = {}

local PAGE_SIZE = 20
local RELATED_MAX = 5
local HOME = "首页"

-- the module's defaults: bench/conf/module.conf sets no news_site_name,
-- news_language, news_footer or news_default_image
local SITE = { site_name = "新闻", language = "zh-CN", footer = "" }
local DEFAULT_IMAGE = ""

local SQL = {
    post = "SELECT p.id, p.title, p.published_at, p.summary, p.body_html,"
        .. " p.source_name, p.source_url, p.status, p.category_id, c.slug,"
        .. " c.name, max(coalesce(unixepoch(p.updated_at), 0),"
        .. " coalesce(unixepoch(c.updated_at), 0)) AS updated,"
        .. " p.image_url, p.author, p.updated_at"
        .. " FROM posts p LEFT JOIN categories c ON c.id = p.category_id"
        .. " WHERE p.info_code = ?",
    tags = "SELECT t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id"
        .. " WHERE pt.post_id = ? ORDER BY t.name LIMIT 100",
    chain = "WITH RECURSIVE up (id, slug, name, parent_id, depth) AS ("
        .. " SELECT id, slug, name, parent_id, 0 FROM categories"
        .. " WHERE id = ? UNION ALL"
        .. " SELECT c.id, c.slug, c.name, c.parent_id, up.depth + 1"
        .. " FROM categories c JOIN up ON c.id = up.parent_id"
        .. " WHERE up.depth < 31)"
        .. " SELECT id, slug, name, depth FROM up ORDER BY depth",
    category = "SELECT id, slug, name, description FROM categories"
        .. " WHERE slug = ?",
    children = "SELECT id, slug, name FROM categories WHERE parent_id = ?"
        .. " ORDER BY name LIMIT 500",
    -- the masthead's sections, on every page as in the module
    sections = "SELECT id, slug, name FROM categories"
        .. " WHERE parent_id IS NULL ORDER BY name LIMIT 500",
    -- a category's posts and its descendants', from category_listing
    -- (a row for each published post under its category and each
    -- ancestor, kept by the schema's triggers), each post by its primary
    -- key; ? is now: a post scheduled for later is not there yet
    posts = "SELECT p.info_code, p.title, p.published_at, c.slug, p.summary,"
        .. " cl.published_ts, cl.post_id"
        .. " FROM category_listing cl JOIN posts p ON p.id = cl.post_id"
        .. " LEFT JOIN categories c ON c.id = p.category_id"
        .. " WHERE cl.category_id = ?"
        .. " AND cl.published_ts <= CAST(? AS INTEGER)"
        .. " AND p.status = 'published'"
        .. " ORDER BY cl.published_ts DESC, cl.post_id DESC"
        .. " LIMIT CAST(? AS INTEGER) OFFSET CAST(? AS INTEGER)",
    -- the pager's last page, past page 1: the module has it from the
    -- list's cached page ends, found in one pass over category_listing
    -- alone; a peer counts the same rows on every such page
    count = "SELECT count(*) AS n FROM category_listing"
        .. " WHERE category_id = ? AND published_ts <= CAST(? AS INTEGER)",
    -- {{related}}, ngx_http_news_related.c's statement as it is: the
    -- category's newest posts and the newest 50 of each of the post's
    -- tags, the newest of those out first; ?1 the category (-1: none),
    -- ?2 the post, ?3 now, ?4 how many
    related = "WITH near (ts, id) AS ("
        .. " SELECT published_ts, post_id FROM (SELECT cl.published_ts, cl.post_id"
        .. "  FROM category_listing cl WHERE cl.category_id = ?1"
        .. "  AND cl.published_ts <= ?3 AND cl.post_id <> ?2"
        .. "  ORDER BY cl.published_ts DESC, cl.post_id DESC LIMIT ?4)"
        .. " UNION"
        .. " SELECT tl.published_ts, tl.post_id FROM post_tags mine"
        .. "  JOIN tag_listing tl ON tl.tag_id = mine.tag_id"
        .. "  AND tl.published_ts <= ?3 AND tl.post_id <> ?2"
        .. "  AND tl.published_ts >= coalesce((SELECT x.published_ts"
        .. "   FROM tag_listing x WHERE x.tag_id = mine.tag_id"
        .. "   AND x.published_ts <= ?3 AND x.post_id <> ?2"
        .. "   ORDER BY x.published_ts DESC, x.post_id DESC"
        .. "   LIMIT 1 OFFSET ?4 - 1), 0)"
        .. "  WHERE mine.post_id = ?2)"
        .. " SELECT p.info_code, p.title, p.published_at, c.slug, p.id"
        .. " FROM (SELECT ts, id FROM near ORDER BY ts DESC, id DESC LIMIT ?4) n"
        .. " CROSS JOIN posts p ON p.id = n.id"
        .. " LEFT JOIN categories c ON c.id = p.category_id"
        .. " WHERE p.status = 'published'"
        .. " ORDER BY n.ts DESC, n.id DESC",
}

local dbh       -- kept here: a collected connection closes its statements
local st = {}
local tpl = {}

local function slurp(path)
    local f = assert(io.open(path, "rb"))
    local text = f:read("*a")
    f:close()
    return text
end

-- {{style}} is the same on every page: text, as in the module
local function split_template(path, style)
    local text = slurp(path)
    local parts, pos = {}, 1

    while true do
        local a, b, name = text:find("{{([%w_]+)}}", pos)
        if not a then
            parts[#parts + 1] = text:sub(pos)
            break
        end
        parts[#parts + 1] = text:sub(pos, a - 1)
        parts[#parts + 1] = name == "style" and style or { name }
        pos = b + 1
    end

    return parts
end

function _M.init_worker(db_path, tpl_dir)
    -- 1 is SQLITE_OPEN_READONLY: nginx only reads the file
    dbh = assert(DBI.Connect("SQLite3", db_path, 1))
    dbh:autocommit(true)

    for k, sql in pairs(SQL) do
        st[k] = assert(dbh:prepare(sql))
    end

    local style = "<style>\n" .. slurp(tpl_dir .. "/news.css") .. "</style>"

    for _, kind in ipairs({ "article", "category", "error" }) do
        tpl[kind] = split_template(tpl_dir .. "/" .. kind .. ".html", style)
    end
end

local HTML = { ["<"] = "&lt;", [">"] = "&gt;", ["&"] = "&amp;",
               ['"'] = "&quot;" }

local function html(s)
    return (s:gsub('[<>&"]', HTML))
end

-- the module's JSON escaping: control characters, <, >, & and ' as
-- \u00xx, U+2028 and U+2029 as \u2028 and \u2029 (DEL stays as it is)
local JSON = { ['"'] = '\\"', ["\\"] = "\\\\" }
for _, c in ipairs({ "<", ">", "&", "'" }) do
    JSON[c] = string.format("\\u%04x", c:byte())
end
for b = 0, 31 do
    JSON[string.char(b)] = string.format("\\u%04x", b)
end

-- a tag's name in its page's path, as news_tag_escape(): every byte but
-- RFC 3986's unreserved ones as %XX, which is safe in HTML as it is
local function tag_escape(s)
    return (s:gsub("[^A-Za-z0-9%-%._~]", function(c)
        return string.format("%%%02X", c:byte())
    end))
end

local function json(s)
    s = s:gsub("[%z\1-\31<>&'\"\\]", JSON)
    if s:find("\226\128[\168\169]") then
        s = s:gsub("\226\128([\168\169])", function(c)
            return c == "\168" and "\\u2028" or "\\u2029"
        end)
    end
    return s
end

-- og:locale says zh_CN where the language tag says zh-CN; the site's
-- name in JSON, as the module keeps both from its configuration
SITE.locale = (SITE.language:gsub("-", "_"))
local SITE_JSON = json(SITE.site_name)

local function render(kind, vars)
    local out, parts = {}, tpl[kind]

    for i = 1, #parts do
        local p = parts[i]
        if type(p) == "table" then
            out[i] = vars[p[1]] or SITE[p[1]] or ""
        else
            out[i] = p
        end
    end

    return table.concat(out)
end

local function send(kind, vars, updated)
    local body = render(kind, vars)

    ngx.header["Content-Type"] = "text/html; charset=utf-8"
    ngx.header["Content-Length"] = #body

    if ngx.status == 0 or ngx.status == 200 then
        ngx.header["ETag"] = string.format('"%08x-%x"',
                                           ngx.crc32_long(body), #body)
        if updated then
            ngx.header["Last-Modified"] = ngx.http_time(updated)
        end
    end

    ngx.print(body)
end

-- the module's texts for a Chinese site
local MESSAGES = { [400] = "请求有误", [404] = "页面不存在",
                   [410] = "文章已删除", [503] = "服务暂时不可用" }

-- back: the category the page was in, when the request found one
local function fail(status, back)
    local links = '<p class="back">'
    if back and back.slug then
        links = links .. '<a href="/category/' .. html(back.slug)
            .. '.html">返回'
            .. html((back.name or "") ~= "" and back.name or back.slug)
            .. '</a>｜'
    end
    links = links .. '<a href="/">返回首页</a></p>'

    ngx.status = status
    send("error", { status = tostring(status), message = MESSAGES[status],
                    home_url = "/", back = links })
end

local function rows(s, ...)
    local ok, err = s:execute(...)
    if not ok then
        ngx.log(ngx.ERR, "peer: ", err)
        return nil
    end
    local t = {}
    for row in s:rows(true) do
        t[#t + 1] = row
    end
    return t
end

local function base_url()
    return ngx.var.scheme .. "://" .. (ngx.var.http_host or ngx.var.host)
end

local function date_path(at)
    return "/" .. at:sub(1, 4) .. "/" .. at:sub(6, 7) .. "/" .. at:sub(9, 10)
end

local function post_path(slug, at, code)
    return "/" .. (slug or "_") .. date_path(at) .. "/" .. code .. ".html"
end

-- posts as a list of links and nothing more, as the module's
-- ngx_http_news_render_links(); no posts, no list
local function links(posts, tag, attrs)
    if #posts == 0 then
        return ""
    end

    local t = { "<" .. tag .. attrs .. ">\n" }

    for i = 1, #posts do
        local p = posts[i]
        t[#t + 1] = '<li><a href="'
            .. post_path(p.slug, p.published_at, p.info_code) .. '">'
            .. html(p.title) .. "</a></li>\n"
    end

    t[#t + 1] = "</" .. tag .. ">"
    return table.concat(t)
end

local function category_path(slug, page)
    return "/category/" .. html(slug) .. ".html"
        .. (page > 1 and "?page=" .. page or "")
end

local function cat_name(c)
    return c.name ~= "" and c.name or c.slug
end

-- the masthead's sections, the one the page is in (its top-level
-- category, the chain's first) marked
local function sections(chain)
    local r = rows(st.sections)
    if not r then
        return nil
    end

    local current = chain[1] and chain[1].id
    local t = { '<nav class="sections">' }

    for i = 1, #r do
        local c = r[i]
        t[#t + 1] = '<a href="' .. category_path(c.slug, 1)
            .. (c.id == current and '" aria-current="true' or "")
            .. '">' .. html(cat_name(c)) .. "</a>"
    end

    t[#t + 1] = "</nav>"
    return table.concat(t)
end

local function breadcrumb(chain, base, leaf_name, leaf_url)
    local nav = { '<nav class="breadcrumb" aria-label="breadcrumb">'
                  .. '<a href="/">' .. HOME .. '</a>' }
    local ld = { '<script type="application/ld+json">'
                 .. '{"@context":"https://schema.org",'
                 .. '"@type":"BreadcrumbList","itemListElement":['
                 .. '{"@type":"ListItem","position":1,"name":"' .. HOME
                 .. '","item":"' .. json(base) .. '/"}' }

    for i = 1, #chain do
        local c = chain[i]
        local pos = i + 1
        nav[#nav + 1] = ' &gt; <a href="/category/' .. html(c.slug)
            .. '.html">' .. html(c.name) .. '</a>'
        ld[#ld + 1] = ',{"@type":"ListItem","position":' .. pos
            .. ',"name":"' .. json(c.name) .. '","item":"' .. json(base)
            .. '/category/' .. json(c.slug) .. '.html"}'
    end

    if leaf_name then
        ld[#ld + 1] = ',{"@type":"ListItem","position":' .. (#chain + 2)
            .. ',"name":"' .. json(leaf_name) .. '","item":"'
            .. json(leaf_url) .. '"}'
    end

    nav[#nav + 1] = "</nav>"
    ld[#ld + 1] = "]}</script>"

    return table.concat(nav), table.concat(ld)
end

-- the rule of posts.image_url in sql/schema.sql: a value breaking it
-- (checks off) is no image, as in the module
local function image_valid(u)
    return #u <= 2048
        and (u:find("^https?://.") or u:find("^/.")) ~= nil
        and u:find('[%z\1- \127"<>\\]') == nil
end

-- "2022-03-04 20:46:41+08:00" as ISO 8601, JSON-escaped
local function iso(at)
    if #at > 11 and at:sub(11, 11) == " " then
        return json(at:sub(1, 10)) .. "T" .. json(at:sub(12))
    end
    return json(at)
end

-- og:image and the Twitter card of a page: the post's image, or for a
-- list page (post nil) the default one, made absolute with the base URL;
-- for an article also its lead image, byline, modification time and the
-- NewsArticle JSON-LD, into vars
local function meta(vars, base, post, canonical)
    local image = DEFAULT_IMAGE
    local own = post and post.image_url ~= "" and image_valid(post.image_url)

    if own then
        image = post.image_url
    end

    local url = image:sub(1, 1) == "/" and base .. image or image

    if url ~= "" then
        local u = html(url)
        vars.image_meta = '<meta property="og:image" content="' .. u .. '">\n'
            .. '<meta name="twitter:card" content="summary_large_image">\n'
            .. '<meta name="twitter:image" content="' .. u .. '">'
        vars.image_url = u
    else
        vars.image_meta = '<meta name="twitter:card" content="summary">'
    end

    if not post then
        return
    end

    if own then
        vars.lead_image = '<figure class="lead"><img src="' .. vars.image_url
            .. '" alt="' .. vars.title .. '"></figure>'
    end

    local author = post.author
    if author ~= "" then
        vars.author = html(author)
        vars.byline = '<span class="author">作者：' .. vars.author
            .. "</span>"
    end

    local modified = iso(post.updated_at)
    vars.modified_iso = modified

    local ld = { '<script type="application/ld+json">'
        .. '{"@context":"https://schema.org","@type":"NewsArticle",'
        .. '"mainEntityOfPage":{"@type":"WebPage","@id":"' .. json(canonical)
        .. '"},"headline":"' .. json(post.title) }

    if post.summary ~= "" then
        ld[#ld + 1] = '","description":"' .. json(post.summary)
    end

    ld[#ld + 1] = '","datePublished":"' .. iso(post.published_at)
        .. '","dateModified":"' .. modified .. '",'

    if url ~= "" then
        ld[#ld + 1] = '"image":["' .. json(url) .. '"],'
    end

    if author ~= "" then
        ld[#ld + 1] = '"author":[{"@type":"Person","name":"' .. json(author)
    else
        ld[#ld + 1] = '"author":[{"@type":"Organization","name":"'
            .. SITE_JSON
    end

    ld[#ld + 1] = '"}],"publisher":{"@type":"Organization","name":"'
        .. SITE_JSON .. '"}}</script>'

    vars.article_jsonld = table.concat(ld)
end

local function valid_code(code)
    return code and #code >= 10 and #code <= 32
        and code:find("^[A-Z][A-Z]%d+$") ~= nil
end

local function find_post(code)
    local r = rows(st.post, code)
    if not r then
        return nil, 503
    end
    local post = r[1]
    if not post then
        return nil, 404
    end
    if post.status == "deleted" then
        -- its reader is pointed at its category
        return nil, 410, post.slug and { slug = post.slug, name = post.name }
    end
    if post.status ~= "published" then
        return nil, 404
    end
    post.info_code = code
    return post
end

function _M.article()
    local uri = ngx.var.uri
    local code = uri:match(
        "^/[a-z0-9_-]+/%d%d%d%d/%d%d/%d%d/([A-Z0-9]+)%.html$")

    if not valid_code(code) then
        return fail(404)
    end

    local post, status, back = find_post(code)
    if not post then
        return fail(status, back)
    end

    local path = post_path(post.slug, post.published_at, code)
    if path ~= uri then
        return ngx.redirect(path, 301)
    end

    local tags = rows(st.tags, post.id)
    local chain = rows(st.chain, post.category_id)
    -- a post whose category row is gone has none to share (-1)
    local related = rows(st.related, post.slug and post.category_id or -1,
                         post.id, ngx.time(), RELATED_MAX)
    if not tags or not chain or not related then
        return fail(503)
    end

    local base = base_url()
    local canonical = base .. path
    local at = post.published_at

    local tag_html = ""
    if #tags > 0 then
        local t = { '<ul class="tags">' }
        for i = 1, #tags do
            local name = tags[i].name
            t[#t + 1] = '<li><a rel="tag" href="/tag/' .. tag_escape(name)
                .. '.html">' .. html(name) .. "</a></li>"
        end
        t[#t + 1] = "</ul>"
        tag_html = table.concat(t)
    end

    local source = post.source_name ~= "" and post.source_name
                   or post.source_url
    local source_html = ""
    if source ~= "" then
        local url = post.source_url:lower()
        source_html = html(source)
        if url:find("^http://.") or url:find("^https://.") then
            source_html = '<a href="' .. html(post.source_url)
                .. '" rel="nofollow noopener">' .. source_html .. '</a>'
        end
        source_html = '<span class="source">来源：' .. source_html
            .. '</span>'
    end

    -- the chain comes leaf first; the breadcrumb goes top down
    local rev = {}
    for i = 1, #chain do
        rev[#chain - i + 1] = chain[i]
    end

    local nav, ld = breadcrumb(rev, base, post.title, canonical)
    local sects = sections(rev)
    if not sects then
        return fail(503)
    end

    local vars = {
        title = html(post.title),
        description = html(post.summary),
        canonical_url = html(canonical),
        published = html(at:sub(1, 16)),
        published_iso = html(at:sub(1, 10) .. "T" .. at:sub(12)),
        source = source_html,
        body = post.body_html,
        tags = tag_html,
        breadcrumb = nav,
        breadcrumb_jsonld = ld,
        nav = sects,
        related = links(related, "ul", ' class="related"'),
        category_name = html(post.name or post.slug or HOME),
        category_url = post.slug and "/category/" .. html(post.slug)
                       .. ".html" or "/",
        home_url = "/",
    }

    meta(vars, base, post, canonical)

    return send("article", vars, post.updated)
end

function _M.share()
    local code = ngx.var.arg_infoCode

    if not code or code == "" or #code > 64 then
        return fail(400)
    end
    if not valid_code(code) then
        return fail(400)
    end

    local post, status, back = find_post(code)
    if not post then
        return fail(status, back)
    end

    -- the other arguments go along, infoCode does not
    local args = ngx.var.args or ""
    args = args:gsub("&?infoCode=[^&]*", ""):gsub("^&", "")

    local path = post_path(post.slug, post.published_at, code)
    if args ~= "" then
        path = path .. "?" .. args
    end

    return ngx.redirect(path, 302)
end

-- the pager as the module's: previous, the first page, two either side
-- of this one, the last when the number of pages is known (pages > 0:
-- the module knows it past page 1), next
local function pager(slug, page, pages, more)
    if page == 1 and not more then
        return ""
    end

    local from = page > 3 and page - 2 or 1
    local to = page
    if more then
        to = page + (pages > 0 and 2 or 1)
    end
    if pages > 0 and to > pages then
        to = pages
    end

    local function link(n)
        return '<a href="' .. category_path(slug, n) .. '">' .. n .. "</a>"
    end

    local t = { '<nav class="pager">' }

    if page > 1 then
        t[#t + 1] = '<a rel="prev" href="' .. category_path(slug, page - 1)
            .. '">上一页</a>'
    end

    if from > 1 then
        t[#t + 1] = link(1)
        if from > 2 then
            t[#t + 1] = '<span class="gap">…</span>'
        end
    end

    for n = from, to do
        if n == page then
            t[#t + 1] = '<span aria-current="page">' .. n .. "</span>"
        else
            t[#t + 1] = link(n)
        end
    end

    if pages > to then
        if pages > to + 1 then
            t[#t + 1] = '<span class="gap">…</span>'
        end
        t[#t + 1] = link(pages)
    end

    if more then
        t[#t + 1] = '<a rel="next" href="' .. category_path(slug, page + 1)
            .. '">下一页</a>'
    end

    t[#t + 1] = "</nav>"
    return table.concat(t)
end

function _M.category()
    local uri = ngx.var.uri
    local slug = uri:match("^/category/([a-z0-9_-]+)%.html$")

    if not slug then
        return fail(404)
    end

    local page = tonumber(ngx.var.arg_page or "1")
    if not page or page < 1 or page > 100000 or page % 1 ~= 0 then
        return fail(400)
    end

    local r = rows(st.category, slug)
    if not r then
        return fail(503)
    end
    local cat = r[1]
    if not cat then
        return fail(404)
    end

    -- an error page from here on links back to the category
    local back = { slug = cat.slug, name = cat.name }
    local now = ngx.time()

    local chain = rows(st.chain, cat.id)
    local children = rows(st.children, cat.id)
    if not chain or not children then
        return fail(503, back)
    end

    local rev = {}
    for i = 1, #chain do
        rev[#chain - i + 1] = chain[i]
    end

    local sects = sections(rev)
    if not sects then
        return fail(503, back)
    end

    -- past page 1 the module knows how many pages the list has, and a
    -- page past the end is a 404 without reading a post
    local pages = 0
    if page > 1 then
        local c = rows(st.count, cat.id, now)
        if not c then
            return fail(503, back)
        end
        pages = math.ceil(c[1].n / PAGE_SIZE)
        if page > pages then
            return fail(404, back)
        end
    end

    local posts = rows(st.posts, cat.id, now, PAGE_SIZE + 1,
                       (page - 1) * PAGE_SIZE)
    if not posts then
        return fail(503, back)
    end

    if page > 1 and #posts == 0 then
        return fail(404, back)
    end

    local base = base_url()
    local canonical = base .. category_path(slug, page)

    local nav, ld = breadcrumb(rev, base)

    local sub = ""
    if #children > 0 then
        local t = { '<ul class="categories">\n' }
        for i = 1, #children do
            local c = children[i]
            t[#t + 1] = '<li><a href="' .. category_path(c.slug, 1) .. '">'
                .. html(cat_name(c)) .. "</a></li>\n"
        end
        t[#t + 1] = "</ul>"
        sub = table.concat(t)
    end

    local list
    if #posts == 0 then
        list = '<p class="empty">暂无文章</p>'
    else
        local t = { '<ul class="posts">\n' }
        for i = 1, math.min(#posts, PAGE_SIZE) do
            local p = posts[i]
            local at = p.published_at
            t[#t + 1] = '<li><a href="'
                .. post_path(p.slug, at, p.info_code) .. '">'
                .. html(p.title) .. '</a> <time datetime="' .. html(at)
                .. '">' .. html(at:sub(1, 10)) .. '</time>'
                .. (p.summary ~= "" and "<p>" .. html(p.summary) .. "</p>"
                    or "")
                .. "</li>\n"
        end
        t[#t + 1] = "</ul>"
        list = table.concat(t)
    end

    local vars = {
        title = html(cat_name(cat)),
        description = html(cat.description),
        canonical_url = html(canonical),
        page = tostring(page),
        breadcrumb = nav,
        breadcrumb_jsonld = ld,
        nav = sects,
        subcategories = sub,
        posts = list,
        pager = pager(slug, page, pages, #posts > PAGE_SIZE),
        home_url = "/",
        -- the category's own feeds, which the module serves beside it
        page_feeds = '<link rel="alternate" type="application/rss+xml" '
            .. 'href="/category/' .. slug .. '.xml">\n'
            .. '<link rel="alternate" type="application/atom+xml" '
            .. 'href="/category/' .. slug .. '.atom">\n',
    }

    meta(vars, base)

    return send("category", vars, nil)
end

return _M
