"""Chapter 2 theory (scalinglaws.randomfeatures.theory): exact limits, identities between the 1D and 2D inversions,
Talbot node convergence, numba vs NumPy references, static limits, 1/N correction, frontier, bad input."""
import math

import numpy as np
import pytest

from scalinglaws import randomfeatures as rf
from scalinglaws.randomfeatures import theory as rf_theory

SP = rf.power_law_spectrum(1.5, 1.25, 2000)
TT = np.geomspace(0.1, 1e4, 30)


def exact_kernel(spec, t):
    return (spec.mult * spec.c * np.exp(-2 * np.outer(t, spec.lam))).sum(1)


def test_spectrum_definition_and_binning():
    s = rf.power_law_spectrum(2.0, 1.5, 50)
    k = np.arange(1, 51.0)
    np.testing.assert_allclose(s.lam, k ** -1.5)
    np.testing.assert_allclose(s.lam * s.w2, k ** -2.0)
    # binned vs exact: L(0), trace and df(kappa) to ~1e-4 relative
    ex = rf.power_law_spectrum(1.5, 1.25, 200_000, binned=False)
    bn = rf.power_law_spectrum(1.5, 1.25, 200_000, binned=True)
    assert bn.lam.size < 3000 and abs(bn.mult.sum() - 200_000) < 1e-6
    assert abs(bn.L0 / ex.L0 - 1) < 1e-6
    for kap in (1e-6, 1e-4, 1e-2):
        assert abs(bn.df(kap) / ex.df(kap) - 1) < 1e-4
    # infinite M: L(0) -> zeta(a)
    inf = rf.power_law_spectrum(2.0, 1.5, np.inf)
    assert abs(inf.L0 - math.pi ** 2 / 6) < 1e-5


@pytest.mark.parametrize("fn", ["online", "general"])
def test_infinite_N_P_is_exact_exponential_sum(fn):
    ex = exact_kernel(SP, TT)
    L = rf.loss_online(SP, np.inf, TT) if fn == "online" else rf.losses(SP, np.inf, np.inf, TT)[0]
    assert np.max(np.abs(L / ex - 1)) < 1e-9


def test_online_shortcut_equals_general_two_frequency_theory():
    L1 = rf.loss_online(SP, 100, TT)
    L2, Lh = rf.losses(SP, 100, np.inf, TT)
    assert np.max(np.abs(L2 / L1 - 1)) < 1e-7
    np.testing.assert_array_equal(Lh, L2)
    # and with P huge but finite the general theory approaches the online one
    L3, _ = rf.losses(SP, 100, 2000, TT[:5])
    assert np.all(L3 >= L1[:5] * (1 - 1e-8))


@pytest.mark.parametrize("NP", [(100, np.inf), (200, 400), (400, 200), (np.inf, 128)])
def test_talbot_8_vs_12_nodes(NP):
    N, P = NP
    t = TT[::3]
    a8, b8 = rf.losses(SP, N, P, t, n=8)
    a12, b12 = rf.losses(SP, N, P, t, n=12)
    assert np.max(np.abs(a8 / a12 - 1)) < 1e-5   # Talbot rule Eq. (T2.33)-(T2.34): 8 vs 12 nodes
    assert np.max(np.abs(b8 - b12) / a12) < 1e-5  # train loss relative to the loss scale (it -> 0)


def test_newton_numba_matches_numpy_and_solves_equation():
    s, _ = rf.talbot_nodes(12)
    z = s / 3.0
    k1 = rf.solve_kappa(SP, z, 150, 300, method="numba")
    k2 = rf.solve_kappa(SP, z, 150, 300, method="numpy")
    np.testing.assert_allclose(k1, k2, rtol=1e-11)
    d = SP.df(k1)
    np.testing.assert_allclose(k1 * (1 - d / 300) * (1 - d / 150), z, rtol=1e-10)


