"""The OpenAPI document of the case, Bibob and report endpoints: every operation shows an
example of each success answer and of each parameter, and documents its problem answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api import openapi_examples as ex
from api.app import create_app
from api.bibob_schemas import BibobPage, BibobRequest, BibobScreening
from api.case_schemas import (
    AccountabilityReport,
    CaseDetail,
    CasePage,
    CaseReads,
    CrossRegionProgress,
    Intervention,
    InterventionList,
)
from api.errors import PROBLEM_JSON
from tests.api_offline import offline_settings

_PREFIXES = ("/cases", "/bibob", "/reports")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    log = tmp_path_factory.mktemp("audit") / "audit.log"
    schema: dict[str, Any] = create_app(offline_settings(Path(log))).openapi()
    return schema


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in document["paths"].items()
        if path.startswith(_PREFIXES)
        for method, op in ops.items()
    ]


def test_there_are_operations_to_check(document: dict[str, Any]) -> None:
    names = {f"{m} {p}" for m, p, _ in _operations(document)}
    assert "GET /cases/{reference}/advice" in names
    assert "GET /reports/cross-region-cases" in names
    assert len(names) >= 20


def _has_example(thing: dict[str, Any]) -> bool:
    schema = thing.get("schema", {})
    return any(k in thing or k in schema for k in ("example", "examples"))


def test_every_parameter_and_success_answer_has_an_example(document: dict[str, Any]) -> None:
    missing = []
    for method, path, op in _operations(document):
        for p in op.get("parameters", []):
            if not _has_example(p):
                missing.append(f"{method} {path}: parameter {p['name']}")
        answers = {c: r for c, r in op["responses"].items() if c.startswith("2")}
        assert answers, f"{method} {path} documents no success answer"
        for code, answer in answers.items():
            for media, content in answer.get("content", {}).items():
                if "example" not in content and "examples" not in content:
                    missing.append(f"{method} {path}: {code} {media}")
    assert missing == []


def test_every_operation_documents_its_problem_answers(document: dict[str, Any]) -> None:
    """401 (no token), 403 (need-to-know), 422 (validation) everywhere, 404 where a path names
    a record, each as problem+json."""
    missing = []
    for method, path, op in _operations(document):
        wanted = {"401", "403", "422", "503"} | ({"404"} if "{" in path else set())
        for code in sorted(wanted):
            answer = op["responses"].get(code)
            if answer is None or PROBLEM_JSON not in answer.get("content", {}):
                missing.append(f"{method} {path}: {code}")
    assert missing == []


@pytest.mark.parametrize(
    ("model", "example"),
    [
        (CaseDetail, ex.CASE_DETAIL),
        (CasePage, ex.CASE_PAGE),
        (CaseReads, ex.CASE_READS),
        (Intervention, ex.INTERVENTION),
        (InterventionList, ex.INTERVENTIONS),
        (BibobRequest, ex.BIBOB_REQUEST),
        (BibobPage, ex.BIBOB_PAGE),
        (BibobScreening, ex.BIBOB_SCREENING),
        (AccountabilityReport, ex.ACCOUNTABILITY),
        (CrossRegionProgress, ex.CROSS_REGION),
    ],
)
def test_the_examples_are_answers_the_api_could_give(model: Any, example: dict[str, Any]) -> None:
    assert model.model_validate(example).model_dump(mode="json") == example


def test_the_examples_appear_on_their_operations(document: dict[str, Any]) -> None:
    paths = document["paths"]
    advice = paths["/cases/{reference}/advice"]["get"]["responses"]["200"]["content"]
    assert advice["text/html"]["example"] == ex.ADVICE_HTML
    cross = paths["/reports/cross-region-cases"]["get"]["responses"]["200"]["content"]
    shown = CrossRegionProgress.model_validate(cross["application/json"]["example"])
    assert shown == CrossRegionProgress.model_validate(ex.CROSS_REGION)  # nulls left out
    assert "$ref" in cross["application/json"]["schema"]  # the model's schema stays
    listed = {p["name"]: p for p in paths["/cases"]["get"]["parameters"]}
    assert listed["status"]["schema"]["examples"] == ["analysis"]
