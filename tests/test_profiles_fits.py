import numpy as np
import pytest

from scalinglaws.fits import fit_power_law, local_slope
from scalinglaws.book.profiles import resolve

TABLE = {"fast": dict(M=10, s=1), "default": dict(M=100, s=2), "full": dict(M=1000, s=3)}


def test_profile_resolution(monkeypatch):
    monkeypatch.delenv("SCALINGLAWS_PROFILE", raising=False)
    assert resolve(None, TABLE).M == 100
    monkeypatch.setenv("SCALINGLAWS_PROFILE", "fast")
    assert resolve(None, TABLE).name == "fast"
    assert resolve("full", TABLE, overrides=dict(M=5, s=None)).M == 5
    assert resolve("full", TABLE, overrides=dict(s=None)).s == 3


def test_profile_errors(monkeypatch):
    with pytest.raises(ValueError, match="profile"):
        resolve("huge", TABLE)
    monkeypatch.setenv("SCALINGLAWS_PROFILE", "nope")
    with pytest.raises(ValueError, match="SCALINGLAWS_PROFILE"):
        resolve(None, TABLE)
    with pytest.raises(ValueError, match="override"):
        resolve("fast", TABLE, overrides=dict(Q=1))
    with pytest.raises(ValueError, match="keys"):
        resolve("fast", {**TABLE, "full": dict(M=1)})


def test_fit_recovers_exact_power_law():
    x = np.logspace(0, 4, 50)
    fit = fit_power_law(x, 3.0 * x ** -0.75, 10, 1e3)
    assert abs(fit.exponent - 0.75) < 1e-12 and abs(fit.C - 3.0) < 1e-10
    assert fit.x_min >= 10 and fit.x_max <= 1e3 and fit.rms_log_residual < 1e-12


def test_fit_window_errors():
    x = np.logspace(0, 2, 10)
    with pytest.raises(ValueError, match="holds 0 points"):
        fit_power_law(x, x, 1e3, 1e4)
    with pytest.raises(ValueError, match="`x_min` < `x_max`"):
        fit_power_law(x, x, 10, 1)
    y = x.copy(); y[5] = -1
    with pytest.raises(ValueError, match="non-positive"):
        fit_power_law(x, y, 1, 100)


def test_local_slope_of_power_law():
    x = np.logspace(0, 3, 20)
    xm, s = local_slope(x, x ** -1.5)
    np.testing.assert_allclose(s, -1.5, atol=1e-12)
    assert np.all((xm > x[:-1]) & (xm < x[1:]))


def test_window_drift_zero_for_exact_power_law_and_signed_for_curved():
    from scalinglaws.fits import window_drift
    x = np.arange(1, 2001, dtype=float)
    assert abs(window_drift(x, 3.0 * x ** -1.3, 10, 1000)) < 1e-12
    # y = x^-1 (1 + 50/x): the local exponent 1 + 50/(x + 50) falls with x -> drift < 0, and its size
    # is half the difference of the exact mean local exponents of the two halves (loose check, 20 %)
    y = x ** -1.0 * (1 + 50 / x)
    d = window_drift(x, y, 10, 1000)
    lo = fit_power_law(x, y, 10, 100).exponent
    hi = fit_power_law(x, y, 100, 1000).exponent
    assert d < 0 and abs(d - 0.5 * (hi - lo)) < 1e-12
    # the local slope -d log y/d log x = 1 + 50/(x+50): at the halves' geometric centres
    p_lo, p_hi = 1 + 50 / (np.sqrt(1000) + 50), 1 + 50 / (np.sqrt(1e5) + 50)
    assert abs(d - 0.5 * (p_hi - p_lo)) < 0.2 * abs(0.5 * (p_hi - p_lo))
    with pytest.raises(ValueError, match="`x_min`"):
        window_drift(x, y, 100, 10)


def test_ratio_with_uncertainty_matches_monte_carlo():
    from scalinglaws.fits import ratio_with_uncertainty
    r, dr = ratio_with_uncertainty(0.4, 0.02, 1.3, 0.05)
    assert r == 0.4 / 1.3
    rng = np.random.default_rng(1)
    a = 0.4 + 0.02 * rng.standard_normal(400_000)
    b = 1.3 + 0.05 * rng.standard_normal(400_000)
    # small relative errors: first-order propagation within 3 % of the sampled spread
    assert abs(dr / np.std(a / b) - 1) < 0.03
    assert ratio_with_uncertainty(0.4, -0.02, 1.3, -0.05) == (r, dr)
    with pytest.raises(ValueError, match="`b`"):
        ratio_with_uncertainty(0.4, 0.02, 0.0, 0.05)
