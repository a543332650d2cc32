"""Typology, score and the explanation of the score, for one cluster.

Pure functions of a cluster's signal counts, regions, size, growth and partners (decision 034).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from graph.analysis.params import AnalysisParams
from graph.values import as_json

__all__ = [
    "INCIDENT_SIGNALS",
    "SCORE_COMPONENTS",
    "Evidence",
    "ScoreLine",
    "cross_regions",
    "score",
    "typology",
]

#: Signals that come from incidents (severity); the others are organisational signals.
INCIDENT_SIGNALS: Final = frozenset(
    {
        "cannabis_grow_site",
        "energy_theft",
        "grow_site_at_home",
        "extortion",
        "weapons",
        "violence",
        "drugs",
        "money_laundering_signal",
        "seizure",
        "labour_exploitation",
        "identity_fraud",
    }
)

#: Score components and their maximum contribution (they add up to 100).
SCORE_COMPONENTS: Final = {
    "severity": 35.0,
    "organisation": 15.0,
    "signal_density": 15.0,
    "regions": 10.0,
    "size": 10.0,
    "growth": 5.0,
    "partners": 10.0,
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One signal behind a cluster's typology and score."""

    signal: str
    count: int
    weight: float
    typology: str | None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (``Cluster.evidence`` entries)."""
        return as_json(self, digits={"weight": 3})


@dataclass(frozen=True, slots=True)
class ScoreLine:
    """One component of a score: the measured value and what it contributed."""

    component: str
    value: float
    contribution: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (``Cluster.score_explanation`` entries)."""
        return as_json(self, digits={"value": 4, "contribution": 3})


def cross_regions(region_counts: dict[str, int], params: AnalysisParams) -> list[str]:
    """Regions holding at least ``min_region_members`` members (``unknown`` never counts).

    Examples
    --------
    >>> from graph.analysis.params import AnalysisParams
    >>> counts = {"Limburg": 5, "Noord": 1, "Rotterdam": 3, "unknown": 9}
    >>> cross_regions(counts, AnalysisParams(min_region_members=2))
    ['Limburg', 'Rotterdam']
    """
    held = [
        r for r, c in region_counts.items() if r != "unknown" and c >= params.min_region_members
    ]
    return sorted(held, key=lambda r: (-region_counts[r], r))


def typology(evidence: list[Evidence], params: AnalysisParams) -> str:
    """``omg`` or ``cannabis`` when that typology's signal weight reaches the minimum and beats
    the other; ``other`` otherwise.

    Examples
    --------
    >>> from graph.analysis.params import AnalysisParams
    >>> grow = Evidence("cannabis_grow_site", 3, 12.0, "cannabis")
    >>> typology([grow], AnalysisParams()), typology([], AnalysisParams())
    ('cannabis', 'other')
    """
    totals = {"omg": 0.0, "cannabis": 0.0}
    for e in evidence:
        if e.typology in totals:
            totals[e.typology] += e.weight
    best = max(totals, key=lambda t: (totals[t], t))
    return best if totals[best] >= params.min_typology_weight else "other"


def _saturate(x: float, scale: float) -> float:
    return 1.0 - math.exp(-x / scale) if x > 0 else 0.0


def score(
    *,
    evidence: list[Evidence],
    signal_members: int,
    size: int,
    community_size: int,
    n_cross_regions: int,
    growth: float | None,
    n_partners: int,
    params: AnalysisParams,
) -> tuple[float, list[ScoreLine]]:
    """The score (0..100) and its explanation, one line per component.

    - ``severity``: incident signal weight ``W``, ``35 * (1 - exp(-W / severity_scale))``;
    - ``organisation``: club, investigation, property, grow-shop and front-business weight
      ``W``, ``15 * (1 - exp(-W / organisation_scale))``;
    - ``signal_density``: share ``s`` of the community (cluster and its periphery) carrying a
      signal, ``15 * min(1, s / density_full)``;
    - ``regions``: ``5`` per region beyond the first that holds the minimum, at most ``10``;
    - ``size``: ``10 * min(1, log2(size) / 6)``;
    - ``growth``: relative growth ``g`` since the previous run, ``5 * min(1, g / 0.5)``;
    - ``partners``: ``2.5`` per independent partner source beyond the first, at most ``10``.

    Examples
    --------
    >>> from graph.analysis.params import AnalysisParams
    >>> total, lines = score(
    ...     evidence=[Evidence("cannabis_grow_site", 3, 12.0, "cannabis")],
    ...     signal_members=4,
    ...     size=8,
    ...     community_size=10,
    ...     n_cross_regions=2,
    ...     growth=None,
    ...     n_partners=2,
    ...     params=AnalysisParams(),
    ... )
    >>> [line.component for line in lines]
    ['severity', 'organisation', 'signal_density', 'regions', 'size', 'growth', 'partners']
    >>> total == round(sum(line.contribution for line in lines), 2)
    True
    """
    incident = sum(e.weight for e in evidence if e.signal in INCIDENT_SIGNALS)
    organisation = sum(e.weight for e in evidence if e.signal not in INCIDENT_SIGNALS)
    density = signal_members / community_size if community_size else 0.0
    g = max(0.0, growth or 0.0)
    lines = [
        ScoreLine(
            "severity",
            incident,
            SCORE_COMPONENTS["severity"] * _saturate(incident, params.severity_scale),
        ),
        ScoreLine(
            "organisation",
            organisation,
            SCORE_COMPONENTS["organisation"] * _saturate(organisation, params.organisation_scale),
        ),
        ScoreLine(
            "signal_density",
            density,
            SCORE_COMPONENTS["signal_density"] * min(1.0, density / params.density_full),
        ),
        ScoreLine(
            "regions",
            float(n_cross_regions),
            min(SCORE_COMPONENTS["regions"], 5.0 * max(0, n_cross_regions - 1)),
        ),
        ScoreLine(
            "size",
            float(size),
            SCORE_COMPONENTS["size"] * min(1.0, math.log2(max(size, 1)) / 6.0),
        ),
        ScoreLine("growth", g, SCORE_COMPONENTS["growth"] * min(1.0, g / 0.5)),
        ScoreLine(
            "partners",
            float(n_partners),
            min(SCORE_COMPONENTS["partners"], 2.5 * max(0, n_partners - 1)),
        ),
    ]
    total = round(sum(line.contribution for line in lines), 2)
    return total, lines
