"""Paper 2 (random-feature model), issues 4 and 6: theory and simulation costs.

Run: ``.venv/bin/python benchmarks/bench_rf.py`` (or ``make bench``).

* The issue-4 targets: one P = infinity theory curve (50 times, M = 10^6 modes, binned) and the
  general (N, P) two-frequency theory (M = 2000, 50 times).
* Binned-mode theory vs exact-mode theory for the same problem (M = 10^5 and 10^6), with the
  relative difference of the curves: the binning (1000 exact modes + 1500 log bins)
  buys the speed at a stated accuracy.
* The 2x2 two-frequency theory's cost vs M (exact modes), with its fitted growth exponent.
* The exact eigenbasis simulation (one factorisation per draw).
"""
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from common import growth_exponent, median_time, write  # noqa: E402

from scalinglaws import randomfeatures as rf  # noqa: E402

T50 = np.geomspace(0.1, 1e4, 50)
NODES = 20  # Talbot nodes per time, the default of randomfeatures.theory


def targets():
    sp_big = rf.power_law_spectrum(1.5, 1.25, 10 ** 6)
    sp_2000 = rf.power_law_spectrum(1.5, 1.25, 2000)
    rows = []
    t, n = median_time(lambda: rf.loss_online(sp_big, 512, T50), 5)
    rows.append({"what": "theory, P = inf, N = 512, M = 1e6 binned, 50 times", "seconds": t, "issue_target_s": 1.0, "repeats": n})
    t, n = median_time(lambda: rf.losses(sp_2000, 200, 400, T50), 3)
    rows.append({"what": "theory, (N, P) = (200, 400), M = 2000 exact, 50 times", "seconds": t, "issue_target_s": 2.0, "repeats": n})
    t, n = median_time(lambda: rf.simulate(1.5, 1.25, 2048, 256, 512, T50, n_seeds=2, seed=0), 3)
    rows.append({"what": "simulation, (N, P) = (256, 512), M = 2048, 2 draws", "seconds": t, "issue_target_s": float("nan"), "repeats": n})
    return rows


def binned_vs_exact():
    rows = []
    for M in (10 ** 5, 10 ** 6):
        ex = rf.power_law_spectrum(1.5, 1.25, M, binned=False)
        bi = rf.power_law_spectrum(1.5, 1.25, M)
        te, _ = median_time(lambda: rf.loss_online(ex, 512, T50), 1 if M > 10 ** 5 else 3)
        tb, _ = median_time(lambda: rf.loss_online(bi, 512, T50), 5)
        Le, Lb = rf.loss_online(ex, 512, T50), rf.loss_online(bi, 512, T50)
        rows.append({"M": M, "exact_modes": ex.lam.size, "binned_modes": bi.lam.size, "exact_s": te, "binned_s": tb,
                     "speedup": te / tb, "max_rel_diff": float(np.max(np.abs(Lb - Le) / Le)),
                     "exact_mode_evals_per_s": ex.lam.size * T50.size * NODES / te,
                     "binned_mode_evals_per_s": bi.lam.size * T50.size * NODES / tb})
    return rows


def two_by_two_growth():
    Ms, ts = [500, 1000, 2000, 4000], []
    with threadpool_limits(1):
        for M in Ms:
            sp = rf.power_law_spectrum(1.5, 1.25, M, binned=False)
            ts.append(median_time(lambda: rf.losses(sp, M // 8, M // 4, T50), 3, max_seconds=30)[0])
    return [{"M": M, "N": M // 8, "P": M // 4, "seconds": t} for M, t in zip(Ms, ts)], growth_exponent(Ms, ts)


if __name__ == "__main__":
    write("rf_targets", "Paper 2: theory and simulation costs (issue 4 targets)", targets())
    write("rf_binned", "Paper 2: binned-mode vs exact-mode theory (P = inf, N = 512, 50 times)", binned_vs_exact(),
          notes="max_rel_diff: largest relative difference of the binned curve from the exact-mode curve over the 50 times. "
                "Cost model: one mode evaluation = one mode's terms at one Talbot node of one time (modes x 50 x nodes "
                "per curve, Newton iterations for kappa not counted).")
    rows, p = two_by_two_growth()
    write("rf_2x2_growth", "Paper 2: cost of the two-frequency (N, P) theory vs M (exact modes, 50 times)", rows,
          notes=f"fitted time ~ M^{p:.2f}", extra={"growth_exponent": p})
