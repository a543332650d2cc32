"""Security headers on every answer (a plain ASGI middleware).

- ``X-Content-Type-Options: nosniff`` everywhere: a browser never guesses a type;
- ``Content-Security-Policy`` on every HTML answer (the API's docs and the network pages):
  nothing from another origin, no framing; the workbench under ``/ui/`` gets a stricter one
  without ``'unsafe-inline'`` (its page has no inline script or style: decision 079);
- ``Cache-Control: no-store`` on everything but the packaged static assets (``/static/`` and
  the workbench's built files under ``/ui/assets/``): answers carry person-level data and
  organisation-level results that no browser or proxy may keep.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from api.asgi import HttpMiddleware

__all__ = ["CONTENT_SECURITY_POLICY", "UI_CONTENT_SECURITY_POLICY", "SecurityHeaders"]

#: The browser enforces what the pages promise: nothing from another origin. Inline scripts and
#: styles are the pages' own (FastAPI's docs page builder, the self-contained network pages);
#: ReDoc runs its search in a ``blob:`` worker.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

#: The workbench's page: its own script and stylesheet only, no inline code, no eval; images
#: from itself or ``data:``/``blob:`` (the network picture it exports); fetches to itself.
UI_CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

_STATIC_PREFIXES: Final = ("/static/", "/ui/assets/")
_UI_PREFIX: Final = "/ui/"


class SecurityHeaders(HttpMiddleware):
    """Adds the headers above to each response's first message."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        static = path.startswith(_STATIC_PREFIXES)
        policy = (
            UI_CONTENT_SECURITY_POLICY if path.startswith(_UI_PREFIX) else CONTENT_SECURITY_POLICY
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = policy
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
