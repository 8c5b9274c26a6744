"""Figures as files: PNG and PDF bytes in the house style, drawn here or in a background process.

Drawing and saving a figure (text layout, rasterising, embedding fonts in the PDF) costs far more than building
it, and does not depend on anything computed after it. :class:`FigureWorker` draws pickled figures in one
background process while the caller goes on computing (the report's next steps); a figure unpickled there
gives the same PNG and PDF bytes as the original. When the caller has nothing left to compute, a second
background process draws the figures still queued (:meth:`FigureWorker.draw_rest`), the last ones first,
while the first goes on with the oldest: the report's final figures take both cores.

The PDF reuses the layout computed for the PNG (:func:`frozen_layout`) and embeds its TrueType subsets without
the OpenType layout tables (:func:`fonts_without_layout_tables`): a third less CPU for the PDF. The layout is
computed once, before either save (:func:`laid_out`), so neither save draws the figure a first time to lay it
out: two draws of a figure instead of four, the same bytes.
"""

from __future__ import annotations

import io
import logging
import pickle
import threading
from collections import deque
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from typing import Any

__all__ = [
    "FIGURE_DPI",
    "FIGURE_FORMAT",
    "LAYOUT_TABLES",
    "FigureWorker",
    "figure_bytes",
    "fonts_without_layout_tables",
    "frozen_layout",
    "laid_out",
    "render_pickled_figure",
    "serve",
]

log = logging.getLogger(__name__)

#: Resolution of the PNG figures (the PDFs are vector).
FIGURE_DPI = 200


#: How :func:`figure_bytes` draws (part of the figure cache's key): raised when the same figure gets new bytes.
#: 2: the PDF's fonts leave out :data:`LAYOUT_TABLES`; 3: the PDF keeps the PNG's layout.
FIGURE_FORMAT = 3

#: OpenType layout tables (substitutions, positioning, glyph classes, math layout) left out of the fonts a PDF
#: embeds: matplotlib places every glyph itself and a PDF viewer draws the glyphs named in the page, applying
#: none of these; subsetting them is most of the cost of a PDF's fonts (0.29 -> 0.07 CPU s per DejaVu Sans
#: subset).
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "MATH")


def figure_bytes(fig) -> dict[str, bytes]:
    """``fig`` as PNG and PDF bytes in the house style, with no embedded dates or software version.

    The PNG is drawn as ``fig.savefig`` draws it; the PDF keeps the layout computed for the PNG
    (:func:`frozen_layout`) and embeds fonts without :data:`LAYOUT_TABLES` (:func:`fonts_without_layout_tables`).
    ``fig`` is left with the layout engine it had.
    """
    from aictlab.plots import figure_style

    with figure_style():  # the house style is local; PDFs keep TrueType fonts
        if _arrows(fig):  # each save draws the figure first: its arrows are clipped by their texts' last draw
            png = _saved(fig, "png", {"Software": None})
            with frozen_layout(fig), fonts_without_layout_tables():
                pdf = _saved(fig, "pdf", {"CreationDate": None, "Producer": None})
        else:
            with laid_out(fig):
                png = _saved(fig, "png", {"Software": None})
                with fonts_without_layout_tables():
                    pdf = _saved(fig, "pdf", {"CreationDate": None, "Producer": None})
    return {"png": png, "pdf": pdf}


def _arrows(fig) -> bool:
    """Whether ``fig`` draws an arrow (an annotation's, or adjustText's from a label to its point).

    An arrow clipped by a text (adjustText's ``patchA``) is clipped by that text's box as it was last drawn,
    so its PDF depends on the draw that ``savefig`` makes before saving: such a figure is saved as matplotlib
    saves it (:func:`frozen_layout`).
    """
    from matplotlib.patches import FancyArrowPatch

    return bool(fig.findobj(FancyArrowPatch))


