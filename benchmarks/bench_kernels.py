"""NTK Gram matrices and spectra (issue 6): our numba path vs NumPy vs neural-tangents.

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python benchmarks/bench_kernels.py``.

* Gram of the shallow ReLU NTK, M points in d = 3 and d = 100: ``ntk.ntk_gram`` (one fused
  numba pass over tiles of the upper triangle, dot products from BLAS panels or inline), its NumPy
  reference path, neural-tangents' jitted ``kernel_fn`` (JAX on CPU, float64, optional
  ``.venv-nt``; free to use every vCPU and pinned to one), the *floor* "bare BLAS Gram + one fused
  elementwise pass over the full matrix", and the unavoidable part (BLAS for the upper triangle +
  writing the output), with the maximum relative difference between the implementations.
* Growth of the Gram time with M (expected M^2).
* Funk-Hecke population spectrum on S^2 for degrees k <= 200 and <= 2000; empirical Gram
  spectrum (``eigh``, M = 2000) with 1 and 2 BLAS threads, on an idle machine and with one other
  busy process: the default thread count of ``ntk.gram_eigen`` is chosen from these rows.
"""
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numba
import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from common import growth_exponent, median_time, write  # noqa: E402

from scalinglaws import ntk  # noqa: E402
from scalinglaws.ntk.kernels import _atan2_upper  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NT_PY = ROOT / ".venv-nt" / "bin" / "python"


@numba.njit(cache=True, error_model="numpy")
def _floor_pass(dot, nx, out):
    # the cheapest ReLU NTK pass we know: specialised to m = 1, full NTK, theta from our
    # vectorised atan2(sqrt(1-c^2), c), full matrix, no precision fix-up, no symmetry
    n = dot.shape[0]
    for i in range(n):
        for j in range(n):
            nn = nx[i] * nx[j]
            c = dot[i, j] / nn
            s = math.sqrt(max(0.0, 1.0 - c * c))
            th = _atan2_upper(s, c)
            out[i, j] = nn * (s + (math.pi - th) * c) / (2 * math.pi) + (math.pi - th) / (2 * math.pi) * dot[i, j]


def floor_gram(X):
    Xa = np.hstack([X, np.ones((X.shape[0], 1))])
    nx = np.sqrt(np.einsum("ij,ij->i", Xa, Xa))
    dot = Xa @ Xa.T
    out = np.empty_like(dot)
    _floor_pass(dot, nx, out)
    return out


def neural_tangents(M, d, repeats, one_core=False):
    if not NT_PY.exists():
        return None, None, "not installed (make bench-env)"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "K.npy"
        cmd = [str(NT_PY), str(Path(__file__).parent / "nt_gram.py"), str(M), str(d), str(repeats), str(out)]
        r = subprocess.run(cmd + (["1core"] if one_core else []), capture_output=True, text=True)
        if r.returncode != 0:
            return None, None, "failed: " + r.stderr.strip().splitlines()[-1]
        info = json.loads(r.stdout.strip().splitlines()[-1])
        return info["median_s"], np.load(out), f"jax {info['jax']} on {info['cpus']} CPU(s)"


def max_rel(A, B):
    return float(np.max(np.abs(A - B)) / np.max(np.abs(B)))


def blas_upper_panels(X):
    # the BLAS work our symmetric kernel needs: dot products of the upper triangle in panels of 64 rows
    Xa = np.hstack([X, np.ones((X.shape[0], 1))])
    XaT = np.ascontiguousarray(Xa.T)
    s = 0.0
    for ib in range(0, Xa.shape[0], 64):
        s += (Xa[ib:ib + 64] @ XaT[:, ib:])[0, 0]
    return s


def gram_rows(M=4000, repeats=7):
    rows = []
    for d in (3, 100):
        X = np.random.default_rng(0).standard_normal((M, d))
        with threadpool_limits(1):
            ours = ntk.ntk_gram(X)
            t_ours, n = median_time(lambda: ntk.ntk_gram(X), repeats)
            t_np, _ = median_time(lambda: ntk.ntk_gram(X, method="numpy"), 3)
            t_floor, _ = median_time(lambda: floor_gram(X), repeats)
            t_blas, _ = median_time(lambda: np.hstack([X, np.ones((M, 1))]) @ np.hstack([X, np.ones((M, 1))]).T, repeats)
            t_upper, _ = median_time(lambda: blas_upper_panels(X), repeats)
            t_write, _ = median_time(lambda: np.empty((M, M)).fill(1.0), repeats)
        t_nt, K_nt, nt_info = neural_tangents(M, d, repeats)
        t_nt1, _, nt1_info = neural_tangents(M, d, repeats, one_core=True)
        nan = float("nan")
        rows.append({"d": d, "M": M, "ours_s": t_ours, "numpy_s": t_np,
                     "neural_tangents_s": t_nt if t_nt else nan, "neural_tangents_1core_s": t_nt1 if t_nt1 else nan,
                     "floor_s": t_floor, "blas_only_s": t_blas, "blas_upper_panels_s": t_upper, "write_output_s": t_write,
                     "speedup_vs_numpy": t_np / t_ours, "speedup_vs_nt": (t_nt / t_ours) if t_nt else nan,
                     "speedup_vs_nt_1core": (t_nt1 / t_ours) if t_nt1 else nan,
                     "ours_over_floor": t_ours / t_floor,
                     "entries_per_s": M * M / t_ours, "blas_gflops": 2 * M * M * (d + 1) / t_blas / 1e9,
                     "write_gb_per_s": 8 * M * M / t_write / 1e9,
                     "max_rel_diff_vs_nt": max_rel(ours, K_nt) if K_nt is not None else nan,
                     "max_rel_diff_vs_numpy": max_rel(ours, ntk.ntk_gram(X, method="numpy")),
                     "repeats": n, "nt": nt_info, "nt_1core": nt1_info})
    return rows


