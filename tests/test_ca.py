"""Correspondence analysis against FactoMineR (tests/fixtures/ca_children_factominer.json)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aictlab.ca import ca_tables, correspondence_analysis
from aictlab.corpus import select_tokens
from aictlab.errors import SettingsError
from aictlab.keyness import LexicalTable, lexical_table, term_counts

REFERENCE = Path(__file__).resolve().parent / "fixtures" / "ca_children_factominer.json"
REF = json.loads(REFERENCE.read_text(encoding="utf-8"))
TOL = 1e-6


@pytest.fixture(scope="module")
def children() -> pd.DataFrame:
    return pd.DataFrame(REF["table"], index=REF["row_names"], columns=REF["col_names"])


@pytest.fixture(scope="module")
def fitted(children):
    return correspondence_analysis(children)


def _aligned(ours: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Flip each axis of ``ours`` by sign(Σ_i ours_ik ref_ik) (docs/methods.md §8: signs are arbitrary)."""
    return ours * np.sign((ours * ref).sum(axis=0))


def _block(frame: pd.DataFrame, prefix: str, k: int) -> np.ndarray:
    return frame[[f"{prefix}{a + 1}" for a in range(k)]].to_numpy()


def test_eigenvalues_and_inertia(fitted):
    assert fitted.eigenvalues["eigenvalue"].to_numpy() == pytest.approx(REF["eigenvalues"], abs=TOL, rel=TOL)
    assert fitted.eigenvalues["percent"].to_numpy() == pytest.approx(REF["percent_inertia"], abs=TOL)
    assert fitted.total_inertia == pytest.approx(REF["total_inertia"], abs=TOL)
    assert fitted.n_axes == 4  # min(14, 5) - 1
    assert fitted.eigenvalues["cumulative_percent"].iloc[-1] == pytest.approx(100.0)


@pytest.mark.parametrize(
    "side, coord, contrib, cos2",
    [("rows", "row_coord", "row_contrib", "row_cos2"), ("columns", "col_coord", "col_contrib", "col_cos2")],
)
def test_coordinates_contributions_cos2(fitted, side, coord, contrib, cos2):
    frame = getattr(fitted, side)
    ref = np.array(REF[coord])
    k = ref.shape[1]
    assert np.abs(_aligned(_block(frame, "dim", k), ref) - ref).max() < TOL
    assert np.abs(_block(frame, "contrib", k) - np.array(REF[contrib])).max() < TOL
    assert np.abs(_block(frame, "cos2_", k) - np.array(REF[cos2])).max() < TOL
    # contributions sum to 100 per axis
    assert _block(frame, "contrib", k).sum(axis=0) == pytest.approx([100.0] * k)


def test_orientation_latest_group_positive(children):
    for col in children.columns:
        res = correspondence_analysis(children, orient_column=col)
        assert res.columns.loc[col, "dim1"] > 0
        # eigenvalues do not depend on the orientation
        assert res.eigenvalues["eigenvalue"].to_numpy() == pytest.approx(REF["eigenvalues"], abs=TOL)


def test_deterministic_and_chi2_identity(children, fitted):
    again = correspondence_analysis(children)
    pd.testing.assert_frame_equal(again.rows, fitted.rows)
    n = children.to_numpy().sum()
    expected = np.outer(children.sum(axis=1), children.sum(axis=0)) / n
    chi2 = ((children.to_numpy() - expected) ** 2 / expected).sum()
    assert fitted.total_inertia == pytest.approx(chi2 / n, rel=1e-12)


def test_min_total_and_zero_rows_dropped(children):
    table = pd.concat(
        [children, pd.DataFrame([[0] * 5, [1, 0, 1, 0, 1]], index=["zero", "rare"], columns=children.columns)]
    )
    res = correspondence_analysis(table, min_total=5)
    assert "zero" not in res.rows.index and "rare" not in res.rows.index
    assert res.params["dropped_rows"] == 2
    assert res.eigenvalues["eigenvalue"].to_numpy() == pytest.approx(REF["eigenvalues"], abs=TOL)


def test_two_columns_give_one_axis_and_too_small_errors():
    table = pd.DataFrame({"a": [5, 1, 3], "b": [1, 5, 3]}, index=["x", "y", "z"])
    assert correspondence_analysis(table).n_axes == 1
    with pytest.raises(SettingsError, match="at least 2 non-empty rows and 2 columns"):
        correspondence_analysis(table[["a"]])


