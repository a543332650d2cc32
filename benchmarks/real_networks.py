"""Real covert networks through the whole chain: deliveries, ingest, analysis, API, roles.

Converts two real covert networks of the shared data folder into partner deliveries, loads
them into a local Neo4j instance with the project's own ingest, analyses them twice (without
the contact counts, ``contact_count_cap=1``, then with them, the default), and after each run
reads the clusters and key players back through the API (in-process, as a region's analyst,
with the reference of a case its coordinator opened); then sets them next to the published
roles and groups (decision 083, ``docs/validation.md``):

- CAVIAR (Morselli 2009): the 11 wiretap phases, calls per pair summed over both directions and
  all phases as one police relation (``aantal``, channel ``call``, first and last contact from
  the phases); the seizures of each phase as police incidents with the players intercepted in
  that phase as ``involved``;
- Montagna (Cavallaro et al. 2020): meetings (channel ``meeting``) and phone calls (``call``)
  with their counts, no dates (the data have none); the 40 persons coded as arrested as
  prosecution suspects (one case each, as the prosecution delivers them).

Every person gets a pseudonymous token made by :mod:`ingest.pseudonymise` with a key drawn for
the run (or ``--key-file``) and lives at an address of its own in one region (CAVIAR
Rotterdam, Montagna Limburg), so that a region's need-to-know covers the cluster. Nothing of
the data is copied into the repository; ``--data`` names the folder (the shared data's
``criminal_networks``, laid out as there).

``--networks caviar`` (or ``montagna``) loads one alone; ``--background DIR`` hides them in a
generated preset (``knooppunt generate``), their rows going into its police, prosecution and
register deliveries, analysed as of its extract date. The instance is wiped first when
``--wipe`` is given (it must be empty otherwise); the script starts it when it does not run and
stops it again afterwards (``--keep`` leaves it running). Figures go to stdout and, with
``--json``, to a file; a failed API read is listed under ``errors`` (exit 1).

Example (about a minute and a half):

    python benchmarks/real_networks.py --instance wtreal --wipe --json real.json
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and benchmarks/ingest.py would
# shadow the ``ingest`` package: put the repository root there instead.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import csv
import json
import logging
import re
import secrets
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Final

import igraph as ig
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth import mint_token
from graph.analysis.params import AnalysisParams
from graph.analysis.projection import project
from graph.analysis.runner import RunSummary, analyse_database
from graph.driver import connect
from graph.geography import Geography, load_geography
from graph.localdb import server
from graph.queries import WIPE_ALL
from graph.schema import apply_schema
from graph.settings import Settings
from ingest.delivery import check_delivery
from ingest.mapping import Mapping, load_mappings
from ingest.pipeline import find_deliveries, ingest_deliveries
from ingest.pseudonymise import pseudonymise_name_dob, read_key_file
from ingest.readers import open_table
from ingest.synthetic.files import DeliverySpec, FileSpec, open_sink, sha256_of, write_manifest
from ingest.synthetic.partners import FILES, region_code

__all__ = [
    "EXTRACT_DATE",
    "Contact",
    "Incident",
    "Network",
    "read_caviar",
    "read_montagna",
    "write_deliveries",
]

#: The extract date of every delivery and the run's ``as_of``: the data carry no calendar
#: dates, so the investigations are placed to end on it (CAVIAR's phases count back from it).
EXTRACT_DATE: Final = date(2026, 11, 30)
#: Days of one CAVIAR wiretap phase (the README: about two months each).
PHASE_DAYS: Final = 61
#: Placeholder date of birth in the token input: the datasets' ids are not names (decision 083).
_DOB: Final = "1900-01-01"
#: Seizures per CAVIAR phase, from the dataset's README (Morselli 2009): phase -> count.
CAVIAR_SEIZURES: Final = {4: 1, 6: 3, 7: 1, 8: 1, 9: 2, 10: 1, 11: 2}
#: Published roles of CAVIAR players (README; names left out on purpose).
CAVIAR_ROLES: Final = {
    "1": "mastermind",
    "3": "principal lieutenant",
    "83": "investor, money transporter",
    "86": "investor, money transporter",
    "85": "financial affairs (accountant)",
    "6": "broker in Spain",
    "11": "provider in Morocco",
    "88": "trusted man of the accountant",
    "106": "transports money and documents",
    "89": "investor",
    "84": "Moroccan investor",
    "5": "recuperates the marijuana",
    "8": "recuperates the marijuana",
    "76": "recuperates the marijuana",
    "77": "airport contacts",
    "87": "investor",
    "82": "transport arrangements manager",
    "96": "transport manager (import company)",
    "12": "principal organiser of the cocaine import",
    "17": "handyman of the cocaine organiser",
    "80": "transported the cocaine to Montreal",
    "33": "took the cocaine in the US",
    "16": "cocaine provider",
}
#: The groups the role table describes (our reading of it, decision 083): the hashish and
#: marijuana import around the leaders, the later cocaine import, and the money side.
CAVIAR_ROLE_GROUPS: Final = {
    **dict.fromkeys(("1", "3", "6", "11", "5", "8", "76", "77", "82", "96"), "core"),
    **dict.fromkeys(("12", "17", "80", "33", "16"), "cocaine"),
    **dict.fromkeys(("83", "86", "85", "88", "106", "89", "84", "87"), "finance"),
}
CAVIAR_LEADERS: Final = ("1", "3", "12")
#: Coded titles of Montagna persons that lead (third-party coding, README).
MONTAGNA_LEADING_TITLES: Final = ("boss", "underboss", "executive")

#: The region each dataset's persons live in (one region each: no cross-region claim).
FOLDERS: Final = {"caviar": "caviar", "montagna": "montagna_sicilian_mafia"}
REGION_OF: Final = {"caviar": "Rotterdam", "montagna": "Limburg"}
_INVESTIGATION: Final = {"caviar": "ONDZ-2026-0901", "montagna": "ONDZ-2026-0902"}

_JWT_SECRET: Final = "real-networks-benchmark-secret-long-enough-0000"


@dataclass(frozen=True, slots=True)
class Contact:
    """The contacts of one pair over one channel (``a`` < ``b`` in dataset order)."""

    a: str
    b: str
    channel: str  # call, meeting
    count: int
    first: date | None = None
    last: date | None = None


@dataclass(frozen=True, slots=True)
class Incident:
    """A police incident with the persons involved (dataset ids)."""

    number: int
    day: date
    kind: str
    involved: tuple[str, ...]


@dataclass
class Network:
    """One dataset as the deliveries need it, with what is published about it."""

    name: str
    people: list[str]
    contacts: list[Contact]
    incidents: list[Incident] = field(default_factory=list)
    prosecuted: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    leaders: tuple[str, ...] = ()
    notes: dict[str, Any] = field(default_factory=dict)


def _order(value: str) -> tuple[int, str]:
    return (len(value), value)


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if _order(a) <= _order(b) else (b, a)


def phase_window(phase: int, phases: int = 11, extract: date = EXTRACT_DATE) -> tuple[date, date]:
    """First and last day of a CAVIAR phase, the last phase ending on the extract date."""
    last = extract - timedelta(days=PHASE_DAYS * (phases - phase))
    return last - timedelta(days=PHASE_DAYS - 1), last


def _read_matrix(path: Path) -> dict[tuple[str, str], int]:
    """Calls per unordered pair of one CAVIAR adjacency matrix (both directions summed)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or len(rows[0]) < 2:
        raise ValueError(f"{path}: not an adjacency matrix with a header row")
    header = [h.strip() for h in rows[0][1:]]
    calls: dict[tuple[str, str], int] = defaultdict(int)
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header) + 1:
            raise ValueError(
                f"{path}: row {line} has {len(row) - 1} cells, the header {len(header)}"
            )
        a = row[0].strip()
        for b, cell in zip(header, row[1:], strict=True):
            text = cell.strip()
            if not text or a == b:
                continue
            try:
                n = float(text)
            except ValueError:
                raise ValueError(f"{path}: row {line}, column {b}: not a number") from None
            if n < 0 or n != int(n):
                raise ValueError(f"{path}: row {line}, column {b}: not a count")
            if n > 0:
                calls[_pair(a, b)] += int(n)
    return calls


