"""Bad-input registry of ``scalinglaws.ntk`` (see ``engine``).

Tiny sizes throughout (<= 8 points, lmax <= 12, Mr <= 6, <= 5 GD steps) so that the registry runs
in seconds once numba has compiled the kernels.  GD divergence of the finite-width network is a
documented error (``ValueError`` naming ``eta``), not a flag: ``train_gd`` returns a tuple.
"""
import math

import numpy as np

from scalinglaws import ntk

from .engine import Call, Entry

_rng = np.random.default_rng(0)
X = _rng.standard_normal((6, 3))
Y = _rng.standard_normal((4, 3))
x8 = np.linspace(-1.0, 1.0, 8)
LAM = 1.0 / np.arange(1, 9) ** 2
C2 = 1.0 / np.arange(1, 9) ** 1.5
T = np.array([0.0, 1.0, 10.0, 100.0])
K12 = np.arange(1.0, 13.0)
V12 = K12 ** -2.0
TL = np.geomspace(1.0, 1e3, 12)
LL = TL ** -0.5
A4 = np.array([[2.0, 0.5, 0.0, 0.1], [0.5, 1.0, 0.2, 0.0], [0.0, 0.2, 0.5, 0.0], [0.1, 0.0, 0.0, 0.3]])
A_ASYM = A4.copy(); A_ASYM[0, 3] = 1.0
XD = np.linspace(0.0, 1.0, 6)
YD = np.where(XD > 0.5, 1.0, 0.0)
P4 = ntk.init_antisymmetric(4, 1, seed=0)
P4_NAN = (P4[0].copy(), P4[1].copy(), P4[2].copy()); P4_NAN[0][0, 0] = np.nan
X2 = _rng.standard_normal((5, 2))
P6 = ntk.init_antisymmetric(6, 2, seed=1)

_SIZE = [0, -3, 2.5, 10 ** 12]
_SCALE = [0.0, -1.0, 1e300, "1"]          # sigma_w / sigma_b: finite numbers in (0, 1e100]
_ACT = [3, -1, 1.0, True, "relu"]
_PART = ["hidden", 1, None]


def _scales(**kw):
    return {"sigma_w": _SCALE, "sigma_b": _SCALE, **kw}


def _indicator(x):
    return ((x > 0.25) & (x < 0.75)).astype(float)


def _nan_target(x):
    return np.full_like(x, np.nan)


def _short_target(x):
    return np.ones(3)


