"""Benchmark of issue 6: the topic-model selection grid on the seeds, and how it scales with segments.

Run from the repository root: ``.venv/bin/python benchmarks/bench_topics.py [--factors 1 2 4] [--jobs 2]``.

1. The whole default grid on the seed corpus: LDA and NMF, K = 2..10, one reference fit + 5 subsample fits per
   K (108 fits), LDA passes=50 / iterations=400, coherence c_v and c_npmi on all segments, ``n_jobs`` workers.
   Reports wall time, CPU seconds summed over fits (what the grid costs on one core) and the coherence time.
2. Scaling: the segments replicated ×f (units renamed, so each copy is a distinct unit); one LDA and one NMF fit
   at K = 6, coherence of one topic set, and the B = 9999 prevalence bootstrap, timed at each factor. The grid
   time at ×f is extrapolated as grid(×1) × LDA-fit(×f) / LDA-fit(×1) (LDA fits are ~95 % of the grid).

Prints a Markdown table; times are wall-clock seconds on this machine (shared: load average printed).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def replicate(docs: pd.DataFrame, factor: int) -> pd.DataFrame:
    parts = [docs.assign(unit_id=docs["unit_id"].astype(str) + f"#{i}") for i in range(factor)]
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--factors", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-grid", action="store_true")
    args = parser.parse_args()

    from aictlab import topics as tp
    from aictlab.corpus import load_corpus

    corpus = load_corpus(REPO / "data" / "raw", cache_dir=REPO / "data" / "processed")
    docs = tp.topic_documents(corpus.tokens)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; {len(docs)} segments, vocabulary {docs.attrs['vocabulary_size']}")  # fmt: skip

    grid_wall = None
    if not args.skip_grid:
        start = time.perf_counter()
        sel = tp.select_topic_models(docs, k=range(2, 11), n_seeds=5, n_jobs=args.jobs)
        grid_wall = time.perf_counter() - start
        fits = sel.timings.groupby("model")["seconds"].agg(["size", "sum", "mean"])
        cpu = sel.timings.groupby("model")["cpu_seconds"].sum()
        print("\n| grid (seeds) | value |\n|---|---|")
        print(f"| fits | {len(sel.table)} (LDA {fits.loc['lda', 'size']}, NMF {fits.loc['nmf', 'size']}) |")
        print(f"| wall time, n_jobs={args.jobs} | {grid_wall:.1f} s |")
        print(f"| wall in fits (sum over workers): LDA / NMF | {fits.loc['lda', 'sum']:.1f} s / "
              f"{fits.loc['nmf', 'sum']:.1f} s (mean per fit {fits.loc['lda', 'mean']:.2f} / "
              f"{fits.loc['nmf', 'mean']:.2f} s) |")  # fmt: skip
        print(f"| CPU in fits: LDA / NMF | {cpu['lda']:.1f} s / {cpu['nmf']:.1f} s |")
        coh = sel.params["coherence_cpu_seconds"]
        print(f"| coherence (108 topic sets, c_v + c_npmi, chunks over workers) | {sel.params['coherence_seconds']:.1f} s wall, "
              f"{coh:.1f} s CPU |")  # fmt: skip
        print(f"| estimate on {args.jobs} idle cores: (CPU in fits + coherence) / {args.jobs} | "
              f"{(cpu.sum() + coh) / args.jobs:.1f} s |")  # fmt: skip

    print("\n| segments | LDA fit K=6 (s) | NMF fit K=6 (s) | coherence 1 set (s) | prevalence B=9999 (s) "
          "| grid, extrapolated (s) |\n|---|---|---|---|---|---|")  # fmt: skip
    base = None
    for f in args.factors:
        d = replicate(docs, f)
        t0 = time.perf_counter()
        lda = tp.fit_topic_model(d, "lda", 6)
        t1 = time.perf_counter()
        tp.fit_topic_model(d, "nmf", 6)
        t2 = time.perf_counter()
        tp.coherence_many([lda.top_terms(10)], [list(t) for t in d["terms"]])
        t3 = time.perf_counter()
        tp.topic_prevalence(lda.document_topics(), by="period", n_boot=9999, seed=42)
        t4 = time.perf_counter()
        base = base or (t1 - t0)
        grid = f"{grid_wall * (t1 - t0) / base:.0f}" if grid_wall else "-"
        print(f"| {len(d)} (×{f}) | {t1 - t0:.2f} | {t2 - t1:.2f} | {t3 - t2:.2f} | {t4 - t3:.2f} | {grid} |")


if __name__ == "__main__":
    main()
