"""The converter of ``benchmarks/real_networks.py`` on the tiny committed fixture: what it
reads, and that its deliveries pass the project's own delivery checker."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from benchmarks.real_networks import (
    CAVIAR_SEIZURES,
    EXTRACT_DATE,
    phase_window,
    read_caviar,
    read_montagna,
    write_deliveries,
)
from graph.geography import load_geography
from graph.settings import PACKAGED_GEOGRAPHY_DIR
from ingest.delivery import check_delivery
from ingest.mapping import load_mappings
from ingest.pseudonymise import is_token

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "real_networks"
KEY = b"unit-test-key-of-the-real-networks-converter"


def test_caviar_sums_both_directions_and_all_phases() -> None:
    net = read_caviar(FIXTURE / "caviar")
    assert net.people == ["1", "3", "83", "85", "88", "89"]
    pair = {(c.a, c.b): c for c in net.contacts}
    # 1 -> 3 and 3 -> 1: phase 1 4 + 2, phase 4 71 + 9
    assert pair[("1", "3")].count == 86
    assert pair[("1", "3")].first == phase_window(1)[0]
    assert pair[("1", "3")].last == phase_window(4)[1] < EXTRACT_DATE
    assert {c.channel for c in net.contacts} == {"call"}
    # 83 called only in phase 4 (to 85); 83 -> 1 only in phase 1
    assert pair[("83", "85")].first == phase_window(4)[0]
    assert net.notes["calls"] == sum(c.count for c in net.contacts)
    assert net.leaders == ("1", "3")  # 12 is not in the fixture


def test_caviar_seizures_of_a_phase_involve_its_players() -> None:
    net = read_caviar(FIXTURE / "caviar")
    assert len(net.incidents) == CAVIAR_SEIZURES[4]  # phase 1 had none
    (seizure,) = net.incidents
    first, last = phase_window(4)
    assert first <= seizure.day <= last
    assert seizure.kind == "seizure"
    assert set(seizure.involved) == set(net.people)


def test_montagna_channels_families_and_arrests() -> None:
    net = read_montagna(FIXTURE / "montagna_sicilian_mafia")
    assert net.people == ["0", "1", "2", "3", "4", "5"]  # N6 has no edges
    by = {(c.a, c.b, c.channel): c.count for c in net.contacts}
    assert by[("0", "1", "meeting")] == 4  # both orientations summed
    assert by[("0", "2", "call")] == 4
    assert ("0", "2", "meeting") not in by
    assert all(c.first is None and c.last is None for c in net.contacts)
    assert net.groups == {"0": "alfa", "1": "alfa", "3": "beta", "4": "beta"}  # -77 left out
    assert net.prosecuted == ["0", "3"]
    assert net.leaders == ("0", "3")


def test_deliveries_pass_the_delivery_checker(tmp_path: Path) -> None:
    nets = [read_caviar(FIXTURE / "caviar"), read_montagna(FIXTURE / "montagna_sicilian_mafia")]
    geography = load_geography(PACKAGED_GEOGRAPHY_DIR)
    dirs, tokens = write_deliveries(nets, tmp_path, KEY, geography)
    assert [d.name for d in dirs] == [
        "POL-20261130-01",
        "OM-20261130-01",
        "GEM-20261130-RE10",
        "GEM-20261130-RE07",
    ]
    assert len(tokens) == 12
    assert all(is_token(t) and t.startswith("PRS-") for t in tokens)
    mappings = load_mappings()
    rows = {}
    for d in dirs:
        checked = check_delivery(d, mappings, geography)
        try:
            assert checked.rejects.count == 0
            assert not checked.warnings
            rows[d.name] = checked.rows
        finally:
            checked.close()
    n_contacts = sum(len(n.contacts) for n in nets)
    assert rows["POL-20261130-01"] == n_contacts + 1 + 6  # relations, the seizure, its players
    assert rows["OM-20261130-01"] == 2
    with (dirs[0] / "onderzoeksrelaties.csv").open(encoding="utf-8", newline="") as fh:
        relations = list(csv.DictReader(fh, delimiter=";"))
    assert {r["kanaal"] for r in relations} == {"call", "meeting"}
    assert sum(int(r["aantal"]) for r in relations) == sum(
        c.count for n in nets for c in n.contacts
    )
    # no dataset id or name travels: the files hold tokens only
    for d in dirs:
        for f in d.iterdir():
            if f.suffix == ".csv":
                assert "caviar" not in f.read_text(encoding="utf-8").lower()


def test_a_bad_cell_is_named_by_place_not_value(tmp_path: Path) -> None:
    phases = tmp_path / "caviar" / "phases"
    phases.mkdir(parents=True)
    (phases / "phase1.csv").write_text('"players","1","2"\n"1",0,secret7\n"2",1,0\n')
    with pytest.raises(ValueError, match="row 2, column 2: not a number") as info:
        read_caviar(tmp_path / "caviar")
    assert "secret7" not in str(info.value)


def test_rows_go_into_a_background_delivery_of_the_same_stream(tmp_path: Path) -> None:
    caviar = read_caviar(FIXTURE / "caviar")
    montagna = read_montagna(FIXTURE / "montagna_sicilian_mafia")
    geography = load_geography(PACKAGED_GEOGRAPHY_DIR)
    background, _ = write_deliveries([montagna], tmp_path / "bg", KEY, geography)
    dirs, tokens = write_deliveries(
        [caviar], tmp_path / "out", KEY, geography, background=tmp_path / "bg"
    )
    # one delivery per stream: the background's police delivery takes the CAVIAR rows,
    # Rotterdam's register is new, the prosecution and Limburg's register are copied
    assert sorted(d.name for d in background) == [
        "GEM-20261130-RE10",
        "OM-20261130-01",
        "POL-20261130-01",
    ]
    assert sorted(d.name for d in dirs) == [
        "GEM-20261130-RE07",
        "GEM-20261130-RE10",
        "OM-20261130-01",
        "POL-20261130-01",
    ]
    assert len(tokens) == 6
    mappings = load_mappings()
    rows = {}
    for d in dirs:
        checked = check_delivery(d, mappings, geography)
        try:
            assert checked.rejects.count == 0
            rows[d.name] = checked.rows
        finally:
            checked.close()
    assert rows["POL-20261130-01"] == len(montagna.contacts) + len(caviar.contacts) + 1 + 6
    assert rows["GEM-20261130-RE07"] == 6
    assert rows["OM-20261130-01"] == 2
