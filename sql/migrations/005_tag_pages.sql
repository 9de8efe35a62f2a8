-- Schema version 4 to 5: tag pages, /tag/<name>.html, list a tag's posts
-- newest first from an index alone, as category pages do: tag_listing,
-- kept by triggers from post_tags and posts, filled here from them.
-- post_tags is as it was.  The statements are sql/schema.sql's own, so
-- that a migrated file and a new one store the same definitions.

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

INSERT OR REPLACE INTO tag_listing (tag_id, published_ts, post_id)
    SELECT pt.tag_id, p.published_ts, p.id
        FROM post_tags pt JOIN posts p ON p.id = pt.post_id
        WHERE p.status = 'published' AND p.published_ts IS NOT NULL;

PRAGMA user_version = 5;
