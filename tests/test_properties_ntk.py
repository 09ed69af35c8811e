"""Property-based tests of ``scalinglaws.ntk`` (hypothesis; derandomised CI profile in conftest).

Valid random inputs: kernels are symmetric positive semi-definite with ``full = output + input``,
spectra are >= 0 and ordered, loss curves are >= 0 and non-increasing with the right limits, tail
sums are non-increasing and start at the total energy, Parseval holds.  Random bad inputs (NaN,
non-positive scales and steps, asymmetric matrices, ``alpha != 1``, a divergent GD step) raise
``ValueError`` naming the parameter, never a NaN or a garbage curve.
"""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from conftest import CASES
from scalinglaws import ntk

FAST = settings(max_examples=30)
finite = st.floats(-3.0, 3.0, allow_nan=False)
scale = st.floats(0.1, 3.0)
case = st.sampled_from(CASES)
bad_number = st.sampled_from([0.0, -1.0, -1e-300, math.nan, math.inf, -math.inf])


def points(n_max=7, d_max=3):
    return st.integers(1, n_max).flatmap(
        lambda n: st.integers(1, d_max).flatmap(lambda d: arrays(np.float64, (n, d), elements=finite)))


def spectrum(n_max=10):
    pos = st.floats(1e-6, 2.0)
    return st.integers(1, n_max).flatmap(
        lambda n: st.tuples(arrays(np.float64, n, elements=pos), arrays(np.float64, n, elements=st.floats(0.0, 1.0))))


# --- kernels ---------------------------------------------------------------------------------------
@FAST
@given(X=points(), mp=case, sw=scale, sb=scale)
def test_gram_is_symmetric_psd_and_parts_add_up(X, mp, sw, sb):
    m, part = mp
    K = ntk.ntk_gram(X, m=m, part=part, sigma_w=sw, sigma_b=sb)
    assert np.all(np.isfinite(K))
    np.testing.assert_allclose(K, K.T, rtol=0, atol=1e-12 * np.abs(K).max())
    ev = np.linalg.eigvalsh(K)
    assert ev.min() >= -1e-9 * max(ev.max(), 1e-300)
    d = np.diag(K)
    assert np.all(d > 0) and np.all(K ** 2 <= np.outer(d, d) * (1 + 1e-9) + 1e-300)   # Cauchy-Schwarz
    if m >= 1 and part == "full":
        out = ntk.ntk_gram(X, m=m, part="output", sigma_w=sw, sigma_b=sb)
        inp = ntk.ntk_gram(X, m=m, part="input", sigma_w=sw, sigma_b=sb)
        np.testing.assert_allclose(K, out + inp, rtol=1e-12, atol=1e-14 * np.abs(K).max())


@FAST
@given(x=arrays(np.float64, st.integers(1, 8), elements=finite), mp=case, sw=scale, sb=scale)
def test_ntk_1d_matches_gram_and_numpy_path(x, mp, sw, sb):
    m, part = mp
    K1 = ntk.ntk_1d(x, m=m, part=part, sigma_w=sw, sigma_b=sb)
    Kg = ntk.ntk_gram(x[:, None], m=m, part=part, sigma_w=sw, sigma_b=sb, method="numpy")
    np.testing.assert_allclose(K1, Kg, rtol=1e-9, atol=1e-12 * np.abs(Kg).max())


@FAST
@given(x=arrays(np.float64, st.integers(1, 6), elements=finite), i=st.integers(0, 5),
       bad=st.sampled_from([math.nan, math.inf, -math.inf]))
def test_ntk_1d_and_gram_reject_non_finite_points(x, i, bad):
    x = x.copy()
    x[i % x.size] = bad
    with pytest.raises(ValueError, match="`x`"):
        ntk.ntk_1d(x)
    with pytest.raises(ValueError, match="`X`"):
        ntk.ntk_gram(x[:, None])


