"""Dual kernels of any activation: closed forms, polar quadrature, Hermite (Mehler) expansion, a
Chebyshev table in the angle, and Gram matrices (Eqs. (T1.42)-(T1.51)).

For pre-activations ``(u, v)`` with variances ``q1, q2`` and covariance ``rho = sqrt(q1 q2) cos theta``
the kernel parts are ``Sigma = E[phi(u) phi(v)]``, ``Theta_in = rho E[phi'(u) phi'(v)]`` and the full
NTK ``Sigma + Theta_in`` (Eq. (T1.42)).  Three ways to compute an expectation ``E[f(u) g(v)]``:

* ``"closed"``: the closed forms of :mod:`.activations` (relu^k, leaky ReLU, abs, erf);
* ``"polar"`` (Eq. (T1.49)): with ``u = sqrt(q1) r cos psi``, ``v = sqrt(q2) r cos(psi - theta)``,
  ``E = (1/2pi) int_0^{2pi} dpsi int_0^inf r e^{-r^2/2} f(u) g(v) dr``; the ``psi`` circle is cut
  at the four zeros of ``cos psi`` and ``cos(psi - theta)``, so a kink or jump of ``f``, ``g`` at 0
  sits on a panel edge (the integrand is smooth inside each wedge).  Composite Gauss-Legendre in
  ``psi`` (each wedge graded towards its ends) and in ``r`` (graded towards 0, up to ``r = 14``).
  Works for any finite activation; exact to ~1e-14 for kinks at 0, algebraic convergence for
  non-smooth points elsewhere.  About 1 ms per value.
* ``"hermite"`` (Eq. (T1.50); smooth activations): Mehler's formula
  ``E[f(u) g(v)] = sum_n f_n(q1) g_n(q2) c^n`` with ``f_n(q) = E[f(sqrt(q) z) h_n(z)]``,
  ``h_n = He_n/sqrt(n!)`` (orthonormal Hermite polynomials), ``c = cos theta``.  The coefficients
  come from a composite Gauss-Legendre rule on ``[-56, 56]`` with the Hermite *functions*
  (recurrence without overflow); the series is cut where the coefficients fall below ``1e-17`` of
  the total (``ValueError`` if that needs more than ``N_HERMITE_MAX`` terms: not smooth enough).
* ``"fourier"`` (Eq. (T1.55); smooth activations, any variance): the polar form with the angle
  integral done in Fourier space.  ``g_q(r, psi) = f(sqrt(q) r cos psi)`` is even and periodic in
  ``psi`` with Fourier cosine coefficients ``g_n(r)`` (FFT on a uniform grid, analytic ``f`` so
  exponential convergence; the grid doubles until the weighted aliasing tail is below 1e-17), and
  ``E[f(u) g(v)] = sum_n K_n T_n(cos theta)`` with ``K_0 = int w(r) f_0 g_0``,
  ``K_n = 2 int w(r) f_n(r) g_n(r) dr`` (``w = r e^{-r^2/2}``, r <= 10.5): a Chebyshev series in
  ``cos theta`` per pair of variances.  ``"auto"`` uses it when the Hermite series would need too
  many terms (steep activations: tanh beyond ``q ~ 3``, GELU and SiLU beyond ``q ~ 15``).

A :class:`ThetaTable` tabulates a kernel at fixed ``q1, q2`` as a piecewise Chebyshev series in
``theta`` (Eq. (T1.51)): the dual kernel of an activation whose only singularity is at 0 is analytic
in ``theta`` on ``[0, pi]`` (its singular behaviour in ``u = cos theta`` comes from
``theta = arccos u``), so 16 panels x 24 nodes give ~1e-14.  The Gram of a numerically integrated
activation uses the table when all points have one norm (sphere data) or the activation is
positively homogeneous (``k(x, y) = (|x~||y~|)^p k_1(theta)``), Mehler per pair for other smooth
activations, and polar quadrature per pair otherwise (small problems only).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from .._validation import array, choice, integer
from . import _checks
from .activations import Activation, activation
from .kernels import PARTS, _atan2_upper, _cross_norm

__all__ = ["dual_kernel", "activation_gram", "ThetaTable", "hermite_coefficients", "METHODS", "N_HERMITE_MAX"]

METHODS = ("auto", "closed", "hermite", "fourier", "polar")
FOURIER_MAX = 2 ** 16         # angular grid of the Fourier path
FOURIER_PAIRS_MAX = 50_000    # distinct variance pairs of one Fourier-path evaluation
N_HERMITE_MAX = 600          # Hermite functions on [-56, 56]: turning point 2 sqrt(n) <= 49
POLAR_GRAM_MAX = 200_000      # entries of a per-pair polar-quadrature Gram (about 1 ms each)


# --- validation ---------------------------------------------------------------------------------------

def _act_part(act, part, method):
    act = activation(act)
    choice("part", part, PARTS)
    choice("method", method, METHODS)
    if part != "output" and act.order is not None and act.order < 1:
        raise ValueError(f"`part` must be 'output' for {act.name!r}: its derivative is a delta "
                         "(no trainable hidden layer)")
    if method == "closed" and not act.closed_form:
        raise ValueError(f"`method` 'closed': activation {act.name!r} has no closed-form dual kernel; "
                         "use 'auto', 'hermite' (smooth activations) or 'polar'")
    if method == "hermite" and part != "output" and act.deriv is None and not act.smooth:
        raise ValueError("`method` 'hermite' needs a smooth activation or its `deriv`")
    if method == "fourier" and not act.smooth:
        raise ValueError(f"`method` 'fourier' needs a smooth activation (order = inf); {act.name!r} is not")
    if method == "fourier" and part != "output" and act.deriv is None:
        raise ValueError("`method` 'fourier' needs the activation's `deriv` for the hidden-layer part")
    if part != "output" and act.deriv is None and not act.smooth and method != "closed" and not act.closed_form:
        raise ValueError(f"`part` {part!r} needs phi': give the activation a `deriv`")
    return act


def _resolve(act, method):
    if method != "auto":
        return method
    if act.closed_form:
        return "closed"
    return "smooth" if act.smooth else "polar"     # "smooth": Hermite, else Fourier (see _expectations)


# --- polar quadrature (Eq. (T1.49)) ------------------------------------------------------------------

_R_EDGES = np.concatenate([[0.0], 2.0 ** np.arange(-10, 0), np.arange(1.0, 15.0)])
_WEDGE_EDGES = np.array([0.0, 1 / 64, 1 / 16, 1 / 4, 1 / 2, 3 / 4, 15 / 16, 63 / 64, 1.0])


def _gl(n):
    return np.polynomial.legendre.leggauss(n)


def _radial_rule(n_nodes=12):
    g, w = _gl(n_nodes)
    a, b = _R_EDGES[:-1, None], _R_EDGES[1:, None]
    r = (0.5 * (b - a) * g + 0.5 * (a + b)).ravel()
    wr = (0.5 * (b - a) * w).ravel() * r * np.exp(-0.5 * r * r)
    return r, wr


def _polar_expectation(f, g, q1, q2, c, s, n_psi=12, chunk=16):
    """E[f(u) g(v)] by polar quadrature for arrays q1, q2, c = cos theta, s = sin theta (q >= 0)."""
    r, wr = _radial_rule()
    gp, wp = _gl(n_psi)
    sub_a, sub_b = _WEDGE_EDGES[:-1], _WEDGE_EDGES[1:]
    theta = np.arctan2(s, c)
    out = np.empty(theta.size)
    for start in range(0, theta.size, chunk):
        sl = slice(start, min(start + chunk, theta.size))
        th = theta[sl]
        br = np.sort(np.mod(np.stack([np.full_like(th, 0.5 * math.pi), np.full_like(th, 1.5 * math.pi),
                                      th + 0.5 * math.pi, th + 1.5 * math.pi], axis=1), 2 * math.pi), axis=1)
        br = np.concatenate([br, br[:, :1] + 2 * math.pi], axis=1)
        A, B = br[:, :-1, None], br[:, 1:, None]                    # (n, 4 wedges, 1)
        # sub-panels graded towards both ends of each wedge
        pa = A + (B - A) * sub_a[None, None, :]
        pb = A + (B - A) * sub_b[None, None, :]                     # (n, 4, 8)
        psi = (0.5 * (pb - pa)[..., None] * gp + 0.5 * (pa + pb)[..., None]).reshape(th.size, -1)
        wpsi = (0.5 * (pb - pa)[..., None] * wp).reshape(th.size, -1)
        cp, sp = np.cos(psi), np.sin(psi)
        cv = cp * c[sl, None] + sp * s[sl, None]                   # cos(psi - theta)
        u = np.sqrt(q1[sl])[:, None, None] * cp[..., None] * r
        v = np.sqrt(q2[sl])[:, None, None] * cv[..., None] * r
        with np.errstate(all="ignore"):
            vals = f(u) * g(v)
        out[sl] = np.einsum("np,npr,r->n", wpsi, vals, wr) / (2 * math.pi)
    return out


# --- Hermite / Mehler (Eq. (T1.50)) -------------------------------------------------------------------

_HZ = 56.0


def _hermite_rule(width=0.25, n_nodes=16):
    edges = np.arange(-_HZ, _HZ + 1e-9, width)
    g, w = _gl(n_nodes)
    a, b = edges[:-1, None], edges[1:, None]
    z = (0.5 * (b - a) * g + 0.5 * (a + b)).ravel()
    wz = (0.5 * (b - a) * w).ravel()
    return z, wz


_HERMITE_CACHE: dict = {}


def _hermite_functions(N):
    """Matrix H[n, i] = h_n(z_i) phi_G(z_i) w_i (orthonormal Hermite polynomial times the Gaussian
    density times the quadrature weight) built from the Hermite functions (no overflow)."""
    key = N
    if key not in _HERMITE_CACHE:
        z, wz = _hermite_rule()
        e = np.exp(-z * z / 4) * (2 * math.pi) ** -0.25              # psi_0 = h_0 sqrt(phi_G)
        H = np.empty((N + 1, z.size))
        p0, p1 = e, z * e
        H[0] = p0
        if N >= 1:
            H[1] = p1
        for n in range(1, N):
            p2 = (z * p1 - math.sqrt(n) * p0) / math.sqrt(n + 1)
            H[n + 1] = p2
            p0, p1 = p1, p2
        H *= (e * wz)[None, :]                                       # times sqrt(phi_G) w
        _HERMITE_CACHE.clear()
        _HERMITE_CACHE[key] = (z, H)
    return _HERMITE_CACHE[key]


class _HermiteDiverges(ValueError):
    """The Hermite series needs more terms than the library computes reliably."""


def hermite_coefficients(act, q, n_max=N_HERMITE_MAX, derivative=False, rtol=1e-17):
    """Hermite coefficients ``a_n(q) = E[phi(sqrt(q) z) h_n(z)]`` (``z ~ N(0, 1)``, ``h_n`` the
    orthonormal Hermite polynomials; of ``phi'`` with ``derivative=True``), Eq. (T1.50), for each
    variance in ``q`` (a non-empty 1-D array of finite numbers >= 0).

    The series is cut at the last ``n`` with ``a_n^2 > rtol * sum a^2`` over all ``q``; returns an
    array ``(len(q), N + 1)``.  ``ValueError`` if the coefficients have not decayed by ``n_max``
    (``1 <= n_max <= 2000``; the activation is not smooth enough, or ``q`` too large, for this path).
    For ``derivative=True`` without ``act.deriv`` Stein's identity ``E[phi'(sqrt q z) h_n] =
    sqrt((n+1)/q) a_{n+1}`` is used."""
    act = activation(act)
    q = array("q", q, ndim=1, lo=0.0)
    n_max = integer("n_max", n_max, 1, N_HERMITE_MAX)
    stein = derivative and act.deriv is None
    if stein and np.any(q == 0):
        raise ValueError("`q` must be > 0 for Stein's identity (no `deriv` given)")
    f = act.deriv if (derivative and not stein) else act.fn
    z, H = _hermite_functions(n_max + (1 if stein else 0))
    with np.errstate(all="ignore"):
        F = f(np.sqrt(q)[:, None] * z[None, :])
    _checks.finite_out(F, "`q`, `act`", "the activation at the Hermite nodes")
    a = F @ H.T                                                       # (len(q), n_max + 1)
    if stein:
        n = np.arange(1, a.shape[1])
        a = a[:, 1:] * np.sqrt(n)[None, :] / np.sqrt(q)[:, None]
    p = np.max(a * a, axis=0)
    total = max(float(np.sum(p)), 1e-300)
    keep = np.nonzero(p > rtol * total)[0]
    N = int(keep[-1]) if keep.size else 0
    if N > 0.9 * n_max:
        raise _HermiteDiverges(f"activation {act.name!r}: its Hermite coefficients at variance q up to {q.max():.3g} "
                         f"have not decayed by n = {n_max} (not smooth enough for method 'hermite'); use 'fourier' or 'polar'")
    return a[:, :N + 1]


def _mehler(a1, a2, c):
    # sum_n a1[:, n] a2[:, n] c^n by Horner (arrays of values)
    out = np.zeros_like(c)
    for n in range(a1.shape[1] - 1, -1, -1):
        out = out * c + a1[:, n] * a2[:, n]
    return out


# --- Fourier form of the polar quadrature (Eq. (T1.55)) ------------------------------------------------

_FOURIER_R = 10.5


def _fourier_rule():
    r, wr = _radial_rule()
    keep = r <= _FOURIER_R
    return r[keep], wr[keep]


def _fourier_g(f, q, n):
    r, _ = _fourier_rule()
    psi = 2 * math.pi * np.arange(n) / n
    with np.errstate(all="ignore"):
        G = f(math.sqrt(q) * r[:, None] * np.cos(psi)[None, :])
    _checks.finite_out(G, "`q`, `act`", "the activation on the Fourier grid")
    return np.fft.rfft(G, axis=1).real / n                               # (n_r, n//2 + 1)


def fourier_coefficients(f, q, tol=1e-17):
    """Fourier cosine coefficients ``g_n(r)`` (rows: the radial nodes of the Fourier path) of
    ``psi -> f(sqrt(q) r cos psi)`` for one variance ``q > 0``, on the smallest power-of-two grid
    whose weighted tail ``int w(r) max_{n >= N/4} g_n(r)^2 dr`` is below ``tol`` times
    ``int w(r) g_0(r)^2 dr + tol`` (Eq. (T1.55)); ``ValueError`` beyond ``FOURIER_MAX`` points."""
    _, wr = _fourier_rule()
    n = 256
    while True:
        F = _fourier_g(f, q, n)
        energy = float(wr @ np.sum(F * F, axis=1))
        tail = float(wr @ np.max(F[:, n // 4:] ** 2, axis=1))
        if tail <= tol * (energy + tol):
            return F[:, : n // 4 + 1]
        n *= 2
        if n > FOURIER_MAX:
            raise ValueError(f"variance q = {q:.4g}: the angular Fourier series of the activation needs more than "
                             f"{FOURIER_MAX} points (is `act` really smooth, or `sigma_w` huge?)")


def _fourier_expectation(f, q1, q2, c):
    """E[f(u) f(v)] for arrays q1, q2, c by the Fourier form, grouped by distinct (q1, q2) pairs."""
    _, wr = _fourier_rule()
    pairs, inv = np.unique(np.stack([q1, q2], axis=1), axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    if pairs.shape[0] > FOURIER_PAIRS_MAX:
        raise ValueError(f"`q1`, `q2`: {pairs.shape[0]} distinct variance pairs exceed {FOURIER_PAIRS_MAX} for the "
                         "Fourier path")
    qs, qinv = np.unique(pairs.ravel(), return_inverse=True)
    coef = [fourier_coefficients(f, float(q)) for q in qs]
    qinv = qinv.reshape(-1, 2)
    out = np.empty(c.size)
    for p in range(pairs.shape[0]):
        A, B = coef[qinv[p, 0]], coef[qinv[p, 1]]
        N = min(A.shape[1], B.shape[1])
        K = np.einsum("r,rn,rn->n", wr, A[:, :N], B[:, :N])
        K[1:] *= 2.0
        big = np.nonzero(np.abs(K) > 1e-17 * np.sum(np.abs(K)))[0]
        K = np.ascontiguousarray(K[: (big[-1] + 1 if big.size else 1)])
        sel = np.nonzero(inv == p)[0]
        vals = np.empty(sel.size)
        _clenshaw_many(K, np.ascontiguousarray(c[sel]), vals)
        out[sel] = vals
    return out


@numba.njit(cache=True, error_model="numpy")
def _clenshaw_many(K, x, out):
    n = K.size
    for i in range(x.size):
        b1 = 0.0
        b2 = 0.0
        xi = x[i]
        for k in range(n - 1, 0, -1):
            b0 = K[k] + 2.0 * xi * b1 - b2
            b2 = b1
            b1 = b0
        out[i] = K[0] + xi * b1 - b2


# --- point-wise dual kernel ---------------------------------------------------------------------------

def _angle(q1, q2, rho, s):
    nn = np.sqrt(q1 * q2)
    with np.errstate(all="ignore"):
        c = np.where(nn > 0, rho / np.where(nn > 0, nn, 1.0), 1.0)
    c = np.clip(c, -1.0, 1.0)
    if s is None:
        s = np.sqrt(np.maximum(0.0, 1.0 - c * c))
    theta = np.arctan2(s, c)
    return c, s, theta


def _expectations(act, q1, q2, rho, c, s, theta, part, method):
    """(E[phi phi] or None, E[phi' phi'] or None) by the chosen method."""
    need_out = part != "input"
    need_der = part != "output"
    if method == "closed":
        sig, der = act._dual(q1, q2, rho, theta, c, s)
        return (sig if need_out else None), (der if need_der else None)
    if method == "smooth":
        try:
            return _expectations(act, q1, q2, rho, c, s, theta, part, "hermite")
        except _HermiteDiverges:
            method = "fourier"
    if method == "fourier":
        sig = _fourier_expectation(act.fn, q1, q2, c) if need_out else None
        der = _fourier_expectation(act.deriv, q1, q2, c) if need_der else None
        return sig, der
    if method == "hermite":
        qs, inv = np.unique(np.concatenate([q1, q2]), return_inverse=True)
        i1, i2 = inv[:q1.size], inv[q1.size:]
        sig = der = None
        if need_out:
            a = hermite_coefficients(act, qs)
            sig = _mehler(a[i1], a[i2], c)
        if need_der:
            b = hermite_coefficients(act, qs, derivative=True)
            der = _mehler(b[i1], b[i2], c)
        return sig, der
    sig = _polar_expectation(act.fn, act.fn, q1, q2, c, s) if need_out else None
    der = _polar_expectation(act.deriv, act.deriv, q1, q2, c, s) if need_der else None
    return sig, der


def _combine_parts(sig, der, rho, part):
    if part == "output":
        return sig
    if part == "input":
        return rho * der
    return sig + rho * der


def dual_kernel(act, q1, q2, rho, part="full", method="auto", sin_theta=None):
    """Dual kernel of ``act`` for pre-activation variances ``q1, q2`` and covariance ``rho``
    (Eq. (T1.42)): ``"output"`` ``E[phi(u) phi(v)]``, ``"input"`` ``rho E[phi'(u) phi'(v)]``,
    ``"full"`` their sum.  ``method``: ``"auto"`` (closed form; else, for smooth activations, the
    Hermite series, or the Fourier form where that series would need too many terms; else polar),
    ``"closed"``, ``"hermite"``, ``"fourier"`` or ``"polar"`` (module docstring).

    ``q1, q2`` (> 0), ``rho`` (``|rho| <= sqrt(q1 q2)``): finite arrays (or scalars) of one
    broadcast shape; ``sin_theta`` optional ``sqrt(1 - rho^2/(q1 q2))`` when known more accurately.
    Raises ``ValueError`` naming the parameter for bad input, or if the result is not finite."""
    act = _act_part(act, part, method)
    q1 = array("q1", q1, lo=0.0)
    q2 = array("q2", q2, lo=0.0)
    rho = array("rho", rho)
    try:
        q1, q2, rho = (np.ascontiguousarray(x, dtype=float) for x in np.broadcast_arrays(q1, q2, rho))
    except ValueError:
        raise ValueError("`q1`, `q2`, `rho` must have broadcastable shapes") from None
    if np.any(q1 <= 0) or np.any(q2 <= 0):
        raise ValueError("`q1`, `q2` must be > 0 (a zero pre-activation variance: a point at the origin "
                         "without bias)")
    if np.any(np.abs(rho) > np.sqrt(q1 * q2) * (1 + 1e-12)):
        raise ValueError("`rho` must satisfy |rho| <= sqrt(q1 q2) (a covariance)")
    shape = q1.shape
    q1, q2, rho = q1.ravel(), q2.ravel(), rho.ravel()
    s = None
    if sin_theta is not None:
        s = np.broadcast_to(array("sin_theta", sin_theta, lo=0.0, hi=1.0), shape).ravel()
    c, s, theta = _angle(q1, q2, rho, s)
    method = _resolve(act, method)
    sig, der = _expectations(act, q1, q2, rho, c, s, theta, part, method)
    out = _combine_parts(sig, der, rho, part)
    return _checks.finite_out(out, "`act`, `q1`, `q2`, `rho`", "the dual kernel").reshape(shape)


# --- Chebyshev table in theta (Eq. (T1.51)) ----------------------------------------------------------

class ThetaTable:
    """A kernel ``k(theta)`` at fixed variances ``(q1, q2)`` on ``[0, theta_max]`` as a piecewise
    Chebyshev series (``n_panels`` equal panels, ``degree + 1`` Chebyshev nodes each; Eq. (T1.51)).

    ``ThetaTable(act, q1, q2, part, method, theta_max=pi)``; ``table(theta)`` evaluates it
    (``0 <= theta <= theta_max``).  ``max_error`` is the largest difference to the direct method
    at the panel midpoints between nodes (checked at construction: ``ValueError`` above
    ``1e-11 max|k|``)."""

    def __init__(self, act, q1, q2, part="full", method="auto", theta_max=math.pi, n_panels=16, degree=23):
        self.act = _act_part(act, part, method)
        self.method = _resolve(self.act, method)
        self.q1, self.q2 = float(q1), float(q2)
        if not (self.q1 > 0 and self.q2 > 0 and math.isfinite(self.q1 * self.q2)):
            raise ValueError(f"`q1`, `q2` must be finite and > 0, got {q1!r}, {q2!r}")
        self.theta_max = float(theta_max)
        if not 0 < self.theta_max <= math.pi:
            raise ValueError(f"`theta_max` must be in (0, pi], got {theta_max!r}")
        self.n_panels = integer("n_panels", n_panels, 1, 256)
        self.degree = integer("degree", degree, 2, 64)
        self.part = part
        n = self.degree + 1
        x = np.cos(math.pi * (np.arange(n) + 0.5) / n)               # Chebyshev nodes (first kind)
        h = self.theta_max / self.n_panels
        a = np.arange(self.n_panels) * h
        th = (a[:, None] + 0.5 * h * (x[None, :] + 1)).ravel()
        vals = self._direct(th).reshape(self.n_panels, n)
        # coefficients by the discrete cosine transform on the nodes
        k = np.arange(n)
        T = np.cos(np.outer(k, math.pi * (np.arange(n) + 0.5) / n))   # T_k(x_j)
        coef = (2.0 / n) * vals @ T.T
        coef[:, 0] *= 0.5
        self.coef = np.ascontiguousarray(coef)
        self.h = h
        # check between the nodes
        thm = (a[:, None] + 0.5 * h * (np.linspace(-0.97, 0.97, 5)[None, :] + 1)).ravel()
        ref = self._direct(thm)
        err = float(np.max(np.abs(self(thm) - ref)))
        scale = float(np.max(np.abs(vals)))
        self.max_error = err
        if not err <= 1e-11 * max(scale, 1e-300):
            raise ValueError(f"activation {self.act.name!r}: the theta table misses the direct kernel by "
                             f"{err:.3g} (max |k| = {scale:.3g}); increase `n_panels` or `degree`")

    def _direct(self, th):
        c, s = np.cos(th), np.sin(th)
        q1 = np.full(th.shape, self.q1)
        q2 = np.full(th.shape, self.q2)
        rho = math.sqrt(self.q1 * self.q2) * c
        sig, der = _expectations(self.act, q1, q2, rho, c, s, th, self.part, self.method)
        return _combine_parts(sig, der, rho, self.part)

    def __call__(self, theta):
        theta = np.asarray(theta, dtype=float)
        out = np.empty(theta.size)
        _table_eval(theta.ravel(), self.coef, 1.0 / self.h, out)
        return out.reshape(theta.shape)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _table_value(theta, coef, inv_h):
    P = coef.shape[0]
    n = coef.shape[1]
    t = theta * inv_h
    idx = int(t)
    if idx > P - 1:
        idx = P - 1
    if idx < 0:
        idx = 0
    x = 2.0 * (t - idx) - 1.0
    b1 = 0.0
    b2 = 0.0
    for k in range(n - 1, 0, -1):
        b0 = coef[idx, k] + 2.0 * x * b1 - b2
        b2 = b1
        b1 = b0
    return coef[idx, 0] + x * b1 - b2


@numba.njit(cache=True, error_model="numpy")
def _table_eval(theta, coef, inv_h, out):
    for i in range(theta.size):
        out[i] = _table_value(theta[i], coef, inv_h)


@numba.njit(cache=True, error_model="numpy")
def _table_gram_rows(Xa, Ya, P, ib, i1, jfirst, nx, ny, coef, inv_h, power, thresh, sym, out):
    n2 = Ya.shape[0]
    for i in range(ib, i1):
        j0 = i if sym else 0
        rxi = 1.0 / nx[i]
        for j in range(j0, n2):
            d = P[i - ib, j - jfirst]
            nn = nx[i] * ny[j]
            c = d * rxi / ny[j]
            if c > thresh or c < -thresh:
                s = _cross_norm(Xa, Ya, i, j, nx[i], ny[j], c, thresh) / nn
            else:
                s = math.sqrt(max(0.0, 1.0 - c * c))
            if sym and j == i:
                s = 0.0
                c = 1.0
            th = _atan2_upper(s, c)
            v = _table_value(th, coef, inv_h)
            if power != 0.0:
                v *= nn ** power
            out[i, j] = v
            if sym:
                out[j, i] = v


@numba.njit(cache=True, error_model="numpy")
def _mehler_gram_rows(AX, AY, BX, BY, rho_panel, ib, i1, jfirst, nx, ny, sym, use_b, out):
    # out[i, j] = sum_n AX[i,n] AY[j,n] c^n + rho sum_n BX[i,n] BY[j,n] c^n (Horner), c = rho/(|x~||y~|)
    n2 = out.shape[1]
    NA = AX.shape[1]
    NB = BX.shape[1]
    for i in range(ib, i1):
        j0 = i if sym else 0
        for j in range(j0, n2):
            rho = rho_panel[i - ib, j - jfirst]
            c = rho / (nx[i] * ny[j])
            if c > 1.0:
                c = 1.0
            elif c < -1.0:
                c = -1.0
            if sym and j == i:
                c = 1.0
            acc = 0.0
            for n in range(NA - 1, -1, -1):
                acc = acc * c + AX[i, n] * AY[j, n]
            v = acc
            if use_b:
                acc = 0.0
                for n in range(NB - 1, -1, -1):
                    acc = acc * c + BX[i, n] * BY[j, n]
                v += rho * acc
            out[i, j] = v
            if sym:
                out[j, i] = v


# --- Gram matrices -------------------------------------------------------------------------------------

def _augment0(X, sigma_w, sigma_b, name):
    X = _checks.points(name, X)
    Xa = np.hstack([sigma_w * X, np.full((X.shape[0], 1), float(sigma_b))])
    nx = np.sqrt(np.einsum("ij,ij->i", Xa, Xa))
    if np.any(nx == 0):
        i = int(np.argmax(nx == 0))
        raise ValueError(f"`{name}`[{i}] is the origin and `sigma_b` = 0: its pre-activation is identically 0 "
                         "(the kernel angle is undefined); use sigma_b > 0 or drop the point")
    return Xa, nx


def scales0(sigma_w, sigma_b):
    """``sigma_w`` finite in (0, 1e100], ``sigma_b`` finite in [0, 1e100] (no bias allowed)."""
    from .._validation import positive
    sw = positive("sigma_w", sigma_w)
    sb = positive("sigma_b", sigma_b, allow_zero=True)
    for name, v in (("sigma_w", sw), ("sigma_b", sb)):
        if v > 1e100:
            raise ValueError(f"`{name}` must be at most 1e100, got {v!r}")
    return sw, sb


_PANEL = 64


def activation_gram(X, Y=None, act="relu", part="full", sigma_w=1.0, sigma_b=1.0, method="auto"):
    """Gram matrix ``K[i, j] = k(X_i, Y_j)`` of the shallow-network kernel ``part`` for any
    activation (Eq. (T1.42)), with or without bias (``sigma_b >= 0``).

    ``act``: anything :func:`scalinglaws.ntk.activation` accepts.  Paths (module docstring):
    closed forms per entry; otherwise a :class:`ThetaTable` when the activation is positively
    homogeneous or every point has the same augmented norm (sphere data), Mehler per pair for other
    smooth activations, and polar quadrature per pair (at most ``POLAR_GRAM_MAX`` entries).
    ``X (n, d)``, ``Y (n', d)`` finite; with ``sigma_b = 0`` no point may be the origin.  Raises
    ``ValueError`` naming the parameter for bad input or a non-finite kernel."""
    act = _act_part(act, part, method)
    sigma_w, sigma_b = scales0(sigma_w, sigma_b)
    Xa, nx = _augment0(X, sigma_w, sigma_b, "X")
    sym = Y is None
    Ya, ny = (Xa, nx) if sym else _augment0(Y, sigma_w, sigma_b, "Y")
    if Ya.shape[1] != Xa.shape[1]:
        raise ValueError(f"`X` and `Y` must have the same dimension d, got {Xa.shape[1]-1} and {Ya.shape[1]-1}")
    n1, n2 = Xa.shape[0], Ya.shape[0]
    _checks.memory(8.0 * n1 * n2, "`X`, `Y`", "the Gram matrix")
    method = _resolve(act, method)
    out = np.empty((n1, n2))
    allq = np.concatenate([nx, ny])
    one_norm = float(allq.max() - allq.min()) <= 1e-13 * float(allq.max())
    YaT = np.ascontiguousarray(Ya.T)
    if method == "smooth" and not (act.degree is not None or one_norm):
        qs = np.unique(np.concatenate([nx, ny]) ** 2)
        try:
            hermite_coefficients(act, qs)
            if part != "output":
                hermite_coefficients(act, qs, derivative=True)
            method = "hermite"
        except _HermiteDiverges:
            method = "fourier"
    if method in ("closed", "fourier") or (method == "polar" and not (act.degree is not None or one_norm)):
        if method == "polar" and n1 * n2 > POLAR_GRAM_MAX:
            raise ValueError(f"`X`, `Y`: a Gram of {n1 * n2} entries by per-pair polar quadrature (about 1 ms "
                             f"each) exceeds {POLAR_GRAM_MAX}; give the activation a `degree` (homogeneous), "
                             "use data of one norm, or a smooth activation")
        for ib in range(0, n1, _PANEL):
            i1 = min(ib + _PANEL, n1)
            dot = Xa[ib:i1] @ YaT
            qa = np.broadcast_to((nx[ib:i1] ** 2)[:, None], dot.shape)
            qb = np.broadcast_to((ny ** 2)[None, :], dot.shape)
            nn = nx[ib:i1, None] * ny[None, :]
            cross = np.empty_like(dot)
            _cross_rows(Xa, Ya, ib, dot, nx, ny, cross)
            out[ib:i1] = dual_kernel(act, qa, qb, dot, part=part, method=method,
                                     sin_theta=np.clip(cross / nn, 0.0, 1.0))
        if sym:
            out = 0.5 * (out + out.T)
            q = nx ** 2
            np.fill_diagonal(out, dual_kernel(act, q, q, q, part=part, method=method, sin_theta=np.zeros(n1)))
    elif act.degree is not None or one_norm:
        power = float(act.degree) if act.degree is not None else 0.0
        q = 1.0 if act.degree is not None else float(nx[0] ** 2)
        table = ThetaTable(act, q, q, part=part, method=method)
        for ib in range(0, n1, _PANEL):
            i1 = min(ib + _PANEL, n1)
            jfirst = ib if sym else 0
            P = Xa[ib:i1] @ YaT[:, jfirst:]
            _table_gram_rows(Xa, Ya, P, ib, i1, jfirst, nx, ny, table.coef, 1.0 / table.h, power, 0.99, sym, out)
    else:                                                           # smooth, varying norms: Mehler
        qs, inv = np.unique(np.concatenate([nx, ny]) ** 2, return_inverse=True)
        A = hermite_coefficients(act, qs)
        use_b = part != "output"
        if part == "input":
            A = np.zeros((qs.size, 1))
        B = hermite_coefficients(act, qs, derivative=True) if use_b else np.zeros((qs.size, 1))
        AX, AY = np.ascontiguousarray(A[inv[:n1]]), np.ascontiguousarray(A[inv[n1:]])
        BX, BY = np.ascontiguousarray(B[inv[:n1]]), np.ascontiguousarray(B[inv[n1:]])
        for ib in range(0, n1, _PANEL):
            i1 = min(ib + _PANEL, n1)
            jfirst = ib if sym else 0
            P = Xa[ib:i1] @ YaT[:, jfirst:]
            _mehler_gram_rows(AX, AY, BX, BY, P, ib, i1, jfirst, nx, ny, sym, use_b, out)
    return _checks.finite_out(out, "`X`, `Y`, `act`, `sigma_w`, `sigma_b`", "the kernel")


@numba.njit(cache=True)
def _cross_rows(Xa, Ya, ib, dot, nx, ny, cross):
    for i in range(dot.shape[0]):
        for j in range(dot.shape[1]):
            cross[i, j] = _cross_norm(Xa, Ya, ib + i, j, nx[ib + i], ny[j], dot[i, j] / (nx[ib + i] * ny[j]), 0.99)
