"""The tables the specification names, written out here (not read from the code under test), so a
migration that drops or renames one fails the tests that check them."""

NEXUS_TABLES = frozenset(
    {
        "nodes",
        "edges",
        "graph_metadata",
        "node_embeddings",
        "mutation_history",
        "notifications",
        "conversations",
        "task_graphs",
        "immune_scans",
        "worker_analyses",
        "llm_usage",
    }
)
