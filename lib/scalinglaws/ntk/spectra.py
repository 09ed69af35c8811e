"""Spectra of the NTK integral operator ``(T g)(x) = int Theta(x, y) g(y) dmu(y)`` (Eq. (T1.7)).

Three discretisations:

1. Gram / Nyström on a quadrature grid (Eq. (T1.36)): ``A = W^{1/2} K W^{1/2}`` (``W`` the
   quadrature weights), ``y~ = W^{1/2} y``; eigenpairs of ``A`` approximate those of ``T`` on
   ``L^2(mu)``.
2. Sphere ``S^m`` (uniform measure), zonal kernel ``k(u)`` (Eqs. (T1.27)-(T1.30)): exact Funk-Hecke
   eigenvalue per degree ``mu_l = int k(u) P_l(u) dtau_m(u)``, multiplicity ``N(m, l)``; normalised
   Gegenbauer ``P_l`` (``P_l(1) = 1``) by the stable three-term recurrence, composite
   Gauss-Legendre in ``phi``.
3. Uniform d-ball, radial targets (Eqs. (T1.33)-(T1.34)): the rotation-invariant block ``K_0(r, r')``
   (angular average of the kernel), midpoint rule in ``r`` with weights ``d r^{d-1}/M_r``.

Eigen-solvers run under ``threadpool_limits`` with 1 BLAS thread unless ``threads=`` or
``$SCALINGLAWS_BLAS_THREADS`` says otherwise (see :func:`gram_eigen`).
"""
from __future__ import annotations

import math

import numba
import numpy as np
from scipy.linalg import eigh_tridiagonal, lapack as _lapack
from scipy.special import gammaln
from threadpoolctl import threadpool_limits

from .._blas import blas_threads
from .._validation import array, choice, integer, nonnegative, real
from ..fits import TAIL_METHODS, tail_exponent
from . import _checks
from .kernels import PARTS, _check_scales, _ntk_value, check_activation

LMAX_MAX = 100_000      # Funk-Hecke quadrature cost grows as lmax^2 (about 10 s at the bound)
N_NODES_MAX = 128       # Gauss-Legendre nodes per panel (never a thousand-node leggauss)


__all__ = ["composite_gauss_legendre", "gegenbauer_normalized", "sphere_multiplicity",
           "sphere_ntk_spectrum", "cap_energies", "sphere_cap_measure", "gram_eigen",
           "grid_1d", "ball_radial_operator", "tail_sums", "fit_spectrum_exponent",
           "sphere_index_expand"]


def composite_gauss_legendre(edges, n_nodes=16):
    """Nodes and weights of the composite Gauss-Legendre rule with panels ``[edges[i], edges[i+1]]``.

    Uses only an ``n_nodes``-point rule (never a thousand-node ``leggauss``): ``edges`` a finite,
    strictly increasing 1-D array with >= 2 entries, ``1 <= n_nodes <= 128``; ``ValueError`` otherwise.
    """
    edges = array("edges", edges, ndim=1, min_size=2, increasing=True)
    n_nodes = integer("n_nodes", n_nodes, 1, N_NODES_MAX)
    _checks.memory(8.0 * (edges.size - 1) * n_nodes, "`edges`, `n_nodes`", "the quadrature rule")
    g, w = np.polynomial.legendre.leggauss(n_nodes)
    a, b = edges[:-1, None], edges[1:, None]
    x = (0.5 * (b - a) * g[None, :] + 0.5 * (a + b)).ravel()
    wt = (0.5 * (b - a) * w[None, :]).ravel()
    return x, wt


@numba.njit(cache=True)
def _gegenbauer_table_kernel(u, lmax, lam, out):
    for i in range(u.shape[0]):
        p0 = 1.0
        out[0, i] = 1.0
        if lmax >= 1:
            p1 = u[i]
            out[1, i] = p1
            for l in range(1, lmax):
                p2 = (2.0 * (l + lam) * u[i] * p1 - l * p0) / (l + 2.0 * lam)
                out[l + 1, i] = p2
                p0 = p1
                p1 = p2


