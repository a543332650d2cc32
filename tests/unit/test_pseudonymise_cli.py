"""``knooppunt pseudonymise``: partners turn raw identifier columns into tokens."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from graph.errors import ExitCode
from ingest.pseudonymise import pseudonymise
from knooppunt.cli import main

KEY = b"partner-test-key-0123456789"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "key"
    path.write_bytes(KEY + b"\n")
    return path


def _write(path: Path, rows: list[list[str]], delimiter: str = ",") -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)


def test_columns_become_tokens(tmp_path: Path, key_file: Path) -> None:
    source = tmp_path / "in.csv"
    _write(
        source,
        [
            ["bsn", "naam", "geboortedatum", "kenteken", "telefoon", "iban", "bedrag"],
            ["111222333", "", "", "AB-123-C", "06-12345678", "NL91ABNA0417164300", "12"],
            ["", "José de Vries", "03-02-1980", "", "", "", "7"],
        ],
        ";",
    )
    target = tmp_path / "out.csv"
    code = main(
        [
            "pseudonymise",
            "-c",
            "bsn=bsn",
            "-c",
            "naam+geboortedatum=namedob",
            "-c",
            "kenteken=plate",
            "-c",
            "telefoon=phone",
            "-c",
            "iban=iban",
            "--delimiter",
            ";",
            "--key-file",
            str(key_file),
            str(source),
            str(target),
        ]
    )
    assert code == ExitCode.OK
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert list(rows[0]) == ["bsn", "naam", "kenteken", "telefoon", "iban", "bedrag"]
    assert rows[0]["bsn"] == pseudonymise("bsn", "111222333", KEY)
    assert rows[0]["kenteken"] == pseudonymise("plate", "AB123C", KEY)
    assert rows[0]["telefoon"] == pseudonymise("phone", "+31612345678", KEY)
    assert rows[0]["iban"] == pseudonymise("iban", "NL91ABNA0417164300", KEY)
    assert rows[0]["naam"] == ""
    assert rows[1]["naam"] == pseudonymise("namedob", "jose de vries|1980-02-03", KEY)
    assert rows[1]["bsn"] == ""
    assert [r["bedrag"] for r in rows] == ["12", "7"]


def test_bad_value_names_row_and_column_not_value(
    tmp_path: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    _write(source, [["bsn"], ["111222333"], ["123456789"]])
    target = tmp_path / "out.csv"
    code = main(
        ["pseudonymise", "-c", "bsn=bsn", "--key-file", str(key_file), str(source), str(target)]
    )
    assert code == ExitCode.BAD_INPUT
    err = " ".join(capsys.readouterr().err.split())
    assert "row 3" in err
    assert "column bsn" in err
    assert "eleven-test" in err
    assert "123456789" not in err
    assert not target.exists()
    assert not list(tmp_path.glob("*.partial"))


def test_bad_arguments(tmp_path: Path, key_file: Path) -> None:
    source = tmp_path / "in.csv"
    _write(source, [["bsn"], ["111222333"]])
    out = str(tmp_path / "out.csv")
    # A malformed --column is wrong usage (2); a column the file lacks is bad input (3).
    assert (
        main(["pseudonymise", "-c", "bsn=passport", "--key-file", str(key_file), str(source), out])
        == ExitCode.USAGE
    )
    assert (
        main(["pseudonymise", "-c", "nummer=bsn", "--key-file", str(key_file), str(source), out])
        == ExitCode.BAD_INPUT
    )
    assert (
        main(["pseudonymise", "-c", "bsn=namedob", "--key-file", str(key_file), str(source), out])
        == ExitCode.USAGE
    )


def test_missing_key_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.settings import get_settings

    monkeypatch.delenv("KNOOPPUNT_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("KNOOPPUNT_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    source = tmp_path / "in.csv"
    _write(source, [["bsn"], ["111222333"]])
    try:
        code = main(["pseudonymise", "-c", "bsn=bsn", str(source), str(tmp_path / "o.csv")])
    finally:
        get_settings.cache_clear()
    assert code == ExitCode.CONFIGURATION
