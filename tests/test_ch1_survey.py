"""The activation-by-data exponents (Eqs. (T1.48), (T1.53), (T1.54)): predictions against the
existing exponent functions, the local-exponent estimator on exact power laws, and the measurement
on the sphere against the theory (not against our own output)."""
import math

import numpy as np
import pytest

from scalinglaws import ntk


@pytest.mark.parametrize("act, part, alpha", [
    ("heaviside", "output", 1), ("relu", "full", 1), ("relu", "output", 3), ("relu^2", "full", 3),
    ("relu^2", "output", 5), ("relu^3", "full", 5), ("leaky_relu", "full", 1), ("abs", "full", 1),
])
@pytest.mark.parametrize("data", ["sphere", "ball", "gaussian"])
def test_predictions_follow_the_singularity_order(act, part, alpha, data):
    # alpha = 2s +- 1 (Eq. (T1.48)) reproduces the table of Eq. (T1.14) for ReLU^0..2, and nu, xi
    # agree with nu_exponent / xi_exponent of the data manifold's dimension (Eqs. (T1.19), (T1.22))
    p = ntk.predicted_exponents(act, part, data, 3)
    dim = 2 if data == "sphere" else 3
    assert p["alpha"] == alpha and p["dim"] == dim
    assert p["nu"] == pytest.approx(ntk.nu_exponent(dim, alpha), rel=1e-15)
    assert p["xi"] == pytest.approx(ntk.xi_exponent(dim, alpha), rel=1e-15)
    key = (int(ntk.activation(act).order), part)
    if key in ntk.ALPHA:
        assert ntk.ALPHA[key] == alpha


@pytest.mark.parametrize("act", ["tanh", "erf", "gelu", "silu"])
def test_smooth_activations_have_no_finite_exponent(act):
    p = ntk.predicted_exponents(act, "full", "sphere", 3)
    assert p["alpha"] == math.inf and p["nu"] == math.inf and p["xi"] == 0.0


@pytest.mark.parametrize("p", [0.5, 1.5, 4.0])
def test_local_exponent_of_an_exact_power_law(p):
    k = np.arange(1, 2001, dtype=float)
    assert ntk.local_exponent(k, 3.0 * k ** -p, 1000) == pytest.approx(p, rel=1e-12)
    # and it sees a change of exponent: a broken power law, slope p below 100 and 2p above
    v = np.where(k < 100, k ** -p, 100.0 ** p * k ** (-2 * p))
    assert ntk.local_exponent(k, v, 1000) == pytest.approx(2 * p, rel=1e-12)
    assert ntk.local_exponent(k, v, 50) == pytest.approx(p, rel=1e-12)


def test_local_exponent_bad_input():
    k = np.arange(1, 11, dtype=float)
    with pytest.raises(ValueError, match="`at`"):
        ntk.local_exponent(k, k ** -1.0, 3)          # [1.5, 3] holds 2 points
    with pytest.raises(ValueError, match="`at`"):
        ntk.local_exponent(k, -k, 10)


def test_sphere_measurement_matches_theory_and_separates_orders():
    # S^2: Funk-Hecke spectra are exact per degree; the offset fit over k in [20, 2000] must land
    # within 2 % of 1 + alpha/2 (its finite-k bias, measured on the book page, is below 1 %) and
    # the relu / relu^2 exponents must differ by the predicted 1 (alpha 1 -> 3, dim 2) within 0.05
    kw = dict(lmax=2000, k_window=(20, 2000), t_window=(1e4, 1e8))
    m1 = ntk.measure_exponents("relu", "sphere", 3, "full", **kw)
    m2 = ntk.measure_exponents("relu^2", "sphere", 3, "full", **kw)
    assert m1.nu == pytest.approx(1.5, rel=0.02)
    assert m2.nu == pytest.approx(2.5, rel=0.02)
    assert m2.nu - m1.nu == pytest.approx(1.0, abs=0.05)
    # cap target: xi = 1/(2 + alpha) = 1/3 for ReLU (tolerance: the window's drift, 2 %)
    assert m1.xi == pytest.approx(1 / 3, rel=0.02)
    assert m1.xi_uncertainty < 0.01
    # the loss is the spectral sum of Eq. (T1.8): decreasing, positive
    assert np.all(np.diff(m1.loss) < 0) and np.all(m1.loss > 0)


def test_smooth_measurement_is_faster_than_any_power():
    m = ntk.measure_exponents("gelu", "sphere", 3, "full", lmax=800, k_window=(20, 2000), t_window=(1e4, 1e8))
    assert math.isnan(m.nu)
    relu3 = ntk.predicted_exponents("relu^3", "full", "sphere", 3)["nu"]
    assert m.nu_local > 2 * relu3                     # far steeper than the smoothest finite order
    assert m.lam[int(m.k_local)] < 1e-11 * m.lam[0] or m.k_local == 2000


def test_radial_measurement_resolution_is_reported():
    m = ntk.measure_exponents("relu", "ball", 3, "full", lmax=16, Mr=32, k_window=(10, 300), t_window=(10, 1e3))
    assert 0 < m.resolution_change < 0.05
    assert m.nu == pytest.approx(4 / 3, rel=0.15)


@pytest.mark.parametrize("kw, match", [
    (dict(k_window=(20, 10 ** 7)), "`k_window`"),
    (dict(k_window=(20,)), "`k_window`"),
    (dict(t_window=(1e5, 1e4)), "`t_window`"),
    (dict(t_window=(1e4, 1e14)), "`t_window`"),          # the unresolved modes would be learned
    (dict(lmax=0), "`lmax`"),
])
def test_measure_bad_input(kw, match):
    args = dict(lmax=200, k_window=(20, 2000), t_window=(1e4, 1e6))
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        ntk.measure_exponents("relu", "sphere", 3, "full", **args)


def test_bad_data_name():
    with pytest.raises(ValueError, match="`data`"):
        ntk.predicted_exponents("relu", "full", "cube", 3)
    with pytest.raises(ValueError, match="`data`"):
        ntk.measure_exponents("relu", "cube")
