"""Finite-width shallow ReLU network trained by full-batch GD (Eqs. (T1.39)-(T1.40)).

Model ``F(x) = a_lazy N^{-1/2} sum_n a_n relu(sigma_w w_n.x + sigma_b b_n)``, loss
``L = (1/2M) sum_i (F(x_i) - y_i)^2``, update ``theta <- theta - (eta / a_lazy^2) grad L`` for all of
``a, w, b`` from the same residual.  The ``a_lazy^2`` cancels, so the function-space step is
``eta K/M`` with ``K`` the NTK of the unscaled network; larger ``a_lazy`` = lazier training
(Chizat-Oyallon-Bach).  Antisymmetric initialisation: N/2 draws ``(w, b, a)`` used twice, as
``(w, b, a)`` and ``(w, b, -a)``, so ``F_0 = 0`` exactly.

Divergence: a run whose loss at any step (recorded or not) exceeds ``BLOWUP_FACTOR = 1e4`` times
``L(0)`` or is not finite raises ``ValueError`` (naming ``eta``): a blown-up run is never returned
as a loss curve, even if dead ReLUs later bring its loss back down (a too-large step typically
spikes the loss by 1e5-1e20 and then kills every unit, leaving ``L = L(0)``).  The factor is below
``compare.DIVERGENCE_FACTOR = 1e8`` because such a spike can stay under 1e8 and still wreck the
network, and above the 10-100x transient spikes of catapult-phase training.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from .._validation import array, integer, positive
from . import _checks

__all__ = ["init_antisymmetric", "network_output", "empirical_ntk", "train_gd", "train_gd_numpy"]


_DIV = 1e4  # BLOWUP_FACTOR (module docstring)


def _check_points(X):
    # finite points (M, d), or (M,) for d = 1
    return _checks.points("X", X, allow_1d=True)


def _check_wba(w, b, a, d):
    return _checks.params((w, b, a), d, names=("w", "b", "a"))


def _check_lazy(a_lazy):
    x = positive("a_lazy", a_lazy)
    if x > 1e100:
        raise ValueError(f"`a_lazy` must be a number in (0, 1e100], got {a_lazy!r}")
    return x


def init_antisymmetric(N, d, seed=0):
    """Parameters ``(w (N, d), b (N,), a (N,))`` with the antisymmetric doubling, so ``F_0 = 0``.

    ``N`` an even integer >= 2, ``d >= 1`` and ``seed >= 0`` integers; ``ValueError`` otherwise."""
    N = integer("N", N, 2)
    if N % 2:
        raise ValueError(f"width `N` must be an even integer >= 2, got {N!r}")
    d = integer("d", d, 1)
    seed = integer("seed", seed, 0)
    _checks.memory(8.0 * N * (d + 2), "`N`, `d`", "the parameters")
    rng = np.random.default_rng(seed)
    h = N // 2
    w = rng.standard_normal((h, d))
    b = rng.standard_normal(h)
    a = rng.standard_normal(h)
    return np.vstack([w, w]), np.concatenate([b, b]), np.concatenate([a, -a])


def network_output(X, w, b, a, a_lazy=1.0, sigma_w=1.0, sigma_b=1.0):
    """``F(X)`` of the scaled network (NumPy).  ``X`` finite ``(M, d)`` (or ``(M,)``), ``w (N, d)``,
    ``b (N,)``, ``a (N,)`` finite, ``a_lazy, sigma_w, sigma_b`` finite and > 0; ``ValueError``
    otherwise or if the output overflows."""
    X = _check_points(X)
    w, b, a = _check_wba(w, b, a, X.shape[1])
    a_lazy = _check_lazy(a_lazy)
    sigma_w, sigma_b = _checks.scales(sigma_w, sigma_b)
    _checks.memory(8.0 * X.shape[0] * a.size, "`X`, `a`", "the hidden activations")
    with np.errstate(all="ignore"):
        z = sigma_w * X @ w.T + sigma_b * b[None, :]
        F = a_lazy * np.maximum(z, 0) @ a / math.sqrt(a.size)
    return _checks.finite_out(F, "`X`, `w`, `b`, `a`, `a_lazy`", "the network output")


def empirical_ntk(X, w, b, a, sigma_w=1.0, sigma_b=1.0):
    """Empirical NTK of the unscaled network at parameters ``(w, b, a)`` (Eq. (T1.2)):
    ``K(x, y) = (1/N) sum_n [relu(z_n(x)) relu(z_n(y)) + a_n^2 1{z_n(x)>0} 1{z_n(y)>0} (sigma_w^2 x.y + sigma_b^2)]``.
    ``X``, ``w``, ``b``, ``a``, ``sigma_*`` as for :func:`network_output`; ``ValueError`` otherwise."""
    X = _check_points(X)
    w, b, a = _check_wba(w, b, a, X.shape[1])
    sigma_w, sigma_b = _checks.scales(sigma_w, sigma_b)
    _checks.memory(8.0 * X.shape[0] * max(a.size, X.shape[0]), "`X`, `a`", "the kernel")
    N = a.size
    with np.errstate(all="ignore"):
        z = sigma_w * X @ w.T + sigma_b * b[None, :]
        R = np.maximum(z, 0)
        H = (z > 0) * np.abs(a)[None, :]
        K = (R @ R.T + (H @ H.T) * (sigma_w ** 2 * X @ X.T + sigma_b ** 2)) / N
    return _checks.finite_out(K, "`X`, `w`, `b`, `a`", "the kernel")


# reassoc/contract only (no nnan/ninf: the divergence check below must see inf and NaN): the point
# sums are vectorised (SIMD) reductions; 10-12x faster than the branching scalar loops at M = 128
# (benchmarks/bench_ch1.py)
@numba.njit(cache=True, fastmath={"reassoc", "contract"})
def _gd_kernel(X, y, w, b, a, a_lazy, sw, sb, eta, n_steps, rec_steps, losses):
    # Eqs. (T1.39)-(T1.40).  Per step: forward pass neuron by neuron (pre-activations of one neuron
    # at all points in a buffer, accumulated into F), residual and loss, then the gradient of each
    # neuron from the residual and its immediate update (a neuron's gradient depends on its own
    # parameters and the residual only).  Returns the number of recorded losses, or -(step + 1)
    # at divergence.
    M, d = X.shape
    N = a.shape[0]
    sq = 1.0 / math.sqrt(N)
    XS = np.ascontiguousarray((sw * X).T)             # (d, M): sigma_w x_i, coordinate-major
    F = np.zeros(M)
    e = np.zeros(M)
    z = np.empty(M)
    eh = np.empty(M)
    r = 0
    cap = np.inf
    for step in range(n_steps + 1):
        # forward
        for i in range(M):
            F[i] = 0.0
        for n in range(N):
            an = a[n]
            if d == 1:                                  # fused (the chapter's 1-D problems; 1.7x)
                bn = sb * b[n]
                w0 = w[n, 0]
                x0 = XS[0]
                for i in range(M):
                    F[i] += an * max(bn + w0 * x0[i], 0.0)
                continue
            _preact(XS, w, b, n, sb, z)
            for i in range(M):
                F[i] += an * max(z[i], 0.0)
        L = 0.0
        for i in range(M):
            F[i] *= a_lazy * sq
            e[i] = F[i] - y[i]
            L += e[i] * e[i]
        L /= 2.0 * M
        # divergence (also caught between recorded steps): the loss left BLOWUP_FACTOR L(0)
        if step == 0:
            cap = _DIV * L
        if not (L <= cap and L < np.inf):
            return -(step + 1)
        if r < rec_steps.shape[0] and rec_steps[r] == step:
            losses[r] = L
            r += 1
        if step == n_steps:
            break
        # gradients (divided by a_lazy^2 through the learning rate: eta / a_lazy^2) and updates
        c = a_lazy * sq / M
        lr = eta / (a_lazy * a_lazy)
        for n in range(N):
            can = c * a[n]
            sa = 0.0
            sbb = 0.0
            if d == 1:
                bn = sb * b[n]
                w0 = w[n, 0]
                x0 = XS[0]
                s0 = 0.0
                for i in range(M):
                    zi = bn + w0 * x0[i]
                    h = e[i] if zi > 0 else 0.0
                    sa += h * zi
                    sbb += h
                    s0 += h * x0[i]
                w[n, 0] -= lr * can * s0
                b[n] -= lr * can * sb * sbb
                a[n] -= lr * c * sa
                continue
            _preact(XS, w, b, n, sb, z)
            for i in range(M):
                h = e[i] if z[i] > 0 else 0.0
                eh[i] = h
                sa += h * z[i]
                sbb += h
            for k in range(d):
                row = XS[k]
                sk = 0.0
                for i in range(M):
                    sk += eh[i] * row[i]
                w[n, k] -= lr * can * sk                # sigma_w sum_i e_i h_i x_ik (XS holds sigma_w x)
            b[n] -= lr * can * sb * sbb
            a[n] -= lr * c * sa
    return r


@numba.njit(cache=True, inline="always", fastmath={"reassoc", "contract"})
def _preact(XS, w, b, n, sb, z):
    # z_i = sigma_w w_n.x_i + sigma_b b_n for all points i
    bn = sb * b[n]
    for i in range(z.size):
        z[i] = bn
    for k in range(XS.shape[0]):
        wk = w[n, k]
        row = XS[k]
        for i in range(z.size):
            z[i] += wk * row[i]


def _check_train(X, y, params, a_lazy, eta, n_steps, record, sigma_w, sigma_b):
    X = _check_points(X)
    y = array("y", y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"`y` must have shape ({X.shape[0]},) (one target per point of `X`), got {y.shape}")
    w, b, a = _checks.params(params, X.shape[1])
    a_lazy = _check_lazy(a_lazy)
    eta = positive("eta", eta)
    n_steps = integer("n_steps", n_steps, 0)
    sigma_w, sigma_b = _checks.scales(sigma_w, sigma_b)
    rec = np.unique(np.arange(n_steps + 1) if record is None else _checks.steps("record", record))
    if rec.max() > n_steps:
        raise ValueError(f"`record` steps must lie in [0, `n_steps` = {n_steps}], got max {rec.max()}")
    return X, y, (w, b, a), a_lazy, eta, n_steps, rec, sigma_w, sigma_b


def _diverged(step):
    if step == 0:
        raise ValueError("the initial loss is not finite: `X`, `y`, `params` or `a_lazy` are too large")
    raise ValueError(f"GD diverged at step {step}: the loss exceeded {_DIV:g} times "
                     "its initial value (or was not finite); reduce `eta`")


def train_gd(X, y, params, a_lazy=1.0, eta=1.0, n_steps=1000, record=None, sigma_w=1.0,
             sigma_b=1.0, lam_max=None):
    """Full-batch GD of the scaled network (numba); returns ``(steps, losses, (w, b, a))``.

    ``params = (w, b, a)`` is copied.  ``X`` finite ``(M, d)`` (or ``(M,)``), ``y`` finite ``(M,)``,
    ``params`` finite ``(w (N, d), b (N,), a (N,))``, ``a_lazy, eta, sigma_w, sigma_b`` finite and
    > 0, ``n_steps >= 0`` and ``record`` (default: every step) integers in ``[0, n_steps]``.  If
    ``lam_max`` (top eigenvalue of ``K/M``, finite > 0) is given, the step must satisfy
    ``eta < 2/lam_max``.  ``ValueError`` for bad input, and ``ValueError`` naming ``eta`` if the run
    diverges (loss above ``1e4 L(0)`` or non-finite at any step; see the module).
    """
    X, y, (w, b, a), a_lazy, eta, n_steps, rec, sigma_w, sigma_b = _check_train(
        X, y, params, a_lazy, eta, n_steps, record, sigma_w, sigma_b)
    if lam_max is not None:
        lam_max = positive("lam_max", lam_max)
        if not eta < 2.0 / lam_max:
            raise ValueError(f"step `eta` = {eta} must be < 2/`lam_max` = {2.0 / lam_max:.6g}")
    losses = np.empty(rec.size)
    with np.errstate(all="ignore"):
        nrec = _gd_kernel(X, y, w, b, a, a_lazy, sigma_w, sigma_b, eta, n_steps, rec, losses)
    if nrec < 0:
        _diverged(-nrec - 1)
    if nrec != rec.size or not np.all(np.isfinite(losses)):
        _diverged(n_steps)
    return rec, losses, (w, b, a)


def train_gd_numpy(X, y, params, a_lazy=1.0, eta=1.0, n_steps=1000, record=None, sigma_w=1.0,
                   sigma_b=1.0):
    """NumPy reference path of :func:`train_gd` (same update, vectorised; same checks and the same
    divergence error)."""
    X, y, (w, b, a), a_lazy, eta, n_steps, rec, sigma_w, sigma_b = _check_train(
        X, y, params, a_lazy, eta, n_steps, record, sigma_w, sigma_b)
    M, N = X.shape[0], a.size
    out = []
    wanted = set(rec.tolist())
    cap = math.inf
    for step in range(n_steps + 1):
        with np.errstate(all="ignore"):
            z = sigma_w * X @ w.T + sigma_b * b[None, :]
            R = np.maximum(z, 0)
            F = a_lazy * R @ a / math.sqrt(N)
            e = F - y
            L = 0.5 * float(np.mean(e ** 2))
        if step == 0:
            cap = _DIV * L
        if not (L <= cap and L < math.inf):
            _diverged(step)
        if step in wanted:
            out.append(L)
        if step == n_steps:
            break
        c = a_lazy / (M * math.sqrt(N))
        Hm = (z > 0) * e[:, None]
        ga = c * R.T @ e
        gw = c * a[:, None] * sigma_w * (Hm.T @ X)
        gb = c * a * sigma_b * Hm.sum(0)
        lr = eta / a_lazy ** 2
        a, w, b = a - lr * ga, w - lr * gw, b - lr * gb
    return rec, np.array(out), (w, b, a)
