"""Chapter 1, any activation: dual kernels by closed form, polar quadrature and Hermite (Mehler)
series; arc-cosine functions J_k; Gram matrices; Funk-Hecke and radial population spectra
(Eqs. (T1.42)-(T1.52)).

Every expected value comes from an independent computation: another numerical path of the library
(closed form vs polar quadrature vs Hermite series), mpmath, scipy quadrature, Monte Carlo over
random networks, the relu^m functions of :mod:`scalinglaws.ntk.kernels` / :mod:`.spectra` (tested in
test_ch1_kernels.py / test_ch1_spectra.py), exact identities, or invariants (Funk-Hecke trace,
parity, Parseval)."""
import math
from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest
from conftest import CASES
from scipy import integrate

from scalinglaws import ntk

SW, SB = 1.3, 0.7          # sigma_w, sigma_b of the shallow network (with bias)


def _aug(X, sw=SW, sb=SB):
    """Augmented inputs x~ = (sigma_w x, sigma_b)."""
    X = np.asarray(X, dtype=float)
    return np.hstack([sw * X, np.full((X.shape[0], 1), float(sb))])


def _pair_args(Xa, Ya, pairs):
    """(q1, q2, rho, sin theta) for index pairs (i, j); sin theta from the Lagrange identity
    |x~ ^ y~|^2 = sum_{a<b} (x_a y_b - x_b y_a)^2 (no cancellation near theta = 0)."""
    i, j = np.asarray(pairs).T
    x, y = Xa[i], Ya[j]
    q1, q2, rho = np.einsum("ij,ij->i", x, x), np.einsum("ij,ij->i", y, y), np.einsum("ij,ij->i", x, y)
    a, b = np.triu_indices(Xa.shape[1], 1)
    wedge = np.sqrt(np.sum((x[:, a] * y[:, b] - x[:, b] * y[:, a]) ** 2, axis=1))
    s = np.clip(wedge / np.sqrt(q1 * q2), 0.0, 1.0)
    return q1, q2, np.clip(rho, -np.sqrt(q1 * q2), np.sqrt(q1 * q2)), s


def _gauss_moment(f, q):
    """E[f(sqrt(q) z)^2], z ~ N(0, 1), by scipy quad on each half-line (kinks sit at 0)."""
    def g(z):
        with np.errstate(over="ignore"):      # silu's exp(-z) overflows (harmlessly) far out on the left
            return float(f(np.array([math.sqrt(q) * z]))[0]) ** 2 * math.exp(-0.5 * z * z)
    lo = integrate.quad(g, -np.inf, 0.0, epsabs=0.0, epsrel=1e-13, limit=200)[0]
    hi = integrate.quad(g, 0.0, np.inf, epsabs=0.0, epsrel=1e-13, limit=200)[0]
    return (lo + hi) / math.sqrt(2 * math.pi)


def _diag_ref(act, q, part):
    """k(x, x) = E[phi^2] + q E[phi'^2] at variance q (Eq. (T1.42) at theta = 0), by 1-D quadrature."""
    act = ntk.activation(act)
    out = 0.0
    if part != "input":
        out += _gauss_moment(act.fn, q)
    if part != "output":
        out += q * _gauss_moment(act.deriv, q)
    return out


def _myrelu():
    """A user ReLU (numpy maximum) the library knows nothing about except its degree."""
    return ntk.Activation(lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float), name="myrelu",
                          order=1, degree=1)


# --- 1. closed forms vs polar quadrature (Eqs. (T1.43)-(T1.46) vs (T1.49)) -------------------------------

CLOSED = [(f"relu^{k}", p) for k in range(5) for p in ("output", "input", "full") if k or p == "output"]
CLOSED += [(a, p) for a in ("leaky_relu", "abs", "erf") for p in ("output", "input", "full")]
THETAS = [1e-6, 0.3, math.pi / 2, 2.0, math.pi - 1e-6, math.pi]
QPAIRS = [(1.0, 1.0), (0.5, 3.0), (2.0, 0.1)]


def _grid(thetas=THETAS, qpairs=QPAIRS):
    q1, q2, th = (np.array(v) for v in zip(*[(a, b, t) for a, b in qpairs for t in thetas]))
    return q1, q2, np.sqrt(q1 * q2) * np.cos(th), np.sin(th), th


def _act(name):
    return ntk.leaky_relu(0.2) if name == "leaky_relu" else ntk.activation(name)


@pytest.mark.parametrize("name,part", CLOSED)
def test_closed_forms_equal_polar_quadrature(name, part):
    """Eqs. (T1.43)-(T1.46) against the polar quadrature (T1.49), including theta = 1e-6, pi/2,
    pi - 1e-6, pi and unequal variances."""
    act = _act(name)
    q1, q2, rho, s, th = _grid()
    closed = ntk.dual_kernel(act, q1, q2, rho, part=part, method="closed", sin_theta=s)
    polar = ntk.dual_kernel(act, q1, q2, rho, part=part, method="polar", sin_theta=s)
    # Cauchy-Schwarz scale sqrt(k(x,x) k(y,y)) >= |k(x,y)|.  Both paths carry round-off ~1e-15 of it
    # (measured <= 6e-15); near theta = pi relu^k kernels are O((pi - theta)^(2k+1)), a cancellation in
    # the closed form P_k (pi - theta) + Q_k sin theta, so only this absolute scale is attainable there.
    scale = np.sqrt(ntk.dual_kernel(act, q1, q1, q1, part=part, method="closed", sin_theta=0 * s)
                    * ntk.dual_kernel(act, q2, q2, q2, part=part, method="closed", sin_theta=0 * s))
    assert np.all(np.abs(polar - closed) <= 1e-13 * scale), np.max(np.abs(polar - closed) / scale)
    # relative agreement wherever the value is not such a cancellation (measured <= 6e-14)
    big = np.abs(closed) > 1e-3 * scale
    assert big.sum() >= 8
    np.testing.assert_allclose(polar[big], closed[big], rtol=1e-11, atol=0)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
