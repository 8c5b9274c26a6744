"""The report command: contract outputs, determinism, --only, failure isolation, bad corpus."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RAW, REPO, SHARED, folder_snapshot

from aictlab.config import Settings
from aictlab.report import runner
from aictlab.report.__main__ import main

CONTRACT = json.loads((SHARED / "contract.json").read_text(encoding="utf-8"))["files"]


def header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Run from a temporary root so that data/processed and figures/ are the test's own."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_corpus_part_writes_contract_files(isolated):
    assert main(["--corpus", str(RAW), "--only", "corpus", "--quiet"]) == 0
    out = isolated / "figures"
    assert header(out / "tables" / "corpus_overview.csv")[:8] == CONTRACT["tables/corpus_overview.csv"]
    for name in ("corpus_overview.png", "corpus_overview.pdf", "REPORT.md", "report.html", "provenance.json"):
        assert (out / name).stat().st_size > 0, name
    provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["corpus"]["corpus_hash"]
    assert provenance["settings"]["seed"] == 42
    assert provenance["outputs_sha256"]["tables/corpus_overview.csv"]
    assert set(provenance["corpus"]["inputs_sha256"]) >= {"metadata.csv"}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html  # self-contained


def test_two_runs_write_identical_tables_and_report(isolated):
    assert main(["--corpus", str(RAW), "--only", "corpus", "--out", "a", "--quiet"]) == 0
    assert main(["--corpus", str(RAW), "--only", "corpus", "--out", "b", "--quiet"]) == 0
    a, b = folder_snapshot(isolated / "a"), folder_snapshot(isolated / "b")
    same = [k for k in a if k != "provenance.json"]
    assert {k: a[k] for k in same} == {k: b[k] for k in same}


def test_bad_corpus_gives_the_error_and_no_outputs(isolated, capsys):
    corpus = isolated / "bad"
    shutil.copytree(RAW, corpus)
    (corpus / "2017-02-09_ciedel-cuf-afd_internationalisation-collectivites.txt").unlink()
    assert main(["--corpus", str(corpus), "--quiet"]) == 2
    assert (
        "file '2017-02-09_ciedel-cuf-afd_internationalisation-collectivites.txt' not found"
        in capsys.readouterr().err
    )
    assert not (isolated / "figures").exists()


def test_a_failing_part_is_marked_and_the_others_finish(isolated, monkeypatch):
    def boom(ctx):
        raise RuntimeError("planted failure")

    import importlib.machinery

    fake = type(sys)("fake_part")
    fake.__spec__ = importlib.machinery.ModuleSpec("fake_part", None)
    fake.run = boom
    monkeypatch.setitem(sys.modules, "fake_part", fake)
    monkeypatch.setattr(runner, "PARTS", {"corpus": runner.PARTS["corpus"], "broken": "fake_part"})
    outcomes = runner.run_report(Settings(corpus=RAW), only=None)
    assert [(o.name, o.status) for o in outcomes] == [("corpus", "ok"), ("broken", "failed")]
    report = (isolated / "figures" / "REPORT.md").read_text(encoding="utf-8")
    assert "planted failure" in report and "## Corpus" in report
    assert (isolated / "figures" / "tables" / "corpus_overview.csv").is_file()


def test_settings_file_and_help(isolated):
    (isolated / "settings.toml").write_text(
        'seed = 7\nperiods = [2010, 2016, 2021]\nlemmatizer = "simplemma"\n'
    )
    from aictlab.report.__main__ import build_parser, resolve_settings

    args = build_parser().parse_args(["--config", "settings.toml", "--seed", "9"])
    settings = resolve_settings(args)
    assert (settings.seed, settings.periods, settings.lemmatizer) == (9, (2010, 2016, 2021), "simplemma")
    (isolated / "bad.toml").write_text("sede = 7\n")
    assert main(["--config", "bad.toml", "--quiet"]) == 2
    help_text = subprocess.run(
        [sys.executable, "-m", "aictlab.report", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    for option in ("--corpus", "--out", "--only", "--lemmatizer", "--periods", "--keep-duplicates", "--lexicon",
                   "--seed", "--bootstrap", "--no-cache", "--quiet", "--verbose"):  # fmt: skip
        assert option in help_text
