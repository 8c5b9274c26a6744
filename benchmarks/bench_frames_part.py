"""CPU seconds of the frames part and of its pieces, on a run root whose corpus is cached (session 26).

Runs ``python -m aictlab.report --only frames`` in this process with the frames part's result cache removed
and its forked call (the robustness variants' corpora) run inline, so that ``time.process_time`` counts all
of it; prints the total and the CPU seconds of each piece (frame aggregates, matching, KWIC lines, variants,
trend, verdict, drift, robustness panel, period bins). Alternate checkouts on copies of one root:

    PYTHONPATH=<checkout>/src python benchmarks/bench_frames_part.py <run root> <corpus> [label]

The root must come from a report run on ``<corpus>`` (its corpus cache is read, not rebuilt).
"""

from __future__ import annotations

import collections
import functools
import sys
import time
from pathlib import Path

from aictlab import bins, coding, drift, frames, robustness, trend, verdict, workers
from aictlab.report import part_frames


def _timed(spent: collections.Counter, module, name: str) -> None:
    """Replace ``module.name`` by a wrapper adding its CPU seconds to ``spent[name]``."""
    func = getattr(module, name)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - start

    setattr(module, name, wrapper)


def main(root: str, corpus: str, label: str = "") -> None:
    from aictlab.report.__main__ import main as report

    forked_call = workers.forked_call
    workers.forked_call = lambda call, fork=True, **kw: forked_call(call, fork=False, **kw)
    spent: collections.Counter = collections.Counter()
    for module, names in (
        (frames, ("frame_data", "match_terms", "hit_contexts")),
        (part_frames, ("_variant_aggregates",)),
        (trend, ("trend_tests",)),
        (verdict, ("document_verdict",)),
        (drift, ("measure_drift",)),
        (robustness, ("robustness_panel",)),
        (bins, ("bin_robustness",)),
        (coding, ("mention_vs_use",)),
    ):
        for name in names:
            _timed(spent, module, name)
    for entry in Path(root, "data/processed/results").glob("frames_*.pkl"):
        entry.unlink()
    start = time.process_time()
    report(
        ["--root", root, "--corpus", corpus, "--out", str(Path(root, "figures")), "--only", "frames", "-q"]
    )
    pieces = ", ".join(f"{name} {seconds:.2f}" for name, seconds in spent.most_common())
    print(f"{label} frames part {time.process_time() - start:.2f} CPU s ({pieces})")


if __name__ == "__main__":
    main(*sys.argv[1:4])
