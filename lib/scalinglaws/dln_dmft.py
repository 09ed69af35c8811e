"""DMFT of deep linear networks trained by GD from random initialisation (notes 03 §2).

Model (notes 03 §1.2, ours "equivalent up to rescaling of (gamma0, eta0)" to Bordelon & Pehlevan
2025): ``h^1 = W^0 x/sqrt(D)``, ``h^{l+1} = W^l h^l/sqrt(N)`` (or ``h^l + b W^l h^l/sqrt(N)`` in the
residual net, §1.4), ``f = w.h^L/(gamma0 sqrt(nu N))``, raw LR ``eta = eta0 gamma0^2 N`` on the loss
``(1/2) L_hat``.  muP holds gamma0 fixed; NTK uses ``gamma0 = gamma_tilde/sqrt(nu)`` (§1.2).

In the proportional limit ``D -> inf`` at fixed ``(nu, alpha, L, T)`` every quantity is a
``T x T`` correlation or response matrix (§2.2-2.3).  The closed matrix form of one sweep is

    H   = B^1/gamma0 - eta0 sl(C_g^1),        K_a = C_g^1/(gamma0^2 nu) + 1
    M_e = (I - R_D H)^-1,  G = (I - H R_D)^-1
    C_e = M_e (R_D K_a R_D^T + C_n) M_e^T,   A^0 = M_e R_D/(gamma0 nu)
    C_d = G K_a G^T + H M_e C_n M_e^T H^T,    R_D = (I - H M_e/alpha)^-1,  C_D = R_D (C_d + s^2 1) R_D^T
    layer l: P = A^{l-1} - eta0 gamma0 sl(C_r^{l-1}), Q = B^{l+1} - eta0 gamma0 sl(C_g^{l+1}),
             M = (I - P Q)^-1, C_r^l = M (C_r^{l-1} + P C_g^{l+1} P^T) M^T, A^l = M P, B^l = Q M,
             C_g^l = (I + QMP) C_g^{l+1} (I + QMP)^T + Q M C_r^{l-1} M^T Q^T

with ``C_n = C_D/alpha`` (full batch), ``diag(C_d + s^2)/alpha_B`` with ``R_D = I`` (online SGD) or
``0`` with ``R_D = I`` (population).  Test loss ``L(t) = C_d(t,t) + sigma^2``, train loss
``C_D(t,t)``.

Two independent solvers:

* :func:`dmft_dln` with ``method="causal"`` (main path, numba): the single-pass causal solver of
  §2.7b.  Every single-site variable is kept as a linear map of its Gaussian sources; row ``t`` of
  every map, correlation and response is computed from rows ``< t`` in the order backward pass ->
  D/P-site -> forward pass.  Cost ``O(L T^3)`` (residual: ``O(L^2 T^3)``), no iterations, so a
  divergence it reports is a genuine geometric blow-up of the loss, never an unconverged iteration.
  The non-residual kernel stores every lower-triangular map and symmetric correlation packed row by
  row (one contiguous stream per pass, about 3x the memory bandwidth of strided ``T x T`` rows) and
  treats the all-ones readout covariance without a matrix; ``_dln_causal_kernel_strided`` is the
  previous strided kernel, kept as a reference for the tests.
* ``method="fixed_point"`` (NumPy reference, non-residual only): the growing-window fixed point of
  §2.7a with dense matrix inverses; raises ``RuntimeError`` if a window does not converge.

Power-law data at infinite width (§2.6): :func:`dmft_powerlaw`, per-mode D-site
``x_k = (I - lambda_k H)^-1 1``, ``C_e = sum_k lambda_k^2 b_k^2 x_k x_k^T``,
``L(t) = sum_k lambda_k b_k^2 x_k(t)^2``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np

__all__ = ["DMFTResult", "dmft_dln", "dmft_powerlaw", "powerlaw_spectrum", "binned_powerlaw_spectrum",
           "lazy_powerlaw_loss", "rich_exponent", "gamma0_of",
           "lazy_population_loss", "linear_regression_dmft", "DIVERGENCE_FACTOR"]

DIVERGENCE_FACTOR = 1e8   # a loss above DIVERGENCE_FACTOR * L(0) (or non-finite) = diverged


@dataclass
class DMFTResult:
    """Loss curves of one DMFT solve (``t = 0..T-1``; entries after a divergence are ``inf``).

    ``diverged`` is True when the loss exceeded ``DIVERGENCE_FACTOR * L(0)`` (a genuine blow-up:
    the causal solver has no iteration that could fail to converge); ``t_diverged`` is then the
    first step at which it did.  ``Cg1`` is ``C_g^1`` (the first-layer backward kernel), ``H`` the
    transfer function; both are filled up to ``t_diverged``.
    """
    test: np.ndarray
    train: np.ndarray
    diverged: bool
    t_diverged: int | None
    Cg1: np.ndarray
    H: np.ndarray
    params: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- validation
def _int(name, v, lo):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
        raise ValueError(f"`{name}` must be an integer >= {lo}, got {v!r}")
    return int(v)


def _pos(name, v, allow_inf=False, allow_zero=False):
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a positive number, got {v!r}") from None
    ok = (x > 0 or (allow_zero and x == 0)) and (math.isfinite(x) or (allow_inf and x == math.inf))
    if not ok:
        rng = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"`{name}` must be {rng}{' (inf allowed)' if allow_inf else ' and finite'}, got {v!r}")
    return x


def gamma0_of(parameterization: str, gamma_base: float, nu: float) -> float:
    """Richness ``gamma0(nu)``: muP keeps ``gamma0 = gamma_base``; NTK uses ``gamma_base/sqrt(nu)`` (§1.2)."""
    g = _pos("gamma_base", gamma_base)
    nu = _pos("nu", nu, allow_inf=True)
    if parameterization == "mup":
        return g
    if parameterization == "ntk":
        if nu == math.inf:
            raise ValueError("`nu` must be finite for the NTK parameterisation (gamma0 -> 0)")
        return g / math.sqrt(nu)
    raise ValueError(f"`parameterization` must be 'mup' or 'ntk', got {parameterization!r}")


def _mode(alpha, alpha_B):
    if alpha is not None and alpha_B is not None:
        raise ValueError("give at most one of `alpha` (full batch) and `alpha_B` (online SGD)")
    if alpha is not None:
        return 1, _pos("alpha", alpha), 1.0
    if alpha_B is not None:
        return 2, 1.0, _pos("alpha_B", alpha_B)
    return 0, 1.0, 1.0


# ----------------------------------------------------------------------------- numba kernels
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


@numba.njit(cache=True, fastmath=True)
def _dsite_step(t, mode, centred, powerlaw, Hrow, Cg1, inv_g2nu, inv_gnu, alpha, alpha_B, sigma2,
                Mda, Mdn, Mea, Men, Cd, CD, RD, Cn, Ce, A0, Ka,
                lam, wce, wL, X):
    """D-site and P-site at step t (notes §2.7b step 2). Returns (test, train)."""
    if powerlaw:
        K = lam.shape[0]
        for k in range(K):
            acc = 0.0
            for s in range(t):
                acc += Hrow[s] * X[s, k]
            X[t, k] = 1.0 + lam[k] * acc
        row = np.zeros(t + 1)
        for s in range(t + 1):
            acc = 0.0
            for k in range(K):
                acc += wce[k] * X[t, k] * X[s, k]
            row[s] = acc
        _sym_set(Ce, t, row)
        Lt = 0.0
        for k in range(K):
            Lt += wL[k] * X[t, k] * X[t, k]
        return Lt, Lt
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
    if mode == 1:
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
    elif mode == 2:
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


@numba.njit(cache=True, fastmath=True)
def _backward_layers(t, L, eg, Ce, Mru, Mrv, Mgu, Mgv, Cr, Cg, ones, row, Q):
    """Backward sweep l = L-1..0 at step t (notes §2.7b step 1)."""
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


@numba.njit(cache=True, fastmath=True)
def _forward_layers(t, L, eg, Ce, A0, Mru, Mrv, Mgu, Mgv, Cr, Cg, ones, row):
    """Forward sweep l = 0..L-1 at step t (notes §2.7b step 3)."""
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


@numba.njit(cache=True, fastmath=True)
def _dln_causal_kernel_strided(L, T, mode, centred, powerlaw, nu_inf, inv_g2nu, inv_gnu, gamma0, eta0,
                       alpha, alpha_B, sigma2, lam, wce, wL, div_factor):
    eg = eta0 * gamma0
    Mru = np.zeros((L, T, T)); Mrv = np.zeros((L, T, T))
    Mgu = np.zeros((L, T, T)); Mgv = np.zeros((L, T, T))
    Cr = np.zeros((L, T, T)); Cg = np.zeros((L, T, T))
    ones = np.ones((T, T))
    Mda = np.zeros((T, T)); Mdn = np.zeros((T, T)); Mea = np.zeros((T, T)); Men = np.zeros((T, T))
    Cd = np.zeros((T, T)); CD = np.zeros((T, T)); RD = np.zeros((T, T)); Cn = np.zeros((T, T))
    Ce = np.zeros((T, T)); A0 = np.zeros((T, T)); Ka = np.zeros((T, T)); H = np.zeros((T, T))
    X = np.zeros((T, lam.shape[0]))
    test = np.full(T, np.inf); train = np.full(T, np.inf)
    tdiv = -1
    row = np.zeros(T)
    Q = np.zeros(T)
    for t in range(T):
        _backward_layers(t, L, eg, Ce, Mru, Mrv, Mgu, Mgv, Cr, Cg, ones, row, Q)
        # ---- D-site / P-site
        for s in range(t):
            H[t, s] = Mgu[0, t, s] / gamma0 - eta0 * Cg[0, t, s]
        te, tr = _dsite_step(t, mode, centred, powerlaw, H[t], Cg[0], inv_g2nu, inv_gnu, alpha, alpha_B,
                             sigma2, Mda, Mdn, Mea, Men, Cd, CD, RD, Cn, Ce, A0, Ka, lam, wce, wL, X)
        test[t] = te
        train[t] = tr
        if not (np.isfinite(te) and np.isfinite(tr)) or te > div_factor * test[0] or tr > div_factor * max(train[0], test[0]):
            test[t] = np.inf; train[t] = np.inf
            tdiv = t
            break
        _forward_layers(t, L, eg, Ce, A0, Mru, Mrv, Mgu, Mgv, Cr, Cg, ones, row)
    return test, train, tdiv, Cg[0].copy(), H


@numba.njit(cache=True, fastmath=True)
def _pl_dsite_general(t, Hrow, Cg1, lam, b2, w, cxi, cA, invB, sigma2, R, v, Cdd, Ce, A0):
    """Heterogeneous (per-mode) D-site at finite width N and/or batch B (notes §2.6 extended, ours).

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


