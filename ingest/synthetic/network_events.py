"""A planted network's events of one quarter: its cells' incidents, transports and
gatherings, a money-laundering investigation, its front businesses' permits."""

from __future__ import annotations

from datetime import date, timedelta

from ingest.synthetic.events import KMAR_PLACES, Draw, Event, Inquiry, Permit
from ingest.synthetic.model import Network, company_ref, is_company

__all__ = ["network_events"]


def network_events(d: Draw, index: int, net: Network) -> None:
    """A planted network's events of the quarter, cell by cell and then network-wide."""
    for region, cell in net.cells.items():
        if not cell:
            continue
        _cell(d, net, region, cell)
    _gatherings(d, net)
    _laundering_inquiry(d, index, net)
    _front_permits(d, net)


def _cell(d: Draw, net: Network, region: str, cell: list[int]) -> None:
    """Up to two incidents of one regional cell, and its transports."""
    world = d.world
    leader = net.cell_leader.get(region)
    phone = next(((t, u) for t, u in net.phones if set(u) & set(cell)), None)
    vehicle = next(
        (v for v in net.vehicles if any(v in world.vehicle_users.get(m, []) for m in cell)), None
    )
    for _ in range(2):
        _cell_incident(d, net, region, cell, leader, phone, vehicle)
    _cell_transport(d, net, cell, vehicle)


def _cell_incident(
    d: Draw,
    net: Network,
    region: str,
    cell: list[int],
    leader: int | None,
    phone: tuple[str, list[int]] | None,
    vehicle: int | None,
) -> None:
    rng = d.rng
    if rng.random() > 0.55:
        return
    sample = rng.sample(cell, k=min(len(cell), rng.randint(2, 3)))
    if leader is not None and leader not in sample and rng.random() < 0.3:
        sample.append(leader)
    kind, sites = _incident_kind(d, net, region)
    day = d.day()
    if kind == "cannabis_grow_site":
        _grow_site(d, net, cell, sites, day)
    elif kind == "labour_exploitation" and net.companies:
        _exploitation(d, net, sample, day)
    elif kind == "identity_fraud":
        ev = Event(
            "KMAR",
            d.next_id("KMAR"),
            kind,
            day,
            None,
            [(m, "suspect") for m in sample],
            place=rng.choice(KMAR_PLACES),
        )
        d.out.events.append(ev)
    else:
        _cell_police_event(d, net, region, sample, kind, day, phone, vehicle)


def _incident_kind(d: Draw, net: Network, region: str) -> tuple[str, list[int]]:
    """The kind of a cell's incident, by typology, with the cell's grow sites (cannabis)."""
    rng = d.rng
    if net.typology == "cannabis":
        sites = [a for a, r in net.grow_sites if r == region]
        kind = (
            "cannabis_grow_site"
            if sites and rng.random() < 0.6
            else rng.choice(("drugs", "drugs", "money_laundering_signal", "weapons"))
        )
        return kind, sites
    if net.typology == "omg":
        return rng.choices(("extortion", "violence", "drugs", "weapons"), (35, 30, 20, 15))[0], []
    return rng.choices(
        ("fraud", "money_laundering_signal", "labour_exploitation", "identity_fraud"),
        (30, 25, 30, 15),
    )[0], []


def _grow_site(d: Draw, net: Network, cell: list[int], sites: list[int], day: date) -> None:
    """A grow site found: suspects, energy theft, and the premises closed."""
    world, rng, roles = d.world, d.rng, net.roles
    site = rng.choice(sites)
    tenants = [m for m in cell if world.persons[m].addr == site]
    growers = [m for m in cell if roles.get(m) in ("grower", "electrician")]
    suspects = list(dict.fromkeys(tenants + rng.sample(growers, k=min(2, len(growers)))))
    ev = Event(
        "POL", d.next_id("POL"), "cannabis_grow_site", day, site, [(m, "suspect") for m in suspects]
    )
    if suspects and rng.random() < 0.4:  # a neighbour reported the smell
        ev.persons.append((d.near(suspects[0]), "witness"))
    d.out.events.append(ev)
    d.prosecute(ev, 0.8, net.case)
    if rng.random() < 0.7:
        d.out.events.append(
            Event(
                "POL",
                d.next_id("POL"),
                "energy_theft",
                day - timedelta(days=rng.randint(1, 30)),
                site,
                [(m, "involved") for m in tenants],
            )
        )
    landlords = [m for m in cell if roles.get(m) == "landlord"]
    if rng.random() < 0.7:
        d.out.events.append(
            Event(
                "GEM",
                d.gem_id("H", site),
                "premises_closure",
                day + timedelta(days=rng.randint(5, 40)),
                site,
                [(m, "involved") for m in tenants + landlords],
            )
        )


def _exploitation(d: Draw, net: Network, sample: list[int], day: date) -> None:
    """A labour inspection at one of the network's companies, with foreign victims."""
    world, rng = d.world, d.rng
    c = rng.choice(net.companies)
    comp = world.companies[c]
    ev = Event("NLA", d.next_id("NLA"), "labour_exploitation", day, comp.office, companies=[c])
    ev.persons = [(m, "suspect") for m in sample[:2]]
    if world.foreigners:
        ev.persons += [
            (f.token, "victim")
            for f in rng.sample(world.foreigners, k=min(3, len(world.foreigners)))
        ]
    d.out.events.append(ev)


