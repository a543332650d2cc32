"""How entities, regions and partners look on a network page: one table each.

Shapes and colours are chosen so that kinds differ in both (colour-blind safe palette from
Tableau 10, shapes from vis-network's label-below set so that node size can carry the broker
score). Regions colour the node border; partners colour the link.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from graph.model import NodeLabel
from graph.vocabulary import REGIONS

__all__ = [
    "KIND_STYLES",
    "MULTI_PARTNER_COLOUR",
    "PARTNER_PALETTE",
    "REGION_COLOURS",
    "UNKNOWN_KIND_STYLE",
    "UNKNOWN_REGION_COLOUR",
    "KindStyle",
    "partner_colour",
]


@dataclass(frozen=True, slots=True)
class KindStyle:
    """The look of one entity kind: a vis-network shape, a fill colour and a legend name."""

    shape: str
    colour: str
    name: str


KIND_STYLES: Final = MappingProxyType(
    {
        NodeLabel.PERSON: KindStyle("dot", "#4e79a7", "Person"),
        NodeLabel.COMPANY: KindStyle("square", "#f28e2b", "Company"),
        NodeLabel.ADDRESS: KindStyle("triangle", "#59a14f", "Address"),
        NodeLabel.VEHICLE: KindStyle("triangleDown", "#76b7b2", "Vehicle"),
        NodeLabel.PHONE: KindStyle("diamond", "#edc948", "Phone"),
        NodeLabel.BANK_ACCOUNT: KindStyle("hexagon", "#b07aa1", "Bank account"),
        NodeLabel.CLUB: KindStyle("star", "#9c755f", "Club / chapter"),
        NodeLabel.INCIDENT: KindStyle("star", "#e15759", "Incident"),
        NodeLabel.INVESTIGATION: KindStyle("diamond", "#ff9da7", "Investigation"),
        NodeLabel.PERMIT_APPLICATION: KindStyle("square", "#bab0ac", "Permit application"),
    }
)

UNKNOWN_KIND_STYLE: Final = KindStyle("dot", "#d3d3d3", "Other")

#: Border colour per RIEC region (the node's region); unknown region gets a light grey.
REGION_COLOURS: Final = MappingProxyType(
    dict(
        zip(
            REGIONS,
            (
                "#1f77b4",
                "#2ca02c",
                "#9467bd",
                "#d62728",
                "#8c564b",
                "#e377c2",
                "#17becf",
                "#bcbd22",
                "#ff7f0e",
                "#7f7f7f",
            ),
            strict=True,
        )
    )
)
UNKNOWN_REGION_COLOUR: Final = "#c8c8c8"

#: Link colours, handed out to partner codes in sorted order of the partners on the page.
PARTNER_PALETTE: Final = (
    "#3b6fb6",
    "#d9534f",
    "#3a9d5d",
    "#e08a1e",
    "#8e5bb5",
    "#1a9aa0",
    "#b5651d",
    "#c2418d",
    "#6b8e23",
    "#5d6d7e",
    "#a0522d",
    "#2f4f4f",
)
#: Colour of a link that more than one partner reported.
MULTI_PARTNER_COLOUR: Final = "#222222"


def partner_colour(index: int) -> str:
    """The colour of the ``index``-th partner on a page (the palette repeats after 12)."""
    return PARTNER_PALETTE[index % len(PARTNER_PALETTE)]
