-- Schema version 2 to 3: a category cycle of any length is refused.
--
-- Version 2's trigger walked up parent_id 64 levels at most, so a longer
-- cycle got in.  The walk is now a UNION, which stops at a category it has
-- seen, so it needs no bound.  An insert that replaces a row (INSERT OR
-- REPLACE, an upsert) is walked too: it can close a cycle as an update can.

DROP TRIGGER categories_no_cycle_insert;
DROP TRIGGER categories_no_cycle_update;

CREATE TRIGGER categories_no_cycle_insert BEFORE INSERT ON categories
    WHEN NEW.parent_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a category cannot be its own ancestor')
        WHERE EXISTS (SELECT 1 FROM categories WHERE id = NEW.id)
          AND EXISTS (
            WITH RECURSIVE up (id) AS (
                SELECT NEW.parent_id
                UNION
                SELECT c.parent_id
                    FROM categories c JOIN up ON c.id = up.id
                    WHERE c.parent_id IS NOT NULL
            )
            SELECT 1 FROM up WHERE id = NEW.id
        );
    SELECT RAISE(ABORT, 'parent category does not exist')
        WHERE NOT EXISTS (SELECT 1 FROM categories WHERE id = NEW.parent_id);
END;

CREATE TRIGGER categories_no_cycle_update BEFORE UPDATE OF parent_id
    ON categories
    WHEN NEW.parent_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a category cannot be its own ancestor')
        WHERE EXISTS (
            WITH RECURSIVE up (id) AS (
                SELECT NEW.parent_id
                UNION
                SELECT c.parent_id
                    FROM categories c JOIN up ON c.id = up.id
                    WHERE c.parent_id IS NOT NULL
            )
            SELECT 1 FROM up WHERE id = NEW.id
        );
    SELECT RAISE(ABORT, 'parent category does not exist')
        WHERE NOT EXISTS (SELECT 1 FROM categories WHERE id = NEW.parent_id);
END;

PRAGMA user_version = 3;
