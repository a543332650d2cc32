"""The workbench (/ui/) in headless Chromium against the real API on the seeded test Neo4j.

A test module uses ``pytest_plugins = ["tests.browser.ui_support"]`` and gets:

- ``ui_server``: the app (:func:`api.app.create_app` with the integration tests' settings and
  seed, :mod:`tests.integration.api_support`) under uvicorn on a free port of 127.0.0.1;
- ``browser``: one Chromium for the module (:mod:`tests.browser.chromium`).

and the helpers below: :func:`sign_in` (a one-time link from :func:`api.session.login_link`,
as a user would open it), :func:`open_screen`, :func:`wait_for`, :func:`ui_state` and
:func:`check_page` (no console error, no request to another origin, a screenshot).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any, Final
from urllib.parse import urlsplit

import pytest
from selenium import webdriver

import api.ui
from api.app import create_app
from graph.settings import Settings
from tests.browser.chromium import browser_log, open_chromium, requested_urls, save_screenshot
from tests.integration.api_support import api_settings, free_port, seeded, served_app
from tests.integration.conftest import neo4j_driver, neo4j_settings, test_instance

__all__ = [
    "ARTIFACTS",
    "api_settings",
    "browser",
    "check_page",
    "neo4j_driver",
    "neo4j_settings",
    "open_screen",
    "seeded",
    "sign_in",
    "test_instance",
    "ui_server",
    "ui_state",
    "wait_for",
]

ARTIFACTS: Final = "ui"
_READY: Final = (
    "return !!(window.knooppuntUI && window.knooppuntUI.ready && !window.knooppuntUI.state.busy)"
)
#: Console warnings of Chromium's software WebGL (SwiftShader), not of the page: headless
#: Chromium has no GPU, and sigma reads pixels back to find the node under the pointer.
_WEBGL_NOISE: Final = ("WebGL", "swiftshader", "GPU stall")


@pytest.fixture(scope="module")
def ui_server(api_settings: Settings, seeded: object) -> Iterator[str]:
    """The seeded app under uvicorn; yields its origin (``http://127.0.0.1:<port>``)."""
    if not (api.ui.ASSETS_DIR / "manifest.json").is_file():
        pytest.fail("the workbench is not built: run `make assets`")
    port = free_port()
    settings = api_settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    with served_app(create_app(settings), port, ready=False) as origin:
        yield origin


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with open_chromium() as driver:
        yield driver


def ui_state(driver: webdriver.Chrome) -> dict[str, Any]:
    """``window.knooppuntUI`` as plain data (functions left out)."""
    raw = driver.execute_script("return JSON.stringify(window.knooppuntUI || null)")
    state: dict[str, Any] = json.loads(raw) if raw else {}
    return state


def wait_for(driver: webdriver.Chrome, script: str, *, timeout: float = 60, what: str = "") -> None:
    """Until the JavaScript ``script`` (a ``return ...``) is true."""
    deadline = time.monotonic() + timeout
    while not driver.execute_script(script):
        if time.monotonic() > deadline:
            state = ui_state(driver)
            pytest.fail(f"{what or script} not reached within {timeout} s; state: {state}")
        time.sleep(0.1)


def wait_ready(driver: webdriver.Chrome, *, timeout: float = 60) -> dict[str, Any]:
    wait_for(driver, _READY, timeout=timeout, what="the screen's ready flag")
    return ui_state(driver)


def sign_in(
    driver: webdriver.Chrome,
    settings: Settings,
    origin: str,
    *,
    org: str,
    role: str = "analyst",
    next_path: str = "/ui/",
) -> dict[str, Any]:
    """Sign in as ``org``/``role`` with a one-time link and wait for the screen it leads to."""
    from api.session import login_link

    browser_log(driver, "browser")
    browser_log(driver, "performance")
    driver.delete_all_cookies()
    link = login_link(
        settings, origin, subject=f"{org}-{role}", org=org, role=role, next_path=next_path
    )
    driver.get(link)
    wait_for(driver, "return location.pathname === '/ui/'", what="arriving at /ui/")
    return wait_ready(driver)


def open_screen(driver: webdriver.Chrome, origin: str, route: str) -> dict[str, Any]:
    """Open ``/ui/#/<route>`` (a new page load) and wait until the screen is ready."""
    driver.get(f"{origin}/ui/#/{route}")
    return wait_ready(driver)


def check_page(
    driver: webdriver.Chrome, origin: str, name: str, *, refused: tuple[int, ...] = ()
) -> list[str]:
    """No console error (a refused request of a status in ``refused`` is expected), no request
    outside ``origin``; a screenshot in ``artifacts/ui/``. Returns the URLs requested."""
    requested = requested_urls(driver)
    own = urlsplit(origin)
    foreign = [
        u
        for u in requested
        if urlsplit(u).scheme not in ("data", "blob")
        and (urlsplit(u).scheme, urlsplit(u).netloc) != (own.scheme, own.netloc)
    ]
    assert foreign == [], f"requests outside {origin}: {foreign}"
    problems = []
    for entry in browser_log(driver, "browser"):
        message = str(entry.get("message", ""))
        if entry["level"] not in ("SEVERE", "WARNING"):
            continue
        if entry["level"] == "WARNING" and any(n in message for n in _WEBGL_NOISE):
            continue
        network = entry.get("source") == "network"
        expected = network and any(f"status of {status} " in message for status in refused)
        # Chromium asks for /favicon.ico by itself on pages that name no icon (the one-time
        # link's page that moves on to /ui/); the workbench's page names one.
        favicon = network and message.startswith(f"{origin}/favicon.ico ")
        if not (expected or favicon):
            problems.append(entry)
    assert problems == [], f"console errors: {problems}"
    text = str(driver.execute_script("return document.body.innerText"))
    leaked = re.findall(r"\b(?:undefined|null|NaN|\[object Object\])", text)
    assert leaked == [], f"the page shows {leaked}"
    save_screenshot(driver, ARTIFACTS, name)
    return requested