def gram_growth():
    Ms, ts = [1000, 2000, 4000], []
    X = np.random.default_rng(1).standard_normal((max(Ms), 3))
    with threadpool_limits(1):
        for M in Ms:
            ts.append(median_time(lambda: ntk.ntk_gram(X[:M]), 3)[0])
    return [{"M": M, "ours_s": t} for M, t in zip(Ms, ts)], growth_exponent(Ms, ts)


def spectra_rows():
    rows = []
    for k in (200, 2000):
        t, n = median_time(lambda: ntk.sphere_ntk_spectrum(2, k), 7)
        rows.append({"what": f"Funk-Hecke NTK spectrum on S^2, degrees <= {k}", "seconds": t, "repeats": n})
    M = 2000
    x = ntk.grid_1d(M)
    A = ntk.ntk_1d(x) / M
    for busy in (False, True):
        # with busy=True a second process spins on one vCPU meanwhile (a notebook, a helper, CI)
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
        try:
            for nth in (1, 2):
                t, n = median_time(lambda: ntk.gram_eigen(A, threads=nth), 3)
                rows.append({"what": f"eigh of the 1D NTK Gram, M = {M}, {nth} BLAS thread(s)"
                             + (", one other busy process" if busy else ", idle machine"), "seconds": t, "repeats": n})
        finally:
            if hog is not None:
                hog.kill()
                hog.wait()
    return rows


if __name__ == "__main__":
    parts = sys.argv[1:] or ["gram", "growth", "spectra"]   # e.g. `bench_kernels.py spectra` reruns one part
    if "gram" in parts:
        rows = gram_rows()
        write("kernels_gram", "ReLU NTK Gram matrix, M = 4000: ours vs NumPy vs neural-tangents", rows,
              notes="ours = one numba pass over 64-wide tiles of the upper triangle, mirrored while in cache, with the dot "
                    "products from BLAS panels of 64 rows (d = 100) or computed in the pass (d + 1 <= 8); 1 thread. "
                    "floor = bare BLAS Gram (full gemm) + one fused pass (same vectorised atan2) over the full matrix. "
                    "blas_upper_panels_s + write_output_s = the BLAS work of the upper triangle plus first-touch writing of "
                    "the M x M output: a lower bound for any single-threaded Gram that returns the full matrix. "
                    "neural-tangents: kernel_fn jitted, float64, CPU, compile excluded; default = XLA free to use every "
                    "vCPU, 1core = pinned to one CPU with XLA's intra-op parallelism off (like ours). "
                    "max_rel_diff_vs_nt ~1e-9 is neural-tangents' arccos form losing precision near theta = 0; ours "
                    "matches mpmath to ~1e-15 (tests/test_ch1_kernels.py).")
    if "growth" in parts:
        g, slope = gram_growth()
        write("kernels_growth", "Growth of the NTK Gram time with M (d = 3)", g, notes=f"fitted time ~ M^{slope:.2f} (expected 2)",
              extra={"growth_exponent": slope})
    if "spectra" in parts:
        rows = spectra_rows()
        t = {(("busy" in r["what"]), r["what"].split(" BLAS")[0][-1]): r["seconds"] for r in rows if "eigh" in r["what"]}
        write("spectra", "Spectra: population (Funk-Hecke) and empirical (eigh)", rows,
              notes=f"eigh thread count: on the idle machine 2 BLAS threads were {t[False, '1'] / t[False, '2']:.1f}x faster "
                    f"than 1; with one other busy process they were {t[True, '2'] / t[True, '1']:.1f}x slower (heavier "
                    "competitors cost more: DEVELOPERS.md recorded 7-9x, an earlier run of ours 4x). ntk.gram_eigen "
                    "therefore uses 1 thread by default, the choice with the bounded worst case; threads= or "
                    "$SCALINGLAWS_BLAS_THREADS for a dedicated machine.")
