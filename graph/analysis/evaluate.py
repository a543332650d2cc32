"""Score the found clusters against a planted ground truth (``ground_truth.json``).

Rules (``docs/analysis.md``, "Evaluation"):
- *found* clusters are the flagged ones (score at or above the alert threshold);
- a planted network is *matched* when a found cluster has Jaccard >= 0.5 with its members;
- ``recall``: matched networks / networks; ``precision``: found clusters matching some network /
  found clusters (``null`` when nothing was found);
- ``cross_region_recall``: cross-region networks matched by a cluster flagged cross-region;
- ``decoys_alerted``: decoys for which an alerted cluster has Jaccard >= 0.5 with the decoy or
  consists for at least half of the decoy's members;
- ``key_player_hit_rate``: networks (all, unmatched count as misses) whose matched cluster has
  one of the network's organisers among its top-5 key players (rank <= 5);
- ``by_typology``: the same figures per planted typology, plus the share of matched networks
  whose cluster got the planted typology;
- ``matches``: one row per planted network (its best cluster, Jaccard, missed and extra members,
  whether it counts as matched) and ``unmatched_clusters``: the found clusters that match no
  network (with the network they overlap most), so that a miss can be read without a script.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.analysis.errors import AnalysisInputError
from graph.vocabulary import TYPOLOGIES

__all__ = ["FoundCluster", "evaluate", "jaccard", "load_truth", "match_table"]

MATCH_JACCARD = 0.5
TOP_BROKERS = 5


@dataclass(frozen=True, slots=True)
class FoundCluster:
    """A cluster as the evaluation needs it."""

    id: str
    members: frozenset[str]
    flagged: bool
    cross_region: bool
    typology: str
    top_players: tuple[str, ...]
    alerted: bool


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a & b| / |a | b| (0 for two empty sets).

    Examples
    --------
    >>> jaccard(frozenset({"a", "b"}), frozenset({"b", "c"}))
    0.3333333333333333
    """
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def load_truth(path: Path) -> dict[str, Any]:
    """Read and check a ground-truth file (the generator's keys)."""
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise AnalysisInputError(f"{path}: cannot read ground truth ({type(e).__name__})") from e
    if not isinstance(truth, dict):
        raise AnalysisInputError(f"{path}: ground truth must be a JSON object")
    for key in ("networks", "decoys"):
        if not isinstance(truth.get(key), list):
            raise AnalysisInputError(f"{path}: key '{key}' missing or not a list")
    for i, n in enumerate(truth["networks"]):
        for key in ("id", "typology", "cross_region", "members", "organisers"):
            if key not in n:
                raise AnalysisInputError(f"{path}: networks[{i}] lacks '{key}'")
        if n["typology"] not in TYPOLOGIES:
            raise AnalysisInputError(f"{path}: networks[{i}].typology not one of {TYPOLOGIES}")
    for i, d in enumerate(truth["decoys"]):
        if "members" not in d:
            raise AnalysisInputError(f"{path}: decoys[{i}] lacks 'members'")
    return truth


