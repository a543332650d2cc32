"""The planted criminal networks: OMG clubs, cross-region cannabis networks and single-region
groups, with their cells, companies, accounts and relations.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from graph.vocabulary import REGIONS
from ingest.errors import SyntheticDataError
from ingest.synthetic.model import (
    FIRST_EXTRACT,
    Network,
    OmgRegistration,
    Relation,
    age_of,
    company_ref,
)
from ingest.synthetic.vocabulary import CLUB_NAMES
from ingest.synthetic.world import World

__all__ = ["Pool", "plant_all", "relate"]


_ROLES_CANNABIS_CELL: Final = (
    "grower",
    "grower",
    "straw_tenant",
    "straw_tenant",
    "landlord",
    "transporter",
    "grower",
)
_ROLES_OMG_CELL: Final = (
    "chapter_president",
    "member",
    "member",
    "member",
    "member",
    "prospect",
    "member",
    "prospect",
)
_ROLES_OTHER_CELL: Final = (
    "facilitator",
    "member",
    "member",
    "member",
    "recruiter",
    "member",
    "member",
)


class Pool:
    """Candidates for network membership per region: ordinary adults, taken once."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.by_region: dict[str, list[int]] = {r: [] for r in REGIONS}
        for i, p in enumerate(world.persons):
            if p.kind == "normal" and 20 <= age_of(p) <= 58 and p.net < 0 and p.decoy < 0:
                self.by_region[world.region_of_addr(p.addr)].append(i)
        for r in REGIONS:
            rng.shuffle(self.by_region[r])

    def roomy(self, regions: list[str] | tuple[str, ...], need: int) -> list[str]:
        """The regions (of ``regions``) with at least ``need`` candidates left."""
        return [r for r in regions if len(self.by_region[r]) >= need]

    def take(self, region: str) -> int:
        pool = self.by_region[region]
        while pool:
            candidate = pool.pop()
            if self.world.persons[candidate].net < 0:
                return candidate
        raise SyntheticDataError(
            f"the preset is too small: no candidates left for a network in region {region}"
        )


def relate(world: World, rng: random.Random, a: int, b: int, net: int, case: str) -> None:
    if a == b:
        return
    day = FIRST_EXTRACT - timedelta(days=rng.randint(5, 400))
    world.relations.append(Relation(a, b, rng.choice(("called", "called", "met")), day, case, net))


@dataclass(slots=True)
class _Planting:
    """One network being planted: its world, random stream, candidate pool and case number."""

    world: World
    rng: random.Random
    pool: Pool
    net: Network
    index: int
    case: str

    def relate(self, a: int, b: int) -> None:
        relate(self.world, self.rng, a, b, self.index, self.case)

    def recruit(self, region: str, role: str) -> int:
        """One more member, with ``role``, of the cell in ``region``."""
        m = self.pool.take(region)
        self.net.roles[m] = role
        self.world.persons[m].net = self.index
        self.net.cells[region].append(m)
        return m

    def company(
        self, region: str, sbi: tuple[str, bool, bool], director: int, role: str, staff: list[int]
    ) -> int:
        """A company of the network: front and cash businesses, grow shops, real estate."""
        world, rng = self.world, self.rng
        office = world.new_address(rng, region)
        c = world.new_company(
            rng, office, form="bv" if rng.random() < 0.6 else "eenmanszaak", sbi=sbi
        )
        comp = world.companies[c]
        comp.net = self.index
        comp.directors.append((director, comp.founded))
        comp.shareholders.append((director, 100, comp.founded))
        for s in staff:
            comp.employees.append((s, comp.founded + timedelta(days=rng.randint(1, 200))))
        self.net.companies.append(c)
        self.net.roles[company_ref(c)] = role
        return c


def _plant(
    world: World,
    rng: random.Random,
    pool: Pool,
    typology: str,
    regions: list[str],
    cell_size: tuple[int, int],
    leaders: int,
    *,
    splittable: bool = False,
) -> Network:
    index = len(world.networks)
    net = _members(world, rng, pool, index, typology, regions, cell_size, leaders)
    net.case = f"ONDZ-2025-{9_000 + index:04d}"
    p = _Planting(world, rng, pool, net, index, net.case)
    _investigation_links(p)
    _phones_and_vehicles(p)
    if typology == "omg":
        _omg_club(p)
    elif typology == "cannabis":
        _cannabis_business(p)
    else:
        for region, cell in net.cells.items():
            p.company(region, ("7810", False, False), cell[0], "front_business", cell[1:3])
    _outer_ties(p)
    net.apart = splittable
    return net


