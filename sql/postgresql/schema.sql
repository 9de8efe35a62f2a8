-- ngx_news_module's readership, gathered from every node into PostgreSQL
-- by "newsctl ship-readership", which runs this file (idempotent) before
-- each run.  The same tables and views as a node's SQLite file
-- (sql/readership.sql), and the ledger of the shipments added: each one
-- once, whoever ships it, however often.

CREATE TABLE IF NOT EXISTS readership (
    node       text NOT NULL,
    day        text NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    info_code  text NOT NULL,
    region     text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('view', 'share')),
    bot        integer NOT NULL CHECK (bot IN (0, 1)),
    count      bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (node, day, info_code, region, kind, bot)
);

CREATE INDEX IF NOT EXISTS readership_by_region ON readership (region, day);
CREATE INDEX IF NOT EXISTS readership_by_day ON readership (day);

CREATE TABLE IF NOT EXISTS readership_lost (
    node   text NOT NULL,
    day    text NOT NULL,
    count  bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (node, day)
);

-- a shipment: a node's file (its epoch) and the shipment's seq in it
CREATE TABLE IF NOT EXISTS readership_ledger (
    node     text NOT NULL,
    epoch    bigint NOT NULL,
    seq      bigint NOT NULL,
    rows     integer NOT NULL,
    count    bigint NOT NULL,
    shipped  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (node, epoch, seq)
);

CREATE OR REPLACE VIEW region_views (region, views, bot_views) AS
    SELECT region,
           coalesce(sum(CASE WHEN bot = 0 THEN count END), 0),
           coalesce(sum(CASE WHEN bot = 1 THEN count END), 0)
    FROM readership WHERE kind = 'view'
    GROUP BY region;

CREATE OR REPLACE VIEW article_region_views
    (info_code, region, views, bot_views) AS
    SELECT info_code, region,
           coalesce(sum(CASE WHEN bot = 0 THEN count END), 0),
           coalesce(sum(CASE WHEN bot = 1 THEN count END), 0)
    FROM readership WHERE kind = 'view'
    GROUP BY info_code, region;

CREATE OR REPLACE VIEW daily_region_views
    (day, region, views, bot_views) AS
    SELECT day, region,
           coalesce(sum(CASE WHEN bot = 0 THEN count END), 0),
           coalesce(sum(CASE WHEN bot = 1 THEN count END), 0)
    FROM readership WHERE kind = 'view'
    GROUP BY day, region;

CREATE OR REPLACE VIEW article_region_shares
    (info_code, region, clicks, bot_clicks) AS
    SELECT info_code, region,
           coalesce(sum(CASE WHEN bot = 0 THEN count END), 0),
           coalesce(sum(CASE WHEN bot = 1 THEN count END), 0)
    FROM readership WHERE kind = 'share'
    GROUP BY info_code, region;
