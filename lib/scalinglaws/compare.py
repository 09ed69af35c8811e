"""Theory against simulation: seed averages and the agreement measures the chapters' claims use.

One result type, :class:`SimResult`, holds a seed-averaged simulation of any of the book's models
(random features, deep linear networks): the means and standard errors of the test and train loss
over the non-diverged draws, and every draw.  The measures below turn a simulation and a theory
curve into the single numbers that notebooks record as claims:

* :func:`seed_mean_se` -- mean and standard error ``s/sqrt(n)`` (``s`` the ``ddof = 1`` sample
  standard deviation) of ``n`` independent draws;
* :func:`z_scores` -- ``|sim - theory| / SE`` at chosen times;
* :func:`relative_errors` -- ``|sim/theory - 1|`` at chosen times;
* :func:`agreement` -- the combined tolerance ``|sim - theory| <= k SE + rel |ref| + floor``;
* :func:`paired_difference` -- mean and SE of a per-draw difference (e.g. the train-test gap);
* :func:`max_log10_deviation` -- ``max |log10 L_sim - log10 L_theory|`` over a mask (LR sweeps);
* :func:`window_mean` -- a loss averaged over a time window, per draw, with mean and SE over draws
  (the comparison that stays meaningful when the timing of a transient differs between draws);
* :func:`rise_factor` and :func:`catapult_fraction` -- the transient rise of a loss curve above its
  running minimum, and the fraction of draws whose rise exceeds a threshold (catapults);
* :func:`proportion_difference_z` -- the pooled two-proportion z-score of two such fractions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import array, nonnegative, positive

__all__ = ["SimResult", "seed_mean_se", "z_scores", "relative_errors", "agreement", "paired_difference",
           "max_log10_deviation", "window_mean", "rise_factor", "catapult_fraction", "proportion_difference_z",
           "DIVERGENCE_FACTOR"]

DIVERGENCE_FACTOR = 1e8   # a loss above DIVERGENCE_FACTOR * L(0), or non-finite, counts as diverged


def seed_mean_se(draws) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error over the first axis of ``draws`` (shape ``(n, ...)``, ``n >= 1``):
    ``mean = (1/n) sum_i x_i``, ``SE = s/sqrt(n)`` with ``s^2 = sum_i (x_i - mean)^2/(n - 1)``.

    With a single draw the standard error is not defined; it is returned as ``inf`` (so that no
    z-score or tolerance built from it can pass silently).  Every draw must be finite (leave
    diverged draws out first, as :meth:`SimResult.from_draws` does); raises ``ValueError``."""
    x = array("draws", draws, ndim=tuple(range(1, 33)))
    n = x.shape[0]
    if n == 1:
        return x[0].copy(), np.full(x.shape[1:], np.inf)
    return x.mean(0), x.std(0, ddof=1) / math.sqrt(n)