def _members(
    world: World,
    rng: random.Random,
    pool: Pool,
    index: int,
    typology: str,
    regions: list[str],
    cell_size: tuple[int, int],
    leaders: int,
) -> Network:
    """The network's cells (one per region, with roles by typology) and its leaders."""
    cells: dict[str, list[int]] = {}
    roles: dict[int, str] = {}
    cell_roles = {"cannabis": _ROLES_CANNABIS_CELL, "omg": _ROLES_OMG_CELL}.get(
        typology, _ROLES_OTHER_CELL
    )
    for region in regions:
        size = rng.randint(*cell_size)
        members = [pool.take(region) for _ in range(size)]
        cells[region] = members
        for i, m in enumerate(members):
            roles[m] = cell_roles[i % len(cell_roles)]
    heads = [pool.take(regions[i % len(regions)]) for i in range(leaders)]
    for h in heads:
        roles[h] = "president" if typology == "omg" else "leader"
    cell_leader = {region: heads[i % len(heads)] for i, region in enumerate(regions)}
    for region in regions:
        if (
            cell_leader[region] not in cells[region]
            and world.region_of(cell_leader[region]) == region
        ):
            cells[region].append(cell_leader[region])
    net = Network(f"NET-{index + 1:03d}", typology, cells, heads, cell_leader, roles)
    world.networks.append(net)
    for m in list(roles):
        world.persons[m].net = index
    return net


def _investigation_links(p: _Planting) -> None:
    """Dense inside a cell; leaders reach into their cells and each other."""
    rng, net = p.rng, p.net
    heads = net.leaders
    for region, cell in net.cells.items():
        plain = [m for m in cell if m not in heads]
        for i, a in enumerate(plain):
            for b in plain[i + 1 :]:
                if rng.random() < 0.55:
                    p.relate(a, b)
        leader = net.cell_leader[region]
        for m in plain:
            if rng.random() < 0.8:
                p.relate(leader, m)
        for other in heads:
            if other != leader and plain and rng.random() < 0.7:
                p.relate(other, rng.choice(plain))
    for i, a in enumerate(heads):
        for b in heads[i + 1 :]:
            p.relate(a, b)


def _phones_and_vehicles(p: _Planting) -> None:
    """Burner phones shared inside each cell; a vehicle shared by transporters and leaders."""
    world, rng, net = p.world, p.rng, p.net
    for cell in net.cells.values():
        users = rng.sample(cell, k=min(3, len(cell)))
        net.phones.append((world.phone_token(users[0]), users))
    for region, cell in net.cells.items():
        users = [m for m in cell if net.roles[m] in ("transporter", "member", "facilitator")][:2]
        users.append(net.cell_leader[region])
        net.vehicles.append(world.add_vehicle(rng.choice(users), users))


def _omg_club(p: _Planting) -> None:
    """The club with a chapter per region, its registrations, a support club, front shops."""
    world, rng, net, index = p.world, p.rng, p.net, p.index
    cells, roles, region_list = net.cells, net.roles, list(net.cells)
    club = CLUB_NAMES[index % len(CLUB_NAMES)]
    net.club = club
    net.support_club = club.replace(" MC", " Support Crew")
    for region, cell in cells.items():
        head = cell[0]
        muni = world.places.municipalities[world.addresses[world.persons[head].addr][3]]
        net.chapters[region] = muni.name
    for region, cell in cells.items():
        day = FIRST_EXTRACT - timedelta(days=rng.randint(200, 3_000))
        for m in cell:
            role = "prospect" if roles[m] == "prospect" else "member"
            world.omg.append(
                OmgRegistration(m, club, net.chapters[region], "club", role, day, index)
            )
    in_chapter = {m for cell in cells.values() for m in cell}
    for h in net.leaders:
        if h not in in_chapter:  # a president living outside the chapters' regions
            world.omg.append(
                OmgRegistration(
                    h,
                    club,
                    net.chapters[region_list[0]],
                    "club",
                    "member",
                    FIRST_EXTRACT - timedelta(days=4_000),
                    index,
                )
            )
    for region in region_list[:2]:
        for _ in range(2):
            s = p.recruit(region, "support")
            world.omg.append(
                OmgRegistration(
                    s,
                    net.support_club,
                    region,
                    "support_club",
                    "support",
                    FIRST_EXTRACT - timedelta(days=300),
                    index,
                )
            )
            p.relate(s, cells[region][0])
    for i, region in enumerate(region_list):
        if i % 2 == 0:
            cell = cells[region]
            p.company(region, ("9602", True, False), cell[0], "front_business", cell[1:3])


