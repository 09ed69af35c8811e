"""Exact simulation of the linear random-feature model (Eqs. (T2.5)-(T2.9)), no time stepping.

Equation numbers ``Eq. (T2.n)`` refer to the book's theory page for paper 2
(``chapters/theory/p2_dynamical.md``).

Each draw samples ``A ~ N(0,1)^{N x M}`` and ``Z ~ N(0,1)^{P x M}`` (Gaussian-equivalent data
``Psi = Z Lambda^{1/2}``), factorises once, and evaluates the gradient-flow solution from
``w(0) = 0`` at every requested time in closed form:

* P = inf (Eq. (T2.5)):  ``K = A Lambda A^T / N = U mu U^T``, ``c = U^T A Lambda w* / sqrt(N)``
  (``g`` there), ``L(t) = |Lambda^{1/2} w*|^2 - sum_j (c_j^2 / mu_j)(1 - e^{-2 mu_j t})``;
* N = inf (Eq. (T2.6)):  ``X = Z Lambda^{1/2} / sqrt(P) = U s V^T``, ``v(t) = w* - V[(1 - e^{-s^2 t}) V^T w*]``,
  ``L = sum lambda v^2``, ``Lhat = sum_j s_j^2 (V^T w*)_j^2 e^{-2 s_j^2 t}``;
* general (Eq. (T2.7)): ``B = A Lambda^{1/2} Z^T / sqrt(N P) = U s V^T``, ``q = V^T y~``,
  ``u(t) = [(1 - e^{-s^2 t}) / s] q``, ``D = Lambda^{1/2} A^T U / sqrt(N)``,
  ``L = |e|^2 - 2 (D^T e) . u + u^T (D^T D) u``, ``Lhat = |y~|^2 - 2 sum q s u + sum (s u)^2``.

Discrete gradient descent with step eta (Eq. (T2.8)) replaces ``e^{-mu t}`` by ``(1 - eta mu)^n`` with
``n = t / eta`` steps (t must be a multiple of eta; stability needs eta mu_max < 2, checked).
Losses are averaged over seeds (the mean of the losses, the quantity the theory predicts: Eq. (T2.4))
with standard errors (:class:`scalinglaws.compare.SimResult`).
"""
from __future__ import annotations

import math
import numpy as np
from .._blas import blas_limits

from .._validation import array, integer
from . import _checks
from ..compare import SimResult

__all__ = ["simulate", "simulate_ensemble", "draw_loss", "decay_factor"]


_M_MAX = 10 ** 7          # modes of a dense simulation
_ELEMENTS_MAX = 2 * 10 ** 8   # entries of one Gaussian matrix (N x M or P x M): 1.6 GB
_E_MAX = 10_000


def _problem(a, b, M):
    M = integer("M", M, 1, _M_MAX)
    a, b = _checks.exponents(a, b, M)
    k = np.arange(1, M + 1, dtype=float)
    lam = k ** -b
    wstar = k ** (-(a - b) / 2)          # lambda_k w_k^2 = k^-a
    return lam, wstar


def _check_width(v, name, M):
    if v is None or (isinstance(v, (float, np.floating)) and v == math.inf):
        return None
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"`{name}` must be an integer >= 1, None or np.inf, got {v!r}")
    if v > M:
        raise ValueError(f"`{name}` must be <= M = {M} (otherwise the model recovers the truncated "
                         f"target and the comparison is meaningless), got {name} = {v}")
    if v * M > _ELEMENTS_MAX:
        raise ValueError(f"`{name}` x `M` must be <= {_ELEMENTS_MAX:.0e} (one Gaussian matrix), got {v} x {M}")
    return int(v)


def _check_t_eta(t, eta, *, lo_open=True):
    """Times: 1-D, finite, > 0 (>= 0 without ``lo_open``); with eta, integer multiples of eta."""
    t = array("t", t, ndim=(0, 1), lo=0.0, lo_open=lo_open).reshape(-1)
    eta = _checks.eta(eta)
    if eta is not None:
        n = t / eta
        if np.any(np.abs(n - np.rint(n)) > 1e-9 * np.maximum(n, 1)) or (lo_open and np.any(np.rint(n) < 1)):
            raise ValueError("with `eta` given, every `t` must be a positive integer multiple of eta (t = eta x steps)")
    return t, eta


