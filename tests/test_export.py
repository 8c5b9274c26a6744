"""Document-term matrix export, counted by hand on a two-document corpus, read back through scipy."""

from __future__ import annotations

import dataclasses
import io

import pandas as pd
from scipy import io as scipy_io

from aictlab.corpus import build_corpus, select_tokens
from aictlab.export import dtm_files, write_dtm
from aictlab.keyness import document_term_counts, lexical_table


def small_counts():
    corpus = build_corpus(
        pd.DataFrame(
            {
                "doc_id": ["a", "b"],
                "date": ["2012", "2025"],
                "text": ["La paix et la paix.", "La coopération décentralisée et la paix."],
            }
        ),
        lemmatizer="simplemma",
    )
    return document_term_counts(select_tokens(corpus.tokens), keep_stop=True)


def test_dtm_files_by_hand(tmp_path):
    files = dtm_files(*small_counts())
    assert files["dtm_rows.txt"].decode() == "a\nb\n"
    terms = files["dtm_cols.txt"].decode().split()
    assert terms == ["coopération_décentralisée", "et", "le", "paix"]
    long = pd.read_csv(io.BytesIO(files["dtm_long.csv"]))
    assert long.values.tolist() == [
        ["a", "et", 1],
        ["a", "le", 2],
        ["a", "paix", 2],
        ["b", "coopération_décentralisée", 1],
        ["b", "et", 1],
        ["b", "le", 2],
        ["b", "paix", 1],
    ]
    matrix = scipy_io.mmread(io.BytesIO(files["dtm.mtx"])).toarray()
    assert matrix.tolist() == [[0, 1, 2, 2], [1, 1, 2, 1]]
    paths = write_dtm(*small_counts(), tmp_path / "exports")
    assert sorted(p.name for p in paths) == ["dtm.mtx", "dtm_cols.txt", "dtm_long.csv", "dtm_rows.txt"]


def test_dtm_from_partition_counts_equals_the_whole(seed_corpus, seed_corpus_on_disk):
    # the report's export: lemmas per document with stop words, counted partition by partition
    parted = dtm_files(*document_term_counts(seed_corpus_on_disk, keep_stop=True))
    whole = dtm_files(*document_term_counts(select_tokens(seed_corpus.tokens), keep_stop=True))
    assert parted == whole
    # the long counts are the lexical table's (terms x documents) without its dense array
    table = lexical_table(seed_corpus_on_disk, "doc_id", keep_stop=True)
    long, documents = document_term_counts(seed_corpus_on_disk, keep_stop=True)
    assert documents == list(table.counts.columns)
    pd.testing.assert_frame_equal(long, table.tidy().rename(columns={"group": "doc_id"}), check_dtype=False)
    assert parted["dtm_cols.txt"].decode().split("\n")[:-1] == list(table.counts.index)
    assert parted["dtm_rows.txt"].decode().split() == sorted(seed_corpus.documents["doc_id"])
    long = pd.read_csv(io.BytesIO(parted["dtm_long.csv"]))
    assert long["n"].sum() == len(
        select_tokens(seed_corpus.tokens)
    )  # every counted word token, stop words too


def test_report_exports_only_the_variables_the_corpus_has(tmp_path):
    # a corpus without organiser or genre (as many IRaMuTeQ corpora): the export writes doc, year and date
    from aictlab.config import Settings
    from aictlab.report import part_exports
    from aictlab.report.context import ReportContext

    corpus = build_corpus(
        pd.DataFrame(
            {
                "doc_id": ["a", "b"],
                "date": ["2012-05-23", "2025"],
                "text": ["La paix et la paix.", "La coopération décentralisée et la paix."],
            }
        ),
        lemmatizer="simplemma",
    )
    settings = Settings(root=tmp_path)
    markdown = part_exports.run(ReportContext(settings=settings, corpus=corpus))
    text = (tmp_path / "figures" / "exports" / "corpus_iramuteq.txt").read_text(encoding="utf-8")
    headers = [line for line in text.splitlines() if line.startswith("****")]
    assert headers == ["**** *doc_a *year_2012 *date_20120523", "**** *doc_b *year_2025 *date_2025"]
    assert "2 texts (`*doc_`, `*year_`, `*date_`)" in markdown
    assert (tmp_path / "figures" / "exports" / "dtm_rows.txt").read_text() == "a\nb\n"
    # a document variable the corpus has is written; one it lacks is not
    with_organiser = dataclasses.replace(
        corpus, documents=corpus.documents.assign(organiser=["CNFPT", "MEAE"])
    )
    assert part_exports.export_variables(with_organiser.documents) == ["year", "date", "organiser"]
    part_exports.run(ReportContext(settings=settings, corpus=with_organiser))
    text = (tmp_path / "figures" / "exports" / "corpus_iramuteq.txt").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "**** *doc_a *year_2012 *date_20120523 *organiser_CNFPT"


def test_report_counts_the_texts_written_and_the_matrix_rows_apart(tmp_path):
    # a document repeating another is a text of the IRaMuTeQ file (duplicates kept) but no row of the matrix
    # (its paragraphs counted once, in the fuller document)
    from aictlab.config import Settings
    from aictlab.report import part_exports
    from aictlab.report.context import ReportContext

    shared = (
        "La coopération décentralisée réunit les collectivités territoriales et leurs partenaires autour de "
        "projets de solidarité internationale, de développement durable et de paix entre les territoires."
    )
    corpus = build_corpus(
        pd.DataFrame(
            {
                "doc_id": ["a", "b", "c"],
                "date": ["2012", "2025", "2025"],
                "text": [
                    shared + "\n\nLa paix et la paix.",
                    "Les villes exportent leur savoir-faire vers les marchés étrangers.",
                    shared,
                ],
            }
        ),
        lemmatizer="simplemma",
    )
    assert corpus.paragraphs.loc[corpus.paragraphs["doc_id"].eq("c"), "is_duplicate"].all()
    markdown = part_exports.run(ReportContext(settings=Settings(root=tmp_path), corpus=corpus))
    exports = tmp_path / "figures" / "exports"
    lines = (exports / "corpus_iramuteq.txt").read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("**** ") for line in lines) == 3 and "3 texts (" in markdown
    assert (exports / "dtm_rows.txt").read_text() == "a\nb\n"
    assert "(Matrix Market, 2 documents × " in markdown
