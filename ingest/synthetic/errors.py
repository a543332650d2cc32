"""The generator's error: a request it cannot fulfil (part of the ``ingest`` error family)."""

from __future__ import annotations

from ingest.errors import IngestError

__all__ = ["SyntheticDataError"]


class SyntheticDataError(IngestError):
    """The generator was asked for something it cannot make (unknown preset, bad wave, a
    preset too small for its planted networks)."""
