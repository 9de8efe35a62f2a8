-- ngx_news_module content database, schema version 9.
--
-- These tables and columns are the admin's interface: edit them with plain
-- SQL in "sqlite3 news.db".  The constraints and triggers below reject, at
-- write time, the edits that would break the site.  nginx opens this file
-- read-only; an edit shows on the next request.
--
-- Times are text SQLite understands: "YYYY-MM-DD HH:MM:SS+HH:MM".
-- published_at keeps the offset the post was written in (the article URL
-- uses the date in that offset); updated_at is UTC and kept by a trigger.

PRAGMA user_version = 9;

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

-- Schema version 4: what a share preview and Google News show.  image_url
-- is the post's lead image (og:image), absolute or a path on the site;
-- author its byline; a category's description its pages' description.
-- Added as migration 004 adds them, so that a new file and a migrated one
-- are the same, as "newsctl check" compares them.
ALTER TABLE posts ADD COLUMN image_url TEXT NOT NULL DEFAULT ''
    CHECK (image_url = '' OR ((image_url GLOB 'http://?*'
                               OR image_url GLOB 'https://?*'
                               OR image_url GLOB '/?*')
                              AND image_url NOT GLOB '*[ "<>\]*'
                              AND length(image_url) <= 2048));
ALTER TABLE posts ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE categories ADD COLUMN description TEXT NOT NULL DEFAULT '';

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

-- Schema version 5: tag pages (/tag/<name>.html) list a tag's posts newest
-- first from an index alone, as category pages do.  tag_listing is that
-- index: a row for each tag of each published post (a scheduled one too),
-- kept by the triggers below from post_tags and posts.  Never write it:
-- tag a post in post_tags, as before.
CREATE TABLE tag_listing (
    tag_id        INTEGER NOT NULL,
    published_ts  INTEGER NOT NULL,
    post_id       INTEGER NOT NULL,
    PRIMARY KEY (tag_id, published_ts, post_id)
) WITHOUT ROWID;

CREATE INDEX tag_listing_by_post ON tag_listing (post_id);

CREATE TRIGGER post_tags_listed AFTER INSERT ON post_tags
BEGIN
    INSERT OR REPLACE INTO tag_listing (tag_id, published_ts, post_id)
        SELECT NEW.tag_id, p.published_ts, p.id FROM posts p
            WHERE p.id = NEW.post_id AND p.status = 'published'
              AND p.published_ts IS NOT NULL;
END;

CREATE TRIGGER post_tags_unlisted AFTER DELETE ON post_tags
BEGIN
    DELETE FROM tag_listing
        WHERE post_id = OLD.post_id AND tag_id = OLD.tag_id;
END;

CREATE TRIGGER post_tags_relisted AFTER UPDATE ON post_tags
BEGIN
    DELETE FROM tag_listing
        WHERE post_id = OLD.post_id AND tag_id = OLD.tag_id;
    INSERT OR REPLACE INTO tag_listing (tag_id, published_ts, post_id)
        SELECT NEW.tag_id, p.published_ts, p.id FROM posts p
            WHERE p.id = NEW.post_id AND p.status = 'published'
              AND p.published_ts IS NOT NULL;
END;

CREATE TRIGGER posts_relisted AFTER UPDATE OF id, published_at, status
    ON posts
BEGIN
    DELETE FROM tag_listing WHERE post_id = OLD.id;
    INSERT OR REPLACE INTO tag_listing (tag_id, published_ts, post_id)
        SELECT pt.tag_id, NEW.published_ts, NEW.id FROM post_tags pt
            WHERE pt.post_id = NEW.id AND NEW.status = 'published'
              AND NEW.published_ts IS NOT NULL;
END;

CREATE TRIGGER posts_unlisted AFTER DELETE ON posts
BEGIN
    DELETE FROM tag_listing WHERE post_id = OLD.id;
END;

-- Schema version 6: a category page lists the posts of the category and
-- of all its descendants (news_category_descendants), newest first, from
-- an index alone.  category_listing is that index: a row for each
-- published post (a scheduled one too) under its own category and under
-- each of that category's ancestors, kept by the triggers below from
-- posts and categories.  Never write it: move a post or a category as
-- before.  The walks up and down the tree are UNIONs: they end on a cycle.
CREATE TABLE category_listing (
    category_id   INTEGER NOT NULL,
    published_ts  INTEGER NOT NULL,
    post_id       INTEGER NOT NULL,
    PRIMARY KEY (category_id, published_ts, post_id)
) WITHOUT ROWID;

