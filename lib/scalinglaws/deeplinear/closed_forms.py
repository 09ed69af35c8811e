"""Closed forms of the deep-linear model: the lazy (NTK, ``gamma0 -> 0``) loss curves and the rich
regime's power-law exponent (Eqs. (T3.29), (T3.44) and (T3.46) of the theory page).

Divergence: at a rate with ``|1 - (L+1) eta0 lambda| > 1`` the lazy loss grows geometrically; as for
every curve of this subpackage returned as an array, the curve is ``inf`` from the first step whose
loss exceeds ``DIVERGENCE_FACTOR * L(0)`` (the documented divergence mark, never a huge or
overflowed number)."""
from __future__ import annotations

import numpy as np

from .._validation import integer, positive
from ._checks import noise as _noise, mark_divergence, memory, weights as _weights
from .data import check_spectrum

__all__ = ["lazy_population_loss", "lazy_powerlaw_loss", "rich_exponent"]


def lazy_population_loss(L, eta0, T, gamma_tilde=1.0, sigma=0.0):
    """Lazy/NTK closed form (Eq. (T3.29)): ``L(t) = (1 + gamma_tilde^-2)(1 - (L+1) eta0)^{2t} + sigma^2``,
    ``t = 0..T-1``.

    ``L``, ``T``: integers >= 1; ``eta0``, ``gamma_tilde``: finite reals > 0; ``sigma``: finite
    real >= 0 (the label-noise std).  Raises ``ValueError`` otherwise.  A divergent rate
    (``(L+1) eta0 > 2``) gives ``inf`` from the first step above ``DIVERGENCE_FACTOR * L(0)``."""
    L = integer("L", L, 1)
    T = integer("T", T, 1)
    eta0 = positive("eta0", eta0)
    g = positive("gamma_tilde", gamma_tilde)
    sigma = _noise(sigma)
    if not np.isfinite(sigma ** 2 + 1.0 / np.float64(g) ** 2):
        raise ValueError(f"`sigma` and `gamma_tilde` must keep L(0) = 1 + gamma_tilde^-2 + sigma^2 finite, "
                         f"got sigma = {sigma!r}, gamma_tilde = {g!r}")
    memory(16.0 * T, "`T`", f"T = {T} steps")
    t = np.arange(T)
    with np.errstate(over="ignore", under="ignore"):
        out = (1.0 + 1.0 / np.float64(g) ** 2) * (1.0 - (L + 1) * eta0) ** (2 * t) + sigma ** 2
    return mark_divergence(out)[0]


def lazy_powerlaw_loss(L, eta0, T, lam, b2, weights=None):
    """Lazy (gamma0 -> 0) population closed form on power-law data (Eq. (T3.44)):
    ``L(t) = sum_k w_k lambda_k b_k^2 (1 - (L+1) eta0 lambda_k)^{2t}``, ``t = 0..T-1``.

    ``L``, ``T``: integers >= 1; ``eta0``: finite real > 0; ``lam`` (finite, > 0), ``b2`` (finite,
    >= 0) and ``weights`` (finite, > 0; default 1): 1-D of one length, as
    :func:`check_spectrum`.  Raises ``ValueError`` otherwise.  A divergent rate
    (``(L+1) eta0 max(lambda) > 2``) gives ``inf`` from the first step above ``DIVERGENCE_FACTOR L(0)``."""
    L = integer("L", L, 1)
    T = integer("T", T, 1)
    eta0 = positive("eta0", eta0)
    lam, b2 = check_spectrum(lam, b2, 1)
    w = np.ones(lam.size) if weights is None else _weights("weights", weights, lam.size)
    memory(8.0 * T * lam.size, "`T` and `lam`", f"T x K = {T} x {lam.size}")
    t = np.arange(T)[:, None]
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        out = (w * lam * b2 * (1.0 - (L + 1) * eta0 * lam) ** (2 * t)).sum(1)
    if not np.isfinite(out[0]):
        raise ValueError("`lam`, `b2` and `weights` must give a finite L(0) = sum w lambda b^2")
    if out[0] == 0:
        return out       # a zero target: L(t) = 0, nothing can diverge
    return mark_divergence(out)[0]


def rich_exponent(beta):
    """Rich-regime exponent, Eq. (T3.46) (the paper's claim, after Bordelon, Atanasov & Pehlevan 2024):
    ``2 beta/(1+beta)`` for ``beta < 1``, ``beta`` otherwise.
    ``beta``: the source exponent, a finite real > 0 (raises ``ValueError`` otherwise)."""
    beta = positive("beta", beta)
    return 2 * beta / (1 + beta) if beta < 1 else beta