@pytest.mark.parametrize("delta", [1e-1, 1e-2, 1e-3])
def test_polar_quadrature_is_relatively_accurate_near_antiparallel(k, delta):
    """Near theta = pi the relu^k kernel is O(delta^(2k+1)) (delta = pi - theta); the polar rule
    (T1.49) integrates the thin wedge where both pre-activations are positive, so it keeps relative
    accuracy there.  Reference: mpmath quadrature of J_k = 2^k k! int_{theta-pi/2}^{pi/2}
    cos^k psi cos^k(psi - theta) dpsi (the radial integral done exactly), 30 digits."""
    mp.mp.dps = 30
    th = mp.pi - mp.mpf(delta)
    ref = 2 ** k * mp.factorial(k) * mp.quad(lambda p: mp.cos(p) ** k * mp.cos(p - th) ** k,
                                              [th - mp.pi / 2, mp.pi / 2]) / (2 * mp.pi)
    c, s = float(mp.cos(th)), float(mp.sin(th))
    got = ntk.dual_kernel(k, 1.0, 1.0, c, part="output", method="polar", sin_theta=s)
    # measured <= 1.1e-13 relative; 1e-11 leaves room for the graded wedge panels' round-off
    assert abs(got / float(ref) - 1) < 1e-11, (got, ref)


# --- 2. Hermite (Mehler) series vs polar quadrature (Eq. (T1.50) vs (T1.49)) ------------------------------

SMOOTH = [(a, p) for a in ("tanh", "gelu", "silu", "erf") for p in ("output", "input", "full")]


@pytest.mark.parametrize("name,part", SMOOTH)
def test_hermite_series_equals_polar_quadrature(name, part):
    thetas = [0.0, 1e-6, 0.4, 1.2, math.pi / 2, 2.2, math.pi - 1e-6, math.pi]
    q1, q2, rho, s, _ = _grid(thetas, [(1.0, 1.0), (2.0, 2.0), (1.0, 2.0)])
    herm = ntk.dual_kernel(name, q1, q2, rho, part=part, method="hermite", sin_theta=s)
    polar = ntk.dual_kernel(name, q1, q2, rho, part=part, method="polar", sin_theta=s)
    # the series is cut at a_n^2 < 1e-17 sum a^2 (kernel error ~1e-16 relative), the polar rule
    # converges exponentially for analytic phi: measured <= 6.3e-15 of max |k|
    assert np.max(np.abs(herm - polar)) <= 1e-12 * np.max(np.abs(polar))
    if name == "erf":    # and both against Williams' closed form (T1.46)
        closed = ntk.dual_kernel(name, q1, q2, rho, part=part, method="closed", sin_theta=s)
        assert np.max(np.abs(herm - closed)) <= 1e-12 * np.max(np.abs(closed))


@pytest.mark.parametrize("part", ["input", "full"])
def test_hermite_stein_identity_without_derivative(part):
    """A smooth activation given without phi': the hidden layer comes from Stein's identity
    E[phi'(sqrt q z) h_n] = sqrt((n+1)/q) a_{n+1} (Eq. (T1.50)); it must equal tanh with its
    derivative (independent polar quadrature of phi')."""
    bare = ntk.Activation(np.tanh, name="tanh_no_deriv", order=math.inf)
    q1, q2, rho, s, _ = _grid([0.0, 0.5, 1.5, 2.5, math.pi], [(1.0, 1.0), (0.7, 2.0)])
    got = ntk.dual_kernel(bare, q1, q2, rho, part=part, method="hermite", sin_theta=s)
    ref = ntk.dual_kernel("tanh", q1, q2, rho, part=part, method="polar", sin_theta=s)
    # Stein's shift loses one term of the cut series: still ~1e-15 (measured); 1e-12 of max |k|
    assert np.max(np.abs(got - ref)) <= 1e-12 * np.max(np.abs(ref))


def test_dual_kernel_scalar_in_scalar_out():
    # scalars broadcast to shape (): a scalar out, like arccos_J; arrays keep their broadcast shape
    v = ntk.dual_kernel("relu", 1.0, 2.0, 0.5)
    assert np.shape(v) == ()
    assert ntk.dual_kernel("tanh", np.ones((2, 3)), 1.0, 0.5).shape == (2, 3)
    # relu NNGP at q1 = 1, q2 = 2, rho = 0.5: sqrt(2) J_1(theta)/(2 pi), cos theta = 0.5/sqrt(2)
    th = math.acos(0.5 / math.sqrt(2))
    assert float(v) == pytest.approx(math.sqrt(2) * float(ntk.arccos_J(1, th)) / (2 * math.pi)
                                     + 0.5 * float(ntk.arccos_J(0, th)) / (2 * math.pi), rel=1e-14)


# --- 3. arc-cosine functions J_k for any k (Eqs. (T1.43), (T1.44), (T1.47)) -------------------------------

def _J_mp_wedge(k, th):
    """J_k(theta) = 2 pi E[relu^k(u) relu^k(v)] (unit variances, correlation cos theta): in polar
    coordinates the radial integral is int r^(2k+1) e^(-r^2/2) dr = 2^k k!, the angle runs over the
    wedge where both are positive."""
    th = mp.mpf(th)
    return 2 ** k * mp.factorial(k) * mp.quad(lambda p: mp.cos(p) ** k * mp.cos(p - th) ** k,
                                              [th - mp.pi / 2, mp.pi / 2])


def _J_mp_cho_saul(k, th):
    """Cho & Saul (2009): J_k = (-1)^k sin^(2k+1) theta ((1/sin theta) d/dtheta)^k ((pi - theta)/sin theta);
    with c = cos theta, (1/sin theta) d/dtheta = -d/dc, so J_k = sin^(2k+1) theta d^k/dc^k f(c),
    f(c) = (pi - arccos c)/sqrt(1 - c^2) (mpmath numerical differentiation)."""
    th = mp.mpf(th)
    f = lambda x: (mp.pi - mp.acos(x)) / mp.sqrt(1 - x * x)  # noqa: E731
    return mp.sin(th) ** (2 * k + 1) * mp.diff(f, mp.cos(th), k)


J_THETAS = [1e-6, 0.1, 0.7, math.pi / 2, 2.0, 2.6, 3.0, math.pi - 1e-6]


