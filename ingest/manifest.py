"""Delivery manifests (``manifest.json``): parsing, code-list checks and file checksums.

The format is defined in ``docs/delivery-format.md``. A manifest is checked completely before a
single data row is read: :class:`ManifestDocument` (pydantic, unknown keys refused) checks its
shape, partner and legal basis against ``graph.vocabulary``; then every file must be present
with the manifest's SHA-256. Messages name the manifest, the key and the rule
(:mod:`graph.validation`), never a value that could be a pseudonym.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from graph.validation import explain, refuse_unless, rule_error
from graph.vocabulary import LEGAL_BASES, PARTNERS
from ingest.errors import DeliveryError

__all__ = [
    "MANIFEST_NAME",
    "DeliveryFile",
    "Manifest",
    "ManifestDocument",
    "ManifestFileEntry",
    "add_years",
    "check_delivery_file",
    "file_sha256",
    "load_manifest",
    "verify_checksums",
]

MANIFEST_NAME = "manifest.json"
DELIVERY_ID_PATTERN = re.compile(r"^[A-Z]+-[0-9]{8}-[A-Za-z0-9-]+$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
SOURCE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
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


def _iso_date(value: Any) -> date:
    if not isinstance(value, str):
        raise rule_error("must be an ISO date string (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise rule_error("must be an ISO date (YYYY-MM-DD)") from None


def _plain_name(name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise rule_error("must be a plain file name inside the delivery")
    return name


def _matching(pattern: re.Pattern[str], text: str) -> AfterValidator:
    return refuse_unless(lambda value: pattern.fullmatch(value) is not None, text)


def _known_encoding(encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise rule_error("unknown text encoding") from None
    return encoding


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class ManifestFileEntry(BaseModel):
    """One entry of ``files`` as the partner wrote it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[StrictStr, AfterValidator(_plain_name)]
    source: Annotated[
        StrictStr, _matching(SOURCE_PATTERN, "must be a mapping name (lower case, digits, _)")
    ]
    rows: Annotated[StrictInt, Field(ge=0)]
    sha256: Annotated[StrictStr, _matching(SHA256_PATTERN, "must be 64 lower-case hex digits")]
    encoding: Annotated[StrictStr, AfterValidator(_known_encoding)] = "utf-8"


class ManifestDocument(BaseModel):
    """``manifest.json`` as the partner wrote it (``docs/delivery-format.md``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: Annotated[
        StrictInt, refuse_unless(lambda v: v == 1, "unsupported (expected 1)")
    ]
    partner: Annotated[
        StrictStr,
        refuse_unless(PARTNERS.__contains__, "unknown partner code (see docs/delivery-format.md)"),
    ]
    delivery_id: Annotated[
        StrictStr, _matching(DELIVERY_ID_PATTERN, f"must match {DELIVERY_ID_PATTERN.pattern}")
    ]
    extract_date: IsoDate
    legal_basis: Annotated[
        StrictStr,
        refuse_unless(
            LEGAL_BASES.__contains__, "unknown legal-basis code (see docs/delivery-format.md)"
        ),
    ]
    retain_until: IsoDate | None = None
    reject_threshold: (
        Annotated[StrictFloat, refuse_unless(lambda t: 0 <= t <= 1, "must be between 0 and 1")]
        | None
    ) = None
    region: StrictStr | None = None
    files: list[ManifestFileEntry]

    @field_validator("delivery_id")
    @classmethod
    def _delivery_id(cls, delivery_id: str, info: ValidationInfo) -> str:
        partner = info.data.get("partner")
        if partner is not None and not delivery_id.startswith(partner + "-"):
            raise rule_error("must start with the partner code")
        return delivery_id

    @field_validator("legal_basis")
    @classmethod
    def _partners_basis(cls, basis: str, info: ValidationInfo) -> str:
        partner = PARTNERS.get(info.data.get("partner") or "")
        if partner is not None and basis not in partner.legal_bases:
            raise rule_error(
                "not a basis this partner may deliver under (allowed: "
                + ", ".join(partner.legal_bases)
                + "; graph/data/vocabulary.yaml)"
            )
        return basis

    @field_validator("retain_until")
    @classmethod
    def _retain_until(cls, retain: date | None, info: ValidationInfo) -> date | None:
        extract = info.data.get("extract_date")
        if retain is not None and extract is not None and retain < extract:
            raise rule_error("lies before extract_date")
        return retain

    @field_validator("files")
    @classmethod
    def _files(cls, files: list[ManifestFileEntry]) -> list[ManifestFileEntry]:
        if not files:
            raise rule_error("lists no files")
        names = [f.name for f in files]
        if len(set(names)) != len(names):
            raise rule_error("names a file twice")
        return files


_SAFE_FILE_RULE = (
    "must be a regular file of the delivery itself (no symbolic link, hard link, device or "
    "path outside the delivery directory)"
)


def check_delivery_file(directory: Path, path: Path) -> None:
    """Refuse a delivery file that is not plainly the delivery's own: a symbolic link, a file
    with another name elsewhere (hard link), a device or FIFO, or one outside ``directory``.
    A missing file is left to the caller. The error names the file and the rule."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    inside = path.parent.resolve() == directory.resolve()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode) or not inside:
        raise DeliveryError(f"{path}: {_SAFE_FILE_RULE}")
    if info.st_nlink > 1:
        raise DeliveryError(f"{path}: {_SAFE_FILE_RULE}")


