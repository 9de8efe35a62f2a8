-- ngx_news_module readership database.
--
-- nginx writes here, not to the content database: it creates this file
-- with this schema when it is missing (news_readership db=...), and adds
-- its counts in batched transactions a few seconds apart.  Each node's
-- rows carry its news_node name, so the files of several nodes can be
-- folded into one with "newsctl merge-readership".  No IP address is ever
-- stored: only the region it was found in.

PRAGMA application_id = 1314150990;   -- "NEWS" in ASCII, big-endian
PRAGMA user_version = 1;

-- one row a (node, day, article, region, kind, bot): count is the number
-- of requests; day is YYYY-MM-DD in news_timezone; region is
-- <country>-<subdivision> (CN-22), the country alone (JP), or ZZ where the
-- address was not found; kind 'view' is an article page, 'share' a share
-- link's redirect; bot is 1 for requests news_bot_pattern matched
CREATE TABLE IF NOT EXISTS readership (
    node       TEXT NOT NULL,
    day        TEXT NOT NULL
               CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    info_code  TEXT NOT NULL,
    region     TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('view', 'share')),
    bot        INTEGER NOT NULL CHECK (bot IN (0, 1)),
    count      INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (node, day, info_code, region, kind, bot)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS readership_by_region
    ON readership (region, day);

-- the most-read lists (news_most_read) read the rows of the last days; a
-- file made before them gains it when nginx first refreshes the lists
CREATE INDEX IF NOT EXISTS readership_by_day ON readership (day);

-- requests that were not counted by article and region because the
-- shared memory zone was full: counted here so that none is lost silently
CREATE TABLE IF NOT EXISTS readership_lost (
    node   TEXT NOT NULL,
    day    TEXT NOT NULL,
    count  INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (node, day)
) WITHOUT ROWID;

-- per-region views: "views" are human article views, "bot_views" those of
-- crawlers and link-preview fetchers; every node summed
CREATE VIEW IF NOT EXISTS region_views (region, views, bot_views) AS
    SELECT region,
           coalesce(sum(CASE WHEN bot = 0 THEN count END), 0),
           coalesce(sum(CASE WHEN bot = 1 THEN count END), 0)
    FROM readership WHERE kind = 'view'
    GROUP BY region;

CREATE VIEW IF NOT EXISTS article_region_views
    (info_code, region, views, bot_views) AS
    SELECT info_code, region,
           coalesce(sum(CASE WHEN bot = 0 THEN count END), 0),
           coalesce(sum(CASE WHEN bot = 1 THEN count END), 0)
    FROM readership WHERE kind = 'view'
    GROUP BY info_code, region;

CREATE VIEW IF NOT EXISTS daily_region_views
    (day, region, views, bot_views) AS
    SELECT day, region,
           coalesce(sum(CASE WHEN bot = 0 THEN count END), 0),
           coalesce(sum(CASE WHEN bot = 1 THEN count END), 0)
    FROM readership WHERE kind = 'view'
    GROUP BY day, region;

-- share links followed, by article and region
CREATE VIEW IF NOT EXISTS article_region_shares
    (info_code, region, clicks, bot_clicks) AS
    SELECT info_code, region,
           coalesce(sum(CASE WHEN bot = 0 THEN count END), 0),
           coalesce(sum(CASE WHEN bot = 1 THEN count END), 0)
    FROM readership WHERE kind = 'share'
    GROUP BY info_code, region;

-- the names of the regions in the languages of the MaxMind DB (its
-- "names" maps: "en", "zh-CN", "ja" ...), for the stats page, which shows
-- a region by its name in the site's language beside its code.  nginx
-- learns a region's names the first time a worker counts a reader there
-- and writes them with the next batch; a file of an earlier version gains
-- this table when nginx or "newsctl merge-readership" opens it
CREATE TABLE IF NOT EXISTS region_names (
    region  TEXT NOT NULL,
    lang    TEXT NOT NULL COLLATE NOCASE,
    name    TEXT NOT NULL,
    PRIMARY KEY (region, lang)
) WITHOUT ROWID;

