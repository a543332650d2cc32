"""The exception family of the ``ingest`` package.

Every message names the file, row, column and rule that failed, and never the value itself:
a delivery may hold pseudonymised or (by mistake) raw identifiers, and error messages end up in
logs and terminals that are not covered by the partners' legal basis.
"""

from __future__ import annotations

from graph.errors import ExitCode, KnooppuntError

__all__ = [
    "BulkError",
    "DeliveryError",
    "IngestError",
    "MappingError",
    "PrivacyRefusedError",
    "PseudonymKeyError",
    "PseudonymisationError",
    "RejectThresholdError",
    "SyntheticDataError",
    "WriteError",
    "WriterBusyError",
]


class IngestError(KnooppuntError):
    """Root of the errors of the ``ingest`` package."""

    exit_code = ExitCode.BAD_INPUT


class MappingError(IngestError):
    """A mapping file in ``ingest/mappings/`` is malformed (a programming error, not input)."""

    exit_code = ExitCode.CONFIGURATION


class DeliveryError(IngestError):
    """A delivery cannot be read: manifest, checksum, encoding, columns, truncation."""


class RejectThresholdError(IngestError):
    """More rows were rejected than the manifest's threshold allows; nothing was written."""


class PrivacyRefusedError(IngestError):
    """The delivery holds identifiers that are not pseudonymised; refused whole, nothing written."""

    exit_code = ExitCode.PRIVACY_REFUSED


class WriteError(IngestError):
    """Writing a delivery to Neo4j failed; the delivery's transaction was rolled back."""

    exit_code = ExitCode.ERROR


class BulkError(IngestError):
    """The bulk import cannot run (instance not empty, external server, tool failed)."""

    exit_code = ExitCode.ERROR


class PseudonymisationError(IngestError):
    """An identifier cannot be pseudonymised: it fails its kind's format or check digit."""

    exit_code = ExitCode.BAD_INPUT


class PseudonymKeyError(IngestError):
    """The pseudonymisation key is missing, unreadable, too short or the demo key in production."""

    exit_code = ExitCode.CONFIGURATION


class SyntheticDataError(IngestError):
    """The generator was asked for something it cannot make (unknown preset, bad wave, a
    preset too small for its planted networks)."""


class WriterBusyError(IngestError):
    """Another writer (ingest or retention) holds the graph's writer lock; nothing was written."""

    exit_code = ExitCode.BUSY
