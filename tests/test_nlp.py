"""Tokens, lemmas and multi-word expressions, with both lemmatizers."""

from __future__ import annotations

import pandas as pd
import pytest

from aictlab import nlp
from aictlab.config import PACKAGE_DATA
from aictlab.errors import LexiconError


def table(texts, lemmatizer="spacy"):
    paragraphs = pd.DataFrame(
        {"doc_id": "d", "para_id": [f"d_p{i}" for i in range(len(texts))], "text": texts}
    )
    return nlp.tokens_table(paragraphs, lemmatizer=lemmatizer, mwes=nlp.read_mwes(PACKAGE_DATA / "mwe.txt"))


@pytest.mark.parametrize("lemmatizer", ["spacy", "simplemma"])
def test_lemmas_of_frame_words(lemmatizer):
    tokens = table(["Les attractivités des villes solidaires."], lemmatizer)
    lemmas = dict(zip(tokens["token"], tokens["lemma"], strict=True))
    assert lemmas["attractivités"] == "attractivité"
    assert lemmas["solidaires"] == "solidaire"


@pytest.mark.parametrize("lemmatizer", ["spacy", "simplemma"])
def test_mwe_is_one_token(lemmatizer):
    tokens = table(
        [
            "La Coopération décentralisée et les relations internationales de l'aide publique au développement."
        ],
        lemmatizer,
    )
    assert tokens["lemma"].tolist() == [
        "le",
        "coopération_décentralisée",
        "et",
        "le",
        "relation_internationale",
        "de",
        "le",
        "aide_publique_au_développement",
        ".",
    ]
    assert tokens["token"].tolist()[1::3] == [
        "Coopération décentralisée",
        "relations internationales",
        "aide publique au développement",
    ]
    assert tokens["is_word"].sum() == 8


def test_tokenization_is_the_same_for_both_lemmatizers():
    text = ["L'action extérieure des collectivités territoriales, aujourd'hui : 9h00-9h45 ! Et après ?"]
    a, b = table(text, "spacy"), table(text, "simplemma")
    assert a["token"].tolist() == b["token"].tolist()
    assert a["sent_id"].tolist() == b["sent_id"].tolist()
    assert (b["pos"] == "").all() and (a["pos"] != "").all()


def test_sentences_and_positions():
    tokens = table(["Une phrase. Une autre ! Fin", "Nouveau paragraphe."])
    assert tokens["sent_id"].tolist() == [0, 0, 0, 1, 1, 1, 2, 3, 3, 3]
    assert tokens["tok_pos"].tolist() == list(range(10))
    assert tokens["space_after"].iloc[6]  # a paragraph end reads as a space


def test_flags():
    tokens = table(["Le 3 juillet 2023, la paix."])
    flags = tokens.set_index("token")[["is_stop", "is_punct", "is_word"]]
    assert flags.loc["Le"].tolist() == [True, False, True]
    assert flags.loc["2023"].tolist() == [False, False, False]
    assert flags.loc[","].tolist() == [False, True, False]
    assert flags.loc["paix"].tolist() == [False, False, True]


def test_read_mwes_errors(tmp_path):
    bad = tmp_path / "mwe.txt"
    bad.write_text("coopération décentralisée\nsolidarité\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"line 2: 'solidarité' is one word"):
        nlp.read_mwes(bad)
    bad.write_text("ct cts = collectivité territoriale\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"line 1: abbreviation 'ct cts' must be one token"):
        nlp.read_mwes(bad)
    bad.write_text("coopération décentralisée\n# comment\nCoopérations décentralisées\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"line 3: .* repeats line 1"):
        nlp.read_mwes(bad)
    with pytest.raises(LexiconError, match="not found"):
        nlp.read_mwes(tmp_path / "absent.txt")


def test_longest_mwe_wins():
    tokens = table(["Les objectifs de développement durable et le développement durable."])
    assert "objectif_de_développement_durable" in tokens["lemma"].tolist()
    assert tokens["lemma"].tolist().count("développement_durable") == 1


@pytest.mark.parametrize("lemmatizer", ["spacy", "simplemma"])
def test_unaccented_capitals_clitics_and_titles(lemmatizer):
    tokens = table(["L'Etat et l'Ecole en Europe. Sont-ils là ? Mme Durand et M. Martin."], lemmatizer)
    lemmas = dict(zip(tokens["token"], tokens["lemma"], strict=True))
    assert lemmas["Etat"] == "état" and lemmas["Ecole"] == "école" and lemmas["Europe"] == "europe"
    stop = dict(zip(tokens["token"], tokens["is_stop"], strict=True))
    assert stop["-ils"] and stop["Mme"] and stop["M."]
    assert not stop["Durand"]


def test_abbreviations_become_their_expression():
    tokens = table(["Les CT étrangères et l'AICT."])
    assert tokens["lemma"].tolist()[:2] == ["le", "collectivité_territoriale"]
    assert "action_internationale_des_collectivités_territoriales" in tokens["lemma"].tolist()


def test_spacy_non_words_fall_back_to_the_dictionary():
    tokens = table(["Le rayonnement et l'attractivité de la ville attirent des investissements."])
    lemmas = dict(zip(tokens["token"], tokens["lemma"], strict=True))
    assert lemmas["rayonnement"] == "rayonnement"
    assert lemmas["attractivité"] == "attractivité"
    assert lemmas["attirent"] == "attirer" and lemmas["investissements"] == "investissement"
