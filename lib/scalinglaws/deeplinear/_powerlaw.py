"""Per-mode (heterogeneous) D-site kernel of the deep-linear DMFT on power-law data at finite width
``N`` and/or online-SGD batch ``B`` (``O(K T^3)`` time, ``K T^2`` memory; ``K`` modes or bins).

The layer passes are those of the isotropic solver (:mod:`._strided`); only the D/P-site differs:
every mode ``k`` has its own response ``R_k = (I - lambda_k H)^-1``.  Array names as in
:mod:`._causal`; ``R[t, s, k]`` is ``R_k(t, s)``, ``v[s, k]`` the batch-noise variance of mode ``k``
and ``Cdd[t, k]`` its error variance ``C_{delta,k}(t, t)``.
"""
from __future__ import annotations

import numba
import numpy as np

from ._strided import _backward_layers, _forward_layers

__all__: list[str] = []   # private kernels


# flat signature: called from the numba kernels only (numba has no keyword-only arguments)
@numba.njit(cache=True, fastmath=True)
def _pl_dsite_general(t, Hrow, Cg1, lam, b2, w, cxi, cA, invB, sigma2, R, v, Cdd, Ce, A0):
    """Heterogeneous (per-mode) D-site at finite width N and/or batch B (Eqs. (T3.38)-(T3.41), ours).

    Per mode k (layout R[t, s, k]): R_k = (I - lam_k H)^-1, x_k = R_k 1,
    delta_k = R_k (xi_k - b_k 1 + H n_k) with xi_k ~ GP(0, C_g^1/(gamma0^2 N)), white batch noise n_k of
    variance v_k(s) = (lam_k (L(s) + sigma^2) + lam_k^2 C_dk(s,s))/B; e_k = lam_k delta_k + n_k.
    Returns the test loss L(t) = sum_k w_k lam_k C_dk(t,t) + sigma^2."""
    K = lam.shape[0]
    # row t of every R_k
    for k in range(K):
        R[t, t, k] = 1.0
    for u in range(t):
        h = Hrow[u]
        if h != 0.0:
            for s in range(u + 1):
                for k in range(K):
                    R[t, s, k] += lam[k] * h * R[u, s, k]
    x = np.zeros(K)
    for s in range(t + 1):
        for k in range(K):
            x[k] += R[t, s, k]
    # xi part: Y[:, k] = C_g^1 R_k(t,:)^T (one pass over the lower triangle of C_g^1 for all modes)
    Y = np.zeros((t + 1, K))
    if cxi != 0.0:
        for i in range(t + 1):
            for j in range(i):
                c = Cg1[i, j]
                for k in range(K):
                    Y[i, k] += c * R[t, j, k]
                    Y[j, k] += c * R[t, i, k]
            c = Cg1[i, i]
            for k in range(K):
                Y[i, k] += c * R[t, i, k]
    # per-mode C_dk(t,t)
    Lt = sigma2
    for k in range(K):
        acc = b2[k] * x[k] * x[k]
        if cxi != 0.0:
            q = 0.0
            for s in range(t + 1):
                q += R[t, s, k] * Y[s, k]
            acc += cxi * q
        if invB != 0.0:
            q = 0.0
            for s in range(t):
                r = R[t, s, k] / lam[k]
                q += r * r * v[s, k]
            acc += q
        Cdd[t, k] = acc
        Lt += w[k] * lam[k] * acc
    if invB != 0.0:
        for k in range(K):
            v[t, k] = invB * (lam[k] * Lt + lam[k] * lam[k] * Cdd[t, k])
    # z_k = lam_k^2 cxi Y_k + v_k * R_k(t,:)  ->  C_e(t,s) = sum_k w_k [lam^2 b2 x_k(t) x_k(s) + R_k(s,:) z_k]
    Z = np.zeros((t + 1, K))
    for s in range(t + 1):
        for k in range(K):
            z = 0.0
            if cxi != 0.0:
                z += lam[k] * lam[k] * cxi * Y[s, k]
            if invB != 0.0:
                z += v[s, k] * R[t, s, k]
            Z[s, k] = w[k] * z
    for s in range(t + 1):
        acc = 0.0
        xs = np.zeros(K)
        for u in range(s + 1):
            for k in range(K):
                acc += R[s, u, k] * Z[u, k]
                xs[k] += R[s, u, k]
        for k in range(K):
            acc += w[k] * lam[k] * lam[k] * b2[k] * x[k] * xs[k]
        Ce[t, s] = acc
        Ce[s, t] = acc
        a = 0.0
        for k in range(K):
            a += w[k] * lam[k] * R[t, s, k]
        A0[t, s] = cA * a
    return Lt


# flat signature: numba caches one compiled version per signature (a tuple or record costs 1-2 s of
# compilation per fresh process, measured); the Python side calls it by keyword
@numba.njit(cache=True, fastmath=True)
def _powerlaw_general_kernel(L, T, gamma0, eta0, lam, b2, w, cxi, cA, invB, sigma2, div_factor):
    eg = eta0 * gamma0
    K = lam.shape[0]
    Mru = np.zeros((L, T, T)); Mrv = np.zeros((L, T, T))
    Mgu = np.zeros((L, T, T)); Mgv = np.zeros((L, T, T))
    Cr = np.zeros((L, T, T)); Cg = np.zeros((L, T, T))
    ones = np.ones((T, T))
    Ce = np.zeros((T, T)); A0 = np.zeros((T, T)); H = np.zeros((T, T))
    R = np.zeros((T, T, K)); v = np.zeros((T, K)); Cdd = np.zeros((T, K))
    test = np.full(T, np.inf)
    tdiv = -1
    row = np.zeros(T)
    Q = np.zeros(T)
    for t in range(T):
        _backward_layers(t, L, eg, Ce, Mru, Mrv, Mgu, Mgv, Cr, Cg, ones, row, Q)
        for s in range(t):
            H[t, s] = Mgu[0, t, s] / gamma0 - eta0 * Cg[0, t, s]
        te = _pl_dsite_general(t, H[t], Cg[0], lam, b2, w, cxi, cA, invB, sigma2, R, v, Cdd, Ce, A0)
        test[t] = te
        if not np.isfinite(te) or te > div_factor * test[0]:
            test[t] = np.inf
            tdiv = t
            break
        _forward_layers(t, L, eg, Ce, A0, Mru, Mrv, Mgu, Mgv, Cr, Cg, ones, row)
    return test, tdiv, Cg[0].copy(), H
