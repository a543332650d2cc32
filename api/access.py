"""Need-to-know: which caller may see or change what (the rules of ``docs/access.md``).

Pure functions of the caller and the facts about the thing asked for; the routers call them and
the queries pass their results as parameters. Summary:

- a RIEC (analyst or coordinator) sees the alerts and clusters that touch its region; members
  outside its region appear only as counts per region unless the request carries a case
  reference;
- the LIEC sees national aggregates and all cross-region clusters (and their alerts);
- coordinators change the status of an alert for their own organisation; analysts do not;
- the privacy officer exports a subject and reads the audit log, and sees no alerts or clusters;
- person-level endpoints require an ``X-Case-Reference`` header naming an open case in which
  the caller's organisation takes part, and return only people within the case's scope
  (:func:`require_purpose`, :func:`scope_depth`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, Literal

from api.auth import Role, User
from api.errors import (
    CaseNotOpenError,
    CaseNotSharedError,
    CaseReferenceRequiredError,
    ForbiddenError,
)
from graph.cases.binding import CaseAccessFacts
from graph.cases.records import CaseRecord
from graph.subgraph.scope import DEFAULT_SCOPE_DEPTH, MAX_SCOPE_DEPTH
from graph.vocabulary import REGIONS

__all__ = [
    "CASE_REFERENCE_HEADER",
    "OPERATIONAL_ROLES",
    "CaseStanding",
    "alert_visible",
    "audit_scope",
    "case_standing",
    "cluster_visible",
    "require_accept",
    "require_alert_status_change",
    "require_bibob_handler",
    "require_bibob_submitter",
    "require_case_opener",
    "require_case_participant",
    "require_case_reader",
    "require_case_reference",
    "require_case_steering",
    "require_cluster",
    "require_export",
    "require_export_scope",
    "require_invite",
    "require_operational",
    "require_purpose",
    "require_subject",
    "scope_depth",
    "trend_regions",
    "valid_case_reference",
]

CASE_REFERENCE_HEADER: Final = "X-Case-Reference"
#: Roles that work with alerts, clusters, networks and trends.
OPERATIONAL_ROLES: Final = frozenset({Role.ANALYST, Role.COORDINATOR})
_MAX_CASE_REFERENCE = 64


def require_operational(user: User) -> None:
    """Alerts, clusters, networks and trends are for analysts and coordinators only."""
    if user.role not in OPERATIONAL_ROLES:
        raise ForbiddenError(
            f"role '{user.role.value}' does not see alerts, clusters, networks or trends"
        )


def require_case_reference(value: str | None, pattern: str) -> str:
    """The request's case reference, or :class:`CaseReferenceRequiredError`.

    The error names the rule, never the value sent.
    """
    if value is None or not value.strip():
        raise CaseReferenceRequiredError(
            f"person-level data needs an {CASE_REFERENCE_HEADER} header (the case it is for)"
        )
    value = value.strip()
    if len(value) > _MAX_CASE_REFERENCE or re.fullmatch(pattern, value) is None:
        raise CaseReferenceRequiredError(
            f"{CASE_REFERENCE_HEADER} does not match the configured case reference pattern"
        )
    return value


def valid_case_reference(value: str | None, pattern: str) -> str | None:
    """The case reference when one is sent and valid, ``None`` when none is sent.

    A header that is sent but malformed is refused (a typo must not silently hide members).
    """
    if value is None or not value.strip():
        return None
    return require_case_reference(value, pattern)


def alert_visible(user: User, *, regions: Iterable[str], cross_region: bool) -> bool:
    """A RIEC sees alerts that concern its region; the LIEC those on cross-region clusters."""
    if user.role not in OPERATIONAL_ROLES:
        return False
    if user.is_liec:
        return cross_region
    return user.org in set(regions)


def cluster_visible(user: User, *, regions: Iterable[str], cross_region: bool) -> bool:
    """A RIEC sees clusters that touch its region; the LIEC every cross-region cluster."""
    return alert_visible(user, regions=regions, cross_region=cross_region)


def require_cluster(user: User, *, regions: Iterable[str], cross_region: bool) -> None:
    """Refuse a cluster outside the caller's need-to-know."""
    require_operational(user)
    if not cluster_visible(user, regions=regions, cross_region=cross_region):
        if user.is_liec:
            raise ForbiddenError("the LIEC sees cross-region clusters only")
        raise ForbiddenError("this cluster does not touch your region")


