"""Our simulators against what a user would write instead, in the same run (issue: same-run comparisons).

Run: ``.venv/bin/python benchmarks/bench_alternatives.py`` (the PyTorch and JAX rows need the optional
``.venv-nt``, ``make bench-env``; without it, or without torch / jax in it, those rows say "not run"
and the script exits 0).  Writes ``benchmarks/results/alternatives.json``.

* Deep linear network (paper 3), full-batch GD, plain muP, L = 3, nu = 1, gamma0 = 1, eta0 = 0.05,
  P = D (alpha = 1), 30 steps, D = N = P in {200, 400, 800}: ``deeplinear.simulate_dln`` (rank-one
  steps, the P x N hidden activations never formed) against a PyTorch float64 module with autograd and
  ``torch.optim.SGD``, and JAX float64 with a ``jax.jit(value_and_grad)`` step (compile time apart).
  The alternatives get the initial weights, target and data that ``simulate_dln(seed=0)`` draws (drawn
  here in its order, as ``bench_dln.naive_simulation`` does, and passed as ``.npy`` files), so their
  train-loss curves must coincide with ours up to rounding.
* Random-feature model (paper 2), one draw at (M, N, P) = (2048, 256, 512) and (4096, 512, 1024),
  a = 1.5, b = 1.25, 1000 full-batch GD steps with step eta = 1 on the readout:
  ``randomfeatures.draw_loss(..., eta=1)`` (one SVD, then the exact discrete-GD losses at all 1000
  steps) against a NumPy GD loop and a PyTorch GD loop (autograd), on the same draw (A, Z): the
  driver draws them from ``default_rng([0, 0])`` in ``draw_loss``'s order.

Every implementation is timed at one thread and at all vCPUs (ours through
``$SCALINGLAWS_BLAS_THREADS``, the NumPy loop through threadpoolctl, torch through
``torch.set_num_threads``, JAX through XLA's flags, see ``alt_workers.py``).
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from common import median_time, write  # noqa: E402

from scalinglaws import deeplinear as dl  # noqa: E402
from scalinglaws import randomfeatures as rf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NT_PY = ROOT / ".venv-nt" / "bin" / "python"
WORKER = Path(__file__).parent / "alt_workers.py"
ALL = os.cpu_count() or 1
THREADS = (1, ALL) if ALL > 1 else (1,)
TAG = {1: "1_thread", ALL: "all_threads"}

DLN = dict(L=3, nu=1.0, gamma0=1.0, eta0=0.05, T=30, alpha=1.0, seed=0)
DLN_SIZES = (200, 400, 800)
RF = dict(a=1.5, b=1.25, T=1000, eta=1.0, seed=(0, 0))
RF_SIZES = ((2048, 256, 512), (4096, 512, 1024))


def _timed(f, repeats, max_seconds):
    """``common.median_time`` of ``f`` plus the process CPU time over the wall time of all calls."""
    acc = [0.0, 0.0]

    def g():
        c0, t0 = time.process_time(), time.perf_counter()
        f()
        acc[1] += time.perf_counter() - t0
        acc[0] += time.process_time() - c0
    s, n = median_time(g, repeats, max_seconds=max_seconds)
    return s, n, acc[0] / acc[1]


def _ours_threads(n):
    os.environ["SCALINGLAWS_BLAS_THREADS"] = str(n)


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.abs(np.asarray(b))))


# ------------------------------------------------------------------ deep linear network

def dln_draws(D):
    """The initial weights, target and data of ``simulate_dln(L, nu, ..., D=D, alpha, seed)`` (plain
    muP), in its draw order (``bench_dln.naive_simulation``)."""
    L, nu, alpha = DLN["L"], DLN["nu"], DLN["alpha"]
    rng = np.random.default_rng(DLN["seed"])
    N, P = int(round(nu * D)), int(round(alpha * D))
    a = {"W0": rng.standard_normal((N, D))}
    for l in range(1, L):
        a[f"W{l}"] = rng.standard_normal((N, N))
    a["w"] = rng.standard_normal(N)
    bstar = rng.standard_normal(D)
    a["X"] = rng.standard_normal((P, D))
    a["y"] = a["X"] @ bstar / math.sqrt(D)
    meta = {"L": L, "T": DLN["T"], "eta": DLN["eta0"] * DLN["gamma0"] ** 2 * N,   # raw LR eta0 gamma0^2 N
            "cout": 1.0 / (DLN["gamma0"] * math.sqrt(nu * N)), "sqrtD": math.sqrt(D), "sqrtN": math.sqrt(N)}
    return a, meta


def dln_ours(D):
    run = lambda: dl.simulate_dln(DLN["L"], DLN["nu"], DLN["gamma0"], DLN["eta0"], DLN["T"], D=D,  # noqa: E731
                                  alpha=DLN["alpha"], seed=DLN["seed"])
    out = {}
    for n in THREADS:
        _ours_threads(n)
        s, k, cpw = _timed(run, 5, 3.0)
        out[n] = {"seconds": s, "repeats": k, "cpu_per_wall": cpw}
    out["draws_s"] = median_time(lambda: dln_draws(D), 3)[0]
    out["train"] = run()[1]
    return out


# ------------------------------------------------------------------ random features

def rf_model(M):
    k = np.arange(1, M + 1, dtype=float)
    lam = k ** -RF["b"]
    return lam, k ** (-(RF["a"] - RF["b"]) / 2)              # lambda_k w*_k^2 = k^-a (randomfeatures._problem)


def rf_draws(M, N, P):
    """(A, Z) of ``draw_loss(a, b, M, N, P, t, default_rng(seed))``: Z (P x M) first, then A (N x M)."""
    rng = np.random.default_rng(list(RF["seed"]))
    Z = rng.standard_normal((P, M))
    A = rng.standard_normal((N, M))
    return A, Z


def rf_numpy_gd(A, Z, lam, ws, T, eta):
    """Plain NumPy full-batch GD on the readout w of f(x) = w.A x/sqrt(N), x = Lambda^{1/2} z, loss
    (1/2) mean((f - y)^2), y = w*.x, from w = 0; the train and population test loss after each step."""
    N, P = A.shape[0], Z.shape[0]
    Psi = Z * np.sqrt(lam)
    Phi = Psi @ A.T / math.sqrt(N)
    y = Psi @ ws
    w = np.zeros(N)
    r = -y
    test, train = np.empty(T), np.empty(T)
    for t in range(T):
        w -= eta * (Phi.T @ r) / P
        r = Phi @ w - y
        train[t] = r @ r / P
        v = ws - A.T @ w / math.sqrt(N)
        test[t] = lam @ (v * v)
    return test, train


def rf_ours_numpy(M, N, P):
    lam, ws = rf_model(M)
    t = RF["eta"] * np.arange(1, RF["T"] + 1)
    ours = lambda eta=RF["eta"]: rf.draw_loss(RF["a"], RF["b"], M, N, P, t,  # noqa: E731
                                             np.random.default_rng(list(RF["seed"])), eta=eta)
    A, Z = rf_draws(M, N, P)
    loop = lambda: rf_numpy_gd(A, Z, lam, ws, RF["T"], RF["eta"])  # noqa: E731
    res = {"ours": {}, "numpy": {}}
    for n in THREADS:
        _ours_threads(n)
        s, k, cpw = _timed(ours, 5, 3.0)
        res["ours"][n] = {"seconds": s, "repeats": k, "cpu_per_wall": cpw}
        with threadpool_limits(n):
            s, k, cpw = _timed(loop, 3, 4.0)
        res["numpy"][n] = {"seconds": s, "repeats": k, "cpu_per_wall": cpw}
    _ours_threads(1)
    res["ours"]["draws_s"] = median_time(lambda: rf_draws(M, N, P), 3)[0]
    res["ours"]["curves"] = ours()
    res["ours"]["flow"] = ours(None)                         # gradient flow at the same times t = n eta
    res["numpy"]["curves"] = loop()
    return res, A, Z, lam, ws


# ------------------------------------------------------------------ the .venv-nt workers

def _available():
    """{framework: None if importable in .venv-nt, else the reason it is not run}."""
    if not NT_PY.exists():
        return {f: "not run: .venv-nt missing (make bench-env)" for f in ("torch", "jax")}
    out = {}
    for f in ("torch", "jax"):
        r = subprocess.run([str(NT_PY), "-c", f"import {f}"], capture_output=True, text=True)
        out[f] = None if r.returncode == 0 else f"not run: {f} not importable in .venv-nt (make bench-env)"
    return out


def _worker(framework, threads, cases, tmp):
    jobs, out = Path(tmp) / f"{framework}_{threads}.json", Path(tmp) / f"{framework}_{threads}_out.json"
    jobs.write_text(json.dumps(cases))
    env = dict(os.environ)
    env.pop("XLA_FLAGS", None)
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[k] = str(threads)
    r = subprocess.run([str(NT_PY), str(WORKER), framework, str(threads), str(jobs), str(out)],
                       capture_output=True, text=True, env=env, timeout=300)
    if r.returncode != 0:
        raise SystemExit(f"{framework} worker failed: " + r.stderr.strip()[-3000:])
    return {Path(x["dir"]).name: x for x in json.loads(out.read_text())}


def _row(model, size, impl, per_thread, **extra):
    row = {"model": model, "size": size, "implementation": impl, "status": "measured"}
    base = extra.pop("ours", None)
    for n in THREADS:
        row[f"seconds_{TAG[n]}"] = per_thread[n]["seconds"]
    for n in THREADS:
        if base is not None:
            row[f"time_over_ours_{TAG[n]}"] = per_thread[n]["seconds"] / base[n]["seconds"]
    for n in THREADS:
        row[f"cpu_per_wall_{TAG[n]}"] = per_thread[n]["cpu_per_wall"]
    row["repeats"] = "/".join(str(per_thread[n]["repeats"]) for n in THREADS)
    row.update(extra)
    return row


def main():
    load_start = os.getloadavg()
    avail = _available()
    rows, worst = [], 0.0
    with tempfile.TemporaryDirectory() as tmp:
        dln_cases, rf_cases, ours_dln, ours_rf = [], [], {}, {}
        for D in DLN_SIZES:
            a, meta = dln_draws(D)
            d = Path(tmp) / f"dln_{D}"
            d.mkdir()
            for k, v in a.items():
                np.save(d / f"{k}.npy", v)
            (d / "meta.json").write_text(json.dumps(meta))
            dln_cases.append({"kind": "dln", "dir": str(d), "repeats": 3, "max_seconds": 4.0})
            ours_dln[D] = dln_ours(D)
        for M, N, P in RF_SIZES:
            res, A, Z, lam, ws = rf_ours_numpy(M, N, P)
            ours_rf[M, N, P] = res
            d = Path(tmp) / f"rf_{M}_{N}_{P}"
            d.mkdir()
            for k, v in {"A": A, "Z": Z, "lam": lam, "wstar": ws}.items():
                np.save(d / f"{k}.npy", v)
            (d / "meta.json").write_text(json.dumps({"T": RF["T"], "eta": RF["eta"], "N": N}))
            rf_cases.append({"kind": "rf", "dir": str(d), "repeats": 3, "max_seconds": 4.0})
        alt = {}
        for framework, cases in (("torch", dln_cases + rf_cases), ("jax", dln_cases)):
            if avail[framework] is None:
                alt[framework] = {n: _worker(framework, n, cases, tmp) for n in THREADS}

        def curve(framework, name, key):
            return {n: np.load(Path(tmp) / name / f"{framework}_{n}_{key}.npy") for n in THREADS}

        for D in DLN_SIZES:
            size, name, o = f"D = N = P = {D}", f"dln_{D}", ours_dln[D]
            rows.append(_row("deep linear network", size, "ours: simulate_dln (rank-one GD steps)", o,
                             draws_s=o["draws_s"]))
            for framework, impl in (("torch", "PyTorch autograd + optim.SGD"), ("jax", "JAX jit(value_and_grad) step")):
                if avail[framework] is not None:
                    rows.append({"model": "deep linear network", "size": size, "implementation": impl,
                                 "status": avail[framework]})
                    continue
                per = {n: alt[framework][n][name] for n in THREADS}
                diff = max(_rel(c, o["train"]) for c in curve(framework, name, "train").values())
                worst = max(worst, diff)
                extra = {"compile_s": per[1]["compile_s"]} if framework == "jax" else {}
                rows.append(_row("deep linear network", size, impl, per, ours=o, max_rel_diff_train=diff,
                                 version=per[1]["version"], **extra))
        for M, N, P in RF_SIZES:
            size, name, res = f"M, N, P = {M}, {N}, {P}", f"rf_{M}_{N}_{P}", ours_rf[M, N, P]
            o = res["ours"]
            (te, tr), (fte, ftr) = o["curves"], o["flow"]
            rows.append(_row("random features", size, "ours: draw_loss(eta=1) (one SVD, exact GD)", o,
                             draws_s=o["draws_s"], flow_vs_gd_test=_rel(fte, te), flow_vs_gd_train=_rel(ftr, tr)))
            nte, ntr = res["numpy"]["curves"]
            d_te, d_tr = _rel(nte, te), _rel(ntr, tr)
            worst = max(worst, d_te, d_tr)
            rows.append(_row("random features", size, "NumPy GD loop", res["numpy"], ours=o,
                             max_rel_diff_train=d_tr, max_rel_diff_test=d_te))
            impl = "PyTorch GD loop (autograd + optim.SGD)"
            if avail["torch"] is not None:
                rows.append({"model": "random features", "size": size, "implementation": impl, "status": avail["torch"]})
                continue
            per = {n: alt["torch"][n][name] for n in THREADS}
            d_tr = max(_rel(c, tr) for c in curve("torch", name, "train").values())
            d_te = max(_rel(c, te) for c in curve("torch", name, "test").values())
            worst = max(worst, d_te, d_tr)
            rows.append(_row("random features", size, impl, per, ours=o, max_rel_diff_train=d_tr,
                             max_rel_diff_test=d_te, version=per[1]["version"]))
    load_end = os.getloadavg()
    if worst > 1e-10:
        print(f"WARNING: a reference curve differs from ours by {worst:.1e} (relative)", file=sys.stderr)
    la = lambda x: ", ".join(f"{v:.2f}" for v in x)  # noqa: E731
    notes = (
        "Deep linear network: plain muP, L = 3, nu = 1, gamma0 = 1, eta0 = 0.05, P = D, 30 full-batch GD steps on "
        "(1/2) mean((f - y)^2) with the raw learning rate eta0 gamma0^2 N. Ours: simulate_dln, whose rank-one steps "
        "never form the P x N hidden activations (O(PD + L N^2) per step); its time includes drawing its own "
        "weights and data (draws_s). PyTorch: float64 CPU, the P samples forwarded through the layers as matrix "
        "products, loss.backward(), torch.optim.SGD (no momentum), loss.item() each step. JAX: float64 CPU, "
        "jax.jit of a step that returns jax.value_and_grad of the same loss and the SGD update, called once per "
        "step with the data as arguments; compile_s is the lower().compile() time, not in seconds_*. Both get "
        "the weights, target and data that simulate_dln(seed=0) draws, so max_rel_diff_train (largest relative "
        "difference of the 30-step train-loss curve from ours, over both thread settings) is rounding only. "
        f"Random features: a = {RF['a']}, b = {RF['b']}, one draw (A, Z) of default_rng([0, 0]), {RF['T']} GD "
        f"steps with step eta = {RF['eta']:g} on the readout from w = 0 (library time t = eta x steps). Ours: "
        "draw_loss(eta=1) at t = 1..1000: one SVD of the N x P feature matrix, then the exact discrete-GD train and "
        "population test losses at all steps (its time includes drawing A and Z: draws_s); flow_vs_gd_* is the "
        "largest relative difference of ours in gradient flow (eta=None) at the same t from GD at step 1, the size "
        "of the discretisation the GD loops share with draw_loss(eta=1). NumPy loop (same BLAS as ours) and "
        "PyTorch loop (float64, autograd on w, optim.SGD) build the P x N features, then per step one forward and "
        "one backward product with them and the population test loss sum lam (w* - A^T w/sqrt(N))^2 (an N x M "
        "product). Threads: 1_thread = ours and the NumPy loop with 1 BLAS thread ($SCALINGLAWS_BLAS_THREADS, "
        "threadpoolctl), torch.set_num_threads(1), JAX with XLA_FLAGS=--xla_cpu_multi_thread_eigen=false "
        "intra_op_parallelism_threads=1 and pinned to one CPU; all_threads = the same knobs at "
        f"{ALL} (JAX with XLA's defaults); cpu_per_wall is process CPU time over wall time, a check of the "
        "threads used. seconds_*: median wall time of up to 5 (ours) or 3 (others) runs after a warm-up, "
        "repeats = how many per thread setting. One run on a shared 2-vCPU virtual machine with another "
        f"user timing things: load average (1, 5, 15 min) {la(load_start)} at start and {la(load_end)} at end.")
    write("alternatives", "Our simulators against PyTorch, JAX and NumPy implementations (same run)", rows,
          notes=notes, extra={"loadavg_start": list(load_start), "loadavg_end": list(load_end),
                              "max_rel_diff_worst": worst})


if __name__ == "__main__":
    main()
