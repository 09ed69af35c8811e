"""Direct simulation of deep linear networks with exact rank-one GD updates (notes 03 §1.3-1.4, §2.6).

Network (ours, equivalent up to rescaling of (gamma0, eta0) to the paper's):
``h^1 = W^0 x/sqrt(D)``, ``h^{l+1} = W^l h^l/sqrt(N)`` (plain) or ``h^{l+1} = h^l + b W^l h^l/sqrt(N)``
(residual, ``l = 1..L``), ``f(x) = w.h^L/(gamma0 sqrt(nu N)) = beta.x/sqrt(D)``; all weights N(0,1) at
init; GD on ``(1/2) L_hat`` with raw LR ``eta = eta0 gamma0^2 N``.  With
``e = (sqrt(D)/P) X^T Delta`` (population: ``e = beta - beta*``), forward images ``r^1 = W^0 e/sqrt(D)``,
``r^{l+1} = W^l r^l/sqrt(N)`` and backward images ``g^L = w``, ``g^l = W^l^T g^{l+1}/sqrt(N)``, one
GD step is exactly (all gradients before any update)

    w   <- w   - eta0 gamma0 r^L
    W^l <- W^l - (eta0 gamma0 b_l/sqrt(N)) g^{l+1} r^l^T      (b_l = 1 plain, = b residual)
    W^0 <- W^0 - (eta0 gamma0/sqrt(D)) g^1 e^T

so one step costs O(PD + ND + L N^2) and the P hidden activations are never formed.

Power-law data (trace-normalised, §2.6): ``x ~ N(0, diag(lam))``, ``y = beta*.x``, the ``1/sqrt(D)``
factors are dropped: ``f = w.h^L/(gamma0 N)``, ``e = Lambda (beta - beta*)`` (population) or
``X_B^T X_B (beta - beta*)/B`` (online SGD), ``r^1 = W^0 e``, ``W^0 <- W^0 - eta0 gamma0 g^1 e^T``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy.linalg.blas import dger as _dger

from .dln_dmft import _int, _pos, gamma0_of

__all__ = ["SimResult", "simulate_dln", "simulate_seeds", "rank_one_step", "loss_half_train"]


@dataclass
class SimResult:
    """Seed-averaged curves: ``test``/``train`` means and standard errors over seeds (``t = 0..T-1``);
    ``diverged`` counts seeds whose loss became non-finite or exceeded 1e8 L(0) (their curves are
    excluded from the means; ``all`` holds every seed's test curve)."""
    test: np.ndarray
    test_se: np.ndarray
    train: np.ndarray
    train_se: np.ndarray
    diverged: int
    all_test: np.ndarray
    all_train: np.ndarray

    def final_log10(self) -> tuple[float, float]:
        """``(log10 L(T-1), its standard error)`` of the seed-mean test loss, the error propagated
        as ``se / (L ln 10)``; ``(nan, nan)`` if any seed diverged (an LR sweep's missing point)."""
        if self.diverged:
            return math.nan, math.nan
        L = float(self.test[-1])
        return math.log10(L), float(self.test_se[-1]) / (L * math.log(10))


def _init(rng, D, N, L, residual):
    W0 = rng.standard_normal((N, D))
    nW = L if residual else L - 1
    Ws = [rng.standard_normal((N, N)) for _ in range(nW)]
    w = rng.standard_normal(N)
    return W0, Ws, w


def _backward(W0, Ws, w, residual, b, sqN):
    g = w.copy()
    for W in reversed(Ws):
        if residual:
            g = g + b * (W.T @ g) / sqN
        else:
            g = (W.T @ g) / sqN
    return g  # g^1


def _forward(W0, Ws, e, residual, b, sqN, scale0):
    rs = [(W0 @ e) * scale0]
    for W in Ws:
        r = rs[-1]
        rs.append(r + b * (W @ r) / sqN if residual else (W @ r) / sqN)
    return rs  # r^1 .. r^L (plain) or r^1 .. r^{L+1} (residual)


def _ger(W, alpha, u, v):
    """In place ``W += alpha * outer(u, v)`` with BLAS ``dger`` (no N x N temporaries: 5x faster
    than the NumPy expression at N = 800, benchmarks/bench_dln.py); NumPy for non-contiguous W."""
    if W.flags.c_contiguous and W.dtype == np.float64:
        out = _dger(alpha, v, u, a=W.T, overwrite_a=1)   # W.T is Fortran-ordered: updated in place
        if np.shares_memory(out, W):
            return
    W += alpha * np.outer(u, v)


def rank_one_step(W0, Ws, w, e, eta0, gamma0, residual=False, b=1.0, scale0=None):
    """One in-place GD step from the direction ``e`` (notes §1.3); ``scale0 = 1/sqrt(D)`` by default
    (``1`` for trace-normalised power-law data).  Returns ``g^1`` (before the update)."""
    N, D = W0.shape
    sqN = math.sqrt(N)
    s0 = 1.0 / math.sqrt(D) if scale0 is None else scale0
    # backward images g^{l} (all before the update)
    gs = [w.copy()]
    for W in reversed(Ws):
        g = gs[0]
        gs.insert(0, g + b * (W.T @ g) / sqN if residual else (W.T @ g) / sqN)
    rs = _forward(W0, Ws, e, residual, b, sqN, s0)
    eg = eta0 * gamma0
    bl = b if residual else 1.0
    for l, W in enumerate(Ws):            # W^{l+1} couples r^{l+1} -> g^{l+2}
        _ger(W, -eg * bl / sqN, gs[l + 1], rs[l])
    _ger(W0, -eg * s0, gs[0], e)
    w -= eg * rs[-1]
    return gs[0]


def loss_half_train(W0, Ws, w, X, y, gamma0, residual=False, b=1.0):
    """``(1/2) L_hat`` computed by an explicit forward pass of all samples (for gradient checks)."""
    N, D = W0.shape
    nu = N / D
    H = X @ W0.T / math.sqrt(D)
    for W in Ws:
        H = H + b * H @ W.T / math.sqrt(N) if residual else H @ W.T / math.sqrt(N)
    f = H @ w / (gamma0 * math.sqrt(nu * N))
    return 0.5 * np.mean((f - y) ** 2)


def simulate_dln(D, nu, L, gamma0, eta0, T, *, alpha=None, alpha_B=None, sigma=0.0, parameterization="mup",
                 centred=False, residual=False, branch=None, beta0=1.0, seed=0, spectrum=None):
    """One seed of GD on a deep linear network; returns ``(test, train)`` arrays of length T
    (loss before update t).  Divergence: curves become ``inf`` from the first step whose loss is
    non-finite or above ``1e8 L(0)``.

    ``spectrum = (lam, b2)`` switches to trace-normalised power-law data with ``D = len(lam)`` modes and
    fixed target ``beta*_k = sqrt(b2_k)`` (notes §2.6); then ``alpha`` is not allowed, ``alpha_B`` is the
    batch size B itself (an integer), ``y = beta*.x + sigma eps`` and the test loss includes ``sigma^2``;
    the width is ``N = round(nu K)``.
    """
    L = _int("L", L, 1)
    T = _int("T", T, 1)
    nu = _pos("nu", nu)
    g0 = gamma0_of(parameterization, gamma0, nu)
    eta0 = _pos("eta0", eta0)
    if not (math.isfinite(float(sigma)) and sigma >= 0):
        raise ValueError(f"`sigma` must be a finite number >= 0, got {sigma!r}")
    if alpha is not None and alpha_B is not None:
        raise ValueError("give at most one of `alpha` (full batch) and `alpha_B` (online SGD)")
    rng = np.random.default_rng(seed)
    if spectrum is not None:
        lam, b2 = (np.asarray(a, dtype=float) for a in spectrum)
        D = lam.size
        if alpha is not None:
            raise ValueError("power-law simulation supports population GD or online SGD (alpha_B = B), not `alpha`")
    else:
        D = _int("D", D, 2)
    N = int(round(nu * D))
    if N < 2:
        raise ValueError(f"width N = nu D must be >= 2, got nu={nu}, D={D}")
    b = (beta0 / math.sqrt(L) if branch is None else float(branch)) if residual else 1.0
    if residual and not (math.isfinite(b) and b >= 0):
        raise ValueError(f"`branch` must be finite and >= 0, got {branch!r}")
    W0, Ws, w = _init(rng, D, N, L, residual)
    sqN = math.sqrt(N)
    if spectrum is not None:
        bstar = np.sqrt(b2)
        sql = np.sqrt(lam)
        cout = 1.0 / (g0 * N)
        s0 = 1.0
        B = None if alpha_B is None else _int("alpha_B (batch size B)", alpha_B, 1)
    else:
        bstar = rng.standard_normal(D)
        cout = 1.0 / (g0 * nu * math.sqrt(D))
        s0 = 1.0 / math.sqrt(D)
        if alpha is not None:
            P = int(round(_pos("alpha", alpha) * D))
            if P < 1:
                raise ValueError(f"P = alpha D must be >= 1, got alpha={alpha}, D={D}")
            X = rng.standard_normal((P, D))
            y = X @ bstar / math.sqrt(D) + sigma * rng.standard_normal(P)
        elif alpha_B is not None:
            B = int(round(_pos("alpha_B", alpha_B) * D))
            if B < 1:
                raise ValueError(f"B = alpha_B D must be >= 1, got alpha_B={alpha_B}, D={D}")
    test = np.full(T, np.inf)
    train = np.full(T, np.inf)
    beta0_vec = None
    for t in range(T):
        g1 = _backward(W0, Ws, w, residual, b, sqN)
        beta = cout * (W0.T @ g1)
        if centred:
            if beta0_vec is None:
                beta0_vec = beta.copy()
            beta = beta - beta0_vec
        d = beta - bstar
        if spectrum is not None:
            te = float(np.sum(lam * d * d)) + sigma ** 2
            if B is None:
                e = lam * d
                tr = te
            else:
                Xb = rng.standard_normal((B, D)) * sql
                res = Xb @ d - sigma * rng.standard_normal(B)
                e = Xb.T @ res / B
                tr = float(np.mean(res ** 2))
        else:
            te = float(d @ d / D + sigma ** 2)
            if alpha is not None:
                res = X @ beta / math.sqrt(D) - y
                e = math.sqrt(D) / P * (X.T @ res)
                tr = float(np.mean(res ** 2))
            elif alpha_B is not None:
                Xb = rng.standard_normal((B, D))
                yb = Xb @ bstar / math.sqrt(D) + sigma * rng.standard_normal(B)
                res = Xb @ beta / math.sqrt(D) - yb
                e = math.sqrt(D) / B * (Xb.T @ res)
                tr = float(np.mean(res ** 2))
            else:
                e = d
                tr = te
        if not (math.isfinite(te) and math.isfinite(tr)) or (t > 0 and te > 1e8 * test[0]):
            break
        test[t], train[t] = te, tr
        rank_one_step(W0, Ws, w, e, eta0, g0, residual=residual, b=b, scale0=s0)
    return test, train


def _one_seed(args, kw, seed):
    return simulate_dln(*args, seed=seed, **kw)


def simulate_seeds(n_seeds, *args, seed0=0, executor="auto", **kw):
    """Run :func:`simulate_dln` for seeds ``seed0, seed0 + 1, ..., seed0 + n_seeds - 1``; returns a
    :class:`SimResult` with means and standard errors (``std/sqrt(n)``) over the non-diverged seeds.

    The seeds run through :func:`scalinglaws.sweep.sweep` on ``executor`` (``"auto"``: serial
    unless ``python -m scalinglaws reproduce --processes N / --scheduler ADDRESS`` asked for a
    pool or a Dask cluster, and always serial inside another sweep's worker; ``None``: serial; or
    any ``concurrent.futures``-style executor).  Seed ``seed0 + s`` alone determines run ``s``, so
    every executor gives bit-identical results."""
    from .sweep import grid, sweep
    n_seeds = _int("n_seeds", n_seeds, 1)
    seed0 = _int("seed0", seed0, 0)
    if "seed" in kw:
        raise ValueError("simulate_seeds takes `seed0` (the first seed), not `seed`")
    runs = sweep(partial(_one_seed, args, kw), grid(seed=[seed0 + s for s in range(n_seeds)]),
                 executor=executor, progress=False)
    te = np.array([r[0] for r in runs]); tr = np.array([r[1] for r in runs])
    ok = np.all(np.isfinite(te), axis=1)
    nd = int((~ok).sum())
    if ok.sum() == 0:
        nanarr = np.full(te.shape[1], np.inf)
        return SimResult(nanarr, nanarr, nanarr, nanarr, nd, te, tr)
    n = ok.sum()
    se = lambda a: (a.std(axis=0, ddof=1) / np.sqrt(n)) if n > 1 else np.zeros(a.shape[1])
    return SimResult(te[ok].mean(0), se(te[ok]), tr[ok].mean(0), se(tr[ok]), nd, te, tr)
