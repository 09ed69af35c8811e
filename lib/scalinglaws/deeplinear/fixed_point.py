"""The deep-linear DMFT as dense matrix equations, solved by a growing-window fixed point (NumPy).

This module is the executable statement of the equations (Eqs. (T3.14)-(T3.17) of the theory page,
solved as in Eq. (T3.27)): read it first.
In the proportional limit every single-site quantity is a ``T x T`` correlation or response
matrix; one sweep of the closed matrix form is

    H   = B^1/gamma0 - eta0 sl(C_g^1),        K_a = C_g^1/(gamma0^2 nu) + 1
    M_e = (I - R_D H)^-1,  G = (I - H R_D)^-1
    C_e = M_e (R_D K_a R_D^T + C_n) M_e^T,   A^0 = M_e R_D/(gamma0 nu)
    C_d = G K_a G^T + H M_e C_n M_e^T H^T,    R_D = (I - H M_e/alpha)^-1,  C_D = R_D (C_d + s^2 1) R_D^T
    layer l: P = A^{l-1} - eta0 gamma0 sl(C_r^{l-1}), Q = B^{l+1} - eta0 gamma0 sl(C_g^{l+1}),
             M = (I - P Q)^-1, C_r^l = M (C_r^{l-1} + P C_g^{l+1} P^T) M^T, A^l = M P, B^l = Q M,
             C_g^l = (I + QMP) C_g^{l+1} (I + QMP)^T + Q M C_r^{l-1} M^T Q^T

with ``C_n = C_D/alpha`` (full batch), ``diag(C_d + s^2)/alpha_B`` with ``R_D = I`` (online SGD) or
``0`` with ``R_D = I`` (population), Eq. (T3.16); ``sl`` is the strictly lower triangle.  Test loss
``L(t) = C_d(t,t) + sigma^2``, train loss ``C_D(t,t)`` (Eq. (T3.18)).  The window of solved steps grows by
``window`` at a time (one at a time to retry a window that broke down) and is iterated to ``tol``.  Divergence is an outcome, reported as by the
causal solver: once a converged window's loss exceeds ``DIVERGENCE_FACTOR * L(0)`` the solve
stops there, and a window whose iteration breaks down (overflow, a singular inverse or no
convergence) while its loss is past that threshold counts as diverged too.  A window that does not
converge at a loss below it raises :class:`DMFTConvergenceError`.  The causal kernels (:mod:`._causal`) solve the same equations row
by row in one pass; the tests hold the two to agreement.
"""
from __future__ import annotations

import numpy as np

from .._validation import integer, positive
from ..compare import DIVERGENCE_FACTOR
from ._checks import memory, noise as _noise
from .modes import FULL_BATCH, ONLINE_SGD

__all__ = ["DMFTConvergenceError", "linear_regression_dmft"]


class DMFTConvergenceError(RuntimeError):
    """A fixed-point DMFT iteration did not converge at a non-divergent learning rate (its loss
    below ``DIVERGENCE_FACTOR * L(0)``); no curve is returned.  (A divergent rate is not an
    error: it is flagged in the result.)"""


def _first_blowup(te, tr, te0, tr0):
    """First step at which the test or train loss is non-finite or past ``DIVERGENCE_FACTOR`` times
    its reference (``L(0)``; as in the causal kernel); ``None`` if there is none."""
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(te) | ~np.isfinite(tr) | (te > DIVERGENCE_FACTOR * te0) | \
            (tr > DIVERGENCE_FACTOR * max(te0, tr0))
    return int(np.argmax(bad)) if bad.any() else None


def _sl(M):
    return np.tril(M, -1)


