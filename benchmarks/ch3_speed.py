"""Speed of the chapter-3 building blocks (issue 5's speed bullets).  Reported, never asserted.

Run: ``.venv/bin/python benchmarks/ch3_speed.py``.  Best-of-n wall times, numba compile excluded.
"""
import time

import numpy as np

from scalinglaws import dln_dmft as M, lr_sweep as LS


def best_of(f, n=3):
    f()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return min(ts)


def lr_sweep_fig2():
    etas = np.geomspace(0.02, 4, 41)
    for par in ("ntk", "mup"):
        for nu in (0.25, 0.5, 1, 2, 4, 8, 16, 64):
            LS.lr_sweep(lambda e: M.dmft_dln(2, nu, 2.0, e, 10, parameterization=par).test[-1], etas)


if __name__ == "__main__":
    t1000 = best_of(lambda: M.dmft_dln(3, 1.0, 1.0, 0.02, 1000, alpha=2.0), 1)
    print(f"{'non-residual DMFT, T=1000, L=3, full batch (causal, numba)':62s} {t1000:7.2f} s   (issue target < 5 s)")
    tc = best_of(lambda: M.dmft_dln(2, 1.0, 1.0, 0.1, 100, alpha=2.0))
    tf = best_of(lambda: M.dmft_dln(2, 1.0, 1.0, 0.1, 100, alpha=2.0, method="fixed_point", window=2), 1)
    print(f"{'T=100, L=2: growing-window fixed point (c=2) / single pass':62s} {tf:7.2f} s / {tc:.4f} s = {tf / tc:.0f}x")
    print(f"{'LR sweep, 41 rates x 8 widths x 2 parameterisations, T=10':62s} {best_of(lr_sweep_fig2, 1):7.2f} s   (issue target < 10 s)")
    print(f"{'residual DMFT, L=8, T=30':62s} {best_of(lambda: M.dmft_dln(8, 1.0, 1.0, 0.05, 30, alpha=2.0, residual=True)):7.3f} s")