ENTRIES = [
    # --- kernels
    Entry(ntk.ntk_gram, (X,), dict(m=1), bad=_scales(
        X=[np.ones((3, 0)), np.ones(4), np.full((2, 2), 1e200), [[1.0, "a"]]], m=_ACT, part=_PART,
        method=["python", 1]),
          extra=[Call("Y-dim-mismatch", (X, np.ones((2, 2))), names=("Y",)),
                 Call("Y-nan", (X, np.full((2, 3), np.nan)), names=("Y",)),
                 Call("Y-empty", (X, np.ones((0, 3))), names=("Y",)),
                 Call("m0-full", (X,), dict(m=0, part="full"), names=("part",)),
                 Call("huge-gram", (np.ones((40000, 1)),), names=("X",))]),
    Entry(ntk.ntk_gram, (X, Y), dict(m=2, part="input", method="numpy"), bad={"Y": [np.ones((4, 2)), np.ones(3)]}),
    Entry(ntk.ntk_1d, (x8,), dict(m=1, part="full"), bad=_scales(
        x=[np.ones((2, 2)), np.array([1e200, 1.0]), [1.0, "a"]], m=_ACT, part=_PART),
          extra=[Call("y-nan", (x8, np.array([0.0, np.nan])), names=("y",)),
                 Call("y-2d", (x8, np.ones((2, 2))), names=("y",)),
                 Call("y-empty", (x8, np.zeros(0)), names=("y",))]),
    Entry(ntk.arccos_J, (1, np.linspace(0.0, math.pi, 5)),
          allow={"theta": ["more-dims"]},  # elementwise: any array shape is valid
          bad={"m": _ACT, "theta": [-0.1, 4.0, np.array([0.0, 3.5]), [0.1, "x"]]}),
    Entry(ntk.atan2_upper, (np.array([0.5, 1.0, 0.0]), np.array([1.0, -1.0, 2.0])),
          allow={"s": ["more-dims"], "c": ["more-dims"]},  # elementwise with broadcasting: any shape
          bad={"s": [np.array([-1.0, 1.0, 1.0]), np.ones(2), [1.0, "x"]],
               "c": [np.ones(2), np.zeros((2, 3))]},
          extra=[Call("zero-zero", (0.0, 0.0), names=("s", "c"))]),
    Entry(ntk.check_activation, (1, "full"), bad={"m": _ACT, "part": _PART + [["full"]]},
          extra=[Call("m0-input", (0, "input"), names=("part",))]),
    # --- spectra
    Entry(ntk.sphere_ntk_spectrum, (2, 12), dict(act=1, part="full", n_nodes=8),
          bad=_scales(m=[0, -1, 2.5], lmax=[0, -1, 10 ** 9], act=_ACT, part=_PART, n_nodes=[0, 10 ** 6, 2.5]),
          extra=[Call("act0-full", (2, 12), dict(act=0, part="full"), names=("part",))]),
    Entry(ntk.ball_radial_operator, (2, 6), dict(n_panels=8, n_nodes=4),
          bad=_scales(d=[1, 0, 2.5], Mr=[1, 0, 10 ** 6], act=_ACT, part=_PART, n_panels=[0, -1],
                      n_nodes=[0, 1000], phi_min=[0.0, -1e-4, 4.0])),
    Entry(ntk.gram_eigen, (A4, np.ones(4)), dict(threads=1),
          allow={"threads": ["None"]},  # documented default: $SCALINGLAWS_BLAS_THREADS or 1
          bad={"A": [A_ASYM, np.ones((2, 3)), np.ones((0, 0)), np.ones(4), [[1.0, "a"], ["b", 1.0]]],
               "y": [np.ones(3), np.full(4, np.nan), np.ones((4, 1))], "threads": [0, -1, 2.5, "x", True]}),
    Entry(ntk.gram_eigen, (A4,), bad={"A": [A_ASYM, np.full((2, 2), np.inf)]}),
    Entry(ntk.cap_energies, (2, 12, 1.0), dict(n_nodes=8),
          bad={"m": [0, 2.5], "lmax": [0, 10 ** 9], "beta": [0.0, math.pi, -1.0, 4.0], "n_nodes": [0, 10 ** 6]}),
    Entry(ntk.sphere_cap_measure, (2, 1.0), bad={"m": [0, -2, 2.5], "beta": [0.0, math.pi, -0.5, 3.5]}),
    Entry(ntk.sphere_multiplicity, (3, np.arange(5)),
          allow={"ell": ["more-dims"]},  # elementwise: any array shape of degrees is valid
          bad={"m": [0, -1, 2.5], "ell": [np.array([-1, 2]), np.array([0.5, 1.0]), np.zeros(0), "a",
                                           np.array([True, False]), np.array([1e300])]}),
    Entry(ntk.sphere_index_expand, (np.ones(5), 2), bad={"m": [0, -1, 2.5], "values": [np.ones((2, 2)), [1.0, "x"]]}),
    Entry(ntk.gegenbauer_normalized, (6, 2, np.linspace(-1, 1, 5)),
          bad={"lmax": [-1, 2.5, 10 ** 12], "m": [0, -1, 2.5], "u": [np.array([1.5]), np.ones((2, 2)), [0.1, "x"]]}),
    Entry(ntk.composite_gauss_legendre, (np.linspace(0.0, 1.0, 4),), dict(n_nodes=4),
          bad={"edges": [np.ones(1), np.array([0.0, 1.0, 0.5]), np.array([0.0, 0.0, 1.0]), np.ones((2, 2))],
               "n_nodes": [0, -1, 2.5, 10 ** 6]}),
    Entry(ntk.grid_1d, (8,), dict(a=0.0, b=1.0), bad={"M": [1, 0, -1, 2.5, 10 ** 12], "a": [2.0], "b": [-1.0, 0.0]},
          extra=[Call("a=b", (8,), dict(a=1.0, b=1.0), names=("a", "b"))]),
    Entry(ntk.tail_sums, (C2,), dict(total=5.0),
          allow={"total": ["None"]},  # documented: no missing energy
          bad={"c2": [-C2, np.ones((2, 2)), [1.0, "x"]], "total": [-1.0, 0.5, "1"]}),
    Entry(ntk.fit_spectrum_exponent, (V12, 2, 10), dict(method="slope"),
          allow={"k": ["None"], "k_lo": ["2.5"], "k_hi": ["2.5"]},  # default k = 1..n; real window bounds
          bad={"values": [-V12, np.zeros(12), np.ones((2, 6)), [1.0, "x"]], "k_lo": [0, -1, 10, 20],
               "k_hi": [2, 1, 100], "k": [np.arange(1.0, 6.0), -K12, np.ones((2, 6))],
               "method": ["spline", None, 1]},
          extra=[Call("k-given", (V12, 2, 10), dict(k=K12[::-1] * 0 + 1.0, method="slope"), names=("k_lo", "k_hi", "k")),
                 Call("too-few-for-extrapolation", (V12, 2, 10), dict(method="extrapolated"), names=("k_lo", "k_hi"))]),
    Entry(ntk.fit_spectrum_exponent, (V12, 2.0, 10.0), dict(k=K12, method="offset"), bad={"k": [K12[:5], np.full(12, np.nan)]}),
    # --- asymptotics
    Entry(ntk.loss_gradient_flow, (LAM, C2, T), dict(missing=0.1),
          bad={"lam": [-LAM, LAM[:3], LAM[None, :], [1.0, "x"]], "c2": [-C2, C2[:5], np.ones((2, 4))],
               "t": [-T, np.array([-1.0]), [0.0, "x"]], "missing": [-0.1, "1"]}),
    Entry(ntk.loss_gd, (LAM, C2, 0.5, np.arange(5)), dict(missing=0.0),
          bad={"lam": [-LAM, LAM[:3], np.ones((2, 4))], "c2": [-C2, C2[:4]],
               "eta": [0.0, -0.5, 2.0, 5.0, "0.5"], "n": [-1, 2.5, np.array([0.5, 1.0]), np.zeros(0), "x",
                                                       np.array([True]), np.array([np.nan])],
               "missing": [-1.0]}),
    Entry(ntk.theorem_constant, (1.0, 1.0, 2.0, 1.0),
          bad={"K": [0.0, -1.0], "Lam": [0.0, -1.0], "nu": [0.0, -2.0, 1e-300], "kappa": [0.0, -1.0, 1e300]}),
    Entry(ntk.nu_exponent, (2, 1.0), bad={"d": [0, -1, 2.5], "alpha": [0.0, -1.0, "1"]}),
    Entry(ntk.kappa_exponent, (2, 0), allow={"s": ["2.5"]},  # s: a real smoothness order >= 0
          bad={"d": [0, -1, 2.5], "s": [-1, -0.5, "0"]}),
    Entry(ntk.xi_exponent, (2, 1, 0), allow={"alpha": ["2.5"], "s": ["2.5"]},  # real alpha > 0, s >= 0
          bad={"d": [0, -1], "alpha": [0, -1], "s": [-1]}),
    Entry(ntk.c_d, (3,), bad={"d": [0, -1, 2.5, 10 ** 6, "3"]}),
    Entry(ntk.relu_symbol, (2, 0.25, 0.5), dict(sigma_w=1.0, sigma_b=1.0),
          bad=_scales(d=[0, -1, 10 ** 6], x_norm2=[-1.0, "1"], xn=[2.0, -2.0])),
    Entry(ntk.boundary_constant_1d, ([0.25, 0.75], [1.0, 1.0], lambda x: 1.0), dict(sigma_w=1.0, sigma_b=1.0),
          bad=_scales(jumps=[[0.25], [], [np.nan, 0.5], "ab", np.ones((2, 2))], heights=[[1.0], [np.inf, 1.0]],
                      density=[3.0, lambda x: -1.0, lambda x: np.nan, lambda x: 0.0, lambda x: "p"])),
    Entry(ntk.boundary_constant_ball, (2, 0.5), dict(h=1.0, sigma_w=1.0, sigma_b=1.0, alpha=1),
          bad=_scales(d=[0, -1, 2.5, 10 ** 6], R=[0.0, 1.0, 1.5, -0.5], h=["1"], alpha=[3, 0, 2.5])),
    Entry(ntk.boundary_constant_sphere, (2, 1.0), dict(h=1.0, sigma_w=1.0, sigma_b=1.0, alpha=1),
          bad=_scales(m=[0, -1, 2.5, 10 ** 6], beta=[0.0, math.pi, 4.0, -1.0], h=["1"], alpha=[3, 0, 5.0])),
    Entry(ntk.fit_loss_exponent, (TL, LL, 2.0, 500.0),
          bad={"t": [-TL, TL[:5], np.ones((2, 6)), [1.0, "x"]], "L": [-LL, np.zeros(12), LL[:4]],
               "t_lo": [0.0, -1.0, 600.0, 1e4], "t_hi": [1.0, 1e5, 0.0]}),
    # --- ready-made problems
    Entry(ntk.gram_problem_1d, (8, _indicator), dict(act=1, part="full", density="uniform"),
          bad=_scales(M=[1, 0, -1, 2.5, 10 ** 6], target=[3.0, None, _nan_target, _short_target, "f"], act=_ACT,
                      part=_PART, density=["normal", None])),
    Entry(ntk.sphere_problem, (2, 12), dict(beta=1.0, act=1, part="full"),
          bad=_scales(m=[0, 2.5], lmax=[0, -1, 10 ** 9], beta=[0.0, 4.0], act=_ACT, part=_PART)),
    Entry(ntk.ball_problem, (2, 6), dict(R=0.5, act=1, part="full"),
          bad=_scales(d=[1, 0, 2.5], Mr=[1, 0, 10 ** 6], R=[0.0, 1.0, -0.5, 2.0], act=_ACT, part=_PART)),
    # --- finite-width network
    Entry(ntk.init_antisymmetric, (4, 2), dict(seed=0),
          bad={"N": [3, 0, -2, 2.5, 10 ** 12], "d": [0, -1, 2.5], "seed": [-1, 2.5, "s"]}),
    Entry(ntk.network_output, (X2, *P6), dict(a_lazy=2.0, sigma_w=1.0, sigma_b=1.0),
          bad=_scales(X=[np.ones((5, 3)), np.ones((0, 2)), np.ones((2, 2, 2))], w=[np.ones((6, 3)), np.ones(6)],
                      b=[np.ones(5), np.ones((6, 1))], a=[np.ones(4)], a_lazy=[0.0, -1.0, 1e300])),
    Entry(ntk.empirical_ntk, (X2, *P6), dict(sigma_w=1.0, sigma_b=1.0),
          bad=_scales(X=[np.ones((5, 3)), np.ones((0, 2))], w=[np.ones((6, 3))], b=[np.ones(5)], a=[np.ones(7)])),
    Entry(ntk.train_gd, (XD, YD, P4), dict(a_lazy=1.0, eta=0.5, n_steps=4, record=[0, 2, 4], lam_max=1.0),
          bad=_scales(X=[np.ones((6, 2)), np.ones((0, 1)), np.ones((6, 1, 1))], y=[np.ones(5), np.ones((6, 1))],
                      params=[P4_NAN, (P4[0], P4[1]), (np.ones((4, 2)), P4[1], P4[2]), "abc", None],
                      a_lazy=[0.0, -1.0, 1e300], eta=[0.0, -1.0, 3.0], n_steps=[-1, 2.5],
                      record=[[5], [-1], [0.5], [], "a"], lam_max=[0.0, -1.0, np.nan]),
          allow={"lam_max": ["None"]},  # documented: no step-size check against lam_max
          extra=[Call("divergent-eta", (XD, YD, ntk.init_antisymmetric(8, 1, seed=2)),
                      dict(eta=200.0, n_steps=30), names=("eta",)),
                 Call("huge-y", (XD, np.full(6, 1e200), P4), dict(n_steps=2), names=("y", "X"))]),
    Entry(ntk.train_gd_numpy, (XD, YD, P4), dict(a_lazy=1.0, eta=0.5, n_steps=4, record=[0, 2, 4]),
          bad=_scales(X=[np.ones((6, 2)), np.ones((0, 1))], y=[np.ones(5)], params=[P4_NAN, (P4[0],), "abc"],
                      a_lazy=[0.0, -1.0], eta=[0.0, -1.0], n_steps=[-1, 2.5], record=[[5], [-1], [0.5], []]),
          extra=[Call("divergent-eta", (XD, YD, ntk.init_antisymmetric(8, 1, seed=2)),
                      dict(eta=200.0, n_steps=30), names=("eta",))]),
]

