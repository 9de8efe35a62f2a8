-- Publish a post: it is served from the next request on.
--
-- sqlite3 news.db -cmd ".parameter set :code \"'NW...'\"" \
--     < sql/admin/publish.sql

.bail on
BEGIN IMMEDIATE;

UPDATE posts SET status = 'published' WHERE info_code = :code;

SELECT changes() AS rows_changed;

COMMIT;
