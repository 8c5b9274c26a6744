"""Side-by-side timing of the whole report for two (or more) code checkouts on one corpus (issue 15).

Each run is ``PYTHONPATH=<checkout>/src python -m aictlab.report --root <run folder> --corpus DIR ...`` in a
fresh process whose ``--root`` is a new empty folder, so its cache (the ``processed`` setting,
``<root>/data/processed``) and its outputs (``<root>/figures``) are its own: the first run is cold, a second
run in the same folder is warm. Runs alternate between checkouts (ref, new, then new, ref...) so that the
noise of a shared machine hits both. Per run it records the wall seconds, the CPU seconds and the peak
memory of the process tree (:mod:`measure`), the time to load the corpus (cleaning, NLP; the report's ``-v`` log) and each part's
seconds (``provenance.json``), and the 1-minute load average before and after.

Prints a Markdown table (median over ``--repeat``): run, words, documents, seconds per checkout, ratio
new/ref, CPU seconds (of the whole run, the corpus load, the analysis after it and each part: the process
tree's CPU time sampled every 0.1 s, cut at the report's log lines), peak MiB of the whole run, load. On a
busy machine wall times of identical code differ by tens of per cent between runs: repeat (``--repeat 3``)
and compare CPU seconds too. Then each cold run's analysis ÷ corpus load (issue 15's ratio). Raw runs go
to ``<work>/runs.jsonl``.

Usage (from the repository root, with the project's Python)::

    # the reference checkout vs this one on a generated 1,000-document, 250k-word corpus
    python benchmarks/bench_side_by_side.py --ref /tmp/base --new . --lemmatizer simplemma
    # a real corpus, two parts, three cold/warm pairs each
    python benchmarks/bench_side_by_side.py --corpus ~/corpora/theses --parts corpus frames --repeat 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpora import corpus_stats, write_corpus  # noqa: E402
from measure import cpu_between, load_average, run_measured  # noqa: E402

PARTS = ("corpus", "frames", "validation", "semantic", "textometry", "geography", "topics", "exports")
LOADED = re.compile(r"corpus loaded: (\d+) documents, (\d+) tokens \(([\d.]+) s\)")
PART_DONE = re.compile(r"part (\w+)\s+(ok|failed) \(([\d.]+) s\)")
#: A report log line's time and message (the default logging format), for the CPU time of each stretch.
STAMPED = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) aictlab\.report INFO (corpus loaded|part \w+)")
PART_FAILED = re.compile(r"part (\w+) failed: (.*)")


def check_checkout(path: Path) -> Path:
    """``path`` resolved, if it holds ``src/aictlab/report``; else exit with a clear message."""
    path = Path(path).expanduser().resolve()
    if not (path / "src" / "aictlab" / "report" / "__main__.py").is_file():
        raise SystemExit(f"{path}: not an aictlab checkout (no src/aictlab/report/__main__.py).")
    return path


def report_run(
    checkout: Path,
    corpus: Path,
    root: Path,
    *,
    lemmatizer: str,
    parts: list[str] | None,
    engine: str,
    extra: list[str],
    python: str,
    timeout: float | None = None,
) -> dict:
    """One report run of ``checkout`` with ``--root root`` (cold if ``root`` is new, warm if it was run).

    Returns
    -------
    dict
        ``seconds, cpu_seconds, peak_mib, driver_mib, child_mib, returncode, load_before, load_after,
        load_seconds``, ``cpu`` (CPU seconds of ``load`` and of each part, from the sampled process tree
        between the log lines that end them)
        (corpus load, from the log), ``documents``, ``tokens``, ``parts`` (name -> seconds, or the error of
        a failed part; from ``provenance.json``, or from the log when the run was stopped by ``timeout``),
        ``error`` (the last lines of stderr when the run itself failed).
    """
    root.mkdir(parents=True, exist_ok=True)
    out = root / "figures"
    command = [python, "-m", "aictlab.report", "-v", "--root", str(root), "--corpus", str(corpus)]
    command += ["--out", str(out), "--lemmatizer", lemmatizer, "--engine", engine, *extra]
    if parts:
        command += ["--only", *parts]
    env = {**os.environ, "PYTHONPATH": str(checkout / "src"), "MPLBACKEND": "Agg"}
    log = root / f"stderr-{len(list(root.glob('stderr-*.log')))}.log"
    provenance = out / "provenance.json"
    provenance.unlink(missing_ok=True)  # a warm run must not read the cold run's file
    load_before, launched, trace = load_average(), time.time(), []
    measured = run_measured(command, cwd=root, env=env, stderr=log, timeout=timeout, trace=trace)
    row = {
        "seconds": round(measured.seconds, 2),
        "cpu_seconds": round(measured.cpu_seconds, 2),
        "peak_mib": round(measured.tree_mib),
        "driver_mib": round(measured.driver_mib),
        "child_mib": round(measured.child_mib),
        "returncode": measured.returncode,
        "load_before": round(load_before, 2),
        "load_after": round(load_average(), 2),
        "load_seconds": None,
        "documents": None,
        "tokens": None,
        "parts": {},
        "cpu": {},
        "error": "",
    }
    # the CPU trace beside the log: any other log line (e.g. a robustness variant's NLP) can cut it later
    trace_file = log.with_name(log.stem.replace("stderr", "cpu") + ".csv")
    trace_file.write_text("time,cpu_seconds\n" + "".join(f"{t:.2f},{c:.2f}\n" for t, c in trace))
    text = log.read_text(encoding="utf-8", errors="replace")
    loaded = LOADED.search(text)
    if loaded:
        row["documents"], row["tokens"] = int(loaded.group(1)), int(loaded.group(2))
        row["load_seconds"] = float(loaded.group(3))
    if provenance.is_file():
        for part in json.loads(provenance.read_text(encoding="utf-8"))["parts"]:
            if part["seconds"] is None:  # a section left by an earlier run, not run now
                continue
            row["parts"][part["name"]] = part["seconds"] if part["status"] == "ok" else part["error"]
    if not provenance.is_file():  # stopped (timeout) or crashed: the parts the log says were done
        failed = dict(PART_FAILED.findall(text))
        for name, status, seconds in PART_DONE.findall(text):
            row["parts"][name] = float(seconds) if status == "ok" else failed.get(name, "failed")
    boundary = launched  # CPU seconds of the corpus load and of each part, between their log lines
    for stamp, what in STAMPED.findall(text):
        at = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
        cpu = cpu_between(trace, boundary, at)
        row["cpu"]["load" if what == "corpus loaded" else what.removeprefix("part ")] = (
            round(cpu, 2) if cpu is not None else None
        )
        boundary = at
    if measured.returncode < 0:
        row["error"] = f"stopped after {measured.seconds:.0f} s (--timeout)"
    elif measured.returncode != 0 and not row["parts"]:
        row["error"] = "\n".join(text.strip().splitlines()[-15:])
    return row


def schedule(labels: list[str], repeat: int) -> list[tuple[int, str]]:
    """Run order: (repeat, label), the checkouts' order reversed every other repeat (ref, new, new, ref...)."""
    order = []
    for k in range(repeat):
        order += [(k, label) for label in (labels if k % 2 == 0 else labels[::-1])]
    return order


