"""The random-feature model on real features: a kernel's eigenfeatures of a finite pool of inputs.

Equation numbers refer to the book's theory page for paper 2 (``chapters/theory/p2_dynamical.md``):
the eigenfeatures are Eq. (T2.45), the pool losses Eq. (T2.46).

A pool of ``n`` inputs ``x_1..x_n`` with kernel Gram matrix ``K`` is the population (its empirical
distribution).  :func:`kernel_features` eigen-decomposes ``K/n = V diag(lam) V^T`` and returns the
base features ``psi_k(x_i) = sqrt(n lam_k) V_ik`` (population covariance ``psi^T psi / n =
diag(lam)``), the teacher ``w*`` with ``psi w* = y`` and the task powers ``c_k = lam_k w*_k^2`` that
:class:`~scalinglaws.randomfeatures.Spectrum` takes raw.  :func:`simulate_features` trains the
random-feature model of paper 2 on those features: ``f(x) = v . A psi(x) / sqrt(N)``
with Gaussian ``A`` (N x M), P training inputs drawn iid from the pool, gradient flow or GD from
``v = 0`` on ``(1/2P) sum_mu (f(x_mu) - y_mu)^2`` (time ``t = eta x steps``, the theory's
convention), test loss on the whole pool ``L = (1/n) sum_i (f(x_i) - y_i)^2``.  The synthetic
simulator :func:`~scalinglaws.randomfeatures.draw_loss` draws Gaussian features of the same
covariance; agreement of this one with the theory is a test of Gaussian equivalence.
"""
from __future__ import annotations

import math

import numpy as np
from .._blas import blas_limits

from .._validation import array, integer
from ..compare import SimResult
from .simulation import _check_stable, _check_t_eta, _check_width, _one_minus_over

__all__ = ["kernel_features", "simulate_features"]

_ELEMENTS_MAX = 2 * 10 ** 8      # entries of one dense matrix (psi, A, the sampled features)


def _gram(K):
    K = array("K_over_M", K, ndim=2)
    n = K.shape[0]
    if K.shape != (n, n) or n < 2:
        raise ValueError(f"`K_over_M` must be a square matrix of size >= 2, got shape {K.shape}")
    if n * n > _ELEMENTS_MAX:
        raise ValueError(f"`K_over_M` must have at most {_ELEMENTS_MAX:.0e} entries, got {n} x {n}")
    scale = float(np.max(np.abs(K)))
    if scale == 0 or np.max(np.abs(K - K.T)) > 1e-8 * scale:
        raise ValueError("`K_over_M` must be symmetric (to 1e-8 max|K|) and nonzero")
    return K, n


def kernel_features(K_over_M, y):
    """Eigenfeatures of a pool (Eq. (T2.45)): ``K/n = V diag(lam) V^T`` (lam decreasing) and, for the target ``y``,

    ``psi = V diag(sqrt(n lam))`` (row i = the features of input i; ``psi^T psi / n = diag(lam)`` and
    ``psi psi^T = n K_over_M = K``), ``w* = diag(sqrt(n lam))^-1 V^T y``
    (so ``psi w* = y``) and the task powers ``c_k = lam_k w*_k^2 = (V^T y)_k^2 / n``, with
    ``sum_k c_k = |y|^2 / n`` = the loss at ``v = 0`` (with the pool as the population).
    Returns ``(lam, c, psi, w)``; feed ``Spectrum(a, b, n, lam, c, ones(n), False)`` to the theory.

    ``K_over_M``: a finite symmetric positive-definite ``(n, n)`` matrix, n >= 2 (the Gram matrix
    divided by the pool size); ``y``: a finite array of shape ``(n,)``.  ValueError otherwise (an
    eigenvalue <= 1e-13 lam_max: the features of that mode are not defined to double precision).
    """
    K, n = _gram(K_over_M)
    y = array("y", y, ndim=1, shape=(n,))
    with blas_limits():   # the BLAS thread policy (scalinglaws._blas)
        lam, V = np.linalg.eigh(K)
    lam, V = lam[::-1].copy(), np.ascontiguousarray(V[:, ::-1])
    if lam[-1] <= 1e-13 * lam[0]:
        raise ValueError(f"`K_over_M` must be positive definite (every eigenvalue > 1e-13 lam_max), got "
                         f"lam_min = {lam[-1]:.3g} with lam_max = {lam[0]:.3g}")
    s = np.sqrt(n * lam)
    proj = V.T @ y
    psi = V * s[None, :]
    w = proj / s
    c = proj ** 2 / n
    return lam, c, psi, w


