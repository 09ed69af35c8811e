"""PyTorch and JAX sides of ``bench_alternatives.py``; runs in the optional ``.venv-nt`` environment
(``make bench-env``: jax/jaxlib 0.4.30 and torch 2.13.0, CPU, float64).

Usage: ``.venv-nt/bin/python benchmarks/alt_workers.py FRAMEWORK THREADS cases.json out.json``.

* ``FRAMEWORK`` is ``torch`` or ``jax``; ``THREADS`` is 1 (torch: ``torch.set_num_threads(1)``;
  jax: ``XLA_FLAGS=--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1`` and the process
  pinned to one CPU, as ``nt_gram.py`` does) or the number of vCPUs (torch: ``set_num_threads(n)``;
  jax: XLA's defaults, free to use every vCPU).
* ``cases.json`` lists cases, each ``{"kind": "dln" | "rf", "dir": ..., "max_seconds": ...}``; a case's
  folder holds the ``.npy`` inputs the driver wrote and ``meta.json``.  The worker writes the loss
  curves of its last timed run into that folder (``<framework>_<threads>_*.npy``) and one JSON list
  of timings to ``out.json``.

The implementations are the ones a user would write: the deep linear network as a module of plain
matrix products with autograd (``loss.backward()`` + ``torch.optim.SGD``; ``jax.jit(value_and_grad)``
of the loss with the SGD update inside the jitted step), the random-feature readout as a GD loop
with autograd on the readout vector.  Timing: median wall time of up to ``repeats`` full runs after a
warm-up of two steps, each run from the same initial weights; process CPU time over wall time is
reported as a check of the thread count.
"""
import json
import os
import sys
import time

FRAMEWORK, THREADS = sys.argv[1], int(sys.argv[2])
if FRAMEWORK == "jax" and THREADS == 1:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import numpy as np  # noqa: E402

if FRAMEWORK == "torch":
    import torch  # noqa: E402
    torch.set_num_threads(THREADS)
    VERSION = torch.__version__
elif FRAMEWORK == "jax":
    import jax  # noqa: E402
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp  # noqa: E402
    VERSION = jax.__version__
else:
    raise SystemExit(f"unknown framework {FRAMEWORK!r}")


def _timed(run, repeats, max_seconds):
    """Median wall and CPU/wall of ``run()`` over up to ``repeats`` calls (at least one; stops once
    ``max_seconds`` have been spent).  Returns (median_s, n, cpu_per_wall, last result)."""
    ts, cpu, wall = [], 0.0, 0.0
    t_all = time.perf_counter()
    out = None
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        out = run()
        t1, c1 = time.perf_counter(), time.process_time()
        ts.append(t1 - t0)
        cpu += c1 - c0
        wall += t1 - t0
        if time.perf_counter() - t_all > max_seconds:
            break
    return float(np.median(ts)), len(ts), cpu / wall, out


def _load(d, names):
    return {k: np.load(os.path.join(d, k + ".npy")) for k in names}


# ---------------------------------------------------------------- deep linear network, full-batch GD

def dln_torch(d, meta):
    L, T, eta, cout, sqD, sqN = meta["L"], meta["T"], meta["eta"], meta["cout"], meta["sqrtD"], meta["sqrtN"]
    a = _load(d, ["W0", "w", "X", "y"] + [f"W{l}" for l in range(1, L)])
    X, y = torch.from_numpy(a["X"]), torch.from_numpy(a["y"])
    init = [torch.from_numpy(a["W0"])] + [torch.from_numpy(a[f"W{l}"]) for l in range(1, L)] + [torch.from_numpy(a["w"])]

    def loss_fn(params):
        H = X @ params[0].T / sqD                         # h^1 = W^0 x / sqrt(D), all P samples
        for W in params[1:-1]:
            H = H @ W.T / sqN                             # h^{l+1} = W^l h^l / sqrt(N)
        f = cout * (H @ params[-1])                       # f = w.h^L / (gamma0 sqrt(nu N))
        return 0.5 * torch.mean((f - y) ** 2)

    def run(steps=T):
        params = [p.clone().requires_grad_(True) for p in init]
        opt = torch.optim.SGD(params, lr=eta)
        train = np.empty(steps)
        for t in range(steps):
            opt.zero_grad()
            loss = loss_fn(params)
            loss.backward()
            opt.step()
            train[t] = 2.0 * loss.item()                  # L_hat = mean((f - y)^2), before update t
        return train

    run(2)                                                # warm-up
    s, n, cpw, train = _timed(run, meta["repeats"], meta["max_seconds"])
    return {"seconds": s, "repeats": n, "cpu_per_wall": cpw}, {"train": train}


