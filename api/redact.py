"""What of a request may stand in the audit log: values of known shapes, never identifiers.

A refused or malformed request can carry anything (``/subjects/<a BSN>/network?email=...``).
The audit entry keeps a path or query value only when it has one of the shapes the API itself
uses (a token, a KvK number, a cluster or alert id, a date, a number, a code word, a region,
our own cursor) and writes ``[redacted]`` for anything else; unknown query parameters are
always redacted. So no BSN, IBAN, e-mail address, phone number, plate or name lands in the log,
whatever is sent.
"""

from __future__ import annotations

import re
from typing import Final

from api.params import ALERT_ID_PATTERN, CLUSTER_ID_PATTERN, KVK_PATTERN
from graph.vocabulary import REGIONS, TOKEN_PATTERN

__all__ = ["KNOWN_QUERY_KEYS", "REDACTED", "redact_path_param", "redact_query_param"]

REDACTED: Final = "[redacted]"

_PATH_SHAPES: Final = (
    TOKEN_PATTERN,
    re.compile(KVK_PATTERN),
    re.compile(CLUSTER_ID_PATTERN),
    re.compile(ALERT_ID_PATTERN),
)
_DAY_OR_INSTANT: Final = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]{2,15}(Z|[+-][0-9:]{2,5})?)?$"
)
_NUMBER: Final = re.compile(r"^[0-9]{1,10}$")
_CODE: Final = re.compile(r"^[a-z_,]{1,40}$")
_CURSOR: Final = re.compile(r"^[A-Za-z0-9_-]{1,300}$")
_SUBJECT: Final = re.compile(r"^[A-Za-z0-9._-]{1,128}$")  # a user id; no '@': not an address
_BOOLEAN: Final = re.compile(r"^(true|false|1|0)$")
_REGION: Final = re.compile("^(" + "|".join(re.escape(r) for r in (*REGIONS, "LIEC")) + ")$")

#: Query parameters of the API and the shape their values may have in the log.
_QUERY_SHAPES: Final = {
    "since": _DAY_OR_INSTANT,
    "from": _DAY_OR_INSTANT,
    "to": _DAY_OR_INSTANT,
    "limit": _NUMBER,
    "depth": _NUMBER,
    "min_cell": _NUMBER,
    "status": _CODE,
    "kind": _CODE,
    "typology": _CODE,
    "measure": _CODE,
    "incident_type": _CODE,
    "by": _CODE,
    "cross_region": _BOOLEAN,
    "region": _REGION,
    "cursor": _CURSOR,
    "subject": _SUBJECT,
}


#: The query parameter names the log keeps (any other name is itself redacted).
KNOWN_QUERY_KEYS: Final = frozenset(_QUERY_SHAPES)


def redact_path_param(value: str) -> str:
    """A path value as the log may hold it.

    >>> redact_path_param("CL-0123abcd"), redact_path_param("123456782")
    ('CL-0123abcd', '[redacted]')
    """
    return value if any(p.fullmatch(value) for p in _PATH_SHAPES) else REDACTED


def redact_query_param(key: str, value: str) -> str:
    """A query value as the log may hold it (unknown parameters: always redacted).

    >>> redact_query_param("since", "2025-01-01"), redact_query_param("email", "a@b.nl")
    ('2025-01-01', '[redacted]')
    """
    shape = _QUERY_SHAPES.get(key)
    return value if shape is not None and shape.fullmatch(value) else REDACTED
