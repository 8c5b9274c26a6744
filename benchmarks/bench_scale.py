"""Scale benchmark (issue 8): the corpus stage on growth corpora, in-memory engine vs Dask engine.

Growth corpora are the seeds replicated ×1, ×10, ×100 (:func:`growth.replicate_corpus`: each copy a new
doc_id, its year shifted by one per copy, a copy-specific marker word every fourth word so that
de-duplication does not fold the copies). Each configuration runs in a fresh Python process, so that its
peak memory is its own:

- ``memory``: :func:`aictlab.corpus.build_corpus` (every table in memory, one process);
- ``dask``: :func:`aictlab.engine.process_corpus` with ``return_tokens=False``: cleaning and NLP in a
  ``LocalCluster`` of single-threaded worker processes, tokens written as partitioned parquet, only the
  aggregates and the small tables back in the driver.

Measured: wall seconds of the corpus stage (reading the files included, model loading included), the
stage times of the Dask engine, the driver's peak RSS (``ru_maxrss`` of the process) and the largest
worker's peak RSS (``ru_maxrss`` of the reaped children). The NLP-stage speed-up from 1 to 2 workers is
measured on one size.

Usage::

    .venv/bin/python benchmarks/bench_scale.py                      # ×1, ×10, ×100; writes docs/benchmarks.md
    .venv/bin/python benchmarks/bench_scale.py --factors 1 10 --no-write
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

HEADING = "## Scale (issue 8)"


def run_one(corpus: Path, engine: str, lemmatizer: str, workers: int, partition_chars: int) -> dict:
    """One configuration in this process; returns the measures as a dict."""
    import pandas as pd

    from aictlab.io import check_corpus_folder, read_texts

    start = time.perf_counter()
    meta = check_corpus_folder(corpus)
    meta["raw_text"] = read_texts(corpus, meta)
    meta["_where"] = str(corpus / "metadata.csv")
    read_seconds = time.perf_counter() - start
    stages: dict[str, float] = {}
    if engine == "memory":
        from aictlab.corpus import build_corpus

        corpus_ = build_corpus(meta, lemmatizer=lemmatizer)
        n_tokens = len(corpus_.tokens)
        n_words = int(corpus_.tokens["is_word"].sum())
        partitions = 1
    else:
        from aictlab.engine import process_corpus

        with tempfile.TemporaryDirectory(dir=corpus.parent) as tmp:
            result = process_corpus(
                meta,
                lemmatizer=lemmatizer,
                n_workers=workers,
                partition_chars=partition_chars,
                tokens_dir=Path(tmp) / "tokens",
                return_tokens=False,
            )
            n_tokens = result.n_tokens
            n_words = int(result.document_totals["tokens"].sum())
            partitions = result.n_partitions
            stages = {k: round(v, 2) for k, v in result.timings.items()}
    seconds = time.perf_counter() - start
    del meta
    driver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "engine": engine,
        "lemmatizer": lemmatizer,
        "workers": workers if engine == "dask" else 1,
        "partitions": partitions,
        "documents": int(pd.read_csv(corpus / "metadata.csv").shape[0]),
        "tokens": n_tokens,
        "words": n_words,
        "seconds": round(seconds, 1),
        "read_seconds": round(read_seconds, 2),
        "stages": stages,
        "driver_mib": round(driver),
        "worker_mib": round(children) if engine == "dask" else None,
    }


def probe_one(lemmatizer: str, start_at: float = 0.0, repeat: int = 3) -> dict:
    """Bare NLP throughput (aictlab.nlp.tokenize, no Dask) on the seed texts × ``repeat``, timed from
    ``start_at`` (a wall-clock time, so that two probes started together time the same moments)."""
    from aictlab import nlp

    texts = []
    for path in sorted((REPO / "data" / "raw").glob("*.txt")):
        texts += [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    texts *= repeat
    nlp.spacy_pipeline(lemmatizer)
    time.sleep(max(0.0, start_at - time.time()))
    start = time.perf_counter()
    rows = nlp.tokenize(texts, lemmatizer=lemmatizer)
    return {"tokens_per_s": sum(map(len, rows)) / (time.perf_counter() - start)}


def probe_parallel(lemmatizer: str) -> dict:
    """What two processes can gain on this machine: bare NLP alone, then two copies at once (no Dask).

    Each process gets one numerical-library thread, as each Dask worker does. ``ratio`` = the two
    processes' summed throughput / one process's: the ceiling of any 2-worker speed-up here.
    """
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    command = [sys.executable, str(Path(__file__).resolve()), "--probe", lemmatizer]
    command += ["--factor-texts", "10" if lemmatizer == "simplemma" else "3"]

    def parse(stdout: str) -> float:
        return json.loads(stdout.strip().splitlines()[-1])["tokens_per_s"]

    alone = parse(subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout)
    together_command = [*command, "--start-at", str(time.time() + 20)]  # both loaded by then
    pair = [
        subprocess.Popen(
            together_command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        for _ in range(2)
    ]
    together = [parse(p.communicate()[0]) for p in pair]
    return {
        "lemmatizer": lemmatizer,
        "alone": round(alone),
        "together": [round(t) for t in together],
        "ratio": round(sum(together) / alone, 2),
    }


def run_isolated(corpus: Path, engine: str, lemmatizer: str, workers: int, partition_chars: int) -> dict:
    """Run one configuration in a fresh interpreter (its own peak RSS)."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--one",
        str(corpus),
        "--engine",
        engine,
        "--lemmatizer",
        lemmatizer,
        "--workers",
        str(workers),
        "--partition-chars",
        str(partition_chars),
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Python {platform.python_version()}"


