"""Row kernels of the causal DMFT solver on full ``T x T`` storage (shared by the residual and the
per-mode power-law solvers; the plain network uses the packed kernels of :mod:`._causal`).

Array naming (the legend of :mod:`._causal` holds for these kernels too): ``M<x><s>[t, :]`` is
row ``t`` of the lower-triangular linear map from Gaussian source ``s`` to single-site variable
``x``; ``C<x>`` a symmetric two-time correlation.  Row ``t`` of every map and correlation is computed
from rows ``< t`` only (causality), so one pass over ``t`` solves the equations.
"""
from __future__ import annotations

import numba
import numpy as np

from .modes import FULL_BATCH, ONLINE_SGD

__all__: list[str] = []   # private kernels


@numba.njit(cache=True, fastmath=True)
def _corr_row(t, Mt, Cs, Mall, out):
    """out[s] += M(t,:) C M(s,:)^T for s <= t (maps supported on columns <= row index)."""
    # y = C M(t,:)^T reading only the lower triangle of the symmetric C; skip trailing zeros of M(t,:)
    n = t + 1
    while n > 0 and Mt[n - 1] == 0.0:
        n -= 1
    if n == 0:
        return
    y = np.zeros(t + 1)
    for i in range(t + 1):
        acc = 0.0
        mi = Mt[i] if i < n else 0.0
        jm = i if i < n else n
        for j in range(jm):
            c = Cs[i, j]
            acc += c * Mt[j]
            y[j] += c * mi
        if i < n:
            acc += Cs[i, i] * mi
        y[i] += acc
    for s in range(t + 1):
        acc = 0.0
        for j in range(s + 1):
            acc += Mall[s, j] * y[j]
        out[s] += acc


@numba.njit(cache=True, fastmath=True)
def _sym_set(C, t, row):
    for s in range(t + 1):
        C[t, s] = row[s]
        C[s, t] = row[s]


# flat signature: called from the numba kernels only (numba has no keyword-only arguments)
@numba.njit(cache=True, fastmath=True)
def _dsite_step(t, mode, centred, Hrow, Cg1, inv_g2nu, inv_gnu, alpha, alpha_B, sigma2,
                Mda, Mdn, Mea, Men, Cd, CD, RD, Cn, Ce, A0, Ka):
    """D-site and P-site at step t on full ``T x T`` storage (stage 2 of the causal pass,
    Eqs. (T3.23)-(T3.24)). Returns (test, train)."""
    # signal kernel K_a row t
    row = np.zeros(t + 1)
    for s in range(t + 1):
        if centred:
            cg = Cg1[t, s] - Cg1[s, 0] - Cg1[t, 0] + Cg1[0, 0]
        else:
            cg = Cg1[t, s]
        row[s] = cg * inv_g2nu + 1.0
    _sym_set(Ka, t, row)
    # delta maps: delta(t) = a(t) + sum_{s<t} H(t,s) e(s)
    Mda[t, t] = 1.0
    for s in range(t):
        h = Hrow[s]
        if h != 0.0:
            for j in range(s + 1):
                Mda[t, j] += h * Mea[s, j]
                Mdn[t, j] += h * Men[s, j]
    row[:] = 0.0
    _corr_row(t, Mda[t], Ka, Mda, row)
    _corr_row(t, Mdn[t], Cn, Mdn, row)
    _sym_set(Cd, t, row)
    test = Cd[t, t] + sigma2
    train = test
    if mode == FULL_BATCH:
        # R_beta(t,s) = Mdn(t,s)/alpha (s<t); R_D = I + R_beta R_D (row t)
        RD[t, t] = 1.0
        for k in range(t):
            rb = Mdn[t, k] / alpha
            if rb != 0.0:
                for s in range(k + 1):
                    RD[t, s] += rb * RD[k, s]
        z = np.zeros(t + 1)
        for i in range(t + 1):
            acc = 0.0
            for j in range(t + 1):
                acc += (Cd[i, j] + sigma2) * RD[t, j]
            z[i] = acc
        for s in range(t + 1):
            acc = 0.0
            for j in range(s + 1):
                acc += RD[s, j] * z[j]
            row[s] = acc
        _sym_set(CD, t, row)
        for s in range(t + 1):
            Cn[t, s] = CD[t, s] / alpha
            Cn[s, t] = Cn[t, s]
        train = CD[t, t]
    elif mode == ONLINE_SGD:
        RD[t, t] = 1.0
        Cn[t, t] = (Cd[t, t] + sigma2) / alpha_B
    else:
        RD[t, t] = 1.0
    # e maps: e(t) = n(t) + sum_{s<=t} R_D(t,s) delta(s)
    Men[t, t] = 1.0
    for s in range(t + 1):
        r = RD[t, s]
        if r != 0.0:
            for j in range(s + 1):
                Mea[t, j] += r * Mda[s, j]
                Men[t, j] += r * Mdn[s, j]
    row[:] = 0.0
    _corr_row(t, Mea[t], Ka, Mea, row)
    _corr_row(t, Men[t], Cn, Men, row)
    _sym_set(Ce, t, row)
    tot = 0.0
    for s in range(t + 1):
        tot += Mea[t, s]
    for s in range(t + 1):
        a = Mea[t, s]
        if centred and s == 0:
            a -= tot
        A0[t, s] = a * inv_gnu
    return test, train


