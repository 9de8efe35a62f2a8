-- bench/derive.sql: grows a benchmark database made by newsctl from
-- bench/gen.pl's posts to :n posts, inside SQLite, for the 100k and 1M
-- sets (importing a million files through newsctl takes the better part
-- of an hour; this takes minutes).
--
--   cp news-1000.db news-1000000.db
--   sqlite3 news-1000000.db -cmd '.parameter set :n 1000000' \
--       < bench/derive.sql
--
-- A new post k (k > the posts there are) is post ((k - 1) % base) + 1
-- again, with its body, summary, title, category, source and tags, but
-- with a new date (pseudo-random over 2015..2024, +08:00) and a new
-- infoCode: NW, the date, and 10 digits from the same bijection gen.pl
-- uses, so codes never collide.  Every row goes through the schema's
-- checks and triggers like any other insert.

-- a throwaway file: no journal, no fsync
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -524288;

BEGIN;

-- the posts there are, numbered from 0
CREATE TEMP TABLE base (
    k            INTEGER PRIMARY KEY,
    id           INTEGER NOT NULL,
    title        TEXT,
    category_id  INTEGER,
    summary      TEXT,
    body_html    TEXT,
    source_name  TEXT,
    source_url   TEXT
);

INSERT INTO base
    SELECT row_number() OVER (ORDER BY id) - 1, id, title, category_id,
           summary, body_html, source_name, source_url
        FROM posts;

CREATE TEMP TABLE grow AS
    SELECT (SELECT count(*) FROM base) AS nbase,
           (SELECT max(id) FROM posts) AS first;

WITH RECURSIVE k (n) AS (
    SELECT first + 1 FROM grow
    UNION ALL
    SELECT n + 1 FROM k WHERE n < :n
),
d (n, ts) AS (
    -- seconds since 2015-01-01 UTC, spread over ten years
    SELECT n, 1420070400 + (n * 1103515245 + 12345) % 315532800 FROM k
)
INSERT INTO posts (id, info_code, title, published_at, category_id,
                   summary, body_html, source_name, source_url)
    SELECT d.n,
           'NW' || strftime('%Y%m%d', d.ts, 'unixepoch', '+8 hours')
                || printf('%010d',
                          ((d.n - 1) * 2654435761 + 1234567) % 10000000000),
           b.title,
           strftime('%Y-%m-%d %H:%M:%S', d.ts, 'unixepoch', '+8 hours')
                || '+08:00',
           b.category_id, b.summary, b.body_html, b.source_name,
           b.source_url
        FROM d, grow
        JOIN base b ON b.k = (d.n - 1) % grow.nbase;

INSERT INTO post_tags (post_id, tag_id)
    SELECT p.id, pt.tag_id
        FROM posts p, grow
        JOIN base b ON b.k = (p.id - 1) % grow.nbase
        JOIN post_tags pt ON pt.post_id = b.id
        WHERE p.id > grow.first;

COMMIT;
