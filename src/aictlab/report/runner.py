"""Orchestration of the report parts, with timing, failure isolation and provenance."""

from __future__ import annotations

import contextlib
import importlib
import logging
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from aictlab.config import Settings
from aictlab.io import atomic_write_bytes
from aictlab.report.context import ReportContext

__all__ = ["PARTS", "PartOutcome", "available_parts", "run_report", "part_sections"]

log = logging.getLogger("aictlab.report")

#: Report parts in the order they run and appear: name -> module defining ``run(ctx) -> str``.
PARTS = {
    "corpus": "aictlab.report.part_corpus",
    "frames": "aictlab.report.part_frames",
    "semantic": "aictlab.report.part_semantic",
    "textometry": "aictlab.report.part_textometry",
    "topics": "aictlab.report.part_topics",
    "exports": "aictlab.report.part_exports",
}


@dataclass
class PartOutcome:
    """What happened to one part: ``ok`` or ``failed`` (with the error), and its time in seconds."""

    name: str
    status: str
    seconds: float
    error: str = ""


def available_parts() -> list[str]:
    """Parts whose module is installed (all of them in a complete checkout)."""
    import importlib.util

    return [name for name, module in PARTS.items() if importlib.util.find_spec(module) is not None]


def run_report(
    settings: Settings, only: list[str] | None = None, *, progress: bool = False
) -> list[PartOutcome]:
    """Run the report parts (all, or those named in ``only``) and write REPORT.md, report.html, provenance.

    ``progress`` shows a tqdm bar over the parts (on stderr).

    Returns
    -------
    list of PartOutcome
        One per part run; the CLI exits non-zero when any failed.

    Raises
    ------
    aictlab.errors.CorpusError
        When the corpus cannot be loaded: nothing is written then.
    """
    from aictlab.report import render

    names = available_parts()
    if only:
        unknown = [n for n in only if n not in PARTS]
        if unknown:
            from aictlab.errors import SettingsError

            raise SettingsError(f"--only {' '.join(unknown)}: unknown part; choose among {', '.join(PARTS)}.")
        names = [n for n in names if n in only]
    with contextlib.ExitStack() as stack:
        client = None
        if settings.engine == "dask":  # one cluster for every corpus the run loads
            from aictlab.engine import dask_client

            client = stack.enter_context(dask_client(settings.scheduler))
        ctx = ReportContext(settings=settings, corpus=None, client=client)
        outcomes = _run_parts(ctx, names, progress=progress)
    render.write_report(ctx, outcomes)
    return outcomes


def _run_parts(ctx: ReportContext, names: list[str], *, progress: bool) -> list[PartOutcome]:
    """Load the corpus, then run each part in turn; a failing part is reported and the others go on."""
    started = time.perf_counter()
    ctx.corpus = ctx.load_corpus()
    log.info(
        "corpus loaded: %d documents, %d tokens (%.1f s)",
        len(ctx.corpus.documents),
        ctx.corpus.n_tokens,
        time.perf_counter() - started,
    )
    from tqdm.auto import tqdm

    outcomes = []
    bar = tqdm(names, desc="aictlab report", unit="part", disable=not progress)
    for name in bar:
        bar.set_postfix_str(name)
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(PARTS[name])
            section = module.run(ctx)
            status, error = "ok", ""
        except Exception as err:  # one failing part must not lose the others
            log.error("part %s failed: %s\n%s", name, err, traceback.format_exc())
            section = f"## {name}\n\n**This part failed:** `{type(err).__name__}: {err}`\n"
            status, error = "failed", f"{type(err).__name__}: {err}"
        seconds = time.perf_counter() - t0
        log.info("part %-11s %s (%.1f s)", name, status, seconds)
        outcomes.append(PartOutcome(name, status, seconds, error))
        atomic_write_bytes(ctx.out_dir / "sections" / f"{name}.md", section.encode("utf-8"))
        if "headline" in ctx.results and name == "frames":
            atomic_write_bytes(
                ctx.out_dir / "sections" / "_headline.md", ctx.results["headline"].encode("utf-8")
            )
    return outcomes


def part_sections(out_dir: Path) -> dict[str, str]:
    """Markdown sections present under ``<out>/sections`` (from this run or earlier ``--only`` runs)."""
    folder = out_dir / "sections"
    return (
        {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}
        if folder.is_dir()
        else {}
    )
