"""``knooppunt view``: write a network page for a cluster or for a subject's neighbourhood."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from graph.cli_types import InstanceOpt
from graph.driver import connect
from graph.model import NodeLabel
from graph.settings import get_settings
from graph.viz.load import load_cluster_graph, load_subject_graph
from graph.viz.page import DEFAULT_PHYSICS_MAX_NODES, render_network_page

__all__ = ["view"]

_stderr = Console(stderr=True)


def view(
    cluster_id: Annotated[
        str | None,
        typer.Argument(
            metavar="CLUSTER_ID", help="cluster id (CL-...), as listed by the analysis and the API"
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="FILE", help="HTML file to write")
    ] = Path("network.html"),
    subject: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="instead of a cluster: an entity id (token, KvK number, address id)",
        ),
    ] = None,
    depth: Annotated[
        int, typer.Option(metavar="N", min=0, max=6, help="links from the subject")
    ] = 2,
    kind: Annotated[
        NodeLabel | None,
        typer.Option(
            metavar="KIND",
            help="the subject's kind (a node label: Person, Company, ...), when the id exists "
            "under several",
            show_choices=False,
        ),
    ] = None,
    min_shared: Annotated[
        int,
        typer.Option(
            metavar="N", min=1, help="show a context entity linked to at least this many members"
        ),
    ] = 2,
    physics_max_nodes: Annotated[
        int,
        typer.Option(
            metavar="N", min=0, help="above this many nodes, positions are fixed (no physics)"
        ),
    ] = DEFAULT_PHYSICS_MAX_NODES,
    instance: InstanceOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON summary")] = False,
) -> None:
    """Write a self-contained network page (opens offline, no CDN).

    Example: knooppunt view CL-1a2b3c4d --out cluster.html

    Example: knooppunt view --subject 12345678 --kind Company --depth 2 --out company.html
    """
    if (cluster_id is None) == (subject is None):
        raise typer.BadParameter("give either a CLUSTER_ID or --subject, not both or neither")
    settings = get_settings()
    started = time.perf_counter()
    driver = connect(settings, instance)
    try:
        with _stderr.status("reading the graph from Neo4j"):
            if cluster_id is not None:
                graph = load_cluster_graph(
                    driver, cluster_id, database=settings.neo4j_database, min_shared=min_shared
                )
                info = graph.graph["cluster"]
                title = f"Cluster {cluster_id}"
                subtitle = (
                    f"{info.get('typology', '?')} \u00b7 score {float(info.get('score') or 0):.1f}"
                    f" \u00b7 {info.get('size', '?')} members \u00b7 regions: "
                    + ", ".join(info.get("regions") or [])
                    + (" \u00b7 context cut to the most-linked" if graph.graph["truncated"] else "")
                )
            else:
                assert subject is not None
                graph = load_subject_graph(
                    driver, subject, depth, database=settings.neo4j_database, kind=kind
                )
                title = "Neighbourhood of " + graph.graph["subject"].replace(":", " ", 1)
                subtitle = f"{depth} links deep" + (
                    " \u00b7 cut at hubs or size" if graph.graph["truncated"] else ""
                )
    finally:
        driver.close()
    with _stderr.status(f"drawing {graph.number_of_nodes()} nodes"):
        html = render_network_page(
            graph, title=title, subtitle=subtitle, physics_max_nodes=physics_max_nodes
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    seconds = time.perf_counter() - started
    summary = {
        "out": str(out),
        "nodes": graph.number_of_nodes(),
        "links": graph.number_of_edges(),
        "truncated": bool(graph.graph.get("truncated", False)),
        "seconds": round(seconds, 2),
    }
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        _stderr.print(
            f"wrote {out} ({summary['nodes']} nodes, {summary['links']} links) in {seconds:.1f} s",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
