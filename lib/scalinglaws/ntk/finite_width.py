"""Finite-width shallow ReLU network trained by full-batch GD (notes 01 §5.0 "finite-width training").

Model ``F(x) = a_lazy N^{-1/2} sum_n a_n relu(sigma_w w_n.x + sigma_b b_n)``, loss
``L = (1/2M) sum_i (F(x_i) - y_i)^2``, update ``theta <- theta - (eta / a_lazy^2) grad L`` for all of
``a, w, b`` from the same residual.  The ``a_lazy^2`` cancels, so the function-space step is
``eta K/M`` with ``K`` the NTK of the unscaled network; larger ``a_lazy`` = lazier training
(Chizat-Oyallon-Bach).  Antisymmetric initialisation: N/2 draws ``(w, b, a)`` used twice, as
``(w, b, a)`` and ``(w, b, -a)``, so ``F_0 = 0`` exactly.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from .._validation import integer

__all__ = ["init_antisymmetric", "network_output", "empirical_ntk", "train_gd", "train_gd_numpy"]


def _check_points(X):
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] < 1:
        raise ValueError(f"`X` must have shape (M, d) (or (M,) for d = 1), got {np.shape(X)}")
    return X


def init_antisymmetric(N, d, seed=0):
    """Parameters ``(w (N, d), b (N,), a (N,))`` with the antisymmetric doubling, so ``F_0 = 0``."""
    N = integer("N", N, 2)
    if N % 2:
        raise ValueError(f"width `N` must be an even integer >= 2, got {N!r}")
    d = integer("d", d, 1)
    rng = np.random.default_rng(seed)
    h = N // 2
    w = rng.standard_normal((h, d))
    b = rng.standard_normal(h)
    a = rng.standard_normal(h)
    return np.vstack([w, w]), np.concatenate([b, b]), np.concatenate([a, -a])


def network_output(X, w, b, a, a_lazy=1.0, sigma_w=1.0, sigma_b=1.0):
    """``F(X)`` of the scaled network (NumPy)."""
    X = _check_points(X)
    z = sigma_w * X @ w.T + sigma_b * b[None, :]
    return a_lazy * np.maximum(z, 0) @ a / math.sqrt(a.size)


def empirical_ntk(X, w, b, a, sigma_w=1.0, sigma_b=1.0):
    """Empirical NTK of the unscaled network at parameters ``(w, b, a)``:
    ``K(x, y) = (1/N) sum_n [relu(z_n(x)) relu(z_n(y)) + a_n^2 1{z_n(x)>0} 1{z_n(y)>0} (sigma_w^2 x.y + sigma_b^2)]``."""
    X = _check_points(X)
    N = a.size
    z = sigma_w * X @ w.T + sigma_b * b[None, :]
    R = np.maximum(z, 0)
    H = (z > 0) * np.abs(a)[None, :]
    return (R @ R.T + (H @ H.T) * (sigma_w ** 2 * X @ X.T + sigma_b ** 2)) / N


@numba.njit(cache=True)
def _gd_kernel(X, y, w, b, a, a_lazy, sw, sb, eta, n_steps, rec_steps, losses):
    M, d = X.shape
    N = a.shape[0]
    sq = 1.0 / math.sqrt(N)
    F = np.zeros(M)
    e = np.zeros(M)
    ga = np.zeros(N)
    gw = np.zeros((N, d))
    gb = np.zeros(N)
    r = 0
    for step in range(n_steps + 1):
        # forward
        for i in range(M):
            F[i] = 0.0
        for n in range(N):
            for i in range(M):
                z = sb * b[n]
                for k in range(d):
                    z += sw * w[n, k] * X[i, k]
                if z > 0:
                    F[i] += a[n] * z
        L = 0.0
        for i in range(M):
            F[i] *= a_lazy * sq
            e[i] = F[i] - y[i]
            L += e[i] * e[i]
        L /= 2.0 * M
        if r < rec_steps.shape[0] and rec_steps[r] == step:
            losses[r] = L
            r += 1
        if step == n_steps:
            break
        # gradients (divided by a_lazy^2 through the learning rate: eta / a_lazy^2)
        c = a_lazy * sq / M
        for n in range(N):
            sa = 0.0
            sbb = 0.0
            for k in range(d):
                gw[n, k] = 0.0
            for i in range(M):
                z = sb * b[n]
                for k in range(d):
                    z += sw * w[n, k] * X[i, k]
                if z > 0:
                    sa += e[i] * z
                    sbb += e[i]
                    for k in range(d):
                        gw[n, k] += e[i] * X[i, k]
            ga[n] = c * sa
            gb[n] = c * a[n] * sb * sbb
            for k in range(d):
                gw[n, k] *= c * a[n] * sw
        lr = eta / (a_lazy * a_lazy)
        for n in range(N):
            a[n] -= lr * ga[n]
            b[n] -= lr * gb[n]
            for k in range(d):
                w[n, k] -= lr * gw[n, k]
    return r


def _check_train(X, y, a_lazy, eta, n_steps, record):
    X = _check_points(X)
    y = np.asarray(y, dtype=float)
    if y.shape != (X.shape[0],):
        raise ValueError(f"`y` must have shape ({X.shape[0]},), got {y.shape}")
    if not (np.isfinite(a_lazy) and a_lazy > 0):
        raise ValueError(f"`a_lazy` must be > 0, got {a_lazy!r}")
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"`eta` must be > 0, got {eta!r}")
    integer("n_steps", n_steps, 0)
    rec = np.unique(np.asarray(record, dtype=np.int64))
    if rec.size == 0 or rec.min() < 0 or rec.max() > n_steps:
        raise ValueError(f"`record` steps must lie in [0, n_steps = {n_steps}]")
    return X, y, rec


def train_gd(X, y, params, a_lazy=1.0, eta=1.0, n_steps=1000, record=None, sigma_w=1.0,
             sigma_b=1.0, lam_max=None):
    """Full-batch GD of the scaled network (numba); returns ``(steps, losses, (w, b, a))``.

    ``params = (w, b, a)`` is copied.  If ``lam_max`` (top eigenvalue of ``K/M``) is given, the step
    must satisfy ``eta < 2/lam_max`` (ValueError otherwise).
    """
    record = np.arange(n_steps + 1) if record is None else record
    X, y, rec = _check_train(X, y, a_lazy, eta, n_steps, record)
    if lam_max is not None and not eta < 2.0 / lam_max:
        raise ValueError(f"step `eta` = {eta} must be < 2/lam_max = {2.0 / lam_max:.6g}")
    w, b, a = (np.array(p, dtype=float) for p in params)
    if w.shape != (a.size, X.shape[1]) or b.shape != a.shape:
        raise ValueError("`params` must be (w (N, d), b (N,), a (N,)) matching the data dimension")
    losses = np.empty(rec.size)
    nrec = _gd_kernel(X, y, w, b, a, float(a_lazy), float(sigma_w), float(sigma_b), float(eta),
                      int(n_steps), rec, losses)
    if nrec != rec.size or not np.all(np.isfinite(losses)):
        raise ValueError("GD diverged (non-finite loss): reduce `eta`")
    return rec, losses, (w, b, a)


def train_gd_numpy(X, y, params, a_lazy=1.0, eta=1.0, n_steps=1000, record=None, sigma_w=1.0,
                   sigma_b=1.0):
    """NumPy reference path of :func:`train_gd` (same update, vectorised)."""
    record = np.arange(n_steps + 1) if record is None else record
    X, y, rec = _check_train(X, y, a_lazy, eta, n_steps, record)
    w, b, a = (np.array(p, dtype=float) for p in params)
    M, N = X.shape[0], a.size
    out = []
    for step in range(n_steps + 1):
        z = sigma_w * X @ w.T + sigma_b * b[None, :]
        R = np.maximum(z, 0)
        F = a_lazy * R @ a / math.sqrt(N)
        e = F - y
        if step in set(rec.tolist()):
            out.append(0.5 * np.mean(e ** 2))
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
