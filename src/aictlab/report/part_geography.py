"""Report part: the geography of partners (LDC -> middle-income countries?), with its uncertainty."""

from __future__ import annotations

import math

from aictlab import geography
from aictlab.plots.geography import plot_partner_geography
from aictlab.report.context import ReportContext
from aictlab.report.render import figure_markdown, markdown_table

#: Fewest partner-country mentions in each of two periods, and fewest documents with such mentions, below
#: which the report says the corpus cannot tell a shift in partner geography.
MIN_PERIOD_MENTIONS = 10
MIN_DOCUMENTS = 3


def _pct(x: float) -> str:
    return "NaN" if x is None or not math.isfinite(float(x)) else f"{100 * float(x):.0f}%"


def _interval(row) -> str:
    if not math.isfinite(float(row["ci_low"])):
        return "interval undefined: fewer than 2 documents with partner mentions"
    return f"95% interval {_pct(row['ci_low'])}–{_pct(row['ci_high'])}"


def answer(result: geography.GeographyResult) -> list[str]:
    """Computed sentences answering « did partner geography move from LDCs to middle-income countries? »."""
    docs = result.by_document
    total = int(docs["partner"].sum())
    with_partner = int((docs["partner"] > 0).sum())
    ldc = result.by_period[result.by_period["group"] == "ldc"]
    usable = ldc[ldc["partner"] >= MIN_PERIOD_MENTIONS]
    lines = [
        f"The texts name partner countries {total} times in {with_partner} of {len(docs)} documents "
        f"(France and its territories: {int(docs['home'].sum())} mentions, counted apart; regions: "
        f"{int(docs['region'].sum())}; ambiguous forms left uncounted: {int(docs['ambiguous'].sum())})."
    ]
    if len(usable) < 2 or with_partner < MIN_DOCUMENTS:
        lines.append(
            f"**The corpus cannot tell**: too few partner mentions (a shift needs at least {MIN_PERIOD_MENTIONS} "
            f"partner-country mentions in each of two periods and {MIN_DOCUMENTS} documents naming partners; "
            f"{len(usable)} period(s) and {with_partner} document(s) qualify)."
        )
        return lines
    first, last = usable.iloc[0], usable.iloc[-1]
    lines.append(
        f"Least developed countries make {_pct(first['share'])} of partner mentions in {first['period']} "
        f"({_interval(first)}; {int(first['partner'])} mentions, {int(first['n_documents_with_partner'])} "
        f"documents) and {_pct(last['share'])} in {last['period']} ({_interval(last)}; {int(last['partner'])} "
        f"mentions, {int(last['n_documents_with_partner'])} documents)."
    )
    trend = result.trend.iloc[0]
    if math.isfinite(float(trend.get("odds_ratio_per_decade", math.nan))):
        lo, hi = float(trend["ci_low"]), float(trend["ci_high"])
        direction = (
            "the interval excludes no change: the LDC share falls"
            if hi < 1
            else "the interval excludes no change: the LDC share rises"
            if lo > 1
            else "the interval includes no change"
        )
        lines.append(
            f"Over documents' years the odds that a partner mention is an LDC are multiplied by "
            f"{float(trend['odds_ratio_per_decade']):.2f} per decade ({trend['model']} GLM, 95% CI "
            f"{lo:.2f}–{hi:.2f}; permutation p = {float(trend['perm_p_value']):.3g} over "
            f"{int(trend['n_permutations'])} permutations of {int(trend['n_documents'])} documents): {direction}."
        )
        if float(trend["perm_p_value"]) > 0.05 and "excludes" in direction:
            lines.append(
                "The permutation test, which does not assume the binomial model, does not confirm it (p > 0.05): "
                "read the change as suggestive, and check it against who wrote each period's documents."
            )
    return lines


def run(ctx: ReportContext) -> str:
    s = ctx.settings
    gazetteer = geography.load_gazetteer()
    key = {
        "gazetteer": gazetteer.sha256,
        "periods": s.periods,
        "seed": s.seed,
        "bootstrap": s.bootstrap,
        "keep_duplicates": s.keep_duplicates,
    }
    result = ctx.cached(
        "geography",
        key,
        lambda: geography.partner_geography(
            ctx.corpus, gazetteer=gazetteer, periods=s.periods, n_boot=s.bootstrap, seed=s.seed,
            keep_duplicates=s.keep_duplicates,
        ),
    )  # fmt: skip
    ctx.save_table(result.places, "geography_places")
    ctx.save_table(result.mentions, "geography_kwic")
    ctx.save_table(result.by_document, "geography_by_document")
    ctx.save_table(result.by_period, "geography_by_period")
    ctx.save_table(result.trend, "geography_trend")
    fig, _ = plot_partner_geography(result.by_period)
    ctx.save_figure(fig, "geography_partners")
    shown = result.by_period[result.by_period["group"].isin(geography.GROUPS)][
        ["period", "group", "mentions", "partner", "share", "ci_low", "ci_high", "n_documents_with_partner"]
    ]
    ctx.results["geography"] = answer(result)
    return "\n".join(
        [
            "## Geography of partners",
            "",
            "Do the texts move from the least developed countries (LDC) towards middle-income and developed "
            "partners? Places named in the text (countries, demonyms, capitals and partner cities, regions) are "
            "resolved to countries by the packaged gazetteer; each partner country gets its status in the "
            "document's year: UN LDC list (inclusion and graduation) and World Bank income group (fiscal year).",
            "",
            *[f"{line}\n" for line in ctx.results["geography"]],
            markdown_table(shown, max_rows=60),
            "",
            "*Reading guide*: `share` pools the period's mentions; intervals resample documents within their "
            "period. Every place found, per document, is in `tables/geography_places.csv` (check it against the "
            "texts); every mention with its context, resolution and status in `tables/geography_kwic.csv`.",
            "",
            figure_markdown("geography_partners", "Partner-country mentions by income group and LDC share"),
        ]
    )
