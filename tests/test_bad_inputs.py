"""Issue 14: every bad input to a public function gives a clear error (or, where divergence is the
documented outcome, a flag in the result); every registry's valid call returns finite results.

The cases come from the registries in ``tests/attack/`` (one per subpackage) through the mutation
engine ``tests/attack/engine.py``; ``tools/attack_api.py`` runs the same cases in a watchdog process
and counts them.
"""
from __future__ import annotations

import inspect
import signal

import pytest

from attack import engine

ENTRIES = engine.registry()
CASES = [c for e in ENTRIES for c in engine.cases(e)]


class _Timeout(Exception):
    pass


def _alarm(seconds):
    def handler(signum, frame):
        raise _Timeout(f"ran past {seconds} s")
    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    return old


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_clear(case):
    old = _alarm(60)
    try:
        outcome, detail = engine.run_case(case)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert outcome == "clear", f"{case.id}: {outcome}: {detail}"


VALID = [e for e in ENTRIES if e.valid_call]


@pytest.mark.parametrize("entry", VALID, ids=[e.name for e in VALID])
def test_valid_call_is_finite(entry):
    engine.run_valid(entry)


# public callables that take no numeric input worth attacking (name -> reason)
EXEMPT = {
    "DMFTResult": "result container",
    "StabilityEdge": "result container of stability_edge (its ratio method is attacked)",
    "SweepResult": "result container",
    "TransferStudy": "result container",
    "Frontier": "result container",
    "SimResult": "result container; built by from_draws, which is attacked",
    "ConvergenceError": "exception type",
    "DMFTConvergenceError": "exception type",
    "NotebookResult": "result container",
    "PowerLawFit": "result container of fit_power_law",
    "TailExponentFit": "result container of tail_exponent / fit_spectrum_exponent",
    "DataUnavailableError": "exception type",
    "setup": "takes no argument",
    "legend_theory_vs_sim": "an axis and two legend labels only",
    "lr_transfer_panels": "draws a TransferStudy, which transfer_study builds from validated inputs",
    "RadialSpectrum": "result container of radial_spectrum (its values and radial_target methods are attacked)",
    "ExponentMeasurement": "result container (dataclass) of measure_exponents",
}


def _public_callables():
    import importlib
    out = []
    for mod in ("ntk", "randomfeatures", "deeplinear", "compare", "datasets", "fits", "sweep", "plotting", "book"):
        m = importlib.import_module(f"scalinglaws.{mod}")
        for name in m.__all__:
            obj = getattr(m, name)
            if callable(obj) and not (inspect.isclass(obj) and issubclass(obj, BaseException)):
                out.append((mod, name, obj))
    return out


def test_every_public_callable_is_attacked():
    attacked = {e.fn for e in ENTRIES}
    # ClaimBook.record / .figure are attacked through fresh books (tests/attack/book.py)
    from attack import book
    attacked |= {book.ClaimBook.record, book.ClaimBook.figure} if book.record in attacked else set()
    missing = [f"{mod}.{name}" for mod, name, obj in _public_callables()
               if obj not in attacked and name not in EXEMPT]
    assert not missing, f"public callables without a bad-input registry entry: {missing}"


def test_engine_classifies():
    """The classifier itself: a function that returns NaN is silent, one that raises without
    naming the parameter is unclear, one that names it is clear."""
    def f(x):
        if x != x:
            return x
        if x < 0:
            raise ValueError("bad value")
        if x > 10:
            raise ValueError("`x` must be <= 10")
        return x

    e = engine.Entry(f, (1.0,), bad={"x": [-1.0, 11.0]})
    got = {c.label: engine.run_case(c)[0] for c in engine.cases(e)}
    assert got["x=nan"] == "silent"
    assert got["x=-1.0#0"] == "unclear"
    assert got["x=11.0#1"] == "clear"
    assert got["x=str"] == "unclear"  # TypeError from '<' without the name
