"""Each measurement starts from a vacuumed, checkpointed database, like pgbench: otherwise the dead
rows and index entries earlier runs left (a 5,000-node insert and delete, a bulk load) are vacuumed,
or a WAL-triggered checkpoint begins, in the middle of the next one, and runs drift apart."""

# What inserting and deleting nodes and edges writes: the rows, their versions, search documents,
# the change log and the embedder's queue and vectors.
WRITTEN_TABLES = (
    "nodes",
    "edges",
    "node_versions",
    "edge_versions",
    "node_search_documents",
    "realtime_changes",
    "embedding_queue",
    "node_embeddings",
)


def vacuum_and_checkpoint(cursor, tables=WRITTEN_TABLES) -> None:
    """`cursor`: any DB-API cursor (or psycopg connection) in autocommit mode."""
    cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
    cursor.execute("CHECKPOINT")
