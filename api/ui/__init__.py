"""The analyst's workbench: a single-page web application served at ``/ui/`` (decision 079).

- ``GET /ui/``: the page (``index.html`` in this package): one stylesheet and one ES-module
  script, both under ``/ui/assets/``; no inline script or style, so the strict
  Content-Security-Policy of :data:`api.headers.UI_CONTENT_SECURITY_POLICY` holds;
- ``GET /ui/assets/<name>``: the files ``frontend/build.mjs`` bundled with esbuild into
  ``api/static/ui/`` (git-ignored, built from ``frontend/package-lock.json``, in the wheel);
  only the names its ``manifest.json`` lists;
- ``GET /ui/messages.json``: the message catalogue ``messages.yaml`` (Dutch and English);
- ``GET /ui/geo/regions.json``: the ten RIEC regions' TopoJSON from the packaged geography,
  each geometry given its RIEC name (``region``);
- ``GET /ui/vocabulary.json``: the fixed colours per region and per partner, from
  :mod:`graph.viz.style` (the one table the network pages use too), and the codes the forms
  offer (regions, typologies, case phenomena, legal bases).

None of these carries data about anyone, so they need no token (like ``/docs``); the data
comes from the API's own endpoints, called by the page with the session cookie. Every request
is audited like any other.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from api.errors import DocsAssetsMissingError, NotFoundError
from graph.analysis.alerts import ALERT_KINDS
from graph.cases.model import PHENOMENA
from graph.settings import PACKAGED_GEOGRAPHY_DIR
from graph.viz.style import (
    KIND_STYLES,
    MULTI_PARTNER_COLOUR,
    REGION_COLOURS,
    UNKNOWN_KIND_STYLE,
    UNKNOWN_REGION_COLOUR,
    partner_colour,
)
from graph.vocabulary import LEGAL_BASES, PARTNERS, REGIONS, TYPOLOGIES

__all__ = [
    "ASSETS_DIR",
    "INDEX_HTML",
    "MESSAGES_YAML",
    "UI_URL",
    "load_messages",
    "regions_geography",
    "router",
    "vocabulary_table",
]

UI_URL: Final = "/ui"
_HERE: Final = Path(__file__).resolve().parent
INDEX_HTML: Final = _HERE / "index.html"
MESSAGES_YAML: Final = _HERE / "messages.yaml"
#: Where ``frontend/build.mjs`` writes the bundle (``make assets``).
ASSETS_DIR: Final = _HERE.parent / "static" / "ui"
_BUILD_COMMAND: Final = "make assets (that is: cd frontend && npm ci && npm run build)"
_LANGUAGES: Final = ("nl", "en")
_TOPOJSON: Final = "regionale_eenheid_2024.topojson"
_UNITS: Final = "gemeente_politie_eenheid_2024.csv"

router = APIRouter(prefix=UI_URL, include_in_schema=False)


@cache
def load_messages(path: Path = MESSAGES_YAML) -> dict[str, dict[str, str]]:
    """The catalogue as ``{language: {key: text}}``; every key must have every language."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: a mapping of message keys expected")
    out: dict[str, dict[str, str]] = {lang: {} for lang in _LANGUAGES}
    for key, texts in raw.items():
        if not isinstance(texts, dict) or set(texts) != set(_LANGUAGES):
            raise ValueError(f"{path}: message {key!s} needs exactly the languages nl and en")
        for lang in _LANGUAGES:
            text = texts[lang]
            if not isinstance(text, str) or not text:
                raise ValueError(f"{path}: message {key!s} has an empty {lang} text")
            out[lang][str(key)] = text
    return out


@cache
def regions_geography(directory: Path = PACKAGED_GEOGRAPHY_DIR) -> dict[str, Any]:
    """The regions' TopoJSON with each geometry's RIEC name as property ``region``."""
    with (directory / _UNITS).open(encoding="utf-8", newline="") as handle:
        names = {row["politie_eenheid_code"]: row["riec_region"] for row in csv.DictReader(handle)}
    topology: dict[str, Any] = json.loads((directory / _TOPOJSON).read_text(encoding="utf-8"))
    for shapes in topology["objects"].values():
        for geometry in shapes["geometries"]:
            properties = geometry.setdefault("properties", {})
            properties["region"] = names[properties["statcode"]]
    return topology


def vocabulary_table() -> dict[str, Any]:
    """Colours: one per region (in the vocabulary's order), one per partner code (fixed by the
    vocabulary's order, so a partner looks the same on every screen), the colour of a link
    several partners reported; and the codes the screens' filters and forms offer."""
    return {
        "region_colours": dict(REGION_COLOURS),
        "unknown_region_colour": UNKNOWN_REGION_COLOUR,
        "partner_colours": {code: partner_colour(i) for i, code in enumerate(PARTNERS)},
        "multi_partner_colour": MULTI_PARTNER_COLOUR,
        "kind_colours": {str(kind): style.colour for kind, style in KIND_STYLES.items()},
        "unknown_kind_colour": UNKNOWN_KIND_STYLE.colour,
        "regions": list(REGIONS),
        "partners": {code: str(p.name) for code, p in PARTNERS.items()},
        "legal_bases": sorted(LEGAL_BASES),
        "typologies": list(TYPOLOGIES),
        "phenomena": list(PHENOMENA),
        "alert_kinds": list(ALERT_KINDS),
    }


def _built_files(directory: Path) -> frozenset[str]:
    manifest = directory / "manifest.json"
    if not manifest.is_file():
        return frozenset()
    listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
    return frozenset(str(name) for name in listed)


_MEDIA_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def _json(body: object) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


@router.get("")
async def ui_root() -> RedirectResponse:
    return RedirectResponse(f"{UI_URL}/", status_code=308)


@router.get("/")
async def ui_page() -> HTMLResponse:
    """The page; 503 problem naming the build command while the bundle is not built."""
    if not {"app.js", "app-style.css"} <= _built_files(ASSETS_DIR):
        raise DocsAssetsMissingError(f"the workbench is not built: run `{_BUILD_COMMAND}`")
    return HTMLResponse(INDEX_HTML.read_text(encoding="utf-8"))


@router.get("/assets/{name}")
async def ui_asset(name: str) -> FileResponse:
    """A built file by its name in the build's manifest (nothing else under the folder)."""
    if name not in _built_files(ASSETS_DIR):
        raise NotFoundError("no such workbench file")
    media_type = _MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")
    return FileResponse(ASSETS_DIR / name, media_type=media_type)


@router.get("/messages.json")
async def ui_messages() -> Response:
    return _json(load_messages())


@router.get("/geo/regions.json")
async def ui_regions(request: Request) -> Response:
    settings = getattr(request.app.state, "settings", None)
    directory = settings.geography_dir if settings is not None else PACKAGED_GEOGRAPHY_DIR
    return _json(regions_geography(directory))


@router.get("/vocabulary.json")
async def ui_vocabulary() -> Response:
    return _json(vocabulary_table())
