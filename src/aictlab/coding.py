"""Use coding of frame hits and their keyword-in-context lines: is a hit a *use* of the frame or a *mention*
of it (``docs/methods.md`` §7)? And how much of the drift do the mentions carry?

The coding is a coding sheet (:func:`aictlab.validation.read_sheet`; :func:`load_use_coding` reads the
packaged ``aictlab/data/frames_coding_seeds.csv`` by default): one code per hit (``use | mention |
other_sense | wrong_frame``, docs/methods.md §15), keyed by ``hit_id`` = ``doc_id:tok_pos:term``. A
*document-level* row (hit_id ``<doc_id>:*``, term ``*``) gives the code of that document's hits the sheet
does not code: ``mention`` marks a document that *discusses* the hypothesis (its uncoded hits are mentions);
the mention documents of :func:`mention_vs_use` are read from these rows, never from the code.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from aictlab.config import DRIFT_FRAMES
from aictlab.drift import measure_drift
from aictlab.frames import as_frame_data
from aictlab.lexicon import Lexicon
from aictlab.schema import DOC_ID, SEG_ID, TOK_POS, YEAR
from aictlab.validation import CODES, DOCUMENT_ROW, hit_ids, is_document_row, read_sheet

__all__ = [
    "DOCUMENT_ROW",
    "KWIC_FRAME_COLUMNS",
    "USE_CODES",
    "code_matches",
    "coded_documents",
    "coded_mention_documents",
    "document_defaults",
    "kwic_frames",
    "load_use_coding",
    "mention_vs_use",
    "use_only_drift",
]

log = logging.getLogger(__name__)

#: Codes of a frame hit (``docs/methods.md`` §7, §15): the coding sheet's codes, values of ``use``.
USE_CODES = CODES
KWIC_FRAME_COLUMNS = [DOC_ID, YEAR, "frame", "term", "left", "keyword", "right"]


def load_use_coding(path: str | Path | Sequence[str | Path] | None = None) -> pd.DataFrame:
    """Read coding sheets of frame hits (:func:`aictlab.validation.read_sheet`; several are concatenated).

    Parameters
    ----------
    path : str, Path or sequence of them, optional
        Default: the packaged ``aictlab/data/frames_coding_seeds.csv`` (the seed corpus, every hit coded by
        reading its KWIC line; the coding rules are in its header). A document-level row (hit_id
        ``<doc_id>:*``, term ``*``) gives the code of the document's uncoded hits.

    Raises
    ------
    SchemaError
        As :func:`aictlab.validation.read_sheet` (the message names the file and row).
    """
    if path is None:
        from aictlab.config import PACKAGE_DATA

        path = PACKAGE_DATA / "frames_coding_seeds.csv"
    paths = [path] if isinstance(path, str | Path) else list(path)
    return pd.concat([read_sheet(p) for p in paths], ignore_index=True)


def document_defaults(coding: pd.DataFrame | None) -> dict[str, str]:
    """Document -> code of its uncoded hits, from the coding's document-level rows (term ``*``)."""
    if coding is None or coding.empty:
        return {}
    rows = coding[is_document_row(coding) & coding["code"].ne("")]
    return dict(zip(rows[DOC_ID], rows["code"], strict=True))


def coded_documents(coding: pd.DataFrame | None, doc_ids) -> list[str]:
    """The documents of ``doc_ids`` that the coding covers (hit-level or document-level rows), sorted: the
    mention-vs-use reading applies to a corpus only when this is not empty."""
    if coding is None or coding.empty:
        return []
    return sorted(set(coding[DOC_ID].astype(str)) & {str(d) for d in doc_ids})


def coded_mention_documents(coding: pd.DataFrame | None) -> tuple[str, ...]:
    """The documents that *discuss* the hypothesis: those whose document-level code is ``mention``."""
    return tuple(doc for doc, code in document_defaults(coding).items() if code == "mention")


