"""neural-tangents side of the NTK Gram benchmark; runs in the optional ``.venv-nt`` environment
(``make bench-env``: neural-tangents 0.6.5 with jax/jaxlib 0.4.30 on CPU, float64).

Usage: ``.venv-nt/bin/python benchmarks/nt_gram.py M d repeats out.npy [1core]`` prints one JSON line with
the median time of the jitted ``kernel_fn(X, X, 'ntk')`` (after a warm-up/compile call) and saves
the Gram matrix so the caller can check that both implementations compute the same kernel.
"""
import json
import os
import sys
import time

# optional 5th argument "1core": pin this process (and XLA's thread pool) to one CPU, for a
# like-for-like comparison with our single-threaded kernel
if len(sys.argv) > 5 and sys.argv[5] == "1core":
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from neural_tangents import stax  # noqa: E402

M, d, repeats, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
X = np.random.default_rng(0).standard_normal((M, d))
# our network f = N^-1/2 sum_n a_n relu(w_n.x + b_n): NT's Dense divides by fan-in, so W_std = sqrt(d)
_, _, kernel_fn = stax.serial(stax.Dense(512, W_std=np.sqrt(d), b_std=1.0), stax.Relu(),
                              stax.Dense(1, W_std=1.0, b_std=0.0))
kfn = jax.jit(kernel_fn, static_argnames="get")
Xj = jnp.asarray(X)
K = np.asarray(kfn(Xj, Xj, get="ntk").block_until_ready())  # compile + warm-up
ts = []
for _ in range(repeats):
    t0 = time.perf_counter()
    kfn(Xj, Xj, get="ntk").block_until_ready()
    ts.append(time.perf_counter() - t0)
np.save(out, K)
print(json.dumps({"median_s": float(np.median(ts)), "repeats": repeats, "jax": jax.__version__,
                  "cpus": len(os.sched_getaffinity(0))}))
