"""Parameter shapes and checks beyond their type: identifier patterns, and days and instants in
the range the API serves.

The identifier patterns are the one definition of what an alert id, a cluster id, a KvK number,
a region and a typology look like: the routers validate with them and the audit log
(:mod:`api.redact`) keeps a value only when it has one of them.

Python and Neo4j both hold dates from year 1 to 9999, but an instant near either end overflows
when it is moved to UTC (``0001-01-01T00:00:00+05:00`` lies in year 0), and a default derived
from a day (two years before ``to``) can leave the range. Such values are bad input: 400 with
the parameter named (problem+json), never a 500.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, date, datetime
from typing import Final

from api.errors import BadRequestError
from graph.vocabulary import REGIONS, TYPOLOGIES

__all__ = [
    "ALERT_ID_PATTERN",
    "CLUSTER_ID_PATTERN",
    "FIRST_DAY",
    "KVK_PATTERN",
    "LAST_DAY",
    "REGION_PATTERN",
    "TYPOLOGY_PATTERN",
    "day_in_range",
    "decode_cursor",
    "encode_cursor",
    "utc_instant",
]

ALERT_ID_PATTERN: Final = r"^AL-[0-9a-f]{1,64}$"
CLUSTER_ID_PATTERN: Final = r"^CL-[0-9a-f]{1,64}$"
#: A KvK number (the public register key of a company).
KVK_PATTERN: Final = r"^[0-9]{8}$"
REGION_PATTERN: Final = "^(" + "|".join(re.escape(r) for r in REGIONS) + ")$"
TYPOLOGY_PATTERN: Final = "^(" + "|".join(TYPOLOGIES) + ")$"

#: The days the API accepts in date and datetime parameters (and cursors).
FIRST_DAY: Final = date(1900, 1, 1)
LAST_DAY: Final = date(9998, 12, 31)


def _out_of_range(name: str) -> BadRequestError:
    return BadRequestError(
        f"{name}: out of the supported range {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
    )


def day_in_range(value: date, name: str) -> date:
    """``value`` when it lies in :data:`FIRST_DAY`..:data:`LAST_DAY`; else 400 naming ``name``.

    >>> day_in_range(date(2025, 6, 1), "to")
    datetime.date(2025, 6, 1)
    """
    if not FIRST_DAY <= value <= LAST_DAY:
        raise _out_of_range(name)
    return value


def utc_instant(value: datetime, name: str) -> datetime:
    """``value`` in UTC (a value without a zone is taken as UTC), its day in range; else 400.

    >>> utc_instant(datetime(2025, 1, 1, 5, tzinfo=UTC), "since").isoformat()
    '2025-01-01T05:00:00+00:00'
    """
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise _out_of_range(name) from None
    day_in_range(moment.date(), name)
    return moment


def encode_cursor(at: datetime, item_id: str) -> str:
    """An opaque page cursor: the last item's time and id (lists ordered by both, newest
    first)."""
    raw = json.dumps([at.isoformat(), item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The time and id of :func:`encode_cursor`; 400 for a cursor this API did not return."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, item_id = json.loads(raw)
        when = datetime.fromisoformat(str(created))
        if not isinstance(item_id, str):
            raise TypeError("id")
    except (ValueError, TypeError):
        raise BadRequestError("cursor is not one this API returned") from None
    return utc_instant(when, "cursor"), item_id
