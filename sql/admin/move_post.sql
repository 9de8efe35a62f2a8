-- Move a post to another category; its old URL answers 301 to the new one.
--
-- sqlite3 news.db -cmd ".parameter set :code \"'NW...'\"" \
--     -cmd ".parameter set :category \"'finance'\"" \
--     < sql/admin/move_post.sql

.bail on
BEGIN IMMEDIATE;

UPDATE posts
    SET category_id = (SELECT id FROM categories WHERE slug = :category)
    WHERE info_code = :code;

SELECT changes() AS rows_changed;

COMMIT;
