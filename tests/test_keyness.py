"""Keyness and Lafon specificities: R reference values (tests/fixtures/keyness_2x2_R.json), hand counts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from aictlab.contingency import (
    chi_squared,
    fisher_exact_p,
    hypergeom_log10_tails,
    keyness_stats,
    log_likelihood,
    log_ratio,
    pct_diff,
    specificity,
)
from aictlab.corpus import as_corpus, select_tokens
from aictlab.errors import SchemaError, SettingsError
from aictlab.keyness import (
    add_group_column,
    keyness,
    keyness_each,
    lexical_table,
    specificities,
    term_counts,
    top_terms,
)

REFERENCE = Path(__file__).resolve().parent / "fixtures" / "keyness_2x2_R.json"
CASES = json.loads(REFERENCE.read_text(encoding="utf-8"))["cases"]
IDS = ["t{target_freq}-r{reference_freq}-{target_size}-{reference_size}".format(**c["inputs"]) for c in CASES]


def _abcd(case):
    i = case["inputs"]
    return i["target_freq"], i["reference_freq"], i["target_size"], i["reference_size"]


def _rel(value, expected, rel=1e-9, abs_=1e-12):
    return value == pytest.approx(expected, rel=rel, abs=abs_)


# -- reference: R (MASS::loglm, chisq.test, fisher.test, phyper) ---------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_g2_chi2_yates_fisher_match_r(case):
    a, b, c, d = _abcd(case)
    e = case["expected"]
    assert _rel(float(log_likelihood(a, b, c, d, signed=False)), e["g2_4cell"])
    assert _rel(float(chi_squared(a, b, c, d, signed=False)), e["chi2_pearson"])
    assert _rel(float(chi_squared(a, b, c, d, correction="yates", signed=False)), e["chi2_yates"])
    assert _rel(float(fisher_exact_p(a, b, c, d)), e["fisher_exact_p_two_sided"], rel=1e-9, abs_=0)
    row = keyness_stats([a], [b], c, d).iloc[0]
    assert row["expected_target"] == pytest.approx(e["expected_target_freq"], rel=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hypergeometric_log10_tails_match_phyper(case):
    a, b, c, d = _abcd(case)
    e = case["expected"]
    ge, le = hypergeom_log10_tails(a, a + b, c, c + d)
    assert abs(float(ge) - e["log10_P_X_ge_f"]) <= 1e-6
    assert abs(float(le) - e["log10_P_X_le_f"]) <= 1e-6


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_specificity_sign_convention(case):
    """spec = -log10 P(X >= f) when f >= E, log10 P(X <= f) otherwise (docs/methods.md §6: at f = E, +0.260)."""
    a, b, c, d = _abcd(case)
    e = case["expected"]
    spec = float(specificity(a, a + b, c, c + d))
    expected = -e["log10_P_X_ge_f"] if a >= e["expected_target_freq"] else e["log10_P_X_le_f"]
    assert abs(spec - expected) <= 1e-6
    assert np.sign(spec) == (1 if a >= e["expected_target_freq"] else -1) or spec == 0


def test_specificity_at_expectation_is_positive_small():
    # fixture case f = E = 10: R textometry prints -0.346 (sign by probability); ours is +0.260 (docs/methods.md §6).
    assert float(specificity(10, 100, 1000, 10000)) == pytest.approx(0.26018508945003, abs=1e-9)


def test_specificity_does_not_underflow():
    # P(X >= 300) ~ 1e-65 in the fixture; a 10x larger table goes far below float's 1e-308.
    spec = float(specificity(3000, 3200, 200000, 400000))
    assert np.isfinite(spec) and spec > 308
    assert float(stats.hypergeom.sf(2999, 400000, 3200, 200000)) == 0.0  # the naive way underflows


def test_signs_positive_means_overuse_in_target():
    a, b, c, d = 2, 30, 6300, 4700  # under-used in the target
    assert log_likelihood(a, b, c, d) < 0 and chi_squared(a, b, c, d) < 0
    assert log_ratio(a, b, c, d) < 0 and pct_diff(a, b, c, d) < 0 and specificity(a, a + b, c, c + d) < 0
    assert log_likelihood(b, a, d, c) > 0 and specificity(b, a + b, d, c + d) > 0


def test_rayson_two_cell_variant_differs_from_4cell():
    # docs/methods.md §5: 25, 3, 6300, 4700 -> 13.901 (2-cell) vs 13.931 (4-cell)
    e1, e2 = 6300 * 28 / 11000, 4700 * 28 / 11000
    hand = 2 * (25 * np.log(25 / e1) + 3 * np.log(3 / e2))
    assert float(log_likelihood(25, 3, 6300, 4700, variant="rayson")) == pytest.approx(hand, rel=1e-12)
    assert round(hand, 3) == 13.901
    assert float(log_likelihood(25, 3, 6300, 4700)) == pytest.approx(13.9312108186586, rel=1e-9)


def test_g2_matches_scipy_log_likelihood_contingency():
    a, b, c, d = 150, 40, 50000, 60000
    table = np.array([[a, b], [c - a, d - b]])
    g2 = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]
    assert float(log_likelihood(a, b, c, d)) == pytest.approx(g2, rel=1e-10)


def test_williams_correction_hand_value():
    a, b, c, d = 25, 3, 6300, 4700
    n, r1, r2 = c + d, a + b, c + d - a - b
    q = 1 + (n / r1 + n / r2 - 1) * (n / c + n / d - 1) / (6 * n)
    g2 = float(log_likelihood(a, b, c, d))
    assert float(log_likelihood(a, b, c, d, correction="williams")) == pytest.approx(g2 / q, rel=1e-12)


def test_log_ratio_and_pct_diff_zero_handling():
    # Hardie: a zero becomes 0.5 before normalising; both zero: not scored
    assert float(log_ratio(0, 12, 2000, 8000)) == pytest.approx(np.log2((0.5 / 2000) / (12 / 8000)))
    assert float(log_ratio(8, 2, 1000, 1000)) == pytest.approx(2.0)
    assert np.isnan(log_ratio(0, 0, 10, 10))
    assert float(pct_diff(20, 10, 1000, 1000)) == pytest.approx(100.0)
    assert float(pct_diff(0, 10, 1000, 1000)) == pytest.approx(-100.0)
    assert float(pct_diff(7, 0, 2000, 8000)) == pytest.approx(100 * (7 / 2000) / 1e-18)


def test_counts_larger_than_sizes_are_refused():
    with pytest.raises(SettingsError, match="term count <= corpus size"):
        log_likelihood(20, 1, 10, 100)


# -- the lexical table ----------------------------------------------------------------------------------------
@pytest.fixture
def tiny_tokens() -> pd.DataFrame:
    """Two documents; hand counts below. 'le'/'de' are stop words, ',' punctuation, '2012' a bare number."""
    rows = [
        # doc a (2012): coopération ×3, solidarité ×2, le ×2, de ×1, ',' ×1, 2012 ×1  -> 8 word tokens
        ("a", 2012, "Coopération", "coopération", False, False, True),
        ("a", 2012, "la", "le", True, False, True),
        ("a", 2012, "solidarité", "solidarité", False, False, True),
        ("a", 2012, ",", ",", False, True, False),
        ("a", 2012, "coopération", "coopération", False, False, True),
        ("a", 2012, "de", "de", True, False, True),
        ("a", 2012, "le", "le", True, False, True),
        ("a", 2012, "solidarité", "solidarité", False, False, True),
        ("a", 2012, "coopérations", "coopération", False, False, True),
        ("a", 2012, "2012", "2012", False, False, False),
        # doc b (2025): attractivité ×3, coopération ×1, le ×1 -> 5 word tokens
        ("b", 2025, "attractivité", "attractivité", False, False, True),
        ("b", 2025, "le", "le", True, False, True),
        ("b", 2025, "attractivité", "attractivité", False, False, True),
        ("b", 2025, "coopération", "coopération", False, False, True),
        ("b", 2025, "attractivité", "attractivité", False, False, True),
    ]
    frame = pd.DataFrame(rows, columns=["doc_id", "year", "token", "lemma", "is_stop", "is_punct", "is_word"])
    frame["tok_pos"] = range(len(frame))
    return frame


def test_lexical_table_hand_counts(tiny_tokens):
    lt = lexical_table(tiny_tokens, "year")
    assert lt.sizes.to_dict() == {2012: 8, 2025: 5}  # word tokens incl. stop words; no punctuation/numbers
    assert lt.counts.to_dict() == {
        2012: {"attractivité": 0, "coopération": 3, "solidarité": 2},
        2025: {"attractivité": 3, "coopération": 1, "solidarité": 0},
    }
    assert list(lt.counts.columns) == [2012, 2025] and lt.counts.index.name == "term"
    with_stop = lexical_table(tiny_tokens, "year", keep_stop=True).counts
    assert with_stop.loc["le"].tolist() == [2, 1] and with_stop.loc["de"].tolist() == [1, 0]
    forms = lexical_table(tiny_tokens, "year", by="token").counts
    assert forms.loc["coopération"].tolist() == [2, 1] and forms.loc["coopérations"].tolist() == [1, 0]
    assert lexical_table(tiny_tokens, "year", min_count=4).counts.index.tolist() == ["coopération"]
    tidy = lt.tidy()
    assert list(tidy.columns) == ["group", "term", "n"] and tidy["n"].sum() == 9


def with_documents(tokens, **variables):
    """A corpus of ``tokens`` whose documents (a, b) carry ``variables``."""
    corpus = as_corpus(tokens)
    return dataclasses.replace(corpus, documents=corpus.documents.assign(**variables))


def test_lexical_table_groups_from_documents_and_periods(tiny_tokens):
    corpus = with_documents(tiny_tokens, organiser=["CNFPT", "MEAE"])
    lt = lexical_table(corpus, "organiser")
    assert lt.groups == ["CNFPT", "MEAE"] and lt.sizes.tolist() == [8, 5]
    # periods come from the documents: 5-year bins by default, or the spec given
    assert lexical_table(tiny_tokens, "period").groups == ["2010-2014", "2025-2029"]
    assert lexical_table(tiny_tokens, "period", periods=[2012, 2020]).groups == ["2012-2019", "2020-2025"]
    assert lexical_table(corpus.with_periods(20), "period").groups == ["2000-2019", "2020-2039"]
    # a column of a bare token table that is no document variable is counted with the documents
    halves = lexical_table(tiny_tokens.assign(half=np.arange(len(tiny_tokens)) >= 4), "half")
    assert halves.groups == [False, True] and halves.sizes.tolist() == [3, 10]
    with pytest.raises(SchemaError, match="missing column.*genre"):
        lexical_table(tiny_tokens, "genre")
    with pytest.raises(SchemaError, match="no 'organiser' value for doc_id b"):
        lexical_table(with_documents(tiny_tokens, organiser=["CNFPT", None]), "organiser")
    assert add_group_column(pd.DataFrame({"doc_id": ["b", "a"]}), "organiser", corpus.documents)[
        "organiser"
    ].tolist() == ["MEAE", "CNFPT"]
    with pytest.raises(SchemaError, match="no variable 'genre'"):
        add_group_column(pd.DataFrame({"doc_id": ["a"]}), "genre", corpus.documents)


def test_keyness_each_group_vs_rest_hand_values(tiny_tokens):
    lt = lexical_table(tiny_tokens, "year")
    kw = keyness_each(lt)
    row = kw.set_index(["group", "term"]).loc[(2025, "attractivité")]
    assert (row["count_target"], row["count_reference"], row["size_target"], row["size_reference"]) == (
        3,
        0,
        5,
        8,
    )
    assert row["g2"] == pytest.approx(float(log_likelihood(3, 0, 5, 8)))
    assert row["g2"] > 0 and row["absent_from_reference"]
    # Lafon by hand: P(X >= 3), X ~ H(13, 3, 5) = C(5,3)/C(13,3) = 10/286
    assert row["specificity"] == pytest.approx(-np.log10(10 / 286), rel=1e-12)
    assert row["p_value"] == pytest.approx(stats.chi2.sf(row["g2"], 1))
    contract = ["group", "term", "count_target", "count_reference", "g2", "chi2", "log_ratio", "pct_diff",
                "p_value", "specificity"]  # fmt: skip
    assert set(contract) <= set(kw.columns)
    # symmetric with two groups: the 2012 view is the mirror image
    mirror = kw.set_index(["group", "term"]).loc[(2012, "attractivité")]
    assert mirror["g2"] == pytest.approx(-row["g2"])


def test_keyness_target_reference_explicit_and_errors(tiny_tokens):
    lt = lexical_table(tiny_tokens, "year")
    kw = keyness(lt, 2025, 2012)
    assert kw["term"].iloc[0] == "attractivité"  # sorted by signed G², over-use first
    assert kw["g2"].is_monotonic_decreasing
    with pytest.raises(SettingsError, match="not in the lexical table"):
        keyness(lt, 2030)
    with pytest.raises(SettingsError, match="share groups"):
        keyness(lt, 2025, [2025])


def test_specificities_table_matches_part_vs_whole(tiny_tokens):
    lt = lexical_table(tiny_tokens, "year")
    spec = specificities(lt)
    # coopération in 2012: f = 3, F = 4, t = 8, T = 13; E = 32/13 = 2.46 <= 3 -> over-use
    expected = -np.log10(stats.hypergeom.sf(2, 13, 4, 8))
    assert spec.loc["coopération", 2012] == pytest.approx(expected, rel=1e-12)
    assert spec.loc["solidarité", 2025] < 0
    kw = keyness_each(lt).set_index(["group", "term"])
    assert kw.loc[(2012, "coopération"), "specificity"] == pytest.approx(expected, rel=1e-12)
    # solidarité in 2012: P(X >= 2) = C(8,2)/C(13,2) = 28/78 beats coopération's 630/1287
    top = top_terms(keyness_each(lt), 1).set_index("group")
    assert top["term"].to_dict() == {2012: "solidarité", 2025: "attractivité"}
    assert top.loc[2012, "specificity"] == pytest.approx(-np.log10(28 / 78), rel=1e-12)


def test_quanteda_correction_shifts_small_tables():
    # E11 < 5 and |ad - bc| >= N/2: each cell moves 0.5 towards independence, so G² shrinks
    plain = float(log_likelihood(7, 0, 2000, 8000))
    corrected = float(log_likelihood(7, 0, 2000, 8000, correction="quanteda"))
    assert 0 < corrected < plain
    obs = np.array([[6.5, 0.5], [1993.5, 7999.5]])
    exp = obs.sum(1, keepdims=True) * obs.sum(0, keepdims=True) / obs.sum()
    assert corrected == pytest.approx(2 * (obs * np.log(obs / exp + 1e-9)).sum(), rel=1e-12)
    # chi2: quanteda's default applies Yates (0.5) under the same rule, and only then
    n, det = 10000, abs(7 * 8000 - 0 * 1993)
    hand = n * (det - n * 0.5) ** 2 / (7 * 9993 * 2000 * 8000)
    assert float(chi_squared(7, 0, 2000, 8000, correction="quanteda")) == pytest.approx(hand, rel=1e-12)
    big = (150, 40, 50000, 60000)  # all E >= 5: no correction
    assert float(chi_squared(*big, correction="quanteda")) == pytest.approx(
        float(chi_squared(*big)), rel=1e-12
    )


def test_keyness_figures_return_drawn_data(tiny_tokens):
    import matplotlib.pyplot as plt

    from aictlab.plots.textometry import plot_keyness, plot_specificities_heatmap

    lt = lexical_table(tiny_tokens, "year")
    kw = keyness_each(lt)
    fig, drawn = plot_keyness(kw, n=1)
    assert set(drawn.columns) >= {"group", "term", "side", "value"}
    over = drawn[drawn["side"] == "over"].set_index("group")["term"].to_dict()
    assert over == {2012: kw[kw["group"] == 2012].iloc[0]["term"], 2025: "attractivité"}
    assert (drawn.loc[drawn["side"] == "under", "value"] < 0).all()
    plt.close(fig)
    spec = specificities(lt)
    fig, drawn = plot_specificities_heatmap(spec, n=2)
    assert len(drawn) == 4 and drawn["term"].nunique() == 2
    for row in drawn.itertuples():
        assert row.specificity == spec.loc[row.term, row.group]
    plt.close(fig)


def test_figures_keep_their_style_without_changing_global_matplotlib_settings(tiny_tokens):
    import matplotlib
    import matplotlib.pyplot as plt

    from aictlab.plots import figure_style
    from aictlab.plots._style import RC
    from aictlab.plots.textometry import plot_keyness

    with matplotlib.rc_context({"font.size": 14, "axes.titlesize": 20}):  # a user's own settings
        before = {key: matplotlib.rcParams[key] for key in RC}
        fig, _ = plot_keyness(keyness_each(lexical_table(tiny_tokens, "year")), n=1)
        assert {key: matplotlib.rcParams[key] for key in RC} == before
        ax = fig.axes[0]
        assert ax.title.get_fontsize() == 10 and ax.xaxis.label.get_fontsize() == 9
        assert not ax.spines["top"].get_visible()
        fig.canvas.draw()  # drawn (shown or saved) outside the style: ticks keep its 9 pt
        assert {t.label1.get_fontsize() for t in ax.xaxis.get_major_ticks()} == {9.0}
        assert {key: matplotlib.rcParams[key] for key in RC} == before
    with figure_style():
        assert matplotlib.rcParams["pdf.fonttype"] == 42
    plt.close(fig)


@pytest.mark.slow
def test_seed_corpus_periods(seed_corpus):
    tokens = select_tokens(seed_corpus.tokens)
    lt = lexical_table(tokens, "period")
    assert lt.groups == ["2010-2014", "2015-2019", "2020-2024", "2025-2029"]
    assert int(lt.sizes.sum()) == len(tokens)  # every counted word token is in one period's size
    kept = tokens[~tokens["is_stop"]]
    assert int(lt.counts.to_numpy().sum()) == len(kept)
    kw = keyness_each(lt)
    assert len(kw) == len(lt.counts) * 4  # each period vs the rest, every term (all have a total >= 1)
    late = kw[kw["group"] == "2025-2029"].set_index("term")
    # the MEAE Assises de la diplomatie parlementaire
    assert late.loc["diplomatie_parlementaire", "specificity"] > 3
    assert ((kw["specificity"] > 0) == (kw["count_target"] >= kw["expected_target"])).all()


# -- the lexical table from counts gathered partition by partition --------------------------------------------
def test_term_counts_of_two_partitions_add_up_by_hand(tiny_tokens):
    counts = term_counts(tiny_tokens, "doc_id")
    rows = counts.set_index(["doc_id", "term"])
    assert rows.loc[("a", "coopération"), "n"] == 3 and rows.loc[("b", "attractivité"), "n"] == 3
    assert rows.loc[("a", ","), ["is_punct", "n"]].tolist() == [True, 1]
    assert "2012" not in set(counts["term"])  # a bare number is neither a word nor punctuation
    # the table split in two partitions by document: the parts' counts, concatenated, are the whole's
    parts = [term_counts(tiny_tokens[tiny_tokens["doc_id"] == d], "doc_id") for d in ("a", "b")]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), counts)
    # one group over both partitions: counts and sizes are summed (coopération 3 + 1, le 2 + 1; 8 + 5 tokens)
    corpus = with_documents(tiny_tokens, organiser=["CNFPT", "CNFPT"])
    lt = lexical_table(corpus, "organiser", keep_stop=True, counts=pd.concat(parts, ignore_index=True))
    assert lt.sizes.to_dict() == {"CNFPT": 13}
    assert lt.counts["CNFPT"].to_dict() == {
        "attractivité": 3,
        "coopération": 4,
        "de": 1,
        "le": 3,
        "solidarité": 2,
    }
    whole = lexical_table(corpus, "organiser", keep_stop=True)
    pd.testing.assert_frame_equal(lt.counts, whole.counts)
    pd.testing.assert_series_equal(lt.sizes, whole.sizes)
    # an empty partition (every token filtered out) changes nothing, dtypes included
    with_empty = pd.concat([term_counts(tiny_tokens.iloc[:0], "doc_id"), counts], ignore_index=True)
    pd.testing.assert_frame_equal(lexical_table(tiny_tokens, "doc_id", counts=with_empty).counts,
                                  lexical_table(tiny_tokens, "doc_id").counts)  # fmt: skip
    with pytest.raises(SchemaError, match="empty"):
        lexical_table(tiny_tokens, "doc_id", counts=counts.iloc[:0])


def test_lexical_table_of_counts_filters_by_hand(tiny_tokens):
    tagged = tiny_tokens.assign(pos=["NOUN", "DET", "NOUN", "PUNCT", "NOUN", "ADP", "DET", "NOUN", "NOUN", "NUM",
                                     "NOUN", "DET", "NOUN", "NOUN", "NOUN"])  # fmt: skip
    counts = term_counts(tagged, "doc_id")
    assert lexical_table(tagged, "year", keep_punct=True, counts=counts).counts.loc[","].tolist() == [1, 0]
    assert lexical_table(tagged, "year", keep_stop=True, pos=["DET"], counts=counts).counts.to_dict() == {
        2012: {"le": 2},
        2025: {"le": 1},
    }
    # a long table without flags: every row counts as a word; documents a, b are the years 2012, 2025
    plain = pd.DataFrame(
        {"doc_id": ["a", "a", "b", "b"], "term": ["paix", "ville", "paix", "paix"], "n": [2, 1, 3, 1]}
    )
    lt = lexical_table(tiny_tokens, "year", counts=plain)
    assert lt.sizes.to_dict() == {2012: 3, 2025: 4}
    assert lt.counts.to_dict() == {2012: {"paix": 2, "ville": 1}, 2025: {"paix": 4, "ville": 0}}


@pytest.mark.parametrize("periods", [5, 10])
def test_seed_lexical_table_from_partitions_equals_the_whole(seed_corpus, seed_corpus_on_disk, periods):
    whole = lexical_table(select_tokens(seed_corpus.tokens), "period", periods=periods)
    # tokens on disk, counted per document one partition at a time; periods from the documents
    parted = lexical_table(seed_corpus_on_disk, "period", periods=periods)
    pd.testing.assert_frame_equal(parted.counts, whole.counts, check_exact=True)
    pd.testing.assert_series_equal(parted.sizes, whole.sizes, check_exact=True)
    assert parted.params == whole.params
    pd.testing.assert_frame_equal(keyness_each(parted), keyness_each(whole), check_exact=True)
    pd.testing.assert_frame_equal(specificities(parted), specificities(whole), check_exact=True)
    if periods == 5:
        assert parted.sizes.to_dict() == {
            "2010-2014": 4709,
            "2015-2019": 6091,
            "2020-2024": 4596,
            "2025-2029": 2036,
        }
        assert parted.counts.loc["coopération"].tolist() == [20, 7, 13, 5]
        assert parted.counts.loc["attractivité"].tolist() == [0, 23, 1, 2]
        assert specificities(parted).loc["diplomatie_parlementaire", "2025-2029"] == pytest.approx(
            9.238, abs=1e-3
        )
    else:  # 2020-2029 spans two partitions: its counts are summed across them
        assert parted.sizes.to_dict() == {"2010-2019": 10800, "2020-2029": 6632}
        assert parted.counts.loc["coopération"].tolist() == [27, 18]


def test_keyness_each_reuses_the_specificity_matrix(tiny_tokens):
    # a group against the rest has the Lafon scores of the group in the whole: reused, the same table
    lt = lexical_table(tiny_tokens, "year")
    spec = specificities(lt)
    kw = keyness_each(lt, spec=spec)
    pd.testing.assert_frame_equal(kw, pd.concat(
        [keyness(lt, g).assign(group=g)[kw.columns] for g in lt.groups], ignore_index=True
    ), check_exact=True)  # fmt: skip
    assert kw.set_index(["group", "term"]).loc[(2025, "attractivité"), "specificity"] == pytest.approx(
        -np.log10(10 / 286), rel=1e-12
    )
    with pytest.raises(SettingsError, match="one target against the rest"):
        keyness(lt, lt.groups[0], lt.groups[1:], specificities=spec[lt.groups[0]])
