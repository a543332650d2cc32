"""Write the world and its events as the partners' deliveries (``docs/delivery-format.md``).

Rows stream straight into the files; nothing is collected per delivery. Optionally counts the
nodes and links the rows stand for (by label and relationship type, as ``docs/graph-model.md``
maps them), for the size figures of the presets.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from graph.model import NodeLabel, RelType
from ingest.synthetic.contacts import contacts, money
from ingest.synthetic.events import Event, QuarterEvents, Who
from ingest.synthetic.files import Cell, DeliverySpec, Sink, open_sink, write_manifest
from ingest.synthetic.model import Relation, company_index, extract_date, is_company
from ingest.synthetic.partners import deliveries
from ingest.synthetic.world import World

__all__ = ["Output", "Stats"]


def _missing(key: str, per_mille: int) -> bool:
    """A fact a partner does not have: stable per fact (the same in every wave)."""
    return zlib.crc32(key.encode("utf-8")) % 1000 < per_mille


class Stats:
    """Distinct nodes per label and links per type that the delivered rows stand for."""

    def __init__(self) -> None:
        self._nodes: dict[str, set[int]] = {}
        self._links: dict[str, set[int]] = {}

    def node(self, label: NodeLabel, key: str) -> None:
        self._nodes.setdefault(label.value, set()).add(hash(key))

    def link(self, kind: RelType, a: str, b: str) -> None:
        self._links.setdefault(kind.value, set()).add(hash((a, b)))

    def summary(self) -> dict[str, dict[str, int]]:
        nodes = {k: len(v) for k, v in sorted(self._nodes.items())}
        links = {k: len(v) for k, v in sorted(self._links.items())}
        return {
            "nodes": nodes,
            "links": links,
            "totals": {"nodes": sum(nodes.values()), "links": sum(links.values())},
        }


class Output:
    """Open sinks for every delivery of a wave, write rows, then manifests."""

    def __init__(self, world: World, out: Path, wave: int, stats: Stats | None = None) -> None:
        self.world = world
        self.out = out
        self.extract = extract_date(wave)
        self.specs: list[DeliverySpec] = deliveries(self.extract)
        self.sinks: dict[tuple[str | None, str], Sink] = {}
        self.stats = stats
        self.rows = Counter[str]()
        for spec in self.specs:
            directory = out / spec.delivery_id
            directory.mkdir(parents=True, exist_ok=True)
            for f in spec.files:
                self.sinks[(spec.region, f.source)] = open_sink(directory / f.name, f)
        self._accounts: dict[int, str] = {}
        for token, holder in world.accounts:
            self._accounts.setdefault(holder, token)

    # -- helpers ---------------------------------------------------------------------------

    def _write(self, source: str, row: Sequence[Cell], region: str | None = None) -> None:
        self.sinks[(region, source)].write(row)
        self.rows[source] += 1

    def _addr(self, addr: int | None) -> tuple[str | None, int | None, str | None]:
        if addr is None:
            return (None, None, None)
        pc6, number, addition, _, _ = self.world.addresses[addr]
        return (pc6, number, addition or None)

    def _addr_key(self, addr: int) -> str:
        pc6, number, addition, _, _ = self.world.addresses[addr]
        key = f"{pc6}-{number}" + (f"-{addition}" if addition else "")
        if self.stats:
            self.stats.node(NodeLabel.ADDRESS, key)
        return key

    def _token(self, who: Who) -> str:
        return who if isinstance(who, str) else self.world.persons[who].token

    def _holder(self, holder: int) -> tuple[str | None, str | None]:
        """(person token, KvK number) of a holder code."""
        if is_company(holder):
            return (None, self.world.companies[company_index(holder)].kvk)
        return (self.world.persons[holder].token, None)

    def _node_of(self, holder: int) -> str:
        token, kvk = self._holder(holder)
        if self.stats:
            if kvk:
                self.stats.node(NodeLabel.COMPANY, kvk)
            else:
                self.stats.node(NodeLabel.PERSON, token or "")
        return kvk or token or ""

    def _person(self, who: Who) -> str:
        token = self._token(who)
        if self.stats:
            self.stats.node(NodeLabel.PERSON, token)
        return token

    def _link(self, kind: RelType, a: str, b: str) -> None:
        if self.stats:
            self.stats.link(kind, a, b)

    def _n(self, label: NodeLabel, key: str) -> str:
        if self.stats:
            self.stats.node(label, key)
        return key

    # -- events ----------------------------------------------------------------------------

    def events(self, quarter: QuarterEvents) -> None:
        """Write one quarter's incidents, cases, investigations and permits."""
        for ev in quarter.events:
            {
                "POL": self._police,
                "KMAR": self._kmar,
                "DOU": self._customs,
                "NLA": self._inspection,
                "GEM": self._enforcement,
            }[ev.partner](ev)
        for case in quarter.cases:
            self._write(
                "om_zaken",
                (
                    case.id,
                    self.world.persons[case.suspect].token,
                    case.offence,
                    case.day,
                    case.decision,
                    case.decided,
                    case.investigation,
                ),
            )
            suspect = self._person(case.suspect)
            self._link(RelType.SUBJECT_OF, suspect, self._n(NodeLabel.INVESTIGATION, case.id))
            police = self._n(NodeLabel.INVESTIGATION, case.investigation)
            self._link(RelType.SUBJECT_OF, suspect, police)
        for inq in quarter.inquiries:
            self._n(NodeLabel.INVESTIGATION, inq.id)
            for p, role in inq.persons:
                self._write(
                    "fiod_onderzoeken",
                    (inq.id, inq.kind, inq.start, self.world.persons[p].token, None, role),
                )
                self._link(RelType.SUBJECT_OF, self._person(p), inq.id)
            for c, role in inq.companies:
                kvk = self.world.companies[c].kvk
                self._write("fiod_onderzoeken", (inq.id, inq.kind, inq.start, None, kvk, role))
                self._link(RelType.SUBJECT_OF, self._n(NodeLabel.COMPANY, kvk), inq.id)
        for permit in quarter.permits:
            applicant, applicant_kvk = self._holder(permit.applicant)
            pc6, number, addition = self._addr(permit.addr)
            self._n(NodeLabel.PERMIT_APPLICATION, permit.id)
            self._link(RelType.APPLIED_FOR, self._node_of(permit.applicant), permit.id)
            self._link(RelType.CONCERNS, permit.id, self._addr_key(permit.addr))
            if permit.partner == "GEM":
                self._write(
                    "gem_vergunningen",
                    (
                        permit.id,
                        permit.day,
                        permit.kind,
                        applicant_kvk,
                        applicant,
                        pc6,
                        number,
                        addition,
                        "J" if permit.bibob else "N",
                        permit.decision,
                    ),
                    self.world.region_of_addr(permit.addr),
                )
            else:
                province = self.world.places.municipalities[
                    self.world.addresses[permit.addr][3]
                ].province
                self._write(
                    "prov_vergunningen",
                    (
                        permit.id,
                        province,
                        permit.kind,
                        permit.day,
                        applicant_kvk,
                        pc6,
                        number,
                        addition,
                        permit.decision,
                        permit.amount,
                    ),
                )

    def _incident(self, ev: Event) -> str:
        key = self._n(NodeLabel.INCIDENT, ev.id)
        if ev.addr is not None:
            self._link(RelType.CONCERNS, key, self._addr_key(ev.addr))
        return key

    def _police(self, ev: Event) -> None:
        key = self._incident(ev)
        self._write("pol_incidenten", (ev.id, ev.day, ev.type, *self._addr(ev.addr)))
        seen: set[Who] = set()
        for who, role in ev.persons:
            if who in seen:  # one role per person and incident
                continue
            seen.add(who)
            self._write("pol_betrokkenen", (ev.id, self._token(who), role))
            self._link(RelType.INVOLVED_IN, self._person(who), key)
        for vehicle, user in ev.vehicles:
            plate = self.world.vehicles[vehicle][0]
            self._write(
                "pol_voertuigen", (ev.id, plate, None if user is None else self._token(user))
            )
            self._link(RelType.INVOLVED_IN, self._n(NodeLabel.VEHICLE, plate), key)
            if user is not None:
                self._link(RelType.USES, self._person(user), plate)
        for phone, user in ev.phones:
            self._write(
                "pol_telefoons", (ev.id, phone, None if user is None else self._token(user))
            )
            self._n(NodeLabel.PHONE, phone)
            if user is not None:
                self._link(RelType.USES, self._person(user), phone)

    def _kmar(self, ev: Event) -> None:
        key = self._incident(ev)
        plate = self.world.vehicles[ev.vehicles[0][0]][0] if ev.vehicles else None
        for who, role in ev.persons:
            self._write(
                "kmar_incidenten", (ev.id, ev.day, ev.type, ev.place, self._token(who), role, plate)
            )
            self._link(RelType.INVOLVED_IN, self._person(who), key)
            if plate:
                self._link(RelType.USES, self._token(who), self._n(NodeLabel.VEHICLE, plate))
        if plate:
            self._link(RelType.INVOLVED_IN, plate, key)

    def _customs(self, ev: Event) -> None:
        key = self._incident(ev)
        parties: list[tuple[str | None, str | None, str | None]] = []
        for who, _ in ev.persons:
            parties.append((self._person(who), None, None))
            self._link(RelType.INVOLVED_IN, self._token(who), key)
        for c in ev.companies:
            kvk = self._n(NodeLabel.COMPANY, self.world.companies[c].kvk)
            parties.append((None, kvk, None))
            self._link(RelType.INVOLVED_IN, kvk, key)
        for vehicle, _ in ev.vehicles:
            plate = self._n(NodeLabel.VEHICLE, self.world.vehicles[vehicle][0])
            parties.append((None, None, plate))
            self._link(RelType.INVOLVED_IN, plate, key)
        for p_token, p_kvk, p_plate in parties or [(None, None, None)]:
            self._write(
                "dou_inbeslagnames", (ev.id, ev.day, ev.type, ev.goods, p_token, p_kvk, p_plate)
            )

    def _inspection(self, ev: Event) -> None:
        key = self._incident(ev)
        kvk = self._n(NodeLabel.COMPANY, self.world.companies[ev.companies[0]].kvk)
        self._link(RelType.INVOLVED_IN, kvk, key)
        self._write("nla_inspecties", (ev.id, ev.day, ev.type, kvk, *self._addr(ev.addr)))
        for who, role in ev.persons:
            self._write("nla_aangetroffen", (ev.id, self._token(who), role))
            self._link(RelType.INVOLVED_IN, self._person(who), key)

    def _enforcement(self, ev: Event) -> None:
        assert ev.addr is not None
        key = self._incident(ev)
        region = self.world.region_of_addr(ev.addr)
        pc6, number, addition = self._addr(ev.addr)
        rows: list[tuple[str | None, str | None]] = []
        for who, _ in ev.persons:
            rows.append((self._person(who), None))
            self._link(RelType.INVOLVED_IN, self._token(who), key)
        for c in ev.companies:
            kvk = self._n(NodeLabel.COMPANY, self.world.companies[c].kvk)
            rows.append((None, kvk))
            self._link(RelType.INVOLVED_IN, kvk, key)
        for p_token, p_kvk in rows or [(None, None)]:
            self._write(
                "gem_handhaving",
                (ev.id, ev.day, ev.type, pc6, number, addition, p_token, p_kvk),
                region,
            )

    # -- state -----------------------------------------------------------------------------

    def state(self) -> None:
        """Write everything that stands at the extract date (registrations, register, tax)."""
        self._registrations()
        self._register()
        self._tax()
        self._benefits()
        self._police_state()
        self._customs_state()
        self._immigration()

    def _registrations(self) -> None:
        world = self.world
        for p in world.persons:
            token = self._n(NodeLabel.PERSON, p.token)
            seen = {p.addr}  # one registration per person and address
            for addr, since, until in p.history or []:
                if addr in seen:
                    continue
                seen.add(addr)
                self._write(
                    "gem_inschrijvingen",
                    (
                        token,
                        p.birth.year,
                        p.sex,
                        *self._addr(addr),
                        world.addresses[addr][3],
                        since,
                        until,
                    ),
                    world.region_of_addr(addr),
                )
                self._link(RelType.LIVES_AT, token, self._addr_key(addr))
            self._write(
                "gem_inschrijvingen",
                (
                    token,
                    p.birth.year,
                    p.sex,
                    *self._addr(p.addr),
                    world.addresses[p.addr][3],
                    p.since,
                    None,
                ),
                world.region_of_addr(p.addr),
            )
            self._link(RelType.LIVES_AT, token, self._addr_key(p.addr))

    def _register(self) -> None:
        for c in self.world.companies:
            if not c.active:
                continue
            kvk = self._n(NodeLabel.COMPANY, c.kvk)
            self._write(
                "kvk_inschrijvingen",
                (c.kvk, c.name, c.form, c.sbi, c.founded, *self._addr(c.office)),
            )
            self._link(RelType.REGISTERED_AT, kvk, self._addr_key(c.office))
            for i, addr in enumerate(c.establishments):
                self._write(
                    "kvk_vestigingen", (f"{int(c.kvk) * 10 + i + 1:012d}", c.kvk, *self._addr(addr))
                )
                self._link(RelType.REGISTERED_AT, kvk, self._addr_key(addr))
            for holder, since in dict(reversed(c.directors)).items():
                token, other = self._holder(holder)
                self._write("kvk_functionarissen", (c.kvk, "bestuurder", token, other, None, since))
                self._link(RelType.DIRECTORSHIP, self._node_of(holder), kvk)
            owners = {h: (pct, since) for h, pct, since in reversed(c.shareholders)}
            for holder, (pct, since) in owners.items():
                token, other = self._holder(holder)
                self._write(
                    "kvk_functionarissen", (c.kvk, "aandeelhouder", token, other, pct, since)
                )
                self._link(RelType.OWNERSHIP, self._node_of(holder), kvk)

    def _tax(self) -> None:
        world = self.world
        for c in world.companies:
            if not c.active or _missing("bd:" + c.kvk, 20):
                continue
            turnover, cash_pct = money(world.seed, c)
            row = (c.kvk, c.name, c.sbi, "J" if c.cash else "N", c.debt, turnover, cash_pct)
            self._write("bd_bedrijven", row)
            for person, since in dict(reversed(c.employees)).items():
                token = world.persons[person].token
                if _missing(f"loon:{c.kvk}:{token}", 20):
                    continue
                self._write("bd_werknemers", (c.kvk, token, since))
                self._link(
                    RelType.EMPLOYMENT,
                    self._n(NodeLabel.PERSON, token),
                    self._n(NodeLabel.COMPANY, c.kvk),
                )
            for person, since, until in c.past_employees:
                token = world.persons[person].token
                if _missing(f"loon:{c.kvk}:{token}", 20):
                    continue
                self._write("bd_dienstverbanden", (c.kvk, token, since, until))
                self._link(
                    RelType.EMPLOYMENT,
                    self._n(NodeLabel.PERSON, token),
                    self._n(NodeLabel.COMPANY, c.kvk),
                )
        for token, holder in world.accounts:
            if is_company(holder) and not world.companies[company_index(holder)].active:
                continue
            if _missing("iban:" + token, 30):
                continue
            holder_token, holder_kvk = self._holder(holder)
            self._write("bd_rekeningen", (token, holder_token, holder_kvk))
            self._link(RelType.HOLDS, self._node_of(holder), self._n(NodeLabel.BANK_ACCOUNT, token))
        for holder, addr, pct in world.properties:
            holder_token, holder_kvk = self._holder(holder)
            self._write("bd_vastgoed", (holder_token, holder_kvk, *self._addr(addr), pct))
            self._link(RelType.OWNERSHIP, self._node_of(holder), self._addr_key(addr))
        for plate, keeper in world.vehicles:
            if _missing("mrb:" + plate, 20):
                continue
            holder_token, holder_kvk = self._holder(keeper)
            self._write("bd_voertuigen", (plate, holder_token, holder_kvk))
            self._link(RelType.OWNERSHIP, self._node_of(keeper), self._n(NodeLabel.VEHICLE, plate))

    def _benefits(self) -> None:
        """Households receiving benefits (about a third), and every straw tenant at a grow
        site (they claim rent benefit there: the signal Toeslagen contributes)."""
        world = self.world
        skip = set(world.care_homes) | set(world.hubs)
        households: dict[int, list[int]] = {}
        for i, p in enumerate(world.persons):
            if p.addr not in skip:
                households.setdefault(p.addr, []).append(i)
        tenants = {
            m
            for n in world.networks
            if n.active
            for m, role in n.roles.items()
            if role == "straw_tenant"
        }
        owners: dict[int, set[int]] = {}
        for holder, owned, _ in world.properties:
            owners.setdefault(owned, set()).add(holder)
        peil = self.extract - timedelta(days=31)
        year = peil.year
        for n, (addr, members) in enumerate(sorted(households.items())):
            claim = (
                any(m in tenants for m in members) or zlib.crc32(f"tsl:{addr}".encode()) % 100 < 33
            )
            if not claim:
                continue
            members = sorted(members, key=lambda m: world.persons[m].birth)
            kind = "zorgtoeslag" if owners.get(addr, set()) & set(members) else "huurtoeslag"
            if addr in world.student_flats:
                members = members[:1]
            application = f"T-{year}-{n + 1:07d}"
            for i, m in enumerate(members):
                p = world.persons[m]
                role = (
                    "aanvrager"
                    if i == 0
                    else "toeslagpartner"
                    if i == 1 and year - p.birth.year >= 18
                    else "medebewoner"
                )
                account = self._accounts.get(m) if i == 0 else None
                phone = (
                    world.phone_token(m)
                    if i == 0 and zlib.crc32(p.token.encode()) % 10 < 7
                    else None
                )
                self._write(
                    "tsl_huishoudens",
                    (application, p.token, role, kind, *self._addr(addr), account, phone, peil),
                )
                token = self._n(NodeLabel.PERSON, p.token)
                self._link(RelType.LIVES_AT, token, self._addr_key(addr))
                if i == 0 and kind == "huurtoeslag":
                    self._link(RelType.RENTS, token, self._addr_key(addr))
                if account:
                    self._link(RelType.HOLDS, token, self._n(NodeLabel.BANK_ACCOUNT, account))
                if phone:
                    self._link(RelType.USES, token, self._n(NodeLabel.PHONE, phone))

    def _police_state(self) -> None:
        world = self.world
        for reg in world.omg:
            token = self._n(NodeLabel.PERSON, world.persons[reg.person].token)
            self._write("pol_omg", (token, reg.club, reg.chapter, reg.club_kind, reg.role, reg.day))
            self._link(
                RelType.MEMBERSHIP, token, self._n(NodeLabel.CLUB, f"{reg.club}/{reg.chapter}")
            )
        found: dict[tuple[int, int], list[Relation]] = {}
        for rel in world.relations:
            found.setdefault((min(rel.a, rel.b), max(rel.a, rel.b)), []).append(rel)
        for pair, rels in found.items():
            # one row per pair, under the first investigation that found it, with every
            # contact the investigations recorded between the two
            first = rels[0]
            a = self._n(NodeLabel.PERSON, world.persons[first.a].token)
            b = self._n(NodeLabel.PERSON, world.persons[first.b].token)
            count, since, last, channel = contacts(world.seed, pair, rels)
            row = (first.case, a, b, first.kind, last, count, since, last, channel)
            self._write("pol_relaties", row)
            self._link(RelType.ASSOCIATE, a, b)
            case = self._n(NodeLabel.INVESTIGATION, first.case)
            self._link(RelType.SUBJECT_OF, a, case)
            self._link(RelType.SUBJECT_OF, b, case)

    def _customs_state(self) -> None:
        world = self.world
        for sender, receiver, count in world.shipments:
            a, b = world.companies[sender], world.companies[receiver]
            if not (a.active and b.active):
                continue
            last = self.extract - timedelta(days=1 + zlib.crc32(f"{a.kvk}{b.kvk}".encode()) % 80)
            first = last - timedelta(days=min(count * 20, 700))
            self._write("dou_zendingen", (a.kvk, b.kvk, count, first, last))
            self._link(
                RelType.SHIPMENT,
                self._n(NodeLabel.COMPANY, a.kvk),
                self._n(NodeLabel.COMPANY, b.kvk),
            )

    def _immigration(self) -> None:
        for f in self.world.foreigners:
            token, kvk = self._holder(f.sponsor)
            self._write("ind_vergunningen", (f.permit, f.kind, f.start, f.token, token, kvk))
            self._link(
                RelType.SPONSOR, self._node_of(f.sponsor), self._n(NodeLabel.PERSON, f.token)
            )

    # -- finish ----------------------------------------------------------------------------

    def close(self) -> dict[str, int]:
        """Close every file, write the manifests; returns rows per source."""
        for sink in self.sinks.values():
            sink.close()
        for spec in self.specs:
            rows = {f.name: self.sinks[(spec.region, f.source)].rows for f in spec.files}
            write_manifest(self.out / spec.delivery_id, spec, rows)
        return dict(sorted(self.rows.items()))
