"""``docs/graph-model.md``, generated from the graph model (``graph/data/graph-model.yaml``).

``python -m graph.model_doc`` rewrites the page (``make docs``); ``--check`` exits 1 when the
committed page differs from what the model gives (the unit tests check the same).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

from graph.model import GraphModel, graph_model

__all__ = ["DOC_FILE", "main", "render_graph_model"]

DOC_FILE: Final = Path(__file__).resolve().parents[1] / "docs" / "graph-model.md"

_HEADER = """\
<!-- Generated from graph/data/graph-model.yaml by `make docs` (python -m graph.model_doc).
     Edit the model file, not this page: a unit test fails when the two differ. -->
# Graph model (Neo4j)

The one description of what lives in Neo4j, generated from the model file
`graph/data/graph-model.yaml`. Labels and relationship types are the enums in `graph/model.py`
(never taken from input); the model file must name each of them. Every ingest mapping is
checked against it when loaded: a mapping may set only the properties listed here and join only
the labels a link type allows. Constraints and indexes are declared in `graph/schema.py` and
applied by `knooppunt db init` (ingest runs it too).
"""

_ENTITIES = """\
## Entities
Every entity node has the extra label `:Entity` and a string `id`, unique per label, taken from
the entity's own key (never from a source row). *Derived* properties are set by ingest itself
(from the committed geography), not by a mapping.

| label | `id` | properties | derived | note |
| --- | --- | --- | --- | --- |
"""

_LINKS = """\
## Relationships
| type | from -> to | properties | note |
| --- | --- | --- | --- |
"""

_PROVENANCE = """\
## Provenance (every entity node and every relationship above)
One entry per source (partner + legal basis), as aligned lists, plus summaries for readers:
- {per_source} (lists of equal length, dates as dates; `src_delivery` is the latest delivery
  of that source);
- {summary} (distinct partner codes; the earliest first, the latest last seen and the latest
  retention date).

Dates: {dates} are stored as dates wherever an entity or relationship has them, and so are the
provenance's {prov_dates} and their per-source lists. A mapping's date column goes only to one
of these, and they take only date columns (ingest checks it); the subgraph reads send them as
ISO text and give them back as dates (decision 087).

`(:Delivery {{id, partner, extract_date, legal_basis, retain_until, status, checksum, rows,
rejected, started_at, committed_at}})` records each delivery; see `docs/delivery-format.md`.
Written by ingest (`docs/ingest.md`): `status` is `loading` while its data is being written (or
after a crash until the delivery is ingested again) and `committed` after; `checksum` is one
SHA-256 over the manifest's file names and checksums; committed deliveries also hold `nodes` and
`links` (records written) and `region` (the manifest's, for regional deliveries). A delivery
written in several transactions counts them in `chunks_committed` (set in each one, cleared at
commit): while it is `loading` with `chunks_committed > 0` part of it is visible, and the API's
live-graph endpoints answer 503 (`docs/decisions/047-api-refuses-while-partly-loaded.md`).
Relationships `REGISTERED_AT` and `ASSOCIATE` are told apart by `kind` as well as their ends.
"""

_RESULTS = """\
## Analysis results
Written by `knooppunt analyse`, read by the API and notebooks; described in detail in
`docs/analysis.md`: `(:AnalysisRun)`, `(:Cluster)`, `(:Entity)-[:MEMBER_OF]->(:Cluster)`,
`(:ClusterEvent)-[:ABOUT]->(:Cluster)`, `(:Alert)-[:ABOUT]->(:Cluster)`.
"""


_RECORDS = """\
## Case records
Written by the case API and `knooppunt case` (`graph/cases`, described in `docs/cases.md`);
not entities, and never walked by the subgraph reader.

| label | `id` | properties | links | note |
| --- | --- | --- | --- | --- |
"""


def _names(values: tuple[str, ...]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|")


def render_graph_model(model: GraphModel | None = None) -> str:
    """The Markdown page for a graph model (default: the product's)."""
    model = model or graph_model()
    parts = [_HEADER, "\n", _ENTITIES]
    for label, entity in model.entities.items():
        parts.append(
            f"| `{label}` | {_cell(entity.id)} | {_names(entity.properties)} | "
            f"{_names(entity.derived)} | {_cell(entity.note)} |\n"
        )
    parts += ["\n", _LINKS]
    for rel, link in model.links.items():
        ends = f"{'/'.join(link.sources)} -> {'/'.join(link.targets)}"
        parts.append(f"| `{rel}` | {ends} | {_names(link.properties)} | {_cell(link.note)} |\n")
    parts += [
        "\n",
        _PROVENANCE.format(
            per_source=_names(model.provenance.per_source),
            summary=_names(model.provenance.summary),
            dates=_names(model.dates),
            prov_dates=_names(model.provenance.dates),
        ),
        "\n",
        _RESULTS,
    ]
    if model.records:
        parts += ["\n", _RECORDS]
        for label, record in model.records.items():
            parts.append(
                f"| `{label}` | {_cell(record.id)} | {_names(record.properties)} | "
                f"{_cell(', '.join(record.links))} | {_cell(record.note)} |\n"
            )
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Write the page, or with ``--check`` report whether it is current (exit 1 if not)."""
    args = sys.argv[1:] if argv is None else argv
    text = render_graph_model()
    if args == ["--check"]:
        current = DOC_FILE.read_text(encoding="utf-8") if DOC_FILE.is_file() else ""
        if current != text:
            print(f"{DOC_FILE} is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    if args:
        print("usage: python -m graph.model_doc [--check]", file=sys.stderr)
        return 2
    DOC_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {DOC_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