def _draw(psi, y, Sig, diag, bvec, y2, N, P, t, eta, rng):
    """Test and train loss of one draw (A, sample indices); see :func:`simulate_features`."""
    n, M = psi.shape
    if N is None:
        G = None
    else:
        G = rng.standard_normal((N, M)).T / math.sqrt(N)            # M x N: phi(x) = G^T psi(x)

    def SigG(B):          # Sigma @ B for the population covariance
        return Sig[:, None] * B if diag else Sig @ B

    if P is None:         # population gradient flow: d theta/dt = b_phi - Sigma_phi theta
        if G is None:
            Sph, bph = (np.diag(Sig) if diag else Sig), bvec
        else:
            Sph, bph = G.T @ SigG(G), G.T @ bvec
        mu, Q = np.linalg.eigh(0.5 * (Sph + Sph.T))
        mu = np.maximum(mu, 0.0)
        _check_stable(eta, float(mu.max()))
        cc = Q.T @ bph
        L = y2 - (_one_minus_over(mu, 2 * t, eta) * cc ** 2).sum(1)
        return L, L.copy()
    idx = rng.integers(0, n, P)                                      # iid from the pool
    Phi = psi[idx] if G is None else psi[idx] @ G                    # P x N'
    U, s, Vt = np.linalg.svd(Phi / math.sqrt(P), full_matrices=False)
    _check_stable(eta, float((s ** 2).max()))
    ytil = y[idx] / math.sqrt(P)
    q = U.T @ ytil
    GV = Vt.T if G is None else G @ Vt.T                             # M x r: theta = V u
    bV = GV.T @ bvec
    SV = GV.T @ SigG(GV)
    u = _one_minus_over(s ** 2, t, eta) * (s * q)[None, :]           # u_j(t) = (1 - d(s_j^2, t)) q_j / s_j
    L = y2 - 2 * u @ bV + np.einsum("ti,ij,tj->t", u, SV, u)
    su = s[None, :] * u
    Lh = float(ytil @ ytil) - 2 * (su * q[None, :]).sum(1) + (su ** 2).sum(1)
    return L, Lh


def simulate_features(psi, y, N, P, t, *, n_seeds=8, seed=0, eta=None) -> SimResult:
    """Random-feature model on given features, averaged over draws of ``A`` and of the training set (Eq. (T2.46)).

    The population is the ``n`` rows of ``psi`` (features ``psi(x_i)``, shape (n, M)) with targets
    ``y_i``.  Each draw samples ``A ~ N(0,1)^{N x M}`` and P indices iid uniform on the pool, and
    trains ``f(x) = theta . A psi(x) / sqrt(N)`` (``N = None``: ``theta . psi(x)``) from 0 on
    ``(1/2P) |y_P - Phi theta|^2`` exactly in the SVD basis of ``Phi / sqrt(P) = U s V^T``:
    ``theta(t) = V [(1 - d(s^2, t)) / s] U^T y_P / sqrt(P)`` with ``d = e^{-s^2 t}`` (gradient flow)
    or ``(1 - eta s^2)^{t/eta}`` (GD with step eta, t = eta x steps, as in ``simulation.draw_loss``).  Test loss
    on the pool ``L = |y|^2/n - 2 theta . b_phi + theta^T Sigma_phi theta`` (``Sigma_phi = G^T Sigma G``,
    ``b_phi = G^T psi^T y / n``, ``G = A^T / sqrt(N)``, ``Sigma = psi^T psi / n``), train loss
    ``|y_P - Phi theta|^2 / P``.  ``P = None`` / ``np.inf``: population gradient flow (test = train)
    ``L = |y|^2/n - sum_j c_j^2 (1 - d(mu_j, t)^2)/mu_j`` in the eigenbasis of ``Sigma_phi``.
    Draw i uses ``default_rng([seed, i])``.

    Inputs: ``psi`` finite (n, M) with n >= 2; ``y`` finite (n,); N and P integers in [1, M] (or
    None / np.inf); ``t`` 1-D finite times > 0 (multiples of eta with eta given); ``n_seeds`` an
    integer >= 2, ``seed`` >= 0; ``eta`` None or a finite step > 0 with ``eta s_max^2 < 2``.
    ValueError otherwise; FloatingPointError if a loss comes out below ``-1e-9 |y|^2/n`` (round-off
    beyond its expected size; losses within it are returned as 0).
    """
    psi = array("psi", psi, ndim=2)
    n, M = psi.shape
    if n < 2:
        raise ValueError(f"`psi` must have at least 2 rows (inputs), got shape {psi.shape}")
    if psi.size > _ELEMENTS_MAX:
        raise ValueError(f"`psi` must have at most {_ELEMENTS_MAX:.0e} entries, got {n} x {M}")
    y = array("y", y, ndim=1, shape=(n,))
    N = _check_width(N, "N", M)  # the simulator's width rule: integer in [1, M], None or inf
    P = _check_width(P, "P", M)
    if N is not None and N * M > _ELEMENTS_MAX:
        raise ValueError(f"`N` x M must be <= {_ELEMENTS_MAX:.0e}, got {N} x {M}")
    t, eta = _check_t_eta(t, eta)
    t = array("t", t, ndim=1, increasing=True)
    n_seeds = integer("n_seeds", n_seeds, 2)
    seed = integer("seed", seed, 0)
    y2 = float(y @ y) / n
    if y2 == 0:
        raise ValueError("`y` must not be identically zero (the loss would be 0 at every time)")
    with blas_limits():
        Sig = psi.T @ psi / n
        bvec = psi.T @ y / n
        d = np.diag(Sig).copy()
        diag = bool(np.max(np.abs(Sig - np.diag(d))) <= 1e-12 * max(float(d.max()), 1e-300))
        if diag:
            Sig = d
        draws_te, draws_tr = [], []
        for i in range(n_seeds):
            L, Lh = _draw(psi, y, Sig, diag, bvec, y2, N, P, t, eta, np.random.default_rng([seed, i]))
            for nm, v in (("test", L), ("train", Lh)):
                if not np.all(np.isfinite(v)) or np.any(v < -1e-9 * y2):
                    raise FloatingPointError(f"simulate_features: {nm} loss {np.min(v):.3g} is NaN or negative "
                                             f"beyond round-off (|y|^2/n = {y2:.3g})")
            draws_te.append(np.maximum(L, 0.0))
            draws_tr.append(np.maximum(Lh, 0.0))
    return SimResult.from_draws(t, draws_te, draws_tr)
