"""Benchmark the suggested hidden links (``graph.analysis.linkpred``) on hidden planted links.

On a loaded instance and the generator's ground truth: read the analysis graph as a run would
(``export_graph``), hide a share of each planted network's police relations (``ASSOCIATE``
between two of its members; seeded), project, and rank the candidate pairs inside each network
(two members, as inside a flagged cluster) with the weighted resource allocation index and with
the common-neighbours baseline, in the same run. The *around* suggestions (a member and an
outsider) have no planted truth to measure against and are not measured.
A hidden relation counts as a positive when the projection no longer links the pair at all (a
pair still tied by a shared address or incident is not missing to the analysis); both counts
are reported.

Figures per method, macro-averaged over the networks with at least one positive, over
``--rounds`` hidings (seeds ``--seed``, ``--seed + 1``, ...):
``precision_at_10`` (hits in the top 10 / 10), ``recall_at_50`` (hits in the top 50 / the
network's positives), and ``hits_at_10`` / ``hits_at_50`` summed over all of them::

    knooppunt generate --preset medium --seed 3 --out /tmp/m3
    knooppunt db start --instance lp && knooppunt ingest --bulk --instance lp /tmp/m3/*/
    python benchmarks/link_prediction.py --instance lp --truth /tmp/m3/ground_truth.json \\
        --as-of 2026-06-01 --json linkpred.json
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from graph.analysis.export import export_graph
from graph.analysis.graphs import RawGraph
from graph.analysis.linkpred import METHODS, Method, adjacency, suggest_links
from graph.analysis.params import AnalysisParams
from graph.analysis.projection import project
from graph.driver import connect
from graph.settings import get_settings


def _networks(truth: Path) -> list[tuple[str, set[str]]]:
    data = json.loads(truth.read_text(encoding="utf-8"))
    return [(str(n["id"]), {str(m["id"]) for m in n["members"]}) for n in data["networks"]]


def _hide(
    raw: RawGraph, networks: list[tuple[str, set[str]]], share: float, seed: int
) -> dict[str, set[tuple[str, str]]]:
    """Remove ``share`` of each network's relations from ``raw`` (in place); the hidden pairs."""
    rng = random.Random(seed)
    owner: dict[str, str] = {}
    for name, members in networks:
        for m in members:
            owner.setdefault(m, name)
    inside: dict[str, list[int]] = {}
    for i, (a, b, kind, _) in enumerate(raw.links):
        if kind == "associate" and owner.get(a) is not None and owner.get(a) == owner.get(b):
            inside.setdefault(owner[a], []).append(i)
    drop: set[int] = set()
    hidden: dict[str, set[tuple[str, str]]] = {}
    for name, rows in sorted(inside.items()):
        k = round(len(rows) * share)
        chosen = rng.sample(rows, k) if k else []
        drop.update(chosen)
        hidden[name] = {tuple(sorted((raw.links[i][0], raw.links[i][1]))) for i in chosen}  # type: ignore[misc]
    keep = [i for i in range(len(raw.links)) if i not in drop]
    raw.links = [raw.links[i] for i in keep]
    if raw.link_ages:
        raw.link_ages = [raw.link_ages[i] for i in keep]
    if raw.link_counts:
        raw.link_counts = [raw.link_counts[i] for i in keep]
    return hidden


def _copy(raw: RawGraph) -> RawGraph:
    """A copy whose link lists can be cut without touching ``raw``."""
    out = RawGraph(**{name: getattr(raw, name) for name in RawGraph.__dataclass_fields__})
    out.links, out.link_ages, out.link_counts = (
        list(raw.links),
        list(raw.link_ages),
        list(raw.link_counts),
    )
    return out


