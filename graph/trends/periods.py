"""Calendar periods of a trend request: whole quarters or whole years."""

from __future__ import annotations

from datetime import date
from typing import Final, Literal

__all__ = [
    "MAX_PERIODS",
    "Period",
    "Quarter",
    "period_label",
    "periods_between",
    "quarter_of",
    "quarters_between",
]

#: The most columns a trend table may have (40 quarters = 10 years).
MAX_PERIODS: Final = 40

Period = Literal["quarter", "year"]
#: A calendar quarter ``(year, 1..4)``.
Quarter = tuple[int, int]


def quarter_of(day: date) -> Quarter:
    """The calendar quarter holding ``day``."""
    return day.year, (day.month - 1) // 3 + 1


def quarters_between(first: date, last: date) -> list[Quarter]:
    """The quarters from ``first``'s to ``last``'s, in order."""
    start, end = quarter_of(first), quarter_of(last)
    out: list[Quarter] = []
    year, q = start
    while (year, q) <= end:
        out.append((year, q))
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


def period_label(day: date, by: Period) -> str:
    """``2024-Q3`` for a quarter, ``2024`` for a year."""
    if by == "year":
        return f"{day.year}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _period_start(day: date, by: Period) -> date:
    if by == "year":
        return date(day.year, 1, 1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_period(day: date, by: Period) -> date:
    if by == "year":
        return date(day.year + 1, 1, 1)
    month = day.month + 3
    return date(day.year + (month > 12), (month - 1) % 12 + 1, 1)


def periods_between(start: date, end: date, by: Period) -> tuple[list[str], date, date]:
    """Whole periods covering ``start..end``: their labels, the first day and the last day.

    Raises ``ValueError`` when ``end`` precedes ``start`` or the range spans more than
    :data:`MAX_PERIODS` periods.
    """
    if end < start:
        raise ValueError("'to' is before 'from'")
    first = _period_start(start, by)
    labels: list[str] = []
    current = first
    while current <= end:
        labels.append(period_label(current, by))
        if len(labels) > MAX_PERIODS:
            raise ValueError(f"the range spans more than {MAX_PERIODS} periods")
        current = _next_period(current, by)
    last = date.fromordinal(current.toordinal() - 1)
    return labels, first, last