def dln_jax(d, meta):
    L, T, eta, cout, sqD, sqN = meta["L"], meta["T"], meta["eta"], meta["cout"], meta["sqrtD"], meta["sqrtN"]
    a = _load(d, ["W0", "w", "X", "y"] + [f"W{l}" for l in range(1, L)])
    X, y = jnp.asarray(a["X"]), jnp.asarray(a["y"])
    init = [jnp.asarray(a["W0"])] + [jnp.asarray(a[f"W{l}"]) for l in range(1, L)] + [jnp.asarray(a["w"])]

    def loss_fn(params, X, y):
        H = X @ params[0].T / sqD
        for W in params[1:-1]:
            H = H @ W.T / sqN
        f = cout * (H @ params[-1])
        return 0.5 * jnp.mean((f - y) ** 2)

    def step(params, X, y):
        loss, g = jax.value_and_grad(loss_fn)(params, X, y)
        return loss, jax.tree_util.tree_map(lambda p, gp: p - eta * gp, params, g)

    t0 = time.perf_counter()
    step_c = jax.jit(step).lower(init, X, y).compile()    # compile time, reported separately
    compile_s = time.perf_counter() - t0

    def run(steps=T):
        params, losses = init, []
        for _ in range(steps):
            loss, params = step_c(params, X, y)
            losses.append(loss)
        jax.block_until_ready(params)
        return 2.0 * np.asarray(jnp.stack(losses))

    run(2)
    s, n, cpw, train = _timed(run, meta["repeats"], meta["max_seconds"])
    return {"seconds": s, "repeats": n, "cpu_per_wall": cpw, "compile_s": compile_s}, {"train": train}


# ---------------------------------------------------------------- random features, GD on the readout

def rf_torch(d, meta):
    T, eta, N = meta["T"], meta["eta"], meta["N"]
    a = _load(d, ["A", "Z", "lam", "wstar"])
    A, Z, lam, ws = (torch.from_numpy(a[k]) for k in ("A", "Z", "lam", "wstar"))

    def run(steps=T):
        Psi = Z * torch.sqrt(lam)                          # data x = Lambda^{1/2} z, P x M
        Phi = Psi @ A.T / N ** 0.5                         # features A x / sqrt(N), P x N
        y = Psi @ ws                                       # y = w*.x
        w = torch.zeros(N, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([w], lr=eta)
        test, train = np.empty(steps), np.empty(steps)
        for t in range(steps + 1):                         # the loss before step t is the loss after t - 1
            opt.zero_grad()
            loss = 0.5 * torch.mean((Phi @ w - y) ** 2)
            if t:
                train[t - 1] = 2.0 * loss.item()
                with torch.no_grad():
                    v = ws - A.T @ w / N ** 0.5            # population loss |Lambda^{1/2}(w* - A^T w/sqrt(N))|^2
                    test[t - 1] = torch.sum(lam * v * v).item()
            if t == steps:
                break
            loss.backward()
            opt.step()
        return test, train

    run(2)
    s, n, cpw, (test, train) = _timed(run, meta["repeats"], meta["max_seconds"])
    return {"seconds": s, "repeats": n, "cpu_per_wall": cpw}, {"test": test, "train": train}


WORKERS = {("torch", "dln"): dln_torch, ("jax", "dln"): dln_jax, ("torch", "rf"): rf_torch}


def main():
    cases = json.load(open(sys.argv[3]))
    out = []
    for case in cases:
        meta = json.load(open(os.path.join(case["dir"], "meta.json")))
        meta.update(case)
        timing, curves = WORKERS[FRAMEWORK, case["kind"]](case["dir"], meta)
        for k, v in curves.items():
            np.save(os.path.join(case["dir"], f"{FRAMEWORK}_{THREADS}_{k}.npy"), v)
        timing.update({"dir": case["dir"], "version": VERSION, "cpus": len(os.sched_getaffinity(0))})
        out.append(timing)
    with open(sys.argv[4], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
