"""The background economy: companies (hubs, employers, ordinary ones), their staff, care
operators, and the decoy families.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from graph.vocabulary import REGIONS
from ingest.synthetic.model import FIRST_EXTRACT, Decoy, age_of, company_ref
from ingest.synthetic.vocabulary import FORMS, WORDS
from ingest.synthetic.world import World

__all__ = ["add_care_operators", "add_companies", "workers_by_region"]


def workers_by_region(world: World) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {r: [] for r in REGIONS}
    for i, p in enumerate(world.persons):
        if p.kind == "normal" and 18 <= age_of(p) <= 67:
            out[world.region_of_addr(p.addr)].append(i)
    return out


def _employ(
    world: World,
    rng: random.Random,
    company: int,
    count: int,
    region: str,
    workers: dict[str, list[int]],
) -> None:
    c = world.companies[company]
    for _ in range(count):
        pool = (
            workers[region]
            if rng.random() < 0.85 and workers[region]
            else workers[rng.choice(REGIONS)]
        )
        if not pool:
            continue
        since = max(c.founded, FIRST_EXTRACT - timedelta(days=int(rng.expovariate(1 / 1_500))))
        c.employees.append((rng.choice(pool), since))


def add_companies(world: World) -> None:
    """The companies of the background, the decoy institutions, property and trade."""
    rng = world.rng("companies")
    workers = workers_by_region(world)
    all_workers = [p for region in REGIONS for p in workers[region]]
    _ordinary_companies(world, rng, workers, all_workers)
    _private_property(world, rng, all_workers)
    _hubs(world, rng, workers, all_workers)
    _big_employer(world, rng, workers)
    _care_institution(world, rng, workers, all_workers)
    _trade(world, rng)
    _families(world, rng, workers)


def _ordinary_companies(
    world: World,
    rng: random.Random,
    workers: dict[str, list[int]],
    all_workers: list[int],
) -> None:
    """Ordinary companies with their directors, shareholders, staff, vehicles and property."""
    preset = world.preset
    for _ in range(preset.companies):
        director = rng.choice(all_workers)
        home = world.persons[director].addr
        region = world.region_of_addr(home)
        form = rng.choices([f for f, _ in FORMS], weights=[w for _, w in FORMS])[0]
        office = (
            home
            if form in ("eenmanszaak", "vof") or rng.random() < 0.4
            else world.new_address(rng, region)
        )
        c = world.new_company(rng, office, form=form)
        company = world.companies[c]
        company.directors.append((director, company.founded))
        if form in ("vof", "bv") and rng.random() < 0.3:
            company.directors.append((rng.choice(workers[region] or all_workers), company.founded))
        if form == "bv":
            if rng.random() < 0.3:
                holding = world.new_company(
                    rng,
                    office,
                    form="bv",
                    sbi=("6420", False, False),
                    name=f"{company.name.split()[0]} Holding B.V.",
                )
                world.companies[holding].directors.append((director, company.founded))
                world.companies[holding].shareholders.append((director, 100, company.founded))
                company.shareholders.append((company_ref(holding), 100, company.founded))
            else:
                company.shareholders.append((director, 100, company.founded))
        size = min(int(rng.paretovariate(0.95)) - 1, max(len(all_workers) // 20, 5))
        _employ(world, rng, c, size, region, workers)
        if len(company.employees) >= 40:
            for _ in range(rng.randint(1, 3)):
                company.establishments.append(world.new_address(rng))
        if rng.random() < 0.15:
            world.add_vehicle(company_ref(c), [director])
        if rng.random() < 0.05:
            # Directors' and family's property held in the company: an ordinary tie.
            world.properties.append((company_ref(c), world.new_address(rng, region), 100))


def _private_property(world: World, rng: random.Random, all_workers: list[int]) -> None:
    """Property of private persons: investment addresses and owner-occupied homes."""
    preset = world.preset
    for person in rng.sample(all_workers, k=min(len(all_workers), preset.persons // 25)):
        world.properties.append((person, world.new_address(rng), 100))
    # Owner-occupied homes (about 55% of Dutch households): the adults own their home.
    homes_of: dict[int, list[int]] = {}
    for i, p in enumerate(world.persons):
        if p.kind == "normal" and age_of(p) >= 18:
            homes_of.setdefault(p.addr, []).append(i)
    for addr, adults in homes_of.items():
        if rng.random() < 0.55:
            owners = adults[:2]
            for owner in owners:
                world.properties.append((owner, addr, 100 // len(owners)))


def _hubs(
    world: World,
    rng: random.Random,
    workers: dict[str, list[int]],
    all_workers: list[int],
) -> None:
    """Registered-office hubs: one address, hundreds of (often foreign-owned) companies."""
    preset = world.preset
    for h in range(preset.hubs):
        hub_region = ("Amsterdam-Amstelland", "Rotterdam", None)[h % 3]
        hub = world.new_address(rng, hub_region)
        world.hubs.append(hub)
        provider = world.new_company(
            rng,
            hub,
            form="bv",
            sbi=("8211", False, False),
            name=f"{rng.choice(WORDS)} Trust & Domicilie B.V.",
        )
        trust_directors = rng.sample(workers[world.region_of_addr(hub)] or all_workers, k=2)
        for d in trust_directors:
            world.companies[provider].directors.append((d, world.companies[provider].founded))
        hosted: list[int] = []
        for _ in range(rng.randint(*preset.hub_size)):
            c = world.new_company(rng, hub, form="bv")
            company = world.companies[c]
            if rng.random() < 0.3:
                company.directors.append((rng.choice(trust_directors), company.founded))
            else:
                owner = rng.choice(all_workers)
                company.directors.append((owner, company.founded))
                company.shareholders.append((owner, 100, company.founded))
            hosted.append(c)
        if h == 0:
            world.decoys.append(
                Decoy(
                    "DECOY-registered_office-1",
                    "registered_office",
                    list(trust_directors),
                    [provider, *hosted],
                )
            )


def _big_employer(world: World, rng: random.Random, workers: dict[str, list[int]]) -> None:
    """The big employer: sites in several regions, a workforce across the country."""
    preset = world.preset
    regions = rng.sample(REGIONS, k=min(5, len(REGIONS)))
    office = world.new_address(rng, regions[0])
    employer = world.new_company(
        rng, office, form="nv", sbi=("4711", False, False), name="Kruidvat-Noord Supermarkten N.V."
    )
    big = world.companies[employer]
    big.directors.append((rng.choice(workers[regions[0]]), big.founded))
    for region in regions[1:]:
        big.establishments.append(world.new_address(rng, region))
    for i in range(preset.employer_size):
        _employ(world, rng, employer, 1, regions[i % len(regions)], workers)
    for _ in range(3):
        world.add_vehicle(company_ref(employer), [])
    world.decoys.append(
        Decoy("DECOY-employer-1", "employer", sorted({p for p, _ in big.employees}), [employer])
    )


def _care_institution(
    world: World,
    rng: random.Random,
    workers: dict[str, list[int]],
    all_workers: list[int],
) -> None:
    """The care institution: a foundation running care homes in three or more regions."""
    preset = world.preset
    homes = world.care_homes
    care = world.new_company(
        rng,
        homes[0] if homes else world.new_address(rng),
        form="stichting",
        sbi=("8710", False, False),
        name="Stichting Zorggroep De Linde",
    )
    foundation = world.companies[care]
    foundation.directors.append((rng.choice(all_workers), foundation.founded))
    foundation.establishments.extend(homes[1:4])
    for home in homes[:4]:
        _employ(
            world,
            rng,
            care,
            max(3, preset.care_home_size[0] // 3),
            world.region_of_addr(home),
            workers,
        )
    residents = [i for i, p in enumerate(world.persons) if p.kind == "care" and p.addr in homes[:4]]
    world.decoys.append(
        Decoy(
            "DECOY-care_institution-1",
            "care_institution",
            sorted({*residents, *(p for p, _ in foundation.employees)}),
            [care],
        )
    )


def _trade(world: World, rng: random.Random) -> None:
    """Customs: trading companies ship to each other (heavy-tailed numbers of partners)."""
    traders = [i for i, c in enumerate(world.companies) if c.trading]
    for t in traders:
        partners = min(
            int(rng.paretovariate(1.5) * world.preset.trade_partners / 3), len(traders) - 1
        )
        for other in rng.sample(traders, k=partners):
            if other != t:
                world.shipments.append((t, other, 1 + int(rng.paretovariate(1.3))))


def add_care_operators(world: World) -> None:
    """Care organisations run the care homes (one to four homes in a region each; the first
    homes belong to the care-institution decoy) with about one employee per two residents."""
    rng = world.rng("care-operators")
    workers = workers_by_region(world)
    residents = Counter(p.addr for p in world.persons if p.kind == "care")
    by_region: dict[str, list[int]] = {}
    for home in world.care_homes[4:]:
        by_region.setdefault(world.region_of_addr(home), []).append(home)
    for region, homes in sorted(by_region.items()):
        while homes:
            take = rng.randint(1, 4)
            run, homes = homes[:take], homes[take:]
            c = world.new_company(
                rng,
                run[0],
                form="stichting",
                sbi=("8710", False, False),
                name=f"Stichting Zorg {rng.choice(WORDS)}",
            )
            operator = world.companies[c]
            operator.directors.append((rng.choice(workers[region]), operator.founded))
            operator.establishments.extend(run[1:])
            _employ(world, rng, c, sum(residents[h] for h in run) // 2, region, workers)


def _families(world: World, rng: random.Random, workers: dict[str, list[int]]) -> None:
    """Large families spread over regions: decoys that must not be alerted."""
    preset = world.preset
    for f in range(preset.families):
        regions = rng.sample(REGIONS, k=4)
        target = rng.randint(*preset.family_size)
        home = world.new_address(rng, regions[0])
        since = FIRST_EXTRACT - timedelta(days=rng.randint(5_000, 12_000))
        parents = [world.new_person(rng, home, (68, 85), since, "family") for _ in range(2)]
        world.add_account(parents)
        members = list(parents)
        business_region = regions[1]
        while len(members) < target:
            region = regions[1 + len(members) % 3]
            addr = world.new_address(rng, region)
            moved = FIRST_EXTRACT - timedelta(days=rng.randint(300, 6_000))
            size = rng.choice((2, 3, 4))
            hh = [world.new_person(rng, addr, (30, 50), moved, "family")]
            child = world.persons[hh[0]]
            child.history = [(home, child.birth, moved)]
            hh += [world.new_person(rng, addr, (28, 50), moved, "family")]
            hh += [world.new_person(rng, addr, (0, 17), moved, "family") for _ in range(size - 2)]
            world.add_account(hh[:2])
            world.add_vehicle(hh[0], hh[:2])
            members += hh
        business = world.new_company(
            rng, world.new_address(rng, business_region), form="vof", sbi=("5610", True, False)
        )
        shop = world.companies[business]
        adults = [m for m in members if 25 <= age_of(world.persons[m]) <= 60]
        for m in adults[:3]:
            shop.directors.append((m, shop.founded))
        for m in adults[3:6]:
            shop.employees.append((m, shop.founded))
        for m in members:
            world.persons[m].decoy = len(world.decoys)
        world.decoys.append(Decoy(f"DECOY-family-{f + 1}", "family", members, [business]))
