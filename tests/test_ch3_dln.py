"""Chapter 3: deep linear network simulator and DMFT (theory page of paper 3, Eqs. (T3.5)-(T3.35))."""
import concurrent.futures as cf
import math

import numpy as np
import pytest

from scalinglaws import deeplinear as dl


# ---------------------------------------------------------------- gradient identity, Eq. (T3.6)
@pytest.mark.parametrize("residual", [False, True])
def test_rank_one_update_equals_finite_difference_gradient(residual):
    rng = np.random.default_rng(1)
    D, N, L, P, g0, eta0, b = 5, 4, 3, 7, 0.7, 0.3, 0.6
    X = rng.standard_normal((P, D)); y = rng.standard_normal(P)
    W0 = rng.standard_normal((N, D)); Ws = [rng.standard_normal((N, N)) for _ in range(L if residual else L - 1)]
    w = rng.standard_normal(N)
    params = [W0, *Ws, w]
    grads = []
    eps = 1e-6
    for A in params:
        G = np.zeros_like(A)
        for idx in np.ndindex(A.shape):
            old = A[idx]
            A[idx] = old + eps; fp = dl.loss_half_train(W0, Ws, w, X, y, g0, residual, b)
            A[idx] = old - eps; fm = dl.loss_half_train(W0, Ws, w, X, y, g0, residual, b)
            A[idx] = old
            G[idx] = (fp - fm) / (2 * eps)
        grads.append(G)
    before = [A.copy() for A in params]
    # e = (sqrt(D)/P) X^T Delta with Delta = f - y
    nu = N / D
    H = X @ W0.T / math.sqrt(D)
    for W in Ws:
        H = H + b * H @ W.T / math.sqrt(N) if residual else H @ W.T / math.sqrt(N)
    f = H @ w / (g0 * math.sqrt(nu * N))
    e = math.sqrt(D) / P * X.T @ (f - y)
    dl.rank_one_step(W0, Ws, w, e, eta0, g0, residual=residual, b=b)
    eta = eta0 * g0 ** 2 * N
    for A, A0, G in zip(params, before, grads):
        step = A0 - A
        assert np.max(np.abs(step - eta * G)) < 1e-8 * max(1.0, np.max(np.abs(eta * G)))


# ------------------------------------------------------- initial values, Eqs. (T3.4), (T3.20), (T3.33)
@pytest.mark.parametrize("nu,g0,sigma,kw", [(1.0, 1.0, 0.0, {}), (0.5, 2.0, 0.3, dict(alpha=2.0)),
                                           (3.0, 0.5, 0.5, dict(alpha_B=1.0))])
def test_initial_loss(nu, g0, sigma, kw):
    r = dl.dmft_dln(2, nu, g0, 0.1, 3, sigma=sigma, **kw)
    assert abs(r.test[0] - (1 + 1 / (g0 ** 2 * nu) + sigma ** 2)) < 1e-12
    assert abs(r.Cg1[0, 0] - 1.0) < 1e-12
    rc = dl.dmft_dln(2, nu, g0, 0.1, 3, sigma=sigma, centred=True, **kw)
    assert abs(rc.test[0] - (1 + sigma ** 2)) < 1e-12


@pytest.mark.parametrize("L,b", [(2, 0.7), (4, 0.5), (3, 1.0)])
def test_residual_initial_kernel(L, b):
    r = dl.dmft_dln(L, 1.0, 1.0, 0.05, 2, residual=True, branch=b)
    assert abs(r.Cg1[0, 0] - (1 + b * b) ** L) < 1e-12
    assert abs(r.test[0] - (1 + (1 + b * b) ** L)) < 1e-12


# ---------------------------------------------------------------- lazy limit, Eqs. (T3.29), (T3.44)
@pytest.mark.parametrize("L", [1, 2, 3])
@pytest.mark.parametrize("g", [1.0, 0.5, 2.0])
def test_lazy_limit(L, g):
    # NTK parameterisation at nu = 1e6: the lazy closed form with gamma_tilde = gamma0; at g != 1 the
    # factor (1 + gamma_tilde^-2) differs from (1 + gamma_tilde^-1) by 17-67 %, so a wrong power fails
    r = dl.dmft_dln(L, 1e6, g, 0.1, 15, parameterization="ntk")
    lz = dl.lazy_population_loss(L, 0.1, 15, gamma_tilde=g)
    assert np.max(np.abs(r.test / lz - 1)) < 1e-3