-- the batches nginx added, one a (node, epoch, seq): epoch names the
-- shared memory zone, seq the batch in it.  A batch is recorded in the
-- transaction that adds its counts; when its worker was killed before it
-- could say so in the zone, the worker that takes the batch up finds it
-- here and does not add it twice.  nginx keeps a node's last batches only.
CREATE TABLE IF NOT EXISTS readership_batch (
    node     TEXT NOT NULL,
    epoch    INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    written  INTEGER NOT NULL,      -- unix time
    count    INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (node, epoch, seq)
) WITHOUT ROWID;

-- shipping to PostgreSQL ("newsctl ship-readership"): the file's epoch, a
-- random number made with the file (a file made again is a new epoch),
-- and whether its counts go to an outbox, which the first shipment turns
-- on (with the counts so far as its first rows)
CREATE TABLE IF NOT EXISTS readership_file (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    epoch     INTEGER NOT NULL,
    shipping  INTEGER NOT NULL DEFAULT 0 CHECK (shipping IN (0, 1))
);

INSERT OR IGNORE INTO readership_file (id, epoch)
    VALUES (1, abs(random() % 9007199254740991) + 1);

-- what the counts gained since the last shipment, written by the triggers
-- below in the transaction that adds them, whoever adds them; kind 'lost'
-- is readership_lost's (info_code and region empty).  A shipment takes the
-- rows that are in none yet, and they go once it is shipped.
CREATE TABLE IF NOT EXISTS readership_outbox (
    id         INTEGER PRIMARY KEY,
    shipment   INTEGER,             -- readership_shipment's seq, or NULL
    node       TEXT NOT NULL,
    day        TEXT NOT NULL,
    info_code  TEXT NOT NULL,
    region     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    bot        INTEGER NOT NULL,
    count      INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS readership_outbox_by_shipment
    ON readership_outbox (shipment);

-- the shipments, keyed in PostgreSQL's ledger by (node, epoch, seq):
-- AUTOINCREMENT, so that a seq is never used twice in a file
CREATE TABLE IF NOT EXISTS readership_shipment (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    node     TEXT NOT NULL,
    made     INTEGER NOT NULL,      -- unix time
    shipped  INTEGER                -- unix time, NULL until shipped
);

CREATE TRIGGER IF NOT EXISTS readership_outboxed AFTER INSERT ON readership
    WHEN (SELECT shipping FROM readership_file) = 1
BEGIN
    INSERT INTO readership_outbox
        (node, day, info_code, region, kind, bot, count)
        VALUES (NEW.node, NEW.day, NEW.info_code, NEW.region, NEW.kind,
                NEW.bot, NEW.count);
END;

CREATE TRIGGER IF NOT EXISTS readership_reoutboxed
    AFTER UPDATE OF count ON readership
    WHEN (SELECT shipping FROM readership_file) = 1
         AND NEW.count != OLD.count
BEGIN
    INSERT INTO readership_outbox
        (node, day, info_code, region, kind, bot, count)
        VALUES (NEW.node, NEW.day, NEW.info_code, NEW.region, NEW.kind,
                NEW.bot, NEW.count - OLD.count);
END;

CREATE TRIGGER IF NOT EXISTS readership_lost_outboxed
    AFTER INSERT ON readership_lost
    WHEN (SELECT shipping FROM readership_file) = 1
BEGIN
    INSERT INTO readership_outbox
        (node, day, info_code, region, kind, bot, count)
        VALUES (NEW.node, NEW.day, '', '', 'lost', 0, NEW.count);
END;

CREATE TRIGGER IF NOT EXISTS readership_lost_reoutboxed
    AFTER UPDATE OF count ON readership_lost
    WHEN (SELECT shipping FROM readership_file) = 1
         AND NEW.count != OLD.count
BEGIN
    INSERT INTO readership_outbox
        (node, day, info_code, region, kind, bot, count)
        VALUES (NEW.node, NEW.day, '', '', 'lost', 0,
                NEW.count - OLD.count);
END;
