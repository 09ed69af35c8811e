"""Loss trajectories and constants of Velikanov & Yarotsky (2021) (theory page
``chapters/theory/p1_universal.md``, Eqs. (T1.8)-(T1.35)).

* Gradient flow: ``L(t) = 1/2 sum_k c_k^2 exp(-2 lam_k t) + 1/2 E_miss``, Eq. (T1.8).
* GD with step eta: ``L_n = 1/2 sum_k c_k^2 (1 - eta lam_k)^{2n} + 1/2 E_miss`` (stable iff
  ``eta < 2/lam_max``), Eq. (T1.9).  ``E_miss`` is the energy of modes not in the arrays (truncation).
* Theorem A: ``lam_k ~ Lam k^-nu``, ``s_k ~ K k^-kappa`` => ``L(t) ~ (K/2) Gamma(kappa/nu + 1)
  (2 Lam t)^(-kappa/nu)``, Eq. (T1.12); paper Thm 1.
* Boundary constant, Eq. (T1.25) (our derivation):
  ``C = (1/2pi) Gamma(1 + 1/beta) int_{dOmega} h^2 p^{1-1/beta} (2 phi_x(n_x))^{-1/beta} dS``
  with ``beta = d + alpha`` (ReLU full NTK: alpha = 1) and the symbol
  ``phi_x(n) = sigma_w c_d |x~|^2/(2 pi sigma_b) (1 + sigma_w^2 (x.n)^2/sigma_b^2)^{-(d+1)/2}``,
  ``c_d = 2^d pi^{(d-1)/2} Gamma((d+1)/2)``, Eq. (T1.17).
"""
from __future__ import annotations

import math

import numpy as np

from .._validation import array, integer, nonnegative, positive, real
from ..fits import fit_power_law
from . import _checks

__all__ = ["loss_gradient_flow", "loss_gd", "theorem_constant", "xi_exponent", "nu_exponent",
           "kappa_exponent", "c_d", "relu_symbol", "boundary_constant_1d",
           "boundary_constant_ball", "boundary_constant_sphere", "fit_loss_exponent", "ALPHA"]

# order of the diagonal singularity: (activation order m, part) -> alpha  (Eq. (T1.14))
ALPHA = {(1, "full"): 1, (1, "output"): 3, (2, "full"): 3, (2, "output"): 5, (0, "output"): 1}


def _spectrum(lam, c2):
    lam = array("lam", lam, ndim=1)
    c2 = array("c2", c2, ndim=1, lo=0.0)
    if lam.shape != c2.shape:
        raise ValueError(f"`lam` and `c2` must be 1-D arrays of equal length, got {lam.shape}, {c2.shape}")
    if np.any(lam < -1e-12 * max(1.0, np.abs(lam).max())):
        raise ValueError("`lam` must be >= 0 (a PSD operator); got a negative eigenvalue "
                         f"{lam.min():.3g}")
    return np.clip(lam, 0, None), c2


def _missing(missing):
    # the energy of truncated modes
    return nonnegative("missing", missing)


def loss_gradient_flow(lam, c2, t, missing=0.0):
    """``L(t) = 1/2 sum_k c2_k exp(-2 lam_k t) + missing/2`` at times ``t >= 0`` (Eq. (T1.8)).

    ``lam`` (>= 0, round-off negatives clipped) and ``c2`` (>= 0): finite, non-empty 1-D arrays of
    one length; ``t``: a finite, non-empty array (or scalar) >= 0; ``missing`` finite >= 0.
    Raises ``ValueError`` otherwise."""
    lam, c2 = _spectrum(lam, c2)
    missing = _missing(missing)
    t = array("t", t, lo=0.0)
    tt = np.atleast_1d(t)
    out = np.array([0.5 * np.dot(c2, np.exp(-2.0 * lam * ti)) for ti in tt]) + 0.5 * missing
    return out.reshape(t.shape)


