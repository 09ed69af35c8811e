"""Chapter 2 on real features (scalinglaws.randomfeatures.realdata): kernel eigenfeatures, the
real-feature simulator against a direct GD iteration, and against the DMFT theory on Gaussian
features of a known diagonal covariance; bad input."""

import math

import numpy as np
import pytest

from scalinglaws import compare, randomfeatures as rf


def _pd_gram(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3 * n))
    return X @ X.T / (3 * n) / n


def test_kernel_features_reconstructs_kernel_and_target():
    n = 60
    K = _pd_gram(n)
    y = np.random.default_rng(1).standard_normal(n)
    lam, c, psi, w = rf.kernel_features(K, y)
    assert np.all(np.diff(lam) <= 0) and lam[-1] > 0
    np.testing.assert_allclose(psi @ psi.T, n * K, rtol=0, atol=1e-12 * n * np.abs(K).max())
    np.testing.assert_allclose(psi.T @ psi / n, np.diag(lam), rtol=0, atol=1e-12 * lam[0])
    np.testing.assert_allclose(psi @ w, y, rtol=0, atol=1e-10)
    np.testing.assert_allclose(c, lam * w ** 2, rtol=1e-12)
    assert math.isclose(c.sum(), y @ y / n, rel_tol=1e-12)


def _direct_gd(psi, y, N, P, steps, eta, seed):
    """Explicit GD iteration of draw 0 of simulate_features (same random stream)."""
    n, M = psi.shape
    rng = np.random.default_rng([seed, 0])
    A = rng.standard_normal((N, M))
    feats = psi @ A.T / math.sqrt(N)                   # all pool inputs, n x N
    if P is None:
        Xs, ys = feats, y                              # population gradient
    else:
        idx = rng.integers(0, n, P)
        Xs, ys = feats[idx], y[idx]
    th = np.zeros(N)
    out = []
    for s in range(1, steps[-1] + 1):
        th = th + eta * Xs.T @ (ys - Xs @ th) / Xs.shape[0]
        if s in steps:
            out.append(np.mean((feats @ th - y) ** 2))
    return np.array(out)


@pytest.mark.parametrize("P", [17, 30, None])
@pytest.mark.parametrize("rotate", [False, True])    # diagonal fast path / dense covariance path
def test_simulator_matches_direct_gd(P, rotate):
    n, M, N = 50, 30, 12
    rng = np.random.default_rng(5)
    psi = rng.standard_normal((n, M)) * np.arange(1, M + 1.0) ** -0.7
    if not rotate:
        _, _, psi, _ = rf.kernel_features(psi @ psi.T / n + 1e-3 * np.eye(n) / n, np.ones(n))
        psi = psi[:, :M]
    y = np.sin(np.arange(n)) + 0.3
    steps = [1, 5, 40, 200]
    eta = 0.3
    r = rf.simulate_features(psi, y, N, P, eta * np.array(steps, float), n_seeds=2, seed=9, eta=eta)
    np.testing.assert_allclose(r.draws_test[0], _direct_gd(psi, y, N, P, steps, eta, 9), rtol=1e-9)


def _gaussian_pool(n, M, a, b, seed):
    """n Gaussian rows whitened to the exact covariance diag(k^-b), target with task power k^-a."""
    rng = np.random.default_rng(seed)
    k = np.arange(1, M + 1.0)
    lam, ws = k ** -b, k ** (-(a - b) / 2)
    Z = rng.standard_normal((n, M))
    C = Z.T @ Z / n
    e, V = np.linalg.eigh(C)
    Z = Z @ (V / np.sqrt(e)) @ V.T                      # empirical covariance exactly I
    psi = Z * np.sqrt(lam)
    return psi, psi @ ws, rf.Spectrum(a, b, M, lam, lam * ws ** 2, np.ones(M), False)


@pytest.mark.parametrize("N,P", [(40, 80), (80, 40), (48, None)])
def test_gaussian_features_match_theory(N, P):
    psi, y, sp = _gaussian_pool(6000, 160, 1.5, 1.25, seed=2)
    t = np.array([0.5, 2.0, 10.0, 50.0, 300.0, 2000.0])
    r = rf.simulate_features(psi, y, N, P, t, n_seeds=48, seed=3)
    Lt, Lh = rf.losses(sp, N, np.inf if P is None else P, t)
    # two-sided: 4 SE plus 2% for the finite pool (duplicates among P of 6000 rows)
    assert compare.agreement(r.test, r.test_se, Lt, k=4.0, rel=0.02)["ratio"] <= 1
    assert compare.agreement(r.train, r.train_se, Lh, k=4.0, rel=0.02, floor=1e-6)["ratio"] <= 1
    # and the comparison can fail: the theory at twice the time (a factor-2 time convention) is rejected
    L2, _ = rf.losses(sp, N, np.inf if P is None else P, 2 * t)
    assert compare.agreement(r.test, r.test_se, L2, k=4.0, rel=0.02)["ratio"] > 1


def test_gd_step_converges_to_flow():
    psi, y, _ = _gaussian_pool(2000, 64, 1.5, 1.25, seed=4)
    t = np.array([1.0, 10.0, 100.0])
    flow = rf.simulate_features(psi, y, 32, 48, t, n_seeds=2, seed=1)
    gd = rf.simulate_features(psi, y, 32, 48, t, n_seeds=2, seed=1, eta=0.01)
    np.testing.assert_allclose(gd.draws_test, flow.draws_test, rtol=0.02)


PSI = np.random.default_rng(0).standard_normal((20, 10))
Y = np.ones(20)
T = np.array([1.0, 2.0])


@pytest.mark.parametrize("kw,match", [
    (dict(N=0), "`N`"), (dict(N=11), "`N`"), (dict(N=3.0), "`N`"), (dict(P=0), "`P`"), (dict(P=11), "`P`"),
    (dict(t=np.array([0.0, 1.0])), "`t`"), (dict(t=np.array([2.0, 1.0])), "`t`"),
    (dict(n_seeds=1), "`n_seeds`"), (dict(seed=-1), "`seed`"), (dict(eta=-1.0), "`eta`"),
    (dict(eta=100.0, t=np.array([100.0, 200.0])), "`eta`"), (dict(eta=0.3), "eta"),
    (dict(psi=PSI[:, :, None]), "`psi`"), (dict(psi=np.full((20, 10), np.nan)), "`psi`"),
    (dict(y=Y[:5]), "`y`"), (dict(y=np.zeros(20)), "`y`"),
])
def test_simulate_features_bad_inputs(kw, match):
    args = dict(psi=PSI, y=Y, N=4, P=6, t=T)
    args.update(kw)
    psi, y, N, P, t = (args.pop(k) for k in ("psi", "y", "N", "P", "t"))
    with pytest.raises(ValueError, match=match):
        rf.simulate_features(psi, y, N, P, t, n_seeds=args.pop("n_seeds", 2), **args)


@pytest.mark.parametrize("K,y,match", [
    (np.eye(3)[:2], np.ones(2), "`K_over_M`"), (np.array([[1.0, 0.5], [0.0, 1.0]]), np.ones(2), "symmetric"),
    (np.ones((3, 3)), np.ones(3), "positive definite"), (np.eye(3), np.ones(2), "`y`"),
    (np.eye(3), np.array([1.0, np.nan, 0.0]), "`y`"), (np.full((2, 2), np.inf), np.ones(2), "`K_over_M`"),
])
def test_kernel_features_bad_inputs(K, y, match):
    with pytest.raises(ValueError, match=match):
        rf.kernel_features(K, y)
