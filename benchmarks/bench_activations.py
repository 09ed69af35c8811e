"""Kernels of any activation (``scalinglaws.ntk.activations``, ``.dual``, ``.population``): cost of
the numerical paths against the ReLU closed form, in the same run.

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python benchmarks/bench_activations.py``
(about 2-3 minutes on 2 shared vCPUs; every timing with 1 BLAS thread).

* Funk-Hecke spectrum on S^2 to degree 2000 (``ntk.sphere_spectrum(2, 2000, act)``): relu and
  relu^3 (closed forms), tanh, gelu, silu (Mehler series at the quadrature nodes), and two user
  functions through a :class:`~scalinglaws.ntk.ThetaTable`: the non-homogeneous, non-smooth
  ``relu + 0.1 tanh`` (polar quadrature) and ReLU written as a user function with ``degree=1``
  (homogeneous: the radial integral in closed form, the angle by quadrature).  Goal: < 1 s each
  (warm).
* Gram matrix, M = 4000 points on the unit sphere in d = 3 and d = 100: ``ntk.ntk_gram`` (the ReLU
  closed form, the reference) vs ``ntk.activation_gram`` for relu (closed, a sanity check of the
  general path: max relative difference to ``ntk_gram``), relu^3 and erf (closed forms), tanh and
  gelu (theta table from the Hermite series), the user relu and ``relu + 0.1 tanh`` (theta table by
  angle or polar quadrature).  Goal: a numerically integrated activation on sphere data within 3x of the
  ReLU closed form.  Gaussian data (varying norms, no angle table) for gelu: N(0, I_d/d) through
  a Mehler series per pair (M = 1000), N(0, I_d), where the Hermite series does not converge,
  through the Fourier form per pair (M = 64: it costs about a millisecond per entry).
* Population spectrum ``ntk.radial_spectrum(3, 40, act, "ball", Mr=64)`` for relu and gelu.

Each row has the warm median (``seconds``), the first call of the run (``first_call_s``: numba
kernels loaded from the on-disk cache or compiled, tables built; the kernels shared with an earlier
row are already loaded), the ratio to the ReLU closed form on the same problem and, for the polar
and table paths, the time of building one ``ThetaTable`` alone (it is rebuilt on every call).
"""
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from common import median_time, write  # noqa: E402

from scalinglaws import ntk  # noqa: E402

LMAX = 2000
M_SPHERE, M_GAUSS, M_FOURIER = 4000, 1000, 64
GOAL_FH_S, GOAL_GRAM_RATIO = 1.0, 3.0


def _relu_plus_tanh():
    return ntk.Activation(lambda z: np.maximum(z, 0.0) + 0.1 * np.tanh(z),
                          deriv=lambda z: (z > 0).astype(float) + 0.1 / np.cosh(np.clip(z, -350, 350)) ** 2,
                          name="relu+0.1tanh", order=1)


def _user_relu():
    return ntk.Activation(lambda z: np.maximum(z, 0.0), deriv=lambda z: (z > 0).astype(float),
                          name="relu (user fn, degree=1)", order=1, degree=1)


def max_rel(A, B):
    return float(np.max(np.abs(A - B)) / np.max(np.abs(B)))


def timed(f, repeats, max_seconds=None):
    """(result, first-call seconds, warm median seconds, number of warm repeats)."""
    t0 = time.perf_counter()
    res = f()
    first = time.perf_counter() - t0
    t, n = median_time(f, repeats, warmup=0, max_seconds=max_seconds)
    return res, first, t, n


def path_fh(act):
    if act.closed_form:
        return "closed form"
    if act.smooth:
        return "Mehler series at the nodes"
    return ("angle quadrature (homogeneous) -> theta table" if act.degree is not None
            else "polar quadrature -> theta table")


def path_gram(act, one_norm):
    if act.closed_form:
        return "closed form per entry"
    if act.degree is not None or one_norm:
        return "theta table (" + ("Hermite" if act.smooth else "angle quadrature, homogeneous"
                                  if act.degree is not None else "polar quadrature") + ")"
    return "Mehler series per pair" if act.smooth else "polar quadrature per pair"


_TABLE_S = {}


def table_time(act, q):
    # one ThetaTable built alone (what every call of the table paths pays once), measured once per activation
    key = (act.name, q)
    if key not in _TABLE_S:
        _TABLE_S[key] = median_time(lambda: ntk.ThetaTable(act, q, q), 3, warmup=1)[0]
    return _TABLE_S[key]


