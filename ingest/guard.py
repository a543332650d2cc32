"""The privacy guard: refuse a delivery that holds identifiers which are not pseudonymised.

It runs over every column of every file (declared or not) before anything is written, and
judges each column as a whole, by its context and its share of hits, never by one value:

- **Token columns** (the mapping says ``type: token``) must hold well-formed tokens only
  (``ingest.codelists.TOKEN_PATTERN``). One value that is not a token refuses the delivery; the
  rule names what it looks like (``bsn``, ``iban``, ``email``, ``phone``, ``licence_plate``,
  ``person_name``) or else ``malformed_token``.
- **Columns whose name says what they hold** (``bsn``, ``iban``, ``email``, ``telefoon``,
  ``kenteken``, ...) refuse on the first hit of the matching rule.
- **Other columns**: a rule refuses when its share of the column's non-empty values reaches
  the rule's threshold. Strong patterns (IBAN with a valid mod-97 check, e-mail addresses) need
  one hit; weak ones need a share well above chance: about 1 in 11 random 9-digit numbers passes
  the BSN eleven-test, so a BSN column needs at least half its values to pass.

The verdict names file, column, number of rows and rule, and never a value.
See ``docs/decisions/022-privacy-guard.md`` for the thresholds and the measured error rates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from ingest.codelists import TOKEN_PATTERN
from ingest.errors import PrivacyRefusedError
from ingest.pseudonymise import bsn_is_valid, iban_is_valid

__all__ = [
    "RULES",
    "ColumnFinding",
    "ColumnGuard",
    "DeliveryGuard",
    "classify",
    "looks_like_plate",
]

#: Rules in the order a value is classified (most specific first).
RULES: Final = ("email", "iban", "bsn", "phone", "licence_plate", "person_name")

#: Share of a free column's non-empty values at which a rule refuses it.
FREE_COLUMN_SHARE: Final[dict[str, float]] = {
    "email": 0.0,
    "iban": 0.0,
    "bsn": 0.5,
    "phone": 0.3,
    "licence_plate": 0.3,
    "person_name": 2.0,  # names are only judged in token columns
}

#: Column-name hints: a column so named refuses on the first hit of the rule.
_HINTS: Final[dict[str, re.Pattern[str]]] = {
    "bsn": re.compile(r"bsn|burgerservice|sofi", re.IGNORECASE),
    "iban": re.compile(r"iban|rekening|account", re.IGNORECASE),
    "email": re.compile(r"e-?mail|mail", re.IGNORECASE),
    "phone": re.compile(r"telefoon|phone|mobiel|gsm", re.IGNORECASE),
    "licence_plate": re.compile(r"kenteken|plate", re.IGNORECASE),
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_SEPARATORS = re.compile(r"[\s.\-/()]")
_PHONE = re.compile(r"^(?:\+31|0031|0)[1-9][0-9]{8}$")
_NAME = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ'\-]+(?: (?:[a-zà-ÿ'\-]+|[A-ZÀ-Ý][a-zà-ÿ'\-]+))*$")
# Dutch licence plates: the sidecodes 1-14 (letters and digits in groups, dash-separated).
_PLATE_SIDECODES = re.compile(
    r"^(?:[A-Z]{2}-?[0-9]{2}-?[0-9]{2}|[0-9]{2}-?[0-9]{2}-?[A-Z]{2}|[0-9]{2}-?[A-Z]{2}-?[0-9]{2}"
    r"|[A-Z]{2}-?[0-9]{2}-?[A-Z]{2}|[A-Z]{2}-?[A-Z]{2}-?[0-9]{2}|[0-9]{2}-?[A-Z]{2}-?[A-Z]{2}"
    r"|[0-9]{2}-?[A-Z]{3}-?[0-9]|[0-9]-?[A-Z]{3}-?[0-9]{2}|[A-Z]{2}-?[0-9]{3}-?[A-Z]"
    r"|[A-Z]-?[0-9]{3}-?[A-Z]{2}|[A-Z]{3}-?[0-9]{2}-?[A-Z]|[A-Z]-?[0-9]{2}-?[A-Z]{3}"
    r"|[0-9]-?[A-Z]{2}-?[0-9]{3}|[0-9]{3}-?[A-Z]{2}-?[0-9])$"
)


def looks_like_plate(text: str) -> bool:
    """Whether ``text`` has the shape of a Dutch licence plate (any sidecode, dashes optional)."""
    candidate = text.strip().upper().replace(" ", "")
    if not 6 <= len(candidate) <= 8 or candidate.isdigit() or candidate.isalpha():
        return False
    return bool(_PLATE_SIDECODES.fullmatch(candidate))


def classify(text: str, *, postcode_column: bool = False) -> str | None:
    """The raw-identifier rule ``text`` matches, or ``None``. Context is judged by the caller."""
    if "@" in text:
        return "email" if _EMAIL.fullmatch(text.strip()) else None
    compact = _SEPARATORS.sub("", text).upper()
    if len(compact) >= 15 and compact[:2].isalpha() and iban_is_valid(compact):
        return "iban"
    if compact.isdigit() and len(compact) == 9 and bsn_is_valid(compact):
        return "bsn"
    if _PHONE.fullmatch(compact):
        return "phone"
    if not postcode_column and looks_like_plate(text):
        return "licence_plate"
    if " " in text.strip() and _NAME.fullmatch(text.strip()):
        return "person_name"
    return None


@dataclass(frozen=True, slots=True)
class ColumnFinding:
    """A refused column: where, how many rows, which rule. Never a value."""

    file: str
    column: str
    rows: int
    rule: str

    def __str__(self) -> str:
        return f"{self.file}, column {self.column}: {self.rows} row(s) look like {self.rule}"


@dataclass
class ColumnGuard:
    """Running counts for one column of one file."""

    column: str
    token_column: bool = False
    postcode_column: bool = False
    #: For a closed column (codes, dates, KvK numbers, patterned strings): whether a value is
    #: valid there. A valid value of a closed type cannot be a raw identifier, so it is skipped.
    closed: Callable[[Any], bool] | None = None
    non_empty: int = 0
    hits: dict[str, int] = field(default_factory=dict)

    def observe(self, raw: Any) -> None:
        """Count one cell."""
        if raw is None or isinstance(raw, bool | date | datetime | float):
            return
        text = raw if isinstance(raw, str) else str(raw)
        if not text or text.isspace():
            return
        self.non_empty += 1
        if self.token_column:
            if TOKEN_PATTERN.fullmatch(text):
                return
            rule: str | None = classify(text) or "malformed_token"
        else:
            if self.closed is not None and self.closed(raw):
                return
            # Fast path: most free values (codes, case numbers, amounts) match no rule.
            first = text[0]
            if not (first.isdigit() or first in "+(" or "@" in text or first.isalpha()):
                return
            rule = classify(text, postcode_column=self.postcode_column)
        if rule is None:
            return
        self.hits[rule] = self.hits.get(rule, 0) + 1

    def verdict(self, file: str) -> ColumnFinding | None:
        """The refusing rule of this column, or ``None`` when the column looks pseudonymised."""
        if not self.hits:
            return None
        if self.token_column:
            rule = max(self.hits, key=lambda r: self.hits[r])
            return ColumnFinding(file, self.column, sum(self.hits.values()), rule)
        for rule in RULES:
            count = self.hits.get(rule, 0)
            if not count:
                continue
            hinted = rule in _HINTS and bool(_HINTS[rule].search(self.column))
            share = count / self.non_empty
            if hinted or (share >= FREE_COLUMN_SHARE[rule] and count > 0):
                if rule == "person_name" and not hinted:
                    continue
                return ColumnFinding(file, self.column, count, rule)
        return None


@dataclass
class DeliveryGuard:
    """Guards every column of every file of one delivery."""

    columns: dict[tuple[str, str], ColumnGuard] = field(default_factory=dict)

    def column(
        self,
        file: str,
        column: str,
        *,
        token: bool = False,
        postcode: bool = False,
        closed: Callable[[Any], bool] | None = None,
    ) -> ColumnGuard:
        """The guard of one column (created on first use)."""
        key = (file, column)
        guard = self.columns.get(key)
        if guard is None:
            guard = ColumnGuard(
                column=column, token_column=token, postcode_column=postcode, closed=closed
            )
            self.columns[key] = guard
        return guard

    def findings(self) -> list[ColumnFinding]:
        """Every refused column."""
        out: list[ColumnFinding] = []
        for (file, _), guard in self.columns.items():
            finding = guard.verdict(file)
            if finding is not None:
                out.append(finding)
        return out

    def enforce(self, delivery: str) -> None:
        """Raise :class:`PrivacyRefusedError` listing every refused column."""
        findings = self.findings()
        if findings:
            raise PrivacyRefusedError(
                f"delivery {delivery} refused: identifiers that are not pseudonymised "
                "(nothing was written): " + "; ".join(str(f) for f in findings)
            )


def judge_column(
    values: Iterable[Any], *, column: str = "value", token: bool = False, postcode: bool = False
) -> str | None:
    """The rule that refuses a column of ``values`` (for tests and the labelled corpus)."""
    guard = ColumnGuard(column=column, token_column=token, postcode_column=postcode)
    for v in values:
        guard.observe(v)
    finding = guard.verdict("-")
    return finding.rule if finding else None
