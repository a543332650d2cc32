"""The privacy guard: rules, column judgement, and error rates on a labelled corpus.

The corpus holds columns of synthetic values, each labelled "refuse" (raw identifiers that
must never pass) or "accept" (pseudonymised or harmless data, including the hard negatives
the issue names: KvK numbers, phone numbers without their leading zero, tokens, amounts, dates,
random 9-digit numbers about 1 in 11 of which pass the eleven-test). Run with ``-s`` to see the
false-positive and false-negative rates; ``docs/decisions/022-privacy-guard.md`` records them.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

import pytest

from ingest.errors import PrivacyRefusedError
from ingest.guard import DeliveryGuard, classify, judge_column, looks_like_plate
from ingest.pseudonymise import DEMO_KEY, bsn_is_valid, pseudonymise
from tests.ingest_fixtures import valid_bsn

COLUMN_ROWS = 50
COLUMNS_PER_CLASS = 40


def _iban(rng: random.Random) -> str:
    bank = rng.choice(["ABNA", "INGB", "RABO", "TRIO", "SNSB"])
    account = "".join(rng.choice(string.digits) for _ in range(10))
    bban = bank + account
    numeric = "".join(str(int(c, 36)) for c in bban + "NL00")
    check = 98 - int(numeric) % 97
    return f"NL{check:02d}{bban}"


def _plate(rng: random.Random) -> str:
    letters = "BDFGHJKLNPRSTVXZ"
    pattern = rng.choice(
        [
            "LL-99-LL",
            "99-LLL-9",
            "9-LLL-99",
            "LL-999-L",
            "L-999-LL",
            "LLL-99-L",
            "99-LL-LL",
            "LL-LL-99",
        ]
    )
    plate = "".join(
        rng.choice(letters) if c == "L" else rng.choice(string.digits) if c == "9" else c
        for c in pattern
    )
    return plate if rng.random() < 0.7 else plate.replace("-", "")


def _phone(rng: random.Random) -> str:
    number = "6" + "".join(rng.choice(string.digits) for _ in range(8))
    return rng.choice(
        [f"0{number}", f"06-{number[1:]}", f"+31 {number}", f"0031{number}", f"020-{number[2:]}1"]
    )


def _name(rng: random.Random) -> str:
    first = rng.choice(["Jan", "Fatima", "Mohammed", "Anna", "Pieter", "Sanne", "Ahmet"])
    last = rng.choice(["de Vries", "Jansen", "van den Berg", "Bakker", "El Amrani", "Yilmaz"])
    return f"{first} {last}"


def _token(rng: random.Random) -> str:
    return pseudonymise("bsn", valid_bsn(rng.randrange(10**6)), DEMO_KEY)


def _nine_digits(rng: random.Random) -> str:
    return str(rng.randrange(10**8, 10**9))


def _dotted(bsn: str) -> str:
    return f"{bsn[:3]}.{bsn[3:6]}.{bsn[6:]}"


Gen = Callable[[random.Random], str]

#: (class name, generator, token column?, should refuse?)
CORPUS: list[tuple[str, Gen | None, bool, bool]] = [
    # must be refused
    ("bsn in a free column", lambda r: valid_bsn(r.randrange(10**6)), False, True),
    ("bsn with dots", lambda r: _dotted(valid_bsn(r.randrange(10**6))), False, True),
    (
        "bsn, 60% of a column of numbers",
        lambda r: valid_bsn(r.randrange(10**6)) if r.random() < 0.6 else _nine_digits(r),
        False,
        True,
    ),
    ("iban in a free column", _iban, False, True),
    ("e-mail in a free column", lambda r: f"user{r.randrange(10**5)}@example.nl", False, True),
    ("phone in a free column", _phone, False, True),
    ("licence plate in a free column", _plate, False, True),
    ("person name in a token column", _name, True, True),
    ("bsn in a token column", lambda r: valid_bsn(r.randrange(10**6)), True, True),
    ("iban in a token column", _iban, True, True),
    ("plate in a token column", _plate, True, True),
    ("malformed token", lambda r: _token(r)[:-3], True, True),
    ("lower-case token", lambda r: _token(r).lower(), True, True),
    ("one bsn leaked among tokens", None, True, True),  # built below
    # must be accepted (hard negatives first)
    ("kvk numbers", lambda r: f"{r.randrange(10**7, 10**8):08d}", False, False),
    ("phone without leading zero", lambda r: "6" + f"{r.randrange(10**8):08d}", False, False),
    ("random 9-digit numbers", _nine_digits, False, False),
    ("tokens in a token column", _token, True, False),
    ("amounts", lambda r: f"{r.randrange(10**7) / 100:.2f}", False, False),
    ("integer amounts", lambda r: str(r.randrange(10**9)), False, False),
    (
        "iso dates",
        lambda r: f"20{r.randrange(10, 27)}-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}",
        False,
        False,
    ),
    (
        "dutch dates",
        lambda r: f"{r.randrange(1, 29):02d}-{r.randrange(1, 13):02d}-20{r.randrange(10, 27)}",
        False,
        False,
    ),
    (
        "compact dates",
        lambda r: f"20{r.randrange(10, 27)}{r.randrange(1, 13):02d}{r.randrange(1, 29):02d}",
        False,
        False,
    ),
    ("case numbers", lambda r: f"PL-2026-{r.randrange(10**7):07d}", False, False),
    (
        "company names",
        lambda r: r.choice(
            [
                "Autobedrijf Snel",
                "Growshop De Groene Vinger",
                "Bouwbedrijf Jansen BV",
                "Kapsalon Anna",
            ]
        ),
        False,
        False,
    ),
    ("sbi codes", lambda r: str(r.randrange(1000, 99999)), False, False),
]


def _column(rng: random.Random, name: str, gen: Gen | None) -> list[str]:
    if name == "one bsn leaked among tokens":
        values = [_token(rng) for _ in range(COLUMN_ROWS)]
        values[rng.randrange(COLUMN_ROWS)] = valid_bsn(rng.randrange(10**6))
        return values
    assert gen is not None
    return [gen(rng) for _ in range(COLUMN_ROWS)]


def corpus_rates(seed: int = 20261128) -> tuple[float, float, dict[str, float]]:
    """(false-positive rate, false-negative rate, share refused per class) over the corpus."""
    rng = random.Random(seed)
    fp = fn = positives = negatives = 0
    per_class: dict[str, float] = {}
    for name, gen, token, refuse in CORPUS:
        refused = 0
        for _ in range(COLUMNS_PER_CLASS):
            rule = judge_column(_column(rng, name, gen), token=token)
            refused += rule is not None
        per_class[name] = refused / COLUMNS_PER_CLASS
        if refuse:
            positives += COLUMNS_PER_CLASS
            fn += COLUMNS_PER_CLASS - refused
        else:
            negatives += COLUMNS_PER_CLASS
            fp += refused
    return fp / negatives, fn / positives, per_class


def test_corpus_error_rates() -> None:
    fp_rate, fn_rate, per_class = corpus_rates()
    print(
        f"\nprivacy guard on the labelled corpus ({len(CORPUS)} classes x "
        f"{COLUMNS_PER_CLASS} columns x {COLUMN_ROWS} values):"
    )
    for name, share in per_class.items():
        print(f"  {name:<34} refused {share:6.1%}")
    print(f"  false-positive rate {fp_rate:.2%}, false-negative rate {fn_rate:.2%}")
    assert fp_rate <= 0.01
    assert fn_rate <= 0.01


def test_hard_negative_nine_digit_numbers_pass_the_eleven_test_at_chance() -> None:
    # The reason a column is judged by its share: about 1 in 11 random numbers passes.
    rng = random.Random(1)
    values = [_nine_digits(rng) for _ in range(5000)]
    share = sum(bsn_is_valid(v) for v in values) / len(values)
    assert 0.06 < share < 0.12
    assert judge_column(values) is None


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("111222333", "bsn"),
        ("NL91ABNA0417164300", "iban"),
        ("NL91 ABNA 0417 1643 00", "iban"),
        ("jan@example.nl", "email"),
        ("06-12345678", "phone"),
        ("+31 6 1234 5678", "phone"),
        ("XB-12-KL", "licence_plate"),
        ("Jan de Vries", "person_name"),
        ("111222334", None),
        ("NL91ABNA0417164301", None),
        ("612345678", None),
        ("12345678", None),
        ("2026-11-01", None),
        ("PRS-" + "A" * 26, None),
    ],
)
def test_classify(value: str, rule: str | None) -> None:
    assert classify(value) == rule


def test_postcode_is_not_a_plate_in_a_postcode_column() -> None:
    assert looks_like_plate("1234AB")  # sidecode 99-99-XX has the shape of a postcode
    assert classify("1234AB", postcode_column=True) is None


def test_hinted_column_refuses_on_one_hit() -> None:
    values = [str(i) for i in range(100)] + ["111222333"]
    assert judge_column(values, column="nummer") is None
    assert judge_column(values, column="bsn_nummer") == "bsn"


def test_refusal_message_names_file_column_rows_rule_and_never_the_value() -> None:
    guard = DeliveryGuard()
    column = guard.column("betrokkenen.csv", "persoon_token", token=True)
    for v in ["111222333", "Jan de Vries", "111222333"]:
        column.observe(v)
    with pytest.raises(PrivacyRefusedError) as info:
        guard.enforce("POL-20261101-01")
    message = str(info.value)
    assert "betrokkenen.csv" in message
    assert "persoon_token" in message
    assert "3 row(s)" in message
    assert "bsn" in message
    assert "111222333" not in message
    assert "Vries" not in message
