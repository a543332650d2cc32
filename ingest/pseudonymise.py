"""The project's pseudonymiser: keyed-hash tokens for persons, vehicles, phones, accounts, e-mail.

Partners run it before they deliver (``knooppunt pseudonymise``), and the synthetic generator
uses it, so that the same real identifier gives the same token in every partner's file. The
token format is documented in ``docs/delivery-format.md`` ("Tokens"):

``PREFIX-`` + the first 16 bytes of HMAC-SHA256(key, ``kind:normalised-value``) in RFC 4648
base32 without padding, e.g. ``PRS-`` + 26 characters.

Each kind is normalised (and checked) before hashing, so that ``06-12345678`` and
``+31 6 1234 5678`` give one token. Errors name the kind and the rule that failed, never the
value: the value is a raw identifier.

Examples
--------
>>> token = pseudonymise("bsn", "111222333", DEMO_KEY)
>>> token.startswith("PRS-"), len(token)
(True, 30)
>>> a = pseudonymise("phone", "06-12345678", DEMO_KEY)
>>> a == pseudonymise("phone", "+31 6 1234 5678", DEMO_KEY)
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Final, Literal, get_args

from stdnum.iso7064 import mod_97_10
from stdnum.nl import bsn as stdnum_bsn

from graph.settings import Settings
from graph.vocabulary import TOKEN_KINDS, TOKEN_PATTERN
from ingest.errors import PseudonymisationError, PseudonymKeyError

__all__ = [
    "DEMO_KEY",
    "MIN_KEY_BYTES",
    "PSEUDONYM_KINDS",
    "PseudonymKind",
    "bsn_is_valid",
    "iban_is_valid",
    "is_token",
    "load_key",
    "normalise",
    "pseudonymise",
    "pseudonymise_name_dob",
    "read_key_file",
]

#: The kinds of identifier the pseudonymiser accepts (the ``KIND`` of ``--column NAME=KIND``).
PseudonymKind = Literal["bsn", "namedob", "plate", "phone", "iban", "email"]
PSEUDONYM_KINDS: Final[tuple[str, ...]] = get_args(PseudonymKind)

#: A public, well-known key for the synthetic generator and demos. Never for real data:
#: :func:`load_key` refuses it in production mode.
DEMO_KEY: Final = b"knooppunt-public-demo-key-for-synthetic-data-only"

#: Shortest key accepted (bytes); HMAC-SHA256 keys shorter than this are guessable.
MIN_KEY_BYTES: Final = 16

_PREFIX: Final[dict[str, str]] = {
    "bsn": TOKEN_KINDS["person"],
    "namedob": TOKEN_KINDS["person"],
    "plate": TOKEN_KINDS["vehicle"],
    "phone": TOKEN_KINDS["phone"],
    "iban": TOKEN_KINDS["bank_account"],
    "email": TOKEN_KINDS["email"],
}

_SEPARATORS = re.compile(r"[\s.\-/()]+")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_PLATE = re.compile(r"^[A-Z0-9]{4,8}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOB_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%Y%m%d")


def bsn_is_valid(digits: str) -> bool:
    """Whether 9 digits are a BSN: python-stdnum's eleven-test (``stdnum.nl.bsn``).

    Unicode decimal digits count as the digits they are, as in ``int()``.

    >>> bsn_is_valid("111222333"), bsn_is_valid("111222334"), bsn_is_valid("000000000")
    (True, False, False)
    """
    if len(digits) != 9 or not digits.isdigit():
        return False
    try:
        plain = f"{int(digits):09d}"
    except ValueError:  # digits without a decimal value, such as superscripts
        return False
    return bool(stdnum_bsn.is_valid(plain))


def iban_is_valid(iban: str) -> bool:
    """Whether an IBAN without spaces, upper case, passes the ISO 13616 mod-97 check
    (python-stdnum's ISO 7064 mod 97-10 over the rearranged number).

    Only the shape and the check digits are judged, not the country's BBAN format: the
    privacy guard would rather see an IBAN too many than one too few.

    >>> iban_is_valid("NL91ABNA0417164300"), iban_is_valid("NL91ABNA0417164301")
    (True, False)
    """
    if not _IBAN.fullmatch(iban):
        return False
    return bool(mod_97_10.is_valid(iban[4:] + iban[:4]))


def _fail(kind: str, rule: str) -> PseudonymisationError:
    return PseudonymisationError(f"cannot pseudonymise {kind}: {rule}")


def _norm_bsn(value: str) -> str:
    digits = _SEPARATORS.sub("", value)
    if not digits.isdigit():
        raise _fail("bsn", "a BSN holds digits only")
    if len(digits) == 8:  # a leading zero lost by a spreadsheet
        digits = "0" + digits
    if len(digits) != 9:
        raise _fail("bsn", "a BSN has 9 digits")
    if not bsn_is_valid(digits):
        raise _fail("bsn", "fails the eleven-test")
    return digits


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _norm_dob(value: str) -> str:
    text = value.strip()
    for fmt in _DOB_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise _fail("namedob", "date of birth is not yyyy-mm-dd, dd-mm-yyyy or yyyymmdd")


def _norm_namedob(value: str) -> str:
    name, sep, dob = value.rpartition("|")
    if not sep:
        raise _fail("namedob", "expected 'full name|date of birth'")
    normal_name = " ".join(_strip_accents(name).casefold().split())
    if not normal_name:
        raise _fail("namedob", "the name is empty")
    return f"{normal_name}|{_norm_dob(dob)}"


def _norm_plate(value: str) -> str:
    plate = _SEPARATORS.sub("", value).upper()
    if not _PLATE.fullmatch(plate) or plate.isdigit():
        raise _fail("plate", "a plate has 4 to 8 letters and digits, not digits only")
    return plate


def _norm_phone(value: str) -> str:
    number = _SEPARATORS.sub("", value)
    if number.startswith("00"):
        number = "+" + number[2:]
    elif number.startswith("0"):
        number = "+31" + number[1:]
    if not _E164.fullmatch(number):
        raise _fail("phone", "not an E.164 number or a Dutch national number")
    if number.startswith("+31") and len(number) != 12:
        raise _fail("phone", "a Dutch number has 9 digits after +31")
    return number


def _norm_iban(value: str) -> str:
    iban = re.sub(r"\s+", "", value).upper()
    if not _IBAN.fullmatch(iban):
        raise _fail("iban", "not shaped like an IBAN")
    if not iban_is_valid(iban):
        raise _fail("iban", "fails the mod-97 check")
    return iban


def _norm_email(value: str) -> str:
    email = value.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise _fail("email", "not an e-mail address")
    return email


_NORMALISERS: Final[dict[str, Callable[[str], str]]] = {
    "bsn": _norm_bsn,
    "namedob": _norm_namedob,
    "plate": _norm_plate,
    "phone": _norm_phone,
    "iban": _norm_iban,
    "email": _norm_email,
}


def normalise(kind: str, value: str) -> str:
    """The normalised identifier that is hashed, e.g. ``+31612345678`` for ``06-12345678``.

    Raises :class:`PseudonymisationError` (naming the kind and rule, not the value) when the
    value fails its kind's format or check.
    """
    normaliser = _NORMALISERS.get(kind)
    if normaliser is None:
        raise PseudonymisationError(
            f"unknown identifier kind {kind!r}; expected one of {', '.join(PSEUDONYM_KINDS)}"
        )
    if not isinstance(value, str) or not value.strip():
        raise _fail(kind, "the value is empty")
    return normaliser(value)


def _hash_token(prefix: str, message: str, key: bytes) -> str:
    digest = hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()[:16]
    return prefix + "-" + base64.b32encode(digest).decode("ascii").rstrip("=")


def pseudonymise(kind: str, value: str, key: bytes) -> str:
    """The token of one identifier: ``PREFIX-`` + 26 base32 characters.

    ``kind`` is one of :data:`PSEUDONYM_KINDS`; for ``namedob`` the value is
    ``"full name|date of birth"`` (see :func:`pseudonymise_name_dob`).
    """
    normal = normalise(kind, value)
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(f"the pseudonymisation key is shorter than {MIN_KEY_BYTES} bytes")
    return _hash_token(_PREFIX[kind], f"{kind}:{normal}", key)


def pseudonymise_name_dob(name: str, date_of_birth: date | str, key: bytes) -> str:
    """The person token of someone without a BSN, from full name and date of birth.

    It does not match the same person's BSN token: a known, documented limitation.
    """
    dob = date_of_birth.isoformat() if isinstance(date_of_birth, date) else date_of_birth
    return pseudonymise("namedob", f"{name}|{dob}", key)


def is_token(value: str) -> bool:
    """Whether ``value`` is a well-formed token (any kind)."""
    return bool(TOKEN_PATTERN.fullmatch(value))


def load_key(settings: Settings, *, environ: dict[str, str] | None = None) -> bytes:
    """The HMAC key: ``settings.pseudonym_key`` (``KNOOPPUNT_PSEUDONYM_KEY``), else the file
    ``settings.pseudonym_key_file`` (``KNOOPPUNT_PSEUDONYM_KEY_FILE``; trailing newline
    stripped).

    The key is held apart from the platform (DOMAIN.md): only partners and the generator need
    it. Refuses a missing or short key, and the public :data:`DEMO_KEY` in production mode.
    ``environ`` is only read for a key file named there after the settings were loaded.
    """
    key: bytes | None = None
    if settings.pseudonym_key is not None:
        key = settings.pseudonym_key.get_secret_value().encode("utf-8")
    else:
        key_file = settings.pseudonym_key_file
        if key_file is None:
            env = os.environ if environ is None else environ
            named = env.get("KNOOPPUNT_PSEUDONYM_KEY_FILE")
            key_file = Path(named) if named else None
        if key_file is not None:
            key = read_key_file(key_file)
    if key is None:
        raise PseudonymKeyError(
            "no pseudonymisation key: set KNOOPPUNT_PSEUDONYM_KEY or KNOOPPUNT_PSEUDONYM_KEY_FILE"
        )
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(f"the pseudonymisation key is shorter than {MIN_KEY_BYTES} bytes")
    if settings.mode == "production" and key == DEMO_KEY:
        raise PseudonymKeyError("the public demo key is refused in production mode")
    return key


def read_key_file(path: Path) -> bytes:
    """Read a key file (bytes, one trailing newline stripped); errors name the file."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise PseudonymKeyError(f"{path}: cannot read the key file ({e.strerror})") from e
    key = raw.rstrip(b"\r\n")
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(f"{path}: the key is shorter than {MIN_KEY_BYTES} bytes")
    return key
