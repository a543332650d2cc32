"""The ``knooppunt`` command as people and scripts use it: version, exit codes, JSON errors,
help that shows names rather than Python types, and output that pipes are not cut from."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import typer
from typer._click import Command, Context

from graph.errors import ExitCode
from graph.settings import get_settings
from knooppunt.cli import app, main

KNOOPPUNT = Path(sys.executable).with_name("knooppunt")


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("NEO4J_URI", "NEO4J_PASSWORD", "KNOOPPUNT_INSTANCE", "KNOOPPUNT_AUDIT_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KNOOPPUNT_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _run(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "KNOOPPUNT_"))}
    env["KNOOPPUNT_HOME"] = str(home)
    return subprocess.run(
        [str(KNOOPPUNT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


# --- version ----------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([flag]) == ExitCode.OK
    assert capsys.readouterr().out == f"knooppunt {version('knooppunt')}\n"


def test_version_through_the_installed_entry_point(tmp_path: Path) -> None:
    done = _run("--version", cwd=tmp_path, home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"knooppunt {version('knooppunt')}"


# --- wrong usage is 2, for every command ------------------------------------------------------


USAGE_ERRORS: list[list[str]] = [
    ["no-such-command"],
    ["--no-such-option"],
    ["db", "no-such-command"],
    ["db", "start", "--bogus"],
    ["db", "start", "--heap", "lots"],
    ["db", "start", "--heap", "100m"],  # too small for Neo4j: a bad value, not a server problem
    ["db", "start", "--bolt-port", "0"],
    ["db", "stop", "--timeout", "soon"],
    ["db", "status", "--instance"],
    ["db", "init", "extra-argument"],
    ["db", "admin", "--heap", "4x"],
    ["db", "list", "--all"],
    ["ingest"],
    ["ingest", "somewhere", "--batch-size", "0"],
    ["retention", "run", "--as-of", "2031-13-01"],
    ["retention", "no-such-command"],
    ["generate"],
    ["generate", "--out", "out", "--preset", "huge"],
    ["generate", "--out", "out", "--wave", "0"],
    ["pseudonymise"],
    ["pseudonymise", "-c", "bsn=passport", "in.csv", "out.csv"],
    ["pseudonymise", "-c", "bsn=namedob", "in.csv", "out.csv"],
    ["pseudonymise", "-c", "bsn=bsn", "--delimiter", ";;", "in.csv", "out.csv"],
    ["pseudonymise", "-c", "bsn=bsn", "--encoding", "klingon", "in.csv", "out.csv"],
    ["analyse", "--as-of", "yesterday"],
    ["evaluate", "--truth", "truth.json"],
    ["view"],
    ["view", "CL-1a2b3c4d", "--subject", "12345678"],
    ["view", "--subject", "12345678", "--kind", "Planet"],
    ["view", "--subject", "12345678", "--depth", "9"],
    ["serve", "--port", "http"],
    ["token", "--org", "Brabant", "--role", "analyst"],
    ["token", "--org", "Limburg", "--role", "boss"],
    ["token", "--org", "Limburg", "--role", "analyst", "--ttl", "0"],
    ["audit", "verify", "--expect-seq", "-1"],
    ["audit", "no-such-command"],
]


@pytest.mark.parametrize("argv", USAGE_ERRORS, ids=" ".join)
def test_wrong_usage_exits_2(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "Error:" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "out.csv").exists()


def test_a_bad_value_is_named_not_repeated(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyse", "--as-of", "2031-13-01"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "Invalid value for '--as-of': not an ISO date (YYYY-MM-DD)" in err
    assert "2031-13-01" not in err


# --- errors as JSON with --json ---------------------------------------------------------------


def _json_error(err: str) -> dict[str, Any]:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    doc = json.loads(lines[0])
    assert set(doc) == {"error"}
    assert set(doc["error"]) == {"code", "kind", "message"}
    error: dict[str, Any] = doc["error"]
    return error


def test_usage_error_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["retention", "run", "--as-of", "2031-13-01", "--json"]) == ExitCode.USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    error = _json_error(captured.err)
    assert error["code"] == 2
    assert error["kind"] == "usage"
    assert "--as-of" in error["message"]
    assert "2031-13-01" not in error["message"]


def test_project_error_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-delivery"
    assert main(["ingest", str(missing), "--json"]) == ExitCode.BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    error = _json_error(captured.err)
    assert error == {
        "code": 3,
        "kind": "bad_input",
        "message": f"{missing}: not a delivery directory (no such directory)",
    }


def test_project_error_without_json_is_one_line_not_wrapped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / ("a-delivery-directory-with-a-long-name-" * 3)
    assert main(["ingest", str(missing)]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert err == f"error: {missing}: not a delivery directory (no such directory)\n"


def test_json_after_double_dash_is_not_ours(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from graph.localdb import admin

    monkeypatch.setattr(admin, "run_admin", lambda *a, **k: 0)
    assert main(["db", "admin", "--heap", "4x", "--", "--json"]) == ExitCode.USAGE
    assert capsys.readouterr().err.lstrip().startswith("Usage:")


# --- the audit chain has its own code ---------------------------------------------------------


def test_audit_verify_on_a_tampered_log_exits_8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.audit import AuditLog

    key = "cli-test-audit-key-0123456789abcdef"
    monkeypatch.setenv("KNOOPPUNT_AUDIT_KEY", key)
    get_settings.cache_clear()
    path = tmp_path / "audit.log"
    log = AuditLog.open(path, key.encode())
    for n in range(3):
        log.append_sync({"kind": "request", "status": 200, "n": n})
    log.close()
    assert main(["audit", "verify", "--log", str(path), "--json"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["ok"] is True
    lines = path.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[1])
    entry["status"] = 500
    lines[1] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["audit", "verify", "--log", str(path), "--json"]) == ExitCode.AUDIT_BROKEN
    assert int(ExitCode.AUDIT_BROKEN) == 8  # documented in the README's table
    assert json.loads(capsys.readouterr().out)["ok"] is False


# --- db admin --help is pure ------------------------------------------------------------------


def test_db_admin_help_needs_no_instance(tmp_path: Path) -> None:
    home = tmp_path / "empty-home"
    home.mkdir()
    done = _run("db", "admin", "--help", cwd=tmp_path, home=home)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: knooppunt db admin [OPTIONS] [--] [NEO4J_ADMIN_ARGS]...")
    assert list(home.iterdir()) == []


def test_db_admin_passes_what_follows_double_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.localdb import admin

    calls: list[tuple[str | None, list[str], str | None]] = []

    def run_admin(settings: Any, name: str | None, args: list[str], *, heap: str | None) -> int:
        calls.append((name, args, heap))
        return 3

    monkeypatch.setattr(admin, "run_admin", run_admin)
    code = main(["db", "admin", "-i", "test", "--heap", "2g", "--", "database", "info", "--help"])
    assert code == 3  # the tool's own exit code
    assert calls == [("test", ["database", "info", "--help"], "2g")]


# --- help: names, not Python types; an example everywhere -------------------------------------


def _command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    ctx = Context(root, info_name="knooppunt")
    paths: list[list[str]] = [[]]

    def walk(command: Command, path: list[str]) -> None:
        subs: dict[str, Command] = getattr(command, "commands", {})
        for name, sub in subs.items():
            paths.append([*path, name])
            walk(sub, [*path, name])

    for name in root.list_commands(ctx):  # type: ignore[attr-defined]
        command = root.get_command(ctx, name)  # type: ignore[attr-defined]
        paths.append([name])
        walk(command, [name])
    return paths


def test_every_command_is_walked() -> None:
    paths = {" ".join(p) for p in _command_paths()}
    expected = {"db admin", "db start", "retention run", "audit verify", "audit prune", "ingest"}
    assert expected | {"serve"} <= paths
    # the root, 13 commands, 6 under db, 1 under retention, 2 under audit, 3 under case, 1 under
    # bibob
    assert len(paths) == 27


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "knooppunt")
def test_help_shows_names_and_an_example(
    path: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "--help"]) == ExitCode.OK
    out = capsys.readouterr().out
    usage = out.splitlines()[0]
    assert usage.startswith(" ".join(["Usage: knooppunt", *path]))
    # typer's <str>, <list[Path]>, <int range>, <NodeLabel> (not a range such as 0<=x<=6)
    assert not re.search(r"<[A-Za-z][^<>=\n]*>", out), out
    assert "{" not in usage
    assert "list[" not in out
    assert "Example: knooppunt" in out
    if path:
        assert "--install-completion" not in out


@pytest.mark.parametrize(
    ("path", "usage"),
    [
        (["ingest"], "Usage: knooppunt ingest [OPTIONS] PATH..."),
        (["pseudonymise"], "Usage: knooppunt pseudonymise [OPTIONS] IN OUT"),
        (["view"], "Usage: knooppunt view [OPTIONS] [CLUSTER_ID]"),
    ],
)
def test_usage_lines_name_the_arguments(
    path: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "--help"]) == ExitCode.OK
    assert capsys.readouterr().out.splitlines()[0] == usage


# --- output that pipes and CI logs get whole --------------------------------------------------


def test_ingest_table_is_not_cut_when_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ingest.cli
    from ingest.pipeline import DeliverySummary

    long_id = "politie-" + "very-long-delivery-identifier-" * 5 + "2026Q3"
    summary = DeliverySummary(
        delivery_id=long_id,
        partner="belastingdienst-toeslagen-en-douane",
        status="committed",
        rows=1_234_567,
        rejected=3,
        nodes=2_000_000,
        links=3_500_000,
        seconds=12.5,
        warnings=["a warning that is long enough to be wrapped at eighty columns " * 2],
    )
    monkeypatch.setattr(ingest.cli, "ingest_paths", lambda *a, **k: [summary])
    assert main(["ingest", str(tmp_path)]) == ExitCode.OK
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 2
    assert lines[0].split() == [
        "delivery",
        "partner",
        "status",
        "rows",
        "rejected",
        "nodes",
        "links",
        "s",
        "rows/s",
    ]
    assert lines[1].split() == [
        long_id,
        summary.partner,
        "committed",
        "1,234,567",
        "3",
        "2,000,000",
        "3,500,000",
        "12.5",
        "98,765",
    ]
    assert len(lines[1]) > 200
    assert "…" not in captured.out
    assert not set("│┃━─┏┗") & set(captured.out)
    assert captured.err.count("\n") == 1  # the warning, on one line

    assert main(["ingest", str(tmp_path), "--json"]) == ExitCode.OK
    doc = json.loads(capsys.readouterr().out)
    assert doc["deliveries"][0]["delivery_id"] == long_id
