// ConvoCanvas.Search: embedders, chunking, the ChromaDB client, the PostgreSQL keyword index and
// result fusion. It knows nothing of Orleans; the indexer and search grains compose it.
