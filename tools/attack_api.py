#!/usr/bin/env python
"""Bad-input attack on the public API (issue 14): counts of clear / unclear / silent / hang.

Runs every case of the registries in ``tests/attack/`` in a watchdog worker process (a time limit
per case and a memory limit on the worker; a case past either counts as a hang and the worker is
restarted after it).  Usage::

    python tools/attack_api.py [--only ntk|randomfeatures|deeplinear|shared] [--timeout 30]
                               [--json benchmarks/results/attack.json] [--list unclear,silent,hang]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _worker(start: int, only: str | None, mem_gb: float) -> None:
    import resource
    lim = int(mem_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    from attack import engine
    cases = _cases(engine, only)
    for i in range(start, len(cases)):
        try:
            outcome, detail = engine.run_case(cases[i])
        except MemoryError:
            outcome, detail = "hang", "MemoryError (worker memory limit)"
        print(json.dumps({"i": i, "outcome": outcome, "detail": detail}), flush=True)


def _cases(engine, only):
    entries = engine.registry()
    if only:
        entries = [e for e in entries if e.name.split(".")[0] == only or e.name.startswith(only)]
    return [c for e in entries for c in engine.cases(e)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=None)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--mem-gb", type=float, default=6.0)
    ap.add_argument("--json", default=None)
    ap.add_argument("--list", default="unclear,silent,hang")
    ap.add_argument("--bench", action="store_true",
                    help="also write benchmarks/results/attack.json (per-module counts, shown on the benchmark page)")
    ap.add_argument("--_worker", type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a._worker is not None:
        _worker(a._worker, a.only, a.mem_gb)
        return 0
    from attack import engine
    cases = _cases(engine, a.only)
    results: dict[int, dict] = {}
    start = 0
    t0 = time.time()
    while start < len(cases):
        cmd = [sys.executable, __file__, "--_worker", str(start), "--mem-gb", str(a.mem_gb)]
        if a.only:
            cmd += ["--only", a.only]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONWARNINGS": "ignore"})
        q: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [q.put(ln) for ln in p.stdout] + [q.put(None)], daemon=True).start()
        nxt = start
        while True:
            # the first case also pays numba compilation: allow it extra time
            try:
                ln = q.get(timeout=a.timeout * (4 if nxt == start else 1))
            except queue.Empty:
                p.kill()
                p.wait()
                break
            if ln is None:
                p.wait()
                break
            r = json.loads(ln)
            results[r["i"]] = r
            nxt = r["i"] + 1
        if nxt < len(cases) and nxt not in results:
            results[nxt] = {"i": nxt, "outcome": "hang", "detail": f"past {a.timeout} s or worker died"}
            nxt += 1
        start = nxt
    counts = collections.Counter(r["outcome"] for r in results.values())
    fns = {c.entry.name for c in cases}
    show = set(a.list.split(",")) if a.list else set()
    for i, c in enumerate(cases):
        r = results[i]
        if r["outcome"] in show:
            print(f"{r['outcome']:8s} {c.id}: {r['detail']}")
    summary = {"functions": len(fns), "cases": len(cases), **{k: counts.get(k, 0) for k in
               ("clear", "unclear", "silent", "hang")}, "seconds": round(time.time() - t0, 1)}
    print(json.dumps(summary))
    if a.bench:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import common
        per: dict = {}
        for i, c in enumerate(cases):
            mod = c.entry.name.split(".")[0]
            mod = "book" if mod == "attack" else mod  # ClaimBook methods on fresh books (tests/attack/book.py)
            row = per.setdefault(mod, {"module": mod, "functions": set(), "cases": 0, "clear": 0, "unclear": 0,
                                       "silent": 0, "hang": 0})
            row["functions"].add(c.entry.name)
            row["cases"] += 1
            row[results[i]["outcome"]] += 1
        rows = [{**r, "functions": len(r["functions"])} for r in per.values()]
        rows.append({"module": "all", **{k: sum(r[k] for r in rows) for k in
                                           ("functions", "cases", "clear", "unclear", "silent", "hang")}})
        common.write("attack", "Bad-input attack on the public API (issue 14)", rows, notes=(
            "tools/attack_api.py: every public function's registry entry (tests/attack/) mutated parameter by "
            "parameter (NaN, inf, booleans, strings, None, non-integers, empty/NaN/wrong-rank arrays, unknown "
            "options) plus hand-written out-of-range values and combinations; each case in a watchdog process "
            f"({a.timeout:g} s, {a.mem_gb:g} GB). clear = an error naming the parameter (or a documented "
            "divergence flag); unclear = another error or one that does not name it; silent = returned; hang = "
            "past the limits. tests/test_bad_inputs.py asserts every case is clear."))
    if a.json:
        Path(a.json).write_text(json.dumps({"summary": summary, "cases": [
            {"id": c.id, **{k: results[i][k] for k in ("outcome", "detail")}} for i, c in enumerate(cases)]},
            indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
