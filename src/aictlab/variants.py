"""Corpus variants derived from a built corpus: another segment size, the other lemmatizer.

The robustness panel (``docs/methods.md`` §12) measures the drift under other corpus settings. None of them
needs a whole rebuild (reading, cleaning, de-duplication, NLP):

- segments are a function of the tokens alone (:func:`aictlab.segment.segment_ids`: document, sentence,
  word and paragraph-status columns), so another segment size *re-segments* the corpus's tokens;
- cleaning and the near-duplicate flags do not depend on the lemmatizer, so the other lemmatizer re-runs only
  the NLP of the corpus's clean, flagged paragraphs (:func:`aictlab.pipeline.tokens_and_segments`, the very
  task of a build's partitions).

Each gives the tables that a build under that setting gives (``tests/test_variants.py``). A corpus whose
tokens stay on disk (the Dask engine) is re-segmented partition by partition as it is read
(:class:`DerivedCorpus`), never held in memory at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aictlab import schema as S
from aictlab.config import LEMMATIZERS, mwe_file
from aictlab.corpus import Corpus
from aictlab.errors import CorpusError, check_choice

__all__ = ["DerivedCorpus", "derive_corpus", "resegment_tokens", "simplemma_tokens"]


def resegment_tokens(tokens: pd.DataFrame, size: int) -> pd.DataFrame:
    """The token table with ``seg_id`` recomputed for segments of ``size`` words (the other columns unchanged).

    ``tokens`` must hold whole documents in document order (a corpus's token table or one of its partitions):
    :func:`aictlab.segment.segment_ids` then gives the segments a build with ``segment_size=size`` gives.
    """
    from aictlab.segment import segment_ids

    S.require_columns(tokens, (S.DOC_ID, S.SEG_ID, S.SENT_ID, S.IS_WORD), "tokens")
    out = tokens.copy()
    # kept as Python strings (the corpus's text dtype): an inferred dtype would convert them to pandas 3's
    # "str" and back, passes over every token for the same column
    out[S.SEG_ID] = segment_ids(tokens, size=size, dtype=object)
    return out


@dataclass(frozen=True, eq=False)
class DerivedCorpus(Corpus):
    """A :class:`~aictlab.corpus.Corpus` whose token partitions pass through ``transform`` as they are read.

    Used for a corpus whose tokens stay on disk: :meth:`token_parts` (hence ``map_tokens`` and
    ``read_tokens``) applies ``transform`` to each partition of whole documents of the source files.
    """

    transform: Callable[[pd.DataFrame], pd.DataFrame] | None = None

    @property
    def partition_transform(self) -> Callable[[pd.DataFrame], pd.DataFrame] | None:
        return self.transform


def _variant_key(corpus: Corpus, **changes: Any) -> str:
    """Identity of a derived corpus's tables: the source corpus's key and the changed settings."""
    payload = json.dumps([corpus.cache_key or corpus.corpus_hash, changes], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def _check_mwe_file(corpus: Corpus, mwe_path: Path) -> None:
    """A :class:`CorpusError` unless ``mwe_path`` is the expression file the corpus was built with."""
    recorded = corpus.settings.get("mwe_sha256")
    if recorded and recorded != hashlib.sha256(mwe_path.read_bytes()).hexdigest():
        raise CorpusError(
            f"{mwe_path}: not the multi-word expression file this corpus was built with "
            f"({corpus.settings.get('mwe_file', '?')}); give that file, or rebuild the corpus."
        )


def _relemmatize(
    corpus: Corpus, lemmatizer: str, segment_size: int, mwe_path: Path, nlp_cache: Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tokens and segments of the corpus's clean paragraphs under ``lemmatizer`` (the NLP task of a build;
    paragraphs found in the ``nlp_cache`` store are not processed again)."""
    from aictlab import nlp
    from aictlab.pipeline import tokens_and_segments

    _check_mwe_file(corpus, mwe_path)
    return tokens_and_segments(
        corpus.paragraphs,
        lemmatizer=lemmatizer,
        segment_size=segment_size,
        mwes=nlp.read_mwes(mwe_path),
        nlp_cache=None if nlp_cache is None else str(nlp_cache),
    )


def simplemma_tokens(tokens: pd.DataFrame, mwe_path: Path) -> pd.DataFrame:
    """The token table of a ``"spacy"`` build as a ``"simplemma"`` build of the same paragraphs gives it.

    Both lemmatizers tokenize with spaCy's French rules, and a token's stop, punctuation and word flags, its
    spacing and the joined multi-word expressions depend on its text alone (:mod:`aictlab.nlp`): only
    ``lemma`` (:func:`aictlab.nlp.simplemma_lemma` of the token's text) and ``pos`` (``""``) differ, so no
    NLP is run again. The rows of joined expressions (their lemma one of the file's, their text without the
    joiner) keep their lemma.

    Parameters
    ----------
    tokens : DataFrame
        Tokens of a build with ``lemmatizer="spacy"`` and the expression file ``mwe_path``.
    mwe_path : Path

    Returns
    -------
    DataFrame
        ``tokens`` with ``lemma`` and ``pos`` replaced (same rows, columns and index).
    """
    from aictlab.nlp import mwe_lemmas, simplemma_lemma

    text = tokens[S.TOKEN].astype(object).to_numpy()
    lemma = tokens[S.LEMMA].astype(object).to_numpy()
    codes, forms = pd.factorize(text)
    lemmas = np.asarray([simplemma_lemma(str(f)) for f in forms], dtype=object)[codes]
    joined = pd.Series(lemma).isin(mwe_lemmas(mwe_path)).to_numpy() & ~pd.Series(text).str.contains(
        S.MWE_JOINER, regex=False
    ).to_numpy(dtype=bool)
    lemmas[joined] = lemma[joined]
    out = tokens.copy()
    out[S.LEMMA] = pd.Series(lemmas, index=tokens.index, dtype=object)
    out[S.POS] = pd.Series("", index=tokens.index, dtype=object)
    return out


def derive_corpus(
    corpus: Corpus,
    *,
    segment_size: int | None = None,
    lemmatizer: str | None = None,
    mwe_path: Path | None = None,
    cache_dir: Path | None = None,
) -> Corpus:
    """The corpus under another segment size and/or lemmatizer, without rebuilding it.

    Parameters
    ----------
    corpus : Corpus
        A built corpus (:func:`aictlab.corpus.load_corpus`, :func:`aictlab.corpus.build_corpus`).
    segment_size : int, optional
        Target words per segment (default: the corpus's own).
    lemmatizer : {"spacy", "simplemma"}, optional
        Default: the corpus's own. From ``"spacy"`` to ``"simplemma"`` only the lemmas change
        (:func:`simplemma_tokens`, partition by partition when the tokens stay on disk); otherwise the NLP of
        the corpus's clean paragraphs runs again (cleaning and de-duplication are reused) and the tokens are
        then held in memory.
    mwe_path : Path, optional
        The multi-word expression file the corpus was built with (default the packaged one; checked against
        the sha256 the corpus records).
    cache_dir : Path, optional
        The folder of the run's caches (``Settings.processed``): the NLP of another lemmatizer reads and
        writes its paragraph store (:mod:`aictlab.paragraph_cache`), so a paragraph is lemmatized once.

    Returns
    -------
    Corpus
        Its tokens, segments and ``settings`` are those of a build under the new settings; documents,
        paragraphs, overlap and duplicate pairs are the corpus's own; ``cache_key`` is derived from the
        corpus's and the changes.

    Raises
    ------
    CorpusError
        Another lemmatizer with a corpus whose paragraphs were not kept, or another MWE file.
    """
    own = corpus.settings or {}
    size = int(segment_size if segment_size is not None else own.get("segment_size", 40))
    lemma = lemmatizer or own.get("lemmatizer", "spacy")
    check_choice("lemmatizer", lemma, LEMMATIZERS)
    changes = {
        k: v
        for k, v in (("segment_size", size), ("lemmatizer", lemma))
        if v != own.get(k, {"segment_size": 40, "lemmatizer": "spacy"}[k])
    }
    if not changes:
        return corpus
    settings = {**own, **changes}
    key = _variant_key(corpus, **changes)
    if "lemmatizer" in changes:
        if corpus.paragraphs is None or corpus.paragraphs.empty:
            raise CorpusError(
                "derive_corpus: this corpus holds no paragraphs to lemmatize again; rebuild it."
            )
        path = mwe_file(mwe_path)
        if own.get("lemmatizer", "spacy") == "spacy" and lemma == "simplemma":
            _check_mwe_file(corpus, path)
            resized = "segment_size" in changes

            def relemmatize(part: pd.DataFrame) -> pd.DataFrame:
                part = simplemma_tokens(part, path)
                return resegment_tokens(part, size) if resized else part

            return _derived(corpus, relemmatize, settings, key, resized)
        from aictlab.paragraph_cache import store_folder

        store = store_folder(cache_dir, lemma) if cache_dir is not None else None
        tokens, segments = _relemmatize(corpus, lemma, size, path, store)
        return dataclasses.replace(
            corpus, tokens=tokens, token_files=(), segments=segments, settings=settings, cache_key=key
        )

    def resegment(part: pd.DataFrame) -> pd.DataFrame:
        return resegment_tokens(part, size)

    return _derived(corpus, resegment, settings, key, True)


def _derived(
    corpus: Corpus,
    transform: Callable[[pd.DataFrame], pd.DataFrame],
    settings: dict[str, Any],
    key: str,
    resegmented: bool,
) -> Corpus:
    """``corpus`` with its tokens passed through ``transform``: at once when they are in memory, as each
    partition is read when they stay on disk (:class:`DerivedCorpus`); segments recounted if ``resegmented``."""
    from aictlab.segment import segments_table

    if corpus.tokens is not None:
        tokens = transform(corpus.tokens)
        segments = segments_table(tokens) if resegmented else corpus.segments
        return dataclasses.replace(corpus, tokens=tokens, segments=segments, settings=settings, cache_key=key)
    fields = {f.name: getattr(corpus, f.name) for f in dataclasses.fields(Corpus)}
    derived = DerivedCorpus(**{**fields, "settings": settings, "cache_key": key}, transform=transform)
    if not resegmented:
        return derived
    return dataclasses.replace(derived, segments=derived.map_tokens(segments_table, select=False))
