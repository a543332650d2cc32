"""The graph's constraints and indexes, declared as data and applied idempotently.

:data:`SCHEMA` is the one list; other parts of the project append their entries to it (in this
module, next to the others) rather than creating schema elsewhere. Each entry renders to a
``CREATE CONSTRAINT name IF NOT EXISTS`` or ``CREATE INDEX name IF NOT EXISTS`` statement; labels
come only from :class:`graph.model.NodeLabel` (or :data:`graph.model.ENTITY_LABEL`) and property
names must be plain identifiers, because Cypher cannot take either as a parameter.

Example::

    with connect(settings) as driver:
        apply_schema(driver, database=settings.neo4j_database)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import neo4j
from neo4j.exceptions import Neo4jError

from graph.errors import SchemaError
from graph.model import ENTITY_LABEL, NodeLabel
from graph.queries import AWAIT_INDEXES

__all__ = ["SCHEMA", "SchemaItem", "SchemaKind", "apply_schema", "schema_names"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ALLOWED_LABELS = frozenset({*(label.value for label in NodeLabel), ENTITY_LABEL})


class SchemaKind(StrEnum):
    """What a schema item creates."""

    UNIQUE = "unique"  #: uniqueness constraint (backed by a range index)
    RANGE_INDEX = "range"  #: range index (equality, ranges, prefix, ordering)
    TEXT_INDEX = "text"  #: text index (CONTAINS / ENDS WITH on one string property)


@dataclass(frozen=True)
class SchemaItem:
    """One constraint or index on a node label."""

    name: str
    kind: SchemaKind
    label: str
    properties: tuple[str, ...]

    def __post_init__(self) -> None:
        if not _IDENTIFIER.fullmatch(self.name):
            raise SchemaError(f"schema item name {self.name!r} is not a plain identifier")
        if self.label not in _ALLOWED_LABELS:
            raise SchemaError(
                f"schema item {self.name}: label {self.label!r} is not in graph.model.NodeLabel"
            )
        if not self.properties:
            raise SchemaError(f"schema item {self.name}: no properties")
        for prop in self.properties:
            if not _IDENTIFIER.fullmatch(prop):
                raise SchemaError(
                    f"schema item {self.name}: property {prop!r} is not a plain identifier"
                )
        if self.kind is SchemaKind.TEXT_INDEX and len(self.properties) != 1:
            raise SchemaError(f"schema item {self.name}: a text index takes one property")

    def cypher(self) -> str:
        """The idempotent DDL statement (built from validated identifiers only)."""
        props = ", ".join(f"n.`{p}`" for p in self.properties)
        node = f"(n:`{self.label}`)"
        if self.kind is SchemaKind.UNIQUE:
            target = props if len(self.properties) == 1 else f"({props})"
            return (
                f"CREATE CONSTRAINT {self.name} IF NOT EXISTS FOR {node} REQUIRE {target} IS UNIQUE"
            )
        keyword = "TEXT INDEX" if self.kind is SchemaKind.TEXT_INDEX else "INDEX"
        return f"CREATE {keyword} {self.name} IF NOT EXISTS FOR {node} ON ({props})"


def _snake(label: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", label).lower()


def _unique_id(label: NodeLabel) -> SchemaItem:
    return SchemaItem(f"{_snake(label.value)}_id_unique", SchemaKind.UNIQUE, label.value, ("id",))


def _index(label: NodeLabel | str, *properties: str) -> SchemaItem:
    value = label.value if isinstance(label, NodeLabel) else label
    name = f"{_snake(value)}_{'_'.join(properties)}"
    return SchemaItem(name, SchemaKind.RANGE_INDEX, value, tuple(properties))


#: Every constraint and index of the graph, applied in this order by :func:`apply_schema`.
#: Append new entries (keep names unique); never rename one that has shipped.
SCHEMA: list[SchemaItem] = [
    # Every node kind is keyed by `id` (entities, deliveries, analysis results).
    *(_unique_id(label) for label in NodeLabel),
    # Lookups of any entity by id, whatever its label.
    _index(ENTITY_LABEL, "id"),
    _index(NodeLabel.INCIDENT, "type"),
    _index(NodeLabel.INCIDENT, "date"),
    _index(NodeLabel.ADDRESS, "region"),
    _index(NodeLabel.ADDRESS, "pc4"),
    _index(NodeLabel.ADDRESS, "municipality_code"),
    _index(NodeLabel.DELIVERY, "partner"),
    _index(NodeLabel.ALERT, "created_at"),
    # Cases (graph.cases): listed newest first; one case per alert, even under concurrent
    # opening (the second transaction fails on this constraint and writes nothing).
    _index(NodeLabel.CASE, "opened_at"),
    SchemaItem("case_alert_unique", SchemaKind.UNIQUE, NodeLabel.CASE.value, ("alert_id",)),
    # Bibob requests (graph.cases.bibob): one case per request, even when two coordinators
    # take it up at once.
    SchemaItem("case_bibob_unique", SchemaKind.UNIQUE, NodeLabel.CASE.value, ("bibob_id",)),
]


def schema_names(items: list[SchemaItem] | None = None) -> list[str]:
    """Names of the declared items; a clear error when two share a name."""
    names = [item.name for item in (SCHEMA if items is None else items)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SchemaError(f"schema item names used twice: {', '.join(duplicates)}")
    return names


def apply_schema(
    driver: neo4j.Driver, *, database: str, items: list[SchemaItem] | None = None
) -> int:
    """Create every declared constraint and index that does not exist yet; waits until online.

    Idempotent: running it again changes nothing. Returns how many items were newly created.
    """
    chosen = SCHEMA if items is None else items
    schema_names(chosen)
    created = 0
    for item in chosen:
        try:
            summary = driver.execute_query(item.cypher(), database_=database).summary
        except Neo4jError as e:
            raise SchemaError(
                f"could not apply schema item {item.name} ({item.kind} on :{item.label}"
                f"({', '.join(item.properties)})): {e.message}"
            ) from e
        counters = summary.counters
        created += counters.constraints_added + counters.indexes_added
    driver.execute_query(AWAIT_INDEXES, {"timeout": 300}, database_=database)
    return created
