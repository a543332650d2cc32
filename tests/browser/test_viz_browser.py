"""Network pages in a real headless Chromium (Debian's chromium + chromium-driver).

Each page is opened from a file; the test reads the browser console, the network log and the
page's vis DataSet, and keeps a screenshot under ``artifacts/viz/`` (printed). Selenium is given
``/usr/bin/chromedriver`` explicitly, so Selenium Manager never downloads anything.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph.viz import render_network_page
from tests.viz_samples import cluster_like_graph, small_cluster_graph

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "viz"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
        reason="Debian's chromium and chromium-driver are not installed "
        "(apt-get install -y chromium chromium-driver)",
    ),
]

if CHROMIUM.is_file() and CHROMEDRIVER.is_file():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    profile = tempfile.mkdtemp(prefix="knooppunt-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1600,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _log(driver: webdriver.Chrome, kind: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = driver.get_log(kind)  # type: ignore[no-untyped-call]
    return entries


def _open(driver: webdriver.Chrome, html: str, name: str, tmp_path: Path) -> None:
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    _log(driver, "browser")  # drop what earlier pages left
    _log(driver, "performance")
    driver.get(page.as_uri())
    deadline = time.monotonic() + 60
    while not driver.execute_script("return !!(window.knooppunt && window.knooppunt.ready)"):
        assert time.monotonic() < deadline, "page never became ready"
        time.sleep(0.2)


def _check_page(driver: webdriver.Chrome, graph: nx.Graph, name: str) -> Path:
    errors = [e for e in _log(driver, "browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == [], f"console errors: {errors}"
    requested = []
    for entry in _log(driver, "performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    # chrome:// requests are the browser's own start page, not the page under test
    remote = [u for u in requested if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")]
    assert remote == [], f"the page fetched remote resources: {remote}"
    assert driver.execute_script("return window.knooppunt.nodes.length") == (
        graph.number_of_nodes()
    )
    assert driver.execute_script("return window.knooppunt.edges.length") == (
        graph.number_of_edges()
    )
    assert driver.execute_script("return window.__pwned === undefined")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
    return shot


def test_small_cluster_page_in_chromium(browser: webdriver.Chrome, tmp_path: Path) -> None:
    graph = small_cluster_graph()
    graph.graph["subject"] = "c1"
    _open(browser, render_network_page(graph, title="Cluster CL-small"), "small", tmp_path)
    _check_page(browser, graph, "cluster-small")
    # the subject is selected when the page opens
    selected = browser.execute_script(
        "return window.knooppunt.network.getSelectedNodes()"
        ".map(function (id) { return window.knooppunt.nodes.get(id).title; })"
    )
    assert len(selected) == 1
    assert selected[0].startswith("SUBJECT")
    # the find box selects what matches (here: the address by its id)
    find = browser.find_element(By.ID, "find")
    find.send_keys("6211AB-12-A", Keys.ENTER)
    assert browser.find_element(By.ID, "status").text == "1 found"
    found = browser.execute_script(
        "return window.knooppunt.network.getSelectedNodes()"
        ".map(function (id) { return window.knooppunt.nodes.get(id).title; })"
    )
    assert [t.split("\n")[0] for t in found] == ["Address: 6211AB-12-A"]
    # the hostile label is shown as text, in the tooltip, not run as markup
    titles = browser.execute_script(
        "return window.knooppunt.nodes.get().map(function (n) { return n.title; })"
    )
    assert any("</script><img" in t for t in titles)
    assert browser.execute_script("return document.images.length") == 0


def test_large_cluster_page_opens_at_once(browser: webdriver.Chrome, tmp_path: Path) -> None:
    graph = cluster_like_graph(700)
    assert graph.number_of_nodes() > 1000
    html = render_network_page(graph, title="Cluster CL-large", subtitle="generated, 1,500 nodes")
    started = time.monotonic()
    _open(browser, html, "large", tmp_path)
    opened = time.monotonic() - started
    _check_page(browser, graph, "cluster-large")
    physics = browser.execute_script("return window.knooppunt.network.physics.options.enabled")
    assert physics is False
    print(f"large page ({graph.number_of_nodes()} nodes) ready in {opened:.1f} s")
    assert opened < 30
