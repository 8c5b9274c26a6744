"""Benchmark of issues 6 and 15: the topic-model selection grid, and how it scales with segments.

Run from the repository root: ``.venv/bin/python benchmarks/bench_topics.py [--corpus FOLDER] [--seeds 20]
[--max-units 1000] [--factors 1 2 4] [--jobs 2] [--stream-factors 1 32 128 512] [--stream-passes 5]
[--workers 1]`` (``--skip-grid --factors`` with no value runs the streaming table alone).

1. The whole default grid on the seed corpus (or ``--corpus``, lemmatised with simplemma): LDA and NMF,
   K = 2..10, one reference fit + ``--seeds`` subsample fits per K (378 fits at 20), LDA by the package
   default (batch variational Bayes, :mod:`aictlab.topics.vblda`), coherence c_v and c_npmi, ``n_jobs``
   workers, the grid capped at ``--max-units`` units. Reports wall time, CPU seconds summed over fits (what
   the grid costs on one core) and the coherence time.
2. Scaling: the segments replicated ×f (units renamed, so each copy is a distinct unit); one LDA and one NMF fit
   at K = 6, coherence of one topic set, and the B = 9999 prevalence bootstrap, timed at each factor. The grid
   time at ×f is extrapolated as grid(×1) × LDA-fit(×f) / LDA-fit(×1) (LDA fits are ~95 % of the grid).
3. Streaming (``--stream-factors 1 32 128 512``, issue: topic models on a large corpus): the seed segments
   replicated ×f, then one LDA fit at K = 6 (``--stream-passes`` passes, 5 by default: memory does not
   depend on passes) in a fresh process per size, streamed (Matrix Market corpus on disk, ``LdaMulticore``,
   ``--workers``) and in memory (``LdaModel``, one chunk). Memory is the proportional set size (PSS) of the
   process and its worker processes, sampled every 0.05 s: the peak during the fit minus the PSS before it
   (the topic documents, built before, are the input and are reported apart).

Prints Markdown tables; times are wall-clock seconds on this machine (shared: load average printed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def replicate(docs: pd.DataFrame, factor: int) -> pd.DataFrame:
    parts = [docs.assign(unit_id=docs["unit_id"].astype(str) + f"#{i}") for i in range(factor)]
    return pd.concat(parts, ignore_index=True)


def seed_docs(folder: Path | None = None) -> pd.DataFrame:
    from aictlab import topics as tp
    from aictlab.corpus import load_corpus

    if folder is None:
        corpus = load_corpus(REPO / "data" / "raw", cache_dir=REPO / "data" / "processed")
    else:
        corpus = load_corpus(folder, lemmatizer="simplemma", cache_dir=REPO / "data" / "processed")
    return tp.topic_documents(corpus, min_df="auto")


def tree_pss() -> tuple[int, int]:
    """PSS (bytes) of this process and of its children (shared pages split between the processes)."""
    import psutil

    me = psutil.Process()
    children = 0
    for proc in me.children(recursive=True):
        try:
            children += proc.memory_full_info().pss
        except psutil.Error:
            pass
    return me.memory_full_info().pss, children


def stream_child(mode: str, factor: int, passes: int, workers: int) -> dict:
    """One fit in this (fresh) process; returns sizes, seconds and peak memory above the start."""
    # gensim imported before the baseline: its modules are not the fit's memory
    import gensim.corpora
    import gensim.models  # noqa: F401

    from aictlab import topics as tp

    docs = replicate(seed_docs(), factor)
    nnz = int(sum(len(set(t)) for t in docs["terms"]))
    before = tree_pss()[0]
    peak, done = [before, before, 0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            main, children = tree_pss()
            peak[0] = max(peak[0], main + children)
            peak[1] = max(peak[1], main)
            peak[2] = max(peak[2], children)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        if mode == "stream":
            params = {"stream": True, "alpha": "asymmetric", "workers": workers, "workdir": tmp}
        else:
            params = {}
        fitted = tp.fit_topic_model(docs, "lda", 6, passes=passes, **params)
        seconds = time.perf_counter() - start
        mm = sum(f.stat().st_size for f in Path(tmp).glob("*.mm*"))
    done.set()
    sampler.join()
    return {
        "units": len(docs),
        "nnz": nnz,
        "docs_mib": before / 2**20,
        "peak_mib": (peak[0] - before) / 2**20,
        "main_mib": (peak[1] - before) / 2**20,
        "workers_mib": peak[2] / 2**20,
        "seconds": seconds,
        "mm_mib": mm / 2**20,
        "theta_mib": fitted.doc_topic_.nbytes / 2**20,
    }


def stream_table(factors: list[int], passes: int, workers: int) -> None:
    print("\n| segments | (unit, term) pairs | PSS before fit (MiB) | streamed: peak above (MiB) "
          "| of which main / workers (MiB) | streamed (s) | .mm file (MiB) | in memory: peak above (MiB) "
          "| in memory (s) | θ (MiB) |\n|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip
    for f in factors:
        rows = {}
        for mode in ("stream", "memory"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", mode, str(f), str(passes), str(workers)],
                check=True, capture_output=True, text=True, cwd=REPO,
            )  # fmt: skip
            rows[mode] = json.loads(out.stdout.strip().splitlines()[-1])
        s, m = rows["stream"], rows["memory"]
        print(f"| {s['units']:,} (×{f}) | {s['nnz']:,} | {s['docs_mib']:.0f} | {s['peak_mib']:.1f} "
              f"| {s['main_mib']:.1f} / {s['workers_mib']:.1f} | {s['seconds']:.1f} "
              f"| {s['mm_mib']:.1f} | {m['peak_mib']:.1f} | {m['seconds']:.1f} | {s['theta_mib']:.2f} |", flush=True)  # fmt: skip


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, factor, passes, workers = sys.argv[2], *map(int, sys.argv[3:6])
        print(json.dumps(stream_child(mode, factor, passes, workers)))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--factors", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--max-units", type=int, default=1000)
    parser.add_argument("--skip-grid", action="store_true")
    parser.add_argument("--stream-factors", type=int, nargs="*", default=[])
    parser.add_argument("--stream-passes", type=int, default=5)
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 1) - 1))
    args = parser.parse_args()

    from aictlab import topics as tp

    docs = seed_docs(args.corpus)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; {len(docs)} segments, vocabulary {docs.attrs['vocabulary_size']}")  # fmt: skip

    grid_wall = None
    if not args.skip_grid:
        start = time.perf_counter()
        sel = tp.select_topic_models(
            docs, k=range(2, 11), n_seeds=args.seeds, n_jobs=args.jobs, max_units=args.max_units or None
        )
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
        print(f"| coherence ({len(sel.table)} topic sets, c_v + c_npmi, one measure per worker) | {sel.params['coherence_seconds']:.1f} s wall, "
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
    if args.stream_factors:
        print(f"\nLDA K = 6, {args.stream_passes} passes; streamed: {args.workers} worker(s), chunks of "
              f"{tp.STREAM_CHUNKSIZE} units; in memory: one chunk.")  # fmt: skip
        stream_table(args.stream_factors, args.stream_passes, args.workers)


if __name__ == "__main__":
    main()
