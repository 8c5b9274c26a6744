"""report.runner.start_ahead: a part's work started in a forked process before its turn, while earlier parts
run; the part then takes the value the call computed there, or runs as usual when nothing was started."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import types

import pytest

from aictlab.report import runner
from aictlab.report.context import ReportContext


@pytest.fixture
def fake_parts(monkeypatch):
    """Three parts: "first" and "late" can start work ahead, "plain" has no ``ahead``; "broken"'s fails."""
    calls = []

    def ahead_of(name):
        def ahead(ctx):
            calls.append(name)
            return lambda: (os.getpid(), f"{name} computed")

        return ahead

    def broken(ctx):
        raise ValueError("too few units")

    modules = {
        "first": types.SimpleNamespace(ahead=ahead_of("first")),
        "plain": types.SimpleNamespace(),
        "broken": types.SimpleNamespace(ahead=broken),
        "late": types.SimpleNamespace(ahead=ahead_of("late")),
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, f"fake_part_{name}", module)
    monkeypatch.setattr(runner, "PARTS", {name: f"fake_part_{name}" for name in modules})
    return calls


def test_work_of_later_parts_is_started_in_another_process(fake_parts, caplog, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # one core starts nothing ahead
    ctx = ReportContext(settings=None, corpus=None)
    caplog.set_level(logging.DEBUG, logger="aictlab.report")
    with contextlib.ExitStack() as stack:
        handles = runner.start_ahead(ctx, ["first", "plain", "broken", "late"], stack)
        assert sorted(handles) == ["late"]  # not the first part (nothing to overlap), nor a failing one
        pid, value = handles["late"].result()
    assert value == "late computed"
    assert pid != os.getpid()
    assert fake_parts == ["late"]  # "first" was not even asked
    assert "part broken: nothing started ahead (too few units)" in caplog.text


@pytest.mark.parametrize(("client", "cores"), [(object(), 2), (None, 1)])
def test_nothing_is_started_ahead_on_the_dask_engine_or_one_core(fake_parts, monkeypatch, client, cores):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    ctx = ReportContext(settings=None, corpus=None, client=client)
    with contextlib.ExitStack() as stack:
        assert runner.start_ahead(ctx, ["first", "late"], stack) == {}
    assert fake_parts == []


def test_the_run_keeps_its_long_lived_objects_out_of_the_collectors_full_passes_and_gives_them_back():
    import gc

    assert gc.get_freeze_count() == 0
    with runner._long_lived_frozen():
        at_start = gc.get_freeze_count()
        assert at_start > 1000  # the modules loaded, the test's objects
        kept = [[i] for i in range(5000)]
        gc.freeze()  # as the runner does once the corpus is loaded
        assert gc.get_freeze_count() >= at_start + 5000
    assert gc.get_freeze_count() == 0 and len(kept) == 5000
    gc.freeze()  # a caller's own freeze is left as it was
    try:
        frozen = gc.get_freeze_count()
        with runner._long_lived_frozen():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
