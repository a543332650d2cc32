"""Declarative mappings (``ingest/mappings/<source>.yaml``): loading, validation, row transform.

A mapping says, for one partner source, which columns the file has and what type each holds,
which entities a row yields (label, key columns, properties) and which links between them. It
is data, in the spirit of FollowTheMoney's CSV mappings (``docs/decisions/020-mappings.md``),
and it is checked completely when loaded: its shape by the pydantic models of
:mod:`ingest.mapping_schema`, its meaning against the graph model here; an unknown column,
label, link type, property or entity name fails at once, naming the mapping file, the key that
is wrong and the rule (:mod:`graph.validation`).

Entity ids come from the entity's own key (token, KvK number, postcode + house number), never
from the source, so that two partners' rows about one person meet in one node.

Example (``pol_incidenten.yaml``, shortened)::

    source: pol_incidenten
    partners: [POL]
    csv: {delimiter: ";"}
    columns:
      registratienummer: {type: string, required: true}
      pleegdatum: {type: date, format: "%d-%m-%Y", required: true}
      persoon: {type: token, kind: person}
    entities:
      incident: {label: Incident, key: registratienummer, properties: {date: pleegdatum}}
      person: {label: Person, key: persoon, optional: true}
    links:
      - {type: INVOLVED_IN, from: person, to: incident}
"""

from __future__ import annotations

import re
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import ValidationError

from graph.geography import Geography
from graph.model import NodeLabel, RelType, graph_model
from graph.validation import DOCUMENT, Problem, describe, explain
from ingest.errors import MappingError
from ingest.mapping_schema import (
    ColumnDocument,
    ConditionDocument,
    EntityDocument,
    LinkDocument,
    MappingDocument,
    PropertyDocument,
)
from ingest.validate import CODELISTS, ColumnSpec, Violation, convert

__all__ = [
    "ENTITY_PROPERTIES",
    "LINK_RULES",
    "MAPPINGS_DIR",
    "EntitySpec",
    "LinkRecord",
    "LinkSpec",
    "Mapping",
    "NodeRecord",
    "RowResult",
    "enrich_address",
    "holds",
    "load_mapping",
    "load_mappings",
]

MAPPINGS_DIR: Final = Path(__file__).parent / "mappings"

#: Properties a mapping may set per entity label, from the graph model
#: (``graph/data/graph-model.yaml``); ``id`` and provenance are set by the writer, and derived
#: properties (an address's municipality and region) by ingest itself.
ENTITY_PROPERTIES: Final[dict[NodeLabel, frozenset[str]]] = {
    label: frozenset(kind.properties) for label, kind in graph_model().entities.items()
}


#: Properties stored as dates (the graph model's ``dates``): only date columns go to them.
_DATE_PROPERTIES: Final = frozenset(graph_model().dates)


@dataclass(frozen=True, slots=True)
class LinkRule:
    """Which labels a link type may join, and which properties it may carry."""

    sources: frozenset[NodeLabel]
    targets: frozenset[NodeLabel]
    properties: frozenset[str]


#: The link kinds of the graph model: which labels each joins, what a mapping may set on it.
LINK_RULES: Final[dict[RelType, LinkRule]] = {
    rel: LinkRule(frozenset(kind.sources), frozenset(kind.targets), frozenset(kind.properties))
    for rel, kind in graph_model().links.items()
}

