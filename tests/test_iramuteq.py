"""IRaMuTeQ export and import: hand-written expected text, variables, thematics, errors, round trip."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aictlab.cache import TABLES
from aictlab.corpus import build_corpus, read_iramuteq
from aictlab.errors import CorpusError
from aictlab.iramuteq import (
    iramuteq_documents,
    sanitize_modality,
    sanitize_name,
    write_iramuteq,
)

SMALL = pd.DataFrame(
    {
        "doc_id": ["ville-a_2014", "region_b"],
        "date": ["2014-03-01", "2024"],
        "organiser": ["Ville d'Angers", "Région *Sud*"],
        "genre": ["discours", "compte rendu"],
        "raw_text": [
            "La solidarité internationale reste au cœur de la coopération décentralisée.\n\n"
            "9h00-9h30 : Accueil des participants\n\nLes jumelages durent.",
            "L'attractivité du territoire guide désormais l'action extérieure.\n\nLe marketing territorial aussi.",
        ],
    }
)

EXPECTED_SMALL = """\
**** *doc_ville_a_2014 *year_2014 *date_20140301 *organiser_Ville_d_Angers *genre_discours
La solidarité internationale reste au cœur de la coopération décentralisée.
9h00-9h30 : Accueil des participants
Les jumelages durent.

