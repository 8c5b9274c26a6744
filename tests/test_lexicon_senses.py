"""Matching that does not depend on the form of the text (accents), senses of hits (names, titles, acronyms,
context rules) and lexicons of any number of frames."""

from __future__ import annotations

import pandas as pd
import pytest
from test_lexicon import mini, toks

from aictlab.accents import accent_readings, accentless_documents, restore_accents
from aictlab.errors import LexiconError
from aictlab.lexicon import load_lexicon, match_terms, parse_lexicon
from aictlab.senses import read_titles, title_key

PLAIN = "une phrase ordinaire sans aucun mot du lexique pour remplir le document ".split() * 6


def sentence(words, *, lemmas=None, doc="d", ent=None):
    """Token rows of one sentence: surface ``words``, lemmas lowercased surface unless given."""
    t = toks(*(lemmas or [w.lower() for w in words]), tokens=list(words), doc=doc)
    if ent is not None:
        t["ent_type"] = ent
    return t


# ------------------------------------------------------------------------------------------------ accents
def test_restore_accents_only_when_one_reading():
    assert restore_accents("developpement") == "développement"
    assert restore_accents("RETOMBEES") == "retombée"
    assert restore_accents("economiques") == "économique"
    assert restore_accents("marche") is None  # marche or marché
    assert restore_accents("a") is None  # a or à
    assert restore_accents("paix") is None and restore_accents("paix", ["paix"]) == "paix"


def test_accentless_documents_by_share_of_accented_letters():
    french = "la coopération décentralisée et la solidarité internationale " * 10
    plain = "la cooperation decentralisee et la solidarite internationale " * 10
    words = french.split() + plain.split()
    docs = ["fr"] * len(french.split()) + ["plain"] * len(plain.split())
    assert accentless_documents(pd.Series(docs).to_numpy(), pd.Series(words).to_numpy()) == {"plain"}
    # too short to judge
    assert accentless_documents(pd.Series(["x"]).to_numpy(), pd.Series(["solidarite"]).to_numpy()) == set()


def test_all_caps_and_accentless_documents_match_on_restored_accents():
    lex = load_lexicon()
    # an ALL-CAPS heading in a document with accents
    accented = " ".join(["la", "coopération", "décentralisée"] * 30).split()
    heading = ["SOLIDARITE", "INTERNATIONALE", "ET", "DEVELOPPEMENT", "ECONOMIQUE"]
    t = sentence(heading + accented)
    m = match_terms(t, lex)
    assert m["term"].tolist() == ["solidarité internationale", "développement économique"]
    assert m["accent_restored"].tolist() == [True, True]
    # the same words in lower case, in a document with accents: another spelling, not matched
    assert match_terms(sentence([w.lower() for w in heading] + accented), lex).empty
    # a whole document without accents
    words = (
        ["les", "retombees", "economiques", "et", "la", "paix"] + PLAIN + ["la", "marche", "des", "habitants"]
    )
    m = match_terms(sentence(words), lex)
    assert m["term"].tolist() == ["retombées économiques", "paix"]  # marche: marche or marché, not restored
    assert m["accent_restored"].tolist() == [True, False]


