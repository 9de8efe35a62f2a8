-- Move a category under another (:parent a slug, or NULL for top level).
-- A move that would make it its own ancestor is refused.
--
-- sqlite3 news.db -cmd ".parameter set :slug \"'asia'\"" \
--     -cmd ".parameter set :parent \"'world'\"" \
--     < sql/admin/move_category.sql

.bail on
BEGIN IMMEDIATE;

UPDATE categories
    SET parent_id = (SELECT id FROM categories WHERE slug = :parent)
    WHERE slug = :slug;

SELECT changes() AS rows_changed;

COMMIT;
