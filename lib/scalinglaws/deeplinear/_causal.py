"""The single-pass causal DMFT kernel of the plain deep linear network (packed storage).

Legend of the array names (every kernel of this subpackage uses it):

==================  ===========================================================================
name                meaning
==================  ===========================================================================
``t, s``            time steps (rows, columns); every map is lower triangular (causal)
``Mru[l], Mrv[l]``  maps of the forward field ``r^{l+1}`` on its two Gaussian sources: ``u``
                    (covariance ``C_r^l``; ``C_e`` for ``l = 0``) and ``v`` (covariance
                    ``C_g^{l+2}``; all ones, the readout, for the top layer)
``Mgu[l], Mgv[l]``  maps of the backward field ``g^{l+1}`` on the same two sources
``Cr[l], Cg[l]``    forward and backward two-time correlations ``C_r^{l+1}``, ``C_g^{l+1}``
``Mda, Mdn``        maps of the D-site error ``delta`` on the signal source ``a`` and noise ``n``
``Mea, Men``        maps of the P-site error ``e`` on ``a`` and ``n``
``Cd, CD, Ce``      correlations of ``delta`` (test loss ``C_d(t,t) + sigma^2``), of the train
                    residual (``C_D``, full batch) and of ``e`` (the source of layer 1)
``RD, Cn``          data response ``R_D`` (full batch) and noise correlation ``C_n``
``Ka, A0``          signal kernel ``K_a = C_g^1/(gamma0^2 nu) + 1`` and the Onsager map ``A^0``
``H``               transfer function ``H = B^1/gamma0 - eta0 sl(C_g^1)``
``X, lam, wce, wL`` per-mode power-law D-site: ``x_k(t)``, ``lambda_k``, ``lambda_k^2 b_k^2``
                    (weights of ``C_e``) and ``lambda_k b_k^2`` (weights of the loss)
``mode``            data mode (:mod:`.modes`): population, full batch or online SGD
==================  ===========================================================================

Packed storage: a lower triangle is stored row by row in one contiguous array (row ``t`` at
``[t(t+1)/2, t(t+1)/2 + t]``), so every pass over a triangle is one sequential stream (about 3x the
memory bandwidth of strided ``T x T`` rows).  The readout source has covariance 1 (all ones), so the
top layer needs no matrix.  Cost ``O(L T^3)``, no iterations.

The kernels keep flat signatures of scalars and arrays: numba caches one compiled version per
signature, and passing a tuple or a structured record instead costs 1-2 s of compilation in every
fresh process (measured); the Python side calls them by keyword (:mod:`.dmft`).
"""
from __future__ import annotations

import numba
import numpy as np

from .modes import FULL_BATCH, ONLINE_SGD, POPULATION

__all__: list[str] = []   # private kernels


# Lower triangles stored row by row in one contiguous array (row t at [t(t+1)/2, t(t+1)/2 + t]): every
# pass over a triangle is one sequential stream (about 3x the bandwidth of strided T x T rows).
@numba.njit(cache=True, fastmath=True, inline="always")
def _off(t):
    return t * (t + 1) // 2


@numba.njit(cache=True, fastmath=True)
def _corr_row_p(t, mt, Cp, Mp, out, y):
    """out[s] += M(t,:) C M(s,:)^T, s <= t (packed lower-triangular maps M, packed symmetric C)."""
    n = t + 1
    while n > 0 and mt[n - 1] == 0.0:
        n -= 1
    if n == 0:
        return
    for i in range(t + 1):
        y[i] = 0.0
    for i in range(t + 1):
        o = _off(i)
        acc = 0.0
        if i < n:
            mi = mt[i]
            for j in range(i):
                c = Cp[o + j]
                acc += c * mt[j]
                y[j] += c * mi
            acc += Cp[o + i] * mi
        else:
            for j in range(n):
                acc += Cp[o + j] * mt[j]
        y[i] += acc
    for s in range(t + 1):
        o = _off(s)
        acc = 0.0
        for j in range(s + 1):
            acc += Mp[o + j] * y[j]
        out[s] += acc


@numba.njit(cache=True, fastmath=True)
def _corr_row_diag_p(t, mt, cdiag, Mp, out, y):
    """Same with a diagonal source covariance ``diag(cdiag)`` (online-SGD noise)."""
    for j in range(t + 1):
        y[j] = cdiag[j] * mt[j]
    for s in range(t + 1):
        o = _off(s)
        acc = 0.0
        for j in range(s + 1):
            acc += Mp[o + j] * y[j]
        out[s] += acc


