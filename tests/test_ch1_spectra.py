"""Chapter 1 spectra: Gegenbauer recurrence, quadrature, Funk-Hecke vs Gram eigenvalues, target energies."""
import math

import numpy as np
import pytest
import scipy.special as sp
from conftest import CASES

from scalinglaws import ntk


@pytest.mark.parametrize("m", [1, 2, 3, 4, 6])
def test_gegenbauer_vs_scipy(m):
    u = np.linspace(-1, 1, 41)
    P = ntk.gegenbauer_normalized(300, m, u)
    for l in [0, 1, 2, 7, 50, 300]:
        if m == 1:
            ref = sp.eval_chebyt(l, u)
        else:
            lam = (m - 1) / 2
            ref = sp.eval_gegenbauer(l, lam, u) / sp.eval_gegenbauer(l, lam, 1.0)
        np.testing.assert_allclose(P[l], ref, atol=1e-11, rtol=1e-11)


def test_composite_gauss_legendre_exactness():
    x, w = ntk.composite_gauss_legendre(np.linspace(0, 2, 5), 8)
    assert abs(np.sum(w * x ** 15) - 2 ** 16 / 16) < 1e-10 * 2 ** 16 / 16
    x, w = ntk.composite_gauss_legendre(np.linspace(0, math.pi, 40), 16)
    assert abs(np.sum(w * np.sin(x) ** 3) - 4 / 3) < 1e-14


def test_multiplicities():
    l = np.arange(0, 30)
    np.testing.assert_allclose(ntk.sphere_multiplicity(2, l), 2 * l + 1, rtol=1e-12)
    np.testing.assert_allclose(ntk.sphere_multiplicity(1, l), np.where(l == 0, 1, 2), rtol=1e-12)
    np.testing.assert_allclose(ntk.sphere_multiplicity(3, l), (l + 1) ** 2, rtol=1e-12)


def test_cap_coefficients_closed_form_s2():
    # on S^2: a_l = int_{c}^{1} P_l du / 2 = (P_{l-1}(c) - P_{l+1}(c)) / (2 (2l+1)),  l >= 1
    beta = 1.0
    c = math.cos(beta)
    e = ntk.cap_energies(2, 400, beta)
    l = np.arange(1, 401)
    a = (sp.eval_legendre(l - 1, c) - sp.eval_legendre(l + 1, c)) / (2 * (2 * l + 1))
    np.testing.assert_allclose(e[1:], (2 * l + 1) * a ** 2, rtol=1e-9, atol=1e-16)
    assert abs(e[0] - ((1 - c) / 2) ** 2) < 1e-14
    assert abs(ntk.sphere_cap_measure(2, beta) - (1 - c) / 2) < 1e-14


def test_cap_energy_parseval():
    # sum_l e_l -> tau(cap); the missing energy of a jump decays like 1/lmax on S^1
    for m in (1, 2, 3):
        e = ntk.cap_energies(m, 2000, 0.8)
        tot = ntk.sphere_cap_measure(m, 0.8)
        assert 0 <= tot - e.sum() < 2.0 / 2000 ** (1 / 1) * tot


@pytest.mark.parametrize("m_act,part", CASES)
def test_funk_hecke_vs_gram_circle(m_act, part):
    # equispaced points on S^1: Gram/M is circulant, its eigenvalues are the trapezoid rule of mu_l
    # (each twice); the kink of the kernel at phi = 0 gives an O(h^2) error, h = 2 pi/M ~ 6e-3.
    M = 1000
    ph = 2 * np.pi * np.arange(M) / M
    X = np.c_[np.cos(ph), np.sin(ph)]
    G = ntk.ntk_gram(X, m=m_act, part=part)
    ev = ntk.gram_eigen(G / M)
    mu = ntk.sphere_ntk_spectrum(1, 40, act=m_act, part=part)
    np.testing.assert_allclose(ev[0], mu[0], atol=1e-6 * mu[0])
    for l in range(1, 12):
        np.testing.assert_allclose(ev[2 * l - 1: 2 * l + 1], mu[l], atol=1e-6 * mu[0])


def test_funk_hecke_vs_gram_sphere_s2():
    # quasi-uniform Fibonacci lattice on S^2, M = 2000: degree-l groups of 2l+1 eigenvalues
    M = 2000
    i = np.arange(M) + 0.5
    z = 1 - 2 * i / M
    th = np.pi * (1 + 5 ** 0.5) * i
    r = np.sqrt(1 - z * z)
    X = np.c_[r * np.cos(th), r * np.sin(th), z]
    ev = ntk.gram_eigen(ntk.ntk_gram(X) / M)
    mu = ntk.sphere_ntk_spectrum(2, 20)
    k = 0
    for l in range(4):
        grp = ev[k:k + 2 * l + 1]
        np.testing.assert_allclose(grp, mu[l], rtol=2e-3)
        k += 2 * l + 1


