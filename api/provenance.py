"""The API's node and link shapes: an entity's own properties apart from its provenance.

Every entity and link carries the partners and deliveries it comes from as parallel lists
(``src_partner``, ``src_delivery``, ... one entry per source, ``docs/graph-model.md``); the API
presents them as one ``provenance`` object with a list of ``sources``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from graph.model import NodeLabel
from graph.values import native

__all__ = [
    "ENTITY_LABELS",
    "entity_label",
    "graph_link",
    "graph_node",
    "link_kind",
    "link_shape",
    "node_shape",
    "provenance",
]

_PROVENANCE_LISTS: Final = (
    ("partner", "src_partner"),
    ("delivery", "src_delivery"),
    ("legal_basis", "src_legal_basis"),
    ("first_seen", "src_first_seen"),
    ("last_seen", "src_last_seen"),
    ("retain_until", "src_retain_until"),
)
_PROVENANCE_KEYS: Final = frozenset(
    {"partners", "first_seen", "last_seen", "retain_until", *(k for _, k in _PROVENANCE_LISTS)}
)
#: Entity labels in the order the API picks a node's ``label`` from its labels.
ENTITY_LABELS: Final = tuple(
    label.value
    for label in (
        NodeLabel.PERSON,
        NodeLabel.COMPANY,
        NodeLabel.ADDRESS,
        NodeLabel.VEHICLE,
        NodeLabel.PHONE,
        NodeLabel.BANK_ACCOUNT,
        NodeLabel.CLUB,
        NodeLabel.INCIDENT,
        NodeLabel.INVESTIGATION,
        NodeLabel.PERMIT_APPLICATION,
    )
)


def entity_label(labels: list[str], default: str | None = None) -> str | None:
    """The entity label among ``labels`` (:data:`ENTITY_LABELS` order), else ``default``."""
    return next((name for name in ENTITY_LABELS if name in labels), default)


def _date_or_none(value: Any) -> Any:
    return value if isinstance(value, date) else None


_SOURCE_FIELDS: Final = tuple(name for name, _ in _PROVENANCE_LISTS)
_DATE_FIELDS: Final = frozenset({"first_seen", "last_seen", "retain_until"})


def _column(name: str, values: Any, length: int) -> list[Any]:
    """One per-source list as the API shows it: ``length`` entries (missing ones null), dates
    as dates (anything else null), the rest as text."""
    column = list(values)
    column += [None] * (length - len(column))
    if name in _DATE_FIELDS:
        if not all(isinstance(v, date) for v in column):
            column = [_date_or_none(v) for v in column]
    elif not all(type(v) is str for v in column):
        column = [None if v is None else str(v) for v in column]
    return column


def provenance(props: Mapping[str, Any]) -> dict[str, Any]:
    """``{partners, sources, first_seen, last_seen, retain_until}`` from an entity's or link's
    properties (``sources``: one entry per source, from the parallel ``src_*`` lists).

    Checked column by column, not source by source: a cluster graph shapes 12,000 of these."""
    lists = [props.get(key) or () for _, key in _PROVENANCE_LISTS]
    length = max(len(values) for values in lists)
    columns = [_column(n, v, length) for n, v in zip(_SOURCE_FIELDS, lists, strict=True)]
    return {
        "partners": [str(p) for p in props.get("partners") or []],
        "sources": [
            dict(zip(_SOURCE_FIELDS, row, strict=True)) for row in zip(*columns, strict=True)
        ],
        "first_seen": _date_or_none(props.get("first_seen")),
        "last_seen": _date_or_none(props.get("last_seen")),
        "retain_until": _date_or_none(props.get("retain_until")),
    }


def graph_node(
    raw: Mapping[str, Any], *, region: str | None = None, member: bool = False
) -> dict[str, Any]:
    """``{id, labels, props}`` from a query to the API's node shape."""
    return node_shape(
        str(raw.get("id")),
        [str(label) for label in raw.get("labels") or []],
        native(raw.get("props") or {}),
        region=region,
        member=member,
    )


def node_shape(
    node_id: str,
    labels: list[str],
    props: Mapping[str, Any],
    *,
    region: str | None = None,
    member: bool = False,
) -> dict[str, Any]:
    """The API's node shape of an entity whose ``props`` are plain Python already."""
    label = entity_label(labels, labels[0] if labels else "")
    node_region = region if region is not None else props.get("region")
    return {
        "id": node_id,
        "label": label,
        "region": node_region if isinstance(node_region, str) else None,
        "member": member,
        "properties": {k: v for k, v in props.items() if k not in _PROVENANCE_KEYS and k != "id"},
        "provenance": provenance(props),
    }


def graph_link(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``{id, type, source, target, props}`` from a query to the API's link shape."""
    return link_shape(
        str(raw["id"]),
        str(raw["type"]),
        str(raw["source"]),
        str(raw["target"]),
        native(raw.get("props") or {}),
    )


def link_shape(
    link_id: str, kind: str, source: str, target: str, props: Mapping[str, Any]
) -> dict[str, Any]:
    """The API's link shape of a link whose ``props`` are plain Python already."""
    return {
        "id": link_id,
        "type": kind,
        "source": source,
        "target": target,
        "properties": {k: v for k, v in props.items() if k not in _PROVENANCE_KEYS},
        "provenance": provenance(props),
    }


def link_kind(props: Mapping[str, Any]) -> str | None:
    """A link's ``role`` or ``kind`` (what a path step shows beside its type)."""
    for key in ("role", "kind"):
        value = props.get(key)
        if isinstance(value, str):
            return value
    return None