# ----------------------------------------------------------------------------- packed single-pass kernel
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


@numba.njit(cache=True, fastmath=True)
def _dsite_step_p(t, mode, centred, powerlaw, Hrow, Cg1, inv_g2nu, inv_gnu, alpha, alpha_B, sigma2,
                  Mda, Mdn, Mea, Men, Cd, CD, RD, Cn, cn_diag, Ce, A0, Ka, lam, wce, wL, X, row, y):
    """Packed version of :func:`_dsite_step` (notes §2.7b step 2). Returns (test, train)."""
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
            if mode != 0:
                for j in range(s + 1):
                    mdn[j] += h * Men[os_ + j]
    row[:t + 1] = 0.0
    _corr_row_p(t, mda, Ka, Mda, row, y)
    if mode == 1:
        _corr_row_p(t, mdn, Cn, Mdn, row, y)
    elif mode == 2:
        _corr_row_diag_p(t, mdn, cn_diag, Mdn, row, y)
    for s in range(t + 1):
        Cd[ot + s] = row[s]
    test = Cd[ot + t] + sigma2
    train = test
    rd = RD[ot:ot + t + 1]
    rd[t] = 1.0
    if mode == 1:
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
    elif mode == 2:
        cn_diag[t] = (Cd[ot + t] + sigma2) / alpha_B
    # e maps: e(t) = n(t) + sum_{s<=t} R_D(t,s) delta(s)
    mea = Mea[ot:ot + t + 1]
    men = Men[ot:ot + t + 1]
    if mode == 1:
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
    if mode == 1:
        _corr_row_p(t, men, Cn, Men, row, y)
    elif mode == 2:
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