def gegenbauer_normalized(lmax, m, u):
    """Table ``P[l, i] = P_l(u_i)`` of normalised Gegenbauer polynomials on ``S^m`` (``P_l(1) = 1``).

    Recurrence (Eq. (T1.29)): ``(l + 2 lam) P_{l+1} = 2 (l + lam) u P_l - l P_{l-1}``, ``lam = (m-1)/2``,
    ``P_0 = 1``, ``P_1 = u``; Chebyshev ``T_l`` for ``m = 1``, Legendre for ``m = 2``.
    ``lmax >= 0``, ``m >= 1`` integers, ``u`` a non-empty 1-D array (or scalar) in ``[-1, 1]``;
    ``ValueError`` otherwise.
    """
    lmax = integer("lmax", lmax, 0)
    m = integer("m", m, 1)
    u = array("u", u, ndim=(0, 1), lo=-1.0, hi=1.0).reshape(-1)
    _checks.memory(8.0 * (lmax + 1) * u.size, "`lmax`, `u`", "the table")
    out = np.empty((lmax + 1, u.size))
    _gegenbauer_table_kernel(u, lmax, 0.5 * (m - 1), out)
    return out


def sphere_multiplicity(m, ell):
    """Dimension ``N(m, l)`` of degree-l spherical harmonics on ``S^m``:
    ``(2l+m-1)/l * C(l+m-2, l-1)`` (``N(m, 0) = 1``), via log-Gamma (float array).

    ``m >= 1`` an integer, ``ell`` a non-empty array (or scalar) of integers >= 0; ``ValueError``
    otherwise, or if ``N(m, l)`` overflows double precision."""
    m = integer("m", m, 1)
    ell = _checks.steps("ell", ell).astype(float)
    out = np.ones_like(ell)
    pos = ell >= 1
    L = ell[pos]
    with np.errstate(over="ignore"):
        out[pos] = (2 * L + m - 1) / L * np.exp(gammaln(L + m - 1) - gammaln(L) - gammaln(m))
    return _checks.finite_out(out, "`m`, `ell`", "the multiplicity N(m, l)")


@numba.njit(cache=True)
def _funk_hecke_kernel(u, wk, lmax, lam, mu):
    # mu[l] += w_i k(u_i) P_l(u_i) over all nodes, recurrence run once per node
    for i in range(u.shape[0]):
        p0 = 1.0
        mu[0] += wk[i]
        if lmax >= 1:
            p1 = u[i]
            mu[1] += wk[i] * p1
            for l in range(1, lmax):
                p2 = (2.0 * (l + lam) * u[i] * p1 - l * p0) / (l + 2.0 * lam)
                mu[l + 1] += wk[i] * p2
                p0 = p1
                p1 = p2


def _phi_rule(lo, hi, lmax, n_nodes=16, min_panels=200):
    n_pan = max(min_panels, int(math.ceil(lmax / 2)) + 1)
    return composite_gauss_legendre(np.linspace(lo, hi, n_pan + 1), n_nodes)


def _sphere_Z(m):
    # int_0^pi sin^{m-1} phi dphi
    return math.sqrt(math.pi) * math.exp(math.lgamma(m / 2) - math.lgamma((m + 1) / 2))