def _saved(fig, ext: str, metadata: dict) -> bytes:
    """The bytes of ``fig.savefig`` in format ``ext`` at :data:`FIGURE_DPI`."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=ext, metadata=metadata, dpi=FIGURE_DPI)
    return buffer.getvalue()


@contextmanager
def frozen_layout(fig):
    """A context in which saving ``fig`` keeps the layout it was last drawn with; its engine is restored after.

    A constrained layout is otherwise computed again at every save, at the save's resolution (72 dpi for a PDF),
    text extents included: a fifth of a PDF's CPU. The layout kept is the one of the last draw (the PNG's, at
    200 dpi), so the PDF has the PNG's axes sizes and ticks. Text extents measured at 72 dpi differ from those
    at 200 dpi: on the report's 19 figures the 72-dpi layout's axes edges lie up to 3.2 pt from the PNG's, and
    one figure's PDF had other ticks than its PNG. The engine is only set aside (``"none"``: matplotlib's placeholder,
    which still draws the figure once before saving, so annotation arrows meet their text as in any save).
    """
    engine = fig.get_layout_engine()
    if engine is None:
        yield
        return
    fig.set_layout_engine("none")
    try:
        yield
    finally:
        fig.set_layout_engine(engine)


@contextmanager
def laid_out(fig):
    """A context in which ``fig`` is laid out once at :data:`FIGURE_DPI` and saved without being laid out again.

    ``savefig`` on a figure with a layout engine draws it twice: once (rendering nothing) to run the engine,
    then for real with the engine set aside. Here the engine runs once, on an Agg canvas at the PNG's
    resolution, as that first draw runs it (:meth:`Figure.draw`: only a figure with axes), then is set aside
    (``None``) while the context lasts, so the PNG is drawn once and the PDF once, in the PNG's layout as
    :func:`frozen_layout` keeps it. On the report's 19 figures (arrows aside: :func:`_arrows`) the PNG and PDF
    bytes are those of two ``savefig`` calls; ``tests/test_plots_output.py`` checks it. The figure's engine,
    canvas and resolution are restored after.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    engine, canvas, dpi = fig.get_layout_engine(), fig.canvas, fig.dpi
    if engine is None:
        yield
        return
    FigureCanvasAgg(fig)  # the canvas savefig("png") draws on; its renderer measures the texts for the engine
    try:
        if fig.axes:
            fig.dpi = FIGURE_DPI
            try:
                engine.execute(fig)
            finally:
                fig.dpi = dpi
        with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)  # no engine at all (these settings would otherwise choose one)
        yield
    finally:
        fig.set_layout_engine(engine)
        fig.set_canvas(canvas)


_swap_lock = threading.Lock()
_swap_depth = 0  # saves inside fonts_without_layout_tables() under way, in any thread


class _SubsetWithoutLayoutTables:
    """``fontTools.subset`` whose ``Options`` also drop :data:`LAYOUT_TABLES` (everything else is the module's)."""

    def __init__(self, subset) -> None:
        class Options(subset.Options):
            def __init__(self, **kwargs) -> None:
                super().__init__(**kwargs)
                self.drop_tables += [table for table in LAYOUT_TABLES if table not in self.drop_tables]

        self._subset, self.Options = subset, Options

    def __getattr__(self, name: str):
        return getattr(self._subset, name)


@contextmanager
def fonts_without_layout_tables():
    """A context in which matplotlib's PDF backend embeds its TrueType subsets without :data:`LAYOUT_TABLES`.

    matplotlib subsets fonts with ``fontTools.subset`` (``matplotlib.backends._backend_pdf_ps.subset``); that
    name is pointed, while the context lasts, at :class:`_SubsetWithoutLayoutTables`, and back to the module
    when the last such context (of any thread) ends. The fonts stay TrueType (``/FontFile2``) with the same
    glyph outlines, widths and ``ToUnicode`` text. When matplotlib no longer subsets through that name, nothing
    is swapped and fonts are embedded whole as matplotlib does.
    """
    global _swap_depth
    try:
        from fontTools import subset
        from matplotlib.backends import _backend_pdf_ps as backend
    except ImportError:  # matplotlib's internals moved: its own subsetting
        yield
        return
    with _swap_lock:
        current = getattr(backend, "subset", None)
        swapped = current is subset or isinstance(current, _SubsetWithoutLayoutTables)
        if swapped:
            if _swap_depth == 0:
                backend.subset = _SubsetWithoutLayoutTables(subset)
            _swap_depth += 1
    try:
        yield
    finally:
        if swapped:
            with _swap_lock:
                _swap_depth -= 1
                if _swap_depth == 0:
                    backend.subset = subset


def render_pickled_figure(blob: bytes) -> dict[str, bytes]:
    """:func:`figure_bytes` of the pickled figure ``blob`` (closed afterwards)."""
    import matplotlib.pyplot as plt

    fig = pickle.loads(blob)
    try:
        return figure_bytes(fig)
    finally:
        plt.close(fig)


def _send(stream, payload: bytes) -> None:
    stream.write(len(payload).to_bytes(8, "little"))
    stream.write(payload)
    stream.flush()


