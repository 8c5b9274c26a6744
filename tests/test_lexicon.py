"""Tests of the frame lexicon: validation of the YAML file and matching of frame terms in token tables."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from aictlab.errors import LexiconError, SchemaError
from aictlab.lexicon import (
    MATCH_COLUMNS,
    canonical_lemma,
    load_lexicon,
    match_terms,
    parse_lexicon,
    split_form,
)

ISSUE_CORE = {
    "solidarite": [
        "solidarité", "solidaire", "aide au développement", "aide publique au développement", "développement local",
        "partenariat", "réciprocité", "paix", "réconciliation", "lutte contre la pauvreté",
    ],
    "attractivite": [
        "attractivité", "attractif", "rayonnement", "compétitivité", "marketing territorial", "diplomatie économique",
        "influence", "investissement", "export", "marque territoriale",
    ],
}  # fmt: skip


def toks(*lemmas, tokens=None, doc="d", sent=None):
    """A token table with one row per lemma (surface = lemma unless given)."""
    n = len(lemmas)
    return pd.DataFrame(
        {
            "doc_id": doc,
            "tok_pos": range(n),
            "lemma": list(lemmas),
            "token": list(tokens) if tokens is not None else list(lemmas),
            "sent_id": list(sent) if sent is not None else [0] * n,
            "seg_id": f"{doc}_s0",
            "year": 2020,
        }
    )


def mini(terms_yaml: str, frames: str = "frames:\n  a: first\n  b: second\n") -> object:
    import yaml

    return parse_lexicon(
        yaml.safe_load(frames + "terms:\n" + textwrap.indent(textwrap.dedent(terms_yaml), "  "))
    )


# ---------------------------------------------------------------------------------------------- packaged file
def test_packaged_lexicon_loads_with_required_core_terms():
    lex = load_lexicon()
    assert lex.frame_names == ("solidarite", "attractivite")
    terms = lex.terms.set_index("term")
    for frame, required in ISSUE_CORE.items():
        for term in required:
            assert terms.loc[term, "frame"] == frame, term
            assert terms.loc[term, "tier"] == "core", term
    assert lex.terms["justification"].str.len().gt(10).all()
    assert lex.terms["source"].str.len().gt(3).all()
    assert set(lex.terms["tier"]) == {"core", "extended"}
    assert len(lex.sha256) == 64
    # frames are disjoint and no lemma sequence is listed twice
    assert not lex.forms["form"].duplicated().any()
    assert "coopération décentralisée" in set(lex.excluded["term"])


def test_subset_core_and_drop_terms():
    lex = load_lexicon()
    core = lex.subset(tier="core")
    assert set(core.terms["tier"]) == {"core"}
    assert len(core.terms) == int(lex.terms["tier"].eq("core").sum())
    dropped = lex.subset(drop_terms=["paix"])
    assert "paix" not in set(dropped.terms["term"]) and "paix" not in set(dropped.forms["term"])
    with pytest.raises(LexiconError, match="unknown term"):
        lex.subset(drop_terms=["no such term"])


# ---------------------------------------------------------------------------------------------- validation
GOOD_ENTRY = "- {term: x, frame: a, tier: core, justification: why}\n- {term: y, frame: b, tier: core, justification: why}\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("frames: [a\n", "not valid YAML"),
        ("- just a list\n", "top level must be a mapping"),
        ("terms:\n" + textwrap.indent(GOOD_ENTRY, "  "), "missing top-level key 'frames'"),
        ("frames:\n  a: x\n", "missing top-level key 'terms'"),
        ("frames: {}\nterms:\n" + textwrap.indent(GOOD_ENTRY, "  "), "'frames' must be a non-empty mapping"),
        ("frames:\n  a: x\n  b: y\nterms: []\n", "'terms' must be a non-empty list"),
        (
            "frames:\n  a: x\n  b: y\n  c: z\nterms:\n" + textwrap.indent(GOOD_ENTRY, "  "),
            "c declared with an empty list",
        ),
        (
            "frames:\n  Bad-Name: x\nterms:\n  - {term: x, frame: Bad-Name, tier: core, justification: w}\n",
            "frame name",
        ),
        (
            "frames:\n  a: x\nterms:\n  - {term: x, frame: influence, tier: core, justification: w}\n",
            "entry 1 \\('x'\\): unknown frame 'influence'",
        ),
        (
            "frames:\n  a: x\nterms:\n  - {term: x, frame: a, tier: central, justification: w}\n",
            "tier 'central'",
        ),
        (
            "frames:\n  a: x\nterms:\n  - {term: x, frame: a, tier: core}\n",
            "missing or empty 'justification'",
        ),
        (
            "frames:\n  a: x\nterms:\n  - {term: x, frame: a, tier: core, justification: w, tiers: core}\n",
            "unknown key",
        ),
        ("frames:\n  a: x\nterms:\n  - just a string\n", "entry 1: expected a mapping"),
        (
            "frames:\n  a: x\nterms:\n  - {term: x, frame: a, tier: core, justification: w, lemmas: []}\n",
            "'lemmas'",
        ),
        (
            "frames:\n  a: x\n  b: y\nterms:\n  - {term: paix, frame: a, tier: core, justification: w}\n"
            "  - {term: Paix, frame: b, tier: core, justification: w}\n",
            "entry 2 \\('Paix'\\): duplicate entry: term 'Paix' appears in both frames 'a' and 'b'",
        ),
        (
            "frames:\n  a: x\nterms:\n  - {term: paix, frame: a, tier: core, justification: w}\n"
            "  - {term: paix, frame: a, tier: extended, justification: w}\n",
            "appears twice in frame 'a'",
        ),
        (
            "frames:\n  a: x\n  b: y\nterms:\n  - {term: pays du Sud, frame: a, tier: core, justification: w}\n"
            "  - {term: sud, frame: b, tier: core, justification: w, lemmas: [pays des sud]}\n",
            "lemma sequence 'pays de sud' already belongs to term 'pays du Sud'",
        ),
    ],
)
def test_validator_rejects_malformed_files(tmp_path, content, message):
    path = tmp_path / "my_frames.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=message) as err:
        load_lexicon(path)
    assert "my_frames.yaml" in str(err.value)


def test_validator_rejects_missing_file_and_non_utf8(tmp_path):
    with pytest.raises(LexiconError, match="cannot read"):
        load_lexicon(tmp_path / "absent.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("frames:\n  a: é\n".encode("latin-1"))
    with pytest.raises(LexiconError, match="not UTF-8"):
        load_lexicon(bad)


def test_user_lexicon_with_a_third_frame(tmp_path):
    path = tmp_path / "three.yaml"
    path.write_text(
        "frames:\n  solidarite: s\n  attractivite: a\n  influence: i\nterms:\n"
        "  - {term: solidarité, frame: solidarite, tier: core, justification: w}\n"
        "  - {term: attractivité, frame: attractivite, tier: core, justification: w}\n"
        "  - {term: soft power, frame: influence, tier: extended, justification: w}\n",
        encoding="utf-8",
    )
    lex = load_lexicon(path)
    m = match_terms(toks("le", "soft", "power", "et", "la", "solidarité"), lex)
    assert m[["frame", "term"]].values.tolist() == [["influence", "soft power"], ["solidarite", "solidarité"]]
    assert match_terms(toks("soft", "power"), lex, tier="core").empty


# ---------------------------------------------------------------------------------------------- matching
def test_canonical_forms():
    assert canonical_lemma("Du") == "de"
    assert canonical_lemma("l\u2019") == "le"
    assert canonical_lemma("Solidarite\u0301") == "solidarité"  # NFC
    assert split_form("lutte contre la pauvreté") == ("lutte", "contre", "le", "pauvreté")
    assert split_form("aide_publique_au_développement") == ("aide", "publique", "au", "développement")


def test_mwe_sequence_longest_match_and_columns():
    lex = load_lexicon()
    t = toks("le", "aide", "public", "au", "développement", "et", "le", "aide", "au", "développement")
    m = match_terms(t, lex)
    assert list(m.columns) == list(MATCH_COLUMNS)
    assert m["term"].tolist() == ["aide publique au développement", "aide au développement"]
    assert m["n_tokens"].tolist() == [4, 3]
    assert m["tok_pos"].tolist() == [1, 7] and m["tok_pos_end"].tolist() == [4, 9]


def test_mwe_beats_its_parts_across_frames():
    # "investissement" (attractivité) and "solidaire" (solidarité) inside "investissement solidaire" (solidarité)
    m = match_terms(toks("le", "investissement", "solidaire", "et", "le", "investissement"), load_lexicon())
    assert m[["term", "frame"]].values.tolist() == [
        ["investissement solidaire", "solidarite"],
        ["investissement", "attractivite"],
    ]


def test_global_longest_match_wins_over_leftmost():
    lex = mini(
        """
        - {term: x y, frame: a, tier: core, justification: w}
        - {term: y z w, frame: b, tier: core, justification: w}
        """
    )
    m = match_terms(toks("x", "y", "z", "w"), lex)
    assert m["term"].tolist() == ["y z w"]


def test_mwe_token_counts_once_and_parts_inside_it():
    lex = load_lexicon()
    t = toks("solidarité_internationale", "attractivité_territoriale", "pays_du_sud", "culture_de_paix")
    m = match_terms(t, lex)
    assert m["term"].tolist() == ["solidarité internationale", "attractivité", "pays du Sud", "paix"]
    assert m["n_tokens"].tolist() == [1, 1, 1, 1]


def test_match_never_cuts_a_multiword_token():
    lex = load_lexicon()
    # "développement local" must not be read across the end of "aide_au_développement" and the next token
    m = match_terms(toks("aide_au_développement", "local"), lex)
    assert m["term"].tolist() == ["aide au développement"]


def test_function_words_agree_across_lemmatisers():
    lex = load_lexicon()
    spacy_like = match_terms(toks("le", "pays", "de", "sud"), lex)
    simplemma_like = match_terms(toks("le", "pays", "du", "sud"), lex)
    assert spacy_like["term"].tolist() == simplemma_like["term"].tolist() == ["pays du Sud"]
    assert match_terms(toks("le", "renforcement", "un", "capacité"), lex)["term"].tolist() == [
        "renforcement des capacités"
    ]


def test_surface_fallback_for_one_word_entries_only():
    lex = load_lexicon()
    t = toks(
        "le",
        "rayonnemer",
        "et",
        "le",
        "attractiviter",
        tokens=["le", "rayonnement", "et", "l'", "attractivité"],
    )
    assert match_terms(t, lex)["term"].tolist() == ["rayonnement", "attractivité"]
    # a multi-word entry is matched on lemmas only (core tier: the one-word "marketing" is extended)
    t = toks("marketinger", "territorial", tokens=["marketing", "territorial"])
    assert match_terms(t, lex, tier="core").empty
    assert match_terms(t, lex)["term"].tolist() == ["marketing"]


def test_punctuation_and_sentences_break_sequences():
    lex = load_lexicon()
    assert match_terms(toks("aide", ",", "au", "développement"), lex).empty
    assert match_terms(toks("aide", "au", "développement", sent=[0, 0, 1]), lex).empty
    assert match_terms(toks("aide", " ", "au", "développement"), lex).empty


def test_tier_core_excludes_extended_terms():
    lex = load_lexicon()
    t = toks("paix", "pacification", "attractivité", "tourisme")
    assert match_terms(t, lex)["term"].tolist() == ["paix", "pacification", "attractivité", "tourisme"]
    assert match_terms(t, lex, tier="core")["term"].tolist() == ["paix", "attractivité"]


def test_empty_and_bad_input():
    lex = load_lexicon()
    out = match_terms(toks(), lex)
    assert out.empty and list(out.columns) == list(MATCH_COLUMNS)
    with pytest.raises(SchemaError, match="tokens: missing column"):
        match_terms(pd.DataFrame({"doc_id": ["d"], "lemma": ["paix"]}), lex)


def test_documents_are_separate_and_order_is_by_document_position():
    lex = load_lexicon()
    t = pd.concat([toks("aide", "au", doc="b"), toks("développement", "paix", doc="a")], ignore_index=True)
    m = match_terms(t, lex)
    assert m[["doc_id", "term"]].values.tolist() == [["a", "paix"]]
    assert m["index_start"].tolist() == [3]