def _cell_police_event(
    d: Draw,
    net: Network,
    region: str,
    sample: list[int],
    kind: str,
    day: date,
    phone: tuple[str, list[int]] | None,
    vehicle: int | None,
) -> None:
    """A police incident of the cell, with its phone and vehicle now and then."""
    world, rng = d.world, d.rng
    addr = d.addr_in(region)
    if net.companies and rng.random() < 0.3:
        addr = world.companies[rng.choice(net.companies)].office
    ev = Event("POL", d.next_id("POL"), kind, day, addr, [(m, "suspect") for m in sample])
    if kind in ("extortion", "violence"):
        ev.persons.append((d.near(sample[0]), "victim"))
    elif rng.random() < 0.3:
        ev.persons.append((d.near(sample[0]), "witness"))
    if phone is not None and rng.random() < 0.6:
        for user in phone[1][:2]:
            ev.phones.append((phone[0], user))
    if vehicle is not None and rng.random() < 0.5:
        users = [m for m in sample if vehicle in world.vehicle_users.get(m, [])]
        ev.vehicles.append((vehicle, users[0] if users else None))
    d.out.events.append(ev)
    d.prosecute(ev, 0.7, net.case)


def _cell_transport(d: Draw, net: Network, cell: list[int], vehicle: int | None) -> None:
    """Transport: border checks and customs seizures with the network's vehicle."""
    world, rng = d.world, d.rng
    if vehicle is not None and rng.random() < 0.25:
        users = [m for m in cell if vehicle in world.vehicle_users.get(m, [])]
        driver = users[0] if users else cell[0]
        d.out.events.append(
            Event(
                "KMAR",
                d.next_id("KMAR"),
                "border_incident",
                d.day(),
                None,
                [(driver, "involved")],
                vehicles=[(vehicle, driver)],
                place=rng.choice(KMAR_PLACES),
            )
        )
    if net.typology == "cannabis" and rng.random() < 0.12:
        ev = Event(
            "DOU",
            d.next_id("DOU"),
            "seizure",
            d.day(),
            None,
            [(rng.choice(cell), "suspect")],
            goods=rng.choice(("cannabis", "cash")),
        )
        own = [c for c in net.companies if any(h in cell for h, _ in world.companies[c].directors)]
        if own:
            ev.companies.append(own[-1])
        if vehicle is not None:
            ev.vehicles.append((vehicle, None))
        d.out.events.append(ev)


def _gatherings(d: Draw, net: Network) -> None:
    """A run, a meeting, a transport with members of several cells at once."""
    rng = d.rng
    for leader in dict.fromkeys(net.cell_leader.values()):
        if rng.random() > 0.6:
            continue
        cells = [
            c
            for r, c in net.cells.items()
            if c and (not net.apart or net.cell_leader.get(r) == leader)
        ]
        gathered = list(dict.fromkeys([leader, *(rng.choice(c) for c in cells)]))
        if len(gathered) < 3:
            continue
        kind = {"omg": "public_order", "cannabis": "drugs"}.get(net.typology, "fraud")
        ev = Event(
            "POL",
            d.next_id("POL"),
            kind,
            d.day(),
            None,
            [(m, "suspect" if kind != "public_order" else "involved") for m in gathered],
        )
        d.out.events.append(ev)


def _laundering_inquiry(d: Draw, index: int, net: Network) -> None:
    """One FIOD money-laundering investigation per network, in a quarter fixed by its index."""
    if net.typology == "omg" or (index * 5 + 3) % 8 != d.q % 8:
        return
    people = [
        (m, "suspect")
        for m, role in net.roles.items()
        if not is_company(m) and role in ("money_launderer", "leader")
    ]
    if net.apart:  # a network that will split: the investigation targets one part
        people = [(m, r) for m, r in people if net.roles[m] == "money_launderer"]
    comps = [
        (-m - 1, "involved")
        for m, role in net.roles.items()
        if is_company(m) and role in ("cash_business", "real_estate", "front_business")
    ]
    d.out.inquiries.append(Inquiry(d.next_id("FIOD"), "money_laundering", d.day(), people, comps))


def _front_permits(d: Draw, net: Network) -> None:
    """Front businesses apply for permits; the municipality screens them."""
    world, rng = d.world, d.rng
    for c in net.companies:
        if rng.random() < 0.2:
            comp = world.companies[c]
            d.out.permits.append(
                Permit(
                    "GEM",
                    d.gem_id("V", comp.office),
                    d.day(),
                    "exploitatie" if comp.sbi != "5610" else "drank_en_horeca",
                    company_ref(c),
                    comp.office,
                    rng.random() < 0.7,
                    rng.choices(("verleend", "geweigerd", "in_behandeling"), (50, 30, 20))[0],
                )
            )