@pytest.mark.parametrize("k", range(6))
def test_arccos_J_general_against_mpmath(k):
    mp.mp.dps = 40
    got = ntk.arccos_J_general(k, np.array(J_THETAS))
    ref = np.array([float(_J_mp_wedge(k, t)) for t in J_THETAS])
    J0 = math.pi * math.prod(range(2 * k - 1, 0, -2))
    # absolute scale J_k(0): P_k(c)(pi - theta) + Q_k(c) sin theta cancels to O((pi - theta)^(2k+1))
    # near pi, so relative accuracy is lost there (e.g. 1e-4 at theta = 3, k = 5); measured 4e-16 J_k(0)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-14 * J0)
    # up to pi/2 there is no cancellation: relative (measured <= 3e-16)
    np.testing.assert_allclose(got[:4], ref[:4], rtol=1e-13)
    # the two mpmath definitions agree with each other (independent formulas), away from the
    # endpoints where the finite differences of mp.diff would step across c = +-1
    for t in (0.1, 0.7, 2.0, 3.0):
        assert abs(_J_mp_cho_saul(k, t) / _J_mp_wedge(k, t) - 1) < mp.mpf(10) ** -25


def test_arccos_J_general_equals_hand_written_J012_and_exact_values():
    th = np.linspace(0.0, math.pi, 101)
    for k in (0, 1, 2):   # ntk.arccos_J: the hand-written J_0, J_1, J_2 of Eq. (T1.4)
        np.testing.assert_allclose(ntk.arccos_J_general(k, th), ntk.arccos_J(k, th), rtol=1e-14, atol=1e-15)
    for k in range(13):
        dfact = math.prod(range(2 * k - 1, 0, -2))
        P, Q = ntk.arccos_polynomials(k)
        # J_k(0) = pi P_k(1) = 2 pi E[relu^(2k)(z)] = pi (2k - 1)!!: exact in the rationals
        assert sum(P) == Fraction(dfact) and all(isinstance(c, Fraction) for c in P + Q)
        assert ntk.arccos_J_general(k, 0.0) == pytest.approx(math.pi * dfact, rel=1e-15)
        # J_k(pi/2) = 2 pi E[relu^k]^2 = 2^(k-1) Gamma((k+1)/2)^2 (independent u, v)
        assert ntk.arccos_J_general(k, math.pi / 2) == pytest.approx(2.0 ** (k - 1) * math.gamma((k + 1) / 2) ** 2,
                                                                     rel=1e-14)
        assert abs(ntk.arccos_J_general(k, math.pi)) < 1e-15 * math.pi * dfact     # J_k(pi) = 0


@pytest.mark.parametrize("k", range(1, 7))
def test_price_theorem_dJ_dc(k):
    """Price's theorem (T1.47): d/dc E[f(u) g(v)] = E[f'(u) g'(v)], so dJ_k/dc = k^2 J_{k-1};
    5-point central differences in c = cos theta with h = 1e-3."""
    c = np.linspace(-0.95, 0.95, 39)
    h = 1e-3

    def J(cc):
        return ntk.arccos_J_general(k, np.arccos(cc), cc, np.sqrt(1 - cc * cc))
    d = (J(c - 2 * h) - 8 * J(c - h) + 8 * J(c + h) - J(c + 2 * h)) / (12 * h)
    ref = k * k * ntk.arccos_J_general(k - 1, np.arccos(c), c, np.sqrt(1 - c * c))
    # truncation h^4 J^(5)/30 (J^(5) <~ 1e3 at |c| = 0.95+2h) + round-off eps J_k(0)/h: ~1e-10 of k^2 J_{k-1}(0)
    scale = k * k * math.pi * math.prod(range(2 * k - 3, 0, -2))
    np.testing.assert_allclose(d, ref, rtol=0, atol=1e-8 * scale)


# --- 4. Monte Carlo over random finite networks (Eq. (T1.42)) ---------------------------------------------

MC_X = np.array([[0.6, 0.3, 0.5], [0.9, 0.2, 0.4], [0.1, 0.8, 0.7], [0.5, 0.4, 0.9]])   # a cone: no pair
# samples: relu^3 has heavy tails (std/mean ~ 10 on the diagonal) and is cheap; the others need fewer
MC_N = {"relu^3": 1_000_000, "tanh": 300_000, "gelu": 300_000, "silu": 300_000, "abs": 300_000, "erf": 300_000}


@pytest.fixture(scope="module")
def mc_weights():
    return np.random.default_rng(20240611).standard_normal((max(MC_N.values()), MC_X.shape[1] + 1))  # (w, b)


@pytest.mark.parametrize("sb", [SB, 0.0])
@pytest.mark.parametrize("name", ["relu^3", "tanh", "gelu", "silu", "abs", "erf"])
def test_monte_carlo_random_networks(mc_weights, name, sb):
    """E over (w, b) of phi(u) phi(v) (output), x~.y~ phi'(u) phi'(v) (input) and their sum (full),
    u = sigma_w w.x + sigma_b b: |MC - activation_gram| < 5 SE, with the error bar itself small."""
    act = ntk.activation(name)
    Xa = _aug(MC_X, SW, sb)
    n = MC_N[name]
    Z = mc_weights[:n] @ Xa.T
    F, D = act(Z), act.deriv(Z)
    rho = Xa @ Xa.T
    for part in ("output", "input", "full"):
        G = ntk.activation_gram(MC_X, act=act, part=part, sigma_w=SW, sigma_b=sb)
        for i in range(4):
            for j in range(i, 4):
                s = np.zeros(n)
                if part != "input":
                    s += F[:, i] * F[:, j]
                if part != "output":
                    s += rho[i, j] * D[:, i] * D[:, j]
                m, se = s.mean(), s.std() / math.sqrt(n)
                # 1e-12 |G|: abs' hidden layer on the diagonal is exactly rho (SE = 0 up to round-off)
                assert abs(m - G[i, j]) < 5 * se + 1e-12 * abs(G[i, j]), (part, i, j, m, G[i, j], se)
                # the error bar is small enough for the check to bite: a 5-SE band of at most 7.5 % of the
                # value (measured SE <= 1.03e-2 of it for relu^3, <= 6e-3 for the others)
                assert se < 1.5e-2 * abs(G[i, j]), (part, i, j, se, G[i, j])


# --- 5. Gram matrices of any activation ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def pts():
    rng = np.random.default_rng(11)
    X, Y = rng.standard_normal((70, 3)), rng.standard_normal((33, 3))
    return X, Y