def read_caviar(folder: Path, extract: date = EXTRACT_DATE) -> Network:
    """CAVIAR from ``folder/phases/phaseN.csv``: one relation per pair over all phases."""
    files = sorted(
        (int(m.group(1)), p)
        for p in (folder / "phases").glob("phase*.csv")
        if (m := re.fullmatch(r"phase(\d+)\.csv", p.name))
    )
    if not files:
        raise ValueError(f"{folder / 'phases'}: no phaseN.csv files")
    total: dict[tuple[str, str], int] = defaultdict(int)
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    in_phase: dict[int, set[str]] = {}
    for phase, path in files:
        calls = _read_matrix(path)
        in_phase[phase] = {p for pair in calls for p in pair}
        for pair, n in calls.items():
            total[pair] += n
            seen[pair].append(phase)
    contacts = [
        Contact(
            a,
            b,
            "call",
            n,
            phase_window(min(seen[(a, b)]), extract=extract)[0],
            phase_window(max(seen[(a, b)]), extract=extract)[1],
        )
        for (a, b), n in sorted(total.items(), key=lambda kv: (_order(kv[0][0]), _order(kv[0][1])))
    ]
    people = sorted({p for pair in total for p in pair}, key=_order)
    incidents: list[Incident] = []
    for phase, count in sorted(CAVIAR_SEIZURES.items()):
        if phase not in in_phase:
            continue
        first, _ = phase_window(phase, extract=extract)
        for k in range(count):
            day = first + timedelta(days=(k + 1) * PHASE_DAYS // (count + 1))
            involved = tuple(sorted(in_phase[phase], key=_order))
            incidents.append(Incident(len(incidents) + 1, day, "seizure", involved))
    present = set(people)
    return Network(
        name="caviar",
        people=people,
        contacts=contacts,
        incidents=incidents,
        roles={k: v for k, v in CAVIAR_ROLES.items() if k in present},
        groups={k: v for k, v in CAVIAR_ROLE_GROUPS.items() if k in present},
        leaders=tuple(p for p in CAVIAR_LEADERS if p in present),
        notes={
            "phases": len(files),
            "calls": sum(total.values()),
            "pairs": len(total),
            "traffickers": {
                p: ("trafficker" if int(p) <= 82 else "non-trafficker") for p in people
            },
        },
    )


def _read_edges(path: Path) -> dict[tuple[str, str], int]:
    """``src<TAB>dst<TAB>weight`` lines (no header), both orientations summed per pair."""
    weights: dict[tuple[str, str], int] = defaultdict(int)
    for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = text.split()
        if not parts:
            continue
        if len(parts) != 3 or not all(x.isdigit() for x in parts):
            raise ValueError(f"{path}: line {line}: expected three non-negative integers")
        a, b, w = parts
        if a != b and int(w) > 0:
            weights[_pair(a, b)] += int(w)
    return weights


def read_montagna(folder: Path) -> Network:
    """Montagna: meetings and phone calls per pair, the coded attributes (families, titles,
    arrests) from ``mcmacdonald_coded_attributes/montagna_attributes.csv``."""
    meetings = _read_edges(folder / "Montagna_meetings_edgelist.csv")
    calls = _read_edges(folder / "Montagna_phonecalls_edgelist.csv")
    contacts = [Contact(a, b, "meeting", n) for (a, b), n in sorted(meetings.items())]
    contacts += [Contact(a, b, "call", n) for (a, b), n in sorted(calls.items())]
    contacts.sort(key=lambda c: (_order(c.a), _order(c.b), c.channel))
    people = sorted({p for pair in [*meetings, *calls] for p in pair}, key=_order)
    path = folder / "mcmacdonald_coded_attributes" / "montagna_attributes.csv"
    families: dict[str, str] = {}
    titles: dict[str, str] = {}
    arrested: list[str] = []
    present = set(people)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            node = row.get("node") or ""
            if not re.fullmatch(r"N\d+", node):
                raise ValueError(f"{path}: row {line}, column node: expected N<number>")
            pid = node[1:]
            if pid not in present:
                continue
            if row.get("familia") not in (None, "", "-77"):
                families[pid] = str(row["familia"])
            if row.get("title"):
                titles[pid] = str(row["title"])
            if row.get("arrest") == "Y":
                arrested.append(pid)
    return Network(
        name="montagna",
        people=people,
        contacts=contacts,
        prosecuted=sorted(arrested, key=_order),
        roles=titles,
        groups=families,
        leaders=tuple(
            sorted((p for p, t in titles.items() if t in MONTAGNA_LEADING_TITLES), key=_order)
        ),
        notes={
            "meeting_pairs": len(meetings),
            "call_pairs": len(calls),
            "meetings": sum(meetings.values()),
            "calls": sum(calls.values()),
        },
    )


# --- deliveries ---------------------------------------------------------------------------


def person_token(network: str, pid: str, key: bytes) -> str:
    """The person token of a dataset's id (``namedob`` of ``"<dataset> <id>"``)."""
    return pseudonymise_name_dob(f"{network} {pid}", _DOB, key)


def _write(directory: Path, spec: FileSpec, rows: Iterable[dict[str, Any]]) -> int:
    sink = open_sink(directory / spec.name, spec)
    try:
        for row in rows:
            sink.write([row.get(c) for c in spec.columns])
    finally:
        sink.close()
    return sink.rows


def _delivery(root: Path, spec: DeliverySpec, files: dict[str, list[dict[str, Any]]]) -> Path:
    directory = root / spec.delivery_id
    directory.mkdir(parents=True)
    for source in files:
        spec.files.append(FILES[source])
    counts = {FILES[s].name: _write(directory, FILES[s], rows) for s, rows in files.items()}
    write_manifest(directory, spec, counts)
    return directory


def _merge(base: Path, root: Path, files: dict[str, list[dict[str, Any]]]) -> Path:
    """A copy of the background delivery ``base`` under ``root`` with ``files``' rows added
    to its files of those sources (read back with the ingest's own reader), manifest redone."""
    manifest = json.loads((base / "manifest.json").read_text(encoding="utf-8"))
    directory = root / base.name
    shutil.copytree(base, directory)
    entries = {f["source"]: f for f in manifest["files"]}
    for source, rows in files.items():
        spec = FILES[source]
        entry = entries.get(source)
        old: list[dict[str, Any]] = []
        if entry is not None:
            spec = replace(spec, name=entry["name"], encoding=entry.get("encoding", "utf-8"))
            table = open_table(
                directory / spec.name, encoding=spec.encoding, delimiter=spec.delimiter
            )
            old = [row for _, row in table]
        else:
            entry = {"name": spec.name, "source": source, "encoding": spec.encoding}
            manifest["files"].append(entry)
        entry["rows"] = _write(directory, spec, [*old, *rows])
        entry["sha256"] = sha256_of(directory / spec.name)
    (directory / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return directory


def background_extract(background: Path) -> date:
    """The extract date of a generated background's police delivery."""
    for d in find_deliveries([background]):
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("partner") == "POL":
            return date.fromisoformat(manifest["extract_date"])
    raise ValueError(f"{background}: no police delivery to take the extract date from")


def write_deliveries(
    networks: Sequence[Network],
    out: Path,
    key: bytes,
    geography: Geography,
    *,
    extract: date = EXTRACT_DATE,
    background: Path | None = None,
) -> tuple[list[Path], dict[str, tuple[str, str]]]:
    """The deliveries of all networks under ``out`` (one police, one prosecution, one
    population register per region); returns their folders and token -> (network, id).

    With ``background`` (a generated preset's deliveries of the same extract date), its
    deliveries are copied and the networks' rows go into its police, prosecution and
    population-register deliveries (one delivery per stream is current, so no second one)."""
    base: dict[tuple[str, str | None], Path] = {}
    if background is not None:
        for d in find_deliveries([background]):
            m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
            if m["extract_date"] != extract.isoformat():
                raise ValueError(f"{d}: extract date differs from the other deliveries")
            base[(m["partner"], m.get("region"))] = d
        # the municipalities' Bibob deliveries share partner and region with the register's
        base = {k: v for k, v in base.items() if not v.name.endswith("-BIBOB")}

    def emit(spec: DeliverySpec, files: dict[str, list[dict[str, Any]]]) -> Path:
        found = base.pop((spec.partner, spec.region), None)
        return _merge(found, out, files) if found is not None else _delivery(out, spec, files)

    tokens: dict[str, tuple[str, str]] = {}
    tok: dict[tuple[str, str], str] = {}
    for n in networks:
        for p in n.people:
            t = person_token(n.name, p, key)
            tokens[t] = (n.name, p)
            tok[(n.name, p)] = t
    year = extract.year
    relations = [
        {
            "onderzoek": _INVESTIGATION[n.name],
            "persoon_token_1": tok[(n.name, c.a)],
            "persoon_token_2": tok[(n.name, c.b)],
            "soort": "met" if c.channel == "meeting" else "called",
            "datum": c.last,
            "aantal": c.count,
            "eerste_datum": c.first,
            "laatste_datum": c.last,
            "kanaal": c.channel,
        }
        for n in networks
        for c in n.contacts
    ]
    incidents: list[dict[str, Any]] = []
    involved: list[dict[str, Any]] = []
    for i, n in enumerate(networks):
        for inc in n.incidents:
            number = f"PL-{inc.day.year}-{9_000_000 + 1000 * i + inc.number:07d}"
            incidents.append(
                {"registratienummer": number, "datum": inc.day, "incidentsoort": inc.kind}
            )
            involved += [
                {"registratienummer": number, "persoon_token": tok[(n.name, p)], "rol": "involved"}
                for p in inc.involved
            ]
    pol: dict[str, list[dict[str, Any]]] = {"pol_relaties": relations}
    if incidents:
        pol |= {"pol_incidenten": incidents, "pol_betrokkenen": involved}
    stamp = extract.strftime("%Y%m%d")
    out.mkdir(parents=True, exist_ok=True)
    dirs = [emit(DeliverySpec("POL", f"POL-{stamp}-01", extract, "WPG"), pol)]
    cases = [
        {
            "parketnummer": f"99-{900_000 + 1000 * i + j:06d}-{year % 100:02d}",
            "verdachte_token": tok[(n.name, p)],
            "feitcode": "SR-140",
            "beslissing": "in_behandeling",
        }
        for i, n in enumerate(networks)
        for j, p in enumerate(n.prosecuted)
    ]
    if cases:
        spec = DeliverySpec("OM", f"OM-{stamp}-01", extract, "WJSG")
        dirs.append(emit(spec, {"om_zaken": cases}))
    by_region: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for n in networks:
        by_region[REGION_OF.get(n.name, "Rotterdam")] += [(n.name, p) for p in n.people]
    areas = geography.pc4_by_region()
    for region, people in sorted(by_region.items()):
        area = areas[region][0]
        letters = "ABCDEFGHJKLMNPRSTVWXZ"
        rows = [
            {
                "persoon_token": tok[who],
                "postcode": f"{area.pc4}{letters[(k // 20) % len(letters)]}{letters[k % 20]}",
                "huisnummer": 1 + k,
                "gemeentecode": area.municipality.code,
                "datum_aanvang": date(2020, 1, 1),
            }
            for k, who in enumerate(people)
        ]
        spec = DeliverySpec(
            "GEM", f"GEM-{stamp}-{region_code(region)}", extract, "GEM-BRP", region=region
        )
        dirs.append(emit(spec, {"gem_inschrijvingen": rows}))
    if background is not None:  # the rest of the background, unchanged
        for d in find_deliveries([background]):
            if not (out / d.name).exists():
                shutil.copytree(d, out / d.name)
                dirs.append(out / d.name)
    return dirs, tokens


def check_all(dirs: Sequence[Path], mappings: dict[str, Mapping], geography: Geography) -> int:
    """Check every delivery with the ingest's own checker; the rows accepted."""
    rows = 0
    for d in dirs:
        checked = check_delivery(d, mappings, geography)
        try:
            rows += checked.rows
        finally:
            checked.close()
    return rows


# --- through the API ------------------------------------------------------------------------


def _headers(settings: Settings, org: str, role: str, case: str | None = None) -> dict[str, str]:
    token = mint_token(settings, subject=f"real-{role}", org=org, role=role)
    headers = {"Authorization": f"Bearer {token}"}
    if case is not None:
        headers["X-Case-Reference"] = case
    return headers


def _ok(r: Any, what: str) -> Any:
    """The JSON body of a 2xx answer; else an error naming the step and the status."""
    if r.status_code >= 300:
        raise RuntimeError(f"{what}: HTTP {r.status_code}")
    return r.json()


def open_case(
    client: TestClient,
    settings: Settings,
    network: Network,
    tokens: dict[str, tuple[str, str]],
    clusters: Sequence[str],
) -> dict[str, Any]:
    """The region's coordinator opens a case (from the best alert on one of the ``clusters``
    when there is one) and registers the investigation's persons as its subjects."""
    region = REGION_OF[network.name]
    alerts = _ok(
        client.get("/alerts", params={"limit": 100}, headers=_headers(settings, region, "analyst")),
        "alerts",
    )["items"]
    body: dict[str, Any] = {
        "title": f"Validation {network.name}",
        "phenomenon": "other",
        "purpose": "Validation of the analysis on a published covert network (decision 083)",
        "legal_basis": "WPG",
    }
    mine = [a for a in alerts if a.get("case_reference") is None and a["cluster_id"] in clusters]
    if mine:
        body["alert_id"] = max(mine, key=lambda a: float(a.get("score") or 0))["id"]
    coordinator = _headers(settings, region, "coordinator")
    reference = str(
        _ok(client.post("/cases", json=body, headers=coordinator), "open case")["reference"]
    )
    people = [t for t, (n, _) in tokens.items() if n == network.name]
    for i in range(0, len(people), 100):
        _ok(
            client.post(
                f"/cases/{reference}/subjects",
                json={"subjects": people[i : i + 100]},
                headers=coordinator,
            ),
            "add subjects",
        )
    return {"reference": reference, "from_alert": body.get("alert_id"), "alerts": len(alerts)}


def _order_key(m: dict[str, Any]) -> tuple[float, int, int]:
    return (-(m.get("betweenness") or 0.0), -(m.get("core") or 0), -(m.get("degree") or 0))


def read_clusters(
    client: TestClient,
    settings: Settings,
    network: Network,
    reference: str,
    cluster_ids: Iterable[str],
    tokens: dict[str, tuple[str, str]],
    errors: list[str],
) -> list[dict[str, Any]]:
    """Each cluster through ``GET /clusters/{id}`` and ``/graph`` with the case's reference,
    members and key players in the dataset's ids; biggest first. A read that fails is added
    to ``errors`` (endpoint and status) and its cluster left out."""
    region = REGION_OF[network.name]
    headers = _headers(settings, region, "analyst", reference)
    out: list[dict[str, Any]] = []
    for cid in cluster_ids:
        try:
            d = _ok(client.get(f"/clusters/{cid}", headers=headers), "GET /clusters/{id}")
            g = _ok(client.get(f"/clusters/{cid}/graph", headers=headers), "GET .../graph")
        except RuntimeError as e:
            errors.append(f"{network.name}: {e}")
            continue
        contacts = [x for x in g["links"] if x["type"] == "ASSOCIATE"]
        members = sorted(
            (m for m in d["members"] if m["id"] in tokens),
            key=lambda m: (_order_key(m), _order(tokens[m["id"]][1])),
        )
        position = {tokens[m["id"]][1]: i + 1 for i, m in enumerate(members) if m["id"] in tokens}
        out.append(
            {
                "id": cid,
                "size": d["size"],
                "flagged": d["flagged"],
                "score": d["score"],
                "typology": d["typology"],
                "hidden_members": d["hidden_members"],
                "members": [tokens[m["id"]][1] for m in members if m["id"] in tokens],
                "others": int(d["size"]) - len(members),
                "order": position,
                "subgroup": {tokens[m["id"]][1]: m.get("subgroup") for m in members},
                "key_players": [
                    {
                        "id": tokens[k["id"]][1],
                        "rank": k.get("rank"),
                        "rank_interval": k.get("rank_interval"),
                    }
                    for k in d["key_players"]
                    if k.get("id") in tokens
                ],
                "subgroups": [g.get("size") for g in d["subgroups"]],
                "brokers": [tokens[b["id"]][1] for b in d["brokers"] if b["id"] in tokens],
                "evidence": d["evidence"],
                "score_explanation": d["score_explanation"],
                "graph": {
                    "nodes": len(g["nodes"]),
                    "contact_links": len(contacts),
                    "contacts": sum(int(x["properties"].get("count") or 0) for x in contacts),
                    "outside": g["outside"],
                },
            }
        )
    out.sort(key=lambda c: (-int(c["size"]), c["id"]))
    return out


# --- comparison ------------------------------------------------------------------------------


def compare(network: Network, clusters: list[dict[str, Any]]) -> dict[str, Any]:
    """Ranks of the known leaders, and the groups against the clusters."""
    where = {p: i for i, c in enumerate(clusters) for p in c["members"]}
    leaders: dict[str, dict[str, Any]] = {}
    for p in [*network.leaders, *(r for r in network.roles if r not in network.leaders)]:
        if p not in where:
            leaders[p] = {"role": network.roles.get(p), "cluster": None}
            continue
        c = clusters[where[p]]
        api_rank = next((k["rank"] for k in c["key_players"] if k["id"] == p), None)
        leaders[p] = {
            "role": network.roles.get(p),
            "cluster": where[p],
            "cluster_size": c["size"],
            "rank": api_rank,
            "position": c["order"][p],
        }
    groups = sorted(set(network.groups.values()))
    table = {
        g: dict(Counter(str(where.get(p, "none")) for p, pg in network.groups.items() if pg == g))
        for g in groups
    }
    inside = [p for p in network.groups if p in where]
    ari = nmi = None
    if inside and len(groups) > 1:
        a = [where[p] for p in inside]
        b = [groups.index(network.groups[p]) for p in inside]
        ari = round(float(ig.compare_communities(a, b, method="adjusted_rand")), 4)
        nmi = round(float(ig.compare_communities(a, b, method="nmi")), 4)
    # the same with each cluster's sub-groups (decision 072) as the parts
    part = {p: f"{i}.{c['subgroup'].get(p)}" for i, c in enumerate(clusters) for p in c["members"]}
    parts = sorted(set(part.values()))
    ari_sub = None
    if inside and len(groups) > 1:
        ari_sub = round(
            float(
                ig.compare_communities(
                    [parts.index(part[p]) for p in inside],
                    [groups.index(network.groups[p]) for p in inside],
                    method="adjusted_rand",
                )
            ),
            4,
        )
    sub_table = {
        g: dict(Counter(part.get(p, "none") for p, pg in network.groups.items() if pg == g))
        for g in groups
    }
    majority = {
        g: max(
            ((int(k), v) for k, v in t.items() if k != "none"), key=lambda kv: kv[1], default=None
        )
        for g, t in table.items()
    }
    return {
        "clusters": [c["size"] for c in clusters],
        "key_players": sum(len(c["key_players"]) for c in clusters),
        "key_players_leading": sum(
            k["id"] in network.leaders for c in clusters for k in c["key_players"]
        ),
        "key_players_with_role": sum(
            k["id"] in network.roles for c in clusters for k in c["key_players"]
        ),
        "leaders_clustered": sum(p in where for p in network.leaders),
        "leaders_in_top10": sum(
            v.get("rank") is not None for p, v in leaders.items() if p in network.leaders
        ),
        "first_ranked_leading": sum(
            bool(c["key_players"]) and c["key_players"][0]["id"] in network.leaders
            for c in clusters
        ),
        "flagged": [c["flagged"] for c in clusters],
        "scores": [c["score"] for c in clusters],
        "clustered": len(where),
        "people": len(network.people),
        "leaders": leaders,
        "leaders_of": list(network.leaders),
        "groups_table": table,
        "groups_in_clusters": len(inside),
        "adjusted_rand": ari,
        "nmi": nmi,
        "group_majority_cluster": majority,
        "groups_by_subgroup": sub_table,
        "adjusted_rand_subgroups": ari_sub,
    }


def communities(summary: RunSummary, params: AnalysisParams) -> dict[str, int]:
    """The run's Leiden community per node id (the run's own partition: its projection of
    the exported facts gives the node order of ``result.membership``)."""
    assert summary.raw is not None
    graph = project(summary.raw, params)
    membership = summary.result.membership
    return {node: int(membership[i]) for i, node in enumerate(graph.ids)}


def leiden_figures(
    network: Network, community: dict[str, int], tokens: dict[str, tuple[str, str]]
) -> dict[str, Any]:
    """Sizes of the Leiden communities holding the network's persons, and the network's
    groups against them (before the cluster step: cores, merge test, size check)."""
    of = {
        pid: community[t] for t, (n, pid) in tokens.items() if n == network.name and t in community
    }
    sizes = Counter(of.values())
    labels = {
        c: i for i, (c, _) in enumerate(sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])))
    }
    inside = [p for p in network.groups if p in of]
    groups = sorted(set(network.groups.values()))
    ari = None
    if inside and len(groups) > 1:
        ari = round(
            float(
                ig.compare_communities(
                    [labels[of[p]] for p in inside],
                    [groups.index(network.groups[p]) for p in inside],
                    method="adjusted_rand",
                )
            ),
            4,
        )
    table = {
        g: dict(
            Counter(str(labels[of[p]]) for p, pg in network.groups.items() if pg == g and p in of)
        )
        for g in groups
    }
    return {
        "communities": sorted(sizes.values(), reverse=True),
        "groups_table": table,
        "adjusted_rand": ari,
    }


