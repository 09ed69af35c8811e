"""Compute-optimal frontier and the asymptotic exponent table of the random-feature model.

Equation numbers ``Eq. (T2.n)`` refer to the book's theory page for paper 2
(``chapters/theory/p2_dynamical.md``): the frontier is Eq. (T2.42), the exponents Eqs. (T2.37)-(T2.44).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicSpline

from .._validation import array
from . import _checks
from .theory import Spectrum, loss_online

__all__ = ["Frontier", "compute_frontier", "predicted_exponents"]


@dataclass(frozen=True)
class Frontier:
    """Compute-optimal frontier at P = inf, C = N t: ``L*(C) = min_N L(N, C/N)``.

    ``covered`` marks compute values for which at least 4 widths have C/N inside the time grid;
    elsewhere ``L``, ``N`` and ``t`` are NaN.  ``interior`` (a subset of ``covered``) marks compute
    values whose optimum lies strictly inside the N range (only those are meaningful for exponent fits).
    """

    C: np.ndarray
    L: np.ndarray
    N: np.ndarray
    t: np.ndarray
    interior: np.ndarray
    covered: np.ndarray | None = None


def compute_frontier(spec: Spectrum, Ns, t, C, *, n: int = 20, Lgrid=None) -> Frontier:
    """Compute-optimal frontier from the loss surface L(N, t) at P = inf (Eq. (T2.42)).

    The loss is evaluated on the widths ``Ns`` (any positive reals, continuous N) and times ``t``;
    at each compute C the curve log L(N, C/N) is interpolated in log t (cubic) and then in log N
    (cubic spline) and minimised on a fine log-N grid, so N* varies continuously.
    ``Lgrid`` (len(Ns) x len(t)) may be passed to reuse loss curves already computed.
    Raises ValueError unless ``Ns`` has >= 4 strictly increasing widths in [1, M], ``t`` >= 4 strictly
    increasing times in [1e-10, 1e15], ``C`` > 0 finite and ``Lgrid`` (if given) the right shape with
    finite losses > 0.  Compute values outside the surface give NaN with ``covered = False``.
    """
    spec = _checks.spectrum(spec)
    Ns = array("Ns", Ns, ndim=1, min_size=4, lo=1.0, increasing=True)
    if not spec.infinite_M and Ns[-1] > spec.M:
        raise ValueError(f"`Ns` must be <= M = {spec.M} everywhere, got max {Ns[-1]:g}")
    t = _checks.times(t, increasing=True)
    if t.size < 4:
        raise ValueError(f"`t` must have at least 4 times (cubic interpolation in log t), got {t.size}")
    C = array("C", C, ndim=(0, 1), lo=0.0, lo_open=True).reshape(-1)
    n = _checks.n_talbot(n)
    if Lgrid is None:
        Lgrid = np.array([loss_online(spec, N, t, n=n) for N in Ns])
    Lgrid = array("Lgrid", Lgrid, shape=(Ns.size, t.size), lo=0.0, lo_open=True)
    lt, lN = np.log(t), np.log(Ns)
    splines = [CubicSpline(lt, np.log(Lrow)) for Lrow in Lgrid]
    fine = np.linspace(lN[0], lN[-1], 2000)
    Ls, Nst, inter = np.empty(C.size), np.empty(C.size), np.zeros(C.size, bool)
    for i, cc in enumerate(C):
        ltn = np.log(cc) - lN
        ok = (ltn >= lt[0]) & (ltn <= lt[-1])
        if ok.sum() < 4:
            Ls[i] = Nst[i] = np.nan      # flagged: covered[i] is False
            continue
        vals = np.array([splines[j](ltn[j]) for j in np.flatnonzero(ok)])
        sp = CubicSpline(lN[ok], vals)
        f = fine[(fine >= lN[ok][0]) & (fine <= lN[ok][-1])]
        y = sp(f)
        j = int(np.argmin(y))
        Ls[i], Nst[i] = math.exp(y[j]), math.exp(f[j])
        # interior: optimum away from the ends of the usable N range (and of the full N range)
        inter[i] = (0 < j < f.size - 1) and f[j] > lN[ok][1] and f[j] < lN[ok][-2]
    return Frontier(C=C, L=Ls, N=Nst, t=C / Nst, interior=inter, covered=np.isfinite(Ls))


# --------------------------------------------------------------------------- exponent table
def predicted_exponents(a: float, b: float) -> dict:
    """Asymptotic exponents of the model (Eqs. (T2.37)-(T2.44); paper Eqs. 14, 17), as positive numbers
    (L ~ x^-exponent).

    time: (a-1)/b (Eq. (T2.37)); data: min(a-1, 2b) (Eq. (T2.40)); model: min(a-1, b) (Eq. (T2.39), our
    derivation; a secondary summary of the paper says min(a-1, 2b): ``model_summary``,
    ``compute_summary``); compute-optimal (Eq. (T2.43)) with r_t = (a-1)/b, r_N = model exponent:
    N* ~ C^{r_t/(r_t+r_N)}, t* ~ C^{r_N/(r_t+r_N)}, L* ~ C^{-r_t r_N/(r_t+r_N)}.
    Raises ValueError unless a > 1 and b > 0 are finite.
    """
    a, b = _checks.exponents(a, b)
    rt = (a - 1) / b
    rN = min(a - 1, b)
    rN_summary = min(a - 1, 2 * b)
    return dict(time=rt, data=min(a - 1, 2 * b), model=rN, model_summary=rN_summary,
                compute=rt * rN / (rt + rN), N_star=rt / (rt + rN), t_star=rN / (rt + rN),
                compute_summary=rt * rN_summary / (rt + rN_summary))