def _fixed_point_numpy(L, T, *, mode, centred, inv_g2nu, inv_gnu, gamma0, eta0, alpha, alpha_B, sigma2,
                       window=2, tol=1e-11, max_iter=400):
    """Growing-window fixed point of Eq. (T3.27) (dense inverses, non-residual)."""
    Cg = [np.ones((0, 0)) for _ in range(L)]
    Cr = [np.zeros((0, 0)) for _ in range(L)]
    A = [np.zeros((0, 0)) for _ in range(L)]
    B = [np.zeros((0, 0)) for _ in range(L)]
    RD = np.zeros((0, 0)); CD = np.ones((0, 0)); Cd = np.ones((0, 0))

    def pad_c(M, n):
        m = M.shape[0]
        out = np.ones((n, n)) if m == 0 else np.empty((n, n))
        if m:
            idx = np.minimum(np.arange(n), m - 1)
            out = M[np.ix_(idx, idx)].copy()
        return out

    def pad_r(M, n, eye=False):
        out = np.eye(n) if eye else np.zeros((n, n))
        m = M.shape[0]
        out[:m, :m] = M
        return out

    Tw = 0
    tdiv = None
    te0 = tr0 = None    # L(0) of the test and train losses (from the first window)
    good = None         # (test, train, Cg1, H) of the last converged window
    step = window
    while Tw < T and tdiv is None:
        Tw_prev = Tw
        Tw = min(T, Tw + step)
        n = Tw
        state = (Cg, Cr, A, B, RD, CD, Cd)     # the last converged window (padding makes new arrays)
        I = np.eye(n); one = np.ones((n, n))
        Cg = [pad_c(c, n) for c in Cg]; Cr = [pad_r(c, n) for c in Cr]
        A = [pad_r(a, n) for a in A]; B = [pad_r(x, n) for x in B]
        RD = pad_r(RD, n, eye=True); CD = pad_c(CD, n); Cd = pad_c(Cd, n)
        failed = None
        last = None     # (test, train) of the last finite iterate
        with np.errstate(all="ignore"):
            try:
                for it in range(max_iter):
                    old = np.concatenate([Cd.ravel(), CD.ravel(), Cg[0].ravel()])
                    Cg1 = Cg[0]
                    H = B[0] / gamma0 - eta0 * _sl(Cg1)
                    if centred:
                        c = Cg1[:, :1]
                        Cgc = Cg1 - c - c.T + Cg1[0, 0]
                    else:
                        Cgc = Cg1
                    Ka = Cgc * inv_g2nu + one
                    if mode == FULL_BATCH:
                        Cn = CD / alpha
                    elif mode == ONLINE_SGD:
                        Cn = np.diag(np.diag(Cd) + sigma2) / alpha_B
                        RD = I.copy()
                    else:
                        Cn = np.zeros((n, n)); RD = I.copy()
                    Me = np.linalg.inv(I - RD @ H)
                    G = np.linalg.inv(I - H @ RD)
                    Ce = Me @ (RD @ Ka @ RD.T + Cn) @ Me.T
                    A0 = Me @ RD * inv_gnu
                    if centred:
                        Pc = I.copy(); Pc[:, 0] -= 1.0
                        A0 = A0 @ Pc
                    HMe = H @ Me
                    Cd = G @ Ka @ G.T + HMe @ Cn @ HMe.T
                    if mode == FULL_BATCH:
                        RD = np.linalg.inv(I - HMe / alpha)
                        CD = RD @ (Cd + sigma2 * one) @ RD.T
                    else:
                        CD = Cd + sigma2 * one
                    for l in range(L):
                        Cu, Ain = (Ce, A0) if l == 0 else (Cr[l - 1], A[l - 1])
                        Cv, Bout = (Cg[l + 1], B[l + 1]) if l < L - 1 else (one, np.zeros((n, n)))
                        Pm = Ain - eta0 * gamma0 * _sl(Cu)
                        Qm = Bout - eta0 * gamma0 * _sl(Cv)
                        M = np.linalg.inv(I - Pm @ Qm)
                        Cr[l] = M @ (Cu + Pm @ Cv @ Pm.T) @ M.T
                        A[l] = M @ Pm
                        B[l] = Qm @ M
                        Kk = I + Qm @ M @ Pm
                        QM = Qm @ M
                        Cg[l] = Kk @ Cv @ Kk.T + QM @ Cu @ QM.T
                    new = np.concatenate([Cd.ravel(), CD.ravel(), Cg[0].ravel()])
                    if not np.all(np.isfinite(new)):
                        failed = f"fixed point overflowed (iteration {it})"
                        break
                    last = (np.diag(Cd) + sigma2, np.diag(CD) if mode == FULL_BATCH else np.diag(Cd) + sigma2)
                    if np.max(np.abs(new - old)) <= tol * max(1.0, np.max(np.abs(new))):
                        break
                else:
                    failed = f"fixed point did not converge in {max_iter} iterations"
            except np.linalg.LinAlgError:
                failed = "fixed point hit a singular matrix"
        if failed is not None and Tw - Tw_prev > 1:
            Cg, Cr, A, B, RD, CD, Cd = state      # retry this window one step at a time
            Tw, step = Tw_prev, 1
            continue
        step = window
        if failed is not None:
            # divergence if the loss of the last iterate is past the threshold (or there is none: the
            # new steps overflowed outright); a breakdown at a moderate loss is a convergence error
            if last is not None and te0 is None:
                te0, tr0 = float(last[0][0]), float(last[1][0])
            blown = last is None or te0 is None or _first_blowup(last[0][Tw_prev:], last[1][Tw_prev:], te0, tr0) is not None
            if not blown:
                raise DMFTConvergenceError(f"{failed} in window T_w = {Tw} at a non-divergent loss; "
                                           "use a smaller window or the causal solver")
            tdiv = max(Tw_prev, 1)
            break
        te, tr = last
        if te0 is None:
            te0, tr0 = float(te[0]), float(tr[0])
        good = (te, tr, Cg[0].copy(), B[0] / gamma0 - eta0 * _sl(Cg[0]))
        tdiv = _first_blowup(te, tr, te0, tr0)
    test = np.full(T, np.inf); train = np.full(T, np.inf)
    Cg1 = np.zeros((T, T)); H = np.zeros((T, T))
    m = T if tdiv is None else tdiv
    if good is None and te0 is not None and m >= 1:
        test[0], train[0] = te0, tr0
    if good is not None:
        k = min(m, good[0].size)
        test[:k] = good[0][:k]; train[:k] = good[1][:k]
        Cg1[:k, :k] = good[2][:k, :k]; H[:k, :k] = good[3][:k, :k]
    return test, train, (-1 if tdiv is None else tdiv), Cg1, H