def test_static_limits_match_late_time_theory():
    assert abs(rf.loss_online(SP, 100, [1e7])[0] / rf.static_model_limit(SP, 100) - 1) < 1e-5
    Lt, Lh = rf.losses(SP, np.inf, 100, [1e7])
    assert abs(Lt[0] / rf.static_data_limit(SP, 100) - 1) < 1e-5
    assert Lh[0] < 1e-6  # train loss -> 0 (interpolation, P < M)
    # independently computed reference values (a separate implementation of the t -> inf limits
    # Eqs. (T2.28), (T2.29), outside this library): N = 100 -> 0.3884, P = 100 -> 0.3153
    assert abs(rf.static_model_limit(SP, 100) - 0.3884) < 5e-4
    assert abs(rf.static_data_limit(SP, 100) - 0.3153) < 5e-4


def test_static_exponents_hard_task():
    sp = rf.power_law_spectrum(2.0, 1.5, 10 ** 7)
    Ns = np.array([200, 400, 800, 1600.0])
    Lm = [rf.static_model_limit(sp, N) for N in Ns]
    Ld = [rf.static_data_limit(sp, N) for N in Ns]
    sm = np.polyfit(np.log(Ns), np.log(Lm), 1)[0]
    sd = np.polyfit(np.log(Ns), np.log(Ld), 1)[0]
    assert abs(sm + 1) < 0.05 and abs(sd + 1) < 0.05


def test_model_bottleneck_saturates_at_b_not_2b():
    # easy task a - 1 = 3 > b = 1.25: N-slope -> -b, P-slope -> -2b (Eqs. (T2.39), (T2.40))
    sp = rf.power_law_spectrum(4.0, 1.25, np.inf)
    Ns = np.array([1000, 2000, 4000.0])
    sm = np.polyfit(np.log(Ns), np.log([rf.static_model_limit(sp, N) for N in Ns]), 1)[0]
    sd = np.polyfit(np.log(Ns), np.log([rf.static_data_limit(sp, N) for N in Ns]), 1)[0]
    assert abs(sm + 1.25) < 0.1
    assert abs(sd + 2.5) < 0.15


def test_wider_is_better_at_every_time_when_P_infinite():
    Ls = np.array([rf.loss_online(SP, N, TT) for N in (25, 50, 100, 200, 400, 800, 1600)])
    assert np.all(np.diff(Ls, axis=0) < 0)
    assert np.all(Ls >= exact_kernel(SP, TT)[None, :])


def test_first_order_correction_numba_vs_numpy_and_full_theory():
    sp = rf.power_law_spectrum(1.5, 1.25, 300)
    t = np.array([0.5, 2.0])
    np.testing.assert_allclose(rf.first_order_width_correction(sp, t), rf.first_order_width_correction(sp, t, method="numpy"), rtol=1e-10)
    # N dL -> L1 at early times (Eq. (T2.31))
    sp = rf.power_law_spectrum(1.5, 1.25, 10 ** 6)
    t = np.array([1.0, 3.0])
    L1 = rf.first_order_width_correction(sp, t)
    N = 1e4
    dL = rf.loss_online(sp, N, t) - rf.loss_online(sp, np.inf, t)
    assert np.all(L1 > 0)
    np.testing.assert_allclose(N * dL, L1, rtol=1e-2)


def test_g_function_small_difference_branch():
    lam = 0.3
    tau = 2.0
    assert abs(rf_theory._g(lam, lam, tau) - tau ** 2 * math.exp(-lam * tau) / 2) < 1e-15
    # continuity across the series / closed-form switch
    a = rf_theory._g(lam, lam + 0.9e-3 / tau, tau)
    b = rf_theory._g(lam, lam + 1.1e-3 / tau, tau)
    assert abs(a - b) / a < 1e-3


def test_bias_and_ensemble():
    L = rf.loss_online(SP, 64, TT)
    B = rf.bias(SP, 64, np.inf, TT)
    assert np.all(B <= L) and np.all(B >= exact_kernel(SP, TT) * (1 - 1e-8))
    # N = inf: predictor is deterministic, bias = loss
    np.testing.assert_allclose(rf.bias(SP, np.inf, np.inf, TT), exact_kernel(SP, TT), rtol=1e-8)
    LE = rf.ensemble_loss(SP, 64, 4, TT)
    np.testing.assert_allclose(LE, B + (L - B) / 4, rtol=1e-12)


