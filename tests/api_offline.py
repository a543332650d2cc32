"""Settings for an API app that needs no database: the tests of pages, middleware and errors
that run without Neo4j (unit and browser tests) build the app from these."""

from __future__ import annotations

import socket
from pathlib import Path

from graph.settings import Settings

__all__ = ["AUDIT_KEY", "SECRET", "closed_port", "offline_settings"]

SECRET = "unit-test-secret-that-is-long-enough-for-hs256"
AUDIT_KEY = "unit-test-audit-key-0123456789abcdef"


def closed_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (bound, read, released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def offline_settings(audit_log: Path) -> Settings:
    """Development settings with test secrets, the audit log at ``audit_log`` and a Neo4j
    address that does not answer."""
    return Settings(
        jwt_secret=SECRET,
        audit_key=AUDIT_KEY,
        audit_log=audit_log,
        neo4j_uri=f"bolt://127.0.0.1:{closed_port()}",
        neo4j_password="unused",
    )