# flat signature: called from the numba kernels only (numba has no keyword-only arguments)
@numba.njit(cache=True, fastmath=True)
def _dsite_step_p(t, mode, centred, powerlaw, Hrow, Cg1, inv_g2nu, inv_gnu, alpha, alpha_B, sigma2,
                  Mda, Mdn, Mea, Men, Cd, CD, RD, Cn, cn_diag, Ce, A0, Ka, lam, wce, wL, X, row, y):
    """Packed version of :func:`_dsite_step` (stage 2 of the causal pass, Eqs. (T3.23)-(T3.24)).
    Returns (test, train)."""
    ot = _off(t)
    if powerlaw:
        K = lam.shape[0]
        for k in range(K):
            X[t, k] = 0.0
        for s in range(t):
            h = Hrow[s]
            if h != 0.0:
                for k in range(K):
                    X[t, k] += h * X[s, k]
        for k in range(K):
            X[t, k] = 1.0 + lam[k] * X[t, k]
        Lt = 0.0
        for s in range(t + 1):
            acc = 0.0
            for k in range(K):
                acc += wce[k] * X[t, k] * X[s, k]
            Ce[ot + s] = acc
        for k in range(K):
            Lt += wL[k] * X[t, k] * X[t, k]
        return Lt, Lt
    for s in range(t + 1):
        if centred:
            cg = Cg1[ot + s] - Cg1[_off(s)] - Cg1[ot] + Cg1[0]
        else:
            cg = Cg1[ot + s]
        Ka[ot + s] = cg * inv_g2nu + 1.0
    # delta maps: delta(t) = a(t) + sum_{s<t} H(t,s) e(s)
    mda = Mda[ot:ot + t + 1]
    mdn = Mdn[ot:ot + t + 1]
    mda[t] = 1.0
    for s in range(t):
        h = Hrow[s]
        if h != 0.0:
            os_ = _off(s)
            for j in range(s + 1):
                mda[j] += h * Mea[os_ + j]
            if mode != POPULATION:
                for j in range(s + 1):
                    mdn[j] += h * Men[os_ + j]
    row[:t + 1] = 0.0
    _corr_row_p(t, mda, Ka, Mda, row, y)
    if mode == FULL_BATCH:
        _corr_row_p(t, mdn, Cn, Mdn, row, y)
    elif mode == ONLINE_SGD:
        _corr_row_diag_p(t, mdn, cn_diag, Mdn, row, y)
    for s in range(t + 1):
        Cd[ot + s] = row[s]
    test = Cd[ot + t] + sigma2
    train = test
    rd = RD[ot:ot + t + 1]
    rd[t] = 1.0
    if mode == FULL_BATCH:
        for k in range(t):
            rb = mdn[k] / alpha
            if rb != 0.0:
                ok = _off(k)
                for s in range(k + 1):
                    rd[s] += rb * RD[ok + s]
        # z = (C_d + s^2 1) R_D(t,:)^T (symmetric pass over C_d), then C_D(t,s) = R_D(s,:) z
        srd = 0.0
        for j in range(t + 1):
            srd += rd[j]
            y[j] = 0.0
        for i in range(t + 1):
            o = _off(i)
            acc = 0.0
            ri = rd[i]
            for j in range(i):
                c = Cd[o + j]
                acc += c * rd[j]
                y[j] += c * ri
            y[i] += acc + Cd[o + i] * ri
        for s in range(t + 1):
            o = _off(s)
            acc = 0.0
            for j in range(s + 1):
                acc += RD[o + j] * (y[j] + sigma2 * srd)
            CD[ot + s] = acc
            Cn[ot + s] = acc / alpha
        train = CD[ot + t]
    elif mode == ONLINE_SGD:
        cn_diag[t] = (Cd[ot + t] + sigma2) / alpha_B
    # e maps: e(t) = n(t) + sum_{s<=t} R_D(t,s) delta(s)
    mea = Mea[ot:ot + t + 1]
    men = Men[ot:ot + t + 1]
    if mode == FULL_BATCH:
        men[t] = 1.0
        for s in range(t + 1):
            r = rd[s]
            if r != 0.0:
                os_ = _off(s)
                for j in range(s + 1):
                    mea[j] += r * Mda[os_ + j]
                    men[j] += r * Mdn[os_ + j]
    else:
        for j in range(t + 1):
            mea[j] = mda[j]
            men[j] = mdn[j]
        men[t] += 1.0
    row[:t + 1] = 0.0
    _corr_row_p(t, mea, Ka, Mea, row, y)
    if mode == FULL_BATCH:
        _corr_row_p(t, men, Cn, Men, row, y)
    elif mode == ONLINE_SGD:
        _corr_row_diag_p(t, men, cn_diag, Men, row, y)
    for s in range(t + 1):
        Ce[ot + s] = row[s]
    tot = 0.0
    for s in range(t + 1):
        tot += mea[s]
    for s in range(t + 1):
        a = mea[s]
        if centred and s == 0:
            a -= tot
        A0[ot + s] = a * inv_gnu
    return test, train


