-- Schema version 8 to 9: a post a REPLACE removes is in the change log,
-- as a deleted one is (its DELETE triggers do not fire).  The statements
-- are sql/schema.sql's own.

-- INSERT OR REPLACE, REPLACE and UPDATE OR REPLACE remove the rows in the
-- way without their DELETE triggers (recursive_triggers is off): those
-- rows are logged here first, before they go
CREATE TRIGGER posts_replaced BEFORE INSERT ON posts
BEGIN
    INSERT INTO change_log (what, a, b, code)
        SELECT 'post', id, category_id, info_code FROM posts
            WHERE id = NEW.id OR info_code = NEW.info_code;
END;

CREATE TRIGGER posts_replaced_by_update BEFORE UPDATE OF id, info_code
    ON posts
BEGIN
    INSERT INTO change_log (what, a, b, code)
        SELECT 'post', id, category_id, info_code FROM posts
            WHERE (id = NEW.id OR info_code = NEW.info_code)
              AND id <> OLD.id;
END;

PRAGMA user_version = 9;