def code_matches(
    matches: pd.DataFrame,
    coding: pd.DataFrame | None = None,
    *,
    mention_documents: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Attach the code of each hit: the sheet's code where it codes the hit (same ``hit_id``), else the
    document default (the coding's document-level row; ``mention`` in ``mention_documents``; ``use``
    elsewhere).

    Parameters
    ----------
    matches : DataFrame
        :func:`aictlab.lexicon.match_terms` output.
    coding : DataFrame, optional
        :func:`load_use_coding` output (with two coders, the first coder's code of a hit).
    mention_documents : sequence of str, optional
        Documents whose uncoded hits default to ``mention``, whatever the coding says.

    Returns
    -------
    DataFrame
        ``matches`` with ``hit_id`` (``doc_id:tok_pos:term``), ``occurrence`` (rank of the hit among its
        document's hits of that term, in text order), ``use`` (one of :data:`USE_CODES`), ``use_coded_by``
        (``hand`` | ``document default``) and ``use_note``.
    """
    defaults = document_defaults(coding) | dict.fromkeys(mention_documents or (), "mention")
    out = matches.sort_values([DOC_ID, TOK_POS], kind="stable").copy()
    out["hit_id"] = hit_ids(out) if len(out) else pd.Series(dtype=str)
    out["occurrence"] = out.groupby([DOC_ID, "term"]).cumcount() + 1
    out["use"] = [defaults.get(doc, "use") for doc in out[DOC_ID]]
    out["use_coded_by"] = "document default"
    out["use_note"] = ""
    if coding is not None and len(out):
        hand = coding[coding["code"].ne("") & ~is_document_row(coding)].drop_duplicates("hit_id")
        hand = hand.set_index("hit_id")
        found = out["hit_id"].isin(hand.index).to_numpy()
        rows = out.index[found]
        out.loc[rows, "use"] = out.loc[rows, "hit_id"].map(hand["code"]).to_numpy()
        out.loc[rows, "use_coded_by"] = "hand"
        out.loc[rows, "use_note"] = out.loc[rows, "hit_id"].map(hand["note"]).fillna("").to_numpy()
    return out.sort_index()


def kwic_frames(
    data,
    lexicon: Lexicon | None = None,
    *,
    tier: str = "extended",
    window: int = 10,
    coding: pd.DataFrame | None = None,
    mention_documents: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Keyword-in-context line for every frame hit (``docs/methods.md`` §7), so a reader can judge use vs
    mention.

    Parameters
    ----------
    data : Corpus, DataFrame or FrameData
        A corpus, a selected token table (with punctuation: readable contexts) or its
        :func:`aictlab.frames.frame_data` with lines of this ``window``.
    lexicon : Lexicon, optional
        Needed unless ``data`` is a ``FrameData``.
    tier : {"core", "extended"}, default="extended"
    window : int, default=10
        Tokens of context on each side.
    coding : DataFrame, optional
        Hand coding (:func:`load_use_coding`).
    mention_documents : sequence of str, optional
        Documents whose uncoded hits default to ``mention`` (besides the coding's document-level rows).

    Returns
    -------
    DataFrame
        ``doc_id, year, frame, term, left, keyword, right`` plus ``tier, seg_id, start, end, occurrence`` and
        ``hit_id``, ``use`` (``use | mention | other_sense | wrong_frame``): the sheet's code where it has the hit,
        else the document-level default (:func:`code_matches`); ``use_coded_by`` says which and ``use_note``
        gives the coder's reason. Sorted by year, document and position; exactly one line per hit.
    """
    fd = as_frame_data(data, lexicon, tiers=(tier,), window=window)
    matches, lines = fd.hits(tier), fd.kwic
    extra = ["tier", SEG_ID, "start", "end", "occurrence", "hit_id", "use", "use_coded_by", "use_note"]
    if matches.empty:
        return pd.DataFrame(columns=KWIC_FRAME_COLUMNS + extra)
    lines = lines.drop(columns=["term", YEAR, SEG_ID], errors="ignore")
    coded = code_matches(matches, coding, mention_documents=mention_documents)
    hits = coded[
        [
            DOC_ID,
            YEAR,
            SEG_ID,
            TOK_POS,
            "frame",
            "term",
            "tier",
            "occurrence",
            "hit_id",
            "use",
            "use_coded_by",
            "use_note",
        ]
    ]
    hits = hits.rename(columns={TOK_POS: "start"})
    out = hits.merge(lines, on=[DOC_ID, "start"], how="left", validate="one_to_one")
    missing = int(out["keyword"].isna().sum())
    if missing:
        log.warning("kwic_frames: %d hit(s) without a concordance line (context left empty).", missing)
        out[["left", "keyword", "right"]] = out[["left", "keyword", "right"]].fillna("")
    out = out.sort_values([YEAR, DOC_ID, "start"], kind="stable").reset_index(drop=True)
    return out[KWIC_FRAME_COLUMNS + extra]


def use_only_drift(
    data,
    coding: pd.DataFrame | None,
    lexicon: Lexicon | None = None,
    *,
    mention_documents: Sequence[str] | None = None,
    tier: str = "extended",
    periods: int | Sequence[int] | None = None,
    main=None,
    **drift_options,
):
    """The drift counting only the hits coded ``use`` (docs/methods.md §7, §15).

    Each hit takes its code from :func:`code_matches` (the sheet's code, else its document's default); the
    others are left out of the counts and the drift is measured as usual.

    Parameters
    ----------
    data : Corpus, DataFrame or FrameData
        As in :func:`aictlab.drift.measure_drift`.
    coding : DataFrame or None
        Coded hits (:func:`load_use_coding` or :func:`aictlab.validation.read_sheet`).
    lexicon : Lexicon, optional
        Needed unless ``data`` is a ``FrameData``.
    mention_documents : sequence of str, optional
        As in :func:`code_matches`.
    tier, periods
        As in :func:`aictlab.drift.measure_drift`.
    main : DriftResult, optional
        :func:`aictlab.drift.measure_drift` of ``data`` with the same options, when already computed: it is
        the result when every hit is coded ``use`` (not measured again).
    **drift_options
        Passed to :func:`aictlab.drift.measure_drift` (``drift_frames, n_boot, seed, alpha, merge,
        min_documents, clusters``).

    Returns
    -------
    DriftResult
        :func:`aictlab.drift.measure_drift`'s result on the hits coded ``use``.
    """
    fd = as_frame_data(data, lexicon, periods=periods, tiers=(tier,))
    matches = fd.hits(tier)
    coded = code_matches(matches, coding, mention_documents=mention_documents)
    use = matches.loc[coded.index[coded["use"].eq("use")]].sort_index()
    if main is not None and len(use) == len(matches):  # every hit is a use: the same hits, the same drift
        return main
    return measure_drift(fd.with_hits(use, tier=tier), tier=tier, **drift_options)


def mention_vs_use(
    data,
    lexicon: Lexicon | None = None,
    *,
    coding: pd.DataFrame | None = None,
    mention_documents: Sequence[str] | None = None,
    drift_frames: Sequence[str] = DRIFT_FRAMES,
    tier: str = "extended",
    periods: int | Sequence[int] | None = None,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    merge=None,
    min_documents: int = 5,
    clusters: Mapping[str, str] | None = None,
    main=None,
) -> pd.DataFrame:
    """Drift index per period with and without the documents that *discuss* the hypothesis, and (with a
    hand ``coding``) counting only the hits coded ``use``.

    A document that talks about the paradigm produces frame hits that are mentions, not uses. This table lets
    a reader see how much of the picture they carry.

    Parameters
    ----------
    data : Corpus, DataFrame or FrameData
        As in :func:`aictlab.drift.measure_drift`.
    lexicon : Lexicon, optional
        Needed unless ``data`` is a ``FrameData``.
    coding : DataFrame, optional
        Hand coding (:func:`load_use_coding`): adds the ``only hits coded use`` rows; its document-level
        ``mention`` rows name the mention documents.
    mention_documents : sequence of str, optional
        The documents that discuss the hypothesis; default :func:`coded_mention_documents` of ``coding``.
    drift_frames, tier, periods, n_boot, seed, alpha, merge, min_documents, clusters
        As in :func:`aictlab.drift.measure_drift` (the last two: which periods resample documents).
    main : DriftResult, optional
        :func:`aictlab.drift.measure_drift` of ``data`` with these options, when already computed (the
        report's main measurement): the "all documents" rows, not measured again.

    Returns
    -------
    DataFrame
        ``variant`` ("all documents" / "without <docs>" / "only hits coded use"), then the ``by_period``
        columns.
    """
    fd = as_frame_data(data, lexicon, periods=periods, tiers=(tier,))
    mentions = tuple(mention_documents) if mention_documents is not None else coded_mention_documents(coding)
    present = [d for d in mentions if d in set(fd.segments[DOC_ID])]
    kw = {
        "drift_frames": drift_frames,
        "tier": tier,
        "n_boot": n_boot,
        "seed": seed,
        "alpha": alpha,
        "merge": merge,
        "min_documents": min_documents,
        "clusters": clusters,
    }
    main = main if main is not None else measure_drift(fd, **kw)
    out = [main.by_period.assign(variant="all documents")]
    if present:
        res = measure_drift(fd, exclude_documents=present, **kw)
        out.append(res.by_period.assign(variant="without " + ", ".join(present)))
    if coding is not None:
        kw.pop("tier")
        res = use_only_drift(fd, coding, mention_documents=mentions, tier=tier, main=main, **kw)
        out.append(res.by_period.assign(variant="only hits coded use"))
    table = pd.concat(out, ignore_index=True)
    return table[["variant"] + [c for c in table.columns if c != "variant"]]
