-- Set a post's author (its byline and the NewsArticle author); '' removes
-- it, and the site is named as the author.
--
-- sqlite3 news.db -cmd ".parameter set :code \"'NW...'\"" \
--     -cmd ".parameter set :author \"'新华社记者 王明'\"" \
--     < sql/admin/set_author.sql

.bail on
BEGIN IMMEDIATE;

UPDATE posts SET author = :author WHERE info_code = :code;

SELECT changes() AS rows_changed;

COMMIT;