def loss_gd(lam, c2, eta, n, missing=0.0):
    """``L_n = 1/2 sum_k c2_k (1 - eta lam_k)^{2n} + missing/2`` after ``n`` GD steps (Eq. (T1.9)).

    Raises ``ValueError`` unless ``0 < eta < 2/lam_max`` (GD diverges otherwise); ``lam``, ``c2``,
    ``missing`` as for :func:`loss_gradient_flow`; ``n``: step counts (integers >= 0, scalar or
    array; whole-number floats accepted).
    """
    lam, c2 = _spectrum(lam, c2)
    missing = _missing(missing)
    lmax = float(lam.max())
    eta = positive("eta", eta)
    if lmax > 0 and not eta < 2.0 / lmax:
        raise ValueError(f"step `eta` must satisfy 0 < eta < 2/lam_max = {2.0 / lmax:.6g}, got {eta!r}")
    n = _checks.steps("n", n)
    q = np.log(np.abs(1.0 - eta * lam) + 1e-300)
    nn = np.atleast_1d(n).astype(float)
    out = np.array([0.5 * np.dot(c2, np.exp(2.0 * ni * q)) for ni in nn]) + 0.5 * missing
    return out.reshape(n.shape)


def theorem_constant(K, Lam, nu, kappa):
    """Theorem A constant ``C = (K/2) Gamma(kappa/nu + 1) (2 Lam)^{-kappa/nu}`` so ``L ~ C t^{-kappa/nu}``
    (Eq. (T1.12); paper Thm 1).

    ``K, Lam, nu, kappa``: finite numbers > 0; ``ValueError`` otherwise or if ``C`` overflows or
    underflows double precision (computed in log space)."""
    K, Lam, nu, kappa = (positive(n, v) for n, v in (("K", K), ("Lam", Lam), ("nu", nu), ("kappa", kappa)))
    xi = kappa / nu
    logC = math.log(0.5 * K) + math.lgamma(xi + 1) - xi * math.log(2 * Lam)
    if not -700 < logC < 700:
        raise ValueError(f"`K`, `Lam`, `nu`, `kappa`: the constant C = exp({logC:.4g}) is outside double precision")
    return math.exp(logC)


def nu_exponent(d, alpha):
    """Eigenvalue exponent ``nu = 1 + alpha/d`` (Eq. (T1.19); the paper's main result); ``d >= 1``
    an integer, ``alpha`` a finite number > 0 (the order of the kernel's diagonal singularity);
    ``ValueError`` otherwise."""
    return 1 + positive("alpha", alpha) / integer("d", d, 1)


def kappa_exponent(d, s=0):
    """Tail exponent of a target with a jump in its s-th derivative on a smooth surface:
    ``kappa = (2s+1)/d`` (indicator: s = 0, kappa = 1/d; Eq. (T1.21)).  ``d >= 1`` an
    integer, ``s`` a finite number >= 0; ``ValueError`` otherwise."""
    return (2 * nonnegative("s", s) + 1) / integer("d", d, 1)


def xi_exponent(d, alpha=1, s=0):
    """Loss exponent ``xi = kappa/nu = (2s+1)/(d+alpha)`` (Eq. (T1.22)); ranges as for
    :func:`nu_exponent` and :func:`kappa_exponent`."""
    return kappa_exponent(d, s) / nu_exponent(d, alpha)


def c_d(d):
    """``c_d = 2^d pi^{(d-1)/2} Gamma((d+1)/2)``: Fourier transform of ``-|z|`` is ``c_d/|w|^{d+1}``
    (Eq. (T1.17)).

    ``d >= 1`` an integer with ``c_d`` finite in double precision (``d <= 200``); ``ValueError``
    otherwise."""
    d = integer("d", d, 1, 200)
    return 2 ** d * math.pi ** ((d - 1) / 2) * math.gamma((d + 1) / 2)


