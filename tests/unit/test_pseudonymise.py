"""The pseudonymiser: token format, per-kind normalisation and checks, key loading."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from graph.settings import Settings
from graph.vocabulary import TOKEN_PATTERN
from ingest.errors import PseudonymisationError, PseudonymKeyError
from ingest.pseudonymise import (
    DEMO_KEY,
    bsn_is_valid,
    iban_is_valid,
    load_key,
    normalise,
    pseudonymise,
    pseudonymise_name_dob,
)

KEY = b"a-test-key-of-sufficient-length"


#: The token prefix each identifier kind carries (persons share one, whatever the key).
PREFIX = {
    "bsn": "PRS",
    "namedob": "PRS",
    "plate": "VEH",
    "phone": "TEL",
    "iban": "IBN",
    "email": "EML",
}

#: Valid values, each as two spellings that normalise to one value.
SPELLINGS = [
    ("bsn", "111222333", " 111222333"),
    ("bsn", "10000008", "010000008"),
    ("namedob", "Jan de Vries|1980-02-03", "jan de vries|03-02-1980"),
    ("namedob", "José  de Vries|03-02-1980", "jose de vries|1980-02-03"),
    ("plate", "AB-123-C", "ab123c"),
    ("plate", "ab-123-c", "AB123C"),
    ("phone", "06 12345678", "+31612345678"),
    ("phone", "06-12345678", "+31 6 1234 5678"),
    ("phone", "0031612345678", "+31612345678"),
    ("iban", "NL91 ABNA 0417 1643 00", "nl91abna0417164300"),
    ("email", " Jan@Example.NL ", "jan@example.nl"),
    ("email", "JAN@example.nl", "jan@example.nl "),
]


@pytest.mark.parametrize(("kind", "a", "b"), SPELLINGS)
def test_token_format(kind: str, a: str, b: str) -> None:
    for value in (a, b):
        token = pseudonymise(kind, value, KEY)
        assert TOKEN_PATTERN.fullmatch(token)
        assert token.startswith(PREFIX[kind] + "-")
        assert len(token) == 30


def test_known_vector() -> None:
    # Pins the format: HMAC-SHA256(key, "bsn:111222333")[:16] in base32, documented.
    import base64
    import hashlib
    import hmac

    digest = hmac.new(KEY, b"bsn:111222333", hashlib.sha256).digest()[:16]
    expected = "PRS-" + base64.b32encode(digest).decode().rstrip("=")
    assert pseudonymise("bsn", "111222333", KEY) == expected


@pytest.mark.parametrize(("kind", "a", "b"), SPELLINGS)
def test_normalisation_gives_one_token(kind: str, a: str, b: str) -> None:
    assert pseudonymise(kind, a, KEY) == pseudonymise(kind, b, KEY)


def test_kinds_and_keys_separate_tokens() -> None:
    assert pseudonymise("bsn", "111222333", KEY) != pseudonymise("bsn", "111222333", DEMO_KEY)
    # A person without BSN gets a different token than the BSN one: documented limitation.
    assert pseudonymise_name_dob("Jan de Vries", "1980-02-03", KEY) != pseudonymise(
        "bsn", "111222333", KEY
    )


@pytest.mark.parametrize(
    ("kind", "value", "rule"),
    [
        ("bsn", "111222334", "eleven-test"),
        ("bsn", "12345", "9 digits"),
        ("bsn", "12345678a", "digits only"),
        ("iban", "NL91ABNA0417164301", "mod-97"),
        ("iban", "hello", "shaped"),
        ("phone", "06-12ab", "E.164"),
        ("phone", "+3161234567890", "9 digits after"),
        ("plate", "123456", "not digits only"),
        ("email", "no-at-sign", "e-mail"),
        ("namedob", "Jan de Vries", "full name"),
        ("namedob", "Jan|31-31-2000", "date of birth"),
        ("bsn", "   ", "empty"),
    ],
)
def test_invalid_values_name_rule_not_value(kind: str, value: str, rule: str) -> None:
    with pytest.raises(PseudonymisationError) as info:
        pseudonymise(kind, value, KEY)
    message = str(info.value)
    assert rule in message
    assert kind in message
    if value.strip():
        assert value.strip() not in message


def test_unknown_kind() -> None:
    with pytest.raises(PseudonymisationError, match="unknown identifier kind"):
        normalise("passport", "X")


def test_check_digits() -> None:
    assert bsn_is_valid("123456782")
    assert not bsn_is_valid("123456781")
    assert not bsn_is_valid("000000000")
    assert iban_is_valid("GB82WEST12345698765432")
    assert not iban_is_valid("GB82WEST12345698765433")


def test_load_key_from_value_and_file(tmp_path: Path) -> None:
    settings = Settings(pseudonym_key=SecretStr("k" * 20))
    assert load_key(settings) == b"k" * 20
    key_file = tmp_path / "key"
    key_file.write_bytes(b"file-key-0123456789\n")
    settings = Settings(pseudonym_key_file=key_file)
    assert load_key(settings) == b"file-key-0123456789"


def test_load_key_from_env_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_bytes(b"env-file-key-0123456789")
    settings = Settings()
    key = load_key(settings, environ={"KNOOPPUNT_PSEUDONYM_KEY_FILE": str(key_file)})
    assert key == b"env-file-key-0123456789"


def test_load_key_refusals(tmp_path: Path) -> None:
    with pytest.raises(PseudonymKeyError, match="no pseudonymisation key"):
        load_key(Settings(), environ={})
    with pytest.raises(PseudonymKeyError, match="shorter"):
        load_key(Settings(pseudonym_key=SecretStr("short")))
    with pytest.raises(PseudonymKeyError, match="cannot read"):
        load_key(Settings(pseudonym_key_file=tmp_path / "missing"))
    prod = Settings.model_construct(mode="production", pseudonym_key=SecretStr(DEMO_KEY.decode()))
    with pytest.raises(PseudonymKeyError, match="demo key"):
        load_key(prod)


def test_short_key_refused_by_pseudonymise() -> None:
    with pytest.raises(PseudonymKeyError):
        pseudonymise("bsn", "111222333", b"short")
