"""The sweep runner: same results on every executor, a cache that is never stale or corrupt."""
import concurrent.futures as cf
import os
import pickle

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
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
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


def test_cache_hits_and_invalidation(tmp_path, monkeypatch):
    calls = []

    def f(x, seed):
        calls.append(x)
        return x + np.random.default_rng(seed).random()

    pts = SW.grid(x=[1, 2, 3])
    a = SW.sweep(f, pts, executor=None, seed=0, cache=tmp_path, progress=False)
    assert calls == [1, 2, 3] and len(list(tmp_path.glob("*.pkl"))) == 3
    b = SW.sweep(f, pts, executor=None, seed=0, cache=tmp_path, progress=False)
    assert b == a and calls == [1, 2, 3]  # all from cache
    SW.sweep(f, SW.grid(x=[1, 4]), executor=None, seed=0, cache=tmp_path, progress=False)
    assert calls == [1, 2, 3, 4]  # only the new point runs
    # a changed library invalidates every entry
    monkeypatch.setattr(SW, "library_fingerprint", lambda: "another library")
    SW.sweep(f, pts, executor=None, seed=0, cache=tmp_path, progress=False)
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
    with pytest.raises(ValueError, match="fn must be callable"):
        SW.sweep(3, POINTS, executor=None)
    with pytest.raises(ValueError, match="list of dicts"):
        SW.sweep(noisy_mean, [1, 2], executor=None)
    with pytest.raises(ValueError, match="already has 'seed'"):
        SW.sweep(noisy_mean, [{"n": 1, "scale": 1.0, "seed": 1}], executor=None, seed=0)
    with pytest.raises(ValueError, match="executor must be 'auto', None or an object with submit"):
        SW.sweep(noisy_mean, POINTS, executor="processes")
    with pytest.raises(ValueError, match="executor must be 'auto', None or an object with submit"):
        SW.sweep(noisy_mean, POINTS, executor=4)
    with pytest.raises(ValueError, match="cannot be hashed"):
        SW.cache_key(noisy_mean, {"n": object()})
