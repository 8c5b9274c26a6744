"""Wall time and peak memory of a command's whole process tree: the one measurement every benchmark uses.

Memory is sampled every ``interval`` seconds with psutil (installed with aictlab's dependencies): the peak of
the summed RSS of the process and all its descendants (``tree``), of the process alone (``driver``), and of
its largest descendant (``child``: a Dask worker, a joblib worker). Without psutil, the process's own
``ru_maxrss`` (from ``os.wait4``) is all there is: ``tree`` and ``driver`` are then that, ``child`` 0.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

try:
    import psutil
except ImportError:  # pragma: no cover - psutil ships with the project's environment
    psutil = None

__all__ = ["Measured", "run_measured", "load_average", "cpu_between"]


@dataclass
class Measured:
    """One command's wall seconds, peak RSS in MiB (tree, driver, largest child), exit code and CPU seconds.

    ``cpu_seconds``: user + system time of the command and the descendants it waited for (``RUSAGE_CHILDREN``
    of this process before and after; exact when one command runs at a time). On a shared, oversubscribed
    machine it varies much less than wall time: compare both.
    """

    seconds: float
    tree_mib: float
    driver_mib: float
    child_mib: float
    returncode: int
    cpu_seconds: float = float("nan")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load_average() -> float:
    """The 1-minute load average (0.0 where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def run_measured(
    command: list[str],
    *,
    cwd: Path | None = None,
    env: dict | None = None,
    stdout: Path | None = None,
    stderr: Path | None = None,
    interval: float = 0.1,
    timeout: float | None = None,
    trace: list | None = None,
) -> Measured:
    """Run ``command`` to its end, sampling its process tree's memory; never raises on a non-zero exit.

    ``stdout`` / ``stderr``: files that receive the streams (default: discarded). Files, not pipes, so that
    a chatty command never blocks on a full pipe. ``timeout``: seconds after which the process tree is
    killed (its return code is then negative); needs psutil. ``trace``: a list that receives
    ``(time.time(), cpu)`` at every sample, ``cpu`` the CPU seconds used so far by the tree (user + system of
    each live process and of the children it reaped), so that the CPU time of a stretch of the run (a report
    part, from its log's timestamps) can be read off (:func:`cpu_between`).
    """
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # closed below
    err = open(stderr, "wb") if stderr else subprocess.DEVNULL
    try:
        start, cpu_before = time.perf_counter(), _children_cpu()
        if psutil is None:
            process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
            peak = usage.ru_maxrss / 1024  # KiB on Linux
            cpu = usage.ru_utime + usage.ru_stime
            return Measured(seconds, peak, peak, 0.0, os.waitstatus_to_exitcode(status), cpu)
        process = psutil.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        tree = driver = child = 0
        cpu_so_far = 0.0
        while process.poll() is None:
            try:
                descendants = [p for p in process.children(recursive=True) if p.is_running()]
                own = process.memory_info().rss
                others = [p.memory_info().rss for p in descendants]
                if trace is not None:
                    times = [p.cpu_times() for p in [process, *descendants]]
                    used = sum(t.user + t.system + t.children_user + t.children_system for t in times)
                    cpu_so_far = max(
                        cpu_so_far, used
                    )  # a child between exit and reaping is counted by neither
                    trace.append((time.time(), cpu_so_far))
            except psutil.Error:  # a process ended between listing and reading
                time.sleep(interval)
                continue
            if timeout is not None and time.perf_counter() - start > timeout:
                for p in [*process.children(recursive=True), process]:
                    with contextlib.suppress(psutil.Error):
                        p.kill()
            driver = max(driver, own)
            child = max([child, *others])
            tree = max(tree, own + sum(others))
            time.sleep(interval)
        seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu_before
        return Measured(seconds, tree / 2**20, driver / 2**20, child / 2**20, process.returncode, cpu)
    finally:
        for handle in (out, err):
            if handle is not subprocess.DEVNULL:
                handle.close()


def cpu_between(trace: list, start: float, end: float) -> float | None:
    """CPU seconds the tree used between two ``time.time()`` instants, from a :func:`run_measured` trace.

    Each instant takes the last sample at or before it (samples are ``interval`` apart); None when the
    trace does not cover ``start``.
    """
    import bisect

    times = [t for t, _ in trace]
    i, j = bisect.bisect_right(times, start) - 1, bisect.bisect_right(times, end) - 1
    if not trace or j < 0:
        return None
    before = trace[i][1] if i >= 0 else 0.0  # before the first sample: the process had just started
    return trace[j][1] - before
