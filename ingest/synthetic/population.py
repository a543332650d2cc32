"""The background population: households, address history, institutions, joint accounts,
foreigners and ordinary relations.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from graph.vocabulary import REGIONS
from ingest.pseudonymise import pseudonymise_name_dob
from ingest.synthetic.economy import workers_by_region
from ingest.synthetic.model import (
    FIRST_EXTRACT,
    Foreigner,
    Relation,
    age_of,
    company_ref,
    is_company,
)
from ingest.synthetic.vocabulary import FIRST_NAMES, LAST_NAMES
from ingest.synthetic.world import World

__all__ = [
    "add_background_relations",
    "add_business_account_holders",
    "add_childhood_registrations",
    "add_foreigners",
    "add_household",
    "add_institution_registrations",
    "add_joint_accounts",
    "add_past_registrations",
]


def add_household(
    world: World,
    rng: random.Random,
    addr: int,
    size: int,
    since: date,
    family_homes: list[int],
    kind: str = "normal",
) -> list[int]:
    adults = 1 if size == 1 or (size == 2 and rng.random() < 0.15) else 2
    young = size == 1 and rng.random() < 0.3
    members: list[int] = []
    for i in range(size):
        if i < adults:
            age = (19, 29) if young else (22, 88)
            members.append(world.new_person(rng, addr, age, since, kind))
        else:
            members.append(world.new_person(rng, addr, (0, 17), since, kind))
    if adults == 2 and rng.random() < 0.45:
        world.add_account(members[:2])
    for m in members[:adults]:
        if adults == 1 or rng.random() < 0.35:
            world.add_account([m])
    cars = rng.choices((0, 1, 2), weights=(40, 45, 15))[0]
    for _ in range(cars):
        keeper = rng.choice(members[:adults])
        world.add_vehicle(keeper, members[:adults])
    if young and family_homes and rng.random() < 0.6:
        # Left the parental home: the old registration ties the person to the family.
        home = rng.choice(family_homes)
        p = world.persons[members[0]]
        left = since - timedelta(days=rng.randint(30, 900))
        if p.birth + timedelta(days=18 * 365) < left:
            p.history = [(home, p.birth + timedelta(days=18 * 365), left)]
    elif rng.random() < 0.15:
        region = world.region_of_addr(addr)
        old = world.new_address(rng, region if rng.random() < 0.8 else None)
        left = since
        for m in members:
            p = world.persons[m]
            since_old = max(p.birth, left - timedelta(days=rng.randint(400, 3_000)))
            if since_old < left:  # children born after the move were never registered there
                p.history = [(old, since_old, left)]
    if size >= 3:
        family_homes.append(addr)
    return members


def add_past_registrations(world: World) -> None:
    """Earlier addresses from the population register (up to thirty years back): adults moved
    every few years, into homes that others live in now. Old co-residence is a weak, mostly
    meaningless tie."""
    rng = world.rng("history")
    horizon = FIRST_EXTRACT - timedelta(days=30 * 365)
    for person in world.persons:
        if person.kind != "normal":
            continue
        adult_years = min(age_of(person) - 18, 30)
        if adult_years <= 0:
            continue
        moves = rng.randint(1, 2 + adult_years // 4) - len(person.history or [])
        region = world.region_of_addr(person.addr)
        end = person.history[0][1] if person.history else person.since
        history: list[tuple[int, date, date]] = []
        for _ in range(moves):
            start = max(
                end - timedelta(days=rng.randint(300, 3_000)),
                horizon,
                person.birth + timedelta(days=18 * 365),
            )
            if start >= end:
                break
            pool = (
                world.addr_by_region[region]
                if rng.random() < 0.75
                else world.addr_by_region[rng.choice(REGIONS)]
            )
            history.append((rng.choice(pool), start, end))
            end = start
        if history:
            person.history = history[::-1] + (person.history or [])


def _homes_by_region(world: World) -> dict[str, list[int]]:
    """Current homes of ordinary households per region (no care homes, flats or offices)."""
    out: dict[str, list[int]] = {r: [] for r in REGIONS}
    seen: set[int] = set()
    for p in world.persons:
        if p.kind == "normal" and p.addr not in seen:
            seen.add(p.addr)
            out[world.region_of_addr(p.addr)].append(p.addr)
    return out


def add_childhood_registrations(world: World) -> None:
    """Childhood homes in the population register: adults born less than 48 years ago were
    registered as children at their parents' homes (one to three of them, two on average for a
    whole childhood: families move every seven years or so), and children born before their
    household moved in were registered at its previous home. Like all ended registrations this
    is a weak tie (old co-residence), mostly within the region."""
    rng = world.rng("childhood")
    horizon = FIRST_EXTRACT - timedelta(days=30 * 365)
    homes = _homes_by_region(world)
    adults_at: dict[int, list[int]] = {}
    for i, p in enumerate(world.persons):
        if p.kind == "normal" and age_of(p) >= 18:
            adults_at.setdefault(p.addr, []).append(i)
    for p in world.persons:
        if p.kind != "normal":
            continue
        start = max(p.birth, horizon)
        if age_of(p) < 18:
            if p.history or (p.since - start).days < 180:
                continue
            earlier = [
                h
                for a in adults_at.get(p.addr, ())
                if world.persons[a].since == p.since
                for h in (world.persons[a].history or [])[-1:]
                if h[2] == p.since
            ]
            if earlier:
                addr, since, _ = earlier[0]
                p.history = [(addr, max(since, start), p.since)]
            else:
                pool = homes[world.region_of_addr(p.addr)] or [p.addr]
                p.history = [(rng.choice(pool), start, p.since)]
            continue
        history = p.history or []
        end = history[0][1] if history else p.since
        if history and end == p.birth + timedelta(days=18 * 365):
            # registered at the parental home since turning 18: there since birth
            addr, _, left = history[0]
            history[0] = (addr, start, left)
            continue
        if (end - start).days < 365:
            continue
        first = history[0][0] if history else p.addr
        region = world.region_of_addr(first) if rng.random() < 0.8 else rng.choice(REGIONS)
        pool = homes[region] or homes[world.region_of_addr(first)] or [first]
        years = (end - start).days / 365
        count = 1 + (years > 5 and rng.random() < 0.6) + (years > 10 and rng.random() < 0.4)
        cuts = sorted(
            start + timedelta(days=rng.randint(180, max(181, (end - start).days - 180)))
            for _ in range(count - 1)
        )
        bounds = [start, *cuts, end]
        childhood = [
            (rng.choice(pool), bounds[i], bounds[i + 1])
            for i in range(count)
            if bounds[i] < bounds[i + 1]
        ]
        p.history = childhood + history


def add_institution_registrations(world: World) -> None:
    """Care-home residents lived in their own homes before they moved in (one or two of them,
    mostly in the same region); students often had a room elsewhere before their flat."""
    rng = world.rng("institution-history")
    homes = _homes_by_region(world)
    for p in world.persons:
        region = world.region_of_addr(p.addr)
        pool = homes[region] or [p.addr]
        if p.kind == "care":
            end = p.since
            history: list[tuple[int, date, date]] = []
            for _ in range(1 + (rng.random() < 0.4)):
                start = end - timedelta(days=rng.randint(3 * 365, 25 * 365))
                addr = rng.choice(
                    pool if rng.random() < 0.8 else homes[rng.choice(REGIONS)] or pool
                )
                history.append((addr, start, end))
                end = start
            p.history = history[::-1]
        elif p.kind == "student" and rng.random() < 0.5:
            adult = p.birth + timedelta(days=18 * 365)
            start = max(adult, p.since - timedelta(days=rng.randint(200, 900)))
            if (p.since - start).days < 120:
                continue
            earlier = [(a, s, min(e, start)) for a, s, e in p.history or [] if s < start]
            p.history = [*earlier, (rng.choice(pool), start, p.since)]


def add_joint_accounts(world: World) -> None:
    """Couples often make a personal account a joint one (en/of-rekening): the partner becomes
    a second holder."""
    rng = world.rng("joint-accounts")
    holders: dict[str, list[int]] = {}
    for token, holder in world.accounts:
        holders.setdefault(token, []).append(holder)
    adults: dict[int, list[int]] = {}
    for i, p in enumerate(world.persons):
        if p.kind == "normal" and age_of(p) >= 22:
            adults.setdefault(p.addr, []).append(i)
    for token, owners in list(holders.items()):
        if len(owners) != 1 or is_company(owners[0]):
            continue
        household = adults.get(world.persons[owners[0]].addr, [])
        if len(household) == 2 and rng.random() < 0.3:
            partner = household[1] if household[0] == owners[0] else household[0]
            world.accounts.append((token, partner))


def add_business_account_holders(world: World) -> None:
    """The owner of a sole proprietorship or the partners of a general partnership are liable
    for the business and hold its account with it (the tax office's bank data name them)."""
    for c in world.companies:
        if c.form in ("eenmanszaak", "vof") and c.accounts and c.net < 0:
            for holder, _ in c.directors:
                if not is_company(holder):
                    world.accounts.append((c.accounts[0], holder))


def add_foreigners(world: World) -> None:
    rng = world.rng("foreigners")
    sponsors = [company_ref(i) for i, c in enumerate(world.companies) if len(c.employees) >= 10]
    adults = [i for i, p in enumerate(world.persons) if p.kind == "normal" and age_of(p) >= 25]
    for n in range(world.preset.foreigners):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        dob = date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
        token = pseudonymise_name_dob(name, dob, world.key)
        kind = rng.choices(("arbeid", "kennismigrant", "gezin", "studie"), (4, 2, 3, 1))[0]
        if kind in ("arbeid", "kennismigrant") and sponsors:
            sponsor = rng.choice(sponsors)
        else:
            sponsor = rng.choice(adults)
        start = FIRST_EXTRACT - timedelta(days=rng.randint(10, 1_800))
        world.foreigners.append(
            Foreigner(token, f"IND-{start.year}-{n + 1:07d}", kind, start, sponsor)
        )


def add_background_relations(world: World) -> None:
    """Ordinary investigations also record calls and meetings between ordinary suspects."""
    rng = world.rng("relations")
    workers = workers_by_region(world)
    for n in range(max(3, len(world.persons) // 300)):
        region = rng.choice(REGIONS)
        if len(workers[region]) < 2:
            continue
        a, b = rng.sample(workers[region], k=2)
        day = FIRST_EXTRACT - timedelta(days=rng.randint(10, 700))
        world.relations.append(
            Relation(a, b, rng.choice(("called", "met")), day, f"ONDZ-{day.year}-{n + 1:04d}")
        )
