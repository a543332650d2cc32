"""``knooppunt generate`` on the command line: summary, key file, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.errors import ExitCode
from graph.geography import load_geography
from graph.settings import get_settings
from graph.vocabulary import TOKEN_PATTERN
from ingest.pseudonymise import DEMO_KEY
from ingest.synthetic import generate
from knooppunt.cli import main


def test_generate_with_key_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "key"
    key.write_bytes(b"another-key-for-the-generator\n")
    out = tmp_path / "out"
    code = main(
        [
            "generate",
            "--preset",
            "tiny",
            "--seed",
            "5",
            "--out",
            str(out),
            "--key-file",
            str(key),
            "--json",
        ]
    )
    assert code == ExitCode.OK
    summary = json.loads(capsys.readouterr().out)
    assert summary["deliveries"] == 31
    assert summary["rows"]["gem_inschrijvingen"] > 0
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    tokens = {m["id"] for n in truth["networks"] for m in n["members"] if m["kind"] == "person"}
    assert all(TOKEN_PATTERN.fullmatch(t) for t in tokens)
    # The same country under the demo key: same structure, no token in common.
    demo = tmp_path / "demo"
    generate(
        preset="tiny",
        seed=5,
        wave=1,
        out=demo,
        key=DEMO_KEY,
        geography=load_geography(get_settings().require_geography_dir()),
    )
    other = json.loads((demo / "ground_truth.json").read_text(encoding="utf-8"))
    assert [len(n["members"]) for n in other["networks"]] == [
        len(n["members"]) for n in truth["networks"]
    ]
    assert not tokens & {m["id"] for n in other["networks"] for m in n["members"]}


def test_generate_refuses_unknown_preset(tmp_path: Path) -> None:
    code = main(["generate", "--preset", "huge", "--out", str(tmp_path)])
    assert code == ExitCode.USAGE
    assert not list(tmp_path.iterdir())
