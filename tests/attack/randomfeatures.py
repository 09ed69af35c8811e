"""Bad-input registry of ``scalinglaws.randomfeatures`` (see ``engine``).

Theory sizes ``N``, ``P`` are real numbers >= 1 or ``np.inf`` (infinite width / online limit; the
theory is continuous in N and P, so the automatic mutation 2.5 is valid there); simulation sizes are
integers >= 1, ``None`` or ``np.inf``.  ``allow`` lists the automatic mutations that are such
documented valid values.
"""
import numpy as np

from scalinglaws import randomfeatures as rf

from .engine import Call, Entry

SP = rf.power_law_spectrum(1.5, 1.25, 200)          # exact modes, M = 200
T = np.array([0.5, 2.0, 10.0])
S12, _W12 = rf.talbot_nodes(12)
Z = S12 / 10.0                                       # Talbot nodes at t = 10 (Im z > 0)

# a synthetic positive loss surface for compute_frontier (no theory run needed)
NS = np.geomspace(8, 128, 5)
TF = np.geomspace(1.0, 1e4, 12)
LG = NS[:, None] ** -0.5 + TF[None, :] ** -0.5
CF = np.geomspace(200.0, 5e4, 5)

# real features: a positive-definite 6 x 6 "K/M" and a pool of 20 inputs with 10 features
_XF = np.random.default_rng(0).standard_normal((6, 18))
KF = _XF @ _XF.T / 18 / 6
YF = np.linspace(-1.0, 1.0, 6)
PSI_F = np.random.default_rng(1).standard_normal((20, 10))
Y_F = np.linspace(-1.0, 1.0, 20)

_TIMES_BAD = [np.array([5e-324, 1.0]), np.array([0.0, 1.0]), np.array([-1.0]), np.array([1e300]),
              [1.0, "x"], np.array([1.0, 1e-320])]
_SIZE_BAD = [0, -3, 0.5, 1000, 1e9]                  # < 1, or > M = 200
_N_TALBOT_BAD = [0, 1, 4, 25, 64, 65, 12.0]

