"""Employment history: second jobs and the tax office's payroll records since 2006."""

from __future__ import annotations

from datetime import date, timedelta

from graph.vocabulary import REGIONS
from ingest.synthetic.model import FIRST_EXTRACT, PAYROLL_SINCE, Person, age_of
from ingest.synthetic.vocabulary import FLEX_SBI
from ingest.synthetic.world import World

__all__ = ["add_payroll_history", "add_second_jobs"]


def _spell_days(age: int) -> float:
    """Mean length of a job at ``age``: side and temp jobs when young, long ones later."""
    return 300.0 if age < 23 else 900.0 if age < 30 else 2_200.0 if age < 45 else 3_500.0


_Pools = tuple[dict[str, list[int]], dict[str, list[int]], list[int]]


def _employer_pools(world: World) -> _Pools:
    """Ordinary employers per region (each as often as its workforce per site), the same for
    flex activities, and all of them: drawn from, big employers hire most."""
    hubs = set(world.hubs)
    general: dict[str, list[int]] = {r: [] for r in REGIONS}
    flex: dict[str, list[int]] = {r: [] for r in REGIONS}
    for i, c in enumerate(world.companies):
        if (
            c.net >= 0
            or c.office in hubs
            or c.sbi in ("6420", "8211")
            or (c.form in ("eenmanszaak", "vereniging") and not c.employees)
        ):
            continue
        sites = list(dict.fromkeys([c.office, *c.establishments]))
        weight = max(1, (1 + len(c.employees)) // len(sites))
        for addr in sites:
            region = world.region_of_addr(addr)
            general[region].extend([i] * weight)
            if c.sbi in FLEX_SBI:
                flex[region].extend([i] * weight)
    return general, flex, [c for region in REGIONS for c in general[region]]


def add_second_jobs(world: World) -> None:
    """Jobs on the side now: about one employee in ten has a second employer, about half of
    those aged 15 to 17 and most students a side job in a shop, restaurant or through an
    agency. Decoy employers keep the workforce they were built with."""
    rng = world.rng("second-jobs")
    general, flex, everywhere = _employer_pools(world)
    if not everywhere:
        return
    decoys = {c for d in world.decoys for c in d.companies}
    employed: dict[int, set[int]] = {}
    for i, c in enumerate(world.companies):
        for person, _ in c.employees:
            employed.setdefault(person, set()).add(i)
    for i, p in enumerate(world.persons):
        age = age_of(p)
        if p.kind == "normal" and 15 <= age <= 17:
            chance, pools = 0.45, flex
        elif p.kind == "student":
            chance, pools = 0.6, flex
        elif p.kind == "normal" and i in employed and age <= 67:
            chance, pools = 0.1, general
        else:
            continue
        if rng.random() >= chance:
            continue
        region = world.region_of_addr(p.addr)
        company = rng.choice(pools[region] or general[region] or everywhere)
        if company in decoys or company in employed.get(i, ()):
            continue
        c = world.companies[company]
        since = max(
            c.founded,
            p.birth + timedelta(days=15 * 365),
            FIRST_EXTRACT - timedelta(days=int(rng.expovariate(1 / 600)) + 1),
        )
        c.employees.append((i, since))


def add_payroll_history(world: World) -> None:
    """Ended employments since :data:`PAYROLL_SINCE` (the tax office's payroll records): side
    jobs from 15, student and temp jobs, then a few employers over a career; retired people's
    last jobs. Most people had their earlier jobs in the region they lived in then; employers
    are drawn by workforce (big employers and staffing agencies hire many, the young mostly in
    flex activities), so the number of past employees per employer is heavy-tailed like the
    current workforce. About one adult in ten without a job now never appears (self-employed,
    not working)."""
    rng = world.rng("payroll")
    general, flex, everywhere = _employer_pools(world)
    if not everywhere:
        return
    current: dict[int, set[int]] = {}
    first_day: dict[int, date] = {}
    for i, c in enumerate(world.companies):
        for person, since in c.employees:
            current.setdefault(person, set()).add(i)
            first_day[person] = min(first_day.get(person, since), since)
    for i, p in enumerate(world.persons):
        age = age_of(p)
        if p.kind not in ("normal", "student") or not 15 <= age <= 80:
            continue
        if age >= 18 and i not in current and rng.random() < 0.1:
            continue
        earliest = max(PAYROLL_SINCE, p.birth + timedelta(days=15 * 365))
        if i in first_day:
            end = first_day[i] - timedelta(days=int(rng.expovariate(1 / 60)) + 1)
        elif age >= 67:
            end = p.birth + timedelta(days=rng.randint(60 * 365, 67 * 365))
        else:
            end = FIRST_EXTRACT - timedelta(days=int(rng.expovariate(1 / 500)) + 1)
        used = set(current.get(i, ()))
        while end > earliest:
            at = FIRST_EXTRACT.year - p.birth.year - (FIRST_EXTRACT - end).days // 365
            start = max(
                earliest, end - timedelta(days=int(rng.expovariate(1 / _spell_days(at))) + 30)
            )
            region = _region_on(world, p, end) if rng.random() < 0.9 else rng.choice(REGIONS)
            pool = (
                flex[region]
                if at < 25 and flex[region] and rng.random() < 0.6
                else general[region] or everywhere
            )
            for _ in range(4):  # an employer that existed then and is new to the person
                company = rng.choice(pool)
                c = world.companies[company]
                if company not in used and c.founded < end - timedelta(days=30):
                    used.add(company)
                    c.past_employees.append((i, max(start, c.founded), end))
                    break
            gap = rng.expovariate(1 / 90) if rng.random() < 0.8 else rng.expovariate(1 / 600)
            end = start - timedelta(days=int(gap) + 1)


def _region_on(world: World, p: Person, day: date) -> str:
    """The region a person lived in on ``day`` (from the registrations; current if unknown)."""
    for addr, since, until in p.history or ():
        if since <= day < until:
            return world.region_of_addr(addr)
    return world.region_of_addr(p.addr)
