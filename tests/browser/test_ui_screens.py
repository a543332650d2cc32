"""The workbench's screens in headless Chromium against the real API on the seeded Neo4j
(:mod:`tests.integration.api_seed`), signed in with one-time links (:mod:`api.session`).

Each screen: it loads with no console error and no request to another origin, its state is on
``window.knooppuntUI``, a screenshot goes to ``artifacts/ui/``. And the scenarios of issue 16:
the inbox shows only the region's alerts; expanding a node adds its neighbours up to the cap;
a date range on the timeline removes the links outside it; the map highlights exactly the
cluster's regions; a filter by partner hides the others' links; a GraphML export read by
networkx has the view's node count; the what-if reports the largest component's size; a RIEC
user cannot reach another region's person-level data through any screen.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import neo4j
import networkx as nx
import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from graph.settings import Settings
from tests.browser.chromium import BROWSER_MARKS
from tests.browser.ui_support import (
    check_page,
    open_screen,
    sign_in,
    ui_state,
    wait_for,
)
from tests.integration.api_seed import AL_NOORD, CASES, CL_CROSS, CL_NOORD, HUB, IDS

pytestmark = [*BROWSER_MARKS, pytest.mark.integration]
pytest_plugins = ["tests.browser.ui_support"]


def _needs(path: str, method: str = "GET") -> None:
    """Skip until the data stream's endpoint (branch ui-data, issue 16) is in the app."""
    from fastapi.routing import APIRoute

    from api.routers import clusters

    for route in clusters.router.routes:
        if isinstance(route, APIRoute) and route.path == path and method in (route.methods or ()):
            return
    pytest.skip(f"{method} {path} is not in this build yet (it comes with branch ui-data)")


def _members_of_cross() -> set[str]:
    return {IDS[k] for k in ("pL1", "pL2", "pL3", "pB1", "KVK_B")}


def _cluster_route(case: str, cluster: str = CL_CROSS) -> str:
    return f"cluster/{cluster}?case={case}"


def _read(driver: webdriver.Chrome, name: str, *args: Any) -> Any:
    return driver.execute_script(f"return window.knooppuntUI.read.{name}(...arguments)", *args)


def _click(driver: webdriver.Chrome, css: str) -> None:
    driver.find_element(By.CSS_SELECTOR, css).click()


@pytest.fixture(scope="module")
def downloads(browser: webdriver.Chrome) -> Iterator[Path]:
    """Chromium saves downloads here (DevTools), so a test can read the exported file."""
    with tempfile.TemporaryDirectory(prefix="knooppunt-downloads-") as folder:
        browser.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder}
        )
        yield Path(folder)


def test_without_a_session_the_shell_offers_to_sign_in(
    browser: webdriver.Chrome, ui_server: str
) -> None:
    browser.delete_all_cookies()
    state = open_screen(browser, ui_server, "inbox")
    assert state["screen"] == "sign-in"
    assert state["session"] is None
    link = browser.find_element(By.ID, "sign-in")
    assert link.get_attribute("href") == f"{ui_server}/ui/login"
    check_page(browser, ui_server, "sign-in", refused=(401,))


