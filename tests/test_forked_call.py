"""workers.forked_call: a call computed in a forked process while the caller goes on (its value, its errors,
the process ended on leaving the block), or inline where no process is forked."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest

from aictlab.workers import forked_call

FRAME = pd.DataFrame({"doc_id": ["a", "b", "c"], "n": np.arange(3, dtype=np.int64)})


def _pid_and_sum(frame: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    return os.getpid(), frame.assign(total=frame["n"].cumsum())


@pytest.mark.parametrize("fork", [True, False])
def test_the_value_is_the_one_computed_here(fork):
    with forked_call(lambda: _pid_and_sum(FRAME), fork=fork) as handle:
        pid, value = handle.result()
        assert handle.result()[1] is value  # asked twice, computed once
    pd.testing.assert_frame_equal(value, _pid_and_sum(FRAME)[1])
    assert (pid != os.getpid()) == (fork and (os.cpu_count() or 1) > 1)


def _fails():
    raise ValueError("row 3 of documents.csv: no year")


@pytest.mark.parametrize("fork", [True, False])
def test_an_error_in_the_call_reaches_the_caller(fork):
    with forked_call(_fails, fork=fork) as handle, pytest.raises(ValueError, match="row 3 of documents.csv"):
        handle.result()


def test_a_process_whose_value_is_never_asked_for_is_ended():
    with forked_call(lambda: time.sleep(60)) as handle:
        process = handle._process
    assert not process.is_alive()


def test_a_call_that_kills_its_process_gives_a_clear_error():
    with forked_call(lambda: os._exit(3)) as handle, pytest.raises(RuntimeError, match="exit code 3"):
        handle.result()


def test_an_inline_call_runs_only_when_asked():
    calls = []
    with forked_call(lambda: calls.append(1), fork=False):
        pass
    assert calls == []


def _squares_in_a_pool() -> list[int]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(int.__mul__, range(5), range(5)))


def test_a_call_may_start_worker_processes_when_asked():
    # the topic grid started ahead (report.runner.start_ahead) runs its own process pool
    with forked_call(_squares_in_a_pool, workers=True) as handle:
        assert handle.result() == [0, 1, 4, 9, 16]
    # a daemon process may not (multiprocessing: "daemonic processes are not allowed to have children")
    with forked_call(_squares_in_a_pool) as handle, pytest.raises(AssertionError, match="daemonic"):
        handle.result()


def test_the_process_ends_with_its_call_before_its_value_is_asked_for():
    # 80 MB, far more than a pipe holds: the sender would wait for a reader; a thread of the caller reads it
    # at once, so the process (and the memory it shares with the caller, copied on write) is gone early
    with forked_call(lambda: np.arange(10**7, dtype=np.float64)) as handle:
        handle._process.join(timeout=120)
        assert not handle._process.is_alive()
        value = handle.result()
    assert value.shape == (10**7,) and value[-1] == 10**7 - 1
