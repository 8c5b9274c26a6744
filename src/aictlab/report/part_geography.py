"""Report part: the geography of partners (LDC -> middle-income countries?), with its uncertainty."""

from __future__ import annotations

import math

from aictlab import geography
from aictlab.plots.geography import plot_partner_geography
from aictlab.report.context import ReportContext
from aictlab.report.render import figure_markdown, markdown_table

__all__ = ["ALPHA", "MIN_DOCUMENTS", "MIN_PERIOD_DOCUMENTS", "MIN_PERIOD_MENTIONS", "answer", "run"]

#: Fewest partner-country mentions, and fewest documents naming partners, for a period to count in the answer;
#: fewest documents naming partners overall (4: the smallest number whose exact permutation test can reach
#: p < 0.05, 1/4! = 0.042). Below them the report says the corpus cannot tell.
MIN_PERIOD_MENTIONS = 10
MIN_PERIOD_DOCUMENTS = 2
MIN_DOCUMENTS = 4
ALPHA = 0.05


def _pct(x: float) -> str:
    return "NaN" if x is None or not math.isfinite(float(x)) else f"{100 * float(x):.0f}%"


def _period_text(row) -> str:
    interval = (
        f"95% interval {_pct(row['ci_low'])}–{_pct(row['ci_high'])}"
        if math.isfinite(float(row["ci_low"]))
        else "no interval: fewer than 2 documents name partners"
    )
    return (
        f"{_pct(row['share'])} in {row['period']} ({interval}; {int(row['partner'])} mentions in "
        f"{int(row['n_documents_with_partner'])} document(s))"
    )


def answer(result: geography.GeographyResult) -> list[str]:
    """Computed sentences answering « did partner geography move from LDCs to middle-income countries? »."""
    docs = result.by_document
    total = int(docs["partner"].sum())
    with_partner = int((docs["partner"] > 0).sum())
    ldc = result.by_period[(result.by_period["group"] == "ldc") & (result.by_period["partner"] > 0)]
    if total == 0:
        return [
            f"**The corpus cannot tell**: none of its {len(docs)} documents names a foreign country (France and "
            f"its territories: {int(docs['home'].sum())} mentions; regions: {int(docs['region'].sum())}; "
            f"ambiguous forms left uncounted: {int(docs['ambiguous'].sum())}), so there is no partner "
            "geography to compare between periods. No table or figure is drawn."
        ]
    lines = [
        f"The texts name foreign countries (the candidates for partners) {total} times in {with_partner} of "
        f"{len(docs)} documents (France and its territories: {int(docs['home'].sum())} mentions, counted apart; "
        f"regions: {int(docs['region'].sum())}; ambiguous forms left uncounted: {int(docs['ambiguous'].sum())})."
    ]
    if len(ldc) >= 2:
        lines.append(
            f"Share of these mentions naming a least developed country: {_period_text(ldc.iloc[0])}; "
            f"{_period_text(ldc.iloc[-1])}."
        )
    qualify = ldc[
        (ldc["partner"] >= MIN_PERIOD_MENTIONS) & (ldc["n_documents_with_partner"] >= MIN_PERIOD_DOCUMENTS)
    ]
    if len(qualify) < 2 or with_partner < MIN_DOCUMENTS:
        lines.append(
            f"**The corpus cannot tell**: too few partner mentions. A shift needs two periods each with at least "
            f"{MIN_PERIOD_MENTIONS} foreign-country mentions in at least {MIN_PERIOD_DOCUMENTS} documents, and "
            f"{MIN_DOCUMENTS} documents naming foreign countries in all; here {len(qualify)} period(s) and "
            f"{with_partner} document(s) qualify."
        )
        return lines
    trend = result.trend.iloc[0]
    ratio = float(trend.get("odds_ratio_per_decade", math.nan))
    if not math.isfinite(ratio):
        lines.append("The trend model could not be fitted (see `tables/geography_trend.csv`): no answer.")
        return lines
    perm = float(trend["perm_p_value"])
    if perm <= ALPHA:
        verdict = (
            f"the LDC share {'falls' if ratio < 1 else 'rises'} over the years (permutation p ≤ {ALPHA})"
        )
    else:
        verdict = f"no shift the documents can establish (permutation p > {ALPHA})"
    lines.append(
        f"Over documents' years, the odds that a foreign-country mention names an LDC are multiplied by "
        f"{ratio:.2f} per decade ({trend['model']} GLM over documents, model-based 95% CI "
        f"{float(trend['ci_low']):.2f}–{float(trend['ci_high']):.2f}; permutation test over the "
        f"{int(trend['n_documents'])} documents' years, p = {perm:.3g}, {int(trend['n_permutations'])} "
        f"permutations): {verdict}."
    )
    return lines


def run(ctx: ReportContext) -> str:
    """The « Geography of partners » section: tables, figure, and the computed answer (:func:`answer`)."""
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
    ctx.results["geography"] = answer(result)
    intro = [
        "## Geography of partners",
        "",
        "Do the texts move from the least developed countries (LDC) towards middle-income and developed "
        "partners? Places named in the text (countries, demonyms, capitals and partner cities, regions) are "
        "resolved to countries by the packaged gazetteer; each partner country gets its status in the "
        "document's year: UN LDC list (inclusion and graduation) and World Bank income group (fiscal year).",
        "",
        *[f"{line}\n" for line in ctx.results["geography"]],
    ]
    ctx.save_table(result.places, "geography_places")
    ctx.save_table(result.mentions, "geography_kwic")
    ctx.save_table(result.by_document, "geography_by_document")
    ctx.save_table(geography.place_coding_sheet(result.mentions), "geography_coding_sheet")
    if int(result.by_document["partner"].sum()) == 0:
        # No foreign country named: an all-zero share table, a NaN trend and an empty figure would read as a
        # measured absence of shift. The tables keep their columns with no rows; the per-document counts
        # (all zero) stay as the evidence.
        ctx.save_table(result.by_period.iloc[:0], "geography_by_period")
        ctx.save_table(result.trend.iloc[:0], "geography_trend")
        return "\n".join([*intro, "Every place found, per document, is in `tables/geography_places.csv`."])
    ctx.save_table(result.by_period, "geography_by_period")
    ctx.save_table(result.trend, "geography_trend")
    ctx.plot("geography_partners", plot_partner_geography, result.by_period)
    # periods where no foreign country is named have no shares to show
    shown = result.by_period[
        result.by_period["group"].isin(geography.GROUPS) & result.by_period["partner"].gt(0)
    ][["period", "group", "mentions", "partner", "share", "ci_low", "ci_high", "n_documents_with_partner"]]
    empty_periods = sorted(set(result.by_period["period"]) - set(shown["period"]))
    return "\n".join(
        [
            *intro,
            markdown_table(shown, max_rows=60),
            "",
            *(
                [f"No foreign country is named in {', '.join(empty_periods)} (left out of the table).", ""]
                if empty_periods
                else []
            ),
            "*Reading guide*: `share` pools the period's mentions; intervals resample documents within their "
            "period. Every foreign country named counts, as partner or not (a city named for an event, a war): "
            "the shift measured is that of the countries the texts talk about. Every place found, per document, is in `tables/geography_places.csv` (check it against the "
            "texts); every mention with its context, resolution and status in `tables/geography_kwic.csv`; "
            "fill the `correct` column of `tables/geography_coding_sheet.csv` and read it with "
            "`aictlab.geography.place_precision` for the precision of place resolution.",
            "",
            figure_markdown("geography_partners", "Partner-country mentions by income group and LDC share"),
        ]
    )