@dataclass(frozen=True)
class SimResult:
    """Seed-averaged simulation on a time grid ``t``.

    ``test``/``train`` are the means over the non-diverged draws and ``test_se``/``train_se``
    their standard errors (:func:`seed_mean_se`); ``draws_test``/``draws_train`` hold every
    draw's curve (shape ``(n_draws, len(t))``, diverged draws included, ``inf`` from their first
    diverged step); ``diverged`` counts the draws whose loss became non-finite or exceeded
    ``DIVERGENCE_FACTOR * L(0)``.  If every draw diverged the means and errors are ``inf``."""

    t: np.ndarray
    test: np.ndarray
    test_se: np.ndarray
    train: np.ndarray
    train_se: np.ndarray
    draws_test: np.ndarray
    draws_train: np.ndarray
    diverged: int = 0

    @classmethod
    def from_draws(cls, t, draws_test, draws_train) -> "SimResult":
        """Average the draws (rows) whose test and train curves are finite at every time; the
        others count as diverged (their non-finite entries, ``inf`` or ``nan``, are the mark).
        ``t`` must be finite and strictly increasing; raises ``ValueError`` on bad shapes."""
        t = array("t", t, ndim=1, increasing=True)
        te = array("draws_test", draws_test, ndim=2, finite=False, allow_nan=True)
        tr = array("draws_train", draws_train, ndim=2, finite=False, allow_nan=True)
        if te.shape[1] != t.size or tr.shape != te.shape:
            raise ValueError(f"`draws_test` and `draws_train` must have shape (n_draws, len(t)) = "
                             f"(n, {t.size}), got {te.shape} and {tr.shape}")
        ok = np.all(np.isfinite(te), axis=1) & np.all(np.isfinite(tr), axis=1)
        nd = int((~ok).sum())
        if not ok.any():
            inf = np.full(t.size, np.inf)
            return cls(t, inf, inf, inf, inf, te, tr, nd)
        m_te, s_te = seed_mean_se(te[ok])
        m_tr, s_tr = seed_mean_se(tr[ok])
        return cls(t, m_te, s_te, m_tr, s_tr, te, tr, nd)

    def final_log10(self) -> tuple[float, float]:
        """``(log10 L(t_last), its standard error)`` of the seed-mean test loss, the error propagated
        as ``SE/(L ln 10)``; ``(nan, nan)`` if any draw diverged (an LR sweep's missing point)."""
        if self.diverged:
            return math.nan, math.nan
        L = float(self.test[-1])
        return math.log10(L), float(self.test_se[-1]) / (L * math.log(10))


def _curves(sim_mean, theory, at, names=("sim_mean", "theory")):
    s = array(names[0], sim_mean, ndim=1)
    th = array(names[1], theory, ndim=1)
    if th.shape != s.shape:
        raise ValueError(f"`{names[0]}` and `{names[1]}` must be 1-D of one length, got {s.shape} and {th.shape}")
    if at is None:
        idx = np.arange(s.size)
    else:
        raw = np.asarray(at)
        if raw.ndim != 1 or raw.size == 0 or not np.issubdtype(raw.dtype, np.integer) \
                or raw.min() < -s.size or raw.max() >= s.size:
            raise ValueError(f"`at` must be a non-empty list of integer time indices in [0, {s.size - 1}], got {at!r}")
        idx = raw
    return s, th, idx


def z_scores(sim: SimResult, theory, at=None, *, loss: str = "test") -> np.ndarray:
    """``|sim(t_k) - theory(t_k)| / SE(t_k)`` at the time indices ``at`` (default: all) of the
    seed-mean ``loss`` (``"test"`` or ``"train"``); ``theory`` is a finite curve on ``sim.t``.
    Raises ``ValueError`` if a standard error is not finite and > 0 (fewer than two draws)."""
    if not isinstance(sim, SimResult):
        raise ValueError(f"`sim` must be a SimResult (e.g. from SimResult.from_draws), got {type(sim).__name__}")
    if loss not in ("test", "train"):
        raise ValueError(f"`loss` must be 'test' or 'train', got {loss!r}")
    mean, se = (sim.test, sim.test_se) if loss == "test" else (sim.train, sim.train_se)
    if not np.all(np.isfinite(mean)):
        raise ValueError("`sim` has no finite seed mean (every draw diverged)")
    s, th, idx = _curves(mean, theory, at, names=("sim", "theory"))
    e = np.asarray(se, dtype=float)[idx]
    if np.any(~np.isfinite(e)) or np.any(e <= 0):
        raise ValueError("z-scores need finite standard errors > 0 in `sim` (at least two non-diverged draws)")
    return np.abs(s[idx] - th[idx]) / e


def relative_errors(sim_mean, theory, at=None) -> np.ndarray:
    """``|sim(t_k)/theory(t_k) - 1|`` at the time indices ``at`` (default: all); both curves
    finite, the theory non-zero at the chosen times."""
    s, th, idx = _curves(sim_mean, theory, at)
    if np.any(th[idx] == 0):
        raise ValueError("relative errors need non-zero `theory` values at the chosen times")
    return np.abs(s[idx] / th[idx] - 1)


