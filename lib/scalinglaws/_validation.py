"""Input checks shared by every public function of the library (one wording for every message).

Each check names the caller's parameter (``name``, written in backticks in the message) and the
allowed range, and returns the value converted to a plain Python type.  Booleans are never accepted
as numbers (``N = True`` is an error, not ``N = 1``).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["integer", "positive", "nonnegative", "choice", "real", "flag", "array", "finite_result",
           "MEMORY_LIMIT", "memory"]


def _label(name: str) -> str:
    # "$SCALINGLAWS_X" (an environment variable) and "`x`" stay as given; plain names get backticks
    return name if name.startswith(("`", "$")) else f"`{name}`"


def integer(name: str, value, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) with ``lo <= value <= hi``."""
    ok = not isinstance(value, bool) and isinstance(value, (numbers.Integral, np.integer))
    if ok:
        v = int(value)
        ok = (lo is None or v >= lo) and (hi is None or v <= hi)
    if not ok:
        if lo is not None and hi is not None:
            rng = f" in [{lo}, {hi}]"
        elif lo is not None:
            rng = f" >= {lo}"
        elif hi is not None:
            rng = f" <= {hi}"
        else:
            rng = ""
        raise ValueError(f"{_label(name)} must be an integer{rng}, got {value!r}")
    return v


def positive(name: str, value, *, allow_inf: bool = False, allow_zero: bool = False) -> float:
    """``value`` as a ``float`` if it is a real number (not a bool) ``> 0`` (``>= 0`` with
    ``allow_zero``), finite unless ``allow_inf`` (then ``+inf`` passes)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    rng = ">= 0" if allow_zero else "> 0"
    what = f"a number {rng}" + (" (np.inf allowed)" if allow_inf else " and finite")
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise ValueError(f"{_label(name)} must be {what}, got {value!r}")
    x = float(value)
    ok = (x > 0 or (allow_zero and x == 0)) and (math.isfinite(x) or (allow_inf and x == math.inf))
    if not ok:
        raise ValueError(f"{_label(name)} must be {what}, got {value!r}")
    return x


def nonnegative(name: str, value) -> float:
    """``value`` as a finite ``float >= 0`` (label-noise levels, missing energies)."""
    return positive(name, value, allow_zero=True)


def choice(name: str, value, options) -> object:
    """``value`` if it is one of ``options``."""
    if not isinstance(value, (str, numbers.Number, type(None))) or value not in tuple(options):
        raise ValueError(f"{_label(name)} must be one of {tuple(options)!r}, got {value!r}")
    return value


def real(name: str, value, lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
         hi_open: bool = False, allow_inf: bool = False) -> float:
    """``value`` as a finite ``float`` (``+-inf`` too with ``allow_inf``) in the interval from ``lo`` to
    ``hi`` (closed unless ``lo_open`` / ``hi_open``; ``None`` = unbounded).  Booleans and strings fail."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    if lo is None and hi is None:
        what = "a real number"
    else:
        what = f"a real number in {left}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}{right}"
    what += "" if allow_inf else " (finite)"
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise ValueError(f"{_label(name)} must be {what}, got {value!r}")
    x = float(value)
    ok = not math.isnan(x) and (allow_inf or math.isfinite(x))
    if ok and lo is not None:
        ok = x > lo if lo_open else x >= lo
    if ok and hi is not None:
        ok = x < hi if hi_open else x <= hi
    if not ok:
        raise ValueError(f"{_label(name)} must be {what}, got {value!r}")
    return x


