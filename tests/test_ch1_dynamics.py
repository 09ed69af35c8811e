"""Chapter 1 dynamics: spectral loss vs direct GD / expm, Theorem A constant, finite-width network."""
import math

import numpy as np
import pytest
from scipy.linalg import expm

from scalinglaws import ntk


def _problem(M=60):
    x = ntk.grid_1d(M)
    A = ntk.ntk_1d(x) / M
    y = ((x > 0.25) & (x < 0.75)).astype(float) / math.sqrt(M)
    return x, A, y


def test_spectral_gd_loss_equals_direct_gd_on_linearised_model():
    x, A, y = _problem()
    lam, c2 = ntk.gram_eigen(A, y)
    eta = 1.5 / lam[0]
    e = -y.copy()  # f_0 = 0
    direct = []
    for n in range(201):
        direct.append(0.5 * e @ e)
        e = e - eta * A @ e
    got = ntk.loss_gd(lam, c2, eta, np.arange(201))
    np.testing.assert_allclose(got, direct, rtol=1e-10)


def test_gradient_flow_loss_equals_matrix_exponential():
    x, A, y = _problem(40)
    lam, c2 = ntk.gram_eigen(A, y)
    for t in [0.0, 1.0, 30.0, 1000.0]:
        e = expm(-A * t) @ (-y)
        np.testing.assert_allclose(ntk.loss_gradient_flow(lam, c2, t), 0.5 * e @ e, rtol=1e-8)
    # missing-energy term adds a constant
    assert abs(ntk.loss_gradient_flow(lam, c2, 1e9, missing=0.3) - 0.15) < 1e-6


@pytest.mark.parametrize("nu,kappa", [(2.0, 1.0), (4.0, 1.0), (1.5, 0.5)])
def test_theorem_A_constant_on_exact_power_laws(nu, kappa):
    # lam_k = Lam k^-nu, s_k = K k^-kappa exactly: L(t) t^xi -> (K/2) Gamma(xi+1) (2 Lam)^-xi
    k = np.arange(1, 3_000_001, dtype=float)
    Lam, Kc = 0.7, 0.3
    lam = Lam * k ** -nu
    c2 = Kc * (k ** -kappa - (k + 1) ** -kappa)
    xi = kappa / nu
    C = ntk.theorem_constant(Kc, Lam, nu, kappa)
    t = 1000.0 ** nu / (2 * Lam)  # mode index at the learning front k* ~ (2 Lam t)^(1/nu) = 1000
    missing = Kc * (k[-1] + 1) ** -kappa  # exact energy of the modes beyond the array
    ratio = ntk.loss_gradient_flow(lam, c2, t, missing=missing) * t ** xi / C
    assert abs(ratio - 1) < 0.01


def test_boundary_constant_1d_matches_theorem_A_closed_forms():
    # 1D closed forms, Eqs. (T1.20) and (T1.23) of the theory page:
    # Lam = sw sb (int sqrt p)^2 / pi^3, K = sum h^2 sqrt p (int sqrt p) / pi^2
    sw, sb = 1.3, 0.8
    Lam = sw * sb / math.pi ** 3
    Kc = 2 / math.pi ** 2
    C_th = ntk.theorem_constant(Kc, Lam, 2.0, 1.0)
    C_b = ntk.boundary_constant_1d([0.25, 0.75], [1, 1], lambda x: 1.0, sw, sb)
    assert abs(C_th / C_b - 1) < 1e-12


def test_exponents():
    assert ntk.xi_exponent(1) == 0.5 and ntk.xi_exponent(2) == pytest.approx(1 / 3) and ntk.xi_exponent(3) == 0.25
    assert ntk.xi_exponent(1, alpha=3) == 0.25 and ntk.xi_exponent(1, s=1) == 1.5
    assert ntk.c_d(1) == 2 and ntk.c_d(2) == pytest.approx(2 * math.pi) and ntk.c_d(3) == pytest.approx(8 * math.pi)


