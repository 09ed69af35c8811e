"""scalinglaws.compare (seed averages, z-scores, tolerances), the shared input checks and the
numba cache keyed by the library source."""
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scalinglaws import _validation as V
from scalinglaws import compare


def test_seed_mean_se_is_the_sample_mean_and_s_over_sqrt_n():
    x = np.array([[1.0, 10.0], [2.0, 10.0], [4.0, 13.0]])
    m, se = compare.seed_mean_se(x)
    np.testing.assert_allclose(m, [7 / 3, 11.0], rtol=1e-15)
    s0 = math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 2)
    np.testing.assert_allclose(se, [s0 / math.sqrt(3), math.sqrt(3.0) / math.sqrt(3)], rtol=1e-14)
    m1, se1 = compare.seed_mean_se(x[:1])
    assert np.array_equal(m1, x[0]) and np.all(np.isinf(se1))   # one draw: no standard error
    with pytest.raises(ValueError, match="`draws`"):
        compare.seed_mean_se(np.zeros((0, 3)))


def test_standard_errors_are_calibrated():
    # Two-sided: over many independent experiments of n draws, the mean lies within one reported
    # standard error of the true mean with probability P(|t_{n-1}| <= 1) = 0.657 for n = 10
    # (an error bar sqrt(n) too wide would give ~1, one too narrow ~0.25).
    rng = np.random.default_rng(0)
    n, reps, mu = 10, 4000, 3.0
    draws = mu + 0.7 * rng.standard_normal((n, reps))
    m, se = compare.seed_mean_se(draws)
    frac = float(np.mean(np.abs(m - mu) <= se))
    assert 0.657 - 0.03 < frac < 0.657 + 0.03, frac   # 4 binomial s.e. (0.0075) either side


def test_simresult_from_draws_excludes_and_counts_diverged_draws():
    t = np.arange(3.0)
    te = np.array([[1.0, 0.5, 0.25], [1.0, np.inf, np.inf], [3.0, 1.5, 0.75]])
    tr = te * 0.5
    r = compare.SimResult.from_draws(t, te, tr)
    assert r.diverged == 1
    np.testing.assert_allclose(r.test, [2.0, 1.0, 0.5])
    np.testing.assert_allclose(r.test_se, compare.seed_mean_se(te[[0, 2]])[1])
    np.testing.assert_allclose(r.train, [1.0, 0.5, 0.25])
    assert np.array_equal(r.draws_test, te)                      # every draw kept
    assert all(math.isnan(v) for v in r.final_log10())           # a diverged seed: no LR-sweep point
    dead = compare.SimResult.from_draws(t, te[[1]], tr[[1]])
    assert dead.diverged == 1 and np.all(np.isinf(dead.test))
    with pytest.raises(ValueError, match="n_draws"):
        compare.SimResult.from_draws(t, te[:, :2], tr)


def _sim(test, se):
    test, se = np.asarray(test, float), np.asarray(se, float)
    return compare.SimResult(np.arange(test.size, dtype=float), test, se, test, se, test[None], test[None], 0)


def test_z_scores_and_relative_errors():
    s = _sim([1.0, 2.0, 3.0], [0.1, 0.5, 1.0])
    np.testing.assert_allclose(compare.z_scores(s, [1.2, 2.0, 1.0], at=[0, 2]), [2.0, 2.0])
    np.testing.assert_allclose(compare.z_scores(s, [1.2, 2.0, 1.0]), [2.0, 0.0, 2.0])
    np.testing.assert_allclose(compare.relative_errors([1.0, 2.0, 3.0], [1.25, 2.0, 2.0], at=[0, 2]), [0.2, 0.5])
    with pytest.raises(ValueError, match="standard errors"):
        compare.z_scores(_sim([1.0], [np.inf]), [1.0])
    with pytest.raises(ValueError, match="`at`"):
        compare.z_scores(s, [1.0, 2.0, 3.0], at=[5])
    with pytest.raises(ValueError, match="non-zero"):
        compare.relative_errors([1.0], [0.0])


