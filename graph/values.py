"""Neo4j values as plain Python: the one conversion every reader uses (API, pages, notebooks).

The driver returns its own temporal and spatial types (``neo4j.time.Date``,
``neo4j.time.DateTime``, ``neo4j.spatial.Point``); JSON encoders, pandas and pydantic want
``date``/``datetime`` and plain containers. Analysis results keep some properties as JSON
strings (``docs/analysis.md``); :func:`parse_json_properties` decodes them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any, Final

import neo4j.spatial
import neo4j.time

from graph.model import graph_model as _model

__all__ = [
    "FORMULA_STARTS",
    "JSON_PROPERTIES",
    "as_json",
    "from_millis",
    "native",
    "parse_json_properties",
    "spreadsheet_safe",
    "text_dated",
]

#: Properties of analysis results stored as JSON strings (``docs/analysis.md``).
JSON_PROPERTIES: Final = frozenset(
    {
        "region_counts",
        "evidence",
        "score_explanation",
        "key_players",
        "subgroups",
        "suggested_links",
        "details",
        "params",
    }
)


#: Types :func:`native` returns as they are, checked by identity first (the common case; a
#: value converted once, e.g. a ``date``, passes again at once).
_PLAIN: Final = frozenset({str, int, float, bool, type(None), date, datetime})


def native(value: Any) -> Any:
    """Neo4j values to plain Python, recursively.

    ``DateTime`` becomes an aware ``datetime`` (UTC when the value has no zone), ``Date`` a
    ``date``, ``Time`` and ``Duration`` their ISO text, a ``Point`` ``{"srid", "coordinates"}``;
    maps and lists are converted item by item, anything else is returned as it is.
    """
    kind = type(value)
    if kind in _PLAIN:  # most values: returned at once (a cluster graph holds 10^5 of them)
        return value
    if kind is dict:
        return {k: native(v) for k, v in value.items()}
    if kind is list:
        return [native(v) for v in value]
    if isinstance(value, neo4j.time.DateTime):
        result = value.to_native()
        return result if result.tzinfo else result.replace(tzinfo=UTC)
    if isinstance(value, neo4j.time.Date):
        return value.to_native()
    if isinstance(value, neo4j.time.Time | neo4j.time.Duration):
        return str(value)
    if isinstance(value, neo4j.spatial.Point):
        return {"srid": value.srid, "coordinates": [float(c) for c in value]}
    if isinstance(value, Mapping):
        return {k: native(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [native(v) for v in value]
    return value


def _day(text: str) -> date | str:
    try:
        return date.fromisoformat(text)
    except ValueError:  # not a date after all (the model's check keeps mappings from this)
        return text


def text_dated(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Properties read with the graph model's dates as ISO text (``graph.queries._props``) as
    plain Python: those dates as ``date`` again, the dates the projection named but the node or
    link lacks (null) left out, and any other Neo4j value through :func:`native`.

    Examples
    --------
    >>> text_dated({"since": "2024-03-01", "until": None, "src_first_seen": ["2024-01-02"]})
    {'since': datetime.date(2024, 3, 1), 'src_first_seen': [datetime.date(2024, 1, 2)]}
    """
    model = _model()
    one, lists = model.date_properties, model.date_list_properties
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue
        if key in one:
            out[key] = _day(value) if type(value) is str else native(value)
        elif key in lists:
            out[key] = [_day(v) if type(v) is str else native(v) for v in value]
        elif type(value) in _PLAIN:
            out[key] = value
        elif type(value) is list and all(type(v) in _PLAIN for v in value):
            out[key] = value  # provenance lists of text: most values of a large read
        else:
            out[key] = native(value)
    return out


def from_millis(value: Any) -> Any:
    """Epoch milliseconds (how hot queries return datetimes) to an aware ``datetime``; other
    values through :func:`native`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return native(value)


def parse_json_properties(props: Mapping[str, Any]) -> dict[str, Any]:
    """Decode the properties stored as JSON strings; an undecodable one becomes ``None``."""
    out = dict(props)
    for key in JSON_PROPERTIES & out.keys():
        value = out[key]
        if isinstance(value, str):
            try:
                out[key] = json.loads(value)
            except ValueError:
                out[key] = None
    return out


def as_json(
    record: Any, *, digits: Mapping[str, int] | None = None, drop: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A dataclass's fields as a JSON-ready dict, in field order: floats rounded to the given
    digits per field, the fields in ``drop`` left out.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Line:
    ...     name: str
    ...     value: float
    ...     hidden: bool = False
    >>> as_json(Line("size", 2.71828), digits={"value": 2}, drop=frozenset({"hidden"}))
    {'name': 'size', 'value': 2.72}
    """
    rounding = digits or {}
    out: dict[str, Any] = {}
    for f in fields(record):
        if f.name in drop:
            continue
        value = getattr(record, f.name)
        out[f.name] = round(value, rounding[f.name]) if f.name in rounding else value
    return out


#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A cell for a CSV or spreadsheet export: text that a spreadsheet would run as a formula
    gets a leading apostrophe (OWASP); other values are returned as they are. The graph keeps
    the value as delivered; only exports are neutralised.

    Examples
    --------
    >>> spreadsheet_safe("=1+1"), spreadsheet_safe("@SUM(A1)"), spreadsheet_safe("Oss")
    ("'=1+1", "'@SUM(A1)", 'Oss')
    >>> spreadsheet_safe(-3)
    -3
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
