"""The synthetic country at one moment (:class:`World`), with its factories for identifiers
(pseudonymised BSN, plate, IBAN and phone tokens, KvK numbers), addresses, people and
companies.

Everything is drawn from ``random.Random`` streams seeded by strings (``f"{seed}:part"``), so
the same seed gives the same world on every platform.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from graph.geography import Geography
from graph.vocabulary import REGIONS
from ingest.pseudonymise import bsn_is_valid, pseudonymise
from ingest.synthetic.model import (
    FIRST_EXTRACT,
    Address,
    Change,
    Company,
    Decoy,
    Foreigner,
    Network,
    OmgRegistration,
    Person,
    Relation,
    company_index,
    company_ref,
    is_company,
)
from ingest.synthetic.presets import Preset
from ingest.synthetic.vocabulary import FORMS, LETTERS, SBI, WORDS

__all__ = ["Places", "World"]


class Places:
    """Real PC4 areas, weighted by inhabitants, per region and nationally."""

    def __init__(self, geo: Geography) -> None:
        areas = [
            a for a in sorted(geo.pc4_areas.values(), key=lambda a: a.pc4) if a.inhabitants > 0
        ]
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
    places: Places
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
        letters = len(LETTERS)
        a, b, c = n % letters, (n // letters) % letters, (n // letters**2) % letters
        digits = (n // letters**3) % 1000
        plate = f"{LETTERS[a]}{LETTERS[b]}-{digits:03d}-{LETTERS[c]}"
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

    def new_address(
        self, rng: random.Random, region: str | None = None, number_max: int = 250
    ) -> int:
        places = self.places
        while True:
            if region is None:
                area = rng.choices(places.all, cum_weights=places.cum)[0]
            else:
                area = rng.choices(
                    places.by_region[region], cum_weights=places.cum_by_region[region]
                )[0]
            pc6 = area.pc4 + rng.choice(LETTERS) + rng.choice(LETTERS)
            number = (
                min(int(rng.paretovariate(1.1)), number_max)
                if rng.random() < 0.5
                else rng.randint(1, 120)
            )
            addition = rng.choice(("A", "B", "1", "2", "HS", "BIS")) if rng.random() < 0.08 else ""
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

    def new_person(
        self, rng: random.Random, addr: int, age: tuple[int, int], since: date, kind: str = "normal"
    ) -> int:
        years = rng.randint(*age)
        birth = FIRST_EXTRACT - timedelta(days=years * 365 + rng.randint(0, 364))
        person = Person(
            self.new_bsn_token(rng),
            birth,
            rng.choice("MV") if rng.random() > 0.003 else "X",
            addr,
            max(since, birth),
            None,
            kind,
        )
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

    def new_company(
        self,
        rng: random.Random,
        office: int,
        *,
        form: str | None = None,
        sbi: tuple[str, bool, bool] | None = None,
        name: str | None = None,
    ) -> int:
        if sbi is None:
            code, cash, trading, _ = rng.choices(SBI, weights=[s[3] for s in SBI])[0]
        else:
            code, cash, trading = sbi
        if form is None:
            form = rng.choices([f for f, _ in FORMS], weights=[w for _, w in FORMS])[0]
        suffix = {"bv": " B.V.", "nv": " N.V.", "vof": " V.O.F.", "stichting": ""}.get(form, "")
        label = name or f"{rng.choice(WORDS)} {rng.choice(WORDS)}{suffix}"
        founded = FIRST_EXTRACT - timedelta(days=rng.randint(60, 30 * 365))
        company = Company(self.new_kvk(rng), label, form, code, founded, office, cash, trading)
        if rng.random() < 0.1:
            company.debt = int(rng.paretovariate(1.2) * 2_000)
        self.companies.append(company)
        index = len(self.companies) - 1
        company.accounts.append(self.add_account([company_ref(index)]))
        return index