def test_supplementary_row_of_an_active_profile_lands_on_it(children, fitted):
    sup = fitted.supplementary_rows(children.loc[["money", "war"]])
    assert sup.to_numpy() == pytest.approx(_block(fitted.rows.loc[["money", "war"]], "dim", 4), abs=1e-12)


def test_contract_tables_from_a_lexical_table(children):
    lt = LexicalTable(children, children.sum(axis=0))
    res = correspondence_analysis(lt, orient_column="university")
    tables = ca_tables(res)
    assert list(tables["ca_terms"].columns[:7]) == [
        "term",
        "dim1",
        "dim2",
        "contrib1",
        "contrib2",
        "cos2_1",
        "cos2_2",
    ]
    assert list(tables["ca_groups"].columns[:7]) == [
        "group",
        "dim1",
        "dim2",
        "contrib1",
        "contrib2",
        "cos2_1",
        "cos2_2",
    ]
    assert tables["ca_groups"]["group"].tolist() == REF["col_names"]
    assert tables["ca_eigenvalues"].columns[0] == "eigenvalue"
    both = tables["ca_terms"][["contrib1", "contrib2"]].sum(axis=1)
    assert (
        both.is_monotonic_decreasing and tables["ca_terms"]["term"].iloc[0] == "economic"
    )  # 12.00 + 26.60 (FactoMineR)


def test_biplot_draws_groups_and_top_terms(children):
    import matplotlib.pyplot as plt

    from aictlab.plots.textometry import plot_ca_biplot

    res = correspondence_analysis(children, orient_column="university")
    fig, drawn = plot_ca_biplot(res, n_terms=5)
    terms = drawn[drawn["kind"] == "term"]
    assert len(terms) == 5 and terms["label"].iloc[0] == "economic"
    groups = drawn[drawn["kind"] == "group"].set_index("label")
    assert groups.loc["university", "x"] > 0
    assert groups["x"].to_numpy() == pytest.approx(res.columns["dim1"].to_numpy())
    plt.close(fig)


def test_array_crossings_swap_as_adjusttext_does():
    """Same boxes as adjustText's own remove_crossings, on layouts with many crossings, ties and parallels."""
    import adjustText

    from aictlab.plots.textometry import array_crossings, remove_crossings

    rng = np.random.default_rng(0)
    swapped = 0
    for trial in range(200):
        n = int(rng.integers(2, 40))
        coords = rng.uniform(0, 500, (n, 4))
        coords[:, [0, 2]] = np.minimum(coords[:, [0, 2]], coords[:, [1, 3]])
        targets = rng.uniform(0, 500, (n, 2))
        if trial % 3 == 0:  # integer positions: parallel and touching connectors
            coords, targets = np.round(coords / 25) * 25, np.round(targets / 50) * 50
        expected = adjustText.remove_crossings(coords.copy(), targets, 0)
        assert np.array_equal(remove_crossings(coords.copy(), targets), expected)
        swapped += not np.array_equal(expected, coords)
    assert swapped > 150  # the layouts do cross
    with array_crossings():
        assert adjustText.remove_crossings is remove_crossings
    assert adjustText.remove_crossings is not remove_crossings


def test_seed_ca_from_partition_counts_equals_the_whole(seed_corpus, seed_corpus_on_disk):
    # the report's CA input: lemmas × periods counted per document, partition by partition
    whole = lexical_table(select_tokens(seed_corpus.tokens), "period")
    counts = seed_corpus_on_disk.map_tokens(partial(term_counts, keys="doc_id"))
    parted = lexical_table(seed_corpus_on_disk, "period", counts=counts)
    a = ca_tables(correspondence_analysis(parted.counts, min_total=5, orient_column="2025-2029"))
    b = ca_tables(correspondence_analysis(whole.counts, min_total=5, orient_column="2025-2029"))
    for name in ("ca_terms", "ca_groups", "ca_eigenvalues"):
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)
    assert len(a["ca_eigenvalues"]) == 3  # 4 periods: 3 axes
    assert a["ca_groups"].set_index("group").loc["2025-2029", "dim1"] > 0  # oriented on the latest period
