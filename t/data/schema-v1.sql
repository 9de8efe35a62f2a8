-- ngx_news_module content database, schema version 1.
--
-- These tables and columns are the admin's interface: edit them with plain
-- SQL in "sqlite3 news.db".  The constraints and triggers below reject, at
-- write time, the edits that would break the site.  nginx opens this file
-- read-only; an edit shows on the next request.
--
-- Times are text SQLite understands: "YYYY-MM-DD HH:MM:SS+HH:MM".
-- published_at keeps the offset the post was written in (the article URL
-- uses the date in that offset); updated_at is UTC and kept by a trigger.

PRAGMA user_version = 1;

-- Categories form a tree of any depth through parent_id (NULL: top level).
-- slug is the URL name: /category/<slug>.html and /<slug>/yyyy/mm/dd/...
CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE
                CHECK (length(slug) BETWEEN 1 AND 64
                       AND slug NOT GLOB '*[^a-z0-9_-]*'
                       AND slug <> 'category'),
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    parent_id   INTEGER REFERENCES categories (id) ON DELETE RESTRICT,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S+00:00')),
    CHECK (parent_id IS NULL OR parent_id <> id)
);

CREATE INDEX categories_by_parent ON categories (parent_id, name);

-- One row a post.  info_code is the key of share links
-- (/html_News/NewsShare.html?infoCode=...) and of article URLs; it must
-- match the module's default news_info_code_pattern ^[A-Z]{2}[0-9]{8,30}$.
-- status: 'published' is served, 'draft' is 404, 'deleted' is 410.
-- body_html is trusted HTML and goes out as stored; everything else is
-- escaped when rendered.
CREATE TABLE posts (
    id            INTEGER PRIMARY KEY,
    info_code     TEXT NOT NULL UNIQUE
                  CHECK (length(info_code) BETWEEN 10 AND 32
                         AND info_code GLOB '[A-Z][A-Z][0-9]*'
                         AND substr(info_code, 3) NOT GLOB '*[^0-9]*'),
    title         TEXT NOT NULL CHECK (length(trim(title)) > 0),
    published_at  TEXT NOT NULL
                  CHECK (published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-'
                         || '[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
                         || '[+-][0-9][0-9]:[0-9][0-9]'
                         AND unixepoch(published_at) IS NOT NULL),
    -- the instant of published_at, for ordering; derived, never written
    published_ts  INTEGER GENERATED ALWAYS AS (unixepoch(published_at))
                  STORED,
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S+00:00')),
    category_id   INTEGER NOT NULL REFERENCES categories (id)
                  ON DELETE RESTRICT,
    summary       TEXT NOT NULL DEFAULT '',
    body_html     TEXT NOT NULL DEFAULT '',
    source_name   TEXT NOT NULL DEFAULT '',
    source_url    TEXT NOT NULL DEFAULT ''
                  CHECK (source_url = '' OR source_url GLOB 'http://*'
                         OR source_url GLOB 'https://*'),
    status        TEXT NOT NULL DEFAULT 'published'
                  CHECK (status IN ('published', 'draft', 'deleted'))
);

-- category pages and the home page: newest first, read from the index alone
CREATE INDEX posts_by_category ON posts
    (category_id, status, published_ts DESC, id DESC);
CREATE INDEX posts_by_date ON posts (status, published_ts DESC, id DESC);

CREATE TABLE tags (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0)
);

CREATE TABLE post_tags (
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id   INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, tag_id)
) WITHOUT ROWID;

CREATE INDEX post_tags_by_tag ON post_tags (tag_id, post_id);

-- updated_at follows every edit: it drives Last-Modified.  An edit that sets
-- updated_at itself keeps the value it set.
CREATE TRIGGER posts_touch AFTER UPDATE ON posts
    WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE posts SET updated_at = strftime('%Y-%m-%d %H:%M:%S+00:00')
        WHERE id = NEW.id;
END;

CREATE TRIGGER categories_touch AFTER UPDATE ON categories
    WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE categories SET updated_at = strftime('%Y-%m-%d %H:%M:%S+00:00')
        WHERE id = NEW.id;
END;

-- a category must not become its own ancestor: the site walks parent_id
-- to draw breadcrumbs
CREATE TRIGGER categories_no_cycle_insert BEFORE INSERT ON categories
    WHEN NEW.parent_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'parent category does not exist')
        WHERE NOT EXISTS (SELECT 1 FROM categories WHERE id = NEW.parent_id);
END;

CREATE TRIGGER categories_no_cycle_update BEFORE UPDATE OF parent_id
    ON categories
    WHEN NEW.parent_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a category cannot be its own ancestor')
        WHERE EXISTS (
            WITH RECURSIVE up (id, depth) AS (
                SELECT NEW.parent_id, 0
                UNION ALL
                SELECT c.parent_id, up.depth + 1
                    FROM categories c JOIN up ON c.id = up.id
                    WHERE c.parent_id IS NOT NULL AND up.depth < 64
            )
            SELECT 1 FROM up WHERE id = NEW.id
        );
    SELECT RAISE(ABORT, 'parent category does not exist')
        WHERE NOT EXISTS (SELECT 1 FROM categories WHERE id = NEW.parent_id);
END;

-- the module checks foreign keys only when SQLite does; these keep a post's
-- category real even for a session with PRAGMA foreign_keys off
CREATE TRIGGER posts_category_insert BEFORE INSERT ON posts
BEGIN
    SELECT RAISE(ABORT, 'post category does not exist')
        WHERE NOT EXISTS (SELECT 1 FROM categories
                          WHERE id = NEW.category_id);
END;

CREATE TRIGGER posts_category_update BEFORE UPDATE OF category_id ON posts
BEGIN
    SELECT RAISE(ABORT, 'post category does not exist')
        WHERE NOT EXISTS (SELECT 1 FROM categories
                          WHERE id = NEW.category_id);
END;
