-- ngx_news_module search index.
--
-- A file of its own, derived from the content database and kept out of
-- the admin's way: its table is tokenized by the module's own tokenizer
-- ("news", one token per Han character), which a plain "sqlite3 news.db"
-- session does not have, so no trigger of the content database may
-- touch it.  nginx (news_search_index) and "newsctl reindex" make it when
-- it is missing and keep it current from the content database's
-- listings; it can be removed at any time and is made again.  Search
-- results are checked against the content database when they are shown:
-- a post unpublished or deleted there leaves the results at once.

PRAGMA application_id = 1314345801;   -- "NWSI" in ASCII, big-endian
PRAGMA user_version = 1;

-- one row an indexed post: doc_id is its row in search_text, made from
-- its publication instant and its id so that the text index's own order
-- (rowid) is the newest first order of the results; updated_ts is the
-- post's updated_at when it was indexed, indexed_ts when that was: a post
-- whose updated_at is that very second may have been edited again after
-- (updated_at has seconds only), and is indexed again
CREATE TABLE IF NOT EXISTS search_docs (
    post_id       INTEGER PRIMARY KEY,
    doc_id        INTEGER NOT NULL UNIQUE,
    updated_ts    INTEGER NOT NULL,
    indexed_ts    INTEGER NOT NULL
) WITHOUT ROWID;

-- the post's title, and its summary and body as text (tags dropped,
-- entities decoded)
CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5 (
    title, body, tokenize = 'news'
);

-- what the last pass saw: the newest updated_ts it indexed
CREATE TABLE IF NOT EXISTS search_state (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
) WITHOUT ROWID;
