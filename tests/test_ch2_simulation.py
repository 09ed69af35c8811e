"""Chapter 2 simulation (scalinglaws.randomfeatures.simulation) vs theory: exact eigenbasis solution, GD, ensembles, bad input."""

import numpy as np
import pytest

from scalinglaws import randomfeatures as rf

A_, B_ = 1.5, 1.25
M = 512


def within(sim_mean, sim_se, th, k=4.0, rel=0.01, floor=0.0):
    return np.abs(sim_mean - th) <= k * sim_se + rel * np.abs(th) + floor


@pytest.mark.parametrize("N,P", [(64, None), (None, 64), (64, 128), (128, 64), (96, 96 * 2)])
def test_simulation_matches_theory(N, P):
    t = np.geomspace(0.1, 3e3, 9)
    r = rf.simulate(A_, B_, M, N, P, t, n_seeds=32, seed=11)
    sp = rf.power_law_spectrum(A_, B_, M)
    Lt, Lh = rf.losses(sp, N or np.inf, P or np.inf, t)
    assert np.all(within(r.test, r.test_se, Lt))
    # train loss -> 0 when it interpolates; allow a tiny absolute floor for the exponentially small tail
    assert np.all(within(r.train, r.train_se, Lh, floor=1e-6))


def test_online_eigen_solution_vs_direct_ode():
    # one draw: closed form vs a direct matrix-exponential solution of dv/dt = -F Lambda v
    from scipy.linalg import expm
    rng = np.random.default_rng(3)
    Mm, N = 40, 12
    t = np.array([0.5, 5.0])
    L, _ = rf.draw_loss(A_, B_, Mm, N, None, t, rng)
    rng = np.random.default_rng(3)
    A = rng.standard_normal((N, Mm))
    k = np.arange(1, Mm + 1.0)
    lam, ws = k ** -B_, k ** (-(A_ - B_) / 2)
    F = A.T @ A / N
    ref = [ws @ (expm(-F * lam * tt).T * lam) @ (expm(-F * lam * tt) @ ws) for tt in t]
    np.testing.assert_allclose(L, ref, rtol=1e-9)


def test_general_eigen_solution_vs_direct_ode():
    from scipy.linalg import expm
    Mm, N, P = 30, 10, 14
    t = np.array([0.7, 7.0])
    rng = np.random.default_rng(4)
    L, Lh = rf.draw_loss(A_, B_, Mm, N, P, t, rng)
    rng = np.random.default_rng(4)
    Z = rng.standard_normal((P, Mm))   # draw_loss draws Z first, then A
    A = rng.standard_normal((N, Mm))
    k = np.arange(1, Mm + 1.0)
    lam, ws = k ** -B_, k ** (-(A_ - B_) / 2)
    Psi = Z * np.sqrt(lam)
    G = Psi.T @ Psi / P
    F = A.T @ A / N
    for i, tt in enumerate(t):
        v = expm(-F @ G * tt) @ ws
        assert abs(L[i] - v @ (lam * v)) < 1e-9 * L[i]
        assert abs(Lh[i] - v @ G @ v) < 1e-9 * L[i]


@pytest.mark.parametrize("N,P", [(32, None), (32, 48), (None, 48)])
def test_gd_small_step_approaches_flow_and_matches_direct_iteration(N, P):
    t = np.array([1.0, 10.0, 100.0])
    flow = rf.simulate(A_, B_, 128, N, P, t, n_seeds=2, seed=5)
    gd = rf.simulate(A_, B_, 128, N, P, t, n_seeds=2, seed=5, eta=0.01)
    np.testing.assert_allclose(gd.test, flow.test, rtol=2e-2)
    # explicit GD iteration on one draw
    rng = np.random.default_rng(9)
    Lgd, _ = rf.draw_loss(A_, B_, 64, 16 if N else None, 20 if P else None, np.array([0.5 * 7]), rng, eta=0.5)
    rng = np.random.default_rng(9)
    k = np.arange(1, 65.0)
    lam, ws = k ** -B_, k ** (-(A_ - B_) / 2)
    F, G = np.eye(64), np.diag(lam)
    if P:  # draw_loss draws Z first, then A
        Z = rng.standard_normal((20, 64)) * np.sqrt(lam); G = Z.T @ Z / 20
    if N:
        A = rng.standard_normal((16, 64)); F = A.T @ A / 16
    v = ws.copy()
    for _ in range(7):
        v = v - 0.5 * F @ G @ v
    assert abs(Lgd[0] - v @ (lam * v)) < 1e-9 * Lgd[0]


def test_ensemble_formula_and_one_wide_model_wins():
    t = np.array([10.0, 1e3])
    sp = rf.power_law_spectrum(A_, B_, M)
    E = 4
    r = rf.simulate_ensemble(A_, B_, M, 32, E, t, n_seeds=16, seed=1)
    th = rf.ensemble_loss(sp, 32, E, t)
    assert np.all(within(r.test, r.test_se, th))
    assert np.all(rf.loss_online(sp, 128, t) < th)


@pytest.mark.parametrize("kw,match", [
    (dict(N=0), "`N` must be"), (dict(N=600), "`N` must be <= M"), (dict(P=1000), "`P` must be <= M"),
    (dict(P=-1), "`P` must be"), (dict(t=[0.0]), "`t` must"), (dict(n_seeds=1), "n_seeds"),
    (dict(eta=-0.1), "`eta` must"), (dict(eta=0.3, t=[1.0]), "multiple of eta"), (dict(eta=3.0, t=[3.0]), "unstable"),
    (dict(a=1.0), r"`a` must be a real number in \(1.0"), (dict(M=0), "`M` must be"),
    (dict(N=True), "`N` must be"), (dict(eta=3.0, t=[3.0], N=None), "`eta` = 3.0 is unstable"),
])
def test_bad_inputs(kw, match):
    args = dict(a=A_, b=B_, M=M, N=16, P=None, t=[1.0], n_seeds=2)
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        rf.simulate(args.pop("a"), args.pop("b"), args.pop("M"), args.pop("N"), args.pop("P"), args.pop("t"), **args)


def test_simulate_is_executor_independent():
    """Draw i uses default_rng([seed, i]): a process pool gives bit-identical seed averages."""
    import concurrent.futures as cf
    t = np.geomspace(0.1, 100, 7)
    serial = rf.simulate(1.5, 1.25, 256, 32, 64, t, n_seeds=3, seed=4, executor=None)
    with cf.ProcessPoolExecutor(2) as ex:
        pooled = rf.simulate(1.5, 1.25, 256, 32, 64, t, n_seeds=3, seed=4, executor=ex)
    assert np.array_equal(serial.test, pooled.test) and np.array_equal(serial.train_se, pooled.train_se)
    other = rf.simulate(1.5, 1.25, 256, 32, 64, t, n_seeds=3, seed=5, executor=None)
    assert not np.array_equal(serial.test, other.test)
