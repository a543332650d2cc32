"""The workbench's router (/ui/): the page, its built files, the catalogue, the regions'
geography and the colour table; the strict CSP; and a catalogue that has every label the
front-end's sources ask for, in both languages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import api.ui
from api.app import create_app
from api.auth import Role
from api.headers import CONTENT_SECURITY_POLICY, UI_CONTENT_SECURITY_POLICY
from api.routers.session import SIGNIN_ERRORS
from graph.analysis.alerts import ALERT_KINDS
from graph.cases.model import PHENOMENA, STATES, EventKind
from graph.viz.style import KIND_STYLES, REGION_COLOURS, partner_colour
from graph.vocabulary import PARTNERS, REGIONS, TYPOLOGIES
from tests.api_offline import offline_settings

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "frontend" / "ui"
#: t("key") and t(`prefix.${...}`) in the front-end's sources.
_STATIC_KEY = re.compile(r"""\bt\(\s*"([^"]+)"\s*[,)]""")
_DYNAMIC_KEY = re.compile(r"""\b(?:t|labelOr)\(\s*`([a-z_.]+)\.\$\{""")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    if not (api.ui.ASSETS_DIR / "manifest.json").is_file():
        pytest.fail("the workbench is not built: run `make assets`")
    with TestClient(create_app(offline_settings(tmp_path / "audit.log"))) as test_client:
        yield test_client


def _sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(SOURCES.rglob("*.js")))


def test_the_page_loads_only_its_own_script_and_stylesheet(client: TestClient) -> None:
    answer = client.get("/ui/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-security-policy"] == UI_CONTENT_SECURITY_POLICY
    assert answer.headers["cache-control"] == "no-store"
    page = answer.text
    assert "<style" not in page
    assert "style=" not in page
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts == [(' type="module" src="/ui/assets/app.js"', "")]
    references = re.findall(r"""\b(?:src|href)="([^"]*)\"""", page)
    assert set(references) == {"data:,", "/ui/assets/app-style.css", "/ui/assets/app.js"}