def spectrum_rows():
    rows = []
    ref = None
    acts = [ntk.activation(a) for a in ("relu", "relu^3", "tanh", "gelu", "silu")] + [_relu_plus_tanh(), _user_relu()]
    for act in acts:
        slow = not (act.closed_form or act.smooth)
        mu, first, t, n = timed(lambda: ntk.sphere_spectrum(2, LMAX, act), 3 if slow else 5)
        if ref is None:
            ref = (mu, t)
        row = {"part": "spectrum", "what": f"Funk-Hecke on S^2, degrees <= {LMAX}", "activation": act.name,
               "path": path_fh(act), "seconds": t, "first_call_s": first, "ratio_to_relu_closed": t / ref[1]}
        if slow:
            row["theta_table_s"] = table_time(act, 2.0 if act.degree is None else 1.0)
        if act.name.startswith("relu (user"):
            row["max_rel_diff_vs_relu_closed"] = max_rel(mu, ref[0])
        row["goal"] = f"< {GOAL_FH_S:g} s"
        row["met"] = "yes" if t < GOAL_FH_S else "NO"
        row["repeats"] = n
        rows.append(row)
    return rows


def sphere_points(M, d, seed):
    X = np.random.default_rng(seed).standard_normal((M, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def gram_rows():
    rows = []
    for d in (3, 100):
        X = sphere_points(M_SPHERE, d, d)
        what = f"Gram, M = {M_SPHERE}, unit sphere in d = {d}"
        K_ref, first, _, _ = timed(lambda: ntk.ntk_gram(X), 1)
        t_ref = ref_time(lambda: ntk.ntk_gram(X))
        ref_row = {"part": "gram", "what": what, "activation": "relu (ntk_gram, reference)",
                   "path": "ntk_gram: fused numba pass", "first_call_s": first}
        rows.append(ref_row)
        block = []
        acts = [ntk.activation(1), ntk.activation("relu^3"), ntk.activation("erf"), ntk.activation("tanh"),
                ntk.activation("gelu"), _user_relu(), _relu_plus_tanh()]
        for act in acts:
            K, first, t, n = timed(lambda: ntk.activation_gram(X, act=act), 3)
            numerical = not act.closed_form
            row = {"part": "gram", "what": what, "activation": act.name + (" (activation_gram)" if act.name == "relu" else ""),
                   "path": path_gram(act, True), "seconds": t, "first_call_s": first,
                   "us_per_entry": t / M_SPHERE ** 2 * 1e6}
            if numerical:
                row["theta_table_s"] = table_time(act, 2.0 if act.degree is None else 1.0)
            if act.name == "relu" or act.name.startswith("relu (user"):
                row["max_rel_diff_vs_relu_closed"] = max_rel(K, K_ref)
            if numerical:
                row["goal"] = f"within {GOAL_GRAM_RATIO:g}x of ntk_gram"
            row["repeats"] = n
            block.append(row)
        # the reference timed before and after the block (a shared machine drifts): median of both sets
        t_ref = ref_time(lambda: ntk.ntk_gram(X), t_ref)
        ref_row.update({"seconds": float(np.median(t_ref)), "ratio_to_relu_closed": 1.0,
                        "us_per_entry": float(np.median(t_ref)) / M_SPHERE ** 2 * 1e6, "repeats": len(t_ref)})
        for row in block:
            row["ratio_to_relu_closed"] = row["seconds"] / ref_row["seconds"]
            if "goal" in row:
                row["met"] = "yes" if row["ratio_to_relu_closed"] <= GOAL_GRAM_RATIO else "NO"
        rows += block
    return rows


def ref_time(f, before=(), repeats=5):
    """Samples of f()'s wall time (appended to ``before``)."""
    ts = list(before)
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return ts


def hermite_terms(act, q):
    """Terms of the Hermite series at the variances q (max of phi and phi'), or None where it does
    not converge within N_HERMITE_MAX terms (then 'auto' uses the Fourier path)."""
    try:
        qs = np.unique(q)
        return max(ntk.hermite_coefficients(act, qs).shape[1], ntk.hermite_coefficients(act, qs, derivative=True).shape[1])
    except ValueError:
        return None


def gauss_rows():
    """Gaussian data (varying norms): gelu has no angle table there.  N(0, I_d/d) (norms ~1): the
    Hermite series converges, Mehler per pair, M = M_GAUSS.  N(0, I_d): the series does not converge
    (variances up to ~20 in d = 3, ~100 in d = 100), 'auto' falls back to the Fourier form per
    pair, which is slow: M = M_FOURIER."""
    rows, auto_paths = [], []
    act = ntk.activation("gelu")
    for d in (3, 100):
        X1 = np.random.default_rng(100 + d).standard_normal((M_GAUSS, d))          # N(0, I_d)
        q1 = np.sum(X1 ** 2, 1) + 1.0
        n1 = hermite_terms(act, q1)
        auto_paths.append({"data": f"N(0, I_d), d = {d}, M = {M_GAUSS}", "q_max": float(q1.max()),
                           "hermite_terms": n1 if n1 is not None else "diverges (> 600)",
                           "auto_path": "Mehler per pair" if n1 is not None else "Fourier per pair"})
        # N(0, I_d): 'auto' on all M_GAUSS points uses the Fourier form (Hermite diverges at their largest
        # variance); timed on the first M_FOURIER of them with that method (a small subset may
        # miss the large norms and converge)
        fourier = "fourier" if n1 is None else "auto"
        for X, label, M, meth in ((X1 / math.sqrt(d), "N(0, I_d/d)", M_GAUSS, "auto"),
                                  (X1[:M_FOURIER], "N(0, I_d)", M_FOURIER, fourier)):
            what = f"Gram, M = {M}, Gaussian {label} in d = {d}"
            _, first, t_ref, n = timed(lambda: ntk.ntk_gram(X), 5)
            rows.append({"part": "gram", "what": what, "activation": "relu (ntk_gram, reference)",
                         "path": "ntk_gram: fused numba pass", "seconds": t_ref, "first_call_s": first,
                         "ratio_to_relu_closed": 1.0, "us_per_entry": t_ref / M ** 2 * 1e6, "repeats": n})
            nt = hermite_terms(act, np.sum(X ** 2, 1) + 1.0)
            if meth == "fourier":
                path = f"Fourier series per pair (method='fourier': auto's choice for all {M_GAUSS} points)"
            else:
                path = f"Mehler series per pair ({nt} terms)" if nt is not None else "Fourier series per pair (auto)"
            _, first, t, n = timed(lambda: ntk.activation_gram(X, act=act, method=meth), 3)
            rows.append({"part": "gram", "what": what, "activation": "gelu", "path": path,
                         "seconds": t, "first_call_s": first, "ratio_to_relu_closed": t / t_ref,
                         "us_per_entry": t / M ** 2 * 1e6, "repeats": n})
    return rows, auto_paths


def radial_rows():
    rows = []
    t_ref = None
    for name in ("relu", "gelu"):
        act = ntk.activation(name)
        _, first, t, n = timed(lambda: ntk.radial_spectrum(3, 40, act, "ball", Mr=64), 3)
        t_ref = t if t_ref is None else t_ref
        rows.append({"part": "radial", "what": "radial_spectrum(3, 40, ball, Mr = 64)", "activation": name,
                     "path": "closed form" if act.closed_form else (
                         "Mehler series per (pair of radii, angle node)" if hermite_terms(act, np.array([1.0, 2.0]))
                         else "Fourier series per (pair of radii, angle node)"),
                     "seconds": t, "first_call_s": first, "ratio_to_relu_closed": t / t_ref, "repeats": n})
    return rows


if __name__ == "__main__":
    t_start = time.perf_counter()
    load0 = os.getloadavg()
    with threadpool_limits(1):
        rows = spectrum_rows()
        rows += gram_rows()
        g, auto_paths = gauss_rows()
        rows += g + radial_rows()
    load1 = os.getloadavg()
    write("activations", "Kernels of any activation: numerical paths vs the ReLU closed form", rows,
          notes="1 BLAS thread; seconds = warm median, first_call_s = the first call in this run (numba kernels "
                "loaded or compiled, tables built; kernels shared with an earlier row already loaded). "
                "ratio_to_relu_closed: against the relu row of the same problem (ntk_gram for Gram matrices). "
                "theta_table_s: building one ThetaTable (16 panels x 24 Chebyshev nodes + 80 check points, each "
                "a polar quadrature or a Mehler series) alone; every call of a table path rebuilds it. "
                "max_rel_diff_vs_relu_closed: max|K - K_relu| / max|K_relu| against ntk_gram (Gram) or the "
                "closed-form relu spectrum. us_per_entry: Gram seconds per matrix entry (microseconds). Gaussian "
                "rows: on N(0, I_d/d) (norms ~1) gelu's Hermite series converges and the Gram is one Mehler "
                "series per pair (M = 1000); on N(0, I_d) it does not converge within 600 terms (`auto_paths`) "
                "and 'auto' uses the Fourier form per pair, timed at M = 64 only because it is slow. "
                "A shared 2-vCPU machine: timings vary by 10-30 % or more from run to run (load averages in "
                "`loadavg`).",
          extra={"auto_paths": auto_paths, "goals": {"fh_seconds": GOAL_FH_S, "gram_ratio": GOAL_GRAM_RATIO},
                 "loadavg": {"start": load0, "end": load1}, "wall_s": time.perf_counter() - t_start})
    print(f"  wall {time.perf_counter() - t_start:.0f} s")
