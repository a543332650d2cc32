"""Benchmark ``knooppunt analyse`` on a preset loaded in Neo4j, against stock NetworkX.

Runs one full analysis (export, projection, Leiden, per-cluster analysis, scoring, write-back)
on the graph the given instance holds, timing export and write-back apart from the analysis.
With ``--networkx`` (default on ``medium``) it then runs the stock NetworkX pipeline on the same
projection: a ``networkx.Graph`` from the arrays, ``louvain_communities`` and betweenness of
the clusters the analysis reported (same sampling rule), and compares time and modularity
(both partitions scored by igraph's weighted modularity, resolution 1).

Load the preset first, e.g.::

    knooppunt generate --preset medium --seed 1 --out /tmp/medium
    knooppunt ingest --instance bench /tmp/medium
    python benchmarks/analysis.py --preset medium --instance bench --json medium.json

JSON keys: nodes, links, seconds, peak_rss_mb, export_seconds, writeback_seconds,
total_seconds (the whole run, as ``knooppunt analyse`` does it: guard, export, analysis,
write-back, run record), networkx_seconds, speedup_vs_networkx, modularity,
networkx_modularity, robust_ranks_seconds (the key players' rank intervals, part of
``seconds``) plus ``details``; ``details.groups`` gives figures that need no ground truth
(decision 072): the median conductance of the reported clusters (weight of the links leaving a
cluster over the total weight of its links; low: a group apart) and how many clusters hold two
or more sub-groups.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import psutil

from graph.analysis.clustering import to_igraph
from graph.analysis.graphs import AnalysisGraph
from graph.analysis.params import AnalysisParams
from graph.analysis.pipeline import AnalysisResult, analyse_facts
from graph.analysis.projection import project
from graph.analysis.runner import analyse_database
from graph.driver import connect
from graph.progress import NoteProgress
from graph.settings import get_settings


class PeakRss:
    """Samples this process's resident memory every 50 ms; ``peak_mb`` is the maximum."""

    def __init__(self) -> None:
        self._proc = psutil.Process()
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)


