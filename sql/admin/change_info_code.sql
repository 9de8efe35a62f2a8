-- Give a post a new infoCode.  The old code is kept in info_code_redirects
-- by a trigger: old share links and article URLs answer 301.
--
-- sqlite3 news.db -cmd ".parameter set :code \"'NW...'\"" \
--     -cmd ".parameter set :new_code \"'NW...'\"" \
--     < sql/admin/change_info_code.sql

.bail on
BEGIN IMMEDIATE;

UPDATE posts SET info_code = :new_code WHERE info_code = :code;

SELECT changes() AS rows_changed;

COMMIT;
