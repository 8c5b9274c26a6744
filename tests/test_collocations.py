"""Collocations and bigrams (docs/methods.md §7): hand counts of O11, R1, C1, N; PMI and signed G² by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aictlab.concordance import collocations, kwic, top_bigrams
from aictlab.contingency import log_likelihood


def make_tokens(docs: dict[str, str], years: dict[str, int] | None = None, stop=("le", "de")) -> pd.DataFrame:
    rows = []
    for doc, text in docs.items():
        for sent_id, sentence in enumerate(text.split(" | ")):
            for word in sentence.split():
                rows.append((doc, sent_id, word, word.lower(), word.lower() in stop))
    frame = pd.DataFrame(rows, columns=["doc_id", "sent_id", "token", "lemma", "is_stop"])
    frame["tok_pos"] = frame.groupby("doc_id").cumcount()
    frame["year"] = frame["doc_id"].map(years or {}).fillna(2012).astype(int)
    return frame.assign(is_word=True, is_punct=False, space_after=True)


def test_window_counts_by_hand():
    # doc a: x a b N c d e N f   (N = node, span 2)   doc b: N g
    tokens = make_tokens({"a": "x a b N c d e N f", "b": "N g"})
    res = collocations(tokens, ["n"], span=2, min_pmi_cofreq=1).set_index("collocate")
    # windows: N@3 -> a b c d ; N@7 -> d e f (end of doc) ; doc b N@0 -> g ; R1 = 4 + 3 + 1 = 8
    assert res["window_slots"].unique().tolist() == [8]
    assert res["n_tokens"].unique().tolist() == [11]
    assert res.loc["d", "cofreq"] == 2 and res.loc["a", "cofreq"] == 1 and "x" not in res.index
    assert res.loc["g", "cofreq"] == 1  # windows never cross documents: 'f' and 'g' are in different docs
    # PMI = log2(O11 / (R1 C1 / N)); d: O11 = 2, C1 = 1 (overlapping windows count it twice)
    assert res.loc["d", "expected"] == pytest.approx(8 * 1 / 11)
    assert res.loc["d", "pmi"] == pytest.approx(np.log2(2 / (8 / 11)))
    a_row = res.loc["a"]
    assert a_row["ll"] == pytest.approx(float(log_likelihood(1, 0, 8, 3)))


def test_pmi_threshold_and_signed_ll():
    text = " ".join(["coopération décentralisée"] * 4 + ["ville attractivité"] * 20 + ["coopération"])
    tokens = make_tokens({"a": text})
    res = collocations(tokens, ["coopération"], span=1, right_only=True).set_index("collocate")
    # right-only span 1: 4 of the 5 coopération are followed by 'décentralisée'; the last ends the document
    assert res.loc["décentralisée", "cofreq"] == 4 and res.loc["décentralisée", "window_slots"] == 4
    n = len(tokens)
    assert res.loc["décentralisée", "pmi"] == pytest.approx(np.log2(4 / (4 * 4 / n)))
    assert res.loc["décentralisée", "ll"] > 0
    res3 = collocations(tokens, ["coopération"], span=3).set_index("collocate")
    # 'ville' is frequent but rare near coopération: negative association
    assert res3.loc["ville", "ll"] < 0


def test_groups_stop_words_and_contract_columns():
    tokens = make_tokens(
        {"a": "le coopération de ville coopération ville", "b": "coopération attractivité le attractivité"},
        years={"a": 2012, "b": 2025},
    )
    res = collocations(tokens, ["coopération"], span=2, group="year")
    assert list(res.columns[:6]) == ["group", "node", "collocate", "cofreq", "pmi", "ll"]
    assert set(res["group"]) == {2012, 2025}
    assert not res["collocate"].isin(["le", "de"]).any()  # stop words occupy slots but are not reported
    b = res[res["group"] == 2025].set_index("collocate")
    assert b.loc["attractivité", "cofreq"] == 1 and b.loc["attractivité", "n_tokens"] == 4
    assert b.loc["attractivité", "window_slots"] == 2
    with_stop = collocations(tokens, ["coopération"], span=2, group="year", keep_stop=True)
    assert with_stop["collocate"].isin(["le"]).any()
    assert collocations(tokens, ["absent"]).empty


def test_top_bigrams_nltk_contingency():
    # two sentences; bigrams never cross a sentence: "ville | attractivité" is not a pair
    tokens = make_tokens(
        {"a": "aide publique au développement aide publique | ville | attractivité aide publique"}
    )
    res = top_bigrams(tokens, min_count=1, n=None).set_index("bigram")
    n_xx = 5 + 2  # sentence 1: 5 pairs; sentence 2: none; sentence 3: 2
    assert res.loc["aide publique", "count"] == 3
    n_ix, n_xi = 3, 3  # 'aide' first in 3 pairs, 'publique' second in 3
    assert res.loc["aide publique", "pmi"] == pytest.approx(np.log2(3 * n_xx / (n_ix * n_xi)))
    assert res.loc["aide publique", "ll"] == pytest.approx(
        float(log_likelihood(3, n_xi - 3, n_ix, n_xx - n_ix))
    )
    assert "ville attractivité" not in res.index
    assert res.index[0] == "aide publique"
    assert top_bigrams(tokens, min_count=3)["bigram"].tolist() == ["aide publique"]


def test_kwic_unchanged_by_collocations():
    tokens = make_tokens({"a": "la coopération décentralisée et attractivité"})
    out = kwic(tokens, ["attractivité"], window=2)
    assert out["keyword"].tolist() == ["attractivité"] and out["left"].iloc[0] == "décentralisée et"
