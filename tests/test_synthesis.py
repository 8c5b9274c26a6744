"""Tests of the report's synthesis: directions by the stated rules, agreement computed, views not run listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from aictlab.config import Settings
from aictlab.report.runner import run_report
from aictlab.report.synthesis import NOISE_ONLY, agreement_sentence, interval_direction, synthesis_table
from aictlab.synthetic import simulate_documents

VERDICT = {"first_period": "2010-2014", "last_period": "2025-2029", "drift_change": 2.5, "ci_low": 0.33,
           "ci_high": 4.8, "frames": ["solidarite", "attractivite"],
           "frame_labels": ["solidarité", "attractivité"]}  # fmt: skip


def shares(first_a, last_a):
    """Topic shares with narrow intervals: solidarité flat at 0.3, attractivité ``first_a`` → ``last_a``."""
    band = lambda p: {"prevalence": p, "ci_low": p - 0.01, "ci_high": p + 0.01}  # noqa: E731
    return {"lda": {"2010-2014": {"solidarite": band(0.3), "attractivite": band(first_a)},
                    "2025-2029": {"solidarite": band(0.3), "attractivite": band(last_a)}}}  # fmt: skip


def test_views_agree_disagree_or_do_not_run():
    topics_up = {"primary_model": "lda", "frame_shares": shares(0.1, 0.2)}
    semantic_down = {"first_period": "2010-2014", "last_period": "2025-2029", "change": -0.36, "ci_low": -0.63,
                     "ci_high": -0.08}  # fmt: skip
    table = synthesis_table({"verdict": VERDICT, "topics": topics_up, "semantic": semantic_down})
    assert table["direction"].tolist() == ["toward attractivité", "toward attractivité", "toward solidarité"]
    assert "views disagree" in agreement_sentence(table)
    assert agreement_sentence(synthesis_table({"verdict": VERDICT, "topics": topics_up})) == (
        "The 2 views that decide agree: toward attractivité."
    )
    flat = {"primary_model": "lda", "frame_shares": shares(0.1, 0.105)}  # overlapping intervals
    table = synthesis_table({"topics": flat, "verdict": None})
    assert table["direction"].tolist() == ["not run", "undetermined", "not run"]
    assert agreement_sentence(table) == "No view decides a direction on this corpus."
    # only the lexicon decides
    only = synthesis_table({"verdict": VERDICT, "topics": flat})
    assert agreement_sentence(only) == (
        "Only the lexicon view decides (toward attractivité); the other 1 view(s) that ran cannot tell."
    )


def test_directions_take_the_recorded_frame_labels():
    """Another frame pair: the directions are named after the labels the frames part recorded."""
    verdict = {
        **VERDICT,
        "frames": ["fraternite", "rayonnement"],
        "frame_labels": ["fraternité", "rayonnement"],
    }
    topics = {"primary_model": "lda", "frame_shares": {
        "lda": {"2010-2014": {"fraternite": {"prevalence": 0.3, "ci_low": 0.29, "ci_high": 0.31}},
                "2025-2029": {"fraternite": {"prevalence": 0.5, "ci_low": 0.49, "ci_high": 0.51}}}}}  # fmt: skip
    table = synthesis_table({"verdict": verdict, "topics": topics})
    # ΔD > 0 leans to the "to" frame; the "from" frame's topic rising leans to the "from" frame
    assert table["direction"].tolist() == ["toward rayonnement", "toward fraternité", "not run"]
    assert "attractivité" not in agreement_sentence(table) and "rayonnement" in agreement_sentence(table)
    # without a frames part, the semantic part's record names the frames
    semantic = {"first_period": "a", "last_period": "b", "change": 1.0, "ci_low": 0.5, "ci_high": 1.5,
                "frames": ["fraternite", "rayonnement"], "frame_labels": ["fraternité", "rayonnement"]}  # fmt: skip
    assert synthesis_table({"semantic": semantic})["direction"].tolist() == [
        "not run", "not run", "toward rayonnement"
    ]  # fmt: skip
    # nothing recorded: the frame names given stand for themselves
    unlabelled = {k: v for k, v in VERDICT.items() if k not in ("frames", "frame_labels")}
    bare = synthesis_table({"verdict": unlabelled}, ("entraide", "ouverture"))
    assert bare["direction"].iloc[0] == "toward ouverture"
    assert interval_direction(-2.0, -1.0, ("fraternité", "rayonnement")) == "toward fraternité"
    assert interval_direction(float("nan"), 1.0, ("fraternité", "rayonnement")) == "undetermined"


OTHER_LEXICON = """
frames:
  fraternite: {label: Fraternité, description: helping one another}
  rayonnement: {label: Rayonnement, description: shining abroad}
