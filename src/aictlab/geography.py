"""Partner geography: places named in the text -> countries -> development status at the document's year.

The stage reads the token table (through :meth:`aictlab.corpus.Corpus.map_tokens`, so on-disk corpora work) and
finds the forms of a gazetteer kept as data (``data/geography/places.csv``): country names, demonyms, capitals
and partner cities, regions, France and its territories (the home side, counted apart) and forms that are not
places. Ambiguous forms (« Guinée », « Congo », « Hollande »…) carry candidate countries and are resolved by a
stated rule or reported as ambiguous, never counted silently. Each partner country is then given its status in
the document's year: UN least developed country (``ldc.csv``, inclusion and graduation) and World Bank income
group (``income_groups.csv``, fiscal year). :func:`partner_geography` measures, per document and per period, the
share of partner-country mentions by group with document-bootstrap intervals and a trend test over years
(``docs/methods.md``, partner geography).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aictlab import schema as S
from aictlab.config import PACKAGE_DATA
from aictlab.errors import SchemaError, SettingsError

__all__ = [
    "GEOGRAPHY_DATA",
    "GROUPS",
    "Gazetteer",
    "GeographyResult",
    "find_places",
    "fold",
    "load_gazetteer",
    "load_status_tables",
    "partner_geography",
    "place_coding_sheet",
    "place_precision",
    "place_table",
    "resolve_places",
    "status_at_year",
]

#: Folder of the packaged geography data (gazetteer, regions, LDC list, income groups).
GEOGRAPHY_DATA = PACKAGE_DATA / "geography"
#: Groups whose share of partner-country mentions is measured (each mention is in ``ldc`` or not, and in one
#: income group; ``unclassified`` = no World Bank group that year).
GROUPS = ("ldc", "low", "lower_middle", "upper_middle", "high", "unclassified")
_INCOME = {"L": "low", "LM": "lower_middle", "UM": "upper_middle", "H": "high"}
#: Kinds of gazetteer entries that name a partner country.
PARTNER_KINDS = ("country", "demonym", "city")
_KINDS = (*PARTNER_KINDS, "home", "region", "ambiguous", "not_place")
_WORD = re.compile(r"[^\W\d_]+|\d+")
#: Tokens that join the words of a place name (« Proche-Orient » tokenised « Proche », « - », « Orient »).
_JOINERS = frozenset({"-", "‐", "'", "’"})


def fold(text: str) -> str:
    """Lower case without accents or ligatures (« Hué » -> « hue », « Œ » -> « oe »): the matching key."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _units(text: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """The words of ``text`` (letters or digits; hyphens, apostrophes and spaces split) folded, and whether
    each starts with a capital."""
    words = _WORD.findall(unicodedata.normalize("NFC", str(text)))
    return tuple(fold(w) for w in words), tuple(w[:1].isupper() for w in words)


def _plurals(form: str) -> list[str]:
    """A demonym and its plural (+s unless it ends in s, x or z): « malienne » -> « maliennes »."""
    return [form] if form[-1] in "sxz" else [form, form + "s"]


@dataclass(frozen=True)
class Gazetteer:
    """The gazetteer: entries (one per form) and the region sets.

    Attributes
    ----------
    entries : DataFrame
        ``form, kind, code, candidates, default, case, source`` (``places.csv``, demonym plurals added).
    regions : DataFrame
        ``region, forms, members, source`` (``regions.csv``).
    sha256 : str
        Hash of the files read: the identity of the gazetteer in cache keys.
    index : dict
        First folded word -> list of ``(words, capitals required, entry row)``, longest first.
    """

    entries: pd.DataFrame
    regions: pd.DataFrame
    sha256: str = ""
    index: dict[str, list[tuple[tuple[str, ...], tuple[bool, ...], int]]] = field(default_factory=dict)


def load_gazetteer(path: str | Path | None = None, regions_path: str | Path | None = None) -> Gazetteer:
    """Read the gazetteer (``places.csv``) and the region sets (``regions.csv``).

    Parameters
    ----------
    path, regions_path : path, optional
        CSV files with ``#`` comment lines; default the packaged ``data/geography`` files.

    Raises
    ------
    SettingsError
        A missing column, an unknown ``kind`` or ``case``, an entry without code (or an ambiguous one without
        candidates), or two entries with the same folded form; the message names the file and the row.
    """
    path = Path(path) if path else GEOGRAPHY_DATA / "places.csv"
    regions_path = Path(regions_path) if regions_path else GEOGRAPHY_DATA / "regions.csv"
    digest = hashlib.sha256()
    tables = []
    for file, columns in (
        (path, ("form", "kind", "code", "candidates", "default", "case", "source")),
        (regions_path, ("region", "forms", "members", "source")),
    ):
        if not file.is_file():
            raise SettingsError(f"{file}: no such gazetteer file.")
        digest.update(file.read_bytes())
        table = pd.read_csv(file, comment="#", dtype=str, keep_default_na=False)
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise SettingsError(f"{file}: missing column(s) {', '.join(missing)}.")
        tables.append(table)
    places, regions = tables
    rows, seen = [], {}
    for number, row in enumerate(places.to_dict("records"), start=2):
        where = f"{path} row {number} ({row['form']!r})"
        if row["kind"] not in _KINDS or row["case"] not in ("any", "title"):
            raise SettingsError(f"{where}: kind must be one of {', '.join(_KINDS)} and case any or title.")
        if row["kind"] == "ambiguous" and not row["candidates"]:
            raise SettingsError(f"{where}: an ambiguous form needs its candidates (ISO codes joined by '|').")
        if row["kind"] not in ("ambiguous", "not_place") and not row["code"]:
            raise SettingsError(f"{where}: a {row['kind']} needs a code.")
        for form in _plurals(row["form"]) if row["kind"] == "demonym" else [row["form"]]:
            key = _units(form)[0]
            if not key:
                raise SettingsError(f"{where}: the form has no word.")
            if key in seen:
                if form != row["form"]:  # a derived plural that is also a listed form: the listed one wins
                    continue
                raise SettingsError(f"{where}: same form as row {seen[key]}; keep one.")
            seen[key] = number
            rows.append({**row, "form": form})
    entries = pd.DataFrame(rows, columns=list(places.columns))
    index: dict[str, list] = {}
    for i, form in enumerate(entries["form"]):
        words, caps = _units(form)
        need = caps if entries.at[i, "case"] == "title" else tuple(False for _ in words)
        index.setdefault(words[0], []).append((words, need, i))
    for options in index.values():
        options.sort(key=lambda o: -len(o[0]))
    return Gazetteer(entries=entries, regions=regions, sha256=digest.hexdigest(), index=index)


def _surface(tokens: list[str], spaces: list[bool]) -> str:
    return "".join(t + (" " if s else "") for t, s in zip(tokens, spaces, strict=True)).strip()


def find_places(tokens: pd.DataFrame, gazetteer: Gazetteer, *, window: int = 10) -> pd.DataFrame:
    """Every gazetteer form in the token table, longest first, left to right, with its context.

    A form matches whole tokens in sequence (« Guinée-Bissau » as one token or « Burkina Faso » as two),
    accents and case ignored except that a ``title`` form's capitalised words must be capitalised in the text;
    punctuation tokens and document ends break a match. Matched words are not reused: « fleuve Niger » (not a
    place) leaves no « Niger ». Documents are independent, so the function runs partition by partition
    (:meth:`Corpus.map_tokens` with ``words_only=False``).

    Parameters
    ----------
    tokens : DataFrame
        ``doc_id, tok_pos, token`` (``space_after``, ``para_id``, ``seg_id`` used when present).
    gazetteer : Gazetteer
    window : int, default=10
        Tokens of context kept on each side (KWIC).

    Returns
    -------
    DataFrame
        One row per mention: ``doc_id, para_id, seg_id, tok_pos, n_tokens, surface, form, kind, code,
        candidates, default, left, right``.
    """
    S.require_columns(tokens, (S.DOC_ID, S.TOK_POS, S.TOKEN), "tokens")
    columns = [S.DOC_ID, S.PARA_ID, S.SEG_ID, S.TOK_POS, "n_tokens", "surface", "form", "kind", "code",
               "candidates", "default", "left", "right"]  # fmt: skip
    if tokens.empty:
        return pd.DataFrame(columns=columns)
    tokens = tokens.sort_values([S.DOC_ID, S.TOK_POS], kind="stable")
    text = tokens[S.TOKEN].astype(str).tolist()
    docs = tokens[S.DOC_ID].to_numpy()
    spaces = tokens[S.SPACE_AFTER].astype(bool).tolist() if S.SPACE_AFTER in tokens else [True] * len(text)
    vocab = {t: _units(t) for t in pd.unique(tokens[S.TOKEN].astype(str))}
    units = [vocab[t] for t in text]
    starts = np.flatnonzero([bool(u[0]) and u[0][0] in gazetteer.index for u in units])
    # the entries read once, the token columns at the mentions' rows after the loop: no lookup per mention
    fields = ("form", "kind", "code", "candidates", "default")
    entries = gazetteer.entries[list(fields)].to_dict("records")
    at: list[int] = []
    rows, free = [], 0
    n = len(text)
    for i in starts:
        if i < free:
            continue
        for words, need, e in gazetteer.index[units[i][0][0]]:
            got, caps, j = [], [], i
            while len(got) < len(words) and j < n and docs[j] == docs[i]:
                if not units[j][0]:
                    if text[j] not in _JOINERS or not got:
                        break
                    j += 1  # a hyphen split off by the tokenizer (« Proche - Orient ») joins, other marks break
                    continue
                got.extend(units[j][0])
                caps.extend(units[j][1])
                j += 1
            if tuple(got) != words or any(r and not c for r, c in zip(need, caps, strict=True)):
                continue
            lo = i
            while lo > 0 and i - lo < window and docs[lo - 1] == docs[i]:
                lo -= 1
            hi = j
            while hi < n and hi - j < window and docs[hi] == docs[i]:
                hi += 1
            rows.append(
                {
                    S.DOC_ID: docs[i],
                    S.PARA_ID: "",
                    S.SEG_ID: "",
                    S.TOK_POS: 0,
                    "n_tokens": j - i,
                    "surface": _surface(text[i:j], spaces[i:j]),
                    **entries[e],
                    "left": _surface(text[lo:i], spaces[lo:i]),
                    "right": _surface(text[j:hi], spaces[j:hi]),
                }
            )
            at.append(i)
            free = j
            break
    out = pd.DataFrame(rows, columns=columns)
    for column in (S.PARA_ID, S.SEG_ID, S.TOK_POS):
        if column in tokens and len(at):
            out[column] = tokens[column].iloc[at].tolist()  # python values, as the rows held
    return out


def resolve_places(mentions: pd.DataFrame) -> pd.DataFrame:
    """Give each mention its country (``iso3``), its side and how it was resolved.

    ``side``: ``partner`` (a foreign country), ``home`` (France and its territories), ``region`` (a region
    set, ``iso3`` empty and ``code`` the region), ``ambiguous`` (not counted), ``not_place``. ``resolution``:
    ``gazetteer`` (the form names one country), ``default`` (an ambiguous form whose rule gives a default and
    whose other candidates the document does not name: bare « Guinée » -> Guinea), ``context`` (an ambiguous
    form without default, resolved because the document names exactly one of its candidates unambiguously:
    « Congo » in a document naming Kinshasa and not Brazzaville) or ``ambiguous``. France is never inferred
    from context (every document names it): « Vienne » stays ambiguous unless Austria is named.
    """
    S.require_columns(mentions, (S.DOC_ID, "kind", "code", "candidates", "default"), "mentions")
    out = mentions.copy()
    named = out[out["kind"].isin(PARTNER_KINDS)].groupby(S.DOC_ID)["code"].agg(set)
    iso3, resolution = [], []
    for doc, kind, code, candidates, default in out[
        [S.DOC_ID, "kind", "code", "candidates", "default"]
    ].itertuples(index=False):
        if kind != "ambiguous":
            iso3.append(code if kind in (*PARTNER_KINDS, "home") else "")
            resolution.append("gazetteer" if kind != "not_place" else "not_place")
            continue
        options = set(str(candidates).split("|"))
        hits = options & named.get(doc, set())
        if default:
            choice, how = (default, "default") if not hits - {default} else ("", "ambiguous")
        else:
            choice, how = (next(iter(hits)), "context") if len(hits) == 1 else ("", "ambiguous")
        iso3.append(choice)
        resolution.append(how)
    out["iso3"] = iso3
    out["resolution"] = resolution
    side = np.select(
        [out["kind"].eq("region"), out["kind"].eq("not_place"), out["iso3"].eq(""), out["iso3"].eq("FRA")],
        ["region", "not_place", "ambiguous", "home"],
        default="partner",
    )
    out["side"] = side
    return out


# ------------------------------------------------------------------------------------------- status
def load_status_tables(
    ldc_path: str | Path | None = None, income_path: str | Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The UN LDC list and the World Bank income groups (long: ``iso3, fiscal_year, income, wb_region``)."""
    ldc_path = Path(ldc_path) if ldc_path else GEOGRAPHY_DATA / "ldc.csv"
    income_path = Path(income_path) if income_path else GEOGRAPHY_DATA / "income_groups.csv"
    ldc = pd.read_csv(ldc_path, comment="#", dtype=str, keep_default_na=False)
    S.require_columns(ldc, ("iso3", "inclusion_year", "graduation_date"), str(ldc_path))
    ldc["inclusion_year"] = ldc["inclusion_year"].astype(int)
    ldc["graduation_year"] = [int(d[:4]) if d else 9999 for d in ldc["graduation_date"]]
    wide = pd.read_csv(income_path, comment="#", dtype=str, keep_default_na=False)
    S.require_columns(wide, ("iso3", "wb_region"), str(income_path))
    years = [c for c in wide.columns if re.fullmatch(r"FY\d{4}", c)]
    if not years:
        raise SchemaError(f"{income_path}: no FYyyyy column.")
    income = wide.melt(["iso3", "wb_region"], years, var_name="fiscal_year", value_name="group")
    income["fiscal_year"] = income["fiscal_year"].str[2:].astype(int)
    income["income"] = income["group"].map(_INCOME).fillna("unclassified")
    return ldc, income[["iso3", "fiscal_year", "income", "wb_region"]]


