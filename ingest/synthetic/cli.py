"""``knooppunt generate`` (synthetic deliveries) and ``knooppunt pseudonymise`` (for partners)."""

from __future__ import annotations

import codecs
import csv
import json
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from graph.geography import load_geography
from graph.settings import get_settings
from ingest.errors import PseudonymisationError
from ingest.pseudonymise import (
    DEMO_KEY,
    PSEUDONYM_KINDS,
    load_key,
    pseudonymise,
    read_key_file,
)
from ingest.synthetic import PRESETS, generate

__all__ = ["generate_command", "pseudonymise_command"]

_console = Console(stderr=True)


class _StepBar:
    """The generator's :class:`graph.progress.Progress`: one bar, described by the step."""

    def __init__(self, bar: Progress, task: TaskID) -> None:
        self._bar = bar
        self._task = task

    def update(self, step: str, done: int, total: int | None = None) -> None:
        self._bar.update(self._task, description=step, completed=done, total=total)

    def note(self, message: str) -> None:
        """The generator writes no notes."""

    def finish(self, step: str) -> None:
        """The bar stays until the command ends."""


def _preset(value: str) -> str:
    if value not in PRESETS:
        raise typer.BadParameter(f"expected one of {', '.join(PRESETS)}")
    return value


def generate_command(
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help="directory for the deliveries")],
    preset: Annotated[
        str, typer.Option(metavar="PRESET", callback=_preset, help=f"size: {', '.join(PRESETS)}")
    ] = "tiny",
    seed: Annotated[int, typer.Option(metavar="N", help="random seed")] = 1,
    wave: Annotated[
        int,
        typer.Option(metavar="N", min=1, help="delivery round (1, 2, ...): a quarter later"),
    ] = 1,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            metavar="FILE",
            help="pseudonymisation key file (default: the demo key)",
        ),
    ] = None,
    stats: Annotated[
        bool, typer.Option("--stats", help="count nodes and links by kind (more memory)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Write synthetic partner deliveries with planted networks and DIR/ground_truth.json.

    Example: knooppunt generate --preset tiny --seed 7 --out /tmp/knooppunt-tiny
    """
    key = read_key_file(key_file) if key_file else DEMO_KEY
    geography = load_geography(get_settings().require_geography_dir())
    columns = (TextColumn("{task.description:<12}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=_console, transient=as_json) as bar:
        report = _StepBar(bar, bar.add_task("generate", total=1))
        result = generate(
            preset=preset,
            seed=seed,
            wave=wave,
            out=out,
            key=key,
            geography=geography,
            progress=report,
            count_graph=stats,
        )
    summary = {
        "out": str(result.out),
        "preset": preset,
        "seed": seed,
        "wave": wave,
        "deliveries": len(result.deliveries),
        "rows": result.rows,
        "seconds": round(result.seconds, 2),
        "graph": result.stats,
    }
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    total = sum(result.rows.values())
    typer.echo(
        f"{len(result.deliveries)} deliveries, {total} rows in {result.seconds:.1f} s "
        f"-> {out} (ground truth: {out / 'ground_truth.json'})"
    )
    if result.stats:
        typer.echo(json.dumps(result.stats["totals"]))


def _parse_columns(specs: list[str]) -> list[tuple[str, str | None, str]]:
    parsed: list[tuple[str, str | None, str]] = []
    for spec in specs:
        name, sep, kind = spec.partition("=")
        if not sep or not name or kind not in PSEUDONYM_KINDS:
            raise typer.BadParameter(
                f"{spec!r}: expected NAME=KIND with KIND one of {', '.join(PSEUDONYM_KINDS)} "
                "(NAME+DOB_COLUMN=namedob for name + birth date)",
                param_hint="'--column'",
            )
        column, plus, dob = name.partition("+")
        if kind == "namedob" and not plus:
            raise typer.BadParameter(
                f"{spec!r}: namedob needs NAME_COLUMN+DATE_OF_BIRTH_COLUMN=namedob",
                param_hint="'--column'",
            )
        parsed.append((column, dob if plus else None, kind))
    return parsed


def _delimiter(value: str) -> str:
    if len(value) != 1:
        raise typer.BadParameter("must be one character")
    return value


def _encoding(value: str) -> str:
    try:
        codecs.lookup(value)
    except LookupError:
        raise typer.BadParameter("not a known text encoding") from None
    return value


def pseudonymise_command(
    source: Annotated[Path, typer.Argument(metavar="IN", help="CSV file with raw identifiers")],
    target: Annotated[Path, typer.Argument(metavar="OUT", help="CSV file to write with tokens")],
    column: Annotated[
        list[str],
        typer.Option(
            "--column",
            "-c",
            metavar="NAME=KIND",
            help="repeatable; KIND: " + ", ".join(PSEUDONYM_KINDS),
        ),
    ],
    delimiter: Annotated[
        str,
        typer.Option(metavar="CHAR", callback=_delimiter, help="field delimiter of IN and OUT"),
    ] = ",",
    encoding: Annotated[
        str,
        typer.Option(
            metavar="ENCODING", callback=_encoding, help="text encoding of IN (OUT is utf-8)"
        ),
    ] = "utf-8",
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            metavar="FILE",
            help="key file (default: KNOOPPUNT_PSEUDONYM_KEY[_FILE])",
        ),
    ] = None,
) -> None:
    """Replace identifier columns of a CSV file by tokens, for a partner's delivery.

    Empty cells stay empty. A name + date-of-birth token takes two columns and writes the
    token into the name column, dropping the date column. Errors name the row, column and
    rule, never the value.

    Example: knooppunt pseudonymise -c bsn=bsn -c kenteken=plate in.csv out.csv
    """
    columns = _parse_columns(column)
    key = read_key_file(key_file) if key_file else load_key(get_settings())
    try:
        handle = source.open(encoding=encoding, newline="")
    except OSError as e:
        raise PseudonymisationError(f"{source}: cannot read ({e.strerror})") from e
    partial = target.with_name(target.name + ".partial")
    try:
        rows = _pseudonymise_file(source, handle, partial, columns, delimiter, encoding, key)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    typer.echo(f"{rows} rows pseudonymised -> {target}")


def _pseudonymise_file(
    source: Path,
    handle: TextIO,
    partial: Path,
    columns: list[tuple[str, str | None, str]],
    delimiter: str,
    encoding: str,
    key: bytes,
) -> int:
    rows = 0
    with handle, partial.open("w", encoding="utf-8", newline="") as out:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise PseudonymisationError(f"{source}: empty file, no header") from None
        except UnicodeDecodeError as e:
            raise PseudonymisationError(f"{source}: not {encoding}") from e
        positions: list[tuple[str, int, int | None, str]] = []
        for name, dob, kind in columns:
            missing = [c for c in (name, dob) if c is not None and c not in header]
            if missing:
                raise PseudonymisationError(f"{source}: column {missing[0]!r} not in the header")
            positions.append((name, header.index(name), header.index(dob) if dob else None, kind))
        dropped = {p[2] for p in positions if p[2] is not None}
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        writer.writerow([c for i, c in enumerate(header) if i not in dropped])
        line = 1
        try:
            for line, row in enumerate(reader, start=2):
                if len(row) != len(header):
                    raise PseudonymisationError(
                        f"{source}: row {line}: {len(row)} fields, header has {len(header)}"
                    )
                for name, at, dob_at, kind in positions:
                    value = row[at]
                    if not value.strip():
                        continue
                    if dob_at is not None:
                        value = f"{value}|{row[dob_at]}"
                    try:
                        row[at] = pseudonymise(kind, value, key)
                    except PseudonymisationError as e:
                        raise PseudonymisationError(
                            f"{source}: row {line}, column {name}: {e}"
                        ) from None
                writer.writerow([c for i, c in enumerate(row) if i not in dropped])
                rows += 1
        except UnicodeDecodeError as e:
            raise PseudonymisationError(f"{source}: row {line + 1}: not {encoding}") from e
    return rows
