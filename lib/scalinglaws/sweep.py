"""Parameter sweeps on any executor, with a content-addressed disk cache and progress bars.

One function, :func:`sweep`, runs ``fn(**params)`` for every point of a grid (seeds x widths x
learning rates x data sizes ...) and returns the results in grid order:

* **executor**: ``None`` runs serially in this process; anything with a
  :class:`concurrent.futures.Executor`-style ``submit`` works, e.g.
  ``concurrent.futures.ProcessPoolExecutor()`` or a Dask cluster's
  ``dask.distributed.Client(address).get_executor()``.  ``"auto"`` (the default) reads the
  environment set by ``python -m scalinglaws reproduce --scheduler ADDRESS`` /
  ``--processes N`` (``$SCALINGLAWS_SCHEDULER`` / ``$SCALINGLAWS_PROCESSES``), so a notebook
  written for one core scales out without an edit.
* **shipping**: on an executor, ``fn`` travels serialised by ``cloudpickle`` inside a small
  module-level wrapper, so lambdas, closures and functions defined in a notebook work on a plain
  ``ProcessPoolExecutor`` too (module-level functions are shipped by reference, as ``pickle``
  would).  The serial path calls ``fn`` directly (no serialisation).
* **no nesting**: while a worker runs a sweep's task, ``executor="auto"`` (and
  :func:`executor_from_env`) resolve to serial in that process, so a sweep called by ``fn``
  (e.g. :func:`scalinglaws.deeplinear.simulate_seeds` inside a notebook's sweep) runs its
  points in the worker instead of starting a nested pool or a nested Dask submission.  An
  explicit executor passed to the inner sweep is still honoured.
* **determinism**: with ``seed=`` given, each point receives ``seed=derive_seed(seed, params)``,
  a function of the base seed and of the point's own parameters only, never of the order in
  which workers finish, so every executor returns bit-identical results.
* **cache**: with ``cache=`` a folder (or ``True`` for ``<repo>/.cache/sweeps``), each result
  is stored under the SHA-256 of (the function's qualified name and source, the source of the
  module that defines it, a fingerprint of every file of this library, the library version,
  the point's parameters), extended to everything else the result depends on: the values of
  ``fn``'s closure cells, defaults and the globals its code reads (user functions among them
  recursively, by their source; user helper modules by the content of their file; installed
  modules by name and version) and the versions of Python, numpy, scipy, numba and llvmlite.  Any
  change of the library therefore invalidates the entries (conservative: a notebook can never
  read a result computed by older code); a value that cannot be fingerprinted is an error, not a
  guess.  Entries are
  written to a temporary file and renamed into place (:func:`os.replace` is atomic), so an
  interrupted run never leaves a corrupt entry; an unreadable entry is recomputed, and the
  temporary file of a killed writer is removed by the next cached sweep (:func:`clean_orphans`).
* **progress**: a ``tqdm`` bar (``tqdm.auto``, so it renders in notebooks too) with the
  estimated time left, drawn once a sweep has run for ``BAR_DELAY_S`` = 2 s (short sweeps stay
  silent); ``progress=False`` silences it, and so does ``SCALINGLAWS_PROGRESS=0`` in the
  environment for every sweep left at its default (the book builds set it: a bar is noise in an
  executed page).

Example::

    from scalinglaws.sweep import sweep, grid
    res = sweep(simulate, grid(N=[64, 128, 256], P=[512]), seed=0, cache=True)
"""
from __future__ import annotations

import concurrent.futures as cf
import dis
import functools
import hashlib
import inspect
import itertools
import json
import numbers
import os
import pickle
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np

__all__ = ["grid", "sweep", "derive_seed", "cache_key", "library_fingerprint",
           "executor_from_env", "in_worker", "clean_orphans", "SCHEDULER_ENV", "PROCESSES_ENV"]

