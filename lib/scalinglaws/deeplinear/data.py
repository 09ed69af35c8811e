"""Power-law data for the deep-linear DMFT and simulator: trace-normalised feature spectra and
target powers, exact or log-binned (Eqs. (T3.36) and (T3.43) of the theory page)."""
from __future__ import annotations

import numpy as np

from .._validation import array, integer, positive, real
from ._checks import memory

__all__ = ["powerlaw_spectrum", "binned_powerlaw_spectrum", "check_spectrum"]


def powerlaw_spectrum(K, a, beta):
    """Trace-normalised power-law features (Eq. (T3.36)): ``lambda_k ∝ k^-a`` with ``sum lambda = 1`` and
    target powers ``b_k^2`` with ``lambda_k b_k^2 ∝ k^{-a beta - 1}``, ``sum lambda_k b_k^2 = 1``.
    Returns ``(lam, b2)``.

    ``K``: integer >= 2; ``a``: finite real > 1 (summable spectrum); ``beta``: finite real > 0.
    Raises ``ValueError`` otherwise (and if ``lambda_K`` or ``b_K^2`` leaves the float range)."""
    K = integer("K", K, 2)
    a = real("a", a, 1.0, lo_open=True)
    beta = positive("beta", beta)
    memory(32.0 * K, "`K`", f"K = {K} modes")
    k = np.arange(1, K + 1, dtype=float)
    lam = k ** -a
    lam /= lam.sum()
    p = k ** (-a * beta - 1.0)
    p /= p.sum()
    b2 = p / lam
    if not (np.all(lam > 0) and np.all(np.isfinite(b2)) and np.all(p > 0)):
        raise ValueError(f"`a` * `beta` too large for K = {K} modes: lambda_K or b_K^2 under/overflows "
                         f"(a = {a!r}, beta = {beta!r})")
    return lam, b2


def binned_powerlaw_spectrum(K, a, beta, n_exact=50, n_bins=100):
    """Log-binned version of :func:`powerlaw_spectrum` (Eq. (T3.43)): modes ``1..n_exact`` exactly, the
    rest (``n_exact+1..K``) in ``n_bins`` log-spaced bins.  A bin of ``w`` modes is represented by one
    mode of weight ``w`` with ``lambda = mean(lambda_k)`` and ``b^2 = sum lambda_k b_k^2 / sum lambda_k``,
    so that ``sum w lambda = 1`` and ``sum w lambda b^2 = 1`` exactly.  Returns ``(lam, b2, weights)``.

    ``K``: integer >= 2, ``a`` > 1, ``beta`` > 0 as in :func:`powerlaw_spectrum`; ``n_exact``: integer
    >= 1; ``n_bins``: integer in [1, K].  Raises ``ValueError`` otherwise."""
    K = integer("K", K, 2)
    n_exact = integer("n_exact", n_exact, 1)
    n_bins = integer("n_bins", n_bins, 1, K)
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
    power-law DMFT, simulator and lazy closed form).  ``min_modes``: integer >= 1.  Raises
    ``ValueError`` naming ``lam`` / ``b2`` otherwise."""
    min_modes = integer("min_modes", min_modes, 1)
    lam = array("lam", lam, ndim=1, lo=0.0, lo_open=True)
    b2 = array("b2", b2, ndim=1, lo=0.0)
    if lam.shape != b2.shape or lam.size < min_modes:
        raise ValueError(f"`lam` and `b2` must be 1-D arrays of equal length >= `min_modes` = {min_modes}, "
                         f"got shapes {lam.shape} and {b2.shape}")
    return lam, b2
