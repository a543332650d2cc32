"""Network pages in a real headless Chromium (Debian's chromium + chromium-driver).

Each page is opened from a file; the test reads the browser console, the network log and the
page's vis DataSet, and keeps a screenshot under ``artifacts/viz/`` (printed). The browser is
started by :mod:`tests.browser.chromium`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from graph.viz import render_network_page
from tests.browser.chromium import (
    BROWSER_MARKS,
    browser_log,
    open_chromium,
    requested_urls,
    save_screenshot,
)
from tests.viz_samples import cluster_like_graph, small_cluster_graph

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with open_chromium() as driver:
        yield driver


def _open(driver: webdriver.Chrome, html: str, name: str, tmp_path: Path) -> None:
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    browser_log(driver, "browser")  # drop what earlier pages left
    browser_log(driver, "performance")
    driver.get(page.as_uri())
    deadline = time.monotonic() + 60
    while not driver.execute_script("return !!(window.knooppunt && window.knooppunt.ready)"):
        assert time.monotonic() < deadline, "page never became ready"
        time.sleep(0.2)


def _check_page(driver: webdriver.Chrome, graph: nx.Graph, name: str) -> Path:
    errors = [e for e in browser_log(driver, "browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == [], f"console errors: {errors}"
    requested = requested_urls(driver)
    remote = [u for u in requested if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")]
    assert remote == [], f"the page fetched remote resources: {remote}"
    assert driver.execute_script("return window.knooppunt.nodes.length") == (
        graph.number_of_nodes()
    )
    assert driver.execute_script("return window.knooppunt.edges.length") == (
        graph.number_of_edges()
    )
    assert driver.execute_script("return window.__pwned === undefined")
    return save_screenshot(driver, "viz", name)


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