# flat signature: numba caches one compiled version per signature (a tuple or record costs 1-2 s of
# compilation per fresh process, measured); the Python side calls it by keyword
@numba.njit(cache=True, fastmath=True)
def _causal_kernel(L, T, mode, centred, powerlaw, inv_g2nu, inv_gnu, gamma0, eta0,
                   alpha, alpha_B, sigma2, lam, wce, wL, div_factor):
    """Single-pass causal solver (Eqs. (T3.21)-(T3.26)), packed lower-triangular storage.

    The readout source has covariance 1 (all ones), so the top layer needs no matrix: its backward
    map row is ``-eta0 gamma0`` times the running column sums of the forward maps, and its ones-source
    correlation is ``(sum_j m_t(j)) * rowsum(M(s,:))``."""
    eg = eta0 * gamma0
    NP = T * (T + 1) // 2
    Mru = np.zeros((L, NP)); Mrv = np.zeros((L, NP))
    Mgu = np.zeros((L, NP)); Mgv = np.zeros((L, NP))
    Cr = np.zeros((L, NP)); Cg = np.zeros((L, NP))
    Mda = np.zeros(NP); Mdn = np.zeros(NP); Mea = np.zeros(NP); Men = np.zeros(NP)
    Cd = np.zeros(NP); CD = np.zeros(NP); RD = np.zeros(NP); Cn = np.zeros(NP)
    Ce = np.zeros(NP); A0 = np.zeros(NP); Ka = np.zeros(NP)
    H = np.zeros((T, T))
    cn_diag = np.zeros(T)
    SRu = np.zeros(T); SRv = np.zeros(T)        # running column sums of the top-layer forward maps
    rsGv = np.zeros(T); rsRv = np.zeros(T)      # row sums of the top-layer maps on the readout source
    X = np.zeros((T, lam.shape[0]))
    test = np.full(T, np.inf); train = np.full(T, np.inf)
    tdiv = -1
    row = np.zeros(T)
    y = np.zeros(T)
    Q = np.zeros(T)
    top = L - 1
    for t in range(T):
        ot = _off(t)
        # ---- backward pass, l = L-1 .. 0
        for l in range(L - 1, -1, -1):
            Cu = Ce if l == 0 else Cr[l - 1]
            gu = Mgu[l, ot:ot + t + 1]
            gv = Mgv[l, ot:ot + t + 1]
            gv[t] = 1.0
            if l == top:
                for j in range(t):
                    gu[j] = -eg * SRu[j]
                    gv[j] = -eg * SRv[j]
            else:
                for s in range(t):
                    Q[s] = Mgu[l + 1, ot + s] - eg * Cg[l + 1, ot + s]
                for s in range(t):
                    q = Q[s]
                    if q != 0.0:
                        os_ = _off(s)
                        for j in range(s + 1):
                            gu[j] += q * Mru[l, os_ + j]
                            gv[j] += q * Mrv[l, os_ + j]
            row[:t + 1] = 0.0
            _corr_row_p(t, gu, Cu, Mgu[l], row, y)
            if l == top:
                sm = 0.0
                for j in range(t + 1):
                    sm += gv[j]
                rsGv[t] = sm
                for s in range(t + 1):
                    row[s] += sm * rsGv[s]
            else:
                _corr_row_p(t, gv, Cg[l + 1], Mgv[l], row, y)
            for s in range(t + 1):
                Cg[l, ot + s] = row[s]
        # ---- D-site / P-site
        for s in range(t):
            H[t, s] = Mgu[0, ot + s] / gamma0 - eta0 * Cg[0, ot + s]
        te, tr = _dsite_step_p(t, mode, centred, powerlaw, H[t], Cg[0], inv_g2nu, inv_gnu, alpha, alpha_B,
                               sigma2, Mda, Mdn, Mea, Men, Cd, CD, RD, Cn, cn_diag, Ce, A0, Ka, lam, wce, wL,
                               X, row, y)
        test[t] = te
        train[t] = tr
        if not (np.isfinite(te) and np.isfinite(tr)) or te > div_factor * test[0] or tr > div_factor * max(train[0], test[0]):
            test[t] = np.inf; train[t] = np.inf
            tdiv = t
            break
        # ---- forward pass, l = 0 .. L-1
        for l in range(L):
            Cu = Ce if l == 0 else Cr[l - 1]
            Ain = A0 if l == 0 else Mrv[l - 1]
            ru = Mru[l, ot:ot + t + 1]
            rv = Mrv[l, ot:ot + t + 1]
            ru[t] = 1.0
            for s in range(t + 1):
                p = Ain[ot + s]
                if s < t:
                    p -= eg * Cu[ot + s]
                if p != 0.0:
                    os_ = _off(s)
                    for j in range(s + 1):
                        ru[j] += p * Mgu[l, os_ + j]
                        rv[j] += p * Mgv[l, os_ + j]
            row[:t + 1] = 0.0
            _corr_row_p(t, ru, Cu, Mru[l], row, y)
            if l == top:
                sm = 0.0
                for j in range(t + 1):
                    sm += rv[j]
                    SRu[j] += ru[j]
                    SRv[j] += rv[j]
                rsRv[t] = sm
                for s in range(t + 1):
                    row[s] += sm * rsRv[s]
            else:
                _corr_row_p(t, rv, Cg[l + 1], Mrv[l], row, y)
            for s in range(t + 1):
                Cr[l, ot + s] = row[s]
    Cg1 = np.zeros((T, T))
    for t in range(T):
        ot = _off(t)
        for s in range(t + 1):
            Cg1[t, s] = Cg[0, ot + s]
            Cg1[s, t] = Cg[0, ot + s]
    return test, train, tdiv, Cg1, H