# --- any activation
# tiny sizes again: sphere_spectrum lmax 12, radial_spectrum lmax 3 / Mr 8, Grams on 5 points,
# measure_exponents on S^1 with lmax 12 (about 0.03 s once compiled)

X5 = _rng.standard_normal((5, 3))
X5_ORIGIN = X5.copy(); X5_ORIGIN[2] = 0.0
Q1 = np.array([1.0, 2.0])
Q2 = np.array([1.0, 0.5])
RHO = np.array([0.5, -0.3])
TH5 = np.linspace(0.0, math.pi, 5)
_BAD_ACT = ["softmax", "relu^13", "relu^-1", "relu^x", 13, -1, 1.5, None, True]


def _absf(z):
    return np.abs(z)


def _nan_fn(z):
    return np.full_like(z, np.nan)


def _inv_fn(z):
    return 1.0 / z                                  # inf at z = 0


def _short_fn(z):
    return np.ones(3)


def _flat_fn(z):
    return np.tanh(np.ravel(z))                     # right shape for 1-D input only


def _raising_fn(z):
    raise RuntimeError("boom")


def _nan_far(z):
    return np.where(np.abs(z) > 5e3, np.nan, np.tanh(z))    # finite on the probe range [-1e3, 1e3]


def _nan_far_deriv(z):
    return np.where(np.abs(z) > 5e3, np.nan, 1.0 - np.tanh(z) ** 2)


