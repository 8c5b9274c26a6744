"""The report on corpora nobody tuned it for: a synthetic 60-document corpus (several organisers and genres,
16 years), a 3-document corpus and an IRaMuTeQ file without organiser or genre. Every part succeeds or says
in its section why it could not run; no sentence of the seed narrative, no empty sentence; and the rules
that scale with the corpus (Reinert's term filter, the topic vocabulary and K grid, degenerate results)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aictlab import reinert as rn
from aictlab import topics as tp
from aictlab.config import Settings
from aictlab.errors import SettingsError
from aictlab.report.runner import run_report
from aictlab.synthetic import simulate_documents

#: Words of the seed corpus and of its former hand-written narrative, which no other corpus's report may hold.
SEED_WORDS = ("ciedel", "cnfpt", "meae_2025", "cuf_2023", "seminar", "METHODS §")
#: Sentence shapes left when a computed list is empty.
EMPTY_PATTERNS = (": ;", ": .", "[]", "(): ", ", .")


def _write_folder(docs: pd.DataFrame, folder: Path, columns: list[str] | None = None) -> Path:
    folder.mkdir(parents=True)
    for d in docs.itertuples():
        (folder / d.file).write_text(d.raw_text, encoding="utf-8")
    meta = docs.drop(columns="raw_text")
    (meta[columns] if columns else meta).to_csv(folder / "metadata.csv", index=False)
    return folder


def _settings(root: Path, corpus: Path) -> Settings:
    return Settings(
        root=root,
        corpus=corpus,
        out=Path("out"),
        processed=Path("processed"),
        lemmatizer="simplemma",
        bootstrap=99,
        robustness_bootstrap=19,
        topic_k=(2, 3, 4),
        topic_seeds=1,
    )


def _run(root: Path, corpus: Path) -> dict:
    outcomes = run_report(_settings(root, corpus))
    out = root / "out"
    return {
        "outcomes": {o.name: (o.status, o.error) for o in outcomes},
        "report": (out / "REPORT.md").read_text(encoding="utf-8"),
        "sections": {p.stem: p.read_text(encoding="utf-8") for p in (out / "sections").glob("*.md")},
        "out": out,
    }


@pytest.fixture(scope="session")
def synthetic_report(tmp_path_factory):
    """60 documents, 6 organisers, 4 genres, years 2008-2023, ~500 tokens each: the whole report."""
    root = tmp_path_factory.mktemp("any60")
    docs, planted = simulate_documents(60, years=(2008, 2023), median_tokens=500, seed=7)
    run = _run(root, _write_folder(docs, root / "corpus"))
    return {**run, "docs": docs, "planted": planted}


@pytest.fixture(scope="session")
def tiny_report(tmp_path_factory):
    """3 documents of ~150 tokens: too small for topic models."""
    root = tmp_path_factory.mktemp("any3")
    docs, _ = simulate_documents(3, years=(2008, 2023), median_tokens=150, seed=7)
    return _run(root, _write_folder(docs, root / "corpus", ["doc_id", "file", "date"]))


@pytest.fixture(scope="session")
def iramuteq_report(tmp_path_factory):
    """An IRaMuTeQ file of 20 texts with only ``*doc_`` and ``*year_`` variables (no organiser, no genre)."""
    root = tmp_path_factory.mktemp("anyira")
    docs, _ = simulate_documents(20, years=(1990, 2020), median_tokens=400, seed=5)
    lines = []
    for d in docs.itertuples():
        lines += [f"**** *doc_{d.doc_id} *year_{d.date[:4]}", d.raw_text]
    path = root / "corpus.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return _run(root, path)


def _prose(text: str) -> list[str]:
    """Lines of running text (not tables, not figure links)."""
    return [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("|", "!["))]


def _check_prose(report: str) -> None:
    lower = report.lower()
    for word in SEED_WORDS:
        assert word.lower() not in lower, word
    for line in _prose(report):
        for pattern in EMPTY_PATTERNS:
            assert pattern not in line, (pattern, line)
        assert not re.search(r"\bnan\b", line, flags=re.IGNORECASE), line


def _check_figures(out: Path, report: str) -> None:
    linked = re.findall(r"\]\(([\w\-.]+)\.png\)", report)
    assert linked
    for name in linked:
        assert (out / f"{name}.png").stat().st_size > 0, name
        assert (out / f"{name}.pdf").stat().st_size > 0, name
    for png in out.glob("*.png"):
        assert png.with_suffix(".pdf").exists(), png.name


# -- the whole report on a 60-document corpus -----------------------------------------------------------------
@pytest.mark.slow
def test_every_part_runs_on_a_multi_document_corpus(synthetic_report):
    outcomes = synthetic_report["outcomes"]
    assert set(outcomes) >= {"corpus", "frames", "textometry", "topics", "exports"}
    assert {name: status for name, (status, _) in outcomes.items()} == dict.fromkeys(outcomes, "ok"), outcomes


@pytest.mark.slow
def test_synthetic_report_has_no_seed_or_empty_sentence(synthetic_report):
    report = synthetic_report["report"]
    _check_prose(report)
    # 60 documents over 4 periods: no end period holds a single document, so the report must not say so
    assert "holds a single document" not in report
    assert "Each period holds a single document" not in report
    # ~15 documents per period: the per-period drift index resamples documents, as the contrast does
    per = pd.read_csv(synthetic_report["out"] / "tables" / "drift_by_period.csv")
    assert per["resampled_unit"].eq("document").all()
    assert "intervals of periods: documents resampled within their period as in the period contrast" in report
    assert "segment-bootstrap CI, within-document noise only" not in report
    # topic prevalence follows the same rule, and the topics reading guide says so
    prev = pd.read_csv(synthetic_report["out"] / "tables" / "topic_prevalence.csv")
    assert prev["resampled_unit"].eq("document").all() and prev["interval"].eq("expanded percentile").all()
    assert re.search(r"95 % CI \(B = \d+, seed \d+\): documents resampled within their period", report)
    _check_figures(synthetic_report["out"], report)


@pytest.mark.slow
def test_corpus_section_is_computed_from_the_documents(synthetic_report):
    docs = synthetic_report["docs"]
    years = pd.to_datetime(docs["date"]).dt.year
    section = synthetic_report["sections"]["corpus"]
    assert f"60 documents dated {years.min()}–{years.max()}, {years.nunique()} distinct years" in section
    per_period = (years // 5 * 5).value_counts().sort_index()
    listing = ", ".join(f"{p}-{p + 4}: {n}" for p, n in per_period.items())
    assert f"Documents per period ({len(per_period)} periods): {listing}." in section
    assert "distinct organisers and genres" in section
    design = pd.read_csv(synthetic_report["out"] / "tables" / "corpus_design.csv")
    assert design["n_documents"].sum() == 60
    assert design["n_organiser"].max() == docs.groupby(years // 5)["organiser"].nunique().max()
    # 60 documents: the section lists the first 30 and says where the rest is
    assert "First 30 of 60 documents" in section


@pytest.mark.slow
def test_textometry_and_topics_state_their_scaled_rules(synthetic_report):
    text = synthetic_report["sections"]["textometry"]
    segments = pd.read_csv(synthetic_report["out"] / "tables" / "reinert_segments.csv")
    n = len(segments)
    assert n < 2000  # so the rule gives the floor
    assert f"present in ≥ 3 segments; rule max(3, ⌈0.0015 × {n} segments⌉)" in text
    topics = synthetic_report["sections"]["topics"]
    assert "rule: max(2, ⌈0.0005 ×" in topics
    assert "the cap K <= units / 30" in topics


# -- small and variable-free corpora ----------------------------------------------------------------------------
@pytest.mark.slow
def test_tiny_corpus_runs_and_says_why_topics_did_not(tiny_report):
    outcomes = tiny_report["outcomes"]
    assert all(status == "ok" for status, _ in outcomes.values()), outcomes
    topics = tiny_report["sections"]["topics"]
    m = re.search(r"Not run: too few segments for topic models: (\d+) < 100\.", topics)
    assert m and int(m.group(1)) < 100
    reinert = re.search(
        r"Not run: too few segments for a Reinert classification: (\d+) < 20 × k = 100",
        tiny_report["sections"]["textometry"],
    )
    assert reinert and int(reinert.group(1)) < 100
    assert "no organiser, genre or source variable" in tiny_report["sections"]["corpus"]
    _check_prose(tiny_report["report"])
    _check_figures(tiny_report["out"], tiny_report["report"])


@pytest.mark.slow
def test_iramuteq_file_without_organiser_or_genre(iramuteq_report):
    outcomes = iramuteq_report["outcomes"]
    assert all(status == "ok" for status, _ in outcomes.values()), outcomes
    exports = iramuteq_report["sections"]["exports"]
    assert "20 texts (`*doc_`, `*year_`, `*date_`)" in exports
    exported = (iramuteq_report["out"] / "exports" / "corpus_iramuteq.txt").read_text(encoding="utf-8")
    assert exported.count("****") == 20 and "*organiser_" not in exported
    _check_prose(iramuteq_report["report"])


# -- the scaling rules and degenerate results ------------------------------------------------------------------
def test_reinert_term_filter_scales_with_segments():
    assert rn.scaled_min_segments(434) == 3  # the seeds keep the fixed default
    assert rn.scaled_min_segments(2000) == 3
    assert rn.scaled_min_segments(2001) == 4
    assert rn.scaled_min_segments(6300) == 10  # the 1,000 thesis abstracts
    assert rn.scaled_min_segments(10, floor=5) == 5


def _tokens(seg_terms: list[list[str]]) -> pd.DataFrame:
    rows = [
        {"doc_id": f"d{i // 10}", "seg_id": i % 10, "lemma": t, "year": 2020, "pos": "NOUN", "is_stop": False}
        for i, terms in enumerate(seg_terms)
        for t in terms
    ]
    tok = pd.DataFrame(rows)
    tok["tok_pos"] = tok.groupby(["doc_id", "seg_id"]).cumcount()
    return tok


def test_segment_term_matrix_auto_filter_keeps_terms_in_three_segments():
    # 12 segments: "a" in 3 segments, "b" in 2, "c" in 12 -> auto threshold max(3, ceil(0.018)) = 3
    segs = [["c"] for _ in range(12)]
    for i in (0, 4, 8):
        segs[i].append("a")
    for i in (1, 5):
        segs[i].append("b")
    stm = rn.segment_term_matrix(_tokens(segs), pos=None, min_segments="auto")
    assert stm.min_segments == 3
    assert sorted(stm.terms) == ["a", "c"]
    with pytest.raises(SettingsError, match="min_segments"):
        rn.segment_term_matrix(_tokens(segs), pos=None, min_segments=0)


def test_topic_grid_and_vocabulary_scale_with_units():
    assert tp.topic_k_grid(434, range(2, 11)) == list(range(2, 11))  # the seeds: unchanged grid
    assert tp.topic_k_grid(150, range(2, 11)) == [2, 3, 4, 5]
    with pytest.raises(SettingsError, match=r"too few segments for topic models: 12 < 100"):
        tp.topic_k_grid(12, range(2, 11))
    with pytest.raises(SettingsError, match="K <= 100 / 30 = 3"):
        tp.topic_k_grid(100, (5, 6))
    assert [tp.scaled_min_df(n) for n in (434, 4000, 4001, 20_000)] == [2, 2, 3, 10]


def test_degenerate_topics_flags_a_topic_held_by_one_document():
    dt = pd.DataFrame(
        {
            "doc_id": ["d1", "d1", "d2", "d2"] * 2,
            "unit_id": [0, 1, 0, 1] * 2,
            "n_tokens": [10, 10, 10, 30] * 2,
            "topic": [0] * 4 + [1] * 4,
            "proportion": [0.9, 1.0, 0.1, 0.0, 0.1, 0.0, 0.9, 1.0],
        }
    )
    # mass n·θ: topic 0: d1 holds 9 + 10 = 19 of 20 = 0.95 -> flagged; topic 1: d2 holds 9 + 30 = 39 of 40 = 0.975 -> flagged
    bad = tp.degenerate_topics(dt)
    assert bad["topic"].tolist() == [0, 1]
    assert bad["doc_id"].tolist() == ["d1", "d2"]
    np.testing.assert_allclose(bad["share"], [0.95, 0.975])
    assert tp.degenerate_topics(dt, threshold=0.96)["topic"].tolist() == [1]
    # one document only: nothing to flag
    assert tp.degenerate_topics(dt.assign(doc_id="d1")).empty


def test_corpus_overview_figure_draws_years_beyond_forty_documents():
    import matplotlib.pyplot as plt

    from aictlab.plots.corpus import plot_corpus_overview

    n = 41
    overview = pd.DataFrame(
        {
            "doc_id": [f"d{i:02d}" for i in range(n)],
            "year": [2000 + i % 3 for i in range(n)],  # 14, 14, 13 documents in 2000, 2001, 2002
            "tokens": [100] * n,
            "duplicated_share": [0.1] * n,
            "structure_share": [0.0] * n,
        }
    )
    fig, drawn = plot_corpus_overview(overview)
    assert drawn["year"].tolist() == [2000, 2001, 2002]
    assert drawn["n_documents"].tolist() == [14, 14, 13]
    assert drawn["counted"].tolist() == [1260, 1260, 1170]  # 90 counted tokens per document
    assert drawn["duplicated"].tolist() == [140, 140, 130]
    _, per_doc = plot_corpus_overview(overview.head(40))
    assert len(per_doc) == 40 and "n_documents" not in per_doc.columns
    plt.close("all")


def test_degenerate_reinert_class_is_one_above_ninety_percent():
    # the 1,000 thesis abstracts: 6,260 of 6,305 segments in one class, four of 6-21
    n = [6260, 21, 10, 8, 6]
    classes = pd.DataFrame({"class": [1, 2, 3, 4, 5], "n_segments": n, "share": np.array(n) / sum(n)})
    bad = rn.degenerate_classes(classes)
    assert bad["class"].tolist() == [1]
    assert bad["share"].iloc[0] == pytest.approx(6260 / 6305)
    # the same abstracts with the term filter at 10: 2,134 / 1,083 / 509 / 2,561 / 17, nothing flagged
    n = [2134, 1083, 509, 2561, 17]
    readable = pd.DataFrame({"class": [1, 2, 3, 4, 5], "n_segments": n, "share": np.array(n) / sum(n)})
    assert rn.degenerate_classes(readable).empty


def test_topics_started_ahead_give_the_tables_of_a_topics_only_run(synthetic_report, tmp_path):
    # the whole report forks the topics part's computations (grid, final fits, bootstraps) while the earlier
    # parts run (runner.start_ahead); a run of the topics part alone computes them in turn, from an empty
    # cache: the same tables, byte for byte
    corpus = synthetic_report["out"].parent / "corpus"
    outcomes = run_report(_settings(tmp_path, corpus), only=["topics"])
    assert [(o.name, o.status) for o in outcomes] == [("topics", "ok")]
    names = [
        "topic_model_selection.csv", "topics.csv", "topic_prevalence.csv", "frame_topic_prevalence.csv",
        "frame_topic_prevalence_compared.csv", "topic_frame_shares_by_k.csv",
    ]  # fmt: skip
    # the forked process wrote their cache entries, for a warm run to read: the same names as the run alone
    results = synthetic_report["out"].parent / "processed" / "results"
    entries = {f.name.rsplit("-", 1)[0] for f in results.glob("topics_*.pkl")}
    assert entries == {
        f.name.rsplit("-", 1)[0] for f in (tmp_path / "processed" / "results").glob("topics_*.pkl")
    }
    assert {
        "topics_selection",
        "topics_prevalence",
        "topics_seed_ranges",
        "topics_frame_shares_by_k",
    } <= entries
    for name in names:
        alone = (tmp_path / "out" / "tables" / name).read_bytes()
        assert alone == (synthetic_report["out"] / "tables" / name).read_bytes(), name
