-- Schedule a post: published at :published_at ("YYYY-MM-DD HH:MM:SS+HH:MM"),
-- 404 until then, then live by itself with no further edit.  A time
-- already past publishes it now, dated then.
--
-- sqlite3 news.db -cmd ".parameter set :code \"'NW...'\"" \
--     -cmd ".parameter set :published_at \"'2024-10-15 08:00:00+08:00'\"" \
--     < sql/admin/schedule.sql

.bail on
BEGIN IMMEDIATE;

UPDATE posts SET status = 'published', published_at = :published_at
    WHERE info_code = :code;

SELECT changes() AS rows_changed;

COMMIT;
