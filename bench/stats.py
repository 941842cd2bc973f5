"""Small numeric helpers: percentiles and rounding for the report."""

from __future__ import annotations

from collections.abc import Sequence


def percentiles(
    values: Sequence[float], points: Sequence[int] = (50, 95, 99)
) -> dict[str, float | None]:
    """Nearest-rank percentiles of `values` (None when there are none)."""
    if not values:
        return {f"p{p}": None for p in points}
    ordered = sorted(values)
    last = len(ordered) - 1
    return {f"p{p}": round(ordered[min(last, max(0, round(p / 100 * len(ordered)) - 1))], 2)
            for p in points}


def mb(value: float) -> float:
    return round(value / 2**20, 1)


def kb(value: float) -> float:
    return round(value / 2**10, 1)
