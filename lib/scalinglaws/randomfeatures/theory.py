"""DMFT theory of the linear random-feature model of Bordelon, Atanasov & Pehlevan (2024).

Model (notes 02 §1.1): M eigenfeatures with variances ``lambda_k = k^-b`` and a teacher with task
power ``lambda_k w*_k^2 = k^-a``; student ``f = w . A psi / sqrt(N)`` with a fixed Gaussian
projection ``A`` (N x M), trained by gradient flow on P samples from ``w = 0``.  The error vector
``v = w* - A^T w / sqrt(N)`` obeys ``dv/dt = -F G v`` with ``F = A^T A / N``, ``G = Psi^T Psi / P``.
Test loss ``L = sum_k lambda_k v_k^2``, train loss ``(1/P) |Psi v|^2``, both averaged over (A, Psi).

Theory (notes 02 §2.2-2.4), in the Laplace variable z:

* scalar kappa equation ``kappa (1 - df(kappa)/P) (1 - df(kappa)/N) = z`` with
  ``df(kappa) = sum_k lambda_k / (lambda_k + kappa)``; ``R_1 = 1 - df/P``, ``R_3 = 1 - df/N``;
* transfer function ``H_k(z) = kappa / (z (kappa + lambda_k))`` (paper Eq. 10-11);
* P = infinity: ``L(t) = sum_k lambda_k w_k^2 H_k(2t)`` (single inverse transform, §2.4);
* general (N, P): a 2x2 linear system in the two-frequency domain (z, z') for the correlations
  C_0 (test) and C_1 (train), inverted by a two-dimensional fixed-Talbot rule (§2.3, §2.5).

Numerics (notes 02 §2.5): fixed-Talbot contour with ``n`` nodes per half (default 20; the notes use 12,
which gives ~4e-7, while the exact N = P = inf check needs 20 to reach ~1e-11), kappa from a
vectorised complex Newton iteration with step damping, the physical branch selected by
continuation in t from tiny t (|z| huge, kappa ~ z), geometric ratio <= 1.2.  Large M is handled
by a log-binned spectral quadrature (modes 1..K0 exact, the rest in log-spaced bins weighted by
their counts).  A Newton solve that does not converge raises :class:`ConvergenceError`.

Time unit: t = eta x steps for the loss with the 1/2 (notes §1.1).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from scipy.interpolate import CubicSpline
from scipy.optimize import brentq
from threadpoolctl import threadpool_limits

__all__ = ["Spectrum", "ConvergenceError", "power_law_spectrum", "talbot_nodes", "solve_kappa",
           "kappa_static", "loss_online", "losses", "bias", "ensemble_loss", "mode_transfer",
           "static_model_limit", "static_data_limit", "first_order_width_correction",
           "Frontier", "compute_frontier", "predicted_exponents", "M_INFINITE"]

M_INFINITE = 10 ** 13   # "M = infinity" is represented by a binned spectrum truncated here


class ConvergenceError(RuntimeError):
    """A theory evaluation did not converge; no curve is returned."""


# --------------------------------------------------------------------------- validation helpers
def _check_size(value, name, *, allow_inf=True):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number{' or np.inf' if allow_inf else ''}, got {value!r}")
    if math.isnan(v) or v <= 0 or (math.isinf(v) and not allow_inf):
        raise ValueError(f"{name} must be a positive number{' or np.inf' if allow_inf else ''} (> 0), got {value!r}")
    return v


def _check_times(t, name="t"):
    t = np.atleast_1d(np.asarray(t, dtype=float))
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of times")
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise ValueError(f"{name} must contain finite times > 0, got {t[~(np.isfinite(t) & (t > 0))][:3]!r}")
    return t


def _check_NP(spec, N, P):
    N = _check_size(N, "N")
    P = _check_size(P, "P")
    if not spec.infinite_M:
        for v, nm in ((N, "N"), (P, "P")):
            if math.isfinite(v) and v > spec.M:
                raise ValueError(f"{nm} must be <= M = {spec.M} (with {nm} > M the model recovers the "
                                 f"truncated target and the comparison is meaningless), got {nm} = {v:g}")
    return N, P


# --------------------------------------------------------------------------- spectra
@dataclass(frozen=True)
class Spectrum:
    """Power-law problem ``lambda_k = k^-b``, ``lambda_k w*_k^2 = k^-a`` (notes 02 §1.2).

    ``lam``, ``c`` (= lambda w*^2, the task power) and ``mult`` (multiplicities) describe the
    quadrature: exact modes have ``mult = 1``; a bin of modes has its count as multiplicity, and
    the bin means of ``k^-b`` and ``k^-a`` as ``lam`` and ``c`` (so L(0) = sum mult c is exact).
    """

    a: float
    b: float
    M: int
    lam: np.ndarray
    c: np.ndarray
    mult: np.ndarray
    binned: bool
    infinite_M: bool = False

    @property
    def w2(self):
        return self.c / self.lam

    @property
    def L0(self) -> float:
        return float(np.sum(self.mult * self.c))

    @property
    def trace(self) -> float:
        return float(np.sum(self.mult * self.lam))

    def df(self, kappa):
        """``df(kappa) = sum_k lambda_k / (lambda_k + kappa)`` for real or complex kappa."""
        k = np.asarray(kappa)
        return np.sum(self.mult * self.lam / (self.lam + k[..., None]), axis=-1)


def _bin_mean_power(lo, hi, p):
    """Mean of k^-p over integers lo..hi (midpoint-rule integral; lo >= 1000 keeps it to ~1e-8)."""
    x0, x1 = lo - 0.5, hi + 0.5
    if abs(p - 1.0) < 1e-12:
        s = np.log(x1 / x0)
    else:
        s = (x0 ** (1 - p) - x1 ** (1 - p)) / (p - 1)
    return s / (hi - lo + 1)


def power_law_spectrum(a: float, b: float, M, *, K0: int = 1000, n_bins: int = 1500,
                       binned: bool | None = None) -> Spectrum:
    """Spectrum ``lambda_k = k^-b``, task power ``lambda_k w*_k^2 = k^-a``, k = 1..M (notes 02 §1.2).

    ``M = np.inf`` means a binned spectrum truncated at ``M_INFINITE = 1e13`` (needs b > 1).
    With ``binned`` (default: when M > K0 + n_bins) the modes k > K0 are put into ``n_bins``
    log-spaced bins weighted by their counts (notes 02 §2.5 step 5; relative error ~1e-4).
    Raises ValueError for a <= 1, b <= 0, b <= 1 with infinite M, or M < 1.
    """
    a = float(a)
    b = float(b)
    if not (math.isfinite(a) and a > 1):
        raise ValueError(f"a must be > 1 (finite initial loss sum k^-a), got {a!r}")
    if not (math.isfinite(b) and b > 0):
        raise ValueError(f"b must be > 0, got {b!r}")
    infinite = False
    try:
        Mf = float(M)
    except (TypeError, ValueError):
        raise ValueError(f"M must be an integer >= 1 or np.inf, got {M!r}")
    if math.isinf(Mf) and Mf > 0:
        if b <= 1:
            raise ValueError(f"b must be > 1 when M is infinite (the trace sum k^-b diverges), got b = {b!r}")
        infinite, M = True, M_INFINITE
    else:
        if not (Mf >= 1 and Mf == int(Mf)):
            raise ValueError(f"M must be an integer >= 1 or np.inf, got {M!r}")
        M = int(Mf)
    if K0 < 1 or n_bins < 1:
        raise ValueError(f"K0 and n_bins must be >= 1, got K0={K0}, n_bins={n_bins}")
    if binned is None:
        binned = M > K0 + n_bins
    if not binned:
        if M > 5_000_000:
            raise ValueError(f"M = {M} is too large for exact modes; use binned=True")
        k = np.arange(1, M + 1, dtype=float)
        return Spectrum(a, b, M, k ** -b, k ** -a, np.ones(M), False, infinite)
    K0 = min(K0, M)
    k = np.arange(1, K0 + 1, dtype=float)
    lam, c, mult = [k ** -b], [k ** -a], [np.ones(K0)]
    if M > K0:
        edges = np.unique(np.round(np.geomspace(K0 + 1, M + 1, n_bins + 1)).astype(np.int64))
        lo, hi = edges[:-1].astype(float), edges[1:].astype(float) - 1
        lam.append(_bin_mean_power(lo, hi, b))
        c.append(_bin_mean_power(lo, hi, a))
        mult.append(hi - lo + 1)
    return Spectrum(a, b, M, np.concatenate(lam), np.concatenate(c), np.concatenate(mult), True, infinite)


# --------------------------------------------------------------------------- Talbot contour
def talbot_nodes(n: int = 20):
    """Fixed-Talbot shape for t = 1: nodes ``s_j`` and weights ``omega_j`` of the upper half.

    ``z_j = r (theta_j cot theta_j + i theta_j)``, ``theta_j = -pi + (j + 1/2) pi / n`` (j = 0..2n-1),
    ``r = 2n/(5t)``, ``omega_j = r (cot theta_j - theta_j / sin^2 theta_j + i) / (2n i)``, and
    ``f(t) = sum_j omega_j e^{z_j t} F(z_j)`` (notes 02 §2.5).  For real f only the n nodes with
    theta > 0 are needed: ``f(t) = 2 Re sum_{upper} ...``.  At time t: ``z = s/t``, ``omega = w/t``.
    """
    if not (isinstance(n, (int, np.integer)) and 2 <= n <= 64):
        raise ValueError(f"n (Talbot nodes per half contour) must be an integer in [2, 64], got {n!r}")
    j = np.arange(n, 2 * n)
    th = -np.pi + (j + 0.5) * np.pi / n
    r = 2 * n / 5.0
    s = r * (th / np.tan(th) + 1j * th)
    w = r * (1 / np.tan(th) - th / np.sin(th) ** 2 + 1j) / (2 * n * 1j)
    return s, w


# --------------------------------------------------------------------------- kappa equation
@numba.njit(cache=True)
def _newton_kernel(kappa, z, lam, mult, invN, invP, tol, maxit):
    """Damped complex Newton for kappa (1 - df/P)(1 - df/N) = z at every node (in place)."""
    n = kappa.shape[0]
    K = lam.shape[0]
    ok = True
    for j in range(n):
        kap = kappa[j]
        conv = False
        for it in range(maxit):
            d = 0.0 + 0.0j
            dp = 0.0 + 0.0j
            for k in range(K):
                q = 1.0 / (lam[k] + kap)
                d += mult[k] * lam[k] * q
                dp -= mult[k] * lam[k] * q * q
            r1 = 1.0 - d * invP
            r3 = 1.0 - d * invN
            g = kap * r1 * r3 - z[j]
            gp = r1 * r3 - kap * dp * (invP * r3 + invN * r1)
            step = g / gp
            m = abs(step)
            cap = 0.5 * abs(kap)
            if m > cap:
                step = step * (cap / m)
            kap = kap - step
            if abs(step) <= tol * abs(kap) and abs(g) <= 1e3 * tol * (abs(z[j]) + abs(kap)):
                conv = True
                break
        kappa[j] = kap
        if not conv:
            ok = False
    return ok


def _newton_numpy(kappa, z, lam, mult, invN, invP, tol, maxit):
    """Plain NumPy reference of :func:`_newton_kernel` (vectorised over nodes)."""
    kappa = kappa.copy()
    done = np.zeros(kappa.shape, bool)
    for _ in range(maxit):
        q = 1.0 / (lam[None, :] + kappa[:, None])
        d = (mult * lam * q).sum(1)
        dp = -(mult * lam * q * q).sum(1)
        r1, r3 = 1 - d * invP, 1 - d * invN
        g = kappa * r1 * r3 - z
        gp = r1 * r3 - kappa * dp * (invP * r3 + invN * r1)
        step = g / gp
        m = np.abs(step)
        cap = 0.5 * np.abs(kappa)
        step = np.where(m > cap, step * cap / np.maximum(m, 1e-300), step)
        step = np.where(done, 0, step)
        kappa = kappa - step
        done |= (np.abs(step) <= tol * np.abs(kappa)) & (np.abs(g) <= 1e3 * tol * (np.abs(z) + np.abs(kappa)))
        if done.all():
            return kappa, True
    return kappa, False


def solve_kappa(spec: Spectrum, z, N, P, kappa_init=None, *, tol=1e-13, maxit=200, method="numba"):
    """Solve ``kappa (1 - df/P)(1 - df/N) = z`` by damped Newton from ``kappa_init`` (default z).

    Notes 02 §2.2.  The branch is the one Newton reaches from the initial guess; use
    :func:`_kappa_path` (continuation in t) for contour nodes.  Raises ConvergenceError.
    """
    N, P = _check_NP(spec, N, P)
    z = np.atleast_1d(np.asarray(z, dtype=complex))
    k0 = z.copy() if kappa_init is None else np.atleast_1d(np.asarray(kappa_init, dtype=complex)).copy()
    invN, invP = (0.0 if math.isinf(N) else 1.0 / N), (0.0 if math.isinf(P) else 1.0 / P)
    if method == "numba":
        ok = _newton_kernel(k0, z, spec.lam, spec.mult, invN, invP, tol, maxit)
    elif method == "numpy":
        k0, ok = _newton_numpy(k0, z, spec.lam, spec.mult, invN, invP, tol, maxit)
    else:
        raise ValueError(f"method must be 'numba' or 'numpy', got {method!r}")
    if not ok or not np.all(np.isfinite(k0)):
        raise ConvergenceError(f"kappa Newton iteration did not converge (N={N}, P={P}, |z| in "
                               f"[{np.abs(z).min():.3g}, {np.abs(z).max():.3g}])")
    return k0


def _kappa_path(spec, N, P, times, n, ratio=1.2, method="numba"):
    """kappa at the upper-half Talbot nodes of every time in ``times`` by continuation in t.

    Starts where |z| >= 1e4 (max(1, trace/min(N,P))) so that kappa ~ z is on the physical branch
    and marches t up geometrically (ratio <= 1.2), reusing kappa (notes 02 §2.5 step 1).
    Returns an array (len(times), n) in the order of ``times``.
    """
    s, _ = talbot_nodes(n)
    times = np.asarray(times, float)
    order = np.argsort(times)
    ts = times[order]
    mNP = min(N, P)
    scale = max(1.0, spec.trace / mNP if math.isfinite(mNP) else 1.0, float(spec.lam.max()))
    t0 = min(ts[0], np.abs(s).min() / (1e4 * scale))
    grid = [t0]
    for tt in ts:
        while grid[-1] * ratio < tt:
            grid.append(grid[-1] * ratio)
        if tt > grid[-1]:
            grid.append(tt)
    out = {}
    kap = None
    for tt in grid:
        z = s / tt
        kap = solve_kappa(spec, z, N, P, kappa_init=z if kap is None else kap, method=method)
        out[tt] = kap.copy()
    res = np.empty((len(times), n), complex)
    for i, tt in zip(order, ts):
        res[i] = out[tt]
    return res


def kappa_static(spec: Spectrum, X) -> float:
    """Real kappa_X > 0 with ``df(kappa_X) = X`` (notes 02 §2.4); 0 when X >= M (finite M)."""
    X = _check_size(X, "X")
    if math.isinf(X):
        return 0.0
    if not spec.infinite_M and X >= spec.M:
        return 0.0
    f = lambda lk: spec.df(math.exp(lk)) - X
    lo, hi = -200.0, 50.0
    if f(lo) < 0:
        raise ConvergenceError(f"df(kappa) < X = {X} even at kappa = e^-200 (binned tail too short)")
    return math.exp(brentq(f, lo, hi, xtol=1e-14, rtol=1e-14, maxiter=500))


# --------------------------------------------------------------------------- losses
def _ht_matrix(spec, kap, z):
    """H_k(z) = kappa / (z (kappa + lambda_k)) at nodes (rows) and modes (columns)."""
    return kap[:, None] / (z[:, None] * (kap[:, None] + spec.lam[None, :]))


def loss_online(spec: Spectrum, N, t, *, n: int = 20, method: str = "numba") -> np.ndarray:
    """Test (= train) loss at P = infinity: ``L(t, N) = sum_k lambda_k w_k^2 H_k(2t)`` (notes 02 §2.4).

    One-dimensional fixed-Talbot inversion with ``n`` nodes per half contour; N may be np.inf
    (then kappa = z and L = sum lambda w^2 exp(-2 lambda t)).
    """
    t = _check_times(t)
    N, _ = _check_NP(spec, N, np.inf)
    s, w = talbot_nodes(n)
    tau = 2 * t
    kap = _kappa_path(spec, N, np.inf, tau, n, method=method)
    out = np.empty(t.size)
    mc = spec.mult * spec.c
    for i, tt in enumerate(tau):
        z = s / tt
        F = (_ht_matrix(spec, kap[i], z) * mc).sum(1)
        out[i] = 2 * np.real(np.sum(w / tt * np.exp(s) * F))
    if not np.all(np.isfinite(out)):
        raise ConvergenceError("non-finite loss from the Talbot inversion")
    return out


def mode_transfer(spec: Spectrum, N, P, t, *, n: int = 20) -> np.ndarray:
    """Mean error transfer ``H_k(t)`` (E[v_k(t)] = H_k(t) w*_k), shape (len(t), modes) (notes §2.2)."""
    t = _check_times(t)
    N, P = _check_NP(spec, N, P)
    s, w = talbot_nodes(n)
    kap = _kappa_path(spec, N, P, t, n)
    H = np.empty((t.size, spec.lam.size))
    with threadpool_limits(1):
        for i, tt in enumerate(t):
            z = s / tt
            H[i] = 2 * np.real((w / tt * np.exp(s)) @ _ht_matrix(spec, kap[i], z))
    return H


def bias(spec: Spectrum, N, P, t, *, n: int = 20) -> np.ndarray:
    """Loss of the predictor averaged over A and data: ``B(t) = sum_k lambda_k w_k^2 H_k(t)^2`` (paper Eq. 19; notes §2.3)."""
    H = mode_transfer(spec, N, P, t, n=n)
    return (H ** 2 * (spec.mult * spec.c)).sum(1)


def ensemble_loss(spec: Spectrum, N, E, t, *, n: int = 20) -> np.ndarray:
    """Ensemble of E members with independent A at P = infinity: ``L_E = B + (L - B)/E`` (notes §2.4)."""
    if not (isinstance(E, (int, np.integer)) and E >= 1):
        raise ValueError(f"E must be an integer >= 1, got {E!r}")
    L = loss_online(spec, N, t, n=n)
    B = bias(spec, N, np.inf, t, n=n)
    return B + (L - B) / E


def _pair_C0(spec, N, P, kap, z):
    """C_0(z_j, z_l) and rho1 C_0 = P C_1(z_j, z_l) on all node pairs (2x2 system of notes §2.3)."""
    lam, mult, c = spec.lam, spec.mult, spec.c
    d = ((mult * lam)[None, :] / (lam[None, :] + kap[:, None])).sum(1)
    invN, invP = (0.0 if math.isinf(N) else 1.0 / N), (0.0 if math.isinf(P) else 1.0 / P)
    R1, R3 = 1 - d * invP, 1 - d * invN
    h = _ht_matrix(spec, kap, z)
    hw = lambda wts: (h * wts) @ h.T
    S1, S2 = hw(mult * c), hw(mult * c * lam)
    A1, A2, A3 = hw(mult * lam), hw(mult * lam ** 2), hw(mult * lam ** 3)
    zh = z[:, None] * h                                   # = kappa / (kappa + lambda)
    u = (zh * (mult * lam)).sum(1)
    T = u[:, None] + u[None, :] - spec.trace
    rho1, rho3 = np.outer(R1, R1), np.outer(R3, R3)
    # (1 - rho1 rho3 A2 / P) C0 - A1 C3 = S1
    # -(rho3/N)(rho1 rho3 A3 + T) rho1/P C0 + (1 - rho1 rho3 A2 / N) C3 = (rho3/N) rho1 S2
    a11 = 1 - rho1 * rho3 * A2 * invP
    a12 = -A1
    a21 = -(rho3 * invN) * (rho1 * rho3 * A3 + T) * rho1 * invP
    a22 = 1 - rho1 * rho3 * A2 * invN
    b1, b2 = S1, rho3 * invN * rho1 * S2
    det = a11 * a22 - a12 * a21
    C0 = (b1 * a22 - a12 * b2) / det
    return C0, rho1 * C0


def losses(spec: Spectrum, N, P, t, *, n: int = 20):
    """Test and train loss ``(L(t), Lhat(t))`` for any (N, P) incl. infinite (notes 02 §2.3).

    Two-dimensional fixed-Talbot inversion of the two-frequency 2x2 system:
    ``L = Linv_z Linv_z' [C_0](t, t)``, ``Lhat = P Linv Linv [C_1](t, t)``.  At P = infinity the
    train loss equals the test loss.
    """
    t = _check_times(t)
    N, P = _check_NP(spec, N, P)
    s, w = talbot_nodes(n)
    kap_up = _kappa_path(spec, N, P, t, n)
    sf = np.concatenate([s, np.conj(s)])
    wf = np.concatenate([w, np.conj(w)])
    Lt, Lh = np.empty(t.size), np.empty(t.size)
    with threadpool_limits(1):
        for i, tt in enumerate(t):
            kap = np.concatenate([kap_up[i], np.conj(kap_up[i])])
            z = sf / tt
            C0, C1P = _pair_C0(spec, N, P, kap, z)
            ew = wf / tt * np.exp(sf)
            Lt[i] = np.real(ew @ C0 @ ew)
            Lh[i] = np.real(ew @ C1P @ ew)
    if math.isinf(P):
        Lh = Lt.copy()
    if not (np.all(np.isfinite(Lt)) and np.all(np.isfinite(Lh))):
        raise ConvergenceError("non-finite loss from the two-dimensional Talbot inversion")
    return Lt, Lh


# --------------------------------------------------------------------------- static limits
def static_model_limit(spec: Spectrum, N) -> float:
    """t -> inf, P = inf: ``L_inf(N) = sum_k lambda_k w_k^2 kappa_N / (kappa_N + lambda_k)``, df(kappa_N) = N (notes §2.4)."""
    N = _check_size(N, "N", allow_inf=False)
    _check_NP(spec, N, np.inf)
    k = kappa_static(spec, N)
    return float(np.sum(spec.mult * spec.c * k / (k + spec.lam)))


def static_data_limit(spec: Spectrum, P) -> float:
    """t -> inf, N = inf (ridgeless): ``kappa_P^2 sum lambda w^2/(lambda+kappa_P)^2 / (1 - (1/P) sum lambda^2/(lambda+kappa_P)^2)`` (notes §2.4)."""
    P = _check_size(P, "P", allow_inf=False)
    _check_NP(spec, np.inf, P)
    k = kappa_static(spec, P)
    num = k ** 2 * np.sum(spec.mult * spec.c / (spec.lam + k) ** 2)
    den = 1 - np.sum(spec.mult * spec.lam ** 2 / (spec.lam + k) ** 2) / P
    return float(num / den)


# --------------------------------------------------------------------------- early-time 1/N correction
@numba.njit(cache=True)
def _g(lam, mu, tau):
    x = (mu - lam) * tau       # e^{-mu tau} = e^{-lam tau} e^{x}
    if abs(x) < 1e-3:
        return math.exp(-lam * tau) * tau * tau * (0.5 + x / 6.0 + x * x / 24.0 + x * x * x / 120.0)
    d = lam - mu
    return (math.exp(-mu * tau) - math.exp(-lam * tau) * (1.0 + d * tau)) / (d * d)


@numba.njit(cache=True)
def _first_order_kernel(lam, c, mult, tau):
    K = lam.shape[0]
    tot = 0.0
    for k in range(K):
        inner = 0.0
        for l in range(K):
            inner += mult[l] * lam[l] * _g(lam[k], lam[l], tau)
        tot += mult[k] * lam[k] * c[k] * inner
    return tot


def _g_numpy(lam, mu, tau):
    lam, mu = np.broadcast_arrays(np.asarray(lam, float), np.asarray(mu, float))
    x = (mu - lam) * tau
    d = lam - mu
    small = np.abs(x) < 1e-3
    dd = np.where(small, 1.0, d)
    big = (np.exp(-mu * tau) - np.exp(-lam * tau) * (1 + d * tau)) / dd ** 2
    ser = np.exp(-lam * tau) * tau ** 2 * (0.5 + x / 6 + x ** 2 / 24 + x ** 3 / 120)
    return np.where(small, ser, big)


def first_order_width_correction(spec: Spectrum, t, *, method: str = "numba") -> np.ndarray:
    """Early-time 1/N coefficient at P = inf: ``L(t,N) = L_inf(t) + L1(t)/N + O(N^-2)`` (notes 02 §2.4, paper Eq. 83).

    ``L1(t) = sum_k lambda_k^2 w_k^2 sum_l lambda_l g(lambda_k, lambda_l; 2t)``,
    ``g(l, m; tau) = [e^{-m tau} - e^{-l tau} - (l - m) tau e^{-l tau}] / (l - m)^2``.
    """
    t = _check_times(t)
    out = np.empty(t.size)
    for i, tt in enumerate(t):
        tau = 2 * tt
        if method == "numba":
            out[i] = _first_order_kernel(spec.lam, spec.c, spec.mult, tau)
        elif method == "numpy":
            G = _g_numpy(spec.lam[:, None], spec.lam[None, :], tau)
            out[i] = np.sum((spec.mult * spec.lam * spec.c)[:, None] * G * (spec.mult * spec.lam)[None, :])
        else:
            raise ValueError(f"method must be 'numba' or 'numpy', got {method!r}")
    return out


# --------------------------------------------------------------------------- compute frontier
@dataclass(frozen=True)
class Frontier:
    """Compute-optimal frontier at P = inf, C = N t: ``L*(C) = min_N L(N, C/N)``.

    ``interior`` marks compute values whose optimum lies strictly inside the N range (only those
    are meaningful for exponent fits).
    """

    C: np.ndarray
    L: np.ndarray
    N: np.ndarray
    t: np.ndarray
    interior: np.ndarray


def compute_frontier(spec: Spectrum, Ns, t, C, *, n: int = 20, Lgrid=None) -> Frontier:
    """Compute-optimal frontier from the loss surface L(N, t) at P = inf (notes 02 §2.6).

    The loss is evaluated on the widths ``Ns`` (any positive reals, continuous N) and times ``t``;
    at each compute C the curve log L(N, C/N) is interpolated in log t (cubic) and then in log N
    (cubic spline) and minimised on a fine log-N grid, so N* varies continuously.
    ``Lgrid`` (len(Ns) x len(t)) may be passed to reuse loss curves already computed.
    """
    Ns = np.asarray(Ns, float)
    t = _check_times(t)
    C = _check_times(C, "C")
    if Ns.ndim != 1 or Ns.size < 4 or np.any(~np.isfinite(Ns)) or np.any(Ns <= 0) or np.any(np.diff(Ns) <= 0):
        raise ValueError("Ns must be >= 4 increasing finite widths > 0")
    if np.any(np.diff(t) <= 0):
        raise ValueError("t must be increasing")
    if Lgrid is None:
        Lgrid = np.array([loss_online(spec, N, t, n=n) for N in Ns])
    Lgrid = np.asarray(Lgrid, float)
    if Lgrid.shape != (Ns.size, t.size) or np.any(~(Lgrid > 0)):
        raise ValueError("Lgrid must have shape (len(Ns), len(t)) with positive losses")
    lt, lN = np.log(t), np.log(Ns)
    splines = [CubicSpline(lt, np.log(Lrow)) for Lrow in Lgrid]
    fine = np.linspace(lN[0], lN[-1], 2000)
    Ls, Nst, inter = np.empty(C.size), np.empty(C.size), np.zeros(C.size, bool)
    for i, cc in enumerate(C):
        ltn = np.log(cc) - lN
        ok = (ltn >= lt[0]) & (ltn <= lt[-1])
        if ok.sum() < 4:
            Ls[i] = Nst[i] = np.nan
            continue
        vals = np.array([splines[j](ltn[j]) for j in np.flatnonzero(ok)])
        sp = CubicSpline(lN[ok], vals)
        f = fine[(fine >= lN[ok][0]) & (fine <= lN[ok][-1])]
        y = sp(f)
        j = int(np.argmin(y))
        Ls[i], Nst[i] = math.exp(y[j]), math.exp(f[j])
        # interior: optimum away from the ends of the usable N range (and of the full N range)
        inter[i] = (0 < j < f.size - 1) and f[j] > lN[ok][1] and f[j] < lN[ok][-2]
    return Frontier(C=C, L=Ls, N=Nst, t=C / Nst, interior=inter)


# --------------------------------------------------------------------------- exponent table
def predicted_exponents(a: float, b: float) -> dict:
    """Asymptotic exponents of the model (notes 02 §2.6), as positive numbers (L ~ x^-exponent).

    time: (a-1)/b; data: min(a-1, 2b); model: min(a-1, b) (our derivation; the secondary summary
    says min(a-1, 2b)); compute-optimal with r_t = (a-1)/b, r_N = model exponent:
    N* ~ C^{r_t/(r_t+r_N)}, t* ~ C^{r_N/(r_t+r_N)}, L* ~ C^{-r_t r_N/(r_t+r_N)}.
    """
    if not a > 1:
        raise ValueError(f"a must be > 1, got {a!r}")
    if not b > 0:
        raise ValueError(f"b must be > 0, got {b!r}")
    rt = (a - 1) / b
    rN = min(a - 1, b)
    rN_summary = min(a - 1, 2 * b)
    return dict(time=rt, data=min(a - 1, 2 * b), model=rN, model_summary=rN_summary,
                compute=rt * rN / (rt + rN), N_star=rt / (rt + rN), t_star=rN / (rt + rN),
                compute_summary=rt * rN_summary / (rt + rN_summary))