def sphere_ntk_spectrum(m, lmax, act=1, part="full", sigma_w=1.0, sigma_b=1.0, n_nodes=16):
    """Funk-Hecke eigenvalues ``mu_l`` (l = 0..lmax) of the relu^act NTK on the unit sphere ``S^m``.

    ``mu_l = int_0^pi k(cos phi) P_l(cos phi) sin^{m-1} phi dphi / Z`` with ``Z = int sin^{m-1}``
    (Eqs. (T1.27)-(T1.28)).  On ``S^m``: ``x~.y~ = sigma_w^2 cos phi + sigma_b^2`` and
    ``|x~||y~| sin theta = sigma_w sqrt((sigma_w^2 + sigma_b^2) sin^2 phi + sigma_b^2 (1 - cos phi)^2)``
    with ``1 - cos phi = 2 sin^2(phi/2)`` (no cancellation near phi = 0).  Composite Gauss-Legendre in
    ``phi`` (max(200, lmax/2) panels x ``n_nodes``).  Round-off floor ~1e-12 mu_0.
    ``m >= 1``, ``1 <= lmax <= 100000``, ``1 <= n_nodes <= 128`` integers, ``act``/``part`` as for
    :func:`check_activation`, ``sigma_w, sigma_b`` finite and > 0; ``ValueError`` otherwise.
    """
    m = integer("m", m, 1)
    lmax = integer("lmax", lmax, 1, LMAX_MAX)
    n_nodes = integer("n_nodes", n_nodes, 1, N_NODES_MAX)
    act, part = check_activation(act, part, m_name="act")
    sigma_w, sigma_b = _check_scales(sigma_w, sigma_b)
    phi, w = _phi_rule(0.0, math.pi, lmax, n_nodes)
    u = np.cos(phi)
    w = w * np.sin(phi) ** (m - 1) / _sphere_Z(m)
    sw2, sb2 = sigma_w ** 2, sigma_b ** 2
    n2 = sw2 + sb2
    dot = sw2 * u + sb2
    # x~ = (sw e1, sb), y~ = (sw (cos phi e1 + sin phi e2), sb):
    # x~ x y~ components: sw^2 sin phi, sw sb sin phi, sw sb (1 - cos phi)
    omc = 2 * np.sin(phi / 2) ** 2
    cross = sigma_w * np.sqrt(sw2 * np.sin(phi) ** 2 + sb2 * np.sin(phi) ** 2 + sb2 * omc ** 2)
    nrm = math.sqrt(n2)
    k = np.array([_ntk_value(dot[i], cross[i], nrm, nrm, act, PARTS.index(part)) for i in range(u.size)])
    mu = np.zeros(lmax + 1)
    _funk_hecke_kernel(u, w * k, lmax, 0.5 * (m - 1), mu)
    return _checks.finite_out(mu, "`sigma_w`, `sigma_b`, `m`", "the spectrum")


def _beta(beta):
    return real("beta", beta, 0.0, math.pi, lo_open=True, hi_open=True)


def sphere_cap_measure(m, beta):
    """Normalised measure ``tau_m([cos beta, 1])`` of the spherical cap of angular radius ``beta``
    (``m >= 1`` an integer, ``0 < beta < pi``; ``ValueError`` otherwise)."""
    m = integer("m", m, 1)
    beta = _beta(beta)
    phi, w = composite_gauss_legendre(np.linspace(0, beta, 65), 16)
    return float(np.sum(w * np.sin(phi) ** (m - 1)) / _sphere_Z(m))


def cap_energies(m, lmax, beta, n_nodes=16):
    """Energies ``e_l = N(m, l) a_l^2`` of the cap indicator ``1{x.e >= cos beta}`` on ``S^m``,
    ``a_l = int_{cos beta}^1 P_l dtau_m`` (Eq. (T1.30)).  ``sum_l e_l = tau_m(cap)`` (Parseval).
    ``m >= 1``, ``1 <= lmax <= 100000``, ``1 <= n_nodes <= 128`` integers, ``0 < beta < pi``;
    ``ValueError`` otherwise."""
    m = integer("m", m, 1)
    lmax = integer("lmax", lmax, 1, LMAX_MAX)
    beta = _beta(beta)
    n_nodes = integer("n_nodes", n_nodes, 1, N_NODES_MAX)
    phi, w = _phi_rule(0.0, beta, lmax, n_nodes)
    w = w * np.sin(phi) ** (m - 1) / _sphere_Z(m)
    a = np.zeros(lmax + 1)
    _funk_hecke_kernel(np.cos(phi), w, lmax, 0.5 * (m - 1), a)
    return sphere_multiplicity(m, np.arange(lmax + 1)) * a ** 2


def sphere_index_expand(values, m):
    """Repeat per-degree ``values[l]`` ``N(m, l)`` times (eigenvalue index ``k`` on the sphere);
    returns ``(k_start, k_end)`` cumulative index bounds per degree as well.  ``values``: a finite,
    non-empty 1-D array; ``m >= 1`` an integer; ``ValueError`` otherwise."""
    values = array("values", values, ndim=1)
    m = integer("m", m, 1)
    mult = sphere_multiplicity(m, np.arange(len(values)))
    kend = np.cumsum(mult)
    return kend - mult + 1, kend