_ACT_NAN_FAR = ntk.Activation(_nan_far, _nan_far_deriv, name="nan-far", order=math.inf)


def _exp_density(r):
    return np.exp(-r)


def _zero_density(r):
    return 0.0 * r


def _negative_density(r):
    return r - 0.5


def _inf_density(r):
    return np.where(r > 0.5, np.inf, 1.0)


def _nan_density(r):
    return np.full_like(r, np.nan)


def _scalar_density(r):
    return 1.0


def _gap_density(r):
    return np.where((r > 0.6) & (r < 1.4), 1.0, 0.0)       # no midpoint node for Mr = 2


def _outer_density(r):
    return np.where(r > 1.0, 1.0, 0.0)              # vanishes on [0, 1]


_DENSITY = [3.0, "uniform", 2, None]
_DENSITY_FN = [_zero_density, _negative_density, _inf_density, _nan_density, _scalar_density]
_SCALE0 = {"sigma_w": [0.0, -1.0, 1e300, "1"], "sigma_b": [-1.0, 1e300, "1"]}   # sigma_b = 0 allowed: no bias
_INT_ACT = {"act": ["int-option"]}     # an integer act is relu^k
_WINDOW = [(10, 2), (5, 5), (0, 10), (-1, 10), (2, np.nan), (2, np.inf), (2,), (1, 2, 3), "ab", 5, None]

