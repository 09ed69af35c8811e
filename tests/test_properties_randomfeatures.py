"""Property-based tests (hypothesis) of ``scalinglaws.randomfeatures`` (issue 14).

Random bad inputs give the documented ValueError naming the parameter (never a hang, NaN or a
garbage curve); random valid inputs give finite, physically valid outputs: losses >= 0, below L(0),
non-increasing in t and in the width, equal to the exact exponential sum at N = P = inf, a kappa that
solves its equation, static limits that decrease to 0 at N = M / P = M.  Sizes are tiny (M <= 300)
so the file runs in seconds.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scalinglaws import randomfeatures as rf
from scalinglaws.randomfeatures import _checks

exps = st.tuples(st.floats(1.1, 3.0), st.floats(0.6, 2.5))
sizes_M = st.integers(20, 300)
times = st.lists(st.floats(1e-3, 1e4), min_size=1, max_size=4).map(lambda v: np.sort(np.array(v)))
nodes = st.integers(_checks.N_TALBOT_MIN, _checks.N_TALBOT_MAX)


def _spec(ab, M):
    return rf.power_law_spectrum(ab[0], ab[1], M)


def _floor(sp, n, dims=1):
    return sp.L0 * _checks.talbot_floor(n, dims)


def _exact_kernel(sp, t):
    """N = P = inf: every mode decays as exp(-2 lambda t) (independent of the Talbot inversion)."""
    return (sp.mult * sp.c * np.exp(-2 * np.outer(t, sp.lam))).sum(1)


# ----------------------------------------------------------------------------------- bad inputs
bad_sizes = st.one_of(st.floats(max_value=0.999, allow_nan=False), st.just(math.nan), st.just(-math.inf),
                      st.booleans(), st.text(max_size=3), st.none())


@settings(max_examples=40)
@given(N=bad_sizes, which=st.sampled_from(["loss_online", "losses_N", "losses_P", "static_model", "static_data"]))
def test_bad_sizes_raise_naming_the_size(N, which):
    sp = rf.power_law_spectrum(1.5, 1.25, 50)
    calls = {"loss_online": (lambda: rf.loss_online(sp, N, [1.0], n=8), "`N`"),
             "losses_N": (lambda: rf.losses(sp, N, 10, [1.0], n=8), "`N`"),
             "losses_P": (lambda: rf.losses(sp, 10, N, [1.0], n=8), "`P`"),
             "static_model": (lambda: rf.static_model_limit(sp, N), "`N`"),
             "static_data": (lambda: rf.static_data_limit(sp, N), "`P`")}
    fn, name = calls[which]
    with pytest.raises((ValueError, TypeError), match=name):
        fn()


@settings(max_examples=40)
@given(bad=st.one_of(st.floats(0, 9.9e-11, exclude_max=False), st.floats(1.01e15, 1e300), st.just(math.nan),
                     st.just(math.inf), st.floats(-1e10, -1e-300), st.just(5e-324)),
       pos=st.integers(0, 2))
def test_bad_times_raise_never_hang(bad, pos):
    """Times below 1e-10 (denormals included), above 1e15, NaN or negative are rejected up front."""
    sp = rf.power_law_spectrum(1.5, 1.25, 50)
    t = [0.5, 1.0, 2.0]
    t[pos] = bad
    for fn in (lambda: rf.loss_online(sp, 20, t, n=8), lambda: rf.losses(sp, 20, 30, t, n=8),
               lambda: rf.first_order_width_correction(sp, t)):
        with pytest.raises(ValueError, match="`t`"):
            fn()


@settings(max_examples=30)
@given(n=st.one_of(st.integers(-100, _checks.N_TALBOT_MIN - 1), st.integers(_checks.N_TALBOT_MAX + 1, 10 ** 6),
                   st.floats(6, 24), st.booleans()))
def test_talbot_nodes_outside_accurate_range_raise(n):
    with pytest.raises(ValueError, match="`n`"):
        rf.talbot_nodes(n)


@settings(max_examples=30)
@given(x=st.floats(-1e6, 0.0), extra=st.integers(1, 5))
def test_kappa_domain_and_shapes(x, extra):
    sp = rf.power_law_spectrum(1.5, 1.25, 50)
    with pytest.raises(ValueError, match="`z`"):
        rf.solve_kappa(sp, np.array([1 + 1j, x + 0j]), 10, 20)
    z = np.array([1 + 1j, 2 + 0.5j])
    with pytest.raises(ValueError, match="`kappa_init`"):
        rf.solve_kappa(sp, z, 10, 20, kappa_init=np.ones(z.size + extra, complex))


@settings(max_examples=30)
@given(eta=st.one_of(st.floats(max_value=0.0), st.just(math.nan), st.just(math.inf), st.booleans(), st.text(max_size=2)))
def test_draw_loss_bad_eta(eta):
    with pytest.raises((ValueError, TypeError), match="`eta`"):
        rf.draw_loss(1.5, 1.25, 32, 8, 16, [1.0], np.random.default_rng(0), eta=eta)


@settings(max_examples=30)
@given(bad=st.one_of(st.floats(max_value=0.0), st.just(math.nan), st.just(math.inf), st.just(-math.inf)),
       NP=st.sampled_from([(8, 16), (8, None), (None, 16), (None, None)]))
def test_draw_loss_bad_times(bad, NP):
    with pytest.raises(ValueError, match="`t`"):
        rf.draw_loss(1.5, 1.25, 32, NP[0], NP[1], [1.0, bad], np.random.default_rng(0))


# ----------------------------------------------------------------------------------- valid inputs
@settings(max_examples=30)
@given(ab=exps, M=sizes_M, t=times, n=nodes)
def test_infinite_width_online_loss_is_the_exact_exponential_sum(ab, M, t, n):
    assume(ab[1] * math.log10(M) <= 300)
    sp = _spec(ab, M)
    L = rf.loss_online(sp, np.inf, t, n=n)
    assert np.all(L >= 0)
    np.testing.assert_allclose(L, _exact_kernel(sp, t), rtol=0, atol=_floor(sp, n))
    L2, Lh = rf.losses(sp, np.inf, np.inf, t, n=min(n, 16))
    assert np.all(L2 >= 0) and np.array_equal(L2, Lh)
    np.testing.assert_allclose(L2, _exact_kernel(sp, t), rtol=0, atol=_floor(sp, min(n, 16), 2))


@settings(max_examples=30)
@given(ab=exps, M=sizes_M, f1=st.floats(0.05, 0.9), f2=st.floats(0.05, 0.9), t=times)
def test_online_loss_is_monotone_in_time_and_width_and_bounded(ab, M, f1, f2, t):
    sp = _spec(ab, M)
    N1, N2 = sorted((max(1.0, f1 * M), max(1.0, f2 * M)))
    tt = np.concatenate([t, t * 3.0])
    tt = np.unique(tt)
    L1, L2 = rf.loss_online(sp, N1, tt, n=16), rf.loss_online(sp, N2, tt, n=16)
    tol = 1e-8 * sp.L0
    for L, N in ((L1, N1), (L2, N2)):
        assert np.all(np.isfinite(L)) and np.all(L >= 0) and np.all(L <= sp.L0 + tol)
        assert np.all(np.diff(L) <= tol)                         # gradient flow on the test loss
        assert np.all(L >= rf.static_model_limit(sp, N) - tol)   # decreases towards its t -> inf limit
    assert np.all(L2 <= L1 + tol)                                # wider is better at P = inf


@settings(max_examples=30)
@given(ab=exps, M=sizes_M, fN=st.floats(0.1, 1.0), fP=st.floats(0.1, 1.0), t=times)
def test_general_losses_are_valid(ab, M, fN, fP, t):
    sp = _spec(ab, M)
    N, P = max(1.0, fN * M), max(1.0, fP * M)
    assume(max(N, P) < M)                    # N = M or P = M: kappa -> 0 at late times
    try:
        L, Lh = rf.losses(sp, N, P, t, n=12)
    except rf.ConvergenceError:              # documented outcome; never a silent curve
        return
    tol = 10 * _floor(sp, 12, 2)
    assert np.all(np.isfinite(L)) and np.all(np.isfinite(Lh))
    assert np.all(L >= 0) and np.all(Lh >= 0)
    # gradient flow on the train loss: Lhat(t) starts at L(0) and never increases (the test loss may
    # exceed L(0) near N = P, the variance peak, so it has no such bound)
    assert np.all(Lh <= sp.L0 + tol) and np.all(np.diff(Lh) <= tol)
    B = rf.bias(sp, N, P, t, n=12)
    assert np.all(B >= 0) and np.all(B <= L + tol)               # Jensen: loss of the mean predictor


@settings(max_examples=30)
@given(ab=exps, M=sizes_M, zr=st.floats(-5.0, 5.0), zi=st.floats(0.01, 10.0), fN=st.floats(0.1, 1.0),
       P=st.sampled_from([np.inf, 1e9]))
def test_kappa_solves_its_equation(ab, M, zr, zi, fN, P):
    sp = _spec(ab, M)
    N = max(1.0, fN * M)
    P = min(P, M)
    z = np.array([zr + 1j * zi, abs(zr) + 0.1])   # complex node and a real z > 0
    # continuation from large |z| (kappa ~ z there) keeps Newton on the physical branch
    k = None
    for s in np.geomspace(1e4, 1.0, 40):
        k = rf.solve_kappa(sp, z * s, N, P, kappa_init=None if k is None else k)
    df = sp.df(k)
    res = k * (1 - df / P) * (1 - df / N) - z
    assert np.all(np.abs(res) <= 1e-8 * (np.abs(z) + np.abs(k)))
    assert abs(k[1].imag) <= 1e-12 * abs(k[1]) and k[1].real >= z[1].real * (1 - 1e-10)  # real z: kappa >= z > 0


@settings(max_examples=30)
@given(ab=exps, M=sizes_M, f=st.lists(st.floats(0.01, 1.0), min_size=2, max_size=5))
def test_static_limits_decrease_to_zero_at_M(ab, M, f):
    sp = _spec(ab, M)
    X = np.unique(np.clip(np.array(f) * M, 1.0, M))
    Lm = np.array([rf.static_model_limit(sp, x) for x in X])
    Ld = np.array([rf.static_data_limit(sp, x) for x in X])
    ks = np.array([rf.kappa_static(sp, x) for x in X])
    # model limit: sum c kappa_N/(kappa_N + lambda) with kappa_N decreasing in N, so in [0, L(0)] and
    # non-increasing; the ridgeless data limit is only >= 0 (its variance can exceed L(0) at P ~ 1)
    assert np.all(np.isfinite(Lm)) and np.all(Lm >= 0) and np.all(Lm <= sp.L0 * (1 + 1e-9))
    assert np.all(np.diff(Lm) <= 1e-12 * sp.L0)
    assert np.all(np.isfinite(Ld)) and np.all(Ld >= 0)
    assert np.all(np.diff(ks) <= 0) and np.all(ks >= 0)
    assert rf.static_model_limit(sp, M) == 0.0 and rf.static_data_limit(sp, M) == 0.0
    # continuity at P = M (the 0/0 point of the textbook formula)
    assert rf.static_data_limit(sp, M * (1 - 1e-6)) < 1e-3 * sp.L0


@settings(max_examples=20)
@given(ab=exps, M=st.integers(20, 120), t=st.floats(1e5, 1e12))
def test_talbot_never_returns_negative_losses_at_late_times(ab, M, t):
    """True loss below the accuracy floor (far past every mode's time scale): 0 <= L <= floor."""
    sp = _spec(ab, M)
    for n in (8, 12, 20):
        L = rf.loss_online(sp, np.inf, [t], n=n)
        assert L[0] >= 0 and L[0] <= _exact_kernel(sp, [t])[0] + _floor(sp, n)
        L2, _ = rf.losses(sp, np.inf, np.inf, [t], n=n)
        assert L2[0] >= 0 and L2[0] <= _exact_kernel(sp, [t])[0] + _floor(sp, n, 2)


@settings(max_examples=30)
@given(a=st.floats(0.01, 50.0), n=nodes, t=st.floats(0.05, 20.0))
def test_talbot_nodes_invert_an_exponential(a, n, t):
    """F(z) = 1/(z + a) is the transform of e^{-a t}: the rule is accurate to its documented floor."""
    s, w = rf.talbot_nodes(n)
    f = 2 * np.real(np.sum(w / t * np.exp(s) / (s / t + a)))
    assert abs(f - math.exp(-a * t)) <= _checks.talbot_floor(n)


@settings(max_examples=25)
@given(ab=exps, M=st.integers(16, 80), fN=st.floats(0.1, 1.0), fP=st.floats(0.1, 1.0),
       t=st.lists(st.floats(0.01, 1e3), min_size=1, max_size=4), seed=st.integers(0, 2 ** 31))
def test_simulated_losses_are_valid(ab, M, fN, fP, t, seed):
    N, P = max(1, int(fN * M)), max(1, int(fP * M))
    t = np.sort(np.array(t))
    rng = np.random.default_rng(seed)
    for NN, PP in ((N, P), (N, None), (None, P), (None, None)):
        L, Lh = rf.draw_loss(ab[0], ab[1], M, NN, PP, t, rng)
        e2 = float(np.sum(np.arange(1, M + 1, dtype=float) ** -ab[0]))
        assert np.all(np.isfinite(L)) and np.all(np.isfinite(Lh))
        assert np.all(L >= -1e-9 * e2) and np.all(Lh >= -1e-9 * e2)
        if PP is None:
            assert np.all(np.diff(L) <= 1e-9 * e2) and np.all(L <= e2 * (1 + 1e-9))
    L, _ = rf.draw_loss(ab[0], ab[1], M, None, None, t, rng)
    lam = np.arange(1, M + 1, dtype=float) ** -ab[1]
    np.testing.assert_allclose(L, ((lam ** (ab[0] / ab[1])) * np.exp(-2 * np.outer(t, lam))).sum(1), rtol=1e-10)


@settings(max_examples=30)
@given(mu=st.lists(st.floats(0.0, 10.0), min_size=1, max_size=5), steps=st.lists(st.integers(0, 50), min_size=1,
                                                                                 max_size=4),
       frac=st.floats(0.01, 0.99))
def test_decay_factor_is_a_stable_contraction(mu, steps, frac):
    mu = np.array(mu)
    eta = frac * 2 / max(mu.max(), 1e-3)
    t = np.array(sorted(steps), float) * eta
    D = rf.decay_factor(mu, t, eta)
    assert D.shape == (t.size, mu.size) and np.all(np.isfinite(D)) and np.all(np.abs(D) <= 1 + 1e-12)
    assert np.all(np.diff(np.abs(D), axis=0) <= 1e-12)
    G = rf.decay_factor(mu, t)
    assert np.all((G >= 0) & (G <= 1)) and np.all(np.diff(G, axis=0) <= 0)
    if mu.max() > 1e-3:
        bad = 2.0 / mu.max() * (1 + frac)
        with pytest.raises(ValueError, match="`eta` = .* is unstable"):
            rf.decay_factor(mu, np.array(steps, float) * bad, bad)


@settings(max_examples=20)
@given(ab=exps, M=sizes_M, fN=st.floats(0.05, 0.9), E=st.integers(1, 6), t=times)
def test_ensembles_interpolate_between_loss_and_bias(ab, M, fN, E, t):
    sp = _spec(ab, M)
    N = max(1.0, fN * M)
    L = rf.loss_online(sp, N, t, n=16)
    B = rf.bias(sp, N, np.inf, t, n=16)
    LE = rf.ensemble_loss(sp, N, E, t, n=16)
    tol = 1e-8 * sp.L0
    assert np.all(LE >= 0) and np.all(LE >= B - tol) and np.all(LE <= L + tol)
    LE2 = rf.ensemble_loss(sp, N, E + 1, t, n=16)
    assert np.all(LE2 <= LE + tol)                               # more members never hurt
