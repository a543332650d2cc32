"""Benchmark the analysis export (``graph.analysis.export.export_graph``) on a loaded instance.

Times, on the graph the given local instance holds: (1) each ``ANALYSIS_EXPORT_*`` read of
``graph.queries`` alone, one after the other, with the CPU seconds the Neo4j JVM and this
process spent on it; (2) the whole export ``--rounds`` times. On a shared machine wall time
includes waiting for a core: the CPU seconds say where the work goes (decision 069).

Both parts use only names that the export had before decision 069 as well, so that the same
script measures an older checkout (``PYTHONPATH=<that checkout> python benchmarks/export.py``)::

    knooppunt generate --preset medium --seed 2026 --out /tmp/medium
    knooppunt db start --instance bench && knooppunt ingest --bulk --instance bench /tmp/medium
    python benchmarks/export.py --instance bench --as-of 2026-12-03 --json export.json

JSON keys: nodes, links, shares, signals, export_seconds (median of the rounds),
export_seconds_min, export_server_cpu_seconds, export_client_cpu_seconds (of the median
round), rounds, reads (per read: seconds, server_cpu_seconds, client_cpu_seconds, records).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import neo4j

from graph import queries as q
from graph.analysis import export
from graph.analysis.params import AnalysisParams
from graph.driver import connect
from graph.localdb import server
from graph.settings import get_settings


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _reads() -> dict[str, str]:
    """The export's reads by name (the constants' names are the same before and after 069)."""
    return {
        "persons": q.ANALYSIS_EXPORT_PERSONS,
        "companies": q.ANALYSIS_EXPORT_COMPANIES,
        "unknown_region_addresses": q.ANALYSIS_UNKNOWN_REGION_ADDRESSES,
        "direct": q.ANALYSIS_EXPORT_DIRECT,
        **{f"shares_{kind}": query for kind, query in q.ANALYSIS_EXPORT_SHARES.items()},
        "incident_signals": q.ANALYSIS_EXPORT_INCIDENT_SIGNALS,
        "grow_site_signals": q.ANALYSIS_EXPORT_GROW_SITE_SIGNALS,
        "club_signals": q.ANALYSIS_EXPORT_CLUB_SIGNALS,
        "investigation_signals": q.ANALYSIS_EXPORT_INVESTIGATION_SIGNALS,
    }


def _parameters(
    driver: neo4j.Driver, database: str, as_of: date, params: AnalysisParams
) -> dict[str, Any]:
    if hasattr(export, "export_parameters"):
        parameters: dict[str, Any] = export.export_parameters(
            driver, database=database, as_of=as_of, params=params
        )
        return parameters
    # a checkout from before decision 069 built the same parameters inside export_graph
    records, _, _ = driver.execute_query(
        q.ANALYSIS_CURRENT_DELIVERIES, as_of=as_of, database_=database
    )
    current = [d for record in records for d in record[0]]
    not_incidents = {
        "grow_site_at_home",
        "grow_site_property",
        "grow_shop",
        "investigation",
        "front_business",
    }
    types = sorted(
        s for s in params.signal_weights if s not in not_incidents and not s.startswith("club_")
    )
    return {
        "as_of": as_of,
        "roles": export.INVOLVEMENT_ROLES,
        "types": types,
        "current": current or None,
    }


def _time_read(
    driver: neo4j.Driver, database: str, pid: int, query: str, parameters: dict[str, Any]
) -> dict[str, float]:
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        s0, c0, t0 = _cpu_seconds(pid), time.process_time(), time.perf_counter()
        records = [record.values() for record in session.run(query, parameters)]
        seconds = time.perf_counter() - t0
        server, client = _cpu_seconds(pid) - s0, time.process_time() - c0
    return {
        "seconds": round(seconds, 3),
        "server_cpu_seconds": round(server, 2),
        "client_cpu_seconds": round(client, 2),
        "records": len(records),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instance", required=True, help="local Neo4j instance with a preset")
    parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    as_of = date.fromisoformat(args.as_of) if args.as_of else datetime.now(UTC).date()
    params = AnalysisParams()
    settings = get_settings()
    pid = server.status(settings, args.instance).pid
    if pid is None:
        raise SystemExit(f"instance {args.instance!r} is not running")
    database = settings.neo4j_database
    driver = connect(settings, args.instance)
    try:
        parameters = _parameters(driver, database, as_of, params)
        reads = {
            name: _time_read(driver, database, pid, query, parameters)
            for name, query in _reads().items()
        }
        for name, figures in reads.items():
            print(f"{name:26s} {figures}", flush=True)
        rounds = []
        for _ in range(args.rounds):
            s0, c0, t0 = _cpu_seconds(pid), time.process_time(), time.perf_counter()
            raw = export.export_graph(driver, database=database, as_of=as_of, params=params)
            seconds = time.perf_counter() - t0
            rounds.append((seconds, _cpu_seconds(pid) - s0, time.process_time() - c0))
            print(
                f"export {seconds:.2f} s (CPU: Neo4j {rounds[-1][1]:.1f} s, "
                f"this process {rounds[-1][2]:.1f} s)",
                flush=True,
            )
    finally:
        driver.close()
    median = sorted(rounds)[len(rounds) // 2]
    out: dict[str, Any] = {
        "nodes": len(raw.node_ids),
        "links": len(raw.links),
        "shares": len(raw.shares),
        "signals": len(raw.signals),
        "export_seconds": round(statistics.median(r[0] for r in rounds), 2),
        "export_seconds_min": round(min(r[0] for r in rounds), 2),
        "export_server_cpu_seconds": round(median[1], 2),
        "export_client_cpu_seconds": round(median[2], 2),
        "rounds": len(rounds),
        "reads": reads,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in out.items() if k != "reads"}))


if __name__ == "__main__":
    main()