def test_accentless_word_of_two_readings_restored_only_in_its_entry_context():
    lex = load_lexicon()
    assert sorted(accent_readings("marches")) == ["marche", "marché"]
    # an accentless document: "marches" next to firms is marché (the entry requires firm or trade words) ...
    words = ["trouver", "de", "nouveaux", "marches", "pour", "les", "entreprises", "locales"] + PLAIN
    m = match_terms(sentence(words), lex, senses="all")
    assert m[["keyword", "term", "sense", "accent_restored"]].values.tolist() == [
        ["marches", "marché", "frame", True]
    ]
    # ... "en marche" is the other word: no hit at all, not even another sense
    words = ["la", "reconnaissance", "des", "collectivites", "est", "en", "marche"] + PLAIN
    assert match_terms(sentence(words), lex, senses="all").empty
    # an entry without a require rule is never read from an ambiguous spelling
    lex_plain = parse_lexicon(
        {
            "frames": {"a": "x"},
            "terms": [{"term": "marché", "frame": "a", "tier": "core", "justification": "j"}],
        }
    )
    words = ["trouver", "de", "nouveaux", "marches", "pour", "les", "entreprises"] + PLAIN
    assert match_terms(sentence(words), lex_plain, senses="all").empty
    # the accented spelling keeps its ordinary rule: "marché" with no firm nearby is another sense
    m = match_terms(sentence(["le", "marché", "couvert", "du", "quartier"]), lex, senses="all")
    assert m[["term", "sense", "sense_reason"]].values.tolist() == [
        ["marché", "other_sense", "context_require"]
    ]


# ------------------------------------------------------------------------------------------------ senses
def test_capitalised_mid_sentence_is_a_proper_name():
    lex = load_lexicon()
    t = sentence(["le", "Prix", "de", "la", "Paix", "et", "la", "paix"])
    m = match_terms(t, lex, senses="all")
    assert m[["keyword", "sense", "sense_reason"]].values.tolist() == [
        ["Paix", "other_sense", "proper_name"],
        ["paix", "frame", ""],
    ]
    assert match_terms(t, lex)["keyword"].tolist() == ["paix"]  # default: frame hits only
    # sentence start, after a colon, after an elided article at the start: not names
    for words in (["Paix", "et", "justice"], ["Axe", "2", ":", "Paix"], ["L'", "Attractivité", "du", "lieu"]):
        assert match_terms(sentence(words), lex)["sense"].tolist() == ["frame"], words
    # an elided article mid-sentence belongs to the name
    m = match_terms(sentence(["chargé", "de", "l'", "Attractivité"]), lex, senses="all")
    assert m["sense_reason"].tolist() == ["proper_name"]
    # ALL CAPS is a heading, not title case; a term that is itself a name is exempt
    assert match_terms(sentence(["le", "RAYONNEMENT"]), lex)["sense"].tolist() == ["frame"]
    assert match_terms(sentence(["avec", "Business", "France"]), lex)["term"].tolist() == ["Business France"]


def test_institutional_titles_and_named_entities():
    lex = load_lexicon()
    words = (
        "Mme Z , Secrétaire d' État chargée du développement , de la francophonie et des "
        "partenariats internationaux , a parlé du partenariat avec la ville"
    ).split()
    t = sentence(words)
    t["lemma"] = t["lemma"].replace("partenariats", "partenariat")
    m = match_terms(t, lex, senses="all")
    assert m[["keyword", "sense", "sense_reason"]].values.tolist() == [
        ["partenariats", "other_sense", "institutional_title"],
        ["partenariat", "frame", ""],
    ]
    assert "francophonie et des partenariats internationaux" in read_titles()
    assert title_key("Ministère de l’Europe") == "ministere de l europe"
    ent = ["", "ORG", "ORG", "", "", ""]
    m = match_terms(
        sentence(["la", "solidarité", "laïque", "et", "la", "solidarité"], ent=ent), lex, senses="all"
    )
    assert m["sense_reason"].tolist() == ["named_entity", ""]
    # a lexicon may bring its own titles
    own = mini(
        "- {term: paix, frame: a, tier: core, justification: w}\n- {term: y, frame: b, tier: core, justification: w}\n",
        frames="institutional_titles: [maison de la paix]\nframes:\n  a: x\n  b: y\n",
    )
    m = match_terms(sentence(["la", "maison", "de", "la", "paix", "et", "la", "paix"]), own, senses="all")
    assert m["sense"].tolist() == ["other_sense", "frame"]
    # sense_rules false: names, titles and acronyms are counted in their frame
    raw = mini(
        "- {term: paix, frame: a, tier: core, justification: w}\n- {term: y, frame: b, tier: core, justification: w}\n",
        frames="sense_rules: false\nframes:\n  a: x\n  b: y\n",
    )
    assert not raw.sense_rules and load_lexicon().sense_rules
    t = sentence(["le", "Prix", "de", "la", "Paix", "et", "la", "paix"])
    assert match_terms(t, raw)["sense"].tolist() == ["frame", "frame"]
    with pytest.raises(LexiconError, match="'sense_rules' must be true or false"):
        mini(
            "- {term: y, frame: a, tier: core, justification: w}\n",
            frames="sense_rules: maybe\nframes:\n  a: x\n",
        )


