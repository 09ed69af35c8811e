"""Shared timing and reporting helpers of the benchmark scripts (``make bench`` runs them all).

Every benchmark measures the median wall time of several repeats after one warm-up call (numba
compilation, caches), compares our code with an alternative *in the same run*, and writes one
JSON file to ``benchmarks/results/`` that the book's benchmark page renders.  Numbers are
reported, never asserted.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def median_time(f, repeats=5, warmup=1, max_seconds=None):
    """Median wall time of ``f()`` over ``repeats`` calls after ``warmup`` calls.

    With ``max_seconds`` the repeats stop early once that much time has been spent (at least
    three are kept whenever one call is short enough)."""
    for _ in range(warmup):
        f()
    ts = []
    t_all = time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
        if max_seconds is not None and len(ts) >= 3 and time.perf_counter() - t_all > max_seconds:
            break
    return float(np.median(ts)), len(ts)


def growth_exponent(sizes, times):
    """Least-squares slope of log(time) on log(size)."""
    return float(np.polyfit(np.log(np.asarray(sizes, float)), np.log(np.asarray(times, float)), 1)[0])


def machine():
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent).stdout.strip()
    except OSError:
        commit = ""
    from threadpoolctl import threadpool_info
    blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads)" for i in threadpool_info()]
    return {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "commit": commit,
            "python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(), "numpy": np.__version__, "blas": blas}


def write(name, title, rows, notes="", extra=None):
    """Write ``benchmarks/results/<name>.json``: a title, rows (list of dicts) and notes."""
    RESULTS.mkdir(exist_ok=True)
    out = {"name": name, "title": title, "machine": machine(), "rows": rows, "notes": notes}
    out.update(extra or {})
    path = RESULTS / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=1, default=float))
    os.replace(tmp, path)
    print(f"\n== {title}")
    for r in rows:
        print("  " + "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
    if notes:
        print("  " + notes)
    print(f"  -> {path}")
    return path
