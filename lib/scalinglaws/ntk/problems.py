"""Ready-made problems of chapter 1: the spectra ``(lam_k, c_k^2)`` of one discretisation of the
NTK integral operator and a target (1-D Nystrom grid, cap indicator on the sphere, ball indicator)."""
from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from .._validation import array, choice, integer, real
from .kernels import check_activation, ntk_1d
from .spectra import (ball_radial_operator, cap_energies, gram_eigen, grid_1d, sphere_cap_measure,
                      sphere_ntk_spectrum)

__all__ = ["gram_problem_1d", "sphere_problem", "ball_problem"]


def gram_problem_1d(M, target, act=1, part="full", density="uniform", sigma_w=1.0, sigma_b=1.0):
    """1D Nyström problem on a quadrature grid (Eq. (T1.36)).

    ``density="uniform"``: midpoint grid on [0, 1]; ``"gaussian"``: N(0, 1) quantile grid
    ``x_i = Phi^{-1}((i + 1/2)/M)``.  ``target`` is a callable ``f*(x)``.  Returns ``(x, lam, c2)``
    with ``A = K(x, x)/M``, ``y~ = f*(x)/sqrt(M)``.  ``2 <= M <= 20000`` an integer, ``target(x)``
    finite of shape ``(M,)``, ``act``/``part``/``sigma_*`` as for :func:`ntk_1d`; ``ValueError``
    otherwise.
    """
    M = integer("M", M, 2, 20000)
    choice("density", density, ("uniform", "gaussian"))
    check_activation(act, part, m_name="act")
    if not callable(target):
        raise ValueError(f"`target` must be a callable f*(x), got {target!r}")
    x = grid_1d(M) if density == "uniform" else ndtri(grid_1d(M))
    y = array("target(x)", target(x), shape=(M,))
    A = ntk_1d(x, m=act, part=part, sigma_w=sigma_w, sigma_b=sigma_b) / M
    lam, c2 = gram_eigen(A, y / math.sqrt(M))
    return x, lam, c2


def sphere_problem(m, lmax, beta=1.0, act=1, part="full", sigma_w=1.0, sigma_b=1.0):
    """Cap indicator on ``S^m``, exact Funk-Hecke spectrum per degree (Eqs. (T1.28), (T1.30)).

    Returns ``(mu, e, missing)``: per-degree eigenvalues, per-degree target energies and the energy
    of the degrees above ``lmax`` (``tau(cap) - sum e``), to be passed as ``missing``.  Ranges as for
    :func:`sphere_ntk_spectrum` and :func:`cap_energies`; ``ValueError`` otherwise.
    """
    mu = sphere_ntk_spectrum(m, lmax, act, part, sigma_w, sigma_b)
    e = cap_energies(m, lmax, beta)
    missing = max(sphere_cap_measure(m, beta) - float(e.sum()), 0.0)
    return mu, e, missing


def ball_problem(d, Mr, R=0.5, act=1, part="full", sigma_w=1.0, sigma_b=1.0):
    """``1{|x| < R}`` with data uniform in the unit d-ball, radial block (Eqs. (T1.33)-(T1.34)).
    Returns ``(lam, c2)``.  ``0 < R < 1``; other ranges as for :func:`ball_radial_operator`;
    ``ValueError`` otherwise."""
    R = real("R", R, 0.0, 1.0, lo_open=True, hi_open=True)
    A, r, w = ball_radial_operator(d, Mr, act, part, sigma_w, sigma_b)
    return gram_eigen(A, np.sqrt(w) * (r < R))
