"""Arc-cosine kernels and the infinite-width NNGP/NTK of a shallow ReLU^m network
(Eqs. (T1.3)-(T1.5)).

Network (Eq. (T1.1)): ``f(x) = N^{-1/2} sum_n a_n relu(sigma_w w_n.x + sigma_b b_n)^m`` with
``a, w, b ~ N(0, 1)``.  With ``x~ = (sigma_w x, sigma_b)`` and ``theta`` the angle between ``x~`` and
``y~`` (Cho & Saul 2009)::

    J_0 = pi - theta
    J_1 = sin theta + (pi - theta) cos theta
    J_2 = 3 sin theta cos theta + (pi - theta)(1 + 2 cos^2 theta)
    Sigma    = |x~|^m |y~|^m J_m / (2 pi)                                (output layer, NNGP)
    Theta_in = m^2 |x~|^{m-1} |y~|^{m-1} J_{m-1} / (2 pi) * (x~ . y~)       (input layer + bias)
    Theta    = Sigma + Theta_in                                           (full NTK)

Numerics (Eq. (T1.6)): ``theta = atan2(|x~ x y~|, x~.y~)`` where the cross norm ``|x~||y~| sin theta``
is computed without cancellation (from coordinate differences for nearly (anti)parallel pairs), so the kernels
keep full relative precision near ``t = +-1`` and the diagonal is exact.  Fused path
(``_gram_panel``): the dot products come in BLAS panels of 64 rows (for d + 1 <= 8 they are
computed inside the pass), and cross norm, angle and kernel value are one vectorised numba pass
over 64-wide tiles (upper triangle only for a symmetric Gram, each tile mirrored while in cache);
the full ``n x n`` matrix of dot products is never formed.  NumPy reference path: ``method="numpy"``.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from .._validation import array, choice
from . import _checks

__all__ = ["arccos_J", "atan2_upper", "ntk_gram", "ntk_1d", "PARTS", "check_activation"]

PARTS = ("full", "output", "input")


def check_activation(m, part, *, m_name="m"):
    """Validate the activation order ``m`` (relu^m; 0 = Heaviside) and the trained ``part``
    (one of :data:`PARTS`; ``"output"`` only for ``m = 0``); returns ``(int(m), part)``.
    Raises ``ValueError`` naming the parameter (``m_name`` is the caller's name for ``m``)."""
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m not in (0, 1, 2):
        raise ValueError(f"activation order `{m_name}` must be 0 (Heaviside), 1 (ReLU) or 2 (ReLU^2), got {m!r}")
    choice("part", part, PARTS)
    if m == 0 and part != "output":
        raise ValueError("`part` must be 'output' for m = 0: the Heaviside activation has no "
                         "trainable input layer (its derivative is a delta)")
    return int(m), part


def _check_scales(sigma_w, sigma_b):
    return _checks.scales(sigma_w, sigma_b)


# The kernel formulas, written once as plain Python that works on NumPy arrays (reference path,
# ``arccos_J``) and on scalars; the numba versions (``_J``, ``_combine_nb``) are compiled from them.
def _J_formula(m, theta, c, s):
    # J_m(theta) with c = cos(theta), s = sin(theta) >= 0
    if m == 0:
        return math.pi - theta
    if m == 1:
        return s + (math.pi - theta) * c
    return 3.0 * s * c + (math.pi - theta) * (1.0 + 2.0 * c * c)


def _combine(dot, nn, Jm, Jm1, m, part_code):
    # Sigma + Theta_in from x~.y~ (dot), nn = |x~||y~|, Jm = J_m and Jm1 = J_{m-1} (unused for m = 0);
    # part_code: 0 full, 1 output, 2 input
    out = 0.0
    if part_code != 2:
        out += nn ** m * Jm / (2.0 * math.pi)
    if part_code != 1 and m >= 1:
        out += m * m * nn ** (m - 1) * Jm1 / (2.0 * math.pi) * dot
    return out


_J = numba.njit(cache=True, inline="always", error_model="numpy")(_J_formula)
_combine_nb = numba.njit(cache=True, inline="always", error_model="numpy")(_combine)


def arccos_J(m, theta):
    """Cho-Saul arc-cosine angular function ``J_m(theta)`` for m = 0, 1, 2 (Eq. (T1.4)).

    ``theta``: a non-empty array (or scalar) of angles in ``[0, pi]``; raises ``ValueError``
    otherwise."""
    m, _ = check_activation(m, "output")
    theta = array("theta", theta, lo=0.0, hi=math.pi)
    return _J_formula(m, theta, np.cos(theta), np.sin(theta))


# Cephes atan rational approximation (S. Moshier), |error| <= 2 ulp on [0, pi] against libm's
# atan2 (tests/test_ch1_kernels.py).  Branch-free selects and error_model="numpy" (no
# ZeroDivisionError checks) let LLVM vectorise the Gram pass: ~2 ns per value instead of
# ~25 ns for a libm atan2 call on our machines (benchmarks/bench_kernels.py).
_AT_P = (-8.750608600031904122785e-1, -1.615753718733365076637e1, -7.500855792314704667340e1,
         -1.228866684490136173410e2, -6.485021904942025371773e1)
_AT_Q = (2.485846490142306297962e1, 1.650270098316988542046e2, 4.328810604912902668951e2,
         4.853903996359136964868e2, 1.945506571482613964425e2)
_MOREBITS = 6.123233995736765886130e-17  # pi/2 - float(pi/2)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _atan2_upper(s, c):
    """``atan2(s, c)`` for ``s >= 0`` (an angle in ``[0, pi]``), vectorisable."""
    P0, P1, P2, P3, P4 = _AT_P
    Q0, Q1, Q2, Q3, Q4 = _AT_Q
    ac = abs(c)
    big = s > ac
    a = ac if big else s
    b = s if big else ac
    # reduced argument t = a/b in [0, 1]; above 0.66 Cephes uses (t - 1)/(t + 1) = (a - b)/(a + b):
    # one division either way
    hi = a > 0.66 * b
    x = ((a - b) if hi else a) / ((a + b) if hi else b)
    z = x * x
    z = z * ((((P0 * z + P1) * z + P2) * z + P3) * z + P4) / (((((z + Q0) * z + Q1) * z + Q2) * z + Q3) * z + Q4)
    z = x * z + x
    y = (0.25 * math.pi + 0.5 * _MOREBITS + z) if hi else z
    y = (0.5 * math.pi - y) + _MOREBITS if big else y
    return (math.pi - y) + 2.0 * _MOREBITS if c < 0 else y


def atan2_upper(s, c):
    """Vectorisable ``atan2(s, c)`` for ``s >= 0`` used by the kernels (array version, for tests).

    ``s`` (finite, ``>= 0``) and ``c`` (finite) are non-empty arrays of broadcastable shapes with
    ``(s, c) != (0, 0)``; raises ``ValueError`` otherwise."""
    s = array("s", s, lo=0.0)
    c = array("c", c)
    try:
        s, c = np.broadcast_arrays(s, c)
    except ValueError:
        raise ValueError(f"`s` and `c` must have broadcastable shapes, got {s.shape} and {c.shape}") from None
    if np.any((s == 0) & (c == 0)):
        raise ValueError("`s` and `c` must satisfy (s, c) != (0, 0) (the angle of (0, 0) is undefined)")
    out = np.empty(s.shape)
    _atan2_upper_array(s.ravel(), c.ravel(), out.reshape(-1))
    return out


@numba.njit(cache=True, error_model="numpy")
def _atan2_upper_array(s, c, out):
    for i in range(s.size):
        out[i] = _atan2_upper(s[i], c[i])


@numba.njit(cache=True, inline="always", error_model="numpy")
def _ntk_value_cs(dot, c, s, nn, m, part_code):
    # kernel value from x~.y~ (dot), c = cos(theta), s = sin(theta) >= 0 and nn = |x~||y~|;
    # part_code: 0 full, 1 output, 2 input
    theta = _atan2_upper(s, c)
    # evaluate only the J's this part uses (the generic, non-specialised loops pay for the others)
    Jm = _J(m, theta, c, s) if part_code != 2 else 0.0
    Jm1 = _J(m - 1, theta, c, s) if part_code != 1 and m >= 1 else 0.0
    return _combine_nb(dot, nn, Jm, Jm1, m, part_code)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _ntk_value(dot, cross, nx, ny, m, part_code):
    # kernel value from x~.y~ (dot), the cross norm |x~||y~| sin(theta) and the norms
    nn = nx * ny
    return _ntk_value_cs(dot, dot / nn, cross / nn, nn, m, part_code)


@numba.njit(cache=True, error_model="numpy")
def _ntk_elementwise_kernel(dot, cross, nx, ny, m, part_code, out):
    n1, n2 = dot.shape
    for i in range(n1):
        for j in range(n2):
            out[i, j] = _ntk_value(dot[i, j], cross[i, j], nx[i], ny[j], m, part_code)


def _ntk_elementwise_numpy(dot, cross, nx, ny, m, part_code):
    # NumPy reference: the same formulas with NumPy's arctan2, cos and sin
    theta = np.arctan2(cross, dot)
    c, s = np.cos(theta), np.sin(theta)
    Jm1 = _J_formula(m - 1, theta, c, s) if m >= 1 else 0.0
    return _combine(dot, nx[:, None] * ny[None, :], _J_formula(m, theta, c, s), Jm1, m, part_code)


def _augment(X, sigma_w, sigma_b, name):
    X = _checks.points(name, X)
    return np.hstack([sigma_w * X, np.full((X.shape[0], 1), float(sigma_b))])


@numba.njit(cache=True, inline="always")
def _cross_norm(Xa, Ya, i, j, nxi, nyj, c, thresh):
    # |x~||y~| sin(theta): from sqrt(1 - c^2) away from the poles; near theta = 0, pi from the
    # half-angle form 2 sin(theta/2) cos(theta/2) with the half-angle functions from coordinate
    # differences of the unit vectors (no cancellation, exact diagonal).
    nn = nxi * nyj
    if c > thresh or c < -thresh:
        sm = 0.0
        sp = 0.0
        for k in range(Xa.shape[1]):
            a = Xa[i, k] / nxi
            b = Ya[j, k] / nyj
            sm += (a - b) * (a - b)
            sp += (a + b) * (a + b)
        return nn * math.sqrt(sm) * math.sqrt(sp) / 2.0
    return nn * math.sqrt(max(0.0, 1.0 - c * c))


@numba.njit(cache=True, inline="always", error_model="numpy")
def _row_pass(src, ry, ny, rxi, nxi, dst, m, part_code):
    # Vectorisable pass over one row segment: dst[j] = k(dot = src[j]) with c = dot/(|x~||y~|) from
    # the reciprocal norms and the cross norm |x~||y~| sqrt(1 - c^2).  Called with literal
    # (m, part_code) so that LLVM sees a branch-free, specialised loop (AVX-512 where available).
    for j in range(src.size):
        d = src[j]
        c = d * rxi * ry[j]
        dst[j] = _ntk_value_cs(d, c, math.sqrt(max(0.0, 1.0 - c * c)), nxi * ny[j], m, part_code)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _row(src, ry, ny, rxi, nxi, dst, m, part_code):
    # dispatch to the literal-specialised loops (a generic loop is 3-4x slower, measured)
    if m == 0:
        if part_code == 0:
            _row_pass(src, ry, ny, rxi, nxi, dst, 0, 0)
        else:
            _row_pass(src, ry, ny, rxi, nxi, dst, 0, 1)
    elif m == 1:
        if part_code == 0:
            _row_pass(src, ry, ny, rxi, nxi, dst, 1, 0)
        elif part_code == 1:
            _row_pass(src, ry, ny, rxi, nxi, dst, 1, 1)
        else:
            _row_pass(src, ry, ny, rxi, nxi, dst, 1, 2)
    else:
        if part_code == 0:
            _row_pass(src, ry, ny, rxi, nxi, dst, 2, 0)
        elif part_code == 1:
            _row_pass(src, ry, ny, rxi, nxi, dst, 2, 1)
        else:
            _row_pass(src, ry, ny, rxi, nxi, dst, 2, 2)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _count_near_poles(src, ry, rxi, thresh):
    nb = 0
    for j in range(src.size):
        c = src[j] * rxi * ry[j]
        nb += (c > thresh) | (c < -thresh)
    return nb


# flat signature: numba caches one compiled version per signature (a tuple or record costs 1-2 s of
# compilation per fresh process, measured); called from _gram_numba only
@numba.njit(cache=True, error_model="numpy")
def _gram_panel(Xa, Ya, YaT, P, ib, i1, inline, rx, nx, ry, ny, m, part_code, thresh, sym, out, B):
    # Rows ib..i1-1 of the Gram, in column tiles of width B (for a symmetric Gram only columns
    # >= ib, each tile mirrored into the lower triangle while it is still in cache).
    # Dot products: from the BLAS panel P (rows ib..i1-1, columns from ib if sym else 0) or, for
    # small d (inline), computed here from YaT = Ya.T.  Per row segment: (1) count the rare nearly
    # (anti)parallel pairs (|c| > thresh) and keep their dot products; (2) the vectorised pass;
    # (3) recompute those pairs with the cancellation-free cross norm; exact diagonal.
    n2 = Ya.shape[0]
    k = Xa.shape[1]
    badj = np.empty(B, np.int64)
    badd = np.empty(B)
    buf = np.empty(B)
    jfirst = ib if sym else 0
    for jb in range(jfirst, n2, B):
        j1 = min(jb + B, n2)
        diag = sym and jb == ib
        for i in range(ib, i1):
            js = i if diag else jb
            if inline:
                src = buf[:j1 - js]
                xi0 = Xa[i, 0]
                r0 = YaT[0, js:j1]
                for j in range(src.size):
                    src[j] = xi0 * r0[j]
                for kk in range(1, k):
                    xik = Xa[i, kk]
                    row = YaT[kk, js:j1]
                    for j in range(src.size):
                        src[j] += xik * row[j]
            else:
                src = P[i - ib, js - jfirst:j1 - jfirst]
            rxi = rx[i]
            nb = 0
            if _count_near_poles(src, ry[js:j1], rxi, thresh) > 0:
                for j in range(js, j1):
                    d = src[j - js]
                    c = d * rxi * ry[j]
                    if c > thresh or c < -thresh:
                        badj[nb] = j
                        badd[nb] = d
                        nb += 1
            dst = out[i, js:j1]
            _row(src, ry[js:j1], ny[js:j1], rxi, nx[i], dst, m, part_code)
            for q in range(nb):
                j = badj[q]
                d = badd[q]
                cross = _cross_norm(Xa, Ya, i, j, nx[i], ny[j], d / (nx[i] * ny[j]), thresh)
                dst[j - js] = _ntk_value(d, cross, nx[i], ny[j], m, part_code)
            if diag:
                out[i, i] = _ntk_value(nx[i] * nx[i], 0.0, nx[i], nx[i], m, part_code)
        if sym:
            for j in range(jb, j1):
                ie = min(i1, j) if diag else i1
                for i in range(ib, ie):
                    out[j, i] = out[i, j]


# Tiling, chosen by measurement (benchmarks/bench_kernels.py, M = 4000): column tiles of 64 (a
# 64 x 64 block of the output stays in L1/L2 for its mirror), BLAS panels of 64 rows, and dot
# products computed in the pass itself for d + 1 <= 8 (cheaper than a BLAS product that writes and
# re-reads an n x n matrix).
_TILE = 64
_PANEL = 64
_INLINE_MAX_K = 8


@numba.njit(cache=True)
def _fix_cross_kernel(Xa, Ya, nx, ny, dot, cross, thresh):
    # Cross norms for the NumPy reference path (same formula as the fused kernel).
    n1, n2 = dot.shape
    for i in range(n1):
        for j in range(n2):
            cross[i, j] = _cross_norm(Xa, Ya, i, j, nx[i], ny[j], dot[i, j] / (nx[i] * ny[j]), thresh)


def _gram_numba(Xa, Ya, nx, ny, m, code, sym):
    """Fused path: BLAS panels of dot products (or inline dots for small d) + one numba pass."""
    n1, n2 = Xa.shape[0], Ya.shape[0]
    rx, ry = 1.0 / nx, 1.0 / ny
    inline = Xa.shape[1] <= _INLINE_MAX_K
    YaT = np.ascontiguousarray(Ya.T)
    out = np.empty((n1, n2))
    unused = np.empty((1, 1))
    for ib in range(0, n1, _PANEL):
        i1 = min(ib + _PANEL, n1)
        jfirst = ib if sym else 0
        P = unused if inline else Xa[ib:i1] @ YaT[:, jfirst:]
        _gram_panel(Xa, Ya, YaT, P, ib, i1, inline, rx, nx, ry, ny, m, code, 0.99, sym, out, _TILE)
    return out


def ntk_gram(X, Y=None, m=1, part="full", sigma_w=1.0, sigma_b=1.0, method="numba"):
    """Gram matrix ``K[i, j] = k(X_i, Y_j)`` of the shallow relu^m NTK/NNGP (Eqs. (T1.3), (T1.5)).

    ``part="full"`` is the NTK ``Sigma + Theta_in``, ``"output"`` the output-layer part ``Sigma``
    (random features / NNGP), ``"input"`` the input-layer part ``Theta_in``.  ``X`` has shape
    ``(n, d)``, ``Y`` ``(n', d)`` (finite, non-empty); ``m`` in {0, 1, 2}; ``sigma_w, sigma_b`` finite
    and > 0; ``method`` ``"numba"`` or ``"numpy"``.  The diagonal of ``ntk_gram(X)`` is exact
    (``theta = 0``).  Raises ``ValueError`` for bad input or a kernel value that overflows.
    """
    m, part = check_activation(m, part)
    sigma_w, sigma_b = _check_scales(sigma_w, sigma_b)
    choice("method", method, ("numba", "numpy"))
    Xa = _augment(X, sigma_w, sigma_b, "X")
    sym = Y is None
    Ya = Xa if sym else _augment(Y, sigma_w, sigma_b, "Y")
    if Ya.shape[1] != Xa.shape[1]:
        raise ValueError(f"`X` and `Y` must have the same dimension d, got {Xa.shape[1]-1} and {Ya.shape[1]-1}")
    _checks.memory(8.0 * Xa.shape[0] * Ya.shape[0], "`X`, `Y`", "the Gram matrix")
    nx = np.sqrt(np.einsum("ij,ij->i", Xa, Xa))
    ny = np.sqrt(np.einsum("ij,ij->i", Ya, Ya))
    code = PARTS.index(part)
    if method == "numba":
        K = _gram_numba(Xa, Ya, nx, ny, m, code, sym)
        return _checks.finite_out(K, "`X`, `Y`, `sigma_w`, `sigma_b`", "the kernel")
    # NumPy reference path: one BLAS product, cross norms (same formula), NumPy arctan2
    dot = Xa @ Ya.T
    cross = np.empty_like(dot)
    _fix_cross_kernel(Xa, Ya, nx, ny, dot, cross, 0.99)
    if sym:
        np.fill_diagonal(dot, nx * nx)
        np.fill_diagonal(cross, 0.0)
    K = _ntk_elementwise_numpy(dot, cross, nx, ny, m, code)
    K = 0.5 * (K + K.T) if sym else K
    return _checks.finite_out(K, "`X`, `Y`, `sigma_w`, `sigma_b`", "the kernel")


def ntk_1d(x, y=None, m=1, part="full", sigma_w=1.0, sigma_b=1.0):
    """1D convenience form of :func:`ntk_gram` with the exact cross term ``sigma_w sigma_b |x - y|``.

    ``x``, ``y``: finite, non-empty 1-D arrays; other arguments as for :func:`ntk_gram`.  Raises
    ``ValueError`` for bad input or a kernel value that overflows."""
    m, part = check_activation(m, part)
    sigma_w, sigma_b = _check_scales(sigma_w, sigma_b)
    x = array("x", x, ndim=1)
    y = x if y is None else array("y", y, ndim=1)
    _checks.memory(8.0 * x.size * y.size, "`x`, `y`", "the Gram matrix")
    dot = sigma_w ** 2 * np.multiply.outer(x, y) + sigma_b ** 2
    cross = sigma_w * sigma_b * np.abs(np.subtract.outer(x, y))
    nx = np.sqrt(sigma_w ** 2 * x ** 2 + sigma_b ** 2)
    ny = np.sqrt(sigma_w ** 2 * y ** 2 + sigma_b ** 2)
    K = np.empty_like(dot)
    _ntk_elementwise_kernel(dot, cross, nx, ny, m, PARTS.index(part), K)
    return _checks.finite_out(K, "`x`, `y`, `sigma_w`, `sigma_b`", "the kernel")
