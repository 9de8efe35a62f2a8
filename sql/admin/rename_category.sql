-- Rename a category: its display name in pages and breadcrumbs.
--
-- sqlite3 news.db -cmd ".parameter set :slug \"'sports'\"" \
--     -cmd ".parameter set :name \"'体育新闻'\"" \
--     < sql/admin/rename_category.sql

.bail on
BEGIN IMMEDIATE;

UPDATE categories SET name = :name WHERE slug = :slug;

SELECT changes() AS rows_changed;

COMMIT;