SCHEDULER_ENV = "SCALINGLAWS_SCHEDULER"
PROCESSES_ENV = "SCALINGLAWS_PROCESSES"
BAR_DELAY_S = 2.0


def grid(**axes) -> list[dict]:
    """Cartesian product of named axes, in row-major order: ``grid(a=[1, 2], b=[3])``
    -> ``[{'a': 1, 'b': 3}, {'a': 2, 'b': 3}]``.  Each axis must be a non-empty sequence."""
    if not axes:
        raise ValueError("grid needs at least one named axis, e.g. grid(N=[64, 128])")
    for k, v in axes.items():
        if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
            raise ValueError(f"grid axis {k!r} must be a sequence of values, got {v!r}")
        if len(list(v)) == 0:
            raise ValueError(f"grid axis {k!r} is empty")
    keys = list(axes)
    return [dict(zip(keys, vals)) for vals in itertools.product(*(list(axes[k]) for k in keys))]


def _canonical(obj):
    """A JSON-able canonical form of a parameter value (numbers, strings, tuples, arrays)."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        return {"float": float(obj).hex()}  # exact, and distinct from an equal int
    if isinstance(obj, np.ndarray):
        a = np.ascontiguousarray(obj)
        return {"ndarray": str(a.dtype), "shape": list(a.shape),
                "sha256": hashlib.sha256(a.tobytes()).hexdigest()}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): _canonical(obj[k]) for k in sorted(obj, key=str)}
    raise ValueError(f"a sweep parameter value (in `params` / `points`) {obj!r} of type {type(obj).__name__} "
                     "cannot be hashed reproducibly; use numbers, strings, tuples, lists, dicts or numpy arrays")


def _params_json(params: dict) -> str:
    return json.dumps(_canonical(params), sort_keys=True, separators=(",", ":"))


def derive_seed(seed: int, params: dict) -> int:
    """A 63-bit seed from a base ``seed`` and the point's parameters (order-independent)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"`seed` must be an integer >= 0, got {seed!r}")
    if not isinstance(params, dict):
        raise ValueError(f"`params` must be a dict of keyword arguments, got {type(params).__name__}")
    h = hashlib.sha256(f"{int(seed)}|{_params_json(params)}".encode()).digest()
    return int.from_bytes(h[:8], "little") >> 1


def library_fingerprint() -> str:
    """SHA-256 over the contents of every ``.py`` file of this package and all its subpackages
    (:func:`scalinglaws._numba_cache.source_fingerprint`)."""
    from ._numba_cache import source_fingerprint
    return source_fingerprint()


_DEPENDENCIES = ("numpy", "scipy", "numba", "llvmlite")
_MAX_DEPTH = 8


def _dependency_versions() -> str:
    """Python and the numerical dependencies' versions: a result computed under another numpy,
    scipy or numba is another result."""
    import importlib.metadata as md
    import sys
    parts = [f"python={sys.version.split()[0]}"]
    for name in _DEPENDENCIES:
        try:
            parts.append(f"{name}={md.version(name)}")
        except md.PackageNotFoundError:
            parts.append(f"{name}=absent")
    return ";".join(parts)


def _is_third_party(mod) -> bool:
    """A module installed with Python or in site-packages (identified by name and version),
    as opposed to a user's helper file (identified by the content of its source)."""
    import sysconfig
    f = getattr(mod, "__file__", None)
    if f is None:
        return True  # builtin / namespace module
    f = os.path.realpath(f)
    roots = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    return "site-packages" in f or "dist-packages" in f or any(f.startswith(r + os.sep) for r in roots)


