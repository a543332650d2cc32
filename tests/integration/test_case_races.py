"""Concurrent changes of one case at the level of the core's operations (:mod:`graph.cases.ops`)
on the real Neo4j: two drivers, two threads released together by a barrier, while a third
transaction holds the case's write lock, so that both changes have started and read the case
before either may write. Without the lock each statement takes before it reads
(``graph.cases.queries._LOCKED``), both read the state they expect and both write: a lost
update. Checked by removing that ``SET c._lock = true REMOVE c._lock`` line: the status test
then fails (both changes "won", versions 4 and 5, the case ends in the second one's state) and
so does the invitation test (both invite, the organisation is invited twice).

Subjects added at once are additive (each links its own), so they are kept with or without the
lock; the test shows that each gets its own version and event.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import neo4j
import pytest

from graph.cases import ops
from graph.cases.model import CaseError
from graph.cases.ops import run_case_plan
from graph.cases.records import Actor, NewCase
from graph.driver import connect
from graph.settings import Settings
from graph.subgraph.plan import Plan, run_sync
from tests.integration.api_seed import IDS

pytest_plugins = ["tests.integration.api_support"]

_LIMBURG = Actor(subject="Limburg-coordinator", org="Limburg", role="coordinator")
#: How long the lock holder waits, after the barrier, for both changes to reach the lock.
_HOLD_S = 1.0


@pytest.fixture(scope="module")
def drivers(
    seeded: neo4j.Driver, neo4j_settings: Settings, test_instance: str
) -> Iterator[tuple[neo4j.Driver, neo4j.Driver]]:
    """Two more drivers (each its own connection pool), one for each racing change."""
    pair = (connect(neo4j_settings, test_instance), connect(neo4j_settings, test_instance))
    try:
        yield pair
    finally:
        for d in pair:
            d.close()


def _open(driver: neo4j.Driver, database: str) -> str:
    new = NewCase(
        title="Race case",
        phenomenon="cannabis",
        purpose="Two coordinators change this case at once",
        legal_basis="WPG",
    )
    ref = run_case_plan(ops.open_case(new, _LIMBURG, year=datetime.now(UTC).year), driver, database)
    run_case_plan(
        ops.change_status(ref, target="intake", expected="signal", reason=None, actor=_LIMBURG),
        driver,
        database,
    )
    return ref


def _race(
    seeded: neo4j.Driver,
    drivers: tuple[neo4j.Driver, neo4j.Driver],
    database: str,
    ref: str,
    plans: tuple[Callable[[str], Plan[Any]], Callable[[str], Plan[Any]]],
) -> list[Any]:
    """Run the two plans on ``ref`` at once, each through its own driver, while a note added
    in an open transaction holds the case's lock; each result, or the :class:`CaseError` it
    raised. The plans run once on another case first, so that planning their queries (slow
    the first time) does not delay a change past the lock holder's commit."""
    warm = _open(seeded, database)
    for plan in plans:
        with contextlib.suppress(CaseError):
            run_case_plan(plan(warm), seeded, database)
    barrier = threading.Barrier(3)
    results: list[Any] = [None, None]

    def racer(i: int) -> None:
        barrier.wait()
        try:
            results[i] = run_case_plan(plans[i](ref), drivers[i], database)
        except CaseError as e:
            results[i] = e

    threads = [threading.Thread(target=racer, args=(i,)) for i in (0, 1)]
    with seeded.session(database=database) as session, session.begin_transaction() as tx:

        def in_tx(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
            return [dict(r) for r in tx.run(query, params)]

        # the holder's change: written, not committed, so the case's lock stays taken
        run_sync(ops.add_note(ref, "held", _LIMBURG), in_tx)
        for t in threads:
            t.start()
        barrier.wait()
        time.sleep(_HOLD_S)
        assert all(t.is_alive() for t in threads), "a change did not wait for the case's lock"
        tx.commit()
    for t in threads:
        t.join(timeout=30)
    return results


def _view(seeded: neo4j.Driver, database: str, ref: str) -> ops.CaseView:
    return run_case_plan(ops.read_case(ref), seeded, database)


def test_two_status_changes_at_once_lose_no_update(
    seeded: neo4j.Driver, drivers: tuple[neo4j.Driver, neo4j.Driver], neo4j_settings: Settings
) -> None:
    db = neo4j_settings.neo4j_database
    ref = _open(seeded, db)

    def change(target: str, reason: str | None) -> Callable[[str], Plan[int]]:
        return lambda r: ops.change_status(
            r, target=target, expected="intake", reason=reason, actor=_LIMBURG
        )

    results = _race(
        seeded, drivers, db, ref, (change("analysis", None), change("signal", "premature"))
    )
    won = [i for i, r in enumerate(results) if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, CaseError)]
    assert len(won) == 1, results
    assert len(lost) == 1, results
    assert lost[0].kind == "case-changed"
    case = _view(seeded, db, ref)
    assert case.record.status == ("analysis", "signal")[won[0]]
    kinds = [e.kind for e in case.events]
    assert kinds == ["opened", "status_changed", "note_added", "status_changed"]
    assert case.record.version == 4
    assert [e.n for e in case.events] == [1, 2, 3, 4]


def test_two_invitations_of_one_organisation_at_once_make_one(
    seeded: neo4j.Driver, drivers: tuple[neo4j.Driver, neo4j.Driver], neo4j_settings: Settings
) -> None:
    db = neo4j_settings.neo4j_database
    ref = _open(seeded, db)
    invite = lambda r: ops.invite(r, "Oost-Brabant", _LIMBURG)  # noqa: E731
    results = _race(seeded, drivers, db, ref, (invite, invite))
    assert sorted(type(r).__name__ for r in results) == ["CaseView", "ParticipationError"]
    case = _view(seeded, db, ref)
    assert case.record.invited == ["Oost-Brabant"]
    assert [e.kind for e in case.events].count("participant_invited") == 1
    assert case.record.version == 4


def test_subjects_added_at_once_are_all_kept(
    seeded: neo4j.Driver, drivers: tuple[neo4j.Driver, neo4j.Driver], neo4j_settings: Settings
) -> None:
    db = neo4j_settings.neo4j_database
    ref = _open(seeded, db)
    first = lambda r: ops.add_subjects(r, [IDS["pL1"], IDS["pL2"]], _LIMBURG)  # noqa: E731
    second = lambda r: ops.add_subjects(r, [IDS["pL2"], IDS["KVK_L"]], _LIMBURG)  # noqa: E731
    results = _race(seeded, drivers, db, ref, (first, second))
    assert all(isinstance(r, ops.CaseView) for r in results), results
    case = _view(seeded, db, ref)
    assert {s["id"] for s in case.subjects} == {IDS["pL1"], IDS["pL2"], IDS["KVK_L"]}
    added = [e for e in case.events if e.kind == "subject_added"]
    assert len(added) == 2
    assert sorted(e.n for e in case.events) == list(range(1, 6))
    assert case.record.version == 5
