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
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["BLAS_THREADS", "abandon_pool", "environment", "forked_call", "one_blas_thread", "worker_guard"]

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


def abandon_pool(pool: Any) -> None:
    """End a ``concurrent.futures.ProcessPoolExecutor``'s workers so that its shutdown cannot wait forever.

    A worker ended while it sends a result (by :func:`worker_guard` on Ctrl-C or ``kill``) leaves the pool's
    reader thread waiting for the rest of the message, and ``shutdown`` (or the interpreter's exit) for that
    thread. This process holds the other end of the result pipe: once the workers are gone, closing it ends
    the read, and the pool reports itself broken instead of hanging.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()


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


class _Inline:
    """:func:`forked_call`'s handle where no process is forked: the call runs at the first :meth:`result`."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self._call, self._done, self._value = call, False, None

    def result(self) -> Any:
        if not self._done:
            self._value, self._done = self._call(), True
        return self._value


class _Forked:
    """:func:`forked_call`'s handle on a forked process: :meth:`result` waits for its value.

    A thread of this process reads the value's bytes as soon as they are sent, so the forked process ends
    when its call does, not when the caller asks for the value: until it ends, every page of memory it
    shares with the caller is copied when the caller writes to it (copy-on-write).
    """

    def __init__(self, process, receive) -> None:
        self._process, self._receive, self._value, self._done = process, receive, None, False
        self._message: bytes | None = None
        self._reader = threading.Thread(target=self._read, name="forked_call reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        with contextlib.suppress(EOFError, OSError):  # ended without a result: result() says so
            self._message = self._receive.recv_bytes()

    def result(self) -> Any:
        if not self._done:
            self._reader.join()
            if self._message is None:
                self._process.join()
                raise RuntimeError(
                    f"a worker process ended without its result (exit code {self._process.exitcode})"
                )
            ok, value = pickle.loads(self._message)
            self._message = None
            if not ok:
                raise value
            self._value, self._done = value, True
        return self._value


def _send_result(send, call: Callable[[], Any]) -> None:
    """In the forked process: ``call()``'s value, or the exception it raised, through ``send``."""
    try:
        reply = (True, call())
    except BaseException as err:  # the caller re-raises it
        reply = (False, err)
    try:
        send.send(reply)
    except Exception as err:  # an unpicklable value or exception
        send.send((False, RuntimeError(f"a worker process's result could not be sent back: {err!r}")))


@contextlib.contextmanager
def forked_call(call: Callable[[], Any], *, fork: bool = True, workers: bool = False) -> Iterator[Any]:
    """Start ``call()`` now in a forked process, while the caller goes on; the handle's ``result()`` waits for
    its value (pickled back) or re-raises its exception.

    The call inherits the caller's memory (a corpus is not copied or pickled), so it must not need the
    caller's threads (a Dask client, a background figure worker) and must be deterministic: it computes what
    the caller would have. Leaving the block ends the process if it still runs (a value never asked for, an
    exception in the caller). Without ``fork``, on a platform that cannot fork, or on one core, ``call`` runs
    in this process at the first ``result()``. ``workers=True`` lets the call start processes of its own (a
    process pool): the process is then not a daemon, and is still ended by the block's exit, by
    :func:`worker_guard` (and, forked under it, by its parent's death).
    """
    if not fork or "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        yield _Inline(call)
        return
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_send_result, args=(send, call), daemon=not workers)
    process.start()
    send.close()
    handle = _Forked(process, receive)
    try:
        yield handle
    finally:
        if process.is_alive():
            process.terminate()
        process.join()
        handle._reader.join(timeout=5)  # the process is gone: the read has ended
        receive.close()


#: The environment variables that set the threads of numerical libraries (OpenBLAS, OpenMP, MKL).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Run a block with ``values`` set in ``os.environ`` (seen by the processes it starts), then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run a block with one thread per numerical library (BLAS, OpenMP), in this process and those it starts.

    The report spreads its work over processes (the NLP workers, the figure worker, the topic grid), so the
    cores are already busy: a BLAS that starts a second thread of its own then waits for a core, and a small
    matrix's SVD took 1.3 s instead of 0.008 s on a shared two-core machine (docs/benchmarks.md, s22-seeds).
    Libraries loaded already are limited through ``threadpoolctl``; those loaded inside the block (scipy's
    own OpenBLAS) read the environment variables set here. Both are restored when the block ends. The
    report's tables and figures were byte-identical with one thread and with the default two (seeds and
    250k-word corpus, docs/benchmarks.md).
    """
    from threadpoolctl import threadpool_limits

    with environment(dict.fromkeys(BLAS_THREADS, "1")), threadpool_limits(limits=1):
        yield
