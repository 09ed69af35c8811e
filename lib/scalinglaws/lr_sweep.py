"""Learning-rate sweeps with a refined optimum (notes 03 §3 Fig 2/5/7, §5.5).

The optimum of a sweep is the grid argmin of a metric (default ``log10`` of the final loss),
refined by the vertex of the parabola through the argmin and its two neighbours in ``log eta``.
Diverged points (non-finite loss) count as ``+inf`` and never become the optimum.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SweepResult", "refine_argmin", "lr_sweep"]


@dataclass
class SweepResult:
    etas: np.ndarray
    values: np.ndarray      # metric per eta (inf = diverged)
    eta_star: float         # refined optimum
    eta_grid: float         # grid argmin
    at_edge: bool           # argmin on the first or last grid point (not refined)


def refine_argmin(etas, values):
    """Refined argmin of ``values`` over a log-spaced ``etas`` grid: parabola vertex in ``log eta``
    through the grid argmin and its neighbours, clipped to the neighbours' interval.
    Returns ``(eta_star, eta_grid, at_edge)``; raises ``ValueError`` if every value is non-finite."""
    etas = np.asarray(etas, dtype=float)
    v = np.asarray(values, dtype=float)
    if etas.ndim != 1 or etas.shape != v.shape or etas.size < 3:
        raise ValueError("`etas` and `values` must be 1-D arrays of equal length >= 3")
    if np.any(etas <= 0) or np.any(np.diff(etas) <= 0):
        raise ValueError("`etas` must be positive and strictly increasing")
    v = np.where(np.isfinite(v), v, np.inf)
    if not np.isfinite(v).any():
        raise ValueError("every point of the sweep diverged; no optimum")
    i = int(np.argmin(v))
    if i == 0 or i == v.size - 1 or not (np.isfinite(v[i - 1]) and np.isfinite(v[i + 1])):
        return float(etas[i]), float(etas[i]), i in (0, v.size - 1)
    x = np.log(etas[i - 1:i + 2])
    y = v[i - 1:i + 2]
    c = np.polyfit(x, y, 2)
    if c[0] <= 0:
        return float(etas[i]), float(etas[i]), False
    xs = float(np.clip(-c[1] / (2 * c[0]), x[0], x[2]))
    return float(np.exp(xs)), float(etas[i]), False


def lr_sweep(loss_fn, etas, metric=None):
    """Evaluate ``loss_fn(eta) -> final loss`` on ``etas`` and return a :class:`SweepResult`.

    ``metric`` maps the loss to the minimised quantity (default ``log10``); a non-finite or
    non-positive loss counts as diverged (``inf``)."""
    etas = np.asarray(etas, dtype=float)
    vals = np.empty(etas.size)
    for k, eta in enumerate(etas):
        L = float(loss_fn(float(eta)))
        if not np.isfinite(L) or L <= 0:
            vals[k] = np.inf
        else:
            vals[k] = np.log10(L) if metric is None else metric(L)
    es, eg, edge = refine_argmin(etas, vals)
    return SweepResult(etas, vals, es, eg, edge)
