"""Bad-input registry of ``scalinglaws.deeplinear`` (see ``engine``).

Tiny sizes throughout (T <= 8, L <= 2, D <= 8, K <= 6 modes) so that the whole registry runs in
seconds once numba has compiled the kernels.  Divergence (a loss above ``DIVERGENCE_FACTOR L(0)``)
is a documented outcome, not an error: ``DMFTResult.diverged`` for the DMFT solvers, ``inf`` from
the diverged step on for the curves returned as arrays (simulators, closed forms, linear
regression); those calls are ``extra`` cases with ``flagged``.
"""
import numpy as np

from scalinglaws import deeplinear as dl

from .engine import Call, Entry

LAM, B2 = dl.powerlaw_spectrum(6, 1.5, 0.5)
W6 = np.ones(6)

_SIZE = [0, -3, 2.5, 10 ** 12]            # an integer >= 1 (10**12: too large for memory/time)
_POS = [0, -1.0, -1e-300]                  # a number > 0
_NONNEG = [-0.1, -1e-300]                  # a number >= 0
_LAM_BAD = [-LAM, np.zeros(6), LAM[:3], LAM[None, :], np.array([1.0, np.nan, 1, 1, 1, 1]), [1.0, "x"]]
_B2_BAD = [-B2, B2[:4], np.full(6, np.inf), np.array([[1.0]]), [1.0, "x"]]


def _inf_tail(r):
    """the array convention of divergence: the loss curve ends in inf (test curve first)"""
    c = r[0] if isinstance(r, tuple) else r
    return bool(np.isinf(c[-1]))


def _div(r):
    return bool(r.diverged)


def _finite_result(r):
    """a valid DMFTResult: finite curves and kernels, not diverged (``params`` may hold N = inf)"""
    return (not r.diverged) and all(np.all(np.isfinite(a)) for a in (r.test, r.train, r.Cg1, r.H)) \
        and np.all(r.test >= 0) and np.all(r.train >= 0)


# a small rank-one-step system: D = 3, N = 4, L = 2 (one hidden N x N matrix)
_rng = np.random.default_rng(0)
W0 = _rng.standard_normal((4, 3)); WS = [_rng.standard_normal((4, 4))]; WV = _rng.standard_normal(4)
E3 = _rng.standard_normal(3)
X5 = _rng.standard_normal((5, 3)); Y5 = _rng.standard_normal(5)
_W_BAD = [[np.ones((3, 3))], "abc", [np.full((4, 4), np.nan)], np.ones((4, 4)), [np.ones((4, 4), dtype=int)]]

ETAS = np.geomspace(0.01, 1.0, 5)


def _quad(eta):      # a positive loss with its minimum inside ETAS
    return 1.0 + np.log(eta / 0.1) ** 2


def _theory(par, width, eta):
    return 1.0 + np.log(eta / 0.1) ** 2 / width


def _nan_loss(eta):
    return float("nan")


_ETAS_BAD = [ETAS[::-1], -ETAS, np.array([0.1, 0.1, 0.2]), ETAS[:2], np.array([0.0, 0.1, 1.0]), ETAS[None, :],
             [0.1, "x", 1.0]]

