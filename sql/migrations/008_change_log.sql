-- Schema version 7 to 8: the change log, from which nginx's render cache
-- learns which pages a commit touched.  The statements are
-- sql/schema.sql's own, so that a migrated file and a new one store the
-- same definitions.  Rows are logged from the next commit on: a worker
-- that opened the file before forgets every page once, as before.

-- What each commit changed, for nginx's render cache: a worker that sees
-- the file change reads the rows past the last it saw and forgets only
-- the pages made of what they name, instead of every page.  Kept by the
-- triggers below, whatever writes the file; the newest 10,000 rows are
-- kept (a worker that fell further behind forgets every page).
--   what 'post'      a post's row as it was or is now: a its id, b its
--                    category, code its info_code
--   what 'post_tag'  a post's tag: a the post, b the tag
--   what 'code'      an old info_code (info_code_redirects): code
--   what 'all'       a category, a tag or an old slug: every page
CREATE TABLE change_log (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    what  TEXT NOT NULL CHECK (what IN ('post', 'post_tag', 'code', 'all')),
    a     INTEGER,
    b     INTEGER,
    code  TEXT
);

CREATE TRIGGER change_log_pruned AFTER INSERT ON change_log
BEGIN
    DELETE FROM change_log WHERE id <= NEW.id - 10000;
END;

CREATE TRIGGER posts_logged AFTER INSERT ON posts
BEGIN
    INSERT INTO change_log (what, a, b, code)
        VALUES ('post', NEW.id, NEW.category_id, NEW.info_code);
END;

CREATE TRIGGER posts_relogged AFTER UPDATE ON posts
BEGIN
    INSERT INTO change_log (what, a, b, code)
        VALUES ('post', OLD.id, OLD.category_id, OLD.info_code),
               ('post', NEW.id, NEW.category_id, NEW.info_code);
END;

CREATE TRIGGER posts_unlogged AFTER DELETE ON posts
BEGIN
    INSERT INTO change_log (what, a, b, code)
        VALUES ('post', OLD.id, OLD.category_id, OLD.info_code);
END;

CREATE TRIGGER post_tags_logged AFTER INSERT ON post_tags
BEGIN
    INSERT INTO change_log (what, a, b)
        VALUES ('post_tag', NEW.post_id, NEW.tag_id);
END;

CREATE TRIGGER post_tags_relogged AFTER UPDATE ON post_tags
BEGIN
    INSERT INTO change_log (what, a, b)
        VALUES ('post_tag', OLD.post_id, OLD.tag_id),
               ('post_tag', NEW.post_id, NEW.tag_id);
END;

CREATE TRIGGER post_tags_unlogged AFTER DELETE ON post_tags
BEGIN
    INSERT INTO change_log (what, a, b)
        VALUES ('post_tag', OLD.post_id, OLD.tag_id);
END;

CREATE TRIGGER info_code_redirects_logged AFTER INSERT ON info_code_redirects
BEGIN
    INSERT INTO change_log (what, code) VALUES ('code', NEW.old_info_code);
END;

CREATE TRIGGER info_code_redirects_relogged
    AFTER UPDATE ON info_code_redirects
BEGIN
    INSERT INTO change_log (what, code)
        VALUES ('code', OLD.old_info_code), ('code', NEW.old_info_code);
END;

CREATE TRIGGER info_code_redirects_unlogged
    AFTER DELETE ON info_code_redirects
BEGIN
    INSERT INTO change_log (what, code) VALUES ('code', OLD.old_info_code);
END;

-- a category's name or place shows on pages of every kind, a tag's name
-- on each of its posts' pages: rare edits, and every page goes
CREATE TRIGGER categories_logged AFTER INSERT ON categories
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER categories_relogged AFTER UPDATE ON categories
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER categories_unlogged AFTER DELETE ON categories
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER tags_logged AFTER INSERT ON tags
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER tags_relogged AFTER UPDATE ON tags
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER tags_unlogged AFTER DELETE ON tags
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER category_redirects_logged AFTER INSERT ON category_redirects
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER category_redirects_relogged
    AFTER UPDATE ON category_redirects
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

CREATE TRIGGER category_redirects_unlogged
    AFTER DELETE ON category_redirects
BEGIN
    INSERT INTO change_log (what) VALUES ('all');
END;

PRAGMA user_version = 8;
