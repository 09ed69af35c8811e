"""Closed forms of the deep-linear model: the lazy (NTK, ``gamma0 -> 0``) loss curves and the rich
regime's power-law exponent (notes 03 §2.4, §2.6)."""
from __future__ import annotations

import numpy as np

from .._validation import integer, positive

__all__ = ["lazy_population_loss", "lazy_powerlaw_loss", "rich_exponent"]


def lazy_population_loss(L, eta0, T, gamma_tilde=1.0, sigma=0.0):
    """Lazy/NTK closed form (notes §2.4): ``L(t) = (1 + gamma_tilde^-2)(1 - (L+1) eta0)^{2t} + sigma^2``."""
    L = integer("L", L, 1)
    T = integer("T", T, 1)
    t = np.arange(T)
    return (1.0 + 1.0 / positive("gamma_tilde", gamma_tilde) ** 2) * (1.0 - (L + 1) * positive("eta0", eta0)) ** (2 * t) + sigma ** 2


def lazy_powerlaw_loss(L, eta0, T, lam, b2, weights=None):
    """Lazy (gamma0 -> 0) population closed form on power-law data (notes §2.6):
    ``L(t) = sum_k w_k lambda_k b_k^2 (1 - (L+1) eta0 lambda_k)^{2t}``."""
    L = integer("L", L, 1)
    T = integer("T", T, 1)
    eta0 = positive("eta0", eta0)
    lam = np.asarray(lam, dtype=float); b2 = np.asarray(b2, dtype=float)
    w = np.ones(lam.size) if weights is None else np.asarray(weights, dtype=float)
    t = np.arange(T)[:, None]
    return (w * lam * b2 * (1.0 - (L + 1) * eta0 * lam) ** (2 * t)).sum(1)


def rich_exponent(beta):
    """Rich-regime exponent of notes §2.6 [S]: ``2 beta/(1+beta)`` for ``beta < 1``, ``beta`` otherwise."""
    beta = positive("beta", beta)
    return 2 * beta / (1 + beta) if beta < 1 else beta
