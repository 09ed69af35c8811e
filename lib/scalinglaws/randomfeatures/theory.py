"""DMFT theory of the linear random-feature model of Bordelon, Atanasov & Pehlevan (2024).

Equation numbers ``Eq. (T2.n)`` refer to the book's theory page for paper 2
(``chapters/theory/p2_dynamical.md``).

Model (Eqs. (T2.1)-(T2.4)): M eigenfeatures with variances ``lambda_k = k^-b`` and a teacher with task
power ``lambda_k w*_k^2 = k^-a``; student ``f = w . A psi / sqrt(N)`` with a fixed Gaussian
projection ``A`` (N x M), trained by gradient flow on P samples from ``w = 0``.  The error vector
``v = w* - A^T w / sqrt(N)`` obeys ``dv/dt = -F G v`` with ``F = A^T A / N``, ``G = Psi^T Psi / P``.
Test loss ``L = sum_k lambda_k v_k^2``, train loss ``(1/P) |Psi v|^2``, both averaged over (A, Psi).

Theory (Eqs. (T2.12)-(T2.32)), in the Laplace variable z:

* scalar kappa equation ``kappa (1 - df(kappa)/P) (1 - df(kappa)/N) = z`` with
  ``df(kappa) = sum_k lambda_k / (lambda_k + kappa)``; ``R_1 = 1 - df/P``, ``R_3 = 1 - df/N``
  (Eqs. (T2.13), (T2.14));
* transfer function ``H_k(z) = kappa / (z (kappa + lambda_k))`` (Eqs. (T2.12), (T2.14); paper Eqs. 10-11);
* P = infinity: ``L(t) = sum_k lambda_k w_k^2 H_k(2t)`` (single inverse transform, Eq. (T2.22));
* general (N, P): a 2x2 linear system in the two-frequency domain (z, z') for the correlations
  C_0 (test) and C_1 (train) (Eqs. (T2.17)-(T2.20)), inverted by a two-dimensional fixed-Talbot
  rule (Eq. (T2.34)).

Numerics (Eqs. (T2.33)-(T2.36)): fixed-Talbot contour with ``n`` nodes per half (default 20: 12 nodes
give ~4e-7 on the exact N = P = inf check, 20 reach ~1e-11), kappa from a
vectorised complex Newton iteration with step damping, the physical branch selected by
continuation in t from tiny t (|z| huge, kappa ~ z), geometric ratio <= 1.2.  Large M is handled
by a log-binned spectral quadrature (modes 1..K0 exact, the rest in log-spaced bins weighted by
their counts).  A Newton solve that does not converge raises :class:`ConvergenceError`, and so
does a continuation longer than 20000 steps or a Talbot loss that is NaN or negative beyond the
accuracy floor of the inversion (negatives within it are returned as 0; see :func:`talbot_nodes`).

Inputs (ValueError otherwise): sizes N, P real numbers >= 1 or np.inf, <= M for a finite spectrum
(the theory is continuous in N and P); times finite, in [1e-10, 1e15]; n an integer in [6, 24].

Time unit: t = eta x steps for the loss with the 1/2 (Eq. (T2.2)).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from scipy.optimize import brentq
from .._blas import blas_limits

from .. import _validation
from .._validation import array, choice, flag, integer, real
from . import _checks

__all__ = ["Spectrum", "ConvergenceError", "power_law_spectrum", "talbot_nodes", "solve_kappa",
           "kappa_static", "loss_online", "losses", "bias", "ensemble_loss", "mode_transfer",
           "static_model_limit", "static_data_limit", "first_order_width_correction", "M_INFINITE"]

M_INFINITE = 10 ** 13   # "M = infinity" is represented by a binned spectrum truncated here


class ConvergenceError(RuntimeError):
    """A theory evaluation did not converge; no curve is returned."""


def _check_NP(spec, N, P):
    """Theory sizes: real numbers >= 1 or np.inf, <= M for a finite spectrum."""
    return _checks.size("N", N, spec), _checks.size("P", P, spec)


# --------------------------------------------------------------------------- spectra
@dataclass(frozen=True)
class Spectrum:
    """Power-law problem ``lambda_k = k^-b``, ``lambda_k w*_k^2 = k^-a`` (Eq. (T2.1); paper Eq. 13).

    ``lam``, ``c`` (= lambda w*^2, the task power) and ``mult`` (multiplicities) describe the
    quadrature: exact modes have ``mult = 1``; a bin of modes has its count as multiplicity, and
    the bin means of ``k^-b`` and ``k^-a`` as ``lam`` and ``c`` (so L(0) = sum mult c is exact).
    Raises ValueError unless a > 1, b > 0, M >= 1 is an integer, ``lam`` > 0, ``c`` >= 0 and
    ``mult`` >= 1 are finite 1-D arrays of one length with ``sum(mult) = M``.
    """

    a: float
    b: float
    M: int
    lam: np.ndarray
    c: np.ndarray
    mult: np.ndarray
    binned: bool
    infinite_M: bool = False

    def __post_init__(self):
        real("a", self.a, 1.0, None, lo_open=True)
        real("b", self.b, 0.0, None, lo_open=True)
        integer("M", self.M, 1)
        flag("binned", self.binned)
        flag("infinite_M", self.infinite_M)
        lam = array("lam", self.lam, ndim=1, lo=0.0, lo_open=True)
        c = array("c", self.c, ndim=1, lo=0.0)
        mult = array("mult", self.mult, ndim=1, lo=1.0)
        if not lam.size == c.size == mult.size:
            raise ValueError(f"`lam`, `c` and `mult` must have one length, got {lam.size}, {c.size}, {mult.size}")
        if mult.sum() != self.M and not (self.infinite_M and abs(mult.sum() / self.M - 1) < 1e-9):
            raise ValueError(f"`mult` must sum to `M` = {self.M} (one entry per mode or bin), got {mult.sum():g}")
        for nm, v in (("lam", lam), ("c", c), ("mult", mult)):
            object.__setattr__(self, nm, v)

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
    """Spectrum ``lambda_k = k^-b``, task power ``lambda_k w*_k^2 = k^-a``, k = 1..M (Eq. (T2.1); paper Eq. 13).

    ``M = np.inf`` means a binned spectrum truncated at ``M_INFINITE = 1e13`` (needs b > 1).
    With ``binned`` (default: when M > K0 + n_bins) the modes k > K0 are put into ``n_bins``
    log-spaced bins weighted by their counts (Eq. (T2.36); relative error ~1e-4).
    Raises ValueError for a <= 1, b <= 0 (or not finite), b <= 1 with infinite M, M not an integer in
    [1, 1e13] or np.inf, b log10(M) > 300 (the smallest eigenvalue underflows), K0 or n_bins < 1,
    ``binned`` not None/True/False, or more than 5e6 exact modes.
    """
    a, b = _checks.exponents(a, b)
    infinite = isinstance(M, (float, np.floating)) and M == math.inf
    if infinite:
        if b <= 1:
            raise ValueError(f"`b` must be > 1 when M is infinite (the trace sum k^-b diverges), got b = {b!r}")
        M = M_INFINITE
    else:
        if isinstance(M, (float, np.floating)) and math.isfinite(M) and M == int(M) and M <= 2 ** 53:
            M = int(M)   # an integral float such as 1e6
        try:
            M = integer("M", M, 1, M_INFINITE)
        except ValueError:
            raise ValueError(f"`M` must be an integer in [1, 1e13] or np.inf, got {M!r}") from None
    _checks.exponents(a, b, M)
    K0 = integer("K0", K0, 1)
    n_bins = integer("n_bins", n_bins, 1)
    if binned is not None:
        binned = flag("binned", binned)
    if binned is None:
        binned = M > K0 + n_bins
    if not binned:
        if M > 5_000_000:
            raise ValueError(f"`M` must be <= 5000000 for exact modes (`binned` = False), got {M}; use binned=True")
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
    ``f(t) = sum_j omega_j e^{z_j t} F(z_j)`` (Eq. (T2.33)).  For real f only the n nodes with
    theta > 0 are needed: ``f(t) = 2 Re sum_{upper} ...``.  At time t: ``z = s/t``, ``omega = w/t``.
    ``n`` must be an integer in [6, 24]: beyond 24 double-precision round-off (~ e^{0.4 n} eps per
    dimension) outgrows the truncation error 10^{-0.6 n}, and the 2-D inversion is garbage by n = 48.
    Absolute accuracy of a loss, relative to L(0): ~ 10^{-0.6 n} + round-off (n = 20: ~1e-12 for
    the 1-D, ~1e-9 for the 2-D inversion).
    """
    n = _checks.n_talbot(n)
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

    Eqs. (T2.13), (T2.35).  The branch is the one Newton reaches from the initial guess; use
    :func:`_kappa_path` (continuation in t) for contour nodes.  Domain: ``z`` a scalar or 1-D array
    of finite complex numbers off the closed negative real axis (z = 0 and z < 0 are the poles and
    the spectrum of the dynamics, where the Laplace transform is not defined); ``kappa_init`` finite,
    nonzero, of z's shape; N, P real >= 1 or np.inf (<= M); ``tol`` in (0, 0.1]; ``maxit`` an integer
    in [1, 100000].  Raises ValueError for bad input, ConvergenceError if Newton does not converge.
    """
    spec = _checks.spectrum(spec)
    N, P = _check_NP(spec, N, P)
    z = _complex_array("z", z)
    if np.any((z.imag == 0) & (z.real <= 0)):
        raise ValueError(f"`z` must lie off the negative real axis (z = 0 and real z < 0 are outside the domain "
                         f"of the Laplace transform), got {z[(z.imag == 0) & (z.real <= 0)][:3]!r}")
    if kappa_init is None:
        k0 = z.copy()
    else:
        k0 = _complex_array("kappa_init", kappa_init).copy()
        if k0.shape != z.shape:
            raise ValueError(f"`kappa_init` must have the shape of `z` {z.shape}, got {k0.shape}")
        if np.any(k0 == 0):
            raise ValueError("`kappa_init` must be nonzero everywhere")
    tol = real("tol", tol, 0.0, 0.1, lo_open=True)
    maxit = integer("maxit", maxit, 1, 100_000)
    method = choice("method", method, ("numba", "numpy"))
    invN, invP = (0.0 if math.isinf(N) else 1.0 / N), (0.0 if math.isinf(P) else 1.0 / P)
    if method == "numba":
        ok = _newton_kernel(kappa=k0, z=z, lam=spec.lam, mult=spec.mult, invN=invN, invP=invP, tol=tol, maxit=maxit)
    else:
        k0, ok = _newton_numpy(k0, z, spec.lam, spec.mult, invN, invP, tol, maxit)
    if not ok or not np.all(np.isfinite(k0)):
        raise ConvergenceError(f"kappa Newton iteration did not converge (N={N}, P={P}, |z| in "
                               f"[{np.abs(z).min():.3g}, {np.abs(z).max():.3g}])")
    return k0


def _complex_array(name, x):
    """A scalar or 1-D array of finite complex numbers, as a 1-D complex array."""
    try:
        a = np.asarray(x)
    except Exception as exc:  # ragged lists
        raise ValueError(f"`{name}` must be an array of complex numbers ({exc})") from None
    if a.dtype.kind not in "iufc" or a.dtype == bool:
        raise ValueError(f"`{name}` must be an array of complex numbers, got dtype {a.dtype}")
    a = np.atleast_1d(a.astype(complex))
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"`{name}` must be a scalar or a non-empty 1-D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"`{name}` must be finite (no NaN or inf)")
    return np.ascontiguousarray(a)


_MAX_GRID = 20_000   # continuation steps in t; T_MIN..T_MAX at ratio 1.2 needs ~ 300


def _kappa_path(spec, N, P, times, n, ratio=1.2, method="numba"):
    """kappa at the upper-half Talbot nodes of every time in ``times`` by continuation in t.

    Starts where |z| >= 1e4 (max(1, trace/min(N,P))) so that kappa ~ z is on the physical branch
    and marches t up geometrically (ratio <= 1.2), reusing kappa (continuation in t after Eq. (T2.35)).
    Returns an array (len(times), n) in the order of ``times``.
    """
    s, _ = talbot_nodes(n)
    times = np.asarray(times, float)
    order = np.argsort(times)
    ts = times[order]
    mNP = min(N, P)
    scale = max(1.0, spec.trace / mNP if math.isfinite(mNP) else 1.0, float(spec.lam.max()))
    t0 = min(ts[0], np.abs(s).min() / (1e4 * scale))
    if not (t0 > 0 and math.isfinite(ts[-1])):
        raise ValueError(f"times must be finite and > 0, got [{ts[0]!r}, {ts[-1]!r}]")
    grid = [t0]
    for tt in ts:
        while grid[-1] * ratio < tt:
            grid.append(grid[-1] * ratio)
            if len(grid) > _MAX_GRID:
                raise ConvergenceError(f"the continuation in t needs more than {_MAX_GRID} steps "
                                       f"(t from {t0:.3g} to {ts[-1]:.3g})")
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
    """Real kappa_X > 0 with ``df(kappa_X) = X`` (Eq. (T2.27)); 0 when X >= M (finite M) or X = inf.

    ``X`` must be a real number >= 1 or np.inf (ValueError otherwise); ConvergenceError if the binned
    tail of an infinite spectrum is too short for df = X.
    """
    spec = _checks.spectrum(spec)
    X = _checks.size("X", X)
    if math.isinf(X):
        return 0.0
    if not spec.infinite_M and X >= spec.M:
        return 0.0
    f = lambda lk: spec.df(math.exp(lk)) - X
    lo = math.log(float(spec.lam.min())) - 60.0
    hi = math.log(max(spec.trace / X, float(spec.lam.max()))) + 5.0
    if f(lo) < 0:
        raise ConvergenceError(f"df(kappa) < X = {X} even at kappa = {math.exp(lo):.3g} (binned tail too short)")
    try:
        root, info = brentq(f, lo, hi, xtol=1e-14, rtol=1e-14, maxiter=500, full_output=True)
    except RuntimeError as exc:
        raise ConvergenceError(f"kappa_static: brentq did not converge for X = {X} ({exc})") from None
    if not info.converged:
        raise ConvergenceError(f"kappa_static: brentq did not converge for X = {X}")
    return math.exp(root)


# --------------------------------------------------------------------------- losses
def _theory_args(spec, N, P, t, n):
    """Checked (spec, N, P, t, n) of a loss-curve function (see the module docstring for the ranges)."""
    spec = _checks.spectrum(spec)
    N, P = _check_NP(spec, N, P)
    return spec, N, P, _checks.times(t), _checks.n_talbot(n)


def _ht_matrix(spec, kap, z):
    """H_k(z) = kappa / (z (kappa + lambda_k)) at nodes (rows) and modes (columns)."""
    return kap[:, None] / (z[:, None] * (kap[:, None] + spec.lam[None, :]))


def loss_online(spec: Spectrum, N, t, *, n: int = 20, method: str = "numba") -> np.ndarray:
    """Test (= train) loss at P = infinity: ``L(t, N) = sum_k lambda_k w_k^2 H_k(2t)`` (Eq. (T2.22)).

    One-dimensional fixed-Talbot inversion with ``n`` nodes per half contour; N may be np.inf
    (then kappa = z and L = sum lambda w^2 exp(-2 lambda t)).  Inputs: N real >= 1 or np.inf
    (<= M), ``t`` a 1-D array of finite times in [1e-10, 1e15], ``n`` an integer in [6, 24]
    (:func:`talbot_nodes`); ValueError otherwise.  The absolute accuracy is about
    ``L(0) (10^{-0.6 n} + 1e-14 e^{0.4 n})``: negative values within it are returned as 0, larger
    negatives (and NaN) raise ConvergenceError.
    """
    spec, N, _, t, n = _theory_args(spec, N, np.inf, t, n)
    method = choice("method", method, ("numba", "numpy"))
    s, w = talbot_nodes(n)
    tau = 2 * t
    kap = _kappa_path(spec, N, np.inf, tau, n, method=method)
    out = np.empty(t.size)
    mc = spec.mult * spec.c
    for i, tt in enumerate(tau):
        z = s / tt
        F = (_ht_matrix(spec, kap[i], z) * mc).sum(1)
        out[i] = 2 * np.real(np.sum(w / tt * np.exp(s) * F))
    return _checks.clip_losses("loss_online", out, spec.L0 * _checks.talbot_floor(n))


def mode_transfer(spec: Spectrum, N, P, t, *, n: int = 20) -> np.ndarray:
    """Mean error transfer ``H_k(t)`` (E[v_k(t)] = H_k(t) w*_k), shape (len(t), modes) (Eqs. (T2.14), (T2.15)).

    Inputs as for :func:`losses` (ValueError otherwise); ConvergenceError if the result is not finite.
    """
    spec, N, P, t, n = _theory_args(spec, N, P, t, n)
    s, w = talbot_nodes(n)
    kap = _kappa_path(spec, N, P, t, n)
    H = np.empty((t.size, spec.lam.size))
    with blas_limits():
        for i, tt in enumerate(t):
            z = s / tt
            H[i] = 2 * np.real((w / tt * np.exp(s)) @ _ht_matrix(spec, kap[i], z))
    if not np.all(np.isfinite(H)):
        raise ConvergenceError("mode_transfer: non-finite transfer from the Talbot inversion")
    return H


def bias(spec: Spectrum, N, P, t, *, n: int = 20) -> np.ndarray:
    """Loss of the predictor averaged over A and data: ``B(t) = sum_k lambda_k w_k^2 H_k(t)^2`` (Eq. (T2.25); paper Eq. 19).

    Inputs as for :func:`losses` (ValueError otherwise); B >= 0 by construction.
    """
    H = mode_transfer(spec, N, P, t, n=n)
    return (H ** 2 * (spec.mult * spec.c)).sum(1)


def ensemble_loss(spec: Spectrum, N, E, t, *, n: int = 20) -> np.ndarray:
    """Ensemble of E members with independent A at P = infinity: ``L_E = B + (L - B)/E`` (Eq. (T2.26)).

    ``E`` an integer >= 1; the other inputs as for :func:`loss_online` (ValueError otherwise).
    """
    spec, N, _, t, n = _theory_args(spec, N, np.inf, t, n)
    E = integer("E", E, 1)
    L = loss_online(spec, N, t, n=n)
    B = bias(spec, N, np.inf, t, n=n)
    return _checks.clip_losses("ensemble_loss", B + (L - B) / E, spec.L0 * _checks.talbot_floor(n))


def _pair_C0(spec, N, P, kap, z):
    """C_0(z_j, z_l) and rho1 C_0 = P C_1(z_j, z_l) on all node pairs (2x2 system, Eqs. (T2.17)-(T2.19))."""
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
    """Test and train loss ``(L(t), Lhat(t))`` for any (N, P) incl. infinite (Eqs. (T2.17)-(T2.20)).

    Two-dimensional fixed-Talbot inversion (Eq. (T2.34)) of the two-frequency 2x2 system:
    ``L = Linv_z Linv_z' [C_0](t, t)``, ``Lhat = P Linv Linv [C_1](t, t)``.  At P = infinity the
    train loss equals the test loss.  Inputs: N, P real >= 1 or np.inf (<= M), ``t`` a 1-D array of
    finite times in [1e-10, 1e15], ``n`` an integer in [6, 24]; ValueError otherwise.  The absolute
    accuracy is about ``L(0) (10^{-0.6 n} + 1e-15 e^{0.8 n})``: negative values within it are
    returned as 0, larger negatives (and NaN) raise ConvergenceError.
    """
    spec, N, P, t, n = _theory_args(spec, N, P, t, n)
    s, w = talbot_nodes(n)
    kap_up = _kappa_path(spec, N, P, t, n)
    sf = np.concatenate([s, np.conj(s)])
    wf = np.concatenate([w, np.conj(w)])
    Lt, Lh = np.empty(t.size), np.empty(t.size)
    with blas_limits():
        for i, tt in enumerate(t):
            kap = np.concatenate([kap_up[i], np.conj(kap_up[i])])
            z = sf / tt
            C0, C1P = _pair_C0(spec, N, P, kap, z)
            ew = wf / tt * np.exp(sf)
            Lt[i] = np.real(ew @ C0 @ ew)
            Lh[i] = np.real(ew @ C1P @ ew)
    if math.isinf(P):
        Lh = Lt.copy()
    floor = spec.L0 * _checks.talbot_floor(n, dims=2)
    return _checks.clip_losses("losses (test)", Lt, floor), _checks.clip_losses("losses (train)", Lh, floor)


# --------------------------------------------------------------------------- static limits
def static_model_limit(spec: Spectrum, N) -> float:
    """t -> inf, P = inf: ``L_inf(N) = sum_k lambda_k w_k^2 kappa_N / (kappa_N + lambda_k)``, df(kappa_N) = N (Eq. (T2.28)).

    ``N`` a finite real >= 1, <= M (ValueError otherwise); 0 at N = M (finite M).
    """
    spec = _checks.spectrum(spec)
    N = _checks.size("N", N, spec, allow_inf=False)
    k = kappa_static(spec, N)
    return float(np.sum(spec.mult * spec.c * k / (k + spec.lam)))


def static_data_limit(spec: Spectrum, P) -> float:
    """t -> inf, N = inf (ridgeless): ``kappa_P^2 sum lambda w^2/(lambda+kappa_P)^2 / (1 - (1/P) sum lambda^2/(lambda+kappa_P)^2)`` (Eq. (T2.29)).

    ``P`` a finite real >= 1, <= M (ValueError otherwise).  At P = M (finite M) the limit is 0: the
    numerator and the denominator both vanish linearly in kappa_P, and the formula is evaluated in the
    cancellation-free form ``kappa_P P sum lambda w^2/(lambda+kappa_P)^2 / sum lambda/(lambda+kappa_P)^2``.
    """
    spec = _checks.spectrum(spec)
    P = _checks.size("P", P, spec, allow_inf=False)
    k = kappa_static(spec, P)
    if k == 0.0:
        return 0.0       # P >= M (finite M): P noiseless samples determine w* exactly
    # with df(k) = P the denominator is 1 - (1/P) sum lam^2/(lam+k)^2 = (k/P) sum lam/(lam+k)^2:
    # no cancellation near P = M (where both vanish)
    num = k * np.sum(spec.mult * spec.c / (spec.lam + k) ** 2)
    den = np.sum(spec.mult * spec.lam / (spec.lam + k) ** 2) / P
    return float(_checks.clip_losses("static_data_limit", num / den, 0.0))


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
    """Early-time 1/N coefficient at P = inf: ``L(t,N) = L_inf(t) + L1(t)/N + O(N^-2)`` (Eqs. (T2.31), (T2.32); cf. paper Eq. 83).

    ``L1(t) = sum_k lambda_k^2 w_k^2 sum_l lambda_l g(lambda_k, lambda_l; 2t)``,
    ``g(l, m; tau) = [e^{-m tau} - e^{-l tau} - (l - m) tau e^{-l tau}] / (l - m)^2``.
    ``t`` a 1-D array of finite times in [1e-10, 1e15], ``method`` 'numba' or 'numpy' (ValueError otherwise).
    """
    spec = _checks.spectrum(spec)
    t = _checks.times(t)
    method = choice("method", method, ("numba", "numpy"))
    out = np.empty(t.size)
    for i, tt in enumerate(t):
        tau = 2 * tt
        if method == "numba":
            out[i] = _first_order_kernel(lam=spec.lam, c=spec.c, mult=spec.mult, tau=tau)
        else:
            G = _g_numpy(spec.lam[:, None], spec.lam[None, :], tau)
            out[i] = np.sum((spec.mult * spec.lam * spec.c)[:, None] * G * (spec.mult * spec.lam)[None, :])
    return _validation.finite_result("first_order_width_correction", out)
