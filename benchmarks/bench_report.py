"""Benchmarks of issue 7: report cold/warm, NLP stage vs bare spaCy, simplemma speed, growth ×4/×16, import.

Run from the repository root: ``.venv/bin/python benchmarks/bench_report.py [--factors 4 16] [--skip-growth]``.
Prints a Markdown table and appends nothing by itself: copy the table into docs/benchmarks.md with the date
and machine. Times are wall-clock seconds on this machine; peak memory is the maximum RSS of the process
tree (sampled every 0.1 s with psutil).
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from growth import replicate_corpus  # noqa: E402
from measure import run_measured  # noqa: E402


def measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MiB) of ``command`` and its children (:func:`measure.run_measured`)."""
    with tempfile.TemporaryDirectory() as tmp:
        errors = Path(tmp) / "stderr.log"
        run = run_measured(command, cwd=cwd, stderr=errors)
        if run.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(command)} failed: {errors.read_text(errors='replace')[-2000:]}")
    return run.seconds, run.tree_mib


def report_command(*extra: str) -> list[str]:
    return [sys.executable, "-m", "aictlab.report", "--quiet", *extra]


def nlp_ratio(lemmatizer: str = "spacy") -> dict[str, float]:
    """Our NLP stage (tokens_table with MWEs) vs bare ``nlp.pipe`` on the same clean paragraphs."""
    from aictlab import nlp
    from aictlab.config import PACKAGE_DATA
    from aictlab.corpus import load_corpus

    corpus = load_corpus(REPO / "data" / "raw", cache_dir=None)
    paragraphs = corpus.paragraphs
    texts = paragraphs["text"].tolist()
    pipeline = nlp.spacy_pipeline(lemmatizer)
    mwes = nlp.read_mwes(PACKAGE_DATA / "mwe.txt")
    list(pipeline.pipe(texts[:20]))  # warm-up
    best_bare, best_ours = float("inf"), float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        docs = list(pipeline.pipe(texts, batch_size=64))
        best_bare = min(best_bare, time.perf_counter() - t0)
        t0 = time.perf_counter()
        table = nlp.tokens_table(paragraphs, lemmatizer=lemmatizer, mwes=mwes)
        best_ours = min(best_ours, time.perf_counter() - t0)
    tokens = sum(len(d) for d in docs)
    return {"bare": best_bare, "ours": best_ours, "ratio": best_ours / best_bare, "tokens": tokens,
            "tokens_per_s": len(table) / best_ours}  # fmt: skip


def import_time() -> float:
    best = float("inf")
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", "import time; t=time.perf_counter(); import aictlab; print(time.perf_counter()-t)"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        best = min(best, float(out.stdout))
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factors", type=int, nargs="*", default=[4, 16])
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument(
        "--growth-parts", nargs="*", default=None, help="report parts for the growth runs (default: all)"
    )
    args = parser.parse_args()
    rows = [
        f"Machine: {platform.platform()}, {psutil.cpu_count()} cores, Python {platform.python_version()}",
        "",
    ]
    rows += ["| measure | value |", "|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(REPO / "data" / "raw", root / "data" / "raw")
        cold, cold_mem = measure(report_command(), root)
        warm, warm_mem = measure(report_command(), root)
        rows += [
            f"| report, cold (empty data/processed) | {cold:.1f} s, peak {cold_mem:.0f} MiB |",
            f"| report, warm | {warm:.1f} s, peak {warm_mem:.0f} MiB |",
            f"| warm / cold (goal <= 0.2) | {warm / cold:.2f} |",
        ]
        for factor in [] if args.skip_growth else args.factors:
            folder = replicate_corpus(REPO / "data" / "raw", root / f"x{factor}", factor)
            only = ["--only", *args.growth_parts] if args.growth_parts else []
            base = cold
            if only:  # the ×1 time of the same parts, for the ratio
                base, _ = measure(report_command("--out", "out_x1_parts", "--no-cache", *only), root)
            seconds, mem = measure(
                report_command("--corpus", str(folder), "--out", f"out_x{factor}", *only), root
            )
            parts = ", ".join(args.growth_parts) if only else "all parts"
            rows.append(
                f"| report on seeds ×{factor}, cold ({parts}) | {seconds:.1f} s ({seconds / base:.1f}× the ×1 "
                f"time of the same parts; goal <= {factor}×), peak {mem:.0f} MiB |"
            )
    spacy_nlp = nlp_ratio("spacy")
    simple = nlp_ratio("simplemma")
    rows += [
        f"| NLP stage vs bare spaCy nlp.pipe (goal <= 1.15) | {spacy_nlp['ratio']:.2f} "
        f"({spacy_nlp['ours']:.2f} s vs {spacy_nlp['bare']:.2f} s, {spacy_nlp['tokens']} tokens) |",
        f"| simplemma path | {simple['tokens_per_s']:,.0f} tokens/s |",
        f"| import aictlab (goal <= 0.5 s) | {import_time():.3f} s |",
    ]
    print("\n".join(rows))


if __name__ == "__main__":
    main()
