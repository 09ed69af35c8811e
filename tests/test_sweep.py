"""The sweep runner: same results on every executor, a cache that is never stale or corrupt."""
import concurrent.futures as cf
import os
import pickle
import sys

import numpy as np
import pytest

from scalinglaws import sweep as SW


def noisy_mean(n, scale, seed):
    """Module-level (picklable) test function: a seeded Monte Carlo estimate."""
    rng = np.random.default_rng(seed)
    return float(scale * rng.standard_normal(n).mean())


POINTS = SW.grid(n=[10, 100, 1000], scale=[0.5, 2.0])


def test_grid_order_and_validation():
    assert SW.grid(a=[1, 2], b=[3]) == [{"a": 1, "b": 3}, {"a": 2, "b": 3}]
    with pytest.raises(ValueError, match="'b' is empty"):
        SW.grid(a=[1], b=[])
    with pytest.raises(ValueError, match="sequence"):
        SW.grid(a=3)


def test_derived_seed_depends_on_params_not_order():
    s1 = SW.derive_seed(7, {"a": 1, "b": 2.0})
    assert s1 == SW.derive_seed(7, {"b": 2.0, "a": 1})
    assert s1 != SW.derive_seed(8, {"a": 1, "b": 2.0})
    assert s1 != SW.derive_seed(7, {"a": 1, "b": 2})  # float 2.0 and int 2 are different inputs
    with pytest.raises(ValueError, match="`seed` must be an integer >= 0"):
        SW.derive_seed(-1, {})


def test_serial_equals_reversed_order_and_process_pool():
    serial = SW.sweep(noisy_mean, POINTS, executor=None, seed=3, progress=False)
    rev = SW.sweep(noisy_mean, POINTS[::-1], executor=None, seed=3, progress=False)[::-1]
    assert serial == rev
    assert len(set(serial)) == len(serial)  # distinct seeds per point
    with cf.ProcessPoolExecutor(2) as ex:
        pooled = SW.sweep(noisy_mean, POINTS, executor=ex, seed=3, progress=False)
    assert pooled == serial


def test_lambda_and_closure_run_on_a_plain_process_pool():
    scale2 = 3.0  # captured by the closure below
    fn = lambda n, scale, seed: (noisy_mean(n, scale * scale2, seed), os.getpid())  # noqa: E731
    with pytest.raises(Exception):
        pickle.dumps(fn)  # plain pickle cannot ship it: the test exercises the cloudpickle path
    serial = SW.sweep(fn, POINTS, executor=None, seed=5, progress=False)
    with cf.ProcessPoolExecutor(2) as ex:
        pooled = SW.sweep(fn, POINTS, executor=ex, seed=5, progress=False)
    assert [v for v, _ in pooled] == [v for v, _ in serial]
    assert [v for v, _ in serial] == [noisy_mean(p["n"], 3.0 * p["scale"], SW.derive_seed(5, p)) for p in POINTS]
    assert {pid for _, pid in serial} == {os.getpid()}
    assert os.getpid() not in {pid for _, pid in pooled}  # really ran in the workers


def _inner_point(n, scale, seed):
    return noisy_mean(n, scale, seed), os.getpid()


def nested_sweep(k):
    """Module-level: a sweep (executor='auto') called from inside a sweep's task."""
    inner = SW.sweep(_inner_point, POINTS, seed=k, progress=False)  # executor="auto"
    return ([v for v, _ in inner], {pid for _, pid in inner}, os.getpid(), SW.in_worker(),
            SW.executor_from_env() is None)


def test_nested_sweep_in_a_worker_runs_serially_with_identical_results(monkeypatch):
    # the workers inherit $SCALINGLAWS_PROCESSES: without the guard the inner "auto" sweep would
    # read it and start a pool inside each worker (with "2" that hangs; this invalid value makes
    # executor_from_env raise instead, so a missing guard fails fast)
    monkeypatch.setenv(SW.PROCESSES_ENV, "0")
    monkeypatch.setattr(SW, "_SHARED", {})
    with cf.ProcessPoolExecutor(2) as ex:
        outer = SW.sweep(nested_sweep, SW.grid(k=[0, 1, 2]), executor=ex, seed=None, progress=False)
    assert SW._SHARED == {}  # the parent did not create the env pool either
    assert not SW.in_worker()
    for k, (values, inner_pids, pid, in_worker, env_none) in enumerate(outer):
        assert inner_pids == {pid} and pid != os.getpid()  # every inner point ran in the same worker
        assert in_worker and env_none
        assert values == SW.sweep(noisy_mean, POINTS, executor=None, seed=k, progress=False)