def _cluster_ids(
    summary: RunSummary, tokens: dict[str, tuple[str, str]], network: str
) -> list[str]:
    return [
        c.id
        for c in summary.result.clusters
        if any(tokens.get(m, ("", ""))[0] == network for m in c.members)
    ]


def run_chain(args: argparse.Namespace) -> dict[str, Any]:
    """Convert, ingest, analyse twice, read back, compare."""
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    extract = EXTRACT_DATE if args.background is None else background_extract(args.background)
    networks = [
        read_caviar(args.data / FOLDERS[name], extract)
        if name == "caviar"
        else read_montagna(args.data / FOLDERS[name])
        for name in args.networks
    ]
    key = read_key_file(args.key_file) if args.key_file else secrets.token_bytes(32)
    settings = Settings(instance=args.instance)
    geography = load_geography(settings.require_geography_dir())
    mappings = load_mappings()
    report: dict[str, Any] = {
        "as_of": extract.isoformat(),
        "background": str(args.background) if args.background else None,
        "runs": {},
        "errors": [],
    }
    with tempfile.TemporaryDirectory(prefix="knooppunt-real-") as tmp:
        root = Path(tmp)
        dirs, tokens = write_deliveries(
            networks,
            root / "deliveries",
            key,
            geography,
            extract=extract,
            background=args.background,
        )
        report["deliveries"] = len(dirs)
        report["rows_checked"] = check_all(dirs, mappings, geography)
        status = server.start(settings, args.instance)
        started = not status.already_running
        try:
            with connect(settings, args.instance) as driver:
                db = settings.neo4j_database
                count = driver.execute_query(
                    "MATCH (n) RETURN count(n) AS n", database_=db
                ).records[0]["n"]
                if count and not args.wipe:
                    raise SystemExit(
                        f"instance {args.instance} is not empty; pass --wipe to empty it"
                    )
                with driver.session(database=db) as session:  # IN TRANSACTIONS: implicit
                    session.run(WIPE_ALL, batch=10_000).consume()
                apply_schema(driver, database=db)
                summaries = ingest_deliveries(
                    driver,
                    dirs,
                    mappings=mappings,
                    geography=geography,
                    database=db,
                    rejects_dir=root / "rejects",
                )
                report["ingest"] = [
                    {
                        "delivery": s.delivery_id,
                        "status": s.status,
                        "rows": s.rows,
                        "rejected": s.rejected,
                    }
                    for s in summaries
                ]
                api_settings = settings.model_copy(
                    update={
                        "jwt_secret": SecretStr(_JWT_SECRET),
                        "audit_log": root / "audit.log",
                        "api_request_deadline_s": 60.0,
                        "neo4j_query_timeout_s": 50.0,
                    }
                )
                cases: dict[str, dict[str, Any]] = {}
                for name, params in (
                    ("without_counts", AnalysisParams(contact_count_cap=1)),
                    ("with_counts", AnalysisParams()),
                ):
                    summary = analyse_database(
                        driver, database=db, as_of=extract, params=params, keep_raw=True
                    )
                    community = communities(summary, params)
                    run: dict[str, Any] = {
                        "run_id": summary.run_id,
                        "alerts": len(summary.result.alerts),
                    }
                    with TestClient(create_app(api_settings)) as client:
                        for n in networks:
                            ids = _cluster_ids(summary, tokens, n.name)
                            if n.name not in cases:
                                cases[n.name] = open_case(client, api_settings, n, tokens, ids)
                            found = read_clusters(
                                client,
                                api_settings,
                                n,
                                cases[n.name]["reference"],
                                ids,
                                tokens,
                                report["errors"],
                            )
                            run[n.name] = compare(n, found) | {
                                "detail": found,
                                "leiden": leiden_figures(n, community, tokens),
                            }
                    report["runs"][name] = run
                report["cases"] = cases
        finally:
            if started and not args.keep:
                server.stop(settings, args.instance, force=True)
    report["networks"] = {
        n.name: {
            "people": len(n.people),
            "contacts": len(n.contacts),
            "incidents": len(n.incidents),
            "prosecuted": len(n.prosecuted),
            **{k: v for k, v in n.notes.items() if k != "traffickers"},
        }
        for n in networks
    }
    # The published trafficker / non-trafficker split of CAVIAR, against the clusters too.
    for run in report["runs"].values() if "caviar" in args.networks else ():
        caviar = networks[args.networks.index("caviar")]
        split = Network("caviar", caviar.people, [], groups=caviar.notes["traffickers"])
        found = run["caviar"]["detail"]
        run["caviar"]["trafficker_split"] = {
            k: v
            for k, v in compare(split, found).items()
            if k in ("groups_table", "adjusted_rand", "nmi")
        }
    report["seconds"] = round(time.perf_counter() - t0, 1)
    return report


