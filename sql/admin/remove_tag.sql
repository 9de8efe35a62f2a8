-- Take a tag off a post; the tag itself stays for its other posts.
--
-- sqlite3 news.db -cmd ".parameter set :code \"'NW...'\"" \
--     -cmd ".parameter set :tag \"'数字金融'\"" \
--     < sql/admin/remove_tag.sql

.bail on
BEGIN IMMEDIATE;

DELETE FROM post_tags
    WHERE post_id = (SELECT id FROM posts WHERE info_code = :code)
      AND tag_id = (SELECT id FROM tags WHERE name = trim(:tag));

SELECT changes() AS rows_changed;

COMMIT;
