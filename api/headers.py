"""Security headers on every answer (a plain ASGI middleware).

- ``X-Content-Type-Options: nosniff`` everywhere: a browser never guesses a type;
- ``Content-Security-Policy`` on every HTML answer (the API's docs and the network pages):
  nothing from another origin, no framing;
- ``Cache-Control: no-store`` on everything but the packaged static assets: answers carry
  person-level data and organisation-level results that no browser or proxy may keep.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from api.asgi import HttpMiddleware

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeaders"]

#: The browser enforces what the pages promise: nothing from another origin. Inline scripts and
#: styles are the pages' own (FastAPI's docs page builder, the self-contained network pages);
#: ReDoc runs its search in a ``blob:`` worker.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

_STATIC_PREFIX: Final = "/static/"


class SecurityHeaders(HttpMiddleware):
    """Adds the headers above to each response's first message."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        static = str(scope.get("path", "")).startswith(_STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
