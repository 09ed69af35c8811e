"""Private input checks of the deep-linear subpackage, built on :mod:`scalinglaws._validation`
(the checks it lacks: a memory budget, seeds, integer products ``nu D``, in-place weight arrays,
and the divergence mark of the curves returned as arrays)."""
from __future__ import annotations


import numpy as np

from .._validation import MEMORY_LIMIT, array, integer, memory, real
from ..compare import DIVERGENCE_FACTOR

__all__ = ["MEMORY_LIMIT", "memory", "noise", "seed", "integer_product", "weights", "tensor", "layers", "scale",
           "mark_divergence"]

def noise(value, name: str = "sigma") -> float:
    """A label-noise std: a finite real >= 0 whose square is finite too (<= 1e150)."""
    x = real(name, value, 0.0)
    if x > 1e150:
        raise ValueError(f"`{name}` must be a number in [0, 1e150] (its square enters the loss), got {value!r}")
    return x


def seed(value) -> int:
    """A NumPy ``default_rng`` seed: an integer >= 0 (no ``None``: every run is reproducible)."""
    return integer("seed", value, 0)


def integer_product(name: str, x: float, D: int, what: str) -> int:
    """``x D`` as an ``int`` if it is one (to 1e-9 relative): a width ``N = nu D`` or a sample
    count ``P = alpha D`` is never rounded silently."""
    v = x * D
    k = int(round(v))
    if abs(v - k) > 1e-9 * max(1.0, abs(v)):
        raise ValueError(f"`{name}` * `D` must be an integer ({what}), got {name} = {x!r}, D = {D} "
                         f"({name} D = {v!r})")
    return k


def weights(name: str, w, K: int) -> np.ndarray:
    """Mode weights: 1-D, finite, > 0, of length ``K``."""
    w = array(name, w, ndim=1, lo=0.0, lo_open=True)
    if w.size != K:
        raise ValueError(f"`{name}` must have the length of `lam` ({K}), got {w.size}")
    return w


def tensor(name: str, a, shape: tuple) -> np.ndarray:
    """A weight array updated in place: a float64 ``np.ndarray`` of ``shape``
    (``None`` = free), finite.  Returned as is (no copy, so the caller's array is updated)."""
    if not isinstance(a, np.ndarray) or a.dtype != np.float64:
        got = f"dtype {a.dtype}" if isinstance(a, np.ndarray) else type(a).__name__
        raise ValueError(f"`{name}` must be a float64 numpy array (it is updated in place), got {got}")
    if a.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, a.shape)):
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"`{name}` must have shape {want}, got {a.shape}")
    if a.size == 0:
        raise ValueError(f"`{name}` must not be empty, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"`{name}` must be finite (no NaN or inf)")
    return a


def layers(name: str, Ws, N: int) -> list:
    """The hidden ``N x N`` weight matrices: a list (or tuple) of :func:`tensor` arrays."""
    if not isinstance(Ws, (list, tuple)):
        raise ValueError(f"`{name}` must be a list of (N, N) = ({N}, {N}) float64 arrays, got {type(Ws).__name__}")
    for i, W in enumerate(Ws):
        tensor(f"{name}[{i}]", W, (N, N))
    return list(Ws)


def scale(name: str, value, *, allow_zero: bool = True) -> float:
    """A finite real ``>= 0`` (``> 0`` without ``allow_zero``)."""
    return real(name, value, 0.0, lo_open=not allow_zero)


def mark_divergence(*curves, ref: float | None = None):
    """The divergence mark of curves returned as arrays: every curve is ``inf`` from the first step
    at which any of them is non-finite or above ``DIVERGENCE_FACTOR * ref`` (default: the first
    curve's ``L(0)``).  Returns ``(curves..., t_div)`` with ``t_div = None`` if none diverged."""
    ref = float(curves[0][0]) if ref is None else ref
    bad = np.zeros(curves[0].shape, dtype=bool)
    for c in curves:
        bad |= ~np.isfinite(c) | (c > DIVERGENCE_FACTOR * ref)
    if not bad.any():
        return (*curves, None)
    t = int(np.argmax(bad))
    out = []
    for c in curves:
        c = np.array(c, dtype=float)
        c[t:] = np.inf
        out.append(c)
    return (*out, t)