@pytest.mark.parametrize("m,part", CASES)
def test_gram_equals_relu_m_gram(pts, m, part):
    X, Y = pts
    for A, B in ((X, None), (X, Y)):
        got = ntk.activation_gram(A, B, act=m, part=part, sigma_w=SW, sigma_b=SB)
        ref = ntk.ntk_gram(A, B, m=m, part=part, sigma_w=SW, sigma_b=SB)
        # the full NTK adds terms of opposite sign (cancellation below the matrix scale): 1e-13 relative
        # plus 1e-14 of max |K|, as in test_ch1_kernels.py (measured <= 2.5e-16 of max |K|)
        np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-14 * np.abs(ref).max())


def _gram_cases():
    rng = np.random.default_rng(12)
    G = rng.standard_normal((16, 3))
    S = G / np.linalg.norm(G, axis=1, keepdims=True)
    return [("relu^3", G, "closed"), ("erf", G, "closed"), ("tanh", 0.3 * G, "Mehler"),
            ("silu", 0.3 * G, "Mehler"), ("gelu", S, "table (one norm)"), ("myrelu", G, "table (degree 1)")]


GRAM_CASES = _gram_cases()


@pytest.mark.parametrize("name,X,path", GRAM_CASES, ids=[f"{c[0]}-{c[2]}" for c in GRAM_CASES])
def test_gram_symmetric_with_exact_diagonal(name, X, path):
    act = _myrelu() if name == "myrelu" else ntk.activation(name)
    q = SW ** 2 * np.sum(X ** 2, 1) + SB ** 2
    for part in ("output", "input", "full"):
        G = ntk.activation_gram(X, act=act, part=part, sigma_w=SW, sigma_b=SB)
        assert np.array_equal(G, G.T)
        uq, idx = np.unique(q, return_index=True)
        ref = np.array([_diag_ref(act, qq, part) for qq in uq[::2]])      # every other norm: quad is slow
        got = np.diag(G)[idx[::2]]
        # scipy quad at epsrel 1e-13; the theta table is checked to 1e-11 of max |k| (= k(x,x))
        # at construction; measured <= 4e-15 on every path
        np.testing.assert_allclose(got, ref, rtol=1e-11)


@pytest.mark.parametrize("name,X,path", GRAM_CASES, ids=[f"{c[0]}-{c[2]}" for c in GRAM_CASES])
def test_gram_rectangular_equals_blocks_of_symmetric(name, X, path):
    act = _myrelu() if name == "myrelu" else ntk.activation(name)
    A, B = X[:10], X[10:]
    # the polar-built table of the user ReLU costs ~1 s per build and expectation: its output part only
    for part in (("output",) if name == "myrelu" else ("full",)):
        G = ntk.activation_gram(X, act=act, part=part, sigma_w=SW, sigma_b=SB)
        GAB = ntk.activation_gram(A, B, act=act, part=part, sigma_w=SW, sigma_b=SB)
        GBA = ntk.activation_gram(B, A, act=act, part=part, sigma_w=SW, sigma_b=SB)
        # same per-entry arithmetic up to the symmetrisation of the closed path: round-off only
        # (measured <= 1.5e-16 of max |K|)
        tol = 1e-14 * np.abs(G).max()
        assert np.max(np.abs(GAB - G[:10, 10:])) <= tol and np.max(np.abs(GBA - GAB.T)) <= tol


def test_gram_without_bias():
    """sigma_b = 0: the relu kernels depend on the angle of x, y only (Cho & Saul):
    Sigma = sigma_w^2 |x||y| J_1/(2 pi), Theta_in = sigma_w^2 x.y J_0/(2 pi) (ntk.arccos_J)."""
    rng = np.random.default_rng(13)
    X, Y = rng.standard_normal((20, 3)), rng.standard_normal((9, 3))
    nx, ny = np.linalg.norm(X, axis=1), np.linalg.norm(Y, axis=1)
    dot = X @ Y.T
    cr = np.linalg.norm(np.cross(X[:, None, :], Y[None, :, :]), axis=2)
    th = np.arctan2(cr, dot)
    sig = SW ** 2 * np.outer(nx, ny) * ntk.arccos_J(1, th) / (2 * math.pi)
    inp = SW ** 2 * dot * ntk.arccos_J(0, th) / (2 * math.pi)
    for part, ref in (("output", sig), ("input", inp), ("full", sig + inp)):
        for act in ("relu", _myrelu()) if part == "full" else ("relu",):   # closed form, degree-1 table
            got = ntk.activation_gram(X, Y, act=act, part=part, sigma_w=SW, sigma_b=0.0)
            # measured <= 3e-15 of max |K|; the table path is guaranteed to 1e-11 of max |k|
            np.testing.assert_allclose(got, ref, rtol=0, atol=1e-11 * np.abs(ref).max())
    # and tanh (Mehler path) without bias: odd activation, no bias -> k(x, -y) = -k(x, y) exactly
    # in the output layer (E[tanh(u) tanh(-v)]); the hidden layer is even times x.y -> odd too
    for part in ("output", "input", "full"):
        a = ntk.activation_gram(0.5 * X, 0.5 * Y, act="tanh", part=part, sigma_w=SW, sigma_b=0.0)
        b = ntk.activation_gram(0.5 * X, -0.5 * Y, act="tanh", part=part, sigma_w=SW, sigma_b=0.0)
        np.testing.assert_allclose(a, -b, rtol=0, atol=1e-14 * np.abs(a).max())
    Z = X.copy()
    Z[3] = 0.0
    with pytest.raises(ValueError, match=r"`X`\[3\] is the origin"):
        ntk.activation_gram(Z, act="tanh", sigma_b=0.0)
    with pytest.raises(ValueError, match=r"`Y`\[3\] is the origin"):
        ntk.activation_gram(X, Z, act="relu", sigma_b=0.0)
    assert np.all(np.isfinite(ntk.activation_gram(Z, act="tanh", sigma_b=0.1)))   # with bias: fine


