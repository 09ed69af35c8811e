"""Power-law fits and local slopes, shared by all chapters.

A fit ``y ~ C x^{-p}`` is least squares of ``log y`` on ``log x`` inside an explicit
window ``[x_min, x_max]``; the window rule is the caller's and is recorded with the
fit, so every quoted exponent says where it was measured.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import array, integer, real

__all__ = ["PowerLawFit", "fit_power_law", "local_slope", "window_drift", "ratio_with_uncertainty"]


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
