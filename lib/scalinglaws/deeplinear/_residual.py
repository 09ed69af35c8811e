"""Causal DMFT kernel of the residual deep linear network (``O(L^2 T^3)``).

One joint single site carries the forward fields ``r^1..r^{L+1}`` and the backward fields
``g^1..g^{L+1}`` of all blocks, each a linear map of all ``2L + 2`` Gaussian sources
(``u^1..u^{L+1}``, ``v^1..v^L`` and the readout ``w(0)``); array names as in :mod:`._causal`,
with full ``T x T`` storage (:mod:`._strided`).
"""
from __future__ import annotations

import numba
import numpy as np

from ._strided import _corr_row, _dsite_step, _sym_set

__all__: list[str] = []   # private kernels


@numba.njit(cache=True, fastmath=True)
def _res_corr(t, Mvar, nsrc, L, Ce, Cr, Cg, ones, out):
    """Row t of the correlation of a residual-site variable with maps Mvar[src] (src covariances:
    u^1 -> C_e, u^{l+1} -> C_r^l, v^l -> C_g^{l+1}, w -> 1)."""
    for src in range(nsrc):
        if src == 0:
            Cs = Ce
        elif src <= L:
            Cs = Cr[src - 1]
        elif src <= 2 * L:
            Cs = Cg[src - L]
        else:
            Cs = ones
        _corr_row(t, Mvar[src, t], Cs, Mvar[src], out)


# flat signature: numba caches one compiled version per signature (a tuple or record costs 1-2 s of
# compilation per fresh process, measured); the Python side calls it by keyword
@numba.njit(cache=True, fastmath=True)
def _res_causal_kernel(L, T, mode, centred, inv_g2nu, inv_gnu, gamma0, eta0, b,
                       alpha, alpha_B, sigma2, div_factor):
    """Residual network (Eqs. (T3.34)-(T3.35)), joint single site carrying r^1..r^{L+1}, g^1..g^{L+1}.
    Sources: src 0..L = u^1..u^{L+1}; src L+1..2L = v^1..v^L; src 2L+1 = w(0)."""
    eg = eta0 * gamma0
    nsrc = 2 * L + 2
    nv = L + 1
    Mr = np.zeros((nv, nsrc, T, T)); Mg = np.zeros((nv, nsrc, T, T))
    Cr = np.zeros((nv, T, T)); Cg = np.zeros((nv, T, T))
    ones = np.ones((T, T))
    Mda = np.zeros((T, T)); Mdn = np.zeros((T, T)); Mea = np.zeros((T, T)); Men = np.zeros((T, T))
    Cd = np.zeros((T, T)); CD = np.zeros((T, T)); RD = np.zeros((T, T)); Cn = np.zeros((T, T))
    Ce = np.zeros((T, T)); A0 = np.zeros((T, T)); Ka = np.zeros((T, T)); H = np.zeros((T, T))
    test = np.full(T, np.inf); train = np.full(T, np.inf)
    tdiv = -1
    row = np.zeros(T)
    Q = np.zeros(T)
    for t in range(T):
        # ---- backward: g^{L+1}(t) = w - eg sum_{s<t} r^{L+1}(s)
        Mg[L, nsrc - 1, t, t] = 1.0
        for s in range(t):
            for src in range(nsrc):
                for j in range(s + 1):
                    Mg[L, src, t, j] -= eg * Mr[L, src, s, j]
        row[:t + 1] = 0.0
        _res_corr(t, Mg[L], nsrc, L, Ce, Cr, Cg, ones, row)
        _sym_set(Cg[L], t, row)
        # g^l = g^{l+1} + b v^l + sum_{s<t} [b B^{l+1} - eg b^2 C_g^{l+1}] r^l(s),  l = L..1 (index i = l-1)
        for i in range(L - 1, -1, -1):
            for s in range(t):
                Q[s] = b * Mg[i + 1, i + 1, t, s] - eg * b * b * Cg[i + 1, t, s]
            for src in range(nsrc):
                for j in range(t + 1):
                    Mg[i, src, t, j] = Mg[i + 1, src, t, j]
            Mg[i, L + 1 + i, t, t] += b
            for s in range(t):
                q = Q[s]
                if q != 0.0:
                    for src in range(nsrc):
                        for j in range(s + 1):
                            Mg[i, src, t, j] += q * Mr[i, src, s, j]
            row[:t + 1] = 0.0
            _res_corr(t, Mg[i], nsrc, L, Ce, Cr, Cg, ones, row)
            _sym_set(Cg[i], t, row)
        # ---- D-site (B^1 = map of g^1 on u^1)
        for s in range(t):
            H[t, s] = Mg[0, 0, t, s] / gamma0 - eta0 * Cg[0, t, s]
        te, tr = _dsite_step(t, mode, centred, H[t], Cg[0], inv_g2nu, inv_gnu, alpha, alpha_B,
                             sigma2, Mda, Mdn, Mea, Men, Cd, CD, RD, Cn, Ce, A0, Ka)
        test[t] = te
        train[t] = tr
        if not (np.isfinite(te) and np.isfinite(tr)) or te > div_factor * test[0] or tr > div_factor * max(train[0], test[0]):
            test[t] = np.inf; train[t] = np.inf
            tdiv = t
            break
        # ---- forward: r^1 = u^1 + [A^0 - eg sl(C_e)] g^1
        Mr[0, 0, t, t] = 1.0
        for s in range(t + 1):
            p = A0[t, s]
            if s < t:
                p -= eg * Ce[t, s]
            if p != 0.0:
                for src in range(nsrc):
                    for j in range(s + 1):
                        Mr[0, src, t, j] += p * Mg[0, src, s, j]
        row[:t + 1] = 0.0
        _res_corr(t, Mr[0], nsrc, L, Ce, Cr, Cg, ones, row)
        _sym_set(Cr[0], t, row)
        # r^{l+1} = r^l + b u^{l+1} + sum_{s<=t} [b A^l(t,s) - eg b^2 C_r^l(t,s) 1(s<t)] g^{l+1}(s)
        for i in range(1, L + 1):
            for src in range(nsrc):
                for j in range(t + 1):
                    Mr[i, src, t, j] = Mr[i - 1, src, t, j]
            Mr[i, i, t, t] += b
            for s in range(t + 1):
                p = b * Mr[i - 1, L + i, t, s]        # A^l = map of r^l on v^l, l = i
                if s < t:
                    p -= eg * b * b * Cr[i - 1, t, s]
                if p != 0.0:
                    for src in range(nsrc):
                        for j in range(s + 1):
                            Mr[i, src, t, j] += p * Mg[i, src, s, j]
            row[:t + 1] = 0.0
            _res_corr(t, Mr[i], nsrc, L, Ce, Cr, Cg, ones, row)
            _sym_set(Cr[i], t, row)
    return test, train, tdiv, Cg[0].copy(), H