def _member_ids(members: list[Any]) -> frozenset[str]:
    return frozenset(m["id"] if isinstance(m, dict) else str(m) for m in members)


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def evaluate(truth: dict[str, Any], clusters: list[FoundCluster]) -> dict[str, Any]:
    """The evaluation figures (keys ``recall``, ``precision``, ``cross_region_recall``,
    ``decoys_alerted``, ``key_player_hit_rate``, ``by_typology``)."""
    found = [c for c in clusters if c.flagged]
    owner: dict[str, list[int]] = {}
    for i, c in enumerate(found):
        for m in c.members:
            owner.setdefault(m, []).append(i)
    matched_found: set[int] = set()
    rows: list[dict[str, Any]] = []
    for n in truth["networks"]:
        members = _member_ids(n["members"])
        candidates = {i for m in members for i in owner.get(m, [])}
        best, best_j = None, 0.0
        for i in sorted(candidates):
            j = jaccard(members, found[i].members)
            if j > best_j:
                best, best_j = i, j
        matched = best is not None and best_j >= MATCH_JACCARD
        cluster = found[best] if matched and best is not None else None
        if matched and best is not None:
            matched_found.add(best)
        organisers = {str(o) for o in n["organisers"]}
        closest = found[best] if best is not None else None
        rows.append(
            {
                "network": str(n["id"]),
                "size": len(members),
                "cluster": closest.id if closest is not None else None,
                "cluster_typology": closest.typology if closest is not None else None,
                "jaccard": round(best_j, 4),
                "missed": sorted(members - closest.members) if closest else sorted(members),
                "extra": sorted(closest.members - members) if closest else [],
                "typology": n["typology"],
                "cross_region": bool(n["cross_region"]),
                "matched": matched,
                "cross_matched": matched and cluster is not None and cluster.cross_region,
                "key_hit": cluster is not None
                and bool(organisers & set(cluster.top_players[:TOP_BROKERS])),
                "typology_ok": cluster is not None and cluster.typology == n["typology"],
            }
        )
    # precision: found clusters matching any network (not only the best match of one)
    nets = [_member_ids(n["members"]) for n in truth["networks"]]
    true_found = {
        i
        for i, c in enumerate(found)
        if any(jaccard(c.members, m) >= MATCH_JACCARD for m in nets if c.members & m)
    }
    alerted = [c for c in clusters if c.alerted]
    decoys = 0
    for d in truth["decoys"]:
        members = _member_ids(d["members"])
        for c in alerted:
            inside = len(c.members & members)
            if inside and (
                jaccard(c.members, members) >= MATCH_JACCARD or inside >= 0.5 * len(c.members)
            ):
                decoys += 1
                break

    def figures(sel: list[dict[str, Any]]) -> dict[str, Any]:
        cross = [r for r in sel if r["cross_region"]]
        matched = [r for r in sel if r["matched"]]
        return {
            "networks": len(sel),
            "recall": _ratio(len(matched), len(sel)),
            "cross_region_recall": _ratio(sum(r["cross_matched"] for r in cross), len(cross)),
            "key_player_hit_rate": _ratio(sum(r["key_hit"] for r in sel), len(sel)),
            "typology_accuracy": _ratio(sum(r["typology_ok"] for r in matched), len(matched)),
        }

    overall = figures(rows)
    by_typology: dict[str, Any] = {}
    for t in TYPOLOGIES:
        sel = [r for r in rows if r["typology"] == t]
        fig = figures(sel)
        typed = [i for i, c in enumerate(found) if c.typology == t]
        fig["found"] = len(typed)
        fig["precision"] = _ratio(sum(i in true_found for i in typed), len(typed))
        by_typology[t] = fig
    unmatched = []
    for i, c in enumerate(found):
        if i in true_found:
            continue
        overlap = [
            (jaccard(c.members, m), str(n["id"]))
            for m, n in zip(nets, truth["networks"], strict=True)
        ]
        best_overlap = max(overlap, default=(0.0, None))
        unmatched.append(
            {
                "cluster": c.id,
                "size": len(c.members),
                "typology": c.typology,
                "cross_region": c.cross_region,
                "alerted": c.alerted,
                "closest_network": best_overlap[1] if best_overlap[0] > 0 else None,
                "jaccard": round(best_overlap[0], 4),
            }
        )
    return {
        "recall": overall["recall"],
        "precision": _ratio(len(true_found), len(found)),
        "cross_region_recall": overall["cross_region_recall"],
        "decoys_alerted": decoys,
        "key_player_hit_rate": overall["key_player_hit_rate"],
        "by_typology": by_typology,
        "matches": rows,
        "unmatched_clusters": unmatched,
    }


def match_table(figures: dict[str, Any]) -> list[str]:
    """The ``matches`` and ``unmatched_clusters`` of :func:`evaluate` as aligned text lines."""
    lines = [
        f"{'network':<14} {'typology':<9} {'size':>4}  {'cluster':<14} {'jaccard':>7}  "
        f"{'missed':>6} {'extra':>5}  matched"
    ]
    for r in figures["matches"]:
        lines.append(
            f"{r['network']:<14} {r['typology']:<9} {r['size']:>4}  {r['cluster'] or '-':<14} "
            f"{r['jaccard']:>7.3f}  {len(r['missed']):>6} {len(r['extra']):>5}  "
            f"{'yes' if r['matched'] else 'NO'}"
        )
    if figures["unmatched_clusters"]:
        lines.append("")
        lines.append(f"{'unmatched cluster':<18} {'typology':<9} {'size':>4}  closest network")
        for c in figures["unmatched_clusters"]:
            closest = (
                f"{c['closest_network']} ({c['jaccard']:.3f})" if c["closest_network"] else "-"
            )
            lines.append(f"{c['cluster']:<18} {c['typology']:<9} {c['size']:>4}  {closest}")
    return lines
