"""Worker processes that never outlive an interrupted run (issue 16: no orphan workers after a kill or Ctrl-C).

The corpus stage may start worker processes: the NLP pool forks them (:mod:`aictlab.nlp`, ``n_process``), the
topic grid too, the Dask engine starts a ``LocalCluster``. Python cleans them up on an exception (the pools' ``finally`` blocks and context
managers), but a plain ``kill`` (SIGTERM) ends the parent without running any of that, and a ``kill -9``
cannot be caught at all. :func:`worker_guard` covers the three cases:

- SIGINT (Ctrl-C) and SIGTERM (``kill``) first terminate the worker processes started inside the guard,
  then raise ``KeyboardInterrupt`` / ``SystemExit(143)`` in the main thread, so that every ``finally`` and
  ``with`` block runs (a plain SIGTERM would end the parent without any of that);
- on any exception, the worker processes started inside the guard that are still alive are terminated;
- processes forked inside the guard (the NLP workers) ask the kernel for SIGTERM when their parent dies
  (Linux ``PR_SET_PDEATHSIG``), which covers ``kill -9`` of the parent.

The report's figure worker (:class:`aictlab.plots.output.FigureWorker`) is not a multiprocessing child: it is
killed when the run is interrupted, and ends by itself when its parent dies (its input pipe closes).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator

__all__ = ["worker_guard"]

_guarding = threading.Event()
_PR_SET_PDEATHSIG = 1


def _child_after_fork() -> None:
    """In a process forked under the guard: default SIGTERM, and SIGTERM when the parent dies (Linux)."""
    if not _guarding.is_set():
        return
    with contextlib.suppress(ValueError):  # (only a main thread may set handlers)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


os.register_at_fork(after_in_child=_child_after_fork)


_before: set = set()


def _end_workers() -> None:
    """Terminate the worker processes started under the guard that are still alive."""
    for child in set(multiprocessing.active_children()) - _before:
        child.terminate()
        child.join(timeout=5)


def _interrupt(signum: int, frame: object) -> None:
    # End the workers first: the pools' own clean-up (spaCy's joins its workers) would otherwise wait for
    # them to finish the batches they hold.
    _end_workers()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def worker_guard() -> Iterator[None]:
    """Run a block that may start worker processes so that none survives an interruption (see module doc).

    Nests; the signal handlers are installed only from the main thread (the only one Python lets set them).
    """
    global _before
    main = threading.current_thread() is threading.main_thread()
    outer = _guarding.is_set()
    install = main and not outer
    if not outer:
        _before = set(multiprocessing.active_children())
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)} if install else {}
    for signum in previous:
        signal.signal(signum, _interrupt)
    _guarding.set()
    try:
        yield
    except BaseException:
        _end_workers()
        raise
    finally:
        if not outer:
            _guarding.clear()
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
