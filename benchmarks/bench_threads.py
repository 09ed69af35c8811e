"""BLAS threads by measurement (issue 16): every BLAS-heavy path of the library with 1 and 2 BLAS
threads, on an idle machine and next to one busy competitor process, same run.

Run: ``.venv/bin/python benchmarks/bench_threads.py`` (about 2 minutes; run it on a quiet machine:
the "idle" rows are only idle if nothing else runs).  The thread count is set through
``$SCALINGLAWS_BLAS_THREADS`` (``scalinglaws._blas``), which every path reads at call time; the
competitor is a second Python process spinning on one core (what a parallel test run, a second
notebook or another CI job does to a 2-vCPU runner).  Writes ``benchmarks/results/threads.json``
with the warm median per (path, threads, condition) and the ratio 2 threads / 1 thread.

The policy these numbers choose (``scalinglaws._blas``): one BLAS thread unless
``$SCALINGLAWS_BLAS_THREADS`` says otherwise.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import median_time, write  # noqa: E402

from scalinglaws import deeplinear as dl, ntk, randomfeatures as rf  # noqa: E402
from scalinglaws._blas import BLAS_THREADS_ENV  # noqa: E402

T50 = np.geomspace(0.1, 1e4, 50)
LAM = np.arange(1, 2001.0) ** -1.5
LAM /= LAM.sum()
B2 = np.arange(1, 2001.0) ** -1.0
X1D = ntk.grid_1d(2000)
K1D = ntk.ntk_1d(X1D) / X1D.size
P128 = ntk.init_antisymmetric(4096, 1, seed=0)
X128 = ntk.grid_1d(128)
Y128 = ((X128 > 0.25) & (X128 < 0.75)).astype(float)

CASES = [
    ("ntk.gram_eigen(A, y), M = 2000 (dsytrd + stemr)", "tridiagonal reduction", lambda: ntk.gram_eigen(K1D, np.ones(2000))),
    ("randomfeatures.simulate, M = 2048, N = 256, P = 512, 2 draws", "eigh + gemm",
     lambda: rf.simulate(1.5, 1.25, 2048, 256, 512, T50, n_seeds=2, seed=0)),
    ("randomfeatures.losses (theory), M = 2000, N = 200, P = 400", "small dense solves",
     lambda: rf.losses(rf.power_law_spectrum(1.5, 1.25, 2000), 200, 400, T50)),
    ("deeplinear.simulate_dln, L = 3, N = D = P = 1600, 40 steps", "gemv + dgemm",
     lambda: dl.simulate_dln(3, 1.0, 1.0, 0.05, 40, D=1600, alpha=1.0, seed=0)),
    ("deeplinear.simulate_dln, L = 3, D = 400, N = 1600, P = 800, 40 steps", "gemv + dgemm",
     lambda: dl.simulate_dln(3, 4.0, 1.0, 0.05, 40, D=400, alpha=2.0, seed=0)),
    ("deeplinear.simulate_powerlaw, L = 3, N = 800, K = 2000, 200 steps", "gemv + dgemm",
     lambda: dl.simulate_powerlaw(3, 1.0, 0.5, 200, LAM, B2, N=800, seed=0)),
    ("ntk.train_gd, N = 4096, M = 128, 300 steps (numba, no BLAS: control)", "none",
     lambda: ntk.train_gd(X128, Y128, P128, a_lazy=1000.0, eta=1.0, n_steps=300, record=[0, 300])),
]


def _competitor():
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def main():
    rows = []
    load0 = os.getloadavg()
    for name, blas, f in CASES:
        f()                                             # compile / warm
        res = {}
        for cond in ("idle", "busy"):
            comp = _competitor() if cond == "busy" else None
            try:
                if comp is not None:
                    time.sleep(0.5)
                for th in (1, 2):
                    os.environ[BLAS_THREADS_ENV] = str(th)
                    res[cond, th] = median_time(f, 3, warmup=1)[0]
            finally:
                os.environ.pop(BLAS_THREADS_ENV, None)
                if comp is not None:
                    comp.kill()
                    comp.wait()
        rows.append({"path": name, "blas": blas,
                     "idle_1": res["idle", 1], "idle_2": res["idle", 2], "busy_1": res["busy", 1], "busy_2": res["busy", 2],
                     "idle_2_over_1": res["idle", 2] / res["idle", 1], "busy_2_over_1": res["busy", 2] / res["busy", 1]})
    load1 = os.getloadavg()
    write("threads", "BLAS threads: 1 vs 2, idle and next to one busy process", rows,
          notes="Warm medians of 3 (seconds). idle_k / busy_k: k BLAS threads ($SCALINGLAWS_BLAS_THREADS) with "
                "nothing else running / next to one Python process spinning on a core. x_2_over_1 < 1: two threads "
                "faster. The train_gd row calls no BLAS (a control for the noise of the machine). One run on a "
                "2-vCPU machine.",
          extra={"loadavg": {"start": list(load0), "end": list(load1)}})


if __name__ == "__main__":
    main()