def relu_symbol(d, x_norm2, xn, sigma_w=1.0, sigma_b=1.0):
    """Symbol ``phi_x(n)`` of the ReLU full NTK in flat ``R^d`` (Eq. (T1.17)); ``x_norm2 = |x|^2``,
    ``xn = x . n`` for a unit normal ``n``.  ``d`` as for :func:`c_d`; ``x_norm2`` a finite number
    >= 0, ``xn`` a finite number with ``xn^2 <= x_norm2`` (Cauchy-Schwarz); ``sigma_w, sigma_b``
    finite and > 0; ``ValueError`` otherwise."""
    d = integer("d", d, 1, 200)
    x_norm2 = nonnegative("x_norm2", x_norm2)
    xn = real("xn", xn)
    if xn * xn > x_norm2 * (1 + 1e-12):
        raise ValueError(f"`xn` = x.n must satisfy xn^2 <= `x_norm2` = |x|^2 for a unit normal n, got {xn!r}")
    sigma_w, sigma_b = _checks.scales(sigma_w, sigma_b)
    xt2 = sigma_w ** 2 * x_norm2 + sigma_b ** 2
    with np.errstate(all="ignore"):
        phi = sigma_w * c_d(d) * xt2 / (2 * math.pi * sigma_b) * (1 + sigma_w ** 2 * xn ** 2 / sigma_b ** 2) ** (-(d + 1) / 2)
    return float(_checks.finite_out(phi, "`sigma_w`, `sigma_b`, `x_norm2`", "the symbol"))


def _pow(x, e):
    # x^e for x > 0 that returns inf (not ZeroDivisionError) where x underflowed to 0
    return math.inf if x == 0 else x ** e


def boundary_constant_1d(jumps, heights, density, sigma_w=1.0, sigma_b=1.0):
    """1D ReLU full NTK: ``C = sum_j h_j^2 sqrt(p(x_j)) / (4 sqrt(2 sigma_w sigma_b))`` (Eq. (T1.26));
    ``density`` is a callable p(x).  ``jumps``, ``heights``: finite, non-empty 1-D arrays (or
    scalars) of one length; ``density(x)`` finite and > 0 at every jump; ``sigma_w, sigma_b``
    finite and > 0; ``ValueError`` otherwise."""
    jumps = array("jumps", jumps, ndim=(0, 1)).reshape(-1)
    heights = array("heights", heights, ndim=(0, 1)).reshape(-1)
    if jumps.shape != heights.shape:
        raise ValueError(f"`jumps` and `heights` must have the same length, got {jumps.size} and {heights.size}")
    sigma_w, sigma_b = _checks.scales(sigma_w, sigma_b)
    if not callable(density):
        raise ValueError(f"`density` must be a callable p(x), got {density!r}")
    p = np.array([real("density(x)", density(x)) for x in jumps])
    if np.any(p <= 0):
        raise ValueError(f"`density` must be > 0 at every jump, got {p.min()!r}")
    C = float(np.sum(heights ** 2 * np.sqrt(p)) / (4 * math.sqrt(2 * sigma_w * sigma_b)))
    return float(_checks.finite_out(C, "`heights`, `density`, `sigma_w`, `sigma_b`", "the constant"))


def boundary_constant_ball(d, R, h=1.0, sigma_w=1.0, sigma_b=1.0, alpha=1):
    """Boundary constant for ``h 1{|x| < R}`` with data uniform in the unit d-ball (ReLU full NTK),
    Eq. (T1.35).

    ``d`` as for :func:`c_d`, ``0 < R < 1`` (inside the support), ``h`` finite, ``sigma_w, sigma_b``
    finite and > 0; ``alpha`` must be 1 (the formula is that of the ReLU full NTK; other kernels
    need their own symbol); ``ValueError`` otherwise."""
    d = integer("d", d, 1, 200)
    R = real("R", R, 0.0, 1.0, lo_open=True, hi_open=True)
    h = real("h", h)
    sigma_w, sigma_b = _checks.scales(sigma_w, sigma_b)
    _checks.alpha_one(alpha)
    beta = d + alpha
    vol = math.pi ** (d / 2) / math.gamma(d / 2 + 1)
    area = 2 * math.pi ** (d / 2) / math.gamma(d / 2) * R ** (d - 1)
    p = 1 / vol
    phi = relu_symbol(d, R * R, R, sigma_w, sigma_b)
    C = (1 / (2 * math.pi)) * math.gamma(1 + 1 / beta) * area * (h * h) * p ** (1 - 1 / beta) * _pow(2 * phi, -1 / beta)
    return float(_checks.finite_out(C, "`h`, `sigma_w`, `sigma_b`", "the constant"))