def agreement(sim_mean, sim_se, theory, *, k: float = 4.0, rel: float = 0.01, floor: float = 0.0,
              rel_to=None) -> dict:
    """Theory-vs-simulation summary with the tolerance ``|sim - th| <= k SE + rel |ref| + floor``
    pointwise, where ``ref`` is the theory itself or ``rel_to`` (e.g. the test loss when comparing
    a train-test gap).

    Returns ``ratio`` = max of ``|sim - th| / (k SE + rel |ref| + floor)`` (``<= 1``: every point
    passes), ``max_z`` = max ``|sim - th| / SE`` and ``max_rel`` = max ``|sim - th| / |th|``.
    """
    k = positive("k", k)
    rel = nonnegative("rel", rel)
    floor = nonnegative("floor", floor)
    s = array("sim_mean", sim_mean)
    e = array("sim_se", sim_se, lo=0.0)
    th = array("theory", theory)
    ref = th if rel_to is None else array("rel_to", rel_to)
    if not (s.shape == e.shape == th.shape == ref.shape):
        raise ValueError(f"`sim_mean`, `sim_se`, `theory` (and `rel_to`) must have one shape, got {s.shape}, "
                         f"{e.shape}, {th.shape}, {ref.shape}")
    d = np.abs(s - th)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = np.where(e > 0, d / e, np.where(d > 0, np.inf, 0.0))
        relerr = np.where(np.abs(th) > 0, d / np.abs(th), np.inf)
        ratio = d / (k * e + rel * np.abs(ref) + floor)
    ratio = np.where(d == 0, 0.0, ratio)
    return dict(ratio=float(np.max(ratio)), max_z=float(np.max(z)), max_rel=float(np.max(relerr)))


