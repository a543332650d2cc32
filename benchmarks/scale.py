"""Benchmark each analysis step on synthetic graphs up to national size, built as arrays.

No Neo4j: the facts (people and companies, direct links, shared addresses, crime signals) are
generated as numpy arrays shaped like the project's graph (planted communities with a
power-law size distribution, a power-law degree distribution, regions per community, a few
signalled communities), then run through the analysis' own steps:

- ``projection``: the projection's vectorised core (``graph.analysis.projection``'s clique and
  summing functions) on the arrays, giving the :class:`AnalysisGraph` the pipeline reads;
- ``projection_rows``: the real :func:`graph.analysis.projection.project` on the same facts as a
  :class:`RawGraph` of rows (what the export hands over), where the rows fit in memory;
  ``raw_rows`` is the memory those rows take;
- ``clustering`` (igraph from the arrays, Leiden, components), ``clusters`` (cores, merging,
  description with per-cluster key players and sub-groups), ``scoring`` (matching, typology,
  score, alerts) and ``robust_ranks`` (the key players' rank intervals): the pipeline's own
  steps (:func:`graph.analysis.pipeline.analyse_projection`) as it times them;
- ``key_players``: the key players of every described cluster again, alone (part of
  ``clusters``);
- ``analysis_total``: projection and the pipeline's steps together, with the whole process's
  peak memory (``added_mb`` is that peak too).

Each size runs in a child process (a clean heap), which measures its resident memory every
50 ms (tracemalloc is too slow at this size) and gives up when it passes ``--max-rss-gb`` or when
the machine's free memory drops under ``--min-free-gb``; the step it was in is reported. Then
each step's time and memory are fitted against links as a power law ``y = a * m**b`` (least
squares in log space), with the figures of ``benchmarks/analysis.py`` runs given by
``--analysis-json`` added to the time fits. Example::

    python benchmarks/scale.py --sizes 0.1:0.5,1:5,3:15,10:50 --json scale.json \\
        --analysis-json tiny=analysis-tiny.json --analysis-json medium=analysis-medium.json

JSON keys: ``sizes`` (per size: target and actual ``nodes``, ``links``, ``facts``, ``steps``
with ``seconds``, ``cpu_seconds``, ``peak_rss_mb`` and ``added_mb`` each, ``status``,
``errors``), ``fits`` (per step and measure: ``a``, ``b``, ``points``, ``at_50m``,
``per_100m``), ``analysis_runs``, ``machine`` (cores, memory, load average before and after).
``--include`` adds the sizes of earlier runs (e.g. the largest, run on its own) to the table
and the fits.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import psutil

from graph.analysis.clustering import components, leiden, to_igraph
from graph.analysis.graphs import (
    CONNECTOR_KINDS,
    KINDS,
    LINK_KINDS,
    PARTNER_CODES,
    AnalysisGraph,
    FloatArray,
    IntArray,
    RawGraph,
)
from graph.analysis.keyplayers import cluster_subgraph, key_players
from graph.analysis.params import AnalysisParams
from graph.analysis.pipeline import analyse_projection
from graph.analysis.projection import _clique_pairs, _summed, graph_from_edges, project
from graph.progress import QuietProgress
from graph.vocabulary import REGIONS

__all__ = [
    "PIPELINE_STEPS",
    "Facts",
    "fit_power_law",
    "project_arrays",
    "synthetic_facts",
]

#: The pipeline's own steps, in the order ``analyse_projection`` notes them.
PIPELINE_STEPS: Final = ("clustering", "clusters", "scoring", "robust_ranks")
#: Every step this benchmark reports, in order.
STEPS: Final = (
    "raw_rows",
    "projection_rows",
    "projection",
    *PIPELINE_STEPS,
    "key_players",
    "analysis_total",
    "edges_only",
    "clustering_edges_only",
)
#: The steps ``analysis_total`` sums: one run from the arrays to scored clusters.
_RUN_STEPS: Final = ("projection", *PIPELINE_STEPS)

_LINK_CODE: Final = {k: i for i, k in enumerate(LINK_KINDS)}
_CONNECTOR_CODES: Final = tuple(sorted(CONNECTOR_KINDS))
_COMPANY_SHARE: Final = 0.15
#: Share of direct links between two planted communities (the rest stay inside one).
_MIXING: Final = 0.2
#: Share of direct facts delivered twice (another partner, same pair).
_REDELIVERED: Final = 0.1
#: Household sizes 1-5 (CBS: 39 % single-person households, 2.1 people on average).
_HOUSEHOLD_P: Final = (0.38, 0.32, 0.12, 0.13, 0.05)
#: Share of people and companies in signalled (criminal) communities, the share of their
#: members with a signal, and the share of all others with one stray signal.
_CRIMINAL_SHARE: Final = 0.01
_SIGNALLED_MEMBERS: Final = 0.5
_STRAY_SIGNALS: Final = 0.002
#: Largest signalled community (CAVIAR and Montagna, decision 072: 110 and 145 people).
_CRIMINAL_MAX: Final = 150
#: Share of links between two people that are direct ``associate`` links (strong, a core
#: kind, from investigations): inside a signalled community, and elsewhere; the others are a
#: shared bank account (weak), as most links in partner data are.
_ASSOCIATES_INSIDE: Final = 0.6
_ASSOCIATES: Final = 0.02
_PARTNERS: Final = ("POL", "BD", "KVK", "GEM", "OM", "FIOD")


@dataclass(frozen=True, slots=True)
class Facts:
    """Synthetic facts as arrays; node ``i`` has id ``N<i>``.

    ``link_*``: direct links (``link_kind`` a code of :data:`LINK_KINDS`);
    ``share_*``: sharers of a connector (a household's address, two people's bank account;
    ``share_conn`` numbered in order of first
    appearance, ``share_kind`` a code of the sorted connector kinds); ``sig_*``: signals
    (``sig_code`` a code of the sorted signal names); ``*_mask``: partner bit masks.
    """

    kinds: npt.NDArray[np.int8]
    regions: npt.NDArray[np.int16]
    community: IntArray
    link_a: IntArray
    link_b: IntArray
    link_kind: IntArray
    link_mask: IntArray
    share_conn: IntArray
    share_member: IntArray
    share_kind: IntArray
    share_mask: IntArray
    sig_node: IntArray
    sig_code: IntArray
    sig_mask: IntArray

    @property
    def n_nodes(self) -> int:
        return int(self.kinds.size)

    @property
    def n_facts(self) -> int:
        return int(self.link_a.size + self.share_conn.size + self.sig_node.size)

    def ids(self) -> list[str]:
        """Node ids, ``N0``, ``N1``, ..."""
        return [f"N{i}" for i in range(self.n_nodes)]

    def raw(self) -> RawGraph:
        """The same facts as a :class:`RawGraph` of rows (ids shared, not copied per row)."""
        ids = np.array(self.ids(), dtype=object)
        raw = RawGraph(
            node_ids=ids.tolist(),
            node_kinds=np.array(KINDS, dtype=object)[self.kinds].tolist(),
            node_regions=[REGIONS[r] if r >= 0 else None for r in self.regions.tolist()],
        )
        kind_names = np.array(LINK_KINDS, dtype=object)
        raw.links = list(
            zip(
                ids[self.link_a].tolist(),
                ids[self.link_b].tolist(),
                kind_names[self.link_kind].tolist(),
                self.link_mask.tolist(),
                strict=True,
            )
        )
        n_conn = int(self.share_conn.max()) + 1 if self.share_conn.size else 0
        conn_ids = np.array([f"C-{c}" for c in range(n_conn)], dtype=object)
        raw.shares = list(
            zip(
                conn_ids[self.share_conn].tolist(),
                np.array(_CONNECTOR_CODES, dtype=object)[self.share_kind].tolist(),
                ids[self.share_member].tolist(),
                self.share_mask.tolist(),
                strict=True,
            )
        )
        names = np.array(sorted(AnalysisParams().signal_weights), dtype=object)
        raw.signals = list(
            zip(
                ids[self.sig_node].tolist(),
                names[self.sig_code].tolist(),
                self.sig_mask.tolist(),
                strict=True,
            )
        )
        return raw


def _partner_masks(rng: np.random.Generator, n: int) -> IntArray:
    bits = np.array([1 << PARTNER_CODES.index(p) for p in _PARTNERS], dtype=np.int64)
    return bits[rng.integers(0, bits.size, n)]


def _communities(rng: np.random.Generator, n: int) -> IntArray:
    """Planted community of each node: sizes from a power law (at least 4, tail index 1.3,
    at most 2,000), nodes of one community contiguous."""
    sizes: list[IntArray] = []
    total = 0
    while total < n:
        s = np.minimum(4.0 * (1.0 - rng.random(max(n // 10, 16))) ** (-1 / 1.3), 2000.0)
        sizes.append(s.astype(np.int64))
        total += int(sizes[-1].sum())
    all_sizes = np.concatenate(sizes)
    return np.repeat(np.arange(all_sizes.size, dtype=np.int64), all_sizes)[:n]


def _households(rng: np.random.Generator, kinds: npt.NDArray[np.int8]) -> tuple[IntArray, IntArray]:
    """People in households of 1-5, in node order (so mostly within one community)."""
    people = np.flatnonzero(kinds == 0)
    sizes = rng.choice(np.arange(1, 6), size=people.size // 2 + 1, p=_HOUSEHOLD_P)
    conn = np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)[: people.size]
    return conn, people.astype(np.int64)


def _direct_links(
    rng: np.random.Generator, community: IntArray, theta: FloatArray, n_links: int
) -> tuple[IntArray, IntArray]:
    """``n_links`` distinct pairs: ends drawn by activity ``theta`` (Chung-Lu), one end's
    community for most, anywhere for ``_MIXING`` of them."""
    n = community.size
    cum = np.cumsum(theta)
    starts = np.searchsorted(community, community, side="left")
    ends = np.searchsorted(community, community, side="right")
    pairs = np.zeros(0, dtype=np.int64)
    while pairs.size < n_links:
        k = int((n_links - pairs.size) * 1.3) + 16
        a = np.minimum(np.searchsorted(cum, rng.random(k) * cum[-1], side="right"), n - 1)
        lo = cum[starts[a]] - theta[starts[a]]
        hi = cum[ends[a] - 1]
        inside = np.searchsorted(cum, lo + rng.random(k) * (hi - lo), side="right")
        b = np.where(
            rng.random(k) < _MIXING,
            np.searchsorted(cum, rng.random(k) * cum[-1], side="right"),
            np.clip(inside, starts[a], ends[a] - 1),
        )
        b = np.minimum(b, n - 1)
        keep = a != b
        key = np.minimum(a, b)[keep] * n + np.maximum(a, b)[keep]
        pairs = np.sort(np.concatenate((pairs, key)))  # sort, then drop repeats: faster
        pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]  # than np.unique's hash
    pairs = rng.permutation(pairs)[:n_links]
    return pairs // n, pairs % n


def _criminal(rng: np.random.Generator, community: IntArray) -> npt.NDArray[np.bool_]:
    """Whether each node is in a signalled community: about 1 % of those of 5 to 150."""
    sizes = np.bincount(community)
    eligible = (sizes >= 5) & (sizes <= _CRIMINAL_MAX)
    return (eligible & (rng.random(sizes.size) < _CRIMINAL_SHARE))[community]


def _signals(
    rng: np.random.Generator,
    community: IntArray,
    in_criminal: npt.NDArray[np.bool_],
    params: AnalysisParams,
) -> tuple[IntArray, IntArray]:
    """Half the members of about 1 % of the communities (of 5 to 150) carry a signal of
    their community's typology; a few others carry one stray signal."""
    names = sorted(params.signal_weights)
    by_typology: dict[str | None, list[int]] = {}
    for i, name in enumerate(names):
        by_typology.setdefault(params.signal_weights[name][1], []).append(i)
    pools = list(by_typology.values())
    pool_of = rng.integers(0, len(pools), int(community.max()) + 1)
    signalled = np.flatnonzero(in_criminal & (rng.random(community.size) < _SIGNALLED_MEMBERS))
    stray = np.flatnonzero(~in_criminal & (rng.random(community.size) < _STRAY_SIGNALS))
    codes = np.empty(signalled.size, dtype=np.int64)
    for p, pool in enumerate(pools):
        mine = pool_of[community[signalled]] == p
        codes[mine] = np.asarray(pool)[rng.integers(0, len(pool), int(mine.sum()))]
    stray_codes = rng.integers(0, len(names), stray.size)
    nodes = np.concatenate((signalled, stray)).astype(np.int64)
    return nodes, np.concatenate((codes, stray_codes)).astype(np.int64)