def _median(values: list) -> float | str | None:
    """Median of the numbers; a failed part's error message if any run failed; None if none measured."""
    errors = [v for v in values if isinstance(v, str)]
    if errors:
        return errors[0]
    numbers = [v for v in values if v is not None]
    return statistics.median(numbers) if numbers else None


def _after_load(total: float | None, load: float | None) -> float | None:
    """A run's ``total`` (wall or CPU seconds) less its corpus load's: the analysis, figures included."""
    return total - load if total is not None and load is not None else None


def analysis_ratios(runs: list[dict], labels: list[str]) -> str:
    """Issue 15's ratio, per cold run of each checkout: seconds after the corpus load ÷ the corpus load's."""
    lines = []
    for label in labels:
        ratios = [
            _after_load(r["seconds"], r["load_seconds"]) / r["load_seconds"]
            for r in runs
            if r["label"] == label and r["phase"] == "cold" and not r["error"] and r.get("load_seconds")
        ]
        if ratios:
            shown = ", ".join(f"{x:.2f}" for x in ratios)
            lines.append(f"- {label}: {shown} (median {statistics.median(ratios):.2f})")
    if not lines:
        return ""
    return "Analysis ÷ corpus load, cold runs (goal ≤ 2 at ≥ 250k words):\n" + "\n".join(lines)


