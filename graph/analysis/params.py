"""Parameters of an analysis run: link weights, hub damping, thresholds, seeds.

Every value is documented in ``docs/analysis.md`` and recorded in ``AnalysisRun.params`` so that a
run can be repeated. Defaults were tuned on the synthetic ``medium`` preset with one seed and
reported on another (``docs/analysis.md``, "Tuning").
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, Final

__all__ = [
    "DEFAULT_HALF_LIFE_YEARS",
    "DEFAULT_HUB_MAX",
    "DEFAULT_LINK_WEIGHTS",
    "DEFAULT_SIGNAL_WEIGHTS",
    "AnalysisParams",
]

#: Weight of one link of each kind in the analysis graph. Shared-connector kinds (``address``,
#: ``vehicle``, ...) are divided by ``n - 1`` among the ``n`` people/companies sharing it.
DEFAULT_LINK_WEIGHTS: Final = MappingProxyType(
    {
        # direct links between people and companies
        "associate": 3.0,  # called / met, from investigations
        "directorship": 2.0,
        "ownership": 2.0,  # shareholder of a company
        "employment": 1.0,
        "shipment": 1.5,
        "sponsor": 1.0,
        # shared connectors (clique of the sharers, weight / (n - 1))
        "address": 1.0,  # living at, registered at (office or establishment)
        "property": 2.0,  # owning or renting an address somebody else lives or works at
        "vehicle": 2.0,
        "phone": 3.0,
        "bank_account": 3.0,
        "club": 2.0,
        "incident": 2.0,
        "investigation": 3.0,
        "permit": 1.0,
    }
)

#: Half-life in years of a fact of each link kind after it ended (a job, a residence) or
#: happened (an incident, a permit application): such a fact weighs
#: ``0.5 ** (years / half_life)`` of a current one (decision 077). A fact that holds on the
#: run's date weighs in full; one that has not begun (``since`` later) does not count.
DEFAULT_HALF_LIFE_YEARS: Final = MappingProxyType(
    {
        "associate": 3.0,
        "directorship": 2.0,
        "ownership": 2.0,
        "employment": 1.0,  # an ended job is a weak tie soon: 1/8 after three years
        "shipment": 2.0,
        "sponsor": 3.0,
        "address": 1.0,
        "property": 2.0,
        "vehicle": 1.0,
        "phone": 1.0,
        "bank_account": 2.0,
        "club": 2.0,
        "incident": 3.0,  # the deliveries hold two years of incidents: at least 0.63
        "investigation": 5.0,
        "permit": 2.0,
    }
)

#: Connectors with more sharers than this contribute no links at all (hub damping): a
#: registered-office address, a care home, a student flat, an incident with a crowd.
DEFAULT_HUB_MAX: Final = MappingProxyType(
    {
        "address": 12,
        "property": 12,
        "vehicle": 8,
        "phone": 8,
        "bank_account": 8,
        "club": 80,
        "incident": 20,
        "investigation": 40,
        "permit": 12,
        # a company with more employees than this loses its employment links
        "employment": 25,
    }
)

#: Weight of each crime signal, and the typology it points to (``None``: no typology).
DEFAULT_SIGNAL_WEIGHTS: Final = MappingProxyType(
    {
        "cannabis_grow_site": (3.0, "cannabis"),
        "energy_theft": (2.0, "cannabis"),
        "grow_site_at_home": (2.0, "cannabis"),
        "grow_site_property": (2.0, "cannabis"),
        "grow_shop": (1.5, "cannabis"),
        "club_member": (3.0, "omg"),
        "club_prospect": (2.0, "omg"),
        "club_support": (1.5, "omg"),
        "extortion": (2.5, "omg"),
        "weapons": (2.0, "omg"),
        "violence": (0.5, "omg"),
        "drugs": (1.5, None),
        "money_laundering_signal": (2.0, None),
        "seizure": (1.5, None),
        "labour_exploitation": (1.5, None),
        "identity_fraud": (1.0, None),
        "investigation": (2.0, None),
        "front_business": (1.0, None),
    }
)


@dataclass(frozen=True, slots=True)
class AnalysisParams:
    """All knobs of one run. Frozen; ``to_json`` goes into ``AnalysisRun.params``."""

    link_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LINK_WEIGHTS))
    hub_max: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_HUB_MAX))
    half_life_years: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_HALF_LIFE_YEARS))
    signal_weights: dict[str, tuple[float, str | None]] = field(
        default_factory=lambda: dict(DEFAULT_SIGNAL_WEIGHTS)
    )
    #: A contact link's weight grows with the log of its contacts (decision 082):
    #: ``1 + log10(min(count, contact_count_cap))`` times the kind's weight, so one contact
    #: weighs x1, ten x2, a hundred or more x3; a link without a count is one contact.
    contact_count_cap: int = 100
    #: Leiden resolution (1.0 = plain modularity).
    resolution: float = 1.0
    #: Leiden iterations (-1: until stable, 8x slower for +0.0007 modularity on medium) and the
    #: seed of igraph's random generator, fixed so that re-runs repeat.
    leiden_iterations: int = 2
    seed: int = 42
    #: Smallest cluster that is reported.
    min_cluster_size: int = 3
    #: Clusters whose summed signal weight is below this are not reported (ordinary social
    #: structure: households, colleagues, neighbours).
    min_keep_weight: float = 2.0
    #: Periphery trimming (decision 032): a community's core starts with its members that carry
    #: a crime signal and grows by members whose links of ``core_kinds`` to the core weigh at
    #: least ``core_min_weight``; the rest (household members, colleagues, landlords) is
    #: periphery and not a member of the cluster.
    trim_periphery: bool = True
    core_kinds: tuple[str, ...] = (
        "associate",
        "incident",
        "club",
        "investigation",
        "phone",
        "vehicle",
    )
    core_min_weight: float = 1.0
    #: Two core parts (each of at least ``min_cluster_size``) are one cluster when the density
    #: of the strong links between them is at least this share of the lower of their internal
    #: densities (a Constant Potts Model gain, decision 072; 0 disables merging). Smaller parts
    #: join the part they have ``core_min_weight`` strong weight per member to; the size check
    #: comes after.
    merge_density: float = 0.25
    #: A smaller part joins a big one only when its strong weight to it is also at least this
    #: share of the weight of all its links to outside the part.
    attach_share: float = 0.25
    #: Cross-region: at least two regions each holding this many members.
    min_region_members: int = 2
    #: Typology: the summed signal weight of a typology must reach this to be named.
    min_typology_weight: float = 6.0
    #: Saturation scales of the score's severity and organisation components (signal weight at
    #: which a component reaches 63 % of its maximum) and the signal share that gives the full
    #: density contribution.
    severity_scale: float = 40.0
    organisation_scale: float = 25.0
    density_full: float = 0.5
    #: Clusters scoring at least this are ``flagged``; only flagged clusters alert.
    alert_threshold: float = 40.0
    #: ``grown`` alert / event when the size grew by at least this share.
    grow_share: float = 0.2
    #: ``grown``/``shrunk`` history event when the size changed by at least this share.
    event_share: float = 0.1
    #: Stable identity: a current cluster keeps a previous id when they are each other's best
    #: match and at least this share of the previous members is in it.
    identity_share: float = 0.5
    #: A previous cluster is counted as a part of a split/merge when at least this share of it
    #: went into a current cluster (and at least two members).
    part_share: float = 0.2
    #: Betweenness is computed exactly up to this many members, sampled (k pivots) above.
    betweenness_exact_max: int = 1000
    betweenness_samples: int = 256
    #: Key players kept per cluster, and how many count as brokers (also the most brokers
    #: between sub-groups reported per cluster).
    key_players: int = 10
    brokers: int = 5
    #: Sub-groups (decision 072): Leiden on the cluster's subgraph, kept when the split's
    #: modularity reaches this (clusters under twice ``min_cluster_size`` are one sub-group).
    subgroup_min_modularity: float = 0.3
    #: Robust key players: on flagged clusters up to ``betweenness_exact_max`` members, re-rank
    #: this many times with a share of the cluster's links removed at random (seeded) and
    #: report each key player's rank interval (5th to 95th percentile; 0 turns it off).
    robust_resamples: int = 20
    robust_drop_share: float = 0.1
    #: Suggested hidden links kept per flagged cluster, inside it and around it each
    #: (weighted resource allocation, ``graph.analysis.linkpred``, decision 084; 0: none).
    suggested_links: int = 10

    def to_json(self) -> str:
        """The parameters as a JSON string (sorted keys), for ``AnalysisRun.params``."""
        data: dict[str, Any] = asdict(self)
        data["signal_weights"] = {k: list(v) for k, v in self.signal_weights.items()}
        return json.dumps(data, sort_keys=True)
