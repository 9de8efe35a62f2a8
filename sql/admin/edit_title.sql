-- Edit a post's title; the page, lists and breadcrumbs follow.
--
-- sqlite3 news.db -cmd ".parameter set :code \"'NW...'\"" \
--     -cmd ".parameter set :title \"'...'\"" \
--     < sql/admin/edit_title.sql

.bail on
BEGIN IMMEDIATE;

UPDATE posts SET title = :title WHERE info_code = :code;

SELECT changes() AS rows_changed;

COMMIT;
