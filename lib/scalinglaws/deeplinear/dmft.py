"""DMFT of deep linear networks trained by GD from random initialisation: validation and dispatch.

Model (Eqs. (T3.1)-(T3.3) of the theory page, ours "equivalent up to rescaling of (gamma0, eta0)" to
Bordelon & Pehlevan 2025): ``h^1 = W^0 x/sqrt(D)``, ``h^{l+1} = W^l h^l/sqrt(N)`` (or
``h^l + b W^l h^l/sqrt(N)`` in the residual net, Eq. (T3.32)), ``f = w.h^L/(gamma0 sqrt(nu N))``, raw LR
``eta = eta0 gamma0^2 N`` on the loss ``(1/2) L_hat``.  muP holds gamma0 fixed; NTK uses
``gamma0 = gamma_tilde/sqrt(nu)`` (Eq. (T3.3)).

In the proportional limit ``D -> inf`` at fixed ``(nu, alpha, L, T)`` every quantity is a
``T x T`` correlation or response matrix (Eqs. (T3.9)-(T3.18)); :mod:`.fixed_point` states the equations as
dense matrix algebra.  The solvers:

* :func:`dmft_dln`, ``method="causal"`` (main path, numba): the single-pass causal solver of
  Eqs. (T3.21)-(T3.26) (:mod:`._causal`; residual networks :mod:`._residual`).  Every single-site
  variable is kept as a linear map of its Gaussian sources; row ``t`` of every map, correlation and
  response is computed from rows ``< t`` in the order backward pass -> D/P-site -> forward pass.
  Cost ``O(L T^3)`` (residual: ``O(L^2 T^3)``), no iterations, so a divergence it reports is a
  genuine geometric blow-up of the loss, never an unconverged iteration.
* ``method="fixed_point"`` (NumPy reference, non-residual only): :mod:`.fixed_point`.
* :func:`dmft_powerlaw`: power-law data (Eqs. (T3.36)-(T3.43)), per-mode D-site
  ``x_k = (I - lambda_k H)^-1 1``, ``C_e = sum_k lambda_k^2 b_k^2 x_k x_k^T``,
  ``L(t) = sum_k lambda_k b_k^2 x_k(t)^2`` at infinite width (Eq. (T3.42), packed kernel), or the
  general per-mode kernel at finite width / online SGD (Eqs. (T3.38)-(T3.41), :mod:`._powerlaw`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._validation import choice, flag, integer, nonnegative, positive
from ..compare import DIVERGENCE_FACTOR
from ._checks import noise as _noise, memory, weights as _weights
from ._causal import _causal_kernel
from ._powerlaw import _powerlaw_general_kernel
from ._residual import _res_causal_kernel
from .data import check_spectrum
from .fixed_point import DMFTConvergenceError, _fixed_point_numpy
from .modes import FULL_BATCH, ONLINE_SGD, POPULATION

__all__ = ["DMFTResult", "dmft_dln", "dmft_powerlaw", "gamma0_of", "DIVERGENCE_FACTOR"]


@dataclass
class DMFTResult:
    """Loss curves of one DMFT solve (``t = 0..T-1``; entries after a divergence are ``inf``).

    ``diverged`` is True when the loss exceeded ``DIVERGENCE_FACTOR * L(0)`` or overflowed (a
    genuine blow-up: the causal solver has no iteration that could fail to converge, and the
    fixed point reports it the same way, see :func:`dmft_dln`); ``t_diverged`` is then the
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
    """Richness ``gamma0(nu)``: muP keeps ``gamma0 = gamma_base``; NTK uses ``gamma_base/sqrt(nu)``
    (Eq. (T3.3)).

    ``parameterization``: ``"mup"`` or ``"ntk"``; ``gamma_base``: finite real > 0; ``nu``: real > 0,
    ``np.inf`` allowed in muP only.  Raises ``ValueError`` otherwise."""
    parameterization = choice("parameterization", parameterization, ("mup", "ntk"))
    g = positive("gamma_base", gamma_base)
    nu = positive("nu", nu, allow_inf=True)
    if parameterization == "mup":
        return g
    if nu == math.inf:
        raise ValueError("`nu` must be finite for the NTK parameterisation (gamma0 -> 0)")
    out = g / math.sqrt(nu)
    if not out > 0:
        raise ValueError(f"`gamma_base`/sqrt(`nu`) underflows to 0 (gamma_base = {g!r}, nu = {nu!r})")
    return out


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
    """Train/test loss of a deep linear network from the proportional-limit DMFT (Eqs. (T3.14)-(T3.20);
    residual networks Eqs. (T3.32)-(T3.35)).

    Parameters
    ----------
    L : depth (hidden layers; residual: number of residual blocks), integer >= 1.
    nu : width ratio N/D > 0 (``np.inf`` allowed in muP: infinite width, A^0 = 0, no v^0 noise).
    gamma0 : richness > 0; in ``parameterization="ntk"`` this is gamma_tilde and ``gamma0 = gamma_tilde/sqrt(nu)``.
    eta0 : LR in muP units (raw LR ``eta0 gamma0^2 N``); finite, > 0.
    T : number of steps (losses at t = 0..T-1), integer >= 1.
    alpha : data ratio P/D > 0 for full-batch GD; ``alpha_B``: batch ratio > 0 for online SGD; neither =
        population GD (at most one of them).
    sigma : label-noise std (finite, >= 0).  centred: train ``f - f_0`` (Eq. (T3.20)), a bool.
    parameterization : ``"mup"`` or ``"ntk"``.
    residual : bool, residual net with branch scale ``branch`` (finite, >= 0; default ``beta0/sqrt(L)``
        with ``beta0`` finite, >= 0; Eq. (T3.32)).  ``branch`` without ``residual=True`` is an error.
    method : ``"causal"`` (numba single pass, Eqs. (T3.21)-(T3.26)) or ``"fixed_point"`` (NumPy growing
        window of ``window`` >= 1 steps, Eq. (T3.27), non-residual only).

    Returns a :class:`DMFTResult`.  Divergence is an outcome, not an error: a loss above
    ``DIVERGENCE_FACTOR * L(0)`` (or overflowing) sets ``diverged`` and ``t_diverged``, and the
    curves are ``inf`` from ``t_diverged`` on, for both methods (the fixed point also reports a
    window whose iteration breaks down while its loss is past that threshold as divergence).
    Raises ``ValueError`` for bad inputs (also when the ``O(L T^2)`` working memory would exceed
    4 GiB) and :class:`DMFTConvergenceError` if a fixed-point window does not converge at a
    non-divergent rate.  A loss within the rounding floor ``64 eps (1 + 1/(gamma0^2 nu) + sigma^2)``
    below 0 (the centred variant at tiny ``gamma0``) is returned as 0; a more negative one raises
    :class:`DMFTConvergenceError`.
    """
    L = integer("L", L, 1)
    T = integer("T", T, 1)
    nu = positive("nu", nu, allow_inf=True)
    gamma0 = positive("gamma0", gamma0)
    parameterization = choice("parameterization", parameterization, ("mup", "ntk"))
    g = gamma0_of(parameterization, gamma0, nu)
    eta0 = positive("eta0", eta0)
    sigma = _noise(sigma)
    centred = flag("centred", centred)
    residual = flag("residual", residual)
    method = choice("method", method, ("causal", "fixed_point"))
    mode, alpha_v, alpha_Bv = _mode(alpha, alpha_B)
    if residual:
        memory(8.0 * T * T * (4.0 * (L + 1) ** 2 + 2 * (L + 1) + 16), "`T` and `L`", f"a residual DMFT of L = {L}, T = {T}")
    elif method == "fixed_point":
        memory(8.0 * T * T * (4 * L + 30), "`T` and `L`", f"a fixed-point DMFT of L = {L}, T = {T}")
    else:
        memory(8.0 * T * T * (3 * L + 10), "`T` and `L`", f"a DMFT of L = {L}, T = {T}")
    if nu != math.inf and not (g * g * nu > 0 and math.isfinite(1.0 / (g * g * nu))):
        raise ValueError(f"`gamma0` and `nu`: 1/(gamma0^2 nu) must be finite, got gamma0 = {g!r}, nu = {nu!r}")
    inv_g2nu = 0.0 if nu == math.inf else 1.0 / (g * g * nu)
    inv_gnu = 0.0 if nu == math.inf else 1.0 / (g * nu)
    params = dict(L=L, nu=nu, gamma0=g, eta0=eta0, T=T, alpha=alpha, alpha_B=alpha_B, sigma=sigma,
                  parameterization=parameterization, centred=centred, residual=residual)
    if not residual and branch is not None:
        raise ValueError("`branch` is the residual branch scale: give it only with `residual=True`")
    scalars = dict(mode=mode, centred=bool(centred), inv_g2nu=inv_g2nu, inv_gnu=inv_gnu, gamma0=g, eta0=eta0,
                   alpha=alpha_v, alpha_B=alpha_Bv, sigma2=sigma ** 2)
    if residual:
        if branch is None:
            b = nonnegative("beta0", beta0) / math.sqrt(L)
        else:
            b = nonnegative("branch", branch)
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
        te, tr, tdiv, Cg1, H = _fixed_point_numpy(L=L, T=T, window=window, **scalars)
    floor = _ROUNDING * (1.0 + inv_g2nu + sigma ** 2)
    te, tr = _clip_rounding(te, floor, "test"), _clip_rounding(tr, floor, "train")
    return DMFTResult(test=te, train=tr, diverged=tdiv >= 0, t_diverged=(tdiv if tdiv >= 0 else None),
                      Cg1=Cg1, H=H, params=params)


