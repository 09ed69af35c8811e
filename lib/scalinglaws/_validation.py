"""Input checks shared by every public function of the library (one wording for every message).

Each check names the caller's parameter (``name``, written in backticks in the message) and the
allowed range, and returns the value converted to a plain Python type.  Booleans are never accepted
as numbers (``N = True`` is an error, not ``N = 1``).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["integer", "positive", "nonnegative", "choice"]


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
