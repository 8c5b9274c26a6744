"""Cleaning steps, each on a small text with the expected output written by hand, then on the seeds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aictlab import clean


def test_normalize_unicode_nfc_and_spaces():
    decomposed = "coope\u0301ration\u00a0:\u202fsoft\u00adhyphen"
    assert clean.normalize_unicode(decomposed) == "coopération : softhyphen"


def test_normalize_quotes():
    assert clean.normalize_quotes("l’action “dite” ‘x’ « y »") == "l'action \"dite\" 'x' « y »"


def test_strip_markdown():
    text = "## Titre\n**gras** et *italique* et __aussi__<sup>12</sup>\n---\n[lien](http://x) 2^e^ ok"
    assert clean.strip_markdown(text) == "Titre\ngras et italique et aussi\n\nlien 2e ok"


def test_running_header_and_page_numbers_removed():
    text = "\n\n".join(
        [
            "Premier paragraphe du rapport, assez long pour être du texte.",
            "Une phrase répétée deux fois dans le corps du texte.",
            "Suite du premier paragraphe.",
            "Le titre courant du rapport",
            "8",
            "Deuxième page, un autre paragraphe.",
            "Une phrase répétée deux fois dans le corps du texte.",
            "Encore une phrase.",
            "Le titre courant du rapport",
            "9",
            "Troisième page.",
        ]
    )
    out = clean.remove_running_headers(text)
    assert "Le titre courant" not in out
    assert "\n8\n" not in out and "\n9\n" not in out
    # a line repeated twice but never beside a page number is text, not a header
    assert out.count("Une phrase répétée deux fois") == 2


def test_year_is_not_a_page_number():
    assert "2017" in clean.remove_running_headers("Atelier\n9 février\n2017\n")


def test_reflow_joins_wraps_and_hyphens_and_splits_items():
    text = (
        "La coopé-\nration décentralisée est\nune politique publique.\n\n"
        "• premier point\n• second point\n9h00-9h45 : SESSION 1 : « La diplomatie\ndes territoires »\n"
        "Suite du programme"
    )
    assert clean.reflow_paragraphs(text) == [
        "La coopération décentralisée est une politique publique.",
        "• premier point",
        "• second point",
        "9h00-9h45 : SESSION 1 : « La diplomatie des territoires »",
        "Suite du programme",
    ]


def test_reflow_keeps_compound_hyphen():
    assert clean.join_line("Seine-Saint-", "Denis") == "Seine-Saint-Denis"
    assert clean.join_line("la porte-", "parole du maire") == "la porte-parole du maire"


def test_rejoin_split_words():
    assert clean.rejoin_split_words("activités économ iques, etc.") == "activités économiques, etc."
    assert clean.rejoin_split_words("cette coopérat ion, la") == "cette coopération, la"
    # real word pairs and names stay apart
    assert (
        clean.rejoin_split_words("la paix en Europe avec Yves Viltard")
        == "la paix en Europe avec Yves Viltard"
    )


def test_footnote_calls_removed_but_not_codes():
    assert (
        clean.remove_footnote_calls("des villes1 – les jumelages¹ COP21 et G7")
        == "des villes – les jumelages COP21 et G7"
    )


def test_extraction_artifacts():
    assert clean.fix_extraction_artifacts("Columbia Global Centers½Paris") == "Columbia Global Centers Paris"
    assert clean.fix_extraction_artifacts("de la Seine Seine-Saint-Denis") == "de la Seine-Saint-Denis"


def test_structure_lines():
    assert clean.is_structure_line("9h00-9h45 : Mots d'introduction :")
    assert clean.is_structure_line("14h30 - 16h00 : SESSION 3")
    assert not clean.is_structure_line("À 9h00, le maire a ouvert la séance.")


def test_clean_text_marks_structure_and_strips_bullets():
    paragraphs = clean.clean_text("Programme\n\n8h30-9h00 : Accueil\n\n▪ M. Dupont, maire\n")
    assert [(p.text, p.is_structure) for p in paragraphs] == [
        ("Programme", False),
        ("8h30-9h00 : Accueil", True),
        ("M. Dupont, maire", False),
    ]


def test_double_spaced_pdf_extraction_is_reflowed():
    lines = [
        "Pendant deux jours de séminaire de formation organisés par le Centre ",
        "national de la fonction publique territoriale à Angers, les acteurs ",
        "ont interrogé les concepts et les mécanismes de la coopération ",
        "décentralisée. Selon Yves Viltard, les colloques ont pour fonction de ",
        "faire apparaître des questions. ",
        " ",
        "L'action internationale des autorités locales fait en effet l'objet de ",
        "nombreuses interrogations. ",
    ]
    paragraphs = clean.clean_text("\n\n".join(lines))
    assert len(paragraphs) == 2
    assert paragraphs[0].text.startswith("Pendant deux jours")
    assert paragraphs[0].text.endswith("faire apparaître des questions.")
    assert "coopération décentralisée." in paragraphs[0].text


def test_seed_artefacts_are_repaired(seed_corpus):
    text = seed_corpus.documents.set_index("doc_id")["text"]
    cnfpt = text["cnfpt_2012"]
    assert "économ iques" not in cnfpt and "coopérat ion" not in cnfpt
    assert "activités économiques, etc." in cnfpt
    assert "coopération, « la Basse" in cnfpt
    # the running header (the title, above a page number) is gone from the body
    header = (
        "La diplomatie des autorités locales et régionales, un outil au service du dialogue et de la paix"
    )
    assert header not in cnfpt
    assert (
        "autorités étatiques, et faciliter le déblocage" in cnfpt
    )  # sentence rejoined across the page break
    raw = seed_corpus.documents.set_index("doc_id")["raw_text"]["cnfpt_2012"]
    assert raw.count(header) == 2  # the raw text is kept next to the clean one
    compte_rendu = text["cuf_2023_compte_rendu"]
    assert "Centers½Paris" not in compte_rendu and "Seine Seine-Saint-Denis" not in compte_rendu
    assert "<sup>" not in text["ciedel_2017"] and "**" not in text["meae_2025"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_cleaning_never_raises(text):
    paragraphs = clean.clean_text(text)
    assert all(p.text == p.text.strip() and p.text for p in paragraphs)


def test_ligatures_fullwidth_and_invisible_characters():
    text = "l\u2019in\ufb02uence, la ﬁn, l\uff07action, e\ufb00et, soli\u200bda\u2060rité\ufeff, cœur"
    assert clean.normalize_quotes(clean.normalize_unicode(text)) == (
        "l'influence, la fin, l'action, effet, solidarité, cœur"
    )
    # superscript footnote calls and ½ are not folded to digits (full NFKC would)
    assert clean.normalize_unicode("villes¹ et Centers½Paris") == "villes¹ et Centers½Paris"


def test_unicode_hyphens_and_soft_hyphen_at_line_end():
    assert (
        clean.normalize_unicode("socio\u2010économique\nnon\u2011violent") == "socio-économique\nnon-violent"
    )
    assert clean.normalize_unicode("la coopé\u00ad\n  ration et l'attrac\u00adtivité") == (
        "la coopération et l'attractivité"
    )
    wrapped = "La coopé\u2010\nration décentralisée et le rayonne\u2011\nment du territoire."
    assert clean.reflow_paragraphs(clean.normalize_unicode(wrapped)) == [
        "La coopération décentralisée et le rayonnement du territoire."
    ]


def test_line_end_hyphen_joined_when_first_fragment_is_a_word():
    # the first fragment is itself a word (rayonne, parte, coopéra, inter): joined all the same
    assert clean.join_line("le rayonne-", "ment de la ville") == "le rayonnement de la ville"
    assert clean.join_line("un parte-", "nariat") == "un partenariat"
    assert clean.join_line("la coopéra-", "tion") == "la coopération"
    assert clean.join_line("solidarité inter-", "nationale") == "solidarité internationale"
    # a lexicon word the dictionary lacks
    assert clean.join_line("la pa-", "ix") == "la paix"
    assert clean.join_line("le codévelop-", "pement") == "le codéveloppement"
    # attested hyphenated spellings and unknown joins keep the hyphen
    assert clean.join_line("socio-", "économique") == "socio-économique"
    assert clean.join_line("une grand-", "mère") == "une grand-mère"
    assert clean.join_line("non-", "gouvernementales") == "non-gouvernementales"
