"""The textometry report part on small corpora nobody tuned it for: every sentence about the corpus is computed
from the data, and none is printed half empty."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from aictlab.config import Settings
from aictlab.corpus import build_corpus
from aictlab.report import part_textometry
from aictlab.report.context import ReportContext

TEXTS = {
    2011: "La coopération décentralisée soutient la solidarité entre les villes. Les villes aident les écoles.",
    2012: "La solidarité internationale des communes finance les puits. Les communes aident les villages.",
    2013: "La coopération des régions porte la solidarité avec les villages. Les régions forment les élus.",
    2021: "L'attractivité du territoire attire les entreprises. Le rayonnement de la ville attire les talents.",
    2022: "Le marketing territorial vend l'attractivité de la métropole. La métropole attire les investisseurs.",
    2023: "La diplomatie économique promeut l'attractivité des régions. Les régions attirent les touristes.",
}


@pytest.fixture(scope="module")
def small_corpus():
    documents = pd.DataFrame(
        {
            "doc_id": [f"doc_{year}" for year in TEXTS],
            "date": [f"{year}-06-01" for year in TEXTS],
            "text": list(TEXTS.values()),
        }
    )
    return build_corpus(documents, lemmatizer="simplemma")


def run_part(corpus, tmp_path) -> str:
    settings = Settings(root=tmp_path, extra={"reinert_k": 2})
    return part_textometry.run(ReportContext(settings=settings, corpus=corpus))


@pytest.mark.slow
def test_small_corpus_gets_no_empty_sentence_and_no_seed_narrative(small_corpus, tmp_path):
    markdown = run_part(small_corpus, tmp_path)
    assert "## Textometry" in markdown and "2010-2014" in markdown and "2020-2024" in markdown
    for empty in (": ;", ": .", "pairs: .", "()", ": (`"):
        assert empty not in markdown, empty
    # 12 words per document: no adjacent pair occurs 3 times, and the part says so
    assert "No adjacent pair of lemmas occurs 3 times or more." in markdown
    # no document variable but the year: nothing is said to be confounded with the period
    assert "confounded" not in markdown and "seed" not in markdown
    # three documents per period: the CA sentence about single-document periods is not written
    assert "holds a single document" not in markdown
    assert "METHODS" not in markdown and "`docs/methods.md` §6" in markdown
    keyness = pd.read_csv(tmp_path / "figures" / "tables" / "keyness_periods.csv")
    assert sorted(keyness["group"].unique()) == ["2010-2014", "2020-2024"]


@pytest.mark.slow
def test_confounding_is_said_only_when_the_period_by_organiser_table_shows_it(small_corpus, tmp_path):
    docs = small_corpus.documents
    one_each = dataclasses.replace(
        small_corpus, documents=docs.assign(organiser=["CUF"] * 3 + ["MEAE"] * 3, genre=["rapport"] * 6)
    )
    markdown = run_part(one_each, tmp_path / "a")
    # one organiser per period (aictlab.design.design_notes): organiser confounded, strongly associated (V = 1);
    # the single genre of both ends is noted as no confounder; the part points to those three notes
    assert "the Corpus section lists 3 design note(s) on this corpus" in markdown
    assert "(e.g. each end period holds a single organiser (CUF in 2010-2014, MEAE in 2020-2024)" in markdown
    mixed = dataclasses.replace(small_corpus, documents=docs.assign(organiser=["CUF", "MEAE"] * 3))
    assert "design note" not in run_part(mixed, tmp_path / "b")
