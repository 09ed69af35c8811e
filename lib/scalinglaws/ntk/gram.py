"""Tables in the angle and Gram matrices of any activation (Eqs. (T1.42), (T1.51)).

A :class:`ThetaTable` tabulates a kernel at fixed ``q1, q2`` as a piecewise Chebyshev series in
``theta`` (Eq. (T1.51)): the dual kernel of an activation whose only singularity is at 0 is analytic
in ``theta`` on ``[0, pi]`` (its singular behaviour in ``u = cos theta`` comes from
``theta = arccos u``); a smooth activation's is infinitely differentiable in ``theta`` (not always
analytic: tanh, SiLU).  16 panels x 24 nodes give ~1e-14 (checked at construction against the direct
method between the nodes); the trailing coefficients below rounding noise are dropped, so the Gram
pass costs one Clenshaw step per coefficient kept (10-12 for erf, GELU, tanh, SiLU, relu^3 at
``q = 2``).  The Gram of a numerically integrated
activation uses the table when all points have one norm (sphere data) or the activation is
positively homogeneous (``k(x, y) = (|x~||y~|)^p k_1(theta)``), Mehler per pair for other smooth
activations, and polar quadrature per pair otherwise (small problems only).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from .._validation import integer, positive, real
from . import _checks
from .dual import POLAR_GRAM_MAX, _HermiteDiverges, _act_part, _combine_parts, _expectations, _resolve, dual_kernel, hermite_coefficients
from .kernels import _atan2_upper, _cross_norm

__all__ = ["activation_gram", "ThetaTable"]


# --- Chebyshev table in theta (Eq. (T1.51)) ----------------------------------------------------------

class ThetaTable:
    """A kernel ``k(theta)`` at fixed variances ``(q1, q2)`` on ``[0, theta_max]`` as a piecewise
    Chebyshev series (``n_panels`` equal panels, ``degree + 1`` Chebyshev nodes each; Eq. (T1.51)).

    ``ThetaTable(act, q1, q2, part, method, theta_max=pi)``; ``table(theta)`` evaluates it
    (``0 <= theta <= theta_max``).  ``coef[p, k]``: Chebyshev coefficient ``k`` on panel ``p``,
    trailing coefficients below ``1e-14 max|k|`` on every panel dropped.  ``max_error`` is the
    largest difference to the direct method at 5 points between the nodes of each panel (checked
    at construction: ``ValueError`` above ``1e-11 max|k|``)."""

    def __init__(self, act, q1, q2, part="full", method="auto", theta_max=math.pi, n_panels=16, degree=23):
        self.act = _act_part(act, part, method)
        self.method = _resolve(self.act, method)
        self.q1, self.q2 = positive("q1", q1), positive("q2", q2)
        if not math.isfinite(self.q1 * self.q2):
            raise ValueError(f"`q1`, `q2`: the product q1 q2 must be finite, got {q1!r}, {q2!r}")
        self.theta_max = real("theta_max", theta_max, 0.0, math.pi, lo_open=True)
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
        # chop the trailing coefficients that are below 1e-14 max|k| on every panel (rounding noise
        # of the values; their sum is < 1e-12 max|k|, and the check below covers the result): the
        # Gram pass costs one Clenshaw step per coefficient kept
        big = np.nonzero(np.max(np.abs(coef), axis=0) > 1e-14 * max(float(np.max(np.abs(vals))), 1e-300))[0]
        self.coef = np.ascontiguousarray(coef[:, :max(2, int(big[-1]) + 1 if big.size else 2)])
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
        """The table at angles ``theta`` (any shape, finite, in ``[0, theta_max]``)."""
        try:
            theta = np.asarray(theta, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"`theta` must be an array of real numbers, got {type(theta).__name__}") from None
        if theta.size == 0 or not np.all(np.isfinite(theta)) or theta.min() < 0 or theta.max() > self.theta_max:
            raise ValueError(f"`theta` must be a non-empty array of finite angles in [0, theta_max = "
                             f"{self.theta_max:.6g}]")
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


# flat signature: numba caches one compiled version per signature (a tuple or record costs 1-2 s of
# compilation per fresh process); called from activation_gram only
@numba.njit(cache=True, error_model="numpy")
def _table_gram_panel(Xa, Ya, P, ib, i1, nx, ny, rny, coefT, inv_h, power, thresh, sym, out):
    # Rows ib..i1-1 of K = (|x~||y~|)^power k(theta) from the table (coefT[k, panel]: Chebyshev
    # coefficient k of each panel).  P: dot products of the rows with columns >= ib (sym) or all.
    # Per row, vectorisable passes over the row: theta (the rare nearly (anti)parallel pairs
    # |c| > thresh redone with the cancellation-free cross norm), the panel index and local
    # variable, then Clenshaw with the coefficient index outermost, so that the recurrence runs
    # across the row (independent entries) instead of along one entry (a dependent chain, 5x
    # slower, measured).  A symmetric Gram mirrors each row panel at the end.
    n2 = Ya.shape[0]
    nk = coefT.shape[0]
    npan = coefT.shape[1]
    jfirst = ib if sym else 0
    m_max = n2 - jfirst
    th = np.empty(m_max)
    x2 = np.empty(m_max)
    b1 = np.empty(m_max)
    b2 = np.empty(m_max)
    idx = np.empty(m_max, np.int64)
    ipow = int(power)
    integral = power == ipow and 0 <= ipow <= 12
    for i in range(ib, i1):
        js = i if sym else 0
        m = n2 - js
        src = P[i - ib, js - jfirst:]
        rxi = 1.0 / nx[i]
        nb = 0
        for j in range(m):
            c = src[j] * rxi * rny[js + j]
            c = min(1.0, max(-1.0, c))
            nb += (c > thresh) | (c < -thresh)
            th[j] = _atan2_upper(math.sqrt(max(0.0, 1.0 - c * c)), c)
        if nb > 0:
            for j in range(m):
                c = src[j] * rxi * rny[js + j]
                if c > thresh or c < -thresh:
                    c = min(1.0, max(-1.0, c))
                    s = _cross_norm(Xa, Ya, i, js + j, nx[i], ny[js + j], c, thresh) * rxi * rny[js + j]
                    th[j] = _atan2_upper(min(1.0, s), c)
        if sym:
            th[0] = 0.0                                         # the diagonal: theta = 0 exactly
        for j in range(m):
            t = th[j] * inv_h
            k = min(npan - 1, max(0, int(t)))
            idx[j] = k
            x2[j] = 4.0 * (t - k) - 2.0                         # 2 x, x in [-1, 1] on the panel
            b1[j] = coefT[nk - 1, k]
            b2[j] = 0.0
        for kk in range(nk - 2, 0, -1):
            row = coefT[kk]
            for j in range(m):
                b0 = row[idx[j]] + x2[j] * b1[j] - b2[j]
                b2[j] = b1[j]
                b1[j] = b0
        row0 = coefT[0]
        dst = out[i, js:]
        for j in range(m):
            dst[j] = row0[idx[j]] + 0.5 * x2[j] * b1[j] - b2[j]
        if power != 0.0:
            for j in range(m):
                nn = nx[i] * ny[js + j]
                if integral:
                    f = 1.0
                    for _ in range(ipow):
                        f *= nn
                else:
                    f = nn ** power
                dst[j] *= f
    if sym:
        for j in range(ib, n2):
            for i in range(ib, min(i1, j)):
                out[j, i] = out[i, j]


# flat signature: numba caches one compiled version per signature (a tuple or record costs 1-2 s of
# compilation per fresh process); called from activation_gram only
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
    with np.errstate(over="ignore"):
        nx = np.sqrt(np.einsum("ij,ij->i", Xa, Xa))
    if not np.all(np.isfinite(nx)):
        raise ValueError(f"`{name}`, `sigma_w`, `sigma_b`: a point's augmented squared norm overflows "
                         "(|sigma_w x|^2 + sigma_b^2 must be finite)")
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
        table = ThetaTable(act, q, q, part=part, method="auto" if method == "smooth" else method)  # 'smooth': internal
        coefT = np.ascontiguousarray(table.coef.T)
        rny = 1.0 / ny
        for ib in range(0, n1, _PANEL):
            i1 = min(ib + _PANEL, n1)
            P = Xa[ib:i1] @ YaT[:, ib:] if sym else Xa[ib:i1] @ YaT
            _table_gram_panel(Xa, Ya, P, ib, i1, nx, ny, rny, coefT, 1.0 / table.h, power, 0.99, sym, out)
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