def test_inbox_shows_only_the_regions_alerts(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    state = sign_in(browser, api_settings, ui_server, org="Noord", next_path="/ui/#/inbox")
    assert state["screen"] == "inbox"
    assert state["session"]["org"] == "Noord"
    assert state["state"]["ids"] == [AL_NOORD]
    header = browser.find_element(By.ID, "who").text
    assert "Noord" in header
    check_page(browser, ui_server, "inbox-noord")

    state = sign_in(browser, api_settings, ui_server, org="Limburg", next_path="/ui/#/inbox")
    ids = state["state"]["ids"]
    assert len(ids) == 7
    assert AL_NOORD not in ids
    assert set(state["state"]["regions"]) == {"Limburg", "Oost-Brabant"}
    rows = browser.find_elements(By.CSS_SELECTOR, "#alerts tbody tr[data-alert]")
    assert [r.get_attribute("data-alert") for r in rows] == ids
    assert AL_NOORD not in browser.find_element(By.TAG_NAME, "body").text
    # Filter by kind (here) and sort by score (a click on the column).
    Select(browser.find_element(By.NAME, "kind")).select_by_value("grown")
    _click(browser, "#apply-filters")
    wait_for(
        browser, "return knooppuntUI.state.filters && knooppuntUI.state.filters.kind === 'grown'"
    )
    assert ui_state(browser)["state"]["rows"] == 6
    # Summaries are written in the reader's language from the alert's fields, not the API's
    # English line.
    summaries = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#alerts [data-summary]")]
    assert summaries
    assert all(text.startswith("cluster gegroeid") for text in summaries), summaries
    assert "cluster gegroeid (+25%) in Limburg, Oost-Brabant" in summaries
    _click(browser, "button.sort[data-sort='score']")
    wait_for(browser, "return knooppuntUI.state.sort.key === 'score'")
    check_page(browser, ui_server, "inbox-limburg")


def test_triage_and_a_case_opened_from_an_alert(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    """A coordinator acknowledges an alert with a note (a POST with the CSRF token) and opens
    a case from another; unread marks stay after a reload."""
    sign_in(
        browser, api_settings, ui_server, org="Limburg", role="coordinator", next_path="/ui/#/inbox"
    )
    alert = "AL-00000000000a"
    row = f"#alerts tr[data-alert='{alert}']"
    _click(browser, f"{row} button[data-action='acknowledge']")
    browser.find_element(By.CSS_SELECTOR, "form[data-form='triage'] textarea").send_keys(
        "Besproken in het RIEC-overleg"
    )
    _click(browser, "form[data-form='triage'] button[type='submit']")
    wait_for(browser, f'return !!document.querySelector("{row} .status-acknowledged")')
    assert ui_state(browser)["state"]["unread"] == 6
    browser.refresh()
    wait_for(browser, "return knooppuntUI.ready && knooppuntUI.screen === 'inbox'")
    assert ui_state(browser)["state"]["unread"] == 6
    status = browser.find_element(By.CSS_SELECTOR, f"{row} .status")
    assert "status-acknowledged" in (status.get_attribute("class") or "")

    grown = "AL-00000000000c"
    _click(browser, f"#alerts tr[data-alert='{grown}'] button[data-action='open-case']")
    form = browser.find_element(By.CSS_SELECTOR, "form[data-form='open-case']")
    form.find_element(By.NAME, "title").send_keys("Hennepnetwerk Limburg-Brabant")
    form.find_element(By.NAME, "purpose").send_keys(
        "Integraal advies over het netwerk uit de melding"
    )
    form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait_for(browser, "return knooppuntUI.ready && knooppuntUI.screen === 'case'")
    state = ui_state(browser)
    assert state["state"]["clusters"] == [CL_CROSS]
    assert state["state"]["reference"].startswith("LB-")
    check_page(browser, ui_server, "case-opened")


def test_cluster_workspace_shows_the_cluster_and_highlights_its_regions(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    case = CASES["Limburg"]
    sign_in(
        browser, api_settings, ui_server, org="Limburg", next_path=f"/ui/#/{_cluster_route(case)}"
    )
    state = ui_state(browser)
    assert state["screen"] == "cluster"
    s = state["state"]
    assert s["members"] == len(_members_of_cross())
    assert s["mapHighlighted"] == ["Limburg", "Oost-Brabant"]
    drawn = browser.find_elements(By.CSS_SELECTOR, "#region-map path[data-highlighted='true']")
    assert sorted(p.get_attribute("data-region") or "" for p in drawn) == [
        "Limburg",
        "Oost-Brabant",
    ]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#region-map path.region")) == 10
    crossing = "#region-map line.crossing[data-regions='Limburg|Oost-Brabant']"
    assert browser.find_elements(By.CSS_SELECTOR, crossing)  # a link between the two regions
    assert state["context"]["case"] == case
    assert state["context"]["run_id"]
    assert set(_read(browser, "shownNodes")) >= _members_of_cross()
    # Connectors (incidents, investigations, addresses) are counted, drawn when asked for.
    hidden = s["totalNodes"] - s["nodes"]
    assert hidden > 0
    _click(browser, "input[data-connector='Address']")
    wait_for(browser, f"return knooppuntUI.state.nodes > {s['nodes']}")
    assert browser.find_element(By.ID, "key-players").text.startswith("#1")
    check_page(browser, ui_server, "cluster")


def test_without_a_case_the_workspace_offers_the_organisations_open_cases(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    state = sign_in(
        browser, api_settings, ui_server, org="Limburg", next_path=f"/ui/#/cluster/{CL_CROSS}"
    )
    assert state["state"]["needsCase"] is True
    assert IDS["pL1"] not in browser.page_source  # nothing person-level without a case
    case = CASES["Limburg"]
    browser.find_element(By.LINK_TEXT, case).click()
    wait_for(
        browser,
        "return knooppuntUI.ready && knooppuntUI.screen === 'cluster'"
        " && knooppuntUI.state.members > 0",
    )
    assert ui_state(browser)["context"]["case"] == case
    check_page(browser, ui_server, "cluster-choose-case")


def test_a_partner_filter_hides_the_other_partners_links(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    sign_in(
        browser,
        api_settings,
        ui_server,
        org="Limburg",
        next_path=f"/ui/#/{_cluster_route(CASES['Limburg'])}",
    )
    _click(browser, "input[data-connector='Address']")
    _click(browser, "input[data-connector='Incident']")
    before = ui_state(browser)["state"]
    partners = before["filters"]["partners"]
    assert "POL" in partners
    assert len(partners) > 1
    for partner in partners:
        if partner != "POL":
            _click(browser, f"input[data-filter='partners'][data-value='{partner}']")
    wait_for(browser, "return knooppuntUI.state.filters.partners.length === 1")
    after = ui_state(browser)["state"]
    assert 0 < after["links"] < before["links"]
    for link in _read(browser, "shownLinks"):
        assert "POL" in _read(browser, "link", link)["provenance"]["partners"]
    check_page(browser, ui_server, "cluster-partner-filter")


def _link_start(driver: webdriver.Chrome, link: str) -> str | None:
    """When a link begins, by the API's schema (GraphLink): ``properties.since``, else the date
    of the incident or permit application at its other end, else ``properties.date``, else
    when a partner first reported it."""
    data = _read(driver, "link", link)
    props, seen = data["properties"], data["provenance"]
    if props.get("since"):
        return str(props["since"])[:10]
    for end in _read(driver, "ends", link):
        date = _read(driver, "node", end)["properties"].get("date")
        if date:
            return str(date)[:10]
    value = props.get("date") or seen.get("first_seen")
    return str(value)[:10] if value else None


def test_a_date_range_on_the_timeline_removes_links_outside_it(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    sign_in(
        browser,
        api_settings,
        ui_server,
        org="Limburg",
        next_path=f"/ui/#/{_cluster_route(CASES['Limburg'])}",
    )
    for kind in ("Address", "Incident", "Investigation"):
        _click(browser, f"input[data-connector='{kind}']")
    before = ui_state(browser)["state"]["links"]
    starts = {link: _link_start(browser, link) for link in _read(browser, "shownLinks")}
    dated = sorted({s for s in starts.values() if s})
    assert len(dated) >= 2, starts
    # A range that ends the day before the latest start leaves the links starting then out.
    latest = dated[-1]
    day_before = (date.fromisoformat(latest) - timedelta(days=1)).isoformat()
    browser.execute_script(
        "const el = document.getElementById('timeline-to'); el.value = arguments[0];"
        " el.dispatchEvent(new Event('change'));",
        day_before,
    )
    wait_for(browser, f"return knooppuntUI.state.filters.to === '{day_before}'")
    after = ui_state(browser)["state"]["links"]
    assert after < before
    shown = set(_read(browser, "shownLinks"))
    for link, start in starts.items():
        if start is not None and start > day_before:
            assert link not in shown, link
    assert shown  # the earlier links stay
    check_page(browser, ui_server, "cluster-timeline")
    # Dragging across the chart selects a range too (here: its right half).
    _click(browser, "#timeline-clear")
    wait_for(browser, "return knooppuntUI.state.filters.to === null")
    chart = browser.find_element(By.ID, "timeline-chart")
    width = chart.size["width"]
    ActionChains(browser).move_to_element_with_offset(chart, 2, 0).click_and_hold().move_by_offset(
        width // 2 - 6, 0
    ).release().perform()
    wait_for(browser, "return knooppuntUI.state.filters.from !== null")
    dragged = ui_state(browser)["state"]["filters"]
    assert dragged["from"] < dragged["to"]


def test_expanding_a_node_adds_its_neighbours_up_to_the_cap(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    _needs("/clusters/{cluster_id}/expand")
    sign_in(
        browser,
        api_settings,
        ui_server,
        org="Limburg",
        next_path=f"/ui/#/{_cluster_route(CASES['Limburg'])}",
    )
    pl3 = IDS["pL3"]
    search = browser.find_element(By.ID, "search")
    search.send_keys(pl3, Keys.ENTER)
    wait_for(browser, f"return knooppuntUI.state.selected[0] === '{pl3}'")
    before = ui_state(browser)["state"]["nodes"]
    limit = browser.find_element(By.CSS_SELECTOR, f"input[data-limit='{pl3}']")
    limit.clear()
    limit.send_keys("1")
    _click(browser, f"button[data-expand='{pl3}']")
    wait_for(browser, f"return !!knooppuntUI.state.expanded['{pl3}']")
    got = ui_state(browser)["state"]
    info = got["expanded"][pl3]
    assert info["neighbours"] == 1
    assert info["more"] == info["total"] - 1 >= 1
    assert got["nodes"] == before + 1
    assert "1" in browser.find_element(By.CSS_SELECTOR, f"[data-expanded='{pl3}']").text
    # Further, up to the default cap: all its neighbours, nothing more to come.
    _click(browser, f"button[data-expand='{pl3}']")
    wait_for(browser, f"return knooppuntUI.state.expanded['{pl3}'].limit > 1")
    info = ui_state(browser)["state"]["expanded"][pl3]
    assert info["more"] == 0
    assert info["neighbours"] == info["total"]
    assert HUB in _read(browser, "shownNodes")
    check_page(browser, ui_server, "cluster-expanded")


def test_the_what_if_reports_the_largest_components_size(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    sign_in(
        browser,
        api_settings,
        ui_server,
        org="Limburg",
        next_path=f"/ui/#/{_cluster_route(CASES['Limburg'])}",
    )
    for kind in ("Address", "Incident"):
        _click(browser, f"input[data-connector='{kind}']")
    nodes = set(_read(browser, "shownNodes"))
    view = nx.MultiGraph()
    view.add_nodes_from(nodes)
    for link in _read(browser, "shownLinks"):
        view.add_edge(*_read(browser, "ends", link))
    top = IDS["pL1"]  # rank 1 in the seed
    n = browser.find_element(By.ID, "whatif-n")
    n.clear()
    n.send_keys("1")
    _click(browser, "#whatif-top")
    wait_for(browser, "return !!knooppuntUI.state.whatIf")
    result = ui_state(browser)["state"]["whatIf"]
    assert result["removed"] == [top]
    view.remove_node(top)
    parts = list(nx.connected_components(view))
    assert result["components"] == len(parts)
    assert result["largest"] == max(len(p) for p in parts)
    assert str(result["largest"]) in browser.find_element(By.ID, "whatif-largest").text
    check_page(browser, ui_server, "cluster-what-if")


def test_suggested_links_are_shown_as_suggestions_and_select_their_ends(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings, seeded: neo4j.Driver
) -> None:
    suggestion = {
        "a": IDS["pL2"],
        "b": IDS["pB1"],
        "a_member": True,
        "b_member": True,
        "where": "inside",
        "score": 0.75,
        "common_neighbours": 2,
        "method": "resource_allocation",
    }
    change = (
        "MATCH (c:Cluster {id: $id}) SET c.suggested_links = $s "
        "MERGE (v:ResultsVersion {id: 'stored-results'}) SET v.n = coalesce(v.n, 0) + 1"
    )
    db = api_settings.neo4j_database
    seeded.execute_query(change, id=CL_CROSS, s=json.dumps([suggestion]), database_=db)
    try:
        state = sign_in(
            browser,
            api_settings,
            ui_server,
            org="Limburg",
            next_path=f"/ui/#/{_cluster_route(CASES['Limburg'])}",
        )
        assert state["state"]["suggested"] == 1
        items = browser.find_elements(By.CSS_SELECTOR, "#suggested-links button")
        assert len(items) == 1
        assert "0.75" in items[0].text
        items[0].click()
        wait_for(browser, "return knooppuntUI.state.selected.length === 2")
        assert set(ui_state(browser)["state"]["selected"]) == {IDS["pL2"], IDS["pB1"]}
        # a suggestion is never drawn as a link
        assert not [
            link
            for link in _read(browser, "shownLinks")
            if set(_read(browser, "ends", link)) == {IDS["pL2"], IDS["pB1"]}
        ]
        check_page(browser, ui_server, "cluster-suggested-links")
    finally:
        seeded.execute_query(change, id=CL_CROSS, s=None, database_=db)


def test_a_graphml_export_has_the_views_node_count(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings, downloads: Path
) -> None:
    _needs("/clusters/{cluster_id}/exports", "POST")
    sign_in(
        browser,
        api_settings,
        ui_server,
        org="Limburg",
        next_path=f"/ui/#/{_cluster_route(CASES['Limburg'])}",
    )
    _click(browser, "input[data-connector='Address']")
    shown = ui_state(browser)["state"]["nodes"]
    _click(browser, "button[data-export='graphml']")
    wait_for(browser, "return !!knooppuntUI.state.lastExport")
    export = ui_state(browser)["state"]["lastExport"]
    assert export["status"] == 200, export
    path = downloads / export["filename"]
    deadline = time.monotonic() + 30
    while not path.is_file():
        assert time.monotonic() < deadline, f"{path} was not downloaded"
        time.sleep(0.1)
    graph = nx.read_graphml(path)
    assert graph.number_of_nodes() == shown
    assert set(graph.nodes) == set(_read(browser, "shownNodes"))
    assert graph.graph["case_reference"] == CASES["Limburg"]
    # The picture: drawn from the canvas with run, date and case on it, answered back.
    _click(browser, "button[data-export='png']")
    wait_for(browser, "return knooppuntUI.state.lastExport.format === 'png'")
    png = ui_state(browser)["state"]["lastExport"]
    assert png["status"] == 200, png
    assert png["bytes"] > 1000
    check_page(browser, ui_server, "cluster-exported")


def test_case_workspace_adds_a_note_and_gives_the_advice(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings, downloads: Path
) -> None:
    case = CASES["Limburg"]
    state = sign_in(browser, api_settings, ui_server, org="Limburg", next_path=f"/ui/#/case/{case}")
    assert state["screen"] == "case"
    notes = state["state"]["notes"]
    browser.find_element(By.ID, "note-text").send_keys("Afspraak met de gemeente gemaakt")
    _click(browser, "#note-form button[type='submit']")
    wait_for(browser, f"return knooppuntUI.state.notes === {notes + 1}")
    assert "Afspraak met de gemeente gemaakt" in browser.find_element(By.ID, "notes").text
    links = browser.find_elements(By.CSS_SELECTOR, "#case-clusters a")
    assert [a.text for a in links] == [CL_CROSS]
    advice = browser.find_element(By.ID, "advice-link").get_attribute("href")
    assert advice == f"{ui_server}/cases/{case}/advice"
    _click(browser, "#advice-docx")
    deadline = time.monotonic() + 60
    while not list(downloads.glob("*.docx")):
        assert time.monotonic() < deadline, "the advice was not downloaded"
        time.sleep(0.2)
    check_page(browser, ui_server, "case")


def test_subject_check_shows_flagged_paths_with_kind_and_partner(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    """pL5 shares an address with pL3, a member of the flagged cross-region cluster: one
    path of two LIVES_AT steps, both from the municipality (GEM)."""
    case = CASES["Limburg"]
    route = f"check?token={IDS['pL5']}&case={case}&depth=2"
    state = sign_in(browser, api_settings, ui_server, org="Limburg", next_path=f"/ui/#/{route}")
    assert state["screen"] == "check"
    assert state["state"]["subject"] == IDS["pL5"]
    assert state["state"]["nodes"] > 1
    assert state["state"]["paths"] == 1
    path = browser.find_element(By.CSS_SELECTOR, "#flagged-paths > li")
    assert path.find_element(By.TAG_NAME, "a").text == CL_CROSS
    steps = path.find_elements(By.CSS_SELECTOR, "li[data-step]")
    assert [step.find_element(By.TAG_NAME, "strong").text for step in steps] == [
        "LIVES_AT",
        "LIVES_AT",
    ]
    for step in steps:
        assert [tag.text for tag in step.find_elements(By.CSS_SELECTOR, ".tag")] == ["GEM"]
    assert (steps[0].get_attribute("data-step") or "").startswith(IDS["pL5"] + ">")
    check_page(browser, ui_server, "check")


def test_company_check_within_the_case(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    case = CASES["Limburg"]
    route = f"check?kvk={IDS['KVK_L']}&case={case}&depth=2"
    state = sign_in(browser, api_settings, ui_server, org="Limburg", next_path=f"/ui/#/{route}")
    assert state["screen"] == "check"
    assert state["state"]["subject"] == IDS["KVK_L"]
    assert state["state"]["nodes"] > 1
    check_page(browser, ui_server, "check-company")


def test_trends_dashboard_marks_suppressed_cells(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    state = sign_in(browser, api_settings, ui_server, org="LIEC", next_path="/ui/#/trends")
    assert state["screen"] == "trends"
    s = state["state"]
    assert s["rows"] >= 1
    marked = browser.find_elements(By.CSS_SELECTOR, "#trend-table td.suppressed")
    assert len(marked) == s["suppressed"]
    csv_link = browser.find_element(By.ID, "trend-csv").get_attribute("href") or ""
    assert csv_link.startswith(f"{ui_server}/trends.csv?")
    if s["rates"]:  # the API names the rows' inhabitants (rates per 100,000 next to counts)
        assert browser.find_elements(By.CSS_SELECTOR, "#trend-table .rate")
    check_page(browser, ui_server, "trends")


def test_trends_per_phenomenon_for_clusters(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    route = "/ui/#/trends?measure=clusters"
    state = sign_in(browser, api_settings, ui_server, org="LIEC", next_path=route)
    assert state["state"]["measure"] == "clusters"
    assert state["state"]["phenomena"] == 3  # omg, cannabis, other
    charts = browser.find_elements(By.CSS_SELECTOR, "#trend-phenomena svg.chart")
    assert len(charts) == 3
    check_page(browser, ui_server, "trends-clusters")


def test_signing_out_ends_the_session(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    sign_in(browser, api_settings, ui_server, org="Limburg", next_path="/ui/#/inbox")
    _click(browser, "#sign-out")
    wait_for(browser, "return knooppuntUI.ready && knooppuntUI.screen === 'sign-in'")
    browser.refresh()
    wait_for(browser, "return knooppuntUI.ready && knooppuntUI.screen === 'sign-in'")
    assert ui_state(browser)["session"] is None
    check_page(browser, ui_server, "signed-out", refused=(401,))


def test_language_choice_is_kept(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    sign_in(browser, api_settings, ui_server, org="Limburg", next_path="/ui/#/inbox")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Meldingen van uw regio"
    Select(browser.find_element(By.ID, "language")).select_by_value("en")
    wait_for(browser, "return knooppuntUI.lang === 'en' && knooppuntUI.ready")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Alerts for your region"
    browser.refresh()
    wait_for(browser, "return knooppuntUI.ready && knooppuntUI.screen === 'inbox'")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Alerts for your region"
    assert browser.execute_script("return document.documentElement.lang") == "en"
    Select(browser.find_element(By.ID, "language")).select_by_value("nl")
    check_page(browser, ui_server, "inbox-en")


def _noord_routes() -> dict[str, str]:
    return {
        "cluster-with-own-case": _cluster_route(CASES["Noord"]),
        "cluster-with-limburgs-case": _cluster_route(CASES["Limburg"]),
        "case-of-limburg": f"case/{CASES['Limburg']}",
        "check-of-a-limburg-subject": f"check?token={IDS['pL1']}&case={CASES['Noord']}",
    }


@pytest.mark.parametrize(
    "route",
    [
        "cluster-with-own-case",
        "cluster-with-limburgs-case",
        "case-of-limburg",
        "check-of-a-limburg-subject",
    ],
)
def test_a_riec_user_cannot_reach_another_regions_person_level_data(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings, route: str
) -> None:
    """Noord's analyst, through each screen, at Limburg / Oost-Brabant's cluster, case and
    subjects: the screen shows the refusal (403) and nothing of the data."""
    target = _noord_routes()[route]
    state = sign_in(browser, api_settings, ui_server, org="Noord", next_path=f"/ui/#/{target}")
    assert state["error"] is not None, state
    assert state["error"]["status"] == 403, state
    assert state["state"]["forbidden"] is True
    assert browser.find_elements(By.CSS_SELECTOR, ".problem[data-status='403']")
    page = browser.page_source
    # Nothing the user did not type: no member, company, address or other region.
    for key in ("pL2", "pL3", "pB1", "KVK_B", "pL4", "KVK_L", "aL1"):
        assert IDS[key] not in page, key
    assert "Oost-Brabant" not in page
    assert "Seeded case" not in page  # the title of Limburg's case
    check_page(browser, ui_server, f"forbidden-{route}", refused=(403,))


def test_noord_sees_its_own_cluster(
    browser: webdriver.Chrome, ui_server: str, api_settings: Settings
) -> None:
    route = _cluster_route(CASES["Noord"], CL_NOORD)
    state = sign_in(browser, api_settings, ui_server, org="Noord", next_path=f"/ui/#/{route}")
    assert state["screen"] == "cluster"
    assert state["state"]["mapHighlighted"] == ["Noord"]
    check_page(browser, ui_server, "cluster-noord")
