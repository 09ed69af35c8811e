"""Chapter 1 kernels: invariants, closed-form diagonal, Monte Carlo and mpmath checks (Eqs. (T1.3)-(T1.5))."""
import math

import mpmath as mp
import numpy as np
import pytest
from conftest import CASES

from scalinglaws import ntk

J0 = {0: math.pi, 1: math.pi, 2: 3 * math.pi}  # J_m(0)


def _pts(n=40, d=2, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


@pytest.mark.parametrize("m,part", CASES)
def test_gram_symmetric_psd_exact_diagonal(m, part):
    X = _pts()
    sw, sb = 1.3, 0.7
    G = ntk.ntk_gram(X, m=m, part=part, sigma_w=sw, sigma_b=sb)
    assert np.array_equal(G, G.T)
    ev = np.linalg.eigvalsh(G)
    assert ev.min() > -1e-12 * ev.max()
    n2 = sw ** 2 * np.sum(X ** 2, 1) + sb ** 2   # |x~|^2
    diag = np.zeros_like(n2)
    if part != "input":
        diag += n2 ** m * J0[m] / (2 * math.pi)
    if part != "output":
        diag += m * m * n2 ** (m - 1) * J0[m - 1] / (2 * math.pi) * n2
    np.testing.assert_allclose(np.diag(G), diag, rtol=1e-15)


@pytest.mark.parametrize("m,part", CASES)
def test_numba_equals_numpy_and_1d_form(m, part):
    X = _pts(30, 3, 1)
    a = ntk.ntk_gram(X, m=m, part=part)
    b = ntk.ntk_gram(X, m=m, part=part, method="numpy")
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)
    x = np.linspace(-1, 2, 50)
    K1 = ntk.ntk_1d(x, m=m, part=part, sigma_w=0.8, sigma_b=1.4)
    np.testing.assert_allclose(K1, ntk.ntk_gram(x[:, None], m=m, part=part, sigma_w=0.8, sigma_b=1.4), rtol=1e-12)
    np.testing.assert_allclose(K1, ntk.ntk_gram(x[:, None], m=m, part=part, sigma_w=0.8, sigma_b=1.4, method="numpy"),
                               rtol=1e-12)
    # full = output + input
    if part == "full":
        np.testing.assert_allclose(a, ntk.ntk_gram(X, m=m, part="output") + ntk.ntk_gram(X, m=m, part="input"),
                                   rtol=1e-14)


@pytest.mark.parametrize("m,part", CASES)
@pytest.mark.parametrize("d", [3, 7, 20])
def test_fused_gram_kernel_equals_numpy_path_large_and_rectangular(m, part, d):
    # n = 150 > 2 x 64 exercises several BLAS panels, column tiles and the tiled mirror of the
    # symmetric kernel; d + 1 = 4 and 8 take the inline dot products, d = 20 the BLAS panels;
    # duplicated and nearly parallel points exercise the cancellation-free cross norm of the fix-up.
    rng = np.random.default_rng(5)
    X = rng.standard_normal((150, d))
    X[100:110] = X[:10] * (1 + 1e-9)
    X[110:115] = X[10:15]
    X[20:25] *= 1e3
    X[140:145] = -(1 + 1e-9) * X[20:25]   # |x| >> sigma_b: nearly antiparallel after augmentation
    Y = rng.standard_normal((77, d))
    # The full NTK adds terms of opposite sign (the input part carries x~.y~ < 0), so an entry can be
    # a cancellation far below the matrix scale: compare to 1e-13 relative plus 1e-14 of max |K|.
    for A, B in ((X, None), (X, Y), (Y, X)):
        ref = ntk.ntk_gram(A, B, m=m, part=part, method="numpy")
        np.testing.assert_allclose(ntk.ntk_gram(A, B, m=m, part=part), ref, rtol=1e-13, atol=1e-14 * np.abs(ref).max())


def test_vectorised_atan2_against_libm():
    rng = np.random.default_rng(0)
    th = np.concatenate([rng.uniform(0, np.pi, 200_000), [0.0, np.pi, np.pi / 2, np.pi / 4, 3 * np.pi / 4, 1e-300]])
    r = np.exp(rng.uniform(-30, 30, th.size))  # arbitrary radii: only the angle matters
    s, c = np.abs(r * np.sin(th)), r * np.cos(th)
    s[-6:], c[-6:] = [0.0, 0.0, 1.0, 1.0, 1.0, 1e-300], [1.0, -1.0, 0.0, 1.0, -1.0, 1.0]
    ref = np.arctan2(s, c)
    got = ntk.atan2_upper(s, c)
    assert np.max(np.abs(got - ref) / np.spacing(np.maximum(ref, 1e-300))) <= 2.0  # at most 2 ulp
    assert got[-6] == 0.0 and got[-5] == np.pi and got[-4] == np.pi / 2
    with pytest.raises(ValueError, match="`s` must be >= 0"):
        ntk.atan2_upper(-1.0, 1.0)
    with pytest.raises(ValueError, match=r"\(s, c\) != \(0, 0\)"):
        ntk.atan2_upper(0.0, 0.0)