CREATE INDEX category_listing_by_post ON category_listing (post_id);

CREATE TRIGGER posts_filed AFTER INSERT ON posts
    WHEN NEW.status = 'published' AND NEW.published_ts IS NOT NULL
BEGIN
    INSERT OR REPLACE INTO category_listing
        (category_id, published_ts, post_id)
        SELECT id, NEW.published_ts, NEW.id FROM (
            WITH RECURSIVE up (id) AS (
                SELECT NEW.category_id
                UNION
                SELECT c.parent_id FROM categories c JOIN up ON c.id = up.id
                    WHERE c.parent_id IS NOT NULL)
            SELECT id FROM up);
END;

CREATE TRIGGER posts_refiled
    AFTER UPDATE OF id, category_id, published_at, status ON posts
BEGIN
    DELETE FROM category_listing WHERE post_id = OLD.id;
    INSERT OR REPLACE INTO category_listing
        (category_id, published_ts, post_id)
        SELECT id, NEW.published_ts, NEW.id FROM (
            WITH RECURSIVE up (id) AS (
                SELECT NEW.category_id
                UNION
                SELECT c.parent_id FROM categories c JOIN up ON c.id = up.id
                    WHERE c.parent_id IS NOT NULL)
            SELECT id FROM up)
        WHERE NEW.status = 'published' AND NEW.published_ts IS NOT NULL;
END;

CREATE TRIGGER posts_unfiled AFTER DELETE ON posts
BEGIN
    DELETE FROM category_listing WHERE post_id = OLD.id;
END;

-- a category moved: the posts of its subtree filed anew
CREATE TRIGGER categories_refiled AFTER UPDATE OF parent_id ON categories
BEGIN
    DELETE FROM category_listing WHERE post_id IN (
        SELECT p.id FROM posts p WHERE p.category_id IN (
            WITH RECURSIVE down (id) AS (
                SELECT NEW.id
                UNION
                SELECT c.id FROM categories c JOIN down
                    ON c.parent_id = down.id)
            SELECT id FROM down));
    INSERT OR REPLACE INTO category_listing
        (category_id, published_ts, post_id)
        SELECT a.anc, p.published_ts, p.id FROM posts p JOIN (
            WITH RECURSIVE down (id) AS (
                SELECT NEW.id
                UNION
                SELECT c.id FROM categories c JOIN down
                    ON c.parent_id = down.id),
            pairs (cat, anc) AS (
                SELECT id, id FROM down
                UNION
                SELECT pairs.cat, c.parent_id FROM pairs
                    JOIN categories c ON c.id = pairs.anc
                    WHERE c.parent_id IS NOT NULL)
            SELECT cat, anc FROM pairs) a ON a.cat = p.category_id
        WHERE p.status = 'published' AND p.published_ts IS NOT NULL;
END;

-- Schema version 7: a sitemap gives each category and tag page the
-- newest updated_at of its posts, found by one search of an index rather
-- than by reading every post listed.  The listings carry each post's
-- updated_at as an instant, stamped by these triggers when a row is filed
-- and when the post is edited.  Never write it either.
ALTER TABLE tag_listing ADD COLUMN updated_ts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE category_listing ADD COLUMN updated_ts INTEGER NOT NULL
    DEFAULT 0;

CREATE INDEX tag_listing_by_update
    ON tag_listing (tag_id, updated_ts DESC, published_ts);
CREATE INDEX category_listing_by_update
    ON category_listing (category_id, updated_ts DESC, published_ts);

CREATE TRIGGER tag_listing_stamped AFTER INSERT ON tag_listing
BEGIN
    UPDATE tag_listing SET updated_ts = coalesce(
            (SELECT unixepoch(p.updated_at) FROM posts p
                WHERE p.id = NEW.post_id), 0)
        WHERE tag_id = NEW.tag_id AND published_ts = NEW.published_ts
          AND post_id = NEW.post_id;
END;

CREATE TRIGGER category_listing_stamped AFTER INSERT ON category_listing
BEGIN
    UPDATE category_listing SET updated_ts = coalesce(
            (SELECT unixepoch(p.updated_at) FROM posts p
                WHERE p.id = NEW.post_id), 0)
        WHERE category_id = NEW.category_id
          AND published_ts = NEW.published_ts AND post_id = NEW.post_id;
END;

