-- Set a post's lead image, shown at the top of the article and in share
-- previews (og:image): an http(s) URL, or a path on the site such as
-- /images/a.jpg; '' removes it.
--
-- sqlite3 news.db -cmd ".parameter set :code \"'NW...'\"" \
--     -cmd ".parameter set :image \"'/images/a.jpg'\"" \
--     < sql/admin/set_image.sql

.bail on
BEGIN IMMEDIATE;

UPDATE posts SET image_url = :image WHERE info_code = :code;

SELECT changes() AS rows_changed;

COMMIT;
