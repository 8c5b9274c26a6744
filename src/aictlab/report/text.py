"""How the report writes numbers in prose: one formatter for every part, so a number that cannot be estimated
reads the same everywhere ("n/a", and "(no interval)" for an interval with no bound)."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["fmt_number", "no_interval"]


def fmt_number(x: Any, nd: int = 2) -> str:
    """``x`` with ``nd`` decimals; "n/a" when it is missing or not finite; a non-number as text."""
    try:
        value = float(x)
    except (TypeError, ValueError):
        return "n/a" if x is None else str(x)
    return f"{value:.{nd}f}" if math.isfinite(value) else "n/a"


def no_interval(text: str) -> str:
    """Prose without bare "n/a" intervals: ``0.40 [n/a, n/a]`` reads ``0.40 (no interval)``."""
    return text.replace(" [n/a, n/a]", " (no interval)").replace("[n/a, n/a]", "no interval")
