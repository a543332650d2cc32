"""Dated events of one quarter, drawn from the world's state: incidents, cases, investigations,
permit applications. Drawing is pure (the world is not changed), so a quarter gives the same
events in every wave whose window holds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from ingest.synthetic.model import FIRST_EXTRACT, Network, company_ref, is_company, quarter_start
from ingest.synthetic.world import World

__all__ = ["Case", "Event", "Inquiry", "Permit", "QuarterEvents", "quarter_events"]

PROVINCE_CODES: Final = {
    "Groningen": "PV20", "Fryslân": "PV21", "Drenthe": "PV22", "Overijssel": "PV23",
    "Flevoland": "PV24", "Gelderland": "PV25", "Utrecht": "PV26", "Noord-Holland": "PV27",
    "Zuid-Holland": "PV28", "Zeeland": "PV29", "Noord-Brabant": "PV30", "Limburg": "PV31",
}

#: Ordinary police incident types with their relative frequency (registered crime mix).
_POLICE_TYPES: Final = (
    ("theft", 25.0), ("burglary", 12.0), ("traffic", 15.0), ("public_order", 12.0),
    ("violence", 14.0), ("fraud", 8.0), ("drugs", 6.0), ("weapons", 2.0),
    ("cannabis_grow_site", 1.2), ("energy_theft", 0.8), ("extortion", 1.0),
    ("money_laundering_signal", 0.5),
)
_OFFENCE: Final = {
    "cannabis_grow_site": "OPIUMW-3B", "energy_theft": "SR-310", "drugs": "OPIUMW-2",
    "extortion": "SR-317", "violence": "SR-302", "weapons": "WWM-26", "theft": "SR-310",
    "burglary": "SR-311", "fraud": "SR-326", "traffic": "WVW-8", "public_order": "SR-141",
    "money_laundering_signal": "SR-420BIS", "labour_exploitation": "SR-273F",
    "identity_fraud": "SR-231", "border_incident": "SR-197", "seizure": "OPIUMW-2",
    "premises_closure": "OPIUMW-3B", "illegal_occupancy": "SR-138",
}
_KMAR_PLACES: Final = ("Schiphol", "Eindhoven Airport", "Rotterdam The Hague Airport",
                       "Grenspost A67 Venlo", "Grenspost A16 Hazeldonk", "Grenspost A12 Zevenaar",
                       "Maastricht Aachen Airport", "Grenspost A1 Oldenzaal")

Who = int | str  # a person index, or a token for people known by name + date of birth


@dataclass(slots=True)
class Event:
    """An incident reported by a partner (police, KMar, customs, inspectorate, municipality)."""

    partner: str
    id: str
    type: str
    day: date
    addr: int | None
    persons: list[tuple[Who, str]] = field(default_factory=list)
    companies: list[int] = field(default_factory=list)
    vehicles: list[tuple[int, int | None]] = field(default_factory=list)
    phones: list[tuple[str, int | None]] = field(default_factory=list)
    place: str = ""
    goods: str = ""


@dataclass(slots=True)
class Case:
    """A prosecution case against one suspect (OM)."""

    id: str
    suspect: int
    offence: str
    day: date
    decision: str
    decided: date | None


@dataclass(slots=True)
class Inquiry:
    """A FIOD investigation with its subjects."""

    id: str
    kind: str
    start: date
    persons: list[tuple[int, str]]
    companies: list[tuple[int, str]]


@dataclass(slots=True)
class Permit:
    """A permit or subsidy application (municipality or province)."""

    partner: str
    id: str
    day: date
    kind: str
    applicant: int
    addr: int
    bibob: bool
    decision: str
    amount: int | None = None


@dataclass(slots=True)
class QuarterEvents:
    """Everything dated in one quarter."""

    quarter: int
    events: list[Event] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    inquiries: list[Inquiry] = field(default_factory=list)
    permits: list[Permit] = field(default_factory=list)


class _Draw:
    def __init__(self, world: World, quarter: int) -> None:
        self.world = world
        self.q = quarter
        self.rng = world.rng("quarter", quarter)
        self.start = quarter_start(quarter)
        self.year = self.start.year
        self.out = QuarterEvents(quarter)
        self.seq: dict[str, int] = {}
        self.people = [i for i, p in enumerate(world.persons)
                       if FIRST_EXTRACT.year - p.birth.year >= 14 and p.kind != "care"]

    def next_id(self, partner: str) -> str:
        n = self.seq.get(partner, 0) + 1
        self.seq[partner] = n
        q, y = f"{self.q:02d}", self.year
        if partner == "POL":
            return f"PL-{y}-{q}{n:05d}"
        if partner == "KMAR":
            return f"KM-{y}-{q}{n:04d}"
        if partner in ("DOU", "NLA"):
            return f"{partner}-{y}-{q}{n:04d}"
        if partner == "FIOD":
            return f"FIOD-{y}-{q}{n:03d}"
        if partner == "OM":
            return f"{10 + self.q:02d}-{n:06d}-{y % 100:02d}"
        raise ValueError(partner)

    def gem_id(self, prefix: str, addr: int) -> str:
        n = self.seq.get(prefix, 0) + 1
        self.seq[prefix] = n
        gm = self.world.addresses[addr][3]
        return f"{prefix}-{gm}-{self.year}-{self.q:02d}{n:03d}"

    def day(self) -> date:
        return self.start + timedelta(days=self.rng.randint(0, 89))

    def person(self) -> int:
        return self.rng.choice(self.people)

    def near(self, person: int) -> int:
        region = self.world.region_of(person)
        for _ in range(20):
            other = self.person()
            if self.world.region_of(other) == region and other != person:
                return other
        return self.person()

    def addr_in(self, region: str) -> int:
        return self.rng.choice(self.world.addr_by_region[region])

    def prosecute(self, event: Event, share: float) -> None:
        for who, role in event.persons:
            if role == "suspect" and isinstance(who, int) and self.rng.random() < share:
                decision = self.rng.choices(
                    ("dagvaarding", "sepot", "transactie", "strafbeschikking", "in_behandeling"),
                    (35, 15, 10, 20, 20))[0]
                decided = None if decision == "in_behandeling" else \
                    event.day + timedelta(days=self.rng.randint(20, 200))
                self.out.cases.append(Case(self.next_id("OM"), who, _OFFENCE[event.type],
                                           event.day, decision, decided))


def _background(d: _Draw) -> None:
    """The quarter's ordinary events, in a fixed order (one random stream)."""
    _police_incidents(d)
    _illegal_occupancy(d)
    _border_checks(d)
    companies = [i for i, c in enumerate(d.world.companies) if c.active]
    _customs_seizures(d, companies)
    _labour_inspections(d, companies)
    _fiscal_inquiries(d, companies)
    _permits(d, companies)


