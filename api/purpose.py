"""Purpose binding of person-level reads (issue 14, ``docs/access.md``, decision 069).

A person-level read names its case in ``X-Case-Reference``. :func:`bind_case` checks that the
case is registered, open and that the caller's organisation takes part in it
(:func:`api.access.require_purpose`), and reads the case's **scope**: the node keys of its
subjects, its clusters' members and their neighbourhood (:mod:`graph.subgraph.scope`). The
routers pass the keys to the core's readers, which never return a person outside them.

The scope is cached per process (:class:`ScopeCache`) under what it depends on: the case's
reference, the depth, the case's version (every change to the case is an event that raises
it), the latest completed analysis run (its clusters' members), the number of deliveries (new
facts), and the day; and for at most ``ttl_s`` seconds (retention removes facts without a
new delivery). A change of any of these reads the scope afresh, on every worker.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Final

from api.access import require_purpose, require_subject
from api.auth import User
from api.errors import CaseNotRegisteredError, ForbiddenError, OutsideCaseScopeError
from api.store import Store
from graph.cases.binding import CaseAccessFacts
from graph.cases.model import CaseNotFoundError

__all__ = ["SCOPE_TTL_S", "CaseBinding", "ScopeCache", "bind_case", "require_addable"]

#: How long a cached scope is used at most.
SCOPE_TTL_S: Final = 60.0
_MAX_ENTRIES: Final = 256

ScopeKey = tuple[str, int, int, str | None, int, date]


@dataclass(frozen=True, slots=True)
class CaseBinding:
    """A person-level read bound to its case: the case, the depth and keys of its scope."""

    reference: str
    case: CaseAccessFacts
    depth: int
    keys: frozenset[str]


class ScopeCache:
    """Scopes (node keys) by what they depend on, each for at most ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float = SCOPE_TTL_S, max_entries: int = _MAX_ENTRIES) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[ScopeKey, tuple[float, frozenset[str]]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: ScopeKey) -> frozenset[str] | None:
        """The keys cached under ``key`` while fresh, else ``None``."""
        found = self._entries.get(key)
        if found is None or time.monotonic() - found[0] > self.ttl_s:
            self._entries.pop(key, None)
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return found[1]

    def put(self, key: ScopeKey, keys: frozenset[str]) -> None:
        """Cache ``keys``; the least recently used entry goes when the cache is full."""
        self._entries[key] = (time.monotonic(), keys)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


async def _scope(
    store: Store, case: CaseAccessFacts, depth: int, cache: ScopeCache, today: date
) -> frozenset[str]:
    key: ScopeKey = (case.reference, depth, *case.generation(), today)
    keys = cache.get(key)
    if keys is None:
        keys = await store.scope_keys(case.scope(depth), today=today)
        cache.put(key, keys)
    return keys


async def _case(store: Store, reference: str) -> CaseAccessFacts:
    try:
        return await store.case_access(reference)
    except CaseNotFoundError:
        raise CaseNotRegisteredError(
            "the X-Case-Reference names no registered case: register the case first "
            "(POST /cases)"
        ) from None


async def bind_case(
    store: Store, user: User, reference: str, cache: ScopeCache, *, today: date
) -> CaseBinding:
    """The case ``reference`` with its scope for ``user`` (403 problems: not registered, not
    shared with the caller's organisation, not open)."""
    case = await _case(store, reference)
    depth = require_purpose(user, case)
    keys = await _scope(store, case, depth, cache, today)
    return CaseBinding(reference=reference, case=case, depth=depth, keys=keys)


async def require_addable(
    store: Store, user: User, reference: str, ids: list[str], cache: ScopeCache, *, today: date
) -> None:
    """A subject joins a case only from what its participant may see already: a subject in the
    caller's need-to-know (:func:`api.access.require_subject`: its region, a cluster touching
    it; for the LIEC a member of a cross-region cluster) or in the case's scope now. So a case
    cannot be made to reach anyone by naming them (403 ``outside-case-scope``, nothing added).
    Ids not in the graph are left to the write, which refuses them (422)."""
    case = await _case(store, reference)
    depth = require_purpose(user, case)
    inside = await _scope(store, case, depth, cache, today)
    keys = await store.entity_keys(ids, today=today)
    for subject_id in ids:
        if keys.get(subject_id, set()) & inside:
            continue
        subject = await store.subject(subject_id, today=today)
        if subject is None:
            continue
        try:
            require_subject(
                user,
                subject_regions=subject["regions"],
                clusters=[
                    (c.get("regions") or [], bool(c.get("cross_region")))
                    for c in subject["clusters"]
                ],
            )
        except ForbiddenError:
            raise OutsideCaseScopeError(
                "a subject is outside your need-to-know and outside the case's scope: add "
                "subjects of your region or your region's clusters, or ones the case reaches"
            ) from None
