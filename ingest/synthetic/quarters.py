"""The events of one quarter (:func:`quarter_events`): the background's ordinary incidents,
inspections, investigations and permits, then those of the active planted networks."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from ingest.synthetic.events import (
    KMAR_PLACES,
    PROVINCE_CODES,
    Draw,
    Event,
    Inquiry,
    Permit,
    QuarterEvents,
)
from ingest.synthetic.model import company_ref, is_company
from ingest.synthetic.network_events import network_events
from ingest.synthetic.world import World

__all__ = ["quarter_events"]

#: Ordinary police incident types with their relative frequency (registered crime mix).
_POLICE_TYPES: Final = (
    ("theft", 25.0),
    ("burglary", 12.0),
    ("traffic", 15.0),
    ("public_order", 12.0),
    ("violence", 14.0),
    ("fraud", 8.0),
    ("drugs", 6.0),
    ("weapons", 2.0),
    ("cannabis_grow_site", 1.2),
    ("energy_theft", 0.8),
    ("extortion", 1.0),
    ("money_laundering_signal", 0.5),
)


def quarter_events(world: World, quarter: int) -> QuarterEvents:
    """All events of ``quarter`` given the world's current state (pure: nothing is changed)."""
    draw = Draw(world, quarter)
    _background(draw)
    for index, net in enumerate(world.networks):
        if not net.active or (net.quarters is not None and quarter not in net.quarters):
            continue
        network_events(draw, index, net)
    prov_seq = 0
    for permit in draw.out.permits:
        if permit.partner == "PROV":
            prov_seq += 1
            province = world.places.municipalities[world.addresses[permit.addr][3]].province
            permit.id = (
                f"P-{PROVINCE_CODES.get(province, 'PV00')}-{draw.year}-{quarter:02d}{prov_seq:03d}"
            )
    return draw.out


def _background(d: Draw) -> None:
    """The quarter's ordinary events, in a fixed order (one random stream)."""
    _police_incidents(d)
    _illegal_occupancy(d)
    _border_checks(d)
    companies = [i for i, c in enumerate(d.world.companies) if c.active]
    _customs_seizures(d, companies)
    _labour_inspections(d, companies)
    _fiscal_inquiries(d, companies)
    _permits(d, companies)


def _police_incidents(d: Draw) -> None:
    """Ordinary police incidents, and premises closed after a grow site."""
    world, rng = d.world, d.rng
    types = [t for t, _ in _POLICE_TYPES]
    weights = [w for _, w in _POLICE_TYPES]
    count = int(len(world.persons) * world.preset.incident_rate)
    for _ in range(count):
        kind = rng.choices(types, weights)[0]
        ev = Event("POL", d.next_id("POL"), kind, d.day(), None)
        suspect = d.person()
        region = world.region_of(suspect)
        home = world.persons[suspect].addr
        ev.addr = (
            home
            if kind in ("cannabis_grow_site", "energy_theft") or rng.random() < 0.35
            else (d.addr_in(region) if rng.random() < 0.9 else None)
        )
        roll = rng.random()
        if roll < 0.75:
            ev.persons.append((suspect, "suspect"))
            if rng.random() < 0.2:
                ev.persons.append((d.near(suspect), "suspect"))
        else:
            ev.persons.append((suspect, "involved"))
        if kind in ("violence", "theft", "burglary", "extortion", "fraud") and rng.random() < 0.6:
            ev.persons.append((d.near(suspect), "victim"))
        if rng.random() < 0.15:
            ev.persons.append((d.near(suspect), "witness"))
        cars = world.vehicle_users.get(suspect)
        if cars and (kind == "traffic" or rng.random() < 0.08):
            ev.vehicles.append((rng.choice(cars), suspect))
        if (kind == "drugs" and rng.random() < 0.4) or rng.random() < 0.03:
            ev.phones.append((world.phone_token(suspect), suspect))
        d.out.events.append(ev)
        d.prosecute(ev, 0.45)
        if kind == "cannabis_grow_site" and rng.random() < 0.6:
            closure = Event(
                "GEM",
                d.gem_id("H", home),
                "premises_closure",
                ev.day + timedelta(days=rng.randint(5, 40)),
                home,
                [(suspect, "involved")],
            )
            d.out.events.append(closure)


