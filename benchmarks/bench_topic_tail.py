"""Time the topics part after its grid: prevalence on a synthetic 5M-scale table, or the whole tail from a cache.

The table: ``--documents`` documents (default 20,000) cut into ``--units`` segment units (default 124,878, the
5M-word corpus), five periods, token counts of 20–60 a unit, Dirichlet θ of an LDA (K = 3) and an NMF (K = 4)
model, a few NaN units; topics lean to two frames or "other". Run with the code to time on PYTHONPATH (the
worktree's ``src`` or a base checkout's); ``--out`` pickles both tables to compare two runs.

``--results DIR`` (a report's ``data/processed/results``, with its ``topic_documents`` and ``topics_selection``
entries): the report's tail on those units instead, timed step by step: the final fits on every unit (the grid
ran on a sample), labels and θ tables, topic and frame prevalence, the refit ranges, the frame shares by K.

Usage: PYTHONPATH=src python benchmarks/bench_topic_tail.py [--documents N] [--units N] [--n-boot B] [--out F]
       PYTHONPATH=src python benchmarks/bench_topic_tail.py --results DIR [--out F]
"""

from __future__ import annotations

import argparse
import pickle
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from aictlab import topics as tp


def synthetic_tables(n_docs: int, n_units: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The long θ table of two models over the same units, and their topics' frames."""
    rng = np.random.default_rng(seed)
    doc_of = np.sort(np.concatenate([np.arange(n_docs), rng.integers(0, n_docs, n_units - n_docs)]))
    year = 2000 + (np.arange(n_docs) * 25 // n_docs)
    docs = pd.DataFrame({"doc_id": [f"d{i:05d}" for i in doc_of], "year": year[doc_of]})
    docs["unit_id"] = docs.groupby("doc_id").cumcount()
    docs["period"] = pd.cut(docs["year"], [1999, 2004, 2009, 2014, 2019, 2024]).astype(str)
    docs["n_tokens"] = rng.integers(20, 61, n_units)
    tables, frames = [], []
    for model, k in (("lda", 3), ("nmf", 4)):
        theta = rng.dirichlet(np.full(k, 0.5), n_units)
        theta[rng.choice(n_units, 5, replace=False)] = np.nan
        long = tp.models.document_topic_table(docs, theta).assign(model=model)
        tables.append(long)
        lean = ["solidarite", "attractivite", "other", "solidarite"][:k]
        frames.append(pd.DataFrame({"model": model, "topic": np.arange(1, k + 1), "frame": lean}))
    topic_frame = pd.concat(frames, ignore_index=True).assign(share_solidarite=0.5, share_attractivite=0.5)
    return pd.concat(tables, ignore_index=True), topic_frame


def _latest_entry(results: str, name: str):
    """The newest cache entry ``<name>-*.pkl`` of a report's results folder."""
    from aictlab.report.context import read_entry

    return read_entry(max(Path(results).glob(f"{name}-*.pkl"), key=lambda p: p.stat().st_mtime))


def cached_tail(results: str, n_boot: int) -> dict:
    """The topics part's tail (part_topics.run after the grid) on a report's cached units and grid."""
    from aictlab.config import Settings
    from aictlab.lexicon import load_lexicon

    docs, selection = _latest_entry(results, "topic_documents"), _latest_entry(results, "topics_selection")
    lexicon = load_lexicon(Settings().lexicon_path)
    models = selection.params["models"]
    chosen = {m: selection.chosen_k(m) for m in models}
    steps, out = {}, {}

    def timed(name, call):
        cpu = time.process_time()
        value = call()
        steps[name] = time.process_time() - cpu
        return value

    final = timed(
        "final fits", lambda: {m: tp.final_topic_model(selection, docs, m, chosen[m]) for m in models}
    )
    topics = timed(
        "labels",
        lambda: pd.concat(
            [tp.label_topics(final[m].topics(topn=20).assign(model=m), lexicon, docs=docs) for m in models],
            ignore_index=True,
        ),
    )
    dt = timed("θ tables", lambda: pd.concat([final[m].document_topics().assign(model=m) for m in models]))
    dt = dt.reset_index(drop=True)
    boot = {"n_boot": n_boot, "seed": 42, "min_documents": 5, "unit_name": "segment", "clusters": None}
    if hasattr(tp, "topic_and_frame_prevalence"):
        out["prevalence"] = timed("prevalence", lambda: tp.topic_and_frame_prevalence(dt, topics, **boot))
    else:
        out["prevalence"] = timed(
            "prevalence",
            lambda: (tp.topic_prevalence(dt, **boot), tp.frame_topic_prevalence(dt, topics, **boot)),
        )
    refitted = bool(selection.params.get("sampled"))
    out["ranges"] = timed(
        "refit ranges",
        lambda: [
            tp.seed_prevalence_range(selection, m, chosen[m], reference=final[m] if refitted else None)
            for m in models
        ],
    )
    out["by_k"] = timed("frame shares by K", lambda: tp.frame_shares_by_k(selection, lexicon))
    out["topics"] = topics
    print(f"{len(docs)} units, chosen {chosen}: " + ", ".join(f"{k} {v:.2f}" for k, v in steps.items()))
    print(f"tail CPU {sum(steps.values()):.1f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=20_000)
    ap.add_argument("--units", type=int, default=124_878)
    ap.add_argument("--n-boot", type=int, default=9999)
    ap.add_argument("--out")
    ap.add_argument("--results")
    args = ap.parse_args()
    if args.results:
        out = cached_tail(args.results, args.n_boot)
        if args.out:
            with open(args.out, "wb") as f:
                pickle.dump(out, f)
        return
    dt, topic_frame = synthetic_tables(args.documents, args.units)
    boot = {"n_boot": args.n_boot, "seed": 42, "min_documents": 5, "unit_name": "segment", "clusters": None}
    cpu, wall = time.process_time(), time.perf_counter()
    if hasattr(tp, "topic_and_frame_prevalence"):
        prevalence, frame_prev = tp.topic_and_frame_prevalence(dt, topic_frame, by="period", **boot)
    else:
        prevalence = tp.topic_prevalence(dt, by="period", **boot)
        frame_prev = tp.frame_topic_prevalence(dt, topic_frame, by="period", **boot)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.documents} documents, {args.units} units, B={args.n_boot}: CPU {cpu:.1f} s, wall {wall:.1f} s, "
        f"peak RSS {peak:.0f} MB"
    )
    if args.out:
        with open(args.out, "wb") as f:
            pickle.dump((prevalence, frame_prev), f)


if __name__ == "__main__":
    main()
