"""Learning-rate sweeps with a refined optimum (paper Figs. 2, 5 and 7; Eq. (T3.48) of the theory page).

The optimum of a sweep is the grid argmin of a metric (default ``log10`` of the final loss),
refined by the vertex of the parabola through the argmin and its two neighbours in ``log eta``.
Diverged points (non-finite loss) count as ``+inf`` and never become the optimum.  The rates of a
sweep are evaluated through :func:`scalinglaws.sweep.sweep` (serial by default, a process pool or a
Dask cluster under ``python -m scalinglaws reproduce --processes N / --scheduler ADDRESS``).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from .._validation import array, flag

__all__ = ["SweepResult", "refine_argmin", "lr_sweep"]


@dataclass
class SweepResult:
    """One learning-rate sweep: the rates ``etas``, the metric per rate (``inf`` = diverged), the
    refined optimum ``eta_star``, the grid argmin ``eta_grid`` and whether it is on the grid's edge."""
    etas: np.ndarray
    values: np.ndarray      # metric per eta (inf = diverged)
    eta_star: float         # refined optimum
    eta_grid: float         # grid argmin
    at_edge: bool           # argmin on the first or last grid point (not refined)


def refine_argmin(etas, values):
    """Refined argmin of ``values`` over a log-spaced ``etas`` grid: parabola vertex in ``log eta``
    through the grid argmin and its neighbours, clipped to the neighbours' interval.
    ``etas``: 1-D, finite, > 0, strictly increasing, length >= 3; ``values``: 1-D of the same length,
    a non-finite entry (``inf`` or ``nan``) marking a diverged point.
    Returns ``(eta_star, eta_grid, at_edge)``; raises ``ValueError`` on bad inputs or if every value
    is non-finite."""
    etas = _etas(etas)
    v = array("values", values, ndim=1, finite=False, allow_nan=True)
    if v.shape != etas.shape:
        raise ValueError(f"`etas` and `values` must be 1-D arrays of equal length >= 3, got {etas.shape} and {v.shape}")
    v = np.where(np.isfinite(v), v, np.inf)
    if not np.isfinite(v).any():
        raise ValueError("`values`: every point of the sweep diverged (no finite value); no optimum")
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


def _etas(etas, name="etas"):
    a = array(name, etas, ndim=1, min_size=0)
    if a.size < 3:
        raise ValueError(f"`{name}` must be a 1-D array of length >= 3, got shape {a.shape}")
    if not (np.all(np.isfinite(a)) and np.all(a > 0) and np.all(np.diff(a) > 0)):
        raise ValueError(f"`{name}` must be finite, > 0 and strictly increasing, got {a!r}")
    return a


def _final_loss(loss_fn, eta):
    return float(loss_fn(eta))


def lr_sweep(loss_fn, etas, metric=None, *, executor="auto", progress=None, desc=None):
    """Evaluate ``loss_fn(eta) -> final loss`` on ``etas`` and return a :class:`SweepResult`.

    ``metric`` maps the loss to the minimised quantity (default ``log10``); a non-finite or
    non-positive loss counts as diverged (``inf``).  The optimum is :func:`refine_argmin` of the
    metric values.

    The rates are evaluated through :func:`scalinglaws.sweep.sweep` (one point per ``eta``, given
    to ``loss_fn`` as a Python float) on ``executor``: ``"auto"`` (serial unless ``python -m
    scalinglaws reproduce --processes N / --scheduler ADDRESS`` asked for a pool or a Dask
    cluster, and always serial inside another sweep's worker), ``None`` (serial) or any
    ``concurrent.futures``-style executor; ``loss_fn`` may be a lambda or a notebook closure
    (shipped with cloudpickle).  ``metric`` runs in the calling process.  The results do not
    depend on the executor.  ``progress`` shows a progress bar labelled ``desc``
    (default ``"lr_sweep"``); ``None`` (default) leaves the choice to :func:`scalinglaws.sweep.sweep`
    (a bar unless ``SCALINGLAWS_PROGRESS=0``).

    ``etas``: 1-D, finite, > 0, strictly increasing, length >= 3; ``progress`` None or a bool; ``desc``
    ``None`` or a string.  Raises ``ValueError`` on bad inputs and if every rate diverged (no
    optimum: ``loss_fn`` returned no finite positive loss)."""
    if not callable(loss_fn):
        raise ValueError(f"`loss_fn` must be callable, got {loss_fn!r}")
    if metric is not None and not callable(metric):
        raise ValueError(f"`metric` must be callable or None, got {metric!r}")
    etas = _etas(etas)
    progress = None if progress is None else flag("progress", progress)
    if desc is not None and not isinstance(desc, str):
        raise ValueError(f"`desc` must be a string or None, got {desc!r}")
    from ..sweep import grid, sweep
    losses = sweep(partial(_final_loss, loss_fn), grid(eta=[float(e) for e in etas]), executor=executor,
                   progress=progress, desc=desc or "lr_sweep")
    vals = np.empty(etas.size)
    for k, L in enumerate(losses):
        if not np.isfinite(L) or L <= 0:
            vals[k] = np.inf
        else:
            vals[k] = np.log10(L) if metric is None else metric(L)
    if not np.isfinite(vals).any():
        raise ValueError("`loss_fn`: every point of the sweep diverged (no finite positive loss); no optimum")
    es, eg, edge = refine_argmin(etas, vals)
    return SweepResult(etas, vals, es, eg, edge)
