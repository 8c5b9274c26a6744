"""Strict input reading: one encoding policy (properties and planted cases), IRaMuTeQ star lines, Word tables
and headers, paragraphs longer than spaCy's limit."""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aictlab import nlp
from aictlab.corpus import load_corpus
from aictlab.errors import CorpusError
from aictlab.io import decode_text, read_docx
from aictlab.iramuteq import iramuteq_documents

# Text a document may hold: any character but surrogates, NUL/controls (other than tab and line ends) and U+FFFD.
CLEAN_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffd\ufeff"
) | st.sampled_from("\t\n\r")
FRENCH = "abcdefghijklmnopqrstuvwxyzéèêëàâçîïôœùûüÉÈÀÇŒ’«»…€ .,;:!?-'0123456789\n"


@settings(max_examples=200, deadline=None)
@given(st.text(CLEAN_CHARS, max_size=200), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_declared_or_marked_text_decodes_to_exactly_itself(text, encoding):
    """UTF-8 (with or without BOM) and UTF-16/32 with BOM give back the very text; declaring the codec too."""
    data = text.encode(encoding)
    assert decode_text(data, path="f.txt", encoding=encoding) == text
    try:
        decoded = decode_text(data, path="f.txt")
    except CorpusError as err:  # only refusal a clean text can meet: it looks like mojibake
        assert "mojibake" in str(err)
    else:
        assert decoded == text


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_refused_or_decoded_exactly(data):
    """Never a guess: whatever the bytes, the result is their exact UTF-8/BOM decoding, or a CorpusError."""
    try:
        text = decode_text(data, path="f.bin")
    except CorpusError as err:
        assert str(err).startswith("f.bin: ")
        return
    candidates = [data.decode(c, errors="replace") for c in ("utf-8", "utf-8-sig", "utf-16", "utf-32")]
    assert text in candidates
    assert "\x00" not in text and "\ufffd" not in text


@settings(max_examples=150, deadline=None)
@given(
    st.text(st.sampled_from(FRENCH), max_size=80), st.sampled_from("éàçœ’«…ÉÀ€"), st.text(FRENCH, max_size=80)
)
@example(before="â€", accented="œ", after="")  # a clean text that reads as mojibake itself
def test_utf8_read_once_as_cp1252_is_always_refused(before, accented, after):
    """Mojibake of any French text with one accented character is refused, naming the line."""
    text = before + accented + after
    mojibake = text.encode("utf-8").decode("cp1252", errors="ignore").encode("utf-8")
    with pytest.raises(CorpusError, match=r"f.txt: mojibake .* at line \d+"):
        decode_text(mojibake, path="f.txt")
    try:
        assert decode_text(text.encode("utf-8"), path="f.txt") == text
    except CorpusError as err:
        # the one clean text refused holds "â€" and a cp1252 character: exactly how “ (â€œ) or … (â€¦) look
        # once misread, so it is refused as mojibake (hypothesis found before='â€', accented='œ')
        assert "â€" in text and "mojibake" in str(err)


@settings(max_examples=100, deadline=None)
@given(st.text(st.sampled_from(FRENCH), min_size=1, max_size=100), st.integers(0, 100))
def test_a_nul_anywhere_is_refused(text, where):
    where = min(where, len(text))
    data = (text[:where] + "\x00" + text[where:]).encode("utf-8")
    with pytest.raises(CorpusError, match=rf"NUL byte at offset {len(text[:where].encode())}"):
        decode_text(data, path="f.txt")


@settings(max_examples=100, deadline=None)
@given(
    st.text(st.sampled_from(FRENCH), min_size=1, max_size=100), st.sampled_from(["utf-16-le", "utf-16-be"])
)
def test_utf16_without_bom_is_refused(text, encoding):
    """Any text holding a Latin-1 character (every French text: its letters) has NUL bytes in UTF-16."""
    with pytest.raises(CorpusError, match="NUL byte .*UTF-16/UTF-32 without byte-order mark"):
        decode_text((text + "a").encode(encoding), path="f.txt")


def test_planted_encoding_attacks():
    solidarite = "La solidarité."
    # UTF-32 with BOM is UTF-32 (not UTF-16), silently and exactly
    assert decode_text(solidarite.encode("utf-32"), path="f.txt") == solidarite
    # one stray cp1252 byte in a UTF-8 file: refused at its line, not the whole file as mojibake
    data = "Ligne une.\nLa solidarité ".encode() + b"\xe9" + b" internationale."
    with pytest.raises(CorpusError, match=r"not valid utf-8 \(byte 0xe9 at offset 26, line 2\)"):
        decode_text(data, path="f.txt")
    # random binary without NUL
    rng = random.Random(7)
    binary = bytes(rng.choice([b for b in range(1, 256)]) for _ in range(2000))
    with pytest.raises(CorpusError, match="f.txt: "):
        decode_text(binary, path="f.txt")
    # a control character inside a word
    with pytest.raises(CorpusError, match=r"control character U\+0007 at line 1"):
        decode_text("solida\x07rité".encode(), path="f.txt")
    # characters a converter already lost
    with pytest.raises(CorpusError, match="U\\+FFFD at line 1"):
        decode_text("solidarit\ufffd".encode(), path="f.txt")
    # French closing a capital-É word with » is not mojibake
    assert decode_text("«CAFÉ» et «ÉTÉ»".encode(), path="f.txt") == "«CAFÉ» et «ÉTÉ»"
    # a declared codec is applied strictly: a byte it does not define is named
    with pytest.raises(CorpusError, match=r"not valid cp1252 \(byte 0x81"):
        decode_text(b"abc\x81", path="f.txt", encoding="cp1252")


# --- IRaMuTeQ star lines ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "star_line", ["*** *doc_b *year_2017", "***** *doc_b *year_2017", "*****doc_b", "*doc_b"]
)
def test_mistyped_iramuteq_header_is_refused_naming_the_line(tmp_path, star_line):
    path = tmp_path / "corpus.txt"
    path.write_text(
        f"**** *doc_a *year_2012\nTexte de 2012.\n\n{star_line}\nTexte de 2017.\n", encoding="utf-8"
    )
    with pytest.raises(
        CorpusError, match=rf"corpus.txt line 4: '{star_line.replace('*', '[*]')}' starts with"
    ):
        iramuteq_documents(path)


