"""The synthetic country: background population, planted networks, decoys, and later waves.

The world holds the *state* (who lives where, who directs which company, who calls whom);
dated events (incidents, cases, permits) are drawn per quarter from that state by
:mod:`ingest.synthetic.events`. Everything is drawn from ``random.Random`` streams seeded by
strings (``f"{seed}:part"``), so the same seed gives the same world on every platform.

Holders of companies, accounts, vehicles and property are encoded as one ``int``: a person is
its index (``>= 0``), a company ``c`` is ``-(c + 1)`` (see :func:`company_ref`).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Final

from graph.geography import Geography
from graph.model import REGIONS
from ingest.errors import SyntheticDataError
from ingest.pseudonymise import bsn_is_valid, pseudonymise, pseudonymise_name_dob
from ingest.synthetic.presets import Preset

__all__ = [
    "FIRST_EXTRACT",
    "Change",
    "Company",
    "Decoy",
    "Network",
    "Person",
    "World",
    "add_months",
    "build_world",
    "company_ref",
    "evolve",
    "extract_date",
    "is_company",
    "quarter_start",
    "wave_quarters",
]

#: Extract date of wave 1; each later wave is one quarter later.
FIRST_EXTRACT: Final = date(2026, 1, 1)
#: Quarters of incident history in every delivery (a rolling window of two years).
WINDOW_QUARTERS: Final = 8
#: First day of the tax office's payroll records (the polis administration started in 2006):
#: the payroll extract holds every employment since, ended ones with their end date.
PAYROLL_SINCE: Final = date(2006, 1, 1)
#: Activities with many short jobs (side jobs, student and temp work): staffing agencies,
#: restaurants and cafes, supermarkets and other retail.
_FLEX_SBI: Final = frozenset({"7810", "5610", "5630", "4711", "4719"})

_LETTERS = "ABCDEFGHJKLMNPRSTVWXZ"
_FIRST_NAMES: Final = (
    "Jan", "Piet", "Kees", "Mohamed", "Ahmed", "Daan", "Sem", "Lucas", "Noah", "Bram", "Sanne",
    "Emma", "Julia", "Fatima", "Anouk", "Lisa", "Eva", "Sara", "Yara", "Nina", "Ali", "Mehmet",
    "Joost", "Henk", "Ingrid", "Marieke", "Dewi", "Rajesh", "Olga", "Piotr", "Ana",
)
_LAST_NAMES: Final = (
    "de Vries", "Jansen", "de Jong", "van den Berg", "Bakker", "Visser", "Smit", "Meijer",
    "Mulder", "Bos", "Yilmaz", "El Amrani", "Kowalski", "Peeters", "Hendriks", "van Dijk",
    "Vermeulen", "Dekker", "Brouwer", "de Graaf", "Kaya", "Novak", "Santos",
)
_WORDS: Final = (
    "Noord", "Zuid", "Delta", "Polder", "Kade", "Molen", "Tulp", "Haven", "Dijk", "Brug", "Linde",
    "Eik", "Maas", "Rijn", "Waal", "Duin", "Horizon", "Zon", "Ster", "Kompas", "Anker", "Baken",
    "Vlinder", "Zwaan", "Valk", "Reiger", "Klaver",
)

#: (SBI code, cash-intensive, trading, weight) of ordinary companies.
_SBI: Final = (
    ("5610", True, False, 8),  # restaurants, snack bars
    ("5630", True, False, 6),  # cafes, bars
    ("9602", True, False, 5),  # hairdressers, nail studios
    ("4520", True, False, 4),  # car repair, car wash
    ("4711", False, False, 3),  # supermarkets
    ("4719", True, False, 3),  # other retail (phone shops, convenience)
    ("4690", False, True, 5),  # wholesale
    ("4941", False, True, 4),  # road transport
    ("4120", False, False, 8),  # construction
    ("4321", False, False, 4),  # electricians
    ("6201", False, False, 8),  # software
    ("6920", False, False, 4),  # accountancy
    ("7022", False, False, 10),  # consultancy
    ("8121", False, False, 3),  # cleaning
    ("6810", False, False, 4),  # real estate trade
    ("8690", False, False, 3),  # other health care
    ("0113", False, True, 2),  # horticulture
    ("4778", True, False, 2),  # other retail (grow shops, shisha)
    ("7810", False, False, 3),  # employment agencies
    ("9313", True, False, 2),  # gyms
)
_FORMS: Final = (("eenmanszaak", 45), ("bv", 35), ("vof", 10), ("stichting", 5), ("vereniging", 4),
                 ("nv", 1))
_CLUB_NAMES: Final = ("Iron Reapers MC", "Black Vipers MC", "Steel Wolves MC", "Red Ravens MC",
                      "Night Hounds MC", "Storm Riders MC", "Grey Falcons MC", "Bone Crows MC",
                      "Dust Devils MC", "Stone Bears MC", "Cold Sparks MC", "Ash Kings MC")


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months (day of month clamped to 28 where needed)."""
    total = day.year * 12 + (day.month - 1) + months
    return date(total // 12, total % 12 + 1, min(day.day, 28))


def extract_date(wave: int) -> date:
    """The extract date of a wave: 2026-01-01, then one quarter later per wave."""
    return add_months(FIRST_EXTRACT, 3 * (wave - 1))


def quarter_start(quarter: int) -> date:
    """First day of history quarter ``quarter`` (quarter 0 starts two years before wave 1)."""
    return add_months(FIRST_EXTRACT, 3 * (quarter - WINDOW_QUARTERS))


def wave_quarters(wave: int) -> range:
    """The quarters whose events a wave's deliveries hold (a rolling two-year window)."""
    return range(wave - 1, wave - 1 + WINDOW_QUARTERS)


def company_ref(index: int) -> int:
    """The holder code of company ``index``."""
    return -(index + 1)


def is_company(holder: int) -> bool:
    """Whether a holder code is a company."""
    return holder < 0


def company_index(holder: int) -> int:
    """The company index of a company holder code."""
    return -holder - 1


Address = tuple[str, int, str, str, str]  # pc6, number, addition, municipality code, region


@dataclass(slots=True)
class Person:
    """A person: token, year of birth, sex, current registration and earlier ones."""

    token: str
    birth: date
    sex: str
    addr: int
    since: date
    history: list[tuple[int, date, date]] | None = None
    kind: str = "normal"  # normal, care, student, family
    net: int = -1
    decoy: int = -1


@dataclass(slots=True)
class Company:
    """A company in the register, with its people, accounts and establishments."""

    kvk: str
    name: str
    form: str
    sbi: str
    founded: date
    office: int
    cash: bool = False
    trading: bool = False
    debt: int = 0
    establishments: list[int] = field(default_factory=list)
    directors: list[tuple[int, date]] = field(default_factory=list)
    shareholders: list[tuple[int, int, date]] = field(default_factory=list)
    employees: list[tuple[int, date]] = field(default_factory=list)
    #: Ended employments from the payroll records: (person, since, until).
    past_employees: list[tuple[int, date, date]] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    net: int = -1
    active: bool = True


@dataclass(slots=True)
class Foreigner:
    """A foreign national known by name + date of birth (no BSN), with an IND permit."""

    token: str
    permit: str
    kind: str
    start: date
    sponsor: int


@dataclass(slots=True)
class Network:
    """A planted criminal network and everything that ties it together."""

    id: str
    typology: str
    cells: dict[str, list[int]]
    leaders: list[int]
    cell_leader: dict[str, int]
    roles: dict[int, str] = field(default_factory=dict)
    companies: list[int] = field(default_factory=list)
    grow_sites: list[tuple[int, str]] = field(default_factory=list)  # address, region
    vehicles: list[int] = field(default_factory=list)
    phones: list[tuple[str, list[int]]] = field(default_factory=list)
    club: str | None = None
    chapters: dict[str, str] = field(default_factory=dict)
    support_club: str | None = None
    quarters: frozenset[int] | None = None  # events only in these quarters (None: all)
    active: bool = True
    apart: bool = False  # the parts run by different leaders have no ties but the leaders'


@dataclass(slots=True)
class Decoy:
    """A group that looks like a network by structure but is ordinary."""

    id: str
    kind: str  # family, employer, care_institution, registered_office
    persons: list[int] = field(default_factory=list)
    companies: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Change:
    """A change between waves, recorded in the ground truth (see docs/synthetic-data.md)."""

    kind: str  # recruited, split, merged, dissolved, moved
    before: tuple[str, ...]
    after: tuple[str, ...]
    members: tuple[int, ...]  # holder codes
    regions: tuple[str, ...] = ()


@dataclass(slots=True)
class Relation:
    """A link found in an investigation (``ASSOCIATE``): called or met."""

    a: int
    b: int
    kind: str
    day: date
    case: str
    net: int = -1


@dataclass(slots=True)
class OmgRegistration:
    """A police registration of a person with an outlaw motorcycle club."""

    person: int
    club: str
    chapter: str
    club_kind: str
    role: str
    day: date
    net: int


class _Places:
    """Real PC4 areas, weighted by inhabitants, per region and nationally."""

    def __init__(self, geo: Geography) -> None:
        areas = [a for a in sorted(geo.pc4_areas.values(), key=lambda a: a.pc4)
                 if a.inhabitants > 0]
        self.all = areas
        self.municipalities = {m.code: m for m in geo.municipalities.values()}
        self.cum = list(accumulate(a.inhabitants for a in areas))
        self.by_region = {r: [a for a in areas if a.municipality.region == r] for r in REGIONS}
        self.cum_by_region = {
            r: list(accumulate(a.inhabitants for a in self.by_region[r])) for r in REGIONS
        }


@dataclass(slots=True)
class World:
    """The whole synthetic country at one moment."""

    seed: int
    key: bytes
    preset: Preset
    places: _Places
    addresses: list[Address] = field(default_factory=list)
    address_ids: dict[tuple[str, int, str], int] = field(default_factory=dict)
    addr_by_region: dict[str, list[int]] = field(default_factory=dict)
    persons: list[Person] = field(default_factory=list)
    companies: list[Company] = field(default_factory=list)
    kvk_numbers: set[str] = field(default_factory=set)
    vehicles: list[tuple[str, int]] = field(default_factory=list)  # token, keeper
    vehicle_users: dict[int, list[int]] = field(default_factory=dict)  # person -> vehicles
    accounts: list[tuple[str, int]] = field(default_factory=list)  # token, holder
    properties: list[tuple[int, int, int]] = field(default_factory=list)  # holder, addr, pct
    foreigners: list[Foreigner] = field(default_factory=list)
    shipments: list[tuple[int, int, int]] = field(default_factory=list)  # from, to, count
    relations: list[Relation] = field(default_factory=list)
    omg: list[OmgRegistration] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)
    decoys: list[Decoy] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    hubs: list[int] = field(default_factory=list)
    care_homes: list[int] = field(default_factory=list)
    student_flats: list[int] = field(default_factory=list)
    plan: dict[str, list[int]] = field(default_factory=dict)
    bsns: set[str] = field(default_factory=set)
    plates: int = 0
    ibans: int = 0
    wave: int = 1

    # -- identifiers --------------------------------------------------------------------

    def rng(self, *parts: object) -> random.Random:
        """A random stream for one part of the generation."""
        return random.Random(":".join([str(self.seed), *map(str, parts)]))

    def new_bsn_token(self, rng: random.Random) -> str:
        while True:
            prefix = f"{rng.randrange(10_000_000, 99_999_999):08d}"
            weights = (9, 8, 7, 6, 5, 4, 3, 2)
            total = sum(w * int(d) for w, d in zip(weights, prefix, strict=True)) % 11
            if total == 10:
                continue
            bsn = prefix + str(total)
            if bsn in self.bsns or not bsn_is_valid(bsn):
                continue
            self.bsns.add(bsn)
            return pseudonymise("bsn", bsn, self.key)

    def new_plate_token(self) -> str:
        n = self.plates
        self.plates += 1
        letters = len(_LETTERS)
        a, b, c = n % letters, (n // letters) % letters, (n // letters**2) % letters
        digits = (n // letters**3) % 1000
        plate = f"{_LETTERS[a]}{_LETTERS[b]}-{digits:03d}-{_LETTERS[c]}"
        return pseudonymise("plate", plate, self.key)

    def new_iban_token(self) -> str:
        n = self.ibans
        self.ibans += 1
        bank = ("ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ")[n % 8]
        account = f"{(n * 7_919 + 1_000_003) % 10**10:010d}"
        numeric = "".join(str(int(ch, 36)) for ch in bank + account + "NL00")
        check = 98 - int(numeric) % 97
        return pseudonymise("iban", f"NL{check:02d}{bank}{account}", self.key)

    def phone_token(self, person: int) -> str:
        """The phone of a person (derived from the index, so it needs no storage)."""
        number = f"+316{(person * 7_919 + self.seed * 104_729 + 12_345) % 10**8:08d}"
        return pseudonymise("phone", number, self.key)

    def new_kvk(self, rng: random.Random) -> str:
        while True:
            kvk = f"{rng.randrange(1_000_000, 99_999_999):08d}"
            if kvk not in self.kvk_numbers:
                self.kvk_numbers.add(kvk)
                return kvk

    # -- places -------------------------------------------------------------------------

    def new_address(self, rng: random.Random, region: str | None = None,
                    number_max: int = 250) -> int:
        places = self.places
        while True:
            if region is None:
                area = rng.choices(places.all, cum_weights=places.cum)[0]
            else:
                area = rng.choices(places.by_region[region],
                                   cum_weights=places.cum_by_region[region])[0]
            pc6 = area.pc4 + rng.choice(_LETTERS) + rng.choice(_LETTERS)
            number = min(int(rng.paretovariate(1.1)), number_max) if rng.random() < 0.5 else \
                rng.randint(1, 120)
            addition = rng.choice(("A", "B", "1", "2", "HS", "BIS")) if rng.random() < 0.08 \
                else ""
            key = (pc6, number, addition)
            if key in self.address_ids:
                continue
            index = len(self.addresses)
            muni = area.municipality
            self.addresses.append((pc6, number, addition, muni.code, muni.region))
            self.address_ids[key] = index
            self.addr_by_region.setdefault(muni.region, []).append(index)
            return index

    def region_of_addr(self, addr: int) -> str:
        return self.addresses[addr][4]

    def region_of(self, holder: int) -> str:
        """A person's region (current address) or a company's (registered office)."""
        if is_company(holder):
            return self.region_of_addr(self.companies[company_index(holder)].office)
        return self.region_of_addr(self.persons[holder].addr)

    # -- people -------------------------------------------------------------------------

    def new_person(self, rng: random.Random, addr: int, age: tuple[int, int], since: date,
                   kind: str = "normal") -> int:
        years = rng.randint(*age)
        birth = FIRST_EXTRACT - timedelta(days=years * 365 + rng.randint(0, 364))
        person = Person(self.new_bsn_token(rng), birth, rng.choice("MV") if rng.random() > 0.003
                        else "X", addr, max(since, birth), None, kind)
        self.persons.append(person)
        return len(self.persons) - 1

    def move(self, person: int, addr: int, day: date) -> None:
        """Register ``person`` at ``addr`` from ``day``; the old registration ends."""
        p = self.persons[person]
        day = max(day, p.since + timedelta(days=1))  # the old registration cannot end early
        if p.history is None:
            p.history = []
        p.history.append((p.addr, p.since, day))
        p.addr = addr
        p.since = day

    def add_account(self, holders: list[int]) -> str:
        token = self.new_iban_token()
        for holder in holders:
            self.accounts.append((token, holder))
        return token

    def add_vehicle(self, keeper: int, users: list[int]) -> int:
        index = len(self.vehicles)
        self.vehicles.append((self.new_plate_token(), keeper))
        for user in users:
            self.vehicle_users.setdefault(user, []).append(index)
        return index

    def new_company(self, rng: random.Random, office: int, *, form: str | None = None,
                    sbi: tuple[str, bool, bool] | None = None, name: str | None = None) -> int:
        if sbi is None:
            code, cash, trading, _ = rng.choices(_SBI, weights=[s[3] for s in _SBI])[0]
        else:
            code, cash, trading = sbi
        if form is None:
            form = rng.choices([f for f, _ in _FORMS], weights=[w for _, w in _FORMS])[0]
        suffix = {"bv": " B.V.", "nv": " N.V.", "vof": " V.O.F.", "stichting": ""}.get(form, "")
        label = name or f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}{suffix}"
        founded = FIRST_EXTRACT - timedelta(days=rng.randint(60, 30 * 365))
        company = Company(self.new_kvk(rng), label, form, code, founded, office, cash, trading)
        if rng.random() < 0.1:
            company.debt = int(rng.paretovariate(1.2) * 2_000)
        self.companies.append(company)
        index = len(self.companies) - 1
        company.accounts.append(self.add_account([company_ref(index)]))
        return index



# -------------------------------------------------------------------------------------------
# Background population


def _age(p: Person) -> int:
    return FIRST_EXTRACT.year - p.birth.year


def _household(world: World, rng: random.Random, addr: int, size: int, since: date,
               family_homes: list[int], kind: str = "normal") -> list[int]:
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


def _background(world: World) -> None:
    rng = world.rng("households")
    preset = world.preset
    family_homes: list[int] = []
    sizes = (1, 2, 3, 4, 5, 6)
    weights = (38, 33, 12, 12, 4, 1)
    while len(world.persons) < preset.persons:
        size = rng.choices(sizes, weights=weights)[0]
        addr = world.new_address(rng)
        since = FIRST_EXTRACT - timedelta(days=int(rng.expovariate(1 / 3_000)) + 1)
        _household(world, rng, addr, size, since, family_homes)

    rng = world.rng("institutions")
    for _ in range(preset.care_homes):
        addr = world.new_address(rng)
        world.care_homes.append(addr)
        for _ in range(rng.randint(*preset.care_home_size)):
            since = FIRST_EXTRACT - timedelta(days=rng.randint(30, 2_500))
            world.new_person(rng, addr, (72, 99), since, "care")
    for _ in range(preset.student_flats):
        addr = world.new_address(rng)
        world.student_flats.append(addr)
        for _ in range(rng.randint(*preset.student_flat_size)):
            since = FIRST_EXTRACT - timedelta(days=rng.randint(30, 1_500))
            s = world.new_person(rng, addr, (18, 25), since, "student")
            if family_homes and rng.random() < 0.7:
                p = world.persons[s]
                p.history = [(rng.choice(family_homes), p.birth + timedelta(days=365), since)]
            if rng.random() < 0.8:
                world.add_account([s])

    _past_registrations(world)
    _childhood_registrations(world)
    _institution_registrations(world)
    _companies(world)
    _care_operators(world)
    _second_jobs(world)
    _payroll_history(world)
    _business_account_holders(world)
    _joint_accounts(world)
    _foreigners(world)
    _background_relations(world)


def _past_registrations(world: World) -> None:
    """Earlier addresses from the population register (up to thirty years back): adults moved
    every few years, into homes that others live in now. Old co-residence is a weak, mostly
    meaningless tie."""
    rng = world.rng("history")
    horizon = FIRST_EXTRACT - timedelta(days=30 * 365)
    for person in world.persons:
        if person.kind != "normal":
            continue
        adult_years = min(_age(person) - 18, 30)
        if adult_years <= 0:
            continue
        moves = rng.randint(1, 2 + adult_years // 4) - len(person.history or [])
        region = world.region_of_addr(person.addr)
        end = person.history[0][1] if person.history else person.since
        history: list[tuple[int, date, date]] = []
        for _ in range(moves):
            start = max(end - timedelta(days=rng.randint(300, 3_000)), horizon,
                        person.birth + timedelta(days=18 * 365))
            if start >= end:
                break
            pool = world.addr_by_region[region] if rng.random() < 0.75 else \
                world.addr_by_region[rng.choice(REGIONS)]
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


def _childhood_registrations(world: World) -> None:
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
        if p.kind == "normal" and _age(p) >= 18:
            adults_at.setdefault(p.addr, []).append(i)
    for p in world.persons:
        if p.kind != "normal":
            continue
        start = max(p.birth, horizon)
        if _age(p) < 18:
            if p.history or (p.since - start).days < 180:
                continue
            earlier = [h for a in adults_at.get(p.addr, ()) if world.persons[a].since == p.since
                       for h in (world.persons[a].history or [])[-1:] if h[2] == p.since]
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
        cuts = sorted(start + timedelta(days=rng.randint(180, max(181, (end - start).days - 180)))
                      for _ in range(count - 1))
        bounds = [start, *cuts, end]
        childhood = [(rng.choice(pool), bounds[i], bounds[i + 1]) for i in range(count)
                     if bounds[i] < bounds[i + 1]]
        p.history = childhood + history


def _institution_registrations(world: World) -> None:
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
                addr = rng.choice(pool if rng.random() < 0.8 else
                                  homes[rng.choice(REGIONS)] or pool)
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


def _workers_by_region(world: World) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {r: [] for r in REGIONS}
    for i, p in enumerate(world.persons):
        if p.kind == "normal" and 18 <= _age(p) <= 67:
            out[world.region_of_addr(p.addr)].append(i)
    return out


def _employ(world: World, rng: random.Random, company: int, count: int, region: str,
            workers: dict[str, list[int]]) -> None:
    c = world.companies[company]
    for _ in range(count):
        pool = workers[region] if rng.random() < 0.85 and workers[region] else \
            workers[rng.choice(REGIONS)]
        if not pool:
            continue
        since = max(c.founded, FIRST_EXTRACT - timedelta(days=int(rng.expovariate(1 / 1_500))))
        c.employees.append((rng.choice(pool), since))


def _companies(world: World) -> None:
    rng = world.rng("companies")
    preset = world.preset
    workers = _workers_by_region(world)
    all_workers = [p for region in REGIONS for p in workers[region]]
    for _ in range(preset.companies):
        director = rng.choice(all_workers)
        home = world.persons[director].addr
        region = world.region_of_addr(home)
        form = rng.choices([f for f, _ in _FORMS], weights=[w for _, w in _FORMS])[0]
        office = home if form in ("eenmanszaak", "vof") or rng.random() < 0.4 else \
            world.new_address(rng, region)
        c = world.new_company(rng, office, form=form)
        company = world.companies[c]
        company.directors.append((director, company.founded))
        if form in ("vof", "bv") and rng.random() < 0.3:
            company.directors.append((rng.choice(workers[region] or all_workers),
                                      company.founded))
        if form == "bv":
            if rng.random() < 0.3:
                holding = world.new_company(rng, office, form="bv", sbi=("6420", False, False),
                                            name=f"{company.name.split()[0]} Holding B.V.")
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
    for person in rng.sample(all_workers, k=min(len(all_workers), preset.persons // 25)):
        world.properties.append((person, world.new_address(rng), 100))
    # Owner-occupied homes (about 55% of Dutch households): the adults own their home.
    homes_of: dict[int, list[int]] = {}
    for i, p in enumerate(world.persons):
        if p.kind == "normal" and _age(p) >= 18:
            homes_of.setdefault(p.addr, []).append(i)
    for addr, adults in homes_of.items():
        if rng.random() < 0.55:
            owners = adults[:2]
            for owner in owners:
                world.properties.append((owner, addr, 100 // len(owners)))

    # Registered-office hubs: one address, hundreds of (often foreign-owned) companies.
    for h in range(preset.hubs):
        hub_region = ("Amsterdam-Amstelland", "Rotterdam", None)[h % 3]
        hub = world.new_address(rng, hub_region)
        world.hubs.append(hub)
        provider = world.new_company(rng, hub, form="bv", sbi=("8211", False, False),
                                     name=f"{rng.choice(_WORDS)} Trust & Domicilie B.V.")
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
            world.decoys.append(Decoy("DECOY-registered_office-1", "registered_office",
                                      list(trust_directors), [provider, *hosted]))

    # The big employer: sites in several regions, a workforce across the country.
    regions = rng.sample(REGIONS, k=min(5, len(REGIONS)))
    office = world.new_address(rng, regions[0])
    employer = world.new_company(rng, office, form="nv", sbi=("4711", False, False),
                                 name="Kruidvat-Noord Supermarkten N.V.")
    big = world.companies[employer]
    big.directors.append((rng.choice(workers[regions[0]]), big.founded))
    for region in regions[1:]:
        big.establishments.append(world.new_address(rng, region))
    for i in range(preset.employer_size):
        _employ(world, rng, employer, 1, regions[i % len(regions)], workers)
    for _ in range(3):
        world.add_vehicle(company_ref(employer), [])
    world.decoys.append(Decoy("DECOY-employer-1", "employer",
                              sorted({p for p, _ in big.employees}), [employer]))

    # The care institution: a foundation running care homes in three or more regions.
    homes = world.care_homes
    care = world.new_company(rng, homes[0] if homes else world.new_address(rng),
                             form="stichting", sbi=("8710", False, False),
                             name="Stichting Zorggroep De Linde")
    foundation = world.companies[care]
    foundation.directors.append((rng.choice(all_workers), foundation.founded))
    foundation.establishments.extend(homes[1:4])
    for home in homes[:4]:
        _employ(world, rng, care, max(3, preset.care_home_size[0] // 3),
                world.region_of_addr(home), workers)
    residents = [i for i, p in enumerate(world.persons) if p.kind == "care" and p.addr in
                 homes[:4]]
    world.decoys.append(Decoy("DECOY-care_institution-1", "care_institution",
                              sorted({*residents, *(p for p, _ in foundation.employees)}),
                              [care]))

    # Customs: trading companies ship to each other (heavy-tailed numbers of partners).
    traders = [i for i, c in enumerate(world.companies) if c.trading]
    for t in traders:
        partners = min(int(rng.paretovariate(1.5) * world.preset.trade_partners / 3),
                       len(traders) - 1)
        for other in rng.sample(traders, k=partners):
            if other != t:
                world.shipments.append((t, other, 1 + int(rng.paretovariate(1.3))))

    _families(world, rng, workers)


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
        if c.net >= 0 or c.office in hubs or c.sbi in ("6420", "8211") or \
                (c.form in ("eenmanszaak", "vereniging") and not c.employees):
            continue
        sites = list(dict.fromkeys([c.office, *c.establishments]))
        weight = max(1, (1 + len(c.employees)) // len(sites))
        for addr in sites:
            region = world.region_of_addr(addr)
            general[region].extend([i] * weight)
            if c.sbi in _FLEX_SBI:
                flex[region].extend([i] * weight)
    return general, flex, [c for region in REGIONS for c in general[region]]


def _second_jobs(world: World) -> None:
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
        age = _age(p)
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
        since = max(c.founded, p.birth + timedelta(days=15 * 365),
                    FIRST_EXTRACT - timedelta(days=int(rng.expovariate(1 / 600)) + 1))
        c.employees.append((i, since))


def _payroll_history(world: World) -> None:
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
        age = _age(p)
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
            start = max(earliest, end - timedelta(days=int(rng.expovariate(
                1 / _spell_days(at))) + 30))
            region = _region_on(world, p, end) if rng.random() < 0.9 else rng.choice(REGIONS)
            pool = flex[region] if at < 25 and flex[region] and rng.random() < 0.6 else \
                general[region] or everywhere
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


def _care_operators(world: World) -> None:
    """Care organisations run the care homes (one to four homes in a region each; the first
    homes belong to the care-institution decoy) with about one employee per two residents."""
    rng = world.rng("care-operators")
    workers = _workers_by_region(world)
    residents = Counter(p.addr for p in world.persons if p.kind == "care")
    by_region: dict[str, list[int]] = {}
    for home in world.care_homes[4:]:
        by_region.setdefault(world.region_of_addr(home), []).append(home)
    for region, homes in sorted(by_region.items()):
        while homes:
            take = rng.randint(1, 4)
            run, homes = homes[:take], homes[take:]
            c = world.new_company(rng, run[0], form="stichting", sbi=("8710", False, False),
                                  name=f"Stichting Zorg {rng.choice(_WORDS)}")
            operator = world.companies[c]
            operator.directors.append((rng.choice(workers[region]), operator.founded))
            operator.establishments.extend(run[1:])
            _employ(world, rng, c, sum(residents[h] for h in run) // 2, region, workers)


def _joint_accounts(world: World) -> None:
    """Couples often make a personal account a joint one (en/of-rekening): the partner becomes
    a second holder."""
    rng = world.rng("joint-accounts")
    holders: dict[str, list[int]] = {}
    for token, holder in world.accounts:
        holders.setdefault(token, []).append(holder)
    adults: dict[int, list[int]] = {}
    for i, p in enumerate(world.persons):
        if p.kind == "normal" and _age(p) >= 22:
            adults.setdefault(p.addr, []).append(i)
    for token, owners in list(holders.items()):
        if len(owners) != 1 or is_company(owners[0]):
            continue
        household = adults.get(world.persons[owners[0]].addr, [])
        if len(household) == 2 and rng.random() < 0.3:
            partner = household[1] if household[0] == owners[0] else household[0]
            world.accounts.append((token, partner))


def _business_account_holders(world: World) -> None:
    """The owner of a sole proprietorship or the partners of a general partnership are liable
    for the business and hold its account with it (the tax office's bank data name them)."""
    for c in world.companies:
        if c.form in ("eenmanszaak", "vof") and c.accounts and c.net < 0:
            for holder, _ in c.directors:
                if not is_company(holder):
                    world.accounts.append((c.accounts[0], holder))


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
        business = world.new_company(rng, world.new_address(rng, business_region), form="vof",
                                     sbi=("5610", True, False))
        shop = world.companies[business]
        adults = [m for m in members if 25 <= _age(world.persons[m]) <= 60]
        for m in adults[:3]:
            shop.directors.append((m, shop.founded))
        for m in adults[3:6]:
            shop.employees.append((m, shop.founded))
        for m in members:
            world.persons[m].decoy = len(world.decoys)
        world.decoys.append(Decoy(f"DECOY-family-{f + 1}", "family", members, [business]))


def _foreigners(world: World) -> None:
    rng = world.rng("foreigners")
    sponsors = [company_ref(i) for i, c in enumerate(world.companies) if len(c.employees) >= 10]
    adults = [i for i, p in enumerate(world.persons) if p.kind == "normal" and _age(p) >= 25]
    for n in range(world.preset.foreigners):
        name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
        dob = date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
        token = pseudonymise_name_dob(name, dob, world.key)
        kind = rng.choices(("arbeid", "kennismigrant", "gezin", "studie"), (4, 2, 3, 1))[0]
        if kind in ("arbeid", "kennismigrant") and sponsors:
            sponsor = rng.choice(sponsors)
        else:
            sponsor = rng.choice(adults)
        start = FIRST_EXTRACT - timedelta(days=rng.randint(10, 1_800))
        world.foreigners.append(Foreigner(token, f"IND-{start.year}-{n + 1:07d}", kind, start,
                                          sponsor))


def _background_relations(world: World) -> None:
    """Ordinary investigations also record calls and meetings between ordinary suspects."""
    rng = world.rng("relations")
    workers = _workers_by_region(world)
    for n in range(max(3, len(world.persons) // 300)):
        region = rng.choice(REGIONS)
        if len(workers[region]) < 2:
            continue
        a, b = rng.sample(workers[region], k=2)
        day = FIRST_EXTRACT - timedelta(days=rng.randint(10, 700))
        world.relations.append(Relation(a, b, rng.choice(("called", "met")), day,
                                        f"ONDZ-{day.year}-{n + 1:04d}"))


# -------------------------------------------------------------------------------------------
# Planted networks

_ROLES_CANNABIS_CELL: Final = ("grower", "grower", "straw_tenant", "straw_tenant", "landlord",
                               "transporter", "grower")
_ROLES_OMG_CELL: Final = ("chapter_president", "member", "member", "member", "member",
                          "prospect", "member", "prospect")
_ROLES_OTHER_CELL: Final = ("facilitator", "member", "member", "member", "recruiter", "member",
                            "member")


class _Pool:
    """Candidates for network membership per region: ordinary adults, taken once."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.by_region: dict[str, list[int]] = {r: [] for r in REGIONS}
        for i, p in enumerate(world.persons):
            if p.kind == "normal" and 20 <= _age(p) <= 58 and p.net < 0 and p.decoy < 0:
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
            f"the preset is too small: no candidates left for a network in region {region}")


def _relate(world: World, rng: random.Random, a: int, b: int, net: int, case: str) -> None:
    if a == b:
        return
    day = FIRST_EXTRACT - timedelta(days=rng.randint(5, 400))
    world.relations.append(Relation(a, b, rng.choice(("called", "called", "met")), day, case, net))


def _plant(world: World, rng: random.Random, pool: _Pool, typology: str, regions: list[str],
           cell_size: tuple[int, int], leaders: int, *, splittable: bool = False) -> Network:
    index = len(world.networks)
    net_id = f"NET-{index + 1:03d}"
    case = f"ONDZ-2025-{9_000 + index:04d}"
    cells: dict[str, list[int]] = {}
    roles: dict[int, str] = {}
    cell_roles = {"cannabis": _ROLES_CANNABIS_CELL, "omg": _ROLES_OMG_CELL}.get(
        typology, _ROLES_OTHER_CELL)
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
        if cell_leader[region] not in cells[region] and \
                world.region_of(cell_leader[region]) == region:
            cells[region].append(cell_leader[region])
    net = Network(net_id, typology, cells, heads, cell_leader, roles)
    world.networks.append(net)
    members = list(roles)
    for m in members:
        world.persons[m].net = index

    # Investigation links: dense inside a cell, leaders reach into their cells and each other.
    for region, cell in cells.items():
        plain = [m for m in cell if m not in heads]
        for i, a in enumerate(plain):
            for b in plain[i + 1:]:
                if rng.random() < 0.55:
                    _relate(world, rng, a, b, index, case)
        leader = cell_leader[region]
        for m in plain:
            if rng.random() < 0.8:
                _relate(world, rng, leader, m, index, case)
        for other in heads:
            if other != leader and plain and rng.random() < 0.7:
                _relate(world, rng, other, rng.choice(plain), index, case)
    for i, a in enumerate(heads):
        for b in heads[i + 1:]:
            _relate(world, rng, a, b, index, case)

    # Burner phones shared inside each cell; a vehicle shared by transporters and leaders.
    for cell in cells.values():
        users = rng.sample(cell, k=min(3, len(cell)))
        net.phones.append((world.phone_token(users[0]), users))
    for region, cell in cells.items():
        users = [m for m in cell if roles[m] in ("transporter", "member", "facilitator")][:2]
        users.append(cell_leader[region])
        net.vehicles.append(world.add_vehicle(rng.choice(users), users))

    # Companies: front and cash businesses, grow shops, real estate.
    def company(region: str, sbi: tuple[str, bool, bool], director: int, role: str,
                staff: list[int]) -> int:
        office = world.new_address(rng, region)
        c = world.new_company(rng, office, form="bv" if rng.random() < 0.6 else "eenmanszaak",
                              sbi=sbi)
        comp = world.companies[c]
        comp.net = index
        comp.directors.append((director, comp.founded))
        comp.shareholders.append((director, 100, comp.founded))
        for s in staff:
            comp.employees.append((s, comp.founded + timedelta(days=rng.randint(1, 200))))
        net.companies.append(c)
        roles[company_ref(c)] = role
        return c

    region_list = list(cells)
    if typology == "omg":
        club = _CLUB_NAMES[index % len(_CLUB_NAMES)]
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
                world.omg.append(OmgRegistration(m, club, net.chapters[region], "club", role, day,
                                                 index))
        in_chapter = {m for cell in cells.values() for m in cell}
        for h in heads:
            if h not in in_chapter:  # a president living outside the chapters' regions
                world.omg.append(OmgRegistration(h, club, net.chapters[region_list[0]], "club",
                                                 "member", FIRST_EXTRACT - timedelta(days=4_000),
                                                 index))
        for region in region_list[:2]:
            for _ in range(2):
                s = pool.take(region)
                roles[s] = "support"
                world.persons[s].net = index
                cells[region].append(s)
                world.omg.append(OmgRegistration(s, net.support_club, region, "support_club",
                                                 "support", FIRST_EXTRACT - timedelta(days=300),
                                                 index))
                _relate(world, rng, s, cells[region][0], index, case)
        for i, region in enumerate(region_list):
            if i % 2 == 0:
                cell = cells[region]
                company(region, ("9602", True, False), cell[0], "front_business", cell[1:3])
    elif typology == "cannabis":
        for region, cell in cells.items():
            landlord = next((m for m in cell if roles[m] == "landlord"), cell[0])
            tenants = [m for m in cell if roles[m] == "straw_tenant"]
            for t in tenants:
                site = world.new_address(rng, region)
                net.grow_sites.append((site, region))
                world.properties.append((landlord, site, 100))
                world.move(t, site, FIRST_EXTRACT - timedelta(days=rng.randint(200, 700)))
        electricians: list[int] = []
        for i in range(0, len(region_list), 2):
            e = pool.take(region_list[i])
            roles[e] = "electrician"
            world.persons[e].net = index
            cells[region_list[i]].append(e)
            electricians.append(e)
            for region in region_list[i:i + 2]:
                for m in rng.sample(cells[region], k=min(2, len(cells[region]))):
                    _relate(world, rng, e, m, index, case)
        first = region_list[0]
        shop_owner = pool.take(first)
        roles[shop_owner] = "grow_shop"
        world.persons[shop_owner].net = index
        cells[first].append(shop_owner)
        company(first, ("4778", True, False), shop_owner, "grow_shop", [])
        for region in region_list:
            _relate(world, rng, shop_owner, rng.choice(cells[region]), index, case)
        launderer = pool.take(region_list[-1])
        roles[launderer] = "money_launderer"
        world.persons[launderer].net = index
        cells[region_list[-1]].append(launderer)
        for h in heads:
            _relate(world, rng, launderer, h, index, case)
        cash = company(region_list[-1], ("5610", True, False), launderer, "cash_business",
                       [cells[region_list[-1]][0]])
        estate = company(region_list[-1], ("6810", False, False), launderer, "real_estate", [])
        for site, region in net.grow_sites:
            if region == region_list[-1]:
                world.properties.append((company_ref(estate), site, 50))
        world.companies[cash].debt = 0
    else:
        for region, cell in cells.items():
            company(region, ("7810", False, False), cell[0], "front_business", cell[1:3])
    for h in heads:
        for region in region_list:
            if rng.random() < 0.5:
                _relate(world, rng, h, rng.choice(cells[region]), index, case)
    # Members know members of other cells too, so that the network is one group, not loose
    # cells. (When a network splits, the ties between its parts end: see ``_split``.)
    for region, cell in cells.items():
        others = [r for r in region_list if r != region]
        if not others:
            continue
        for m in cell:
            if m not in heads and rng.random() < 0.35:
                _relate(world, rng, m, rng.choice(cells[rng.choice(others)]), index, case)
    net.apart = splittable
    return net


def _plant_all(world: World) -> None:
    rng = world.rng("networks")
    pool = _Pool(world, rng)
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
        rest = rng.sample([r for r in pool.roomy(REGIONS, 16) if r not in first],
                          k=count - len(first))
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


def build_world(preset: Preset, seed: int, key: bytes, geo: Geography) -> World:
    """The wave-1 country: background, decoys and planted networks."""
    world = World(seed=seed, key=key, preset=preset, places=_Places(geo))
    _background(world)
    _plant_all(world)
    return world


# -------------------------------------------------------------------------------------------
# Later waves


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
    pool = _Pool(world, rng)

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
    candidates = [n for n in world.networks if n.active and len(n.cells) >= 2 and
                  n.typology == "omg"]
    for net in candidates[:2]:
        region = list(net.cells)[-1]
        member = next((m for m in net.cells[region] if m not in net.leaders and
                       world.persons[m].addr not in {s for s, _ in net.grow_sites}), None)
        if member is None:
            continue
        world.move(member, world.new_address(rng, region), day0 + timedelta(days=30))
        moved.setdefault(net.id, []).append(member)
    for net_id, members in moved.items():
        world.changes.append(Change("moved", (net_id,), (net_id,), tuple(members)))


def _recruit(world: World, rng: random.Random, pool: _Pool, net: Network, wave: int,
             day0: date) -> None:
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
        _relate(world, rng, r, net.cell_leader[region], index, case)
        for other in net.cells[region]:
            if other != r and rng.random() < 0.6:
                _relate(world, rng, r, other, index, case)
        if net.typology == "omg" and net.club:
            chapter = net.chapters.get(region) or next(iter(net.chapters.values()))
            world.omg.append(OmgRegistration(r, net.club, chapter, "club", "prospect",
                                             day0 + timedelta(days=20), index))
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
    new = Network(f"NET-{index_b + 1:03d}", net.typology,
                  {r: net.cells.pop(r) for r in part_b}, [second],
                  dict.fromkeys(part_b, second))
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
        if rel.net == index_a and ((rel.a in members_a and rel.b in members_b) or
                                   (rel.b in members_a and rel.a in members_b)):
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
            _relate(world, rng, la, lb, index_a, case)
    for region, cell in b.cells.items():
        for m in cell:
            if rng.random() < 0.5:
                _relate(world, rng, m, a.leaders[0], index_a, case)
        a.cells.setdefault(region, []).extend(cell)
        a.cell_leader.setdefault(region, b.cell_leader[region])
    for cell in list(a.cells.values()):
        for m in cell[:3]:
            if rng.random() < 0.5:
                _relate(world, rng, m, b.leaders[0], index_a, case)
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
    world.changes.append(Change("merged", (a.id, b.id), (a.id,),
                                tuple(sorted(m for m in b.roles if not is_company(m)))))


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

