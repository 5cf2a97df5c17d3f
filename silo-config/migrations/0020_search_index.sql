-- ConvoCanvas: the search index's PostgreSQL side. ChromaDB holds the vectors; these tables
-- hold what is indexed (per source: the content hash, the chunk count, the status), the
-- chunks themselves for full-text search and snippets, and the embedding cache.

-- One row per indexed source: a vault note ('note:{vault}/{path}') or a conversation
-- ('conversation:{id}'). content_hash is the source grain's hash that the index reflects;
-- reconciliation compares it with the grains. pending_chunks is set before vectors are
-- written and cleared after, so a crash in between leaves an upper bound of the chunk
-- ids that may exist in ChromaDB.
CREATE TABLE IF NOT EXISTS search_sources (
    source_id       text PRIMARY KEY,
    kind            text NOT NULL,
    source          text NOT NULL,
    vault           text,
    path            text,
    title           text NOT NULL DEFAULT '',
    content_hash    text,
    chunk_count     integer NOT NULL DEFAULT 0,
    pending_chunks  integer,
    embedder        text NOT NULL,
    status          text NOT NULL,
    reason          text,
    indexed_at      timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS search_sources_vault ON search_sources (vault, path) WHERE vault IS NOT NULL;
CREATE INDEX IF NOT EXISTS search_sources_kind ON search_sources (kind);

-- One row per chunk, with the same id as its vector in ChromaDB ('{source_id}#{ordinal}').
CREATE TABLE IF NOT EXISTS search_chunks (
    chunk_id        text PRIMARY KEY,
    source_id       text NOT NULL,
    ordinal         integer NOT NULL,
    kind            text NOT NULL,
    source          text NOT NULL,
    vault           text,
    path            text,
    title           text NOT NULL DEFAULT '',
    heading         text,
    anchor          text,
    tags            text[] NOT NULL DEFAULT '{}',
    model           text,
    created_at      timestamptz,
    updated_at      timestamptz,
    content_hash    text NOT NULL,
    body            text NOT NULL,
    tsv             tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('english', coalesce(title, '') || ' ' || coalesce(heading, '')), 'A')
                        || setweight(to_tsvector('english', body), 'B')) STORED
);

CREATE INDEX IF NOT EXISTS search_chunks_source ON search_chunks (source_id, ordinal);
CREATE INDEX IF NOT EXISTS search_chunks_tsv ON search_chunks USING gin (tsv);
CREATE INDEX IF NOT EXISTS search_chunks_tags ON search_chunks USING gin (tags);

-- Vectors by chunk content: an unchanged chunk is never embedded twice, and identical chunks
-- in different files are embedded once. Keyed by embedder, since each has its own space.
CREATE TABLE IF NOT EXISTS embedding_cache (
    embedder        text NOT NULL,
    content_hash    text NOT NULL,
    vector          bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (embedder, content_hash)
);
