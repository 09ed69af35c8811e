"""The software and machine that made a build's numbers, read at build time.

:func:`describe` returns the versions of Python, the library and its numerical dependencies
(numpy, scipy, numba, llvmlite, matplotlib), the BLAS libraries loaded in this process (from
``threadpoolctl``, with their thread counts) and the machine (CPU model, logical CPUs, memory,
operating system).  The scorecard and benchmark pages show it with :func:`environment_html`, so a
cited number can be traced to the environment that produced it.
"""
from __future__ import annotations

import html
import os
import platform
import sys
from importlib import metadata

__all__ = ["describe", "environment_html"]

_PACKAGES = ("scalinglaws", "numpy", "scipy", "numba", "llvmlite", "matplotlib", "jupyter-book", "myst-nb")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def describe() -> dict:
    """Versions and machine of this process: ``{"python", "packages", "blas", "machine"}``.

    ``packages`` maps each distribution name to its installed version (``"not installed"`` if
    absent); ``blas`` lists one dict per BLAS/OpenMP library loaded (``library``, ``api``,
    ``version``, ``threads``), after importing numpy and scipy.linalg so that theirs are loaded."""
    import numpy  # noqa: F401  (loads numpy's BLAS)
    import scipy.linalg  # noqa: F401  (and scipy's)
    from threadpoolctl import threadpool_info

    packages = {}
    for name in _PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "not installed"
    blas = [{"library": os.path.basename(i.get("filepath", "")), "api": i.get("internal_api", ""),
             "version": i.get("version") or "", "threads": i.get("num_threads")}
            for i in threadpool_info()]
    mem = _memory_gib()
    machine = {"cpu": _cpu_model(), "logical_cpus": os.cpu_count(), "arch": platform.machine(),
               "memory_gib": None if mem is None else round(mem, 1),
               "os": f"{platform.system()} {platform.release()}"}
    return {"python": f"{platform.python_implementation()} {sys.version.split()[0]}",
            "packages": packages, "blas": blas, "machine": machine}


def environment_html(info: dict | None = None) -> str:
    """A two-column HTML table of :func:`describe` (or of a given ``info`` of its form)."""
    info = describe() if info is None else info
    e = html.escape
    m = info["machine"]
    rows = [("Python", info["python"])]
    rows += [(k, v) for k, v in info["packages"].items()]
    for b in info["blas"]:
        rows.append((f"BLAS / threads: {b['api']}", f"{b['library']} {b['version']}, {b['threads']} threads"))
    mem = "" if m["memory_gib"] is None else f", {m['memory_gib']} GiB memory"
    rows.append(("machine", f"{m['cpu']} ({m['arch']}), {m['logical_cpus']} logical CPUs{mem}; {m['os']}"))
    body = "".join(f"<tr><td>{e(str(k))}</td><td>{e(str(v))}</td></tr>" for k, v in rows)
    return ("<table class='sl-env'><thead><tr><th>component</th><th>version / value</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")
