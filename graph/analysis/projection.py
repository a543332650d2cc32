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
from graph.analysis.params import AnalysisParams
from graph.vocabulary import REGIONS

__all__ = [
    "CONNECTOR_KINDS",
    "DIRECT_KINDS",
    "KINDS",
    "LINK_KINDS",
    "PARTNER_CODES",
    "AnalysisGraph",
    "RawGraph",
    "graph_from_edges",
    "partner_mask",
    "partners_of_mask",
    "project",
]

#: Node kinds of the analysis graph.
KINDS: Final = ("person", "company")
DIRECT_KINDS: Final = frozenset(
    {"associate", "directorship", "ownership", "employment", "shipment", "sponsor"}
)
CONNECTOR_KINDS: Final = frozenset(
    {
        "address",
        "property",
        "vehicle",
        "phone",
        "bank_account",
        "club",
        "incident",
        "investigation",
        "permit",
    }
)
#: Every link kind, in the order of the ``pair_kind`` codes.
LINK_KINDS: Final = tuple(sorted(DIRECT_KINDS | CONNECTOR_KINDS))
_LINK_CODE: Final = {k: i for i, k in enumerate(LINK_KINDS)}
#: Partner codes in bit order of the partner masks.
PARTNER_CODES: Final = (
    "BD", "DOU", "FIOD", "GEM", "IND", "KMAR", "KVK", "NLA", "OM", "POL", "PROV", "TSL",
)  # fmt: skip
_PARTNER_BIT: Final = {code: 1 << i for i, code in enumerate(PARTNER_CODES)}
_REGION_INDEX: Final = {name: i for i, name in enumerate(REGIONS)}

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def partner_mask(partners: list[str] | tuple[str, ...] | None) -> int:
    """The bit mask of partner codes (unknown codes are ignored: provenance, not structure)."""
    mask = 0
    for code in partners or ():
        mask |= _PARTNER_BIT.get(code, 0)
    return mask


def partners_of_mask(mask: int) -> list[str]:
    """The sorted partner codes of a bit mask."""
    return [code for code in PARTNER_CODES if mask & _PARTNER_BIT[code]]


@dataclass(slots=True)
class RawGraph:
    """Facts as plain rows; ids are entity ids (tokens, KvK numbers, connector ids).

    ``links``: ``(a, b, kind, partners_mask)`` with ``kind`` in :data:`DIRECT_KINDS`.
    ``shares``: ``(connector_id, kind, member, partners_mask)`` with ``kind`` in
    :data:`CONNECTOR_KINDS`; an address's occupants use ``address``, its owners/renters
    ``property`` with the same connector id.
    ``signals``: ``(member, signal, partners_mask)``; ``roles``: ``(member, scarce_role)``.
    """

    node_ids: list[str] = field(default_factory=list)
    node_kinds: list[str] = field(default_factory=list)
    node_regions: list[str | None] = field(default_factory=list)
    links: list[tuple[str, str, str, int]] = field(default_factory=list)
    shares: list[tuple[str, str, str, int]] = field(default_factory=list)
    signals: list[tuple[str, str, int]] = field(default_factory=list)
    roles: list[tuple[str, str]] = field(default_factory=list)
    unknown_region_addresses: int = 0

    def add_node(self, node_id: str, kind: str, region: str | None) -> None:
        """Append one person or company."""
        self.node_ids.append(node_id)
        self.node_kinds.append(kind)
        self.node_regions.append(region)


@dataclass(slots=True)
class AnalysisGraph:
    """The weighted, undirected analysis graph as compact arrays (``src < dst``, no duplicates).

    ``pair_*`` keep every contributing fact (before summing) for partner provenance.
    ``sig_*`` hold one row per (node, signal) fact with its weight.
    """

    ids: list[str]
    kinds: npt.NDArray[np.int8]
    regions: npt.NDArray[np.int16]
    src: IntArray
    dst: IntArray
    weight: FloatArray
    strong: FloatArray
    pair_src: IntArray
    pair_dst: IntArray
    pair_partners: IntArray
    pair_kind: IntArray
    pair_weight: FloatArray
    sig_node: IntArray
    sig_code: IntArray
    sig_weight: FloatArray
    sig_partners: IntArray
    signal_names: list[str]
    roles: dict[int, str]
    damped: dict[str, int]
    unknown_region_addresses: int

    @property
    def n_nodes(self) -> int:
        """Number of people and companies."""
        return len(self.ids)

    @property
    def n_links(self) -> int:
        """Number of weighted undirected links."""
        return int(self.src.shape[0])


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