# relative rounding floor of a DMFT loss: the centred variant subtracts terms of size
# 1/(gamma0^2 nu) (the initial function's variance), so near gamma0 -> 0 a loss that is truly
# ~0 comes out as +-1e-17 * 1/(gamma0^2 nu) (measured: -1.4e-11 at 1/(gamma0^2 nu) = 2e6)
_ROUNDING = 64 * np.finfo(float).eps


def _clip_rounding(curve, floor, name):
    """A loss in ``(-floor, 0)`` is rounding of a loss ~0 and is returned as 0; a loss below
    ``-floor`` is a solver failure and raises (never a negative loss returned)."""
    fin = np.isfinite(curve)
    neg = fin & (curve < 0)
    if np.any(curve[neg] < -floor):
        raise DMFTConvergenceError(f"the DMFT {name} loss came out negative ({curve[neg].min():.3g}) beyond its "
                                   f"rounding floor {floor:.3g}: the solve lost precision (gamma0 too small?)")
    if np.any(neg):
        curve = curve.copy()
        curve[neg] = 0.0
    return curve


def dmft_powerlaw(L, gamma0, eta0, T, lam, b2, *, N=math.inf, batch=None, sigma=0.0, weights=None,
                  method="auto"):
    """muP DMFT on trace-normalised power-law data (Eqs. (T3.36)-(T3.43)), population GD or online SGD.

    Infinite width and population GD (``N = inf``, ``batch = None``; Eq. (T3.42)): per mode
    ``x_k(t) = 1 + lambda_k sum_{s<t} H(t,s) x_k(s)``; ``L(t) = sum_k lambda_k b_k^2 x_k(t)^2``,
    ``C_e(t,s) = sum_k lambda_k^2 b_k^2 x_k(t) x_k(s)``; layer equations as in :func:`dmft_dln`.
    Lazy limit (gamma0 -> 0): ``L(t) = sum_k lambda_k b_k^2 (1 - (L+1) eta0 lambda_k)^{2t}`` (Eq. (T3.44)).

    Finite width ``N`` and/or online SGD with batch size ``batch`` (our extension, Eqs. (T3.38)-(T3.41),
    derived like the isotropic terms of Eq. (T3.14)): per mode ``R_k = (I - lambda_k H)^-1`` and
    ``delta_k = R_k (xi_k - b_k 1 + H n_k)`` with

    * ``xi_k ~ GP(0, C_g^1/(gamma0^2 N))`` (random initial bulk of ``W^0``; ``L(0) = 1 + 1/(gamma0^2 N)``)
      and the Onsager term ``A^0 = (gamma0 N)^-1 sum_k lambda_k R_k``;
    * white batch noise ``n_k(s)`` of variance ``v_k(s) = [lambda_k (L(s)) + lambda_k^2 C_{delta,k}(s,s)]/B``
      (Gaussian fourth moment of ``e = X_B^T X_B delta/B - X_B^T eps sigma/B``; ``L(s)`` includes ``sigma^2``);

    ``e_k = lambda_k delta_k + n_k``, ``L(t) = sum_k w_k lambda_k C_{delta,k}(t,t) + sigma^2``.  Cost
    ``O(K T^3)`` time and ``K T^2`` memory: use :func:`binned_powerlaw_spectrum` (``weights`` = bin sizes).

    ``method``: ``"auto"`` (fast ``x_k`` path when ``N = inf`` and ``batch = None`` and no weights),
    ``"modes"`` (the general per-mode kernel, always).

    Inputs: ``L``, ``T`` integers >= 1; ``gamma0``, ``eta0`` finite reals > 0; ``N`` real > 0 or
    ``np.inf``; ``batch`` ``None`` or an integer >= 1; ``sigma`` finite, >= 0; ``lam``, ``b2``,
    ``weights`` as :func:`check_spectrum` (``weights`` finite, > 0, default 1).  Raises
    ``ValueError`` otherwise (also past 4 GiB of working memory).  Divergence (loss above
    ``DIVERGENCE_FACTOR * L(0)``) is flagged in the result (``diverged``, ``t_diverged``), as in
    :func:`dmft_dln`.
    """
    L = integer("L", L, 1)
    T = integer("T", T, 1)
    g = positive("gamma0", gamma0)
    eta0 = positive("eta0", eta0)
    N = positive("N", N, allow_inf=True)
    invB = 0.0 if batch is None else 1.0 / integer("batch", batch, 1)
    sigma = _noise(sigma)
    lam, b2 = check_spectrum(lam, b2, 1)
    w = np.ones(lam.size) if weights is None else _weights("weights", weights, lam.size)
    method = choice("method", method, ("auto", "modes"))
    if not np.isfinite(np.sum(w * lam * b2)):
        raise ValueError("`lam`, `b2` and `weights` must give a finite L(0) = sum w lambda b^2")
    params = dict(L=L, gamma0=g, eta0=eta0, T=T, K=lam.size, N=N, batch=batch, sigma=sigma)
    if method == "auto" and N == math.inf and batch is None and weights is None:
        memory(8.0 * (T * T * (3 * L + 10) + T * lam.size), "`T`, `L` and `lam`",
               f"a DMFT of L = {L}, T = {T}, K = {lam.size}")
        te, tr, tdiv, Cg1, H = _causal_kernel(L=L, T=T, mode=POPULATION, centred=False, powerlaw=True,
                                              inv_g2nu=0.0, inv_gnu=0.0, gamma0=g, eta0=eta0, alpha=1.0,
                                              alpha_B=1.0, sigma2=0.0, lam=lam, wce=lam ** 2 * b2, wL=lam * b2,
                                              div_factor=DIVERGENCE_FACTOR)
        te = te + sigma ** 2
        tr = te.copy()
    else:
        if T * T * lam.size > 2.5e8:
            raise ValueError(f"`T` and `lam`: T^2 K = {T * T * lam.size:.3g} > 2.5e8 (memory): bin the modes "
                             "(binned_powerlaw_spectrum) or shorten T")
        memory(8.0 * (T * T * (6 * L + 6) + 3 * T * lam.size), "`T` and `L`", f"a DMFT of L = {L}, T = {T}")
        if N != math.inf and not (g * g * N > 0 and math.isfinite(1.0 / (g * g * N))):
            raise ValueError(f"`gamma0` and `N`: 1/(gamma0^2 N) must be finite, got gamma0 = {g!r}, N = {N!r}")
        cxi = 0.0 if N == math.inf else 1.0 / (g * g * N)
        cA = 0.0 if N == math.inf else 1.0 / (g * N)
        te, tdiv, Cg1, H = _powerlaw_general_kernel(L=L, T=T, gamma0=g, eta0=eta0, lam=lam, b2=b2, w=w, cxi=cxi,
                                                    cA=cA, invB=invB, sigma2=sigma ** 2,
                                                    div_factor=DIVERGENCE_FACTOR)
        tr = te.copy()
    return DMFTResult(test=te, train=tr, diverged=tdiv >= 0, t_diverged=(tdiv if tdiv >= 0 else None),
                      Cg1=Cg1, H=H, params=params)
