"""The synthetic country's data model: people, companies, networks, decoys, changes, and the
calendar of waves and quarters.

Holders of companies, accounts, vehicles and property are encoded as one ``int``: a person is
its index (``>= 0``), a company ``c`` is ``-(c + 1)`` (see :func:`company_ref`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

__all__ = [
    "FIRST_EXTRACT",
    "PAYROLL_SINCE",
    "WINDOW_QUARTERS",
    "Address",
    "Change",
    "Company",
    "Decoy",
    "Foreigner",
    "Network",
    "OmgRegistration",
    "Person",
    "Relation",
    "add_months",
    "age_of",
    "company_index",
    "company_ref",
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
    case: str = ""  # the police investigation into it (its relations and prosecutions name it)


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


def age_of(p: Person) -> int:
    return FIRST_EXTRACT.year - p.birth.year