ENTRIES = [
    # --- spectra
    Entry(rf.power_law_spectrum, (1.5, 1.25, 200), dict(K0=1000, n_bins=1500, binned=None),
          bad={"a": [1.0, 0.5, -2.0, 1e400], "b": [0.0, -1.0, 1000.0], "M": [0, 10 ** 20, 200.5, "200"],
               "K0": [0, -5], "n_bins": [0, -1], "binned": ["yes", 1, 0.0]},
          allow={"M": ["inf"]},          # M = np.inf is the documented infinite spectrum (b > 1)
          extra=[Call("M=inf,b<=1", (1.5, 0.8, np.inf), names=("b",)),
                 Call("exact-too-large", (1.5, 1.25, 10 ** 8), dict(binned=False), names=("M", "binned"))]),
    Entry(rf.Spectrum, (1.5, 1.25, 200, SP.lam, SP.c, SP.mult, False),
          bad={"a": [1.0, -1.0], "b": [0.0, -2.0], "M": [0, -1, 2.5, 199],
               "lam": [-SP.lam, np.zeros(200), SP.lam[:10]], "c": [-SP.c, SP.c[:3]],
               "mult": [np.zeros(200), -SP.mult, SP.mult[:5]], "binned": [1, "no"]},
          extra=[Call("infinite_M=2", (1.5, 1.25, 200, SP.lam, SP.c, SP.mult, False, 2), names=("infinite_M",))]),
    Entry(rf.talbot_nodes, (12,), bad={"n": _N_TALBOT_BAD}),
    # --- kappa
    Entry(rf.solve_kappa, (SP, Z, 100, 150), dict(kappa_init=None, tol=1e-13, maxit=200, method="numba"),
          bad={"spec": ["abc", None, 3.0],
               "z": [0.0, -1.0, np.array([1 + 1j, -2 + 0j]), np.array([1 + 1j, np.nan]), np.zeros(0, complex),
                     np.array([[1 + 1j, 2 + 1j]]), "abc", np.array([1 + 1j, np.inf])],
               "kappa_init": [np.concatenate([Z, Z]), Z[:3], np.full(Z.size, np.nan + 0j), np.zeros(Z.size, complex),
                              "abc", np.array([[1 + 1j]])],
               "N": _SIZE_BAD, "P": _SIZE_BAD,
               "tol": [0.0, -1e-3, 2.0], "maxit": [0, -1, True, 10 ** 9], "method": ["fortran"]},
          allow={"N": ["inf", "2.5"], "P": ["inf", "2.5"]}),   # infinite width / online limit
    Entry(rf.kappa_static, (SP, 50.0), bad={"spec": ["abc", None], "X": [0.0, -1.0, 0.5, True]},
          allow={"X": ["inf"]}),                  # documented: kappa = 0 for X = inf
    # --- losses
    Entry(rf.loss_online, (SP, 100, T), dict(n=12, method="numba"),
          bad={"spec": ["abc", None], "N": _SIZE_BAD, "t": _TIMES_BAD, "n": _N_TALBOT_BAD, "method": ["fortran", 1]},
          allow={"N": ["inf", "2.5"]}),
    Entry(rf.losses, (SP, 100, 150, T), dict(n=12),
          bad={"spec": ["abc"], "N": _SIZE_BAD, "P": _SIZE_BAD, "t": _TIMES_BAD, "n": _N_TALBOT_BAD},
          allow={"N": ["inf", "2.5"], "P": ["inf", "2.5"]}),
    Entry(rf.mode_transfer, (SP, 100, 150, T), dict(n=12),
          bad={"spec": ["abc"], "N": _SIZE_BAD, "P": _SIZE_BAD, "t": _TIMES_BAD, "n": _N_TALBOT_BAD},
          allow={"N": ["inf", "2.5"], "P": ["inf", "2.5"]}),
    Entry(rf.bias, (SP, 64, np.inf, T), dict(n=12),
          bad={"spec": ["abc"], "N": _SIZE_BAD, "P": _SIZE_BAD, "t": _TIMES_BAD, "n": _N_TALBOT_BAD},
          allow={"N": ["inf", "2.5"], "P": ["inf", "2.5"]}),
    Entry(rf.ensemble_loss, (SP, 64, 4, T), dict(n=12),
          bad={"spec": ["abc"], "N": _SIZE_BAD, "E": [0, -1, 4.0], "t": _TIMES_BAD, "n": _N_TALBOT_BAD},
          allow={"N": ["inf", "2.5"]}),
    # --- static limits
    Entry(rf.static_model_limit, (SP, 100), bad={"spec": ["abc"], "N": _SIZE_BAD},
          allow={"N": ["2.5"]}),         # continuous width
    Entry(rf.static_data_limit, (SP, 100), bad={"spec": ["abc"], "P": _SIZE_BAD},
          allow={"P": ["2.5"]}),         # continuous sample size
    Entry(rf.first_order_width_correction, (SP, T), dict(method="numba"),
          bad={"spec": ["abc"], "t": _TIMES_BAD, "method": ["fortran"]}),
    # --- frontier and exponents
    Entry(rf.compute_frontier, (SP, NS, TF, CF), dict(n=12, Lgrid=LG),
          bad={"spec": ["abc"], "Ns": [NS[:3], NS[::-1], -NS, NS * 100, np.array([8, 8, 16, 32.0])],
               "t": [TF[::-1], -TF, np.array([1.0, 1.0, 2.0, 3.0]), np.array([5e-324, 1.0, 2.0, 3.0])],
               "C": [-CF, np.zeros(3), np.array([1.0, np.nan])], "n": _N_TALBOT_BAD,
               "Lgrid": [LG[:, :3], -LG, LG.T, np.zeros_like(LG), "abc", LG.ravel()]},
          extra=[Call("Lgrid-nan", (SP, NS, TF, CF), dict(n=12, Lgrid=np.where(LG > 0.5, np.nan, LG)),
                      names=("Lgrid",))]),
    Entry(rf.predicted_exponents, (2.0, 1.5), bad={"a": [1.0, 0.0, -1.0], "b": [0.0, -1.0]}),
    # --- simulation
    Entry(rf.simulate, (1.5, 1.25, 64, 16, 32, T), dict(n_seeds=2, seed=0, eta=None, executor="auto"),
          bad={"a": [1.0, 0.0], "b": [0.0, -1.0, 1000.0], "M": [0, 64.0, 10 ** 9], "N": [0, 65, 16.0, "16"],
               "P": [0, 65, 32.0], "t": [np.array([0.0, 1.0]), np.array([-1.0]), [1.0, "x"]],
               "n_seeds": [1, 0, 2.0], "seed": [-1, 2.5, "x"], "eta": [0.0, -0.1, float("nan"), "x", True, np.inf],
               "executor": ["threads", 3]},
          allow={"N": ["inf", "None"], "P": ["inf", "None"]},   # kernel limit / online limit
          extra=[Call("eta-unstable", (1.5, 1.25, 64, 16, 32, np.array([5.0, 10.0])), dict(n_seeds=2, eta=5.0),
                      names=("eta",)),
                 Call("t-not-multiple-of-eta", (1.5, 1.25, 64, 16, 32, np.array([0.5, 0.75])),
                      dict(n_seeds=2, eta=0.5), names=("t", "eta"))]),
    Entry(rf.simulate_ensemble, (1.5, 1.25, 64, 16, 2, T), dict(n_seeds=2, seed=0),
          bad={"a": [1.0], "b": [0.0], "M": [0, 10 ** 9], "N": [0, 65, None, np.inf, 16.0],
               "E": [0, -1, 2.0, 10 ** 9], "t": [np.array([0.0, 1.0]), np.array([-1.0])],
               "n_seeds": [1, 0], "seed": [-1, "x", 2.5]}),
    Entry(rf.draw_loss, (1.5, 1.25, 64, 16, 32, T, np.random.default_rng(0)), dict(eta=None),
          bad={"a": [1.0], "b": [0.0, 1000.0], "M": [0, 64.0], "N": [0, 65, 16.0], "P": [0, 65, 32.0],
               "t": [np.array([-1.0]), [1.0, "x"], np.array([np.nan])],
               "rng": ["abc", 3, None, np.random.RandomState(0)],
               "eta": [0.0, -0.1, float("nan"), "x", True, 10.0]},
          allow={"N": ["inf", "None"], "P": ["inf", "None"]},   # kernel limit / online limit
          extra=[Call("t-not-multiple-of-eta", (1.5, 1.25, 64, 16, 32, np.array([0.5, 0.75]),
                                                np.random.default_rng(0)), dict(eta=0.5), names=("t", "eta")),
                 Call("eta-unstable", (1.5, 1.25, 64, 16, 32, np.array([5.0, 10.0]), np.random.default_rng(0)),
                      dict(eta=5.0), names=("eta",)),
                 Call("eta-unstable-online", (1.5, 1.25, 64, None, None, np.array([4.0]), np.random.default_rng(0)),
                      dict(eta=2.0), names=("eta",))]),
    Entry(rf.decay_factor, (np.array([0.1, 0.5, 1.0]), T), dict(eta=None),
          bad={"mu": [np.array([-1.0, 0.5]), np.array([[0.1]]), "abc"],
               "t": [np.array([-1.0]), np.array([[1.0]])],
               "eta": [0.0, -0.1, float("nan"), "x", True, np.inf]},
          extra=[Call("eta-unstable", (np.array([0.1, 0.5, 1.0]), np.array([2.0, 4.0])), dict(eta=2.0), names=("eta",)),
                 Call("t-not-multiple-of-eta", (np.array([0.1]), np.array([0.3])), dict(eta=0.2), names=("t", "eta"))]),
    # --- real features
    Entry(rf.kernel_features, (KF, YF),
          bad={"K_over_M": [KF[:3], -KF, np.ones((6, 6)), KF + np.triu(KF, 1), np.full((6, 6), np.nan), "abc",
                            np.zeros((6, 6)), KF[:1, :1]],
               "y": [YF[:3], np.full(6, np.nan), "abc", YF[:, None]]}),
    Entry(rf.simulate_features, (PSI_F, Y_F, 4, 6, T), dict(n_seeds=2, seed=0, eta=None),
          bad={"psi": [PSI_F[:1], PSI_F[:, :, None], np.full_like(PSI_F, np.nan), "abc"],
               "y": [Y_F[:3], np.zeros(20), np.full(20, np.inf)],
               "N": [0, 11, 4.0, "4"], "P": [0, 11, 6.0],
               "t": [np.array([0.0, 1.0]), np.array([-1.0]), [1.0, "x"], np.array([2.0, 1.0])],
               "n_seeds": [1, 0, 2.0], "seed": [-1, 2.5, "x"], "eta": [0.0, -0.1, float("nan"), "x", True, np.inf]},
          allow={"N": ["inf", "None"], "P": ["inf", "None"]},   # no projection / population gradient flow
          extra=[Call("eta-unstable", (PSI_F, Y_F, 4, 6, np.array([50.0, 100.0])), dict(n_seeds=2, eta=50.0),
                      names=("eta",)),
                 Call("t-not-multiple-of-eta", (PSI_F, Y_F, 4, 6, np.array([0.5, 0.75])), dict(n_seeds=2, eta=0.5),
                      names=("t", "eta"))]),
]
