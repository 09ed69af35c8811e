"""Arc-cosine kernels and the infinite-width NNGP/NTK of a shallow ReLU^m network (notes 01 §2.2).

Network (notes 01 §2.1): ``f(x) = N^{-1/2} sum_n a_n relu(sigma_w w_n.x + sigma_b b_n)^m`` with
``a, w, b ~ N(0, 1)``.  With ``x~ = (sigma_w x, sigma_b)`` and ``theta`` the angle between ``x~`` and
``y~`` (Cho & Saul 2009)::

    J_0 = pi - theta
    J_1 = sin theta + (pi - theta) cos theta
    J_2 = 3 sin theta cos theta + (pi - theta)(1 + 2 cos^2 theta)
    Sigma    = |x~|^m |y~|^m J_m / (2 pi)                                (output layer, NNGP)
    Theta_in = m^2 |x~|^{m-1} |y~|^{m-1} J_{m-1} / (2 pi) * (x~ . y~)       (input layer + bias)
    Theta    = Sigma + Theta_in                                           (full NTK)

Numerics: ``theta = atan2(|x~ x y~|, x~.y~)`` where the cross norm ``|x~||y~| sin theta`` is computed
without cancellation (from coordinate differences for nearly (anti)parallel pairs), so the kernels
keep full relative precision near ``t = +-1`` and the diagonal is exact.  The dot products come from
one BLAS product; the elementwise pass is a numba kernel (``_ntk_elementwise_kernel``) with a NumPy
reference path (``method="numpy"``).
"""
from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["arccos_J", "ntk_from_angle", "ntk_gram", "ntk_1d", "PARTS", "check_activation"]

PARTS = ("full", "output", "input")


def check_activation(m, part):
    """Validate the activation order ``m`` (relu^m; 0 = Heaviside) and the trained ``part``."""
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m not in (0, 1, 2):
        raise ValueError(f"activation order `m` must be 0 (Heaviside), 1 (ReLU) or 2 (ReLU^2), got {m!r}")
    if part not in PARTS:
        raise ValueError(f"`part` must be one of {PARTS}, got {part!r}")
    if m == 0 and part != "output":
        raise ValueError("`part` must be 'output' for m = 0: the Heaviside activation has no "
                         "trainable input layer (its derivative is a delta)")
    return int(m), part


def _check_scales(sigma_w, sigma_b):
    for name, v in (("sigma_w", sigma_w), ("sigma_b", sigma_b)):
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"`{name}` must be a finite number > 0, got {v!r}")


@numba.njit(cache=True, inline="always")
def _J(m, theta, c, s):
    if m == 0:
        return math.pi - theta
    if m == 1:
        return s + (math.pi - theta) * c
    return 3.0 * s * c + (math.pi - theta) * (1.0 + 2.0 * c * c)


def arccos_J(m, theta):
    """Cho-Saul arc-cosine angular function ``J_m(theta)`` for m = 0, 1, 2 (notes 01 §2.2)."""
    check_activation(m, "output")
    theta = np.asarray(theta, dtype=float)
    if np.any((theta < 0) | (theta > np.pi)) or not np.all(np.isfinite(theta)):
        raise ValueError("`theta` must lie in [0, pi]")
    c, s = np.cos(theta), np.sin(theta)
    if m == 0:
        return np.pi - theta
    if m == 1:
        return s + (np.pi - theta) * c
    return 3 * s * c + (np.pi - theta) * (1 + 2 * c * c)


@numba.njit(cache=True)
def _ntk_value(dot, cross, nx, ny, m, part_code):
    # part_code: 0 full, 1 output, 2 input
    theta = math.atan2(cross, dot)
    nn = nx * ny
    c = dot / nn
    s = cross / nn
    out = 0.0
    if part_code != 2:
        out += nn ** m * _J(m, theta, c, s) / (2.0 * math.pi)
    if part_code != 1 and m >= 1:
        out += m * m * nn ** (m - 1) * _J(m - 1, theta, c, s) / (2.0 * math.pi) * dot
    return out


@numba.njit(cache=True)
def _ntk_elementwise_kernel(dot, cross, nx, ny, m, part_code, out):
    n1, n2 = dot.shape
    for i in range(n1):
        for j in range(n2):
            out[i, j] = _ntk_value(dot[i, j], cross[i, j], nx[i], ny[j], m, part_code)


def _ntk_elementwise_numpy(dot, cross, nx, ny, m, part_code):
    theta = np.arctan2(cross, dot)
    nn = nx[:, None] * ny[None, :]
    c, s = dot / nn, cross / nn
    out = np.zeros_like(dot)
    if part_code != 2:
        out += nn ** m * arccos_J(m, theta) / (2 * np.pi)
    if part_code != 1 and m >= 1:
        out += m * m * nn ** (m - 1) * arccos_J(m - 1, theta) / (2 * np.pi) * dot
    del c, s
    return out


