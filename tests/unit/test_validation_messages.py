"""One formatter (graph.validation) for manifests, mappings and token claims: every message
names file, key and rule, and never the value (values may be personal data)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from api.auth import TokenVerifier
from api.errors import UnauthorizedError
from graph.settings import Settings
from graph.validation import DOCUMENT, Problem, describe, explain, problems
from ingest.errors import DeliveryError, MappingError
from ingest.manifest import load_manifest
from ingest.mapping import load_mapping

#: Values that look like personal data; none may appear in a message.
BSN = "111222333"
NAME = "Jan de Vries"
BIRTH = "14-03-1987"
IBAN = "NL91ABNA0417164300"


def _message(error: pytest.ExceptionInfo[Exception]) -> str:
    return str(error.value)


def _assert_no_values(message: str, *values: str) -> None:
    for value in values:
        assert value not in message, value
    assert "input_value" not in message
    assert "input_type" not in message


# -- manifests --------------------------------------------------------------------------------


def _manifest(tmp_path: Path, **changes: Any) -> Path:
    data: dict[str, Any] = {
        "format_version": 1,
        "partner": "POL",
        "delivery_id": "POL-20261101-01",
        "extract_date": "2026-11-01",
        "legal_basis": "WPG",
        "files": [{"name": "a.csv", "source": "pol_incidenten", "rows": 1, "sha256": "0" * 64}],
    }
    data.update(changes)
    (tmp_path / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("changes", "key", "rule"),
    [
        ({"partner": BSN}, "partner", "unknown partner code"),
        ({"delivery_id": NAME}, "delivery_id", "must match"),
        ({"extract_date": BIRTH}, "extract_date", "ISO date"),
        ({"retain_until": IBAN}, "retain_until", "ISO date"),
        ({"region": int(BSN)}, "region", "must be a string"),
        ({"reject_threshold": BSN}, "reject_threshold", "must be a number"),
        ({"bsn": BSN}, "bsn", "unknown key (allowed: "),
        ({"files": [{"name": NAME, "source": BSN, "rows": 1, "sha256": "0" * 64}]},
         "files[0].source", "must be a mapping name"),
        ({"files": [{"name": "a.csv", "source": "x", "rows": NAME, "sha256": IBAN}]},
         "files[0].rows", "must be an integer"),
        ({"files": [{"name": "a.csv", "source": "x", "rows": 1, "sha256": IBAN}]},
         "files[0].sha256", "64 lower-case hex digits"),
        ({"files": [{"name": f"../{BSN}", "source": "x", "rows": 1, "sha256": "0" * 64}]},
         "files[0].name", "plain file name"),
        ({"files": [{"name": "a.csv", "source": "x", "rows": 1, "sha256": "0" * 64,
                     "encoding": NAME}]}, "files[0].encoding", "unknown text encoding"),
    ],
)  # fmt: skip
def test_manifest_message_names_file_key_and_rule_never_the_value(
    tmp_path: Path, changes: dict[str, Any], key: str, rule: str
) -> None:
    directory = _manifest(tmp_path, **changes)
    with pytest.raises(DeliveryError) as info:
        load_manifest(directory)
    message = _message(info)
    assert str(directory / "manifest.json") in message
    assert f"key {key!r}" in message
    assert rule in message
    _assert_no_values(message, BSN, NAME, BIRTH, IBAN)


def test_manifest_reports_every_problem_at_once(tmp_path: Path) -> None:
    directory = _manifest(tmp_path, partner=BSN, legal_basis=NAME, extract_date=BIRTH)
    with pytest.raises(DeliveryError) as info:
        load_manifest(directory)
    message = _message(info)
    for key in ("partner", "legal_basis", "extract_date"):
        assert f"key {key!r}" in message
    _assert_no_values(message, BSN, NAME, BIRTH)


# -- mappings ---------------------------------------------------------------------------------

MAPPING = """
source: test_source
partners: [POL]
columns:
  nummer: {type: string, required: true}
  persoon: {type: token, kind: person}
entities:
  incident: {label: Incident, key: nummer}
  person: {label: Person, key: persoon, optional: true}
links:
  - {type: INVOLVED_IN, from: person, to: incident}
