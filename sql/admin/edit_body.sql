-- Replace a post's body with the HTML in a file (trusted: it goes out as is).
--
-- sqlite3 news.db -cmd ".parameter set :code \"'NW...'\"" \
--     -cmd ".parameter set :file \"'body.html'\"" \
--     < sql/admin/edit_body.sql

.bail on
BEGIN IMMEDIATE;

-- readfile() is the sqlite3 shell's; a missing file gives NULL, which the
-- schema refuses.
UPDATE posts SET body_html = CAST(readfile(:file) AS TEXT)
    WHERE info_code = :code;

SELECT changes() AS rows_changed;

COMMIT;
