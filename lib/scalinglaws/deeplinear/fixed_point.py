"""The deep-linear DMFT as dense matrix equations, solved by a growing-window fixed point (NumPy).

This module is the executable statement of the equations (notes 03 §2.3, §2.7a): read it first.
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
``0`` with ``R_D = I`` (population); ``sl`` is the strictly lower triangle.  Test loss
``L(t) = C_d(t,t) + sigma^2``, train loss ``C_D(t,t)``.  The window of solved steps grows by
``window`` at a time and is iterated to ``tol``; an unconverged window raises
:class:`DMFTConvergenceError`.  The causal kernels (:mod:`._causal`) solve the same equations row
by row in one pass; the tests hold the two to agreement.
"""
from __future__ import annotations

import numpy as np

from .._validation import integer, positive
from .modes import FULL_BATCH, ONLINE_SGD

__all__ = ["DMFTConvergenceError", "linear_regression_dmft"]


class DMFTConvergenceError(RuntimeError):
    """A fixed-point DMFT iteration did not converge (or overflowed); no curve is returned."""


def _sl(M):
    return np.tril(M, -1)


def _fixed_point_numpy(L, T, *, mode, centred, inv_g2nu, inv_gnu, gamma0, eta0, alpha, alpha_B, sigma2,
                       window=2, tol=1e-11, max_iter=400):
    """Growing-window fixed point of notes §2.7a (dense inverses, non-residual)."""
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
    while Tw < T:
        Tw = min(T, Tw + window)
        n = Tw
        I = np.eye(n); one = np.ones((n, n))
        Cg = [pad_c(c, n) for c in Cg]; Cr = [pad_r(c, n) for c in Cr]
        A = [pad_r(a, n) for a in A]; B = [pad_r(x, n) for x in B]
        RD = pad_r(RD, n, eye=True); CD = pad_c(CD, n); Cd = pad_c(Cd, n)
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
                raise DMFTConvergenceError(f"fixed point overflowed in window T_w = {Tw} (iteration {it}); "
                                   "use a smaller window or the causal solver")
            if np.max(np.abs(new - old)) <= tol * max(1.0, np.max(np.abs(new))):
                break
        else:
            raise DMFTConvergenceError(f"fixed point did not converge in {max_iter} iterations (window T_w = {Tw})")
    test = np.diag(Cd) + sigma2
    train = np.diag(CD) if mode == 1 else test.copy()
    return test, train, Cg[0], B[0] / gamma0 - eta0 * _sl(Cg[0])


def linear_regression_dmft(eta, T, alpha, sigma=0.0):
    """Pure linear regression (no network, notes §2.4): the D/P-site equations with ``H = -eta sl(1)``,
    ``K_a = 1`` (zero init), full batch at data ratio ``alpha``.  Returns ``(test, train)``."""
    eta = positive("eta", eta)
    T = integer("T", T, 1)
    alpha = positive("alpha", alpha)
    n = T
    I = np.eye(n); one = np.ones((n, n))
    H = -eta * _sl(one)
    RD = I.copy(); CD = one.copy()
    for _ in range(10 * n + 50):
        Cn = CD / alpha
        Me = np.linalg.inv(I - RD @ H)
        G = np.linalg.inv(I - H @ RD)
        HMe = H @ Me
        Cd = G @ one @ G.T + HMe @ Cn @ HMe.T
        RD_new = np.linalg.inv(I - HMe / alpha)
        CD_new = RD_new @ (Cd + sigma ** 2 * one) @ RD_new.T
        done = np.max(np.abs(CD_new - CD)) <= 1e-12 * max(1.0, np.max(np.abs(CD_new)))
        RD, CD = RD_new, CD_new
        if done:
            break
    else:
        raise DMFTConvergenceError("linear-regression DMFT did not converge")
    return np.diag(Cd) + sigma ** 2, np.diag(CD)