@FAST
@given(bad=bad_number, which=st.sampled_from(["sigma_w", "sigma_b"]))
def test_bad_scales_are_rejected_everywhere(bad, which):
    kw = {which: bad}
    for call in (lambda: ntk.ntk_1d(np.linspace(0, 1, 4), **kw), lambda: ntk.sphere_ntk_spectrum(2, 8, **kw),
                 lambda: ntk.boundary_constant_ball(2, 0.5, **kw), lambda: ntk.boundary_constant_sphere(2, 1.0, **kw),
                 lambda: ntk.boundary_constant_1d([0.5], [1.0], lambda x: 1.0, **kw)):
        with pytest.raises(ValueError, match=which):
            call()


# --- spectra ---------------------------------------------------------------------------------------
@settings(max_examples=20)
@given(m=st.integers(1, 4), lmax=st.integers(2, 30), mp=case, sw=scale, sb=scale)
def test_sphere_spectrum_is_nonnegative(m, lmax, mp, sw, sb):
    act, part = mp
    mu = ntk.sphere_ntk_spectrum(m, lmax, act=act, part=part, sigma_w=sw, sigma_b=sb, n_nodes=8)
    assert mu.shape == (lmax + 1,) and np.all(np.isfinite(mu))
    assert mu[0] > 0 and np.all(mu >= -1e-10 * mu[0])   # Schoenberg: a PSD zonal kernel


@FAST
@given(m=st.integers(1, 4), lmax=st.integers(1, 40), beta=st.floats(0.05, 3.0))
def test_cap_energies_obey_parseval_bound(m, lmax, beta):
    e = ntk.cap_energies(m, lmax, beta, n_nodes=8)
    tau = ntk.sphere_cap_measure(m, beta)
    assert np.all(e >= 0) and 0 < tau < 1
    assert e.sum() <= tau * (1 + 1e-9)                  # Bessel's inequality
    assert e[0] == pytest.approx(tau ** 2, rel=1e-9)    # a_0 = tau(cap), N(m, 0) = 1


@FAST
@given(n=st.integers(1, 7), seed=st.integers(0, 2 ** 16))
def test_gram_eigen_is_ordered_and_orthogonal(n, seed):
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((n, n))
    A = B @ B.T
    y = rng.standard_normal(n)
    lam, c2 = ntk.gram_eigen(A, y)
    assert np.all(np.diff(lam) <= 1e-12 * lam[0])
    assert lam[-1] >= -1e-9 * lam[0]
    assert np.all(c2 >= 0) and c2.sum() == pytest.approx(float(y @ y), rel=1e-9)
    assert lam.sum() == pytest.approx(np.trace(A), rel=1e-9)


@FAST
@given(n=st.integers(2, 6), seed=st.integers(0, 2 ** 16), eps=st.floats(1e-6, 1.0))
def test_gram_eigen_rejects_asymmetric_and_nan(n, seed, eps):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    A = A + A.T
    A[0, 1] += eps * np.abs(A).max()
    with pytest.raises(ValueError, match="`A`.*symmetric"):
        ntk.gram_eigen(A)
    S = A.copy()
    S[0, 1] = S[1, 0]
    y = np.ones(n)
    y[seed % n] = np.nan
    with pytest.raises(ValueError, match="`y`"):
        ntk.gram_eigen(S, y)


@FAST
@given(c2=arrays(np.float64, st.integers(1, 12), elements=st.floats(0.0, 5.0)), extra=st.floats(0.0, 3.0))
def test_tail_sums_are_nonincreasing_and_start_at_the_total(c2, extra):
    s = ntk.tail_sums(c2)
    assert np.all(np.diff(s) <= 1e-12 * max(s[0], 1.0)) and s[-1] == pytest.approx(c2[-1])
    assert s[0] == pytest.approx(c2.sum(), rel=1e-12, abs=1e-300)
    st_ = ntk.tail_sums(c2, total=float(c2.sum()) + extra)
    np.testing.assert_allclose(st_ - s, extra, atol=1e-9 * (1 + c2.sum()))
    for bad in (math.nan, math.inf, -1.0):
        with pytest.raises(ValueError, match="`total`"):
            ntk.tail_sums(c2, total=bad)


