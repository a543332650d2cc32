"""Later waves: the world a quarter on (moves, recruits, a split, a merge, a dissolution)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from graph.vocabulary import REGIONS
from ingest.synthetic.model import (
    Change,
    Network,
    OmgRegistration,
    Relation,
    company_ref,
    extract_date,
    is_company,
)
from ingest.synthetic.networks import Pool, relate
from ingest.synthetic.world import World

__all__ = ["evolve"]


def evolve(world: World, wave: int) -> None:
    """Advance the world to ``wave`` (one quarter later): moves, recruits, split, merge,
    dissolution. Records the changes of this step in ``world.changes`` (replacing earlier)."""
    rng = world.rng("wave", wave)
    day0 = extract_date(wave - 1)
    world.wave = wave
    world.changes = []
    # Ordinary people move (about 2% a quarter); a quarter of them to another region.
    movers = rng.sample(range(len(world.persons)), k=len(world.persons) // 50)
    for m in movers:
        p = world.persons[m]
        if p.kind != "normal" or p.net >= 0 or p.decoy >= 0:
            continue
        region = world.region_of_addr(p.addr) if rng.random() < 0.75 else None
        world.move(m, world.new_address(rng, region), day0 + timedelta(days=rng.randint(1, 88)))
    pool = Pool(world, rng)

    if wave == 2:
        _split(world, world.networks[world.plan["split"][0]])
        a, b = world.plan["merge"]
        _merge(world, rng, world.networks[a], world.networks[b])
        _dissolve(world, rng, world.networks[world.plan["dissolve"][0]], day0)
    recruit = world.plan["recruit"] if wave == 2 else world.plan["recruit"][:1]
    for n in recruit:
        net = world.networks[n]
        if net.active:
            _recruit(world, rng, pool, net, wave, day0)
    # Two network members move house within their network's regions.
    moved: dict[str, list[int]] = {}
    candidates = [
        n for n in world.networks if n.active and len(n.cells) >= 2 and n.typology == "omg"
    ]
    for net in candidates[:2]:
        region = list(net.cells)[-1]
        member = next(
            (
                m
                for m in net.cells[region]
                if m not in net.leaders
                and world.persons[m].addr not in {s for s, _ in net.grow_sites}
            ),
            None,
        )
        if member is None:
            continue
        world.move(member, world.new_address(rng, region), day0 + timedelta(days=30))
        moved.setdefault(net.id, []).append(member)
    for net_id, members in moved.items():
        world.changes.append(Change("moved", (net_id,), (net_id,), tuple(members)))


def _recruit(
    world: World, rng: random.Random, pool: Pool, net: Network, wave: int, day0: date
) -> None:
    index = world.networks.index(net)
    case = f"ONDZ-{day0.year}-{8_000 + index:04d}"
    new_region = next((r for r in pool.roomy(REGIONS, 5) if r not in net.cells), None)
    if net.typology == "cannabis" and new_region is not None and wave == 2:
        region = new_region  # the network newly touches a region
        net.cells[region] = []
        net.cell_leader[region] = net.leaders[0]
    else:
        roomy = pool.roomy([r for r in net.cells if net.cells[r]], 2)
        if not roomy:  # nobody left to recruit where the network lives (small presets)
            return
        region = roomy[0]
    recruits = [pool.take(region) for _ in range(3 if region == new_region else 2)]
    for r in recruits:
        net.roles[r] = "prospect" if net.typology == "omg" else "grower"
        world.persons[r].net = index
        net.cells[region].append(r)
        relate(world, rng, r, net.cell_leader[region], index, case)
        for other in net.cells[region]:
            if other != r and rng.random() < 0.6:
                relate(world, rng, r, other, index, case)
        if net.typology == "omg" and net.club:
            chapter = net.chapters.get(region) or next(iter(net.chapters.values()))
            world.omg.append(
                OmgRegistration(
                    r, net.club, chapter, "club", "prospect", day0 + timedelta(days=20), index
                )
            )
    if len(recruits) >= 2:
        net.phones.append((world.phone_token(recruits[0]), [*recruits, net.cell_leader[region]]))
    regions = (region,) if region == new_region else ()
    world.changes.append(Change("recruited", (net.id,), (net.id,), tuple(recruits), regions))


def _split(world: World, net: Network) -> None:
    """The second leader takes the cells they ran: two networks with no ties between them."""
    if len(net.leaders) < 2:
        return
    second = net.leaders[1]
    part_b = [r for r, leader in net.cell_leader.items() if leader == second]
    if not part_b or len(part_b) == len(net.cells):
        return
    index_b = len(world.networks)
    new = Network(
        f"NET-{index_b + 1:03d}",
        net.typology,
        {r: net.cells.pop(r) for r in part_b},
        [second],
        dict.fromkeys(part_b, second),
    )
    for r in part_b:
        net.cell_leader.pop(r)
    net.leaders = [x for x in net.leaders if x != second]
    members_b = {m for cell in new.cells.values() for m in cell} | {second}
    for m in members_b:
        new.roles[m] = net.roles.pop(m, "member")
        world.persons[m].net = index_b
    for c in list(net.companies):
        comp = world.companies[c]
        if any(d in members_b for d, _ in comp.directors):
            net.companies.remove(c)
            new.companies.append(c)
            new.roles[company_ref(c)] = net.roles.pop(company_ref(c))
            comp.net = index_b
    new.grow_sites = [(a, r) for a, r in net.grow_sites if r in part_b]
    net.grow_sites = [(a, r) for a, r in net.grow_sites if r not in part_b]
    new.phones = [(t, u) for t, u in net.phones if set(u) <= members_b]
    net.phones = [(t, u) for t, u in net.phones if not set(u) & members_b]
    new.vehicles = [v for v in net.vehicles if world.vehicles[v][1] in members_b]
    net.vehicles = [v for v in net.vehicles if v not in new.vehicles]
    members_a = set(net.roles)
    index_a = world.networks.index(net)
    kept: list[Relation] = []
    for rel in world.relations:
        if rel.net == index_a and (
            (rel.a in members_a and rel.b in members_b)
            or (rel.b in members_a and rel.a in members_b)
        ):
            continue
        if rel.net == index_a and rel.a in members_b:
            rel.net = index_b
        kept.append(rel)
    world.relations = kept
    # Incidents before the split tied the parts together; the new one starts now.
    net.quarters = None
    world.networks.append(new)
    world.changes.append(Change("split", (net.id,), (net.id, new.id), tuple(sorted(members_b))))


def _merge(world: World, rng: random.Random, a: Network, b: Network) -> None:
    """Two groups join: leaders meet, members call the other leader, one network remains."""
    index_a = world.networks.index(a)
    case = f"ONDZ-2026-{7_000 + index_a:04d}"
    for la in a.leaders:
        for lb in b.leaders:
            relate(world, rng, la, lb, index_a, case)
    for region, cell in b.cells.items():
        for m in cell:
            if rng.random() < 0.5:
                relate(world, rng, m, a.leaders[0], index_a, case)
        a.cells.setdefault(region, []).extend(cell)
        a.cell_leader.setdefault(region, b.cell_leader[region])
    for cell in list(a.cells.values()):
        for m in cell[:3]:
            if rng.random() < 0.5:
                relate(world, rng, m, b.leaders[0], index_a, case)
    for m, role in b.roles.items():
        a.roles[m] = role
        if not is_company(m):
            world.persons[m].net = index_a
    for c in b.companies:
        world.companies[c].net = index_a
    a.companies += b.companies
    a.leaders += b.leaders
    a.grow_sites += b.grow_sites
    a.phones += b.phones
    a.phones.append((world.phone_token(a.leaders[0]), [a.leaders[0], b.leaders[0]]))
    a.vehicles += b.vehicles
    for rel in world.relations:
        if rel.net == world.networks.index(b):
            rel.net = index_a
    b.active = False
    world.changes.append(
        Change(
            "merged", (a.id, b.id), (a.id,), tuple(sorted(m for m in b.roles if not is_company(m)))
        )
    )


def _dissolve(world: World, rng: random.Random, net: Network, day0: date) -> None:
    """The group falls apart: its ties end, its companies close, half its members move."""
    index = world.networks.index(net)
    world.relations = [r for r in world.relations if r.net != index]
    world.omg = [o for o in world.omg if o.net != index]
    members = [m for m in net.roles if not is_company(m)]
    for c in net.companies:
        world.companies[c].active = False
    for m in members:
        world.persons[m].net = -1
        if rng.random() < 0.5:
            world.move(m, world.new_address(rng), day0 + timedelta(days=rng.randint(1, 80)))
    net.active = False
    world.changes.append(Change("dissolved", (net.id,), (), tuple(sorted(members))))
