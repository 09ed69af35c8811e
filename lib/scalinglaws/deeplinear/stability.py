"""The lazy edge of stability of a plain deep linear network in the proportional limit, from free probability.

Derived on the theory page of paper 3, Eqs. (T3.50)-(T3.58); (E1)-(E4) below are Eqs. (T3.50), (T3.51),
(T3.53) and (T3.54) there.

Why the edge is not ``2/((L+1) lambda_max(Sigma_hat))``
-------------------------------------------------------
With the network of :mod:`.simulation` (``h^1 = W^0 x/sqrt(D)``, ``h^{l+1} = W^l h^l/sqrt(N)``,
``f = w.h^L/(gamma0 sqrt(nu N)) = beta.x/sqrt(D)``, raw LR ``eta0 gamma0^2 N``) one GD step with
all features frozen at initialisation moves the effective predictor by

    beta <- beta - eta0 K e,        e = Sigma_hat (beta - beta*)   (population GD: Sigma_hat = I)     (E1)

where ``K`` is the network's NTK at initialisation in units of ``eta0`` (``gamma0`` cancels against
the raw LR, so ``K`` is the same under muP and NTK scaling).  The update of ``W^l`` contributes
``(|g^{l+1}|^2/N) F_l^T F_l/nu`` with ``F_l = W^{l-1}...W^0/(sqrt(D) N^{(l-1)/2})`` (``l = 0``: the
identity), and ``|g|^2/N -> 1``, so in the proportional limit

    K = I_D + W0^T M_1 W0/N,   M_l = I_N + W^l^T M_{l+1} W^l/N  (l = L-1..1),   M_L = I_N          (E2)

(mean eigenvalue ``L + 1``: each of the ``L + 1`` weight matrices contributes 1).  The frozen
dynamics (E1) are stable iff ``eta0 lambda_max(K Sigma_hat) < 2``.  As ``nu -> inf``, ``K -> (L+1) I``
and the edge is the familiar ``2/((L+1) lambda_max(Sigma_hat))``; at finite ``nu`` the top of the
spectrum of ``K`` is several times its mean (3.6x at ``L = 2``, ``nu = 1``).

Free compound Poisson, nested
-----------------------------
For ``B = W^T M W/N`` with ``W`` an ``N x n`` Gaussian matrix independent of ``M`` and
``r = N/n``, ``B`` is a free compound Poisson matrix: its free cumulants are

    kappa_k(B) = r^{1-k} m_k(M),        m_k(M) = tr(M^k)/N                                          (E3)

and its Stieltjes transform ``m_B(z) = tr (B - z)^-1/n`` solves

    z = -1/m_B + (r/m_B) [1 - (r/m_B) m_M(-r/m_B)].                                                 (E4)

(E2) is (E3) nested ``L`` times (``r = 1`` for the ``N x N`` layers, ``r = nu`` for ``W^0``), each
level followed by the shift ``M = I + B``.  Full-batch GD on ``P = alpha D`` samples adds one more
level without the shift: the non-zero spectrum of ``K Sigma_hat`` is that of ``X K X^T/(alpha D)``,
a compound Poisson of ``K`` with ``r = 1/alpha``.

Moments (:func:`ntk_moments`) follow from (E3) through the moment-cumulant relation
``M(x) = 1 + sum_k kappa_k x^k M(x)^k`` of the moment series ``M(x) = sum_n m_n x^n``; every term is
positive, so there is no cancellation.

The edge (:func:`stability_edge`): on the real axis above the spectrum all Stieltjes transforms are
real, and (E4) can be run *upwards*: choose the bottom level's ``m = s < 0``; then ``z`` of that level
is explicit, the next level's ``m = -r/(z + 1)`` and its ``z`` are explicit, and so on to the top.
``s -> 0^-`` is ``z -> +inf`` at every level; decreasing ``s`` moves every ``z`` down until the
first level whose ``dz/ds`` vanishes (its square-root edge).  The top's ``z`` at that ``s*`` is the
top edge of the spectrum.  ``s*`` is found by a scan of ``s`` on a geometric grid and Brent's method
on ``dz/ds`` (forward-mode derivatives, exact).

Checked in ``tests/test_dl_stability.py``: moments against the lazy limit of our DMFT
(``gamma0 -> 0``; its response function is a moment generating function of ``K Sigma_hat``) and
against exact traces of sampled matrices; the edge against the largest eigenvalue of sampled
``K Sigma_hat`` (Lanczos, ``D`` up to 3000, finite-``D`` bias below the edge) and against the lazy
DMFT's decay below and growth above it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .._validation import choice, finite_result, integer, positive

__all__ = ["StabilityEdge", "StabilityEdgeError", "stability_edge", "ntk_moments"]

_MAX_DEPTH = 1000
_MAX_MOMENT = 400


class StabilityEdgeError(RuntimeError):
    """The edge solver could not locate the top edge (never seen for valid inputs; raised rather
    than returning a wrong number)."""


@dataclass(frozen=True)
class StabilityEdge:
    """Lazy stability edge of a plain deep linear network at initialisation, ``D -> inf``.

    ``lam_max``: top of the spectrum of ``K Sigma_hat`` (population GD: of ``K``), in units where
    the step is ``eta0 K e`` (module docstring, (E1)); ``eta_max = 2/lam_max``: the largest
    ``eta0`` at which GD with frozen features is stable; ``ntk_mean = L + 1``: the mean eigenvalue
    of ``K``; ``infinite_width_eta_max = 2/((L+1)(1 + alpha^{-1/2})^2)`` (population:
    ``2/(L+1)``), the edge of the ``nu -> inf`` limit, for comparison.
    """
    L: int
    nu: float
    alpha: float | None
    parameterization: str
    lam_max: float
    eta_max: float
    ntk_mean: float
    infinite_width_eta_max: float

    def ratio(self, eta0):
        """``eta0 lam_max``: below 2 inside the edge, above 2 beyond it."""
        return positive("eta0", eta0) * self.lam_max


def _check(L, nu, alpha, parameterization):
    L = integer("L", L, 1, _MAX_DEPTH)
    nu = positive("nu", nu, allow_inf=True)
    alpha = None if alpha is None else positive("alpha", alpha, allow_inf=True)
    if alpha == math.inf:
        alpha = None          # infinitely many samples: population GD
    parameterization = choice("parameterization", parameterization, ("mup", "ntk"))
    return L, nu, alpha, parameterization


def _chain(s, L, nu, alpha):
    """Run (E4) upwards from the bottom level's ``m = s`` (an array of negatives).  Returns the list
    of ``dz/ds`` of every level (bottom first, the top last) and ``z`` of the top, all arrays."""
    rs = [1.0] * (L - 1) + [nu]
    r = rs[0]
    m, dm = s, np.ones_like(s)
    z = -1.0 / m + r / (m + r)                      # inner M_L = I: m_M(w) = 1/(1 - w)
    dz = dm / m ** 2 - r * dm / (m + r) ** 2
    ders = [dz]
    mM, dmM = m, dm                                 # m of M = I + B at w = z + 1
    w, dw = z + 1.0, dz
    levels = rs[1:] + ([1.0 / alpha] if alpha is not None else [])
    shifts = [1.0] * (len(rs) - 1) + ([0.0] if alpha is not None else [])
    for r, shift in zip(levels, shifts):
        m, dm = -r / w, r * dw / w ** 2
        q, dq = r / m, -r * dm / m ** 2
        z = -1.0 / m + q * (1.0 - q * mM)
        dz = dm / m ** 2 + dq * (1.0 - q * mM) - q * (dq * mM + q * dmM)
        ders.append(dz)
        mM, dmM = m, dm
        w, dw = z + shift, dz
    top = w if alpha is None else w / alpha      # K: z + 1; K Sigma_hat: z of X K X^T/D, divided by alpha
    return ders, top


def _edge(L, nu, alpha):
    if nu == math.inf:
        data = 1.0 if alpha is None else (1.0 + 1.0 / math.sqrt(alpha)) ** 2
        return (L + 1) * data
    r0 = 1.0 if L > 1 else nu
    s_c = -r0 / (1.0 + math.sqrt(r0))              # the bottom level's own square-root edge
    # past u = 1 (the bottom's edge, where its dz/ds = 0 up to rounding) but short of its pole at
    # s = -r0 (u = 1 + sqrt(r0))
    u = np.geomspace(1e-12, 1.0 + 0.5 * math.sqrt(r0), 6001)
    with np.errstate(all="ignore"):
        ders, _ = _chain(u * s_c, L, nu, alpha)
    D = np.vstack(ders)                           # (levels, grid)
    if not np.all(np.isfinite(D)):
        raise StabilityEdgeError(f"non-finite derivative in the edge scan (L = {L}, nu = {nu}, alpha = {alpha})")
    bad = np.flatnonzero((D <= 0).any(axis=0))
    if bad.size == 0 or bad[0] == 0:
        raise StabilityEdgeError(f"no edge found in the scan (L = {L}, nu = {nu}, alpha = {alpha})")
    i = bad[0]
    j = int(np.flatnonzero(D[:, i] <= 0)[0])       # the first level to reach its edge

    def f(uu):
        return float(_chain(np.array([uu * s_c]), L, nu, alpha)[0][j][0])
    if f(u[i - 1]) <= 0:
        raise StabilityEdgeError(f"edge bracket lost (L = {L}, nu = {nu}, alpha = {alpha})")
    u_star = u[i] if f(u[i]) == 0 else brentq(f, u[i - 1], u[i], xtol=1e-15, rtol=1e-14, maxiter=200)
    top = float(_chain(np.array([u_star * s_c]), L, nu, alpha)[1][0])
    return top


def stability_edge(L, nu, *, alpha=None, parameterization="mup"):
    """Exact ``D -> inf`` lazy stability edge of a plain deep linear network (module docstring, (E1)-(E4)).

    Parameters
    ----------
    L : hidden layers, integer in [1, 1000].
    nu : width ratio ``N/D > 0``; ``np.inf`` gives the infinite-width limit ``K = (L+1) I``.
    alpha : data ratio ``P/D > 0`` for full-batch GD; ``None`` (or ``np.inf``) for population GD.
    parameterization : ``"mup"`` or ``"ntk"``.  With the raw LR ``eta0 gamma0^2 N`` of this
        subpackage the frozen NTK in units of ``eta0`` does not depend on ``gamma0``, so the edge
        is the same for both (recorded in the result so that a caller's setting is explicit).

    Returns a :class:`StabilityEdge` (``lam_max``, ``eta_max = 2/lam_max``, ...).  ``eta0 < eta_max``
    is the stability condition of GD with features frozen at initialisation; rich training moves
    the features and with them the edge (at ``gamma0 ~ 1`` and moderate depth it stays close).
    Online SGD has no such deterministic edge and is not covered, nor are residual networks.
    Raises ``ValueError`` for bad inputs and :class:`StabilityEdgeError` if the scan fails.
    """
    L, nu, alpha, parameterization = _check(L, nu, alpha, parameterization)
    lam = finite_result("lam_max", _edge(L, nu, alpha))
    data = 1.0 if alpha is None else (1.0 + 1.0 / math.sqrt(alpha)) ** 2
    if not lam > 0:
        raise StabilityEdgeError(f"edge came out non-positive ({lam}) for L = {L}, nu = {nu}, alpha = {alpha}")
    return StabilityEdge(L=L, nu=nu, alpha=alpha, parameterization=parameterization, lam_max=lam,
                         eta_max=2.0 / lam, ntk_mean=float(L + 1), infinite_width_eta_max=2.0 / ((L + 1) * data))


def _fcp_moments(mM, r, n):
    """Moments 0..n of ``B = W^T M W/N`` from those of ``M`` (E3): free cumulants
    ``kappa_k = r^{1-k} m_k(M)`` and ``M(x) = 1 + sum_k kappa_k x^k M(x)^k`` solved coefficient by
    coefficient (coefficient ``n`` of the right side needs those of ``M`` below ``n`` only)."""
    kap = np.array([0.0] + [r ** (1 - k) * mM[k] for k in range(1, n + 1)])
    out = np.zeros(n + 1)
    out[0] = 1.0
    for deg in range(1, n + 1):
        # coefficient deg of sum_k kappa_k x^k M^k, with M known to degree deg - 1
        Mt = out[:deg]
        P = np.zeros(deg)
        P[0] = 1.0
        c = 0.0
        for k in range(1, deg + 1):
            P = np.convolve(P, Mt)[:deg]              # M^k truncated to degree deg-1
            c += kap[k] * P[deg - k]
        out[deg] = c
    return out


def _shift(m):
    """Moments of ``I + B`` from those of ``B`` (binomial)."""
    n = m.size - 1
    return np.array([sum(math.comb(k, j) * m[j] for j in range(k + 1)) for k in range(n + 1)])


def ntk_moments(L, nu, n, *, alpha=None):
    """Normalised trace moments ``tr((K Sigma_hat)^k)/D``, ``k = 0..n``, of the frozen NTK (E2)
    times the sample covariance (population GD, ``alpha=None``: of ``K``), exact as ``D -> inf``
    from the nested free cumulants (E3).

    ``L`` integer in [1, 1000]; ``nu > 0`` (``np.inf``: ``K = (L+1) I``); ``n`` integer in
    [0, 400]; ``alpha > 0`` or ``None``.  Raises ``ValueError`` otherwise (also if a moment
    overflows float64).  ``m_1 = L + 1`` for any ``alpha``.
    """
    L, nu, alpha, _ = _check(L, nu, alpha, "mup")
    n = integer("n", n, 0, _MAX_MOMENT)
    with np.errstate(over="ignore", invalid="ignore"):
        if nu == math.inf:
            m = (L + 1.0) ** np.arange(n + 1)
        else:
            m = np.ones(n + 1)
            for r in [1.0] * (L - 1) + [nu]:
                m = _shift(_fcp_moments(m, r, n))
        if alpha is not None:
            mB = _fcp_moments(m, 1.0 / alpha, n)
            k = np.arange(n + 1)
            m = np.where(k == 0, 1.0, alpha ** (1.0 - k) * mB)
    if not np.all(np.isfinite(m)):
        raise ValueError(f"`n` = {n}: the moments overflow float64 at L = {L}, nu = {nu}, alpha = {alpha}; use a smaller `n`")
    return m
