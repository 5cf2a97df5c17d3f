-- ConvoCanvas: which embedder's vectors answer searches. Switching embedders (say MiniLM to
-- nomic-embed-text through Ollama) re-indexes every source into the new embedder's own ChromaDB
-- collection; until every source is in it, searches keep using this row's embedder and
-- collection. Then the row names the new embedder and the old collection is deleted.
CREATE TABLE IF NOT EXISTS search_serving (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    embedder    text NOT NULL,
    -- How to make the embedder again (EmbedderDescriptor as JSON): provider, model, options.
    descriptor  jsonb NOT NULL,
    since       timestamptz NOT NULL DEFAULT now()
);
