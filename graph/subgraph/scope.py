"""A case's scope: the people a person-level read may return (issue 14, ``docs/access.md``).

Person-level detail is read for a registered case, within its scope: its subjects, the members
of its clusters (the *core*), and the people and companies up to ``depth`` steps from the core.
One step is a direct link (association, directorship, employment, ...) or a shared connector
that is not a hub (an address, phone, vehicle, bank account, incident, investigation, ...): the
way the analysis itself ties people together, so that depth 1 holds a subject's housemates and
co-suspects, not only the address they share.

:func:`scope_keys` reads the scope as node keys; the subgraph plans take it (``scope=``) and
never return a person outside it: the walk does not step onto such a person and counts it per
region instead, and a cluster graph drops such people with their links and counts them.
Companies, addresses and other connectors are not people and stay visible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

from graph import queries
from graph.errors import ExitCode, GraphError
from graph.subgraph.model import LINK_TYPES
from graph.subgraph.plan import Plan, rows
from graph.subgraph.reads import chunks

__all__ = [
    "DEFAULT_SCOPE_DEPTH",
    "MAX_SCOPE_DEPTH",
    "OutsideScopeError",
    "Scope",
    "count_by_region",
    "entity_keys",
    "scope_keys",
]

#: Steps from the core a case's scope reaches by default; the LIEC reaches two in a
#: cross-region case (the API decides who gets which).
DEFAULT_SCOPE_DEPTH: Final = 1
MAX_SCOPE_DEPTH: Final = 2
#: The region under which people without a known current home are counted.
UNKNOWN_REGION: Final = "unknown"


class OutsideScopeError(GraphError):
    """A person-level read started from an entity outside the case's scope."""

    exit_code = ExitCode.PRIVACY_REFUSED


@dataclass(frozen=True, slots=True)
class Scope:
    """What a case lets its participants read: entity ids of its subjects (tokens, KvK
    numbers), its cluster ids, and how many steps around them."""

    subjects: frozenset[str]
    clusters: frozenset[str]
    depth: int = DEFAULT_SCOPE_DEPTH

    def __post_init__(self) -> None:
        if not 0 <= self.depth <= MAX_SCOPE_DEPTH:
            raise ValueError(f"scope depth must be 0..{MAX_SCOPE_DEPTH}")


def scope_keys(scope: Scope, *, today: date, hub_limit: int = 50) -> Plan[frozenset[str]]:
    """The node keys in ``scope`` as of ``today`` (the core, then ``depth`` steps out)."""
    params = {"subjects": sorted(scope.subjects), "clusters": sorted(scope.clusters)}
    core = rows((yield queries.SCOPE_CORE, {**params, "today": today}), "keys")
    inside = set(core)
    frontier = list(core)
    for _ in range(scope.depth):
        if not frontier:
            break
        found: list[str] = []
        for chunk in chunks(frontier):
            step = {
                "keys": chunk,
                "link_types": list(LINK_TYPES),
                "hub_limit": hub_limit,
                "today": today,
            }
            found.extend(rows((yield queries.SCOPE_STEP, step), "keys"))
        frontier = [key for key in dict.fromkeys(found) if key not in inside]
        inside.update(frontier)
    return frozenset(inside)


def count_by_region(keys: Iterable[str], *, today: date) -> Plan[dict[str, int]]:
    """The people ``keys`` counted per current home region (``unknown`` when none)."""
    counts: Counter[str] = Counter()
    for chunk in chunks(sorted(set(keys))):
        params = {"keys": chunk, "today": today}
        for row in rows((yield queries.SCOPE_OUTSIDE_REGIONS, params)):
            counts[str(row["region"] or UNKNOWN_REGION)] += int(row["n"])
    return dict(sorted(counts.items()))


def entity_keys(ids: Iterable[str], *, today: date) -> Plan[dict[str, set[str]]]:
    """The node keys of each of ``ids`` (an id may name entities of several kinds)."""
    found: dict[str, set[str]] = {}
    for chunk in chunks(sorted(set(ids))):
        for row in rows((yield queries.SCOPE_ENTITY_KEYS, {"ids": chunk, "today": today})):
            found.setdefault(str(row["id"]), set()).add(str(row["key"]))
    return found
