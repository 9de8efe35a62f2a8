-- Tag a post, making the tag if it is new.  Prints 1, or 0 when the post
-- already had the tag or there is no such post.
--
-- sqlite3 news.db -cmd ".parameter set :code \"'NW...'\"" \
--     -cmd ".parameter set :tag \"'数字金融'\"" \
--     < sql/admin/add_tag.sql

.bail on
BEGIN IMMEDIATE;

INSERT OR IGNORE INTO tags (name) VALUES (trim(:tag));

INSERT OR IGNORE INTO post_tags (post_id, tag_id)
    SELECT p.id, t.id FROM posts p, tags t
    WHERE p.info_code = :code AND t.name = trim(:tag);

SELECT changes() AS rows_changed;

COMMIT;