def test_agreement_summary_and_reference_for_the_relative_part():
    a = compare.agreement([1.0, 2.0], [0.1, 0.1], [1.2, 2.0])
    assert abs(a["max_z"] - 2.0) < 1e-12 and abs(a["max_rel"] - 0.2 / 1.2) < 1e-12
    assert abs(a["ratio"] - 0.2 / (0.4 + 0.012)) < 1e-12
    # the relative tolerance taken from another curve (a gap compared with 1% of the test loss)
    b = compare.agreement([0.1], [0.01], [0.12], k=4.0, rel=0.01, rel_to=[5.0])
    assert abs(b["ratio"] - 0.02 / (0.04 + 0.05)) < 1e-14
    c = compare.agreement([1.0], [0.0], [1.0], rel=0.0)
    assert c["ratio"] == 0.0 and c["max_z"] == 0.0                  # exact agreement, zero tolerance
    with pytest.raises(ValueError, match="one shape"):
        compare.agreement([1.0], [0.1, 0.2], [1.0])
    with pytest.raises(ValueError, match="finite"):
        compare.agreement([np.nan], [0.1], [1.0])
    with pytest.raises(ValueError, match="`k`"):
        compare.agreement([1.0], [0.1], [1.0], k=-1)
    with pytest.raises(ValueError, match="`sim_se`"):
        compare.agreement([1.0], [-0.1], [1.0])


def test_paired_difference_uses_the_pairing():
    rng = np.random.default_rng(1)
    common = rng.standard_normal(200)
    a = common + 0.01 * rng.standard_normal(200)
    b = common
    m, se = compare.paired_difference(a, b)
    ref_m, ref_se = compare.seed_mean_se(a - b)
    assert m == ref_m and se == ref_se
    # far smaller than the error of two independent means, which ignores the pairing
    assert se < 0.05 * math.hypot(compare.seed_mean_se(a)[1], compare.seed_mean_se(b)[1])


def test_max_log10_deviation_masks_and_skips_diverged_points():
    sim = np.array([0.0, np.nan, -1.0, -5.0])
    th = np.array([0.1, 0.0, -1.3, -1.0])
    assert compare.max_log10_deviation(sim, th, [True, True, True, False]) == pytest.approx(0.3)
    assert compare.max_log10_deviation(sim, th) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="no finite"):
        compare.max_log10_deviation(sim, th, [False, True, False, False])


@pytest.mark.parametrize("value", [True, 2.5, "3", None, np.float64(2.0)])
def test_integer_check_rejects_non_integers_and_booleans(value):
    with pytest.raises(ValueError, match=r"`N` must be an integer >= 1"):
        V.integer("N", value, 1)


def test_validation_messages_name_the_parameter_and_range():
    assert V.integer("N", np.int64(4), 1) == 4 and type(V.integer("N", np.int64(4), 1)) is int
    with pytest.raises(ValueError, match=r"`L` must be an integer in \[1, 3\], got 4"):
        V.integer("L", 4, 1, 3)
    assert V.positive("eta", np.float32(0.5)) == 0.5
    assert V.positive("nu", np.inf, allow_inf=True) == math.inf
    for bad in (0.0, -1.0, np.nan, np.inf, True, "1"):
        with pytest.raises(ValueError, match="`eta` must be a number > 0 and finite"):
            V.positive("eta", bad)
    assert V.nonnegative("sigma", 0) == 0.0
    with pytest.raises(ValueError, match="`sigma` must be a number >= 0"):
        V.nonnegative("sigma", -0.1)
    with pytest.raises(ValueError, match=r"\$SCALINGLAWS_X must be"):
        V.integer("$SCALINGLAWS_X", "a", 1)
    with pytest.raises(ValueError, match="`method` must be one of"):
        V.choice("method", "x", ("a", "b"))


def test_source_fingerprint_covers_every_subpackage(tmp_path, monkeypatch):
    from scalinglaws import _numba_cache as C
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "b.py").write_text("y = 2\n")
    monkeypatch.setattr(C, "_PACKAGE", pkg)
    h0 = C.source_fingerprint()
    (pkg / "sub" / "b.py").write_text("y = 3\n")
    h1 = C.source_fingerprint()
    assert h1 != h0
    (pkg / "sub" / "__pycache__").mkdir()
    (pkg / "sub" / "__pycache__" / "c.py").write_text("junk\n")     # caches never count
    assert C.source_fingerprint() == h1
    from scalinglaws import sweep
    assert sweep.library_fingerprint() == h1                         # the sweep cache key uses it too


