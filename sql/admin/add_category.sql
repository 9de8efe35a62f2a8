-- Add a category; :parent is the parent's slug, or NULL for top level.
--
-- sqlite3 news.db -cmd ".parameter set :slug \"'sports'\"" \
--     -cmd ".parameter set :name \"'体育'\"" \
--     -cmd ".parameter set :parent NULL" \
--     < sql/admin/add_category.sql

.bail on
BEGIN IMMEDIATE;

INSERT INTO categories (slug, name, parent_id)
    VALUES (:slug, :name, (SELECT id FROM categories WHERE slug = :parent));

SELECT changes() AS rows_changed;

COMMIT;
