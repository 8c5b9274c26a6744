"""Wall time and peak memory of a command's whole process tree: the one measurement every benchmark uses.

Memory is sampled every ``interval`` seconds with psutil (installed with aictlab's dependencies): the peak of
the summed RSS of the process and all its descendants (``tree``), of the process alone (``driver``), and of
its largest descendant (``child``: a Dask worker, a joblib worker). Without psutil, the process's own
``ru_maxrss`` (from ``os.wait4``) is all there is: ``tree`` and ``driver`` are then that, ``child`` 0.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

try:
    import psutil
except ImportError:  # pragma: no cover - psutil ships with the project's environment
    psutil = None

__all__ = ["Measured", "run_measured", "load_average"]


@dataclass
class Measured:
    """One command's wall seconds, peak RSS in MiB (tree, driver, largest child) and exit code."""

    seconds: float
    tree_mib: float
    driver_mib: float
    child_mib: float
    returncode: int


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
) -> Measured:
    """Run ``command`` to its end, sampling its process tree's memory; never raises on a non-zero exit.

    ``stdout`` / ``stderr``: files that receive the streams (default: discarded). Files, not pipes, so that
    a chatty command never blocks on a full pipe. ``timeout``: seconds after which the process tree is
    killed (its return code is then negative); needs psutil.
    """
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # closed below
    err = open(stderr, "wb") if stderr else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        if psutil is None:
            process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
            peak = usage.ru_maxrss / 1024  # KiB on Linux
            return Measured(seconds, peak, peak, 0.0, os.waitstatus_to_exitcode(status))
        process = psutil.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        tree = driver = child = 0
        while process.poll() is None:
            try:
                own = process.memory_info().rss
                others = [p.memory_info().rss for p in process.children(recursive=True) if p.is_running()]
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
        seconds = time.perf_counter() - start
        return Measured(seconds, tree / 2**20, driver / 2**20, child / 2**20, process.returncode)
    finally:
        for handle in (out, err):
            if handle is not subprocess.DEVNULL:
                handle.close()
