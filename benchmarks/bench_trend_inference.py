"""CPU seconds of ``trend.trend_tests`` and ``inference.frame_trend`` on a report run's cached results (s27).

``trend_tests`` runs on the cached drift measurement (``frames_drift-*.pkl``, seed 42 as the report),
``frame_trend`` on the cached per-document totals of the verdict (``frames_document_verdict-*.pkl``,
``n_boot=9999, seed=42`` as the report's :func:`aictlab.verdict.document_verdict`). Imports are warmed
first. Alternate checkouts on the same root:

    PYTHONPATH=<checkout>/src python benchmarks/bench_trend_inference.py <run root> [label]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from aictlab import inference, trend
from aictlab.report.context import read_entry
from aictlab.workers import one_blas_thread


def main(root: str, label: str = "") -> None:
    results = Path(root, "data/processed/results")
    drift = read_entry(next(results.glob("frames_drift-*.pkl")))
    verdict = read_entry(next(results.glob("frames_document_verdict-*.pkl")))
    totals, frames = verdict["totals"], tuple(verdict["trend"]["target"])
    trend.trend_tests(drift.by_document.head(40))  # imports (statsmodels, scipy) outside the timings
    inference.frame_trend(totals.head(30), frames=frames, n_boot=19, seed=42)
    with one_blas_thread():
        start = time.process_time()
        trend.trend_tests(drift, seed=42)
        middle = time.process_time()
        inference.frame_trend(totals, frames=frames, n_boot=9999, seed=42)
        end = time.process_time()
    print(
        f"{label} trend_tests {middle - start:.2f} CPU s, frame_trend {end - middle:.2f} CPU s ({len(totals)} documents)"
    )


if __name__ == "__main__":
    main(*sys.argv[1:3])