def _eigh_threads(threads):
    return blas_threads(threads)


def gram_eigen(A, y=None, threads=None, method="tridiagonal"):
    """Eigenvalues of the symmetric matrix ``A`` sorted decreasing and, if ``y`` is given, the
    squared coefficients ``c_k^2 = (v_k . y)^2`` of ``y`` on its eigenvectors (Eq. (T1.36)).

    ``method="tridiagonal"`` (default): ``A = Q T Q^T`` (LAPACK ``dsytrd``), ``y' = Q^T y`` from the
    Householder reflectors, and ``T = Z Lam Z^T`` (``stemr``), so ``c = Z^T y'``: the eigenvectors
    of ``A`` are never formed (1.4-1.9x faster than ``eigh`` at n = 1000-3000, ``benchmarks/bench_eigen.py``);
    it falls back to ``eigh`` if ``stemr`` fails.  ``method="eigh"``: one LAPACK ``eigh`` and
    ``V^T y``.  The two agree to rounding in the eigenvalues (5e-16 of the largest, measured) and,
    in the coefficients of nearly degenerate eigenvalues, to the conditioning of their eigenvectors
    (tail sums ``sum_{j >= k} c_j^2`` to 2e-10 of ``|y|^2`` at n = 3000).

    ``threads``: BLAS threads (:mod:`scalinglaws._blas`; default ``$SCALINGLAWS_BLAS_THREADS`` or 1,
    the measured robust choice on the 2-vCPU machines this book is built on).

    ``A``: a finite, non-empty square matrix, symmetric to ``1e-8 max|A|`` (LAPACK reads one
    triangle only, so an asymmetric input would be answered silently wrong); ``y``: a finite array
    of shape ``(n,)``; ``threads`` an integer >= 1; ``method`` one of ``"tridiagonal"``, ``"eigh"``;
    ``ValueError`` otherwise.
    """
    A = _checks.symmetric("A", A)
    nth = _eigh_threads(threads)
    method = choice("method", method, ("tridiagonal", "eigh"))
    if y is not None:
        y = array("y", y, shape=(A.shape[0],))
    with threadpool_limits(nth):
        if y is None:
            lam = np.linalg.eigvalsh(A)[::-1]
            return lam
        if method == "tridiagonal" and A.shape[0] >= 3:
            out = _tridiagonal_coefficients(A, y)
            if out is not None:
                return out
        lam, V = np.linalg.eigh(A)
        lam, V = lam[::-1], V[:, ::-1]
        c2 = (V.T @ y) ** 2
    return lam, c2


def _tridiagonal_coefficients(A, y):
    n = A.shape[0]
    lw = int(_lapack.dsytrd_lwork(n, lower=1)[0])
    c, d, e, tau, info = _lapack.dsytrd(A.T, lower=1, lwork=lw)     # A symmetric: A.T is A, Fortran order
    if info != 0:
        return None
    yt = y.astype(float).copy()
    _apply_reflectors_t(np.asfortranarray(c), tau, yt)
    try:
        lam, Z = eigh_tridiagonal(d, e, lapack_driver="stemr", check_finite=False)
    except np.linalg.LinAlgError:
        return None
    c2 = (Z.T @ yt) ** 2
    return lam[::-1].copy(), c2[::-1].copy()


@numba.njit(cache=True)
def _apply_reflectors_t(c, tau, y):
    # y <- Q^T y for dsytrd's lower form: Q = H(0) ... H(n-2), H(i) = I - tau_i v v^T with
    # v = (0, .., 0, 1 at i+1, c[i+2:, i]); Q^T y applies H(0) first
    n = y.size
    for i in range(n - 1):
        t = tau[i]
        if t == 0.0:
            continue
        s = y[i + 1]
        for k in range(i + 2, n):
            s += c[k, i] * y[k]
        s *= t
        y[i + 1] -= s
        for k in range(i + 2, n):
            y[k] -= s * c[k, i]


