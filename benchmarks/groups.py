"""Do real networks come out as their distinct groups? Clusters, sub-groups, rank intervals.

Runs the whole cluster step (``graph.analysis.pipeline.analyse_facts``: Leiden, cores, merge
test, size check, sub-groups, key players, rank intervals) on two real covert networks as a
police delivery would give them today: every contact one ``associate`` link of equal weight
(the counts are lost, issue 18) and every person a suspect of one drugs incident (a signal), so that
every person can be in a cluster. The ground-truth-free objective is the modularity of
the clusters on the delivered network; the Montagna families are used only to read the result:

- CAVIAR (Morselli 2009, aggregate of 11 wiretap phases): clusters and their sizes;
- Montagna (Cavallaro et al. 2020, meetings + phone calls): clusters, NMI of the clusters with
  the coded families, and how many families are spread over how many clusters;
- per flagged cluster its sub-groups (Leiden on the cluster, kept at modularity >= 0.3) and the
  brokers between them, and for the top key players their rank interval with 10 % of the links
  missing (20 seeded resamples).

The same script runs unchanged on an older checkout (``PYTHONPATH=OLD``) to compare merge
rules: keys the older code lacks are reported as null.

Example: python benchmarks/groups.py --data ../shared/data/criminal_networks --json groups.json
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import Any

import igraph as ig
import numpy as np

from graph.analysis.graphs import RawGraph
from graph.analysis.params import AnalysisParams
from graph.analysis.pipeline import AnalysisResult, analyse_facts

#: Scales small enough that a real network of ~100 with one signal each is flagged.
PARAMS = AnalysisParams(severity_scale=12.0, organisation_scale=6.0)


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if (len(a), a) < (len(b), b) else (b, a)


def caviar_pairs(data: Path) -> set[tuple[str, str]]:
    """Players who called each other at least once (110 x 110 matrix, both directions)."""
    with (data / "caviar" / "caviar_aggregate_110x110.csv").open(
        encoding="utf-8-sig", newline=""
    ) as fh:
        rows = list(csv.reader(fh))
    header = [h.strip() for h in rows[0][1:]]
    pairs: set[tuple[str, str]] = set()
    for row in rows[1:]:
        if row:
            a = row[0].strip()
            for b, cell in zip(header, row[1:], strict=False):
                if cell.strip() and float(cell) > 0 and a != b:
                    pairs.add(_pair(a, b))
    return pairs


def montagna_pairs(data: Path) -> set[tuple[str, str]]:
    """Persons who met or called (the two edge lists of the dataset)."""
    base = data / "montagna_sicilian_mafia"
    pairs: set[tuple[str, str]] = set()
    for name in ("Montagna_meetings_edgelist.csv", "Montagna_phonecalls_edgelist.csv"):
        for line in (base / name).read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] != parts[1]:
                pairs.add(_pair(parts[0], parts[1]))
    return pairs


def families(data: Path) -> dict[str, str]:
    """Coded family per Montagna person (third-party coding; blank and -77 left out)."""
    path = data / "montagna_sicilian_mafia" / "mcmacdonald_coded_attributes"
    with (path / "montagna_attributes.csv").open(encoding="utf-8-sig", newline="") as fh:
        return {
            row["node"][1:]: row["familia"]
            for row in csv.DictReader(fh)
            if row["familia"] not in ("", "-77")
        }


def delivery(pairs: set[tuple[str, str]], prefix: str) -> RawGraph:
    """The network as the analysis reads a police delivery: equal links, one signal each."""
    raw = RawGraph()
    people = sorted({p for pair in pairs for p in pair}, key=lambda s: (len(s), s))
    for p in people:
        raw.add_node(f"PRS-{prefix}{p}", "person", "Rotterdam")
        raw.signals.append((f"PRS-{prefix}{p}", "drugs", 0))
    raw.links += [(f"PRS-{prefix}{a}", f"PRS-{prefix}{b}", "associate", 0) for a, b in pairs]
    return raw


def clusters(result: AnalysisResult, prefix: str) -> list[dict[str, Any]]:
    out = []
    for c in sorted(result.clusters, key=lambda c: -c.size):
        players = c.key_players()[:5]
        out.append(
            {
                "size": c.size,
                "flagged": c.flagged,
                "subgroups": [g["size"] for g in c.subgroups()]
                if hasattr(c, "subgroups")
                else None,
                "brokers": [str(b["id"]).removeprefix(f"PRS-{prefix}") for b in c.brokers()]
                if hasattr(c, "brokers")
                else None,
                "top5": [
                    {
                        "id": str(p["id"]).removeprefix(f"PRS-{prefix}"),
                        "rank": p["rank"],
                        "rank_interval": p.get("rank_interval"),
                    }
                    for p in players
                ],
            }
        )
    return out


def cluster_modularity(raw: RawGraph, result: AnalysisResult) -> float:
    """Modularity of the clusters on the delivered network (a person in no cluster is a
    group of its own): the ground-truth-free objective the merge test answers to."""
    index = {p: i for i, p in enumerate(raw.node_ids)}
    label = list(range(len(index), 2 * len(index)))
    for i, c in enumerate(result.clusters):
        for m in c.members:
            label[index[m]] = i
    _, codes = np.unique(np.asarray(label), return_inverse=True)
    g = ig.Graph(n=len(index), edges=[(index[a], index[b]) for a, b, _, _ in raw.links])
    return round(float(g.modularity(codes.tolist())), 4)


def run(pairs: set[tuple[str, str]], prefix: str) -> tuple[AnalysisResult, dict[str, Any]]:
    raw = delivery(pairs, prefix)
    result = analyse_facts(raw, params=PARAMS, run_id="RUN-GROUPS", previous=[])
    figures = {
        "people": len(raw.node_ids),
        "links": len(pairs),
        "communities": result.communities,
        "modularity_of_clusters": cluster_modularity(raw, result),
        "clusters": clusters(result, prefix),
        "clustered": sum(c.size for c in result.clusters),
    }
    return result, figures


def family_figures(result: AnalysisResult, fam: dict[str, str], prefix: str) -> dict[str, Any]:
    """NMI of clusters and families over the clustered persons with a family; spread."""
    cluster_of = {m: i for i, c in enumerate(result.clusters) for m in c.members}
    people = [p for p in sorted(fam) if f"PRS-{prefix}{p}" in cluster_of]
    codes = {f: j for j, f in enumerate(sorted({fam[p] for p in people}))}
    a = [cluster_of[f"PRS-{prefix}{p}"] for p in people]
    b = [codes[fam[p]] for p in people]
    spread = {
        f: len({cluster_of[f"PRS-{prefix}{p}"] for p in people if fam[p] == f}) for f in codes
    }
    return {
        "persons_with_family_clustered": len(people),
        "families": len(codes),
        "nmi_clusters_families": round(float(ig.compare_communities(a, b, method="nmi")), 4)
        if people
        else None,
        "clusters_per_family": spread,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, metavar="DIR")
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    t0 = time.perf_counter()
    _, caviar = run(caviar_pairs(args.data), "C")
    result, montagna = run(montagna_pairs(args.data), "M")
    montagna |= family_figures(result, families(args.data), "M")
    out = {
        "caviar": caviar,
        "montagna": montagna,
        "merge_density": getattr(PARAMS, "merge_density", None),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    for name in ("caviar", "montagna"):
        sizes = [c["size"] for c in out[name]["clusters"]]  # type: ignore[index]
        print(f"{name}: clusters {sizes}")
    print(f"montagna: NMI(clusters, families) {montagna['nmi_clusters_families']}")
    for name in ("caviar", "montagna"):
        print(f"{name}: modularity of the clusters {out[name]['modularity_of_clusters']}")  # type: ignore[index]


if __name__ == "__main__":
    main()
