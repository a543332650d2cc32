"""``knooppunt analyse`` and ``knooppunt evaluate``."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from graph.analysis.evaluate import evaluate as evaluate_clusters
from graph.analysis.evaluate import load_truth, match_table
from graph.analysis.params import AnalysisParams
from graph.analysis.runner import analyse_database, read_found_clusters
from graph.cli_types import AsOfOpt, InstanceOpt
from graph.progress import NoteProgress
from graph.settings import get_settings

__all__ = ["analyse", "evaluate"]


def _quiet_driver() -> None:
    # Neo4j's "property key not in the database" notifications are expected on a fresh graph.
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)


def _echo(message: str) -> None:
    typer.echo(f"[{datetime.now(UTC).strftime('%H:%M:%S')}] {message}", err=True)


def analyse(
    as_of: AsOfOpt = None,
    instance: InstanceOpt = None,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", metavar="FILE", help="write the run's summary as JSON here"),
    ] = None,
) -> None:
    """Find clusters, typologies, key players, history and alerts; write them to Neo4j.

    Example: knooppunt analyse --as-of 2026-11-01
    """
    from graph.driver import connect

    _quiet_driver()
    settings = get_settings()
    day = as_of or datetime.now(UTC).date()
    params = AnalysisParams()
    driver = connect(settings, instance)
    try:
        summary = analyse_database(
            driver,
            database=settings.neo4j_database,
            as_of=day,
            params=params,
            progress=NoteProgress(_echo),
        )
    finally:
        driver.close()
    r = summary.result
    flagged = sum(c.flagged for c in r.clusters)
    cross = sum(c.flagged and c.cross_region for c in r.clusters)
    typer.echo(
        f"run {summary.run_id}: {r.nodes} nodes, {r.links} links, {len(r.clusters)} clusters "
        f"({flagged} flagged, {cross} cross-region), {len(r.events)} events, "
        f"{len(r.alerts)} alerts{' (initial)' if summary.initial else ''}; "
        f"{r.unknown_region_addresses} addresses with an unknown municipality"
    )
    if r.nodes == 0:
        typer.echo("the graph holds no people or companies: nothing to analyse")
    if json_out is not None:
        data: dict[str, Any] = {
            "run_id": summary.run_id,
            "initial": summary.initial,
            "nodes": r.nodes,
            "links": r.links,
            "clusters": len(r.clusters),
            "flagged": flagged,
            "cross_region": cross,
            "events": len(r.events),
            "alerts": len(r.alerts),
            "modularity": r.modularity,
            "unknown_region_addresses": r.unknown_region_addresses,
            "damped_hubs": r.damped,
            "export_seconds": round(summary.export_seconds, 3),
            "analysis_seconds": round(summary.analysis_seconds, 3),
            "writeback_seconds": round(summary.writeback_seconds, 3),
        }
        json_out.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def evaluate(
    truth: Annotated[
        Path, typer.Option("--truth", metavar="FILE", help="the generator's ground_truth.json")
    ],
    json_out: Annotated[
        Path, typer.Option("--json", metavar="FILE", help="write the figures as JSON here")
    ],
    instance: InstanceOpt = None,
) -> None:
    """Match the latest run's clusters to planted networks (Jaccard >= 0.5) and report.

    Example: knooppunt evaluate --truth out/ground_truth.json --json eval.json
    """
    from graph.driver import connect

    _quiet_driver()
    settings = get_settings()
    data = load_truth(truth)
    driver = connect(settings, instance)
    try:
        clusters = read_found_clusters(driver, database=settings.neo4j_database)
    finally:
        driver.close()
    figures = evaluate_clusters(data, clusters)
    json_out.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for line in match_table(figures):
        typer.echo(line, err=True)
    listed = {"by_typology", "matches", "unmatched_clusters"}
    typer.echo(json.dumps({k: v for k, v in figures.items() if k not in listed}))
