"""Need-to-know rules (api.access) as pure functions; the HTTP matrix is in the integration
tests (tests/integration/test_api_access_matrix.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from api.access import (
    alert_visible,
    audit_scope,
    require_alert_status_change,
    require_case_reference,
    require_cluster,
    require_export,
    require_purpose,
    require_subject,
    scope_depth,
    trend_regions,
    valid_case_reference,
)
from api.auth import Role, User
from api.errors import (
    CaseNotOpenError,
    CaseNotSharedError,
    CaseReferenceRequiredError,
    ForbiddenError,
)
from graph.cases.binding import CaseAccessFacts
from graph.settings import Settings
from graph.vocabulary import REGIONS

PATTERN = Settings().case_reference_pattern
LIMBURG_ANALYST = User("a", "Limburg", Role.ANALYST)
LIMBURG_COORDINATOR = User("c", "Limburg", Role.COORDINATOR)
LIMBURG_PRIVACY = User("p", "Limburg", Role.PRIVACY_OFFICER)
LIEC_ANALYST = User("l", "LIEC", Role.ANALYST)
LIEC_COORDINATOR = User("lc", "LIEC", Role.COORDINATOR)
LIEC_PRIVACY = User("lp", "LIEC", Role.PRIVACY_OFFICER)


@pytest.mark.parametrize(
    ("user", "regions", "cross", "visible"),
    [
        (LIMBURG_ANALYST, ["Limburg"], False, True),
        (LIMBURG_ANALYST, ["Oost-Brabant", "Limburg"], True, True),
        (LIMBURG_ANALYST, ["Oost-Brabant"], False, False),
        (LIMBURG_ANALYST, ["Oost-Brabant", "Noord"], True, False),
        (LIEC_ANALYST, ["Limburg"], False, False),
        (LIEC_ANALYST, ["Oost-Brabant", "Limburg"], True, True),
        (LIMBURG_PRIVACY, ["Limburg"], False, False),
        (LIEC_PRIVACY, ["Oost-Brabant", "Limburg"], True, False),
    ],
)
def test_alert_and_cluster_visibility(
    user: User, regions: list[str], cross: bool, visible: bool
) -> None:
    assert alert_visible(user, regions=regions, cross_region=cross) is visible
    if visible:
        require_cluster(user, regions=regions, cross_region=cross)
    else:
        with pytest.raises(ForbiddenError):
            require_cluster(user, regions=regions, cross_region=cross)


def test_only_coordinators_change_status_for_their_own_org() -> None:
    assert (
        require_alert_status_change(LIMBURG_COORDINATOR, regions=["Limburg"], cross_region=False)
        == "Limburg"
    )
    assert (
        require_alert_status_change(
            LIEC_COORDINATOR, regions=["Limburg", "Noord"], cross_region=True
        )
        == "LIEC"
    )
    with pytest.raises(ForbiddenError, match="coordinators"):
        require_alert_status_change(LIMBURG_ANALYST, regions=["Limburg"], cross_region=False)
    with pytest.raises(ForbiddenError, match="concern"):
        require_alert_status_change(LIMBURG_COORDINATOR, regions=["Noord"], cross_region=False)
    with pytest.raises(ForbiddenError):
        require_alert_status_change(LIMBURG_PRIVACY, regions=["Limburg"], cross_region=False)


def _case(**changes: object) -> CaseAccessFacts:
    facts = CaseAccessFacts(
        reference="LB-2026-0001",
        status="analysis",
        lead="Limburg",
        participants=("Limburg",),
        invited=("Noord",),
        cross_region=False,
        version=3,
        subjects=frozenset({"PRS-A"}),
        clusters=frozenset({"CL-1"}),
        run="RUN-1",
        deliveries=4,
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def test_person_level_reads_are_for_participants_of_an_open_case() -> None:
    assert require_purpose(LIMBURG_ANALYST, _case()) == 1
    assert require_purpose(LIMBURG_COORDINATOR, _case()) == 1
    with pytest.raises(CaseNotSharedError):
        require_purpose(User("n", "Noord", Role.ANALYST), _case())  # invited, not taking part
    with pytest.raises(CaseNotSharedError):
        require_purpose(LIEC_ANALYST, _case(cross_region=True))  # following is not taking part
    with pytest.raises(ForbiddenError):
        require_purpose(LIMBURG_PRIVACY, _case())
    for status in ("closed", "declined"):
        with pytest.raises(CaseNotOpenError):
            require_purpose(LIMBURG_ANALYST, _case(status=status))
    # whether a case is open is told to participants only
    with pytest.raises(CaseNotSharedError):
        require_purpose(User("r", "Rotterdam", Role.ANALYST), _case(status="closed"))


def test_the_scope_reaches_two_steps_only_for_the_liec_in_a_cross_region_case() -> None:
    liec_case = _case(participants=("Limburg", "LIEC"))
    assert scope_depth(LIEC_ANALYST, liec_case) == 1
    assert scope_depth(LIEC_ANALYST, replace(liec_case, cross_region=True)) == 2
    assert scope_depth(LIMBURG_ANALYST, replace(liec_case, cross_region=True)) == 1
    assert require_purpose(LIEC_ANALYST, replace(liec_case, cross_region=True)) == 2


@pytest.mark.parametrize("value", [None, "", "   ", "riec-2025-0042", "RIEC-25-1", "X" * 100])
def test_case_reference_is_required_and_checked(value: str | None) -> None:
    with pytest.raises(CaseReferenceRequiredError) as caught:
        require_case_reference(value, PATTERN)
    # The refusal names the rule, never the value sent.
    if value and value.strip():
        assert value not in caught.value.detail


def test_valid_case_reference() -> None:
    assert require_case_reference(" RIEC-2025-0042 ", PATTERN) == "RIEC-2025-0042"
    assert valid_case_reference(None, PATTERN) is None
    assert valid_case_reference("LIEC-2024-123", PATTERN) == "LIEC-2024-123"
    with pytest.raises(CaseReferenceRequiredError):
        valid_case_reference("nonsense", PATTERN)


def test_subject_rules() -> None:
    # A RIEC: own region, or a cluster touching its region.
    require_subject(LIMBURG_ANALYST, subject_regions=["Limburg"], clusters=[])
    require_subject(
        LIMBURG_ANALYST, subject_regions=["Noord"], clusters=[(["Noord", "Limburg"], True)]
    )
    with pytest.raises(ForbiddenError, match="outside your region"):
        require_subject(
            LIMBURG_ANALYST, subject_regions=["Noord", None], clusters=[(["Noord"], False)]
        )
    # The LIEC: members of cross-region clusters.
    require_subject(LIEC_ANALYST, subject_regions=[], clusters=[(["Noord", "Limburg"], True)])
    with pytest.raises(ForbiddenError, match="cross-region"):
        require_subject(LIEC_ANALYST, subject_regions=["Limburg"], clusters=[(["Limburg"], False)])
    with pytest.raises(ForbiddenError):
        require_subject(LIMBURG_PRIVACY, subject_regions=["Limburg"], clusters=[])


def test_privacy_officer_rules() -> None:
    require_export(LIMBURG_PRIVACY)
    require_export(LIEC_PRIVACY)
    for user in (LIMBURG_ANALYST, LIMBURG_COORDINATOR, LIEC_ANALYST):
        with pytest.raises(ForbiddenError):
            require_export(user)
        with pytest.raises(ForbiddenError):
            audit_scope(user)
    assert audit_scope(LIMBURG_PRIVACY) == "Limburg"
    assert audit_scope(LIEC_PRIVACY) is None


def test_trend_regions() -> None:
    assert trend_regions(LIEC_ANALYST) == REGIONS
    assert trend_regions(LIEC_ANALYST, "Noord") == ("Noord",)
    assert trend_regions(LIMBURG_ANALYST) == ("Limburg",)
    with pytest.raises(ForbiddenError, match="LIEC"):
        trend_regions(LIMBURG_ANALYST, "Noord")
    with pytest.raises(ForbiddenError):
        trend_regions(LIEC_PRIVACY)
