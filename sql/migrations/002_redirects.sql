-- Schema version 1 to 2: old URLs keep working.
--
-- Links to a news article live forever.  When an admin changes a post's
-- info_code or a category's slug, the old one is remembered here, and the
-- module answers old share links, article URLs and category pages with a
-- 301 to the current ones.  The triggers fill these tables; an admin may
-- also add rows by hand (e.g. for codes of posts imported under another
-- code).

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

PRAGMA user_version = 2;