def test_sphere_spectrum_slope_and_positivity():
    # with biases every degree is strictly positive (no null space), slope -(m+1) (Eq. (T1.31))
    mu = ntk.sphere_ntk_spectrum(2, 400)
    assert np.all(mu > 0)
    l = np.arange(401)
    f = ntk.fit_spectrum_exponent(mu, 50, 400, k=l, method="slope")
    assert abs(f.exponent - 3) < 0.05


@pytest.mark.parametrize("d", [2, 3])
def test_ball_radial_operator_vs_adaptive_quadrature(d):
    # K_0(r, r') = angular average of Theta over the angle phi between x and y, weight sin^{d-2} phi;
    # reference: scipy quad of the kernel evaluated from explicit coordinates by ntk_gram
    from scipy.integrate import quad
    Mr = 10
    A, r, w = ntk.ball_radial_operator(d, Mr)
    assert np.allclose(A, A.T)
    assert abs(w.sum() - 1) < 1e-2
    for i, j in [(2, 7), (4, 4), (9, 0)]:
        def f(ph):
            x = np.array([[r[i], 0.0]])
            y = np.array([[r[j] * math.cos(ph), r[j] * math.sin(ph)]])
            return ntk.ntk_gram(x, y)[0, 0] * math.sin(ph) ** (d - 2)
        num = quad(f, 0, math.pi, points=[0.0], limit=200, epsabs=1e-13)[0]
        den = quad(lambda ph: math.sin(ph) ** (d - 2), 0, math.pi)[0]
        np.testing.assert_allclose(A[i, j] / math.sqrt(w[i] * w[j]), num / den, rtol=1e-8)


def test_tail_sums_and_windows():
    c2 = np.array([4.0, 2.0, 1.0])
    np.testing.assert_allclose(ntk.tail_sums(c2), [7, 3, 1])
    np.testing.assert_allclose(ntk.tail_sums(c2, total=8.0), [8, 4, 2])
    with pytest.raises(ValueError, match="fit window"):
        ntk.fit_spectrum_exponent(np.ones(10), 5, 20, method="slope")
    with pytest.raises(ValueError, match="total"):
        ntk.tail_sums(c2, total=5.0)


def test_bad_inputs():
    with pytest.raises(ValueError, match="`m`"):
        ntk.sphere_ntk_spectrum(0, 10)
    with pytest.raises(ValueError, match="`d`"):
        ntk.ball_radial_operator(1, 10)
    with pytest.raises(ValueError, match="`act`|`m`"):
        ntk.sphere_ntk_spectrum(2, 10, act=5)
    with pytest.raises(ValueError, match="`u`"):
        ntk.gegenbauer_normalized(3, 2, [1.5])
    with pytest.raises(ValueError, match="`beta`"):
        ntk.cap_energies(2, 10, 4.0)
    with pytest.raises(ValueError, match="`A`"):
        ntk.gram_eigen(np.zeros((2, 3)))


def test_gram_eigen_thread_count_is_validated_and_does_not_change_the_result(monkeypatch):
    # the BLAS thread count is a speed setting only: eigenvalues agree with the 1-thread default
    X = np.random.default_rng(3).standard_normal((300, 3))
    A = ntk.ntk_gram(X) / 300
    y = X[:, 0]
    lam1, c1 = ntk.gram_eigen(A, y)
    lam2, c2 = ntk.gram_eigen(A, y, threads=2)
    np.testing.assert_allclose(lam2, lam1, rtol=1e-12, atol=1e-14 * lam1[0])
    np.testing.assert_allclose(c2.sum(), y @ y, rtol=1e-12)   # Parseval: eigenvectors orthonormal
    monkeypatch.setenv(ntk.BLAS_THREADS_ENV, "2")
    np.testing.assert_allclose(ntk.gram_eigen(A), lam1, rtol=1e-12, atol=1e-14 * lam1[0])
    for bad in (0, -1, 1.5, "two"):
        with pytest.raises(ValueError, match="`threads` must be an integer >= 1"):
            ntk.gram_eigen(A, threads=bad)
    monkeypatch.setenv(ntk.BLAS_THREADS_ENV, "zero")
    with pytest.raises(ValueError, match=r"\$SCALINGLAWS_BLAS_THREADS must be an integer >= 1"):
        ntk.gram_eigen(A)


