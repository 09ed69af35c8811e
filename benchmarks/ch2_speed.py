"""Speed of the chapter-2 building blocks (issue 4's speed bullets).  Reported, never asserted.

Run: ``.venv/bin/python benchmarks/ch2_speed.py``.  Prints best-of-3 wall times (numba compile
excluded by a warm-up call).
"""
import time

import numpy as np

from scalinglaws import rf_simulation as S, rf_theory as T


def best_of(f, n=3):
    f()  # warm-up (numba compilation, caches)
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return min(ts)


T50 = np.geomspace(0.1, 1e4, 50)
SP_BIG = T.power_law_spectrum(1.5, 1.25, 10 ** 6)      # binned: 1000 exact modes + 1500 bins
SP_2000 = T.power_law_spectrum(1.5, 1.25, 2000)


def online_curve():
    T.loss_online(SP_BIG, 512, T50)


def general_curve():
    T.losses(SP_2000, 200, 400, T50)


def sim_draw():
    S.simulate(1.5, 1.25, 2048, 256, 512, T50, n_seeds=2, seed=0)


if __name__ == "__main__":
    print(f"{'theory, P = inf, M = 1e6 binned, 50 times, N = 512':58s} {best_of(online_curve):7.3f} s   (issue target < 1 s)")
    print(f"{'theory, (N, P) = (200, 400), M = 2000, 50 times':58s} {best_of(general_curve):7.3f} s   (issue target < 2 s)")
    print(f"{'simulation, (N, P) = (256, 512), M = 2048, 2 draws':58s} {best_of(sim_draw):7.3f} s")
