"""Figures as files: PNG and PDF bytes in the house style, drawn here or in a background process.

Drawing and saving a figure (text layout, rasterising, embedding fonts in the PDF) costs far more than building
it, and does not depend on anything computed after it. :class:`FigureWorker` draws pickled figures in one
background process while the caller goes on computing (the report's next steps); a figure unpickled there
gives the same PNG and PDF bytes as the original.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import pickle
from concurrent.futures import Future
from typing import Any

__all__ = ["FIGURE_DPI", "FigureWorker", "figure_bytes", "render_pickled_figure"]

log = logging.getLogger(__name__)

#: Resolution of the PNG figures (the PDFs are vector).
FIGURE_DPI = 200


def figure_bytes(fig) -> dict[str, bytes]:
    """``fig`` as PNG and PDF bytes in the house style, with no embedded dates or software version."""
    from aictlab.plots import figure_style

    images = {}
    for ext, metadata in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "Producer": None})):
        buffer = io.BytesIO()
        with figure_style():  # the house style is local; PDFs keep TrueType fonts
            fig.savefig(buffer, format=ext, metadata=metadata, dpi=FIGURE_DPI)
        images[ext] = buffer.getvalue()
    return images


def render_pickled_figure(blob: bytes) -> dict[str, bytes]:
    """:func:`figure_bytes` of the pickled figure ``blob`` (closed afterwards)."""
    import matplotlib.pyplot as plt

    fig = pickle.loads(blob)
    try:
        return figure_bytes(fig)
    finally:
        plt.close(fig)


def _start_worker() -> None:
    """In the worker process: draw off-screen, whatever backend the parent process uses."""
    import matplotlib

    matplotlib.use("Agg")


class FigureWorker:
    """One background process that draws pickled figures (:func:`render_pickled_figure`).

    The process is forked when the worker is created: call it early, before the caller starts threads (a
    Dask client, progress bars), so that the child holds none of their locks. Forking, not ``spawn``, since a
    spawned child would import the caller's main script again (running a report script twice); where the
    platform cannot fork, :attr:`available` is False and callers draw in their own process. :meth:`close` ends
    the process.
    """

    #: Whether this platform can fork a worker (Linux, macOS; not Windows).
    available = "fork" in multiprocessing.get_all_start_methods()

    def __init__(self) -> None:
        from concurrent.futures import ProcessPoolExecutor

        if not self.available:
            raise RuntimeError("FigureWorker needs a platform that can fork processes")
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker
        )
        self._pool.submit(int).result()  # fork now, while the process has a single thread

    def submit(self, fig) -> tuple[bytes, Future] | None:
        """Queue ``fig`` for drawing; returns its pickle and the future of its images, or None when the
        figure cannot be pickled (the caller then draws it itself)."""
        try:
            blob = pickle.dumps(fig, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # e.g. a lambda in a formatter: not picklable, drawn in this process
            log.debug("figure not picklable (%s); drawn in this process", err)
            return None
        return blob, self._pool.submit(render_pickled_figure, blob)

    def close(self) -> None:
        """End the process (pending figures are cancelled; call after collecting every result)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> FigureWorker:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
