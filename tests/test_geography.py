"""Partner geography: gazetteer matching, ambiguous forms, status at year, planted shift, figure, report part."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from aictlab import geography as g
from aictlab.config import Settings
from aictlab.corpus import as_corpus
from aictlab.plots.geography import plot_partner_geography
from aictlab.report import part_geography
from aictlab.report.context import ReportContext


def tokens_of(texts: dict[str, tuple[int, str]]) -> pd.DataFrame:
    """A token table from texts: words, hyphen-joined words and punctuation marks are tokens."""
    rows = []
    for doc_id, (year, text) in texts.items():
        for pos, match in enumerate(re.finditer(r"\w+(?:[-'’]\w+)*|[^\w\s]", text)):
            word = match.group()
            rows.append(
                {
                    "doc_id": doc_id,
                    "year": year,
                    "tok_pos": pos,
                    "token": word,
                    "space_after": match.end() < len(text) and text[match.end()] == " ",
                    "is_word": bool(re.search(r"[^\W\d_]", word)),
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def gazetteer():
    return g.load_gazetteer()


def resolved(gazetteer, text: str, year: int = 2020) -> pd.DataFrame:
    return g.resolve_places(g.find_places(tokens_of({"d": (year, text)}), gazetteer))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # form in text -> (form matched, side, iso3 or region code, resolution)
        ("La coopération avec la Guinée.", [("Guinée", "partner", "GIN", "default")]),
        (
            "La Guinée et la Guinée-Bissau.",
            [("Guinée", "ambiguous", "", "ambiguous"), ("Guinée-Bissau", "partner", "GNB", "gazetteer")],
        ),
        ("En Guinée équatoriale.", [("Guinée équatoriale", "partner", "GNQ", "gazetteer")]),
        ("La Papouasie-Nouvelle-Guinée.", [("Papouasie-Nouvelle-Guinée", "partner", "PNG", "gazetteer")]),
        ("Le golfe de Guinée.", [("golfe de Guinée", "region", "gulf_of_guinea", "gazetteer")]),
        ("Le Congo.", [("Congo", "ambiguous", "", "ambiguous")]),
        (
            "Le Congo. Kinshasa.",
            [("Congo", "partner", "COD", "context"), ("Kinshasa", "partner", "COD", "gazetteer")],
        ),
        (
            "La République démocratique du Congo.",
            [("République démocratique du Congo", "partner", "COD", "gazetteer")],
        ),
        ("Le Congo-Brazzaville.", [("Congo-Brazzaville", "partner", "COG", "gazetteer")]),
        ("Georgia.", [("Georgia", "ambiguous", "", "ambiguous")]),
        ("La Géorgie.", [("Géorgie", "partner", "GEO", "gazetteer")]),
        ("Nice et Marseille.", [("Nice", "home", "FRA", "gazetteer")]),
        ("Une nice idée.", []),
        ("Le fleuve Niger.", [("fleuve Niger", "not_place", "", "not_place")]),
        ("Le Niger.", [("Niger", "partner", "NER", "gazetteer")]),
        ("Le lac Tchad.", [("lac Tchad", "region", "lake_chad", "gazetteer")]),
        ("Le Tchad.", [("Tchad", "partner", "TCD", "gazetteer")]),
        (
            "La Turquie, la Türkiye.",
            [("Turquie", "partner", "TUR", "gazetteer"), ("Türkiye", "partner", "TUR", "gazetteer")],
        ),
        ("François Hollande.", [("François Hollande", "not_place", "", "not_place")]),
        ("La Hollande.", [("Hollande", "ambiguous", "", "ambiguous")]),
        ("Vienne.", [("Vienne", "ambiguous", "", "ambiguous")]),
        (
            "Vienne en Autriche.",
            [("Vienne", "partner", "AUT", "context"), ("Autriche", "partner", "AUT", "gazetteer")],
        ),
        ("Hué.", [("Hué", "partner", "VNM", "gazetteer")]),
        ("Il fut hué.", []),
        ("Au Proche - Orient.", [("Proche-Orient", "region", "middle_east", "gazetteer")]),
        ("Les élues sénégalaises.", [("sénégalaises", "partner", "SEN", "gazetteer")]),
        ("Cités Unies France.", [("Cités Unies France", "not_place", "", "not_place")]),
        (
            "La Guinée, Bissau.",
            [("Guinée", "ambiguous", "", "ambiguous"), ("Bissau", "partner", "GNB", "gazetteer")],
        ),
    ],
)
def test_gazetteer_forms(gazetteer, text, expected):
    out = resolved(gazetteer, text)
    got = [
        (f, s, i if s not in ("region",) else c, r)
        for f, s, i, c, r in out[["form", "side", "iso3", "code", "resolution"]].itertuples(index=False)
    ]
    assert got == expected


def test_mention_context_and_positions(gazetteer):
    out = g.find_places(
        tokens_of({"d": (2020, "Un jumelage avec Bamako depuis 1990 .")}), gazetteer, window=2
    )
    row = out.iloc[0]
    assert (row["surface"], row["tok_pos"], row["n_tokens"]) == ("Bamako", 3, 1)
    assert (row["left"], row["right"]) == ("jumelage avec", "depuis 1990")


def test_gazetteer_refuses_duplicate_forms(tmp_path):
    places = tmp_path / "places.csv"
    places.write_text(
        "form,kind,code,candidates,default,case,source\nMali,country,MLI,,,title,x\nmali,city,MLI,,,any,y\n",
        encoding="utf-8",
    )
    with pytest.raises(g.SettingsError, match="row 3"):
        g.load_gazetteer(places)


@pytest.mark.parametrize(
    ("iso3", "year", "ldc"),
    [
        ("CPV", 2006, True), ("CPV", 2007, False),  # graduated December 2007
        ("BTN", 2022, True), ("BTN", 2023, False),
        ("MDV", 2010, True), ("MDV", 2011, False),
        ("GNQ", 2016, True), ("GNQ", 2017, False),
        ("VUT", 2019, True), ("VUT", 2020, False),
        ("STP", 2023, True), ("STP", 2024, False),
        ("WSM", 2013, True), ("WSM", 2014, False),
        ("SEN", 1999, False), ("SEN", 2000, True),  # included 2000
        ("SSD", 2011, False), ("SSD", 2012, True),
        ("MLI", 2025, True), ("VNM", 2010, False), ("FRA", 2015, False),
    ],
)  # fmt: skip
def test_ldc_status_at_year(iso3, year, ldc):
    assert bool(g.status_at_year([iso3], [year])["ldc"].iloc[0]) is ldc


def test_income_group_at_year():
    out = g.status_at_year(
        ["SEN", "SEN", "VNM", "VNM", "BRA", "MLI", "MLI"], [2016, 2017, 2010, 2011, 2015, 2030, 2001]
    )
    assert out["income"].tolist() == [
        "lower_middle",
        "low",
        "low",
        "lower_middle",
        "upper_middle",
        "low",
        "low",
    ]
    assert out["fy_clamped"].tolist() == [False] * 5 + [True, True]
    assert out["fiscal_year"].tolist()[-2:] == [2025, 2005]
    assert out["wb_region"].iloc[0] == "Sub-Saharan Africa"


LDC_CITIES = ("Bamako", "Ouagadougou", "Niamey")
MIDDLE_CITIES = ("Hué", "Casablanca", "São Paulo")


def planted_texts(n_docs: int, seed: int = 0) -> dict[str, tuple[int, str]]:
    """Documents 2008-2025 whose partner cities move from LDC capitals to middle-income cities."""
    rng = np.random.default_rng(seed)
    years = np.linspace(2008, 2025, n_docs).round().astype(int)
    texts = {}
    for i, year in enumerate(years):
        w = (year - 2008) / 17
        n_ldc, n_mid = 1 + rng.binomial(8, 1 - w), 1 + rng.binomial(8, w)
        words = [f"coopération avec {rng.choice(LDC_CITIES)} ." for _ in range(n_ldc)]
        words += [f"mission à {rng.choice(MIDDLE_CITIES)} ." for _ in range(n_mid)]
        words += ["la France et le Maghreb ."]
        texts[f"doc{i:03d}"] = (int(year), " ".join(rng.permutation(words)))
    return texts


@pytest.mark.slow
def test_planted_shift_is_recovered():
    result = g.partner_geography(tokens_of(planted_texts(12)), periods=(2008, 2014, 2020), n_boot=499, seed=1)
    docs = result.by_document
    assert (docs["home"] == 1).all() and (docs["region"] == 1).all()
    assert (docs["partner"] == docs["ldc"] + docs["lower_middle"] + docs["upper_middle"]).all()
    assert (docs["ldc"] == docs["low"]).all()  # the three LDC capitals are low income 2008-2025
    ldc = result.by_period[result.by_period["group"] == "ldc"].set_index("period")["share"]
    assert ldc.iloc[0] > 0.6 > 0.4 > ldc.iloc[-1]
    trend = result.trend.iloc[0]
    assert trend["target"] == "ldc_share" and trend["n_documents"] == 12
    assert trend["odds_ratio_per_decade"] < 1 and trend["ci_high"] < 1
    assert trend["perm_p_value"] < 0.05
    lo, hi = result.by_period.query("group == 'ldc'")[["ci_low", "ci_high"]].iloc[0]
    assert lo <= ldc.iloc[0] <= hi and hi - lo > 0
    places = result.places
    assert set(places.loc[places["side"] == "partner", "iso3"]) == {"MLI", "BFA", "NER", "VNM", "MAR", "BRA"}
    assert (result.mentions.groupby("doc_id")["occurrence"].max() == docs.set_index("doc_id")[
        ["partner", "home", "region"]].sum(axis=1)).all()  # fmt: skip


def test_same_tables_partition_by_partition(tmp_path):
    """A corpus split into partitions gives the same mentions as the whole token table."""
    tokens = tokens_of(planted_texts(6)).assign(is_duplicate=False, is_structure=False)
    whole = g.partner_geography(tokens, n_boot=99)
    corpus = as_corpus(tokens)
    files = []
    for k, (_, part) in enumerate(tokens.groupby("doc_id", sort=True)):
        path = tmp_path / f"part.{k:05d}.parquet"
        part.to_parquet(path, index=False)
        files.append(path)
    import dataclasses

    on_disk = dataclasses.replace(corpus, tokens=None, token_files=tuple(files))
    split = g.partner_geography(on_disk, n_boot=99)
    pd.testing.assert_frame_equal(whole.mentions, split.mentions)
    pd.testing.assert_frame_equal(whole.by_period, split.by_period)


def test_demonyms_can_be_left_out():
    texts = {"a": (2015, "Les Maliens et Bamako ."), "b": (2016, "Les Maliens et Bamako .")}
    result = g.partner_geography(tokens_of(texts), kinds=("country", "city"), n_boot=99)
    assert result.by_document["partner"].tolist() == [1, 1]


@pytest.mark.parametrize("n_docs", [5, 500])
@pytest.mark.slow
def test_figure_at_5_and_500_documents(n_docs):
    result = g.partner_geography(tokens_of(planted_texts(n_docs)), periods=3, n_boot=199)
    fig, drawn = plot_partner_geography(result.by_period)
    assert len(drawn) == result.by_period["period"].nunique()
    income = drawn[["low", "lower_middle", "upper_middle", "high", "unclassified"]].sum(axis=1)
    assert np.allclose(income, 1.0)
    assert drawn["partner"].sum() == result.by_document["partner"].sum()
    assert len(fig.axes) == 2


@pytest.mark.slow
def test_report_part(tmp_path):
    corpus = as_corpus(tokens_of(planted_texts(12)))
    ctx = ReportContext(
        settings=Settings(root=tmp_path, bootstrap=199, periods=(2008, 2014, 2020)), corpus=corpus
    )
    section = part_geography.run(ctx)
    assert section.startswith("## Geography of partners")
    assert "the LDC share falls over the years (permutation p ≤ 0.05)" in section
    for name in ("geography_places", "geography_kwic", "geography_by_period", "geography_trend"):
        assert (tmp_path / "figures" / "tables" / f"{name}.csv").is_file()
    assert (tmp_path / "figures" / "geography_partners.png").is_file()


def test_report_part_says_too_few_mentions(tmp_path):
    texts = {"a": (2012, "La coopération avec Bamako ."), "b": (2022, "Une mission à Hué .")}
    ctx = ReportContext(settings=Settings(root=tmp_path, bootstrap=99), corpus=as_corpus(tokens_of(texts)))
    section = part_geography.run(ctx)
    assert (
        "The texts name foreign countries (the candidates for partners) 2 times in 2 of 2 documents"
        in section
    )
    assert "**The corpus cannot tell**: too few partner mentions" in section


def test_report_part_without_foreign_country(tmp_path):
    """Only France and a region named: the section says the corpus cannot tell, with no all-zero table, no
    figure, and the share and trend tables written with their columns and no rows."""
    texts = {"a": (2012, "La France et le Maghreb ."), "b": (2018, "Rien ici ."), "c": (2022, "La France .")}
    ctx = ReportContext(settings=Settings(root=tmp_path, bootstrap=99), corpus=as_corpus(tokens_of(texts)))
    section = part_geography.run(ctx)
    assert "**The corpus cannot tell**: none of its 3 documents names a foreign country (France and its " \
        "territories: 2 mentions; regions: 1;" in section  # fmt: skip
    assert "|" not in section and "geography_partners" not in section
    assert not (tmp_path / "figures" / "geography_partners.png").exists()
    tables = tmp_path / "figures" / "tables"
    by_period = pd.read_csv(tables / "geography_by_period.csv")
    assert by_period.empty and {"period", "group", "share", "ci_low", "ci_high"} <= set(by_period.columns)
    trend = pd.read_csv(tables / "geography_trend.csv")
    assert trend.empty and "odds_ratio_per_decade" in trend.columns
    assert pd.read_csv(tables / "geography_by_document.csv")["partner"].tolist() == [0, 0, 0]


def test_report_part_leaves_out_periods_without_foreign_country(tmp_path):
    texts = {"a": (2012, "La coopération avec Bamako ."), "b": (2017, "Rien ici ."),
             "c": (2022, "Une mission à Hué .")}  # fmt: skip
    ctx = ReportContext(settings=Settings(root=tmp_path, bootstrap=99), corpus=as_corpus(tokens_of(texts)))
    section = part_geography.run(ctx)
    assert "No foreign country is named in 2015-2019 (left out of the table)." in section
    assert "| 2015-2019" not in section and "| 2010-2014" in section and "| 2020-2024" in section


def test_corpus_without_places():
    texts = {"a": (2012, "Rien ici ."), "b": (2020, "Ni là ."), "c": (2021, "Nulle part .")}
    result = g.partner_geography(tokens_of(texts), n_boot=99)
    assert result.mentions.empty and result.places.empty
    assert result.by_document["partner"].tolist() == [0, 0, 0]
    assert result.by_period["share"].isna().all()
    assert np.isnan(result.trend["odds_ratio_per_decade"].iloc[0])
    assert part_geography.answer(result) == [
        "**The corpus cannot tell**: none of its 3 documents names a foreign country (France and its "
        "territories: 0 mentions; regions: 0; ambiguous forms left uncounted: 0), so there is no partner "
        "geography to compare between periods. No table or figure is drawn."
    ]
    fig, drawn = plot_partner_geography(result.by_period)
    assert drawn["partner"].tolist() == [0, 0]


def test_data_files_are_consistent(gazetteer):
    """Every country the gazetteer can name has an income-group row; every LDC and region member too."""
    ldc, income = g.load_status_tables()
    known = set(income["iso3"])
    entries = gazetteer.entries
    codes = set(entries.loc[entries["kind"].isin(g.PARTNER_KINDS), "code"])
    candidates = {c for value in entries["candidates"] if value for c in value.split("|")}
    members = {c for value in gazetteer.regions["members"] if value for c in value.split("|")}
    assert (codes | candidates | members | set(ldc["iso3"])) - known == {"FRA"} - known
    assert len(ldc) == 52 and (ldc["graduation_year"] < 9999).sum() == 8  # 44 LDCs in Dec. 2024 + 8 graduated
    assert income["fiscal_year"].min() == 2005 and income["fiscal_year"].max() == 2025
    assert set(entries.loc[entries["kind"] == "home", "code"]) == {"FRA"}


def test_coding_sheet_and_precision(gazetteer):
    texts = {"a": (2015, "Bamako , Hué , Oslo et le Congo .")}
    result = g.partner_geography(tokens_of(texts), n_boot=9)
    sheet = g.place_coding_sheet(result.mentions)
    assert sheet["surface"].tolist() == ["Bamako", "Hué", "Oslo", "Congo"]
    sheet["correct"] = ["yes", "VNM", "no", "COD"]  # Oslo: named for the accords, not a partner
    out = g.place_precision(result.mentions, sheet).set_index("kind")
    assert out.loc["all", ["coded", "right"]].tolist() == [3, 2]
    assert out.loc["city", "precision"] == pytest.approx(2 / 3)
    # Wilson interval for 2/3, z = 1.959964: (0.2077, 0.9385)
    assert out.loc["all", "ci_low"] == pytest.approx(0.2077, abs=1e-4)
    assert out.loc["all", "ci_high"] == pytest.approx(0.9385, abs=1e-4)
    sheet.loc[0, "surface"] = "Niamey"  # the corpus changed under the coding
    assert g.place_precision(result.mentions, sheet).set_index("kind").loc["all", "mismatched"] == 1
    assert len(g.place_coding_sheet(result.mentions, n=2, seed=1)) == 2