def status_at_year(
    iso3: pd.Series | list[str], year: pd.Series | list[int], tables: tuple | None = None
) -> pd.DataFrame:
    """Development status of countries in given calendar years.

    LDC in year y when the UN listed it (inclusion year <= y) and it had not graduated (y < year of the
    graduation date): Cabo Verde (graduated December 2007) is an LDC in 2006 and not in 2007. Income group:
    the World Bank classification of fiscal year FY y (published on 1 July of y - 1, in force on 1 January of
    y); a year outside the covered fiscal years takes the nearest covered one and is flagged ``fy_clamped``.

    Returns
    -------
    DataFrame
        One row per input pair: ``iso3, year, ldc, income, wb_region, fiscal_year, fy_clamped``.
    """
    ldc, income = tables if tables is not None else load_status_tables()
    out = pd.DataFrame({"iso3": list(iso3), "year": np.asarray(list(year), dtype=int)})
    span = ldc.set_index("iso3")[["inclusion_year", "graduation_year"]]
    inc = out["iso3"].map(span["inclusion_year"])
    grad = out["iso3"].map(span["graduation_year"])
    out["ldc"] = (inc.notna() & (inc <= out["year"]) & (out["year"] < grad)).astype(bool)
    first, last = int(income["fiscal_year"].min()), int(income["fiscal_year"].max())
    out["fiscal_year"] = out["year"].clip(first, last)
    out["fy_clamped"] = out["fiscal_year"] != out["year"]
    table = income.set_index(["iso3", "fiscal_year"])
    keys = pd.MultiIndex.from_arrays([out["iso3"], out["fiscal_year"]])
    out["income"] = table["income"].reindex(keys).fillna("unclassified").to_numpy()
    regions = income.drop_duplicates("iso3").set_index("iso3")["wb_region"]
    out["wb_region"] = out["iso3"].map(regions).fillna("")
    return out


