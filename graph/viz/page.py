"""Self-contained network pages: one HTML file with vis-network inlined, no remote reference.

Input contract of :func:`render_network_page` (the API's ``GET /clusters/{id}/view``, the
``knooppunt view`` command and the notebooks build graphs that follow it; the loaders in
:mod:`graph.viz.load` produce it from Neo4j). Any NetworkX graph works (``Graph``, ``DiGraph``,
``MultiDiGraph``); node keys are any hashable and never reach the page (vis ids are 1..n).

Node attributes (all optional):

``kind``
    the entity label, a :class:`graph.model.NodeLabel` value (``"Person"``, ``"Company"``, ...);
    picks shape and fill colour; unknown kinds are drawn as grey dots.
``label``
    text under the node (a token, KvK number, company name); shortened on the canvas, in full in
    the tooltip. Defaults to ``str(node)``.
``region``
    RIEC region name or ``None``; colours the node border and is shown under the label.
``broker``
    broker score (e.g. in-cluster betweenness); larger score, larger node. ``None`` or absent: 0.
``rank``
    key-player rank (1 = first) or ``None``; shown in the tooltip.
``member``
    ``False`` for a person or company outside the cluster (drawn faded); default: a member.
``partners``, ``deliveries``
    lists of partner codes and delivery ids (provenance), shown in the tooltip.
``first_seen``, ``last_seen``
    dates (``datetime.date``, Neo4j ``Date`` or ISO text), shown in the tooltip.
``details``
    extra tooltip lines (list of text), e.g. ``["name: Example BV", "type: extortion"]``.

Graph attribute (optional): ``graph.graph["subject"]``, the key of the node the page is about
(a subject's neighbourhood): drawn with a thick black ring and selected when the page opens.

Edge attributes (all optional): ``kind`` (relationship type, :class:`graph.model.RelType`),
``partners``, ``deliveries``, ``first_seen``, ``last_seen``, ``details``. The link is labelled
``KIND · PARTNERS`` and coloured by partner (black when several partners reported it).

Everything is data, never markup: labels and tooltips reach the page as JSON inside a
``<script type="application/json">`` block (with ``<``, ``>`` and ``&`` escaped) and vis-network
9 shows a string tooltip as text (``innerText``). Every node starts at its position from
:func:`graph.viz.layout.compute_positions` (the workbench's first view of the same graph); graphs
above ``physics_max_nodes`` nodes keep them with no physics, so they open at once.
See docs/decisions/050-viz-self-contained-pages.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, Final

import jinja2
import networkx as nx
from markupsafe import Markup
from pyvis.network import Network

from graph.model import NodeLabel
from graph.values import native
from graph.viz.layout import compute_positions
from graph.viz.style import (
    KIND_STYLES,
    MULTI_PARTNER_COLOUR,
    REGION_COLOURS,
    UNKNOWN_KIND_STYLE,
    UNKNOWN_REGION_COLOUR,
    KindStyle,
    partner_colour,
)

__all__ = ["DEFAULT_PHYSICS_MAX_NODES", "render_network_page", "vis_network_assets"]

#: Above this many nodes the page gets pre-computed positions and physics off.
DEFAULT_PHYSICS_MAX_NODES: Final = 300

_VIS_DIR = "templates/lib/vis-9.1.2"
_LABEL_MAX = 18
_BASE_SIZE = 12.0
_CONTEXT_SIZE = 9.0
_BROKER_EXTRA = 30.0
_NO_REGION = "none or unknown"
_SUBJECT_BORDER = "#000000"


@lru_cache(maxsize=1)
def vis_network_assets() -> tuple[str, str]:
    """The vis-network 9.1.2 JavaScript and CSS that pyvis 0.3.2 ships in its wheel.

    The page inlines both, so it needs neither a CDN nor files beside it.
    """
    lib = resources.files("pyvis").joinpath(_VIS_DIR)
    js = lib.joinpath("vis-network.min.js").read_text(encoding="utf-8")
    css = lib.joinpath("vis-network.css").read_text(encoding="utf-8")
    return js, css


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    # the template sits beside this module, so that the wheel's package data holds it
    source = resources.files("graph.viz").joinpath("network.html").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(source)


def _kind_style(kind: object) -> KindStyle:
    try:
        return KIND_STYLES.get(NodeLabel(str(kind)), UNKNOWN_KIND_STYLE)
    except ValueError:
        return UNKNOWN_KIND_STYLE


def _text(value: object) -> str:
    value = native(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _texts(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [_text(v) for v in value if v is not None]
    return [_text(value)]


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_MAX else label[: _LABEL_MAX - 1] + "\u2026"


def _float(value: object) -> float:
    if isinstance(value, bool) or value is None:
        return 0.0
    if isinstance(value, int | float):
        return float(value) if math.isfinite(float(value)) else 0.0
    return 0.0


def _provenance_lines(attrs: Mapping[str, Any]) -> list[str]:
    lines = _texts(attrs.get("details"))
    partners = _texts(attrs.get("partners"))
    deliveries = _texts(attrs.get("deliveries"))
    if partners:
        lines.append("partners: " + ", ".join(partners))
    if deliveries:
        shown = deliveries[:5]
        more = f" (+{len(deliveries) - len(shown)} more)" if len(deliveries) > len(shown) else ""
        lines.append("deliveries: " + ", ".join(shown) + more)
    first, last = _text(attrs.get("first_seen")), _text(attrs.get("last_seen"))
    if first or last:
        lines.append(f"seen: {first or '?'} to {last or '?'}")
    return lines


def _svg_shape(shape: str, fill: str, stroke: str = "#555555", width: float = 1.0) -> str:
    """A 16x16 legend swatch for a vis-network shape (colours come from the style tables)."""
    body = {
        "dot": '<circle cx="8" cy="8" r="6"/>',
        "square": '<rect x="2" y="2" width="12" height="12"/>',
        "triangle": '<polygon points="8,1.5 14.5,14 1.5,14"/>',
        "triangleDown": '<polygon points="1.5,2 14.5,2 8,14.5"/>',
        "diamond": '<polygon points="8,1 15,8 8,15 1,8"/>',
        "hexagon": '<polygon points="4.5,2 11.5,2 15,8 11.5,14 4.5,14 1,8"/>',
        "star": '<polygon points="8,1 9.9,6 15,6 10.9,9.2 12.4,14.5 8,11.3 3.6,14.5 5.1,9.2 '
        '1,6 6.1,6"/>',
    }.get(shape, '<circle cx="8" cy="8" r="6"/>')
    return (
        f'<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">'
        f'<g fill="{fill}" stroke="{stroke}" stroke-width="{width}">{body}</g></svg>'
    )


def _faded(colour: str) -> str:
    """``#rrggbb`` as a light, translucent fill (people and companies outside the cluster)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},0.3)"