def test_valid_headers_and_thematics_still_read(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(
        "**** *doc_a *year_2012\n-*theme\nTexte.\n****   *doc_b *year_2017\nAutre.\n", encoding="utf-8"
    )
    documents, paragraphs = iramuteq_documents(path)
    assert documents["doc_id"].tolist() == ["a", "b"]
    assert documents["year"].tolist() == [2012, 2017]
    assert paragraphs["thematic"].tolist() == ["theme", ""]


# --- Word files -----------------------------------------------------------------------------------------------


def _docx_bytes(build) -> bytes:
    import docx

    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_tables_headers_and_footers_are_read(tmp_path):
    def build(document):
        document.sections[0].header.paragraphs[0].text = "Ville de Nantes - service international"
        document.sections[0].footer.paragraphs[0].text = "Page de pied"
        document.add_paragraph("Avant le tableau.")
        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).text = "Solidarité"
        table.cell(0, 1).text = "Attractivité"
        table.cell(1, 0).merge(table.cell(1, 1)).text = "Cellule fusionnée"
        document.add_paragraph("Après le tableau.")

    path = tmp_path / "a.docx"
    path.write_bytes(_docx_bytes(build))
    assert read_docx(path).split("\n\n") == [
        "Ville de Nantes - service international",
        "Avant le tableau.",
        "Solidarité",
        "Attractivité",
        "Cellule fusionnée",
        "Après le tableau.",
        "Page de pied",
    ]


