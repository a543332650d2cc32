"""``knooppunt case open|list|show`` against the real instance (the API's seed graph)."""

from __future__ import annotations

import json

import neo4j
import pytest

from knooppunt.cli import main
from tests.integration.api_seed import AL_NOORD, CASES, CL_NOORD

pytest_plugins = ["tests.integration.api_support"]


def test_open_list_show(
    seeded: neo4j.Driver,
    test_instance: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KNOOPPUNT_INSTANCE", test_instance)
    common = ["--title", "OMG Noord", "--phenomenon", "omg", "--legal-basis", "WPG"]
    purpose = ["--purpose", "Integrated advice on the chapter's premises"]
    args = ["case", "open", "--org", "Noord", *common, *purpose, "--alert", AL_NOORD, "--json"]
    assert main(args) == 0
    reference = json.loads(capsys.readouterr().out)["reference"]
    assert reference.startswith("NN-")
    # A second case from the same alert: bad input (3), nothing written.
    assert main(args) == 3
    assert "has a case already" in capsys.readouterr().err
    assert main(["case", "list", "--org", "Noord", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    # newest first: the case just opened, then the seed's case of Noord (tests.integration.api_seed)
    assert [c["reference"] for c in listed] == [reference, CASES["Noord"]]
    assert listed[0]["alerts"] == 1
    assert listed[0]["clusters"] == 1
    assert main(["case", "show", reference, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["clusters"] == [CL_NOORD]
    assert shown["alerts"] == [AL_NOORD]
    assert [e["kind"] for e in shown["events"]] == ["opened", "alert_linked"]
    assert main(["case", "show", "NN-2025-9999", "--json"]) == 3
    assert main(["case", "open", "--org", "Nowhere", *common, *purpose]) == 2
