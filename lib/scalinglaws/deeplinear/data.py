"""Power-law data for the deep-linear DMFT and simulator: trace-normalised feature spectra and
target powers, exact or log-binned (notes 03 §2.6, §2.7c)."""
from __future__ import annotations

import numpy as np

from .._validation import integer, positive

__all__ = ["powerlaw_spectrum", "binned_powerlaw_spectrum", "check_spectrum"]


def powerlaw_spectrum(K, a, beta):
    """Trace-normalised power-law features (notes §2.6): ``lambda_k ∝ k^-a`` with ``sum lambda = 1`` and
    target powers ``b_k^2`` with ``lambda_k b_k^2 ∝ k^{-a beta - 1}``, ``sum lambda_k b_k^2 = 1``.
    Returns ``(lam, b2)``."""
    K = integer("K", K, 2)
    a = positive("a", a)
    if a <= 1:
        raise ValueError(f"`a` must be > 1 (summable spectrum), got {a!r}")
    beta = positive("beta", beta)
    k = np.arange(1, K + 1, dtype=float)
    lam = k ** -a
    lam /= lam.sum()
    p = k ** (-a * beta - 1.0)
    p /= p.sum()
    return lam, p / lam


def binned_powerlaw_spectrum(K, a, beta, n_exact=50, n_bins=100):
    """Log-binned version of :func:`powerlaw_spectrum` (notes §2.7c): modes ``1..n_exact`` exactly, the
    rest (``n_exact+1..K``) in ``n_bins`` log-spaced bins.  A bin of ``w`` modes is represented by one
    mode of weight ``w`` with ``lambda = mean(lambda_k)`` and ``b^2 = sum lambda_k b_k^2 / sum lambda_k``,
    so that ``sum w lambda = 1`` and ``sum w lambda b^2 = 1`` exactly.  Returns ``(lam, b2, weights)``."""
    K = integer("K", K, 2)
    n_exact = integer("n_exact", n_exact, 1)
    n_bins = integer("n_bins", n_bins, 1)
    lam, b2 = powerlaw_spectrum(K, a, beta)
    if n_exact >= K:
        return lam, b2, np.ones(K)
    edges = np.unique(np.round(np.geomspace(n_exact, K, n_bins + 1)).astype(int))
    L_, B_, W_ = list(lam[:n_exact]), list(b2[:n_exact]), [1.0] * n_exact
    for lo, hi in zip(edges[:-1], edges[1:]):
        sl = slice(lo, hi)
        sl_lam = lam[sl].sum()
        L_.append(sl_lam / (hi - lo)); B_.append((lam[sl] * b2[sl]).sum() / sl_lam); W_.append(float(hi - lo))
    return np.array(L_), np.array(B_), np.array(W_)


def check_spectrum(lam, b2, min_modes: int = 1):
    """``(lam, b2)`` as contiguous float arrays if they are 1-D of one length ``>= min_modes``, with
    ``lambda_k`` finite and ``> 0`` and ``b_k^2`` finite and ``>= 0`` (the input check of the
    power-law DMFT and simulator)."""
    lam = np.ascontiguousarray(lam, dtype=float)
    b2 = np.ascontiguousarray(b2, dtype=float)
    if lam.ndim != 1 or lam.shape != b2.shape or lam.size < min_modes:
        raise ValueError(f"`lam` and `b2` must be 1-D arrays of equal length >= {min_modes}, "
                         f"got shapes {lam.shape} and {b2.shape}")
    if not (np.all(np.isfinite(lam)) and np.all(lam > 0) and np.all(np.isfinite(b2)) and np.all(b2 >= 0)):
        raise ValueError("`lam` must be finite and > 0, `b2` finite and >= 0")
    return lam, b2
