"""The NLP worker pool (:func:`aictlab.nlp.iter_tokens` with ``n_process`` > 1): forked workers send back the
token rows of each text, which must equal the rows made in this process, in the same order, read lazily; a
worker that dies is a clear error, not a hang. Also the one French stop list and the lemmatizer's sets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aictlab import nlp, paragraph_cache
from aictlab.errors import CorpusError

SRC = Path(__file__).resolve().parents[1] / "src"

LONG = "La solidarité internationale progresse avec les collectivités. " * 12  # 768 characters
TEXTS = [
    "Bonjour M. Dupont : l'Etat soutient la coopération décentralisée !",
    "",
    LONG,
    "Les villes coopèrent avec leurs partenaires du Sud.",
    "",
    "",
    "Attractivité, rayonnement et diplomatie économique.",
    LONG + "Fin.",
    "Une phrase.",
]


@pytest.fixture
def short_chunks(monkeypatch):
    monkeypatch.setattr(nlp, "MAX_CHUNK_CHARS", 300)  # the long paragraphs go through spaCy in pieces
    assert len(nlp.split_long_text(LONG, 300)) == 3


def test_pool_rows_equal_in_process_rows_in_order(short_chunks):
    here = list(nlp.iter_tokens(TEXTS, lemmatizer="spacy", batch_size=2, n_process=1))
    pooled = list(nlp.iter_tokens(iter(TEXTS), lemmatizer="spacy", batch_size=2, n_process=2))
    assert pooled == here
    assert [len(rows) for rows in pooled][:2] == [11, 0] and pooled[4] == pooled[5] == []
    assert len(pooled[2]) == 12 * 8 and len(pooled[7]) == 12 * 8 + 2  # pieces joined back into their text
    assert pooled[0][:3] == [
        ("Bonjour", "bonjour", "PROPN", False, False, True, True),
        ("M.", "m.", "NOUN", True, False, True, True),
        ("Dupont", "dupont", "PROPN", False, False, True, True),
    ]
    assert [r[1] for r in pooled[3][:3]] == ["le", "ville", "coopérer"]
    assert pooled[8][0][0] == "Une"


def test_pool_with_no_text_and_only_empty_texts():
    assert list(nlp.iter_tokens([], lemmatizer="spacy", n_process=2)) == []
    assert list(nlp.iter_tokens(["", ""], lemmatizer="spacy", n_process=2)) == [[], []]


def test_pool_reads_texts_lazily():
    read = []

    def texts():
        for i in range(1_000):
            read.append(i)
            yield f"Phrase numéro {i}."

    rows = nlp.iter_tokens(texts(), lemmatizer="spacy", batch_size=2, n_process=2)
    first = next(rows)
    assert [r[0] for r in first] == ["Phrase", "numéro", "0", "."]
    assert len(read) <= 2 * 2 * 2 + 2  # the batches in flight and the one being formed
    rows.close()  # the pool is shut down; nothing else is read
    assert len(read) <= 10


def test_paragraph_cache_through_the_pool(tmp_path):
    texts = ["Les villes coopèrent.", "Bonjour.", "Les villes coopèrent.", ""]
    first = list(paragraph_cache.cached_tokens(texts, folder=tmp_path, lemmatizer="spacy", n_process=2))
    again = list(paragraph_cache.cached_tokens(texts, folder=tmp_path, lemmatizer="spacy", n_process=2))
    assert first == again == list(nlp.iter_tokens(texts, lemmatizer="spacy"))
    assert len(list(tmp_path.glob("shard-*.parquet"))) == 1


def _die_on_boom(doc, lemmatizer):
    if doc.text == "BOOM":
        os._exit(3)  # a worker killed (out of memory, a signal) ends without a word
    return _rows_from_doc(doc, lemmatizer)


_rows_from_doc = nlp._rows_from_doc


def test_a_dead_worker_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(nlp, "_rows_from_doc", _die_on_boom)  # inherited by the forked workers
    texts = ["Une phrase."] * 6 + ["BOOM"] + ["Une autre."] * 6
    with pytest.raises(CorpusError, match="NLP worker process ended abruptly"):
        list(nlp.iter_tokens(texts, lemmatizer="spacy", batch_size=2, n_process=2))


def _raise_on_bad(doc, lemmatizer):
    if doc.text == "BAD":
        raise ValueError("planted failure")
    return _rows_from_doc(doc, lemmatizer)


def test_an_error_in_a_worker_reaches_the_caller(monkeypatch):
    monkeypatch.setattr(nlp, "_rows_from_doc", _raise_on_bad)
    with pytest.raises(ValueError, match="planted failure"):
        list(nlp.iter_tokens(["Bonjour.", "BAD", "Merci."], lemmatizer="spacy", batch_size=1, n_process=2))


def test_without_fork_spacy_runs_its_own_processes(monkeypatch, short_chunks):
    monkeypatch.setattr(nlp, "_can_fork", lambda: False)
    texts = TEXTS[:4]
    assert list(nlp.iter_tokens(texts, lemmatizer="spacy", n_process=2)) == list(
        nlp.iter_tokens(texts, lemmatizer="spacy", n_process=1)
    )


def test_french_stop_words_are_spacys_without_importing_its_language():
    from spacy.lang.fr.stop_words import STOP_WORDS

    assert nlp.french_stop_words() == frozenset(STOP_WORDS)
    assert {"avec", "les", "nous"} <= nlp.french_stop_words()
    script = (
        "import sys\nfrom aictlab import clean\n"
        "assert clean.is_known_word('avec') and clean.is_known_word('nous')\n"
        "assert 'spacy.lang.fr' not in sys.modules, 'cleaning imported spacy.lang.fr'\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    subprocess.run([sys.executable, "-c", script], env=env, check=True)


def test_lemmatizer_word_sets_give_the_lists_lemmas():
    import spacy

    plain = spacy.load(nlp.SPACY_MODEL, exclude=["parser", "ner", "senter"])  # lists, as spaCy loads them
    table = plain.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    assert all(isinstance(words, list) for words in table.values())
    text = (
        "Les collectivités coopèrent ; les villes jumelées rayonnaient, elles étaient attractives et "
        "finançaient des projets solidaires avec leurs partenaires."
    )
    ours = nlp.spacy_pipeline("spacy")
    assert all(
        isinstance(words, frozenset)
        for words in ours.get_pipe("lemmatizer").lookups.get_table("lemma_index").values()
    )
    lemmas = [(t.text, t.pos_, t.lemma_) for t in ours(text)]
    assert lemmas == [(t.text, t.pos_, t.lemma_) for t in plain(text)]
    assert ("coopèrent", "VERB", "coopérer") in lemmas and ("étaient", "AUX", "être") in lemmas