CREATE TRIGGER posts_listing_touched AFTER UPDATE OF updated_at ON posts
BEGIN
    UPDATE tag_listing SET updated_ts = coalesce(unixepoch(NEW.updated_at), 0)
        WHERE post_id = NEW.id;
    UPDATE category_listing
        SET updated_ts = coalesce(unixepoch(NEW.updated_at), 0)
        WHERE post_id = NEW.id;
END;

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
-- to draw breadcrumbs.  The walk up from the new parent is a UNION, which
-- stops at a category it has seen: it needs no depth bound, so a cycle of
-- any length is refused, and it ends on a cycle that got in some other way.
-- A plain insert makes a new row no one points to yet; only one that
-- replaces a row (INSERT OR REPLACE, an upsert) can close a cycle.
CREATE TRIGGER categories_no_cycle_insert BEFORE INSERT ON categories
    WHEN NEW.parent_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a category cannot be its own ancestor')
        WHERE EXISTS (SELECT 1 FROM categories WHERE id = NEW.id)
          AND EXISTS (
            WITH RECURSIVE up (id) AS (
                SELECT NEW.parent_id
                UNION
                SELECT c.parent_id
                    FROM categories c JOIN up ON c.id = up.id
                    WHERE c.parent_id IS NOT NULL
            )
            SELECT 1 FROM up WHERE id = NEW.id
        );
    SELECT RAISE(ABORT, 'parent category does not exist')
        WHERE NOT EXISTS (SELECT 1 FROM categories WHERE id = NEW.parent_id);
END;

