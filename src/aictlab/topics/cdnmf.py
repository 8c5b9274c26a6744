"""scikit-learn's NMF with its coordinate-descent loop run here: the same updates, without the per-sweep overhead.

scikit-learn's ``NMF(solver="cd")`` (Cichocki & Phan 2009, "Fast local algorithms for large scale nonnegative
matrix and tensor factorizations", IEICE Trans. Fundamentals E92-A(3): HALS-like coordinate descent) alternates
two sweeps per iteration, one over W and one over H, each a call of its compiled kernel on the Gram matrix and
the data product. Its Python loop builds ``X.T`` again at every iteration (a new sparse matrix: a fifth of the
loop's time on the seeds' grid, whose 189 NMF fits take ~76 iterations each). :class:`CdNMF` runs the same
loop with ``X.T`` built once: the same kernel (scikit-learn's private ``_update_cdnmf_fast``), on the same
operands, in the same order, so W, H and the iteration count are those of ``NMF`` (pinned by
``tests/test_topics_fast_paths.py``, which fails if a scikit-learn release changes either).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.decomposition import NMF

__all__ = ["CdNMF", "coordinate_descent"]


def coordinate_descent(x, w: np.ndarray, h: np.ndarray, tol: float, max_iter: int):
    """Minimise ||X − W H||²_F over W, H ≥ 0 by cyclic coordinate descent (no regularisation, no shuffle).

    scikit-learn's ``_fit_coordinate_descent``: per iteration one sweep over the columns of W, then one over
    the rows of H; stop when the summed projected-gradient violation of an iteration is at most ``tol`` times
    that of the first one, or after ``max_iter`` iterations.

    Parameters
    ----------
    x : scipy.sparse matrix (n, V), CSR or CSC
    w, h : ndarray (n, K), (K, V)
        Starting point (not modified).
    tol : float
    max_iter : int

    Returns
    -------
    (W, H, n_iter)
    """
    from sklearn.decomposition._cdnmf_fast import _update_cdnmf_fast

    w = np.ascontiguousarray(w)
    ht = np.ascontiguousarray(h.T)
    if x.format == "csc":
        x = x.tocsr()
    xt = x.T  # built once; each H sweep needs X.T @ W
    order = np.arange(ht.shape[1], dtype=np.intp)
    for n_iter in range(1, max_iter + 1):
        violation = _update_cdnmf_fast(w, np.dot(ht.T, ht), x @ ht, order)
        violation += _update_cdnmf_fast(ht, np.dot(w.T, w), xt @ w, order)
        if n_iter == 1:
            violation_init = violation
        if violation_init == 0 or violation / violation_init <= tol:
            break
    return w, ht.T, n_iter


def _has_kernel() -> bool:
    """Whether this scikit-learn has the private kernel :func:`coordinate_descent` calls."""
    try:
        from sklearn.decomposition._cdnmf_fast import _update_cdnmf_fast  # noqa: F401
    except ImportError:
        return False
    return True


class CdNMF(NMF):
    """``sklearn.decomposition.NMF`` whose fit runs :func:`coordinate_descent` (same W, H, ``n_iter_``).

    Only the unregularised, unshuffled Frobenius "cd" fit takes that path (the topic models' settings); any
    other setting, ``transform``, and a scikit-learn without the private kernel (another release than the
    lock file's) run scikit-learn's own code.
    """

    def _fit_transform(self, X, y=None, W=None, H=None, update_H=True):
        plain = (
            update_H
            and self.solver == "cd"
            and self.beta_loss in ("frobenius", 2)
            and self.alpha_W == 0
            and self.alpha_H in ("same", 0)
            and not self.shuffle
            and _has_kernel()
        )
        if not plain:
            return super()._fit_transform(X, y=y, W=W, H=H, update_H=update_H)
        self._check_params(X)
        W, H = self._check_w_h(X, W, H, update_H)
        W, H, n_iter = coordinate_descent(X, W, H, self.tol, self.max_iter)
        if n_iter == self.max_iter and self.tol > 0:
            from sklearn.exceptions import ConvergenceWarning

            warnings.warn(
                f"Maximum number of iterations {self.max_iter} reached. Increase it to improve convergence.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return W, H, n_iter
