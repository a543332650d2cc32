"""``knooppunt analyse`` and ``evaluate`` on the real Neo4j with the tiny preset, two waves.

One module-scoped story (the steps depend on each other): wave 1 ingested and analysed (initial
alerts, no decoy alerted), the same data analysed again (no new alerts, same ids), wave 2
ingested and analysed (history events, no initial alerts). A separate test checks that a run
refuses while a delivery is loading, and that an empty graph is analysed without error.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import neo4j
import pytest

from graph import queries as q
from graph.analysis.runner import read_found_clusters
from graph.errors import ExitCode
from graph.settings import Settings
from ingest.queries import DELIVERY_COMMIT, DELIVERY_START
from knooppunt.cli import main
from tests.analysis_contract import EVALUATION_KEYS

pytestmark = pytest.mark.slow

SEED = "3"
AS_OF_WAVE1 = "2026-02-01"
AS_OF_WAVE2 = "2026-05-01"


def _summary(driver: neo4j.Driver, database: str) -> dict[str, Any]:
    records, _, _ = driver.execute_query(q.ANALYSIS_SUMMARY, database_=database)
    return dict(records[0])


def _analyse(instance: str, as_of: str, out: Path) -> dict[str, Any]:
    assert main(["analyse", "--instance", instance, "--as-of", as_of, "--json", str(out)]) == 0
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _evaluate(instance: str, truth: Path, out: Path) -> dict[str, Any]:
    argv = ["evaluate", "--instance", instance, "--truth", str(truth), "--json", str(out)]
    assert main(argv) == 0
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def test_run_refuses_while_a_delivery_is_loading(
    empty_db: neo4j.Driver, neo4j_settings: Settings, test_instance: str, tmp_path: Path
) -> None:
    db = neo4j_settings.neo4j_database
    # an empty graph is analysed without error
    first = _analyse(test_instance, "2026-01-01", tmp_path / "empty.json")
    assert first["nodes"] == 0
    assert first["clusters"] == 0
    empty_db.execute_query(
        DELIVERY_START,
        id="POL-20260101-TEST",
        partner="POL",
        extract_date=date(2026, 1, 1),
        legal_basis="TEST",
        retain_until=date(2031, 1, 1),
        checksum="0" * 64,
        rows=0,
        rejected=0,
        region=None,
        database_=db,
    )
    code = main(["analyse", "--instance", test_instance, "--as-of", "2026-01-01"])
    assert code == ExitCode.BUSY
    runs = _summary(empty_db, db)["runs"]
    assert runs == ["completed"]  # the refused run left no record
    empty_db.execute_query(DELIVERY_COMMIT, id="POL-20260101-TEST", nodes=0, links=0, database_=db)
    assert main(["analyse", "--instance", test_instance, "--as-of", "2026-01-01"]) == 0


@pytest.fixture(scope="module")
def waves(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("analysis-waves")
    w1, w2 = base / "wave1", base / "wave2"
    assert main(["generate", "--preset", "tiny", "--seed", SEED, "--out", str(w1)]) == 0
    assert (
        main(["generate", "--preset", "tiny", "--seed", SEED, "--wave", "2", "--out", str(w2)]) == 0
    )
    return w1, w2


def test_two_waves_clusters_alerts_history_and_evaluation(
    empty_db: neo4j.Driver,
    neo4j_settings: Settings,
    test_instance: str,
    waves: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    db = neo4j_settings.neo4j_database
    w1, w2 = waves
    assert main(["ingest", "--instance", test_instance, str(w1)]) == 0

    run1 = _analyse(test_instance, AS_OF_WAVE1, tmp_path / "run1.json")
    assert run1["initial"] is True
    assert run1["clusters"] > 0
    assert run1["alerts"] > 0
    s1 = _summary(empty_db, db)
    assert s1["alerts"] == s1["initial_alerts"] == run1["alerts"]
    assert s1["memberships"] > 0
    assert sorted(s1["events"]) == ["new"] * len(s1["active"])

    ev = _evaluate(test_instance, w1 / "ground_truth.json", tmp_path / "eval1.json")
    assert set(ev) == EVALUATION_KEYS
    assert ev["decoys_alerted"] == 0
    assert ev["recall"] >= 0.6
    assert ev["precision"] >= 0.6
    assert ev["cross_region_recall"] >= 0.6

    # unchanged data: same clusters, no new alerts or events
    run2 = _analyse(test_instance, AS_OF_WAVE1, tmp_path / "run2.json")
    assert run2["initial"] is False
    assert run2["alerts"] == 0
    assert run2["events"] == 0
    s2 = _summary(empty_db, db)
    assert sorted(s2["active"]) == sorted(s1["active"])
    assert s2["alerts"] == s1["alerts"]

    # wave 2: people move, networks recruit, split, merge and dissolve
    before = read_found_clusters(empty_db, database=db)
    assert main(["ingest", "--instance", test_instance, str(w2)]) == 0
    run3 = _analyse(test_instance, AS_OF_WAVE2, tmp_path / "run3.json")
    assert run3["initial"] is False
    s3 = _summary(empty_db, db)
    assert s3["initial_alerts"] == s1["initial_alerts"]
    records, _, _ = empty_db.execute_query(
        q.ANALYSIS_READ_EVENTS, run_id=run3["run_id"], database_=db
    )
    events: dict[str, set[str]] = {}
    for r in records:
        events.setdefault(r["cluster_id"], set()).add(r["kind"])
    # each planted split, merge and dissolution shows on the wave-1 cluster holding its members
    truth2 = json.loads((w2 / "ground_truth.json").read_text())
    checked = 0
    for change in truth2["changes"]:
        if change["kind"] not in ("split", "merged", "dissolved"):
            continue
        moved = set(change["members"])
        best = max(before, key=lambda c: len(moved & c.members))
        if len(moved & best.members) < 2:
            continue  # the network was not a cluster in wave 1
        checked += 1
        assert change["kind"] in events.get(best.id, set()), change["kind"]
    assert checked >= 2
    ev2 = _evaluate(test_instance, w2 / "ground_truth.json", tmp_path / "eval2.json")
    assert ev2["decoys_alerted"] == 0
    assert ev2["recall"] >= 0.5