def _module_identity(mod) -> str:
    """``name==version`` for installed modules, ``name sha256=...`` (of the file) for a user's."""
    name = getattr(mod, "__name__", "?")
    if name == "scalinglaws" or name.startswith("scalinglaws."):
        return f"module {name} (library fingerprint)"  # covered by library_fingerprint()
    if _is_third_party(mod):
        top = name.split(".")[0]
        try:
            import importlib.metadata as md
            version = md.version(top)
        except Exception:
            version = getattr(mod, "__version__", "?")
        return f"module {name}=={version}"
    try:
        data = Path(mod.__file__).read_bytes()
    except OSError:
        raise ValueError(f"cannot read the source file of module {name!r}, which the swept function "
                         "uses; a cached sweep needs it") from None
    return f"module {name} sha256={hashlib.sha256(data).hexdigest()}"


def _code_names(code) -> set:
    """Global names a code object (and every nested function/comprehension in it) reads."""
    names = {ins.argval for ins in dis.get_instructions(code) if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for c in code.co_consts:
        if inspect.iscode(c):
            names |= _code_names(c)
    return names


def _value_identity(obj, what: str, seen: set, depth: int) -> str:
    """A string that changes whenever ``obj`` (a closure cell, a global, a default) changes."""
    if depth > _MAX_DEPTH:
        return f"{what}: (depth limit)"
    if inspect.ismodule(obj):
        return _module_identity(obj)
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        return _function_identity(getattr(obj, "__func__", obj), seen, depth + 1)
    if inspect.isclass(obj) or inspect.isbuiltin(obj) or callable(obj) and hasattr(obj, "py_func"):
        mod = inspect.getmodule(obj)
        if mod is not None and not _is_third_party(mod) and not mod.__name__.startswith("scalinglaws"):
            try:
                return f"{what}: " + inspect.getsource(getattr(obj, "py_func", obj))
            except (OSError, TypeError):
                pass
        mid = _module_identity(mod) if mod is not None else "?"
        return f"{what}: {getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')} in {mid}"
    try:
        return f"{what}: " + json.dumps(_canonical(obj), sort_keys=True)
    except ValueError:
        pass
    try:  # any other picklable value (a dataclass of arrays, a Spectrum, ...): its bytes
        import cloudpickle
        return f"{what}: pickle sha256=" + hashlib.sha256(cloudpickle.dumps(obj, protocol=4)).hexdigest()
    except Exception:
        raise ValueError(f"cannot fingerprint {what} (a {type(obj).__name__}) for the sweep cache key; "
                         "pass it as a sweep parameter or use cache=None") from None


def _function_identity(fn, seen: set | None = None, depth: int = 0) -> str:
    """Name and source of ``fn``, the source hash of its module, and (recursively) the values of
    its closure cells, defaults and the globals its code reads: user functions by their source,
    user helper modules by their file's content, installed modules by name and version."""
    seen = set() if seen is None else seen
    name = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
    if id(fn) in seen:
        return f"{name} (recursive)"
    seen.add(id(fn))
    if isinstance(fn, functools.partial):
        return "\n".join([f"partial of {name}", _function_identity(fn.func, seen, depth + 1),
                          _value_identity(list(fn.args), f"partial args of {name}", seen, depth + 1),
                          _value_identity(dict(fn.keywords), f"partial keywords of {name}", seen, depth + 1)])
    target = inspect.unwrap(fn)
    if not inspect.isfunction(target):
        py = getattr(fn, "py_func", None)  # a numba dispatcher: its Python function
        if inspect.isfunction(py):
            return _function_identity(py, seen, depth + 1)
        return _value_identity(fn, name, seen, depth + 1)
    mod = inspect.getmodule(target)
    if depth > 0 and mod is not None and (mod.__name__.startswith("scalinglaws") or _is_third_party(mod)):
        # a library or installed function called by the user's: identified by its module
        return f"{name} in {_module_identity(mod)}"
    try:
        src = inspect.getsource(target)
    except (OSError, TypeError):
        src = ""
    if not src:
        raise ValueError(f"cannot read the source of {name}: a cached sweep needs a function whose "
                         "source is available (define it in a module or a notebook cell)")
    try:
        mod_src = inspect.getsource(mod) if mod is not None else ""
    except (OSError, TypeError):
        mod_src = ""
    parts = [name, src, hashlib.sha256(mod_src.encode()).hexdigest()]
    if target.__closure__:
        for var, cell in zip(target.__code__.co_freevars, target.__closure__):
            try:
                val = cell.cell_contents
            except ValueError:  # an empty cell (a name assigned later)
                continue
            parts.append(_value_identity(val, f"closure {var} of {name}", seen, depth + 1))
    for i, d in enumerate(target.__defaults__ or ()):
        parts.append(_value_identity(d, f"default {i} of {name}", seen, depth + 1))
    for k, d in sorted((target.__kwdefaults__ or {}).items()):
        parts.append(_value_identity(d, f"default {k} of {name}", seen, depth + 1))
    g = target.__globals__
    for var in sorted(_code_names(target.__code__)):
        if var in g:
            parts.append(_value_identity(g[var], f"global {var} of {name}", seen, depth + 1))
    return "\n".join(parts)


def cache_key(fn, params: dict, _prefix: str | None = None) -> str:
    """The cache key of one point: SHA-256 of function identity, library, version and parameters."""
    if not callable(fn):
        raise ValueError(f"`fn` must be callable, got {fn!r}")
    if not isinstance(params, dict):
        raise ValueError(f"`params` must be a dict of keyword arguments, got {type(params).__name__}")
    h = hashlib.sha256()
    for part in (_prefix or _key_prefix(fn), _params_json(params)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def _key_prefix(fn) -> str:
    from . import __version__
    return "\0".join([_function_identity(fn), library_fingerprint(), __version__, _dependency_versions()])


def _cache_dir(cache) -> Path | None:
    if cache is None or cache is False:
        return None
    if cache is True:
        from .book.claims import find_root
        try:
            return find_root() / ".cache" / "sweeps"
        except Exception:  # not inside the repository: use the user's cache folder
            return Path.home() / ".cache" / "scalinglaws" / "sweeps"
    return Path(cache)


_MISS = object()


def _cache_read(path: Path):
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        return _MISS
    except Exception as exc:  # truncated or foreign file: recompute, never trust it
        warnings.warn(f"ignoring unreadable sweep cache entry {path.name}: {exc}", RuntimeWarning)
        return _MISS


_TMP_PREFIX = ".tmp-"
ORPHAN_AGE_S = 24 * 3600


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def clean_orphans(folder) -> int:
    """Remove temporary files that an interrupted cache write left in ``folder`` (a process killed
    between writing and renaming): those whose writer process (its pid is in the name) is gone,
    and any older than ``ORPHAN_AGE_S`` (a day).  Returns how many were removed.  Every cached
    :func:`sweep` calls it on its folder first."""
    if not isinstance(folder, (str, os.PathLike)):
        raise ValueError(f"`folder` must be a path (str or os.PathLike), got {folder!r}")
    n = 0
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    now = time.time()
    for f in folder.glob(_TMP_PREFIX + "*.pkl"):
        try:
            pid = int(f.name[len(_TMP_PREFIX):].split("-", 1)[0])
        except ValueError:
            pid = None
        try:
            stale = pid is None or not _pid_alive(pid) or now - f.stat().st_mtime > ORPHAN_AGE_S
            if stale:
                f.unlink()
                n += 1
        except FileNotFoundError:  # renamed or removed by its writer meanwhile
            pass
    return n


def _cache_write(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{_TMP_PREFIX}{os.getpid()}-", suffix=".pkl")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # atomic on POSIX: readers see the old file or the whole new one
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


_SHARED: dict = {}

# Number of sweep tasks this process is executing right now as a worker (see _ShippedCall).
# While it is > 0, "auto" means serial: a worker never starts a nested pool or Dask submission
# (a forked worker would otherwise even inherit a copy of its parent's pool from _SHARED).
_IN_WORKER = 0
_IN_WORKER_LOCK = threading.Lock()


def in_worker() -> bool:
    """True while this process executes a task of a sweep as a worker."""
    return _IN_WORKER > 0


class _ShippedCall:
    """``fn`` serialised with cloudpickle; calling it with a dict of keyword arguments runs
    ``fn(**kw)`` with :func:`in_worker` true, so nested ``executor="auto"`` sweeps are serial.

    Module-level (importable by every worker) and itself picklable by plain ``pickle``: the
    payload is bytes, which plain ``pickle.loads`` turns back into ``fn`` in the worker."""

    __slots__ = ("payload",)

    def __init__(self, fn):
        import cloudpickle
        self.payload = cloudpickle.dumps(fn, protocol=pickle.HIGHEST_PROTOCOL)

    def __getstate__(self):
        return self.payload

    def __setstate__(self, payload):
        self.payload = payload

    def __call__(self, kw: dict):
        global _IN_WORKER
        fn = pickle.loads(self.payload)
        with _IN_WORKER_LOCK:
            _IN_WORKER += 1
        try:
            return fn(**kw)
        finally:
            with _IN_WORKER_LOCK:
                _IN_WORKER -= 1


def executor_from_env():
    """The executor requested through the environment, or ``None`` (serial).

    ``$SCALINGLAWS_SCHEDULER=tcp://host:8786`` gives a Dask ``Client(address).get_executor()``;
    ``$SCALINGLAWS_PROCESSES=N`` a local ``ProcessPoolExecutor(N)``.  One executor per setting is
    created per process and reused by every later sweep (connecting or forking once).  Inside a
    sweep's worker task (:func:`in_worker`) it is always ``None``: nested sweeps run serially.
    """
    if _IN_WORKER > 0:
        return None
    address = os.environ.get(SCHEDULER_ENV)
    n = os.environ.get(PROCESSES_ENV)
    if not address and not n:
        return None
    key = (address, n)
    if key not in _SHARED:
        if address:
            from dask.distributed import Client
            _SHARED[key] = Client(address, set_as_default=False).get_executor()
        else:
            try:
                workers = int(n)
                assert workers >= 1
            except (ValueError, AssertionError):
                raise ValueError(f"${PROCESSES_ENV} must be an integer >= 1, got {n!r}") from None
            import atexit
            ex = cf.ProcessPoolExecutor(workers)
            atexit.register(ex.shutdown)
            _SHARED[key] = ex
    return _SHARED[key]


class _NoBar:
    def update(self, n=1):
        pass

    def close(self):
        pass


def _progress_bar(total, initial, desc, progress):
    if not progress:
        return _NoBar()  # the serial path with progress=False imports and draws nothing
    from tqdm.std import TqdmWarning
    with warnings.catch_warnings():
        # without ipywidgets, tqdm.auto warns once ("IProgress not found") and falls back to a
        # text bar; the text bar is what we want in executed notebooks, the warning is noise
        warnings.simplefilter("ignore", TqdmWarning)
        from tqdm.auto import tqdm
    # delay: a sweep that finishes within BAR_DELAY_S draws nothing (no clutter on the book's
    # pages from the many millisecond DMFT sweeps); a long one shows its bar and time left
    return tqdm(total=total, initial=initial, desc=desc, unit="pt", smoothing=0.1, delay=BAR_DELAY_S)


def sweep(fn, points, *, executor="auto", seed: int | None = None, cache=None,
          progress: bool | None = None, desc: str | None = None) -> list:
    """Evaluate ``fn(**p)`` (plus ``seed=derive_seed(seed, p)`` if ``seed`` is given) for every
    ``p`` in ``points`` and return the results in the order of ``points``.

    Parameters
    ----------
    fn : callable
        A function of keyword arguments.  On an executor it is shipped with cloudpickle, so a
        lambda, a closure or a notebook function works (its results must be picklable).
    points : list of dict
        The grid, e.g. from :func:`grid`.
    executor : ``"auto"``, ``None`` or an executor
        ``"auto"`` = :func:`executor_from_env`: serial unless the environment asks otherwise,
        and always serial inside another sweep's worker task.
    seed : int, optional
        Base seed; each point gets its own seed derived from it and its parameters.
    cache : ``None``, ``True`` or a folder
        Disk cache of results (see the module docstring).
    progress, desc : bool or None, str
        A text/notebook progress bar labelled ``desc`` (default: the function's name);
        ``progress=False`` draws nothing; ``None`` (default) draws one unless the environment sets
        ``SCALINGLAWS_PROGRESS=0``.
    """
    if not callable(fn):
        raise ValueError(f"`fn` must be callable, got {fn!r}")
    if isinstance(executor, str):
        if executor != "auto":
            raise ValueError(f"`executor` must be 'auto', None or an object with submit(), got {executor!r}")
    elif executor is not None and not callable(getattr(executor, "submit", None)):
        raise ValueError(f"`executor` must be 'auto', None or an object with submit(), got {executor!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
        raise ValueError(f"`seed` must be None or an integer >= 0, got {seed!r}")
    if not (cache is None or isinstance(cache, (bool, str, os.PathLike))):
        raise ValueError(f"`cache` must be None, True/False or a folder path, got {cache!r}")
    if progress is None:
        flag = os.environ.get("SCALINGLAWS_PROGRESS", "1").strip()
        if flag not in ("0", "1"):
            raise ValueError(f"environment variable SCALINGLAWS_PROGRESS must be '0' or '1', got {flag!r}")
        progress = flag == "1"
    if not isinstance(progress, bool):
        raise ValueError(f"`progress` must be None, True or False, got {progress!r}")
    if desc is not None and not isinstance(desc, str):
        raise ValueError(f"`desc` must be None or a string, got {desc!r}")
    if isinstance(points, (str, bytes, dict)) or not hasattr(points, "__iter__"):
        raise ValueError(f"`points` must be a list of dicts of keyword arguments (see sweep.grid), got {points!r}")
    points = list(points)
    if not all(isinstance(p, dict) for p in points):
        raise ValueError("`points` must be a list of dicts of keyword arguments (see sweep.grid)")
    calls = []
    for p in points:
        kw = dict(p)
        if seed is not None:
            if "seed" in kw:
                raise ValueError("a point of `points` already has 'seed'; pass seed=None to sweep or drop it from the grid")
            kw["seed"] = derive_seed(seed, p)
        calls.append(kw)

    cdir = _cache_dir(cache)
    if cdir is not None:
        clean_orphans(cdir)
        prefix = _key_prefix(fn)
        keys = [cache_key(fn, kw, prefix) for kw in calls]
    else:
        keys = [None] * len(calls)
    results: list = [_MISS] * len(calls)
    if cdir is not None:
        for i, k in enumerate(keys):
            results[i] = _cache_read(cdir / f"{k}.pkl")
    todo = [i for i, r in enumerate(results) if r is _MISS]

    if isinstance(executor, str):  # "auto"
        executor = executor_from_env()
    bar = _progress_bar(len(calls), len(calls) - len(todo), desc or getattr(fn, "__name__", "sweep"), progress)
    try:
        def done(i, value):
            results[i] = value
            if cdir is not None:
                _cache_write(cdir / f"{keys[i]}.pkl", value)
            bar.update(1)

        if executor is None:
            for i in todo:
                done(i, fn(**calls[i]))
        elif todo:
            shipped = _ShippedCall(fn)
            futures = {executor.submit(shipped, calls[i]): i for i in todo}
            try:
                for fut in cf.as_completed(futures):
                    done(futures[fut], fut.result())
            except BaseException:
                for fut in futures:  # do not leave the rest of a failed sweep running
                    fut.cancel()
                raise
    finally:
        bar.close()
    return results
