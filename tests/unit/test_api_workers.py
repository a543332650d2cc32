"""Several API workers: each its own audit chain (a slot per worker), one verify and one read
over all chains, and the stored results' cache by generation (decision 074)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from api.audit import (
    AuditLog,
    chain_logs,
    read_all_entries,
    read_entries,
    verify_chains,
    worker_log_path,
)
from api.audit.files import checkpoint_path, segments
from api.audit.log import AuditPolicy
from api.cli import default_workers
from api.errors import AuditBrokenError, AuditLogError
from api.store import MISSING, ResultsCache
from graph.errors import ExitCode
from graph.settings import get_settings
from knooppunt.cli import main

KEY = b"workers-test-audit-key-0123456789abcdef"


def _write(log: AuditLog, n: int, label: str) -> None:
    for i in range(n):
        log.append_sync({"kind": "request", "status": 200, "subject": f"{label}-{i}"})


def test_worker_chains_are_named_by_replica_and_slot(tmp_path: Path) -> None:
    base = tmp_path / "api-audit.log"
    assert worker_log_path(base, "web1-0") == tmp_path / "api-audit@web1-0.log"
    with pytest.raises(ValueError, match="identity"):
        worker_log_path(base, "web1/../0")


def test_each_worker_takes_a_free_slot_and_a_restarted_one_continues_its_chain(
    tmp_path: Path,
) -> None:
    base = tmp_path / "audit" / "api-audit.log"
    first = AuditLog.open_worker(base, KEY, replica="web1", slots=2)
    second = AuditLog.open_worker(base, KEY, replica="web1", slots=2)
    assert (first.path.name, second.path.name) == ("api-audit@web1-0.log", "api-audit@web1-1.log")
    assert first.base == second.base == base
    # Every slot held (the flock of each live writer): a third worker refuses to start.
    with pytest.raises(AuditLogError, match="all 2 audit chains of replica 'web1' are held"):
        AuditLog.open_worker(base, KEY, replica="web1", slots=2)
    _write(first, 3, "a")
    _write(second, 2, "b")
    first.close()  # the worker died; the one started in its place takes its slot
    again = AuditLog.open_worker(base, KEY, replica="web1", slots=2)
    assert again.path == first.path
    _write(again, 1, "c")
    assert [e["seq"] for e in read_entries(again.path)] == [1, 2, 3, 4]
    # Another replica never shares a chain with this one.
    other = AuditLog.open_worker(base, KEY, replica="web2", slots=2)
    assert other.path.name == "api-audit@web2-0.log"
    for log in (again, second, other):
        log.close()
    report = verify_chains(base, KEY)
    assert report.ok, report.problems
    assert [r.path.name for r in report.chains] == [
        "api-audit@web1-0.log",
        "api-audit@web1-1.log",
        "api-audit@web2-0.log",
    ]
    assert report.entries == 6


def test_a_broken_slot_refuses_the_start_instead_of_being_skipped(tmp_path: Path) -> None:
    base = tmp_path / "api-audit.log"
    log = AuditLog.open_worker(base, KEY, replica="web1", slots=2)
    _write(log, 4, "a")
    log.close()
    lines = log.path.read_text().splitlines()[:-2]  # the tail cut behind its checkpoint
    log.path.write_text("\n".join(lines) + "\n")
    with pytest.raises(AuditBrokenError, match="entries were removed from the end"):
        AuditLog.open_worker(base, KEY, replica="web1", slots=2)


def test_chains_are_found_by_any_of_their_files(tmp_path: Path) -> None:
    base = tmp_path / "api-audit.log"
    plain = AuditLog.open(base, KEY)
    _write(plain, 1, "p")
    plain.close()
    rotating = AuditLog.open(worker_log_path(base, "web1-0"), KEY, AuditPolicy(rotate_bytes=200))
    _write(rotating, 6, "r")
    rotating.close()
    assert segments(rotating.path)  # rotated segments are not chains of their own
    gone = AuditLog.open(worker_log_path(base, "web1-1"), KEY)
    _write(gone, 2, "g")
    gone.close()
    (tmp_path / "unrelated.log").write_text("")
    (tmp_path / "api-audit@web1-9.log.tmp").write_text("")
    gone.path.unlink()  # the active file deleted: its checkpoint still names the chain
    assert chain_logs(base) == [base, rotating.path, gone.path]
    report = verify_chains(base, KEY)
    assert not report.ok
    assert [c.path for c in report.chains if not c.ok] == [gone.path]
    assert any(str(gone.path) in p and "does not exist" in p for p in report.problems)


def test_one_verify_finds_an_edit_in_any_chain(tmp_path: Path) -> None:
    base = tmp_path / "api-audit.log"
    logs = [AuditLog.open_worker(base, KEY, replica="web1", slots=2) for _ in range(2)]
    for n, log in enumerate(logs):
        _write(log, 3, f"w{n}")
        log.close()
    target = logs[1].path
    lines = target.read_text().splitlines()
    entry = json.loads(lines[1])
    entry["status"] = 500
    lines[1] = json.dumps(entry)
    target.write_text("\n".join(lines) + "\n")
    report = verify_chains(base, KEY)
    assert not report.ok
    assert report.chains[0].ok
    assert report.problems == [f"{target}: line 2 (seq 2): MAC mismatch, the entry was edited"]
    assert report.as_dict()["chains"][1]["chain"] == target.name


def test_all_chains_are_read_in_one_order_by_time_then_chain_then_seq(tmp_path: Path) -> None:
    base = tmp_path / "api-audit.log"
    a = AuditLog.open_worker(base, KEY, replica="web1", slots=2)
    b = AuditLog.open_worker(base, KEY, replica="web1", slots=2)
    order = [a, b, b, a, b, a]
    for n, log in enumerate(order):
        log.append_sync({"kind": "request", "subject": f"s{n}"})
    a.close()
    b.close()
    merged = list(read_all_entries(base))
    assert len(merged) == 6
    keys = [(e["time"], e["chain"], e["seq"]) for e in merged]
    assert keys == sorted(keys)
    # Entries written in distinct milliseconds come out in the order they were written.
    if len({e["time"] for e in merged}) == 6:
        assert [e["subject"] for e in merged] == [f"s{n}" for n in range(6)]
    assert {e["chain"] for e in merged} == {a.path.name, b.path.name}


def test_audit_verify_and_prune_cover_every_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "api-audit.log"
    monkeypatch.setenv("KNOOPPUNT_AUDIT_KEY", KEY.decode())
    monkeypatch.setenv("KNOOPPUNT_AUDIT_LOG", str(base))
    monkeypatch.setenv("KNOOPPUNT_HOME", str(tmp_path / "home"))  # no local Neo4j instance
    get_settings.cache_clear()
    try:
        policy = AuditPolicy(rotate_bytes=300)
        logs = [AuditLog.open_worker(base, KEY, policy, replica="h", slots=2) for _ in range(2)]
        for n, log in enumerate(logs):
            _write(log, 8, f"w{n}")
            log.close()
        assert main(["audit", "verify", "--neo4j", "skip", "--json"]) == ExitCode.OK
        report = json.loads(capsys.readouterr().out)
        assert report["ok"] is True
        assert report["entries"] == sum(len(list(read_entries(log.path))) for log in logs)
        assert [c["chain"] for c in report["chains"]] == ["api-audit@h-0.log", "api-audit@h-1.log"]
        monkeypatch.setenv("KNOOPPUNT_AUDIT_RETENTION_DAYS", "30")
        get_settings.cache_clear()
        assert main(["audit", "prune", "--as-of", "2999-01-01", "--json"]) == ExitCode.OK
        pruned = json.loads(capsys.readouterr().out)
        assert {c["chain"] for c in pruned["chains"] if c["deleted"]} == {
            "api-audit@h-0.log",
            "api-audit@h-1.log",
        }
        assert main(["audit", "verify", "--neo4j", "skip"]) == ExitCode.OK
        checkpoint_path(logs[0].path).unlink()  # one chain's checkpoint deleted: found
        assert main(["audit", "verify", "--neo4j", "skip"]) == ExitCode.AUDIT_BROKEN
        err = capsys.readouterr().err
        assert "api-audit@h-0.log.checkpoint: no checkpoint file" in err
    finally:
        get_settings.cache_clear()


def test_serve_defaults_to_the_cores_this_process_may_use() -> None:
    assert default_workers() == len(os.sched_getaffinity(0)) >= 1


# --- the stored results' cache ----------------------------------------------------------------


def test_results_are_served_only_at_the_generation_they_were_read_at() -> None:
    cache = ResultsCache(max_entries=2)
    g1, g2 = (1, "run-1", 0), (1, "run-1", 1)
    cache.put(g1, "a", ["rows of a"])
    assert cache.get(g1, "a") == ["rows of a"]
    assert cache.hits == 1
    # A status change (another version) is a miss, and storing under it empties the cache.
    assert cache.get(g2, "a") is MISSING
    cache.put(g2, "b", None)  # "not found" is a result too
    assert cache.invalidations == 1
    assert len(cache) == 1
    assert cache.get(g2, "a") is MISSING
    assert cache.get(g2, "b") is None
    # A request that read the older generation finds nothing, so it reads afresh.
    assert cache.get(g1, "b") is MISSING
    cache.put(g2, "c", 3)
    cache.get(g2, "b")
    cache.put(g2, "d", 4)  # the least recently used ("c") goes
    assert cache.get(g2, "c") is MISSING
    assert cache.get(g2, "b") is None
    assert cache.get(g2, "d") == 4
    assert cache.misses == 4