#: A node to merge: label, id, properties (``None`` values are not written).
NodeRecord = tuple[NodeLabel, str, dict[str, Any]]
#: A link to merge: type, source label and id, target label and id, properties.
LinkRecord = tuple[RelType, NodeLabel, str, NodeLabel, str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Condition:
    """An entity applies to a row only when ``column`` equals one of ``values`` (or matches)."""

    column: str
    values: frozenset[str] | None
    prefix: str | None


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """One entity a row yields."""

    name: str
    label: NodeLabel
    key: tuple[str, ...]
    separator: str
    properties: tuple[tuple[str, str | None, Any], ...]  # (property, column or None, constant)
    optional: bool
    when: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class LinkSpec:
    """One link a row yields, between two of its entities."""

    type: RelType
    source: str
    target: str
    properties: tuple[tuple[str, str | None, Any], ...]
    when: tuple[Condition, ...] = ()


def holds(conditions: tuple[Condition, ...], values: AbcMapping[str, Any]) -> bool:
    """Whether every condition holds for a row's typed ``values``."""
    for cond in conditions:
        value = values.get(cond.column)
        text = "" if value is None else str(value)
        if cond.values is not None and text not in cond.values:
            return False
        if cond.prefix is not None and not text.startswith(cond.prefix):
            return False
    return True


@dataclass(frozen=True, slots=True)
class RowResult:
    """What one valid row yields; ``violation`` is set (and nothing else) for a rejected row."""

    nodes: list[NodeRecord] = field(default_factory=list)
    links: list[LinkRecord] = field(default_factory=list)
    violation: tuple[str, str] | None = None  # (column, rule)
    unknown_pc4: int = 0


@dataclass(frozen=True)
class Mapping:
    """A loaded, checked mapping for one partner source."""

    path: Path
    source: str
    partners: frozenset[str]
    delimiter: str
    columns: dict[str, ColumnSpec]
    entities: tuple[EntitySpec, ...]
    links: tuple[LinkSpec, ...]

    @property
    def required_columns(self) -> list[str]:
        """Columns every file of this source must have: all declared columns but those a later
        format version added (a file of the first format leaves them out)."""
        return [name for name, spec in self.columns.items() if spec.added_in is None]

    @property
    def token_columns(self) -> frozenset[str]:
        """Columns that hold pseudonyms: the privacy guard's strictest context."""
        return frozenset(n for n, c in self.columns.items() if c.type == "token")

    def transform(self, raw: AbcMapping[str, Any], geography: Geography | None) -> RowResult:
        """Validate one row and build its node and link records."""
        values: dict[str, Any] = {}
        for name, spec in self.columns.items():
            try:
                values[name] = convert(spec, raw.get(name))
            except Violation as v:
                return RowResult(violation=(name, v.rule))
        nodes: list[NodeRecord] = []
        ids: dict[str, tuple[NodeLabel, str]] = {}
        unknown_pc4 = 0
        for entity in self.entities:
            if entity.when and not holds(entity.when, values):
                continue
            parts = [values[c] for c in entity.key]
            if parts[0] is None:
                if entity.optional:
                    continue
                return RowResult(violation=(entity.key[0], "missing_key"))
            node_id = entity.separator.join(str(p) for p in parts if p is not None and p != "")
            props: dict[str, Any] = {}
            for prop, column, constant in entity.properties:
                value = values[column] if column is not None else constant
                if value is not None:
                    props[prop] = value
            if entity.label is NodeLabel.ADDRESS:
                unknown_pc4 += enrich_address(props, geography)
            nodes.append((entity.label, node_id, props))
            ids[entity.name] = (entity.label, node_id)
        links: list[LinkRecord] = []
        for link in self.links:
            source = ids.get(link.source)
            target = ids.get(link.target)
            if source is None or target is None or (link.when and not holds(link.when, values)):
                continue
            props = {}
            for prop, column, constant in link.properties:
                value = values[column] if column is not None else constant
                if value is not None:
                    props[prop] = value
            links.append((link.type, source[0], source[1], target[0], target[1], props))
        return RowResult(nodes=nodes, links=links, unknown_pc4=unknown_pc4)


def enrich_address(props: dict[str, Any], geography: Geography | None) -> int:
    """Add an address's derived properties (PC4, municipality, region) from its postcode;
    1 when the postcode's PC4 is unknown, else 0."""
    postcode = props.get("postcode")
    if not isinstance(postcode, str):
        return 0
    props["pc4"] = postcode[:4]
    municipality = geography.municipality_of_postcode(postcode) if geography else None
    props["municipality_code"] = municipality.code if municipality else None
    props["municipality"] = municipality.name if municipality else None
    props["region"] = municipality.region if municipality else None
    return 0 if municipality else 1


# -- loading ------------------------------------------------------------------------------------


class _Builder:
    """Builds the specs of a well-shaped document, checking it against the graph model:
    labels and their properties, link rules, and the columns that entities and links name."""

    def __init__(self, doc: MappingDocument) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.columns = {name: _column_spec(name, c) for name, c in doc.columns.items()}

    def fail(self, key: str, rule: str) -> None:
        self.problems.append(Problem(key=key, rule=rule))

    def props(
        self, key: str, props: dict[str, PropertyDocument], allowed: frozenset[str]
    ) -> tuple[tuple[str, str | None, Any], ...]:
        out: list[tuple[str, str | None, Any]] = []
        for prop, source in props.items():
            if prop not in allowed:
                self.fail(
                    f"{key}.{prop}", f"unknown property (allowed: {', '.join(sorted(allowed))})"
                )
            elif source.column is None:
                out.append((prop, None, source.const))
            elif source.column in self.columns:
                is_date = self.columns[source.column].type == "date"
                if is_date != (prop in _DATE_PROPERTIES):
                    self.fail(
                        f"{key}.{prop}",
                        "a date column goes only to a date property of the graph model, and a "
                        f"date property takes only a date column (dates: "
                        f"{', '.join(sorted(_DATE_PROPERTIES))})",
                    )
                out.append((prop, source.column, None))
            else:
                self.fail(f"{key}.{prop}", "unknown column (not declared under columns)")
        return tuple(out)

    def when(self, key: str, conditions: tuple[ConditionDocument, ...]) -> tuple[Condition, ...]:
        for i, cond in enumerate(conditions):
            if cond.column not in self.columns:
                self.fail(f"{key}[{i}].column", "unknown column")
        return tuple(Condition(c.column, c.values, c.prefix) for c in conditions)

    def entity(self, name: str, doc: EntityDocument) -> EntitySpec | None:
        key = f"entities.{name}"
        label = next((lb for lb in ENTITY_PROPERTIES if lb.value == doc.label), None)
        for i, column in enumerate(doc.key):
            if column not in self.columns:
                self.fail(f"{key}.key[{i}]", "unknown column (not declared under columns)")
        when = self.when(f"{key}.when", doc.when)
        if label is None:
            kinds = ", ".join(sorted(ENTITY_PROPERTIES))
            self.fail(f"{key}.label", f"unknown entity kind (one of {kinds})")
            return None
        properties = self.props(f"{key}.properties", doc.properties, ENTITY_PROPERTIES[label])
        return EntitySpec(name, label, doc.key, doc.separator, properties, doc.optional, when)

    def link(
        self, index: int, doc: LinkDocument, entities: dict[str, EntitySpec]
    ) -> LinkSpec | None:
        key = f"links[{index}]"
        rel = next((rt for rt in LINK_RULES if rt.value == doc.type), None)
        if rel is None:
            self.fail(f"{key}.type", f"unknown link type (one of {', '.join(sorted(LINK_RULES))})")
            return None
        rule = LINK_RULES[rel]
        for end, name, allowed in (("from", doc.from_, rule.sources), ("to", doc.to, rule.targets)):
            if name not in self.doc.entities:
                self.fail(f"{key}.{end}", "unknown entity (not declared under entities)")
            elif name in entities and entities[name].label not in allowed:
                label = entities[name].label
                self.fail(f"{key}.{end}", f"{rel} cannot {end} {label} (graph-model.md)")
        properties = self.props(f"{key}.properties", doc.properties, rule.properties)
        return LinkSpec(rel, doc.from_, doc.to, properties, self.when(f"{key}.when", doc.when))

    def build(self, path: Path) -> Mapping:
        built = {n: self.entity(n, e) for n, e in self.doc.entities.items()}
        entities = {n: e for n, e in built.items() if e is not None}
        links = [self.link(i, ln, entities) for i, ln in enumerate(self.doc.links)]
        return Mapping(
            path=path,
            source=self.doc.source,
            partners=frozenset(self.doc.partners),
            delimiter=self.doc.csv.delimiter,
            columns=self.columns,
            entities=tuple(entities.values()),
            links=tuple(ln for ln in links if ln is not None),
        )


def _column_spec(name: str, doc: ColumnDocument) -> ColumnSpec:
    codes: frozenset[str] | None = None
    if doc.type == "code":
        codes = CODELISTS[doc.codelist] if doc.codelist else frozenset(doc.values or ())
    return ColumnSpec(
        name=name,
        pattern=re.compile(doc.pattern) if doc.pattern is not None else None,
        type=doc.type,
        required=doc.required,
        formats=doc.format,
        token_kind=doc.kind if doc.type == "token" else None,
        codes=codes,
        code_map=doc.map,
        minimum=doc.min,
        maximum=doc.max,
        added_in=doc.added_in,
    )


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise MappingError(f"mapping {path}: file missing")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        mark = getattr(e, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise MappingError(f"mapping {path}: unreadable YAML ({type(e).__name__}{where})") from e


def load_mapping(path: Path) -> Mapping:
    """Load and check one mapping file; a :class:`MappingError` names file, key and rule."""
    source = f"mapping {path}"
    try:
        doc = MappingDocument.model_validate(_read_yaml(path), context={"stem": path.stem})
    except ValidationError as e:
        raise MappingError(
            explain(e, source=source, model=MappingDocument, root=DOCUMENT)
        ) from None
    builder = _Builder(doc)
    mapping = builder.build(path)
    if builder.problems:
        raise MappingError(describe(source, builder.problems))
    return mapping


@lru_cache(maxsize=64)
def _cached(path: Path, mtime: float) -> Mapping:
    return load_mapping(path)


def load_mappings(directory: Path = MAPPINGS_DIR) -> dict[str, Mapping]:
    """All mappings of a directory, by source name (each loaded and checked)."""
    out: dict[str, Mapping] = {}
    for path in sorted(directory.glob("*.yaml")):
        out[path.stem] = _cached(path, path.stat().st_mtime)
    return out