THETA_TABLE = ntk.ThetaTable("relu", 1.0, 2.0)
RS = ntk.radial_spectrum(2, 3, "relu", "ball", 8)
RDENS = ntk.RadialDensity(_gap_density, 3, 2.0)


def _table_ok(t):
    return bool(np.all(np.isfinite(t(TH5[TH5 <= t.theta_max]))))


ENTRIES += [
    Entry(ntk.Activation, (_absf, np.sign), dict(name="myabs", order=1, degree=1),
          # order and degree are real numbers (2.5 valid); order inf = smooth, None = unknown; degree None
          # = not homogeneous; any non-empty string is a name
          allow={"order": ["inf", "None", "2.5"], "degree": ["None", "2.5"], "name": ["unknown-option"]},
          bad={"fn": [3.0, "abs", _nan_fn, _inv_fn, _short_fn, _flat_fn, _raising_fn],
               "deriv": [2, "sign", _nan_fn, _short_fn, _flat_fn, _raising_fn],
               "name": ["", None], "order": [-0.5, np.nan], "degree": [-0.5]}),
    # the spec is reported as `activation` (the name under which every caller's `act` reaches it);
    # a relu^k power also as `k`
    Entry(ntk.activation, ("leaky_relu",), dict(slope=0.1),
          skip=("spec",),
          bad={"slope": [1.0, 1, np.float64(1.0)]},
          extra=[Call(f"spec={v!r}", (v,), names=("activation",)) for v in _BAD_ACT + ["no-such-option", ""]]
          + [Call("param-on-relu", ("relu",), dict(slope=0.1), names=("activation", "slope")),
             Call("unknown-param", ("leaky_relu",), dict(alpha=0.1), names=("activation", "alpha")),
             Call("param-on-Activation", (ntk.relu_power(2),), dict(k=2), names=("activation",))]),
    Entry(ntk.relu_power, (3,), bad={"k": [13, 10 ** 6, "3", 3.0, np.float64(2.0)]}),
    Entry(ntk.leaky_relu, (0.1,), bad={"slope": [1.0, 1, np.float64(1.0), [0.1], "0.1"]}),
    Entry(ntk.arccos_polynomials, (3,), bad={"k": [13, 100, 3.0, "3"]}),
    Entry(ntk.arccos_J_general, (2, TH5),
          allow={"theta": ["more-dims"]},  # elementwise: any array shape is valid
          bad={"k": [13, 2.5, "2"], "theta": [-0.1, 4.0, np.array([0.0, 3.5]), [0.1, "x"], np.zeros(0)]},
          extra=[Call("c-given", (2, TH5), dict(c=np.cos(TH5) + 0.5), names=("c",)),
                 Call("c-out-of-range", (2, TH5), dict(c=np.full(5, 1.5)), names=("c",)),
                 Call("c-nan", (2, TH5), dict(c=np.full(5, np.nan)), names=("c",)),
                 Call("c-shape", (2, TH5), dict(c=np.ones(3)), names=("c", "theta")),
                 Call("c-str", (2, TH5), dict(c="x"), names=("c",)),
                 Call("s-given", (2, TH5), dict(s=np.sin(TH5) + 0.5), names=("s",)),
                 Call("s-negative", (2, TH5), dict(s=-np.sin(TH5)), names=("s",)),
                 Call("s-inf", (2, TH5), dict(s=np.full(5, np.inf)), names=("s",)),
                 Call("s-shape", (2, TH5), dict(s=np.ones((2, 2))), names=("s", "theta"))]),
    Entry(ntk.kernel_alpha, ("relu^2", "full"),
          allow={"act": ["int-option"]},  # an integer k is relu^k
          bad={"act": _BAD_ACT, "part": ["hidden", 1, None, ["full"]]},
          extra=[Call("heaviside-full", ("heaviside", "full"), names=("part",)),
                 Call("unknown-order", (ntk.Activation(np.tanh), "output"), names=("order",))]),
    Entry(ntk.dual_kernel, ("relu", Q1, Q2, RHO), dict(part="full", method="auto"),
          # broadcasting: any shape; an integer act is relu^k
          allow={"q1": ["more-dims"], "q2": ["more-dims"], "rho": ["more-dims"], "act": ["int-option"]},
          bad={"act": _BAD_ACT, "part": _PART, "method": ["closed ", 1, None],
               "q1": [np.array([0.0, 1.0]), np.array([-1.0, 1.0]), np.ones(3), [1.0, "a"]],
               "q2": [np.array([1.0, 0.0]), np.ones((3, 1, 4))],
               "rho": [np.array([5.0, 0.0]), np.array([0.0, -1.5]), np.ones(3)],
               "sin_theta": [np.array([1.5, 0.5]), np.array([-0.1, 0.5]), np.array([np.nan, 0.5]), np.ones(3),
                             np.array([0.0, 0.0]), "x"]},
          extra=[Call("heaviside-full", ("heaviside", 1.0, 1.0, 0.5), dict(part="full"), names=("part",)),
                 Call("tanh-closed", ("tanh", 1.0, 1.0, 0.5), dict(method="closed"), names=("method",)),
                 Call("relu-fourier", ("relu", 1.0, 1.0, 0.5), dict(method="fourier"), names=("method",)),
                 Call("no-deriv-input", (ntk.Activation(_absf, order=1, degree=1), 1.0, 1.0, 0.5), dict(part="input"),
                      names=("deriv", "part")),
                 Call("act-nan-beyond-probe", (_ACT_NAN_FAR, 1e8, 1e8, 0.0), dict(part="output", method="polar"),
                      names=("act",))]),
    Entry(ntk.dual_kernel, ("tanh", 1.0, 2.0, 0.5), dict(part="output", method="hermite"),
          bad={"q1": [0.0, -1.0], "rho": [2.0, -2.0]}),
    Entry(ntk.activation_gram, (X5,), dict(act="relu", part="full", sigma_w=1.0, sigma_b=1.0, method="auto"),
          allow=_INT_ACT,
          bad={**_SCALE0, "X": [np.ones((3, 0)), np.ones(4), np.full((2, 2), 1e200), [[1.0, "a"]]],
               "Y": [np.ones((2, 2)), np.full((2, 3), np.nan), np.ones((0, 3)), np.ones((2, 3, 1)), "abc"],
               "act": _BAD_ACT, "part": _PART, "method": ["closed ", 1, None, "fourier"]},
          extra=[Call("heaviside-full", (X5,), dict(act="heaviside", part="full"), names=("part",)),
                 Call("tanh-closed", (X5,), dict(act="tanh", method="closed"), names=("method",)),
                 Call("origin-without-bias", (X5_ORIGIN,), dict(sigma_b=0.0), names=("X", "sigma_b")),
                 Call("Y-origin-without-bias", (X5, X5_ORIGIN), dict(sigma_b=0.0), names=("Y", "sigma_b")),
                 Call("act-nan-beyond-probe", (X5 * 1e4,), dict(act=_ACT_NAN_FAR, part="output", method="polar"),
                      names=("act", "X")),
                 Call("huge-gram", (np.ones((40000, 1)),), names=("X",))]),
    Entry(ntk.activation_gram, (X5[:4], X5[:3]), dict(act="tanh", part="output", sigma_w=1.0, sigma_b=0.0),
          allow=_INT_ACT),
    Entry(ntk.ThetaTable, ("relu", 1.0, 2.0), dict(part="full", method="auto", theta_max=3.0, n_panels=16, degree=23),
          allow=_INT_ACT,
          check=_table_ok,
          bad={"act": _BAD_ACT, "part": _PART, "method": ["closed ", 1, None, "fourier"],
               "q1": [0.0, -1.0, np.inf, np.ones(2)], "q2": [0.0, -1e-300], "theta_max": [0.0, -1.0, 4.0, np.ones(2)],
               "n_panels": [0, 257], "degree": [1, 65]},
          extra=[Call("tanh-closed", ("tanh", 1.0, 1.0), dict(method="closed"), names=("method",)),
                 Call("too-coarse", ("tanh", 1.0, 1.0), dict(n_panels=1, degree=2), names=("n_panels", "degree"))]),
    Entry(THETA_TABLE.__call__, (TH5,),
          allow={"theta": ["more-dims"]},  # elementwise: any array shape is valid
          bad={"theta": [np.array([-0.1, 1.0]), np.array([4.0]), [0.1, "x"], None]}),
    Entry(ntk.hermite_coefficients, ("tanh", np.array([0.5, 1.0])), dict(n_max=600, derivative=False, rtol=1e-17),
          allow=_INT_ACT,
          bad={"act": _BAD_ACT, "q": [np.array([-1.0, 1.0]), np.ones((2, 2)), [1.0, "a"], np.array([1e300])],
               "n_max": [0, 601, 10 ** 6], "rtol": [0.0, -1e-17, 1.0, 2.0]},
          extra=[Call("stein-q0", (ntk.Activation(np.tanh, order=math.inf), np.array([0.0, 1.0])),
                      dict(derivative=True), names=("q",)),
                 Call("relu-not-smooth", ("relu", np.array([1.0])), dict(n_max=50), names=("act", "method")),
                 Call("act-nan-beyond-probe", (_ACT_NAN_FAR, np.array([1e6])), names=("act", "q"))]),
    Entry(ntk.sphere_spectrum, (2, 12), dict(act="relu", part="full", sigma_w=1.0, sigma_b=1.0, n_nodes=8,
                                             method="auto"),
          allow=_INT_ACT,
          bad={**_SCALE0, "m": [0, -1, 2.5], "lmax": [0, -1, 10 ** 9], "act": _BAD_ACT, "part": _PART,
               "method": ["closed ", 1, None, "fourier"], "n_nodes": [0, 10 ** 6, 2.5]},
          extra=[Call("heaviside-full", (2, 12), dict(act="heaviside", part="full"), names=("part",)),
                 Call("tanh-closed", (2, 12), dict(act="tanh", method="closed"), names=("method",)),
                 Call("act-nan-beyond-probe", (2, 12), dict(act=_ACT_NAN_FAR, part="output", sigma_w=1e4,
                                                            method="polar"), names=("act", "sigma_w"))]),
    Entry(ntk.sphere_spectrum, (3, 8), dict(act="tanh", part="output", sigma_b=0.0, n_nodes=8), allow=_INT_ACT),
    Entry(ntk.radial_spectrum, (2, 3), dict(act="relu", density="ball", Mr=8, part="full", sigma_w=1.0, sigma_b=1.0,
                                            method="auto", scale=1.0),
          allow=_INT_ACT,
          bad={**_SCALE0, "d": [1, 0, 2.5], "lmax": [-1, 401, 2.5], "Mr": [3, 513, 2.5], "act": _BAD_ACT,
               "part": _PART, "method": ["closed ", 1, None, "fourier"], "density": _DENSITY,
               "scale": [0.0, -1.0, 1e300], "r_max": [0.0, -1.0, np.nan, np.inf, "1", 1e300]},
          extra=[Call(f"density-{f.__name__}", (2, 3), dict(density=f, Mr=8, r_max=1.0), names=("density",))
                 for f in _DENSITY_FN + [_outer_density]]
          + [Call("callable-without-r_max", (2, 3), dict(density=_exp_density, Mr=8), names=("r_max",)),
             Call("density-d-mismatch", (3, 3), dict(density=ntk.radial_density("ball", 2), Mr=8), names=("density", "d")),
             Call("gaussian-far-r_max", (2, 3), dict(density="gaussian", Mr=8, r_max=1e5), names=("density", "r_max")),
             Call("heaviside-full", (2, 3), dict(act="heaviside", part="full", Mr=8), names=("part",)),
             Call("tanh-closed", (2, 3), dict(act="tanh", method="closed", Mr=8), names=("method",))]),
    Entry(RS.radial_target, (np.ones(8),), bad={"y": [np.ones(7), np.ones((8, 1)), [1.0] * 7 + ["a"], None]}),
    Entry(RS.values, (), dict(k_max=5), allow={"k_max": ["None"]},  # documented: all eigenvalues
          bad={"k_max": [0, "5", 5.0]}),
    Entry(ntk.radial_density, ("gaussian", 3), dict(scale=0.5, r_max=4.0),
          skip=("spec",),
          allow={"r_max": ["None"]},  # documented default: the law's own support
          bad={"d": [0, -1, 2.5, "3"], "scale": [0.0, -1.0, "1"], "r_max": [0.0, -1.0, "1"]},
          # the spec is reported as `density` (the name under which radial_spectrum passes it)
          extra=[Call(f"spec={v!r}", (v, 3), names=("density",)) for v in _DENSITY + ["no-such-option"]]
          + [Call(f"spec-{f.__name__}", (f, 3), dict(r_max=1.0), names=("density",)) for f in _DENSITY_FN]
          + [Call("callable-without-r_max", (_exp_density, 3), names=("r_max",))]),
    Entry(ntk.RadialDensity, (_exp_density, 3, 2.0), dict(name="exp"),
          allow={"name": ["unknown-option"]},  # any non-empty string is a name
          skip=("p",),
          bad={"d": [0, -1, 10 ** 6], "r_max": [0.0, -1.0, 1e300], "name": ["", None]},
          extra=[Call(f"p-{f.__name__}", (f, 3, 1.0), names=("density",))
                 for f in _DENSITY_FN + [_outer_density, _raising_fn]]
          + [Call(f"p={v!r}", (v, 3, 1.0), names=("density",)) for v in (3.0, "ball", None)]),
    Entry(RDENS.weights, (8,), bad={"Mr": [1, 4097, 10 ** 9]},
          extra=[Call("vanishes-at-nodes", (2,), names=("density", "Mr"))]),
    Entry(ntk.predicted_exponents, ("relu", "full", "sphere", 3),
          allow={"act": ["int-option"]},  # an integer k is relu^k
          bad={"act": _BAD_ACT, "part": _PART, "data": ["cube", None, 1], "d": [1, 0, 2.5]},
          extra=[Call("heaviside-full", ("heaviside", "full", "ball", 3), names=("part",)),
                 Call("unknown-order", (ntk.Activation(np.tanh), "output", "ball", 3), names=("order",))]),
    Entry(ntk.local_exponent, (K12, V12, 10.0),
          bad={"k": [K12[:5], -K12, np.ones((2, 6)), [1.0, "x"]], "values": [-V12, V12[:6], np.ones((2, 6))],
               "at": [0.0, -1.0, 1.0, 1e6, np.ones(2)]}),
    Entry(ntk.measure_exponents, ("relu", "sphere", 2), dict(part="full", sigma_w=1.0, sigma_b=1.0, lmax=12, Mr=8,
                                                             k_window=(2, 10), t_window=(1.0, 10.0), n_t=5),
          allow={"act": ["int-option"]},  # an integer k is relu^k
          bad={**_SCALE0, "sigma_b": [0.0, -1.0, 1e300, "1"],  # Eq. (T1.53) assumes a bias: sigma_b > 0
               "act": _BAD_ACT, "data": ["cube", None, 1], "d": [1, 0], "part": _PART,
               "lmax": [0, 10 ** 6], "Mr": [3, 341], "n_t": [4, 10 ** 5],
               "k_window": _WINDOW + [(2, 10 ** 6), (1, 2)], "t_window": _WINDOW + [(1.0, 1e9)]},
          extra=[Call("heaviside-full", ("heaviside", "sphere", 2), dict(lmax=12, k_window=(2, 10),
                                                                         t_window=(1.0, 10.0)), names=("part",))]),
]