def synthetic_facts(n_nodes: int, n_links: int, seed: int = 2026) -> Facts:
    """Facts whose projection has ``n_nodes`` people and companies and close to ``n_links``
    links (household pairs plus direct links; a few direct links fall on household pairs).

    Examples
    --------
    >>> facts = synthetic_facts(1_000, 5_000, seed=1)
    >>> facts.n_nodes, bool(facts.link_a.size > 4_000)
    (1000, True)
    """
    rng = np.random.default_rng(seed)
    params = AnalysisParams()
    community = _communities(rng, n_nodes)
    kinds = (rng.random(n_nodes) < _COMPANY_SHARE).astype(np.int8)
    comm_region = rng.integers(0, len(REGIONS), int(community.max()) + 1)
    regions = comm_region[community].astype(np.int16)
    moved = rng.random(n_nodes) < 0.08
    regions[moved] = rng.integers(-1, len(REGIONS), int(moved.sum()))
    conn, member = _households(rng, kinds)
    household = np.bincount(conn)
    household_pairs = int((household * (household - 1) // 2).sum())
    theta = np.minimum((1.0 - rng.random(n_nodes)) ** (-1 / 1.5), 1_000.0)
    a, b = _direct_links(rng, community, theta, max(n_links - household_pairs, 0))
    again = np.flatnonzero(rng.random(a.size) < _REDELIVERED)
    a, b = np.concatenate((a, a[again])), np.concatenate((b, b[again]))
    ka, kb = kinds[a], kinds[b]
    # people mostly share a connector of a weak kind; a few are known associates (strong)
    in_criminal = _criminal(rng, community)
    together = in_criminal[a] & (community[a] == community[b])
    associate = rng.random(a.size) < np.where(together, _ASSOCIATES_INSIDE, _ASSOCIATES)
    shared = (ka == 0) & (kb == 0) & ~associate
    pair_conn = int(conn.max()) + 1 + np.arange(int(shared.sum()), dtype=np.int64)
    conn = np.concatenate((conn, np.repeat(pair_conn, 2)))
    member = np.concatenate((member, np.column_stack((a[shared], b[shared])).ravel()))
    share_kind = np.full(conn.size, _CONNECTOR_CODES.index("bank_account"), dtype=np.int64)
    share_kind[: conn.size - 2 * pair_conn.size] = _CONNECTOR_CODES.index("address")
    a, b, ka, kb = a[~shared], b[~shared], ka[~shared], kb[~shared]
    kind = np.where(
        (ka == 0) & (kb == 0),
        _LINK_CODE["associate"],
        np.where((ka == 1) & (kb == 1), _LINK_CODE["ownership"], _LINK_CODE["directorship"]),
    ).astype(np.int64)
    sig_node, sig_code = _signals(rng, community, in_criminal, params)
    return Facts(
        kinds=kinds,
        regions=regions,
        community=community,
        link_a=a,
        link_b=b,
        link_kind=kind,
        link_mask=_partner_masks(rng, a.size),
        share_conn=conn,
        share_member=member,
        share_kind=share_kind,
        share_mask=_partner_masks(rng, conn.size),
        sig_node=sig_node,
        sig_code=sig_code,
        sig_mask=_partner_masks(rng, sig_node.size),
    )


def project_arrays(facts: Facts, params: AnalysisParams) -> AnalysisGraph:
    """The projection of ``facts`` straight from their arrays: what
    :func:`graph.analysis.projection.project` computes from the same facts as rows, by its
    own clique and summing functions, without the per-row id look-ups (facts hold no
    employment links or property rows, whose damping this does not repeat)."""
    if (facts.link_kind == _LINK_CODE["employment"]).any():
        raise ValueError("project_arrays: employment links are not supported")
    w_link = np.array([params.link_weights.get(k, 0.0) for k in LINK_KINDS])
    a, b, lk = facts.link_a, facts.link_b, facts.link_kind
    keep = a != b
    w_kind = np.array([params.link_weights[k] for k in _CONNECTOR_CODES], dtype=np.float64)
    hub_kind = np.array([params.hub_max[k] for k in _CONNECTOR_CODES], dtype=np.int64)
    # synthetic facts all hold on the run's date: no decay (decision 077)
    current = np.ones(facts.share_conn.size, dtype=np.float64)
    ca, cb, cw, cm, ckc, hubs = _clique_pairs(
        facts.share_conn,
        facts.share_member,
        w_kind,
        facts.share_kind,
        facts.share_mask,
        hub_kind,
        current,
    )
    to_link = np.array([_LINK_CODE[k] for k in _CONNECTOR_CODES], dtype=np.int64)
    pair_src = np.concatenate((np.minimum(a, b)[keep], ca))
    pair_dst = np.concatenate((np.maximum(a, b)[keep], cb))
    pair_w = np.concatenate((w_link[lk][keep], cw))
    pair_mask = np.concatenate((facts.link_mask[keep], cm))
    pair_kind = np.concatenate((lk[keep], to_link[ckc]))
    src, dst, weight, strong = _summed(pair_src, pair_dst, pair_w, pair_kind, facts.n_nodes, params)
    names = sorted(params.signal_weights)
    sig_weight = np.array([params.signal_weights[s][0] for s in names])[facts.sig_code]
    return AnalysisGraph(
        ids=facts.ids(),
        kinds=facts.kinds,
        regions=facts.regions,
        src=src,
        dst=dst,
        weight=weight,
        strong=strong,
        pair_src=pair_src,
        pair_dst=pair_dst,
        pair_partners=pair_mask,
        pair_kind=pair_kind,
        pair_weight=pair_w,
        sig_node=facts.sig_node,
        sig_code=facts.sig_code,
        sig_weight=sig_weight.astype(np.float64),
        sig_partners=facts.sig_mask,
        signal_names=names,
        roles={},
        damped={_CONNECTOR_CODES[k]: v for k, v in hubs.items()},
        unknown_region_addresses=0,
    )


def fit_power_law(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """``(a, b)`` of ``y = a * x**b``, least squares on ``log y`` against ``log x``.

    Examples
    --------
    >>> a, b = fit_power_law([1e3, 1e4, 1e5], [2.0, 20.0, 200.0])
    >>> round(a, 6), round(b, 6)
    (0.002, 1.0)
    """
    if len(xs) < 2 or len(xs) != len(ys) or min(xs) <= 0 or min(ys) <= 0:
        raise ValueError("fit_power_law: needs two or more positive points")
    b, log_a = np.polyfit(np.log(xs), np.log(ys), 1)
    return float(np.exp(log_a)), float(b)


# --- one size, in a child process -------------------------------------------------------


class _Watch:
    """Peak resident memory since the last :meth:`mark`, sampled every 50 ms; ends the
    process (exit 3, after one JSON line naming the step) past the limits."""

    def __init__(self, max_rss: int, min_free: int) -> None:
        self._proc = psutil.Process()
        self._max_rss, self._min_free = max_rss, min_free
        self.step = "start"
        self.peak = self.start = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            rss = self._proc.memory_info().rss
            self.peak = max(self.peak, rss)
            free = psutil.virtual_memory().available
            if rss > self._max_rss or free < self._min_free:
                why = "memory limit" if rss > self._max_rss else "machine's free memory low"
                _emit({"killed": why, "step": self.step, "rss_mb": _mb(rss), "free_mb": _mb(free)})
                os._exit(3)

    def mark(self, step: str) -> None:
        self.step = step
        self.peak = self.start = self._proc.memory_info().rss

    def figures(self) -> dict[str, float]:
        self.peak = max(self.peak, self._proc.memory_info().rss)
        return {"peak_rss_mb": _mb(self.peak), "added_mb": _mb(self.peak - self.start)}

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _mb(n: int) -> float:
    return round(n / 2**20, 1)


def _emit(row: dict[str, Any]) -> None:
    print(json.dumps(row), flush=True)


@contextmanager
def _step(watch: _Watch, name: str, **extra: Any) -> Iterator[dict[str, Any]]:
    watch.mark(name)
    t0, c0 = time.perf_counter(), time.process_time()
    row: dict[str, Any] = {"step": name, **extra}
    yield row
    row.update(
        seconds=round(time.perf_counter() - t0, 3),
        cpu_seconds=round(time.process_time() - c0, 3),
        **watch.figures(),
    )
    _emit(row)


class _StepNotes(QuietProgress):
    """Turns the pipeline's notes (one after each step) into step rows with memory and CPU."""

    def __init__(self, watch: _Watch) -> None:
        self._watch = watch
        self._steps = iter(PIPELINE_STEPS)
        self.rows: list[dict[str, Any]] = []
        self._begin(next(self._steps))

    def _begin(self, step: str) -> None:
        self._watch.mark(step)
        self._cpu = time.process_time()

    def note(self, message: str) -> None:
        row = {
            "step": self._watch.step,
            "cpu_seconds": round(time.process_time() - self._cpu, 3),
            **self._watch.figures(),
        }
        self.rows.append(row)
        step = next(self._steps, None)
        if step is not None:
            self._begin(step)


def _clustering_only(n_nodes: int, n_links: int, seed: int, watch: _Watch) -> None:
    """Where the whole run does not fit: the same communities and degrees as direct links
    only (no households, signals or partners), summed by ``graph_from_edges``, then the
    pipeline's clustering (igraph, Leiden, components) alone."""
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    community = _communities(rng, n_nodes)
    theta = np.minimum((1.0 - rng.random(n_nodes)) ** (-1 / 1.5), 1_000.0)
    a, b = _direct_links(rng, community, theta, n_links)
    del community, theta
    weight = np.array([3.0, 2.0, 1.0])[rng.integers(0, 3, a.size)]
    _emit({"generated": round(time.perf_counter() - t0, 1), "facts": int(a.size)})
    with _step(watch, "edges_only") as row:
        graph = graph_from_edges([f"N{i}" for i in range(n_nodes)], a, b, weight)
        row.update(nodes=graph.n_nodes, links=graph.n_links)
    del a, b, weight
    with _step(watch, "clustering_edges_only") as row:
        g = to_igraph(graph)
        part = leiden(graph, AnalysisParams(), g)
        components(graph, g)
        row["modularity"] = round(part.modularity, 4)


def _child(mode: str, n_nodes: int, n_links: int, seed: int, watch: _Watch) -> None:
    if mode == "clustering":
        _clustering_only(n_nodes, n_links, seed, watch)
        return
    params = AnalysisParams()
    t0 = time.perf_counter()
    facts = synthetic_facts(n_nodes, n_links, seed)
    _emit({"generated": round(time.perf_counter() - t0, 1), "facts": facts.n_facts})
    if mode == "rows":
        with _step(watch, "raw_rows", rows=facts.n_facts):
            raw = facts.raw()
        del facts
        with _step(watch, "projection_rows") as row:
            graph = project(raw, params)
            row["links"] = graph.n_links
        return
    with _step(watch, "projection") as row:
        graph = project_arrays(facts, params)
        row.update(nodes=graph.n_nodes, links=graph.n_links)
    del facts
    notes = _StepNotes(watch)
    result = analyse_projection(
        graph, params=params, run_id="RUN-SCALE", previous=[], progress=notes
    )
    for r in notes.rows:
        _emit({**r, "seconds": round(result.timings[r["step"]], 3)})
    _emit(
        {
            "result": {
                "communities": result.communities,
                "modularity": round(result.modularity, 4),
                "clusters": len(result.clusters),
                "flagged": sum(c.flagged for c in result.clusters),
                "alerts": len(result.alerts),
                "largest_cluster": max((c.size for c in result.clusters), default=0),
            }
        }
    )
    with _step(watch, "key_players", clusters=len(result.clusters)):
        for c in result.clusters:
            links = c.links
            sub = cluster_subgraph(c.nodes, graph.src[links], graph.dst[links], graph.weight[links])
            region_of = {int(v): int(graph.regions[v]) for v in c.nodes}
            key_players(sub, region_of, graph.roles, params)


# --- the parent: sizes, fits, table -------------------------------------------------------


def _run_child(
    mode: str, n_nodes: int, n_links: int, args: argparse.Namespace
) -> tuple[list[dict[str, Any]], str, list[str]]:
    """Rows the child printed, its status and the errors it reported."""
    cmd = [
        sys.executable,
        __file__,
        "--child",
        mode,
        str(n_nodes),
        str(n_links),
        "--seed",
        str(args.seed),
        "--max-rss-gb",
        str(args.max_rss_gb),
        "--min-free-gb",
        str(args.min_free_gb),
    ]
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=args.timeout, check=False
        )
        out, err, rc = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err, rc = "", None
    for line in out.splitlines():
        if line.startswith("{"):
            rows.append(json.loads(line))
            print(f"  {mode} {n_nodes:,}/{n_links:,}: {line}", flush=True)
    killed = next((r for r in rows if "killed" in r), None)
    if rc is None:
        in_step = _next_step(rows, mode)
        status = f"timed out after {args.timeout} s in {in_step}"
        errors.append(status)
    elif killed is not None:
        status = f"stopped in {killed['step']}: {killed['killed']} ({killed['rss_mb']} MB)"
        errors.append(status)
    elif rc < 0:
        status = f"ended by signal {-rc} in {_next_step(rows, mode)}"
        errors.append(f"{mode}: {status}")
    elif rc != 0:
        status = f"failed (exit {rc})"
        errors.append(f"{mode}: exit {rc}: {err.strip()[-1500:]}")
    else:
        status = "ok"
    return rows, status, errors


def _next_step(rows: list[dict[str, Any]], mode: str) -> str:
    done = {r["step"] for r in rows if "step" in r}
    order = {
        "rows": ("raw_rows", "projection_rows"),
        "clustering": ("edges_only", "clustering_edges_only"),
    }.get(mode, STEPS[2:8])
    return next((s for s in order if s not in done), "the end")


def _one_size(n_nodes: int, n_links: int, args: argparse.Namespace) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "nodes_target": n_nodes,
        "links_target": n_links,
        "steps": {},
        "errors": [],
        "status": {},
        "load_before": os.getloadavg(),
    }
    modes = args.modes.split(",")
    if "rows" in modes and n_links > args.rows_max_links:
        modes.remove("rows")
    if "rows" not in modes and "rows" in args.modes:
        entry["status"]["rows"] = (
            f"not run: {n_links:,} links > --rows-max-links {args.rows_max_links:,} "
            "(rows of Python tuples would pass the memory limit; see the fit)"
        )
    for mode in modes:
        rows, status, errors = _run_child(mode, n_nodes, n_links, args)
        entry["status"][mode] = status
        entry["errors"] += errors
        for r in rows:
            if "step" in r and "killed" not in r:  # a stop is in status and errors
                entry["steps"][r["step"]] = {k: v for k, v in r.items() if k != "step"}
            if "result" in r:
                entry["result"] = r["result"]
            if "facts" in r:
                entry["facts"] = r["facts"]
                entry[f"generate_seconds_{mode}"] = r["generated"]
    _add_total(entry)
    proj = entry["steps"].get("projection", {})
    entry["nodes"] = proj.get("nodes")
    entry["links"] = proj.get("links")
    entry["load_after"] = os.getloadavg()
    return entry


_PRESET_STEP: Final = {"projection": "projection_rows"}


def _add_total(entry: dict[str, Any]) -> None:
    """``analysis_total`` of a size whose run steps are all there."""
    run = [entry["steps"][k] for k in _RUN_STEPS if k in entry["steps"]]
    if len(run) == len(_RUN_STEPS):
        peak = max(r["peak_rss_mb"] for r in run)
        entry["steps"]["analysis_total"] = {
            "seconds": round(sum(r["seconds"] for r in run), 3),
            "cpu_seconds": round(sum(r["cpu_seconds"] for r in run), 3),
            "peak_rss_mb": peak,
            "added_mb": peak,  # the whole process's peak, interpreter and ids included
        }


def _merged(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per size (by target), the steps of several runs of it together; sorted."""
    by_size: dict[tuple[int, int], dict[str, Any]] = {}
    for s in sizes:
        # a stop's row is in status and errors, not a step (JSON of runs before that rule)
        s["steps"] = {k: v for k, v in s["steps"].items() if "seconds" in v}
        key = (int(s["nodes_target"]), int(s["links_target"]))
        if key not in by_size:
            by_size[key] = s
            continue
        into = by_size[key]
        into["steps"].update(s["steps"])
        into.setdefault("other_runs", []).append(s["status"])
        into["errors"] += s["errors"]  # every error of every run of it stays reported
        for k in ("nodes", "links", "result", "facts"):
            if s.get(k) is not None:
                into[k] = s[k]
    for entry in by_size.values():
        _add_total(entry)
    return sorted(by_size.values(), key=lambda s: int(s["links_target"]))


def _analysis_points(specs: list[str]) -> list[dict[str, Any]]:
    """``name=path`` of ``benchmarks/analysis.py`` JSON files: links and per-step seconds."""
    points: list[dict[str, Any]] = []
    for spec in specs:
        name, _, path = spec.partition("=")
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        points.append(
            {
                "preset": name,
                "nodes": data["nodes"],
                "links": data["links"],
                # a preset's projection is the one from rows (export -> RawGraph -> project)
                "steps": {
                    _PRESET_STEP.get(k, k): {"seconds": v}
                    for k, v in data["details"]["timings"].items()
                    if v > 0
                },
                "analysis_seconds": data["seconds"],
                "peak_rss_mb": data["peak_rss_mb"],
            }
        )
    return points


def _fits(sizes: list[dict[str, Any]], runs: list[dict[str, Any]]) -> dict[str, Any]:
    fits: dict[str, Any] = {}
    for step in STEPS:
        for measure in ("seconds", "cpu_seconds", "peak_rss_mb", "added_mb"):
            sources = sizes + (runs if measure == "seconds" else [])
            pts = [
                (float(s.get("links") or s["links_target"]), float(s["steps"][step][measure]))
                for s in sources
                if step in s["steps"] and s["steps"][step].get(measure, 0) > 0
            ]
            if len(pts) < 2:
                continue
            a, b = fit_power_law([p[0] for p in pts], [p[1] for p in pts])
            fits.setdefault(step, {})[measure] = {
                "a": a,
                "b": round(b, 3),
                "points": len(pts),
                "at_50m": round(a * 50e6**b, 1),
                "per_100m": round(a * 100e6**b, 1),
            }
    return fits


def _table(sizes: list[dict[str, Any]], fits: dict[str, Any]) -> str:
    """Markdown: per step and size ``CPU s (wall s), +MB``, then the fitted exponents."""
    head = "| step | " + " | ".join(
        f"{s['nodes_target'] / 1e6:g}M / {s['links_target'] / 1e6:g}M" for s in sizes
    )
    lines = [
        head + " | b: CPU | b: wall | b: memory |",
        "| --- |" + " --- |" * (len(sizes) + 3),
    ]
    for step in STEPS:
        if not any(step in s["steps"] for s in sizes):
            continue
        cells = []
        for s in sizes:
            f = s["steps"].get(step)
            cells.append(
                f"{f['cpu_seconds']:.1f} ({f['seconds']:.1f}) s, +{f['added_mb']:.0f} MB"
                if f
                else "-"
            )
        fit = fits.get(step, {})
        b = [str(fit.get(m, {}).get("b", "-")) for m in ("cpu_seconds", "seconds", "added_mb")]
        lines.append(f"| {step} | " + " | ".join(cells) + " | " + " | ".join(b) + " |")
    return "\n".join(lines)


def _size(spec: str) -> tuple[int, int]:
    """``"1:5"`` -> 1M nodes, 5M links (``""``: none, to only merge ``--include``)."""
    if not spec:
        return 0, 0
    nodes, _, links = spec.partition(":")
    return round(float(nodes) * 1e6), round(float(links) * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="0.1:0.5,1:5,3:15,10:50", help="M nodes:M links,...")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--analysis-json", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--max-rss-gb", type=float, default=13.0)
    parser.add_argument("--min-free-gb", type=float, default=3.0)
    parser.add_argument("--rows-max-links", type=float, default=15e6)
    parser.add_argument(
        "--modes",
        default="pipeline,rows",
        help="pipeline (the run from arrays), rows (projection from RawGraph rows), "
        "clustering (direct links only, clustering alone: for sizes the run does not fit)",
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per child")
    parser.add_argument(
        "--include",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="JSON of an earlier run whose sizes join this one's table and fits",
    )
    parser.add_argument("--child", nargs=3, metavar=("MODE", "NODES", "LINKS"))
    args = parser.parse_args()
    if args.child:
        mode, n_nodes, n_links = args.child[0], int(args.child[1]), int(args.child[2])
        watch = _Watch(int(args.max_rss_gb * 2**30), int(args.min_free_gb * 2**30))
        try:
            _child(mode, n_nodes, n_links, args.seed, watch)
        finally:
            watch.close()
        return
    if args.json is None:
        parser.error("--json is required")
    machine = {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_before": os.getloadavg(),
    }
    sizes = [_one_size(n, m, args) for n, m in map(_size, args.sizes.split(",")) if n]
    for path in args.include:
        sizes += json.loads(path.read_text(encoding="utf-8"))["sizes"]
    sizes = _merged(sizes)
    runs = _analysis_points(args.analysis_json)
    fits = _fits(sizes, runs)
    machine["load_after"] = os.getloadavg()
    out = {"sizes": sizes, "fits": fits, "analysis_runs": runs, "machine": machine}
    args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(_table(sizes, fits))
    errors = [e for s in sizes for e in s["errors"]]
    print(f"errors: {len(errors)}")
    for e in errors:
        print(f"  {e}")


if __name__ == "__main__":
    main()
