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


def test_documents_without_a_counted_token_are_named_with_what_the_measures_rest_on():
    import pandas as pd

    from aictlab.report.part_corpus import uncounted_sentence

    overview = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "tokens_counted": [120, 0, 35, 0]})
    assert uncounted_sentence(overview) == (
        "2 documents keep no counted word token (every word in a timetable line or a duplicate counted "
        "elsewhere: b, d); the measures below rest on the other 2 documents. "
    )
    assert uncounted_sentence(overview.assign(tokens_counted=[1, 2, 3, 4])) == ""
    many = pd.DataFrame({"doc_id": [f"d{i}" for i in range(8)], "tokens_counted": [0] * 7 + [9]})
    assert uncounted_sentence(many).startswith(
        "7 documents keep no counted word token (every word in a timetable line or a duplicate counted "
        "elsewhere: d0, d1, d2, d3, d4 and 2 more); the measures below rest on the other 1 document. "
    )