terms:
""" + "".join(
    f"  - {{term: {t}, frame: {f}, tier: core, justification: test}}\n"
    for f, terms in (("rayonnement", ("attractivité", "compétitivité", "investisseur", "tourisme")),
                     ("fraternite", ("solidarité", "réciprocité", "paix", "pauvreté", "entraide")))
    for t in terms
)  # fmt: skip


@pytest.mark.slow
def test_report_names_another_frame_pair_by_its_labels(tmp_path):
    """A lexicon whose frames are not solidarité / attractivité: the synthesis, the headline and the semantic
    prose name the lexicon's frames (the corpus plants the "to" frame ×2 per decade)."""
    docs, _ = simulate_documents(40, years=(2005, 2024), median_tokens=600, seed=3)
    folder = tmp_path / "corpus"
    folder.mkdir()
    for d in docs.itertuples():
        (folder / d.file).write_text(d.raw_text, encoding="utf-8")
    docs.drop(columns="raw_text").to_csv(folder / "metadata.csv", index=False)
    (tmp_path / "lexicon.yaml").write_text(OTHER_LEXICON, encoding="utf-8")
    settings = Settings(
        root=tmp_path, corpus=folder, out=Path("out"), processed=Path("processed"), lemmatizer="simplemma",
        lexicon=Path("lexicon.yaml"), drift_frames=("fraternite", "rayonnement"), bootstrap=99,
        robustness_bootstrap=19,
    )  # fmt: skip
    outcomes = run_report(settings, only=["frames", "semantic"])
    assert {o.name: o.status for o in outcomes} == {"frames": "ok", "semantic": "ok"}
    report = (tmp_path / "out" / "REPORT.md").read_text(encoding="utf-8")
    synthesis = report.split("## Synthesis", 1)[1].split("\n## ", 1)[0]
    assert "toward rayonnement" in synthesis  # the lexicon view sees the planted rise
    semantic = report.split("## Semantic scaling", 1)[1]
    assert "core terms of Rayonnement (+) and Fraternité (−)" in semantic
    assert "drift index over the same periods is toward rayonnement" in semantic
    for text in (synthesis, semantic):
        assert "attractivité" not in text.lower() and "solidarité" not in text.lower()


def test_topics_row_says_when_no_topic_leans_to_a_frame():
    """Zeros of frames no topic leans to are not a measurement: the row says so, with what "leans" means."""
    zero = {"prevalence": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    shares0 = {"lda": {p: {"solidarite": zero, "attractivite": zero, "other": {**zero, "prevalence": 1.0}}
                       for p in ("2010-2014", "2025-2029")}}  # fmt: skip
    records = [{"model": "lda", "topic": k, "label": "x", "frame": "other"} for k in (1, 2, 3)]
    records.append({"model": "nmf", "topic": 1, "label": "y", "frame": "attractivite"})  # another model's
    topics = {"primary_model": "lda", "frame_shares": shares0, "topics": records}
    row = synthesis_table({"verdict": VERDICT, "topics": topics}).iloc[1]
    assert row["direction"] == "undetermined"
    assert row["estimate"].startswith(
        "no topic leans to solidarité or attractivité (a topic *leans* to a frame"
    )
    assert "0.000" not in row["estimate"] and "top-20 term weight" in row["estimate"]
    # one frame with a leaning topic: its shares decide, the other is said to have none
    lean = {"lda": {"2010-2014": {"solidarite": zero, "attractivite": {"prevalence": 0.1, "ci_low": 0.09,
                                                                       "ci_high": 0.11}},
                    "2025-2029": {"solidarite": zero, "attractivite": {"prevalence": 0.3, "ci_low": 0.29,
                                                                       "ci_high": 0.31}}}}  # fmt: skip
    records[0]["frame"] = "attractivite"
    topics = {"primary_model": "lda", "frame_shares": lean, "topics": records}
    row = synthesis_table({"verdict": VERDICT, "topics": topics}).iloc[1]
    assert row["estimate"] == "attractivite: 0.100 → 0.300; no topic leans to solidarité"
    assert row["direction"] == "toward attractivité"


def test_an_interval_of_within_document_noise_only_decides_nothing():
    """With too few documents in a compared period, the views' intervals resample segments within documents:
    a period difference is then also a document difference that they do not measure. Such a view keeps its
    estimate and decides no direction; a view that recorded nothing is taken as resampling documents."""
    semantic = {"first_period": "2010-2014", "last_period": "2025-2029", "change": -0.36, "ci_low": -0.63,
                "ci_high": -0.08}  # fmt: skip
    topics_up = {"primary_model": "lda", "frame_shares": shares(0.1, 0.2)}
    noise = {
        "verdict": {**VERDICT, "within_documents": True},
        "topics": {**topics_up, "within_documents": {"lda": True}},
        "semantic": {**semantic, "within_documents": True},
    }
    table = synthesis_table(noise)
    assert table["direction"].tolist() == [NOISE_ONLY] * 3
    assert table["estimate"].iloc[2] == "-0.36 [-0.63, -0.08]"
    assert agreement_sentence(table) == "No view decides a direction on this corpus."
    assert table["rule"].str.endswith("an interval of within-document noise only decides nothing").all()
    # documents resampled (recorded False, or not recorded): the same intervals decide
    documents = {**noise, "verdict": VERDICT, "semantic": {**semantic, "within_documents": False}}
    assert synthesis_table(documents)["direction"].tolist() == [
        "toward attractivité", NOISE_ONLY, "toward solidarité"
    ]  # fmt: skip
    # an undetermined interval stays "undetermined", whatever it resampled
    labels = ("solidarité", "attractivité")
    assert interval_direction(-0.2, 0.3, labels, within_documents=True) == "undetermined"
    assert interval_direction(0.2, 0.3, labels, within_documents=True) == NOISE_ONLY
