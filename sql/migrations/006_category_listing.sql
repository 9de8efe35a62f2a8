-- Schema version 5 to 6: a category page lists the posts of the category
-- and of all its descendants, newest first, from an index alone:
-- category_listing, kept by triggers, filled here from the posts there
-- are.  The statements are sql/schema.sql's own, so that a migrated file
-- and a new one store the same definitions.

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

INSERT OR REPLACE INTO category_listing (category_id, published_ts, post_id)
    SELECT a.anc, p.published_ts, p.id FROM posts p JOIN (
        WITH RECURSIVE pairs (cat, anc) AS (
            SELECT id, id FROM categories
            UNION
            SELECT pairs.cat, c.parent_id FROM pairs
                JOIN categories c ON c.id = pairs.anc
                WHERE c.parent_id IS NOT NULL)
        SELECT cat, anc FROM pairs) a ON a.cat = p.category_id
    WHERE p.status = 'published' AND p.published_ts IS NOT NULL;

PRAGMA user_version = 6;
