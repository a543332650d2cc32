"""API latency under open-loop load: ``GET /alerts`` and ``GET /clusters/{id}`` at a fixed rate.

Starts ``knooppunt serve`` on 127.0.0.1 (its own process, its own temporary audit log) against
the configured Neo4j (``--instance``, default ``KNOOPPUNT_INSTANCE``), which should hold the
medium preset ingested and analysed. Requests are sent on a fixed schedule (request ``i`` at
``t0 + i / rate``) without waiting for earlier answers, alternating between the two endpoints;
a request's latency runs from its scheduled time to its answer, so a slow server cannot hide
its backlog (no coordinated omission). Then, in the same run, the same reads go straight
through the Neo4j driver at the same rate: the floor the API adds to.

    python benchmarks/api.py --json out/api.json [--rate 300] [--seconds 60]

JSON keys: ``rate``, ``p50_ms``, ``p95_ms``, ``p99_ms``, ``errors``, ``driver_p99_ms``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

# Run as ``python benchmarks/api.py``, this file's folder comes first on sys.path and its name
# would shadow the ``api`` package it measures.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.modules.pop("api", None)

from api.auth import LIEC, mint_token  # noqa: E402
from api.readiness import wait_until_ready  # noqa: E402
from api.store import Store  # noqa: E402
from graph.driver import connect_async  # noqa: E402
from graph.settings import get_settings  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def _open_loop(
    rate: float, seconds: float, send: Callable[[int], Awaitable[bool]]
) -> tuple[list[float], int, float]:
    """Fire ``send(i)`` at ``t0 + i / rate``; returns latencies (ms), errors, achieved rate."""
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.5

    async def one(i: int, scheduled: float) -> None:
        nonlocal errors
        try:
            ok = await send(i)
        except Exception:
            ok = False
        latencies.append((loop.time() - scheduled) * 1000)
        if not ok:
            errors += 1

    tasks: list[asyncio.Task[None]] = []
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    sent_over = loop.time() - start
    await asyncio.gather(*tasks)
    return latencies, errors, total / sent_over if sent_over > 0 else float("nan")


async def _driver_phase(
    store: Store, cluster_ids: list[str], rate: float, seconds: float
) -> tuple[list[float], int]:
    async def send(i: int) -> bool:
        if i % 2 == 0 or not cluster_ids:
            await store.alerts_page(
                org=LIEC,
                own_region=None,
                cross_only=True,
                status=None,
                typology=None,
                region=None,
                since=None,
                cursor=None,
                limit=51,
            )
        else:
            cluster_id = cluster_ids[(i // 2) % len(cluster_ids)]
            await store.cluster_detail(cluster_id, all_members=False, region=None)
        return True

    latencies, errors, _ = await _open_loop(rate, seconds, send)
    return latencies, errors


class _Connections:
    """A fixed set of keep-alive HTTP/1.1 connections on asyncio streams.

    The load generator must cost far less than the server it measures: httpx's pool spends
    milliseconds of CPU per request once hundreds wait (measured: the generator, not the
    server, became the bottleneck). Requests wait here for a free connection; that wait counts
    in their latency, as the open loop requires.
    """

    def __init__(self, host: str, port: int, token: str, size: int) -> None:
        self.host, self.port, self.size = host, port, size
        self.auth = f"Authorization: Bearer {token}\r\n".encode()
        self.free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )

    async def open(self) -> None:
        for _ in range(self.size):
            self.free.put_nowait(await asyncio.open_connection(self.host, self.port))

    async def get(self, path: str) -> int:
        reader, writer = await self.free.get()
        try:
            writer.write(
                b"GET " + path.encode() + b" HTTP/1.1\r\nHost: bench\r\n" + self.auth + b"\r\n"
            )
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
        except Exception:
            writer.close()
            reader, writer = await asyncio.open_connection(self.host, self.port)
            raise
        finally:
            self.free.put_nowait((reader, writer))
        return status

    def close(self) -> None:
        while not self.free.empty():
            self.free.get_nowait()[1].close()


async def _http_phase(
    base: str, token: str, cluster_ids: list[str], rate: float, seconds: float
) -> tuple[list[float], int, float, dict[str, int]]:
    statuses: dict[str, int] = {}
    host, port = base.removeprefix("http://").split(":")
    pool = _Connections(host, int(port), token, size=64)
    await pool.open()
    try:

        async def send(i: int) -> bool:
            if i % 2 == 0 or not cluster_ids:
                status = await pool.get("/alerts?limit=50")
            else:
                status = await pool.get(f"/clusters/{cluster_ids[(i // 2) % len(cluster_ids)]}")
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            return status == 200

        # Warm the connections and the server's caches (not measured).
        for _ in range(20):
            await send(0)
            await send(1)
        statuses.clear()
        latencies, errors, achieved = await _open_loop(rate, seconds, send)
    finally:
        pool.close()
    return latencies, errors, achieved, statuses


def _start_server(instance: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "KNOOPPUNT_INSTANCE": instance, "KNOOPPUNT_AUDIT_LOG": str(log)}
    knooppunt = str(Path(sys.executable).parent / "knooppunt")
    process = subprocess.Popen(
        [knooppunt, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    if wait_until_ready(base, timeout=60, alive=lambda: process.poll() is None, interval=0.3):
        return process, base
    if process.poll() is not None:
        raise SystemExit("knooppunt serve exited early")
    process.terminate()
    raise SystemExit("the API did not become ready within 60 s")


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    settings = get_settings()
    instance = args.instance or settings.instance
    driver = connect_async(settings, instance)
    try:
        store = Store(driver, settings.neo4j_database)
        cluster_ids = await store.cross_region_cluster_ids()
        token = mint_token(settings, subject="benchmark", org=LIEC, role="analyst")
        with tempfile.TemporaryDirectory(prefix="knooppunt-bench-") as tmp:
            process, base = _start_server(instance, Path(tmp) / "audit.log")
            try:
                http_lat, http_errors, achieved, statuses = await _http_phase(
                    base, token, cluster_ids, args.rate, args.seconds
                )
            finally:
                process.terminate()
                process.wait(timeout=30)
        print(
            f"HTTP phase: {len(http_lat)} requests, p99 {_percentile(http_lat, 99):.1f} ms, "
            f"errors {http_errors}",
            file=sys.stderr,
            flush=True,
        )
        driver_lat, driver_errors = await _driver_phase(
            store, cluster_ids, args.rate, args.driver_seconds or args.seconds
        )
    finally:
        await driver.close()
    print(
        f"clusters used: {len(cluster_ids)}; HTTP statuses: {statuses}; achieved send rate "
        f"{achieved:.1f}/s; HTTP mean {statistics.fmean(http_lat):.1f} ms; "
        f"driver p50 {_percentile(driver_lat, 50):.1f} ms, errors {driver_errors}",
        file=sys.stderr,
    )
    return {
        "rate": args.rate,
        "p50_ms": round(_percentile(http_lat, 50), 2),
        "p95_ms": round(_percentile(http_lat, 95), 2),
        "p99_ms": round(_percentile(http_lat, 99), 2),
        "errors": http_errors,
        "driver_p99_ms": round(_percentile(driver_lat, 99), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, required=True, help="write the result here")
    parser.add_argument("--rate", type=float, default=300.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the HTTP phase")
    parser.add_argument(
        "--driver-seconds", type=float, default=None, help="driver phase (default: --seconds)"
    )
    parser.add_argument("--instance", default=None, help="local Neo4j instance")
    args = parser.parse_args(argv)
    result = asyncio.run(_main(args))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