def test_bracketed_acronym_counts_once():
    lex = load_lexicon()
    words = ["les", "objectifs", "de", "développement", "durable", "(", "ODD", ")", "et", "les", "ODD"]
    lemmas = ["le", "objectif", "de", "développement", "durable", "(", "odd", ")", "et", "le", "odd"]
    m = match_terms(sentence(words, lemmas=lemmas), lex, senses="all")
    assert m[["keyword", "sense", "sense_reason"]].values.tolist() == [
        ["objectifs de développement durable", "frame", ""],
        ["ODD", "repeat", "acronym"],
        ["ODD", "frame", ""],
    ]
    # across two terms of one frame: the expansion and its acronym
    words = ["la", "solidarité", "internationale", "(", "ECSI", ")"]
    lemmas = ["le", "solidarité", "international", "(", "ecsi", ")"]
    assert match_terms(sentence(words, lemmas=lemmas), lex)["term"].tolist() == ["solidarité internationale"]
    # a bracketed word of another frame, or no acronym: both count
    assert len(match_terms(sentence(["la", "paix", "(", "attractivité", ")"]), lex)) == 2


CONTEXT = """\
- {term: partenaire, frame: a, tier: core, justification: w, require: [coopération, jumelage], window: 3}
- {term: influence, frame: b, tier: core, justification: w, exclude: [étranger]}
"""


def test_context_rules_require_and_exclude():
    lex = mini(CONTEXT)
    t = sentence(
        "le partenaire de la coopération , avec le soutien d' un partenaire financier du projet et du jumelage".split()
    )
    m = match_terms(t, lex, senses="all")
    # the second "partenaire" has coopération 5 words before it and jumelage 6 after: outside its window of 3
    assert m[["sense", "sense_reason"]].values.tolist() == [["frame", ""], ["other_sense", "context_require"]]
    t = sentence("les influences étrangères et l' influence de la ville".split(), lemmas=None)
    t["lemma"] = ["le", "influence", "étranger", "et", "le", "influence", "de", "le", "ville"]
    m = match_terms(t, lex, senses="all")
    # the default window (10 words) reaches "étrangères" from both hits
    assert m["sense_reason"].tolist() == ["context_exclude", "context_exclude"]
    assert lex.terms.set_index("term").loc["partenaire", "require"] == ("coopération", "jumelage")


def senses_of(text: str, lemmas: str) -> list[tuple[str, str]]:
    """(keyword, sense or reason) of the packaged lexicon's hits in one sentence with the given lemmas."""
    t = sentence(text.split(), lemmas=lemmas.split())
    m = match_terms(t, load_lexicon(), senses="all")
    return [(k, r or s) for k, s, r in m[["keyword", "sense", "sense_reason"]].itertuples(index=False)]