def test_compute_frontier_slope_2_2():
    sp = rf.power_law_spectrum(2.0, 2.0, 10 ** 6)
    Ns = np.geomspace(16, 4096, 12)
    t = np.geomspace(0.3, 3e7, 60)
    C = np.geomspace(1e4, 1e9, 21)
    fr = rf.compute_frontier(sp, Ns, t, C)
    m = fr.interior
    assert m.sum() >= 10
    slope = np.polyfit(np.log(fr.C[m]), np.log(fr.L[m]), 1)[0]
    assert abs(slope + 1 / 3) < 0.02
    e = rf.predicted_exponents(2.0, 2.0)
    assert abs(e["compute"] - 1 / 3) < 1e-12 and abs(e["N_star"] - 1 / 3) < 1e-12


@pytest.mark.parametrize("kw,match", [
    (dict(a=1.0, b=1.5, M=100), r"`a` must be a real number in \(1.0"),
    (dict(a=0.5, b=1.5, M=100), r"`a` must be a real number in \(1.0"),
    (dict(a=1.5, b=1.0, M=np.inf), "`b` must be > 1 when M is infinite"),
    (dict(a=1.5, b=0.0, M=100), r"`b` must be a real number in \(0.0"),
    (dict(a=1.5, b=1.25, M=0), "`M` must be"),
    (dict(a=1.5, b=1.25, M=10.5), "`M` must be"),
])
def test_bad_spectrum(kw, match):
    with pytest.raises(ValueError, match=match):
        rf.power_law_spectrum(**kw)


def test_bad_inputs_theory():
    sp = rf.power_law_spectrum(1.5, 1.25, 500)
    with pytest.raises(ValueError, match="`N` must be"):
        rf.loss_online(sp, 0, TT)
    with pytest.raises(ValueError, match="`N` must be"):
        rf.loss_online(sp, -3, TT)
    with pytest.raises(ValueError, match="`P` must be"):
        rf.losses(sp, 10, 0, TT)
    with pytest.raises(ValueError, match="`t` must"):
        rf.loss_online(sp, 10, [0.0, 1.0])
    with pytest.raises(ValueError, match="`t` must"):
        rf.losses(sp, 10, 20, [np.nan])
    with pytest.raises(ValueError, match="`N` must be <= M"):
        rf.loss_online(sp, 1000, TT)
    with pytest.raises(ValueError, match="`P` must be <= M"):
        rf.losses(sp, 10, 501, TT)
    with pytest.raises(ValueError, match=r"`n` must be an integer in \[6, 24\]"):
        rf.loss_online(sp, 10, TT, n=1)
    with pytest.raises(ValueError, match="`E` must be"):
        rf.ensemble_loss(sp, 10, 0, TT)


def test_unconverged_newton_raises():
    s, _ = rf.talbot_nodes(12)
    with pytest.raises(rf.ConvergenceError):
        rf.solve_kappa(SP, s / 10.0, 100, np.inf, maxit=2)


@pytest.mark.parametrize("a,b", [(3.5, 1.0), (2.0, 1.5)])
def test_predicted_model_and_data_exponents_against_the_static_limits(a, b):
    """At a - 1 > b the model exponent min(a-1, b) and the data exponent min(a-1, 2b) differ (1 vs 2
    at (3.5, 1)); the slopes of the exact static limits (independent formulas) over N, P in
    [1e2, 1e4] must match them within 0.1 (sub-leading corrections measured at 0.06)."""
    from scalinglaws import fits
    spec = rf.power_law_spectrum(a, b, 10 ** 7)
    x = np.geomspace(1e2, 1e4, 9)
    model = fits.fit_power_law(x, np.array([rf.static_model_limit(spec, n) for n in x]), 1e2, 1e4).exponent
    data = fits.fit_power_law(x, np.array([rf.static_data_limit(spec, p) for p in x]), 1e2, 1e4).exponent
    e = rf.predicted_exponents(a, b)
    assert abs(model - e["model"]) < 0.1 and abs(data - e["data"]) < 0.1
