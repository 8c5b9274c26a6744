"""No orphan worker after an interrupted run (issue 16): spaCy's and joblib's worker processes end with their
parent.

A child Python process tokenizes with ``n_process=2`` under :func:`aictlab.workers.worker_guard`; once its two
spaCy workers run, the parent alone gets SIGINT (Ctrl-C), SIGTERM (``kill``) or SIGKILL (``kill -9``), and
no worker may be left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from aictlab import progress

SRC = Path(__file__).resolve().parents[1] / "src"

SCRIPT = """
from aictlab import nlp
from aictlab.workers import worker_guard

texts = ("Les villes coopèrent avec leurs partenaires du Sud. " * 5 for _ in range(10**7))
with worker_guard():
    for rows in nlp.iter_tokens(texts, lemmatizer="spacy", n_process=2):
        pass
"""


JOBLIB_SCRIPT = """
import time
from joblib import Parallel, delayed
from aictlab.workers import worker_guard

with worker_guard():
    Parallel(n_jobs=2)(delayed(time.sleep)(600) for _ in range(4))
"""


#: Topic documents of 4,000 random units: a grid that runs for minutes.
TOPIC_DOCS = """
import numpy as np
import pandas as pd
from aictlab import topics as tp
from aictlab.workers import forked_call, worker_guard

rng = np.random.default_rng(0)
vocab = np.array([f"w{i}" for i in range(400)])
docs = pd.DataFrame({
    "doc_id": [f"d{i // 40}" for i in range(4000)],
    "unit_id": [f"s{i}" for i in range(4000)],
    "year": 2010 + np.arange(4000) // 800,
    "n_tokens": 40,
    "terms": [tuple(rng.choice(vocab, 40)) for _ in range(4000)],
})
grids = lambda: [tp.select_topic_models(docs, k=range(2, 11), n_seeds=20, n_jobs=2) for _ in range(100)]
"""

TOPIC_GRID_SCRIPT = (
    TOPIC_DOCS
    + """
with worker_guard():
    grids()
"""
)

#: The report's topic grid started ahead (report.runner.start_ahead): a forked process that runs the grid's own
#: process pool, so the pool's workers are the parent's grandchildren.
AHEAD_GRID_SCRIPT = (
    TOPIC_DOCS
    + """
with worker_guard(), forked_call(grids, workers=True) as ahead:
    ahead.result()
"""
)


def _interrupt_and_check(script: str, signum: int, what: str) -> None:
    """Run ``script`` in a child Python, wait for at least two processes under it, signal the child alone,
    and assert that none of the processes under it survives."""
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    parent = subprocess.Popen([sys.executable, "-c", script], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        workers: list[psutil.Process] = []
        while len(workers) < 2 and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.5)
            workers = psutil.Process(parent.pid).children(recursive=True)
        assert len(workers) >= 2, f"the {what} workers never started"
        time.sleep(2)  # let them work (and every helper process start)
        workers = psutil.Process(parent.pid).children(recursive=True)
        parent.send_signal(signum)
        parent.wait(timeout=600)  # generous: the test machine may be loaded
        gone, alive = psutil.wait_procs(workers, timeout=120)
        assert alive == [], f"orphan {what} workers after {signum.name}: {[p.pid for p in alive]}"
        assert len(gone) == len(workers)
    finally:
        if parent.poll() is None:
            parent.kill()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_no_spacy_worker_survives_an_interrupted_parent(signum):
    _interrupt_and_check(SCRIPT, signum, "spaCy")


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_no_joblib_worker_survives_an_interrupted_parent(signum):
    # the topic grid's processes (joblib's loky workers), as the report runs them under worker_guard
    _interrupt_and_check(JOBLIB_SCRIPT, signum, "joblib")


def test_nlp_processes_only_for_spacy_on_large_corpora():
    cores = len(os.sched_getaffinity(0))
    assert progress.nlp_processes("simplemma", 10**9) == 1
    assert progress.nlp_processes("spacy", progress.PARALLEL_NLP_CHARS - 1) == 1
    assert progress.nlp_processes("spacy", 10**9) == cores
    assert progress.nlp_processes("spacy", 2 * progress.PARALLEL_NLP_CHARS) == min(cores, 2)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_no_topic_grid_worker_survives_an_interrupted_parent(signum):
    # the topic grid's worker processes (select_topic_models, n_jobs=2), as the report runs them under
    # worker_guard
    _interrupt_and_check(TOPIC_GRID_SCRIPT, signum, "topic grid")


def test_one_blas_thread_limits_loaded_and_later_libraries_and_restores_the_environment(monkeypatch):
    import numpy as np
    from threadpoolctl import threadpool_info

    from aictlab.workers import one_blas_thread

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = [info["num_threads"] for info in threadpool_info()]
    x = np.arange(12.0).reshape(3, 4)
    with one_blas_thread():
        assert all(info["num_threads"] == 1 for info in threadpool_info())
        # libraries loaded inside the block read the environment
        assert os.environ["OPENBLAS_NUM_THREADS"] == os.environ["OMP_NUM_THREADS"] == "1"
        inside = np.linalg.svd(x, compute_uv=False)
    assert [info["num_threads"] for info in threadpool_info()] == before
    assert os.environ["OPENBLAS_NUM_THREADS"] == "3" and "OMP_NUM_THREADS" not in os.environ
    np.testing.assert_array_equal(inside, np.linalg.svd(x, compute_uv=False))


_POOL: list = []


def _half_sent_result(_: object) -> None:
    """A worker's task that writes the first bytes of a result message, then hangs (as a worker killed in the
    middle of sending its result leaves the pipe). Forked: the pool object is this process's copy."""
    import struct

    writer = _POOL[0]._result_queue._writer
    os.write(writer.fileno(), struct.pack("!i", 1_000) + b"x" * 10)
    time.sleep(600)


def test_abandoned_pool_does_not_wait_for_a_half_sent_result():
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from aictlab.workers import abandon_pool

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    _POOL[:] = [pool]
    future = pool.submit(_half_sent_result, None)
    time.sleep(1.5)  # the pool's reader thread now waits for the other 990 bytes
    ended = threading.Event()

    def stop() -> None:
        abandon_pool(pool)
        pool.shutdown(wait=True)
        ended.set()

    threading.Thread(target=stop, daemon=True).start()
    assert ended.wait(60), "the pool's shutdown still waits for the half-sent result"
    with pytest.raises(BrokenProcessPool):
        future.result(timeout=5)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_no_worker_of_a_grid_started_ahead_survives_an_interrupted_parent(signum):
    _interrupt_and_check(AHEAD_GRID_SCRIPT, signum, "topic grid started ahead")
