"""CPU seconds of ``drift.measure_drift`` and of its per-group rows on a report run's cached frame data.

The per-group rows are ``drift_stats.group_rows`` (``drift._group_rows`` in session 25, ``_group_row`` before s25-drift: one call per
document, year and period). Run with the checkout to measure on ``PYTHONPATH`` and alternate checkouts:

    PYTHONPATH=src python benchmarks/bench_drift_documents.py <run root with a frames part> [label]

The run root's ``data/processed/results/frames_data-*.pkl`` is read as it is (whatever code wrote it), so
two checkouts measure the same aggregates; ``n_boot=9999, seed=42`` as the report.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from aictlab import drift
from aictlab.report.context import read_entry
from aictlab.workers import one_blas_thread


def main(root: str, label: str = "") -> None:
    data = read_entry(next(Path(root, "data/processed/results").glob("frames_data-*.pkl")))
    # where the per-group rows live: drift_stats.group_rows, drift._group_rows (s25), drift._group_row (before)
    try:
        from aictlab import drift_stats as module

        name = "group_rows"
    except ImportError:
        module, name = drift, "_group_rows" if hasattr(drift, "_group_rows") else "_group_row"
    inner, spent = getattr(module, name), [0.0]

    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - start

    setattr(module, name, timed)
    with one_blas_thread():
        start = time.process_time()
        drift.measure_drift(data, n_boot=9999, seed=42)
    print(f"{label} measure_drift {time.process_time() - start:.2f} CPU s, {name} {spent[0]:.2f} CPU s")


if __name__ == "__main__":
    main(*sys.argv[1:3])
