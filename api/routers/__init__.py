"""The API's routers, one module per area; :func:`problem_responses` documents their errors."""

from __future__ import annotations

from typing import Any

from api.errors import PROBLEM_JSON
from api.schemas import Alert, ClusterSummary, Problem

__all__ = ["cluster_summary", "problem_responses"]

_DESCRIPTIONS = {
    400: "Bad request (a malformed cursor or request body, an impossible range)",
    401: "No valid bearer token",
    403: "Outside the caller's need-to-know, or a case reference is missing",
    404: "Not found",
    406: "None of the accepted media types is served here (problem type `not-acceptable`)",
    409: "Conflicts with the current state",
    422: "Invalid parameters (the problem lists them)",
    503: "Neo4j (or the audit log) is not available; retry",
}
_LIVE_503 = (
    "Neo4j (or the audit log) is not available, or a delivery is partly written (problem type "
    "`delivery-partly-written`, naming the deliveries; the answer would be read from the live "
    "graph); retry after `Retry-After` seconds"
)
_RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before retrying",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def problem_responses(*codes: int, live_graph: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem+json errors (401, 422 and 503 always).

    ``live_graph``: the endpoint reads the live graph, so its 503 also covers a partly written
    delivery (:mod:`api.loading`).
    """
    wanted = sorted({401, 422, 503, *codes})
    out: dict[int | str, dict[str, Any]] = {}
    for code in wanted:
        entry: dict[str, Any] = {
            "model": Problem,
            "description": _DESCRIPTIONS[code],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if code == 503:
            entry["headers"] = _RETRY_AFTER
            if live_graph:
                entry["description"] = _LIVE_503
        out[code] = entry
    return out


def cluster_summary(cluster: dict[str, Any]) -> dict[str, Any]:
    """The organisation-level summary of a cluster (``ClusterSummary`` fields it holds)."""
    summary = {k: cluster[k] for k in ClusterSummary.model_fields if cluster.get(k) is not None}
    if not isinstance(summary.get("region_counts", {}), dict):
        del summary["region_counts"]
    return ClusterSummary.model_validate(summary).model_dump()


def alert_from_row(row: dict[str, Any]) -> Alert:
    """An alert from a stored row (and the caller's status where the row has it); absent
    values take the record's defaults, other keys of the row are not the alert's."""
    return Alert.model_validate({k: v for k in Alert.model_fields if (v := row.get(k)) is not None})
