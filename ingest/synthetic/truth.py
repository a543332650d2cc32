"""The ground truth of a generated wave: planted networks, decoys and changes since last wave.

Member ids are the tokens and KvK numbers exactly as they appear in the deliveries; a member's
region is derived as DOMAIN.md says (a person's current registered address, a company's
registered office), from the same state the deliveries are written from.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

from graph.vocabulary import REGIONS
from ingest.synthetic.model import company_index, is_company
from ingest.synthetic.world import World

__all__ = ["CROSS_REGION_MIN_MEMBERS", "ground_truth"]

#: A planted network is cross-region when at least two regions each hold this many members.
CROSS_REGION_MIN_MEMBERS: Final = 3


def _id(world: World, holder: int) -> str:
    if is_company(holder):
        return world.companies[company_index(holder)].kvk
    return world.persons[holder].token


def _kind(holder: int) -> str:
    return "company" if is_company(holder) else "person"


def ground_truth(world: World, seed: int, wave: int) -> dict[str, Any]:
    """The ``ground_truth.json`` document (keys as the synthetic-data issue fixes them)."""
    networks: list[dict[str, Any]] = []
    for net in world.networks:
        if not net.active:
            continue
        per_region = Counter(world.region_of(m) for m in net.roles)
        members = sorted(
            (
                {"id": _id(world, m), "kind": _kind(m), "role": role}
                for m, role in net.roles.items()
            ),
            key=lambda item: (item["kind"], item["id"]),
        )
        networks.append(
            {
                "id": net.id,
                "typology": net.typology,
                "cross_region": sum(1 for n in per_region.values() if n >= CROSS_REGION_MIN_MEMBERS)
                >= 2,
                "regions": [r for r in REGIONS if r in per_region],
                "members": members,
                "organisers": sorted(_id(world, m) for m in net.leaders),
            }
        )
    decoys = [
        {
            "id": decoy.id,
            "kind": decoy.kind,
            "members": sorted(
                {
                    *(_id(world, p) for p in decoy.persons),
                    *(world.companies[c].kvk for c in decoy.companies),
                }
            ),
        }
        for decoy in world.decoys
    ]
    changes = [
        {
            "kind": change.kind,
            "from": list(change.before),
            "to": list(change.after),
            "members": sorted(_id(world, m) for m in change.members),
            "regions": list(change.regions),
        }
        for change in world.changes
    ]
    return {"seed": seed, "wave": wave, "networks": networks, "decoys": decoys, "changes": changes}
