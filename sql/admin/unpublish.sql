-- Unpublish a post: back to a draft, answered 404 until published again.
--
-- sqlite3 news.db -cmd ".parameter set :code \"'NW...'\"" \
--     < sql/admin/unpublish.sql

.bail on
BEGIN IMMEDIATE;

UPDATE posts SET status = 'draft' WHERE info_code = :code;

SELECT changes() AS rows_changed;

COMMIT;
