"""Europresse HTML exports: articles, metadata, boilerplate, errors, and a round trip to a corpus."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aictlab import geography
from aictlab.corpus import load_corpus, read_europresse
from aictlab.errors import CorpusError
from aictlab.europresse import europresse_articles, europresse_documents

FIXTURES = Path(__file__).parent / "fixtures" / "europresse"


def test_one_export_file():
    docs = europresse_documents(FIXTURES / "export_2019.HTML")
    assert docs["doc_id"].tolist() == ["export_2019_0001", "export_2019_0002"]
    assert docs["file"].tolist() == ["export_2019.HTML"] * 2
    assert docs["date"].tolist() == ["2019-03-05", "2019-12-12"]
    assert docs["year"].tolist() == [2019, 2019]
    assert docs["source"].tolist() == ["Ouest-Exemple", "La Gazette Exemple"]
    assert docs["publication"].tolist() == ["Ouest-Exemple, no. 21345", "La Gazette Exemple (site web)"]
    assert docs["title"].tolist() == [
        "La ville renouvelle son jumelage avec Bamako",
        "Une mission économique au Vietnam",
    ]
    assert docs["author"].tolist() == ["Jeanne Exemple", ""]
    assert docs["section"].tolist() == ["Régions", "Économie"]
    assert docs["europresse_id"].tolist() == ["news·20190305·OE·0001", "news·20191212·GE·0002"]
    # the text only: no portal header/footer, no « Cet article est paru dans », no notes, no copyright
    assert docs["raw_text"].tolist() == [
        "Le conseil municipal a voté mardi une nouvelle convention de coopération décentralisée avec Bamako.\n\n"
        "Les élus veulent soutenir l'accès à l'eau dans deux quartiers de la capitale malienne.",
        "La métropole conduit une délégation d'entreprises à Hué pour attirer des investisseurs.",
    ]


def test_folder_of_exports_and_english_dates():
    docs = europresse_documents(FIXTURES)
    assert docs["doc_id"].tolist() == ["export_2019_0001", "export_2019_0002", "export_2021_0001"]
    last = docs.iloc[-1]
    assert (last["date"], last["source"], last["author"], last["section"]) == (
        "2021-03-01",
        "The Example Times",
        "John Example",
        "World",
    )


def test_not_an_export_is_refused():
    with pytest.raises(CorpusError, match=r"not_europresse\.html: not a Europresse export"):
        europresse_documents(FIXTURES / "bad" / "not_europresse.html")
    with pytest.raises(CorpusError, match="no such Europresse file"):
        europresse_documents(FIXTURES / "missing.html")
    with pytest.raises(CorpusError, match="no .html file"):
        europresse_documents(FIXTURES.parent.parent)  # tests/: no HTML file at its top


def test_article_without_date_or_text_is_named():
    head = '<article><header><span class="DocPublicationName">Le Journal</span>'
    no_date = (
        head + '<span class="DocHeader">Sans date</span><div class="titreArticle">Titre A</div></header>'
    )
    no_date += '<section><div class="docOcurrContainer"><p>Du texte.</p></div></section></article>'
    with pytest.raises(CorpusError, match=r"x\.html, article 1 \('Titre A'\): no date"):
        europresse_articles(no_date, where="x.html")
    no_text = head + '<span class="DocHeader">lundi 2 mai 2022</span><div class="titreArticle">Titre B</div>'
    no_text += '</header><section><div class="DocText"><p>© 2022 Le Journal. Tous droits réservés.</p></div>'
    no_text += "</section></article>"
    with pytest.raises(CorpusError, match=r"article 1 \('Titre B'\): the article has no text"):
        europresse_articles(no_text, where="x.html")


def test_round_trip_to_corpus_and_places():
    corpus = read_europresse(FIXTURES, lemmatizer="simplemma")
    # the same corpus through load_corpus (a folder of exports without metadata.csv), as --corpus gives it
    pd.testing.assert_frame_equal(load_corpus(FIXTURES, lemmatizer="simplemma", cache_dir=None).documents,
                                  corpus.documents)  # fmt: skip
    docs = corpus.documents.set_index("doc_id")
    assert list(docs.index) == ["export_2019_0001", "export_2019_0002", "export_2021_0001"]
    assert docs["source"].tolist() == ["Ouest-Exemple", "La Gazette Exemple", "The Example Times"]
    assert docs["year"].tolist() == [2019, 2019, 2021]
    result = geography.partner_geography(corpus, n_boot=99)
    found = result.places[result.places["side"] == "partner"].groupby("doc_id")["iso3"].agg(sorted)
    assert found.to_dict() == {
        "export_2019_0001": ["MLI", "MLI"],  # Bamako, malienne
        "export_2019_0002": ["VNM"],  # Hué (the title « …au Vietnam » is a column, not text)
        "export_2021_0001": ["BFA", "MAR"],
    }


def test_title_in_text_option():
    docs = europresse_documents(FIXTURES / "export_2021.html", title_in_text=True)
    assert (
        docs["raw_text"].iloc[0]
        == "Twinned cities\n\nLa région signe un accord avec Casablanca et Ouagadougou."
    )
    assert docs["title"].iloc[0] == "Twinned cities"


def test_article_repeated_across_editions_is_a_duplicate():
    corpus = load_corpus(
        FIXTURES / "editions" / "export_editions.html", lemmatizer="simplemma", cache_dir=None
    )
    docs = corpus.documents
    assert docs["source"].tolist() == ["Le Courrier Exemple", "Le Courrier Exemple"]
    assert docs["publication"].tolist() == [
        "Le Courrier Exemple (édition Nord)",
        "Le Courrier Exemple (édition Sud)",
    ]
    flagged = corpus.paragraphs[corpus.paragraphs["is_duplicate"]]
    assert len(flagged) == 1 and flagged["text"].iloc[0].startswith("La communauté d'agglomération")
    result = geography.partner_geography(corpus, n_boot=9)
    assert result.by_document["partner"].sum() == 2  # Dori and Burkina Faso, counted once
