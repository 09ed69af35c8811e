"""Calibration of the simulators' error bars (issue 11 item 3): over many independent groups of
``n`` seeds, the seed mean must lie within one reported standard error of the EXACT expectation
in the fraction of groups that a correct standard error gives, for both simulators.

For Gaussian draws, ``(mean - mu) / (s/sqrt(n))`` is Student-t with ``n - 1`` degrees of freedom,
so the expected fraction is ``p = P(|t_{n-1}| <= 1) = 0.6368`` for ``n = 6``.  Our draws are
losses (quadratic forms), mildly skewed: with 1500 groups per configuration we measured
fractions 0.61-0.65 (random features) and 0.62-0.65 (deep linear), i.e. a non-Gaussian bias of at
most ~0.03 below ``p`` per configuration and ~0.01 on the pooled fraction; the tolerance is 4
binomial standard deviations ``4 sqrt(p (1 - p)/G)`` of the pooled ``G`` groups (0.11 for random
features, 0.043 for deep linear), several times that bias.  A standard error that is really the
standard deviation (``sqrt(n)`` too wide) gives ``P(|t_5| <= sqrt 6) = 0.94``, one that is halved
``P(|t_5| <= 0.5) = 0.36``: both far outside (each test checks that it would see them).

Exact expectations (independent of the simulators' code):

* deep linear net at ``t = 0`` (``scalinglaws.deeplinear.simulation``): ``beta(0) = W^0^T g^1 /
  (gamma0 nu sqrt(D))`` with ``E|g^1|^2 = N`` (every hidden layer ``W^T g/sqrt(N)`` keeps the
  expected squared norm) and the target ``beta* ~ N(0, I_D)``, so ``E L(0) = E|beta - beta*|^2/D +
  sigma^2 = 1 + 1/(gamma0^2 nu) + sigma^2`` exactly at every finite ``D``, ``N``, depth and data
  mode; on power-law data (``sum lambda = sum lambda b^2 = 1``, fixed target) ``E L(0) = 1 +
  1/(gamma0^2 N) + sigma^2``.
* random features after ONE GD step of size ``eta`` from ``w = 0``
  (``scalinglaws.randomfeatures.simulation``): the whitened error is ``r = e - eta Lambda^{1/2}
  S_A Lambda^{1/2} S_Z e`` with ``e = Lambda^{1/2} w*`` and independent Wishart matrices
  ``S_A = A^T A/N``, ``S_Z = Z^T Z/P`` (``E S = I``, ``E S B S = (1 + 1/n) B + tr(B) I/n`` for
  symmetric ``B``), so ``E L = |e|^2 - 2 eta e^T Lambda e + eta^2 [(1 + 1/P) e^T C e + tr(C) |e|^2/P]``
  with ``C = (1 + 1/N) Lambda^2 + tr(Lambda) Lambda/N`` (``1/N = 0`` or ``1/P = 0`` for the limits).
"""
import math

import numpy as np
from scipy import stats

from scalinglaws import deeplinear as dl
from scalinglaws import randomfeatures as rf

N_SEEDS = 6
P_T = 2 * stats.t.cdf(1.0, N_SEEDS - 1) - 1          # 0.6368


def _check_coverage(means, ses, exact):
    means, ses, exact = (np.asarray(v, float) for v in (means, ses, exact))
    G = means.size
    tol = 4 * math.sqrt(P_T * (1 - P_T) / G)          # 4 binomial standard deviations
    dev = np.abs(means - exact)
    frac = float(np.mean(dev <= ses))
    assert abs(frac - P_T) < tol, (frac, P_T, tol)
    # the test has the power to see the wrong error bars (std instead of SE; half the SE)
    frac_std = float(np.mean(dev <= ses * math.sqrt(N_SEEDS)))
    frac_half = float(np.mean(dev <= ses / 2))
    assert frac_std - P_T > tol and P_T - frac_half > tol, (frac_std, frac_half, tol)
    return frac


def _rf_one_step_expectation(a, b, M, N, P, eta):
    k = np.arange(1, M + 1, dtype=float)
    lam, e2 = k ** -b, k ** -a                      # lambda_k and e_k^2 = lambda_k w*_k^2
    iN = 0.0 if N is None else 1.0 / N
    iP = 0.0 if P is None else 1.0 / P
    C = (1 + iN) * lam ** 2 + lam.sum() * iN * lam  # diagonal
    return (e2.sum() - 2 * eta * (lam * e2).sum()
            + eta ** 2 * ((1 + iP) * (C * e2).sum() + C.sum() * e2.sum() * iP))


def test_random_feature_error_bars_are_calibrated():
    # three branches of draw_loss (general, P = inf, N = inf), 100 groups of 6 draws each (~7 s idle)
    cases = [(1.5, 1.25, 100, 30, 40), (2.0, 1.5, 60, 20, None), (2.0, 1.5, 60, None, 30)]
    eta, groups = 0.5, 100
    means, ses, exact = [], [], []
    for a, b, M, N, P in cases:
        ex = _rf_one_step_expectation(a, b, M, N, P, eta)
        for g in range(groups):
            r = rf.simulate(a, b, M, N, P, [eta], n_seeds=N_SEEDS, seed=1000 + g, eta=eta, executor=None)
            means.append(r.test[0]); ses.append(r.test_se[0]); exact.append(ex)
    _check_coverage(means, ses, exact)


def test_deep_linear_error_bars_are_calibrated():
    # simulate_dln (depth 1 and 2, population and full batch, label noise) and simulate_powerlaw,
    # 400 groups of 6 seeds each at t = 0 (~3 s)
    groups = 400
    dln = [dict(L=1, nu=1.0, g0=1.0, D=40, sigma=0.5, kw={}),
           dict(L=2, nu=0.5, g0=0.8, D=40, sigma=0.0, kw=dict(alpha=2.0)),
           dict(L=2, nu=1.0, g0=1.0, D=20, sigma=0.3, kw={})]
    means, ses, exact = [], [], []
    for c in dln:
        ex = 1 + 1 / (c["g0"] ** 2 * c["nu"]) + c["sigma"] ** 2
        for g in range(groups):
            r = dl.simulate_seeds(dl.simulate_dln, N_SEEDS, c["L"], c["nu"], c["g0"], 0.1, 1, D=c["D"],
                                  sigma=c["sigma"], seed0=g * N_SEEDS, executor=None, **c["kw"])
            means.append(r.test[0]); ses.append(r.test_se[0]); exact.append(ex)
    lam, b2 = dl.powerlaw_spectrum(50, 1.5, 0.5)
    for N, g0, sigma in [(20, 1.0, 0.0), (10, 0.7, 0.3)]:
        ex = 1 + 1 / (g0 ** 2 * N) + sigma ** 2
        for g in range(groups):
            r = dl.simulate_seeds(dl.simulate_powerlaw, N_SEEDS, 1, g0, 0.1, 1, lam, b2, N=N, sigma=sigma,
                                  seed0=g * N_SEEDS, executor=None)
            means.append(r.test[0]); ses.append(r.test_se[0]); exact.append(ex)
    _check_coverage(means, ses, exact)