def test_packaged_lexicon_sets_apart_the_error_classes_of_unseen_documents():
    """The error classes found on unseen documents (issue 14), each by its entry's rule (lexicon 2.2)."""
    # France's national influence, not a territory's attractiveness
    assert senses_of("le rayonnement de la France", "le rayonnement de le france") == [
        ("rayonnement", "context_exclude")
    ]
    assert senses_of("faire rayonner notre pays", "faire rayonner notre pays") == [
        ("rayonner", "context_exclude")
    ]
    assert senses_of("l' attractivité de leur territoire", "le attractivité de leur territoire") == [
        ("attractivité", "frame")
    ]
    # "pays" four words off is a partner country, not the possessor
    assert senses_of(
        "diplomatie économique : relations avec les pays émergents",
        "diplomatie économique : relation avec le pays émergent",
    ) == [("diplomatie économique", "frame")]
    # generic partners: co-organisers, the State, firms
    assert senses_of(
        "la rencontre organisée en partenariat avec la ville",
        "le rencontre organiser en partenariat avec le ville",
    ) == [("partenariat", "context_exclude")]
    assert senses_of(
        "l' État et les collectivités sont partenaires", "le état et le collectivité être partenaire"
    ) == [("partenaires", "context_exclude")]
    assert senses_of("les villes partenaires de la coopération", "le ville partenaire de le coopération") == [
        ("partenaires", "frame")
    ]
    # domestic solidarity and local development at home; the home territory's benefit
    assert senses_of("la solidarité intercommunale", "le solidarité intercommunal") == [
        ("solidarité", "context_exclude")
    ]
    assert senses_of("le développement local de la commune", "le développement local de le commune") == [
        ("développement local", "context_require")
    ]
    assert senses_of("un bénéfice réciproque", "un bénéfice réciproque") == [
        ("réciproque", "context_exclude")
    ]
    assert senses_of("des intérêts réciproques", "un intérêt réciproque") == [("réciproques", "frame")]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("require: coopération décentralisée", "give single lemmas"),
        ("require: [1, 2]", "'require' must be a list of lemmas"),
        ("exclude: [x], window: 0", "'window' must be a whole number"),
        ("window: 5", "'window' given without"),
        ("require: [x], exclude: [x]", "both required and excluded"),
    ],
)
def test_context_rule_validation(entry, message):
    with pytest.raises(LexiconError, match=f"entry 1 \\('x'\\): .*{message}"):
        mini(
            "- {term: x, frame: a, tier: core, justification: w, " + entry + "}\n"
            "- {term: y, frame: b, tier: core, justification: w}\n"
        )


# ------------------------------------------------------------------------------------------------ frames
@pytest.mark.parametrize("n_frames", [2, 3, 6])
def test_any_number_of_frames(n_frames):
    names = [f"f{i}" for i in range(n_frames)]
    words = ["paix", "rayonnement", "influence", "export", "tourisme", "humanitaire"][:n_frames]
    lex = parse_lexicon(
        {
            "frames": {n: {"label": n.upper()} for n in names},
            "terms": [
                {"term": w, "frame": n, "tier": "core", "justification": "w"}
                for n, w in zip(names, words, strict=True)
            ],
        }
    )
    assert lex.frame_names == tuple(names)
    text = [w for w in words for _ in range(2)] + ["et"] + words[:1]
    m = match_terms(sentence(text), lex)
    counts = m.groupby("frame").size().to_dict()
    assert counts == {n: (3 if i == 0 else 2) for i, n in enumerate(names)}


def test_title_rows_search_only_the_documents_read():
    """A title is found in the documents of the rows read; the other documents are not searched."""
    import numpy as np

    from aictlab.senses import HitContext, _title_rows

    words = "la maison de la paix et la maison de la paix".split()
    doc = np.asarray(["a"] * 6 + ["b"] * 5, dtype=object)
    ctx = HitContext(
        doc=doc, surface=np.asarray(words, dtype=object), block=np.zeros(11, dtype=int),
        parts=[(w,) for w in words], is_word=np.ones(11, dtype=bool),
    )  # fmt: skip
    every = _title_rows(ctx, ("maison de la paix",))
    assert np.flatnonzero(every).tolist() == [1, 2, 3, 4, 7, 8, 9, 10]
    only_b = _title_rows(ctx, ("maison de la paix",), rows=[7])
    assert np.flatnonzero(only_b).tolist() == [7, 8, 9, 10]
    assert not _title_rows(ctx, ("maison de la paix",), rows=[]).any()