CREATE TRIGGER categories_no_cycle_update BEFORE UPDATE OF parent_id
    ON categories
    WHEN NEW.parent_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a category cannot be its own ancestor')
        WHERE EXISTS (
            WITH RECURSIVE up (id) AS (
                SELECT NEW.parent_id
                UNION
                SELECT c.parent_id
                    FROM categories c JOIN up ON c.id = up.id
                    WHERE c.parent_id IS NOT NULL
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

-- Old URLs keep working: when an admin changes a post's info_code or a
-- category's slug, the old one is remembered and answered with a 301.

CREATE TABLE info_code_redirects (
    old_info_code  TEXT PRIMARY KEY
                   CHECK (length(old_info_code) BETWEEN 1 AND 64),
    post_id        INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX info_code_redirects_by_post ON info_code_redirects (post_id);

CREATE TABLE category_redirects (
    old_slug     TEXT PRIMARY KEY CHECK (length(old_slug) BETWEEN 1 AND 64),
    category_id  INTEGER NOT NULL REFERENCES categories (id)
                 ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX category_redirects_by_category
    ON category_redirects (category_id);

CREATE TRIGGER posts_info_code_moved AFTER UPDATE OF info_code ON posts
    WHEN NEW.info_code IS NOT OLD.info_code
BEGIN
    INSERT OR REPLACE INTO info_code_redirects (old_info_code, post_id)
        VALUES (OLD.info_code, NEW.id);
    DELETE FROM info_code_redirects WHERE old_info_code = NEW.info_code;
END;

-- a code in use is a post's own, never a redirect
CREATE TRIGGER posts_info_code_taken AFTER INSERT ON posts
BEGIN
    DELETE FROM info_code_redirects WHERE old_info_code = NEW.info_code;
END;

CREATE TRIGGER categories_slug_moved AFTER UPDATE OF slug ON categories
    WHEN NEW.slug IS NOT OLD.slug
BEGIN
    INSERT OR REPLACE INTO category_redirects (old_slug, category_id)
        VALUES (OLD.slug, NEW.id);
    DELETE FROM category_redirects WHERE old_slug = NEW.slug;
END;

CREATE TRIGGER categories_slug_taken AFTER INSERT ON categories
BEGIN
    DELETE FROM category_redirects WHERE old_slug = NEW.slug;
END;

-- rows without a target, left by a session with foreign_keys off
CREATE TRIGGER posts_deleted_redirects AFTER DELETE ON posts
BEGIN
    DELETE FROM info_code_redirects WHERE post_id = OLD.id;
END;

CREATE TRIGGER categories_deleted_redirects AFTER DELETE ON categories
BEGIN
    DELETE FROM category_redirects WHERE category_id = OLD.id;
END;

-- What each commit changed, for nginx's render cache: a worker that sees
-- the file change reads the rows past the last it saw and forgets only
-- the pages made of what they name, instead of every page.  Kept by the
-- triggers below, whatever writes the file; the newest 10,000 rows are
-- kept (a worker that fell further behind forgets every page).
--   what 'post'      a post's row as it was or is now: a its id, b its
--                    category, code its info_code
--   what 'post_tag'  a post's tag: a the post, b the tag
--   what 'code'      an old info_code (info_code_redirects): code
--   what 'all'       a category, a tag or an old slug: every page
CREATE TABLE change_log (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    what  TEXT NOT NULL CHECK (what IN ('post', 'post_tag', 'code', 'all')),
    a     INTEGER,
    b     INTEGER,
    code  TEXT
);

CREATE TRIGGER change_log_pruned AFTER INSERT ON change_log
BEGIN
    DELETE FROM change_log WHERE id <= NEW.id - 10000;
END;

CREATE TRIGGER posts_logged AFTER INSERT ON posts
BEGIN
    INSERT INTO change_log (what, a, b, code)
        VALUES ('post', NEW.id, NEW.category_id, NEW.info_code);
END;

CREATE TRIGGER posts_relogged AFTER UPDATE ON posts
BEGIN
    INSERT INTO change_log (what, a, b, code)
        VALUES ('post', OLD.id, OLD.category_id, OLD.info_code),
               ('post', NEW.id, NEW.category_id, NEW.info_code);
END;

CREATE TRIGGER posts_unlogged AFTER DELETE ON posts
BEGIN
    INSERT INTO change_log (what, a, b, code)
        VALUES ('post', OLD.id, OLD.category_id, OLD.info_code);
END;

CREATE TRIGGER post_tags_logged AFTER INSERT ON post_tags
BEGIN
    INSERT INTO change_log (what, a, b)
        VALUES ('post_tag', NEW.post_id, NEW.tag_id);
END;

CREATE TRIGGER post_tags_relogged AFTER UPDATE ON post_tags
BEGIN
    INSERT INTO change_log (what, a, b)
        VALUES ('post_tag', OLD.post_id, OLD.tag_id),
               ('post_tag', NEW.post_id, NEW.tag_id);
END;

CREATE TRIGGER post_tags_unlogged AFTER DELETE ON post_tags
BEGIN
    INSERT INTO change_log (what, a, b)
        VALUES ('post_tag', OLD.post_id, OLD.tag_id);
END;

CREATE TRIGGER info_code_redirects_logged AFTER INSERT ON info_code_redirects
BEGIN
    INSERT INTO change_log (what, code) VALUES ('code', NEW.old_info_code);
END;

CREATE TRIGGER info_code_redirects_relogged
    AFTER UPDATE ON info_code_redirects
BEGIN
    INSERT INTO change_log (what, code)
        VALUES ('code', OLD.old_info_code), ('code', NEW.old_info_code);
END;

CREATE TRIGGER info_code_redirects_unlogged
    AFTER DELETE ON info_code_redirects
BEGIN
    INSERT INTO change_log (what, code) VALUES ('code', OLD.old_info_code);
END;

-- a category's name or place shows on pages of every kind, a tag's name
-- on each of its posts' pages: rare edits, and every page goes
CREATE TRIGGER categories_logged AFTER INSERT ON categories
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER categories_relogged AFTER UPDATE ON categories
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER categories_unlogged AFTER DELETE ON categories
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER tags_logged AFTER INSERT ON tags
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER tags_relogged AFTER UPDATE ON tags
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER tags_unlogged AFTER DELETE ON tags
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER category_redirects_logged AFTER INSERT ON category_redirects
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER category_redirects_relogged
    AFTER UPDATE ON category_redirects
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER category_redirects_unlogged
    AFTER DELETE ON category_redirects
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

-- INSERT OR REPLACE, REPLACE and UPDATE OR REPLACE remove the rows in the
-- way without their DELETE triggers (recursive_triggers is off): those
-- rows are logged here first, before they go
CREATE TRIGGER posts_replaced BEFORE INSERT ON posts
BEGIN
    INSERT INTO change_log (what, a, b, code)
        SELECT 'post', id, category_id, info_code FROM posts
            WHERE id = NEW.id OR info_code = NEW.info_code;
END;

CREATE TRIGGER posts_replaced_by_update BEFORE UPDATE OF id, info_code
    ON posts
BEGIN
    INSERT INTO change_log (what, a, b, code)
        SELECT 'post', id, category_id, info_code FROM posts
            WHERE (id = NEW.id OR info_code = NEW.info_code)
              AND id <> OLD.id;
END;
