"""Speed of the chapter-1 building blocks (issue 3's speed bullets).  Reported, never asserted.

Run: ``.venv/bin/python benchmarks/bench_ch1.py`` (or ``make bench``).  Median wall times after a
warm-up call (numba compilation excluded), written to ``benchmarks/results/ch1_speed.json``.
"""
import numpy as np

from scalinglaws import ntk


def funk_hecke_2000():
    ntk.sphere_ntk_spectrum(2, 2000)
    ntk.cap_energies(2, 2000, 1.0)


def gram_1d_2000():
    M = 2000
    x = ntk.grid_1d(M)
    y = ((x > 0.25) & (x < 0.75)) / np.sqrt(M)
    ntk.gram_eigen(ntk.ntk_1d(x) / M, y)


def finite_width_fast():
    x = ntk.grid_1d(128)
    y = ((x > 0.25) & (x < 0.75)).astype(float)
    p = ntk.init_antisymmetric(4096, 1, seed=0)
    rec = np.unique(np.geomspace(1, 3000, 40).astype(int))
    ntk.train_gd(x, y, p, a_lazy=1000.0, eta=1.0, n_steps=3000, record=rec)


if __name__ == "__main__":
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parent))
    from common import median_time, write
    rows = []
    for name, f, target, reps in [("Funk-Hecke spectrum + cap energies, S^2, degree 2000", funk_hecke_2000, 0.5, 5),
                                  ("1D Gram NTK + eigh, M = 2000", gram_1d_2000, 2.0, 3),
                                  ("finite-width GD, N=4096, M=128, 3000 steps (one seed)", finite_width_fast, 30.0, 1)]:
        t, n = median_time(f, reps)
        rows.append({"what": name, "seconds": t, "issue_target_s": target, "repeats": n})
    write("ch1_speed", "Chapter 1 building blocks (issue 3 speed targets)", rows)