@numba.njit(cache=True, fastmath=True)
def _dln_causal_kernel(L, T, mode, centred, powerlaw, nu_inf, inv_g2nu, inv_gnu, gamma0, eta0,
                       alpha, alpha_B, sigma2, lam, wce, wL, div_factor):
    """Single-pass causal solver (notes §2.7b), packed lower-triangular storage.

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


@numba.njit(cache=True, fastmath=True)
def _res_corr(t, i_var, Mvar, nsrc, L, Ce, Cr, Cg, ones, out):
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


@numba.njit(cache=True, fastmath=True)
def _res_causal_kernel(L, T, mode, centred, inv_g2nu, inv_gnu, gamma0, eta0, b,
                       alpha, alpha_B, sigma2, div_factor):
    """Residual network (notes §2.5), joint single site carrying r^1..r^{L+1}, g^1..g^{L+1}.
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
    lam = np.zeros(1); X = np.zeros((T, 1))
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
        _res_corr(t, L, Mg[L], nsrc, L, Ce, Cr, Cg, ones, row)
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
            _res_corr(t, i, Mg[i], nsrc, L, Ce, Cr, Cg, ones, row)
            _sym_set(Cg[i], t, row)
        # ---- D-site (B^1 = map of g^1 on u^1)
        for s in range(t):
            H[t, s] = Mg[0, 0, t, s] / gamma0 - eta0 * Cg[0, t, s]
        te, tr = _dsite_step(t, mode, centred, False, H[t], Cg[0], inv_g2nu, inv_gnu, alpha, alpha_B,
                             sigma2, Mda, Mdn, Mea, Men, Cd, CD, RD, Cn, Ce, A0, Ka, lam, lam, lam, X)
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
        _res_corr(t, 0, Mr[0], nsrc, L, Ce, Cr, Cg, ones, row)
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
            _res_corr(t, i, Mr[i], nsrc, L, Ce, Cr, Cg, ones, row)
            _sym_set(Cr[i], t, row)
    return test, train, tdiv, Cg[0].copy(), H