@pytest.mark.slow
def test_an_edit_in_another_file_reaches_a_cached_numba_caller(tmp_path):
    # The residual DMFT kernel (deeplinear/_residual.py) calls the D-site step of _strided.py.  numba
    # alone would keep serving the caller's cached machine code after an edit of _strided.py; the
    # source-keyed cache folder makes the edit visible in the next process.
    src = Path(__file__).resolve().parents[1] / "lib" / "scalinglaws"
    lib = tmp_path / "lib"
    shutil.copytree(src, lib / "scalinglaws", ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import scalinglaws, numba; from scalinglaws.deeplinear import dmft_dln; "
            "print(dmft_dln(1, 1.0, 1.0, 0.1, 3, residual=True).test[0], numba.config.CACHE_DIR)")
    env = {"PYTHONPATH": str(lib), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def run():
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        value, folder = out.stdout.split()
        return float(value), folder

    before, dir0 = run()
    assert math.isfinite(before) and before > 0
    assert run() == (before, dir0)                        # unchanged source: the same cache is reused
    strided = lib / "scalinglaws" / "deeplinear" / "_strided.py"
    text = strided.read_text()
    assert text.count("    test = Cd[t, t] + sigma2\n") == 1
    strided.write_text(text.replace("    test = Cd[t, t] + sigma2\n", "    test = Cd[t, t] + sigma2 + 1.0\n"))
    after, dir1 = run()
    assert dir1 != dir0 and abs(after - (before + 1.0)) < 1e-12


def test_window_mean_averages_each_draw_then_over_draws():
    t = np.arange(6.0)
    draws = np.array([[9, 1, 2, 3, 9, 9], [9, 3, 4, 5, 9, 9], [9, 2, 3, 1, 9, 9]], dtype=float)
    m, se = compare.window_mean(t, draws, 1, 3)
    per = np.array([2.0, 4.0, 2.0])
    assert m == pytest.approx(per.mean()) and se == pytest.approx(per.std(ddof=1) / np.sqrt(3))
    m1, se1 = compare.window_mean(t, draws[0], 0.5, 3.5)        # a single curve: SE undefined
    assert m1 == pytest.approx(2.0) and se1 == np.inf


def test_rise_factor_and_catapult_fraction():
    assert compare.rise_factor([4.0, 2.0, 1.0, 0.5]) == 1.0                # monotone: no rise
    assert compare.rise_factor([4.0, 1.0, 3.0, 0.5, 1.5]) == pytest.approx(3.0)  # 1 -> 3 beats 0.5 -> 1.5
    draws = np.array([[2.0, 1.0, 0.9, 0.8], [2.0, 1.0, 1.6, 0.5], [2.0, 1.0, np.inf, np.inf], [2, 1, 1.2, 0.3]])
    f, se, k = compare.catapult_fraction(draws, threshold=1.5)
    assert (k, f) == (2, 0.5) and se == pytest.approx(np.sqrt(0.25 / 4))   # the diverged draw counts
    assert compare.catapult_fraction(draws, threshold=1.1)[2] == 3
    with pytest.raises(ValueError, match="threshold"):
        compare.catapult_fraction(draws, threshold=1.0)


def test_proportion_difference_z_is_the_pooled_two_proportion_test():
    # 1/16 vs 5/8: p = 6/24, se = sqrt(.25 * .75 * (1/16 + 1/8)), z = (0.625 - 0.0625)/se
    se = np.sqrt(0.25 * 0.75 * (1 / 16 + 1 / 8))
    assert compare.proportion_difference_z(1, 16, 5, 8) == pytest.approx((5 / 8 - 1 / 16) / se)
    assert compare.proportion_difference_z(5, 8, 1, 16) == pytest.approx(-(5 / 8 - 1 / 16) / se)   # antisymmetric
    assert compare.proportion_difference_z(0, 10, 0, 5) == 0.0 and compare.proportion_difference_z(3, 3, 4, 4) == 0.0
    assert compare.proportion_difference_z(0, 10, 5, 5) > 3      # all-or-nothing: finite and large


def test_agreement_tolerance_includes_the_floor():
    # |sim - th| = 0.1 against k SE + rel |th| + floor = 1 x 0.02 + 0.01 x 1 + 0.17 = 0.2
    a = compare.agreement(np.array([1.1]), np.array([0.02]), np.array([1.0]), k=1.0, rel=0.01, floor=0.17)
    assert a["ratio"] == pytest.approx(0.5, rel=1e-12)
    assert a["max_z"] == pytest.approx(5.0, rel=1e-12) and a["max_rel"] == pytest.approx(0.1, rel=1e-12)