def flag(name: str, value) -> bool:
    """``value`` if it is a ``bool`` (``numpy.bool_`` too); ``0``/``1``/strings are errors."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{_label(name)} must be True or False, got {value!r}")
    return bool(value)


def array(name: str, value, *, ndim: int | tuple[int, ...] | None = None, shape: tuple | None = None,
          min_size: int = 1, finite: bool = True, lo: float | None = None, lo_open: bool = False,
          hi: float | None = None, increasing: bool = False, nondecreasing: bool = False,
          allow_nan: bool = False, dtype=np.float64) -> np.ndarray:
    """``value`` as a C-contiguous ``dtype`` array after checking it.

    ``ndim`` (one or a tuple of allowed numbers of dimensions), ``shape`` (entries ``None`` are free),
    at least ``min_size`` elements, every entry finite (``finite``), ``>= lo`` (``> lo`` with
    ``lo_open``) and ``<= hi``, and strictly increasing / non-decreasing along a 1-D array.  NaN is
    an error unless ``allow_nan`` (with ``finite=False``: e.g. a diverged draw's marker).  Boolean
    and object arrays fail; the message names ``name`` and what was expected.
    """
    label = _label(name)
    try:
        raw = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{label} must be an array of real numbers ({exc})") from None
    if raw.dtype == bool or raw.dtype.kind not in "iuf":
        raise ValueError(f"{label} must be an array of real numbers, got dtype {raw.dtype}")
    a = np.asarray(raw, dtype=dtype, order="C")  # (ascontiguousarray would make a 0-d array 1-d)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            want = " or ".join(str(k) for k in allowed)
            raise ValueError(f"{label} must have {want} dimension(s), got shape {a.shape}")
    if shape is not None:
        if a.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, a.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{label} must have shape {want}, got {a.shape}")
    if a.size < min_size:
        raise ValueError(f"{label} must have at least {min_size} element(s), got shape {a.shape}")
    if finite and a.size and not np.all(np.isfinite(a)):
        raise ValueError(f"{label} must be finite (no NaN or inf)")
    if not allow_nan and a.size and np.any(np.isnan(a)):
        raise ValueError(f"{label} must not contain NaN")
    if lo is not None and a.size:
        bad = np.any(a <= lo) if lo_open else np.any(a < lo)  # NaN compares false: never "bad" here
        if bad:
            raise ValueError(f"{label} must be {'>' if lo_open else '>='} {lo} everywhere, got min {a.min()!r}")
    if hi is not None and a.size and np.any(a > hi):
        raise ValueError(f"{label} must be <= {hi} everywhere, got max {a.max()!r}")
    if (increasing or nondecreasing) and a.ndim == 1 and a.size > 1:
        d = np.diff(a)
        if increasing and not np.all(d > 0):
            raise ValueError(f"{label} must be strictly increasing")
        if nondecreasing and not np.all(d >= 0):
            raise ValueError(f"{label} must be non-decreasing")
    return a


def finite_result(name: str, value, *, nonnegative_: bool = False):
    """Raise ``FloatingPointError`` naming ``name`` if a computed array has NaN/inf (or negative
    entries with ``nonnegative_``): the last guard before a public function returns."""
    a = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(a)):
        raise FloatingPointError(f"{name}: the computation produced NaN or inf; the inputs are outside the "
                                 "range where it is accurate (see the docstring)")
    if nonnegative_ and np.any(a < 0):
        raise FloatingPointError(f"{name}: the computation produced a negative value ({a.min()!r}); "
                                 "the inputs are outside the range where it is accurate")
    return value


# the largest working memory (bytes) a public function allocates before it refuses: a call past it
# would be killed or swap, so it is an input error naming the sizes that set it
MEMORY_LIMIT = 4 * 2 ** 30


def memory(nbytes: float, names: str, detail: str) -> None:
    """Raise ``ValueError`` naming ``names`` if ``nbytes`` exceeds :data:`MEMORY_LIMIT`."""
    if not math.isfinite(nbytes) or nbytes > MEMORY_LIMIT:
        raise ValueError(f"{names}: {detail} needs about {nbytes / 2 ** 30:.3g} GiB of memory "
                         f"(more than {MEMORY_LIMIT / 2 ** 30:.0f} GiB); use smaller sizes")
