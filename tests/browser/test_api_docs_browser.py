"""/docs (Swagger UI) and /redoc (ReDoc) in a real headless Chromium, served by the real app.

The app runs under uvicorn on 127.0.0.1 in a thread, with a Neo4j address that does not answer
(the docs need no database). The test waits until each page has rendered the API's operations,
then reads the network log: every request went to the test server (``data:`` and ``blob:``
are local), and the console has no SEVERE entry. Screenshots go to ``artifacts/api-docs/``.
The browser is started by :mod:`tests.browser.chromium`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import uvicorn
from selenium import webdriver

import api.docs
from api.app import create_app
from tests.api_offline import offline_settings
from tests.browser.chromium import (
    BROWSER_MARKS,
    browser_log,
    open_chromium,
    requested_urls,
    save_screenshot,
)

ARTIFACTS = "api-docs"

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app under uvicorn on a free port of 127.0.0.1; yields its origin."""
    if not (api.docs.STATIC_DIR / "vendor" / "manifest.json").is_file():
        pytest.fail(f"the front-end files are not built: run `{api.docs.BUILD_COMMAND}`")
    settings = offline_settings(tmp_path_factory.mktemp("audit") / "audit.log")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start within 30 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with open_chromium() as driver:
        yield driver


def _open(driver: webdriver.Chrome, url: str, rendered: str) -> None:
    """Open ``url`` and wait until the script ``rendered`` returns true."""
    browser_log(driver, "browser")  # drop what earlier pages left
    browser_log(driver, "performance")
    driver.get(url)
    deadline = time.monotonic() + 60
    while not driver.execute_script(rendered):
        assert time.monotonic() < deadline, f"{url} never rendered the operations"
        time.sleep(0.2)


def _check_page(driver: webdriver.Chrome, origin: str, name: str) -> list[str]:
    """Assert no SEVERE console entry and no request to another origin; keep a screenshot.
    Returns the URLs the page requested."""
    errors = [e for e in browser_log(driver, "browser") if e["level"] == "SEVERE"]
    requested = requested_urls(driver)
    own = urlsplit(origin)
    foreign = [
        u
        for u in requested
        if urlsplit(u).scheme not in ("data", "blob")
        and (urlsplit(u).scheme, urlsplit(u).netloc) != (own.scheme, own.netloc)
    ]
    assert foreign == [], f"the page made requests outside {origin}: {foreign}"
    assert errors == [], f"console errors: {errors}"
    save_screenshot(driver, ARTIFACTS, name)
    return requested


def test_swagger_ui_renders_from_the_api_alone(browser: webdriver.Chrome, server: str) -> None:
    _open(browser, f"{server}/docs", "return document.querySelectorAll('.opblock').length > 10")
    paths = browser.execute_script(
        "return Array.from(document.querySelectorAll('.opblock-summary-path'))"
        ".map(function (e) { return e.getAttribute('data-path'); })"
    )
    assert "/alerts" in paths
    assert "/subjects/{token}/network" in paths
    requested = _check_page(browser, server, "swagger-ui")
    for needed in ("/openapi.json", "/swagger-ui-bundle.js", "/swagger-ui.css"):
        assert any(u.endswith(needed) for u in requested), (needed, requested)


def test_redoc_renders_from_the_api_alone(browser: webdriver.Chrome, server: str) -> None:
    _open(
        browser,
        f"{server}/redoc",
        "return document.querySelectorAll('[data-section-id^=\"operation/\"]').length > 10",
    )
    text = browser.execute_script("return document.body.innerText")
    assert "Knooppunt API" in text
    assert "/alerts" in text
    requested = _check_page(browser, server, "redoc")
    for needed in ("/openapi.json", "/redoc.standalone.js"):
        assert any(u.endswith(needed) for u in requested), (needed, requested)
