"""Validating the frame lexicon: coding sheets, precision, recall, agreement between coders.

Grimmer & Stewart (2013), "Text as data", *Political Analysis* 21(3): a dictionary's hits are read and coded
before they are counted. The workflow (docs/methods.md §15):

1. :func:`sample_hits` draws a seeded random sample of hits, stratified by frame (and by document if asked),
   as a coding sheet (:data:`SHEET_COLUMNS`): the coder fills ``code`` with one of :data:`CODES` —
   ``use`` (the text speaks in the frame), ``mention`` (it names or analyses the frame), ``other_sense``
   (a name, a title, another meaning), ``wrong_frame``;
2. :func:`sample_misses` draws segments *without* hits (:data:`MISS_COLUMNS`): the coder writes the frame a
   segment invokes anyway, or ``none``;
3. :func:`read_sheet` / :func:`read_miss_sheet` read the coded sheets back (clear errors naming the file and
   row); :func:`validation_summary` gives precision per frame, tier and term with Wilson intervals, recall,
   agreement between two coders and precision-adjusted counts. The drift on precision-adjusted counts, with
   the coding's uncertainty, is :func:`aictlab.adjusted.adjusted_drift`.

References
----------
Wilson E. B. (1927), "Probable inference, the law of succession, and statistical inference", JASA 22.
Cohen J. (1960), "A coefficient of agreement for nominal scales", Educational and Psychological Measurement 20.
Krippendorff K. (2011), "Computing Krippendorff's alpha-reliability", Annenberg School for Communication.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from aictlab.errors import SchemaError
from aictlab.schema import DOC_ID, SEG_ID, TEXT, TOK_POS, YEAR, require_columns

__all__ = [
    "CODES",
    "DOCUMENT_ROW",
    "MISS_COLUMNS",
    "SHEET_COLUMNS",
    "MIN_TERM_N",
    "Z95",
    "adjusted_counts",
    "agreement",
    "coded_hits",
    "cohen_kappa",
    "hit_ids",
    "is_document_row",
    "krippendorff_alpha",
    "precision_table",
    "precision_weights",
    "read_miss_sheet",
    "read_sheet",
    "recall_table",
    "sample_hits",
    "sample_misses",
    "segments_without_hits",
    "validation_summary",
    "wilson_interval",
]

#: Codes of a hit: in the frame, about the frame, another sense, the other frame.
CODES = ("use", "mention", "other_sense", "wrong_frame")
SHEET_COLUMNS = (
    "hit_id",
    DOC_ID,
    YEAR,
    "frame",
    "term",
    "tier",
    "left",
    "keyword",
    "right",
    "code",
    "coder",
    "note",
)
MISS_COLUMNS = ("segment_id", DOC_ID, YEAR, TEXT, "code", "coder", "note")
#: The ``term`` of a document-level row (``hit_id`` ``<doc_id>:*``): the code of that document's hits that no
#: row covers (``mention`` marks a document that discusses the frames; read by :mod:`aictlab.coding`).
DOCUMENT_ROW = "*"
#: Code of a missed segment that invokes no frame.
NO_FRAME = "none"
#: Two-sided 95 % normal quantile.
Z95 = 1.959963984540054
#: Terms coded fewer times than this have their precision shrunk towards their frame's (and no own line).
MIN_TERM_N = 5


def hit_ids(matches: pd.DataFrame) -> pd.Series:
    """Stable id of each hit: ``doc_id:tok_pos:term`` (``report_2012:1520:paix``)."""
    require_columns(matches, (DOC_ID, TOK_POS, "term"), "matches")
    return (
        matches[DOC_ID].astype(str) + ":" + matches[TOK_POS].astype(int).astype(str) + ":" + matches["term"]
    )


def is_document_row(sheet: pd.DataFrame) -> pd.Series:
    """True for a sheet's document-level rows (term :data:`DOCUMENT_ROW`): no hit, a document's default code."""
    return sheet["term"].eq(DOCUMENT_ROW)


def sample_hits(
    matches: pd.DataFrame,
    contexts: pd.DataFrame | None,
    *,
    n_per_frame: int = 50,
    seed: int = 42,
    by_document: bool = False,
) -> pd.DataFrame:
    """A coding sheet: a seeded random sample of hits, stratified by frame.

    Parameters
    ----------
    matches : DataFrame
        Hits (:func:`aictlab.lexicon.match_terms`).
    contexts : DataFrame or None
        The hits' KWIC lines, ``doc_id, start, left, right`` (:func:`aictlab.frames.hit_contexts`, e.g.
        ``frame_data(corpus, lexicon, window=12).kwic``: the one concordance of the package); None leaves
        ``left`` and ``right`` blank.
    n_per_frame : int, default=50
        Hits drawn per frame (all of them when a frame has fewer).
    seed : int, default=42
        Seed of the draw (derive it from the run's ``Settings.seed``).
    by_document : bool, default=False
        Stratify by frame *and* document: ``n_per_frame`` is spread over the documents in proportion to
        their hits (at least one per document with hits).

    Returns
    -------
    DataFrame
        :data:`SHEET_COLUMNS`, ``code``, ``coder`` and ``note`` blank, ordered by frame then draw order.
    """
    if n_per_frame < 1:
        raise SchemaError(f"n_per_frame={n_per_frame}: draw at least one hit per frame.")
    require_columns(matches, (DOC_ID, TOK_POS, "tok_pos_end", "frame", "term", "tier", "keyword"), "matches")
    rng = np.random.default_rng(seed)
    hits = matches.assign(hit_id=hit_ids(matches)).sort_values("hit_id", kind="stable")
    drawn = []
    for _frame, group in hits.groupby("frame", sort=True):
        if by_document:
            quota = _document_quota(group[DOC_ID].value_counts().sort_index(), n_per_frame)
            parts = [g.iloc[rng.permutation(len(g))[: quota[d]]] for d, g in group.groupby(DOC_ID, sort=True)]
            drawn.append(pd.concat(parts))
        else:
            drawn.append(group.iloc[rng.permutation(len(group))[:n_per_frame]])
    sample = pd.concat(drawn) if drawn else hits.iloc[:0]
    if contexts is None:
        sample = sample.assign(left="", right="")
    else:
        lines = contexts[[DOC_ID, "start", "left", "right"]].rename(columns={"start": TOK_POS})
        sample = sample.drop(columns=["left", "right"], errors="ignore").merge(
            lines, on=[DOC_ID, TOK_POS], how="left"
        )
        sample[["left", "right"]] = sample[["left", "right"]].fillna("")
    if YEAR not in sample.columns:
        sample[YEAR] = pd.NA
    sample = sample.assign(code="", coder="", note="")
    return sample[list(SHEET_COLUMNS)].reset_index(drop=True)


def _document_quota(counts: pd.Series, n: int) -> dict[str, int]:
    """Hits per document: proportional to its hits (largest remainders), at least one, at most all."""
    if counts.sum() <= n:
        return counts.to_dict()
    share = counts / counts.sum() * n
    quota = np.maximum(np.floor(share).astype(int), 1)
    order = np.argsort(-(share - np.floor(share)).to_numpy(), kind="stable")
    for i in order[: max(0, n - int(quota.sum()))]:
        quota.iloc[i] += 1
    return np.minimum(quota, counts).to_dict()


def segments_without_hits(segments: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """The text segments in which the lexicon found no hit (structure lines left out), by ``seg_id``.

    Their number is the population of the miss sample (``n_without`` of :func:`recall_table`).
    """
    require_columns(segments, (DOC_ID, SEG_ID, TEXT), "segments")
    require_columns(matches, (SEG_ID,), "matches")
    pool = segments[~segments[SEG_ID].isin(set(matches[SEG_ID]))]
    if "is_structure" in pool.columns:
        pool = pool[~pool["is_structure"].astype(bool)]
    return pool.sort_values(SEG_ID, kind="stable")


def sample_misses(
    segments: pd.DataFrame, matches: pd.DataFrame, *, n: int = 100, seed: int = 42
) -> pd.DataFrame:
    """A recall sheet: a seeded random sample of text segments in which the lexicon found no hit.

    Parameters
    ----------
    segments : DataFrame
        ``doc_id, seg_id, text`` (``year`` used when present), e.g. ``Corpus.segments``; structure lines
        (``is_structure``) are left out when the column exists.
    matches : DataFrame
        The hits of the same corpus.
    n : int, default=100
    seed : int, default=42

    Returns
    -------
    DataFrame
        :data:`MISS_COLUMNS`; ``code`` blank, to be filled with a frame name or ``none``.
    """
    pool = segments_without_hits(segments, matches)
    rng = np.random.default_rng(seed)
    sample = pool.iloc[rng.permutation(len(pool))[:n]]
    return pd.DataFrame(
        {
            "segment_id": sample[SEG_ID].astype(str).to_numpy(),
            DOC_ID: sample[DOC_ID].to_numpy(),
            YEAR: sample[YEAR].to_numpy() if YEAR in sample else pd.NA,
            TEXT: sample[TEXT].to_numpy(),
            "code": "",
            "coder": "",
            "note": "",
        }
    )


# ------------------------------------------------------------------------------------------- reading sheets
def _read_csv(path: Path, what: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, comment="#", dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError as exc:
        raise SchemaError(f"{path}: {what} not found.") from exc
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise SchemaError(f"{path}: cannot read the {what} as UTF-8 CSV ({exc}).") from exc


def _check_codes(table: pd.DataFrame, path: Path, allowed: Sequence[str], key: str) -> pd.DataFrame:
    table = table.copy()
    table["code"] = table["code"].str.strip().str.lower().str.replace(" ", "_")
    bad = ~table["code"].isin(list(allowed) + [""])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"{path}: row {i + 1} ({key} {table[key].iloc[i]!r}): code {table['code'].iloc[i]!r} is not one of "
            f"{', '.join(allowed)} (leave it blank if not coded)."
        )
    coder = table["coder"] if "coder" in table else pd.Series("", index=table.index)
    dup = table.assign(coder=coder).duplicated([key, "coder"])
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise SchemaError(
            f"{path}: row {i + 1}: {key} {table[key].iloc[i]!r} is coded twice by coder {coder.iloc[i]!r}."
        )
    return table


def read_sheet(path: str | Path) -> pd.DataFrame:
    """Read a coded hit sheet (:data:`SHEET_COLUMNS`; ``#`` comment lines allowed).

    Codes are case-insensitive (``Other sense`` reads as ``other_sense``); a blank code is a row not coded
    yet (kept, ignored by the measures). Rows are numbered from the first data row. A *document-level row*
    (hit_id ``<doc_id>:*``, term ``*``, frame blank) gives the code of that document's hits no row covers
    (:func:`aictlab.coding.code_matches`); the measures of this module ignore it.

    Raises
    ------
    SchemaError
        Missing file or columns, an unknown code, the same hit coded twice by one coder, a document-level row
        whose hit_id is not ``<doc_id>:*`` (file, row named).
    """
    path = Path(path)
    table = _read_csv(path, "coding sheet")
    require_columns(table, ("hit_id", DOC_ID, "frame", "term", "code"), str(path))
    for column in ("tier", "coder", "note", "keyword"):
        if column not in table:
            table[column] = ""
    doc_row = is_document_row(table)
    bad = doc_row.ne(table["hit_id"].eq(table[DOC_ID] + ":" + DOCUMENT_ROW))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"{path}: row {i + 1} (hit_id {table['hit_id'].iloc[i]!r}): a document-level row has term "
            f"'{DOCUMENT_ROW}' and hit_id '<doc_id>:{DOCUMENT_ROW}', and only such a row."
        )
    return _check_codes(table, path, CODES, "hit_id")


def read_miss_sheet(path: str | Path, frames: Iterable[str]) -> pd.DataFrame:
    """Read a coded miss sheet (:data:`MISS_COLUMNS`): each code a frame name or ``none``.

    Raises
    ------
    SchemaError
        As :func:`read_sheet`; a code that is neither a frame of ``frames`` nor ``none``.
    """
    path = Path(path)
    table = _read_csv(path, "miss sheet")
    require_columns(table, ("segment_id", DOC_ID, "code"), str(path))
    if "coder" not in table:
        table["coder"] = ""
    return _check_codes(table, path, [*frames, NO_FRAME], "segment_id")


# ------------------------------------------------------------------------------------------- precision
def wilson_interval(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k/n`` (Wilson 1927); ``(nan, nan)`` when ``n == 0``.

    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``.

    Examples
    --------
    >>> [round(v, 4) for v in wilson_interval(27, 50)]
    [0.404, 0.6703]
    """
    if n <= 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def coded_hits(sheet: pd.DataFrame) -> pd.DataFrame:
    """One code per hit: the coded hit rows of a sheet (no document-level row); with several coders, the first
    coder in sheet order."""
    rows = sheet[sheet["code"].ne("") & ~is_document_row(sheet)]
    return rows.drop_duplicates("hit_id", keep="first")


def precision_table(sheet: pd.DataFrame, by: Sequence[str] = ("frame",)) -> pd.DataFrame:
    """Precision of the coded hits per group, strict (``use/n``) and lenient (``(use + mention)/n``).

    Returns
    -------
    DataFrame
        ``by`` columns, ``n`` and the count of each code, ``precision, precision_low, precision_high``,
        ``lenient, lenient_low, lenient_high`` (Wilson 95 %), ``enough`` (``n >= 5``: a term's own precision
        is reported only then).
    """
    coded = coded_hits(sheet)
    rows = []
    for key, g in coded.groupby(list(by), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        counts = g["code"].value_counts()
        n = len(g)
        use, mention = int(counts.get("use", 0)), int(counts.get("mention", 0))
        row = dict(zip(by, key, strict=True))
        row.update({"n": n, **{c: int(counts.get(c, 0)) for c in CODES}})
        lo, hi = wilson_interval(use, n)
        llo, lhi = wilson_interval(use + mention, n)
        row.update(
            precision=use / n,
            precision_low=lo,
            precision_high=hi,
            lenient=(use + mention) / n,
            lenient_low=llo,
            lenient_high=lhi,
            enough=n >= MIN_TERM_N,
        )
        rows.append(row)
    columns = [*by, "n", *CODES, "precision", "precision_low", "precision_high", "lenient", "lenient_low"]
    return pd.DataFrame(rows, columns=[*columns, "lenient_high", "enough"])


def _term_precision(sheet: pd.DataFrame, prior: float) -> tuple[pd.Series, pd.Series]:
    """Shrunk precision per (frame, term) and each frame's precision (see :func:`adjusted_counts`)."""
    coded = coded_hits(sheet)
    use = coded["code"].eq("use")
    frame_p = use.groupby(coded["frame"]).mean()
    k = use.groupby([coded["frame"], coded["term"]]).sum()
    n = use.groupby([coded["frame"], coded["term"]]).size()
    base = frame_p.reindex(k.index.get_level_values(0)).to_numpy()
    return (k + prior * base) / (n + prior), frame_p


def precision_weights(matches: pd.DataFrame, sheet: pd.DataFrame, *, prior: float = MIN_TERM_N) -> pd.Series:
    """Each hit's estimated precision ``p̃_t`` (its term's, shrunk towards its frame's; see :func:`adjusted_counts`).

    Returns
    -------
    Series
        Aligned on ``matches``; nan for a frame never coded. Weighting hits by it gives precision-adjusted
        counts per document or segment (for the drift with the documents resampled).
    """
    p_term, frame_p = _term_precision(sheet, prior)
    return pd.Series(
        [
            p_term.get((f, t), frame_p.get(f, math.nan))
            for f, t in zip(matches["frame"], matches["term"], strict=True)
        ],
        index=matches.index,
        dtype=float,
    )


def adjusted_counts(matches: pd.DataFrame, sheet: pd.DataFrame, *, prior: float = MIN_TERM_N) -> pd.DataFrame:
    """Precision-adjusted hit counts per frame: ``count_f* = Σ_t count_t · p̃_t``.

    ``p̃_t = (use_t + m · p̂_f) / (n_t + m)`` is the term's precision shrunk towards its frame's ``p̂_f``
    (a beta prior worth ``m = prior`` codings): a term coded a few times borrows from its frame, one coded
    often keeps its own; a term never coded gets ``p̂_f``.

    Returns
    -------
    DataFrame
        ``frame, hits, adjusted, precision`` (``p̂_f``; nan and ``adjusted`` nan for a frame never coded).
    """
    _, frame_p = _term_precision(sheet, prior)
    weighted = matches[["frame"]].assign(hits=1, adjusted=precision_weights(matches, sheet, prior=prior))
    out = weighted.groupby("frame").agg(hits=("hits", "sum"), adjusted=("adjusted", "sum")).reset_index()
    out["adjusted"] = out["adjusted"].where(out["frame"].isin(frame_p.index))
    out["precision"] = out["frame"].map(frame_p)
    return out


def recall_table(
    sheet: pd.DataFrame, misses: pd.DataFrame, matches: pd.DataFrame, n_without: int
) -> pd.DataFrame:
    """Recall per frame from the hit sample and the miss sample.

    ``TP_f = p̂_f · hits_f`` (hits in use); ``FN_f = m̂_f · N₀`` where ``m̂_f`` is the share of sampled hit-less
    segments coded as invoking frame f and ``N₀ = n_without`` the number of hit-less segments; recall
    ``TP/(TP + FN)`` (a missed segment counts as one missed hit). The interval combines the Wilson bounds of
    ``p̂_f`` and ``m̂_f`` (low: low TP with high FN; high: the reverse), a conservative approximation.

    Returns
    -------
    DataFrame
        ``frame, hits, precision, n_misses_coded, misses_in_frame, miss_rate, miss_rate_low,
        miss_rate_high, recall, recall_low, recall_high``.
    """
    coded = coded_hits(sheet)
    miss = misses[misses["code"].ne("")].drop_duplicates("segment_id", keep="first")
    n_m = len(miss)
    rows = []
    for frame, hits in matches.groupby("frame").size().items():
        g = coded[coded["frame"].eq(frame)]
        k, n = int(g["code"].eq("use").sum()), len(g)
        p = k / n if n else math.nan
        p_lo, p_hi = wilson_interval(k, n)
        f = int(miss["code"].eq(frame).sum())
        m = f / n_m if n_m else math.nan
        m_lo, m_hi = wilson_interval(f, n_m)

        def ratio(tp: float, fn: float) -> float:
            return tp / (tp + fn) if tp + fn > 0 else math.nan

        rows.append(
            {
                "frame": frame,
                "hits": int(hits),
                "precision": p,
                "n_misses_coded": n_m,
                "misses_in_frame": f,
                "miss_rate": m,
                "miss_rate_low": m_lo,
                "miss_rate_high": m_hi,
                "recall": ratio(p * hits, m * n_without),
                "recall_low": ratio(p_lo * hits, m_hi * n_without),
                "recall_high": ratio(p_hi * hits, m_lo * n_without),
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------- agreement
def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa of two coders' nominal codes on the same units (Cohen 1960).

    ``κ = (p_o - p_e) / (1 - p_e)``; ``p_o`` observed agreement, ``p_e = Σ_c p_a(c) p_b(c)``. Nan when
    ``p_e == 1`` (both coders used one and the same code).
    """
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if len(a) != len(b) or not len(a):
        raise SchemaError("cohen_kappa: give two non-empty sequences of the same length.")
    p_o = float(np.mean(a == b))
    cats = set(a) | set(b)
    p_e = sum(float(np.mean(a == c)) * float(np.mean(b == c)) for c in cats)
    return math.nan if p_e == 1 else (p_o - p_e) / (1 - p_e)


def krippendorff_alpha(data: pd.DataFrame | Sequence[Sequence]) -> float:
    """Krippendorff's alpha for nominal data (Krippendorff 2011).

    Parameters
    ----------
    data : DataFrame or 2-D sequence
        Reliability data: one row per coder, one column per unit; missing codes as None/NaN.

    Returns
    -------
    float
        ``α = 1 - D_o / D_e`` from the coincidence matrix ``o_ck = Σ_u (number of c-k pairs in u)/(m_u - 1)``
        over units coded at least twice; ``D_o = Σ_{c≠k} o_ck / n``, ``D_e = Σ_{c≠k} n_c n_k / (n(n-1))``.
    """
    table = pd.DataFrame(data)
    coincidence: dict[tuple, float] = {}
    for _, unit in table.items():
        values = [v for v in unit.tolist() if v is not None and not (isinstance(v, float) and math.isnan(v))]
        m = len(values)
        if m < 2:
            continue
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                if i != j:
                    coincidence[(c, k)] = coincidence.get((c, k), 0.0) + 1 / (m - 1)
    n_c: dict = {}
    for (c, _k), v in coincidence.items():
        n_c[c] = n_c.get(c, 0.0) + v
    n = sum(n_c.values())
    if n <= 1:
        return math.nan
    d_o = sum(v for (c, k), v in coincidence.items() if c != k) / n
    d_e = sum(n_c[c] * n_c[k] for c in n_c for k in n_c if c != k) / (n * (n - 1))
    return math.nan if d_e == 0 else 1 - d_o / d_e


def agreement(sheet: pd.DataFrame) -> pd.DataFrame:
    """Agreement between the two coders of the hits coded twice: Cohen's κ and Krippendorff's α (nominal).

    Parameters
    ----------
    sheet : DataFrame
        Coded rows of two coders (two rows per doubly coded ``hit_id``, ``coder`` telling them apart), e.g.
        ``pd.concat([read_sheet(a), read_sheet(b)])``.

    Returns
    -------
    DataFrame
        One row: ``coder_a, coder_b, n_units, agreement, kappa, alpha``; empty when no hit is coded by two.
    """
    coded = sheet[sheet["code"].ne("") & ~is_document_row(sheet)]
    coders = list(dict.fromkeys(coded["coder"]))
    columns = ["coder_a", "coder_b", "n_units", "agreement", "kappa", "alpha"]
    if len(coders) < 2:
        return pd.DataFrame(columns=columns)
    if len(coders) > 2:
        raise SchemaError(f"agreement: {len(coders)} coders ({', '.join(map(str, coders))}); give two.")
    wide = coded.pivot_table(index="hit_id", columns="coder", values="code", aggfunc="first")
    both = wide.dropna()
    if both.empty:
        return pd.DataFrame(columns=columns)
    a, b = both[coders[0]].to_numpy(), both[coders[1]].to_numpy()
    return pd.DataFrame(
        [
            {
                "coder_a": coders[0],
                "coder_b": coders[1],
                "n_units": len(both),
                "agreement": float(np.mean(a == b)),
                "kappa": cohen_kappa(a, b),
                "alpha": krippendorff_alpha(both[coders].T.to_numpy()),
            }
        ]
    )


# ------------------------------------------------------------------------------------------- summary
def validation_summary(
    sheets: pd.DataFrame | Sequence[pd.DataFrame],
    matches: pd.DataFrame,
    *,
    misses: pd.DataFrame | None = None,
    n_without: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Every validation table the report shows, from coded sheets and the hits they were drawn from.

    Parameters
    ----------
    sheets : DataFrame or list of DataFrame
        Coded hit sheets (:func:`read_sheet`); several are concatenated (two coders -> agreement).
    matches : DataFrame
        The hits of the corpus (:func:`aictlab.lexicon.match_terms`, frame sense).
    misses : DataFrame, optional
        A coded miss sheet (:func:`read_miss_sheet`) -> the ``recall`` table.
    n_without : int, optional
        Hit-less segments in the corpus (the miss sample's population); required with ``misses``.

    Returns
    -------
    dict of DataFrame
        ``precision_frame``, ``precision_tier`` (frame × tier), ``precision_term`` (frame × term),
        ``agreement``, ``adjusted_counts`` and, with ``misses``, ``recall``.
    """
    sheet = pd.concat(list(sheets), ignore_index=True) if isinstance(sheets, list | tuple) else sheets
    out = {
        "precision_frame": precision_table(sheet, ("frame",)),
        "precision_tier": precision_table(sheet, ("frame", "tier")),
        "precision_term": precision_table(sheet, ("frame", "term")),
        "agreement": agreement(sheet),
        "adjusted_counts": adjusted_counts(matches, sheet),
    }
    if misses is not None:
        if n_without is None:
            raise SchemaError("validation_summary: give n_without (hit-less segments) with misses.")
        out["recall"] = recall_table(sheet, misses, matches, n_without)
    return out