ENTRIES = [
    # --- DMFT (isotropic): causal full batch, causal residual, fixed point
    Entry(dl.dmft_dln, (1, 1.0, 1.0, 0.1, 6),
          dict(alpha=2.0, sigma=0.1, parameterization="mup", centred=False, residual=False, method="causal"),
          bad={"L": _SIZE, "nu": _POS, "gamma0": _POS + [1e400], "eta0": _POS, "T": _SIZE, "alpha": _POS,
               "sigma": _NONNEG, "parameterization": ["NTK", "", None], "centred": [0, None, np.array([True])],
               "residual": [0, 1.0], "method": ["numpy", None]},
          allow={"nu": ["inf"],               # documented: infinite width in muP
                 "alpha": ["None"]},          # documented: population GD
          extra=[Call("alpha+alpha_B", (1, 1.0, 1.0, 0.1, 6), dict(alpha=2.0, alpha_B=1.0), names=("alpha",)),
                 Call("branch-without-residual", (1, 1.0, 1.0, 0.1, 6), dict(branch=0.5), names=("branch",)),
                 Call("ntk,nu=inf", (1, np.inf, 1.0, 0.1, 6), dict(parameterization="ntk"), names=("nu",)),
                 Call("alpha_B=0", (1, 1.0, 1.0, 0.1, 6), dict(alpha_B=0.0), names=("alpha_B",)),
                 Call("alpha_B=nan", (1, 1.0, 1.0, 0.1, 6), dict(alpha_B=np.nan), names=("alpha_B",)),
                 Call("divergent-eta0", (1, 1.0, 1.0, 3.0, 8), flagged=_div),
                 Call("divergent-eta0-full-batch", (2, 1.0, 1.0, 3.0, 8), dict(alpha=2.0), flagged=_div)]),
    Entry(dl.dmft_dln, (2, 1.0, 1.0, 0.1, 5), dict(residual=True, branch=0.5),
          bad={"branch": [-0.5, np.nan, np.inf, "x", True]},
          allow={"nu": ["inf"],               # documented: infinite width in muP
                 "branch": ["None"]},         # documented: default beta0/sqrt(L)
          extra=[Call("residual-fixed-point", (2, 1.0, 1.0, 0.1, 5), dict(residual=True, method="fixed_point"),
                      names=("method",)),
                 Call("residual-beta0<0", (2, 1.0, 1.0, 0.1, 5), dict(residual=True, beta0=-1.0), names=("beta0",)),
                 Call("residual-beta0=nan", (2, 1.0, 1.0, 0.1, 5), dict(residual=True, beta0=np.nan),
                      names=("beta0",)),
                 Call("residual-divergent", (2, 1.0, 1.0, 4.0, 8), dict(residual=True), flagged=_div)]),
    Entry(dl.dmft_dln, (1, 1.0, 1.0, 0.1, 6), dict(alpha=2.0, method="fixed_point", window=2),
          bad={"window": [0, -1, 1.5, "2"]},
          allow={"nu": ["inf"], "alpha": ["None"]},   # infinite width (muP), population GD
          extra=[Call("fixed-point-divergent", (1, 1.0, 1.0, 3.0, 8), dict(method="fixed_point"), flagged=_div),
                 Call("fixed-point-divergent-fb", (2, 1.0, 1.0, 3.0, 8), dict(alpha=2.0, method="fixed_point"),
                      flagged=_div),
                 Call("fixed-point-divergent-sgd", (1, 1.0, 1.0, 3.0, 8), dict(alpha_B=1.0, method="fixed_point"),
                      flagged=_div)]),
    Entry(dl.dmft_dln, (1, 2.0, 1.0, 0.1, 6), dict(alpha_B=1.0, parameterization="ntk"),
          bad={"alpha_B": _POS}, allow={"alpha_B": ["None"]}),   # None: population GD
    # --- DMFT (power law): infinite-width fast path, general kernel
    Entry(dl.dmft_powerlaw, (1, 1.0, 0.2, 6, LAM, B2), dict(sigma=0.1, method="auto"),
          bad={"L": _SIZE, "gamma0": _POS, "eta0": _POS, "T": _SIZE, "lam": _LAM_BAD, "b2": _B2_BAD,
               "sigma": _NONNEG, "method": ["causal", None]},
          check=_finite_result,
          extra=[Call("divergent-eta0", (1, 1.0, 50.0, 8, LAM, B2), flagged=_div)]),
    Entry(dl.dmft_powerlaw, (1, 1.0, 0.2, 5, LAM, B2), dict(N=16.0, batch=4, weights=W6, method="modes"),
          bad={"N": _POS, "batch": [0, -1, 2.5, np.inf], "weights": [-W6, np.zeros(6), W6[:3], W6[None, :]]},
          allow={"N": ["inf"],                # documented: infinite width
                 "batch": ["None"],           # documented: population GD
                 "weights": ["None"]},        # documented: unit weights
          extra=[Call("divergent-eta0", (1, 1.0, 50.0, 8, LAM, B2), dict(N=16.0, method="modes"), flagged=_div)]),
    Entry(dl.gamma0_of, ("ntk", 1.0, 4.0),
          bad={"parameterization": ["NTK", None, 1], "gamma_base": _POS, "nu": _POS},
          allow={"nu": ["inf"]},              # inf is valid for muP; for ntk it raises (extra below)
          extra=[Call("ntk,nu=inf", ("ntk", 1.0, np.inf), names=("nu",)),
                 Call("ntk,nu-underflow", ("ntk", 1e-300, 1e300), names=("gamma_base", "nu"))]),
    Entry(dl.linear_regression_dmft, (0.1, 6, 2.0, 0.1),
          bad={"eta": _POS, "T": _SIZE, "alpha": _POS, "sigma": _NONNEG},
          extra=[Call("divergent-eta", (10.0, 8, 2.0), flagged=_inf_tail),
                 Call("divergent-eta-small-alpha", (5.0, 8, 0.5, 0.3), flagged=_inf_tail)]),
    # --- closed forms
    Entry(dl.lazy_population_loss, (1, 0.1, 6), dict(gamma_tilde=1.0, sigma=0.1),
          bad={"L": _SIZE[:3], "eta0": _POS, "T": _SIZE, "gamma_tilde": _POS + [1e-200], "sigma": _NONNEG + [1e200]},
          extra=[Call("divergent-eta0", (1, 5.0, 8), flagged=_inf_tail)]),
    Entry(dl.lazy_powerlaw_loss, (1, 0.1, 6, LAM, B2), dict(weights=W6),
          bad={"L": _SIZE[:3], "eta0": _POS, "T": _SIZE, "lam": _LAM_BAD, "b2": _B2_BAD,
               "weights": [-W6, np.zeros(6), W6[:3], W6[None, :]]},
          allow={"weights": ["None"]},        # documented: unit weights
          extra=[Call("divergent-eta0", (1, 50.0, 8, LAM, B2), flagged=_inf_tail)]),
    Entry(dl.rich_exponent, (0.5,), bad={"beta": [0, -0.5, 1e400]}),
    # --- the lazy edge of stability (free probability)
    Entry(dl.stability_edge, (2, 1.0), dict(alpha=2.0, parameterization="ntk"),
          bad={"L": [0, -1, 2.5, 10 ** 12], "nu": _POS, "alpha": _POS, "parameterization": ["NTK", None, 1]},
          allow={"nu": ["inf"], "alpha": ["None", "inf"]},   # documented: infinite width; population GD
          check=lambda e: 0 < e.eta_max < e.infinite_width_eta_max and np.isfinite(e.lam_max)),
    Entry(dl.ntk_moments, (2, 1.0, 6), dict(alpha=0.5),
          bad={"L": [0, -1, 2.5, 10 ** 12], "nu": _POS, "n": [-1, 2.5, 10 ** 6], "alpha": _POS},
          allow={"nu": ["inf"], "alpha": ["None", "inf"]},
          check=lambda m: m[0] == 1 and abs(m[1] - 3) < 1e-12 and np.all(np.isfinite(m)),
          extra=[Call("moment-overflow", (10, 1.0, 300), names=("n",))]),
    Entry(dl.StabilityEdge(2, 1.0, None, "mup", 10.0, 0.2, 3.0, 2 / 3).ratio, (0.1,), bad={"eta0": _POS}),
    # --- power-law data
    Entry(dl.powerlaw_spectrum, (6, 1.5, 0.5),
          bad={"K": [1, 0, -2, 2.5, 10 ** 12], "a": [1.0, 0.5, -1.0, 0, 1e400], "beta": _POS + [1e400]}),
    Entry(dl.binned_powerlaw_spectrum, (40, 1.5, 0.5), dict(n_exact=5, n_bins=4),
          bad={"K": [1, 0, 2.5, 10 ** 12], "a": [1.0, -1.0], "beta": _POS, "n_exact": [0, -1, 1.5],
               "n_bins": [0, -2, 3.5, 10 ** 12]}),
    Entry(dl.check_spectrum, (LAM, B2), dict(min_modes=1),
          bad={"lam": _LAM_BAD, "b2": _B2_BAD, "min_modes": [0, -1, 1.5, 7]}),
    # --- simulation
    Entry(dl.simulate_dln, (1, 1.0, 1.0, 0.1, 5),
          dict(D=6, alpha=1.0, sigma=0.1, parameterization="mup", centred=False, residual=False, seed=0),
          bad={"L": _SIZE, "nu": _POS + [0.1, 1.1], "gamma0": _POS, "eta0": _POS, "T": _SIZE,
               "D": [1, 0, -4, 6.5, 10 ** 12], "alpha": _POS + [0.05, 1.1], "sigma": _NONNEG,
               "parameterization": ["NTK", None], "centred": [0, "yes"], "residual": [1, None], "seed": [-1, 1.5, "0"]},
          allow={"alpha": ["None"]},          # documented: population GD
          extra=[Call("alpha+alpha_B", (1, 1.0, 1.0, 0.1, 5), dict(D=6, alpha=1.0, alpha_B=1.0), names=("alpha",)),
                 Call("alpha_B*D-non-integer", (1, 1.0, 1.0, 0.1, 5), dict(D=6, alpha_B=0.3), names=("alpha_B",)),
                 Call("alpha_B=0", (1, 1.0, 1.0, 0.1, 5), dict(D=6, alpha_B=0.0), names=("alpha_B",)),
                 Call("branch-without-residual", (1, 1.0, 1.0, 0.1, 5), dict(D=6, branch=0.5), names=("branch",)),
                 Call("residual-branch<0", (1, 1.0, 1.0, 0.1, 5), dict(D=6, residual=True, branch=-1.0),
                      names=("branch",)),
                 Call("residual-beta0=nan", (1, 1.0, 1.0, 0.1, 5), dict(D=6, residual=True, beta0=np.nan),
                      names=("beta0",)),
                 Call("nu=inf", (1, np.inf, 1.0, 0.1, 5), dict(D=6), names=("nu",)),
                 Call("divergent-eta0", (1, 1.0, 1.0, 5.0, 8), dict(D=6), flagged=_inf_tail)]),
    Entry(dl.simulate_powerlaw, (1, 1.0, 0.2, 5, LAM, B2), dict(N=4, batch=3, sigma=0.1, seed=0),
          bad={"L": _SIZE, "gamma0": _POS, "eta0": _POS, "T": _SIZE, "lam": _LAM_BAD + [LAM[:1]], "b2": _B2_BAD,
               "N": [1, 0, -2, 4.5, 10 ** 12], "batch": [0, -1, 2.5, 10 ** 12], "sigma": _NONNEG, "seed": [-1, 1.5]},
          allow={"batch": ["None"]},          # documented: population GD
          extra=[Call("divergent-eta0", (1, 1.0, 50.0, 8, LAM, B2), dict(N=4), flagged=_inf_tail)]),
    Entry(dl.simulate_seeds, (dl.simulate_dln, 2, 1, 1.0, 1.0, 0.1, 4), dict(D=4, seed0=0, executor=None),
          bad={"simulator": [print, None, "simulate_dln"], "n_seeds": [0, -1, 1.5, 10 ** 12], "seed0": [-1, 1.5],
               "executor": ["pool", 3]},
          extra=[Call("seed-kw", (dl.simulate_dln, 2, 1, 1.0, 1.0, 0.1, 4), dict(D=4, seed=3), names=("seed",)),
                 Call("bad-inner-D", (dl.simulate_dln, 2, 1, 1.0, 1.0, 0.1, 4), dict(D=0), names=("D",))]),
    Entry(dl.rank_one_step, (W0, WS, WV, E3, 0.01, 1.0), dict(residual=False, b=1.0),
          bad={"W0": [np.ones(4), np.ones((4, 3), dtype=int)], "Ws": _W_BAD, "w": [np.ones(3), np.ones((4, 1))],
               "e": [np.ones(4), np.ones((3, 1))], "eta0": _POS, "gamma0": _POS, "residual": [0, "yes"],
               "b": [-1.0, np.nan, "x"]},
          extra=[Call("scale0<0", (W0, WS, WV, E3, 0.01, 1.0), dict(scale0=-1.0), names=("scale0",)),
                 Call("scale0=nan", (W0, WS, WV, E3, 0.01, 1.0), dict(scale0=np.nan), names=("scale0",))]),
    Entry(dl.loss_half_train, (W0, WS, WV, X5, Y5, 1.0), dict(residual=False, b=1.0),
          bad={"W0": [np.ones(4)], "Ws": _W_BAD[:4], "w": [np.ones(3)], "X": [np.ones((5, 4)), np.ones(3)],
               "y": [np.ones(4), np.ones((5, 1))], "gamma0": _POS, "residual": [0, "yes"], "b": [-1.0, np.nan]}),
    # --- learning-rate sweeps
    Entry(dl.lr_sweep, (_quad, ETAS), dict(metric=None, executor=None, progress=False, desc="x"),
          bad={"loss_fn": [None, 3.0, "f"], "etas": _ETAS_BAD, "metric": [3.0, "log"], "executor": ["pool", 3],
               "progress": [0, "no"], "desc": [3, 1.5]},
          allow={"desc": ["unknown-option"]},  # any string is a valid label
          extra=[Call("all-diverged", (_nan_loss, ETAS), dict(progress=False), names=("loss_fn",))]),
    Entry(dl.refine_argmin, (ETAS, np.array([3.0, 1.0, 0.5, 2.0, 4.0])),
          bad={"etas": _ETAS_BAD, "values": [np.ones(4), np.full(5, np.nan), np.ones((1, 5)), [1.0, "x", 1, 1, 1]]},
          allow={"values": ["has-nan", "has-inf"]}),  # documented: a non-finite value is a diverged point
    Entry(dl.transfer_study, (_theory, ETAS, [1.0, 2.0]),
          dict(sim_point=None, eta_sim=None, sim_widths=(), pars=("ntk", "mup"), width_label="w"),
          bad={"theory_loss": [None, 3.0], "etas": _ETAS_BAD, "widths": [[], [0.0], [-1.0], ["a"], [np.nan], 3.0],
               "pars": [(), "ntk", (1, 2), None], "width_label": [3]},
          allow={"width_label": ["unknown-option"]},  # any string is a valid label
          extra=[Call("sim-without-rates", (_theory, ETAS, [1.0]), dict(sim_point=lambda p, w, e: (0.0, 0.0),
                                                                      sim_widths=(1.0,)), names=("eta_sim",)),
                 Call("sim-bad-rates", (_theory, ETAS, [1.0]), dict(sim_point=lambda p, w, e: (0.0, 0.0),
                                                                  eta_sim=[-1.0, 0.1], sim_widths=(1.0,)),
                      names=("eta_sim",)),
                 Call("sim-bad-widths", (_theory, ETAS, [1.0]), dict(sim_point=lambda p, w, e: (0.0, 0.0),
                                                                   eta_sim=[0.1], sim_widths=(0.0,)),
                      names=("sim_widths",))]),
]