def markdown(
    results: list[dict], speedup: dict | None, factors: list[int], probes: list[dict], sweep: list[dict]
) -> str:
    lines = [
        HEADING,
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
        f"`python benchmarks/bench_scale.py --factors {' '.join(map(str, factors))}`.",
        "Growth corpora: the five seeds replicated (new doc_id, year + 1 per copy, a marker word every fourth "
        "word). Seconds: the whole corpus stage in a fresh process (reading files, model loading, cleaning, "
        "de-duplication, NLP, segments; the Dask column also starts the cluster). Peak MiB: the driver "
        "process (`ru_maxrss`); for Dask also the largest worker process. Dask runs keep tokens on disk "
        "(`return_tokens=False`).",
        "",
        "| ×copies | documents | tokens | engine | lemmatizer | workers | partitions | seconds | peak MiB "
        "(driver) | peak MiB (worker) | Dask stages (s) |",
        "|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        stages = ", ".join(f"{k} {v}" for k, v in r["stages"].items()) if r["stages"] else ""
        lines.append(
            f"| {r['factor']} | {r['documents']} | {r['tokens']:,} | {r['engine']} | {r['lemmatizer']} | "
            f"{r['workers']} | {r['partitions']} | {r['seconds']} | {r['driver_mib']} | "
            f"{r['worker_mib'] if r['worker_mib'] is not None else ''} | {stages} |"
        )
    if sweep:
        lines += [
            "",
            "Worker memory against partition size (Dask, "
            f"×{sweep[0]['factor']}, {sweep[0]['lemmatizer']}, {sweep[0]['workers']} workers):",
            "",
            "| partition_chars | partitions | seconds | peak MiB (driver) | peak MiB (worker) |",
            "|---:|---:|---:|---:|---:|",
        ]
        for r in sweep:
            lines.append(
                f"| {r['partition_chars']:,} | {r['partitions']} | {r['seconds']} | {r['driver_mib']} | "
                f"{r['worker_mib']} |"
            )
    if probes:
        lines += ["", "What two processes gain on this machine (bare `aictlab.nlp.tokenize`, no Dask):", ""]
        for p in probes:
            lines.append(
                f"- {p['lemmatizer']}: {p['alone']:,} tokens/s alone; two at once "
                f"{' + '.join(f'{t:,}' for t in p['together'])} tokens/s: {p['ratio']}× one process."
            )
    if speedup:
        lines += [
            "",
            f"NLP stage, Dask engine, ×{speedup['factor']} corpus, {speedup['lemmatizer']}: "
            f"{speedup['nlp_1']} s with 1 worker, {speedup['nlp_2']} s with 2 workers: "
            f"speed-up {speedup['ratio']:.2f}× (goal ≥ 1.7×).",
        ]
    lines.append("")
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace (or append) the "## Scale (issue 8)" section of docs/benchmarks.md."""
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n\n"
    if HEADING in text:
        head, rest = text.split(HEADING, 1)
        following = rest.find("\n## ")
        tail = rest[following + 1 :] if following >= 0 else ""
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--engines", nargs="+", default=["memory", "dask"], choices=["memory", "dask"])
    parser.add_argument("--lemmatizers", nargs="+", default=["simplemma", "spacy"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--partition-chars", type=int, default=1_000_000)
    parser.add_argument("--speedup-factor", type=int, default=10, help="size of the 1-vs-2-worker NLP run")
    parser.add_argument("--work", type=Path, default=None, help="where growth corpora are written")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--sweep", type=int, nargs="*", default=[250_000], help="partition_chars to try")
    parser.add_argument("--no-probe", action="store_true")
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--factor-texts", type=int, default=3, help=argparse.SUPPRESS)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="memory", help=argparse.SUPPRESS)
    parser.add_argument("--lemmatizer", default="simplemma", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        print(json.dumps(probe_one(args.probe, args.start_at, args.factor_texts)))
        return 0
    if args.one:
        result = run_one(args.one, args.engine, args.lemmatizer, args.workers, args.partition_chars)
        print(json.dumps(result))
        return 0

    from growth import replicate_corpus

    work = Path(args.work or tempfile.mkdtemp(prefix="aictlab-scale-"))
    results = []
    for factor in args.factors:
        corpus = replicate_corpus(REPO / "data" / "raw", work / f"x{factor}", factor, year_shift=1)
        for lemmatizer in args.lemmatizers:
            for engine in args.engines:
                r = run_isolated(corpus, engine, lemmatizer, args.workers, args.partition_chars)
                r["factor"] = factor
                results.append(r)
                print(json.dumps(r), flush=True)
    speedup = None
    if "dask" in args.engines and args.speedup_factor:
        corpus = replicate_corpus(
            REPO / "data" / "raw", work / f"x{args.speedup_factor}", args.speedup_factor, year_shift=1
        )
        lemmatizer = "spacy" if "spacy" in args.lemmatizers else args.lemmatizers[0]
        one = run_isolated(corpus, "dask", lemmatizer, 1, args.partition_chars)
        two = run_isolated(corpus, "dask", lemmatizer, 2, args.partition_chars)
        speedup = {
            "factor": args.speedup_factor,
            "lemmatizer": lemmatizer,
            "nlp_1": one["stages"]["nlp"],
            "nlp_2": two["stages"]["nlp"],
            "ratio": one["stages"]["nlp"] / two["stages"]["nlp"],
        }
        print(json.dumps(speedup), flush=True)
    sweep = []
    if "dask" in args.engines and args.sweep:
        factor = max(args.factors)
        corpus = work / f"x{factor}"
        for chars in [*args.sweep, args.partition_chars]:
            r = run_isolated(corpus, "dask", args.lemmatizers[0], args.workers, chars)
            r.update(factor=factor, partition_chars=chars)
            sweep.append(r)
            print(json.dumps(r), flush=True)
    probes = [] if args.no_probe else [probe_parallel(lem) for lem in args.lemmatizers]
    for probe in probes:
        print(json.dumps(probe), flush=True)
    section = markdown(results, speedup, args.factors, probes, sweep)
    print(section)
    if not args.no_write:
        write_section(args.out, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