@FAST
@given(p=st.floats(0.3, 4.0), A=st.floats(0.1, 10.0))
def test_spectrum_exponent_fit_recovers_a_power_law(p, A):
    k = np.arange(1.0, 41.0)
    f = ntk.fit_spectrum_exponent(A * k ** -p, 3, 30, method="slope")
    assert f.exponent == pytest.approx(p, rel=1e-9) and f.C == pytest.approx(A, rel=1e-9)


# --- loss curves and exponents ---------------------------------------------------------------------
@FAST
@given(sp=spectrum(), missing=st.floats(0.0, 1.0), t=arrays(np.float64, st.integers(1, 6), elements=st.floats(0, 1e3)))
def test_gradient_flow_loss_is_nonnegative_nonincreasing_with_limits(sp, missing, t):
    lam, c2 = sp
    t = np.sort(t)
    L = ntk.loss_gradient_flow(lam, c2, t, missing=missing)
    assert np.all(L >= 0.5 * missing * (1 - 1e-12)) and np.all(np.diff(L) <= 1e-15)
    assert ntk.loss_gradient_flow(lam, c2, 0.0, missing=missing) == pytest.approx(0.5 * (c2.sum() + missing))
    assert ntk.loss_gradient_flow(lam, c2, 1e12, missing=missing) == pytest.approx(0.5 * missing, abs=1e-300)


@FAST
@given(sp=spectrum(), frac=st.floats(0.01, 0.99), n_max=st.integers(1, 50))
def test_gd_loss_is_nonincreasing_for_a_stable_step(sp, frac, n_max):
    lam, c2 = sp
    eta = frac * 2.0 / lam.max()
    L = ntk.loss_gd(lam, c2, eta, np.arange(n_max + 1))
    assert np.all(L >= 0) and np.all(np.diff(L) <= 1e-15 * max(L[0], 1e-300))
    assert L[0] == pytest.approx(0.5 * c2.sum())


@FAST
@given(sp=spectrum(), bad=st.one_of(bad_number, st.floats(1.0001, 50.0)))
def test_gd_loss_rejects_a_bad_or_divergent_step(sp, bad):
    lam, c2 = sp
    eta = bad * 2.0 / lam.max() if bad > 1 else bad   # bad > 1: beyond the stability edge 2/lam_max
    with pytest.raises(ValueError, match="eta"):
        ntk.loss_gd(lam, c2, eta, [0, 1])


@FAST
@given(d=st.integers(1, 50), alpha=st.floats(0.1, 6.0), s=st.floats(0.0, 3.0))
def test_exponent_identities(d, alpha, s):
    assert ntk.xi_exponent(d, alpha, s) == pytest.approx(ntk.kappa_exponent(d, s) / ntk.nu_exponent(d, alpha))
    assert ntk.xi_exponent(d, alpha, s) == pytest.approx((2 * s + 1) / (d + alpha))
    assert ntk.nu_exponent(d, alpha) > 1


@FAST
@given(K=st.floats(1e-200, 1e200), Lam=st.floats(1e-200, 1e200), nu=st.floats(1e-3, 1e3), kappa=st.floats(1e-3, 1e3))
def test_theorem_constant_is_positive_finite_or_an_error(K, Lam, nu, kappa):
    try:
        C = ntk.theorem_constant(K, Lam, nu, kappa)
    except ValueError as e:
        assert "`K`" in str(e)
        return
    assert math.isfinite(C) and C > 0
    xi = kappa / nu
    assert math.log(C) == pytest.approx(math.log(K / 2) + math.lgamma(xi + 1) - xi * math.log(2 * Lam), rel=1e-9, abs=1e-9)


@FAST
@given(d=st.integers(1, 6), R=st.floats(0.05, 0.95), sw=scale, sb=scale, h=st.floats(-3, 3),
       alpha=st.one_of(st.floats(-5, 5).filter(lambda a: a != 1), st.sampled_from([3, 5, 0])))