def paired_difference(draws_a, draws_b) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of the per-draw difference ``a_i - b_i`` (paired draws: the SE of a
    difference of two quantities measured on the same draws)."""
    a = array("draws_a", draws_a, ndim=tuple(range(1, 33)))
    b = array("draws_b", draws_b, ndim=tuple(range(1, 33)))
    if a.shape != b.shape:
        raise ValueError(f"`draws_a` and `draws_b` must have one shape, got {a.shape} and {b.shape}")
    return seed_mean_se(a - b)


def max_log10_deviation(sim_log10, theory_log10, mask=None) -> float:
    """``max |log10 L_sim - log10 L_theory|`` over the points where ``mask`` (a boolean array of
    the same length) is true and the simulation is finite: a diverged simulated point is ``nan``
    or ``+inf`` and is left out.  The theory may be non-finite only at points left out (e.g. a
    learning rate where it diverged too); ``-inf`` in ``sim_log10`` (a zero loss) is an error."""
    s = array("sim_log10", sim_log10, ndim=1, finite=False, allow_nan=True)
    th = array("theory_log10", theory_log10, ndim=1, finite=False, allow_nan=True)
    if th.shape != s.shape:
        raise ValueError(f"`sim_log10` and `theory_log10` must be 1-D of one length, got {s.shape} and {th.shape}")
    if np.any(s == -np.inf):
        raise ValueError("`sim_log10` must not contain -inf (a zero simulated loss has no log10)")
    ok = np.isfinite(s)
    if mask is not None:
        m = np.asarray(mask)
        if m.dtype != bool or m.shape != s.shape:
            raise ValueError(f"`mask` must be a boolean array of shape {s.shape}, got {m.dtype} {m.shape}")
        ok &= m
    if not ok.any():
        raise ValueError("no finite simulated point (`sim_log10`) inside the `mask` to compare")
    if not np.all(np.isfinite(th[ok])):
        raise ValueError("`theory_log10` is not finite at every compared point (finite `sim_log10` inside `mask`)")
    return float(np.max(np.abs(s[ok] - th[ok])))


def _window(t, t_lo, t_hi):
    t_lo = nonnegative("t_lo", t_lo)
    t_hi = nonnegative("t_hi", t_hi)
    if not t_lo <= t_hi:
        raise ValueError(f"the window must satisfy `t_lo` <= `t_hi`, got [{t_lo:g}, {t_hi:g}]")
    sel = (t >= t_lo) & (t <= t_hi)
    if not sel.any():
        raise ValueError(f"the window [`t_lo`, `t_hi`] = [{t_lo:g}, {t_hi:g}] holds no time of `t` "
                         f"(range [{t.min():g}, {t.max():g}])")
    return sel


def window_mean(t, curves, t_lo, t_hi) -> tuple[float, float]:
    """Average of each curve over the times ``t_lo <= t <= t_hi``, then the mean and standard error
    over curves (:func:`seed_mean_se`: ``(mean, inf)`` for a single curve, e.g. a theory curve).

    ``t``: finite, strictly increasing 1-D; ``curves``: finite, shape ``(len(t),)`` (one curve) or
    ``(n, len(t))`` (one row per draw; leave diverged draws out first); ``0 <= t_lo <= t_hi`` with
    at least one time inside.  Raises ``ValueError`` otherwise."""
    t = array("t", t, ndim=1, increasing=True)
    c = array("curves", curves, ndim=(1, 2))
    c2 = c[None, :] if c.ndim == 1 else c
    if c2.shape[1] != t.size:
        raise ValueError(f"`curves` must have {t.size} times per curve (the length of `t`), got shape {c.shape}")
    sel = _window(t, t_lo, t_hi)
    m, se = seed_mean_se(c2[:, sel].mean(axis=1))
    return float(m), float(se)


def rise_factor(curve) -> float:
    """``max_t L(t) / min_{s <= t} L(s)``: how far a loss curve climbs above its running minimum (1
    for a non-increasing curve).  ``curve``: finite, > 0, 1-D, at least 2 points."""
    c = array("curve", curve, ndim=1, lo=0.0)
    if c.size < 2:
        raise ValueError(f"`curve` needs at least 2 points, got {c.size}")
    if np.any(c <= 0):
        raise ValueError("`curve` must be > 0 (a loss; the rise is a ratio)")
    return float(np.max(c / np.minimum.accumulate(c)))


def catapult_fraction(draws, threshold: float = 1.5) -> tuple[float, float, int]:
    """Fraction of draws (rows of ``draws``, shape ``(n, T)``, ``n >= 1``) whose
    :func:`rise_factor` is at least ``threshold`` (finite, > 1): ``(fraction, SE, count)`` with the
    binomial ``SE = sqrt(f(1 - f)/n)`` (``0`` when every draw or none catapults).  A diverged draw
    (a non-finite entry) counts as a catapult that did not come back; every entry must be > 0
    where finite.  Raises ``ValueError`` otherwise."""
    d = array("draws", draws, ndim=2, finite=False)
    threshold = positive("threshold", threshold)
    if not threshold > 1:
        raise ValueError(f"`threshold` must be > 1 (a rise above the running minimum), got {threshold}")
    if d.shape[1] < 2 or d.shape[0] < 1:
        raise ValueError(f"`draws` must have shape (n >= 1, T >= 2), got {d.shape}")
    fin = np.isfinite(d)
    if np.any(d[fin] <= 0):
        raise ValueError("`draws` must be > 0 where finite (losses)")
    up = np.array([True if not fin[i].all() else rise_factor(d[i]) >= threshold for i in range(d.shape[0])])
    n = up.size
    f = float(up.mean())
    return f, math.sqrt(f * (1 - f) / n), int(up.sum())


def proportion_difference_z(k0, n0, k1, n1) -> float:
    """Pooled two-proportion z-score of ``k1/n1 - k0/n0``:
    ``(p1 - p0)/sqrt(p (1 - p) (1/n0 + 1/n1))`` with ``p = (k0 + k1)/(n0 + n1)``.  Well defined when
    one fraction is 0 or 1 (unlike the unpooled binomial errors); ``0`` when both samples are all
    successes or all failures.  ``n0, n1`` integers >= 1, ``0 <= k <= n`` integers."""
    from ._validation import integer
    n0, n1 = integer("n0", n0, 1), integer("n1", n1, 1)
    k0, k1 = integer("k0", k0, 0, n0), integer("k1", k1, 0, n1)
    p = (k0 + k1) / (n0 + n1)
    if p in (0.0, 1.0):
        return 0.0
    return (k1 / n1 - k0 / n0) / math.sqrt(p * (1 - p) * (1 / n0 + 1 / n1))
