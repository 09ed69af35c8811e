"""Private input checks of ``scalinglaws.randomfeatures`` built on the shared ``_validation`` checks.

Theory sizes (``N``, ``P``, ``X``) are real numbers >= 1 or ``np.inf``; time grids are 1-D, finite,
in ``[T_MIN, T_MAX]``; Talbot node counts are integers in ``[N_TALBOT_MIN, N_TALBOT_MAX]``.
"""
from __future__ import annotations

import math

import numpy as np

from .._validation import array, integer, positive, real

__all__: list[str] = []

T_MIN, T_MAX = 1e-10, 1e15          # times of the theory (continuation in t from T_MIN-ish)
N_TALBOT_MIN, N_TALBOT_MAX = 6, 24  # Talbot nodes per half contour accurate in double precision
EXP_FLOOR = 300.0                   # b log10(M) <= 300: the smallest eigenvalue M^-b stays a normal float


def talbot_floor(n: int, dims: int = 1) -> float:
    """Estimated absolute accuracy of the fixed-Talbot inversion, relative to L(0): truncation
    ``10^(-0.6 n)`` plus double-precision round-off, which grows like ``e^(0.4 n)`` per dimension
    (measured on the exact N = P = inf loss with a 10-30x margin; finite N, P of order 1 can be a few
    times worse)."""
    return 10.0 ** (-0.6 * n) + (1e-14 * math.exp(0.4 * n) if dims == 1 else 1e-15 * math.exp(0.8 * n))


def n_talbot(n) -> int:
    return integer("n", n, N_TALBOT_MIN, N_TALBOT_MAX)


def spectrum(spec):
    from .theory import Spectrum
    if not isinstance(spec, Spectrum):
        raise TypeError(f"`spec` must be a Spectrum (see power_law_spectrum), got {type(spec).__name__}")
    return spec


def size(name: str, value, spec=None, *, allow_inf: bool = True) -> float:
    """A theory size: a real number >= 1 (np.inf allowed with ``allow_inf``), <= M for a finite spectrum."""
    what = "a number >= 1" + (" or np.inf" if allow_inf else " and finite")
    v = positive(name, value, allow_inf=allow_inf)
    if v < 1:
        raise ValueError(f"`{name}` must be {what}, got {value!r}")
    if spec is not None and not spec.infinite_M and math.isfinite(v) and v > spec.M:
        raise ValueError(f"`{name}` must be <= M = {spec.M} (with {name} > M the model recovers the truncated "
                         f"target and the comparison is meaningless), got {name} = {v:g}")
    return v


def times(t, name: str = "t", *, increasing: bool = False) -> np.ndarray:
    """A 1-D grid of finite times in [T_MIN, T_MAX] (a scalar becomes a grid of one)."""
    t = array(name, t, ndim=(0, 1), lo=T_MIN, hi=T_MAX)
    return array(name, np.atleast_1d(t), ndim=1, increasing=increasing)


def exponents(a, b, M=None):
    """Problem exponents: a > 1, b > 0 (finite), and M^-b representable (b log10 M <= 300)."""
    a = real("a", a, 1.0, None, lo_open=True)
    b = real("b", b, 0.0, None, lo_open=True)
    if M is not None and b * math.log10(max(float(M), 1.0)) > EXP_FLOOR:
        raise ValueError(f"`b` must satisfy b log10(M) <= {EXP_FLOOR:g} (the smallest eigenvalue M^-b must "
                         f"be a normal double), got b = {b!r} with M = {M}")
    return a, b


def eta(value):
    """GD step: None (gradient flow) or a finite number > 0."""
    return None if value is None else positive("eta", value)


def clip_losses(name: str, L, floor: float):
    """Raise for NaN/inf or negatives below ``-floor``; set values in ``[-floor, 0)`` to 0 (they are
    zero within the documented accuracy of the inversion)."""
    from .theory import ConvergenceError
    L = np.asarray(L, float)
    if not np.all(np.isfinite(L)):
        raise ConvergenceError(f"{name}: non-finite loss from the Talbot inversion")
    if np.any(L < -floor):
        raise ConvergenceError(f"{name}: the Talbot inversion gave a negative loss {L.min():.3g} below its "
                               f"accuracy floor -{floor:.3g}; use other n or t")
    return np.maximum(L, 0.0)