def boundary_constant_sphere(m, beta, h=1.0, sigma_w=1.0, sigma_b=1.0, alpha=1):
    """Boundary constant for the cap indicator ``h 1{x.e >= cos beta}`` on ``S^m`` (ReLU full NTK).

    The boundary formula Eq. (T1.25) applied intrinsically on the sphere, Eq. (T1.32) [our
    derivation, checked numerically in notebook 02]: in tangent directions ``n`` (``x.n = 0``) the
    singular part of ``Theta_in`` is ``-(sigma_w |x~| / 2pi) |z|`` (no anisotropy), so
    ``phi = sigma_w c_m |x~| / (2 pi)`` with ``|x~| = (sigma_w^2 + sigma_b^2)^{1/2}``; density
    ``p = 1/|S^m|``; boundary area ``|S^{m-1}| sin^{m-1} beta``; ``beta_exp = m + alpha``.
    ``m`` as ``d`` in :func:`c_d`, ``0 < beta < pi``, ``h`` finite, ``sigma_w, sigma_b`` finite and
    > 0; ``alpha`` must be 1 (ReLU full NTK); ``ValueError`` otherwise.
    """
    m = integer("m", m, 1, 200)
    beta = real("beta", beta, 0.0, math.pi, lo_open=True, hi_open=True)
    h = real("h", h)
    sigma_w, sigma_b = _checks.scales(sigma_w, sigma_b)
    _checks.alpha_one(alpha)
    b = m + alpha
    xt = math.sqrt(sigma_w ** 2 + sigma_b ** 2)
    phi = sigma_w * c_d(m) * xt / (2 * math.pi)
    area_m = 2 * math.pi ** ((m + 1) / 2) / math.gamma((m + 1) / 2)
    area_b = 2 * math.pi ** (m / 2) / math.gamma(m / 2) * math.sin(beta) ** (m - 1)
    p = 1 / area_m
    C = (1 / (2 * math.pi)) * math.gamma(1 + 1 / b) * area_b * (h * h) * p ** (1 - 1 / b) * _pow(2 * phi, -1 / b)
    return float(_checks.finite_out(C, "`h`, `sigma_w`, `sigma_b`", "the constant"))


def fit_loss_exponent(t, L, t_lo, t_hi):
    """Fit ``L(t) ~ C t^-xi`` on ``[t_lo, t_hi]`` (Eq. (T1.37)); returns the PowerLawFit.

    ``t`` (>= 0) and ``L``: finite, non-empty 1-D arrays of one length, ``L > 0`` inside the window;
    ``0 < t_lo < t_hi <= max(t)`` with at least 3 times in the window; ``ValueError`` otherwise."""
    t = array("t", t, ndim=1, lo=0.0)
    L = array("L", L, shape=t.shape)
    t_lo = real("t_lo", t_lo, 0.0, lo_open=True)
    t_hi = real("t_hi", t_hi, 0.0, lo_open=True)
    if not (t_lo < t_hi <= t.max()):
        raise ValueError(f"loss fit window [`t_lo`, `t_hi`] = [{t_lo:g}, {t_hi:g}] must lie inside the time grid "
                         f"(0, {t.max():g}]")
    sel = (t >= t_lo) & (t <= t_hi)
    if sel.sum() < 3:
        raise ValueError(f"loss fit window [`t_lo`, `t_hi`] = [{t_lo:g}, {t_hi:g}] holds {int(sel.sum())} times (need 3)")
    if not np.all(L[sel] > 0):
        raise ValueError("`L` must be > 0 inside the fit window [`t_lo`, `t_hi`] (a log-log fit)")
    return fit_power_law(t, L, t_lo, t_hi)
