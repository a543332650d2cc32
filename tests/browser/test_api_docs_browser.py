"""/docs (Swagger UI) and /redoc (ReDoc) in a real headless Chromium, served by the real app.

The app runs under uvicorn on 127.0.0.1 in a thread, with a Neo4j address that does not answer
(the docs need no database). The test waits until each page has rendered the API's operations,
then reads the network log: every request went to the test server (``data:`` and ``blob:``
are local), and the console has no SEVERE entry. Screenshots go to ``artifacts/api-docs/``.
Selenium is given ``/usr/bin/chromedriver`` explicitly, so Selenium Manager never downloads.
"""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

import api.docs
from api.app import create_app
from graph.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "api-docs"
SECRET = "browser-test-secret-that-is-long-enough-for-hs256"
AUDIT_KEY = "browser-test-audit-key-0123456789abcdef"

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


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app under uvicorn on a free port of 127.0.0.1; yields its origin."""
    if not (api.docs.STATIC_DIR / "vendor" / "manifest.json").is_file():
        pytest.fail(f"the front-end files are not built: run `{api.docs.BUILD_COMMAND}`")
    settings = Settings(
        jwt_secret=SECRET,
        audit_key=AUDIT_KEY,
        audit_log=tmp_path_factory.mktemp("audit") / "audit.log",
        neo4j_uri=f"bolt://127.0.0.1:{_closed_port()}",
        neo4j_password="unused",
    )
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


def _open(driver: webdriver.Chrome, url: str, rendered: str) -> None:
    """Open ``url`` and wait until the script ``rendered`` returns true."""
    _log(driver, "browser")  # drop what earlier pages left
    _log(driver, "performance")
    driver.get(url)
    deadline = time.monotonic() + 60
    while not driver.execute_script(rendered):
        assert time.monotonic() < deadline, f"{url} never rendered the operations"
        time.sleep(0.2)


def _check_page(driver: webdriver.Chrome, origin: str, name: str) -> list[str]:
    """Assert no SEVERE console entry and no request to another origin; keep a screenshot.
    Returns the URLs the page requested."""
    errors = [e for e in _log(driver, "browser") if e["level"] == "SEVERE"]
    requested = []
    for entry in _log(driver, "performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.requestWillBeSent":
            continue
        params = message["params"]
        # chrome:// documents are the browser's own start page, not the page under test
        if urlsplit(params.get("documentURL", "")).scheme not in ("chrome", "chrome-untrusted"):
            requested.append(params["request"]["url"])
    own = urlsplit(origin)
    foreign = [
        u
        for u in requested
        if urlsplit(u).scheme not in ("data", "blob")
        and (urlsplit(u).scheme, urlsplit(u).netloc) != (own.scheme, own.netloc)
    ]
    assert foreign == [], f"the page made requests outside {origin}: {foreign}"
    assert errors == [], f"console errors: {errors}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
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
