-- Schema version 3 to 4: a post's lead image and author, a category's
-- description, for share previews, og:image and NewsArticle JSON-LD.
-- The statements are sql/schema.sql's own, so that a migrated file and a
-- new one store the same table definitions.

ALTER TABLE posts ADD COLUMN image_url TEXT NOT NULL DEFAULT ''
    CHECK (image_url = '' OR ((image_url GLOB 'http://?*'
                               OR image_url GLOB 'https://?*'
                               OR image_url GLOB '/?*')
                              AND image_url NOT GLOB '*[ "<>\]*'
                              AND length(image_url) <= 2048));
ALTER TABLE posts ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE categories ADD COLUMN description TEXT NOT NULL DEFAULT '';

PRAGMA user_version = 4;
