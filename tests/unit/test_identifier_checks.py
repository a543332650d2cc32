"""BSN and IBAN checks come from python-stdnum and judge exactly as the hand-written ones did.

The reference functions below are the project's former implementations (eleven-test, mod-97),
kept here as the oracle of the property tests.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban

from ingest.guard import bsn_digits, classify
from ingest.pseudonymise import bsn_is_valid, iban_is_valid

_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")


def _reference_bsn(digits: str) -> bool:
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11 == 0


def _reference_iban(iban: str) -> bool:
    if not _IBAN_SHAPE.fullmatch(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _with_check_digit(prefix: str) -> str | None:
    total = sum((9 - i) * int(d) for i, d in enumerate(prefix)) % 11
    return None if total == 10 else prefix + str(total)


ASCII_DIGITS = st.text(alphabet="0123456789", min_size=0, max_size=12)
#: Decimal digits of any script (``int()`` reads them), as the guard may meet in free text.
ANY_DECIMAL = st.text(alphabet=st.characters(categories=["Nd"]), min_size=9, max_size=9)


@settings(max_examples=500)
@given(ASCII_DIGITS)
def test_bsn_check_equals_the_eleven_test_on_digit_strings(digits: str) -> None:
    assert bsn_is_valid(digits) == _reference_bsn(digits)


@settings(max_examples=500)
@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_bsn_with_a_computed_check_digit_passes(prefix: str) -> None:
    bsn = _with_check_digit(prefix)
    if bsn is not None:
        assert bsn_is_valid(bsn) == (bsn != "000000000")


@settings(max_examples=500)
@given(ANY_DECIMAL)
def test_bsn_check_reads_unicode_decimal_digits_as_before(digits: str) -> None:
    assert bsn_is_valid(digits) == _reference_bsn(digits)


@given(st.text(max_size=12))
def test_bsn_check_on_any_text_agrees_where_the_old_check_did_not_crash(text: str) -> None:
    try:
        expected = _reference_bsn(text)
    except ValueError:  # the old check crashed on digits without a value ("²")
        expected = False
    assert bsn_is_valid(text) == expected


def test_superscript_digits_are_not_a_bsn_and_do_not_crash_the_guard() -> None:
    assert not bsn_is_valid("²" * 9)
    assert classify("²" * 9) is None


@settings(max_examples=300)
@given(st.from_regex(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", fullmatch=True))
def test_iban_check_equals_mod_97_on_iban_shaped_strings(iban: str) -> None:
    assert iban_is_valid(iban) == _reference_iban(iban)


@settings(max_examples=500)
@given(
    st.from_regex(r"[A-Z]{2}", fullmatch=True),
    st.from_regex(r"[A-Z0-9]{11,30}", fullmatch=True),
)
def test_iban_with_computed_check_digits_passes(country: str, bban: str) -> None:
    check = stdnum_iban.calc_check_digits(country + "00" + bban)
    iban = country + check + bban
    assert iban_is_valid(iban)
    assert _reference_iban(iban)


@given(st.text(max_size=40))
def test_iban_check_on_any_text_agrees(text: str) -> None:
    assert iban_is_valid(text) == _reference_iban(text)


@settings(max_examples=500)
@given(st.text(alphabet="0123456789", min_size=8, max_size=9))
def test_guard_bsn_digits_unchanged(digits: str) -> None:
    if len(digits) == 9:
        assert bsn_digits(digits) == _reference_bsn(digits)
    elif digits[0] != "0" and not _reference_bsn("0" + digits):
        assert not bsn_digits(digits)