def test_the_ui_policy_allows_nothing_inline_and_no_other_origin() -> None:
    directives = {
        part.split()[0]: part.split()[1:] for part in UI_CONTENT_SECURITY_POLICY.split("; ")
    }
    for sources in directives.values():
        assert "'unsafe-inline'" not in sources
        assert "'unsafe-eval'" not in sources
        assert all(s.startswith("'") or s in ("data:", "blob:") for s in sources), sources
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_the_docs_keep_their_own_policy(client: TestClient) -> None:
    assert client.get("/docs").headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_built_files_are_served_with_their_types_and_nothing_else(client: TestClient) -> None:
    script = client.get("/ui/assets/app.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "no-store" not in script.headers.get("cache-control", "")
    style = client.get("/ui/assets/app-style.css")
    assert style.headers["content-type"].startswith("text/css")
    assert client.get("/ui/assets/THIRD-PARTY-LICENSES.txt").text.startswith("sigma ")
    for name in ("manifest.json", "..%2Fui%2Fmanifest.json", "nothing.js"):
        answer = client.get(f"/ui/assets/{name}")
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"


def test_the_bundle_holds_no_eval_and_names_no_other_host() -> None:
    bundle = (api.ui.ASSETS_DIR / "app.js").read_text(encoding="utf-8")
    assert "new Function(" not in bundle
    assert "eval(" not in bundle
    hosts = set(re.findall(r"https?://([A-Za-z0-9.-]+)", bundle))
    assert hosts <= {"www.w3.org"}, hosts  # the SVG namespace, never fetched


def test_the_catalogue_has_every_label_in_dutch_and_english(client: TestClient) -> None:
    catalogue = client.get("/ui/messages.json").json()
    assert set(catalogue) == {"nl", "en"}
    assert set(catalogue["nl"]) == set(catalogue["en"])
    keys = set(catalogue["nl"])
    sources = _sources()
    asked = set(_STATIC_KEY.findall(sources))
    assert asked, "no t(...) calls found"
    assert asked - keys == set()
    # Keys kept in tables before they reach t() (columns, problem kinds): every dotted string
    # in the sources that starts like a catalogue key is one.
    families_in_catalogue = {key.split(".")[0] for key in keys}
    dotted = set(re.findall(r'"([a-z]+(?:\.[a-z_-]+)+)"', sources))
    named = {d for d in dotted if d.split(".")[0] in families_in_catalogue}
    assert named - keys == set()
    # Keys made from codes: every code of the vocabulary has its label.
    families = {
        "typology": TYPOLOGIES,
        "phenomenon": PHENOMENA,
        "alert.kind": ALERT_KINDS,
        "kind": [str(kind) for kind in KIND_STYLES],
        "role": [str(role.value) for role in Role],
        "case.state": STATES,
        "status": ("open", "acknowledged", "closed"),
        "shell.lang": ("nl", "en"),
        "trends.measure": ("incidents", "clusters"),
        "trends.suppressed": ("primary", "secondary"),
        "export": ("graphml", "csv", "png"),
        "cluster.filter": ("partners", "types", "bases"),
        "nav": ("inbox", "check", "trends"),
        # graph/analysis/identity.py's events (others show their code)
        "event.kind": ("new", "grown", "shrunk", "merged", "split", "dissolved"),
        "case.event": [str(kind.value) for kind in EventKind],
        "signin.error": (*SIGNIN_ERRORS, "unknown"),
    }
    prefixes = set(_DYNAMIC_KEY.findall(sources))
    assert prefixes - set(families) - set() == set(), prefixes
    for prefix, codes in families.items():
        assert {f"{prefix}.{c}" for c in codes} <= keys, prefix


def test_a_catalogue_without_a_language_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "messages.yaml"
    broken.write_text('a.key:\n  nl: "tekst"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="needs exactly the languages"):
        api.ui.load_messages(broken)


def test_the_regions_geography_names_the_ten_riec_regions(client: TestClient) -> None:
    topology = client.get("/ui/geo/regions.json").json()
    assert topology["type"] == "Topology"
    (shapes,) = topology["objects"].values()
    names = sorted(g["properties"]["region"] for g in shapes["geometries"])
    assert names == sorted(REGIONS)


def test_colours_come_from_the_one_style_table(client: TestClient) -> None:
    table = client.get("/ui/vocabulary.json").json()
    assert table["region_colours"] == dict(REGION_COLOURS)
    assert table["partner_colours"] == {c: partner_colour(i) for i, c in enumerate(PARTNERS)}
    assert len(set(table["partner_colours"].values())) == len(PARTNERS)  # one each
    assert table["kind_colours"]["Person"] == KIND_STYLES[next(iter(KIND_STYLES))].colour
    assert table["regions"] == list(REGIONS)


def test_without_the_build_the_page_says_how_to_make_it(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.ui, "ASSETS_DIR", tmp_path / "absent")
    answer = client.get("/ui/")
    assert answer.status_code == 503
    assert "make assets" in json.loads(answer.text)["detail"]


def test_the_sources_never_write_markup_or_inline_styles() -> None:
    """Data (tokens, names, notes) must never become HTML, and the CSP refuses style
    attributes: the sources build the DOM with textContent and set looks through CSSOM."""
    sources = _sources()
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert forbidden not in sources, forbidden
    assert not re.search(r"""setAttribute\(\s*["']style["']""", sources)
    assert not re.search(r"""\bstyle:\s*["']""", sources)  # h(tag, {style: "..."})


def test_the_shell_knows_every_sign_in_error_the_api_sends() -> None:
    main = (SOURCES / "main.js").read_text(encoding="utf-8")
    found = re.search(r"const SIGNIN_ERRORS = \[([^\]]*)\]", main)
    assert found is not None
    assert tuple(re.findall(r'"([^"]+)"', found.group(1))) == SIGNIN_ERRORS