def _illegal_occupancy(d: Draw) -> None:
    """Municipal findings of illegal occupancy."""
    world = d.world
    for _ in range(max(1, len(world.persons) // 5_000)):
        person = d.person()
        addr = world.persons[person].addr
        d.out.events.append(
            Event(
                "GEM",
                d.gem_id("H", addr),
                "illegal_occupancy",
                d.day(),
                addr,
                [(person, "involved")],
            )
        )


def _border_checks(d: Draw) -> None:
    """KMar: border and airport checks, often of travellers known only by name + birth date."""
    world, rng = d.world, d.rng
    for _ in range(max(1, int(len(world.persons) * 0.0008))):
        ev = Event(
            "KMAR",
            d.next_id("KMAR"),
            rng.choices(("border_incident", "identity_fraud", "drugs", "seizure"), (6, 2, 1, 1))[0],
            d.day(),
            None,
            place=rng.choice(KMAR_PLACES),
        )
        if world.foreigners and rng.random() < 0.4:
            ev.persons.append((rng.choice(world.foreigners).token, "suspect"))
        else:
            p = d.person()
            ev.persons.append((p, rng.choice(("suspect", "involved"))))
            cars = world.vehicle_users.get(p)
            if cars and rng.random() < 0.3:
                ev.vehicles.append((rng.choice(cars), p))
        d.out.events.append(ev)


def _customs_seizures(d: Draw, companies: list[int]) -> None:
    """Customs seizures at companies and with persons."""
    world, rng = d.world, d.rng
    for _ in range(max(1, int(len(world.persons) * 0.0002))):
        ev = Event(
            "DOU",
            d.next_id("DOU"),
            rng.choice(("seizure", "drugs", "weapons")),
            d.day(),
            None,
            goods=rng.choice(("cash", "cigarettes", "cocaine", "cannabis")),
        )
        traders = [
            c
            for c in rng.sample(companies, k=min(30, len(companies)))
            if world.companies[c].trading
        ]
        if traders:
            ev.companies.append(traders[0])
        if rng.random() < 0.5:
            ev.persons.append((d.person(), "suspect"))
        d.out.events.append(ev)


def _labour_inspections(d: Draw, companies: list[int]) -> None:
    """Labour inspections with findings."""
    world, rng = d.world, d.rng
    employers = [c for c in companies if world.companies[c].employees]
    for _ in range(max(1, int(len(employers) * 0.01))):
        c = rng.choice(employers)
        comp = world.companies[c]
        site = rng.choice([comp.office, *comp.establishments])
        ev = Event(
            "NLA",
            d.next_id("NLA"),
            rng.choices(("labour_exploitation", "fraud"), (3, 7))[0],
            d.day(),
            site,
            companies=[c],
        )
        for p, _ in rng.sample(comp.employees, k=min(3, len(comp.employees))):
            ev.persons.append((p, "involved"))
        if world.foreigners and rng.random() < 0.3:
            ev.persons.append(
                (
                    rng.choice(world.foreigners).token,
                    "victim" if ev.type == "labour_exploitation" else "involved",
                )
            )
        d.out.events.append(ev)


def _fiscal_inquiries(d: Draw, companies: list[int]) -> None:
    """FIOD fiscal investigations of ordinary companies."""
    world, rng = d.world, d.rng
    for _ in range(max(1, int(len(companies) * 0.0015))):
        c = rng.choice(companies)
        comp = world.companies[c]
        people = [(h, "suspect") for h, _ in comp.directors if not is_company(h)][:1]
        d.out.inquiries.append(
            Inquiry(d.next_id("FIOD"), "fiscal", d.day(), people, [(c, "suspect")])
        )


def _permits(d: Draw, companies: list[int]) -> None:
    """Permit applications: municipalities (some screened under Bibob) and provinces."""
    world, rng = d.world, d.rng
    for _ in range(max(2, int(len(companies) * 0.01))):
        c = rng.choice(companies)
        comp = world.companies[c]
        horeca = comp.sbi in ("5610", "5630")
        kind = (
            "drank_en_horeca"
            if horeca
            else rng.choice(("exploitatie", "bouw", "evenement", "bouw", "speelautomaten"))
        )
        site = rng.choice([comp.office, *comp.establishments])
        applicant = company_ref(c)
        if comp.form == "eenmanszaak" and comp.directors:
            applicant = comp.directors[0][0]
        d.out.permits.append(
            Permit(
                "GEM",
                d.gem_id("V", site),
                d.day(),
                kind,
                applicant,
                site,
                horeca and rng.random() < 0.4,
                rng.choices(("verleend", "geweigerd", "in_behandeling"), (80, 4, 16))[0],
            )
        )
    for _ in range(max(1, int(len(companies) * 0.004))):
        c = rng.choice(companies)
        comp = world.companies[c]
        site = rng.choice([comp.office, *comp.establishments])
        kind = rng.choice(("omgevingsvergunning", "subsidie"))
        d.out.permits.append(
            Permit(
                "PROV",
                "",
                d.day(),
                kind,
                company_ref(c),
                site,
                False,
                rng.choices(("verleend", "geweigerd", "in_behandeling"), (80, 5, 15))[0],
                rng.randint(5, 500) * 1_000 if kind == "subsidie" else None,
            )
        )
