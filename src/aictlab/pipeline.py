"""The corpus pipeline: checked documents -> clean paragraphs -> near-duplicate flags -> tokens -> segments.

One pipeline for both engines. Every stage but de-duplication depends on one document only, so it runs on
partitions of whole documents: :func:`process_paragraphs` hands the partition tasks to a *runner*, which runs
them in this process (:class:`LocalRunner`, the whole corpus as one partition) or on Dask workers
(:class:`aictlab.engine.DaskRunner`). De-duplication compares documents with each other and always runs
here, once, over the paragraph texts. The pieces are concatenated in document order, so both runners give
identical tables (tests/test_engine.py).

This module knows nothing of :class:`aictlab.corpus.Corpus` nor of Dask: :mod:`aictlab.corpus` turns its
:class:`PartitionedCorpus` into a ``Corpus`` (and caches it), :mod:`aictlab.engine` distributes its tasks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pandas as pd

from aictlab import __version__
from aictlab import schema as S
from aictlab.config import LEMMATIZERS, mwe_file
from aictlab.errors import CorpusError, SettingsError, check_choice
from aictlab.progress import ProgressTracker, nlp_processes

__all__ = [
    "LocalRunner",
    "PartitionedCorpus",
    "Runner",
    "check_documents",
    "clean_documents",
    "clean_partition",
    "clean_while_loading",
    "content_hash",
    "corpus_settings",
    "document_totals",
    "nlp_partition",
    "paragraphs_frame",
    "partition_bounds",
    "process_paragraphs",
    "read_token_partitions",
    "select_tokens",
    "stream_tokens",
    "token_partition_files",
    "tokens_and_segments",
]

log = logging.getLogger(__name__)


# --- token selection (what measures count) --------------------------------------------------------------------


def select_tokens(
    tokens: pd.DataFrame,
    *,
    keep_duplicates: bool = False,
    keep_structure: bool = False,
    words_only: bool = True,
) -> pd.DataFrame:
    """The tokens a measure counts.

    Parameters
    ----------
    tokens : DataFrame
        A token table.
    keep_duplicates : bool, default=False
        Keep paragraphs flagged as duplicates of a paragraph in a fuller document (counted twice).
    keep_structure : bool, default=False
        Keep programme timetable lines.
    words_only : bool, default=True
        Keep only tokens with a letter (docs/methods.md, Conventions: the token of every denominator).
    """
    S.require_columns(tokens, (S.IS_WORD, S.IS_DUPLICATE, S.IS_STRUCTURE), "tokens")
    mask = pd.Series(True, index=tokens.index)
    if words_only:
        mask &= tokens[S.IS_WORD]
    if not keep_duplicates:
        mask &= ~tokens[S.IS_DUPLICATE]
    if not keep_structure:
        mask &= ~tokens[S.IS_STRUCTURE]
    return tokens.loc[mask]


def document_totals(tokens: pd.DataFrame) -> pd.DataFrame:
    """Per-document token totals: ``doc_id, tokens`` (word tokens), ``duplicated, structure, counted``.

    ``counted`` is what default measures count (:func:`select_tokens`). Per document, so it can be computed
    partition by partition (:meth:`aictlab.corpus.Corpus.map_tokens` with ``select=False``).
    """
    words = tokens[tokens[S.IS_WORD]]
    out = words.groupby(S.DOC_ID, sort=False).agg(
        tokens=(S.IS_WORD, "size"), duplicated=(S.IS_DUPLICATE, "sum"), structure=(S.IS_STRUCTURE, "sum")
    )
    out["counted"] = select_tokens(tokens).groupby(S.DOC_ID, sort=False).size()
    return out.fillna(0).astype("int64").reset_index()


# --- token partitions on disk ----------------------------------------------------------------------------------


def token_partition_files(folder: Path) -> tuple[Path, ...]:
    """The token partitions the Dask engine wrote in ``folder`` (``part.NNNNN.parquet``), in document order."""
    return tuple(sorted(Path(folder).glob("part.*.parquet")))


def read_token_partitions(tokens_dir: Path) -> pd.DataFrame:
    """Concatenate the token partitions of ``tokens_dir`` in document order."""
    parts = token_partition_files(tokens_dir)
    if not parts:
        raise CorpusError(f"{tokens_dir}: no token partitions (part.*.parquet) found.")
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


# --- documents and cleaning ----------------------------------------------------------------------------------


def check_documents(documents: pd.DataFrame) -> pd.DataFrame:
    """The document checks of every build (raw text, doc_id, date -> year).

    Raises
    ------
    CorpusError
        No text column, missing ``doc_id``/``date``, duplicate doc_id, bad date (row named).
    """
    from aictlab.io import parse_date

    docs = documents.copy()
    if S.RAW_TEXT not in docs.columns:
        if S.TEXT not in docs.columns:
            raise CorpusError("documents: needs a 'raw_text' (or 'text') column with each document's text.")
        docs = docs.rename(columns={S.TEXT: S.RAW_TEXT})
    for column in (S.DOC_ID, S.DATE):
        if column not in docs.columns:
            raise CorpusError(f"documents: missing required column {column!r}.")
    docs[S.DOC_ID] = docs[S.DOC_ID].astype(str)
    duplicated = docs[S.DOC_ID][docs[S.DOC_ID].duplicated()]
    if not duplicated.empty:
        raise CorpusError(f"documents: duplicate doc_id {duplicated.iloc[0]!r}; doc_ids must be unique.")
    if "_row" not in docs.columns:
        docs["_row"] = range(1, len(docs) + 1)
    if "_where" not in docs.columns:
        docs["_where"] = "documents"
    if S.YEAR not in docs.columns:
        parsed = [
            parse_date(d, where=f"{w} row {r} (doc_id {i!r})")
            for d, w, r, i in zip(docs[S.DATE], docs["_where"], docs["_row"], docs[S.DOC_ID], strict=True)
        ]
        docs[S.DATE] = [p[0] for p in parsed]
        docs[S.YEAR] = [p[1] for p in parsed]
    return docs


def clean_partition(docs: pd.DataFrame) -> tuple[list[str], list[tuple]]:
    """Clean one partition of checked documents: their clean texts and their paragraph rows.

    Raises
    ------
    CorpusError
        A document left without text, naming its row.
    """
    from aictlab import clean

    where = docs["_where"] if "_where" in docs.columns else pd.Series("documents", index=docs.index)
    texts, rows = [], []
    for doc_id, year, raw, w, r in zip(
        docs[S.DOC_ID], docs[S.YEAR], docs[S.RAW_TEXT], where, docs["_row"], strict=True
    ):
        paragraphs = clean.clean_text(raw)
        if not paragraphs:
            raise CorpusError(
                f"{w} row {r} (doc_id {doc_id!r}): no text left after cleaning; check the file."
            )
        texts.append("\n\n".join(p.text for p in paragraphs))
        for pos, para in enumerate(paragraphs):
            rows.append((doc_id, f"{doc_id}_p{pos:04d}", pos, int(year), para.text, para.is_structure))
    return texts, rows


def paragraphs_frame(rows: list[tuple]) -> pd.DataFrame:
    """Paragraph rows of :func:`clean_partition` as the paragraph table (before de-duplication)."""
    return pd.DataFrame(rows, columns=[S.DOC_ID, S.PARA_ID, S.PARA_POS, S.YEAR, S.TEXT, S.IS_STRUCTURE])


def clean_documents(documents: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check and clean documents in this process: ``(documents with text, paragraphs)``."""
    docs = check_documents(documents)
    texts, rows = clean_partition(docs)
    docs[S.TEXT] = texts
    return docs, paragraphs_frame(rows)


