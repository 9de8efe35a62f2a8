-- Delete a post: it stays in the table as 'deleted' and is answered 410,
-- so links to it say it is gone.  (DELETE FROM posts would make it 404.)
--
-- sqlite3 news.db -cmd ".parameter set :code \"'NW...'\"" \
--     < sql/admin/delete_post.sql

.bail on
BEGIN IMMEDIATE;

UPDATE posts SET status = 'deleted' WHERE info_code = :code;

SELECT changes() AS rows_changed;

COMMIT;
