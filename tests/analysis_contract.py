"""What the analysis leg promises its readers, pinned once for the unit and integration tests."""

from __future__ import annotations

__all__ = ["EVALUATION_KEYS"]

#: The top-level keys of an evaluation report (:func:`graph.analysis.evaluate.evaluate` and the
#: JSON that ``knooppunt evaluate --json`` writes).
EVALUATION_KEYS = frozenset(
    {
        "recall",
        "precision",
        "cross_region_recall",
        "decoys_alerted",
        "key_player_hit_rate",
        "by_typology",
        "matches",
        "unmatched_clusters",
    }
)
