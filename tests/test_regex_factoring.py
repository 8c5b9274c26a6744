"""The factored compile of spaCy's French token_match (issue 15, seeds cold start): the same matches."""

from __future__ import annotations

import itertools
import re

import pytest

from aictlab.regex_factoring import factor_alternation, factored_compile


def test_alternatives_sharing_a_tail_are_written_once():
    pattern = "(?i)(?:^a-[bc]+$)|(?:^d-[bc]+$)|(?:^e$)"
    assert (
        factor_alternation(pattern, min_class_chars=4) == "(?i)(?:(?:(?:^a-)|(?:^d-))[bc]+$)|(?:(?:(?:^e$)))"
    )


def test_a_short_class_is_not_a_tail_and_nothing_shared_is_not_rewritten():
    pattern = "(?:^a-[bc]+$)|(?:^d-[bc]+$)"
    assert factor_alternation(pattern, min_class_chars=5) is None  # "[bc]" is 4 characters
    assert factor_alternation("(?:^a[bc]$)|(?:^d[xy]$)", min_class_chars=4) is None


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?:(a)-[bc]\1)|(?:d-[bc]\1)",  # a back-reference
        "(?:a-[bc]++)|(?:d-[bc]++)",  # possessive
        "(?:(?>a)-[bc])|(?:d-[bc])",  # atomic group
        "(?:a-[bc]|(?:d-[bc])",  # unbalanced
        "a-[bc]",  # no alternation
    ],
)
def test_patterns_that_cannot_be_rewritten_safely_are_left_alone(pattern):
    assert factor_alternation(pattern, min_class_chars=4) is None


def test_classes_with_escapes_and_brackets_and_an_alternative_with_its_own_bar():
    pattern = r"(?:^x[\]|(]+$)|(?:^y[\]|(]+$)|(?:^z$|^w[\]|(]+$)"
    factored = factor_alternation(pattern, min_class_chars=6)
    # the class "[\]|(]" holds a bar and a parenthesis: not structure; the third alternative is kept whole
    assert factored == r"(?:(?:(?:^x)|(?:^y))[\]|(]+$)|(?:(?:(?:^z$|^w[\]|(]+$)))"
    original, rewritten = re.compile(pattern), re.compile(factored)
    alphabet = "xyzw]|(a"
    for n in range(4):
        for letters in itertools.product(alphabet, repeat=n):
            text = "".join(letters)
            assert bool(original.match(text)) == bool(rewritten.match(text)), text


def test_factored_compile_rewrites_only_long_patterns_and_restores_re_compile():
    compile_ = re.compile
    long = "|".join(f"(?:^w{i}-[{'abc' * 100}]+$)" for i in range(400))
    with factored_compile(min_length=1_000):
        assert re.compile("a|b").pattern == "a|b"
        rewritten = re.compile(long)
    assert re.compile is compile_
    assert rewritten.pattern.count("abc" * 100) == 1
    assert rewritten.match("w17-cab") and not rewritten.match("w400-cab") and not rewritten.match("w17-")


WORDS = (
    "après-midi Après-midi APRÈS-MIDI anti-gel aéro-club aujourd'hui entr'abat saut-de-ski pet-en-l'air "
    "New-York new-yorkais premier-ministre zig-zagué prud'homme prud’hommes arrière-pays Sud-Sud "
    "grand-mère porte-parole co-développement Saint-Étienne l'État c'est franco-allemand belgo-français "
    "auto-entrepreneur extra-territorial non-lieu mi-temps sous-préfecture vice-président ultra-marin "
    "coopération décentralisée solidarité attractivité -ils -t-il a-t-on anti- -gel 2017-2021 e-mail"
).split()


@pytest.mark.slow
def test_the_loaded_tokenizer_matches_as_spacy_s_own_pattern():
    import spacy
    import srsly

    from aictlab.nlp import SPACY_MODEL, spacy_pipeline

    package = spacy.util.get_package_path(SPACY_MODEL)
    (tokenizer,) = package.glob(f"{SPACY_MODEL}-*/tokenizer")
    pattern = srsly.msgpack_loads(tokenizer.read_bytes())["token_match"]
    original = re.compile(pattern)
    match = spacy_pipeline("spacy").tokenizer.token_match
    assert len(match.__self__.pattern) < len(pattern) // 10  # the factored pattern was compiled
    words = WORDS + [w.upper() for w in WORDS] + [w.title() for w in WORDS] + [w + "s" for w in WORDS]
    assert sum(bool(original.match(w)) for w in words) >= 20  # the list exercises the pattern
    assert [bool(match(w)) for w in words] == [bool(original.match(w)) for w in words]