def _json_for_script(value: object) -> str:
    """JSON that is safe inside ``<script type="application/json">`` (no tag can close it)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def render_network_page(
    graph: nx.Graph,
    *,
    title: str,
    subtitle: str | None = None,
    physics_max_nodes: int = DEFAULT_PHYSICS_MAX_NODES,
    seed: int = 0,
) -> str:
    """Render ``graph`` as one self-contained, interactive HTML page.

    Parameters
    ----------
    graph : networkx.Graph
        Nodes and edges with the attributes described in this module's docstring.
    title : str
        Page and heading title (escaped).
    subtitle : str, optional
        One line under the title (escaped), e.g. the cluster's typology and score.
    physics_max_nodes : int
        Up to this many nodes the browser lays the graph out (then stops its physics); above it
        the positions are computed here and physics stays off.
    seed : int
        Seed of the pre-computed layout.

    Returns
    -------
    str
        The HTML document. It references nothing outside itself.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.Graph()
    >>> g.add_node("a", kind="Person", label="PRS-A", region="Limburg", broker=0.5)
    >>> g.add_node("b", kind="Company", label="12345678", region="Oost-Brabant")
    >>> g.add_edge("a", "b", kind="DIRECTORSHIP", partners=["KVK"])
    >>> html = render_network_page(g, title="Example")
    >>> html.startswith("<!DOCTYPE html>") and "https://cdn" not in html
    True
    """
    n = graph.number_of_nodes()
    large = n > physics_max_nodes
    ids: dict[Hashable, int] = {node: i for i, node in enumerate(graph.nodes, start=1)}
    subject = graph.graph.get("subject")
    net = Network(directed=graph.is_directed(), cdn_resources="in_line")
    # Every page starts from the server's layout (the workbench's first view of the same
    # graph, decision 078); a small one then settles from there in the browser.
    positions = compute_positions(graph, seed=seed)
    nodes_seen = _add_nodes(net, graph, ids, positions, fixed=large)
    edges_seen = _add_edges(net, graph, ids)
    net.set_options(json.dumps(_vis_options(large=large, directed=graph.is_directed())))
    nodes, edges, _heading, _height, _width, options_json = net.get_network_data()
    js, css = vis_network_assets()
    payload = {
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options_json),
        "physics": not large,
        "subject": ids.get(subject) if subject is not None else None,
    }
    return _template().render(
        title=title,
        subtitle=subtitle,
        node_count=n,
        edge_count=graph.number_of_edges(),
        large=large,
        has_subject=subject is not None and subject in ids,
        has_outsiders=nodes_seen.outsiders > 0,
        **_legend(nodes_seen, edges_seen),
        # trusted text: the library pyvis ships, and JSON that cannot close its script block
        vis_js=Markup(js),  # noqa: S704
        vis_css=Markup(css),  # noqa: S704
        data_json=Markup(_json_for_script(payload)),  # noqa: S704
    )


@dataclass(slots=True)
class _NodesSeen:
    """What the legend needs from the nodes: kinds and regions with counts, outsiders."""

    kinds: dict[str, tuple[KindStyle, int]] = field(default_factory=dict)
    regions: dict[str, int] = field(default_factory=dict)
    outsiders: int = 0


@dataclass(slots=True)
class _EdgesSeen:
    """What the legend needs from the links: partner codes with colours, link kinds."""

    partner_codes: list[str]
    colour_of: dict[str, str]
    rel_kinds: dict[str, int] = field(default_factory=dict)


def _add_nodes(
    net: Network,
    graph: nx.Graph,
    ids: dict[Hashable, int],
    positions: Mapping[Hashable, tuple[float, float]],
    *,
    fixed: bool,
) -> _NodesSeen:
    """One vis node per graph node: shape and colour by kind, border by region, size by
    broker score, the subject emphasised, at ``positions`` (held there when ``fixed``)."""
    seen = _NodesSeen()
    max_broker = max((_float(a.get("broker")) for _, a in graph.nodes(data=True)), default=0.0)
    subject = graph.graph.get("subject")
    for node, attrs in graph.nodes(data=True):
        style = _kind_style(attrs.get("kind"))
        seen.kinds[style.name] = (style, seen.kinds.get(style.name, (style, 0))[1] + 1)
        label = _text(attrs.get("label")) or _text(node)
        region = _text(attrs.get("region")) or None
        seen.regions[region or _NO_REGION] = seen.regions.get(region or _NO_REGION, 0) + 1
        is_member = style.name in ("Person", "Company")
        outside = is_member and attrs.get("member") is False
        seen.outsiders += outside
        options = _node_options(attrs, style, label, region, outside, max_broker)
        if node == subject:
            options["size"] = round(options["size"] + 8, 2)
            options["borderWidth"] = 6
            options["color"]["border"] = _SUBJECT_BORDER
            options["font"] = {"size": 15, "bold": True}
            options["title"] = "SUBJECT\n" + options["title"]
        x, y = positions[node]
        options.update(x=round(x, 1), y=round(y, 1))
        if fixed:
            options["physics"] = False
        display = _short(label) + (f"\n{region}" if region else "")
        net.add_node(ids[node], label=display, shape=style.shape, **options)
    return seen


def _node_options(
    attrs: dict[str, Any],
    style: KindStyle,
    label: str,
    region: str | None,
    outside: bool,
    max_broker: float,
) -> dict[str, Any]:
    """A node's size, border, hover text and colours."""
    broker = _float(attrs.get("broker"))
    is_member = style.name in ("Person", "Company")
    size = (_BASE_SIZE if is_member else _CONTEXT_SIZE) + (
        _BROKER_EXTRA * broker / max_broker if max_broker > 0 else 0.0
    )
    border = REGION_COLOURS.get(region, UNKNOWN_REGION_COLOUR) if region else "#8a8a8a"
    lines = [f"{style.name}: {label}", f"region: {region or 'unknown'}"]
    if attrs.get("broker") is not None:
        rank = attrs.get("rank")
        rank_text = f" (key player #{rank})" if rank is not None else ""
        lines.append(f"broker score: {broker:.3f}{rank_text}")
    lines.extend(_provenance_lines(attrs))
    return {
        "size": round(size, 2),
        "borderWidth": 3 if region else 1,
        "title": "\n".join(lines),
        "color": {
            "background": _faded(style.colour) if outside else style.colour,
            "border": border,
            "highlight": {"background": style.colour, "border": "#000000"},
            "hover": {"background": style.colour, "border": "#000000"},
        },
    }


