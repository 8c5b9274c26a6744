"""Settings, outputs, partial runs and caches that never give a wrong answer quietly (issue 16).

Every refusal is checked to name the key or file and to leave the corpus and the output folder untouched.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.machinery
import json
import logging
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import RAW, REPO, folder_snapshot

from aictlab.cache import TABLES
from aictlab.config import SETTING_CHECKS, Settings, check_settings_values, settings_reference
from aictlab.corpus import load_corpus
from aictlab.errors import SettingsError
from aictlab.io import atomic_write_bytes, current_umask
from aictlab.report import runner
from aictlab.report.__main__ import build_parser, main, read_settings_file
from aictlab.report.context import ReportContext, seal, unseal
from aictlab.report.runner import PARTS


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Run from a temporary root so that data/processed and figures/ are the test's own."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- typed settings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('keep_duplicates = "false"\n', r"keep_duplicates = 'false': expected true or false"),
        ('use_cache = "no"\n', r"use_cache = 'no': expected true or false"),
        ('bootstrap = "100"\n', r"bootstrap = '100': expected a whole number from 1 to 10000000"),
        ("seed = -1\n", r"seed = -1: expected a whole number from 0"),
        ("seed = 4.5\n", r"seed = 4.5: expected a whole number"),
        ("periods = [2020, 2010]\n", r"periods = \[2020, 2010\].*not increasing"),
        ("periods = 0\n", r"periods = 0: expected a bin width"),
        (
            "topic_k = [1, 3]\n",
            r"topic_k = \[1, 3\]: expected a list of distinct numbers of topics, each at least 2",
        ),
        ('lemmatizer = "spaCy"\n', r"lemmatizer = 'spaCy': expected one of 'spacy', 'simplemma'"),
        ("sede = 7\n", r"unknown setting 'sede'; did you mean 'seed'\?"),
        ("keep_duplicate = true\n", r"unknown setting 'keep_duplicate'; did you mean 'keep_duplicates'\?"),
        ("out = 3\n", r"out = 3: expected a path"),
    ],
)
def test_bad_settings_file_is_refused_naming_key_value_and_expectation(isolated, capsys, toml, message):
    (isolated / "s.toml").write_text(toml, encoding="utf-8")
    assert main(["--corpus", str(RAW), "--config", "s.toml", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert re.search(rf"aictlab: error: s.toml: {message}", err), err
    assert sorted(p.name for p in isolated.iterdir()) == ["s.toml"]  # nothing written, nothing computed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seed", "-1"], r"command line: seed = -1: expected a whole number from 0"),
        (["--periods", "2020,2010"], r"periods = \(2020, 2010\).*not increasing"),
        (["--bootstrap", "0"], r"bootstrap = 0: expected a whole number from 1"),
        (["--lexicon", "nope.yaml"], r"lexicon = 'nope.yaml': no such file"),
        (["--corpus", "nowhere"], r"corpus = 'nowhere': no such folder or file"),
        (
            ["--periods", "2014,2018", "--lemmatizer", "simplemma"],
            r"periods = \(2014, 2018\): .*earliest year 2012",
        ),
    ],
)
def test_bad_options_are_refused_before_any_work(isolated, capsys, argv, message):
    argv = argv if "--corpus" in argv else ["--corpus", str(RAW), *argv]
    assert main([*argv, "--quiet"]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert [p.name for p in isolated.iterdir()] in ([], ["data"])  # at most the corpus cache: no output
    assert not (isolated / "figures").exists()


def test_settings_file_encodings(isolated):
    (isolated / "bom.toml").write_bytes("\ufeffseed = 7\nkeep_duplicates = false\n".encode())
    assert read_settings_file(isolated / "bom.toml") == {"seed": 7, "keep_duplicates": False}
    (isolated / "latin.toml").write_bytes('lexicon = "données.yaml"\n'.encode("latin-1"))
    with pytest.raises(
        SettingsError, match=r"latin.toml: not UTF-8 \(byte 0xe9 at line 1\); save the settings"
    ):
        read_settings_file(isolated / "latin.toml")
    (isolated / "s.yaml").write_text("periods: [2010, 2016]\ntopic_k_chosen: null\n", encoding="utf-8")
    assert read_settings_file(isolated / "s.yaml") == {"periods": (2010, 2016), "topic_k_chosen": None}


def test_settings_object_validates_every_field_and_normalises():
    settings = Settings(corpus="my corpus", periods=[2010, 2016], topic_k=[2, 3])
    assert (settings.corpus, settings.periods, settings.topic_k) == (Path("my corpus"), (2010, 2016), (2, 3))
    with pytest.raises(SettingsError, match="keep_duplicates = 1: expected true or false"):
        Settings(keep_duplicates=1)
    with pytest.raises(SettingsError, match="segment_size = True: expected a whole number"):
        Settings(segment_size=True)
    assert check_settings_values({"seed": 3}) == {"seed": 3}


def test_every_setting_has_a_check_and_a_readme_row():
    names = [f.name for f in dataclasses.fields(Settings)]
    assert sorted(SETTING_CHECKS) == sorted(names)
    table = settings_reference()
    assert [re.match(r"\| `(\w+)`", line).group(1) for line in table.splitlines()[2:]] == names
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- settings:start", 1)[1].split("-->", 1)[1].split("<!-- settings:end -->")[0]
    assert block.strip() == table.strip()


def test_help_lists_the_parts_and_explains_the_options():
    text = build_parser().format_help()
    flat = " ".join(text.split())
    assert "among: " + ", ".join(PARTS) in flat
    assert "simplemma (dictionary lemmas, no part of speech" in flat
    assert "seed of every random step" in flat and "left edges of the periods" in flat


# --- outputs that cannot hurt the corpus ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--out", "corpus"], r"out = 'corpus' is inside the corpus"),
        (["--out", "corpus/figures"], r"out = 'corpus/figures' is inside the corpus"),
        (["--out", "corpus/../corpus/x"], r"is inside the corpus"),
        (["--config", "p.toml"], r"processed = 'corpus/cache' is inside the corpus"),
        (["--out", "REPORT.txt"], r"out = 'REPORT.txt' is an existing file; give a folder"),
    ],
)
def test_outputs_inside_the_corpus_or_on_a_file_are_refused_up_front(isolated, capsys, extra, message):
    import shutil

    shutil.copytree(RAW, isolated / "corpus")
    (isolated / "p.toml").write_text('processed = "corpus/cache"\n', encoding="utf-8")
    (isolated / "REPORT.txt").write_text("mine", encoding="utf-8")
    before = folder_snapshot(isolated)
    assert main(["--corpus", "corpus", *extra, "--only", "corpus", "--quiet"]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert folder_snapshot(isolated) == before
    assert sorted(p.name for p in isolated.iterdir()) == ["REPORT.txt", "corpus", "p.toml"]


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_written_files_and_cache_folders_follow_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        assert current_umask() == umask
        atomic_write_bytes(tmp_path / "out" / "table.csv", b"a,b\n")
        mode = (tmp_path / "out" / "table.csv").stat().st_mode & 0o777
        assert mode == 0o666 & ~umask
        corpus = _tiny_corpus(tmp_path / "c")
        load_corpus(corpus, lemmatizer="simplemma", cache_dir=tmp_path / "processed")
        (entry,) = (tmp_path / "processed" / "corpus").iterdir()
        assert entry.stat().st_mode & 0o777 == 0o777 & ~umask
        assert (entry / "tokens.parquet").stat().st_mode & 0o777 == 0o666 & ~umask
    finally:
        os.umask(old)


# --- a cache that heals ---------------------------------------------------------------------------------------


def _tiny_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text(
        "La solidarité internationale.\n\nLa coopération décentralisée.", encoding="utf-8"
    )
    (folder / "b.txt").write_text(
        "L'attractivité du territoire.\n\nLe rayonnement international.", encoding="utf-8"
    )
    (folder / "metadata.csv").write_text("doc_id,file,date\na,a.txt,2012\nb,b.txt,2020\n", encoding="utf-8")
    return folder


def _tables(corpus) -> dict:
    return {name: getattr(corpus, name).reset_index(drop=True) for name in TABLES}


def _damage_truncate(entry):
    data = (entry / "segments.parquet").read_bytes()
    (entry / "segments.parquet").write_bytes(data[: len(data) // 2])


def _damage_empty(entry):
    (entry / "tokens.parquet").write_bytes(b"")


def _damage_settings(entry):
    text = (entry / "settings.json").read_text(encoding="utf-8")
    (entry / "settings.json").write_text(text[: len(text) // 2], encoding="utf-8")


def _damage_foreign(entry):  # a valid parquet of other content in place of a table
    segments = pd.read_parquet(entry / "segments.parquet")
    segments.iloc[:1].to_parquet(entry / "segments.parquet", index=False)


def _damage_extra(entry):
    (entry / "stray.parquet").write_bytes(b"PAR1")


@pytest.mark.parametrize(
    "damage", [_damage_truncate, _damage_empty, _damage_settings, _damage_foreign, _damage_extra]
)
def test_damaged_corpus_cache_is_rebuilt_with_a_warning(tmp_path, caplog, damage):
    corpus = _tiny_corpus(tmp_path / "c")
    cache = tmp_path / "processed"
    first = load_corpus(corpus, lemmatizer="simplemma", cache_dir=cache)
    (entry,) = (cache / "corpus").iterdir()
    damage(entry)
    with caplog.at_level(logging.WARNING, logger="aictlab"):
        again = load_corpus(corpus, lemmatizer="simplemma", cache_dir=cache)
    assert f"corpus cache entry {entry} is unusable" in caplog.text
    for name, table in _tables(first).items():
        pd.testing.assert_frame_equal(_tables(again)[name], table, check_dtype=False, obj=name)
    caplog.clear()  # the rebuilt entry is whole again: the next load is a silent hit
    with caplog.at_level(logging.WARNING, logger="aictlab"):
        load_corpus(corpus, lemmatizer="simplemma", cache_dir=cache)
    assert caplog.text == ""


def test_seal_round_trip_and_refusals():
    payload = pickle.dumps({"k": [1, 2, 3]})
    assert unseal(seal(payload)) == payload
    sealed = seal(payload)
    for bad in (sealed[:-1], sealed[:10], b"", payload, sealed[:-1] + b"\x00"):
        with pytest.raises(ValueError):
            unseal(bad)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b"",  # empty
        lambda data: pickle.dumps({"foreign": True}),  # a valid pickle aictlab did not seal
        lambda data: data[:-3] + b"xyz",  # damaged
    ],
)
def test_damaged_results_pickle_is_recomputed_with_a_warning(tmp_path, caplog, damage):
    @dataclasses.dataclass
    class FakeCorpus:
        cache_key: str = "k"
        corpus_hash: str = "h"

    ctx = ReportContext(settings=Settings(root=tmp_path), corpus=FakeCorpus())
    calls = []

    def compute():
        calls.append(1)
        return {"value": 42}

    assert ctx.cached("measure", {"seed": 1}, compute) == {"value": 42}
    (path,) = (tmp_path / "data" / "processed" / "results").glob("measure-*.pkl")
    assert ctx.cached("measure", {"seed": 1}, compute) == {"value": 42} and len(calls) == 1  # a hit
    path.write_bytes(damage(path.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="aictlab"):
        assert ctx.cached("measure", {"seed": 1}, compute) == {"value": 42}
    assert len(calls) == 2 and f"cache entry {path} is damaged" in caplog.text
    assert unseal(path.read_bytes())  # healed


# --- partial runs that never mix ------------------------------------------------------------------------------


def _fake_part(name: str, monkeypatch):
    """A part writing a one-row table holding the run's seed, and a section quoting it."""

    def run(ctx):
        ctx.save_table(pd.DataFrame({"seed": [ctx.settings.seed]}), name)
        return f"## Part {name}\n\nComputed with seed {ctx.settings.seed}.\n"

    module = type(sys)(f"fake_{name}")
    module.__spec__ = importlib.machinery.ModuleSpec(f"fake_{name}", None)
    module.run = run
    monkeypatch.setitem(sys.modules, f"fake_{name}", module)
    return f"fake_{name}"


