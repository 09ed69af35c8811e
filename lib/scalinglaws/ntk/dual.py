"""Dual kernels of any activation: closed forms, polar quadrature, Hermite (Mehler) expansion and
the Fourier form (Eqs. (T1.42)-(T1.50), (T1.55)).

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

Tables in the angle and Gram matrices of any activation: :mod:`.gram`.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from .._validation import array, choice, flag, integer, real
from . import _checks
from .activations import activation
from .kernels import PARTS

__all__ = ["dual_kernel", "hermite_coefficients", "METHODS", "N_HERMITE_MAX"]

METHODS = ("auto", "closed", "hermite", "fourier", "polar")
FOURIER_MAX = 2 ** 16         # angular grid of the Fourier path
FOURIER_PAIRS_MAX = 50_000    # distinct variance pairs of one Fourier-path evaluation
N_HERMITE_MAX = 600          # Hermite functions on [-56, 56]: turning point 2 sqrt(n) <= 49
POLAR_GRAM_MAX = 200_000      # entries of a per-pair polar-quadrature Gram (about 1 ms each)
SIN_THETA_TOL = 1e-6          # a given sin_theta may differ from sqrt(1 - c^2) by rounding (<= ~1.5e-8)


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


def _polar_expectation(f, g, q1, q2, c, s, n_psi=12, chunk=16, degree=None):
    """E[f(u) g(v)] by polar quadrature for arrays q1, q2, c = cos theta, s = sin theta (q >= 0).

    ``degree``: the homogeneity degree ``p`` of the product ``f(u) g(v)`` (``f(lam u) g(lam v) =
    lam^p f(u) g(v)`` for ``lam > 0``), if any: then the radial integral of Eq. (T1.49) is
    ``int_0^inf r^(p+1) e^(-r^2/2) dr = 2^(p/2) Gamma(p/2 + 1)`` (finite for ``p > -2``) and only
    the angle is integrated numerically."""
    if degree is not None and degree > -2:
        r, wr = np.ones(1), np.array([2.0 ** (0.5 * degree) * math.gamma(0.5 * degree + 1.0)])
    else:
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

    The series is cut at the last ``n`` with ``a_n^2 > rtol * sum a^2`` over all ``q``
    (``0 < rtol < 1``; ``derivative`` a bool); returns an
    array ``(len(q), N + 1)``.  ``ValueError`` if the cut falls beyond ``0.9 n_max`` (``1 <= n_max
    <= N_HERMITE_MAX = 600``; the activation is not smooth enough, or ``q`` too large, for this path:
    ``a_n`` decays like ``exp(-C sqrt(n))`` for tanh and SiLU, with ``C ~ 1/sqrt(q)``).
    For ``derivative=True`` without ``act.deriv`` Stein's identity ``E[phi'(sqrt q z) h_n] =
    sqrt((n+1)/q) a_{n+1}`` is used."""
    act = activation(act)
    q = array("q", q, ndim=1, lo=0.0)
    n_max = integer("n_max", n_max, 1, N_HERMITE_MAX)
    derivative = flag("derivative", derivative)
    rtol = real("rtol", rtol, 0.0, 1.0, lo_open=True, hi_open=True)
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


def _unique_inverse(x):
    """``np.unique(x, return_inverse=True)`` for a 1-D array in O(n) when its values come in runs
    (broadcast grids: a few distinct values over millions of entries): the runs are compressed
    first, so only their first values are sorted."""
    x = np.asarray(x).ravel()
    if x.size == 0:
        return np.unique(x, return_inverse=True)
    starts = np.concatenate([[0], np.flatnonzero(x[1:] != x[:-1]) + 1])
    uq, vinv = np.unique(x[starts], return_inverse=True)
    return uq, np.repeat(vinv.reshape(-1), np.diff(np.append(starts, x.size)))


