"""Declarative mappings (``ingest/mappings/<source>.yaml``): loading, validation, row transform.

A mapping says, for one partner source, which columns the file has and what type each holds,
which entities a row yields (label, key columns, properties) and which links between them. It
is data, in the spirit of FollowTheMoney's CSV mappings (``docs/decisions/020-mappings.md``),
and it is checked completely when loaded: an unknown column, label, link type, property or
entity name fails at once, naming the mapping file and the key that is wrong.

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

from graph.geography import Geography
from graph.model import NodeLabel, RelType, graph_model
from graph.vocabulary import PARTNERS, TOKEN_KINDS
from ingest.errors import MappingError
from ingest.validate import CODELISTS, COLUMN_TYPES, ColumnSpec, Violation, convert

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


def _holds(conditions: tuple[Condition, ...], values: dict[str, Any]) -> bool:
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
        """Columns every file of this source must have (all declared columns)."""
        return list(self.columns)

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
            if entity.when and not _holds(entity.when, values):
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
                unknown_pc4 += _enrich_address(props, geography)
            nodes.append((entity.label, node_id, props))
            ids[entity.name] = (entity.label, node_id)
        links: list[LinkRecord] = []
        for link in self.links:
            source = ids.get(link.source)
            target = ids.get(link.target)
            if source is None or target is None or (link.when and not _holds(link.when, values)):
                continue
            props = {}
            for prop, column, constant in link.properties:
                value = values[column] if column is not None else constant
                if value is not None:
                    props[prop] = value
            links.append((link.type, source[0], source[1], target[0], target[1], props))
        return RowResult(nodes=nodes, links=links, unknown_pc4=unknown_pc4)


def _enrich_address(props: dict[str, Any], geography: Geography | None) -> int:
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


class _Loader:
    """Checks one mapping document; every error names the file and the key path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, rule: str) -> MappingError:
        return MappingError(f"mapping {self.path}: {key}: {rule}")

    def dict_at(self, data: Any, key: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(key, "must be a mapping (key: value)")
        return data

    def only(self, data: dict[str, Any], key: str, allowed: set[str]) -> None:
        for k in data:
            if k not in allowed:
                raise self.fail(
                    f"{key}.{k}", f"unknown key (allowed: {', '.join(sorted(allowed))})"
                )

    def column(self, name: str, data: Any) -> ColumnSpec:
        key = f"columns.{name}"
        if isinstance(data, str):
            data = {"type": data}
        spec = self.dict_at(data, key)
        self.only(
            spec,
            key,
            {
                "type",
                "required",
                "format",
                "kind",
                "codelist",
                "values",
                "map",
                "min",
                "max",
                "pattern",
            },
        )
        kind = spec.get("type")
        if kind not in COLUMN_TYPES:
            raise self.fail(f"{key}.type", f"unknown column type (one of {sorted(COLUMN_TYPES)})")
        formats = spec.get("format", ())
        formats = (formats,) if isinstance(formats, str) else tuple(formats)
        token_kind = spec.get("kind")
        if kind == "token" and token_kind not in TOKEN_KINDS:
            raise self.fail(f"{key}.kind", f"token columns need a kind ({sorted(TOKEN_KINDS)})")
        codes: frozenset[str] | None = None
        if kind == "code":
            if "codelist" in spec:
                if spec["codelist"] not in CODELISTS:
                    raise self.fail(f"{key}.codelist", f"unknown code list ({sorted(CODELISTS)})")
                codes = CODELISTS[spec["codelist"]]
            elif "values" in spec:
                codes = frozenset(str(v) for v in spec["values"])
            else:
                raise self.fail(key, "code columns need a codelist or values")
        code_map = spec.get("map")
        if code_map is not None:
            code_map = {str(k): str(v) for k, v in self.dict_at(code_map, f"{key}.map").items()}
        pattern = spec.get("pattern")
        if pattern is not None:
            if kind != "string":
                raise self.fail(f"{key}.pattern", "only string columns take a pattern")
            try:
                pattern = re.compile(str(pattern))
            except re.error as e:
                raise self.fail(f"{key}.pattern", f"not a regular expression ({e})") from e
        return ColumnSpec(
            name=name,
            pattern=pattern,
            type=kind,
            required=bool(spec.get("required", False)),
            formats=formats,
            token_kind=token_kind if kind == "token" else None,
            codes=codes,
            code_map=code_map,
            minimum=spec.get("min"),
            maximum=spec.get("max"),
        )

    def props(
        self, data: Any, key: str, allowed: frozenset[str], columns: dict[str, ColumnSpec]
    ) -> tuple[tuple[str, str | None, Any], ...]:
        out: list[tuple[str, str | None, Any]] = []
        for prop, source in self.dict_at(data or {}, key).items():
            if prop not in allowed:
                raise self.fail(
                    f"{key}.{prop}", f"unknown property (allowed: {', '.join(sorted(allowed))})"
                )
            if isinstance(source, dict):
                self.only(source, f"{key}.{prop}", {"const"})
                out.append((prop, None, source["const"]))
            elif isinstance(source, str) and source in columns:
                out.append((prop, source, None))
            else:
                raise self.fail(f"{key}.{prop}", "unknown column (not declared under columns)")
        return tuple(out)

    def entity(self, name: str, data: Any, columns: dict[str, ColumnSpec]) -> EntitySpec:
        key = f"entities.{name}"
        spec = self.dict_at(data, key)
        self.only(spec, key, {"label", "key", "separator", "properties", "optional", "when"})
        label = next((lb for lb in ENTITY_PROPERTIES if lb.value == spec.get("label")), None)
        if label is None:
            raise self.fail(
                f"{key}.label",
                f"unknown entity kind (one of {', '.join(sorted(ENTITY_PROPERTIES))})",
            )
        if "key" not in spec:
            raise self.fail(f"{key}.key", "missing key (the column(s) the entity's id comes from)")
        keys = spec["key"]
        keys = (keys,) if isinstance(keys, str) else tuple(keys)
        if not keys:
            raise self.fail(f"{key}.key", "missing key (the column(s) the entity's id comes from)")
        for k in keys:
            if k not in columns:
                raise self.fail(f"{key}.key", f"unknown column {k!r}")
        return EntitySpec(
            name=name,
            label=label,
            key=keys,
            separator=str(spec.get("separator", "-")),
            properties=self.props(
                spec.get("properties"), f"{key}.properties", ENTITY_PROPERTIES[label], columns
            ),
            optional=bool(spec.get("optional", False)),
            when=self.when(spec.get("when"), f"{key}.when", columns),
        )

    def when(self, data: Any, key: str, columns: dict[str, ColumnSpec]) -> tuple[Condition, ...]:
        if data is None:
            return ()
        items = data if isinstance(data, list) else [data]
        out: list[Condition] = []
        for i, item in enumerate(items):
            w = self.dict_at(item, f"{key}[{i}]")
            self.only(w, f"{key}[{i}]", {"column", "in", "equals", "prefix"})
            if w.get("column") not in columns:
                raise self.fail(f"{key}[{i}].column", "unknown column")
            values = w.get("in", [w["equals"]] if "equals" in w else None)
            out.append(
                Condition(
                    column=w["column"],
                    values=frozenset(str(v) for v in values) if values is not None else None,
                    prefix=w.get("prefix"),
                )
            )
        return tuple(out)

    def link(
        self,
        index: int,
        data: Any,
        entities: dict[str, EntitySpec],
        columns: dict[str, ColumnSpec],
    ) -> LinkSpec:
        key = f"links[{index}]"
        spec = self.dict_at(data, key)
        self.only(spec, key, {"type", "from", "to", "properties", "when"})
        rel = next((rt for rt in LINK_RULES if rt.value == spec.get("type")), None)
        if rel is None:
            raise self.fail(f"{key}.type", f"unknown link type (one of {sorted(LINK_RULES)})")
        rule = LINK_RULES[rel]
        for end, allowed in (("from", rule.sources), ("to", rule.targets)):
            name = spec.get(end)
            if name not in entities:
                raise self.fail(f"{key}.{end}", "unknown entity (not declared under entities)")
            if entities[name].label not in allowed:
                raise self.fail(
                    f"{key}.{end}", f"{rel} cannot {end} {entities[name].label} (graph-model.md)"
                )
        return LinkSpec(
            type=rel,
            source=spec["from"],
            target=spec["to"],
            properties=self.props(
                spec.get("properties"), f"{key}.properties", rule.properties, columns
            ),
            when=self.when(spec.get("when"), f"{key}.when", columns),
        )

    def load(self) -> Mapping:
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as e:
            raise MappingError(f"mapping {self.path}: unreadable YAML ({e})") from e
        doc = self.dict_at(data, "(document)")
        self.only(
            doc,
            "(document)",
            {"source", "description", "partners", "csv", "columns", "entities", "links"},
        )
        source = doc.get("source")
        if source != self.path.stem:
            raise self.fail("source", "must equal the file name without .yaml")
        partners = doc.get("partners")
        if not isinstance(partners, list) or not partners:
            raise self.fail("partners", "missing key (the partner codes that deliver this source)")
        for p in partners:
            if p not in PARTNERS:
                raise self.fail("partners", f"unknown partner code {p!r}")
        csv_opts = self.dict_at(doc.get("csv") or {}, "csv")
        self.only(csv_opts, "csv", {"delimiter"})
        columns_raw = self.dict_at(doc.get("columns"), "columns")
        if not columns_raw:
            raise self.fail("columns", "missing key (declare every column of the file)")
        columns = {str(n): self.column(str(n), c) for n, c in columns_raw.items()}
        entities_raw = self.dict_at(doc.get("entities"), "entities")
        if not entities_raw:
            raise self.fail("entities", "missing key (a mapping yields at least one entity)")
        entities = {str(n): self.entity(str(n), e, columns) for n, e in entities_raw.items()}
        links_raw = doc.get("links") or []
        if not isinstance(links_raw, list):
            raise self.fail("links", "must be a list")
        links = tuple(self.link(i, ln, entities, columns) for i, ln in enumerate(links_raw))
        return Mapping(
            path=self.path,
            source=source,
            partners=frozenset(partners),
            delimiter=str(csv_opts.get("delimiter", ",")),
            columns=columns,
            entities=tuple(entities.values()),
            links=links,
        )


def load_mapping(path: Path) -> Mapping:
    """Load and check one mapping file; a :class:`MappingError` names file and key."""
    if not path.is_file():
        raise MappingError(f"mapping {path}: file missing")
    return _Loader(path).load()


@lru_cache(maxsize=64)
def _cached(path: Path, mtime: float) -> Mapping:
    return load_mapping(path)


def load_mappings(directory: Path = MAPPINGS_DIR) -> dict[str, Mapping]:
    """All mappings of a directory, by source name (each loaded and checked)."""
    out: dict[str, Mapping] = {}
    for path in sorted(directory.glob("*.yaml")):
        out[path.stem] = _cached(path, path.stat().st_mtime)
    return out