def test_gram_table_paths_equal_per_entry_polar():
    """Theta table (T1.51): tanh on the sphere (one augmented norm) and a user ReLU with degree 1
    on Gaussian data, against the per-entry polar quadrature (T1.49); the user ReLU also against
    ntk_gram."""
    rng = np.random.default_rng(14)
    G = rng.standard_normal((30, 3))
    S = G / np.linalg.norm(G, axis=1, keepdims=True)
    pairs = [(i, j) for i in range(0, 30, 3) for j in range(i, 30, 4)] + [(5, 5), (7, 7)]
    for act, X in (("tanh", S), (_myrelu(), G)):
        for part in ("output", "input", "full"):
            K = ntk.activation_gram(X, act=act, part=part, sigma_w=SW, sigma_b=SB)
            q1, q2, rho, s = _pair_args(_aug(X), _aug(X), pairs)
            ref = ntk.dual_kernel(act, q1, q2, rho, part=part, method="polar", sin_theta=s)
            i, j = np.asarray(pairs).T
            # the table is checked to 1e-11 of max |k| at construction; measured <= 8e-15
            assert np.max(np.abs(K[i, j] - ref)) <= 1e-11 * np.abs(ref).max()
            if not isinstance(act, str):
                R = ntk.ntk_gram(X, m=1, part=part, sigma_w=SW, sigma_b=SB)
                assert np.max(np.abs(K - R)) <= 1e-11 * np.abs(R).max()


def test_gram_mehler_path_equals_per_entry_polar():
    """Smooth activation, data of varying norm: Mehler series per pair (T1.50) vs polar (T1.49)."""
    rng = np.random.default_rng(15)
    X, Y = 0.3 * rng.standard_normal((25, 3)), 0.3 * rng.standard_normal((12, 3))
    pairs = [(i, j) for i in range(0, 25, 4) for j in range(0, 12, 3)]
    for name in ("gelu", "tanh"):
        for part in ("output", "input", "full"):
            K = ntk.activation_gram(X, Y, act=name, part=part, sigma_w=SW, sigma_b=SB, method="hermite")
            q1, q2, rho, s = _pair_args(_aug(X), _aug(Y), pairs)
            ref = ntk.dual_kernel(name, q1, q2, rho, part=part, method="polar", sin_theta=s)
            i, j = np.asarray(pairs).T
            # series cut at 1e-17 of the coefficient energy: measured <= 7e-15 of max |k|
            assert np.max(np.abs(K[i, j] - ref)) <= 1e-12 * np.abs(ref).max()


def test_gram_table_pass_over_several_panels_with_near_parallel_pairs():
    """The vectorised table pass (gram._table_gram_panel) on 150 points of the sphere (three row
    panels of 64, mirrored), with duplicates, pairs 1e-7 apart and antipodes, against the per-entry
    dual kernel (Mehler series, T1.50) with the sine of the angle from the Lagrange identity."""
    rng = np.random.default_rng(16)
    G = rng.standard_normal((150, 3))
    G[1] = G[0]
    G[2] = G[0] + 1e-7 * rng.standard_normal(3)
    G[70] = -G[0]
    G[130] = G[65] + 1e-6 * rng.standard_normal(3)
    S = G / np.linalg.norm(G, axis=1, keepdims=True)
    pairs = [(i, j) for i in range(0, 150, 7) for j in range(0, 150, 5)]
    pairs += [(0, 1), (1, 0), (0, 2), (2, 0), (0, 70), (70, 1), (65, 130), (130, 65), (149, 149)]
    i, j = np.asarray(pairs).T
    for part in ("output", "input", "full"):
        K = ntk.activation_gram(S, act="gelu", part=part, sigma_w=SW, sigma_b=SB)
        assert np.array_equal(K, K.T)
        q1, q2, rho, s = _pair_args(_aug(S), _aug(S), pairs)
        ref = ntk.dual_kernel("gelu", q1, q2, rho, part=part, method="hermite", sin_theta=s)
        # the table is checked to 1e-11 of max |k| at construction; measured <= 2e-15
        assert np.max(np.abs(K[i, j] - ref)) <= 1e-11 * np.abs(ref).max()
        R = ntk.activation_gram(S[:40], S[100:], act="gelu", part=part, sigma_w=SW, sigma_b=SB)
        assert np.max(np.abs(R - K[:40, 100:])) <= 1e-14 * np.abs(K).max()


@pytest.mark.parametrize("name,degree", [("relu", 1), ("relu^3", 3), ("leaky_relu", 1), ("heaviside", 0)])
def test_polar_quadrature_of_homogeneous_user_functions(name, degree):
    """A user function declared positively homogeneous of degree p gets the radial integral of
    Eq. (T1.49) in closed form, int r^(2p+1) e^(-r^2/2) dr = 2^p Gamma(p + 1); against the closed
    forms and against the same function integrated radially (no degree declared)."""
    ref_act = ntk.activation(name)
    user = ntk.Activation(ref_act.fn, ref_act.deriv, name="user", degree=degree)
    bare = ntk.Activation(ref_act.fn, ref_act.deriv, name="bare")
    th = np.array([1e-6, 0.4, 1.5, 2.5, math.pi])
    c, s = np.cos(th), np.sin(th)
    for part in (("output",) if degree == 0 else ("output", "input", "full")):
        for q1, q2 in QPAIRS:
            rho = math.sqrt(q1 * q2) * c
            got = ntk.dual_kernel(user, q1, q2, rho, part=part, method="polar", sin_theta=s)
            closed = ntk.dual_kernel(ref_act, q1, q2, rho, part=part, method="closed", sin_theta=s)
            radial = ntk.dual_kernel(bare, q1, q2, rho, part=part, method="polar", sin_theta=s)
            scale = np.abs(closed).max()
            # kinks at 0 sit on wedge edges: both quadratures are exact to rounding (measured <= 1e-15)
            assert np.max(np.abs(got - closed)) <= 1e-13 * scale
            assert np.max(np.abs(got - radial)) <= 1e-13 * scale


# --- 6. Funk-Hecke spectra on S^m (Eqs. (T1.27), (T1.48)) -----------------------------------------------------

@pytest.mark.parametrize("m", [1, 2, 3])
@pytest.mark.parametrize("act,part", CASES)
def test_sphere_spectrum_equals_relu_m_spectrum(m, act, part):
    got = ntk.sphere_spectrum(m, 200, act=act, part=part, sigma_w=SW, sigma_b=SB)
    ref = ntk.sphere_ntk_spectrum(m, 200, act=act, part=part, sigma_w=SW, sigma_b=SB)
    # the same Funk-Hecke rule on independently computed kernel values: round-off floor ~1e-16 mu_0
    # (measured 2.5e-16 mu_0); 1e-12 relative where mu_l is above that floor
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14 * ref[0])


