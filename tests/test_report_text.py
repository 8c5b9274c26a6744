"""How the report writes numbers: an infinite interval bound is unbounded, not missing."""

from __future__ import annotations

import math

from aictlab.report.part_frames import _ci
from aictlab.report.text import fmt_number, no_interval


def test_numbers_missing_and_infinite_are_told_apart():
    assert fmt_number(0.125) == "0.12" and fmt_number(-0.4449, 3) == "-0.445"
    assert fmt_number(-math.inf) == "-∞" and fmt_number(math.inf) == "+∞"
    assert fmt_number(math.nan) == "n/a" and fmt_number(None) == "n/a"
    assert fmt_number("K = 3") == "K = 3"


def test_an_interval_unbounded_below_keeps_its_bound_and_a_missing_one_says_so():
    # a log rate ratio whose later period has no hit in enough document resamples: its lower bound is -inf
    assert _ci(-0.44, -math.inf, 0.33) == "-0.44 [-∞, 0.33]"
    assert no_interval(f"θ = {_ci(0.40, math.nan, math.nan)}") == "θ = 0.40 (no interval)"
    assert no_interval(f"θ = {_ci(-math.inf, -math.inf, math.inf)}") == "θ = -∞ [-∞, +∞]"
