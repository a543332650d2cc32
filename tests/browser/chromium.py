"""Headless Debian Chromium for the browser tests: one way to start it, read its logs and save
screenshots, so that every browser test runs the browser the same way.

Selenium is given ``/usr/bin/chromedriver`` explicitly, so Selenium Manager never downloads a
browser; the flags keep Chromium from reaching out on its own (background networking, updates,
sync), which this machine's closed network refuses.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

__all__ = [
    "ARTIFACTS",
    "BROWSER_MARKS",
    "browser_log",
    "open_chromium",
    "requested_urls",
    "save_screenshot",
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

#: ``pytestmark`` of a browser test module: marked, and skipped without Debian's packages.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
        reason="Debian's chromium and chromium-driver are not installed "
        "(apt-get install -y chromium chromium-driver)",
    ),
]

_FLAGS = (
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
)


@contextmanager
def open_chromium() -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a fresh profile, recording console and network logs."""
    profile = tempfile.mkdtemp(prefix="knooppunt-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def browser_log(driver: webdriver.Chrome, kind: str) -> list[dict[str, Any]]:
    """The ``browser`` (console) or ``performance`` (DevTools) entries since the last call."""
    entries: list[dict[str, Any]] = driver.get_log(kind)  # type: ignore[no-untyped-call]
    return entries


def requested_urls(driver: webdriver.Chrome) -> list[str]:
    """Every URL the pages requested since the last read of the performance log, leaving out
    what Chromium's own ``chrome://`` pages (its start page) request."""
    requested = []
    for entry in browser_log(driver, "performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.requestWillBeSent":
            continue
        params = message["params"]
        if urlsplit(params.get("documentURL", "")).scheme not in ("chrome", "chrome-untrusted"):
            requested.append(params["request"]["url"])
    return requested


def save_screenshot(driver: webdriver.Chrome, folder: str, name: str) -> Path:
    """A screenshot under ``artifacts/<folder>/`` (printed), checked to show something."""
    directory = ARTIFACTS / folder
    directory.mkdir(parents=True, exist_ok=True)
    shot = directory / f"{name}.png"
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
    return shot
