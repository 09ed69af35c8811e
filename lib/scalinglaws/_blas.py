"""The BLAS thread policy of every BLAS-heavy path (eigensolvers, the random-feature paths, the DLN
simulators' matrix-vector and rank-one work), in one place.

``threads=None`` means ``$SCALINGLAWS_BLAS_THREADS`` if set, else 1.  One thread is the measured
choice on the 2-vCPU machines this book is built and tested on (``benchmarks/bench_threads.py``,
the benchmark page's thread table): a second BLAS thread gains 1.35x for the eigensolver and at
most 1.1x for the simulators on an idle machine (the power-law simulator loses 1.5x even there),
and costs 1.6-3x on every path as soon as one other process competes for the second vCPU, which is
the normal state of a shared CI runner or of a book build next to a test run.  On a
dedicated multi-core machine set ``$SCALINGLAWS_BLAS_THREADS`` to the number of cores.
"""
from __future__ import annotations

import os

from threadpoolctl import threadpool_limits

from ._validation import integer

__all__ = ["BLAS_THREADS_ENV", "blas_threads", "blas_limits"]

BLAS_THREADS_ENV = "SCALINGLAWS_BLAS_THREADS"


def blas_threads(threads=None):
    """The number of BLAS threads to use: ``threads`` (an integer >= 1) if given, else
    ``$SCALINGLAWS_BLAS_THREADS`` (an integer >= 1) if set, else 1.  ``ValueError`` otherwise."""
    if threads is not None:
        return integer("threads", threads, 1)
    env = os.environ.get(BLAS_THREADS_ENV)
    if env is None:
        return 1
    try:
        n = int(env)
        ok = n >= 1 and float(env) == n
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ValueError(f"${BLAS_THREADS_ENV} must be an integer >= 1 (BLAS threads), got {env!r}")
    return n


def blas_limits(threads=None):
    """``threadpool_limits`` context with :func:`blas_threads` threads (BLAS only)."""
    return threadpool_limits(blas_threads(threads), user_api="blas")
