"""Loss trajectories and constants of Velikanov & Yarotsky (2021) (notes 01 §2.3, §3).

* Gradient flow: ``L(t) = 1/2 sum_k c_k^2 exp(-2 lam_k t) + 1/2 E_miss``.
* GD with step eta: ``L_n = 1/2 sum_k c_k^2 (1 - eta lam_k)^{2n} + 1/2 E_miss`` (stable iff
  ``eta < 2/lam_max``).  ``E_miss`` is the energy of modes not in the arrays (truncation).
* Theorem A: ``lam_k ~ Lam k^-nu``, ``s_k ~ K k^-kappa`` => ``L(t) ~ (K/2) Gamma(kappa/nu + 1)
  (2 Lam t)^(-kappa/nu)``.
* Boundary constant (notes 01 §3.4): ``C = (1/2pi) Gamma(1 + 1/beta) int_{dOmega} h^2 p^{1-1/beta}
  (2 phi_x(n_x))^{-1/beta} dS`` with ``beta = d + alpha`` (ReLU full NTK: alpha = 1) and the
  symbol ``phi_x(n) = sigma_w c_d |x~|^2/(2 pi sigma_b) (1 + sigma_w^2 (x.n)^2/sigma_b^2)^{-(d+1)/2}``,
  ``c_d = 2^d pi^{(d-1)/2} Gamma((d+1)/2)``.
"""
from __future__ import annotations

import math

import numpy as np

from .._validation import integer
from ..fits import fit_power_law

__all__ = ["loss_gradient_flow", "loss_gd", "theorem_constant", "xi_exponent", "nu_exponent",
           "kappa_exponent", "c_d", "relu_symbol", "boundary_constant_1d",
           "boundary_constant_ball", "boundary_constant_sphere", "fit_loss_exponent", "ALPHA"]

# order of the diagonal singularity: (activation order m, part) -> alpha  (notes 01 §3.4)
ALPHA = {(1, "full"): 1, (1, "output"): 3, (2, "full"): 3, (2, "output"): 5, (0, "output"): 1}


def _spectrum(lam, c2):
    lam = np.asarray(lam, dtype=float)
    c2 = np.asarray(c2, dtype=float)
    if lam.ndim != 1 or lam.shape != c2.shape:
        raise ValueError(f"`lam` and `c2` must be 1-D arrays of equal length, got {lam.shape}, {c2.shape}")
    if not (np.all(np.isfinite(lam)) and np.all(np.isfinite(c2))) or np.any(c2 < 0):
        raise ValueError("`lam` must be finite and `c2` finite and >= 0")
    if np.any(lam < -1e-12 * max(1.0, np.abs(lam).max())):
        raise ValueError("`lam` must be >= 0 (a PSD operator); got a negative eigenvalue "
                         f"{lam.min():.3g}")
    return np.clip(lam, 0, None), c2


def _missing(missing):
    if not (np.isfinite(missing) and missing >= 0):
        raise ValueError(f"`missing` (energy of truncated modes) must be finite and >= 0, got {missing!r}")
    return float(missing)


def loss_gradient_flow(lam, c2, t, missing=0.0):
    """``L(t) = 1/2 sum_k c2_k exp(-2 lam_k t) + missing/2`` at times ``t >= 0`` (notes 01 §2.3)."""
    lam, c2 = _spectrum(lam, c2)
    missing = _missing(missing)
    t = np.asarray(t, dtype=float)
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError("times `t` must be finite and >= 0")
    tt = np.atleast_1d(t)
    out = np.array([0.5 * np.dot(c2, np.exp(-2.0 * lam * ti)) for ti in tt]) + 0.5 * missing
    return out.reshape(t.shape)


def loss_gd(lam, c2, eta, n, missing=0.0):
    """``L_n = 1/2 sum_k c2_k (1 - eta lam_k)^{2n} + missing/2`` after ``n`` GD steps (notes 01 §2.3).

    Raises ``ValueError`` unless ``0 < eta < 2/lam_max`` (GD diverges otherwise).
    """
    lam, c2 = _spectrum(lam, c2)
    missing = _missing(missing)
    lmax = float(lam.max())
    if not (np.isfinite(eta) and 0 < eta < 2.0 / lmax):
        raise ValueError(f"step `eta` must satisfy 0 < eta < 2/lam_max = {2.0 / lmax:.6g}, got {eta!r}")
    n = np.asarray(n)
    if np.any(n < 0):
        raise ValueError("step counts `n` must be >= 0")
    q = np.log(np.abs(1.0 - eta * lam) + 1e-300)
    nn = np.atleast_1d(n).astype(float)
    out = np.array([0.5 * np.dot(c2, np.exp(2.0 * ni * q)) for ni in nn]) + 0.5 * missing
    return out.reshape(n.shape)


def theorem_constant(K, Lam, nu, kappa):
    """Theorem A constant ``C = (K/2) Gamma(kappa/nu + 1) (2 Lam)^{-kappa/nu}`` so ``L ~ C t^{-kappa/nu}``."""
    for name, v in (("K", K), ("Lam", Lam), ("nu", nu), ("kappa", kappa)):
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"`{name}` must be finite and > 0, got {v!r}")
    xi = kappa / nu
    return 0.5 * K * math.gamma(xi + 1) * (2 * Lam) ** (-xi)


def nu_exponent(d, alpha):
    """Eigenvalue exponent ``nu = 1 + alpha/d`` (notes 01 §3.2)."""
    return 1 + alpha / integer("d", d, 1)


