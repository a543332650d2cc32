"""How often two people related in an investigation were in contact, when, and how.

A police investigation records each intercepted call and message and each observed meeting;
the relation row (``pol_relaties``) carries their count, the first and the last, and the
channel (decision 081). Drawn per pair from its own random stream (seed and pair), so that
adding these columns moves no other value of a delivery. Planted and background relations
draw from the same distributions: a count is evidence of a tie's strength, never a label of
the network it belongs to.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Final

from ingest.synthetic.model import Relation

__all__ = ["contacts"]

#: Median contacts per investigation that recorded the pair, by kind: intercepted calls and
#: messages come in tens, observed meetings in ones.
_MEDIAN: Final = {"called": 6.0, "met": 2.0}
_SPREAD: Final = {"called": 1.0, "met": 0.6}
#: The channel of each kind and its share.
_CHANNELS: Final = {
    "called": (("call", 65), ("message", 35)),
    "met": (("meeting", 70), ("observation", 30)),
}
#: Days between two contacts of a pair, at most; and the longest span recorded.
_GAP_DAYS: Final = 20
_MAX_SPAN_DAYS: Final = 700


def contacts(
    seed: int, pair: tuple[int, int], relations: Sequence[Relation]
) -> tuple[int, date, date, str]:
    """``(count, first, last, channel)`` of the contacts the ``relations`` of one pair record
    (its first relation's kind decides the channel)."""
    rng = random.Random(f"{seed}:contacts:{pair[0]}:{pair[1]}")
    count = 0
    for rel in relations:
        median, spread = _MEDIAN[rel.kind], _SPREAD[rel.kind]
        count += max(1, round(rng.lognormvariate(math.log(median), spread)))
    last = max(rel.day for rel in relations)
    span = min(_MAX_SPAN_DAYS, sum(rng.randint(1, _GAP_DAYS) for _ in range(count - 1)))
    first = min(min(rel.day for rel in relations), last - timedelta(days=span))
    options = _CHANNELS[relations[0].kind]
    channel = rng.choices([name for name, _ in options], [share for _, share in options])[0]
    return count, first, last, channel
