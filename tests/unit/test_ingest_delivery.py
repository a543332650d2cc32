"""Bad input: each a clear error naming file, row, column and rule, raised before any write."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from graph.geography import Geography, load_geography
from graph.settings import get_settings
from ingest.delivery import check_delivery, iter_records
from ingest.errors import (
    DeliveryError,
    IngestError,
    PrivacyRefusedError,
    RejectThresholdError,
)
from ingest.manifest import load_manifest
from ingest.mapping import load_mappings
from tests.ingest_fixtures import (
    bd_delivery,
    person,
    pol_delivery,
    rewrite_manifest_checksums,
    scenario,
    valid_bsn,
    write_csv,
)


@pytest.fixture(scope="module")
def geography() -> Geography:
    return load_geography(get_settings().require_geography_dir())


def _check(directory: Path, geography: Geography) -> object:
    return check_delivery(directory, load_mappings(), geography)


def _manifest(directory: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((directory / "manifest.json").read_text("utf-8"))
    return data


def _set_manifest(directory: Path, **changes: object) -> None:
    data = _manifest(directory)
    data.update(changes)
    (directory / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


#: The header of the tax partner's employee file.
_WERKNEMERS = ["kvk_nummer", "persoon_token", "datum_in_dienst"]


def _bd_with_file(
    root: Path, name: str, header: list[str], rows: Sequence[Sequence[object]]
) -> Path:
    """The tax delivery with file ``name`` rewritten as ``header`` and ``rows``, checksums fixed."""
    directory = bd_delivery(root)
    write_csv(directory / name, header, rows)
    rewrite_manifest_checksums(directory)
    return directory


def _bd_with_start_dates(root: Path, dates: list[str]) -> Path:
    """The tax delivery with one employee of company 01234567 per start date in ``dates``."""
    rows = [["01234567", person(i), day] for i, day in enumerate(dates)]
    return _bd_with_file(root, "loonaangifte.csv", _WERKNEMERS, rows)


def test_scenario_passes_and_yields_records(tmp_path: Path, geography: Geography) -> None:
    for directory in scenario(tmp_path):
        checked = check_delivery(directory, load_mappings(), geography)
        assert checked.rejects.count == 0
        assert checked.rows == checked.manifest.rows
        records = list(iter_records(checked))
        assert len(records) == checked.rows
        assert sum(len(n) for n, _ in records) == checked.nodes


def test_retain_until_follows_from_the_legal_basis(tmp_path: Path) -> None:
    directory = pol_delivery(tmp_path)
    assert load_manifest(directory).retain_until == date(2031, 11, 1)  # WPG: 5 years
    _set_manifest(directory, retain_until="2028-01-01")
    assert load_manifest(directory).retain_until == date(2028, 1, 1)


def test_unknown_partner(tmp_path: Path, geography: Geography) -> None:
    directory = pol_delivery(tmp_path)
    _set_manifest(directory, partner="XYZ")
    with pytest.raises(DeliveryError, match=r"manifest.json: key 'partner': unknown partner"):
        _check(directory, geography)


def test_partner_not_allowed_for_source(tmp_path: Path, geography: Geography) -> None:
    directory = pol_delivery(tmp_path)
    _set_manifest(directory, partner="BD", delivery_id="BD-20261101-01", legal_basis="AWR")
    with pytest.raises(DeliveryError, match="partner BD does not deliver source pol_incidenten"):
        _check(directory, geography)


def test_manifest_missing(tmp_path: Path, geography: Geography) -> None:
    directory = pol_delivery(tmp_path)
    (directory / "manifest.json").unlink()
    with pytest.raises(DeliveryError, match="manifest missing"):
        _check(directory, geography)


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("delivery_id", "pol-1", "must match"),
        ("legal_basis", "GDPR", "unknown legal-basis"),
        ("extract_date", "01-11-2026", "ISO date"),
        ("reject_threshold", 2, "between 0 and 1"),
        ("files", [], "lists no files"),
        ("format_version", 2, "unsupported"),
    ],
)
def test_malformed_manifest(
    tmp_path: Path, geography: Geography, key: str, value: object, rule: str
) -> None:
    directory = pol_delivery(tmp_path)
    _set_manifest(directory, **{key: value})
    with pytest.raises(DeliveryError, match=rule) as info:
        _check(directory, geography)
    assert f"'{key}'" in str(info.value)


def test_checksum_mismatch(tmp_path: Path, geography: Geography) -> None:
    directory = pol_delivery(tmp_path)
    with (directory / "incidenten.csv").open("a", encoding="utf-8") as handle:
        handle.write("PL-2026-9999999;01-03-2026;drugs;;;\n")
    with pytest.raises(DeliveryError, match=r"incidenten.csv: checksum mismatch"):
        _check(directory, geography)


def _cp1252_bd_delivery(root: Path, *, declared: bool) -> Path:
    """A tax delivery whose ``bedrijven.csv`` is cp1252, its manifest saying so or not."""
    directory = bd_delivery(root)
    path = directory / "bedrijven.csv"
    path.write_bytes(path.read_bytes().replace(b"Snel", "Snél".encode("cp1252")))
    if declared:
        data = _manifest(directory)
        files = data["files"]
        assert isinstance(files, list)
        files[0]["encoding"] = "cp1252"
        (directory / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    rewrite_manifest_checksums(directory)
    return directory


def test_wrong_encoding(tmp_path: Path, geography: Geography) -> None:
    directory = _cp1252_bd_delivery(tmp_path, declared=False)
    with pytest.raises(DeliveryError, match=r"bedrijven.csv: row \d+: not valid utf-8"):
        _check(directory, geography)


def test_declared_encoding_is_used(tmp_path: Path, geography: Geography) -> None:
    directory = _cp1252_bd_delivery(tmp_path, declared=True)
    checked = check_delivery(directory, load_mappings(), geography)
    names = [n[0][2].get("name") for n, _ in iter_records(checked) if n[0][2]]
    assert "Autobedrijf Snél" in names


def test_missing_column(tmp_path: Path, geography: Geography) -> None:
    directory = _bd_with_file(
        tmp_path, "bedrijven.csv", ["kvk_nummer", "naam"], [["01234567", "X"]]
    )
    with pytest.raises(DeliveryError, match=r"bedrijven.csv: row 1, column sbi_code: missing"):
        _check(directory, geography)


def test_unknown_extra_column_warns(tmp_path: Path, geography: Geography) -> None:
    directory = _bd_with_file(
        tmp_path,
        "loonaangifte.csv",
        [*_WERKNEMERS, "opmerking"],
        [["01234567", person(3), "2020-01-01", "ok"]],
    )
    checked = check_delivery(directory, load_mappings(), geography)
    assert any("opmerking" in w for w in checked.warnings)


def test_malformed_dates_are_rejected_over_the_threshold(
    tmp_path: Path, geography: Geography
) -> None:
    directory = _bd_with_start_dates(
        tmp_path, ["2020-01-01" if i % 3 else "31-12-2020" for i in range(30)]
    )
    with pytest.raises(RejectThresholdError) as info:
        _check(directory, geography)
    message = str(info.value)
    assert "loonaangifte.csv:datum_in_dienst:date_format" in message
    assert "31-12-2020" not in message


def test_rejects_under_the_threshold_are_reported_and_skipped(
    tmp_path: Path, geography: Geography
) -> None:
    directory = _bd_with_start_dates(
        tmp_path, ["2020-01-01" if i else "2020-13-01" for i in range(30)]
    )
    _set_manifest(directory, reject_threshold=0.05)
    checked = check_delivery(directory, load_mappings(), geography)
    assert checked.rejects.count == 1
    reject = checked.rejects.rejects[0]
    assert (reject.file, reject.row, reject.column, reject.rule) == (
        "loonaangifte.csv",
        2,
        "datum_in_dienst",
        "date_format",
    )
    assert len(list(iter_records(checked))) == checked.rows - 1
    report = tmp_path / "rejects.csv"
    checked.rejects.write_csv(report)
    assert "2020-13-01" not in report.read_text("utf-8")


def test_duplicate_key_with_conflicting_values(tmp_path: Path, geography: Geography) -> None:
    directory = _bd_with_file(
        tmp_path,
        "bedrijven.csv",
        ["kvk_nummer", "naam", "sbi_code", "kasintensief", "belastingschuld"],
        [["01234567", "A", "4776", "J", 1], ["01234567", "A", "4776", "J", 2]],
    )
    with pytest.raises(DeliveryError, match=r"row 3: duplicate Company key with a conflicting"):
        _check(directory, geography)


def test_empty_file(tmp_path: Path, geography: Geography) -> None:
    directory = bd_delivery(tmp_path)
    (directory / "bedrijven.csv").write_bytes(b"")
    rewrite_manifest_checksums(directory)
    with pytest.raises(DeliveryError, match=r"bedrijven.csv: empty file"):
        _check(directory, geography)


def test_truncated_file(tmp_path: Path, geography: Geography) -> None:
    directory = pol_delivery(tmp_path, incidents=20)
    path = directory / "betrokkenen.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut in the middle of a row
    manifest = _manifest(directory)
    rewrite_manifest_checksums(directory)
    # The partner's manifest still states the original row count.
    fixed = _manifest(directory)
    fixed["files"] = [
        {**f, "rows": o["rows"]}
        for f, o in zip(fixed["files"], manifest["files"], strict=True)  # type: ignore[call-overload]
    ]
    (directory / "manifest.json").write_text(json.dumps(fixed), encoding="utf-8")
    with pytest.raises(DeliveryError, match=r"betrokkenen.csv: row \d+: .*truncated"):
        _check(directory, geography)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (valid_bsn(42), "bsn"),
        ("NL91ABNA0417164300", "iban"),
        ("jan.jansen@example.nl", "email"),
        ("06-12345678", "phone"),
        ("XB-12-KL", "licence_plate"),
        ("Jan de Vries", "person_name"),
        ("PRS-TOOSHORT", "malformed_token"),
    ],
)
def test_each_raw_identifier_kind_refuses_the_delivery(
    tmp_path: Path, geography: Geography, raw: str, rule: str
) -> None:
    directory = pol_delivery(tmp_path, incidents=30)
    path = directory / "betrokkenen.csv"
    lines = path.read_text("utf-8").splitlines()
    parts = lines[5].split(";")
    parts[1] = raw
    lines[5] = ";".join(parts)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rewrite_manifest_checksums(directory)
    _set_manifest(directory, reject_threshold=0.5)  # the guard does not depend on rejects
    with pytest.raises(PrivacyRefusedError) as info:
        _check(directory, geography)
    message = str(info.value)
    assert "betrokkenen.csv, column persoon_token: 1 row(s)" in message
    assert rule in message
    assert raw not in message
    assert info.value.exit_code == 4


def test_raw_identifier_in_an_undeclared_column_refuses(
    tmp_path: Path, geography: Geography
) -> None:
    directory = _bd_with_file(
        tmp_path,
        "loonaangifte.csv",
        [*_WERKNEMERS, "bsn"],
        [["01234567", person(i), "2020-01-01", valid_bsn(i)] for i in range(5)],
    )
    with pytest.raises(PrivacyRefusedError, match="column bsn: 5 row"):
        _check(directory, geography)


def test_every_error_is_an_ingest_error_with_an_exit_code() -> None:
    for cls in (DeliveryError, RejectThresholdError, PrivacyRefusedError):
        assert issubclass(cls, IngestError)
        assert int(cls.exit_code) > 0


def _pol_with_relations(root: Path, header: list[str], rows: list[list[object]]) -> Path:
    directory = pol_delivery(root)
    write_csv(directory / "relaties.csv", header, rows, delimiter=";")
    data = _manifest(directory)
    files = list(data["files"])  # type: ignore[call-overload]
    files.append({"name": "relaties.csv", "source": "pol_relaties"})
    _set_manifest(directory, files=files)
    rewrite_manifest_checksums(directory)
    return directory


_RELATIONS_V1 = ["onderzoek", "persoon_token_1", "persoon_token_2", "soort", "datum"]


def test_police_relations_of_the_first_format_stay_valid(
    tmp_path: Path, geography: Geography
) -> None:
    directory = _pol_with_relations(
        tmp_path, _RELATIONS_V1, [["ONDZ-2026-0001", person(1), person(2), "called", "01-03-2026"]]
    )
    checked = check_delivery(directory, load_mappings(), geography)
    links = [link for _, links in iter_records(checked) for link in links]
    associate = next(link for link in links if link[0] == "ASSOCIATE")
    props = associate[-1]
    assert props["kind"] == "called"
    assert str(props["date"]) == "2026-03-01"
    assert "count" not in props or props["count"] is None


def test_police_relations_carry_their_contacts(tmp_path: Path, geography: Geography) -> None:
    header = [*_RELATIONS_V1, "aantal", "eerste_datum", "laatste_datum", "kanaal"]
    row: list[object] = [
        "ONDZ-2026-0001",
        person(1),
        person(2),
        "called",
        "01-03-2026",
        37,
        "05-01-2026",
        "01-03-2026",
        "call",
    ]
    ok = _pol_with_relations(tmp_path / "ok", header, [row])
    checked = check_delivery(ok, load_mappings(), geography)
    links = [link for _, links in iter_records(checked) for link in links]
    props = next(link for link in links if link[0] == "ASSOCIATE")[-1]
    assert props["count"] == 37
    assert props["channel"] == "call"
    assert str(props["first_contact"]) == "2026-01-05"
    assert str(props["last_contact"]) == "2026-03-01"
    bad = [*row[:8], "telepathy"]
    with pytest.raises(RejectThresholdError, match=r"relaties\.csv:kanaal:"):
        _check(_pol_with_relations(tmp_path / "bad", header, [bad]), geography)
