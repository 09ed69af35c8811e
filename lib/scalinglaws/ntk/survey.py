"""Predicted and measured exponents of the activation-by-data table (Eqs. (T1.53)-(T1.54)).

For an activation and a data law (``"sphere"``: uniform on ``S^{d-1}``; ``"ball"``: uniform in the
unit ``d``-ball; ``"gaussian"``: ``N(0, I_d/d)``):

* :func:`predicted_exponents` -- ``alpha`` from the activation's smoothness (Eq. (T1.48)),
  ``nu = 1 + alpha/dim`` and ``xi = 1/(dim + alpha)`` for an indicator target (``dim = d - 1`` on
  the sphere, ``d`` otherwise), Eq. (T1.53); ``nu = inf``, ``xi = 0`` for smooth activations.
* :func:`measure_exponents` -- the population spectrum (Funk-Hecke on the sphere, the radial
  decomposition otherwise), ``nu`` from the ``"offset"`` fit of Eq. (T1.38) over a mode window,
  the local exponent at the end of the resolved range, and ``xi`` from a log-log fit of the
  gradient-flow loss (Eqs. (T1.8), (T1.37)) of an indicator target: a spherical cap of angular
  radius ``pi/3`` on the sphere, ``1{|x| < R}`` otherwise (``R = 1/2`` in the ball, ``R = 1`` for
  the Gaussian), Eq. (T1.54).  The resolution of the radial discretisation is checked by repeating
  it with 1.5 times the radii (``resolution_change``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import chi

from .._validation import array, choice, integer, positive
from ..fits import fit_power_law
from .activations import activation, kernel_alpha
from .asymptotics import loss_gradient_flow
from .population import radial_spectrum, sphere_spectrum
from .spectra import cap_energies, fit_spectrum_exponent, sphere_cap_measure, sphere_multiplicity

__all__ = ["DATA", "predicted_exponents", "measure_exponents", "ExponentMeasurement", "local_exponent"]

DATA = ("sphere", "ball", "gaussian")
CAP_ANGLE = math.pi / 3
RESOLVED = 1e-11          # relative eigenvalue level above which a smooth spectrum is above round-off


def predicted_exponents(act, part, data, d):
    """``dict(alpha, dim, nu, xi)`` of Eq. (T1.53) for ``act`` (anything
    :func:`scalinglaws.ntk.activation` accepts with a known smoothness order), the kernel
    ``part``, ``data`` in :data:`DATA` and the ambient dimension ``d >= 2`` (an integer).  The
    prediction is for a network with a bias (``sigma_b > 0``): without one the kernel of a
    homogeneous activation can lose whole parities of angular degrees (ReLU: every odd degree above
    1), so its spectrum is no single power law, which is why
    :func:`measure_exponents` requires ``sigma_b > 0``."""
    data = choice("data", data, DATA)
    d = integer("d", d, 2)
    alpha = kernel_alpha(act, part)
    dim = d - 1 if data == "sphere" else d
    if alpha == math.inf:
        return {"alpha": alpha, "dim": dim, "nu": math.inf, "xi": 0.0}
    return {"alpha": alpha, "dim": dim, "nu": 1 + alpha / dim, "xi": 1 / (dim + alpha)}


def local_exponent(k, values, at):
    """Local exponent ``-d log values / d log k`` at ``k = at`` from a least-squares line through
    the points with ``k`` in ``[at/2, at]`` (``values > 0`` there, at least 3 points).  ``k``
    (finite, > 0) and ``values`` (finite): 1-D arrays of one length; ``at`` a finite number > 0."""
    k = array("k", k, ndim=1, lo=0.0, lo_open=True)
    values = array("values", values, ndim=1)
    if values.shape != k.shape:
        raise ValueError(f"`k` and `values` must have one length, got {k.size} and {values.size}")
    at = positive("at", at)
    sel = (k >= at / 2) & (k <= at)
    if sel.sum() < 3 or not np.all(values[sel] > 0):
        raise ValueError(f"`at` = {at:g}: the local exponent needs >= 3 points of `k` in [at/2, at], with "
                         "`values` > 0 there")
    return float(-np.polyfit(np.log(k[sel]), np.log(values[sel]), 1)[0])


@dataclass
class ExponentMeasurement:
    """Result of :func:`measure_exponents` (see its docstring)."""
    activation: str
    data: str
    d: int
    part: str
    k: np.ndarray
    lam: np.ndarray
    t: np.ndarray
    loss: np.ndarray
    nu: float
    nu_uncertainty: float
    nu_local: float
    k_local: float
    xi: float
    xi_uncertainty: float
    resolution_change: float
    window: dict = field(default_factory=dict)


def _check_window(name, w):
    if not (isinstance(w, (tuple, list)) and len(w) == 2):
        raise ValueError(f"`{name}` must be a pair (lo, hi), got {w!r}")
    lo = positive(f"{name}[0]", w[0])
    hi = positive(f"{name}[1]", w[1])
    if not lo < hi:
        raise ValueError(f"`{name}` must satisfy lo < hi, got {w!r}")
    return lo, hi


def _loss_fit(t, L, t_window):
    # slope over the window; uncertainty = half the drift between the slopes of its two halves
    lo, hi = t_window
    mid = math.sqrt(lo * hi)
    fit = fit_power_law(t, L, lo, hi)
    a = fit_power_law(t, L, lo, mid).exponent
    b = fit_power_law(t, L, mid, hi).exponent
    return float(fit.exponent), 0.5 * abs(float(b) - float(a))


def measure_exponents(act, data, d=3, part="full", sigma_w=1.0, sigma_b=1.0, *, lmax=400, Mr=64,
                      k_window=(30, 3000), t_window=(1e2, 1e5), n_t=41):
    """Measured ``nu`` and ``xi`` of ``act`` on ``data`` (Eq. (T1.54)); returns an
    :class:`ExponentMeasurement`.

    ``nu``: ``"offset"`` fit of the eigenvalues ``lam_k`` (multiplicities expanded, decreasing) over
    ``k_window``; for a smooth activation (no power law) ``nu`` is NaN and ``nu_local`` (the local
    exponent at ``k_local``, the last mode above ``1e-11 lam_1`` inside the window) carries the
    measurement.  ``xi``: log-log slope of ``L(t)`` over ``t_window`` (``n_t`` log-spaced times;
    ``xi_uncertainty`` is half the drift between the slopes of the window's two halves).
    ``lmax``: highest angular degree; ``Mr``: radial nodes (ball, Gaussian).  The modes beyond the
    computed ones must stay unlearned in the window (``lam_min t_hi < 1e-2``) and, for the radial
    data, the window's eigenvalues must agree within ``resolution_change`` with a run on
    ``1.5 Mr`` radii; ``ValueError`` if the spectrum does not reach the window."""
    a = activation(act)
    data = choice("data", data, DATA)
    d = integer("d", d, 2)
    if not (isinstance(sigma_b, (int, float)) and not isinstance(sigma_b, bool) and sigma_b > 0):
        raise ValueError(f"`sigma_b` must be a number > 0 (the predictions of Eq. (T1.53) assume a bias), "
                         f"got {sigma_b!r}")
    lmax = integer("lmax", lmax, 1, 100_000)
    Mr = integer("Mr", Mr, 4, 340)
    k_lo, k_hi = _check_window("k_window", k_window)
    t_lo, t_hi = _check_window("t_window", t_window)
    n_t = integer("n_t", n_t, 5, 10_000)
    t = np.geomspace(t_lo, t_hi, n_t)
    change = 0.0
    if data == "sphere":
        m = d - 1
        mu = sphere_spectrum(m, lmax, a, part, sigma_w, sigma_b)
        mult = sphere_multiplicity(m, np.arange(lmax + 1)).astype(int)
        lam_all = np.repeat(mu, mult)
        order = np.argsort(-lam_all, kind="stable")
        lam = lam_all[order]
        e = cap_energies(m, lmax, CAP_ANGLE)
        missing = max(sphere_cap_measure(m, CAP_ANGLE) - float(e.sum()), 0.0)
        lam_t, c2_t, lam_floor = np.clip(mu, 0.0, None), e, float(np.abs(mu[-1]))
    else:
        kw = {}
        if data == "gaussian":
            kw = {"scale": 1 / math.sqrt(d), "r_max": float(chi.isf(1e-8, d)) / math.sqrt(d)}
        rs = radial_spectrum(d, min(lmax, 400), a, data, Mr, part, sigma_w, sigma_b, **kw)
        lam = rs.values()
        R = 0.5 if data == "ball" else 1.0
        c2_t, total = rs.radial_target((rs.r < R).astype(float))
        lam_t = np.clip(rs.blocks[0], 0.0, None)
        missing = max(total - float(c2_t.sum()), 0.0)
        lam_floor = 0.0
        kmax = int(min(k_hi, lam.size))
        rs2 = radial_spectrum(d, min(lmax, 400), a, data, Mr + Mr // 2, part, sigma_w, sigma_b, **kw)
        lam2 = rs2.values()[:kmax]
        ref = lam[:kmax]
        ok = ref > RESOLVED * lam[0]
        change = float(np.max(np.abs(lam2[ok] - ref[ok]) / ref[ok])) if ok.any() else 0.0
        # the radial target's loss uses the degree-0 block: its first eigenvalue that moves by more than
        # 1e-2 when the radii are refined is the discretisation floor
        b0, b0r = lam_t, np.clip(rs2.blocks[0][:lam_t.size], 0.0, None)
        moved = np.nonzero(np.abs(b0r - b0) > 1e-2 * np.maximum(b0, 1e-300))[0]
        lam_floor = float(b0[moved[0]]) if moved.size else 0.0
    if lam.size < k_hi:
        raise ValueError(f"`k_window` = {k_window}: only {lam.size} modes computed (raise `lmax`)")
    if lam_floor * t_hi > 1e-2 and not a.smooth:
        raise ValueError(f"`t_window` = {t_window}: modes beyond the resolved spectrum (lam ~ {lam_floor:.3g}) "
                         "are learned inside the window; lower t_hi or raise `lmax`/`Mr`")
    k = np.arange(1, lam.size + 1, dtype=float)
    resolved = (k <= k_hi) & (lam > RESOLVED * lam[0])
    k_local = float(k[resolved][-1])
    try:
        nu_local = local_exponent(k, lam, k_local)
    except ValueError as exc:
        raise ValueError(f"`k_window` = {k_window}: too few resolved modes for the local exponent ({exc})") from None
    if a.smooth:
        nu, nu_u = float("nan"), float("nan")
    else:
        fit = fit_spectrum_exponent(lam, k_lo, k_hi, method="offset")
        nu, nu_u = float(fit.exponent), float(fit.uncertainty)
    L = loss_gradient_flow(lam_t, c2_t, t, missing=missing)
    xi, xi_u = _loss_fit(t, L, (t_lo, t_hi))
    return ExponentMeasurement(a.name, data, d, part, k, lam, t, L, nu, nu_u, nu_local, k_local, xi, xi_u,
                               change, {"k": (k_lo, k_hi), "t": (t_lo, t_hi)})
