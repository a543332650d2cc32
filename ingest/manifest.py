"""Delivery manifests (``manifest.json``): parsing, code-list checks and file checksums.

The format is defined in ``docs/delivery-format.md``. A manifest is checked completely before a
single data row is read: partner and legal basis against ``graph.vocabulary``, every file present,
its SHA-256 equal to the manifest's. Messages name the manifest and the key, never a value that
could be a pseudonym.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from graph.vocabulary import LEGAL_BASES, PARTNERS
from ingest.errors import DeliveryError

__all__ = [
    "MANIFEST_NAME",
    "DeliveryFile",
    "Manifest",
    "add_years",
    "file_sha256",
    "load_manifest",
    "verify_checksums",
]

MANIFEST_NAME = "manifest.json"
DELIVERY_ID_PATTERN = re.compile(r"^[A-Z]+-[0-9]{8}-[A-Za-z0-9-]+$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_REJECT_THRESHOLD = 0.01


@dataclass(frozen=True, slots=True)
class DeliveryFile:
    """One data file of a delivery, as the manifest describes it."""

    path: Path
    name: str
    source: str
    rows: int
    sha256: str
    encoding: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """A checked delivery manifest; ``retain_until`` is already resolved from the basis."""

    directory: Path
    partner: str
    delivery_id: str
    extract_date: date
    legal_basis: str
    retain_until: date
    reject_threshold: float
    region: str | None
    files: tuple[DeliveryFile, ...]

    @property
    def rows(self) -> int:
        """Data rows over all files, as declared."""
        return sum(f.rows for f in self.files)


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _fail(path: Path, key: str, rule: str) -> DeliveryError:
    return DeliveryError(f"{path}: key {key!r}: {rule}")


def _iso_date(path: Path, key: str, value: Any) -> date:
    if not isinstance(value, str):
        raise _fail(path, key, "must be an ISO date string (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise _fail(path, key, "must be an ISO date (YYYY-MM-DD)") from e


def _require(path: Path, data: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in data:
        raise _fail(path, key, "required key missing")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _fail(path, key, f"wrong type (expected {getattr(kind, '__name__', kind)})")
    return value


def _parse_file(path: Path, index: int, entry: Any) -> DeliveryFile:
    key = f"files[{index}]"
    if not isinstance(entry, dict):
        raise _fail(path, key, "must be an object")
    name = _require(path, entry, "name", str)
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise _fail(path, f"{key}.name", "must be a plain file name inside the delivery")
    source = _require(path, entry, "source", str)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", source):
        raise _fail(path, f"{key}.source", "must be a mapping name (lower case, digits, _)")
    rows = _require(path, entry, "rows", int)
    if isinstance(rows, bool) or rows < 0:
        raise _fail(path, f"{key}.rows", "must be a non-negative integer")
    sha = _require(path, entry, "sha256", str)
    if not SHA256_PATTERN.fullmatch(sha):
        raise _fail(path, f"{key}.sha256", "must be 64 lower-case hex digits")
    encoding = entry.get("encoding", "utf-8")
    if not isinstance(encoding, str):
        raise _fail(path, f"{key}.encoding", "must be a string")
    try:
        codecs.lookup(encoding)
    except LookupError as e:
        raise _fail(path, f"{key}.encoding", "unknown text encoding") from e
    return DeliveryFile(
        path=path.parent / name,
        name=name,
        source=source,
        rows=rows,
        sha256=sha,
        encoding=encoding,
    )


def load_manifest(directory: Path) -> Manifest:
    """Read and check ``directory/manifest.json`` (not yet the file checksums)."""
    path = directory / MANIFEST_NAME
    if not directory.is_dir():
        raise DeliveryError(f"{directory}: not a delivery directory")
    if not path.is_file():
        raise DeliveryError(f"{directory}: manifest missing ({MANIFEST_NAME})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DeliveryError(f"{path}: not valid UTF-8 JSON ({type(e).__name__})") from e
    if not isinstance(data, dict):
        raise DeliveryError(f"{path}: must hold a JSON object")
    version = _require(path, data, "format_version", int)
    if version != 1:
        raise _fail(path, "format_version", "unsupported (expected 1)")
    partner = _require(path, data, "partner", str)
    if partner not in PARTNERS:
        raise _fail(path, "partner", "unknown partner code (see docs/delivery-format.md)")
    delivery_id = _require(path, data, "delivery_id", str)
    if not DELIVERY_ID_PATTERN.fullmatch(delivery_id):
        raise _fail(path, "delivery_id", f"must match {DELIVERY_ID_PATTERN.pattern}")
    if not delivery_id.startswith(partner + "-"):
        raise _fail(path, "delivery_id", "must start with the partner code")
    extract_date = _iso_date(path, "extract_date", data.get("extract_date"))
    basis = _require(path, data, "legal_basis", str)
    if basis not in LEGAL_BASES:
        raise _fail(path, "legal_basis", "unknown legal-basis code (see docs/delivery-format.md)")
    raw_retain = data.get("retain_until")
    retain_until = (
        add_years(extract_date, LEGAL_BASES[basis].retention_years)
        if raw_retain is None
        else _iso_date(path, "retain_until", raw_retain)
    )
    if retain_until < extract_date:
        raise _fail(path, "retain_until", "lies before extract_date")
    threshold = data.get("reject_threshold", DEFAULT_REJECT_THRESHOLD)
    if threshold is None:
        threshold = DEFAULT_REJECT_THRESHOLD
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise _fail(path, "reject_threshold", "must be a number between 0 and 1")
    if not 0 <= threshold <= 1:
        raise _fail(path, "reject_threshold", "must be between 0 and 1")
    region = data.get("region")
    if region is not None and not isinstance(region, str):
        raise _fail(path, "region", "must be a region name or null")
    files_raw = _require(path, data, "files", list)
    if not files_raw:
        raise _fail(path, "files", "lists no files")
    files = tuple(_parse_file(path, i, entry) for i, entry in enumerate(files_raw))
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise _fail(path, "files", "names a file twice")
    return Manifest(
        directory=directory,
        partner=partner,
        delivery_id=delivery_id,
        extract_date=extract_date,
        legal_basis=basis,
        retain_until=retain_until,
        reject_threshold=float(threshold),
        region=region,
        files=files,
    )


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks (lower-case hex)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_checksums(manifest: Manifest) -> None:
    """Every file exists and has the manifest's SHA-256; else a :class:`DeliveryError`."""
    for f in manifest.files:
        if not f.path.is_file():
            raise DeliveryError(f"{f.path}: file listed in the manifest is missing")
        if file_sha256(f.path) != f.sha256:
            raise DeliveryError(
                f"{f.path}: checksum mismatch (sha256 differs from the manifest; "
                "the file is damaged, truncated or not the one delivered)"
            )
