"""Knooppunt's API for the RIECs and the LIEC: alerts, clusters, Bibob checks and trends, with
need-to-know (``docs/access.md``) and a tamper-evident audit log. Start it with
``knooppunt serve``; build it with :func:`api.app.create_app`."""

from __future__ import annotations

__all__: list[str] = []