def test_only_cannot_produce_a_mixed_report(isolated, monkeypatch):
    parts = {name: _fake_part(name, monkeypatch) for name in ("alpha", "beta")}
    monkeypatch.setattr(runner, "PARTS", parts)
    base = Settings(corpus=RAW, lemmatizer="simplemma")
    runner.run_report(base.replace(seed=1))
    out = isolated / "figures"
    report = (out / "REPORT.md").read_text(encoding="utf-8")
    assert "Computed with seed 1." in report and report.count("Computed with seed") == 2

    runner.run_report(base.replace(seed=2), only=["alpha"])  # other settings, one part
    report = (out / "REPORT.md").read_text(encoding="utf-8")
    assert "## Part alpha\n\nComputed with seed 2." in report
    assert "Computed with seed 1." not in report  # beta's section (seed 1) is not shown beside seed 2
    assert "**Not shown: `beta`.**" in report and "Rerun `--only beta`" in report
    provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["settings"]["seed"] == 2
    hashed = set(provenance["outputs_sha256"])
    assert "tables/alpha.csv" in hashed and "tables/beta.csv" not in hashed  # beta's table is seed 1's
    assert provenance["stale_outputs"]["beta"]["files"] == ["sections/beta.md", "tables/beta.csv"]
    record = json.loads((out / "sections" / "alpha.json").read_text(encoding="utf-8"))
    assert (
        record["run"] == provenance["settings_hash"] != provenance["stale_outputs"]["beta"]["settings_hash"]
    )
    assert f"settings hash {record['run']}" in report

    runner.run_report(base.replace(seed=2), only=["beta"])  # beta brought up to date: whole again
    report = (out / "REPORT.md").read_text(encoding="utf-8")
    assert report.count("Computed with seed 2.") == 2 and "Not shown" not in report
    provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert {"tables/alpha.csv", "tables/beta.csv"} <= set(provenance["outputs_sha256"])
    assert provenance["stale_outputs"] == {}
    for name, digest in provenance["outputs_sha256"].items():  # exactly the files it hashes, as they are
        assert digest == __import__("hashlib").sha256((out / name).read_bytes()).hexdigest(), name


