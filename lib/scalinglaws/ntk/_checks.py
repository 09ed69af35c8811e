"""Private input checks of the NTK subpackage, built on :mod:`scalinglaws._validation` (the checks it
lacks: a memory budget, the kernel scales, a trained-network parameter triple, integer step
counts, a symmetric matrix and the ``alpha = 1`` restriction of the boundary constants)."""
from __future__ import annotations


import numpy as np

from .._validation import MEMORY_LIMIT, array, memory, positive, real

__all__ = ["MEMORY_LIMIT", "memory", "scales", "params", "steps", "symmetric", "alpha_one", "points",
           "finite_out"]

def scales(sigma_w, sigma_b) -> tuple[float, float]:
    """The weight and bias scales: finite numbers > 0 (at most 1e100, so that their squares and
    products with the data stay finite)."""
    out = []
    for name, v in (("sigma_w", sigma_w), ("sigma_b", sigma_b)):
        x = positive(name, v)
        if x > 1e100:
            raise ValueError(f"`{name}` must be a number in (0, 1e100], got {v!r}")
        out.append(x)
    return out[0], out[1]


def points(name: str, X, *, allow_1d: bool = False) -> np.ndarray:
    """Data points: a finite 2-D array ``(n, d)`` with ``n, d >= 1`` (``(n,)`` read as ``d = 1``
    with ``allow_1d``)."""
    X = array(name, X, ndim=(1, 2) if allow_1d else 2)
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[1] < 1:
        raise ValueError(f"`{name}` must have shape (n_points, d) with d >= 1, got shape {X.shape}")
    return X


def params(value, d: int, name: str = "params", names: tuple | None = None):
    """A network's parameters ``(w (N, d), b (N,), a (N,))``: finite float arrays (copied).  The
    messages name ``name`` (``names``: the caller's separate names of ``w, b, a`` instead)."""
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        got = f"length {len(value)}" if isinstance(value, (tuple, list)) else type(value).__name__
        raise ValueError(f"`{name}` must be a tuple (w (N, d), b (N,), a (N,)), got {got}")
    labels = names or (f"{name}[0] (w)", f"{name}[1] (b)", f"{name}[2] (a)")
    w = array(labels[0], value[0], ndim=2).copy()
    b = array(labels[1], value[1], ndim=1).copy()
    a = array(labels[2], value[2], ndim=1).copy()
    if w.shape != (a.size, d) or b.shape != a.shape:
        label = ", ".join(f"`{n}`" for n in names) if names else f"`{name}`"
        raise ValueError(f"{label} must be (w (N, d), b (N,), a (N,)) with d = {d} (the dimension of the points `X`), "
                         f"got shapes {w.shape}, {b.shape}, {a.shape}")
    return w, b, a


def steps(name: str, value) -> np.ndarray:
    """Step counts: integers >= 0 (an int array, or a float array holding whole numbers)."""
    raw = np.asarray(value) if not isinstance(value, str) else None
    if raw is None or raw.dtype == bool or raw.dtype.kind not in "iuf":
        raise ValueError(f"`{name}` must be step counts (integers >= 0), got {value!r}")
    if raw.size == 0:
        raise ValueError(f"`{name}` must hold at least one step count, got shape {raw.shape}")
    if raw.dtype.kind == "f" and not (np.all(np.isfinite(raw)) and np.all(raw == np.round(raw))):
        raise ValueError(f"`{name}` must be whole numbers of steps (integers >= 0), got {value!r}")
    if np.any(raw < 0):
        raise ValueError(f"`{name}` must be integers >= 0, got min {raw.min()!r}")
    if np.any(raw > 2 ** 53):
        raise ValueError(f"`{name}` must be integers <= 2**53, got max {raw.max()!r}")
    return raw.astype(np.int64)


def symmetric(name: str, A, rtol: float = 1e-8) -> np.ndarray:
    """A finite, non-empty square matrix equal to its transpose up to ``rtol * max|A|``."""
    A = array(name, A, ndim=2)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"`{name}` must be a square matrix, got shape {A.shape}")
    scale = float(np.max(np.abs(A)))
    asym = float(np.max(np.abs(A - A.T)))
    if asym > rtol * scale:
        raise ValueError(f"`{name}` must be symmetric (|A - A^T| <= {rtol:g} max|A|), got max|A - A^T| = "
                         f"{asym:.3g} with max|A| = {scale:.3g}")
    return A


def alpha_one(alpha) -> None:
    """The boundary constants implement the ReLU full NTK (``alpha = 1``) only."""
    a = real("alpha", alpha)
    if a != 1:
        raise ValueError(f"`alpha` must be 1 (the ReLU full NTK; the symbol phi_x of other kernels is not "
                         f"implemented), got {alpha!r}")


def finite_out(value, names: str, what: str):
    """Raise ``ValueError`` naming ``names`` if a computed result has NaN/inf (overflow of ``what``)."""
    if not np.all(np.isfinite(np.asarray(value, dtype=float))):
        raise ValueError(f"{names}: {what} overflows double precision (NaN or inf); use smaller values")
    return value
