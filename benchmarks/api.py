"""API latency under open-loop load: ``GET /alerts`` and ``GET /clusters/{id}`` at a fixed rate,
the capacity found by stepping the rate, and an overload run above it.

Starts ``knooppunt serve --workers N`` on 127.0.0.1 (its own processes, a temporary audit
directory: one chain per worker) against
the configured Neo4j (``--instance``, default ``KNOOPPUNT_INSTANCE``), which should hold the
medium preset ingested and analysed. Requests are sent on a fixed schedule (request ``i`` at
``t0 + i / rate``) without waiting for earlier answers, alternating between the two endpoints;
a request's latency runs from its scheduled time to its answer, so a slow server cannot hide
its backlog (no coordinated omission). Phases, one server:

1. the fixed rate (``--rate``, ``--seconds``);
2. capacity: open-loop rates from ``--step-start`` up by ``--step-factor``, ``--step-seconds``
   each, until a step misses p99 <= 50 ms with 0 errors twice in a row (a shared machine's
   burst can spoil one); ``capacity_rps`` is the highest that met it;
3. overload: ``--overload-factor`` (3) times ``capacity_rps`` for ``--overload-seconds`` (30):
   answers are accepted (200), rejected (503 with ``Retry-After``, the admission gate) or
   errors (anything else);
4. the same reads straight through the Neo4j driver at ``--rate``: the floor the API adds to.

Every phase reports its errors. The load generator runs in this process on the same machine:
``generator_cpu_s`` is its CPU time per HTTP phase (``server_cpu_s`` the server's: the
supervisor and all its workers), to set against the phase's wall time.

``--workers 1 2`` runs the HTTP phases once per worker count, each against a fresh server, in
this one run (a peer measured on the same machine at the same time); the top-level keys are
those of the last count, ``workers`` says which, and ``by_workers`` holds every count's.
``--profile FILE`` instead profiles one worker's requests in this process (the app under
cProfile, requests through its ASGI interface, no HTTP server), and prints where their CPU
goes by part of the stack.

    python benchmarks/api.py --json out/api.json             # full: about 3-5 minutes
    python benchmarks/api.py --json out/api.json --seconds 10 --step-seconds 5 \
        --overload-seconds 10 --driver-seconds 10            # quick: about a minute

JSON keys: ``rate``, ``p50_ms``, ``p95_ms``, ``p99_ms``, ``errors`` (the fixed-rate phase:
every answer other than 200, 503s of the gate included), ``fixed_*`` (the same phase split as
the overload run's), ``driver_p99_ms``, ``driver_errors``, ``capacity_rps``, ``capacity_steps``,
``overload_rate``, ``overload_accepted_p99_ms``, ``overload_accepted_rps``,
``overload_rejected_share``, ``overload_rejected_p99_ms``, ``overload_errors``,
``generator_cpu_s``, ``server_cpu_s``, ``wall_s`` (the last three per phase); ``workers``,
``by_workers``, ``load_average`` (the machine's 1, 5 and 15 minute load when it ended).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

import psutil

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

#: The capacity criterion: p99 at most this, with no errors.
TARGET_P99_MS: Final = 50.0
OK, REJECTED, ERROR = "ok", "rejected", "error"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")  # written as null in the JSON
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def _open_loop(
    rate: float, seconds: float, send: Callable[[int], Awaitable[str]]
) -> tuple[dict[str, list[float]], float]:
    """Fire ``send(i)`` at ``t0 + i / rate``; returns the latencies (ms) per outcome that
    ``send`` returned (``ok``, ``rejected``, ``error``; an exception is an error) and the
    achieved send rate."""
    total = max(1, int(rate * seconds))
    latencies: dict[str, list[float]] = {OK: [], REJECTED: [], ERROR: []}
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.5

    async def one(i: int, scheduled: float) -> None:
        try:
            outcome = await send(i)
        except (Exception, asyncio.CancelledError):
            # The async driver can end a request whose socket write timed out with a
            # CancelledError of its own (nothing here cancels these tasks): an error like any.
            outcome = ERROR
        latencies[outcome].append((loop.time() - scheduled) * 1000)

    tasks: list[asyncio.Task[None]] = []
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    sent_over = loop.time() - start
    await asyncio.gather(*tasks)
    return latencies, total / sent_over if sent_over > 0 else float("nan")


async def _driver_phase(
    store: Store, cluster_ids: list[str], rate: float, seconds: float
) -> dict[str, list[float]]:
    async def send(i: int) -> str:
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
            await store.cluster_detail(cluster_id, region=None)
        return OK

    latencies, _ = await _open_loop(rate, seconds, send)
    return latencies


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

    async def get(self, path: str) -> tuple[int, bool]:
        """The status of ``GET path`` and whether the answer carried ``Retry-After``."""
        reader, writer = await self.free.get()
        retry_after = False
        request = b"GET " + path.encode() + b" HTTP/1.1\r\nHost: bench\r\n" + self.auth + b"\r\n"
        try:
            writer.write(request)
            await writer.drain()
            first = await reader.readline()
            if not first:
                # The server closed this connection while it was idle (uvicorn's keep-alive
                # timeout is 5 s): not an answer; send again on a new one, as clients do.
                writer.close()
                reader, writer = await asyncio.open_connection(self.host, self.port)
                writer.write(request)
                await writer.drain()
                first = await reader.readline()
            status = int(first.split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"retry-after":
                    retry_after = True
            await reader.readexactly(length)
        except Exception:
            writer.close()
            reader, writer = await asyncio.open_connection(self.host, self.port)
            raise
        finally:
            self.free.put_nowait((reader, writer))
        return status, retry_after

    def close(self) -> None:
        while not self.free.empty():
            self.free.get_nowait()[1].close()


class _Http:
    """The HTTP phases against one server, over one set of connections."""

    def __init__(self, pool: _Connections, cluster_ids: list[str], server: psutil.Process):
        self.pool, self.cluster_ids, self.server = pool, cluster_ids, server
        self.statuses: dict[str, int] = {}

    async def send(self, i: int) -> str:
        """One request; its status (or the exception's class) is counted in ``statuses``."""
        ids = self.cluster_ids
        path = (
            "/alerts?limit=50" if i % 2 == 0 or not ids else f"/clusters/{ids[(i // 2) % len(ids)]}"
        )
        try:
            status, retry_after = await self.pool.get(path)
        except Exception as e:
            self.statuses[type(e).__name__] = self.statuses.get(type(e).__name__, 0) + 1
            return ERROR
        self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
        if status == 200:
            return OK
        return REJECTED if status == 503 and retry_after else ERROR

    async def warm(self) -> None:
        """Warm the connections and the server's caches (not measured)."""
        for _ in range(20):
            await self.send(0)
            await self.send(1)
        self.statuses.clear()

    async def run(self, rate: float, seconds: float) -> dict[str, Any]:
        """One open-loop run: latencies per outcome, statuses, achieved rate and CPU used."""
        self.statuses = {}
        cpu, server_cpu, wall = time.process_time(), _cpu(self.server), time.perf_counter()
        latencies, achieved = await _open_loop(rate, seconds, self.send)
        return {
            "latencies": latencies,
            "statuses": dict(self.statuses),
            "achieved": achieved,
            "generator_cpu_s": round(time.process_time() - cpu, 2),
            "server_cpu_s": round(_cpu(self.server) - server_cpu, 2),
            "wall_s": round(time.perf_counter() - wall, 2),
        }


def _cpu(process: psutil.Process) -> float:
    """CPU seconds of the server: the process and its workers (uvicorn's children)."""
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _errors(run: dict[str, Any]) -> int:
    return len(run["latencies"][ERROR]) + len(run["latencies"][REJECTED])


async def _capacity(
    http: _Http, args: argparse.Namespace
) -> tuple[float, list[dict[str, Any]], dict[str, float]]:
    """The highest stepped open-loop rate with p99 <= 50 ms and no errors (0: none), the
    steps, and the CPU and wall time they took."""
    capacity, steps, rate, misses = 0.0, [], args.step_start, 0
    cpu = {"generator_cpu_s": 0.0, "server_cpu_s": 0.0, "wall_s": 0.0}
    while rate <= args.step_max:
        run = await http.run(rate, args.step_seconds)
        for key in cpu:
            cpu[key] += run[key]
        all_ms = [ms for values in run["latencies"].values() for ms in values]
        p99, errors = _percentile(all_ms, 99), _errors(run)
        steps.append({"rate": round(rate, 1), "p99_ms": round(p99, 2), "errors": errors})
        print(f"capacity step {rate:.0f}/s: p99 {p99:.1f} ms, errors {errors}", file=sys.stderr)
        if p99 > TARGET_P99_MS or errors:
            # On a shared machine one step can miss by a neighbour's burst: it is run once
            # more, and the second miss in a row ends the stepping.
            misses += 1
            if misses == 2:
                break
            continue
        capacity, misses = rate, 0
        rate *= args.step_factor
    return round(capacity, 1), steps, {key: round(value, 2) for key, value in cpu.items()}


def _summary(run: dict[str, Any], prefix: str) -> dict[str, Any]:
    latencies = run["latencies"]
    answered = sum(len(v) for v in latencies.values())
    return {
        f"{prefix}_accepted_p99_ms": round(_percentile(latencies[OK], 99), 2),
        f"{prefix}_accepted_rps": round(len(latencies[OK]) / max(run["wall_s"], 1e-9), 1),
        f"{prefix}_rejected_share": round(len(latencies[REJECTED]) / max(answered, 1), 4),
        f"{prefix}_rejected_p99_ms": round(_percentile(latencies[REJECTED], 99), 2),
        f"{prefix}_errors": len(latencies[ERROR]),
        f"{prefix}_statuses": run["statuses"],
    }


def _start_server(instance: str, log: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "KNOOPPUNT_INSTANCE": instance,
        "KNOOPPUNT_AUDIT_LOG": str(log),
        # A replica name of this server's own: its chains' Neo4j checkpoints are by name, and
        # an earlier server's chain of the same name would make this fresh directory "emptied".
        "KNOOPPUNT_REPLICA": f"bench{os.getpid()}-{port}",
    }
    knooppunt = str(Path(sys.executable).parent / "knooppunt")
    process = subprocess.Popen(
        [
            *(knooppunt, "serve", "--host", "127.0.0.1", "--port", str(port)),
            *("--workers", str(workers), "--log-level", "warning"),
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    if wait_until_ready(base, timeout=180, alive=lambda: process.poll() is None, interval=0.3):
        return process, base
    if process.poll() is not None:
        raise SystemExit("knooppunt serve exited early")
    process.terminate()
    raise SystemExit("the API did not become ready within 180 s")


async def _http_phases(
    base: str, token: str, cluster_ids: list[str], pid: int, args: argparse.Namespace
) -> dict[str, Any]:
    host, port = base.removeprefix("http://").split(":")
    pool = _Connections(host, int(port), token, size=args.connections)
    await pool.open()
    try:
        http = _Http(pool, cluster_ids, psutil.Process(pid))
        await http.warm()
        fixed = await http.run(args.rate, args.seconds)
        print(f"fixed rate {args.rate}/s: statuses {fixed['statuses']}", file=sys.stderr)
        capacity, steps, usage = await _capacity(http, args)
        overload_rate = args.overload_factor * (capacity or args.step_start)
        overload = await http.run(overload_rate, args.overload_seconds)
        print(f"overload {overload_rate:.0f}/s: statuses {overload['statuses']}", file=sys.stderr)
    finally:
        pool.close()
    fixed_ms = [ms for values in fixed["latencies"].values() for ms in values]
    return {
        "rate": args.rate,
        "p50_ms": round(_percentile(fixed_ms, 50), 2),
        "p95_ms": round(_percentile(fixed_ms, 95), 2),
        "p99_ms": round(_percentile(fixed_ms, 99), 2),
        "errors": _errors(fixed),
        **_summary(fixed, "fixed"),
        "achieved_rate": round(fixed["achieved"], 1),
        "capacity_rps": capacity,
        "capacity_steps": steps,
        "overload_rate": round(overload_rate, 1),
        **_summary(overload, "overload"),
        **{
            key: {"fixed": fixed[key], "capacity": usage[key], "overload": overload[key]}
            for key in ("generator_cpu_s", "server_cpu_s", "wall_s")
        },
    }


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    settings = get_settings()
    instance = args.instance or settings.instance
    driver = connect_async(settings, instance)
    try:
        store = Store(driver, settings.neo4j_database)
        cluster_ids = await store.cross_region_cluster_ids()
        token = mint_token(settings, subject="benchmark", org=LIEC, role="analyst")
        by_workers: dict[str, dict[str, Any]] = {}
        for workers in args.workers:
            with tempfile.TemporaryDirectory(prefix="knooppunt-bench-") as tmp:
                process, base = _start_server(instance, Path(tmp) / "audit.log", workers)
                try:
                    run = await _http_phases(base, token, cluster_ids, process.pid, args)
                finally:
                    process.terminate()
                    process.wait(timeout=30)
            by_workers[str(workers)] = run
            print(
                f"{workers} worker(s): capacity {run['capacity_rps']}/s, p99 at {args.rate}/s "
                f"{run['p99_ms']} ms, errors {run['errors']}",
                file=sys.stderr,
            )
        result = {**by_workers[str(args.workers[-1])], "workers": args.workers[-1]}
        driver_lat = await _driver_phase(
            store, cluster_ids, args.rate, args.driver_seconds or args.seconds
        )
    finally:
        await driver.close()
    driver_ms = [ms for values in driver_lat.values() for ms in values]
    print(
        f"clusters used: {len(cluster_ids)}; driver p50 {_percentile(driver_ms, 50):.1f} ms, "
        f"errors {len(driver_lat[ERROR])}",
        file=sys.stderr,
    )
    return {
        **result,
        "driver_p99_ms": round(_percentile(driver_ms, 99), 2),
        "driver_errors": len(driver_lat[ERROR]),
        "by_workers": by_workers,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


#: Parts of the stack, by where a function's code lives (the first that matches).
_PARTS: Final = (
    ("neo4j driver", ("/neo4j/",)),
    ("audit log", ("/api/audit/", "/api/middleware.py")),
    ("admission and telemetry", ("/api/admission.py", "/api/telemetry.py", "/api/metrics.py")),
    ("token check", ("/jwt/", "/api/auth.py")),
    ("pydantic", ("/pydantic/", "/pydantic_core/")),
    ("fastapi and starlette", ("/fastapi/", "/starlette/")),
    ("api code", ("/api/",)),
    ("graph code", ("/graph/",)),
    ("load generator (httpx)", ("/httpx/", "/httpcore/", "/anyio/")),
    ("asyncio event loop", ("/asyncio/",)),
    ("json", ("/json/",)),
)


def _part(filename: str) -> str:
    for name, markers in _PARTS:
        if any(marker in filename for marker in markers):
            return name
    return "builtins" if filename == "~" else "other"


async def _profile(args: argparse.Namespace) -> dict[str, Any]:
    """One worker's requests under cProfile, in this process: the app through its ASGI
    interface (httpx's ASGI transport; no HTTP parsing), 4 at a time (the gate's limit)."""
    import cProfile
    import pstats

    import httpx

    from api.app import create_app

    settings = get_settings()
    instance = args.instance or settings.instance
    token = mint_token(settings, subject="benchmark", org=LIEC, role="analyst")
    with tempfile.TemporaryDirectory(prefix="knooppunt-profile-") as tmp:
        # A chain name of its own: the chains' Neo4j checkpoints are by name (decision 074).
        log = Path(tmp) / f"profile-{os.getpid()}.log"
        chosen = settings.model_copy(update={"audit_log": log})
        app = create_app(chosen, instance=instance)
        async with app.router.lifespan_context(app):
            ids = await app.state.store.cross_region_cluster_ids()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                headers = {"Authorization": f"Bearer {token}"}

                async def one(i: int) -> int:
                    path = (
                        "/alerts?limit=50"
                        if i % 2 == 0 or not ids
                        else f"/clusters/{ids[(i // 2) % len(ids)]}"
                    )
                    return (await client.get(path, headers=headers)).status_code

                for i in range(40):
                    await one(i)
                profiler = cProfile.Profile()
                cpu, wall = time.process_time(), time.perf_counter()
                profiler.enable()
                statuses: dict[str, int] = {}
                for start in range(0, args.profile_requests, 4):
                    for status in await asyncio.gather(*(one(start + k) for k in range(4))):
                        statuses[str(status)] = statuses.get(str(status), 0) + 1
                profiler.disable()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            hits, misses = app.state.store.results.hits, app.state.store.results.misses
    args.profile.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(args.profile.with_suffix(".pstats"))
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    parts: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in raw.items():
        parts[_part(filename)] = parts.get(_part(filename), 0.0) + tottime
    total = sum(parts.values()) or 1.0
    top = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:15]
    n = sum(statuses.values())
    generator = parts.get("load generator (httpx)", 0.0)
    return {
        "profile_requests": n,
        "profile_statuses": statuses,
        "profile_cpu_ms_per_request": round(1000 * cpu / max(n, 1), 3),
        "profile_app_cpu_ms_per_request": round(
            1000 * cpu * (1 - generator / total) / max(n, 1), 3
        ),
        "profile_wall_s": round(wall, 2),
        "profile_cache_hits": hits,
        "profile_cache_misses": misses,
        "profile_parts": {
            k: round(v / total, 3) for k, v in sorted(parts.items(), key=lambda kv: -kv[1])
        },
        "profile_top": [
            {
                "function": f"{Path(f).name}:{line}:{name}",
                "tottime_share": round(value[2] / total, 3),
            }
            for (f, line, name), value in top
        ],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _no_nan(value: Any) -> Any:
    """``value`` with NaN (a percentile of no answers) as ``None``: JSON has no NaN."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {key: _no_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_no_nan(item) for item in value]
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, required=True, help="write the result here")
    parser.add_argument("--rate", type=float, default=300.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the HTTP phase")
    parser.add_argument(
        "--driver-seconds", type=float, default=None, help="driver phase (default: --seconds)"
    )
    parser.add_argument("--step-start", type=float, default=25.0, help="first capacity step /s")
    parser.add_argument("--step-factor", type=float, default=1.5, help="next step: rate * this")
    parser.add_argument("--step-max", type=float, default=2000.0, help="highest step tried")
    parser.add_argument("--step-seconds", type=float, default=10.0, help="length of each step")
    parser.add_argument(
        "--overload-factor", type=float, default=3.0, help="overload rate: capacity * this"
    )
    parser.add_argument("--overload-seconds", type=float, default=30.0, help="overload run")
    parser.add_argument(
        "--connections", type=int, default=128, help="keep-alive connections of the generator"
    )
    parser.add_argument("--instance", default=None, help="local Neo4j instance")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[max(1, len(os.sched_getaffinity(0)))],
        help="the server's worker processes; several: one run each (default: the cores)",
    )
    parser.add_argument(
        "--profile", type=Path, default=None, help="profile one worker in-process instead"
    )
    parser.add_argument(
        "--profile-requests", type=int, default=2000, help="requests of the profile"
    )
    args = parser.parse_args(argv)
    run = _main if args.profile is None else _profile
    result = asyncio.run(run(args))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_no_nan(result), indent=2)
    args.json.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
