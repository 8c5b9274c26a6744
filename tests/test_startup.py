"""Fixed costs of a report run (issue 15): heavy libraries imported only where used, figures drawn in a
background process with the same bytes as in the run's own process, and a figure that fails there redrawn or
reported."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from aictlab.config import Settings
from aictlab.plots import new_figure, styled
from aictlab.plots.output import FigureWorker, figure_bytes
from aictlab.report.context import ReportContext, read_entry

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("scipy.stats", "matplotlib", "sklearn", "spacy", "gensim", "statsmodels")


def test_importing_the_report_and_its_parts_imports_no_heavy_library():
    # a warm run imports every part but computes nothing: these libraries (seconds of imports) wait until a
    # function that needs them runs
    code = (
        "import sys\n"
        "import aictlab.report.__main__\n"
        "from aictlab.report.runner import PARTS\n"
        "import importlib\n"
        "for module in PARTS.values():\n"
        "    importlib.import_module(module)\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == ""


@dataclasses.dataclass
class FakeCorpus:
    cache_key: str = "k"
    corpus_hash: str = "h"


@styled
def plot_bars(table: pd.DataFrame):
    """Bars of ``table['n']`` by ``table['term']`` (accented labels: the PDF embeds their glyphs)."""
    fig, ax = new_figure(width=3, height=2)
    ax.bar(table["term"], table["n"], color="#555555")
    ax.set_title("coopération décentralisée")
    return fig, table[["term", "n"]]


TABLE = pd.DataFrame({"term": ["coopération", "solidarité", "attractivité"], "n": [5, 3, 8]})


def test_a_figure_drawn_in_the_background_has_the_bytes_of_one_drawn_here(tmp_path):
    fig, _ = plot_bars(TABLE)
    here = figure_bytes(fig)
    with FigureWorker() as worker:
        blob, future = worker.submit(fig)
        there = future.result(timeout=120)
    assert there["png"] == here["png"] and there["pdf"] == here["pdf"]
    assert there["png"].startswith(b"\x89PNG") and b"/FontFile2" in there["pdf"]  # TrueType, embedded


class BrokenWorker:
    """A figure worker whose process 'died': every future fails."""

    def submit(self, fig):
        import pickle

        future = Future()
        future.set_exception(RuntimeError("worker died"))
        return pickle.dumps(fig), future

    def draw_rest(self):
        return 0


def test_plot_with_a_worker_writes_files_at_finish_and_redraws_what_the_worker_failed(tmp_path):
    settings = Settings(root=tmp_path, out=tmp_path / "out")
    ctx = ReportContext(settings=settings, corpus=FakeCorpus(), figure_worker=BrokenWorker(), part="frames")
    drawn = ctx.plot("bars", plot_bars, TABLE)
    pd.testing.assert_frame_equal(drawn, TABLE)
    out = tmp_path / "out"
    assert not (out / "bars.png").exists()  # queued, not yet written
    assert ctx.outputs == [out / "bars.png", out / "bars.pdf"]  # but already the part's outputs
    assert ctx.finish_figures() == {}  # drawn here instead
    expected = figure_bytes(plot_bars(TABLE)[0])
    assert (out / "bars.png").read_bytes() == expected["png"]
    (entry,) = (tmp_path / "data" / "processed" / "figures").glob("bars-*.pkl")
    assert read_entry(entry)["images"]["png"] == expected["png"]
    assert ctx.outputs == [out / "bars.png", out / "bars.pdf"] and ctx.pending_figures == []


def test_a_figure_that_cannot_be_drawn_anywhere_is_reported_against_its_part(tmp_path):
    class Unpicklable(BrokenWorker):
        def submit(self, fig):
            blob, future = super().submit(fig)
            return b"not a pickle", future

    settings = Settings(root=tmp_path, out=tmp_path / "out")
    ctx = ReportContext(settings=settings, corpus=FakeCorpus(), figure_worker=Unpicklable(), part="topics")
    ctx.plot("bars", plot_bars, TABLE)
    failed = ctx.finish_figures()
    assert list(failed) == ["topics"] and failed["topics"].startswith("figure bars: ")
    assert not (tmp_path / "out" / "bars.png").exists()
    assert not list((tmp_path / "data" / "processed").glob("figures/*.pkl"))  # nothing cached


def test_the_worker_draws_figures_in_order_and_a_dead_worker_fails_its_futures(tmp_path):
    figures = [plot_bars(TABLE.assign(n=TABLE["n"] * k))[0] for k in (1, 2)]
    with FigureWorker() as worker:
        futures = [worker.submit(fig)[1] for fig in figures]
        drawn = [future.result(timeout=120) for future in futures]
        worker._process.kill()  # the process dies between two figures
        worker._process.wait()
        blob, future = worker.submit(figures[0])
        with pytest.raises(RuntimeError, match="the figure worker ended"):
            future.result(timeout=120)
    assert [d["png"] for d in drawn] == [figure_bytes(fig)["png"] for fig in figures]
    assert drawn[0]["png"] != drawn[1]["png"]


def test_a_second_process_draws_the_last_queued_figures_with_the_same_bytes():
    figures = [plot_bars(TABLE.assign(n=TABLE["n"] * k))[0] for k in (1, 2, 3, 4)]
    expected = [figure_bytes(fig) for fig in figures]
    with FigureWorker() as worker:
        futures = [worker.submit(fig)[1] for fig in figures]
        second = worker.draw_rest()
        drawn = [future.result(timeout=120) for future in futures]
        assert worker.draw_rest() == 0  # nothing left: no process started
    # the second process takes the last figures (how many depends on when the first takes the oldest)
    assert second >= 1
    assert drawn == expected


def test_processes_started_ahead_draw_the_same_bytes_and_the_spare_takes_the_last_figures():
    figures = [plot_bars(TABLE.assign(n=TABLE["n"] * k))[0] for k in range(1, 9)]
    expected = [figure_bytes(fig) for fig in figures]
    with FigureWorker() as worker:
        worker.start(spare=True)
        first, spare = worker._process, worker._spare
        worker.start(spare=True)  # started already: nothing more
        assert (worker._process, worker._spare) == (first, spare) and first is not spare
        futures = [worker.submit(fig)[1] for fig in figures]
        second = worker.draw_rest()
        drawn = [future.result(timeout=120) for future in futures]
        assert worker._process is first and worker._spare is None
    for fig in figures:
        plt.close(fig)
    assert drawn == expected
    # the first process takes the oldest figures one at a time while the spare takes the newest: of eight
    # queued at once, the spare draws some, then ends when told to (exit code 0, not killed)
    assert second >= 1 and spare.returncode == 0


def test_processes_started_ahead_that_draw_nothing_are_killed_not_awaited():
    worker = FigureWorker()
    worker.start(spare=True)
    first, spare = worker._process, worker._spare
    assert worker.draw_rest() == 0  # nothing queued: the spare is not needed
    assert spare.returncode == -signal.SIGKILL and worker._spare is None
    worker.close()
    assert first.returncode == -signal.SIGKILL
    worker.start(spare=True)  # closed: nothing starts
    assert worker._process is None and worker._spare is None


def test_the_first_notice_of_a_corpus_build_starts_the_figure_processes_once(tmp_path):
    from aictlab.report.runner import _on_build

    class Worker:
        def __init__(self):
            self.starts = []

        def start(self, *, spare=False):
            self.starts.append(spare)

    ctx = ReportContext(settings=Settings(root=tmp_path), corpus=None, figure_worker=Worker())
    seen = []
    notice = _on_build(ctx, lambda *args: seen.append(args))
    for args in [(0, 10, 0, 2), (6, 10, 1, 2), (10, 10, 2, 2)]:
        notice(*args)
    assert ctx.figure_worker.starts == [True]  # the first notice only, with the spare
    assert seen == [(0, 10, 0, 2), (6, 10, 1, 2), (10, 10, 2, 2)]  # every notice reaches the bar


def test_a_worker_ends_when_told_even_if_a_forked_process_holds_its_input():
    fig, _ = plot_bars(TABLE)
    with FigureWorker() as worker:
        blob, future = worker.submit(fig)
        future.result(timeout=120)
        process = worker._process
        held = os.dup(process.stdin.fileno())  # as a process forked after the worker started holds it
        try:
            worker.close()  # its input is not closed for the worker, but it was told to end
            assert process.returncode == 0  # ended by itself, not killed after the 30 s wait
        finally:
            os.close(held)
    plt.close(fig)


def test_a_figure_queued_on_a_closed_worker_fails():
    fig, _ = plot_bars(TABLE)
    worker = FigureWorker()
    worker._closed = True  # closed while the figure waited: the background thread refuses to draw it
    blob, future = worker.submit(fig)
    with pytest.raises(RuntimeError, match="closed"):
        future.result(timeout=120)
    worker.close()


def test_a_worker_that_draws_nothing_starts_no_process():
    worker = FigureWorker()
    worker.close()
    assert worker._process is None
    with pytest.raises(RuntimeError, match="closed"):
        worker._draw(b"")


def test_the_command_line_exits_with_its_code_and_its_messages(tmp_path):
    # the command line ends without the interpreter's teardown (report/__main__.exit_now): its exit code,
    # its messages and its files are all there
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, "-m", "aictlab.report", "--root", str(tmp_path)]
    bad = subprocess.run([*command, "--config", "missing.toml"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "missing.toml: settings file not found." in bad.stderr
    corpus = REPO / "tests" / "fixtures" / "seed_originals_sha256.csv"  # any file that is no corpus
    wrong = subprocess.run([*command, "--corpus", str(corpus), "-q"], capture_output=True, text=True, env=env)
    assert wrong.returncode == 2 and wrong.stderr.startswith("aictlab: error:")
    assert not (tmp_path / "figures" / "REPORT.md").exists()


@pytest.mark.slow
def test_a_command_line_run_that_ends_early_leaves_every_file(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    command = [
        sys.executable,
        "-m",
        "aictlab.report",
        "--root",
        str(tmp_path),
        "--corpus",
        str(REPO / "data" / "raw"),
    ]
    done = subprocess.run(
        [*command, "--only", "corpus", "--lemmatizer", "simplemma"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0 and "1 part(s) ok, 0 failed" in done.stdout
    out = tmp_path / "figures"
    for name in ("REPORT.md", "report.html", "provenance.json", "corpus_overview.png", "corpus_overview.pdf"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "corpus_overview.png").read_bytes().startswith(b"\x89PNG")
