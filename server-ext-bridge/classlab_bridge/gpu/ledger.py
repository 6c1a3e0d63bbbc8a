"""Quota periods: which ledger period a moment belongs to and when that period resets (UTC).

The ledger itself (GPU-seconds per user per period) lives in SQLite (store.py); this module only names periods, so
the same second is charged to the same period by every caller. ``none`` is one budget for the whole term.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Optional

PERIODS = ("none", "day", "week", "month")


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=timezone.utc)


def iso(t: Optional[float]) -> Optional[str]:
    """ISO 8601 UTC with a Z, to the second, as PROTOCOL.md shows; None stays None."""
    if t is None:
        return None
    return _utc(t).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_period(period: str) -> str:
    if period not in PERIODS:
        raise ValueError(f"quota_period must be one of {', '.join(PERIODS)}, not {period!r}")
    return period


def period_key(t: float, period: str) -> str:
    """The ledger row a second at ``t`` is charged to."""
    d = _utc(t)
    if period == "day":
        return d.strftime("%Y-%m-%d")
    if period == "week":
        year, week, _ = d.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return d.strftime("%Y-%m")
    return "term"


def period_start(t: float, period: str) -> Optional[float]:
    """When the period holding ``t`` began; None for ``none``."""
    d = _utc(t).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return d.timestamp()
    if period == "week":
        return (d - timedelta(days=d.weekday())).timestamp()  # ISO weeks start on Monday
    if period == "month":
        return d.replace(day=1).timestamp()
    return None


def period_resets(t: float, period: str) -> Optional[float]:
    """When the period holding ``t`` ends and a fresh budget begins; None for ``none`` (it never resets)."""
    start = period_start(t, period)
    if start is None:
        return None
    d = _utc(start)
    if period == "day":
        return (d + timedelta(days=1)).timestamp()
    if period == "week":
        return (d + timedelta(days=7)).timestamp()
    nxt = d.replace(year=d.year + 1, month=1) if d.month == 12 else d.replace(month=d.month + 1)
    return nxt.timestamp()