def ntk_from_angle(dot, cross, nx, ny, m=1, part="full"):
    """Kernel value from ``x~.y~`` (``dot``), ``|x~||y~| sin theta`` (``cross``, >= 0) and the norms.

    Elementwise over broadcastable arrays (NumPy path); formulas in the module docstring.
    """
    m, part = check_activation(m, part)
    dot, cross, nx, ny = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (dot, cross, nx, ny)))
    if np.any(cross < 0) or np.any(nx <= 0) or np.any(ny <= 0):
        raise ValueError("`cross` must be >= 0 and the norms `nx`, `ny` > 0")
    theta = np.arctan2(cross, dot)
    nn = nx * ny
    out = np.zeros(dot.shape)
    if part != "input":
        out = out + nn ** m * arccos_J(m, theta) / (2 * np.pi)
    if part != "output" and m >= 1:
        out = out + m * m * nn ** (m - 1) * arccos_J(m - 1, theta) / (2 * np.pi) * dot
    return out


def _augment(X, sigma_w, sigma_b, name):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"`{name}` must be a 2-D array of points with shape (n_points, d), d >= 1, "
                         f"got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"`{name}` contains non-finite values")
    return np.hstack([sigma_w * X, np.full((X.shape[0], 1), float(sigma_b))])


@numba.njit(cache=True)
def _fix_cross_kernel(Xa, Ya, nx, ny, dot, cross, thresh):
    # |x~||y~| sin(theta) = |x~||y~| * 2 sin(theta/2) cos(theta/2), with the half-angle
    # functions from coordinate differences of the unit vectors: exact near theta = 0, pi.
    n1, n2 = dot.shape
    D = Xa.shape[1]
    for i in range(n1):
        for j in range(n2):
            nn = nx[i] * ny[j]
            c = dot[i, j] / nn
            if c > thresh or c < -thresh:
                sm = 0.0
                sp = 0.0
                for k in range(D):
                    a = Xa[i, k] / nx[i]
                    b = Ya[j, k] / ny[j]
                    sm += (a - b) * (a - b)
                    sp += (a + b) * (a + b)
                cross[i, j] = nn * math.sqrt(sm) * math.sqrt(sp) / 2.0
            else:
                cross[i, j] = nn * math.sqrt(max(0.0, 1.0 - c * c))


def ntk_gram(X, Y=None, m=1, part="full", sigma_w=1.0, sigma_b=1.0, method="numba"):
    """Gram matrix ``K[i, j] = k(X_i, Y_j)`` of the shallow relu^m NTK/NNGP (notes 01 §2.2).

    ``part="full"`` is the NTK ``Sigma + Theta_in``, ``"output"`` the output-layer part ``Sigma``
    (random features / NNGP), ``"input"`` the input-layer part ``Theta_in``.  ``X`` has shape
    ``(n, d)``.  The diagonal of ``ntk_gram(X)`` is exact (``theta = 0``).
    """
    m, part = check_activation(m, part)
    _check_scales(sigma_w, sigma_b)
    if method not in ("numba", "numpy"):
        raise ValueError(f"`method` must be 'numba' or 'numpy', got {method!r}")
    Xa = _augment(X, sigma_w, sigma_b, "X")
    sym = Y is None
    Ya = Xa if sym else _augment(Y, sigma_w, sigma_b, "Y")
    if Ya.shape[1] != Xa.shape[1]:
        raise ValueError(f"`X` and `Y` must have the same dimension d, got {Xa.shape[1]-1} and {Ya.shape[1]-1}")
    nx = np.sqrt(np.einsum("ij,ij->i", Xa, Xa))
    ny = np.sqrt(np.einsum("ij,ij->i", Ya, Ya))
    dot = Xa @ Ya.T
    cross = np.empty_like(dot)
    _fix_cross_kernel(Xa, Ya, nx, ny, dot, cross, 0.99)
    if sym:
        np.fill_diagonal(dot, nx * nx)
        np.fill_diagonal(cross, 0.0)
    code = PARTS.index(part)
    if method == "numpy":
        K = _ntk_elementwise_numpy(dot, cross, nx, ny, m, code)
    else:
        K = np.empty_like(dot)
        _ntk_elementwise_kernel(dot, cross, nx, ny, m, code, K)
    if sym:
        K = 0.5 * (K + K.T)
    return K


def ntk_1d(x, y=None, m=1, part="full", sigma_w=1.0, sigma_b=1.0):
    """1D convenience form of :func:`ntk_gram` with the exact cross term ``sigma_w sigma_b |x - y|``."""
    m, part = check_activation(m, part)
    _check_scales(sigma_w, sigma_b)
    x = np.asarray(x, dtype=float)
    y = x if y is None else np.asarray(y, dtype=float)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"`x` and `y` must be 1-D arrays, got shapes {x.shape}, {y.shape}")
    dot = sigma_w ** 2 * np.multiply.outer(x, y) + sigma_b ** 2
    cross = sigma_w * sigma_b * np.abs(np.subtract.outer(x, y))
    nx = np.sqrt(sigma_w ** 2 * x ** 2 + sigma_b ** 2)
    ny = np.sqrt(sigma_w ** 2 * y ** 2 + sigma_b ** 2)
    K = np.empty_like(dot)
    _ntk_elementwise_kernel(dot, cross, nx, ny, m, PARTS.index(part), K)
    return K
