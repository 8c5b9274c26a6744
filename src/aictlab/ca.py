"""Correspondence analysis of a contingency table (terms × groups), as FactoMineR's ``CA`` computes it.

P = N/n, row and column masses r, c; S = D_r^(-1/2) (P - r cᵀ) D_c^(-1/2) = U Σ Vᵀ; eigenvalues λ_k = σ_k²
(k <= min(I, J) - 1), total inertia Σλ = χ²/n; principal coordinates F = D_r^(-1/2) U Σ (rows),
G = D_c^(-1/2) V Σ (columns); contributions ctr_ik = 100 r_i F_ik² / λ_k; squared cosines
cos²_ik = F_ik² / Σ_k F_ik² (all axes). docs/methods.md §8.

References
----------
Benzécri J.-P. (1973), *L'Analyse des données*, t. 2, Dunod. Greenacre M. (2017), *Correspondence Analysis in
Practice*, 3rd ed., CRC. Lê S., Josse J. & Husson F. (2008), "FactoMineR: an R package for multivariate
analysis", JSS 25(1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aictlab.errors import SchemaError, SettingsError

__all__ = ["CAResult", "ca_tables", "correspondence_analysis"]


@dataclass(frozen=True, eq=False)
class CAResult:
    """A fitted correspondence analysis.

    Attributes
    ----------
    eigenvalues : DataFrame
        One row per axis: ``dim, eigenvalue, percent, cumulative_percent``.
    rows, columns : DataFrame
        Indexed by row / column label: ``mass``, ``dim1..dimK`` (principal coordinates), ``contrib1..K`` (%),
        ``cos2_1..K``, ``inertia``.
    total_inertia : float
        Σλ = χ²/n.
    params : dict
        ``min_total``, dropped rows/columns, orientation.
    """

    eigenvalues: pd.DataFrame
    rows: pd.DataFrame
    columns: pd.DataFrame
    total_inertia: float
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_axes(self) -> int:
        return len(self.eigenvalues)

    def supplementary_rows(self, table: pd.DataFrame) -> pd.DataFrame:
        """Coordinates of supplementary rows (profiles p): f_k = Σ_j p_j G_jk / σ_k (columns must match)."""
        table = table.reindex(columns=self.columns.index, fill_value=0).astype(float)
        prof = table.div(table.sum(axis=1).replace(0, np.nan), axis=0).to_numpy()
        g = self.columns[[f"dim{k + 1}" for k in range(self.n_axes)]].to_numpy()
        sigma = np.sqrt(self.eigenvalues["eigenvalue"].to_numpy())
        return pd.DataFrame(
            prof @ g / sigma, index=table.index, columns=[f"dim{k + 1}" for k in range(self.n_axes)]
        )


def correspondence_analysis(
    table: pd.DataFrame,
    *,
    min_total: float = 0,
    n_axes: int | None = None,
    orient_column: Any | None = None,
) -> CAResult:
    """Correspondence analysis of a contingency table (rows: terms; columns: groups).

    Parameters
    ----------
    table : DataFrame
        Non-negative counts; index = row labels, columns = column labels (a :class:`~aictlab.keyness.LexicalTable`'s
        ``counts``, or the table itself).
    min_total : float, default=0
        Drop rows whose total is below this (docs/methods.md §8: 5 for terms × periods: rare rows dominate inertia).
        Zero rows and columns are always dropped.
    n_axes : int, optional
        Axes kept (default all non-trivial: min(I, J) - 1).
    orient_column : label, optional
        Orient axis 1 so that this column (e.g. the latest period) has a positive coordinate. Other axes, and
        axis 1 without it, are oriented so that the column with the largest |coordinate| is positive
        (deterministic; CA signs are otherwise arbitrary).

    Returns
    -------
    CAResult

    Examples
    --------
    >>> t = pd.DataFrame({"2012": [10, 2, 5], "2017": [5, 5, 5], "2025": [1, 9, 5]}, index=["a", "b", "c"])
    >>> res = correspondence_analysis(t, orient_column="2025")
    >>> bool(res.columns.loc["2025", "dim1"] > 0)
    True
    """
    if hasattr(table, "counts") and not isinstance(table, pd.DataFrame):
        table = table.counts
    if not isinstance(table, pd.DataFrame):
        raise SchemaError(f"correspondence_analysis: expected a DataFrame, got {type(table).__name__}.")
    x = table.astype(float)
    if (x.to_numpy() < 0).any() or not np.isfinite(x.to_numpy()).all():
        raise SchemaError("correspondence_analysis: the table must hold finite non-negative counts.")
    keep_rows = (x.sum(axis=1) > 0) & (x.sum(axis=1) >= min_total)
    dropped_rows = int((~keep_rows).sum())
    x = x.loc[keep_rows]
    keep_cols = x.sum(axis=0) > 0
    dropped_cols = [str(c) for c in x.columns[~keep_cols]]
    x = x.loc[:, keep_cols]
    n_i, n_j = x.shape
    if n_i < 2 or n_j < 2:
        raise SettingsError(
            f"correspondence_analysis: needs at least 2 non-empty rows and 2 columns (has {n_i} × {n_j})."
        )
    max_axes = min(n_i, n_j) - 1
    k = max_axes if n_axes is None else min(int(n_axes), max_axes)
    if k < 1:
        raise SettingsError("correspondence_analysis: n_axes must be at least 1.")

    n = x.to_numpy().sum()
    p = x.to_numpy() / n
    r = p.sum(axis=1)
    c = p.sum(axis=0)
    s = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, sigma, vt = np.linalg.svd(s, full_matrices=False)
    eig_all = sigma[:max_axes] ** 2
    total = float((s**2).sum())
    u, sigma, v = u[:, :k], sigma[:k], vt[:k].T
    f = u * sigma / np.sqrt(r)[:, None]
    g = v * sigma / np.sqrt(c)[:, None]

    # Orientation: deterministic signs.
    for axis in range(k):
        if axis == 0 and orient_column is not None:
            if orient_column not in x.columns:
                raise SettingsError(f"orient_column {orient_column!r} is not a column of the table.")
            ref = g[list(x.columns).index(orient_column), 0]
        else:
            ref = g[np.argmax(np.abs(g[:, axis])), axis]
        if ref < 0:
            f[:, axis] *= -1
            g[:, axis] *= -1

    eig = eig_all[:k]
    dist_r = ((p / r[:, None] - c[None, :]) ** 2 / c[None, :]).sum(axis=1)  # squared χ² distance to centroid
    dist_c = ((p / c[None, :] - r[:, None]) ** 2 / r[:, None]).sum(axis=0)

    def frame(coord, mass, dist, labels):
        out = pd.DataFrame(index=pd.Index(labels, name=None))
        out["mass"] = mass
        for a in range(k):
            out[f"dim{a + 1}"] = coord[:, a]
        for a in range(k):
            out[f"contrib{a + 1}"] = 100 * mass * coord[:, a] ** 2 / eig[a]
        with np.errstate(divide="ignore", invalid="ignore"):
            for a in range(k):
                out[f"cos2_{a + 1}"] = np.where(dist > 0, coord[:, a] ** 2 / dist, 0.0)
        out["inertia"] = mass * dist
        return out

    eigen = pd.DataFrame(
        {
            "dim": np.arange(1, k + 1),
            "eigenvalue": eig,
            "percent": 100 * eig / total,
            "cumulative_percent": 100 * np.cumsum(eig) / total,
        }
    )
    params = {
        "min_total": min_total,
        "dropped_rows": dropped_rows,
        "dropped_columns": dropped_cols,
        "orient_column": orient_column,
        "chi2": total * n,
        "n": n,
    }
    return CAResult(eigen, frame(f, r, dist_r, x.index), frame(g, c, dist_c, x.columns), total, params)


def ca_tables(
    res: CAResult, *, row_label: str = "term", column_label: str = "group"
) -> dict[str, pd.DataFrame]:
    """The contract tables ``ca_terms``, ``ca_groups``, ``ca_eigenvalues`` from a :class:`CAResult`.

    Rows sorted by contribution to axis 1 + 2 (descending) then label; groups in table order.
    Columns: ``term|group, dim1, dim2, contrib1, contrib2, cos2_1, cos2_2, mass, inertia`` (dim2 etc. NaN with a
    single axis); ``ca_eigenvalues``: ``eigenvalue, percent, cumulative_percent, dim``.
    """
    cols = ["dim1", "dim2", "contrib1", "contrib2", "cos2_1", "cos2_2", "mass", "inertia"]

    def pick(frame: pd.DataFrame, label: str) -> pd.DataFrame:
        out = frame.reindex(columns=cols).copy()
        out.insert(0, label, [str(i) for i in frame.index])
        return out.reset_index(drop=True)

    terms = pick(res.rows, row_label)
    terms = terms.assign(_c=terms[["contrib1", "contrib2"]].fillna(0).sum(axis=1))
    terms = terms.sort_values(["_c", row_label], ascending=[False, True], kind="stable").drop(columns="_c")
    return {
        "ca_terms": terms.reset_index(drop=True),
        "ca_groups": pick(res.columns, column_label),
        "ca_eigenvalues": res.eigenvalues[["eigenvalue", "percent", "cumulative_percent", "dim"]].copy(),
    }