def test_boundary_constants_are_positive_and_reject_alpha_other_than_1(d, R, sw, sb, h, alpha):
    assume(abs(h) > 1e-3)
    Cb = ntk.boundary_constant_ball(d, R, h=h, sigma_w=sw, sigma_b=sb)
    Cs = ntk.boundary_constant_sphere(d, R * math.pi, h=h, sigma_w=sw, sigma_b=sb)
    assert Cb > 0 and Cs > 0 and math.isfinite(Cb) and math.isfinite(Cs)
    # quadratic in the jump height
    assert ntk.boundary_constant_ball(d, R, h=2 * h, sigma_w=sw, sigma_b=sb) == pytest.approx(4 * Cb)
    with pytest.raises(ValueError, match="`alpha`"):
        ntk.boundary_constant_ball(d, R, alpha=alpha)
    with pytest.raises(ValueError, match="`alpha`"):
        ntk.boundary_constant_sphere(d, 1.0, alpha=alpha)


# --- finite-width network --------------------------------------------------------------------------
@settings(max_examples=20)
@given(N=st.sampled_from([2, 4, 8]), M=st.integers(2, 6), seed=st.integers(0, 1000), eta=st.floats(0.01, 0.5),
       a_lazy=st.floats(1.0, 20.0))
def test_train_gd_small_step_is_finite_nonnegative_and_matches_numpy(N, M, seed, eta, a_lazy):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, M)
    y = rng.uniform(-1, 1, M)
    p = ntk.init_antisymmetric(N, 1, seed=seed)
    steps, L, _ = ntk.train_gd(x, y, p, a_lazy=a_lazy, eta=eta, n_steps=5)
    _, L2, _ = ntk.train_gd_numpy(x, y, p, a_lazy=a_lazy, eta=eta, n_steps=5)
    assert np.all(np.isfinite(L)) and np.all(L >= 0)
    assert L[0] == pytest.approx(0.5 * np.mean(y ** 2))        # antisymmetric start: F_0 = 0
    np.testing.assert_allclose(L, L2, rtol=1e-9, atol=1e-15)


@settings(max_examples=20)
@given(which=st.sampled_from(["X", "y", "w", "b", "a"]), bad=st.sampled_from([math.nan, math.inf, -math.inf]),
       i=st.integers(0, 3))
def test_train_gd_rejects_non_finite_inputs(which, bad, i):
    x = np.linspace(0, 1, 4)
    y = np.ones(4)
    w, b, a = (q.copy() for q in ntk.init_antisymmetric(4, 1, seed=0))
    arr = {"X": x, "y": y, "w": w, "b": b, "a": a}[which]
    arr.flat[i % arr.size] = bad
    with pytest.raises(ValueError, match=r"`(X|y|params\[\d\] \(%s\))`" % which):
        ntk.train_gd(x, y, (w, b, a), eta=0.1, n_steps=3)


@settings(max_examples=10)
@given(seed=st.integers(0, 100), eta=st.floats(150.0, 1000.0))
def test_train_gd_divergence_is_an_error_not_a_curve(seed, eta):
    x = np.linspace(0, 1, 6)
    y = (x > 0.5).astype(float)
    p = ntk.init_antisymmetric(8, 1, seed=seed)
    try:
        _, L, _ = ntk.train_gd(x, y, p, eta=eta, n_steps=30)
    except ValueError as e:
        assert "`eta`" in str(e)
        return
    # a run that did not blow up stays below the divergence bound at every recorded step
    assert np.all(np.isfinite(L)) and np.all(L <= 1e4 * L[0])


@pytest.mark.parametrize("fn", [ntk.train_gd, ntk.train_gd_numpy])
def test_train_gd_blow_up_between_recorded_steps_is_caught(fn):
    # eta = 200: the loss spikes (to ~5e5 L(0)) at step 1, every ReLU dies and the loss returns to
    # L(0) = 0.25: a run that looks like a flat curve at the recorded steps 0 and 200
    x = np.linspace(0, 1, 6)
    y = (x > 0.5).astype(float)
    with pytest.raises(ValueError, match="`eta`"):
        fn(x, y, ntk.init_antisymmetric(8, 1, seed=0), eta=200.0, n_steps=200, record=[0, 200])
