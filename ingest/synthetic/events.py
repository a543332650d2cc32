"""Dated events of one quarter: incidents, cases, investigations, permit applications, and
the state of drawing them (:class:`Draw`). :func:`ingest.synthetic.quarters.quarter_events`
draws them from the world's state; drawing is pure (the world is not changed), so a quarter
gives the same events in every wave whose window holds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from ingest.synthetic.model import FIRST_EXTRACT, quarter_start
from ingest.synthetic.world import World

__all__ = [
    "KMAR_PLACES",
    "PROVINCE_CODES",
    "Case",
    "Draw",
    "Event",
    "Inquiry",
    "Permit",
    "QuarterEvents",
    "Who",
]

PROVINCE_CODES: Final = {
    "Groningen": "PV20",
    "Fryslân": "PV21",
    "Drenthe": "PV22",
    "Overijssel": "PV23",
    "Flevoland": "PV24",
    "Gelderland": "PV25",
    "Utrecht": "PV26",
    "Noord-Holland": "PV27",
    "Zuid-Holland": "PV28",
    "Zeeland": "PV29",
    "Noord-Brabant": "PV30",
    "Limburg": "PV31",
}

_OFFENCE: Final = {
    "cannabis_grow_site": "OPIUMW-3B",
    "energy_theft": "SR-310",
    "drugs": "OPIUMW-2",
    "extortion": "SR-317",
    "violence": "SR-302",
    "weapons": "WWM-26",
    "theft": "SR-310",
    "burglary": "SR-311",
    "fraud": "SR-326",
    "traffic": "WVW-8",
    "public_order": "SR-141",
    "money_laundering_signal": "SR-420BIS",
    "labour_exploitation": "SR-273F",
    "identity_fraud": "SR-231",
    "border_incident": "SR-197",
    "seizure": "OPIUMW-2",
    "premises_closure": "OPIUMW-3B",
    "illegal_occupancy": "SR-138",
}
KMAR_PLACES: Final = (
    "Schiphol",
    "Eindhoven Airport",
    "Rotterdam The Hague Airport",
    "Grenspost A67 Venlo",
    "Grenspost A16 Hazeldonk",
    "Grenspost A12 Zevenaar",
    "Maastricht Aachen Airport",
    "Grenspost A1 Oldenzaal",
)

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
    #: the police investigation or report it came from: co-suspects share it
    investigation: str = ""


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


class Draw:
    """One quarter's drawing: its random stream, id sequences and the events so far."""

    def __init__(self, world: World, quarter: int) -> None:
        self.world = world
        self.q = quarter
        self.rng = world.rng("quarter", quarter)
        self.start = quarter_start(quarter)
        self.year = self.start.year
        self.out = QuarterEvents(quarter)
        self.seq: dict[str, int] = {}
        self.people = [
            i
            for i, p in enumerate(world.persons)
            if FIRST_EXTRACT.year - p.birth.year >= 14 and p.kind != "care"
        ]

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

    def prosecute(self, event: Event, share: float, investigation: str | None = None) -> None:
        """Prosecution cases of some of the event's suspects, each naming the investigation
        (or else the police report, ``PV-<registration>``) that the case came from."""
        for who, role in event.persons:
            if role == "suspect" and isinstance(who, int) and self.rng.random() < share:
                decision = self.rng.choices(
                    ("dagvaarding", "sepot", "transactie", "strafbeschikking", "in_behandeling"),
                    (35, 15, 10, 20, 20),
                )[0]
                decided = (
                    None
                    if decision == "in_behandeling"
                    else event.day + timedelta(days=self.rng.randint(20, 200))
                )
                self.out.cases.append(
                    Case(
                        self.next_id("OM"),
                        who,
                        _OFFENCE[event.type],
                        event.day,
                        decision,
                        decided,
                        investigation or f"PV-{event.id}",
                    )
                )