def _cannabis_business(p: _Planting) -> None:
    """Grow sites with straw tenants, electricians, a grow shop and a money launderer."""
    world, rng, net = p.world, p.rng, p.net
    cells, roles, region_list = net.cells, net.roles, list(net.cells)
    for region, cell in cells.items():
        landlord = next((m for m in cell if roles[m] == "landlord"), cell[0])
        tenants = [m for m in cell if roles[m] == "straw_tenant"]
        for t in tenants:
            site = world.new_address(rng, region)
            net.grow_sites.append((site, region))
            world.properties.append((landlord, site, 100))
            world.move(t, site, FIRST_EXTRACT - timedelta(days=rng.randint(200, 700)))
    for i in range(0, len(region_list), 2):
        e = p.recruit(region_list[i], "electrician")
        for region in region_list[i : i + 2]:
            for m in rng.sample(cells[region], k=min(2, len(cells[region]))):
                p.relate(e, m)
    first = region_list[0]
    shop_owner = p.recruit(first, "grow_shop")
    p.company(first, ("4778", True, False), shop_owner, "grow_shop", [])
    for region in region_list:
        p.relate(shop_owner, rng.choice(cells[region]))
    last = region_list[-1]
    launderer = p.recruit(last, "money_launderer")
    for h in net.leaders:
        p.relate(launderer, h)
    cash = p.company(last, ("5610", True, False), launderer, "cash_business", [cells[last][0]])
    estate = p.company(last, ("6810", False, False), launderer, "real_estate", [])
    for site, region in net.grow_sites:
        if region == last:
            world.properties.append((company_ref(estate), site, 50))
    world.companies[cash].debt = 0


def _outer_ties(p: _Planting) -> None:
    """Leaders know members everywhere, and members know members of other cells, so that the
    network is one group, not loose cells. (When a network splits, the ties between its parts
    end: see :func:`ingest.synthetic.waves.evolve`.)"""
    rng, net = p.rng, p.net
    region_list = list(net.cells)
    for h in net.leaders:
        for region in region_list:
            if rng.random() < 0.5:
                p.relate(h, rng.choice(net.cells[region]))
    for region, cell in net.cells.items():
        others = [r for r in region_list if r != region]
        if not others:
            continue
        for m in cell:
            if m not in net.leaders and rng.random() < 0.35:
                p.relate(m, rng.choice(net.cells[rng.choice(others)]))


def plant_all(world: World) -> None:
    rng = world.rng("networks")
    pool = Pool(world, rng)
    preset = world.preset
    south = ["Zeeland-West-Brabant", "Oost-Brabant", "Limburg"]
    for _ in range(preset.omg_clubs):
        regions = rng.sample(pool.roomy(REGIONS, 16), k=rng.randint(3, 4))
        _plant(world, rng, pool, "omg", regions, (4, 6), 2)
    cannabis_ids: list[int] = []
    for n in range(preset.cannabis):
        count = 4 if n == 0 else rng.randint(2, 4)
        southern = pool.roomy(south, 16)
        first = rng.sample(southern, k=min(count, 2, len(southern)))
        rest = rng.sample(
            [r for r in pool.roomy(REGIONS, 16) if r not in first], k=count - len(first)
        )
        regions = first + rest
        cannabis_ids.append(len(world.networks))
        _plant(world, rng, pool, "cannabis", regions, (4, 6), 2, splittable=n == 0)
    singles: list[int] = []
    kinds = ("other", "cannabis", "cannabis", "omg")
    merge_regions = rng.sample(pool.roomy(REGIONS, 24), k=2)
    for n in range(preset.single_region):
        typology = kinds[n % 4]
        region = merge_regions[n - 1] if n in (1, 2) else rng.choice(pool.roomy(REGIONS, 12))
        singles.append(len(world.networks))
        _plant(world, rng, pool, typology, [region], (6, 9), 1)
    # The plan for later waves is fixed now, so that every wave agrees on it.
    dissolve = singles[0]
    world.networks[dissolve].quarters = frozenset({0})
    world.plan = {
        "split": [cannabis_ids[0]],
        "merge": singles[1:3],
        "dissolve": [dissolve],
        "recruit": [cannabis_ids[1] if len(cannabis_ids) > 1 else cannabis_ids[0], 0],
    }