@pytest.mark.parametrize("m", [1, 2])
@pytest.mark.parametrize("act,part,lmax", [("tanh", "full", 100), ("tanh", "output", 100), ("gelu", "full", 100),
                                           ("relu^3", "full", 400), ("relu^3", "output", 200)])
def test_sphere_spectrum_trace(m, act, part, lmax):
    """Funk-Hecke on the diagonal: sum_l N(m, l) mu_l = k(x, x) (Mercer at theta = 0)."""
    mu = ntk.sphere_spectrum(m, lmax, act=act, part=part, sigma_w=SW, sigma_b=SB)
    N = ntk.sphere_multiplicity(m, np.arange(lmax + 1))
    kxx = _diag_ref(act, SW ** 2 + SB ** 2, part)
    # truncation: N mu_l ~ l^(-(1 + alpha)) with alpha = 5, 7 for relu^3 (tail <~ 6e-12 at these lmax),
    # super-exponential for smooth activations; round-off ~1e-13 (measured <= 7e-13)
    assert abs(np.sum(N * mu) / kxx - 1) < 1e-10


@pytest.mark.parametrize("m", [1, 2, 3])
@pytest.mark.parametrize("part", ["output", "input", "full"])
def test_sphere_spectrum_bias_free_relu_has_no_odd_degrees_above_one(m, part):
    """Without bias the relu kernels are (even function of u = cos phi) + const * u
    (pi - arccos u = pi/2 + arcsin u), so mu_l = 0 for odd l >= 3 (Bietti & Mairal 2019),
    while every even degree is positive."""
    mu = ntk.sphere_spectrum(m, 40, act="relu", part=part, sigma_b=0.0)
    odd, even = np.abs(mu[3::2]), mu[0::2]
    # round-off floor ~1e-16 mu_0 (measured <= 5.5e-16 mu_0); the smallest even one, mu_40, is >= 1e-9 mu_0
    assert odd.max() < 1e-13 * mu[0]
    assert np.all(even > 1e3 * 1e-13 * mu[0])
    assert mu[1] > 0.1 * mu[0]


@pytest.mark.parametrize("act", ["relu", "relu^2", "relu^3"])
@pytest.mark.parametrize("part", ["output", "input", "full"])
def test_sphere_spectrum_power_law_exponent(act, part):
    """On S^2, mu_l ~ l^-(m + alpha) with alpha = kernel_alpha (Eq. (T1.48)): 2s + 1 (output),
    2s - 1 (hidden layer, full)."""
    mu = ntk.sphere_spectrum(2, 100, act=act, part=part, sigma_w=SW, sigma_b=SB)
    f = ntk.fit_spectrum_exponent(mu, 10, 60, k=np.arange(101), method="slope")
    # measured within 0.1 of the prediction (finite-l corrections O(1/l))
    assert abs(f.exponent - (2 + ntk.kernel_alpha(act, part))) < 0.15


@pytest.mark.parametrize("act", ["tanh", "gelu", "silu", "erf"])
def test_sphere_spectrum_smooth_decays_faster_than_any_power(act):
    mu = ntk.sphere_spectrum(2, 100, act=act, sigma_w=SW, sigma_b=SB)
    r = np.abs(mu) / mu[0]
    # mu_l falls below 1e-12 mu_0 by l = 39 (tanh, the slowest: poles at +-i pi/2) and reaches the
    # round-off floor (measured <= 1.5e-16 mu_0 from l = 60 on)
    assert np.argmax(r < 1e-12) < 45 and r[60:].max() < 1e-14
    # while relu^3's power law l^-7 keeps mu_l above 1e-12 mu_0 up to l = 60 (measured 5.7e-12 at l = 50)
    mu3 = ntk.sphere_spectrum(2, 100, act="relu^3", sigma_w=SW, sigma_b=SB)
    assert np.all(mu3[:61] > 1e-12 * mu3[0])


# --- 7. radial population spectra (Eq. (T1.52)) -------------------------------------------------------------

@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize("act", [1, 2])
@pytest.mark.parametrize("part", ["output", "input", "full"])
def test_radial_degree0_block_equals_ball_radial_operator(d, act, part):
    Mr = 32
    R = ntk.radial_spectrum(d, 0, act=act, density="ball", Mr=Mr, part=part)
    A, r, w = ntk.ball_radial_operator(d, Mr, act=act, part=part)
    np.testing.assert_allclose(R.r, r, rtol=1e-15)
    ev = np.sort(np.linalg.eigvalsh(A))[::-1]
    # ours: midpoint weights normalised to sum 1; theirs: d r^(d-1)/Mr (sum ~ 1 - O(1/Mr^2)); the operator
    # scales with the weights, so rescale by the ratio of the sums.  Both angular rules converge to
    # ~1e-16 of the top eigenvalue (measured 1e-15); the first 8 eigenvalues are resolved.
    lam = R.blocks[0] * (w.sum() / R.w.sum())
    np.testing.assert_allclose(lam[:8], ev[:8], rtol=0, atol=1e-12 * ev[0])


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize("act,part,lmax", [("relu", "output", 60), ("relu", "full", 100), ("relu^2", "full", 60),
                                           ("relu^3", "full", 40), ("relu^2", "output", 30)])
def test_radial_trace_and_truncation_tail(d, act, part, lmax):
    """sum_l N(d-1, l) tr(block_l) = sum_i w_i k(r_i, r_i) = RadialSpectrum.trace (Funk-Hecke on each
    sphere of radius r_i) up to the truncation at lmax.  The terms t_l decay as l^-(1 + alpha)
    (alpha of Eq. (T1.48)), so the missing tail is ~ t_lmax lmax / alpha."""
    R = ntk.radial_spectrum(d, lmax, act=act, density="ball", Mr=16, part=part, sigma_w=SW, sigma_b=SB)
    t = R.multiplicity * np.array([b.sum() for b in R.blocks])
    est = t[-1] * lmax / ntk.kernel_alpha(act, part)
    # the integral estimate of the tail is off by O((1 + alpha)/(2 lmax)): measured ratio 0.92-1.00
    assert 0.8 < (R.trace - t.sum()) / est < 1.1
    assert est < 2e-3 * R.trace
    # R.trace against the quadrature diagonal E k(x, x)
    ref = sum(wi * _diag_ref(act, SW ** 2 * ri ** 2 + SB ** 2, part) for ri, wi in zip(R.r, R.w))
    assert R.trace == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("density,act", [("gaussian", "tanh"), ("gaussian", "gelu"), ("ball", "erf")])
