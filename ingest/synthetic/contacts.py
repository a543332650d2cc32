"""Evidence of strength a partner records beside a fact: contacts of a relation, money of a firm.

A police investigation records each intercepted call and message and each observed meeting;
the relation row (``pol_relaties``) carries their count, the first and the last, and the
channel. The tax office knows a company's turnover and estimates the share of it received in
cash (``bd_bedrijven``). Each is drawn from its own random stream (seed and pair, seed and
KvK number), so that adding these columns moves no other value of a delivery (decision 081).
Planted and background facts draw from the same distributions, except that a planted front
business turns over far more than its staff could earn, mostly in cash: the indicator a tax
inspector looks for, common to every laundering typology.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Final

from ingest.synthetic.model import Company, Relation

__all__ = ["contacts", "money"]

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


#: Median yearly turnover per worker (EUR), and the spread of turnover around it.
_TURNOVER_PER_WORKER: Final = 90_000.0
_TURNOVER_SPREAD: Final = 0.7


def money(seed: int, company: Company) -> tuple[int, int]:
    """``(turnover, cash_pct)``: yearly turnover in euros and the share received in cash.

    Turnover grows with the staff (``1 + employees`` workers); cash-intensive businesses take
    25-70 % in cash, others up to 8 %. A planted network's company (a front business) turns
    over 3-8 times what its staff would, 60-95 % in cash.
    """
    rng = random.Random(f"{seed}:money:{company.kvk}")
    workers = 1 + len(company.employees)
    turnover = _TURNOVER_PER_WORKER * workers * rng.lognormvariate(0.0, _TURNOVER_SPREAD)
    cash = rng.randint(25, 70) if company.cash else rng.randint(0, 8)
    if company.net >= 0:
        turnover *= rng.uniform(3.0, 8.0)
        cash = rng.randint(60, 95)
    return int(round(turnover, -2)), cash
