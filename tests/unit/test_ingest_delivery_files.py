"""Delivery files must be the delivery's own regular files, and a partner delivers only under
the legal bases it may use (issue 17, item 2). Each refusal names the file or key and the rule,
exits 3 (bad input), and nothing is read."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from graph.errors import ExitCode
from ingest.delivery import check_delivery
from ingest.errors import DeliveryError
from ingest.manifest import load_manifest
from ingest.mapping import load_mappings
from ingest.validate import Reject, RejectReport
from tests.ingest_fixtures import bd_delivery, rewrite_manifest_checksums

RULE = "must be a regular file of the delivery itself"


def _check(directory: Path) -> None:
    check_delivery(directory, load_mappings(), None)


def _refused(directory: Path, named: Path) -> None:
    with pytest.raises(DeliveryError) as caught:
        _check(directory)
    assert str(caught.value).startswith(f"{named}: {RULE}")
    assert caught.value.exit_code == ExitCode.BAD_INPUT


def test_a_plain_delivery_passes(tmp_path: Path) -> None:
    _check(bd_delivery(tmp_path))


def _moved_out_and_linked(path: Path, outside: Path) -> None:
    """``path`` replaced by a symbolic link to a copy of it outside the delivery."""
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)


def test_a_data_file_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    directory = bd_delivery(tmp_path / "d")
    _moved_out_and_linked(directory / "bedrijven.csv", tmp_path / "elsewhere.csv")
    _refused(directory, directory / "bedrijven.csv")


def test_a_symlinked_manifest_is_refused(tmp_path: Path) -> None:
    directory = bd_delivery(tmp_path / "d")
    _moved_out_and_linked(directory / "manifest.json", tmp_path / "manifest.json")
    with pytest.raises(DeliveryError, match=RULE):
        load_manifest(directory)


def test_a_hard_link_to_a_file_elsewhere_is_refused(tmp_path: Path) -> None:
    directory = bd_delivery(tmp_path / "d")
    data = directory / "loonaangifte.csv"
    os.link(data, tmp_path / "outside-name.csv")
    _refused(directory, data)


def test_a_fifo_is_refused(tmp_path: Path) -> None:
    directory = bd_delivery(tmp_path / "d")
    data = directory / "bedrijven.csv"
    data.unlink()
    os.mkfifo(data)
    _refused(directory, data)


def test_a_symlinked_delivery_directory_is_refused(tmp_path: Path) -> None:
    real = bd_delivery(tmp_path / "d")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    with pytest.raises(DeliveryError, match="not a delivery directory"):
        load_manifest(link)


def test_a_partner_delivers_only_under_its_own_bases(tmp_path: Path) -> None:
    directory = bd_delivery(tmp_path)
    manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
    manifest["legal_basis"] = "HRW"  # the public register's basis: 10 years, not the tax 7
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    rewrite_manifest_checksums(directory)
    with pytest.raises(DeliveryError) as caught:
        load_manifest(directory)
    message = str(caught.value)
    assert "key 'legal_basis'" in message
    assert "not a basis this partner may deliver under (allowed: AWR" in message


def test_the_reject_report_neutralises_formulas(tmp_path: Path) -> None:
    report = RejectReport()
    report.add(Reject(file="=cmd|' /C calc'!A0.csv", row=2, column="@SUM(A1)", rule="required"))
    path = tmp_path / "rejects.csv"
    report.write_csv(path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[1][0] == "'=cmd|' /C calc'!A0.csv"
    assert rows[1][2] == "'@SUM(A1)"
    assert rows[1][3] == "required"
