-- ConvoCanvas: the conversation catalogue, a read model the conversation grains keep
-- so lists, filters and stats need no scan of grain state.
CREATE TABLE IF NOT EXISTS conversation_catalog (
    id                text PRIMARY KEY,
    source            text NOT NULL,
    title             text NOT NULL DEFAULT '',
    created_at        timestamptz,
    updated_at        timestamptz,
    models            text[] NOT NULL DEFAULT '{}',
    message_count     integer NOT NULL DEFAULT 0,
    off_path_count    integer NOT NULL DEFAULT 0,
    token_count       integer NOT NULL DEFAULT 0,
    content_hash      text NOT NULL,
    imported_at       timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS conversation_catalog_source ON conversation_catalog (source);
CREATE INDEX IF NOT EXISTS conversation_catalog_when ON conversation_catalog ((coalesce(updated_at, created_at)) DESC, id);
CREATE INDEX IF NOT EXISTS conversation_catalog_models ON conversation_catalog USING gin (models);