def test_finite_width_numba_equals_numpy_and_zero_init():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (20, 2))
    y = np.sign(X[:, 0])
    p = ntk.init_antisymmetric(16, 2, seed=3)
    assert np.max(np.abs(ntk.network_output(X, *p, a_lazy=5.0))) < 1e-14
    r1 = ntk.train_gd(X, y, p, a_lazy=2.0, eta=0.5, n_steps=30, sigma_w=1.2, sigma_b=0.7)
    r2 = ntk.train_gd_numpy(X, y, p, a_lazy=2.0, eta=0.5, n_steps=30, sigma_w=1.2, sigma_b=0.7)
    np.testing.assert_allclose(r1[1], r2[1], rtol=1e-11)
    for a, b in zip(r1[2], r2[2]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_lazy_network_follows_empirical_ntk_gd():
    # very lazy training = GD on the linearised model with the empirical NTK at init
    x = ntk.grid_1d(32)
    y = ((x > 0.25) & (x < 0.75)).astype(float)
    p = ntk.init_antisymmetric(256, 1, seed=1)
    Ke = ntk.empirical_ntk(x, *p)
    lam, c2 = ntk.gram_eigen(Ke / 32, y / math.sqrt(32))
    steps, L, _ = ntk.train_gd(x, y, p, a_lazy=1e4, eta=1.0, n_steps=200, record=[0, 10, 50, 200])
    np.testing.assert_allclose(L, ntk.loss_gd(lam, c2, 1.0, steps), rtol=1e-3)


def test_empirical_ntk_converges_to_analytic():
    # E over random (w, b, a) of the empirical NTK = analytic full NTK; N = 2e5 -> rel. error ~ 1e-2
    x = np.array([0.1, 0.5, 0.9])
    p = ntk.init_antisymmetric(200_000, 1, seed=0)
    Ke = ntk.empirical_ntk(x, *p)
    np.testing.assert_allclose(Ke, ntk.ntk_1d(x), rtol=0.02)


def test_bad_inputs():
    lam = np.array([1.0, 0.5])
    c2 = np.array([0.1, 0.2])
    with pytest.raises(ValueError, match="eta"):
        ntk.loss_gd(lam, c2, 2.5, [1, 2])
    with pytest.raises(ValueError, match="`d`"):
        ntk.xi_exponent(0)
    with pytest.raises(ValueError, match="`t`|times"):
        ntk.loss_gradient_flow(lam, c2, -1.0)
    with pytest.raises(ValueError, match="N"):
        ntk.init_antisymmetric(7, 1)
    with pytest.raises(ValueError, match="eta"):
        ntk.train_gd(np.zeros(4), np.zeros(4), ntk.init_antisymmetric(4, 1), eta=3.0, lam_max=1.0)
    with pytest.raises(ValueError, match="`y`"):
        ntk.train_gd(np.zeros((4, 1)), np.zeros(5), ntk.init_antisymmetric(4, 1))
    with pytest.raises(ValueError, match="`R`"):
        ntk.boundary_constant_ball(2, 1.5)


def test_boundary_constants_against_independent_reference_values():
    # reference values of the boundary formula, Eqs. (T1.26) and (T1.35), computed independently by
    # direct evaluation outside this library: ball d=2: 0.17147, d=3: 0.09731 (R = 1/2);
    # 1D uniform indicator 1/(2 sqrt 2); Gaussian jump at 0: sqrt(p(0))/(4 sqrt 2) = 0.11166
    assert abs(ntk.boundary_constant_ball(2, 0.5) / 0.17147 - 1) < 2e-4
    assert abs(ntk.boundary_constant_ball(3, 0.5) / 0.09731 - 1) < 2e-4
    assert abs(ntk.boundary_constant_1d([0.25, 0.75], [1, 1], lambda x: 1.0) - 1 / (2 * math.sqrt(2))) < 1e-15
    p0 = 1 / math.sqrt(2 * math.pi)
    assert abs(ntk.boundary_constant_1d([0.0], [1.0], lambda x: p0) / 0.11166 - 1) < 1e-4


def test_network_output_and_empirical_ntk_against_direct_formulas():
    # F(x) = a_lazy N^{-1/2} sum_n a_n relu(sigma_w w_n.x + sigma_b b_n), written out as a loop, and
    # the empirical NTK as the Gram matrix of the parameter gradients of the unscaled network
    # (central finite differences of network_output), at sigma_w, sigma_b != 1 and generic (not
    # antisymmetric) parameters
    rng = np.random.default_rng(5)
    N, d, M, sw, sb, al = 7, 3, 5, 1.7, 0.6, 2.5
    w, b, a = rng.standard_normal((N, d)), rng.standard_normal(N), rng.standard_normal(N)
    X = rng.standard_normal((M, d))
    F = ntk.network_output(X, w, b, a, a_lazy=al, sigma_w=sw, sigma_b=sb)
    ref = [al * sum(a[n] * max(sw * w[n] @ X[i] + sb * b[n], 0.0) for n in range(N)) / math.sqrt(N) for i in range(M)]
    np.testing.assert_allclose(F, ref, rtol=1e-12)
    theta = np.concatenate([w.ravel(), b, a])

    def f(th):
        return ntk.network_output(X, th[:N * d].reshape(N, d), th[N * d:N * d + N], th[N * d + N:], sigma_w=sw, sigma_b=sb)
    h = 1e-6
    J = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(theta.size)]).T
    np.testing.assert_allclose(ntk.empirical_ntk(X, w, b, a, sigma_w=sw, sigma_b=sb), J @ J.T, rtol=1e-6, atol=1e-8)
