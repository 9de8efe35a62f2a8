-- Add a post with a fresh infoCode in the house format: NW, the date of
-- publication (yyyymmdd, in its own offset), ten random digits; a draft
-- unless :status is 'published'.  Prints the code.  newsctl new runs this
-- file too.
--
-- sqlite3 news.db -cmd ".parameter set :category \"'finance'\"" \
--     -cmd ".parameter set :title \"'新的文章'\"" \
--     -cmd ".parameter set :body_file \"'body.html'\"" \
--     -cmd ".parameter set :published_at \"'2024-10-15 08:50:00+08:00'\"" \
--     -cmd ".parameter set :status \"'draft'\"" \
--     < sql/admin/add_post.sql
--
-- :body_file, :published_at (default: now, UTC) and :status may be left
-- out; a missing category leaves category_id NULL, which the schema
-- refuses.

.bail on
BEGIN IMMEDIATE;

CREATE TEMP TABLE new_post AS SELECT
    coalesce(:published_at, strftime('%Y-%m-%d %H:%M:%S+00:00', 'now'))
        AS published_at,
    coalesce(:status, 'draft') AS status,
    (SELECT id FROM categories WHERE slug = :category) AS category_id,
    CASE WHEN :body_file IS NULL THEN ''
         ELSE CAST(readfile(:body_file) AS TEXT) END AS body_html;

-- twenty candidates, the first one no post has: a clash of ten random
-- digits on one day is already rare
INSERT INTO posts (info_code, title, published_at, category_id, body_html,
                   status)
    SELECT (WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL
                                     SELECT i + 1 FROM n WHERE i < 20)
            SELECT c FROM (SELECT 'NW' || substr(published_at, 1, 4)
                                  || substr(published_at, 6, 2)
                                  || substr(published_at, 9, 2)
                                  || printf('%010d',
                                            (random() & 9223372036854775807)
                                            % 10000000000) AS c
                           FROM n)
            WHERE c NOT IN (SELECT info_code FROM posts) LIMIT 1),
           :title, published_at, category_id, body_html, status
    FROM new_post;

SELECT info_code FROM posts WHERE id = last_insert_rowid();

DROP TABLE temp.new_post;

COMMIT;
