"""The exception family of the ``graph`` package, and the root of the project's errors.

Every error a user can cause or meet carries an exit code, so that the CLI maps errors to
exit codes in one place (``knooppunt.cli``) and scripts can tell failures apart.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ConfigurationError",
    "ExitCode",
    "GraphError",
    "KnooppuntError",
    "LocalNeo4jError",
    "ModelError",
    "Neo4jUnavailableError",
    "NotFoundError",
    "SchemaError",
]


class ExitCode(IntEnum):
    """Exit codes of the ``knooppunt`` command, documented in the README."""

    OK = 0
    ERROR = 1
    USAGE = 2
    BAD_INPUT = 3
    PRIVACY_REFUSED = 4
    NEO4J_UNAVAILABLE = 5
    CONFIGURATION = 6
    BUSY = 7
    AUDIT_BROKEN = 8
    #: ``knooppunt bibob due``: at least one open Bibob request is past its deadline.
    OVERDUE = 9


class KnooppuntError(Exception):
    """Root of all errors the project raises on purpose."""

    exit_code: ExitCode = ExitCode.ERROR


class GraphError(KnooppuntError):
    """Errors of the ``graph`` package (schema, projection, analysis, local server)."""


class ConfigurationError(GraphError):
    """Settings are missing, malformed or unsafe for the chosen mode."""

    exit_code = ExitCode.CONFIGURATION


class LocalNeo4jError(GraphError):
    """The project's own local Neo4j could not be obtained, started or stopped."""

    exit_code = ExitCode.NEO4J_UNAVAILABLE


class Neo4jUnavailableError(GraphError):
    """Neo4j does not answer over Bolt."""

    exit_code = ExitCode.NEO4J_UNAVAILABLE


class ModelError(GraphError):
    """A data file of the core (``graph/data/graph-model.yaml``, ``vocabulary.yaml``) is
    malformed or incomplete."""

    exit_code = ExitCode.CONFIGURATION


class SchemaError(GraphError):
    """A declared schema item is malformed or the server refused it."""


class NotFoundError(GraphError):
    """The cluster or subject asked for is not in the graph (the message names no identifier)."""

    exit_code = ExitCode.BAD_INPUT