def _print(report: dict[str, Any]) -> None:
    for name, run in report["runs"].items():
        for net in (n for n in ("caviar", "montagna") if n in run):
            r = run[net]
            print(
                f"{name} {net}: clusters {r['clusters']} flagged {sum(r['flagged'])}, "
                f"clustered {r['clustered']}/{r['people']}, "
                f"ARI {r['adjusted_rand']}, NMI {r['nmi']}, "
                f"members from elsewhere {[c['others'] for c in r['detail']]}"
            )
            for p, v in list(r["leaders"].items())[: 6 if net == "caviar" else 17]:
                print(
                    f"  {net} {p} ({v['role']}): cluster {v.get('cluster')} "
                    f"size {v.get('cluster_size')} rank {v.get('rank')} "
                    f"position {v.get('position')}"
                )
            print(
                f"  key players (top 10 per cluster) {r['key_players']}: leading "
                f"{r['key_players_leading']}, with a published role {r['key_players_with_role']}; "
                f"leaders in a cluster {r['leaders_clustered']}/{len(r['leaders_of'])}, "
                f"in its top 10 {r['leaders_in_top10']}; clusters led by a leader "
                f"{r['first_ranked_leading']}/{len(r['clusters'])}"
            )
            print(f"  groups x clusters: {r['groups_table']}")
            print(f"  groups x sub-groups: {r['groups_by_subgroup']}")
            print(f"  adjusted Rand with sub-groups as parts: {r['adjusted_rand_subgroups']}")
            print(f"  Leiden communities {r['leiden']['communities']}")
    print(f"seconds {report['seconds']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "criminal_networks"
    parser.add_argument("--data", type=Path, default=default, metavar="DIR")
    parser.add_argument(
        "--instance", default="wtreal", help="local Neo4j instance (its data is replaced)"
    )
    parser.add_argument("--wipe", action="store_true", help="empty the instance first")
    parser.add_argument("--keep", action="store_true", help="leave the instance running")
    parser.add_argument(
        "--key-file", type=Path, default=None, help="pseudonymisation key (default: drawn)"
    )
    parser.add_argument(
        "--networks",
        type=lambda v: [x for x in v.split(",") if x],
        default=["caviar", "montagna"],
        help="which, comma-separated (default caviar,montagna: both in one graph)",
    )
    parser.add_argument(
        "--background",
        type=Path,
        default=None,
        metavar="DIR",
        help="a generated preset's deliveries (knooppunt generate) to hide the networks in",
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if not args.networks or set(args.networks) - set(FOLDERS):
        parser.error("--networks: a comma-separated choice of caviar, montagna")
    for sub in (FOLDERS[n] for n in args.networks):
        if not (args.data / sub).is_dir():
            parser.error(
                f"--data: {args.data / sub} is not a folder (the shared data's criminal_networks)"
            )
    report = run_chain(args)
    _print(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if report["errors"]:
        print(f"errors: {report['errors']}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