@pytest.mark.parametrize("m,part", CASES)
def test_monte_carlo_random_features(m, part):
    """E over w ~ N(0, I) of sigma(w.x~) sigma(w.y~) (output), sigma'(.)sigma'(.) x~.y~ (input) and their
    sum (full): |MC - analytic| < 5 SE."""
    rng = np.random.default_rng(123)
    X = np.array([[0.3, -0.5], [1.2, 0.4], [-0.7, 0.9]])
    sw, sb = 1.1, 0.6
    Xa = np.hstack([sw * X, np.full((3, 1), sb)])
    n = 400_000
    W = rng.standard_normal((n, 3))
    Z = W @ Xa.T
    act = np.maximum(Z, 0) ** m if m > 0 else (Z > 0).astype(float)
    dz = m * np.maximum(Z, 0) ** (m - 1) if m > 1 else (Z > 0).astype(float)
    G = ntk.ntk_gram(X, m=m, part=part, sigma_w=sw, sigma_b=sb)
    for i in range(3):
        for j in range(i, 3):
            s = np.zeros(n)
            if part != "input":
                s += act[:, i] * act[:, j]
            if part != "output":
                s += dz[:, i] * dz[:, j] * (Xa[i] @ Xa[j])
            se = s.std() / math.sqrt(n)
            assert abs(s.mean() - G[i, j]) < 5 * se, (part, i, j, s.mean(), G[i, j], se)


def _mp_kernel(x, y, m, part, sw, sb):
    mp.mp.dps = 50
    xa = [mp.mpf(sw) * mp.mpf(v) for v in x] + [mp.mpf(sb)]
    ya = [mp.mpf(sw) * mp.mpf(v) for v in y] + [mp.mpf(sb)]
    dot = mp.fsum(a * b for a, b in zip(xa, ya))
    nx, ny = mp.sqrt(mp.fsum(a * a for a in xa)), mp.sqrt(mp.fsum(b * b for b in ya))
    c = max(mp.mpf(-1), min(mp.mpf(1), dot / (nx * ny)))
    th = mp.acos(c)
    s = mp.sin(th)

    def J(k):
        return [mp.pi - th, s + (mp.pi - th) * c, 3 * s * c + (mp.pi - th) * (1 + 2 * c * c)][k]
    out = mp.mpf(0)
    if part != "input":
        out += (nx * ny) ** m * J(m) / (2 * mp.pi)
    if part != "output" and m >= 1:
        out += m * m * (nx * ny) ** (m - 1) * J(m - 1) / (2 * mp.pi) * dot
    return out


@pytest.mark.parametrize("m,part", CASES)
def test_mpmath_high_precision_including_near_diagonal(m, part):
    # near-diagonal pairs (1e-7 apart) and nearly antiparallel pairs: the arccos form loses ~1e-8 there
    pairs = [([0.3, -0.2], [0.3 + 1e-7, -0.2]), ([0.5, 0.5], [0.5, 0.5 + 3e-9]), ([0.1, 2.0], [-1.3, 0.4]),
             ([1.0, 0.0], [-1.0, 1e-8])]
    sw, sb = 1.0, 1e-3
    for x, y in pairs:
        got = ntk.ntk_gram(np.array([x]), np.array([y]), m=m, part=part, sigma_w=sw, sigma_b=sb)[0, 0]
        ref = _mp_kernel(x, y, m, part, sw, sb)
        # error scale: sqrt(k(x,x) k(y,y)) (Cauchy-Schwarz bound of |k(x,y)|).  For nearly antiparallel
        # pairs J_2 and Sigma + Theta_in cancel to O((pi-theta)^3), so relative-to-value is not attainable
        # there; near the diagonal the arccos form would miss this bound by ~1e3.
        scale = math.sqrt(float(_mp_kernel(x, x, m, part, sw, sb) * _mp_kernel(y, y, m, part, sw, sb)))
        assert abs(got - float(ref)) <= 1e-13 * scale, (x, y, got, ref)


def test_bad_inputs():
    X = _pts(5)
    with pytest.raises(ValueError, match="`m`"):
        ntk.ntk_gram(X, m=3)
    with pytest.raises(ValueError, match="`part`"):
        ntk.ntk_gram(X, part="hidden")
    with pytest.raises(ValueError, match="`part`"):
        ntk.ntk_gram(X, m=0, part="full")
    with pytest.raises(ValueError, match="`X`"):
        ntk.ntk_gram(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="`X`"):
        ntk.ntk_gram(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="sigma_w"):
        ntk.ntk_gram(X, sigma_w=0)
    with pytest.raises(ValueError, match="same dimension"):
        ntk.ntk_gram(X, np.zeros((3, 5)))
