"""Orchestration of the report parts, with checks before any work, timing, failure isolation and provenance.

Every part leaves ``<out>/sections/<name>.md`` (its Markdown section) and ``<out>/sections/<name>.json`` (the
settings hash that produced it, its status and the files it wrote). REPORT.md is rebuilt from the sections of
the present settings only: a section left by an earlier ``--only`` run with other settings is named as stale,
never shown beside the new numbers, and its files are not hashed in provenance.json as this run's outputs.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import logging
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aictlab.config import Settings
from aictlab.errors import SettingsError
from aictlab.io import atomic_write_bytes, check_output_folder
from aictlab.plots.output import FigureWorker
from aictlab.progress import tqdm_progress
from aictlab.report import render
from aictlab.report.context import NOT_IN_FINGERPRINT, ReportContext
from aictlab.workers import forked_call, one_blas_thread, worker_guard

__all__ = [
    "PARTS",
    "PartOutcome",
    "PartRecord",
    "available_parts",
    "check_run",
    "part_records",
    "run_report",
    "start_ahead",
]

log = logging.getLogger("aictlab.report")

#: Report parts in the order they run and appear: name -> module defining ``run(ctx) -> str``.
PARTS = {
    "corpus": "aictlab.report.part_corpus",
    "frames": "aictlab.report.part_frames",
    "validation": "aictlab.report.part_validation",
    "semantic": "aictlab.report.part_semantic",
    "textometry": "aictlab.report.part_textometry",
    "geography": "aictlab.report.part_geography",
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


@dataclass
class PartRecord:
    """A part's section as found under ``<out>/sections``: its Markdown, the settings hash (``run``) and
    settings that produced it, its status, the files it wrote (relative to ``<out>``), its headline, and the
    ``ReportContext.results`` it left (read by the synthesis, so a partial run's synthesis uses only current
    sections)."""

    name: str
    markdown: str
    run: str = ""
    status: str = "unknown"
    settings: dict = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    headline: str = ""
    results: dict = field(default_factory=dict)


def available_parts() -> list[str]:
    """Parts whose module is installed (all of them in a complete checkout)."""
    import importlib.util

    return [name for name, module in PARTS.items() if importlib.util.find_spec(module) is not None]


def check_run(settings: Settings, only: list[str] | None = None) -> list[str]:
    """Every check that can fail before the corpus is read: nothing is computed or written before them.

    Checks the part names, that the corpus exists, that the lexicon and expression files exist (the lexicon
    is parsed), and that ``out`` and ``processed`` are writable folders outside the corpus (created here).

    Returns
    -------
    list of str
        The parts to run, in report order.

    Raises
    ------
    SettingsError, aictlab.errors.LexiconError
        Naming the option or key and what to do.
    """
    names = available_parts()
    if only:
        unknown = [n for n in only if n not in PARTS]
        if unknown:
            raise SettingsError(f"--only {' '.join(unknown)}: unknown part; choose among {', '.join(PARTS)}.")
        names = [n for n in names if n in only]
    corpus = settings.path("corpus")
    if not corpus.exists():
        raise SettingsError(
            f"corpus = {settings.corpus.as_posix()!r}: no such folder or file (looked in {corpus}); give a "
            "folder holding metadata.csv, or an IRaMuTeQ .txt file."
        )
    for name in ("lexicon", "mwe"):
        path = settings.path(name)
        if path is not None and not path.is_file():
            raise SettingsError(
                f"{name} = {getattr(settings, name).as_posix()!r}: no such file (looked in {path}); give an "
                f"existing file, or leave {name} unset for the packaged one."
            )
    from aictlab.lexicon import load_lexicon

    load_lexicon(settings.lexicon_path)  # a malformed lexicon stops the run now, not after the NLP
    # out before processed: "out inside the corpus" is the likelier slip and the first one named
    for name in ("out", "processed"):
        check_output_folder(settings.path(name), corpus=corpus, name=name)
    return names


def run_report(
    settings: Settings, only: list[str] | None = None, *, progress: bool = False
) -> list[PartOutcome]:
    """Run the report parts (all, or those named in ``only``) and write REPORT.md, report.html, provenance.

    ``progress`` shows a tqdm bar over the steps (loading the corpus, then each part; on stderr), and lets
    parts show their own (:meth:`ReportContext.progress_bar`).

    Returns
    -------
    list of PartOutcome
        One per part run; the CLI exits non-zero when any failed.

    Raises
    ------
    aictlab.errors.SettingsError, aictlab.errors.LexiconError
        A bad option (:func:`check_run`): nothing is computed or written then.
    aictlab.errors.CorpusError
        When the corpus cannot be loaded: no output is written then.
    """
    names = check_run(settings, only)
    with _long_lived_frozen():
        return _run_report(settings, names, progress=progress)


def _run_report(settings: Settings, names: list[str], *, progress: bool) -> list[PartOutcome]:
    """:func:`run_report` once its settings are checked: the parts ``names``, then REPORT.md."""
    with contextlib.ExitStack() as stack:
        # worker processes of any part (spaCy's, the topic grid's joblib workers) end with an interrupted run
        stack.enter_context(worker_guard())
        # the parts' parallel work runs in processes: numerical libraries get one thread each
        stack.enter_context(one_blas_thread())
        # figures are drawn in a background process (a fresh interpreter, started with the first figure, or
        # during a corpus build: _on_build) while the next parts compute: one core each
        background = FigureWorker.available and (os.cpu_count() or 1) > 1
        worker = stack.enter_context(FigureWorker()) if background else None
        client = None
        if settings.engine == "dask":  # one cluster for every corpus the run loads
            from aictlab.engine import dask_client

            client = stack.enter_context(dask_client(settings.scheduler))
        ctx = ReportContext(settings=settings, corpus=None, client=client, figure_worker=worker)
        outcomes = _run_parts(ctx, names, progress=progress)
        started = time.perf_counter()
        for name, error in ctx.finish_figures().items():
            _mark_failed(ctx, next(o for o in outcomes if o.name == name), error)
        log.info("figures written (%.1f s after the last part)", time.perf_counter() - started)
    records = part_records(ctx.out_dir)
    current = {n: r for n, r in records.items() if r.run == ctx.run_id}
    stale = {n: r for n, r in records.items() if r.run != ctx.run_id}
    for name, record in stale.items():
        log.warning(
            "section %s in %s was produced with other settings (%s); it is left out of REPORT.md: rerun "
            "with --only %s to bring it up to date.",
            name,
            ctx.out_dir,
            record.run or "unknown",
            name,
        )
    render.write_report(ctx, outcomes, current=current, stale=stale, order=list(PARTS))
    return outcomes


@contextlib.contextmanager
def _long_lived_frozen():
    """A context in which the objects alive at its start, and those frozen later (``gc.freeze()`` once the
    corpus is loaded), are left out of the cyclic garbage collector's full passes; they are given back to it
    at the end.

    A full pass visits every object tracked: with spaCy's model, the corpus tables and the modules loaded,
    each cost 0.25-0.3 CPU s of the seeds' report process, and the processes forked from it (the topic grid,
    the frames part's variants) inherit them. Nothing is freed differently: frozen objects are still freed
    when their last reference goes, only cycles among them wait for the end of the context. A caller that
    froze objects itself keeps them frozen.
    """
    own = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        yield
    finally:
        if own:
            gc.unfreeze()


def _run_parts(ctx: ReportContext, names: list[str], *, progress: bool) -> list[PartOutcome]:
    """Load the corpus, then run each part in turn; a failing part is reported and the others go on.

    The progress bar counts steps (loading the corpus, then each part), with the elapsed time and the time
    of the last step, and no time left: parts differ too much in cost (the topic grid alone can be most of a
    cold run) for an average to predict anything. Parts show their own steps with
    :meth:`ReportContext.progress_bar`.
    """
    from tqdm.auto import tqdm

    ctx.show_progress = progress
    bar = tqdm(
        total=len(names) + 1,
        desc="aictlab report",
        unit="step",
        disable=not progress,
        bar_format="{desc}: {n_fmt}/{total_fmt} steps |{bar:20}| {elapsed} elapsed{postfix}",
    )
    with bar:
        bar.set_postfix_str("loading the corpus (cleaning and NLP on a first run, then cached)")
        started = time.perf_counter()
        # the NLP of a first run is the longest step: its own bar, over characters of text (honest ETA)
        ctx.corpus = ctx.load_corpus(progress=_on_build(ctx, tqdm_progress() if progress else None))
        gc.freeze()  # the corpus, spaCy's model and the modules live on: see _long_lived_frozen
        seconds = time.perf_counter() - started
        log.info(
            "corpus loaded: %d documents, %d tokens (%.1f s)",
            len(ctx.corpus.documents),
            ctx.corpus.n_tokens,
            seconds,
        )
        bar.update(1)
        from aictlab.periods import add_periods

        try:  # periods that do not fit the corpus' years stop the run before any part writes
            add_periods(ctx.corpus.documents, ctx.settings.periods)
        except SettingsError as err:
            raise SettingsError(f"periods = {ctx.settings.periods!r}: {err}") from None
        outcomes = []
        last = f"corpus {seconds:.1f} s"
        with contextlib.ExitStack() as started:
            ctx.ahead = start_ahead(ctx, names, started)
            for name in names:
                bar.set_postfix_str(f"{name} (last: {last})")
                outcome = _run_part(ctx, name)
                outcomes.append(outcome)
                last = f"{name} {outcome.seconds:.1f} s"
                bar.update(1)
            ctx.ahead = {}
        bar.set_postfix_str(f"done (last: {last})")
    return outcomes


def _on_build(ctx: ReportContext, progress: Callable[[int, int, int, int], None] | None):
    """The corpus stage's ``progress`` callback (:func:`aictlab.corpus.load_corpus`): ``progress``, after the
    first notice has started the figure processes (:meth:`FigureWorker.start`, the spare too).

    A notice comes only when the corpus is being built, not read from the cache: its NLP is then the run's
    longest step on one core, and the interpreters' start (~2 CPU s) takes the idle one; a warm run, whose
    figures mostly come from the cache, starts no process it does not need.
    """
    started = False

    def notice(*args: int) -> None:
        nonlocal started
        if not started and ctx.figure_worker is not None:
            started = True
            ctx.figure_worker.start(spare=True)
        if progress is not None:
            progress(*args)

    return notice


def start_ahead(ctx: ReportContext, names: list[str], stack: contextlib.ExitStack) -> dict[str, Any]:
    """Start the work that parts can do before their turn, each in a forked process, while earlier parts run.

    A part module may define ``ahead(ctx)``, returning None or ``call``: what the part would compute first
    when it runs, deterministic and independent of earlier parts (the topics part's grid, tens of CPU seconds
    on two workers, and the tables that follow from it, which would otherwise wait for the frames part). It
    pays where the running parts leave a core idle, not where both cores are busy (docs/benchmarks.md,
    session 23). The process ends with ``stack``. Only on the memory engine (a forked process must not use
    the Dask client's threads), with at least two cores, and not for the first part (nothing to overlap).
    A part whose ``ahead`` fails just runs as usual: its own run reports the error.

    Returns
    -------
    dict
        Part name -> handle, whose ``result()`` gives ``call()``'s value (or raises its error).
    """
    handles: dict[str, Any] = {}
    if ctx.client is not None or (os.cpu_count() or 1) < 2:
        return handles
    for name in names[1:]:
        prepare = getattr(importlib.import_module(PARTS[name]), "ahead", None)
        try:
            call = prepare(ctx) if prepare is not None else None
        except Exception as err:  # the part meets the same error when it runs, and reports it there
            log.debug("part %s: nothing started ahead (%s)", name, err)
            continue
        if call is not None:
            handles[name] = stack.enter_context(forked_call(call, workers=True))
            log.info("part %s: started ahead in a background process", name)
    return handles


def _run_part(ctx: ReportContext, name: str) -> PartOutcome:
    """Run one part, write its section and record; a failure is caught, logged and recorded."""
    t0 = time.perf_counter()
    ctx.part = name
    first_output = len(ctx.outputs)
    results_before = dict(ctx.results)
    if name == "frames":  # the headline is the frames part's: never one left by an earlier run
        ctx.results.pop("headline", None)
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
    written = [p.relative_to(ctx.out_dir).as_posix() for p in ctx.outputs[first_output:]]
    headline = ctx.results.get("headline", "") if name == "frames" and status == "ok" else ""
    left = {k: v for k, v in ctx.results.items() if k != "headline" and results_before.get(k) is not v}
    _write_record(ctx, name, section, status, written, headline, left if status == "ok" else {})
    return PartOutcome(name, status, seconds, error)


def _mark_failed(ctx: ReportContext, outcome: PartOutcome, error: str) -> None:
    """A part one of whose figures could not be drawn (in the background, after it ran): failed, in its
    outcome, its section and its record."""
    log.error("part %s failed: %s", outcome.name, error)
    outcome.status, outcome.error = "failed", error
    folder = ctx.out_dir / "sections"
    section = (folder / f"{outcome.name}.md").read_text(encoding="utf-8")
    section += f"\n**This part failed:** `{error}`\n"
    atomic_write_bytes(folder / f"{outcome.name}.md", section.encode("utf-8"))
    record = json.loads((folder / f"{outcome.name}.json").read_text(encoding="utf-8"))
    record.update(status="failed", headline="", results={})
    data = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write_bytes(folder / f"{outcome.name}.json", data.encode("utf-8"))


def _json_value(value):
    """numpy scalars and other leftovers of ``ReportContext.results`` as JSON values."""
    return value.item() if hasattr(value, "item") else str(value)


def _write_record(
    ctx: ReportContext, name: str, section: str, status: str, outputs: list, headline: str, results: dict
):
    """``sections/<name>.md`` and its record ``sections/<name>.json`` (settings hash, status, files, results)."""
    folder = ctx.out_dir / "sections"
    atomic_write_bytes(folder / f"{name}.md", section.encode("utf-8"))
    if name == "frames":  # the headline now lives in the frames record; drop an older layout's file
        (folder / "_headline.md").unlink(missing_ok=True)
    record = {
        "part": name,
        "run": ctx.run_id,
        "status": status,
        "settings": {k: v for k, v in ctx.settings.to_dict().items() if k not in NOT_IN_FINGERPRINT},
        "corpus_hash": ctx.corpus.corpus_hash,
        "outputs": sorted(set(outputs)),
        "headline": headline,
        "results": results,
    }
    data = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False, default=_json_value) + "\n"
    atomic_write_bytes(folder / f"{name}.json", data.encode("utf-8"))


def part_records(out_dir: Path) -> dict[str, PartRecord]:
    """The sections present under ``<out>/sections`` (this run's or earlier ones') with their records.

    A section without a readable record (an older layout, a damaged file) has ``run = ""``: it matches no
    settings and is treated as stale.
    """
    folder = Path(out_dir) / "sections"
    records = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        if path.stem.startswith("_"):
            continue
        record = PartRecord(path.stem, path.read_text(encoding="utf-8"))
        try:
            meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            record.run, record.status = str(meta["run"]), str(meta["status"])
            record.settings, record.outputs = dict(meta["settings"]), list(meta["outputs"])
            record.headline = str(meta.get("headline") or "")
            record.results = dict(meta.get("results") or {})
        except (OSError, ValueError, KeyError, TypeError):
            pass
        records[path.stem] = record
    return records