def _one_round(
    raw: RawGraph,
    networks: list[tuple[str, set[str]]],
    share: float,
    seed: int,
    errors: list[str],
) -> dict[str, Any]:
    """Hide with ``seed``, project, rank; per method the per-network figures and hits."""
    hidden = _hide(raw, networks, share, seed)
    graph = project(raw, AnalysisParams())
    adj = adjacency(graph)
    index = {node_id: i for i, node_id in enumerate(graph.ids)}
    out: dict[str, Any] = {
        "methods": {m: {"p10": [], "r50": [], "h10": 0, "h50": 0, "s": 0.0} for m in METHODS},
        "hidden": 0,
        "positives": 0,
        "networks": 0,
        "nodes": graph.n_nodes,
        "links": graph.n_links,
    }
    for name, members in networks:
        pos = np.array(sorted(index[m] for m in members if m in index), dtype=np.int64)
        if pos.size < 2:
            errors.append(f"round {seed}: network {name}: fewer than two members in the graph")
            continue
        pairs = hidden.get(name, set())
        out["hidden"] += len(pairs)
        positives = {
            (min(index[a], index[b]), max(index[a], index[b]))
            for a, b in pairs
            if a in index and b in index
        }
        positives = {p for p in positives if not adj.linked(*p)}
        out["positives"] += len(positives)
        if not positives:
            continue
        out["networks"] += 1
        for method in METHODS:
            t = time.perf_counter()
            ranked = suggest_links(adj, pos, method=_method(method), limit=50, where="inside")
            figures = out["methods"][method]
            figures["s"] += time.perf_counter() - t
            top = [(s.a, s.b) for s in ranked]
            h10, h50 = len(set(top[:10]) & positives), len(set(top) & positives)
            figures["p10"].append(h10 / 10)
            figures["r50"].append(h50 / len(positives))
            figures["h10"] += h10
            figures["h50"] += h50
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The benchmark; its figures as a JSON-ready dict (``errors`` lists every error seen)."""
    errors: list[str] = []
    settings = get_settings()
    networks = _networks(args.truth)
    started = time.perf_counter()
    driver = connect(settings, args.instance)
    try:
        raw = export_graph(
            driver, database=settings.neo4j_database, as_of=args.as_of, params=AnalysisParams()
        )
    finally:
        driver.close()
    export_s = time.perf_counter() - started
    rounds = [
        _one_round(_copy(raw), networks, args.share, args.seed + k, errors)
        for k in range(args.rounds)
    ]
    methods: dict[str, Any] = {}
    for method in METHODS:
        p10 = [x for r in rounds for x in r["methods"][method]["p10"]]
        r50 = [x for r in rounds for x in r["methods"][method]["r50"]]
        methods[method] = {
            "precision_at_10": round(statistics.fmean(p10), 4) if p10 else None,
            "recall_at_50": round(statistics.fmean(r50), 4) if r50 else None,
            "hits_at_10": sum(r["methods"][method]["h10"] for r in rounds),
            "hits_at_50": sum(r["methods"][method]["h50"] for r in rounds),
            "seconds": round(sum(r["methods"][method]["s"] for r in rounds), 3),
        }
    return {
        "instance": args.instance,
        "as_of": args.as_of.isoformat(),
        "share_hidden": args.share,
        "seeds": [args.seed + k for k in range(args.rounds)],
        "networks": len(networks),
        "networks_with_positives": sum(r["networks"] for r in rounds),
        "hidden_relations": sum(r["hidden"] for r in rounds),
        "positives": sum(r["positives"] for r in rounds),
        "nodes": rounds[0]["nodes"] if rounds else 0,
        "links": rounds[0]["links"] if rounds else 0,
        "export_seconds": round(export_s, 1),
        "methods": methods,
        "errors": errors,
    }


def _method(name: str) -> Method:
    for method in METHODS:
        if method == name:
            return method
    raise ValueError(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", required=True, help="the loaded local Neo4j instance")
    parser.add_argument("--truth", type=Path, required=True, help="the generator's ground truth")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today())
    parser.add_argument("--share", type=float, default=0.2, help="share of relations hidden")
    parser.add_argument("--seed", type=int, default=7, help="first seed of the hiding")
    parser.add_argument("--rounds", type=int, default=3, help="hidings, seeds seed, seed+1, ...")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    result = run(args)
    print(
        f"{len(result['seeds'])} hidings; {result['networks_with_positives']} network-rounds of "
        f"{result['networks']} networks, "
        f"{result['positives']} hidden relations unlinked in the projection "
        f"(of {result['hidden_relations']} hidden); graph {result['nodes']} nodes, "
        f"{result['links']} links (export {result['export_seconds']} s)"
    )
    for method, figures in result["methods"].items():
        print(
            f"  {method:20} P@10 {figures['precision_at_10']}  R@50 {figures['recall_at_50']}  "
            f"hits@10 {figures['hits_at_10']}  hits@50 {figures['hits_at_50']}  "
            f"({figures['seconds']} s)"
        )
    for error in result["errors"]:
        print(f"  error: {error}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
