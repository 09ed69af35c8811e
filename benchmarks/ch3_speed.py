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


def strided_t1000():
    # the previous (strided T x T storage) kernel, same arguments as dmft_dln(3, 1, 1, 0.02, 1000, alpha=2)
    z = np.zeros(1)
    M._dln_causal_kernel_strided(3, 1000, 1, False, False, False, 1.0, 1.0, 1.0, 0.02, 2.0, 1.0, 0.0, z, z, z, 1e8)


if __name__ == "__main__":
    t1000 = best_of(lambda: M.dmft_dln(3, 1.0, 1.0, 0.02, 1000, alpha=2.0), 1)
    ts = best_of(strided_t1000, 1)
    print(f"{'non-residual DMFT, T=1000, L=3, full batch (packed causal)':62s} {t1000:7.2f} s   (issue target < 5 s)")
    print(f"{'  same, previous strided kernel':62s} {ts:7.2f} s   ({ts / t1000:.1f}x slower)")
    tc = best_of(lambda: M.dmft_dln(2, 1.0, 1.0, 0.1, 100, alpha=2.0))
    tf = best_of(lambda: M.dmft_dln(2, 1.0, 1.0, 0.1, 100, alpha=2.0, method="fixed_point", window=2), 1)
    print(f"{'T=100, L=2: growing-window fixed point (c=2) / single pass':62s} {tf:7.2f} s / {tc:.4f} s = {tf / tc:.0f}x")
    print(f"{'LR sweep, 41 rates x 8 widths x 2 parameterisations, T=10':62s} {best_of(lr_sweep_fig2, 1):7.2f} s   (issue target < 10 s)")
    print(f"{'residual DMFT, L=8, T=30':62s} {best_of(lambda: M.dmft_dln(8, 1.0, 1.0, 0.05, 30, alpha=2.0, residual=True)):7.3f} s")
    lam, b2 = M.powerlaw_spectrum(2000, 1.5, 0.5)
    print(f"{'power-law DMFT, nu=inf, K=2000, T=1000, L=3':62s} {best_of(lambda: M.dmft_powerlaw(3, 1.0, 0.025, 1000, lam, b2), 1):7.2f} s")
    lb, bb, wb = M.binned_powerlaw_spectrum(400, 1.5, 0.5, 40, 60)
    print(f"{'power-law DMFT, finite N=100, K=400 binned to %d, T=200, L=1' % lb.size:62s} "
          f"{best_of(lambda: M.dmft_powerlaw(1, 0.5, 0.4, 200, lb, bb, weights=wb, N=100.0), 1):7.2f} s")
    print(f"{'power-law DMFT, batch B=8, K=400 binned, T=200, L=1':62s} "
          f"{best_of(lambda: M.dmft_powerlaw(1, 1.0, 0.2, 200, lb, bb, weights=wb, batch=8, sigma=0.5), 1):7.2f} s")
