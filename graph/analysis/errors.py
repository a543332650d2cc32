"""Errors of the analysis (part of the ``graph`` package's family)."""

from __future__ import annotations

from graph.errors import ExitCode, GraphError

__all__ = ["AnalysisBusyError", "AnalysisError", "AnalysisInputError"]


class AnalysisError(GraphError):
    """An analysis run or evaluation could not be carried out."""


class AnalysisBusyError(AnalysisError):
    """An ingest or another analysis run is in progress; the run refuses to start."""

    exit_code = ExitCode.BUSY


class AnalysisInputError(AnalysisError):
    """Input to the analysis or evaluation is malformed (e.g. a ground-truth file)."""

    exit_code = ExitCode.BAD_INPUT
