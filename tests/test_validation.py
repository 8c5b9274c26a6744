"""Lexicon validation: coding sheets, Wilson intervals, precision, recall, agreement (hand-worked values)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import RAW

from aictlab.config import PACKAGE_DATA
from aictlab.errors import SchemaError
from aictlab.validate import main
from aictlab.validation import (
    SHEET_COLUMNS,
    adjusted_counts,
    agreement,
    cohen_kappa,
    hit_ids,
    is_document_row,
    krippendorff_alpha,
    precision_table,
    precision_weights,
    read_miss_sheet,
    read_sheet,
    recall_table,
    sample_hits,
    sample_misses,
    segments_without_hits,
    validation_summary,
    wilson_interval,
)


def test_wilson_interval_reference_values():
    lo, hi = wilson_interval(27, 50)
    assert (round(lo, 4), round(hi, 4)) == (0.404, 0.6703)
    # k = 0: [0, z²/(n + z²)]
    lo, hi = wilson_interval(0, 50)
    assert lo == pytest.approx(0, abs=1e-12) and hi == pytest.approx(
        1.959963984540054**2 / (50 + 1.959963984540054**2)
    )
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_cohen_kappa_hand_worked():
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5*0.6 + 0.5*0.4 = 0.5
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(["x", "y"], ["x", "y"]) == 1
    with pytest.raises(SchemaError):
        cohen_kappa(["x"], [])


def test_krippendorff_alpha_worked_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 coders, 12 units, nominal 0.743
    n = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert round(krippendorff_alpha(data), 3) == 0.743
    # two coders, perfect agreement; and the kappa example, where alpha corrects for the sample size
    assert krippendorff_alpha([["a", "b", "a"], ["a", "b", "a"]]) == 1
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    # pairable values n = 100: n_y = 55, n_n = 45; D_o = 15*2/100; D_e = 2*55*45/(100*99)
    assert krippendorff_alpha([a, b]) == pytest.approx(1 - 0.3 / (2 * 55 * 45 / 9900))


def hits_table():
    rows = []
    for i in range(6):
        rows.append(("d1", 10 * i, "a", "x", "core"))
    for i in range(3):
        rows.append(("d2", 10 * i, "b", "y", "extended"))
    rows.append(("d2", 100, "a", "x", "core"))
    m = pd.DataFrame(rows, columns=["doc_id", "tok_pos", "frame", "term", "tier"])
    return m.assign(tok_pos_end=m["tok_pos"], keyword=m["term"], year=2020, seg_id=m["doc_id"] + "_s0")


def test_sample_hits_stratified_seeded_with_context():
    m = hits_table()
    # KWIC lines (as frames.hit_contexts gives them) for the hits of d1 only
    d1_hits = m[m["doc_id"].eq("d1")]
    contexts = pd.DataFrame(
        {"doc_id": "d1", "start": d1_hits["tok_pos"], "left": [f"w{p - 1}" for p in d1_hits["tok_pos"]],
         "right": [f"w{p + 1} w{p + 2}" for p in d1_hits["tok_pos"]]}
    )  # fmt: skip
    sheet = sample_hits(m, contexts, n_per_frame=4, seed=1)
    assert list(sheet.columns) == list(SHEET_COLUMNS)
    assert sheet.groupby("frame").size().to_dict() == {"a": 4, "b": 3}  # all of b
    assert sheet.equals(sample_hits(m, contexts, n_per_frame=4, seed=1))
    assert not sheet.equals(sample_hits(m, contexts, n_per_frame=4, seed=2))
    d1 = sheet[sheet["doc_id"].eq("d1")]
    positions = d1["hit_id"].str.split(":").str[1].astype(int)
    assert d1["left"].tolist() == [f"w{p - 1}" for p in positions]
    assert d1["right"].tolist() == [f"w{p + 1} w{p + 2}" for p in positions]
    assert sheet.loc[sheet["doc_id"].eq("d2"), "left"].eq("").all()  # no line given for d2
    assert set(sheet["code"]) == {""}
    assert hit_ids(m).iloc[0] == "d1:0:x"
    # stratified by document too: a's 7 hits are 6 in d1 and 1 in d2 -> quota 3 and 1 for 4 draws
    by_doc = sample_hits(m, contexts, n_per_frame=4, seed=1, by_document=True)
    assert by_doc[by_doc["frame"].eq("a")].groupby("doc_id").size().to_dict() == {"d1": 3, "d2": 1}


def test_sample_misses_only_segments_without_hits():
    segments = pd.DataFrame(
        {
            "doc_id": ["d1", "d2", "d3", "d3"],
            "seg_id": ["d1_s0", "d2_s0", "d3_s0", "d3_s1"],
            "text": list("abcd"),
        }
    )
    assert segments_without_hits(segments, hits_table())["seg_id"].tolist() == ["d3_s0", "d3_s1"]
    sheet = sample_misses(segments, hits_table(), n=10, seed=0)
    assert sorted(sheet["segment_id"]) == ["d3_s0", "d3_s1"]
    assert sample_misses(segments, hits_table(), n=1, seed=0)["segment_id"].tolist()[0] in {"d3_s0", "d3_s1"}


def write(path, table):
    table.to_csv(path, index=False)
    return path


def coded_sheet(codes, frame="a", terms=None, coder="c1"):
    terms = terms or ["x"] * len(codes)
    return pd.DataFrame(
        {
            "hit_id": [f"d:{i}:{t}" for i, t in enumerate(terms)],
            "doc_id": "d",
            "year": 2020,
            "frame": frame,
            "term": terms,
            "tier": "core",
            "keyword": terms,
            "code": codes,
            "coder": coder,
            "note": "",
        }
    )


def test_read_sheet_clear_errors(tmp_path):
    good = write(tmp_path / "s.csv", coded_sheet(["use", "Other sense", ""]))
    assert read_sheet(good)["code"].tolist() == ["use", "other_sense", ""]
    bad = write(tmp_path / "bad.csv", coded_sheet(["use", "maybe"]))
    with pytest.raises(SchemaError, match=r"bad.csv: row 2 \(hit_id 'd:1:x'\): code 'maybe' is not one of"):
        read_sheet(bad)
    twice = coded_sheet(["use", "use"])
    twice["hit_id"] = "d:0:x"
    with pytest.raises(SchemaError, match="row 2: hit_id 'd:0:x' is coded twice by coder 'c1'"):
        read_sheet(write(tmp_path / "twice.csv", twice))
    with pytest.raises(SchemaError, match="code"):
        read_sheet(write(tmp_path / "nocode.csv", coded_sheet(["use"]).drop(columns="code")))
    with pytest.raises(SchemaError, match="not found"):
        read_sheet(tmp_path / "absent.csv")
    misses = pd.DataFrame({"segment_id": ["s1", "s2"], "doc_id": "d", "code": ["a", "influence"]})
    with pytest.raises(SchemaError, match=r"row 2 \(segment_id 's2'\): code 'influence'"):
        read_miss_sheet(write(tmp_path / "m.csv", misses), ["a", "b"])


def test_precision_recall_and_adjusted_counts_hand_worked():
    # frame a: term x coded 4 times (all use), term y once (other_sense) -> p_a = 0.8
    sheet = coded_sheet(["use", "use", "use", "use", "other_sense"], terms=["x", "x", "x", "x", "y"])
    sheet = pd.concat([sheet, coded_sheet(["use", "mention", "wrong_frame", ""], frame="b", terms=["v"] * 4)])
    table = precision_table(sheet).set_index("frame")
    assert table.loc["a", "precision"] == 0.8 and table.loc["a", "n"] == 5
    assert table.loc["b", "n"] == 3  # the blank code is not coded yet
    assert table.loc["b", "precision"] == pytest.approx(1 / 3) and table.loc["b", "lenient"] == pytest.approx(
        2 / 3
    )
    assert (table.loc["a", "precision_low"], table.loc["a", "precision_high"]) == pytest.approx(
        wilson_interval(4, 5)
    )
    # shrinkage with m = 5: p_x = (4 + 5*0.8)/(4 + 5) = 8/9, p_y = (0 + 4)/(1 + 5) = 2/3, z uncoded -> 0.8
    matches = pd.DataFrame({"frame": ["a"] * 17, "term": ["x"] * 9 + ["y"] * 3 + ["z"] * 5})
    adj = adjusted_counts(matches, sheet).set_index("frame")
    weights = precision_weights(matches, sheet)
    assert weights.iloc[[0, 9, 12]].tolist() == pytest.approx([8 / 9, 2 / 3, 0.8])
    assert adj.loc["a", "hits"] == 17 and adj.loc["a", "adjusted"] == pytest.approx(
        9 * 8 / 9 + 3 * 2 / 3 + 5 * 0.8
    )
    # recall: TP = 0.8 * 10 = 8; 2 of 20 sampled hit-less segments invoke a, 40 such segments -> FN = 4
    matches = pd.DataFrame({"frame": ["a"] * 10, "term": "x"})
    misses = pd.DataFrame({"segment_id": [f"s{i}" for i in range(20)], "code": ["a", "a"] + ["none"] * 18})
    rec = recall_table(sheet, misses, matches, n_without=40).set_index("frame")
    assert rec.loc["a", "recall"] == pytest.approx(8 / 12)
    assert rec.loc["a", "recall_low"] < 8 / 12 < rec.loc["a", "recall_high"]


def test_agreement_between_two_coders_and_summary():
    first = coded_sheet(["use"] * 25 + ["other_sense"] * 25, coder="ann")
    second = coded_sheet(
        ["use"] * 20 + ["other_sense"] * 5 + ["use"] * 10 + ["other_sense"] * 15, coder="bob"
    )
    table = agreement(pd.concat([first, second]))
    assert table[["coder_a", "coder_b", "n_units"]].values.tolist() == [["ann", "bob", 50]]
    assert table["kappa"].iloc[0] == pytest.approx(0.4) and table["agreement"].iloc[0] == pytest.approx(0.7)
    matches = pd.DataFrame({"frame": ["a"] * 3, "term": "x"})
    summary = validation_summary([first, second], matches)
    assert set(summary) == {
        "precision_frame",
        "precision_tier",
        "precision_term",
        "agreement",
        "adjusted_counts",
    }
    # precision uses the first coder's code of each hit
    assert summary["precision_frame"]["precision"].iloc[0] == 0.5
    with pytest.raises(SchemaError, match="n_without"):
        validation_summary(first, matches, misses=pd.DataFrame({"segment_id": [], "code": []}))


def test_packaged_seed_coding_sheet():
    table = read_sheet(PACKAGE_DATA / "frames_coding_seeds.csv")
    assert len(table) == 192 and table["hit_id"].is_unique
    # one document-level row: the document that discusses the hypothesis
    assert table.loc[is_document_row(table), ["hit_id", "code"]].values.tolist() == [
        ["ciedel_2017:*", "mention"]
    ]
    sheet = table[~is_document_row(table)]
    assert sheet["code"].value_counts().to_dict() == {"use": 98, "mention": 72, "other_sense": 21}
    assert sheet.groupby("frame").size().to_dict() == {"attractivite": 84, "solidarite": 107}
    assert sheet["left"].str.len().gt(0).mean() > 0.95
    # frame-level precision of the seeds' hand coding (the document row is no hit): use / coded hits
    prec = precision_table(table).set_index("frame")
    assert prec["n"].to_dict() == {"attractivite": 84, "solidarite": 107}
    assert prec.loc["attractivite", "precision"] == pytest.approx(25 / 84)
    assert prec.loc["solidarite", "precision"] == pytest.approx(73 / 107)
    assert prec.loc["attractivite", "lenient"] == pytest.approx((25 + 47) / 84)
    assert prec.loc["solidarite", "lenient"] == pytest.approx((73 + 25) / 107)
    lo, hi = prec.loc["attractivite", ["precision_low", "precision_high"]]
    assert (round(lo, 4), round(hi, 4)) == (0.2104, 0.4025)  # by hand: centre 0.3065, half-width 0.0960


@pytest.mark.slow
def test_command_line_round_trip(tmp_path):
    out = tmp_path / "sheet.csv"
    args = ["--corpus", str(RAW), "--cache", str(tmp_path / "cache"), "--lemmatizer", "simplemma"]
    assert main(["sample", "--out", str(out), "-n", "5", "--seed", "3", *args]) == 0
    sheet = read_sheet(out)
    assert sheet.groupby("frame").size().to_dict() == {"attractivite": 5, "solidarite": 5}
    assert sheet["left"].str.len().gt(0).all() and sheet["keyword"].str.len().gt(0).all()
    misses = tmp_path / "misses.csv"
    assert main(["sample-misses", "--out", str(misses), "-n", "7", *args]) == 0
    assert len(read_miss_sheet(misses, ["solidarite", "attractivite"])) == 7
    assert main(["sample", "--out", str(out), "--corpus", str(tmp_path / "absent")]) == 2
