"""Power-law fits and local slopes, shared by all chapters.

A fit ``y ~ C x^{-p}`` is least squares of ``log y`` on ``log x`` inside an explicit
window ``[x_min, x_max]``; the window rule is the caller's and is recorded with the
fit, so every quoted exponent says where it was measured.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PowerLawFit", "fit_power_law", "local_slope"]


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


def _positive_arrays(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D arrays of equal length, got shapes {x.shape} and {y.shape}")
    return x, y


def fit_power_law(x, y, x_min: float, x_max: float, min_points: int = 3) -> PowerLawFit:
    """Fit ``y = C x^{-p}`` by least squares in log-log space over ``x_min <= x <= x_max``.

    Raises ``ValueError`` if the window holds fewer than ``min_points`` points or any
    value in the window is non-positive or non-finite (a silent NaN fit is never returned).
    """
    x, y = _positive_arrays(x, y)
    if not (np.isfinite(x_min) and np.isfinite(x_max) and 0 < x_min < x_max):
        raise ValueError(f"fit window must satisfy 0 < x_min < x_max, got [{x_min}, {x_max}]")
    sel = (x >= x_min) & (x <= x_max)
    if sel.sum() < min_points:
        raise ValueError(f"fit window [{x_min:g}, {x_max:g}] holds {int(sel.sum())} points "
                         f"(need >= {min_points}); available x range is [{x.min():g}, {x.max():g}]")
    xs, ys = x[sel], y[sel]
    if not (np.all(np.isfinite(ys)) and np.all(ys > 0) and np.all(xs > 0)):
        raise ValueError("fit window contains non-positive or non-finite values; a log-log fit is undefined")
    lx, ly = np.log(xs), np.log(ys)
    A = np.vstack([lx, np.ones_like(lx)]).T
    (slope, icpt), *_ = np.linalg.lstsq(A, ly, rcond=None)
    resid = ly - (slope * lx + icpt)
    return PowerLawFit(exponent=float(-slope), C=float(np.exp(icpt)), x_min=float(xs.min()),
                       x_max=float(xs.max()), n=int(sel.sum()),
                       rms_log_residual=float(np.sqrt(np.mean(resid ** 2))))


def local_slope(x, y):
    """Local log-log slope ``d log y / d log x`` at the midpoints (geometric means) of ``x``."""
    x, y = _positive_arrays(x, y)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("local_slope needs positive x and y")
    lx, ly = np.log(x), np.log(y)
    return np.exp(0.5 * (lx[1:] + lx[:-1])), np.diff(ly) / np.diff(lx)
