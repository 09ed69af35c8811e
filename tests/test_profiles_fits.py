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


def test_fit_rms_log_residual_against_polyfit():
    # a curved, noisy set: the rms of the log residuals against an independent least-squares fit
    rng = np.random.default_rng(3)
    x = np.logspace(0, 3, 40)
    y = 2.0 * x ** -1.2 * np.exp(0.3 * rng.standard_normal(x.size)) * (1 + 5 / x)
    fit = fit_power_law(x, y, 1, 1e3)
    c = np.polyfit(np.log(x), np.log(y), 1)
    resid = np.log(y) - np.polyval(c, np.log(x))
    assert fit.exponent == pytest.approx(-c[0], rel=1e-10) and fit.C == pytest.approx(np.exp(c[1]), rel=1e-10)
    assert fit.rms_log_residual == pytest.approx(np.sqrt(np.mean(resid ** 2)), rel=1e-10)
    assert fit.rms_log_residual > 0.1


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


# --- tail exponents robust to sub-leading terms (fits.tail_exponent) -----------------------------
# Bias measured on y = C (x - x0)^-p (1 + c/x^2) over x in [10, 50]: the plain slope measures the
# local exponent p x/(x - x0) and is off by about p x0/x; "offset" and "extrapolated" remove the
# 1/x term (errors measured 1e-3 to 1.3e-2 for these cases, from the c/x^2 term and the finite
# sub-windows); tolerance 0.03, and the slope must be off by more than 3 tolerances (so the case
# actually tests the sub-leading term).
TAIL_CASES = [(6.0, 3.0, 1.0), (2.0, 1.6, 1.0), (4.0, -2.0, 1.0), (1.3, 2.5, -3.0), (3.0, 4.0, 0.0)]


@pytest.mark.parametrize("p, x0, c", TAIL_CASES)
def test_tail_exponent_removes_the_offset_bias(p, x0, c):
    from scalinglaws.fits import tail_exponent
    x = np.arange(5.0, 500.0)
    y = 2.0 * (x - x0) ** -p * (1 + c / x ** 2)
    fs = tail_exponent(x, y, 10, 50, method="slope")
    slope = fs.exponent
    assert abs(slope - p) > 0.09
    # its uncertainty (the upper half's shift) sees part of the bias: for a 1/x bias the upper half
    # [22, 50] keeps about 60 % of it, so the shift is 0.2-0.6 of the bias (measured 0.31-0.39)
    assert 0.2 * abs(slope - p) < fs.uncertainty < 0.6 * abs(slope - p)
    for method in ("offset", "extrapolated"):
        f = tail_exponent(x, y, 10, 50, method=method)
        assert abs(f.exponent - p) < 0.03, (method, f)
        assert f.method == method and f.n == 41 and f.x_min == 10 and f.x_max == 50
    # the slope's bias is the local exponent's 1/x term at the window: between p x0/x_max and p x0/x_min
    lo, hi = sorted([p * x0 / 50, p * x0 / 10])
    assert lo - 0.03 < slope - p < hi + 0.03


@pytest.mark.parametrize("method", ["slope", "offset", "extrapolated"])
def test_tail_exponent_exact_for_its_own_form(method):
    from scalinglaws.fits import tail_exponent
    x = np.arange(1.0, 300.0)
    y = 3.0 * x ** -1.7
    f = tail_exponent(x, y, 5, 200, method=method)
    assert f.exponent == pytest.approx(1.7, abs=1e-6) and f.uncertainty < 1e-6
    assert f(x[10:20]) == pytest.approx(y[10:20], rel=1e-5)
    if method != "slope":
        # with an offset: "offset" fits its own form exactly; "extrapolated" takes each sub-window's
        # slope as the local exponent at its geometric centre, exact only to O((x0/x)^2) (measured
        # 1.7056 here, x0/x_min = 0.4)
        y = 3.0 * (x + 2.0) ** -1.7
        f = tail_exponent(x, y, 5, 200, method=method)
        tol, tol_x0, tol_C = (1e-6, 1e-5, 1e-6) if method == "offset" else (0.01, 0.2, 0.04)
        assert f.exponent == pytest.approx(1.7, abs=tol) and f.x0 == pytest.approx(-2.0, abs=tol_x0)
        assert f.uncertainty < tol and f.C == pytest.approx(3.0, rel=tol_C)


def test_tail_exponent_on_exact_kernel_spectra():
    """Against exponents known exactly (not from our output): the 1D output-layer spectrum of a
    ReLU^2 network decays as k^-6 (alpha = 5), the Funk-Hecke degree eigenvalues of the ReLU NTK on
    S^3 as l^-4.  The plain slope is biased (6.6 and 3.976: the issue's 6.4-6.6); the robust
    estimators land within 0.03 and 0.002."""
    from scalinglaws import ntk
    from scalinglaws.fits import tail_exponent
    ind = lambda x: ((x > 0.25) & (x < 0.75)).astype(float)
    _, lam, _ = ntk.gram_problem_1d(2000, ind, act=2, part="output")
    k = np.arange(1.0, lam.size + 1)
    assert tail_exponent(k, lam, 10, 50, method="slope").exponent > 6.3
    for method in ("offset", "extrapolated"):
        assert abs(tail_exponent(k, lam, 10, 50, method=method).exponent - 6.0) < 0.03
    mu = ntk.sphere_ntk_spectrum(3, 700)
    ell = np.arange(701.0)
    assert abs(tail_exponent(ell, mu, 70, 350, method="slope").exponent - 4.0) > 0.015
    for method in ("offset", "extrapolated"):
        assert abs(tail_exponent(ell, mu, 70, 350, method=method).exponent - 4.0) < 0.002


def test_tail_exponent_errors():
    from scalinglaws.fits import tail_exponent
    x = np.arange(1.0, 100.0)
    with pytest.raises(ValueError, match="`method`"):
        tail_exponent(x, x ** -2, 5, 50, method="spline")
    with pytest.raises(ValueError, match="`method`"):
        tail_exponent(x, x ** -2, 5, 50, method=None)
    with pytest.raises(ValueError, match="holds"):
        tail_exponent(x, x ** -2, 5, 12, method="extrapolated")       # 8 points < 2 x 8 pieces
    with pytest.raises(ValueError, match="`pieces`"):
        tail_exponent(x, x ** -2, 5, 50, method="extrapolated", pieces=2)
    with pytest.raises(ValueError, match="`y` does not decay"):
        tail_exponent(x, x ** 2.0, 5, 50, method="extrapolated")      # growing: no decay exponent
    with pytest.raises(ValueError, match="did not converge"):
        tail_exponent(x, np.exp(-x / 10), 5, 50, method="offset")      # exponential: x0 runs to an edge
    with pytest.raises(ValueError, match="`x_min` < `x_max`"):
        tail_exponent(x, x ** -2, 50, 5, method="slope")