def test_html_report_has_contents_anchors_and_scrolling_tables(tmp_path):
    from aictlab.report.render import report_html

    markdown = (
        "# aictlab report\n\n## Corpus\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n### Detail\n\n## Frame drift\n"
    )
    page = report_html(markdown, tmp_path)
    assert '<h2 id="corpus">Corpus <a class="anchor" href="#corpus">#</a></h2>' in page
    assert '<li class="toc2"><a href="#frame-drift">Frame drift</a></li>' in page
    assert '<li class="toc3"><a href="#detail">Detail</a></li>' in page
    assert page.index('<nav class="toc">') > page.index("</h1>")
    assert '<div class="scroll"><table>' in page and ".scroll{overflow-x:auto" in page


def test_render_does_not_import_runner():
    source = (Path(runner.__file__).parent / "render.py").read_text(encoding="utf-8")
    imported = {
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "aictlab.report.runner" not in imported


# --- notebooks keep their backend -----------------------------------------------------------------------------


def test_no_aictlab_module_forces_a_matplotlib_backend():
    code = (
        "import importlib, pkgutil, matplotlib\n"
        "matplotlib.use('svg')\n"
        "import aictlab\n"
        "for m in pkgutil.walk_packages(aictlab.__path__, 'aictlab.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "print(matplotlib.get_backend())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "svg"
