"""Speed of the chapter-1 building blocks (issue 3's speed bullets).  Reported, never asserted.

Run: ``.venv/bin/python benchmarks/ch1_speed.py``.  Prints best-of-3 wall times (numba compile
excluded by a warm-up call).
"""
import time

import numpy as np

from scalinglaws import kernels as K, shallow as SH, spectra as S


def best_of(f, n=3):
    f()  # warm-up (numba compilation, caches)
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return min(ts)


def funk_hecke_2000():
    S.sphere_ntk_spectrum(2, 2000)
    S.cap_energies(2, 2000, 1.0)


def gram_1d_2000():
    M = 2000
    x = S.grid_1d(M)
    y = ((x > 0.25) & (x < 0.75)) / np.sqrt(M)
    S.gram_eigen(K.ntk_1d(x) / M, y)


def finite_width_fast():
    x = S.grid_1d(128)
    y = ((x > 0.25) & (x < 0.75)).astype(float)
    p = SH.init_antisymmetric(4096, 1, seed=0)
    rec = np.unique(np.geomspace(1, 3000, 40).astype(int))
    SH.train_gd(x, y, p, a_lazy=1000.0, eta=1.0, n_steps=3000, record=rec)


if __name__ == "__main__":
    for name, f, target in [("Funk-Hecke spectrum + cap energies, S^2, degree 2000", funk_hecke_2000, 0.5),
                            ("1D Gram NTK + eigh, M = 2000", gram_1d_2000, 2.0)]:
        print(f"{name:55s} {best_of(f):7.3f} s   (issue target < {target} s)")
    print(f"{'finite-width GD, N=4096, M=128, 3000 steps (one seed)':55s} {best_of(finite_width_fast, 1):7.3f} s   (issue target < 30 s for the fast run)")