def _add_edges(net: Network, graph: nx.Graph, ids: dict[Hashable, int]) -> _EdgesSeen:
    """One vis edge per link: coloured by its partner (or several), labelled with its kind,
    parallel links between two nodes bent apart."""
    partner_codes = sorted(
        {p for _, _, a in graph.edges(data=True) for p in _texts(a.get("partners"))}
    )
    seen = _EdgesSeen(partner_codes, {p: partner_colour(i) for i, p in enumerate(partner_codes)})
    labels = nx.get_node_attributes(graph, "label")
    parallel: dict[frozenset[int], int] = {}
    for u, v, attrs in graph.edges(data=True):
        kind = _text(attrs.get("kind")) or "LINK"
        seen.rel_kinds[kind] = seen.rel_kinds.get(kind, 0) + 1
        partners = _texts(attrs.get("partners"))
        colour = (
            seen.colour_of[partners[0]]
            if len(partners) == 1
            else (MULTI_PARTNER_COLOUR if partners else "#9a9a9a")
        )
        ends = f"{_text(labels.get(u)) or _text(u)} \u2192 {_text(labels.get(v)) or _text(v)}"
        lines = [f"{kind}: {ends}", *_provenance_lines(attrs)]
        pair = frozenset((ids[u], ids[v]))
        nth = parallel.get(pair, 0)
        parallel[pair] = nth + 1
        extra: dict[str, Any] = {}
        if nth:  # bend the 2nd, 3rd, ... link between the same two nodes apart
            extra["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.25 * nth}
        net.add_edge(
            ids[u],
            ids[v],
            label=kind + (" \u00b7 " + ", ".join(partners) if partners else ""),
            title="\n".join(lines),
            color={"color": colour, "highlight": "#000000", "hover": "#000000", "opacity": 0.8},
            **extra,
        )
    return seen


def _legend(nodes: _NodesSeen, edges: _EdgesSeen) -> dict[str, Any]:
    """The legend's kinds, regions, partners and link kinds, most frequent first."""
    region_items = sorted(
        nodes.regions.items(), key=lambda kv: (kv[0] == _NO_REGION, -kv[1], kv[0])
    )
    several = [{"name": "several partners", "colour": MULTI_PARTNER_COLOUR}]
    return {
        "kinds": [
            {"name": name, "count": count, "svg": _svg_shape(s.shape, s.colour)}
            for name, (s, count) in sorted(nodes.kinds.items(), key=lambda kv: -kv[1][1])
        ],
        "regions": [
            {
                "name": name,
                "count": count,
                "svg": _svg_shape(
                    "dot", "#ffffff", REGION_COLOURS.get(name, UNKNOWN_REGION_COLOUR), 3.0
                ),
            }
            for name, count in region_items
        ],
        "partners": [{"name": p, "colour": edges.colour_of[p]} for p in edges.partner_codes]
        + (several if edges.partner_codes else []),
        "rel_kinds": sorted(edges.rel_kinds.items(), key=lambda kv: -kv[1]),
    }


def _vis_options(*, large: bool, directed: bool) -> dict[str, Any]:
    options: dict[str, Any] = {
        "nodes": {
            "font": {
                "size": 12,
                "face": "Helvetica",
                "color": "#1b1b1b",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
            },
            "scaling": {"label": {"drawThreshold": 7}},
            "shadow": False,
        },
        "edges": {
            "width": 1.2,
            "selectionWidth": 2.5,
            "hoverWidth": 1.5,
            "font": {
                "size": 9,
                "face": "Helvetica",
                "color": "#444444",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
            },
            "scaling": {"label": {"drawThreshold": 7}},
            "arrows": {"to": {"enabled": directed, "scaleFactor": 0.45}},
            "smooth": False if large else {"enabled": True, "type": "continuous"},
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
            "navigationButtons": False,
            "keyboard": {"enabled": True, "bindToWindow": False},
            "multiselect": True,
        },
        "layout": {"improvedLayout": not large, "randomSeed": 7},
    }
    if large:
        options["physics"] = {"enabled": False}
    else:
        options["physics"] = {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -80,
                "springLength": 130,
                "springConstant": 0.06,
                "avoidOverlap": 0.4,
            },
            "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 25},
        }
    return options