def _clique_pairs(
    conn: IntArray,
    member: IntArray,
    weight_of_kind: FloatArray,
    kind: IntArray,
    mask: IntArray,
    hub_max_of_kind: IntArray,
) -> tuple[IntArray, IntArray, FloatArray, IntArray, IntArray, Counter[int]]:
    """All pairs of sharers per connector (vectorised), damped by the connector's size."""
    frame = pd.DataFrame({"conn": conn, "member": member, "kind": kind, "mask": mask})
    frame = frame.groupby(["conn", "member"], as_index=False, sort=False).agg(
        kind=("kind", "first"), mask=("mask", "max")
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
    pairs = frame.merge(frame[["conn", "member", "mask"]], on="conn", suffixes=("_a", "_b"))
    pairs = pairs.loc[pairs["member_a"] < pairs["member_b"]]
    w = weight_of_kind[pairs["kind"].to_numpy()] / (pairs["size"].to_numpy() - 1.0)
    return (
        pairs["member_a"].to_numpy(dtype=np.int64),
        pairs["member_b"].to_numpy(dtype=np.int64),
        w.astype(np.float64),
        (pairs["mask_a"].to_numpy() | pairs["mask_b"].to_numpy()).astype(np.int64),
        _i64(pairs["kind"].to_numpy()),
        damped,
    )


def project(raw: RawGraph, params: AnalysisParams) -> AnalysisGraph:
    """Build the compact analysis graph from raw facts (see the module docstring for rules)."""
    index = _index_nodes(raw)
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
    damped: Counter[str] = Counter()
    srcs: list[IntArray] = []
    dsts: list[IntArray] = []
    weights: list[FloatArray] = []
    masks: list[IntArray] = []
    kinds_: list[IntArray] = []

    # direct links
    if raw.links:
        link_kinds = [r[2] for r in raw.links]
        unknown = set(link_kinds) - DIRECT_KINDS
        if unknown:
            raise AnalysisInputError(f"projection: unknown direct link kind(s) {sorted(unknown)}")
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
        srcs.append(np.minimum(a, b)[keep])
        dsts.append(np.maximum(a, b)[keep])
        weights.append(w_link[lk][keep])
        masks.append(link_mask[keep])
        kinds_.append(lk[keep])

    # shared connectors
    if raw.shares:
        share_kinds = [r[1] for r in raw.shares]
        unknown = set(share_kinds) - CONNECTOR_KINDS
        if unknown:
            raise AnalysisInputError(f"projection: unknown connector kind(s) {sorted(unknown)}")
        member = _codes([r[2] for r in raw.shares], index, "share")
        kind_codes = sorted(CONNECTOR_KINDS)
        kind_of = {k: i for i, k in enumerate(kind_codes)}
        w_kind = np.array([params.link_weights[k] for k in kind_codes], dtype=np.float64)
        hub_kind = np.array([params.hub_max[k] for k in kind_codes], dtype=np.int64)
        # connector ids are unique per kind family: an address's property rows share its id
        conn_ids: dict[tuple[str, str], int] = {}
        conn = np.fromiter(
            (
                conn_ids.setdefault(
                    (r[0], "address" if r[1] == "property" else r[1]), len(conn_ids)
                )
                for r in raw.shares
            ),
            dtype=np.int64,
            count=len(raw.shares),
        )
        kcode = _codes(share_kinds, kind_of, "connector kind")
        share_mask = np.fromiter((r[3] for r in raw.shares), dtype=np.int64, count=len(raw.shares))
        is_property = kcode == kind_of["property"]
        a, b, w, m, kc, hub_counts = _clique_pairs(
            conn[~is_property],
            member[~is_property],
            w_kind,
            kcode[~is_property],
            share_mask[~is_property],
            hub_kind,
        )
        for code, count in hub_counts.items():
            damped[kind_codes[code]] += count
        srcs.append(a)
        dsts.append(b)
        weights.append(w)
        masks.append(m)
        kinds_.append(_i64(np.array([_LINK_CODE[k] for k in kind_codes], dtype=np.int64)[kc]))
        if is_property.any():
            owners = pd.DataFrame(
                {
                    "conn": conn[is_property],
                    "owner": member[is_property],
                    "mask_o": share_mask[is_property],
                }
            )
            occ_mask = kcode == kind_of["address"]
            occupants = pd.DataFrame(
                {
                    "conn": conn[occ_mask],
                    "occ": member[occ_mask],
                    "mask_c": share_mask[occ_mask],
                }
            ).drop_duplicates(["conn", "occ"])
            occ_size = occupants.groupby("conn")["occ"].size()
            big_conns = occ_size.index[occ_size > params.hub_max["property"]]
            damped["property"] += int(owners.loc[owners["conn"].isin(big_conns), "conn"].nunique())
            occupants = occupants.loc[~occupants["conn"].isin(big_conns)]
            star = owners.merge(occupants, on="conn")
            star = star.loc[star["owner"] != star["occ"]]
            oa = star["owner"].to_numpy(dtype=np.int64)
            ob = star["occ"].to_numpy(dtype=np.int64)
            srcs.append(np.minimum(oa, ob))
            dsts.append(np.maximum(oa, ob))
            weights.append(np.full(len(star), params.link_weights["property"]))
            masks.append((star["mask_o"].to_numpy() | star["mask_c"].to_numpy()).astype(np.int64))
            kinds_.append(np.full(len(star), _LINK_CODE["property"], dtype=np.int64))

    if srcs:
        pair_src = np.concatenate(srcs)
        pair_dst = np.concatenate(dsts)
        pair_w = np.concatenate(weights)
        pair_mask = np.concatenate(masks)
        pair_kind = np.concatenate(kinds_)
    else:
        pair_src = pair_dst = pair_mask = pair_kind = _empty_int()
        pair_w = np.zeros(0)
    if pair_src.size:
        key = pair_src * n + pair_dst
        uniq, inverse = np.unique(key, return_inverse=True)
        weight: FloatArray = np.asarray(
            np.bincount(inverse, weights=pair_w, minlength=uniq.size), dtype=np.float64
        )
        src = _i64(uniq // n)
        dst = _i64(uniq % n)
        core_codes = [_LINK_CODE[k] for k in params.core_kinds]
        strong_w = pair_w * np.isin(pair_kind, core_codes)
        strong: FloatArray = np.asarray(
            np.bincount(inverse, weights=strong_w, minlength=uniq.size), dtype=np.float64
        )
    else:
        src = dst = _empty_int()
        weight = np.zeros(0, dtype=np.float64)
        strong = np.zeros(0, dtype=np.float64)

    # signals
    names = sorted(params.signal_weights)
    code_of = {s: i for i, s in enumerate(names)}
    if raw.signals:
        signal_names = [r[1] for r in raw.signals]
        unknown = set(signal_names) - set(code_of)
        if unknown:
            raise AnalysisInputError(f"projection: unknown signal(s) {sorted(unknown)}")
        sig_node = _codes([r[0] for r in raw.signals], index, "signal")
        sig_code = _codes(signal_names, code_of, "signal")
        sig_weight = np.array([params.signal_weights[name][0] for name in names])[sig_code]
        sig_partners = np.fromiter(
            (r[2] for r in raw.signals), dtype=np.int64, count=len(raw.signals)
        )
    else:
        sig_node = sig_code = sig_partners = _empty_int()
        sig_weight = np.zeros(0)
    roles = {index[m]: role for m, role in raw.roles if m in index}
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
        damped=dict(damped),
        unknown_region_addresses=raw.unknown_region_addresses,
    )


def graph_from_edges(
    ids: list[str],
    src: IntArray,
    dst: IntArray,
    weight: FloatArray,
    regions: list[str | None] | None = None,
) -> AnalysisGraph:
    """An analysis graph straight from weighted edges (real datasets, benchmarks).

    Parallel and reversed edges are summed; self-loops are dropped. No signals or partners.
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
