"""Power-law fits and local slopes, shared by all chapters.

A fit ``y ~ C x^{-p}`` is least squares of ``log y`` on ``log x`` inside an explicit
window ``[x_min, x_max]``; the window rule is the caller's and is recorded with the
fit, so every quoted exponent says where it was measured.

A plain log-log slope is biased when the data follow a power law only asymptotically, e.g.
``y ≈ C (x - x0)^{-p}``: its local exponent is ``p x/(x - x0) ≈ p (1 + x0/x)``, so a slope fitted
on a window starting at ``x_min`` overshoots ``p`` by about ``p x0/x_min`` (6.2 -> 6.6 for
``p = 6``, ``x0 ≈ 3`` on ``[10, 50]``).  :func:`tail_exponent` estimates the asymptotic exponent with
a named method whose bias is measured (``tests/test_fits.py``) and quotes an uncertainty with it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import array, choice, integer, real

__all__ = ["PowerLawFit", "fit_power_law", "local_slope", "window_drift", "ratio_with_uncertainty",
           "TailExponentFit", "tail_exponent", "TAIL_METHODS"]


@dataclass(frozen=True)
class PowerLawFit:
    """``y ≈ C x^{-exponent}`` on ``[x_min, x_max]`` from ``n`` points."""

    exponent: float
    C: float
    x_min: float
    x_max: float
    n: int
    rms_log_residual: float

    def __call__(self, x):
        return self.C * np.asarray(x, dtype=float) ** (-self.exponent)


def _xy(x, y):
    x = array("x", x, ndim=1)
    y = array("y", y, ndim=1)
    if x.shape != y.shape:
        raise ValueError(f"`x` and `y` must be 1-D arrays of equal length, got shapes {x.shape} and {y.shape}")
    return x, y


def fit_power_law(x, y, x_min: float, x_max: float, min_points: int = 3) -> PowerLawFit:
    """Fit ``y = C x^{-p}`` by least squares in log-log space over ``x_min <= x <= x_max``.

    ``x`` and ``y`` are finite 1-D arrays of one length (values outside the window may be zero or
    negative, e.g. ``t = 0``); ``0 < x_min < x_max``; ``min_points >= 2``.  Raises ``ValueError``
    if the window holds fewer than ``min_points`` points or any value in it is non-positive (a
    silent NaN fit is never returned).
    """
    x, y = _xy(x, y)
    x_min = real("x_min", x_min, 0.0, lo_open=True)
    x_max = real("x_max", x_max, 0.0, lo_open=True)
    if not x_min < x_max:
        raise ValueError(f"the fit window must satisfy 0 < `x_min` < `x_max`, got [{x_min}, {x_max}]")
    min_points = integer("min_points", min_points, lo=2)
    sel = (x >= x_min) & (x <= x_max)
    if sel.sum() < min_points:
        raise ValueError(f"fit window [`x_min`, `x_max`] = [{x_min:g}, {x_max:g}] holds {int(sel.sum())} points "
                         f"(need `min_points` = {min_points}); available x range is [{x.min():g}, {x.max():g}]")
    xs, ys = x[sel], y[sel]
    if not np.all(ys > 0):
        raise ValueError("`y` has non-positive values inside the fit window; a log-log fit is undefined")
    lx, ly = np.log(xs), np.log(ys)
    A = np.vstack([lx, np.ones_like(lx)]).T
    (slope, icpt), *_ = np.linalg.lstsq(A, ly, rcond=None)
    resid = ly - (slope * lx + icpt)
    return PowerLawFit(exponent=float(-slope), C=float(np.exp(icpt)), x_min=float(xs.min()),
                       x_max=float(xs.max()), n=int(sel.sum()),
                       rms_log_residual=float(np.sqrt(np.mean(resid ** 2))))


def local_slope(x, y):
    """Local log-log slope ``d log y / d log x`` at the midpoints (geometric means) of ``x``:
    ``x`` finite, positive and strictly increasing, ``y`` finite and positive, at least 2 points."""
    x, y = _xy(x, y)
    if x.size < 2:
        raise ValueError(f"`x` and `y` need at least 2 points for a slope, got {x.size}")
    if np.any(x <= 0) or np.any(np.diff(x) <= 0):
        raise ValueError("`x` must be positive and strictly increasing")
    if np.any(y <= 0):
        raise ValueError("`y` must be positive (a log-log slope)")
    lx, ly = np.log(x), np.log(y)
    return np.exp(0.5 * (lx[1:] + lx[:-1])), np.diff(ly) / np.diff(lx)


def window_drift(x, y, x_min: float, x_max: float, min_points: int = 3) -> float:
    """How far an exponent fitted on ``[x_min, x_max]`` is from being one number: half the
    difference ``(p_upper - p_lower)/2`` of the exponents fitted on the lower and upper halves of
    the window (split at the geometric midpoint ``sqrt(x_min x_max)``).

    Zero for an exact power law; for an approximate one (a real spectrum) it is the systematic
    uncertainty to quote with :func:`fit_power_law`'s exponent: the fitted exponent moves by about
    this much when the window is moved by half its (log) width.  Signed: positive when the decay
    steepens with ``x``.  Same input rules as :func:`fit_power_law`; each half needs ``min_points``.
    """
    x, y = _xy(x, y)
    x_min = real("x_min", x_min, 0.0, lo_open=True)
    x_max = real("x_max", x_max, 0.0, lo_open=True)
    if not x_min < x_max:
        raise ValueError(f"the fit window must satisfy 0 < `x_min` < `x_max`, got [{x_min}, {x_max}]")
    mid = math.sqrt(x_min * x_max)
    lower = fit_power_law(x, y, x_min, mid, min_points)
    upper = fit_power_law(x, y, mid, x_max, min_points)
    return 0.5 * (upper.exponent - lower.exponent)


def ratio_with_uncertainty(a: float, da: float, b: float, db: float) -> tuple[float, float]:
    """``(a/b, |a/b| sqrt((da/a)^2 + (db/b)^2))``: a ratio of two exponents (e.g. ``xi = kappa/nu``)
    and its uncertainty from theirs, first-order propagation of independent errors.  ``a, b``
    finite and non-zero; ``da, db`` finite (signs ignored)."""
    a, b = real("a", a), real("b", b)
    da, db = abs(real("da", da)), abs(real("db", db))
    if a == 0 or b == 0:
        raise ValueError(f"`a` and `b` must be non-zero, got a = {a}, b = {b}")
    r = a / b
    return r, abs(r) * math.hypot(da / a, db / b)


TAIL_METHODS = ("slope", "offset", "extrapolated")


@dataclass(frozen=True)
class TailExponentFit:
    """The asymptotic exponent ``p`` of ``y ~ C (x - x0)^{-p}`` estimated on ``[x_min, x_max]``.

    ``method`` names the estimator (:data:`TAIL_METHODS`); ``uncertainty`` is its window
    sensitivity, ``|p(window) - p(upper half of the window)|`` (the upper half starts at the
    geometric midpoint): a systematic error bar, zero for data that follow the assumed form exactly.
    ``C`` and ``x0`` make the fitted curve callable (``x0 = 0`` for ``"slope"``).
    """

    exponent: float
    uncertainty: float
    method: str
    C: float
    x0: float
    x_min: float
    x_max: float
    n: int

    def __call__(self, x):
        return self.C * (np.asarray(x, dtype=float) - self.x0) ** (-self.exponent)


def _window(x, y, x_min, x_max, need):
    sel = (x >= x_min) & (x <= x_max)
    if sel.sum() < need:
        raise ValueError(f"fit window [`x_min`, `x_max`] = [{x_min:g}, {x_max:g}] holds {int(sel.sum())} points "
                         f"(need {need}); available x range is [{x.min():g}, {x.max():g}]")
    if not np.all(y[sel] > 0) or not np.all(x[sel] > 0):
        raise ValueError("`x` and `y` must be positive inside the fit window (a log-log fit)")
    return x[sel], y[sel]


def _offset_fit(xs, ys):
    """Least squares of ``log y = log C - p log(x - x0)`` with ``x0`` profiled out: for each ``x0``
    the fit is linear; the residual sum of squares is minimised over ``x0`` in
    ``[-x_max, 0.98 x_min]`` (a grid, then a bounded scalar minimisation).  Raises when the best
    ``x0`` lies at an edge of that range (the data do not follow the form)."""
    from scipy.optimize import minimize_scalar
    ly = np.log(ys)

    def lin(x0):
        lx = np.log(xs - x0)
        A = np.vstack([lx, np.ones_like(lx)]).T
        (slope, icpt), *_ = np.linalg.lstsq(A, ly, rcond=None)
        return float(np.sum((ly - slope * lx - icpt) ** 2)), -slope, icpt

    lo, hi = -float(xs.max()), 0.98 * float(xs.min())
    grid = np.linspace(lo, hi, 241)
    rss = np.array([lin(g)[0] for g in grid])
    i = int(np.argmin(rss))
    scale = max(float(np.max(ly) - np.min(ly)), 1.0) ** 2 * xs.size
    if rss[i] > 1e-24 * scale and i in (0, grid.size - 1):
        raise ValueError(f"the offset fit did not converge: the best offset x0 = {grid[i]:g} is at an edge of the "
                         f"searched range [{lo:g}, {hi:g}]; the data do not follow C (x - x0)^-p on the window (`method` = 'offset')")
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    r = minimize_scalar(lambda g: lin(g)[0], bounds=(a, b), method="bounded", options=dict(xatol=1e-10 * (hi - lo)))
    x0 = float(r.x) if r.fun <= rss[i] else float(grid[i])
    _, p, icpt = lin(x0)
    return float(p), float(np.exp(icpt)), x0


def _extrapolated_fit(xs, ys, pieces):
    """Local exponents ``p_j`` (log-log slopes fitted on ``pieces`` consecutive sub-windows of equal
    log-width) at the sub-windows' geometric centres ``x_j``, then ``1/p_j = (1 - x0/x_j)/p`` by
    least squares in ``1/x_j`` (the local exponent of ``C (x - x0)^{-p}`` is exactly ``p x/(x - x0)``,
    so its reciprocal is linear in ``1/x``: intercept ``1/p``, slope ``-x0/p``), and ``C`` from
    ``log y + p log(x - x0)`` averaged."""
    edges = np.geomspace(xs.min(), xs.max(), pieces + 1)
    xc, pj = [], []
    for j in range(pieces):
        sel = (xs >= edges[j]) & (xs <= edges[j + 1])
        if sel.sum() < 2:
            raise ValueError(f"the fit window [`x_min`, `x_max`] = [{xs.min():g}, {xs.max():g}] is too sparse for "
                             f"{pieces} local slopes (a sub-window holds {int(sel.sum())} point(s), need 2)")
        lx, ly = np.log(xs[sel]), np.log(ys[sel])
        pj.append(-np.polyfit(lx, ly, 1)[0])
        xc.append(math.sqrt(edges[j] * edges[j + 1]))
    pj = np.asarray(pj)
    if not np.all(pj > 0):
        raise ValueError(f"`y` does not decay like a power law on the window [{xs.min():g}, {xs.max():g}]: "
                         f"a local exponent is not positive (min {pj.min():g})")
    b, a = np.polyfit(1.0 / np.asarray(xc), 1.0 / pj, 1)
    p = 1.0 / a if a > 0 else -1.0
    x0 = float(-b / a) if a > 0 else math.inf
    if not (p > 0 and x0 < xs.min()):
        raise ValueError(f"the local exponents do not approach a positive limit as 1/p_j = (1 - x0/x_j)/p on the "
                         f"window [{xs.min():g}, {xs.max():g}] (intercept 1/p = {a:g}, implied offset x0 = {x0:g}); "
                         "move the window to larger x or use `method` = 'slope'")
    C = float(np.exp(np.mean(np.log(ys) + p * np.log(xs - x0))))
    return float(p), C, x0


def tail_exponent(x, y, x_min: float, x_max: float, *, method: str, pieces: int = 8) -> TailExponentFit:
    """The asymptotic decay exponent ``p`` of ``y(x) ~ C (x - x0)^{-p}`` from the data on ``[x_min, x_max]``.

    A plain log-log slope (``method="slope"``, :func:`fit_power_law`) measures the local exponent
    ``p x/(x - x0)``, i.e. ``p (1 + x0/x)``: biased by about ``p x0/x_min`` (for the output-layer
    spectrum of a ReLU^2 network in 1D, exponent 6, the slope on ``k in [10, 50]`` is 6.6).  Two
    estimators remove the ``1/x`` term:

    * ``"offset"``: least squares of ``log y = log C - p log(x - x0)`` over ``(C, x0, p)`` (``x0``
      profiled over ``[-x_max, 0.98 x_min]``; raises when the best ``x0`` is at an edge);
    * ``"extrapolated"``: local exponents ``p_j`` fitted on ``pieces`` sub-windows of equal
      log-width, extrapolated to ``x -> infinity`` through ``1/p_j = (1 - x0/x_j)/p`` (linear in
      ``1/x_j``; exact for ``C (x - x0)^{-p}``; raises when a local exponent or ``p`` is not
      positive or the implied offset ``x0 >= x_min``).

    Their bias is measured in ``tests/test_profiles_fits.py`` on ``C (x - x0)^{-p} (1 + c/x^2)`` and on
    exact kernel spectra.  ``uncertainty = |p(window) - p(upper half)|``.  ``x, y``: finite 1-D
    arrays of one length; ``0 < x_min < x_max``; the window needs ``max(3, 2 pieces)`` points (5 for
    ``"offset"``, whose upper half needs 4); ``pieces >= 3`` (``"extrapolated"`` only).
    """
    x, y = _xy(x, y)
    method = choice("method", method, TAIL_METHODS)
    x_min = real("x_min", x_min, 0.0, lo_open=True)
    x_max = real("x_max", x_max, 0.0, lo_open=True)
    if not x_min < x_max:
        raise ValueError(f"the fit window must satisfy 0 < `x_min` < `x_max`, got [{x_min}, {x_max}]")
    pieces = integer("pieces", pieces, lo=3)
    mid = math.sqrt(x_min * x_max)

    def est(a, b, need, n_pieces):
        xs, ys = _window(x, y, a, b, need)
        if method == "slope":
            f = fit_power_law(xs, ys, a, b)
            return f.exponent, f.C, 0.0, xs
        if method == "offset":
            return (*_offset_fit(xs, ys), xs)
        return (*_extrapolated_fit(xs, ys, n_pieces), xs)

    half = max(3, pieces // 2)                       # sub-windows of the upper half (extrapolated)
    need = {"slope": 3, "offset": 5, "extrapolated": 2 * pieces}[method]
    need_half = {"slope": 3, "offset": 4, "extrapolated": 2 * half}[method]
    p, C, x0, xs = est(x_min, x_max, need, pieces)
    p_up = est(mid, x_max, need_half, half)[0]
    return TailExponentFit(exponent=float(p), uncertainty=float(abs(p - p_up)), method=method, C=float(C),
                           x0=float(x0), x_min=float(xs.min()), x_max=float(xs.max()), n=int(xs.size))
