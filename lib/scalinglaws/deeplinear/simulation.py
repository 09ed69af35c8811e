"""Direct simulation of deep linear networks with exact rank-one GD updates (Eqs. (T3.5)-(T3.6),
residual Eq. (T3.32), power-law data Eqs. (T3.36)-(T3.37) of the theory page).

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

Power-law data (trace-normalised, Eq. (T3.37)): ``x ~ N(0, diag(lam))``, ``y = beta*.x``, the ``1/sqrt(D)``
factors are dropped: ``f = w.h^L/(gamma0 N)``, ``e = Lambda (beta - beta*)`` (population) or
``X_B^T X_B (beta - beta*)/B`` (online SGD), ``r^1 = W^0 e``, ``W^0 <- W^0 - eta0 gamma0 g^1 e^T``.
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np
from scipy.linalg.blas import dgemm as _dgemm, dger as _dger

from .._blas import blas_limits
from .._validation import array, choice, finite_result, flag, integer, nonnegative, positive
from ..compare import DIVERGENCE_FACTOR, SimResult
from ._checks import noise as _noise, integer_product, layers, memory, scale, seed as _seed, tensor
from .data import check_spectrum
from .dmft import gamma0_of

__all__ = ["simulate_dln", "simulate_powerlaw", "simulate_seeds", "rank_one_step", "loss_half_train"]


def _init(rng, D, N, L, residual):
    W0 = rng.standard_normal((N, D))
    nW = L if residual else L - 1
    Ws = [rng.standard_normal((N, N)) for _ in range(nW)]
    w = rng.standard_normal(N)
    return W0, Ws, w


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


class _Deferred:
    """A weight matrix ``W + sum_k u_k v_k^T`` with the rank-one GD updates of the time loop deferred:
    products with it add the low-rank part (``O(n k)``), and every ``rmax`` updates fold into ``W``
    by one BLAS-3 ``dgemm``.  Per step the simulator then reads each matrix twice (``W^T g`` and
    ``W r``) and writes it every ``rmax`` steps, where the immediate ``dger`` update read it four
    times and wrote it once (1.7-1.8x faster at N = 200-1600 with one BLAS thread, bench_dln.py).  The same
    arithmetic up to rounding."""

    __slots__ = ("W", "U", "V", "k")

    def __init__(self, W, rmax):
        self.W = W
        self.U = np.empty((rmax, W.shape[0]))
        self.V = np.empty((rmax, W.shape[1]))
        self.k = 0

    def dot(self, x):                       # (W + U^T V) x
        y = self.W @ x
        if self.k:
            y += self.U[:self.k].T @ (self.V[:self.k] @ x)
        return y

    def tdot(self, g):                      # (W + U^T V)^T g
        y = self.W.T @ g
        if self.k:
            y += self.V[:self.k].T @ (self.U[:self.k] @ g)
        return y

    def add_outer(self, alpha, u, v):       # W += alpha u v^T
        self.U[self.k] = alpha * u
        self.V[self.k] = v
        self.k += 1
        if self.k == self.U.shape[0]:
            self.flush()

    def flush(self):
        k = self.k
        if k:
            # W.T (Fortran order) += V[:k]^T U[:k], in place
            out = _dgemm(1.0, self.V[:k].T, self.U[:k].T, beta=1.0, c=self.W.T, trans_b=1, overwrite_c=1)
            if not np.shares_memory(out, self.W):
                self.W += self.U[:k].T @ self.V[:k]
            self.k = 0


def _rmax(W):
    # matrices that stay in cache (< 1 MiB) are cheap to update at once
    return 1 if W.size * 8 < 2 ** 20 else 32


def rank_one_step(W0, Ws, w, e, eta0, gamma0, residual=False, b=1.0, scale0=None):
    """One in-place GD step from the direction ``e`` (Eq. (T3.6)); ``scale0 = 1/sqrt(D)`` by default
    (``1`` for trace-normalised power-law data).  Returns ``g^1`` (before the update).

    ``W0`` (N, D), ``Ws`` (a list of (N, N)) and ``w`` (N,) are finite float64 arrays, updated in
    place; ``e`` (D,) finite; ``eta0``, ``gamma0`` finite reals > 0; ``residual`` a bool; ``b``
    (branch scale) a finite real >= 0; ``scale0`` ``None`` or a finite real > 0.  Raises
    ``ValueError`` otherwise, and ``FloatingPointError`` (weights left updated) if the step
    overflowed."""
    W0 = tensor("W0", W0, (None, None))
    N, D = W0.shape
    Ws = layers("Ws", Ws, N)
    w = tensor("w", w, (N,))
    e = array("e", e, shape=(D,))
    eta0 = positive("eta0", eta0)
    gamma0 = positive("gamma0", gamma0)
    residual = flag("residual", residual)
    b = scale("b", b)
    scale0 = None if scale0 is None else positive("scale0", scale0)
    with np.errstate(over="ignore", invalid="ignore"):
        g1 = _rank_one_step(W0, Ws, w, e, eta0, gamma0, residual, b, scale0)
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(W0)) and all(np.all(np.isfinite(W)) for W in Ws)):
        raise FloatingPointError("rank_one_step: the update overflowed (eta0 or the weights too large)")
    return g1


def _rank_one_step(W0, Ws, w, e, eta0, gamma0, residual, b, scale0):
    # the unchecked step (the time loop of the simulators checks its inputs once)
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
    """``(1/2) L_hat`` computed by an explicit forward pass of all samples (for gradient checks).

    ``W0`` (N, D), ``Ws`` (list of (N, N)), ``w`` (N,), ``X`` (P, D), ``y`` (P,): finite arrays;
    ``gamma0`` a finite real > 0, ``residual`` a bool, ``b`` a finite real >= 0.  Raises
    ``ValueError`` otherwise and ``FloatingPointError`` if the loss overflows."""
    W0 = array("W0", W0, ndim=2)
    N, D = W0.shape
    if not isinstance(Ws, (list, tuple)):
        raise ValueError(f"`Ws` must be a list of (N, N) = ({N}, {N}) arrays, got {type(Ws).__name__}")
    Ws = [array(f"Ws[{i}]", W, shape=(N, N)) for i, W in enumerate(Ws)]
    w = array("w", w, shape=(N,))
    X = array("X", X, shape=(None, D))
    y = array("y", y, shape=(X.shape[0],))
    gamma0 = positive("gamma0", gamma0)
    residual = flag("residual", residual)
    b = scale("b", b)
    with np.errstate(over="ignore", invalid="ignore"):
        out = _loss_half_train(W0, Ws, w, X, y, gamma0, residual, b)
    return float(finite_result("loss_half_train", out, nonnegative_=True))


def _loss_half_train(W0, Ws, w, X, y, gamma0, residual, b):
    N, D = W0.shape
    nu = N / D
    H = X @ W0.T / math.sqrt(D)
    for W in Ws:
        H = H + b * H @ W.T / math.sqrt(N) if residual else H @ W.T / math.sqrt(N)
    f = H @ w / (gamma0 * math.sqrt(nu * N))
    return 0.5 * np.mean((f - y) ** 2)


def simulate_dln(L, nu, gamma0, eta0, T, *, D, alpha=None, alpha_B=None, sigma=0.0, parameterization="mup",
                 centred=False, residual=False, branch=None, beta0=1.0, seed=0):
    """One seed of GD on a deep linear network with isotropic Gaussian data in ``D`` dimensions: the
    finite-size system whose ``D -> inf`` limit :func:`dmft_dln` solves (same arguments, same
    order, plus the input dimension ``D`` and the ``seed``).  Width ``N = round(nu D)``.

    Inputs as :func:`dmft_dln` (``nu`` finite here), plus ``D`` an integer >= 2 with ``nu D``
    (the width), ``alpha D`` (samples) and ``alpha_B D`` (batch) integers (never rounded), and
    ``seed`` an integer >= 0.  Raises ``ValueError`` otherwise (also past 4 GiB of memory).

    Returns ``(test, train)`` arrays of length T (loss before update t).  Divergence: the curves
    are ``inf`` from the first step whose loss is non-finite or above ``DIVERGENCE_FACTOR L(0)``.
    """
    residual = flag("residual", residual)
    if not residual and branch is not None:
        raise ValueError("`branch` is the residual branch scale: give it only with `residual=True`")
    return _simulate(L, nu, gamma0, eta0, T, D=integer("D", D, 2), alpha=alpha, alpha_B=alpha_B, sigma=sigma,
                     parameterization=parameterization, centred=centred, residual=residual, branch=branch,
                     beta0=beta0, seed=seed, spectrum=None)


def simulate_powerlaw(L, gamma0, eta0, T, lam, b2, *, N, batch=None, sigma=0.0, seed=0):
    """One seed of muP GD on trace-normalised power-law data with ``K = len(lam)`` modes and the fixed
    target ``beta*_k = sqrt(b2_k)``: the finite-size system of :func:`dmft_powerlaw` (same arguments,
    same order; here the width ``N`` is a required integer).  Population GD, or online SGD with
    ``batch`` fresh samples per step; ``y = beta*.x + sigma eps`` and the test loss includes
    ``sigma^2``.  Returns ``(test, train)`` as :func:`simulate_dln` (``inf`` from a diverged step on).

    ``lam``, ``b2``: as :func:`check_spectrum`, at least 2 modes; ``N``: integer >= 2; ``batch``:
    ``None`` or an integer >= 1; the rest as :func:`simulate_dln`.  Raises ``ValueError`` otherwise."""
    lam, b2 = check_spectrum(lam, b2, 2)
    N = integer("N", N, 2)
    batch = None if batch is None else integer("batch", batch, 1)
    return _simulate(L, N / lam.size, gamma0, eta0, T, D=None, alpha=None, alpha_B=batch, sigma=sigma,
                     parameterization="mup", centred=False, residual=False, branch=None, beta0=1.0,
                     seed=seed, spectrum=(lam, b2), width=N)


def _simulate(*args, **kw):
    # the BLAS thread policy (scalinglaws._blas) over the draws too: one BLAS call at the default
    # threads (X @ beta*) leaves OpenBLAS's worker spinning on the second vCPU through the time loop
    with blas_limits():
        return _simulate_limited(*args, **kw)


def _simulate_limited(L, nu, gamma0, eta0, T, *, D, alpha, alpha_B, sigma, parameterization, centred, residual,
                      branch, beta0, seed, spectrum, width=None):
    # the shared time loop of simulate_dln (spectrum=None) and simulate_powerlaw
    L = integer("L", L, 1)
    T = integer("T", T, 1)
    nu = positive("nu", nu)
    gamma0 = positive("gamma0", gamma0)
    parameterization = choice("parameterization", parameterization, ("mup", "ntk"))
    g0 = gamma0_of(parameterization, gamma0, nu)
    eta0 = positive("eta0", eta0)
    sigma = _noise(sigma)
    centred = flag("centred", centred)
    residual = flag("residual", residual)
    seed = _seed(seed)
    if alpha is not None and alpha_B is not None:
        raise ValueError("give at most one of `alpha` (full batch) and `alpha_B` (online SGD)")
    rng = np.random.default_rng(seed)
    if spectrum is not None:
        lam, b2 = (np.asarray(a, dtype=float) for a in spectrum)
        D = lam.size
        if alpha is not None:
            raise ValueError("power-law simulation supports population GD or online SGD (alpha_B = B), not `alpha`")
    else:
        D = integer("D", D, 2)
    N = integer_product("nu", nu, D, "the width N = nu D") if width is None else width
    if N < 2:
        raise ValueError(f"`nu`: the width N = nu D must be >= 2, got nu={nu}, D={D}")
    if residual:
        b = nonnegative("beta0", beta0) / math.sqrt(L) if branch is None else nonnegative("branch", branch)
    else:
        b = 1.0
    nP = 0 if alpha is None else integer_product("alpha", positive("alpha", alpha), D, "the sample count P = alpha D")
    nB = 0 if alpha_B is None else (alpha_B if spectrum is not None else
                                    integer_product("alpha_B", positive("alpha_B", alpha_B), D, "the batch B = alpha_B D"))
    memory(8.0 * (N * D + (L + 1) * N * N + (nP + nB + 2) * (D + 1) + 2 * T),
           "`N`, `batch`, `lam` and `T`" if spectrum is not None else "`nu`, `D`, `L`, `alpha`/`alpha_B` and `T`",
           f"a network of width N = {N}, D = {D}, L = {L}")
    if not math.isfinite(1.0 / (g0 * nu)):
        raise ValueError(f"`gamma0` and `nu`: the readout scale 1/(gamma0 nu) must be finite, got gamma0 = {g0!r}, nu = {nu!r}")
    W0, Ws, w = _init(rng, D, N, L, residual)
    sqN = math.sqrt(N)
    if spectrum is not None:
        bstar = np.sqrt(b2)
        sql = np.sqrt(lam)
        cout = 1.0 / (g0 * N)
        s0 = 1.0
        B = alpha_B
    else:
        bstar = rng.standard_normal(D)
        cout = 1.0 / (g0 * nu * math.sqrt(D))
        s0 = 1.0 / math.sqrt(D)
        if alpha is not None:
            P = nP
            if P < 1:
                raise ValueError(f"`alpha`: P = alpha D must be >= 1, got alpha={alpha}, D={D}")
            X = rng.standard_normal((P, D))
            y = X @ bstar / math.sqrt(D) + sigma * rng.standard_normal(P)
        elif alpha_B is not None:
            B = nB
            if B < 1:
                raise ValueError(f"`alpha_B`: B = alpha_B D must be >= 1, got alpha_B={alpha_B}, D={D}")
    test = np.full(T, np.inf)
    train = np.full(T, np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        _time_loop(T, test, train, W0=W0, Ws=Ws, w=w, residual=residual, b=b, sqN=sqN, cout=cout, centred=centred,
                   bstar=bstar, spectrum=spectrum, sigma=sigma, rng=rng, D=D,
                   lam=lam if spectrum is not None else None, sql=sql if spectrum is not None else None,
                   B=B if (spectrum is not None or alpha_B is not None) else None,
                   full=(X, y, P) if (spectrum is None and alpha is not None) else None, eta0=eta0, g0=g0, s0=s0)
    return test, train


def _time_loop(T, test, train, *, W0, Ws, w, residual, b, sqN, cout, centred, bstar, spectrum, sigma, rng, D,
               lam, sql, B, full, eta0, g0, s0):
    # one seed's GD steps; fills test/train in place, stops (leaving inf) at the first diverged step
    alpha = None if full is None else 1.0
    alpha_B = None if (B is None or spectrum is not None) else B
    if full is not None:
        X, y, P = full
    beta0_vec = None
    L0 = _Deferred(W0, _rmax(W0))
    Ls = [_Deferred(W, _rmax(W)) for W in Ws]
    eg = eta0 * g0
    bl = b if residual else 1.0
    for t in range(T):
        # backward images g^1..g^L (before the update), Eq. (T3.6)
        gs = [w.copy()]
        for Wl in reversed(Ls):
            g = gs[0]
            gs.insert(0, g + b * Wl.tdot(g) / sqN if residual else Wl.tdot(g) / sqN)
        beta = cout * L0.tdot(gs[0])
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
        if not (math.isfinite(te) and math.isfinite(tr)) or (t > 0 and (
                te > DIVERGENCE_FACTOR * test[0] or tr > DIVERGENCE_FACTOR * max(test[0], train[0]))):
            break
        test[t], train[t] = te, tr
        # forward images r^1.. and the deferred rank-one updates (the same step as _rank_one_step)
        rs = [L0.dot(e) * s0]
        for Wl in Ls:
            r = rs[-1]
            rs.append(r + b * Wl.dot(r) / sqN if residual else Wl.dot(r) / sqN)
        for l, Wl in enumerate(Ls):
            Wl.add_outer(-eg * bl / sqN, gs[l + 1], rs[l])
        L0.add_outer(-eg * s0, gs[0], e)
        w -= eg * rs[-1]


def _one_seed(simulator, args, kw, seed):
    return simulator(*args, seed=seed, **kw)


def simulate_seeds(simulator, n_seeds, *args, seed0=0, executor="auto", **kw):
    """Run ``simulator`` (:func:`simulate_dln` or :func:`simulate_powerlaw`) with ``*args, **kw`` for
    seeds ``seed0, seed0 + 1, ..., seed0 + n_seeds - 1``; returns a
    :class:`scalinglaws.compare.SimResult` with means and standard errors over the non-diverged
    seeds (:func:`scalinglaws.compare.seed_mean_se`) on the step grid ``t = 0..T-1``.

    The seeds run through :func:`scalinglaws.sweep.sweep` on ``executor`` (``"auto"``: serial
    unless ``python -m scalinglaws reproduce --processes N / --scheduler ADDRESS`` asked for a
    pool or a Dask cluster, and always serial inside another sweep's worker; ``None``: serial; or
    any ``concurrent.futures``-style executor).  Seed ``seed0 + s`` alone determines run ``s``, so
    every executor gives bit-identical results.

    ``n_seeds``: integer in [1, 10^6]; ``seed0``: integer >= 0; ``executor`` as
    :func:`scalinglaws.sweep.sweep`; the other arguments are checked by ``simulator`` (before any
    run starts: the first seed's inputs are validated first).  Raises ``ValueError``."""
    from ..sweep import grid, sweep
    if simulator not in (simulate_dln, simulate_powerlaw):
        raise ValueError(f"`simulator` must be simulate_dln or simulate_powerlaw, got {simulator!r}")
    n_seeds = integer("n_seeds", n_seeds, 1)
    if n_seeds > 10 ** 6:
        raise ValueError(f"`n_seeds` must be an integer in [1, 10^6], got {n_seeds!r}")
    seed0 = integer("seed0", seed0, 0)
    if "seed" in kw:
        raise ValueError("simulate_seeds takes `seed0` (the first seed), not `seed`")
    runs = sweep(partial(_one_seed, simulator, args, kw), grid(seed=[seed0 + s for s in range(n_seeds)]),
                 executor=executor, progress=False)
    return SimResult.from_draws(np.arange(len(runs[0][0]), dtype=float), [r[0] for r in runs], [r[1] for r in runs])
