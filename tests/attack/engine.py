"""Mutation engine of the bad-input attack.

A registry entry is a :class:`Entry`: a public function with one *valid* call.  From it the engine
makes bad calls, one parameter at a time:

* automatic mutations by the type of the valid value (NaN, +-inf, a bool, a string, None for
  numbers; also 2.5 and -1 for integers; empty, NaN-containing, inf-containing and one-more-dimension
  arrays; an unknown string for options; a non-bool for flags), minus those the entry lists in
  ``allow`` (values that are valid for that parameter, e.g. ``inf`` for an infinite width);
* hand-written bad values (``bad``: {param: [values]}) for ranges and shapes;
* whole hand-written calls (``extra``: list of :class:`Call`) for combinations (mismatched shapes,
  a divergent learning rate whose documented outcome is a flag in the result, ...).

Outcome of a bad call (:func:`classify`):

* ``clear``  - raised ``ValueError``/``TypeError`` (or the entry's documented error type) whose
  message names the parameter (or, for ``Call``, the names in ``Call.names``);
  or, for a ``Call`` with ``flagged``, returned a result for which ``flagged(result)`` is true;
* ``unclear`` - raised anything else, or a message that does not name the parameter;
* ``silent`` - returned normally;
* ``hang``   - (only in the watchdog runner) ran past its time limit or memory limit.

The valid call itself must return and pass ``check`` (default: every float in the result finite).
"""
from __future__ import annotations

import dataclasses
import inspect
import math
import numbers
from typing import Any, Callable

import numpy as np

_MISSING = object()


@dataclasses.dataclass
class Call:
    """One hand-written bad call: ``fn(*args, **kwargs)``; ``names`` = parameter names at least one
    of which the error message must contain; ``flagged`` = predicate on the result when the
    documented outcome is a flag (e.g. ``lambda r: r.diverged``) instead of an error."""
    label: str
    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    names: tuple = ()
    flagged: Callable | None = None


@dataclasses.dataclass
class Entry:
    fn: Callable
    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    bad: dict = dataclasses.field(default_factory=dict)      # param -> list of bad values
    allow: dict = dataclasses.field(default_factory=dict)    # param -> list of mutation labels valid there
    skip: tuple = ()                                          # params not auto-mutated
    extra: list = dataclasses.field(default_factory=list)    # list of Call
    errors: tuple = ()                                        # documented error types besides ValueError/TypeError
    check: Callable | None = None                             # predicate on the valid result
    valid_call: bool = True                                   # False: args/kwargs are a bad call only

    @property
    def name(self) -> str:
        mod = getattr(self.fn, "__module__", "?").replace("scalinglaws.", "")
        return f"{mod}.{getattr(self.fn, '__qualname__', repr(self.fn))}"


@dataclasses.dataclass
class Case:
    entry: Entry
    label: str          # e.g. "T=nan"
    args: tuple
    kwargs: dict
    names: tuple        # parameter names the message must contain
    flagged: Callable | None = None

    @property
    def id(self) -> str:
        return f"{self.entry.name}[{self.label}]"


def _num_mutations(v):
    out = [("nan", math.nan), ("inf", math.inf), ("-inf", -math.inf), ("bool", True), ("str", "1"),
           ("None", None)]
    if isinstance(v, (numbers.Integral, np.integer)):
        out += [("2.5", 2.5), ("-1", -1)]
    return out


def _arr_mutations(a: np.ndarray):
    out = [("empty", np.zeros((0,) + a.shape[1:])), ("more-dims", a[None, ...])]
    if a.size and a.dtype.kind == "f":
        b = a.copy(); b.flat[0] = np.nan
        out.append(("has-nan", b))
        c = a.copy(); c.flat[-1] = np.inf
        out.append(("has-inf", c))
    out.append(("str", "abc"))
    return out


