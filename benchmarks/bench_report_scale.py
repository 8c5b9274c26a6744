"""Scale benchmark of the whole report (issue 8): ``python -m aictlab.report`` on growth corpora, both engines.

Each run is a fresh ``python -m aictlab.report`` process on a growth corpus (:mod:`growth`: the seeds
replicated, each copy a new doc_id and year and a marker word every fourth word) with an empty processed
folder, so every corpus the report needs (the main one and the robustness panel's other lemmatizer and
segment sizes) is built in the run. Memory is sampled every 0.2 s (:func:`measure.run_measured`), per
process: the driver (the report process itself) and the largest other process of its tree (a Dask worker
on the Dask path).

For timing code changes, ``bench_side_by_side.py`` (two checkouts, alternating, realistic corpora of
``corpora.py``, per-part seconds) supersedes this script's single-checkout runs; this one remains for the
memory-versus-size curve over growth factors and engines.

What it shows: on the in-memory engine the driver holds every token table, so its peak grows with the
corpus; on the Dask engine the measures read the token partitions one at a time
(:meth:`aictlab.corpus.Corpus.map_tokens`), so the driver's peak grows only with the small tables
(documents, paragraphs, segments) and the aggregates.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_report_scale.py --factors 1 10 100
    .venv/bin/python benchmarks/bench_report_scale.py --factors 10 --parts corpus frames --engines dask
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from measure import run_measured  # noqa: E402


def run_report(corpus: Path, work: Path, engine: str, lemmatizer: str, parts: list[str]) -> dict:
    """One report run in a fresh process: wall seconds, peak RSS of the driver and of the largest child."""
    command = [
        sys.executable,
        "-m",
        "aictlab.report",
        "--quiet",
        "--root",
        str(work),
        "--corpus",
        str(corpus),
    ]
    command += ["--out", str(work / "figures"), "--engine", engine, "--lemmatizer", lemmatizer]
    command += ["--only", *parts]
    work.mkdir(parents=True, exist_ok=True)
    errors = work / "stderr.log"
    run = run_measured(command, cwd=REPO, stderr=errors, interval=0.2)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {errors.read_text(errors='replace')[-3000:]}")
    words = None
    if "corpus" in parts:
        with open(work / "figures" / "tables" / "corpus_overview.csv", encoding="utf-8") as handle:
            words = sum(int(row["tokens_counted"]) for row in csv.DictReader(handle))
    return {
        "engine": engine,
        "lemmatizer": lemmatizer,
        "parts": " ".join(parts),
        "seconds": round(run.seconds, 1),
        "driver_mib": round(run.driver_mib),
        "worker_mib": round(run.child_mib) if engine == "dask" else None,
        "counted_words": words,
    }


def main(argv: list[str] | None = None) -> int:
    from growth import replicate_corpus

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--engines", nargs="+", default=["memory", "dask"], choices=["memory", "dask"])
    parser.add_argument("--lemmatizer", default="simplemma", choices=["simplemma", "spacy"])
    parser.add_argument("--parts", nargs="+", default=["corpus", "frames", "textometry", "topics", "exports"])
    parser.add_argument("--work", type=Path, default=None, help="where growth corpora and runs are written")
    args = parser.parse_args(argv)
    work = Path(args.work or tempfile.mkdtemp(prefix="aictlab-report-scale-"))
    rows = []
    for factor in args.factors:
        corpus = replicate_corpus(REPO / "data" / "raw", work / f"x{factor}", factor, year_shift=1)
        for engine in args.engines:
            run = work / f"run-x{factor}-{engine}"
            row = {"factor": factor, **run_report(corpus, run, engine, args.lemmatizer, args.parts)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(
        "\n| ×copies | counted words | engine | lemmatizer | seconds | peak MiB (driver) | peak MiB (worker) |"
    )
    print("|---:|---:|---|---|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['factor']} | {r['counted_words'] or ''} | {r['engine']} | {r['lemmatizer']} | {r['seconds']} "
            f"| {r['driver_mib']} | {r['worker_mib'] or ''} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
