"""Cypher of the ``graph`` package, as named constants with parameters only.

Schema DDL is generated from the declared list in :mod:`graph.schema` (labels and property
names cannot be parameters); everything else lives here.
"""

from __future__ import annotations

# --- local database housekeeping (graph.localdb, graph.schema, tests) -------------------------

#: Wait until every index is online (seconds as ``$timeout``).
AWAIT_INDEXES = "CALL db.awaitIndexes($timeout)"

#: Remove all nodes and relationships, keeping constraints and indexes. Batched, so it must run
#: in an auto-commit transaction (``session.run``), not in ``execute_query``.
WIPE_ALL = "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF $batch ROWS"

#: Number of nodes in the database.
COUNT_NODES = "MATCH (n) RETURN count(n) AS nodes"

#: Names of existing constraints and indexes.
SHOW_CONSTRAINT_NAMES = "SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names"
SHOW_INDEX_NAMES = "SHOW INDEXES YIELD name RETURN collect(name) AS names"