def _fourier_expectation(f, q1, q2, c):
    """E[f(u) f(v)] for arrays q1, q2, c by the Fourier form, grouped by distinct (q1, q2) pairs."""
    _, wr = _fourier_rule()
    qs, qinv = _unique_inverse(np.concatenate([q1.ravel(), q2.ravel()]))
    i1, i2 = qinv[:q1.size].astype(np.int64), qinv[q1.size:].astype(np.int64)
    keys, inv = _unique_inverse(i1 * qs.size + i2)
    if keys.size > FOURIER_PAIRS_MAX:
        raise ValueError(f"`q1`, `q2`: {keys.size} distinct variance pairs exceed {FOURIER_PAIRS_MAX} for the "
                         "Fourier path")
    coef = [fourier_coefficients(f, float(q)) for q in qs]
    # entries grouped by pair: one stable radix sort of the (16-bit) pair index
    order = np.argsort(inv.astype(np.uint16), kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(inv, minlength=keys.size))])
    cs = np.ascontiguousarray(c.ravel()[order])
    vals = np.empty(c.size)
    for p in range(keys.size):
        A, B = coef[keys[p] // qs.size], coef[keys[p] % qs.size]
        N = min(A.shape[1], B.shape[1])
        K = np.einsum("r,rn,rn->n", wr, A[:, :N], B[:, :N])
        K[1:] *= 2.0
        big = np.nonzero(np.abs(K) > 1e-17 * np.sum(np.abs(K)))[0]
        K = np.ascontiguousarray(K[: (big[-1] + 1 if big.size else 1)])
        a, b = bounds[p], bounds[p + 1]
        _clenshaw_many(K, cs[a:b], vals[a:b])
    out = np.empty(c.size)
    out[order] = vals
    return out


@numba.njit(cache=True, error_model="numpy")
def _clenshaw_many(K, x, out):
    # out[i] = sum_k K[k] T_k(x[i]) by Clenshaw, the coefficient index outermost: the recurrence
    # runs across the points (independent, vectorised) instead of along one point (a dependent
    # chain); the same operations per point
    n = K.size
    m = x.size
    b1 = np.zeros(m)
    b2 = np.zeros(m)
    for k in range(n - 1, 0, -1):
        kk = K[k]
        for i in range(m):
            b0 = kk + 2.0 * x[i] * b1[i] - b2[i]
            b2[i] = b1[i]
            b1[i] = b0
    for i in range(m):
        out[i] = K[0] + x[i] * b1[i] - b2[i]


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
    p = act.degree                                      # homogeneous: the radial integral is exact
    sig = _polar_expectation(act.fn, act.fn, q1, q2, c, s, degree=None if p is None else 2 * p) if need_out else None
    der = (_polar_expectation(act.deriv, act.deriv, q1, q2, c, s, degree=None if p is None else 2 * p - 2)
           if need_der else None)
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
    broadcast shape; ``sin_theta`` optional ``sqrt(1 - rho^2/(q1 q2))`` when known more accurately
    (in ``[0, 1]``, broadcastable to that shape, within ``1e-6`` of the value from ``rho``).
    Raises ``ValueError`` naming the parameter for bad input, or if the result is not finite."""
    act = _act_part(act, part, method)
    q1 = array("q1", q1, lo=0.0)
    q2 = array("q2", q2, lo=0.0)
    rho = array("rho", rho)
    try:
        q1, q2, rho = (np.array(x, dtype=float) for x in np.broadcast_arrays(q1, q2, rho))   # keeps 0-d
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
        st = array("sin_theta", sin_theta, lo=0.0, hi=1.0)
        try:
            s = np.broadcast_to(st, shape).ravel()
        except ValueError:
            raise ValueError(f"`sin_theta` must broadcast to the shape {shape} of `q1`, `q2`, `rho`, "
                             f"got shape {st.shape}") from None
    c, s, theta = _angle(q1, q2, rho, s)
    if sin_theta is not None:
        dev = float(np.max(np.abs(s - np.sqrt(np.maximum(0.0, 1.0 - c * c)))))
        if dev > SIN_THETA_TOL:
            raise ValueError(f"`sin_theta` must be sqrt(1 - rho^2/(q1 q2)) (within {SIN_THETA_TOL:g}), got a "
                             f"difference of {dev:.3g}")
    method = _resolve(act, method)
    sig, der = _expectations(act, q1, q2, rho, c, s, theta, part, method)
    out = _combine_parts(sig, der, rho, part)
    return _checks.finite_out(out, "`act`, `q1`, `q2`, `rho`", "the dual kernel").reshape(shape)[()]
