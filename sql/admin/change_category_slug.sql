-- Change a category's slug (its URL name).  The old slug is kept in
-- category_redirects: /category/<old>.html answers 301, and its posts'
-- old article URLs too.
--
-- sqlite3 news.db -cmd ".parameter set :slug \"'sports'\"" \
--     -cmd ".parameter set :new_slug \"'sport'\"" \
--     < sql/admin/change_category_slug.sql

.bail on
BEGIN IMMEDIATE;

UPDATE categories SET slug = :new_slug WHERE slug = :slug;

SELECT changes() AS rows_changed;

COMMIT;