def test_table_only_docx_is_not_empty(tmp_path):
    def build(document):
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "La coopération décentralisée."
        table.cell(0, 1).text = "Le rayonnement des territoires."

    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "t.docx").write_bytes(_docx_bytes(build))
    (folder / "metadata.csv").write_text("doc_id,file,date\nt,t.docx,2020\n", encoding="utf-8")
    corpus = load_corpus(folder, lemmatizer="simplemma", cache_dir=None)
    assert corpus.paragraphs["text"].tolist() == [
        "La coopération décentralisée.",
        "Le rayonnement des territoires.",
    ]


# --- long paragraphs ------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("ab. \n!"), max_size=400), st.integers(4, 60))
def test_split_long_text_concatenates_back_within_the_limit(text, limit):
    pieces = nlp.split_long_text(text, limit)
    assert "".join(pieces) == text
    assert all(0 < len(p) <= limit for p in pieces) or pieces == [""]
    if len(text) <= limit:
        assert pieces == [text]


def test_split_prefers_sentence_ends_then_spaces():
    text = "Une phrase. Deux mots ici"
    assert nlp.split_long_text(text, 20) == ["Une phrase. ", "Deux mots ici"]
    assert nlp.split_long_text("aaaa bbbb cccc", 10) == ["aaaa bbbb ", "cccc"]
    assert nlp.split_long_text("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]


@pytest.mark.parametrize("lemmatizer", ["simplemma", "spacy"])
def test_long_paragraph_tokens_equal_those_of_its_sentences(monkeypatch, lemmatizer):
    sentence = "La solidarité internationale progresse avec les collectivités. "
    paragraph = sentence * 60
    whole = nlp.tokenize([paragraph, "Bonjour."], lemmatizer=lemmatizer)
    monkeypatch.setattr(nlp, "MAX_CHUNK_CHARS", 300)  # the paragraph now goes through spaCy in pieces
    pieces = nlp.tokenize([paragraph, "Bonjour."], lemmatizer=lemmatizer)
    assert len(nlp.split_long_text(paragraph, 300)) == 15  # 4 sentences (256 characters) each
    assert pieces == whole
    assert len(pieces[0]) == 60 * 8 and pieces[1][0][0] == "Bonjour"


def test_paragraph_over_spacy_max_length_is_no_error():
    """spaCy refuses texts over ``max_length`` (E088); the pipeline is given pieces below it."""
    pipeline = nlp.spacy_pipeline("spacy")
    saved = pipeline.max_length
    pipeline.max_length = 1_000
    try:
        rows = nlp.tokenize(["Les villes coopèrent. " * 200], lemmatizer="spacy")
    finally:
        pipeline.max_length = saved
    assert [r[0] for r in rows[0][:4]] == ["Les", "villes", "coopèrent", "."]
    assert len(rows[0]) == 200 * 4


# --- metadata identifiers and dates ---------------------------------------------------------------------------


def _metadata(folder, rows: str):
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("a.txt", "b.txt"):
        (folder / name).write_text("La solidarité.", encoding="utf-8")
    (folder / "metadata.csv").write_text("doc_id,file,date\n" + rows, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "cité,a.txt,2012\ncite\u0301,b.txt,2013\n",
            "row 2: duplicate doc_id 'cite\u0301' \\(also row 1 as 'cité', the same once accents are normalised\\)",
        ),
        ('"a\nb",a.txt,2012\n', r"row 1: doc_id 'a\\nb' holds a control character"),
        ("a\x00b,a.txt,2012\n", r"metadata.csv"),
        ("a,a.txt,2099\n", r"row 1 \(doc_id 'a'\): year 2099 is out of range"),
        ("a,a.txt,٢٠١٢\n", r"row 1 \(doc_id 'a'\): date '٢٠١٢' is not ISO 8601"),
    ],
)
def test_metadata_identifiers_and_dates_that_would_mislead_are_refused(tmp_path, rows, message):
    from aictlab.io import read_metadata

    with pytest.raises(CorpusError, match=message):
        read_metadata(_metadata(tmp_path / "c", rows))