def _police_incidents(d: _Draw) -> None:
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
        ev.addr = home if kind in ("cannabis_grow_site", "energy_theft") or rng.random() < 0.35 \
            else (d.addr_in(region) if rng.random() < 0.9 else None)
        roll = rng.random()
        if roll < 0.75:
            ev.persons.append((suspect, "suspect"))
            if rng.random() < 0.2:
                ev.persons.append((d.near(suspect), "suspect"))
        else:
            ev.persons.append((suspect, "involved"))
        if kind in ("violence", "theft", "burglary", "extortion", "fraud") and \
                rng.random() < 0.6:
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
            closure = Event("GEM", d.gem_id("H", home), "premises_closure",
                            ev.day + timedelta(days=rng.randint(5, 40)), home, [(suspect,
                                                                                "involved")])
            d.out.events.append(closure)


def _illegal_occupancy(d: _Draw) -> None:
    """Municipal findings of illegal occupancy."""
    world = d.world
    for _ in range(max(1, len(world.persons) // 5_000)):
        person = d.person()
        addr = world.persons[person].addr
        d.out.events.append(Event("GEM", d.gem_id("H", addr), "illegal_occupancy", d.day(), addr,
                                  [(person, "involved")]))


def _border_checks(d: _Draw) -> None:
    """KMar: border and airport checks, often of travellers known only by name + birth date."""
    world, rng = d.world, d.rng
    for _ in range(max(1, int(len(world.persons) * 0.0008))):
        ev = Event("KMAR", d.next_id("KMAR"), rng.choices(
            ("border_incident", "identity_fraud", "drugs", "seizure"), (6, 2, 1, 1))[0],
            d.day(), None, place=rng.choice(_KMAR_PLACES))
        if world.foreigners and rng.random() < 0.4:
            ev.persons.append((rng.choice(world.foreigners).token, "suspect"))
        else:
            p = d.person()
            ev.persons.append((p, rng.choice(("suspect", "involved"))))
            cars = world.vehicle_users.get(p)
            if cars and rng.random() < 0.3:
                ev.vehicles.append((rng.choice(cars), p))
        d.out.events.append(ev)


def _customs_seizures(d: _Draw, companies: list[int]) -> None:
    """Customs seizures at companies and with persons."""
    world, rng = d.world, d.rng
    for _ in range(max(1, int(len(world.persons) * 0.0002))):
        ev = Event("DOU", d.next_id("DOU"), rng.choice(("seizure", "drugs", "weapons")),
                   d.day(), None, goods=rng.choice(("cash", "cigarettes", "cocaine", "cannabis")))
        traders = [c for c in rng.sample(companies, k=min(30, len(companies)))
                   if world.companies[c].trading]
        if traders:
            ev.companies.append(traders[0])
        if rng.random() < 0.5:
            ev.persons.append((d.person(), "suspect"))
        d.out.events.append(ev)


def _labour_inspections(d: _Draw, companies: list[int]) -> None:
    """Labour inspections with findings."""
    world, rng = d.world, d.rng
    employers = [c for c in companies if world.companies[c].employees]
    for _ in range(max(1, int(len(employers) * 0.01))):
        c = rng.choice(employers)
        comp = world.companies[c]
        site = rng.choice([comp.office, *comp.establishments])
        ev = Event("NLA", d.next_id("NLA"), rng.choices(("labour_exploitation", "fraud"),
                                                        (3, 7))[0], d.day(), site, companies=[c])
        for p, _ in rng.sample(comp.employees, k=min(3, len(comp.employees))):
            ev.persons.append((p, "involved"))
        if world.foreigners and rng.random() < 0.3:
            ev.persons.append((rng.choice(world.foreigners).token,
                               "victim" if ev.type == "labour_exploitation" else "involved"))
        d.out.events.append(ev)


def _fiscal_inquiries(d: _Draw, companies: list[int]) -> None:
    """FIOD fiscal investigations of ordinary companies."""
    world, rng = d.world, d.rng
    for _ in range(max(1, int(len(companies) * 0.0015))):
        c = rng.choice(companies)
        comp = world.companies[c]
        people = [(h, "suspect") for h, _ in comp.directors if not is_company(h)][:1]
        d.out.inquiries.append(Inquiry(d.next_id("FIOD"), "fiscal", d.day(), people,
                                       [(c, "suspect")]))


def _permits(d: _Draw, companies: list[int]) -> None:
    """Permit applications: municipalities (some screened under Bibob) and provinces."""
    world, rng = d.world, d.rng
    for _ in range(max(2, int(len(companies) * 0.01))):
        c = rng.choice(companies)
        comp = world.companies[c]
        horeca = comp.sbi in ("5610", "5630")
        kind = "drank_en_horeca" if horeca else rng.choice(
            ("exploitatie", "bouw", "evenement", "bouw", "speelautomaten"))
        site = rng.choice([comp.office, *comp.establishments])
        applicant = company_ref(c)
        if comp.form == "eenmanszaak" and comp.directors:
            applicant = comp.directors[0][0]
        d.out.permits.append(Permit("GEM", d.gem_id("V", site), d.day(), kind, applicant, site,
                                    horeca and rng.random() < 0.4, rng.choices(
                                        ("verleend", "geweigerd", "in_behandeling"),
                                        (80, 4, 16))[0]))
    for _ in range(max(1, int(len(companies) * 0.004))):
        c = rng.choice(companies)
        comp = world.companies[c]
        site = rng.choice([comp.office, *comp.establishments])
        kind = rng.choice(("omgevingsvergunning", "subsidie"))
        d.out.permits.append(Permit(
            "PROV", "", d.day(), kind, company_ref(c), site, False,
            rng.choices(("verleend", "geweigerd", "in_behandeling"), (80, 5, 15))[0],
            rng.randint(5, 500) * 1_000 if kind == "subsidie" else None))


def _network(d: _Draw, index: int, net: Network) -> None:
    """A planted network's events of the quarter, cell by cell and then network-wide."""
    for region, cell in net.cells.items():
        if not cell:
            continue
        _cell(d, net, region, cell)
    _gatherings(d, net)
    _laundering_inquiry(d, index, net)
    _front_permits(d, net)


def _cell(d: _Draw, net: Network, region: str, cell: list[int]) -> None:
    """Up to two incidents of one regional cell, and its transports."""
    world = d.world
    leader = net.cell_leader.get(region)
    phone = next(((t, u) for t, u in net.phones if set(u) & set(cell)), None)
    vehicle = next((v for v in net.vehicles
                    if any(v in world.vehicle_users.get(m, []) for m in cell)), None)
    for _ in range(2):
        _cell_incident(d, net, region, cell, leader, phone, vehicle)
    _cell_transport(d, net, cell, vehicle)


def _cell_incident(d: _Draw, net: Network, region: str, cell: list[int], leader: int | None,
                   phone: tuple[str, list[int]] | None, vehicle: int | None) -> None:
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
        ev = Event("KMAR", d.next_id("KMAR"), kind, day, None,
                   [(m, "suspect") for m in sample], place=rng.choice(_KMAR_PLACES))
        d.out.events.append(ev)
    else:
        _cell_police_event(d, net, region, sample, kind, day, phone, vehicle)


def _incident_kind(d: _Draw, net: Network, region: str) -> tuple[str, list[int]]:
    """The kind of a cell's incident, by typology, with the cell's grow sites (cannabis)."""
    rng = d.rng
    if net.typology == "cannabis":
        sites = [a for a, r in net.grow_sites if r == region]
        kind = "cannabis_grow_site" if sites and rng.random() < 0.6 else \
            rng.choice(("drugs", "drugs", "money_laundering_signal", "weapons"))
        return kind, sites
    if net.typology == "omg":
        return rng.choices(("extortion", "violence", "drugs", "weapons"), (35, 30, 20, 15))[0], []
    return rng.choices(("fraud", "money_laundering_signal", "labour_exploitation",
                        "identity_fraud"), (30, 25, 30, 15))[0], []


def _grow_site(d: _Draw, net: Network, cell: list[int], sites: list[int], day: date) -> None:
    """A grow site found: suspects, energy theft, and the premises closed."""
    world, rng, roles = d.world, d.rng, net.roles
    site = rng.choice(sites)
    tenants = [m for m in cell if world.persons[m].addr == site]
    growers = [m for m in cell if roles.get(m) in ("grower", "electrician")]
    suspects = list(dict.fromkeys(tenants + rng.sample(growers, k=min(2, len(growers)))))
    ev = Event("POL", d.next_id("POL"), "cannabis_grow_site", day, site,
               [(m, "suspect") for m in suspects])
    if suspects and rng.random() < 0.4:  # a neighbour reported the smell
        ev.persons.append((d.near(suspects[0]), "witness"))
    d.out.events.append(ev)
    d.prosecute(ev, 0.8)
    if rng.random() < 0.7:
        d.out.events.append(Event("POL", d.next_id("POL"), "energy_theft",
                                  day - timedelta(days=rng.randint(1, 30)), site,
                                  [(m, "involved") for m in tenants]))
    landlords = [m for m in cell if roles.get(m) == "landlord"]
    if rng.random() < 0.7:
        d.out.events.append(Event(
            "GEM", d.gem_id("H", site), "premises_closure",
            day + timedelta(days=rng.randint(5, 40)), site,
            [(m, "involved") for m in tenants + landlords]))


def _exploitation(d: _Draw, net: Network, sample: list[int], day: date) -> None:
    """A labour inspection at one of the network's companies, with foreign victims."""
    world, rng = d.world, d.rng
    c = rng.choice(net.companies)
    comp = world.companies[c]
    ev = Event("NLA", d.next_id("NLA"), "labour_exploitation", day, comp.office, companies=[c])
    ev.persons = [(m, "suspect") for m in sample[:2]]
    if world.foreigners:
        ev.persons += [(f.token, "victim") for f in
                       rng.sample(world.foreigners, k=min(3, len(world.foreigners)))]
    d.out.events.append(ev)


def _cell_police_event(d: _Draw, net: Network, region: str, sample: list[int], kind: str,
                       day: date, phone: tuple[str, list[int]] | None,
                       vehicle: int | None) -> None:
    """A police incident of the cell, with its phone and vehicle now and then."""
    world, rng = d.world, d.rng
    addr = d.addr_in(region)
    if net.companies and rng.random() < 0.3:
        addr = world.companies[rng.choice(net.companies)].office
    ev = Event("POL", d.next_id("POL"), kind, day, addr,
               [(m, "suspect") for m in sample])
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
    d.prosecute(ev, 0.7)


def _cell_transport(d: _Draw, net: Network, cell: list[int], vehicle: int | None) -> None:
    """Transport: border checks and customs seizures with the network's vehicle."""
    world, rng = d.world, d.rng
    if vehicle is not None and rng.random() < 0.25:
        users = [m for m in cell if vehicle in world.vehicle_users.get(m, [])]
        driver = users[0] if users else cell[0]
        d.out.events.append(Event("KMAR", d.next_id("KMAR"), "border_incident", d.day(),
                                  None, [(driver, "involved")], vehicles=[(vehicle, driver)],
                                  place=rng.choice(_KMAR_PLACES)))
    if net.typology == "cannabis" and rng.random() < 0.12:
        ev = Event("DOU", d.next_id("DOU"), "seizure", d.day(), None,
                   [(rng.choice(cell), "suspect")], goods=rng.choice(("cannabis", "cash")))
        own = [c for c in net.companies
               if any(h in cell for h, _ in world.companies[c].directors)]
        if own:
            ev.companies.append(own[-1])
        if vehicle is not None:
            ev.vehicles.append((vehicle, None))
        d.out.events.append(ev)


def _gatherings(d: _Draw, net: Network) -> None:
    """A run, a meeting, a transport with members of several cells at once."""
    rng = d.rng
    for leader in dict.fromkeys(net.cell_leader.values()):
        if rng.random() > 0.6:
            continue
        cells = [c for r, c in net.cells.items() if c and
                 (not net.apart or net.cell_leader.get(r) == leader)]
        gathered = list(dict.fromkeys([leader, *(rng.choice(c) for c in cells)]))
        if len(gathered) < 3:
            continue
        kind = {"omg": "public_order", "cannabis": "drugs"}.get(net.typology, "fraud")
        ev = Event("POL", d.next_id("POL"), kind, d.day(), None,
                   [(m, "suspect" if kind != "public_order" else "involved") for m in gathered])
        d.out.events.append(ev)


def _laundering_inquiry(d: _Draw, index: int, net: Network) -> None:
    """One FIOD money-laundering investigation per network, in a quarter fixed by its index."""
    if net.typology == "omg" or (index * 5 + 3) % 8 != d.q % 8:
        return
    people = [(m, "suspect") for m, role in net.roles.items()
              if not is_company(m) and role in ("money_launderer", "leader")]
    if net.apart:  # a network that will split: the investigation targets one part
        people = [(m, r) for m, r in people if net.roles[m] == "money_launderer"]
    comps = [(-m - 1, "involved") for m, role in net.roles.items()
             if is_company(m) and role in ("cash_business", "real_estate", "front_business")]
    d.out.inquiries.append(Inquiry(d.next_id("FIOD"), "money_laundering", d.day(), people,
                                   comps))


def _front_permits(d: _Draw, net: Network) -> None:
    """Front businesses apply for permits; the municipality screens them."""
    world, rng = d.world, d.rng
    for c in net.companies:
        if rng.random() < 0.2:
            comp = world.companies[c]
            d.out.permits.append(Permit(
                "GEM", d.gem_id("V", comp.office), d.day(),
                "exploitatie" if comp.sbi != "5610" else "drank_en_horeca",
                company_ref(c), comp.office, rng.random() < 0.7,
                rng.choices(("verleend", "geweigerd", "in_behandeling"), (50, 30, 20))[0]))


def quarter_events(world: World, quarter: int) -> QuarterEvents:
    """All events of ``quarter`` given the world's current state (pure: nothing is changed)."""
    draw = _Draw(world, quarter)
    _background(draw)
    for index, net in enumerate(world.networks):
        if not net.active or (net.quarters is not None and quarter not in net.quarters):
            continue
        _network(draw, index, net)
    prov_seq = 0
    for permit in draw.out.permits:
        if permit.partner == "PROV":
            prov_seq += 1
            province = world.places.municipalities[world.addresses[permit.addr][3]].province
            permit.id = f"P-{PROVINCE_CODES.get(province, 'PV00')}-{draw.year}-" \
                        f"{quarter:02d}{prov_seq:03d}"
    return draw.out
