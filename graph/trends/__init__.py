"""Trend figures: counts per region and period, published so that no hidden value follows.

:mod:`graph.trends.table` suppresses one table (small cells and secondary cells, decision 044);
:mod:`graph.trends.grid` fixes one pattern per calendar year shared by every table a request can
ask for, so that combining requests derives nothing (decision 065); :mod:`graph.trends.answer`
reads a request's table off that grid. The API's ``/trends`` and the notebooks publish through
:func:`trend_answer` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from graph.trends.answer import (
    ALL_PERIODS,
    ALL_REGIONS,
    TOTAL,
    UNLOCATED_ROW,
    TrendAnswer,
    trend_answer,
)
from graph.trends.grid import (
    Atom,
    Filter,
    Grid,
    cluster_atoms,
    cluster_catalogue,
    cluster_filter,
    incident_atoms,
    incident_catalogue,
    incident_filter,
    year_pattern,
)
from graph.trends.periods import MAX_PERIODS, Period, period_label, periods_between
from graph.trends.table import (
    DEFAULT_MIN_CELL,
    Reason,
    SuppressedTable,
    derivable_cells,
    suppress_table,
    suppress_table_and_sums,
)
from graph.vocabulary import INCIDENT_TYPES, REGIONS, TYPOLOGIES

__all__ = [
    "ALL_PERIODS",
    "ALL_REGIONS",
    "CLUSTER_GRID",
    "DEFAULT_MIN_CELL",
    "GRIDS",
    "INCIDENT_GRID",
    "MAX_PERIODS",
    "TOTAL",
    "UNLOCATED_ROW",
    "Atom",
    "Filter",
    "Grid",
    "Measure",
    "Period",
    "Reason",
    "SuppressedTable",
    "TrendAnswer",
    "cluster_atoms",
    "cluster_catalogue",
    "cluster_filter",
    "derivable_cells",
    "incident_atoms",
    "incident_catalogue",
    "incident_filter",
    "period_label",
    "periods_between",
    "suppress_table",
    "suppress_table_and_sums",
    "trend_answer",
    "year_pattern",
]

#: The incident tables: every incident type (or none) x every typology (or none).
INCIDENT_GRID: Final = Grid(REGIONS, incident_catalogue(INCIDENT_TYPES, TYPOLOGIES))
#: The flagged-cluster tables: every typology (or none) x cross-region only or not.
CLUSTER_GRID: Final = Grid(REGIONS, cluster_catalogue(TYPOLOGIES))

Measure = Literal["incidents", "clusters"]
#: The grid of each measure.
GRIDS: Final[Mapping[Measure, Grid]] = {"incidents": INCIDENT_GRID, "clusters": CLUSTER_GRID}