# ----------------------------------------------------------------------------- NumPy reference
def _sl(M):
    return np.tril(M, -1)


def _fixed_point_numpy(L, T, mode, centred, inv_g2nu, inv_gnu, gamma0, eta0, alpha, alpha_B, sigma2,
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
            if mode == 1:
                Cn = CD / alpha
            elif mode == 2:
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
            if mode == 1:
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
                raise RuntimeError(f"fixed point overflowed in window T_w = {Tw} (iteration {it}); "
                                   "use a smaller window or the causal solver")
            if np.max(np.abs(new - old)) <= tol * max(1.0, np.max(np.abs(new))):
                break
        else:
            raise RuntimeError(f"fixed point did not converge in {max_iter} iterations (window T_w = {Tw})")
    test = np.diag(Cd) + sigma2
    train = np.diag(CD) if mode == 1 else test.copy()
    return test, train, Cg[0], B[0] / gamma0 - eta0 * _sl(Cg[0])


# ----------------------------------------------------------------------------- public API
def dmft_dln(L, nu, gamma0, eta0, T, *, alpha=None, alpha_B=None, sigma=0.0, parameterization="mup",
             centred=False, residual=False, branch=None, beta0=1.0, method="causal", window=2):
    """Train/test loss of a deep linear network from the proportional-limit DMFT (notes 03 §2.3, §2.5).

    Parameters
    ----------
    L : depth (hidden layers; residual: number of residual blocks), integer >= 1.
    nu : width ratio N/D > 0 (``np.inf`` allowed in muP: infinite width, A^0 = 0, no v^0 noise).
    gamma0 : richness; in ``parameterization="ntk"`` this is gamma_tilde and ``gamma0 = gamma_tilde/sqrt(nu)``.
    eta0 : LR in muP units (raw LR ``eta0 gamma0^2 N``); > 0.
    T : number of steps (losses at t = 0..T-1).
    alpha : data ratio P/D for full-batch GD; ``alpha_B``: batch ratio for online SGD; neither = population GD.
    sigma : label-noise std (>= 0).  centred: train ``f - f_0`` (§2.3).
    residual : residual net with branch scale ``branch`` (default ``beta0/sqrt(L)``, §1.4).
    method : ``"causal"`` (numba single pass, §2.7b) or ``"fixed_point"`` (NumPy growing window, §2.7a,
        non-residual only, raises ``RuntimeError`` if unconverged).

    Returns a :class:`DMFTResult`; a loss blow-up past ``DIVERGENCE_FACTOR * L(0)`` sets ``diverged``.
    """
    L = _int("L", L, 1)
    T = _int("T", T, 1)
    nu = _pos("nu", nu, allow_inf=True)
    g = gamma0_of(parameterization, gamma0, nu)
    eta0 = _pos("eta0", eta0)
    sigma = float(sigma)
    if not (math.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"`sigma` must be a finite number >= 0, got {sigma!r}")
    mode, alpha_v, alpha_Bv = _mode(alpha, alpha_B)
    inv_g2nu = 0.0 if nu == math.inf else 1.0 / (g * g * nu)
    inv_gnu = 0.0 if nu == math.inf else 1.0 / (g * nu)
    params = dict(L=L, nu=nu, gamma0=g, eta0=eta0, T=T, alpha=alpha, alpha_B=alpha_B, sigma=sigma,
                  parameterization=parameterization, centred=centred, residual=residual)
    if residual:
        b = beta0 / math.sqrt(L) if branch is None else branch
        b = _pos("branch", b, allow_zero=True)
        params["branch"] = b
        if method != "causal":
            raise ValueError("`method` must be 'causal' for residual networks")
        te, tr, tdiv, Cg1, H = _res_causal_kernel(L, T, mode, bool(centred), inv_g2nu, inv_gnu, g, eta0, b,
                                                  alpha_v, alpha_Bv, sigma ** 2, DIVERGENCE_FACTOR)
    elif method == "causal":
        z = np.zeros(1)
        te, tr, tdiv, Cg1, H = _dln_causal_kernel(L, T, mode, bool(centred), False, nu == math.inf, inv_g2nu,
                                                  inv_gnu, g, eta0, alpha_v, alpha_Bv, sigma ** 2, z, z, z,
                                                  DIVERGENCE_FACTOR)
    elif method == "fixed_point":
        window = _int("window", window, 1)
        te, tr, Cg1, H = _fixed_point_numpy(L, T, mode, bool(centred), inv_g2nu, inv_gnu, g, eta0, alpha_v,
                                            alpha_Bv, sigma ** 2, window=window)
        bad = ~np.isfinite(te) | (te > DIVERGENCE_FACTOR * te[0])
        tdiv = int(np.argmax(bad)) if bad.any() else -1
        if tdiv >= 0:
            te = te.copy(); tr = tr.copy(); te[tdiv:] = np.inf; tr[tdiv:] = np.inf
    else:
        raise ValueError(f"`method` must be 'causal' or 'fixed_point', got {method!r}")
    return DMFTResult(test=te, train=tr, diverged=tdiv >= 0, t_diverged=(tdiv if tdiv >= 0 else None),
                      Cg1=Cg1, H=H, params=params)


def powerlaw_spectrum(K, a, beta):
    """Trace-normalised power-law features (notes §2.6): ``lambda_k ∝ k^-a`` with ``sum lambda = 1`` and
    target powers ``b_k^2`` with ``lambda_k b_k^2 ∝ k^{-a beta - 1}``, ``sum lambda_k b_k^2 = 1``.
    Returns ``(lam, b2)``."""
    K = _int("K", K, 2)
    a = _pos("a", a)
    if a <= 1:
        raise ValueError(f"`a` must be > 1 (summable spectrum), got {a!r}")
    beta = _pos("beta", beta)
    k = np.arange(1, K + 1, dtype=float)
    lam = k ** -a
    lam /= lam.sum()
    p = k ** (-a * beta - 1.0)
    p /= p.sum()
    return lam, p / lam


def binned_powerlaw_spectrum(K, a, beta, n_exact=50, n_bins=100):
    """Log-binned version of :func:`powerlaw_spectrum` (notes §2.7c): modes ``1..n_exact`` exactly, the
    rest (``n_exact+1..K``) in ``n_bins`` log-spaced bins.  A bin of ``w`` modes is represented by one
    mode of weight ``w`` with ``lambda = mean(lambda_k)`` and ``b^2 = sum lambda_k b_k^2 / sum lambda_k``,
    so that ``sum w lambda = 1`` and ``sum w lambda b^2 = 1`` exactly.  Returns ``(lam, b2, weights)``."""
    K = _int("K", K, 2)
    n_exact = _int("n_exact", n_exact, 1)
    n_bins = _int("n_bins", n_bins, 1)
    lam, b2 = powerlaw_spectrum(K, a, beta)
    if n_exact >= K:
        return lam, b2, np.ones(K)
    edges = np.unique(np.round(np.geomspace(n_exact, K, n_bins + 1)).astype(int))
    L_, B_, W_ = list(lam[:n_exact]), list(b2[:n_exact]), [1.0] * n_exact
    for lo, hi in zip(edges[:-1], edges[1:]):
        sl = slice(lo, hi)
        sl_lam = lam[sl].sum()
        L_.append(sl_lam / (hi - lo)); B_.append((lam[sl] * b2[sl]).sum() / sl_lam); W_.append(float(hi - lo))
    return np.array(L_), np.array(B_), np.array(W_)


def dmft_powerlaw(L, gamma0, eta0, T, lam, b2, *, N=math.inf, batch=None, sigma=0.0, weights=None,
                  method="auto"):
    """muP DMFT on trace-normalised power-law data (notes §2.6, §2.7c), population GD or online SGD.

    Infinite width and population GD (``N = inf``, ``batch = None``, the notes' model): per mode
    ``x_k(t) = 1 + lambda_k sum_{s<t} H(t,s) x_k(s)``; ``L(t) = sum_k lambda_k b_k^2 x_k(t)^2``,
    ``C_e(t,s) = sum_k lambda_k^2 b_k^2 x_k(t) x_k(s)``; layer equations as in :func:`dmft_dln`.
    Lazy limit (gamma0 -> 0): ``L(t) = sum_k lambda_k b_k^2 (1 - (L+1) eta0 lambda_k)^{2t}``.

    Finite width ``N`` and/or online SGD with batch size ``batch`` (our extension of §2.6, derived like
    the isotropic §2.3 terms): per mode ``R_k = (I - lambda_k H)^-1`` and
    ``delta_k = R_k (xi_k - b_k 1 + H n_k)`` with

    * ``xi_k ~ GP(0, C_g^1/(gamma0^2 N))`` (random initial bulk of ``W^0``; ``L(0) = 1 + 1/(gamma0^2 N)``)
      and the Onsager term ``A^0 = (gamma0 N)^-1 sum_k lambda_k R_k``;
    * white batch noise ``n_k(s)`` of variance ``v_k(s) = [lambda_k (L(s)) + lambda_k^2 C_{delta,k}(s,s)]/B``
      (Gaussian fourth moment of ``e = X_B^T X_B delta/B - X_B^T eps sigma/B``; ``L(s)`` includes ``sigma^2``);

    ``e_k = lambda_k delta_k + n_k``, ``L(t) = sum_k w_k lambda_k C_{delta,k}(t,t) + sigma^2``.  Cost
    ``O(K T^3)`` time and ``K T^2`` memory: use :func:`binned_powerlaw_spectrum` (``weights`` = bin sizes).

    ``method``: ``"auto"`` (fast ``x_k`` path when ``N = inf`` and ``batch = None`` and no weights),
    ``"modes"`` (the general per-mode kernel, always).
    """
    L = _int("L", L, 1)
    T = _int("T", T, 1)
    g = _pos("gamma0", gamma0)
    eta0 = _pos("eta0", eta0)
    N = _pos("N", N, allow_inf=True)
    invB = 0.0 if batch is None else 1.0 / _int("batch", batch, 1)
    sigma = float(sigma)
    if not (math.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"`sigma` must be a finite number >= 0, got {sigma!r}")
    lam = np.ascontiguousarray(lam, dtype=float)
    b2 = np.ascontiguousarray(b2, dtype=float)
    if lam.ndim != 1 or lam.shape != b2.shape or lam.size < 1:
        raise ValueError("`lam` and `b2` must be 1-D arrays of equal length >= 1")
    if not (np.all(np.isfinite(lam)) and np.all(lam > 0) and np.all(np.isfinite(b2)) and np.all(b2 >= 0)):
        raise ValueError("`lam` must be finite and > 0, `b2` finite and >= 0")
    w = np.ones(lam.size) if weights is None else np.ascontiguousarray(weights, dtype=float)
    if w.shape != lam.shape or not np.all(np.isfinite(w) & (w > 0)):
        raise ValueError("`weights` must be finite, > 0 and of the same length as `lam`")
    if method not in ("auto", "modes"):
        raise ValueError(f"`method` must be 'auto' or 'modes', got {method!r}")
    params = dict(L=L, gamma0=g, eta0=eta0, T=T, K=lam.size, N=N, batch=batch, sigma=sigma)
    if method == "auto" and N == math.inf and batch is None and weights is None:
        te, tr, tdiv, Cg1, H = _dln_causal_kernel(L, T, 0, False, True, True, 0.0, 0.0, g, eta0, 1.0, 1.0, 0.0,
                                                  lam, lam ** 2 * b2, lam * b2, DIVERGENCE_FACTOR)
        te = te + sigma ** 2
        tr = te.copy()
    else:
        if T * T * lam.size > 2.5e8:
            raise ValueError(f"T^2 K = {T * T * lam.size:.3g} > 2.5e8 (memory): bin the modes "
                             "(binned_powerlaw_spectrum) or shorten T")
        cxi = 0.0 if N == math.inf else 1.0 / (g * g * N)
        cA = 0.0 if N == math.inf else 1.0 / (g * N)
        te, tdiv, Cg1, H = _powerlaw_general_kernel(L, T, g, eta0, lam, b2, w, cxi, cA, invB, sigma ** 2,
                                                   DIVERGENCE_FACTOR)
        tr = te.copy()
    return DMFTResult(test=te, train=tr, diverged=tdiv >= 0, t_diverged=(tdiv if tdiv >= 0 else None),
                      Cg1=Cg1, H=H, params=params)


def lazy_powerlaw_loss(L, eta0, T, lam, b2, weights=None):
    """Lazy (gamma0 -> 0) population closed form on power-law data (notes §2.6):
    ``L(t) = sum_k w_k lambda_k b_k^2 (1 - (L+1) eta0 lambda_k)^{2t}``."""
    L = _int("L", L, 1)
    T = _int("T", T, 1)
    eta0 = _pos("eta0", eta0)
    lam = np.asarray(lam, dtype=float); b2 = np.asarray(b2, dtype=float)
    w = np.ones(lam.size) if weights is None else np.asarray(weights, dtype=float)
    t = np.arange(T)[:, None]
    return (w * lam * b2 * (1.0 - (L + 1) * eta0 * lam) ** (2 * t)).sum(1)


def rich_exponent(beta):
    """Rich-regime exponent of notes §2.6 [S]: ``2 beta/(1+beta)`` for ``beta < 1``, ``beta`` otherwise."""
    beta = _pos("beta", beta)
    return 2 * beta / (1 + beta) if beta < 1 else beta


def lazy_population_loss(L, eta0, T, gamma_tilde=1.0, sigma=0.0):
    """Lazy/NTK closed form (notes §2.4): ``L(t) = (1 + gamma_tilde^-2)(1 - (L+1) eta0)^{2t} + sigma^2``."""
    L = _int("L", L, 1)
    T = _int("T", T, 1)
    t = np.arange(T)
    return (1.0 + 1.0 / _pos("gamma_tilde", gamma_tilde) ** 2) * (1.0 - (L + 1) * _pos("eta0", eta0)) ** (2 * t) + sigma ** 2


def linear_regression_dmft(eta, T, alpha, sigma=0.0):
    """Pure linear regression (no network, notes §2.4): the D/P-site equations with ``H = -eta sl(1)``,
    ``K_a = 1`` (zero init), full batch at data ratio ``alpha``.  Returns ``(test, train)``."""
    eta = _pos("eta", eta)
    T = _int("T", T, 1)
    alpha = _pos("alpha", alpha)
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
        raise RuntimeError("linear-regression DMFT did not converge")
    return np.diag(Cd) + sigma ** 2, np.diag(CD)
