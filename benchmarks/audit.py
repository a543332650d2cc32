"""Audit log: what checkpoints cost a request, and how long verify takes on a rotated log.

1. Append latency (median of ``--rounds`` interleaved rounds): ``--requests`` appends
   (``--concurrency`` at a time, as the middleware does, one await per request, group commit),
   once with checkpoints off (every
   10^9 entries or hours) and once with checkpoints every ``--every`` entries and a sink that
   takes 5 ms (a Neo4j write); p50/p99 per append and appends per second.
2. Verify: a log of ``--entries`` entries rotated into segments of ``--segment-bytes``, then
   :func:`api.audit.verify_log` over all of them.

    python benchmarks/audit.py --json out/audit.json [--requests 2000] [--entries 100000]

JSON keys: ``append`` (per mode: ``p50_ms``, ``p99_ms``, ``per_second``, ``checkpoints``),
``verify`` (``entries``, ``files``, ``seconds``, ``entries_per_second``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as ``python benchmarks/audit.py``, this folder would shadow the ``api`` package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.modules.pop("api", None)

from api.audit import AuditLog, AuditPolicy, SignedHead, verify_log  # noqa: E402

KEY = b"benchmark-audit-key-0123456789abcdef"
_ENTRY: dict[str, Any] = {
    "kind": "request",
    "subject": "analyst-7",
    "org": "Limburg",
    "role": "analyst",
    "method": "GET",
    "endpoint": "/clusters/{cluster_id}",
    "path": "/clusters/CL-0123abcd",
    "path_params": {"cluster_id": "CL-0123abcd"},
    "params": {},
    "case_reference": "RIEC-2024-0042",
    "status": 200,
    "result_size": 12,
    "duration_ms": 3.2,
    "client": "127.0.0.1",
}


def _quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1]


async def _appends(
    path: Path, policy: AuditPolicy, requests: int, concurrency: int
) -> dict[str, Any]:
    handed: list[int] = []

    async def sink(mark: SignedHead) -> None:
        await asyncio.sleep(0.005)
        handed.append(mark.seq)

    log = AuditLog.open(path, KEY, policy)
    log.start_checkpoints(sink)
    latencies: list[float] = []

    async def one() -> None:
        began = time.perf_counter()
        await log.append(dict(_ENTRY))
        latencies.append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    for _ in range(requests // concurrency):
        await asyncio.gather(*(one() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await log.aclose()
    return {
        "p50_ms": round(statistics.median(latencies), 3),
        "p99_ms": round(_quantile(latencies, 0.99), 3),
        "per_second": round(len(latencies) / elapsed),
        "checkpoints": len(handed),
    }


async def _write_log(path: Path, entries: int, segment_bytes: int) -> None:
    log = AuditLog.open(path, KEY, AuditPolicy(rotate_bytes=segment_bytes))
    batch = 1000  # group commit: one write and one fsync per batch
    for start in range(0, entries, batch):
        count = min(batch, entries - start)
        await asyncio.gather(*(log.append({**_ENTRY, "n": start + n}) for n in range(count)))
    await log.aclose()


def _verify(folder: Path, entries: int, segment_bytes: int) -> dict[str, Any]:
    path = folder / "verify.log"
    asyncio.run(_write_log(path, entries, segment_bytes))
    began = time.perf_counter()
    report = verify_log(path, KEY)
    seconds = time.perf_counter() - began
    return {
        "ok": report.ok,
        "entries": report.entries,
        "files": len(report.files),
        "seconds": round(seconds, 3),
        "entries_per_second": round(report.entries / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median)")
    parser.add_argument("--every", type=int, default=100, help="checkpoint every N entries")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--segment-bytes", type=int, default=8 * 1024 * 1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        modes = {
            "checkpoints_off": AuditPolicy(checkpoint_entries=10**9, checkpoint_seconds=3600),
            f"checkpoints_every_{args.every}": AuditPolicy(
                checkpoint_entries=args.every, checkpoint_seconds=10
            ),
        }
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in modes}
        for round_ in range(args.rounds):  # interleaved, so that a noisy disk hits both
            for name, policy in modes.items():
                log = root / f"{name}-{round_}.log"
                rounds[name].append(
                    asyncio.run(_appends(log, policy, args.requests, args.concurrency))
                )
        append = {
            name: {key: statistics.median(r[key] for r in results) for key in results[0]}
            for name, results in rounds.items()
        }
        figures = {"append": append, "verify": _verify(root, args.entries, args.segment_bytes)}
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