def require_alert_status_change(user: User, *, regions: Iterable[str], cross_region: bool) -> str:
    """Coordinators change an alert's status for their own organisation; returns that org."""
    require_operational(user)
    if not alert_visible(user, regions=regions, cross_region=cross_region):
        raise ForbiddenError("this alert does not concern your organisation")
    if user.role is not Role.COORDINATOR:
        raise ForbiddenError("only coordinators change the status of an alert")
    return user.org


def require_subject(
    user: User,
    *,
    subject_regions: Iterable[str | None],
    clusters: Iterable[tuple[Iterable[str], bool]],
) -> None:
    """A Bibob check starts from a subject in the caller's need-to-know.

    A RIEC may start from a subject whose own region (a person's address, a company's office or
    establishments) is its region, or who is a member of a cluster that touches its region. The
    LIEC may start from a member of a cross-region cluster.
    """
    require_operational(user)
    cluster_list = [(list(regions), cross) for regions, cross in clusters]
    if user.is_liec:
        if any(cross for _, cross in cluster_list):
            return
        raise ForbiddenError("the LIEC checks members of cross-region clusters only")
    if user.org in {r for r in subject_regions if r}:
        return
    if any(user.org in regions for regions, _ in cluster_list):
        return
    raise ForbiddenError("this subject is outside your region and your region's clusters")


def require_export(user: User) -> None:
    """Only privacy officers export what is held under a token (subject-access requests)."""
    if user.role is not Role.PRIVACY_OFFICER:
        raise ForbiddenError("only a privacy officer exports a subject")


def require_export_scope(user: User, subject_regions: Iterable[str | None]) -> None:
    """A RIEC's privacy officer exports only subjects of its own region (a person's address,
    a company's office or establishments); the LIEC's any subject."""
    if user.is_liec:
        return
    if user.org not in {r for r in subject_regions if r}:
        raise ForbiddenError("this subject does not live or sit in your region")


def audit_scope(user: User) -> str | None:
    """Which audit entries a privacy officer reads: their own organisation's; all for the LIEC.

    Returns the organisation to filter on, or ``None`` for every entry.
    """
    if user.role is not Role.PRIVACY_OFFICER:
        raise ForbiddenError("only a privacy officer reads the audit log")
    return None if user.is_liec else user.org


def trend_regions(user: User, requested: str | None = None) -> tuple[str, ...]:
    """Regions a trend table may show: the LIEC every region, a RIEC its own."""
    require_operational(user)
    allowed = REGIONS if user.is_liec else (user.org,)
    if requested is None:
        return allowed
    if requested not in allowed:
        raise ForbiddenError("trend figures of another region are for the LIEC")
    return (requested,)


# --- cases (docs/access.md, "Cases") ---------------------------------------------------------

#: How an organisation stands to a case: takes part (the lead included), is invited, or (the
#: LIEC, for a cross-region case) follows its progress without its person-level content.
CaseStanding = Literal["participant", "invited", "observer"]


def case_standing(user: User, case: CaseRecord) -> CaseStanding | None:
    """The caller's organisation's standing in ``case``, ``None`` when it has none."""
    if user.org in case.participants:
        return "participant"
    if user.org in case.invited:
        return "invited"
    if user.is_liec and case.cross_region:
        return "observer"
    return None


def require_case_reader(user: User, case: CaseRecord) -> CaseStanding:
    """Analysts and coordinators of an organisation with a standing in the case read it."""
    require_operational(user)
    standing = case_standing(user, case)
    if standing is None:
        raise CaseNotSharedError("this case is not shared with your organisation")
    return standing