# flat signature: called from the numba kernels only (numba has no keyword-only arguments)
@numba.njit(cache=True, fastmath=True)
def _backward_layers(t, L, eg, Ce, Mru, Mrv, Mgu, Mgv, Cr, Cg, ones, row, Q):
    """Backward sweep l = L-1..0 at step t (stage 1 of the causal pass, Eq. (T3.22))."""
    for l in range(L - 1, -1, -1):
        Cu = Ce if l == 0 else Cr[l - 1]
        for s in range(t):
            if l < L - 1:
                Q[s] = Mgu[l + 1, t, s] - eg * Cg[l + 1, t, s]
            else:
                Q[s] = -eg
        Mgv[l, t, t] = 1.0
        for s in range(t):
            q = Q[s]
            if q != 0.0:
                for j in range(s + 1):
                    Mgu[l, t, j] += q * Mru[l, s, j]
                    Mgv[l, t, j] += q * Mrv[l, s, j]
        row[:t + 1] = 0.0
        _corr_row(t, Mgu[l, t], Cu, Mgu[l], row)
        if l < L - 1:
            _corr_row(t, Mgv[l, t], Cg[l + 1], Mgv[l], row)
        else:
            _corr_row(t, Mgv[l, t], ones, Mgv[l], row)
        _sym_set(Cg[l], t, row)


# flat signature: called from the numba kernels only (numba has no keyword-only arguments)
@numba.njit(cache=True, fastmath=True)
def _forward_layers(t, L, eg, Ce, A0, Mru, Mrv, Mgu, Mgv, Cr, Cg, ones, row):
    """Forward sweep l = 0..L-1 at step t (stage 3 of the causal pass, Eq. (T3.25))."""
    for l in range(L):
        Cu = Ce if l == 0 else Cr[l - 1]
        Ain = A0 if l == 0 else Mrv[l - 1]
        Mru[l, t, t] = 1.0
        for s in range(t + 1):
            p = Ain[t, s]
            if s < t:
                p -= eg * Cu[t, s]
            if p != 0.0:
                for j in range(s + 1):
                    Mru[l, t, j] += p * Mgu[l, s, j]
                    Mrv[l, t, j] += p * Mgv[l, s, j]
        row[:t + 1] = 0.0
        _corr_row(t, Mru[l, t], Cu, Mru[l], row)
        if l < L - 1:
            _corr_row(t, Mrv[l, t], Cg[l + 1], Mrv[l], row)
        else:
            _corr_row(t, Mrv[l, t], ones, Mrv[l], row)
        _sym_set(Cr[l], t, row)