def summarise(runs: list[dict], labels: list[str], phases: list[str]) -> dict:
    """(phase, row name) -> label -> median value; row names ``report``, ``corpus load``, ``part <name>``."""
    table: dict = {}
    for phase in phases:
        for label in labels:
            mine = [r for r in runs if r["phase"] == phase and r["label"] == label]
            if not mine:
                continue
            cells = {
                "whole report": (
                    [r["error"] or r["seconds"] for r in mine],
                    [r["peak_mib"] for r in mine],
                    [r.get("cpu_seconds") for r in mine],
                ),
                "corpus load (read, clean, NLP)": (
                    [r["load_seconds"] for r in mine],
                    None,
                    [r.get("cpu", {}).get("load") for r in mine],
                ),
                "analysis (after the corpus load)": (
                    [r["error"] or _after_load(r["seconds"], r["load_seconds"]) for r in mine],
                    None,
                    [_after_load(r.get("cpu_seconds"), r.get("cpu", {}).get("load")) for r in mine],
                ),
            }
            names = [n for n in PARTS if any(n in r["parts"] for r in mine)]
            for name in names:
                cpu = [r.get("cpu", {}).get(name) for r in mine]
                cells[f"part {name}"] = ([r["parts"].get(name) for r in mine], None, cpu)
            loads = [x for r in mine for x in (r["load_before"], r["load_after"])]
            for row_name, (seconds, peaks, cpu) in cells.items():
                cell = table.setdefault((phase, row_name), {})
                cell[label] = {
                    "seconds": _median(seconds),
                    "peak": _median(peaks) if peaks else None,
                    "cpu": _median(cpu) if cpu else None,
                    "load": statistics.mean(loads),
                }
    return table


