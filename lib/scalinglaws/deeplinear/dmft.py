"""DMFT of deep linear networks trained by GD from random initialisation: validation and dispatch.

Model (notes 03 §1.2, ours "equivalent up to rescaling of (gamma0, eta0)" to Bordelon & Pehlevan
2025): ``h^1 = W^0 x/sqrt(D)``, ``h^{l+1} = W^l h^l/sqrt(N)`` (or ``h^l + b W^l h^l/sqrt(N)`` in the
residual net, §1.4), ``f = w.h^L/(gamma0 sqrt(nu N))``, raw LR ``eta = eta0 gamma0^2 N`` on the loss
``(1/2) L_hat``.  muP holds gamma0 fixed; NTK uses ``gamma0 = gamma_tilde/sqrt(nu)`` (§1.2).

In the proportional limit ``D -> inf`` at fixed ``(nu, alpha, L, T)`` every quantity is a
``T x T`` correlation or response matrix (§2.2-2.3); :mod:`.fixed_point` states the equations as
dense matrix algebra.  The solvers:

* :func:`dmft_dln`, ``method="causal"`` (main path, numba): the single-pass causal solver of §2.7b
  (:mod:`._causal`; residual networks :mod:`._residual`).  Every single-site variable is kept as a
  linear map of its Gaussian sources; row ``t`` of every map, correlation and response is computed
  from rows ``< t`` in the order backward pass -> D/P-site -> forward pass.  Cost ``O(L T^3)``
  (residual: ``O(L^2 T^3)``), no iterations, so a divergence it reports is a genuine geometric
  blow-up of the loss, never an unconverged iteration.
* ``method="fixed_point"`` (NumPy reference, non-residual only): :mod:`.fixed_point`.
* :func:`dmft_powerlaw`: power-law data (§2.6), per-mode D-site ``x_k = (I - lambda_k H)^-1 1``,
  ``C_e = sum_k lambda_k^2 b_k^2 x_k x_k^T``, ``L(t) = sum_k lambda_k b_k^2 x_k(t)^2`` at infinite
  width (packed kernel), or the general per-mode kernel at finite width / online SGD
  (:mod:`._powerlaw`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._validation import integer, nonnegative, positive
from ..compare import DIVERGENCE_FACTOR
from ._causal import _causal_kernel
from ._powerlaw import _powerlaw_general_kernel
from ._residual import _res_causal_kernel
from .data import check_spectrum
from .fixed_point import _fixed_point_numpy
from .modes import FULL_BATCH, ONLINE_SGD, POPULATION

__all__ = ["DMFTResult", "dmft_dln", "dmft_powerlaw", "gamma0_of", "DIVERGENCE_FACTOR"]


@dataclass
class DMFTResult:
    """Loss curves of one DMFT solve (``t = 0..T-1``; entries after a divergence are ``inf``).

    ``diverged`` is True when the loss exceeded ``DIVERGENCE_FACTOR * L(0)`` (a genuine blow-up:
    the causal solver has no iteration that could fail to converge); ``t_diverged`` is then the
    first step at which it did.  ``Cg1`` is ``C_g^1`` (the first-layer backward kernel), ``H`` the
    transfer function; both are filled up to ``t_diverged``.
    """
    test: np.ndarray
    train: np.ndarray
    diverged: bool
    t_diverged: int | None
    Cg1: np.ndarray
    H: np.ndarray
    params: dict = field(default_factory=dict)


def gamma0_of(parameterization: str, gamma_base: float, nu: float) -> float:
    """Richness ``gamma0(nu)``: muP keeps ``gamma0 = gamma_base``; NTK uses ``gamma_base/sqrt(nu)`` (§1.2)."""
    g = positive("gamma_base", gamma_base)
    nu = positive("nu", nu, allow_inf=True)
    if parameterization == "mup":
        return g
    if parameterization == "ntk":
        if nu == math.inf:
            raise ValueError("`nu` must be finite for the NTK parameterisation (gamma0 -> 0)")
        return g / math.sqrt(nu)
    raise ValueError(f"`parameterization` must be 'mup' or 'ntk', got {parameterization!r}")


def _mode(alpha, alpha_B):
    if alpha is not None and alpha_B is not None:
        raise ValueError("give at most one of `alpha` (full batch) and `alpha_B` (online SGD)")
    if alpha is not None:
        return FULL_BATCH, positive("alpha", alpha), 1.0
    if alpha_B is not None:
        return ONLINE_SGD, 1.0, positive("alpha_B", alpha_B)
    return POPULATION, 1.0, 1.0


def dmft_dln(L, nu, gamma0, eta0, T, *, alpha=None, alpha_B=None, sigma=0.0, parameterization="mup",
             centred=False, residual=False, branch=None, beta0=1.0, method="causal", window=2):
    """Train/test loss of a deep linear network from the proportional-limit DMFT (notes 03 §2.3, §2.5).

    Parameters
    ----------
    L : depth (hidden layers; residual: number of residual blocks), integer >= 1.
    nu : width ratio N/D > 0 (``np.inf`` allowed in muP: infinite width, A^0 = 0, no v^0 noise).
    gamma0 : richness; in ``parameterization="ntk"`` this is gamma_tilde and ``gamma0 = gamma_tilde/sqrt(nu)``.
    eta0 : LR in muP units (raw LR ``eta0 gamma0^2 N``); > 0.
    T : number of steps (losses at t = 0..T-1).
    alpha : data ratio P/D for full-batch GD; ``alpha_B``: batch ratio for online SGD; neither = population GD.
    sigma : label-noise std (>= 0).  centred: train ``f - f_0`` (§2.3).
    residual : residual net with branch scale ``branch`` (default ``beta0/sqrt(L)``, §1.4).
    method : ``"causal"`` (numba single pass, §2.7b) or ``"fixed_point"`` (NumPy growing window, §2.7a,
        non-residual only, raises :class:`DMFTConvergenceError` if unconverged).

    Returns a :class:`DMFTResult`; a loss blow-up past ``DIVERGENCE_FACTOR * L(0)`` sets ``diverged``.
    """
    L = integer("L", L, 1)
    T = integer("T", T, 1)
    nu = positive("nu", nu, allow_inf=True)
    g = gamma0_of(parameterization, gamma0, nu)
    eta0 = positive("eta0", eta0)
    sigma = nonnegative("sigma", sigma)
    mode, alpha_v, alpha_Bv = _mode(alpha, alpha_B)
    inv_g2nu = 0.0 if nu == math.inf else 1.0 / (g * g * nu)
    inv_gnu = 0.0 if nu == math.inf else 1.0 / (g * nu)
    params = dict(L=L, nu=nu, gamma0=g, eta0=eta0, T=T, alpha=alpha, alpha_B=alpha_B, sigma=sigma,
                  parameterization=parameterization, centred=centred, residual=residual)
    if not residual and branch is not None:
        raise ValueError("`branch` is the residual branch scale: give it only with `residual=True`")
    scalars = dict(mode=mode, centred=bool(centred), inv_g2nu=inv_g2nu, inv_gnu=inv_gnu, gamma0=g, eta0=eta0,
                   alpha=alpha_v, alpha_B=alpha_Bv, sigma2=sigma ** 2)
    if residual:
        b = beta0 / math.sqrt(L) if branch is None else branch
        b = positive("branch", b, allow_zero=True)
        params["branch"] = b
        if method != "causal":
            raise ValueError("`method` must be 'causal' for residual networks")
        te, tr, tdiv, Cg1, H = _res_causal_kernel(L=L, T=T, b=b, div_factor=DIVERGENCE_FACTOR, **scalars)
    elif method == "causal":
        no_modes = np.zeros(1)
        te, tr, tdiv, Cg1, H = _causal_kernel(L=L, T=T, powerlaw=False, lam=no_modes, wce=no_modes, wL=no_modes,
                                              div_factor=DIVERGENCE_FACTOR, **scalars)
    elif method == "fixed_point":
        window = integer("window", window, 1)
        te, tr, Cg1, H = _fixed_point_numpy(L=L, T=T, window=window, **scalars)
        bad = ~np.isfinite(te) | (te > DIVERGENCE_FACTOR * te[0])
        tdiv = int(np.argmax(bad)) if bad.any() else -1
        if tdiv >= 0:
            te = te.copy(); tr = tr.copy(); te[tdiv:] = np.inf; tr[tdiv:] = np.inf
    else:
        raise ValueError(f"`method` must be 'causal' or 'fixed_point', got {method!r}")
    return DMFTResult(test=te, train=tr, diverged=tdiv >= 0, t_diverged=(tdiv if tdiv >= 0 else None),
                      Cg1=Cg1, H=H, params=params)


def dmft_powerlaw(L, gamma0, eta0, T, lam, b2, *, N=math.inf, batch=None, sigma=0.0, weights=None,
                  method="auto"):
    """muP DMFT on trace-normalised power-law data (notes §2.6, §2.7c), population GD or online SGD.

    Infinite width and population GD (``N = inf``, ``batch = None``, the notes' model): per mode
    ``x_k(t) = 1 + lambda_k sum_{s<t} H(t,s) x_k(s)``; ``L(t) = sum_k lambda_k b_k^2 x_k(t)^2``,
    ``C_e(t,s) = sum_k lambda_k^2 b_k^2 x_k(t) x_k(s)``; layer equations as in :func:`dmft_dln`.
    Lazy limit (gamma0 -> 0): ``L(t) = sum_k lambda_k b_k^2 (1 - (L+1) eta0 lambda_k)^{2t}``.

    Finite width ``N`` and/or online SGD with batch size ``batch`` (our extension of §2.6, derived like
    the isotropic §2.3 terms): per mode ``R_k = (I - lambda_k H)^-1`` and
    ``delta_k = R_k (xi_k - b_k 1 + H n_k)`` with

    * ``xi_k ~ GP(0, C_g^1/(gamma0^2 N))`` (random initial bulk of ``W^0``; ``L(0) = 1 + 1/(gamma0^2 N)``)
      and the Onsager term ``A^0 = (gamma0 N)^-1 sum_k lambda_k R_k``;
    * white batch noise ``n_k(s)`` of variance ``v_k(s) = [lambda_k (L(s)) + lambda_k^2 C_{delta,k}(s,s)]/B``
      (Gaussian fourth moment of ``e = X_B^T X_B delta/B - X_B^T eps sigma/B``; ``L(s)`` includes ``sigma^2``);

    ``e_k = lambda_k delta_k + n_k``, ``L(t) = sum_k w_k lambda_k C_{delta,k}(t,t) + sigma^2``.  Cost
    ``O(K T^3)`` time and ``K T^2`` memory: use :func:`binned_powerlaw_spectrum` (``weights`` = bin sizes).

    ``method``: ``"auto"`` (fast ``x_k`` path when ``N = inf`` and ``batch = None`` and no weights),
    ``"modes"`` (the general per-mode kernel, always).
    """
    L = integer("L", L, 1)
    T = integer("T", T, 1)
    g = positive("gamma0", gamma0)
    eta0 = positive("eta0", eta0)
    N = positive("N", N, allow_inf=True)
    invB = 0.0 if batch is None else 1.0 / integer("batch", batch, 1)
    sigma = nonnegative("sigma", sigma)
    lam, b2 = check_spectrum(lam, b2, 1)
    w = np.ones(lam.size) if weights is None else np.ascontiguousarray(weights, dtype=float)
    if w.shape != lam.shape or not np.all(np.isfinite(w) & (w > 0)):
        raise ValueError("`weights` must be finite, > 0 and of the same length as `lam`")
    if method not in ("auto", "modes"):
        raise ValueError(f"`method` must be 'auto' or 'modes', got {method!r}")
    params = dict(L=L, gamma0=g, eta0=eta0, T=T, K=lam.size, N=N, batch=batch, sigma=sigma)
    if method == "auto" and N == math.inf and batch is None and weights is None:
        te, tr, tdiv, Cg1, H = _causal_kernel(L=L, T=T, mode=POPULATION, centred=False, powerlaw=True,
                                              inv_g2nu=0.0, inv_gnu=0.0, gamma0=g, eta0=eta0, alpha=1.0,
                                              alpha_B=1.0, sigma2=0.0, lam=lam, wce=lam ** 2 * b2, wL=lam * b2,
                                              div_factor=DIVERGENCE_FACTOR)
        te = te + sigma ** 2
        tr = te.copy()
    else:
        if T * T * lam.size > 2.5e8:
            raise ValueError(f"T^2 K = {T * T * lam.size:.3g} > 2.5e8 (memory): bin the modes "
                             "(binned_powerlaw_spectrum) or shorten T")
        cxi = 0.0 if N == math.inf else 1.0 / (g * g * N)
        cA = 0.0 if N == math.inf else 1.0 / (g * N)
        te, tdiv, Cg1, H = _powerlaw_general_kernel(L=L, T=T, gamma0=g, eta0=eta0, lam=lam, b2=b2, w=w, cxi=cxi,
                                                    cA=cA, invB=invB, sigma2=sigma ** 2,
                                                    div_factor=DIVERGENCE_FACTOR)
        tr = te.copy()
    return DMFTResult(test=te, train=tr, diverged=tdiv >= 0, t_diverged=(tdiv if tdiv >= 0 else None),
                      Cg1=Cg1, H=H, params=params)
