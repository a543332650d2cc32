"""Synthetic national partner deliveries with planted criminal networks and a ground truth.

``generate(...)`` (CLI: ``knooppunt generate``) writes one directory per delivery, each with
the partner's files and ``manifest.json`` (``docs/delivery-format.md``), and
``ground_truth.json`` beside them. ``docs/synthetic-data.md`` says what is planted and why.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.geography import Geography
from graph.progress import QUIET, Progress
from ingest.errors import SyntheticDataError
from ingest.synthetic.country import build_world
from ingest.synthetic.deliveries import Output, Stats
from ingest.synthetic.model import WINDOW_QUARTERS, wave_quarters
from ingest.synthetic.presets import PRESETS, Preset
from ingest.synthetic.quarters import quarter_events
from ingest.synthetic.truth import ground_truth
from ingest.synthetic.waves import evolve

__all__ = ["PRESETS", "GenerationResult", "Preset", "generate"]


@dataclass(frozen=True, slots=True)
class GenerationResult:
    """What a run wrote: the deliveries, rows per source and (optionally) graph sizes."""

    out: Path
    deliveries: list[str]
    rows: dict[str, int]
    seconds: float
    stats: dict[str, dict[str, int]] | None


def generate(
    *,
    preset: str | Preset,
    seed: int,
    wave: int,
    out: Path,
    key: bytes,
    geography: Geography,
    progress: Progress = QUIET,
    count_graph: bool = False,
) -> GenerationResult:
    """Generate wave ``wave`` of the synthetic country into ``out`` (replacing what is there).

    The same ``preset``, ``seed``, ``wave`` and ``key`` give byte-identical files.
    """
    if isinstance(preset, str):
        if preset not in PRESETS:
            raise SyntheticDataError(
                f"unknown preset {preset!r}; expected one of {', '.join(PRESETS)}"
            )
        preset = PRESETS[preset]
    if wave < 1:
        raise SyntheticDataError("wave must be 1 or more")
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for child in out.iterdir():
        if child.is_dir() and (child / "manifest.json").is_file():
            shutil.rmtree(child)
    total = WINDOW_QUARTERS + wave + 2
    progress.update("population", 0, total)
    world = build_world(preset, seed, key, geography)
    stats = Stats() if count_graph else None
    output = Output(world, out, wave, stats)
    window = wave_quarters(wave)
    done = 1
    for quarter in range(WINDOW_QUARTERS):
        progress.update("quarters", done, total)
        if quarter in window:
            output.events(quarter_events(world, quarter))
        done += 1
    for step in range(2, wave + 1):
        progress.update(f"wave {step}", done, total)
        evolve(world, step)
        quarter = WINDOW_QUARTERS + step - 2
        if quarter in window:
            output.events(quarter_events(world, quarter))
        done += 1
    progress.update("registers", done, total)
    output.state()
    rows = output.close()
    truth: dict[str, Any] = ground_truth(world, seed, wave)
    (out / "ground_truth.json").write_text(
        json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    progress.update("done", total, total)
    return GenerationResult(
        out=out,
        deliveries=[spec.delivery_id for spec in output.specs],
        rows=rows,
        seconds=time.perf_counter() - started,
        stats=stats.summary() if stats else None,
    )
