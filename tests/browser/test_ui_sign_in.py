"""Signing in to the workbench through a real OpenID Connect provider, in headless Chromium.

The provider (``tests/oidc_provider.py``, authlib) runs on ``localhost``, the API on
``127.0.0.1``: two sites, so the session cookie (SameSite=Strict) must survive the way back
from another site, as it must from an organisation's provider (decision 080).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from graph.settings import Settings
from tests.browser.chromium import BROWSER_MARKS, browser_log
from tests.browser.ui_support import check_page, open_screen, ui_state, wait_for, wait_ready
from tests.oidc_provider import CLIENT_ID, OidcUser, Provider, run_provider

pytestmark = BROWSER_MARKS
pytest_plugins = ["tests.browser.ui_support"]

USERS = [
    OidcUser("lb-analist", "geheim-1", "Limburg", "analyst"),
    OidcUser("zonder-org", "geheim-2", None, "analyst"),
]


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    # the API's port is known once it is served: its callback is registered then
    with run_provider(USERS, []) as running:
        yield running


@pytest.fixture(scope="module")
def api_settings(api_settings: Settings, provider: Provider) -> Settings:
    """The browser tests' settings with the provider as the organisation's."""
    return api_settings.model_copy(
        update={"oidc_issuer": provider.issuer, "oidc_client_id": CLIENT_ID}
    )


@pytest.fixture(scope="module")
def callback(ui_server: str, provider: Provider) -> str:
    url = f"{ui_server}/ui/auth/callback"
    provider.client.redirect_uris.append(url)
    return url


def _sign_in_at_the_provider(
    driver: webdriver.Chrome, origin: str, username: str, password: str
) -> None:
    # leave the workbench's page first: a hash change alone would not load it afresh
    driver.get(f"{origin}/ui/messages.json")
    driver.delete_all_cookies()
    state = open_screen(driver, origin, "inbox")
    assert state["screen"] == "sign-in"
    driver.find_element(By.ID, "sign-in").click()
    wait_for(driver, "return location.host.startsWith('localhost:')", what="the provider")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "submit").click()


def test_sign_in_through_the_provider_opens_the_workbench(
    browser: webdriver.Chrome, ui_server: str, provider: Provider, callback: str
) -> None:
    before = provider.token_requests
    _sign_in_at_the_provider(browser, ui_server, "lb-analist", "geheim-1")
    wait_for(browser, "return location.pathname === '/ui/'", what="back at the workbench")
    state = wait_ready(browser)
    assert state["session"]["org"] == "Limburg"
    assert state["session"]["role"] == "analyst"
    assert state["session"]["subject"] == "lb-analist"
    assert provider.token_requests == before + 1  # one code, exchanged once, with PKCE
    cookies = {c["name"]: c for c in browser.get_cookies()}
    assert cookies["knooppunt_session"]["httpOnly"] is True
    assert cookies["knooppunt_session"]["sameSite"] == "Strict"
    assert cookies["knooppunt_csrf"]["httpOnly"] is False
    # the session reads the API like the region's token would: the inbox of Limburg (the
    # provider's pages were another origin by design: their requests are left behind here)
    browser_log(browser, "performance")
    browser_log(browser, "browser")
    state = open_screen(browser, ui_server, "inbox")
    assert state["screen"] == "inbox"
    check_page(browser, ui_server, "signed-in-oidc")


def test_a_user_the_provider_gives_no_organisation_is_not_signed_in(
    browser: webdriver.Chrome, ui_server: str, callback: str
) -> None:
    _sign_in_at_the_provider(browser, ui_server, "zonder-org", "geheim-2")
    wait_for(browser, "return location.search.includes('signin_error=claims')", what="refusal")
    state = wait_ready(browser)
    assert state["screen"] == "sign-in"
    assert state["session"] is None
    assert "knooppunt_session" not in {c["name"] for c in browser.get_cookies()}
    assert ui_state(browser)["session"] is None