def _read_json(directory: Path, path: Path) -> Any:
    if directory.is_symlink() or not directory.is_dir():
        raise DeliveryError(f"{directory}: not a delivery directory (a real directory, no link)")
    check_delivery_file(directory, path)
    if not path.is_file():
        raise DeliveryError(f"{directory}: manifest missing ({MANIFEST_NAME})")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DeliveryError(f"{path}: not valid UTF-8 JSON ({type(e).__name__})") from e


def _resolve(directory: Path, doc: ManifestDocument) -> Manifest:
    """The checked manifest: default retention and threshold filled in, file paths resolved."""
    retain_until = doc.retain_until or add_years(
        doc.extract_date, LEGAL_BASES[doc.legal_basis].retention_years
    )
    threshold = DEFAULT_REJECT_THRESHOLD if doc.reject_threshold is None else doc.reject_threshold
    files = tuple(
        DeliveryFile(
            path=directory / f.name,
            name=f.name,
            source=f.source,
            rows=f.rows,
            sha256=f.sha256,
            encoding=f.encoding,
        )
        for f in doc.files
    )
    return Manifest(
        directory=directory,
        partner=doc.partner,
        delivery_id=doc.delivery_id,
        extract_date=doc.extract_date,
        legal_basis=doc.legal_basis,
        retain_until=retain_until,
        reject_threshold=float(threshold),
        region=doc.region,
        files=files,
    )


def load_manifest(directory: Path) -> Manifest:
    """Read and check ``directory/manifest.json`` (not yet the file checksums)."""
    path = directory / MANIFEST_NAME
    data = _read_json(directory, path)
    try:
        doc = ManifestDocument.model_validate(data)
    except ValidationError as e:
        raise DeliveryError(explain(e, source=str(path), model=ManifestDocument)) from None
    return _resolve(directory, doc)


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks (lower-case hex); never through a link."""
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_checksums(manifest: Manifest) -> None:
    """Every file exists and has the manifest's SHA-256; else a :class:`DeliveryError`."""
    for f in manifest.files:
        check_delivery_file(manifest.directory, f.path)
        if not f.path.is_file():
            raise DeliveryError(f"{f.path}: file listed in the manifest is missing")
        if file_sha256(f.path) != f.sha256:
            raise DeliveryError(
                f"{f.path}: checksum mismatch (sha256 differs from the manifest; "
                "the file is damaged, truncated or not the one delivered)"
            )