def markdown(table: dict, labels: list[str], words: int, documents: int) -> str:
    """The Markdown table: one row per (phase, measure), seconds per checkout and ratio to the first."""
    ref, others = labels[0], labels[1:]
    head = ["run", "words", "documents", f"seconds {ref}"]
    head += [f"seconds {o}" for o in others] + [f"{o}/{ref}" for o in others]
    head += [f"CPU s {label}" for label in labels] + [f"peak MiB {label}" for label in labels]
    head.append("load (1 min)")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 3 + "---:|" * (len(head) - 3)]
    errors = []

    def show(value) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            errors.append(value)
            return f"failed [{len(errors)}]"
        return f"{value:.1f}"

    for (phase, name), cells in table.items():
        seconds = [cells.get(label, {}).get("seconds") for label in labels]
        ratios = [
            f"{s / seconds[0]:.2f}" if isinstance(s, int | float) and isinstance(seconds[0], int | float)
            and seconds[0] > 0 else ""
            for s in seconds[1:]
        ]  # fmt: skip
        cpu = [cells.get(label, {}).get("cpu") for label in labels]
        peaks = [cells.get(label, {}).get("peak") for label in labels]
        loads = [cells[label]["load"] for label in labels if label in cells]
        row = [f"{phase}: {name}", f"{words:,}", f"{documents:,}", *map(show, seconds), *ratios]
        row += [f"{c:.1f}" if isinstance(c, int | float) else "" for c in cpu]
        row += [f"{p:.0f}" if p is not None else "" for p in peaks]
        row.append(f"{statistics.mean(loads):.1f}" if loads else "")
        lines.append("| " + " | ".join(row) + " |")
    for k, error in enumerate(errors, start=1):
        lines.append(f"\n[{k}] `{error}`")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="corpus folder to time (default: generate one)")
    parser.add_argument("--documents", type=int, default=1000, help="generated corpus: documents")
    parser.add_argument("--words", type=int, default=250_000, help="generated corpus: words")
    parser.add_argument("--corpus-seed", type=int, default=0, help="generated corpus: seed")
    parser.add_argument("--ref", type=Path, default=Path("/tmp/base"), help="reference checkout")
    parser.add_argument(
        "--new",
        type=Path,
        nargs="*",
        default=[Path(".")],
        help="checkout(s) to compare (none: time ref alone)",
    )
    parser.add_argument("--lemmatizer", default="spacy", choices=["spacy", "simplemma"])
    parser.add_argument("--engine", default="memory", choices=["memory", "dask"])
    parser.add_argument("--parts", nargs="+", choices=PARTS, help="report parts (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="cold (+ warm) runs per checkout")
    parser.add_argument("--no-warm", action="store_true", help="cold runs only")
    parser.add_argument("--report-args", default="", help="more options for the report, e.g. '--seed 7'")
    parser.add_argument("--work", type=Path, help="run folders (default: a new temporary folder)")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the runs")
    parser.add_argument(
        "--timeout", type=float, help="seconds after which a run is stopped (parts done kept)"
    )
    parser.add_argument(
        "--summarise",
        type=Path,
        nargs="+",
        metavar="RUNS_JSONL",
        help="run nothing: print the table of earlier runs (their runs.jsonl; several are merged, e.g. "
        "runs of different --parts; the whole-report row is then the median over them)",
    )
    args = parser.parse_args(argv)
    if args.summarise:
        runs = [json.loads(line) for path in args.summarise for line in path.read_text().splitlines() if line]
        labels = list(dict.fromkeys(r["label"] for r in runs))
        stats = corpus_stats(args.corpus) if args.corpus else {}
        documents = stats.get("documents") or max((r.get("documents") or 0 for r in runs), default=0)
        phases = [p for p in ("cold", "warm") if any(r["phase"] == p for r in runs)]
        print(markdown(summarise(runs, labels, phases), labels, stats.get("words", 0), documents))
        print("\n" + analysis_ratios(runs, labels))
        return 0

    checkouts = {"ref": check_checkout(args.ref)}
    for k, path in enumerate(args.new, start=1):
        checkouts["new" if len(args.new) == 1 else f"new{k}"] = check_checkout(path)
    labels = list(checkouts)
    work = Path(args.work or tempfile.mkdtemp(prefix="aictlab-side-by-side-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus
    if corpus is None:
        corpus = work / f"corpus_{args.documents}d_{args.words}w_s{args.corpus_seed}"
        write_corpus(corpus, documents=args.documents, words=args.words, seed=args.corpus_seed)
    corpus = corpus.expanduser().resolve()
    if corpus.is_dir() and (corpus / "metadata.csv").is_file():
        stats = corpus_stats(corpus)
        words, documents = stats["words"], stats["documents"]
    else:  # an IRaMuTeQ file or a Europresse export: sizes from the report's log
        words = documents = 0
    phases = ["cold"] if args.no_warm else ["cold", "warm"]
    print(
        f"corpus {corpus}: {documents:,} documents, {words:,} words; checkouts "
        + ", ".join(f"{label}={path}" for label, path in checkouts.items())
        + f"; work {work}; {platform.node()}, {os.cpu_count()} cores, load {load_average():.1f}",
        flush=True,
    )
    runs = []
    with open(work / "runs.jsonl", "a", encoding="utf-8") as journal:
        for k, label in schedule(labels, args.repeat):
            root = work / f"{label}-{k}"
            if root.exists():
                shutil.rmtree(root)
            for phase in phases:
                row = report_run(
                    checkouts[label],
                    corpus,
                    root,
                    lemmatizer=args.lemmatizer,
                    parts=args.parts,
                    engine=args.engine,
                    extra=args.report_args.split(),
                    python=args.python,
                    timeout=args.timeout,
                )
                row.update(label=label, repeat=k, phase=phase, checkout=str(checkouts[label]))
                runs.append(row)
                journal.write(json.dumps(row, ensure_ascii=False) + "\n")
                journal.flush()
                print(json.dumps(row, ensure_ascii=False), flush=True)
    if not documents:
        documents = max((r["documents"] for r in runs if r.get("documents")), default=0)
    print()
    print(
        f"{args.lemmatizer}, engine {args.engine}, parts {' '.join(args.parts or ['all'])}, "
        f"median of {args.repeat} run(s) per checkout; counted tokens "
        f"{next((r['tokens'] for r in runs if r['tokens']), 'n/a')}"
    )
    print(markdown(summarise(runs, labels, phases), labels, words, documents))
    print("\n" + analysis_ratios(runs, labels))
    return 0 if all(r["returncode"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