def test_radial_trace_smooth(density, act):
    R = ntk.radial_spectrum(3, 60, act=act, density=density, Mr=16, scale=0.5, sigma_w=SW, sigma_b=SB)
    t = R.multiplicity * np.array([b.sum() for b in R.blocks])
    # smooth kernels: the Funk-Hecke series converges faster than any power; measured <= 1.4e-12
    assert abs(t.sum() / R.trace - 1) < 1e-10


def test_radial_weights_give_the_second_moment():
    """The relu NTK has k(x, x) = |x~|^2 (J_1(0) = J_0(0) = pi), so the trace is
    sigma_w^2 E|x|^2 + sigma_b^2: E|x|^2 = d s^2 (Gaussian), d s^2/(d + 2) (ball of radius s)."""
    s, d = 0.8, 3
    R = ntk.radial_spectrum(d, 1, act="relu", density="gaussian", Mr=16, scale=s, sigma_w=SW, sigma_b=SB)
    # d = 3: the radial integrands r^(2 or 4) e^(-r^2/2) are even, so the midpoint rule is spectrally
    # accurate (measured 2e-16)
    assert R.trace == pytest.approx(SW ** 2 * d * s * s + SB ** 2, rel=1e-12)
    for dens, d, m2 in (("ball", 3, 3 * s * s / 5), ("gaussian", 2, 2 * s * s)):
        err = [ntk.radial_spectrum(d, 1, act="relu", density=dens, Mr=Mr, scale=s, sigma_w=SW,
                                   sigma_b=SB).trace / (SW ** 2 * m2 + SB ** 2) - 1 for Mr in (16, 32)]
        # otherwise an O(1/Mr^2) midpoint error (the integrand's odd derivatives do not vanish at an end):
        # it shrinks 4-fold per doubling (measured 3.99-4.2)
        assert abs(err[0]) < 2e-2 and 3.5 < err[0] / err[1] < 4.5, err


def test_radial_user_density_equals_named():
    for name, p, r_max in (("ball", lambda r: np.ones_like(r), 2.0),
                           ("gaussian", lambda r: np.exp(-0.5 * (r / 2.0) ** 2), 2.0 * (math.sqrt(3) + 9))):
        a = ntk.radial_spectrum(3, 6, act="relu", density=name, Mr=24, scale=2.0)
        b = ntk.radial_spectrum(3, 6, act="relu", density=p, Mr=24, r_max=r_max)
        # the same nodes and normalised weights: identical up to round-off
        np.testing.assert_allclose(b.r, a.r, rtol=1e-15)
        np.testing.assert_allclose(b.w, a.w, rtol=1e-13)
        for x, y in zip(a.blocks, b.blocks):
            np.testing.assert_allclose(y, x, rtol=0, atol=1e-13 * a.blocks[0][0])
        assert b.trace == pytest.approx(a.trace, rel=1e-13)


def test_radial_target_of_constant():
    R = ntk.radial_spectrum(3, 4, act="relu", density="ball", Mr=32)
    c2, norm2 = R.radial_target(np.ones(32))
    assert norm2 == pytest.approx(1.0, rel=1e-14)            # sum w = 1
    assert c2.sum() == pytest.approx(norm2, rel=1e-12)       # Parseval (orthonormal V0)
    # the top eigenvector of a positive kernel has one sign (Perron-Frobenius) and carries almost all
    # of a constant (measured 0.99982)
    v = R.V0[:, 0]
    assert np.all(v * np.sign(v[0]) > 0)
    assert 0.99 < c2[0] / norm2 <= 1.0
    # and the eigenvalues of each block are decreasing, the spectrum sorted with multiplicities
    vals = R.values()
    assert np.all(np.diff(vals) <= 0) and vals.size == sum(b.size * int(n) for b, n in zip(R.blocks, R.multiplicity))


# --- 8. bad input: ValueError naming the parameter --------------------------------------------------------------

def _bad(z):
    raise TypeError("not on arrays")