def test_powerlaw_lazy_limit():
    lam, b2 = dl.powerlaw_spectrum(300, 1.5, 0.5)
    r = dl.dmft_powerlaw(2, 1e-5, 0.3, 50, lam, b2)
    t = np.arange(50)
    ref = (lam * b2 * (1 - 3 * 0.3 * lam) ** (2 * t[:, None])).sum(1)
    assert np.max(np.abs(r.test / ref - 1)) < 1e-3


# ---------------------------------------------------------------- linear regression, Eq. (T3.31)
@pytest.mark.parametrize("alpha", [0.5, 2.0])
def test_linear_regression_subcase(alpha):
    eta, T, D, sigma = 0.1, 25, 2000, 0.3   # simulated at D = 2000, compared within 5%
    te, tr = dl.linear_regression_dmft(eta, T, alpha, sigma)
    rng = np.random.default_rng(0)
    P = int(alpha * D)
    sims = []
    for s in range(4):
        X = rng.standard_normal((P, D)); bs = rng.standard_normal(D)
        y = X @ bs / math.sqrt(D) + sigma * rng.standard_normal(P)
        beta = np.zeros(D); out = []
        for t in range(T):
            res = X @ beta / math.sqrt(D) - y
            out.append((np.sum((beta - bs) ** 2) / D + sigma ** 2, np.mean(res ** 2)))
            beta -= eta * math.sqrt(D) / P * X.T @ res
        sims.append(out)
    sims = np.mean(sims, axis=0)
    for k in (10, T - 1):
        assert abs(sims[k, 0] / te[k] - 1) < 0.05
        assert abs(sims[k, 1] / tr[k] - 1) < 0.05


# ------------------------------------------------ solver robustness: Eqs. (T3.21)-(T3.26) vs (T3.27)
@pytest.mark.parametrize("kw", [dict(), dict(alpha=2.0), dict(alpha=1.0, sigma=0.5), dict(alpha_B=0.25, sigma=0.5),
                                dict(alpha=2.0, centred=True), dict(parameterization="ntk", alpha=4.0)])
def test_causal_equals_fixed_point(kw):
    a = dl.dmft_dln(2, 1.0, 1.0, 0.1, 30, **kw)
    b = dl.dmft_dln(2, 1.0, 1.0, 0.1, 30, method="fixed_point", **kw)
    np.testing.assert_allclose(a.test, b.test, rtol=1e-9)
    np.testing.assert_allclose(a.train, b.train, rtol=1e-9)


# The settings that used to compare the packed kernel with a second (strided) causal kernel: every
# data mode, label noise, centring and depths 1-3 at nu = 2, T = 40; the two solvers also agree on
# C_g^1 and on the transfer function H.
@pytest.mark.parametrize("L,kw", [(2, dict()), (3, dict(alpha=2.0, sigma=0.5)), (1, dict(alpha_B=0.25, sigma=0.5)),
                                  (2, dict(alpha=1.0, centred=True))])