def grid_1d(M, a=0.0, b=1.0):
    """Midpoint grid ``x_i = a + (i + 1/2)(b - a)/M`` (uniform density on [a, b]).

    ``M >= 2`` an integer, ``a < b`` finite; ``ValueError`` otherwise."""
    M = integer("M", M, 2)
    a = real("a", a)
    b = real("b", b)
    if not a < b or not math.isfinite(b - a):
        raise ValueError(f"the interval must satisfy `a` < `b` (finite length), got [{a!r}, {b!r}]")
    _checks.memory(8.0 * M, "`M`", "the grid")
    return a + (np.arange(M) + 0.5) * (b - a) / M


@numba.njit(cache=True)
def _ball_K0_kernel(r, cphi, sphi, omc, wphi, sw, sb, m, code, K):
    n = r.shape[0]
    sw2 = sw * sw
    sb2 = sb * sb
    for i in range(n):
        nx = math.sqrt(sw2 * r[i] * r[i] + sb2)
        for j in range(i, n):
            ny = math.sqrt(sw2 * r[j] * r[j] + sb2)
            acc = 0.0
            for q in range(cphi.shape[0]):
                dot = sw2 * r[i] * r[j] * cphi[q] + sb2
                # x~ = (sw r_i, 0, sb), y~ = (sw r_j cos, sw r_j sin, sb)
                c1 = -sb * sw * r[j] * sphi[q]
                c2 = sw * sb * ((r[j] - r[i]) - r[j] * omc[q])
                c3 = sw2 * r[i] * r[j] * sphi[q]
                cross = math.sqrt(c1 * c1 + c2 * c2 + c3 * c3)
                acc += wphi[q] * _ntk_value(dot, cross, nx, ny, m, code)
            K[i, j] = acc
            K[j, i] = acc


def ball_radial_operator(d, Mr, act=1, part="full", sigma_w=1.0, sigma_b=1.0,
                         n_panels=64, n_nodes=8, phi_min=1e-4):
    """Symmetric matrix ``A = W^{1/2} K_0 W^{1/2}`` of the radial block of the NTK operator for data
    uniform in the unit d-ball (Eqs. (T1.33)-(T1.34)), and the radii and weights.

    ``K_0(r, r') = int Theta(r, r', cos phi) sin^{d-2} phi dphi / int sin^{d-2} phi dphi`` with a
    geometrically graded composite GL in ``phi`` (panel edges 0 and ``n_panels`` points from
    ``phi_min`` to pi); midpoint rule ``r_i = (i + 1/2)/Mr``, weights ``w_i = d r_i^{d-1}/Mr``.
    Returns ``(A, r, w)``; a radial target ``y(r)`` enters as ``y~ = sqrt(w) y(r)``.
    ``d >= 2``, ``2 <= Mr <= 16384``, ``1 <= n_panels <= 100000``, ``1 <= n_nodes <= 128``
    integers, ``0 < phi_min < pi``, ``act``/``part``/``sigma_*`` as for :func:`sphere_ntk_spectrum`;
    ``ValueError`` otherwise.
    """
    d = integer("d", d, 2)
    Mr = integer("Mr", Mr, 2, 16384)
    act, part = check_activation(act, part, m_name="act")
    sigma_w, sigma_b = _check_scales(sigma_w, sigma_b)
    n_panels = integer("n_panels", n_panels, 1, 100_000)
    n_nodes = integer("n_nodes", n_nodes, 1, N_NODES_MAX)
    phi_min = real("phi_min", phi_min, 0.0, math.pi, lo_open=True, hi_open=True)
    edges = np.concatenate([[0.0], np.geomspace(phi_min, math.pi, n_panels)])
    phi, wq = composite_gauss_legendre(edges, n_nodes)
    wq = wq * np.sin(phi) ** (d - 2)
    wq = wq / wq.sum()
    r = (np.arange(Mr) + 0.5) / Mr
    w = d * r ** (d - 1) / Mr
    K = np.empty((Mr, Mr))
    _ball_K0_kernel(r, np.cos(phi), np.sin(phi), 2 * np.sin(phi / 2) ** 2, wq, float(sigma_w),
                    float(sigma_b), act, PARTS.index(part), K)
    sw = np.sqrt(w)
    A = _checks.finite_out(sw[:, None] * K * sw[None, :], "`d`, `sigma_w`, `sigma_b`", "the radial operator")
    return A, r, w


