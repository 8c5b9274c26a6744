"""Worker processes that never outlive an interrupted run (issue 16: no orphan workers after a kill or Ctrl-C).

The corpus stage may start worker processes: spaCy's ``nlp.pipe(n_process=...)`` forks them, the Dask engine
starts a ``LocalCluster``. Python cleans them up on an exception (the pools' ``finally`` blocks and context
managers), but a plain ``kill`` (SIGTERM) ends the parent without running any of that, and a ``kill -9``
cannot be caught at all. :func:`worker_guard` covers the three cases:

- SIGTERM raises ``SystemExit(143)`` in the main thread while the guard is active, so every ``finally``
  and ``with`` block runs as on Ctrl-C (SIGINT's ``KeyboardInterrupt``);
- on any exception, the worker processes started inside the guard that are still alive are terminated;
- processes forked inside the guard (spaCy's workers) ask the kernel for SIGTERM when their parent dies
  (Linux ``PR_SET_PDEATHSIG``), which covers ``kill -9`` of the parent.
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
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


os.register_at_fork(after_in_child=_child_after_fork)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def worker_guard() -> Iterator[None]:
    """Run a block that may start worker processes so that none survives an interruption (see module doc).

    Nests; the SIGTERM handler is installed only from the main thread (the only one Python lets set it).
    """
    before = set(multiprocessing.active_children())
    main = threading.current_thread() is threading.main_thread()
    outer = _guarding.is_set()
    install = main and not outer
    previous = signal.getsignal(signal.SIGTERM) if install else None
    if install:
        signal.signal(signal.SIGTERM, _terminate)
    _guarding.set()
    try:
        yield
    except BaseException:
        for child in set(multiprocessing.active_children()) - before:
            child.terminate()
            child.join(timeout=5)
        raise
    finally:
        if not outer:
            _guarding.clear()
        if install:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
