"""The project's own local Neo4j: Maven-resolved jars, named instances, start/stop, admin tool.

See ``docs/decisions/001-local-neo4j.md`` for why the server is obtained and started this way.
"""

from __future__ import annotations

from graph.localdb.admin import run_admin
from graph.localdb.distribution import NEO4J_VERSION, ensure_distribution
from graph.localdb.instance import MemorySizes
from graph.localdb.server import InstanceStatus, start, status, stop

__all__ = [
    "NEO4J_VERSION",
    "InstanceStatus",
    "MemorySizes",
    "ensure_distribution",
    "run_admin",
    "start",
    "status",
    "stop",
]