def decay_factor(mu, t, eta=None):
    """``e^{-mu t}`` (gradient flow) or ``(1 - eta mu)^{t/eta}`` (GD with step eta), shape (len(t), len(mu)).

    ``mu`` (rates) and ``t`` (times): scalars or 1-D arrays of finite numbers >= 0; ``eta`` None or a
    finite step > 0 with ``eta max(mu) < 2`` (GD stability) and every t an integer multiple of eta.
    Raises ValueError otherwise.
    """
    mu = array("mu", mu, ndim=(0, 1), lo=0.0).reshape(-1)
    t, eta = _check_t_eta(t, eta, lo_open=False)
    if mu.size:
        _check_stable(eta, float(mu.max()))
    if eta is None:
        return np.exp(-np.outer(t, mu))
    n = np.rint(t / eta)
    return (1 - eta * mu)[None, :] ** n[:, None]


def _one_minus_over(mu, t, eta):
    """(1 - decay(mu, t)) / mu, with the mu -> 0 limit (t) handled without cancellation."""
    mu = np.maximum(np.asarray(mu, float), 0.0)
    if eta is None:
        x = np.outer(t, mu)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = -np.expm1(-x) / mu[None, :]
        return np.where(mu[None, :] > 0, r, t[:, None])
    n = np.rint(t / eta)
    base = 1 - eta * mu[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = -np.expm1(n[:, None] * np.log1p(-eta * np.minimum(mu, 0.5 / eta)[None, :])) / mu[None, :]
        r = np.where(base > 0.5, pos, (1 - base ** n[:, None]) / mu[None, :])
    return np.where(mu[None, :] > 0, r, (eta * n)[:, None])


def draw_loss(a, b, M, N, P, t, rng, *, eta=None):
    """Test and train loss of ONE draw (A, Z) at times ``t`` (gradient flow, or GD with step eta).

    ``N = None`` / ``np.inf`` is the kernel limit, ``P = None`` / ``np.inf`` the online limit.
    Inputs: a > 1, b > 0, M an integer in [1, 1e7], N and P integers in [1, M] (or None / np.inf),
    ``t`` a scalar or 1-D array of finite times > 0, ``rng`` a ``numpy.random.Generator``, ``eta``
    None or a finite step > 0 with every t a multiple of eta.  ValueError (TypeError for ``rng``)
    otherwise; ValueError naming ``eta`` if GD is unstable (eta lambda_max >= 2).
    """
    lam, ws = _problem(a, b, M)
    N = _check_width(N, "N", M)
    P = _check_width(P, "P", M)
    t, eta = _check_t_eta(t, eta)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"`rng` must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    e = np.sqrt(lam) * ws
    e2 = float(e @ e)
    with blas_limits():
        if P is None and N is None:
            _check_stable(eta, lam.max())
            L = (e ** 2 * np.exp(-2 * np.outer(t, lam))).sum(1) if eta is None else \
                (e ** 2 * decay_factor(lam, t, eta) ** 2).sum(1)
            return L, L.copy()
        if P is None:
            A = rng.standard_normal((N, M))
            AL = A * lam
            K = AL @ A.T / N
            mu, U = np.linalg.eigh(K)
            mu = np.maximum(mu, 0.0)
            _check_stable(eta, mu.max())
            c = U.T @ (AL @ ws) / math.sqrt(N)
            g = _one_minus_over(mu, 2 * t, eta)     # (1 - d^2)/mu, d = decay(mu, t)
            L = e2 - (g * c ** 2).sum(1)
            return L, L.copy()
        Z = rng.standard_normal((P, M))
        if N is None:
            X = Z * np.sqrt(lam) / math.sqrt(P)
            U, s, Vt = np.linalg.svd(X, full_matrices=False)
            _check_stable(eta, (s ** 2).max())
            p = Vt @ ws
            VL = Vt * lam
            Gm = VL @ Vt.T
            bvec = VL @ ws
            f = (1 - decay_factor(s ** 2, t, eta)) * p
            L = float(ws @ (lam * ws)) - 2 * f @ bvec + np.einsum("ti,ij,tj->t", f, Gm, f)
            Lh = ((s ** 2 * p ** 2)[None, :] * decay_factor(s ** 2, t, eta) ** 2).sum(1)
            return L, Lh
        A = rng.standard_normal((N, M))
        sl = np.sqrt(lam)
        B = (A * sl) @ Z.T / math.sqrt(N * P)
        U, s, Vt = np.linalg.svd(B, full_matrices=False)
        _check_stable(eta, (s ** 2).max())
        ytil = Z @ e / math.sqrt(P)
        q = Vt @ ytil
        D = (A.T @ U) * sl[:, None] / math.sqrt(N)
        DtD = D.T @ D
        Dte = D.T @ e
        u = _one_minus_over(s ** 2, t, eta) * s[None, :] * q[None, :]
        L = e2 - 2 * u @ Dte + np.einsum("ti,ij,tj->t", u, DtD, u)
        su = s[None, :] * u
        Lh = float(ytil @ ytil) - 2 * (su * q[None, :]).sum(1) + (su ** 2).sum(1)
        return L, Lh


def _check_stable(eta, mumax):
    if eta is not None and eta * mumax >= 2:
        raise ValueError(f"`eta` = {eta} is unstable: eta * lambda_max(FG) = {eta * mumax:.3f} >= 2 (need < 2)")


def _check_common(t, n_seeds, eta):
    t, eta = _check_t_eta(t, eta)
    integer("n_seeds", n_seeds, 2)   # a standard error needs two draws
    return t


def _seeded_draw(a, b, M, N, P, t, eta, seed, draw):
    # draw number ``draw`` of base ``seed`` has its own stream: results do not depend on which
    # worker runs which draw, or in which order
    return draw_loss(a, b, M, N, P, t, np.random.default_rng([seed, draw]), eta=eta)


def simulate(a, b, M, N, P, t, *, n_seeds=8, seed=0, eta=None, executor="auto") -> SimResult:
    """Seed average of :func:`draw_loss` (mean and standard error of the losses over draws).

    Draw ``i`` uses the generator ``default_rng([seed, i])``; the draws run through
    :func:`scalinglaws.sweep.sweep` on ``executor`` (default: serial unless ``reproduce
    --processes/--scheduler`` asked for a pool or a Dask cluster), with identical results.
    Inputs as for :func:`draw_loss`, plus ``n_seeds`` an integer >= 2 and ``seed`` an integer >= 0
    (ValueError otherwise, raised before any draw).
    """
    from ..sweep import sweep
    t = _check_common(t, n_seeds, eta)
    seed = integer("seed", seed, 0)
    _, _ = _problem(a, b, M)
    _check_width(N, "N", M)
    _check_width(P, "P", M)
    pts = [dict(a=a, b=b, M=M, N=N, P=P, t=t, eta=eta, seed=int(seed), draw=i) for i in range(n_seeds)]
    runs = sweep(_seeded_draw, pts, executor=executor, progress=False)
    return SimResult.from_draws(t, [r[0] for r in runs], [r[1] for r in runs])


def simulate_ensemble(a, b, M, N, E, t, *, n_seeds=8, seed=0) -> SimResult:
    """Online (P = inf) ensemble: average the predictors of E members with independent A (Eq. (T2.9)).

    ``v_E(t) = w* - (1/E) sum_e A_e^T w_e(t) / sqrt(N)``, ``L_E = v_E^T Lambda v_E``; each member
    solved exactly in its eigenbasis.  Returned ``train`` equals ``test`` (online).
    Inputs: as for :func:`simulate`, with N a finite integer in [1, M] and E an integer in [1, 10000]
    (ValueError otherwise).
    """
    t = _check_common(t, n_seeds, None)
    lam, ws = _problem(a, b, M)
    if N is None or (isinstance(N, (float, np.floating)) and N == math.inf):
        raise ValueError(f"`N` must be a finite integer >= 1 for an ensemble, got {N!r}")
    N = _check_width(N, "N", M)
    E = integer("E", E, 1, _E_MAX)
    seed = integer("seed", seed, 0)
    rng = np.random.default_rng(seed)
    draws = []
    with blas_limits():
        for _ in range(n_seeds):
            pred = np.zeros((t.size, M))
            for _e in range(E):
                A = rng.standard_normal((N, M))
                AL = A * lam
                mu, U = np.linalg.eigh(AL @ A.T / N)
                mu = np.maximum(mu, 0.0)
                c = U.T @ (AL @ ws) / math.sqrt(N)
                u = _one_minus_over(mu, t, None) * c[None, :]       # w = U u
                pred += (u @ U.T) @ A / math.sqrt(N)
            v = ws[None, :] - pred / E
            draws.append((lam * v ** 2).sum(1))
    return SimResult.from_draws(t, draws, draws)
