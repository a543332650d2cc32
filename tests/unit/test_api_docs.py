"""The documentation pages (/docs, /redoc) load only from the API's own origin, their files are
served with the right types, and without the front-end build they say how to build it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

import api.docs
from api.app import create_app
from api.audit import read_entries, verify_log
from graph.settings import Settings
from tests.api_offline import AUDIT_KEY, offline_settings

PAGES = ("/docs", "/redoc")
# src=, href=, ReDoc's spec-url= and Swagger UI's `url: '...'`
_REFERENCE = re.compile(r"""(?:\b(?:src|href|spec-url)\s*=\s*["']|\burl:\s*')([^"']*)""")
_CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}
_FOREIGN_MARKERS = ("http://", "https://", "cdn.jsdelivr", "unpkg.com", "fonts.g")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return offline_settings(tmp_path / "audit.log")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app with the package's own static folder, which must have been built."""
    vendor = api.docs.STATIC_DIR / "vendor"
    if not (vendor / "manifest.json").is_file():
        pytest.fail(f"{vendor} is not built: run `{api.docs.BUILD_COMMAND}`")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _references(html: str) -> list[str]:
    return _REFERENCE.findall(html)


def _foreign(html: str) -> list[str]:
    """What in the page would load from another origin, or names a CDN or font host."""
    absolute = [u for u in _references(html) if not u.startswith("/") or u.startswith("//")]
    return absolute + [marker for marker in _FOREIGN_MARKERS if marker in html]


def _html(response: HTMLResponse) -> str:
    return bytes(response.body).decode()


def test_the_check_finds_fastapis_cdn_pages() -> None:
    """FastAPI's default pages load from jsDelivr and Google Fonts: the check must say so."""
    assert _foreign(_html(get_swagger_ui_html(openapi_url="/o", title="t")))
    assert _foreign(_html(get_redoc_html(openapi_url="/o", title="t")))

    def local_redoc(*, fonts: bool) -> str:
        page = get_redoc_html(
            openapi_url="/o",
            title="t",
            redoc_js_url="/r.js",
            redoc_favicon_url="/f.png",
            with_google_fonts=fonts,
        )
        return _html(page)

    assert "fonts.g" in _foreign(local_redoc(fonts=True))
    assert _foreign(local_redoc(fonts=False)) == []


@pytest.mark.parametrize("page", PAGES)
def test_pages_reference_only_their_own_origin(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert _foreign(html) == []
    references = _references(html)
    assert "/openapi.json" in references
    assert any(r.startswith(api.docs.STATIC_URL + "/vendor/") for r in references)


@pytest.mark.parametrize("page", [*PAGES, api.docs.OAUTH2_REDIRECT_URL])
def test_pages_tell_the_browser_to_load_nothing_from_another_origin(
    client: TestClient, page: str
) -> None:
    policy = client.get(page).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    for name in ("script-src", "style-src", "img-src", "font-src", "connect-src", "worker-src"):
        sources = directives[name].split()
        assert "'self'" in sources
        assert not [s for s in sources if s.startswith(("http", "*")) or s.endswith(":*")], name
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("page", PAGES)
def test_referenced_files_are_served_with_their_types(client: TestClient, page: str) -> None:
    references = _references(client.get(page).text)
    assert len(references) >= 2
    for url in references:
        response = client.get(url)  # no token: the pages, the files and the spec are public
        assert response.status_code == 200, (url, response.text[:200])
        suffix = Path(url).suffix
        assert response.headers["content-type"].startswith(_CONTENT_TYPES[suffix]), url
        if url.startswith(api.docs.STATIC_URL + "/"):
            served = api.docs.STATIC_DIR / url.removeprefix(api.docs.STATIC_URL + "/")
            assert response.content == served.read_bytes()


def test_swagger_ui_renders_the_spec_without_the_online_validator(client: TestClient) -> None:
    html = client.get("/docs").text
    assert '"validatorUrl": null' in html
    assert "SwaggerUIBundle(" in html
    assert "'/docs/oauth2-redirect'" in html
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_pages_follow_the_root_path(settings: Settings) -> None:
    with TestClient(create_app(settings), root_path="/api") as test_client:
        for page in PAGES:
            html = test_client.get(page).text
            assert _foreign(html) == []
            assert all(r.startswith("/api/") for r in _references(html)), html


def test_pages_are_public_and_audited(client: TestClient, settings: Settings) -> None:
    assert client.get("/openapi.json").status_code == 200
    for page in PAGES:
        assert client.get(page).status_code == 200
    spec = client.get("/openapi.json").json()
    assert not {"/docs", "/redoc", "/docs/oauth2-redirect"} & set(spec["paths"])
    entries = list(read_entries(settings.audit_log or Path()))
    assert [e["path"] for e in entries] == ["/openapi.json", "/docs", "/redoc", "/openapi.json"]
    assert all(e["subject"] is None and e["status"] == 200 for e in entries)
    assert verify_log(settings.audit_log or Path(), AUDIT_KEY.encode()).ok


def test_the_build_wrote_what_the_pages_need() -> None:
    """Every file the pages name is among those frontend/build.mjs declares and wrote."""
    manifest_path = api.docs.STATIC_DIR / "vendor" / "manifest.json"
    if not manifest_path.is_file():
        pytest.fail(f"not built: run `{api.docs.BUILD_COMMAND}`")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    written = {"vendor/" + f for package in manifest.values() for f in package["files"]}
    assert set(api.docs._SWAGGER_FILES) | set(api.docs._REDOC_FILES) <= written
    assert {"vendor/swagger-ui/LICENSE", "vendor/redoc/LICENSE"} <= written
    for name in written:
        assert (api.docs.STATIC_DIR / name).stat().st_size > 0, name


def test_redocs_logo_no_longer_loads_from_its_cdn(client: TestClient) -> None:
    """ReDoc 2.x shows Redocly's logo from cdn.redoc.ly; the build replaces it with a data URL."""
    bundle = client.get(api.docs.STATIC_URL + "/vendor/redoc/redoc.standalone.js").content
    assert b"cdn.redoc.ly" not in bundle
    assert b"data:image/gif;base64," in bundle


@pytest.mark.parametrize("folder", ["empty", "absent"])
def test_without_the_build_the_pages_say_how_to_make_it(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    static = tmp_path / "static"
    if folder == "empty":
        static.mkdir()
    monkeypatch.setattr(api.docs, "STATIC_DIR", static)
    with TestClient(create_app(settings)) as test_client:  # the app is made and starts
        assert test_client.get("/health").status_code == 200
        for page in PAGES:
            response = test_client.get(page)
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/problem+json"
            problem = response.json()
            assert problem["type"].endswith("/docs-assets-missing")
            assert problem["instance"] == page
            assert "make assets" in problem["detail"]
            assert "cd frontend && npm ci && npm run build" in problem["detail"]
            assert str(tmp_path) not in response.text  # no server paths in the answer
        missing = test_client.get("/static/vendor/redoc/redoc.standalone.js")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert test_client.get("/openapi.json").status_code == 200
