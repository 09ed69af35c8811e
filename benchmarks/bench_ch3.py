"""Speed of the chapter-3 building blocks (issue 5's speed bullets).  Reported, never asserted.

Run: ``.venv/bin/python benchmarks/bench_ch3.py`` (or ``make bench``).  Median wall times after a
warm-up call (numba compilation excluded), written to ``benchmarks/results/ch3_speed.json``.
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import median_time, write  # noqa: E402

from scalinglaws import deeplinear as dl  # noqa: E402


def lr_sweep_fig2():
    etas = np.geomspace(0.02, 4, 41)
    for par in ("ntk", "mup"):
        for nu in (0.25, 0.5, 1, 2, 4, 8, 16, 64):
            dl.lr_sweep(lambda e: dl.dmft_dln(2, nu, 2.0, e, 10, parameterization=par).test[-1], etas)


if __name__ == "__main__":
    lam, b2 = dl.powerlaw_spectrum(2000, 1.5, 0.5)
    lb, bb, wb = dl.binned_powerlaw_spectrum(400, 1.5, 0.5, 40, 60)
    nan = float("nan")
    cases = [
        ("non-residual DMFT, T=1000, L=3, full batch (packed causal kernel)", lambda: dl.dmft_dln(3, 1.0, 1.0, 0.02, 1000, alpha=2.0), 5.0, 1),
        # (the row "same, previous strided kernel" is gone: the strided reference kernel was removed in
        # the layout change, issue 10; the packed kernel is the only causal kernel of the plain network)
        ("T=100, L=2: single-pass causal solver", lambda: dl.dmft_dln(2, 1.0, 1.0, 0.1, 100, alpha=2.0), nan, 5),
        ("T=100, L=2: growing-window fixed point (c=2)", lambda: dl.dmft_dln(2, 1.0, 1.0, 0.1, 100, alpha=2.0, method="fixed_point", window=2), nan, 1),
        ("LR sweep, 41 rates x 8 widths x 2 parameterisations, T=10", lr_sweep_fig2, 10.0, 3),
        ("residual DMFT, L=8, T=30", lambda: dl.dmft_dln(8, 1.0, 1.0, 0.05, 30, alpha=2.0, residual=True), nan, 5),
        ("power-law DMFT, nu=inf, K=2000, T=1000, L=3", lambda: dl.dmft_powerlaw(3, 1.0, 0.025, 1000, lam, b2), nan, 1),
        (f"power-law DMFT, finite N=100, K=400 binned to {lb.size}, T=200, L=1",
         lambda: dl.dmft_powerlaw(1, 0.5, 0.4, 200, lb, bb, weights=wb, N=100.0), nan, 3),
        ("power-law DMFT, batch B=8, K=400 binned, T=200, L=1",
         lambda: dl.dmft_powerlaw(1, 1.0, 0.2, 200, lb, bb, weights=wb, batch=8, sigma=0.5), nan, 3),
    ]
    rows = []
    for name, f, target, reps in cases:
        t, n = median_time(f, reps)
        rows.append({"what": name, "seconds": t, "issue_target_s": target, "repeats": n})
    write("ch3_speed", "Chapter 3 building blocks (issue 5 speed targets)", rows,
          notes=f"fixed point / single pass at T = 100: {rows[2]['seconds'] / rows[1]['seconds']:.0f}x")