def _receive(stream) -> bytes:
    """One length-prefixed message of ``stream``; EOFError when the other side has closed it."""
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("the figure worker's pipe closed")
    size = int.from_bytes(head, "little")
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError("the figure worker's pipe closed mid-message")
    return payload


def serve(requests, replies) -> None:
    """The worker's loop: read pickled figures from ``requests``, write pickled ``(images, error)`` replies,
    until ``requests`` ends or sends an empty message (:func:`_stop`)."""
    import gc

    import matplotlib

    matplotlib.use("Agg")
    # what every figure needs, imported before the first arrives (it would import them anyway); then the
    # modules are left out of the collector's full passes, which otherwise visit them all (0.36 -> 0.11 CPU s
    # over the seeds' 19 figures): this process lives to draw figures and ends without a teardown
    import fontTools.subset  # noqa: F401
    import matplotlib.backends.backend_agg
    import matplotlib.backends.backend_pdf
    import matplotlib.pyplot

    gc.freeze()
    while True:
        try:
            blob = _receive(requests)
        except EOFError:
            return
        if not blob:
            return
        try:
            reply = (render_pickled_figure(blob), None)
        except Exception as err:  # reported to the caller, who draws the figure itself
            reply = (None, f"{type(err).__name__}: {err}")
        _send(replies, pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))


def _stop(process, *, at_once: bool = False) -> None:
    """End a worker process once it has drawn what it was sent, or ``at_once`` (it was sent nothing to draw, or
    the run was interrupted).

    It is told to end by an empty message, not only by its input closing: a process forked from the caller
    after the worker started (the topic grid's, started during the corpus build) holds a copy of that input.
    """
    try:
        if at_once:
            process.kill()
        else:
            _send(process.stdin, b"")
        process.stdin.close()
        process.wait(timeout=30)
    except Exception:  # a worker that does not end by itself is stopped
        process.kill()
        process.wait()
    process.stdout.close()


class _Job:
    """A queued figure: its pickle, the future of its images, and who draws it (claimed once)."""

    def __init__(self, blob: bytes) -> None:
        self.blob, self.future = blob, Future()
        self._lock, self._claimed = threading.Lock(), False

    def claim(self) -> bool:
        """True for the first caller only: that one draws the figure."""
        with self._lock:
            if self._claimed:
                return False
            self._claimed = True
            return True

    def run(self, draw) -> None:
        """Draw the figure with ``draw(blob)`` if nobody has, and settle the future."""
        if not self.claim():
            return
        try:
            self.future.set_result(draw(self.blob))
        except Exception as err:
            self.future.set_exception(err)