def test_causal_equals_fixed_point_all_modes(L, kw):
    a = dl.dmft_dln(L, 2.0, 1.0, 0.1, 40, **kw)
    b = dl.dmft_dln(L, 2.0, 1.0, 0.1, 40, method="fixed_point", **kw)
    assert not a.diverged and not b.diverged
    np.testing.assert_allclose(a.test, b.test, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(a.train, b.train, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(a.Cg1, b.Cg1, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(a.H, b.H, rtol=1e-8, atol=1e-12)


def test_window_independence_near_edge():
    # the large-window pitfall of the fixed point (Eq. (T3.27)): nu=2, L=2, gamma0=2, eta0=0.25, T=10
    # converges with windows c <= 5 to a finite loss
    ref = dl.dmft_dln(2, 2.0, 2.0, 0.25, 10)
    assert not ref.diverged
    for c in (1, 2, 5):
        r = dl.dmft_dln(2, 2.0, 2.0, 0.25, 10, method="fixed_point", window=c)
        np.testing.assert_allclose(r.test, ref.test, rtol=1e-8)


@pytest.mark.parametrize("kw", [dict(alpha=2.0), dict(alpha=2.0, sigma=0.5), dict(alpha_B=1.0, sigma=0.5)])
def test_residual_zero_branch_is_one_layer_net(kw):
    # the residual solver (full T x T storage) against the plain causal solver, a different code
    # path; with label noise in full batch and online SGD, where sigma^2 enters C_D and the batch noise
    a = dl.dmft_dln(3, 1.0, 1.0, 0.1, 20, residual=True, branch=0.0, **kw)
    b = dl.dmft_dln(1, 1.0, 1.0, 0.1, 20, **kw)
    np.testing.assert_allclose(a.test, b.test, rtol=1e-12)
    np.testing.assert_allclose(a.train, b.train, rtol=1e-12)


def test_independent_reference_values():
    # reference values from an independent dense-matrix DMFT implementation (a NumPy growing-window
    # fixed point, and a dense joint solve for the residual net) written outside this library before it.
    # muP L=2, gamma0=1, alpha=2, eta0=0.1: L(20), L(59) for nu = 1 (the setting of paper Fig. 1)
    r = dl.dmft_dln(2, 1.0, 1.0, 0.1, 60, alpha=2.0)
    assert abs(r.test[20] - 0.113) < 0.0015 and abs(r.test[59] - 0.010) < 0.0006
    # residual L = 4 (branch 1/sqrt(L)), nu=1, alpha=2, gamma0=1, eta0=0.05: L(29)
    r = dl.dmft_dln(4, 1.0, 1.0, 0.05, 30, alpha=2.0, residual=True)
    assert abs(r.test[29] - 0.120) < 0.0015


# ---------------------------------------------------------------- DMFT vs simulation
def test_dmft_vs_simulation_and_finite_size_convergence():
    kw = dict(alpha=1.0, sigma=0.2)
    d = dl.dmft_dln(3, 2.0, 1.0, 0.05, 40, **kw).test[39]
    errs = []
    for D, n in [(100, 8), (300, 8)]:
        s = dl.simulate_seeds(dl.simulate_dln, n, 3, 2.0, 1.0, 0.05, 40, **kw, D=D)
        errs.append(abs(s.test[39] / d - 1))
    assert errs[1] < 0.10
    assert errs[1] < errs[0]


def test_dmft_vs_simulation_online_and_residual():
    d = dl.dmft_dln(2, 1.0, 1.0, 0.1, 40, alpha_B=1.0, sigma=0.5)
    s = dl.simulate_seeds(dl.simulate_dln, 8, 2, 1.0, 1.0, 0.1, 40, alpha_B=1.0, sigma=0.5, D=200)
    for t in (10, 39):
        assert abs(s.test[t] / d.test[t] - 1) < 0.10
    d = dl.dmft_dln(2, 1.0, 1.0, 0.05, 30, alpha=2.0, residual=True)
    s = dl.simulate_seeds(dl.simulate_dln, 8, 2, 1.0, 1.0, 0.05, 30, alpha=2.0, residual=True, D=200)
    for t in (10, 29):
        assert abs(s.test[t] / d.test[t] - 1) < 0.10


def _same_simresult(a, b):
    assert a.diverged == b.diverged
    for f in ("t", "test", "test_se", "train", "train_se", "draws_test", "draws_train"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f  # bit-identical, inf included


@pytest.mark.parametrize("case", ["full-batch", "online", "powerlaw-sgd", "diverging"])
def test_simulate_seeds_on_a_process_pool_equals_serial(case):
    lam, b2 = dl.powerlaw_spectrum(64, 1.5, 0.5)
    sim, args, kw = {
        "full-batch": (dl.simulate_dln, (2, 2.0, 1.0, 0.05, 20), dict(D=60, alpha=2.0, sigma=0.3)),
        "online": (dl.simulate_dln, (2, 1.0, 1.0, 0.1, 15), dict(D=60, alpha_B=1.0, sigma=0.5)),
        "powerlaw-sgd": (dl.simulate_powerlaw, (2, 1.0, 0.3, 15, lam, b2), dict(N=128, batch=8)),
        "diverging": (dl.simulate_dln, (2, 1.0, 1.0, 50.0, 10), dict(D=60))}[case]
    serial = dl.simulate_seeds(sim, 3, *args, seed0=4, executor=None, **kw)
    # run k is the simulator with seed seed0 + k, as before simulate_seeds went through sweep
    for k in range(3):
        te, tr = sim(*args, seed=4 + k, **kw)
        assert np.array_equal(serial.draws_test[k], te) and np.array_equal(serial.draws_train[k], tr)
    with cf.ProcessPoolExecutor(2) as ex:
        pooled = dl.simulate_seeds(sim, 3, *args, seed0=4, executor=ex, **kw)
    _same_simresult(pooled, serial)
    assert (serial.diverged == 3) == (case == "diverging")


def test_simulate_seeds_bad_inputs():
    with pytest.raises(ValueError, match="`n_seeds` must be an integer >= 1"):
        dl.simulate_seeds(dl.simulate_dln, 0, 2, 1.0, 1.0, 0.1, 5, D=20)
    with pytest.raises(ValueError, match="`seed0` must be an integer >= 0"):
        dl.simulate_seeds(dl.simulate_dln, 2, 2, 1.0, 1.0, 0.1, 5, seed0=-1, D=20)
    with pytest.raises(ValueError, match="`seed0`"):
        dl.simulate_seeds(dl.simulate_dln, 2, 2, 1.0, 1.0, 0.1, 5, seed=3, D=20)
    with pytest.raises(ValueError, match="executor`? must be"):
        dl.simulate_seeds(dl.simulate_dln, 2, 2, 1.0, 1.0, 0.1, 5, executor="threads", D=20)


def test_powerlaw_dmft_vs_simulation():
    lam, b2 = dl.powerlaw_spectrum(800, 1.5, 0.5)
    d = dl.dmft_powerlaw(1, 1.0, 0.2, 60, lam, b2)
    s = np.mean([dl.simulate_powerlaw(1, 1.0, 0.2, 60, lam, b2, N=800, seed=k)[0] for k in range(2)], axis=0)
    for t in (10, 59):
        assert abs(s[t] / d.test[t] - 1) < 0.05


# ---------------------------------------------------------------- LR sweep
def test_refine_argmin_parabola():
    etas = np.geomspace(0.01, 1, 21)
    v = (np.log(etas) - np.log(0.137)) ** 2
    es, eg, edge = dl.refine_argmin(etas, v)
    assert abs(es / 0.137 - 1) < 1e-9 and not edge
    v2 = v.copy(); v2[-3:] = np.inf
    assert abs(dl.refine_argmin(etas, v2)[0] / 0.137 - 1) < 1e-9
    with pytest.raises(ValueError):
        dl.refine_argmin(etas, np.full(21, np.inf))


def test_mup_transfer_and_ntk_shift():
    etas = np.geomspace(0.02, 4, 41)
    opt = {}
    for par in ("mup", "ntk"):
        opt[par] = [dl.lr_sweep(lambda e: dl.dmft_dln(2, nu, 2.0, e, 10, parameterization=par).test[-1], etas).eta_star
                    for nu in (1, 4, 16, 64)]
    assert max(opt["mup"]) / min(opt["mup"]) <= 1.25
    assert np.all(np.diff(opt["ntk"]) >= 0) and opt["ntk"][-1] / opt["ntk"][0] >= 2
    assert abs(opt["ntk"][-1] - 1 / 3) < 0.05


def test_lr_sweep_on_a_process_pool_equals_serial_and_direct_loop():
    etas = np.geomspace(0.02, 4, 15)
    nu, par = 2.0, "ntk"
    loss = lambda e: dl.dmft_dln(2, nu, 2.0, e, 10, parameterization=par).test[-1]  # noqa: E731 (a closure)
    serial = dl.lr_sweep(loss, etas, executor=None, progress=False)
    direct = np.array([np.log10(L) if np.isfinite(L) and L > 0 else np.inf for L in (loss(float(e)) for e in etas)])
    assert np.array_equal(serial.values, direct)
    assert np.isinf(serial.values).any() and np.isfinite(serial.values).sum() >= 3  # divergence is exercised
    with cf.ProcessPoolExecutor(2) as ex:
        pooled = dl.lr_sweep(loss, etas, executor=ex, progress=False)
    assert np.array_equal(pooled.values, serial.values)
    assert (pooled.eta_star, pooled.eta_grid, pooled.at_edge) == (serial.eta_star, serial.eta_grid, serial.at_edge)
    # a metric runs in the caller's process on the loss values
    m = dl.lr_sweep(loss, etas, metric=lambda L: -1.0 / L, executor=None, progress=False)
    fin = np.isfinite(serial.values)
    assert np.allclose(m.values[fin], -1.0 / 10 ** serial.values[fin], rtol=1e-12)


def test_lr_sweep_bad_inputs():
    f = lambda e: e  # noqa: E731
    with pytest.raises(ValueError, match="`loss_fn` must be callable"):
        dl.lr_sweep(3.0, [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="`metric` must be callable"):
        dl.lr_sweep(f, [0.1, 0.2, 0.3], metric="log")
    with pytest.raises(ValueError, match="length >= 3"):
        dl.lr_sweep(f, [0.1, 0.2])
    with pytest.raises(ValueError, match="strictly increasing"):
        dl.lr_sweep(f, [0.1, 0.3, 0.2])
    with pytest.raises(ValueError, match="strictly increasing"):
        dl.lr_sweep(f, [0.0, 0.1, 0.2])


# ---------------------------------------------------------------- bad input / divergence
def test_divergence_flag_and_no_nan():
    r = dl.dmft_dln(2, 1.0, 1.0, 2.0, 200)
    assert r.diverged and r.t_diverged is not None
    assert np.all(np.isinf(r.test[r.t_diverged:])) and not np.any(np.isnan(r.test))
    assert np.all(np.isfinite(r.test[:r.t_diverged]))
    ok = dl.dmft_dln(2, 1.0, 1.0, 0.1, 200)
    assert not ok.diverged and np.all(np.isfinite(ok.test))


@pytest.mark.parametrize("bad", [dict(L=0), dict(nu=0.0), dict(nu=-1.0), dict(eta0=0.0), dict(eta0=float("nan")),
                                 dict(T=0), dict(alpha=0.0), dict(alpha_B=-1.0), dict(sigma=-0.1),
                                 dict(parameterization="sp"), dict(alpha=1.0, alpha_B=1.0)])
def test_bad_inputs_raise(bad):
    kw = dict(L=2, nu=1.0, gamma0=1.0, eta0=0.1, T=5)
    kw.update(bad)
    with pytest.raises(ValueError):
        dl.dmft_dln(kw.pop("L"), kw.pop("nu"), kw.pop("gamma0"), kw.pop("eta0"), kw.pop("T"), **kw)
    with pytest.raises(ValueError):
        kw2 = dict(L=2, nu=1.0, gamma0=1.0, eta0=0.1, T=5); kw2.update(bad)
        dl.simulate_dln(kw2.pop("L"), kw2.pop("nu"), kw2.pop("gamma0"), kw2.pop("eta0"), kw2.pop("T"), **kw2, D=20)


def test_powerlaw_bad_inputs():
    with pytest.raises(ValueError):
        dl.powerlaw_spectrum(100, 1.0, 0.5)
    with pytest.raises(ValueError):
        dl.dmft_powerlaw(1, 1.0, 0.1, 10, np.array([1.0, -1.0]), np.array([1.0, 1.0]))


@pytest.mark.parametrize("residual", [False, True])
def test_simulator_with_deferred_updates_equals_step_by_step_gd(residual):
    """simulate_dln's time loop defers the rank-one updates of matrices over 1 MiB and folds them in
    every 32 steps (simulation._Deferred): its train loss equals a plain loop of rank_one_step
    (immediate updates) with the loss from an explicit forward pass of all samples
    (loss_half_train), on the same draws (W^0, W^l, w, beta*, X in the simulator's order)."""
    D, nu, L, T, alpha, g0, eta0, seed = 400, 1.0, 3, 70, 2.0, 1.0, 0.05, 4
    N, P = int(nu * D), int(alpha * D)
    b = 1.0 / math.sqrt(L) if residual else 1.0
    test, train = dl.simulate_dln(L, nu, g0, eta0, T, D=D, alpha=alpha, residual=residual, seed=seed)
    rng = np.random.default_rng(seed)
    W0 = rng.standard_normal((N, D))
    Ws = [rng.standard_normal((N, N)) for _ in range(L if residual else L - 1)]
    w = rng.standard_normal(N)
    bstar = rng.standard_normal(D)
    X = rng.standard_normal((P, D))
    y = X @ bstar / math.sqrt(D) + 0.0 * rng.standard_normal(P)
    ref = np.empty(T)
    for t in range(T):
        H = X @ W0.T / math.sqrt(D)
        for W in Ws:
            H = H + b * H @ W.T / math.sqrt(N) if residual else H @ W.T / math.sqrt(N)
        f = H @ w / (g0 * math.sqrt(nu * N))
        ref[t] = 2.0 * dl.loss_half_train(W0, Ws, w, X, y, g0, residual, b)
        dl.rank_one_step(W0, Ws, w, math.sqrt(D) / P * X.T @ (f - y), eta0, g0, residual=residual, b=b)
    assert np.all(np.isfinite(train)) and train[-1] < 0.5 * train[0]
    # the same GD in a different order of floating-point operations: rounding only (measured <= 3e-15)
    np.testing.assert_allclose(train, ref, rtol=1e-11)


def test_in_place_rank_one_update_matches_numpy():
    # the BLAS dger path (C-contiguous W, updated in place) and the NumPy fallback (a strided view)
    from scalinglaws.deeplinear.simulation import _ger
    rng = np.random.default_rng(7)
    u, v = rng.standard_normal(40), rng.standard_normal(30)
    for W in (rng.standard_normal((40, 30)), rng.standard_normal((40, 60))[:, ::2]):
        ref = W + 0.37 * np.outer(u, v)
        ptr = W.__array_interface__["data"][0]
        _ger(W, 0.37, u, v)
        np.testing.assert_allclose(W, ref, rtol=1e-14, atol=1e-14)
        assert W.__array_interface__["data"][0] == ptr   # the caller's array itself was updated


def test_final_log10_propagates_the_standard_error():
    from scalinglaws.compare import SimResult
    one = np.ones(3)
    t = np.arange(2.0)
    r = SimResult(t, np.array([5.0, 1000.0]), np.array([0.0, 10 * math.log(10)]), one, one, one, one, 0)
    lg, se = r.final_log10()
    assert lg == pytest.approx(3.0, rel=1e-15) and se == pytest.approx(0.01, rel=1e-14)   # d log10 L = dL / (L ln 10)
    r = SimResult(t, np.array([5.0, 1000.0]), np.array([0.0, 10 * math.log(10)]), one, one, one, one, 1)
    assert all(math.isnan(v) for v in r.final_log10())


def test_transfer_deviation_counts_only_rates_up_to_the_optimum():
    # theory L = 1 + (log(eta/0.1))^2 with its optimum at eta = 0.1; the "simulation" equals it up to
    # 1.05 x the optimum and is off by a factor 10 above: the deviation must see only the agreement
    # below, and the whole disagreement when up_to covers every rate
    theory = lambda par, width, eta: 1.0 + np.log(eta / 0.1) ** 2
    eta_sim = np.array([0.03, 0.06, 0.1, 0.2, 0.4])

    def sim_point(par, width, eta):
        L = theory(par, width, eta) * (10.0 if eta > 0.105 else 1.0)
        return math.log10(L), 0.01
    st = dl.transfer_study(theory, np.geomspace(0.01, 1, 41), [1.0], sim_point=sim_point, eta_sim=eta_sim,
                           sim_widths=(1.0,), pars=("mup",))
    th_log = lambda par, w, eta: math.log10(theory(par, w, eta))
    assert st.max_deviation(th_log)["mup", 1.0] == pytest.approx(0.0, abs=1e-12)
    assert st.max_deviation(th_log, up_to=10.0)["mup", 1.0] == pytest.approx(1.0, abs=1e-12)