def clean_while_loading(documents: pd.DataFrame, lemmatizer: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`clean_documents` in a forked process while this one loads the spaCy pipeline the NLP needs next
    (:func:`aictlab.nlp.spacy_pipeline`): two fixed costs of a build in memory (on the seeds ~1 CPU s of
    cleaning, most of it simplemma's dictionary and the accent index, and ~2 s of model) on two cores.

    In this process, cleaning first, when the pipeline is loaded already (nothing to overlap) or where
    nothing can be forked (:func:`aictlab.workers.forked_call`); the tables are the same either way. The accent
    index cleaning builds stays in the forked process: a lexicon matching documents written without accents
    builds it again here (~0.5 CPU s, docs/benchmarks.md, session 31).
    """
    from aictlab import nlp
    from aictlab.workers import forked_call

    if nlp.pipeline_loaded(lemmatizer):
        return clean_documents(documents)
    with forked_call(lambda: clean_documents(documents)) as cleaned:
        nlp.spacy_pipeline(lemmatizer)
        return cleaned.result()


# --- NLP and segments (one partition) --------------------------------------------------------------------------


def tokens_and_segments(
    paragraphs: pd.DataFrame,
    *,
    lemmatizer: str,
    segment_size: int,
    mwes: list,
    n_process: int = 1,
    progress: Callable[[int, str], None] | None = None,
    nlp_cache: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """NLP and segmentation of whole documents' paragraphs: ``(tokens, segments)``.

    ``nlp_cache``: a folder of :mod:`aictlab.paragraph_cache` (paragraphs seen before are not processed again).
    """
    from aictlab import nlp, segment

    rows = None
    if nlp_cache is not None:
        from aictlab.paragraph_cache import cached_tokens

        rows = cached_tokens(
            paragraphs[S.TEXT], folder=Path(nlp_cache), lemmatizer=lemmatizer, n_process=n_process
        )
    chunks = list(
        nlp.token_chunks(
            paragraphs,
            lemmatizer=lemmatizer,
            mwes=mwes,
            n_process=n_process,
            progress=progress,
            token_rows=rows,
        )
    )
    tokens = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    tokens.insert(2, S.SEG_ID, segment.segment_ids(tokens, size=segment_size))
    tokens = tokens[[c for c in S.TOKEN_COLUMNS if c in tokens.columns]]
    return tokens, segment.segments_table(tokens)


def nlp_partition(
    paragraphs: pd.DataFrame,
    *,
    index: int,
    lemmatizer: str,
    segment_size: int,
    mwes: list,
    tokens_dir: str | None,
    return_tokens: bool,
    n_process: int = 1,
    progress: Callable[[int, str], None] | None = None,
    nlp_cache: str | None = None,
) -> dict[str, Any]:
    """The task of one partition: tokens, segments and aggregates; tokens written as parquet.

    Returns a small dict (segments, document totals, token count) and the token table only when
    ``return_tokens``; the partition's tokens are written to ``tokens_dir/part.<index>.parquet``. Written to
    a file, the tokens stream there in chunks (:func:`stream_tokens`), so the memory of the task stays bounded
    whatever the size of its documents.
    """
    if tokens_dir is not None and not return_tokens:
        return stream_tokens(
            paragraphs,
            Path(tokens_dir) / f"part.{index:05d}.parquet",
            lemmatizer=lemmatizer,
            segment_size=segment_size,
            mwes=mwes,
            n_process=n_process,
            progress=progress,
        )
    tokens, segments = tokens_and_segments(
        paragraphs,
        lemmatizer=lemmatizer,
        segment_size=segment_size,
        mwes=mwes,
        n_process=n_process,
        progress=progress,
        nlp_cache=nlp_cache,
    )
    if tokens_dir is not None:
        tokens.to_parquet(Path(tokens_dir) / f"part.{index:05d}.parquet", index=False)
    return {
        "segments": segments,
        "document_totals": document_totals(tokens),
        "n_tokens": len(tokens),
        "tokens": tokens if return_tokens else None,
    }


def stream_tokens(
    paragraphs: pd.DataFrame,
    path: Path,
    *,
    lemmatizer: str,
    segment_size: int,
    mwes: list,
    n_process: int = 1,
    progress: Callable[[int, str], None] | None = None,
) -> dict[str, Any]:
    """:func:`nlp_partition` with bounded memory: the token table goes to the parquet file ``path``.

    Two passes over chunks of :data:`aictlab.nlp.CHUNK_TOKENS` rows: the NLP chunks are spooled to a
    temporary parquet file and cut into segments as they come (:class:`aictlab.segment.Segmenter`, which
    keeps only each segment's first token and label); then each chunk is read back, given its ``seg_id`` and
    appended to ``path``, and its segments and document totals are added up. Nothing held grows with the
    number of tokens but one number and one label per segment. The tables are those of
    :func:`tokens_and_segments`.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from aictlab import nlp, segment

    spool = path.with_name(f".{path.name}.spool")
    segmenter = segment.Segmenter(size=segment_size)
    writer = None
    try:
        chunks = nlp.token_chunks(
            paragraphs,
            lemmatizer=lemmatizer,
            mwes=mwes,
            chunk_tokens=nlp.CHUNK_TOKENS,
            n_process=n_process,
            progress=progress,
        )
        for chunk in chunks:
            table = pa.Table.from_pandas(
                chunk, preserve_index=False, schema=writer.schema if writer else None
            )
            writer = writer or pq.ParquetWriter(spool, table.schema)
            writer.write_table(table)
            segmenter.feed(chunk)
            del chunk, table
        writer.close()
        segmenter.finish()
        nlp.release_memory()  # before the second pass builds the segment texts
        pieces, totals, offset, out = [], [], 0, None
        try:
            for batch in pq.ParquetFile(spool).iter_batches(batch_size=nlp.CHUNK_TOKENS):
                part = batch.to_pandas()
                part.insert(2, S.SEG_ID, segmenter.seg_ids(offset, offset + len(part)))
                offset += len(part)
                part = part[[c for c in S.TOKEN_COLUMNS if c in part.columns]]
                table = pa.Table.from_pandas(part, preserve_index=False, schema=out.schema if out else None)
                out = out or pq.ParquetWriter(path, table.schema)
                out.write_table(table)
                pieces.append(segment.segments_table(part, strip=False))
                totals.append(document_totals(part))
        finally:
            if out is not None:
                out.close()
    finally:
        if writer is not None:
            writer.close()
        spool.unlink(missing_ok=True)
    total = pd.concat(totals, ignore_index=True).groupby(S.DOC_ID, sort=False).sum()
    segments = segment.join_segment_pieces(pieces)
    del pieces
    nlp.release_memory()
    return {
        "segments": segments,
        "document_totals": total.astype("int64").reset_index(),
        "n_tokens": offset,
        "tokens": None,
    }


# --- identity and settings -------------------------------------------------------------------------------------


def content_hash(docs: pd.DataFrame) -> str:
    """sha256 over every document's metadata and text (or file hash): identity of the input."""
    # the texts left out before the records are made (a large corpus's texts are not copied for nothing)
    dropped = [S.TEXT, "path", *([S.RAW_TEXT] if "file_sha256" in docs.columns else [])]
    payload = []
    for record in docs.drop(columns=dropped, errors="ignore").sort_values(S.DOC_ID).to_dict("records"):
        payload.append(
            {k: (str(v) if not isinstance(v, int | float | bool) else v) for k, v in record.items()}
        )
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def corpus_settings(lemmatizer: str, segment_size: int, mwe_path: Path) -> dict[str, Any]:
    """The ``settings`` dict of a corpus: lemmatizer, segment size, MWE file and hash, versions."""
    from aictlab import nlp

    return {
        "lemmatizer": lemmatizer,
        "segment_size": segment_size,
        "mwe_file": mwe_path.name,
        "mwe_sha256": hashlib.sha256(mwe_path.read_bytes()).hexdigest(),
        "aictlab": __version__,
        **nlp.model_versions(),
    }


# --- the driver ------------------------------------------------------------------------------------------------


class Runner(Protocol):
    """Where partition tasks run: :class:`LocalRunner` or :class:`aictlab.engine.DaskRunner`."""

    n_workers: int

    def bounds(self, sizes: list[int]) -> list[tuple[int, int]]:
        """``[start, end)`` runs of consecutive documents of ``sizes`` characters: the partitions."""

    def map(self, func: Callable[..., Any], parts: list[Any], **kwargs: Any) -> list[Any]:
        """``[func(part, index=i, **kwargs) for i, part in enumerate(parts)]``, wherever it runs."""


@dataclass(frozen=True)
class LocalRunner:
    """Runs the partition tasks in this process, one after the other.

    Attributes
    ----------
    partition_chars : int, optional
        None: the whole corpus is one partition. A number: partitions of about that many characters
        (:func:`partition_bounds`), for a corpus whose tokens go to disk partition by partition.
    """

    partition_chars: int | None = None
    n_workers: ClassVar[int] = 1

    def bounds(self, sizes: list[int]) -> list[tuple[int, int]]:
        if self.partition_chars is None:
            return [(0, len(sizes))]
        return partition_bounds(sizes, partition_chars=self.partition_chars)

    def map(self, func: Callable[..., Any], parts: list[Any], **kwargs: Any) -> list[Any]:
        return [func(part, index=i, **kwargs) for i, part in enumerate(parts)]


def partition_bounds(sizes: list[int], *, partition_chars: int, n_workers: int = 1) -> list[tuple[int, int]]:
    """Split consecutive items (documents) into ``[start, end)`` runs of about ``target`` characters.

    ``target = min(partition_chars, ceil(total / (2 × n_workers)))``: at least two partitions per worker when
    the corpus is small, so that the workers share the load; never more than ``partition_chars`` characters
    in one partition unless a single document is larger (documents are never split).
    """
    if partition_chars < 1:
        raise SettingsError(f"partition_chars={partition_chars}: must be a positive number of characters.")
    total = sum(sizes)
    target = max(1, min(partition_chars, math.ceil(total / (2 * max(n_workers, 1)))))
    bounds, start, filled = [], 0, 0
    for i, size in enumerate(sizes):
        if filled and filled + size > target:
            bounds.append((start, i))
            start, filled = i, 0
        filled += size
    if start < len(sizes):
        bounds.append((start, len(sizes)))
    return bounds


@dataclass(frozen=True, eq=False)
class PartitionedCorpus:
    """The tables of one build, the token table possibly left on disk in partitions.

    :func:`aictlab.corpus.store_corpus` turns it into a :class:`aictlab.corpus.Corpus` (and caches it).

    Attributes
    ----------
    documents, paragraphs, segments, overlap, duplicate_pairs : DataFrame
        As in :class:`aictlab.corpus.Corpus`.
    document_totals : DataFrame
        Per-document token totals (:func:`document_totals`), from the partitions.
    tokens_dir : Path or None
        Folder of ``part.NNNNN.parquet`` files, one per partition, in document order.
    n_partitions, n_tokens : int
    settings : dict
    corpus_hash : str
    tokens : DataFrame or None
        The token table when it was brought back (``return_tokens=True``).
    timings : dict
        Wall seconds of the stages (``cluster`` start, ``warm`` model loading in the workers, ``clean``,
        ``dedup``, ``nlp``, ``overlap``): for benchmarks.
    """

    documents: pd.DataFrame
    paragraphs: pd.DataFrame
    segments: pd.DataFrame
    overlap: pd.DataFrame
    duplicate_pairs: pd.DataFrame
    document_totals: pd.DataFrame
    tokens_dir: Path | None
    n_partitions: int
    n_tokens: int
    settings: dict[str, Any] = field(default_factory=dict)
    corpus_hash: str = ""
    tokens: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def tokens_frame(self):
        """The token table as a lazy ``dask.dataframe`` (one partition per parquet file)."""
        import dask.dataframe as dd

        if self.tokens_dir is None:
            raise CorpusError("this corpus was processed without tokens_dir: no token files to read.")
        return dd.read_parquet(str(self.tokens_dir))


def process_paragraphs(
    docs: pd.DataFrame,
    paragraphs: pd.DataFrame,
    *,
    lemmatizer: str = "spacy",
    segment_size: int = 40,
    mwe_path: Path | None = None,
    runner: Runner | None = None,
    tokens_dir: str | Path | None = None,
    return_tokens: bool = True,
    n_process: int | None = None,
    progress: Callable[[int, int, int, int], None] | None = None,
    nlp_cache: str | Path | None = None,
) -> PartitionedCorpus:
    """From clean documents and their paragraphs to the corpus tables (de-duplication, NLP, segments).

    Parameters
    ----------
    docs : DataFrame
        Checked documents (:func:`check_documents`) with ``text`` (clean paragraphs joined by blank lines).
    paragraphs : DataFrame
        ``doc_id, para_id, para_pos, year, text, is_structure`` in document order (:func:`paragraphs_frame`).
    lemmatizer : {"spacy", "simplemma"}, default="spacy"
    segment_size : int, default=40
        Target words per segment (:mod:`aictlab.segment`).
    mwe_path : Path, optional
        Multi-word expression file; default the packaged ``mwe.txt``.
    runner : Runner, optional
        Where the NLP tasks run (default :class:`LocalRunner`: here, one partition).
    tokens_dir : path, optional
        Write each partition's tokens to ``<tokens_dir>/part.NNNNN.parquet`` (the folder is replaced
        atomically once every partition succeeded).
    return_tokens : bool, default=True
        Bring the token tables back to this process (``PartitionedCorpus.tokens``); False keeps only the
        aggregates in memory (needs ``tokens_dir``).
    n_process : int, optional
        spaCy processes of the :class:`LocalRunner` (default :func:`aictlab.progress.nlp_processes`: one
        per core once the corpus is large enough to repay their start); Dask workers always run one.
    progress : callable, optional
        ``progress(chars_done, chars_total, documents_done, documents_total)``, called as the NLP stage goes
        through the paragraphs (at most twice a second, and once at the end): characters measure the work,
        so an ETA drawn from them is honest whatever the documents' sizes
        (:func:`aictlab.progress.tqdm_progress` draws one). With a Dask runner it is called once, at the end.
    nlp_cache : path, optional
        Folder of NLP rows cached by paragraph (:mod:`aictlab.paragraph_cache`) for the tasks that keep their
        tokens in memory: paragraphs seen in an earlier build are not processed again.
    """
    from aictlab import dedup, nlp

    check_choice("lemmatizer", lemmatizer, LEMMATIZERS)
    if not return_tokens and tokens_dir is None:
        raise SettingsError("return_tokens=False needs tokens_dir: the tokens must go somewhere.")
    runner = runner or LocalRunner()
    mwe_path = mwe_file(mwe_path)
    if isinstance(runner, LocalRunner):  # loaded first, its tokenizer reads the expressions (one model load)
        nlp.spacy_pipeline(lemmatizer)
    mwes = nlp.read_mwes(mwe_path)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    docs = docs.copy()
    docs[S.YEAR] = docs[S.YEAR].astype(int)
    sizes = pd.Series(docs[S.TEXT].str.len().to_numpy(), index=docs[S.DOC_ID])
    paragraphs, pairs = dedup.flag_duplicates(paragraphs, sizes)
    timings["dedup"] = time.perf_counter() - start
    start = time.perf_counter()

    # partitions of whole documents, in document order
    per_doc = paragraphs.groupby(S.DOC_ID, sort=False)[S.TEXT].agg(lambda t: int(t.str.len().sum()))
    order = list(dict.fromkeys(paragraphs[S.DOC_ID]))
    bounds = runner.bounds([int(per_doc[d]) for d in order])
    starts = paragraphs[S.DOC_ID].ne(paragraphs[S.DOC_ID].shift()).to_numpy().nonzero()[0].tolist()
    starts.append(len(paragraphs))
    parts = [paragraphs.iloc[starts[a] : starts[b]] for a, b in bounds]
    log.info("NLP on %d partition(s) of %d documents, %d worker(s)", len(parts), len(order), runner.n_workers)

    tmp = None
    if tokens_dir is not None:
        tokens_dir = Path(tokens_dir)
        tokens_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=tokens_dir.parent, prefix=f".{tokens_dir.name}."))
    if n_process is None:
        local = isinstance(runner, LocalRunner)
        n_process = nlp_processes(lemmatizer, int(per_doc.sum())) if local else 1
    tracker = ProgressTracker(progress, int(per_doc.sum()), len(order)) if progress else None
    kwargs = {
        "nlp_cache": str(nlp_cache) if nlp_cache is not None and return_tokens else None,
        "n_process": n_process,
        "progress": tracker.paragraph if tracker and isinstance(runner, LocalRunner) else None,
        "lemmatizer": lemmatizer,
        "segment_size": segment_size,
        "mwes": mwes,
        "tokens_dir": str(tmp) if tmp else None,
        "return_tokens": return_tokens,
    }
    try:
        results = runner.map(nlp_partition, parts, **kwargs)
        if tracker is not None:
            tracker.finish()
        if tmp is not None:
            if tokens_dir.exists():
                shutil.rmtree(tokens_dir)
            os.replace(tmp, tokens_dir)
            tmp = None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    timings["nlp"] = time.perf_counter() - start
    start = time.perf_counter()
    segments = pd.concat([r["segments"] for r in results], ignore_index=True)
    tokens = pd.concat([r["tokens"] for r in results], ignore_index=True) if return_tokens else None
    overlap = dedup.document_overlap(docs, paragraphs, pairs)
    docs = docs.drop(columns=[c for c in ("_row", "_where", "path") if c in docs.columns])
    timings["overlap"] = time.perf_counter() - start
    return PartitionedCorpus(
        documents=docs.reset_index(drop=True),
        paragraphs=paragraphs,
        segments=segments,
        overlap=overlap,
        duplicate_pairs=pairs,
        document_totals=pd.concat([r["document_totals"] for r in results], ignore_index=True),
        tokens_dir=tokens_dir,
        n_partitions=len(parts),
        n_tokens=sum(r["n_tokens"] for r in results),
        settings=corpus_settings(lemmatizer, segment_size, mwe_path),
        corpus_hash=content_hash(docs),
        tokens=tokens,
        timings=timings,
    )
