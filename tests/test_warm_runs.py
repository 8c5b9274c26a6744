"""Warm runs (issue 15) that stay right (issue 16): figures redrawn only when their inputs change, cached part
results, and a figure cache that heals."""

from __future__ import annotations

import dataclasses
import json
import logging

import numpy as np
import pandas as pd
import pytest
from conftest import RAW, folder_snapshot

from aictlab.config import Settings
from aictlab.plots import new_figure, styled
from aictlab.report import context, runner
from aictlab.report.context import ReportContext, content_digest, unseal


@dataclasses.dataclass
class FakeCorpus:
    cache_key: str = "k"
    corpus_hash: str = "h"


CALLS: list[str] = []


@styled
def plot_bars(table: pd.DataFrame, *, title: str = "counts"):
    """A figure function: bars of ``table['n']`` by ``table['term']``, and the data drawn."""
    CALLS.append(title)
    fig, ax = new_figure(width=3, height=2)
    ax.bar(table["term"], table["n"], color="#555555")
    ax.set_title(title)
    return fig, table[["term", "n"]]


@pytest.fixture
def ctx(tmp_path):
    CALLS.clear()
    return ReportContext(settings=Settings(root=tmp_path, out=tmp_path / "out"), corpus=FakeCorpus())


TABLE = pd.DataFrame({"term": ["coopération", "solidarité", "attractivité"], "n": [5, 3, 8]})


def test_unchanged_figure_is_copied_and_a_changed_table_redraws_it(ctx, tmp_path):
    drawn = ctx.plot("bars", plot_bars, TABLE, title="counts")
    pd.testing.assert_frame_equal(drawn, TABLE)
    png, pdf = (tmp_path / "out" / "bars.png").read_bytes(), (tmp_path / "out" / "bars.pdf").read_bytes()
    assert png.startswith(b"\x89PNG") and pdf.startswith(b"%PDF") and CALLS == ["counts"]
    (entry,) = (tmp_path / "data" / "processed" / "figures").glob("bars-*.pkl")

    (tmp_path / "out" / "bars.png").unlink()  # the output is rewritten from the cache, not drawn again
    again = ctx.plot("bars", plot_bars, TABLE.copy(), title="counts")
    pd.testing.assert_frame_equal(again, TABLE)
    assert CALLS == ["counts"]
    assert (tmp_path / "out" / "bars.png").read_bytes() == png
    assert [p.name for p in ctx.outputs] == ["bars.png", "bars.pdf"] * 2

    changed = TABLE.assign(n=[5, 3, 9])  # one count differs: the figure is redrawn under a new key
    ctx.plot("bars", plot_bars, changed, title="counts")
    assert CALLS == ["counts", "counts"]
    assert (tmp_path / "out" / "bars.png").read_bytes() != png
    ctx.plot("bars", plot_bars, TABLE, title="other title")  # an argument differs: redrawn too
    assert CALLS == ["counts", "counts", "other title"]
    assert len(list(entry.parent.glob("bars-*.pkl"))) == 3


