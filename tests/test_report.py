"""The report command: contract outputs, determinism, --only, failure isolation, bad corpus."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, RAW, REPO, folder_snapshot

from aictlab.config import Settings
from aictlab.report import runner
from aictlab.report.__main__ import main

CONTRACT = json.loads((FIXTURES / "contract.json").read_text(encoding="utf-8"))["files"]


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


SMALL = """\
bootstrap = 499
robustness_bootstrap = 99
topic_k = [3, 4]
topic_seeds = 2
"""


@pytest.fixture(scope="module")
def full_report(tmp_path_factory):
    """The whole report on the seeds, with small B and a small topic grid, run twice without cache."""
    root = tmp_path_factory.mktemp("report")
    (root / "small.toml").write_text(SMALL, encoding="utf-8")
    common = ["--root", str(root), "--corpus", str(RAW), "--config", str(root / "small.toml"), "--quiet"]
    codes = [main([*common, "--out", out, "--no-cache"]) for out in ("a", "b")]
    return root, codes


@pytest.mark.slow
def test_full_report_writes_every_contract_file(full_report):
    root, codes = full_report
    assert codes == [0, 0]
    out = root / "a"
    for name, columns in CONTRACT.items():
        path = out / name
        assert path.is_file() and path.stat().st_size > 0, name
        if name.endswith(".csv"):
            assert set(columns) <= set(header(path)), name
    verdict = list(csv.DictReader(open(out / "tables" / "drift_verdict.csv", encoding="utf-8")))
    assert len(verdict) == 1 and verdict[0]["verdict"] in {
        "substitution", "stratification", "reversal", "no_drift", "inconclusive"
    }  # fmt: skip
    report = (out / "REPORT.md").read_text(encoding="utf-8")
    assert report.index("Verdict") < report.index("## Corpus")  # the verdict and its numbers first
    for section in ("## Corpus", "## Frame drift", "## Textometry", "## Topic", "## Exports"):
        assert section in report
    # the variant of smallest ΔD is named for what it is, in the headline and in the robustness section alike
    panel = list(csv.DictReader(open(out / "tables" / "robustness.csv", encoding="utf-8")))[1:]
    flips = [row["variant"] for row in panel if row["same_sign_as_main"] == "False"]
    named, other = ("furthest across zero", "closest to flipping")[:: 1 if flips else -1]
    assert f"; {named}: " in report and f"{named.capitalize()}: **" in report
    assert other not in report.lower()
    # one document per compared period: the semantic change resamples segments within documents only, so the
    # synthesis lets it decide nothing (it said "Only the semantic scaling view decides" on the seeds)
    change = list(csv.DictReader(open(out / "tables" / "semantic_change.csv", encoding="utf-8")))[0]
    assert change["resampling"].startswith("segments within documents") and float(change["ci_high"]) < 0
    synthesis = report.split("## Synthesis", 1)[1].split("\n## ", 1)[0]
    assert "| semantic scaling |" in synthesis and "undetermined (within-document noise only)" in synthesis
    assert "No view decides a direction on this corpus." in synthesis
    for png in ("corpus_overview", "drift_index", "robustness", "ca_biplot"):
        assert (out / f"{png}.png").is_file() and (out / f"{png}.pdf").is_file()
    assert (out / "exports" / "corpus_iramuteq.txt").is_file()


@pytest.mark.slow
def test_two_full_runs_are_byte_identical(full_report):
    root, _ = full_report
    a, b = folder_snapshot(root / "a"), folder_snapshot(root / "b")
    assert a.keys() == b.keys()
    differing = sorted(k for k in a if a[k] != b[k])
    assert differing == ["provenance.json"]


@pytest.mark.slow
def test_only_rebuilds_what_it_names(full_report):
    root, _ = full_report
    out = root / "a"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    same = ["--config", str(root / "small.toml")]  # same settings: the other parts' sections stay valid
    assert (
        main(["--root", str(root), "--corpus", str(RAW), "--out", "a", "--only", "corpus", *same, "--quiet"])
        == 0
    )
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    changed = {p.relative_to(out).as_posix() for p in before if after[p] != before[p]}
    assert "tables/corpus_overview.csv" in changed and "corpus_overview.png" in changed
    assert not any(
        n.startswith(("tables/drift", "tables/topic", "tables/keyness", "tables/ca_")) for n in changed
    )
    assert {"REPORT.md", "provenance.json"} <= changed
    report = (out / "REPORT.md").read_text(encoding="utf-8")
    assert (
        "## Topic" in report and "Not shown" not in report
    )  # other parts' sections (same settings) are kept
    # other settings (the default bootstrap): the other parts' sections are not shown beside the new numbers
    assert main(["--root", str(root), "--corpus", str(RAW), "--out", "a", "--only", "corpus", "--quiet"]) == 0
    report = (out / "REPORT.md").read_text(encoding="utf-8")
    others = ", ".join(f"`{name}`" for name in runner.PARTS if name != "corpus")
    assert "## Topic" not in report and f"**Not shown: {others}.**" in report


def test_table_bytes_are_pandas_csv_with_ten_significant_digits():
    import numpy as np
    import pandas as pd

    from aictlab.report.context import table_bytes

    frame = pd.DataFrame(
        {
            "x": [0.1, np.nan, np.inf, -np.inf, -0.0, 1e-300, 123456789012.5],
            "x32": np.float32([1 / 3, 2, np.nan, 4, 5, 6, 7]),
            "text": ["a,b", None, "z", 'q"', "", "é", "1"],
            "count": pd.array([1, None, 3, 4, 5, 6, 7], dtype="Int64"),
            "share": pd.array([0.5, None, 1, 2, 3, 4, 5], dtype="Float64"),
            "flag": [True, False, True, False, True, False, True],
            "mixed": [1.5, None, "a", 2, 3, 4, 5],
        }
    )
    expected = frame.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")
    assert table_bytes(frame) == expected
    assert expected.splitlines()[1] == b'0.1,0.3333333433,"a,b",1,0.5,True,1.5'
    assert table_bytes(frame[["x", "x"]]) == frame[["x", "x"]].to_csv(
        index=False, lineterminator="\n", float_format="%.10g"
    ).encode("utf-8")
