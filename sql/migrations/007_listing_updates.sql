-- Schema version 6 to 7: the listings carry each post's updated_at as an
-- instant, so that a sitemap finds a list's newest by one index search;
-- the rows there are stamped here.  The statements are sql/schema.sql's
-- own, so that a migrated file and a new one store the same definitions.

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

UPDATE tag_listing SET updated_ts = coalesce(
        (SELECT unixepoch(p.updated_at) FROM posts p WHERE p.id = post_id), 0);
UPDATE category_listing SET updated_ts = coalesce(
        (SELECT unixepoch(p.updated_at) FROM posts p WHERE p.id = post_id), 0);

PRAGMA user_version = 7;