@pytest.mark.parametrize("case", ["random", "ntk-1d", "ntk-sphere", "diagonal"])
def test_gram_eigen_tridiagonal_path_equals_eigh(case):
    """gram_eigen's default path (dsytrd, reflectors applied to y, stemr on the tridiagonal matrix)
    against LAPACK eigh + V^T y: eigenvalues to rounding; each coefficient to the perturbation
    bound set by its eigenvalue gap; tail sums sum_{j >= k} c_j^2 (what the loss curves use) to 1e-9
    of |y|^2 even across clusters of nearly degenerate eigenvalues (NTK Grams)."""
    rng = np.random.default_rng(31)
    n = 400
    if case == "random":
        B = rng.standard_normal((n, n))
        A = (B + B.T) / 2
        y = rng.standard_normal(n)
    elif case == "ntk-1d":
        x = ntk.grid_1d(n)
        A = ntk.ntk_1d(x) / n
        y = ((x > 0.25) & (x < 0.75)) / np.sqrt(n)
    elif case == "ntk-sphere":
        X = rng.standard_normal((n, 3))
        A = ntk.ntk_gram(X / np.linalg.norm(X, axis=1, keepdims=True)) / n
        y = np.sign(X[:, 2]) / np.sqrt(n)
    else:
        A = np.diag(rng.permutation(np.arange(1.0, n + 1)))
        y = rng.standard_normal(n)
    lam, c2 = ntk.gram_eigen(A, y)
    lam0, c20 = ntk.gram_eigen(A, y, method="eigh")
    scale = np.abs(lam0).max()
    assert np.max(np.abs(lam - lam0)) <= 1e-13 * scale
    tail, tail0 = np.cumsum(c2[::-1])[::-1], np.cumsum(c20[::-1])[::-1]
    assert np.max(np.abs(tail - tail0)) <= 1e-9 * (y @ y)
    assert abs(c2.sum() - y @ y) <= 1e-12 * (y @ y)            # Parseval: Z and Q orthogonal
    # each coefficient to the first-order perturbation bound of a backward-stable solver,
    # |delta c_k| <~ p(n) eps ||A|| / gap_k |y| with p(n) = sqrt(n) (measured ratio <= 3 at n = 400)
    gap = np.minimum(np.abs(np.diff(lam0, prepend=np.inf)), np.abs(np.diff(lam0, append=-np.inf)))
    bound = math.sqrt(n) * np.finfo(float).eps * scale / gap * np.linalg.norm(y)
    assert np.all(np.abs(np.sqrt(c2) - np.sqrt(c20)) <= bound)
    with pytest.raises(ValueError, match="`method`"):
        ntk.gram_eigen(A, y, method="qr")


@pytest.mark.parametrize("m,lmax", [(1, 4000), (2, 1500)])
def test_sphere_boundary_constant_against_the_loss_curve(m, lmax):
    """boundary_constant_sphere (our derivation) against the exact Funk-Hecke loss sum of the cap
    indicator: L(t) t^{1/(m+1)} / C -> 1; at t = 1/mu_100 it is 0.9999 (S^1, S^2), so 0.5 % catches
    any wrong factor of the constant."""
    mu, e, miss = ntk.sphere_problem(m, lmax, beta=1.0)
    C = ntk.boundary_constant_sphere(m, 1.0)
    t = 1.0 / mu[100]
    L = ntk.loss_gradient_flow(mu, e, np.array([t]), missing=miss)[0]
    assert abs(L * t ** (1.0 / (m + 1)) / C - 1) < 5e-3


@pytest.mark.parametrize("M, a, b", [(2, 0.0, 1.0), (7, -1.0, 3.0), (100, 0.25, 0.5)])
def test_grid_1d_is_the_midpoint_rule(M, a, b):
    # the midpoint rule: symmetric about (a + b)/2, inside (a, b), exact for linear functions and
    # with the known error -(b - a)^2/(12 M^2) on the mean of x^2 (independent closed forms)
    x = ntk.grid_1d(M, a, b)
    h = (b - a) / M
    assert x.size == M and np.all(np.diff(x) > 0) and x[0] > a and x[-1] < b
    np.testing.assert_allclose(x + x[::-1], a + b, rtol=0, atol=1e-13)
    assert x[0] - a == pytest.approx(h / 2, rel=1e-12)
    assert np.mean(x ** 2) == pytest.approx((a * a + a * b + b * b) / 3 - (b - a) ** 2 / (12 * M * M), rel=1e-12)


def test_problem_targets_carry_their_energy():
    # Parseval with an orthonormal eigenbasis: sum_k c2_k = |target|^2 in the problem's measure,
    # i.e. the grid mean of y^2 in 1D and P(|x| < R) = R^d (midpoint rule, O(1/Mr)) on the ball
    ind = lambda x: ((x > 0.25) & (x < 0.75)).astype(float)
    x, lam, c2 = ntk.gram_problem_1d(200, ind)
    assert c2.sum() == pytest.approx(np.mean(ind(x) ** 2), rel=1e-10)
    for d, R in [(2, 0.5), (3, 0.7)]:
        lam, c2 = ntk.ball_problem(d, 400, R=R)
        assert c2.sum() == pytest.approx(R ** d, rel=5.0 * d / 400)
