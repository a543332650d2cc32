"""The audit chain's head anchored outside the log (checkpoints), rotation, and pruning
(issue 17 items 5 and 9, decision 066)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import api.audit.log as audit_log_module
from api.audit import AuditLog, AuditPolicy, SignedHead, prune_log, read_entries, verify_log
from api.audit.chain import compute_mac
from api.audit.files import anchor_path, checkpoint_path, read_head, segments
from api.errors import AuditBrokenError

KEY = b"unit-test-audit-key-0123456789abcdef"
#: Rotates after about three entries.
SMALL = AuditPolicy(rotate_bytes=400)


def _log_with(path: Path, n: int, policy: AuditPolicy | None = None) -> None:
    log = AuditLog.open(path, KEY, policy)
    try:
        for i in range(n):
            log.append_sync({"kind": "request", "endpoint": "/alerts", "status": 200, "i": i})
    finally:
        log.close()


def _refused(path: Path, *fragments: str) -> None:
    with pytest.raises(AuditBrokenError) as caught:
        AuditLog.open(path, KEY)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_an_untouched_log_passes_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 3)
    assert read_head(checkpoint_path(path), "checkpoint") is not None
    _log_with(path, 2)
    report = verify_log(path, KEY)
    assert report.ok, report.problems
    assert (report.head_seq, report.checkpoint_seq) == (5, 5)


def test_a_cut_tail_refuses_the_start(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 4)
    lines = path.read_text().splitlines()[:-2]
    path.write_text("\n".join(lines) + "\n")
    _refused(path, str(path), "ends at seq 2", "records seq 4")


def test_an_emptied_or_deleted_file_fails_verify_and_refuses_the_start(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 3)
    path.write_bytes(b"")
    report = verify_log(path, KEY)
    assert not report.ok
    assert any("ends at seq 0" in p and "emptied" in p for p in report.problems)
    _refused(path, "ends at seq 0", "records seq 3")
    path.unlink()
    assert not verify_log(path, KEY).ok
    _refused(path, "records seq 3")


def test_a_deleted_checkpoint_file_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 3)
    checkpoint_path(path).unlink()
    assert any("no checkpoint file" in p for p in verify_log(path, KEY).problems)
    _refused(path, "no checkpoint file")


def test_a_forged_checkpoint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 3)
    stored = json.loads(checkpoint_path(path).read_text())
    stored["seq"] = 2  # lowered so that a cut to seq 2 would pass
    checkpoint_path(path).write_text(json.dumps(stored))
    assert any("signature is wrong" in p for p in verify_log(path, KEY).problems)
    _refused(path, "signature is wrong")


def test_a_checkpoint_cannot_pass_as_an_entry_or_an_anchor(tmp_path: Path) -> None:
    mark = SignedHead.signed(KEY, "checkpoint", chain="api.log", seq=3, mac="ab" * 32, segment="")
    assert mark.valid(KEY)
    assert mark.sig != compute_mac(KEY, mark.as_dict())
    as_anchor = SignedHead(**{**mark.as_dict(), "purpose": "anchor"})
    assert not as_anchor.valid(KEY)
    assert not mark.valid(b"another-key")


def test_a_checkpoint_kept_elsewhere_refuses_a_cut_log(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 4)
    neo4j_mark = read_head(checkpoint_path(path), "checkpoint")
    assert neo4j_mark is not None
    # Cut the tail and put back a checkpoint file that matches the cut log (made with the key,
    # as a restored backup would be): only the checkpoint kept in Neo4j still knows better.
    lines = path.read_text().splitlines()[:-1]
    path.write_text("\n".join(lines) + "\n")
    old = SignedHead.signed(
        KEY, "checkpoint", chain="api.log", seq=3, mac=json.loads(lines[-1])["mac"], segment=""
    )
    checkpoint_path(path).write_text(json.dumps(old.as_dict()))
    log = AuditLog.open(path, KEY)
    try:
        with pytest.raises(AuditBrokenError, match="ends at seq 3 but the Neo4j"):
            log.refuse_if_behind(neo4j_mark, "the Neo4j checkpoint")
    finally:
        log.close()
    report = verify_log(path, KEY, neo4j_checkpoint=neo4j_mark)
    assert any("Neo4j checkpoint records seq 4" in p for p in report.problems)


def test_rotation_by_size_continues_the_chain_and_verify_walks_the_segments(
    tmp_path: Path,
) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 12, SMALL)
    found = segments(path)
    assert len(found) >= 3
    entries = list(read_entries(path))
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    rotations = [e for e in entries if e["kind"] == "rotation"]
    assert [r["previous_segment"] for r in rotations] == [p.name for _, p in found]
    report = verify_log(path, KEY)
    assert report.ok, report.problems
    assert report.files == [p.name for _, p in found] + ["api.log"]
    _log_with(path, 1, SMALL)  # reopens across segments
    assert verify_log(path, KEY).ok


def test_rotation_by_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 2, AuditPolicy(rotate_daily=True))
    assert segments(path) == []
    monkeypatch.setattr(audit_log_module, "_today", lambda: "2999-01-01")
    _log_with(path, 2, AuditPolicy(rotate_daily=True))
    assert [p.name for _, p in segments(path)] == ["api.log.000000000001"]
    assert verify_log(path, KEY).ok


@pytest.mark.parametrize("which", [0, 1, -1])
def test_a_deleted_segment_fails_verify_and_refuses_the_start(tmp_path: Path, which: int) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 12, SMALL)
    victim = segments(path)[which][1]
    victim.unlink()
    report = verify_log(path, KEY)
    assert not report.ok
    assert any("a segment deleted" in p for p in report.problems), report.problems
    _refused(path, "a segment is missing")


def test_prune_deletes_old_segments_behind_an_anchor(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 12, SMALL)
    before = segments(path)
    assert prune_log(path, KEY, cutoff=datetime.now(UTC) - timedelta(days=1)).deleted == []
    result = prune_log(path, KEY, cutoff=datetime.now(UTC) + timedelta(days=1))
    assert result.deleted == [p.name for _, p in before[:-1]]  # never the newest segment
    assert segments(path) == before[-1:]
    anchor = read_head(anchor_path(path), "anchor")
    assert anchor is not None
    assert anchor.seq == result.anchor_seq == before[-1][0] - 1
    report = verify_log(path, KEY)
    assert report.ok, report.problems
    assert report.anchor_seq == anchor.seq
    _log_with(path, 1, SMALL)  # the writer starts from the anchored chain
    assert verify_log(path, KEY).ok
    # The remaining oldest segment deleted by hand, without an anchor: found.
    segments(path)[0][1].unlink()
    assert not verify_log(path, KEY).ok
    _refused(path, "a segment is missing")


def test_prune_refuses_a_broken_chain_and_a_forged_anchor_is_found(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 12, SMALL)
    first = segments(path)[0][1]
    first.unlink()
    with pytest.raises(AuditBrokenError, match="nothing pruned"):
        prune_log(path, KEY, cutoff=datetime.now(UTC) + timedelta(days=1))
    forged = SignedHead.signed(
        b"not-the-key", "anchor", chain="api.log", seq=3, mac="00" * 32, segment=first.name
    )
    anchor_path(path).write_text(json.dumps(forged.as_dict()))
    assert any("signature is wrong" in p for p in verify_log(path, KEY).problems)


def test_a_torn_last_line_still_recovers_with_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    _log_with(path, 3, SMALL)
    with path.open("ab") as handle:
        handle.write(b'{"seq": 99, "kind": "req')
    _log_with(path, 1, SMALL)
    report = verify_log(path, KEY)
    assert report.ok, report.problems
    assert any(e["kind"] == "recovery" for e in read_entries(path))


def test_background_checkpoints_reach_the_file_and_the_sink(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    handed: list[int] = []
    failures = [True]  # the first hand-over fails (Neo4j down), the next is retried

    async def sink(mark: SignedHead) -> None:
        if failures and failures.pop():
            raise ConnectionError("down")
        handed.append(mark.seq)

    async def main() -> None:
        log = AuditLog.open(path, KEY, AuditPolicy(checkpoint_entries=5, checkpoint_seconds=60))
        log.start_checkpoints(sink)
        try:
            await asyncio.gather(*(log.append({"kind": "request", "n": n}) for n in range(6)))
            for _ in range(200):
                await asyncio.sleep(0.01)
                stored = read_head(checkpoint_path(path), "checkpoint")
                if stored is not None and stored.seq == 6:
                    break
            assert stored is not None
            assert stored.seq == 6
            assert handed == []  # the sink failed: the file checkpoint stands regardless
            await log.append({"kind": "request", "n": 7})
        finally:
            await log.aclose()  # the last checkpoint, retried into the sink

    asyncio.run(main())
    assert handed == [7]
    stored = read_head(checkpoint_path(path), "checkpoint")
    assert stored is not None
    assert stored.seq == 7


def test_the_api_refuses_to_start_on_a_cut_log_and_starts_without_neo4j(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.api_offline import AUDIT_KEY, offline_settings

    path = tmp_path / "audit" / "api-audit.log"
    settings = offline_settings(path)
    with TestClient(create_app(settings)) as client:  # Neo4j does not answer: it starts
        for _ in range(3):
            assert client.get("/alerts").status_code == 401
    assert verify_log(path, AUDIT_KEY.encode()).ok
    lines = path.read_text().splitlines()[:-1]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(AuditBrokenError, match=r"api-audit.log: the log ends at seq 2"):  # noqa: SIM117
        with TestClient(create_app(settings)):
            pass