**** *doc_region_b *year_2024 *date_2024 *organiser_Region_Sud *genre_compte_rendu
L'attractivité du territoire guide désormais l'action extérieure.
Le marketing territorial aussi.
"""


@pytest.fixture(scope="module")
def small_corpus():
    return build_corpus(SMALL, lemmatizer="simplemma")


def _write(tmp_path: Path, text: str, name: str = "corpus.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sanitize_values_and_names():
    assert sanitize_modality("Cités Unies France") == "Cites_Unies_France"
    assert sanitize_modality("CNFPT / INSET d'Angers") == "CNFPT_INSET_d_Angers"
    assert sanitize_modality("*x* y") == "x_y"
    assert sanitize_modality("") == sanitize_modality(None) == sanitize_modality(float("nan")) == "na"
    assert sanitize_name("date_evidence") == "dateevidence"
    assert sanitize_name("Année") == "annee"


def test_export_equals_hand_written_text(small_corpus, tmp_path):
    path = write_iramuteq(small_corpus, tmp_path / "out" / "corpus.txt")
    assert path.read_bytes() == EXPECTED_SMALL.encode("utf-8")
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_export_can_leave_out_structure_and_names_unknown_variables(small_corpus, tmp_path):
    path = write_iramuteq(small_corpus, tmp_path / "c.txt", variables=("year",), keep_structure=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "**** *doc_ville_a_2014 *year_2014"
    assert "9h00-9h30 : Accueil des participants" not in lines
    with pytest.raises(CorpusError, match="variable.*theme.*not document columns"):
        write_iramuteq(small_corpus, tmp_path / "d.txt", variables=("year", "theme"))


def test_reader_variables_dates_thematics(tmp_path):
    path = _write(
        tmp_path,
        "**** *doc_lyon_2015 *annee_2015 *organiser_ville_de_lyon *theme_eau\n"
        "La coopération décentralisée avec Porto-Novo continue.\n"
        "-*solidarite\n"
        "Les projets d'eau potable sont financés par la ville.\n"
        "\n"
        "-*attractivite\n"
        "Le marketing territorial attire des investisseurs.\n"
        "**** *date_2016-03-01 *organiser_region\n"
        "Le rayonnement international de la région progresse.\n",
    )
    documents, paragraphs = iramuteq_documents(path)
    assert documents["doc_id"].tolist() == ["lyon_2015", "text_0002"]
    assert documents["date"].tolist() == ["2015", "2016-03-01"]
    assert documents["year"].tolist() == [2015, 2016]
    assert documents["organiser"].tolist() == ["ville_de_lyon", "region"]
    assert documents["theme"].tolist() == ["eau", ""]  # absent variable: empty, as in metadata.csv
    assert documents["source_line"].tolist() == [1, 8]
    assert paragraphs["thematic"].tolist() == ["", "solidarite", "attractivite", ""]
    assert paragraphs["text"].iloc[1] == "Les projets d'eau potable sont financés par la ville."
    corpus = read_iramuteq(path, lemmatizer="simplemma")
    assert corpus.paragraphs["thematic"].tolist() == ["", "solidarite", "attractivite", ""]
    assert corpus.documents["file"].tolist() == ["corpus.txt", "corpus.txt"]
    assert "marketing_territorial" in corpus.tokens["lemma"].tolist()
    assert not corpus.tokens["token"].str.contains(r"\*").any()  # thematic lines are not text
    assert corpus.settings["source"] == "iramuteq"
    # written back, the thematic lines come back where they were
    again = write_iramuteq(corpus, tmp_path / "again.txt", variables=("year", "organiser"))
    assert again.read_text(encoding="utf-8").splitlines()[1:6] == [
        "La coopération décentralisée avec Porto-Novo continue.",
        "-*solidarite",
        "Les projets d'eau potable sont financés par la ville.",
        "-*attractivite",
        "Le marketing territorial attire des investisseurs.",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "**** *doc_a *year_2015\nTexte.\n**** *doc_b *organiser_x\nAutre texte.\n",
            r"line 3 .*'b'.*no date",
        ),
        ("Un texte orphelin.\n**** *doc_a *year_2015\nTexte.\n", r"line 1: text before the first"),
        ("**** *doc_a year_2015\nTexte.\n", r"line 1: 'year_2015' is not an IRaMuTeQ variable"),
        ("**** *doc_a *year_2015 *date_2016-01-01\nTexte.\n", r"line 1 .*date variables disagree"),
        ("**** *doc_a *year_15\nTexte.\n", r"line 1 .*\*year_15 is not a date"),
        ("**** *doc_a *date_2015-02-30\nTexte.\n", r"line 1 .*does not exist"),
        ("**** *doc_a *year_2015\nTexte.\n\n**** *doc_a *year_2016\nTexte.\n", r"line 4: doc_id 'a'.*line 1"),
        ("**** *doc_a *year_2015\n-*theme\n\n", r"line 1 .*the text is empty"),
        ("juste du texte\n", r"line 1: text before the first"),
        ("", r"no '\*\*\*\*' line"),
    ],
)
def test_reader_errors_name_the_line(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(CorpusError, match=message):
        iramuteq_documents(path)


def test_round_trip_of_the_seeds(seed_corpus_simplemma, tmp_path):
    original = seed_corpus_simplemma
    path = write_iramuteq(original, tmp_path / "seeds.txt")
    back = read_iramuteq(path, lemmatizer="simplemma", cache_dir=tmp_path / "processed")
    docs, docs_back = original.documents, back.documents
    for column in ("doc_id", "date", "year", "text"):
        assert docs_back[column].tolist() == docs[column].tolist(), column
    assert docs_back["organiser"].tolist() == [sanitize_modality(v) for v in docs["organiser"]]
    for column in ("doc_id", "para_id", "year", "text", "is_structure", "is_duplicate", "duplicate_of"):
        assert back.paragraphs[column].tolist() == original.paragraphs[column].tolist(), column
    pd.testing.assert_frame_equal(back.tokens, original.tokens, check_dtype=False)
    pd.testing.assert_frame_equal(back.segments, original.segments, check_dtype=False)
    # exported again, the file is the same bytes
    assert write_iramuteq(back, tmp_path / "again.txt").read_bytes() == path.read_bytes()
    # the second read comes from the cache, with the same tables
    cached = read_iramuteq(path, lemmatizer="simplemma", cache_dir=tmp_path / "processed")
    assert cached.cache_key == back.cache_key and cached.corpus_hash == back.corpus_hash
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(cached, name), getattr(back, name), check_dtype=False)
