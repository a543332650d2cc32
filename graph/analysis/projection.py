"""Projection: entity facts -> a compact weighted graph of people and companies.

The input is a :class:`RawGraph` of plain rows (what ``graph.analysis.export`` reads from Neo4j,
or what a test builds by hand). The output is an :class:`AnalysisGraph` of numpy arrays: no
national NetworkX graph is ever built (decision 030).

Links between people/companies come from
- *direct* links (``associate``, ``directorship``, ``ownership``, ``employment``, ``shipment``,
  ``sponsor``) with the kind's weight;
- *shared connectors* (an address, vehicle, phone, bank account, club chapter, incident,
  investigation or permit application): the ``n`` people/companies attached to it form a clique,
  each pair weighted ``weight[kind] / (n - 1)``;
- *property* links: an owner or renter of an address is linked to each occupant
  (``weight['property']``).

**Time** (decision 077): a fact that ended (a job, a residence) or happened (an incident, a
permit application) ``d`` days before the run's date weighs ``0.5 ** (d / 365.25 / h)`` of a
current one, ``h`` its kind's half-life in years (``AnalysisParams.half_life_years``); a tie
through a connector is as old as the older of its two sharers' facts.

**Contacts** (decision 082): a police relation's weight grows with the log of its contacts,
``1 + log10(min(count, contact_count_cap))``: one contact x1, ten x2, a hundred or more x3.

**Hub damping** (decision 031): a connector with more than ``hub_max[kind]`` sharers contributes
no links at all, an address with more than ``hub_max['property']`` occupants gives its owner no
property links, and a company with more than ``hub_max['employment']`` employees loses its
employment links. Damped hubs are counted per kind in ``AnalysisGraph.damped``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from graph.analysis.errors import AnalysisInputError
from graph.analysis.graphs import (
    CONNECTOR_KINDS,
    DIRECT_KINDS,
    KINDS,
    LINK_KINDS,
    AnalysisGraph,
    FloatArray,
    IntArray,
    RawGraph,
)
from graph.analysis.params import AnalysisParams
from graph.vocabulary import REGIONS

__all__ = ["graph_from_edges", "project"]

_LINK_CODE: Final = {k: i for i, k in enumerate(LINK_KINDS)}
_REGION_INDEX: Final = {name: i for i, name in enumerate(REGIONS)}


def _empty_int() -> IntArray:
    return np.zeros(0, dtype=np.int64)


def _i64(values: object) -> IntArray:
    return np.asarray(values, dtype=np.int64)


def _index_nodes(raw: RawGraph) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, node_id in enumerate(raw.node_ids):
        if node_id in index:
            raise AnalysisInputError(f"projection: node {i} appears twice (rule: unique ids)")
        index[node_id] = i
    return index


def _known(values: list[str], allowed: frozenset[str], what: str) -> list[str]:
    """``values`` when each is allowed; else an error naming the unknown kinds (codes, not data)."""
    unknown = set(values) - allowed
    if unknown:
        raise AnalysisInputError(f"projection: unknown {what} {sorted(unknown)}")
    return values


def _codes(values: list[str], index: dict[str, int], what: str) -> IntArray:
    """Positions of ``values`` in ``index`` (-1 unknown): a plain dict pass, no string arrays."""
    out = np.fromiter((index.get(v, -1) for v in values), dtype=np.int64, count=len(values))
    missing = int((out < 0).sum())
    if missing:
        raise AnalysisInputError(
            f"projection: {missing} {what} row(s) name a member that is not a person or company "
            "in the node list (rule: members must be exported nodes)"
        )
    return out


def _decay(ages: list[int], n: int, half_life_days: FloatArray, kind: IntArray) -> FloatArray:
    """Per fact, ``0.5 ** (age / half-life of its kind)`` (1 when ``ages`` is empty: all hold)."""
    if not ages:
        return np.ones(n, dtype=np.float64)
    if len(ages) != n:
        raise AnalysisInputError(
            f"projection: {len(ages)} ages for {n} facts (rule: one age per link or share)"
        )
    age = np.asarray(ages, dtype=np.float64)
    if (age < 0).any():
        raise AnalysisInputError("projection: a negative age (rule: ages are days, at least 0)")
    factor: FloatArray = np.power(0.5, age / half_life_days[kind])
    return factor


def _contacts(counts: list[int], n: int, cap: int) -> FloatArray:
    """Per link, ``1 + log10(min(count, cap))`` (1 when ``counts`` is empty: one contact each)."""
    if not counts:
        return np.ones(n, dtype=np.float64)
    if len(counts) != n:
        raise AnalysisInputError(
            f"projection: {len(counts)} contact counts for {n} links (rule: one per link)"
        )
    count = np.asarray(counts, dtype=np.float64)
    if (count < 1).any():
        raise AnalysisInputError("projection: a contact count below 1 (rule: at least 1)")
    factor: FloatArray = 1.0 + np.log10(np.minimum(count, float(max(cap, 1))))
    return factor


def _clique_pairs(
    conn: IntArray,
    member: IntArray,
    weight_of_kind: FloatArray,
    kind: IntArray,
    mask: IntArray,
    hub_max_of_kind: IntArray,
    decay: FloatArray,
) -> tuple[IntArray, IntArray, FloatArray, IntArray, IntArray, Counter[int]]:
    """All pairs of sharers per connector (vectorised), damped by the connector's size; a
    pair's weight decays with the older of its two facts (a sharer's most recent one)."""
    frame = pd.DataFrame(
        {"conn": conn, "member": member, "kind": kind, "mask": mask, "decay": decay}
    )
    frame = frame.groupby(["conn", "member"], as_index=False, sort=False).agg(
        kind=("kind", "first"), mask=("mask", "max"), decay=("decay", "max")
    )
    sizes = frame.groupby("conn")["member"].transform("size").to_numpy()
    limit = hub_max_of_kind[frame["kind"].to_numpy()]
    damped: Counter[int] = Counter()
    over = sizes > limit
    if over.any():
        hubs = frame.loc[over].drop_duplicates("conn")
        damped.update(hubs["kind"].tolist())
    frame["size"] = sizes
    frame = frame.loc[(sizes >= 2) & ~over]
    if frame.empty:
        z = _empty_int()
        return z, z, np.zeros(0), z, z, damped
    pairs = frame.merge(
        frame[["conn", "member", "mask", "decay"]], on="conn", suffixes=("_a", "_b")
    )
    pairs = pairs.loc[pairs["member_a"] < pairs["member_b"]]
    w = weight_of_kind[pairs["kind"].to_numpy()] / (pairs["size"].to_numpy() - 1.0)
    w = w * np.minimum(pairs["decay_a"].to_numpy(), pairs["decay_b"].to_numpy())
    return (
        pairs["member_a"].to_numpy(dtype=np.int64),
        pairs["member_b"].to_numpy(dtype=np.int64),
        w.astype(np.float64),
        (pairs["mask_a"].to_numpy() | pairs["mask_b"].to_numpy()).astype(np.int64),
        _i64(pairs["kind"].to_numpy()),
        damped,
    )


@dataclass(slots=True)
class _Pairs:
    """Contributing facts as parallel arrays, appended per rule and concatenated once; with
    the node index and parameters the rules read and the hub counts they damp."""

    index: dict[str, int]
    params: AnalysisParams
    damped: Counter[str] = field(default_factory=Counter)
    src: list[IntArray] = field(default_factory=list)
    dst: list[IntArray] = field(default_factory=list)
    weight: list[FloatArray] = field(default_factory=list)
    mask: list[IntArray] = field(default_factory=list)
    kind: list[IntArray] = field(default_factory=list)

    def add(self, a: IntArray, b: IntArray, w: FloatArray, m: IntArray, k: IntArray) -> None:
        self.src.append(a)
        self.dst.append(b)
        self.weight.append(w)
        self.mask.append(m)
        self.kind.append(k)

    def arrays(self) -> tuple[IntArray, IntArray, FloatArray, IntArray, IntArray]:
        if not self.src:
            z = _empty_int()
            return z, z, np.zeros(0), z, z
        return (
            np.concatenate(self.src),
            np.concatenate(self.dst),
            np.concatenate(self.weight),
            np.concatenate(self.mask),
            np.concatenate(self.kind),
        )


def project(raw: RawGraph, params: AnalysisParams) -> AnalysisGraph:
    """Build the compact analysis graph from raw facts (see the module docstring for rules).

    Examples
    --------
    Three people at one address form a clique of three links, each weighing a half of the
    address weight; a direct link adds its own weight:

    >>> from graph.analysis.params import AnalysisParams
    >>> raw = RawGraph()
    >>> for p in ("PRS-A", "PRS-B", "PRS-C"):
    ...     raw.add_node(p, "person", "Limburg")
    >>> raw.shares += [("ADR-1", "address", p, 0) for p in ("PRS-A", "PRS-B", "PRS-C")]
    >>> raw.links.append(("PRS-A", "PRS-B", "associate", 0))
    >>> params = AnalysisParams()
    >>> g = project(raw, params)
    >>> g.n_nodes, g.n_links
    (3, 3)
    >>> bool(g.weight[0] == params.link_weights["address"] / 2 + params.link_weights["associate"])
    True
    """
    index = _index_nodes(raw)
    kinds, regions = _node_arrays(raw)
    pairs = _Pairs(index, params)
    if raw.links:
        _direct_pairs(raw, pairs)
    if raw.shares:
        _connector_pairs(raw, pairs)
    pair_src, pair_dst, pair_w, pair_mask, pair_kind = pairs.arrays()
    src, dst, weight, strong = _summed(
        pair_src, pair_dst, pair_w, pair_kind, len(raw.node_ids), params
    )
    names, sig_node, sig_code, sig_weight, sig_partners = _signal_arrays(raw, index, params)
    roles = {index[m]: role for m, role in raw.roles if m in index}
    evidence = {index[m]: fact for m, fact in raw.role_evidence.items() if m in index}
    return AnalysisGraph(
        ids=list(raw.node_ids),
        kinds=kinds,
        regions=regions,
        src=src.astype(np.int64),
        dst=dst.astype(np.int64),
        weight=weight.astype(np.float64),
        strong=strong,
        pair_src=pair_src,
        pair_dst=pair_dst,
        pair_partners=pair_mask,
        pair_kind=pair_kind,
        pair_weight=pair_w.astype(np.float64),
        sig_node=sig_node,
        sig_code=sig_code,
        sig_weight=sig_weight.astype(np.float64),
        sig_partners=sig_partners,
        signal_names=names,
        roles=roles,
        damped=dict(pairs.damped),
        unknown_region_addresses=raw.unknown_region_addresses,
        role_evidence=evidence,
    )


def _node_arrays(raw: RawGraph) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int16]]:
    """Kind and region codes per node (region -1 when unknown)."""
    n = len(raw.node_ids)
    kind_index = {k: i for i, k in enumerate(KINDS)}
    try:
        kinds = np.fromiter((kind_index[k] for k in raw.node_kinds), dtype=np.int8, count=n)
    except KeyError as e:
        raise AnalysisInputError(
            f"projection: unknown node kind {e} (rule: person or company)"
        ) from e
    regions = np.fromiter(
        (_REGION_INDEX.get(r, -1) if r is not None else -1 for r in raw.node_regions),
        dtype=np.int16,
        count=n,
    )
    return kinds, regions


def _direct_pairs(raw: RawGraph, pairs: _Pairs) -> None:
    """Direct links with their kind's weight; employers with too many employees are damped."""
    index, params, damped = pairs.index, pairs.params, pairs.damped
    link_kinds = _known([r[2] for r in raw.links], DIRECT_KINDS, "direct link kind(s)")
    a = _codes([r[0] for r in raw.links], index, "link")
    b = _codes([r[1] for r in raw.links], index, "link")
    lk = _codes(link_kinds, _LINK_CODE, "link kind")
    link_mask = np.fromiter((r[3] for r in raw.links), dtype=np.int64, count=len(raw.links))
    keep = a != b
    employment = lk == _LINK_CODE["employment"]
    if employment.any():
        # employers are the company end (b); too many employees: hub, links dropped
        employers, counts = np.unique(b[employment], return_counts=True)
        big = employers[counts > params.hub_max["employment"]]
        damped["employment"] += int(big.size)
        keep &= ~(employment & np.isin(b, big))
    w_link = np.array([params.link_weights.get(k, 0.0) for k in LINK_KINDS])
    decay = _decay(raw.link_ages, len(raw.links), _half_life_days(params, LINK_KINDS), lk)
    strength = _contacts(raw.link_counts, len(raw.links), params.contact_count_cap)
    pairs.add(
        np.minimum(a, b)[keep],
        np.maximum(a, b)[keep],
        (w_link[lk] * decay * strength)[keep],
        link_mask[keep],
        lk[keep],
    )