class FigureWorker:
    """One background process that draws pickled figures (:func:`render_pickled_figure`).

    The process is a fresh interpreter (``python -m aictlab.plots.output``, the caller's ``sys.path``), not
    a fork: it inherits none of the caller's state (matplotlib's caches, a notebook's settings, threads'
    locks), so two runs draw the same bytes whatever ran before them, and no script is imported twice.
    Figures go to it through a pipe, one at a time, in the order submitted; at the end a second process
    may take the last ones queued (:meth:`draw_rest`). :meth:`close` ends the process; it also ends
    by itself when the caller's process dies (its input closes).
    """

    #: Whether figures can be drawn in a background process here (a platform with subprocesses).
    available = True
    #: How much lower the drawing processes' scheduling priority is than the caller's (``nice`` increment):
    #: figures are needed only at the end, so they take the CPU the computations leave, which then end
    #: sooner; at the end nothing else runs (docs/benchmarks.md, session 31).
    nice = 10

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._process = None  # started with the first figure or by start(): a run drawing none starts none
        self._spare = None  # the second process of draw_rest, when start(spare=True) started it ahead
        self._sent = False  # whether a figure went to self._process
        self._starting = threading.Lock()  # the caller's start() and the worker's thread may both start it
        self._closed = False
        self._jobs: deque[_Job] = deque()  # submitted and not yet taken by either side
        # one thread talks to the process, a figure at a time: a reply is read before the next figure is
        # sent, so neither side can block on a full pipe
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aictlab-figures")

    def _start(self):
        import os
        import subprocess
        import sys

        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "MPLBACKEND": "Agg"}
        process = subprocess.Popen(
            [sys.executable, "-m", "aictlab.plots.output"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        with suppress(OSError, AttributeError):  # a platform without priorities: the caller's
            os.setpriority(os.PRIO_PROCESS, process.pid, os.getpriority(os.PRIO_PROCESS, 0) + self.nice)
        return process

    def start(self, *, spare: bool = False) -> None:
        """Start the drawing process now instead of with the first figure, and with ``spare`` the second
        process of :meth:`draw_rest` too.

        A process's interpreter takes ~0.9 CPU s to start (matplotlib, its backends, fontTools): started while
        the caller leaves a core idle (the report's corpus build, one core of NLP), that time is not taken
        from the busy cores later, nor from the end of the run, where the second process is needed at once. A
        spare idles until then (one interpreter's memory, ~80 MB); one not needed is ended without waiting.
        Calling it again starts nothing more.
        """
        if self._closed:
            return
        self._process_started()
        if spare and self._spare is None:
            self._spare = self._start()

    def _process_started(self):
        """The drawing process, started if it was not."""
        with self._starting:
            if self._process is None:
                self._process = self._start()
            return self._process

    def _draw(self, blob: bytes) -> dict[str, bytes]:
        if self._closed:
            raise RuntimeError("the figure worker was closed")
        process = self._process_started()
        self._sent = True
        return self._exchange(process, blob)

    @staticmethod
    def _exchange(process, blob: bytes) -> dict[str, bytes]:
        """Send ``blob`` to a worker ``process`` and read back its images."""
        try:
            _send(process.stdin, blob)
            images, error = pickle.loads(_receive(process.stdout))
        except (OSError, EOFError) as err:
            raise RuntimeError(f"the figure worker ended (exit code {process.poll()}): {err}") from err
        if error is not None:
            raise RuntimeError(f"the figure worker could not draw it: {error}")
        return images

    def _next(self) -> None:
        """In the worker's thread: draw the oldest figure nobody has taken yet."""
        try:
            job = self._jobs.popleft()
        except IndexError:  # the caller took it
            return
        job.run(self._draw)

    def submit(self, fig) -> tuple[bytes, Future] | None:
        """Queue ``fig`` for drawing; returns its pickle and the future of its images, or None when the
        figure cannot be pickled (the caller then draws it itself)."""
        try:
            blob = pickle.dumps(fig, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # e.g. a lambda in a formatter: not picklable, drawn in this process
            log.debug("figure not picklable (%s); drawn in this process", err)
            return None
        job = _Job(blob)
        self._jobs.append(job)
        self._pool.submit(self._next)
        return blob, job.future

    def draw_rest(self) -> int:
        """Draw the figures still queued in a second background process too, the last submitted first, while
        the first process goes on with the oldest; returns how many the second one drew.

        For a caller with nothing left to compute: the rest of the queue is drawn on two cores. The second
        process is a fresh interpreter like the first (never this process, whose matplotlib state the
        figures' construction has changed: a figure drawn here may lay out its PDF differently), so every
        figure has the bytes it has when the first process draws it. It is the spare of :meth:`start`, or
        started only when a figure is left to take, and ends before this returns.
        """
        drawn, (helper, self._spare) = 0, (self._spare, None)
        try:
            while not self._closed:
                try:
                    job = self._jobs.pop()
                except IndexError:
                    break
                if helper is None:
                    helper = self._start()
                job.run(lambda blob, process=helper: self._exchange(process, blob))
                drawn += 1
        finally:
            if helper is not None:
                _stop(helper, at_once=drawn == 0)
        return drawn

    def close(self, *, kill: bool = False) -> None:
        """End the process: after the figures queued are drawn, or at once with ``kill`` (pending figures are
        cancelled; call after collecting every result)."""
        if self._pool is None:
            return
        self._closed = True
        if kill and self._process is not None:
            self._process.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None
        for job in self._jobs:  # never drawn (cancelled): their futures say so
            if job.claim():
                job.future.set_exception(RuntimeError("the figure worker was closed"))
        self._jobs.clear()
        process, self._process = self._process, None
        if process is not None:
            _stop(process, at_once=not self._sent)
        spare, self._spare = self._spare, None
        if spare is not None:
            _stop(spare, at_once=True)

    def __enter__(self) -> FigureWorker:
        return self

    def __exit__(self, exc_type, *exc: Any) -> None:
        self.close(kill=exc_type is not None)  # an interrupted run does not wait for its figures


if __name__ == "__main__":  # the worker process of FigureWorker
    import os
    import sys

    # the replies own the original standard output; anything printed goes to standard error
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, replies)
    replies.flush()
    os._exit(0)  # every reply is sent: no interpreter teardown (matplotlib's objects freed one by one)
