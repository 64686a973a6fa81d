"""Every PostgreSQL advisory-lock key NEXUS takes, in one place so two features never share one.

Keys are one bigint each (pg_advisory_lock(bigint)); most spell "NX…" in ASCII.
"""

# Shared, per transaction, by the change-log triggers (written into the trigger's SQL by migration
# graph 0003, so it never changes): a reader that sees a gap in the change-log ids asks pg_locks
# whether a writer that may still fill it is running.
REALTIME_WRITER = 1_314_276_431
# Session lock while one server process migrates and seeds a fallback database; the others wait.
FALLBACK_PREPARE = 0x4E455855  # "NEXU"
# Per transaction: task-graph submissions queue, so exactly one task graph ends up active.
TASK_GRAPH_ACTIVATE = 0x4E58_7A53
# Per transaction: Info Drops queue, so "is this a duplicate?" and "create" never interleave.
INFO_DROP_WRITE = 0x4E58_1D50
