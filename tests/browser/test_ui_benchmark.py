"""How long the cluster workspace takes to open on a 2,000-node / 10,000-link cluster (the API's
caps for one cluster graph), measured in headless Chromium against the real API and Neo4j.

Printed, not asserted against a time: the figure depends on the machine (this one draws WebGL
in software). The test does check that the whole cluster was shown. Run with
``KNOOPPUNT_TEST_INSTANCE=<name> .venv/bin/pytest -s tests/browser/test_ui_benchmark.py``.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import UTC, date, datetime
from typing import Final

import neo4j
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from graph.model import NodeLabel, RelType
from graph.results import AlertRecord, MembershipRecord
from graph.settings import Settings
from ingest.writer import Source
from tests.browser.chromium import BROWSER_MARKS
from tests.browser.ui_support import check_page, sign_in, ui_state, wait_for
from tests.integration.api_seed import open_case
from tests.integration.seed_support import (
    SeedFacts,
    write_alerts,
    write_clusters,
    write_memberships,
)

pytestmark = [*BROWSER_MARKS, pytest.mark.integration, pytest.mark.slow]
pytest_plugins = ["tests.browser.ui_support"]

NODES: Final = 2_000
LINKS: Final = 10_000
RUNS: Final = 3
CLUSTER: Final = "CL-00000b16"
ALERT: Final = "AL-00000000b16a"
RUN: Final = "RUN-20251101T000000Z-000016"
_POL: Final = Source("POL", "WPG", "POL-2025-016", date(2025, 3, 1), date(2030, 3, 1))


def _person(i: int) -> str:
    return f"PRS-BENCH{i:021d}"


def _seed_large_cluster(driver: neo4j.Driver, database: str) -> str:
    """A cluster of NODES people in Limburg and Oost-Brabant with LINKS distinct associations
    (a ring, so it is connected, plus random pairs); an alert on it and Limburg's case from
    that alert. Returns the case's reference."""
    rng = random.Random(16)
    people = [_person(i) for i in range(NODES)]
    pairs = {(i, (i + 1) % NODES) for i in range(NODES)}
    while len(pairs) < LINKS:
        a, b = rng.sample(range(NODES), 2)
        if (b, a) not in pairs:
            pairs.add((a, b))
    facts = SeedFacts()
    for person in people:
        facts.node(_POL, NodeLabel.PERSON, person, birth_year=1985)
    for a, b in sorted(pairs):
        facts.link(_POL, RelType.ASSOCIATE, people[a], people[b], kind="met")
    facts.write(driver, database=database)
    regions = {p: ("Limburg" if i % 2 else "Oost-Brabant") for i, p in enumerate(people)}
    at = datetime(2025, 11, 1, tzinfo=UTC)
    write_clusters(
        driver,
        database=database,
        run_id=RUN,
        at=at,
        clusters={
            CLUSTER: {
                "size": NODES,
                "persons": NODES,
                "companies": 0,
                "regions": ["Limburg", "Oost-Brabant"],
                "region_counts": json.dumps({"Limburg": NODES // 2, "Oost-Brabant": NODES // 2}),
                "cross_region": True,
                "typology": "other",
                "score": 50.0,
                "flagged": True,
                "partners": ["POL"],
                "key_players": json.dumps([]),
                "evidence": json.dumps([]),
                "score_explanation": json.dumps([]),
            }
        },
    )
    write_memberships(
        driver,
        database=database,
        memberships=[
            (
                CLUSTER,
                person,
                MembershipRecord(
                    run_id=RUN,
                    kind="person",
                    region=regions[person],
                    degree=10,
                    betweenness=0.0,
                    core=1,
                    is_broker=i < 10,
                    connects_regions=False,
                    rank=i + 1 if i < 10 else None,
                ),
            )
            for i, person in enumerate(people)
        ],
    )
    write_alerts(
        driver,
        database=database,
        alerts=[
            AlertRecord(
                id=ALERT,
                kind="new_cross_region",
                cluster_id=CLUSTER,
                regions=["Limburg", "Oost-Brabant"],
                new_regions=[],
                typology="other",
                score=50.0,
                created_at=at,
                run_id=RUN,
                initial=False,
                summary="benchmark",
            )
        ],
    )
    return open_case(driver, database=database, org="Limburg", alert_id=ALERT, title="Benchmark")


def test_time_to_open_a_2000_node_10000_link_workspace(
    browser: webdriver.Chrome,
    ui_server: str,
    api_settings: Settings,
    seeded: neo4j.Driver,
) -> None:
    case = _seed_large_cluster(seeded, api_settings.neo4j_database)
    route = f"/ui/#/cluster/{CLUSTER}?case={case}"
    sign_in(browser, api_settings, ui_server, org="Limburg", next_path="/ui/#/inbox")
    seconds, timings = [], []
    for _ in range(RUNS):
        browser.get("about:blank")
        started = time.perf_counter()
        browser.get(f"{ui_server}{route}")
        wait_for(
            browser,
            "return knooppuntUI.screen === 'cluster' && knooppuntUI.ready",
            timeout=300,
        )
        seconds.append(time.perf_counter() - started)
        state = ui_state(browser)["state"]
        timings.append(state["timing"])
        assert state["totalNodes"] == NODES
        assert state["totalLinks"] == LINKS
        assert state["nodes"] == NODES
    # Filtering (a link kind off and on) and a what-if (the three top brokers) on the view.
    browser.find_element(
        By.CSS_SELECTOR, "input[data-filter='types'][data-value='ASSOCIATE']"
    ).click()
    wait_for(browser, "return knooppuntUI.state.links === 0")
    off = ui_state(browser)["state"]["timing"]["filterMs"]
    browser.find_element(
        By.CSS_SELECTOR, "input[data-filter='types'][data-value='ASSOCIATE']"
    ).click()
    wait_for(browser, f"return knooppuntUI.state.links === {LINKS}")
    on = ui_state(browser)["state"]["timing"]["filterMs"]
    browser.find_element(By.ID, "whatif-top").click()
    wait_for(browser, "return !!knooppuntUI.state.whatIf")
    what_if = ui_state(browser)["state"]
    assert what_if["whatIf"]["largest"] <= NODES - 3
    check_page(browser, ui_server, "cluster-2000")
    print(
        f"\nworkspace {NODES} nodes / {LINKS} links, layout from the {state['layout']}: "
        f"open to ready {', '.join(f'{s:.2f}' for s in seconds)} s "
        f"(median {statistics.median(seconds):.2f} s); "
        f"API reads {[t['fetchMs'] for t in timings]} ms, "
        f"drawing {[t['drawMs'] for t in timings]} ms; a link-kind filter off {off} ms, "
        f"on {on} ms; what-if of the top 3 brokers {what_if['timing']['whatIfMs']} ms"
    )