def groups_figures(graph: AnalysisGraph, result: AnalysisResult) -> dict[str, Any]:
    """Ground-truth-free figures of the reported clusters: conductance and sub-groups."""
    label = np.full(graph.n_nodes, -1, dtype=np.int64)
    for i, c in enumerate(result.clusters):
        label[c.nodes] = i
    ls, ld = label[graph.src], label[graph.dst]
    n = len(result.clusters)
    volume = np.zeros(n)
    cut = np.zeros(n)
    for ends in (ls, ld):
        mine = ends >= 0
        volume += np.bincount(ends[mine], weights=graph.weight[mine], minlength=n)
        leaving = mine & (ls != ld)
        cut += np.bincount(ends[leaving], weights=graph.weight[leaving], minlength=n)
    conductance = np.divide(cut, volume, out=np.zeros(n), where=volume > 0)
    flagged = np.array([c.flagged for c in result.clusters], dtype=bool)
    split = [len(c.subgroups()) for c in result.clusters]

    def median(values: npt.NDArray[np.float64]) -> float | None:
        return round(float(np.median(values)), 4) if values.size else None

    return {
        "conductance_median": median(conductance),
        "conductance_median_flagged": median(conductance[flagged]),
        "clusters_with_subgroups": sum(k >= 2 for k in split),
        "flagged_with_subgroups": sum(k >= 2 for k, f in zip(split, flagged, strict=True) if f),
        "max_subgroups": max(split, default=0),
        "brokers_between_subgroups": sum(len(c.brokers()) for c in result.clusters),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", choices=["tiny", "medium", "large"], required=True)
    parser.add_argument("--instance", default=None, help="local Neo4j instance with the preset")
    parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today)")
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--networkx", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args()
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    run_networkx = args.networkx if args.networkx is not None else args.preset != "large"
    as_of = date.fromisoformat(args.as_of) if args.as_of else datetime.now(UTC).date()
    params = AnalysisParams()
    settings = get_settings()
    driver = connect(settings, args.instance)
    try:
        with PeakRss() as rss:
            t_run = time.perf_counter()
            summary = analyse_database(
                driver,
                database=settings.neo4j_database,
                as_of=as_of,
                params=params,
                progress=NoteProgress(lambda m: print(m, flush=True)),
                keep_raw=True,
            )
            total_seconds = time.perf_counter() - t_run
    finally:
        driver.close()
    r = summary.result
    out: dict[str, Any] = {
        "nodes": r.nodes,
        "links": r.links,
        "seconds": round(summary.analysis_seconds, 2),
        "peak_rss_mb": rss.peak_mb,
        "export_seconds": round(summary.export_seconds, 2),
        "writeback_seconds": round(summary.writeback_seconds, 2),
        "total_seconds": round(total_seconds, 2),
        "networkx_seconds": None,
        "speedup_vs_networkx": None,
        "modularity": round(r.modularity, 4),
        "networkx_modularity": None,
        "robust_ranks_seconds": round(r.timings.get("robust_ranks", 0.0), 2),
        "details": {
            "preset": args.preset,
            "as_of": as_of.isoformat(),
            "timings": {k: round(v, 2) for k, v in r.timings.items()},
            "communities": r.communities,
            "clusters": len(r.clusters),
            "flagged": sum(c.flagged for c in r.clusters),
            "alerts": len(r.alerts),
            "damped_hubs": r.damped,
            "peak_rss_note": "whole process: export rows, projection, analysis, write-back",
        },
    }
    if run_networkx and summary.raw is not None:
        # CPU seconds of the same analysis again (the machine may be shared: wall time above
        # includes waiting for a core; CPU time of both pipelines is compared in details)
        c0 = time.process_time()
        analyse_facts(summary.raw, params=params, run_id="RUN-BENCH-CPU", previous=[])
        analysis_cpu = time.process_time() - c0
        c0 = time.process_time()
        plain = dataclasses.replace(params, robust_resamples=0)
        analyse_facts(summary.raw, params=plain, run_id="RUN-BENCH-CPU", previous=[])
        without_robust_cpu = time.process_time() - c0
        graph = project(summary.raw, params)
        out["details"]["groups"] = groups_figures(graph, r)
        c0 = time.process_time()
        t0 = time.perf_counter()
        g = nx.Graph()
        g.add_nodes_from(range(graph.n_nodes))
        g.add_weighted_edges_from(
            zip(graph.src.tolist(), graph.dst.tolist(), graph.weight.tolist(), strict=True)
        )
        t_build = time.perf_counter() - t0
        communities = nx.community.louvain_communities(g, weight="weight", seed=params.seed)
        t_louvain = time.perf_counter() - t0 - t_build
        index = {node_id: i for i, node_id in enumerate(graph.ids)}
        for c in r.clusters:
            sub = g.subgraph([index[m] for m in c.members]).copy()
            for _, _, data in sub.edges(data=True):
                data["distance"] = 1.0 / data["weight"]
            k = (
                params.betweenness_samples
                if sub.number_of_nodes() > params.betweenness_exact_max
                else None
            )
            nx.betweenness_centrality(sub, k=k, weight="distance", seed=params.seed)
        nx_seconds = time.perf_counter() - t0
        nx_cpu = time.process_time() - c0
        membership = [0] * graph.n_nodes
        for i, com in enumerate(communities):
            for v in com:
                membership[v] = i
        nx_modularity = to_igraph(graph).modularity(membership, weights="weight")
        out["networkx_seconds"] = round(nx_seconds, 2)
        out["speedup_vs_networkx"] = round(nx_seconds / summary.analysis_seconds, 2)
        out["networkx_modularity"] = round(float(nx_modularity), 4)
        out["details"]["networkx"] = {
            "build_seconds": round(t_build, 2),
            "louvain_seconds": round(t_louvain, 2),
            "communities": len(communities),
        }
        out["details"]["cpu"] = {
            "analysis_cpu_seconds": round(analysis_cpu, 2),
            "networkx_cpu_seconds": round(nx_cpu, 2),
            "speedup_cpu": round(nx_cpu / analysis_cpu, 2),
            "analysis_cpu_seconds_without_rank_intervals": round(without_robust_cpu, 2),
        }
    args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in out.items() if k != "details"}))


if __name__ == "__main__":
    main()