def _half_life_days(params: AnalysisParams, kinds: tuple[str, ...] | list[str]) -> FloatArray:
    """Half-life in days per kind code of ``kinds``; a kind without one never decays."""
    return np.array(
        [params.half_life_years.get(k, np.inf) * 365.25 for k in kinds], dtype=np.float64
    )


def _connector_pairs(raw: RawGraph, pairs: _Pairs) -> None:
    """Cliques of the sharers of each connector, then owners' links to their occupants."""
    index, params, damped = pairs.index, pairs.params, pairs.damped
    share_kinds = _known([r[1] for r in raw.shares], CONNECTOR_KINDS, "connector kind(s)")
    member = _codes([r[2] for r in raw.shares], index, "share")
    kind_codes = sorted(CONNECTOR_KINDS)
    kind_of = {k: i for i, k in enumerate(kind_codes)}
    w_kind = np.array([params.link_weights[k] for k in kind_codes], dtype=np.float64)
    hub_kind = np.array([params.hub_max[k] for k in kind_codes], dtype=np.int64)
    # connector ids are unique per kind family: an address's property rows share its id
    conn_ids: dict[tuple[str, str], int] = {}
    conn = np.fromiter(
        (
            conn_ids.setdefault((r[0], "address" if r[1] == "property" else r[1]), len(conn_ids))
            for r in raw.shares
        ),
        dtype=np.int64,
        count=len(raw.shares),
    )
    kcode = _codes(share_kinds, kind_of, "connector kind")
    share_mask = np.fromiter((r[3] for r in raw.shares), dtype=np.int64, count=len(raw.shares))
    decay = _decay(raw.share_ages, len(raw.shares), _half_life_days(params, kind_codes), kcode)
    is_property = kcode == kind_of["property"]
    a, b, w, m, kc, hub_counts = _clique_pairs(
        conn[~is_property],
        member[~is_property],
        w_kind,
        kcode[~is_property],
        share_mask[~is_property],
        hub_kind,
        decay[~is_property],
    )
    for code, count in hub_counts.items():
        damped[kind_codes[code]] += count
    pairs.add(a, b, w, m, _i64(np.array([_LINK_CODE[k] for k in kind_codes], dtype=np.int64)[kc]))
    if is_property.any():
        occupied = kcode == kind_of["address"]
        owners = pd.DataFrame(
            {
                "conn": conn[is_property],
                "owner": member[is_property],
                "mask_o": share_mask[is_property],
                "decay_o": decay[is_property],
            }
        )
        occupants = (
            pd.DataFrame(
                {
                    "conn": conn[occupied],
                    "occ": member[occupied],
                    "mask_c": share_mask[occupied],
                    "decay_c": decay[occupied],
                }
            )
            .sort_values("decay_c", ascending=False, kind="stable")
            .drop_duplicates(["conn", "occ"])
        )
        _property_pairs(owners, occupants, pairs)


