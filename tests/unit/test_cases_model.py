"""The case model: code lists, reference format and the state machine (no database)."""

from __future__ import annotations

import itertools
import re

import pytest
import yaml

from graph.cases.model import (
    CASES_FILE,
    CLOSED_STATES,
    ORG_CODES,
    REFERENCE_PATTERN,
    STATES,
    CaseClosedError,
    CaseTransitionError,
    check_transition,
    format_reference,
    is_subject_id,
    parse_cases,
)
from graph.errors import ModelError
from graph.settings import Settings
from graph.vocabulary import ORGANISATIONS

_SEQUENCE = STATES[:-1]


def test_every_organisation_has_a_code_the_reference_patterns_accept() -> None:
    assert set(ORG_CODES) == set(ORGANISATIONS)
    default = Settings.model_fields["case_reference_pattern"].default
    for org in ORGANISATIONS:
        for number in (1, 9999, 10_000, 123_456):
            ref = format_reference(org, 2025, number)
            assert REFERENCE_PATTERN.fullmatch(ref), ref
            assert re.fullmatch(default, ref), ref
    assert format_reference("Limburg", 2025, 42) == "LB-2025-0042"
    assert not REFERENCE_PATTERN.fullmatch("XX-2025-0001")


@pytest.mark.parametrize(("current", "target"), list(itertools.pairwise(_SEQUENCE)))
def test_forward_one_state_at_a_time(current: str, target: str) -> None:
    assert check_transition(current, target, reason=None) == "forward"


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for i, a in enumerate(_SEQUENCE) for b in _SEQUENCE[i + 2 :] if a not in CLOSED_STATES],
)
def test_skipping_is_refused(current: str, target: str) -> None:
    with pytest.raises(CaseTransitionError, match="one state at a time"):
        check_transition(current, target, reason="because")


def test_going_back_needs_a_reason() -> None:
    with pytest.raises(CaseTransitionError, match="needs a reason"):
        check_transition("advice", "analysis", reason=None)
    with pytest.raises(CaseTransitionError, match="needs a reason"):
        check_transition("advice", "intake", reason="  ")
    assert check_transition("evaluation", "signal", reason="restart") == "back"


def test_declined_at_intake_only_with_a_reason() -> None:
    assert check_transition("intake", "declined", reason="no grounds") == "declined"
    with pytest.raises(CaseTransitionError):
        check_transition("intake", "declined", reason=None)
    with pytest.raises(CaseTransitionError):
        check_transition("analysis", "declined", reason="late")


@pytest.mark.parametrize("current", sorted(CLOSED_STATES))
def test_closed_and_declined_take_no_change(current: str) -> None:
    with pytest.raises(CaseClosedError):
        check_transition(current, "intake", reason="reopen")


def test_same_state_and_unknown_state_are_refused() -> None:
    with pytest.raises(CaseTransitionError, match="already"):
        check_transition("intake", "intake", reason=None)
    with pytest.raises(CaseTransitionError, match="unknown state"):
        check_transition("intake", "archived", reason=None)


def test_subject_ids_are_tokens_or_kvk_numbers() -> None:
    assert is_subject_id("PRS-" + "A" * 26)
    assert is_subject_id("12345678")
    assert not is_subject_id("1234567")
    assert not is_subject_id("6211AB-1")


#: The file's own interventions block (valid), so that a test text fails on its own rule only.
_REAL_INTERVENTIONS = yaml.safe_dump(
    {"interventions": yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["interventions"]}
)


def test_code_lists_are_checked_when_loaded() -> None:
    text = (
        "organisations: {Limburg: LB}\nstates: [signal, closed]\ndeclined_from: signal\n"
        "phenomena: [omg, cannabis, other]\norigins: [signal]\n" + _REAL_INTERVENTIONS
    )
    with pytest.raises(ModelError, match="organisations"):
        parse_cases(text)