def kappa_exponent(d, s=0):
    """Tail exponent of a target with a jump in its s-th derivative on a smooth surface:
    ``kappa = (2s+1)/d`` (indicator: s = 0, kappa = 1/d; notes 01 §3.3-3.4)."""
    return (2 * s + 1) / integer("d", d, 1)


def xi_exponent(d, alpha=1, s=0):
    """Loss exponent ``xi = kappa/nu = (2s+1)/(d+alpha)`` (notes 01 §3.4)."""
    return kappa_exponent(d, s) / nu_exponent(d, alpha)


def c_d(d):
    """``c_d = 2^d pi^{(d-1)/2} Gamma((d+1)/2)``: Fourier transform of ``-|z|`` is ``c_d/|w|^{d+1}``."""
    d = integer("d", d, 1)
    return 2 ** d * math.pi ** ((d - 1) / 2) * math.gamma((d + 1) / 2)


def relu_symbol(d, x_norm2, xn, sigma_w=1.0, sigma_b=1.0):
    """Symbol ``phi_x(n)`` of the ReLU full NTK in flat ``R^d`` (notes 01 §3.2); ``x_norm2 = |x|^2``,
    ``xn = x . n``."""
    d = integer("d", d, 1)
    xt2 = sigma_w ** 2 * x_norm2 + sigma_b ** 2
    return sigma_w * c_d(d) * xt2 / (2 * math.pi * sigma_b) * (1 + sigma_w ** 2 * xn ** 2 / sigma_b ** 2) ** (-(d + 1) / 2)


def boundary_constant_1d(jumps, heights, density, sigma_w=1.0, sigma_b=1.0):
    """1D ReLU full NTK: ``C = sum_j h_j^2 sqrt(p(x_j)) / (4 sqrt(2 sigma_w sigma_b))`` (notes 01 §3.4);
    ``density`` is a callable p(x)."""
    jumps = np.atleast_1d(np.asarray(jumps, dtype=float))
    heights = np.atleast_1d(np.asarray(heights, dtype=float))
    if jumps.shape != heights.shape:
        raise ValueError("`jumps` and `heights` must have the same length")
    p = np.array([float(density(x)) for x in jumps])
    if np.any(p <= 0):
        raise ValueError("the density must be > 0 at every jump")
    return float(np.sum(heights ** 2 * np.sqrt(p)) / (4 * math.sqrt(2 * sigma_w * sigma_b)))


def boundary_constant_ball(d, R, h=1.0, sigma_w=1.0, sigma_b=1.0, alpha=1):
    """Boundary constant for ``h 1{|x| < R}`` with data uniform in the unit d-ball (ReLU full NTK)."""
    d = integer("d", d, 1)
    if not (0 < R < 1):
        raise ValueError(f"`R` must be in (0, 1) (inside the support), got {R!r}")
    beta = d + alpha
    vol = math.pi ** (d / 2) / math.gamma(d / 2 + 1)
    area = 2 * math.pi ** (d / 2) / math.gamma(d / 2) * R ** (d - 1)
    p = 1 / vol
    phi = relu_symbol(d, R * R, R, sigma_w, sigma_b)
    return (1 / (2 * math.pi)) * math.gamma(1 + 1 / beta) * area * h ** 2 * p ** (1 - 1 / beta) * (2 * phi) ** (-1 / beta)


def boundary_constant_sphere(m, beta, h=1.0, sigma_w=1.0, sigma_b=1.0, alpha=1):
    """Boundary constant for the cap indicator ``h 1{x.e >= cos beta}`` on ``S^m`` (ReLU full NTK).

    The notes' boundary formula (§3.4) applied intrinsically on the sphere [our derivation, checked
    numerically in notebook 02]: in tangent directions ``n`` (``x.n = 0``) the singular part of
    ``Theta_in`` is ``-(sigma_w |x~| / 2pi) |z|`` (no anisotropy), so ``phi = sigma_w c_m |x~| / (2 pi)``
    with ``|x~| = (sigma_w^2 + sigma_b^2)^{1/2}``; density ``p = 1/|S^m|``; boundary area
    ``|S^{m-1}| sin^{m-1} beta``; ``beta_exp = m + alpha``.
    """
    m = integer("m", m, 1)
    if not (0 < beta < math.pi):
        raise ValueError(f"`beta` must be in (0, pi), got {beta!r}")
    b = m + alpha
    xt = math.sqrt(sigma_w ** 2 + sigma_b ** 2)
    phi = sigma_w * c_d(m) * xt / (2 * math.pi)
    area_m = 2 * math.pi ** ((m + 1) / 2) / math.gamma((m + 1) / 2)
    area_b = 2 * math.pi ** (m / 2) / math.gamma(m / 2) * math.sin(beta) ** (m - 1)
    p = 1 / area_m
    return (1 / (2 * math.pi)) * math.gamma(1 + 1 / b) * area_b * h ** 2 * p ** (1 - 1 / b) * (2 * phi) ** (-1 / b)


def fit_loss_exponent(t, L, t_lo, t_hi):
    """Fit ``L(t) ~ C t^-xi`` on ``[t_lo, t_hi]`` (notes 01 §5.0 fit rule); returns the PowerLawFit."""
    if not (0 < t_lo < t_hi <= np.max(t)):
        raise ValueError(f"loss fit window [{t_lo:g}, {t_hi:g}] must lie inside the time grid "
                         f"(0, {np.max(t):g}]")
    return fit_power_law(t, L, t_lo, t_hi)
