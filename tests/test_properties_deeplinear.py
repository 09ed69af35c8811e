"""Property-based tests (hypothesis) of ``scalinglaws.deeplinear`` (issue 14).

Random bad inputs give the documented ``ValueError`` naming the parameter (never a hang, NaN or a
garbage curve); random valid inputs give finite, physically valid outputs: losses >= the noise floor,
``L(0) = 1 + 1/(gamma0^2 nu) + sigma^2``, the causal and fixed-point DMFT solvers (two independent
implementations) agree, including on divergence, which is a flag (``DMFTResult.diverged``) or an
``inf`` tail and never NaN or ``DMFTConvergenceError``; lazy closed forms are non-increasing inside
the stability edge and invariant under splitting a mode; power-law spectra are normalised and
ordered; one small GD step of the simulator's rank-one update lowers the training loss; the refined
LR optimum of an exact parabola in ``log eta`` is its vertex.  Sizes are tiny (T <= 12, L <= 2,
D <= 12) so the file runs in seconds after numba compilation.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scalinglaws import deeplinear as dl

depths = st.integers(1, 2)
steps = st.integers(2, 8)
widths = st.floats(0.5, 4.0)
richness = st.floats(0.5, 2.0)
noise = st.floats(0.0, 0.5)
modes = st.sampled_from([None, dict(alpha=2.0), dict(alpha=0.5), dict(alpha_B=1.0)])

not_positive = st.one_of(st.floats(max_value=0.0, allow_nan=False), st.just(math.nan), st.just(math.inf),
                         st.just(-math.inf))
not_size = st.one_of(st.integers(max_value=0), st.floats(0.1, 50.0).filter(lambda x: x != int(x)),
                     st.just(True), st.just("3"), st.just(None))


def _raises_naming(name, fn, *a, **k):
    with pytest.raises((ValueError, TypeError)) as ei:
        fn(*a, **k)
    assert f"`{name}`" in str(ei.value), str(ei.value)


# ----------------------------------------------------------------------------------- bad inputs
@settings(max_examples=40)
@given(name=st.sampled_from(["L", "T"]), bad=not_size)
def test_dmft_bad_sizes_are_named(name, bad):
    kw = dict(L=1, nu=1.0, gamma0=1.0, eta0=0.1, T=5)
    kw[name] = bad
    _raises_naming(name, dl.dmft_dln, **kw)


@settings(max_examples=40)
@given(name=st.sampled_from(["nu", "gamma0", "eta0", "alpha", "alpha_B"]), bad=not_positive)
def test_dmft_bad_positive_reals_are_named(name, bad):
    if name == "nu" and bad == math.inf:
        return                                  # infinite width: documented valid value in muP
    kw = dict(L=1, nu=1.0, gamma0=1.0, eta0=0.1, T=5)
    kw[name] = bad
    _raises_naming(name, dl.dmft_dln, **kw)


@settings(max_examples=30)
@given(sigma=st.one_of(st.floats(max_value=-1e-300, allow_nan=False), st.just(math.nan), st.just(math.inf),
                       st.floats(1e151, 1e300)))
def test_bad_noise_is_named_everywhere(sigma):
    lam, b2 = dl.powerlaw_spectrum(4, 1.5, 0.5)
    _raises_naming("sigma", dl.lazy_population_loss, 1, 0.1, 5, sigma=sigma)
    _raises_naming("sigma", dl.dmft_dln, 1, 1.0, 1.0, 0.1, 5, sigma=sigma)
    _raises_naming("sigma", dl.dmft_powerlaw, 1, 1.0, 0.1, 5, lam, b2, sigma=sigma)
    _raises_naming("sigma", dl.linear_regression_dmft, 0.1, 5, 2.0, sigma=sigma)
    _raises_naming("sigma", dl.simulate_dln, 1, 1.0, 1.0, 0.1, 3, D=4, sigma=sigma)


@settings(max_examples=40)
@given(lam=st.lists(st.floats(-10.0, 10.0), min_size=1, max_size=6), which=st.sampled_from(["lam", "b2"]))
def test_negative_spectra_are_rejected(lam, which):
    lam = np.array(lam)
    good = np.abs(lam) + 0.1
    if which == "lam":
        assume(np.any(lam <= 0))
        args = (lam, good)
    else:
        assume(np.any(lam < 0))
        args = (good, lam)
    _raises_naming(which, dl.check_spectrum, *args)
    _raises_naming(which, dl.lazy_powerlaw_loss, 1, 0.1, 4, *args)
    _raises_naming(which, dl.dmft_powerlaw, 1, 1.0, 0.1, 4, *args)
    if lam.size >= 2:
        _raises_naming(which, dl.simulate_powerlaw, 1, 1.0, 0.1, 3, *args, N=4)


@settings(max_examples=40)
@given(D=st.integers(2, 40), num=st.integers(1, 200), den=st.integers(2, 7))
def test_non_integer_width_or_sample_count_is_never_rounded(D, num, den):
    x = num / den
    assume(abs(x * D - round(x * D)) > 1e-6 and round(x * D) >= 2)
    _raises_naming("nu", dl.simulate_dln, 1, x, 1.0, 0.1, 3, D=D)
    _raises_naming("alpha", dl.simulate_dln, 1, 1.0, 1.0, 0.1, 3, D=D, alpha=x)
    _raises_naming("alpha_B", dl.simulate_dln, 1, 1.0, 1.0, 0.1, 3, D=D, alpha_B=x)


@settings(max_examples=30)
@given(beta=st.one_of(not_positive, st.just("1"), st.just(True)))
def test_rich_exponent_bad_beta(beta):
    _raises_naming("beta", dl.rich_exponent, beta)


# ----------------------------------------------------------------------------------- DMFT
@settings(max_examples=40)
@given(L=depths, T=steps, nu=widths, g=richness, sigma=noise, mode=modes, x=st.floats(0.02, 0.4))
def test_dmft_valid_losses_and_solvers_agree(L, T, nu, g, sigma, mode, x):
    """Inside the stable range: finite curves, L(0) = 1 + 1/(gamma0^2 nu) + sigma^2 (the random
    init's output variance, Eq. (T3.4)), test loss >= sigma^2, train >= 0, and the causal and
    fixed-point solvers give the same curves."""
    eta0 = x / (L + 1)
    kw = mode or {}
    a = dl.dmft_dln(L, nu, g, eta0, T, sigma=sigma, **kw)
    b = dl.dmft_dln(L, nu, g, eta0, T, sigma=sigma, method="fixed_point", **kw)
    assert not a.diverged and not b.diverged
    for r in (a, b):
        assert np.all(np.isfinite(r.test)) and np.all(np.isfinite(r.train))
        assert np.all(r.test >= sigma ** 2 - 1e-12) and np.all(r.train >= -1e-12)
    assert a.test[0] == pytest.approx(1 + 1 / (g * g * nu) + sigma ** 2, rel=1e-12)
    np.testing.assert_allclose(a.test, b.test, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(a.train, b.train, rtol=1e-7, atol=1e-12)


@settings(max_examples=30)
@given(L=depths, nu=widths, g=richness, mode=modes, eta0=st.floats(5.0, 50.0))
def test_dmft_divergence_is_a_flag_for_both_solvers(L, nu, g, mode, eta0):
    """A rate far past the lazy edge ((L+1) eta0 >= 10 > 2) diverges: both solvers flag it, with
    finite values before ``t_diverged``, ``inf`` from it on, never NaN and never an exception."""
    kw = mode or {}
    T = 12
    for method in ("causal", "fixed_point"):
        r = dl.dmft_dln(L, nu, g, eta0, T, method=method, **kw)
        assert r.diverged and 1 <= r.t_diverged < T
        assert np.all(np.isfinite(r.test[:r.t_diverged])) and np.all(np.isinf(r.test[r.t_diverged:]))
        assert not np.any(np.isnan(r.test)) and not np.any(np.isnan(r.train))


@settings(max_examples=30)
@given(T=st.integers(2, 12), alpha=st.floats(0.3, 4.0), sigma=noise, eta=st.floats(0.01, 0.2))
def test_linear_regression_valid(T, alpha, sigma, eta):
    te, tr = dl.linear_regression_dmft(eta, T, alpha, sigma)
    assert np.all(np.isfinite(te)) and np.all(np.isfinite(tr))
    assert te[0] == pytest.approx(1 + sigma ** 2) and tr[0] == pytest.approx(1 + sigma ** 2)
    assert np.all(te >= sigma ** 2 - 1e-12) and np.all(tr >= -1e-12)


@settings(max_examples=30)
@given(T=st.integers(6, 16), alpha=st.floats(0.3, 4.0), sigma=noise, eta=st.floats(10.0, 1e6))
def test_linear_regression_divergence_is_an_inf_tail(T, alpha, sigma, eta):
    """eta >= 10 exceeds 2/lambda_max of the sample covariance: an ``inf`` tail from the diverged
    step, L(0) kept, no NaN and no convergence error."""
    te, tr = dl.linear_regression_dmft(eta, T, alpha, sigma)
    assert te[0] == pytest.approx(1 + sigma ** 2)
    assert np.isinf(te[-1]) and np.isinf(tr[-1]) and not np.any(np.isnan(te)) and not np.any(np.isnan(tr))
    k = int(np.argmax(np.isinf(te)))
    assert np.all(np.isinf(te[k:])) and np.all(np.isfinite(te[:k]))


@settings(max_examples=30)
@given(L=depths, T=steps, a=st.floats(1.2, 2.5), beta=st.floats(0.3, 2.0), g=richness, x=st.floats(0.05, 0.9),
       K=st.integers(3, 12))
def test_dmft_powerlaw_valid(L, T, a, beta, g, x, K):
    lam, b2 = dl.powerlaw_spectrum(K, a, beta)
    eta0 = x / ((L + 1) * lam.max())
    r = dl.dmft_powerlaw(L, g, eta0, T, lam, b2)
    m = dl.dmft_powerlaw(L, g, eta0, T, lam, b2, method="modes")     # the general per-mode kernel
    assert not r.diverged and np.all(np.isfinite(r.test)) and np.all(r.test >= 0)
    assert r.test[0] == pytest.approx(1.0, rel=1e-12)                 # sum lambda b^2 = 1
    np.testing.assert_allclose(r.test, m.test, rtol=1e-8)


# ----------------------------------------------------------------------------------- closed forms, data
@settings(max_examples=50)
@given(L=depths, T=st.integers(1, 40), x=st.floats(1e-3, 1.999), g=st.floats(0.1, 10.0), sigma=noise)
def test_lazy_population_inside_the_edge(L, T, x, g, sigma):
    """(L+1) eta0 < 2: non-increasing, >= sigma^2, L(0) = 1 + 1/g^2 + sigma^2."""
    out = dl.lazy_population_loss(L, x / (L + 1), T, gamma_tilde=g, sigma=sigma)
    assert np.all(np.isfinite(out)) and np.all(out >= sigma ** 2)
    assert out[0] == pytest.approx(1 + 1 / g ** 2 + sigma ** 2)
    assert np.all(np.diff(out) <= 1e-12)


@settings(max_examples=30)
@given(L=depths, x=st.floats(2.2, 100.0))
def test_lazy_population_divergence_is_an_inf_tail(L, x):
    out = dl.lazy_population_loss(L, x / (L + 1), 200)
    assert np.isinf(out[-1]) and not np.any(np.isnan(out))
    k = int(np.argmax(np.isinf(out)))
    assert np.all(np.isfinite(out[:k])) and np.all(out[:k] <= dl.DIVERGENCE_FACTOR * out[0])


@settings(max_examples=40)
@given(L=depths, T=st.integers(1, 30), a=st.floats(1.1, 3.0), beta=st.floats(0.2, 2.0), K=st.integers(2, 30),
       x=st.floats(1e-3, 1.999), j=st.integers(0, 29))
def test_lazy_powerlaw_monotone_and_split_invariant(L, T, a, beta, K, x, j):
    lam, b2 = dl.powerlaw_spectrum(K, a, beta)
    eta0 = x / ((L + 1) * lam.max())
    out = dl.lazy_powerlaw_loss(L, eta0, T, lam, b2)
    assert np.all(np.isfinite(out)) and np.all(out >= 0) and np.all(np.diff(out) <= 1e-12)
    assert out[0] == pytest.approx(1.0)
    # a mode of weight 2 equals two copies of it
    j = j % K
    w = np.ones(K); w[j] = 2.0
    lam2 = np.append(lam, lam[j]); b22 = np.append(b2, b2[j])
    np.testing.assert_allclose(dl.lazy_powerlaw_loss(L, eta0, T, lam, b2, weights=w),
                               dl.lazy_powerlaw_loss(L, eta0, T, lam2, b22), rtol=1e-12)


@settings(max_examples=50)
@given(K=st.integers(2, 400), a=st.floats(1.01, 4.0), beta=st.floats(0.05, 3.0))
def test_powerlaw_spectrum_normalised_and_ordered(K, a, beta):
    lam, b2 = dl.powerlaw_spectrum(K, a, beta)
    assert np.all(lam > 0) and np.all(np.diff(lam) < 0) and np.all(b2 > 0)
    assert lam.sum() == pytest.approx(1.0) and (lam * b2).sum() == pytest.approx(1.0)
    assert dl.rich_exponent(beta) == pytest.approx(2 * beta / (1 + beta) if beta < 1 else beta)


@settings(max_examples=40)
@given(K=st.integers(10, 3000), a=st.floats(1.1, 3.0), beta=st.floats(0.1, 2.0), n_exact=st.integers(1, 50),
       n_bins=st.integers(1, 60))
def test_binned_spectrum_keeps_the_traces(K, a, beta, n_exact, n_bins):
    n_bins = min(n_bins, K)
    lam, b2, w = dl.binned_powerlaw_spectrum(K, a, beta, n_exact=n_exact, n_bins=n_bins)
    assert np.all(lam > 0) and np.all(b2 >= 0) and np.all(w >= 1)
    assert w.sum() == pytest.approx(K)
    assert (w * lam).sum() == pytest.approx(1.0) and (w * lam * b2).sum() == pytest.approx(1.0)


# ----------------------------------------------------------------------------------- simulation
@settings(max_examples=25)
@given(L=depths, D=st.integers(2, 12), k=st.integers(1, 3), sigma=noise, seed=st.integers(0, 2 ** 31),
       mode=st.sampled_from([None, "alpha", "alpha_B"]), x=st.floats(0.01, 0.3))
def test_simulate_dln_valid_and_reproducible(L, D, k, sigma, seed, mode, x):
    kw = {} if mode is None else {mode: 1.0}
    a = dl.simulate_dln(L, float(k), 1.0, x / (L + 1), 4, D=D, sigma=sigma, seed=seed, **kw)
    b = dl.simulate_dln(L, float(k), 1.0, x / (L + 1), 4, D=D, sigma=sigma, seed=seed, **kw)
    np.testing.assert_array_equal(a[0], b[0]); np.testing.assert_array_equal(a[1], b[1])
    assert np.all(np.isfinite(a[0])) and np.all(a[0] >= sigma ** 2) and np.all(a[1] >= 0)


@settings(max_examples=25)
@given(L=depths, D=st.integers(2, 8), eta0=st.floats(20.0, 1e3), seed=st.integers(0, 100))
def test_simulate_dln_divergence_is_an_inf_tail(L, D, eta0, seed):
    te, tr = dl.simulate_dln(L, 1.0, 1.0, eta0, 30, D=D, seed=seed)
    assert np.isfinite(te[0]) and np.isinf(te[-1]) and not np.any(np.isnan(te)) and not np.any(np.isnan(tr))
    k = int(np.argmax(np.isinf(te)))
    assert np.all(np.isinf(te[k:])) and np.all(np.isinf(tr[k:])) and np.all(np.isfinite(te[:k]))


@settings(max_examples=30)
@given(L=depths, D=st.integers(2, 6), N=st.integers(2, 6), P=st.integers(1, 8), seed=st.integers(0, 1000),
       residual=st.booleans())
def test_small_rank_one_step_lowers_the_training_loss(L, D, N, P, seed, residual):
    """One GD step of size eta0 -> 0 along the exact gradient direction e = (sqrt(D)/P) X^T (f - y)
    lowers (1/2) L_hat (first order: by eta0 gamma0^2 N |grad|^2)."""
    rng = np.random.default_rng(seed)
    W0 = rng.standard_normal((N, D)); Ws = [rng.standard_normal((N, N)) for _ in range(L if residual else L - 1)]
    w = rng.standard_normal(N)
    X = rng.standard_normal((P, D)); y = rng.standard_normal(P)
    g0, b = 1.0, 0.5
    before = dl.loss_half_train(W0, Ws, w, X, y, g0, residual=residual, b=b)
    # f(x) = beta.x/sqrt(D) with beta = W0^T g^1/(gamma0 sqrt(nu N)), g^1 the backward image of w
    g1 = w.copy()
    for W in reversed(Ws):
        g1 = g1 + b * (W.T @ g1) / math.sqrt(N) if residual else (W.T @ g1) / math.sqrt(N)
    beta = W0.T @ g1 / (g0 * math.sqrt(N / D * N))
    res = X @ beta / math.sqrt(D) - y
    e = math.sqrt(D) / P * (X.T @ res)
    assume(np.linalg.norm(e) > 1e-6)
    dl.rank_one_step(W0, Ws, w, e, 1e-6, g0, residual=residual, b=b)
    after = dl.loss_half_train(W0, Ws, w, X, y, g0, residual=residual, b=b)
    assert after < before


# ----------------------------------------------------------------------------------- LR sweeps
@settings(max_examples=50)
@given(n=st.integers(5, 30), lo=st.floats(-4.0, -1.0), span=st.floats(1.0, 4.0), u=st.floats(0.15, 0.85),
       c=st.floats(0.1, 10.0))
def test_refine_argmin_finds_the_vertex_of_a_parabola(n, lo, span, u, c):
    etas = np.logspace(lo, lo + span, n)
    x0 = math.log(etas[0]) + u * (math.log(etas[-1]) - math.log(etas[0]))
    vals = c * (np.log(etas) - x0) ** 2 + 1.0
    es, eg, edge = dl.refine_argmin(etas, vals)
    assert not edge and es == pytest.approx(math.exp(x0), rel=1e-6)
    # a diverged (nan/inf) point is never the optimum
    bad = vals.copy(); i = int(np.argmin(vals)); bad[i] = np.nan
    es2, eg2, _ = dl.refine_argmin(etas, bad)
    assert eg2 != etas[i]


# ----------------------------------------------------------------------------------- convergence error
@settings(max_examples=20)
@given(L=depths, T=st.integers(3, 8), x=st.floats(0.05, 0.4), mode=modes)
def test_unconverged_fixed_point_at_a_stable_rate_raises_the_documented_error(L, T, x, mode):
    """The fixed point stopped after one iteration (a forced non-convergence) at a stable rate is a
    :class:`DMFTConvergenceError`, never a curve and never reported as divergence."""
    from scalinglaws.deeplinear.fixed_point import _fixed_point_numpy
    from scalinglaws.deeplinear.modes import FULL_BATCH, ONLINE_SGD, POPULATION
    kw = mode or {}
    m = FULL_BATCH if "alpha" in kw else ONLINE_SGD if "alpha_B" in kw else POPULATION
    sc = dict(mode=m, centred=False, inv_g2nu=1.0, inv_gnu=1.0, gamma0=1.0, eta0=x / (L + 1),
              alpha=kw.get("alpha", 1.0), alpha_B=kw.get("alpha_B", 1.0), sigma2=0.0)
    with pytest.raises(dl.DMFTConvergenceError, match="non-divergent"):
        _fixed_point_numpy(L=L, T=T, window=2, max_iter=1, **sc)