def test_shipped_call_sets_and_clears_the_worker_flag():
    assert not SW.in_worker()
    assert SW._ShippedCall(lambda: SW.in_worker())({}) is True
    assert pickle.loads(pickle.dumps(SW._ShippedCall(lambda x: x + 1)))({"x": 2}) == 3
    with pytest.raises(ZeroDivisionError):
        SW._ShippedCall(lambda: 1 / 0)({})
    assert not SW.in_worker()


def test_error_in_a_worker_propagates():
    def f(x):
        if x == 2:
            raise ArithmeticError("bad point x=2")
        return x

    with cf.ProcessPoolExecutor(2) as ex:
        with pytest.raises(ArithmeticError, match="bad point x=2"):
            SW.sweep(f, SW.grid(x=[1, 2, 3]), executor=ex, progress=False)


def test_dask_local_cluster_on_loopback_matches_serial():
    distributed = pytest.importorskip("dask.distributed")
    serial = SW.sweep(noisy_mean, POINTS, executor=None, seed=11, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        # the path a user takes: an address, through the environment (reproduce --scheduler)
        old = os.environ.get(SW.SCHEDULER_ENV)
        os.environ[SW.SCHEDULER_ENV] = cluster.scheduler_address
        try:
            ex = SW.executor_from_env()
            dask_res = SW.sweep(noisy_mean, POINTS, executor=ex, seed=11, progress=False)
            ex._client.close()
        finally:
            if old is None:
                del os.environ[SW.SCHEDULER_ENV]
            else:
                os.environ[SW.SCHEDULER_ENV] = old
    assert dask_res == serial


class _CallLog:
    """Counts calls through a file: a list in a closure would itself be part of the cache key
    (closure values are fingerprinted), so appending to it would change the key."""

    def __init__(self, path):
        self.path = path

    def __eq__(self, other):
        got = [int(v) for v in self.path.read_text().split()] if self.path.exists() else []
        return got == other


def test_cache_hits_and_invalidation(tmp_path, monkeypatch):
    log = tmp_path / "calls.txt"
    calls = _CallLog(log)
    cache = tmp_path / "cache"

    def f(x, seed):
        with open(log, "a") as fh:
            fh.write(f"{x}\n")
        return x + np.random.default_rng(seed).random()

    pts = SW.grid(x=[1, 2, 3])
    a = SW.sweep(f, pts, executor=None, seed=0, cache=cache, progress=False)
    assert calls == [1, 2, 3] and len(list(cache.glob("*.pkl"))) == 3
    b = SW.sweep(f, pts, executor=None, seed=0, cache=cache, progress=False)
    assert b == a and calls == [1, 2, 3]  # all from cache
    SW.sweep(f, SW.grid(x=[1, 4]), executor=None, seed=0, cache=cache, progress=False)
    assert calls == [1, 2, 3, 4]  # only the new point runs
    # a changed library invalidates every entry
    monkeypatch.setattr(SW, "library_fingerprint", lambda: "another library")
    SW.sweep(f, pts, executor=None, seed=0, cache=cache, progress=False)
    assert calls == [1, 2, 3, 4, 1, 2, 3]


def test_changed_function_source_changes_key():
    def g(x):
        return x

    def h(x):
        return x + 1

    assert SW.cache_key(g, {"x": 1}) != SW.cache_key(h, {"x": 1})
    assert SW.cache_key(g, {"x": 1}) != SW.cache_key(g, {"x": 2})
    assert SW.cache_key(g, {"x": 1}) == SW.cache_key(g, {"x": 1})


def test_corrupt_entry_is_recomputed_and_interrupted_write_leaves_nothing(tmp_path, monkeypatch):
    def f(x):
        return [x] * 3

    pts = SW.grid(x=[5])
    SW.sweep(f, pts, executor=None, cache=tmp_path, progress=False)
    (entry,) = tmp_path.glob("*.pkl")
    entry.write_bytes(entry.read_bytes()[:5])  # a truncated file, as a crash mid-write would leave
    with pytest.warns(RuntimeWarning, match="unreadable"):
        assert SW.sweep(f, pts, executor=None, cache=tmp_path, progress=False) == [[5, 5, 5]]
    assert pickle.loads(entry.read_bytes()) == [5, 5, 5]

    # a write interrupted inside pickle.dump leaves neither an entry nor a temporary file
    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(SW.pickle, "dump", boom)
    with pytest.raises(KeyboardInterrupt):
        SW.sweep(f, SW.grid(x=[6]), executor=None, cache=tmp_path, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [entry.name]


def test_bad_inputs():
    with pytest.raises(ValueError, match="`fn` must be callable"):
        SW.sweep(3, POINTS, executor=None)
    with pytest.raises(ValueError, match="list of dicts"):
        SW.sweep(noisy_mean, [1, 2], executor=None)
    with pytest.raises(ValueError, match="already has 'seed'"):
        SW.sweep(noisy_mean, [{"n": 1, "scale": 1.0, "seed": 1}], executor=None, seed=0)
    with pytest.raises(ValueError, match="`executor` must be 'auto', None or an object with submit"):
        SW.sweep(noisy_mean, POINTS, executor="processes")
    with pytest.raises(ValueError, match="`executor` must be 'auto', None or an object with submit"):
        SW.sweep(noisy_mean, POINTS, executor=4)
    with pytest.raises(ValueError, match="cannot be hashed"):
        SW.cache_key(noisy_mean, {"n": object()})


# ---- issue 14: the cache key covers everything a result depends on --------------------------------

def _make_scaled(scale):
    def f(x):
        return scale * x
    return f


def test_closure_value_changes_key():
    # the stale hit of the original attack: the same source, a captured 5.0 vs 10.0
    f5, f10 = _make_scaled(5.0), _make_scaled(10.0)
    assert SW.cache_key(f5, {"x": 1}) != SW.cache_key(f10, {"x": 1})
    assert SW.cache_key(f5, {"x": 1}) == SW.cache_key(_make_scaled(5.0), {"x": 1})
    # an array in a closure: one changed element changes the key
    a = np.arange(4.0)
    b = a.copy()
    b[2] += 1e-12
    assert SW.cache_key(_make_scaled(a), {"x": 1}) != SW.cache_key(_make_scaled(b), {"x": 1})


def test_closure_value_changes_result_through_sweep(tmp_path):
    pts = SW.grid(x=[1.0])
    assert SW.sweep(_make_scaled(5.0), pts, executor=None, cache=tmp_path, progress=False) == [5.0]
    assert SW.sweep(_make_scaled(10.0), pts, executor=None, cache=tmp_path, progress=False) == [10.0]


def test_global_value_changes_key(tmp_path, monkeypatch):
    src = tmp_path / "nbmod.py"
    src.write_text("SCALE = 5.0\n\ndef g(x):\n    return SCALE * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib
    import nbmod
    k5 = SW.cache_key(nbmod.g, {"x": 1})
    monkeypatch.setattr(nbmod, "SCALE", 10.0)  # the module global changes, the source does not
    assert SW.cache_key(nbmod.g, {"x": 1}) != k5
    monkeypatch.setattr(nbmod, "SCALE", 5.0)
    assert SW.cache_key(nbmod.g, {"x": 1}) == k5
    del sys.modules["nbmod"]
    importlib.invalidate_caches()


def test_helper_module_edit_changes_key(tmp_path, monkeypatch):
    # fn is defined in one user module and calls a helper from another (edited between two runs)
    (tmp_path / "helper_mod.py").write_text("def scale():\n    return 5.0\n")
    (tmp_path / "user_mod.py").write_text("import helper_mod\n\ndef f(x):\n    return helper_mod.scale() * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import user_mod
    k1 = SW.cache_key(user_mod.f, {"x": 1})
    (tmp_path / "helper_mod.py").write_text("def scale():\n    return 10.0\n")
    assert SW.cache_key(user_mod.f, {"x": 1}) != k1
    # a helper function imported by name (from helper import scale) is followed by its source
    (tmp_path / "user_mod2.py").write_text("from helper_mod import scale\n\ndef f(x):\n    return scale() * x\n")
    import user_mod2
    k2 = SW.cache_key(user_mod2.f, {"x": 1})
    user_mod2.scale = _make_scaled(3.0)  # rebinding the helper changes the key
    assert SW.cache_key(user_mod2.f, {"x": 1}) != k2
    for m in ("helper_mod", "user_mod", "user_mod2"):
        sys.modules.pop(m, None)


def test_dependency_versions_change_key(monkeypatch):
    def g(x):
        return x
    k = SW.cache_key(g, {"x": 1})
    assert "numpy=" + np.__version__ in SW._dependency_versions()
    monkeypatch.setattr(SW, "_dependency_versions", lambda: "numpy=0.0")
    assert SW.cache_key(g, {"x": 1}) != k


def test_partial_and_defaults_change_key():
    import functools

    def g(x, scale=5.0):
        return scale * x

    def h(x, scale=10.0):
        return scale * x

    assert SW.cache_key(functools.partial(g, scale=5.0), {"x": 1}) != SW.cache_key(
        functools.partial(g, scale=10.0), {"x": 1})
    # same body, different default: the defaults are part of the key (the source differs too,
    # so check the defaults alone by editing one in place)
    k = SW.cache_key(g, {"x": 1})
    g.__defaults__ = (10.0,)
    assert SW.cache_key(g, {"x": 1}) != k
    assert h(1) == 10.0


def test_unfingerprintable_global_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "lockmod.py").write_text(
        "import threading\nLOCK = threading.Lock()\n\ndef g(x):\n    with LOCK:\n        return x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import lockmod
    with pytest.raises(ValueError, match="cannot fingerprint global LOCK"):
        SW.cache_key(lockmod.g, {"x": 1})
    sys.modules.pop("lockmod", None)


def test_orphaned_temporary_files_are_removed(tmp_path):
    import subprocess
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that no longer runs, as after a kill during a write
    orphan = tmp_path / f".tmp-{dead.pid}-abc.pkl"
    orphan.write_bytes(b"half")
    live = tmp_path / f".tmp-{os.getpid()}-def.pkl"  # a write in progress in a live process
    live.write_bytes(b"half")
    old = tmp_path / f".tmp-{os.getpid()}-old.pkl"
    old.write_bytes(b"half")
    t = old.stat().st_mtime - SW.ORPHAN_AGE_S - 10
    os.utime(old, (t, t))
    SW.sweep(lambda x: x, SW.grid(x=[1]), executor=None, cache=tmp_path, progress=False)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert orphan.name not in names and old.name not in names
    assert live.name in names and len([n for n in names if n.endswith(".pkl") and not n.startswith(".")]) == 1


def test_killed_writer_leaves_an_orphan_that_the_next_sweep_removes(tmp_path):
    """End to end: a process killed (SIGKILL) inside a cache write, then a new sweep."""
    cache = tmp_path / "cache"
    import signal
    import subprocess
    import textwrap
    code = textwrap.dedent(f"""
        import os, pickle, time, sys
        from scalinglaws import sweep as SW
        real = pickle.dump
        def slow(obj, fh, protocol=None):
            fh.write(b"partial"); fh.flush(); print("writing", flush=True); time.sleep(60)
        SW.pickle.dump = slow
        SW.sweep(lambda x: x, SW.grid(x=[1]), executor=None, cache={str(cache)!r}, progress=False)
    """)
    script = tmp_path / "writer.py"  # a file, so that the lambda has a source
    script.write_text(code)
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "writing"
    p.send_signal(signal.SIGKILL)
    p.wait()
    p.stdout.close()
    assert len(list(cache.glob(".tmp-*.pkl"))) == 1  # the orphan
    assert SW.sweep(lambda x: x, SW.grid(x=[1]), executor=None, cache=cache, progress=False) == [1]
    assert list(cache.glob(".tmp-*.pkl")) == []
