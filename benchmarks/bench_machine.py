"""The machine's limits that the other benchmarks' cost models are compared with (issue 6).

Run: ``.venv/bin/python benchmarks/bench_machine.py`` (or ``make bench``).

* dgemm (BLAS-3, 2000 x 2000, 1 thread): the flop rate a dense, compute-bound kernel can reach;
* dgemv (BLAS-2, 4000 x 4000 from memory, 1 thread): the flop rate of matrix-vector work, which is
  memory-bound (2 flops per 8-byte matrix entry read);
* a large array copy (256 MB): the memory bandwidth, counting the bytes read and written.
"""
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from common import median_time, write  # noqa: E402


def limits():
    rng = np.random.default_rng(0)
    rows = []
    with threadpool_limits(1):
        n = 2000
        A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        t, r = median_time(lambda: A @ B, 5)
        rows.append({"what": f"dgemm {n} x {n}, 1 thread", "seconds": t, "rate": 2 * n ** 3 / t / 1e9, "unit": "GFlop/s",
                     "repeats": r})
        n = 4000
        A, x = rng.standard_normal((n, n)), rng.standard_normal(n)
        t, r = median_time(lambda: A @ x, 9)
        rows.append({"what": f"dgemv {n} x {n} (128 MB matrix), 1 thread", "seconds": t, "rate": 2 * n * n / t / 1e9,
                     "unit": "GFlop/s", "repeats": r})
    a = rng.standard_normal(2 ** 25)   # 256 MB
    b = np.empty_like(a)
    t, r = median_time(lambda: np.copyto(b, a), 7)
    rows.append({"what": "copy of a 256 MB array", "seconds": t, "rate": 2 * a.nbytes / t / 1e9, "unit": "GB/s (read + write)",
                 "repeats": r})
    return rows


if __name__ == "__main__":
    rows = limits()
    write("machine_limits", "Machine limits (the yardsticks of the cost models)", rows,
          notes="Cost-model columns elsewhere (GFlop/s, entries/s, GB/s) are to be read against these rows.",
          extra={"dgemm_gflops": rows[0]["rate"], "dgemv_gflops": rows[1]["rate"], "copy_gb_per_s": rows[2]["rate"]})
