"""The API's documentation pages, served from the package itself: no page loads from elsewhere.

FastAPI's own ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from a CDN (and ReDoc's fonts
from Google), so they are blank without internet. :func:`install_docs` serves the same pages
(FastAPI's page builders) with the files that ``frontend/`` builds from its npm lock file into
``api/static/vendor/``, and mounts ``api/static/`` at ``/static`` (decision 055). The pages and
the files need no token, like ``/openapi.json``; every request is audited like any other.

Without the built files the app still starts: the pages answer 503 problem+json naming the
build command, and ``/static/...`` answers 404.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from api.errors import DocsAssetsMissingError

__all__ = [
    "BUILD_COMMAND",
    "DOCS_URL",
    "OAUTH2_REDIRECT_URL",
    "REDOC_URL",
    "STATIC_DIR",
    "STATIC_URL",
    "install_docs",
]

#: The folder mounted at :data:`STATIC_URL`; ``vendor/`` in it is made by the front-end build.
STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
STATIC_URL: Final = "/static"
DOCS_URL: Final = "/docs"
OAUTH2_REDIRECT_URL: Final = "/docs/oauth2-redirect"
REDOC_URL: Final = "/redoc"
BUILD_COMMAND: Final = "make assets (that is: cd frontend && npm ci && npm run build)"

# Paths under STATIC_DIR, as frontend/build.mjs writes them.
_SWAGGER_JS: Final = "vendor/swagger-ui/swagger-ui-bundle.js"
_SWAGGER_CSS: Final = "vendor/swagger-ui/swagger-ui.css"
_FAVICON: Final = "vendor/swagger-ui/favicon-32x32.png"
_REDOC_JS: Final = "vendor/redoc/redoc.standalone.js"
_SWAGGER_FILES: Final = (_SWAGGER_JS, _SWAGGER_CSS, _FAVICON)
_REDOC_FILES: Final = (_REDOC_JS, _FAVICON)

_log = logging.getLogger(__name__)


class _StaticFiles(StaticFiles):
    """:class:`StaticFiles` that answers 404 while its folder does not exist (instead of
    raising on the first request): the folder is generated, and may not be there."""

    async def check_config(self) -> None:
        return None


def _missing(static_dir: Path, files: tuple[str, ...]) -> list[str]:
    return [name for name in files if not (static_dir / name).is_file()]


def _require(static_dir: Path, files: tuple[str, ...]) -> None:
    missing = _missing(static_dir, files)
    if missing:
        raise DocsAssetsMissingError(
            f"{', '.join(missing)} not found in the API's static folder: build the front-end "
            f"files with `{BUILD_COMMAND}`"
        )


def install_docs(app: FastAPI, *, static_dir: Path | None = None) -> None:
    """Serve ``/docs``, ``/docs/oauth2-redirect`` and ``/redoc`` from ``static_dir`` (default
    :data:`STATIC_DIR`), mounted at ``/static``; create the app with ``docs_url=None,
    redoc_url=None``. URLs in the pages are root-relative, so they follow a ``root_path``."""
    folder = static_dir if static_dir is not None else STATIC_DIR
    openapi_url = app.openapi_url or "/openapi.json"
    missing = _missing(folder, (*_SWAGGER_FILES, *_REDOC_FILES))
    if missing:
        _log.warning(
            "API documentation files missing (%s): /docs and /redoc answer 503 until `%s`",
            ", ".join(missing),
            BUILD_COMMAND,
        )

    def base(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    def asset(request: Request, name: str) -> str:
        return f"{base(request)}{STATIC_URL}/{name}"

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        _require(folder, _SWAGGER_FILES)
        return get_swagger_ui_html(
            openapi_url=base(request) + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=asset(request, _SWAGGER_JS),
            swagger_css_url=asset(request, _SWAGGER_CSS),
            swagger_favicon_url=asset(request, _FAVICON),
            oauth2_redirect_url=base(request) + OAUTH2_REDIRECT_URL,
            init_oauth=app.swagger_ui_init_oauth,
            # validatorUrl null: never ask validator.swagger.io about the spec
            swagger_ui_parameters={**(app.swagger_ui_parameters or {}), "validatorUrl": None},
        )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        _require(folder, _REDOC_FILES)
        return get_redoc_html(
            openapi_url=base(request) + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=asset(request, _REDOC_JS),
            redoc_favicon_url=asset(request, _FAVICON),
            with_google_fonts=False,
        )

    app.mount(STATIC_URL, _StaticFiles(directory=folder, check_dir=False), name="static")
