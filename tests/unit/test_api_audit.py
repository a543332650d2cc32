"""The audit log: durable appends, group commit, and tamper evidence."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

import pytest

from api.audit import GENESIS, AuditLog, read_entries, verify_log
from api.errors import AuditLogError

KEY = b"unit-test-audit-key-0123456789abcdef"


def _log_with(path: Path, n: int) -> None:
    log = AuditLog.open(path, KEY)
    try:
        for i in range(n):
            log.append_sync({"kind": "request", "endpoint": "/alerts", "status": 200, "i": i})
    finally:
        log.close()


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_chain_verifies_and_resumes_across_opens(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "api.log"
    _log_with(path, 3)
    _log_with(path, 2)
    entries = list(read_entries(path))
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0]["prev"] == GENESIS
    assert all(b["prev"] == a["mac"] for a, b in itertools.pairwise(entries))
    report = verify_log(path, KEY)
    assert report.ok, report.problems
    assert (report.entries, report.head_seq) == (5, 5)
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_editing_an_entry_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 4)
    lines = _lines(path)
    entry = json.loads(lines[1])
    entry["status"] = 403
    lines[1] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")
    report = verify_log(path, KEY)
    assert not report.ok
    assert any("line 2" in p and "MAC mismatch" in p for p in report.problems)


@pytest.mark.parametrize("index", [0, 2])
def test_deleting_an_entry_is_detected(tmp_path: Path, index: int) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 5)
    lines = _lines(path)
    del lines[index]
    path.write_text("\n".join(lines) + "\n")
    report = verify_log(path, KEY)
    assert not report.ok
    assert any("deleted" in p for p in report.problems)


def test_replacing_an_entry_with_a_resigned_one_needs_the_key(tmp_path: Path) -> None:
    # Recomputing a MAC without the key does not help: a guessed key fails verification.
    path = tmp_path / "api.log"
    _log_with(path, 3)
    assert not verify_log(path, b"another-key").ok


def test_truncating_the_tail_is_detected_by_verify_alone(tmp_path: Path) -> None:
    # Before decision 066 a shorter chain passed unless --expect-seq came from elsewhere; the
    # checkpoint file written by the writer now anchors the head.
    path = tmp_path / "api.log"
    _log_with(path, 4)
    head = verify_log(path, KEY).head_seq
    lines = _lines(path)[:-1]
    path.write_text("\n".join(lines) + "\n")
    report = verify_log(path, KEY)
    assert not report.ok
    assert "ends at seq 3" in report.problems[0]
    assert "records seq 4" in report.problems[0]
    report = verify_log(path, KEY, expect_seq=head)  # --expect-seq still works
    assert any("removed from the end" in p and "seq 4 was recorded" in p for p in report.problems)


def test_torn_tail_is_cut_and_recorded(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 2)
    with path.open("ab") as handle:
        handle.write(b'{"seq": 3, "kind": "req')
    assert not verify_log(path, KEY).ok
    _log_with(path, 1)
    report = verify_log(path, KEY)
    assert report.ok, report.problems
    entries = list(read_entries(path))
    assert entries[2]["kind"] == "recovery"
    assert entries[2]["dropped_bytes"] == len(b'{"seq": 3, "kind": "req')


def test_open_refuses_a_forged_last_entry_and_a_second_writer(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 2)
    log = AuditLog.open(path, KEY)
    try:
        with pytest.raises(AuditLogError, match="in use"):
            AuditLog.open(path, KEY)
    finally:
        log.close()
    lines = _lines(path)
    entry = json.loads(lines[-1])
    entry["subject"] = "someone-else"
    lines[-1] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(AuditLogError, match="MAC"):
        AuditLog.open(path, KEY)


def test_concurrent_appends_share_writes_and_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "api.log"

    async def main() -> list[int]:
        log = AuditLog.open(path, KEY)
        try:
            return await asyncio.gather(
                *(log.append({"kind": "request", "n": n}) for n in range(200))
            )
        finally:
            await log.aclose()

    seqs = asyncio.run(main())
    assert sorted(seqs) == list(range(1, 201))
    entries = list(read_entries(path))
    assert len(entries) == 200
    # Each caller got the seq of its own entry.
    assert all(entries[seq - 1]["n"] == n for n, seq in enumerate(seqs))
    assert verify_log(path, KEY).ok


def test_missing_log_is_reported(tmp_path: Path) -> None:
    report = verify_log(tmp_path / "absent.log", KEY)
    assert not report.ok
    assert "does not exist" in report.problems[0]