def _property_pairs(owners: pd.DataFrame, occupants: pd.DataFrame, pairs: _Pairs) -> None:
    """An owner or renter of an address linked to each occupant, unless it has too many."""
    params, damped = pairs.params, pairs.damped
    occ_size = occupants.groupby("conn")["occ"].size()
    big_conns = occ_size.index[occ_size > params.hub_max["property"]]
    damped["property"] += int(owners.loc[owners["conn"].isin(big_conns), "conn"].nunique())
    occupants = occupants.loc[~occupants["conn"].isin(big_conns)]
    star = owners.merge(occupants, on="conn")
    star = star.loc[star["owner"] != star["occ"]]
    oa = star["owner"].to_numpy(dtype=np.int64)
    ob = star["occ"].to_numpy(dtype=np.int64)
    pairs.add(
        np.minimum(oa, ob),
        np.maximum(oa, ob),
        params.link_weights["property"]
        * np.minimum(star["decay_o"].to_numpy(), star["decay_c"].to_numpy()),
        (star["mask_o"].to_numpy() | star["mask_c"].to_numpy()).astype(np.int64),
        np.full(len(star), _LINK_CODE["property"], dtype=np.int64),
    )


def _summed(
    pair_src: IntArray,
    pair_dst: IntArray,
    pair_w: FloatArray,
    pair_kind: IntArray,
    n: int,
    params: AnalysisParams,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """One link per pair: summed weight and summed strong (core-kind) weight."""
    if not pair_src.size:
        z = _empty_int()
        return z, z, np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.float64)
    key = pair_src * n + pair_dst
    uniq, inverse = np.unique(key, return_inverse=True)
    weight: FloatArray = np.asarray(
        np.bincount(inverse, weights=pair_w, minlength=uniq.size), dtype=np.float64
    )
    core_codes = [_LINK_CODE[k] for k in params.core_kinds]
    strong_w = pair_w * np.isin(pair_kind, core_codes)
    strong: FloatArray = np.asarray(
        np.bincount(inverse, weights=strong_w, minlength=uniq.size), dtype=np.float64
    )
    return _i64(uniq // n), _i64(uniq % n), weight, strong


def _signal_arrays(
    raw: RawGraph, index: dict[str, int], params: AnalysisParams
) -> tuple[list[str], IntArray, IntArray, FloatArray, IntArray]:
    """Signal names, and per signal fact its node, code, weight and partner mask."""
    names = sorted(params.signal_weights)
    code_of = {s: i for i, s in enumerate(names)}
    if not raw.signals:
        z = _empty_int()
        return names, z, z, np.zeros(0), z
    signal_names = _known([r[1] for r in raw.signals], frozenset(code_of), "signal(s)")
    sig_node = _codes([r[0] for r in raw.signals], index, "signal")
    sig_code = _codes(signal_names, code_of, "signal")
    sig_weight = np.array([params.signal_weights[name][0] for name in names])[sig_code]
    sig_partners = np.fromiter((r[2] for r in raw.signals), dtype=np.int64, count=len(raw.signals))
    return names, sig_node, sig_code, sig_weight, sig_partners


def graph_from_edges(
    ids: list[str],
    src: IntArray,
    dst: IntArray,
    weight: FloatArray,
    regions: list[str | None] | None = None,
) -> AnalysisGraph:
    """An analysis graph straight from weighted edges (real datasets, benchmarks).

    Parallel and reversed edges are summed; self-loops are dropped. No signals or partners.

    Examples
    --------
    Parallel and reversed edges are summed:

    >>> import numpy as np
    >>> g = graph_from_edges(["a", "b"], np.array([0, 1]), np.array([1, 0]), np.array([1.0, 2.0]))
    >>> g.n_links, g.weight.tolist()
    (1, [3.0])
    """
    n = len(ids)
    a = np.minimum(src, dst)
    b = np.maximum(src, dst)
    keep = a != b
    key = a[keep] * n + b[keep]
    uniq, inverse = np.unique(key, return_inverse=True)
    summed = np.asarray(
        np.bincount(inverse, weights=weight[keep], minlength=uniq.size), dtype=np.float64
    )
    region_codes = np.fromiter(
        (_REGION_INDEX.get(r, -1) if r is not None else -1 for r in (regions or [None] * n)),
        dtype=np.int16,
        count=n,
    )
    empty = _empty_int()
    return AnalysisGraph(
        ids=list(ids),
        kinds=np.zeros(n, dtype=np.int8),
        regions=region_codes,
        src=_i64(uniq // n),
        dst=_i64(uniq % n),
        weight=summed,
        strong=summed,
        pair_src=empty,
        pair_dst=empty,
        pair_partners=empty,
        pair_kind=empty,
        pair_weight=np.zeros(0, dtype=np.float64),
        sig_node=empty,
        sig_code=empty,
        sig_weight=np.zeros(0, dtype=np.float64),
        sig_partners=empty,
        signal_names=[],
        roles={},
        damped={},
        unknown_region_addresses=0,
    )
