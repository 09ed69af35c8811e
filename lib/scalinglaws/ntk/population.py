"""Population spectra of the dual kernel of any activation (Eqs. (T1.52)-(T1.54)).

* :func:`sphere_spectrum`: Funk-Hecke eigenvalues on the uniform sphere ``S^m`` (Eq. (T1.27)) for
  any activation, with or without bias.
* :func:`radial_spectrum`: data with a rotation-invariant density ``p(|x|)`` in ``R^d`` (uniform
  ball, Gaussian, or a density the user passes).  The operator splits by angular degree ``l``
  (Eq. (T1.52)): the block kernel ``K_l(r, r') = int k(r, r', u) P_l(u) dtau_{d-1}(u)`` (normalised
  Gegenbauer ``P_l`` on ``S^{d-1}``) acts on ``L^2`` of the radial law ``p(r) r^{d-1} dr / Z``; each
  eigenvalue of the block has multiplicity ``N(d-1, l)``.  Midpoint rule in ``r``, composite
  Gauss-Legendre in the angle ``phi`` (graded towards ``phi = 0`` and fine enough for
  ``P_lmax``).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from .._validation import array, integer, positive
from . import _checks
from .dual import (_HermiteDiverges, _act_part, _combine_parts, _expectations, _resolve, _unique_inverse,
                   hermite_coefficients)
from .gram import ThetaTable, scales0
from .spectra import (LMAX_MAX, N_NODES_MAX, _funk_hecke_kernel, _phi_rule, _sphere_Z, composite_gauss_legendre,
                      gegenbauer_normalized, sphere_multiplicity)

__all__ = ["sphere_spectrum", "RadialDensity", "radial_density", "radial_spectrum", "RadialSpectrum", "DENSITIES"]

DENSITIES = ("ball", "gaussian")


def _kernel_values(act, part, method, q1, q2, rho, c, s, *, table_ok=True):
    """Kernel values at arrays of (q1, q2, rho) with accurate c, s; chooses closed / Mehler / table."""
    theta = np.arctan2(s, c)
    if method == "closed":
        sig, der = _expectations(act, q1, q2, rho, c, s, theta, part, "closed")
        return _combine_parts(sig, der, rho, part)
    if method == "smooth":
        try:
            return _mehler_indexed(act, part, q1, q2, rho, c)
        except _HermiteDiverges:
            method = "fourier"
    if method == "hermite":
        return _mehler_indexed(act, part, q1, q2, rho, c)
    if method == "fourier":
        sig, der = _expectations(act, q1, q2, rho, c, s, theta, part, "fourier")
        return _combine_parts(sig, der, rho, part)
    # polar: only through a theta table (homogeneous activation, or one norm)
    if act.degree is not None:
        table = ThetaTable(act, 1.0, 1.0, part=part, method="polar")
        return (q1 * q2) ** (0.5 * act.degree) * table(theta)
    if np.ptp(q1) == 0 and np.ptp(q2) == 0:
        table = ThetaTable(act, float(q1[0]), float(q2[0]), part=part, method="polar",
                           theta_max=min(math.pi, float(theta.max()) * (1 + 1e-12) + 1e-300))
        return table(theta)
    raise ValueError(f"activation {act.name!r}: neither smooth, nor homogeneous (`degree`), nor with a closed "
                     "form; its kernel on data of varying norm would need a polar quadrature per pair of radii")


@numba.njit(cache=True, error_model="numpy")
def _mehler_idx_kernel(A, i1, i2, c, out):
    # out[k] = sum_n A[i1[k], n] A[i2[k], n] c[k]^n (Eq. (T1.50)).  Over a run of entries with the
    # same (i1, i2) (a pair of radii at every angle node) the coefficient products are formed once
    # and Horner's recurrence runs across the run (independent entries, vectorised) instead of
    # along one entry (a dependent chain; 4-6x slower, measured)
    N = A.shape[1]
    n = c.size
    prod = np.empty(N)
    acc = np.empty(n)
    k = 0
    while k < n:
        a = i1[k]
        b = i2[k]
        e = k + 1
        while e < n and i1[e] == a and i2[e] == b:
            e += 1
        if e - k < 8:
            for kk in range(k, e):
                v = 0.0
                x = c[kk]
                for m in range(N - 1, -1, -1):
                    v = v * x + A[a, m] * A[b, m]
                out[kk] = v
        else:
            for m in range(N):
                prod[m] = A[a, m] * A[b, m]
            for kk in range(k, e):
                acc[kk] = prod[N - 1]
            for m in range(N - 2, -1, -1):
                pm = prod[m]
                for kk in range(k, e):
                    acc[kk] = acc[kk] * c[kk] + pm
            for kk in range(k, e):
                out[kk] = acc[kk]
        k = e


def _mehler_indexed(act, part, q1, q2, rho, c):
    qs, inv = _unique_inverse(np.concatenate([q1, q2]))
    i1, i2 = inv[:q1.size].astype(np.int64), inv[q1.size:].astype(np.int64)
    out = np.zeros(q1.size)
    tmp = np.empty(q1.size)
    if part != "input":
        A = np.ascontiguousarray(hermite_coefficients(act, qs))
        _mehler_idx_kernel(A, i1, i2, c, tmp)
        out += tmp
    if part != "output":
        B = np.ascontiguousarray(hermite_coefficients(act, qs, derivative=True))
        _mehler_idx_kernel(B, i1, i2, c, tmp)
        out += rho * tmp
    return out


def sphere_spectrum(m, lmax, act="relu", part="full", sigma_w=1.0, sigma_b=1.0, n_nodes=16, method="auto"):
    """Funk-Hecke eigenvalues ``mu_l`` (l = 0..lmax) on the unit sphere ``S^m`` of the dual kernel
    ``part`` of any activation ``act`` (Eqs. (T1.27), (T1.42)); ``sigma_b = 0`` allowed (no bias).

    On ``S^m`` the pre-activation variance is ``q = sigma_w^2 + sigma_b^2`` and the augmented angle
    ``theta`` has ``cos theta = (sigma_w^2 cos phi + sigma_b^2)/q``.  Kernel values at the quadrature
    nodes: closed form, Mehler series (smooth activations) or a :class:`~.gram.ThetaTable` built by
    polar quadrature.  ``m >= 1``, ``1 <= lmax <= 100000``; other arguments as for
    :func:`scalinglaws.ntk.activation_gram`.  Raises ``ValueError`` for bad input."""
    m = integer("m", m, 1)
    lmax = integer("lmax", lmax, 1, LMAX_MAX)
    n_nodes = integer("n_nodes", n_nodes, 1, N_NODES_MAX)
    act = _act_part(act, part, method)
    sigma_w, sigma_b = scales0(sigma_w, sigma_b)
    method = _resolve(act, method)
    phi, w = _phi_rule(0.0, math.pi, lmax, n_nodes)
    u = np.cos(phi)
    w = w * np.sin(phi) ** (m - 1) / _sphere_Z(m)
    sw2, sb2 = sigma_w ** 2, sigma_b ** 2
    q = sw2 + sb2
    omc = 2 * np.sin(phi / 2) ** 2
    cross = sigma_w * np.sqrt(q * np.sin(phi) ** 2 + sb2 * omc ** 2)
    rho = sw2 * u + sb2
    c = np.clip(rho / q, -1.0, 1.0)
    s = np.clip(cross / q, 0.0, 1.0)
    qq = np.full(u.shape, q)
    k = _kernel_values(act, part, method, qq, qq, rho, c, s)
    mu = np.zeros(lmax + 1)
    _funk_hecke_kernel(u, w * k, lmax, 0.5 * (m - 1), mu)
    return _checks.finite_out(mu, "`act`, `sigma_w`, `sigma_b`, `m`", "the spectrum")


class RadialDensity:
    """A rotation-invariant data density in ``R^d``: ``x`` has density proportional to ``p(|x|)``
    on ``|x| <= r_max``.  ``weights(Mr)`` gives the midpoint radii and the probability weights
    ``w_i = p(r_i) r_i^{d-1} dr / Z``; ``mass`` is ``int_0^{r_max} p(r) r^{d-1} dr``.  ``p`` must be
    elementwise, finite and ``>= 0`` on ``[0, r_max]`` with a finite positive mass; ``d >= 1``,
    ``r_max > 0`` finite; ``name`` a non-empty string."""

    def __init__(self, p, d, r_max, name="custom"):
        if not callable(p):
            raise ValueError(f"`density` must be 'ball', 'gaussian' or a callable p(r), got {p!r}")
        self.d = integer("d", d, 1)
        self.r_max = positive("r_max", r_max)
        if not isinstance(name, str) or not name:
            raise ValueError(f"`name` must be a non-empty string, got {name!r}")
        self.p, self.name = p, name
        g, wg = composite_gauss_legendre(np.linspace(0.0, self.r_max, 65), 16)
        pv = self._eval(g)
        with np.errstate(all="ignore"):
            mass = float(np.sum(wg * pv * g ** (self.d - 1)))
        if not (math.isfinite(mass) and mass > 0):
            raise ValueError(f"`density` {name!r} must have a finite positive mass int_0^r_max p(r) r^(d-1) dr, "
                             f"got {mass!r} (`d` = {self.d}, `r_max` = {self.r_max!r})")
        self.mass = mass

    def _eval(self, r):
        try:
            with np.errstate(all="ignore"):
                v = np.asarray(self.p(np.asarray(r, dtype=float)), dtype=float)
        except Exception as exc:   # noqa: BLE001 -- any failure of a user callable is reported
            raise ValueError(f"`density` {self.name!r} failed on a float array of radii: {exc}") from exc
        if v.shape != np.shape(r):
            raise ValueError(f"`density` {self.name!r} must be elementwise (same shape out), got {v.shape}")
        if not np.all(np.isfinite(v)) or np.any(v < 0):
            raise ValueError(f"`density` {self.name!r} must be finite and >= 0 on [0, r_max]")
        return v

    def weights(self, Mr):
        Mr = integer("Mr", Mr, 2, 4096)
        r = (np.arange(Mr) + 0.5) * self.r_max / Mr
        w = self._eval(r) * r ** (self.d - 1)
        tot = float(w.sum())
        if not tot > 0:
            raise ValueError(f"`density` {self.name!r} vanishes at every radial node (`Mr` = {Mr} midpoints of "
                             f"[0, `r_max`] = [0, {self.r_max:g}]); raise `Mr` or lower `r_max`")
        return r, w / tot


def radial_density(spec, d, scale=1.0, r_max=None):
    """``"ball"`` (uniform in the ball of radius ``scale``), ``"gaussian"`` (``N(0, scale^2 I_d)``,
    cut at ``r_max = scale (sqrt(d) + 9)``, which loses a mass below 1e-17), a callable ``p(r)``
    (needs ``r_max``), or a :class:`RadialDensity` (returned as is).  ``ValueError`` otherwise."""
    if isinstance(spec, RadialDensity):
        return spec
    d = integer("d", d, 1)
    scale = positive("scale", scale)
    if isinstance(spec, str) and spec in DENSITIES:
        if spec == "ball":
            p, rm = (lambda r: np.ones_like(r)), scale
        else:
            p, rm = (lambda r: np.exp(-0.5 * (r / scale) ** 2)), scale * (math.sqrt(d) + 9.0)
        try:
            return RadialDensity(p, d, rm if r_max is None else r_max, spec)
        except ValueError as exc:
            if r_max is None:   # the support comes from `scale`
                raise ValueError(f"`scale` = {scale!r}: {exc}") from None
            raise
    if callable(spec):
        if r_max is None:
            raise ValueError("`r_max` must be given for a user density p(r) (its support is [0, r_max])")
        return RadialDensity(spec, d, r_max)
    raise ValueError(f"`density` must be one of {DENSITIES}, a callable p(r) or a RadialDensity, got {spec!r}")


class RadialSpectrum:
    """Result of :func:`radial_spectrum`: ``blocks[l]`` (eigenvalues of degree ``l``, decreasing),
    ``multiplicity[l] = N(d-1, l)``, the radial nodes ``r`` and weights ``w``, and the degree-0
    eigenvectors ``V0`` (columns) for radial targets."""

    def __init__(self, d, blocks, r, w, V0, trace):
        self.d, self.blocks, self.r, self.w, self.V0 = d, blocks, r, w, V0
        self.multiplicity = sphere_multiplicity(d - 1, np.arange(len(blocks))) if d >= 2 else np.ones(len(blocks))
        self.trace = trace

    def values(self, k_max=None):
        """All eigenvalues with their multiplicities, decreasing (the first ``k_max``, an integer
        >= 1, or all for ``None``)."""
        if k_max is not None:
            k_max = integer("k_max", k_max, 1)
        vals = np.concatenate([np.repeat(b, int(n)) for b, n in zip(self.blocks, self.multiplicity)])
        vals = np.sort(vals)[::-1]
        return vals if k_max is None else vals[:k_max]

    def radial_target(self, y):
        """Squared coefficients ``c_k^2`` of a radial target ``y(r)`` (values at :attr:`r`) in the
        degree-0 eigenbasis and its squared norm ``sum_i w_i y_i^2`` (Eq. (T1.36))."""
        y = array("y", y, shape=self.r.shape)     # finite values at the radial nodes
        yt = np.sqrt(self.w) * y
        return (self.V0.T @ yt) ** 2, float(yt @ yt)


def _angle_rule(lmax, n_nodes=12, phi_min=1e-4):
    edges = np.unique(np.concatenate([[0.0], np.geomspace(phi_min, 0.5, 40),
                                      np.linspace(0.0, math.pi, max(32, lmax) + 1)]))
    return composite_gauss_legendre(edges, n_nodes)


def radial_spectrum(d, lmax, act="relu", density="ball", Mr=64, part="full", sigma_w=1.0, sigma_b=1.0,
                    method="auto", scale=1.0, r_max=None):
    """Population spectrum of the dual kernel ``part`` of ``act`` for data with the radial density
    ``density`` in ``R^d`` (Eq. (T1.52)): blocks ``l = 0..lmax`` of the angular decomposition, each
    discretised on ``Mr`` radii.  Returns a :class:`RadialSpectrum`.

    ``d >= 2``, ``0 <= lmax <= 400``, ``4 <= Mr <= 512`` integers; ``density`` as for
    :func:`radial_density` (``scale``, ``r_max``); ``act``, ``part``, ``sigma_*``, ``method`` as for
    :func:`scalinglaws.ntk.activation_gram`.  Only the first eigenvalues of each block are resolved
    (check by doubling ``Mr``).  Raises ``ValueError`` for bad input."""
    d = integer("d", d, 2)
    lmax = integer("lmax", lmax, 0, 400)
    Mr = integer("Mr", Mr, 4, 512)
    act = _act_part(act, part, method)
    sigma_w, sigma_b = scales0(sigma_w, sigma_b)
    method = _resolve(act, method)
    dens = radial_density(density, d, scale, r_max)
    if dens.d != d:
        raise ValueError(f"`density` is for d = {dens.d}, not d = {d}")
    r, w = dens.weights(Mr)
    phi, wq = _angle_rule(lmax)
    wq = wq * np.sin(phi) ** (d - 2)
    wq = wq / wq.sum()
    u = np.cos(phi)
    iu, ju = np.triu_indices(Mr)
    ri, rj = r[iu][:, None], r[ju][:, None]
    sw2, sb2 = sigma_w ** 2, sigma_b ** 2
    qi, qj = sw2 * ri ** 2 + sb2, sw2 * rj ** 2 + sb2
    rho = sw2 * ri * rj * u[None, :] + sb2
    omc = (2 * np.sin(phi / 2) ** 2)[None, :]
    # |x~ x y~| for x~ = (sw r_i, 0, sb), y~ = (sw r_j cos, sw r_j sin, sb)
    c1 = -sigma_b * sigma_w * rj * np.sin(phi)[None, :]
    c2 = sigma_w * sigma_b * ((rj - ri) - rj * omc)
    c3 = sw2 * ri * rj * np.sin(phi)[None, :]
    cross = np.sqrt(c1 * c1 + c2 * c2 + c3 * c3)
    nn = np.sqrt(qi * qj)
    c = np.clip(rho / nn, -1.0, 1.0)
    s = np.clip(cross / nn, 0.0, 1.0)
    shape = rho.shape
    _checks.memory(8.0 * rho.size * 6, "`Mr`, `lmax`", "the radial kernel values")
    kv = _kernel_values(act, part, method, np.broadcast_to(qi, shape).ravel(), np.broadcast_to(qj, shape).ravel(),
                        rho.ravel(), c.ravel(), s.ravel()).reshape(shape)
    kv = _checks.finite_out(kv, "`act`, `density`, `scale`, `r_max`, `sigma_w`, `sigma_b`", "the kernel")
    P = gegenbauer_normalized(lmax, d - 1, u)                       # (lmax + 1, n_phi)
    proj = (kv * wq[None, :]) @ P.T                                  # (pairs, lmax + 1)
    sq = np.sqrt(w)
    blocks, V0 = [], None
    for l in range(lmax + 1):
        K = np.empty((Mr, Mr))
        K[iu, ju] = proj[:, l]
        K[ju, iu] = proj[:, l]
        A = sq[:, None] * K * sq[None, :]
        if l == 0:
            lam, V = np.linalg.eigh(A)
            V0 = V[:, ::-1]
        else:
            lam = np.linalg.eigvalsh(A)
        blocks.append(lam[::-1])
    # trace of the operator: E k(x, x) (for checks)
    qd = sw2 * r ** 2 + sb2
    diag = _kernel_values(act, part, method, qd, qd, qd, np.ones_like(qd), np.zeros_like(qd))
    return RadialSpectrum(d, blocks, r, w, V0, float(np.sum(w * diag)))