# ------------------------------------------------------------------------------------------- measure
@dataclass
class GeographyResult:
    """Tables of :func:`partner_geography`.

    Attributes
    ----------
    mentions : DataFrame
        Every match with its context (KWIC), resolution, side and, for partner countries, status.
    places : DataFrame
        One row per document × place found (see :func:`place_table`): what a reader checks.
    by_document : DataFrame
        Per document: ``doc_id, year, period, partner, home, region, ambiguous`` mentions and one column per
        group of :data:`GROUPS` and per World Bank region (``region:<name>``).
    by_period : DataFrame
        Per period and group: ``mentions, partner, share, ci_low, ci_high, bca_low, bca_high, n_documents``.
    trend : DataFrame
        The LDC share of partner mentions vs year (one row, ``target = "ldc_share"``): binomial GLM over the
        documents naming a partner (quasi-binomial when overdispersed), ``odds_ratio_per_decade`` and its
        interval, permutation p-value (:func:`aictlab.drift.trend_tests`).
    """

    mentions: pd.DataFrame
    places: pd.DataFrame
    by_document: pd.DataFrame
    by_period: pd.DataFrame
    trend: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)


def place_table(mentions: pd.DataFrame) -> pd.DataFrame:
    """Places found per document: ``doc_id, side, iso3, code, form, kind, resolution, n, surfaces``,
    sorted by document, side and count (the table a reader checks against the texts)."""
    if mentions.empty:
        return pd.DataFrame(
            columns=[S.DOC_ID, "side", "iso3", "code", "form", "kind", "resolution", "n", "surfaces"]
        )
    keys = [S.DOC_ID, "side", "iso3", "code", "form", "kind", "resolution"]
    out = (
        mentions.groupby(keys, sort=False)
        .agg(n=("surface", "size"), surfaces=("surface", lambda s: " | ".join(sorted(set(s)))))
        .reset_index()
    )
    return out.sort_values(
        [S.DOC_ID, "side", "n", "form"], ascending=[True, True, False, True], kind="stable"
    )