def mutations(value):
    """Automatic (label, bad value) pairs for a valid ``value``, by its type."""
    if isinstance(value, (bool, np.bool_)):
        return [("int-flag", 2), ("str-flag", "yes")]
    if isinstance(value, (numbers.Real, np.floating, np.integer)):
        return _num_mutations(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return _arr_mutations(value)
    if isinstance(value, str):
        return [("unknown-option", "no-such-option"), ("int-option", 3)]
    return []


def _bound(entry: Entry) -> "inspect.BoundArguments | None":
    try:
        sig = inspect.signature(entry.fn)
        return sig.bind(*entry.args, **entry.kwargs)
    except (TypeError, ValueError):
        return None


def _varkw(sig) -> str | None:
    return next((n for n, p in sig.parameters.items() if p.kind is inspect.Parameter.VAR_KEYWORD), None)


def _rebuild(entry: Entry, name: str, value):
    """The entry's valid call with parameter ``name`` replaced by ``value`` (a name that is not a
    declared parameter goes into the function's ``**kwargs``)."""
    ba = _bound(entry)
    if ba is None:
        raise RuntimeError(f"{entry.name}: the valid call does not bind to the signature")
    sig = ba.signature
    vk = _varkw(sig)
    if name in sig.parameters and name != vk:
        ba.arguments[name] = value
    elif vk is not None:
        ba.arguments[vk] = {**ba.arguments.get(vk, {}), name: value}
    else:
        raise RuntimeError(f"{entry.name}: no parameter {name!r}")
    return tuple(ba.args), dict(ba.kwargs)


def cases(entry: Entry) -> list[Case]:
    """Every bad call made from ``entry``."""
    out = []
    ba = _bound(entry)
    sig = inspect.signature(entry.fn)
    params = {}
    if ba is not None:
        for name, value in ba.arguments.items():
            kind = sig.parameters[name].kind
            if kind is inspect.Parameter.VAR_KEYWORD:
                params.update(value)  # keyword arguments passed through **kwargs are attacked too
            elif kind is not inspect.Parameter.VAR_POSITIONAL:
                params[name] = value
    for name, value in params.items():
        if name in entry.skip:
            continue
        allowed = set(entry.allow.get(name, ()))
        for label, bad in mutations(value):
            if label in allowed:
                continue
            a, k = _rebuild(entry, name, bad)
            out.append(Case(entry, f"{name}={label}", a, k, (name,)))
    for name, values in entry.bad.items():
        for j, bad in enumerate(values):
            a, k = _rebuild(entry, name, bad)
            out.append(Case(entry, f"{name}={_short(bad)}#{j}", a, k, (name,)))
    for call in entry.extra:
        out.append(Case(entry, call.label, tuple(call.args), dict(call.kwargs), tuple(call.names), call.flagged))
    return out


def _short(v) -> str:
    if isinstance(v, np.ndarray):
        return f"array{v.shape}"
    s = repr(v)
    return s if len(s) <= 20 else s[:17] + "..."


def classify(case: Case, exc: BaseException | None, result: Any = _MISSING) -> tuple[str, str]:
    """(outcome, detail) of a bad call that raised ``exc`` or returned ``result``."""
    if exc is None:
        if case.flagged is not None:
            try:
                if case.flagged(result):
                    return "clear", "flagged in the result"
            except Exception as e:  # a predicate that fails is a silent outcome
                return "silent", f"returned; flag check failed: {e!r}"
        return "silent", "returned " + _short(result)
    allowed = (ValueError, TypeError) + tuple(case.entry.errors)
    msg = str(exc)
    if not isinstance(exc, allowed):
        return "unclear", f"{type(exc).__name__}: {msg[:160]}"
    if case.names and not any(n in msg for n in case.names):
        return "unclear", f"{type(exc).__name__} without naming {case.names}: {msg[:160]}"
    return "clear", f"{type(exc).__name__}: {msg[:160]}"


def run_case(case: Case) -> tuple[str, str]:
    """Run one bad call in this process and classify it (no time limit here)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                res = case.entry.fn(*case.args, **case.kwargs)
            except Exception as exc:  # noqa: BLE001 - every exception is classified
                return classify(case, exc)
    return classify(case, None, res)


def _floats(obj, depth=0):
    """Every float array/scalar inside a result (dataclasses, tuples, lists, dicts), for ``check``."""
    if depth > 4:
        return
    if isinstance(obj, (bool, np.bool_, str, type(None))):
        return
    if isinstance(obj, (numbers.Real, np.floating)):
        yield np.asarray(float(obj))
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            yield obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _floats(getattr(obj, f.name), depth + 1)
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _floats(v, depth + 1)
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            yield from _floats(v, depth + 1)


def all_finite(result) -> bool:
    """Default check of a valid call: every float inside the result is finite."""
    return all(np.all(np.isfinite(a)) for a in _floats(result))


def run_valid(entry: Entry):
    """Run the valid call; raise AssertionError if it fails its check."""
    res = entry.fn(*entry.args, **entry.kwargs)
    ok = entry.check(res) if entry.check is not None else all_finite(res)
    if not ok:
        raise AssertionError(f"{entry.name}: the valid call returned a result that fails its check")
    return res


def registry() -> list[Entry]:
    """Every entry of every registry (modules ``attack.ntk`` ... ``attack.shared``, ``attack.book``)."""
    import importlib
    out = []
    for mod in ("ntk", "randomfeatures", "deeplinear", "shared", "book"):
        try:
            m = importlib.import_module(f"attack.{mod}")
        except ModuleNotFoundError as e:
            if e.name == f"attack.{mod}":
                continue
            raise
        out.extend(m.ENTRIES)
    return out