def require_case_opener(user: User) -> None:
    """Coordinators (of a RIEC or the LIEC) open cases; their organisation leads them."""
    require_operational(user)
    if user.role is not Role.COORDINATOR:
        raise ForbiddenError("only coordinators open cases")


def _steers(user: User, case: CaseRecord) -> bool:
    return user.org == case.lead or (user.is_liec and case.cross_region)


def require_case_steering(user: User, case: CaseRecord, *, what: str) -> None:
    """Coordinators of the lead organisation (or the LIEC's, in a cross-region case) change
    the status and invite."""
    require_case_reader(user, case)
    if user.role is not Role.COORDINATOR or not _steers(user, case):
        raise ForbiddenError(
            f"only coordinators of the lead organisation (or the LIEC in a cross-region case) "
            f"{what}"
        )


def require_invite(user: User, case: CaseRecord, org: str) -> None:
    """The lead (or the LIEC in a cross-region case) invites; nobody invites itself into
    another organisation's case."""
    require_case_steering(user, case, what="invite")
    if org == user.org and user.org != case.lead:
        raise ForbiddenError("an organisation cannot invite itself into another's case")


def require_accept(user: User, case: CaseRecord) -> None:
    """A coordinator of the invited organisation accepts."""
    require_case_reader(user, case)
    if user.role is not Role.COORDINATOR:
        raise ForbiddenError("only a coordinator accepts an invitation for its organisation")


def require_case_participant(user: User, case: CaseRecord) -> None:
    """Analysts and coordinators of participating organisations add subjects and notes."""
    if require_case_reader(user, case) != "participant":
        raise CaseNotSharedError("your organisation does not take part in this case")


# --- purpose binding (docs/access.md, "Person-level reads") -----------------------------------


def scope_depth(user: User, case: CaseAccessFacts) -> int:
    """Steps around the case's subjects and clusters its scope reaches for the caller: one, or
    two for the LIEC in a cross-region case (it follows networks across every region)."""
    if user.is_liec and case.cross_region:
        return MAX_SCOPE_DEPTH
    return DEFAULT_SCOPE_DEPTH


def require_purpose(user: User, case: CaseAccessFacts) -> int:
    """A person-level read for ``case``: by an analyst or coordinator of an organisation taking
    part in it (invited is not yet taking part), while it is open. Returns the scope depth.

    Whether the case is open is told only to organisations taking part in it."""
    require_operational(user)
    if user.org not in case.participants:
        raise CaseNotSharedError(
            "your organisation does not take part in this case: person-level data is read for "
            "a case only by the organisations taking part in it"
        )
    if not case.open:
        raise CaseNotOpenError(
            f"the case is {case.status}: person-level data is no longer read for it"
        )
    return scope_depth(user, case)


# --- Bibob requests (docs/access.md, decision 071) -------------------------------------------


def require_bibob_submitter(user: User, *, municipality_region: str | None = None) -> None:
    """A coordinator of the RIEC of the municipality's region registers its Bibob request (the
    LIEC handles none); ``municipality_region`` once the municipality is known."""
    require_case_opener(user)
    if user.is_liec:
        raise ForbiddenError("a Bibob request is handled by the RIEC of the municipality")
    if municipality_region is not None and municipality_region != user.org:
        raise ForbiddenError("this municipality lies in another RIEC region")


def require_bibob_handler(user: User, handler: str, *, change: bool = False) -> None:
    """Analysts and coordinators of the RIEC that handles a request (``handler``) read it; its
    coordinators change it (extend, conclude, take it up)."""
    require_operational(user)
    if user.org != handler:
        raise ForbiddenError("this Bibob request is handled by another organisation")
    if change and user.role is not Role.COORDINATOR:
        raise ForbiddenError("only coordinators extend, conclude or take up a Bibob request")