"""


@pytest.mark.parametrize(
    ("old", "new", "key", "rule"),
    [
        ("partners: [POL]", f"partners: ['{BSN}']", "partners[0]", "unknown partner code"),
        ("required: true}", f"required: true, min: '{NAME}'}}", "columns.nummer.min",
         "must be a number"),
        ("kind: person}", f"kind: '{NAME}'}}", "columns.persoon.kind", "token columns need"),
        ("label: Incident,", f"label: '{NAME}',", "entities.incident.label",
         "unknown entity kind"),
        ("key: nummer}", f"key: nummer, optional: [{BSN}]}}", "entities.incident.optional",
         "must be true or false"),
        ("type: INVOLVED_IN", f"type: '{NAME}'", "links[0].type", "unknown link type"),
        ("to: incident}", f"to: incident, bsn: {BSN}}}", "links[0].bsn", "unknown key"),
        ("partners: [POL]", f"partners: [POL]\nbsn: {BSN}", "(document).bsn",
         "unknown key (allowed: "),
    ],
)  # fmt: skip
def test_mapping_message_names_file_key_and_rule_never_the_value(
    tmp_path: Path, old: str, new: str, key: str, rule: str
) -> None:
    assert old in MAPPING
    path = tmp_path / "test_source.yaml"
    path.write_text(MAPPING.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    message = _message(info)
    assert str(path) in message
    assert f"key {key!r}" in message
    assert rule in message
    _assert_no_values(message, BSN, NAME)


def test_a_mapping_that_is_not_a_mapping_names_the_document(tmp_path: Path) -> None:
    path = tmp_path / "test_source.yaml"
    path.write_text(f"- {BSN}\n", encoding="utf-8")
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    assert f"key {DOCUMENT!r}: must be a mapping" in _message(info)
    _assert_no_values(_message(info), BSN)


# -- token claims -----------------------------------------------------------------------------

SECRET = "unit-test-secret-that-is-long-enough-for-hs256"


@pytest.mark.parametrize(
    ("claims", "key", "rule"),
    [
        ({"sub": ""}, "sub", "non-empty string"),
        ({"sub": NAME * 20}, "sub", "at most 128 characters"),
        ({"org": NAME}, "org", "RIEC region name"),
        ({"role": BSN}, "role", "must be one of: analyst"),
    ],
)
def test_claim_message_names_claim_and_rule_never_the_value(
    claims: dict[str, Any], key: str, rule: str
) -> None:
    payload = {"sub": "a", "org": "LIEC", "role": "analyst", "exp": int(time.time()) + 600}
    token = jwt.encode(payload | claims, SECRET, algorithm="HS256")
    with pytest.raises(UnauthorizedError) as info:
        TokenVerifier(Settings(jwt_secret=SECRET)).verify(token)
    message = _message(info)
    assert f"token: claim {key!r}" in message
    assert rule in message
    _assert_no_values(message, BSN, NAME)


def test_standard_and_foreign_claims_are_accepted_as_before() -> None:
    now = int(time.time())
    payload = {
        "sub": "a", "org": "Limburg", "role": "coordinator", "exp": now + 600, "iat": now,
        "nbf": now, "iss": "https://idp.example", "jti": "j-1", "email": "a@example.nl",
        "azp": "knooppunt", "scope": "openid",
    }  # fmt: skip
    token = jwt.encode(payload, SECRET, algorithm="HS256")
    assert TokenVerifier(Settings(jwt_secret=SECRET)).verify(token).org == "Limburg"


# -- the formatter itself ---------------------------------------------------------------------


class _Loose(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    when: str

    @field_validator("when")
    @classmethod
    def _parse(cls, value: str) -> str:
        from datetime import date

        date.fromisoformat(value)  # its ValueError repeats the input
        return value


def test_a_library_message_that_repeats_the_value_is_replaced_by_the_rule_name() -> None:
    with pytest.raises(ValidationError) as info:
        _Loose.model_validate({"when": BIRTH})
    assert BIRTH in str(info.value)  # pydantic's own text shows it ...
    message = explain(info.value, source="x.json")
    assert message == "x.json: key 'when': breaks rule 'value_error'"  # ... ours does not


def test_problems_and_describe() -> None:
    with pytest.raises(ValidationError) as info:
        _Loose.model_validate({"when": 1, NAME: 2})
    found = problems(info.value, model=_Loose, root=DOCUMENT)
    assert found == [
        Problem("when", "must be a string"),
        Problem(f"{DOCUMENT}.{NAME}", "unknown key (allowed: when)"),
    ]
    many = [Problem(f"k{i}", "r") for i in range(12)]
    assert describe("f", many).endswith("and 2 more problem(s)")