def linear_regression_dmft(eta, T, alpha, sigma=0.0):
    """Pure linear regression (no network, Eq. (T3.31)): the D/P-site equations (Eqs. (T3.14)-(T3.15))
    with ``H = -eta sl(1)``, ``K_a = 1`` (zero init), full batch at data ratio ``alpha``.  Returns
    ``(test, train)``, arrays of length ``T`` (``t = 0..T-1``).

    ``eta``, ``alpha``: finite reals > 0; ``T``: integer >= 1; ``sigma``: finite real >= 0 (the
    label-noise std).  Raises ``ValueError`` otherwise.  Solved on a window growing by 4 steps,
    each iterated to convergence.  Divergence is an outcome, as for the simulators: from the first
    step whose loss exceeds ``DIVERGENCE_FACTOR * L(0)`` (or a window whose iteration breaks down
    past that threshold) both curves are ``inf``.  A window that does not converge at a lower loss
    raises :class:`DMFTConvergenceError`."""
    eta = positive("eta", eta)
    T = integer("T", T, 1)
    alpha = positive("alpha", alpha)
    sigma = _noise(sigma)
    memory(8.0 * 12 * T * T, "`T`", f"T = {T} steps")
    s2 = sigma ** 2
    test = np.full(T, np.inf); train = np.full(T, np.inf)
    te0 = tr0 = 1.0 + s2     # zero init: L(0) = 1 + sigma^2 for both
    RD = np.zeros((0, 0)); CD = np.zeros((0, 0))
    Tw = 0
    while Tw < T:
        Tw_prev, Tw = Tw, min(T, Tw + 4)
        n = Tw
        I = np.eye(n); one = np.ones((n, n))
        H = -eta * _sl(one)
        R_, C_ = np.eye(n), np.ones((n, n))
        R_[:Tw_prev, :Tw_prev] = RD; C_[:Tw_prev, :Tw_prev] = CD
        RD, CD = R_, C_
        failed, last = None, None
        with np.errstate(all="ignore"):
            try:
                for _ in range(10 * n + 50):
                    Cn = CD / alpha
                    Me = np.linalg.inv(I - RD @ H)
                    G = np.linalg.inv(I - H @ RD)
                    HMe = H @ Me
                    Cd = G @ one @ G.T + HMe @ Cn @ HMe.T
                    RD_new = np.linalg.inv(I - HMe / alpha)
                    CD_new = RD_new @ (Cd + s2 * one) @ RD_new.T
                    if not (np.all(np.isfinite(CD_new)) and np.all(np.isfinite(Cd))):
                        failed = "overflowed"
                        break
                    done = np.max(np.abs(CD_new - CD)) <= 1e-12 * max(1.0, np.max(np.abs(CD_new)))
                    RD, CD = RD_new, CD_new
                    last = (np.diag(Cd) + s2, np.diag(CD))
                    if done:
                        break
                else:
                    failed = "did not converge"
            except np.linalg.LinAlgError:
                failed = "hit a singular matrix"
        if failed is not None:
            if last is not None and _first_blowup(last[0][Tw_prev:], last[1][Tw_prev:], te0, tr0) is None:
                raise DMFTConvergenceError(f"linear-regression DMFT {failed} in window T_w = {Tw} at a "
                                           "non-divergent loss")
            test[0], train[0] = te0, tr0  # L(0) (no dynamics); diverged from this window's first new step on
            return test, train
        t = _first_blowup(last[0], last[1], te0, tr0)
        k = Tw if t is None else t
        test[:k], train[:k] = last[0][:k], last[1][:k]
        if t is not None:
            break
    return test, train
