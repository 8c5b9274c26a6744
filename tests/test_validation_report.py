"""The drift on coded hits and the validation report part (docs/methods.md §15): hand-worked values, a coding
sheet round trip through the report, the case of a corpus no sheet covers, the seeds' sheet."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import RAW, make_tokens
from statsmodels.stats.proportion import proportion_confint

from aictlab import coding, drift, frames
from aictlab.adjusted import adjusted_drift
from aictlab.config import PACKAGE_DATA, Settings
from aictlab.lexicon import load_lexicon
from aictlab.report import runner
from aictlab.validate import main
from aictlab.validation import cohen_kappa, hit_ids, read_sheet, wilson_interval

LEX = load_lexicon()


FILL = "le ville de le région pour le action et projet "


@pytest.fixture(scope="module")
def two():
    """a2012: solidarité ×2, paix ×2 (S), attractivité ×1 (A); b2025: attractivité ×3, rayonnement ×3 (A),
    solidarité ×1, paix ×1 (S); 80 lemmas each, 20-lemma segments."""
    d1 = ("le solidarité de le ville et le paix pour projet " * 2 + "le attractivité de le ville pour le projet et région "
          + FILL * 5).split()  # fmt: skip
    d2 = ("le attractivité de le ville et le rayonnement de région " * 3
          + "le solidarité de le ville et le paix pour projet " + FILL * 4).split()  # fmt: skip
    assert len(d1) == len(d2) == 80
    return make_tokens([("a2012", 2012, d1), ("b2025", 2025, d2)], seg_size=20)


#: codes of every hit of ``two``, per (doc, term) in text order
CODES_TWO = {
    ("a2012", "solidarité"): ["use", "mention"],
    ("a2012", "paix"): ["use", "use"],
    ("a2012", "attractivité"): ["use"],
    ("b2025", "attractivité"): ["use", "mention", "use"],
    ("b2025", "rayonnement"): ["use", "use", "use"],
    ("b2025", "solidarité"): ["other_sense"],
    ("b2025", "paix"): ["use"],
}


def code_all(matches, codes):
    m = matches.sort_values(["doc_id", "tok_pos"]).assign(hit_id=lambda t: hit_ids(t))
    m["code"] = m.groupby(["doc_id", "term"]).cumcount().to_numpy()
    m["code"] = [codes[(d, t)][i] for d, t, i in zip(m["doc_id"], m["term"], m["code"], strict=True)]
    return m.assign(coder="c1", note="")


def test_use_only_drift_equals_the_drift_of_hand_filtered_tokens(two):
    data = frames.frame_data(two, LEX, window=None)
    hits = data.hits("extended")
    assert hits.groupby(["doc_id", "frame"]).size().to_dict() == {
        ("a2012", "attractivite"): 1, ("a2012", "solidarite"): 4,
        ("b2025", "attractivite"): 6, ("b2025", "solidarite"): 2,
    }  # fmt: skip
    sheet = code_all(hits, CODES_TWO)
    res = coding.use_only_drift(data, sheet, n_boot=300, seed=5).change.iloc[0]
    # by hand: the non-use hits' lemmas replaced by a filler word in the tokens
    not_use = sheet.loc[sheet["code"].ne("use"), ["doc_id", "tok_pos"]].itertuples(index=False)
    filtered = two.copy()
    for doc, pos in not_use:
        filtered.loc[filtered.doc_id.eq(doc) & filtered.tok_pos.eq(pos), ["token", "lemma"]] = "ville"
    ref = drift.measure_drift(filtered, LEX, n_boot=300, seed=5).change.iloc[0]
    # S: 3 then 1 (paix); A: 1 then 5
    assert res["drift_change"] == pytest.approx(math.log2(5.5 / 1.5) - math.log2(1.5 / 3.5))
    for column in ("drift_change", "ci_low", "ci_high", "bca_low", "bca_high"):
        assert res[column] == pytest.approx(ref[column]), column


def test_adjusted_drift_hand_worked_and_with_perfect_precision(two):
    data = frames.frame_data(two, LEX, window=None)
    hits = data.hits("extended")
    sheet = code_all(hits, CODES_TWO)
    out = adjusted_drift(data, sheet, n_boot=500, seed=3)
    # p_S = 4/6, p_A = 6/7; shrunk with m = 5: solidarité (1 + 5 p_S)/8, paix (3 + 5 p_S)/8,
    # attractivité (3 + 5 p_A)/9, rayonnement (3 + 5 p_A)/8
    p_sol, p_paix = (1 + 10 / 3) / 8, (3 + 10 / 3) / 8
    p_att, p_ray = (3 + 30 / 7) / 9, (3 + 30 / 7) / 8
    s0, a0, s1, a1 = 2 * p_sol + 2 * p_paix, p_att, p_sol + p_paix, 3 * p_att + 3 * p_ray
    assert [
        out[k] for k in ("solidarite_first", "attractivite_first", "solidarite_last", "attractivite_last")
    ] == (pytest.approx([s0, a0, s1, a1]))
    theta = math.log2((a1 + 0.5) / (s1 + 0.5)) - math.log2((a0 + 0.5) / (s0 + 0.5))
    assert out["drift_change"] == pytest.approx(theta) and out["n_coded"] == 13
    assert out["ci_low"] <= theta <= out["ci_high"]
    # the coded hits are redrawn too: the interval is not the segments-only one; same seed, same result
    assert (out["ci_low"], out["ci_high"]) != (out["segments_ci_low"], out["segments_ci_high"])
    assert adjusted_drift(data, sheet, n_boot=500, seed=3) == out
    # every hit in use: the counts are the hits, the draws those of drift_change (same seed, same segments)
    all_use = sheet.assign(code="use")
    perfect = adjusted_drift(data, all_use, n_boot=500, seed=3)
    ref = drift.drift_change(data, n_boot=500, seed=3)
    for column in ("drift_change", "ci_low", "ci_high"):
        assert perfect[column] == pytest.approx(ref[column]), column
    assert (perfect["segments_ci_low"], perfect["segments_ci_high"]) == pytest.approx(
        (ref["ci_low"], ref["ci_high"])
    )


def test_wilson_agrees_with_statsmodels():
    for k, n in ((0, 7), (3, 7), (25, 84), (73, 107), (50, 50)):
        assert wilson_interval(k, n) == pytest.approx(proportion_confint(k, n, method="wilson"), abs=1e-9)


# ------------------------------------------------------------------------------------------ the report part
def report(tmp_path, processed, **settings):
    s = Settings(root=tmp_path, corpus=RAW, out=tmp_path / "out", processed=processed, lemmatizer="simplemma",
                 bootstrap=200, **settings)  # fmt: skip
    outcomes = runner.run_report(s, only=["validation"])
    assert [o.status for o in outcomes] == ["ok"], outcomes
    section = (tmp_path / "out" / "REPORT.md").read_text(encoding="utf-8")
    return section[section.index("## Lexicon validation") :], tmp_path / "out" / "tables"


def seed_hits(corpus):
    data = frames.frame_data(corpus.select(), LEX, periods=5, window=None)
    hits = data.hits("extended")
    return data, hits.assign(hit_id=hit_ids(hits))


@pytest.mark.slow
def test_sheet_round_trip_through_the_report(tmp_path, processed_dir, seed_corpus_simplemma):
    sheet_path, miss_path = tmp_path / "sheet.csv", tmp_path / "misses.csv"
    args = ["--corpus", str(RAW), "--cache", str(processed_dir), "--lemmatizer", "simplemma", "--seed", "7"]
    assert main(["sample", "--out", str(sheet_path), "-n", "12", *args]) == 0
    assert main(["sample-misses", "--out", str(miss_path), "-n", "10", *args]) == 0
    # code programmatically: even positions use, odd ones other_sense, every fifth row mention
    sheet = pd.read_csv(sheet_path, dtype=str, keep_default_na=False)
    pos = sheet["hit_id"].str.split(":").str[1].astype(int)
    sheet["code"] = np.where(pos % 2 == 0, "use", "other_sense")
    sheet.loc[sheet.index % 5 == 0, "code"] = "mention"
    sheet["coder"] = "ann"
    second = sheet.iloc[:8].assign(coder="bob")
    second.loc[second.index[:2], "code"] = "wrong_frame"
    pd.concat([sheet, second]).to_csv(sheet_path, index=False)
    misses = pd.read_csv(miss_path, dtype=str, keep_default_na=False)
    misses["code"] = ["attractivite", "attractivite"] + ["none"] * 8
    misses.to_csv(miss_path, index=False)

    text, tables = report(tmp_path, processed_dir, coding=(sheet_path.name, miss_path.name))
    prec = pd.read_csv(tables / "validation_precision.csv")
    by = prec[prec["level"].eq("frame")].set_index("frame")
    hand = sheet.groupby("frame")["code"].agg(n="size", use=lambda c: int(c.eq("use").sum()))
    assert by["n"].to_dict() == hand["n"].to_dict() == {"attractivite": 12, "solidarite": 12}
    for frame, row in hand.iterrows():
        assert by.loc[frame, "precision"] == pytest.approx(row["use"] / row["n"])
        assert (by.loc[frame, "precision_low"], by.loc[frame, "precision_high"]) == pytest.approx(
            wilson_interval(row["use"], row["n"])
        )
        p = by.loc[frame]
        assert f"precision {p['precision']:.2f} [{p['precision_low']:.2f}, {p['precision_high']:.2f}]" in text
    agree = pd.read_csv(tables / "validation_agreement.csv").iloc[0]
    assert agree["n_units"] == 8 and agree["kappa"] == pytest.approx(
        cohen_kappa(sheet["code"].iloc[:8], second["code"])
    )
    recall = pd.read_csv(tables / "validation_recall.csv").set_index("frame")
    assert (
        recall.loc["attractivite", "misses_in_frame"] == 2
        and recall.loc["solidarite", "misses_in_frame"] == 0
    )
    assert recall["n_misses_coded"].eq(10).all()
    # the use-only drift is the drift of the hits left when the hits coded otherwise are filtered out by hand
    data, hits = seed_hits(seed_corpus_simplemma)
    kept = hits[~hits["hit_id"].isin(sheet.loc[sheet["code"].ne("use"), "hit_id"])].drop(columns="hit_id")
    merge = frames.contained_documents(seed_corpus_simplemma.overlap)
    ref = drift.measure_drift(data.with_hits(kept, tier="extended"), n_boot=200, seed=42, merge=merge).change
    table = pd.read_csv(tables / "validation_drift.csv").set_index("variant")
    assert table.index.tolist() == ["all hits", "use-only hits", "precision-adjusted"]
    assert table.loc["use-only hits", "drift_change"] == pytest.approx(ref["drift_change"].iloc[0])
    assert table.loc["use-only hits", "ci_low"] == pytest.approx(ref["ci_low"].iloc[0])


@pytest.mark.slow
def test_no_sheet_covers_the_corpus(tmp_path, processed_dir):
    path = tmp_path / "other.csv"
    path.write_text(
        "hit_id,doc_id,frame,term,code\nelsewhere_2020:5:paix,elsewhere_2020,solidarite,paix,use\n",
        encoding="utf-8",
    )
    text, tables = report(tmp_path, processed_dir, coding=(path,))
    assert "No coded hit of the sheet(s) `other.csv` falls on a hit" in text
    assert "in this corpus's 5 documents (1 coded rows, 0 of them on these documents)" in text
    assert "python -m aictlab.validate sample" in text
    assert not any(tables.glob("validation_*.csv"))


@pytest.mark.slow
def test_validation_part_on_the_seeds(tmp_path, processed_dir, seed_corpus_simplemma):
    text, tables = report(tmp_path, processed_dir)  # coding None: the packaged seed sheet
    prec = pd.read_csv(tables / "validation_precision.csv")
    frame = prec[prec["level"].eq("frame")].set_index("frame")
    # the sheet's codes of the hits the current lexicon finds with simplemma lemmas, counted apart
    _, hits = seed_hits(seed_corpus_simplemma)
    sheet = read_sheet(PACKAGE_DATA / "frames_coding_seeds.csv")
    joined = sheet.merge(hits[["hit_id"]], on="hit_id")
    hand = joined.groupby("frame")["code"].agg(n="size", use=lambda c: int(c.eq("use").sum()))
    # lexicon 2.2 sets apart two coded attractivité hits as national (« faire rayonner notre pays », coded use;
    # « l'attractivité comme Business France », coded mention): 77 -> 75 coded hits, 23 -> 22 in use
    assert frame["n"].to_dict() == hand["n"].to_dict() == {"attractivite": 75, "solidarite": 97}
    assert frame["use"].to_dict() == hand["use"].to_dict() == {"attractivite": 22, "solidarite": 69}
    assert frame["hits"].sum() == len(hits)
    assert f"{len(joined)} of the {len(hits)} frame hits" in text
    assert "Agreement: no hit is coded by two coders (coder(s): seed_team)" in text
    table = pd.read_csv(tables / "validation_drift.csv").set_index("variant")
    assert table.index.tolist() == ["all hits", "use-only hits", "precision-adjusted"]
    assert table["drift_change"].notna().all() and (table["ci_low"] < table["ci_high"]).all()
    assert not (tables / "validation_agreement.csv").exists()