BAD = [
    (lambda: ntk.Activation(lambda z: 1.0 / z), r"`fn`.*finite"),                     # inf at 0
    (lambda: ntk.Activation(np.sqrt), r"`fn`.*finite"),                               # nan for z < 0
    (lambda: ntk.Activation(np.tanh, lambda z: np.exp(z * z)), r"`deriv`.*finite"),   # overflow
    (lambda: ntk.Activation(3.0), r"`fn` must be a callable"),
    (lambda: ntk.Activation(np.tanh, 2), r"`deriv` must be None or a callable"),
    (lambda: ntk.Activation(lambda z: z[:5]), r"`fn`.*same shape"),
    (lambda: ntk.Activation(np.tanh, lambda z: 1.0), r"`deriv`.*same shape"),
    (lambda: ntk.Activation(_bad), r"`fn`.*failed"),
    (lambda: ntk.activation("softplus"), r"`activation` must be one of"),
    (lambda: ntk.activation(1.5), r"`activation` must be a name"),
    (lambda: ntk.activation("tanh", slope=0.1), r"`activation` 'tanh' takes no parameters"),
    (lambda: ntk.activation("relu^13"), r"`k` must be an integer in \[0, 12\]"),
    (lambda: ntk.activation(13), r"`k` must be an integer in \[0, 12\]"),
    (lambda: ntk.activation("relu^1.5"), r"`activation` 'relu\^1.5'.*integer"),
    (lambda: ntk.relu_power(2.0), r"`k` must be an integer"),
    (lambda: ntk.leaky_relu(1.0), r"`slope` must differ from 1"),
    (lambda: ntk.dual_kernel("heaviside", 1.0, 1.0, 0.5, part="input"), r"`part` must be 'output'"),
    (lambda: ntk.activation_gram(np.eye(3), act=0), r"`part` must be 'output'"),
    (lambda: ntk.dual_kernel("tanh", 1.0, 1.0, 0.5, method="closed"), r"`method` 'closed'"),
    (lambda: ntk.dual_kernel("tanh", 30.0, 30.0, 3.0, method="hermite"), r"method 'hermite'"),
    (lambda: ntk.dual_kernel("relu", 1.0, 1.0, 0.5, method="mc"), r"`method` must be one of"),
    (lambda: ntk.dual_kernel("relu", 1.0, 1.0, 0.5, part="hidden"), r"`part` must be one of"),
    (lambda: ntk.dual_kernel("relu", 1.0, 2.0, 1.5), r"`rho` must satisfy"),
    (lambda: ntk.dual_kernel("relu", 0.0, 2.0, 0.0), r"`q1`"),
    (lambda: ntk.dual_kernel("relu", -1.0, 2.0, 0.0), r"`q1`"),
    (lambda: ntk.dual_kernel("relu", np.ones(3), np.ones(2), 0.5), r"`q1`, `q2`, `rho` must have broadcastable"),
    (lambda: ntk.dual_kernel(ntk.Activation(lambda z: np.maximum(z, 0.0)), 1.0, 1.0, 0.5), r"`deriv`"),
    (lambda: ntk.radial_spectrum(2, 2, density=lambda r: r - 0.5, r_max=1.0), r"`density`.*>= 0"),
    (lambda: ntk.radial_spectrum(2, 2, density=lambda r: np.where(r > 0.5, np.inf, 1.0), r_max=1.0),
     r"`density`.*finite"),
    (lambda: ntk.radial_spectrum(2, 2, density=lambda r: 0.0 * r, r_max=1.0), r"`density`.*positive mass"),
    (lambda: ntk.radial_spectrum(2, 2, density=lambda r: 1.0, r_max=1.0), r"`density`.*same shape"),
    (lambda: ntk.radial_spectrum(2, 2, density=lambda r: np.ones_like(r)), r"`r_max` must be given"),
    (lambda: ntk.radial_spectrum(2, 2, density="uniform"), r"`density` must be one of"),
    (lambda: ntk.radial_spectrum(3, 2, density=ntk.radial_density("ball", 2)), r"`density` is for d = 2"),
    (lambda: ntk.radial_spectrum(2, 2, Mr=3), r"`Mr`"),
    (lambda: ntk.radial_spectrum(2, 2, Mr=513), r"`Mr`"),
    (lambda: ntk.radial_spectrum(2, 2, Mr=10.5), r"`Mr`"),
    (lambda: ntk.radial_spectrum(2, 401), r"`lmax`"),
    (lambda: ntk.radial_spectrum(1, 2), r"`d`"),
    (lambda: ntk.radial_spectrum(2, 1, Mr=8).radial_target(np.ones(7)), r"`y`"),
    (lambda: ntk.sphere_spectrum(2, 0), r"`lmax`"),
    (lambda: ntk.activation_gram(np.eye(2), sigma_w=0.0), r"`sigma_w`"),
    (lambda: ntk.activation_gram(np.eye(2), sigma_w=-1.0), r"`sigma_w`"),
    (lambda: ntk.activation_gram(np.eye(2), sigma_b=-1.0), r"`sigma_b`"),
    (lambda: ntk.sphere_spectrum(2, 10, sigma_w=0.0), r"`sigma_w`"),
    (lambda: ntk.radial_spectrum(2, 2, sigma_w=0.0), r"`sigma_w`"),
    (lambda: ntk.activation_gram(np.eye(2), np.eye(3)), r"same dimension"),
    (lambda: ntk.activation_gram(np.array([[np.nan, 1.0]])), r"`X`"),
    (lambda: ntk.kernel_alpha("heaviside", "input"), r"`part` 'input'"),
    (lambda: ntk.kernel_alpha(ntk.Activation(np.tanh), "output"), r"`order`"),
]


@pytest.mark.parametrize("call,match", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- 9. the grouped evaluation paths of the population spectra ------------------------------------------------

def test_unique_inverse_equals_numpy_unique():
    from scalinglaws.ntk.dual import _unique_inverse
    rng = np.random.default_rng(21)
    runs = np.repeat(rng.choice([0.5, 2.0, 1.25, 3.0], 50), rng.integers(1, 40, 50))
    for x in (runs, rng.standard_normal(300), np.round(rng.standard_normal(500), 1), np.ones(7), np.array([2.0])):
        u, inv = _unique_inverse(x)
        u0, inv0 = np.unique(x, return_inverse=True)
        assert np.array_equal(u, u0) and np.array_equal(inv, inv0.reshape(-1))


def test_mehler_index_kernel_runs_equal_scalar_horner():
    """population._mehler_idx_kernel: runs of equal (i1, i2) (vectorised across the run) and short
    runs (scalar Horner) against numpy's polyval of the coefficient products."""
    from scalinglaws.ntk.population import _mehler_idx_kernel
    rng = np.random.default_rng(22)
    A = rng.standard_normal((5, 30)) / np.arange(1, 31) ** 2
    lens = rng.integers(1, 25, 40)
    i1 = np.repeat(rng.integers(0, 5, 40), lens).astype(np.int64)
    i2 = np.repeat(rng.integers(0, 5, 40), lens).astype(np.int64)
    c = rng.uniform(-1, 1, i1.size)
    out = np.empty(c.size)
    _mehler_idx_kernel(A, i1, i2, c, out)
    ref = np.array([np.polynomial.polynomial.polyval(c[k], A[i1[k]] * A[i2[k]]) for k in range(c.size)])
    np.testing.assert_allclose(out, ref, rtol=1e-13, atol=1e-15)


def test_fourier_expectation_on_a_grid_of_variance_pairs_equals_polar():
    """The Fourier form (T1.55) grouped by variance pair, on a broadcast grid (pairs x angles, as in
    radial_spectrum), against the polar quadrature (T1.49) entry by entry."""
    q = np.array([0.5, 3.0, 9.0])
    th = np.linspace(0.0, math.pi, 7)
    Q1, Q2, TH = (a.ravel() for a in np.meshgrid(q, q, th, indexing="ij"))
    rho = np.sqrt(Q1 * Q2) * np.cos(TH)
    s = np.sin(TH)
    for name in ("tanh", "silu"):
        for part in ("output", "full"):
            got = ntk.dual_kernel(name, Q1, Q2, rho, part=part, method="fourier", sin_theta=s)
            ref = ntk.dual_kernel(name, Q1, Q2, rho, part=part, method="polar", sin_theta=s)
            # both spectrally accurate for these analytic activations: measured <= 2e-15 of max |k|
            assert np.max(np.abs(got - ref)) <= 1e-12 * np.abs(ref).max()
