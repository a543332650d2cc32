"""The privacy guard: refuse a delivery that holds identifiers which are not pseudonymised.

It runs over every column of every file (declared or not) before anything is written, and
judges each column as a whole, by its context and its share of hits, never by one value:

- **Token columns** (the mapping says ``type: token``) must hold well-formed tokens only
  (``graph.vocabulary.TOKEN_PATTERN``). One value that is not a token refuses the delivery; the
  rule names what it looks like (``bsn``, ``iban``, ``email``, ``phone``, ``licence_plate``,
  ``person_name``) or else ``malformed_token``.
- **Columns whose name says what they hold** (``bsn``, ``iban``, ``email``, ``telefoon``,
  ``kenteken``, ...) refuse on the first hit of the matching rule.
- **Other columns**: a rule refuses when its share of the column's non-empty values reaches
  the rule's threshold. Strong patterns (IBAN with a valid mod-97 check, e-mail addresses) need
  one hit; weak ones need a share well above chance: about 1 in 11 random 9-digit numbers passes
  the BSN eleven-test, so a BSN column needs at least half its values to pass.
- **BSNs of 8 digits** (a leading zero dropped by a spreadsheet, or an old sofi number) count
  as BSNs when, padded to 9 digits, they pass the eleven-test; about 1 in 11 random 8-digit
  numbers does too, so they follow the same share rule. KvK numbers are 8 digits as well: in
  a column named for KvK numbers (or declared ``type: kvk``) 8-digit values are never BSNs, and
  values that read as a date (``yyyymmdd``, ``ddmmyyyy``) never are.
- **Free text** is searched inside: an e-mail address or an IBAN anywhere in a value is one hit
  (refuses at once); a BSN-shaped number next to a BSN cue word (``bsn``, ``burgerservicenummer``,
  ``sofi(nummer)``, as in "klant met bsn 123456782 belde") refuses at the first occurrence; a bare
  passing number in text without a cue only counts towards the share rule.

The verdict names file, column, number of rows and rule, and never a value.
See ``docs/decisions/022-ingest-privacy-guard.md`` for the thresholds and the measured error
rates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from graph.vocabulary import TOKEN_PATTERN
from ingest.errors import PrivacyRefusedError
from ingest.pseudonymise import bsn_is_valid, iban_is_valid

__all__ = [
    "BSN_CUED",
    "RULES",
    "ColumnFinding",
    "ColumnGuard",
    "DeliveryGuard",
    "bsn_digits",
    "classify",
    "judge_column",
    "looks_like_plate",
    "scan_text",
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

#: Internal hit kind: a BSN next to a cue word in free text. Reported as rule ``bsn``; unlike a
#: bare number it refuses on the first occurrence.
BSN_CUED: Final = "bsn_cued"

#: Column-name hints: a column so named refuses on the first hit of the rule.
_HINTS: Final[dict[str, re.Pattern[str]]] = {
    "bsn": re.compile(r"bsn|burgerservice|sofi", re.IGNORECASE),
    "iban": re.compile(r"iban|rekening|account", re.IGNORECASE),
    "email": re.compile(r"e-?mail|mail", re.IGNORECASE),
    "phone": re.compile(r"telefoon|phone|mobiel|gsm", re.IGNORECASE),
    "licence_plate": re.compile(r"kenteken|plate", re.IGNORECASE),
}
#: A column named for KvK numbers: its 8-digit values are KvK numbers, not BSNs.
_KVK_HINT: Final = re.compile(r"kvk|handelsregister|chamber", re.IGNORECASE)

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

# --- inside free text ---------------------------------------------------------------------
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
#: An IBAN candidate: country code, check digits, then letters/digits (single spaces allowed,
#: as in the printed groups of four). Its length is taken from the country's IBAN length.
#: A lookahead, so that candidates may overlap ("ref AB12 NL91 ABNA ..." finds the second).
_IBAN_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])(?=(([A-Za-z]{2})[0-9]{2}(?: ?[A-Za-z0-9]){11,30}))")
#: IBAN length per country (ISO 13616 registry; the countries a Dutch delivery may meet).
_IBAN_LENGTH: Final[dict[str, int]] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30,
    "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29,
    "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip
#: A BSN-shaped number in text: 9 digits (plain, 3-3-3 or the passport's 4-2-3 grouping) or 8
#: plain digits (a leading zero dropped).
_NUMBER = r"(\d{3}[ .\-]\d{3}[ .\-]\d{3}|\d{4}[ .\-]\d{2}[ .\-]\d{3}|\d{9}|\d{8})"
#: A number standing on its own: no letter or digit (nor a digit group) on either side.
_BARE_NUMBER = re.compile(
    rf"(?<![0-9A-Za-z])(?<![0-9][.,\-]){_NUMBER}(?![0-9A-Za-z])(?![.,\-]?[0-9])"
)
_CUE_PRESENT = re.compile(r"bsn|sofi|burger ?service", re.IGNORECASE)
#: One cheap search that every value holding a text hit must match (the union of the above):
#: most free values (case numbers, addresses) stop here.
_WORTH_SCANNING = re.compile(
    r"@|bsn|sofi|burger ?service|[A-Za-z]{2}[0-9]{2}|[0-9]{8}"
    r"|[0-9]{3,4}[ .\-][0-9]{2,3}[ .\-][0-9]{3}",
    re.IGNORECASE,
)
_CUE_WORD = (
    r"(?<![a-z])(?:bsn|burger ?service ?(?:nummer|nr)|sofi)(?:[ \-]?(?:nummer|nr|no))?\.?(?![a-z])"
)
#: A number right after a cue word: "bsn 123456782", "BSN: 1234.56.782", "sofinummer 12345678",
#: "bsn van klant 123456782", "bsn is 123456782". Only separators or one such filler between.
_CUED_BEFORE = re.compile(
    rf"{_CUE_WORD}[\s:=#\-]*(?:(?:is|was|van [a-z]+)[\s:=#\-]*)?{_NUMBER}(?![0-9])",
    re.IGNORECASE,
)
#: A number right before a cue word: "123456782 (bsn)", "123456782 - bsn".
_CUED_AFTER = re.compile(rf"(?<![0-9]){_NUMBER}[\s:\-]*\(?\s*{_CUE_WORD}", re.IGNORECASE)


def looks_like_plate(text: str) -> bool:
    """Whether ``text`` has the shape of a Dutch licence plate (any sidecode, dashes optional)."""
    candidate = text.strip().upper().replace(" ", "")
    if not 6 <= len(candidate) <= 8 or candidate.isdigit() or candidate.isalpha():
        return False
    return bool(_PLATE_SIDECODES.fullmatch(candidate))


def _reads_as_date(digits: str) -> bool:
    """Whether 8 digits read as a date ``yyyymmdd`` or ``ddmmyyyy`` (years 1900-2099)."""
    for year, month, day in (
        (digits[:4], digits[4:6], digits[6:]),
        (digits[4:], digits[2:4], digits[:2]),
    ):
        if year[:2] in ("19", "20") and "01" <= month <= "12" and "01" <= day <= "31":
            return True
    return False


def bsn_digits(digits: str, *, eight_digit: bool = True) -> bool:
    """Whether ``digits`` (digits only) is a BSN: 9 digits passing the eleven-test, or, with
    ``eight_digit``, 8 digits that pass it left-padded with a zero and do not read as a date.

    >>> bsn_digits("111222333"), bsn_digits("11122233"), bsn_digits("20261128")
    (True, False, False)
    """
    if len(digits) == 9:
        return bsn_is_valid(digits)
    if len(digits) == 8 and eight_digit and digits[0] != "0":
        return bsn_is_valid("0" + digits) and not _reads_as_date(digits)
    return False


def classify(
    text: str, *, postcode_column: bool = False, eight_digit_bsn: bool = True
) -> str | None:
    """The raw-identifier rule ``text`` (a whole value) matches, or ``None``.

    Context is judged by the caller; ``eight_digit_bsn=False`` where 8 digits are KvK numbers.
    """
    if "@" in text:
        return "email" if _EMAIL.fullmatch(text.strip()) else None
    compact = _SEPARATORS.sub("", text).upper()
    if len(compact) >= 15 and compact[:2].isalpha() and iban_is_valid(compact):
        return "iban"
    if compact.isdigit():
        if len(compact) == 9 and bsn_is_valid(compact):
            return "bsn"
        # 8 digits only as typed (a number that lost its leading zero), not 12.34.56.78.
        if (
            len(compact) == 8
            and compact == text.strip()
            and bsn_digits(compact, eight_digit=eight_digit_bsn)
        ):
            return "bsn"
    if _PHONE.fullmatch(compact):
        return "phone"
    if not postcode_column and looks_like_plate(text):
        return "licence_plate"
    if " " in text.strip() and _NAME.fullmatch(text.strip()):
        return "person_name"
    return None


def _iban_in_text(text: str) -> bool:
    for match in _IBAN_IN_TEXT.finditer(text):
        length = _IBAN_LENGTH.get(match.group(2).upper())
        if length is None:
            continue
        compact = match.group(1).replace(" ", "").upper()
        if len(compact) >= length and iban_is_valid(compact[:length]):
            return True
    return False


def _passes(number: str, eight_digit: bool) -> bool:
    digits = number if number.isdigit() else "".join(c for c in number if c.isdigit())
    return bsn_digits(digits, eight_digit=eight_digit)


def scan_text(text: str, *, eight_digit_bsn: bool = True) -> tuple[str, ...]:
    """The hit kinds inside a free-text value: ``email``, ``iban`` (mod-97 and the country's
    length), :data:`BSN_CUED` (a BSN next to a cue word) and ``bsn`` (a bare passing number).

    >>> scan_text("klant met bsn 111222333 belde, mail jan@example.nl")
    ('email', 'bsn_cued')
    >>> scan_text("bsn onbekend, order 111222333"), scan_text("bsn onbekend")
    (('bsn',), ())
    """
    if not _WORTH_SCANNING.search(text):
        return ()
    found: list[str] = []
    if "@" in text and _EMAIL_IN_TEXT.search(text):
        found.append("email")
    if _iban_in_text(text):
        found.append("iban")
    if _CUE_PRESENT.search(text):
        for pattern in (_CUED_BEFORE, _CUED_AFTER):
            if any(_passes(m.group(1), eight_digit_bsn) for m in pattern.finditer(text)):
                found.append(BSN_CUED)
                return tuple(found)
    if any(_passes(m.group(1), eight_digit_bsn) for m in _BARE_NUMBER.finditer(text)):
        found.append("bsn")
    return tuple(found)


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
    #: Whether 8-digit numbers may be BSNs here: not in a column named for KvK numbers (unless
    #: its name also says BSN). Set from the column name.
    eight_digit_bsn: bool = field(init=False)

    def __post_init__(self) -> None:
        self.eight_digit_bsn = not _KVK_HINT.search(self.column) or bool(
            _HINTS["bsn"].search(self.column)
        )

    def _hit(self, rule: str, times: int) -> None:
        self.hits[rule] = self.hits.get(rule, 0) + times

    def observe(self, raw: Any, times: int = 1) -> None:
        """Count one cell (``times`` cells holding the same value)."""
        if raw is None or isinstance(raw, bool | date | datetime):
            return
        if isinstance(raw, float):
            # A whole number read as a float (Parquet, a spreadsheet) may be a BSN; others not.
            if not raw.is_integer():
                return
            raw = int(raw)
        text = raw if isinstance(raw, str) else str(raw)
        if not text or text.isspace():
            return
        self.non_empty += times
        if self.token_column:
            if TOKEN_PATTERN.fullmatch(text):
                return
            self._hit(classify(text) or "malformed_token", times)
            return
        if self.closed is not None and self.closed(raw):
            return
        rule: str | None = None
        # Fast path: most free values (codes, case numbers, amounts) match no rule.
        first = text[0]
        if first.isdigit() or first in "+(" or "@" in text or first.isalpha():
            rule = classify(
                text, postcode_column=self.postcode_column, eight_digit_bsn=self.eight_digit_bsn
            )
        if rule is not None:
            self._hit(rule, times)
        elif len(text) >= 8:
            for kind in scan_text(text, eight_digit_bsn=self.eight_digit_bsn):
                self._hit(kind, times)

    def verdict(self, file: str) -> ColumnFinding | None:
        """The first refusing rule of this column, or ``None`` when it looks pseudonymised."""
        findings = self.verdicts(file)
        return findings[0] if findings else None

    def verdicts(self, file: str) -> list[ColumnFinding]:
        """Every refusing rule of this column (in :data:`RULES` order); empty when none."""
        if not self.hits:
            return []
        if self.token_column:
            rule = max(self.hits, key=lambda r: self.hits[r])
            return [ColumnFinding(file, self.column, sum(self.hits.values()), rule)]
        out: list[ColumnFinding] = []
        for rule in RULES:
            count = self.hits.get(rule, 0)
            cued = self.hits.get(BSN_CUED, 0) if rule == "bsn" else 0
            if not count and not cued:
                continue
            hinted = rule in _HINTS and bool(_HINTS[rule].search(self.column))
            if rule == "person_name" and not hinted:
                continue
            if count and (hinted or count / self.non_empty >= FREE_COLUMN_SHARE[rule]):
                out.append(ColumnFinding(file, self.column, count + cued, rule))
            elif cued:
                out.append(ColumnFinding(file, self.column, cued, rule))
        return out


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
            out.extend(guard.verdicts(file))
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
    values: Iterable[Any],
    *,
    column: str = "value",
    token: bool = False,
    postcode: bool = False,
    closed: Callable[[Any], bool] | None = None,
) -> str | None:
    """The rule that refuses a column of ``values`` (for tests and the labelled corpus)."""
    guard = ColumnGuard(column=column, token_column=token, postcode_column=postcode, closed=closed)
    for v in values:
        guard.observe(v)
    finding = guard.verdict("-")
    return finding.rule if finding else None