def tail_sums(c2, total=None):
    """Tail sums ``s_k = sum_{j >= k} c_j^2`` (Eq. (T1.10); k = 1-based index); ``total`` =
    ``||f*||^2`` adds the energy of modes beyond the array (missing energy) to every tail.

    ``c2``: a finite, non-empty 1-D array >= 0; ``total``: ``None`` or a finite number >= ``sum(c2)``
    (up to round-off); ``ValueError`` otherwise."""
    c2 = array("c2", c2, ndim=1, lo=0.0)
    s = _checks.finite_out(np.cumsum(c2[::-1])[::-1], "`c2`", "the tail sum")
    if total is not None:
        total = nonnegative("total", total)
        extra = total - float(c2.sum())
        if extra < -1e-10 * max(1.0, float(total)):
            raise ValueError(f"`total` = {total} is smaller than the sum of `c2` = {c2.sum()}")
        s = s + max(extra, 0.0)
    return s


def fit_spectrum_exponent(values, k_lo, k_hi, k=None, *, method):
    """The decay exponent ``p`` of ``values_k ~ A (k - k0)^{-p}`` over ``k_lo <= k <= k_hi`` (k 1-based
    unless ``k`` is given), by the named estimator of :func:`scalinglaws.fits.tail_exponent`
    (Eq. (T1.38)):

    * ``method="slope"``: the plain log-log slope (exact for ``A k^{-p}``; biased by about
      ``p k0/k_lo`` when the spectrum has an offset ``k0``, as finite-``k`` spectra do: 6.6 instead of
      6 for the 1D output-layer spectrum of a ReLU^2 network on ``k in [10, 50]``);
    * ``"offset"``: least squares of the form with its offset ``k0``;
    * ``"extrapolated"``: local exponents extrapolated to ``k -> infinity``.

    Returns a :class:`scalinglaws.fits.TailExponentFit` (exponent, window-sensitivity uncertainty,
    method, ``A`` as ``C``, ``k0`` as ``x0``).  ``values``: a finite, non-empty 1-D array, > 0 inside
    the window; ``k``: ``None`` or finite indices of the same shape (e.g. degrees ``l = 0, 1, ...``;
    only those in the window are fitted); ``1 <= k_lo < k_hi <= max(k)`` with at least 3 modes in the
    window (16 for ``"extrapolated"``, 5 for ``"offset"``).  Raises ``ValueError`` otherwise.
    """
    values = array("values", values, ndim=1)
    if k is None:
        k = np.arange(1, values.size + 1, dtype=float)
    else:
        k = array("k", k, shape=values.shape)  # e.g. the degree index l = 0, 1, ...
    method = choice("method", method, TAIL_METHODS)
    k_lo = real("k_lo", k_lo, 1.0)
    k_hi = real("k_hi", k_hi, 1.0)
    if not (k_lo < k_hi <= k.max()):
        raise ValueError(f"fit window [`k_lo`, `k_hi`] = [{k_lo:g}, {k_hi:g}] must satisfy "
                         f"1 <= k_lo < k_hi <= {k.max():g} (the available modes)")
    sel = (k >= k_lo) & (k <= k_hi)
    need = {"slope": 3, "offset": 5, "extrapolated": 16}[method]
    if sel.sum() < need:
        raise ValueError(f"fit window [`k_lo`, `k_hi`] = [{k_lo:g}, {k_hi:g}] holds {int(sel.sum())} modes "
                         f"(method {method!r} needs {need})")
    if not np.all(values[sel] > 0):
        raise ValueError("`values` must be > 0 inside the fit window [`k_lo`, `k_hi`] (a log-log fit)")
    return tail_exponent(k[sel], values[sel], k_lo, k_hi, method=method)