def test_no_cache_setting_redraws(ctx, tmp_path):
    ctx.plot("bars", plot_bars, TABLE)
    ctx.settings = ctx.settings.replace(use_cache=False)
    ctx.plot("bars", plot_bars, TABLE)
    assert CALLS == ["counts", "counts"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b"",  # empty
        lambda data: data[:-3] + b"xyz",  # damaged
        lambda data: context.seal(b"not a pickle"),  # sealed but foreign
    ],
)
def test_damaged_figure_entry_is_redrawn_with_a_warning(ctx, tmp_path, caplog, damage):
    ctx.plot("bars", plot_bars, TABLE)
    png = (tmp_path / "out" / "bars.png").read_bytes()
    (entry,) = (tmp_path / "data" / "processed" / "figures").glob("bars-*.pkl")
    entry.write_bytes(damage(entry.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="aictlab"):
        ctx.plot("bars", plot_bars, TABLE)
    assert CALLS == ["counts", "counts"] and f"cache entry {entry} is damaged" in caplog.text
    assert (tmp_path / "out" / "bars.png").read_bytes() == png  # the same figure, drawn again
    assert unseal(entry.read_bytes())  # healed: the next run is a hit
    ctx.plot("bars", plot_bars, TABLE)
    assert CALLS == ["counts", "counts"]


def test_content_digest_follows_content_not_layout():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    same = pd.DataFrame({"b": ["x", "y"], "a": [1.0, 2.0]})[["a", "b"]].copy()
    assert content_digest(frame) == content_digest(same)
    assert content_digest(frame) != content_digest(frame.assign(a=[1.0, 2.5]))
    assert content_digest(frame) != content_digest(frame.rename(columns={"a": "c"}))
    assert content_digest(frame) != content_digest(frame.set_axis([5, 6]))
    assert content_digest(frame) != content_digest(frame.astype({"a": "float32"}))
    assert content_digest({"x": 1, "y": [np.arange(3)]}) == content_digest({"y": [np.arange(3)], "x": 1})
    assert content_digest([1, 2]) != content_digest((1, 2)) != content_digest([2, 1])
    assert content_digest(pd.DataFrame({"l": [[1, 2], [3]]})) != content_digest(
        pd.DataFrame({"l": [[1], [2, 3]]})
    )

    @dataclasses.dataclass
    class Result:
        table: pd.DataFrame
        k: int

    assert (
        content_digest(Result(frame, 3))
        == content_digest(Result(same, 3))
        != content_digest(Result(frame, 4))
    )
    with pytest.raises(TypeError):
        content_digest(object())
    loop: list = []
    loop.append(loop)
    with pytest.raises(TypeError):
        content_digest(loop)


def test_unhashable_argument_draws_without_cache(ctx, tmp_path):
    @styled
    def plot_with_object(table, thing):
        return plot_bars(table, title=f"with {type(thing).__name__}")

    for _ in range(2):
        ctx.plot("bars", plot_with_object, TABLE, object())
    assert CALLS == ["with object", "with object"]
    assert not (tmp_path / "data" / "processed" / "figures").exists()
    assert (tmp_path / "out" / "bars.png").is_file()


def test_progress_bar_counts_the_steps_of_a_part(ctx, capsys):
    ctx.show_progress = True
    with ctx.progress_bar(total=3, desc="topic grid") as bar:
        for _ in range(3):
            bar.update(1)
        assert bar.n == 3 and bar.total == 3
        bar.refresh()
    shown = capsys.readouterr().err
    assert "topic grid: 3/3" in shown and "remaining" not in shown and "<" not in shown  # no guessed ETA


@pytest.mark.slow
def test_warm_run_writes_the_same_files_as_a_cold_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(corpus=RAW, lemmatizer="simplemma")
    parts = ["corpus", "textometry"]
    cold = runner.run_report(settings, only=parts, progress=True)
    assert [o.status for o in cold] == ["ok", "ok"]
    out = tmp_path / "figures"
    first = folder_snapshot(out)
    figures = sorted(name for name in first if name.endswith((".png", ".pdf")))
    assert len(figures) >= 10 and "keyness_periods.png" in figures and "tables/keyness_periods.csv" in first
    processed = tmp_path / "data" / "processed"
    assert list((processed / "results").glob("textometry_aggregates-*.pkl"))
    assert len(list((processed / "figures").glob("*.pkl"))) == len(figures) // 2

    drawn = []
    monkeypatch.setattr(context, "figure_bytes", lambda fig: drawn.append(fig) or {})
    warm = runner.run_report(settings, only=parts)
    assert [o.status for o in warm] == ["ok", "ok"] and drawn == []  # no figure drawn on a warm run
    again = folder_snapshot(out)
    again.pop("provenance.json"), first.pop("provenance.json")  # it records the date and timings
    assert again == first  # byte-identical tables, figures, sections, REPORT.md, report.html
    provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert set(figures) <= set(provenance["outputs_sha256"])
