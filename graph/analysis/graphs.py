"""The analysis's two data shapes: raw facts in, the compact projected graph out.

:class:`RawGraph` holds plain rows (what ``graph.analysis.export`` reads from Neo4j, or what a
test builds by hand); :class:`AnalysisGraph` holds numpy arrays (``graph.analysis.projection``
builds it). Node kinds, link kinds and partner codes are the codes both use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "CONNECTOR_KINDS",
    "DIRECT_KINDS",
    "KINDS",
    "LINK_KINDS",
    "PARTNER_CODES",
    "AnalysisGraph",
    "FloatArray",
    "IntArray",
    "RawGraph",
    "partner_mask",
    "partners_of_mask",
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
#: Partner codes in bit order of the partner masks.
PARTNER_CODES: Final = (
    "BD", "DOU", "FIOD", "GEM", "IND", "KMAR", "KVK", "NLA", "OM", "POL", "PROV", "TSL",
)  # fmt: skip
_PARTNER_BIT: Final = {code: 1 << i for i, code in enumerate(PARTNER_CODES)}

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def partner_mask(partners: list[str] | tuple[str, ...] | None) -> int:
    """The bit mask of partner codes (unknown codes are ignored: provenance, not structure).

    Examples
    --------
    >>> partner_mask(["POL", "BD"]) == partner_mask(["BD"]) | partner_mask(["POL"])
    True
    >>> partner_mask(["XYZ"])
    0
    """
    mask = 0
    for code in partners or ():
        mask |= _PARTNER_BIT.get(code, 0)
    return mask


def partners_of_mask(mask: int) -> list[str]:
    """The sorted partner codes of a bit mask.

    Examples
    --------
    >>> partners_of_mask(partner_mask(["POL", "BD", "GEM"]))
    ['BD', 'GEM', 'POL']
    """
    return [code for code in PARTNER_CODES if mask & _PARTNER_BIT[code]]


@dataclass(slots=True)
class RawGraph:
    """Facts as plain rows; ids are entity ids (tokens, KvK numbers, connector ids).

    ``links``: ``(a, b, kind, partners_mask)`` with ``kind`` in :data:`DIRECT_KINDS`.
    ``shares``: ``(connector_id, kind, member, partners_mask)`` with ``kind`` in
    :data:`CONNECTOR_KINDS`; an address's occupants use ``address``, its owners/renters
    ``property`` with the same connector id.
    ``signals``: ``(member, signal, partners_mask)``; ``roles``: ``(member, scarce_role)``.
    ``link_ages`` and ``share_ages``: per row of ``links`` and ``shares``, the days since the
    fact ended (or, for an incident or permit application, since it happened) on the run's
    date, 0 while it holds; empty when every fact holds (a graph built by hand). The
    projection decays each fact by its kind's half-life (``AnalysisParams.half_life_years``).
    """

    node_ids: list[str] = field(default_factory=list)
    node_kinds: list[str] = field(default_factory=list)
    node_regions: list[str | None] = field(default_factory=list)
    links: list[tuple[str, str, str, int]] = field(default_factory=list)
    shares: list[tuple[str, str, str, int]] = field(default_factory=list)
    signals: list[tuple[str, str, int]] = field(default_factory=list)
    roles: list[tuple[str, str]] = field(default_factory=list)
    unknown_region_addresses: int = 0
    link_ages: list[int] = field(default_factory=list)
    share_ages: list[int] = field(default_factory=list)
    #: Per row of ``links``: the contacts it stands for (a police relation's ``count``; 1 for
    #: other kinds); empty: one each.
    link_counts: list[int] = field(default_factory=list)
    #: Per member with a role: the fact that gives it (an evidence code of
    #: ``graph.analysis.export.ROLE_EVIDENCE``) and the company it came through, if any.
    role_evidence: dict[str, tuple[str, str | None]] = field(default_factory=dict)

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
    #: Per node with a role: its evidence code and the company it came through (if any).
    role_evidence: dict[int, tuple[str, str | None]] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of people and companies."""
        return len(self.ids)

    @property
    def n_links(self) -> int:
        """Number of weighted undirected links."""
        return int(self.src.shape[0])