def _group_counts(mentions: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Per-document counts by side, status group and World Bank region."""
    base = documents[[S.DOC_ID, S.YEAR, S.PERIOD]].reset_index(drop=True)
    partner = mentions[mentions["side"] == "partner"]
    count = lambda frame: base[S.DOC_ID].map(frame.groupby(S.DOC_ID).size()).fillna(0).astype(int)  # noqa: E731
    out = base.copy()
    for side in ("partner", "home", "region", "ambiguous"):
        out[side] = count(mentions[mentions["side"] == side])
    out["ldc"] = count(partner[partner["ldc"]])
    for group in GROUPS[1:]:
        out[group] = count(partner[partner["income"] == group])
    for region in sorted(r for r in partner["wb_region"].unique() if r):
        out[f"region:{region}"] = count(partner[partner["wb_region"] == region])
    return out


def _period_shares(by_document: pd.DataFrame, n_boot: int, seed: int, alpha: float) -> pd.DataFrame:
    """Share of partner mentions by group per period with document-bootstrap intervals (within period)."""
    from aictlab.resample import bootstrap_interval, resample_totals

    groups = [c for c in by_document.columns if c in GROUPS or c.startswith("region:")]
    values = by_document[["partner", *groups]].to_numpy(dtype=float)
    strata = by_document[S.PERIOD].to_numpy()
    reps = resample_totals(values, strata, n_boot=n_boot, seed=seed) if len(values) else {}
    rows = []
    for period in sorted(reps):
        mask = strata == period
        block, tot = values[mask], values[mask].sum(axis=0)
        for k, group in enumerate(groups, start=1):
            share = tot[k] / tot[0] if tot[0] > 0 else np.nan
            with np.errstate(divide="ignore", invalid="ignore"):
                rep = reps[period][:, k] / reps[period][:, 0]
                jack = (tot[k] - block[:, k]) / (tot[0] - block[:, 0])
            with_partner = int((block[:, 0] > 0).sum())
            # one document with partner mentions: resampling documents says nothing, the interval is undefined
            with warnings.catch_warnings():  # a group never (or always) named: BCa is NaN, said in the table
                warnings.simplefilter("ignore", UserWarning)
                ci = (
                    bootstrap_interval(share, rep, jack if len(block) > 2 else None, alpha=alpha)
                    if with_partner >= 2
                    else dict.fromkeys(("ci_low", "ci_high", "bca_low", "bca_high"), np.nan)
                )
            rows.append(
                {
                    S.PERIOD: period,
                    "group": group,
                    "mentions": int(tot[k]),
                    "partner": int(tot[0]),
                    "share": share,
                    **ci,
                    "n_documents": int(mask.sum()),
                    "n_documents_with_partner": with_partner,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[S.PERIOD, "group", "mentions", "partner", "share", "ci_low", "ci_high", "bca_low", "bca_high",
                 "n_documents", "n_documents_with_partner"],
    )  # fmt: skip


def _trend(by_document: pd.DataFrame, seed: int, alpha: float) -> pd.DataFrame:
    """Trend of the LDC share over documents' years, reusing the drift index's binomial trend test."""
    from aictlab.trend import trend_tests

    # only documents naming a partner inform the share: the permutations shuffle years among them alone
    named = by_document["partner"] > 0
    docs = by_document[named] if named.any() else by_document  # none: the test reports NaN (all-zero counts)
    # the drift index's binomial trend: "ldc" successes out of "ldc" + "not_ldc" partner mentions
    docs = docs.assign(not_ldc=docs["partner"] - docs["ldc"], tokens=1).reset_index(drop=True)
    # only the index's row is reported: the two frames' count models (GLM, NB2, permutations) are not fitted
    row = trend_tests(docs, drift_frames=("not_ldc", "ldc"), alpha=alpha, seed=seed, targets=["drift_index"])
    row = row.assign(target="ldc_share", n_documents=int(named.sum()))
    return row.rename(columns={"ratio_per_decade": "odds_ratio_per_decade"}).reset_index(drop=True)


def partner_geography(
    corpus,
    *,
    gazetteer: Gazetteer | None = None,
    periods=None,
    kinds: tuple[str, ...] = PARTNER_KINDS,
    n_boot: int = 9999,
    seed: int = 42,
    alpha: float = 0.05,
    window: int = 10,
    keep_duplicates: bool | None = None,
) -> GeographyResult:
    """Partner geography of a corpus: places, their status at each document's year, shares, intervals, trend.

    For each document d and group g (UN LDC; World Bank income group; World Bank region), the share of its
    partner-country mentions in g; per period p, share_pg = Σ_d n_dg / Σ_d n_d (mentions pooled over the
    period's documents) with a document bootstrap: documents drawn with replacement within their period
    (:func:`aictlab.resample.resample_totals`), percentile and BCa intervals
    (:func:`aictlab.resample.bootstrap_interval`, leave-one-document-out jackknife). Trend: LDC mentions out of
    partner mentions per document, binomial GLM on the year (quasi-binomial when overdispersed) with
    permutation inference over documents (:func:`aictlab.drift.trend_tests`, the drift index's test), over the
    documents that name a partner (``n_documents`` of the trend table): the others carry no information.

    Parameters
    ----------
    corpus : Corpus or DataFrame
        Anything :func:`aictlab.corpus.as_corpus` takes.
    gazetteer : Gazetteer, optional
        Default the packaged one (:func:`load_gazetteer`).
    periods : int or sequence of int, optional
        Period spec; None keeps the corpus's periods (5-year bins when it has none).
    kinds : tuple of str, default=("country", "demonym", "city")
        Entry kinds that count as partner mentions (e.g. leave out ``demonym``: « allemand » also names a
        language).
    n_boot, seed, alpha
        Bootstrap replicates, seed (of the bootstrap and the permutations), interval level 1 - alpha.
    window : int, default=10
        Context tokens on each side in ``mentions``.
    keep_duplicates : bool, optional
        Count paragraphs duplicated from a fuller document (None: the corpus's selection).

    Returns
    -------
    GeographyResult
    """
    from aictlab.corpus import as_corpus

    unknown = set(kinds) - set(PARTNER_KINDS)
    if unknown:
        raise SettingsError(f"kinds={kinds}: choose among {', '.join(PARTNER_KINDS)}.")
    gazetteer = gazetteer or load_gazetteer()
    corpus = as_corpus(corpus, periods=periods)
    found = corpus.map_tokens(
        lambda part: find_places(part, gazetteer, window=window),
        words_only=False,
        keep_duplicates=keep_duplicates,
    )
    mentions = resolve_places(found)
    mentions.loc[(mentions["side"] == "partner") & ~mentions["kind"].isin([*kinds, "ambiguous"]), "side"] = (
        "partner_kind_excluded"
    )
    documents = corpus.documents
    years = mentions[S.DOC_ID].map(documents.set_index(S.DOC_ID)[S.YEAR]).astype(int)
    status = status_at_year(mentions["iso3"], years)
    mentions = mentions.assign(year=years.to_numpy())
    for column in ("ldc", "income", "wb_region", "fiscal_year", "fy_clamped"):
        mentions[column] = status[column].to_numpy()
    not_partner = mentions["side"] != "partner"
    mentions.loc[not_partner, "ldc"] = False
    mentions.loc[not_partner, ["income", "wb_region"]] = ""
    mentions.insert(
        mentions.columns.get_loc("surface"), "occurrence", mentions.groupby(S.DOC_ID).cumcount() + 1
    )
    by_document = _group_counts(mentions, documents)
    return GeographyResult(
        mentions=mentions.reset_index(drop=True),
        places=place_table(mentions).reset_index(drop=True),
        by_document=by_document,
        by_period=_period_shares(by_document, n_boot, seed, alpha),
        trend=_trend(by_document, seed, alpha),
        settings={"gazetteer": gazetteer.sha256, "kinds": list(kinds), "n_boot": n_boot, "seed": seed},
    )


# ------------------------------------------------------------------------------------------- validation
_CODING_KEY = [S.DOC_ID, "occurrence", "surface"]


def place_coding_sheet(mentions: pd.DataFrame, *, n: int | None = None, seed: int = 42) -> pd.DataFrame:
    """The mentions to check by hand: each partner or ambiguous mention with its context and an empty
    ``correct`` column (write ``yes``, ``no`` or the right ISO code), in text order; ``n`` draws a seeded
    random sample of them. Read back with :func:`place_precision`."""
    sheet = mentions[mentions["side"].isin(["partner", "ambiguous"])]
    if n is not None and n < len(sheet):
        keep = np.sort(np.random.default_rng(seed).choice(len(sheet), size=n, replace=False))
        sheet = sheet.iloc[keep]
    columns = [*_CODING_KEY, "left", "right", "form", "kind", "resolution", "iso3"]
    return sheet[columns].assign(correct="", note="").reset_index(drop=True)


def place_precision(mentions: pd.DataFrame, coding: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Precision of place resolution from a filled coding sheet (:func:`place_coding_sheet`).

    A coded partner mention is right when ``correct`` is ``yes`` or its ISO code; precision per entry kind
    and overall, with the Wilson score interval (Wilson 1927): (p̂ + z²/2n ± z √(p̂(1 − p̂)/n + z²/4n²)) /
    (1 + z²/n). A coded row whose ``surface`` no longer matches the mention (the corpus changed) is left out
    and counted in ``mismatched``.

    Returns
    -------
    DataFrame
        ``kind`` (each kind, then ``all``), ``coded, right, precision, ci_low, ci_high, mismatched``.
    """
    from scipy import stats

    S.require_columns(coding, (*_CODING_KEY, "correct"), "place coding")
    coded = coding[coding["correct"].astype(str).str.strip() != ""]
    joined = coded.merge(mentions, on=[S.DOC_ID, "occurrence"], how="left", suffixes=("_coded", ""))
    match = joined["surface"].eq(joined["surface_coded"])
    mismatched = int((~match).sum())
    joined = joined[match & joined["side"].eq("partner")]
    answer = joined["correct"].astype(str).str.strip()
    joined = joined.assign(right=answer.str.lower().eq("yes") | answer.str.upper().eq(joined["iso3"]))
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for kind, group in [*joined.groupby("kind", sort=True), ("all", joined)]:
        n, k = len(group), int(group["right"].sum())
        p = k / n if n else np.nan
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) if n else np.nan
        centre = (p + z**2 / (2 * n)) if n else np.nan
        rows.append(
            {"kind": kind, "coded": n, "right": k, "precision": p,
             "ci_low": (centre - half) / (1 + z**2 / n) if n else np.nan,
             "ci_high": (centre + half) / (1 + z**2 / n) if n else np.nan, "mismatched": mismatched}
        )  # fmt: skip
    return pd.DataFrame(rows)
